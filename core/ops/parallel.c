#include "ops/parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Between the regions of one frame the gaps are microseconds, so waking a
 * sleeping worker (tens of microseconds) would cost more than spinning; past
 * this many polls the worker sleeps so that an idle generator costs nothing
 * and other threads of the application get the core. */
#define SPIN_POLLS 4000

typedef struct {
  sg3_pool *pool;
  int index;
} worker_arg;

struct sg3_pool {
  int n;
  pthread_t *threads;
  worker_arg *args;
  pthread_mutex_t mu;
  pthread_cond_t start, done;
  pthread_mutex_t run; /* one region at a time (shared pools) */
  /* The current region; written by the caller before `gen` is bumped. */
  sg3_task_fn fn;
  void *ctx;
  int (*stop)(void *);
  void *stop_user;
  int stopped; /* stop() said yes in this region */
  int ntasks;
  int next;     /* next task to hand out */
  int pending;  /* workers still inside the region */
  unsigned gen; /* region counter */
  int quit;
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void run_tasks(sg3_pool *p, int thread) {
  for (;;) {
    int t = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
    if (t >= p->ntasks)
      break;
    if (p->stop && p->stop(p->stop_user)) {
      /* hand out nothing more; the tasks already started finish */
      __atomic_store_n(&p->stopped, 1, __ATOMIC_RELAXED);
      __atomic_store_n(&p->next, p->ntasks, __ATOMIC_RELAXED);
      break;
    }
    p->fn(p->ctx, t, thread);
  }
}

static void *worker(void *arg) {
  worker_arg *a = arg;
  sg3_pool *p = a->pool;
  unsigned seen = 0;
  for (;;) {
    unsigned g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
    for (int i = 0; g == seen && i < SPIN_POLLS; i++) {
      cpu_relax();
      g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
    }
    if (g == seen) {
      pthread_mutex_lock(&p->mu);
      while ((g = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE)) == seen &&
             !p->quit)
        pthread_cond_wait(&p->start, &p->mu);
      pthread_mutex_unlock(&p->mu);
    }
    if (__atomic_load_n(&p->quit, __ATOMIC_ACQUIRE))
      break;
    seen = g;
    run_tasks(p, a->index);
    if (__atomic_sub_fetch(&p->pending, 1, __ATOMIC_ACQ_REL) == 0) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->mu);
    }
  }
  return NULL;
}

int sg3_cpu_count(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

sg3_pool *sg3_pool_new(int n) {
  if (n < 1)
    n = 1;
  sg3_pool *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->n = n;
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->run, NULL);
  pthread_cond_init(&p->start, NULL);
  pthread_cond_init(&p->done, NULL);
  if (n == 1)
    return p;
  p->threads = calloc((size_t)n, sizeof *p->threads);
  p->args = calloc((size_t)n, sizeof *p->args);
  if (!p->threads || !p->args) {
    p->n = 1;
    sg3_pool_free(p);
    return NULL;
  }
  for (int i = 1; i < n; i++) {
    p->args[i].pool = p;
    p->args[i].index = i;
    if (pthread_create(&p->threads[i], NULL, worker, &p->args[i])) {
      p->n = i; /* join the ones that started */
      sg3_pool_free(p);
      return NULL;
    }
#ifdef __linux__
    char name[24]; /* the kernel keeps 15 characters: up to sg3-worker-9999 */
    snprintf(name, sizeof name, "sg3-worker-%d", i % 10000);
    name[15] = 0;
    pthread_setname_np(p->threads[i], name);
#endif
  }
  return p;
}

void sg3_pool_free(sg3_pool *p) {
  if (!p)
    return;
  if (p->n > 1) {
    pthread_mutex_lock(&p->mu);
    __atomic_store_n(&p->quit, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&p->gen, 1, __ATOMIC_ACQ_REL);
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++)
      pthread_join(p->threads[i], NULL);
  }
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->run);
  pthread_cond_destroy(&p->start);
  pthread_cond_destroy(&p->done);
  free(p->threads);
  free(p->args);
  free(p);
}

int sg3_pool_threads(const sg3_pool *p) {
  return p ? p->n : 1;
}

int sg3_pool_run_until(sg3_pool *p, int ntasks, sg3_task_fn fn, void *ctx,
                       int (*stop)(void *), void *user) {
  if (ntasks <= 0)
    return 0;
  if (!p || p->n == 1 || ntasks == 1) {
    for (int t = 0; t < ntasks; t++) {
      if (stop && stop(user))
        return 1;
      fn(ctx, t, 0);
    }
    return 0;
  }
  pthread_mutex_lock(&p->run);
  p->fn = fn;
  p->ctx = ctx;
  p->stop = stop;
  p->stop_user = user;
  p->stopped = 0;
  p->ntasks = ntasks;
  __atomic_store_n(&p->next, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&p->pending, p->n - 1, __ATOMIC_RELAXED);
  pthread_mutex_lock(&p->mu);
  __atomic_add_fetch(&p->gen, 1, __ATOMIC_ACQ_REL);
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->mu);
  run_tasks(p, 0);
  int done = 0;
  for (int i = 0; i < SPIN_POLLS && !done; i++) {
    done = __atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) == 0;
    if (!done)
      cpu_relax();
  }
  if (!done) {
    pthread_mutex_lock(&p->mu);
    while (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) > 0)
      pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
  }
  int stopped = __atomic_load_n(&p->stopped, __ATOMIC_RELAXED);
  pthread_mutex_unlock(&p->run);
  return stopped;
}

void sg3_pool_run(sg3_pool *p, int ntasks, sg3_task_fn fn, void *ctx) {
  sg3_pool_run_until(p, ntasks, fn, ctx, NULL, NULL);
}
