/* sg3src element tests (gst-check, GstHarness): caps, properties, parity,
 * live timing, models (sg3src_test.h has the fixtures). The bundled demo
 * model is used where its reference images matter. */
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <gst/video/video.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "sg3.h"
#include "sg3src_test.h"

/* ------------------------------------------------------------------------ */
/* Caps */

static void check_formats(const char *model, const char *const *formats,
                          const char *preferred) {
  int ch, res;
  guint8 *u8 = expected_image(PARAMS(.model = model, .seed = 5), &ch, &res);
  for (const char *const *f = formats; *f; f++) {
    gchar *caps = g_strdup_printf("video/x-raw, format=%s", *f);
    gchar *props = g_strdup_printf("model=%s seed=5", model);
    GstHarness *h = harness(caps, props);
    gst_harness_play(h);
    GstBuffer *buf = gst_harness_pull(h);
    GstCaps *c = harness_caps(h);
    GstStructure *s = gst_caps_get_structure(c, 0);
    fail_unless_equals_string(gst_structure_get_string(s, "format"), *f);
    gint n, d;
    fail_unless(gst_structure_get_fraction(s, "framerate", &n, &d));
    fail_unless(n == 30 && d == 1, "default framerate %d/%d", n, d);
    fail_unless_equals_int(compare_frame(buf, c, u8, ch, res), 0);
    gst_caps_unref(c);
    gst_buffer_unref(buf);
    harness_done(h);
    g_free(caps);
    g_free(props);
  }
  /* No format asked for: the element's first choice. */
  gchar *props = g_strdup_printf("model=%s", model);
  GstHarness *h = harness("video/x-raw", props);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  GstCaps *c = harness_caps(h);
  fail_unless_equals_string(
      gst_structure_get_string(gst_caps_get_structure(c, 0), "format"),
      preferred);
  gst_caps_unref(c);
  harness_done(h);
  g_free(props);
  g_free(u8);
}

#define RGB_FORMATS                                                            \
  "RGB", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA", "ARGB", "ABGR"

GST_START_TEST(test_formats_gray) {
  const char *const f[] = {"GRAY8", RGB_FORMATS, NULL};
  check_formats(tiny1, f, "GRAY8");
}
GST_END_TEST;

GST_START_TEST(test_formats_rgb) {
  const char *const f[] = {RGB_FORMATS, NULL};
  check_formats(tiny3, f, "RGB");
}
GST_END_TEST;

GST_START_TEST(test_formats_rgba) {
  const char *const f[] = {"RGBA", "BGRA", "ARGB", "ABGR", NULL};
  check_formats(tiny4, f, "RGBA");
}
GST_END_TEST;

GST_START_TEST(test_caps_refused) {
  /* A 3-channel model has no GRAY8, a 4-channel one no RGB, and the size is
   * the model's. */
  const char *cases[][2] = {
      {tiny3, "format=GRAY8"}, {tiny4, "format=RGB"}, {tiny3, "width=64"}};
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gchar *desc = g_strdup_printf("sg3src model=%s ! video/x-raw,%s ! fakesink",
                                  cases[i][0], cases[i][1]);
    GstStateChangeReturn ret;
    gchar *debug = NULL;
    GError *err = pipeline_error(desc, &ret, &debug);
    fail_unless(err != NULL, "%s negotiated", desc);
    fail_unless(err->domain == GST_STREAM_ERROR && debug &&
                    strstr(debug, "not-negotiated"),
                "%s: %s (%s)", desc, err->message, debug);
    g_error_free(err);
    g_free(debug);
    g_free(desc);
  }
}
GST_END_TEST;

GST_START_TEST(test_framerate) {
  GstHarness *h = harness("video/x-raw, framerate=25/2", NULL);
  g_object_set(h->element, "model", tiny3, NULL);
  gst_harness_play(h);
  for (int i = 0; i < 3; i++) {
    GstBuffer *b = gst_harness_pull(h);
    GstClockTime dur = gst_util_uint64_scale(GST_SECOND, 2, 25);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b),
                              gst_util_uint64_scale(i, 2 * GST_SECOND, 25));
    fail_unless(GST_BUFFER_DURATION(b) >= dur - 1 &&
                GST_BUFFER_DURATION(b) <= dur + 1);
    gst_buffer_unref(b);
  }
  harness_done(h);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Buffers */

GST_START_TEST(test_num_buffers) {
  GstHarness *h = harness(NULL, NULL);
  g_object_set(h->element, "model", tiny3, "num-buffers", 5, NULL);
  gst_harness_play(h);
  int count = 0;
  for (;;) {
    GstBuffer *b = NULL;
    fail_unless(gst_harness_pull_until_eos(h, &b));
    if (!b)
      break;
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), count);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b),
                              gst_util_uint64_scale(count, GST_SECOND, 30));
    count++;
    gst_buffer_unref(b);
  }
  fail_unless_equals_int(count, 5);
  harness_done(h);
}
GST_END_TEST;

GST_START_TEST(test_determinism) {
  const char *props[] = {
      "seed=11 psi=0.6 translate-x=0.1 rotate=20",
      "seed=4 animation=walk walk-frames=3 walk-keyframes=2 spin=30 pan-x=0.2",
  };
  for (gsize k = 0; k < G_N_ELEMENTS(props); k++) {
    gchar *p = g_strdup_printf("model=%s %s", tiny3, props[k]);
    GstHarness *a = harness(NULL, p), *b = harness(NULL, p);
    gst_harness_play(a);
    gst_harness_play(b);
    GstBuffer *prev = NULL;
    for (int i = 0; i < 5; i++) {
      GstBuffer *x = gst_harness_pull(a), *y = gst_harness_pull(b);
      fail_unless(buffers_equal(x, y), "%s: frame %d differs", props[k], i);
      /* animated frames must also differ from one another */
      if (prev && k == 1)
        fail_if(buffers_equal(prev, x), "%s: frame %d repeats", props[k], i);
      gst_buffer_replace(&prev, x);
      gst_buffer_unref(x);
      gst_buffer_unref(y);
    }
    gst_buffer_unref(prev);
    harness_done(a);
    harness_done(b);
    g_free(p);
  }
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Parity with the demo model's reference images */

GST_START_TEST(test_parity_demo) {
  gchar *json =
      g_build_filename(data_dir, "reference", "cases-demo.json", NULL);
  JsonParser *parser = json_parser_new();
  fail_unless(json_parser_load_from_file(parser, json, NULL), "%s", json);
  JsonArray *cases = json_object_get_array_member(
      json_node_get_object(json_parser_get_root(parser)), "cases");
  fail_unless(json_array_get_length(cases) >= 3);
  for (guint k = 0; k < json_array_get_length(cases); k++) {
    JsonObject *cs = json_array_get_object_element(cases, k);
    Params p = PARAMS(.seed = (guint)json_object_get_int_member(cs, "seed"));
    if (json_object_has_member(cs, "class"))
      p.klass = (gint)json_object_get_int_member(cs, "class");
    if (json_object_has_member(cs, "psi"))
      p.psi = json_object_get_double_member(cs, "psi");
    if (json_object_has_member(cs, "translate")) {
      JsonArray *t = json_object_get_array_member(cs, "translate");
      p.tx = json_array_get_double_element(t, 0);
      p.ty = json_array_get_double_element(t, 1);
    }
    if (json_object_has_member(cs, "rotate"))
      p.rot = json_object_get_double_member(cs, "rotate");

    /* the built-in model: no model property */
    GstHarness *h = harness("video/x-raw, format=GRAY8", NULL);
    g_object_set(h->element, "seed", p.seed, "class", p.klass, "psi", p.psi,
                 "translate-x", p.tx, "translate-y", p.ty, "rotate", p.rot,
                 "num-buffers", 1, NULL);
    gst_harness_play(h);
    GstBuffer *buf = gst_harness_pull(h);
    GstCaps *caps = harness_caps(h);
    int ch, res;
    guint8 *u8 = expected_image(p, &ch, &res);
    fail_unless_equals_int(ch, 1);
    fail_unless_equals_int(compare_frame(buf, caps, u8, ch, res), 0);

    /* and the official generator's 8-bit image, within one step as the core
     * parity test allows */
    gchar *path = g_build_filename(data_dir, "reference",
                                   json_object_get_string_member(cs, "dir"),
                                   "img_u8.npy", NULL);
    npy_array a;
    char err[256];
    fail_unless(npy_read(path, &a, err, sizeof err) == 0, "%s", err);
    fail_unless_equals_int(a.numel, (gsize)res * res);
    GstMapInfo m;
    gst_buffer_map(buf, &m, GST_MAP_READ);
    int worst = 0;
    for (gsize i = 0; i < a.numel; i++)
      worst = MAX(worst, abs((int)m.data[i] - ((guint8 *)a.data)[i]));
    gst_buffer_unmap(buf, &m);
    fail_unless(worst <= 1, "case %u: max |diff| %d", k, worst);
    npy_free(&a);
    g_free(path);
    g_free(u8);
    gst_caps_unref(caps);
    gst_buffer_unref(buf);
    harness_done(h);
  }
  g_object_unref(parser);
  g_free(json);
}
GST_END_TEST;

/* A StyleGAN-XL training snapshot (dill, a SuperresGenerator 16 -> 32,
 * 1000 classes): the frame is the request sg3-gen renders, with the
 * family's 8-bit rule and truncation toward the class's own centre, and
 * StyleGAN-XL's own gen_images.py image. */
static guint8 *expected_request(const char *model, guint seed, gint klass,
                                double psi) {
  char *err = NULL;
  sg3_model *m = sg3_model_load(model, &err);
  fail_unless(m != NULL, "load: %s", err);
  sg3_generator *g = sg3_generator_new(m, &err);
  sg3_request r;
  sg3_request_init(&r);
  r.seed = seed;
  r.class_index = klass;
  r.psi = (float)psi;
  guint8 *u8 = g_malloc(sg3_model_frame_size(m, SG3_PIXELS_U8_HWC));
  fail_unless(sg3_render(g, &r, SG3_PIXELS_U8_HWC, u8, &err) == SG3_OK,
              "render: %s", err);
  sg3_generator_free(g);
  sg3_model_unref(m);
  return u8;
}

GST_START_TEST(test_stylegan_xl) {
  gchar *model = g_build_filename(data_dir, "xl", "xl32c.pkl", NULL);
  gchar *ref =
      g_build_filename(data_dir, "xl", "cases", "xl32c-0", "img_u8.npy", NULL);
  npy_array a;
  char err[256];
  fail_unless(npy_read(ref, &a, err, sizeof err) == 0, "%s", err);
  fail_unless_equals_int(a.numel, 32 * 32 * 3);
  static const struct {
    gint klass;
    double psi;
  } runs[] = {{207, 1.0}, {3, 0.5}, {207, 0.5}};
  guint8 *frames[3];
  for (gsize k = 0; k < G_N_ELEMENTS(runs); k++) {
    GstHarness *h = harness("video/x-raw, format=RGB", NULL);
    g_object_set(h->element, "model", model, "seed", 0, "class", runs[k].klass,
                 "psi", runs[k].psi, "num-buffers", 1, NULL);
    gst_harness_play(h);
    GstBuffer *buf = gst_harness_pull(h);
    GstCaps *caps = harness_caps(h);
    frames[k] = expected_request(model, 0, runs[k].klass, runs[k].psi);
    fail_unless_equals_int(compare_frame(buf, caps, frames[k], 3, 32), 0);
    if (k == 0) /* gen_images.py --seeds 0 --class 207 */
      fail_unless_equals_int(compare_frame(buf, caps, a.data, 3, 32), 0);
    gst_caps_unref(caps);
    gst_buffer_unref(buf);
    harness_done(h);
  }
  /* A walk that blends classes: keyframes seed 0 class 207 and seed 0
   * class 3 (psi 0.5: each toward its own centre) at frames 0 and 4, in
   * between neither. */
  GstHarness *h = harness("video/x-raw, format=RGB", NULL);
  g_object_set(h->element, "model", model, "seed", 0, "psi", 0.5, "seeds",
               "0,0", "classes", "207,3", "walk-frames", 4, "num-buffers", 5,
               NULL);
  gst_util_set_object_arg(G_OBJECT(h->element), "animation", "walk");
  gst_harness_play(h);
  GstBuffer *walk[5];
  for (int n = 0; n < 5; n++)
    walk[n] = gst_harness_pull(h);
  GstCaps *caps = harness_caps(h);
  fail_unless_equals_int(compare_frame(walk[0], caps, frames[2], 3, 32), 0);
  fail_unless_equals_int(compare_frame(walk[4], caps, frames[1], 3, 32), 0);
  fail_unless(compare_frame(walk[2], caps, frames[2], 3, 32) > 100);
  fail_unless(compare_frame(walk[2], caps, frames[1], 3, 32) > 100);
  for (int n = 0; n < 5; n++)
    gst_buffer_unref(walk[n]);
  gst_caps_unref(caps);
  harness_done(h);
  for (gsize k = 0; k < G_N_ELEMENTS(frames); k++)
    g_free(frames[k]);
  npy_free(&a);
  g_free(ref);
  g_free(model);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Properties */

static GstPadProbeReturn change_seed_after(GstPad *pad, GstPadProbeInfo *info,
                                           gpointer user) {
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  if (GST_BUFFER_OFFSET(b) == 2)
    g_object_set(GST_PAD_PARENT(pad), "seed", 9, "translate-y", 0.25, NULL);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST(test_property_change_next_frame) {
  /* Changed from the streaming thread right after frame 2 is made: frame 3
   * is the first with the new values. */
  int ch, res;
  guint8 *before = expected_image(PARAMS(.model = tiny3, .seed = 1), &ch, &res);
  guint8 *after =
      expected_image(PARAMS(.model = tiny3, .seed = 9, .ty = 0.25), &ch, &res);
  GstHarness *h = harness(NULL, NULL);
  g_object_set(h->element, "model", tiny3, "seed", 1, NULL);
  GstPad *src = gst_element_get_static_pad(h->element, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, change_seed_after, NULL,
                    NULL);
  gst_object_unref(src);
  gst_harness_play(h);
  GstCaps *caps = NULL;
  for (int i = 0; i < 6; i++) {
    GstBuffer *b = gst_harness_pull(h);
    if (!caps)
      caps = harness_caps(h);
    fail_unless_equals_int(
        compare_frame(b, caps, i <= 2 ? before : after, ch, res), 0);
    gst_buffer_unref(b);
  }
  gst_caps_unref(caps);
  harness_done(h);
  g_free(before);
  g_free(after);
}
GST_END_TEST;

GST_START_TEST(test_property_change_live) {
  /* Live, on the test clock: a change made from the application thread
   * between two frames shows in the next one. */
  int ch, res;
  guint8 *seed1 = expected_image(PARAMS(.model = tiny3, .seed = 1), &ch, &res);
  guint8 *seed9 = expected_image(PARAMS(.model = tiny3, .seed = 9), &ch, &res);
  GstHarness *h = harness("video/x-raw, framerate=1/1", NULL);
  g_object_set(h->element, "model", tiny3, "seed", 1, "is-live", TRUE, NULL);
  gst_harness_play(h);
  GstBuffer *b = pull_live(h);
  GstCaps *caps = harness_caps(h);
  fail_unless_equals_int(compare_frame(b, caps, seed1, ch, res), 0);
  gst_buffer_unref(b);

  g_object_set(h->element, "seed", 9, NULL);
  b = pull_live(h);
  fail_unless_equals_uint64(GST_BUFFER_PTS(b), GST_SECOND);
  fail_unless_equals_int(compare_frame(b, caps, seed9, ch, res), 0);
  gst_buffer_unref(b);
  gst_caps_unref(caps);
  harness_done(h);
  g_free(seed1);
  g_free(seed9);
}
GST_END_TEST;

GST_START_TEST(test_transform_property) {
  GstElement *e = gst_element_factory_make("sg3src", NULL);
  gst_util_set_object_arg(G_OBJECT(e), "transform", "<0.2, -1, 30>");
  gdouble tx, ty, rot;
  g_object_get(e, "translate-x", &tx, "translate-y", &ty, "rotate", &rot, NULL);
  fail_unless(tx == 0.2 && ty == -1.0 && rot == 30.0);
  g_object_set(e, "rotate", 45.0, NULL);
  GValue v = G_VALUE_INIT;
  g_value_init(&v, GST_TYPE_ARRAY);
  g_object_get_property(G_OBJECT(e), "transform", &v);
  fail_unless_equals_int(gst_value_array_get_size(&v), 3);
  fail_unless(g_value_get_double(gst_value_array_get_value(&v, 2)) == 45.0);
  g_value_unset(&v);
  /* wrong shapes are refused, the values stay */
  gst_util_set_object_arg(G_OBJECT(e), "transform", "<1, 2>");
  g_object_get(e, "translate-x", &tx, NULL);
  fail_unless(tx == 0.2);
  gst_object_unref(e);
}
GST_END_TEST;

GST_START_TEST(test_class) {
  /* conditional: an out-of-range class uses the last, with a warning */
  int ch, res;
  guint8 *c2 =
      expected_image(PARAMS(.model = tiny1, .seed = 3, .klass = 2), &ch, &res);
  GstHarness *h = harness(NULL, NULL);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  g_object_set(h->element, "model", tiny1, "seed", 3, "class", 7, NULL);
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  GstCaps *caps = harness_caps(h);
  fail_unless_equals_int(compare_frame(b, caps, c2, ch, res), 0);
  GstMessage *msg =
      gst_bus_timed_pop_filtered(bus, GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless(msg != NULL);
  gst_message_unref(msg);
  gst_buffer_unref(b);
  gst_caps_unref(caps);
  gst_element_set_bus(h->element, NULL);
  harness_done(h);
  gst_object_unref(bus);
  g_free(c2);

  /* unconditional: ignored, with a warning */
  guint8 *u = expected_image(PARAMS(.model = tiny3, .seed = 3), &ch, &res);
  h = harness(NULL, NULL);
  bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  g_object_set(h->element, "model", tiny3, "seed", 3, "class", 1, NULL);
  gst_harness_play(h);
  b = gst_harness_pull(h);
  caps = harness_caps(h);
  fail_unless_equals_int(compare_frame(b, caps, u, ch, res), 0);
  msg = gst_bus_timed_pop_filtered(bus, GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless(msg != NULL);
  gst_message_unref(msg);
  gst_buffer_unref(b);
  gst_caps_unref(caps);
  gst_element_set_bus(h->element, NULL);
  harness_done(h);
  gst_object_unref(bus);
  g_free(u);
}
GST_END_TEST;

GST_START_TEST(test_controller) {
  /* translate-x driven by a control source follows stream time: at 10 fps
   * frame 5 (t = 0.5 s) has translate-x = 0.5 on a 0 -> 1 ramp over 1 s. */
  int ch, res;
  guint8 *u8 =
      expected_image(PARAMS(.model = tiny3, .seed = 2, .tx = 0.5), &ch, &res);
  GstHarness *h = harness("video/x-raw, framerate=10/1", NULL);
  g_object_set(h->element, "model", tiny3, "seed", 2, NULL);
  GstControlSource *cs = gst_interpolation_control_source_new();
  g_object_set(cs, "mode", GST_INTERPOLATION_MODE_LINEAR, NULL);
  GstTimedValueControlSource *tvcs = GST_TIMED_VALUE_CONTROL_SOURCE(cs);
  gst_timed_value_control_source_set(tvcs, 0, 0.0);
  gst_timed_value_control_source_set(tvcs, GST_SECOND, 1.0);
  gst_object_add_control_binding(
      GST_OBJECT(h->element), gst_direct_control_binding_new_absolute(
                                  GST_OBJECT(h->element), "translate-x", cs));
  gst_harness_play(h);
  GstCaps *caps = NULL;
  for (int i = 0; i <= 5; i++) {
    GstBuffer *b = gst_harness_pull(h);
    if (!caps)
      caps = harness_caps(h);
    if (i == 5)
      fail_unless_equals_int(compare_frame(b, caps, u8, ch, res), 0);
    gst_buffer_unref(b);
  }
  gst_caps_unref(caps);
  harness_done(h);
  gst_object_unref(cs);
  g_free(u8);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Walk */

GST_START_TEST(test_walk_frames) {
  /* 3 keyframes x 6 frames: every frame differs from the last, frame 6j is
   * keyframe seed+j exactly, frame 18 loops back to frame 0, and steps
   * between frames are small next to the step between keyframes. */
  const int wf = 6, k = 3;
  GstHarness *h = harness(NULL, NULL);
  g_object_set(h->element, "model", tiny3, "seed", 20, "animation", 1,
               "walk-frames", wf, "walk-keyframes", k, NULL);
  gst_harness_play(h);
  GstBuffer *f[19];
  for (int i = 0; i <= k * wf; i++)
    f[i] = gst_harness_pull(h);
  GstCaps *caps = harness_caps(h);
  for (int j = 0; j < k; j++) {
    int ch, res;
    guint8 *u8 =
        expected_image(PARAMS(.model = tiny3, .seed = 20 + j), &ch, &res);
    fail_unless_equals_int(compare_frame(f[j * wf], caps, u8, ch, res), 0);
    g_free(u8);
  }
  fail_unless(buffers_equal(f[0], f[k * wf]));
  double key = 0, step = 0;
  for (int j = 0; j < k; j++)
    key = fmax(key, buffer_diff(f[j * wf], f[(j + 1) * wf]));
  for (int i = 0; i < k * wf; i++) {
    fail_if(buffers_equal(f[i], f[i + 1]), "frame %d repeats", i);
    step = fmax(step, buffer_diff(f[i], f[i + 1]));
  }
  fail_unless(step < 0.6 * key, "largest step %g vs keyframe step %g", step,
              key);
  for (int i = 0; i <= k * wf; i++)
    gst_buffer_unref(f[i]);
  gst_caps_unref(caps);
  harness_done(h);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Live timing */

GST_START_TEST(test_live_timestamps) {
  GstHarness *h = harness("video/x-raw, framerate=5/1", NULL);
  g_object_set(h->element, "model", tiny3, "is-live", TRUE, NULL);
  gst_harness_play(h);
  for (int i = 0; i < 5; i++) {
    GstBuffer *b = pull_live(h);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b), i * GST_SECOND / 5);
    fail_unless_equals_uint64(GST_BUFFER_DURATION(b), GST_SECOND / 5);
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), i);
    /* handed over no earlier than its time */
    GstTestClock *clock = gst_harness_get_testclock(h);
    fail_unless(gst_clock_get_time(GST_CLOCK(clock)) >= GST_BUFFER_PTS(b));
    gst_object_unref(clock);
    gst_buffer_unref(b);
  }
  GstQuery *q = gst_query_new_latency();
  GstPad *src = gst_element_get_static_pad(h->element, "src");
  fail_unless(gst_pad_query(src, q));
  gboolean live;
  GstClockTime min, max;
  gst_query_parse_latency(q, &live, &min, &max);
  fail_unless(live);
  fail_unless_equals_uint64(min, GST_SECOND / 5);
  gst_query_unref(q);
  gst_object_unref(src);
  harness_done(h);
}
GST_END_TEST;

GST_START_TEST(test_live_skips_when_slow) {
  /* 20000 fps is far faster than even the tiny model renders: the source
   * must skip frames (and say so with QoS) yet keep its timestamps on the
   * clock. */
  const GstClockTime dur = GST_SECOND / 20000;
  GstHarness *h = harness("video/x-raw, framerate=20000/1", NULL);
  gst_harness_use_systemclock(h);
  GstClock *clock = gst_system_clock_obtain();
  gst_element_set_base_time(h->element, gst_clock_get_time(clock));
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  g_object_set(h->element, "model", tiny3, "is-live", TRUE, NULL);
  gst_harness_play(h);
  GstClockTime last = GST_CLOCK_TIME_NONE;
  guint64 gaps = 0;
  for (int i = 0; i < 10; i++) {
    GstBuffer *b = gst_harness_pull(h);
    GstClockTime pts = GST_BUFFER_PTS(b);
    fail_unless_equals_uint64(pts % dur, 0);
    if (GST_CLOCK_TIME_IS_VALID(last)) {
      fail_unless(pts > last);
      gaps += pts - last > dur;
    }
    last = pts;
    /* not drifting: the frame is at most a second behind the clock */
    GstClockTime now =
        gst_clock_get_time(clock) - gst_element_get_base_time(h->element);
    fail_unless(pts + GST_SECOND > now,
                "pts %" GST_TIME_FORMAT " now %" GST_TIME_FORMAT,
                GST_TIME_ARGS(pts), GST_TIME_ARGS(now));
    gst_buffer_unref(b);
  }
  fail_unless(gaps > 0);
  GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_QOS);
  fail_unless(msg != NULL);
  GstFormat fmt;
  guint64 processed, dropped;
  gst_message_parse_qos_stats(msg, &fmt, &processed, &dropped);
  fail_unless(fmt == GST_FORMAT_BUFFERS && dropped > 0);
  gst_message_unref(msg);
  gst_element_set_bus(h->element, NULL);
  harness_done(h);
  gst_object_unref(bus);
  gst_object_unref(clock);
}
GST_END_TEST;

GST_START_TEST(test_live_realtime) {
  /* 10 frames at 20 fps through a syncing sink take about half a second. */
  gchar *desc = g_strdup_printf("sg3src model=%s is-live=true num-buffers=10 "
                                "! video/x-raw,framerate=20/1 "
                                "! fakesink sync=true",
                                tiny3);
  GstElement *p = gst_parse_launch(desc, NULL);
  GstBus *bus = gst_element_get_bus(p);
  gint64 t0 = g_get_monotonic_time();
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstMessage *msg = gst_bus_timed_pop_filtered(
      bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  double secs = (g_get_monotonic_time() - t0) / 1e6;
  fail_unless(msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS);
  fail_unless(secs > 0.4 && secs < 3.0, "took %.2f s", secs);
  gst_message_unref(msg);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(p);
  g_free(desc);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Errors and models */

GST_START_TEST(test_bad_model) {
  gchar *missing = g_build_filename(tmpdir, "missing.safetensors", NULL);
  struct {
    const char *path;
    GQuark domain;
    gint code;
    const char *reason;
  } cases[] = {
      {missing, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
       "No such file"},
      {not_model, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, NULL},
      {truncated, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, NULL},
      {tmpdir, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, "directory"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gchar *desc =
        g_strdup_printf("sg3src model=\"%s\" ! fakesink", cases[i].path);
    GstStateChangeReturn ret;
    gint64 t0 = g_get_monotonic_time();
    GError *err = pipeline_error(desc, &ret, NULL);
    fail_unless(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC);
    fail_unless_equals_int(ret, GST_STATE_CHANGE_FAILURE);
    fail_unless(err != NULL, "%s: no error", cases[i].path);
    fail_unless(g_error_matches(err, cases[i].domain, cases[i].code), "%s: %s",
                cases[i].path, err->message);
    /* names the file and says why */
    fail_unless(strstr(err->message, cases[i].path) != NULL, "%s",
                err->message);
    if (cases[i].reason)
      fail_unless(strstr(err->message, cases[i].reason) != NULL, "%s",
                  err->message);
    else
      fail_unless(strlen(err->message) >
                      strlen(cases[i].path) +
                          strlen("Could not load the model: : "),
                  "%s", err->message);
    GST_INFO("%s", err->message);
    g_error_free(err);
    g_free(desc);
  }
  g_free(missing);
}
GST_END_TEST;

GST_START_TEST(test_model_change_playing) {
  /* 16x16 RGB -> 8x8 RGBA while playing: the stream renegotiates. A bad file
   * is refused with a warning and the stream goes on. */
  GstHarness *h = harness(NULL, NULL);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  g_object_set(h->element, "model", tiny3, NULL);
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  fail_unless_equals_int(gst_buffer_get_size(b), 16 * 16 * 3);
  gst_buffer_unref(b);

  g_object_set(h->element, "model", not_model, NULL);
  GstMessage *msg =
      gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_WARNING);
  fail_unless(msg != NULL);
  gst_message_unref(msg);
  gchar *now;
  g_object_get(h->element, "model", &now, NULL);
  fail_unless_equals_string(now, tiny3);
  g_free(now);
  b = gst_harness_pull(h);
  fail_unless_equals_int(gst_buffer_get_size(b), 16 * 16 * 3);
  gst_buffer_unref(b);

  g_object_set(h->element, "model", tiny4s, NULL);
  /* frames already queued are the old size; the new model's follow */
  for (int i = 0; i < 1000; i++) {
    b = gst_harness_pull(h);
    gsize size = gst_buffer_get_size(b);
    gst_buffer_unref(b);
    if (size == 8 * 8 * 4)
      break;
    fail_unless_equals_int(size, 16 * 16 * 3);
  }
  GstCaps *caps = harness_caps(h);
  GstStructure *s = gst_caps_get_structure(caps, 0);
  fail_unless_equals_string(gst_structure_get_string(s, "format"), "RGBA");
  gint w;
  gst_structure_get_int(s, "width", &w);
  fail_unless_equals_int(w, 8);
  gst_caps_unref(caps);
  gst_element_set_bus(h->element, NULL);
  harness_done(h);
  gst_object_unref(bus);
}
GST_END_TEST;

static GMutex last_lock;

static void count_buffer(GstElement *sink, GstBuffer *buf, GstPad *pad,
                         gpointer user) {
  GstClockTime *last = user;
  g_mutex_lock(&last_lock);
  fail_unless(!GST_CLOCK_TIME_IS_VALID(*last) || GST_BUFFER_PTS(buf) > *last);
  *last = GST_BUFFER_PTS(buf);
  g_mutex_unlock(&last_lock);
}

GST_START_TEST(test_pause_resume) {
  /* Live PLAYING -> PAUSED -> PLAYING: the stream goes on where it was
   * (running time stops while paused), no error. */
  gchar *desc = g_strdup_printf("sg3src model=%s is-live=true ! "
                                "video/x-raw,framerate=20/1 ! fakesink "
                                "name=sink sync=true signal-handoffs=true",
                                tiny3);
  GstElement *p = gst_parse_launch(desc, NULL);
  GstElement *sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  GstClockTime last = GST_CLOCK_TIME_NONE;
  g_signal_connect(sink, "handoff", G_CALLBACK(count_buffer), &last);
  GstBus *bus = gst_element_get_bus(p);
  GstState states[] = {GST_STATE_PLAYING, GST_STATE_PAUSED, GST_STATE_PLAYING,
                       GST_STATE_PAUSED, GST_STATE_PLAYING};
  GstClockTime seen = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(states); i++) {
    gst_element_set_state(p, states[i]);
    fail_if(gst_element_get_state(p, NULL, NULL, 10 * GST_SECOND) ==
            GST_STATE_CHANGE_FAILURE);
    g_usleep(300 * 1000);
    GstMessage *err = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    fail_unless(err == NULL);
    if (states[i] == GST_STATE_PLAYING) {
      g_mutex_lock(&last_lock);
      GstClockTime now = last;
      g_mutex_unlock(&last_lock);
      fail_unless(GST_CLOCK_TIME_IS_VALID(now) && (i == 0 || now > seen),
                  "no new frames after step %u", (guint)i);
      seen = now;
    }
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(bus);
  gst_object_unref(p);
  g_free(desc);
}
GST_END_TEST;

static void cycles(const char *desc, int n) {
  GstElement *p = gst_parse_launch(desc, NULL);
  fail_unless(p != NULL);
  for (int i = 0; i < n; i++) {
    GstStateChangeReturn r = gst_element_set_state(p, GST_STATE_PLAYING);
    fail_if(r == GST_STATE_CHANGE_FAILURE);
    r = gst_element_get_state(p, NULL, NULL, 30 * GST_SECOND);
    fail_unless(r == GST_STATE_CHANGE_SUCCESS ||
                    r == GST_STATE_CHANGE_NO_PREROLL,
                "cycle %d: %d", i, r);
    fail_unless_equals_int(gst_element_set_state(p, GST_STATE_NULL),
                           GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref(p);
}

GST_START_TEST(test_cycles) {
  gchar *desc = g_strdup_printf("sg3src model=%s ! fakesink", tiny3);
  cycles(desc, 100);
  g_free(desc);
  desc = g_strdup_printf(
      "sg3src model=%s is-live=true animation=walk ! fakesink", tiny1);
  cycles(desc, g_getenv("SG3_UNDER_VALGRIND") ? 20 : 100);
  g_free(desc);
}
GST_END_TEST;

GST_START_TEST(test_cycles_builtin) {
  /* the built-in model, live: the stop waits for at most the frame being
   * rendered */
  cycles("sg3src is-live=true ! fakesink", 5);
  cycles("sg3src num-buffers=1 ! fakesink", 2);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */

static Suite *sg3src_suite(void) {
  Suite *s = suite_create("sg3src");
  TCase *tc = tcase_create("tiny");
  tcase_set_timeout(tc, 300);
  tcase_add_checked_fixture(tc, NULL, harness_teardown_all);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_formats_gray);
  tcase_add_test(tc, test_formats_rgb);
  tcase_add_test(tc, test_formats_rgba);
  tcase_add_test(tc, test_caps_refused);
  tcase_add_test(tc, test_framerate);
  tcase_add_test(tc, test_num_buffers);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_property_change_next_frame);
  tcase_add_test(tc, test_property_change_live);
  tcase_add_test(tc, test_transform_property);
  tcase_add_test(tc, test_class);
  tcase_add_test(tc, test_stylegan_xl);
  tcase_add_test(tc, test_controller);
  tcase_add_test(tc, test_walk_frames);
  tcase_add_test(tc, test_live_timestamps);
  tcase_add_test(tc, test_live_skips_when_slow);
  tcase_add_test(tc, test_bad_model);
  tcase_add_test(tc, test_model_change_playing);
  tcase_add_test(tc, test_cycles);
  /* real time or the full-size demo model: too slow under valgrind */
  TCase *slow = tcase_create("demo");
  tcase_set_timeout(slow, 600);
  tcase_add_checked_fixture(slow, NULL, harness_teardown_all);
  suite_add_tcase(s, slow);
  tcase_add_test(slow, test_parity_demo);
  tcase_add_test(slow, test_live_realtime);
  tcase_add_test(slow, test_pause_resume);
  tcase_add_test(slow, test_cycles_builtin);
  return s;
}

int main(int argc, char **argv) {
  gst_check_init(&argc, &argv);
  if (sg3src_test_setup())
    return 2;
  int failed = gst_check_run_suite(sg3src_suite(), "sg3src", __FILE__);
  sg3src_test_cleanup();
  return failed;
}
