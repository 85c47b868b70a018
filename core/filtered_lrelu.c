/* filtered_lrelu: the official reference op (bias, upfirdn2d up, bias_act
 * lrelu, upfirdn2d down) computed without materialising zeros: the
 * upsampling FIR only touches the non-zero taps of the zero-stuffed signal
 * (polyphase) and the downsampling FIR is evaluated only at kept samples. */
#include <string.h>

#include "ops.h"

static int out_len(int in, int up, int p0, int p1, int taps) {
  return in * up + p0 + p1 - taps + 1;
}

void sg3_filtered_lrelu_size(const sg3_layer_config *L, int *wu, int *hu) {
  int n = L->in_size + L->conv_kernel - 1;
  *wu = out_len(n, L->up_factor, L->padding[0], L->padding[1], L->up_taps);
  *hu = out_len(n, L->up_factor, L->padding[2], L->padding[3], L->up_taps);
}

/* Scratch is per channel: channels are filtered one at a time. */
void sg3_filtered_lrelu_tmp(const sg3_layer_config *L, size_t *tmp0,
                            size_t *tmp1) {
  int n = L->in_size + L->conv_kernel - 1, wu, hu;
  sg3_filtered_lrelu_size(L, &wu, &hu);
  size_t a = (size_t)n * wu, b = (size_t)hu * L->out_size;
  *tmp0 = a > b ? a : b;
  *tmp1 = (size_t)n + (size_t)hu * wu;
}

/* One 1-D upfirdn pass with upsampling: y[j] = gain * sum_t f[T-1-t] *
 * xu[j + t - p0], where xu is x with up-1 zeros after each sample. */
static void up_pass(const float *x, int n, int xstride, float *y, int m,
                    int ystride, const float *f, int taps, int up, int p0,
                    float gain) {
  for (int j = 0; j < m; j++) {
    float acc = 0;
    /* xu index u = j + t - p0 must be a multiple of up: u = up * i. */
    int t0 = j - p0;
    int tstart = ((-t0) % up + up) % up;
    for (int t = tstart; t < taps; t += up) {
      int i = (t0 + t) / up;
      if (i < 0 || i >= n)
        continue;
      acc += x[(size_t)i * xstride] * (f ? f[taps - 1 - t] : 1.0f);
    }
    y[(size_t)j * ystride] = acc * gain;
  }
}

/* A 1-D FIR evaluated only at every `down`-th output sample. */
static void down_pass(const float *x, int xstride, float *y, int m, int ystride,
                      const float *f, int taps, int down) {
  for (int j = 0; j < m; j++) {
    const float *xj = x + (size_t)j * down * xstride;
    float acc = 0;
    for (int t = 0; t < taps; t++)
      acc += xj[(size_t)t * xstride] * (f ? f[taps - 1 - t] : 1.0f);
    y[(size_t)j * ystride] = acc;
  }
}

void sg3_filtered_lrelu(const sg3_layer *l, const float *x, float *tmp0,
                        float *tmp1, float *out) {
  const sg3_layer_config *L = l->cfg;
  const int C = L->out_channels, n = L->in_size + L->conv_kernel - 1;
  const int up = L->up_factor, down = L->down_factor;
  const int ut = L->up_taps, dt = L->down_taps;
  const int *pad = L->padding;
  const int wu = out_len(n, up, pad[0], pad[1], ut);
  const int hu = out_len(n, up, pad[2], pad[3], ut);
  const int S = L->out_size;
  /* upfirdn2d applies gain up^2 as up per separable pass. */
  const float ugain = (float)up;
  const float gain = L->gain, slope = L->slope, clamp = L->conv_clamp;

  for (int c = 0; c < C; c++) {
    const float *xc = x + (size_t)c * n * n;
    const float b = l->bias[c];
    float *h = tmp0;
    /* Bias, then the horizontal upsampling pass over the n real rows. */
    float *row = tmp1; /* n floats of scratch for the biased row */
    for (int y = 0; y < n; y++) {
      for (int i = 0; i < n; i++)
        row[i] = xc[(size_t)y * n + i] + b;
      up_pass(row, n, 1, h + (size_t)y * wu, wu, 1, l->up_filter, ut, up,
              pad[0], ugain);
    }
    /* Vertical upsampling pass, then gain, leaky ReLU and clamp. */
    float *v = tmp1 + n; /* hu * wu */
    for (int xcol = 0; xcol < wu; xcol++)
      up_pass(h + xcol, n, wu, v + xcol, hu, wu, l->up_filter, ut, up, pad[2],
              ugain);
    for (size_t i = 0; i < (size_t)hu * wu; i++) {
      float a = v[i];
      a = a < 0 ? a * slope : a;
      a *= gain;
      if (clamp >= 0)
        a = a < -clamp ? -clamp : a > clamp ? clamp : a;
      v[i] = a;
    }
    float *oc = out + (size_t)c * S * S;
    if (l->cfg->down_radial && dt > 1) {
      const float *f = l->down_filter;
      for (int oy = 0; oy < S; oy++)
        for (int ox = 0; ox < S; ox++) {
          float acc = 0;
          for (int ty = 0; ty < dt; ty++) {
            const float *vr = v + (size_t)(oy * down + ty) * wu + ox * down;
            const float *fr = f + (size_t)(dt - 1 - ty) * dt + (dt - 1);
            for (int tx = 0; tx < dt; tx++)
              acc += vr[tx] * fr[-tx];
          }
          oc[(size_t)oy * S + ox] = acc;
        }
    } else {
      /* Horizontal pass at kept columns over all rows, then vertical. */
      float *d = h; /* hu * S, reuses tmp0 */
      for (int y = 0; y < hu; y++)
        down_pass(v + (size_t)y * wu, 1, d + (size_t)y * S, S, 1,
                  l->down_filter, dt, down);
      for (int xcol = 0; xcol < S; xcol++)
        down_pass(d + xcol, S, oc + xcol, S, S, l->down_filter, dt, down);
    }
  }
}
