/* Latent walk in w-space, as gen_video.py renders it: the ws of keyframes
 * seed, seed+1, ..., seed+K-1 repeat forever, and a cubic spline through them
 * gives the ws of every frame in between. */
#ifndef SG3_WALK_H
#define SG3_WALK_H

#include "sg3.h"

typedef struct sg3_walk sg3_walk;

/* Maps the K keyframes with `gen` (c: one-hot label or NULL, psi and cutoff as
 * for sg3_mapping) and fits the spline. Returns NULL with *error set. */
sg3_walk *sg3_walk_new(sg3_generator *gen, uint32_t seed, int num_keyframes,
                       const float *c, float psi, int cutoff, char **error);
void sg3_walk_free(sg3_walk *walk);

/* ws (num_ws * w_dim floats) at position t, in keyframes: t = 0 is seed,
 * t = 1 is seed+1, ...; t wraps modulo K. At whole t the ws are those of the
 * keyframe, bit for bit. */
void sg3_walk_eval(const sg3_walk *walk, double t, float *ws);

/* Not-a-knot cubic spline through y[0..n) at x = 0..n-1, evaluated as its
 * second derivatives m[0..n); exposed for tests. n >= 4. */
void sg3_spline_not_a_knot(const double *y, int n, double *m);

#endif
