/* Latent walks (sg3_walk in sg3.h): the internals the tests reach. */
#ifndef SG3_WALK_H
#define SG3_WALK_H

#include <stddef.h>

#include "sg3.h"

/* Floats of one ws matrix of the walk (num_ws * w_dim). */
size_t sg3_walk_size(const sg3_walk *walk);

/* The ws at position t for any kind (sg3_walk_ws without starting a public
 * call): walks in z are mapped with g. */
int sg3_walk_compute(sg3_generator *g, const sg3_walk *walk, double t,
                     float *ws, char **error);

/* Not-a-knot cubic spline through y[0..n) at x = 0..n-1, evaluated as its
 * second derivatives m[0..n). n >= 4. Returns 0, or -1 out of memory. */
int sg3_spline_not_a_knot(const double *y, int n, double *m);

#endif
