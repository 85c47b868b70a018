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

/* c[p, o] = sum_{t, i} a[tap[t] + (i / 16) * aplane + p * 16 + i % 16] *
 * b[t, i, o] for pixels p < m, then times scale[o] plus bias[o] (either may
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
  int m, mc;
  float **scratch; /* per thread: sg3_gemm_pack floats */
} sg3_gemm;

/* Scratch a thread needs to pack a task's activations. */
static inline size_t sg3_gemm_pack(int mc, int mr, int ntaps, int kblocks) {
  return ((size_t)mc + mr) * ntaps * kblocks * 16;
}

/* A 3x3 convolution by Winograd's F(4x4, 3x3): each 4x4 output tile is
 * A^T [(G g G^T) . (B^T d B)] A, so a tile costs 36 products per channel
 * pair instead of 144 (the 36 element-wise products of a batch of tiles
 * are 36 GEMMs over channels). Same input (xin, padded by 2, row pitch wp)
 * and output (out, pitch wp, n x n valid pixels, times scale plus bias) as
 * the direct GEMM. u is G g G^T packed as [36][cout/16][cin][16]. Tasks
 * are runs of `chunk` tiles (row-major over tn x tn tiles); each thread
 * needs sg3_wino_scratch floats. Reads up to SG3_WINO_ROWS_PAST rows past
 * the padded input, which must hold finite values. */
#define SG3_WINO_ROWS_PAST 4
typedef struct {
  const float *xin;
  size_t xplane, oplane;
  int wp, cin, cout, n, tn, chunk;
  const float *u, *scale, *bias;
  float *out;
  float **scratch; /* per thread */
} sg3_wino;

size_t sg3_wino_scratch(int chunk, int mr, int cin, int cout);

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
  int radial_fold; /* the radial filter is symmetric top to bottom */
  float *fd;       /* flipped: [dtaps], or [dtaps * dtaps] when radial */
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

typedef struct {
  const char *name;
  int mr; /* pixels per GEMM micro-tile */
  void (*gemm_task)(const sg3_gemm *g, int task, int thread);
  void (*filter_task)(const sg3_filter *f, int task, int thread);
  void (*wino_task)(const sg3_wino *w, int task, int thread);
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
