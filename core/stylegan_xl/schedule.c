/* StyleGAN-XL's stored layer schedule: parsed strictly (every field a
 * SynthesisLayer holds, no unknown ones) and checked against the formulas
 * of SynthesisLayer.init_upfirdn and the chaining of the layers, so that a
 * damaged or forged file is refused before anything is sized from it. */
#include "stylegan_xl/schedule.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/json_check.h"

#define MAX_LAYERS 1024
#define MAX_SIZE 16384
#define MAX_CHANNELS 65536

typedef struct {
  JsonObject *o;
  const char *what; /* "generator", "input", "layers[3] (L2_36_4)" */
  char **error;
} obj;

static int bad(const obj *b, const char *key, const char *why) {
  return sg3_fail(b->error, SG3_ERR_CORRUPT, "the layer schedule's %s: %s %s",
                  b->what, key, why);
}

static JsonNode *member(const obj *b, const char *key) {
  return json_object_get_member(b->o, key);
}

static int get_number(const obj *b, const char *key, double *out) {
  JsonNode *n = member(b, key);
  if (!n)
    return bad(b, key, "is missing");
  GType t = JSON_NODE_HOLDS_VALUE(n) ? json_node_get_value_type(n) : 0;
  if (t == G_TYPE_INT64)
    *out = (double)json_node_get_int(n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double(n);
  else
    return bad(b, key, "is not a number");
  if (!isfinite(*out))
    return bad(b, key, "is not finite");
  return 0;
}

static int get_int(const obj *b, const char *key, int lo, int hi, int *out) {
  double v;
  if (get_number(b, key, &v))
    return -1;
  if (v != floor(v) || v < lo || v > hi) {
    char why[96];
    snprintf(why, sizeof why, "= %g is not an integer from %d to %d", v, lo,
             hi);
    return bad(b, key, why);
  }
  *out = (int)v;
  return 0;
}

static int get_positive(const obj *b, const char *key, double *out) {
  if (get_number(b, key, out))
    return -1;
  return *out > 0 && *out < 1e9 ? 0 : bad(b, key, "is not a positive number");
}

static int get_bool(const obj *b, const char *key, int *out) {
  JsonNode *n = member(b, key);
  if (!n)
    return bad(b, key, "is missing");
  if (!JSON_NODE_HOLDS_VALUE(n) ||
      json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    return bad(b, key, "is not true or false");
  *out = json_node_get_boolean(n);
  return 0;
}

/* [w, h] of a square: StyleGAN-XL's sizes are np.broadcast_to(int, [2]). */
static int get_size(const obj *b, const char *key, int *out) {
  JsonNode *n = member(b, key);
  if (!n)
    return bad(b, key, "is missing");
  JsonArray *a = JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
  if (!a || json_array_get_length(a) != 2)
    return bad(b, key, "is not [width, height]");
  int v[2];
  for (int i = 0; i < 2; i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) ||
        json_node_get_value_type(e) != G_TYPE_INT64 ||
        json_node_get_int(e) < 1 || json_node_get_int(e) > MAX_SIZE)
      return bad(b, key, "is not two sizes from 1 to 16384");
    v[i] = (int)json_node_get_int(e);
  }
  if (v[0] != v[1])
    return sg3_fail(b->error, SG3_ERR_UNSUPPORTED,
                    "the layer schedule's %s: %s is %d x %d; only square "
                    "layers are supported",
                    b->what, key, v[0], v[1]);
  *out = v[0];
  return 0;
}

static int get_padding(const obj *b, int pad[4]) {
  JsonNode *n = member(b, "padding");
  if (!n)
    return bad(b, "padding", "is missing");
  JsonArray *a = JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
  if (!a || json_array_get_length(a) != 4)
    return bad(b, "padding", "is not 4 integers");
  for (int i = 0; i < 4; i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_VALUE(e) ||
        json_node_get_value_type(e) != G_TYPE_INT64 ||
        llabs(json_node_get_int(e)) > 1 << 20)
      return bad(b, "padding", "is not 4 integers");
    pad[i] = (int)json_node_get_int(e);
  }
  return 0;
}

static int get_string(const obj *b, const char *key, const char **out) {
  JsonNode *n = member(b, key);
  if (!n)
    return bad(b, key, "is missing");
  if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return bad(b, key, "is not a string");
  *out = json_node_get_string(n);
  return 0;
}

/* Keys not in `known` (nor `also`, when set) are errors: a field we would
 * not use may change the computation. */
static int only_keys(const obj *b, const char *const *known, size_t n,
                     const char *also) {
  GList *members = json_object_get_members(b->o);
  int rc = 0;
  for (GList *l = members; l && !rc; l = l->next) {
    size_t i = 0;
    while (i < n && strcmp(known[i], l->data))
      i++;
    if (i == n && !(also && !strcmp(also, l->data)))
      rc = sg3_fail(b->error, SG3_ERR_CORRUPT,
                    "the layer schedule's %s has an unknown field '%.64s'",
                    b->what, (const char *)l->data);
  }
  g_list_free(members);
  return rc;
}

static int sub_object(JsonObject *root, const char *key, const char *what,
                      obj *out, char **error) {
  JsonNode *n = json_object_get_member(root, key);
  if (!n)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the StyleGAN-XL model has no %s in its layer schedule "
                    "(safetensors: __metadata__.%s)",
                    what, key);
  if (!JSON_NODE_HOLDS_OBJECT(n))
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the layer schedule's %s is not an object", key);
  out->o = json_node_get_object(n);
  out->what = key;
  out->error = error;
  return 0;
}

/* A layer name: used in tensor names and as a profile stage name. */
static int name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof(((sg3_layer_config *)0)->name))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!(s[i] == '_' || g_ascii_isalnum(s[i])))
      return 0;
  return 1;
}

/* ---- generator and input ---- */

const char *const sg3_xl_input_attrs[] = {"channels", "size", "sampling_rate",
                                          "bandwidth", "w_dim"};
const size_t sg3_xl_num_input_attrs =
    sizeof sg3_xl_input_attrs / sizeof *sg3_xl_input_attrs;
const char *const sg3_xl_layer_attrs[] = {"is_torgb",
                                          "is_critically_sampled",
                                          "use_fp16",
                                          "in_channels",
                                          "out_channels",
                                          "in_size",
                                          "out_size",
                                          "in_sampling_rate",
                                          "out_sampling_rate",
                                          "tmp_sampling_rate",
                                          "in_cutoff",
                                          "out_cutoff",
                                          "in_half_width",
                                          "out_half_width",
                                          "up_factor",
                                          "up_taps",
                                          "down_factor",
                                          "down_taps",
                                          "down_radial",
                                          "use_radial_filters",
                                          "padding",
                                          "conv_kernel",
                                          "conv_clamp",
                                          "filter_size",
                                          "lrelu_upsampling",
                                          "magnitude_ema_beta",
                                          "w_dim"};
const size_t sg3_xl_num_layer_attrs =
    sizeof sg3_xl_layer_attrs / sizeof *sg3_xl_layer_attrs;

static const char *const generator_keys[] = {"z_dim",
                                             "c_dim",
                                             "w_dim",
                                             "num_ws",
                                             "img_resolution",
                                             "img_channels",
                                             "output_scale",
                                             "layer_names",
                                             "mapping_num_layers",
                                             "mapping_lr_multiplier",
                                             "embed_num_embeddings",
                                             "embed_embedding_dim"};

static int parse_generator(const obj *g, sg3_xl_config *xc, JsonArray **names) {
  sg3_config *c = &xc->cfg;
  if (only_keys(g, generator_keys,
                sizeof generator_keys / sizeof *generator_keys, NULL) ||
      get_int(g, "z_dim", 1, 1 << 16, &c->z_dim) ||
      get_int(g, "c_dim", 0, 1 << 20, &c->c_dim) ||
      get_int(g, "w_dim", 1, 1 << 16, &c->w_dim) ||
      get_int(g, "num_ws", 2, MAX_LAYERS + 1, &c->num_ws) ||
      get_int(g, "img_resolution", 1, MAX_SIZE, &c->img_resolution) ||
      get_int(g, "img_channels", 1, 4, &c->img_channels) ||
      get_number(g, "output_scale", &c->output_scale) ||
      get_int(g, "mapping_num_layers", 1, 64, &c->mapping_layers) ||
      get_positive(g, "mapping_lr_multiplier", &c->mapping_lr_multiplier) ||
      get_int(g, "embed_num_embeddings", 1, 1 << 24, &xc->embed_rows) ||
      get_int(g, "embed_embedding_dim", 1, 1 << 16, &xc->embed_dim))
    return -1;
  JsonNode *n = member(g, "layer_names");
  if (!n || !JSON_NODE_HOLDS_ARRAY(n))
    return bad(g, "layer_names", "is not a list");
  *names = json_node_get_array(n);
  if (c->c_dim > 0 && xc->embed_rows < c->c_dim)
    return sg3_fail(g->error, SG3_ERR_CORRUPT,
                    "the class table (mapping.embed) has %d rows for %d "
                    "classes",
                    xc->embed_rows, c->c_dim);
  return 0;
}

static int parse_input(const obj *in, sg3_config *c) {
  int w_dim;
  if (only_keys(in, sg3_xl_input_attrs, sg3_xl_num_input_attrs, "name") ||
      get_int(in, "channels", 1, MAX_CHANNELS, &c->input_channels) ||
      get_size(in, "size", &c->input_size) ||
      get_positive(in, "sampling_rate", &c->input_sampling_rate) ||
      get_positive(in, "bandwidth", &c->input_bandwidth) ||
      get_int(in, "w_dim", 1, 1 << 16, &w_dim))
    return -1;
  if (w_dim != c->w_dim)
    return bad(in, "w_dim", "differs from the generator's");
  /* Its amplitudes divide by sampling_rate / 2 - bandwidth. */
  if (!(c->input_sampling_rate / 2 > c->input_bandwidth))
    return bad(in, "bandwidth", "is not below half the sampling rate");
  return 0;
}

/* ---- layers ---- */

static int parse_layer(const obj *b, const sg3_config *c, sg3_layer_config *L,
                       sg3_xl_layer_extra *x) {
  double v = 0;
  if (only_keys(b, sg3_xl_layer_attrs, sg3_xl_num_layer_attrs, "name") ||
      get_bool(b, "is_torgb", &L->is_torgb) ||
      get_bool(b, "is_critically_sampled", &L->is_critically_sampled) ||
      get_int(b, "in_channels", 1, MAX_CHANNELS, &L->in_channels) ||
      get_int(b, "out_channels", 1, MAX_CHANNELS, &L->out_channels) ||
      get_size(b, "in_size", &L->in_size) ||
      get_size(b, "out_size", &L->out_size) ||
      get_positive(b, "in_sampling_rate", &L->in_sampling_rate) ||
      get_positive(b, "out_sampling_rate", &L->out_sampling_rate) ||
      get_positive(b, "tmp_sampling_rate", &L->tmp_sampling_rate) ||
      get_number(b, "in_cutoff", &L->in_cutoff) ||
      get_number(b, "out_cutoff", &L->out_cutoff) ||
      get_number(b, "in_half_width", &L->in_half_width) ||
      get_number(b, "out_half_width", &L->out_half_width) ||
      get_int(b, "up_factor", 1, 64, &L->up_factor) ||
      get_int(b, "up_taps", 1, 4096, &L->up_taps) ||
      get_int(b, "down_factor", 1, 64, &L->down_factor) ||
      get_int(b, "down_taps", 1, 4096, &L->down_taps) ||
      get_bool(b, "down_radial", &L->down_radial) ||
      get_bool(b, "use_radial_filters", &x->use_radial_filters) ||
      get_padding(b, L->padding) ||
      get_int(b, "conv_kernel", 1, 15, &L->conv_kernel) ||
      get_int(b, "filter_size", 1, 64, &x->filter_size) ||
      get_int(b, "lrelu_upsampling", 1, 16, &x->lrelu_upsampling))
    return -1;
  JsonNode *n = member(b, "conv_clamp");
  if (!n)
    return bad(b, "conv_clamp", "is missing");
  if (JSON_NODE_HOLDS_NULL(n))
    L->conv_clamp = -1;
  else if (get_number(b, "conv_clamp", &v) || v < 0)
    return v < 0 ? bad(b, "conv_clamp", "is negative") : -1;
  else
    L->conv_clamp = (float)v;
  /* Unused here (CUDA, training), checked when present. */
  x->use_fp16 = -1;
  x->magnitude_ema_beta = -1;
  int w_dim;
  if ((member(b, "use_fp16") && get_bool(b, "use_fp16", &x->use_fp16)) ||
      (member(b, "magnitude_ema_beta") &&
       get_number(b, "magnitude_ema_beta", &x->magnitude_ema_beta)) ||
      (member(b, "w_dim") && get_int(b, "w_dim", 1, 1 << 16, &w_dim)))
    return -1;
  if (member(b, "w_dim") && w_dim != c->w_dim)
    return bad(b, "w_dim", "differs from the generator's");
  L->gain = L->is_torgb ? 1.0f : (float)sqrt(2.0);
  L->slope = L->is_torgb ? 1.0f : 0.2f;
  return 0;
}

/* What SynthesisLayer.__init__/init_upfirdn would have computed from the
 * layer's own sizes, rates and hyperparameters; the stored values must be
 * those (the official forward uses the stored ones without looking). */
static int check_layer(const obj *b, const sg3_layer_config *L,
                       const sg3_xl_layer_extra *x) {
  char why[160];
  if (L->is_torgb && L->conv_kernel != 1)
    return bad(b, "conv_kernel", "is not 1 in the ToRGB layer");
  double tmp = fmax(L->in_sampling_rate, L->out_sampling_rate) *
               (L->is_torgb ? 1 : x->lrelu_upsampling);
  if (L->tmp_sampling_rate != tmp) {
    snprintf(why, sizeof why, "= %g, not max(in, out) x %d = %g",
             L->tmp_sampling_rate, L->is_torgb ? 1 : x->lrelu_upsampling, tmp);
    return bad(b, "tmp_sampling_rate", why);
  }
  if (L->in_sampling_rate * L->up_factor != tmp)
    return bad(b, "up_factor",
               "does not take in_sampling_rate to "
               "tmp_sampling_rate");
  if (L->out_sampling_rate * L->down_factor != tmp)
    return bad(b, "down_factor",
               "does not take out_sampling_rate to "
               "tmp_sampling_rate");
  int up_taps =
      L->up_factor > 1 && !L->is_torgb ? x->filter_size * L->up_factor : 1;
  int down_taps =
      L->down_factor > 1 && !L->is_torgb ? x->filter_size * L->down_factor : 1;
  if (L->up_taps != up_taps) {
    snprintf(why, sizeof why, "= %d, not %d", L->up_taps, up_taps);
    return bad(b, "up_taps", why);
  }
  if (L->down_taps != down_taps) {
    snprintf(why, sizeof why, "= %d, not %d", L->down_taps, down_taps);
    return bad(b, "down_taps", why);
  }
  if (L->down_radial != (x->use_radial_filters && !L->is_critically_sampled))
    return bad(b, "down_radial",
               "differs from use_radial_filters and not critically sampled");
  /* The padding formula (Appendix C.3), Python's floor division. */
  long long total = (long long)(L->out_size - 1) * L->down_factor + 1;
  total -= (long long)(L->in_size + L->conv_kernel - 1) * L->up_factor;
  total += L->up_taps + L->down_taps - 2;
  long long num = total + L->up_factor, lo = num / 2;
  if (num % 2 != 0 && num < 0)
    lo -= 1;
  long long hi = total - lo;
  if (L->padding[0] != lo || L->padding[1] != hi || L->padding[2] != lo ||
      L->padding[3] != hi) {
    snprintf(why, sizeof why,
             "[%d, %d, %d, %d] does not match its sizes and filters "
             "([%lld, %lld, %lld, %lld])",
             L->padding[0], L->padding[1], L->padding[2], L->padding[3], lo, hi,
             lo, hi);
    return bad(b, "padding", why);
  }
  /* filtered_lrelu must then give out_size exactly. */
  long long n_conv = L->in_size + L->conv_kernel - 1;
  long long up_len = n_conv * L->up_factor + total - L->up_taps + 1;
  if (up_len < L->down_taps || up_len < 1 ||
      (up_len - L->down_taps + L->down_factor) / L->down_factor != L->out_size)
    return bad(b, "out_size", "does not follow from in_size and the filters");
  return 0;
}

/* Layer i takes what the one before it (or the input) gives. */
static int check_chain(const obj *b, const sg3_config *c, int i) {
  const sg3_layer_config *L = &c->layers[i];
  int ch = i ? c->layers[i - 1].out_channels : c->input_channels;
  int size = i ? c->layers[i - 1].out_size : c->input_size;
  double rate = i ? c->layers[i - 1].out_sampling_rate : c->input_sampling_rate;
  const char *prev = i ? "the previous layer's output" : "the input's";
  char why[160];
  if (L->in_channels != ch) {
    snprintf(why, sizeof why, "= %d, but %s has %d channels", L->in_channels,
             prev, ch);
    return bad(b, "in_channels", why);
  }
  if (L->in_size != size) {
    snprintf(why, sizeof why, "= %d, but %s is %d pixels wide", L->in_size,
             prev, size);
    return bad(b, "in_size", why);
  }
  if (L->in_sampling_rate != rate) {
    snprintf(why, sizeof why, "= %g, but %s sampling rate is %g",
             L->in_sampling_rate, prev, rate);
    return bad(b, "in_sampling_rate", why);
  }
  return 0;
}

/* init_kwargs, as far as it says something the schedule also says. */
static int check_init_kwargs(JsonObject *kw, sg3_xl_config *xc, char **error) {
  static const char *const keys[] = {"c_dim", "img_resolution", "img_channels",
                                     "z_dim", "w_dim"};
  const int have[] = {xc->cfg.c_dim, xc->cfg.img_resolution,
                      xc->cfg.img_channels, xc->cfg.z_dim, xc->cfg.w_dim};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    JsonNode *n = json_object_get_member(kw, keys[i]);
    if (!n)
      continue;
    if (!JSON_NODE_HOLDS_VALUE(n) ||
        json_node_get_value_type(n) != G_TYPE_INT64 ||
        json_node_get_int(n) != have[i])
      return sg3_fail(error, SG3_ERR_CORRUPT,
                      "init_kwargs.%s differs from the generator's (%d)",
                      keys[i], have[i]);
  }
  xc->superres = json_object_has_member(kw, "path_stem");
  return 0;
}

static JsonParser *parse_object(const char *json, const char *what,
                                JsonObject **out, char **error) {
  /* json-glib recurses: refuse deep nesting before it sees the text */
  if (json && sg3_json_check_depth(json, strlen(json), 0, error)) {
    sg3_prefix_error(error, "%s is not a JSON object", what);
    return NULL;
  }
  JsonParser *p = json_parser_new();
  GError *gerr = NULL;
  JsonNode *root;
  if (!json || !json_parser_load_from_data(p, json, -1, &gerr) ||
      !(root = json_parser_get_root(p)) || !JSON_NODE_HOLDS_OBJECT(root)) {
    sg3_fail(error, SG3_ERR_CORRUPT, "%s is not a JSON object%s%s", what,
             gerr ? ": " : "", gerr ? gerr->message : "");
    if (gerr)
      g_error_free(gerr);
    g_object_unref(p);
    return NULL;
  }
  *out = json_node_get_object(root);
  return p;
}

static int parse(JsonObject *root, JsonObject *kw, sg3_xl_config *xc,
                 char **error) {
  sg3_config *c = &xc->cfg;
  obj g, in;
  JsonArray *names = NULL;
  if (sub_object(root, "generator", "generator dimensions", &g, error) ||
      sub_object(root, "input", "input layer", &in, error))
    return -1;
  JsonNode *ln = json_object_get_member(root, "layers");
  if (!ln)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the StyleGAN-XL model has no per-layer schedule "
                    "(safetensors: __metadata__.layers); it cannot be rebuilt "
                    "from init_kwargs");
  if (!JSON_NODE_HOLDS_ARRAY(ln))
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the layer schedule's layers is not a list");
  JsonArray *layers = json_node_get_array(ln);
  guint n = json_array_get_length(layers);
  if (parse_generator(&g, xc, &names) || parse_input(&in, c) ||
      check_init_kwargs(kw, xc, error))
    return -1;
  if (n < 1 || n > MAX_LAYERS)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the layer schedule has %u layers (1 to %d)", n,
                    MAX_LAYERS);
  if (json_array_get_length(names) != n)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the layer schedule has %u layers but %u layer_names", n,
                    json_array_get_length(names));
  if (c->num_ws != (int)n + 1)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "num_ws is %d, but the input and %u layers take %u ws",
                    c->num_ws, n, n + 1);
  c->num_layers = (int)n - 1;
  c->layers = calloc(n, sizeof *c->layers);
  xc->extra = calloc(n, sizeof *xc->extra);
  if (!c->layers || !xc->extra)
    return sg3_oom(error, NULL);
  for (guint i = 0; i < n; i++) {
    sg3_layer_config *L = &c->layers[i];
    JsonNode *e = json_array_get_element(layers, i);
    JsonNode *nm = json_array_get_element(names, i);
    char what[96];
    snprintf(what, sizeof what, "layers[%u]", i);
    if (!JSON_NODE_HOLDS_OBJECT(e))
      return sg3_fail(error, SG3_ERR_CORRUPT,
                      "the layer schedule's %s is not an object", what);
    obj b = {json_node_get_object(e), what, error};
    const char *name = NULL;
    if (get_string(&b, "name", &name))
      return -1;
    if (!name_ok(name))
      return bad(&b, "name",
                 "is not a layer name (letters, digits and '_', "
                 "at most 31)");
    if (!JSON_NODE_HOLDS_VALUE(nm) ||
        json_node_get_value_type(nm) != G_TYPE_STRING ||
        strcmp(json_node_get_string(nm), name))
      return bad(&b, "name", "differs from the generator's layer_names");
    for (guint k = 0; k < i; k++)
      if (!strcmp(c->layers[k].name, name))
        return bad(&b, "name", "appears twice");
    snprintf(L->name, sizeof L->name, "%s", name);
    snprintf(what, sizeof what, "layers[%u] (%s)", i, name);
    if (parse_layer(&b, c, L, &xc->extra[i]))
      return -1;
    if (L->is_torgb != (i == n - 1))
      return bad(&b, "is_torgb",
                 L->is_torgb ? "is true before the last layer"
                             : "is false in the last layer");
    if (check_chain(&b, c, (int)i) || check_layer(&b, L, &xc->extra[i]))
      return -1;
  }
  const sg3_layer_config *last = &c->layers[n - 1];
  if (last->out_channels != c->img_channels ||
      last->out_size != c->img_resolution)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the last layer gives %d channels of %d x %d, not the "
                    "image's %d of %d x %d",
                    last->out_channels, last->out_size, last->out_size,
                    c->img_channels, c->img_resolution, c->img_resolution);
  /* For the model's info: the stem's kind of layers. */
  c->conv_kernel = c->layers[0].conv_kernel;
  c->use_radial_filters = xc->extra[0].use_radial_filters;
  c->filter_size = xc->extra[0].filter_size;
  c->lrelu_upsampling = xc->extra[0].lrelu_upsampling;
  c->conv_clamp = c->layers[0].conv_clamp;
  return 0;
}

int sg3_xl_config_parse(const char *schedule, const char *init_kwargs,
                        sg3_xl_config *xc, char **error) {
  memset(xc, 0, sizeof *xc);
  if (!schedule)
    return sg3_fail(error, SG3_ERR_CORRUPT,
                    "the StyleGAN-XL model has no layer schedule "
                    "(safetensors: __metadata__.layers, .input, "
                    ".generator); it cannot be rebuilt from init_kwargs");
  JsonObject *root, *kw;
  JsonParser *ps = parse_object(schedule, "the layer schedule", &root, error);
  JsonParser *pk =
      ps ? parse_object(init_kwargs, "init_kwargs", &kw, error) : NULL;
  int rc = pk ? parse(root, kw, xc, error) : -1;
  if (pk)
    g_object_unref(pk);
  if (ps)
    g_object_unref(ps);
  if (rc)
    sg3_xl_config_clear(xc);
  return rc;
}

void sg3_xl_config_clear(sg3_xl_config *xc) {
  sg3_config_clear(&xc->cfg);
  free(xc->extra);
  xc->extra = NULL;
}

/* ---- writing ---- */

static void put_double(GString *s, double f) {
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, f);
    if (strtod(buf, NULL) == f)
      break;
  }
  g_string_append(s, buf);
  if (!strpbrk(buf, ".eE"))
    g_string_append(s, ".0");
}

char *sg3_xl_schedule_json(const sg3_xl_config *xc) {
  const sg3_config *c = &xc->cfg;
  GString *s = g_string_new(NULL);
  g_string_append_printf(
      s,
      "{\"generator\": {\"z_dim\": %d, \"c_dim\": %d, \"w_dim\": %d, "
      "\"num_ws\": %d, \"img_resolution\": %d, \"img_channels\": %d, "
      "\"output_scale\": ",
      c->z_dim, c->c_dim, c->w_dim, c->num_ws, c->img_resolution,
      c->img_channels);
  put_double(s, c->output_scale);
  g_string_append(s, ", \"layer_names\": [");
  for (int i = 0; i <= c->num_layers; i++)
    g_string_append_printf(s, "%s\"%s\"", i ? ", " : "", c->layers[i].name);
  g_string_append_printf(s,
                         "], \"mapping_num_layers\": %d, "
                         "\"mapping_lr_multiplier\": ",
                         c->mapping_layers);
  put_double(s, c->mapping_lr_multiplier);
  g_string_append_printf(s,
                         ", \"embed_num_embeddings\": %d, "
                         "\"embed_embedding_dim\": %d}, \"input\": {\"name\": "
                         "\"input\", \"channels\": %d, \"size\": [%d, %d], "
                         "\"sampling_rate\": ",
                         xc->embed_rows, xc->embed_dim, c->input_channels,
                         c->input_size, c->input_size);
  put_double(s, c->input_sampling_rate);
  g_string_append(s, ", \"bandwidth\": ");
  put_double(s, c->input_bandwidth);
  g_string_append_printf(s, ", \"w_dim\": %d}, \"layers\": [", c->w_dim);
  for (int i = 0; i <= c->num_layers; i++) {
    const sg3_layer_config *L = &c->layers[i];
    const sg3_xl_layer_extra *x = &xc->extra[i];
    g_string_append_printf(
        s,
        "%s{\"name\": \"%s\", \"is_torgb\": %s, \"is_critically_sampled\": "
        "%s, ",
        i ? ", " : "", L->name, L->is_torgb ? "true" : "false",
        L->is_critically_sampled ? "true" : "false");
    if (x->use_fp16 >= 0)
      g_string_append_printf(s, "\"use_fp16\": %s, ",
                             x->use_fp16 ? "true" : "false");
    g_string_append_printf(
        s,
        "\"in_channels\": %d, \"out_channels\": %d, \"in_size\": [%d, %d], "
        "\"out_size\": [%d, %d], \"in_sampling_rate\": %lld, "
        "\"out_sampling_rate\": %lld, \"tmp_sampling_rate\": %lld",
        L->in_channels, L->out_channels, L->in_size, L->in_size, L->out_size,
        L->out_size, (long long)L->in_sampling_rate,
        (long long)L->out_sampling_rate, (long long)L->tmp_sampling_rate);
    const double f[4] = {L->in_cutoff, L->out_cutoff, L->in_half_width,
                         L->out_half_width};
    static const char *const fk[4] = {"in_cutoff", "out_cutoff",
                                      "in_half_width", "out_half_width"};
    for (int k = 0; k < 4; k++) {
      g_string_append_printf(s, ", \"%s\": ", fk[k]);
      put_double(s, f[k]);
    }
    g_string_append_printf(
        s,
        ", \"up_factor\": %d, \"up_taps\": %d, \"down_factor\": %d, "
        "\"down_taps\": %d, \"down_radial\": %s, \"use_radial_filters\": %s, "
        "\"padding\": [%d, %d, %d, %d], \"conv_kernel\": %d, \"conv_clamp\": ",
        L->up_factor, L->up_taps, L->down_factor, L->down_taps,
        L->down_radial ? "true" : "false",
        x->use_radial_filters ? "true" : "false", L->padding[0], L->padding[1],
        L->padding[2], L->padding[3], L->conv_kernel);
    if (L->conv_clamp < 0)
      g_string_append(s, "null");
    else if (L->conv_clamp == floorf(L->conv_clamp))
      g_string_append_printf(s, "%lld", (long long)L->conv_clamp);
    else
      put_double(s, L->conv_clamp);
    g_string_append_printf(s, ", \"filter_size\": %d, \"lrelu_upsampling\": %d",
                           x->filter_size, x->lrelu_upsampling);
    if (x->magnitude_ema_beta >= 0) {
      g_string_append(s, ", \"magnitude_ema_beta\": ");
      put_double(s, x->magnitude_ema_beta);
    }
    g_string_append_printf(s, ", \"w_dim\": %d}", c->w_dim);
  }
  g_string_append(s, "]}");
  char *out = malloc(s->len + 1);
  if (out)
    memcpy(out, s->str, s->len + 1);
  g_string_free(s, TRUE);
  return out;
}
