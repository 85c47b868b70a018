#include "ops/upfirdn2d.h"

#include <math.h>

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
