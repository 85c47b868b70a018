/* StyleGAN-XL beyond the parity cases: the damaged and forged files of
 * tests/data/xl/bad give their error, forged schedules of every kind are
 * refused, the superres schedule computation reproduces the official one,
 * per-class centres, a class drawn from the seed as numpy draws it,
 * multimodal truncation's errors, random XL models and the safetensors
 * round trip.
 *
 * usage: test_xl XL_DATA_DIR */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "error.h"
#include "io/model_file.h"
#include "model.h"
#include "numpy_random.h"
#include "stylegan_xl/stylegan_xl.h"

static const char *dir;

static char *path_of(const char *name) {
  return g_build_filename(dir, name, NULL);
}

/* ---- damaged and forged files (bad/README.md) ---- */

static void bad_files(void) {
  static const struct {
    const char *file;
    sg3_status code;
    const char *says;
  } cases[] = {
      {"embed-too-small.pkl", SG3_ERR_CORRUPT,
       "class table (mapping.embed) has 2 rows for 4 classes"},
      {"inconsistent-channels.pkl", SG3_ERR_CORRUPT,
       "(L3_52_1): in_channels = 5, but the previous layer's output has 4"},
      {"inconsistent-size.pkl", SG3_ERR_CORRUPT,
       "(L3_52_1): in_size = 40, but the previous layer's output is 36"},
      {"layer-attr-missing-rate.pkl", SG3_ERR_CORRUPT,
       "(L3_52_1): out_sampling_rate is missing"},
      {"layer-attr-missing.pkl", SG3_ERR_CORRUPT,
       "(L2_36_4): padding is missing"},
      {"layer-field-missing.safetensors", SG3_ERR_CORRUPT,
       "(L2_36_4): down_taps is missing"},
      {"no-layers.safetensors", SG3_ERR_CORRUPT,
       "no per-layer schedule (safetensors: __metadata__.layers)"},
      {"num-ws-mismatch.pkl", SG3_ERR_CORRUPT,
       "num_ws is 5, but the input and 5 layers take 6 ws"},
      {"stem-layers-missing.pkl", SG3_ERR_CORRUPT,
       "synthesis layer 'L0_36_4' (layer_names[0]) is not in G_ema.synthesis"},
      {"stem-mapping-missing.pkl", SG3_ERR_CORRUPT,
       "G_ema has no mapping network"},
      {"truncated-snapshot.pkl", SG3_ERR_CORRUPT, "truncated"},
      {"truncated.pkl", SG3_ERR_CORRUPT, "truncated"},
      {"w-avg-shape.pkl", SG3_ERR_CORRUPT,
       "tensor 'mapping.w_avg' has shape [3, 4]"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *name = g_strdup_printf("bad/%s", cases[i].file);
    char *p = path_of(name);
    sg3_model *m = NULL;
    char *err = NULL;
    sg3_status st = sg3_model_open(p, NULL, &m, &err);
    check(st == cases[i].code && !m && err && !strncmp(err, p, strlen(p)) &&
              strstr(err, cases[i].says) && !strchr(err, '\n'),
          "%s: %s: %s", cases[i].file, sg3_status_name(st), err ? err : "");
    sg3_model_unref(m);
    free(err);
    g_free(p);
    g_free(name);
  }
}

/* The intact files the forgeries come from: they load and give the same
 * image. */
static void tiny_ok(void) {
  char *pk = path_of("bad/tiny32-ok.pkl"),
       *st = path_of("bad/tiny32-ok.safetensors");
  char *err = NULL;
  sg3_model *a = sg3_model_load(pk, &err),
            *b = a ? sg3_model_load(st, &err) : NULL;
  check(a && b, "tiny32-ok.pkl and .safetensors load%s%s", err ? ": " : "",
        err ? err : "");
  free(err);
  if (a && b) {
    sg3_request r;
    sg3_request_init(&r);
    r.seed = 9;
    r.class_index = 3;
    r.psi = 0.7f;
    size_t n = sg3_model_frame_size(a, SG3_PIXELS_U8_HWC);
    uint8_t *pa = malloc(n), *pb = malloc(n);
    sg3_generator *ga = sg3_generator_new(a, NULL),
                  *gb = sg3_generator_new(b, NULL);
    check(sg3_render(ga, &r, SG3_PIXELS_U8_HWC, pa, NULL) == SG3_OK &&
              sg3_render(gb, &r, SG3_PIXELS_U8_HWC, pb, NULL) == SG3_OK &&
              !memcmp(pa, pb, n),
          "tiny32-ok: pickle and safetensors render the same %zu bytes", n);
    sg3_generator_free(ga);
    sg3_generator_free(gb);
    free(pa);
    free(pb);
  }
  sg3_model_unref(a);
  sg3_model_unref(b);
  g_free(pk);
  g_free(st);
}

/* ---- forged schedules ---- */

static int read_set(const char *name, sg3_tensor_set *set) {
  char *p = path_of(name);
  size_t size;
  unsigned char *data = check_read_file(p, &size);
  sg3_tensor_set_init(set);
  char *err = NULL;
  int rc = data ? sg3_model_file_read(data, size, p, set, &err) : -1;
  if (rc)
    check(0, "read %s: %s", p, err ? err : "");
  free(err);
  free(data);
  g_free(p);
  return rc;
}

/* The schedule with one field replaced (value = JSON text) or removed
 * (value NULL); where: "generator", "input" or "layers" (element `layer`). */
static char *mutate(const char *schedule, const char *where, int layer,
                    const char *key, const char *value) {
  JsonParser *p = json_parser_new();
  json_parser_load_from_data(p, schedule, -1, NULL);
  JsonObject *root = json_node_get_object(json_parser_get_root(p));
  JsonNode *n = json_object_get_member(root, where);
  JsonObject *o =
      layer >= 0
          ? json_array_get_object_element(json_node_get_array(n), (guint)layer)
          : json_node_get_object(n);
  if (value) {
    JsonParser *v = json_parser_new();
    json_parser_load_from_data(v, value, -1, NULL);
    json_object_set_member(o, key, json_node_copy(json_parser_get_root(v)));
    g_object_unref(v);
  } else {
    json_object_remove_member(o, key);
  }
  char *s = json_to_string(json_parser_get_root(p), FALSE);
  char *out = strdup(s);
  g_free(s);
  g_object_unref(p);
  return out;
}

/* Builds a model from a copy of `base` with the schedule replaced. */
static void expect_refused(const sg3_tensor_set *base, const char *what,
                           char *schedule, sg3_status code, const char *says) {
  sg3_tensor_set set;
  sg3_tensor_set_init(&set);
  for (size_t i = 0; i < base->n; i++) {
    const sg3_tensor *t = &base->items[i];
    float *d = malloc(t->numel ? t->numel * sizeof(float) : 1);
    memcpy(d, t->data, t->numel * sizeof(float));
    sg3_tensor_set_add(&set, t->name, t->ndim, t->shape, d, NULL);
  }
  set.init_kwargs = strdup(base->init_kwargs);
  set.family = strdup(base->family);
  set.schedule = schedule;
  char *err = NULL;
  sg3_error_begin();
  sg3_model *m = sg3_model_from_tensors(&set, "forged", NULL, NULL, NULL, &err);
  sg3_status st = sg3_error_end(m ? 0 : -1, SG3_ERR_CORRUPT);
  check(!m && st == code && err && strstr(err, says), "%s: %s: %s", what,
        sg3_status_name(st), err ? err : "(loaded)");
  free(err);
  sg3_model_unref(m);
}

static void forged_schedules(void) {
  sg3_tensor_set base;
  if (read_set("xl32c.safetensors", &base))
    return;
  const char *s = base.schedule;
  static const struct {
    const char *what, *where;
    int layer;
    const char *key, *value;
    sg3_status code;
    const char *says;
  } cases[] = {
      {"padding off by one", "layers", 6, "padding", "[10, 9, 10, 9]",
       SG3_ERR_CORRUPT, "padding [10, 9, 10, 9] does not match"},
      {"up_taps not filter_size x up", "layers", 6, "up_taps", "12",
       SG3_ERR_CORRUPT, "up_taps = 12, not 24"},
      {"tmp rate not max x lrelu_upsampling", "layers", 3, "tmp_sampling_rate",
       "64", SG3_ERR_CORRUPT, "tmp_sampling_rate = 64"},
      {"down_factor", "layers", 3, "down_factor", "4", SG3_ERR_CORRUPT,
       "down_factor does not take"},
      {"radial flag", "layers", 1, "down_radial", "true", SG3_ERR_CORRUPT,
       "down_radial differs"},
      {"ToRGB not last", "layers", 4, "is_torgb", "true", SG3_ERR_CORRUPT,
       "is_torgb"},
      {"ToRGB with a 3x3 kernel", "layers", 9, "conv_kernel", "3",
       SG3_ERR_CORRUPT, "conv_kernel is not 1 in the ToRGB layer"},
      {"non-square", "layers", 2, "out_size", "[36, 40]", SG3_ERR_UNSUPPORTED,
       "only square layers"},
      {"huge size", "layers", 2, "out_size", "[100000, 100000]",
       SG3_ERR_CORRUPT, "not two sizes from 1 to 16384"},
      {"a string for a number", "layers", 2, "in_cutoff", "\"2\"",
       SG3_ERR_CORRUPT, "in_cutoff is not a number"},
      {"negative clamp", "layers", 2, "conv_clamp", "-1", SG3_ERR_CORRUPT,
       "conv_clamp is negative"},
      {"unknown field", "layers", 0, "noise_strength", "1", SG3_ERR_CORRUPT,
       "unknown field 'noise_strength'"},
      {"a name that is no tensor prefix", "layers", 0, "name", "\"L0.x\"",
       SG3_ERR_CORRUPT, "is not a layer name"},
      {"name and layer_names differ", "layers", 0, "name", "\"L0_36_17\"",
       SG3_ERR_CORRUPT, "differs from the generator's layer_names"},
      {"rate chain broken", "layers", 5, "in_sampling_rate", "32",
       SG3_ERR_CORRUPT, "in_sampling_rate = 32"},
      {"layer w_dim", "layers", 5, "w_dim", "17", SG3_ERR_CORRUPT,
       "w_dim differs"},
      {"input bandwidth at Nyquist", "input", -1, "bandwidth", "8.0",
       SG3_ERR_CORRUPT, "bandwidth is not below half the sampling rate"},
      {"input size", "input", -1, "size", "[40, 40]", SG3_ERR_CORRUPT,
       "in_size = 36, but the input's is 40"},
      {"image resolution", "generator", -1, "img_resolution", "64",
       SG3_ERR_CORRUPT, "init_kwargs.img_resolution differs"},
      {"no layer names", "generator", -1, "layer_names", NULL, SG3_ERR_CORRUPT,
       "layer_names is not a list"},
      {"c_dim beyond the table", "generator", -1, "embed_num_embeddings", "999",
       SG3_ERR_CORRUPT, "has 999 rows for 1000 classes"},
      {"no lr multiplier", "generator", -1, "mapping_lr_multiplier", "0",
       SG3_ERR_CORRUPT, "mapping_lr_multiplier is not a positive number"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    expect_refused(
        &base, cases[i].what,
        mutate(s, cases[i].where, cases[i].layer, cases[i].key, cases[i].value),
        cases[i].code, cases[i].says);
  expect_refused(&base, "not JSON", strdup("{\"layers\": ["), SG3_ERR_CORRUPT,
                 "not a JSON object");
  expect_refused(&base, "no input", strdup("{\"generator\": {}}"),
                 SG3_ERR_CORRUPT, "no input layer in its layer schedule");
  /* The forged weights' shapes are checked too. */
  char *step = mutate(s, "layers", 9, "in_channels", "5");
  expect_refused(&base, "channels that the weights do not have",
                 mutate(step, "layers", 8, "out_channels", "5"),
                 SG3_ERR_CORRUPT, "has shape [4, 4, 3, 3]");
  free(step);
  sg3_tensor_set_clear(&base);
}

/* ---- the schedule computation ---- */

/* Same JSON, doubles to 1e-12 relative: numpy's vectorised pow is not
 * always libm's to the last bit. */
static int close_json(JsonNode *a, JsonNode *b) {
  if (JSON_NODE_TYPE(a) != JSON_NODE_TYPE(b))
    return 0;
  if (JSON_NODE_HOLDS_OBJECT(a)) {
    JsonObject *oa = json_node_get_object(a), *ob = json_node_get_object(b);
    if (json_object_get_size(oa) != json_object_get_size(ob))
      return 0;
    GList *members = json_object_get_members(oa);
    int eq = 1;
    for (GList *l = members; l && eq; l = l->next) {
      JsonNode *mb = json_object_get_member(ob, l->data);
      eq = mb && close_json(json_object_get_member(oa, l->data), mb);
    }
    g_list_free(members);
    return eq;
  }
  if (JSON_NODE_HOLDS_ARRAY(a)) {
    JsonArray *aa = json_node_get_array(a), *ab = json_node_get_array(b);
    if (json_array_get_length(aa) != json_array_get_length(ab))
      return 0;
    for (guint i = 0; i < json_array_get_length(aa); i++)
      if (!close_json(json_array_get_element(aa, i),
                      json_array_get_element(ab, i)))
        return 0;
    return 1;
  }
  if (JSON_NODE_HOLDS_NULL(a))
    return 1;
  GType t = json_node_get_value_type(a);
  if (t != json_node_get_value_type(b))
    return 0;
  if (t == G_TYPE_DOUBLE) {
    double x = json_node_get_double(a), y = json_node_get_double(b);
    return fabs(x - y) <= 1e-12 * fabs(y);
  }
  if (t == G_TYPE_STRING)
    return !strcmp(json_node_get_string(a), json_node_get_string(b));
  if (t == G_TYPE_BOOLEAN)
    return json_node_get_boolean(a) == json_node_get_boolean(b);
  return json_node_get_int(a) == json_node_get_int(b);
}

static int same_schedule(const char *a, const char *b, int exact) {
  JsonParser *pa = json_parser_new(), *pb = json_parser_new();
  int eq = json_parser_load_from_data(pa, a, -1, NULL) &&
           json_parser_load_from_data(pb, b, -1, NULL);
  if (eq && exact)
    eq = json_node_equal(json_parser_get_root(pa), json_parser_get_root(pb));
  else if (eq)
    eq = close_json(json_parser_get_root(pa), json_parser_get_root(pb));
  g_object_unref(pa);
  g_object_unref(pb);
  return eq;
}

/* SuperresGenerator.__init__ on the stem's stored schedule gives the
 * superres model's stored schedule. */
static void superres(const char *stem, const char *model, int head, int up,
                     double cbase, double cmax) {
  sg3_tensor_set a, b;
  if (read_set(stem, &a))
    return;
  if (read_set(model, &b)) {
    sg3_tensor_set_clear(&a);
    return;
  }
  sg3_xl_config xs, xo;
  char *err = NULL;
  int ok = sg3_xl_config_parse(a.schedule, a.init_kwargs, &xs, &err) == 0;
  sg3_xl_superres_args args = {.head_layers = head,
                               .up_factor = up,
                               .channel_base = cbase,
                               .channel_max = cmax,
                               .last_stopband_rel = pow(2, 0.3),
                               .margin_size = 10,
                               .num_critical = 2,
                               .num_fp16_res = 4};
  ok = ok && sg3_xl_superres(&xs, &args, &xo, &err) == 0;
  char *json = ok ? sg3_xl_schedule_json(&xo) : NULL;
  check(json && same_schedule(json, b.schedule, 0),
        "%s + %d head layers x%d = %s's schedule%s%s", stem, head, up, model,
        err ? ": " : "", err ? err : "");
  free(json);
  free(err);
  if (ok)
    sg3_xl_config_clear(&xo);
  sg3_xl_config_clear(&xs);
  sg3_tensor_set_clear(&a);
  sg3_tensor_set_clear(&b);
}

/* Parsed and written again, a schedule is the same JSON. */
static void schedule_round_trip(const char *name) {
  sg3_tensor_set a;
  if (read_set(name, &a))
    return;
  sg3_xl_config xc;
  char *err = NULL;
  int ok = sg3_xl_config_parse(a.schedule, a.init_kwargs, &xc, &err) == 0;
  char *json = ok ? sg3_xl_schedule_json(&xc) : NULL;
  check(json && same_schedule(json, a.schedule, 1),
        "%s: the schedule written back is the one read%s%s", name,
        err ? ": " : "", err ? err : "");
  free(json);
  free(err);
  if (ok)
    sg3_xl_config_clear(&xc);
  sg3_tensor_set_clear(&a);
}

/* ---- requests ---- */

static void randint(void) {
  /* np.random.RandomState(seed).randint(low=0, high=high, size=(1)) for
   * seeds 0, 1, 2, 3, 4294967295 (numpy 1.24). */
  static const struct {
    uint64_t high;
    int64_t v[5];
  } cases[] = {
      {1000, {684, 37, 168, 874, 419}},
      {10, {5, 5, 8, 8, 3}},
      {3, {0, 1, 0, 2, 2}},
      {2, {0, 1, 0, 0, 1}},
      {1, {0, 0, 0, 0, 0}},
      {7, {4, 5, 0, 2, 3}},
      {2147483648u, {209652396, 1791095845, 1872583848, 218175338, 419326371}},
      {4294967296u,
       {2357136044, 1791095845, 1872583848, 2365658986, 419326371}},
  };
  static const uint32_t seeds[5] = {0, 1, 2, 3, 4294967295u};
  int bad = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    for (int s = 0; s < 5; s++) {
      sg3_randomstate rs;
      sg3_randomstate_seed(&rs, seeds[s]);
      bad += sg3_random_randint(&rs, cases[i].high) != cases[i].v[s];
    }
  check(!bad, "RandomState(seed).randint(0, high) as numpy (%d wrong)", bad);
  int k[4];
  sg3_classes_from_seed(7, 1000, 4, k);
  /* np.random.RandomState(7).randint(0, 1000, size=4) */
  check(k[0] == 175 && k[1] == 196 && k[2] == 537 && k[3] == 502,
        "sg3_classes_from_seed(7, 1000, 4) = %d %d %d %d", k[0], k[1], k[2],
        k[3]);
}

static void requests(void) {
  char *p = path_of("xl16c.safetensors");
  sg3_model *m = sg3_model_load(p, NULL);
  g_free(p);
  if (!check(m != NULL, "xl16c.safetensors loads"))
    return;
  sg3_model_info info;
  sg3_model_get_info(m, &info);
  check(!strcmp(info.family, "stylegan-xl") &&
            !strcmp(info.config, "stylegan-xl-t") &&
            !strcmp(info.architecture, "t") && info.c_dim == 1000 &&
            info.num_ws == 9 && info.num_layers == 7,
        "xl16c: %s %s/%s, %d classes, %d ws, %d layers", info.family,
        info.config, info.architecture, info.c_dim, info.num_ws,
        info.num_layers);
  /* Per-class centres: mapping.w_avg's rows. */
  const sg3_tensor *wa = sg3_tensor_set_find(&m->tensors, "mapping.w_avg");
  float w[64];
  char *err = NULL;
  check(wa && sg3_model_get_w_avg(m, 207, w, &err) == SG3_OK &&
            !memcmp(w, wa->data + 207 * 16, 16 * sizeof(float)),
        "w_avg of class 207 is row 207 of mapping.w_avg");
  sg3_status st = sg3_model_get_w_avg(m, 1000, w, &err);
  check(st == SG3_ERR_INVALID_ARGUMENT && err && strstr(err, "out of range"),
        "w_avg of class 1000: %s", err ? err : "");
  free(err);
  err = NULL;
  sg3_generator *g = sg3_generator_new(m, NULL);
  float a[9 * 16], b[9 * 16];
  sg3_request r;
  sg3_request_init(&r);
  r.seed = 2;
  r.psi = 0.7f;
  int ok = sg3_request_ws(g, &r, a, NULL) == SG3_OK;
  r.class_index = 168; /* what gen_images.py draws for seed 2 */
  ok = ok && sg3_request_ws(g, &r, b, NULL) == SG3_OK;
  check(ok && !memcmp(a, b, sizeof a),
        "no class: the seed's (168), as gen_images.py draws it");
  r.source = SG3_LATENT_Z;
  double z[64] = {0};
  r.z = z;
  r.class_index = -1;
  st = sg3_request_ws(g, &r, a, &err);
  check(st == SG3_ERR_INVALID_ARGUMENT && err &&
            strstr(err, "a class is required"),
        "z without a class: %s", err ? err : "");
  free(err);
  err = NULL;
  r.source = SG3_LATENT_SEED;
  r.class_index = 3;
  float cent[2 * 16];
  for (int i = 0; i < 32; i++)
    cent[i] = NAN;
  r.centroids = cent;
  r.num_centroids = 0;
  st = sg3_request_ws(g, &r, a, &err);
  check(st == SG3_ERR_INVALID_ARGUMENT && err && strstr(err, "0 centroids"),
        "no centroids: %s", err ? err : "");
  free(err);
  err = NULL;
  r.num_centroids = 2;
  st = sg3_request_ws(g, &r, a, &err);
  check(st == SG3_ERR_INVALID_ARGUMENT && err && strstr(err, "not finite"),
        "NaN centroids: %s", err ? err : "");
  free(err);
  err = NULL;
  /* One centroid: the class no longer matters. */
  for (int i = 0; i < 16; i++)
    cent[i] = (float)i / 16;
  r.num_centroids = 1;
  ok = sg3_request_ws(g, &r, a, NULL) == SG3_OK;
  r.class_index = 5;
  r.psi = 0;
  ok = ok && sg3_request_ws(g, &r, b, NULL) == SG3_OK;
  check(ok && !memcmp(b, cent, 16 * sizeof(float)) &&
            !memcmp(b + 8 * 16, cent, 16 * sizeof(float)),
        "psi 0 with one centroid gives that centroid in every row");
  sg3_generator_free(g);
  sg3_model_unref(m);
}

/* ---- random models and the safetensors round trip ---- */

static void round_trip(sg3_model *m, const char *what) {
  char tmpl[] = "/tmp/test_xl_XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd >= 0)
    close(fd);
  char *err = NULL;
  sg3_model *b = NULL;
  int ok = fd >= 0 && sg3_model_save_safetensors(m, tmpl, &err) == SG3_OK &&
           sg3_model_open(tmpl, NULL, &b, &err) == SG3_OK;
  if (ok) {
    sg3_request r;
    sg3_request_init(&r);
    r.seed = 11;
    r.psi = 0.6f;
    size_t n = sg3_model_frame_size(m, SG3_PIXELS_F32_CHW);
    float *pa = malloc(n), *pb = malloc(n);
    sg3_generator *ga = sg3_generator_new(m, NULL),
                  *gb = sg3_generator_new(b, NULL);
    ok = sg3_render(ga, &r, SG3_PIXELS_F32_CHW, pa, &err) == SG3_OK &&
         sg3_render(gb, &r, SG3_PIXELS_F32_CHW, pb, &err) == SG3_OK &&
         !memcmp(pa, pb, n) &&
         same_schedule(m->tensors.schedule, b->tensors.schedule, 1);
    for (size_t i = 0; ok && i < n / sizeof(float); i++)
      ok = isfinite(pa[i]);
    sg3_generator_free(ga);
    sg3_generator_free(gb);
    free(pa);
    free(pb);
  }
  check(ok,
        "%s: saved as safetensors and loaded again, the same schedule "
        "and pixels%s%s",
        what, err ? ": " : "", err ? err : "");
  free(err);
  sg3_model_unref(b);
  unlink(tmpl);
}

static void random_models(void) {
  static const char *const stem =
      "{\"z_dim\": 16, \"w_dim\": 16, \"c_dim\": 5, \"img_resolution\": 16, "
      "\"img_channels\": 3, \"channel_base\": 256, \"channel_max\": 32, "
      "\"num_layers\": 6, \"conv_kernel\": 3, \"use_radial_filters\": false, "
      "\"magnitude_ema_beta\": 0.999, \"embed_num_embeddings\": 8, "
      "\"embed_embedding_dim\": 4, "
      "\"mapping_kwargs\": {\"rand_embedding\": false, \"num_layers\": 2}";
  char *kw = g_strdup_printf("%s}", stem);
  sg3_model *m = NULL;
  char *err = NULL;
  check(sg3_model_create_random("stylegan-xl", kw, 1, NULL, &m, &err) == SG3_OK,
        "a random XL stem%s%s", err ? ": " : "", err ? err : "");
  free(err);
  err = NULL;
  if (m)
    round_trip(m, "random stem");
  sg3_model_unref(m);
  m = NULL;
  g_free(kw);
  kw = g_strdup_printf("%s, \"superres\": [{\"head_layers\": 4, "
                       "\"up_factor\": 2}, {\"head_layers\": 3, "
                       "\"up_factor\": 4}]}",
                       stem);
  check(sg3_model_create_random("stylegan-xl", kw, 2, NULL, &m, &err) == SG3_OK,
        "a random XL stem with two superres stages%s%s", err ? ": " : "",
        err ? err : "");
  free(err);
  err = NULL;
  if (m) {
    sg3_model_info info;
    sg3_model_get_info(m, &info);
    check(info.img_resolution == 128 &&
              !strcmp(info.architecture, "t-superres") &&
              strstr(info.init_kwargs, "\"path_stem\"") &&
              strstr(info.init_kwargs, "\"up_factor\": 4"),
          "16 -> 32 -> 128: %dx%d %s, init_kwargs %s", info.img_resolution,
          info.img_resolution, info.architecture, info.init_kwargs);
    round_trip(m, "random superres");
  }
  sg3_model_unref(m);
  g_free(kw);
  kw = g_strdup_printf("%s, \"superres\": [{\"head_layers\": 2}]}", stem);
  sg3_status st = sg3_model_create_random("stylegan-xl", kw, 1, NULL, &m, &err);
  check(st == SG3_ERR_INVALID_ARGUMENT && err && strstr(err, "superres"),
        "a head of 2 layers is refused: %s", err ? err : "");
  free(err);
  g_free(kw);
  /* A pickle-loaded model converts too. */
  char *p = path_of("xl64r.pkl");
  m = sg3_model_load(p, NULL);
  g_free(p);
  if (check(m != NULL, "xl64r.pkl loads"))
    round_trip(m, "xl64r.pkl");
  sg3_model_unref(m);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s XL_DATA_DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  bad_files();
  tiny_ok();
  forged_schedules();
  superres("xl16c.safetensors", "xl32c.safetensors", 4, 2, 128, 16);
  superres("xl32c.safetensors", "xl64c.safetensors", 3, 2, 128, 16);
  superres("xl16r.safetensors", "xl64r.safetensors", 4, 4, 128, 16);
  schedule_round_trip("xl64c.pkl");
  schedule_round_trip("xl16c10.safetensors");
  randint();
  requests();
  random_models();
  return check_summary();
}
