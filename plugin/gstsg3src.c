/**
 * SECTION:element-sg3src
 * @title: sg3src
 *
 * Renders StyleGAN networks (official StyleGAN3 network pickles or this
 * project's safetensors) as video: still images, looping latent walks,
 * pans and spins, the same pixels as the official gen_images.py.
 *
 * The element is thin over libsg3, as videotestsrc is over its pattern
 * code: sg3render.c turns settings into pictures, sg3load.c opens models,
 * this file maps properties onto settings, negotiates caps and keeps time.
 *
 * Frames are functions of their position: frame n has timestamp
 * n / framerate, the walk is at n / walk-frames keyframes and pan and spin
 * follow the timestamp. So the stream seeks like videotestsrc (TIME and
 * DEFAULT formats, accurate to the frame, segment seeks for seamless loops,
 * negative rates), and a still whose settings do not change is rendered
 * once and then copied. framerate=0/1 gives one image (duration NONE) and
 * another only when a setting changes; the stream does not end.
 *
 * Threads: properties are written from any thread under the object lock;
 * any change that affects the picture bumps the settings serial, and the
 * streaming thread copies the settings once per frame, so a change shows in
 * the next frame. The renderer belongs to the streaming thread (and its
 * render-ahead worker "sg3-render") and to start/stop. Setting `model` while
 * the element is READY or higher loads it in a thread of its own
 * ("sg3-load"); the streaming thread switches at a frame boundary.
 * Stopping and flushing cancel the frame being rendered within a fraction
 * of a layer.
 *
 * Live, frames keep to the clock: one that could not reach the sinks by its
 * timestamp + the pipeline latency is skipped (with a QoS message), and a
 * frame rendered ahead is sent if it is still the most recent one due, so a
 * model slower than the framerate gives every k-th frame on the clock and
 * no render is wasted. Not live, frames come as fast as downstream takes
 * them, unless a syncing sink reports lateness with QoS events; then they
 * keep to the clock likewise.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 sg3src seed=3 ! videoconvert ! autovideosink
 * gst-launch-1.0 sg3src is-live=true animation=walk spin=10 ! videoscale \
 *   method=lanczos ! video/x-raw,width=512,height=512 ! videoconvert ! \
 *   autovideosink
 * gst-launch-1.0 sg3src model=G.pkl latents=projected_w.npz \
 *   direction=age.npy direction-strength=-3 ! videoconvert ! autovideosink
 * ]|
 */
#include "gstsg3src.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sg3.h"
#include "sg3load.h"
#include "sg3pace.h"
#include "sg3render.h"

GST_DEBUG_CATEGORY(gst_sg3_src_debug);
#define GST_CAT_DEFAULT gst_sg3_src_debug

#define DEFAULT_SEED 0
#define DEFAULT_PSI 1.0
#define DEFAULT_CUTOFF -1
#define DEFAULT_CLASS 0
#define DEFAULT_ANIMATION SG3_ANIMATION_NONE
#define DEFAULT_WALK_FRAMES 120
#define DEFAULT_WALK_KEYFRAMES 8
#define DEFAULT_NOISE_MODE SG3_NOISE_CONST
#define DEFAULT_THREADS 0
#define DEFAULT_SHARED_POOL TRUE
#define DEFAULT_RENDER_AHEAD TRUE
#define DEFAULT_MAX_MEMORY 0
#define MAX_WALK_KEYFRAMES 256
#define MAX_TRANSLATE 1e6
#define MAX_ROTATE 1e9
#define MAX_RATE 1e6
#define DEFAULT_WALK_KIND SG3_WALK_CUBIC
#define DEFAULT_LOOP_RADIUS 1.0
#define DEFAULT_MIX_LAYERS "0-6"
#define MAX_STRENGTH 1e4
#define DEFAULT_WALK_SPEED -1.0
#define MAX_WALK_SPEED 1000.0
#define DEFAULT_PULSE_PSI 0.5

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
  PROP_NOISE_MODE,
  PROP_NOISE_SEED,
  PROP_IS_LIVE,
  PROP_LAST_WS,
  PROP_THREADS,
  PROP_SHARED_POOL,
  PROP_RENDER_AHEAD,
  PROP_MAX_MEMORY,
  PROP_MODEL_RESOLUTION,
  PROP_MODEL_CHANNELS,
  PROP_MODEL_CLASSES,
  PROP_MODEL_FAMILY,
  PROP_MODEL_NUM_WS,
  PROP_MODEL_W_DIM,
  PROP_STATS,
  PROP_LATENTS,
  PROP_LATENT_INDEX,
  PROP_SEEDS,
  PROP_CLASSES,
  PROP_SHUFFLE_SEED,
  PROP_WALK_KIND,
  PROP_LOOP_RADIUS,
  PROP_MIX_SEED,
  PROP_MIX_LATENTS,
  PROP_MIX_LAYERS,
  PROP_ANCHOR,
  PROP_DIRECTION,
  PROP_DIRECTION_INDEX,
  PROP_DIRECTION_STRENGTH,
  PROP_DIRECTION_LAYERS,
  PROP_SEED_BLEND,
  PROP_WALK_SPEED,
  PROP_PULSE,
  PROP_PULSE_PSI,
  PROP_PULSE_DIRECTION,
  N_PROPS
};
static GParamSpec *props[N_PROPS];
/* Where each picture-affecting property lives in Sg3Settings (+ 1; 0 for
 * properties that are not settings). Adding one is a pspec and this. */
static gsize setting_offset[N_PROPS];
/* Settings the latent cache does not depend on (Sg3Settings.frame_changes):
 * they change frames, never the keyframes. */
static gboolean frame_only[N_PROPS];

struct _GstSg3Src {
  GstPushSrc parent;

  /* Under the object lock. */
  Sg3Settings set;
  gchar *model_path;      /* asked for; NULL: the built-in model */
  gchar *model_in_use;    /* the path of `model` */
  sg3_model *model;       /* READY and up: caps, model-* properties */
  gint res, channels;     /* of `model`, 0 without one: caps */
  gboolean started;       /* between start() and stop() */
  Sg3RenderOptions ropts; /* threads, shared-pool, max-memory */
  gboolean render_ahead;
  guint load_serial;   /* bumped by every model request */
  guint loads;         /* background loads running */
  GCond load_cond;     /* a background load has finished */
  Sg3Loaded *pending;  /* loaded in the background, for create() */
  GCond still_cond;    /* framerate 0/1: a setting changed, or unlock */
  GstClockID clock_id; /* the live wait in create(), for unlock() */
  gboolean flushing;   /* between unlock() and unlock_stop() */
  gboolean qos_late;   /* a synced sink said we were late (not live) */
  GstClockTime pipeline_latency; /* from the LATENCY event, or NONE */
  Sg3Render *render;             /* the streaming thread's */
  gboolean seek_pending;         /* do_seek before caps: position later */
  GstClockTime seek_position;

  /* Streaming state. */
  const sg3_model_info *info; /* of the render's model */
  GstVideoInfo vinfo;
  gint warned_class;         /* last class we warned about, -2 = none */
  gboolean warned_transform; /* about a transform the model lacks */
  gint64 n;         /* the next frame; -1: before the first (reverse) */
  gboolean reverse; /* negative playback rate */
  guint64 accum_frames;
  GstClockTime accum_rtime; /* ts of frame accum_frames (framerate changes) */
  gboolean resync;          /* live: first frame, jump to the clock silently */
  gboolean tags_due;        /* stream tags before the next buffer */
  guint64 still_serial;     /* framerate 0/1: the settings of the last */
  GstClockTime still_pts;
  guint64 processed, dropped;
  guint64 late; /* frames rendered ahead that were too late to send */

  /* Own latents: the list and file properties as set, the rows strings,
   * and the inputs read for the model in use (under the object lock). */
  Sg3InputSpec spec;
  gchar *mix_layers, *direction_layers;
  Sg3Inputs *inputs;
  gboolean warned_anchor;
  Sg3Pace pace; /* where the walk is */
};

G_DEFINE_TYPE(GstSg3Src, gst_sg3_src, GST_TYPE_PUSH_SRC);

GType gst_sg3_src_animation_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {SG3_ANIMATION_NONE, "Still image (pan and spin still apply)", "none"},
      {SG3_ANIMATION_WALK,
       "Looping cubic walk in w-space through seeds seed, seed+1, ...", "walk"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstSg3SrcAnimation", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

GType gst_sg3_src_walk_kind_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {SG3_WALK_CUBIC,
       "Cubic spline through the keyframes' ws (gen_video.py's default)",
       "cubic"},
      {SG3_WALK_LINEAR, "Straight lines between the keyframes' ws", "linear"},
      {SG3_WALK_SLERP,
       "Spherical interpolation of the keyframe seeds' z (of the ws for a "
       "latents file), as stylegan3-fun",
       "slerp"},
      {SG3_WALK_NOISE_LOOP,
       "A seamless random loop in z through the seed, of loop-radius", "noise"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstSg3SrcWalkKind", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

GType gst_sg3_src_noise_mode_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {SG3_NOISE_CONST, "The network's stored noise (gen_images.py default)",
       "const"},
      {SG3_NOISE_NONE, "No noise", "none"},
      {SG3_NOISE_RANDOM,
       "Noise drawn from noise-seed (repeatable; not bit-equal to torch)",
       "random"},
      {0, NULL, NULL}};
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstSg3SrcNoiseMode", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

/* Formats per model channel count, preferred first. One-channel models are
 * replicated into RGB, missing alpha is opaque. The pixels are what the
 * network writes, as gen_images.py saves them: full-range sRGB (gray:
 * full-range luma), progressive, square pixels. */
#define FORMATS_RGB "RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR"
#define FORMATS_3 "{ " FORMATS_RGB " }"
#define FORMATS_4 "{ RGBA, BGRA, ARGB, ABGR }"
#define CAPS_REST                                                              \
  "framerate = (fraction) [ 0/1, 2147483647/1 ], "                             \
  "pixel-aspect-ratio = (fraction) 1/1, "                                      \
  "interlace-mode = (string) progressive"
#define CAPS_RGB(formats, size)                                                \
  "video/x-raw, format = (string) " formats ", " size ", " CAPS_REST           \
  ", colorimetry = (string) sRGB"
#define CAPS_GRAY(size)                                                        \
  "video/x-raw, format = (string) GRAY8, " size ", " CAPS_REST
#define ANY_SIZE                                                               \
  "width = (int) [ 1, 2147483647 ], height = (int) [ 1, 2147483647 ]"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS(CAPS_GRAY(ANY_SIZE) "; " CAPS_RGB(FORMATS_3, ANY_SIZE)));

/* ------------------------------------------------------------------------ */
/* Models */

/* libsg3's error codes as GStreamer resource errors. */
static GstResourceError resource_error(sg3_status status) {
  switch (status) {
  case SG3_ERR_NOT_FOUND:
    return GST_RESOURCE_ERROR_NOT_FOUND;
  case SG3_ERR_NOT_REGULAR:
  case SG3_ERR_PERMISSION:
    return GST_RESOURCE_ERROR_OPEN_READ;
  case SG3_ERR_NO_MEMORY:
  case SG3_ERR_TOO_LARGE:
    return GST_RESOURCE_ERROR_NO_SPACE_LEFT;
  default:
    return GST_RESOURCE_ERROR_READ;
  }
}

/* A model that could not be loaded or used: an element error when `fatal`,
 * else a warning that the current model stays. Any thread. */
static void post_model_failure(GstSg3Src *self, gboolean fatal,
                               const char *what, sg3_status st,
                               const char *err) {
  gchar *text = g_strdup_printf("%s: %s%s", what, err ? err : "unknown error",
                                fatal ? "" : "; keeping the current model");
  gst_element_message_full(GST_ELEMENT(self),
                           fatal ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING,
                           GST_RESOURCE_ERROR, resource_error(st), text,
                           g_strdup_printf("libsg3: %s", sg3_status_name(st)),
                           __FILE__, GST_FUNCTION, __LINE__);
}

/* The caps of a model's frames (res 0: any size). */
static GstCaps *model_caps(gint res, gint channels) {
  gchar *size =
      res > 0 ? g_strdup_printf("width = (int) %d, height = (int) %d", res, res)
              : g_strdup(ANY_SIZE);
  gchar *str;
  if (channels == 4)
    str = g_strdup_printf(CAPS_RGB("%s", "%s"), FORMATS_4, size);
  else if (channels == 3)
    str = g_strdup_printf(CAPS_RGB("%s", "%s"), FORMATS_3, size);
  else /* gray first, then replicated into RGB */
    str = g_strdup_printf(CAPS_GRAY("%s") "; " CAPS_RGB("%s", "%s"), size,
                          FORMATS_3, size);
  GstCaps *caps = gst_caps_from_string(str);
  g_free(str);
  g_free(size);
  return caps;
}

/* The model in use for caps and the model-* properties; takes `m`.
 * Object lock held. */
static void set_model_locked(GstSg3Src *self, sg3_model *m, const gchar *path) {
  if (self->model)
    sg3_model_unref(self->model);
  self->model = m;
  sg3_model_info i;
  if (m)
    sg3_model_get_info(m, &i);
  self->res = m ? i.img_resolution : 0;
  self->channels = m ? i.img_channels : 0;
  if (m) {
    g_free(self->model_in_use);
    self->model_in_use = g_strdup(path);
  }
}

static void notify_model(GstSg3Src *self) {
  GObject *o = G_OBJECT(self);
  g_object_freeze_notify(o);
  g_object_notify_by_pspec(o, props[PROP_MODEL]);
  g_object_notify_by_pspec(o, props[PROP_MODEL_RESOLUTION]);
  g_object_notify_by_pspec(o, props[PROP_MODEL_CHANNELS]);
  g_object_notify_by_pspec(o, props[PROP_MODEL_CLASSES]);
  g_object_notify_by_pspec(o, props[PROP_MODEL_FAMILY]);
  g_object_notify_by_pspec(o, props[PROP_MODEL_NUM_WS]);
  g_object_notify_by_pspec(o, props[PROP_MODEL_W_DIM]);
  g_object_thaw_notify(o);
}

/* A request for `serial` failed or was refused: `model` reads the path in
 * use again, unless a newer request came. Object lock held. */
static gboolean revert_path_locked(GstSg3Src *self, guint serial) {
  if (serial != self->load_serial)
    return FALSE;
  g_free(self->model_path);
  self->model_path = g_strdup(self->model_in_use);
  return TRUE;
}

/* Loads the requested model in the caller's thread (NULL -> READY). */
static gboolean load_now(GstSg3Src *self) {
  GST_OBJECT_LOCK(self);
  gchar *path = g_strdup(self->model_path);
  guint64 max_memory = self->ropts.max_memory;
  guint serial = self->load_serial;
  GST_OBJECT_UNLOCK(self);
  sg3_model *m = NULL;
  char *err = NULL;
  sg3_status st = sg3_load_model(path, max_memory, &m, &err);
  if (st != SG3_OK)
    post_model_failure(self, TRUE, "Could not load the model", st, err);
  free(err);
  if (m) {
    GST_OBJECT_LOCK(self);
    if (serial == self->load_serial) /* else a background load follows */
      set_model_locked(self, m, path);
    else
      sg3_model_unref(m);
    GST_OBJECT_UNLOCK(self);
    notify_model(self);
  }
  g_free(path);
  return st == SG3_OK;
}

/* A background load is done (in its thread). */
static void loaded(gpointer user, Sg3Loaded *l) {
  GstSg3Src *self = user;
  gboolean reverted = FALSE, swapped = FALSE;
  GST_OBJECT_LOCK(self);
  if (l->status != SG3_OK) {
    reverted = revert_path_locked(self, l->serial);
  } else if (l->serial != self->load_serial) {
    GST_DEBUG_OBJECT(self, "%s: superseded", l->path ? l->path : "built-in");
  } else if (self->started && l->render) {
    sg3_loaded_free(self->pending); /* create() switches at a frame */
    self->pending = l;
    l = NULL;
  } else if (self->model) { /* READY: just the model */
    set_model_locked(self, sg3_model_ref(l->model), l->path);
    swapped = TRUE;
  }
  self->loads--;
  g_cond_broadcast(&self->load_cond);
  g_cond_broadcast(&self->still_cond);
  GST_OBJECT_UNLOCK(self);
  if (l && l->status != SG3_OK)
    post_model_failure(self, FALSE, "Could not load the model", l->status,
                       l->error);
  if (reverted || swapped)
    notify_model(self);
  sg3_loaded_free(l);
  gst_object_unref(self);
}

/* `model` set: NULL and READY only store the path (READY loads it in the
 * background for the caps); PAUSED and PLAYING load it in the background
 * and create() switches to it at a frame boundary. A file that fails to
 * load is refused with a warning and the current model kept. */
static void set_model(GstSg3Src *self, const gchar *path) {
  if (path && !*path)
    path = NULL;
  GST_OBJECT_LOCK(self);
  g_free(self->model_path);
  self->model_path = g_strdup(path);
  guint serial = ++self->load_serial;
  gboolean active = self->model != NULL, started = self->started;
  Sg3RenderOptions opts = self->ropts;
  guint64 max_memory = self->ropts.max_memory;
  if (active)
    self->loads++;
  GST_OBJECT_UNLOCK(self);
  if (active)
    sg3_load_async(path, serial, max_memory, started ? &opts : NULL, loaded,
                   gst_object_ref(self));
}

/* Reads the list and file properties for the model in use. NULL with a
 * message that names the file when one cannot be read. */
static Sg3Inputs *read_inputs(GstSg3Src *self, const Sg3InputSpec *spec,
                              const sg3_model *model, gboolean fatal) {
  char *err = NULL;
  sg3_status st;
  Sg3Inputs *in = sg3_inputs_new(spec, model, &err, &st);
  if (!in) {
    gchar *text =
        g_strdup_printf("Could not read the latents: %s%s", err ? err : "?",
                        fatal ? "" : "; keeping the previous ones");
    gst_element_message_full(GST_ELEMENT(self),
                             fatal ? GST_MESSAGE_ERROR : GST_MESSAGE_WARNING,
                             GST_RESOURCE_ERROR, resource_error(st), text,
                             g_strdup_printf("libsg3: %s", sg3_status_name(st)),
                             __FILE__, GST_FUNCTION, __LINE__);
    free(err);
  }
  return in;
}

/* read_inputs with the spec as set now. */
static Sg3Inputs *read_inputs_for(GstSg3Src *self, const sg3_model *model,
                                  gboolean fatal) {
  GST_OBJECT_LOCK(self);
  Sg3InputSpec spec = {
      g_strdup(self->spec.latents), g_strdup(self->spec.mix_latents),
      g_strdup(self->spec.direction), g_strdup(self->spec.seeds),
      g_strdup(self->spec.classes)};
  GST_OBJECT_UNLOCK(self);
  Sg3Inputs *in = read_inputs(self, &spec, model, fatal);
  sg3_input_spec_clear(&spec);
  return in;
}

/* Takes the renderer over for the stream. Streaming thread or start(). */
static void use_render(GstSg3Src *self, Sg3Render *r) {
  const sg3_model_info *i = sg3_render_info(r);
  self->info = i;
  self->warned_class = -2;
  self->warned_transform = FALSE;
  self->warned_anchor = FALSE;
  self->tags_due = TRUE;
  GST_INFO_OBJECT(self, "model: %s (%s), %dx%d, %d channel(s), %d classes",
                  i->config, i->architecture, i->img_resolution,
                  i->img_resolution, i->img_channels, i->c_dim);
}

/* ------------------------------------------------------------------------ */
/* Properties */

/* Sets a settings field from a value of its pspec's type; TRUE if it
 * changed. */
static gboolean set_field(gpointer field, const GValue *value) {
  switch (G_TYPE_FUNDAMENTAL(G_VALUE_TYPE(value))) {
  case G_TYPE_UINT: {
    guint v = g_value_get_uint(value), *f = field;
    gboolean changed = *f != v;
    *f = v;
    return changed;
  }
  case G_TYPE_INT: {
    gint v = g_value_get_int(value), *f = field;
    gboolean changed = *f != v;
    *f = v;
    return changed;
  }
  case G_TYPE_ENUM: {
    gint v = g_value_get_enum(value), *f = field;
    gboolean changed = *f != v;
    *f = v;
    return changed;
  }
  case G_TYPE_DOUBLE: {
    gdouble v = g_value_get_double(value), *f = field;
    gboolean changed = *f != v;
    *f = v;
    return changed;
  }
  case G_TYPE_INT64: {
    gint64 v = g_value_get_int64(value), *f = field;
    gboolean changed = *f != v;
    *f = v;
    return changed;
  }
  case G_TYPE_BOOLEAN: {
    gboolean v = g_value_get_boolean(value), *f = field;
    gboolean changed = *f != v;
    *f = v;
    return changed;
  }
  default:
    g_assert_not_reached();
  }
  return FALSE;
}

static void get_field(gconstpointer field, GValue *value) {
  switch (G_TYPE_FUNDAMENTAL(G_VALUE_TYPE(value))) {
  case G_TYPE_UINT:
    g_value_set_uint(value, *(const guint *)field);
    break;
  case G_TYPE_INT:
    g_value_set_int(value, *(const gint *)field);
    break;
  case G_TYPE_ENUM:
    g_value_set_enum(value, *(const gint *)field);
    break;
  case G_TYPE_DOUBLE:
    g_value_set_double(value, *(const gdouble *)field);
    break;
  case G_TYPE_INT64:
    g_value_set_int64(value, *(const gint64 *)field);
    break;
  case G_TYPE_BOOLEAN:
    g_value_set_boolean(value, *(const gboolean *)field);
    break;
  default:
    g_assert_not_reached();
  }
}

static gboolean set_transform_locked(GstSg3Src *self, const GValue *array) {
  if (gst_value_array_get_size(array) != 3) {
    GST_WARNING_OBJECT(self, "transform needs 3 numbers <tx, ty, degrees>");
    return FALSE;
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
      return FALSE;
    }
    v[i] = g_value_get_double(&d);
  }
  if (!isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) ||
      fabs(v[0]) > MAX_TRANSLATE || fabs(v[1]) > MAX_TRANSLATE ||
      fabs(v[2]) > MAX_ROTATE) {
    GST_WARNING_OBJECT(self, "transform out of range");
    return FALSE;
  }
  gboolean changed =
      self->set.tx != v[0] || self->set.ty != v[1] || self->set.rot != v[2];
  self->set.tx = v[0];
  self->set.ty = v[1];
  self->set.rot = v[2];
  return changed;
}

/* The field of the spec a list or file property sets. */
static gchar **spec_field(Sg3InputSpec *spec, guint prop_id) {
  switch (prop_id) {
  case PROP_LATENTS:
    return &spec->latents;
  case PROP_MIX_LATENTS:
    return &spec->mix_latents;
  case PROP_DIRECTION:
    return &spec->direction;
  case PROP_SEEDS:
    return &spec->seeds;
  case PROP_CLASSES:
    return &spec->classes;
  default:
    return NULL;
  }
}

/* A list or file property: lists are checked at once; files are read when
 * the element runs (now, if it does: a file that cannot be read is refused
 * with a warning that names it, and the previous inputs stay). */
static void set_input(GstSg3Src *self, guint prop_id, const gchar *value) {
  if (value && !*value)
    value = NULL;
  if (prop_id == PROP_SEEDS || prop_id == PROP_CLASSES) {
    guint32 *v;
    gint n;
    if (!sg3_parse_list(value, prop_id == PROP_SEEDS ? G_MAXUINT32 : G_MAXINT32,
                        &v, &n)) {
      GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                          ("%s: '%s' is not a list like 3,7,12-20; keeping "
                           "the previous one",
                           prop_id == PROP_SEEDS ? "seeds" : "classes", value),
                          (NULL));
      return;
    }
    g_free(v);
  }
  GST_OBJECT_LOCK(self);
  Sg3InputSpec spec = {
      g_strdup(self->spec.latents), g_strdup(self->spec.mix_latents),
      g_strdup(self->spec.direction), g_strdup(self->spec.seeds),
      g_strdup(self->spec.classes)};
  gchar **f = spec_field(&spec, prop_id);
  g_free(*f);
  *f = g_strdup(value);
  sg3_model *model = self->started && self->render
                         ? sg3_model_ref(sg3_render_model(self->render))
                         : NULL;
  GST_OBJECT_UNLOCK(self);
  Sg3Inputs *in = NULL;
  if (model) {
    in = read_inputs(self, &spec, model, FALSE);
    sg3_model_unref(model);
    if (!in) {
      sg3_input_spec_clear(&spec);
      return;
    }
  }
  GST_OBJECT_LOCK(self);
  sg3_input_spec_clear(&self->spec);
  self->spec = spec;
  if (in) {
    sg3_inputs_unref(self->inputs);
    self->inputs = in;
    if (self->render)
      sg3_render_set_inputs(self->render, in);
  }
  self->set.serial++;
  g_cond_broadcast(&self->still_cond);
  GST_OBJECT_UNLOCK(self);
}

/* mix-layers and direction-layers: "0-6", "3", "8-" or "" (every row). */
static void set_rows(GstSg3Src *self, guint prop_id, const gchar *value) {
  gint first, last;
  if (!sg3_parse_rows(value, &first, &last)) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("%s: '%s' is not a range of ws rows like 0-6; "
                         "keeping the previous one",
                         g_param_spec_get_name(props[prop_id]), value),
                        (NULL));
    return;
  }
  GST_OBJECT_LOCK(self);
  gchar **s =
      prop_id == PROP_MIX_LAYERS ? &self->mix_layers : &self->direction_layers;
  g_free(*s);
  *s = g_strdup(value ? value : "");
  if (prop_id == PROP_MIX_LAYERS) {
    self->set.mix_first = first;
    self->set.mix_last = last;
  } else {
    self->set.direction_first = first;
    self->set.direction_last = last;
  }
  self->set.serial++;
  g_cond_broadcast(&self->still_cond);
  GST_OBJECT_UNLOCK(self);
}

static void gst_sg3_src_set_property(GObject *object, guint prop_id,
                                     const GValue *value, GParamSpec *pspec) {
  GstSg3Src *self = GST_SG3_SRC(object);
  if (prop_id == PROP_MODEL) {
    set_model(self, g_value_get_string(value));
    return;
  }
  if (spec_field(&self->spec, prop_id)) {
    set_input(self, prop_id, g_value_get_string(value));
    return;
  }
  if (prop_id == PROP_MIX_LAYERS || prop_id == PROP_DIRECTION_LAYERS) {
    set_rows(self, prop_id, g_value_get_string(value));
    return;
  }
  if (prop_id == PROP_IS_LIVE) {
    gst_base_src_set_live(GST_BASE_SRC(self), g_value_get_boolean(value));
    return;
  }
  /* How the generator runs (the next time one is made) */
  if (prop_id == PROP_THREADS || prop_id == PROP_SHARED_POOL ||
      prop_id == PROP_RENDER_AHEAD || prop_id == PROP_MAX_MEMORY) {
    GST_OBJECT_LOCK(self);
    if (prop_id == PROP_THREADS)
      self->ropts.threads = g_value_get_uint(value);
    else if (prop_id == PROP_SHARED_POOL)
      self->ropts.shared = g_value_get_boolean(value);
    else if (prop_id == PROP_RENDER_AHEAD)
      self->render_ahead = g_value_get_boolean(value);
    else
      self->ropts.max_memory = g_value_get_uint64(value);
    GST_OBJECT_UNLOCK(self);
    return;
  }
  if (prop_id >= N_PROPS ||
      (!setting_offset[prop_id] && prop_id != PROP_TRANSFORM)) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK(self);
  gboolean changed =
      prop_id == PROP_TRANSFORM
          ? set_transform_locked(self, value)
          : set_field((guint8 *)&self->set + setting_offset[prop_id] - 1,
                      value);
  if (changed) {
    self->set.serial++;
    if (frame_only[prop_id])
      self->set.frame_changes++;
    g_cond_broadcast(&self->still_cond);
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
  if (prop_id == PROP_IS_LIVE) {
    /* the base class takes the object lock itself */
    g_value_set_boolean(value, gst_base_src_is_live(GST_BASE_SRC(self)));
    return;
  }
  GST_OBJECT_LOCK(self);
  if (prop_id < N_PROPS && setting_offset[prop_id]) {
    get_field((const guint8 *)&self->set + setting_offset[prop_id] - 1, value);
  } else if (prop_id == PROP_MODEL) {
    g_value_set_string(value, self->model_path);
  } else if (spec_field(&self->spec, prop_id)) {
    g_value_set_string(value, *spec_field(&self->spec, prop_id));
  } else if (prop_id == PROP_MIX_LAYERS) {
    g_value_set_string(value, self->mix_layers);
  } else if (prop_id == PROP_DIRECTION_LAYERS) {
    g_value_set_string(value, self->direction_layers);
  } else if (prop_id == PROP_TRANSFORM) {
    gdouble v[3] = {self->set.tx, self->set.ty, self->set.rot};
    for (int i = 0; i < 3; i++) {
      GValue d = G_VALUE_INIT;
      g_value_init(&d, G_TYPE_DOUBLE);
      g_value_set_double(&d, v[i]);
      gst_value_array_append_and_take_value(value, &d);
    }
  } else if (prop_id == PROP_LAST_WS) {
    g_value_take_boxed(
        value, self->render ? sg3_render_get_last_ws(self->render) : NULL);
  } else if (prop_id == PROP_THREADS) {
    g_value_set_uint(value, self->ropts.threads);
  } else if (prop_id == PROP_SHARED_POOL) {
    g_value_set_boolean(value, self->ropts.shared);
  } else if (prop_id == PROP_RENDER_AHEAD) {
    g_value_set_boolean(value, self->render_ahead);
  } else if (prop_id == PROP_MAX_MEMORY) {
    g_value_set_uint64(value, self->ropts.max_memory);
  } else if (prop_id == PROP_MODEL_RESOLUTION ||
             prop_id == PROP_MODEL_CHANNELS || prop_id == PROP_MODEL_CLASSES ||
             prop_id == PROP_MODEL_FAMILY || prop_id == PROP_MODEL_NUM_WS ||
             prop_id == PROP_MODEL_W_DIM) {
    sg3_model_info i = {0};
    if (self->model)
      sg3_model_get_info(self->model, &i);
    if (prop_id == PROP_MODEL_RESOLUTION)
      g_value_set_int(value, i.img_resolution);
    else if (prop_id == PROP_MODEL_CHANNELS)
      g_value_set_int(value, i.img_channels);
    else if (prop_id == PROP_MODEL_CLASSES)
      g_value_set_int(value, i.c_dim);
    else if (prop_id == PROP_MODEL_NUM_WS)
      g_value_set_int(value, i.num_ws);
    else if (prop_id == PROP_MODEL_W_DIM)
      g_value_set_int(value, i.w_dim);
    else
      g_value_set_string(value, i.family);
  } else if (prop_id == PROP_STATS) {
    guint64 rendered = 0, reused = 0, cancelled = 0;
    if (self->render)
      sg3_render_get_stats(self->render, &rendered, &reused, &cancelled);
    g_value_take_boxed(
        value, gst_structure_new(
                   "application/x-sg3src-stats", "rendered", G_TYPE_UINT64,
                   rendered, "reused", G_TYPE_UINT64, reused, "cancelled",
                   G_TYPE_UINT64, cancelled, "emitted", G_TYPE_UINT64,
                   self->processed, "skipped", G_TYPE_UINT64, self->dropped,
                   "late", G_TYPE_UINT64, self->late, NULL));
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

/* ------------------------------------------------------------------------ */
/* Caps */

/* The model's size and formats from READY on (the model is loaded then),
 * the template before. */
static GstCaps *gst_sg3_src_get_caps(GstBaseSrc *bsrc, GstCaps *filter) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  gint res = self->res, channels = self->channels;
  GST_OBJECT_UNLOCK(self);
  GstCaps *caps = res > 0
                      ? model_caps(res, channels)
                      : gst_pad_get_pad_template_caps(GST_BASE_SRC_PAD(bsrc));
  if (filter) {
    GstCaps *tmp =
        gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref(caps);
    caps = tmp;
  }
  return caps;
}

/* Negotiation: when downstream takes nothing the model makes, say what
 * the model makes and what downstream takes. */
static gboolean gst_sg3_src_negotiate(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  if (GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)->negotiate(bsrc))
    return TRUE;
  GstCaps *ours = gst_sg3_src_get_caps(bsrc, NULL);
  GstCaps *peer = gst_pad_peer_query_caps(GST_BASE_SRC_PAD(bsrc), NULL);
  gchar *o = gst_caps_to_string(ours),
        *p = peer ? gst_caps_to_string(peer) : NULL;
  GST_OBJECT_LOCK(self);
  gint res = self->res, ch = self->channels;
  GST_OBJECT_UNLOCK(self);
  GST_ELEMENT_ERROR(self, STREAM, FORMAT,
                    ("Downstream cannot take what the model makes: %dx%d, "
                     "%s",
                     res, res,
                     ch == 1   ? "GRAY8 or packed RGB (sRGB)"
                     : ch == 3 ? "packed RGB (sRGB)"
                               : "RGBA, BGRA, ARGB or ABGR (sRGB)"),
                    ("not-negotiated: the model offers %s; downstream "
                     "accepts %s",
                     o, p ? p : "nothing"));
  GST_WARNING_OBJECT(self, "not negotiated: we offer %s, downstream %s", o, p);
  g_free(o);
  g_free(p);
  gst_caps_unref(ours);
  if (peer)
    gst_caps_unref(peer);
  return FALSE;
}

static GstCaps *gst_sg3_src_fixate(GstBaseSrc *bsrc, GstCaps *caps) {
  caps = gst_caps_make_writable(caps);
  GstStructure *s = gst_caps_get_structure(caps, 0);
  gst_structure_fixate_field_nearest_fraction(s, "framerate", 30, 1);
  return GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)->fixate(bsrc, caps);
}

/* The timestamp of frame n (n >= 0, framerate > 0). */
static GstClockTime frame_ts(GstSg3Src *self, gint64 n) {
  guint64 fd = (guint64)self->vinfo.fps_d * GST_SECOND, fn = self->vinfo.fps_n;
  if ((guint64)n >= self->accum_frames)
    return self->accum_rtime +
           gst_util_uint64_scale((guint64)n - self->accum_frames, fd, fn);
  GstClockTime back = gst_util_uint64_scale(self->accum_frames - n, fd, fn);
  return back < self->accum_rtime ? self->accum_rtime - back : 0;
}

/* The frame that shows stream position `pos`: forward the last one that
 * starts at or before it; reverse (pos is the stop) the last that starts
 * before it. Exactly the inverse of frame_ts (whose times are rounded
 * down), so a seek to frame_ts(n) lands on frame n. */
static gint64 frame_at(GstSg3Src *self, GstClockTime pos, gboolean reverse) {
  if (reverse) {
    if (pos == 0)
      return -1;
    pos -= 1;
  }
  guint64 fd = (guint64)self->vinfo.fps_d * GST_SECOND, fn = self->vinfo.fps_n;
  gint64 n = (gint64)gst_util_uint64_scale(pos, fn, fd);
  while (frame_ts(self, n + 1) <= pos)
    n++;
  while (n > 0 && frame_ts(self, n) > pos)
    n--;
  return n;
}

static gboolean gst_sg3_src_set_caps(GstBaseSrc *bsrc, GstCaps *caps) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, caps) || info.fps_n < 0 ||
      info.fps_d <= 0) {
    GST_ERROR_OBJECT(self, "unusable caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
  /* Keep time continuous across a framerate change. */
  if (GST_VIDEO_INFO_FORMAT(&self->vinfo) != GST_VIDEO_FORMAT_UNKNOWN &&
      self->vinfo.fps_n > 0 && info.fps_n > 0 && self->n >= 0 &&
      (info.fps_n != self->vinfo.fps_n || info.fps_d != self->vinfo.fps_d)) {
    self->accum_rtime = frame_ts(self, self->n);
    self->accum_frames = (guint64)self->n;
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

/* The stream's length in frames, or -1: num-buffers when set, else the
 * loop of a walk that nothing else moves (no pan, spin or controller). */
static gint64 duration_frames(GstSg3Src *self) {
  GstBaseSrc *bsrc = GST_BASE_SRC(self);
  if (bsrc->num_buffers > 0)
    return bsrc->num_buffers;
  gboolean controlled =
      gst_object_has_active_control_bindings(GST_OBJECT(self));
  GST_OBJECT_LOCK(self);
  const Sg3Settings *t = &self->set;
  gint64 n =
      t->animation == SG3_ANIMATION_WALK && t->walk_speed < 0 &&
              t->pan_x == 0 && t->pan_y == 0 && t->spin == 0 && !controlled
          ? (gint64)t->walk_frames * sg3_render_walk_keyframes(self->inputs, t)
          : -1;
  GST_OBJECT_UNLOCK(self);
  return n;
}

static gboolean gst_sg3_src_query(GstBaseSrc *bsrc, GstQuery *query) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  gboolean live = gst_base_src_is_live(bsrc);
  switch (GST_QUERY_TYPE(query)) {
  case GST_QUERY_LATENCY:
    if (self->vinfo.fps_n > 0) {
      /* Live frames leave at their timestamp, or a little after when
       * rendering runs late; one frame of latency gives that room. */
      GstClockTime latency = gst_util_uint64_scale(
          GST_SECOND, self->vinfo.fps_d, self->vinfo.fps_n);
      gst_query_set_latency(query, live, live ? latency : 0,
                            GST_CLOCK_TIME_NONE);
      GST_DEBUG_OBJECT(self, "latency %" GST_TIME_FORMAT,
                       GST_TIME_ARGS(live ? latency : 0));
      return TRUE;
    }
    break;
  case GST_QUERY_CONVERT: {
    GstFormat sf, df;
    gint64 sv, dv;
    gst_query_parse_convert(query, &sf, &sv, &df, &dv);
    if (self->vinfo.fps_n <= 0 && sf != df)
      return FALSE; /* no framerate yet, or a still */
    if (!gst_video_info_convert(&self->vinfo, sf, sv, df, &dv))
      return FALSE;
    gst_query_set_convert(query, sf, sv, df, dv);
    return TRUE;
  }
  case GST_QUERY_DURATION: {
    GstFormat f;
    gst_query_parse_duration(query, &f, NULL);
    gint64 frames = duration_frames(self);
    if (frames < 0 || (f != GST_FORMAT_DEFAULT && f != GST_FORMAT_TIME))
      break;
    if (f == GST_FORMAT_TIME) {
      if (self->vinfo.fps_n <= 0)
        break;
      frames = (gint64)gst_util_uint64_scale(
          (guint64)frames, (guint64)self->vinfo.fps_d * GST_SECOND,
          (guint64)self->vinfo.fps_n);
    }
    gst_query_set_duration(query, f, frames);
    return TRUE;
  }
  case GST_QUERY_SEEKING: {
    GstFormat f;
    gst_query_parse_seeking(query, &f, NULL, NULL, NULL);
    if (f != GST_FORMAT_TIME && f != GST_FORMAT_DEFAULT)
      break;
    gint64 end = duration_frames(self);
    if (end >= 0 && f == GST_FORMAT_TIME)
      end = self->vinfo.fps_n > 0
                ? (gint64)gst_util_uint64_scale(
                      (guint64)end, (guint64)self->vinfo.fps_d * GST_SECOND,
                      (guint64)self->vinfo.fps_n)
                : -1;
    gst_query_set_seeking(query, f, !live, 0, end);
    return TRUE;
  }
  default:
    break;
  }
  return GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)->query(bsrc, query);
}

/* Not live, the stream is a function of its position: seekable. */
static gboolean gst_sg3_src_is_seekable(GstBaseSrc *bsrc) {
  return !gst_base_src_is_live(bsrc);
}

/* A seek (the streaming thread is stopped): the next frame is the one at
 * the segment's position, counted from time 0 again. */
static gboolean gst_sg3_src_do_seek(GstBaseSrc *bsrc, GstSegment *segment) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  gboolean reverse = segment->rate < 0;
  GstClockTime pos = segment->position;
  if (reverse && !GST_CLOCK_TIME_IS_VALID(pos)) {
    gint64 frames = duration_frames(self);
    if (frames < 0 || self->vinfo.fps_n <= 0) {
      GST_WARNING_OBJECT(self, "reverse playback needs a stop position");
      return FALSE;
    }
    pos = gst_util_uint64_scale((guint64)frames,
                                (guint64)self->vinfo.fps_d * GST_SECOND,
                                (guint64)self->vinfo.fps_n);
  }
  if (!GST_CLOCK_TIME_IS_VALID(pos))
    pos = 0;
  segment->time = segment->start;
  self->reverse = reverse;
  sg3_pace_reset(&self->pace); /* the walk's pace: a function of time again */
  self->accum_frames = 0;
  self->accum_rtime = 0;
  /* A frame rendered ahead stays: create() uses it only if it is the one
   * now wanted (the first of a looping segment, rendered ahead at its
   * end); a flushing seek has cancelled it anyway. */
  if (self->vinfo.fps_n > 0) {
    self->n = frame_at(self, pos, reverse);
    self->seek_pending = FALSE;
  } else { /* before the caps, or a still: placed in create() */
    self->n = 0;
    self->seek_pending = TRUE;
    self->seek_position = pos;
  }
  GST_DEBUG_OBJECT(
      self, "seek to %" GST_TIME_FORMAT " rate %g: frame %" G_GINT64_FORMAT,
      GST_TIME_ARGS(pos), segment->rate, self->n);
  return TRUE;
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

/* Flushing or stopping: the clock wait, a still's wait and the frame being
 * rendered (in front or ahead) all return at once. */
static gboolean gst_sg3_src_unlock(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  self->flushing = TRUE;
  if (self->clock_id)
    gst_clock_id_unschedule(self->clock_id);
  if (self->render)
    sg3_render_cancel(self->render, TRUE);
  g_cond_broadcast(&self->still_cond);
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_sg3_src_unlock_stop(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  self->flushing = FALSE;
  if (self->render)
    sg3_render_cancel(self->render, FALSE);
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
  GstClockTime gen_time = sg3_render_time(self->render);
  self->dropped += to - from;
  GST_DEBUG_OBJECT(self,
                   "skipping %" G_GUINT64_FORMAT
                   " frame(s), jitter %" GST_STIME_FORMAT,
                   to - from, GST_STIME_ARGS(jitter));
  GstMessage *msg = gst_message_new_qos(GST_OBJECT(self), live, ts, ts, ts,
                                        frame_ts(self, to) - ts);
  gst_message_set_qos_values(
      msg, jitter, (gdouble)gen_time / (gdouble)dur,
      (gint)(1000000 * MIN(1.0, (gdouble)dur / (gdouble)MAX(1, gen_time))));
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
/* Frames */

/* The class to use, warning once about values the model cannot take. */
static gint effective_class(GstSg3Src *self, gint klass) {
  gint c_dim = self->info->c_dim;
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

/* StyleGAN2 has no input to move: translate, rotate, pan and spin are
 * ignored (as gen_images.py ignores --translate and --rotate there), with
 * one warning per model. */
static void check_transform(GstSg3Src *self, const Sg3Settings *s) {
  if (self->info->has_transform || self->warned_transform)
    return;
  if (s->tx != 0 || s->ty != 0 || s->rot != 0 || s->pan_x != 0 ||
      s->pan_y != 0 || s->spin != 0) {
    self->warned_transform = TRUE;
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("The model (%s) has no input transform: translate, "
                         "rotate, pan and spin are ignored",
                         self->info->family),
                        (NULL));
  }
}

/* The job for frame n at time ts: the properties then, controlled ones
 * included. */
static void job_at_time(GstSg3Src *self, gint64 n, GstClockTime ts,
                        Sg3Job *job) {
  /* Controlled properties follow stream time; the segment starts at 0. */
  gst_object_sync_values(GST_OBJECT(self), ts);
  GST_OBJECT_LOCK(self);
  job->s = self->set;
  GST_OBJECT_UNLOCK(self);
  job->s.klass = effective_class(self, job->s.klass);
  check_transform(self, &job->s);
  if (job->s.anchor && !self->info->has_transform) {
    if (!self->warned_anchor)
      GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                          ("anchor is ignored: a %s model has no input "
                           "transform",
                           self->info->family),
                          (NULL));
    self->warned_anchor = TRUE;
    job->s.anchor = FALSE;
  }
  job->n = (guint64)n;
  job->ts = ts;
  sg3_pace_at(&self->pace, GST_OBJECT(self), (guint64)n, ts, job->s.walk_speed,
              job->s.walk_frames, &job->walk_offset, &job->walk_since);
}

static void job_at(GstSg3Src *self, gint64 n, Sg3Job *job) {
  job_at_time(self, n, frame_ts(self, n), job);
}

/* A model loaded in the background replaces the current one at this frame
 * boundary, unless downstream cannot take its frames: then it is refused
 * with a warning and the current model kept, as a file that fails to load
 * is. */
static void apply_pending_model(GstSg3Src *self) {
  GST_OBJECT_LOCK(self);
  Sg3Loaded *l = self->pending;
  self->pending = NULL;
  GST_OBJECT_UNLOCK(self);
  if (!l)
    return;
  const sg3_model_info *ni = sg3_render_info(l->render);
  gint res = self->info->img_resolution, ch = self->info->img_channels;
  gboolean geometry = ni->img_resolution != res || ni->img_channels != ch;
  GstBaseSrc *bsrc = GST_BASE_SRC(self);
  if (geometry) {
    GstCaps *want = model_caps(ni->img_resolution, ni->img_channels);
    GstCaps *peer = gst_pad_peer_query_caps(GST_BASE_SRC_PAD(bsrc), want);
    gboolean ok = peer && !gst_caps_is_empty(peer);
    gst_caps_unref(want);
    if (peer)
      gst_caps_unref(peer);
    if (!ok) {
      gchar *err = g_strdup_printf("downstream cannot take its %dx%d "
                                   "%d-channel video",
                                   ni->img_resolution, ni->img_resolution,
                                   ni->img_channels);
      GST_OBJECT_LOCK(self);
      gboolean reverted = revert_path_locked(self, l->serial);
      GST_OBJECT_UNLOCK(self);
      post_model_failure(self, FALSE, "Refused the new model",
                         SG3_ERR_UNSUPPORTED, err);
      g_free(err);
      if (reverted)
        notify_model(self);
      sg3_loaded_free(l);
      return;
    }
  }
  /* the latent files again, for the new model's shapes: NULL (none) if
   * they do not fit it */
  Sg3Inputs *in = read_inputs_for(self, l->model, FALSE);
  sg3_render_set_inputs(l->render, in);
  GST_OBJECT_LOCK(self);
  Sg3Render *old = self->render;
  sg3_model *old_model = sg3_model_ref(self->model);
  gchar *old_path = g_strdup(self->model_in_use);
  Sg3Inputs *old_inputs = self->inputs;
  self->inputs = in;
  self->render = l->render;
  set_model_locked(self, sg3_model_ref(l->model), l->path);
  self->set.serial++;
  GST_OBJECT_UNLOCK(self);
  l->render = NULL;
  use_render(self, self->render);
  if (geometry && !gst_base_src_negotiate(bsrc)) {
    /* refused after all: back to the old model and its caps */
    GST_OBJECT_LOCK(self);
    Sg3Render *r = self->render;
    self->render = old;
    set_model_locked(self, old_model, old_path);
    old_model = NULL;
    in = self->inputs;
    self->inputs = old_inputs;
    old_inputs = in;
    revert_path_locked(self, l->serial);
    GST_OBJECT_UNLOCK(self);
    use_render(self, old);
    old = r;
    gst_base_src_negotiate(bsrc);
  }
  if (old_model)
    sg3_model_unref(old_model);
  sg3_inputs_unref(old_inputs);
  g_free(old_path);
  sg3_render_free(old);
  sg3_loaded_free(l);
  notify_model(self);
}

/* Stream tags: the model and the settings at the start. */
static void push_tags(GstSg3Src *self) {
  self->tags_due = FALSE;
  GST_OBJECT_LOCK(self);
  gchar *name = sg3_load_display_name(self->model_in_use);
  Sg3Settings t = self->set;
  GST_OBJECT_UNLOCK(self);
  const sg3_model_info *i = self->info;
  gchar *comment = g_strdup_printf(
      "StyleGAN %s, %dx%d, %d channel(s), %d classes; seed %u, psi %g, "
      "class %d, animation %s",
      i->config, i->img_resolution, i->img_resolution, i->img_channels,
      i->c_dim, t.seed, t.psi, t.klass,
      t.animation == SG3_ANIMATION_WALK ? "walk" : "none");
  GstTagList *tags =
      gst_tag_list_new(GST_TAG_TITLE, name, GST_TAG_COMMENT, comment,
                       GST_TAG_APPLICATION_NAME, "sg3src", NULL);
  gst_tag_list_set_scope(tags, GST_TAG_SCOPE_STREAM);
  gst_pad_push_event(GST_BASE_SRC_PAD(self), gst_event_new_tag(tags));
  g_free(name);
  g_free(comment);
}

/* Renders and packs frame `job` into a new buffer. */
static GstFlowReturn make_buffer(GstSg3Src *self, const Sg3Job *job,
                                 GstBuffer **out) {
  char *err = NULL;
  sg3_status st = sg3_render_frame(self->render, job, &err);
  if (st == SG3_ERR_CANCELLED) { /* flushing: the frame never leaves */
    free(err);
    return GST_FLOW_FLUSHING;
  }
  if (st != SG3_OK) {
    GST_ELEMENT_ERROR(self, LIBRARY, FAILED,
                      ("Generating the frame failed: %s", err ? err : "?"),
                      ("libsg3: %s", sg3_status_name(st)));
    free(err);
    return GST_FLOW_ERROR;
  }
  gchar *notice = sg3_render_take_notice(self->render);
  if (notice) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("%s", notice), (NULL));
    g_free(notice);
  }
  GstBuffer *buf = NULL;
  GstFlowReturn ret =
      GST_BASE_SRC_CLASS(gst_sg3_src_parent_class)
          ->alloc(GST_BASE_SRC(self), job->n, (guint)self->vinfo.size, &buf);
  if (ret != GST_FLOW_OK)
    return ret;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &self->vinfo, buf, GST_MAP_WRITE)) {
    gst_buffer_unref(buf);
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Could not map a buffer"),
                      (NULL));
    return GST_FLOW_ERROR;
  }
  sg3_render_pack(self->render, &frame);
  gst_video_frame_unmap(&frame);
  GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET(buf) = job->n;
  GST_BUFFER_OFFSET_END(buf) = job->n + 1;
  *out = buf;
  return GST_FLOW_OK;
}

/* framerate=0/1: one image, then another only when a setting (or the
 * model) changes; the stream does not end, as a paused picture. */
static GstFlowReturn create_still(GstSg3Src *self, GstBuffer **outbuf) {
  GST_OBJECT_LOCK(self);
  while (self->n > 0 && !self->flushing && !self->pending &&
         self->set.serial == self->still_serial)
    g_cond_wait(&self->still_cond, GST_OBJECT_GET_LOCK(self));
  gboolean flushing = self->flushing;
  GST_OBJECT_UNLOCK(self);
  if (flushing)
    return GST_FLOW_FLUSHING;
  if (self->n > 0) {
    apply_pending_model(self);
    if (self->tags_due)
      push_tags(self);
    /* shown now: at the running time, if there is a clock */
    GstClockTime now = running_time_now(self);
    if (GST_CLOCK_TIME_IS_VALID(now) && now > self->still_pts)
      self->still_pts = now;
  }
  Sg3Job job;
  job_at_time(self, self->n, self->still_pts, &job);
  sg3_pace_commit(&self->pace, GST_OBJECT(self), (guint64)self->n, job.ts,
                  job.s.walk_speed, job.s.walk_frames);
  GstFlowReturn ret = make_buffer(self, &job, outbuf);
  if (ret != GST_FLOW_OK)
    return ret;
  if (!gst_base_src_get_do_timestamp(GST_BASE_SRC(self)))
    GST_BUFFER_PTS(*outbuf) = self->still_pts;
  GST_BUFFER_DURATION(*outbuf) = GST_CLOCK_TIME_NONE; /* until the next */
  self->still_serial = job.s.serial;
  self->n++;
  self->processed++;
  return GST_FLOW_OK;
}

/* The frame to render ahead after frame n, or -1: the next one in the
 * direction of play inside the segment; past the end of a segment seek,
 * its first frame (the one a loop comes back to). */
static gint64 next_frame(GstSg3Src *self, gint64 n) {
  GstBaseSrc *bsrc = GST_BASE_SRC(self);
  GST_OBJECT_LOCK(self);
  GstSegment seg = bsrc->segment;
  GST_OBJECT_UNLOCK(self);
  gboolean loop = (seg.flags & GST_SEGMENT_FLAG_SEGMENT) != 0;
  if (self->reverse) {
    if (n > 0 && frame_ts(self, n) > seg.start)
      return n - 1;
    return loop && GST_CLOCK_TIME_IS_VALID(seg.stop)
               ? frame_at(self, seg.stop, TRUE)
               : -1;
  }
  if (!GST_CLOCK_TIME_IS_VALID(seg.stop) || frame_ts(self, n + 1) < seg.stop)
    return n + 1;
  return loop ? frame_at(self, seg.start, FALSE) : -1;
}

static GstFlowReturn gst_sg3_src_create(GstPushSrc *psrc, GstBuffer **outbuf) {
  GstSg3Src *self = GST_SG3_SRC(psrc);
  GstBaseSrc *bsrc = GST_BASE_SRC(psrc);
  apply_pending_model(self);
  if (GST_VIDEO_INFO_FORMAT(&self->vinfo) == GST_VIDEO_FORMAT_UNKNOWN)
    return GST_FLOW_NOT_NEGOTIATED;
  if (self->tags_due)
    push_tags(self);
  if (self->vinfo.fps_n == 0)
    return create_still(self, outbuf);
  if (self->seek_pending) {
    self->n = frame_at(self, self->seek_position, self->reverse);
    self->seek_pending = FALSE;
  }
  if (self->n < 0)
    return GST_FLOW_EOS; /* reverse playback went past frame 0 */
  GST_OBJECT_LOCK(self);
  gboolean render_ahead = self->render_ahead;
  GST_OBJECT_UNLOCK(self);
  guint64 ahead_n = 0; /* (waits for the render-ahead worker) */
  gboolean ahead = sg3_render_ahead_ready(self->render, &ahead_n);
  /* render times on the pipeline's clock, which is what they are compared
   * with (with a test clock, rendering takes no time) */
  GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
  sg3_render_set_clock(self->render, clock);
  if (clock)
    gst_object_unref(clock);

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
  GstClockTime gen_time = sg3_render_time(self->render);
  /* Picks the frame. When frames keep to the clock, one that could not be
   * ready by its deadline is skipped rather than sent late: if rendering is
   * slower than the framerate the stream keeps to the clock, at a lower
   * effective rate, instead of drifting behind it. A frame rendered ahead
   * is used while it is still the most recent frame due (late by less than
   * a frame), so that no render is wasted. Reverse playback (never live)
   * does not skip. */
  GstClockTime now =
      self->reverse ? GST_CLOCK_TIME_NONE : clock_bound_now(self, live);
  gint64 n = self->n;
  if (self->reverse)
    ahead = ahead && (gint64)ahead_n == n;
  else
    ahead = ahead && (gint64)ahead_n >= n;
  if (GST_CLOCK_TIME_IS_VALID(now)) {
    if (ahead && frame_ts(self, (gint64)ahead_n + 1) + latency > now) {
      n = (gint64)ahead_n;
    } else {
      self->late += ahead;
      if (ahead)
        GST_DEBUG_OBJECT(self,
                         "frame %" G_GUINT64_FORMAT " rendered ahead is late "
                         "by %" GST_STIME_FORMAT ": not sent",
                         ahead_n,
                         GST_STIME_ARGS(GST_CLOCK_DIFF(
                             frame_ts(self, (gint64)ahead_n) + latency, now)));
      ahead = FALSE;
      n = (gint64)first_on_time(self, (guint64)n, now + gen_time, latency);
    }
  } else {
    ahead = ahead && (gint64)ahead_n == n;
  }
  if (n > self->n && !self->resync)
    skipped(self, live, (guint64)self->n, (guint64)n,
            GST_CLOCK_DIFF(frame_ts(self, self->n) + latency,
                           now + (ahead ? 0 : gen_time)));
  self->resync = FALSE;
  GstClockTime ts = frame_ts(self, n), next = frame_ts(self, n + 1);
  /* Live: take the properties as late as possible, so that a change shows
   * in the next frame out: at the frame's time if it is rendered already,
   * else so that it is ready half a frame into our own latency (the rest of
   * the pipeline latency belongs downstream). */
  if (live) {
    GstClockTime start = ts, margin = gen_time + dur / 2;
    if (!ahead)
      start = ts + own > margin ? ts + own - margin : 0;
    if (!wait_until(self, start))
      return GST_FLOW_FLUSHING;
  }

  Sg3Job job;
  job_at(self, n, &job);
  sg3_pace_commit(&self->pace, GST_OBJECT(self), (guint64)n, job.ts,
                  job.s.walk_speed, job.s.walk_frames);
  GstBuffer *buf = NULL;
  GstFlowReturn ret = make_buffer(self, &job, &buf);
  if (ret != GST_FLOW_OK)
    return ret;

  /* Render the next frame while this one goes downstream (not after the
   * last one num-buffers allows): when keeping to the clock, the one that
   * will be on time when it is ready. */
  gint64 next_n =
      render_ahead && bsrc->num_buffers_left != 0 ? next_frame(self, n) : -1;
  if (next_n >= 0) {
    gen_time = sg3_render_time(self->render); /* with this frame's */
    now = self->reverse ? GST_CLOCK_TIME_NONE : clock_bound_now(self, live);
    if (GST_CLOCK_TIME_IS_VALID(now) && next_n > n)
      next_n =
          (gint64)first_on_time(self, (guint64)next_n, now + gen_time, latency);
    Sg3Job next_job;
    job_at(self, next_n, &next_job);
    GST_LOG_OBJECT(self,
                   "frame %" G_GINT64_FORMAT " out, rendering %" G_GINT64_FORMAT
                   " ahead (expected to take %" GST_TIME_FORMAT ")",
                   n, next_n, GST_TIME_ARGS(gen_time));
    sg3_render_ahead(self->render, &next_job);
  }

  /* Live: never before its time (a slow frame may have started early). */
  if (live && !wait_until(self, ts)) {
    gst_buffer_unref(buf);
    return GST_FLOW_FLUSHING;
  }
  if (!gst_base_src_get_do_timestamp(bsrc))
    GST_BUFFER_PTS(buf) = ts;
  GST_BUFFER_DURATION(buf) = next - ts;
  self->n = self->reverse ? n - 1 : n + 1;
  self->processed++;
  *outbuf = buf;
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------ */
/* States */

static gboolean gst_sg3_src_start(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  /* a model asked for in READY is being loaded: that is the one to start
   * with */
  while (self->loads > 0)
    g_cond_wait(&self->load_cond, GST_OBJECT_GET_LOCK(self));
  sg3_model *m = self->model ? sg3_model_ref(self->model) : NULL;
  Sg3RenderOptions opts = self->ropts;
  self->qos_late = FALSE;
  self->pipeline_latency = GST_CLOCK_TIME_NONE;
  GST_OBJECT_UNLOCK(self);
  if (!m && !load_now(self))
    return FALSE;
  if (!m) {
    GST_OBJECT_LOCK(self);
    m = sg3_model_ref(self->model);
    GST_OBJECT_UNLOCK(self);
  }
  /* the latent files for this model: one that cannot be read is an error */
  Sg3Inputs *in = NULL;
  GST_OBJECT_LOCK(self);
  gboolean any = self->spec.latents || self->spec.mix_latents ||
                 self->spec.direction || self->spec.seeds || self->spec.classes;
  GST_OBJECT_UNLOCK(self);
  if (any && !(in = read_inputs_for(self, m, TRUE))) {
    sg3_model_unref(m);
    return FALSE;
  }
  char *err = NULL;
  sg3_status st;
  Sg3Render *r = sg3_render_new(m, &opts, &st, &err);
  sg3_model_unref(m);
  if (!r) {
    post_model_failure(self, TRUE, "Could not set up the generator", st, err);
    free(err);
    sg3_inputs_unref(in);
    return FALSE;
  }
  sg3_render_set_inputs(r, in);
  GST_OBJECT_LOCK(self);
  sg3_inputs_unref(self->inputs);
  self->inputs = in;
  self->render = r;
  self->started = TRUE;
  GST_OBJECT_UNLOCK(self);
  use_render(self, r);
  gst_video_info_init(&self->vinfo);
  self->n = 0;
  self->reverse = FALSE;
  self->seek_pending = FALSE;
  self->accum_frames = 0;
  self->accum_rtime = 0;
  self->resync = TRUE;
  self->still_pts = 0;
  self->processed = self->dropped = self->late = 0;
  sg3_pace_reset(&self->pace);
  return TRUE;
}

static gboolean gst_sg3_src_stop(GstBaseSrc *bsrc) {
  GstSg3Src *self = GST_SG3_SRC(bsrc);
  GST_OBJECT_LOCK(self);
  Sg3Render *r = self->render;
  Sg3Loaded *l = self->pending;
  self->render = NULL;
  self->pending = NULL;
  self->started = FALSE;
  GST_OBJECT_UNLOCK(self);
  sg3_render_free(r); /* cancels the frame it may be rendering */
  sg3_loaded_free(l);
  self->info = NULL;
  return TRUE;
}

/* The model is loaded in NULL -> READY, so that the caps (its size) are
 * known in READY, and dropped in READY -> NULL. */
static GstStateChangeReturn gst_sg3_src_change_state(GstElement *element,
                                                     GstStateChange t) {
  GstSg3Src *self = GST_SG3_SRC(element);
  if (t == GST_STATE_CHANGE_NULL_TO_READY && !load_now(self))
    return GST_STATE_CHANGE_FAILURE;
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_sg3_src_parent_class)->change_state(element, t);
  if (t == GST_STATE_CHANGE_READY_TO_NULL) {
    GST_OBJECT_LOCK(self);
    set_model_locked(self, NULL, NULL);
    GST_OBJECT_UNLOCK(self);
  }
  return ret;
}

/* ------------------------------------------------------------------------ */
/* GObject */

static void gst_sg3_src_init(GstSg3Src *self) {
  self->set = (Sg3Settings){
      .seed = DEFAULT_SEED,
      .psi = DEFAULT_PSI,
      .cutoff = DEFAULT_CUTOFF,
      .klass = DEFAULT_CLASS,
      .animation = DEFAULT_ANIMATION,
      .walk_frames = DEFAULT_WALK_FRAMES,
      .walk_keyframes = DEFAULT_WALK_KEYFRAMES,
      .noise_mode = DEFAULT_NOISE_MODE,
      .walk_kind = DEFAULT_WALK_KIND,
      .loop_radius = DEFAULT_LOOP_RADIUS,
      .shuffle_seed = -1,
      .mix_seed = -1,
      .mix_first = 0,
      .mix_last = 6,
      .direction_strength = 1.0,
      .direction_index = -1,
      .direction_first = 0,
      .direction_last = -1,
      .walk_speed = DEFAULT_WALK_SPEED,
      .pulse_psi = DEFAULT_PULSE_PSI,
  };
  sg3_pace_init(&self->pace);

  self->mix_layers = g_strdup(DEFAULT_MIX_LAYERS);
  self->direction_layers = g_strdup("");
  self->ropts = (Sg3RenderOptions){.threads = DEFAULT_THREADS,
                                   .shared = DEFAULT_SHARED_POOL,
                                   .max_memory = DEFAULT_MAX_MEMORY};
  self->render_ahead = DEFAULT_RENDER_AHEAD;
  g_cond_init(&self->load_cond);
  g_cond_init(&self->still_cond);
  gst_video_info_init(&self->vinfo);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_live(GST_BASE_SRC(self), FALSE);
}

static void gst_sg3_src_finalize(GObject *object) {
  GstSg3Src *self = GST_SG3_SRC(object);
  sg3_render_free(self->render);
  sg3_loaded_free(self->pending);
  if (self->model)
    sg3_model_unref(self->model);
  g_free(self->model_path);
  g_free(self->model_in_use);
  sg3_input_spec_clear(&self->spec);
  sg3_inputs_unref(self->inputs);
  g_free(self->mix_layers);
  g_free(self->direction_layers);
  g_cond_clear(&self->load_cond);
  g_cond_clear(&self->still_cond);
  sg3_pace_clear(&self->pace);
  G_OBJECT_CLASS(gst_sg3_src_parent_class)->finalize(object);
}

#define RW                                                                     \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)
#define CTRL (RW | GST_PARAM_CONTROLLABLE)

/* A property that is a field of Sg3Settings. */
#define SETTING(id, field, pspec)                                              \
  do {                                                                         \
    props[id] = (pspec);                                                       \
    setting_offset[id] = G_STRUCT_OFFSET(Sg3Settings, field) + 1;              \
  } while (0)

/* Own latents (issue 11). */
static void install_latent_properties(void) {
  props[PROP_LATENTS] = g_param_spec_string(
      "latents", "Latents file",
      "W or W+ latents to render instead of seeds: projected_w.npz (as the "
      "official projector writes it) or .npy of [w_dim], [num_ws, w_dim] or "
      "[N, num_ws, w_dim]; a still shows latent-index, animation=walk walks "
      "through all N as keyframes. Read at start (an error names the file); "
      "settable while PLAYING (a file that cannot be read is refused with a "
      "warning, keeping the previous)",
      NULL, RW);
  SETTING(PROP_LATENT_INDEX, latent_index,
          g_param_spec_uint("latent-index", "Latent index",
                            "Which latent of the latents file a still shows", 0,
                            1 << 20, 0, CTRL));
  props[PROP_SEEDS] = g_param_spec_string(
      "seeds", "Seeds",
      "Walk keyframe seeds, e.g. \"3,7,12-20\" (gen_video.py --seeds); "
      "unset: seed, seed+1, ... (walk-keyframes of them)",
      NULL, RW);
  props[PROP_CLASSES] = g_param_spec_string(
      "classes", "Classes",
      "Conditional models: walk keyframe classes, e.g. \"0,3,7\" (the "
      "shorter of seeds and classes repeats), so that walks blend classes",
      NULL, RW);
  SETTING(PROP_SHUFFLE_SEED, shuffle_seed,
          g_param_spec_int64("shuffle-seed", "Shuffle seed",
                             "Shuffle the walk keyframes as gen_video.py "
                             "--shuffle-seed; -1 = in order",
                             -1, G_MAXUINT32, -1, RW));
  SETTING(PROP_WALK_KIND, walk_kind,
          g_param_spec_enum("walk-kind", "Walk kind",
                            "How animation=walk goes from keyframe to "
                            "keyframe; every kind loops exactly",
                            GST_TYPE_SG3_SRC_WALK_KIND, DEFAULT_WALK_KIND, RW));
  SETTING(PROP_LOOP_RADIUS, loop_radius,
          g_param_spec_double("loop-radius", "Loop radius",
                              "walk-kind=noise: how far the loop wanders (0 "
                              "stands still, 1 drifts, 3 roams); one loop "
                              "lasts walk-keyframes x walk-frames frames",
                              0.0, 100.0, DEFAULT_LOOP_RADIUS, CTRL));
  SETTING(PROP_MIX_SEED, mix_seed,
          g_param_spec_int64("mix-seed", "Mix seed",
                             "Style mixing: the mix-layers rows of the ws "
                             "come from this seed (style_mixing.py); -1 = "
                             "none (or mix-latents)",
                             -1, G_MAXUINT32, -1, CTRL));
  props[PROP_MIX_LATENTS] = g_param_spec_string(
      "mix-latents", "Mix latents file",
      "Style mixing from a latents file (its first latent) instead of "
      "mix-seed",
      NULL, RW);
  props[PROP_MIX_LAYERS] = g_param_spec_string(
      "mix-layers", "Mix layers",
      "The ws rows style mixing takes from the mix source, e.g. \"0-6\" "
      "(coarse), \"8-\" (fine: 8 to the last); style_mixing.py --styles",
      DEFAULT_MIX_LAYERS, RW);
  SETTING(PROP_ANCHOR, anchor,
          g_param_spec_boolean(
              "anchor", "Anchor",
              "Fix the input transform at w_avg's, so that the image stops "
              "moving when the latent moves (stylegan3-fun's "
              "--anchor-latent-space); StyleGAN3 only",
              FALSE, CTRL));
  props[PROP_DIRECTION] = g_param_spec_string(
      "direction", "Direction file",
      "A latent direction, .npy of [w_dim] or [num_ws, w_dim] (or several: "
      "[K, w_dim] with direction-index, as sg3-directions writes): each "
      "frame's ws + direction-strength x direction, after truncation",
      NULL, RW);
  SETTING(PROP_DIRECTION_INDEX, direction_index,
          g_param_spec_int("direction-index", "Direction index",
                           "Which direction of a file of several; -1 = the "
                           "file is one direction",
                           -1, 1 << 20, -1, RW));
  SETTING(PROP_DIRECTION_STRENGTH, direction_strength,
          g_param_spec_double("direction-strength", "Direction strength",
                              "How far along the direction (a slider or a "
                              "controller: young to old)",
                              -MAX_STRENGTH, MAX_STRENGTH, 1.0, CTRL));
  props[PROP_DIRECTION_LAYERS] = g_param_spec_string(
      "direction-layers", "Direction layers",
      "The ws rows the direction moves, e.g. \"0-7\"; empty = every row", "",
      RW);
  SETTING(PROP_SEED_BLEND, seed_blend,
          g_param_spec_double("seed-blend", "Seed blend",
                              "Blend toward seed+1 (0..1), as the "
                              "visualizer's fractional seeds: a controller "
                              "scrubs smoothly through seeds",
                              0.0, 1.0, 0.0, CTRL));
}

static void install_properties(GObjectClass *gobject_class) {
  props[PROP_MODEL] = g_param_spec_string(
      "model", "Model",
      "Model file: this project's .safetensors or an official network .pkl. "
      "Unset or empty: the built-in sg3t-fashion32 (32x32 grayscale "
      "Fashion-MNIST, 10 classes). Loaded in NULL->READY (so the caps are "
      "known in READY). Settable while PLAYING: the file is loaded in the "
      "background and used from a frame boundary on, renegotiating if its "
      "size or channels differ; a file that fails to load, or whose frames "
      "downstream cannot take, is refused with a warning and the current "
      "model kept",
      NULL, RW);
  SETTING(PROP_SEED, seed,
          g_param_spec_uint("seed", "Seed",
                            "Random seed of the latent z, as gen_images.py "
                            "--seeds (the first keyframe of a walk)",
                            0, G_MAXUINT32, DEFAULT_SEED, CTRL));
  SETTING(PROP_PSI, psi,
          g_param_spec_double("psi", "Truncation psi",
                              "Truncation psi: 1 = none, smaller = closer to "
                              "the average image",
                              -2.0, 2.0, DEFAULT_PSI, CTRL));
  SETTING(PROP_TRUNCATION_CUTOFF, cutoff,
          g_param_spec_int("truncation-cutoff", "Truncation cutoff",
                           "Truncate only the first N ws; -1 = all", -1, 1024,
                           DEFAULT_CUTOFF, CTRL));
  SETTING(PROP_CLASS, klass,
          g_param_spec_int(
              "class", "Class",
              "Class label of a conditional model (0 to classes-1; larger "
              "values use the last class, with a warning); unconditional "
              "models ignore it, with a warning if it is not 0",
              0, G_MAXINT32, DEFAULT_CLASS, CTRL));
  SETTING(PROP_TRANSLATE_X, tx,
          g_param_spec_double("translate-x", "Translate X",
                              "Horizontal translation, as gen_images.py "
                              "--translate (StyleGAN2 models ignore it, with "
                              "a warning)",
                              -MAX_TRANSLATE, MAX_TRANSLATE, 0.0, CTRL));
  SETTING(PROP_TRANSLATE_Y, ty,
          g_param_spec_double("translate-y", "Translate Y",
                              "Vertical translation, as gen_images.py "
                              "--translate",
                              -MAX_TRANSLATE, MAX_TRANSLATE, 0.0, CTRL));
  SETTING(PROP_ROTATE, rot,
          g_param_spec_double("rotate", "Rotate",
                              "Rotation in degrees, as gen_images.py --rotate "
                              "(not on StyleGAN2 models)",
                              -MAX_ROTATE, MAX_ROTATE, 0.0, CTRL));
  props[PROP_TRANSFORM] = gst_param_spec_array(
      "transform", "Transform",
      "translate-x, translate-y and rotate as one array, "
      "e.g. transform=\"<0.2, 0.0, 30.0>\"",
      g_param_spec_double("value", "Value", "A transform parameter",
                          -MAX_ROTATE, MAX_ROTATE, 0.0,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS),
      RW);
  SETTING(PROP_ANIMATION, animation,
          g_param_spec_enum("animation", "Animation",
                            "How the latent changes from frame to frame",
                            GST_TYPE_SG3_SRC_ANIMATION, DEFAULT_ANIMATION, RW));
  SETTING(PROP_WALK_FRAMES, walk_frames,
          g_param_spec_uint("walk-frames", "Walk frames",
                            "Frames from one walk keyframe to the next "
                            "(gen_video.py --w-frames)",
                            1, 1000000, DEFAULT_WALK_FRAMES, CTRL));
  SETTING(PROP_WALK_KEYFRAMES, walk_keyframes,
          g_param_spec_uint("walk-keyframes", "Walk keyframes",
                            "Seeds in the walk's loop: seed to seed+N-1, then "
                            "back to seed",
                            1, MAX_WALK_KEYFRAMES, DEFAULT_WALK_KEYFRAMES,
                            CTRL));
  SETTING(PROP_PAN_X, pan_x,
          g_param_spec_double("pan-x", "Pan X",
                              "Added to translate-x per second of stream time",
                              -MAX_RATE, MAX_RATE, 0.0, CTRL));
  SETTING(PROP_PAN_Y, pan_y,
          g_param_spec_double("pan-y", "Pan Y",
                              "Added to translate-y per second of stream time",
                              -MAX_RATE, MAX_RATE, 0.0, CTRL));
  SETTING(PROP_SPIN, spin,
          g_param_spec_double("spin", "Spin",
                              "Degrees added to rotate per second of stream "
                              "time",
                              -MAX_RATE, MAX_RATE, 0.0, CTRL));
  SETTING(PROP_NOISE_MODE, noise_mode,
          g_param_spec_enum("noise-mode", "Noise mode",
                            "Per-layer noise of networks that have it "
                            "(StyleGAN2), as gen_images.py --noise-mode",
                            GST_TYPE_SG3_SRC_NOISE_MODE, DEFAULT_NOISE_MODE,
                            RW));
  SETTING(PROP_NOISE_SEED, noise_seed,
          g_param_spec_uint("noise-seed", "Noise seed",
                            "Seed of the noise when noise-mode=random: one "
                            "noise per seed, the same in every frame (as "
                            "the official visualizer's random seed)",
                            0, G_MAXUINT32, 0, CTRL));
  props[PROP_IS_LIVE] = g_param_spec_boolean(
      "is-live", "Is live",
      "Follow the clock at the negotiated framerate, skipping frames that "
      "cannot be rendered in time; otherwise render as fast as downstream "
      "takes them",
      FALSE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_LAST_WS] = g_param_spec_boxed(
      "last-ws", "Last ws",
      "The ws of the frame last rendered: float32 [num_ws, w_dim], native "
      "byte order (NULL before the first frame)",
      G_TYPE_BYTES, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
#define RW_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)
#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)
  props[PROP_THREADS] = g_param_spec_uint(
      "threads", "Threads",
      "Threads that render a frame (sg3-worker-N), 0 = one per CPU; taken "
      "when the stream starts. Any count gives the same pixels",
      0, 1024, DEFAULT_THREADS, RW_READY);
  props[PROP_SHARED_POOL] = g_param_spec_boolean(
      "shared-pool", "Shared pool",
      "Share one pool of worker threads (per thread count) with the other "
      "sg3src elements of the process, which then take turns, instead of "
      "starting a pool of their own; taken when the stream starts",
      DEFAULT_SHARED_POOL, RW_READY);
  props[PROP_RENDER_AHEAD] = g_param_spec_boolean(
      "render-ahead", "Render ahead",
      "Render the next frame while the current one goes downstream (one "
      "more thread, sg3-render)",
      DEFAULT_RENDER_AHEAD, RW);
  props[PROP_MAX_MEMORY] = g_param_spec_uint64(
      "max-memory", "Max memory",
      "Refuse models and generators estimated to need more than this many "
      "bytes, before allocating anything (0 = 3/4 of the memory)",
      0, G_MAXUINT64, DEFAULT_MAX_MEMORY, RW);
  props[PROP_MODEL_RESOLUTION] = g_param_spec_int(
      "model-resolution", "Model resolution",
      "Width and height of the loaded model's frames (0 before READY)", 0,
      G_MAXINT, 0, RO);
  props[PROP_MODEL_CHANNELS] = g_param_spec_int(
      "model-channels", "Model channels",
      "Channels of the loaded model: 1 (gray), 3 (RGB) or 4 (RGBA); 0 "
      "before READY",
      0, 4, 0, RO);
  props[PROP_MODEL_CLASSES] = g_param_spec_int(
      "model-classes", "Model classes",
      "Classes of the loaded model (0: unconditional, or before READY)", 0,
      G_MAXINT, 0, RO);
  props[PROP_MODEL_FAMILY] = g_param_spec_string(
      "model-family", "Model family",
      "Network family of the loaded model (\"stylegan3\"; NULL before "
      "READY)",
      NULL, RO);
  props[PROP_MODEL_NUM_WS] = g_param_spec_int(
      "model-num-ws", "Model ws rows",
      "Rows of the loaded model's ws (last-ws is [model-num-ws, "
      "model-w-dim]); 0 before READY",
      0, G_MAXINT, 0, RO);
  props[PROP_MODEL_W_DIM] = g_param_spec_int(
      "model-w-dim", "Model w size",
      "Width of a row of the loaded model's ws; 0 before READY", 0, G_MAXINT, 0,
      RO);
  props[PROP_STATS] = g_param_spec_boxed(
      "stats", "Statistics",
      "Frames rendered, reused (nothing that affects the picture changed), "
      "cancelled (flushing, stopping), emitted, skipped (not rendered: "
      "they could not be on time) and late (rendered ahead, but more than a "
      "frame late when ready: not sent) since the stream started",
      GST_TYPE_STRUCTURE, RO);
  install_latent_properties();
  SETTING(PROP_WALK_SPEED, walk_speed,
          g_param_spec_double(
              "walk-speed", "Walk speed",
              "Keyframes per second of stream time, integrated so that a "
              "change never jumps the picture (0 stands still); -1: "
              "walk-frames frames per keyframe. Driven by a controller the "
              "position is the integral of its curve (exact for step and "
              "linear interpolation; values below 0 stand still), so "
              "renders and seeks are exact; set live it holds from the "
              "frame that sees the change",
              -1.0, MAX_WALK_SPEED, DEFAULT_WALK_SPEED, CTRL));
  SETTING(PROP_PULSE, pulse,
          g_param_spec_double(
              "pulse", "Pulse",
              "Pulse amount, e.g. from audio onsets (0 to 1 is typical): "
              "moves the frame's latent away from the average, ws = w_avg + "
              "(1 + pulse * pulse-psi) (ws - w_avg), after truncation",
              0.0, 100.0, 0.0, CTRL));
  SETTING(PROP_PULSE_PSI, pulse_psi,
          g_param_spec_double(
              "pulse-psi", "Pulse psi",
              "Truncation psi a pulse of 1 adds, relative: with every row "
              "truncated a frame renders as with psi * (1 + pulse * "
              "pulse-psi); negative values pull toward the average",
              -10.0, 10.0, DEFAULT_PULSE_PSI, CTRL));
  SETTING(PROP_PULSE_DIRECTION, pulse_direction,
          g_param_spec_double(
              "pulse-direction", "Pulse direction",
              "Direction strength a pulse of 1 adds: with a direction file "
              "the frame moves along it by direction-strength + pulse * "
              "pulse-direction",
              -MAX_STRENGTH, MAX_STRENGTH, 0.0, CTRL));
  g_object_class_install_properties(gobject_class, N_PROPS, props);
  const guint frame_props[] = {
      PROP_TRANSLATE_X, PROP_TRANSLATE_Y, PROP_ROTATE, PROP_TRANSFORM,
      PROP_WALK_FRAMES, PROP_PAN_X, PROP_PAN_Y, PROP_SPIN, PROP_NOISE_MODE,
      PROP_NOISE_SEED, PROP_WALK_SPEED, PROP_PULSE, PROP_PULSE_PSI,
      PROP_PULSE_DIRECTION,
      /* mixing, the direction and anchoring apply after the cache */
      PROP_MIX_SEED, PROP_ANCHOR, PROP_DIRECTION_STRENGTH,
      PROP_DIRECTION_INDEX};
  for (guint i = 0; i < G_N_ELEMENTS(frame_props); i++)
    frame_only[frame_props[i]] = TRUE;
}

static void gst_sg3_src_class_init(GstSg3SrcClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass *bsrc_class = GST_BASE_SRC_CLASS(klass);
  GstPushSrcClass *psrc_class = GST_PUSH_SRC_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_sg3_src_debug, "sg3src", 0,
                          "StyleGAN video source");

  gobject_class->set_property = gst_sg3_src_set_property;
  gobject_class->get_property = gst_sg3_src_get_property;
  gobject_class->finalize = gst_sg3_src_finalize;
  install_properties(gobject_class);

  gst_element_class_set_static_metadata(
      element_class, "StyleGAN video source", "Source/Video",
      "Renders StyleGAN networks: still images, latent walks, pans and "
      "spins",
      "gst-sg3 developers <" SG3_PACKAGE_ORIGIN ">");
  gst_element_class_add_static_pad_template(element_class, &src_template);

  element_class->change_state = gst_sg3_src_change_state;
  bsrc_class->get_caps = gst_sg3_src_get_caps;
  bsrc_class->negotiate = gst_sg3_src_negotiate;
  bsrc_class->is_seekable = gst_sg3_src_is_seekable;
  bsrc_class->do_seek = gst_sg3_src_do_seek;
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
  gst_type_mark_as_plugin_api(GST_TYPE_SG3_SRC_NOISE_MODE, 0);
  gst_type_mark_as_plugin_api(GST_TYPE_SG3_SRC_WALK_KIND, 0);
}
