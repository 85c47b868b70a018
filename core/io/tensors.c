#include "io/tensors.h"

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
  free(set->init_kwargs);
  free(set->family);
  free(set->schedule);
  memset(set, 0, sizeof *set);
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
  if (set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 64;
    sg3_tensor *items = realloc(set->items, cap * sizeof *items);
    if (!items) {
      free(data);
      return sg3_set_error(error, "out of memory");
    }
    set->items = items;
    set->cap = cap;
  }
  char *copy = strdup(name);
  if (!copy) {
    free(data);
    return sg3_set_error(error, "out of memory");
  }
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
  for (size_t i = 0; i < set->n; i++)
    if (strcmp(set->items[i].name, name) == 0)
      return &set->items[i];
  return NULL;
}

float sg3_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f,
           mant = h & 0x3ff, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        exp--;
      }
      mant &= 0x3ff;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}
