/* filtered_lrelu's kernels against a float64 evaluation of the same plan
 * (its polyphase tables, the activation, the down filter at the kept
 * samples), on every SIMD variant this CPU runs: separable and radial down
 * filters, the radial one symmetric in both axes (StyleGAN3-R's, taken by
 * the folded kernel) and not (the general kernel), sizes with odd tails;
 * and the same bits for any number of strips. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "filter_design.h"
#include "ops/filtered_lrelu.h"
#include "ops/kernels.h"

/* Output pixel (oy, ox), channel ch of block b, in float64. */
static double reference(const sg3_filter_plan *p, const float *x, int b, int oy,
                        int ox, int ch) {
  const int n = p->n, dt = p->dtaps, D = p->down;
  const float *xb = x + (size_t)b * n * n * 16;
  double acc = 0;
  for (int ty = 0; ty < dt; ty++)
    for (int tx = 0; tx < dt; tx++) {
      int uy = oy * D + ty, ux = ox * D + tx; /* upsampled sample */
      double v = 0;
      int ry = uy % p->uy.up, qy = uy / p->uy.up;
      int rx = ux % p->ux.up, qx = ux / p->ux.up;
      for (int i = 0; i < p->uy.taps; i++) {
        int iy = qy + p->uy.base[ry] + i;
        if (iy < 0 || iy >= n)
          continue;
        for (int j = 0; j < p->ux.taps; j++) {
          int ix = qx + p->ux.base[rx] + j;
          if (ix < 0 || ix >= n)
            continue;
          v += (double)p->uy.f[ry * p->uy.taps + i] *
               p->ux.f[rx * p->ux.taps + j] *
               xb[((size_t)iy * n + ix) * 16 + ch];
        }
      }
      v = (v > 0 ? v : v * p->slope) * p->gain;
      if (p->clamp >= 0)
        v = v > p->clamp ? p->clamp : v < -p->clamp ? -p->clamp : v;
      double w = p->radial ? p->fd[ty * dt + tx]
                           : (double)p->fd[ty] * (double)p->fd[tx];
      acc += w * v;
    }
  return acc;
}

static void run(const sg3_simd *simd, const sg3_filter_plan *p, const float *x,
                int nb, int strips, float *y, float *scratch) {
  float *scr[1] = {scratch};
  size_t S = (size_t)p->size;
  sg3_filter f = {.p = p,
                  .x = x,
                  .x_plane = (size_t)p->n * p->n * 16,
                  .x_rs = (size_t)p->n * 16,
                  .y = y,
                  .y_plane = S * S * 16,
                  .y_rs = S * 16,
                  .nblocks = nb,
                  .nstrips = strips,
                  .scratch = scr};
  for (int t = 0; t < nb * strips; t++)
    simd->filter_task(&f, t, 0);
}

int main(void) {
  static const char *names[] = {"avx512", "avx2", "generic"};
  /* n = out_size; kinds: 0 separable, 1 radial (symmetric), 2 radial with
   * one tap off symmetry. */
  static const int sizes[] = {19, 36};
  const int nb = 2;
  char *err = NULL;
  srand(7);
  for (int si = 0; si < 2; si++)
    for (int kind = 0; kind < 3; kind++) {
      const int n = sizes[si], up = 2, down = 2, ut = 12, dt = 12, S = n;
      int pt = (S - 1) * down + 1 - n * up + ut + dt - 2;
      int pad[4] = {(pt + up) / 2, pt - (pt + up) / 2, (pt + up) / 2,
                    pt - (pt + up) / 2};
      float fu[12], fd[144];
      if (sg3_design_lowpass_filter(12, 10, 24, 64, 0, fu, &err) ||
          sg3_design_lowpass_filter(12, 10, 16, 64, kind > 0, fd, &err)) {
        check(0, "filter design: %s", err);
        return check_summary();
      }
      if (kind == 2)
        fd[3 * 12 + 1] *= 1.01f;
      sg3_filter_plan p;
      if (!check(sg3_filter_plan_build(&p, n, up, ut, fu, pad, down, dt, fd,
                                       kind > 0, S, 1.41421356f, 0.2f,
                                       kind ? 0.5f : -1) == 0,
                 "plan %dx%d kind %d", n, n, kind))
        return check_summary();
      check(p.radial_sym12 == (kind == 1), "kind %d: folded radial kernel %s",
            kind, kind == 1 ? "taken" : "not taken");
      size_t xn = (size_t)nb * n * n * 16, yn = (size_t)nb * S * S * 16;
      float *x = malloc(xn * sizeof *x), *y = malloc(yn * sizeof *y);
      float *y2 = malloc(yn * sizeof *y2);
      float *scratch = malloc(sg3_filter_scratch(&p) * sizeof(float));
      for (size_t i = 0; i < xn; i++)
        x[i] = (float)rand() / RAND_MAX * 2 - 1;
      for (int v = 0; v < 3; v++) {
        const sg3_simd *simd = sg3_simd_find(names[v]);
        if (!simd)
          continue;
        run(simd, &p, x, nb, 1, y, scratch);
        double worst = 0;
        for (int b = 0; b < nb; b++)
          for (int oy = 0; oy < S; oy++)
            for (int ox = 0; ox < S; ox++)
              for (int ch = 0; ch < 16; ch += 5) {
                double r = reference(&p, x, b, oy, ox, ch);
                double d = fabs(r - y[(size_t)b * S * S * 16 +
                                      ((size_t)oy * S + ox) * 16 + ch]);
                if (d > worst)
                  worst = d;
              }
        check(worst < 2e-6, "%s %dx%d kind %d: max|diff| %.3g vs float64",
              names[v], n, n, kind, worst);
        int same = 1;
        for (int strips = 2; strips <= 5; strips++) {
          run(simd, &p, x, nb, strips, y2, scratch);
          same &= !memcmp(y, y2, yn * sizeof *y);
        }
        check(same, "%s %dx%d kind %d: same bits for 1 to 5 strips", names[v],
              n, n, kind);
      }
      free(x);
      free(y);
      free(y2);
      free(scratch);
      sg3_filter_plan_free(&p);
    }
  return check_summary();
}
