/* MappingNetwork: z (and the class embedding) to ws, with truncation, as
 * the official networks_stylegan2.py and networks_stylegan3.py compute it
 * (the two are the same network). */
#ifndef SG3_MAPPING_H
#define SG3_MAPPING_H

#include "io/tensors.h"
#include "numpy_random.h"
#include "ops/exec.h"
#include "ops/fully_connected.h"

typedef struct {
  int z_dim, c_dim, w_dim, num_ws;
  int num_layers;
  double lr_multiplier;
  int embed_features; /* conditional models: the embedding's width */
  int layer_features; /* the hidden layers' width */
} sg3_mapping_config;

typedef struct {
  sg3_mapping_config cfg;
  sg3_fc embed; /* c_dim > 0 only */
  sg3_fc *fc;   /* num_layers */
  const float *w_avg;
} sg3_mapping_network;

/* Checks and takes the tensors `mapping.*`. */
int sg3_mapping_build(sg3_mapping_network *mn, const sg3_mapping_config *cfg,
                      const sg3_tensor_set *set, char **error);
void sg3_mapping_free(sg3_mapping_network *mn);
/* Floats each of the two activation buffers of sg3_mapping_forward needs. */
size_t sg3_mapping_buffer(const sg3_mapping_config *cfg);

/* ws (num_ws x w_dim) for z (z_dim doubles) and label c (c_dim floats, or
 * NULL when unconditional). x, y: sg3_mapping_buffer floats each. */
void sg3_mapping_forward(const sg3_mapping_network *mn, const sg3_exec *ex,
                         const double *z, const float *c, float psi, int cutoff,
                         float *ws, float *x, float *y);

/* Random weights shaped like the network's, for sg3_model_new_random. */
int sg3_mapping_random(const sg3_mapping_config *cfg, sg3_randomstate *rs,
                       sg3_tensor_set *set, char **error);

#endif
