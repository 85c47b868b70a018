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
  /* Cancellation: asked before each task; once it says yes, *stopped is
   * set and every later region of the call is skipped (its output is then
   * garbage: the caller returns SG3_ERR_CANCELLED). */
  int (*cancel)(void *);
  void *cancel_user;
  int *stopped;
} sg3_exec;

/* sg3_pool_run on the exec's threads, cancellable. */
static inline void sg3_exec_run(const sg3_exec *ex, int ntasks, sg3_task_fn fn,
                                void *ctx) {
  if (ex->stopped && __atomic_load_n(ex->stopped, __ATOMIC_RELAXED))
    return;
  if (sg3_pool_run_until(ex->pool, ntasks, fn, ctx, ex->cancel,
                         ex->cancel_user) &&
      ex->stopped)
    __atomic_store_n(ex->stopped, 1, __ATOMIC_RELAXED);
}

#endif
