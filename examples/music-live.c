/* Live audio -> sg3src (music-live.h). */
#include "music-live.h"

#include <gst/app/gstappsink.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

struct Sg3AudioReact {
  GstElement *sink, *src;
  GMutex lock;
  Sg3MusicMapping map;  /* under lock */
  gboolean map_changed; /* under lock */
  Sg3MusicAnalyser *analyser;
  Sg3MusicLive *live;
  double pulse, speed; /* last set */
  int klass;
};

static gboolean have(const char *factory, char **error) {
  GstElementFactory *f = gst_element_factory_find(factory);
  if (f) {
    gst_object_unref(f);
    return TRUE;
  }
  *error = g_strdup_printf("no GStreamer element %s (install the plugins: "
                           "tools/install-deps.sh)",
                           factory);
  return FALSE;
}

char *sg3_audio_react_launch(const char *spec, const char *sink,
                             gboolean monitor, char **error) {
  *error = NULL;
  /* 10 ms buffers, as a capture device delivers them */
  char *tail = g_strdup_printf(
      "audioconvert ! audioresample"
      " ! audio/x-raw,format=F32LE,layout=interleaved,rate=%d,channels=1"
      " ! audiobuffersplit output-buffer-duration=1/100"
      " ! appsink name=%s sync=false",
      SG3_MUSIC_RATE, sink);
  char *desc = NULL;
  if (!have("audiobuffersplit", error) || !have("audioresample", error)) {
    /* *error set */
  } else if (!spec || !*spec) {
    if (have("autoaudiosrc", error))
      desc = g_strdup_printf("autoaudiosrc ! %s", tail);
  } else if (g_str_has_prefix(spec, "pulse:") ||
             g_str_has_prefix(spec, "alsa:")) {
    gboolean pulse = spec[0] == 'p';
    const char *dev = strchr(spec, ':') + 1;
    char *d = g_strescape(dev, NULL);
    if (have(pulse ? "pulsesrc" : "alsasrc", error))
      desc = g_strdup_printf("%s device=\"%s\" ! %s",
                             pulse ? "pulsesrc" : "alsasrc", d, tail);
    g_free(d);
  } else if (!g_file_test(spec, G_FILE_TEST_IS_REGULAR) ||
             access(spec, R_OK) != 0) {
    *error = g_strdup_printf("%s: not a readable file (or pulse:NAME, "
                             "alsa:DEVICE)",
                             spec);
  } else if (have("decodebin", error)) {
    char *loc = g_strescape(spec, NULL), *t = g_strdup_printf("%s_tee", sink);
    if (monitor)
      desc = g_strdup_printf(
          "filesrc location=\"%s\" ! decodebin ! tee name=%s"
          " ! queue ! %s  %s. ! queue ! audioconvert ! audioresample"
          " ! autoaudiosink",
          loc, t, tail, t);
    else
      desc = g_strdup_printf("filesrc location=\"%s\" ! decodebin ! %s", loc,
                             tail);
    g_free(loc);
    g_free(t);
  }
  g_free(tail);
  return desc;
}

/* Sets what changed, quantised so that a decaying pulse does not flood the
 * element's listeners (sg3-studio's page) with notifications. */
static void apply(Sg3AudioReact *r, const Sg3MusicControls *c) {
  double pulse = round(c->pulse * 512) / 512,
         speed = round(c->speed * 1000) / 1000;
  if (pulse != r->pulse) {
    g_object_set(r->src, "pulse", pulse, NULL);
    r->pulse = pulse;
  }
  if (speed != r->speed) {
    g_object_set(r->src, "walk-speed", speed, NULL);
    r->speed = speed;
  }
  if (c->klass >= 0 && c->klass != r->klass) {
    g_object_set(r->src, "class", c->klass, NULL);
    r->klass = c->klass;
  }
}

static void on_hop(const Sg3MusicHop *h, gpointer data) {
  Sg3AudioReact *r = data;
  g_mutex_lock(&r->lock);
  if (r->map_changed)
    sg3_music_live_set_mapping(r->live, &r->map);
  r->map_changed = FALSE;
  g_mutex_unlock(&r->lock);
  Sg3MusicControls c;
  sg3_music_live_hop(r->live, h, &c);
  apply(r, &c);
}

/* Waits until running time `t` on the pipeline's clock. */
static void wait_until(GstElement *e, GstClockTime t) {
  GstClock *clock = gst_element_get_clock(e);
  if (!clock)
    return;
  GstClockTime base = gst_element_get_base_time(e);
  if (GST_CLOCK_TIME_IS_VALID(t) && gst_clock_get_time(clock) < base + t) {
    GstClockID id = gst_clock_new_single_shot_id(clock, base + t);
    gst_clock_id_wait(id, NULL);
    gst_clock_id_unref(id);
  }
  gst_object_unref(clock);
}

static GstFlowReturn on_sample(GstAppSink *sink, gpointer data) {
  Sg3AudioReact *r = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s)
    return GST_FLOW_EOS;
  GstBuffer *b = gst_sample_get_buffer(s);
  /* heard in full at its end: a file waits for it, a device is there */
  if (GST_BUFFER_PTS_IS_VALID(b) && GST_BUFFER_DURATION_IS_VALID(b))
    wait_until(GST_ELEMENT(sink),
               gst_segment_to_running_time(
                   gst_sample_get_segment(s), GST_FORMAT_TIME,
                   GST_BUFFER_PTS(b) + GST_BUFFER_DURATION(b)));
  GstMapInfo map;
  if (gst_buffer_map(b, &map, GST_MAP_READ)) {
    sg3_music_analyser_push(r->analyser, (const float *)map.data,
                            map.size / sizeof(float), on_hop, r);
    gst_buffer_unmap(b, &map);
  }
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

static void on_eos(GstAppSink *sink, gpointer data) {
  Sg3AudioReact *r = data; /* the file ended: silence */
  g_mutex_lock(&r->lock);
  Sg3MusicControls c = {0, r->map.speed_base, -1};
  g_mutex_unlock(&r->lock);
  apply(r, &c);
}

Sg3AudioReact *sg3_audio_react_new(GstElement *pipeline, const char *sink,
                                   GstElement *src, const Sg3MusicMapping *m) {
  GstElement *s = gst_bin_get_by_name(GST_BIN(pipeline), sink);
  if (!s)
    return NULL;
  Sg3AudioReact *r = g_new0(Sg3AudioReact, 1);
  r->sink = s;
  r->src = gst_object_ref(src);
  g_mutex_init(&r->lock);
  r->map = *m;
  r->analyser = sg3_music_analyser_new();
  r->live = sg3_music_live_new(m);
  r->pulse = r->speed = NAN;
  r->klass = -1;
  GstAppSinkCallbacks cb = {.new_sample = on_sample, .eos = on_eos};
  gst_app_sink_set_callbacks(GST_APP_SINK(s), &cb, r, NULL);
  return r;
}

void sg3_audio_react_set_mapping(Sg3AudioReact *r, const Sg3MusicMapping *m) {
  g_mutex_lock(&r->lock);
  r->map = *m;
  r->map_changed = TRUE;
  g_mutex_unlock(&r->lock);
}

void sg3_audio_react_free(Sg3AudioReact *r) {
  if (!r)
    return;
  GstAppSinkCallbacks none = {0};
  gst_app_sink_set_callbacks(GST_APP_SINK(r->sink), &none, NULL, NULL);
  gst_object_unref(r->sink);
  gst_object_unref(r->src);
  sg3_music_analyser_free(r->analyser);
  sg3_music_live_free(r->live);
  g_mutex_clear(&r->lock);
  g_free(r);
}
