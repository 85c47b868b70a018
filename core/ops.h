/* The forward-pass operators, named after the official code. */
#ifndef SG3_OPS_H
#define SG3_OPS_H

#include "model.h"

/* y[out] = x[in] @ weight.T + bias, the FullyConnectedLayer forward with
 * 'linear' activation; with lrelu != 0, leaky ReLU (0.2) times sqrt(2). */
void sg3_fully_connected(const sg3_fc *fc, const float *x, float *y, int lrelu);

/* SynthesisInput: Fourier features for w0 under the inverse transform
 * `user` (3x3). tmp holds size*size*C floats; out is [C, size, size]. */
void sg3_synthesis_input(const sg3_model *m, const float *w0, const float *user,
                         float *tmp, float *out);

/* SynthesisLayer's modulated conv2d with padding k-1. x: [I, H, W];
 * styles: [I] (affine output); out: [O, H+k-1, W+k-1]. */
void sg3_modulated_conv2d(const sg3_layer *l, const float *x,
                          const float *styles, float *scratch_styles,
                          float *dcoefs, float *col, float *out);

/* filtered_lrelu: bias, upsample (FIR), gain, leaky ReLU, clamp, downsample
 * (FIR), with the layer's padding. x: [C, H, W] with H = W = in_size + k - 1;
 * out: [C, out_size, out_size]. tmp0/tmp1 sized by sg3_filtered_lrelu_tmp. */
void sg3_filtered_lrelu(const sg3_layer *l, const float *x, float *tmp0,
                        float *tmp1, float *out);
/* Width and height of the upsampled, filtered signal before downsampling. */
void sg3_filtered_lrelu_size(const sg3_layer_config *L, int *wu, int *hu);
void sg3_filtered_lrelu_tmp(const sg3_layer_config *L, size_t *tmp0,
                            size_t *tmp1);

#endif
