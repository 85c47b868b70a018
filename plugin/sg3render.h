/* The picture maker behind sg3src, as videotestsrc.c is behind
 * videotestsrc: a model's generator, the latent caches, a render-ahead
 * worker and the packing into video formats. The element decides which
 * frame to render and when; this file renders it.
 *
 * Threads: one caller (the streaming thread) at a time; the worker renders
 * in the background between sg3_render_ahead and the next call that waits
 * for it. sg3_render_get_last_ws may be called from any thread. */
#ifndef SG3_RENDER_H
#define SG3_RENDER_H

#include <gst/gst.h>
#include <gst/video/video.h>

#include "sg3.h"

typedef enum {
  SG3_ANIMATION_NONE,
  SG3_ANIMATION_WALK,
} Sg3Animation;

/* What a frame's pixels depend on, besides its number and time. The
 * element bumps `serial` whenever any of them changes, so that equal
 * serials mean equal settings. */
typedef struct {
  guint64 serial;
  /* Of those bumps, the ones by settings the latent cache does not depend
   * on (transform, pan, spin, noise, pace, pulse): the cache keys on serial
   * - frame_changes, so that a controlled spin or pulse never refits the
   * walk. */
  guint64 frame_changes;
  guint seed;
  gdouble psi;
  gint cutoff;
  gint klass; /* -1: none (unconditional models) */
  gdouble tx, ty, rot;
  Sg3Animation animation;
  guint walk_frames, walk_keyframes;
  gdouble pan_x, pan_y, spin;
  sg3_noise_mode noise_mode;
  guint noise_seed;
  /* Music (sg3pace.h, sg3pulse.h). */
  gdouble walk_speed; /* keyframes per second; < 0: walk_frames pacing */
  gdouble pulse, pulse_psi;
} Sg3Settings;

/* One frame to render. */
typedef struct {
  guint64 n;       /* frame number */
  GstClockTime ts; /* stream time: pan and spin follow it */
  Sg3Settings s;
  /* The walk's position (sg3_pace_position). */
  gdouble walk_offset;
  guint64 walk_since;
} Sg3Job;

typedef struct _Sg3Render Sg3Render;

/* Takes the model reference over. NULL with *error set. */
Sg3Render *sg3_render_new(sg3_model *model, char **error);
void sg3_render_free(Sg3Render *r);
const sg3_model_info *sg3_render_info(const Sg3Render *r);

/* Renders the job into the current frame, unless the worker has already
 * rendered exactly it (then it is used). Waits for the worker first.
 * Returns 0, or -1 with *error set. */
int sg3_render_frame(Sg3Render *r, const Sg3Job *job, char **error);
/* Starts rendering a job in the background, for a later sg3_render_frame
 * (after the current frame has been packed). */
void sg3_render_ahead(Sg3Render *r, const Sg3Job *job);
/* Waits for the worker; then returns TRUE and the frame number it has
 * ready, if any. */
gboolean sg3_render_ahead_ready(Sg3Render *r, guint64 *n);
/* The running average time a frame takes to render. */
GstClockTime sg3_render_time(const Sg3Render *r);

/* The current frame into a mapped video frame of the model's size, in any
 * of the packed formats of the element's caps. */
void sg3_render_pack(Sg3Render *r, GstVideoFrame *frame);

/* The ws of the frame last rendered (num_ws x w_dim floats), or NULL
 * before the first; a new GBytes, thread-safe. */
GBytes *sg3_render_get_last_ws(Sg3Render *r);

#endif
