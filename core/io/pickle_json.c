#include "io/pickle_json.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define JSON_MAX_DEPTH 32
#define JSON_MAX_ITEMS 4096       /* per dict (duplicate keys cost n^2) */
#define JSON_MAX_LEN (16u << 20)  /* whole text */
#define JSON_MAX_ARRAY (1u << 20) /* numpy elements */
#define JSON_MAX_WORK (1u << 26)  /* values and key comparisons, in all */

typedef struct {
  GString *s;
  pk_vm *vm;
  char **error;
  uint64_t work; /* a shared dict or list may be reached many times */
} json_out;

static int spend(json_out *j, uint64_t n) {
  j->work += n;
  if (j->work > JSON_MAX_WORK)
    return sg3_fail(j->error, SG3_ERR_TOO_LARGE, "init_kwargs: too large");
  return 0;
}

static int too_long(json_out *j) {
  if (j->s->len > JSON_MAX_LEN)
    return sg3_fail(j->error, SG3_ERR_TOO_LARGE,
                    "init_kwargs: more than %u bytes of JSON", JSON_MAX_LEN);
  return 0;
}

static int put_string(json_out *j, pk_slice s, const char *what) {
  if (!g_utf8_validate((const char *)s.p, (gssize)s.n, NULL))
    return sg3_set_error(j->error, "init_kwargs: %s is not valid UTF-8", what);
  g_string_append_c(j->s, '"');
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = s.p[i];
    if (c == '"' || c == '\\')
      g_string_append_printf(j->s, "\\%c", c);
    else if (c < 0x20)
      g_string_append_printf(j->s, "\\u%04x", c);
    else
      g_string_append_c(j->s, (char)c);
  }
  g_string_append_c(j->s, '"');
  return too_long(j);
}

/* The shortest of %.15g..%.17g that reads back exactly; always with a '.'
 * or exponent so that it stays a float. */
static int put_float(json_out *j, double f, const char *what) {
  if (!isfinite(f))
    return sg3_fail(j->error, SG3_ERR_UNSUPPORTED,
                    "init_kwargs: %s is %g, which JSON cannot hold", what, f);
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, f);
    if (strtod(buf, NULL) == f)
      break;
  }
  g_string_append(j->s, buf);
  if (!strpbrk(buf, ".eE"))
    g_string_append(j->s, ".0");
  return 0;
}

static int put_value(json_out *j, const pk_obj *o, const char *what, int depth);

static int put_element(json_out *j, const pk_ndarray *a, size_t idx,
                       const char *what, int depth) {
  const pk_dtype *d = pk_torch_dtype(a->dtype);
  if (d->is_object)
    return put_value(j, a->data->u.seq.v[idx], what, depth);
  int64_t i = 0;
  double f = 0;
  int r = sg3_dtype_read_number(d->dtype, a->data->u.s.p + idx * d->elem_size,
                                d->big_endian, &i, &f);
  char shown[PK_SHOW_SIZE];
  if (r < 0)
    return sg3_fail(j->error, SG3_ERR_UNSUPPORTED,
                    "init_kwargs: %s is a numpy array of dtype %s", what,
                    pk_show(d->str, shown, sizeof shown));
  if (r == 0)
    return put_float(j, f, what);
  if (d->dtype == SG3_DT_BOOL)
    g_string_append(j->s, i ? "true" : "false");
  else
    g_string_append_printf(j->s, "%lld", (long long)i);
  return 0;
}

/* Nested lists, as ndarray.tolist() gives; each dimension is a level of
 * nesting. */
static int put_array_dim(json_out *j, const pk_ndarray *a, int dim, size_t base,
                         const char *what, int depth) {
  if (dim == a->ndim)
    return put_element(j, a, base, what, depth);
  if (depth >= JSON_MAX_DEPTH)
    return sg3_fail(j->error, SG3_ERR_TOO_LARGE,
                    "init_kwargs: %s is nested too deeply", what);
  /* Flat index of element (i0, i1, ...): C or Fortran order. */
  size_t step = 1;
  if (a->fortran)
    for (int k = 0; k < dim; k++)
      step *= (size_t)a->shape[k];
  else
    for (int k = dim + 1; k < a->ndim; k++)
      step *= (size_t)a->shape[k];
  g_string_append_c(j->s, '[');
  for (int64_t i = 0; i < a->shape[dim]; i++) {
    if (i)
      g_string_append(j->s, ", ");
    if (put_array_dim(j, a, dim + 1, base + (size_t)i * step, what,
                      depth + 1) ||
        too_long(j))
      return -1;
  }
  g_string_append_c(j->s, ']');
  return 0;
}

static int put_ndarray(json_out *j, const pk_ndarray *a, const char *what,
                       int depth) {
  if (!a->dtype)
    return sg3_set_error(j->error,
                         "init_kwargs: %s is an empty numpy array "
                         "object",
                         what);
  if (a->numel > JSON_MAX_ARRAY)
    return sg3_fail(j->error, SG3_ERR_TOO_LARGE,
                    "init_kwargs: %s is a numpy array of %zu elements", what,
                    a->numel);
  if (a->data->type == PK_BYTES &&
      pk_need(j->vm, a->data->u.s.p, a->data->u.s.n))
    return -1;
  return put_array_dim(j, a, 0, 0, what, depth);
}

/* A dict key as json.dumps writes it: strings as they are, numbers, bools
 * and None as their JSON text. */
static char *key_text(const pk_obj *k) {
  char buf[40];
  switch (k->type) {
  case PK_STR: {
    char *s = malloc(k->u.s.n + 1);
    if (s) {
      memcpy(s, k->u.s.p, k->u.s.n);
      s[k->u.s.n] = 0;
    }
    return s;
  }
  case PK_INT:
    snprintf(buf, sizeof buf, "%lld", (long long)k->u.i);
    return strdup(buf);
  case PK_BOOL:
    return strdup(k->u.i ? "true" : "false");
  case PK_NONE:
    return strdup("null");
  case PK_FLOAT:
    snprintf(buf, sizeof buf, "%.17g", k->u.f);
    return strdup(buf);
  default:
    return NULL;
  }
}

static int put_dict(json_out *j, const pk_obj *d, const char *what, int depth) {
  size_t n = d->u.seq.n / 2;
  if (n > JSON_MAX_ITEMS)
    return sg3_fail(j->error, SG3_ERR_TOO_LARGE,
                    "init_kwargs: %s has %zu entries", what, n);
  if (spend(j, (uint64_t)n * n))
    return -1;
  char **keys = calloc(n ? n : 1, sizeof *keys);
  if (!keys)
    return sg3_oom(j->error, NULL);
  int rc = -1, first = 1;
  for (size_t i = 0; i < n; i++) {
    const pk_obj *k = d->u.seq.v[2 * i];
    if (k->type == PK_STR &&
        (memchr(k->u.s.p, 0, k->u.s.n) ||
         !g_utf8_validate((const char *)k->u.s.p, (gssize)k->u.s.n, NULL))) {
      sg3_set_error(j->error, "init_kwargs: a key of %s is not valid UTF-8",
                    what);
      goto out;
    }
    if (!(keys[i] = key_text(k))) {
      sg3_set_error(j->error, "init_kwargs: %s has a %s key", what,
                    pk_type_name(k));
      goto out;
    }
  }
  g_string_append_c(j->s, '{');
  for (size_t i = 0; i < n; i++) {
    /* Python dicts keep the first position and the last value of a key. */
    int seen = 0;
    for (size_t k = 0; k < i && !seen; k++)
      seen = strcmp(keys[k], keys[i]) == 0;
    if (seen)
      continue;
    size_t last = i;
    for (size_t k = i + 1; k < n; k++)
      if (strcmp(keys[k], keys[i]) == 0)
        last = k;
    if (!first)
      g_string_append(j->s, ", ");
    first = 0;
    pk_slice ks = {(const uint8_t *)keys[i], strlen(keys[i])};
    char shown[PK_SHOW_SIZE];
    if (put_string(j, ks, what))
      goto out;
    g_string_append(j->s, ": ");
    if (put_value(j, d->u.seq.v[2 * last + 1], pk_show(ks, shown, sizeof shown),
                  depth + 1))
      goto out;
  }
  g_string_append_c(j->s, '}');
  rc = 0;
out:
  for (size_t i = 0; i < n; i++)
    free(keys[i]);
  free(keys);
  return rc;
}

static int put_value(json_out *j, const pk_obj *o, const char *what,
                     int depth) {
  if (depth >= JSON_MAX_DEPTH)
    return sg3_fail(j->error, SG3_ERR_TOO_LARGE,
                    "init_kwargs: %s is nested too deeply", what);
  if (too_long(j) || spend(j, 1))
    return -1;
  switch (o->type) {
  case PK_NONE:
    g_string_append(j->s, "null");
    return 0;
  case PK_BOOL:
    g_string_append(j->s, o->u.i ? "true" : "false");
    return 0;
  case PK_INT:
    g_string_append_printf(j->s, "%lld", (long long)o->u.i);
    return 0;
  case PK_FLOAT:
    return put_float(j, o->u.f, what);
  case PK_STR:
    return put_string(j, o->u.s, what);
  case PK_TUPLE:
  case PK_LIST:
  case PK_SET:
  case PK_FROZENSET:
    g_string_append_c(j->s, '[');
    for (size_t i = 0; i < o->u.seq.n; i++) {
      if (i)
        g_string_append(j->s, ", ");
      if (put_value(j, o->u.seq.v[i], what, depth + 1))
        return -1;
    }
    g_string_append_c(j->s, ']');
    return 0;
  case PK_DICT:
    return put_dict(j, o, what, depth);
  case PK_EXT:
    if (pk_torch_ndarray(o))
      return put_ndarray(j, pk_torch_ndarray(o), what, depth);
    return sg3_fail(j->error, SG3_ERR_UNSUPPORTED, "init_kwargs: %s is a %s",
                    what, pk_type_name(o));
  case PK_INSTANCE:
    if (o->u.inst.cls && o->u.inst.cls->type == PK_GLOBAL) {
      const pk_obj *c = o->u.inst.cls;
      char m[PK_SHOW_SIZE], n[PK_SHOW_SIZE];
      return sg3_fail(j->error, SG3_ERR_UNSUPPORTED,
                      "init_kwargs: %s is a %s.%s object", what,
                      pk_show(c->u.global.module, m, sizeof m),
                      pk_show(c->u.global.name, n, sizeof n));
    }
    /* fall through */
  default:
    return sg3_fail(j->error, SG3_ERR_UNSUPPORTED, "init_kwargs: %s is a %s",
                    what, pk_type_name(o));
  }
}

char *pk_to_json(pk_vm *vm, const pk_obj *o, char **error) {
  json_out j = {g_string_new(NULL), vm, error, 0};
  if (put_value(&j, o, "init_kwargs", 0)) {
    g_string_free(j.s, TRUE);
    return NULL;
  }
  /* malloc()ed for the tensor set, which free()s it. */
  char *s = malloc(j.s->len + 1);
  if (s)
    memcpy(s, j.s->str, j.s->len + 1);
  else
    sg3_oom(error, NULL);
  g_string_free(j.s, TRUE);
  return s;
}
