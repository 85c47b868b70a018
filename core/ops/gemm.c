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
   * every core gets work: at least a few runs per thread. (Longer runs for
   * big weights measured no faster: their packed activations leave the
   * cache.) */
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

typedef struct {
  const sg3_simd *simd;
  const sg3_wino *w;
  int stage;
} stage_ctx;

static void wino_stage_task(void *ctx, int task, int thread) {
  const stage_ctx *c = ctx;
  c->simd->wino_stage(c->w, c->stage, task, thread);
}

/* The group mode (kernels.h): V and M in the threads' scratch, which is
 * one block of nthreads * scratch_n floats. */
static void run_wino_groups(const sg3_exec *ex, sg3_wino *w, int group) {
  const int ntiles = w->tn * w->tn, mr = ex->simd->mr;
  w->vs = ((size_t)group + mr) * 16;
  w->V = ex->scratch[0];
  w->M = w->V + 36 * w->vs * (w->cin / 16);
  w->pgroup = 8;
  const int npg = (w->cout / 16 + w->pgroup - 1) / w->pgroup;
  for (w->g0 = 0; w->g0 < ntiles; w->g0 += group) {
    w->gn = ntiles - w->g0 < group ? ntiles - w->g0 : group;
    const int mts = (w->gn + mr - 1) / mr;
    stage_ctx ctx = {ex->simd, w, 0};
    sg3_pool_run(ex->pool, mts, wino_stage_task, &ctx);
    ctx.stage = 1;
    sg3_pool_run(ex->pool, 36 * npg, wino_stage_task, &ctx);
    ctx.stage = 2;
    sg3_pool_run(ex->pool, mts, wino_stage_task, &ctx);
  }
}

void sg3_run_wino(const sg3_exec *ex, sg3_wino *w) {
  int ntiles = w->tn * w->tn;
  int group = sg3_wino_group(ntiles, ex->simd->mr, w->cin, w->cout);
  if (group) {
    w->scratch = ex->scratch;
    run_wino_groups(ex, w, group);
    return;
  }
  w->chunk = sg3_wino_chunk(ntiles, ex->simd->mr, ex->nthreads);
  w->scratch = ex->scratch;
  wino_ctx ctx = {ex->simd, w};
  sg3_exec_run(ex, (ntiles + w->chunk - 1) / w->chunk, wino_task, &ctx);
}
