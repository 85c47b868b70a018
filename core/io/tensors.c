#include "io/tensors.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void sg3_tensor_set_init(sg3_tensor_set *set) {
  memset(set, 0, sizeof *set);
}

void sg3_tensor_set_clear(sg3_tensor_set *set) {
  for (size_t i = 0; i < set->n; i++) {
    free(set->items[i].name);
    free(set->items[i].data);
  }
  free(set->items);
  if (set->index)
    g_hash_table_destroy(set->index);
  free(set->init_kwargs);
  free(set->family);
  free(set->schedule);
  memset(set, 0, sizeof *set);
}

uint64_t sg3_tensor_output_limit(uint64_t file_size) {
  if (file_size > (UINT64_MAX - (64u << 20)) / 4)
    return UINT64_MAX;
  return 4 * file_size + (64u << 20);
}

size_t sg3_shape_numel(int ndim, const int64_t *shape, int *ok) {
  size_t n = 1;
  *ok = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0 || (uint64_t)shape[i] > SIZE_MAX / sizeof(float)) {
      *ok = 0;
      return 0;
    }
    size_t d = (size_t)shape[i];
    if (d != 0 && n > SIZE_MAX / sizeof(float) / d) {
      *ok = 0;
      return 0;
    }
    n *= d;
  }
  return n;
}

int sg3_tensor_set_add(sg3_tensor_set *set, const char *name, int ndim,
                       const int64_t *shape, float *data, char **error) {
  if (ndim < 0 || ndim > SG3_MAX_DIMS) {
    free(data);
    return sg3_set_error(error, "tensor '%s' has %d dimensions (at most %d)",
                         name, ndim, SG3_MAX_DIMS);
  }
  int ok;
  size_t numel = sg3_shape_numel(ndim, shape, &ok);
  if (!ok) {
    free(data);
    return sg3_set_error(error, "tensor '%s' has an invalid shape", name);
  }
  if (sg3_tensor_set_find(set, name)) {
    free(data);
    return sg3_set_error(error, "tensor '%s' appears twice", name);
  }
  if (set->n >= SG3_MAX_TENSORS) {
    free(data);
    return sg3_fail(error, SG3_ERR_TOO_LARGE, "more than %d tensors",
                    SG3_MAX_TENSORS);
  }
  if (set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 64;
    sg3_tensor *items = realloc(set->items, cap * sizeof *items);
    if (!items) {
      free(data);
      return sg3_oom(error, "the tensor list");
    }
    set->items = items;
    set->cap = cap;
  }
  if (!set->index)
    set->index = g_hash_table_new(g_str_hash, g_str_equal);
  char *copy = strdup(name);
  if (!copy) {
    free(data);
    return sg3_oom(error, NULL);
  }
  /* The key is the item's own name, which lives as long as the item. */
  g_hash_table_insert(set->index, copy, GSIZE_TO_POINTER(set->n + 1));
  sg3_tensor *t = &set->items[set->n++];
  memset(t, 0, sizeof *t);
  t->name = copy;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    t->shape[i] = shape[i];
  t->numel = numel;
  t->data = data;
  return 0;
}

const sg3_tensor *sg3_tensor_set_find(const sg3_tensor_set *set,
                                      const char *name) {
  if (!set->index) /* a set filled by hand */
    for (size_t i = 0; i < set->n; i++)
      if (strcmp(set->items[i].name, name) == 0)
        return &set->items[i];
  size_t at =
      set->index ? GPOINTER_TO_SIZE(g_hash_table_lookup(set->index, name)) : 0;
  return at ? &set->items[at - 1] : NULL;
}
