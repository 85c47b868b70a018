/* sg3src's walk pacing: walk-frames, or walk-speed integrated over stream
 * time (sg3pace.h). */
#include "sg3pace.h"

#include <gst/controller/controller.h>
#include <math.h>
#include <string.h>

typedef struct {
  GstClockTime t;
  gdouble v; /* the property's value there */
  gdouble c; /* the integral from 0 to t */
} Knot;

#define SECONDS(dt) ((gdouble)(dt) / GST_SECOND)

void sg3_pace_init(Sg3Pace *p) {
  *p = (Sg3Pace){0};
  p->knots = g_array_new(FALSE, FALSE, sizeof(Knot));
}

static void drop_source(Sg3Pace *p) {
  if (!p->cs)
    return;
  for (guint i = 0; i < G_N_ELEMENTS(p->handlers); i++)
    if (p->handlers[i])
      g_signal_handler_disconnect(p->cs, p->handlers[i]);
  memset(p->handlers, 0, sizeof p->handlers);
  gst_object_unref(p->cs);
  p->cs = NULL;
  p->binding = NULL;
}

void sg3_pace_clear(Sg3Pace *p) {
  drop_source(p);
  if (p->knots)
    g_array_unref(p->knots);
  p->knots = NULL;
}

void sg3_pace_reset(Sg3Pace *p) {
  p->started = FALSE;
}

static void on_curve_changed(GstControlSource *cs, gpointer v, gpointer data) {
  Sg3Pace *p = data;
  g_atomic_int_set(&p->dirty, 1);
}

/* The property's value at t through the binding, NAN if it has none. */
static gdouble value_at(GstControlBinding *b, GstClockTime t) {
  GValue *v = gst_control_binding_get_value(b, t);
  if (!v)
    return NAN;
  GValue d = G_VALUE_INIT;
  g_value_init(&d, G_TYPE_DOUBLE);
  gdouble r = g_value_transform(v, &d) ? g_value_get_double(&d) : NAN;
  g_value_unset(v);
  g_free(v);
  return isfinite(r) ? r : 0.0;
}

/* The integral of max(v, 0) from knot i to t (t >= its time; past the last
 * knot the last value holds). */
static gdouble segment(Sg3Pace *p, GstControlBinding *b, guint i,
                       GstClockTime t) {
  const Knot *k = &g_array_index(p->knots, Knot, i);
  gdouble dt = SECONDS(t - k->t);
  gboolean last = i + 1 >= p->knots->len;
  if (dt == 0)
    return 0;
  if (last || p->mode < 0 || p->mode == GST_INTERPOLATION_MODE_NONE)
    return MAX(k->v, 0) * dt;
  const Knot *k1 = k + 1;
  if (p->mode == GST_INTERPOLATION_MODE_LINEAR) {
    gdouble a = k->v,
            e = a + (k1->v - a) * ((gdouble)(t - k->t) / (k1->t - k->t));
    if (a >= 0 && e >= 0)
      return (a + e) / 2 * dt;
    if (a <= 0 && e <= 0)
      return 0;
    gdouble pos = MAX(a, e); /* the triangle above 0 */
    return pos * pos / (fabs(a) + fabs(e)) * dt / 2;
  }
  /* Cubic pieces: Simpson's rule is exact for them. */
  gdouble a = k->v, m = value_at(b, k->t + (t - k->t) / 2), e = value_at(b, t);
  if (a >= 0 && m >= 0 && e >= 0)
    return (a + 4 * m + e) / 6 * dt;
  const int steps = 64; /* dips below 0: the positive part, approximately */
  gdouble sum = 0, prev = MAX(a, 0);
  for (int s = 1; s <= steps; s++) {
    gdouble v = MAX(value_at(b, k->t + (t - k->t) * s / steps), 0);
    sum += (prev + v) / 2;
    prev = v;
  }
  return sum * dt / steps;
}

static void build_knots(Sg3Pace *p, GstControlBinding *b) {
  g_array_set_size(p->knots, 0);
  p->mode = -1;
  if (GST_IS_INTERPOLATION_CONTROL_SOURCE(p->cs)) {
    GstInterpolationMode mode;
    g_object_get(p->cs, "mode", &mode, NULL);
    p->mode = mode;
  }
  GList *all = gst_timed_value_control_source_get_all(
      GST_TIMED_VALUE_CONTROL_SOURCE(p->cs));
  for (GList *l = all; l; l = l->next) {
    const GstTimedValue *tv = l->data;
    Knot k = {tv->timestamp, value_at(b, tv->timestamp), 0};
    g_array_append_val(p->knots, k);
  }
  g_list_free(all);
  for (guint i = 0; i < p->knots->len; i++) {
    Knot *k = &g_array_index(p->knots, Knot, i);
    k->c = i == 0 ? MAX(k->v, 0) * SECONDS(k->t) /* the first value holds */
                  : k[-1].c + segment(p, b, i - 1, k->t);
  }
}

/* The integral of the controlled walk-speed from 0 to t. */
static gdouble integral(Sg3Pace *p, GstControlBinding *b, GstControlSource *cs,
                        GstClockTime t) {
  if (cs != p->cs || b != p->binding) {
    drop_source(p);
    p->cs = gst_object_ref(cs);
    p->binding = b;
    const char *signals[] = {"value-added", "value-changed", "value-removed"};
    for (guint i = 0; i < G_N_ELEMENTS(signals); i++)
      p->handlers[i] =
          g_signal_connect(cs, signals[i], G_CALLBACK(on_curve_changed), p);
    g_atomic_int_set(&p->dirty, 1);
  }
  if (g_atomic_int_compare_and_exchange(&p->dirty, 1, 0))
    build_knots(p, b);
  GArray *ks = p->knots;
  if (ks->len == 0)
    return 0;
  const Knot *k = (const Knot *)ks->data;
  if (t < k[0].t)
    return MAX(k[0].v, 0) * SECONDS(t);
  guint lo = 0, hi = ks->len - 1; /* the last knot at or before t */
  while (lo < hi) {
    guint mid = (lo + hi + 1) / 2;
    if (k[mid].t <= t)
      lo = mid;
    else
      hi = mid - 1;
  }
  return k[lo].c + segment(p, b, lo, t);
}

/* The walk-speed curve, if a timed-value control source drives it. */
static GstControlSource *curve_of(GstControlBinding *b) {
  if (!b || gst_control_binding_is_disabled(b) ||
      !g_object_class_find_property(G_OBJECT_GET_CLASS(b), "control-source"))
    return NULL;
  GstControlSource *cs = NULL;
  g_object_get(b, "control-source", &cs, NULL);
  if (cs && !GST_IS_TIMED_VALUE_CONTROL_SOURCE(cs)) {
    gst_object_unref(cs);
    cs = NULL;
  }
  return cs;
}

/* The anchor and pace frame (n, ts) walks from when nothing controls the
 * speed: the held pace, or a new one from the last frame out (either way
 * in time: reverse play walks back along the same integral). */
static void held(const Sg3Pace *p, gdouble speed, guint walk_frames,
                 Sg3Pace *a) {
  *a = *p;
  if (!p->started) { /* start, or a seek: as if the pace held since 0 */
    a->n0 = a->t0 = 0;
    a->p0 = 0;
  } else if (!p->controlled &&
             (speed < 0 ? p->speed < 0 && walk_frames == p->walk_frames
                        : speed == p->speed)) {
    return;
  } else { /* a new pace starts where the last frame was */
    a->n0 = p->last_n;
    a->t0 = p->last_t;
    a->p0 = p->last_p;
  }
  a->controlled = FALSE;
  a->speed = speed;
  a->walk_frames = walk_frames;
}

/* Where frame (n, ts) is; with `commit` it is the frame going out, and the
 * pace is remembered from it. */
static void pace(Sg3Pace *p, GstObject *element, guint64 n, GstClockTime ts,
                 gdouble speed, guint walk_frames, gdouble *offset,
                 guint64 *since, gboolean commit) {
  GstControlBinding *b = gst_object_get_control_binding(element, "walk-speed");
  GstControlSource *cs = curve_of(b);
  if (b && !gst_control_binding_is_disabled(b))
    speed = MAX(speed, 0); /* a controlled value is always a speed */
  gdouble pos;
  if (cs) {
    *offset = pos = integral(p, b, cs, ts);
    *since = 0;
    gst_object_unref(cs);
    if (commit) { /* should the curve go, the held pace goes on from here */
      p->controlled = TRUE;
      p->speed = speed;
      p->walk_frames = walk_frames;
    }
  } else {
    Sg3Pace a;
    held(p, speed, walk_frames, &a);
    *since = 0;
    if (a.speed < 0 && n >= a.n0) {
      /* frames since the anchor: counted exactly, wrapped by the walk */
      *offset = a.p0;
      *since = n - a.n0;
      pos = a.p0 + (gdouble)*since / a.walk_frames;
    } else if (a.speed < 0) { /* before the anchor (reverse play) */
      *offset = pos = a.p0 - (gdouble)(a.n0 - n) / a.walk_frames;
    } else {
      gdouble dt = ts >= a.t0 ? SECONDS(ts - a.t0) : -SECONDS(a.t0 - ts);
      *offset = pos = a.p0 + a.speed * dt;
    }
    if (commit) {
      p->controlled = a.controlled;
      p->speed = a.speed;
      p->walk_frames = a.walk_frames;
      p->n0 = a.n0;
      p->t0 = a.t0;
      p->p0 = a.p0;
    }
  }
  if (b)
    gst_object_unref(b);
  if (commit) {
    p->started = TRUE;
    p->last_n = n;
    p->last_t = ts;
    p->last_p = pos;
  }
}

void sg3_pace_at(Sg3Pace *p, GstObject *element, guint64 n, GstClockTime ts,
                 gdouble speed, guint walk_frames, gdouble *offset,
                 guint64 *since) {
  pace(p, element, n, ts, speed, walk_frames, offset, since, FALSE);
}

void sg3_pace_commit(Sg3Pace *p, GstObject *element, guint64 n, GstClockTime ts,
                     gdouble speed, guint walk_frames) {
  gdouble offset;
  guint64 since;
  pace(p, element, n, ts, speed, walk_frames, &offset, &since, TRUE);
}

gdouble sg3_pace_position(gdouble offset, guint64 since, guint walk_frames,
                          guint keyframes) {
  gdouble k = keyframes, pos = fmod(offset, k);
  if (pos < 0) /* (reverse play before the start) */
    pos += k;
  if (since)
    pos += (gdouble)(since % ((guint64)keyframes * walk_frames)) / walk_frames;
  return pos >= k ? pos - k : pos;
}
