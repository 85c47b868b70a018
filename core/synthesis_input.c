/* SynthesisInput: Fourier features, rotated and translated by the learned
 * affine transform of w0 and by the user's inverse transform. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "ops.h"

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

void sg3_synthesis_input(const sg3_model *m, const float *w0, const float *user,
                         float *tmp, float *out) {
  const sg3_config *cfg = &m->cfg;
  const int C = cfg->input_channels, S = cfg->input_size;
  const float sr = (float)cfg->input_sampling_rate;
  const float bw = (float)cfg->input_bandwidth;

  /* Learned transform t = (r_c, r_s, t_x, t_y), rotation normalised. */
  float t[4];
  sg3_fully_connected(&m->input_affine, w0, t, 0);
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
  float theta_x = (float)(0.5 * S / cfg->input_sampling_rate);
  float theta_y = theta_x;
  float *fx = tmp, *fy = tmp + C, *ph = tmp + 2 * C, *amp = tmp + 3 * C;
  float *feat = tmp + 4 * C; /* [S*S, C] */
  for (int c = 0; c < C; c++) {
    float f0 = m->input_freqs[2 * c], f1 = m->input_freqs[2 * c + 1];
    ph[c] = m->input_phases[c] + (f0 * T[2] + f1 * T[5]);
    fx[c] = f0 * T[0] + f1 * T[3];
    fy[c] = f0 * T[1] + f1 * T[4];
    float a =
        1.0f - (sqrtf(fx[c] * fx[c] + fy[c] * fy[c]) - bw) / (sr / 2.0f - bw);
    amp[c] = a < 0 ? 0 : a > 1 ? 1 : a;
  }
  const float two_pi = (float)(M_PI * 2);
  for (int y = 0; y < S; y++) {
    float gy = theta_y * base_coord(y, S);
    for (int x = 0; x < S; x++) {
      float gx = theta_x * base_coord(x, S);
      float *f = feat + ((size_t)y * S + x) * C;
      for (int c = 0; c < C; c++)
        f[c] = sinf((gx * fx[c] + gy * fy[c] + ph[c]) * two_pi) * amp[c];
    }
  }
  /* out[o, p] = sum_c weight[o, c] * feat[p, c] */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, S * S, C, 1.0f,
              m->input_weight, C, feat, C, 0.0f, out, S * S);
}
