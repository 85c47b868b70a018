#include "generator.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "ops/ops.h"

static size_t max_sz(size_t a, size_t b) {
  return a > b ? a : b;
}

/* 64-byte aligned: whole cache lines per 16-channel block. */
static float *alloc_floats(size_t n) {
  size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  return aligned_alloc(64, bytes ? bytes : 64);
}

double sg3_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void free_threads(sg3_generator *g) {
  sg3_pool_free(g->pool);
  g->pool = NULL;
  if (g->scratch) {
    /* One block holds every thread's scratch. */
    free(g->scratch[0]);
    free(g->scratch);
    g->scratch = NULL;
  }
}

/* Per-thread scratch: the filters' rows, or a Winograd batch. */
static size_t scratch_floats(const sg3_model *m, const sg3_simd *simd,
                             int nthreads) {
  const sg3_config *cfg = &m->cfg;
  int S = cfg->input_size, Cp = sg3_cpad(cfg->input_channels);
  size_t n = sg3_gemm_pack(sg3_gemm_mc(S * S, simd->mr, nthreads), simd->mr, 1,
                           Cp / 16);
  for (int i = 0; i <= m->cfg.num_layers; i++) {
    const sg3_layer *l = &m->layers[i];
    n = max_sz(n, sg3_filter_scratch(&l->filter));
    if (!l->winograd) {
      int k = l->cfg->conv_kernel, wp = l->cfg->in_size + 2 * (k - 1);
      int mc = sg3_gemm_mc((l->cfg->in_size + k - 1) * wp, simd->mr, nthreads);
      n = max_sz(n, sg3_gemm_pack(mc, simd->mr, k * k, l->cin_pad / 16));
    } else {
      int tn = (l->cfg->in_size + 2 + 3) / 4;
      int chunk = sg3_wino_chunk(tn * tn, simd->mr, nthreads);
      n = max_sz(n, sg3_wino_scratch(chunk, simd->mr, l->cin_pad, l->cout_pad));
    }
  }
  return (n + 15) / 16 * 16;
}

static int make_threads(sg3_generator *g, int n) {
  free_threads(g);
  if (n <= 0)
    n = sg3_cpu_count();
  g->scratch_n = scratch_floats(g->model, g->simd, n);
  g->pool = sg3_pool_new(n);
  g->scratch = calloc((size_t)n, sizeof *g->scratch);
  float *block = alloc_floats(g->scratch_n * n);
  if (!g->pool || !g->scratch || !block) {
    free(block);
    free_threads(g);
    return -1;
  }
  /* Winograd batches read a few rows past their tiles: keep them finite. */
  memset(block, 0, g->scratch_n * n * sizeof(float));
  for (int i = 0; i < n; i++)
    g->scratch[i] = block + g->scratch_n * i;
  return 0;
}

sg3_generator *sg3_generator_new(sg3_model *m, char **error) {
  if (!m) {
    sg3_set_error(error, "sg3_generator_new: no model");
    return NULL;
  }
  const sg3_config *cfg = &m->cfg;
  size_t S = cfg->input_size, Cp = sg3_cpad(cfg->input_channels);
  /* The input layer's features live in xin, its product in conv. */
  size_t xin = sg3_input_plane(cfg) / SG3_CBLOCK * Cp, conv = xin;
  size_t nstyles = 0, ndcoefs = 0;
  for (int i = 0; i <= cfg->num_layers; i++) {
    const sg3_layer *l = &m->layers[i];
    xin = max_sz(xin, sg3_xin_plane(l) / SG3_CBLOCK * l->cin_pad);
    conv = max_sz(conv, sg3_conv_plane(l) / SG3_CBLOCK * l->cout_pad);
    nstyles += l->cin_pad;
    ndcoefs += l->cout_pad;
  }
  sg3_generator *g = calloc(1, sizeof *g);
  if (!g) {
    sg3_set_error(error, "out of memory");
    return NULL;
  }
  g->model = sg3_model_ref(m);
  g->simd = sg3_simd_get();
  g->xin_n = xin;
  g->conv_n = conv;
  size_t map = (size_t)cfg->z_dim + cfg->w_dim + cfg->w_dim;
  int nl = cfg->num_layers + 1;
  g->xin = alloc_floats(xin);
  g->conv = alloc_floats(conv);
  g->styles = alloc_floats(nstyles);
  g->dcoefs = alloc_floats(ndcoefs);
  g->style_off = calloc((size_t)nl, sizeof(size_t));
  g->dcoef_off = calloc((size_t)nl, sizeof(size_t));
  g->input_tab = alloc_floats(4 * S * Cp + 4 * Cp);
  g->map_x = malloc(map * sizeof(float));
  g->map_y = malloc(map * sizeof(float));
  g->profile = calloc((size_t)nl + SG3_PROF_LAYER0, sizeof *g->profile);
  if (!g->xin || !g->conv || !g->styles || !g->dcoefs || !g->style_off ||
      !g->dcoef_off || !g->input_tab || !g->map_x || !g->map_y || !g->profile ||
      make_threads(g, 0)) {
    sg3_generator_free(g);
    sg3_set_error(error, "out of memory for the generator's buffers");
    return NULL;
  }
  /* Finite contents everywhere: GEMM micro-tiles read a little past the
   * data into the slack (results there are never used). */
  memset(g->xin, 0, xin * sizeof(float));
  memset(g->conv, 0, conv * sizeof(float));
  for (int i = 0, so = 0, dof = 0; i < nl; i++) {
    g->style_off[i] = so;
    g->dcoef_off[i] = dof;
    so += m->layers[i].cin_pad;
    dof += m->layers[i].cout_pad;
  }
  g->profile[SG3_PROF_MAPPING].name = "mapping";
  g->profile[SG3_PROF_STYLES].name = "styles";
  g->profile[SG3_PROF_INPUT].name = "input";
  for (int i = 0; i < nl; i++)
    g->profile[SG3_PROF_LAYER0 + i].name = cfg->layers[i].name;
  return g;
}

void sg3_generator_free(sg3_generator *g) {
  if (!g)
    return;
  free_threads(g);
  free(g->xin);
  free(g->conv);
  free(g->styles);
  free(g->dcoefs);
  free(g->style_off);
  free(g->dcoef_off);
  free(g->input_tab);
  free(g->map_x);
  free(g->map_y);
  free(g->debug);
  free(g->profile);
  sg3_model_unref(g->model);
  free(g);
}

const sg3_model *sg3_generator_get_model(const sg3_generator *g) {
  return g->model;
}

void sg3_generator_set_layer_callback(sg3_generator *g, sg3_layer_callback cb,
                                      void *user) {
  if (cb && !g->debug) {
    /* The callback gets CHW copies; sized for the largest layer. */
    const sg3_config *cfg = &g->model->cfg;
    size_t n = (size_t)cfg->input_channels * cfg->input_size * cfg->input_size;
    for (int i = 0; i <= cfg->num_layers; i++) {
      const sg3_layer_config *L = &cfg->layers[i];
      n = max_sz(n, (size_t)L->out_channels * L->out_size * L->out_size);
    }
    g->debug = malloc(n * sizeof(float));
    if (!g->debug)
      cb = NULL; /* no memory: no callback rather than a crash */
  }
  g->layer_cb = cb;
  g->layer_cb_user = user;
}

int sg3_generator_set_threads(sg3_generator *g, int n, char **error) {
  if (n < 0 || n > 1024)
    return sg3_set_error(error, "thread count %d out of range (0 to 1024)", n);
  if (make_threads(g, n)) {
    /* Keep the generator usable on the calling thread alone. */
    int fallback = make_threads(g, 1);
    return sg3_set_error(error, "cannot start %d threads%s", n,
                         fallback ? " (and the generator is unusable)" : "");
  }
  return 0;
}

int sg3_generator_get_threads(const sg3_generator *g) {
  return sg3_pool_threads(g->pool);
}

void sg3_generator_set_profiling(sg3_generator *g, int enable) {
  int nl = g->model->cfg.num_layers + 1;
  for (int i = 0; i < nl + SG3_PROF_LAYER0; i++) {
    g->profile[i].conv_s = g->profile[i].filter_s = g->profile[i].other_s = 0;
    g->profile[i].calls = 0;
  }
  g->profiling = enable != 0;
}

int sg3_generator_get_profile(const sg3_generator *g, sg3_layer_profile *out,
                              int max) {
  int n = g->model->cfg.num_layers + 1 + SG3_PROF_LAYER0;
  for (int i = 0; i < n && i < max; i++)
    out[i] = g->profile[i];
  return n;
}

const char *sg3_simd_name(void) {
  return sg3_simd_get()->name;
}
