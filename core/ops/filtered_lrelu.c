#include "ops/filtered_lrelu.h"

#include <stdlib.h>
#include <string.h>

/* The polyphase form of one upfirdn2d pass (upsampling by `up`, padding p0
 * before, filter f of `taps` or identity): output j = up * q + r is
 * sum_t f'[r][t] x[q + base[r] + t], where the taps of phase r are the
 * flipped filter's taps that meet a non-zero of the zero-stuffed input,
 * times the pass's gain (up). */
static int build_up_plan(int up, int taps, const float *f, int p0,
                         sg3_up_plan *u) {
  if (up < 1 || taps < 1)
    return -1;
  int nq = 1;
  for (int r = 0; r < up; r++) {
    int t0 = ((p0 - r) % up + up) % up;
    int q = (taps - t0 + up - 1) / up;
    if (q > nq)
      nq = q;
  }
  u->up = up;
  u->taps = nq;
  u->base = malloc((size_t)up * sizeof(int));
  u->f = calloc((size_t)up * nq, sizeof(float));
  if (!u->base || !u->f)
    return -1;
  for (int r = 0; r < up; r++) {
    int t0 = ((p0 - r) % up + up) % up;
    u->base[r] = (r + t0 - p0) / up; /* an exact multiple of up */
    for (int t = 0; t0 + up * t < taps; t++) {
      int tf = t0 + up * t;
      u->f[(size_t)r * nq + t] = (f ? f[taps - 1 - tf] : 1.0f) * (float)up;
    }
  }
  return 0;
}

int sg3_filter_plan_build(sg3_filter_plan *p, int n, int up, int up_taps,
                          const float *fu, const int padding[4], int down,
                          int down_taps, const float *fd, int radial,
                          int out_size, float gain, float slope, float clamp) {
  memset(p, 0, sizeof *p);
  if (down_taps > SG3_MAX_DOWN_TAPS)
    return -1;
  p->n = n;
  p->wu = n * up + padding[0] + padding[1] - up_taps + 1;
  p->hu = n * up + padding[2] + padding[3] - up_taps + 1;
  p->size = out_size;
  if (build_up_plan(up, up_taps, fu, padding[0], &p->ux) ||
      build_up_plan(up, up_taps, fu, padding[2], &p->uy))
    return -1;
  /* Input pixels the horizontal pass reads outside [0, n) are zeros. */
  int lo = 0, hi = p->n - 1;
  for (int r = 0; r < p->ux.up && r < p->wu; r++) {
    int qmax = (p->wu - 1 - r) / p->ux.up;
    if (p->ux.base[r] < lo)
      lo = p->ux.base[r];
    if (qmax + p->ux.base[r] + p->ux.taps - 1 > hi)
      hi = qmax + p->ux.base[r] + p->ux.taps - 1;
  }
  p->margin_l = -lo;
  p->margin_r = hi - (p->n - 1);
  p->down = down;
  p->dtaps = fd ? down_taps : 1;
  p->radial = fd && radial;
  size_t nd = p->radial ? (size_t)p->dtaps * p->dtaps : (size_t)p->dtaps;
  p->fd = malloc(nd * sizeof(float));
  if (!p->fd)
    return -1;
  for (size_t i = 0; i < nd; i++)
    p->fd[i] = fd ? fd[nd - 1 - i] : 1.0f; /* flipped in both axes */
  p->radial_fold = p->radial;
  for (int y = 0; p->radial_fold && y < p->dtaps / 2; y++)
    for (int x = 0; x < p->dtaps; x++)
      if (p->fd[y * p->dtaps + x] != p->fd[(p->dtaps - 1 - y) * p->dtaps + x])
        p->radial_fold = 0;
  p->radial_sym12 = p->radial_fold && p->dtaps == 12 && down == 2;
  for (int y = 0; p->radial_sym12 && y < p->dtaps; y++)
    for (int x = 0; x < p->dtaps / 2; x++)
      if (p->fd[y * p->dtaps + x] != p->fd[y * p->dtaps + p->dtaps - 1 - x])
        p->radial_sym12 = 0;
  p->gain = gain;
  p->slope = slope;
  p->clamp = clamp;
  return 0;
}

void sg3_filter_plan_free(sg3_filter_plan *p) {
  free(p->ux.base);
  free(p->ux.f);
  free(p->uy.base);
  free(p->uy.f);
  free(p->fd);
  memset(p, 0, sizeof *p);
}

typedef struct {
  const sg3_simd *simd;
  const sg3_filter *f;
} filter_ctx;

static void filter_task(void *ctx, int task, int thread) {
  const filter_ctx *c = ctx;
  c->simd->filter_task(c->f, task, thread);
}

void sg3_filtered_lrelu(const sg3_exec *ex, const sg3_filter_plan *p,
                        const float *x, size_t x_plane, size_t x_rs,
                        int nblocks, float *y, size_t y_plane, size_t y_rs,
                        const float *scale, int planar, float planar_scale) {
  sg3_filter f = {
      .p = p,
      .x = x,
      .x_plane = x_plane,
      .x_rs = x_rs,
      .y = y,
      .y_plane = y_plane,
      .y_rs = y_rs,
      .scale = scale,
      .planar = planar,
      .planar_scale = planar_scale,
      .nblocks = nblocks,
      .scratch = ex->scratch,
  };
  /* Blocks of channels are independent; strips of rows recompute the
   * down filter's overlap (dtaps - down upsampled rows). The threads take
   * equal tasks in rounds, so the strips are chosen for the fewest
   * upsampled rows per thread: e.g. 11 blocks on 2 threads take 2 strips
   * each (11 rounds of 2 half-blocks instead of 6 rounds of blocks). Each
   * output row is computed the same way in any strip: the bits do not
   * depend on the thread count. */
  int strips = 1;
  if (ex->nthreads > 1) {
    const long rows = (long)p->size * p->down, over = p->dtaps - p->down;
    double best = 0;
    for (int s = 1; s <= 16 && (s == 1 || s * 8 < p->size); s++) {
      long rounds = ((long)f.nblocks * s + ex->nthreads - 1) / ex->nthreads;
      double cost = (double)rounds * ((double)rows / s + (double)over);
      if (s == 1 || cost < best) {
        best = cost;
        strips = s;
      }
    }
  }
  f.nstrips = strips;
  filter_ctx ctx = {ex->simd, &f};
  sg3_exec_run(ex, f.nblocks * strips, filter_task, &ctx);
}
