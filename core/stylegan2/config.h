/* The StyleGAN2 Generator's hyperparameters (init_kwargs, as stylegan3's
 * training/networks_stylegan2.py takes them, or stylegan2-ada-pytorch's
 * training/networks.py with its nested synthesis_kwargs) and the block
 * schedule that SynthesisNetwork.__init__ and SynthesisBlock.__init__
 * derive from them. */
#ifndef SG2_CONFIG_H
#define SG2_CONFIG_H

typedef enum { SG2_ORIG, SG2_SKIP, SG2_RESNET } sg2_architecture;

#define SG2_MAX_FILTER_TAPS 16

/* One SynthesisBlock. */
typedef struct {
  char name[16];   /* "b<res>", as in the state dict */
  int res;         /* output resolution */
  int in_channels; /* 0 for the first block (the learned constant) */
  int out_channels;
  int is_last;
  int has_torgb; /* architecture 'skip', or the last block */
  int has_skip;  /* architecture 'resnet', not the first block */
  int num_conv, num_torgb;
  int w_index; /* the block's first row of ws */
} sg2_block_config;

typedef struct {
  int z_dim, c_dim, w_dim, img_resolution, img_channels;
  /* MappingNetwork; embed_features/layer_features -1 = None (w_dim). */
  int mapping_layers;
  double mapping_lr_multiplier;
  int embed_features, layer_features;
  /* SynthesisNetwork, SynthesisBlock, SynthesisLayer. */
  double channel_base, channel_max;
  sg2_architecture architecture;
  double conv_clamp; /* < 0: None */
  int use_noise;
  float act_slope, act_gain; /* 'lrelu' 0.2/sqrt 2, 'relu' 0/sqrt 2, ... */
  const char *activation;    /* its name, static */
  /* resample_filter as given (1-D); random models set their buffers up
   * from it as upfirdn2d.setup_filter does. 0 taps: a 2-D list. */
  int filter_taps;
  double filter[SG2_MAX_FILTER_TAPS];
  int stylegan2_ada; /* the kwargs are stylegan2-ada-pytorch's */

  /* Derived. */
  int num_ws, num_blocks;
  sg2_block_config *blocks;
} sg2_config;

/* Parses init_kwargs (JSON) and builds the schedule. Unknown keys, values
 * out of sane bounds and what the family does not run are errors. */
int sg2_config_parse(const char *json, sg2_config *cfg, char **error);
void sg2_config_clear(sg2_config *cfg);

/* upfirdn2d.setup_filter of a 1-D filter (taps numbers), as the
 * constructors store the resample_filter buffers: normalised, the outer
 * product with itself below 8 taps (*ndim = 2, taps^2 floats), else 1-D
 * (*ndim = 1). */
void sg2_setup_filter(const double *f, int taps, float *out, int *ndim);

/* The architecture's name: "orig", "skip", "resnet". */
const char *sg2_architecture_name(sg2_architecture a);

#endif
