/* Modulated convolution without per-frame weights: scaling the input
 * channels by the styles and the output channels by the demodulation
 * coefficients is the same product as convolving with modulated weights, so
 * the fixed weights (packed at load) run as one GEMM, or for 3x3 kernels as
 * Winograd F(4x4, 3x3) (kernels.h). The input arrives already scaled by the
 * styles (the previous layer's filter writes it so); the k*k taps are pixel
 * offsets into its zero border, and output pixels follow its row pitch, so
 * each output row carries k - 1 unused columns. */
#include <math.h>
#include <string.h>

#include "ops/ops.h"

void sg3_modulation(const sg3_layer *l, float *styles, float *s,
                    float *dcoefs) {
  const sg3_layer_config *L = l->cfg;
  const int n_in = L->in_channels, n_out = L->out_channels;
  const int demodulate = !L->is_torgb;

  for (int i = 0; i < n_in; i++)
    s[i] = styles[i] * l->style_gain;
  if (demodulate) {
    float sum = 0;
    for (int i = 0; i < n_in; i++)
      sum += s[i] * s[i];
    float scale = 1.0f / sqrtf(sum / (float)n_in);
    for (int i = 0; i < n_in; i++)
      s[i] *= scale;
  }
  for (int i = n_in; i < l->cin_pad; i++)
    s[i] = 0;
  if (demodulate) {
    /* sum_i weight_sq[o, i] s[i]^2, one product per weight: vectorised. */
    float s2[n_in];
    for (int i = 0; i < n_in; i++)
      s2[i] = s[i] * s[i];
    sg3_simd_get()->matvec(l->weight_sq, s2, dcoefs, n_out, n_in);
    for (int o = 0; o < n_out; o++)
      dcoefs[o] = 1.0f / sqrtf(dcoefs[o] + 1e-8f) * l->input_gain;
  } else {
    for (int o = 0; o < n_out; o++)
      dcoefs[o] = l->input_gain;
  }
  for (int o = n_out; o < l->cout_pad; o++)
    dcoefs[o] = 0;
}

typedef struct {
  const sg3_simd *simd;
  const sg3_gemm *gemm;
} gemm_ctx;

static void gemm_task(void *ctx, int task, int thread) {
  const gemm_ctx *c = ctx;
  c->simd->gemm_task(c->gemm, task, thread);
}

int sg3_gemm_mc(int m, int mr, int nthreads) {
  /* Runs of pixels sized so that a run's weights stay in cache while
   * every core gets work: at least a few runs per thread. */
  int tiles = (m + mr - 1) / mr, per = 8;
  while (per > 1 && tiles / per < 4 * nthreads)
    per /= 2;
  return per * mr;
}

void sg3_run_gemm(sg3_generator *g, sg3_gemm *gemm) {
  gemm->mc = sg3_gemm_mc(gemm->m, g->simd->mr, sg3_pool_threads(g->pool));
  gemm->scratch = g->scratch;
  gemm_ctx ctx = {g->simd, gemm};
  sg3_pool_run(g->pool, (gemm->m + gemm->mc - 1) / gemm->mc, gemm_task, &ctx);
}

typedef struct {
  const sg3_simd *simd;
  const sg3_wino *w;
} wino_ctx;

static void wino_task(void *ctx, int task, int thread) {
  const wino_ctx *c = ctx;
  c->simd->wino_task(c->w, task, thread);
}

int sg3_wino_chunk(int ntiles, int mr, int nthreads) {
  /* Up to 4 micro-tiles of tiles per task, at least 4 tasks per thread. */
  int per = (ntiles + mr * 4 * nthreads - 1) / (mr * 4 * nthreads);
  return mr * (per < 1 ? 1 : per > 4 ? 4 : per);
}

void sg3_modulated_conv2d(sg3_generator *g, const sg3_layer *l,
                          const float *xin, const float *dcoefs, float *out) {
  const sg3_layer_config *L = l->cfg;
  const int k = L->conv_kernel;
  const int wp = L->in_size + 2 * (k - 1), n = L->in_size + k - 1;
  if (l->winograd) {
    const int tn = (n + 3) / 4;
    sg3_wino w = {
        .xin = xin,
        .xplane = sg3_xin_plane(l),
        .oplane = sg3_conv_plane(l),
        .wp = wp,
        .cin = l->cin_pad,
        .cout = l->cout_pad,
        .n = n,
        .tn = tn,
        .chunk =
            sg3_wino_chunk(tn * tn, g->simd->mr, sg3_pool_threads(g->pool)),
        .u = l->wpack,
        .scale = dcoefs,
        .bias = l->bias_pad,
        .out = out,
        .scratch = g->scratch,
    };
    wino_ctx ctx = {g->simd, &w};
    sg3_pool_run(g->pool, (tn * tn + w.chunk - 1) / w.chunk, wino_task, &ctx);
    return;
  }
  ptrdiff_t tap[k * k];
  for (int ky = 0; ky < k; ky++)
    for (int kx = 0; kx < k; kx++)
      tap[ky * k + kx] = (ptrdiff_t)(ky * wp + kx) * SG3_CBLOCK;
  sg3_gemm gemm = {
      .a = xin,
      .tap = tap,
      .ntaps = k * k,
      .kblocks = l->cin_pad / SG3_CBLOCK,
      .aplane = sg3_xin_plane(l),
      .b = l->wpack,
      .nout = l->cout_pad,
      .c = out,
      .cplane = sg3_conv_plane(l),
      .scale = dcoefs,
      .bias = l->bias_pad,
      .m = n * wp,
  };
  sg3_run_gemm(g, &gemm);
}
