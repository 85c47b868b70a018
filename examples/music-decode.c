/* sg3-music's decoding pass (music-decode.h): filesrc ! decodebin, the
 * first audio stream into a tee with one branch for the analysis (mono
 * float at SG3_MUSIC_RATE) and one for the PCM (16-bit at 48 kHz, mono or
 * stereo as the song, more channels mixed down). */
#include "music-decode.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  GstElement *pipeline, *tee;
  gboolean linked; /* an audio stream feeds the tee */
  Sg3MusicAnalyser *analyser;
  Sg3MusicHopFn hop;
  gpointer hop_user;
  guint64 ana_max, ana_in; /* samples at SG3_MUSIC_RATE */
  Sg3MusicPcm *pcm;
  guint64 pcm_max;
  gboolean write_failed;
  int write_errno;
} Decode;

static void on_pad_added(GstElement *dec, GstPad *pad, gpointer data) {
  Decode *d = data;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  if (!caps)
    caps = gst_pad_query_caps(pad, NULL);
  const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  gboolean audio = g_str_has_prefix(name, "audio/x-raw");
  gst_caps_unref(caps);
  GstElement *to = NULL;
  if (audio && !d->linked) {
    to = gst_object_ref(d->tee);
    d->linked = TRUE;
  } else { /* other streams (video, a second audio track) go nowhere */
    to = gst_element_factory_make("fakesink", NULL);
    g_object_set(to, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add(GST_BIN(d->pipeline), gst_object_ref(to));
    gst_element_sync_state_with_parent(to);
  }
  GstPad *sink = gst_element_get_static_pad(to, "sink");
  if (gst_pad_link(pad, sink) != GST_PAD_LINK_OK)
    GST_WARNING("could not link %s", name);
  gst_object_unref(sink);
  gst_object_unref(to);
}

static void on_no_more_pads(GstElement *dec, gpointer data) {
  Decode *d = data;
  if (!d->linked)
    gst_element_post_message(
        dec, gst_message_new_application(
                 GST_OBJECT(dec), gst_structure_new_empty("sg3-no-audio")));
}

static void on_hop(const Sg3MusicHop *h, gpointer data) {
  Decode *d = data;
  d->hop(h, d->hop_user);
}

static GstFlowReturn on_analysis(GstAppSink *sink, gpointer data) {
  Decode *d = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s)
    return GST_FLOW_EOS;
  GstMapInfo map;
  GstBuffer *b = gst_sample_get_buffer(s);
  GstFlowReturn ret = GST_FLOW_OK;
  if (gst_buffer_map(b, &map, GST_MAP_READ)) {
    guint64 n = map.size / sizeof(float);
    if (d->ana_max && d->ana_in + n >= d->ana_max) {
      n = d->ana_max - d->ana_in;
      ret = GST_FLOW_EOS;
    }
    sg3_music_analyser_push(d->analyser, (const float *)map.data, n, on_hop, d);
    d->ana_in += n;
    gst_buffer_unmap(b, &map);
  }
  gst_sample_unref(s);
  return ret;
}

static GstFlowReturn on_pcm(GstAppSink *sink, gpointer data) {
  Decode *d = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s)
    return GST_FLOW_EOS;
  if (!d->pcm->channels) {
    GstStructure *st = gst_caps_get_structure(gst_sample_get_caps(s), 0);
    gst_structure_get_int(st, "channels", &d->pcm->channels);
  }
  GstMapInfo map;
  GstBuffer *b = gst_sample_get_buffer(s);
  GstFlowReturn ret = GST_FLOW_OK;
  gsize frame = 2 * (gsize)MAX(1, d->pcm->channels);
  if (gst_buffer_map(b, &map, GST_MAP_READ)) {
    guint64 n = map.size / frame;
    if (d->pcm_max && d->pcm->samples + n >= d->pcm_max) {
      n = d->pcm_max - d->pcm->samples;
      ret = GST_FLOW_EOS;
    }
    const guint8 *p = map.data;
    gsize left = n * frame;
    while (left && !d->write_failed) {
      ssize_t w = write(d->pcm->fd, p, left);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0) {
        d->write_failed = TRUE;
        d->write_errno = w < 0 ? errno : ENOSPC;
        ret = GST_FLOW_ERROR;
        break;
      }
      p += w;
      left -= (gsize)w;
    }
    d->pcm->samples += n;
    gst_buffer_unmap(b, &map);
  }
  gst_sample_unref(s);
  return ret;
}

/* A readable regular file, or a message saying why not. */
static gboolean check_file(const char *path, char **error) {
  GStatBuf st;
  if (g_stat(path, &st) != 0) {
    *error = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return FALSE;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = g_strdup_printf("%s: not a regular file", path);
    return FALSE;
  }
  if (access(path, R_OK) != 0) {
    *error = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return FALSE;
  }
  return TRUE;
}

gboolean sg3_music_decode(const char *path, double limit, Sg3MusicHopFn hop,
                          gpointer hop_user, Sg3MusicPcm *pcm,
                          Sg3MusicProgressFn progress, gpointer progress_user,
                          char **error) {
  *error = NULL;
  memset(pcm, 0, sizeof *pcm);
  pcm->fd = -1;
  if (!check_file(path, error))
    return FALSE;
  GError *err = NULL;
  char *tmp = NULL;
  pcm->fd = g_file_open_tmp("sg3-music-XXXXXX.pcm", &tmp, &err);
  if (pcm->fd < 0) {
    *error = g_strdup_printf("cannot make a temporary file: %s", err->message);
    g_error_free(err);
    return FALSE;
  }
  g_unlink(tmp); /* gone when the descriptor closes */
  g_free(tmp);

  char *desc = g_strdup_printf(
      "filesrc name=src ! decodebin name=dec"
      " tee name=t"
      " t. ! queue ! audioconvert ! audioresample"
      " ! audio/x-raw,format=F32LE,layout=interleaved,rate=%d,channels=1"
      " ! appsink name=ana sync=false"
      " t. ! queue ! audioconvert ! audioresample"
      " ! audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=[1,2]"
      " ! appsink name=pcm sync=false",
      SG3_MUSIC_RATE, SG3_MUSIC_PCM_RATE);
  GstElement *pipeline = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!pipeline) {
    *error = g_strdup_printf("cannot build the decoder: %s (install "
                             "gstreamer1.0-plugins-base)",
                             err->message);
    g_error_free(err);
    return FALSE;
  }
  Decode d = {.pipeline = pipeline,
              .analyser = sg3_music_analyser_new(),
              .hop = hop,
              .hop_user = hop_user,
              .pcm = pcm};
  if (limit > 0) {
    d.ana_max = (guint64)(limit * SG3_MUSIC_RATE + 0.5);
    d.pcm_max = (guint64)(limit * SG3_MUSIC_PCM_RATE + 0.5);
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(src, "location", path, NULL);
  gst_object_unref(src);
  d.tee = gst_bin_get_by_name(GST_BIN(pipeline), "t");
  GstElement *dec = gst_bin_get_by_name(GST_BIN(pipeline), "dec");
  g_signal_connect(dec, "pad-added", G_CALLBACK(on_pad_added), &d);
  g_signal_connect(dec, "no-more-pads", G_CALLBACK(on_no_more_pads), &d);
  gst_object_unref(dec);
  GstAppSinkCallbacks ana_cb = {.new_sample = on_analysis};
  GstAppSinkCallbacks pcm_cb = {.new_sample = on_pcm};
  GstElement *ana = gst_bin_get_by_name(GST_BIN(pipeline), "ana");
  GstElement *pcms = gst_bin_get_by_name(GST_BIN(pipeline), "pcm");
  gst_app_sink_set_callbacks(GST_APP_SINK(ana), &ana_cb, &d, NULL);
  gst_app_sink_set_callbacks(GST_APP_SINK(pcms), &pcm_cb, &d, NULL);
  gst_object_unref(ana);
  gst_object_unref(pcms);

  GstBus *bus = gst_element_get_bus(pipeline);
  gboolean ok = FALSE, done = FALSE;
  /* a failure to start leaves its error on the bus */
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, 250 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_APPLICATION);
    if (!m) {
      gint64 pos = 0, dur = 0;
      if (progress &&
          gst_element_query_position(pipeline, GST_FORMAT_TIME, &pos) &&
          gst_element_query_duration(pipeline, GST_FORMAT_TIME, &dur) &&
          dur > 0) {
        double total = (double)dur / GST_SECOND;
        if (limit > 0 && limit < total)
          total = limit;
        progress(MIN(1.0, (double)pos / GST_SECOND / total), progress_user);
      }
      continue;
    }
    switch (GST_MESSAGE_TYPE(m)) {
    case GST_MESSAGE_ERROR: {
      GError *e = NULL;
      char *dbg = NULL;
      gst_message_parse_error(m, &e, &dbg);
      GST_DEBUG("%s", dbg ? dbg : "");
      if (d.write_failed)
        *error = g_strdup_printf("cannot write the temporary audio: %s",
                                 g_strerror(d.write_errno));
      else
        *error = g_strdup_printf("%s: cannot decode: %s", path, e->message);
      g_error_free(e);
      g_free(dbg);
      done = TRUE;
      break;
    }
    case GST_MESSAGE_APPLICATION:
      if (gst_message_has_name(m, "sg3-no-audio")) {
        *error = g_strdup_printf("%s: no audio stream", path);
        done = TRUE;
      }
      break;
    case GST_MESSAGE_EOS:
      ok = TRUE;
      done = TRUE;
      break;
    default:
      break;
    }
    gst_message_unref(m);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(d.tee);
  gst_object_unref(pipeline);
  sg3_music_analyser_free(d.analyser);
  if (ok && !*error && (!d.linked || pcm->samples == 0))
    *error = g_strdup_printf(d.linked ? "%s: the audio stream is empty"
                                      : "%s: no audio stream",
                             path);
  if (*error) {
    close(pcm->fd);
    pcm->fd = -1;
    return FALSE;
  }
  return TRUE;
}
