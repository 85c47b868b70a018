/* The GEMM and Winograd drivers: split a product into tasks for the
 * exec's threads and run the kernels (kernels.h) on them. */
#ifndef SG3_GEMM_H
#define SG3_GEMM_H

#include "ops/exec.h"

/* Pixels per GEMM task for m pixels, k products (taps x input channels)
 * and n outputs. */
int sg3_gemm_mc(int m, int mr, int nthreads);
/* Tiles per Winograd task for ntiles tiles. */
int sg3_wino_chunk(int ntiles, int mr, int nthreads);

/* Runs a product (sg3_gemm; mc and scratch are filled in here). */
void sg3_run_gemm(const sg3_exec *ex, sg3_gemm *gemm);
/* Runs a Winograd convolution (sg3_wino; chunk and scratch filled in). */
void sg3_run_wino(const sg3_exec *ex, sg3_wino *wino);

#endif
