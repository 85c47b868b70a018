/* Run-time choice of the kernels for the CPU. */
#include "ops/kernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const sg3_simd *chosen;
static int have_avx2, have_avx512;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void choose(void) {
  const char *want = getenv("SG3_SIMD");
  chosen = &sg3_simd_generic;
#ifdef SG3_HAVE_X86_KERNELS
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  int avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
               __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw");
  have_avx2 = avx2;
  have_avx512 = avx512;
  if (want && !strcmp(want, "generic"))
    avx2 = avx512 = 0;
  else if (want && !strcmp(want, "avx2"))
    avx512 = 0;
  if (avx512)
    chosen = &sg3_simd_avx512;
  else if (avx2)
    chosen = &sg3_simd_avx2;
#else
  (void)want;
#endif
}

const sg3_simd *sg3_simd_get(void) {
  pthread_once(&once, choose);
  return chosen;
}

const sg3_simd *sg3_simd_find(const char *name) {
  pthread_once(&once, choose);
  if (!strcmp(name, "generic"))
    return &sg3_simd_generic;
#ifdef SG3_HAVE_X86_KERNELS
  if (!strcmp(name, "avx2") && have_avx2)
    return &sg3_simd_avx2;
  if (!strcmp(name, "avx512") && have_avx512)
    return &sg3_simd_avx512;
#endif
  return NULL;
}

size_t sg3_filter_scratch(const sg3_filter_plan *p) {
  size_t vlen = (size_t)p->margin_l + p->n + p->margin_r;
  size_t ring = (size_t)p->dtaps * (p->radial ? p->wu : p->size);
  size_t urow = (size_t)p->wu * (p->radial ? (p->dtaps + 1) / 2 : 1);
  return (vlen + ring + urow) * SG3_CBLOCK;
}

size_t sg3_wino_scratch(int chunk, int mr, int cin, int cout) {
  return (size_t)36 * (chunk + mr) * ((size_t)cin + cout);
}

int sg3_wino_group(int ntiles, int mr, int cin, int cout) {
  /* Weights of 4 MB and more; a group's products over cin stay within
   * 512 KB per product (the GEMM's rows, reused for every panel). */
  if ((size_t)36 * cin * cout * sizeof(float) < (4u << 20))
    return 0;
  int g = (int)((512u << 10) / ((size_t)cin * sizeof(float)));
  int all = (ntiles + mr - 1) / mr * mr;
  g = g / mr * mr;
  if (g < mr)
    g = mr;
  return g < all ? g : all;
}

size_t sg3_wino_group_floats(int group, int mr, int cin, int cout) {
  return (size_t)36 * (group + mr) * ((size_t)cin + cout);
}

size_t sg3_upfir_scratch(int size, int taps) {
  return ((size_t)size + taps) * SG3_CBLOCK;
}
