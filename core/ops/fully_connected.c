#include "ops/fully_connected.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

const sg3_tensor *sg3_need_tensor(const sg3_tensor_set *set, const char *prefix,
                                  const char *suffix, int ndim,
                                  const int64_t *shape, char **error) {
  char name[160];
  snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", suffix);
  const sg3_tensor *t = sg3_tensor_set_find(set, name);
  if (!t) {
    sg3_fail(error, SG3_ERR_CORRUPT, "missing tensor '%s'", name);
    return NULL;
  }
  int ok = t->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++)
    ok = t->shape[i] == shape[i];
  if (!ok) {
    char want[96] = "", got[96] = "";
    for (int i = 0; i < ndim; i++)
      snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld",
               i ? ", " : "", (long long)shape[i]);
    for (int i = 0; i < t->ndim; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld",
               i ? ", " : "", (long long)t->shape[i]);
    sg3_fail(error, SG3_ERR_CORRUPT,
             "tensor '%s' has shape [%s] but the network's configuration "
             "implies [%s]",
             name, got, want);
    return NULL;
  }
  if (!t->data && t->numel) { /* sg3_model_release_tensor'd: read twice */
    sg3_fail(error, SG3_ERR_CORRUPT, "tensor '%s' was let go", name);
    return NULL;
  }
  /* Exponent all ones = NaN or infinity; tested a chunk at a time without
   * an early exit, so that it vectorises (every weight is checked at
   * load). */
  for (size_t i = 0; i < t->numel; i += 4096) {
    size_t n = t->numel - i < 4096 ? t->numel - i : 4096;
    uint32_t bad = 0;
    for (size_t j = 0; j < n; j++) {
      uint32_t bits;
      memcpy(&bits, &t->data[i + j], sizeof bits);
      bad |= (bits & 0x7f800000u) + 0x00800000u; /* bit 31: all ones */
    }
    if (bad >> 31) {
      sg3_fail(error, SG3_ERR_CORRUPT, "tensor '%s' contains NaN or infinity",
               name);
      return NULL;
    }
  }
  return t;
}

int sg3_fc_build(sg3_fc *fc, const sg3_tensor_set *set, const char *prefix,
                 int in, int out, double lr_multiplier, char **error) {
  int64_t ws[2] = {out, in}, bs[1] = {out};
  const sg3_tensor *w = sg3_need_tensor(set, prefix, "weight", 2, ws, error);
  const sg3_tensor *b =
      w ? sg3_need_tensor(set, prefix, "bias", 1, bs, error) : NULL;
  if (!b)
    return -1;
  fc->in = in;
  fc->out = out;
  fc->weight = malloc((size_t)in * out * sizeof(float));
  fc->bias = malloc((size_t)out * sizeof(float));
  if (!fc->weight || !fc->bias)
    return sg3_oom(error, prefix);
  /* Same float32 products as the official forward(). */
  float wg = (float)(lr_multiplier / sqrt((double)in));
  float bg = (float)lr_multiplier;
  for (size_t i = 0; i < (size_t)in * out; i++)
    fc->weight[i] = w->data[i] * wg;
  for (int i = 0; i < out; i++)
    fc->bias[i] = lr_multiplier != 1 ? b->data[i] * bg : b->data[i];
  return 0;
}

void sg3_fc_free(sg3_fc *fc) {
  free(fc->weight);
  free(fc->bias);
  fc->weight = fc->bias = NULL;
}

/* Outputs [o0, o1). Our own loop rather than a BLAS: a BLAS may wake its
 * threads for this, and they would then compete with the generator's. */
static void fc_rows(const sg3_simd *simd, const sg3_fc *fc, const float *x,
                    float *y, int lrelu, int o0, int o1) {
  simd->matvec(fc->weight + (size_t)o0 * fc->in, x, y + o0, o1 - o0, fc->in);
  const float gain = (float)sqrt(2.0);
  for (int i = o0; i < o1; i++) {
    float v = fc->bias ? y[i] + fc->bias[i] : y[i];
    if (lrelu)
      v = (v < 0 ? v * 0.2f : v) * gain;
    y[i] = v;
  }
}

void sg3_fully_connected(const sg3_simd *simd, const sg3_fc *fc, const float *x,
                         float *y, int lrelu) {
  fc_rows(simd, fc, x, y, lrelu, 0, fc->out);
}

typedef struct {
  const sg3_simd *simd;
  const sg3_fc *fc;
  const float *x;
  float *y;
  int lrelu, ntasks;
} fc_ctx;

static void fc_task(void *ctx, int task, int thread) {
  (void)thread;
  const fc_ctx *c = ctx;
  int o0 = (int)((long)c->fc->out * task / c->ntasks);
  int o1 = (int)((long)c->fc->out * (task + 1) / c->ntasks);
  fc_rows(c->simd, c->fc, c->x, c->y, c->lrelu, o0, o1);
}

void sg3_fully_connected_mt(const sg3_exec *ex, const sg3_fc *fc,
                            const float *x, float *y, int lrelu) {
  /* The mapping's big layers read megabytes of weights: on every core. */
  if (ex->nthreads == 1 || (size_t)fc->out * fc->in < 65536) {
    sg3_fully_connected(ex->simd, fc, x, y, lrelu);
    return;
  }
  fc_ctx c = {ex->simd, fc, x, y, lrelu, 2 * ex->nthreads};
  sg3_exec_run(ex, c.ntasks, fc_task, &c);
}
