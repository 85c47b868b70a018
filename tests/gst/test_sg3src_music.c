/* sg3src's music controls (issue 15): walk-speed integrated over stream
 * time (set, changed while playing, and driven by controllers: the
 * position is the integral of the curve, a function of stream time), the
 * pulse against truncation computed by libsg3, and the latent cache that
 * frame-only settings leave alone.
 *
 * Expected frames come from libsg3 directly: a walk's keyframes are bit for
 * bit their seeds' images, and positions are computed with the same
 * arithmetic as the element's, so most comparisons are exact. */
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/controller/controller.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>

#include "npy.h"
#include "sg3.h"

static gchar *tmpdir, *tiny;

#define TINY_KWARGS                                                            \
  "{\"z_dim\": 8, \"c_dim\": 0, \"w_dim\": 8, \"img_resolution\": 16, "        \
  "\"img_channels\": 3, \"channel_base\": 256, \"channel_max\": 8, "           \
  "\"num_layers\": 3, \"num_critical\": 1, \"filter_size\": 1, "               \
  "\"lrelu_upsampling\": 1, \"mapping_kwargs\": {\"num_layers\": 1}}"
#define SEED 20
#define KEYS 3

/* A harness on sg3src with the tiny model walking SEED.. (KEYS keyframes),
 * RGB at `fps`, plus "name=value ..." properties; not playing yet. */
static GstHarness *harness_new(int fps, const char *props) {
  GstHarness *h = gst_harness_new("sg3src");
  g_object_set(h->element, "model", tiny, "seed", SEED, "walk-keyframes", KEYS,
               "animation", 1, NULL);
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
  gchar *caps = g_strdup_printf("video/x-raw, format=RGB, framerate=%d/1", fps);
  gst_harness_set_sink_caps_str(h, caps);
  g_free(caps);
  return h;
}

static GstHarness *harness(int fps, const char *props) {
  GstHarness *h = harness_new(fps, props);
  gst_harness_play(h);
  return h;
}

typedef struct {
  sg3_model *m;
  sg3_generator *g;
  sg3_model_info i;
} Lib;

static Lib lib_open(void) {
  Lib l;
  char *err = NULL;
  l.m = sg3_model_load(tiny, &err);
  fail_unless(l.m != NULL, "%s", err);
  l.g = sg3_generator_new(l.m, &err);
  sg3_model_get_info(l.m, &l.i);
  return l;
}

static void lib_close(Lib *l) {
  sg3_generator_free(l->g);
  sg3_model_unref(l->m);
}

/* The frame the walk SEED.. has at `position` (keyframes), HWC. */
static guint8 *walk_frame(double position) {
  Lib l = lib_open();
  char *err = NULL;
  sg3_request base;
  sg3_request_init(&base);
  base.seed = SEED;
  sg3_walk_spec spec;
  sg3_walk_spec_init(&spec);
  spec.num_keyframes = KEYS;
  sg3_walk *w = NULL;
  fail_unless(sg3_walk_create(l.g, &base, &spec, &w, &err) == SG3_OK);
  sg3_request r;
  sg3_request_init(&r);
  r.source = SG3_LATENT_WALK;
  r.walk = w;
  r.walk_position = position;
  guint8 *u8 = g_malloc(sg3_model_frame_size(l.m, SG3_PIXELS_U8_HWC));
  fail_unless(sg3_render(l.g, &r, SG3_PIXELS_U8_HWC, u8, &err) == SG3_OK);
  sg3_walk_free(w);
  lib_close(&l);
  return u8;
}

/* A still of `seed` with truncation psi, HWC; *ws gets its ws if asked. */
static guint8 *still(guint seed, double psi, float **ws) {
  Lib l = lib_open();
  char *err = NULL;
  sg3_request r;
  sg3_request_init(&r);
  r.seed = seed;
  r.psi = (float)psi;
  guint8 *u8 = g_malloc(sg3_model_frame_size(l.m, SG3_PIXELS_U8_HWC));
  fail_unless(sg3_render(l.g, &r, SG3_PIXELS_U8_HWC, u8, &err) == SG3_OK);
  if (ws) {
    *ws = g_new(float, (gsize)l.i.num_ws *l.i.w_dim);
    fail_unless(sg3_request_ws(l.g, &r, *ws, &err) == SG3_OK);
  }
  lib_close(&l);
  return u8;
}

/* Largest byte difference between a frame and HWC pixels (16x16 RGB has
 * no row padding). */
static int frame_diff(GstBuffer *b, const guint8 *u8) {
  GstMapInfo map;
  fail_unless(gst_buffer_map(b, &map, GST_MAP_READ));
  fail_unless_equals_int((int)map.size, 16 * 16 * 3);
  int worst = 0;
  for (gsize i = 0; i < map.size; i++)
    worst = MAX(worst, abs((int)map.data[i] - u8[i]));
  gst_buffer_unmap(b, &map);
  return worst;
}

static gboolean buffers_equal(GstBuffer *a, GstBuffer *b) {
  GstMapInfo ma, mb;
  gst_buffer_map(a, &ma, GST_MAP_READ);
  gst_buffer_map(b, &mb, GST_MAP_READ);
  gboolean eq = ma.size == mb.size && !memcmp(ma.data, mb.data, ma.size);
  gst_buffer_unmap(a, &ma);
  gst_buffer_unmap(b, &mb);
  return eq;
}

/* Mean absolute byte difference. */
static double buffer_diff(GstBuffer *a, GstBuffer *b) {
  GstMapInfo ma, mb;
  gst_buffer_map(a, &ma, GST_MAP_READ);
  gst_buffer_map(b, &mb, GST_MAP_READ);
  double d = 0;
  for (gsize i = 0; i < ma.size; i++)
    d += abs((int)ma.data[i] - mb.data[i]);
  gst_buffer_unmap(a, &ma);
  gst_buffer_unmap(b, &mb);
  return d / (double)ma.size;
}

static void pull_n(GstHarness *h, GstBuffer **f, int n) {
  for (int i = 0; i < n; i++)
    f[i] = gst_harness_pull(h);
}

static void unref_n(GstBuffer **f, int n) {
  for (int i = 0; i < n; i++)
    gst_buffer_unref(f[i]);
}

/* A control source on `prop` (absolute values). */
static GstTimedValueControlSource *control(GstHarness *h, const char *prop,
                                           GstInterpolationMode mode) {
  GstControlSource *cs = gst_interpolation_control_source_new();
  g_object_set(cs, "mode", mode, NULL);
  gst_object_add_control_binding(GST_OBJECT(h->element),
                                 gst_direct_control_binding_new_absolute(
                                     GST_OBJECT(h->element), prop, cs));
  return GST_TIMED_VALUE_CONTROL_SOURCE(cs);
}

/* ------------------------------------------------------------------------ */
/* walk-speed */

GST_START_TEST(test_speed_keyframes) {
  /* 1 keyframe/s at 10 fps: frame 10 is keyframe 1 and frame 20 keyframe 2,
   * bit for bit; frame 5 is where walk-frames=10 has it. */
  GstHarness *h = harness(10, "walk-speed=1");
  GstBuffer *f[21];
  pull_n(h, f, 21);
  for (int j = 0; j <= 2; j++) {
    guint8 *k = still(SEED + j, 1.0, NULL);
    fail_unless_equals_int(frame_diff(f[10 * j], k), 0);
    g_free(k);
  }
  GstHarness *c = harness(10, "walk-frames=10");
  GstBuffer *g[6];
  pull_n(c, g, 6);
  fail_unless(buffers_equal(f[5], g[5]));
  for (int i = 0; i < 20; i++)
    fail_if(buffers_equal(f[i], f[i + 1]), "frame %d repeats", i);
  unref_n(f, 21);
  unref_n(g, 6);
  gst_harness_teardown(h);
  gst_harness_teardown(c);
}
GST_END_TEST;

GST_START_TEST(test_speed_zero_stands_still) {
  GstHarness *h = harness(30, "walk-speed=0");
  GstBuffer *f[5];
  pull_n(h, f, 5);
  guint8 *k = still(SEED, 1.0, NULL);
  for (int i = 0; i < 5; i++)
    fail_unless_equals_int(frame_diff(f[i], k), 0);
  g_free(k);
  unref_n(f, 5);
  gst_harness_teardown(h);
}
GST_END_TEST;

/* Changes the pace from the streaming thread as frames 4, 7 and 10 go out,
 * so that the next frame is the first to see it. */
static GstPadProbeReturn change_pace(GstPad *pad, GstPadProbeInfo *info,
                                     gpointer user) {
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
  GstElement *e = GST_ELEMENT(GST_PAD_PARENT(pad));
  if (GST_BUFFER_OFFSET(b) == 4)
    g_object_set(e, "walk-speed", 0.0, NULL);
  else if (GST_BUFFER_OFFSET(b) == 7)
    g_object_set(e, "walk-speed", 2.0, NULL);
  else if (GST_BUFFER_OFFSET(b) == 10)
    g_object_set(e, "walk-speed", -1.0, "walk-frames", 5, NULL);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST(test_speed_changes_continue) {
  /* At 10 fps: 1 keyframe/s for frames 0-4, then 0 (frames 5-7 stay where
   * frame 4 was), then 2 from frame 8 (from where frame 7 was: 0.4 + 0.2
   * per frame), then walk-frames pacing, 5 frames per keyframe, from where
   * frame 10 was. Nothing jumps. */
  GstHarness *h = harness(10, "walk-speed=1");
  GstPad *src = gst_element_get_static_pad(h->element, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, change_pace, NULL, NULL);
  gst_object_unref(src);
  GstBuffer *f[14];
  pull_n(h, f, 14);
  for (int i = 5; i < 8; i++)
    fail_unless(buffers_equal(f[4], f[i]), "frame %d moved", i);
  double p4 = 1 * (4 / 10.0); /* the element's arithmetic */
  double p10 = p4 + 2 * ((double)(1000000000 - 700000000) / 1000000000);
  for (int i = 8; i < 14; i++) {
    double pos =
        i <= 10 ? p4 + 2 * ((double)(i * 100000000 - 700000000) / 1000000000)
                : fmod(p10, KEYS) + (double)(i - 10) / 5;
    guint8 *e = walk_frame(pos);
    fail_unless_equals_int(frame_diff(f[i], e), 0);
    g_free(e);
  }
  /* no step is larger than the biggest step of a plain walk at 2/s */
  GstHarness *p = harness(10, "walk-speed=2");
  GstBuffer *g[16];
  pull_n(p, g, 16);
  double plain = 0, worst = 0;
  for (int i = 0; i < 15; i++)
    plain = fmax(plain, buffer_diff(g[i], g[i + 1]));
  for (int i = 0; i < 13; i++)
    worst = fmax(worst, buffer_diff(f[i], f[i + 1]));
  fail_unless(worst <= plain * 1.01, "a step of %g (plain walk: %g)", worst,
              plain);
  unref_n(f, 14);
  unref_n(g, 16);
  gst_harness_teardown(h);
  gst_harness_teardown(p);
}
GST_END_TEST;

GST_START_TEST(test_speed_controller_linear) {
  /* A ramp 0 -> 2 keyframes/s over 1 s: the position is t^2, then 1 + 2 (t
   * - 1). The same stream times at 20 fps give the same frames: the
   * position is a function of stream time, not of frame counts. */
  GstBuffer *f[16], *g[31];
  for (int run = 0; run < 2; run++) {
    int fps = run ? 20 : 10, n = run ? 31 : 16;
    GstHarness *h = harness_new(fps, NULL);
    GstTimedValueControlSource *cs =
        control(h, "walk-speed", GST_INTERPOLATION_MODE_LINEAR);
    gst_timed_value_control_source_set(cs, 0, 0.0);
    gst_timed_value_control_source_set(cs, GST_SECOND, 2.0);
    gst_harness_play(h);
    pull_n(h, run ? g : f, n);
    gst_harness_teardown(h);
    gst_object_unref(cs);
  }
  guint8 *k1 = still(SEED + 1, 1.0, NULL), *k2 = still(SEED + 2, 1.0, NULL);
  guint8 *q = walk_frame(0.25);
  fail_unless_equals_int(frame_diff(f[10], k1), 0);
  fail_unless_equals_int(frame_diff(f[15], k2), 0);
  fail_unless_equals_int(frame_diff(f[5], q), 0);
  for (int i = 0; i < 16; i++)
    fail_unless(buffers_equal(f[i], g[2 * i]), "t = %d00 ms differs", i);
  g_free(k1);
  g_free(k2);
  g_free(q);
  unref_n(f, 16);
  unref_n(g, 31);
}
GST_END_TEST;

GST_START_TEST(test_speed_controller_steps_and_cubic) {
  /* Steps: 1/s until 0.5 s, then 3/s: at 1 s, 0.5 + 1.5 = keyframe 2.
   * Cubic through points on a line: the line's integral (Simpson). */
  GstHarness *h = harness_new(10, NULL);
  GstTimedValueControlSource *cs =
      control(h, "walk-speed", GST_INTERPOLATION_MODE_NONE);
  gst_timed_value_control_source_set(cs, 0, 1.0);
  gst_timed_value_control_source_set(cs, GST_SECOND / 2, 3.0);
  gst_harness_play(h);
  GstBuffer *f[11];
  pull_n(h, f, 11);
  guint8 *k2 = still(SEED + 2, 1.0, NULL), *half = walk_frame(0.5);
  fail_unless_equals_int(frame_diff(f[10], k2), 0);
  fail_unless_equals_int(frame_diff(f[5], half), 0);
  unref_n(f, 11);
  gst_harness_teardown(h);
  gst_object_unref(cs);

  h = harness_new(10, NULL);
  cs = control(h, "walk-speed", GST_INTERPOLATION_MODE_CUBIC);
  gst_timed_value_control_source_set(cs, 0, 0.0);
  gst_timed_value_control_source_set(cs, GST_SECOND / 2, 1.0);
  gst_timed_value_control_source_set(cs, GST_SECOND, 2.0);
  gst_harness_play(h);
  pull_n(h, f, 11);
  guint8 *k1 = still(SEED + 1, 1.0, NULL), *q = walk_frame(0.25);
  fail_unless(frame_diff(f[10], k1) <= 1);
  fail_unless(frame_diff(f[5], q) <= 1);
  unref_n(f, 11);
  gst_harness_teardown(h);
  gst_object_unref(cs);
  g_free(k1);
  g_free(k2);
  g_free(q);
  g_free(half);
}
GST_END_TEST;

static GstPadProbeReturn edit_curve(GstPad *pad, GstPadProbeInfo *info,
                                    gpointer cs) {
  if (GST_BUFFER_OFFSET(GST_PAD_PROBE_INFO_BUFFER(info)) == 4)
    gst_timed_value_control_source_set(cs, 0, 2.0);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST(test_speed_curve_edited) {
  /* A curve changed as frame 4 goes out: the next frame follows the new
   * curve (from 0: 2/s instead of 1/s makes 0.5 s keyframe 1). */
  GstHarness *h = harness_new(10, NULL);
  GstTimedValueControlSource *cs =
      control(h, "walk-speed", GST_INTERPOLATION_MODE_LINEAR);
  gst_timed_value_control_source_set(cs, 0, 1.0);
  GstPad *src = gst_element_get_static_pad(h->element, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, edit_curve, cs, NULL);
  gst_object_unref(src);
  gst_harness_play(h);
  GstBuffer *f[6];
  pull_n(h, f, 6);
  guint8 *k1 = still(SEED + 1, 1.0, NULL), *p4 = walk_frame(0.4);
  fail_unless_equals_int(frame_diff(f[4], p4), 0);
  fail_unless_equals_int(frame_diff(f[5], k1), 0);
  g_free(k1);
  g_free(p4);
  unref_n(f, 6);
  gst_harness_teardown(h);
  gst_object_unref(cs);
}
GST_END_TEST;

/* At FLUSH_STOP what the harness holds is from before the seek. */
static GstPadProbeReturn drop_old(GstPad *pad, GstPadProbeInfo *info,
                                  gpointer h) {
  GstBuffer *b;
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_FLUSH_STOP)
    while ((b = gst_harness_try_pull(h)))
      gst_buffer_unref(b);
  return GST_PAD_PROBE_OK;
}

GST_START_TEST(test_speed_seek) {
  /* A controlled walk-speed seeks exactly: frames 12, 4 and 9 after
   * flushing seeks are the frames played straight through; reverse play
   * gives a constant walk-speed's frames backwards; a walk-speed makes the
   * duration unknown (no loop in whole frames). */
  GstBuffer *ref[16], *f;
  for (int run = 0; run < 2; run++) {
    GstHarness *h = harness_new(10, NULL);
    GstTimedValueControlSource *cs =
        control(h, "walk-speed", GST_INTERPOLATION_MODE_LINEAR);
    gst_timed_value_control_source_set(cs, 0, 0.2);
    gst_timed_value_control_source_set(cs, GST_SECOND, 2.0);
    gst_timed_value_control_source_set(cs, 2 * GST_SECOND, 0.5);
    gst_harness_play(h);
    if (run == 0) {
      pull_n(h, ref, 16);
    } else {
      GstPad *src = gst_element_get_static_pad(h->element, "src");
      gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_EVENT_FLUSH, drop_old, h, NULL);
      gst_object_unref(src);
      gst_buffer_unref(gst_harness_pull(h));
      const int to[] = {12, 4, 9};
      for (guint k = 0; k < G_N_ELEMENTS(to); k++) {
        fail_unless(gst_harness_push_upstream_event(
            h, gst_event_new_seek(1.0, GST_FORMAT_DEFAULT,
                                  GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                  GST_SEEK_TYPE_SET, to[k], GST_SEEK_TYPE_NONE,
                                  -1)));
        for (int i = to[k]; i < to[k] + 3; i++) {
          f = gst_harness_pull(h);
          fail_unless_equals_uint64(GST_BUFFER_OFFSET(f), i);
          fail_unless(buffers_equal(f, ref[i]), "seek to %d: frame %d", to[k],
                      i);
          gst_buffer_unref(f);
        }
      }
    }
    gst_harness_teardown(h);
    gst_object_unref(cs);
  }
  unref_n(ref, 16);
  /* reverse play at a constant walk-speed: the same frames backwards */
  GstHarness *h = harness(10, "walk-speed=1");
  pull_n(h, ref, 10);
  GstPad *sp = gst_element_get_static_pad(h->element, "src");
  gst_pad_add_probe(sp, GST_PAD_PROBE_TYPE_EVENT_FLUSH, drop_old, h, NULL);
  gst_object_unref(sp);
  fail_unless(gst_harness_push_upstream_event(
      h,
      gst_event_new_seek(-1.0, GST_FORMAT_TIME,
                         GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                         GST_SEEK_TYPE_SET, 0, GST_SEEK_TYPE_SET, GST_SECOND)));
  for (int i = 9; i >= 0; i--) {
    f = NULL;
    fail_unless(gst_harness_pull_until_eos(h, &f) && f, "EOS before %d", i);
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(f), i);
    fail_unless(buffers_equal(f, ref[i]), "reverse: frame %d", i);
    gst_buffer_unref(f);
  }
  unref_n(ref, 10);
  gst_harness_teardown(h);
  h = harness(10, "walk-speed=0.5");
  gst_buffer_unref(gst_harness_pull(h));
  GstPad *src = gst_element_get_static_pad(h->element, "src");
  gint64 d = 0;
  fail_if(gst_pad_query_duration(src, GST_FORMAT_TIME, &d) && d >= 0,
          "duration %" G_GINT64_FORMAT, d);
  gst_object_unref(src);
  gst_harness_teardown(h);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* pulse */

GST_START_TEST(test_pulse_is_truncation) {
  /* pulse 1 x pulse-psi 1 on psi 1 is psi 2, bit for bit (w_avg + 2 (w -
   * w_avg) is how truncation computes it); pulse 1 x pulse-psi 0.4 on psi
   * 0.5 is psi 0.7, to float rounding; pulse 0 changes nothing. */
  GstHarness *h = harness(30, "animation=none seed=2 pulse=1 pulse-psi=1");
  GstBuffer *b = gst_harness_pull(h);
  guint8 *e = still(2, 2.0, NULL);
  fail_unless_equals_int(frame_diff(b, e), 0);
  g_free(e);
  gst_buffer_unref(b);
  gst_harness_teardown(h);

  float *want;
  e = still(2, 0.7, &want);
  h = harness(30, "animation=none seed=2 psi=0.5 pulse=1 pulse-psi=0.4");
  b = gst_harness_pull(h);
  fail_unless(frame_diff(b, e) <= 1);
  GBytes *ws = NULL;
  g_object_get(h->element, "last-ws", &ws, NULL);
  fail_unless(ws != NULL);
  gsize n;
  const float *got = g_bytes_get_data(ws, &n);
  for (gsize i = 0; i < n / sizeof(float); i++)
    fail_unless(fabsf(got[i] - want[i]) <= 1e-5f * (1 + fabsf(want[i])),
                "ws[%zu] = %g, want %g", i, got[i], want[i]);
  g_bytes_unref(ws);
  g_free(want);
  g_free(e);
  gst_buffer_unref(b);
  gst_harness_teardown(h);

  h = harness(30, "animation=none seed=2 psi=0.5 pulse=0 pulse-psi=3");
  b = gst_harness_pull(h);
  e = still(2, 0.5, NULL);
  fail_unless_equals_int(frame_diff(b, e), 0);
  g_free(e);
  gst_buffer_unref(b);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(test_pulse_on_walk) {
  /* A walk at keyframe 1 (walk-speed 1, frame 10 at 10 fps) with pulse 1:
   * seed + 1 at psi 1.5. */
  GstHarness *h = harness(10, "walk-speed=1 pulse=1");
  GstBuffer *f[11];
  pull_n(h, f, 11);
  guint8 *e = still(SEED + 1, 1.5, NULL);
  fail_unless_equals_int(frame_diff(f[10], e), 0);
  g_free(e);
  unref_n(f, 11);
  gst_harness_teardown(h);
}
GST_END_TEST;

GST_START_TEST(test_pulse_controller) {
  /* A pulse of 1 at 0.5 s decaying by half each frame, on a walk at 0.2
   * keyframes/s: frames before it equal the plain walk, the biggest change
   * between frames is at 0.5 s, and by 1.5 s the frames are the plain walk
   * again. */
  GstHarness *h = harness_new(10, "walk-speed=0.2");
  GstTimedValueControlSource *cs =
      control(h, "pulse", GST_INTERPOLATION_MODE_NONE);
  gst_timed_value_control_source_set(cs, 0, 0.0);
  for (int i = 0; i < 8; i++)
    gst_timed_value_control_source_set(cs, (5 + i) * GST_SECOND / 10,
                                       ldexp(1.0, -i));
  gst_timed_value_control_source_set(cs, 13 * GST_SECOND / 10, 0.0);
  gst_harness_play(h);
  GstBuffer *f[16], *g[16];
  pull_n(h, f, 16);
  GstHarness *p = harness(10, "walk-speed=0.2");
  pull_n(p, g, 16);
  for (int i = 0; i < 16; i++)
    fail_unless(buffers_equal(f[i], g[i]) == (i < 5 || i >= 13), "frame %d", i);
  int peak = 1;
  for (int i = 1; i < 16; i++)
    if (buffer_diff(f[i - 1], f[i]) > buffer_diff(f[peak - 1], f[peak]))
      peak = i;
  fail_unless_equals_int(peak, 5);
  unref_n(f, 16);
  unref_n(g, 16);
  gst_harness_teardown(h);
  gst_harness_teardown(p);
  gst_object_unref(cs);
}
GST_END_TEST;

GST_START_TEST(test_pulse_along_direction) {
  /* With a direction file, pulse 1 x pulse-direction 1.5 (and no pulse-psi)
   * is direction-strength 1.5, bit for bit; without a direction file,
   * pulse-direction does nothing. */
  gchar *dir = g_build_filename(tmpdir, "direction.npy", NULL);
  float d[8] = {0.9f, -0.4f, 0.2f, 1.1f, -0.7f, 0.3f, 0.5f, -1.0f};
  size_t shape[1] = {8};
  fail_unless(npy_write_f32(dir, d, 1, shape) == 0);
  gchar *props = g_strdup_printf("animation=none seed=2 direction=%s "
                                 "direction-strength=1.5",
                                 dir);
  GstHarness *h = harness(30, props);
  GstBuffer *want = gst_harness_pull(h);
  gst_harness_teardown(h);
  g_free(props);
  props = g_strdup_printf("animation=none seed=2 direction=%s "
                          "direction-strength=0 pulse=1 pulse-psi=0 "
                          "pulse-direction=1.5",
                          dir);
  h = harness(30, props);
  GstBuffer *got = gst_harness_pull(h);
  gst_harness_teardown(h);
  g_free(props);
  fail_unless(buffers_equal(got, want));
  h = harness(30, "animation=none seed=2 pulse=1 pulse-psi=0 "
                  "pulse-direction=1.5");
  GstBuffer *none = gst_harness_pull(h);
  gst_harness_teardown(h);
  guint8 *plain = still(2, 1.0, NULL);
  fail_unless_equals_int(frame_diff(none, plain), 0);
  fail_if(buffers_equal(none, want));
  g_free(plain);
  gst_buffer_unref(want);
  gst_buffer_unref(got);
  gst_buffer_unref(none);
  g_unlink(dir);
  g_free(dir);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* The latent cache */

static gint cache_builds;

static void count_builds(GstDebugCategory *cat, GstDebugLevel level,
                         const gchar *file, const gchar *function, gint line,
                         GObject *object, GstDebugMessage *message,
                         gpointer data) {
  if (!strcmp(gst_debug_category_get_name(cat), "sg3src") &&
      g_str_has_prefix(gst_debug_message_get(message), "latent cache"))
    g_atomic_int_inc(&cache_builds);
}

GST_START_TEST(test_frame_only_settings_keep_the_cache) {
  /* Controlled spin, pulse, walk-speed and direction-strength fit the walk
   * once; a controlled psi (which the keyframes depend on) refits it every
   * frame. */
  gst_debug_set_threshold_for_name("sg3src", GST_LEVEL_DEBUG);
  gst_debug_add_log_function(count_builds, NULL, NULL);
  const char *props[] = {"spin", "pulse", "walk-speed", "direction-strength",
                         "psi"};
  for (guint k = 0; k < G_N_ELEMENTS(props); k++) {
    g_atomic_int_set(&cache_builds, 0);
    GstHarness *h = harness_new(10, NULL);
    GstTimedValueControlSource *cs =
        control(h, props[k], GST_INTERPOLATION_MODE_LINEAR);
    gst_timed_value_control_source_set(cs, 0, 0.5);
    gst_timed_value_control_source_set(cs, GST_SECOND, 1.0);
    gst_harness_play(h);
    GstBuffer *f[8];
    pull_n(h, f, 8);
    gst_harness_teardown(h);
    unref_n(f, 8);
    gst_object_unref(cs);
    int builds = g_atomic_int_get(&cache_builds);
    if (k < 4) {
      fail_unless(builds == 1, "%s: %d fits", props[k], builds);
    } else {
      fail_unless(builds >= 8, "psi: %d fits", builds);
    }
  }
  gst_debug_remove_log_function(count_builds);
  gst_debug_set_threshold_for_name("sg3src", GST_LEVEL_NONE);
}
GST_END_TEST;

static Suite *music_suite(void) {
  Suite *s = suite_create("sg3src-music");
  TCase *tc = tcase_create("music");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_speed_keyframes);
  tcase_add_test(tc, test_speed_zero_stands_still);
  tcase_add_test(tc, test_speed_changes_continue);
  tcase_add_test(tc, test_speed_controller_linear);
  tcase_add_test(tc, test_speed_controller_steps_and_cubic);
  tcase_add_test(tc, test_speed_curve_edited);
  tcase_add_test(tc, test_speed_seek);
  tcase_add_test(tc, test_pulse_is_truncation);
  tcase_add_test(tc, test_pulse_on_walk);
  tcase_add_test(tc, test_pulse_controller);
  tcase_add_test(tc, test_pulse_along_direction);
  tcase_add_test(tc, test_frame_only_settings_keep_the_cache);
  return s;
}

int main(int argc, char **argv) {
  gst_check_init(&argc, &argv);
  tmpdir = g_dir_make_tmp("sg3src-music-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  char *err = NULL;
  sg3_model *m = sg3_model_new_random(TINY_KWARGS, 7, &err);
  g_assert_nonnull(m);
  tiny = g_build_filename(tmpdir, "tiny.safetensors", NULL);
  g_assert_cmpint(sg3_model_save_safetensors(m, tiny, &err), ==, 0);
  sg3_model_unref(m);
  int failed = gst_check_run_suite(music_suite(), "sg3src-music", __FILE__);
  g_unlink(tiny);
  g_rmdir(tmpdir);
  g_free(tiny);
  g_free(tmpdir);
  return failed;
}
