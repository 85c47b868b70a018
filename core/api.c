/* The public calls that run a generator: the mapping and synthesis steps,
 * and requests (one frame from its description) on top of them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "generator.h"
#include "image.h"
#include "numpy_random.h"
#include "walk.h"

sg3_status sg3_mapping(sg3_generator *g, const double *z, const float *c,
                       float psi, int cutoff, float *ws, char **error) {
  sg3_error_begin();
  const sg3_model *m = g->model;
  int rc = 0;
  if (!z || !ws)
    rc = sg3_set_error(error, "sg3_mapping: z and ws are required");
  else if (!isfinite(psi))
    rc = sg3_set_error(error, "truncation psi must be a finite number");
  else if (m->c_dim > 0 && !c)
    rc = sg3_set_error(error,
                       "the model is conditional (%d classes): a class "
                       "label is required",
                       m->c_dim);
  if (!rc) {
    sg3_call_begin(g);
    sg3_generator_mapping(g, z, c, psi, cutoff, ws);
    rc = sg3_call_end(g, 0, error);
  }
  return sg3_error_end(rc, SG3_ERR_INVALID_ARGUMENT);
}

static int synthesis(sg3_generator *g, const float *ws,
                     const sg3_synthesis_args *args, float *img, char **error) {
  if (!ws || !img)
    return sg3_set_error(error, "synthesis: ws and img are required");
  if (!g->ex.scratch)
    return sg3_fail(error, SG3_ERR_NO_MEMORY,
                    "the generator has no threads (sg3_generator_set_threads "
                    "failed)");
  return g->model->family->synthesis(g, ws, args, img, error);
}

sg3_status sg3_synthesis(sg3_generator *g, const float *ws,
                         const float *transform, float *img, char **error) {
  sg3_error_begin();
  sg3_synthesis_args args = {.transform = transform,
                             .noise_mode = SG3_NOISE_CONST};
  sg3_call_begin(g);
  int rc = sg3_call_end(g, synthesis(g, ws, &args, img, error), error);
  return sg3_error_end(rc, SG3_ERR_INVALID_ARGUMENT);
}

void sg3_request_init(sg3_request *r) {
  memset(r, 0, sizeof *r);
  r->source = SG3_LATENT_SEED;
  r->class_index = -1;
  r->psi = 1.0f;
  r->cutoff = -1;
  r->noise_mode = SG3_NOISE_CONST;
  r->mix_source = SG3_MIX_NONE;
  r->mix_first = 0;
  r->mix_last = -1;
  r->direction_strength = 1.0;
  r->direction_first = 0;
  r->direction_last = -1;
}

/* The label for a request's class: one-hot in g->label, the caller's
 * vector, or NULL for unconditional models (which ignore the class, as
 * gen_images.py does). StyleGAN-XL's gen_images.py draws a missing class
 * from the seed. */
static int request_label(sg3_generator *g, const sg3_request *r,
                         const float **label, char **error) {
  const sg3_model *m = g->model;
  *label = NULL;
  if (m->c_dim == 0)
    return 0;
  if (r->label) {
    for (int i = 0; i < m->c_dim; i++)
      if (!isfinite(r->label[i]))
        return sg3_set_error(error, "the class label is not finite");
    *label = r->label;
    return 0;
  }
  int klass = r->class_index;
  if (klass < 0 && m->family->gen_utils_truncation &&
      r->source == SG3_LATENT_SEED)
    sg3_classes_from_seed(r->seed, m->c_dim, 1, &klass);
  if (klass < 0)
    return sg3_set_error(error,
                         "the model is conditional (%d classes): a class is "
                         "required",
                         m->c_dim);
  if (klass >= m->c_dim)
    return sg3_set_error(error,
                         "class %d is out of range: the model has classes 0 "
                         "to %d",
                         r->class_index, m->c_dim - 1);
  memset(g->label, 0, sizeof(float) * (size_t)m->c_dim);
  g->label[klass] = 1.0f;
  *label = g->label;
  return 0;
}

void sg3_classes_from_seed(uint32_t seed, int c_dim, int n, int *classes) {
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, seed);
  for (int i = 0; i < n; i++)
    classes[i] = c_dim > 0 ? (int)sg3_random_randint(&rs, (uint64_t)c_dim) : 0;
}

/* The class whose centre a SEED or Z request's truncation and editing use:
 * argmax of the label, the class index, or StyleGAN-XL's class from the
 * seed; 0 when there is none (a family with one centre). */
static int request_class(const sg3_generator *g, const sg3_request *r) {
  const sg3_model *m = g->model;
  int k = r->class_index;
  if (m->c_dim == 0)
    return 0;
  if (r->label)
    return sg3_mapping_class(&m->mapping, r->label);
  if (k < 0 && m->family->gen_utils_truncation && r->source == SG3_LATENT_SEED)
    sg3_classes_from_seed(r->seed, m->c_dim, 1, &k);
  return k >= 0 && k < m->c_dim ? k : 0;
}

/* The multimodal centre: the centroid nearest (L2) to w. */
static int nearest_centroid(const sg3_request *r, int w_dim, const float *w,
                            const float **out, char **error) {
  if (r->num_centroids < 1 || r->num_centroids > (1 << 24))
    return sg3_set_error(error, "%d centroids given (1 to %d)",
                         r->num_centroids, 1 << 24);
  double best = INFINITY;
  const float *pick = NULL;
  for (int k = 0; k < r->num_centroids; k++) {
    const float *c = r->centroids + (size_t)k * w_dim;
    double d = 0;
    for (int i = 0; i < w_dim; i++)
      d += ((double)c[i] - w[i]) * ((double)c[i] - w[i]);
    if (d < best) { /* the first of equal distances, as argmin */
      best = d;
      pick = c;
    }
  }
  if (!pick)
    return sg3_set_error(error, "the centroids are not finite");
  *out = pick;
  return 0;
}

/* gen_utils.get_w_from_seed's truncation of the mapped (psi 1) ws:
 * w_avg + (w - w_avg) * psi in float32, on the first cutoff rows. */
static int truncate_ws(sg3_generator *g, const sg3_request *r,
                       const float *label, float *ws, char **error) {
  const sg3_model *m = g->model;
  const int wd = m->w_dim;
  const float *w_avg = NULL;
  if (r->centroids) {
    if (nearest_centroid(r, wd, ws, &w_avg, error))
      return -1;
  } else {
    w_avg = sg3_mapping_w_avg(
        &m->mapping, label ? sg3_mapping_class(&m->mapping, label) : 0);
  }
  int cutoff = r->cutoff < 0 || r->cutoff > m->num_ws ? m->num_ws : r->cutoff;
  const float psi = r->psi;
  for (int row = 0; row < cutoff; row++) {
    float *w = ws + (size_t)row * wd;
    for (int i = 0; i < wd; i++) {
      float t = w[i] - w_avg[i];
      t = t * psi;
      w[i] = w_avg[i] + t;
    }
  }
  return 0;
}

static int finite_floats(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return 0;
  return 1;
}

/* The ws of the request's latent source, before editing. */
static int source_ws(sg3_generator *g, const sg3_request *r, float *ws,
                     char **error) {
  const sg3_model *m = g->model;
  const size_t d = (size_t)m->num_ws * m->w_dim;
  switch (r->source) {
  case SG3_LATENT_SEED:
  case SG3_LATENT_Z: {
    const float *label;
    if (!isfinite(r->psi))
      return sg3_set_error(error, "truncation psi must be a finite number");
    if (request_label(g, r, &label, error))
      return -1;
    const double *z = r->z;
    if (r->source == SG3_LATENT_SEED) {
      sg3_z_from_seed(r->seed, g->z, m->z_dim);
      z = g->z;
    } else if (!z) {
      return sg3_set_error(error, "SG3_LATENT_Z needs z");
    } else {
      for (int i = 0; i < m->z_dim; i++)
        if (!isfinite(z[i]))
          return sg3_set_error(error, "z is not finite");
    }
    if (m->family->gen_utils_truncation || r->centroids) {
      sg3_generator_mapping(g, z, label, 1.0f, -1, ws);
      return truncate_ws(g, r, label, ws, error);
    }
    sg3_generator_mapping(g, z, label, r->psi, r->cutoff, ws);
    return 0;
  }
  case SG3_LATENT_WS:
    if (!r->ws || (r->ws_rows != 1 && r->ws_rows != m->num_ws))
      return sg3_set_error(error,
                           "ws must be given as 1 or %d rows of %d (got %d "
                           "rows)",
                           m->num_ws, m->w_dim, r->ws ? r->ws_rows : 0);
    if (!finite_floats(r->ws, (size_t)r->ws_rows * m->w_dim))
      return sg3_set_error(error, "ws are not finite");
    for (int i = 0; i < m->num_ws; i++)
      memcpy(ws + (size_t)i * m->w_dim,
             r->ws + (r->ws_rows == 1 ? 0 : (size_t)i * m->w_dim),
             sizeof(float) * (size_t)m->w_dim);
    return 0;
  case SG3_LATENT_WALK:
    if (!r->walk || sg3_walk_size(r->walk) != d)
      return sg3_set_error(error, "the walk is not one of this model's");
    if (!isfinite(r->walk_position))
      return sg3_set_error(error, "the walk position is not finite");
    return sg3_walk_compute(g, r->walk, r->walk_position, ws, error);
  }
  return sg3_set_error(error, "unknown latent source %d", (int)r->source);
}

/* Rows first..last (inclusive, -1 = the last) as lo..hi-1, clipped to the
 * model's rows. */
static int row_range(const char *what, int first, int last, int num_ws, int *lo,
                     int *hi, char **error) {
  if (first < 0 || last < -1)
    return sg3_set_error(error, "%s rows %d to %d: rows are 0 or more", what,
                         first, last);
  *lo = first;
  *hi = last < 0 || last >= num_ws ? num_ws : last + 1;
  if (*lo > *hi)
    *lo = *hi;
  return 0;
}

/* Given ws of 1 or num_ws rows: row i of them. */
static int check_rows(const char *what, const float *x, int rows,
                      const sg3_model *m, char **error) {
  if (!x || (rows != 1 && rows != m->num_ws))
    return sg3_set_error(error, "%s must be 1 or %d rows of %d (got %d rows)",
                         what, m->num_ws, m->w_dim, x ? rows : 0);
  if (!finite_floats(x, (size_t)rows * m->w_dim))
    return sg3_set_error(error, "%s are not finite", what);
  return 0;
}

int sg3_request_compute_ws(sg3_generator *g, const sg3_request *r, float *ws,
                           char **error) {
  const sg3_model *m = g->model;
  const size_t W = (size_t)m->w_dim;
  if (source_ws(g, r, ws, error))
    return -1;
  /* Fractional seeds, as the visualizer sums (ws - w_avg) * weight over
   * the seeds and adds w_avg back. */
  if (r->source == SG3_LATENT_SEED && r->seed_blend != 0) {
    if (!(r->seed_blend >= 0 && r->seed_blend <= 1))
      return sg3_set_error(error, "seed_blend %g is not in 0..1",
                           r->seed_blend);
    sg3_request next = *r;
    next.seed = r->seed + 1;
    if (source_ws(g, &next, g->ws2, error))
      return -1;
    const float *avg = sg3_mapping_w_avg(&m->mapping, request_class(g, r));
    const float b = (float)r->seed_blend, a = (float)(1.0 - r->seed_blend);
    for (int i = 0; i < m->num_ws; i++)
      for (size_t j = 0; j < W; j++) {
        float *w = ws + i * W + j;
        float d0 = *w - avg[j], d1 = g->ws2[i * W + j] - avg[j];
        *w = (d0 * a + d1 * b) + avg[j];
      }
  }
  if (r->mix_source != SG3_MIX_NONE) {
    int lo = 0, hi = 0;
    if (row_range("mixed", r->mix_first, r->mix_last, m->num_ws, &lo, &hi,
                  error))
      return -1;
    const float *src;
    int rows;
    if (r->mix_source == SG3_MIX_SEED) {
      sg3_request mix = *r;
      mix.source = SG3_LATENT_SEED;
      mix.seed = r->mix_seed;
      if (source_ws(g, &mix, g->ws2, error))
        return -1;
      src = g->ws2;
      rows = m->num_ws;
    } else if (r->mix_source == SG3_MIX_WS) {
      if (check_rows("the mix ws", r->mix_ws, r->mix_ws_rows, m, error))
        return -1;
      src = r->mix_ws;
      rows = r->mix_ws_rows;
    } else {
      return sg3_set_error(error, "unknown mix source %d", (int)r->mix_source);
    }
    for (int i = lo; i < hi; i++)
      memcpy(ws + i * W, src + (rows == 1 ? 0 : i * W), sizeof(float) * W);
  }
  if (r->direction) {
    int lo = 0, hi = 0;
    if (check_rows("the direction", r->direction, r->direction_rows, m,
                   error) ||
        row_range("direction", r->direction_first, r->direction_last, m->num_ws,
                  &lo, &hi, error))
      return -1;
    if (!isfinite(r->direction_strength))
      return sg3_set_error(error, "the direction strength is not finite");
    const float s = (float)r->direction_strength;
    for (int i = lo; i < hi; i++) {
      const float *d = r->direction + (r->direction_rows == 1 ? 0 : i * W);
      for (size_t j = 0; j < W; j++)
        ws[i * W + j] += s * d[j];
    }
  }
  return 0;
}

sg3_status sg3_request_ws(sg3_generator *g, const sg3_request *r, float *ws,
                          char **error) {
  sg3_error_begin();
  sg3_call_begin(g);
  int rc = !r || !ws ? sg3_set_error(error, "sg3_request_ws: no request or ws")
                     : sg3_request_compute_ws(g, r, ws, error);
  return sg3_error_end(sg3_call_end(g, rc, error), SG3_ERR_INVALID_ARGUMENT);
}

static int render(sg3_generator *g, const sg3_request *r,
                  sg3_pixel_format format, void *pixels, char **error) {
  const sg3_model *m = g->model;
  if (!r || !pixels)
    return sg3_set_error(error, "sg3_render: no request or pixels");
  if (format != SG3_PIXELS_F32_CHW && format != SG3_PIXELS_U8_HWC)
    return sg3_set_error(error, "unknown pixel format %d", (int)format);
  if (!isfinite(r->translate_x) || !isfinite(r->translate_y) ||
      !isfinite(r->rotate))
    return sg3_set_error(error, "translate and rotate must be finite");
  if (r->noise_mode != SG3_NOISE_CONST && r->noise_mode != SG3_NOISE_NONE &&
      r->noise_mode != SG3_NOISE_RANDOM)
    return sg3_set_error(error, "unknown noise mode %d", (int)r->noise_mode);
  if (sg3_request_compute_ws(g, r, g->ws, error))
    return -1;
  /* As gen_images.py: the transform is always set, identity by default. */
  float transform[9];
  sg3_make_transform(r->translate_x, r->translate_y, r->rotate, transform);
  sg3_synthesis_args args = {.transform = transform,
                             .noise_mode = r->noise_mode,
                             .noise_seed = r->noise_seed};
  if (r->anchor)
    args.anchor_w_avg = sg3_mapping_w_avg(&m->mapping, request_class(g, r));
  float *img = format == SG3_PIXELS_F32_CHW ? pixels : g->img;
  if (synthesis(g, g->ws, &args, img, error))
    return -1;
  if (format == SG3_PIXELS_U8_HWC)
    sg3_model_image_to_u8(m, img, pixels);
  return 0;
}

void sg3_model_image_to_u8(const sg3_model *m, const float *img, uint8_t *out) {
  if (m->family->u8_rule == SG3_U8_XL)
    sg3_image_to_u8_xl(img, m->img_channels, m->img_resolution,
                       m->img_resolution, out);
  else
    sg3_image_to_u8(img, m->img_channels, m->img_resolution, m->img_resolution,
                    out);
}

sg3_status sg3_render(sg3_generator *g, const sg3_request *r,
                      sg3_pixel_format format, void *pixels, char **error) {
  sg3_error_begin();
  sg3_call_begin(g);
  int rc = sg3_call_end(g, render(g, r, format, pixels, error), error);
  return sg3_error_end(rc, SG3_ERR_INVALID_ARGUMENT);
}
