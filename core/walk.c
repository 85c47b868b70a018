/* Latent walks, as gen_video.py renders them: the ws of keyframes repeat
 * forever, and a curve through them gives the ws of every frame between.
 *
 * gen_video.py interpolates with scipy's interp1d(kind='cubic') over the
 * keyframes tiled five times (wraps=2, x = -2K .. 3K-1) and samples the middle
 * copy, x in [0, K). interp1d's cubic is the not-a-knot spline, so we solve
 * exactly that spline (uniform knots make it a tridiagonal system) and keep its
 * second derivatives at x = 0..K: the walk is the same curve gen_video.py
 * renders, not an approximation of it. */
#include "walk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "generator.h"

struct sg3_walk {
  int k;     /* keyframes */
  size_t d;  /* num_ws * w_dim */
  float *y;  /* k * d: the keyframes' ws */
  double *m; /* (k + 1) * d: second derivatives at x = 0..k */
};

int sg3_spline_not_a_knot(const double *y, int n, double *m) {
  /* With unit spacing the spline's second derivatives satisfy
   * m[i-1] + 4 m[i] + m[i+1] = 6 (y[i-1] - 2 y[i] + y[i+1]) for 0 < i < n-1,
   * and not-a-knot (no jump of the third derivative at x = 1 and x = n-2)
   * adds m[0] = 2 m[1] - m[2]; substituted into the row i = 1 that gives
   * m[1] = r[1] / 6, and likewise m[n-2] = r[n-2] / 6. The rows 2..n-3 are a
   * tridiagonal system, solved by the Thomas algorithm. */
  double *cp = malloc(sizeof(double) * (size_t)n);
  if (!cp)
    return -1;
#define R(i) (6.0 * (y[(i)-1] - 2.0 * y[(i)] + y[(i) + 1]))
  m[1] = R(1) / 6.0;
  m[n - 2] = R(n - 2) / 6.0;
  int lo = 2, hi = n - 3; /* unknowns */
  if (lo <= hi) {
    /* forward sweep: cp = upper coefficient, m = right-hand side */
    for (int i = lo; i <= hi; i++) {
      double r = R(i);
      if (i == lo)
        r -= m[1];
      if (i == hi)
        r -= m[n - 2];
      double b = 4.0, c = i < hi ? 1.0 : 0.0;
      if (i > lo) {
        b -= cp[i - 1];
        r -= m[i - 1];
      }
      cp[i] = c / b;
      m[i] = r / b;
    }
    for (int i = hi - 1; i >= lo; i--)
      m[i] -= cp[i] * m[i + 1];
  }
#undef R
  m[0] = 2.0 * m[1] - m[2];
  m[n - 1] = 2.0 * m[n - 2] - m[n - 3];
  free(cp);
  return 0;
}

void sg3_walk_spec_init(sg3_walk_spec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->kind = SG3_WALK_CUBIC;
  spec->num_keyframes = 8;
}

static int walk_create(sg3_generator *gen, const sg3_request *base,
                       const sg3_walk_spec *spec, sg3_walk **out,
                       char **error) {
  if (!base || !spec)
    return sg3_set_error(error, "sg3_walk_create: no request or spec");
  if (spec->kind != SG3_WALK_CUBIC)
    return sg3_set_error(error, "unknown walk kind %d", (int)spec->kind);
  if (spec->num_keyframes < 1 || spec->num_keyframes > 1 << 16)
    return sg3_set_error(error, "a walk needs 1 to 65536 keyframes (got %d)",
                         spec->num_keyframes);
  if (base->source != SG3_LATENT_SEED)
    return sg3_set_error(error, "walk keyframes are seeds");
  sg3_model_info info;
  sg3_model_get_info(sg3_generator_get_model(gen), &info);
  int k = spec->num_keyframes;
  size_t d = (size_t)info.num_ws * info.w_dim;
  int n = 5 * k; /* wraps = 2 on either side, as gen_video.py */
  sg3_walk *w = calloc(1, sizeof *w);
  double *y = malloc(sizeof(double) * (size_t)n);
  double *m = malloc(sizeof(double) * (size_t)n);
  if (w) {
    w->y = malloc(sizeof(float) * (size_t)k * d);
    w->m = malloc(sizeof(double) * (size_t)(k + 1) * d);
  }
  int rc = -1;
  if (!w || !y || !m || !w->y || !w->m) {
    sg3_oom(error, "the latent walk");
    goto out;
  }
  w->k = k;
  w->d = d;
  for (int i = 0; i < k; i++) {
    sg3_request r = *base;
    r.seed = spec->seeds ? spec->seeds[i] : base->seed + (uint32_t)i;
    if (sg3_request_compute_ws(gen, &r, w->y + (size_t)i * d, error))
      goto out;
  }
  for (size_t j = 0; j < d; j++) {
    for (int i = 0; i < n; i++)
      y[i] = w->y[(size_t)(i % k) * d + j];
    if (sg3_spline_not_a_knot(y, n, m)) {
      sg3_oom(error, "the latent walk");
      goto out;
    }
    for (int i = 0; i <= k; i++) /* x = i sits at padded index 2k + i */
      w->m[(size_t)i * d + j] = m[2 * k + i];
  }
  *out = w;
  w = NULL;
  rc = 0;
out:
  free(y);
  free(m);
  sg3_walk_free(w);
  return rc;
}

sg3_status sg3_walk_create(sg3_generator *gen, const sg3_request *base,
                           const sg3_walk_spec *spec, sg3_walk **out,
                           char **error) {
  sg3_error_begin();
  *out = NULL;
  sg3_call_begin(gen);
  int rc = sg3_call_end(gen, walk_create(gen, base, spec, out, error), error);
  if (rc && *out) { /* cancelled after all: the keyframes are garbage */
    sg3_walk_free(*out);
    *out = NULL;
  }
  return sg3_error_end(rc, SG3_ERR_INVALID_ARGUMENT);
}

int sg3_walk_num_keyframes(const sg3_walk *w) {
  return w->k;
}

size_t sg3_walk_size(const sg3_walk *w) {
  return w->d;
}

void sg3_walk_free(sg3_walk *w) {
  if (!w)
    return;
  free(w->y);
  free(w->m);
  free(w);
}

void sg3_walk_eval(const sg3_walk *w, double t, float *ws) {
  double x = fmod(t, (double)w->k);
  if (x < 0)
    x += w->k;
  int i = (int)floor(x);
  if (i >= w->k) /* fmod rounding */
    i = w->k - 1;
  double u = x - i, v = 1.0 - u;
  double cu = (u * u * u - u) / 6.0, cv = (v * v * v - v) / 6.0;
  const float *y0 = w->y + (size_t)i * w->d;
  const float *y1 = w->y + (size_t)((i + 1) % w->k) * w->d;
  const double *m0 = w->m + (size_t)i * w->d, *m1 = m0 + w->d;
  for (size_t j = 0; j < w->d; j++)
    ws[j] = (float)(v * y0[j] + u * y1[j] + cv * m0[j] + cu * m1[j]);
}
