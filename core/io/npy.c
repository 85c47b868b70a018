/* .npy: numpy's array format (numpy/lib/format.py), read and written. The
 * header is a Python dict literal; only what numpy.save writes is accepted:
 * {'descr': '<f4', 'fortran_order': False, 'shape': (1, 16, 512), }. */
#include "io/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/dtype.h"
#include "io/tensors.h"

#define MAGIC "\x93NUMPY"
/* numpy writes headers of a few hundred bytes; anything larger is not a
 * latent file. */
#define MAX_HEADER (64 << 10)

void sg3_npy_free(sg3_npy *a) {
  free(a->data);
  memset(a, 0, sizeof *a);
}

typedef struct {
  const char *p, *end;
} lexer;

static void skip_ws(lexer *l) {
  while (l->p < l->end &&
         (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
    l->p++;
}

static int eat(lexer *l, char c) {
  skip_ws(l);
  if (l->p < l->end && *l->p == c) {
    l->p++;
    return 1;
  }
  return 0;
}

/* A quoted string without escapes into buf (at most n - 1 chars). */
static int string(lexer *l, char *buf, size_t n) {
  skip_ws(l);
  if (l->p >= l->end || (*l->p != '\'' && *l->p != '"'))
    return -1;
  char q = *l->p++;
  size_t len = 0;
  while (l->p < l->end && *l->p != q) {
    if (*l->p == '\\' || len + 1 >= n)
      return -1;
    buf[len++] = *l->p++;
  }
  if (l->p >= l->end)
    return -1;
  l->p++;
  buf[len] = '\0';
  return 0;
}

static int word(lexer *l, const char *w) {
  skip_ws(l);
  size_t n = strlen(w);
  if ((size_t)(l->end - l->p) >= n && !memcmp(l->p, w, n)) {
    l->p += n;
    return 1;
  }
  return 0;
}

/* (d0, d1, ...) with a trailing comma allowed: "()" is a scalar. */
static int shape_tuple(lexer *l, sg3_npy *a) {
  if (!eat(l, '('))
    return -1;
  a->ndim = 0;
  for (;;) {
    if (eat(l, ')'))
      return 0;
    skip_ws(l);
    if (l->p >= l->end || *l->p < '0' || *l->p > '9' ||
        a->ndim == SG3_NPY_MAX_DIMS)
      return -1;
    size_t v = 0;
    while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
      if (v > (SIZE_MAX - 9) / 10)
        return -1;
      v = v * 10 + (size_t)(*l->p++ - '0');
    }
    a->shape[a->ndim++] = v;
    if (!eat(l, ',')) {
      if (!eat(l, ')'))
        return -1;
      return 0;
    }
  }
}

typedef struct {
  int size;    /* 2, 4 or 8 */
  int swap;    /* big-endian */
  int fortran; /* column-major */
} layout;

static int header(const char *name, lexer *l, sg3_npy *a, layout *lay,
                  char **error) {
  char key[32], descr[32] = "";
  int have_descr = 0, have_order = 0, have_shape = 0;
  if (!eat(l, '{'))
    return sg3_fail(error, SG3_ERR_CORRUPT, "%s: the .npy header is not a dict",
                    name);
  while (!eat(l, '}')) {
    if (string(l, key, sizeof key) || !eat(l, ':'))
      return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad .npy header", name);
    if (!strcmp(key, "descr")) {
      skip_ws(l);
      if (l->p < l->end && *l->p == '[')
        return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                        "%s: a structured array (record dtype), not an array "
                        "of numbers",
                        name);
      if (string(l, descr, sizeof descr))
        return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad dtype in the header",
                        name);
      have_descr = 1;
    } else if (!strcmp(key, "fortran_order")) {
      if (word(l, "True"))
        lay->fortran = 1;
      else if (word(l, "False"))
        lay->fortran = 0;
      else
        return sg3_fail(error, SG3_ERR_CORRUPT,
                        "%s: fortran_order is neither True nor False", name);
      have_order = 1;
    } else if (!strcmp(key, "shape")) {
      if (shape_tuple(l, a))
        return sg3_fail(error, SG3_ERR_CORRUPT,
                        "%s: a bad shape in the .npy header (at most %d "
                        "dimensions)",
                        name, SG3_NPY_MAX_DIMS);
      have_shape = 1;
    } else {
      return sg3_fail(error, SG3_ERR_CORRUPT,
                      "%s: an unknown key '%s' in the .npy header", name, key);
    }
    if (!eat(l, ',')) {
      if (!eat(l, '}'))
        return sg3_fail(error, SG3_ERR_CORRUPT, "%s: a bad .npy header", name);
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "%s: the .npy header lacks descr, fortran_order or shape",
                    name);
  /* Python objects are pickled: never read them. */
  if (strchr(descr, 'O'))
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "%s: holds Python objects (dtype '%s', pickled); refused, "
                    "never unpickled: save a float array",
                    name, descr);
  char order = descr[0], kind = descr[0] ? descr[1] : 0;
  int size = kind ? atoi(descr + 2) : 0;
  if ((order != '<' && order != '>' && order != '=' && order != '|') ||
      kind != 'f' || (size != 2 && size != 4 && size != 8) ||
      strlen(descr) != 3)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "%s: dtype '%s' is not float16, float32 or float64", name,
                    descr);
  lay->size = size;
  lay->swap = order == '>';
  return 0;
}

/* One element as a number, through the one dtype table. */
static double element(const uint8_t *p, const layout *lay) {
  int64_t i = 0;
  double f = 0;
  sg3_dtype t = sg3_dtype_from_numpy('f', (size_t)lay->size);
  return sg3_dtype_read_number(t, p, lay->swap, &i, &f) == 0 ? f : (double)i;
}

int sg3_npy_parse(const uint8_t *buf, size_t size, const char *name, sg3_npy *a,
                  char **error) {
  memset(a, 0, sizeof *a);
  if (size < 10 || memcmp(buf, MAGIC, 6))
    return sg3_fail(error, SG3_ERR_FORMAT, "%s: not a .npy file", name);
  int major = buf[6];
  size_t hlen, hstart;
  if (major == 1) {
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return sg3_fail(error, SG3_ERR_CORRUPT, "%s: truncated .npy header",
                      name);
    hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 |
           (size_t)buf[11] << 24;
    hstart = 12;
  } else {
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "%s: .npy format version %d is not supported", name, major);
  }
  if (hlen > MAX_HEADER || hlen > size - hstart)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "%s: the .npy header is longer than the file", name);
  lexer l = {(const char *)buf + hstart, (const char *)buf + hstart + hlen};
  layout lay = {0};
  if (header(name, &l, a, &lay, error))
    return -1;
  size_t count = 1;
  for (int i = 0; i < a->ndim; i++) {
    if (a->shape[i] && count > SG3_NPY_MAX_BYTES / a->shape[i])
      return sg3_fail(error, SG3_ERR_TOO_LARGE,
                      "%s: the array is larger than %zu MiB", name,
                      SG3_NPY_MAX_BYTES >> 20);
    count *= a->shape[i];
  }
  if (count > SG3_NPY_MAX_BYTES / (size_t)lay.size)
    return sg3_fail(error, SG3_ERR_TOO_LARGE,
                    "%s: the array is larger than %zu MiB", name,
                    SG3_NPY_MAX_BYTES >> 20);
  size_t off = hstart + hlen, need = count * (size_t)lay.size;
  if (size - off != need)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "%s: %zu bytes of data, the header's shape needs %zu", name,
                    size - off, need);
  a->count = count;
  a->data = malloc(sizeof(float) * (count ? count : 1));
  if (!a->data)
    return sg3_oom(error, name);
  /* C index i at Fortran offset f: strides of the column-major layout. */
  size_t idx[SG3_NPY_MAX_DIMS] = {0}, fstride[SG3_NPY_MAX_DIMS];
  size_t stride = 1;
  for (int d = 0; d < a->ndim; d++) {
    fstride[d] = stride;
    stride *= a->shape[d];
  }
  const uint8_t *src = buf + off;
  size_t f = 0;
  for (size_t i = 0; i < count; i++) {
    size_t at = lay.fortran ? f : i;
    a->data[i] = (float)element(src + at * (size_t)lay.size, &lay);
    if (!lay.fortran)
      continue;
    for (int d = a->ndim - 1; d >= 0; d--) { /* next C-order index */
      f += fstride[d];
      if (++idx[d] < a->shape[d])
        break;
      f -= fstride[d] * a->shape[d];
      idx[d] = 0;
    }
  }
  return 0;
}

int sg3_array_parse(const uint8_t *buf, size_t size, const char *name,
                    sg3_npy *out, char **error) {
  if (size >= 4 && !memcmp(buf, "PK\x03\x04", 4))
    return sg3_npz_parse(buf, size, name, NULL, out, error);
  if (size >= 4 && !memcmp(buf, "PK\x05\x06", 4))
    return sg3_fail(error, SG3_ERR_CORRUPT, "%s: an empty .npz archive", name);
  if (size >= 6 && !memcmp(buf, MAGIC, 6))
    return sg3_npy_parse(buf, size, name, out, error);
  memset(out, 0, sizeof *out);
  return sg3_fail(error, SG3_ERR_FORMAT,
                  "%s: neither a .npy nor an .npz file (numpy.save / "
                  "numpy.savez)",
                  name);
}

int sg3_npy_encode(const float *data, int ndim, const size_t *shape,
                   uint8_t **out, size_t *size, char **error) {
  char hdr[256];
  int n = snprintf(hdr, sizeof hdr,
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  size_t count = 1;
  for (int i = 0; i < ndim; i++) {
    n += snprintf(hdr + n, sizeof hdr - (size_t)n, "%zu%s", shape[i],
                  ndim == 1 || i < ndim - 1 ? ", " : "");
    count *= shape[i];
  }
  if (ndim == 1) /* "(512, )" is numpy's "(512,)" */
    n -= 1;
  n += snprintf(hdr + n, sizeof hdr - (size_t)n, "), }");
  /* numpy pads with spaces to a multiple of 64 bytes, newline-terminated */
  size_t total = 10 + (size_t)n + 1;
  size_t pad = (64 - total % 64) % 64, hlen = (size_t)n + pad + 1;
  *size = 10 + hlen + count * 4;
  uint8_t *b = malloc(*size);
  if (!b)
    return sg3_oom(error, "the .npy file");
  memcpy(b, MAGIC, 6);
  b[6] = 1;
  b[7] = 0;
  b[8] = (uint8_t)(hlen & 0xff);
  b[9] = (uint8_t)(hlen >> 8);
  memcpy(b + 10, hdr, (size_t)n);
  memset(b + 10 + n, ' ', pad);
  b[10 + hlen - 1] = '\n';
  memcpy(b + 10 + hlen, data, count * 4); /* little-endian hosts */
  *out = b;
  return 0;
}
