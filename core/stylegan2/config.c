#include "stylegan2/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "kwargs.h"

const char *sg2_architecture_name(sg2_architecture a) {
  return a == SG2_ORIG ? "orig" : a == SG2_RESNET ? "resnet" : "skip";
}

/* Keys that the official constructors accept but that change nothing on a
 * CPU: fp16 (stylegan3's SynthesisBlock forces float32 off CUDA, and
 * stylegan2-ada-pytorch cannot run fp16 on a CPU at all), memory formats,
 * training-only switches and EMA rates. */
static int ignored_key(const char *key) {
  static const char *const keys[] = {
      "num_fp16_res",       "use_fp16",      "fp16_channels_last",
      "channels_last",      "w_avg_beta",    "fused_modconv_default",
      "magnitude_ema_beta", "fused_modconv",
  };
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (!strcmp(key, keys[i]))
      return 1;
  return 0;
}

/* bias_act's activation functions (alpha, def_gain) that are a leaky ReLU
 * with a gain; the others are refused. */
static int parse_activation(JsonNode *v, const char *key, const char **name,
                            float *slope, float *gain, char **error) {
  const char *s;
  if (sg3_kw_string(v, key, &s, error))
    return -1;
  if (!strcmp(s, "lrelu")) {
    *name = "lrelu";
    *slope = 0.2f;
    *gain = (float)sqrt(2.0);
  } else if (!strcmp(s, "relu")) {
    *name = "relu";
    *slope = 0.0f;
    *gain = (float)sqrt(2.0);
  } else if (!strcmp(s, "linear")) {
    *name = "linear";
    *slope = 1.0f;
    *gain = 1.0f;
  } else {
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "init_kwargs.%s = '%.32s': only 'lrelu', 'relu' and "
                    "'linear' are supported",
                    key, s);
  }
  return 0;
}

/* An int or None (-1). */
static int int_or_none(JsonNode *v, const char *key, int lo, int hi, int *out,
                       char **error) {
  if (JSON_NODE_HOLDS_NULL(v)) {
    *out = -1;
    return 0;
  }
  return sg3_kw_int(v, key, lo, hi, out, error);
}

static int parse_mapping(JsonNode *node, sg2_config *c, char **error) {
  if (JSON_NODE_HOLDS_NULL(node))
    return 0;
  if (!JSON_NODE_HOLDS_OBJECT(node))
    return sg3_set_error(error, "init_kwargs.mapping_kwargs is not an object");
  JsonObject *o = json_node_get_object(node);
  GList *members = json_object_get_members(o);
  int rc = 0;
  for (GList *l = members; l && !rc; l = l->next) {
    const char *k = l->data;
    JsonNode *v = json_object_get_member(o, k);
    if (!strcmp(k, "num_layers")) {
      rc = sg3_kw_int(v, "mapping_kwargs.num_layers", 1, 64, &c->mapping_layers,
                      error);
    } else if (!strcmp(k, "lr_multiplier")) {
      rc = sg3_kw_real(v, "mapping_kwargs.lr_multiplier", 1e-9, 1e9,
                       &c->mapping_lr_multiplier, error);
    } else if (!strcmp(k, "embed_features")) {
      rc = int_or_none(v, "mapping_kwargs.embed_features", 1, 1 << 16,
                       &c->embed_features, error);
    } else if (!strcmp(k, "layer_features")) {
      rc = int_or_none(v, "mapping_kwargs.layer_features", 1, 1 << 16,
                       &c->layer_features, error);
    } else if (!strcmp(k, "activation")) {
      const char *name;
      float slope, gain;
      rc = parse_activation(v, "mapping_kwargs.activation", &name, &slope,
                            &gain, error);
      if (!rc && strcmp(name, "lrelu"))
        rc = sg3_fail(error, SG3_ERR_UNSUPPORTED,
                      "init_kwargs.mapping_kwargs.activation = '%s': the "
                      "mapping network runs 'lrelu' only",
                      name);
    } else if (!strcmp(k, "w_avg_beta")) {
      /* None means no w_avg buffer, which truncation needs. */
      if (JSON_NODE_HOLDS_NULL(v))
        rc = sg3_fail(error, SG3_ERR_UNSUPPORTED,
                      "init_kwargs.mapping_kwargs.w_avg_beta = None (a "
                      "mapping network without w_avg) is not supported");
    } else if (!ignored_key(k)) {
      rc = sg3_set_error(error, "unknown init_kwargs.mapping_kwargs key '%s'",
                         k);
    }
  }
  g_list_free(members);
  return rc;
}

void sg2_setup_filter(const double *f, int taps, float *out, int *ndim) {
  /* float32 as torch: the products, their sum, the division. */
  float sum = 0;
  if (taps < 8) {
    *ndim = 2;
    for (int i = 0; i < taps; i++)
      for (int j = 0; j < taps; j++)
        sum += out[i * taps + j] = (float)f[i] * (float)f[j];
    for (int i = 0; i < taps * taps; i++)
      out[i] /= sum;
  } else {
    *ndim = 1;
    for (int i = 0; i < taps; i++)
      sum += out[i] = (float)f[i];
    for (int i = 0; i < taps; i++)
      out[i] /= sum;
  }
}

/* resample_filter: a list of numbers (or of lists, a 2-D filter); None is
 * the identity. */
static int parse_filter(JsonNode *v, sg2_config *c, char **error) {
  if (JSON_NODE_HOLDS_NULL(v)) {
    c->filter_taps = 1;
    c->filter[0] = 1;
    return 0;
  }
  if (!JSON_NODE_HOLDS_ARRAY(v))
    return sg3_set_error(error, "init_kwargs.resample_filter is not a list");
  JsonArray *a = json_node_get_array(v);
  guint n = json_array_get_length(a);
  if (n < 1 || n > SG2_MAX_FILTER_TAPS)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "init_kwargs.resample_filter has %u taps (1 to %d are "
                    "supported)",
                    n, SG2_MAX_FILTER_TAPS);
  c->filter_taps = (int)n;
  for (guint i = 0; i < n; i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (JSON_NODE_HOLDS_ARRAY(e)) {
      c->filter_taps = 0; /* 2-D: only the stored buffers say what it is */
      return 0;
    }
    if (sg3_kw_real(e, "resample_filter[]", -1e9, 1e9, &c->filter[i], error))
      return -1;
  }
  return 0;
}

/* SynthesisNetwork, SynthesisBlock and SynthesisLayer arguments. */
static int parse_synthesis_key(const char *k, JsonNode *v, sg2_config *c,
                               char **error) {
  if (!strcmp(k, "channel_base"))
    return sg3_kw_real(v, k, 1, 1 << 24, &c->channel_base, error);
  if (!strcmp(k, "channel_max"))
    return sg3_kw_real(v, k, 1, 1 << 14, &c->channel_max, error);
  if (!strcmp(k, "architecture")) {
    const char *s;
    if (sg3_kw_string(v, k, &s, error))
      return -1;
    if (!strcmp(s, "orig"))
      c->architecture = SG2_ORIG;
    else if (!strcmp(s, "skip"))
      c->architecture = SG2_SKIP;
    else if (!strcmp(s, "resnet"))
      c->architecture = SG2_RESNET;
    else
      return sg3_set_error(error,
                           "init_kwargs.architecture = '%.32s' (not 'orig', "
                           "'skip' or 'resnet')",
                           s);
    return 0;
  }
  if (!strcmp(k, "resample_filter"))
    return parse_filter(v, c, error);
  if (!strcmp(k, "conv_clamp")) {
    if (JSON_NODE_HOLDS_NULL(v)) {
      c->conv_clamp = -1;
      return 0;
    }
    return sg3_kw_real(v, k, 0, 1e30, &c->conv_clamp, error);
  }
  if (!strcmp(k, "use_noise"))
    return sg3_kw_bool(v, k, &c->use_noise, error);
  if (!strcmp(k, "activation"))
    return parse_activation(v, k, &c->activation, &c->act_slope, &c->act_gain,
                            error);
  if (!strcmp(k, "kernel_size")) {
    int ks;
    if (sg3_kw_int(v, k, 1, 15, &ks, error))
      return -1;
    if (ks != 3)
      return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                      "init_kwargs.kernel_size = %d: StyleGAN2 layers run "
                      "3x3 kernels only",
                      ks);
    return 0;
  }
  if (ignored_key(k))
    return 0;
  return sg3_set_error(error, "unknown init_kwargs key '%s'", k);
}

static int parse_key(const char *k, JsonNode *v, sg2_config *c, char **error) {
  if (!strcmp(k, "z_dim"))
    return sg3_kw_int(v, k, 0, 1 << 16, &c->z_dim, error);
  if (!strcmp(k, "c_dim"))
    return sg3_kw_int(v, k, 0, 1 << 16, &c->c_dim, error);
  if (!strcmp(k, "w_dim"))
    return sg3_kw_int(v, k, 1, 1 << 16, &c->w_dim, error);
  if (!strcmp(k, "img_resolution"))
    return sg3_kw_int(v, k, 4, 8192, &c->img_resolution, error);
  if (!strcmp(k, "img_channels"))
    return sg3_kw_int(v, k, 1, 4, &c->img_channels, error);
  if (!strcmp(k, "mapping_kwargs"))
    return parse_mapping(v, c, error);
  if (!strcmp(k, "synthesis_kwargs"))
    return 0; /* parsed first */
  /* stylegan2-ada's Generator takes synthesis arguments only nested. */
  if (c->stylegan2_ada && !ignored_key(k))
    return sg3_set_error(error,
                         "unknown init_kwargs key '%s' (stylegan2-ada "
                         "generators take it in synthesis_kwargs)",
                         k);
  return parse_synthesis_key(k, v, c, error);
}

static int parse_object(JsonObject *o, sg2_config *c,
                        int (*fn)(const char *, JsonNode *, sg2_config *,
                                  char **),
                        char **error) {
  GList *members = json_object_get_members(o);
  int rc = 0;
  for (GList *l = members; l && !rc; l = l->next)
    rc = fn(l->data, json_object_get_member(o, l->data), c, error);
  g_list_free(members);
  return rc;
}

/* SynthesisNetwork.__init__: blocks 4, 8, ... img_resolution with
 * channels min(channel_base // res, channel_max). */
static int build_schedule(sg2_config *c, char **error) {
  int r = c->img_resolution;
  if (r & (r - 1))
    return sg3_set_error(error,
                         "init_kwargs.img_resolution = %d is not a power of "
                         "two",
                         r);
  int log2 = 2;
  while ((1 << log2) < r)
    log2++;
  c->num_blocks = log2 - 1; /* r >= 4 */
  c->blocks = calloc((size_t)c->num_blocks, sizeof *c->blocks);
  if (!c->blocks)
    return sg3_oom(error, NULL);
  int prev_channels = 0, w = 0;
  c->num_ws = 0;
  for (int i = 0; i < c->num_blocks; i++) {
    sg2_block_config *b = &c->blocks[i];
    b->res = 4 << i;
    double ch = fmin(floor(c->channel_base / b->res), c->channel_max);
    if (!(ch >= 1 && ch <= 16384))
      return sg3_set_error(error,
                           "init_kwargs give block b%d %g channels "
                           "(channel_base %g, channel_max %g)",
                           b->res, ch, c->channel_base, c->channel_max);
    snprintf(b->name, sizeof b->name, "b%d", b->res);
    b->in_channels = i ? prev_channels : 0;
    b->out_channels = (int)ch;
    b->is_last = i == c->num_blocks - 1;
    b->has_torgb = b->is_last || c->architecture == SG2_SKIP;
    b->has_skip = i > 0 && c->architecture == SG2_RESNET;
    b->num_conv = i ? 2 : 1;
    b->num_torgb = b->has_torgb;
    b->w_index = w;
    w += b->num_conv;
    c->num_ws += b->num_conv + (b->is_last ? b->num_torgb : 0);
    prev_channels = b->out_channels;
  }
  return 0;
}

int sg2_config_parse(const char *json, sg2_config *c, char **error) {
  memset(c, 0, sizeof *c);
  /* Defaults of stylegan3's constructors. */
  c->z_dim = c->w_dim = -1;
  c->img_resolution = c->img_channels = -1;
  c->mapping_layers = 8;
  c->mapping_lr_multiplier = 0.01;
  c->embed_features = c->layer_features = -1;
  c->channel_base = 32768;
  c->channel_max = 512;
  c->architecture = SG2_SKIP;
  c->conv_clamp = 256;
  c->use_noise = 1;
  c->activation = "lrelu";
  c->act_slope = 0.2f;
  c->act_gain = (float)sqrt(2.0);
  c->filter_taps = 4;
  c->filter[0] = c->filter[3] = 1;
  c->filter[1] = c->filter[2] = 3;

  JsonParser *parser = json_parser_new();
  int rc = -1;
  JsonObject *o = sg3_kw_parse(parser, json, error);
  if (!o)
    goto out;
  JsonNode *syn = json_object_get_member(o, "synthesis_kwargs");
  if (syn) {
    /* stylegan2-ada-pytorch: its SynthesisBlock does not clamp by
     * default. */
    c->stylegan2_ada = 1;
    c->conv_clamp = -1;
    if (!JSON_NODE_HOLDS_OBJECT(syn)) {
      sg3_set_error(error, "init_kwargs.synthesis_kwargs is not an object");
      goto out;
    }
    if (parse_object(json_node_get_object(syn), c, parse_synthesis_key, error))
      goto out;
  }
  if (parse_object(o, c, parse_key, error))
    goto out;
  const char *missing = c->z_dim < 0            ? "z_dim"
                        : c->w_dim < 0          ? "w_dim"
                        : c->img_resolution < 0 ? "img_resolution"
                        : c->img_channels < 0   ? "img_channels"
                                                : NULL;
  if (missing) {
    sg3_set_error(error, "init_kwargs lacks '%s'", missing);
    goto out;
  }
  if (c->z_dim == 0 && c->c_dim == 0) {
    sg3_set_error(error, "init_kwargs: z_dim and c_dim are both 0");
    goto out;
  }
  if (c->embed_features < 0)
    c->embed_features = c->w_dim;
  if (c->layer_features < 0)
    c->layer_features = c->w_dim;
  rc = build_schedule(c, error);
out:
  g_object_unref(parser);
  if (rc)
    sg2_config_clear(c);
  return rc;
}

void sg2_config_clear(sg2_config *c) {
  free(c->blocks);
  c->blocks = NULL;
}
