/* filtered_lrelu (torch_utils/ops): upfirdn2d up, bias_act lrelu with gain
 * and clamp, upfirdn2d down, computed without materialising zeros: the
 * upsampling FIR only touches the non-zero taps of the zero-stuffed signal
 * (polyphase) and the downsampling FIR is evaluated only at kept samples.
 * The kernels (kernels_impl.h) stream each block of 16 channels down the
 * image. The bias is added by the convolution before. */
#ifndef SG3_FILTERED_LRELU_H
#define SG3_FILTERED_LRELU_H

#include "ops/exec.h"

/* One layer's filtered_lrelu, planned at load: an n x n input, upsampling
 * by `up` with the separable filter fu (up_taps, NULL = identity) after
 * padding [x0, x1, y0, y1] of the upsampled image, the activation, then
 * downsampling by `down` with fd (down_taps, or down_taps^2 when radial;
 * NULL = identity) to out_size x out_size. clamp < 0: none. Returns -1
 * out of memory or with more than SG3_MAX_DOWN_TAPS down taps. */
int sg3_filter_plan_build(sg3_filter_plan *p, int n, int up, int up_taps,
                          const float *fu, const int padding[4], int down,
                          int down_taps, const float *fd, int radial,
                          int out_size, float gain, float slope, float clamp);
void sg3_filter_plan_free(sg3_filter_plan *p);

/* Input pixel (y, x) of block b at x + b * x_plane + y * x_rs + 16 x, for
 * nblocks blocks. Output in blocks at y (y_plane floats per block, row
 * pitch y_rs floats), times scale[c] when scale is set; or with planar > 0,
 * the first `planar` channels as CHW planes times planar_scale. */
void sg3_filtered_lrelu(const sg3_exec *ex, const sg3_filter_plan *p,
                        const float *x, size_t x_plane, size_t x_rs,
                        int nblocks, float *y, size_t y_plane, size_t y_rs,
                        const float *scale, int planar, float planar_scale);

#endif
