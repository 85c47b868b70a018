/* sg3-music: a music video from a song, on a CPU.
 *
 *   sg3-music SONG OUT.mp4 [--model FILE] [--preset calm|default|energetic]
 *             [--seeds LIST] [--size WxH] [--fps RATE] ...
 *
 * Two passes. The first decodes the song (anything GStreamer decodes) and
 * analyses it at the video's frame rate (music-features.h): onsets become
 * sg3src's pulse, sustained energy its walk-speed, the dominant pitch class
 * optionally its class. The second renders sg3src (not live) with those
 * curves as GstController control sources, encodes H.264 (x264, fixed
 * threads) and AAC (the song's audio), and muxes MP4. The same song and
 * options give the same file, byte for byte: the controls are functions of
 * stream time, the encoders are deterministic, and the muxer's wall-clock
 * time stamps are cleared (music-mp4.h). The file appears whole or not at
 * all (written beside it, then renamed). */
#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/controller/controller.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fps_arg.h"
#include "music-decode.h"
#include "music-features.h"
#include "music-mp4.h"

GST_DEBUG_CATEGORY_STATIC(sg3_music_debug);
#define GST_CAT_DEFAULT sg3_music_debug

static const char *prog = "sg3-music";

/* The AAC encoder's priming: its first 1024 samples are silence before the
 * song's first. The video starts that much later (mp4mux writes an edit
 * list for the gap), so that picture and sound stay together. */
#define AAC_PRIMING 1024
#define ENCODER_THREADS 2 /* fixed: x264's output depends on its threads */

static char *part_path; /* removed on failure */

static void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_strdelimit(msg, "\r\n", ' ');
  if (part_path)
    g_unlink(part_path);
  fprintf(stderr, "%s: %s\n", prog, msg);
  exit(1);
}

typedef struct {
  char *song, *out;
  char *model, *seeds, *size, *fps, *preset, *scale, **sets;
  int seed, keyframes, classes, crf, audio_kbps;
  double psi, duration;
  double pulse_strength, pulse_decay, speed_base, speed_strength;
  gboolean class_from_chroma, quiet;
  /* derived */
  int fps_n, fps_d, width, height;
  Sg3MusicMapping map;
} Opts;

static void parse_fps(const char *s, int *num, int *den) {
  if (parse_fps_arg(s, num, den))
    die(FPS_ARG_ERROR, s);
}

static gboolean parse_size(const char *s, int *w, int *h) {
  char *end;
  errno = 0;
  long a = strtol(s, &end, 10);
  if (end == s || (*end != 'x' && *end != 'X'))
    return FALSE;
  const char *b = end + 1;
  long c = strtol(b, &end, 10);
  if (end == b || *end || errno || a < 16 || c < 16 || a > 8192 || c > 8192 ||
      a % 2 || c % 2)
    return FALSE;
  *w = (int)a;
  *h = (int)c;
  return TRUE;
}

/* ---- the sg3src element ---- */

static GstElement *make_src(const Opts *o) {
  GstElement *src = gst_element_factory_make("sg3src", "src");
  if (!src)
    die("no element sg3src: build the plugin (ninja -C build) or set "
        "GST_PLUGIN_PATH to the directory of libgstsg3.so");
  if (o->model)
    g_object_set(src, "model", o->model, NULL);
  return src;
}

/* --seeds: the element's own seeds property where it has one; otherwise a
 * range A-B is seed=A and walk-keyframes=B-A+1. */
static void set_seeds(GstElement *src, const Opts *o) {
  g_object_set(src, "seed", (guint)o->seed, "walk-keyframes",
               (guint)o->keyframes, NULL);
  if (!o->seeds)
    return;
  GObjectClass *k = G_OBJECT_GET_CLASS(src);
  if (g_object_class_find_property(k, "seeds")) {
    /* the element keeps its previous list when it refuses one */
    char *got = NULL;
    g_object_set(src, "seeds", o->seeds, NULL);
    g_object_get(src, "seeds", &got, NULL);
    gboolean ok = !g_strcmp0(got, o->seeds);
    g_free(got);
    if (!ok)
      die("--seeds %s: expected a list like 3,7,12-20", o->seeds);
    return;
  }
  char *end;
  errno = 0;
  unsigned long a = strtoul(o->seeds, &end, 10), b = a;
  if (end != o->seeds && *end == '-') {
    const char *s = end + 1;
    b = strtoul(s, &end, 10);
    if (end == s)
      b = a - 1;
  }
  if (end == o->seeds || *end || errno || b < a || a > G_MAXUINT32 ||
      b > G_MAXUINT32 || b - a >= 256 || o->seeds[0] == '-')
    die("--seeds %s: expected a range like 3-10 (this sg3src has no seeds "
        "property for lists)",
        o->seeds);
  g_object_set(src, "seed", (guint)a, "walk-keyframes", (guint)(b - a + 1),
               NULL);
}

/* --set PROP=VALUE, checked against the property's type and range. */
static void apply_set(GstElement *src, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    die("--set %s: expected PROPERTY=VALUE", arg);
  char *name = g_strndup(arg, eq - arg);
  GParamSpec *p = g_object_class_find_property(G_OBJECT_GET_CLASS(src), name);
  if (!p || !(p->flags & G_PARAM_WRITABLE))
    die("--set %s: sg3src has no writable property '%s'", arg, name);
  GValue v = G_VALUE_INIT;
  g_value_init(&v, p->value_type);
  if ((G_IS_PARAM_SPEC_UINT(p) && strchr(eq + 1, '-')) ||
      !gst_value_deserialize_with_pspec(&v, eq + 1, p) ||
      g_param_value_validate(p, &v))
    die("--set %s: not a valid %s", arg, name);
  g_object_set_property(G_OBJECT(src), name, &v);
  g_value_unset(&v);
  g_free(name);
}

/* What the model is like: its resolution and, where the element tells it
 * (model-classes), its classes. One frame is rendered for it. */
static void probe_model(const Opts *o, int *res, int *classes) {
  GstElement *pipe = gst_pipeline_new("probe");
  GstElement *src = make_src(o),
             *sink = gst_element_factory_make("fakesink", NULL);
  g_object_set(src, "num-buffers", 1, NULL);
  gst_bin_add_many(GST_BIN(pipe), src, sink, NULL);
  gst_element_link(src, sink);
  GstStateChangeReturn r = gst_element_set_state(pipe, GST_STATE_PAUSED);
  if (r == GST_STATE_CHANGE_ASYNC)
    r = gst_element_get_state(pipe, NULL, NULL, GST_CLOCK_TIME_NONE);
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (m || r == GST_STATE_CHANGE_FAILURE) {
    GError *e = NULL;
    if (m)
      gst_message_parse_error(m, &e, NULL);
    die("%s", e ? e->message : "sg3src does not start");
  }
  GstPad *pad = gst_element_get_static_pad(src, "src");
  GstCaps *caps = gst_pad_get_current_caps(pad);
  *res = 0;
  if (caps)
    gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", res);
  *classes = -1;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(src), "model-classes"))
    g_object_get(src, "model-classes", classes, NULL);
  if (caps)
    gst_caps_unref(caps);
  gst_object_unref(pad);
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(pipe);
  if (*res <= 0)
    die("cannot tell the model's size");
}

/* ---- controls ---- */

/* A control source on `prop` with the frames' values, a point at each
 * frame where the value changes (and where it stops changing), so that a
 * steady stretch is one line. */
static void control(GstElement *src, const char *prop, const double *v, guint n,
                    double fps_n, double fps_d, GstInterpolationMode mode) {
  GstControlSource *cs = gst_interpolation_control_source_new();
  g_object_set(cs, "mode", mode, NULL);
  GstTimedValueControlSource *tv = GST_TIMED_VALUE_CONTROL_SOURCE(cs);
  for (guint k = 0; k < n; k++)
    if (k == 0 || k == n - 1 || v[k] != v[k - 1] || v[k] != v[k + 1])
      gst_timed_value_control_source_set(
          tv, gst_util_uint64_scale(k, (guint64)fps_d * GST_SECOND, fps_n),
          v[k]);
  gst_object_add_control_binding(
      GST_OBJECT(src),
      gst_direct_control_binding_new_absolute(GST_OBJECT(src), prop, cs));
  gst_object_unref(cs);
}

/* ---- rendering ---- */

typedef struct {
  const Opts *o;
  GMainLoop *loop;
  GstElement *pipeline;
  guint frames; /* to render */
  gint64 started_us, last_print_us;
  gint rendered; /* atomic */
  gboolean tty, failed, interrupted;
  char *error;
  /* the audio */
  Sg3MusicPcm *pcm;
  guint64 audio_total, audio_pos; /* samples out */
  guint8 *chunk;
} Render;

static GstPadProbeReturn on_video(GstPad *pad, GstPadProbeInfo *info,
                                  gpointer data) {
  Render *r = data;
  GstBuffer *b = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_BUFFER_PTS(b) +=
      gst_util_uint64_scale(AAC_PRIMING, GST_SECOND, SG3_MUSIC_PCM_RATE);
  GST_PAD_PROBE_INFO_DATA(info) = b;
  g_atomic_int_inc(&r->rendered);
  return GST_PAD_PROBE_OK;
}

/* appsrc: the song, then silence, to exactly the video's length. */
static void on_need_data(GstAppSrc *src, guint length, gpointer data) {
  Render *r = data;
  const guint64 chunk = SG3_MUSIC_PCM_RATE / 10;
  int ch = r->pcm->channels;
  if (r->audio_pos >= r->audio_total) {
    gst_app_src_end_of_stream(src);
    return;
  }
  guint64 n = MIN(chunk, r->audio_total - r->audio_pos);
  gsize bytes = (gsize)n * 2 * ch;
  GstBuffer *b = gst_buffer_new_allocate(NULL, bytes, NULL);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_WRITE);
  memset(map.data, 0, bytes);
  if (r->audio_pos < r->pcm->samples) {
    guint64 have = MIN(n, r->pcm->samples - r->audio_pos);
    gsize want = (gsize)have * 2 * ch, got = 0;
    off_t at = (off_t)(r->audio_pos * 2 * ch);
    while (got < want) {
      ssize_t k = pread(r->pcm->fd, map.data + got, want - got, at + got);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        break; /* (the file is ours and complete; silence if not) */
      got += (gsize)k;
    }
  }
  gst_buffer_unmap(b, &map);
  GST_BUFFER_PTS(b) =
      gst_util_uint64_scale(r->audio_pos, GST_SECOND, SG3_MUSIC_PCM_RATE);
  GST_BUFFER_DURATION(b) =
      gst_util_uint64_scale(r->audio_pos + n, GST_SECOND, SG3_MUSIC_PCM_RATE) -
      GST_BUFFER_PTS(b);
  r->audio_pos += n;
  gst_app_src_push_buffer(src, b);
}

static char *clock_text(double s) {
  int t = (int)(s + 0.5);
  return t >= 3600
             ? g_strdup_printf("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
             : g_strdup_printf("%d:%02d", t / 60, t % 60);
}

static void print_progress(Render *r, gboolean last) {
  if (r->o->quiet)
    return;
  gint64 now = g_get_monotonic_time();
  guint done = (guint)g_atomic_int_get(&r->rendered);
  /* not a terminal: a line every 5 s (logs), else 4 updates a second */
  if (!last && now - r->last_print_us < (r->tty ? 250000 : 5000000))
    return;
  r->last_print_us = now;
  double el = (now - r->started_us) / 1e6, fps = el > 0 ? done / el : 0;
  char *eta = clock_text(fps > 0 ? (r->frames - done) / fps : 0);
  char *took = clock_text(el);
  fprintf(stderr, "%s%s: rendering %3.0f%% %u/%u frames, %.1f fps, %s %s%s",
          r->tty ? "\r" : "", prog, 100.0 * done / r->frames, done, r->frames,
          fps, last ? "took" : "ETA", last ? took : eta,
          r->tty && !last ? "  " : "\n");
  g_free(eta);
  g_free(took);
}

static gboolean on_tick(gpointer data) {
  print_progress(data, FALSE);
  return G_SOURCE_CONTINUE;
}

static gboolean on_bus(GstBus *bus, GstMessage *m, gpointer data) {
  Render *r = data;
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError *e = NULL;
    char *dbg = NULL;
    gst_message_parse_error(m, &e, &dbg);
    GST_DEBUG("%s", dbg ? dbg : "");
    r->error = g_strdup_printf("%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)),
                               e->message);
    g_error_free(e);
    g_free(dbg);
    r->failed = TRUE;
    g_main_loop_quit(r->loop);
  } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
    g_main_loop_quit(r->loop);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data) {
  Render *r = data;
  r->interrupted = r->failed = TRUE;
  g_main_loop_quit(r->loop);
  return G_SOURCE_REMOVE;
}

static void need_elements(void) {
  const char *need[][2] = {
      {"videoscale", "gstreamer1.0-plugins-base"},
      {"videoconvert", "gstreamer1.0-plugins-base"},
      {"audioconvert", "gstreamer1.0-plugins-base"},
      {"appsrc", "gstreamer1.0-plugins-base"},
      {"x264enc", "gstreamer1.0-plugins-ugly"},
      {"h264parse", "gstreamer1.0-plugins-bad"},
      {"avenc_aac", "gstreamer1.0-libav"},
      {"mp4mux", "gstreamer1.0-plugins-good"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(need); i++) {
    GstElementFactory *f = gst_element_factory_find(need[i][0]);
    if (!f)
      die("no element %s (install %s)", need[i][0], need[i][1]);
    gst_object_unref(f);
  }
}

static void render(const Opts *o, const Sg3MusicTrack *t, Sg3MusicPcm *pcm) {
  need_elements();
  int key = MAX(1, 2 * o->fps_n / o->fps_d);
  char *desc = g_strdup_printf(
      "videoscale name=scale method=%s add-borders=true"
      " ! video/x-raw,width=%d,height=%d,pixel-aspect-ratio=1/1"
      " ! videoconvert ! video/x-raw,format=I420"
      " ! x264enc threads=%d pass=qual quantizer=%d speed-preset=medium"
      " key-int-max=%d ! h264parse ! queue ! mp4mux name=mux faststart=true"
      " ! filesink name=sink"
      " appsrc name=audio format=time"
      " caps=audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=%d"
      " ! audioconvert ! avenc_aac bitrate=%d ! queue ! mux.",
      o->scale, o->width, o->height, ENCODER_THREADS, o->crf, key,
      SG3_MUSIC_PCM_RATE, pcm->channels, o->audio_kbps * 1000);
  GError *err = NULL;
  GstElement *pipe = gst_parse_launch(desc, &err);
  g_free(desc);
  if (!pipe)
    die("cannot build the pipeline: %s", err->message);
  GstElement *src = make_src(o);
  gst_bin_add(GST_BIN(pipe), src);
  GstElement *scale = gst_bin_get_by_name(GST_BIN(pipe), "scale");
  GstCaps *rate = gst_caps_new_simple(
      "video/x-raw", "framerate", GST_TYPE_FRACTION, o->fps_n, o->fps_d, NULL);
  if (!gst_element_link_filtered(src, scale, rate))
    die("cannot link sg3src");
  gst_caps_unref(rate);
  gst_object_unref(scale);
  g_object_set(src, "num-buffers", (gint)t->n, "animation", 1, "psi", o->psi,
               NULL);
  set_seeds(src, o);
  for (char **s = o->sets; s && *s; s++)
    apply_set(src, *s);
  control(src, "walk-speed", t->speed, t->n, o->fps_n, o->fps_d,
          GST_INTERPOLATION_MODE_LINEAR);
  control(src, "pulse", t->pulse, t->n, o->fps_n, o->fps_d,
          GST_INTERPOLATION_MODE_LINEAR);
  if (t->klass) {
    double *k = g_new(double, t->n);
    for (guint i = 0; i < t->n; i++)
      k[i] = t->klass[i];
    control(src, "class", k, t->n, o->fps_n, o->fps_d,
            GST_INTERPOLATION_MODE_NONE);
    g_free(k);
  }
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipe), "sink");
  g_object_set(sink, "location", part_path, NULL);
  gst_object_unref(sink);

  Render r = {.o = o,
              .loop = g_main_loop_new(NULL, FALSE),
              .pipeline = pipe,
              .frames = t->n,
              .tty = isatty(2),
              .pcm = pcm};
  r.audio_total =
      (guint64)llround((double)t->n * o->fps_d / o->fps_n * SG3_MUSIC_PCM_RATE);
  GstPad *pad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_video, &r, NULL);
  gst_object_unref(pad);
  GstElement *audio = gst_bin_get_by_name(GST_BIN(pipe), "audio");
  GstAppSrcCallbacks cb = {.need_data = on_need_data};
  gst_app_src_set_callbacks(GST_APP_SRC(audio), &cb, &r, NULL);
  gst_object_unref(audio);
  GstBus *bus = gst_element_get_bus(pipe);
  gst_bus_add_watch(bus, on_bus, &r);
  guint tick = g_timeout_add(250, on_tick, &r);
  guint sigint = g_unix_signal_add(SIGINT, on_signal, &r);
  guint sigterm = g_unix_signal_add(SIGTERM, on_signal, &r);
  r.started_us = r.last_print_us = g_get_monotonic_time();
  if (!o->quiet)
    fprintf(stderr, "%s: rendering %u frames of %dx%d at %d/%d fps\n", prog,
            t->n, o->width, o->height, o->fps_n, o->fps_d);
  gst_element_set_state(pipe, GST_STATE_PLAYING);
  g_main_loop_run(r.loop);
  g_source_remove(tick);
  g_source_remove(sigint);
  g_source_remove(sigterm);
  gst_bus_remove_watch(bus);
  gst_object_unref(bus);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(pipe);
  g_main_loop_unref(r.loop);
  if (r.interrupted)
    die("interrupted; nothing written");
  if (r.failed)
    die("%s", r.error);
  if ((guint)g_atomic_int_get(&r.rendered) != t->n)
    die("sg3src made %d of %u frames", g_atomic_int_get(&r.rendered), t->n);
  print_progress(&r, TRUE);
}

/* ---- main ---- */

static void summary(const Opts *o, const Sg3MusicTrack *t, double seconds) {
  if (o->quiet)
    return;
  guint hits = 0, changes = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (guint k = 0; k < t->n; k++) {
    if (t->pulse[k] >= 0.5 * o->map.pulse_gain &&
        (k == 0 || t->pulse[k] > t->pulse[k - 1]))
      hits++;
    lo = MIN(lo, t->speed[k]);
    hi = MAX(hi, t->speed[k]);
    if (t->klass && k && t->klass[k] != t->klass[k - 1])
      changes++;
  }
  fprintf(stderr,
          "%s: %s: %.2f s, %u frames; %u beats, walk %.2f-%.2f keyframes/s",
          prog, o->song, seconds, t->n, hits, lo, hi);
  if (t->klass)
    fprintf(stderr, ", class %d then %u changes", t->klass[0], changes);
  fputc('\n', stderr);
}

static void on_decode_progress(double f, gpointer data) {
  const Opts *o = data;
  if (!o->quiet && isatty(2))
    fprintf(stderr, "\r%s: analysing %3.0f%%", prog, 100 * f);
}

int main(int argc, char **argv) {
  setlocale(LC_NUMERIC, "C");
  Opts o = {.seed = 0,
            .keyframes = 8,
            .psi = 1.0,
            .fps = g_strdup("30"),
            .preset = g_strdup("default"),
            .scale = g_strdup("lanczos"),
            .crf = 20,
            .audio_kbps = 192,
            .classes = 0,
            .pulse_strength = NAN,
            .pulse_decay = NAN,
            .speed_base = NAN,
            .speed_strength = NAN};
  GOptionEntry entries[] = {
      {"model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model,
       "model file (.pkl or .safetensors; default: the built-in demo model)",
       "FILE"},
      {"preset", 'p', 0, G_OPTION_ARG_STRING, &o.preset,
       "calm, default or energetic: the strengths below", "NAME"},
      {"seed", 's', 0, G_OPTION_ARG_INT, &o.seed,
       "first seed of the walk (default 0)", "N"},
      {"keyframes", 'k', 0, G_OPTION_ARG_INT, &o.keyframes,
       "seeds in the walk's loop: seed to seed+K-1 (default 8)", "K"},
      {"seeds", 0, 0, G_OPTION_ARG_STRING, &o.seeds,
       "the walk's keyframe seeds, e.g. 3,7,12-20 (instead of --seed and "
       "--keyframes)",
       "LIST"},
      {"psi", 0, 0, G_OPTION_ARG_DOUBLE, &o.psi, "truncation psi (default 1)",
       "PSI"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &o.size,
       "video size, even, at least 16 (default: the model's, small models "
       "scaled up to at least 256)",
       "WxH"},
      {"fps", 'r', 0, G_OPTION_ARG_STRING, &o.fps,
       "frame rate (default 30; 29.97 or 30000/1001 work too)", "RATE"},
      {"pulse-strength", 0, 0, G_OPTION_ARG_DOUBLE, &o.pulse_strength,
       "pulse at a full beat (sg3src pulse; default 1: psi x 1.5 on the beat "
       "with pulse-psi 0.5)",
       "X"},
      {"pulse-decay", 0, 0, G_OPTION_ARG_DOUBLE, &o.pulse_decay,
       "seconds for a pulse to fall to 37% (default 0.2)", "S"},
      {"speed-base", 0, 0, G_OPTION_ARG_DOUBLE, &o.speed_base,
       "walk speed in silence, keyframes per second (default 0.1)", "V"},
      {"speed-strength", 0, 0, G_OPTION_ARG_DOUBLE, &o.speed_strength,
       "walk speed added at full sustained energy (default 0.6)", "V"},
      {"class-from-chroma", 0, 0, G_OPTION_ARG_NONE, &o.class_from_chroma,
       "conditional models: the class follows the dominant pitch class "
       "(C = 0, C# = 1, ... modulo the classes)",
       NULL},
      {"classes", 0, 0, G_OPTION_ARG_INT, &o.classes,
       "classes to cycle through with --class-from-chroma (default: the "
       "model's)",
       "N"},
      {"duration", 'd', 0, G_OPTION_ARG_DOUBLE, &o.duration,
       "only the first S seconds of the song", "S"},
      {"quality", 'q', 0, G_OPTION_ARG_INT, &o.crf,
       "x264 constant quality, 0 (lossless) to 51 (default 20)", "CRF"},
      {"audio-bitrate", 0, 0, G_OPTION_ARG_INT, &o.audio_kbps,
       "AAC bitrate in kbit/s (default 192)", "KBPS"},
      {"scale-method", 0, 0, G_OPTION_ARG_STRING, &o.scale,
       "videoscale method (default lanczos; nearest-neighbour for big "
       "pixels)",
       "METHOD"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.sets,
       "any other sg3src property, e.g. --set spin=10 (repeatable)",
       "PROP=VALUE"},
      {"quiet", 0, 0, G_OPTION_ARG_NONE, &o.quiet, "no progress on stderr",
       NULL},
      {NULL}};
  GOptionContext *ctx =
      g_option_context_new("SONG OUT.mp4 - a music video from a song");
  g_option_context_set_summary(
      ctx, "Renders sg3src walking through latent space to SONG: onsets "
           "pulse the picture, sustained energy drives the walk's speed, and "
           "optionally the dominant pitch picks the class. Writes H.264 + "
           "AAC in MP4; the same song and options give the same file.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError *err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err))
    die("%s", err->message);
  g_option_context_free(ctx);
  if (argc != 3)
    die("expected SONG OUT.mp4 (see --help)");
  o.song = argv[1];
  o.out = argv[2];

  sg3_music_mapping_init(&o.map);
  if (!sg3_music_mapping_preset(&o.map, o.preset))
    die("--preset %s: expected calm, default or energetic", o.preset);
  if (!isnan(o.pulse_strength))
    o.map.pulse_gain = o.pulse_strength;
  if (!isnan(o.pulse_decay))
    o.map.pulse_decay = o.pulse_decay;
  if (!isnan(o.speed_base))
    o.map.speed_base = o.speed_base;
  if (!isnan(o.speed_strength))
    o.map.speed_gain = o.speed_strength;
  if (!(o.map.pulse_gain >= 0 && o.map.pulse_gain <= 100))
    die("--pulse-strength: expected 0 to 100");
  if (!(o.map.pulse_decay >= 0.01 && o.map.pulse_decay <= 60))
    die("--pulse-decay: expected 0.01 to 60 seconds");
  if (!(o.map.speed_base >= 0 && o.map.speed_base + o.map.speed_gain <= 1000 &&
        o.map.speed_gain >= 0))
    die("--speed-base, --speed-strength: expected speeds of 0 to 1000 "
        "keyframes per second");
  if (o.keyframes < 1 || o.keyframes > 256)
    die("--keyframes %d: expected 1 to 256", o.keyframes);
  if (o.seed < 0)
    die("--seed %d: expected 0 or more", o.seed);
  if (!(o.psi >= -2 && o.psi <= 2))
    die("--psi: expected -2 to 2");
  if (o.crf < 0 || o.crf > 51)
    die("--quality %d: expected 0 to 51", o.crf);
  if (o.audio_kbps < 32 || o.audio_kbps > 512)
    die("--audio-bitrate %d: expected 32 to 512", o.audio_kbps);
  if (o.classes < 0 || o.classes > 100000)
    die("--classes %d: expected 1 or more", o.classes);
  if (!(o.duration >= 0) || o.duration > 1e6)
    die("--duration: expected seconds");
  parse_fps(o.fps, &o.fps_n, &o.fps_d);
  if (o.size && !parse_size(o.size, &o.width, &o.height))
    die("--size %s: expected WxH, even numbers from 16 to 8192", o.size);
  {
    GstElementFactory *f = gst_element_factory_find("videoscale");
    GstElement *e = f ? gst_element_factory_create(f, NULL) : NULL;
    GParamSpec *p =
        e ? g_object_class_find_property(G_OBJECT_GET_CLASS(e), "method")
          : NULL;
    GValue v = G_VALUE_INIT;
    if (p) {
      g_value_init(&v, p->value_type);
      if (!gst_value_deserialize(&v, o.scale))
        die("--scale-method %s: not a videoscale method", o.scale);
      g_value_unset(&v);
    }
    if (e)
      gst_object_unref(e);
    if (f)
      gst_object_unref(f);
  }
  if (!g_str_has_suffix(o.out, ".mp4") && !g_str_has_suffix(o.out, ".MP4") &&
      !g_str_has_suffix(o.out, ".m4v"))
    die("%s: the output is MP4 (name it .mp4)", o.out);
  if (g_file_test(o.out, G_FILE_TEST_IS_DIR))
    die("%s: a directory", o.out);
  GST_DEBUG_CATEGORY_INIT(sg3_music_debug, "sg3-music", 0, "sg3-music");
  { /* the element's options now, before the song is read */
    GstElement *src = make_src(&o);
    set_seeds(src, &o);
    for (char **s = o.sets; s && *s; s++)
      apply_set(src, *s);
    gst_object_unref(gst_object_ref_sink(src));
  }

  /* 1: the song */
  double fps = (double)o.fps_n / o.fps_d;
  Sg3MusicFrames *frames = sg3_music_frames_new(fps);
  Sg3MusicPcm pcm;
  char *error = NULL;
  if (!sg3_music_decode(o.song, o.duration, sg3_music_frames_add, frames, &pcm,
                        on_decode_progress, &o, &error))
    die("%s", error);
  if (!o.quiet && isatty(2))
    fputc('\r', stderr);
  double seconds = (double)pcm.samples / SG3_MUSIC_PCM_RATE;
  guint n = (guint)MAX(1, llround(seconds * fps));

  /* 2: the model */
  int res = 0, classes = -1;
  if (!o.size || (o.class_from_chroma && !o.classes))
    probe_model(&o, &res, &classes);
  if (!o.size) {
    int s = res;
    while (s < 256)
      s *= 2;
    o.width = o.height = s + s % 2;
  }
  if (o.class_from_chroma) {
    if (!o.classes) {
      if (classes < 0)
        die("--class-from-chroma: this sg3src does not tell the model's "
            "classes (model-classes); give --classes N");
      if (classes == 0)
        die("--class-from-chroma: the model is unconditional (no classes)");
      o.classes = classes;
    }
    o.map.classes = o.classes;
  }

  Sg3MusicTrack *t = sg3_music_frames_finish(frames, n, &o.map);
  summary(&o, t, seconds);

  /* 3: the video, beside the output, then renamed */
  part_path = g_strdup_printf("%s.part", o.out);
  render(&o, t, &pcm);
  if (sg3_mp4_clear_times(part_path, &error) < 0)
    die("%s", error);
  if (g_rename(part_path, o.out) != 0)
    die("cannot rename %s to %s: %s", part_path, o.out, g_strerror(errno));
  if (!o.quiet)
    fprintf(stderr, "%s: wrote %s\n", prog, o.out);
  sg3_music_track_free(t);
  close(pcm.fd);
  return 0;
}
