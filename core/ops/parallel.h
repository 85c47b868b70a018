/* A small fork-join thread pool: the calling thread and n - 1 workers
 * ("sg3-worker-N") split a range of independent tasks. Workers spin briefly
 * between regions (a frame runs a few dozen of them) and then sleep. A pool
 * may serve several generators (sg3_thread_pool): their regions take turns,
 * one at a time. */
#ifndef SG3_PARALLEL_H
#define SG3_PARALLEL_H

typedef struct sg3_pool sg3_pool;

/* task: 0 .. ntasks-1; thread: 0 .. n-1, for per-thread scratch. */
typedef void (*sg3_task_fn)(void *ctx, int task, int thread);

/* n >= 1 threads in all (the caller counts as one); NULL on failure. */
sg3_pool *sg3_pool_new(int n);
void sg3_pool_free(sg3_pool *pool);
int sg3_pool_threads(const sg3_pool *pool);
/* Runs fn for every task and returns when all are done. Which thread runs
 * which task varies, so tasks must not depend on it for their results.
 * Callers on several threads take turns. */
void sg3_pool_run(sg3_pool *pool, int ntasks, sg3_task_fn fn, void *ctx);
/* The same, but before each task `stop(user)` is asked (when stop is set);
 * once it says yes no further task starts. Returns 1 if it said yes (some
 * tasks did not run), else 0. */
int sg3_pool_run_until(sg3_pool *pool, int ntasks, sg3_task_fn fn, void *ctx,
                       int (*stop)(void *), void *user);

/* Online CPUs (at least 1). */
int sg3_cpu_count(void);

#endif
