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
#include "numpy_random.h"

struct sg3_walk {
  sg3_walk_kind kind;
  int k;     /* keyframes */
  size_t d;  /* num_ws * w_dim */
  float *y;  /* k * d: the keyframes' ws */
  double *m; /* cubic: (k + 1) * d second derivatives at x = 0..k */
  /* Walks mapped at every position (in z). */
  int in_z;
  int z_dim, c_dim;
  float psi;
  int cutoff;
  double *z;     /* slerp: k * z_dim keyframe z; noise loop: the base z */
  float *labels; /* k * c_dim keyframe labels, or NULL (unconditional) */
  /* Noise loop: sqrt(c_j) and rho's c_j for j = 0..terms, and the
   * process's Gaussian coefficients A_0, A_1, B_1, ... (z_dim each). */
  int terms;
  double *sqc, *c, *coef;
  double *f0; /* z_dim: the process at 0 */
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
  spec->loop_radius = 1.0;
}

/* The noise loop's covariance on the circle, for a squared-exponential
 * field of unit length scale sampled at radius r: k(theta) = exp(-r^2 (1 -
 * cos theta)) = sum_j c_j cos(j theta). The c_j (e^-x I_j(x) with x = r^2,
 * doubled for j > 0) come from the trapezoid rule, exact for this smooth
 * periodic function; the series is cut where they are below 1e-15 and
 * renormalised to sum to 1, so every z stays standard normal. */
static int noise_terms(double r) {
  return (int)ceil(6.0 * r) + 8;
}

static void noise_coefficients(double r, int terms, double *c) {
  int n = 4 * terms + 16;
  double sum = 0;
  for (int j = 0; j <= terms; j++) {
    double acc = 0;
    for (int i = 0; i < n; i++) {
      double th = 2.0 * M_PI * i / n;
      acc += exp(-r * r * (1.0 - cos(th))) * cos(j * th);
    }
    c[j] = (j ? 2.0 : 1.0) * acc / n;
    if (c[j] < 1e-15)
      c[j] = 0;
    sum += c[j];
  }
  for (int j = 0; j <= terms; j++)
    c[j] /= sum;
}

/* A keyframe's label: class `klass` one-hot, or with klass < 0 the base
 * request's label or class, or (StyleGAN-XL, from_seed) the class its
 * gen_images.py draws from the keyframe's seed. */
static int keyframe_label(const sg3_model_info *info, const sg3_request *base,
                          int klass, uint32_t seed, int from_seed, float *label,
                          char **error) {
  if (klass < 0 && base->label) {
    memcpy(label, base->label, sizeof(float) * (size_t)info->c_dim);
    return 0;
  }
  if (klass < 0)
    klass = base->class_index;
  if (klass < 0 && from_seed)
    sg3_classes_from_seed(seed, info->c_dim, 1, &klass);
  if (klass < 0)
    return sg3_set_error(error,
                         "the model is conditional (%d classes): a class is "
                         "required",
                         info->c_dim);
  if (klass >= info->c_dim)
    return sg3_set_error(error,
                         "class %d is out of range: the model has classes 0 "
                         "to %d",
                         klass, info->c_dim - 1);
  memset(label, 0, sizeof(float) * (size_t)info->c_dim);
  label[klass] = 1.0f;
  return 0;
}

static int fit_cubic(sg3_walk *w, char **error) {
  int k = w->k, n = 5 * k; /* wraps = 2 on either side, as gen_video.py */
  size_t d = w->d;
  double *y = malloc(sizeof(double) * (size_t)n);
  double *m = malloc(sizeof(double) * (size_t)n);
  w->m = malloc(sizeof(double) * (size_t)(k + 1) * d);
  int rc = -1;
  if (!y || !m || !w->m) {
    sg3_oom(error, "the latent walk");
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
  rc = 0;
out:
  free(y);
  free(m);
  return rc;
}

static int walk_create(sg3_generator *gen, const sg3_request *base,
                       const sg3_walk_spec *spec, sg3_walk **out,
                       char **error) {
  if (!base || !spec)
    return sg3_set_error(error, "sg3_walk_create: no request or spec");
  if (spec->kind != SG3_WALK_CUBIC && spec->kind != SG3_WALK_LINEAR &&
      spec->kind != SG3_WALK_SLERP && spec->kind != SG3_WALK_NOISE_LOOP)
    return sg3_set_error(error, "unknown walk kind %d", (int)spec->kind);
  if (spec->num_keyframes < 1 || spec->num_keyframes > 1 << 16)
    return sg3_set_error(error, "a walk needs 1 to 65536 keyframes (got %d)",
                         spec->num_keyframes);
  if (!spec->ws && base->source != SG3_LATENT_SEED)
    return sg3_set_error(error, "walk keyframes are seeds or given ws");
  if (spec->kind == SG3_WALK_NOISE_LOOP &&
      !(spec->loop_radius >= 0 && spec->loop_radius <= 100))
    return sg3_set_error(error, "the loop radius %g is not in 0..100",
                         spec->loop_radius);
  if (spec->kind == SG3_WALK_NOISE_LOOP && spec->ws)
    return sg3_set_error(error, "a noise loop walks from a seed, not from ws");
  sg3_model_info info;
  sg3_model_get_info(sg3_generator_get_model(gen), &info);
  int k = spec->num_keyframes;
  size_t d = (size_t)info.num_ws * info.w_dim;
  if (spec->ws && spec->ws_rows != 1 && spec->ws_rows != info.num_ws)
    return sg3_set_error(error,
                         "walk keyframe ws must be 1 or %d rows (got %d)",
                         info.num_ws, spec->ws_rows);
  sg3_walk *w = calloc(1, sizeof *w);
  if (!w)
    return sg3_oom(error, "the latent walk");
  w->kind = spec->kind;
  w->k = k;
  w->d = d;
  w->z_dim = info.z_dim;
  w->c_dim = info.c_dim;
  w->psi = base->psi;
  w->cutoff = base->cutoff;
  w->in_z = !spec->ws &&
            (spec->kind == SG3_WALK_SLERP || spec->kind == SG3_WALK_NOISE_LOOP);
  int rc = -1;
  w->y = malloc(sizeof(float) * (size_t)k * d);
  if (!w->y)
    goto oom;
  /* The keyframes: mapped only (the edits of a request apply per frame,
   * on top of the walk). */
  sg3_request r = *base;
  r.seed_blend = 0;
  r.mix_source = SG3_MIX_NONE;
  r.direction = NULL;
  for (int i = 0; i < k; i++) {
    float *yi = w->y + (size_t)i * d;
    if (spec->ws) {
      const float *src = spec->ws + (size_t)i * spec->ws_rows * info.w_dim;
      for (int row = 0; row < info.num_ws; row++)
        memcpy(yi + (size_t)row * info.w_dim,
               src + (spec->ws_rows == 1 ? 0 : (size_t)row * info.w_dim),
               sizeof(float) * (size_t)info.w_dim);
      for (size_t j = 0; j < d; j++)
        if (!isfinite(yi[j])) {
          sg3_set_error(error, "walk keyframe %d's ws are not finite", i);
          goto out;
        }
      continue;
    }
    r.seed = spec->seeds ? spec->seeds[i] : base->seed + (uint32_t)i;
    if (spec->classes)
      r.class_index = spec->classes[i];
    if (sg3_request_compute_ws(gen, &r, yi, error)) {
      sg3_prefix_error(error, "walk keyframe %d (seed %u)", i, r.seed);
      goto out;
    }
    if (spec->kind == SG3_WALK_NOISE_LOOP)
      break; /* one seed: the others are never visited */
  }
  if (spec->kind == SG3_WALK_NOISE_LOOP)
    for (int i = 1; i < k; i++)
      memcpy(w->y + (size_t)i * d, w->y, sizeof(float) * d);
  if (w->in_z) {
    int nz = spec->kind == SG3_WALK_SLERP ? k : 1;
    w->z = malloc(sizeof(double) * (size_t)nz * (info.z_dim + 1));
    if (info.c_dim > 0)
      w->labels = malloc(sizeof(float) * (size_t)nz * info.c_dim);
    if (!w->z || (info.c_dim > 0 && !w->labels))
      goto oom;
    for (int i = 0; i < nz; i++) {
      uint32_t seed = spec->seeds ? spec->seeds[i] : base->seed + (uint32_t)i;
      sg3_z_from_seed(seed, w->z + (size_t)i * info.z_dim, info.z_dim);
      if (info.c_dim > 0 &&
          keyframe_label(&info, base, spec->classes ? spec->classes[i] : -1,
                         seed, gen->model->family->gen_utils_truncation,
                         w->labels + (size_t)i * info.c_dim, error))
        goto out;
    }
  }
  if (spec->kind == SG3_WALK_NOISE_LOOP) {
    /* The process continues the base seed's random stream after its z. */
    int terms = w->terms = noise_terms(spec->loop_radius);
    size_t nc = (size_t)(2 * terms + 1) * info.z_dim;
    w->c = malloc(sizeof(double) * (size_t)(terms + 1));
    w->sqc = malloc(sizeof(double) * (size_t)(terms + 1));
    w->coef = malloc(sizeof(double) * (nc ? nc : 1));
    if (!w->c || !w->sqc || !w->coef)
      goto oom;
    noise_coefficients(spec->loop_radius, terms, w->c);
    for (int j = 0; j <= terms; j++)
      w->sqc[j] = sqrt(w->c[j]);
    sg3_randomstate rs;
    sg3_randomstate_seed(&rs, spec->seeds ? spec->seeds[0] : base->seed);
    for (int i = 0; i < info.z_dim; i++)
      sg3_random_gauss(&rs);
    for (size_t i = 0; i < nc; i++)
      w->coef[i] = sg3_random_gauss(&rs);
    w->f0 = malloc(sizeof(double) * (size_t)(info.z_dim + 1));
    if (!w->f0)
      goto oom;
    for (int i = 0; i < info.z_dim; i++) {
      double f0 = w->sqc[0] * w->coef[i];
      for (int j = 1; j <= terms; j++)
        f0 += w->sqc[j] * w->coef[(size_t)(2 * j - 1) * info.z_dim + i];
      w->f0[i] = f0;
    }
  }
  if (spec->kind == SG3_WALK_CUBIC && fit_cubic(w, error))
    goto out;
  *out = w;
  return 0;
oom:
  sg3_oom(error, "the latent walk");
out:
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

int sg3_walk_in_z(const sg3_walk *w) {
  return w->in_z;
}

void sg3_walk_free(sg3_walk *w) {
  if (!w)
    return;
  free(w->y);
  free(w->m);
  free(w->z);
  free(w->labels);
  free(w->c);
  free(w->sqc);
  free(w->coef);
  free(w->f0);
  free(w);
}

/* Position t as keyframe i and the fraction u toward the next. */
static double locate(const sg3_walk *w, double t, int *i) {
  double x = fmod(t, (double)w->k);
  if (x < 0)
    x += w->k;
  *i = (int)floor(x);
  if (*i >= w->k) { /* fmod rounding */
    *i = w->k - 1;
    return 1.0;
  }
  return x - *i;
}

/* stylegan3-fun's slerp (gen_utils.slerp): lerp when the two are nearly
 * collinear (|cos| > 0.9995). */
static void slerp_weights(double u, double na, double nb, double dot,
                          double *s0, double *s1) {
  *s0 = 1.0 - u;
  *s1 = u;
  if (na > 0 && nb > 0 && fabs(dot) <= 0.9995) {
    double th = acos(dot < -1 ? -1 : dot > 1 ? 1 : dot), st = sin(th);
    *s0 = sin(th - th * u) / st;
    *s1 = sin(th * u) / st;
  }
}

static void slerp(double u, const double *a, const double *b, size_t n,
                  double *out) {
  double na = 0, nb = 0, dot = 0, s0, s1;
  for (size_t j = 0; j < n; j++) {
    na += a[j] * a[j];
    nb += b[j] * b[j];
  }
  na = sqrt(na);
  nb = sqrt(nb);
  for (size_t j = 0; j < n; j++)
    dot += (a[j] / na) * (b[j] / nb);
  slerp_weights(u, na, nb, dot, &s0, &s1);
  for (size_t j = 0; j < n; j++)
    out[j] = s0 * a[j] + s1 * b[j];
}

void sg3_walk_eval(const sg3_walk *w, double t, float *ws) {
  int i;
  double u = locate(w, t, &i);
  const float *y0 = w->y + (size_t)i * w->d;
  const float *y1 = w->y + (size_t)((i + 1) % w->k) * w->d;
  if (w->in_z) { /* the nearest keyframe: z walks need the mapping */
    memcpy(ws, u < 0.5 ? y0 : y1, sizeof(float) * w->d);
    return;
  }
  if (w->kind == SG3_WALK_LINEAR || w->kind == SG3_WALK_SLERP) {
    if (u == 0) {
      memcpy(ws, y0, sizeof(float) * w->d);
      return;
    }
    if (w->kind == SG3_WALK_LINEAR) {
      for (size_t j = 0; j < w->d; j++)
        ws[j] = (float)((1.0 - u) * y0[j] + u * y1[j]);
      return;
    }
    /* spherical over the whole ws, as stylegan3-fun's latent_walk.py */
    double na = 0, nb = 0, dot = 0;
    for (size_t j = 0; j < w->d; j++) {
      na += (double)y0[j] * y0[j];
      nb += (double)y1[j] * y1[j];
    }
    na = sqrt(na);
    nb = sqrt(nb);
    for (size_t j = 0; j < w->d; j++)
      dot += (y0[j] / na) * (y1[j] / nb);
    double s0, s1;
    slerp_weights(u, na, nb, dot, &s0, &s1);
    for (size_t j = 0; j < w->d; j++)
      ws[j] = (float)(s0 * y0[j] + s1 * y1[j]);
    return;
  }
  double v = 1.0 - u;
  double cu = (u * u * u - u) / 6.0, cv = (v * v * v - v) / 6.0;
  const double *m0 = w->m + (size_t)i * w->d, *m1 = m0 + w->d;
  for (size_t j = 0; j < w->d; j++)
    ws[j] = (float)(v * y0[j] + u * y1[j] + cv * m0[j] + cu * m1[j]);
}

/* The noise loop's z at angle th: f(th) + rho(th) (z0 - f(0)), the
 * process f conditioned on z0 at 0 (Matheron's rule). */
static void noise_z(const sg3_walk *w, double th, double *z) {
  const int n = w->z_dim, terms = w->terms;
  if (th == 0) {
    memcpy(z, w->z, sizeof(double) * (size_t)n);
    return;
  }
  double rho = 0;
  for (int j = 0; j <= terms; j++)
    rho += w->c[j] * cos(j * th);
  for (int i = 0; i < n; i++)
    z[i] = w->sqc[0] * w->coef[i];
  /* the terms' weights in blocks, each sine and cosine computed once */
  enum { BLOCK = 64 };
  for (int j0 = 1; j0 <= terms; j0 += BLOCK) {
    int nb = terms - j0 + 1 < BLOCK ? terms - j0 + 1 : BLOCK;
    double cs[BLOCK], sn[BLOCK];
    for (int b = 0; b < nb; b++) {
      cs[b] = w->sqc[j0 + b] * cos((j0 + b) * th);
      sn[b] = w->sqc[j0 + b] * sin((j0 + b) * th);
    }
    for (int b = 0; b < nb; b++) {
      const double *a = w->coef + (size_t)(2 * (j0 + b) - 1) * n, *bb = a + n;
      for (int i = 0; i < n; i++)
        z[i] += a[i] * cs[b] + bb[i] * sn[b];
    }
  }
  for (int i = 0; i < n; i++)
    z[i] += rho * (w->z[i] - w->f0[i]);
}

int sg3_walk_compute(sg3_generator *g, const sg3_walk *w, double t, float *ws,
                     char **error) {
  if (!w->in_z) {
    sg3_walk_eval(w, t, ws);
    return 0;
  }
  const sg3_model *m = g->model;
  if (m->z_dim != w->z_dim || m->c_dim != w->c_dim ||
      (size_t)m->num_ws * m->w_dim != w->d)
    return sg3_set_error(error, "the walk is not one of this model's");
  int i;
  double u = locate(w, t, &i);
  const float *label = NULL;
  if (w->kind == SG3_WALK_NOISE_LOOP) {
    double x = fmod(t, (double)w->k);
    if (x < 0)
      x += w->k;
    noise_z(w, 2.0 * M_PI * x / w->k, g->walk_z);
    label = w->labels;
  } else {
    int i1 = (i + 1) % w->k;
    const double *z0 = w->z + (size_t)i * w->z_dim;
    const double *z1 = w->z + (size_t)i1 * w->z_dim;
    if (u == 0)
      memcpy(g->walk_z, z0, sizeof(double) * (size_t)w->z_dim);
    else
      slerp(u, z0, z1, (size_t)w->z_dim, g->walk_z);
    if (w->labels) {
      const float *l0 = w->labels + (size_t)i * w->c_dim;
      const float *l1 = w->labels + (size_t)i1 * w->c_dim;
      for (int j = 0; j < w->c_dim; j++)
        g->walk_label[j] =
            u == 0 ? l0[j] : (float)((1 - u) * l0[j] + u * l1[j]);
      label = g->walk_label;
    }
  }
  sg3_generator_mapping(g, g->walk_z, label, w->psi, w->cutoff, ws);
  return 0;
}

sg3_status sg3_walk_ws(sg3_generator *g, const sg3_walk *w, double t, float *ws,
                       char **error) {
  sg3_error_begin();
  int rc = !g || !w || !ws ? sg3_set_error(error, "sg3_walk_ws: no walk")
           : !isfinite(t)  ? sg3_set_error(error, "the walk position is not "
                                                   "finite")
                           : sg3_walk_compute(g, w, t, ws, error);
  return sg3_error_end(rc, SG3_ERR_INVALID_ARGUMENT);
}

void sg3_shuffle_order(uint32_t shuffle_seed, int n, int *order) {
  /* RandomState.shuffle: Fisher-Yates from the end, j = random_interval(i)
   * (masked 32-bit draws, rejected above i). */
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, shuffle_seed);
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int i = n - 1; i > 0; i--) {
    uint32_t max = (uint32_t)i, mask = max, v;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    while ((v = sg3_random_uint32(&rs) & mask) > max)
      ;
    int tmp = order[i];
    order[i] = order[v];
    order[v] = tmp;
  }
}
