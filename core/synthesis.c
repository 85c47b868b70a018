/* SynthesisNetwork: the input layer, then each SynthesisLayer (affine,
 * modulated conv, filtered leaky ReLU), then output_scale. */
#include <string.h>

#include "error.h"
#include "generator.h"
#include "ops.h"

static void synthesis_layer(sg3_generator *g, const sg3_layer *l,
                            const float *w, const float *x, float *out) {
  sg3_fully_connected(&l->affine, w, g->styles, 0);
  sg3_modulated_conv2d(l, x, g->styles, g->styles + l->cfg->in_channels,
                       g->dcoefs, g->col, g->conv);
  sg3_filtered_lrelu(l, g->conv, g->tmp[0], g->tmp[1], out);
}

int sg3_synthesis(sg3_generator *g, const float *ws, const float *transform,
                  float *img, char **error) {
  const sg3_model *m = g->model;
  const sg3_config *cfg = &m->cfg;
  if (!ws || !img)
    return sg3_set_error(error, "sg3_synthesis: ws and img are required");

  float *x = g->act[0], *y = g->act[1];
  sg3_synthesis_input(m, ws, transform, g->tmp[0], x);
  if (g->layer_cb)
    g->layer_cb(g->layer_cb_user, -1, "input", x, cfg->input_channels,
                cfg->input_size, cfg->input_size);
  for (int i = 0; i <= cfg->num_layers; i++) {
    const sg3_layer *l = &m->layers[i];
    const float *w = ws + (size_t)(i + 1) * cfg->w_dim;
    float *dst = i == cfg->num_layers ? img : y;
    synthesis_layer(g, l, w, x, dst);
    if (g->layer_cb)
      g->layer_cb(g->layer_cb_user, i, l->cfg->name, dst, l->cfg->out_channels,
                  l->cfg->out_size, l->cfg->out_size);
    float *t = x;
    x = y;
    y = t;
  }
  size_t n =
      (size_t)cfg->img_channels * cfg->img_resolution * cfg->img_resolution;
  if (cfg->output_scale != 1) {
    const float s = (float)cfg->output_scale;
    for (size_t i = 0; i < n; i++)
      img[i] *= s;
  }
  return 0;
}
