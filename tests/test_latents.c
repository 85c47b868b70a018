/* Own latents (issue 11): parity with the official code for W+ files, style
 * mixing, anchoring, directions, fractional seeds and walks (reference data
 * in tests/data/latents, made with it; see its README), then the
 * properties the official code does not show: keyframes hit exactly, loops
 * that close, the latents reader's errors and the writer's round trip.
 *
 * usage: test_latents SOURCE_DIR */
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "npy.h"
#include "sg3.h"

static const char *src;

static double max_diff(const float *a, const float *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (!(d <= m))
      m = d;
  }
  return m;
}

static float *read_f32(const char *dir, const char *name, size_t *n) {
  char path[2048], err[256];
  snprintf(path, sizeof path, "%s/tests/data/latents/%s/%s", src, dir, name);
  npy_array a;
  if (npy_read(path, &a, err, sizeof err)) {
    check(0, "%s", err);
    return NULL;
  }
  if (strcmp(a.dtype, "<f4")) {
    check(0, "%s is not float32", path);
    npy_free(&a);
    return NULL;
  }
  *n = a.numel;
  return a.data;
}

static const char *member_str(JsonObject *o, const char *k) {
  return json_object_has_member(o, k) ? json_object_get_string_member(o, k)
                                      : NULL;
}
static double member_num(JsonObject *o, const char *k, double def) {
  return json_object_has_member(o, k) ? json_object_get_double_member(o, k)
                                      : def;
}

static char *data_path(const char *rel) {
  return g_strdup_printf("%s/tests/data/latents/%s", src, rel);
}

/* The request a case describes (its files loaded into *lat, *dir). */
static int case_request(JsonObject *cs, sg3_model *m, sg3_request *req,
                        sg3_latents *lat, sg3_latents *dir) {
  const char *kind = member_str(cs, "kind");
  char *err = NULL;
  sg3_request_init(req);
  req->seed = (uint32_t)member_num(cs, "seed", 0);
  req->psi = (float)member_num(cs, "psi", 1.0);
  req->class_index = (int)member_num(cs, "class", -1);
  if (json_object_has_member(cs, "translate")) {
    JsonArray *t = json_object_get_array_member(cs, "translate");
    req->translate_x = json_array_get_double_element(t, 0);
    req->translate_y = json_array_get_double_element(t, 1);
  }
  req->rotate = member_num(cs, "rotate", 0);
  if (!strcmp(kind, "ws_file")) {
    char *p = data_path(member_str(cs, "file"));
    sg3_status st = sg3_latents_load(p, m, 0, lat, &err);
    check(st == SG3_OK, "load %s%s%s", p, err ? ": " : "", err ? err : "");
    g_free(p);
    free(err);
    if (st != SG3_OK)
      return -1;
    int idx = (int)member_num(cs, "index", 0);
    req->source = SG3_LATENT_WS;
    req->ws = lat->ws + (size_t)idx * lat->rows * lat->w_dim;
    req->ws_rows = lat->rows;
    return 0;
  }
  if (json_object_has_member(cs, "mix_seed")) {
    JsonArray *st = json_object_get_array_member(cs, "styles");
    req->mix_source = SG3_MIX_SEED;
    req->mix_seed = (uint32_t)member_num(cs, "mix_seed", 0);
    req->mix_first = (int)json_array_get_int_element(st, 0);
    req->mix_last = (int)json_array_get_int_element(st, 1);
  }
  if (json_object_has_member(cs, "strength")) {
    char *p = data_path(member_str(cs, "file"));
    int index = (int)member_num(cs, "index", -1);
    sg3_status st =
        sg3_latents_load(p, m, index >= 0 ? SG3_LATENTS_LIST : 0, dir, &err);
    check(st == SG3_OK, "load %s%s%s", p, err ? ": " : "", err ? err : "");
    g_free(p);
    free(err);
    if (st != SG3_OK)
      return -1;
    JsonArray *rows = json_object_get_array_member(cs, "rows");
    req->direction =
        dir->ws + (size_t)(index < 0 ? 0 : index) * dir->rows * dir->w_dim;
    req->direction_rows = dir->rows;
    req->direction_strength = member_num(cs, "strength", 1);
    req->direction_first = (int)json_array_get_int_element(rows, 0);
    req->direction_last = (int)json_array_get_int_element(rows, 1);
  }
  if (json_object_has_member(cs, "blend"))
    req->seed_blend = member_num(cs, "blend", 0);
  if (!strcmp(kind, "anchor") || json_object_has_member(cs, "anchor"))
    req->anchor = 1;
  return 0;
}

static void run_still(JsonObject *cs, sg3_model *m, sg3_generator *g) {
  const char *name = member_str(cs, "name"), *d = member_str(cs, "dir");
  sg3_model_info info;
  sg3_model_get_info(m, &info);
  sg3_request req;
  sg3_latents lat = {0}, dir = {0};
  if (case_request(cs, m, &req, &lat, &dir))
    return;
  size_t nws, nimg, nd = (size_t)info.num_ws * info.w_dim;
  float *ref_ws = read_f32(d, "ws.npy", &nws);
  float *ref_img = read_f32(d, "img.npy", &nimg);
  float *ws = malloc(nd * sizeof(float));
  float *img = malloc(sg3_model_frame_size(m, SG3_PIXELS_F32_CHW));
  uint8_t *u8 = malloc(sg3_model_frame_size(m, SG3_PIXELS_U8_HWC));
  char *err = NULL;
  if (ref_ws && ref_img && nws == nd &&
      sg3_request_ws(g, &req, ws, &err) == SG3_OK &&
      sg3_render(g, &req, SG3_PIXELS_F32_CHW, img, &err) == SG3_OK) {
    double dw = max_diff(ws, ref_ws, nd), di = max_diff(img, ref_img, nimg);
    check(dw < 1e-5, "%s: ws max|diff| %.3g", name, dw);
    check(di < 1e-3, "%s: image max|diff| %.3g", name, di);
    sg3_render(g, &req, SG3_PIXELS_U8_HWC, u8, NULL);
    char path[2048], e2[256];
    snprintf(path, sizeof path, "%s/tests/data/latents/%s/img_u8.npy", src, d);
    npy_array a;
    if (npy_read(path, &a, e2, sizeof e2) == 0) {
      int worst = 0;
      for (size_t i = 0; i < a.numel; i++) {
        int df = abs((int)u8[i] - ((uint8_t *)a.data)[i]);
        worst = df > worst ? df : worst;
      }
      check(worst <= 1, "%s: 8-bit pixels within %d step(s)", name, worst);
      npy_free(&a);
    }
  } else {
    check(0, "%s: %s", name, err ? err : "reference data missing");
  }
  free(err);
  free(ref_ws);
  free(ref_img);
  free(ws);
  free(img);
  free(u8);
  sg3_latents_clear(&lat);
  sg3_latents_clear(&dir);
}

static void run_walk(JsonObject *cs, sg3_model *m, sg3_generator *g) {
  const char *name = member_str(cs, "name"), *d = member_str(cs, "dir");
  const char *kind = member_str(cs, "walk");
  sg3_model_info info;
  sg3_model_get_info(m, &info);
  sg3_request base;
  sg3_request_init(&base);
  base.seed = (uint32_t)member_num(cs, "seed", 0);
  base.psi = (float)member_num(cs, "psi", 1.0);
  base.class_index = (int)member_num(cs, "class", -1);
  sg3_walk_spec spec;
  sg3_walk_spec_init(&spec);
  spec.kind = !strcmp(kind, "cubic")    ? SG3_WALK_CUBIC
              : !strcmp(kind, "linear") ? SG3_WALK_LINEAR
              : !strcmp(kind, "slerp")  ? SG3_WALK_SLERP
                                        : SG3_WALK_NOISE_LOOP;
  uint32_t seeds[64];
  int classes[64], nk = 0;
  if (json_object_has_member(cs, "seeds")) {
    JsonArray *a = json_object_get_array_member(cs, "seeds");
    nk = (int)json_array_get_length(a);
    int order[64];
    for (int i = 0; i < nk; i++)
      seeds[i] = (uint32_t)json_array_get_int_element(a, (guint)i);
    if (json_object_has_member(cs, "shuffle_seed")) {
      uint32_t copy[64];
      memcpy(copy, seeds, sizeof copy);
      sg3_shuffle_order((uint32_t)member_num(cs, "shuffle_seed", 0), nk, order);
      JsonArray *want = json_object_get_array_member(cs, "shuffled");
      int same = 1;
      for (int i = 0; i < nk; i++) {
        seeds[i] = copy[order[i]];
        same &=
            seeds[i] == (uint32_t)json_array_get_int_element(want, (guint)i);
      }
      check(same, "%s: seeds shuffled as numpy's RandomState.shuffle", name);
    }
    spec.seeds = seeds;
    spec.num_keyframes = nk;
  } else {
    spec.num_keyframes = (int)member_num(cs, "keyframes", 8);
  }
  if (json_object_has_member(cs, "classes")) {
    JsonArray *a = json_object_get_array_member(cs, "classes");
    int n = (int)json_array_get_length(a);
    for (int i = 0; i < spec.num_keyframes; i++)
      classes[i] = (int)json_array_get_int_element(a, (guint)(i % n));
    if (info.c_dim > 0)
      spec.classes = classes;
  }
  spec.loop_radius = member_num(cs, "loop_radius", 1.0);
  sg3_walk *walk = NULL;
  char *err = NULL;
  size_t n, nd = (size_t)info.num_ws * info.w_dim;
  float *ref = read_f32(d, "ws.npy", &n);
  float *ws = malloc(nd * sizeof(float));
  if (!ref || sg3_walk_create(g, &base, &spec, &walk, &err) != SG3_OK) {
    check(0, "%s: %s", name, err ? err : "no reference");
  } else {
    JsonArray *fr = json_object_get_array_member(cs, "frames");
    int wf = (int)member_num(cs, "w_frames", 1);
    double worst = 0;
    for (guint i = 0; i < json_array_get_length(fr); i++) {
      double t = (double)json_array_get_int_element(fr, i) / wf;
      if (sg3_walk_ws(g, walk, t, ws, &err) != SG3_OK)
        break;
      double df = max_diff(ws, ref + i * nd, nd);
      worst = df > worst ? df : worst;
    }
    check(!err && worst < 1e-5, "%s: ws at %u frames, max|diff| %.3g %s", name,
          json_array_get_length(fr), worst, err ? err : "");
  }
  free(err);
  free(ref);
  free(ws);
  sg3_walk_free(walk);
}

static sg3_model *open_model(const char *rel) {
  char *p = g_strdup_printf("%s/%s", src, rel), *err = NULL;
  sg3_model *m = sg3_model_load(p, &err);
  check(m != NULL, "load %s %s", p, err ? err : "");
  free(err);
  g_free(p);
  return m;
}

static void parity(void) {
  char *path = data_path("cases.json");
  JsonParser *parser = json_parser_new();
  GError *gerr = NULL;
  if (!json_parser_load_from_file(parser, path, &gerr)) {
    check(0, "%s: %s", path, gerr->message);
    g_error_free(gerr);
    g_object_unref(parser);
    g_free(path);
    return;
  }
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonObject *models = json_object_get_object_member(root, "models");
  JsonArray *cases = json_object_get_array_member(root, "cases");
  for (guint i = 0; i < json_array_get_length(cases); i++) {
    JsonObject *cs = json_array_get_object_element(cases, i);
    sg3_model *m = open_model(json_object_get_string_member(
        models, json_object_get_string_member(cs, "model")));
    if (!m)
      continue;
    sg3_generator *g = sg3_generator_new(m, NULL);
    if (!strcmp(member_str(cs, "kind"), "walk"))
      run_walk(cs, m, g);
    else
      run_still(cs, m, g);
    sg3_generator_free(g);
    sg3_model_unref(m);
  }
  g_object_unref(parser);
  g_free(path);
}

/* ---- Walk properties -------------------------------------------------- */

static int equal(const float *a, const float *b, size_t n) {
  return memcmp(a, b, n * sizeof(float)) == 0;
}

static void walk_properties(sg3_model *m) {
  sg3_model_info info;
  sg3_model_get_info(m, &info);
  sg3_generator *g = sg3_generator_new(m, NULL);
  size_t nd = (size_t)info.num_ws * info.w_dim;
  float *a = malloc(nd * 4), *b = malloc(nd * 4), *c = malloc(nd * 4);
  uint32_t seeds[5] = {3, 7, 12, 13, 40};
  int classes[5] = {0, 4, 4, 9, 2};
  const sg3_walk_kind kinds[4] = {SG3_WALK_CUBIC, SG3_WALK_LINEAR,
                                  SG3_WALK_SLERP, SG3_WALK_NOISE_LOOP};
  const char *names[4] = {"cubic", "linear", "slerp", "noise loop"};
  for (int k = 0; k < 4; k++) {
    sg3_request base;
    sg3_request_init(&base);
    base.seed = 3;
    base.psi = 0.7f;
    base.class_index = 1;
    sg3_walk_spec spec;
    sg3_walk_spec_init(&spec);
    spec.kind = kinds[k];
    spec.num_keyframes = 5;
    spec.seeds = seeds;
    spec.classes = classes;
    spec.loop_radius = 2.0;
    sg3_walk *w = NULL;
    char *err = NULL;
    if (!check(sg3_walk_create(g, &base, &spec, &w, &err) == SG3_OK,
               "%s walk: created %s", names[k], err ? err : "")) {
      free(err);
      continue;
    }
    /* keyframes exactly at their positions (the noise loop: its seed at 0) */
    int exact = 1;
    for (int i = 0; i < (kinds[k] == SG3_WALK_NOISE_LOOP ? 1 : 5); i++) {
      sg3_request r = base;
      r.seed = seeds[i];
      r.class_index = classes[i];
      sg3_request_ws(g, &r, a, NULL);
      sg3_walk_ws(g, w, i, b, NULL);
      exact &= equal(a, b, nd);
      /* and through a request */
      r.source = SG3_LATENT_WALK;
      r.walk = w;
      r.walk_position = i;
      sg3_request_ws(g, &r, c, NULL);
      exact &= equal(b, c, nd);
    }
    check(exact, "%s walk: keyframes are hit bit-exactly", names[k]);
    /* the loop closes: position 5 is position 0, and just before it is
     * close to it */
    sg3_walk_ws(g, w, 0, a, NULL);
    sg3_walk_ws(g, w, 5, b, NULL);
    sg3_walk_ws(g, w, 5 - 1e-4, c, NULL);
    double near = max_diff(a, c, nd);
    check(equal(a, b, nd) && near < 1e-2,
          "%s walk: frame N equals frame 0, N - 1e-4 within %.2g", names[k],
          near);
    /* continuous everywhere: small steps give small changes */
    double jump = 0;
    for (int s = 0; s < 200; s++) {
      sg3_walk_ws(g, w, s * 0.025, a, NULL);
      sg3_walk_ws(g, w, s * 0.025 + 1e-5, b, NULL);
      double d = max_diff(a, b, nd);
      jump = d > jump ? d : jump;
    }
    check(jump < 1e-2, "%s walk: continuous (largest change over 1e-5: %.2g)",
          names[k], jump);
    if (kinds[k] == SG3_WALK_LINEAR) {
      sg3_walk_ws(g, w, 1, a, NULL);
      sg3_walk_ws(g, w, 2, b, NULL);
      sg3_walk_ws(g, w, 1.5, c, NULL);
      double worst = 0;
      for (size_t j = 0; j < nd; j++) {
        double d = fabs(c[j] - 0.5 * ((double)a[j] + b[j]));
        worst = d > worst ? d : worst;
      }
      check(worst < 1e-6, "linear walk: the midpoint is the mean (%.2g)",
            worst);
    }
    check(sg3_walk_in_z(w) ==
              (kinds[k] == SG3_WALK_SLERP || kinds[k] == SG3_WALK_NOISE_LOOP),
          "%s walk: sg3_walk_in_z", names[k]);
    sg3_walk_free(w);
  }
  /* A noise loop of radius 0 stands still; a larger one moves further. */
  double moved[3];
  const double radii[3] = {0, 0.5, 3};
  for (int i = 0; i < 3; i++) {
    sg3_request base;
    sg3_request_init(&base);
    base.seed = 8;
    base.class_index = 0;
    sg3_walk_spec spec;
    sg3_walk_spec_init(&spec);
    spec.kind = SG3_WALK_NOISE_LOOP;
    spec.num_keyframes = 4;
    spec.loop_radius = radii[i];
    sg3_walk *w = NULL;
    sg3_walk_create(g, &base, &spec, &w, NULL);
    sg3_walk_ws(g, w, 0, a, NULL);
    sg3_walk_ws(g, w, 0.5, b, NULL);
    moved[i] = max_diff(a, b, nd);
    sg3_walk_free(w);
  }
  check(moved[0] < 1e-5 && moved[1] > 1e-3 && moved[2] > moved[1],
        "noise loop: radius 0 stands still, 0.5 moves %.3g, 3 moves %.3g",
        moved[1], moved[2]);
  /* Keyframes from ws (a latents file): hit exactly, slerp in w. */
  float *kf = malloc(3 * nd * 4);
  for (int i = 0; i < 3; i++) {
    sg3_request r;
    sg3_request_init(&r);
    r.seed = (uint32_t)(50 + i);
    r.class_index = i;
    sg3_request_ws(g, &r, kf + i * nd, NULL);
  }
  for (int k = 0; k < 3; k++) {
    sg3_request base;
    sg3_request_init(&base);
    sg3_walk_spec spec;
    sg3_walk_spec_init(&spec);
    spec.kind = kinds[k];
    spec.num_keyframes = 3;
    spec.ws = kf;
    spec.ws_rows = info.num_ws;
    sg3_walk *w = NULL;
    char *err = NULL;
    int ok = sg3_walk_create(g, &base, &spec, &w, &err) == SG3_OK;
    int exact = ok && !sg3_walk_in_z(w);
    for (int i = 0; ok && i < 4; i++) {
      sg3_walk_eval(w, i, a);
      exact &= equal(a, kf + (i % 3) * nd, nd);
    }
    check(exact, "%s walk through ws keyframes: exact at 0, 1, 2 and 3 = 0 %s",
          names[k], err ? err : "");
    free(err);
    sg3_walk_free(w);
  }
  /* Errors. */
  sg3_request base;
  sg3_request_init(&base);
  base.class_index = 0;
  sg3_walk_spec spec;
  sg3_walk_spec_init(&spec);
  spec.num_keyframes = 2;
  int bad[2] = {0, 10};
  spec.classes = bad;
  sg3_walk *w = NULL;
  char *err = NULL;
  sg3_status st = sg3_walk_create(g, &base, &spec, &w, &err);
  check(st == SG3_ERR_INVALID_ARGUMENT && w == NULL && err &&
            strstr(err, "keyframe 1") && strstr(err, "class 10"),
        "a keyframe class out of range: %s", err ? err : "");
  free(err);
  err = NULL;
  spec.classes = NULL;
  spec.kind = SG3_WALK_NOISE_LOOP;
  spec.loop_radius = -1;
  st = sg3_walk_create(g, &base, &spec, &w, &err);
  check(st == SG3_ERR_INVALID_ARGUMENT && err && strstr(err, "radius"),
        "a negative loop radius: %s", err ? err : "");
  free(err);
  free(kf);
  free(a);
  free(b);
  free(c);
  sg3_generator_free(g);
}

/* ---- Request edits ------------------------------------------------------ */

static void edit_properties(sg3_model *m) {
  sg3_model_info info;
  sg3_model_get_info(m, &info);
  sg3_generator *g = sg3_generator_new(m, NULL);
  size_t nd = (size_t)info.num_ws * info.w_dim, W = (size_t)info.w_dim;
  float *a = malloc(nd * 4), *b = malloc(nd * 4), *c = malloc(nd * 4);
  sg3_request r;
  sg3_request_init(&r);
  r.seed = 11;
  r.class_index = 2;
  r.psi = 0.6f;
  sg3_request_ws(g, &r, a, NULL);
  r.seed_blend = 1;
  sg3_request_ws(g, &r, b, NULL);
  r.seed_blend = 0;
  r.seed = 12;
  sg3_request_ws(g, &r, c, NULL);
  check(max_diff(b, c, nd) < 1e-6, "seed_blend 1 is the next seed (%.2g)",
        max_diff(b, c, nd));
  /* mixing every row from the mix seed is the mix seed */
  r.seed = 11;
  r.mix_source = SG3_MIX_SEED;
  r.mix_seed = 12;
  sg3_request_ws(g, &r, b, NULL);
  check(equal(b, c, nd), "mixing all rows gives the mix seed's ws");
  /* rows past num_ws are ignored; the rows before stay */
  r.mix_first = info.num_ws - 2;
  r.mix_last = 1000;
  sg3_request_ws(g, &r, b, NULL);
  check(equal(b, a, (size_t)(info.num_ws - 2) * W) &&
            equal(b + (info.num_ws - 2) * W, c + (info.num_ws - 2) * W, 2 * W),
        "mix rows %d-1000: the last two rows mixed, the rest kept",
        info.num_ws - 2);
  /* mixing from ws of one row */
  r.mix_source = SG3_MIX_WS;
  r.mix_ws = c;
  r.mix_ws_rows = 1;
  r.mix_first = 0;
  r.mix_last = -1;
  sg3_request_ws(g, &r, b, NULL);
  int rows_ok = 1;
  for (int i = 0; i < info.num_ws; i++)
    rows_ok &= equal(b + i * W, c, W);
  check(rows_ok, "mixing one ws row broadcasts it");
  char *err = NULL;
  r.mix_first = -1;
  check(sg3_request_ws(g, &r, b, &err) == SG3_ERR_INVALID_ARGUMENT && err,
        "negative mix rows refused: %s", err ? err : "");
  free(err);
  err = NULL;
  r.mix_first = 0;
  r.mix_ws_rows = 3;
  check(sg3_request_ws(g, &r, b, &err) == SG3_ERR_INVALID_ARGUMENT && err,
        "mix ws of 3 rows refused: %s", err ? err : "");
  free(err);
  err = NULL;
  r.mix_source = SG3_MIX_NONE;
  /* a direction of strength 0 changes nothing; row ranges apply */
  float *d = calloc(W, 4);
  for (size_t j = 0; j < W; j++)
    d[j] = (float)(j % 7) - 3.0f;
  r.direction = d;
  r.direction_rows = 1;
  r.direction_strength = 0;
  sg3_request_ws(g, &r, b, NULL);
  check(equal(a, b, nd), "direction strength 0 leaves the ws");
  r.direction_strength = 2;
  r.direction_first = 1;
  r.direction_last = 1;
  sg3_request_ws(g, &r, b, NULL);
  check(equal(a, b, W) && equal(a + 2 * W, b + 2 * W, nd - 2 * W) &&
            fabsf(b[W + 4] - (a[W + 4] + 2)) < 1e-5,
        "direction rows 1-1: only row 1 moves, by strength x direction");
  r.direction_strength = NAN;
  check(sg3_request_ws(g, &r, b, &err) == SG3_ERR_INVALID_ARGUMENT,
        "a NaN strength refused: %s", err ? err : "");
  free(err);
  err = NULL;
  r.direction = NULL;
  r.seed_blend = 1.5;
  check(sg3_request_ws(g, &r, b, &err) == SG3_ERR_INVALID_ARGUMENT,
        "seed_blend 1.5 refused: %s", err ? err : "");
  free(err);
  err = NULL;
  /* anchoring: the image no longer depends on w through the transform;
   * with the plain and the anchored renders differing */
  sg3_request_init(&r);
  r.seed = 1;
  r.class_index = 0;
  size_t fs = sg3_model_frame_size(m, SG3_PIXELS_F32_CHW);
  float *i1 = malloc(fs), *i2 = malloc(fs);
  sg3_render(g, &r, SG3_PIXELS_F32_CHW, i1, NULL);
  r.anchor = 1;
  sg3_render(g, &r, SG3_PIXELS_F32_CHW, i2, NULL);
  check(max_diff(i1, i2, fs / 4) > 1e-3, "anchoring changes the picture");
  free(i1);
  free(i2);
  free(d);
  free(a);
  free(b);
  free(c);
  sg3_generator_free(g);
}

/* ---- Latent files ------------------------------------------------------- */

static sg3_status load_bytes(sg3_model *m, const void *buf, size_t n, int flags,
                             sg3_latents *l, char **err) {
  return sg3_latents_load_memory(buf, n, "x.npy", m, flags, l, err);
}

/* An .npy of header `dict` and n bytes of data. */
static uint8_t *make_npy(const char *dict, size_t n, size_t *size) {
  size_t h = strlen(dict);
  *size = 10 + h + n;
  uint8_t *b = calloc(1, *size);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (uint8_t)(h & 0xff);
  b[9] = (uint8_t)(h >> 8);
  memcpy(b + 10, dict, h);
  return b;
}

static void expect_error(sg3_model *m, const char *what, const uint8_t *b,
                         size_t n, int flags, sg3_status code,
                         const char *needle) {
  sg3_latents l;
  char *err = NULL;
  sg3_status st = load_bytes(m, b, n, flags, &l, &err);
  check(st == code && err && strstr(err, needle) && l.ws == NULL, "%s: %s (%s)",
        what, err ? err : "no error", sg3_status_name(st));
  free(err);
  sg3_latents_clear(&l);
}

static void files(sg3_model *m, const char *tmp) {
  sg3_model_info info;
  sg3_model_get_info(m, &info);
  sg3_generator *g = sg3_generator_new(m, NULL);
  size_t nd = (size_t)info.num_ws * info.w_dim;
  float *ws = malloc(3 * nd * 4);
  sg3_request r;
  sg3_request_init(&r);
  r.class_index = 3;
  for (int i = 0; i < 3; i++) {
    r.seed = (uint32_t)i;
    sg3_request_ws(g, &r, ws + i * nd, NULL);
  }
  /* round trips, .npz and .npy */
  const char *names[2] = {"w.npz", "w.npy"};
  for (int i = 0; i < 2; i++) {
    char *p = g_strdup_printf("%s/%s", tmp, names[i]), *err = NULL;
    sg3_latents l;
    int ok =
        sg3_latents_save(p, ws, 3, info.num_ws, info.w_dim, &err) == SG3_OK &&
        sg3_latents_load(p, m, 0, &l, &err) == SG3_OK;
    check(ok && l.count == 3 && l.rows == info.num_ws &&
              equal(l.ws, ws, 3 * nd),
          "%s: saved and read back bit-exactly %s", names[i], err ? err : "");
    sg3_latents_clear(&l);
    free(err);
    g_free(p);
  }
  char *p = g_strdup_printf("%s/nodir/w.npz", tmp), *err = NULL;
  check(sg3_latents_save(p, ws, 1, info.num_ws, info.w_dim, &err) ==
                SG3_ERR_IO &&
            err && strstr(err, "nodir"),
        "saving into a missing directory: %s", err ? err : "");
  free(err);
  g_free(p);
  err = NULL;

  /* shapes: every accepted one, and the error naming both shapes */
  char dict[256];
  size_t n;
  struct {
    const char *shape;
    int flags, count, rows;
  } good[] = {{"(512,)", 0, 1, 1},      {"(16, 512)", 0, 1, 16},
              {"(1, 512)", 0, 1, 1},    {"(2, 16, 512)", 0, 2, 16},
              {"(3, 1, 512)", 0, 3, 1}, {"(5, 512)", SG3_LATENTS_LIST, 5, 1}};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    snprintf(dict, sizeof dict,
             "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
             good[i].shape);
    size_t count = (size_t)good[i].count * good[i].rows * 512;
    uint8_t *b = make_npy(dict, count * 4, &n);
    sg3_latents l;
    sg3_status st = load_bytes(m, b, n, good[i].flags, &l, NULL);
    check(st == SG3_OK && l.count == good[i].count && l.rows == good[i].rows,
          "shape %s%s: %d latent(s) of %d row(s)", good[i].shape,
          good[i].flags ? " (list)" : "", l.count, l.rows);
    sg3_latents_clear(&l);
    free(b);
  }
  uint8_t *b = make_npy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 18, 512), }",
      18 * 512 * 4, &n);
  expect_error(m, "a W+ of another model", b, n, 0, SG3_ERR_INVALID_ARGUMENT,
               "[1, 18, 512]");
  sg3_latents l;
  load_bytes(m, b, n, 0, &l, &err);
  check(err && strstr(err, "num_ws 16") && strstr(err, "[16, 512]"),
        "the message names the model's shape too");
  free(err);
  err = NULL;
  free(b);
  b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 512), }",
               5 * 512 * 4, &n);
  expect_error(m, "[5, 512] without the list flag", b, n, 0,
               SG3_ERR_INVALID_ARGUMENT, "[5, 512]");
  free(b);
  b = make_npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8,
               &n);
  expect_error(m, "an object array", b, n, 0, SG3_ERR_UNSUPPORTED,
               "never unpickled");
  free(b);
  b = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (512,), }",
               2048, &n);
  expect_error(m, "an int32 array", b, n, 0, SG3_ERR_UNSUPPORTED, "'<i4'");
  free(b);
  b = make_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': "
               "(512,), }",
               2048, &n);
  expect_error(m, "a structured array", b, n, 0, SG3_ERR_UNSUPPORTED,
               "structured");
  free(b);
  b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (512,), }",
               2047, &n);
  expect_error(m, "a truncated array", b, n, 0, SG3_ERR_CORRUPT, "2047 bytes");
  free(b);
  b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
               "(99999999999, 99999999999), }",
               0, &n);
  expect_error(m, "a huge shape", b, n, 0, SG3_ERR_TOO_LARGE, "larger than");
  free(b);
  b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (512,), }",
               2048, &n);
  float nan = NAN;
  memcpy(b + n - 4, &nan, 4);
  expect_error(m, "a NaN", b, n, 0, SG3_ERR_INVALID_ARGUMENT, "element 511");
  free(b);
  expect_error(m, "not numpy", (const uint8_t *)"hello world", 11, 0,
               SG3_ERR_FORMAT, "neither");
  /* a damaged .npz: the CRC, and a cut-off archive */
  size_t zn;
  char *zp = data_path("cases/proj-sg3t-fashion32/projected_w.npz");
  uint8_t *z = check_read_file(zp, &zn);
  g_free(zp);
  if (z) {
    z[200] ^= 0x40;
    expect_error(m, "an .npz with a flipped bit", z, zn, 0, SG3_ERR_CORRUPT,
                 "CRC");
    expect_error(m, "an .npz cut short", z, zn - 30, 0, SG3_ERR_CORRUPT,
                 "end record");
    free(z);
  }
  /* missing files and directories name the file */
  err = NULL;
  check(sg3_latents_load("/nonexistent/w.npz", m, 0, &l, &err) ==
                SG3_ERR_NOT_FOUND &&
            err && strstr(err, "/nonexistent/w.npz"),
        "a missing file: %s", err ? err : "");
  free(err);
  err = NULL;
  check(sg3_latents_load(tmp, m, 0, &l, &err) == SG3_ERR_NOT_REGULAR,
        "a directory: %s", err ? err : "");
  free(err);
  free(ws);
  sg3_generator_free(g);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_latents SOURCE_DIR\n");
    return 2;
  }
  src = argv[1];
  char *tmp = g_dir_make_tmp("sg3-latents-XXXXXX", NULL);
  if (!tmp)
    return 2;
  parity();
  sg3_model *demo = open_model("models/sg3t-fashion32.safetensors");
  if (demo) {
    walk_properties(demo);
    edit_properties(demo);
    files(demo, tmp);
    sg3_model_unref(demo);
  }
  int order[6];
  sg3_shuffle_order(0, 1, order);
  check(order[0] == 0, "shuffling one item");
  for (const char *f = "w.npz"; f; f = strcmp(f, "w.npz") ? NULL : "w.npy") {
    char *p = g_build_filename(tmp, f, NULL);
    remove(p);
    g_free(p);
  }
  remove(tmp);
  g_free(tmp);
  return check_summary();
}
