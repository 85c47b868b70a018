/* The StyleGAN2 family: the network built from its tensors and the block
 * schedule (config.c), the generators' buffers, random models. */
#include "stylegan2/stylegan2.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "numpy_random.h"
#include "ops/gemm.h"
#include "ops/upfirdn2d.h"

static size_t max_sz(size_t a, size_t b) {
  return a > b ? a : b;
}

size_t sg2_act_plane(int size) {
  size_t wp = (size_t)size + 2;
  return ((wp + SG3_WINO_ROWS_PAST) * wp + SG3_GEMM_SLACK + 3) * SG3_CBLOCK;
}

static sg3_mapping_config mapping_config(const sg2_config *c) {
  sg3_mapping_config mc = {.z_dim = c->z_dim,
                           .c_dim = c->c_dim,
                           .w_dim = c->w_dim,
                           .num_ws = c->num_ws,
                           .num_layers = c->mapping_layers,
                           .lr_multiplier = c->mapping_lr_multiplier,
                           .embed_features = c->embed_features,
                           .layer_features = c->layer_features};
  return mc;
}

/* A stored resample filter in its 1-D form. */
static int need_filter(const sg3_tensor_set *set, const char *prefix, float *f,
                       int *taps, char **error) {
  char name[96];
  snprintf(name, sizeof name, "%s.resample_filter", prefix);
  const sg3_tensor *t = sg3_tensor_set_find(set, name);
  if (!t)
    return sg3_fail(error, SG3_ERR_CORRUPT, "missing tensor '%s'", name);
  for (size_t i = 0; i < t->numel; i++)
    if (!isfinite(t->data[i]))
      return sg3_fail(error, SG3_ERR_CORRUPT,
                      "tensor '%s' contains NaN or infinity", name);
  return sg3_separable_filter(t, name, SG3_UPFIR_MAX_TAPS, f, taps, error);
}

/* SynthesisLayer.__init__'s parameters and buffers (up = 1 or 2). */
static int build_layer(sg3_model *m, const sg2_config *c, sg2_layer *l,
                       const char *prefix, int in, int out, int res, int up,
                       float gain, char **error) {
  const sg3_tensor_set *set = &m->tensors;
  char affine[128];
  snprintf(affine, sizeof affine, "%s.affine", prefix);
  if (sg3_fc_build(&l->affine, set, affine, c->w_dim, in, 1.0, error))
    return -1;
  int64_t wshape[4] = {out, in, 3, 3}, bshape[1] = {out};
  int64_t nshape[2] = {res, res};
  const sg3_tensor *w =
      sg3_need_tensor(set, prefix, "weight", 4, wshape, error);
  const sg3_tensor *b =
      w ? sg3_need_tensor(set, prefix, "bias", 1, bshape, error) : NULL;
  if (!b)
    return -1;
  if (up) {
    float f[SG3_UPFIR_MAX_TAPS];
    int taps;
    if (need_filter(set, prefix, f, &taps, error) ||
        sg3_conv_prepare_up2(&l->conv, w->data, b->data, in, out, 1, f, taps,
                             error))
      return -1;
  } else if (sg3_conv_prepare(&l->conv, w->data, b->data, in, out, 3, 1, 0,
                              1.0f, 1.0f,
                              /* below 16x16 (4 tiles and less), streaming
                               * the Winograd weights (4 times the direct
                               * ones) costs more than it saves */
                              sg3_model_winograd(m) && res >= 16, error)) {
    return -1;
  }
  sg3_model_release_tensor(m, w); /* packed */
  if (c->use_noise) {
    const sg3_tensor *nc =
        sg3_need_tensor(set, prefix, "noise_const", 2, nshape, error);
    const sg3_tensor *ns =
        nc ? sg3_need_tensor(set, prefix, "noise_strength", 0, NULL, error)
           : NULL;
    if (!ns)
      return -1;
    /* noise_const * noise_strength, as the official forward computes it,
     * at the output's pitch. */
    const size_t wp = (size_t)res + 2;
    l->noise_strength = ns->data[0];
    l->noise = calloc((size_t)res * wp + SG3_GEMM_SLACK, sizeof(float));
    if (!l->noise)
      return sg3_oom(error, NULL);
    for (int y = 0; y < res; y++)
      for (int x = 0; x < res; x++)
        l->noise[y * wp + x] = nc->data[y * res + x] * l->noise_strength;
  }
  l->res = res;
  l->epi.act = 1;
  l->epi.slope = c->act_slope;
  l->epi.gain = c->act_gain * gain;
  l->epi.clamp = c->conv_clamp >= 0 ? (float)(c->conv_clamp * gain) : -1.0f;
  return 0;
}

/* ToRGBLayer: styles times weight_gain, no demodulation, bias, clamp. */
static int build_torgb(sg3_model *m, const sg2_config *c, sg2_layer *l,
                       const char *prefix, int in, char **error) {
  const sg3_tensor_set *set = &m->tensors;
  char affine[128];
  snprintf(affine, sizeof affine, "%s.affine", prefix);
  if (sg3_fc_build(&l->affine, set, affine, c->w_dim, in, 1.0, error))
    return -1;
  int64_t wshape[4] = {c->img_channels, in, 1, 1},
          bshape[1] = {c->img_channels};
  const sg3_tensor *w =
      sg3_need_tensor(set, prefix, "weight", 4, wshape, error);
  const sg3_tensor *b =
      w ? sg3_need_tensor(set, prefix, "bias", 1, bshape, error) : NULL;
  if (!b ||
      sg3_conv_prepare(&l->conv, w->data, b->data, in, c->img_channels, 1, 0, 0,
                       (float)(1 / sqrt((double)in)), 1.0f, 0, error))
    return -1;
  l->rgb_w = w->data;
  l->rgb_b = b->data;
  l->epi.clamp = c->conv_clamp >= 0 ? (float)c->conv_clamp : -1.0f;
  return 0;
}

static int add_stage(sg2_stylegan2 *net, const char *block, const char *what) {
  snprintf(net->stage_names[net->nstages], sizeof *net->stage_names, "%s.%s",
           block, what);
  return net->nstages++;
}

/* SynthesisBlock.__init__. */
static int build_block(sg3_model *m, sg2_stylegan2 *net, int idx,
                       char **error) {
  const sg2_config *c = &net->cfg;
  const sg2_block_config *B = &c->blocks[idx];
  const sg3_tensor_set *set = &m->tensors;
  sg2_block *blk = &net->blocks[idx];
  char prefix[64], p[96];
  snprintf(prefix, sizeof prefix, "synthesis.%s", B->name);
  blk->cfg = B;
  const int cin = B->in_channels, cout = B->out_channels, res = B->res;
  const float resnet_gain = B->has_skip ? (float)sqrt(0.5) : 1.0f;
  int w = B->w_index;
  if (!cin) {
    int64_t shape[3] = {cout, res, res};
    const sg3_tensor *t =
        sg3_need_tensor(set, prefix, "const", 3, shape, error);
    if (!t)
      return -1;
    blk->const_ = t->data;
  } else {
    snprintf(p, sizeof p, "%s.conv0", prefix);
    blk->conv0.w_row = w++;
    blk->conv0.index = net->nlayers;
    net->layers[net->nlayers++] = &blk->conv0;
    blk->stage_conv0 = add_stage(net, B->name, "conv0");
    if (build_layer(m, c, &blk->conv0, p, cin, cout, res, 1, 1.0f, error))
      return -1;
  }
  snprintf(p, sizeof p, "%s.conv1", prefix);
  blk->conv1.w_row = w++;
  blk->conv1.index = net->nlayers;
  net->layers[net->nlayers++] = &blk->conv1;
  blk->stage_conv1 = add_stage(net, B->name, "conv1");
  if (build_layer(m, c, &blk->conv1, p, cout, cout, res, 0, resnet_gain, error))
    return -1;
  if (B->has_torgb) {
    snprintf(p, sizeof p, "%s.torgb", prefix);
    blk->torgb.w_row = w++;
    blk->torgb.index = net->nlayers;
    net->layers[net->nlayers++] = &blk->torgb;
    blk->stage_torgb = add_stage(net, B->name, "torgb");
    if (build_torgb(m, c, &blk->torgb, p, cout, error))
      return -1;
  }
  float f[SG3_UPFIR_MAX_TAPS];
  int taps;
  if (B->has_skip) {
    /* Conv2dLayer(kernel_size=1, bias=False, up=2): weight * weight_gain,
     * then upfirdn2d, then bias_act 'linear' with gain sqrt(0.5). */
    snprintf(p, sizeof p, "%s.skip", prefix);
    int64_t shape[4] = {cout, cin, 1, 1};
    const sg3_tensor *t = sg3_need_tensor(set, p, "weight", 4, shape, error);
    if (!t || need_filter(set, p, f, &taps, error))
      return -1;
    float *wg = malloc((size_t)cout * cin * sizeof(float));
    if (!wg)
      return sg3_oom(error, NULL);
    const float gain = (float)(1 / sqrt((double)cin));
    for (size_t i = 0; i < (size_t)cout * cin; i++)
      wg[i] = t->data[i] * gain;
    int rc = sg3_conv_prepare(&blk->skip, wg, NULL, cin, cout, 1, 0, 0, 1.0f,
                              1.0f, 0, error);
    free(wg);
    if (rc)
      return -1;
    if (sg3_upsample2d_plan(&blk->skip_up, res / 2, f, taps, resnet_gain))
      return sg3_oom(error, "the filter plans");
  }
  if (cin && c->architecture == SG2_SKIP) {
    if (need_filter(set, prefix, f, &taps, error))
      return -1;
    if (sg3_upsample2d_plan(&blk->img_up, res / 2, f, taps, 1.0f))
      return sg3_oom(error, "the filter plans");
  }
  return 0;
}

/* Multiply-adds x 2 as the kernels compute them (the transposed
 * convolution's 9 taps per input pixel, the separable FIR passes). */
static double block_flops(const sg2_config *c, const sg2_block_config *B,
                          int up_taps) {
  double r = B->res, h = r / 2, cin = B->in_channels, cout = B->out_channels;
  double f = 2.0 * cout * cout * 9 * r * r;
  if (cin) {
    f += 2.0 * cin * cout * 9 * h * h;
    f += 2.0 * cout * ((2 * h + 1) * r + r * r) * up_taps;
  }
  if (B->has_torgb)
    f += 2.0 * cout * c->img_channels * r * r;
  if (B->has_skip)
    f += 2.0 * cin * cout * h * h + 2.0 * cout * (h * r + r * r) * up_taps / 2;
  if (cin && c->architecture == SG2_SKIP)
    f += 2.0 * c->img_channels * (h * r + r * r) * up_taps / 2;
  return f;
}

static int build(sg3_model *m, const sg3_load_options *options, char **error) {
  (void)options;
  sg2_stylegan2 *net = calloc(1, sizeof *net);
  if (!net)
    return sg3_oom(error, NULL);
  m->net = net;
  sg2_config *c = &net->cfg;
  if (sg2_config_parse(m->init_kwargs, c, error))
    return -1;
  m->z_dim = c->z_dim;
  m->c_dim = c->c_dim;
  m->w_dim = c->w_dim;
  m->num_ws = c->num_ws;
  m->img_resolution = c->img_resolution;
  m->img_channels = c->img_channels;
  sg3_mapping_config mc = mapping_config(c);
  if (sg3_mapping_build(&m->mapping, &mc, &m->tensors, error))
    return -1;
  const int nb = c->num_blocks, maxl = 3 * nb;
  net->blocks = calloc((size_t)nb, sizeof *net->blocks);
  net->layers = calloc((size_t)maxl, sizeof *net->layers);
  net->stage_names = calloc((size_t)maxl + 1, sizeof *net->stage_names);
  if (!net->blocks || !net->layers || !net->stage_names)
    return sg3_oom(error, NULL);
  snprintf(net->stage_names[net->nstages++], sizeof *net->stage_names,
           "styles");
  m->flops = 0;
  for (int i = 0; i < nb; i++) {
    if (build_block(m, net, i, error))
      return -1;
    m->flops +=
        block_flops(c, &c->blocks[i], net->blocks[i].conv0.conv.up_taps);
  }
  return 0;
}

static void free_layer(sg2_layer *l) {
  sg3_fc_free(&l->affine);
  sg3_conv_free(&l->conv);
  free(l->noise);
  l->noise = NULL;
}

static void free_net(sg3_model *m) {
  sg2_stylegan2 *net = m->net;
  if (!net)
    return;
  for (int i = 0; net->blocks && i < net->cfg.num_blocks; i++) {
    sg2_block *b = &net->blocks[i];
    free_layer(&b->conv0);
    free_layer(&b->conv1);
    free_layer(&b->torgb);
    sg3_conv_free(&b->skip);
    sg3_filter_plan_free(&b->skip_up);
    sg3_filter_plan_free(&b->img_up);
  }
  free(net->blocks);
  free(net->layers);
  free(net->stage_names);
  sg2_config_clear(&net->cfg);
  free(net);
  m->net = NULL;
}

static void get_info(const sg3_model *m, sg3_model_info *info) {
  const sg2_stylegan2 *net = m->net;
  const sg2_config *c = &net->cfg;
  info->num_layers = net->nlayers;
  info->conv_kernel = 3;
  info->config = "stylegan2";
  info->architecture = sg2_architecture_name(c->architecture);
  info->has_noise = c->use_noise;
  info->has_transform = 0;
}

/* ---- generators --------------------------------------------------------- */

static size_t scratch_floats(const sg3_model *m, const sg3_simd *simd,
                             int nthreads) {
  const sg2_stylegan2 *net = m->net;
  size_t n = 0;
  for (int i = 0; i < net->cfg.num_blocks; i++) {
    const sg2_block *b = &net->blocks[i];
    const int res = b->cfg->res;
    if (b->cfg->in_channels) {
      n = max_sz(n,
                 sg3_conv_scratch(&b->conv0.conv, res / 2, 1, simd, nthreads));
      n = max_sz(n, (size_t)b->conv0.conv.cin_pad);
    }
    n = max_sz(n, sg3_conv_scratch(&b->conv1.conv, res, 1, simd, nthreads));
    n = max_sz(n, (size_t)b->conv1.conv.cin_pad);
    if (b->cfg->has_torgb) {
      n = max_sz(n, sg3_conv_scratch(&b->torgb.conv, res, 1, simd, nthreads));
      n = max_sz(n, (size_t)b->torgb.conv.cin_pad);
    }
    if (b->cfg->has_skip) {
      n = max_sz(n, sg3_conv_scratch(&b->skip, res / 2, 1, simd, nthreads));
      n = max_sz(n, sg3_filter_scratch(&b->skip_up));
    }
    if (b->cfg->in_channels && net->cfg.architecture == SG2_SKIP)
      n = max_sz(n, sg3_upsample2d_planar_scratch(&b->img_up));
  }
  return n;
}

/* The generator's buffers (floats), from the schedule alone: what
 * generator_init allocates. */
typedef struct {
  size_t x, mid, phases, skip_lo, skip, img, noise, nstyles, ndcoefs;
} sg2_sizes;

static void state_sizes(const sg2_config *c, sg2_sizes *z) {
  memset(z, 0, sizeof *z);
  for (int i = 0; i < c->num_blocks; i++) {
    const sg2_block_config *B = &c->blocks[i];
    const int res = B->res;
    const size_t cin = (size_t)sg3_cpad(B->in_channels),
                 cout = (size_t)sg3_cpad(B->out_channels),
                 cb = cout / SG3_CBLOCK,
                 noise = c->use_noise ? (size_t)res * (res + 2) + SG3_GEMM_SLACK
                                      : 0;
    z->x = max_sz(z->x, sg2_act_plane(res) * cb);
    z->img = max_sz(z->img, (size_t)c->img_channels * res * res);
    if (B->in_channels) { /* conv0 */
      z->mid = max_sz(z->mid, sg2_act_plane(res) * cb);
      z->phases = max_sz(z->phases, 4 * sg3_conv_phase_plane(res / 2) * cb);
      z->nstyles += cin;
      z->ndcoefs += cout;
      z->noise += noise;
    }
    z->nstyles += cout; /* conv1 */
    z->ndcoefs += cout;
    z->noise += noise;
    if (B->has_torgb) {
      z->nstyles += cout;
      z->ndcoefs += (size_t)sg3_cpad(c->img_channels);
    }
    if (B->has_skip) {
      z->skip_lo = max_sz(z->skip_lo, sg2_act_plane(res / 2) * cb);
      z->skip = max_sz(z->skip, sg2_act_plane(res) * cb);
    }
  }
}

static int generator_init(sg3_generator *g, char **error) {
  const sg2_stylegan2 *net = g->model->net;
  sg2_sizes z;
  state_sizes(&net->cfg, &z);
  const size_t x = z.x, mid = z.mid, phases = z.phases, skip_lo = z.skip_lo,
               skip = z.skip, img = z.img, noise = z.noise, nstyles = z.nstyles;
  sg2_state *s = calloc(1, sizeof *s);
  if (!s)
    return sg3_oom(error, NULL);
  g->net_state = s;
  s->rnoise_off = calloc((size_t)net->nlayers, sizeof(size_t));
  s->rnoise_done = calloc((size_t)net->nlayers, 1);
  if (!s->rnoise_off || !s->rnoise_done)
    return sg3_oom(error, NULL);
  size_t off = 0;
  for (int i = 0; i < net->nlayers; i++) {
    const sg2_layer *l = net->layers[i];
    s->rnoise_off[i] = off;
    if (l->noise)
      off += (size_t)l->res * (l->res + 2) + SG3_GEMM_SLACK;
  }
  /* Zeroed: the kernels read a little past the data (results there are
   * never used, but must be finite). */
  s->x[0] = sg3_alloc_floats(x);
  s->x[1] = sg3_alloc_floats(x);
  s->mid = mid ? sg3_alloc_floats(mid) : NULL;
  s->phases = phases ? sg3_alloc_floats(phases) : NULL;
  s->skip_lo = skip_lo ? sg3_alloc_floats(skip_lo) : NULL;
  s->skip = skip ? sg3_alloc_floats(skip) : NULL;
  s->img[0] = sg3_alloc_floats(img);
  s->img[1] = sg3_alloc_floats(img);
  s->rnoise = noise ? sg3_alloc_floats(noise) : NULL;
  s->styles = sg3_alloc_floats(nstyles);
  s->dcoefs = sg3_alloc_floats(z.ndcoefs);
  /* ToRGB weights per frame: 4 x cin_pad per layer at style_off[i] */
  s->rgbw = sg3_alloc_floats(4 * nstyles);
  s->style_off = calloc((size_t)net->nlayers, sizeof(size_t));
  s->dcoef_off = calloc((size_t)net->nlayers, sizeof(size_t));
  if (!s->x[0] || !s->x[1] || (mid && !s->mid) || (phases && !s->phases) ||
      (skip_lo && !s->skip_lo) || (skip && !s->skip) || !s->img[0] ||
      !s->img[1] || (noise && !s->rnoise) || !s->styles || !s->dcoefs ||
      !s->rgbw || !s->style_off || !s->dcoef_off)
    return sg3_oom(error, "the generator's buffers");
  for (int i = 0, so = 0, dof = 0; i < net->nlayers; i++) {
    s->style_off[i] = so;
    s->dcoef_off[i] = dof;
    so += net->layers[i]->conv.cin_pad;
    dof += net->layers[i]->conv.cout_pad;
  }
  return 0;
}

static void generator_free(sg3_generator *g) {
  sg2_state *s = g->net_state;
  free(s->x[0]);
  free(s->x[1]);
  free(s->mid);
  free(s->phases);
  free(s->skip_lo);
  free(s->skip);
  free(s->img[0]);
  free(s->img[1]);
  free(s->rnoise);
  free(s->rnoise_off);
  free(s->rnoise_done);
  free(s->styles);
  free(s->dcoefs);
  free(s->rgbw);
  free(s->style_off);
  free(s->dcoef_off);
  free(s->debug);
  free(s);
  g->net_state = NULL;
}

static int num_stages(const sg3_model *m) {
  const sg2_stylegan2 *net = m->net;
  return net->nstages;
}

static const char *stage_name(const sg3_model *m, int stage) {
  const sg2_stylegan2 *net = m->net;
  return net->stage_names[stage];
}

/* ---- estimates ---------------------------------------------------------- */

/* The geometry of a layer's convolution, as sg3_conv_prepare(_up2) sets it
 * (no weights). */
static sg3_conv conv_geometry(int in, int out, int k, int up, int up_taps,
                              int winograd) {
  sg3_conv c = {.in_channels = in,
                .out_channels = out,
                .kernel = k,
                .up = up,
                .up_taps = up_taps,
                .cin_pad = sg3_cpad(in),
                .cout_pad = sg3_cpad(out),
                .winograd = winograd && k == 3 && !up};
  return c;
}

/* What build and generator_init allocate, from init_kwargs: the prepared
 * weights (packed, weight_sq, bias, affine; the noise planes) and the
 * generator's buffers with every thread's scratch. The filters are taken
 * from init_kwargs (the stored ones are the same but for forged files,
 * whose taps only change the scratch of the FIR passes a little). */
static int estimate(const char *init_kwargs, const char *schedule, int winograd,
                    const sg3_simd *simd, int nthreads, sg3_estimate *e,
                    char **error) {
  (void)schedule; /* derived from init_kwargs */
  sg2_config c;
  if (sg2_config_parse(init_kwargs, &c, error))
    return -1;
  memset(e, 0, sizeof *e);
  /* a 2-D filter list: the default [1, 3, 3, 1] stands in */
  double fd[SG2_MAX_FILTER_TAPS] = {1, 3, 3, 1}, sum = 0;
  int taps = 4;
  if (c.filter_taps) {
    taps = c.filter_taps;
    memcpy(fd, c.filter, sizeof fd);
  }
  if (taps > SG3_UPFIR_MAX_TAPS)
    taps = SG3_UPFIR_MAX_TAPS;
  float f[SG2_MAX_FILTER_TAPS];
  for (int i = 0; i < taps; i++)
    sum += fd[i];
  for (int i = 0; i < taps; i++)
    f[i] = (float)(fd[i] / (sum != 0 ? sum : 1));
  double model = 0;
  size_t scratch = 0;
  int rc = 0;
  for (int i = 0; i < c.num_blocks && !rc; i++) {
    const sg2_block_config *B = &c.blocks[i];
    const int res = B->res, cin = B->in_channels, cout = B->out_channels;
    const double noise =
        c.use_noise ? (double)res * (res + 2) + SG3_GEMM_SLACK : 0;
    if (cin) {
      sg3_conv cv = conv_geometry(cin, cout, 3, 2, taps, 0);
      model += 9.0 * cv.cin_pad * cv.cout_pad + (double)cin * cout +
               cv.cout_pad + taps + (double)c.w_dim * cin + cin + noise;
      scratch =
          max_sz(scratch, sg3_conv_scratch(&cv, res / 2, 1, simd, nthreads));
      scratch = max_sz(scratch, (size_t)cv.cin_pad);
    }
    sg3_conv cv = conv_geometry(cout, cout, 3, 0, 0, winograd && res >= 16);
    model += (cv.winograd ? 36.0 : 9.0) * cv.cin_pad * cv.cout_pad +
             (double)cout * cout + cv.cout_pad + (double)c.w_dim * cout + cout +
             noise;
    scratch = max_sz(scratch, sg3_conv_scratch(&cv, res, 1, simd, nthreads));
    scratch = max_sz(scratch, (size_t)cv.cin_pad);
    if (B->has_torgb) {
      sg3_conv t = conv_geometry(cout, c.img_channels, 1, 0, 0, 0);
      model += (double)t.cin_pad * t.cout_pad + t.cout_pad +
               (double)c.w_dim * cout + cout;
      scratch = max_sz(scratch, sg3_conv_scratch(&t, res, 1, simd, nthreads));
    }
    sg3_filter_plan plan;
    if (B->has_skip) {
      sg3_conv k = conv_geometry(cin, cout, 1, 0, 0, 0);
      model += (double)k.cin_pad * k.cout_pad + k.cout_pad;
      scratch =
          max_sz(scratch, sg3_conv_scratch(&k, res / 2, 1, simd, nthreads));
      memset(&plan, 0, sizeof plan);
      if (sg3_upsample2d_plan(&plan, res / 2, f, taps, 1.0f))
        rc = sg3_oom(error, NULL);
      else
        scratch = max_sz(scratch, sg3_filter_scratch(&plan));
      sg3_filter_plan_free(&plan);
    }
    if (cin && c.architecture == SG2_SKIP && !rc) {
      memset(&plan, 0, sizeof plan);
      if (sg3_upsample2d_plan(&plan, res / 2, f, taps, 1.0f))
        rc = sg3_oom(error, NULL);
      else
        scratch = max_sz(scratch, sg3_upsample2d_planar_scratch(&plan));
      sg3_filter_plan_free(&plan);
    }
    e->flops += block_flops(&c, B, taps);
  }
  sg2_sizes z;
  state_sizes(&c, &z);
  double gen = (double)z.x * 2 + z.mid + z.phases + z.skip_lo + z.skip +
               z.img * 2.0 + z.noise + z.nstyles * 5.0 + z.ndcoefs +
               (double)((scratch + 15) / 16 * 16) * nthreads;
  e->model_bytes = model * sizeof(float);
  e->generator_bytes = gen * sizeof(float);
  sg2_config_clear(&c);
  return rc;
}

/* ---- random models ------------------------------------------------------ */

static float *add(sg3_tensor_set *set, const char *name, int ndim,
                  const int64_t *shape, size_t *n, char **error) {
  int ok;
  *n = sg3_shape_numel(ndim, shape, &ok);
  float *d = calloc(*n ? *n : 1, sizeof(float));
  if (!ok || !d) {
    free(d);
    sg3_oom(error, name);
    return NULL;
  }
  return sg3_tensor_set_add(set, name, ndim, shape, d, error) ? NULL : d;
}

static int add_gauss(sg3_tensor_set *set, sg3_randomstate *rs, const char *name,
                     int ndim, const int64_t *shape, double scale,
                     char **error) {
  size_t n;
  float *d = add(set, name, ndim, shape, &n, error);
  if (!d)
    return -1;
  for (size_t i = 0; i < n; i++)
    d[i] = (float)(sg3_random_gauss(rs) * scale);
  return 0;
}

/* The init_kwargs' filter as the constructors store it. */
static int add_filter(sg3_tensor_set *set, const sg2_config *c,
                      const char *name, char **error) {
  const int n = c->filter_taps;
  if (!n)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "random models take a 1-D resample_filter only");
  float f[SG2_MAX_FILTER_TAPS * SG2_MAX_FILTER_TAPS];
  int ndim;
  sg2_setup_filter(c->filter, n, f, &ndim);
  int64_t shape[2] = {n, n};
  size_t k;
  float *d = add(set, name, ndim, shape, &k, error);
  if (!d)
    return -1;
  memcpy(d, f, k * sizeof(float));
  return 0;
}

/* conv1 is built without the block's resample_filter: it has the
 * default [1, 3, 3, 1] (unused, since it does not resample). */
static int random_layer(sg3_tensor_set *set, sg3_randomstate *rs,
                        const sg2_config *c, const char *prefix, int in,
                        int out, int res, int default_filter, char **error) {
  sg2_config dflt = {.filter_taps = 4, .filter = {1, 3, 3, 1}};
  char name[128];
  int64_t aw[2] = {in, c->w_dim}, ab[1] = {in};
  int64_t w[4] = {out, in, 3, 3}, b[1] = {out}, nc[2] = {res, res};
  size_t n;
  float *d;
  snprintf(name, sizeof name, "%s.affine.weight", prefix);
  if (add_gauss(set, rs, name, 2, aw, 1.0, error))
    return -1;
  snprintf(name, sizeof name, "%s.affine.bias", prefix);
  if (!(d = add(set, name, 1, ab, &n, error)))
    return -1;
  for (size_t i = 0; i < n; i++)
    d[i] = 1.0f; /* bias_init=1 */
  snprintf(name, sizeof name, "%s.weight", prefix);
  if (add_gauss(set, rs, name, 4, w, 1.0, error))
    return -1;
  snprintf(name, sizeof name, "%s.bias", prefix);
  if (!add(set, name, 1, b, &n, error))
    return -1;
  snprintf(name, sizeof name, "%s.resample_filter", prefix);
  if (add_filter(set, default_filter ? &dflt : c, name, error))
    return -1;
  if (!c->use_noise)
    return 0;
  snprintf(name, sizeof name, "%s.noise_const", prefix);
  if (add_gauss(set, rs, name, 2, nc, 1.0, error))
    return -1;
  /* A visible amount of noise (the official initial value is 0). */
  snprintf(name, sizeof name, "%s.noise_strength", prefix);
  if (!(d = add(set, name, 0, NULL, &n, error)))
    return -1;
  d[0] = 0.1f;
  return 0;
}

static int random_tensors(const char *init_kwargs, uint64_t seed,
                          sg3_tensor_set *set, char **error) {
  sg2_config c;
  if (sg2_config_parse(init_kwargs, &c, error))
    return -1;
  int rc = -1;
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, (uint32_t)(seed ^ (seed >> 32)));
  sg3_mapping_config mc = mapping_config(&c);
  if (sg3_mapping_random(&mc, &rs, set, error))
    goto out;
  for (int i = 0; i < c.num_blocks; i++) {
    const sg2_block_config *B = &c.blocks[i];
    char prefix[64], p[96], name[128];
    snprintf(prefix, sizeof prefix, "synthesis.%s", B->name);
    snprintf(name, sizeof name, "%s.resample_filter", prefix);
    if (add_filter(set, &c, name, error))
      goto out;
    if (!B->in_channels) {
      int64_t shape[3] = {B->out_channels, B->res, B->res};
      snprintf(name, sizeof name, "%s.const", prefix);
      if (add_gauss(set, &rs, name, 3, shape, 1.0, error))
        goto out;
    } else {
      snprintf(p, sizeof p, "%s.conv0", prefix);
      if (random_layer(set, &rs, &c, p, B->in_channels, B->out_channels, B->res,
                       0, error))
        goto out;
    }
    snprintf(p, sizeof p, "%s.conv1", prefix);
    if (random_layer(set, &rs, &c, p, B->out_channels, B->out_channels, B->res,
                     1, error))
      goto out;
    if (B->has_torgb) {
      int64_t aw[2] = {B->out_channels, c.w_dim}, ab[1] = {B->out_channels};
      int64_t w[4] = {c.img_channels, B->out_channels, 1, 1};
      int64_t b[1] = {c.img_channels};
      size_t n;
      float *d;
      snprintf(name, sizeof name, "%s.torgb.affine.weight", prefix);
      if (add_gauss(set, &rs, name, 2, aw, 1.0, error))
        goto out;
      snprintf(name, sizeof name, "%s.torgb.affine.bias", prefix);
      if (!(d = add(set, name, 1, ab, &n, error)))
        goto out;
      for (size_t j = 0; j < n; j++)
        d[j] = 1.0f;
      snprintf(name, sizeof name, "%s.torgb.weight", prefix);
      if (add_gauss(set, &rs, name, 4, w, 1.0, error))
        goto out;
      snprintf(name, sizeof name, "%s.torgb.bias", prefix);
      if (!add(set, name, 1, b, &n, error))
        goto out;
    }
    if (B->has_skip) {
      int64_t w[4] = {B->out_channels, B->in_channels, 1, 1};
      snprintf(name, sizeof name, "%s.skip.weight", prefix);
      if (add_gauss(set, &rs, name, 4, w, 1.0, error))
        goto out;
      snprintf(name, sizeof name, "%s.skip.resample_filter", prefix);
      if (add_filter(set, &c, name, error))
        goto out;
    }
  }
  rc = 0;
out:
  sg2_config_clear(&c);
  return rc;
}

const sg3_family sg3_family_stylegan2 = {
    .name = "stylegan2",
    .u8_rule = SG3_U8_STYLEGAN3,
    .estimate = estimate,
    .build = build,
    .free = free_net,
    .get_info = get_info,
    .random = random_tensors,
    .scratch_floats = scratch_floats,
    .generator_init = generator_init,
    .generator_free = generator_free,
    .num_stages = num_stages,
    .stage_name = stage_name,
    .synthesis = sg2_synthesis,
};
