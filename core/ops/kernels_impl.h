/* The forward-pass kernels, written once with GCC vector extensions on
 * 16-float vectors (one AVX-512 register, two AVX2 or four SSE registers)
 * and compiled per instruction set: the including file sets the target,
 * SG3_ISA (name suffix), SG3_MR (pixels per GEMM micro-tile) and SG3_NP (16
 * channel panels per micro-tile) so that the accumulators fill the register
 * file. Floating-point contraction is on here: FMA rounds differently from
 * torch's separate multiply and add, well inside the parity tolerance. */
#include <stddef.h>
#include <string.h>

#include "ops/kernels.h"

#pragma GCC diagnostic ignored "-Wpsabi"

#define SG3_CAT2(a, b) a##_##b
#define SG3_CAT(a, b) SG3_CAT2(a, b)
#define FN(name) SG3_CAT(name, SG3_ISA)
#define SG3_STR2(x) #x
#define SG3_STR(x) SG3_STR2(x)
#define INLINE static inline __attribute__((always_inline))

/* aligned(4): loads and stores need not be 64-byte aligned. */
typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef int v16i __attribute__((vector_size(64), aligned(4)));

INLINE v16 ld(const float *p) {
  return *(const v16 *)p;
}
INLINE void st(float *p, v16 v) {
  *(v16 *)p = v;
}
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif
/* Below AVX-512 GCC may build a 16-float broadcast in memory a lane at a
 * time; a register broadcast copied into each part avoids that. */
INLINE v16 splat(float s) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(SG3_AVX512)
#ifdef __AVX2__
  const __m256 r = _mm256_set1_ps(s);
#else
  const __m128 r = _mm_set1_ps(s);
#endif
  v16 v;
  for (size_t i = 0; i < sizeof v; i += sizeof r)
    memcpy((char *)&v + i, &r, sizeof r);
  return v;
#elif defined(SG3_AVX512)
  return (v16)_mm512_set1_ps(s);
#else
  return (v16){0} + s;
#endif
}
#ifdef SG3_AVX512
#include <immintrin.h>
INLINE v16 vmax(v16 a, v16 b) {
  return (v16)_mm512_max_ps((__m512)a, (__m512)b);
}
INLINE v16 vmin(v16 a, v16 b) {
  return (v16)_mm512_min_ps((__m512)a, (__m512)b);
}
#elif defined(__x86_64__) && defined(__GNUC__)
/* GCC lowers a compare of vectors wider than the registers lane by lane, so
 * the narrower sets take max/min a register at a time: MAXPS(a, b) is
 * a > b ? a : b, MINPS(a, b) a < b ? a : b, as the generic form below. */
#include <immintrin.h>
#ifdef __AVX2__
typedef __m256 vreg;
#define VREG_MAX _mm256_max_ps
#define VREG_MIN _mm256_min_ps
#else
typedef __m128 vreg;
#define VREG_MAX _mm_max_ps
#define VREG_MIN _mm_min_ps
#endif
#define VREGS (int)(sizeof(v16) / sizeof(vreg))
INLINE v16 vmax(v16 a, v16 b) {
  vreg x[VREGS], y[VREGS];
  memcpy(x, &a, sizeof a);
  memcpy(y, &b, sizeof b);
  for (int i = 0; i < VREGS; i++)
    x[i] = VREG_MAX(x[i], y[i]);
  memcpy(&a, x, sizeof a);
  return a;
}
INLINE v16 vmin(v16 a, v16 b) {
  vreg x[VREGS], y[VREGS];
  memcpy(x, &a, sizeof a);
  memcpy(y, &b, sizeof b);
  for (int i = 0; i < VREGS; i++)
    x[i] = VREG_MIN(x[i], y[i]);
  memcpy(&a, x, sizeof a);
  return a;
}
#else
INLINE v16 vmax(v16 a, v16 b) {
  v16i m = a > b;
  return (v16)(((v16i)a & m) | ((v16i)b & ~m));
}
INLINE v16 vmin(v16 a, v16 b) {
  v16i m = a < b;
  return (v16)(((v16i)a & m) | ((v16i)b & ~m));
}
#endif

/* ---- Epilogues (sg3_epilogue) ---------------------------------------- */

typedef struct {
  v16 slope, gain, lo, hi;
  int act, clamp;
  const float *noise, *residual;
} epi_params;

INLINE epi_params epi_load(const sg3_epilogue *e) {
  epi_params p = {splat(e->slope), splat(e->gain), splat(-e->clamp),
                  splat(e->clamp), e->act,         e->clamp >= 0,
                  e->noise,        e->residual};
  return p;
}

/* Output pixel `pix` at float offset `off` from the output's base: the
 * noise, then the bias, then bias_act's activation, gain and clamp, then
 * the residual. */
INLINE v16 epi_apply(v16 v, const epi_params *e, size_t pix, size_t off,
                     v16 bias) {
  if (e->noise)
    v += splat(e->noise[pix]);
  v += bias;
  if (e->act)
    v = vmax(v, v * e->slope) * e->gain;
  if (e->clamp)
    v = vmin(vmax(v, e->lo), e->hi);
  if (e->residual)
    v += ld(e->residual + off);
  return v;
}

/* The 16 lanes summed in a fixed order. */
INLINE float hsum16(v16 v) {
  /* __builtin_shufflevector: GCC 12 and clang */
  v = v + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2,
                                  3, 4, 5, 6, 7);
  v = v + __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15,
                                  8, 9, 10, 11);
  v = v + __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9,
                                  14, 15, 12, 13);
  v = v + __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10,
                                  13, 12, 15, 14);
  return v[0];
}

/* One ToRGB output pixel o from its lane-wise sums (sg3_torgb). */
INLINE void rgb_finish(const sg3_torgb *t, const v16 *acc, size_t o) {
  const size_t npix = (size_t)t->size * t->size;
  for (int c = 0; c < t->channels; c++) {
    float v = hsum16(acc[c]) + t->bias[c];
    if (t->clamp >= 0)
      v = v < -t->clamp ? -t->clamp : v > t->clamp ? t->clamp : v;
    if (t->residual)
      v = t->residual[c * npix + o] + v;
    t->out[c * npix + o] = v;
  }
}

/* ---- GEMM ---------------------------------------------------------------
 * Weights are packed at load, a task's activations when it starts (the
 * convolution taps are pixel offsets, so packing is a few memcpy per
 * micro-tile, not an im2col of the image). A micro-tile keeps SG3_MR pixels
 * x np * 16 channels of accumulators in registers over a chunk of up to KC
 * products (16 per input block of 16 channels); chunks accumulate in c. */

#define KC 256

enum { TILE_STORE = 1, TILE_FINISH = 2 };

/* a: the micro-tile's activations of segments s0..s1, [s][SG3_MR][16]. */
INLINE void tile(const sg3_gemm *g, const float *a0, int p0, int panel,
                 const int np, int s0, int s1, int mode, const int use_epi) {
  v16 acc[SG3_MR][SG3_NP];
#pragma GCC unroll 16
  for (int r = 0; r < SG3_MR; r++)
#pragma GCC unroll 4
    for (int j = 0; j < SG3_NP; j++)
      acc[r][j] = (v16){0};
  const size_t K = (size_t)g->ntaps * g->kblocks * 16;
  const float *bp = g->b + (size_t)panel * K * 16;
  for (int s = s0; s < s1; s++) {
    const float *a = a0 + (size_t)(s - s0) * SG3_MR * 16;
    const float *b = bp + (size_t)s * 256;
#pragma GCC unroll 2
    for (int t = 0; t < 16; t++) {
      v16 bv[SG3_NP];
#pragma GCC unroll 4
      for (int j = 0; j < np; j++)
        bv[j] = ld(b + (size_t)j * K * 16 + t * 16);
#pragma GCC unroll 16
      for (int r = 0; r < SG3_MR; r++) {
        const float av = a[r * 16 + t];
#pragma GCC unroll 4
        for (int j = 0; j < np; j++)
          acc[r][j] += bv[j] * av;
      }
    }
  }
  epi_params ep;
  if (use_epi && (mode & TILE_FINISH))
    ep = epi_load(g->epi);
#pragma GCC unroll 4
  for (int j = 0; j < np; j++) {
    const size_t coff = (size_t)(panel + j) * g->cplane + (size_t)p0 * 16;
    float *c = g->c + coff;
    v16 sc = g->scale ? ld(g->scale + (panel + j) * 16) : splat(1);
    v16 bi = g->bias ? ld(g->bias + (panel + j) * 16) : splat(0);
#pragma GCC unroll 16
    for (int r = 0; r < SG3_MR; r++) {
      v16 v = acc[r][j];
      if (!(mode & TILE_STORE))
        v += ld(c + r * 16);
      if (mode & TILE_FINISH) {
        if (g->scale)
          v *= sc;
        if (use_epi)
          v = epi_apply(v, &ep, (size_t)p0 + r, coff + (size_t)r * 16, bi);
        else if (g->bias)
          v += bi;
      }
      st(c + r * 16, v);
    }
  }
}

/* StyleGAN3's products without an epilogue: the code as it was before
 * epilogues existed (tile_plain, gemm_block_plain), kept apart because
 * the compiler's fusing of multiply-adds depends on the code around them
 * and those bits must not change. */
INLINE void tile_plain(const sg3_gemm *g, const float *packed, int p0,
                       int panel, const int np, int s0, int s1, int mode) {
  v16 acc[SG3_MR][SG3_NP];
#pragma GCC unroll 16
  for (int r = 0; r < SG3_MR; r++)
#pragma GCC unroll 4
    for (int j = 0; j < SG3_NP; j++)
      acc[r][j] = (v16){0};
  const size_t K = (size_t)g->ntaps * g->kblocks * 16;
  const float *bp = g->b + (size_t)panel * K * 16;
  for (int s = s0; s < s1; s++) {
    const float *a = packed + (size_t)s * SG3_MR * 16;
    const float *b = bp + (size_t)s * 256;
#pragma GCC unroll 2
    for (int t = 0; t < 16; t++) {
      v16 bv[SG3_NP];
#pragma GCC unroll 4
      for (int j = 0; j < np; j++)
        bv[j] = ld(b + (size_t)j * K * 16 + t * 16);
#pragma GCC unroll 16
      for (int r = 0; r < SG3_MR; r++) {
        const float av = a[r * 16 + t];
#pragma GCC unroll 4
        for (int j = 0; j < np; j++)
          acc[r][j] += bv[j] * av;
      }
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < np; j++) {
    float *c = g->c + (size_t)(panel + j) * g->cplane + (size_t)p0 * 16;
    v16 sc = g->scale ? ld(g->scale + (panel + j) * 16) : splat(1);
    v16 bi = g->bias ? ld(g->bias + (panel + j) * 16) : splat(0);
#pragma GCC unroll 16
    for (int r = 0; r < SG3_MR; r++) {
      v16 v = acc[r][j];
      if (!(mode & TILE_STORE))
        v += ld(c + r * 16);
      if (mode & TILE_FINISH) {
        if (g->scale)
          v *= sc;
        if (g->bias)
          v += bi;
      }
      st(c + r * 16, v);
    }
  }
}

#ifndef SG3_AVX512
/* Below AVX-512 GCC keeps a v16 accumulator array on the stack and moves
 * it through general registers between multiply-adds, so the micro-kernel
 * is written on register-wide vectors: SG3_MR x SG3_NP x NV accumulators,
 * NV weight loads and one broadcast fit the 16 registers. */
#if defined(__AVX__)
#define VN 8
#else
#define VN 4
#endif
#define NV (16 / VN)
typedef float vn __attribute__((vector_size(VN * 4), aligned(4)));
typedef int vni __attribute__((vector_size(VN * 4), aligned(4)));

INLINE vn ldn(const float *p) {
  return *(const vn *)p;
}
INLINE void stn(float *p, vn v) {
  *(vn *)p = v;
}
INLINE vn vmaxn(vn a, vn b) {
#if defined(__AVX__)
  return (vn)_mm256_max_ps((__m256)a, (__m256)b);
#elif defined(__x86_64__) && defined(__GNUC__)
  return (vn)_mm_max_ps((__m128)a, (__m128)b);
#else
  vni m = a > b;
  return (vn)(((vni)a & m) | ((vni)b & ~m));
#endif
}
INLINE vn vminn(vn a, vn b) {
#if defined(__AVX__)
  return (vn)_mm256_min_ps((__m256)a, (__m256)b);
#elif defined(__x86_64__) && defined(__GNUC__)
  return (vn)_mm_min_ps((__m128)a, (__m128)b);
#else
  vni m = a < b;
  return (vn)(((vni)a & m) | ((vni)b & ~m));
#endif
}

/* epi_apply on lanes h * VN.. of pixel `pix`'s 16 channels. */
INLINE vn epi_apply_n(vn v, const sg3_epilogue *e, size_t pix, size_t off,
                      vn bias) {
  if (e->noise)
    v += e->noise[pix];
  v += bias;
  if (e->act)
    v = vmaxn(v, v * e->slope) * e->gain;
  if (e->clamp >= 0)
    v = vminn(vmaxn(v, -e->clamp - (vn){0}), e->clamp - (vn){0});
  if (e->residual)
    v += ldn(e->residual + off);
  return v;
}

/* tile and tile_plain (a: the micro-tile's activations of segments
 * s0..s1). */
INLINE void tile_n(const sg3_gemm *g, const float *a0, int p0, int panel,
                   const int np, int s0, int s1, int mode, const int use_epi) {
  vn acc[SG3_MR][SG3_NP * NV];
#pragma GCC unroll 16
  for (int r = 0; r < SG3_MR; r++)
#pragma GCC unroll 8
    for (int j = 0; j < SG3_NP * NV; j++)
      acc[r][j] = (vn){0};
  const size_t K = (size_t)g->ntaps * g->kblocks * 16;
  const float *bp = g->b + (size_t)panel * K * 16;
  for (int s = s0; s < s1; s++) {
    const float *a = a0 + (size_t)(s - s0) * SG3_MR * 16;
    const float *b = bp + (size_t)s * 256;
#pragma GCC unroll 2
    for (int t = 0; t < 16; t++) {
      vn bv[SG3_NP * NV];
#pragma GCC unroll 4
      for (int j = 0; j < np; j++)
#pragma GCC unroll 4
        for (int h = 0; h < NV; h++)
          bv[j * NV + h] = ldn(b + (size_t)j * K * 16 + t * 16 + h * VN);
#pragma GCC unroll 16
      for (int r = 0; r < SG3_MR; r++) {
        const float av = a[r * 16 + t];
#pragma GCC unroll 8
        for (int j = 0; j < np * NV; j++)
          acc[r][j] += bv[j] * av;
      }
    }
  }
  const sg3_epilogue *e = g->epi;
#pragma GCC unroll 4
  for (int j = 0; j < np; j++) {
    const size_t coff = (size_t)(panel + j) * g->cplane + (size_t)p0 * 16;
    float *c = g->c + coff;
#pragma GCC unroll 4
    for (int h = 0; h < NV; h++) {
      const size_t ch = (size_t)(panel + j) * 16 + h * VN;
      const vn sc = g->scale ? ldn(g->scale + ch) : 1 - (vn){0};
      const vn bi = g->bias ? ldn(g->bias + ch) : (vn){0};
#pragma GCC unroll 16
      for (int r = 0; r < SG3_MR; r++) {
        const size_t o = (size_t)r * 16 + h * VN;
        vn v = acc[r][j * NV + h];
        if (!(mode & TILE_STORE))
          v += ldn(c + o);
        if (mode & TILE_FINISH) {
          if (g->scale)
            v *= sc;
          if (use_epi)
            v = epi_apply_n(v, e, (size_t)p0 + r, coff + o, bi);
          else if (g->bias)
            v += bi;
        }
        stn(c + o, v);
      }
    }
  }
}
#endif

INLINE void gemm_block_plain(const sg3_gemm *g, const float *packed, int p0,
                             int p1, int panel, const int np) {
  const int nseg = g->ntaps * g->kblocks, group = KC / 16;
  for (int s = 0; s < nseg; s += group) {
    int s1 = s + group < nseg ? s + group : nseg;
    int mode = (s == 0 ? TILE_STORE : 0) | (s1 == nseg ? TILE_FINISH : 0);
    for (int p = p0; p < p1; p += SG3_MR)
#ifdef SG3_AVX512
      tile_plain(g, packed + (size_t)(p - p0) * nseg * 16, p, panel, np, s, s1,
                 mode);
#else
      tile_n(g, packed + ((size_t)(p - p0) * nseg + (size_t)s * SG3_MR) * 16, p,
             panel, np, s, s1, mode, 0);
#endif
  }
}

INLINE void gemm_block(const sg3_gemm *g, const float *packed, int p0, int p1,
                       int panel, const int np, const int use_epi) {
  const int nseg = g->ntaps * g->kblocks, group = KC / 16;
  for (int s = 0; s < nseg; s += group) {
    int s1 = s + group < nseg ? s + group : nseg;
    int mode = (s == 0 ? TILE_STORE : 0) | (s1 == nseg ? TILE_FINISH : 0);
    for (int p = p0; p < p1; p += SG3_MR)
#ifdef SG3_AVX512
      tile(g, packed + ((size_t)(p - p0) * nseg + (size_t)s * SG3_MR) * 16, p,
           panel, np, s, s1, mode, use_epi);
#else
      tile_n(g, packed + ((size_t)(p - p0) * nseg + (size_t)s * SG3_MR) * 16, p,
             panel, np, s, s1, mode, use_epi);
#endif
  }
}

/* The run's activations are first copied (with `copy`) to `packed`
 * (sg3_gemm_pack floats) tile by tile, each tile's segments one after the
 * other: the micro-kernel then reads one sequential stream instead of one
 * per input block, which the hardware prefetchers cannot all follow. */
INLINE void gemm_run_impl(const sg3_gemm *g, int task, float *packed, int copy,
                          const int use_epi) {
  int p0 = task * g->mc;
  int p1 = p0 + g->mc < g->m ? p0 + g->mc : g->m;
  const int npanels = g->nout / 16, kb = g->kblocks;
  const int nseg = g->ntaps * kb;
  if (copy)
    for (int p = p0; p < p1; p += SG3_MR) {
      float *dst = packed + (size_t)(p - p0) * nseg * 16;
      for (int s = 0; s < nseg; s++) {
        const float *src = g->a + g->tap[s / kb] +
                           (size_t)(s % kb) * g->aplane + (size_t)p * 16;
        float *d = dst + (size_t)s * SG3_MR * 16;
        if (g->in_scale) {
#ifdef SG3_AVX512
          const v16 sv = ld(g->in_scale + (s % kb) * 16);
#pragma GCC unroll 16
          for (int r = 0; r < SG3_MR; r++)
            st(d + r * 16, ld(src + r * 16) * sv);
#else
#pragma GCC unroll 4
          for (int h = 0; h < NV; h++) {
            const vn sv = ldn(g->in_scale + (s % kb) * 16 + h * VN);
#pragma GCC unroll 16
            for (int r = 0; r < SG3_MR; r++)
              stn(d + r * 16 + h * VN, ldn(src + r * 16 + h * VN) * sv);
          }
#endif
        } else {
          memcpy(d, src, SG3_MR * 16 * sizeof(float));
        }
      }
    }
  int panel = 0;
  for (; panel + SG3_NP <= npanels; panel += SG3_NP)
    if (use_epi)
      gemm_block(g, packed, p0, p1, panel, SG3_NP, 1);
    else
      gemm_block_plain(g, packed, p0, p1, panel, SG3_NP);
#if SG3_NP > 1
  for (; panel < npanels; panel++)
    if (use_epi)
      gemm_block(g, packed, p0, p1, panel, 1, 1);
    else
      gemm_block_plain(g, packed, p0, p1, panel, 1);
#endif
}

/* Separate functions, so that the one without an epilogue compiles to what
 * it was before epilogues existed: the compiler's fusing of multiply-adds
 * depends on the code around them, and StyleGAN3's bits must not change. */
__attribute__((noinline)) static void
gemm_run_plain(const sg3_gemm *g, int task, float *packed, int copy) {
  gemm_run_impl(g, task, packed, copy, 0);
}

__attribute__((noinline)) static void gemm_run_epi(const sg3_gemm *g, int task,
                                                   float *packed, int copy) {
  gemm_run_impl(g, task, packed, copy, 1);
}

static void gemm_run(const sg3_gemm *g, int task, float *packed, int copy) {
  if (g->epi)
    gemm_run_epi(g, task, packed, copy);
  else
    gemm_run_plain(g, task, packed, copy);
}

static void FN(gemm_task)(const sg3_gemm *g, int task, int thread) {
  gemm_run(g, task, g->scratch[thread], 1);
}

/* ---- Winograd F(4x4, 3x3) ------------------------------------------------ */

/* B^T d for a column (or row) of 6 input samples. */
INLINE void wino_in6(const v16 *d, v16 *r) {
  r[0] = (d[0] * 4 - d[2] * 5) + d[4];
  v16 a = d[3] + d[4], b = d[1] + d[2];
  r[1] = a - b * 4;
  v16 c = d[4] - d[3], e = d[1] - d[2];
  r[2] = c + e * 4;
  v16 f = d[4] - d[2], h = d[3] - d[1];
  r[3] = f + h * 2;
  r[4] = f - h * 2;
  r[5] = (d[1] * 4 - d[3] * 5) + d[5];
}

/* A^T m: 6 products to 4 outputs. */
INLINE void wino_out6(const v16 *m, v16 *y) {
  v16 a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
  y[0] = (m[0] + a) + c;
  y[1] = b + d * 2;
  y[2] = a + c * 4;
  y[3] = (b + d * 8) + m[5];
}

/* V[xi] and M[xi] hold the products of tiles tbase.. in micro-tiles of
 * SG3_MR tiles: V[xi] is cin / 16 planes of vs floats, micro-tile j of
 * block cb at (j * cin / 16 + cb) * SG3_MR * 16 (gemm_run's packed
 * layout); M[xi] is cout / 16 planes of vs floats, tile r at r * 16. */

#ifndef SG3_AVX512
/* wino_input, wino_in6, wino_out6 and wino_output_impl on register-wide
 * vectors, lanes h * VN.. of each 16-channel block at a time (v16 arrays
 * go through the stack and general registers below AVX-512). */
INLINE void wino_in6_n(const vn *d, vn *r) {
  r[0] = (d[0] * 4 - d[2] * 5) + d[4];
  vn a = d[3] + d[4], b = d[1] + d[2];
  r[1] = a - b * 4;
  vn c = d[4] - d[3], e = d[1] - d[2];
  r[2] = c + e * 4;
  vn f = d[4] - d[2], h = d[3] - d[1];
  r[3] = f + h * 2;
  r[4] = f - h * 2;
  r[5] = (d[1] * 4 - d[3] * 5) + d[5];
}

INLINE void wino_out6_n(const vn *m, vn *y) {
  vn a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
  y[0] = (m[0] + a) + c;
  y[1] = b + d * 2;
  y[2] = a + c * 4;
  y[3] = (b + d * 8) + m[5];
}

static void wino_input(const sg3_wino *w, int t0, int t1, int tbase, float *V,
                       size_t vs) {
  const int cin = w->cin, tn = w->tn;
  const size_t wp = (size_t)w->wp;
  for (int t = t0; t < t1; t++) {
    const int ty = t / tn, tx = t % tn;
    const float *base = w->xin + ((size_t)ty * 4 * wp + (size_t)tx * 4) * 16;
    const int tl = t - tbase;
    float *vt =
        V + ((size_t)(tl / SG3_MR) * (cin / 16) * SG3_MR + tl % SG3_MR) * 16;
    for (int cb = 0; cb < cin / 16; cb++)
      for (int h = 0; h < NV; h++) {
        const float *src = base + cb * w->xplane + h * VN;
        float *v = vt + (size_t)cb * SG3_MR * 16 + h * VN;
        const vn sv =
            w->in_scale ? ldn(w->in_scale + cb * 16 + h * VN) : 1 - (vn){0};
        vn cols[6][6]; /* [b][a] = (B^T d)[a][b] */
#pragma GCC unroll 6
        for (int b = 0; b < 6; b++) {
          vn d[6];
#pragma GCC unroll 6
          for (int a = 0; a < 6; a++)
            d[a] = ldn(src + ((size_t)a * wp + b) * 16);
          wino_in6_n(d, cols[b]);
        }
#pragma GCC unroll 6
        for (int a = 0; a < 6; a++) {
          vn d[6], r[6];
#pragma GCC unroll 6
          for (int b = 0; b < 6; b++)
            d[b] = cols[b][a];
          wino_in6_n(d, r);
#pragma GCC unroll 6
          for (int b = 0; b < 6; b++)
            stn(v + (size_t)(a * 6 + b) * vs * (cin / 16),
                w->in_scale ? r[b] * sv : r[b]);
        }
      }
  }
}
#endif

#ifdef SG3_AVX512
/* Input transform of tiles t0..t1. */
static void wino_input(const sg3_wino *w, int t0, int t1, int tbase, float *V,
                       size_t vs) {
  const int cin = w->cin, tn = w->tn;
  const size_t wp = (size_t)w->wp;
  for (int t = t0; t < t1; t++) {
    const int ty = t / tn, tx = t % tn;
    const float *base = w->xin + ((size_t)ty * 4 * wp + (size_t)tx * 4) * 16;
    const int tl = t - tbase;
    float *vt =
        V + ((size_t)(tl / SG3_MR) * (cin / 16) * SG3_MR + tl % SG3_MR) * 16;
    for (int cb = 0; cb < cin / 16; cb++) {
      const float *src = base + cb * w->xplane;
      float *v = vt + (size_t)cb * SG3_MR * 16;
      const v16 sv = w->in_scale ? ld(w->in_scale + cb * 16) : splat(1);
      v16 cols[6][6]; /* [b][a] = (B^T d)[a][b] */
#pragma GCC unroll 6
      for (int b = 0; b < 6; b++) {
        v16 d[6];
#pragma GCC unroll 6
        for (int a = 0; a < 6; a++)
          d[a] = ld(src + ((size_t)a * wp + b) * 16);
        wino_in6(d, cols[b]);
      }
#pragma GCC unroll 6
      for (int a = 0; a < 6; a++) {
        v16 d[6], r[6];
#pragma GCC unroll 6
        for (int b = 0; b < 6; b++)
          d[b] = cols[b][a];
        wino_in6(d, r);
#pragma GCC unroll 6
        for (int b = 0; b < 6; b++)
          st(v + (size_t)(a * 6 + b) * vs * (cin / 16),
             w->in_scale ? r[b] * sv : r[b]);
      }
    }
  }
}

#endif

/* Product xi over `rows` tiles (a multiple of SG3_MR) for output panels
 * p0..p1; rows past the tiles are stale but finite. */
static void wino_gemm(const sg3_wino *w, int xi, int rows, int p0, int p1,
                      float *V, float *M, size_t vs) {
  const int cin = w->cin, cout = w->cout;
  sg3_gemm g = {
      .ntaps = 1,
      .kblocks = cin / 16,
      .b = w->u + (size_t)xi * cin * cout + (size_t)p0 * cin * 16,
      .nout = (p1 - p0) * 16,
      .c = M + ((size_t)xi * (cout / 16) + p0) * vs,
      .cplane = vs,
      .m = rows,
      .mc = rows,
  };
  gemm_run(&g, 0, V + (size_t)xi * vs * (cin / 16), 0);
}

/* Output transform of tiles t0..t1, then the demodulation scale, the bias
 * and the epilogue. */
#ifndef SG3_AVX512
INLINE void wino_output_impl(const sg3_wino *w, int t0, int t1, int tbase,
                             const float *M, size_t vs, const int use_epi,
                             const int use_rgb) {
  const int cout = w->cout, tn = w->tn, n = w->n;
  const size_t wp = (size_t)w->wp;
  const sg3_torgb *rgb = w->rgb;
  /* ToRGB: per pixel of the tile, its channels' lane-wise sums */
  vn racc[16][4][NV];
  for (int t = t0; t < t1; t++) {
    const int ty = t / tn, tx = t % tn;
    const int ni = n - ty * 4 < 4 ? n - ty * 4 : 4;
    const int nj = n - tx * 4 < 4 ? n - tx * 4 : 4;
    float *out = w->out + ((size_t)ty * 4 * wp + (size_t)tx * 4) * 16;
    if (use_rgb)
      memset(racc, 0, sizeof racc);
    for (int ob = 0; ob < cout / 16; ob++)
      for (int h = 0; h < NV; h++) {
        vn wv[4];
        if (use_rgb)
          for (int c = 0; c < rgb->channels; c++)
            wv[c] = ldn(rgb->w + (size_t)c * cout + (size_t)ob * 16 + h * VN);
        const float *mt =
            M + (size_t)ob * vs + (size_t)(t - tbase) * 16 + h * VN;
        float *dst = out + ob * w->oplane + h * VN;
        vn rows[6][4]; /* [a][j] = (m A)[a][j] */
#pragma GCC unroll 6
        for (int a = 0; a < 6; a++) {
          vn m[6];
#pragma GCC unroll 6
          for (int b = 0; b < 6; b++)
            m[b] = ldn(mt + (size_t)(a * 6 + b) * vs * (cout / 16));
          wino_out6_n(m, rows[a]);
        }
        const vn sc = ldn(w->scale + ob * 16 + h * VN),
                 bi = ldn(w->bias + ob * 16 + h * VN);
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
          vn m[6], y[4];
#pragma GCC unroll 6
          for (int a = 0; a < 6; a++)
            m[a] = rows[a][j];
          wino_out6_n(m, y);
          if (j >= nj)
            continue;
#pragma GCC unroll 4
          for (int i = 0; i < 4; i++) {
            if (use_epi && i < ni) {
              const size_t pix = ((size_t)ty * 4 + i) * wp + (size_t)tx * 4 + j;
              const vn v = epi_apply_n(y[i] * sc, w->epi, pix,
                                       ob * w->oplane + pix * 16 + h * VN, bi);
              stn(dst + ((size_t)i * wp + j) * 16, v);
              if (use_rgb)
                for (int c = 0; c < rgb->channels; c++)
                  racc[i * 4 + j][c][h] += v * wv[c];
            } else if (i < ni) {
              stn(dst + ((size_t)i * wp + j) * 16, y[i] * sc + bi);
            }
          }
        }
      }
    if (use_rgb)
      for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++) {
          v16 acc[4];
          memcpy(acc, racc[i * 4 + j], sizeof acc);
          rgb_finish(rgb, acc,
                     ((size_t)ty * 4 + i) * rgb->size + (size_t)tx * 4 + j);
        }
  }
}
#else
INLINE void wino_output_impl(const sg3_wino *w, int t0, int t1, int tbase,
                             const float *M, size_t vs, const int use_epi,
                             const int use_rgb) {
  const int cout = w->cout, tn = w->tn, n = w->n;
  const size_t wp = (size_t)w->wp;
  epi_params ep;
  if (use_epi)
    ep = epi_load(w->epi);
  const sg3_torgb *rgb = w->rgb;
  v16 racc[16][4]; /* ToRGB: per pixel of the tile, its channels' sums */
  for (int t = t0; t < t1; t++) {
    const int ty = t / tn, tx = t % tn;
    const int ni = n - ty * 4 < 4 ? n - ty * 4 : 4;
    const int nj = n - tx * 4 < 4 ? n - tx * 4 : 4;
    float *out = w->out + ((size_t)ty * 4 * wp + (size_t)tx * 4) * 16;
    if (use_rgb)
      memset(racc, 0, sizeof racc);
    for (int ob = 0; ob < cout / 16; ob++) {
      v16 wv[4];
      if (use_rgb)
        for (int c = 0; c < rgb->channels; c++)
          wv[c] = ld(rgb->w + (size_t)c * cout + (size_t)ob * 16);
      const float *mt = M + (size_t)ob * vs + (size_t)(t - tbase) * 16;
      float *dst = out + ob * w->oplane;
      v16 rows[6][4]; /* [a][j] = (m A)[a][j] */
#pragma GCC unroll 6
      for (int a = 0; a < 6; a++) {
        v16 m[6];
#pragma GCC unroll 6
        for (int b = 0; b < 6; b++)
          m[b] = ld(mt + (size_t)(a * 6 + b) * vs * (cout / 16));
        wino_out6(m, rows[a]);
      }
      const v16 sc = ld(w->scale + ob * 16), bi = ld(w->bias + ob * 16);
#pragma GCC unroll 4
      for (int j = 0; j < 4; j++) {
        v16 m[6], y[4];
#pragma GCC unroll 6
        for (int a = 0; a < 6; a++)
          m[a] = rows[a][j];
        wino_out6(m, y);
        if (j >= nj)
          continue;
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
          if (use_epi && i < ni) {
            const size_t pix = ((size_t)ty * 4 + i) * wp + (size_t)tx * 4 + j;
            const v16 v =
                epi_apply(y[i] * sc, &ep, pix, ob * w->oplane + pix * 16, bi);
            st(dst + ((size_t)i * wp + j) * 16, v);
            if (use_rgb)
              for (int c = 0; c < rgb->channels; c++)
                racc[i * 4 + j][c] += v * wv[c];
          } else if (i < ni) {
            st(dst + ((size_t)i * wp + j) * 16, y[i] * sc + bi);
          }
        }
      }
    }
    if (use_rgb)
      for (int i = 0; i < ni; i++)
        for (int j = 0; j < nj; j++)
          rgb_finish(rgb, racc[i * 4 + j],
                     ((size_t)ty * 4 + i) * rgb->size + (size_t)tx * 4 + j);
  }
}

#endif

static void wino_output(const sg3_wino *w, int t0, int t1, int tbase,
                        const float *M, size_t vs) {
  if (w->rgb)
    wino_output_impl(w, t0, t1, tbase, M, vs, 1, 1);
  else if (w->epi)
    wino_output_impl(w, t0, t1, tbase, M, vs, 1, 0);
  else
    wino_output_impl(w, t0, t1, tbase, M, vs, 0, 0);
}

/* A run of `chunk` tiles from start to end in the thread's scratch. */
static void FN(wino_task)(const sg3_wino *w, int task, int thread) {
  const int tn = w->tn;
  const int t0 = task * w->chunk;
  const int t1 = t0 + w->chunk < tn * tn ? t0 + w->chunk : tn * tn;
  const int rows = (t1 - t0 + SG3_MR - 1) / SG3_MR * SG3_MR;
  const size_t vs = ((size_t)w->chunk + SG3_MR) * 16;
  float *V = w->scratch[thread], *M = V + 36 * vs * (w->cin / 16);
  wino_input(w, t0, t1, t0, V, vs);
  for (int xi = 0; xi < 36; xi++)
    wino_gemm(w, xi, rows, 0, w->cout / 16, V, M, vs);
  wino_output(w, t0, t1, t0, M, vs);
}

/* One stage of a group of tiles g0..g0+gn held in shared V and M (sg3_wino
 * fields of the group mode): 0, the input transform of micro-tile `task`;
 * 1, product task / pgroups for panel group task % pgroups; 2, the output
 * transform of micro-tile `task`. */
static void FN(wino_stage)(const sg3_wino *w, int stage, int task, int thread) {
  (void)thread;
  const int g1 = w->g0 + w->gn;
  if (stage == 1) {
    const int npg = (w->cout / 16 + w->pgroup - 1) / w->pgroup;
    const int xi = task / npg, pg = task % npg;
    const int p0 = pg * w->pgroup;
    const int p1 =
        p0 + w->pgroup < w->cout / 16 ? p0 + w->pgroup : w->cout / 16;
    const int rows = (w->gn + SG3_MR - 1) / SG3_MR * SG3_MR;
    wino_gemm(w, xi, rows, p0, p1, w->V, w->M, w->vs);
    return;
  }
  const int t0 = w->g0 + task * SG3_MR;
  const int t1 = t0 + SG3_MR < g1 ? t0 + SG3_MR : g1;
  if (stage == 0)
    wino_input(w, t0, t1, w->g0, w->V, w->vs);
  else
    wino_output(w, t0, t1, w->g0, w->M, w->vs);
}

/* ---- filtered_lrelu -----------------------------------------------------
 * One block of 16 channels and a strip of output rows at a time, streaming
 * down the image: each upsampled row is computed once (vertical then
 * horizontal polyphase pass, only the non-zero taps), goes through
 * gain/lrelu/clamp, and is filtered horizontally at the kept columns into a
 * ring of rows; every `down` rows the vertical down filter emits an output
 * row. A radial down filter keeps whole upsampled rows in the ring.
 *
 * The FIR loops compute PX neighbouring outputs at once, so that PX
 * independent FMA chains hide the latency; the usual tap counts (6 and 12)
 * are compiled as constants, which also lets the compiler load the
 * overlapping input windows once. */

#define PX 4

typedef struct {
  v16 gain, slope, lo, hi;
  int clamp;
} act_params;

/* bias_act's lrelu (0 <= slope <= 1), gain and clamp. */
INLINE v16 activate(v16 a, const act_params ap) {
  a = vmax(a, a * ap.slope) * ap.gain;
  if (ap.clamp)
    a = vmin(vmax(a, ap.lo), ap.hi);
  return a;
}

/* y[j * ystep] = act(sum_t f[t] x[j * step + t]) for j < n, in pixels of 16
 * floats. */
INLINE void fir(const float *x, const int step, const float *f, const int T,
                float *y, const int ystep, int n, const int act,
                const act_params ap) {
  int j = 0;
  for (; j + PX <= n; j += PX) {
    v16 acc[PX];
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      acc[p] = ld(x + (size_t)(j + p) * step * 16) * splat(f[0]);
#pragma GCC unroll 16
    for (int t = 1; t < T; t++)
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        acc[p] += ld(x + ((size_t)(j + p) * step + t) * 16) * splat(f[t]);
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      st(y + (size_t)(j + p) * ystep * 16, act ? activate(acc[p], ap) : acc[p]);
  }
  for (; j < n; j++) {
    v16 acc = ld(x + (size_t)j * step * 16) * splat(f[0]);
    for (int t = 1; t < T; t++)
      acc += ld(x + ((size_t)j * step + t) * 16) * splat(f[t]);
    st(y + (size_t)j * ystep * 16, act ? activate(acc, ap) : acc);
  }
}

__attribute__((unused)) static void
fir_dispatch(const float *x, int step, const float *f, int T, float *y,
             int ystep, int n, int act, const act_params *app) {
  /* Local copies: stores to y could otherwise alias the parameters. */
  const act_params ap = *app;
  if (act) {
    if (T == 6 && step == 1 && ap.clamp)
      fir(x, 1, f, 6, y, ystep, n, 1, ap);
    else
      fir(x, step, f, T, y, ystep, n, 1, ap);
  } else {
    if (T == 12 && step == 2)
      fir(x, 2, f, 12, y, ystep, n, 0, ap);
    else
      fir(x, step, f, T, y, ystep, n, 0, ap);
  }
}

/* y[i] = sum_t f[t] x[t * rs + i * ps] for i < n: a vertical FIR. */
INLINE void vfir(const float *x, size_t rs, size_t ps, const float *f,
                 const int T, float *y, int n) {
  int i = 0;
  for (; i + PX <= n; i += PX) {
    v16 acc[PX];
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      acc[p] = ld(x + (size_t)(i + p) * ps) * splat(f[0]);
#pragma GCC unroll 16
    for (int t = 1; t < T; t++)
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        acc[p] += ld(x + t * rs + (size_t)(i + p) * ps) * splat(f[t]);
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      st(y + (size_t)(i + p) * 16, acc[p]);
  }
  for (; i < n; i++) {
    v16 acc = ld(x + (size_t)i * ps) * splat(f[0]);
    for (int t = 1; t < T; t++)
      acc += ld(x + t * rs + (size_t)i * ps) * splat(f[t]);
    st(y + (size_t)i * 16, acc);
  }
}

/* One output pixel: scaled channels-last, or planar. */
INLINE void emit(const sg3_filter *f, int blk, int oy, int ox, v16 acc,
                 v16 sc) {
  const int S = f->p->size;
  if (f->planar) {
    float lanes[16];
    st(lanes, acc);
    for (int c = 0; c < 16 && blk * 16 + c < f->planar; c++)
      f->y[((size_t)(blk * 16 + c) * S + oy) * S + ox] =
          lanes[c] * f->planar_scale;
  } else {
    if (f->scale)
      acc *= sc;
    st(f->y + blk * f->y_plane + oy * f->y_rs + (size_t)ox * 16, acc);
  }
}

/* The vertical down filter over the ring rows rp[t] (separable case). */
INLINE void down_rows(const sg3_filter *f, int blk, int oy,
                      const float *const *rp, const int T, v16 sc) {
  const float *fd = f->p->fd;
  const int S = f->p->size;
  int ox = 0;
  for (; ox + PX <= S; ox += PX) {
    v16 acc[PX];
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      acc[p] = ld(rp[0] + (size_t)(ox + p) * 16) * splat(fd[0]);
#pragma GCC unroll 16
    for (int t = 1; t < T; t++)
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        acc[p] += ld(rp[t] + (size_t)(ox + p) * 16) * splat(fd[t]);
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      emit(f, blk, oy, ox + p, acc[p], sc);
  }
  for (; ox < S; ox++) {
    v16 acc = ld(rp[0] + (size_t)ox * 16) * splat(fd[0]);
    for (int t = 1; t < T; t++)
      acc += ld(rp[t] + (size_t)ox * 16) * splat(fd[t]);
    emit(f, blk, oy, ox, acc, sc);
  }
}

/* The 2-D (radial) down filter over rows rp[ty] for ty < Ty, taps Tx wide
 * (rows of fd are Tx apart). */
INLINE void down_radial(const sg3_filter *f, int blk, int oy,
                        const float *const *rp, int Ty, const int Tx,
                        const int D, v16 sc) {
  const float *fd = f->p->fd;
  const int S = f->p->size;
  int ox = 0;
  for (; ox + PX <= S; ox += PX) {
    v16 acc[PX];
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      acc[p] = (v16){0};
    for (int ty = 0; ty < Ty; ty++) {
      const float *r = rp[ty] + (size_t)ox * D * 16;
      const float *fr = fd + (size_t)ty * Tx;
#pragma GCC unroll 16
      for (int tx = 0; tx < Tx; tx++)
#pragma GCC unroll 4
        for (int p = 0; p < PX; p++)
          acc[p] += ld(r + ((size_t)p * D + tx) * 16) * splat(fr[tx]);
    }
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      emit(f, blk, oy, ox + p, acc[p], sc);
  }
  for (; ox < S; ox++) {
    v16 acc = {0};
    for (int ty = 0; ty < Ty; ty++)
      for (int tx = 0; tx < Tx; tx++)
        acc +=
            ld(rp[ty] + ((size_t)ox * D + tx) * 16) * splat(fd[ty * Tx + tx]);
    emit(f, blk, oy, ox, acc, sc);
  }
}

/* The official radial filter (12 taps, down 2) is symmetric in both axes.
 * Each output is sum_{a < 6} sum_{c < 12} f[a][c] (r_a + r_{11-a})[2 ox + c]:
 * the row pairs are added once per column of a run of RPX outputs and every
 * sum feeds the outputs it reaches, so only the accumulators, the row taps
 * (six by symmetry) and one sum are live; the ring is read in place. Each
 * output's terms are summed in the order (a, c) wherever its run starts. */
#ifdef SG3_AVX512
#define RPX 16
#else
#define RPX 4
#endif
INLINE void down_radial12_run(const float *fd, const float *const *rp, int ox0,
                              const int P, v16 *acc) {
#pragma GCC unroll 16
  for (int p = 0; p < P; p++)
    acc[p] = (v16){0};
  for (int a = 0; a < 6; a++) {
    const float *ra = rp[a] + (size_t)ox0 * 32,
                *rb = rp[11 - a] + (size_t)ox0 * 32;
    /* Hidden from the loop optimiser, which otherwise keeps one induction
     * variable per column (on the stack) instead of constant offsets. */
    __asm__("" : "+r"(ra), "+r"(rb));
    v16 w[6];
#pragma GCC unroll 6
    for (int t = 0; t < 6; t++)
      w[t] = splat(fd[a * 12 + t]);
#pragma GCC unroll 64
    for (int c = 0; c < 2 * P + 10; c++) {
      const v16 v = ld(ra + (size_t)c * 16) + ld(rb + (size_t)c * 16);
#pragma GCC unroll 16
      for (int p = 0; p < P; p++) {
        const int t = c - 2 * p;
        if (t >= 0 && t < 12)
          acc[p] += v * w[t < 6 ? t : 11 - t];
      }
    }
  }
}

__attribute__((unused)) static void down_radial12(const sg3_filter *f, int blk,
                                                  int oy,
                                                  const float *const *rp,
                                                  v16 sc) {
  const float *fd = f->p->fd;
  const int S = f->p->size;
  int ox = 0;
  v16 acc[RPX];
  for (; ox + RPX <= S; ox += RPX) {
    down_radial12_run(fd, rp, ox, RPX, acc);
#pragma GCC unroll 16
    for (int p = 0; p < RPX; p++)
      emit(f, blk, oy, ox + p, acc[p], sc);
  }
  for (; ox < S; ox++) {
    down_radial12_run(fd, rp, ox, 1, acc);
    emit(f, blk, oy, ox, acc[0], sc);
  }
}

/* A radial filter is symmetric top to bottom: rows ty and T-1-ty share
 * their taps, so adding those rows first halves the products. */
__attribute__((unused)) static void down_radial_rows(const sg3_filter *f,
                                                     int blk, int oy,
                                                     const float **rp,
                                                     float *fold, v16 sc) {
  const sg3_filter_plan *p = f->p;
  const int T = p->dtaps, D = p->down;
  int Ty = T;
  if (p->radial_sym12) {
    down_radial12(f, blk, oy, rp, sc);
    return;
  }
  if (p->radial_fold) {
    const size_t w = ((size_t)(p->size - 1) * D + T) * 16;
    Ty = (T + 1) / 2;
    for (int ty = 0; ty < T / 2; ty++) {
      float *dst = fold + ty * w;
      const float *a = rp[ty], *b = rp[T - 1 - ty];
      for (size_t i = 0; i < w; i += 16)
        st(dst + i, ld(a + i) + ld(b + i));
      rp[ty] = dst;
    }
  }
  if (T == 12 && D == 2)
    down_radial(f, blk, oy, rp, Ty, 12, 2, sc);
  else
    down_radial(f, blk, oy, rp, Ty, T, D, sc);
}

#ifndef SG3_AVX512
/* The filter's loops on register-wide vectors, lanes h * VN.. of the 16
 * channels at a time (v16 accumulator arrays go through the stack and
 * general registers below AVX-512). Every output sums its taps in the same
 * order as the v16 code, so the bits are the same; PXN outputs at once. */
#define PXN 8
typedef struct {
  float gain, slope, lo, hi;
  int clamp;
} act_n;

INLINE vn activate_n(vn a, const act_n ap) {
  a = vmaxn(a, a * ap.slope) * ap.gain;
  if (ap.clamp)
    a = vminn(vmaxn(a, ap.lo - (vn){0}), ap.hi - (vn){0});
  return a;
}

INLINE void fir_n(const float *x, const int step, const float *f, const int T,
                  float *y, const int ystep, int n, const int act,
                  const act_n ap) {
  for (int h = 0; h < NV; h++) {
    const float *xh = x + h * VN;
    float *yh = y + h * VN;
    int j = 0;
    for (; j + PXN <= n; j += PXN) {
      vn acc[PXN];
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        acc[p] = ldn(xh + (size_t)(j + p) * step * 16) * f[0];
#pragma GCC unroll 16
      for (int t = 1; t < T; t++)
#pragma GCC unroll 8
        for (int p = 0; p < PXN; p++)
          acc[p] += ldn(xh + ((size_t)(j + p) * step + t) * 16) * f[t];
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        stn(yh + (size_t)(j + p) * ystep * 16,
            act ? activate_n(acc[p], ap) : acc[p]);
    }
    for (; j < n; j++) {
      vn acc = ldn(xh + (size_t)j * step * 16) * f[0];
      for (int t = 1; t < T; t++)
        acc += ldn(xh + ((size_t)j * step + t) * 16) * f[t];
      stn(yh + (size_t)j * ystep * 16, act ? activate_n(acc, ap) : acc);
    }
  }
}

static void fir_dispatch_n(const float *x, int step, const float *f, int T,
                           float *y, int ystep, int n, int act,
                           const act_n *app) {
  const act_n ap = *app;
  if (act) {
    if (T == 6 && step == 1 && ap.clamp)
      fir_n(x, 1, f, 6, y, ystep, n, 1, ap);
    else
      fir_n(x, step, f, T, y, ystep, n, 1, ap);
  } else {
    if (T == 12 && step == 2)
      fir_n(x, 2, f, 12, y, ystep, n, 0, ap);
    else
      fir_n(x, step, f, T, y, ystep, n, 0, ap);
  }
}

INLINE void vfir_n(const float *x, size_t rs, size_t ps, const float *f,
                   const int T, float *y, int n) {
  for (int h = 0; h < NV; h++) {
    const float *xh = x + h * VN;
    float *yh = y + h * VN;
    int i = 0;
    for (; i + PXN <= n; i += PXN) {
      vn acc[PXN];
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        acc[p] = ldn(xh + (size_t)(i + p) * ps) * f[0];
#pragma GCC unroll 16
      for (int t = 1; t < T; t++)
#pragma GCC unroll 8
        for (int p = 0; p < PXN; p++)
          acc[p] += ldn(xh + t * rs + (size_t)(i + p) * ps) * f[t];
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        stn(yh + (size_t)(i + p) * 16, acc[p]);
    }
    for (; i < n; i++) {
      vn acc = ldn(xh + (size_t)i * ps) * f[0];
      for (int t = 1; t < T; t++)
        acc += ldn(xh + t * rs + (size_t)i * ps) * f[t];
      stn(yh + (size_t)i * 16, acc);
    }
  }
}

INLINE vn scale_n(const sg3_filter *f, int blk, int h) {
  return f->scale ? ldn(f->scale + blk * 16 + h * VN) : 1 - (vn){0};
}

INLINE void emit_n(const sg3_filter *f, int blk, int h, int oy, int ox, vn acc,
                   vn sc) {
  const int S = f->p->size;
  if (f->planar) {
    float lanes[VN];
    stn(lanes, acc);
    for (int c = 0; c < VN && blk * 16 + h * VN + c < f->planar; c++)
      f->y[((size_t)(blk * 16 + h * VN + c) * S + oy) * S + ox] =
          lanes[c] * f->planar_scale;
  } else {
    if (f->scale)
      acc *= sc;
    stn(f->y + blk * f->y_plane + oy * f->y_rs + (size_t)ox * 16 + h * VN, acc);
  }
}

INLINE void down_rows_n(const sg3_filter *f, int blk, int oy,
                        const float *const *rp, const int T) {
  const float *fd = f->p->fd;
  const int S = f->p->size;
  for (int h = 0; h < NV; h++) {
    const vn sc = scale_n(f, blk, h);
    int ox = 0;
    for (; ox + PXN <= S; ox += PXN) {
      vn acc[PXN];
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        acc[p] = ldn(rp[0] + (size_t)(ox + p) * 16 + h * VN) * fd[0];
#pragma GCC unroll 16
      for (int t = 1; t < T; t++)
#pragma GCC unroll 8
        for (int p = 0; p < PXN; p++)
          acc[p] += ldn(rp[t] + (size_t)(ox + p) * 16 + h * VN) * fd[t];
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        emit_n(f, blk, h, oy, ox + p, acc[p], sc);
    }
    for (; ox < S; ox++) {
      vn acc = ldn(rp[0] + (size_t)ox * 16 + h * VN) * fd[0];
      for (int t = 1; t < T; t++)
        acc += ldn(rp[t] + (size_t)ox * 16 + h * VN) * fd[t];
      emit_n(f, blk, h, oy, ox, acc, sc);
    }
  }
}

INLINE void down_radial_n(const sg3_filter *f, int blk, int oy,
                          const float *const *rp, int Ty, const int Tx,
                          const int D) {
  const float *fd = f->p->fd;
  const int S = f->p->size;
  for (int h = 0; h < NV; h++) {
    const vn sc = scale_n(f, blk, h);
    int ox = 0;
    for (; ox + PXN <= S; ox += PXN) {
      vn acc[PXN];
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        acc[p] = (vn){0};
      for (int ty = 0; ty < Ty; ty++) {
        const float *r = rp[ty] + (size_t)ox * D * 16 + h * VN;
        const float *fr = fd + (size_t)ty * Tx;
#pragma GCC unroll 16
        for (int tx = 0; tx < Tx; tx++)
#pragma GCC unroll 8
          for (int p = 0; p < PXN; p++)
            acc[p] += ldn(r + ((size_t)p * D + tx) * 16) * fr[tx];
      }
#pragma GCC unroll 8
      for (int p = 0; p < PXN; p++)
        emit_n(f, blk, h, oy, ox + p, acc[p], sc);
    }
    for (; ox < S; ox++) {
      vn acc = {0};
      for (int ty = 0; ty < Ty; ty++)
        for (int tx = 0; tx < Tx; tx++)
          acc += ldn(rp[ty] + ((size_t)ox * D + tx) * 16 + h * VN) *
                 fd[ty * Tx + tx];
      emit_n(f, blk, h, oy, ox, acc, sc);
    }
  }
}

#if defined(__AVX__)
#define RPXN 8
#else
#define RPXN 4
#endif
INLINE void down_radial12_run_n(const float *fd, const float *const *rp,
                                int ox0, int h, const int P, vn *acc) {
#pragma GCC unroll 16
  for (int p = 0; p < P; p++)
    acc[p] = (vn){0};
  for (int a = 0; a < 6; a++) {
    const float *ra = rp[a] + (size_t)ox0 * 32 + h * VN,
                *rb = rp[11 - a] + (size_t)ox0 * 32 + h * VN;
    __asm__("" : "+r"(ra), "+r"(rb));
    vn w[6];
#pragma GCC unroll 6
    for (int t = 0; t < 6; t++)
      w[t] = fd[a * 12 + t] - (vn){0};
#pragma GCC unroll 64
    for (int c = 0; c < 2 * P + 10; c++) {
      const vn v = ldn(ra + (size_t)c * 16) + ldn(rb + (size_t)c * 16);
#pragma GCC unroll 16
      for (int p = 0; p < P; p++) {
        const int t = c - 2 * p;
        if (t >= 0 && t < 12)
          acc[p] += v * w[t < 6 ? t : 11 - t];
      }
    }
  }
}

static void down_radial12_n(const sg3_filter *f, int blk, int oy,
                            const float *const *rp) {
  const float *fd = f->p->fd;
  const int S = f->p->size;
  vn acc[RPXN];
  for (int h = 0; h < NV; h++) {
    const vn sc = scale_n(f, blk, h);
    int ox = 0;
    for (; ox + RPXN <= S; ox += RPXN) {
      down_radial12_run_n(fd, rp, ox, h, RPXN, acc);
#pragma GCC unroll 16
      for (int p = 0; p < RPXN; p++)
        emit_n(f, blk, h, oy, ox + p, acc[p], sc);
    }
    for (; ox < S; ox++) {
      down_radial12_run_n(fd, rp, ox, h, 1, acc);
      emit_n(f, blk, h, oy, ox, acc[0], sc);
    }
  }
}

static void down_radial_rows_n(const sg3_filter *f, int blk, int oy,
                               const float **rp, float *fold) {
  const sg3_filter_plan *p = f->p;
  const int T = p->dtaps, D = p->down;
  int Ty = T;
  if (p->radial_sym12) {
    down_radial12_n(f, blk, oy, rp);
    return;
  }
  if (p->radial_fold) {
    const size_t w = ((size_t)(p->size - 1) * D + T) * 16;
    Ty = (T + 1) / 2;
    for (int ty = 0; ty < T / 2; ty++) {
      float *dst = fold + ty * w;
      const float *a = rp[ty], *b = rp[T - 1 - ty];
      for (size_t i = 0; i < w; i += VN)
        stn(dst + i, ldn(a + i) + ldn(b + i));
      rp[ty] = dst;
    }
  }
  if (T == 12 && D == 2)
    down_radial_n(f, blk, oy, rp, Ty, 12, 2);
  else
    down_radial_n(f, blk, oy, rp, Ty, T, D);
}
#endif

#ifdef SG3_AVX512
#define FT_VFIR vfir
#define FT_FIR(x, st, fl, T, y, ys, n, act, ap)                                \
  fir_dispatch(x, st, fl, T, y, ys, n, act, ap)
#define FT_RADIAL(f, blk, oy, rp, fold, sc)                                    \
  down_radial_rows(f, blk, oy, rp, fold, sc)
#define FT_ROWS(f, blk, oy, rp, T, sc) down_rows(f, blk, oy, rp, T, sc)
#else
#define FT_VFIR vfir_n
#define FT_FIR(x, st, fl, T, y, ys, n, act, ap)                                \
  fir_dispatch_n(x, st, fl, T, y, ys, n, act, &apn)
#define FT_RADIAL(f, blk, oy, rp, fold, sc)                                    \
  down_radial_rows_n(f, blk, oy, rp, fold)
#define FT_ROWS(f, blk, oy, rp, T, sc) down_rows_n(f, blk, oy, rp, T)
#endif
static void FN(filter_task)(const sg3_filter *f, int task, int thread) {
  const sg3_filter_plan *p = f->p;
  const int blk = task % f->nblocks, strip = task / f->nblocks;
  const int S = p->size, n = p->n, wu = p->wu, D = p->down, dt = p->dtaps;
  const int oy0 = (int)((long)S * strip / f->nstrips);
  const int oy1 = (int)((long)S * (strip + 1) / f->nstrips);
  if (oy0 >= oy1)
    return;
  const int ring_w = p->radial ? wu : S;
  float *scratch = f->scratch[thread];
  float *vrow = scratch; /* (margin_l + n + margin_r) pixels */
  const int vlen = p->margin_l + n + p->margin_r;
  float *ring = vrow + (size_t)vlen * 16; /* dt rows of ring_w pixels */
  float *urow_sep = ring + (size_t)dt * ring_w * 16; /* wu pixels */
  float *fold = urow_sep; /* radial: dt / 2 rows of wu pixels */

  const float *x = f->x + blk * f->x_plane;
  const size_t x_rs = f->x_rs, x_ps = 16;
  const sg3_up_plan *ux = &p->ux, *uy = &p->uy;
  const act_params ap = {splat(p->gain), splat(p->slope), splat(-p->clamp),
                         splat(p->clamp), p->clamp >= 0};
  const v16 zero = {0};
  const v16 sc = f->scale ? ld(f->scale + blk * 16) : splat(1);
#ifndef SG3_AVX512
  const act_n apn = {p->gain, p->slope, -p->clamp, p->clamp, p->clamp >= 0};
  (void)ap;
  (void)sc;
#endif
  for (int i = 0; i < p->margin_l; i++)
    st(vrow + i * 16, zero);
  for (int i = 0; i < p->margin_r; i++)
    st(vrow + (size_t)(p->margin_l + n + i) * 16, zero);
  float *vin = vrow + (size_t)p->margin_l * 16;
  const float *rp[SG3_MAX_DOWN_TAPS];

  const int u0 = oy0 * D, u1 = (oy1 - 1) * D + dt; /* upsampled rows */
  for (int u = u0; u < u1; u++) {
    /* Vertical upsampling: input rows q + base + t that exist. */
    {
      const int r = u % uy->up, q = u / uy->up;
      const int i0 = q + uy->base[r];
      const float *fr = uy->f + (size_t)r * uy->taps;
      int t0 = i0 < 0 ? -i0 : 0;
      int t1 = i0 + uy->taps > n ? n - i0 : uy->taps;
      if (t0 >= t1) {
        for (int xx = 0; xx < n; xx++)
          st(vin + xx * 16, zero);
      } else {
        const float *xr = x + (size_t)(i0 + t0) * x_rs;
        if (t1 - t0 == 6)
          FT_VFIR(xr, x_rs, x_ps, fr + t0, 6, vin, n);
        else
          FT_VFIR(xr, x_rs, x_ps, fr + t0, t1 - t0, vin, n);
      }
    }
    /* Horizontal upsampling, gain, leaky ReLU, clamp. */
    float *urow = p->radial ? ring + (size_t)(u % dt) * wu * 16 : urow_sep;
    for (int r = 0; r < ux->up && r < wu; r++)
      FT_FIR(vin + (ptrdiff_t)ux->base[r] * 16, 1, ux->f + (size_t)r * ux->taps,
             ux->taps, urow + r * 16, ux->up, (wu - r + ux->up - 1) / ux->up, 1,
             &ap);
    /* Horizontal down filter at the kept columns. */
    if (!p->radial)
      FT_FIR(urow, D, p->fd, dt, ring + (size_t)(u % dt) * S * 16, 1, S, 0,
             &ap);
    /* An output row once its last tap row is in the ring. */
    const int first = u - dt + 1, oy = first / D;
    if (first < 0 || first % D || oy < oy0 || oy >= oy1)
      continue;
    for (int t = 0; t < dt; t++)
      rp[t] = ring + (size_t)((first + t) % dt) * ring_w * 16;
    if (p->radial) {
      FT_RADIAL(f, blk, oy, rp, fold, sc);
    } else {
      if (dt == 12)
        FT_ROWS(f, blk, oy, rp, 12, sc);
      else
        FT_ROWS(f, blk, oy, rp, dt, sc);
    }
  }
}
#undef FT_VFIR
#undef FT_FIR
#undef FT_RADIAL
#undef FT_ROWS

/* ---- The FIR after a stride-2 transposed convolution (sg3_upfir) --------
 * One block of 16 channels and a strip of output rows: each output row is
 * the vertical FIR of the phase rows it needs, interleaved into a row of
 * the transposed convolution's columns, then the horizontal FIR, the bias
 * and the epilogue. */

/* acc = sum_k f[k] rows[k][q] for 16-channel pixels q. */
INLINE void upfir_column(const float *const *rows, const float *f, const int T,
                         int q0, int q1, float *dst, int dstep) {
  int q = q0;
  for (; q + PX <= q1; q += PX) {
    v16 acc[PX];
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      acc[p] = ld(rows[0] + (size_t)(q + p) * 16) * splat(f[0]);
#pragma GCC unroll 16
    for (int k = 1; k < T; k++)
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        acc[p] += ld(rows[k] + (size_t)(q + p) * 16) * splat(f[k]);
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      st(dst + (size_t)(q + p - q0) * dstep * 16, acc[p]);
  }
  for (; q < q1; q++) {
    v16 acc = ld(rows[0] + (size_t)q * 16) * splat(f[0]);
    for (int k = 1; k < T; k++)
      acc += ld(rows[k] + (size_t)q * 16) * splat(f[k]);
    st(dst + (size_t)(q - q0) * dstep * 16, acc);
  }
}

#ifndef SG3_AVX512
/* upfir_column and upfir_row on register-wide vectors, lanes h * VN.. of
 * the 16 channels at a time. */
INLINE void upfir_column_n(const float *const *rows, const float *f,
                           const int T, int q0, int q1, float *dst, int dstep) {
  for (int h = 0; h < NV; h++) {
    int q = q0;
    for (; q + PX <= q1; q += PX) {
      vn acc[PX];
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        acc[p] = ldn(rows[0] + (size_t)(q + p) * 16 + h * VN) * f[0];
#pragma GCC unroll 16
      for (int k = 1; k < T; k++)
#pragma GCC unroll 4
        for (int p = 0; p < PX; p++)
          acc[p] += ldn(rows[k] + (size_t)(q + p) * 16 + h * VN) * f[k];
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        stn(dst + (size_t)(q + p - q0) * dstep * 16 + h * VN, acc[p]);
    }
    for (; q < q1; q++) {
      vn acc = ldn(rows[0] + (size_t)q * 16 + h * VN) * f[0];
      for (int k = 1; k < T; k++)
        acc += ldn(rows[k] + (size_t)q * 16 + h * VN) * f[k];
      stn(dst + (size_t)(q - q0) * dstep * 16 + h * VN, acc);
    }
  }
}

INLINE void upfir_row_n(const float *vin, const float *f, const int T, int S,
                        const float *bias, const sg3_epilogue *e,
                        const float *noise, float *out) {
  for (int h = 0; h < NV; h++) {
    const vn bi = ldn(bias + h * VN);
    int x = 0;
    for (; x + PX <= S; x += PX) {
      vn acc[PX];
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        acc[p] = ldn(vin + (size_t)(x + p) * 16 + h * VN) * f[0];
#pragma GCC unroll 16
      for (int k = 1; k < T; k++)
#pragma GCC unroll 4
        for (int p = 0; p < PX; p++)
          acc[p] += ldn(vin + (size_t)(x + p + k) * 16 + h * VN) * f[k];
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++) {
        vn v = acc[p];
        if (noise)
          v += noise[x + p];
        stn(out + (size_t)(x + p) * 16 + h * VN, epi_apply_n(v, e, 0, 0, bi));
      }
    }
    for (; x < S; x++) {
      vn acc = ldn(vin + (size_t)x * 16 + h * VN) * f[0];
      for (int k = 1; k < T; k++)
        acc += ldn(vin + (size_t)(x + k) * 16 + h * VN) * f[k];
      vn v = acc;
      if (noise)
        v += noise[x];
      stn(out + (size_t)x * 16 + h * VN, epi_apply_n(v, e, 0, 0, bi));
    }
  }
}
#endif

static void upfir_vertical(const float *const *rows, const float *f, int T,
                           int q0, int q1, float *dst, int dstep) {
#ifdef SG3_AVX512
  if (T == 4)
    upfir_column(rows, f, 4, q0, q1, dst, dstep);
  else
    upfir_column(rows, f, T, q0, q1, dst, dstep);
#else
  if (T == 4)
    upfir_column_n(rows, f, 4, q0, q1, dst, dstep);
  else
    upfir_column_n(rows, f, T, q0, q1, dst, dstep);
#endif
}

/* out[x] = epilogue(sum_k f[k] vin[x + k] + bias) for x < S. */
INLINE void upfir_row(const float *vin, const float *f, const int T, int S,
                      v16 bi, const epi_params *ep, const float *noise,
                      float *out) {
  int x = 0;
  for (; x + PX <= S; x += PX) {
    v16 acc[PX];
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++)
      acc[p] = ld(vin + (size_t)(x + p) * 16) * splat(f[0]);
#pragma GCC unroll 16
    for (int k = 1; k < T; k++)
#pragma GCC unroll 4
      for (int p = 0; p < PX; p++)
        acc[p] += ld(vin + (size_t)(x + p + k) * 16) * splat(f[k]);
#pragma GCC unroll 4
    for (int p = 0; p < PX; p++) {
      v16 v = acc[p];
      if (noise)
        v += splat(noise[x + p]);
      st(out + (size_t)(x + p) * 16, epi_apply(v, ep, 0, 0, bi));
    }
  }
  for (; x < S; x++) {
    v16 acc = ld(vin + (size_t)x * 16) * splat(f[0]);
    for (int k = 1; k < T; k++)
      acc += ld(vin + (size_t)(x + k) * 16) * splat(f[k]);
    v16 v = acc;
    if (noise)
      v += splat(noise[x]);
    st(out + (size_t)x * 16, epi_apply(v, ep, 0, 0, bi));
  }
}

static void FN(upfir_task)(const sg3_upfir *u, int task, int thread) {
  const int blk = task % u->nblocks, strip = task / u->nblocks;
  const int S = u->size, n = u->n, T = u->taps, pad = u->pad;
  const int y0 = (int)((long)S * strip / u->nstrips);
  const int y1 = (int)((long)S * (strip + 1) / u->nstrips);
  const int W = S + T - 1; /* columns x' = i - pad of the vertical pass */
  float *vin = u->scratch[thread];
  const v16 bi = ld(u->bias + blk * 16), zero = {0};
  /* The noise is added here (its row changes), the rest by epi_apply. */
  epi_params ep = epi_load(&u->epi);
  ep.noise = NULL;
  ep.residual = NULL;
  sg3_epilogue e = u->epi;
  e.noise = NULL;
  e.residual = NULL;
  (void)e;
  for (int y = y0; y < y1; y++) {
    const float *re[SG3_UPFIR_MAX_TAPS], *ro[SG3_UPFIR_MAX_TAPS];
    float fk[SG3_UPFIR_MAX_TAPS];
    int nk = 0;
    for (int k = 0; k < T; k++) {
      const int r = y + k - pad; /* a row of t */
      if (r < 0 || r > 2 * n)
        continue;
      const size_t off = blk * u->ph_plane + (size_t)(r >> 1) * u->ph_rs;
      re[nk] = u->ph[2 * (r & 1)] + off;
      ro[nk] = u->ph[2 * (r & 1) + 1] + off;
      fk[nk++] = u->f[k];
    }
    /* Columns x' < 0 and x' > 2n are zeros; even x' = 2q come from the
     * px = 0 phases (q <= n), odd ones from px = 1 (q < n). */
    for (int i = 0; i < W; i++) {
      const int xp = i - pad;
      if (nk == 0 || xp < 0 || xp > 2 * n)
        st(vin + (size_t)i * 16, zero);
    }
    if (nk > 0) {
      /* x' = 2q + par at i = x' + pad < W (pad >= 0). */
      int qe = n + 1 < (W - 1 - pad) / 2 + 1 ? n + 1 : (W - 1 - pad) / 2 + 1;
      int qo = n < (W - 2 - pad) / 2 + 1 ? n : (W - 2 - pad) / 2 + 1;
      if (qe > 0)
        upfir_vertical(re, fk, nk, 0, qe, vin + (size_t)pad * 16, 2);
      if (qo > 0)
        upfir_vertical(ro, fk, nk, 0, qo, vin + (size_t)(pad + 1) * 16, 2);
    }
    float *out = u->out + blk * u->out_plane + (size_t)y * u->out_rs;
    const float *noise =
        u->epi.noise ? u->epi.noise + (size_t)y * u->noise_rs : NULL;
#ifdef SG3_AVX512
    if (T == 4)
      upfir_row(vin, u->f, 4, S, bi, &ep, noise, out);
    else
      upfir_row(vin, u->f, T, S, bi, &ep, noise, out);
#else
    (void)bi;
    (void)ep;
    if (T == 4)
      upfir_row_n(vin, u->f, 4, S, u->bias + blk * 16, &e, noise, out);
    else
      upfir_row_n(vin, u->f, T, S, u->bias + blk * 16, &e, noise, out);
#endif
  }
}

/* ---- ToRGB (sg3_torgb) ---------------------------------------------------
 * Per pixel, the channels' dot products over the input blocks lane by
 * lane, then the 16 lanes summed in a fixed order: the same arithmetic as
 * ToRGB fused into the Winograd output transform (wino_output_impl). */

static void FN(torgb_task)(const sg3_torgb *t, int task, int thread) {
  (void)thread;
  const int S = t->size, C = t->channels, nb = t->nblocks;
  const int y0 = task * t->rows, y1 = y0 + t->rows < S ? y0 + t->rows : S;
  const size_t K = (size_t)nb * 16;
  for (int y = y0; y < y1; y++) {
    const float *xr = t->x + (size_t)y * t->x_rs;
    for (int x = 0; x < S; x++) {
      v16 acc[4] = {{0}, {0}, {0}, {0}};
      for (int b = 0; b < nb; b++) {
        const v16 v = ld(xr + b * t->x_plane + (size_t)x * 16);
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++)
          if (c < C)
            acc[c] += v * ld(t->w + c * K + (size_t)b * 16);
      }
      rgb_finish(t, acc, (size_t)y * S + x);
    }
  }
}

/* ---- Fully-connected layers ----------------------------------------------
 * y[o] = dot(w[o], x): 64 running sums per row. */
static void FN(matvec)(const float *w, const float *x, float *y, int out,
                       int in) {
  const int in64 = in / 64 * 64, in16 = in / 16 * 16;
  for (int o = 0; o < out; o++) {
    const float *wr = w + (size_t)o * in;
    v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int i = 0;
    for (; i < in64; i += 64) {
      a0 += ld(wr + i) * ld(x + i);
      a1 += ld(wr + i + 16) * ld(x + i + 16);
      a2 += ld(wr + i + 32) * ld(x + i + 32);
      a3 += ld(wr + i + 48) * ld(x + i + 48);
    }
    for (; i < in16; i += 16)
      a0 += ld(wr + i) * ld(x + i);
    v16 a = (a0 + a1) + (a2 + a3);
    float lanes[16], sum = 0;
    st(lanes, a);
    for (int j = 0; j < 16; j++)
      sum += lanes[j];
    for (; i < in; i++)
      sum += wr[i] * x[i];
    y[o] = sum;
  }
}

const sg3_simd FN(sg3_simd) = {
    .matvec = FN(matvec),
    .name = SG3_STR(SG3_ISA),
    .mr = SG3_MR,
    .gemm_task = FN(gemm_task),
    .filter_task = FN(filter_task),
    .wino_task = FN(wino_task),
    .wino_stage = FN(wino_stage),
    .upfir_task = FN(upfir_task),
    .torgb_task = FN(torgb_task),
};
