/* Per-generator state: the threads and their scratch memory (the exec),
 * the mapping's buffers, the family's per-frame buffers (net_state), all
 * sized once for the model so that a frame allocates nothing. */
#ifndef SG3_GENERATOR_H
#define SG3_GENERATOR_H

#include "model.h"
#include "ops/exec.h"

struct sg3_generator {
  sg3_model *model;
  sg3_exec ex;
  void *net_state; /* the family's */
  /* Mapping activations, and the request API's z, label, ws and image. */
  float *map_x, *map_y;
  double *z;
  float *label, *ws, *img;
  sg3_layer_callback layer_cb;
  void *layer_cb_user;
  sg3_thread_pool *shared; /* the pool's owner when shared, else NULL */
  int stopped;             /* the call in progress was cancelled */
  int profiling;
  int nprofile;
  sg3_layer_profile *profile; /* SG3_PROF_MAPPING, then the family's */
  /* The request API's second ws (seed blending, style mixing), z and label
   * of walks mapped in z, and w_avg for anchoring. */
  float *ws2, *walk_label, *w_avg;
  double *walk_z;
};

enum { SG3_PROF_MAPPING, SG3_PROF_FAMILY };

double sg3_now(void);

/* Memory budgets: max_memory as the options give it (0 = the default, 3/4
 * of the memory; UINT64_MAX = none) in bytes. */
double sg3_memory_budget(uint64_t max_memory);
void sg3_format_bytes(double bytes, char *buf, size_t n);
/* 0, or -1 with SG3_ERR_TOO_LARGE and a message that gives the estimate
 * when `need` bytes are over the budget. */
int sg3_over_budget(const char *what, double need, double flops,
                    uint64_t max_memory, char **error);
/* The bytes one generator of m takes with nthreads threads. */
int sg3_generator_estimate(const sg3_model *m, const sg3_simd *simd,
                           int nthreads, double *bytes, sg3_estimate *est,
                           char **error);

/* 64-byte aligned floats (whole cache lines per 16-channel block), zeroed;
 * free() them. */
float *sg3_alloc_floats(size_t n);

/* Cancellation (sg3_generator_set_cancel). A public call that runs the
 * network starts with sg3_call_begin; sg3_cancelled says whether it has
 * been cancelled (asking the hook), and once it has, it stays cancelled
 * until the next call: regions skipped by the pool leave garbage behind. */
static inline void sg3_call_begin(sg3_generator *g) {
  __atomic_store_n(&g->stopped, 0, __ATOMIC_RELAXED);
}
static inline int sg3_cancelled(sg3_generator *g) {
  if (__atomic_load_n(&g->stopped, __ATOMIC_RELAXED))
    return 1;
  if (g->ex.cancel && g->ex.cancel(g->ex.cancel_user)) {
    __atomic_store_n(&g->stopped, 1, __ATOMIC_RELAXED);
    return 1;
  }
  return 0;
}
/* rc, or -1 with SG3_ERR_CANCELLED if the call was cancelled. */
int sg3_call_end(sg3_generator *g, int rc, char **error);

/* Profiling: adds the time since *t to a stage's field and restarts the
 * clock. */
enum { SG3_PROF_CONV, SG3_PROF_FILTER, SG3_PROF_OTHER };
void sg3_profile_lap(sg3_generator *g, int entry, int field, double *t);

/* The mapping step, for the request API (z, c as sg3_mapping). */
void sg3_generator_mapping(sg3_generator *g, const double *z, const float *c,
                           float psi, int cutoff, float *ws);

/* The ws a request renders (sg3_request_ws without starting a public
 * call). */
int sg3_request_compute_ws(sg3_generator *g, const sg3_request *r, float *ws,
                           char **error);

#endif
