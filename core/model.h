/* The loaded network: the tensors as read, the shared mapping network and
 * the family's synthesis network, with everything the forward pass needs
 * computed once at load. */
#ifndef SG3_MODEL_H
#define SG3_MODEL_H

#include "family.h"
#include "io/tensors.h"
#include "mapping.h"
#include "sg3.h"

struct sg3_model {
  int refcount;
  const sg3_family *family;
  sg3_tensor_set tensors; /* owns the stored data */
  const char *init_kwargs;
  sg3_load_options options;

  int z_dim, c_dim, w_dim, num_ws, img_resolution, img_channels;
  double flops;
  sg3_mapping_network mapping;
  void *net; /* the family's synthesis network */
};

/* Builds a model from a tensor set (takes ownership of its contents). */
sg3_model *sg3_model_from_tensors(sg3_tensor_set *set, const char *name,
                                  const sg3_load_options *options,
                                  char **error);

/* Whether 3x3 convolutions use Winograd: the option, unless the
 * environment says SG3_NO_WINOGRAD. */
int sg3_model_winograd(const sg3_model *m);

#endif
