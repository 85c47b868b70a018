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
} Sg3Settings;

/* One frame to render. */
typedef struct {
  guint64 n;       /* frame number */
  GstClockTime ts; /* stream time: pan and spin follow it */
  Sg3Settings s;
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

/* The lists and files the settings refer to (a new reference is taken;
 * NULL: none). Any thread; used from the next latent cache update, which
 * the caller forces by bumping the settings serial. */
void sg3_render_set_inputs(Sg3Render *r, Sg3Inputs *inputs);
/* The model, for reading files against it. */
const sg3_model *sg3_render_model(const Sg3Render *r);
/* What the renderer could not honour in the last frame (a latent or
 * direction index out of range, ...): a new message to warn about once, or
 * NULL. */
gchar *sg3_render_take_notice(Sg3Render *r);

/* The ws of the frame last rendered (num_ws x w_dim floats), or NULL
 * before the first; a new GBytes, thread-safe. */
GBytes *sg3_render_get_last_ws(Sg3Render *r);

#endif
