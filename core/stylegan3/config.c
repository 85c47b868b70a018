#include "stylegan3/config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/json_check.h"

static int get_number(JsonNode *n, const char *key, double *out, char **error) {
  if (!JSON_NODE_HOLDS_VALUE(n))
    return sg3_set_error(error, "init_kwargs.%s is not a number", key);
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64)
    *out = (double)json_node_get_int(n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double(n);
  else if (t == G_TYPE_BOOLEAN)
    *out = json_node_get_boolean(n);
  else
    return sg3_set_error(error, "init_kwargs.%s is not a number", key);
  if (!isfinite(*out))
    return sg3_set_error(error, "init_kwargs.%s is not finite", key);
  return 0;
}

static int get_int(JsonNode *n, const char *key, int lo, int hi, int *out,
                   char **error) {
  double v;
  if (get_number(n, key, &v, error))
    return -1;
  if (v != floor(v) || v < lo || v > hi)
    return sg3_set_error(error,
                         "init_kwargs.%s = %g is out of range (an integer "
                         "from %d to %d)",
                         key, v, lo, hi);
  *out = (int)v;
  return 0;
}

static int get_real(JsonNode *n, const char *key, double lo, double hi,
                    double *out, char **error) {
  if (get_number(n, key, out, error))
    return -1;
  if (*out < lo || *out > hi)
    return sg3_set_error(error, "init_kwargs.%s = %g is out of range [%g, %g]",
                         key, *out, lo, hi);
  return 0;
}

/* Keys that the official constructors accept but that do not change
 * inference on a CPU (fp16 is CUDA-only there, EMA betas are training-only). */
static int ignored_key(const char *key) {
  static const char *const keys[] = {"num_fp16_res", "magnitude_ema_beta",
                                     "w_avg_beta", "use_fp16"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    if (!strcmp(key, keys[i]))
      return 1;
  return 0;
}

static int parse_mapping(JsonNode *node, sg3_config *c, char **error) {
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
    if (!strcmp(k, "num_layers"))
      rc = get_int(v, "mapping_kwargs.num_layers", 1, 64, &c->mapping_layers,
                   error);
    else if (!strcmp(k, "lr_multiplier"))
      rc = get_real(v, "mapping_kwargs.lr_multiplier", 1e-9, 1e9,
                    &c->mapping_lr_multiplier, error);
    else if (!ignored_key(k))
      rc = sg3_set_error(error, "unknown init_kwargs.mapping_kwargs key '%s'",
                         k);
  }
  g_list_free(members);
  return rc;
}

static int parse_key(const char *k, JsonNode *v, sg3_config *c, char **error) {
  if (!strcmp(k, "z_dim"))
    return get_int(v, k, 1, 1 << 16, &c->z_dim, error);
  if (!strcmp(k, "c_dim"))
    return get_int(v, k, 0, 1 << 16, &c->c_dim, error);
  if (!strcmp(k, "w_dim"))
    return get_int(v, k, 1, 1 << 16, &c->w_dim, error);
  if (!strcmp(k, "img_resolution"))
    return get_int(v, k, 4, 8192, &c->img_resolution, error);
  if (!strcmp(k, "img_channels"))
    return get_int(v, k, 1, 4, &c->img_channels, error);
  if (!strcmp(k, "mapping_kwargs"))
    return parse_mapping(v, c, error);
  if (!strcmp(k, "channel_base"))
    return get_real(v, k, 1, 1 << 24, &c->channel_base, error);
  if (!strcmp(k, "channel_max"))
    return get_real(v, k, 1, 1 << 14, &c->channel_max, error);
  if (!strcmp(k, "num_layers"))
    return get_int(v, k, 1, 64, &c->num_layers, error);
  if (!strcmp(k, "num_critical"))
    return get_int(v, k, 0, 64, &c->num_critical, error);
  if (!strcmp(k, "first_cutoff"))
    return get_real(v, k, 1e-3, 1e5, &c->first_cutoff, error);
  if (!strcmp(k, "first_stopband"))
    return get_real(v, k, 1e-3, 1e5, &c->first_stopband, error);
  if (!strcmp(k, "last_stopband_rel"))
    return get_real(v, k, 1e-3, 1e3, &c->last_stopband_rel, error);
  if (!strcmp(k, "margin_size"))
    return get_int(v, k, 0, 1024, &c->margin_size, error);
  if (!strcmp(k, "output_scale"))
    return get_real(v, k, -1e9, 1e9, &c->output_scale, error);
  if (!strcmp(k, "conv_kernel"))
    return get_int(v, k, 1, 15, &c->conv_kernel, error);
  if (!strcmp(k, "filter_size"))
    return get_int(v, k, 1, 64, &c->filter_size, error);
  if (!strcmp(k, "lrelu_upsampling"))
    return get_int(v, k, 1, 16, &c->lrelu_upsampling, error);
  if (!strcmp(k, "use_radial_filters")) {
    double b;
    if (get_number(v, k, &b, error))
      return -1;
    c->use_radial_filters = b != 0;
    return 0;
  }
  if (!strcmp(k, "conv_clamp")) {
    if (JSON_NODE_HOLDS_NULL(v)) {
      c->conv_clamp = -1;
      return 0;
    }
    return get_real(v, k, 0, 1e30, &c->conv_clamp, error);
  }
  if (ignored_key(k))
    return 0;
  return sg3_set_error(error, "unknown init_kwargs key '%s'", k);
}

static int build_schedule(sg3_config *c, char **error) {
  int n = c->num_layers;
  if (c->num_critical >= n)
    return sg3_set_error(error,
                         "init_kwargs: num_critical (%d) must be below "
                         "num_layers (%d)",
                         c->num_critical, n);
  double *cutoffs = calloc((size_t)n + 1, sizeof(double));
  double *stopbands = calloc((size_t)n + 1, sizeof(double));
  double *rates = calloc((size_t)n + 1, sizeof(double));
  double *half = calloc((size_t)n + 1, sizeof(double));
  int *sizes = calloc((size_t)n + 1, sizeof(int));
  int *channels = calloc((size_t)n + 1, sizeof(int));
  c->layers = calloc((size_t)n + 1, sizeof *c->layers);
  int rc = -1;
  if (!cutoffs || !stopbands || !rates || !half || !sizes || !channels ||
      !c->layers) {
    sg3_set_error(error, "out of memory");
    goto out;
  }
  /* Geometric progression of cutoffs and stopbands (numpy, float64). */
  double last_cutoff = c->img_resolution / 2.0;
  double last_stopband = last_cutoff * c->last_stopband_rel;
  for (int i = 0; i <= n; i++) {
    double e = fmin((double)i / (n - c->num_critical), 1.0);
    cutoffs[i] = c->first_cutoff * pow(last_cutoff / c->first_cutoff, e);
    stopbands[i] =
        c->first_stopband * pow(last_stopband / c->first_stopband, e);
    rates[i] = exp2(ceil(log2(fmin(stopbands[i] * 2, c->img_resolution))));
    half[i] = fmax(stopbands[i], rates[i] / 2) - cutoffs[i];
    double size = rates[i] + c->margin_size * 2;
    if (i >= n - 1)
      size = c->img_resolution;
    double ch = rint(fmin((c->channel_base / 2) / cutoffs[i], c->channel_max));
    if (i == n)
      ch = c->img_channels;
    if (!(size >= 1 && size <= 16384) || !(ch >= 1 && ch <= 65536) ||
        !(rates[i] >= 1)) {
      sg3_set_error(error,
                    "init_kwargs give layer %d an unusable size (%g) or "
                    "channel count (%g)",
                    i, size, ch);
      goto out;
    }
    sizes[i] = (int)size;
    channels[i] = (int)ch;
  }
  c->num_ws = n + 2;
  c->input_channels = channels[0];
  c->input_size = sizes[0];
  c->input_sampling_rate = rates[0];
  c->input_bandwidth = cutoffs[0];

  for (int i = 0; i <= n; i++) {
    sg3_layer_config *L = &c->layers[i];
    int prev = i > 0 ? i - 1 : 0;
    L->is_torgb = i == n;
    L->is_critically_sampled = i >= n - c->num_critical;
    L->in_channels = channels[prev];
    L->out_channels = channels[i];
    L->in_size = sizes[prev];
    L->out_size = sizes[i];
    /* The official code passes int(sampling_rate) to the layer. */
    L->in_sampling_rate = (double)(long long)rates[prev];
    L->out_sampling_rate = (double)(long long)rates[i];
    L->tmp_sampling_rate = fmax(L->in_sampling_rate, L->out_sampling_rate) *
                           (L->is_torgb ? 1 : c->lrelu_upsampling);
    L->in_cutoff = cutoffs[prev];
    L->out_cutoff = cutoffs[i];
    L->in_half_width = half[prev];
    L->out_half_width = half[i];
    L->conv_kernel = L->is_torgb ? 1 : c->conv_kernel;

    L->up_factor = (int)rint(L->tmp_sampling_rate / L->in_sampling_rate);
    L->down_factor = (int)rint(L->tmp_sampling_rate / L->out_sampling_rate);
    if (L->in_sampling_rate * L->up_factor != L->tmp_sampling_rate ||
        L->out_sampling_rate * L->down_factor != L->tmp_sampling_rate) {
      sg3_set_error(error,
                    "init_kwargs give layer %d a non-integer "
                    "resampling factor",
                    i);
      goto out;
    }
    L->up_taps =
        L->up_factor > 1 && !L->is_torgb ? c->filter_size * L->up_factor : 1;
    L->down_taps = L->down_factor > 1 && !L->is_torgb
                       ? c->filter_size * L->down_factor
                       : 1;
    L->down_radial = c->use_radial_filters && !L->is_critically_sampled;

    /* Padding so that sample locations follow the symmetric interpretation
     * (paper, Appendix C.3); Python's floor division. */
    long long total = (long long)(L->out_size - 1) * L->down_factor + 1;
    total -= (long long)(L->in_size + L->conv_kernel - 1) * L->up_factor;
    total += L->up_taps + L->down_taps - 2;
    long long num = total + L->up_factor, lo = num / 2;
    if (num % 2 != 0 && num < 0)
      lo -= 1;
    L->padding[0] = L->padding[2] = (int)lo;
    L->padding[1] = L->padding[3] = (int)(total - lo);

    /* The official forward asserts these shapes; refuse schedules that
     * would not produce them. */
    long long n_conv = L->in_size + L->conv_kernel - 1;
    long long up_len = n_conv * L->up_factor + total - L->up_taps + 1;
    if (up_len < L->down_taps || up_len < 1 ||
        (up_len - L->down_taps + L->down_factor) / L->down_factor !=
            L->out_size) {
      sg3_set_error(error, "init_kwargs give layer %d inconsistent sizes", i);
      goto out;
    }

    L->gain = L->is_torgb ? 1.0f : (float)sqrt(2.0);
    L->slope = L->is_torgb ? 1.0f : 0.2f;
    L->conv_clamp = (float)c->conv_clamp;
    snprintf(L->name, sizeof L->name, "L%d_%d_%d", i, L->out_size,
             L->out_channels);
  }
  rc = 0;
out:
  free(cutoffs);
  free(stopbands);
  free(rates);
  free(half);
  free(sizes);
  free(channels);
  return rc;
}

int sg3_config_parse(const char *json, sg3_config *c, char **error) {
  memset(c, 0, sizeof *c);
  /* Defaults of the official constructors. */
  c->z_dim = c->w_dim = -1;
  c->c_dim = 0;
  c->img_resolution = c->img_channels = -1;
  c->mapping_layers = 2;
  c->mapping_lr_multiplier = 0.01;
  c->channel_base = 32768;
  c->channel_max = 512;
  c->num_layers = 14;
  c->num_critical = 2;
  c->first_cutoff = 2;
  c->first_stopband = pow(2, 2.1);
  c->last_stopband_rel = pow(2, 0.3);
  c->margin_size = 10;
  c->output_scale = 0.25;
  c->conv_kernel = 3;
  c->filter_size = 6;
  c->lrelu_upsampling = 2;
  c->use_radial_filters = 0;
  c->conv_clamp = 256;

  /* json-glib recurses: refuse deep nesting before it sees the text. */
  if (!json || sg3_json_check_depth(json, strlen(json), 0, error)) {
    sg3_prefix_error(error, "init_kwargs");
    return sg3_set_error(error, "init_kwargs is not valid JSON");
  }
  JsonParser *parser = json_parser_new();
  GError *gerr = NULL;
  int rc = -1;
  if (!json_parser_load_from_data(parser, json, -1, &gerr)) {
    sg3_set_error(error, "init_kwargs is not valid JSON%s%s", gerr ? ": " : "",
                  gerr ? gerr->message : "");
    if (gerr)
      g_error_free(gerr);
    goto out;
  }
  JsonNode *root = json_parser_get_root(parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
    sg3_set_error(error, "init_kwargs is not a JSON object");
    goto out;
  }
  JsonObject *o = json_node_get_object(root);
  GList *members = json_object_get_members(o);
  int bad = 0;
  for (GList *l = members; l && !bad; l = l->next)
    bad = parse_key(l->data, json_object_get_member(o, l->data), c, error);
  g_list_free(members);
  if (bad)
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
  rc = build_schedule(c, error);
out:
  g_object_unref(parser);
  if (rc)
    sg3_config_clear(c);
  return rc;
}

void sg3_config_clear(sg3_config *c) {
  free(c->layers);
  c->layers = NULL;
}
