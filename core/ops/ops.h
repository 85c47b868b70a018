/* The forward-pass operators, named after the official code. Activations
 * are channels-last with channels padded to SG3_CBLOCK (kernels.h). */
#ifndef SG3_OPS_H
#define SG3_OPS_H

#include "generator.h"
#include "model.h"

/* Floats per block of 16 channels (kernels.h) of a layer's conv input:
 * zero-padded by k - 1 on every side (row pitch in_size + 2k - 2), plus the
 * rows a Winograd convolution reads past it and the GEMM's slack. */
static inline size_t sg3_xin_plane(const sg3_layer *l) {
  size_t k = l->cfg->conv_kernel, wp = l->cfg->in_size + 2 * (k - 1);
  size_t rows = wp + (l->winograd ? SG3_WINO_ROWS_PAST : 0);
  return (rows * wp + SG3_GEMM_SLACK + k) * SG3_CBLOCK;
}
/* ... and of its conv output: in_size + k - 1 rows of the same pitch. */
static inline size_t sg3_conv_plane(const sg3_layer *l) {
  size_t k = l->cfg->conv_kernel, wp = l->cfg->in_size + 2 * (k - 1);
  return ((l->cfg->in_size + k - 1) * wp + SG3_GEMM_SLACK) * SG3_CBLOCK;
}
/* ... and of the input layer's features and product (size^2 pixels). */
static inline size_t sg3_input_plane(const sg3_config *cfg) {
  return ((size_t)cfg->input_size * cfg->input_size + SG3_GEMM_SLACK) *
         SG3_CBLOCK;
}

/* y[out] = x[in] @ weight.T + bias, the FullyConnectedLayer forward with
 * 'linear' activation; with lrelu != 0, leaky ReLU (0.2) times sqrt(2). */
void sg3_fully_connected(const sg3_fc *fc, const float *x, float *y, int lrelu);

/* SynthesisInput's Fourier features for w0 under the inverse transform
 * `user` (3x3, NULL = the stored one), in blocks of 16 channels with planes
 * of sg3_input_plane floats. tab holds 4 * (size + 1) * cpad(C) floats. */
void sg3_synthesis_input_features(const sg3_model *m, const float *w0,
                                  const float *user, float *tab, float *feat);

/* modulated_conv2d's styles and demodulation, per frame: s = the input
 * channels' scale (cin_pad floats, zero past in_channels) from the affine
 * output `styles`; dcoefs = the output channels' scale (cout_pad). */
void sg3_modulation(const sg3_layer *l, float *styles, float *s, float *dcoefs);

/* The rest of modulated_conv2d with padding k-1, plus the bias: xin is the
 * input scaled by s, zero-padded (sg3_xin_plane); out (sg3_conv_plane) has
 * the result (bias added) in the first in_size + k - 1 columns of each
 * row. */
void sg3_modulated_conv2d(sg3_generator *g, const sg3_layer *l,
                          const float *xin, const float *dcoefs, float *out);

/* Pixels per GEMM task. */
int sg3_gemm_mc(int m, int mr, int nthreads);
/* Tiles per Winograd task (sg3_wino). */
int sg3_wino_chunk(int ntiles, int mr, int nthreads);

/* A plain product on the generator's threads (see sg3_gemm). */
void sg3_run_gemm(sg3_generator *g, sg3_gemm *gemm);

/* filtered_lrelu (the bias is already in x): x as sg3_modulated_conv2d
 * leaves it. Output in blocks at y (y_plane floats per block, row pitch
 * y_rs floats), times scale[c] when scale is set; or with planar > 0, the
 * first `planar` channels as CHW planes times planar_scale. */
void sg3_filtered_lrelu(sg3_generator *g, const sg3_layer *l, const float *x,
                        float *y, size_t y_plane, size_t y_rs,
                        const float *scale, int planar, float planar_scale);

#endif
