/* StyleGAN-XL (autonomousvision/stylegan-xl,
 * training/networks_stylegan3_resetting.py): StyleGAN3's synthesis network
 * with a schedule read from the file (a SuperresGenerator's head layers
 * follow compute_superres_filterparams, not the constructor's arguments)
 * and XL's mapping network (class table, embed_proj, a centre per class). */
#ifndef SG3_STYLEGAN_XL_H
#define SG3_STYLEGAN_XL_H

#include "stylegan3/stylegan3.h"
#include "stylegan_xl/schedule.h"

typedef struct {
  sg3_stylegan3 net; /* first: the StyleGAN3 functions take m->net */
  sg3_xl_layer_extra *extra;
  int embed_rows, embed_dim, superres;
} sg3_stylegan_xl;

/* compute_superres_filterparams and SuperresGenerator.__init__: the stem
 * `stem` without its critically sampled layers, then head_layers + 1 new
 * layers up to up_factor x its resolution (random models). `out` is a new
 * configuration; last_stopband_rel, margin_size, num_critical,
 * num_fp16_res and channel_base/max are the stem's hyperparameters. */
typedef struct {
  int head_layers, up_factor;
  double channel_base, channel_max, last_stopband_rel;
  int margin_size, num_critical, num_fp16_res;
} sg3_xl_superres_args;
int sg3_xl_superres(const sg3_xl_config *stem, const sg3_xl_superres_args *a,
                    sg3_xl_config *out, char **error);

#endif
