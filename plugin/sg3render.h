/* The picture maker behind sg3src, as videotestsrc.c is behind
 * videotestsrc: a model's generator, the latent caches, the last frame
 * (a still is not rendered again), a render-ahead worker ("sg3-render") and
 * the packing into video formats. The element decides which frame to
 * render and when; this file renders it.
 *
 * Threads: one caller (the streaming thread) at a time; the worker renders
 * in the background between sg3_render_ahead and the next call that waits
 * for it. sg3_render_cancel, sg3_render_get_last_ws and
 * sg3_render_get_stats may be called from any thread. */
#ifndef SG3_RENDER_H
#define SG3_RENDER_H

#include <gst/gst.h>
#include <gst/video/video.h>

#include "sg3.h"
#include "sg3inputs.h"

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
  /* Own latents (issue 11); the lists and files are the renderer's
   * Sg3Inputs, which change the serial too. */
  guint latent_index;
  gint walk_kind; /* sg3_walk_kind */
  gdouble loop_radius;
  gint64 shuffle_seed; /* -1: keyframes in order */
  gint64 mix_seed;     /* -1: no mixing seed */
  gint mix_first, mix_last;
  gboolean anchor;
  gdouble direction_strength;
  gint direction_index; /* -1: the file is one direction */
  gint direction_first, direction_last;
  gdouble seed_blend;
  /* Music (sg3pace.h, sg3pulse.h). */
  gdouble walk_speed; /* keyframes per second; < 0: walk_frames pacing */
  gdouble pulse, pulse_psi, pulse_direction;
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

/* How the generator runs. */
typedef struct {
  guint threads;      /* 0: one per CPU */
  gboolean shared;    /* a process-wide pool per thread count */
  guint64 max_memory; /* bytes, 0: libsg3's default */
} Sg3RenderOptions;

/* Takes a reference to the model. NULL with *error set (and *status the
 * libsg3 code). */
Sg3Render *sg3_render_new(sg3_model *model, const Sg3RenderOptions *opts,
                          sg3_status *status, char **error);
/* Cancels what it renders and waits for the worker. */
void sg3_render_free(Sg3Render *r);
const sg3_model_info *sg3_render_info(const Sg3Render *r);
/* The model, for reading files against it. */
sg3_model *sg3_render_model(const Sg3Render *r);

/* Renders the job into the current frame, unless that already shows it
 * (the same settings, walk position and transform: a still) or the worker
 * has rendered exactly it. Waits for the worker first. Returns SG3_OK,
 * SG3_ERR_CANCELLED while cancelled (the frame is then not usable), or
 * another code with *error set. */
sg3_status sg3_render_frame(Sg3Render *r, const Sg3Job *job, char **error);
/* While on, rendering stops within a fraction of a layer and returns
 * SG3_ERR_CANCELLED (flushing, stopping). */
void sg3_render_cancel(Sg3Render *r, gboolean on);

/* Starts rendering a job in the background, for a later sg3_render_frame
 * (after the current frame has been packed). */
void sg3_render_ahead(Sg3Render *r, const Sg3Job *job);
/* Waits for the worker; then returns TRUE and the frame number it has
 * ready, if any. */
gboolean sg3_render_ahead_ready(Sg3Render *r, guint64 *n);
/* How long a frame takes to render: a running average plus twice its mean
 * deviation, so that nearly every frame is done in that time. */
GstClockTime sg3_render_time(const Sg3Render *r);

/* The clock render times are measured on (NULL: the monotonic clock).
 * Not while the worker renders. */
void sg3_render_set_clock(Sg3Render *r, GstClock *clock);

/* Frames rendered, frames reused (the picture had not changed), renders
 * cancelled. */
void sg3_render_get_stats(Sg3Render *r, guint64 *rendered, guint64 *reused,
                          guint64 *cancelled);

/* The current frame into a mapped video frame of the model's size, in any
 * of the packed formats of the element's caps. */
void sg3_render_pack(Sg3Render *r, GstVideoFrame *frame);

/* The lists and files the settings refer to (a new reference is taken;
 * NULL: none). Any thread; used from the next latent cache update, which
 * the caller forces by bumping the settings serial. */
void sg3_render_set_inputs(Sg3Render *r, Sg3Inputs *inputs);
/* The keyframes of a walk with these inputs: the latents file's, the
 * longer of the seeds and classes lists, or walk-keyframes. */
guint sg3_render_walk_keyframes(const Sg3Inputs *in, const Sg3Settings *s);
/* What the renderer could not honour in the last frame (a latent or
 * direction index out of range, ...): a new message to warn about once, or
 * NULL. */
gchar *sg3_render_take_notice(Sg3Render *r);

/* The ws of the frame last rendered (num_ws x w_dim floats), or NULL
 * before the first; a new GBytes, thread-safe. */
GBytes *sg3_render_get_last_ws(Sg3Render *r);

#endif
