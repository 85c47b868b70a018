/* FullyConnectedLayer: y = x @ (weight * weight_gain).T + bias * bias_gain,
 * with the gains applied once at load, as the official forward applies
 * them before every product. */
#ifndef SG3_FULLY_CONNECTED_H
#define SG3_FULLY_CONNECTED_H

#include "io/tensors.h"
#include "ops/exec.h"

typedef struct {
  int in, out;
  float *weight; /* [out, in] * weight_gain */
  float *bias;   /* [out] * bias_gain, or NULL */
} sg3_fc;

/* From the tensors `prefix.weight` [out, in] and `prefix.bias` [out],
 * with weight_gain = lr_multiplier / sqrt(in), bias_gain = lr_multiplier. */
int sg3_fc_build(sg3_fc *fc, const sg3_tensor_set *set, const char *prefix,
                 int in, int out, double lr_multiplier, char **error);
void sg3_fc_free(sg3_fc *fc);

/* Looks up `prefix.suffix` and checks its shape and that it is finite;
 * NULL with *error set (SG3_ERR_CORRUPT). */
const sg3_tensor *sg3_need_tensor(const sg3_tensor_set *set, const char *prefix,
                                  const char *suffix, int ndim,
                                  const int64_t *shape, char **error);

/* The forward with 'linear' activation; with lrelu != 0, leaky ReLU (0.2)
 * times sqrt(2), as bias_act's 'lrelu'. */
void sg3_fully_connected(const sg3_simd *simd, const sg3_fc *fc, const float *x,
                         float *y, int lrelu);
/* The same on the exec's threads, for layers big enough to be worth it. */
void sg3_fully_connected_mt(const sg3_exec *ex, const sg3_fc *fc,
                            const float *x, float *y, int lrelu);

#endif
