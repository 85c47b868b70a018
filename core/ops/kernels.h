/* The SIMD kernels of the forward pass, compiled once per instruction set
 * (kernels_avx512.c, kernels_avx2.c, kernels_generic.c from the same
 * kernels_impl.h) and chosen at run time for the CPU.
 *
 * Activations are in blocks of 16 channels: channel c of pixel p is at
 * x[(c / 16) * plane + p * 16 + c % 16], each block a plane of its own
 * ("NCHW16c"). Every kernel works on whole blocks (channel counts are
 * padded to SG3_CBLOCK with zeros), reads and writes whole cache lines, and
 * runs the same code for every channel count. */
#ifndef SG3_KERNELS_H
#define SG3_KERNELS_H

#include <stddef.h>

#define SG3_CBLOCK 16
/* Pixels a GEMM may compute past its end (whole micro-tiles): planes that
 * a GEMM reads or writes carry this much slack. */
#define SG3_GEMM_SLACK 32
/* The largest convolution kernel (k x k) the ops take. */
#define SG3_MAX_KERNEL 15
/* The longest downsampling filter filtered_lrelu takes (the official
 * configurations use 12 to 24 taps). */
#define SG3_MAX_DOWN_TAPS 256

static inline int sg3_cpad(int c) {
  return (c + SG3_CBLOCK - 1) / SG3_CBLOCK * SG3_CBLOCK;
}

/* What may follow a convolution's scale and bias (StyleGAN2's layers: the
 * noise input, then bias_act): noise[p] added to every channel of output
 * pixel p (p indexes the output as its pixels do), leaky ReLU (slope)
 * times gain when `act`, clamping to +-clamp when clamp >= 0, then
 * residual (laid out as the output, at the same offsets) added. */
typedef struct {
  const float *noise;    /* NULL: none */
  const float *residual; /* NULL: none */
  float slope, gain, clamp;
  int act;
} sg3_epilogue;

/* c[p, o] = sum_{t, i} a[tap[t] + (i / 16) * aplane + p * 16 + i % 16] *
 * in_scale[i] * b[t, i, o] for pixels p < m (in_scale may be NULL), then
 * times scale[o] plus bias[o] (either may be NULL), then the epilogue (may
 * be NULL); c[p, o] is at c[(o / 16) * cplane + p * 16 + o % 16]. In a
 * convolution p indexes the padded input's pixels, so its taps are plain
 * pixel offsets (tap[t] = 16 * (ky * pitch + kx)) and there is no im2col.
 * b is packed as [nout / 16][ntaps * kblocks * 16][16]. Tasks are runs of
 * `mc` pixels. */
typedef struct {
  const float *a;
  const ptrdiff_t *tap;
  int ntaps, kblocks; /* kblocks: input channels / 16 */
  size_t aplane;
  const float *b;
  int nout; /* output channels, a multiple of 16 */
  float *c;
  size_t cplane;
  const float *scale, *bias;
  const float *in_scale;
  const sg3_epilogue *epi;
  int m, mc;
  float **scratch; /* per thread: sg3_gemm_pack floats */
} sg3_gemm;

/* Scratch a thread needs to pack a task's activations. */
static inline size_t sg3_gemm_pack(int mc, int mr, int ntaps, int kblocks) {
  return ((size_t)mc + mr) * ntaps * kblocks * 16;
}

/* StyleGAN2's ToRGBLayer: a 1x1 modulated convolution to at most 4
 * channels, without demodulation: out[c][y][x] = clamp(sum_i w[c][i] x[i]
 * + bias[c]) + residual[c][y][x], w being weight times styles (per frame,
 * [channels][nblocks * 16]). Input pixel (y, x) of block b at x + b *
 * x_plane + y * x_rs + 16 x; output and residual (NULL: none) planar, size
 * x size each. Tasks are runs of `rows` rows. */
typedef struct {
  const float *x;
  size_t x_plane, x_rs;
  int nblocks, size, channels, rows;
  const float *w, *bias;
  float clamp; /* < 0: none */
  const float *residual;
  float *out;
} sg3_torgb;

/* A 3x3 convolution by Winograd's F(4x4, 3x3): each 4x4 output tile is
 * A^T [(G g G^T) . (B^T d B)] A, so a tile costs 36 products per channel
 * pair instead of 144 (the 36 element-wise products of a batch of tiles
 * are 36 GEMMs over channels). Same input (xin, padded by 2, row pitch wp)
 * and output (out, pitch wp, n x n valid pixels, times scale plus bias, then
 * the epilogue) as the direct GEMM, and the same input scale. u is G g G^T
 * packed as [36][cout/16][cin][16]. Tasks are runs of `chunk` tiles (row-major
 * over tn x tn tiles); each thread needs sg3_wino_scratch floats. Reads up to
 * SG3_WINO_ROWS_PAST rows past the padded input, which must hold finite values.
 */
#define SG3_WINO_ROWS_PAST 4
typedef struct {
  const float *xin;
  size_t xplane, oplane;
  int wp, cin, cout, n, tn, chunk;
  const float *u, *scale, *bias;
  const float *in_scale;
  const sg3_epilogue *epi;
  float *out;
  float **scratch; /* per thread */
  /* Group mode (sg3_simd.wino_stage): tiles g0..g0+gn, their products in
   * V and M (planes of vs floats), products split by pgroup panels. */
  int g0, gn, pgroup;
  float *V, *M;
  size_t vs;
  /* StyleGAN2: ToRGB of the output fused into the output transform (needs
   * an epilogue; its w has cout floats per channel), or NULL. */
  const sg3_torgb *rgb;
} sg3_wino;

size_t sg3_wino_scratch(int chunk, int mr, int cin, int cout);

/* Convolutions with big weights run in groups of tiles instead, so that
 * the weights are read once per group rather than once per run of tiles:
 * the input transforms of a group (in tasks of SG3_MR tiles), then its 36
 * products split by output panels, then its output transforms, with the
 * group's products in memory shared by the threads (sg3_exec's scratch is
 * one block). sg3_wino_group gives the group's tiles (0: not this mode);
 * sg3_wino_group_floats, the floats it takes. */
int sg3_wino_group(int ntiles, int mr, int cin, int cout);
size_t sg3_wino_group_floats(int group, int mr, int cin, int cout);

/* A 1-D polyphase upsampling pass, as upfirdn2d computes it: output j = up *
 * q + r reads inputs q + base[r] + t for t < taps, with weights
 * f[r * taps + t] (flipped, times the gain). */
typedef struct {
  int up, taps;
  int *base;
  float *f;
} sg3_up_plan;

/* filtered_lrelu for one layer, computed at load. */
typedef struct {
  int n;      /* input width = height (the conv output) */
  int wu, hu; /* the upsampled signal */
  int size;   /* output width = height */
  sg3_up_plan ux, uy;
  int margin_l, margin_r; /* zero pixels the horizontal pass reads */
  int down, dtaps, radial;
  int radial_fold;  /* the radial filter is symmetric top to bottom */
  int radial_sym12; /* 12 x 12, down 2, symmetric in both axes */
  float *fd;        /* flipped: [dtaps], or [dtaps * dtaps] when radial */
  float gain, slope, clamp; /* clamp < 0: none */
} sg3_filter_plan;

/* One filtered_lrelu call. Input pixel (y, x) of block b: x + b * x_plane
 * + y * x_rs + 16 x. Output: the same layout (y_plane, y_rs), times
 * scale[c] if scale is set; or, with planar > 0, the first `planar` channels
 * as CHW planes of size*size floats, times planar_scale. Tasks are (block,
 * strip of output rows) pairs; each thread needs sg3_filter_scratch floats. */
typedef struct {
  const sg3_filter_plan *p;
  const float *x;
  size_t x_plane, x_rs;
  float *y;
  size_t y_plane, y_rs;
  const float *scale;
  int planar;
  float planar_scale;
  int nblocks, nstrips;
  float **scratch; /* per thread */
} sg3_filter;

size_t sg3_filter_scratch(const sg3_filter_plan *p);

/* The FIR after a transposed convolution of stride 2 (conv2d_resample with
 * up = 2), then the epilogue: the transposed convolution's output t
 * ((2n + 1) x (2n + 1) samples) is given as its four phases, t[2 qy + py]
 * [2 qx + px] at ph[2 py + px] + b * ph_plane + qy * ph_rs + 16 qx; output
 * pixel (y, x) of the size x size result is sum_{i, j} f[i] f[j] t[y + i -
 * pad][x + j - pad] (f flipped, with its gain; t is zero outside), plus
 * bias, then the epilogue (noise indexed y * noise_rs + x; no residual),
 * stored at out + b * out_plane + y * out_rs + 16 x. Tasks are (block,
 * strip of rows) pairs; each thread needs sg3_upfir_scratch floats. */

#define SG3_UPFIR_MAX_TAPS 16
typedef struct {
  const float *ph[4];
  size_t ph_plane, ph_rs;
  int n, size, taps, pad;
  const float *f;
  const float *bias;
  sg3_epilogue epi;
  size_t noise_rs;
  float *out;
  size_t out_plane, out_rs;
  int nblocks, nstrips;
  float **scratch; /* per thread */
} sg3_upfir;

size_t sg3_upfir_scratch(int size, int taps);

typedef struct {
  const char *name;
  int mr; /* pixels per GEMM micro-tile */
  void (*gemm_task)(const sg3_gemm *g, int task, int thread);
  void (*filter_task)(const sg3_filter *f, int task, int thread);
  void (*wino_task)(const sg3_wino *w, int task, int thread);
  void (*wino_stage)(const sg3_wino *w, int stage, int task, int thread);
  void (*upfir_task)(const sg3_upfir *u, int task, int thread);
  void (*torgb_task)(const sg3_torgb *t, int task, int thread);
  /* y[o] = sum_i w[o * in + i] x[i] for o < out. */
  void (*matvec)(const float *w, const float *x, float *y, int out, int in);
} sg3_simd;

/* The best kernels for this CPU; SG3_SIMD=generic|avx2|avx512 in the
 * environment picks a lower one (for tests). */
const sg3_simd *sg3_simd_get(void);
/* The kernels of that name ("generic", "avx2", "avx512") if this CPU can run
 * them, else NULL. */
const sg3_simd *sg3_simd_find(const char *name);

extern const sg3_simd sg3_simd_generic;
#if defined(__x86_64__) && defined(__GNUC__)
#define SG3_HAVE_X86_KERNELS 1
extern const sg3_simd sg3_simd_avx2;
extern const sg3_simd sg3_simd_avx512;
#endif

#endif
