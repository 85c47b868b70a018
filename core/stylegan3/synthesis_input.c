/* SynthesisInput: Fourier features, rotated and translated by the learned
 * affine transform of w0 and by the user's inverse transform. */
#include <math.h>
#include <string.h>

#include "stylegan3/stylegan3.h"

/* c = a @ b for 3x3 row-major float32 matrices. */
static void matmul3(const float *a, const float *b, float *c) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      c[i * 3 + j] =
          a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
}

/* torch.nn.functional.affine_grid's base coordinates (align_corners=False):
 * linspace(-1, 1, n) * (n - 1) / n, computed as torch.linspace does. */
static float base_coord(int i, int n) {
  if (n == 1)
    return 0.0f;
  float step = 2.0f / (float)(n - 1);
  float v =
      i < n / 2 ? -1.0f + step * (float)i : 1.0f - step * (float)(n - 1 - i);
  return v * (float)(n - 1) / (float)n;
}

size_t sg3_input_plane(const sg3_config *cfg) {
  return ((size_t)cfg->input_size * cfg->input_size + SG3_GEMM_SLACK) *
         SG3_CBLOCK;
}

size_t sg3_input_tab_floats(const sg3_config *cfg) {
  size_t Cp = sg3_cpad(cfg->input_channels);
  return 4 * (size_t)cfg->input_size * Cp + 4 * Cp;
}

void sg3_synthesis_input_features(const sg3_stylegan3 *m, const sg3_simd *simd,
                                  const float *w0, const float *anchor,
                                  const float *user, float *tab, float *feat) {
  const sg3_config *cfg = &m->cfg;
  const int C = cfg->input_channels, S = cfg->input_size, Cp = sg3_cpad(C);
  const float sr = (float)cfg->input_sampling_rate;
  const float bw = (float)cfg->input_bandwidth;

  /* Learned transform t = (r_c, r_s, t_x, t_y), rotation normalised. */
  float t[4];
  sg3_fully_connected(simd, &m->input_affine, anchor ? anchor : w0, t, 0);
  /* stylegan3-fun's anchor_latent_space(): bias += affine(w_avg) and
   * weight = 0, so the affine returns bias + affine(w_avg) for any w (the
   * input affine's bias gain is 1). */
  if (anchor && m->input_affine.bias)
    for (int i = 0; i < 4; i++)
      t[i] += m->input_affine.bias[i];
  float norm = sqrtf(t[0] * t[0] + t[1] * t[1]);
  for (int i = 0; i < 4; i++)
    t[i] /= norm;
  const float m_r[9] = {t[0], -t[1], 0, t[1], t[0], 0, 0, 0, 1};
  const float m_t[9] = {1, 0, -t[2], 0, 1, -t[3], 0, 0, 1};
  float rt[9], T[9];
  matmul3(m_r, m_t, rt);
  matmul3(rt, user ? user : m->input_transform, T);

  /* Transformed frequencies and phases, and amplitudes that fade out
   * frequencies pushed beyond the band by the user transform. */
  float theta = (float)(0.5 * S / cfg->input_sampling_rate);
  float *fx = tab, *fy = tab + Cp, *ph = tab + 2 * Cp, *amp = tab + 3 * Cp;
  float *sx = tab + 4 * Cp, *cx = sx + (size_t)S * Cp;
  float *sy = cx + (size_t)S * Cp, *cy = sy + (size_t)S * Cp;
  for (int c = 0; c < C; c++) {
    float f0 = m->input_freqs[2 * c], f1 = m->input_freqs[2 * c + 1];
    ph[c] = m->input_phases[c] + (f0 * T[2] + f1 * T[5]);
    fx[c] = f0 * T[0] + f1 * T[3];
    fy[c] = f0 * T[1] + f1 * T[4];
    float a =
        1.0f - (sqrtf(fx[c] * fx[c] + fy[c] * fy[c]) - bw) / (sr / 2.0f - bw);
    amp[c] = a < 0 ? 0 : a > 1 ? 1 : a;
  }
  /* sin(2 pi (gx fx + gy fy + ph)) = sin(X) cos(Y) + cos(X) sin(Y) with X
   * from the column and Y from the row: 4 S C sines instead of S^2 C. */
  const double two_pi = M_PI * 2;
  for (int i = 0; i < S; i++) {
    double g = (double)(theta * base_coord(i, S)); /* float, as torch */
    for (int c = 0; c < Cp; c++) {
      size_t o = (size_t)i * Cp + c;
      if (c >= C) {
        sx[o] = cx[o] = sy[o] = cy[o] = 0;
        continue;
      }
      double X = two_pi * (g * fx[c]), Y = two_pi * (g * fy[c] + ph[c]);
      sx[o] = (float)sin(X);
      cx[o] = (float)cos(X);
      sy[o] = (float)(sin(Y) * amp[c]);
      cy[o] = (float)(cos(Y) * amp[c]);
    }
  }
  const size_t plane = sg3_input_plane(cfg);
  for (int cb = 0; cb < Cp; cb += SG3_CBLOCK)
    for (int y = 0; y < S; y++) {
      const float *sy_r = sy + (size_t)y * Cp + cb;
      const float *cy_r = cy + (size_t)y * Cp + cb;
      float *f = feat + cb / SG3_CBLOCK * plane + (size_t)y * S * SG3_CBLOCK;
      for (int x = 0; x < S; x++) {
        const float *sx_r = sx + (size_t)x * Cp + cb;
        const float *cx_r = cx + (size_t)x * Cp + cb;
        for (int c = 0; c < SG3_CBLOCK; c++)
          f[x * SG3_CBLOCK + c] = sx_r[c] * cy_r[c] + cx_r[c] * sy_r[c];
      }
    }
}
