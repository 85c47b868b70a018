#include "generator.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ops.h"

static size_t max_sz(size_t a, size_t b) {
  return a > b ? a : b;
}

sg3_generator *sg3_generator_new(sg3_model *m, char **error) {
  if (!m) {
    sg3_set_error(error, "sg3_generator_new: no model");
    return NULL;
  }
  const sg3_config *cfg = &m->cfg;
  size_t act = (size_t)cfg->input_channels * cfg->input_size * cfg->input_size;
  size_t conv = 0, col = 0, tmp0 = 0, tmp1 = 0, chans = cfg->input_channels;
  /* The input layer uses tmp0 for its features. */
  tmp0 = 4 * (size_t)cfg->input_channels +
         (size_t)cfg->input_size * cfg->input_size * cfg->input_channels;
  for (int i = 0; i <= cfg->num_layers; i++) {
    const sg3_layer_config *L = &cfg->layers[i];
    size_t n = (size_t)L->in_size + L->conv_kernel - 1;
    size_t k2 = (size_t)L->conv_kernel * L->conv_kernel;
    act = max_sz(act, (size_t)L->out_channels * L->out_size * L->out_size);
    conv = max_sz(conv, (size_t)L->out_channels * n * n);
    col = max_sz(col, (size_t)L->in_channels * k2 * n * n);
    size_t t0, t1;
    sg3_filtered_lrelu_tmp(L, &t0, &t1);
    tmp0 = max_sz(tmp0, t0);
    tmp1 = max_sz(tmp1, t1);
    chans = max_sz(chans, max_sz(L->in_channels, L->out_channels));
  }
  sg3_generator *g = calloc(1, sizeof *g);
  if (!g) {
    sg3_set_error(error, "out of memory");
    return NULL;
  }
  g->model = sg3_model_ref(m);
  size_t map = (size_t)cfg->z_dim + cfg->w_dim + cfg->w_dim;
  g->act[0] = malloc(act * sizeof(float));
  g->act[1] = malloc(act * sizeof(float));
  g->conv = malloc(conv * sizeof(float));
  g->col = malloc(col * sizeof(float));
  g->tmp[0] = malloc(tmp0 * sizeof(float));
  g->tmp[1] = malloc(tmp1 * sizeof(float));
  g->styles = malloc(2 * chans * sizeof(float));
  g->dcoefs = malloc(chans * sizeof(float));
  g->map_x = malloc(map * sizeof(float));
  g->map_y = malloc(map * sizeof(float));
  if (!g->act[0] || !g->act[1] || !g->conv || !g->col || !g->tmp[0] ||
      !g->tmp[1] || !g->styles || !g->dcoefs || !g->map_x || !g->map_y) {
    sg3_generator_free(g);
    sg3_set_error(error, "out of memory for the generator's buffers");
    return NULL;
  }
  return g;
}

void sg3_generator_free(sg3_generator *g) {
  if (!g)
    return;
  free(g->act[0]);
  free(g->act[1]);
  free(g->conv);
  free(g->col);
  free(g->tmp[0]);
  free(g->tmp[1]);
  free(g->styles);
  free(g->dcoefs);
  free(g->map_x);
  free(g->map_y);
  sg3_model_unref(g->model);
  free(g);
}

const sg3_model *sg3_generator_get_model(const sg3_generator *g) {
  return g->model;
}

void sg3_generator_set_layer_callback(sg3_generator *g, sg3_layer_callback cb,
                                      void *user) {
  g->layer_cb = cb;
  g->layer_cb_user = user;
}
