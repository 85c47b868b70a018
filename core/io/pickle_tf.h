/* Original TensorFlow StyleGAN2 / StyleGAN2-ADA network pickles: tuples
 * (G, D, Gs) of dnnlib.tflib.network.Network objects holding static
 * kwargs and numpy variables only. Read as legacy.py reads them
 * (_TFNetworkStub) and converted as its convert_tf_generator converts Gs,
 * into the tensors of the equivalent networks_stylegan2.Generator. No code
 * in them is ever run. */
#ifndef SG3_PICKLE_TF_H
#define SG3_PICKLE_TF_H

#include <stdint.h>

#include "io/pickle_vm.h"
#include "io/tensors.h"

/* Whether the pickle's value is a TensorFlow network pickle: a (G, D, Gs)
 * tuple of Network objects, or one Network on its own. */
int sg3_pickle_tf_is_network(const pk_obj *root);

/* Converts Gs (or the lone network) into `set` (family "stylegan2",
 * init_kwargs as convert_tf_generator builds them); at most max_out_bytes
 * of tensors. Refuses what the official converter refuses, with the
 * reason. */
int sg3_pickle_tf_extract(pk_vm *vm, const pk_obj *root, uint64_t max_out_bytes,
                          sg3_tensor_set *set, char **error);

#endif
