/* Element types of the tensors in model files, one table for the three
 * notations that name them: torch storage classes ("FloatStorage"), numpy
 * dtype strings ("<f4"), safetensors dtypes ("F32"); and the one place that
 * decodes their bytes. */
#ifndef SG3_DTYPE_H
#define SG3_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  SG3_DT_UNKNOWN = 0, /* not in the table */
  SG3_DT_F16,
  SG3_DT_BF16,
  SG3_DT_F32,
  SG3_DT_F64,
  SG3_DT_BOOL,
  SG3_DT_I8,
  SG3_DT_I16,
  SG3_DT_I32,
  SG3_DT_I64,
  SG3_DT_U8,
  SG3_DT_U16,
  SG3_DT_U32,
  SG3_DT_U64,
  /* Known, sized, but never decoded. */
  SG3_DT_F8_E4M3,
  SG3_DT_F8_E5M2,
  SG3_DT_C32, /* complex: two halves */
  SG3_DT_C64,
  SG3_DT_C128,
  SG3_DT_QINT8,
  SG3_DT_QUINT8,
  SG3_DT_QINT32,
  SG3_DT_QUINT4X2,
  SG3_DT_QUINT2X4,
  SG3_DT_COUNT
} sg3_dtype;

typedef enum {
  SG3_DK_FLOAT,
  SG3_DK_SIGNED,
  SG3_DK_UNSIGNED,
  SG3_DK_BOOL,
  SG3_DK_OPAQUE, /* complex, quantized, float8: not decoded */
} sg3_dtype_kind;

typedef struct {
  const char *name; /* "float32" */
  size_t size;      /* bytes per element */
  sg3_dtype_kind kind;
  const char *torch;       /* storage class, "FloatStorage"; NULL if none */
  char numpy;              /* numpy kind letter ('f', 'i', 'u', 'b', 'c') */
  const char *safetensors; /* "F32"; NULL if none */
} sg3_dtype_info;

/* The table row of `t` (SG3_DT_UNKNOWN has name "unknown" and size 0). */
const sg3_dtype_info *sg3_dtype_get(sg3_dtype t);

/* Look-ups; SG3_DT_UNKNOWN when not found. The names need not be
 * NUL-terminated. */
sg3_dtype sg3_dtype_from_torch(const char *storage_class, size_t len);
sg3_dtype sg3_dtype_from_numpy(char kind, size_t size);
sg3_dtype sg3_dtype_from_safetensors(const char *name);

/* float16, bfloat16, float32 or float64: what sg3_dtype_to_f32 takes. */
int sg3_dtype_is_float(sg3_dtype t);

/* Decodes `n` little-endian elements of a float type into float32 (exact
 * for float16 and bfloat16; float64 rounds). Returns -1, writing nothing,
 * if `t` is not a float type. */
int sg3_dtype_to_f32(sg3_dtype t, const uint8_t *src, size_t n, float *dst);

/* Reads one element as a number: returns 1 with *i set for integers and
 * bools, 0 with *f set for floats, -1 if the type is not numeric or an
 * unsigned value does not fit int64. */
int sg3_dtype_read_number(sg3_dtype t, const uint8_t *p, int big_endian,
                          int64_t *i, double *f);

/* IEEE binary16 to float32, exactly (subnormals, infinities, NaN). */
float sg3_half_to_float(uint16_t h);

#endif
