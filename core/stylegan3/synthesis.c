/* SynthesisNetwork: the input layer, then each SynthesisLayer (affine,
 * modulated conv, filtered leaky ReLU), then output_scale.
 *
 * Activations stay channels-last between layers. Each filtered_lrelu writes
 * straight into the next layer's conv input: inside its zero border, already
 * scaled by the next layer's styles (which is why every layer's styles are
 * computed first). With a layer callback the scaling is a separate pass
 * after the callback has seen the unscaled output; the products are the
 * same, so the image is identical either way. */
#include <string.h>

#include "error.h"
#include "generator.h"
#include "ops/ops.h"

/* Adds the time since *t to a profile field and restarts the clock. */
static void lap(sg3_generator *g, int entry, int field, double *t) {
  if (!g->profiling)
    return;
  double now = sg3_now();
  sg3_layer_profile *p = &g->profile[entry];
  double *f = field == 0 ? &p->conv_s : field == 1 ? &p->filter_s : &p->other_s;
  *f += now - *t;
  *t = now;
}
enum { CONV, FILTER, OTHER };

/* Zeroes the k - 1 border of each block of a conv input of size x size,
 * and the rows past it that a Winograd convolution reads (so that they are
 * the same whatever ran before). */
static void zero_border(float *xin, size_t plane, int nblocks, int size, int k,
                        int winograd) {
  if (k == 1)
    return;
  const size_t wp = (size_t)size + 2 * (k - 1), row = wp * SG3_CBLOCK;
  const size_t side = (size_t)(k - 1) * SG3_CBLOCK;
  const size_t below = k - 1 + (winograd ? SG3_WINO_ROWS_PAST : 0);
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

typedef struct {
  sg3_generator *g;
  const float *ws;
} style_ctx;

static void style_task(void *ctx, int i, int thread) {
  (void)thread;
  const style_ctx *c = ctx;
  const sg3_model *m = c->g->model;
  const sg3_layer *l = &m->layers[i];
  float *s = c->g->styles + c->g->style_off[i];
  sg3_fully_connected(&l->affine, c->ws + (size_t)(i + 1) * m->cfg.w_dim, s, 0);
  sg3_modulation(l, s, s, c->g->dcoefs + c->g->dcoef_off[i]);
}

int sg3_synthesis(sg3_generator *g, const float *ws, const float *transform,
                  float *img, char **error) {
  const sg3_model *m = g->model;
  const sg3_config *cfg = &m->cfg;
  if (!ws || !img)
    return sg3_set_error(error, "sg3_synthesis: ws and img are required");
  if (!g->scratch)
    return sg3_set_error(error, "sg3_synthesis: the generator has no threads "
                                "(sg3_generator_set_threads failed)");
  const int nl = cfg->num_layers + 1;
  double t = g->profiling ? sg3_now() : 0;

  /* Every layer's styles and demodulation coefficients. */
  style_ctx sc = {g, ws};
  sg3_pool_run(g->pool, nl, style_task, &sc);
  lap(g, SG3_PROF_STYLES, OTHER, &t);

  /* SynthesisInput: features (in xin) @ weight.T into conv, then scaled by
   * layer 0's styles into layer 0's padded input. */
  const int S = cfg->input_size, C = cfg->input_channels, Cp = sg3_cpad(C);
  const size_t iplane = sg3_input_plane(cfg);
  sg3_synthesis_input_features(m, ws, transform, g->input_tab, g->xin);
  lap(g, SG3_PROF_INPUT, OTHER, &t);
  const ptrdiff_t tap0 = 0;
  sg3_gemm gemm = {.a = g->xin,
                   .tap = &tap0,
                   .ntaps = 1,
                   .kblocks = Cp / SG3_CBLOCK,
                   .aplane = iplane,
                   .b = m->input_wpack,
                   .nout = Cp,
                   .c = g->conv,
                   .cplane = iplane,
                   .m = S * S};
  sg3_run_gemm(g, &gemm);
  lap(g, SG3_PROF_INPUT, CONV, &t);
  if (g->layer_cb) {
    to_chw(g->conv, iplane, (size_t)S * SG3_CBLOCK, C, S, g->debug);
    g->layer_cb(g->layer_cb_user, -1, "input", g->debug, C, S, S);
  }
  {
    const sg3_layer *l0 = &m->layers[0];
    const int k = l0->cfg->conv_kernel;
    const size_t wp = (size_t)S + 2 * (k - 1), plane = sg3_xin_plane(l0);
    const float *s = g->styles + g->style_off[0];
    zero_border(g->xin, plane, Cp / SG3_CBLOCK, S, k, l0->winograd);
    for (int b = 0; b < Cp / SG3_CBLOCK; b++)
      for (int y = 0; y < S; y++) {
        const float *src = g->conv + b * iplane + (size_t)y * S * SG3_CBLOCK;
        float *dst =
            g->xin + b * plane + ((y + k - 1) * wp + k - 1) * SG3_CBLOCK;
        for (int i = 0; i < S * SG3_CBLOCK; i++)
          dst[i] = src[i] * s[b * SG3_CBLOCK + i % SG3_CBLOCK];
      }
  }
  lap(g, SG3_PROF_INPUT, OTHER, &t);

  for (int i = 0; i < nl; i++) {
    const sg3_layer *l = &m->layers[i];
    const int entry = SG3_PROF_LAYER0 + i;
    sg3_modulated_conv2d(g, l, g->xin, g->dcoefs + g->dcoef_off[i], g->conv);
    lap(g, entry, CONV, &t);
    if (i == nl - 1) {
      /* ToRGB: straight into the CHW image. */
      const float os = (float)cfg->output_scale;
      sg3_filtered_lrelu(g, l, g->conv, img, 0, 0, NULL, cfg->img_channels,
                         g->layer_cb ? 1.0f : os);
      lap(g, entry, FILTER, &t);
      if (g->layer_cb) {
        g->layer_cb(g->layer_cb_user, i, l->cfg->name, img, cfg->img_channels,
                    cfg->img_resolution, cfg->img_resolution);
        if (os != 1) {
          size_t n = (size_t)cfg->img_channels * cfg->img_resolution *
                     cfg->img_resolution;
          for (size_t j = 0; j < n; j++)
            img[j] *= os;
        }
      }
    } else {
      const sg3_layer *next = &m->layers[i + 1];
      const int k = next->cfg->conv_kernel, size = next->cfg->in_size;
      const int nb = next->cin_pad / SG3_CBLOCK;
      const size_t wp = (size_t)size + 2 * (k - 1), rs = wp * SG3_CBLOCK;
      const size_t plane = sg3_xin_plane(next);
      const float *s = g->styles + g->style_off[i + 1];
      float *y = g->xin + ((k - 1) * wp + (k - 1)) * SG3_CBLOCK;
      zero_border(g->xin, plane, nb, size, k, next->winograd);
      sg3_filtered_lrelu(g, l, g->conv, y, plane, rs, g->layer_cb ? NULL : s, 0,
                         0);
      lap(g, entry, FILTER, &t);
      if (g->layer_cb) {
        to_chw(y, plane, rs, l->cfg->out_channels, size, g->debug);
        g->layer_cb(g->layer_cb_user, i, l->cfg->name, g->debug,
                    l->cfg->out_channels, size, size);
        scale_pixels(y, plane, rs, nb, size, s);
      }
    }
    lap(g, entry, OTHER, &t);
  }
  if (g->profiling)
    for (int i = 0; i < nl + SG3_PROF_LAYER0; i++)
      if (i != SG3_PROF_MAPPING)
        g->profile[i].calls++;
  return 0;
}
