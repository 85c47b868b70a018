#include "ops/modulated_conv2d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ops/gemm.h"

/* G g G^T for Winograd's F(4x4, 3x3) (kernels.h), in double, for the 16
 * output channels of a block at once (lanes innermost, so that it
 * vectorises; the same operations in the same order as one channel at a
 * time, so the same bits: fp-contract is off). g[t][l], u[xi][l]. */
static void wino_weight_block(float g[9][SG3_CBLOCK], float u[36][SG3_CBLOCK]) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                 {0, 0, 1}};
  double t[6][3][SG3_CBLOCK];
  for (int a = 0; a < 6; a++)
    for (int j = 0; j < 3; j++)
      for (int l = 0; l < SG3_CBLOCK; l++)
        t[a][j][l] =
            G[a][0] * g[j][l] + G[a][1] * g[3 + j][l] + G[a][2] * g[6 + j][l];
  for (int a = 0; a < 6; a++)
    for (int b = 0; b < 6; b++)
      for (int l = 0; l < SG3_CBLOCK; l++)
        u[a * 6 + b][l] = (float)(t[a][0][l] * G[b][0] + t[a][1][l] * G[b][1] +
                                  t[a][2][l] * G[b][2]);
}

/* Input channels per pass of the Winograd transform: their 36 planes are
 * built in a small buffer, then copied out as 36 runs. */
#define WINO_CHUNK 32

/* One block of 16 output channels [o0, o0 + nl): the pre-normalised
 * weights (wd: nl x in x k x k, scratch), weight_sq, bias and the packed
 * panel. Output channels are independent lanes, each computed with the
 * operations (and order) of one channel at a time. */
static void prepare_block(sg3_conv *c, const float *weight, const float *bias,
                          int o0, int nl, float *wd,
                          float (*buf)[WINO_CHUNK][SG3_CBLOCK]) {
  const int in = c->in_channels, k = c->kernel;
  const size_t per_out = (size_t)in * k * k;
  const size_t kdim = (size_t)(c->winograd ? 36 : k * k) * c->cin_pad;
  float scale[SG3_CBLOCK];
  for (int l = 0; l < nl; l++)
    scale[l] = 1.0f;
  if (c->prenormalize) {
    /* The lanes' sums side by side: independent dependency chains. */
    double sum[SG3_CBLOCK] = {0};
    for (size_t i = 0; i < per_out; i++)
      for (int l = 0; l < nl; l++) {
        double v = weight[(size_t)(o0 + l) * per_out + i];
        sum[l] += v * v;
      }
    for (int l = 0; l < nl; l++)
      scale[l] = 1.0f / sqrtf((float)(sum[l] / per_out));
  }
  for (int l = 0; l < nl; l++) {
    const int o = o0 + l;
    const float *wo = weight + o * per_out;
    float *w = wd + (size_t)l * per_out;
    for (size_t i = 0; i < per_out; i++)
      w[i] = wo[i] * scale[l];
    for (int i = 0; c->demodulate && i < in; i++) {
      float s = 0;
      for (int t = 0; t < k * k; t++)
        s += w[i * k * k + t] * w[i * k * k + t];
      c->weight_sq[(size_t)o * in + i] = s;
    }
    c->bias_pad[o] = bias ? bias[o] : 0.0f;
  }
  if (c->winograd) {
    float *panel = c->wpack + (size_t)o0 * c->cin_pad;
    const size_t xstride = (size_t)c->cout_pad * c->cin_pad;
    float g[9][SG3_CBLOCK], u[36][SG3_CBLOCK];
    memset(g, 0, sizeof g);
    for (int i0 = 0; i0 < in; i0 += WINO_CHUNK) {
      const int ni = in - i0 < WINO_CHUNK ? in - i0 : WINO_CHUNK;
      for (int i = 0; i < ni; i++) {
        for (int l = 0; l < nl; l++)
          for (int t = 0; t < 9; t++)
            g[t][l] = wd[(size_t)l * per_out + (size_t)(i0 + i) * 9 + t];
        wino_weight_block(g, u);
        for (int xi = 0; xi < 36; xi++)
          memcpy(buf[xi][i], u[xi], sizeof u[xi]);
      }
      /* Lanes past nl are the zero padding calloc gave. */
      for (int xi = 0; xi < 36; xi++) {
        float *dst = panel + xi * xstride + (size_t)i0 * SG3_CBLOCK;
        if (nl == SG3_CBLOCK)
          memcpy(dst, buf[xi], (size_t)ni * sizeof buf[xi][0]);
        else
          for (int i = 0; i < ni; i++)
            memcpy(dst + (size_t)i * SG3_CBLOCK, buf[xi][i],
                   (size_t)nl * sizeof(float));
      }
    }
  } else {
    float *panel = c->wpack + (size_t)(o0 / SG3_CBLOCK) * kdim * SG3_CBLOCK;
    for (int i = 0; i < in; i++)
      for (int t = 0; t < k * k; t++) {
        float *dst = panel + ((size_t)t * c->cin_pad + i) * SG3_CBLOCK;
        for (int l = 0; l < nl; l++)
          dst[l] = wd[(size_t)l * per_out + (size_t)i * k * k + t];
      }
  }
}

int sg3_conv_prepare(sg3_conv *c, const float *weight, const float *bias,
                     int in, int out, int k, int demodulate, int prenormalize,
                     float style_gain, float out_gain, int winograd,
                     char **error) {
  memset(c, 0, sizeof *c);
  c->in_channels = in;
  c->out_channels = out;
  c->kernel = k;
  c->cin_pad = sg3_cpad(in);
  c->cout_pad = sg3_cpad(out);
  c->demodulate = demodulate;
  c->prenormalize = prenormalize;
  c->style_gain = style_gain;
  c->out_gain = out_gain;
  c->winograd = winograd && k == 3;
  const size_t per_out = (size_t)in * k * k;
  const size_t kdim = (size_t)(c->winograd ? 36 : k * k) * c->cin_pad;
  /* Scratch: a block's weights, then the transform's buffer. */
  const size_t nwd = SG3_CBLOCK * per_out;
  float *wd = malloc((nwd + 36 * WINO_CHUNK * SG3_CBLOCK) * sizeof(float));
  c->wpack = calloc(kdim * c->cout_pad, sizeof(float));
  c->bias_pad = calloc((size_t)c->cout_pad, sizeof(float));
  if (demodulate)
    c->weight_sq = malloc((size_t)in * out * sizeof(float));
  if (!wd || !c->wpack || !c->bias_pad || (demodulate && !c->weight_sq)) {
    free(wd);
    sg3_conv_free(c);
    return sg3_oom(error, "the packed weights");
  }
  for (int o0 = 0; o0 < out; o0 += SG3_CBLOCK)
    prepare_block(c, weight, bias, o0,
                  out - o0 < SG3_CBLOCK ? out - o0 : SG3_CBLOCK, wd,
                  (float(*)[WINO_CHUNK][SG3_CBLOCK])(wd + nwd));
  free(wd);
  return 0;
}

/* The taps of a stride-2 transposed convolution (out[y] = sum_m x[m]
 * w[y - 2 m]) that meet output parity `par`, as (row offset into the
 * input padded by 1, kernel index): even outputs y = 2q read x[q] w[0] +
 * x[q - 1] w[2], odd ones x[q] w[1]. */
static int phase_taps(int par, int *off, int *k) {
  if (par) {
    off[0] = 1, k[0] = 1;
    return 1;
  }
  off[0] = 0, k[0] = 2;
  off[1] = 1, k[1] = 0;
  return 2;
}

int sg3_conv_prepare_up2(sg3_conv *c, const float *weight, const float *bias,
                         int in, int out, int demodulate, const float *filter,
                         int taps, char **error) {
  memset(c, 0, sizeof *c);
  if (taps < 1 || taps > SG3_UPFIR_MAX_TAPS)
    return sg3_fail(error, SG3_ERR_UNSUPPORTED,
                    "a %d-tap resample filter (1 to %d are supported)", taps,
                    SG3_UPFIR_MAX_TAPS);
  c->in_channels = in;
  c->out_channels = out;
  c->kernel = 3;
  c->up = 2;
  c->cin_pad = sg3_cpad(in);
  c->cout_pad = sg3_cpad(out);
  c->demodulate = demodulate;
  c->style_gain = c->out_gain = 1.0f;
  const size_t panel_k = (size_t)9 * c->cin_pad; /* all phases' taps */
  c->wpack = calloc(panel_k * c->cout_pad, sizeof(float));
  c->bias_pad = calloc((size_t)c->cout_pad, sizeof(float));
  c->up_f = malloc((size_t)taps * sizeof(float));
  if (demodulate)
    c->weight_sq = malloc((size_t)in * out * sizeof(float));
  if (!c->wpack || !c->bias_pad || !c->up_f || (demodulate && !c->weight_sq)) {
    sg3_conv_free(c);
    return sg3_oom(error, "the packed weights");
  }
  size_t off = 0;
  for (int ph = 0; ph < 4; ph++) {
    int oy[2], ky[2], ox[2], kx[2];
    int ny = phase_taps(ph >> 1, oy, ky), nx = phase_taps(ph & 1, ox, kx);
    const size_t K = (size_t)ny * nx * c->cin_pad;
    c->phase_off[ph] = off;
    for (int o = 0; o < out; o++) {
      float *panel = c->wpack + off + (size_t)(o / SG3_CBLOCK) * K * SG3_CBLOCK;
      for (int a = 0; a < ny; a++)
        for (int b = 0; b < nx; b++) {
          const int t = a * nx + b;
          for (int i = 0; i < in; i++)
            panel[((size_t)t * c->cin_pad + i) * SG3_CBLOCK + o % SG3_CBLOCK] =
                weight[(((size_t)o * in + i) * 3 + ky[a]) * 3 + kx[b]];
        }
    }
    off += K * c->cout_pad;
  }
  for (int o = 0; o < out; o++) {
    for (int i = 0; demodulate && i < in; i++) {
      const float *w = weight + ((size_t)o * in + i) * 9;
      float s = 0;
      for (int t = 0; t < 9; t++)
        s += w[t] * w[t];
      c->weight_sq[(size_t)o * in + i] = s;
    }
    c->bias_pad[o] = bias ? bias[o] : 0.0f;
  }
  /* upfirdn2d's FIR with gain up^2 = 4, 2 per axis, flipped; conv2d_resample
   * pads the transposed convolution's output by (taps + 1) / 2 - 1. */
  for (int t = 0; t < taps; t++)
    c->up_f[t] = filter[taps - 1 - t] * 2.0f;
  c->up_taps = taps;
  c->up_pad = (taps + 1) / 2 - 1;
  return 0;
}

void sg3_conv_free(sg3_conv *c) {
  free(c->wpack);
  free(c->weight_sq);
  free(c->bias_pad);
  free(c->up_f);
  c->wpack = c->weight_sq = c->bias_pad = c->up_f = NULL;
}

int sg3_conv_rows_past(const sg3_conv *c) {
  return c->winograd ? SG3_WINO_ROWS_PAST : 0;
}

size_t sg3_conv_in_plane(const sg3_conv *c, int in_size, int pad) {
  size_t k = c->kernel, wp = (size_t)in_size + 2 * pad;
  size_t rows = wp + sg3_conv_rows_past(c);
  return (rows * wp + SG3_GEMM_SLACK + k) * SG3_CBLOCK;
}

size_t sg3_conv_out_plane(const sg3_conv *c, int in_size, int pad) {
  size_t wp = (size_t)in_size + 2 * pad, n = wp - c->kernel + 1;
  return (n * wp + SG3_GEMM_SLACK) * SG3_CBLOCK;
}

size_t sg3_conv_phase_plane(int in_size) {
  return ((size_t)(in_size + 1) * (in_size + 2) + SG3_GEMM_SLACK) * SG3_CBLOCK;
}

size_t sg3_conv_scratch(const sg3_conv *c, int in_size, int pad,
                        const sg3_simd *simd, int nthreads) {
  int k = c->kernel, wp = in_size + 2 * pad, n = wp - k + 1;
  if (c->up) {
    wp = in_size + 2;
    size_t g = 0;
    for (int ph = 0; ph < 4; ph++) {
      int ntaps = (ph >> 1 ? 1 : 2) * (ph & 1 ? 1 : 2);
      int mc = sg3_gemm_mc((ph >> 1 ? in_size : in_size + 1) * wp, simd->mr,
                           nthreads);
      size_t p = sg3_gemm_pack(mc, simd->mr, ntaps, c->cin_pad / SG3_CBLOCK);
      g = p > g ? p : g;
    }
    size_t u = sg3_upfir_scratch(2 * in_size, c->up_taps);
    return g > u ? g : u;
  }
  if (c->winograd) {
    int tn = (n + 3) / 4;
    int group = sg3_wino_group(tn * tn, simd->mr, c->cin_pad, c->cout_pad);
    if (group) /* shared by the threads */
      return (sg3_wino_group_floats(group, simd->mr, c->cin_pad, c->cout_pad) +
              nthreads - 1) /
             nthreads;
    int chunk = sg3_wino_chunk(tn * tn, simd->mr, nthreads);
    return sg3_wino_scratch(chunk, simd->mr, c->cin_pad, c->cout_pad);
  }
  int mc = sg3_gemm_mc(n * wp, simd->mr, nthreads);
  return sg3_gemm_pack(mc, simd->mr, k * k, c->cin_pad / SG3_CBLOCK);
}

void sg3_modulation(const sg3_simd *simd, const sg3_conv *c,
                    const float *styles, float *s, float *dcoefs, float *tmp) {
  const int n_in = c->in_channels, n_out = c->out_channels;
  for (int i = 0; i < n_in; i++)
    s[i] = styles[i] * c->style_gain;
  if (c->prenormalize) {
    float sum = 0;
    for (int i = 0; i < n_in; i++)
      sum += s[i] * s[i];
    float scale = 1.0f / sqrtf(sum / (float)n_in);
    for (int i = 0; i < n_in; i++)
      s[i] *= scale;
  }
  for (int i = n_in; i < c->cin_pad; i++)
    s[i] = 0;
  if (c->demodulate) {
    /* sum_i weight_sq[o, i] s[i]^2, one product per weight: vectorised. */
    for (int i = 0; i < n_in; i++)
      tmp[i] = s[i] * s[i];
    simd->matvec(c->weight_sq, tmp, dcoefs, n_out, n_in);
    for (int o = 0; o < n_out; o++)
      dcoefs[o] = 1.0f / sqrtf(dcoefs[o] + 1e-8f) * c->out_gain;
  } else {
    for (int o = 0; o < n_out; o++)
      dcoefs[o] = c->out_gain;
  }
  for (int o = n_out; o < c->cout_pad; o++)
    dcoefs[o] = 0;
}

void sg3_modulated_conv2d_ex(const sg3_exec *ex, const sg3_conv *c, int in_size,
                             int pad, const float *xin, size_t xplane,
                             const float *in_scale, const float *dcoefs,
                             const sg3_epilogue *epi, const sg3_torgb *rgb,
                             float *out, size_t out_plane) {
  const int k = c->kernel, wp = in_size + 2 * pad, n = wp - k + 1;
  if (c->winograd) {
    sg3_wino w = {
        .xin = xin,
        .xplane = xplane,
        .oplane = out_plane,
        .wp = wp,
        .cin = c->cin_pad,
        .cout = c->cout_pad,
        .n = n,
        .tn = (n + 3) / 4,
        .u = c->wpack,
        .scale = dcoefs,
        .bias = c->bias_pad,
        .in_scale = in_scale,
        .epi = epi,
        .out = out,
        .rgb = epi ? rgb : NULL,
    };
    sg3_run_wino(ex, &w);
    return;
  }
  /* The k*k taps are pixel offsets into the padded input. */
  ptrdiff_t tap[SG3_MAX_KERNEL * SG3_MAX_KERNEL];
  for (int ky = 0; ky < k; ky++)
    for (int kx = 0; kx < k; kx++)
      tap[ky * k + kx] = (ptrdiff_t)(ky * wp + kx) * SG3_CBLOCK;
  sg3_gemm gemm = {
      .a = xin,
      .tap = tap,
      .ntaps = k * k,
      .kblocks = c->cin_pad / SG3_CBLOCK,
      .aplane = xplane,
      .b = c->wpack,
      .nout = c->cout_pad,
      .c = out,
      .cplane = out_plane,
      .scale = dcoefs,
      .bias = c->bias_pad,
      .in_scale = in_scale,
      .epi = epi,
      .m = n * wp,
  };
  sg3_run_gemm(ex, &gemm);
}

void sg3_modulated_conv2d(const sg3_exec *ex, const sg3_conv *c, int in_size,
                          int pad, const float *xin, const float *dcoefs,
                          float *out) {
  sg3_modulated_conv2d_ex(ex, c, in_size, pad, xin,
                          sg3_conv_in_plane(c, in_size, pad), NULL, dcoefs,
                          NULL, NULL, out, sg3_conv_out_plane(c, in_size, pad));
}

typedef struct {
  const sg3_simd *simd;
  const sg3_upfir *u;
} upfir_ctx;

static void upfir_task(void *ctx, int task, int thread) {
  const upfir_ctx *c = ctx;
  c->simd->upfir_task(c->u, task, thread);
}

void sg3_modulated_conv2d_up2(const sg3_exec *ex, const sg3_conv *c,
                              int in_size, const float *xin, size_t xplane,
                              const float *in_scale, const float *dcoefs,
                              float *phases, const sg3_epilogue *epi,
                              size_t noise_rs, float *out, size_t out_plane,
                              size_t out_rs) {
  const int n = in_size, wp = n + 2, nbo = c->cout_pad / SG3_CBLOCK;
  const size_t pplane = sg3_conv_phase_plane(n);
  sg3_upfir u = {
      .ph_plane = pplane,
      .ph_rs = (size_t)wp * SG3_CBLOCK,
      .n = n,
      .size = 2 * n,
      .taps = c->up_taps,
      .pad = c->up_pad,
      .f = c->up_f,
      .bias = c->bias_pad,
      .epi = {.clamp = -1},
      .noise_rs = noise_rs,
      .out = out,
      .out_plane = out_plane,
      .out_rs = out_rs,
      .nblocks = nbo,
      .scratch = ex->scratch,
  };
  if (epi)
    u.epi = *epi;
  /* The transposed convolution's phases: each a small direct convolution
   * of the input padded by 1, demodulated (dcoefs) before the FIR as the
   * official weights are. Even phases have n + 1 samples, odd ones n. */
  for (int ph = 0; ph < 4; ph++) {
    int oy[2], ky[2], ox[2], kx[2];
    int ny = phase_taps(ph >> 1, oy, ky), nx = phase_taps(ph & 1, ox, kx);
    ptrdiff_t tap[4];
    for (int a = 0; a < ny; a++)
      for (int b = 0; b < nx; b++)
        tap[a * nx + b] = ((ptrdiff_t)oy[a] * wp + ox[b]) * SG3_CBLOCK;
    float *t = phases + (size_t)ph * nbo * pplane;
    u.ph[ph] = t;
    sg3_gemm gemm = {
        .a = xin,
        .tap = tap,
        .ntaps = ny * nx,
        .kblocks = c->cin_pad / SG3_CBLOCK,
        .aplane = xplane,
        .b = c->wpack + c->phase_off[ph],
        .nout = c->cout_pad,
        .c = t,
        .cplane = pplane,
        .scale = dcoefs,
        .in_scale = in_scale,
        .m = (ph >> 1 ? n : n + 1) * wp,
    };
    sg3_run_gemm(ex, &gemm);
  }
  int strips = 1;
  if (ex->nthreads > 1)
    while (nbo * strips < 2 * ex->nthreads && strips * 8 < 2 * n)
      strips++;
  u.nstrips = strips;
  upfir_ctx ctx = {ex->simd, &u};
  sg3_pool_run(ex->pool, nbo * strips, upfir_task, &ctx);
}

typedef struct {
  const sg3_simd *simd;
  const sg3_torgb *t;
} torgb_ctx;

static void torgb_task(void *ctx, int task, int thread) {
  const torgb_ctx *c = ctx;
  c->simd->torgb_task(c->t, task, thread);
}

void sg3_modulated_conv2d_torgb(const sg3_exec *ex, sg3_torgb *t) {
  /* rows per task: a few tasks per thread */
  int tasks = 4 * ex->nthreads;
  t->rows = (t->size + tasks - 1) / tasks;
  torgb_ctx ctx = {ex->simd, t};
  sg3_pool_run(ex->pool, (t->size + t->rows - 1) / t->rows, torgb_task, &ctx);
}
