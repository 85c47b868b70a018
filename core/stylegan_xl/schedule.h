/* StyleGAN-XL's layer schedule as stored in its files: every synthesis
 * layer's attributes (sizes, sampling rates, cutoffs, filter taps,
 * padding...) as the pickled objects hold them, read into the StyleGAN3
 * schedule structs and checked the way SynthesisLayer.__init__ derives
 * them, since the official forward trusts them blindly. */
#ifndef SG3_XL_SCHEDULE_H
#define SG3_XL_SCHEDULE_H

#include <stddef.h>

#include "stylegan3/config.h"

/* Per-layer attributes beyond sg3_layer_config's: what the layer was built
 * with, kept to check the schedule and to write it out again. */
typedef struct {
  int filter_size, lrelu_upsampling, use_radial_filters;
  int use_fp16;              /* CUDA only; -1 = not stored */
  double magnitude_ema_beta; /* training only; < 0 = not stored */
} sg3_xl_layer_extra;

typedef struct {
  sg3_config cfg; /* the dims, input and layers (cfg.layers is owned) */
  sg3_xl_layer_extra *extra; /* cfg.num_layers + 1, owned */
  int embed_rows;            /* mapping.embed: the class table */
  int embed_dim;
  int superres; /* a SuperresGenerator (init_kwargs has path_stem) */
} sg3_xl_config;

/* The attributes of the pickled SynthesisInput and SynthesisLayer objects
 * that the schedule holds: io/pickle_xl.c reads exactly these, the schedule
 * has them and each one's "name". */
extern const char *const sg3_xl_input_attrs[];
extern const size_t sg3_xl_num_input_attrs;
extern const char *const sg3_xl_layer_attrs[];
extern const size_t sg3_xl_num_layer_attrs;

/* Parses and checks the schedule (sg3_tensor_set.schedule) against
 * init_kwargs. Errors are SG3_ERR_CORRUPT and say which layer and field. */
int sg3_xl_config_parse(const char *schedule, const char *init_kwargs,
                        sg3_xl_config *xc, char **error);
void sg3_xl_config_clear(sg3_xl_config *xc);

/* The schedule JSON of a configuration (as the pickles store it), for
 * random models. malloc()ed, NULL when out of memory. */
char *sg3_xl_schedule_json(const sg3_xl_config *xc);

#endif
