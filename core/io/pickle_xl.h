/* StyleGAN-XL network pickles (autonomousvision/stylegan-xl,
 * training/networks_stylegan3_resetting.py): telling its generators from
 * NVIDIA's StyleGAN3 ones, and the layer schedule that only the pickled
 * objects' attributes hold (a SuperresGenerator's cannot be rebuilt from
 * its constructor arguments, which name a stem pickle). */
#ifndef SG3_PICKLE_XL_H
#define SG3_PICKLE_XL_H

#include "io/pickle_vm.h"

/* Whether G_ema (a persistent object or a plain pickled module) is a
 * StyleGAN-XL Generator or SuperresGenerator: the class name
 * 'SuperresGenerator', or a 'Generator' whose mapping network holds its
 * class table as a plain torch.nn.Embedding (NVIDIA's mapping has a
 * FullyConnectedLayer 'embed', or none), or whose carried source defines
 * SuperresGenerator. */
int sg3_pickle_is_xl(const pk_obj *g_ema);

/* The schedule JSON of sg3_tensor_set.schedule, copied from the state of
 * G_ema, G_ema.mapping, G_ema.synthesis, its input and each layer named in
 * synthesis.layer_names (in that order). Values are copied as stored; the
 * family checks them. malloc()ed; NULL with *error set. */
char *sg3_pickle_xl_schedule(const pk_obj *g_ema, char **error);

#endif
