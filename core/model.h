/* The loaded network: configuration plus weights in the layout the forward
 * pass wants, with per-model constants computed once at load. */
#ifndef SG3_MODEL_H
#define SG3_MODEL_H

#include "io/tensors.h"
#include "ops/kernels.h"
#include "sg3.h"
#include "stylegan3/config.h"

/* A fully-connected layer with its gains already applied (as the official
 * forward does before every product). */
typedef struct {
  int in, out;
  float *weight; /* [out, in] * weight_gain */
  float *bias;   /* [out] * bias_gain, or NULL */
} sg3_fc;

typedef struct {
  const sg3_layer_config *cfg;
  sg3_fc affine;
  const float *weight; /* [out, in, k, k] as stored */
  /* [out, in]: sum over k*k of the normalised weight^2 (weight *
   * rsqrt(mean(weight^2)) per output channel) */
  float *weight_sq;
  const float *bias;        /* [out] */
  float input_gain;         /* rsqrt(magnitude_ema) */
  float style_gain;         /* ToRGB: 1 / sqrt(in * k * k), else 1 */
  const float *up_filter;   /* [up_taps], NULL = identity */
  const float *down_filter; /* [down_taps] or [down_taps^2] if radial */

  /* The forward pass's layouts (kernels.h). */
  int cin_pad, cout_pad; /* channels rounded up to SG3_CBLOCK */
  int winograd;          /* 3x3 by F(4x4, 3x3), see sg3_wino */
  /* The normalised weight packed for the GEMM: direct, [cout_pad/16]
   * [k*k*cin_pad][16] with the taps (ky, kx) outermost; Winograd, G g G^T
   * as [36][cout_pad/16][cin_pad][16]. */
  float *wpack;
  float *bias_pad; /* [cout_pad] */
  sg3_filter_plan filter;
} sg3_layer;

struct sg3_model {
  int refcount;
  sg3_config cfg;
  sg3_tensor_set tensors; /* owns the stored data */
  char *init_kwargs;
  const char *config_name;
  double flops;

  /* MappingNetwork */
  sg3_fc embed; /* c_dim > 0 only */
  sg3_fc *fc;   /* mapping_layers */
  const float *w_avg;

  /* SynthesisInput */
  sg3_fc input_affine;
  const float *input_transform; /* [3, 3] */
  const float *input_freqs;     /* [C, 2] */
  const float *input_phases;    /* [C] */
  float *input_wpack;           /* [C/16][C][16]: weight / sqrt(C), packed */

  sg3_layer *layers; /* num_layers + 1 */
};

/* Builds a model from a tensor set (takes ownership of its contents). */
sg3_model *sg3_model_from_tensors(sg3_tensor_set *set, const char *name,
                                  char **error);

#endif
