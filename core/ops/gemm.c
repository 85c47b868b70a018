#include "ops/gemm.h"

typedef struct {
  const sg3_simd *simd;
  const sg3_gemm *gemm;
} gemm_ctx;

static void gemm_task(void *ctx, int task, int thread) {
  const gemm_ctx *c = ctx;
  c->simd->gemm_task(c->gemm, task, thread);
}

int sg3_gemm_mc(int m, int mr, int nthreads) {
  /* Runs of pixels sized so that a run's weights stay in cache while
   * every core gets work: at least a few runs per thread. */
  int tiles = (m + mr - 1) / mr, per = 8;
  while (per > 1 && tiles / per < 4 * nthreads)
    per /= 2;
  return per * mr;
}

void sg3_run_gemm(const sg3_exec *ex, sg3_gemm *gemm) {
  gemm->mc = sg3_gemm_mc(gemm->m, ex->simd->mr, ex->nthreads);
  gemm->scratch = ex->scratch;
  gemm_ctx ctx = {ex->simd, gemm};
  sg3_exec_run(ex, (gemm->m + gemm->mc - 1) / gemm->mc, gemm_task, &ctx);
}

typedef struct {
  const sg3_simd *simd;
  const sg3_wino *w;
} wino_ctx;

static void wino_task(void *ctx, int task, int thread) {
  const wino_ctx *c = ctx;
  c->simd->wino_task(c->w, task, thread);
}

int sg3_wino_chunk(int ntiles, int mr, int nthreads) {
  /* Up to 4 micro-tiles of tiles per task, at least 4 tasks per thread. */
  int per = (ntiles + mr * 4 * nthreads - 1) / (mr * 4 * nthreads);
  return mr * (per < 1 ? 1 : per > 4 ? 4 : per);
}

void sg3_run_wino(const sg3_exec *ex, sg3_wino *w) {
  int ntiles = w->tn * w->tn;
  w->chunk = sg3_wino_chunk(ntiles, ex->simd->mr, ex->nthreads);
  w->scratch = ex->scratch;
  wino_ctx ctx = {ex->simd, w};
  sg3_exec_run(ex, (ntiles + w->chunk - 1) / w->chunk, wino_task, &ctx);
}
