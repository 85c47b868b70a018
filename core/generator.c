#include "generator.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void free_threads(sg3_generator *g) {
  sg3_pool_free(g->ex.pool);
  g->ex.pool = NULL;
  if (g->ex.scratch) {
    /* One block holds every thread's scratch. */
    free(g->ex.scratch[0]);
    free(g->ex.scratch);
    g->ex.scratch = NULL;
  }
  g->ex.nthreads = 0;
}

static int make_threads(sg3_generator *g, int n) {
  free_threads(g);
  if (n <= 0)
    n = sg3_cpu_count();
  const sg3_model *m = g->model;
  size_t sn = m->family->scratch_floats(m, g->ex.simd, n);
  g->ex.scratch_n = (sn + 15) / 16 * 16;
  g->ex.pool = sg3_pool_new(n);
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
  sg3_generator *g = calloc(1, sizeof *g);
  if (!g)
    return sg3_error_end(sg3_oom(error, "the generator"), SG3_ERR_NO_MEMORY);
  g->model = sg3_model_ref(m);
  g->ex.simd = simd;
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
      make_threads(g, o->threads)) {
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
  g->cancel = cancel;
  g->cancel_user = user;
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
  if (make_threads(g, n)) {
    /* Keep the generator usable on the calling thread alone. */
    int fallback = make_threads(g, 1);
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
