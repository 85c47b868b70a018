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
  sg3_cancel_fn cancel;
  void *cancel_user;
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

/* 64-byte aligned floats (whole cache lines per 16-channel block), zeroed;
 * free() them. */
float *sg3_alloc_floats(size_t n);

/* Whether the cancel hook asks to stop. */
static inline int sg3_cancelled(const sg3_generator *g) {
  return g->cancel && g->cancel(g->cancel_user);
}

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
