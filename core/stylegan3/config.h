/* The Generator's hyperparameters (init_kwargs) and the layer schedule that
 * the official SynthesisNetwork.__init__ derives from them. */
#ifndef SG3_CONFIG_H
#define SG3_CONFIG_H

typedef struct {
  char name[32]; /* L{idx}_{out_size}_{out_channels}, as in the state dict */
  int is_torgb, is_critically_sampled;
  int in_channels, out_channels, in_size, out_size;
  double in_sampling_rate, out_sampling_rate, tmp_sampling_rate;
  double in_cutoff, out_cutoff, in_half_width, out_half_width;
  int conv_kernel;
  int up_factor, down_factor, up_taps, down_taps, down_radial;
  int padding[4]; /* x0, x1, y0, y1 relative to the upsampled image */
  float gain, slope;
  float conv_clamp; /* < 0: no clamping */
} sg3_layer_config;

typedef struct {
  int z_dim, c_dim, w_dim, img_resolution, img_channels;
  /* MappingNetwork */
  int mapping_layers;
  double mapping_lr_multiplier;
  /* SynthesisNetwork */
  double channel_base, channel_max;
  int num_layers, num_critical;
  double first_cutoff, first_stopband, last_stopband_rel;
  int margin_size;
  double output_scale;
  /* SynthesisLayer */
  int conv_kernel, filter_size, lrelu_upsampling, use_radial_filters;
  double conv_clamp; /* < 0: None */

  /* Derived. */
  int num_ws;
  int input_channels, input_size;
  double input_sampling_rate, input_bandwidth;
  sg3_layer_config *layers; /* num_layers + 1, the last is ToRGB */
} sg3_config;

/* Parses init_kwargs (JSON) and builds the schedule. Unknown keys and values
 * out of sane bounds are errors. */
int sg3_config_parse(const char *json, sg3_config *cfg, char **error);
void sg3_config_clear(sg3_config *cfg);

#endif
