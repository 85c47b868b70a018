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

struct _Sg3Render {
  sg3_model *model;
  sg3_generator *gen;
  sg3_model_info info;
  guint8 *u8; /* the current frame, HWC in the model's channels */

  /* The latent for the settings of serial `cached`: a still's ws or a
   * walk. */
  gboolean cache_valid;
  guint64 cached;
  float *ws;
  sg3_walk *walk;
  GstClockTime gen_time;   /* running average */
  float *pulse_ws, *w_avg; /* a pulsed frame's */

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

/* The request for a job's settings; the latent comes from the cache. */
static void base_request(const Sg3Render *r, const Sg3Settings *s,
                         sg3_request *req) {
  sg3_request_init(req);
  req->seed = s->seed;
  req->class_index = r->info.c_dim > 0 ? s->klass : -1;
  req->psi = (float)s->psi;
  req->cutoff = s->cutoff;
  req->noise_mode = s->noise_mode;
  req->noise_seed = s->noise_seed;
}

/* Brings the cache to the job's settings: one mapping for a still, the
 * keyframes for a walk. */
static int update_cache(Sg3Render *r, const Sg3Settings *s, char **error) {
  guint64 key = s->serial - s->frame_changes;
  if (r->cache_valid && r->cached == key)
    return 0;
  r->cache_valid = FALSE;
  sg3_walk_free(r->walk);
  r->walk = NULL;
  sg3_request req;
  base_request(r, s, &req);
  if (s->animation == SG3_ANIMATION_WALK) {
    sg3_walk_spec spec;
    sg3_walk_spec_init(&spec);
    spec.num_keyframes = (int)s->walk_keyframes;
    if (sg3_walk_create(r->gen, &req, &spec, &r->walk, error) != SG3_OK)
      return -1;
  } else if (sg3_request_ws(r->gen, &req, r->ws, error) != SG3_OK) {
    return -1;
  }
  GST_DEBUG("latent cache for settings %" G_GUINT64_FORMAT, s->serial);
  r->cache_valid = TRUE;
  r->cached = key;
  return 0;
}

/* Renders a job into u8. */
static int render(Sg3Render *r, const Sg3Job *job, char **error) {
  gint64 t0 = g_get_monotonic_time();
  const Sg3Settings *s = &job->s;
  if (update_cache(r, s, error))
    return -1;
  sg3_request req;
  base_request(r, s, &req);
  if (r->walk) {
    req.source = SG3_LATENT_WALK;
    req.walk = r->walk;
    req.walk_position =
        sg3_pace_position(job->walk_offset, job->walk_since, s->walk_frames,
                          (guint)sg3_walk_num_keyframes(r->walk));
  } else {
    req.source = SG3_LATENT_WS;
    req.ws = r->ws;
    req.ws_rows = r->info.num_ws;
  }
  if (sg3_pulse_request(r->gen, s, &req, r->pulse_ws, r->w_avg, error))
    return -1;
  /* pan and spin move the transform with stream time */
  double secs = (double)job->ts / GST_SECOND;
  req.translate_x = s->tx + s->pan_x * secs;
  req.translate_y = s->ty + s->pan_y * secs;
  req.rotate = s->rot + s->spin * secs;
  if (sg3_render(r->gen, &req, SG3_PIXELS_U8_HWC, r->u8, error) != SG3_OK)
    return -1;
  g_mutex_lock(&r->ws_lock);
  if (sg3_request_ws(r->gen, &req, r->last_ws, NULL) == SG3_OK)
    r->have_last_ws = TRUE;
  g_mutex_unlock(&r->ws_lock);
  GstClockTime took = (GstClockTime)(g_get_monotonic_time() - t0) * 1000;
  r->gen_time = r->gen_time ? (3 * r->gen_time + took) / 4 : took;
  GST_LOG("frame %" G_GUINT64_FORMAT " took %" GST_TIME_FORMAT, job->n,
          GST_TIME_ARGS(took));
  return 0;
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
    gboolean ok = render(r, &job, &err) == 0;
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

Sg3Render *sg3_render_new(sg3_model *model, char **error) {
  Sg3Render *r = g_new0(Sg3Render, 1);
  r->model = model;
  sg3_model_get_info(model, &r->info);
  g_mutex_init(&r->lock);
  g_cond_init(&r->cond);
  g_mutex_init(&r->ws_lock);
  if (sg3_generator_create(model, NULL, &r->gen, error) != SG3_OK) {
    sg3_render_free(r);
    return NULL;
  }
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
  if (r->worker) { /* finishes the frame it may be rendering */
    g_mutex_lock(&r->lock);
    r->quit = TRUE;
    g_cond_broadcast(&r->cond);
    g_mutex_unlock(&r->lock);
    g_thread_join(r->worker);
  }
  sg3_walk_free(r->walk);
  sg3_generator_free(r->gen);
  sg3_model_unref(r->model);
  g_free(r->u8);
  g_free(r->ws);
  g_free(r->last_ws);
  g_free(r->pulse_ws);
  g_free(r->w_avg);
  g_mutex_clear(&r->lock);
  g_cond_clear(&r->cond);
  g_mutex_clear(&r->ws_lock);
  g_free(r);
}

const sg3_model_info *sg3_render_info(const Sg3Render *r) {
  return &r->info;
}

static gboolean job_equal(const Sg3Job *a, const Sg3Job *b) {
  return a->n == b->n && a->ts == b->ts && a->s.serial == b->s.serial &&
         a->walk_offset == b->walk_offset && a->walk_since == b->walk_since;
}

int sg3_render_frame(Sg3Render *r, const Sg3Job *job, char **error) {
  wait_idle(r);
  /* The worker's frame is this one: nothing to do. */
  gboolean reuse = r->ok && job_equal(&r->job, job);
  r->ok = FALSE; /* u8 is about to be this frame's */
  if (reuse)
    return 0;
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
  return r->gen_time;
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

GBytes *sg3_render_get_last_ws(Sg3Render *r) {
  GBytes *bytes = NULL;
  g_mutex_lock(&r->ws_lock);
  if (r->have_last_ws)
    bytes = g_bytes_new(r->last_ws,
                        sizeof(float) * (gsize)r->info.num_ws * r->info.w_dim);
  g_mutex_unlock(&r->ws_lock);
  return bytes;
}
