/* sg3src: StyleGAN3 as a GStreamer video source.
 *
 * The element is thin over libsg3, as videotestsrc is over its pattern code:
 * libsg3 maps a seed to ws and renders ws to a picture, this file negotiates
 * caps, keeps time and turns properties into libsg3 calls.
 *
 * Threads: properties are written from any thread under the object lock; the
 * streaming thread copies them once per frame, so a change shows in the next
 * frame. The "streaming state" belongs to the streaming thread and to the
 * render-ahead worker, in turns (see below), and to start/stop, which run
 * when neither does.
 *
 * Time: frame n has timestamp n / framerate (continued across framerate
 * changes). Live, frames keep to the clock: one that could not reach the
 * sinks by its timestamp + the pipeline latency is skipped (with a QoS
 * message), so a slow model gives fewer frames, not a growing delay. Not
 * live, frames come as fast as downstream takes them, unless a syncing sink
 * reports lateness with QoS events; then they keep to the clock likewise.
 *
 * Example launch lines:
 *   gst-launch-1.0 sg3src seed=3 ! videoconvert ! autovideosink
 *   gst-launch-1.0 sg3src is-live=true animation=walk spin=10 ! videoscale \
 *     method=lanczos ! video/x-raw,width=512,height=512 ! videoconvert ! \
 *     autovideosink
 */
#include "gstsg3src.h"

#include <errno.h>
#include <gio/gio.h>
#include <gst/video/video.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg3.h"
#include "walk.h"

GST_DEBUG_CATEGORY_STATIC(gst_sg3_src_debug);
#define GST_CAT_DEFAULT gst_sg3_src_debug

#include "sg3-resources.h" /* glib-compile-resources --c-name sg3_plugin */

#define BUILTIN_MODEL_NAME "sg3t-fashion32.safetensors"
#define BUILTIN_MODEL_PATH "/org/gst-sg3/models/" BUILTIN_MODEL_NAME

#define DEFAULT_SEED 0
#define DEFAULT_PSI 1.0
#define DEFAULT_CUTOFF -1
#define DEFAULT_CLASS 0
#define DEFAULT_ANIMATION GST_SG3_SRC_ANIMATION_NONE
#define DEFAULT_WALK_FRAMES 120
#define DEFAULT_WALK_KEYFRAMES 8
#define MAX_WALK_KEYFRAMES 256
#define MAX_TRANSLATE 1e6
#define MAX_ROTATE 1e9
#define MAX_RATE 1e6

enum {
  PROP_0,
  PROP_MODEL,
  PROP_SEED,
  PROP_PSI,
  PROP_TRUNCATION_CUTOFF,
  PROP_CLASS,
  PROP_TRANSLATE_X,
  PROP_TRANSLATE_Y,
  PROP_ROTATE,
  PROP_TRANSFORM,
  PROP_ANIMATION,
  PROP_WALK_FRAMES,
  PROP_WALK_KEYFRAMES,
  PROP_PAN_X,
  PROP_PAN_Y,
  PROP_SPIN,
  PROP_IS_LIVE,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

typedef struct {
  guint seed;
  gdouble psi;
  gint cutoff;
  gint klass;
  gdouble tx, ty, rot;
  GstSg3SrcAnimation animation;
  guint walk_frames, walk_keyframes;
  gdouble pan_x, pan_y, spin;
} Settings;

/* A frame to render: what its pixels depend on. */
typedef struct {
  guint64 n;
  GstClockTime ts;
  Settings s;
  guint model_serial;
} Job;

static gboolean job_equal(const Job *a, const Job *b) {
  const Settings *x = &a->s, *y = &b->s;
  return a->n == b->n && a->ts == b->ts && a->model_serial == b->model_serial &&
         x->seed == y->seed && x->psi == y->psi && x->cutoff == y->cutoff &&
         x->klass == y->klass && x->tx == y->tx && x->ty == y->ty &&
         x->rot == y->rot && x->animation == y->animation &&
         x->walk_frames == y->walk_frames &&
         x->walk_keyframes == y->walk_keyframes && x->pan_x == y->pan_x &&
         x->pan_y == y->pan_y && x->spin == y->spin;
}

struct _GstSg3Src {
  GstPushSrc parent;

  /* Under the object lock. */
  Settings set;
  gchar *model_path;   /* NULL: the built-in model */
  gboolean started;    /* between start() and stop() */
  sg3_model *pending;  /* loaded by set_property, swapped in by create() */
  gint res, channels;  /* of the model in use, 0 before start(): caps */
  GstClockID clock_id; /* the live wait in create(), for unlock() */
  gboolean flushing;   /* between unlock() and unlock_stop() */
  gboolean qos_late;   /* a synced sink said we were late (not live) */
  GstClockTime pipeline_latency; /* from the LATENCY event, or NONE */

  /* Streaming state. */
  sg3_model *model;
  sg3_generator *gen;
  sg3_model_info info;
  GstVideoInfo vinfo;
  double *z;
  float *c, *ws, *img;
  guint8 *u8;
  gboolean ws_valid; /* ws holds the mapping of the ws_* key below */
  guint ws_seed;
  gdouble ws_psi;
  gint ws_cutoff, ws_class;
  sg3_walk *walk; /* for the walk_* key */
  guint walk_seed, walk_k;
  gdouble walk_psi;
  gint walk_cutoff, walk_class;
  gint warned_class; /* last class we warned about, -2 = none */
  guint64 n;         /* index of the next frame */
  guint64 accum_frames;
  GstClockTime accum_rtime; /* ts of frame accum_frames (framerate changes) */
  gboolean resync;          /* live: first frame, jump to the clock silently */
  GstClockTime gen_time;    /* running average time to render a frame */
  guint64 processed, dropped;
  guint model_serial; /* counts models in use, to spot stale frames */

  /* Render-ahead: a worker thread renders frame n+1 into u8 while frame n
   * goes downstream (waits in a syncing sink, gets encoded, ...). create()
   * uses it only if nothing it depends on has changed meanwhile. The worker
   * and the streaming thread never use the generator at the same time:
   * create() waits for the worker first. */
  GThread *worker;
  GMutex wlock;
  GCond wcond;
  gboolean job_pending, job_busy, job_ok, quit; /* under wlock */
  Job job; /* under wlock while pending or busy */
};

G_DEFINE_TYPE(GstSg3Src, gst_sg3_src, GST_TYPE_PUSH_SRC);

GType gst_sg3_src_animation_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_SG3_SRC_ANIMATION_NONE, "Still image (pan and spin still apply)",
       "none"},
      {GST_SG3_SRC_ANIMATION_WALK,
       "Looping cubic walk in w-space through seeds seed, seed+1, ...", "walk"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstSg3SrcAnimation", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

/* Formats per model channel count, preferred first. One-channel models are
 * replicated into RGB, missing alpha is opaque. */
#define FORMATS_RGB "RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR"
#define FORMATS_1 "{ GRAY8, " FORMATS_RGB " }"
#define FORMATS_3 "{ " FORMATS_RGB " }"
#define FORMATS_4 "{ RGBA, BGRA, ARGB, ABGR }"
#define CAPS_REST                                                              \
  "framerate = (fraction) [ 1/2147483647, 2147483647/1 ], "                    \
  "pixel-aspect-ratio = (fraction) 1/1"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-raw, format = (string) " FORMATS_1
                    ", width = (int) [ 1, 2147483647 ], "
                    "height = (int) [ 1, 2147483647 ], " CAPS_REST));

/* ------------------------------------------------------------------------ */
/* Models */

static sg3_model *load_model(GstSg3Src *self, const gchar *path,
                             gboolean fatal) {
  char *err = NULL;
  sg3_model *m = NULL;
  if (!path) {
    GError *gerr = NULL;
    GBytes *b = g_resource_lookup_data(sg3_plugin_get_resource(),
                                       BUILTIN_MODEL_PATH, 0, &gerr);
    if (!b) {
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                        ("The built-in model is missing: %s", gerr->message),
                        (NULL));
      g_error_free(gerr);
      return NULL;
    }
    gsize size;
    const void *data = g_bytes_get_data(b, &size);
    m = sg3_model_load_from_memory(data, size, BUILTIN_MODEL_NAME " (built in)",
                                   &err);
    g_bytes_unref(b);
    if (!m) {
      GST_ELEMENT_ERROR(self, LIBRARY, INIT,
                        ("Could not load the built-in model: %s", err), (NULL));
      free(err);
    }
    return m;
  }
  /* Tell a missing or unreadable file from a bad one. */
  GstResourceError code = 0;
  gchar *reason = NULL;
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    code = GST_RESOURCE_ERROR_NOT_FOUND;
    reason = g_strdup("no such file");
  } else if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    code = GST_RESOURCE_ERROR_OPEN_READ;
    reason = g_strdup("it is a directory");
  } else {
    FILE *f = fopen(path, "rb");
    if (!f) {
      code = GST_RESOURCE_ERROR_OPEN_READ;
      reason = g_strdup(g_strerror(errno));
    } else {
      fclose(f);
      m = sg3_model_load(path, &err);
      if (!m) {
        /* libsg3 names the file too: say it once */
        const char *why = err ? err : "unknown error";
        if (g_str_has_prefix(why, path) &&
            !strncmp(why + strlen(path), ": ", 2))
          why += strlen(path) + 2;
        code = GST_RESOURCE_ERROR_READ;
        reason = g_strdup(why);
        free(err);
      }
    }
  }
  if (!m) {
    gchar *msg = g_strdup_printf("Could not load StyleGAN3 model \"%s\": %s",
                                 path, reason);
    /* While running, a bad file only costs a warning: the old model stays. */
    gchar *text = fatal ? g_strdup(msg)
                        : g_strdup_printf("%s; keeping the current model", msg);
    gst_element_message_full(
        GST_ELEMENT(self), fatal ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING,
        GST_RESOURCE_ERROR, code, text, NULL, __FILE__, GST_FUNCTION, __LINE__);
    g_free(msg);
    g_free(reason);
  }
  return m;
}

static void free_stream_state(GstSg3Src *self) {
  sg3_walk_free(self->walk);
  self->walk = NULL;
  sg3_generator_free(self->gen);
  self->gen = NULL;
  g_clear_pointer(&self->z, g_free);
  g_clear_pointer(&self->c, g_free);
  g_clear_pointer(&self->ws, g_free);
  g_clear_pointer(&self->img, g_free);
  g_clear_pointer(&self->u8, g_free);
  self->ws_valid = FALSE;
  if (self->model)
    sg3_model_unref(self->model);
  self->model = NULL;
}

/* Takes the model over and makes a generator and buffers for it. */
static gboolean use_model(GstSg3Src *self, sg3_model *m) {
  char *err = NULL;
  free_stream_state(self);
  self->model = m;
  sg3_model_get_info(m, &self->info);
  self->gen = sg3_generator_new(m, &err);
  if (!self->gen) {
    GST_ELEMENT_ERROR(self, LIBRARY, INIT,
                      ("Could not set up the generator: %s", err), (NULL));
    free(err);
    return FALSE;
  }
  const sg3_model_info *i = &self->info;
  gsize npix = (gsize)i->img_channels * i->img_resolution * i->img_resolution;
  self->z = g_new0(double, i->z_dim);
  self->c = g_new0(float, i->c_dim + 1);
  self->ws = g_new0(float, (gsize)i->num_ws * i->w_dim);
  self->img = g_new0(float, npix);
  self->u8 = g_new0(guint8, npix);
  self->warned_class = -2;
  self->model_serial++;
  GST_OBJECT_LOCK(self);
  self->res = i->img_resolution;
  self->channels = i->img_channels;
  GST_OBJECT_UNLOCK(self);
  GST_INFO_OBJECT(self, "model: %s, %dx%d, %d channel(s), %d classes",
                  i->config, i->img_resolution, i->img_resolution,
                  i->img_channels, i->c_dim);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Properties */

static void set_transform_locked(GstSg3Src *self, const GValue *array) {
  if (gst_value_array_get_size(array) != 3) {
    GST_WARNING_OBJECT(self, "transform needs 3 numbers <tx, ty, degrees>");
    return;
  }
  gdouble v[3];
  for (guint i = 0; i < 3; i++) {
    const GValue *e = gst_value_array_get_value(array, i);
    GValue d = G_VALUE_INIT;
    g_value_init(&d, G_TYPE_DOUBLE);
    /* gst-launch parses "<0, 0.5, 30>" partly as ints: accept any number */
    if (!e || !g_value_type_transformable(G_VALUE_TYPE(e), G_TYPE_DOUBLE) ||
        !g_value_transform(e, &d)) {
      GST_WARNING_OBJECT(self, "transform element %u is not a number", i);
      return;
    }
    v[i] = g_value_get_double(&d);
  }
  if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) ||
      fabs(v[0]) > MAX_TRANSLATE || fabs(v[1]) > MAX_TRANSLATE ||
      fabs(v[2]) > MAX_ROTATE) {
    GST_WARNING_OBJECT(self, "transform out of range");
    return;
  }
  self->set.tx = v[0];
  self->set.ty = v[1];
  self->set.rot = v[2];
}

static void gst_sg3_src_set_property(GObject *object, guint prop_id,
                                     const GValue *value, GParamSpec *pspec) {
  GstSg3Src *self = GST_SG3_SRC(object);
  if (prop_id == PROP_MODEL) {
    const gchar *path = g_value_get_string(value);
    if (path && !*path)
      path = NULL;
    GST_OBJECT_LOCK(self);
    gboolean started = self->started;
    GST_OBJECT_UNLOCK(self);
    /* Running: load now, in the caller's thread, so that a bad file is
     * refused (with a warning) and the stream keeps its model. */
    sg3_model *m = started ? load_model(self, path, FALSE) : NULL;
    if (started && !m)
      return;
    GST_OBJECT_LOCK(self);
    g_free(self->model_path);
    self->model_path = g_strdup(path);
    if (self->pending)
      sg3_model_unref(self->pending);
    self->pending = m;
    GST_OBJECT_UNLOCK(self);
    return;
  }

  GST_OBJECT_LOCK(self);
  Settings *s = &self->set;
  switch (prop_id) {
  case PROP_SEED:
    s->seed = g_value_get_uint(value);
    break;
  case PROP_PSI:
    s->psi = g_value_get_double(value);
    break;
  case PROP_TRUNCATION_CUTOFF:
    s->cutoff = g_value_get_int(value);
    break;
  case PROP_CLASS:
    s->klass = g_value_get_int(value);
    break;
  case PROP_TRANSLATE_X:
    s->tx = g_value_get_double(value);
    break;
  case PROP_TRANSLATE_Y:
    s->ty = g_value_get_double(value);
    break;
  case PROP_ROTATE:
    s->rot = g_value_get_double(value);
    break;
  case PROP_TRANSFORM:
    set_transform_locked(self, value);
    break;
  case PROP_ANIMATION:
    s->animation = g_value_get_enum(value);
    break;
  case PROP_WALK_FRAMES:
    s->walk_frames = g_value_get_uint(value);
    break;
  case PROP_WALK_KEYFRAMES:
    s->walk_keyframes = g_value_get_uint(value);
    break;
  case PROP_PAN_X:
    s->pan_x = g_value_get_double(value);
    break;
  case PROP_PAN_Y:
    s->pan_y = g_value_get_double(value);
    break;
  case PROP_SPIN:
    s->spin = g_value_get_double(value);
    break;
  case PROP_IS_LIVE:
    GST_OBJECT_UNLOCK(self);
    gst_base_src_set_live(GST_BASE_SRC(self), g_value_get_boolean(value));
    return;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK(self);
  /* Keep the array and the single values in step for listeners. */
  if (prop_id == PROP_TRANSFORM) {
    g_object_notify_by_pspec(object, props[PROP_TRANSLATE_X]);
    g_object_notify_by_pspec(object, props[PROP_TRANSLATE_Y]);
    g_object_notify_by_pspec(object, props[PROP_ROTATE]);
  } else if (prop_id == PROP_TRANSLATE_X || prop_id == PROP_TRANSLATE_Y ||
             prop_id == PROP_ROTATE) {
    g_object_notify_by_pspec(object, props[PROP_TRANSFORM]);
  }
}

static void gst_sg3_src_get_property(GObject *object, guint prop_id,
                                     GValue *value, GParamSpec *pspec) {
  GstSg3Src *self = GST_SG3_SRC(object);
  GST_OBJECT_LOCK(self);
  Settings *s = &self->set;
  switch (prop_id) {
  case PROP_MODEL:
    g_value_set_string(value, self->model_path);
    break;
  case PROP_SEED:
    g_value_set_uint(value, s->seed);
    break;
  case PROP_PSI:
    g_value_set_double(value, s->psi);
    break;
  case PROP_TRUNCATION_CUTOFF:
    g_value_set_int(value, s->cutoff);
    break;
  case PROP_CLASS:
    g_value_set_int(value, s->klass);
    break;
  case PROP_TRANSLATE_X:
    g_value_set_double(value, s->tx);
    break;
  case PROP_TRANSLATE_Y:
    g_value_set_double(value, s->ty);
    break;
  case PROP_ROTATE:
    g_value_set_double(value, s->rot);
    break;
  case PROP_TRANSFORM: {
    gdouble v[3] = {s->tx, s->ty, s->rot};
    for (int i = 0; i < 3; i++) {
      GValue d = G_VALUE_INIT;
      g_value_init(&d, G_TYPE_DOUBLE);
      g_value_set_double(&d, v[i]);
      gst_value_array_append_and_take_value(value, &d);
    }
    break;
  }
  case PROP_ANIMATION:
    g_value_set_enum(value, s->animation);
    break;
  case PROP_WALK_FRAMES:
    g_value_set_uint(value, s->walk_frames);
    break;
  case PROP_WALK_KEYFRAMES:
    g_value_set_uint(value, s->walk_keyframes);
    break;
  case PROP_PAN_X:
    g_value_set_double(value, s->pan_x);
    break;
  case PROP_PAN_Y:
    g_value_set_double(value, s->pan_y);
    break;
  case PROP_SPIN:
    g_value_set_double(value, s->spin);
    break;
  case PROP_IS_LIVE:
    /* the base class takes the object lock itself */
    GST_OBJECT_UNLOCK(self);
    g_value_set_boolean(value, gst_base_src_is_live(GST_BASE_SRC(self)));
    return;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    break;
  }
  GST_OBJECT_UNLOCK(self);
}

/* ------------------------------------------------------------------------ */
/* Caps */

static GstCaps *gst_sg3_src_get_caps(GstBaseSrc *bsrc, GstCaps *filter) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  gint res = self->res, channels = self->channels;
  GST_OBJECT_UNLOCK(self);
  GstCaps *caps;
  if (res > 0) {
    const char *formats = channels == 1   ? FORMATS_1
                          : channels == 3 ? FORMATS_3
                                          : FORMATS_4;
    gchar *str =
        g_strdup_printf("video/x-raw, format = (string) %s, "
                        "width = (int) %d, height = (int) %d, " CAPS_REST,
                        formats, res, res);
    caps = gst_caps_from_string(str);
    g_free(str);
  } else {
    caps = gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(bsrc));
  }
  if (filter) {
    GstCaps *tmp =
        gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = tmp;
  }
  return caps;
}

static GstCaps *gst_sg3_src_fixate(GstBaseSrc *bsrc, GstCaps *caps) {
  caps = gst_caps_make_writable(caps);
  GstStructure *s = gst_caps_get_structure(caps, 0);
  gst_structure_fixate_field_nearest_fraction(s, "framerate", 30, 1);
  return GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)->fixate(bsrc, caps);
}

static GstClockTime frame_ts(GstSg3Src *self, guint64 n) {
  return self->accum_rtime +
         gst_util_uint64_scale(n - self->accum_frames,
                               (guint64)self->vinfo.fps_d * GST_SECOND,
                               (guint64)self->vinfo.fps_n);
}

static gboolean gst_sg3_src_set_caps(GstBaseSrc *bsrc, GstCaps *caps) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps) || info.fps_n <= 0 ||
      info.fps_d <= 0) {
    GST_ERROR_OBJECT(self, "unusable caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
  /* Keep time continuous across a framerate change. */
  if (GST_VIDEO_INFO_FORMAT(&self->vinfo) != GST_VIDEO_FORMAT_UNKNOWN &&
      self->vinfo.fps_n > 0) {
    self->accum_rtime = frame_ts(self, self->n);
    self->accum_frames = self->n;
  }
  self->vinfo = info;
  GST_DEBUG_OBJECT(self, "caps %" GST_PTR_FORMAT, caps);
  return TRUE;
}

static gboolean gst_sg3_src_decide_allocation(GstBaseSrc *bsrc,
                                              GstQuery *query) {
  GstCaps *caps;
  GstVideoInfo info;
  gst_query_parse_allocation(query, &caps, NULL);
  if (!caps || !gst_video_info_from_caps(&info, caps))
    return FALSE;
  GstBufferPool *pool = NULL;
  guint size = info.size, min = 0, max = 0;
  gboolean update = gst_query_get_n_allocation_pools(query) > 0;
  if (update) {
    gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
    size = MAX(size, info.size);
  }
  if (!pool)
    pool = gst_video_buffer_pool_new();
  GstStructure *config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, size, min, max);
  if (gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option(config,
                                      GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_set_config(pool, config);
  if (update)
    gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool(query, pool, size, min, max);
  gst_object_unref(pool);
  return GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)
      ->decide_allocation(bsrc, query);
}

/* ------------------------------------------------------------------------ */
/* Timing */

static gboolean gst_sg3_src_query(GstBaseSrc *bsrc, GstQuery *query) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && self->vinfo.fps_n > 0) {
    /* Live frames leave at their timestamp, or a little after when
     * rendering runs late; one frame of latency gives that room. */
    GstClockTime latency =
        gst_util_uint64_scale(GST_SECOND, self->vinfo.fps_d, self->vinfo.fps_n);
    gboolean live = gst_base_src_is_live(bsrc);
    gst_query_set_latency(query, live, live ? latency : 0, GST_CLOCK_TIME_NONE);
    GST_DEBUG_OBJECT(self, "latency %" GST_TIME_FORMAT,
                     GST_TIME_ARGS(live ? latency : 0));
    return TRUE;
  }
  return GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)->query(bsrc, query);
}

static gboolean gst_sg3_src_event(GstBaseSrc *bsrc, GstEvent *event) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  if (GST_EVENT_TYPE(event) == GST_EVENT_LATENCY) {
    /* Sinks render at timestamp + this; a frame is on time until then. */
    GstClockTime latency;
    gst_event_parse_latency(event, &latency);
    GST_DEBUG_OBJECT(self, "pipeline latency %" GST_TIME_FORMAT,
                     GST_TIME_ARGS(latency));
    GST_OBJECT_LOCK(self);
    self->pipeline_latency = latency;
    GST_OBJECT_UNLOCK(self);
  }
  if (GST_EVENT_TYPE(event) == GST_EVENT_QOS) {
    GstClockTimeDiff diff;
    gst_event_parse_qos(event, NULL, NULL, &diff, NULL);
    /* A sink that syncs says we are late: from now on, not-live streams skip
     * frames that cannot make their time either, as live ones always do. */
    if (diff > 0) {
      GST_OBJECT_LOCK(self);
      self->qos_late = TRUE;
      GST_OBJECT_UNLOCK(self);
    }
  }
  return GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)->event(bsrc, event);
}

static gboolean gst_sg3_src_unlock(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  self->flushing = TRUE;
  if (self->clock_id)
    gst_clock_id_unschedule(self->clock_id);
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_sg3_src_unlock_stop(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  self->flushing = FALSE;
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

/* The running time now, or NONE without a clock. */
static GstClockTime running_time_now(GstSg3Src *self) {
  GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock)
    return GST_CLOCK_TIME_NONE;
  GstClockTime now = gst_clock_get_time(clock);
  GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  gst_object_unref(clock);
  return now >= base ? now - base : 0;
}

/* Whether frames must keep to the clock: live, or a syncing sink has said
 * we are late; then the running time now, else NONE. */
static GstClockTime clock_bound_now(GstSg3Src *self, gboolean live) {
  GST_OBJECT_LOCK(self);
  gboolean qos_late = self->qos_late;
  GST_OBJECT_UNLOCK(self);
  if ((!live && !qos_late) || GST_STATE(self) != GST_STATE_PLAYING)
    return GST_CLOCK_TIME_NONE;
  return running_time_now(self);
}

/* The first frame from `from` on that is on time if ready at `ready`, i.e.
 * ts + latency >= ready (sinks render at ts + latency). */
static guint64 first_on_time(GstSg3Src *self, guint64 from, GstClockTime ready,
                             GstClockTime latency) {
  if (frame_ts(self, from) + latency >= ready)
    return from;
  guint64 m = self->accum_frames + gst_util_uint64_scale_ceil(
                                       ready - latency - self->accum_rtime,
                                       self->vinfo.fps_n,
                                       (guint64)self->vinfo.fps_d * GST_SECOND);
  return MAX(m, from + 1);
}

/* Frames from..to-1 are skipped: count them and say so with a QoS message,
 * as sinks do for the buffers they drop. */
static void skipped(GstSg3Src *self, gboolean live, guint64 from, guint64 to,
                    GstClockTimeDiff jitter) {
  GstClockTime ts = frame_ts(self, from), dur = frame_ts(self, from + 1) - ts;
  self->dropped += to - from;
  GST_DEBUG_OBJECT(self,
                   "skipping %" G_GUINT64_FORMAT
                   " frame(s), jitter %" GST_STIME_FORMAT,
                   to - from, GST_STIME_ARGS(jitter));
  GstMessage *msg = gst_message_new_qos(GST_OBJECT(self), live, ts, ts, ts,
                                        frame_ts(self, to) - ts);
  gst_message_set_qos_values(
      msg, jitter, (gdouble)self->gen_time / (gdouble)dur,
      (gint)(1000000 *
             MIN(1.0, (gdouble)dur / (gdouble)MAX(1, self->gen_time))));
  gst_message_set_qos_stats(msg, GST_FORMAT_BUFFERS, self->processed,
                            self->dropped);
  gst_element_post_message(GST_ELEMENT(self), msg);
}

/* Waits until running time `ts`; FALSE when unlocked (flushing). */
static gboolean wait_until(GstSg3Src *self, GstClockTime ts) {
  GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
  if (!clock)
    return TRUE;
  GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  if (gst_clock_get_time(clock) >= base + ts) { /* no wait, no clock entry */
    gst_object_unref(clock);
    return TRUE;
  }
  GstClockID id = gst_clock_new_single_shot_id(clock, base + ts);
  gst_object_unref(clock);
  GST_OBJECT_LOCK(self);
  if (self->flushing) {
    GST_OBJECT_UNLOCK(self);
    gst_clock_id_unref(id);
    return FALSE;
  }
  self->clock_id = id;
  GST_OBJECT_UNLOCK(self);
  GstClockReturn ret = gst_clock_id_wait(id, NULL);
  GST_OBJECT_LOCK(self);
  self->clock_id = NULL;
  GST_OBJECT_UNLOCK(self);
  gst_clock_id_unref(id);
  return ret != GST_CLOCK_UNSCHEDULED;
}

/* ------------------------------------------------------------------------ */
/* Rendering */

/* The class to use, warning once about values the model cannot take. */
static gint effective_class(GstSg3Src *self, gint klass) {
  gint c_dim = self->info.c_dim;
  gint use = c_dim == 0 ? -1 : MIN(klass, c_dim - 1);
  if (klass != self->warned_class &&
      ((c_dim == 0 && klass != 0) || (c_dim > 0 && klass >= c_dim))) {
    self->warned_class = klass;
    if (c_dim == 0)
      GST_ELEMENT_WARNING(
          self, RESOURCE, SETTINGS,
          ("The model is unconditional: class %d is ignored", klass), (NULL));
    else
      GST_ELEMENT_WARNING(
          self, RESOURCE, SETTINGS,
          ("class %d is out of range: the model has classes 0 to %d, using %d",
           klass, c_dim - 1, use),
          (NULL));
  }
  return use;
}

static const float *label(GstSg3Src *self, gint klass) {
  if (klass < 0)
    return NULL;
  memset(self->c, 0, sizeof(float) * (gsize)self->info.c_dim);
  self->c[klass] = 1.0f;
  return self->c;
}

/* ws for frame n, from the mapping cache or the walk. */
static const float *frame_ws(GstSg3Src *self, const Settings *s, guint64 n,
                             char **err) {
  gint klass = effective_class(self, s->klass);
  if (s->animation == GST_SG3_SRC_ANIMATION_WALK) {
    guint k = s->walk_keyframes;
    if (!self->walk || self->walk_seed != s->seed || self->walk_k != k ||
        self->walk_psi != s->psi || self->walk_cutoff != s->cutoff ||
        self->walk_class != klass) {
      sg3_walk_free(self->walk);
      self->walk = sg3_walk_new(self->gen, s->seed, (int)k, label(self, klass),
                                (float)s->psi, s->cutoff, err);
      if (!self->walk)
        return NULL;
      self->walk_seed = s->seed;
      self->walk_k = k;
      self->walk_psi = s->psi;
      self->walk_cutoff = s->cutoff;
      self->walk_class = klass;
    }
    guint64 period = (guint64)k * s->walk_frames;
    sg3_walk_eval(self->walk, (double)(n % period) / s->walk_frames, self->ws);
    self->ws_valid = FALSE; /* ws now holds a walk frame */
    return self->ws;
  }
  if (!self->ws_valid || self->ws_seed != s->seed || self->ws_psi != s->psi ||
      self->ws_cutoff != s->cutoff || self->ws_class != klass) {
    sg3_z_from_seed(s->seed, self->z, self->info.z_dim);
    if (sg3_mapping(self->gen, self->z, label(self, klass), (float)s->psi,
                    s->cutoff, self->ws, err))
      return NULL;
    self->ws_valid = TRUE;
    self->ws_seed = s->seed;
    self->ws_psi = s->psi;
    self->ws_cutoff = s->cutoff;
    self->ws_class = klass;
  }
  return self->ws;
}

/* u8 (HWC, the model's channels) into the negotiated packed format. */
static void pack(GstSg3Src *self, GstVideoFrame *frame) {
  const GstVideoFormatInfo *f = frame->info.finfo;
  gint w = self->info.img_resolution, h = w, ch = self->info.img_channels;
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
  gint ps = GST_VIDEO_FORMAT_INFO_PSTRIDE(f, 0);
  gboolean gray = GST_VIDEO_FORMAT_INFO_IS_GRAY(f);
  gboolean alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(f);
  gint r = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_R);
  gint g = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_G);
  gint b = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_B);
  gint a =
      alpha ? (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_A) : -1;
  if (gray)
    g = b = r = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_Y);
  for (gint y = 0; y < h; y++) {
    const guint8 *src = self->u8 + (gsize)y * w * ch;
    guint8 *row = dst + (gsize)y * stride;
    if ((gray && ch == 1) || (ch == 3 && ps == 3 && r == 0 && b == 2)) {
      memcpy(row, src, (gsize)w * ch); /* GRAY8, RGB: as is */
      continue;
    }
    if (ps == 4)
      memset(row, 0xff, (gsize)w * 4); /* opaque alpha, x bytes */
    for (gint x = 0; x < w; x++, src += ch, row += ps) {
      row[r] = src[0];
      row[g] = src[ch >= 3 ? 1 : 0];
      row[b] = src[ch >= 3 ? 2 : 0];
      if (a >= 0 && ch == 4)
        row[a] = src[3];
    }
  }
}

/* Swaps in a model set while running; renegotiates if the picture changes. */
static GstFlowReturn apply_pending_model(GstSg3Src *self) {
  GST_OBJECT_LOCK(self);
  sg3_model *m = self->pending;
  self->pending = NULL;
  GST_OBJECT_UNLOCK(self);
  if (!m)
    return GST_FLOW_OK;
  gint res = self->info.img_resolution, ch = self->info.img_channels;
  if (!use_model(self, m))
    return GST_FLOW_ERROR;
  if (res != self->info.img_resolution || ch != self->info.img_channels) {
    GST_INFO_OBJECT(self, "new model: renegotiating");
    if (!gst_base_src_negotiate(GST_BASE_SRC(self))) {
      GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                        ("Downstream cannot take the new model's %dx%d "
                         "%d-channel video",
                         self->info.img_resolution, self->info.img_resolution,
                         self->info.img_channels),
                        (NULL));
      return GST_FLOW_NOT_NEGOTIATED;
    }
  }
  return GST_FLOW_OK;
}

/* Renders a frame into u8 (HWC, the model's channels). Returns 0, or -1
 * with *err set. */
static int render(GstSg3Src *self, const Job *job, char **err) {
  gint64 t0 = g_get_monotonic_time();
  const Settings *s = &job->s;
  const float *ws = frame_ws(self, s, job->n, err);
  if (!ws)
    return -1;
  /* pan and spin move the transform with stream time */
  double secs = (double)job->ts / GST_SECOND;
  float transform[9];
  sg3_make_transform(s->tx + s->pan_x * secs, s->ty + s->pan_y * secs,
                     s->rot + s->spin * secs, transform);
  if (sg3_synthesis(self->gen, ws, transform, self->img, err))
    return -1;
  gint res = self->info.img_resolution;
  sg3_image_to_u8(self->img, self->info.img_channels, res, res, self->u8);
  GstClockTime took = (GstClockTime)(g_get_monotonic_time() - t0) * 1000;
  self->gen_time = self->gen_time ? (3 * self->gen_time + took) / 4 : took;
  GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT " took %" GST_TIME_FORMAT,
                 job->n, GST_TIME_ARGS(took));
  return 0;
}

static gpointer worker_main(gpointer data) {
  GstSg3Src *self = data;
  g_mutex_lock(&self->wlock);
  for (;;) {
    while (!self->job_pending && !self->quit)
      g_cond_wait(&self->wcond, &self->wlock);
    if (self->quit)
      break;
    Job job = self->job;
    self->job_pending = FALSE;
    self->job_busy = TRUE;
    g_mutex_unlock(&self->wlock);
    char *err = NULL;
    /* a failure is reported when create() renders the frame itself */
    gboolean ok = render(self, &job, &err) == 0;
    free(err);
    g_mutex_lock(&self->wlock);
    self->job_busy = FALSE;
    self->job_ok = ok;
    g_cond_broadcast(&self->wcond);
  }
  g_mutex_unlock(&self->wlock);
  return NULL;
}

/* Waits for the worker to be idle; then the streaming thread owns the
 * generator and u8. */
static void worker_wait(GstSg3Src *self) {
  g_mutex_lock(&self->wlock);
  while (self->job_pending || self->job_busy)
    g_cond_wait(&self->wcond, &self->wlock);
  g_mutex_unlock(&self->wlock);
}

static void worker_submit(GstSg3Src *self, const Job *job) {
  g_mutex_lock(&self->wlock);
  self->job = *job;
  self->job_ok = FALSE;
  self->job_pending = TRUE;
  g_cond_broadcast(&self->wcond);
  g_mutex_unlock(&self->wlock);
}

/* The properties for the frame at ts, controlled ones included. */
static void settings_at(GstSg3Src *self, GstClockTime ts, Job *job) {
  /* Controlled properties follow stream time; the segment starts at 0. */
  gst_object_sync_values(GST_OBJECT(self), ts);
  GST_OBJECT_LOCK(self);
  job->s = self->set;
  GST_OBJECT_UNLOCK(self);
  job->ts = ts;
  job->model_serial = self->model_serial;
}

static GstFlowReturn gst_sg3_src_create(GstPushSrc *psrc, GstBuffer **outbuf) {
  GstSg3Src *self = GST_SG3_SRC(psrc);
  GstBaseSrc *bsrc = GST_BASE_SRC(psrc);
  worker_wait(self);
  GstFlowReturn ret = apply_pending_model(self);
  if (ret != GST_FLOW_OK)
    return ret;
  if (self->vinfo.fps_n <= 0)
    return GST_FLOW_NOT_NEGOTIATED;

  gboolean live = gst_base_src_is_live(bsrc);
  /* A frame is on time until the sinks render it: timestamp + the pipeline
   * latency (a blocking sink returns only then), or + our own latency (a
   * frame, live) before the pipeline says. */
  GstClockTime dur =
      gst_util_uint64_scale(GST_SECOND, self->vinfo.fps_d, self->vinfo.fps_n);
  GstClockTime own = live ? dur : 0;
  GST_OBJECT_LOCK(self);
  GstClockTime latency = self->pipeline_latency;
  GST_OBJECT_UNLOCK(self);
  if (!GST_CLOCK_TIME_IS_VALID(latency) || latency < own)
    latency = own;
  /* Picks the frame. When frames keep to the clock, one that could not be
   * ready by its deadline is skipped rather than sent late: if rendering is
   * slower than the framerate the stream keeps to the clock, at a lower
   * effective rate, instead of drifting behind it. A frame rendered ahead is
   * used if it is still on time. */
  GstClockTime now = clock_bound_now(self, live);
  guint64 n = self->n;
  gboolean ahead = self->job_ok && self->job.n >= n;
  if (GST_CLOCK_TIME_IS_VALID(now)) {
    if (ahead && frame_ts(self, self->job.n) + latency >= now) {
      n = self->job.n;
    } else {
      ahead = FALSE;
      n = first_on_time(self, n, now + self->gen_time, latency);
    }
  } else {
    ahead = ahead && self->job.n == n;
  }
  if (n > self->n && !self->resync)
    skipped(self, live, self->n, n,
            GST_CLOCK_DIFF(frame_ts(self, self->n) + latency,
                           now + (ahead ? 0 : self->gen_time)));
  self->resync = FALSE;
  GstClockTime ts = frame_ts(self, n), next = frame_ts(self, n + 1);
  /* Live: take the properties as late as possible, so that a change shows
   * in the next frame out: at the frame's time if it is rendered already,
   * else so that it is ready half a frame into our own latency (the rest of
   * the pipeline latency belongs downstream). */
  if (live) {
    GstClockTime start = ts, margin = self->gen_time + dur / 2;
    if (!ahead)
      start = ts + own > margin ? ts + own - margin : 0;
    if (!wait_until(self, start))
      return GST_FLOW_FLUSHING;
  }

  Job job = {.n = n};
  settings_at(self, ts, &job);
  if (!(ahead && job_equal(&job, &self->job))) {
    char *err = NULL;
    if (render(self, &job, &err)) {
      GST_ELEMENT_ERROR(self, LIBRARY, FAILED,
                        ("StyleGAN3 generation failed: %s", err ? err : "?"),
                        (NULL));
      free(err);
      return GST_FLOW_ERROR;
    }
  }
  self->job_ok = FALSE; /* u8 is this frame's, about to be packed */

  GstBuffer *buf = NULL;
  ret = GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)
            ->alloc(bsrc, n, (guint)self->vinfo.size, &buf);
  if (ret != GST_FLOW_OK)
    return ret;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &self->vinfo, buf, GST_MAP_WRITE)) {
    gst_buffer_unref(buf);
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Could not map a buffer"),
                      (NULL));
    return GST_FLOW_ERROR;
  }
  pack(self, &frame);
  gst_video_frame_unmap(&frame);

  /* Render the next frame while this one goes downstream (not after the
   * last one num-buffers allows): when keeping to the clock, the one that
   * will be on time when it is ready. */
  if (bsrc->num_buffers_left != 0) {
    Job ahead_job = {.n = n + 1};
    now = clock_bound_now(self, live);
    if (GST_CLOCK_TIME_IS_VALID(now))
      ahead_job.n = first_on_time(self, n + 1, now + self->gen_time, latency);
    settings_at(self, frame_ts(self, ahead_job.n), &ahead_job);
    worker_submit(self, &ahead_job);
  }

  /* Live: never before its time (a slow frame may have started early). */
  if (live && !wait_until(self, ts)) {
    gst_buffer_unref(buf);
    return GST_FLOW_FLUSHING;
  }
  if (!gst_base_src_get_do_timestamp(bsrc))
    GST_BUFFER_PTS(buf) = ts;
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION(buf) = next - ts;
  GST_BUFFER_OFFSET(buf) = n;
  GST_BUFFER_OFFSET_END(buf) = n + 1;
  self->n = n + 1;
  self->processed++;
  *outbuf = buf;
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------ */
/* Start and stop */

static gboolean gst_sg3_src_start(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  gchar *path = g_strdup(self->model_path);
  self->started = TRUE; /* later model changes load at once */
  if (self->pending)
    sg3_model_unref(self->pending);
  self->pending = NULL;
  self->qos_late = FALSE;
  self->pipeline_latency = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK(self);

  sg3_model *m = load_model(self, path, TRUE);
  g_free(path);
  if (!m || !use_model(self, m)) {
    free_stream_state(self);
    GST_OBJECT_LOCK(self);
    self->started = FALSE;
    GST_OBJECT_UNLOCK(self);
    return FALSE;
  }
  gst_video_info_init(&self->vinfo);
  self->n = self->accum_frames = 0;
  self->accum_rtime = 0;
  self->resync = TRUE;
  self->gen_time = 0;
  self->processed = self->dropped = 0;
  self->job_pending = self->job_busy = self->job_ok = self->quit = FALSE;
  self->worker = g_thread_new("sg3src-render", worker_main, self);
  return TRUE;
}

static gboolean gst_sg3_src_stop(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  if (self->worker) { /* finishes the frame it may be rendering */
    g_mutex_lock(&self->wlock);
    self->quit = TRUE;
    g_cond_broadcast(&self->wcond);
    g_mutex_unlock(&self->wlock);
    g_thread_join(self->worker);
    self->worker = NULL;
  }
  GST_OBJECT_LOCK(self);
  self->started = FALSE;
  self->res = self->channels = 0;
  if (self->pending)
    sg3_model_unref(self->pending);
  self->pending = NULL;
  GST_OBJECT_UNLOCK(self);
  free_stream_state(self);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GObject */

static void gst_sg3_src_init(GstSg3Src *self) {
  self->set = (Settings){
      .seed = DEFAULT_SEED,
      .psi = DEFAULT_PSI,
      .cutoff = DEFAULT_CUTOFF,
      .klass = DEFAULT_CLASS,
      .animation = DEFAULT_ANIMATION,
      .walk_frames = DEFAULT_WALK_FRAMES,
      .walk_keyframes = DEFAULT_WALK_KEYFRAMES,
  };
  gst_video_info_init(&self->vinfo);
  g_mutex_init(&self->wlock);
  g_cond_init(&self->wcond);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_live(GST_BASE_SRC(self), FALSE);
}

static void gst_sg3_src_finalize(GObject *object) {
  GstSg3Src *self = GST_SG3_SRC(object);
  free_stream_state(self);
  if (self->pending)
    sg3_model_unref(self->pending);
  g_free(self->model_path);
  g_mutex_clear(&self->wlock);
  g_cond_clear(&self->wcond);
  G_OBJECT_CLASS(gst_sg3_src_parent_class)->finalize(object);
}

#define RW                                                                     \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)
#define CTRL (RW | GST_PARAM_CONTROLLABLE)

static void gst_sg3_src_class_init(GstSg3SrcClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass *bsrc_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass *psrc_class = GST_PUSH_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_sg3_src_debug, "sg3src", 0,
                          "StyleGAN3 video source");

  gobject_class->set_property = gst_sg3_src_set_property;
  gobject_class->get_property = gst_sg3_src_get_property;
  gobject_class->finalize = gst_sg3_src_finalize;

  props[PROP_MODEL] = g_param_spec_string(
      "model", "Model",
      "StyleGAN3 model file: this project's .safetensors or an official "
      ".pkl. Unset or empty: the built-in " BUILTIN_MODEL_NAME
      " (32x32 grayscale Fashion-MNIST, 10 classes). Settable while PLAYING: "
      "the file is loaded at once and used from the next frame, renegotiating "
      "if its size or channels differ; a file that fails to load is refused "
      "with a warning and the current model kept",
      NULL, RW);
  props[PROP_SEED] =
      g_param_spec_uint("seed", "Seed",
                        "Random seed of the latent z, as gen_images.py --seeds "
                        "(the first keyframe of a walk)",
                        0, G_MAXUINT32, DEFAULT_SEED, CTRL);
  props[PROP_PSI] = g_param_spec_double(
      "psi", "Truncation psi",
      "Truncation psi: 1 = none, smaller = closer to the average image", -2.0,
      2.0, DEFAULT_PSI, CTRL);
  props[PROP_TRUNCATION_CUTOFF] = g_param_spec_int(
      "truncation-cutoff", "Truncation cutoff",
      "Truncate only the first N ws; -1 = all", -1, 1024, DEFAULT_CUTOFF, CTRL);
  props[PROP_CLASS] = g_param_spec_int(
      "class", "Class",
      "Class label of a conditional model (0 to classes-1; larger values use "
      "the last class, with a warning); unconditional models ignore it, with "
      "a warning if it is not 0",
      0, G_MAXINT32, DEFAULT_CLASS, CTRL);
  props[PROP_TRANSLATE_X] = g_param_spec_double(
      "translate-x", "Translate X",
      "Horizontal translation, as gen_images.py --translate", -MAX_TRANSLATE,
      MAX_TRANSLATE, 0.0, CTRL);
  props[PROP_TRANSLATE_Y] =
      g_param_spec_double("translate-y", "Translate Y",
                          "Vertical translation, as gen_images.py --translate",
                          -MAX_TRANSLATE, MAX_TRANSLATE, 0.0, CTRL);
  props[PROP_ROTATE] = g_param_spec_double(
      "rotate", "Rotate", "Rotation in degrees, as gen_images.py --rotate",
      -MAX_ROTATE, MAX_ROTATE, 0.0, CTRL);
  props[PROP_TRANSFORM] = gst_param_spec_array(
      "transform", "Transform",
      "translate-x, translate-y and rotate as one array, "
      "e.g. transform=\"<0.2, 0.0, 30.0>\"",
      g_param_spec_double("value", "Value", "A transform parameter",
                          -MAX_ROTATE, MAX_ROTATE, 0.0,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
      RW);
  props[PROP_ANIMATION] = g_param_spec_enum(
      "animation", "Animation", "How the latent changes from frame to frame",
      GST_TYPE_SG3_SRC_ANIMATION, DEFAULT_ANIMATION, RW);
  props[PROP_WALK_FRAMES] = g_param_spec_uint(
      "walk-frames", "Walk frames",
      "Frames from one walk keyframe to the next (gen_video.py --w-frames)", 1,
      1000000, DEFAULT_WALK_FRAMES, CTRL);
  props[PROP_WALK_KEYFRAMES] = g_param_spec_uint(
      "walk-keyframes", "Walk keyframes",
      "Seeds in the walk's loop: seed to seed+N-1, then back to seed", 1,
      MAX_WALK_KEYFRAMES, DEFAULT_WALK_KEYFRAMES, CTRL);
  props[PROP_PAN_X] = g_param_spec_double(
      "pan-x", "Pan X", "Added to translate-x per second of stream time",
      -MAX_RATE, MAX_RATE, 0.0, CTRL);
  props[PROP_PAN_Y] = g_param_spec_double(
      "pan-y", "Pan Y", "Added to translate-y per second of stream time",
      -MAX_RATE, MAX_RATE, 0.0, CTRL);
  props[PROP_SPIN] = g_param_spec_double(
      "spin", "Spin", "Degrees added to rotate per second of stream time",
      -MAX_RATE, MAX_RATE, 0.0, CTRL);
  props[PROP_IS_LIVE] = g_param_spec_boolean(
      "is-live", "Is live",
      "Follow the clock at the negotiated framerate, skipping frames that "
      "cannot be rendered in time; otherwise render as fast as downstream "
      "takes them",
      FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(gobject_class, N_PROPS, props);

  gst_element_class_set_static_metadata(
      element_class, "StyleGAN3 video source", "Source/Video",
      "Renders a StyleGAN3 generator: still images, latent walks, pans and "
      "spins",
      "gst-sg3 developers");
  gst_element_class_add_static_pad_template(element_class, &src_template);

  bsrc_class->get_caps = gst_sg3_src_get_caps;
  bsrc_class->fixate = gst_sg3_src_fixate;
  bsrc_class->set_caps = gst_sg3_src_set_caps;
  bsrc_class->decide_allocation = gst_sg3_src_decide_allocation;
  bsrc_class->query = gst_sg3_src_query;
  bsrc_class->event = gst_sg3_src_event;
  bsrc_class->unlock = gst_sg3_src_unlock;
  bsrc_class->unlock_stop = gst_sg3_src_unlock_stop;
  bsrc_class->start = gst_sg3_src_start;
  bsrc_class->stop = gst_sg3_src_stop;
  psrc_class->create = gst_sg3_src_create;

  gst_type_mark_as_plugin_api(GST_TYPE_SG3_SRC_ANIMATION, 0);
}
