#include "io/dtype.h"

#include <string.h>

static const sg3_dtype_info table[SG3_DT_COUNT] = {
    [SG3_DT_UNKNOWN] = {"unknown", 0, SG3_DK_OPAQUE, NULL, 0, NULL},
    [SG3_DT_F16] = {"float16", 2, SG3_DK_FLOAT, "HalfStorage", 'f', "F16"},
    [SG3_DT_BF16] = {"bfloat16", 2, SG3_DK_FLOAT, "BFloat16Storage", 0, "BF16"},
    [SG3_DT_F32] = {"float32", 4, SG3_DK_FLOAT, "FloatStorage", 'f', "F32"},
    [SG3_DT_F64] = {"float64", 8, SG3_DK_FLOAT, "DoubleStorage", 'f', "F64"},
    [SG3_DT_BOOL] = {"bool", 1, SG3_DK_BOOL, "BoolStorage", 'b', "BOOL"},
    [SG3_DT_I8] = {"int8", 1, SG3_DK_SIGNED, "CharStorage", 'i', "I8"},
    [SG3_DT_I16] = {"int16", 2, SG3_DK_SIGNED, "ShortStorage", 'i', "I16"},
    [SG3_DT_I32] = {"int32", 4, SG3_DK_SIGNED, "IntStorage", 'i', "I32"},
    [SG3_DT_I64] = {"int64", 8, SG3_DK_SIGNED, "LongStorage", 'i', "I64"},
    [SG3_DT_U8] = {"uint8", 1, SG3_DK_UNSIGNED, "ByteStorage", 'u', "U8"},
    [SG3_DT_U16] = {"uint16", 2, SG3_DK_UNSIGNED, NULL, 'u', "U16"},
    [SG3_DT_U32] = {"uint32", 4, SG3_DK_UNSIGNED, NULL, 'u', "U32"},
    [SG3_DT_U64] = {"uint64", 8, SG3_DK_UNSIGNED, NULL, 'u', "U64"},
    [SG3_DT_F8_E4M3] = {"float8_e4m3fn", 1, SG3_DK_OPAQUE, NULL, 0, "F8_E4M3"},
    [SG3_DT_F8_E5M2] = {"float8_e5m2", 1, SG3_DK_OPAQUE, NULL, 0, "F8_E5M2"},
    [SG3_DT_C32] = {"complex32", 4, SG3_DK_OPAQUE, "ComplexHalfStorage", 0,
                    NULL},
    [SG3_DT_C64] = {"complex64", 8, SG3_DK_OPAQUE, "ComplexFloatStorage", 'c',
                    "C64"},
    [SG3_DT_C128] = {"complex128", 16, SG3_DK_OPAQUE, "ComplexDoubleStorage",
                     'c', NULL},
    [SG3_DT_QINT8] = {"qint8", 1, SG3_DK_OPAQUE, "QInt8Storage", 0, NULL},
    [SG3_DT_QUINT8] = {"quint8", 1, SG3_DK_OPAQUE, "QUInt8Storage", 0, NULL},
    [SG3_DT_QINT32] = {"qint32", 4, SG3_DK_OPAQUE, "QInt32Storage", 0, NULL},
    [SG3_DT_QUINT4X2] = {"quint4x2", 1, SG3_DK_OPAQUE, "QUInt4x2Storage", 0,
                         NULL},
    [SG3_DT_QUINT2X4] = {"quint2x4", 1, SG3_DK_OPAQUE, "QUInt2x4Storage", 0,
                         NULL},
};

const sg3_dtype_info *sg3_dtype_get(sg3_dtype t) {
  return &table[(unsigned)t < SG3_DT_COUNT ? t : SG3_DT_UNKNOWN];
}

static int same(const char *lit, const char *s, size_t len) {
  return lit && strlen(lit) == len && memcmp(lit, s, len) == 0;
}

sg3_dtype sg3_dtype_from_torch(const char *name, size_t len) {
  /* torch.UntypedStorage (PyTorch 2) holds bytes. */
  if (same("UntypedStorage", name, len))
    return SG3_DT_U8;
  for (int t = 1; t < SG3_DT_COUNT; t++)
    if (same(table[t].torch, name, len))
      return (sg3_dtype)t;
  return SG3_DT_UNKNOWN;
}

sg3_dtype sg3_dtype_from_numpy(char kind, size_t size) {
  for (int t = 1; t < SG3_DT_COUNT; t++)
    if (kind && table[t].numpy == kind && table[t].size == size)
      return (sg3_dtype)t;
  return SG3_DT_UNKNOWN;
}

sg3_dtype sg3_dtype_from_safetensors(const char *name) {
  for (int t = 1; t < SG3_DT_COUNT; t++)
    if (table[t].safetensors && strcmp(table[t].safetensors, name) == 0)
      return (sg3_dtype)t;
  return SG3_DT_UNKNOWN;
}

int sg3_dtype_is_float(sg3_dtype t) {
  return sg3_dtype_get(t)->kind == SG3_DK_FLOAT;
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

static float bits_to_float(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static uint64_t load_le(const uint8_t *p, size_t size) {
  uint64_t u = 0;
  for (size_t k = size; k-- > 0;)
    u = u << 8 | p[k];
  return u;
}

int sg3_dtype_to_f32(sg3_dtype t, const uint8_t *src, size_t n, float *dst) {
  switch (t) {
  case SG3_DT_F32:
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n)
      memcpy(dst, src, n * 4);
#else
    for (size_t i = 0; i < n; i++)
      dst[i] = bits_to_float((uint32_t)load_le(src + 4 * i, 4));
#endif
    return 0;
  case SG3_DT_F16:
    for (size_t i = 0; i < n; i++)
      dst[i] = sg3_half_to_float((uint16_t)(src[2 * i] | src[2 * i + 1] << 8));
    return 0;
  case SG3_DT_BF16:
    for (size_t i = 0; i < n; i++)
      dst[i] =
          bits_to_float((uint32_t)(src[2 * i] | src[2 * i + 1] << 8) << 16);
    return 0;
  case SG3_DT_F64:
    for (size_t i = 0; i < n; i++) {
      uint64_t u = load_le(src + 8 * i, 8);
      double d;
      memcpy(&d, &u, sizeof d);
      dst[i] = (float)d;
    }
    return 0;
  default:
    return -1;
  }
}

int sg3_dtype_read_number(sg3_dtype t, const uint8_t *p, int big_endian,
                          int64_t *i, double *f) {
  const sg3_dtype_info *d = sg3_dtype_get(t);
  size_t size = d->size;
  if (d->kind == SG3_DK_OPAQUE || size == 0 || size > 8)
    return -1;
  uint64_t u = 0;
  for (size_t k = 0; k < size; k++)
    u = u << 8 | p[big_endian ? k : size - 1 - k];
  switch (d->kind) {
  case SG3_DK_BOOL:
    *i = u != 0;
    return 1;
  case SG3_DK_SIGNED:
    if (size < 8 && (u >> (8 * size - 1)) & 1)
      u |= UINT64_MAX << (8 * size); /* sign-extend */
    memcpy(i, &u, sizeof *i);
    return 1;
  case SG3_DK_UNSIGNED:
    if (u > INT64_MAX)
      return -1;
    *i = (int64_t)u;
    return 1;
  default:
    break;
  }
  switch (t) {
  case SG3_DT_F16:
    *f = sg3_half_to_float((uint16_t)u);
    return 0;
  case SG3_DT_BF16:
    *f = bits_to_float((uint32_t)u << 16);
    return 0;
  case SG3_DT_F32:
    *f = bits_to_float((uint32_t)u);
    return 0;
  case SG3_DT_F64:
    memcpy(f, &u, sizeof *f);
    return 0;
  default:
    return -1;
  }
}
