/* numpy's .npy format: enough to read the reference data and to write the
 * float32 images sg3-gen saves with --npy. */
#ifndef SG3_NPY_H
#define SG3_NPY_H

#include <stddef.h>

typedef struct {
  char dtype[8]; /* "<f4", "<f8", "|u1" */
  int ndim;
  size_t shape[8];
  size_t numel;
  void *data;
} npy_array;

/* Returns 0, or -1 with a message in err. */
int npy_read(const char *path, npy_array *out, char *err, size_t errlen);
void npy_free(npy_array *a);
int npy_write_f32(const char *path, const float *data, int ndim,
                  const size_t *shape);

#endif
