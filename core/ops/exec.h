/* Where an op runs: the kernels for this CPU, the threads and their scratch
 * memory. A generator owns one; ops take it instead of the generator, so
 * that they stay apart from the networks that use them. */
#ifndef SG3_EXEC_H
#define SG3_EXEC_H

#include <stddef.h>

#include "ops/kernels.h"
#include "ops/parallel.h"

typedef struct {
  const sg3_simd *simd;
  sg3_pool *pool;
  int nthreads;
  /* per thread, scratch_n floats each, one block of nthreads * scratch_n
   * floats (ops may share it between the threads) */
  float **scratch;
  size_t scratch_n;
} sg3_exec;

#endif
