/* Model loading: read a file, detect its format, check every tensor against
 * the schedule rebuilt from init_kwargs, precompute per-model constants. */
#include "model.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "filter_design.h"
#include "io/file.h"
#include "io/model_file.h"
#include "numpy_random.h"

/* Looks up `prefix.suffix` and checks its shape; NULL with *error set. */
static const sg3_tensor *need(const sg3_tensor_set *set, const char *prefix,
                              const char *suffix, int ndim,
                              const int64_t *shape, char **error) {
  char name[160];
  snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", suffix);
  const sg3_tensor *t = sg3_tensor_set_find(set, name);
  if (!t) {
    sg3_set_error(error, "missing tensor '%s'", name);
    return NULL;
  }
  int ok = t->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++)
    ok = t->shape[i] == shape[i];
  if (!ok) {
    char want[96] = "", got[96] = "";
    for (int i = 0; i < ndim; i++)
      snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld",
               i ? ", " : "", (long long)shape[i]);
    for (int i = 0; i < t->ndim; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld",
               i ? ", " : "", (long long)t->shape[i]);
    sg3_set_error(error,
                  "tensor '%s' has shape [%s] but init_kwargs imply [%s]", name,
                  got, want);
    return NULL;
  }
  for (size_t i = 0; i < t->numel; i++)
    if (!isfinite(t->data[i])) {
      sg3_set_error(error, "tensor '%s' contains NaN or infinity", name);
      return NULL;
    }
  return t;
}

static int build_fc(const sg3_tensor_set *set, const char *prefix, int in,
                    int out, double lr_multiplier, sg3_fc *fc, char **error) {
  int64_t ws[2] = {out, in}, bs[1] = {out};
  const sg3_tensor *w = need(set, prefix, "weight", 2, ws, error);
  const sg3_tensor *b = w ? need(set, prefix, "bias", 1, bs, error) : NULL;
  if (!b)
    return -1;
  fc->in = in;
  fc->out = out;
  fc->weight = malloc((size_t)in * out * sizeof(float));
  fc->bias = malloc((size_t)out * sizeof(float));
  if (!fc->weight || !fc->bias)
    return sg3_set_error(error, "out of memory");
  /* Same float32 products as the official forward(). */
  float wg = (float)(lr_multiplier / sqrt((double)in));
  float bg = (float)lr_multiplier;
  for (size_t i = 0; i < (size_t)in * out; i++)
    fc->weight[i] = w->data[i] * wg;
  for (int i = 0; i < out; i++)
    fc->bias[i] = lr_multiplier != 1 ? b->data[i] * bg : b->data[i];
  return 0;
}

static void free_fc(sg3_fc *fc) {
  free(fc->weight);
  free(fc->bias);
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

/* G g G^T for Winograd's F(4x4, 3x3) (kernels.h), in double. */
static void wino_weight(const float *g, float *u) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                 {0, 0, 1}};
  double t[6][3];
  for (int a = 0; a < 6; a++)
    for (int j = 0; j < 3; j++)
      t[a][j] = G[a][0] * g[j] + G[a][1] * g[3 + j] + G[a][2] * g[6 + j];
  for (int a = 0; a < 6; a++)
    for (int b = 0; b < 6; b++)
      u[a * 6 + b] =
          (float)(t[a][0] * G[b][0] + t[a][1] * G[b][1] + t[a][2] * G[b][2]);
}

/* The polyphase form of one upfirdn2d pass (upsampling by `up`, padding p0
 * before, filter f of `taps` or identity): output j = up * q + r is
 * sum_t f'[r][t] x[q + base[r] + t], where the taps of phase r are the
 * flipped filter's taps that meet a non-zero of the zero-stuffed input,
 * times the pass's gain (up). */
static int build_up_plan(int up, int taps, const float *f, int p0,
                         sg3_up_plan *u) {
  if (up < 1 || taps < 1)
    return -1;
  int nq = 1;
  for (int r = 0; r < up; r++) {
    int t0 = ((p0 - r) % up + up) % up;
    int q = (taps - t0 + up - 1) / up;
    if (q > nq)
      nq = q;
  }
  u->up = up;
  u->taps = nq;
  u->base = malloc((size_t)up * sizeof(int));
  u->f = calloc((size_t)up * nq, sizeof(float));
  if (!u->base || !u->f)
    return -1;
  for (int r = 0; r < up; r++) {
    int t0 = ((p0 - r) % up + up) % up;
    u->base[r] = (r + t0 - p0) / up; /* an exact multiple of up */
    for (int t = 0; t0 + up * t < taps; t++) {
      int tf = t0 + up * t;
      u->f[(size_t)r * nq + t] = (f ? f[taps - 1 - tf] : 1.0f) * (float)up;
    }
  }
  return 0;
}

static int build_filter_plan(const sg3_layer_config *L, const float *fu,
                             const float *fd, sg3_filter_plan *p) {
  p->n = L->in_size + L->conv_kernel - 1;
  p->wu = p->n * L->up_factor + L->padding[0] + L->padding[1] - L->up_taps + 1;
  p->hu = p->n * L->up_factor + L->padding[2] + L->padding[3] - L->up_taps + 1;
  p->size = L->out_size;
  if (build_up_plan(L->up_factor, L->up_taps, fu, L->padding[0], &p->ux) ||
      build_up_plan(L->up_factor, L->up_taps, fu, L->padding[2], &p->uy))
    return -1;
  /* Input pixels the horizontal pass reads outside [0, n) are zeros. */
  int lo = 0, hi = p->n - 1;
  for (int r = 0; r < p->ux.up && r < p->wu; r++) {
    int qmax = (p->wu - 1 - r) / p->ux.up;
    if (p->ux.base[r] < lo)
      lo = p->ux.base[r];
    if (qmax + p->ux.base[r] + p->ux.taps - 1 > hi)
      hi = qmax + p->ux.base[r] + p->ux.taps - 1;
  }
  p->margin_l = -lo;
  p->margin_r = hi - (p->n - 1);
  p->down = L->down_factor;
  p->dtaps = fd ? L->down_taps : 1;
  p->radial = fd && L->down_radial;
  size_t nd = p->radial ? (size_t)p->dtaps * p->dtaps : (size_t)p->dtaps;
  p->fd = malloc(nd * sizeof(float));
  if (!p->fd)
    return -1;
  for (size_t i = 0; i < nd; i++)
    p->fd[i] = fd ? fd[nd - 1 - i] : 1.0f; /* flipped in both axes */
  p->radial_fold = p->radial;
  for (int y = 0; p->radial_fold && y < p->dtaps / 2; y++)
    for (int x = 0; x < p->dtaps; x++)
      if (p->fd[y * p->dtaps + x] != p->fd[(p->dtaps - 1 - y) * p->dtaps + x])
        p->radial_fold = 0;
  p->gain = L->gain;
  p->slope = L->slope;
  p->clamp = L->conv_clamp;
  return 0;
}

static void free_filter_plan(sg3_filter_plan *p) {
  free(p->ux.base);
  free(p->ux.f);
  free(p->uy.base);
  free(p->uy.f);
  free(p->fd);
}

static int build_layer(sg3_model *m, int idx, char **error) {
  const sg3_config *c = &m->cfg;
  const sg3_layer_config *L = &c->layers[idx];
  const sg3_tensor_set *set = &m->tensors;
  sg3_layer *l = &m->layers[idx];
  char prefix[64], affine[80];
  snprintf(prefix, sizeof prefix, "synthesis.%s", L->name);
  snprintf(affine, sizeof affine, "%s.affine", prefix);
  l->cfg = L;
  if (build_fc(set, affine, c->w_dim, L->in_channels, 1.0, &l->affine, error))
    return -1;
  int k = L->conv_kernel;
  int64_t wshape[4] = {L->out_channels, L->in_channels, k, k};
  int64_t bshape[1] = {L->out_channels};
  const sg3_tensor *w = need(set, prefix, "weight", 4, wshape, error);
  const sg3_tensor *b = w ? need(set, prefix, "bias", 1, bshape, error) : NULL;
  const sg3_tensor *mag =
      b ? need(set, prefix, "magnitude_ema", 0, NULL, error) : NULL;
  if (!mag)
    return -1;
  if (!(mag->data[0] > 0))
    return sg3_set_error(error, "%s.magnitude_ema must be positive", prefix);
  l->weight = w->data;
  l->bias = b->data;
  l->input_gain = 1.0f / sqrtf(mag->data[0]);
  l->style_gain =
      L->is_torgb ? (float)(1 / sqrt((double)L->in_channels * k * k)) : 1.0f;

  /* Demodulation pre-normalisation depends only on the weights; the
   * normalised weight goes straight into the GEMM's packed layout. */
  size_t per_out = (size_t)L->in_channels * k * k;
  l->cin_pad = sg3_cpad(L->in_channels);
  l->cout_pad = sg3_cpad(L->out_channels);
  /* SG3_NO_WINOGRAD=1 at load time: direct 3x3 convolutions (to compare). */
  const char *no_wino = getenv("SG3_NO_WINOGRAD");
  l->winograd = k == 3 && !(no_wino && *no_wino && strcmp(no_wino, "0"));
  size_t kdim = (size_t)(l->winograd ? 36 : k * k) * l->cin_pad;
  float *wd = malloc(per_out * sizeof(float));
  l->weight_sq =
      malloc((size_t)L->in_channels * L->out_channels * sizeof(float));
  l->wpack = calloc(kdim * l->cout_pad, sizeof(float));
  l->bias_pad = calloc((size_t)l->cout_pad, sizeof(float));
  if (!wd || !l->weight_sq || !l->wpack || !l->bias_pad) {
    free(wd);
    return sg3_set_error(error, "out of memory");
  }
  for (int o = 0; o < L->out_channels; o++) {
    const float *wo = w->data + o * per_out;
    double sum = 0;
    for (size_t i = 0; i < per_out; i++)
      sum += (double)wo[i] * wo[i];
    float scale = L->is_torgb ? 1.0f : 1.0f / sqrtf((float)(sum / per_out));
    for (size_t i = 0; i < per_out; i++)
      wd[i] = wo[i] * scale;
    for (int i = 0; i < L->in_channels; i++) {
      float s = 0;
      for (int t = 0; t < k * k; t++)
        s += wd[i * k * k + t] * wd[i * k * k + t];
      l->weight_sq[(size_t)o * L->in_channels + i] = s;
    }
    if (l->winograd) {
      for (int i = 0; i < L->in_channels; i++) {
        float u[36];
        wino_weight(wd + (size_t)i * 9, u);
        for (int xi = 0; xi < 36; xi++)
          l->wpack[(((size_t)xi * l->cout_pad + o / SG3_CBLOCK * SG3_CBLOCK) *
                        l->cin_pad +
                    (size_t)i * SG3_CBLOCK) +
                   o % SG3_CBLOCK] = u[xi];
      }
    } else {
      float *panel = l->wpack + (size_t)(o / SG3_CBLOCK) * kdim * SG3_CBLOCK;
      for (int i = 0; i < L->in_channels; i++)
        for (int t = 0; t < k * k; t++)
          panel[((size_t)t * l->cin_pad + i) * SG3_CBLOCK + o % SG3_CBLOCK] =
              wd[i * k * k + t];
    }
    l->bias_pad[o] = l->bias[o];
  }
  free(wd);

  /* Filters: the stored buffers (sg3_model_new_random designs them). */
  if (L->up_taps > 1) {
    int64_t shape[1] = {L->up_taps};
    const sg3_tensor *f = need(set, prefix, "up_filter", 1, shape, error);
    if (!f)
      return -1;
    l->up_filter = f->data;
  }
  if (L->down_taps > 1) {
    int64_t shape[2] = {L->down_taps, L->down_taps};
    const sg3_tensor *f =
        need(set, prefix, "down_filter", L->down_radial ? 2 : 1, shape, error);
    if (!f)
      return -1;
    l->down_filter = f->data;
  }
  if (build_filter_plan(L, l->up_filter, l->down_filter, &l->filter))
    return sg3_set_error(error, "out of memory");
  return 0;
}

static int build(sg3_model *m, char **error) {
  const sg3_config *c = &m->cfg;
  const sg3_tensor_set *set = &m->tensors;
  m->config_name = c->conv_kernel == 1 && c->use_radial_filters ? "stylegan3-r"
                                                                : "stylegan3-t";

  /* MappingNetwork */
  if (c->c_dim > 0 &&
      build_fc(set, "mapping.embed", c->c_dim, c->w_dim, 1.0, &m->embed, error))
    return -1;
  m->fc = calloc((size_t)c->mapping_layers, sizeof *m->fc);
  if (!m->fc)
    return sg3_set_error(error, "out of memory");
  for (int i = 0; i < c->mapping_layers; i++) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "mapping.fc%d", i);
    int in = i == 0 ? c->z_dim + (c->c_dim > 0 ? c->w_dim : 0) : c->w_dim;
    if (build_fc(set, prefix, in, c->w_dim, c->mapping_lr_multiplier, &m->fc[i],
                 error))
      return -1;
  }
  int64_t wdim[1] = {c->w_dim};
  const sg3_tensor *t = need(set, "mapping", "w_avg", 1, wdim, error);
  if (!t)
    return -1;
  m->w_avg = t->data;

  /* SynthesisInput */
  int C = c->input_channels;
  if (build_fc(set, "synthesis.input.affine", c->w_dim, 4, 1.0,
               &m->input_affine, error))
    return -1;
  int64_t cc[2] = {C, C}, c2[2] = {C, 2}, c1[1] = {C}, t33[2] = {3, 3};
  const sg3_tensor *iw = need(set, "synthesis.input", "weight", 2, cc, error);
  const sg3_tensor *tr =
      iw ? need(set, "synthesis.input", "transform", 2, t33, error) : NULL;
  const sg3_tensor *fr =
      tr ? need(set, "synthesis.input", "freqs", 2, c2, error) : NULL;
  const sg3_tensor *ph =
      fr ? need(set, "synthesis.input", "phases", 1, c1, error) : NULL;
  if (!ph)
    return -1;
  /* weight / sqrt(C) as the official forward computes it, packed for the
   * GEMM. */
  int Cp = sg3_cpad(C);
  m->input_wpack = calloc((size_t)Cp * Cp, sizeof(float));
  if (!m->input_wpack)
    return sg3_set_error(error, "out of memory");
  float g = (float)sqrt((double)C);
  for (int o = 0; o < C; o++)
    for (int i = 0; i < C; i++)
      m->input_wpack[((size_t)(o / SG3_CBLOCK) * Cp + i) * SG3_CBLOCK +
                     o % SG3_CBLOCK] = iw->data[(size_t)o * C + i] / g;
  m->input_transform = tr->data;
  m->input_freqs = fr->data;
  m->input_phases = ph->data;

  m->layers = calloc((size_t)c->num_layers + 1, sizeof *m->layers);
  if (!m->layers)
    return sg3_set_error(error, "out of memory");
  m->flops = 2.0 * C * C * c->input_size * c->input_size;
  for (int i = 0; i <= c->num_layers; i++) {
    if (build_layer(m, i, error))
      return -1;
    m->flops += layer_flops(&c->layers[i]);
  }
  return 0;
}

static sg3_model *model_new(sg3_tensor_set *set, const char *name,
                            char **error) {
  sg3_model *m = calloc(1, sizeof *m);
  if (!m) {
    sg3_tensor_set_clear(set);
    sg3_set_error(error, "out of memory");
    return NULL;
  }
  m->refcount = 1;
  m->tensors = *set;
  sg3_tensor_set_init(set);
  m->init_kwargs = m->tensors.init_kwargs;
  if (!m->init_kwargs) {
    sg3_set_error(error, "%s: the model has no init_kwargs", name);
    sg3_model_unref(m);
    return NULL;
  }
  if (sg3_config_parse(m->init_kwargs, &m->cfg, error) || build(m, error)) {
    sg3_prefix_error(error, "%s", name);
    sg3_model_unref(m);
    return NULL;
  }
  return m;
}

sg3_model *sg3_model_from_tensors(sg3_tensor_set *set, const char *name,
                                  char **error) {
  return model_new(set, name, error);
}

sg3_model *sg3_model_load_from_memory(const void *data, size_t size,
                                      const char *name, char **error) {
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  if (!name)
    name = "model";
  if (sg3_model_file_read(data, size, name, &set, error)) {
    sg3_tensor_set_clear(&set);
    return NULL;
  }
  return model_new(&set, name, error);
}

sg3_model *sg3_model_load(const char *path, char **error) {
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  if (sg3_model_file_load(path, &set, error)) {
    sg3_tensor_set_clear(&set);
    return NULL;
  }
  return model_new(&set, path, error);
}

/* A filter designed as SynthesisLayer.design_lowpass_filter does, stored
 * under its state-dict name like the official buffers. */
static int add_designed_filter(sg3_tensor_set *set, const char *name, int taps,
                               double cutoff, double width, double fs,
                               int radial, char **error) {
  size_t n = radial ? (size_t)taps * taps : (size_t)taps;
  float *f = malloc(n * sizeof(float));
  if (!f)
    return sg3_set_error(error, "out of memory");
  if (sg3_design_lowpass_filter(taps, cutoff, width, fs, radial, f, error)) {
    free(f);
    return -1;
  }
  int64_t shape[2] = {taps, taps};
  return sg3_tensor_set_add(set, name, radial ? 2 : 1, shape, f, error);
}

/* Random weights shaped by the schedule; enough to benchmark and to test the
 * filter design, not a trained network. */
sg3_model *sg3_model_new_random(const char *init_kwargs_json, uint64_t seed,
                                char **error) {
  sg3_config c;
  if (sg3_config_parse(init_kwargs_json, &c, error))
    return NULL;
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, (uint32_t)(seed ^ (seed >> 32)));
  int bad = 0;
#define ADD(nm, nd, fill, ...)                                                 \
  do {                                                                         \
    if (bad)                                                                   \
      break;                                                                   \
    int64_t shp[] = {__VA_ARGS__};                                             \
    int ok;                                                                    \
    size_t n = sg3_shape_numel(nd, shp, &ok);                                  \
    float *d = malloc((n ? n : 1) * sizeof(float));                            \
    if (!d) {                                                                  \
      bad = sg3_set_error(error, "out of memory");                             \
      break;                                                                   \
    }                                                                          \
    for (size_t i_ = 0; i_ < n; i_++)                                          \
      d[i_] = (fill);                                                          \
    bad = sg3_tensor_set_add(&set, nm, nd, shp, d, error);                     \
  } while (0)
  char name[128];
  if (c.c_dim > 0) {
    ADD("mapping.embed.weight", 2, (float)sg3_random_gauss(&rs), c.w_dim,
        c.c_dim);
    ADD("mapping.embed.bias", 1, 0.0f, c.w_dim);
  }
  for (int i = 0; i < c.mapping_layers && !bad; i++) {
    int in = i == 0 ? c.z_dim + (c.c_dim > 0 ? c.w_dim : 0) : c.w_dim;
    snprintf(name, sizeof name, "mapping.fc%d.weight", i);
    ADD(name, 2, (float)(sg3_random_gauss(&rs) / c.mapping_lr_multiplier),
        c.w_dim, in);
    snprintf(name, sizeof name, "mapping.fc%d.bias", i);
    ADD(name, 1, 0.0f, c.w_dim);
  }
  ADD("mapping.w_avg", 1, 0.0f, c.w_dim);
  int C = c.input_channels;
  ADD("synthesis.input.weight", 2, (float)sg3_random_gauss(&rs), C, C);
  ADD("synthesis.input.affine.weight", 2, 0.0f, 4, c.w_dim);
  ADD("synthesis.input.affine.bias", 1, i_ == 0 ? 1.0f : 0.0f, 4);
  ADD("synthesis.input.transform", 2, (i_ % 4 == 0) ? 1.0f : 0.0f, 3, 3);
  /* Frequencies uniform in a disc of radius bandwidth, as the official
   * constructor draws them. */
  if (!bad) {
    int64_t shp[2] = {C, 2};
    float *f = malloc((size_t)C * 2 * sizeof(float));
    if (!f)
      bad = sg3_set_error(error, "out of memory");
    for (int i = 0; f && i < C; i++) {
      double x = sg3_random_gauss(&rs), y = sg3_random_gauss(&rs);
      double r = sqrt(x * x + y * y) + 1e-12;
      double s = c.input_bandwidth / (r * pow(exp(r * r), 0.25));
      f[2 * i] = (float)(x * s);
      f[2 * i + 1] = (float)(y * s);
    }
    if (f)
      bad = sg3_tensor_set_add(&set, "synthesis.input.freqs", 2, shp, f, error);
  }
  ADD("synthesis.input.phases", 1, (float)(sg3_random_double(&rs) - 0.5), C);
  for (int l = 0; l <= c.num_layers && !bad; l++) {
    const sg3_layer_config *L = &c.layers[l];
    int k = L->conv_kernel;
    snprintf(name, sizeof name, "synthesis.%s.affine.weight", L->name);
    ADD(name, 2, (float)sg3_random_gauss(&rs), L->in_channels, c.w_dim);
    snprintf(name, sizeof name, "synthesis.%s.affine.bias", L->name);
    ADD(name, 1, 1.0f, L->in_channels);
    snprintf(name, sizeof name, "synthesis.%s.weight", L->name);
    ADD(name, 4, (float)sg3_random_gauss(&rs), L->out_channels, L->in_channels,
        k, k);
    snprintf(name, sizeof name, "synthesis.%s.bias", L->name);
    ADD(name, 1, 0.0f, L->out_channels);
    snprintf(name, sizeof name, "synthesis.%s.magnitude_ema", L->name);
    ADD(name, 0, 1.0f, 1);
    snprintf(name, sizeof name, "synthesis.%s.up_filter", L->name);
    if (!bad && L->up_taps > 1)
      bad = add_designed_filter(&set, name, L->up_taps, L->in_cutoff,
                                L->in_half_width * 2, L->tmp_sampling_rate, 0,
                                error);
    snprintf(name, sizeof name, "synthesis.%s.down_filter", L->name);
    if (!bad && L->down_taps > 1)
      bad = add_designed_filter(&set, name, L->down_taps, L->out_cutoff,
                                L->out_half_width * 2, L->tmp_sampling_rate,
                                L->down_radial, error);
  }
#undef ADD
  sg3_config_clear(&c);
  if (!bad)
    set.init_kwargs = strdup(init_kwargs_json);
  if (bad || !set.init_kwargs) {
    sg3_set_error(error, "out of memory");
    sg3_tensor_set_clear(&set);
    return NULL;
  }
  return model_new(&set, "random model", error);
}

int sg3_model_save_safetensors(const sg3_model *m, const char *path,
                               char **error) {
  return sg3_safetensors_write(&m->tensors, path, error);
}

sg3_model *sg3_model_ref(sg3_model *m) {
  if (m)
    __atomic_add_fetch(&m->refcount, 1, __ATOMIC_RELAXED);
  return m;
}

void sg3_model_unref(sg3_model *m) {
  if (!m || __atomic_sub_fetch(&m->refcount, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  free_fc(&m->embed);
  for (int i = 0; m->fc && i < m->cfg.mapping_layers; i++)
    free_fc(&m->fc[i]);
  free(m->fc);
  free_fc(&m->input_affine);
  free(m->input_wpack);
  for (int i = 0; m->layers && i <= m->cfg.num_layers; i++) {
    free_fc(&m->layers[i].affine);
    free(m->layers[i].wpack);
    free(m->layers[i].bias_pad);
    free_filter_plan(&m->layers[i].filter);
    free(m->layers[i].weight_sq);
  }
  free(m->layers);
  sg3_config_clear(&m->cfg);
  sg3_tensor_set_clear(&m->tensors); /* frees init_kwargs too */
  free(m);
}

void sg3_model_get_info(const sg3_model *m, sg3_model_info *info) {
  memset(info, 0, sizeof *info);
  info->img_resolution = m->cfg.img_resolution;
  info->img_channels = m->cfg.img_channels;
  info->c_dim = m->cfg.c_dim;
  info->z_dim = m->cfg.z_dim;
  info->w_dim = m->cfg.w_dim;
  info->num_ws = m->cfg.num_ws;
  info->num_layers = m->cfg.num_layers;
  info->conv_kernel = m->cfg.conv_kernel;
  info->use_radial_filters = m->cfg.use_radial_filters;
  info->flops = m->flops;
  info->config = m->config_name;
  info->init_kwargs = m->init_kwargs;
}
