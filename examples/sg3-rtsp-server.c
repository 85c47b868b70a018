/* sg3-rtsp-server: serves a live sg3src as H.264 over RTSP.
 *
 *   sg3-rtsp-server [--port 8554] [--address 0.0.0.0] [--seed 3] ...
 *   -> rtsp://HOST:PORT/sg3
 *
 * One shared media: every client watches the same generator, which runs only
 * while at least one client is connected. */
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

static const char *prog = "sg3-rtsp-server";

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
  char *mount;
  int width, height; /* -1: not given */
  char *fps;
  int bitrate;
  int key_int;
  char *scale_method;
  char *source;
  char **set;
  gboolean verbose;
} Options;

static void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

static void die(const char *fmt, ...) {
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
  g_value_init(&v, p->value_type);
  /* strtoul() would wrap "-1" around to the largest unsigned value. */
  gboolean negative_unsigned =
      (G_IS_PARAM_SPEC_UINT(p) || G_IS_PARAM_SPEC_UINT64(p)) &&
      strchr(value, '-');
  if (negative_unsigned || !gst_value_deserialize_with_pspec(&v, value, p)) {
    char *range = describe_range(p);
    die("%s: invalid value '%s' (expected %s)", what, value, range);
  }
  GValue checked = G_VALUE_INIT;
  g_value_init(&checked, p->value_type);
  g_value_copy(&v, &checked);
  if (g_param_value_validate(p, &checked)) {
    char *range = describe_range(p);
    die("%s: %s is out of range (%s)", what, value, range);
  }
  g_value_unset(&checked);
  g_value_unset(&v);
  char *q = quote_value(value);
  g_string_append_printf(frag, " %s=%s", name, q);
  g_free(q);
}

/* The source part of the launch line, from --source or from the options. */
static char *source_fragment(const Options *o) {
  gboolean any = o->set && o->set[0];
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
  for (char **s = o->set; s && *s; s++) {
    char *eq = strchr(*s, '=');
    if (!eq || eq == *s)
      die("--set %s: expected PROPERTY=VALUE", *s);
    char *name = g_strndup(*s, eq - *s);
    char *what = g_strdup_printf("--set %s", *s);
    append_property(frag, klass, "sg3src", what, name, eq + 1);
    g_free(what);
    g_free(name);
  }
  g_type_class_unref(klass);
  gst_object_unref(loaded);
  return g_string_free(frag, FALSE);
}

static void parse_fps(const char *s, int *num, int *den) {
  char *end;
  errno = 0;
  if (strchr(s, '/')) {
    long n = strtol(s, &end, 10), d;
    if (*end == '/' && end[1]) {
      d = strtol(end + 1, &end, 10);
      if (!*end && !errno && n > 0 && d > 0 && n <= 100000 && d <= 100000 &&
          (double)n / d <= 240) {
        *num = (int)n;
        *den = (int)d;
        return;
      }
    }
  } else {
    double v = g_ascii_strtod(s, &end);
    if (end != s && !*end && !errno && isfinite(v) && v > 0 && v <= 240) {
      gst_util_double_to_fraction(v, num, den);
      return;
    }
  }
  die("--fps %s: expected a rate like 30, 29.97 or 30000/1001 (up to 240)", s);
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

static void on_media_unprepared(GstRTSPMedia *media, gpointer user_data) {
  g_print("%s: generator stopped (no clients)\n", prog);
}

static void on_media_prepared(GstRTSPMedia *media, gpointer user_data) {
  g_print("%s: generator started\n", prog);
}

static void on_media_configure(GstRTSPMediaFactory *factory,
                               GstRTSPMedia *media, gpointer user_data) {
  g_signal_connect(media, "prepared", G_CALLBACK(on_media_prepared), NULL);
  g_signal_connect(media, "unprepared", G_CALLBACK(on_media_unprepared), NULL);
}

static void on_client_closed(GstRTSPClient *client, gpointer user_data) {
  g_print("%s: client %s disconnected\n", prog, (char *)user_data);
}

static void free_string(gpointer data, GClosure *closure) {
  g_free(data);
}

/* A client that joins the shared stream would wait up to --key-int frames
 * for a key frame (and many players show grey smears until then): ask the
 * encoder for one now. */
static void on_play_request(GstRTSPClient *client, GstRTSPContext *ctx,
                            gpointer user_data) {
  if (!ctx->media)
    return;
  GstElement *top = gst_rtsp_media_get_element(ctx->media);
  GstElement *enc =
      top ? gst_bin_get_by_name(GST_BIN(top), "sg3-rtsp-enc") : NULL;
  GstPad *pad = enc ? gst_element_get_static_pad(enc, "src") : NULL;
  if (pad) {
    GST_DEBUG("client PLAY: requesting a key frame");
    gst_pad_send_event(pad, gst_video_event_new_upstream_force_key_unit(
                                GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(pad);
  }
  if (enc)
    gst_object_unref(enc);
  if (top)
    gst_object_unref(top);
}

static void on_client_connected(GstRTSPServer *server, GstRTSPClient *client,
                                gpointer user_data) {
  GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
  const char *ip = conn ? gst_rtsp_connection_get_ip(conn) : NULL;
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
  Options o = {.address = g_strdup("0.0.0.0"),
               .port = 8554,
               .mount = g_strdup("/sg3"),
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
       "address to listen on (default 0.0.0.0: all interfaces; 127.0.0.1: "
       "this machine only)",
       "ADDR"},
      {"mount", 0, 0, G_OPTION_ARG_STRING, &o.mount,
       "path of the stream (default /sg3)", "PATH"},
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
  if (o.mount[0] != '/' || strpbrk(o.mount, " ?#"))
    die("--mount %s: expected a path like /sg3", o.mount);
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

  char *frag = source_fragment(&o);
  char *launch = launch_line(&o, frag);
  preflight(frag);
  GST_INFO("launch line: %s", launch);
  if (o.verbose)
    g_printerr("%s: pipeline %s\n", prog, launch);

  GstRTSPServer *server = gst_rtsp_server_new();
  char *service = g_strdup_printf("%d", o.port);
  gst_rtsp_server_set_address(server, o.address);
  gst_rtsp_server_set_service(server, service);
  g_free(service);

  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launch);
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  gst_rtsp_media_factory_set_media_gtype(factory, sg3_media_get_type());
  g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure),
                   NULL);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, o.mount, factory);
  g_object_unref(mounts);
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
  g_print("rtsp://%s:%d%s\n", host, gst_rtsp_server_get_bound_port(server),
          o.mount);
  if (!strcmp(o.address, "0.0.0.0") || !strcmp(o.address, "::"))
    g_print("%s: listening on all interfaces (%s); other machines use this "
            "machine's address\n",
            prog, o.address);
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
  g_free(launch);
  g_free(frag);
  return 0;
}
