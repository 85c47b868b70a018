/* MappingNetwork: z (and the class embedding) to ws, with truncation, as
 * the official networks_stylegan2.py and networks_stylegan3.py compute it
 * (the two are the same network), and StyleGAN-XL's variant
 * (networks_stylegan3_resetting.py): a class table looked up by
 * argmax(c), projected to z_dim and normalised, and a centre per class. */
#ifndef SG3_MAPPING_H
#define SG3_MAPPING_H

#include "io/tensors.h"
#include "numpy_random.h"
#include "ops/exec.h"
#include "ops/fully_connected.h"

typedef enum {
  /* StyleGAN2/3: embed = FullyConnectedLayer(c_dim, embed_features) of the
   * label, concatenated after normalising; one w_avg [w_dim]. */
  SG3_MAPPING_STYLEGAN,
  /* StyleGAN-XL: embed = torch.nn.Embedding [embed_rows, embed_features],
   * row argmax(c); embed_proj = FullyConnectedLayer(embed_features, z_dim,
   * lrelu); w_avg [c_dim, w_dim] (conditional) or [w_dim]. */
  SG3_MAPPING_XL,
} sg3_mapping_kind;

typedef struct {
  int z_dim, c_dim, w_dim, num_ws;
  int num_layers;
  double lr_multiplier;
  int embed_features; /* conditional models: the embedding's width */
  int layer_features; /* the hidden layers' width */
  sg3_mapping_kind kind;
  int embed_rows; /* XL: rows of the class table (>= c_dim) */
} sg3_mapping_config;

typedef struct {
  sg3_mapping_config cfg;
  sg3_fc embed;             /* StyleGAN: c_dim > 0 only */
  sg3_fc embed_proj;        /* XL: c_dim > 0 only */
  const float *embed_table; /* XL: [embed_rows, embed_features] */
  sg3_fc *fc;               /* num_layers */
  const float *w_avg;       /* [w_dim], XL conditional [c_dim, w_dim] */
} sg3_mapping_network;

/* Checks and takes the tensors `mapping.*`. */
int sg3_mapping_build(sg3_mapping_network *mn, const sg3_mapping_config *cfg,
                      const sg3_tensor_set *set, char **error);
void sg3_mapping_free(sg3_mapping_network *mn);
/* Floats each of the two activation buffers of sg3_mapping_forward needs. */
size_t sg3_mapping_buffer(const sg3_mapping_config *cfg);

/* ws (num_ws x w_dim) for z (z_dim doubles) and label c (c_dim floats, or
 * NULL when unconditional), truncated as G.mapping does: the first cutoff
 * rows lerp toward w_avg (XL: the centre of class argmax(c)). x, y:
 * sg3_mapping_buffer floats each. */
void sg3_mapping_forward(const sg3_mapping_network *mn, const sg3_exec *ex,
                         const double *z, const float *c, float psi, int cutoff,
                         float *ws, float *x, float *y);

/* The class a label stands for: argmax(c), the first of equal maxima, as
 * torch.argmax. */
int sg3_mapping_class(const sg3_mapping_network *mn, const float *c);
/* The centre truncation pulls toward: XL conditional models have one per
 * class (class_index in 0..c_dim-1), the others one. */
const float *sg3_mapping_w_avg(const sg3_mapping_network *mn, int class_index);

/* Random weights shaped like the network's, for sg3_model_new_random. */
int sg3_mapping_random(const sg3_mapping_config *cfg, sg3_randomstate *rs,
                       sg3_tensor_set *set, char **error);

#endif
