/* modulated_conv2d without per-frame weights: scaling the input channels by
 * the styles and the output channels by the demodulation coefficients is the
 * same product as convolving with modulated weights, so the fixed weights
 * (packed once at load) run as one GEMM, or for 3x3 kernels as Winograd
 * F(4x4, 3x3) (kernels.h).
 *
 * Layout: activations in blocks of 16 channels (kernels.h). The input is an
 * in_size x in_size image zero-padded by `pad` on every side (row pitch
 * wp = in_size + 2 pad), already scaled by the styles; the output is
 * n = wp - k + 1 rows of the same pitch, of which the first n columns are
 * valid. */
#ifndef SG3_MODULATED_CONV2D_H
#define SG3_MODULATED_CONV2D_H

#include "ops/exec.h"

typedef struct {
  int in_channels, out_channels, kernel;
  int cin_pad, cout_pad; /* rounded up to SG3_CBLOCK */
  int demodulate;
  /* StyleGAN3's pre-normalisation (demodulating layers): weights times
   * rsqrt(mean(w^2)) per output channel, styles times rsqrt(mean(s^2)). */
  int prenormalize;
  float style_gain; /* styles are multiplied by this first */
  float out_gain;   /* and the output (StyleGAN3's input_gain) */
  int winograd;     /* 3x3 by F(4x4, 3x3) */
  /* The (normalised) weight packed for the GEMM: direct, [cout_pad/16]
   * [k*k*cin_pad][16] with the taps (ky, kx) outermost; Winograd, G g G^T
   * as [36][cout_pad/16][cin_pad][16]. */
  float *wpack;
  /* [out, in]: sum over k*k of the (normalised) weight^2, for the
   * demodulation; NULL when not demodulating. */
  float *weight_sq;
  float *bias_pad; /* [cout_pad], zeros past out_channels */
  /* StyleGAN2's upsampling layers (up = 2): conv2d_resample's transposed
   * convolution of stride 2, as four phase convolutions of the input (2x2,
   * 2x1, 1x2 and 1x1 taps of the 3x3 kernel; their packs follow each
   * other in wpack at phase_off[]), then its FIR (up_f: `up_taps` taps,
   * flipped, with the gain; output pixel y reads t[y + i - up_pad]). */
  int up;
  size_t phase_off[4];
  float *up_f;
  int up_taps, up_pad;
} sg3_conv;

/* weight [out, in, k, k] as stored; bias [out] (NULL = zeros). winograd is
 * used for 3x3 kernels only. */
int sg3_conv_prepare(sg3_conv *c, const float *weight, const float *bias,
                     int in, int out, int k, int demodulate, int prenormalize,
                     float style_gain, float out_gain, int winograd,
                     char **error);
/* The same for an upsampling layer (k = 3, up = 2, padding 1, as
 * SynthesisLayer with up = 2): `filter` is the resample filter's 1-D form
 * (taps, normalised, the 2-D filter being its outer product with
 * itself). */
int sg3_conv_prepare_up2(sg3_conv *c, const float *weight, const float *bias,
                         int in, int out, int demodulate, const float *filter,
                         int taps, char **error);
void sg3_conv_free(sg3_conv *c);

/* Floats per block of the conv input and output planes (with the rows a
 * Winograd convolution reads past the input and the GEMM's slack). */
size_t sg3_conv_in_plane(const sg3_conv *c, int in_size, int pad);
size_t sg3_conv_out_plane(const sg3_conv *c, int in_size, int pad);
/* Per-thread scratch floats the convolution needs (up = 2: pad 1). */
size_t sg3_conv_scratch(const sg3_conv *c, int in_size, int pad,
                        const sg3_simd *simd, int nthreads);
/* Rows past the padded input that the convolution reads (must be finite). */
int sg3_conv_rows_past(const sg3_conv *c);

/* Per frame: from the affine output `styles` (in_channels floats), the
 * input scale s (cin_pad floats, zero past in_channels) and the output
 * scale dcoefs (cout_pad floats). tmp: in_channels floats. */
void sg3_modulation(const sg3_simd *simd, const sg3_conv *c,
                    const float *styles, float *s, float *dcoefs, float *tmp);

/* out = conv(xin) * dcoefs + bias, xin already scaled by s. */
void sg3_modulated_conv2d(const sg3_exec *ex, const sg3_conv *c, int in_size,
                          int pad, const float *xin, const float *dcoefs,
                          float *out);

/* The general form: xin (planes xplane >= sg3_conv_in_plane floats apart)
 * times in_scale (the s of sg3_modulation; NULL = already scaled), then the
 * convolution, times dcoefs, the bias and the epilogue (NULL = none), into
 * out, whose planes are out_plane floats (at least sg3_conv_out_plane)
 * apart, with the row pitch of the input. With Winograd (c->winograd) and
 * an epilogue, rgb (NULL = none) is a ToRGB of the output computed as it
 * is made (sg3_torgb; its x fields are not used). */
void sg3_modulated_conv2d_ex(const sg3_exec *ex, const sg3_conv *c, int in_size,
                             int pad, const float *xin, size_t xplane,
                             const float *in_scale, const float *dcoefs,
                             const sg3_epilogue *epi, const sg3_torgb *rgb,
                             float *out, size_t out_plane);

/* An upsampling layer (sg3_conv_prepare_up2): xin is in_size x in_size,
 * zero-padded by 1 (pitch in_size + 2, planes xplane >= sg3_conv_in_plane
 * (c, in_size, 1) floats apart); the four phases of the transposed convolution
 * go to `phases` (4 planes of sg3_conv_phase_plane floats per block, in blocks
 * of cout_pad); the 2 in_size x 2 in_size result, plus the bias, then the
 * epilogue (noise indexed y * noise_rs + x; no residual), to out + b *
 * out_plane + y * out_rs + 16 x. */
size_t sg3_conv_phase_plane(int in_size);
void sg3_modulated_conv2d_up2(const sg3_exec *ex, const sg3_conv *c,
                              int in_size, const float *xin, size_t xplane,
                              const float *in_scale, const float *dcoefs,
                              float *phases, const sg3_epilogue *epi,
                              size_t noise_rs, float *out, size_t out_plane,
                              size_t out_rs);

/* A 1x1 modulated convolution without demodulation to at most 4 channels
 * (StyleGAN2's ToRGBLayer), planar out: see sg3_torgb. */
void sg3_modulated_conv2d_torgb(const sg3_exec *ex, sg3_torgb *t);

#endif
