/* The StyleGAN3 family: the network built from its tensors and the layer
 * schedule (config.c), the generators' buffers, random models. */
#include "stylegan3/stylegan3.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter_design.h"
#include "numpy_random.h"
#include "ops/gemm.h"

static size_t max_sz(size_t a, size_t b) {
  return a > b ? a : b;
}

static double layer_flops(const sg3_layer_config *L) {
  double k2 = (double)L->conv_kernel * L->conv_kernel;
  double conv_size = L->in_size + L->conv_kernel - 1;
  double conv =
      2.0 * L->out_channels * L->in_channels * k2 * conv_size * conv_size;
  /* Filtered lrelu as the polyphase kernel computes it: the upsampling FIR
   * costs taps/up per output sample per pass; the downsampling FIR is only
   * evaluated at kept samples. */
  double up_size =
      conv_size * L->up_factor + L->padding[0] + L->padding[1] - L->up_taps + 1;
  double up = 2.0 * L->out_channels *
              (conv_size * up_size + up_size * up_size) * L->up_taps /
              L->up_factor;
  double out = L->out_size;
  double down =
      L->down_radial
          ? 2.0 * L->out_channels * out * out * L->down_taps * L->down_taps
          : 2.0 * L->out_channels * (up_size * out + out * out) * L->down_taps;
  return conv + up + down;
}

/* SynthesisLayer.__init__'s parameters and buffers. */
static int build_layer(sg3_model *m, sg3_stylegan3 *net, int idx,
                       char **error) {
  const sg3_config *c = &net->cfg;
  const sg3_layer_config *L = &c->layers[idx];
  const sg3_tensor_set *set = &m->tensors;
  sg3_synthesis_layer *l = &net->layers[idx];
  char prefix[64], affine[80], affine_w[96];
  snprintf(prefix, sizeof prefix, "synthesis.%s", L->name);
  snprintf(affine, sizeof affine, "%s.affine", prefix);
  snprintf(affine_w, sizeof affine_w, "%s.weight", affine); /* copied */
  l->cfg = L;
  if (sg3_fc_build(&l->affine, set, affine, c->w_dim, L->in_channels, 1.0,
                   error))
    return -1;
  int k = L->conv_kernel;
  int64_t wshape[4] = {L->out_channels, L->in_channels, k, k};
  int64_t bshape[1] = {L->out_channels};
  const sg3_tensor *w =
      sg3_need_tensor(set, prefix, "weight", 4, wshape, error);
  const sg3_tensor *b =
      w ? sg3_need_tensor(set, prefix, "bias", 1, bshape, error) : NULL;
  const sg3_tensor *mag =
      b ? sg3_need_tensor(set, prefix, "magnitude_ema", 0, NULL, error) : NULL;
  if (!mag)
    return -1;
  if (!(mag->data[0] > 0))
    return sg3_fail(error, SG3_ERR_CORRUPT, "%s.magnitude_ema must be positive",
                    prefix);
  /* ToRGB: styles * weight_gain, no demodulation; the others demodulate
   * with the pre-normalisation; all scale by input_gain. */
  float style_gain =
      L->is_torgb ? (float)(1 / sqrt((double)L->in_channels * k * k)) : 1.0f;
  if (sg3_conv_prepare(&l->conv, w->data, b->data, L->in_channels,
                       L->out_channels, k, !L->is_torgb, !L->is_torgb,
                       style_gain, 1.0f / sqrtf(mag->data[0]),
                       sg3_model_winograd(m), error))
    return -1;
  sg3_model_release_tensor(m, w);
  sg3_model_release_tensor(m, sg3_tensor_set_find(set, affine_w));

  /* Filters: the stored buffers (random models store designed ones). */
  const float *fu = NULL, *fd = NULL;
  if (L->up_taps > 1) {
    int64_t shape[1] = {L->up_taps};
    const sg3_tensor *f =
        sg3_need_tensor(set, prefix, "up_filter", 1, shape, error);
    if (!f)
      return -1;
    fu = f->data;
  }
  if (L->down_taps > 1) {
    int64_t shape[2] = {L->down_taps, L->down_taps};
    const sg3_tensor *f = sg3_need_tensor(set, prefix, "down_filter",
                                          L->down_radial ? 2 : 1, shape, error);
    if (!f)
      return -1;
    fd = f->data;
  }
  if (sg3_filter_plan_build(&l->filter, L->in_size + k - 1, L->up_factor,
                            L->up_taps, fu, L->padding, L->down_factor,
                            L->down_taps, fd, L->down_radial, L->out_size,
                            L->gain, L->slope, L->conv_clamp))
    return L->down_taps > SG3_MAX_DOWN_TAPS
               ? sg3_fail(error, SG3_ERR_UNSUPPORTED,
                          "%s: a %d-tap downsampling filter (at most %d)",
                          prefix, L->down_taps, SG3_MAX_DOWN_TAPS)
               : sg3_oom(error, "the filter plans");
  return 0;
}

/* SynthesisInput.__init__'s parameters and buffers. */
static int build_input(sg3_model *m, sg3_stylegan3 *net, char **error) {
  const sg3_config *c = &net->cfg;
  const sg3_tensor_set *set = &m->tensors;
  int C = c->input_channels;
  if (sg3_fc_build(&net->input_affine, set, "synthesis.input.affine", c->w_dim,
                   4, 1.0, error))
    return -1;
  int64_t cc[2] = {C, C}, c2[2] = {C, 2}, c1[1] = {C}, t33[2] = {3, 3};
  const char *p = "synthesis.input";
  const sg3_tensor *iw = sg3_need_tensor(set, p, "weight", 2, cc, error);
  const sg3_tensor *tr =
      iw ? sg3_need_tensor(set, p, "transform", 2, t33, error) : NULL;
  const sg3_tensor *fr =
      tr ? sg3_need_tensor(set, p, "freqs", 2, c2, error) : NULL;
  const sg3_tensor *ph =
      fr ? sg3_need_tensor(set, p, "phases", 1, c1, error) : NULL;
  if (!ph)
    return -1;
  /* weight / sqrt(C) as the official forward computes it, packed for the
   * GEMM. */
  int Cp = sg3_cpad(C);
  net->input_wpack = calloc((size_t)Cp * Cp, sizeof(float));
  if (!net->input_wpack)
    return sg3_oom(error, NULL);
  float g = (float)sqrt((double)C);
  for (int o = 0; o < C; o++)
    for (int i = 0; i < C; i++)
      net->input_wpack[((size_t)(o / SG3_CBLOCK) * Cp + i) * SG3_CBLOCK +
                       o % SG3_CBLOCK] = iw->data[(size_t)o * C + i] / g;
  net->input_transform = tr->data;
  net->input_freqs = fr->data;
  net->input_phases = ph->data;
  return 0;
}

void sg3_stylegan3_set_dims(sg3_model *m, const sg3_config *c) {
  m->z_dim = c->z_dim;
  m->c_dim = c->c_dim;
  m->w_dim = c->w_dim;
  m->num_ws = c->num_ws;
  m->img_resolution = c->img_resolution;
  m->img_channels = c->img_channels;
}

sg3_mapping_config sg3_stylegan3_mapping_config(const sg3_config *c) {
  sg3_mapping_config mc = {.z_dim = c->z_dim,
                           .c_dim = c->c_dim,
                           .w_dim = c->w_dim,
                           .num_ws = c->num_ws,
                           .num_layers = c->mapping_layers,
                           .lr_multiplier = c->mapping_lr_multiplier,
                           .embed_features = c->w_dim,
                           .layer_features = c->w_dim};
  return mc;
}

static int build(sg3_model *m, const sg3_load_options *options, char **error) {
  (void)options;
  sg3_stylegan3 *net = calloc(1, sizeof *net);
  if (!net)
    return sg3_oom(error, NULL);
  m->net = net;
  sg3_config *c = &net->cfg;
  if (sg3_config_parse(m->init_kwargs, c, error))
    return -1;
  sg3_stylegan3_set_dims(m, c);
  sg3_mapping_config mc = sg3_stylegan3_mapping_config(c);
  if (sg3_mapping_build(&m->mapping, &mc, &m->tensors, error))
    return -1;
  return sg3_stylegan3_build_synthesis(m, net, error);
}

int sg3_stylegan3_build_synthesis(sg3_model *m, sg3_stylegan3 *net,
                                  char **error) {
  const sg3_config *c = &net->cfg;
  if (build_input(m, net, error))
    return -1;
  net->layers = calloc((size_t)c->num_layers + 1, sizeof *net->layers);
  if (!net->layers)
    return sg3_oom(error, NULL);
  m->flops = 2.0 * c->input_channels * c->input_channels * c->input_size *
             c->input_size;
  for (int i = 0; i <= c->num_layers; i++) {
    if (build_layer(m, net, i, error))
      return -1;
    m->flops += layer_flops(&c->layers[i]);
  }
  return 0;
}

void sg3_stylegan3_free(sg3_model *m) {
  sg3_stylegan3 *net = m->net;
  if (!net)
    return;
  sg3_fc_free(&net->input_affine);
  free(net->input_wpack);
  for (int i = 0; net->layers && i <= net->cfg.num_layers; i++) {
    sg3_fc_free(&net->layers[i].affine);
    sg3_conv_free(&net->layers[i].conv);
    sg3_filter_plan_free(&net->layers[i].filter);
  }
  free(net->layers);
  sg3_config_clear(&net->cfg);
  free(net);
  m->net = NULL;
}

static void get_info(const sg3_model *m, sg3_model_info *info) {
  const sg3_stylegan3 *net = m->net;
  const sg3_config *c = &net->cfg;
  int r = c->conv_kernel == 1 && c->use_radial_filters;
  info->num_layers = c->num_layers;
  info->conv_kernel = c->conv_kernel;
  info->use_radial_filters = c->use_radial_filters;
  info->config = r ? "stylegan3-r" : "stylegan3-t";
  info->architecture = r ? "r" : "t";
  info->has_noise = 0;
  info->has_transform = 1;
}

/* ---- cost estimate ------------------------------------------------------ */

/* A layer's conv as the generator sees it: only the geometry, no weights. */
static sg3_conv conv_geometry(const sg3_layer_config *L, int winograd) {
  sg3_conv c = {.in_channels = L->in_channels,
                .out_channels = L->out_channels,
                .kernel = L->conv_kernel,
                .cin_pad = sg3_cpad(L->in_channels),
                .cout_pad = sg3_cpad(L->out_channels),
                .demodulate = !L->is_torgb,
                .winograd = winograd && L->conv_kernel == 3};
  return c;
}

/* The generator's buffers (floats): xin, conv, styles and dcoefs (see
 * generator_init). */
static void state_floats(const sg3_config *cfg, const sg3_conv *convs,
                         size_t *xin, size_t *conv, size_t *nstyles,
                         size_t *ndcoefs) {
  size_t Cp = sg3_cpad(cfg->input_channels);
  *xin = *conv = sg3_input_plane(cfg) / SG3_CBLOCK * Cp;
  *nstyles = *ndcoefs = 0;
  for (int i = 0; i <= cfg->num_layers; i++) {
    const sg3_conv *c = &convs[i];
    int in = cfg->layers[i].in_size, pad = cfg->layers[i].conv_kernel - 1;
    *xin =
        max_sz(*xin, sg3_conv_in_plane(c, in, pad) / SG3_CBLOCK * c->cin_pad);
    *conv = max_sz(*conv,
                   sg3_conv_out_plane(c, in, pad) / SG3_CBLOCK * c->cout_pad);
    *nstyles += c->cin_pad;
    *ndcoefs += c->cout_pad;
  }
}

int sg3_stylegan3_estimate_config(const sg3_config *cfg, int winograd,
                                  const sg3_simd *simd, int nthreads,
                                  sg3_estimate *e, char **error) {
  sg3_config c = *cfg;
  memset(e, 0, sizeof *e);
  const int nl = c.num_layers + 1;
  sg3_conv *convs = calloc((size_t)nl, sizeof *convs);
  if (!convs)
    return sg3_oom(error, NULL);
  const int S = c.input_size, Cp = sg3_cpad(c.input_channels);
  double model = (double)Cp * Cp; /* the input layer's packed weight */
  size_t scratch = sg3_gemm_pack(sg3_gemm_mc(S * S, simd->mr, nthreads),
                                 simd->mr, 1, Cp / 16);
  e->flops = 2.0 * c.input_channels * c.input_channels * S * S;
  for (int i = 0; i < nl; i++) {
    const sg3_layer_config *L = &c.layers[i];
    convs[i] = conv_geometry(L, winograd);
    const sg3_conv *cv = &convs[i];
    int k = L->conv_kernel, pad = k - 1;
    /* sg3_conv_prepare: packed weights, weight_sq, bias; the affine */
    model += (double)(cv->winograd ? 36 : k * k) * cv->cin_pad * cv->cout_pad +
             (double)L->in_channels * L->out_channels + cv->cout_pad +
             (double)c.w_dim * L->in_channels;
    /* the filter's scratch, as sg3_filter_scratch computes it from the
     * plan sg3_filter_plan_build would make (without its tables) */
    int n = L->in_size + k - 1;
    size_t wu = (size_t)n * L->up_factor + L->padding[0] + L->padding[1] -
                L->up_taps + 1;
    size_t dtaps = L->down_taps, vlen = (size_t)n + 2 * L->up_taps;
    size_t ring = dtaps * (L->down_radial ? wu : (size_t)L->out_size);
    size_t urow = wu * (L->down_radial ? (dtaps + 1) / 2 : 1);
    scratch = max_sz(scratch, (vlen + ring + urow) * SG3_CBLOCK);
    scratch =
        max_sz(scratch, sg3_conv_scratch(cv, L->in_size, pad, simd, nthreads));
    scratch = max_sz(scratch, (size_t)cv->cin_pad);
    e->flops += layer_flops(L);
  }
  size_t xin, conv, nstyles, ndcoefs;
  state_floats(&c, convs, &xin, &conv, &nstyles, &ndcoefs);
  double gen = (double)xin + conv + nstyles + ndcoefs +
               sg3_input_tab_floats(&c) +
               (double)((scratch + 15) / 16 * 16) * nthreads;
  e->model_bytes = model * sizeof(float);
  e->generator_bytes = gen * sizeof(float);
  free(convs);
  return 0;
}

static int estimate(const char *init_kwargs, const char *schedule, int winograd,
                    const sg3_simd *simd, int nthreads, sg3_estimate *e,
                    char **error) {
  (void)schedule; /* derived from init_kwargs */
  sg3_config c;
  if (sg3_config_parse(init_kwargs, &c, error))
    return -1;
  int rc =
      sg3_stylegan3_estimate_config(&c, winograd, simd, nthreads, e, error);
  sg3_config_clear(&c);
  return rc;
}

/* ---- generators --------------------------------------------------------- */

/* Conv geometry of layer i: its input size and padding k - 1. */
static int conv_pad(const sg3_synthesis_layer *l) {
  return l->cfg->conv_kernel - 1;
}

size_t sg3_stylegan3_scratch_floats(const sg3_model *m, const sg3_simd *simd,
                                    int nthreads) {
  const sg3_stylegan3 *net = m->net;
  const sg3_config *cfg = &net->cfg;
  int S = cfg->input_size, Cp = sg3_cpad(cfg->input_channels);
  /* The input layer's product, then each layer's conv and filter; the
   * modulation borrows in_channels floats. */
  size_t n = sg3_gemm_pack(sg3_gemm_mc(S * S, simd->mr, nthreads), simd->mr, 1,
                           Cp / 16);
  for (int i = 0; i <= cfg->num_layers; i++) {
    const sg3_synthesis_layer *l = &net->layers[i];
    n = max_sz(n, sg3_filter_scratch(&l->filter));
    n = max_sz(n, sg3_conv_scratch(&l->conv, l->cfg->in_size, conv_pad(l), simd,
                                   nthreads));
    n = max_sz(n, (size_t)l->conv.cin_pad);
  }
  return n;
}

int sg3_stylegan3_generator_init(sg3_generator *g, char **error) {
  const sg3_stylegan3 *net = g->model->net;
  const sg3_config *cfg = &net->cfg;
  const int nl = cfg->num_layers + 1;
  sg3_conv *convs = calloc((size_t)nl, sizeof *convs);
  if (!convs)
    return sg3_oom(error, NULL);
  for (int i = 0; i < nl; i++)
    convs[i] = net->layers[i].conv;
  /* The input layer's features live in xin, its product in conv. */
  size_t xin, conv, nstyles, ndcoefs;
  state_floats(cfg, convs, &xin, &conv, &nstyles, &ndcoefs);
  free(convs);
  sg3_stylegan3_state *s = calloc(1, sizeof *s);
  if (!s)
    return sg3_oom(error, NULL);
  g->net_state = s;
  /* Zeroed, so finite everywhere: GEMM micro-tiles read a little past the
   * data into the slack (results there are never used). */
  s->xin = sg3_alloc_floats(xin);
  s->conv = sg3_alloc_floats(conv);
  s->styles = sg3_alloc_floats(nstyles);
  s->dcoefs = sg3_alloc_floats(ndcoefs);
  s->style_off = calloc((size_t)nl, sizeof(size_t));
  s->dcoef_off = calloc((size_t)nl, sizeof(size_t));
  s->input_tab = sg3_alloc_floats(sg3_input_tab_floats(cfg));
  if (!s->xin || !s->conv || !s->styles || !s->dcoefs || !s->style_off ||
      !s->dcoef_off || !s->input_tab)
    return sg3_oom(error, "the generator's buffers");
  for (int i = 0, so = 0, dof = 0; i < nl; i++) {
    s->style_off[i] = so;
    s->dcoef_off[i] = dof;
    so += net->layers[i].conv.cin_pad;
    dof += net->layers[i].conv.cout_pad;
  }
  return 0;
}

void sg3_stylegan3_generator_free(sg3_generator *g) {
  sg3_stylegan3_state *s = g->net_state;
  free(s->xin);
  free(s->conv);
  free(s->styles);
  free(s->dcoefs);
  free(s->style_off);
  free(s->dcoef_off);
  free(s->input_tab);
  free(s->debug);
  free(s);
  g->net_state = NULL;
}

int sg3_stylegan3_num_stages(const sg3_model *m) {
  const sg3_stylegan3 *net = m->net;
  return SG3_STAGE_LAYER0 + net->cfg.num_layers + 1;
}

const char *sg3_stylegan3_stage_name(const sg3_model *m, int stage) {
  const sg3_stylegan3 *net = m->net;
  if (stage == SG3_STAGE_STYLES)
    return "styles";
  if (stage == SG3_STAGE_INPUT)
    return "input";
  return net->cfg.layers[stage - SG3_STAGE_LAYER0].name;
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

/* A filter designed as SynthesisLayer.design_lowpass_filter does, stored
 * under its state-dict name like the official buffers. */
static int add_designed_filter(sg3_tensor_set *set, const char *name, int taps,
                               double cutoff, double width, double fs,
                               int radial, char **error) {
  int64_t shape[2] = {taps, taps};
  size_t n;
  float *f = add(set, name, radial ? 2 : 1, shape, &n, error);
  if (!f)
    return -1;
  return sg3_design_lowpass_filter(taps, cutoff, width, fs, radial, f, error);
}

static int random_tensors(const char *init_kwargs, uint64_t seed,
                          sg3_tensor_set *set, char **error) {
  sg3_config c;
  if (sg3_config_parse(init_kwargs, &c, error))
    return -1;
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, (uint32_t)(seed ^ (seed >> 32)));
  sg3_mapping_config mc = sg3_stylegan3_mapping_config(&c);
  int rc = -1;
  if (sg3_mapping_random(&mc, &rs, set, error) ||
      sg3_stylegan3_random_synthesis(&c, &rs, set, error))
    goto out;
  rc = 0;
out:
  sg3_config_clear(&c);
  return rc;
}

int sg3_stylegan3_random_synthesis(const sg3_config *cfg, sg3_randomstate *rs,
                                   sg3_tensor_set *set, char **error) {
  const sg3_config c = *cfg;
  float *d;
  size_t n;
  int C = c.input_channels;
  int64_t cc[2] = {C, C}, aw[2] = {4, c.w_dim}, a4[1] = {4}, t33[2] = {3, 3};
  int64_t c2[2] = {C, 2}, c1[1] = {C};
  if (!(d = add(set, "synthesis.input.weight", 2, cc, &n, error)))
    return -1;
  for (size_t i = 0; i < n; i++)
    d[i] = (float)sg3_random_gauss(rs);
  if (!add(set, "synthesis.input.affine.weight", 2, aw, &n, error) ||
      !(d = add(set, "synthesis.input.affine.bias", 1, a4, &n, error)))
    return -1;
  d[0] = 1.0f;
  if (!(d = add(set, "synthesis.input.transform", 2, t33, &n, error)))
    return -1;
  d[0] = d[4] = d[8] = 1.0f;
  /* Frequencies uniform in a disc of radius bandwidth, as the official
   * constructor draws them. */
  if (!(d = add(set, "synthesis.input.freqs", 2, c2, &n, error)))
    return -1;
  for (int i = 0; i < C; i++) {
    double x = sg3_random_gauss(rs), y = sg3_random_gauss(rs);
    double r = sqrt(x * x + y * y) + 1e-12;
    double s = c.input_bandwidth / (r * pow(exp(r * r), 0.25));
    d[2 * i] = (float)(x * s);
    d[2 * i + 1] = (float)(y * s);
  }
  if (!(d = add(set, "synthesis.input.phases", 1, c1, &n, error)))
    return -1;
  for (size_t i = 0; i < n; i++)
    d[i] = (float)(sg3_random_double(rs) - 0.5);
  for (int l = 0; l <= c.num_layers; l++) {
    const sg3_layer_config *L = &c.layers[l];
    int k = L->conv_kernel;
    char name[128];
    int64_t afw[2] = {L->in_channels, c.w_dim}, afb[1] = {L->in_channels};
    int64_t w[4] = {L->out_channels, L->in_channels, k, k};
    int64_t b[1] = {L->out_channels};
    snprintf(name, sizeof name, "synthesis.%s.affine.weight", L->name);
    if (!(d = add(set, name, 2, afw, &n, error)))
      return -1;
    for (size_t i = 0; i < n; i++)
      d[i] = (float)sg3_random_gauss(rs);
    snprintf(name, sizeof name, "synthesis.%s.affine.bias", L->name);
    if (!(d = add(set, name, 1, afb, &n, error)))
      return -1;
    for (size_t i = 0; i < n; i++)
      d[i] = 1.0f;
    snprintf(name, sizeof name, "synthesis.%s.weight", L->name);
    if (!(d = add(set, name, 4, w, &n, error)))
      return -1;
    for (size_t i = 0; i < n; i++)
      d[i] = (float)sg3_random_gauss(rs);
    snprintf(name, sizeof name, "synthesis.%s.bias", L->name);
    if (!add(set, name, 1, b, &n, error))
      return -1;
    snprintf(name, sizeof name, "synthesis.%s.magnitude_ema", L->name);
    if (!(d = add(set, name, 0, NULL, &n, error)))
      return -1;
    d[0] = 1.0f;
    snprintf(name, sizeof name, "synthesis.%s.up_filter", L->name);
    if (L->up_taps > 1 &&
        add_designed_filter(set, name, L->up_taps, L->in_cutoff,
                            L->in_half_width * 2, L->tmp_sampling_rate, 0,
                            error))
      return -1;
    snprintf(name, sizeof name, "synthesis.%s.down_filter", L->name);
    if (L->down_taps > 1 &&
        add_designed_filter(set, name, L->down_taps, L->out_cutoff,
                            L->out_half_width * 2, L->tmp_sampling_rate,
                            L->down_radial, error))
      return -1;
  }
  return 0;
}

const sg3_family sg3_family_stylegan3 = {
    .name = "stylegan3",
    .u8_rule = SG3_U8_STYLEGAN3,
    .estimate = estimate,
    .build = build,
    .free = sg3_stylegan3_free,
    .get_info = get_info,
    .random = random_tensors,
    .scratch_floats = sg3_stylegan3_scratch_floats,
    .generator_init = sg3_stylegan3_generator_init,
    .generator_free = sg3_stylegan3_generator_free,
    .num_stages = sg3_stylegan3_num_stages,
    .stage_name = sg3_stylegan3_stage_name,
    .synthesis = sg3_stylegan3_synthesis,
};
