#include "generator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

double sg3_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

float *sg3_alloc_floats(size_t n) {
  size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  float *p = aligned_alloc(64, bytes ? bytes : 64);
  if (p)
    memset(p, 0, bytes ? bytes : 64);
  return p;
}

void sg3_profile_lap(sg3_generator *g, int entry, int field, double *t) {
  if (!g->profiling)
    return;
  double now = sg3_now();
  sg3_layer_profile *p = &g->profile[entry];
  double *f = field == SG3_PROF_CONV     ? &p->conv_s
              : field == SG3_PROF_FILTER ? &p->filter_s
                                         : &p->other_s;
  *f += now - *t;
  *t = now;
}

/* ---- thread pools ------------------------------------------------------ */

struct sg3_thread_pool {
  int refcount;
  sg3_pool *pool;
};

sg3_status sg3_thread_pool_create(int threads, sg3_thread_pool **out,
                                  char **error) {
  sg3_error_begin();
  *out = NULL;
  if (threads < 0 || threads > 1024)
    return sg3_error_end(sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                                  "thread count %d out of range (0 to 1024)",
                                  threads),
                         SG3_ERR_INVALID_ARGUMENT);
  sg3_thread_pool *p = calloc(1, sizeof *p);
  if (p)
    p->pool = sg3_pool_new(threads ? threads : sg3_cpu_count());
  if (!p || !p->pool) {
    free(p);
    return sg3_error_end(sg3_oom(error, "the thread pool"), SG3_ERR_NO_MEMORY);
  }
  p->refcount = 1;
  *out = p;
  return sg3_error_end(0, SG3_OK);
}

sg3_thread_pool *sg3_thread_pool_ref(sg3_thread_pool *p) {
  if (p)
    __atomic_add_fetch(&p->refcount, 1, __ATOMIC_RELAXED);
  return p;
}

void sg3_thread_pool_unref(sg3_thread_pool *p) {
  if (!p || __atomic_sub_fetch(&p->refcount, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  sg3_pool_free(p->pool);
  free(p);
}

int sg3_thread_pool_get_threads(const sg3_thread_pool *p) {
  return sg3_pool_threads(p->pool);
}

/* ---- memory budget ----------------------------------------------------- */

/* Physical memory, or the cgroup's limit when it is lower (containers). */
static double available_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  double mem = pages > 0 && size > 0 ? (double)pages * size : 0;
  FILE *f = fopen("/sys/fs/cgroup/memory.max", "re");
  if (f) {
    double limit;
    if (fscanf(f, "%lf", &limit) == 1 && limit > 0 && (mem == 0 || limit < mem))
      mem = limit;
    fclose(f);
  }
  return mem > 0 ? mem : 4e9;
}

double sg3_memory_budget(uint64_t max_memory) {
  if (max_memory == UINT64_MAX)
    return 1.0 / 0.0;
  return max_memory ? (double)max_memory : available_memory() * 0.75;
}

void sg3_format_bytes(double bytes, char *buf, size_t n) {
  if (bytes >= 1e9)
    snprintf(buf, n, "%.1f GB", bytes / 1e9);
  else if (bytes >= 1e6)
    snprintf(buf, n, "%.1f MB", bytes / 1e6);
  else
    snprintf(buf, n, "%.0f kB", bytes / 1e3);
}

int sg3_over_budget(const char *what, double need, double flops,
                    uint64_t max_memory, char **error) {
  double budget = sg3_memory_budget(max_memory);
  if (need <= budget)
    return 0;
  char nb[32], bb[32];
  sg3_format_bytes(need, nb, sizeof nb);
  sg3_format_bytes(budget, bb, sizeof bb);
  return sg3_fail(error, SG3_ERR_TOO_LARGE,
                  "%s would need about %s of memory (and %.3g GFLOP a frame), "
                  "over the budget of %s (%s)",
                  what, nb, flops / 1e9, bb,
                  max_memory ? "max_memory"
                             : "3/4 of the memory; set "
                               "max_memory to change it");
}

/* ---- generators --------------------------------------------------------- */

static void free_threads(sg3_generator *g) {
  if (g->shared)
    sg3_thread_pool_unref(g->shared);
  else
    sg3_pool_free(g->ex.pool);
  g->shared = NULL;
  g->ex.pool = NULL;
  if (g->ex.scratch) {
    /* One block holds every thread's scratch. */
    free(g->ex.scratch[0]);
    free(g->ex.scratch);
    g->ex.scratch = NULL;
  }
  g->ex.nthreads = 0;
}

/* Threads: a pool of n (0 = one per CPU) of its own, or the shared one. */
static int make_threads(sg3_generator *g, int n, sg3_thread_pool *shared) {
  free_threads(g);
  if (shared)
    n = sg3_pool_threads(shared->pool);
  else if (n <= 0)
    n = sg3_cpu_count();
  const sg3_model *m = g->model;
  size_t sn = m->family->scratch_floats(m, g->ex.simd, n);
  g->ex.scratch_n = (sn + 15) / 16 * 16;
  g->shared = sg3_thread_pool_ref(shared);
  g->ex.pool = shared ? shared->pool : sg3_pool_new(n);
  g->ex.scratch = calloc((size_t)n, sizeof *g->ex.scratch);
  /* Zeroed: Winograd batches read a few rows past their tiles. */
  float *block = sg3_alloc_floats(g->ex.scratch_n * n);
  if (!g->ex.pool || !g->ex.scratch || !block) {
    free(block);
    free_threads(g);
    return -1;
  }
  for (int i = 0; i < n; i++)
    g->ex.scratch[i] = block + g->ex.scratch_n * i;
  g->ex.nthreads = n;
  return 0;
}

void sg3_generator_options_init(sg3_generator_options *o) {
  memset(o, 0, sizeof *o);
}

int sg3_generator_estimate(const sg3_model *m, const sg3_simd *simd,
                           int nthreads, double *bytes, sg3_estimate *est,
                           char **error) {
  if (m->family->estimate(m->init_kwargs, m->tensors.schedule,
                          sg3_model_winograd(m), simd, nthreads, est, error))
    return -1;
  /* the generic part: mapping buffers, z, label, ws, the float image */
  double generic = 2.0 * sizeof(float) * sg3_mapping_buffer(&m->mapping.cfg) +
                   sizeof(double) * (m->z_dim + 1.0) +
                   sizeof(float) * (m->c_dim + 1.0) +
                   sizeof(float) * (double)m->num_ws * m->w_dim +
                   sizeof(float) * (double)m->img_channels * m->img_resolution *
                       m->img_resolution;
  *bytes = est->generator_bytes + generic;
  return 0;
}

static const sg3_simd *pick_simd(const char *name, char **error) {
  if (!name)
    return sg3_simd_get();
  const sg3_simd *s = sg3_simd_find(name);
  if (!s)
    sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
             "SIMD kernels '%s' are not available on this CPU (it has: %s)",
             name, sg3_simd_get()->name);
  return s;
}

sg3_status sg3_generator_create(sg3_model *m, const sg3_generator_options *o,
                                sg3_generator **out, char **error) {
  sg3_error_begin();
  sg3_generator_options defaults;
  if (!o) {
    sg3_generator_options_init(&defaults);
    o = &defaults;
  }
  *out = NULL;
  if (!m)
    return sg3_error_end(sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                                  "sg3_generator_create: no model"),
                         SG3_ERR_INVALID_ARGUMENT);
  if (o->threads < 0 || o->threads > 1024)
    return sg3_error_end(sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                                  "thread count %d out of range (0 to 1024)",
                                  o->threads),
                         SG3_ERR_INVALID_ARGUMENT);
  const sg3_simd *simd = pick_simd(o->simd, error);
  if (!simd)
    return sg3_error_end(-1, SG3_ERR_INVALID_ARGUMENT);
  /* Refuse what would not fit before allocating any of it. */
  int nthreads = o->pool      ? sg3_thread_pool_get_threads(o->pool)
                 : o->threads ? o->threads
                              : sg3_cpu_count();
  double need;
  sg3_estimate est;
  if (sg3_generator_estimate(m, simd, nthreads, &need, &est, error))
    return sg3_error_end(-1, SG3_ERR_INVALID_ARGUMENT);
  char what[96];
  snprintf(what, sizeof what, "a generator for this %dx%d model (%d thread%s)",
           m->img_resolution, m->img_resolution, nthreads,
           nthreads == 1 ? "" : "s");
  if (sg3_over_budget(what, need, est.flops, o->max_memory, error))
    return sg3_error_end(-1, SG3_ERR_TOO_LARGE);
  sg3_generator *g = calloc(1, sizeof *g);
  if (!g)
    return sg3_error_end(sg3_oom(error, "the generator"), SG3_ERR_NO_MEMORY);
  g->model = sg3_model_ref(m);
  g->ex.simd = simd;
  g->ex.stopped = &g->stopped;
  size_t map = sg3_mapping_buffer(&m->mapping.cfg);
  size_t npix = (size_t)m->img_channels * m->img_resolution * m->img_resolution;
  g->map_x = malloc(map * sizeof(float));
  g->map_y = malloc(map * sizeof(float));
  g->z = calloc((size_t)m->z_dim + 1, sizeof(double));
  g->label = calloc((size_t)m->c_dim + 1, sizeof(float));
  g->ws = malloc((size_t)m->num_ws * m->w_dim * sizeof(float));
  g->img = malloc(npix * sizeof(float));
  g->ws2 = malloc((size_t)m->num_ws * m->w_dim * sizeof(float));
  g->walk_z = calloc((size_t)m->z_dim + 1, sizeof(double));
  g->walk_label = calloc((size_t)m->c_dim + 1, sizeof(float));
  g->w_avg = malloc((size_t)m->w_dim * sizeof(float));
  g->nprofile = SG3_PROF_FAMILY + m->family->num_stages(m);
  g->profile = calloc((size_t)g->nprofile, sizeof *g->profile);
  int rc = -1;
  if (!g->map_x || !g->map_y || !g->z || !g->label || !g->ws || !g->img ||
      !g->ws2 || !g->walk_z || !g->walk_label || !g->w_avg || !g->profile ||
      make_threads(g, o->threads, o->pool)) {
    sg3_oom(error, "the generator's buffers");
  } else {
    rc = m->family->generator_init(g, error);
  }
  if (rc) {
    sg3_generator_free(g);
    return sg3_error_end(rc, SG3_ERR_NO_MEMORY);
  }
  g->profile[SG3_PROF_MAPPING].name = "mapping";
  for (int i = SG3_PROF_FAMILY; i < g->nprofile; i++)
    g->profile[i].name = m->family->stage_name(m, i - SG3_PROF_FAMILY);
  *out = g;
  return sg3_error_end(0, SG3_OK);
}

sg3_generator *sg3_generator_new(sg3_model *m, char **error) {
  sg3_generator *g;
  return sg3_generator_create(m, NULL, &g, error) == SG3_OK ? g : NULL;
}

void sg3_generator_free(sg3_generator *g) {
  if (!g)
    return;
  if (g->net_state)
    g->model->family->generator_free(g);
  free_threads(g);
  free(g->map_x);
  free(g->map_y);
  free(g->z);
  free(g->label);
  free(g->ws);
  free(g->img);
  free(g->ws2);
  free(g->walk_z);
  free(g->walk_label);
  free(g->w_avg);
  free(g->profile);
  sg3_model_unref(g->model);
  free(g);
}

const sg3_model *sg3_generator_get_model(const sg3_generator *g) {
  return g->model;
}

void sg3_generator_set_cancel(sg3_generator *g, sg3_cancel_fn cancel,
                              void *user) {
  g->ex.cancel = cancel;
  g->ex.cancel_user = user;
}

int sg3_call_end(sg3_generator *g, int rc, char **error) {
  if (__atomic_load_n(&g->stopped, __ATOMIC_RELAXED)) {
    /* whatever failed after the cancellation, cancelled is the reason */
    if (error && *error) {
      free(*error);
      *error = NULL;
    }
    sg3_error_begin();
    return sg3_fail(error, SG3_ERR_CANCELLED, "cancelled");
  }
  return rc;
}

void sg3_generator_set_layer_callback(sg3_generator *g, sg3_layer_callback cb,
                                      void *user) {
  g->layer_cb = cb;
  g->layer_cb_user = user;
}

sg3_status sg3_generator_set_threads(sg3_generator *g, int n, char **error) {
  sg3_error_begin();
  if (n < 0 || n > 1024)
    return sg3_error_end(sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                                  "thread count %d out of range (0 to 1024)",
                                  n),
                         SG3_ERR_INVALID_ARGUMENT);
  if (make_threads(g, n, NULL)) {
    /* Keep the generator usable on the calling thread alone. */
    int fallback = make_threads(g, 1, NULL);
    return sg3_error_end(
        sg3_fail(error, SG3_ERR_NO_MEMORY, "cannot start %d threads%s", n,
                 fallback ? " (and the generator is unusable)" : ""),
        SG3_ERR_NO_MEMORY);
  }
  return sg3_error_end(0, SG3_OK);
}

int sg3_generator_get_threads(const sg3_generator *g) {
  return g->ex.nthreads;
}

void sg3_generator_set_profiling(sg3_generator *g, int enable) {
  for (int i = 0; i < g->nprofile; i++) {
    g->profile[i].conv_s = g->profile[i].filter_s = g->profile[i].other_s = 0;
    g->profile[i].calls = 0;
  }
  g->profiling = enable != 0;
}

int sg3_generator_get_profile(const sg3_generator *g, sg3_layer_profile *out,
                              int max) {
  for (int i = 0; i < g->nprofile && i < max; i++)
    out[i] = g->profile[i];
  return g->nprofile;
}

const char *sg3_generator_simd(const sg3_generator *g) {
  return g->ex.simd->name;
}

const char *sg3_simd_name(void) {
  return sg3_simd_get()->name;
}

void sg3_generator_mapping(sg3_generator *g, const double *z, const float *c,
                           float psi, int cutoff, float *ws) {
  double t0 = g->profiling ? sg3_now() : 0;
  sg3_mapping_forward(&g->model->mapping, &g->ex, z, c, psi, cutoff, ws,
                      g->map_x, g->map_y);
  if (g->profiling) {
    g->profile[SG3_PROF_MAPPING].other_s += sg3_now() - t0;
    g->profile[SG3_PROF_MAPPING].calls++;
  }
}
