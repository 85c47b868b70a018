/* sg3src's own-latents properties (issue 11): frames equal to the official
 * code's images (tests/data/latents), the properties from a launch line
 * and through a GstController, walks through lists and files, and bad
 * files and values refused with errors or warnings that name them. */
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "npy.h"
#include "sg3.h"

static const gchar *data_dir, *models_dir;
static gchar *tmpdir;

static gchar *lat(const char *rel) {
  return g_build_filename(data_dir, "latents", "cases", rel, NULL);
}

/* The official 8-bit image of a case, HWC. */
static guint8 *official(const char *cas, gsize *n) {
  gchar *p = g_strdup_printf("%s/latents/cases/%s/img_u8.npy", data_dir, cas);
  npy_array a;
  char err[256];
  fail_unless(npy_read(p, &a, err, sizeof err) == 0, "%s", err);
  g_free(p);
  *n = a.numel;
  return a.data;
}

/* What libsg3 renders for given ws (rows x w_dim) on a model. */
static guint8 *render_ws(const char *model, const float *ws, int rows,
                         gsize *n) {
  char *err = NULL;
  sg3_model *m = sg3_model_load(model, &err);
  fail_unless(m != NULL, "%s", err);
  sg3_generator *g = sg3_generator_new(m, NULL);
  *n = sg3_model_frame_size(m, SG3_PIXELS_U8_HWC);
  guint8 *u8 = g_malloc(*n);
  sg3_request r;
  sg3_request_init(&r);
  r.source = SG3_LATENT_WS;
  r.ws = ws;
  r.ws_rows = rows;
  fail_unless(sg3_render(g, &r, SG3_PIXELS_U8_HWC, u8, &err) == SG3_OK);
  sg3_generator_free(g);
  sg3_model_unref(m);
  return u8;
}

static GstHarness *harness(const char *caps, const char *props) {
  GstHarness *h = gst_harness_new("sg3src");
  gchar **kv = g_strsplit(props ? props : "", " ", -1);
  for (gchar **p = kv; *p; p++) {
    if (!**p)
      continue;
    gchar *eq = strchr(*p, '=');
    fail_unless(eq != NULL);
    *eq = 0;
    gst_util_set_object_arg(G_OBJECT(h->element), *p, eq + 1);
  }
  g_strfreev(kv);
  gst_harness_set_sink_caps_str(h, caps);
  return h;
}

/* Largest difference between a frame (packed, stride-free for GRAY8 and
 * RGB of these sizes) and HWC pixels. */
static int frame_diff(GstBuffer *b, const guint8 *u8, gsize n) {
  GstMapInfo map;
  fail_unless(gst_buffer_map(b, &map, GST_MAP_READ));
  fail_unless_equals_int((int)map.size, (int)n);
  int worst = 0;
  for (gsize i = 0; i < n; i++) {
    int d = abs((int)map.data[i] - u8[i]);
    worst = MAX(worst, d);
  }
  gst_buffer_unmap(b, &map);
  return worst;
}

/* Pulls frames 0..n and returns frame n. */
static GstBuffer *pull_frame(GstHarness *h, int n) {
  GstBuffer *b = NULL;
  for (int i = 0; i <= n; i++) {
    if (b)
      gst_buffer_unref(b);
    b = gst_harness_pull(h);
    fail_unless(b != NULL);
  }
  return b;
}

/* The first frame of a launch-style property string against an official
 * case image: at most `tol` 8-bit steps apart. */
static void expect_official(const char *props, const char *cas, int tol) {
  GstHarness *h = harness("video/x-raw, format=GRAY8", props);
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  gsize n;
  guint8 *ref = official(cas, &n);
  int d = frame_diff(b, ref, n);
  fail_unless(d <= tol, "%s: %d steps from %s", props, d, cas);
  gst_buffer_unref(b);
  g_free(ref);
  gst_harness_teardown(h);
}

GST_START_TEST(test_latents_file) {
  gchar *f = lat("proj-sg3t-fashion32/projected_w.npz");
  gchar *props = g_strdup_printf("latents=%s", f);
  expect_official(props, "proj-sg3t-fashion32", 0);
  g_free(props);
  g_free(f);
  /* keyframe 1 of a [3, num_ws, w_dim] file */
  f = lat("proj-sg3t-fashion32/keyframes.npy");
  props = g_strdup_printf("latents=%s latent-index=1", f);
  expect_official(props, "proj-sg3t-fashion32", 0);
  g_free(props);
  g_free(f);
}
GST_END_TEST;

GST_START_TEST(test_mix_anchor_direction_blend) {
  expect_official("seed=3 class=2 psi=0.7 mix-seed=8", "mix-sg3t-fashion32", 0);
  expect_official("seed=7 class=5 psi=0.8 anchor=true", "anchor-sg3t-fashion32",
                  0);
  gchar *f = lat("dir-sg3t-fashion32-w/direction.npy");
  gchar *props = g_strdup_printf(
      "seed=4 class=6 psi=0.7 direction=%s direction-strength=2.5", f);
  expect_official(props, "dir-sg3t-fashion32-w", 0);
  g_free(props);
  gchar *w = lat("dir-sg3t-fashion32-wplus/direction.npy");
  props = g_strdup_printf("seed=9 class=1 direction=%s direction-strength=-1.5 "
                          "direction-layers=2-9",
                          w);
  expect_official(props, "dir-sg3t-fashion32-wplus", 0);
  g_free(props);
  g_free(w);
  /* mixing, the direction and anchoring together */
  props = g_strdup_printf("seed=30 class=4 psi=0.8 mix-seed=31 mix-layers=3-8 "
                          "direction=%s direction-strength=1.25 anchor=true",
                          f);
  expect_official(props, "combined", 0);
  g_free(props);
  g_free(f);
  /* the visualizer sums in another order: within one step */
  expect_official("seed=20 class=8 psi=0.75 seed-blend=0.3",
                  "blend-sg3t-fashion32", 1);
}
GST_END_TEST;

GST_START_TEST(test_direction_index_other_model) {
  /* An RGB model, a file of 4 directions and the third chosen. */
  gchar *m = g_build_filename(data_dir, "reference", "t32.safetensors", NULL);
  gchar *f = lat("dir-t32-list/direction.npy");
  gchar *props =
      g_strdup_printf("model=%s seed=5 psi=0.8 direction=%s direction-index=2 "
                      "direction-strength=3 direction-layers=0-7",
                      m, f);
  GstHarness *h = harness("video/x-raw, format=RGB", props);
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  gsize n;
  guint8 *ref = official("dir-t32-list", &n);
  fail_unless_equals_int(frame_diff(b, ref, n), 0);
  gst_buffer_unref(b);
  g_free(ref);
  gst_harness_teardown(h);
  g_free(props);
  g_free(f);
  g_free(m);
}
GST_END_TEST;

GST_START_TEST(test_controllers) {
  /* direction-strength 0 -> 5 over 1 s at 10 fps: frame 5 has strength
   * 2.5; seed-blend 0 -> 0.6 over 1 s: frame 5 has 0.3. */
  gchar *f = lat("dir-sg3t-fashion32-w/direction.npy");
  const struct {
    const char *props, *prop, *cas;
    double end;
    int tol;
  } cases[] = {
      {"seed=4 class=6 psi=0.7 direction-strength=0", "direction-strength",
       "dir-sg3t-fashion32-w", 5.0, 0},
      {"seed=20 class=8 psi=0.75", "seed-blend", "blend-sg3t-fashion32", 0.6,
       1},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    GstHarness *h =
        harness("video/x-raw, format=GRAY8, framerate=10/1", cases[i].props);
    if (i == 0)
      g_object_set(h->element, "direction", f, NULL);
    GstControlSource *cs = gst_interpolation_control_source_new();
    g_object_set(cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
    GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE(cs);
    gst_timed_value_control_source_set(tv, 0, 0.0);
    gst_timed_value_control_source_set(tv, GST_SECOND, cases[i].end);
    gst_object_add_control_binding(
        GST_OBJECT(h->element), gst_direct_control_binding_new_absolute(
                                    GST_OBJECT(h->element), cases[i].prop, cs));
    gst_harness_play(h);
    GstBuffer *b = pull_frame(h, 5);
    gsize n;
    guint8 *ref = official(cases[i].cas, &n);
    int d = frame_diff(b, ref, n);
    fail_unless(d <= cases[i].tol, "%s by a controller: %d steps",
                cases[i].prop, d);
    gst_buffer_unref(b);
    g_free(ref);
    gst_harness_teardown(h);
    gst_object_unref(cs);
  }
  /* mix-seed and anchor (int64 and boolean) are controllable too */
  GParamSpec *p = g_object_class_find_property(
      G_OBJECT_CLASS(g_type_class_peek(g_type_from_name("GstSg3Src"))),
      "mix-seed");
  fail_unless(p && (p->flags & GST_PARAM_CONTROLLABLE));
  p = g_object_class_find_property(
      G_OBJECT_CLASS(g_type_class_peek(g_type_from_name("GstSg3Src"))),
      "anchor");
  fail_unless(p && (p->flags & GST_PARAM_CONTROLLABLE));
  g_free(f);
}
GST_END_TEST;

/* Every frame of a walk equals libsg3's render of the reference ws, within
 * one 8-bit step (the ws agree within 1e-5, not bit for bit). */
static void expect_walk(const char *caps, const char *props, const char *model,
                        const char *cas, const int *frames, int nframes) {
  gchar *p = g_strdup_printf("%s/latents/cases/%s/ws.npy", data_dir, cas);
  npy_array a;
  char err[256];
  fail_unless(npy_read(p, &a, err, sizeof err) == 0, "%s", err);
  g_free(p);
  size_t per = a.numel / (size_t)nframes;
  GstHarness *h = harness(caps, props);
  gst_harness_play(h);
  int next = 0;
  for (int i = 0; i < nframes; i++) {
    GstBuffer *b = NULL;
    while (next <= frames[i]) {
      if (b)
        gst_buffer_unref(b);
      b = gst_harness_pull(h);
      next++;
    }
    gsize n;
    guint8 *ref = render_ws(model, (float *)a.data + per * i, 16, &n);
    int d = frame_diff(b, ref, n);
    fail_unless(d <= 1, "%s frame %d: %d steps", cas, frames[i], d);
    g_free(ref);
    gst_buffer_unref(b);
  }
  gst_harness_teardown(h);
  npy_free(&a);
}

GST_START_TEST(test_walks) {
  gchar *t32 = g_build_filename(data_dir, "reference", "t32.safetensors", NULL);
  gchar *demo =
      g_build_filename(models_dir, "sg3t-fashion32.safetensors", NULL);
  const int f1[] = {0, 1, 7, 10, 13, 29, 30, 44, 59};
  const char *kinds[] = {"cubic", "linear"};
  for (int k = 0; k < 2; k++) {
    gchar *props = g_strdup_printf(
        "model=%s animation=walk walk-kind=%s seeds=3,7,12-15 shuffle-seed=5 "
        "walk-frames=10 psi=0.8",
        t32, kinds[k]);
    gchar *cas = g_strdup_printf("walk-%s-t32", kinds[k]);
    expect_walk("video/x-raw, format=RGB", props, t32, cas, f1, 9);
    g_free(props);
    g_free(cas);
  }
  const int f2[] = {0, 5, 12, 25, 39};
  expect_walk("video/x-raw, format=GRAY8",
              "animation=walk seeds=9 classes=0,3,5,7 walk-frames=10 psi=0.7",
              demo, "walk-classes", f2, 5);
  const int f3[] = {0, 3, 8, 11, 20, 23, 24};
  expect_walk("video/x-raw, format=GRAY8",
              "animation=walk walk-kind=slerp seeds=2,5,8 classes=1,1,6 "
              "walk-frames=8 psi=0.9",
              demo, "slerp-sg3t-fashion32", f3, 7);
  /* the noise loop closes: frame 40 (one loop) is frame 0 */
  const int f4[] = {0, 3, 10, 17, 25, 39, 40};
  expect_walk("video/x-raw, format=GRAY8",
              "animation=walk walk-kind=noise seed=3 class=2 loop-radius=0.7 "
              "walk-keyframes=4 walk-frames=10 psi=0.9",
              demo, "noise-sg3t-fashion32", f4, 7);
  g_free(t32);
  g_free(demo);
}
GST_END_TEST;

GST_START_TEST(test_walk_through_latents_file) {
  /* 3 keyframes from a file, 4 frames apart: frame 4 is keyframe 1 (the
   * official image), frame 12 is frame 0 again. */
  gchar *f = lat("proj-sg3t-fashion32/keyframes.npy");
  gchar *props = g_strdup_printf("latents=%s animation=walk walk-frames=4", f);
  GstHarness *h = harness("video/x-raw, format=GRAY8", props);
  gst_harness_play(h);
  GstBuffer *frames[13];
  for (int i = 0; i <= 12; i++)
    frames[i] = gst_harness_pull(h);
  gsize n;
  guint8 *ref = official("proj-sg3t-fashion32", &n);
  fail_unless_equals_int(frame_diff(frames[4], ref, n), 0);
  GstMapInfo m0, m12;
  gst_buffer_map(frames[0], &m0, GST_MAP_READ);
  gst_buffer_map(frames[12], &m12, GST_MAP_READ);
  fail_unless(m0.size == m12.size && !memcmp(m0.data, m12.data, m0.size));
  gst_buffer_unmap(frames[0], &m0);
  gst_buffer_unmap(frames[12], &m12);
  for (int i = 0; i <= 12; i++)
    gst_buffer_unref(frames[i]);
  g_free(ref);
  gst_harness_teardown(h);
  g_free(props);
  g_free(f);
}
GST_END_TEST;

GST_START_TEST(test_launch_line) {
  /* Every new property from a gst-launch line, read back. */
  gchar *f = lat("proj-sg3t-fashion32/keyframes.npy");
  gchar *d = lat("dir-sg3t-fashion32-w/direction.npy");
  gchar *desc = g_strdup_printf(
      "sg3src name=s num-buffers=3 latents=%s latent-index=2 seeds=3,7,12-14 "
      "classes=1,2 shuffle-seed=4 walk-kind=slerp loop-radius=2.5 mix-seed=9 "
      "mix-latents=%s mix-layers=8- anchor=true direction=%s "
      "direction-index=-1 direction-strength=-2 direction-layers=0-3 "
      "seed-blend=0.25 ! fakesink",
      f, f, d);
  GError *err = NULL;
  GstElement *p = gst_parse_launch(desc, &err);
  fail_unless(p != NULL && err == NULL);
  GstElement *s = gst_bin_get_by_name(GST_BIN(p), "s");
  gchar *latents, *seeds, *classes, *mix_layers, *dir_layers;
  guint index;
  gint64 shuffle, mix_seed;
  gint kind, dir_index;
  gdouble radius, strength, blend;
  gboolean anchor;
  g_object_get(s, "latents", &latents, "latent-index", &index, "seeds", &seeds,
               "classes", &classes, "shuffle-seed", &shuffle, "walk-kind",
               &kind, "loop-radius", &radius, "mix-seed", &mix_seed,
               "mix-layers", &mix_layers, "anchor", &anchor, "direction-index",
               &dir_index, "direction-strength", &strength, "direction-layers",
               &dir_layers, "seed-blend", &blend, NULL);
  fail_unless_equals_string(latents, f);
  fail_unless_equals_int(index, 2);
  fail_unless_equals_string(seeds, "3,7,12-14");
  fail_unless_equals_string(classes, "1,2");
  fail_unless(shuffle == 4 && mix_seed == 9 && kind == SG3_WALK_SLERP);
  fail_unless(radius == 2.5 && strength == -2 && blend == 0.25 && anchor);
  fail_unless_equals_string(mix_layers, "8-");
  fail_unless_equals_string(dir_layers, "0-3");
  fail_unless_equals_int(dir_index, -1);
  GstBus *bus = gst_element_get_bus(p);
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless(msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS);
  gst_message_unref(msg);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(s);
  gst_object_unref(p);
  g_free(latents);
  g_free(seeds);
  g_free(classes);
  g_free(mix_layers);
  g_free(dir_layers);
  g_free(desc);
  g_free(f);
  g_free(d);
}
GST_END_TEST;

/* Runs a launch line to PAUSED; the first error or NULL. */
static GError *start_error(const char *desc) {
  GstElement *p = gst_parse_launch(desc, NULL);
  fail_unless(p != NULL);
  GstBus *bus = gst_element_get_bus(p);
  GstStateChangeReturn ret = gst_element_set_state(p, GST_STATE_PAUSED);
  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state(p, NULL, NULL, 20 * GST_SECOND);
  fail_unless_equals_int(ret, GST_STATE_CHANGE_FAILURE);
  GstMessage *msg =
      gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  GError *err = NULL;
  if (msg) {
    gst_message_parse_error(msg, &err, NULL);
    gst_message_unref(msg);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(p);
  return err;
}

GST_START_TEST(test_bad_files_at_start) {
  gchar *missing = g_build_filename(tmpdir, "missing.npz", NULL);
  gchar *other = lat("proj-t32/projected_w.npz");
  gchar *pickled = g_build_filename(tmpdir, "objects.npy", NULL);
  const char hdr[] =
      "\x93NUMPY\x01\x00\x3a\x00{'descr': '|O', 'fortran_order': False, "
      "'shape': (1,), }\n\x80\x04N.\x00\x00\x00\x00";
  g_file_set_contents(pickled, hdr, sizeof hdr - 1, NULL);
  const struct {
    const char *prop, *path;
    gint code;
    const char *reason;
  } cases[] = {
      {"latents", missing, GST_RESOURCE_ERROR_NOT_FOUND, "No such file"},
      {"latents", other, GST_RESOURCE_ERROR_READ, "[1, 16, 64]"},
      {"mix-latents", other, GST_RESOURCE_ERROR_READ, "w_dim 512"},
      {"direction", pickled, GST_RESOURCE_ERROR_READ, "never unpickled"},
      {"direction", tmpdir, GST_RESOURCE_ERROR_OPEN_READ, "directory"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gchar *desc = g_strdup_printf("sg3src %s=\"%s\" ! fakesink", cases[i].prop,
                                  cases[i].path);
    GError *err = start_error(desc);
    fail_unless(err != NULL, "%s: no error", desc);
    fail_unless(g_error_matches(err, GST_RESOURCE_ERROR, cases[i].code),
                "%s: %s", desc, err->message);
    fail_unless(strstr(err->message, cases[i].path) &&
                    strstr(err->message, cases[i].reason),
                "%s: %s", desc, err->message);
    GST_INFO("%s", err->message);
    g_error_free(err);
    g_free(desc);
  }
  g_unlink(pickled);
  g_free(pickled);
  g_free(missing);
  g_free(other);
}
GST_END_TEST;

/* The text of the warnings on the harness's bus so far. */
static gchar *warnings(GstHarness *h, GstBus *bus) {
  GString *s = g_string_new(NULL);
  GstMessage *m;
  while ((m = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING))) {
    GError *e = NULL;
    gst_message_parse_warning(m, &e, NULL);
    g_string_append_printf(s, "%s\n", e->message);
    g_error_free(e);
    gst_message_unref(m);
  }
  return g_string_free(s, FALSE);
}

/* Pulls frames until a warning with `needle` arrives (frames rendered ahead
 * or queued before a change come first): the warnings seen; fails after
 * 200 frames without it. */
static gchar *warning_after_frames(GstHarness *h, GstBus *bus,
                                   const char *needle) {
  GString *all = g_string_new(NULL);
  for (int i = 0; i < 200 && !strstr(all->str, needle); i++) {
    gst_buffer_unref(gst_harness_pull(h));
    gchar *w = warnings(h, bus);
    g_string_append(all, w);
    g_free(w);
  }
  return g_string_free(all, FALSE);
}

GST_START_TEST(test_bad_values_playing) {
  /* While playing: a bad file is refused with a warning naming it and the
   * picture stays; bad lists and rows likewise; out-of-range indices warn. */
  gchar *good = lat("proj-sg3t-fashion32/projected_w.npz");
  gchar *bad = lat("proj-t32/projected_w.npz");
  gchar *kf = lat("proj-sg3t-fashion32/keyframes.npy");
  gchar *list = lat("dir-t32-list/direction.npy");
  GstHarness *h = harness("video/x-raw, format=GRAY8", NULL);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  g_object_set(h->element, "latents", good, NULL);
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  gsize n;
  guint8 *ref = official("proj-sg3t-fashion32", &n);
  fail_unless_equals_int(frame_diff(b, ref, n), 0);
  gst_buffer_unref(b);
  g_object_set(h->element, "latents", bad, NULL);
  gchar *w = warnings(h, bus);
  fail_unless(strstr(w, bad) && strstr(w, "keeping the previous"), "%s", w);
  g_free(w);
  gchar *now;
  g_object_get(h->element, "latents", &now, NULL);
  fail_unless_equals_string(now, good);
  g_free(now);
  for (int i = 0; i < 3; i++) { /* the previous latent still shows */
    b = gst_harness_pull(h);
    fail_unless_equals_int(frame_diff(b, ref, n), 0);
    gst_buffer_unref(b);
  }
  g_object_set(h->element, "seeds", "5-2", "mix-layers", "x-y", NULL);
  w = warnings(h, bus);
  fail_unless(strstr(w, "'5-2'") && strstr(w, "'x-y'"), "%s", w);
  g_free(w);
  /* a latent index past the file's: a warning, the last latent */
  g_object_set(h->element, "latents", kf, "latent-index", 9, NULL);
  w = warning_after_frames(h, bus, "latent-index 9 is out of range");
  fail_unless(strstr(w, "latent-index 9 is out of range"), "%s", w);
  g_free(w);
  /* a file of directions without direction-index: a warning, no direction */
  gst_harness_teardown(h);
  gchar *t32 = g_build_filename(data_dir, "reference", "t32.safetensors", NULL);
  h = harness("video/x-raw, format=RGB", NULL);
  gst_element_set_bus(h->element, bus);
  g_object_set(h->element, "model", t32, "direction", list, NULL);
  gst_harness_play(h);
  w = warning_after_frames(h, bus, "holds 4 directions");
  fail_unless(strstr(w, "holds 4 directions") && strstr(w, "direction-index"),
              "%s", w);
  g_free(w);
  gst_element_set_bus(h->element, NULL);
  gst_harness_teardown(h);
  gst_object_unref(bus);
  g_free(ref);
  g_free(good);
  g_free(bad);
  g_free(kf);
  g_free(list);
  g_free(t32);
}
GST_END_TEST;

static Suite *latents_suite(void) {
  Suite *s = suite_create("sg3src-latents");
  TCase *tc = tcase_create("latents");
  tcase_set_timeout(tc, 300);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_latents_file);
  tcase_add_test(tc, test_mix_anchor_direction_blend);
  tcase_add_test(tc, test_direction_index_other_model);
  tcase_add_test(tc, test_controllers);
  tcase_add_test(tc, test_walks);
  tcase_add_test(tc, test_walk_through_latents_file);
  tcase_add_test(tc, test_launch_line);
  tcase_add_test(tc, test_bad_files_at_start);
  tcase_add_test(tc, test_bad_values_playing);
  return s;
}

int main(int argc, char **argv) {
  gst_check_init(&argc, &argv);
  data_dir = g_getenv("SG3_TEST_DATA");
  models_dir = g_getenv("SG3_MODELS_DIR");
  if (!data_dir || !models_dir) {
    g_printerr("set SG3_TEST_DATA and SG3_MODELS_DIR\n");
    return 2;
  }
  tmpdir = g_dir_make_tmp("sg3src-latents-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  int failed = gst_check_run_suite(latents_suite(), "sg3src-latents", __FILE__);
  g_rmdir(tmpdir);
  g_free(tmpdir);
  return failed;
}
