/* SynthesisNetwork.forward: each SynthesisBlock in turn (synthesis_block),
 * its layers (synthesis_layer) and its ToRGB (torgb).
 *
 * Activations live in blocks of 16 channels, padded by 1 with zeros, and
 * are never scaled in place: each convolution scales its input by its own
 * styles as it reads it (the skip architecture's x feeds both the next
 * block and this block's ToRGB). The noise, bias, activation, gain, clamp
 * and the resnet skip sum are fused into the convolutions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ops/gemm.h"
#include "ops/upfirdn2d.h"
#include "stylegan2/stylegan2.h"

/* Zeroes the padding ring of each block of a size x size activation and
 * everything past its last row that the kernels read. */
static void zero_border(float *x, int nblocks, int size) {
  const size_t wp = (size_t)size + 2, plane = sg2_act_plane(size);
  const size_t px = SG3_CBLOCK * sizeof(float);
  for (int b = 0; b < nblocks; b++) {
    float *p = x + b * plane;
    memset(p, 0, wp * px);
    for (int y = 1; y <= size; y++) {
      memset(p + (y * wp) * SG3_CBLOCK, 0, px);
      memset(p + (y * wp + wp - 1) * SG3_CBLOCK, 0, px);
    }
    const size_t tail = (size + 1) * wp * SG3_CBLOCK;
    memset(p + tail, 0, (plane - tail) * sizeof(float));
  }
}

static float *interior(float *x, int size) {
  return x + ((size_t)size + 3) * SG3_CBLOCK;
}

/* Blocked channels of a padded activation as CHW. */
static void to_chw(const float *x, int c, int size, float *out) {
  const size_t wp = (size_t)size + 2, plane = sg2_act_plane(size);
  for (int ch = 0; ch < c; ch++) {
    const float *xb =
        x + ch / SG3_CBLOCK * plane + (wp + 1) * SG3_CBLOCK + ch % SG3_CBLOCK;
    for (int y = 0; y < size; y++)
      for (int i = 0; i < size; i++)
        out[((size_t)ch * size + y) * size + i] = xb[(y * wp + i) * SG3_CBLOCK];
  }
}

/* a += b over the interiors of two padded activations. */
static void add_interior(float *a, const float *b, int nblocks, int size) {
  const size_t wp = (size_t)size + 2, plane = sg2_act_plane(size);
  for (int k = 0; k < nblocks; k++)
    for (int y = 1; y <= size; y++) {
      float *pa = a + k * plane + (y * wp + 1) * SG3_CBLOCK;
      const float *pb = b + k * plane + (y * wp + 1) * SG3_CBLOCK;
      for (size_t i = 0; i < (size_t)size * SG3_CBLOCK; i++)
        pa[i] += pb[i];
    }
}

/* Shows the callback an activation (CHW), growing the copy buffer the first
 * time. */
static int show(sg3_generator *g, int *index, const sg2_block *blk,
                const char *what, const float *x, int c, char **error) {
  sg2_state *s = g->net_state;
  const int size = blk->cfg->res;
  size_t n = (size_t)c * size * size;
  if (n > s->debug_n) {
    float *d = realloc(s->debug, n * sizeof(float));
    if (!d)
      return sg3_oom(error, "the layer callback's copy");
    s->debug = d;
    s->debug_n = n;
  }
  char name[32];
  snprintf(name, sizeof name, "%s_%s", blk->cfg->name, what);
  to_chw(x, c, size, s->debug);
  g->layer_cb(g->layer_cb_user, (*index)++, name, s->debug, c, size, size);
  return 0;
}

typedef struct {
  sg3_generator *g;
  const float *ws;
} style_ctx;

/* Every layer's affine (styles) and modulation (input scale s, output
 * scale dcoefs). */
static void style_task(void *ctx, int i, int thread) {
  const style_ctx *c = ctx;
  sg3_generator *g = c->g;
  const sg2_stylegan2 *net = g->model->net;
  sg2_state *s = g->net_state;
  const sg2_layer *l = net->layers[i];
  float *st = s->styles + s->style_off[i];
  sg3_fully_connected(g->ex.simd, &l->affine,
                      c->ws + (size_t)l->w_row * net->cfg.w_dim, st, 0);
  sg3_modulation(g->ex.simd, &l->conv, st, st, s->dcoefs + s->dcoef_off[i],
                 g->ex.scratch[thread]);
  if (l->rgb_w) {
    /* ToRGB: weight * styles, as the official modulated_conv2d builds its
     * weights (zero past in_channels). */
    const int in = l->conv.in_channels, K = l->conv.cin_pad;
    float *w = s->rgbw + 4 * s->style_off[i];
    for (int c = 0; c < net->cfg.img_channels; c++)
      for (int j = 0; j < K; j++)
        w[c * K + j] = j < in ? l->rgb_w[c * in + j] * st[j] : 0.0f;
  }
}

/* The layer's noise for this frame (NULL = none): noise_const *
 * noise_strength, or the noise of noise_seed (made once per seed). */
static const float *layer_noise(sg3_generator *g, const sg2_layer *l, int res,
                                const sg3_synthesis_args *args) {
  sg2_state *s = g->net_state;
  if (!l->noise || args->noise_mode == SG3_NOISE_NONE)
    return NULL;
  if (args->noise_mode == SG3_NOISE_CONST)
    return l->noise;
  const sg2_stylegan2 *net = g->model->net;
  if (args->noise_seed != s->rnoise_seed) {
    memset(s->rnoise_done, 0, (size_t)net->nlayers);
    s->rnoise_seed = args->noise_seed;
  }
  float *n = s->rnoise + s->rnoise_off[l->index];
  if (!s->rnoise_done[l->index]) {
    sg2_random_noise(&g->ex, args->noise_seed, l->index, res, (size_t)res + 2,
                     l->noise_strength, n);
    s->rnoise_done[l->index] = 1;
  }
  return n;
}

/* SynthesisLayer forward for conv1 (no upsampling): into out's interior,
 * plus the residual (resnet); rgb: a ToRGB of the output to fuse in (if
 * the layer runs by Winograd). */
static void synthesis_layer(sg3_generator *g, const sg2_layer *l, int res,
                            const float *x, const float *residual, float *out,
                            const sg3_synthesis_args *args,
                            const sg3_torgb *rgb) {
  sg2_state *s = g->net_state;
  const int nbo = l->conv.cout_pad / SG3_CBLOCK;
  sg3_epilogue epi = l->epi;
  epi.noise = layer_noise(g, l, res, args);
  epi.residual = residual ? interior((float *)residual, res) : NULL;
  sg3_modulated_conv2d_ex(&g->ex, &l->conv, res, 1, x, sg2_act_plane(res),
                          s->styles + s->style_off[l->index],
                          s->dcoefs + s->dcoef_off[l->index], &epi, rgb,
                          interior(out, res), sg2_act_plane(res));
  zero_border(out, nbo, res);
}

/* The upsampling SynthesisLayer (conv0): x at res / 2 to out at res. */
static void synthesis_layer_up(sg3_generator *g, const sg2_layer *l, int res,
                               const float *x, float *out,
                               const sg3_synthesis_args *args) {
  sg2_state *s = g->net_state;
  const int nbo = l->conv.cout_pad / SG3_CBLOCK;
  sg3_epilogue epi = l->epi;
  epi.noise = layer_noise(g, l, res, args);
  zero_border(out, nbo, res);
  sg3_modulated_conv2d_up2(&g->ex, &l->conv, res / 2, x, sg2_act_plane(res / 2),
                           s->styles + s->style_off[l->index],
                           s->dcoefs + s->dcoef_off[l->index], s->phases, &epi,
                           (size_t)res + 2, interior(out, res),
                           sg2_act_plane(res), ((size_t)res + 2) * SG3_CBLOCK);
}

/* ToRGBLayer on x (padded, blocked) into the planar image, plus
 * `residual` (the upsampled image of the skip architecture). */
static sg3_torgb torgb_of(sg3_generator *g, const sg2_layer *l, int res,
                          const float *x, const float *residual, float *img) {
  const sg2_stylegan2 *net = g->model->net;
  sg2_state *s = g->net_state;
  sg3_torgb t = {
      .x = interior((float *)x, res),
      .x_plane = sg2_act_plane(res),
      .x_rs = ((size_t)res + 2) * SG3_CBLOCK,
      .nblocks = l->conv.cin_pad / SG3_CBLOCK,
      .size = res,
      .channels = net->cfg.img_channels,
      .w = s->rgbw + 4 * s->style_off[l->index],
      .bias = l->rgb_b,
      .clamp = l->epi.clamp,
      .residual = residual,
      .out = img,
  };
  return t;
}

static void torgb(sg3_generator *g, const sg2_layer *l, int res, const float *x,
                  const float *residual, float *img) {
  sg3_torgb t = torgb_of(g, l, res, x, residual, img);
  sg3_modulated_conv2d_torgb(&g->ex, &t);
}

/* Shows the callback a planar image. */
static void show_img(sg3_generator *g, int *index, const sg2_block *blk,
                     const char *what, const float *img, int c) {
  char name[32];
  snprintf(name, sizeof name, "%s_%s", blk->cfg->name, what);
  g->layer_cb(g->layer_cb_user, (*index)++, name, img, c, blk->cfg->res,
              blk->cfg->res);
}

/* SynthesisBlock.forward: x[*cur] (the block's input) to x[!*cur]. */
static int synthesis_block(sg3_generator *g, const sg2_block *blk, int *cur,
                           int *index, const sg3_synthesis_args *args,
                           float *img, char **error) {
  const sg2_stylegan2 *net = g->model->net;
  const sg2_config *c = &net->cfg;
  const sg2_block_config *B = blk->cfg;
  sg2_state *s = g->net_state;
  const int res = B->res, cout = B->out_channels;
  const int nbo = sg3_cpad(cout) / SG3_CBLOCK;
  const int cb = g->layer_cb != NULL;
  float *in = s->x[*cur], *out = s->x[!*cur];
  const float *x1 = in; /* conv1's input */
  double t = g->profiling ? sg3_now() : 0;

  if (!B->in_channels) {
    /* The learned constant, as x. */
    zero_border(in, nbo, res);
    const size_t wp = (size_t)res + 2, plane = sg2_act_plane(res);
    for (int ch = 0; ch < cout; ch++)
      for (int y = 0; y < res; y++)
        for (int i = 0; i < res; i++)
          in[ch / SG3_CBLOCK * plane + ((y + 1) * wp + i + 1) * SG3_CBLOCK +
             ch % SG3_CBLOCK] = blk->const_[((size_t)ch * res + y) * res + i];
  } else {
    const int entry = SG3_PROF_FAMILY + blk->stage_conv0;
    synthesis_layer_up(g, &blk->conv0, res, in, s->mid, args);
    sg3_profile_lap(g, entry, SG3_PROF_CONV, &t);
    if (cb && show(g, index, blk, "conv0", s->mid, cout, error))
      return -1;
    if (B->has_skip) {
      const int h = res / 2;
      const size_t hp = sg2_act_plane(h);
      sg3_modulated_conv2d_ex(&g->ex, &blk->skip, h, 1, in, hp, NULL, NULL,
                              NULL, NULL, s->skip_lo, hp);
      sg3_profile_lap(g, entry, SG3_PROF_CONV, &t);
      sg3_filtered_lrelu(&g->ex, &blk->skip_up, interior(s->skip_lo, h), hp,
                         ((size_t)h + 2) * SG3_CBLOCK, nbo,
                         interior(s->skip, res), sg2_act_plane(res),
                         ((size_t)res + 2) * SG3_CBLOCK, NULL, 0, 0);
      sg3_profile_lap(g, entry, SG3_PROF_FILTER, &t);
      if (cb && show(g, index, blk, "skip", s->skip, cout, error))
        return -1;
    }
    x1 = s->mid;
  }

  /* The skip architecture's image, upsampled (before conv1, which may
   * compute ToRGB as it goes). */
  const float *img_up = NULL;
  if (B->has_torgb && B->in_channels && c->architecture == SG2_SKIP) {
    sg3_upsample2d_planar(&g->ex, &blk->img_up, s->img[0], c->img_channels,
                          s->img[1]);
    sg3_profile_lap(g, SG3_PROF_FAMILY + blk->stage_torgb, SG3_PROF_FILTER, &t);
    img_up = s->img[1];
  }
  /* The last block writes the output itself. */
  float *dst = B->is_last ? img : s->img[0];
  const int fuse = B->has_torgb && !cb && blk->conv1.conv.winograd;
  sg3_torgb rgb;
  if (fuse)
    rgb = torgb_of(g, &blk->torgb, res, out, img_up, dst);

  const int entry1 = SG3_PROF_FAMILY + blk->stage_conv1;
  const float *residual = B->has_skip ? s->skip : NULL;
  synthesis_layer(g, &blk->conv1, res, x1, cb ? NULL : residual, out, args,
                  fuse ? &rgb : NULL);
  sg3_profile_lap(g, entry1, SG3_PROF_CONV, &t);
  if (cb) {
    if (show(g, index, blk, "conv1", out, cout, error))
      return -1;
    if (residual)
      add_interior(out, residual, nbo, res);
    if (show(g, index, blk, "x", out, cout, error))
      return -1;
  }

  if (B->has_torgb && !fuse) {
    const int entry = SG3_PROF_FAMILY + blk->stage_torgb;
    torgb(g, &blk->torgb, res, out, cb ? NULL : img_up, dst);
    sg3_profile_lap(g, entry, SG3_PROF_CONV, &t);
    if (cb) {
      const size_t n = (size_t)c->img_channels * res * res;
      show_img(g, index, blk, "torgb", dst, c->img_channels);
      for (size_t i = 0; img_up && i < n; i++)
        dst[i] = img_up[i] + dst[i];
      show_img(g, index, blk, "img", dst, c->img_channels);
    }
  }
  *cur = !*cur;
  return 0;
}

int sg2_synthesis(sg3_generator *g, const float *ws,
                  const sg3_synthesis_args *args, float *img, char **error) {
  const sg2_stylegan2 *net = g->model->net;
  const sg2_config *c = &net->cfg;
  double t = g->profiling ? sg3_now() : 0;
  style_ctx sc = {g, ws};
  sg3_pool_run(g->ex.pool, net->nlayers, style_task, &sc);
  sg3_profile_lap(g, SG3_PROF_FAMILY + SG2_STAGE_STYLES, SG3_PROF_OTHER, &t);

  int cur = 0, index = 0;
  for (int i = 0; i < c->num_blocks; i++) {
    if (sg3_cancelled(g))
      return sg3_fail(error, SG3_ERR_CANCELLED, "cancelled");
    if (synthesis_block(g, &net->blocks[i], &cur, &index, args, img, error))
      return -1;
  }
  if (g->profiling)
    for (int i = SG3_PROF_FAMILY; i < g->nprofile; i++)
      g->profile[i].calls++;
  return 0;
}
