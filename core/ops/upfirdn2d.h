/* upfirdn2d (torch_utils/ops) as StyleGAN2 uses it: upsample2d of the
 * skip architecture's image and the resnet skip path (a 1x1 convolution,
 * then upfirdn2d up 2 with gain 4), run as a filtered_lrelu plan with a
 * linear activation and no downsampling; and the stored resample filters
 * in their separable form. */
#ifndef SG3_UPFIRDN2D_H
#define SG3_UPFIRDN2D_H

#include "io/tensors.h"
#include "ops/filtered_lrelu.h"

/* The 1-D filter `f` (at most max_taps) whose outer product with itself is
 * the stored resample filter `t` (2-D [fh, fw], as setup_filter stores
 * filters of fewer than 8 taps, or 1-D for separable ones of 8 and more).
 * Refuses other 2-D filters (SG3_ERR_UNSUPPORTED). */
int sg3_separable_filter(const sg3_tensor *t, const char *name, int max_taps,
                         float *f, int *taps, char **error);

/* upfirdn2d(x, f, up=2, padding=[(taps+1)//2, (taps-2)//2] on both axes,
 * gain=4) of an n x n input, times `gain` (bias_act 'linear'): the padding
 * of upsample2d and of conv2d_resample's 1x1 upsampling path. Returns -1
 * out of memory. */
int sg3_upsample2d_plan(sg3_filter_plan *p, int n, const float *f, int taps,
                        float gain);

/* The plan of sg3_upsample2d_plan on planar images: `channels` planes of
 * n x n floats in x to planes of 2n x 2n in y. Each thread needs
 * sg3_upsample2d_planar_scratch floats. */
void sg3_upsample2d_planar(const sg3_exec *ex, const sg3_filter_plan *p,
                           const float *x, int channels, float *y);
size_t sg3_upsample2d_planar_scratch(const sg3_filter_plan *p);

#endif
