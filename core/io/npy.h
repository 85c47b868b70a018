/* numpy's .npy and .npz files, for latents (projected_w.npz, W and W+
 * arrays, directions): a bounded reader that never unpickles, and a writer.
 *
 * Read: float16, float32 and float64 in either byte order, C or Fortran
 * order, converted to float32 in C order. Object arrays (pickled Python
 * objects) and structured dtypes are refused. An .npz is a zip archive of
 * .npy entries, stored (numpy.savez) or deflated (numpy.savez_compressed,
 * inflated by zlib); its sizes come from the central directory and its
 * CRC-32s are checked. */
#ifndef SG3_NPY_H
#define SG3_NPY_H

#include <stddef.h>
#include <stdint.h>

#define SG3_NPY_MAX_DIMS 8
/* Bytes of array data a latent file may hold (and an .npz entry inflate
 * to): 64 Mi floats, far beyond any latent file. */
#define SG3_NPY_MAX_BYTES ((size_t)256 << 20)

typedef struct {
  int ndim;
  size_t shape[SG3_NPY_MAX_DIMS];
  size_t count; /* elements */
  float *data;  /* C order; malloc()ed */
} sg3_npy;

/* An .npy file's bytes into *out. `name` starts error messages. */
int sg3_npy_parse(const uint8_t *buf, size_t size, const char *name,
                  sg3_npy *out, char **error);
/* The array `key` of an .npz file's bytes (the entry key + ".npy"); NULL:
 * "w" if there is one (projected_w.npz), else the only array. */
int sg3_npz_parse(const uint8_t *buf, size_t size, const char *name,
                  const char *key, sg3_npy *out, char **error);
/* Either, told apart by the first bytes. */
int sg3_array_parse(const uint8_t *buf, size_t size, const char *name,
                    sg3_npy *out, char **error);
void sg3_npy_free(sg3_npy *a);

/* float32 data as .npy bytes (malloc()ed into *out), as numpy.save writes
 * them (format 1.0, little-endian). */
int sg3_npy_encode(const float *data, int ndim, const size_t *shape,
                   uint8_t **out, size_t *size, char **error);
/* One .npy entry `key`.npy as a stored zip archive, as numpy.savez writes
 * it (malloc()ed into *out). */
int sg3_npz_encode(const char *key, const uint8_t *npy, size_t npy_size,
                   uint8_t **out, size_t *size, char **error);

#endif
