/* StyleGAN2 (networks_stylegan2.py of NVlabs/stylegan3, the same network
 * as stylegan2-ada-pytorch's networks.py): SynthesisNetwork = a chain of
 * SynthesisBlocks, each an upsampling SynthesisLayer (conv0), a
 * SynthesisLayer (conv1), and per architecture a ToRGBLayer (torgb) and a
 * resnet skip path. */
#ifndef SG2_STYLEGAN2_H
#define SG2_STYLEGAN2_H

#include "family.h"
#include "generator.h"
#include "ops/filtered_lrelu.h"
#include "ops/fully_connected.h"
#include "ops/modulated_conv2d.h"
#include "stylegan2/config.h"

/* SynthesisLayer or ToRGBLayer, with its weights prepared for the ops. */
typedef struct {
  sg3_fc affine;
  sg3_conv conv;
  int w_row; /* its row of ws */
  int index; /* in sg2_stylegan2.layers */
  int res;   /* output resolution (SynthesisLayer) */
  /* SynthesisLayer: noise_const * noise_strength at the pitch of the
   * layer's output (res + 2), or NULL without noise. */
  float *noise;
  float noise_strength;
  sg3_epilogue epi; /* bias_act's activation, gain and clamp */
  /* ToRGBLayer: its weight [C][in] and bias [C] as stored. */
  const float *rgb_w, *rgb_b;
} sg2_layer;

/* SynthesisBlock. */
typedef struct {
  const sg2_block_config *cfg;
  const float *const_; /* the first block's learned input [C, 4, 4] */
  sg2_layer conv0, conv1, torgb;
  sg3_conv skip;           /* resnet: 1x1, weight times weight_gain */
  sg3_filter_plan skip_up; /* resnet: upfirdn2d up 2, times sqrt(0.5) */
  sg3_filter_plan img_up;  /* skip: upsample2d of the image */
  int stage_conv0, stage_conv1, stage_torgb; /* profile stages */
} sg2_block;

typedef struct {
  sg2_config cfg;
  sg2_block *blocks;
  int nlayers;        /* modulated layers */
  sg2_layer **layers; /* in ws order, for the styles */
  int nstages;
  char (*stage_names)[24];
} sg2_stylegan2;

/* Floats per 16-channel block of an activation of size x size, padded by
 * 1 (pitch size + 2), with the rows and slack that the kernels read
 * past. */
size_t sg2_act_plane(int size);

/* A generator's buffers. Activations are channels-last in blocks of 16,
 * padded by 1 with zeros. */
typedef struct {
  float *x[2];    /* block inputs and outputs, in turn */
  float *mid;     /* conv0's output, conv1's input */
  float *phases;  /* conv0's transposed convolution */
  float *skip_lo; /* resnet: the skip's 1x1 convolution */
  float *skip;    /* resnet: the skip path at the block's size */
  float *img[2];  /* the image (1 block): current, and upsampled */
  /* noise_mode random: every layer's noise for the seed rnoise_seed (made
   * when a layer first needs it: rnoise_done[layer]). */
  float *rnoise;
  size_t *rnoise_off;
  unsigned char *rnoise_done;
  uint32_t rnoise_seed;
  float *styles; /* per layer cin_pad floats at style_off[i] */
  float *dcoefs; /* per layer cout_pad floats at dcoef_off[i] */
  float *
      rgbw; /* ToRGB layers: weight times styles, [4][cin_pad] at 4 style_off */
  size_t *style_off, *dcoef_off;
  float *debug; /* CHW copy of a layer's output for the layer callback */
  size_t debug_n;
} sg2_state;

/* SynthesisNetwork.forward. */
int sg2_synthesis(sg3_generator *g, const float *ws,
                  const sg3_synthesis_args *args, float *img, char **error);

/* Noise for noise_mode 'random': N(0, 1) from a counter-based generator
 * keyed by (seed, layer, pixel), so any thread count gives the same
 * values; written as size rows of pitch floats (columns past size get 0),
 * times strength. Not torch's randn. */
void sg2_random_noise(const sg3_exec *ex, uint32_t seed, int layer, int size,
                      size_t pitch, float strength, float *out);

/* Profile stages after "mapping". */
enum { SG2_STAGE_STYLES };

#endif
