/* sg3-rtsp-server: serves a live sg3src as H.264 over RTSP.
 *
 *   sg3-rtsp-server [--port 8554] [--address 127.0.0.1] [--seed 3] ...
 *   -> rtsp://HOST:PORT/sg3
 *
 * One shared media per mount point: every client of a mount watches the same
 * generator (whatever the URL's query or the order of its requests), which
 * runs only while at least one client is connected. sg3-rtsp-guard.c drops
 * clients that would stall the others, sg3-rtsp-auth.c checks users,
 * sg3-rtsp-control.c answers SET_PARAMETER/GET_PARAMETER. */
#include "sg3-rtsp-server.h"
#include "fps_arg.h"

#include <errno.h>
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC(sg3_rtsp_debug);
#define GST_CAT_DEFAULT sg3_rtsp_debug

const char *sg3_rtsp_prog = "sg3-rtsp-server";
#define prog sg3_rtsp_prog
GPtrArray *sg3_mounts;

/* Command-line options named after the sg3src property they set. */
typedef struct {
  const char *name;
  const char *arg;
  const char *help;
  char *value;
} ElementOption;

static ElementOption element_options[] = {
    {"model", "FILE",
     "model file (.safetensors or official .pkl: StyleGAN3, StyleGAN2, "
     "TensorFlow StyleGAN2, StyleGAN-XL); default: the bundled demo model"},
    {"seed", "N", "seed (default 0)"},
    {"psi", "PSI", "truncation psi (default 1)"},
    {"truncation-cutoff", "N",
     "truncate only the first N ws (default -1: all)"},
    {"class", "K", "class label of conditional models"},
    {"translate-x", "X", "translation in x"},
    {"translate-y", "Y", "translation in y"},
    {"rotate", "DEG", "rotation in degrees"},
    {"animation", "MODE", "none (default) or walk"},
    {"walk-frames", "N", "frames per keyframe of the walk"},
    {"walk-keyframes", "N", "seeds in the walk's loop: seed to seed+N-1"},
    {"pan-x", "V", "pan in x, translate units per second"},
    {"pan-y", "V", "pan in y, translate units per second"},
    {"spin", "V", "spin, degrees per second"},
    {"noise-mode", "MODE",
     "per-layer noise of StyleGAN2 models: const (default), none or random"},
    {"noise-seed", "N", "seed of noise-mode=random"},
};

typedef struct {
  char *address;
  int port;
  char **mounts;
  int width, height; /* -1: not given */
  char *fps;
  int bitrate;
  int key_int;
  char *scale_method;
  char *source;
  char **set;
  gboolean verbose;
  int max_clients;
  double max_lag;
  int max_request;
  Sg3AuthConfig auth;
} Options;

#define die sg3_die

void sg3_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  /* Keep it one line even if a GStreamer message spans several. */
  g_strdelimit(msg, "\r\n", ' ');
  fprintf(stderr, "%s: %s\n", prog, msg);
  exit(1);
}

/* A launch-syntax value: quoted, with \ and " escaped. */
static char *quote_value(const char *s) {
  GString *q = g_string_new("\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      g_string_append_c(q, '\\');
    g_string_append_c(q, *s);
  }
  g_string_append_c(q, '"');
  return g_string_free(q, FALSE);
}

/* "min … max" or the enum nicks, for error messages. */
static char *describe_range(GParamSpec *p) {
  if (G_IS_PARAM_SPEC_DOUBLE(p)) {
    GParamSpecDouble *d = G_PARAM_SPEC_DOUBLE(p);
    return g_strdup_printf("%g to %g", d->minimum, d->maximum);
  }
  if (G_IS_PARAM_SPEC_INT(p)) {
    GParamSpecInt *i = G_PARAM_SPEC_INT(p);
    return g_strdup_printf("%d to %d", i->minimum, i->maximum);
  }
  if (G_IS_PARAM_SPEC_UINT(p)) {
    GParamSpecUInt *u = G_PARAM_SPEC_UINT(p);
    return g_strdup_printf("%u to %u", u->minimum, u->maximum);
  }
  if (G_IS_PARAM_SPEC_INT64(p)) {
    GParamSpecInt64 *i = G_PARAM_SPEC_INT64(p);
    return g_strdup_printf("%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                           i->minimum, i->maximum);
  }
  if (G_IS_PARAM_SPEC_UINT64(p)) {
    GParamSpecUInt64 *u = G_PARAM_SPEC_UINT64(p);
    return g_strdup_printf("%" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                           u->minimum, u->maximum);
  }
  if (G_IS_PARAM_SPEC_ENUM(p)) {
    GEnumClass *e = G_PARAM_SPEC_ENUM(p)->enum_class;
    GString *s = g_string_new("one of");
    for (guint i = 0; i < e->n_values; i++)
      g_string_append_printf(s, "%s %s", i ? "," : "", e->values[i].value_nick);
    return g_string_free(s, FALSE);
  }
  return g_strdup(g_type_name(p->value_type));
}

gboolean sg3_property_parse(GParamSpec *p, const char *value, GValue *out,
                            char **why) {
  g_value_init(out, p->value_type);
  /* strtoul() would wrap "-1" around to the largest unsigned value. */
  gboolean negative_unsigned =
      (G_IS_PARAM_SPEC_UINT(p) || G_IS_PARAM_SPEC_UINT64(p)) &&
      strchr(value, '-');
  if (negative_unsigned || !gst_value_deserialize_with_pspec(out, value, p)) {
    char *range = describe_range(p);
    *why = g_strdup_printf("invalid value '%s' (expected %s)", value, range);
    g_free(range);
    g_value_unset(out);
    return FALSE;
  }
  GValue checked = G_VALUE_INIT;
  g_value_init(&checked, p->value_type);
  g_value_copy(out, &checked);
  gboolean bad = g_param_value_validate(p, &checked);
  g_value_unset(&checked);
  if (bad) {
    char *range = describe_range(p);
    *why = g_strdup_printf("%s is out of range (%s)", value, range);
    g_free(range);
    g_value_unset(out);
    return FALSE;
  }
  return TRUE;
}

/* Checks VALUE against the property's type and range, so that a bad option
 * is a one-line error at startup rather than a failing client later; appends
 * " name=value" to the launch fragment. */
static void append_property(GString *frag, GObjectClass *klass,
                            const char *element, const char *what,
                            const char *name, const char *value) {
  GParamSpec *p = g_object_class_find_property(klass, name);
  if (!p || !(p->flags & G_PARAM_WRITABLE))
    die("%s: %s has no writable property '%s'", what, element, name);
  GValue v = G_VALUE_INIT;
  char *why = NULL;
  if (!sg3_property_parse(p, value, &v, &why))
    die("%s: %s", what, why);
  g_value_unset(&v);
  char *q = quote_value(value);
  g_string_append_printf(frag, " %s=%s", name, q);
  g_free(q);
}

static void append_assignment(GString *frag, GObjectClass *klass,
                              const char *what, const char *assignment) {
  char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment)
    die("%s %s: expected PROPERTY=VALUE", what, assignment);
  char *name = g_strndup(assignment, eq - assignment);
  char *w = g_strdup_printf("%s %s", what, assignment);
  append_property(frag, klass, "sg3src", w, name, eq + 1);
  g_free(w);
  g_free(name);
}

/* The source part of the launch line, from --source or from the options. */
static char *source_fragment(const Options *o, char **mount_props,
                             const char *mount_path) {
  gboolean any = (o->set && o->set[0]) || (mount_props && mount_props[0]);
  for (guint i = 0; i < G_N_ELEMENTS(element_options); i++)
    any |= element_options[i].value != NULL;

  if (o->source) {
    if (any)
      die("--source replaces sg3src and its options; put the properties "
          "into the fragment instead");
    return g_strdup(o->source);
  }

  GstElementFactory *f = gst_element_factory_find("sg3src");
  if (!f)
    die("no element 'sg3src': build the plugin (ninja -C build) or set "
        "GST_PLUGIN_PATH to the directory of libgstsg3.so");
  GstPluginFeature *loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(f));
  gst_object_unref(f);
  if (!loaded)
    die("cannot load the plugin of 'sg3src'");
  GType type =
      gst_element_factory_get_element_type(GST_ELEMENT_FACTORY(loaded));
  GObjectClass *klass = g_type_class_ref(type);

  GString *frag = g_string_new("sg3src is-live=true");
  for (guint i = 0; i < G_N_ELEMENTS(element_options); i++) {
    ElementOption *e = &element_options[i];
    if (!e->value)
      continue;
    char *what = g_strconcat("--", e->name, NULL);
    append_property(frag, klass, "sg3src", what, e->name, e->value);
    g_free(what);
  }
  for (char **s = o->set; s && *s; s++)
    append_assignment(frag, klass, "--set", *s);
  /* The mount's own properties come last: they override the others. */
  char *what = g_strdup_printf("--mount %s", mount_path);
  for (char **s = mount_props; s && *s; s++)
    append_assignment(frag, klass, what, *s);
  g_free(what);
  g_type_class_unref(klass);
  gst_object_unref(loaded);
  return g_string_free(frag, FALSE);
}

static void parse_fps(const char *s, int *num, int *den) {
  if (parse_fps_arg(s, num, den))
    die(FPS_ARG_ERROR, s);
}

/* Validates the source fragment now (parse errors, a bad model) so that the
 * user sees the problem at startup, not as a failing client later. */
static void preflight(const char *frag) {
  char *desc = g_strdup_printf("%s ! fakesink sync=false", frag);
  GError *err = NULL;
  GstElement *pipe =
      gst_parse_launch_full(desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  g_free(desc);
  if (!pipe)
    die("source '%s': %s", frag, err->message);

  GstStateChangeReturn r = gst_element_set_state(pipe, GST_STATE_PAUSED);
  if (r == GST_STATE_CHANGE_ASYNC)
    r = gst_element_get_state(pipe, NULL, NULL, 60 * GST_SECOND);
  GstBus *bus = gst_element_get_bus(pipe);
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (r == GST_STATE_CHANGE_FAILURE || m) {
    char *text = g_strdup("the source does not start");
    if (m) {
      GError *e = NULL;
      char *dbg = NULL;
      gst_message_parse_error(m, &e, &dbg);
      g_free(text);
      text = g_strdup(e->message);
      g_error_free(e);
      g_free(dbg);
    }
    die("source '%s': %s", frag, text);
  }
  if (r != GST_STATE_CHANGE_NO_PREROLL)
    g_printerr("%s: warning: the source is not live (add is-live=true); "
               "clients may see it run at the wrong speed\n",
               prog);
  gst_element_set_state(pipe, GST_STATE_NULL);
  gst_object_unref(bus);
  gst_object_unref(pipe);
}

static char *launch_line(const Options *o, const char *frag) {
  int num, den;
  parse_fps(o->fps, &num, &den);

  int w = o->width, h = o->height;
  if (w < 0 && h < 0)
    w = h = 512;
  GString *size = g_string_new("");
  if (w > 0)
    g_string_append_printf(size, ",width=%d", w);
  if (h > 0)
    g_string_append_printf(size, ",height=%d", h);

  int key_int = o->key_int > 0 ? o->key_int : MAX(1, (num + den - 1) / den);

  /* Scaling before videoconvert keeps 1-channel models in GRAY8 while
   * scaling; videoscale adds borders to keep the aspect ratio when the
   * output's differs. One slice per frame (sliced-threads=false; zerolatency
   * turns it on): FFmpeg's RTSP client, and so OBS, splits a multi-slice key
   * frame into two corrupt frames. Two frame threads add at most one frame
   * of latency. config-interval=-1 repeats SPS/PPS with every IDR so that a
   * client joining the shared stream starts at the next key frame. */
  char *line = g_strdup_printf(
      "( %s ! video/x-raw,framerate=%d/%d"
      " ! videoscale method=%s ! video/x-raw,pixel-aspect-ratio=1/1%s"
      " ! videoconvert ! video/x-raw,format=I420"
      " ! queue max-size-buffers=2 max-size-time=0 max-size-bytes=0"
      " ! x264enc name=sg3-rtsp-enc tune=zerolatency sliced-threads=false"
      " threads=2 speed-preset=superfast bitrate=%d key-int-max=%d"
      " ! rtph264pay name=pay0 pt=96 config-interval=-1 )",
      frag, num, den, o->scale_method, size->str, o->bitrate, key_int);
  g_string_free(size, TRUE);
  return line;
}

static void check_scale_method(const char *method) {
  GstElement *vs = gst_element_factory_make("videoscale", NULL);
  if (!vs)
    die("no element 'videoscale' (install gstreamer1.0-plugins-base)");
  GObjectClass *klass = G_OBJECT_GET_CLASS(vs);
  GString *scratch = g_string_new("");
  append_property(scratch, klass, "videoscale", "--scale-method", "method",
                  method);
  g_string_free(scratch, TRUE);
  gst_object_unref(vs);
}

/* Logs pipeline errors and warnings of the served media; rtsp-media itself
 * only tears the media down. */
typedef struct {
  GstRTSPMedia parent;
} Sg3Media;
typedef struct {
  GstRTSPMediaClass parent_class;
} Sg3MediaClass;

G_DEFINE_TYPE(Sg3Media, sg3_media, GST_TYPE_RTSP_MEDIA)

static gboolean sg3_media_handle_message(GstRTSPMedia *media, GstMessage *m) {
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR ||
      GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
    GError *e = NULL;
    char *dbg = NULL;
    gboolean is_error = GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR;
    if (is_error)
      gst_message_parse_error(m, &e, &dbg);
    else
      gst_message_parse_warning(m, &e, &dbg);
    g_printerr("%s: %s from %s: %s\n", prog, is_error ? "error" : "warning",
               GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), e->message);
    GST_DEBUG("%s", dbg ? dbg : "");
    g_error_free(e);
    g_free(dbg);
  }
  return GST_RTSP_MEDIA_CLASS(sg3_media_parent_class)->handle_message(media, m);
}

static void sg3_media_class_init(Sg3MediaClass *klass) {
  GST_RTSP_MEDIA_CLASS(klass)->handle_message = sg3_media_handle_message;
}

static void sg3_media_init(Sg3Media *self) {}

/* One media per mount, whatever the URL: the library keys shared media by
 * the request's URL, query and control path included, so that /sg3?k=1 (as
 * some NVRs add) or a SETUP of /sg3/stream=0 without DESCRIBE would start
 * another generator. */
typedef struct {
  GstRTSPMediaFactory parent;
} Sg3Factory;
typedef struct {
  GstRTSPMediaFactoryClass parent_class;
} Sg3FactoryClass;

G_DEFINE_TYPE(Sg3Factory, sg3_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

static char *sg3_factory_gen_key(GstRTSPMediaFactory *f, const GstRTSPUrl *u) {
  return g_strdup("shared");
}

static void sg3_factory_class_init(Sg3FactoryClass *klass) {
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->gen_key = sg3_factory_gen_key;
}

static void sg3_factory_init(Sg3Factory *self) {}

/* The mount whose path is the longest prefix of PATH (at a '/'). */
Sg3Mount *sg3_mount_for_path(const char *path) {
  Sg3Mount *best = NULL;
  for (guint i = 0; i < sg3_mounts->len; i++) {
    Sg3Mount *m = g_ptr_array_index(sg3_mounts, i);
    size_t n = strlen(m->path);
    if (!strncmp(path, m->path, n) && (path[n] == 0 || path[n] == '/') &&
        (!best || n > strlen(best->path)))
      best = m;
  }
  return best;
}

static void on_media_unprepared(GstRTSPMedia *media, gpointer data) {
  Sg3Mount *m = data;
  g_mutex_lock(&m->lock);
  if (m->media == media)
    g_clear_object(&m->media);
  g_mutex_unlock(&m->lock);
  g_print("%s: generator stopped (no clients on %s)\n", prog, m->path);
}

/* gst-rtsp-server 1.22 feeds RTCP that TCP clients send through an appsrc
 * without caps, so the first client's first RTCP packet makes every pad
 * downstream warn "Sticky event misordering, got 'segment' before 'caps'".
 * Caps on those appsrcs (before any packet) keep the events in order. */
static void set_rtcp_appsrc_caps(GstRTSPMedia *media) {
  GstElement *top = gst_rtsp_media_get_element(media);
  GstObject *pipe = top ? gst_object_get_parent(GST_OBJECT(top)) : NULL;
  if (!pipe || !GST_IS_BIN(pipe))
    goto done;
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(pipe));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement *e = g_value_get_object(&v);
    GstElementFactory *f = gst_element_get_factory(e);
    if (f && !strcmp(GST_OBJECT_NAME(f), "appsrc")) {
      GstCaps *caps = NULL;
      g_object_get(e, "caps", &caps, NULL);
      /* Which rtpbin pad it ends in: src -> funnel -> recv_rtcp_sink_N. */
      GstPad *src = gst_element_get_static_pad(e, "src");
      GstPad *peer = src ? gst_pad_get_peer(src) : NULL;
      GstElement *funnel = peer ? gst_pad_get_parent_element(peer) : NULL;
      GstPad *fsrc = funnel ? gst_element_get_static_pad(funnel, "src") : NULL;
      GstPad *fpeer = fsrc ? gst_pad_get_peer(fsrc) : NULL;
      if (!caps && fpeer &&
          g_str_has_prefix(GST_PAD_NAME(fpeer), "recv_rtcp")) {
        GstCaps *rtcp = gst_caps_new_empty_simple("application/x-rtcp");
        g_object_set(e, "caps", rtcp, NULL);
        gst_caps_unref(rtcp);
      }
      if (caps)
        gst_caps_unref(caps);
      g_clear_object(&fpeer);
      g_clear_object(&fsrc);
      g_clear_object(&funnel);
      g_clear_object(&peer);
      g_clear_object(&src);
    }
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
done:
  if (pipe)
    gst_object_unref(pipe);
  if (top)
    gst_object_unref(top);
}

static void on_media_prepared(GstRTSPMedia *media, gpointer data) {
  Sg3Mount *m = data;
  /* Emitted once for every client thread that waited for the preparation:
   * one line per media. */
  static GMutex lock;
  g_mutex_lock(&lock);
  gboolean first = !g_object_get_data(G_OBJECT(media), "sg3-started");
  g_object_set_data(G_OBJECT(media), "sg3-started", GINT_TO_POINTER(1));
  g_mutex_unlock(&lock);
  if (first) {
    set_rtcp_appsrc_caps(media);
    g_print("%s: generator started on %s\n", prog, m->path);
  }
}

static void on_media_configure(GstRTSPMediaFactory *factory,
                               GstRTSPMedia *media, gpointer data) {
  Sg3Mount *m = data;
  g_mutex_lock(&m->lock);
  g_set_object(&m->media, media);
  g_mutex_unlock(&m->lock);
  /* What clients set with SET_PARAMETER outlives a generator restart. */
  sg3_control_apply(m, media);
  g_signal_connect(media, "prepared", G_CALLBACK(on_media_prepared), m);
  g_signal_connect(media, "unprepared", G_CALLBACK(on_media_unprepared), m);
}

static void on_client_closed(GstRTSPClient *client, gpointer user_data) {
  g_print("%s: client %s disconnected\n", prog, (char *)user_data);
}

static void free_string(gpointer data, GClosure *closure) {
  g_free(data);
}

/* At most one forced key frame per this interval: joining clients need one,
 * but PLAY spam from one client must not force them on every viewer. */
#define KEY_INTERVAL_US G_USEC_PER_SEC

static void force_key_frame(GstRTSPMedia *media) {
  GstElement *top = gst_rtsp_media_get_element(media);
  GstElement *enc =
      top ? gst_bin_get_by_name(GST_BIN(top), "sg3-rtsp-enc") : NULL;
  GstPad *pad = enc ? gst_element_get_static_pad(enc, "src") : NULL;
  if (pad) {
    GST_DEBUG("requesting a key frame");
    gst_pad_send_event(pad, gst_video_event_new_upstream_force_key_unit(
                                GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(pad);
  }
  if (enc)
    gst_object_unref(enc);
  if (top)
    gst_object_unref(top);
}

static gboolean on_key_timer(gpointer data) {
  Sg3Mount *m = data;
  g_mutex_lock(&m->lock);
  m->key_timer = 0;
  m->last_key_us = g_get_monotonic_time();
  GstRTSPMedia *media = m->media ? g_object_ref(m->media) : NULL;
  g_mutex_unlock(&m->lock);
  if (media) {
    force_key_frame(media);
    g_object_unref(media);
  }
  return G_SOURCE_REMOVE;
}

/* A client that joins the shared stream would wait up to --key-int frames
 * for a key frame (and many players show grey smears until then): ask the
 * encoder for one now, or once the interval since the last one is over
 * (one for all the clients that joined meanwhile). From the main loop, one
 * at a time: upstream events sent from several client threads at once made
 * x264enc warn about misordered sticky events. */
static void on_play_request(GstRTSPClient *client, GstRTSPContext *ctx,
                            gpointer user_data) {
  if (!ctx->uri)
    return;
  Sg3Mount *m = sg3_mount_for_path(ctx->uri->abspath);
  if (!m)
    return;
  g_mutex_lock(&m->lock);
  if (!m->key_timer) {
    gint64 wait = m->last_key_us + KEY_INTERVAL_US - g_get_monotonic_time();
    m->key_timer = g_timeout_add(MAX(wait, 0) / 1000, on_key_timer, m);
  }
  g_mutex_unlock(&m->lock);
}

static void on_client_connected(GstRTSPServer *server, GstRTSPClient *client,
                                gpointer user_data) {
  GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
  const char *ip = conn ? gst_rtsp_connection_get_ip(conn) : NULL;
  if (!sg3_guard_admit(client))
    return;
  char *who = g_strdup(ip ? ip : "?");
  g_print("%s: client %s connected\n", prog, who);
  g_signal_connect_data(client, "closed", G_CALLBACK(on_client_closed), who,
                        free_string, 0);
  g_signal_connect(client, "play-request", G_CALLBACK(on_play_request), NULL);
}

static GstRTSPFilterResult
close_client(GstRTSPServer *server, GstRTSPClient *client, gpointer user_data) {
  return GST_RTSP_FILTER_REMOVE;
}

static gboolean on_signal(gpointer loop) {
  g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

/* The address clients can use: a wildcard bind prints the loopback one. */
static char *url_host(const char *address) {
  if (!strcmp(address, "0.0.0.0"))
    return g_strdup("127.0.0.1");
  if (!strcmp(address, "::"))
    return g_strdup("[::1]");
  if (strchr(address, ':'))
    return g_strdup_printf("[%s]", address);
  return g_strdup(address);
}

int main(int argc, char **argv) {
  /* Line-buffered even into a pipe: scripts and tests wait for the URL. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  Options o = {.address = g_strdup("127.0.0.1"),
               .port = 8554,
               .max_clients = 32,
               .max_lag = 2.0,
               .max_request = 256 * 1024,
               .width = -1,
               .height = -1,
               .fps = g_strdup("30"),
               .bitrate = 2000,
               .key_int = 0,
               .scale_method = g_strdup("lanczos")};

  GOptionEntry server_entries[] = {
      {"port", 'p', 0, G_OPTION_ARG_INT, &o.port,
       "TCP port (default 8554; 0: any free port, printed)", "PORT"},
      {"address", 'a', 0, G_OPTION_ARG_STRING, &o.address,
       "address to listen on (default 127.0.0.1: this machine only; "
       "0.0.0.0: all interfaces, then use --user)",
       "ADDR"},
      {"mount", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.mounts,
       "a stream: its path and its own sg3src properties, e.g. \"/faces "
       "model=ffhq.pkl seed=3\" (repeatable; default /sg3 with the options "
       "below)",
       "\"PATH [PROP=VALUE...]\""},
      {"max-clients", 0, 0, G_OPTION_ARG_INT, &o.max_clients,
       "viewers at once (default 32; more get 503)", "N"},
      {"max-lag", 0, 0, G_OPTION_ARG_DOUBLE, &o.max_lag,
       "drop a TCP client that falls this many seconds behind or stops "
       "reading (default 2)",
       "S"},
      {"max-request", 0, 0, G_OPTION_ARG_INT, &o.max_request,
       "drop a client that sends more than this many bytes within a second "
       "(default 262144)",
       "BYTES"},
      {"user", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &o.auth.users,
       "a user who may watch (repeatable); clients must then authenticate",
       "NAME:PASSWORD"},
      {"users-file", 0, 0, G_OPTION_ARG_FILENAME, &o.auth.users_file,
       "users, one NAME:PASSWORD a line", "FILE"},
      {"auth", 0, 0, G_OPTION_ARG_STRING, &o.auth.auth_method,
       "digest (default), basic (password in the clear unless RTSPS) or any",
       "METHOD"},
      {"tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &o.auth.tls_cert,
       "PEM certificate: serve rtsps:// (with --tls-key)", "FILE"},
      {"tls-key", 0, 0, G_OPTION_ARG_FILENAME, &o.auth.tls_key,
       "PEM private key of --tls-cert", "FILE"},
      {"width", 'W', 0, G_OPTION_ARG_INT, &o.width,
       "output width (default 512; 0: the model's)", "W"},
      {"height", 'H', 0, G_OPTION_ARG_INT, &o.height,
       "output height (default 512; 0: the model's)", "H"},
      {"fps", 'r', 0, G_OPTION_ARG_STRING, &o.fps,
       "frame rate (default 30; 29.97 or 30000/1001 work too)", "RATE"},
      {"bitrate", 'b', 0, G_OPTION_ARG_INT, &o.bitrate,
       "H.264 bitrate in kbit/s (default 2000)", "KBPS"},
      {"key-int", 'k', 0, G_OPTION_ARG_INT, &o.key_int,
       "frames between key frames (default: one second's worth, so that "
       "clients join quickly)",
       "N"},
      {"scale-method", 0, 0, G_OPTION_ARG_STRING, &o.scale_method,
       "videoscale method (default lanczos; nearest-neighbour for big "
       "pixels)",
       "METHOD"},
      {"source", 's', 0, G_OPTION_ARG_STRING, &o.source,
       "a launch fragment instead of sg3src and the element options, e.g. "
       "\"sg3src is-live=true seed=3 ! videoflip method=clockwise\"",
       "LAUNCH"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.set,
       "any other sg3src property (repeatable)", "PROP=VALUE"},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "print the pipeline",
       NULL},
      {NULL}};

  GOptionEntry element_entries[G_N_ELEMENTS(element_options) + 1];
  memset(element_entries, 0, sizeof element_entries);
  for (guint i = 0; i < G_N_ELEMENTS(element_options); i++) {
    element_entries[i].long_name = element_options[i].name;
    element_entries[i].arg = G_OPTION_ARG_STRING;
    element_entries[i].arg_data = &element_options[i].value;
    element_entries[i].description = element_options[i].help;
    element_entries[i].arg_description = element_options[i].arg;
  }

  GOptionContext *ctx = g_option_context_new("- serve sg3src over RTSP");
  g_option_context_set_summary(
      ctx, "Serves rtsp://HOST:PORT/sg3 as H.264 from one shared live sg3src; "
           "every client sees the same generator.");
  g_option_context_add_main_entries(ctx, server_entries, NULL);
  g_option_context_add_main_entries(ctx, element_entries, NULL);
  g_option_context_set_description(
      ctx, "--model ... --spin set the sg3src properties of the same name "
           "(ranges and defaults: gst-inspect-1.0 sg3src).\n"
           "RTSP SET_PARAMETER with text/parameters lines \"seed: 5\" changes "
           "the running stream for every viewer; GET_PARAMETER reads "
           "(docs/streaming.md).\n"
           "Stop with Ctrl-C (SIGINT) or SIGTERM.\n");
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError *err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err))
    die("%s", err->message);
  g_option_context_free(ctx);
  if (argc > 1)
    die("unexpected argument '%s' (see --help)", argv[1]);

  GST_DEBUG_CATEGORY_INIT(sg3_rtsp_debug, "sg3-rtsp-server", 0,
                          "sg3 RTSP server");

  if (o.port < 0 || o.port > 65535)
    die("--port %d: expected 0 to 65535", o.port);
  if (o.max_clients < 1 || o.max_clients > 10000)
    die("--max-clients %d: expected 1 to 10000", o.max_clients);
  if (!(o.max_lag >= 0.2 && o.max_lag <= 600))
    die("--max-lag %g: expected 0.2 to 600 seconds", o.max_lag);
  if (o.max_request < 4096)
    die("--max-request %d: expected at least 4096 bytes", o.max_request);
  if (o.width == 0 && o.height < 0)
    o.height = 0;
  if (o.height == 0 && o.width < 0)
    o.width = 0;
  if (o.width > 0 && (o.width < 16 || o.width > 8192 || o.width % 2))
    die("--width %d: expected an even number from 16 to 8192 (or 0)", o.width);
  if (o.height > 0 && (o.height < 16 || o.height > 8192 || o.height % 2))
    die("--height %d: expected an even number from 16 to 8192 (or 0)",
        o.height);
  if (o.bitrate < 16 || o.bitrate > 200000)
    die("--bitrate %d: expected 16 to 200000 kbit/s", o.bitrate);
  if (o.key_int < 0 || o.key_int > 10000)
    die("--key-int %d: expected 1 to 10000 frames (0: one second)", o.key_int);
  for (const char *e = "x264enc\0rtph264pay\0videoconvert\0"; *e;
       e += strlen(e) + 1) {
    GstElementFactory *f = gst_element_factory_find(e);
    if (!f)
      die("no element '%s' (install gstreamer1.0-plugins-%s)", e,
          strcmp(e, "x264enc") ? (strcmp(e, "rtph264pay") ? "base" : "good")
                               : "ugly");
    gst_object_unref(f);
  }
  check_scale_method(o.scale_method);
  int fps_n, fps_d;
  parse_fps(o.fps, &fps_n, &fps_d);

  /* Each mount: its path and properties, checked and pre-flighted. */
  char *default_mount[] = {"/sg3", NULL};
  sg3_mounts = g_ptr_array_new();
  for (char **spec = o.mounts ? o.mounts : default_mount; *spec; spec++) {
    char **words = NULL;
    GError *perr = NULL;
    if (!g_shell_parse_argv(*spec, NULL, &words, &perr))
      die("--mount '%s': %s", *spec, perr->message);
    const char *path = words[0];
    if (path[0] != '/' || strpbrk(path, " ?#;") ||
        (strlen(path) > 1 && g_str_has_suffix(path, "/")))
      die("--mount %s: expected a path like /sg3", path);
    for (guint i = 0; i < sg3_mounts->len; i++)
      if (!strcmp(((Sg3Mount *)g_ptr_array_index(sg3_mounts, i))->path, path))
        die("--mount %s: given twice", path);
    Sg3Mount *m = g_new0(Sg3Mount, 1);
    m->path = g_strdup(path);
    m->props = g_strdupv(words + 1);
    m->props_only_source = o.source != NULL;
    g_mutex_init(&m->lock);
    m->changed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_strfreev(words);

    char *frag = source_fragment(&o, m->props, m->path);
    char *launch = launch_line(&o, frag);
    preflight(frag);
    GST_INFO("%s: launch line: %s", m->path, launch);
    if (o.verbose)
      g_printerr("%s: %s: pipeline %s\n", prog, m->path, launch);
    m->factory = g_object_new(sg3_factory_get_type(), NULL);
    gst_rtsp_media_factory_set_launch(m->factory, launch);
    gst_rtsp_media_factory_set_shared(m->factory, TRUE);
    gst_rtsp_media_factory_set_media_gtype(m->factory, sg3_media_get_type());
    g_signal_connect(m->factory, "media-configure",
                     G_CALLBACK(on_media_configure), m);
    g_free(launch);
    g_free(frag);
    g_ptr_array_add(sg3_mounts, m);
  }

  GstRTSPServer *server = g_object_new(sg3_server_get_type(), NULL);
  char *service = g_strdup_printf("%d", o.port);
  gst_rtsp_server_set_address(server, o.address);
  gst_rtsp_server_set_service(server, service);
  g_free(service);

  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  for (guint i = 0; i < sg3_mounts->len; i++) {
    Sg3Mount *m = g_ptr_array_index(sg3_mounts, i);
    gst_rtsp_mount_points_add_factory(mounts, m->path,
                                      g_object_ref(m->factory));
  }
  g_object_unref(mounts);
  gboolean with_users = sg3_auth_setup(server, &o.auth, sg3_mounts);
  gboolean tls = o.auth.tls_cert != NULL;
  /* Requests bodies (the library refuses longer ones before reading them)
   * and, by the guard, the bytes a client may send. */
  gst_rtsp_server_set_content_length_limit(server, 64 * 1024);
  /* A thread per client (up to 16, then shared): a slow request holds only
   * its own client's thread, not every client's. */
  GstRTSPThreadPool *tpool = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_thread_pool_set_max_threads(tpool, MIN(o.max_clients, 16));
  g_object_unref(tpool);
  Sg3GuardConfig guard = {.max_lag_s = o.max_lag,
                          .bitrate_kbps = o.bitrate,
                          .max_request = (guint)o.max_request,
                          .max_clients = o.max_clients};
  sg3_guard_start(server, &guard);
  g_signal_connect(server, "client-connected", G_CALLBACK(on_client_connected),
                   NULL);

  /* create_source rather than attach: it says why binding failed. */
  GSource *source = gst_rtsp_server_create_source(server, NULL, &err);
  if (!source)
    die("cannot listen on %s port %d: %s", o.address, o.port, err->message);
  g_source_attach(source, NULL);

  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGINT, on_signal, loop);
  g_unix_signal_add(SIGTERM, on_signal, loop);

  char *host = url_host(o.address);
  for (guint i = 0; i < sg3_mounts->len; i++)
    g_print("%s://%s:%d%s\n", tls ? "rtsps" : "rtsp", host,
            gst_rtsp_server_get_bound_port(server),
            ((Sg3Mount *)g_ptr_array_index(sg3_mounts, i))->path);
  if (!strcmp(o.address, "0.0.0.0") || !strcmp(o.address, "::"))
    g_print("%s: listening on all interfaces (%s); other machines use this "
            "machine's address\n",
            prog, o.address);
  GInetAddress *bound = g_inet_address_new_from_string(o.address);
  if (!with_users && !(bound && g_inet_address_get_is_loopback(bound)))
    g_printerr("%s: warning: %s is reachable from other machines and "
               "anyone there can watch and steer the stream: add --user "
               "NAME:PASSWORD (and --tls-cert/--tls-key)\n",
               prog, o.address);
  g_clear_object(&bound);
  fflush(stdout);
  g_free(host);

  g_main_loop_run(loop);

  g_print("%s: shutting down\n", prog);
  /* Closing the clients unprepares the shared media, which stops the
   * generator pipeline before the process exits. */
  gst_rtsp_server_client_filter(server, close_client, NULL);
  g_source_destroy(source);
  g_source_unref(source);
  g_object_unref(server);
  g_main_loop_unref(loop);
  return 0;
}
