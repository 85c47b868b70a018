/* The loaded network: configuration plus weights in the layout the forward
 * pass wants, with per-model constants computed once at load. */
#ifndef SG3_MODEL_H
#define SG3_MODEL_H

#include "config.h"
#include "sg3.h"
#include "tensors.h"

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
  float *weight_demod; /* weight * rsqrt(mean(weight^2)) per output channel */
  float *weight_sq;    /* [out, in]: sum over k*k of weight_demod^2 */
  const float *bias;   /* [out] */
  float input_gain;    /* rsqrt(magnitude_ema) */
  float style_gain;    /* ToRGB: 1 / sqrt(in * k * k), else 1 */
  const float *up_filter;   /* [up_taps], NULL = identity */
  const float *down_filter; /* [down_taps] or [down_taps^2] if radial */
  float *owned_filters;     /* designed filters when the file has none */
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
  float *input_weight;          /* [C, C] / sqrt(C) */
  const float *input_transform; /* [3, 3] */
  const float *input_freqs;     /* [C, 2] */
  const float *input_phases;    /* [C] */

  sg3_layer *layers; /* num_layers + 1 */
};

/* Builds a model from a tensor set (takes ownership of its contents). */
sg3_model *sg3_model_from_tensors(sg3_tensor_set *set, const char *name,
                                  char **error);

#endif
