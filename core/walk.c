/* gen_video.py interpolates with scipy's interp1d(kind='cubic') over the
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

struct sg3_walk {
  int k;     /* keyframes */
  size_t d;  /* num_ws * w_dim */
  float *y;  /* k * d: the keyframes' ws */
  double *m; /* (k + 1) * d: second derivatives at x = 0..k */
};

void sg3_spline_not_a_knot(const double *y, int n, double *m) {
  /* With unit spacing the spline's second derivatives satisfy
   * m[i-1] + 4 m[i] + m[i+1] = 6 (y[i-1] - 2 y[i] + y[i+1]) for 0 < i < n-1,
   * and not-a-knot (no jump of the third derivative at x = 1 and x = n-2)
   * adds m[0] = 2 m[1] - m[2]; substituted into the row i = 1 that gives
   * m[1] = r[1] / 6, and likewise m[n-2] = r[n-2] / 6. The rows 2..n-3 are a
   * tridiagonal system, solved by the Thomas algorithm. */
  double *cp = malloc(sizeof(double) * (size_t)n);
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
}

sg3_walk *sg3_walk_new(sg3_generator *gen, uint32_t seed, int num_keyframes,
                       const float *c, float psi, int cutoff, char **error) {
  sg3_model_info info;
  sg3_model_get_info(sg3_generator_get_model(gen), &info);
  int k = num_keyframes < 1 ? 1 : num_keyframes;
  size_t d = (size_t)info.num_ws * info.w_dim;
  int n = 5 * k; /* wraps = 2 on either side, as gen_video.py */
  sg3_walk *w = calloc(1, sizeof *w);
  double *z = malloc(sizeof(double) * (size_t)info.z_dim);
  double *y = malloc(sizeof(double) * (size_t)n);
  double *m = malloc(sizeof(double) * (size_t)n);
  if (w) {
    w->y = malloc(sizeof(float) * (size_t)k * d);
    w->m = malloc(sizeof(double) * (size_t)(k + 1) * d);
  }
  if (!w || !z || !y || !m || !w->y || !w->m) {
    if (error)
      *error = strdup("out of memory for the latent walk");
    goto fail;
  }
  w->k = k;
  w->d = d;
  for (int i = 0; i < k; i++) {
    sg3_z_from_seed(seed + (uint32_t)i, z, info.z_dim);
    if (sg3_mapping(gen, z, c, psi, cutoff, w->y + (size_t)i * d, error))
      goto fail;
  }
  for (size_t j = 0; j < d; j++) {
    for (int i = 0; i < n; i++)
      y[i] = w->y[(size_t)(i % k) * d + j];
    sg3_spline_not_a_knot(y, n, m);
    for (int i = 0; i <= k; i++) /* x = i sits at padded index 2k + i */
      w->m[(size_t)i * d + j] = m[2 * k + i];
  }
  free(z);
  free(y);
  free(m);
  return w;
fail:
  free(z);
  free(y);
  free(m);
  sg3_walk_free(w);
  return NULL;
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
