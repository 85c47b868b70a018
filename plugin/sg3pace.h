/* Where sg3src's walk is at a frame: walk-frames pacing or walk-speed
 * (keyframes per second of stream time) integrated, so that a change of
 * pace never jumps the picture.
 *
 * The position of a frame is offset + (since mod (K x walk_frames)) /
 * walk_frames keyframes, wrapped to [0, K) for a walk of K keyframes
 * (sg3_pace_position): walk-frames pacing counts frames (bit for bit the
 * position gen_video.py gives frame `since`), walk-speed gives the offset.
 *
 * - walk-speed < 0 (the default): walk-frames frames per keyframe.
 * - walk-speed >= 0, set with set_property: keyframes per second, held
 *   between the frames at which a change is seen (positions then depend on
 *   when the changes came: live control; after a seek, as if the pace had
 *   held since 0).
 * - walk-speed driven by a GstTimedValueControlSource (interpolation
 *   control sources, trigger sources): the integral of its curve from 0 to
 *   the frame's stream time, exact for step and linear interpolation and
 *   for cubic pieces that stay above 0; values below 0 stand still. The
 *   position is a function of stream time alone, so offline renders and
 *   seeks give the same frames. Other control sources: held, as above.
 *
 * Streaming thread only (the control source's signals only set a flag). */
#ifndef SG3_PACE_H
#define SG3_PACE_H

#include <gst/gst.h>

typedef struct {
  gboolean started; /* a frame went out since the reset */
  /* The pace held since the anchor. */
  gboolean controlled; /* the last frame's came from a curve */
  gdouble speed;       /* < 0: walk_frames pacing */
  guint walk_frames;
  guint64 n0; /* the anchor: position p0 at frame n0, stream time t0 */
  GstClockTime t0;
  gdouble p0;
  guint64 last_n; /* the last frame out, and where it was (unwrapped) */
  GstClockTime last_t;
  gdouble last_p;
  /* The curve's integral at its knots. */
  GstControlSource *cs;
  GstControlBinding *binding; /* not a reference; compared only */
  gulong handlers[3];
  gint dirty; /* atomic: the curve changed */
  GArray *knots;
  gint mode; /* GstInterpolationMode, or -1: steps */
} Sg3Pace;

void sg3_pace_init(Sg3Pace *p);
void sg3_pace_clear(Sg3Pace *p);
/* Forget the anchor: the next frame's position is as if its pace had held
 * since stream time 0 (start, and seeks; the streaming thread must not be
 * in sg3_pace_at or sg3_pace_commit). */
void sg3_pace_reset(Sg3Pace *p);
/* Frame n at stream time ts, with the walk-speed and walk-frames it has
 * (after gst_object_sync_values): its offset and since. Frames rendered
 * ahead ask too; nothing is remembered until the frame goes out: */
void sg3_pace_at(Sg3Pace *p, GstObject *element, guint64 n, GstClockTime ts,
                 gdouble speed, guint walk_frames, gdouble *offset,
                 guint64 *since);
/* Frame n goes out: a pace that changed holds from it on (so that a change
 * seen at frame n moves frame n from where frame n - 1 was). */
void sg3_pace_commit(Sg3Pace *p, GstObject *element, guint64 n, GstClockTime ts,
                     gdouble speed, guint walk_frames);
/* The position in [0, keyframes). */
gdouble sg3_pace_position(gdouble offset, guint64 since, guint walk_frames,
                          guint keyframes);

#endif
