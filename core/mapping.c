#include "mapping.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* features_list of the official constructor: [z_dim + embed_features] +
 * [layer_features] * (num_layers - 1) + [w_dim]. */
static int layer_in(const sg3_mapping_config *c, int i) {
  if (i > 0)
    return c->layer_features;
  if (c->kind == SG3_MAPPING_XL) /* the class projected to z_dim */
    return c->z_dim + (c->c_dim > 0 ? c->z_dim : 0);
  return c->z_dim + (c->c_dim > 0 ? c->embed_features : 0);
}

static int xl_conditional(const sg3_mapping_config *c) {
  return c->kind == SG3_MAPPING_XL && c->c_dim > 0;
}

static int layer_out(const sg3_mapping_config *c, int i) {
  return i == c->num_layers - 1 ? c->w_dim : c->layer_features;
}

int sg3_mapping_build(sg3_mapping_network *mn, const sg3_mapping_config *c,
                      const sg3_tensor_set *set, char **error) {
  memset(mn, 0, sizeof *mn);
  mn->cfg = *c;
  if (xl_conditional(c)) {
    if (c->embed_rows < c->c_dim)
      return sg3_fail(error, SG3_ERR_CORRUPT,
                      "the class table (mapping.embed) has %d rows for %d "
                      "classes",
                      c->embed_rows, c->c_dim);
    int64_t tshape[2] = {c->embed_rows, c->embed_features};
    const sg3_tensor *t =
        sg3_need_tensor(set, "mapping.embed", "weight", 2, tshape, error);
    if (!t || sg3_fc_build(&mn->embed_proj, set, "mapping.embed_proj",
                           c->embed_features, c->z_dim, 1.0, error))
      return -1;
    mn->embed_table = t->data;
  } else if (c->kind == SG3_MAPPING_STYLEGAN && c->c_dim > 0 &&
             sg3_fc_build(&mn->embed, set, "mapping.embed", c->c_dim,
                          c->embed_features, 1.0, error)) {
    return -1;
  }
  mn->fc = calloc((size_t)c->num_layers, sizeof *mn->fc);
  if (!mn->fc)
    return sg3_oom(error, NULL);
  for (int i = 0; i < c->num_layers; i++) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "mapping.fc%d", i);
    if (sg3_fc_build(&mn->fc[i], set, prefix, layer_in(c, i), layer_out(c, i),
                     c->lr_multiplier, error))
      return -1;
  }
  int64_t wdim[1] = {c->w_dim}, cw[2] = {c->c_dim, c->w_dim};
  const sg3_tensor *t =
      xl_conditional(c)
          ? sg3_need_tensor(set, "mapping", "w_avg", 2, cw, error)
          : sg3_need_tensor(set, "mapping", "w_avg", 1, wdim, error);
  if (!t)
    return -1;
  mn->w_avg = t->data;
  return 0;
}

int sg3_mapping_class(const sg3_mapping_network *mn, const float *c) {
  int best = 0;
  for (int i = 1; i < mn->cfg.c_dim; i++)
    if (c[i] > c[best])
      best = i;
  return best;
}

const float *sg3_mapping_w_avg(const sg3_mapping_network *mn, int class_index) {
  if (!xl_conditional(&mn->cfg))
    return mn->w_avg;
  return mn->w_avg + (size_t)class_index * mn->cfg.w_dim;
}

void sg3_mapping_free(sg3_mapping_network *mn) {
  sg3_fc_free(&mn->embed);
  sg3_fc_free(&mn->embed_proj);
  for (int i = 0; mn->fc && i < mn->cfg.num_layers; i++)
    sg3_fc_free(&mn->fc[i]);
  free(mn->fc);
  mn->fc = NULL;
}

size_t sg3_mapping_buffer(const sg3_mapping_config *c) {
  size_t n = (size_t)layer_in(c, 0);
  if ((size_t)c->layer_features > n)
    n = (size_t)c->layer_features;
  if ((size_t)c->w_dim > n)
    n = (size_t)c->w_dim;
  return n;
}

/* x * rsqrt(mean(x^2) + 1e-8), the official normalize_2nd_moment. */
static void normalize_2nd_moment(float *x, int n) {
  float sum = 0;
  for (int i = 0; i < n; i++)
    sum += x[i] * x[i];
  float scale = 1.0f / sqrtf(sum / (float)n + 1e-8f);
  for (int i = 0; i < n; i++)
    x[i] *= scale;
}

/* torch.lerp(start, end, weight) in float32, its two-sided formula. */
static float lerp(float start, float end, float weight) {
  float diff = end - start;
  return fabsf(weight) < 0.5f ? start + weight * diff
                              : end - diff * (1.0f - weight);
}

void sg3_mapping_forward(const sg3_mapping_network *mn, const sg3_exec *ex,
                         const double *z, const float *c, float psi, int cutoff,
                         float *ws, float *x, float *y) {
  const sg3_mapping_config *cfg = &mn->cfg;
  for (int i = 0; i < cfg->z_dim; i++)
    x[i] = (float)z[i];
  if (cfg->z_dim > 0)
    normalize_2nd_moment(x, cfg->z_dim);
  int k = 0; /* XL: the class, whose table row and centre are used */
  if (xl_conditional(cfg)) {
    k = sg3_mapping_class(mn, c);
    const float *e = mn->embed_table + (size_t)k * cfg->embed_features;
    sg3_fully_connected_mt(ex, &mn->embed_proj, e, x + cfg->z_dim, 1);
    normalize_2nd_moment(x + cfg->z_dim, cfg->z_dim);
  } else if (cfg->c_dim > 0) {
    sg3_fully_connected_mt(ex, &mn->embed, c, x + cfg->z_dim, 0);
    normalize_2nd_moment(x + cfg->z_dim, cfg->embed_features);
  }
  for (int i = 0; i < cfg->num_layers; i++) {
    sg3_fully_connected_mt(ex, &mn->fc[i], x, y, 1);
    float *t = x;
    x = y;
    y = t;
  }
  if (cutoff < 0 || cutoff > cfg->num_ws)
    cutoff = cfg->num_ws;
  const float *w_avg = sg3_mapping_w_avg(mn, k);
  for (int r = 0; r < cfg->num_ws; r++) {
    float *row = ws + (size_t)r * cfg->w_dim;
    for (int i = 0; i < cfg->w_dim; i++)
      row[i] = (psi != 1.0f && r < cutoff) ? lerp(w_avg[i], x[i], psi) : x[i];
  }
}

static int add(sg3_tensor_set *set, const char *name, int ndim,
               const int64_t *shape, float **data, char **error) {
  int ok;
  size_t n = sg3_shape_numel(ndim, shape, &ok);
  *data = calloc(n ? n : 1, sizeof(float));
  if (!ok || !*data) {
    free(*data);
    return sg3_oom(error, name);
  }
  return sg3_tensor_set_add(set, name, ndim, shape, *data, error);
}

int sg3_mapping_random(const sg3_mapping_config *c, sg3_randomstate *rs,
                       sg3_tensor_set *set, char **error) {
  float *d;
  if (c->kind == SG3_MAPPING_XL) {
    /* The class table is there even in unconditional models. */
    int64_t t[2] = {c->embed_rows, c->embed_features};
    if (add(set, "mapping.embed.weight", 2, t, &d, error))
      return -1;
    for (int64_t i = 0; i < t[0] * t[1]; i++)
      d[i] = (float)sg3_random_gauss(rs);
  }
  if (xl_conditional(c)) {
    int64_t w[2] = {c->z_dim, c->embed_features}, b[1] = {c->z_dim};
    if (add(set, "mapping.embed_proj.weight", 2, w, &d, error))
      return -1;
    for (int64_t i = 0; i < w[0] * w[1]; i++)
      d[i] = (float)sg3_random_gauss(rs);
    if (add(set, "mapping.embed_proj.bias", 1, b, &d, error))
      return -1;
  } else if (c->c_dim > 0) {
    int64_t w[2] = {c->embed_features, c->c_dim}, b[1] = {c->embed_features};
    if (add(set, "mapping.embed.weight", 2, w, &d, error))
      return -1;
    for (int64_t i = 0; i < w[0] * w[1]; i++)
      d[i] = (float)sg3_random_gauss(rs);
    if (add(set, "mapping.embed.bias", 1, b, &d, error))
      return -1;
  }
  for (int i = 0; i < c->num_layers; i++) {
    char name[64];
    int64_t w[2] = {layer_out(c, i), layer_in(c, i)}, b[1] = {w[0]};
    snprintf(name, sizeof name, "mapping.fc%d.weight", i);
    if (add(set, name, 2, w, &d, error))
      return -1;
    for (int64_t j = 0; j < w[0] * w[1]; j++)
      d[j] = (float)(sg3_random_gauss(rs) / c->lr_multiplier);
    snprintf(name, sizeof name, "mapping.fc%d.bias", i);
    if (add(set, name, 1, b, &d, error))
      return -1;
  }
  int64_t wdim[1] = {c->w_dim}, cw[2] = {c->c_dim, c->w_dim};
  return xl_conditional(c) ? add(set, "mapping.w_avg", 2, cw, &d, error)
                           : add(set, "mapping.w_avg", 1, wdim, &d, error);
}
