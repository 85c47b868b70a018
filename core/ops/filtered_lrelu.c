/* filtered_lrelu: the official reference op (bias, upfirdn2d up, bias_act
 * lrelu, upfirdn2d down) computed without materialising zeros: the
 * upsampling FIR only touches the non-zero taps of the zero-stuffed signal
 * (polyphase) and the downsampling FIR is evaluated only at kept samples.
 * The kernels (kernels_impl.h) stream each block of 16 channels down the
 * image; the bias is already added by the convolution. */
#include "ops/ops.h"

typedef struct {
  const sg3_simd *simd;
  const sg3_filter *f;
} filter_ctx;

static void filter_task(void *ctx, int task, int thread) {
  const filter_ctx *c = ctx;
  c->simd->filter_task(c->f, task, thread);
}

void sg3_filtered_lrelu(sg3_generator *g, const sg3_layer *l, const float *x,
                        float *y, size_t y_plane, size_t y_rs,
                        const float *scale, int planar, float planar_scale) {
  const sg3_filter_plan *p = &l->filter;
  const int wp = l->cfg->in_size + 2 * (l->cfg->conv_kernel - 1);
  const int nthreads = sg3_pool_threads(g->pool);
  sg3_filter f = {
      .p = p,
      .x = x,
      .x_plane = sg3_conv_plane(l),
      .x_rs = (size_t)wp * SG3_CBLOCK,
      .y = y,
      .y_plane = y_plane,
      .y_rs = y_rs,
      .scale = scale,
      .planar = planar,
      .planar_scale = planar_scale,
      .nblocks = l->cout_pad / SG3_CBLOCK,
      .scratch = g->scratch,
  };
  /* Blocks of channels are independent; strips of rows recompute the
   * down filter's overlap (dtaps - down upsampled rows), so they are only
   * used when there are too few blocks to keep every thread busy. */
  int strips = 1;
  if (nthreads > 1)
    while (f.nblocks * strips < 2 * nthreads && strips * 8 < p->size)
      strips++;
  f.nstrips = strips;
  filter_ctx ctx = {g->simd, &f};
  sg3_pool_run(g->pool, f.nblocks * strips, filter_task, &ctx);
}
