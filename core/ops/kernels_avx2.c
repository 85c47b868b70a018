/* AVX2 + FMA kernels: 6 pixels x 16 channels per GEMM micro-tile. */
#if defined(__x86_64__) && defined(__GNUC__)
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2,fma"))),              \
                             apply_to = function)
#pragma clang fp contract(fast)
#else
#pragma GCC target("avx2,fma")
#pragma GCC optimize("fp-contract=fast")
#endif
#define SG3_ISA avx2
#define SG3_MR 6
#define SG3_NP 1
#include "ops/kernels_impl.h"
#ifdef __clang__
#pragma clang attribute pop
#endif
#else
typedef int sg3_no_x86_kernels; /* not an empty translation unit */
#endif
