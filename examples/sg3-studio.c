/* sg3-studio: a live control surface for sg3src in the browser, with OSC.
 *
 *   sg3-studio [--port 8080] [--models DIR] [--osc-port 9000] ...
 *   -> http://127.0.0.1:8080/
 *
 * One pipeline: sg3src (live) feeds a tee with a branch for the preview
 * (MJPEG), one that keeps the last frame at the model's size (PNG, the
 * tests' exact comparison) and optional RTSP and recording branches. The
 * page's controls are generated from the element's GParamSpecs
 * (studio-props.c); the web server is studio-web.c, OSC studio-osc.c. */
#include "fps_arg.h"
#include "studio.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#include "npy.h"

#ifdef HAVE_RTSP
#include <gst/rtsp-server/rtsp-server.h>
#endif
#ifdef HAVE_MUSIC
#include "music-live.h"
#endif

GST_DEBUG_CATEGORY(sg3_studio_debug);

static const char *prog = "sg3-studio";

static void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_strdelimit(msg, "\r\n", ' ');
  fprintf(stderr, "%s: %s\n", prog, msg);
  exit(1);
}

/* ---- clients: state, logs, stats ---- */

void studio_broadcast(Studio *st, const char *json) {
  for (GList *l = st->ws_clients; l; l = l->next) {
    SoupWebsocketConnection *c = l->data;
    if (soup_websocket_connection_get_state(c) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_send_text(c, json);
  }
}

static void send_or_broadcast(Studio *st, SoupWebsocketConnection *conn,
                              JsonNode *msg) {
  char *s = studio_json_to_string(msg);
  if (conn)
    soup_websocket_connection_send_text(conn, s);
  else
    studio_broadcast(st, s);
  g_free(s);
}

static JsonNode *typed(const char *type, const char *key, JsonNode *value) {
  JsonObject *o = json_object_new();
  json_object_set_string_member(o, "type", type);
  if (key)
    json_object_set_member(o, key, value);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  return n;
}

void studio_log_client(Studio *st, const char *level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  JsonNode *n = typed("log", NULL, NULL);
  json_object_set_string_member(json_node_get_object(n), "level", level);
  json_object_set_string_member(json_node_get_object(n), "message", text);
  send_or_broadcast(st, NULL, n);
  g_print("%s: %s\n", prog, text);
  g_free(text);
}

void studio_push_full_state(Studio *st, SoupWebsocketConnection *conn) {
  JsonNode *m = typed("state", "values", studio_state_json(st));
  json_object_set_boolean_member(json_node_get_object(m), "full", TRUE);
  send_or_broadcast(st, conn, m);
  send_or_broadcast(st, conn, typed("info", "info", studio_info_json(st)));
  send_or_broadcast(st, conn, typed("stats", "stats", studio_stats_json(st)));
}

/* notify:: comes from whichever thread set the property (the main loop, the
 * model loader, the element's own threads): collect the names, push from
 * the main loop. */
static gboolean push_dirty(gpointer data) {
  Studio *st = data;
  g_mutex_lock(&st->lock);
  GHashTable *dirty = st->dirty;
  st->dirty = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  st->dirty_idle = 0;
  g_mutex_unlock(&st->lock);

  JsonObject *values = json_object_new();
  gboolean any = FALSE, info = FALSE;
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, dirty);
  while (g_hash_table_iter_next(&it, &key, NULL)) {
    GParamSpec *p = studio_find_prop(st, key);
    if (!strcmp(key, "model") || g_str_has_prefix(key, "model-"))
      info = TRUE;
    if (!p)
      continue;
    JsonNode *v = studio_get_json(st, p);
    char *s = studio_json_to_string(json_node_copy(v));
    const char *old = g_hash_table_lookup(st->last_sent, p->name);
    if (old && !strcmp(old, s)) { /* set to what it was: nothing to say */
      g_free(s);
      json_node_unref(v);
      continue;
    }
    g_hash_table_replace(st->last_sent, g_strdup(p->name), s);
    json_object_set_member(values, p->name, v);
    studio_osc_send_change(st, p);
    any = TRUE;
  }
  g_hash_table_unref(dirty);
  JsonNode *vn = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(vn, values);
  if (any) {
    JsonNode *m = typed("state", "values", vn);
    json_object_set_boolean_member(json_node_get_object(m), "full", FALSE);
    send_or_broadcast(st, NULL, m);
  } else {
    json_node_unref(vn);
  }
  if (info)
    send_or_broadcast(st, NULL, typed("info", "info", studio_info_json(st)));
  return G_SOURCE_REMOVE;
}

static void mark_dirty(Studio *st, const char *name) {
  g_mutex_lock(&st->lock);
  g_hash_table_add(st->dirty, g_strdup(name));
  if (!st->dirty_idle)
    st->dirty_idle = g_idle_add(push_dirty, st);
  g_mutex_unlock(&st->lock);
}

static void on_notify(GObject *obj, GParamSpec *p, gpointer data) {
  mark_dirty(data, p->name);
}

static gint64 cpu_time_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (gint64)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
         (gint64)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

/* The element's own render time, where it has one (render-time: a double
 * in ms, or a guint64 in ns); NAN otherwise. */
static double element_render_ms(Studio *st) {
  GParamSpec *p = g_object_class_find_property(st->src_class, "render-time");
  if (!p || !(p->flags & G_PARAM_READABLE))
    return NAN;
  GValue v = G_VALUE_INIT;
  g_value_init(&v, G_PARAM_SPEC_VALUE_TYPE(p));
  g_object_get_property(G_OBJECT(st->src), p->name, &v);
  double ms = NAN;
  if (G_VALUE_TYPE(&v) == G_TYPE_DOUBLE)
    ms = g_value_get_double(&v);
  else if (G_VALUE_TYPE(&v) == G_TYPE_UINT64)
    ms = g_value_get_uint64(&v) / 1e6;
  g_value_unset(&v);
  return ms;
}

static gboolean stats_tick(gpointer data) {
  Studio *st = data;
  gint64 now = g_get_monotonic_time(), cpu = cpu_time_us();
  g_mutex_lock(&st->lock);
  guint64 frames = st->frames_pushed;
  g_mutex_unlock(&st->lock);
  if (st->stats_wall) {
    double dt = (now - st->stats_wall) / 1e6;
    guint64 df = frames - st->stats_frames;
    st->fps = dt > 0 ? df / dt : 0;
    st->cpu_percent = dt > 0 ? 100.0 * (cpu - st->stats_cpu_us) / 1e6 / dt : 0;
    st->cpu_ms_per_frame = df ? (cpu - st->stats_cpu_us) / 1e3 / df : 0;
  }
  st->stats_wall = now;
  st->stats_frames = frames;
  st->stats_cpu_us = cpu;
  st->render_ms = element_render_ms(st);
  if (st->ws_clients)
    send_or_broadcast(st, NULL, typed("stats", "stats", studio_stats_json(st)));
  return G_SOURCE_CONTINUE;
}

JsonNode *studio_stats_json(Studio *st) {
  JsonObject *o = json_object_new();
  g_mutex_lock(&st->lock);
  guint64 frames = st->frames_pushed, previews = st->jpeg_serial;
  g_mutex_unlock(&st->lock);
  json_object_set_double_member(o, "fps", round(st->fps * 10) / 10);
  json_object_set_int_member(o, "frames", (gint64)frames);
  json_object_set_int_member(o, "preview_frames", (gint64)previews);
  if (isfinite(st->render_ms))
    json_object_set_double_member(o, "render_ms",
                                  round(st->render_ms * 100) / 100);
  else
    json_object_set_null_member(o, "render_ms");
  json_object_set_double_member(o, "cpu_percent",
                                round(st->cpu_percent * 10) / 10);
  json_object_set_double_member(o, "cpu_ms_per_frame",
                                round(st->cpu_ms_per_frame * 100) / 100);
  json_object_set_int_member(o, "preview_clients",
                             g_list_length(st->mjpeg_clients));
  json_object_set_int_member(o, "ws_clients", g_list_length(st->ws_clients));
  if (st->latency_count)
    json_object_set_double_member(
        o, "preview_encode_ms",
        round(st->latency_sum_us / (double)st->latency_count / 10) / 100);
  JsonNode *n = json_node_new(JSON_NODE_OBJECT);
  json_node_take_object(n, o);
  return n;
}

/* ---- frames ---- */

static GstPadProbeReturn on_src_pad(GstPad *pad, GstPadProbeInfo *info,
                                    gpointer data) {
  Studio *st = data;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
    g_mutex_lock(&st->lock);
    FrameTime *t = &st->times[st->frames_pushed % G_N_ELEMENTS(st->times)];
    t->pts = GST_BUFFER_PTS(b);
    t->wall_us = g_get_real_time();
    st->frames_pushed++;
    g_mutex_unlock(&st->lock);
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *e = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(e) == GST_EVENT_CAPS) {
      GstCaps *caps;
      gst_event_parse_caps(e, &caps);
      g_mutex_lock(&st->lock);
      gst_caps_replace(&st->src_caps, caps);
      g_mutex_unlock(&st->lock);
      GST_INFO("caps %" GST_PTR_FORMAT, caps);
      mark_dirty(st, "model-caps");
    }
  }
  return GST_PAD_PROBE_OK;
}

/* When sg3src pushed the frame with this timestamp. */
static gint64 frame_wall_time(Studio *st, GstClockTime pts) {
  gint64 t = 0;
  for (guint i = 0; i < G_N_ELEMENTS(st->times); i++)
    if (st->times[i].pts == pts && st->times[i].wall_us)
      t = st->times[i].wall_us;
  return t;
}

static GstFlowReturn on_frame(GstAppSink *sink, gpointer data) {
  Studio *st = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s)
    return GST_FLOW_EOS;
  g_mutex_lock(&st->lock);
  if (st->last_frame)
    gst_sample_unref(st->last_frame);
  st->last_frame = s;
  g_mutex_unlock(&st->lock);
  return GST_FLOW_OK;
}

static gboolean deliver_jpeg(gpointer data) {
  Studio *st = data;
  g_mutex_lock(&st->lock);
  GstBuffer *b = st->last_jpeg ? gst_buffer_ref(st->last_jpeg) : NULL;
  guint64 serial = st->jpeg_serial;
  gint64 wall = b ? frame_wall_time(st, GST_BUFFER_PTS(b)) : 0;
  st->jpeg_idle_pending = FALSE;
  g_mutex_unlock(&st->lock);
  if (b) {
    if (wall) {
      st->latency_sum_us += g_get_real_time() - wall;
      st->latency_count++;
      if (st->latency_count > 300) { /* a moving average over ~10 s */
        st->latency_sum_us /= 2;
        st->latency_count /= 2;
      }
    }
    studio_web_new_jpeg(st, b, serial, wall);
    gst_buffer_unref(b);
  }
  return G_SOURCE_REMOVE;
}

static GstFlowReturn on_jpeg(GstAppSink *sink, gpointer data) {
  Studio *st = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s)
    return GST_FLOW_EOS;
  g_mutex_lock(&st->lock);
  gst_buffer_replace(&st->last_jpeg, gst_sample_get_buffer(s));
  st->jpeg_serial++;
  /* One pending delivery at most: a busy main loop skips frames. */
  if (!st->jpeg_idle_pending) {
    st->jpeg_idle_pending = TRUE;
    g_idle_add(deliver_jpeg, st);
  }
  g_mutex_unlock(&st->lock);
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

typedef struct {
  GByteArray *out;
} PngSink;

static void png_write_mem(png_structp png, png_bytep data, png_size_t len) {
  PngSink *s = png_get_io_ptr(png);
  g_byte_array_append(s->out, data, (guint)len);
}

static void png_flush_mem(png_structp png) {}

/* The last frame at the model's size as PNG (8-bit gray, RGB or RGBA). */
GBytes *studio_frame_png(Studio *st, char **error) {
  g_mutex_lock(&st->lock);
  GstSample *s = st->last_frame ? gst_sample_ref(st->last_frame) : NULL;
  g_mutex_unlock(&st->lock);
  if (!s) {
    *error = g_strdup("no frame yet");
    return NULL;
  }
  GstVideoInfo vi;
  GstVideoFrame f;
  if (!gst_video_info_from_caps(&vi, gst_sample_get_caps(s)) ||
      !gst_video_frame_map(&f, &vi, gst_sample_get_buffer(s), GST_MAP_READ)) {
    gst_sample_unref(s);
    *error = g_strdup("cannot read the frame");
    return NULL;
  }
  int type = GST_VIDEO_INFO_FORMAT(&vi) == GST_VIDEO_FORMAT_GRAY8
                 ? PNG_COLOR_TYPE_GRAY
             : GST_VIDEO_INFO_FORMAT(&vi) == GST_VIDEO_FORMAT_RGBA
                 ? PNG_COLOR_TYPE_RGBA
                 : PNG_COLOR_TYPE_RGB;
  PngSink sink = {g_byte_array_new()};
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  GBytes *result = NULL;
  if (png && info && !setjmp(png_jmpbuf(png))) {
    png_set_write_fn(png, &sink, png_write_mem, png_flush_mem);
    png_set_IHDR(png, info, GST_VIDEO_INFO_WIDTH(&vi),
                 GST_VIDEO_INFO_HEIGHT(&vi), 8, type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    guint8 *pix = GST_VIDEO_FRAME_PLANE_DATA(&f, 0);
    int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
    for (int y = 0; y < GST_VIDEO_INFO_HEIGHT(&vi); y++)
      png_write_row(png, pix + (gsize)y * stride);
    png_write_end(png, NULL);
    result = g_byte_array_free_to_bytes(sink.out);
    sink.out = NULL;
  } else {
    *error = g_strdup("PNG encoding failed");
  }
  png_destroy_write_struct(&png, &info);
  if (sink.out)
    g_byte_array_unref(sink.out);
  gst_video_frame_unmap(&f);
  gst_sample_unref(s);
  return result;
}

/* A fresh name in the save folder: sg3-20250101-120000-seed3.png, -2, ... */
static char *save_name(Studio *st, const char *ext) {
  if (g_mkdir_with_parents(st->save_dir, 0755) != 0)
    return NULL;
  GDateTime *now = g_date_time_new_now_local();
  char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  g_date_time_unref(now);
  guint seed = 0;
  if (g_object_class_find_property(st->src_class, "seed"))
    g_object_get(st->src, "seed", &seed, NULL);
  char *name = NULL;
  for (int i = 1; i < 1000 && !name; i++) {
    char *n = i == 1
                  ? g_strdup_printf("sg3-%s-seed%u.%s", stamp, seed, ext)
                  : g_strdup_printf("sg3-%s-seed%u-%d.%s", stamp, seed, i, ext);
    char *path = g_build_filename(st->save_dir, n, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
      name = n;
    else
      g_free(n);
    g_free(path);
  }
  g_free(stamp);
  return name;
}

/* g_file_set_contents writes a temporary file and renames it: a reader
 * never sees a half-written file. */
static gboolean save_bytes(Studio *st, const char *ext, GBytes *data,
                           char **name, int *code, char **error) {
  *name = save_name(st, ext);
  if (!*name) {
    *code = 500;
    *error = g_strdup_printf("cannot create the save folder %s", st->save_dir);
    return FALSE;
  }
  char *path = g_build_filename(st->save_dir, *name, NULL);
  gsize n;
  const char *d = g_bytes_get_data(data, &n);
  GError *err = NULL;
  gboolean ok = g_file_set_contents_full(
      path, d, (gssize)n, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err);
  if (!ok) {
    *code = 500;
    *error = g_strdup(err->message);
    g_error_free(err);
    g_clear_pointer(name, g_free);
  } else {
    g_print("%s: saved %s\n", prog, path);
  }
  g_free(path);
  return ok;
}

gboolean studio_save_png(Studio *st, char **name, int *code, char **error) {
  GBytes *png = studio_frame_png(st, error);
  if (!png) {
    *code = 503;
    return FALSE;
  }
  gboolean ok = save_bytes(st, "png", png, name, code, error);
  g_bytes_unref(png);
  return ok;
}

static gboolean get_int_prop(Studio *st, const char *name, int *out) {
  GParamSpec *p = g_object_class_find_property(st->src_class, name);
  if (!p || !(p->flags & G_PARAM_READABLE))
    return FALSE;
  GValue v = G_VALUE_INIT, i = G_VALUE_INIT;
  g_value_init(&v, G_PARAM_SPEC_VALUE_TYPE(p));
  g_value_init(&i, G_TYPE_INT);
  g_object_get_property(G_OBJECT(st->src), name, &v);
  gboolean ok = g_value_transform(&v, &i);
  *out = g_value_get_int(&i);
  g_value_unset(&v);
  return ok;
}

/* The w of the last rendered frame, from sg3src's last-ws (float32 in the
 * machine's byte order, [num_ws, w_dim]), as a little-endian numpy .npy of
 * shape [1, num_ws, w_dim]: what the official projector stores as
 * projected_w.npz's 'w'. */
/* last-ws alone is not enough: its bytes are num_ws * w_dim floats, and the
 * .npy needs the two. */
gboolean studio_can_save_w(Studio *st) {
  GParamSpec *p = g_object_class_find_property(st->src_class, "last-ws");
  int n;
  return p && G_PARAM_SPEC_VALUE_TYPE(p) == G_TYPE_BYTES &&
         (p->flags & G_PARAM_READABLE) &&
         get_int_prop(st, "model-num-ws", &n) &&
         get_int_prop(st, "model-w-dim", &n);
}

gboolean studio_save_w(Studio *st, char **name, int *code, char **error) {
  if (!studio_can_save_w(st)) {
    *code = 501;
    *error = g_strdup_printf(
        "%s cannot give the w of a frame: it needs the properties last-ws "
        "(GBytes), model-num-ws and model-w-dim (int)",
        st->element);
    return FALSE;
  }
  int num_ws = 0, w_dim = 0;
  GBytes *ws = NULL;
  g_object_get(st->src, "last-ws", &ws, NULL);
  if (!get_int_prop(st, "model-num-ws", &num_ws) ||
      !get_int_prop(st, "model-w-dim", &w_dim) || num_ws <= 0 || w_dim <= 0 ||
      !ws ||
      g_bytes_get_size(ws) != (gsize)num_ws * (gsize)w_dim * sizeof(float)) {
    if (ws)
      g_bytes_unref(ws);
    *code = 503;
    *error = g_strdup("no w yet: no frame rendered");
    return FALSE;
  }
  *name = save_name(st, "npy");
  if (!*name) {
    g_bytes_unref(ws);
    *code = 500;
    *error = g_strdup_printf("cannot create the save folder %s", st->save_dir);
    return FALSE;
  }
  /* npy_write_f32 writes in place: write a hidden temporary file in the
   * same folder and rename it. */
  char *path = g_build_filename(st->save_dir, *name, NULL);
  char *tmp = g_strdup_printf("%s/.%s.part", st->save_dir, *name);
  size_t shape[3] = {1, (size_t)num_ws, (size_t)w_dim};
  gsize n;
  const float *src = g_bytes_get_data(ws, &n);
  float *data = g_memdup2(src, n); /* aligned copy */
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize k = 0; k < n / 4; k++) {
    guint32 u;
    memcpy(&u, data + k, 4);
    u = GUINT32_SWAP_LE_BE(u);
    memcpy(data + k, &u, 4);
  }
#endif
  gboolean ok = npy_write_f32(tmp, data, 3, shape) == 0 && !g_rename(tmp, path);
  if (!ok) {
    g_unlink(tmp);
    *code = 500;
    *error = g_strdup_printf("cannot write %s", path);
    g_clear_pointer(name, g_free);
  } else {
    g_print("%s: saved %s\n", prog, path);
  }
  g_free(data);
  g_free(tmp);
  g_free(path);
  g_bytes_unref(ws);
  return ok;
}

/* ---- RTSP ---- */

#ifdef HAVE_RTSP
static void on_media_unprepared(GstRTSPMedia *media, gpointer data) {
  Studio *st = data;
  g_mutex_lock(&st->lock);
  g_clear_object(&st->rtsp_appsrc);
  g_mutex_unlock(&st->lock);
  g_print("%s: rtsp: no clients\n", prog);
}

static void on_media_configure(GstRTSPMediaFactory *f, GstRTSPMedia *media,
                               gpointer data) {
  Studio *st = data;
  GstElement *top = gst_rtsp_media_get_element(media);
  GstElement *src = gst_bin_get_by_name(GST_BIN(top), "studio");
  gst_object_unref(top);
  g_mutex_lock(&st->lock);
  g_clear_object(&st->rtsp_appsrc);
  st->rtsp_appsrc = src;
  g_mutex_unlock(&st->lock);
  g_signal_connect(media, "unprepared", G_CALLBACK(on_media_unprepared), st);
  g_print("%s: rtsp: client watching\n", prog);
}

static GstFlowReturn on_rtsp_sample(GstAppSink *sink, gpointer data) {
  Studio *st = data;
  GstSample *s = gst_app_sink_pull_sample(sink);
  if (!s)
    return GST_FLOW_EOS;
  g_mutex_lock(&st->lock);
  GstElement *src = st->rtsp_appsrc ? gst_object_ref(st->rtsp_appsrc) : NULL;
  g_mutex_unlock(&st->lock);
  if (src) {
    GstBuffer *b = gst_buffer_copy(gst_sample_get_buffer(s));
    /* the shared media has its own clock: appsrc do-timestamp stamps it */
    GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = GST_CLOCK_TIME_NONE;
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
    gst_object_unref(src);
  }
  gst_sample_unref(s);
  return GST_FLOW_OK;
}

static void start_rtsp(Studio *st) {
  GstRTSPServer *server = gst_rtsp_server_new();
  char *service = g_strdup_printf("%d", st->rtsp_port);
  gst_rtsp_server_set_address(server, st->address);
  gst_rtsp_server_set_service(server, service);
  g_free(service);
  int key = MAX(1, (st->fps_n + st->fps_d - 1) / st->fps_d);
  char *launch = g_strdup_printf(
      "( appsrc name=studio is-live=true format=time do-timestamp=true "
      "max-bytes=4000000 block=false caps=video/x-raw,format=I420,width=%d,"
      "height=%d,framerate=%d/%d,pixel-aspect-ratio=1/1"
      " ! queue max-size-buffers=2 max-size-time=0 max-size-bytes=0"
      " ! x264enc tune=zerolatency sliced-threads=false threads=2"
      " speed-preset=superfast bitrate=2000 key-int-max=%d"
      " ! rtph264pay name=pay0 pt=96 config-interval=-1 )",
      st->video_size, st->video_size, st->fps_n, st->fps_d, key);
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launch);
  gst_rtsp_media_factory_set_shared(factory, TRUE);
  g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure),
                   st);
  g_free(launch);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, "/sg3", factory);
  g_object_unref(mounts);
  GError *err = NULL;
  GSource *source = gst_rtsp_server_create_source(server, NULL, &err);
  if (!source)
    die("--rtsp %d: cannot listen: %s", st->rtsp_port, err->message);
  st->rtsp_source = g_source_attach(source, NULL);
  g_source_unref(source);
  st->rtsp_server = G_OBJECT(server);
  const char *host = strchr(st->address, ':') ? "[::1]" : st->address;
  if (!strcmp(st->address, "0.0.0.0") || !strcmp(st->address, "::"))
    host = "127.0.0.1";
  g_print("rtsp://%s:%d/sg3\n", host, gst_rtsp_server_get_bound_port(server));
}

static GstRTSPFilterResult close_client(GstRTSPServer *s, GstRTSPClient *c,
                                        gpointer d) {
  return GST_RTSP_FILTER_REMOVE;
}

static void stop_rtsp(Studio *st) {
  if (!st->rtsp_server)
    return;
  gst_rtsp_server_client_filter(GST_RTSP_SERVER(st->rtsp_server), close_client,
                                NULL);
  g_source_remove(st->rtsp_source);
  g_clear_object(&st->rtsp_server);
}
#endif

/* ---- the pipeline ---- */

static gboolean on_bus(GstBus *bus, GstMessage *m, gpointer data) {
  Studio *st = data;
  switch (GST_MESSAGE_TYPE(m)) {
  case GST_MESSAGE_ERROR:
  case GST_MESSAGE_WARNING: {
    GError *e = NULL;
    char *dbg = NULL;
    gboolean error = GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR;
    if (error)
      gst_message_parse_error(m, &e, &dbg);
    else
      gst_message_parse_warning(m, &e, &dbg);
    GST_DEBUG("%s", dbg ? dbg : "");
    studio_log_client(st, error ? "error" : "warning", "%s from %s: %s",
                      error ? "error" : "warning",
                      GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), e->message);
    g_error_free(e);
    g_free(dbg);
    if (error) {
      st->exit_code = 1;
      g_main_loop_quit(st->loop);
    }
    break;
  }
  case GST_MESSAGE_EOS:
    g_printerr("%s: the stream ended\n", prog);
    g_main_loop_quit(st->loop);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static void parse_fps(const char *s, int *num, int *den) {
  if (parse_fps_arg(s, num, den))
    die(FPS_ARG_ERROR, s);
}

/* --set PROP=VALUE: checked against the type and range like
 * sg3-rtsp-server's options. */
static void apply_set(Studio *st, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    die("--set %s: expected PROPERTY=VALUE", arg);
  char *name = g_strndup(arg, eq - arg);
  GParamSpec *p = g_object_class_find_property(st->src_class, name);
  if (!p || !(p->flags & G_PARAM_WRITABLE))
    die("--set %s: %s has no writable property '%s'", arg, st->element, name);
  if (!strcmp(name, "model"))
    die("--set model=...: use --model");
  GValue v = G_VALUE_INIT;
  g_value_init(&v, p->value_type);
  gboolean negative_unsigned =
      (G_IS_PARAM_SPEC_UINT(p) || G_IS_PARAM_SPEC_UINT64(p)) &&
      strchr(eq + 1, '-');
  if (negative_unsigned || !gst_value_deserialize_with_pspec(&v, eq + 1, p))
    die("--set %s: invalid value for %s (%s)", arg, name,
        g_type_name(p->value_type));
  GValue checked = G_VALUE_INIT;
  g_value_init(&checked, p->value_type);
  g_value_copy(&v, &checked);
  if (g_param_value_validate(p, &checked))
    die("--set %s: out of range", arg);
  g_value_unset(&checked);
  g_object_set_property(G_OBJECT(st->src), name, &v);
  g_value_unset(&v);
  g_free(name);
}

static gboolean valid_element_name(const char *s) {
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum(*s) && *s != '-' && *s != '_')
      return FALSE;
  return TRUE;
}

static void build_pipeline(Studio *st, char **sets, const char *model) {
  if (!valid_element_name(st->element))
    die("--element %s: expected an element factory name", st->element);
  GstElementFactory *f = gst_element_factory_find(st->element);
  if (!f)
    die("no element '%s': build the plugin (ninja -C build) or set "
        "GST_PLUGIN_PATH to the directory of libgstsg3.so",
        st->element);
  gst_object_unref(f);
  for (const char *e = "tee\0queue\0videoconvert\0videoscale\0jpegenc\0"
                       "appsink\0";
       *e; e += strlen(e) + 1) {
    GstElementFactory *ef = gst_element_factory_find(e);
    if (!ef)
      die("no element '%s' (install gstreamer1.0-plugins-base and -good)", e);
    gst_object_unref(ef);
  }

  GString *l = g_string_new("");
  g_string_append_printf(
      l,
      "%s name=src is-live=true ! video/x-raw,framerate=%d/%d"
      " ! tee name=t",
      st->element, st->fps_n, st->fps_d);
  const char *leaky = "queue leaky=downstream max-size-buffers=1 "
                      "max-size-bytes=0 max-size-time=0";
  /* the frame at the model's size, for PNGs */
  g_string_append_printf(
      l,
      " t. ! %s ! videoconvert ! video/x-raw,format={GRAY8,RGB,RGBA}"
      " ! appsink name=frame sync=false max-buffers=1 drop=true",
      leaky);
  /* the preview */
  g_string_append_printf(l, " t. ! %s", leaky);
  if (st->preview_size > 0)
    g_string_append_printf(l,
                           " ! videoscale method=%s ! video/x-raw,width=%d,"
                           "height=%d,pixel-aspect-ratio=1/1",
                           st->preview_scale, st->preview_size,
                           st->preview_size);
  g_string_append_printf(
      l,
      " ! videoconvert ! video/x-raw,format=I420 ! jpegenc quality=%d"
      " ! appsink name=jpeg sync=false max-buffers=1 drop=true",
      st->quality);
  char *fixed = g_strdup_printf(
      "videoscale method=lanczos ! video/x-raw,width=%d,height=%d,"
      "pixel-aspect-ratio=1/1 ! videoconvert ! video/x-raw,format=I420",
      st->video_size, st->video_size);
  if (st->rtsp_port >= 0)
    g_string_append_printf(
        l,
        " t. ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 "
        "max-size-time=0 ! %s ! appsink name=rtsp sync=false max-buffers=2 "
        "drop=true",
        fixed);
  if (st->record) {
    char *part = g_strdup_printf("%s.part", st->record);
    char *loc = g_strescape(part, NULL);
    int key = MAX(1, (st->fps_n + st->fps_d - 1) / st->fps_d);
    g_string_append_printf(
        l,
        " t. ! queue max-size-buffers=0 max-size-bytes=0 "
        "max-size-time=2000000000 leaky=downstream ! %s ! x264enc "
        "tune=zerolatency speed-preset=superfast threads=2 key-int-max=%d"
        " ! h264parse ! mp4mux name=mux ! filesink name=rec location=\"%s\"",
        fixed, key, loc);
    g_free(loc);
    g_free(part);
  }
  g_free(fixed);
#ifdef HAVE_MUSIC
  if (st->audio) {
    char *err = NULL;
    char *audio = sg3_audio_react_launch(st->audio_spec, "audio",
                                         st->audio_monitor, &err);
    if (!audio)
      die("--audio: %s", err);
    g_string_append_printf(l, " %s", audio);
    g_free(audio);
  }
#endif
  GST_INFO("pipeline: %s", l->str);
  GError *err = NULL;
  st->pipeline =
      gst_parse_launch_full(l->str, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (!st->pipeline)
    die("cannot build the pipeline: %s", err->message);
  g_string_free(l, TRUE);

  st->src = gst_bin_get_by_name(GST_BIN(st->pipeline), "src");
  st->src_class = G_OBJECT_GET_CLASS(st->src);
  if (st->audio) /* walk-speed moves walks (--set animation=none stops it) */
    g_object_set(st->src, "animation", 1, NULL);
  for (char **s = sets; s && *s; s++)
    apply_set(st, *s);
  if (model) {
    char *path;
    if (strchr(model, '/') || !st->models_dir)
      path = g_strdup(model);
    else
      path = g_build_filename(st->models_dir, model, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
      die("--model %s: no such file", path);
    g_object_set(st->src, "model", path, NULL);
    g_free(path);
  }

  GstPad *pad = gst_element_get_static_pad(st->src, "src");
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_src_pad, st, NULL);
  gst_object_unref(pad);

  GstAppSinkCallbacks frame_cb = {.new_sample = on_frame};
  GstElement *frame = gst_bin_get_by_name(GST_BIN(st->pipeline), "frame");
  gst_app_sink_set_callbacks(GST_APP_SINK(frame), &frame_cb, st, NULL);
  gst_object_unref(frame);
  GstAppSinkCallbacks jpeg_cb = {.new_sample = on_jpeg};
  GstElement *jpeg = gst_bin_get_by_name(GST_BIN(st->pipeline), "jpeg");
  gst_app_sink_set_callbacks(GST_APP_SINK(jpeg), &jpeg_cb, st, NULL);
  gst_object_unref(jpeg);
#ifdef HAVE_RTSP
  if (st->rtsp_port >= 0) {
    GstAppSinkCallbacks rtsp_cb = {.new_sample = on_rtsp_sample};
    GstElement *r = gst_bin_get_by_name(GST_BIN(st->pipeline), "rtsp");
    gst_app_sink_set_callbacks(GST_APP_SINK(r), &rtsp_cb, st, NULL);
    gst_object_unref(r);
  }
#endif
}

/* Starts the pipeline; a model that does not load is reported now. */
static void start_pipeline(Studio *st) {
  GstBus *bus = gst_element_get_bus(st->pipeline);
  GstStateChangeReturn r =
      gst_element_set_state(st->pipeline, GST_STATE_PLAYING);
  if (r == GST_STATE_CHANGE_ASYNC)
    r = gst_element_get_state(st->pipeline, NULL, NULL, 60 * GST_SECOND);
  GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (r == GST_STATE_CHANGE_FAILURE || m) {
    char *text = g_strdup("the pipeline does not start");
    if (m) {
      GError *e = NULL;
      char *dbg = NULL;
      gst_message_parse_error(m, &e, &dbg);
      g_free(text);
      text = g_strdup(e->message);
      g_error_free(e);
      g_free(dbg);
    }
    die("%s", text);
  }
  gst_bus_add_watch(bus, on_bus, st);
  gst_object_unref(bus);
}

/* EOS through every branch, so that the recording's muxer writes its index;
 * then FILE.part becomes FILE. */
static void stop_pipeline(Studio *st) {
  if (st->record) {
    gst_element_send_event(st->pipeline, gst_event_new_eos());
    GstBus *bus = gst_element_get_bus(st->pipeline);
    GstMessage *m = gst_bus_timed_pop_filtered(
        bus, 20 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    gboolean ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (m)
      gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(st->pipeline, GST_STATE_NULL);
    char *part = g_strdup_printf("%s.part", st->record);
    if (ok && !g_rename(part, st->record))
      g_print("%s: recorded %s\n", prog, st->record);
    else
      g_printerr("%s: the recording was not finished properly; the partial "
                 "file is %s\n",
                 prog, part);
    g_free(part);
  } else {
    gst_element_set_state(st->pipeline, GST_STATE_NULL);
  }
}

/* ---- main ---- */

static Studio *the_studio; /* for the --audio callback */

static gboolean on_audio_option(const gchar *name, const gchar *value,
                                gpointer data, GError **error) {
  the_studio->audio = TRUE;
  g_free(the_studio->audio_spec);
  the_studio->audio_spec = g_strdup(value);
  return TRUE;
}

static gboolean on_signal(gpointer data) {
  Studio *st = data;
  g_main_loop_quit(st->loop);
  return G_SOURCE_REMOVE;
}

static gboolean is_loopback(const char *address) {
  GInetAddress *a = g_inet_address_new_from_string(address);
  gboolean lo = a && g_inet_address_get_is_loopback(a);
  if (a)
    g_object_unref(a);
  return lo;
}

static char *new_token(void) {
  guint8 b[16];
  if (getrandom(b, sizeof b, 0) != sizeof b)
    die("cannot get random bytes for the token");
  GString *s = g_string_new("");
  for (guint i = 0; i < sizeof b; i++)
    g_string_append_printf(s, "%02x", b[i]);
  return g_string_free(s, FALSE);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  Studio *st = g_new0(Studio, 1);
  st->address = g_strdup("127.0.0.1");
  st->port = 8080;
  st->osc_address = g_strdup("127.0.0.1");
  st->osc_port = 9000;
  st->save_dir = g_strdup("sg3-studio-saves");
  st->preview_size = 512;
  st->preview_scale = g_strdup("lanczos");
  st->quality = 85;
  st->rtsp_port = -1;
  st->video_size = 512;
  st->max_clients = 16;
  st->element = g_strdup("sg3src");
  char *fps = g_strdup("30"), *models = NULL, *model = NULL, **sets = NULL;
  gboolean no_osc = FALSE, require_token = FALSE;
  the_studio = st;
  char *audio_preset = g_strdup("default");
  double audio_pulse = NAN, audio_base = NAN, audio_strength = NAN;
  gboolean audio_class = FALSE, audio_no_monitor = FALSE;

  GOptionEntry entries[] = {
      {"address", 'a', 0, G_OPTION_ARG_STRING, &st->address,
       "address of the web page (default 127.0.0.1; any other needs the "
       "token printed at start)",
       "ADDR"},
      {"port", 'p', 0, G_OPTION_ARG_INT, &st->port,
       "TCP port of the web page (default 8080; 0: any free port)", "PORT"},
      {"token", 0, 0, G_OPTION_ARG_NONE, &require_token,
       "require the token on loopback too", NULL},
      {"models", 'm', 0, G_OPTION_ARG_FILENAME, &models,
       "folder whose .pkl/.safetensors files the model picker offers", "DIR"},
      {"model", 0, 0, G_OPTION_ARG_FILENAME, &model,
       "model to start with (a file in --models or a path; default: the "
       "built-in demo model)",
       "FILE"},
      {"save-dir", 0, 0, G_OPTION_ARG_FILENAME, &st->save_dir,
       "where \"save PNG\" and \"save w\" write (default ./sg3-studio-saves)",
       "DIR"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
       "start with this sg3src property value (repeatable)", "PROP=VALUE"},
      {"fps", 'r', 0, G_OPTION_ARG_STRING, &fps,
       "frame rate (default 30; 29.97 or 30000/1001 work too)", "RATE"},
      {"preview-size", 0, 0, G_OPTION_ARG_INT, &st->preview_size,
       "preview width and height (default 512; 0: the model's size)", "N"},
      {"preview-scale-method", 0, 0, G_OPTION_ARG_STRING, &st->preview_scale,
       "videoscale method of the preview (default lanczos)", "METHOD"},
      {"quality", 0, 0, G_OPTION_ARG_INT, &st->quality,
       "JPEG quality of the preview (default 85)", "Q"},
      {"max-clients", 0, 0, G_OPTION_ARG_INT, &st->max_clients,
       "most preview streams and most WebSockets at once (default 16 each)",
       "N"},
      {"osc-port", 0, 0, G_OPTION_ARG_INT, &st->osc_port,
       "UDP port for OSC (default 9000; 0: any free port)", "PORT"},
      {"osc-address", 0, 0, G_OPTION_ARG_STRING, &st->osc_address,
       "address for OSC (default 127.0.0.1)", "ADDR"},
      {"osc-send", 0, 0, G_OPTION_ARG_STRING, &st->osc_send,
       "send every change to this OSC controller", "HOST:PORT"},
      {"no-osc", 0, 0, G_OPTION_ARG_NONE, &no_osc, "no OSC", NULL},
      {"rtsp", 0, 0, G_OPTION_ARG_INT, &st->rtsp_port,
       "also serve rtsp://ADDR:PORT/sg3 (H.264) from the same generator",
       "PORT"},
      {"record", 0, 0, G_OPTION_ARG_FILENAME, &st->record,
       "also record the session to this MP4 (H.264); finished on quit", "FILE"},
      {"video-size", 0, 0, G_OPTION_ARG_INT, &st->video_size,
       "width and height of --rtsp and --record (default 512)", "N"},
      {"element", 0, 0, G_OPTION_ARG_STRING, &st->element,
       "the source element (default sg3src)", "NAME"},
      {"audio", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
       (gpointer)on_audio_option,
       "sound drives pulse and walk-speed: the default input, pulse:NAME, "
       "alsa:DEVICE or a file (played in real time)",
       "[DEVICE|FILE]"},
      {"audio-preset", 0, 0, G_OPTION_ARG_STRING, &audio_preset,
       "calm, default or energetic (as sg3-music)", "NAME"},
      {"audio-pulse", 0, 0, G_OPTION_ARG_DOUBLE, &audio_pulse,
       "pulse at a full beat (default 1; pulse-psi sets its effect)", "X"},
      {"audio-speed-base", 0, 0, G_OPTION_ARG_DOUBLE, &audio_base,
       "walk speed in silence, keyframes per second (default 0.1)", "V"},
      {"audio-speed-strength", 0, 0, G_OPTION_ARG_DOUBLE, &audio_strength,
       "walk speed added at full sustained energy (default 0.6)", "V"},
      {"audio-class", 0, 0, G_OPTION_ARG_NONE, &audio_class,
       "conditional models: the class follows the dominant pitch class", NULL},
      {"no-monitor", 0, 0, G_OPTION_ARG_NONE, &audio_no_monitor,
       "do not play an --audio file through autoaudiosink", NULL},
      {NULL}};
  GOptionContext *ctx = g_option_context_new("- live control page for sg3src");
  g_option_context_set_summary(
      ctx, "Runs sg3src and serves a page with a live preview and a control "
           "for every property, plus OSC on every property.");
  g_option_context_set_description(
      ctx, "Open the printed URL. Stop with Ctrl-C (SIGINT) or SIGTERM.\n");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError *err = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &err))
    die("%s", err->message);
  g_option_context_free(ctx);
  if (st->audio && !st->audio_spec && argc == 2) /* --audio FILE */
    st->audio_spec = g_strdup(argv[--argc]);
  if (argc > 1)
    die("unexpected argument '%s' (see --help)", argv[1]);
#ifdef HAVE_MUSIC
  Sg3MusicMapping audio_map;
  sg3_music_mapping_init(&audio_map);
  if (!sg3_music_mapping_preset(&audio_map, audio_preset))
    die("--audio-preset %s: expected calm, default or energetic", audio_preset);
  if (!isnan(audio_pulse))
    audio_map.pulse_gain = audio_pulse;
  if (!isnan(audio_base))
    audio_map.speed_base = audio_base;
  if (!isnan(audio_strength))
    audio_map.speed_gain = audio_strength;
  if (!(audio_map.pulse_gain >= 0 && audio_map.pulse_gain <= 100))
    die("--audio-pulse: expected 0 to 100");
  if (!(audio_map.speed_base >= 0 && audio_map.speed_gain >= 0 &&
        audio_map.speed_base + audio_map.speed_gain <= 1000))
    die("--audio-speed-base, --audio-speed-strength: expected 0 to 1000 "
        "keyframes per second");
  st->audio_monitor = !audio_no_monitor;
#else
  if (st->audio)
    die("--audio: built without the audio analysis (gstreamer-fft, "
        "-controller)");
#endif
  GST_DEBUG_CATEGORY_INIT(sg3_studio_debug, "sg3-studio", 0, "sg3-studio");

  if (st->port < 0 || st->port > 65535)
    die("--port %d: expected 0 to 65535", st->port);
  if (no_osc)
    st->osc_port = -1;
  else if (st->osc_port < 0 || st->osc_port > 65535)
    die("--osc-port %d: expected 0 to 65535", st->osc_port);
  if (st->rtsp_port != -1 && (st->rtsp_port < 0 || st->rtsp_port > 65535))
    die("--rtsp %d: expected 0 to 65535", st->rtsp_port);
#ifndef HAVE_RTSP
  if (st->rtsp_port >= 0)
    die("--rtsp: built without gst-rtsp-server");
#endif
  if (st->preview_size != 0 &&
      (st->preview_size < 16 || st->preview_size > 4096 ||
       st->preview_size % 2))
    die("--preview-size %d: expected an even number from 16 to 4096 (or 0)",
        st->preview_size);
  if (st->video_size < 16 || st->video_size > 4096 || st->video_size % 2)
    die("--video-size %d: expected an even number from 16 to 4096",
        st->video_size);
  if (st->quality < 1 || st->quality > 100)
    die("--quality %d: expected 1 to 100", st->quality);
  if (st->max_clients < 1 || st->max_clients > 1000)
    die("--max-clients %d: expected 1 to 1000", st->max_clients);
  if (!strcmp(st->address, "localhost"))
    g_free(st->address), st->address = g_strdup("127.0.0.1");
  if (!g_hostname_is_ip_address(st->address))
    die("--address %s: expected an IP address", st->address);
  if (!strcmp(st->osc_address, "localhost"))
    g_free(st->osc_address), st->osc_address = g_strdup("127.0.0.1");
  if (!g_hostname_is_ip_address(st->osc_address))
    die("--osc-address %s: expected an IP address", st->osc_address);
  parse_fps(fps, &st->fps_n, &st->fps_d);
  if (models) {
    st->models_dir = realpath(models, NULL);
    if (!st->models_dir || !g_file_test(st->models_dir, G_FILE_TEST_IS_DIR))
      die("--models %s: not a folder", models);
  }
  if (st->record) {
    if (!*st->record || g_file_test(st->record, G_FILE_TEST_IS_DIR))
      die("--record %s: expected a file name", st->record);
    for (const char *e = "x264enc\0h264parse\0mp4mux\0"; *e;
         e += strlen(e) + 1) {
      GstElementFactory *ef = gst_element_factory_find(e);
      if (!ef)
        die("--record: no element '%s' (install gstreamer1.0-plugins-ugly "
            "and -good)",
            e);
      gst_object_unref(ef);
    }
  }
  GstElementFactory *vs = gst_element_factory_find("videoscale");
  if (vs) {
    GstElement *e = gst_element_factory_create(vs, NULL);
    GParamSpec *p =
        g_object_class_find_property(G_OBJECT_GET_CLASS(e), "method");
    GValue v = G_VALUE_INIT;
    g_value_init(&v, p->value_type);
    if (!gst_value_deserialize(&v, st->preview_scale))
      die("--preview-scale-method %s: not a videoscale method",
          st->preview_scale);
    g_value_unset(&v);
    gst_object_unref(e);
    gst_object_unref(vs);
  }
  if (require_token || !is_loopback(st->address))
    st->token = new_token();

  g_mutex_init(&st->lock);
  st->dirty = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  st->last_sent =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  st->loop = g_main_loop_new(NULL, FALSE);

  build_pipeline(st, sets, model);
  g_signal_connect(st->src, "notify", G_CALLBACK(on_notify), st);
#ifdef HAVE_MUSIC
  if (st->audio)
    st->audio_react =
        sg3_audio_react_new(st->pipeline, "audio", st->src, &audio_map);
#endif
  start_pipeline(st);
#ifdef HAVE_MUSIC
  if (st->audio && audio_class) {
    int classes = 0;
    if (!get_int_prop(st, "model-classes", &classes))
      g_printerr("%s: --audio-class: %s does not tell the model's classes "
                 "(model-classes); no class from the pitch\n",
                 prog, st->element);
    else if (classes <= 0)
      g_printerr("%s: --audio-class: the model has no classes\n", prog);
    audio_map.classes = MAX(classes, 0);
    sg3_audio_react_set_mapping(st->audio_react, &audio_map);
  }
  if (st->audio)
    g_print("%s: audio from %s\n", prog,
            st->audio_spec ? st->audio_spec : "the default input");
#endif
  /* what the page starts from */
  {
    JsonNode *s = studio_state_json(st);
    JsonObject *o = json_node_get_object(s);
    GList *names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next) {
      JsonNode *v = json_node_copy(json_object_get_member(o, l->data));
      g_hash_table_replace(st->last_sent, g_strdup(l->data),
                           studio_json_to_string(v));
    }
    g_list_free(names);
    json_node_unref(s);
  }

  if (!studio_web_start(st, &err))
    die("cannot listen on %s port %d: %s", st->address, st->port, err->message);
  if (st->osc_port >= 0 && !studio_osc_start(st, &err))
    die("OSC: %s", err->message);
#ifdef HAVE_RTSP
  if (st->rtsp_port >= 0)
    start_rtsp(st);
#endif
  if (st->record)
    g_print("%s: recording to %s\n", prog, st->record);

  g_timeout_add(1000, stats_tick, st);
  g_unix_signal_add(SIGINT, on_signal, st);
  g_unix_signal_add(SIGTERM, on_signal, st);

  const char *host = st->address;
  char *bracketed = NULL;
  if (!strcmp(host, "0.0.0.0"))
    host = "127.0.0.1";
  else if (!strcmp(host, "::"))
    host = "[::1]";
  else if (strchr(host, ':'))
    host = bracketed = g_strdup_printf("[%s]", host);
  if (st->token) {
    g_print("%s: token %s (needed on every request: ?token=, the cookie the "
            "first page sets, or Authorization: Bearer)\n",
            prog, st->token);
    g_print("http://%s:%u/?token=%s\n", host, st->bound_port, st->token);
  } else {
    g_print("http://%s:%u/\n", host, st->bound_port);
  }
  g_free(bracketed);

  g_main_loop_run(st->loop);

  g_print("%s: shutting down\n", prog);
  studio_osc_stop(st);
  studio_web_stop(st);
#ifdef HAVE_RTSP
  stop_rtsp(st);
#endif
  stop_pipeline(st);
#ifdef HAVE_MUSIC
  sg3_audio_react_free(st->audio_react);
#endif
  gst_object_unref(st->src);
  gst_object_unref(st->pipeline);
  int code = st->exit_code;
  return code;
}
