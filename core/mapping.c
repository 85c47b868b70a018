/* MappingNetwork: z (and the class embedding) to ws, with truncation. */
#include <math.h>
#include <string.h>

#include "error.h"
#include "generator.h"
#include "ops/ops.h"

/* Outputs [o0, o1) of a fully-connected layer. Our own loop rather than the
 * BLAS: a BLAS may wake its threads for this, and they would then compete
 * with the generator's. */
static void fc_rows(const sg3_fc *fc, const float *x, float *y, int lrelu,
                    int o0, int o1) {
  sg3_simd_get()->matvec(fc->weight + (size_t)o0 * fc->in, x, y + o0, o1 - o0,
                         fc->in);
  const float gain = (float)sqrt(2.0);
  for (int i = o0; i < o1; i++) {
    float v = fc->bias ? y[i] + fc->bias[i] : y[i];
    if (lrelu)
      v = (v < 0 ? v * 0.2f : v) * gain;
    y[i] = v;
  }
}

void sg3_fully_connected(const sg3_fc *fc, const float *x, float *y,
                         int lrelu) {
  fc_rows(fc, x, y, lrelu, 0, fc->out);
}

typedef struct {
  const sg3_fc *fc;
  const float *x;
  float *y;
  int lrelu, ntasks;
} fc_ctx;

static void fc_task(void *ctx, int task, int thread) {
  (void)thread;
  const fc_ctx *c = ctx;
  int o0 = (int)((long)c->fc->out * task / c->ntasks);
  int o1 = (int)((long)c->fc->out * (task + 1) / c->ntasks);
  fc_rows(c->fc, c->x, c->y, c->lrelu, o0, o1);
}

/* The mapping's big layers read megabytes of weights: on every core. */
static void fc_parallel(sg3_generator *g, const sg3_fc *fc, const float *x,
                        float *y, int lrelu) {
  int n = sg3_pool_threads(g->pool);
  if (n == 1 || (size_t)fc->out * fc->in < 65536) {
    sg3_fully_connected(fc, x, y, lrelu);
    return;
  }
  fc_ctx c = {fc, x, y, lrelu, 2 * n};
  sg3_pool_run(g->pool, c.ntasks, fc_task, &c);
}

/* x * rsqrt(mean(x^2) + 1e-8), the official normalize_2nd_moment. */
static void normalize_2nd_moment(float *x, int n) {
  float sum = 0;
  for (int i = 0; i < n; i++)
    sum += x[i] * x[i];
  float scale = 1.0f / sqrtf(sum / (float)n + 1e-8f);
  for (int i = 0; i < n; i++)
    x[i] *= scale;
}

/* torch.lerp(start, end, weight) in float32, its two-sided formula. */
static float lerp(float start, float end, float weight) {
  float diff = end - start;
  return fabsf(weight) < 0.5f ? start + weight * diff
                              : end - diff * (1.0f - weight);
}

int sg3_mapping(sg3_generator *gen, const double *z, const float *c, float psi,
                int cutoff, float *ws, char **error) {
  const sg3_model *m = gen->model;
  const sg3_config *cfg = &m->cfg;
  if (!z || !ws)
    return sg3_set_error(error, "sg3_mapping: z and ws are required");
  if (!isfinite(psi))
    return sg3_set_error(error, "truncation psi must be a finite number");
  if (cfg->c_dim > 0 && !c)
    return sg3_set_error(error,
                         "the model is conditional (%d classes): a class "
                         "label is required",
                         cfg->c_dim);
  double t0 = gen->profiling ? sg3_now() : 0;
  float *x = gen->map_x, *y = gen->map_y;
  for (int i = 0; i < cfg->z_dim; i++)
    x[i] = (float)z[i];
  normalize_2nd_moment(x, cfg->z_dim);
  int n = cfg->z_dim;
  if (cfg->c_dim > 0) {
    fc_parallel(gen, &m->embed, c, x + n, 0);
    normalize_2nd_moment(x + n, cfg->w_dim);
    n += cfg->w_dim;
  }
  for (int i = 0; i < cfg->mapping_layers; i++) {
    fc_parallel(gen, &m->fc[i], x, y, 1);
    float *t = x;
    x = y;
    y = t;
  }
  if (cutoff < 0 || cutoff > cfg->num_ws)
    cutoff = cfg->num_ws;
  for (int r = 0; r < cfg->num_ws; r++) {
    float *row = ws + (size_t)r * cfg->w_dim;
    for (int i = 0; i < cfg->w_dim; i++)
      row[i] =
          (psi != 1.0f && r < cutoff) ? lerp(m->w_avg[i], x[i], psi) : x[i];
  }
  if (gen->profiling) {
    gen->profile[SG3_PROF_MAPPING].other_s += sg3_now() - t0;
    gen->profile[SG3_PROF_MAPPING].calls++;
  }
  return 0;
}
