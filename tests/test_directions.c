/* sg3-directions: unit, orthogonal directions, the first of the largest
 * variance (on fresh samples, not the ones it was fitted on), the same
 * file every run, and --scale-stdev scaling them by their stdev.
 *
 * usage: test_directions SG3_DIRECTIONS MODEL */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sg3.h"

static gchar *run(const char *tool, const char *model, const char *out,
                  const char *extra) {
  gchar *cmd = g_strdup_printf(
      "%s --network %s --out %s --samples 3000 --components 6 %s", tool, model,
      out, extra);
  gchar *so = NULL;
  gint status = -1;
  GError *e = NULL;
  gboolean ok = g_spawn_command_line_sync(cmd, &so, NULL, &status, &e);
  check(ok && g_spawn_check_wait_status(status, NULL), "%s", cmd);
  if (e)
    g_error_free(e);
  g_free(cmd);
  return so;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: test_directions SG3_DIRECTIONS MODEL\n");
    return 2;
  }
  gchar *tmp = g_dir_make_tmp("sg3-dirs-XXXXXX", NULL);
  gchar *a = g_build_filename(tmp, "a.npy", NULL);
  gchar *b = g_build_filename(tmp, "b.npy", NULL);
  gchar *s = g_build_filename(tmp, "s.npy", NULL);
  g_free(run(argv[1], argv[2], a, "--class 2"));
  g_free(run(argv[1], argv[2], b, "--class 2"));
  gchar *table = run(argv[1], argv[2], s, "--class 2 --scale-stdev");
  gchar *ca = NULL, *cb = NULL;
  gsize na = 0, nb = 0;
  g_file_get_contents(a, &ca, &na, NULL);
  g_file_get_contents(b, &cb, &nb, NULL);
  check(ca && na == nb && na > 0 && !memcmp(ca, cb, na),
        "two runs write the same file (%zu bytes)", na);
  char *err = NULL;
  sg3_model *m = sg3_model_load(argv[2], &err);
  sg3_latents d = {0}, sd = {0};
  if (!m || sg3_latents_load(a, m, SG3_LATENTS_LIST, &d, &err) != SG3_OK ||
      sg3_latents_load(s, m, SG3_LATENTS_LIST, &sd, &err) != SG3_OK) {
    check(0, "read the directions: %s", err ? err : "");
    return check_summary();
  }
  const int W = d.w_dim, K = d.count;
  check(K == 6 && d.rows == 1 && d.ndim == 2, "[6, %d] written", W);
  double worst = 0;
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++) {
      double dot = 0;
      for (int x = 0; x < W; x++)
        dot += (double)d.ws[i * W + x] * d.ws[j * W + x];
      worst = fmax(worst, fabs(dot - (i == j)));
    }
  check(worst < 1e-5, "orthonormal (|D D^T - I| %.2g)", worst);
  /* variance along each direction on 2000 fresh seeds */
  sg3_generator *g = sg3_generator_new(m, NULL);
  sg3_model_info info;
  sg3_model_get_info(m, &info);
  float *ws = malloc(sizeof(float) * (size_t)info.num_ws * W);
  double sum[7] = {0}, sq[7] = {0};
  float *rnd = malloc(sizeof(float) * (size_t)W);
  double norm = 0;
  for (int x = 0; x < W; x++) { /* a fixed pseudo-random direction */
    double h = sin(x * 12.9898) * 43758.5453;
    rnd[x] = (float)(h - floor(h) - 0.5);
    norm += (double)rnd[x] * rnd[x];
  }
  for (int x = 0; x < W; x++)
    rnd[x] /= (float)sqrt(norm);
  sg3_request r;
  sg3_request_init(&r);
  r.class_index = 2;
  const int N = 2000;
  for (int n = 0; n < N; n++) {
    r.seed = (uint32_t)(100000 + n);
    sg3_request_ws(g, &r, ws, NULL);
    for (int i = 0; i <= K; i++) {
      const float *v = i < K ? d.ws + i * W : rnd;
      double p = 0;
      for (int x = 0; x < W; x++)
        p += (double)v[x] * ws[x];
      sum[i] += p;
      sq[i] += p * p;
    }
  }
  double var[7];
  for (int i = 0; i <= K; i++)
    var[i] = (sq[i] - sum[i] * sum[i] / N) / (N - 1);
  check(var[0] > var[K - 1] && var[0] > 2 * var[K],
        "the first direction explains the most: variance %.3g, the sixth "
        "%.3g, a random direction %.3g",
        var[0], var[K - 1], var[K]);
  /* --scale-stdev: the same directions times their stdev, which the table
   * prints, and which fresh samples confirm to 10% */
  double s0 = 0;
  for (int x = 0; x < W; x++)
    s0 += (double)sd.ws[x] * sd.ws[x];
  s0 = sqrt(s0);
  double printed = 0;
  const char *line = table ? strstr(table, "\n        0  ") : NULL;
  if (line)
    printed = atof(line + 11);
  check(fabs(s0 - printed) < 1e-4 * printed && fabs(s0 * s0 / var[0] - 1) < 0.1,
        "--scale-stdev: |d0| = %.4f, the printed stdev %.4f, fresh %.4f", s0,
        printed, sqrt(var[0]));
  g_free(table);
  free(ws);
  free(rnd);
  sg3_generator_free(g);
  sg3_latents_clear(&d);
  sg3_latents_clear(&sd);
  sg3_model_unref(m);
  g_free(ca);
  g_free(cb);
  g_unlink(a);
  g_unlink(b);
  g_unlink(s);
  g_rmdir(tmp);
  g_free(a);
  g_free(b);
  g_free(s);
  g_free(tmp);
  free(err);
  return check_summary();
}
