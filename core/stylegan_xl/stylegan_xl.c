/* The StyleGAN-XL family: the schedule from the file (schedule.c), XL's
 * mapping network (mapping.c, SG3_MAPPING_XL), and StyleGAN3's synthesis
 * network and generators unchanged (the layers compute the same). */
#include "stylegan_xl/stylegan_xl.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "io/json_check.h"

/* StyleGAN-XL's MappingNetwork: the class table (rows x dim) projected by
 * embed_proj instead of StyleGAN3's embedding. */
static sg3_mapping_config xl_mapping_config(const sg3_config *c, int rows,
                                            int dim) {
  sg3_mapping_config mc = sg3_stylegan3_mapping_config(c);
  mc.kind = SG3_MAPPING_XL;
  mc.embed_features = dim;
  mc.embed_rows = rows;
  return mc;
}

static int build(sg3_model *m, const sg3_load_options *options, char **error) {
  (void)options;
  sg3_stylegan_xl *xl = calloc(1, sizeof *xl);
  if (!xl)
    return sg3_oom(error, NULL);
  m->net = xl;
  sg3_xl_config xc;
  if (sg3_xl_config_parse(m->tensors.schedule, m->init_kwargs, &xc, error))
    return -1;
  xl->net.cfg = xc.cfg;
  xl->extra = xc.extra;
  xl->embed_rows = xc.embed_rows;
  xl->embed_dim = xc.embed_dim;
  xl->superres = xc.superres;
  const sg3_config *c = &xl->net.cfg;
  sg3_stylegan3_set_dims(m, c);
  sg3_mapping_config mc = xl_mapping_config(c, xl->embed_rows, xl->embed_dim);
  if (sg3_mapping_build(&m->mapping, &mc, &m->tensors, error))
    return -1;
  return sg3_stylegan3_build_synthesis(m, &xl->net, error);
}

static void free_net(sg3_model *m) {
  sg3_stylegan_xl *xl = m->net;
  if (xl)
    free(xl->extra);
  sg3_stylegan3_free(m); /* xl->net is first: frees xl */
}

static void get_info(const sg3_model *m, sg3_model_info *info) {
  const sg3_stylegan_xl *xl = m->net;
  const sg3_config *c = &xl->net.cfg;
  int r = c->conv_kernel == 1 && c->use_radial_filters;
  info->num_layers = c->num_layers;
  info->conv_kernel = c->conv_kernel;
  info->use_radial_filters = c->use_radial_filters;
  info->config = r ? "stylegan-xl-r" : "stylegan-xl-t";
  info->architecture =
      xl->superres ? (r ? "r-superres" : "t-superres") : (r ? "r" : "t");
  info->has_noise = 0;
  info->has_transform = 1;
}

/* ---- superresolution heads ---- */

int sg3_xl_superres(const sg3_xl_config *stem, const sg3_xl_superres_args *a,
                    sg3_xl_config *out, char **error) {
  const sg3_config *s = &stem->cfg;
  memset(out, 0, sizeof *out);
  /* Cut off the critically sampled layers (ToRGB among them). */
  int kept = s->num_layers + 1;
  while (kept > 0 && s->layers[kept - 1].is_critically_sampled)
    kept--;
  const int H = a->head_layers, res = s->img_resolution * a->up_factor;
  if (kept < 1 || H < 1 || H > 64 || a->up_factor < 2 || res > 16384 ||
      H - 2 <= 0)
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                    "superres: %d head layers, up_factor %d on a %dx%d stem "
                    "with %d layers kept",
                    H, a->up_factor, s->img_resolution, s->img_resolution,
                    kept);
  const int stem_len = kept + 1, n = kept + H + 1;
  *out = *stem;
  out->superres = 1;
  sg3_config *c = &out->cfg;
  c->layers = calloc((size_t)n, sizeof *c->layers);
  out->extra = calloc((size_t)n, sizeof *out->extra);
  if (!c->layers || !out->extra) {
    sg3_xl_config_clear(out);
    return sg3_oom(error, NULL);
  }
  memcpy(c->layers, s->layers, (size_t)kept * sizeof *c->layers);
  memcpy(out->extra, stem->extra, (size_t)kept * sizeof *out->extra);
  c->img_resolution = res;
  c->num_layers = n - 1;
  c->num_ws = n + 1;
  /* compute_superres_filterparams, with its own num_critical = 2. */
  const sg3_layer_config *last = &s->layers[kept - 1];
  double first_cutoff = last->out_cutoff;
  double first_stopband = last->out_half_width + first_cutoff;
  double last_cutoff = res / 2.0;
  double last_stopband = last_cutoff * a->last_stopband_rel;
  double cut[65], rate[65], half[65];
  int size[65], ch[65];
  for (int i = 0; i <= H; i++) {
    double e = fmin((double)i / (H - 2), 1.0);
    cut[i] = first_cutoff * pow(last_cutoff / first_cutoff, e);
    double stop = first_stopband * pow(last_stopband / first_stopband, e);
    rate[i] =
        i ? exp2(ceil(log2(fmin(stop * 2, res)))) : last->out_sampling_rate;
    half[i] = fmax(stop, rate[i] / 2) - cut[i];
    size[i] = i >= H - 1 ? res : (int)(rate[i] + a->margin_size * 2);
    ch[i] =
        i == 0 ? last->out_channels
        : i == H
            ? c->img_channels
            : (int)rint(fmin((a->channel_base / 2) / cut[i], a->channel_max));
  }
  for (int idx = 0; idx <= H; idx++) {
    int prev = idx > 0 ? idx - 1 : 0;
    sg3_layer_config *L = &c->layers[kept + idx];
    sg3_xl_layer_extra *x = &out->extra[kept + idx];
    /* Head layers get the stem's conv_kernel and radial filters only. */
    x->filter_size = 6;
    x->lrelu_upsampling = 2;
    x->use_radial_filters = stem->extra[0].use_radial_filters;
    x->use_fp16 = rate[idx] * pow(2, a->num_fp16_res) > res;
    x->magnitude_ema_beta = 0.999;
    L->is_torgb = idx == H;
    L->is_critically_sampled = idx >= H - a->num_critical;
    L->in_channels = ch[prev];
    L->out_channels = ch[idx];
    L->in_size = size[prev];
    L->out_size = size[idx];
    L->in_sampling_rate = (double)(long long)rate[prev];
    L->out_sampling_rate = (double)(long long)rate[idx];
    L->in_cutoff = cut[prev];
    L->out_cutoff = cut[idx];
    L->in_half_width = half[prev];
    L->out_half_width = half[idx];
    L->conv_kernel = L->is_torgb ? 1 : stem->cfg.layers[0].conv_kernel;
    L->conv_clamp = 256;
    L->tmp_sampling_rate = fmax(L->in_sampling_rate, L->out_sampling_rate) *
                           (L->is_torgb ? 1 : x->lrelu_upsampling);
    L->up_factor = (int)rint(L->tmp_sampling_rate / L->in_sampling_rate);
    L->down_factor = (int)rint(L->tmp_sampling_rate / L->out_sampling_rate);
    L->up_taps =
        L->up_factor > 1 && !L->is_torgb ? x->filter_size * L->up_factor : 1;
    L->down_taps = L->down_factor > 1 && !L->is_torgb
                       ? x->filter_size * L->down_factor
                       : 1;
    L->down_radial = x->use_radial_filters && !L->is_critically_sampled;
    long long total = (long long)(L->out_size - 1) * L->down_factor + 1;
    total -= (long long)(L->in_size + L->conv_kernel - 1) * L->up_factor;
    total += L->up_taps + L->down_taps - 2;
    long long num = total + L->up_factor, lo = num / 2;
    if (num % 2 != 0 && num < 0)
      lo -= 1;
    L->padding[0] = L->padding[2] = (int)lo;
    L->padding[1] = L->padding[3] = (int)(total - lo);
    L->gain = L->is_torgb ? 1.0f : (float)sqrt(2.0);
    L->slope = L->is_torgb ? 1.0f : 0.2f;
    snprintf(L->name, sizeof L->name, "L%d_%d_%d", idx + stem_len, L->out_size,
             L->out_channels);
  }
  return 0;
}

/* ---- random models ---- */

static int json_int(JsonObject *o, const char *key, int def) {
  JsonNode *n = json_object_get_member(o, key);
  return n && JSON_NODE_HOLDS_VALUE(n) ? (int)json_node_get_int(n) : def;
}

static double json_double(JsonObject *o, const char *key, double def) {
  JsonNode *n = json_object_get_member(o, key);
  return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_double(n) : def;
}

/* The stem: a Generator's init_kwargs (train.py's G_kwargs; the schedule
 * is SynthesisNetwork.get_layer_specs, which is StyleGAN3's) without the
 * keys StyleGAN3 does not know, which are read here. */
static int random_stem(JsonObject *kw, sg3_xl_config *xc, char **error) {
  JsonObject *copy = json_object_new();
  GList *members = json_object_get_members(kw);
  static const char *const ours[] = {"superres", "embed_num_embeddings",
                                     "embed_embedding_dim"};
  for (GList *l = members; l; l = l->next) {
    const char *k = l->data;
    int skip = 0;
    for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
      skip |= !strcmp(k, ours[i]);
    JsonNode *v = json_object_get_member(kw, k);
    if (skip)
      continue;
    if (!strcmp(k, "mapping_kwargs") && JSON_NODE_HOLDS_OBJECT(v)) {
      JsonNode *mk = json_node_copy(v);
      json_object_remove_member(json_node_get_object(mk), "rand_embedding");
      json_object_set_member(copy, k, mk);
    } else {
      json_object_set_member(copy, k, json_node_copy(v));
    }
  }
  g_list_free(members);
  JsonNode *root = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(root, copy);
  char *text = json_to_string(root, FALSE);
  json_node_unref(root);
  memset(xc, 0, sizeof *xc);
  int rc = sg3_config_parse(text, &xc->cfg, error);
  g_free(text);
  if (rc)
    return -1;
  const sg3_config *c = &xc->cfg;
  xc->embed_rows = json_int(kw, "embed_num_embeddings", 1000);
  xc->embed_dim = json_int(kw, "embed_embedding_dim", 320);
  xc->extra = calloc((size_t)c->num_layers + 1, sizeof *xc->extra);
  if (!xc->extra)
    return sg3_oom(error, NULL);
  if (xc->embed_rows < 1 || xc->embed_rows > 1 << 20 ||
      xc->embed_rows < c->c_dim || xc->embed_dim < 1 || xc->embed_dim > 1 << 16)
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                    "init_kwargs: a class table of %d x %d for %d classes",
                    xc->embed_rows, xc->embed_dim, c->c_dim);
  int fp16 = json_int(kw, "num_fp16_res", 4);
  double beta = json_double(kw, "magnitude_ema_beta", 0.999);
  for (int i = 0; i <= c->num_layers; i++) {
    sg3_xl_layer_extra *x = &xc->extra[i];
    x->filter_size = c->filter_size;
    x->lrelu_upsampling = c->lrelu_upsampling;
    x->use_radial_filters = c->use_radial_filters;
    x->use_fp16 =
        c->layers[i].out_sampling_rate * pow(2, fp16) > c->img_resolution;
    x->magnitude_ema_beta = beta;
  }
  return 0;
}

/* init_kwargs.superres: [{"head_layers": H, "up_factor": U}, ...], stages
 * on top of the stem, as train.py --superres trains them one by one. */
static int random_stages(JsonObject *kw, sg3_xl_config *xc, char **error) {
  JsonNode *n = json_object_get_member(kw, "superres");
  if (!n)
    return 0;
  JsonArray *a = JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
  if (!a || json_array_get_length(a) > 16)
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                    "init_kwargs.superres is not a list of up to 16 stages");
  sg3_xl_superres_args args = {.channel_base = xc->cfg.channel_base,
                               .channel_max = xc->cfg.channel_max,
                               .last_stopband_rel = xc->cfg.last_stopband_rel,
                               .margin_size = xc->cfg.margin_size,
                               .num_critical = xc->cfg.num_critical,
                               .num_fp16_res = json_int(kw, "num_fp16_res", 4)};
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonNode *e = json_array_get_element(a, i);
    if (!JSON_NODE_HOLDS_OBJECT(e))
      return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                      "init_kwargs.superres[%u] is not an object", i);
    args.head_layers = json_int(json_node_get_object(e), "head_layers", 7);
    args.up_factor = json_int(json_node_get_object(e), "up_factor", 2);
    sg3_xl_config next;
    if (sg3_xl_superres(xc, &args, &next, error))
      return -1;
    sg3_xl_config_clear(xc);
    *xc = next;
  }
  return 0;
}

/* init_kwargs of the SuperresGenerator a random model stands for. */
static char *superres_kwargs(const sg3_xl_config *xc, JsonObject *kw) {
  JsonArray *a = json_node_get_array(json_object_get_member(kw, "superres"));
  JsonObject *last =
      json_array_get_object_element(a, json_array_get_length(a) - 1);
  char *s = g_strdup_printf(
      "{\"path_stem\": \"(random stem)\", \"head_layers\": %d, \"up_factor\": "
      "%d, \"c_dim\": %d, \"img_resolution\": %d, \"img_channels\": %d}",
      json_int(last, "head_layers", 7), json_int(last, "up_factor", 2),
      xc->cfg.c_dim, xc->cfg.img_resolution, xc->cfg.img_channels);
  char *out = s ? strdup(s) : NULL;
  g_free(s);
  return out;
}

static int random_tensors(const char *init_kwargs, uint64_t seed,
                          sg3_tensor_set *set, char **error) {
  if (init_kwargs &&
      sg3_json_check_depth(init_kwargs, strlen(init_kwargs), 0, error))
    return -1;
  JsonParser *p = json_parser_new();
  JsonNode *root;
  if (!init_kwargs || !json_parser_load_from_data(p, init_kwargs, -1, NULL) ||
      !(root = json_parser_get_root(p)) || !JSON_NODE_HOLDS_OBJECT(root)) {
    g_object_unref(p);
    return sg3_fail(error, SG3_ERR_INVALID_ARGUMENT,
                    "init_kwargs is not a JSON object");
  }
  JsonObject *kw = json_node_get_object(root);
  sg3_xl_config xc;
  int rc = -1;
  if (random_stem(kw, &xc, error) || random_stages(kw, &xc, error))
    goto out;
  const sg3_config *c = &xc.cfg;
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, (uint32_t)(seed ^ (seed >> 32)));
  sg3_mapping_config mc = xl_mapping_config(c, xc.embed_rows, xc.embed_dim);
  if (sg3_mapping_random(&mc, &rs, set, error) ||
      sg3_stylegan3_random_synthesis(c, &rs, set, error))
    goto out;
  free(set->schedule);
  set->schedule = sg3_xl_schedule_json(&xc);
  if (xc.superres) {
    free(set->init_kwargs);
    set->init_kwargs = superres_kwargs(&xc, kw);
  }
  if (!set->schedule || (xc.superres && !set->init_kwargs)) {
    sg3_oom(error, NULL);
    goto out;
  }
  rc = 0;
out:
  sg3_xl_config_clear(&xc);
  g_object_unref(p);
  return rc;
}

/* StyleGAN3's costs, on the stored schedule. */
static int estimate(const char *init_kwargs, const char *schedule, int winograd,
                    const sg3_simd *simd, int nthreads, sg3_estimate *e,
                    char **error) {
  sg3_xl_config xc;
  if (sg3_xl_config_parse(schedule, init_kwargs, &xc, error))
    return -1;
  int rc = sg3_stylegan3_estimate_config(&xc.cfg, winograd, simd, nthreads, e,
                                         error);
  sg3_xl_config_clear(&xc);
  return rc;
}

const sg3_family sg3_family_stylegan_xl = {
    .name = "stylegan-xl",
    .u8_rule = SG3_U8_XL,
    .gen_utils_truncation = 1,
    .estimate = estimate,
    .build = build,
    .free = free_net,
    .get_info = get_info,
    .random = random_tensors,
    .scratch_floats = sg3_stylegan3_scratch_floats,
    .generator_init = sg3_stylegan3_generator_init,
    .generator_free = sg3_stylegan3_generator_free,
    .num_stages = sg3_stylegan3_num_stages,
    .stage_name = sg3_stylegan3_stage_name,
    .synthesis = sg3_stylegan3_synthesis,
};
