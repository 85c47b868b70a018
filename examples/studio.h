/* sg3-studio: shared state of the control surface (sg3-studio.c), its
 * property layer (studio-props.c), web server (studio-web.c) and OSC
 * endpoint (studio-osc.c).
 *
 * Threads: everything here belongs to the main loop, except the fields
 * marked "under lock", which the streaming threads write too. */
#ifndef SG3_STUDIO_H
#define SG3_STUDIO_H

#include <gio/gio.h>
#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

GST_DEBUG_CATEGORY_EXTERN(sg3_studio_debug);
#define GST_CAT_DEFAULT sg3_studio_debug

#define STUDIO_MAX_BODY (64 * 1024)       /* request bodies */
#define STUDIO_MAX_WS_MESSAGE (64 * 1024) /* incoming WebSocket messages */
#define STUDIO_MAX_OSC_PACKET 8192        /* larger datagrams are refused */

typedef struct {
  GstClockTime pts;
  gint64 wall_us; /* g_get_real_time() when sg3src pushed the frame */
} FrameTime;

typedef struct Studio {
  /* Options. */
  char *address;
  int port;
  char *osc_address;
  int osc_port; /* -1: no OSC */
  char *osc_send;
  char *models_dir; /* realpath, or NULL: only the built-in model */
  char *save_dir;
  int preview_size; /* 0: the model's size */
  char *preview_scale;
  int quality;
  int fps_n, fps_d;
  int rtsp_port; /* -1: no RTSP */
  char *record;  /* final name; the pipeline writes record.part */
  int video_size;
  int max_clients; /* per kind: preview streams, WebSockets */
  char *token;     /* NULL: no token needed (loopback) */
  char *element;   /* factory name, sg3src */
  /* --audio: sound drives pulse and walk-speed (music-live.h) */
  gboolean audio, audio_monitor;
  char *audio_spec; /* NULL: the default input; a file, pulse:, alsa: */
  gpointer audio_react;

  GMainLoop *loop;
  int exit_code;
  GstElement *pipeline, *src;
  GObjectClass *src_class;

  /* Under lock. */
  GMutex lock;
  GstSample *last_frame; /* native size, GRAY8/RGB/RGBA */
  GstBuffer *last_jpeg;
  guint64 jpeg_serial;   /* counts preview frames */
  guint64 frames_pushed; /* counted at sg3src's src pad */
  FrameTime times[64];   /* ring, by frame count */
  GstCaps *src_caps;     /* negotiated */
  gboolean jpeg_idle_pending;
  GHashTable *dirty; /* property names changed since the last push */
  guint dirty_idle;

  /* Main loop only. */
  guint64 jpeg_sent_serial;
  GHashTable *last_sent; /* name -> serialized JSON of the value pushed */
  gboolean model_loading;
  /* stats */
  gint64 stats_wall;
  guint64 stats_frames;
  gint64 stats_cpu_us;
  double fps, cpu_percent, cpu_ms_per_frame, render_ms;
  gint64 latency_sum_us;
  guint latency_count;

  /* Web. */
  SoupServer *server;
  guint bound_port;
  GList *ws_clients;    /* SoupWebsocketConnection */
  GList *mjpeg_clients; /* MjpegClient */

  /* OSC. */
  GSocket *osc_sock;
  GSource *osc_source;
  GSocketAddress *osc_target;
  guint osc_bound_port;

  /* RTSP. */
  GObject *rtsp_server;    /* GstRTSPServer */
  GstElement *rtsp_appsrc; /* under lock */
  guint rtsp_source;
} Studio;

/* studio-props.c */
gboolean studio_prop_exposed(GParamSpec *p);
gboolean studio_prop_settable(GParamSpec *p);
GParamSpec *studio_find_prop(Studio *st, const char *name);
JsonNode *studio_describe_props(Studio *st);
JsonNode *studio_value_to_json(Studio *st, GParamSpec *p, const GValue *v);
JsonNode *studio_get_json(Studio *st, GParamSpec *p);
JsonNode *studio_state_json(Studio *st); /* {name: value} of every exposed */
/* Sets NAME from a JSON value (numbers are clamped to the range, with a log
 * line). Returns FALSE with a message (and HTTP-like code) if refused; then
 * nothing changed. */
gboolean studio_set_json(Studio *st, const char *name, JsonNode *value,
                         const char *who, int *code, char **message);
JsonNode *studio_info_json(Studio *st);
char *studio_model_name(Studio *st, const char *path);
JsonNode *studio_models_json(Studio *st);
gboolean studio_valid_model_name(const char *name);
char *studio_json_to_string(JsonNode *node); /* takes NODE */

/* sg3-studio.c */
void studio_broadcast(Studio *st, const char *json); /* to every WebSocket */
void studio_push_full_state(Studio *st, SoupWebsocketConnection *conn);
void studio_log_client(Studio *st, const char *level, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
GBytes *studio_frame_png(Studio *st, char **error);
gboolean studio_save_png(Studio *st, char **name, int *code, char **error);
gboolean studio_save_w(Studio *st, char **name, int *code, char **error);
gboolean studio_can_save_w(Studio *st); /* last-ws, model-num-ws, -w-dim */
JsonNode *studio_stats_json(Studio *st);

/* studio-web.c */
gboolean studio_web_start(Studio *st, GError **error);
void studio_web_new_jpeg(Studio *st, GstBuffer *jpeg, guint64 serial,
                         gint64 wall_us);
void studio_web_stop(Studio *st);

/* studio-osc.c */
gboolean studio_osc_start(Studio *st, GError **error);
void studio_osc_send_change(Studio *st, GParamSpec *p);
void studio_osc_stop(Studio *st);

#endif
