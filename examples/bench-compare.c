/* sg3-bench --compare: the README's performance table in one run.
 *
 * Each row runs in two child processes of this same binary: one writes the
 * random model as safetensors (--save), the other loads that file and
 * renders (--summary), so that load time and peak RSS are a file's, per
 * row, as a user would see them. sgemm is measured before and after the
 * rows: the ratios use their mean, and both are printed so that a drift in
 * the machine's speed during the run shows. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "sg3.h"

/* The bundled model: installed, else in the source tree (meson sets both). */
#ifndef SG3_DEMO_MODEL_INSTALLED
#define SG3_DEMO_MODEL_INSTALLED                                               \
  "/usr/share/sg3/models/sg3t-fashion32.safetensors"
#endif
#ifndef SG3_DEMO_MODEL_SOURCE
#define SG3_DEMO_MODEL_SOURCE "models/sg3t-fashion32.safetensors"
#endif

typedef struct {
  const char *id, *label;
  const char *config; /* NULL: the bundled demo model */
  int resolution, channel_base;
  int frames, warmup;
} bench_row;

static const bench_row rows[] = {
    {"demo", "bundled demo (T, 32×32 gray)", NULL, 0, 0, 100, 10},
    {"t256", "StyleGAN3-T 256×256", "stylegan3-t", 256, 0, 5, 1},
    {"t512", "StyleGAN3-T 512×512", "stylegan3-t", 512, 0, 4, 1},
    {"t1024", "StyleGAN3-T 1024×1024", "stylegan3-t", 1024, 0, 3, 1},
    {"r256", "StyleGAN3-R 256×256", "stylegan3-r", 256, 0, 5, 1},
    {"r512", "StyleGAN3-R 512×512", "stylegan3-r", 512, 0, 4, 1},
    {"r1024", "StyleGAN3-R 1024×1024", "stylegan3-r", 1024, 0, 3, 1},
    {"sg2-256", "StyleGAN2 256×256 (`paper256`)", "stylegan2", 256, 16384, 10,
     2},
    {"sg2-1024", "StyleGAN2 1024×1024 (config F)", "stylegan2", 1024, 0, 5, 1},
};
#define NROWS (int)(sizeof rows / sizeof *rows)

typedef struct {
  double load_ms, first_ms, median_ms, best_ms, gflop, model_mb, load_peak_mb;
  double peak_mb;
  char simd[32];
  int threads, winograd;
} bench_result;

/* Runs argv (argv[0] = this binary) with stdout into `out` (up to n
 * bytes); the child's peak RSS in *peak_mb. Returns its exit status, -1 if
 * it could not run or died from a signal. */
static int run_child(char *const argv[], char *out, size_t n, double *peak_mb) {
  int fd[2];
  if (pipe(fd))
    return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fd[0]);
    close(fd[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(fd[1], STDOUT_FILENO);
    close(fd[0]);
    close(fd[1]);
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(fd[1]);
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd[0], out + len, n - 1 - len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    len += (size_t)r;
    if (len == n - 1) { /* keep draining, keep the start */
      char sink[4096];
      while (read(fd[0], sink, sizeof sink) > 0)
        ;
      break;
    }
  }
  out[len] = 0;
  close(fd[0]);
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR)
      return -1;
  *peak_mb = ru.ru_maxrss / 1024.0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int parse_summary(const char *out, bench_result *r) {
  const char *s = strstr(out, "summary: ");
  if (!s)
    return -1;
  return sscanf(s,
                "summary: load_ms=%lf first_ms=%lf median_ms=%lf best_ms=%lf "
                "gflop=%lf model_mb=%lf load_peak_mb=%lf simd=%31s threads=%d "
                "winograd=%d",
                &r->load_ms, &r->first_ms, &r->median_ms, &r->best_ms,
                &r->gflop, &r->model_mb, &r->load_peak_mb, r->simd, &r->threads,
                &r->winograd) == 10
             ? 0
             : -1;
}

static int measure_row(const bench_row *row, const char *dir, int frames,
                       const char *demo, const char *threads, bench_result *r) {
  static char out[1 << 16];
  char path[PATH_MAX], res[16], cbase[16], nf[16], nw[16];
  const char *model = demo;
  double peak;
  if (row->config) {
    if (snprintf(path, sizeof path, "%s/%s.safetensors", dir, row->id) >=
        (int)sizeof path)
      return -1;
    snprintf(res, sizeof res, "%d", row->resolution);
    snprintf(cbase, sizeof cbase, "%d", row->channel_base);
    char *save[] = {"sg3-bench",
                    "--config",
                    (char *)row->config,
                    "--resolution",
                    res,
                    "--save",
                    path,
                    NULL,
                    NULL,
                    NULL};
    if (row->channel_base) {
      save[7] = "--channel-base";
      save[8] = cbase;
    }
    if (run_child(save, out, sizeof out, &peak)) {
      fprintf(stderr, "sg3-bench: cannot write the %s model\n", row->id);
      return -1;
    }
    model = path;
  }
  snprintf(nf, sizeof nf, "%d", frames > 0 ? frames : row->frames);
  snprintf(nw, sizeof nw, "%d", frames > 0 ? 1 : row->warmup);
  char *run[] = {
      "sg3-bench",     "--network", (char *)model, "--frames",  nf,
      "--warmup",      nw,          "--no-sgemm",  "--summary", "--threads",
      (char *)threads, NULL};
  int rc = run_child(run, out, sizeof out, &r->peak_mb);
  if (row->config)
    unlink(path);
  if (rc || parse_summary(out, r)) {
    fprintf(stderr, "sg3-bench: the %s row failed (exit %d)\n", row->id, rc);
    return -1;
  }
  return 0;
}

void bench_cpu_name(char *name, size_t n) {
  snprintf(name, n, "unknown CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "model name", 10)) {
      char *c = strchr(line, ':');
      if (c) {
        c += 1 + (c[1] == ' ');
        c[strcspn(c, "\n")] = 0;
        snprintf(name, n, "%s", c);
      }
      break;
    }
  if (f)
    fclose(f);
}

double bench_loadavg(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f && fscanf(f, "%lf", &l) != 1)
    l = -1;
  if (f)
    fclose(f);
  return l;
}

static void print_ms(double ms) {
  if (ms >= 1000)
    printf("%.2f s", ms / 1000);
  else if (ms >= 100)
    printf("%.0f ms", ms);
  else
    printf("%.1f ms", ms);
}

int bench_compare(int argc, char **argv) {
  const char *list = NULL, *threads = "0", *demo = NULL;
  int frames = 0, do_sgemm = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--compare"))
      continue;
    if (!strcmp(a, "--rows") && v)
      list = argv[++i];
    else if (!strcmp(a, "--threads") && v)
      threads = argv[++i];
    else if (!strcmp(a, "--demo") && v)
      demo = argv[++i];
    else if (!strcmp(a, "--frames") && v) {
      char *end;
      long f = strtol(argv[++i], &end, 10);
      if (*end || f < 1 || f > 100000) {
        fprintf(stderr, "sg3-bench: --frames needs an integer from 1\n");
        return 1;
      }
      frames = (int)f;
    } else if (!strcmp(a, "--no-sgemm"))
      do_sgemm = 0;
    else {
      fprintf(stderr,
              "sg3-bench: --compare takes --rows LIST, --frames N, "
              "--threads N, --demo FILE and --no-sgemm, not '%s'\n",
              a);
      return 1;
    }
  }
  int use[NROWS], nuse = 0;
  for (int r = 0; r < NROWS; r++)
    use[r] = !list;
  for (const char *s = list; s && *s;) {
    size_t n = strcspn(s, ",");
    int found = 0;
    for (int r = 0; r < NROWS; r++)
      if (strlen(rows[r].id) == n && !strncmp(s, rows[r].id, n))
        use[r] = found = 1;
    if (!found) {
      fprintf(stderr, "sg3-bench: unknown row '%.*s'; rows:", (int)n, s);
      for (int r = 0; r < NROWS; r++)
        fprintf(stderr, " %s", rows[r].id);
      fprintf(stderr, "\n");
      return 1;
    }
    s += n + (s[n] == ',');
  }
  for (int r = 0; r < NROWS; r++)
    nuse += use[r];
  if (!demo)
    demo = access(SG3_DEMO_MODEL_INSTALLED, R_OK) ? SG3_DEMO_MODEL_SOURCE
                                                  : SG3_DEMO_MODEL_INSTALLED;

  char tmpl[PATH_MAX];
  const char *tmp = getenv("TMPDIR");
  snprintf(tmpl, sizeof tmpl, "%s/sg3-bench-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(tmpl)) {
    fprintf(stderr, "sg3-bench: cannot make a temporary directory: %s\n",
            strerror(errno));
    return 1;
  }

  double load0 = bench_loadavg();
  double sgemm0 = do_sgemm ? bench_sgemm_gflops(2048, 5) : 0;
  bench_result res[NROWS];
  int ok[NROWS] = {0}, done = 0, failed = 0;
  for (int r = 0; r < NROWS; r++) {
    if (!use[r])
      continue;
    fprintf(stderr, "sg3-bench: [%d/%d] %s ...\n", ++done, nuse, rows[r].id);
    memset(&res[r], 0, sizeof res[r]);
    ok[r] = !measure_row(&rows[r], tmpl, frames, demo, threads, &res[r]);
    failed += !ok[r];
  }
  double sgemm1 = do_sgemm ? bench_sgemm_gflops(2048, 5) : 0;
  double load1 = bench_loadavg();
  rmdir(tmpl);
  double sgemm = 0.5 * (sgemm0 + sgemm1);

  char cpu[256];
  bench_cpu_name(cpu, sizeof cpu);
  time_t t = time(NULL);
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%d", gmtime(&t));
  const char *simd = "?";
  int nthreads = 0;
  for (int r = 0; r < NROWS; r++)
    if (ok[r]) {
      simd = res[r].simd;
      nthreads = res[r].threads;
      break;
    }
  printf("Measured by `sg3-bench --compare` on %s: %s, %ld CPUs online, "
         "kernels %s with %d threads, load average %.2f before and %.2f "
         "after.",
         date, cpu, sysconf(_SC_NPROCESSORS_ONLN), simd, nthreads, load0,
         load1);
  if (do_sgemm) {
    const char *core = bench_blas_core();
    printf(" sgemm (2048³, %d threads%s%s%s): %.0f GFLOP/s before the rows "
           "and %.0f after; the ratios below use %.0f.",
           bench_blas_threads(), core ? ", OpenBLAS " : "", core ? core : "",
           core ? " kernel" : "", sgemm0, sgemm1, sgemm);
  }
  printf("\n\n| model | GFLOP | load | model memory (peak while loading) | "
         "first frame | per frame | effective GFLOP/s |%s peak RSS |\n",
         do_sgemm ? " of sgemm |" : "");
  printf("| --- | --- | --- | --- | --- | --- | --- |%s --- |\n",
         do_sgemm ? " --- |" : "");
  for (int r = 0; r < NROWS; r++) {
    if (!use[r])
      continue;
    if (!ok[r]) {
      printf("| %s | failed | | | | | |%s |\n", rows[r].label,
             do_sgemm ? " |" : "");
      continue;
    }
    const bench_result *b = &res[r];
    double gflops = b->gflop / (b->median_ms / 1e3);
    printf("| %s | %.1f | ", rows[r].label, b->gflop);
    print_ms(b->load_ms);
    printf(" | %.0f MB (%.0f MB) | ", b->model_mb, b->load_peak_mb);
    print_ms(b->first_ms);
    printf(" | **");
    print_ms(b->median_ms);
    printf("** (%.1f fps) | %.0f |", 1e3 / b->median_ms, gflops);
    if (do_sgemm)
      printf(" %.0f%% |", sgemm > 0 ? 100 * gflops / sgemm : 0);
    printf(" %.0f MB |\n", b->peak_mb);
  }
  printf("\nload = opening the safetensors file (page cache warm), ready to "
         "render; model memory = the resident set then; first frame = making "
         "a generator and rendering once; peak RSS = the child process's "
         "peak over the whole run; per frame = median of %s frames after "
         "warm-up, a new seed each.\n",
         frames > 0 ? "the given" : "3 to 100");
  if (failed)
    fprintf(stderr, "sg3-bench: %d row(s) failed\n", failed);
  return failed ? 1 : 0;
}
