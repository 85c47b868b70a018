/* StyleGAN3 (networks_stylegan3.py): SynthesisNetwork = SynthesisInput,
 * then num_layers SynthesisLayers and a ToRGB layer, each an affine, a
 * modulated conv and a filtered leaky ReLU. */
#ifndef SG3_STYLEGAN3_H
#define SG3_STYLEGAN3_H

#include "family.h"
#include "generator.h"
#include "numpy_random.h"
#include "ops/filtered_lrelu.h"
#include "ops/fully_connected.h"
#include "ops/modulated_conv2d.h"
#include "stylegan3/config.h"

/* SynthesisLayer, with its weights prepared for the ops. */
typedef struct {
  const sg3_layer_config *cfg;
  sg3_fc affine;
  sg3_conv conv;          /* padding k - 1 */
  sg3_filter_plan filter; /* its filtered_lrelu */
} sg3_synthesis_layer;

typedef struct {
  sg3_config cfg;
  /* SynthesisInput */
  sg3_fc input_affine;
  const float *input_transform; /* [3, 3] */
  const float *input_freqs;     /* [C, 2] */
  const float *input_phases;    /* [C] */
  float *input_wpack;           /* [C/16][C][16]: weight / sqrt(C), packed */
  sg3_synthesis_layer *layers;  /* num_layers + 1 */
} sg3_stylegan3;

/* A generator's buffers. Activations stay channels-last between layers: a
 * layer's conv input (zero-padded by k - 1, scaled by its styles) in xin,
 * its conv output in conv. */
typedef struct {
  float *xin, *conv;
  float *styles; /* per layer cin_pad floats at style_off[i] */
  float *dcoefs; /* per layer cout_pad floats at dcoef_off[i] */
  size_t *style_off, *dcoef_off;
  float *input_tab; /* synthesis input: per-axis sin/cos tables */
  float *debug;     /* CHW copy of a layer's output for the layer callback */
  size_t debug_n;
} sg3_stylegan3_state;

/* Floats per block of the input layer's features and product (size^2
 * pixels and the GEMM's slack). */
size_t sg3_input_plane(const sg3_config *cfg);
/* Floats of the synthesis input's sin/cos tables. */
size_t sg3_input_tab_floats(const sg3_config *cfg);

/* SynthesisInput's Fourier features for w0 under the inverse transform
 * `user` (3x3, NULL = the stored one), in blocks of 16 channels with planes
 * of sg3_input_plane floats. With `anchor` (w_avg) the learned transform is
 * stylegan3-fun's anchored one, whatever w0. */
void sg3_synthesis_input_features(const sg3_stylegan3 *net,
                                  const sg3_simd *simd, const float *w0,
                                  const float *anchor, const float *user,
                                  float *tab, float *feat);

/* The model's dims from cfg, and StyleGAN3's MappingNetwork for it (the
 * class embedding w_dim wide); StyleGAN-XL sets its own class table. */
void sg3_stylegan3_set_dims(sg3_model *m, const sg3_config *cfg);
sg3_mapping_config sg3_stylegan3_mapping_config(const sg3_config *cfg);

/* SynthesisInput and the layers of net->cfg (a schedule already built and
 * checked) from m's tensors; sets m->flops to their cost. Shared with the
 * families built on this synthesis network (StyleGAN-XL). */
int sg3_stylegan3_build_synthesis(sg3_model *m, sg3_stylegan3 *net,
                                  char **error);
/* Random synthesis tensors for the schedule of cfg, with designed filters
 * (sg3_model_new_random). */
int sg3_stylegan3_random_synthesis(const sg3_config *cfg, sg3_randomstate *rs,
                                   sg3_tensor_set *set, char **error);
/* The family functions of sg3_family_stylegan3, for those families too:
 * they work on any m->net that is an sg3_stylegan3. */
void sg3_stylegan3_free(sg3_model *m);
/* The cost of a network of this schedule (sg3_family.estimate). */
int sg3_stylegan3_estimate_config(const sg3_config *cfg, int winograd,
                                  const sg3_simd *simd, int nthreads,
                                  sg3_estimate *est, char **error);
size_t sg3_stylegan3_scratch_floats(const sg3_model *m, const sg3_simd *simd,
                                    int nthreads);
int sg3_stylegan3_generator_init(sg3_generator *g, char **error);
void sg3_stylegan3_generator_free(sg3_generator *g);
int sg3_stylegan3_num_stages(const sg3_model *m);
const char *sg3_stylegan3_stage_name(const sg3_model *m, int stage);

/* SynthesisNetwork.forward. */
int sg3_stylegan3_synthesis(sg3_generator *g, const float *ws,
                            const sg3_synthesis_args *args, float *img,
                            char **error);

/* Profile stages after "mapping". */
enum { SG3_STAGE_STYLES, SG3_STAGE_INPUT, SG3_STAGE_LAYER0 };

#endif
