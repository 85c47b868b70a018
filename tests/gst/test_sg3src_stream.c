/* sg3src as a GStreamer source: seeking (frames, segments, reverse),
 * DURATION/CONVERT/SEEKING, stills, threads and shared pools, prompt
 * cancellation, live scheduling with a slow model, caps in READY, model
 * switches while playing (background loads, refusals), stream tags,
 * memory budgets. Fixtures: sg3src_test.h. */
#include <dirent.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sg3.h"
#include "sg3src_test.h"

/* A walk with a spin, so that the picture depends on both the frame number
 * (walk position) and its time (rotation). */
#define WALK "animation=walk walk-frames=4 walk-keyframes=3 spin=20 seed=7"
#define PERIOD 12 /* frames in the walk's loop */

static gchar *props_for(const char *model, const char *more) {
  return g_strdup_printf("model=%s %s", model, more);
}

/* The first `n` frames of an unseeked stream. */
static GstBuffer **unseeked(const char *props, int n) {
  GstHarness *h = harness("video/x-raw, framerate=10/1", props);
  gst_harness_play(h);
  GstBuffer **f = g_new0(GstBuffer *, n);
  for (int i = 0; i < n; i++)
    f[i] = gst_harness_pull(h);
  harness_done(h);
  return f;
}

static void free_frames(GstBuffer **f, int n) {
  for (int i = 0; i < n; i++)
    gst_buffer_unref(f[i]);
  g_free(f);
}

/* At FLUSH_STOP the streaming thread is stopped: what the harness has
 * queued then is from before the seek. */
static GstPadProbeReturn drop_old(GstPad *pad, GstPadProbeInfo *info,
                                  gpointer user) {
  GstEvent *e = GST_PAD_PROBE_INFO_EVENT(info);
  GstBuffer *b;
  if (GST_EVENT_TYPE(e) == GST_EVENT_FLUSH_STOP)
    while ((b = gst_harness_try_pull(user)))
      gst_buffer_unref(b);
  return GST_PAD_PROBE_OK;
}

static gboolean seek(GstHarness *h, gdouble rate, GstFormat fmt,
                     GstSeekFlags flags, gint64 start, gint64 stop) {
  if (!g_object_get_data(G_OBJECT(h->element), "drop-old")) {
    GstPad *src = gst_element_get_static_pad(h->element, "src");
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_EVENT_FLUSH, drop_old, h, NULL);
    gst_object_unref(src);
    g_object_set_data(G_OBJECT(h->element), "drop-old", h);
  }
  return gst_harness_push_upstream_event(
      h, gst_event_new_seek(rate, fmt, flags, GST_SEEK_TYPE_SET, start,
                            stop < 0 ? GST_SEEK_TYPE_NONE : GST_SEEK_TYPE_SET,
                            stop));
}

static int segment_dones; /* SEGMENT_DONE events seen */

static void drain_events(GstHarness *h, GstSegment *seg) {
  GstEvent *e;
  while ((e = gst_harness_try_pull_event(h))) {
    if (GST_EVENT_TYPE(e) == GST_EVENT_SEGMENT)
      gst_event_copy_segment(e, seg);
    segment_dones += GST_EVENT_TYPE(e) == GST_EVENT_SEGMENT_DONE;
    gst_event_unref(e);
  }
}

/* The next buffer; *seg gets the latest segment (the harness queues events
 * apart from buffers: the one before a buffer is there when it is). */
static GstBuffer *pull_with_segment(GstHarness *h, GstSegment *seg) {
  GstBuffer *b = gst_harness_pull(h);
  drain_events(h, seg);
  return b;
}

#define FRAME_TS(i) gst_util_uint64_scale((i), GST_SECOND, 10)

/* ------------------------------------------------------------------------ */
/* Seeking */

GST_START_TEST(test_seek_frame) {
  /* A flushing, accurate seek to a frame (DEFAULT) or into one (TIME)
   * gives that frame, the same bits as without seeking, then the ones
   * after it. */
  gchar *p = props_for(tiny3, WALK);
  GstBuffer **ref = unseeked(p, 16);
  struct {
    GstFormat fmt;
    gint64 pos;
    int frame;
  } cases[] = {{GST_FORMAT_DEFAULT, 7, 7},
               {GST_FORMAT_TIME, (gint64)FRAME_TS(9) + GST_MSECOND * 30, 9},
               {GST_FORMAT_TIME, (gint64)FRAME_TS(13), 13},
               {GST_FORMAT_DEFAULT, 2, 2}};
  GstHarness *h = harness("video/x-raw, framerate=10/1", p);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
    fail_unless(seek(h, 1.0, cases[k].fmt,
                     GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, cases[k].pos,
                     -1),
                "seek %u refused", (guint)k);
    for (int i = cases[k].frame; i < cases[k].frame + 3 && i < 16; i++) {
      GstSegment seg;
      gst_segment_init(&seg, GST_FORMAT_TIME);
      GstBuffer *b = pull_with_segment(h, &seg);
      fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), i);
      fail_unless_equals_uint64(GST_BUFFER_PTS(b), FRAME_TS(i));
      fail_unless(buffers_equal(b, ref[i]), "seek %u: frame %d differs",
                  (guint)k, i);
      gst_buffer_unref(b);
    }
  }
  harness_done(h);
  free_frames(ref, 16);
  g_free(p);
}
GST_END_TEST;

GST_START_TEST(test_segment_loop) {
  /* A segment seek over the walk's loop, and another (not flushing) at
   * each SEGMENT_DONE: the frames repeat, and running time goes on without
   * a gap. */
  gchar *p = props_for(tiny3, "animation=walk walk-frames=4 walk-keyframes=3 "
                              "seed=7");
  GstBuffer **ref = unseeked(p, PERIOD);
  GstHarness *h = harness("video/x-raw, framerate=10/1", p);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  fail_unless(seek(h, 1.0, GST_FORMAT_TIME,
                   GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_SEGMENT, 0,
                   (gint64)FRAME_TS(PERIOD)));
  GstClockTime expect_rt = 0;
  GstSegment seg;
  gst_segment_init(&seg, GST_FORMAT_TIME);
  for (int loop = 0; loop < 3; loop++) {
    for (int i = 0; i < PERIOD; i++) {
      GstBuffer *b = pull_with_segment(h, &seg);
      fail_unless(buffers_equal(b, ref[i]), "loop %d: frame %d differs", loop,
                  i);
      GstClockTime rt =
          gst_segment_to_running_time(&seg, GST_FORMAT_TIME, GST_BUFFER_PTS(b));
      fail_unless_equals_uint64(rt, expect_rt);
      expect_rt += GST_BUFFER_DURATION(b);
      gst_buffer_unref(b);
    }
    /* the end of the segment: SEGMENT_DONE, then the next loop */
    for (int tries = 0; tries < 60000 && segment_dones <= loop; tries++) {
      drain_events(h, &seg);
      if (segment_dones <= loop)
        g_usleep(1000);
    }
    fail_unless_equals_int(segment_dones, loop + 1);
    fail_unless(seek(h, 1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_SEGMENT, 0,
                     (gint64)FRAME_TS(PERIOD)));
  }
  harness_done(h);
  free_frames(ref, PERIOD);
  g_free(p);
}
GST_END_TEST;

GST_START_TEST(test_reverse) {
  /* rate -1 over frames [0, 10): frames 9 down to 0, each with its own
   * timestamp and pixels, then EOS. */
  gchar *p = props_for(tiny3, WALK);
  GstBuffer **ref = unseeked(p, 10);
  GstHarness *h = harness("video/x-raw, framerate=10/1", p);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  fail_unless(seek(h, -1.0, GST_FORMAT_TIME,
                   GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, 0,
                   (gint64)FRAME_TS(10)));
  for (int i = 9; i >= 0; i--) {
    GstBuffer *b = NULL;
    fail_unless(gst_harness_pull_until_eos(h, &b) && b != NULL,
                "EOS before frame %d", i);
    fail_unless_equals_uint64(GST_BUFFER_OFFSET(b), i);
    fail_unless_equals_uint64(GST_BUFFER_PTS(b), FRAME_TS(i));
    fail_unless_equals_uint64(GST_BUFFER_DURATION(b), FRAME_TS(1));
    fail_unless(buffers_equal(b, ref[i]), "frame %d differs", i);
    gst_buffer_unref(b);
  }
  GstBuffer *b = NULL;
  fail_unless(gst_harness_pull_until_eos(h, &b) && b == NULL, "no EOS");
  harness_done(h);
  free_frames(ref, 10);
  g_free(p);
}
GST_END_TEST;

static gint64 duration(GstHarness *h, GstFormat f) {
  gint64 d = -1;
  GstPad *src = gst_element_get_static_pad(h->element, "src");
  if (!gst_pad_query_duration(src, f, &d))
    d = -1;
  gst_object_unref(src);
  return d;
}

GST_START_TEST(test_duration_convert) {
  /* A walk that nothing else moves: the loop. With a spin: unknown.
   * num-buffers: its length. */
  gchar *p = props_for(tiny3, "animation=walk walk-frames=4 walk-keyframes=3");
  GstHarness *h = harness("video/x-raw, framerate=10/1", p);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  fail_unless_equals_int64(duration(h, GST_FORMAT_DEFAULT), PERIOD);
  fail_unless_equals_int64(duration(h, GST_FORMAT_TIME), FRAME_TS(PERIOD));
  GstPad *src = gst_element_get_static_pad(h->element, "src");
  gint64 v;
  fail_unless(
      gst_pad_query_convert(src, GST_FORMAT_DEFAULT, 7, GST_FORMAT_TIME, &v));
  fail_unless_equals_int64(v, FRAME_TS(7));
  fail_unless(gst_pad_query_convert(src, GST_FORMAT_TIME, FRAME_TS(7) + 1,
                                    GST_FORMAT_DEFAULT, &v));
  fail_unless_equals_int64(v, 7);
  GstQuery *q = gst_query_new_seeking(GST_FORMAT_TIME);
  fail_unless(gst_pad_query(src, q));
  gboolean seekable;
  gint64 start, end;
  gst_query_parse_seeking(q, NULL, &seekable, &start, &end);
  fail_unless(seekable && start == 0 && end == (gint64)FRAME_TS(PERIOD));
  gst_query_unref(q);
  g_object_set(h->element, "spin", 5.0, NULL);
  fail_unless_equals_int64(duration(h, GST_FORMAT_TIME), -1);
  gst_object_unref(src);
  harness_done(h);
  g_free(p);

  p = props_for(tiny3, "num-buffers=5");
  h = harness("video/x-raw, framerate=10/1", p);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  fail_unless_equals_int64(duration(h, GST_FORMAT_TIME), FRAME_TS(5));
  harness_done(h);
  g_free(p);

  /* live: not seekable, and a seek is refused */
  p = props_for(tiny3, "is-live=true");
  h = harness("video/x-raw, framerate=10/1", p);
  gst_harness_play(h);
  gst_buffer_unref(pull_live(h));
  q = gst_query_new_seeking(GST_FORMAT_TIME);
  src = gst_element_get_static_pad(h->element, "src");
  fail_unless(gst_pad_query(src, q));
  gst_query_parse_seeking(q, NULL, &seekable, NULL, NULL);
  fail_if(seekable);
  gst_query_unref(q);
  gst_object_unref(src);
  fail_if(seek(h, 1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, GST_SECOND, -1));
  harness_done(h);
  g_free(p);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Stills and statistics */

static guint64 stats_field(GstElement *e, const char *field) {
  GstStructure *s = NULL;
  g_object_get(e, "stats", &s, NULL);
  fail_unless(s != NULL);
  guint64 v = 0;
  fail_unless(gst_structure_get_uint64(s, field, &v), "no %s", field);
  gst_structure_free(s);
  return v;
}

GST_START_TEST(test_still_reuse) {
  /* Nothing that affects the picture changes: rendered once, then copied;
   * a change renders once more. */
  gchar *p = props_for(tiny3, "seed=3");
  GstHarness *h = harness(NULL, p);
  gst_harness_play(h);
  GstBuffer *first = gst_harness_pull(h);
  for (int i = 1; i < 20; i++) {
    GstBuffer *b = gst_harness_pull(h);
    fail_unless(buffers_equal(b, first));
    gst_buffer_unref(b);
  }
  /* (the harness queues: the element may be further along) */
  guint64 emitted = stats_field(h->element, "emitted");
  fail_unless_equals_uint64(stats_field(h->element, "rendered"), 1);
  fail_unless(emitted >= 20 &&
              stats_field(h->element, "reused") >= emitted - 1);
  g_object_set(h->element, "seed", 4, NULL);
  for (gint64 end = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
       g_get_monotonic_time() < end;) {
    GstBuffer *b = gst_harness_pull(h);
    gboolean same = buffers_equal(b, first);
    gst_buffer_unref(b);
    if (!same)
      break;
  }
  fail_unless_equals_uint64(stats_field(h->element, "rendered"), 2);
  gst_buffer_unref(first);
  harness_done(h);
  g_free(p);
}
GST_END_TEST;

GST_START_TEST(test_framerate_zero) {
  /* framerate=0/1: one image of unknown duration, no more until a setting
   * changes, no EOS. */
  int ch, res;
  guint8 *s3 = expected_image(PARAMS(.model = tiny3, .seed = 3), &ch, &res);
  guint8 *s9 = expected_image(PARAMS(.model = tiny3, .seed = 9), &ch, &res);
  gchar *p = props_for(tiny3, "seed=3");
  GstHarness *h = harness("video/x-raw, framerate=0/1", p);
  gst_harness_play(h);
  GstBuffer *b = gst_harness_pull(h);
  GstCaps *caps = harness_caps(h);
  fail_unless_equals_int(compare_frame(b, caps, s3, ch, res), 0);
  fail_unless_equals_uint64(GST_BUFFER_PTS(b), 0);
  fail_unless(!GST_CLOCK_TIME_IS_VALID(GST_BUFFER_DURATION(b)));
  gst_buffer_unref(b);
  g_usleep(300 * 1000);
  fail_unless(gst_harness_try_pull(h) == NULL, "a second still unasked");
  GstEvent *e;
  while ((e = gst_harness_try_pull_event(h))) {
    fail_if(GST_EVENT_TYPE(e) == GST_EVENT_EOS);
    gst_event_unref(e);
  }
  g_object_set(h->element, "seed", 9, NULL);
  b = gst_harness_pull(h);
  fail_unless_equals_int(compare_frame(b, caps, s9, ch, res), 0);
  gst_buffer_unref(b);
  fail_unless_equals_uint64(stats_field(h->element, "rendered"), 2);
  gst_caps_unref(caps);
  harness_done(h);
  g_free(p);
  g_free(s3);
  g_free(s9);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Threads */

/* Threads of this process named `name`. */
static int count_threads(const char *name) {
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;
  int n = 0;
  while (d && (e = readdir(d))) {
    gchar *path = g_strdup_printf("/proc/self/task/%s/comm", e->d_name);
    gchar *comm = NULL;
    if (g_file_get_contents(path, &comm, NULL, NULL)) {
      g_strchomp(comm);
      n += !strcmp(comm, name);
    }
    g_free(comm);
    g_free(path);
  }
  if (d)
    closedir(d);
  return n;
}

GST_START_TEST(test_threads) {
  /* Any thread count, shared pool or not: the same bits. */
  const char *variants[] = {"threads=1 shared-pool=false",
                            "threads=3 shared-pool=false", "threads=2",
                            "threads=0"};
  gchar *p = props_for(tiny3, WALK);
  GstBuffer **ref = unseeked(p, 4);
  g_free(p);
  for (gsize k = 0; k < G_N_ELEMENTS(variants); k++) {
    gchar *more = g_strdup_printf("%s %s", WALK, variants[k]);
    p = props_for(tiny3, more);
    GstBuffer **f = unseeked(p, 4);
    for (int i = 0; i < 4; i++)
      fail_unless(buffers_equal(f[i], ref[i]), "%s: frame %d differs",
                  variants[k], i);
    free_frames(f, 4);
    g_free(p);
    g_free(more);
  }
  free_frames(ref, 4);

  /* Two elements with shared-pool=true share one pool (one
   * sg3-worker-1); with shared-pool=false each has its own. */
  for (int shared = 1; shared >= 0; shared--) {
    gchar *more =
        g_strdup_printf("threads=2 shared-pool=%s", shared ? "true" : "false");
    p = props_for(tiny3, more);
    GstHarness *a = harness(NULL, p), *b = harness(NULL, p);
    gst_harness_play(a);
    gst_harness_play(b);
    gst_buffer_unref(gst_harness_pull(a));
    gst_buffer_unref(gst_harness_pull(b));
    fail_unless_equals_int(count_threads("sg3-worker-1"), shared ? 1 : 2);
    /* (a new thread names itself when it first runs) */
    for (int i = 0; i < 5000 && count_threads("sg3-render") < 2; i++)
      g_usleep(1000);
    fail_unless_equals_int(count_threads("sg3-render"), 2);
    harness_done(a);
    harness_done(b);
    g_free(p);
    g_free(more);
  }
  fail_unless_equals_int(count_threads("sg3-worker-1"), 0);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Cancellation and slow models */

/* A model that takes a good fraction of a second a frame here, written
 * once. */
static gchar *slow_model(void) {
  static gchar *path;
  if (!path)
    path = write_tiny("slow.safetensors",
                      "{\"z_dim\": 32, \"w_dim\": 32, \"img_resolution\": 64, "
                      "\"img_channels\": 3, \"channel_base\": 8192, "
                      "\"channel_max\": 128, \"mapping_kwargs\": "
                      "{\"num_layers\": 1}}",
                      9);
  return path;
}

typedef struct {
  GMutex lock;
  gint64 first_at; /* monotonic us of the first buffer, 0 before */
  int count;
} Handoffs;

static void on_handoff(GstElement *sink, GstBuffer *buf, GstPad *pad,
                       gpointer user) {
  Handoffs *h = user;
  g_mutex_lock(&h->lock);
  if (!h->count++)
    h->first_at = g_get_monotonic_time();
  g_mutex_unlock(&h->lock);
}

GST_START_TEST(test_null_prompt) {
  /* While a slow model renders, going to NULL takes a fraction of a frame
   * (the render is cancelled within a layer), not the rest of the frame:
   * measured against how long a frame takes in the same run. */
  gchar *desc = g_strdup_printf("sg3src name=src model=%s animation=walk ! "
                                "fakesink "
                                "name=sink signal-handoffs=true sync=false",
                                slow_model());
  for (int run = 0; run < 2; run++) {
    GstElement *pipe = gst_parse_launch(desc, NULL);
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
    Handoffs ho = {0};
    g_mutex_init(&ho.lock);
    g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &ho);
    gint64 t0 = g_get_monotonic_time();
    gst_element_set_state(pipe, GST_STATE_PLAYING);
    int count = 0;
    for (int i = 0; i < 120000 && count < 2; i++) {
      g_usleep(1000);
      g_mutex_lock(&ho.lock);
      count = ho.count;
      g_mutex_unlock(&ho.lock);
    }
    fail_unless(count >= 2, "no frames");
    gint64 frame_us = ho.first_at - t0; /* load and first frame */
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
    guint64 rendered = stats_field(src, "rendered");
    /* into the middle of the next render */
    g_usleep(frame_us / 4);
    gint64 t1 = g_get_monotonic_time();
    fail_unless_equals_int(gst_element_set_state(pipe, GST_STATE_NULL),
                           GST_STATE_CHANGE_SUCCESS);
    gint64 stop_us = g_get_monotonic_time() - t1;
    GST_INFO("run %d: a frame %.3f s, to NULL %.3f s (%" G_GUINT64_FORMAT
             " rendered)",
             run, frame_us / 1e6, stop_us / 1e6, rendered);
    fail_unless(stop_us < frame_us / 3, "to NULL took %.3f s, a frame %.3f s",
                stop_us / 1e6, frame_us / 1e6);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipe);
    g_mutex_clear(&ho.lock);
  }
  g_free(desc);
}
GST_END_TEST;

GST_START_TEST(test_live_slow_every_render) {
  /* Live at a framerate the model cannot keep up with (one thread, about
   * 0.15 s a frame here, at 20 fps): the frames come on the clock's grid
   * with gaps, each rendered frame goes out (none is rendered and thrown
   * away: a render would have to take a frame longer than the estimate,
   * which allows for twice its usual variation), and QoS says what was
   * skipped. */
  gchar *desc = g_strdup_printf("sg3src name=src model=%s is-live=true "
                                "threads=1 shared-pool=false animation=walk "
                                "! video/x-raw,framerate=20/1 "
                                "! fakesink name=sink sync=true "
                                "signal-handoffs=true",
                                slow_model());
  GstElement *pipe = gst_parse_launch(desc, NULL);
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipe), "src");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  Handoffs ho = {0};
  g_mutex_init(&ho.lock);
  g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &ho);
  GstBus *bus = gst_element_get_bus(pipe);
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  int count = 0;
  for (int i = 0; i < 120000 && count < 8; i++) {
    g_usleep(1000);
    g_mutex_lock(&ho.lock);
    count = ho.count;
    g_mutex_unlock(&ho.lock);
  }
  fail_unless(count >= 8, "only %d frames", count);
  guint64 rendered = stats_field(src, "rendered"),
          emitted = stats_field(src, "emitted");
  guint64 skipped = stats_field(src, "skipped");
  guint64 late = stats_field(src, "late");
  GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_QOS);
  gst_element_set_state(pipe, GST_STATE_NULL);
  GST_INFO("rendered %" G_GUINT64_FORMAT " emitted %" G_GUINT64_FORMAT
           " skipped %" G_GUINT64_FORMAT,
           rendered, emitted, skipped);
  /* one may be rendered ahead and not yet out */
  fail_unless(rendered == emitted || rendered == emitted + 1,
              "rendered %" G_GUINT64_FORMAT ", emitted %" G_GUINT64_FORMAT
              " (%" G_GUINT64_FORMAT " too late)",
              rendered, emitted, late);
  fail_unless(skipped > 0);
  fail_unless(msg != NULL, "no QoS message");
  gst_message_unref(msg);
  gst_object_unref(bus);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipe);
  g_mutex_clear(&ho.lock);
  g_free(desc);
}
GST_END_TEST;

/* ------------------------------------------------------------------------ */
/* Models and caps */

GST_START_TEST(test_caps_ready) {
  /* In READY the model is loaded: the caps and model-* say its size. */
  GstElement *e = gst_element_factory_make("sg3src", NULL);
  g_object_set(e, "model", tiny4s, NULL);
  gint res = -1;
  g_object_get(e, "model-resolution", &res, NULL);
  fail_unless_equals_int(res, 0);
  fail_unless_equals_int(gst_element_set_state(e, GST_STATE_READY),
                         GST_STATE_CHANGE_SUCCESS);
  gint ch, classes;
  gchar *family;
  g_object_get(e, "model-resolution", &res, "model-channels", &ch,
               "model-classes", &classes, "model-family", &family, NULL);
  fail_unless(res == 8 && ch == 4 && classes == 0, "%d %d %d", res, ch,
              classes);
  fail_unless_equals_string(family, "stylegan3");
  g_free(family);
  GstPad *src = gst_element_get_static_pad(e, "src");
  GstCaps *caps = gst_pad_query_caps(src, NULL);
  GstStructure *s = gst_caps_get_structure(caps, 0);
  gint w, hgt;
  fail_unless(gst_structure_get_int(s, "width", &w) &&
              gst_structure_get_int(s, "height", &hgt) && w == 8 && hgt == 8);
  fail_unless_equals_string(gst_structure_get_string(s, "interlace-mode"),
                            "progressive");
  fail_unless_equals_string(gst_structure_get_string(s, "colorimetry"), "sRGB");
  gst_caps_unref(caps);
  /* a gray model offers GRAY8 (full range) first */
  gst_element_set_state(e, GST_STATE_NULL);
  g_object_set(e, "model", tiny1, NULL);
  gst_element_set_state(e, GST_STATE_READY);
  caps = gst_pad_query_caps(src, NULL);
  fail_unless_equals_string(
      gst_structure_get_string(gst_caps_get_structure(caps, 0), "format"),
      "GRAY8");
  gst_caps_unref(caps);
  /* set in READY: loaded in the background, then the caps follow */
  g_object_set(e, "model", tiny3, NULL);
  for (int i = 0; i < 10000 && ch != 3; i++) {
    g_usleep(1000);
    g_object_get(e, "model-resolution", &res, "model-channels", &ch, NULL);
  }
  fail_unless(res == 16 && ch == 3);
  gst_object_unref(src);
  gst_element_set_state(e, GST_STATE_NULL);
  gst_object_unref(e);
}
GST_END_TEST;

GST_START_TEST(test_negotiation_message) {
  /* Downstream takes nothing the model makes: the error says what it
   * makes. */
  gchar *desc = g_strdup_printf(
      "sg3src model=%s ! video/x-raw,width=64,height=64 ! fakesink", tiny4);
  GstStateChangeReturn ret;
  gchar *debug = NULL;
  GError *err = pipeline_error(desc, &ret, &debug);
  fail_unless(err != NULL);
  fail_unless(strstr(err->message, "16x16") && strstr(err->message, "RGBA"),
              "%s", err->message);
  fail_unless(debug && strstr(debug, "not-negotiated"), "%s", debug);
  g_error_free(err);
  g_free(debug);
  g_free(desc);
}
GST_END_TEST;

static GstMessage *wait_message(GstBus *bus, GstMessageType type) {
  return gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, type);
}

GST_START_TEST(test_switch_refused) {
  /* Downstream takes 16x16 only: a switch to an 8x8 model while playing
   * is refused with a warning, the stream goes on with the old one. */
  gchar *p = props_for(tiny3, "");
  GstHarness *h = harness("video/x-raw, width=16, height=16", p);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  g_object_set(h->element, "model", tiny4s, NULL);
  GstMessage *msg = wait_message(bus, GST_MESSAGE_WARNING);
  fail_unless(msg != NULL);
  GError *err = NULL;
  gst_message_parse_warning(msg, &err, NULL);
  fail_unless(strstr(err->message, "Refused") && strstr(err->message, "8x8"),
              "%s", err->message);
  g_error_free(err);
  gst_message_unref(msg);
  gchar *now;
  g_object_get(h->element, "model", &now, NULL);
  fail_unless_equals_string(now, tiny3);
  g_free(now);
  for (int i = 0; i < 5; i++) {
    GstBuffer *b = gst_harness_pull(h);
    fail_unless_equals_int(gst_buffer_get_size(b), 16 * 16 * 3);
    gst_buffer_unref(b);
  }
  msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  fail_unless(msg == NULL);
  gst_element_set_bus(h->element, NULL);
  harness_done(h);
  gst_object_unref(bus);
  g_free(p);
}
GST_END_TEST;

GST_START_TEST(test_model_background) {
  /* Setting `model` while playing returns at once: a FIFO (whose open
   * would block) is refused with a warning later; a larger file loads in
   * the background and the stream switches to it. */
  gchar *fifo = g_build_filename(tmpdir, "model.fifo", NULL);
  fail_unless(mkfifo(fifo, 0600) == 0);
  gchar *p = props_for(tiny3, "");
  GstHarness *h = harness(NULL, p);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  gint64 t0 = g_get_monotonic_time();
  g_object_set(h->element, "model", fifo, NULL);
  fail_unless(g_get_monotonic_time() - t0 < G_USEC_PER_SEC / 2);
  GstMessage *msg = wait_message(bus, GST_MESSAGE_WARNING);
  fail_unless(msg != NULL);
  GError *err = NULL;
  gst_message_parse_warning(msg, &err, NULL);
  fail_unless(
      g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ) &&
          strstr(err->message, fifo),
      "%s", err->message);
  g_error_free(err);
  gst_message_unref(msg);
  gst_buffer_unref(gst_harness_pull(h));

  /* the slow model takes a while to load (its generator too): how long, in
   * this run */
  gchar *big = slow_model();
  t0 = g_get_monotonic_time();
  sg3_model *m = sg3_model_load(big, NULL);
  sg3_generator *g = sg3_generator_new(m, NULL);
  gint64 load_us = g_get_monotonic_time() - t0;
  sg3_generator_free(g);
  sg3_model_unref(m);
  t0 = g_get_monotonic_time();
  g_object_set(h->element, "model", big, NULL);
  gint64 set_us = g_get_monotonic_time() - t0;
  fail_unless(set_us < load_us / 4, "set took %.3f s, loading %.3f s",
              set_us / 1e6, load_us / 1e6);
  /* the old model's frames until the switch, then the new one's */
  for (gint64 end = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
       g_get_monotonic_time() < end;) {
    GstBuffer *b = gst_harness_pull(h);
    gsize size = gst_buffer_get_size(b);
    gst_buffer_unref(b);
    if (size == 64 * 64 * 3)
      break;
    fail_unless_equals_int(size, 16 * 16 * 3);
  }
  gint res;
  g_object_get(h->element, "model-resolution", &res, NULL);
  fail_unless_equals_int(res, 64);
  gst_element_set_bus(h->element, NULL);
  harness_done(h);
  gst_object_unref(bus);
  g_unlink(fifo);
  g_free(fifo);
  g_free(p);
}
GST_END_TEST;

GST_START_TEST(test_tags) {
  /* Stream tags: the model's name as title, the settings as comment. */
  gchar *p = props_for(tiny3, "seed=42");
  GstHarness *h = harness(NULL, p);
  gst_harness_play(h);
  gst_buffer_unref(gst_harness_pull(h));
  GstEvent *e;
  GstTagList *tags = NULL;
  while (!tags && (e = gst_harness_try_pull_event(h))) {
    if (GST_EVENT_TYPE(e) == GST_EVENT_TAG) {
      GstTagList *t;
      gst_event_parse_tag(e, &t);
      tags = gst_tag_list_ref(t);
    }
    gst_event_unref(e);
  }
  fail_unless(tags != NULL, "no tags");
  gchar *title = NULL, *comment = NULL;
  fail_unless(gst_tag_list_get_string(tags, GST_TAG_TITLE, &title));
  fail_unless_equals_string(title, "tiny3.safetensors");
  fail_unless(gst_tag_list_get_string(tags, GST_TAG_COMMENT, &comment));
  fail_unless(strstr(comment, "seed 42") != NULL, "%s", comment);
  g_free(title);
  g_free(comment);
  gst_tag_list_unref(tags);
  harness_done(h);
  g_free(p);
}
GST_END_TEST;

GST_START_TEST(test_max_memory) {
  /* A budget below what the model needs: refused in NULL -> READY, with
   * the estimate. */
  gchar *desc =
      g_strdup_printf("sg3src model=%s max-memory=1000 ! fakesink", tiny3);
  GstStateChangeReturn ret;
  GError *err = pipeline_error(desc, &ret, NULL);
  fail_unless_equals_int(ret, GST_STATE_CHANGE_FAILURE);
  fail_unless(err && g_error_matches(err, GST_RESOURCE_ERROR,
                                     GST_RESOURCE_ERROR_NO_SPACE_LEFT));
  fail_unless(strstr(err->message, "would need about") != NULL, "%s",
              err->message);
  g_error_free(err);
  g_free(desc);
}
GST_END_TEST;

static Suite *stream_suite(void) {
  Suite *s = suite_create("sg3src-stream");
  TCase *tc = tcase_create("tiny");
  tcase_set_timeout(tc, 300);
  tcase_add_checked_fixture(tc, NULL, harness_teardown_all);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_seek_frame);
  tcase_add_test(tc, test_segment_loop);
  tcase_add_test(tc, test_reverse);
  tcase_add_test(tc, test_duration_convert);
  tcase_add_test(tc, test_still_reuse);
  tcase_add_test(tc, test_framerate_zero);
  tcase_add_test(tc, test_threads);
  tcase_add_test(tc, test_caps_ready);
  tcase_add_test(tc, test_negotiation_message);
  tcase_add_test(tc, test_switch_refused);
  tcase_add_test(tc, test_tags);
  tcase_add_test(tc, test_max_memory);
  /* real time and a slower model: not under valgrind */
  TCase *slow = tcase_create("slow");
  tcase_set_timeout(slow, 600);
  tcase_add_checked_fixture(slow, NULL, harness_teardown_all);
  suite_add_tcase(s, slow);
  tcase_add_test(slow, test_null_prompt);
  tcase_add_test(slow, test_live_slow_every_render);
  tcase_add_test(slow, test_model_background);
  return s;
}

int main(int argc, char **argv) {
  gst_check_init(&argc, &argv);
  if (sg3src_test_setup())
    return 2;
  int failed = gst_check_run_suite(stream_suite(), "sg3src-stream", __FILE__);
  sg3src_test_cleanup();
  return failed;
}
