/* Per-generator state: scratch buffers sized once for the model, so that a
 * frame allocates nothing. */
#ifndef SG3_GENERATOR_H
#define SG3_GENERATOR_H

#include "model.h"

struct sg3_generator {
  sg3_model *model;
  float *act[2]; /* ping-pong layer activations */
  float *conv;   /* modulated conv output */
  float *col;    /* im2col buffer */
  float *tmp[2]; /* filtered lrelu intermediates */
  float *styles; /* per-layer styles and demodulation coefficients */
  float *dcoefs;
  float *map_x, *map_y; /* mapping network activations */
  sg3_layer_callback layer_cb;
  void *layer_cb_user;
};

#endif
