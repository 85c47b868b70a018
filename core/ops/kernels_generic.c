/* Kernels for the baseline instruction set (SSE2 on x86-64), and the
 * dispatcher. */
#ifdef __clang__
#pragma clang fp contract(fast)
#else
#pragma GCC optimize("fp-contract=fast")
#endif
#define SG3_ISA generic
#if defined(__aarch64__)
#define SG3_MR 4
#else
#define SG3_MR 2
#endif
#define SG3_NP 1
#include "ops/kernels_impl.h"
