/* sg3-directions: the top principal directions of a model's w-space, as
 * GANSpace (Härkönen et al. 2020) finds them for StyleGAN: map N random z
 * (seeds) to w, take the PCA of the w, and keep the components of largest
 * variance. Written as a .npy of [K, w_dim] float32 for sg3src
 * direction=FILE direction-index=I and sg3-gen --direction. */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "sg3.h"

/* LAPACK (in OpenBLAS): eigenpairs il..iu of a symmetric matrix. */
extern void dsyevr_(const char *jobz, const char *range, const char *uplo,
                    const int *n, double *a, const int *lda, const double *vl,
                    const double *vu, const int *il, const int *iu,
                    const double *abstol, int *m, double *w, double *z,
                    const int *ldz, int *isuppz, double *work, const int *lwork,
                    int *iwork, const int *liwork, int *info);
extern void openblas_set_num_threads(int n);

static const char *prog = "sg3-directions";

static void usage(FILE *f) {
  fprintf(f,
          "usage: %s --network FILE --out FILE.npy [options]\n"
          "\n"
          "Finds the top principal directions of the network's w-space "
          "(GANSpace):\n"
          "the PCA of the w of N seeds. Writes [K, w_dim] float32, unit "
          "vectors,\n"
          "largest variance first; prints each one's standard deviation.\n"
          "\n"
          "  --network FILE    model (.safetensors or an official .pkl)\n"
          "  --out FILE        the .npy to write\n"
          "  --samples N       seeds mapped (default 20000)\n"
          "  --components K    directions kept (default 20)\n"
          "  --first-seed S    the samples are seeds S .. S+N-1 (default 0)\n"
          "  --class C         class of a conditional model (default: seed "
          "i gets\n"
          "                    class i mod classes)\n"
          "  --scale-stdev     scale each direction by its standard "
          "deviation, so\n"
          "                    that strength 1 moves one sigma\n"
          "  -h, --help        this help\n",
          prog);
}

static int fail(const char *fmt, const char *arg) {
  fprintf(stderr, "%s: ", prog);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  return 1;
}

static int parse_long(const char *s, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (end == s || *end || errno || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  enum {
    O_NETWORK = 256,
    O_OUT,
    O_SAMPLES,
    O_COMPONENTS,
    O_SEED,
    O_CLASS,
    O_SCALE
  };
  static const struct option opts[] = {
      {"network", required_argument, 0, O_NETWORK},
      {"out", required_argument, 0, O_OUT},
      {"samples", required_argument, 0, O_SAMPLES},
      {"components", required_argument, 0, O_COMPONENTS},
      {"first-seed", required_argument, 0, O_SEED},
      {"class", required_argument, 0, O_CLASS},
      {"scale-stdev", no_argument, 0, O_SCALE},
      {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  const char *network = NULL, *out = NULL;
  long samples = 20000, k = 20, first = 0, klass = -1;
  int scale = 0, c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case O_NETWORK:
      network = optarg;
      break;
    case O_OUT:
      out = optarg;
      break;
    case O_SAMPLES:
      if (parse_long(optarg, 2, 10000000, &samples))
        return fail("--samples: '%s' is not a count of 2 or more", optarg);
      break;
    case O_COMPONENTS:
      if (parse_long(optarg, 1, 100000, &k))
        return fail("--components: '%s' is not a count", optarg);
      break;
    case O_SEED:
      if (parse_long(optarg, 0, 4294967295L, &first))
        return fail("--first-seed: '%s' is not a seed", optarg);
      break;
    case O_CLASS:
      if (parse_long(optarg, 0, 1 << 20, &klass))
        return fail("--class: '%s' is not a class index", optarg);
      break;
    case O_SCALE:
      scale = 1;
      break;
    case 'h':
      usage(stdout);
      return 0;
    default:
      return fail("unknown or incomplete option '%s' (see --help)",
                  argv[optind - 1]);
    }
  }
  if (optind < argc)
    return fail("unexpected argument '%s'", argv[optind]);
  if (!network || !out)
    return fail("%s", "--network and --out are required (see --help)");

  char *error = NULL;
  sg3_model *model = sg3_model_load(network, &error);
  if (!model) {
    fail("%s", error);
    free(error);
    return 1;
  }
  sg3_model_info info;
  sg3_model_get_info(model, &info);
  const int n = info.w_dim;
  int rc = 1;
  sg3_generator *gen = NULL;
  float *ws = NULL, *dirs = NULL;
  double *batch = NULL, *cov = NULL, *mean = NULL, *evals = NULL, *evecs = NULL,
         *work = NULL;
  int *iwork = NULL, *isuppz = NULL;
  if (k > n) {
    fprintf(stderr, "%s: --components %ld: w has only %d dimensions\n", prog, k,
            n);
    goto done;
  }
  if (info.c_dim == 0 && klass >= 0)
    printf("warn: --class ignored for an unconditional network\n");
  if (info.c_dim > 0 && klass >= info.c_dim) {
    fprintf(stderr, "%s: --class %ld is out of range (0..%d)\n", prog, klass,
            info.c_dim - 1);
    goto done;
  }
  gen = sg3_generator_new(model, &error);
  const int B = 256; /* w per syrk */
  ws = malloc(sizeof(float) * (size_t)info.num_ws * n);
  batch = malloc(sizeof(double) * (size_t)B * n);
  cov = calloc((size_t)n * n, sizeof(double));
  mean = calloc((size_t)n, sizeof(double));
  if (!gen || !ws || !batch || !cov || !mean) {
    fail("%s", error ? error : "out of memory");
    goto done;
  }
  /* Deterministic sums: one BLAS thread. */
  openblas_set_num_threads(1);
  /* Pass 1: the mean; pass 2: the covariance of w - mean (two passes keep
   * the sums well conditioned). */
  sg3_request req;
  sg3_request_init(&req);
  for (int pass = 0; pass < 2; pass++) {
    int filled = 0;
    for (long i = 0; i < samples; i++) {
      req.seed = (uint32_t)(first + i);
      if (info.c_dim > 0)
        req.class_index = klass >= 0 ? (int)klass : (int)(i % info.c_dim);
      if (sg3_request_ws(gen, &req, ws, &error) != SG3_OK) {
        fail("%s", error);
        goto done;
      }
      if (pass == 0) {
        for (int j = 0; j < n; j++)
          mean[j] += ws[j];
        continue;
      }
      for (int j = 0; j < n; j++)
        batch[(size_t)filled * n + j] = ws[j] - mean[j];
      if (++filled == B || i == samples - 1) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, filled, 1.0,
                    batch, n, 1.0, cov, n);
        filled = 0;
      }
    }
    if (pass == 0)
      for (int j = 0; j < n; j++)
        mean[j] /= (double)samples;
  }
  for (size_t j = 0; j < (size_t)n * n; j++)
    cov[j] /= (double)(samples - 1);
  double total = 0;
  for (int j = 0; j < n; j++)
    total += cov[(size_t)j * n + j];

  /* The k largest eigenpairs. Row-major upper = column-major lower. */
  int il = n - (int)k + 1, iu = n, m = 0, info_rc = 0, lwork = -1, liwork = -1,
      iw;
  double vl = 0, vu = 0, abstol = 0, wq;
  evals = malloc(sizeof(double) * (size_t)n);
  evecs = malloc(sizeof(double) * (size_t)n * k);
  isuppz = malloc(sizeof(int) * 2 * (size_t)k);
  if (!evals || !evecs || !isuppz) {
    fail("%s", "out of memory");
    goto done;
  }
  dsyevr_("V", "I", "L", &n, cov, &n, &vl, &vu, &il, &iu, &abstol, &m, evals,
          evecs, &n, isuppz, &wq, &lwork, &iw, &liwork, &info_rc);
  lwork = (int)wq;
  liwork = iw;
  work = malloc(sizeof(double) * (size_t)lwork);
  iwork = malloc(sizeof(int) * (size_t)liwork);
  if (!work || !iwork) {
    fail("%s", "out of memory");
    goto done;
  }
  dsyevr_("V", "I", "L", &n, cov, &n, &vl, &vu, &il, &iu, &abstol, &m, evals,
          evecs, &n, isuppz, work, &lwork, iwork, &liwork, &info_rc);
  if (info_rc != 0 || m != k) {
    fprintf(stderr, "%s: the eigensolver failed (info %d)\n", prog, info_rc);
    goto done;
  }
  /* Largest first; each sign fixed so that its largest entry is positive
   * (PCA leaves it free; this makes the files reproducible). */
  dirs = malloc(sizeof(float) * (size_t)k * n);
  if (!dirs) {
    fail("%s", "out of memory");
    goto done;
  }
  printf("component  stdev      explained  cumulative\n");
  double cum = 0;
  for (long i = 0; i < k; i++) {
    const double *v = evecs + (size_t)(k - 1 - i) * n;
    double lambda = evals[k - 1 - i] > 0 ? evals[k - 1 - i] : 0;
    int big = 0;
    for (int j = 1; j < n; j++)
      if (fabs(v[j]) > fabs(v[big]))
        big = j;
    double sign = v[big] < 0 ? -1 : 1, s = scale ? sqrt(lambda) : 1;
    for (int j = 0; j < n; j++)
      dirs[(size_t)i * n + j] = (float)(sign * s * v[j]);
    cum += lambda / total;
    printf("%9ld  %-9.5f  %8.4f%%  %9.4f%%\n", i, sqrt(lambda),
           100 * lambda / total, 100 * cum);
  }
  size_t shape[2] = {(size_t)k, (size_t)n};
  size_t len = strlen(out);
  char *tmp = malloc(len + 8);
  if (!tmp) {
    fail("%s", "out of memory");
    goto done;
  }
  snprintf(tmp, len + 8, "%s.part", out);
  if (npy_write_f32(tmp, dirs, 2, shape) || rename(tmp, out)) {
    remove(tmp);
    free(tmp);
    fail("cannot write %s", out);
    goto done;
  }
  free(tmp);
  printf("Wrote %ld directions of %d to %s (%ld samples)\n", k, n, out,
         samples);
  rc = 0;
done:
  sg3_generator_free(gen);
  sg3_model_unref(model);
  free(error);
  free(ws);
  free(dirs);
  free(batch);
  free(cov);
  free(mean);
  free(evals);
  free(evecs);
  free(work);
  free(iwork);
  free(isuppz);
  return rc;
}
