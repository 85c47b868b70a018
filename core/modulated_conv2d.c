/* Modulated convolution without per-frame weights: scaling the input
 * channels by the styles and the output channels by the demodulation
 * coefficients is the same product as convolving with modulated weights, so
 * the fixed weights run as one GEMM. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "ops.h"

void sg3_modulated_conv2d(const sg3_layer *l, const float *x,
                          const float *styles, float *s, float *dcoefs,
                          float *col, float *out) {
  const sg3_layer_config *L = l->cfg;
  const int n_in = L->in_channels, n_out = L->out_channels, k = L->conv_kernel;
  const int H = L->in_size, W = L->in_size;
  const int Ho = H + k - 1, Wo = W + k - 1;
  const int demodulate = !L->is_torgb;

  for (int i = 0; i < n_in; i++)
    s[i] = styles[i] * l->style_gain;
  if (demodulate) {
    float sum = 0;
    for (int i = 0; i < n_in; i++)
      sum += s[i] * s[i];
    float scale = 1.0f / sqrtf(sum / (float)n_in);
    for (int i = 0; i < n_in; i++)
      s[i] *= scale;
  }
  for (int o = 0; o < n_out; o++) {
    float d = 1.0f;
    if (demodulate) {
      const float *wsq = l->weight_sq + (size_t)o * n_in;
      float sum = 0;
      for (int i = 0; i < n_in; i++)
        sum += wsq[i] * (s[i] * s[i]);
      d = 1.0f / sqrtf(sum + 1e-8f);
    }
    dcoefs[o] = d * l->input_gain;
  }

  /* im2col with full padding (k - 1 on every side), inputs pre-scaled. */
  const size_t npix = (size_t)Ho * Wo;
  for (int i = 0; i < n_in; i++) {
    const float *xi = x + (size_t)i * H * W;
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++) {
        float *c = col + ((size_t)(i * k + ky) * k + kx) * npix;
        for (int oy = 0; oy < Ho; oy++) {
          int iy = oy + ky - (k - 1);
          float *row = c + (size_t)oy * Wo;
          if (iy < 0 || iy >= H) {
            memset(row, 0, (size_t)Wo * sizeof(float));
            continue;
          }
          for (int ox = 0; ox < Wo; ox++) {
            int ix = ox + kx - (k - 1);
            row[ox] = (ix >= 0 && ix < W) ? xi[(size_t)iy * W + ix] * s[i] : 0;
          }
        }
      }
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n_out, (int)npix,
              n_in * k * k, 1.0f, l->weight_demod, n_in * k * k, col, (int)npix,
              0.0f, out, (int)npix);
  for (int o = 0; o < n_out; o++) {
    float *r = out + (size_t)o * npix;
    for (size_t p = 0; p < npix; p++)
      r[p] *= dcoefs[o];
  }
}
