/* Latent files (sg3_latents in sg3.h): numpy arrays read by io/npy.c,
 * checked against a model's w_dim and num_ws, and written back in the
 * format of the official projector's projected_w.npz. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "io/file.h"
#include "io/npy.h"
#include "model.h"

void sg3_latents_clear(sg3_latents *l) {
  if (!l)
    return;
  free(l->ws);
  memset(l, 0, sizeof *l);
}

static void shape_text(const sg3_npy *a, char *buf, size_t n) {
  size_t len = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < a->ndim && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%zu", i ? ", " : "",
                            a->shape[i]);
  if (len < n)
    snprintf(buf + len, n - len, "]");
}

/* How many latents of how many rows the array's shape means. */
static int interpret(const sg3_npy *a, const char *name, int num_ws, int w_dim,
                     int flags, int *count, int *rows, char **error) {
  const size_t *s = a->shape;
  size_t n = 0, r = 0;
  const size_t W = (size_t)w_dim, R = (size_t)num_ws;
  if (a->ndim >= 1 && s[a->ndim - 1] == W) {
    if (a->ndim == 1 && !(flags & SG3_LATENTS_LIST)) {
      n = 1;
      r = 1;
    } else if (a->ndim == 2 && (flags & SG3_LATENTS_LIST)) {
      n = s[0];
      r = 1;
    } else if (a->ndim == 2 && (s[0] == R || s[0] == 1)) {
      n = 1;
      r = s[0];
    } else if (a->ndim == 3 && (s[1] == R || s[1] == 1)) {
      n = s[0];
      r = s[1];
    }
  }
  if (n == 0 || n > (1 << 20)) {
    char got[160];
    shape_text(a, got, sizeof got);
    if (flags & SG3_LATENTS_LIST)
      return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                      "%s: shape %s does not fit the model: expected "
                      "[N, %d], [N, %d, %d] or [N, 1, %d] (w_dim %d, num_ws "
                      "%d)",
                      name, got, w_dim, num_ws, w_dim, w_dim, w_dim, num_ws);
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                    "%s: shape %s does not fit the model: expected [%d], "
                    "[%d, %d], [N, %d, %d] or [N, 1, %d] (w_dim %d, num_ws "
                    "%d)",
                    name, got, w_dim, num_ws, w_dim, num_ws, w_dim, w_dim,
                    w_dim, num_ws);
  }
  *count = (int)n;
  *rows = (int)r;
  return 0;
}

static int load(const uint8_t *buf, size_t size, const char *name,
                const sg3_model *model, int flags, sg3_latents *out,
                char **error) {
  sg3_npy a;
  if (sg3_array_parse(buf, size, name, &a, error))
    return -1;
  int count = 0, rows = 0;
  if (interpret(&a, name, model->num_ws, model->w_dim, flags, &count, &rows,
                error)) {
    sg3_npy_free(&a);
    return -1;
  }
  for (size_t i = 0; i < a.count; i++)
    if (!isfinite(a.data[i])) {
      sg3_npy_free(&a);
      return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                      "%s: element %zu is not a finite number", name, i);
    }
  out->ws = a.data;
  out->count = count;
  out->rows = rows;
  out->w_dim = model->w_dim;
  out->ndim = a.ndim;
  memcpy(out->shape, a.shape, sizeof out->shape);
  return 0;
}

sg3_status sg3_latents_load_memory(const void *data, size_t size,
                                   const char *name, const sg3_model *model,
                                   int flags, sg3_latents *out, char **error) {
  sg3_error_begin();
  if (out)
    memset(out, 0, sizeof *out);
  int rc =
      !data || !model || !out
          ? sg3_set_error(error, "sg3_latents_load: no data, model or "
                                 "output")
          : load(data, size, name ? name : "latents", model, flags, out, error);
  return sg3_error_end(rc, SG3_ERR_INVALID_ARGUMENT);
}

sg3_status sg3_latents_load(const char *path, const sg3_model *model, int flags,
                            sg3_latents *out, char **error) {
  sg3_error_begin();
  if (out)
    memset(out, 0, sizeof *out);
  if (!path || !model || !out)
    return sg3_error_end(
        sg3_set_error(error, "sg3_latents_load: no path, model or output"),
        SG3_ERR_INVALID_ARGUMENT);
  sg3_file f;
  int rc = sg3_file_open(&f, path, error);
  if (!rc) {
    rc = load(f.data, f.size, path, model, flags, out, error);
    sg3_file_close(&f);
  }
  return sg3_error_end(rc, SG3_ERR_INVALID_ARGUMENT);
}

/* Writes the bytes beside `path` and renames them over it. */
static int write_whole(const char *path, const uint8_t *b, size_t n,
                       char **error) {
  size_t len = strlen(path);
  char *tmp = malloc(len + 16);
  if (!tmp)
    return sg3_oom(error, path);
  snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int err = errno;
    free(tmp);
    return sg3_fail(error, SG3_ERR_IO, "%s: %s", path, strerror(err));
  }
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, b + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    done += (size_t)w;
  }
  int err = done < n ? errno : 0;
  /* mkstemp makes 0600; a latents file is as readable as any output */
  if (!err && fchmod(fd, 0644) != 0)
    err = errno;
  if (close(fd) != 0 && !err)
    err = errno;
  if (!err && rename(tmp, path) != 0)
    err = errno;
  if (err) {
    unlink(tmp);
    free(tmp);
    return sg3_fail(error, SG3_ERR_IO, "%s: %s", path,
                    strerror(err ? err : EIO));
  }
  free(tmp);
  return 0;
}

static int save(const char *path, const float *ws, int count, int rows,
                int w_dim, char **error) {
  if (!path || !ws || count < 1 || rows < 1 || w_dim < 1)
    return sg3_set_error(error, "sg3_latents_save: no path or no latents");
  size_t shape[3] = {(size_t)count, (size_t)rows, (size_t)w_dim};
  if (shape[0] * shape[1] * shape[2] > SG3_NPY_MAX_BYTES / 4)
    return sg3_fail(error, SG3_ERR_TOO_LARGE, "%s: too many latents", path);
  uint8_t *npy = NULL, *npz = NULL;
  size_t npy_size, npz_size;
  if (sg3_npy_encode(ws, 3, shape, &npy, &npy_size, error))
    return -1;
  size_t len = strlen(path);
  int rc;
  if (len >= 4 && !strcmp(path + len - 4, ".npz")) {
    rc = sg3_npz_encode("w", npy, npy_size, &npz, &npz_size, error);
    if (!rc)
      rc = write_whole(path, npz, npz_size, error);
  } else {
    rc = write_whole(path, npy, npy_size, error);
  }
  free(npy);
  free(npz);
  return rc;
}

sg3_status sg3_latents_save(const char *path, const float *ws, int count,
                            int rows, int w_dim, char **error) {
  sg3_error_begin();
  return sg3_error_end(save(path, ws, count, rows, w_dim, error),
                       SG3_ERR_INVALID_ARGUMENT);
}
