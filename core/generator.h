/* Per-generator state: scratch buffers sized once for the model, so that a
 * frame allocates nothing, and the generator's threads. */
#ifndef SG3_GENERATOR_H
#define SG3_GENERATOR_H

#include "model.h"
#include "ops/kernels.h"
#include "ops/parallel.h"

struct sg3_generator {
  sg3_model *model;
  const sg3_simd *simd;
  sg3_pool *pool;
  /* Channels-last activations: a layer's conv input, zero-padded by k - 1
   * and scaled by its styles; and its conv output. */
  float *xin, *conv;
  size_t xin_n, conv_n;
  float **scratch; /* per thread, for the filters */
  size_t scratch_n;
  float *styles; /* per layer cin_pad floats at style_off[i] */
  float *dcoefs; /* per layer cout_pad floats at dcoef_off[i] */
  size_t *style_off, *dcoef_off;
  float *input_tab;     /* synthesis input: per-axis sin/cos tables */
  float *map_x, *map_y; /* mapping network activations */
  float *debug;         /* CHW copy of a layer's output for layer_cb */
  sg3_layer_callback layer_cb;
  void *layer_cb_user;
  int profiling;
  sg3_layer_profile *profile; /* num_layers + 4 entries */
};

/* Profile entries: */
enum { SG3_PROF_MAPPING, SG3_PROF_STYLES, SG3_PROF_INPUT, SG3_PROF_LAYER0 };

double sg3_now(void);

#endif
