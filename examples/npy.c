#include "npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t dtype_size(const char *d) {
  if (!strcmp(d, "<f4"))
    return 4;
  if (!strcmp(d, "<f8"))
    return 8;
  if (!strcmp(d, "|u1") || !strcmp(d, "<u1"))
    return 1;
  return 0;
}

int npy_read(const char *path, npy_array *a, char *err, size_t errlen) {
  memset(a, 0, sizeof *a);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: cannot open", path);
    return -1;
  }
  unsigned char pre[10];
  int rc = -1;
  char *hdr = NULL;
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    snprintf(err, errlen, "%s: not a .npy file", path);
    goto out;
  }
  size_t hlen = pre[8] | pre[9] << 8;
  if (pre[6] >= 2) {
    unsigned char more[2];
    if (fread(more, 1, 2, f) != 2)
      goto bad;
    hlen |= (size_t)more[0] << 16 | (size_t)more[1] << 24;
  }
  if (hlen > 1 << 20)
    goto bad;
  hdr = calloc(1, hlen + 1);
  if (!hdr || fread(hdr, 1, hlen, f) != hlen)
    goto bad;
  char *d = strstr(hdr, "'descr': '");
  char *fo = strstr(hdr, "'fortran_order': False");
  char *sh = strstr(hdr, "'shape': (");
  if (!d || !fo || !sh)
    goto bad;
  d += 10;
  size_t dl = strcspn(d, "'");
  if (dl >= sizeof a->dtype)
    goto bad;
  memcpy(a->dtype, d, dl);
  size_t esize = dtype_size(a->dtype);
  if (!esize) {
    snprintf(err, errlen, "%s: unsupported dtype %s", path, a->dtype);
    goto out;
  }
  sh += 10;
  a->numel = 1;
  while (*sh && *sh != ')') {
    char *end;
    unsigned long long v = strtoull(sh, &end, 10);
    if (end == sh) {
      sh++;
      continue;
    }
    if (a->ndim == 8 || v > (1ull << 32) ||
        (v && a->numel > (SIZE_MAX / 16) / v))
      goto bad;
    a->shape[a->ndim++] = (size_t)v;
    a->numel *= (size_t)v;
    sh = end;
  }
  /* No more than the file holds, before allocating. */
  long here = ftell(f);
  if (here < 0 || fseek(f, 0, SEEK_END) != 0)
    goto bad;
  long size = ftell(f);
  if (size < here || (size_t)(size - here) / esize < a->numel ||
      fseek(f, here, SEEK_SET) != 0)
    goto bad;
  a->data = malloc(a->numel * esize + 1);
  if (!a->data || fread(a->data, esize, a->numel, f) != a->numel)
    goto bad;
  rc = 0;
  goto out;
bad:
  snprintf(err, errlen, "%s: malformed .npy file", path);
out:
  free(hdr);
  fclose(f);
  if (rc)
    npy_free(a);
  return rc;
}

void npy_free(npy_array *a) {
  free(a->data);
  a->data = NULL;
}

int npy_write_f32(const char *path, const float *data, int ndim,
                  const size_t *shape) {
  char dict[256];
  int n = snprintf(dict, sizeof dict,
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  size_t numel = 1;
  for (int i = 0; i < ndim; i++) {
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%zu%s", shape[i],
                  ndim == 1 ? "," : (i + 1 < ndim ? ", " : ""));
    numel *= shape[i];
  }
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  /* Pad with spaces so that magic + header is a multiple of 64 bytes. */
  size_t total = 10 + (size_t)n + 1;
  size_t padded = (total + 63) / 64 * 64;
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t hlen = padded - 10;
  unsigned char pre[10] = {0x93,
                           'N',
                           'U',
                           'M',
                           'P',
                           'Y',
                           1,
                           0,
                           (unsigned char)(hlen & 0xff),
                           (unsigned char)(hlen >> 8)};
  int bad =
      fwrite(pre, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)n, f) != (size_t)n;
  for (size_t i = 10 + (size_t)n; i < padded - 1 && !bad; i++)
    bad = fputc(' ', f) == EOF;
  bad = bad || fputc('\n', f) == EOF;
  bad = bad || fwrite(data, sizeof(float), numel, f) != numel;
  if (fclose(f))
    bad = 1;
  return bad ? -1 : 0;
}
