/* SynthesisNetwork.forward: the input layer, then each SynthesisLayer
 * (affine, modulated conv, filtered leaky ReLU), then output_scale.
 *
 * Each layer's filtered_lrelu writes straight into the next layer's conv
 * input: inside its zero border, already scaled by the next layer's styles
 * (which is why every layer's styles are computed first). With a layer
 * callback the scaling is a separate pass after the callback has seen the
 * unscaled output; the products are the same, so the image is identical
 * either way. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ops/gemm.h"
#include "stylegan3/stylegan3.h"

/* Zeroes the k - 1 border of each block of a conv input of size x size,
 * and the rows past it that the convolution reads (so that they are the
 * same whatever ran before). */
static void zero_border(float *xin, size_t plane, int nblocks, int size, int k,
                        int rows_past) {
  if (k == 1)
    return;
  const size_t wp = (size_t)size + 2 * (k - 1), row = wp * SG3_CBLOCK;
  const size_t side = (size_t)(k - 1) * SG3_CBLOCK;
  const size_t below = k - 1 + rows_past;
  for (int b = 0; b < nblocks; b++) {
    float *x = xin + b * plane;
    memset(x, 0, (k - 1) * row * sizeof(float));
    memset(x + (size + k - 1) * row, 0, below * row * sizeof(float));
    for (int y = k - 1; y < size + k - 1; y++) {
      memset(x + y * row, 0, side * sizeof(float));
      memset(x + y * row + (size + k - 1) * (size_t)SG3_CBLOCK, 0,
             side * sizeof(float));
    }
  }
}

/* Blocked channels (pixel (y, x) of block b at x + b * plane + y * rs +
 * 16 x) as CHW. */
static void to_chw(const float *x, size_t plane, size_t rs, int c, int size,
                   float *out) {
  for (int ch = 0; ch < c; ch++) {
    const float *xb = x + ch / SG3_CBLOCK * plane + ch % SG3_CBLOCK;
    for (int y = 0; y < size; y++)
      for (int i = 0; i < size; i++)
        out[((size_t)ch * size + y) * size + i] =
            xb[y * rs + (size_t)i * SG3_CBLOCK];
  }
}

static void scale_pixels(float *x, size_t plane, size_t rs, int nblocks,
                         int size, const float *s) {
  for (int b = 0; b < nblocks; b++)
    for (int y = 0; y < size; y++)
      for (int i = 0; i < size; i++) {
        float *p = x + b * plane + y * rs + (size_t)i * SG3_CBLOCK;
        for (int c = 0; c < SG3_CBLOCK; c++)
          p[c] *= s[b * SG3_CBLOCK + c];
      }
}

/* A layer's conv input: where pixel (0, 0) of its padded plane starts, the
 * plane and the row pitch. */
typedef struct {
  float *origin;
  size_t plane, rs;
  int nblocks, size;
} layer_input;

static layer_input input_of(sg3_stylegan3_state *s,
                            const sg3_synthesis_layer *l) {
  const int k = l->cfg->conv_kernel, size = l->cfg->in_size;
  const size_t wp = (size_t)size + 2 * (k - 1);
  layer_input in = {
      .plane = sg3_conv_in_plane(&l->conv, size, k - 1),
      .rs = wp * SG3_CBLOCK,
      .nblocks = l->conv.cin_pad / SG3_CBLOCK,
      .size = size,
  };
  in.origin = s->xin + ((k - 1) * wp + (k - 1)) * SG3_CBLOCK;
  zero_border(s->xin, in.plane, in.nblocks, size, k,
              sg3_conv_rows_past(&l->conv));
  return in;
}

/* Shows the callback a layer's output (CHW), growing the copy buffer the
 * first time. */
static int show_layer(sg3_generator *g, int index, const char *name,
                      const float *x, size_t plane, size_t rs, int c, int size,
                      char **error) {
  sg3_stylegan3_state *s = g->net_state;
  size_t n = (size_t)c * size * size;
  if (n > s->debug_n) {
    float *d = realloc(s->debug, n * sizeof(float));
    if (!d)
      return sg3_oom(error, "the layer callback's copy");
    s->debug = d;
    s->debug_n = n;
  }
  to_chw(x, plane, rs, c, size, s->debug);
  g->layer_cb(g->layer_cb_user, index, name, s->debug, c, size, size);
  return 0;
}

typedef struct {
  sg3_generator *g;
  const float *ws;
} style_ctx;

/* Every layer's affine (styles) and modulation (input scale s, output
 * scale dcoefs); ws row i + 1 belongs to layer i. */
static void style_task(void *ctx, int i, int thread) {
  const style_ctx *c = ctx;
  sg3_generator *g = c->g;
  const sg3_stylegan3 *net = g->model->net;
  sg3_stylegan3_state *s = g->net_state;
  const sg3_synthesis_layer *l = &net->layers[i];
  float *st = s->styles + s->style_off[i];
  sg3_fully_connected(g->ex.simd, &l->affine,
                      c->ws + (size_t)(i + 1) * net->cfg.w_dim, st, 0);
  sg3_modulation(g->ex.simd, &l->conv, st, st, s->dcoefs + s->dcoef_off[i],
                 g->ex.scratch[thread]);
}

/* SynthesisInput: features (in xin) @ weight.T into conv, then scaled by
 * layer 0's styles into layer 0's padded input. */
static int synthesis_input(sg3_generator *g, const float *w0,
                           const float *anchor, const float *transform,
                           char **error) {
  const sg3_stylegan3 *net = g->model->net;
  sg3_stylegan3_state *s = g->net_state;
  const sg3_config *cfg = &net->cfg;
  const int S = cfg->input_size, C = cfg->input_channels, Cp = sg3_cpad(C);
  const size_t iplane = sg3_input_plane(cfg);
  double t = g->profiling ? sg3_now() : 0;
  const int entry = SG3_PROF_FAMILY + SG3_STAGE_INPUT;
  sg3_synthesis_input_features(net, g->ex.simd, w0, anchor, transform,
                               s->input_tab, s->xin);
  sg3_profile_lap(g, entry, SG3_PROF_OTHER, &t);
  const ptrdiff_t tap0 = 0;
  sg3_gemm gemm = {.a = s->xin,
                   .tap = &tap0,
                   .ntaps = 1,
                   .kblocks = Cp / SG3_CBLOCK,
                   .aplane = iplane,
                   .b = net->input_wpack,
                   .nout = Cp,
                   .c = s->conv,
                   .cplane = iplane,
                   .m = S * S};
  sg3_run_gemm(&g->ex, &gemm);
  sg3_profile_lap(g, entry, SG3_PROF_CONV, &t);
  if (g->layer_cb && show_layer(g, -1, "input", s->conv, iplane,
                                (size_t)S * SG3_CBLOCK, C, S, error))
    return -1;
  layer_input in = input_of(s, &net->layers[0]);
  const float *st = s->styles + s->style_off[0];
  for (int b = 0; b < in.nblocks; b++)
    for (int y = 0; y < S; y++) {
      const float *src = s->conv + b * iplane + (size_t)y * S * SG3_CBLOCK;
      float *dst = in.origin + b * in.plane + y * in.rs;
      for (int i = 0; i < S * SG3_CBLOCK; i++)
        dst[i] = src[i] * st[b * SG3_CBLOCK + i % SG3_CBLOCK];
    }
  sg3_profile_lap(g, entry, SG3_PROF_OTHER, &t);
  return 0;
}

/* SynthesisLayer i: modulated conv from xin, filtered lrelu into the next
 * layer's input (scaled by its styles), or for ToRGB into the image. */
static int synthesis_layer(sg3_generator *g, int i, float *img, char **error) {
  const sg3_stylegan3 *net = g->model->net;
  sg3_stylegan3_state *s = g->net_state;
  const sg3_config *cfg = &net->cfg;
  const sg3_synthesis_layer *l = &net->layers[i];
  const sg3_layer_config *L = l->cfg;
  const int entry = SG3_PROF_FAMILY + SG3_STAGE_LAYER0 + i;
  const int pad = L->conv_kernel - 1;
  double t = g->profiling ? sg3_now() : 0;
  sg3_modulated_conv2d(&g->ex, &l->conv, L->in_size, pad, s->xin,
                       s->dcoefs + s->dcoef_off[i], s->conv);
  sg3_profile_lap(g, entry, SG3_PROF_CONV, &t);
  const size_t x_plane = sg3_conv_out_plane(&l->conv, L->in_size, pad);
  const size_t x_rs = (size_t)(L->in_size + 2 * pad) * SG3_CBLOCK;
  const int nblocks = l->conv.cout_pad / SG3_CBLOCK;
  if (L->is_torgb) {
    /* Straight into the CHW image, times output_scale. */
    const float os = (float)cfg->output_scale;
    sg3_filtered_lrelu(&g->ex, &l->filter, s->conv, x_plane, x_rs, nblocks, img,
                       0, 0, NULL, cfg->img_channels, g->layer_cb ? 1.0f : os);
    sg3_profile_lap(g, entry, SG3_PROF_FILTER, &t);
    if (g->layer_cb) {
      g->layer_cb(g->layer_cb_user, i, L->name, img, cfg->img_channels,
                  cfg->img_resolution, cfg->img_resolution);
      size_t n =
          (size_t)cfg->img_channels * cfg->img_resolution * cfg->img_resolution;
      for (size_t j = 0; os != 1 && j < n; j++)
        img[j] *= os;
    }
  } else {
    const sg3_synthesis_layer *next = &net->layers[i + 1];
    layer_input in = input_of(s, next);
    const float *st = s->styles + s->style_off[i + 1];
    sg3_filtered_lrelu(&g->ex, &l->filter, s->conv, x_plane, x_rs, nblocks,
                       in.origin, in.plane, in.rs, g->layer_cb ? NULL : st, 0,
                       0);
    sg3_profile_lap(g, entry, SG3_PROF_FILTER, &t);
    if (g->layer_cb) {
      if (show_layer(g, i, L->name, in.origin, in.plane, in.rs, L->out_channels,
                     in.size, error))
        return -1;
      scale_pixels(in.origin, in.plane, in.rs, in.nblocks, in.size, st);
    }
  }
  sg3_profile_lap(g, entry, SG3_PROF_OTHER, &t);
  return 0;
}

int sg3_stylegan3_synthesis(sg3_generator *g, const float *ws,
                            const sg3_synthesis_args *args, float *img,
                            char **error) {
  const sg3_stylegan3 *net = g->model->net;
  const int nl = net->cfg.num_layers + 1;
  double t = g->profiling ? sg3_now() : 0;
  style_ctx sc = {g, ws};
  sg3_exec_run(&g->ex, nl, style_task, &sc);
  sg3_profile_lap(g, SG3_PROF_FAMILY + SG3_STAGE_STYLES, SG3_PROF_OTHER, &t);

  if (sg3_cancelled(g) ||
      synthesis_input(g, ws, args->anchor_w_avg, args->transform, error))
    return -1;
  for (int i = 0; i < nl; i++) {
    /* between layers, and inside them the pool asks before each task */
    if (sg3_cancelled(g) || synthesis_layer(g, i, img, error))
      return -1;
  }
  if (sg3_cancelled(g))
    return -1;
  if (g->profiling)
    for (int i = SG3_PROF_FAMILY; i < g->nprofile; i++)
      g->profile[i].calls++;
  return 0;
}
