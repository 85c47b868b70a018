#include "ops/upfirdn2d.h"

#include <math.h>
#include <string.h>

#include "error.h"

int sg3_separable_filter(const sg3_tensor *t, const char *name, int max_taps,
                         float *f, int *taps, char **error) {
  if (t->ndim == 1) {
    if (t->shape[0] < 1 || t->shape[0] > max_taps)
      return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                      "'%s' has %lld taps (1 to %d are supported)", name,
                      (long long)t->shape[0], max_taps);
    *taps = (int)t->shape[0];
    for (int i = 0; i < *taps; i++)
      f[i] = t->data[i];
    return 0;
  }
  if (t->ndim != 2 || t->shape[0] != t->shape[1])
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "'%s' is not a square 2-D filter", name);
  int n = (int)t->shape[0];
  if (n < 1 || n > max_taps)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "'%s' is %d x %d (1 to %d taps are supported)", name, n, n,
                    max_taps);
  /* setup_filter stores f.ger(f) / sum: its row sums are the normalised
   * 1-D filter. */
  double max = 0;
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) {
      s += t->data[i * n + j];
      max = fmax(max, fabs(t->data[i * n + j]));
    }
    f[i] = (float)s;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (fabs((double)f[i] * f[j] - t->data[i * n + j]) > 1e-6 * max + 1e-12)
        return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                        "'%s' is not the outer product of a 1-D filter with "
                        "itself (only such resample filters are supported)",
                        name);
  *taps = n;
  return 0;
}

int sg3_upsample2d_plan(sg3_filter_plan *p, int n, const float *f, int taps,
                        float gain) {
  int pad[4] = {(taps + 1) / 2, (taps - 2) / 2, (taps + 1) / 2, (taps - 2) / 2};
  /* Floor division, as Python's: taps = 1 pads by -1 after. */
  if (taps - 2 < 0)
    pad[1] = pad[3] = -1;
  return sg3_filter_plan_build(p, n, 2, taps, f, pad, 1, 1, NULL, 0, 2 * n,
                               gain, 1.0f, -1.0f);
}

size_t sg3_upsample2d_planar_scratch(const sg3_filter_plan *p) {
  return (size_t)p->margin_l + p->n + p->margin_r + 16;
}

typedef struct {
  const sg3_exec *ex;
  const sg3_filter_plan *p;
  const float *x;
  float *y;
  int rows; /* output rows per task */
} planar_ctx;

/* Output rows of one channel: the vertical polyphase pass into a row with
 * zero margins, then the horizontal one, both over the non-zero taps. */
static void planar_task(void *ctx, int task, int thread) {
  const planar_ctx *c = ctx;
  const sg3_filter_plan *p = c->p;
  const int n = p->n, W = p->wu, H = p->hu;
  const int per_ch = (H + c->rows - 1) / c->rows;
  const int ch = task / per_ch, u0 = task % per_ch * c->rows;
  const int u1 = u0 + c->rows < H ? u0 + c->rows : H;
  const float *x = c->x + (size_t)ch * n * n;
  float *y = c->y + (size_t)ch * W * H;
  float *row = c->ex->scratch[thread];
  float *vin = row + p->margin_l;
  memset(row, 0, (size_t)p->margin_l * sizeof(float));
  memset(vin + n, 0, (size_t)p->margin_r * sizeof(float));
  const sg3_up_plan *ux = &p->ux, *uy = &p->uy;
  for (int u = u0; u < u1; u++) {
    const int r = u % uy->up, i0 = u / uy->up + uy->base[r];
    const float *fr = uy->f + (size_t)r * uy->taps;
    memset(vin, 0, (size_t)n * sizeof(float));
    for (int t = 0; t < uy->taps; t++) {
      const int i = i0 + t;
      if (i < 0 || i >= n)
        continue;
      const float *xr = x + (size_t)i * n, f = fr[t];
      for (int j = 0; j < n; j++)
        vin[j] += f * xr[j];
    }
    float *out = y + (size_t)u * W;
    for (int rx = 0; rx < ux->up && rx < W; rx++) {
      const float *fx = ux->f + (size_t)rx * ux->taps;
      const float *src = vin + ux->base[rx];
      for (int q = 0; rx + q * ux->up < W; q++) {
        float a = 0;
        for (int t = 0; t < ux->taps; t++)
          a += fx[t] * src[q + t];
        out[rx + q * ux->up] = a * p->gain;
      }
    }
  }
}

void sg3_upsample2d_planar(const sg3_exec *ex, const sg3_filter_plan *p,
                           const float *x, int channels, float *y) {
  int rows = (p->hu * channels + 4 * ex->nthreads - 1) / (4 * ex->nthreads);
  if (rows < 1)
    rows = 1;
  if (rows > p->hu)
    rows = p->hu;
  planar_ctx c = {ex, p, x, y, rows};
  int per_ch = (p->hu + rows - 1) / rows;
  sg3_pool_run(ex->pool, per_ch * channels, planar_task, &c);
}
