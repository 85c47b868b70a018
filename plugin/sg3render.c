/* sg3src's frames: requests to libsg3, the caches that make a still or a
 * walk cheap, the render-ahead worker and pixel packing (sg3render.h). */
#include "sg3render.h"

#include "sg3pace.h"
#include "sg3pulse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

GST_DEBUG_CATEGORY_EXTERN(gst_sg3_src_debug);
#define GST_CAT_DEFAULT gst_sg3_src_debug

/* What a frame's pixels are a function of: equal keys, equal pixels. */
typedef struct {
  guint64 serial;
  double walk_position; /* in keyframes; 0 without a walk */
  double tx, ty, rot;
} FrameKey;

struct _Sg3Render {
  sg3_model *model;
  sg3_generator *gen;
  sg3_model_info info;
  guint shared_threads; /* a shared pool's count + 1, or 0 */
  guint8 *u8;           /* the current frame, HWC in the model's channels */
  gboolean have_frame;  /* u8 holds the frame of `key` */
  FrameKey key;
  gint cancel;                         /* atomic: sg3_render_cancel */
  guint64 rendered, reused, cancelled; /* atomic */

  /* The latent for the settings of serial `cached`: a still's ws or a
   * walk. */
  gboolean cache_valid;
  guint64 cached;
  float *ws;
  sg3_walk *walk;
  float *pulse_ws, *w_avg;        /* a pulsed frame's */
  GstClockTime gen_time, gen_dev; /* running average, mean deviation */
  GstClock *clock;                /* what they are measured on, or NULL */
  gboolean rendered_once;

  GMutex inputs_lock; /* inputs, set from any thread */
  Sg3Inputs *inputs;
  Sg3Inputs *cache_inputs;     /* the cache's (the streaming side's) */
  gchar *notice, *last_notice; /* under inputs_lock */

  GMutex ws_lock; /* last_ws, read from any thread */
  float *last_ws;
  gboolean have_last_ws;

  /* Render-ahead: the worker renders `job` into u8 while the streaming
   * thread is elsewhere; the two never use the generator at once. */
  GThread *worker;
  GMutex lock;
  GCond cond;
  gboolean pending, busy, ok, quit; /* under lock */
  Sg3Job job;                       /* under lock while pending or busy */
};

/* Something to warn about once (the element posts it). */
static void notice(Sg3Render *r, const gchar *fmt, ...) G_GNUC_PRINTF(2, 3);
static void notice(Sg3Render *r, const gchar *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  gchar *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_mutex_lock(&r->inputs_lock);
  if (g_strcmp0(msg, r->last_notice)) {
    g_free(r->notice);
    r->notice = g_strdup(msg);
    g_free(r->last_notice);
    r->last_notice = msg;
  } else {
    g_free(msg);
  }
  g_mutex_unlock(&r->inputs_lock);
}

/* The request for a job's settings; the latent comes from the cache. */
static void base_request(Sg3Render *r, const Sg3Settings *s, sg3_request *req) {
  sg3_request_init(req);
  req->seed = s->seed;
  req->class_index = r->info.c_dim > 0 ? s->klass : -1;
  req->psi = (float)s->psi;
  req->cutoff = s->cutoff;
  req->noise_mode = s->noise_mode;
  req->noise_seed = s->noise_seed;
  req->anchor = s->anchor;
  /* editing in w-space: mixing and the direction apply to every frame */
  const Sg3Inputs *in = r->cache_inputs;
  req->mix_first = s->mix_first;
  req->mix_last = s->mix_last;
  if (s->mix_seed >= 0) {
    req->mix_source = SG3_MIX_SEED;
    req->mix_seed = (uint32_t)s->mix_seed;
  } else if (in && in->mix_latents.count > 0) {
    req->mix_source = SG3_MIX_WS;
    req->mix_ws = in->mix_latents.ws;
    req->mix_ws_rows = in->mix_latents.rows;
  }
  const sg3_latents *d = NULL;
  if (in && s->direction_index < 0 && in->direction.count == 1)
    d = &in->direction;
  else if (in && s->direction_index >= 0 &&
           s->direction_index < in->directions.count)
    d = &in->directions;
  else if (in && s->direction_index < 0 && in->directions.count > 1)
    notice(r,
           "The direction file holds %d directions: set direction-index to "
           "choose one",
           in->directions.count);
  else if (in && s->direction_index >= 0 &&
           (in->directions.count || in->direction.count))
    notice(r, "direction-index %d is out of range: the direction file holds %d",
           s->direction_index, MAX(in->directions.count, 1));
  if (d) {
    gint i = s->direction_index < 0 ? 0 : s->direction_index;
    req->direction = d->ws + (gsize)i * d->rows * d->w_dim;
    req->direction_rows = d->rows;
    req->direction_strength = s->direction_strength;
    req->direction_first = s->direction_first;
    req->direction_last = s->direction_last;
  }
}

/* Brings the cache to the job's settings: one mapping for a still, the
 * keyframes for a walk. */
static int update_cache(Sg3Render *r, const Sg3Settings *s, sg3_status *st,
                        char **error) {
  guint64 key = s->serial - s->frame_changes;
  if (r->cache_valid && r->cached == key)
    return 0;
  r->cache_valid = FALSE;
  sg3_walk_free(r->walk);
  r->walk = NULL;
  g_mutex_lock(&r->inputs_lock);
  sg3_inputs_unref(r->cache_inputs);
  r->cache_inputs = sg3_inputs_ref(r->inputs);
  g_mutex_unlock(&r->inputs_lock);
  const Sg3Inputs *in = r->cache_inputs;
  sg3_request req;
  base_request(r, s, &req);
  /* the cache holds the latent before mixing and the direction */
  req.mix_source = SG3_MIX_NONE;
  req.direction = NULL;
  const sg3_latents *lat = in && in->latents.count ? &in->latents : NULL;
  if (s->animation == SG3_ANIMATION_WALK) {
    sg3_walk_spec spec;
    sg3_walk_spec_init(&spec);
    spec.kind = (sg3_walk_kind)s->walk_kind;
    spec.loop_radius = s->loop_radius;
    spec.num_keyframes = (int)s->walk_keyframes;
    guint32 *seeds = NULL;
    gint *classes = NULL;
    if (lat) { /* the file's latents are the keyframes */
      spec.num_keyframes = lat->count;
      spec.ws = lat->ws;
      spec.ws_rows = lat->rows;
      if (spec.kind == SG3_WALK_NOISE_LOOP) {
        notice(r, "A noise loop walks from a seed: walking through the "
                  "latents file's keyframes with walk-kind=cubic");
        spec.kind = SG3_WALK_CUBIC;
      }
    } else if (in && (in->n_seeds || in->n_classes)) {
      /* the lists, the shorter one repeating, as keyframes */
      gint k = MAX(in->n_seeds, in->n_classes);
      seeds = g_new(guint32, k);
      classes = g_new(gint, k);
      for (gint i = 0; i < k; i++) {
        seeds[i] = in->n_seeds ? in->seeds[i % in->n_seeds] : s->seed + i;
        classes[i] = in->n_classes ? in->classes[i % in->n_classes] : s->klass;
        if (r->info.c_dim > 0 && classes[i] >= r->info.c_dim)
          classes[i] = r->info.c_dim - 1; /* as the class property */
      }
      spec.num_keyframes = k;
      spec.seeds = seeds;
      spec.classes = r->info.c_dim > 0 ? classes : NULL;
    }
    if (s->shuffle_seed >= 0 && spec.num_keyframes > 1) {
      /* as gen_video.py --shuffle-seed: the keyframes in numpy's order */
      gint k = spec.num_keyframes;
      gint *order = g_new(gint, k);
      sg3_shuffle_order((uint32_t)s->shuffle_seed, k, order);
      if (!seeds) {
        seeds = g_new(guint32, k);
        for (gint i = 0; i < k; i++)
          seeds[i] = s->seed + i;
      }
      guint32 *ss = g_memdup2(seeds, sizeof(guint32) * k);
      gint *cc = classes ? g_memdup2(classes, sizeof(gint) * k) : NULL;
      float *ws = NULL;
      gsize d = (gsize)spec.ws_rows * r->info.w_dim;
      if (lat)
        ws = g_new(float, d *k);
      for (gint i = 0; i < k; i++) {
        seeds[i] = ss[order[i]];
        if (cc)
          classes[i] = cc[order[i]];
        if (ws)
          memcpy(ws + d * i, spec.ws + d * order[i], sizeof(float) * d);
      }
      g_free(ss);
      g_free(cc);
      g_free(order);
      if (ws)
        spec.ws = ws;
      else
        spec.seeds = seeds;
      *st = sg3_walk_create(r->gen, &req, &spec, &r->walk, error);
      g_free(ws);
      g_free(seeds);
      g_free(classes);
      if (*st != SG3_OK)
        return -1;
    } else {
      *st = sg3_walk_create(r->gen, &req, &spec, &r->walk, error);
      g_free(seeds);
      g_free(classes);
      if (*st != SG3_OK)
        return -1;
    }
  } else if (lat) {
    guint i = s->latent_index;
    if (i >= (guint)lat->count) {
      notice(r,
             "latent-index %u is out of range: the latents file holds %d "
             "(0 to %d), using %d",
             i, lat->count, lat->count - 1, lat->count - 1);
      i = (guint)lat->count - 1;
    }
    for (gint row = 0; row < r->info.num_ws; row++)
      memcpy(r->ws + (gsize)row * r->info.w_dim,
             lat->ws + ((gsize)i * lat->rows + (lat->rows == 1 ? 0 : row)) *
                           r->info.w_dim,
             sizeof(float) * r->info.w_dim);
  } else {
    req.seed_blend = s->seed_blend;
    if ((*st = sg3_request_ws(r->gen, &req, r->ws, error)) != SG3_OK)
      return -1;
  }
  GST_DEBUG("latent cache for settings %" G_GUINT64_FORMAT, s->serial);
  r->cache_valid = TRUE;
  r->cached = key;
  return 0;
}

/* The request of a job, and the key of its picture. */
static void job_request(Sg3Render *r, const Sg3Job *job, sg3_request *req,
                        FrameKey *key) {
  const Sg3Settings *s = &job->s;
  base_request(r, s, req);
  memset(key, 0, sizeof *key);
  key->serial = s->serial;
  if (r->walk) {
    req->source = SG3_LATENT_WALK;
    req->walk = r->walk;
    req->walk_position = key->walk_position =
        sg3_pace_position(job->walk_offset, job->walk_since, s->walk_frames,
                          (guint)sg3_walk_num_keyframes(r->walk));
  } else {
    req->source = SG3_LATENT_WS;
    req->ws = r->ws;
    req->ws_rows = r->info.num_ws;
  }
  /* pan and spin move the transform with stream time */
  double secs = (double)job->ts / GST_SECOND;
  req->translate_x = key->tx = s->tx + s->pan_x * secs;
  req->translate_y = key->ty = s->ty + s->pan_y * secs;
  req->rotate = key->rot = s->rot + s->spin * secs;
}

static gboolean key_equal(const FrameKey *a, const FrameKey *b) {
  return a->serial == b->serial && a->walk_position == b->walk_position &&
         a->tx == b->tx && a->ty == b->ty && a->rot == b->rot;
}

/* Renders a job into u8, unless u8 shows it already. */
static GstClockTime now(Sg3Render *r) {
  return r->clock ? gst_clock_get_time(r->clock)
                  : (GstClockTime)g_get_monotonic_time() * 1000;
}

static sg3_status render(Sg3Render *r, const Sg3Job *job, char **error) {
  GstClockTime t0 = now(r);
  sg3_status st = SG3_OK;
  if (update_cache(r, &job->s, &st, error))
    goto out;
  sg3_request req;
  FrameKey key;
  job_request(r, job, &req, &key);
  if (r->have_frame && key_equal(&key, &r->key)) {
    __atomic_add_fetch(&r->reused, 1, __ATOMIC_RELAXED);
    GST_LOG("frame %" G_GUINT64_FORMAT ": the picture has not changed", job->n);
    return SG3_OK;
  }
  r->have_frame = FALSE; /* u8 is about to change */
  st = sg3_pulse_request(r->gen, &job->s, &req, r->pulse_ws, r->w_avg, error);
  if (st != SG3_OK)
    goto out;
  st = sg3_render(r->gen, &req, SG3_PIXELS_U8_HWC, r->u8, error);
  if (st != SG3_OK)
    goto out;
  r->have_frame = TRUE;
  r->key = key;
  __atomic_add_fetch(&r->rendered, 1, __ATOMIC_RELAXED);
  g_mutex_lock(&r->ws_lock);
  if (sg3_request_ws(r->gen, &req, r->last_ws, NULL) == SG3_OK)
    r->have_last_ws = TRUE;
  g_mutex_unlock(&r->ws_lock);
  GstClockTime t1 = now(r), took = t1 > t0 ? t1 - t0 : 0;
  if (!r->rendered_once) {
    r->rendered_once = TRUE;
    r->gen_time = took;
  } else {
    GstClockTime dev =
        took > r->gen_time ? took - r->gen_time : r->gen_time - took;
    r->gen_dev = (3 * r->gen_dev + dev) / 4;
    r->gen_time = (3 * r->gen_time + took) / 4;
  }
  GST_LOG("frame %" G_GUINT64_FORMAT " took %" GST_TIME_FORMAT, job->n,
          GST_TIME_ARGS(took));
  return SG3_OK;
out:
  if (st == SG3_ERR_CANCELLED) {
    __atomic_add_fetch(&r->cancelled, 1, __ATOMIC_RELAXED);
    GST_DEBUG("frame %" G_GUINT64_FORMAT " cancelled", job->n);
  }
  return st;
}

static gpointer worker_main(gpointer data) {
  Sg3Render *r = data;
  g_mutex_lock(&r->lock);
  for (;;) {
    while (!r->pending && !r->quit)
      g_cond_wait(&r->cond, &r->lock);
    if (r->quit)
      break;
    Sg3Job job = r->job;
    r->pending = FALSE;
    r->busy = TRUE;
    g_mutex_unlock(&r->lock);
    char *err = NULL;
    /* a failure is reported when the frame is rendered again in front */
    gboolean ok = render(r, &job, &err) == SG3_OK;
    free(err);
    g_mutex_lock(&r->lock);
    r->busy = FALSE;
    r->ok = ok;
    g_cond_broadcast(&r->cond);
  }
  g_mutex_unlock(&r->lock);
  return NULL;
}

static void wait_idle(Sg3Render *r) {
  g_mutex_lock(&r->lock);
  while (r->pending || r->busy)
    g_cond_wait(&r->cond, &r->lock);
  g_mutex_unlock(&r->lock);
}

/* Shared pools, one per thread count, alive while a renderer uses one. */
static GMutex pools_lock;
static GHashTable *pools; /* threads -> SharedPool */

typedef struct {
  sg3_thread_pool *pool;
  guint users;
} SharedPool;

static sg3_thread_pool *shared_pool_get(guint threads, char **error) {
  g_mutex_lock(&pools_lock);
  if (!pools)
    pools = g_hash_table_new(g_direct_hash, g_direct_equal);
  SharedPool *sp = g_hash_table_lookup(pools, GUINT_TO_POINTER(threads + 1));
  if (!sp) {
    sg3_thread_pool *p = NULL;
    if (sg3_thread_pool_create((int)threads, &p, error) == SG3_OK) {
      sp = g_new0(SharedPool, 1);
      sp->pool = p;
      g_hash_table_insert(pools, GUINT_TO_POINTER(threads + 1), sp);
      GST_INFO("shared pool of %d threads",
               sg3_thread_pool_get_threads(sp->pool));
    }
  }
  if (sp)
    sp->users++;
  g_mutex_unlock(&pools_lock);
  return sp ? sp->pool : NULL;
}

static void shared_pool_release(guint threads) {
  g_mutex_lock(&pools_lock);
  SharedPool *sp = g_hash_table_lookup(pools, GUINT_TO_POINTER(threads + 1));
  if (sp && --sp->users == 0) {
    g_hash_table_remove(pools, GUINT_TO_POINTER(threads + 1));
    sg3_thread_pool_unref(sp->pool);
    g_free(sp);
  }
  if (pools && g_hash_table_size(pools) == 0) {
    g_hash_table_unref(pools);
    pools = NULL;
  }
  g_mutex_unlock(&pools_lock);
}

static int cancel_hook(void *user) {
  Sg3Render *r = user;
  return g_atomic_int_get(&r->cancel);
}

Sg3Render *sg3_render_new(sg3_model *model, const Sg3RenderOptions *opts,
                          sg3_status *status, char **error) {
  Sg3Render *r = g_new0(Sg3Render, 1);
  r->model = sg3_model_ref(model);
  sg3_model_get_info(model, &r->info);
  g_mutex_init(&r->lock);
  g_cond_init(&r->cond);
  g_mutex_init(&r->ws_lock);
  g_mutex_init(&r->inputs_lock);
  sg3_generator_options o;
  sg3_generator_options_init(&o);
  o.threads = (int)opts->threads;
  o.max_memory = opts->max_memory;
  *status = SG3_OK;
  if (opts->shared) {
    if (!(o.pool = shared_pool_get(opts->threads, error))) {
      *status = SG3_ERR_NO_MEMORY;
      sg3_render_free(r);
      return NULL;
    }
    r->shared_threads = opts->threads + 1;
  }
  *status = sg3_generator_create(model, &o, &r->gen, error);
  if (*status != SG3_OK) {
    sg3_render_free(r);
    return NULL;
  }
  sg3_generator_set_cancel(r->gen, cancel_hook, r);
  gsize nws = (gsize)r->info.num_ws * r->info.w_dim;
  r->u8 = g_malloc0(sg3_model_frame_size(model, SG3_PIXELS_U8_HWC));
  r->ws = g_new0(float, nws);
  r->last_ws = g_new0(float, nws);
  r->pulse_ws = g_new0(float, nws);
  r->w_avg = g_new0(float, r->info.w_dim);
  r->worker = g_thread_new("sg3-render", worker_main, r);
  return r;
}

void sg3_render_free(Sg3Render *r) {
  if (!r)
    return;
  if (r->worker) { /* stops the frame it may be rendering */
    g_atomic_int_set(&r->cancel, 1);
    g_mutex_lock(&r->lock);
    r->quit = TRUE;
    g_cond_broadcast(&r->cond);
    g_mutex_unlock(&r->lock);
    g_thread_join(r->worker);
  }
  sg3_walk_free(r->walk);
  sg3_generator_free(r->gen);
  gst_object_replace((GstObject **)&r->clock, NULL);
  if (r->shared_threads)
    shared_pool_release(r->shared_threads - 1);
  sg3_model_unref(r->model);
  g_free(r->u8);
  g_free(r->ws);
  g_free(r->last_ws);
  g_free(r->pulse_ws);
  g_free(r->w_avg);
  g_mutex_clear(&r->lock);
  g_cond_clear(&r->cond);
  g_mutex_clear(&r->ws_lock);
  sg3_inputs_unref(r->inputs);
  sg3_inputs_unref(r->cache_inputs);
  g_free(r->notice);
  g_free(r->last_notice);
  g_mutex_clear(&r->inputs_lock);
  g_free(r);
}

void sg3_render_set_clock(Sg3Render *r, GstClock *clock) {
  if (clock != r->clock)
    gst_object_replace((GstObject **)&r->clock, (GstObject *)clock);
}

sg3_model *sg3_render_model(const Sg3Render *r) {
  return r->model;
}

guint sg3_render_walk_keyframes(const Sg3Inputs *in, const Sg3Settings *s) {
  if (in && in->latents.count)
    return (guint)in->latents.count;
  if (in && (in->n_seeds || in->n_classes))
    return (guint)MAX(in->n_seeds, in->n_classes);
  return s->walk_keyframes;
}

void sg3_render_cancel(Sg3Render *r, gboolean on) {
  g_atomic_int_set(&r->cancel, on ? 1 : 0);
}

void sg3_render_get_stats(Sg3Render *r, guint64 *rendered, guint64 *reused,
                          guint64 *cancelled) {
  *rendered = __atomic_load_n(&r->rendered, __ATOMIC_RELAXED);
  *reused = __atomic_load_n(&r->reused, __ATOMIC_RELAXED);
  *cancelled = __atomic_load_n(&r->cancelled, __ATOMIC_RELAXED);
}

const sg3_model_info *sg3_render_info(const Sg3Render *r) {
  return &r->info;
}

static gboolean job_equal(const Sg3Job *a, const Sg3Job *b) {
  return a->n == b->n && a->ts == b->ts && a->s.serial == b->s.serial &&
         a->walk_offset == b->walk_offset && a->walk_since == b->walk_since;
}

sg3_status sg3_render_frame(Sg3Render *r, const Sg3Job *job, char **error) {
  wait_idle(r);
  /* The worker's frame is this one: nothing to do. */
  gboolean reuse = r->ok && job_equal(&r->job, job);
  r->ok = FALSE; /* u8 is about to be this frame's */
  if (reuse)
    return SG3_OK;
  return render(r, job, error);
}

void sg3_render_ahead(Sg3Render *r, const Sg3Job *job) {
  g_mutex_lock(&r->lock);
  r->job = *job;
  r->ok = FALSE;
  r->pending = TRUE;
  g_cond_broadcast(&r->cond);
  g_mutex_unlock(&r->lock);
}

gboolean sg3_render_ahead_ready(Sg3Render *r, guint64 *n) {
  wait_idle(r);
  if (r->ok)
    *n = r->job.n;
  return r->ok;
}

GstClockTime sg3_render_time(const Sg3Render *r) {
  return r->gen_time + 2 * r->gen_dev;
}

void sg3_render_pack(Sg3Render *r, GstVideoFrame *frame) {
  const GstVideoFormatInfo *f = frame->info.finfo;
  gint w = r->info.img_resolution, h = w, ch = r->info.img_channels;
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
  gint ps = GST_VIDEO_FORMAT_INFO_PSTRIDE(f, 0);
  gboolean gray = GST_VIDEO_FORMAT_INFO_IS_GRAY(f);
  gboolean alpha = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(f);
  gint rr = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_R);
  gint g = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_G);
  gint b = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_B);
  gint a =
      alpha ? (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_A) : -1;
  if (gray)
    g = b = rr = (gint)GST_VIDEO_FORMAT_INFO_POFFSET(f, GST_VIDEO_COMP_Y);
  for (gint y = 0; y < h; y++) {
    const guint8 *src = r->u8 + (gsize)y * w * ch;
    guint8 *row = dst + (gsize)y * stride;
    if ((gray && ch == 1) || (ch == 3 && ps == 3 && rr == 0 && b == 2)) {
      memcpy(row, src, (gsize)w * ch); /* GRAY8, RGB: as is */
      continue;
    }
    if (ps == 4)
      memset(row, 0xff, (gsize)w * 4); /* opaque alpha, x bytes */
    for (gint x = 0; x < w; x++, src += ch, row += ps) {
      row[rr] = src[0];
      row[g] = src[ch >= 3 ? 1 : 0];
      row[b] = src[ch >= 3 ? 2 : 0];
      if (a >= 0 && ch == 4)
        row[a] = src[3];
    }
  }
}

void sg3_render_set_inputs(Sg3Render *r, Sg3Inputs *inputs) {
  Sg3Inputs *ref = sg3_inputs_ref(inputs);
  g_mutex_lock(&r->inputs_lock);
  Sg3Inputs *old = r->inputs;
  r->inputs = ref;
  g_mutex_unlock(&r->inputs_lock);
  sg3_inputs_unref(old);
}

gchar *sg3_render_take_notice(Sg3Render *r) {
  g_mutex_lock(&r->inputs_lock);
  gchar *n = r->notice;
  r->notice = NULL;
  g_mutex_unlock(&r->inputs_lock);
  return n;
}

GBytes *sg3_render_get_last_ws(Sg3Render *r) {
  GBytes *bytes = NULL;
  g_mutex_lock(&r->ws_lock);
  if (r->have_last_ws)
    bytes = g_bytes_new(r->last_ws,
                        sizeof(float) * (gsize)r->info.num_ws * r->info.w_dim);
  g_mutex_unlock(&r->ws_lock);
  return bytes;
}
