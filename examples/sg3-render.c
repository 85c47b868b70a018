/* sg3-render: frames [A, B) of an sg3src clip into a lossless Matroska file
 * (FFV1, the model's own pixels: BGRx, BGRA or GRAY8, every frame a key
 * frame), by seeking the element to frame A before it renders anything; and
 * the pieces joined into one file. Pieces rendered by any number of
 * processes or machines join into the file a single render gives, frame
 * for frame and timestamp for timestamp (pipelines/render.sh drives it).
 *
 *   sg3-render --frames A:B [--fps N[/D]] --output PIECE.mkv [PROP=VALUE ...]
 *   sg3-render --join OUT.mkv PIECE.mkv ...
 *
 * PROP=VALUE are sg3src properties (model=..., seed=3, animation=walk,
 * spin=10, ...). Only GStreamer: the generator comes in as sg3src. */
#include <gst/app/app.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(FILE *f) {
  fprintf(f, "usage: sg3-render --frames A:B [--fps N[/D]] --output FILE.mkv "
             "[PROP=VALUE ...]\n"
             "       sg3-render --join OUT.mkv PIECE.mkv ...\n"
             "Renders frames A to B-1 of the clip sg3src PROP=VALUE... makes "
             "at FPS\n(default 30) into a lossless Matroska/FFV1 file; "
             "--join puts pieces\ntogether, in the order given, without "
             "re-encoding.\n");
  return f == stdout ? 0 : 1;
}

/* The first error on the bus, or NULL at EOS. */
static gchar *run_to_eos(GstElement *pipe) {
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *m = gst_bus_timed_pop_filtered(
      bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gchar *text = NULL;
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;
    gst_message_parse_error(m, &err, &dbg);
    text = g_strdup_printf("%s (%s)", err->message, dbg ? dbg : "");
    g_error_free(err);
    g_free(dbg);
  }
  gst_message_unref(m);
  gst_object_unref(bus);
  return text;
}

/* Pieces into one file: each piece's frames as they are stored (the
 * clip's timestamps), one muxer. */
static int join(const char *out, char **pieces, int n) {
  gchar *desc = g_strdup_printf("appsrc name=in format=time ! matroskamux ! "
                                "filesink location=\"%s\"",
                                out);
  GError *err = NULL;
  GstElement *mux = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!mux) {
    fprintf(stderr, "sg3-render: %s\n", err->message);
    return 1;
  }
  GstElement *in = gst_bin_get_by_name(GST_BIN(mux), "in");
  gst_element_set_state(mux, GST_STATE_PLAYING);
  int rc = 0;
  guint64 frames = 0;
  for (int i = 0; i < n && !rc; i++) {
    GstElement *rd = gst_parse_launch(
        "filesrc name=f ! matroskademux ! appsink name=out sync=false", &err);
    GstElement *f = gst_bin_get_by_name(GST_BIN(rd), "f");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(rd), "out");
    g_object_set(f, "location", pieces[i], NULL);
    gst_element_set_state(rd, GST_STATE_PLAYING);
    GstSample *smp;
    while ((smp = gst_app_sink_pull_sample(GST_APP_SINK(sink)))) {
      if (frames == 0) {
        /* matroskademux says ffvversion, matroskamux wants ffversion */
        GstCaps *caps = gst_caps_copy(gst_sample_get_caps(smp));
        gst_caps_set_simple(caps, "ffversion", G_TYPE_INT, 1, NULL);
        gst_app_src_set_caps(GST_APP_SRC(in), caps);
        gst_caps_unref(caps);
      }
      gst_app_src_push_buffer(GST_APP_SRC(in),
                              gst_buffer_ref(gst_sample_get_buffer(smp)));
      gst_sample_unref(smp);
      frames++;
    }
    if (!gst_app_sink_is_eos(GST_APP_SINK(sink))) {
      fprintf(stderr, "sg3-render: cannot read %s\n", pieces[i]);
      rc = 1;
    }
    gst_element_set_state(rd, GST_STATE_NULL);
    gst_object_unref(f);
    gst_object_unref(sink);
    gst_object_unref(rd);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(in));
  gchar *e = run_to_eos(mux);
  if (e) {
    fprintf(stderr, "sg3-render: %s\n", e);
    g_free(e);
    rc = 1;
  }
  gst_element_set_state(mux, GST_STATE_NULL);
  gst_object_unref(in);
  gst_object_unref(mux);
  if (!rc)
    printf("%s: %" G_GUINT64_FORMAT " frames from %d pieces\n", out, frames, n);
  return rc;
}

/* The piece keeps the clip's timestamps: its segment runs from the clip's
 * time 0 (base = start), so the muxer writes frame A at A / fps, and the
 * pieces join on their own timestamps (concat adjust-base=false). */
static GstPadProbeReturn clip_time(GstPad *pad, GstPadProbeInfo *info,
                                   gpointer user) {
  GstEvent *e = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(e) != GST_EVENT_SEGMENT)
    return GST_PAD_PROBE_OK;
  GstSegment seg;
  gst_event_copy_segment(e, &seg);
  seg.base = seg.start;
  GstEvent *n = gst_event_new_segment(&seg);
  gst_event_set_seqnum(n, gst_event_get_seqnum(e));
  gst_event_unref(e);
  GST_PAD_PROBE_INFO_DATA(info) = n;
  return GST_PAD_PROBE_OK;
}

static int fail(const char *msg, const char *arg) {
  fprintf(stderr, "sg3-render: %s%s\n", msg, arg ? arg : "");
  return 1;
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  const char *output = NULL;
  guint64 a = 0, b = 0;
  int fps_n = 30, fps_d = 1, have_frames = 0;
  GPtrArray *props = g_ptr_array_new();
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h"))
      return usage(stdout);
    if (!strcmp(arg, "--join"))
      return i + 2 < argc ? join(argv[i + 1], argv + i + 2, argc - i - 2)
                          : usage(stderr);
    if (!strcmp(arg, "--frames") && v) {
      char *end;
      a = g_ascii_strtoull(v, &end, 10);
      if (*end != ':' || end == v)
        return fail("--frames wants A:B, not ", v);
      const char *bs = end + 1;
      b = g_ascii_strtoull(bs, &end, 10);
      if (*end || end == bs || b <= a)
        return fail("--frames wants A:B with A < B, not ", v);
      have_frames = 1;
      i++;
    } else if (!strcmp(arg, "--fps") && v) {
      if (sscanf(v, "%d/%d", &fps_n, &fps_d) < 1 || fps_n < 1 || fps_d < 1)
        return fail("--fps wants N or N/D, not ", v);
      i++;
    } else if (!strcmp(arg, "--output") && v) {
      output = v;
      i++;
    } else if (strchr(arg, '=') && arg[0] != '-') {
      g_ptr_array_add(props, (gpointer)arg);
    } else {
      return fail("unknown or incomplete option ", arg);
    }
  }
  if (!have_frames || !output)
    return usage(stderr);

  GstElement *pipe = gst_pipeline_new("render");
  GstElement *src = gst_element_factory_make("sg3src", "src");
  GstElement *filter = gst_element_factory_make("capsfilter", NULL);
  GstElement *enc = gst_element_factory_make("avenc_ffv1", NULL);
  GstElement *mux = gst_element_factory_make("matroskamux", NULL);
  GstElement *sink = gst_element_factory_make("filesink", NULL);
  if (!src || !filter || !enc || !mux || !sink)
    return fail("missing GStreamer elements: sg3src (GST_PLUGIN_PATH), "
                "avenc_ffv1 (gstreamer1.0-libav), matroskamux, filesink",
                NULL);
  for (guint i = 0; i < props->len; i++) {
    gchar **kv = g_strsplit(props->pdata[i], "=", 2);
    if (!g_object_class_find_property(G_OBJECT_GET_CLASS(src), kv[0]))
      return fail("sg3src has no property ", kv[0]);
    gst_util_set_object_arg(G_OBJECT(src), kv[0], kv[1]);
    g_strfreev(kv);
  }
  g_object_set(sink, "location", output, NULL);
  gst_bin_add_many(GST_BIN(pipe), src, filter, enc, mux, sink, NULL);
  if (!gst_element_link_many(src, filter, enc, mux, sink, NULL))
    return fail("cannot link the pipeline", NULL);

  /* READY: the model is loaded, and says which lossless format fits. */
  GstBus *bus = gst_element_get_bus(pipe);
  if (gst_element_set_state(pipe, GST_STATE_READY) ==
      GST_STATE_CHANGE_FAILURE) {
    GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    GError *err = NULL;
    if (m)
      gst_message_parse_error(m, &err, NULL);
    return fail(err ? err->message : "cannot start", NULL);
  }
  gint channels = 0;
  g_object_get(src, "model-channels", &channels, NULL);
  GstCaps *caps =
      gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING,
                          channels == 1   ? "GRAY8"
                          : channels == 4 ? "BGRA"
                                          : "BGRx",
                          "framerate", GST_TYPE_FRACTION, fps_n, fps_d, NULL);
  g_object_set(filter, "caps", caps, NULL);
  gst_caps_unref(caps);
  /* Every frame an intra frame: pieces cut anywhere. */
  g_object_set(enc, "gop-size", 1, NULL);

  /* The seek, sent in READY, is where the source starts: frame A is the
   * first it renders, B - 1 the last. In TIME (the framerate is not
   * negotiated yet), at the frames' own timestamps n / fps rounded down,
   * as sg3src stamps them. Timestamps stay the clip's. */
  guint64 ns = (guint64)fps_d * GST_SECOND;
  gint64 start = (gint64)gst_util_uint64_scale(a, ns, (guint64)fps_n);
  gint64 stop = (gint64)gst_util_uint64_scale(b, ns, (guint64)fps_n);
  if (!gst_element_send_event(
          src, gst_event_new_seek(1.0, GST_FORMAT_TIME,
                                  GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                                  GST_SEEK_TYPE_SET, start, GST_SEEK_TYPE_SET,
                                  stop)))
    return fail("sg3src refused the seek", NULL);
  GstPad *srcpad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(srcpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, clip_time,
                    NULL, NULL);
  gst_object_unref(srcpad);
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  gchar *e = run_to_eos(pipe);
  int rc = 0;
  if (e) {
    fprintf(stderr, "sg3-render: %s\n", e);
    g_free(e);
    rc = 1;
  }
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipe);
  g_ptr_array_unref(props);
  return rc;
}
