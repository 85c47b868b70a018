/* Memory budgets: a model or generator estimated above max_memory is
 * refused with SG3_ERR_TOO_LARGE and the estimate, before it is allocated;
 * and the estimate is close to what a generator really takes.
 *
 * usage: test_budget DEMO.safetensors TMPDIR */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sg3.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static double peak_rss_mb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024; /* kB on Linux */
}

static double rss_bytes(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
      resident = 0;
    fclose(f);
  }
  return (double)resident * (double)sysconf(_SC_PAGE_SIZE);
}

/* The last number before " GB" or " MB" in a message, in bytes. */
static double stated_bytes(const char *msg) {
  const char *p = msg ? strstr(msg, "would need about ") : NULL;
  if (!p)
    return 0;
  double v = atof(p + strlen("would need about "));
  const char *unit = strpbrk(p + strlen("would need about "), "GMk");
  return unit && *unit == 'G'   ? v * 1e9
         : unit && *unit == 'M' ? v * 1e6
                                : v * 1e3;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s DEMO.safetensors TMPDIR\n", argv[0]);
    return 2;
  }
  char *err = NULL;

  /* A few kilobytes of weights that ask for an 8192x8192 image: one
   * channel per layer, so the file is tiny but every activation plane is
   * 8192^2 x 16 floats. */
  const char *huge = "{\"z_dim\": 8, \"w_dim\": 8, \"img_resolution\": 8192, "
                     "\"img_channels\": 3, \"channel_max\": 1, "
                     "\"mapping_kwargs\": {\"num_layers\": 1}}";
  sg3_model *m = NULL;
  check(sg3_model_create_random(NULL, huge, 1, NULL, &m, &err) == SG3_OK,
        "an 8192x8192 model of one channel per layer builds (%s)",
        err ? err : "ok");
  free(err);
  err = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/huge8192.safetensors", argv[2]);
  check(m && sg3_model_save_safetensors(m, path, NULL) == SG3_OK, "saved");
  sg3_model_unref(m);
  struct stat st;
  check(stat(path, &st) == 0 && st.st_size < 16 * 1024,
        "the file is %lld bytes", (long long)st.st_size);

  double t0 = now();
  m = NULL;
  check(sg3_model_open(path, NULL, &m, &err) == SG3_OK, "it loads (%s)",
        err ? err : "ok");
  free(err);
  err = NULL;
  sg3_generator_options o;
  sg3_generator_options_init(&o);
  o.threads = 2;
  o.max_memory = 1000000000; /* 1 GB */
  sg3_generator *g = NULL;
  sg3_status s = m ? sg3_generator_create(m, &o, &g, &err) : SG3_ERR_IO;
  double secs = now() - t0, need = stated_bytes(err);
  check(s == SG3_ERR_TOO_LARGE && !g, "a generator over 1 GB is refused: %s",
        err ? err : "no message");
  check(need > 5e9 && need < 20e9 && strstr(err, "1.0 GB") &&
            strstr(err, "8192x8192"),
        "the message gives the estimate (%.1f GB), the size and the budget",
        need / 1e9);
  check(secs < 2.0, "refused in %.3f s", secs);
  check(peak_rss_mb() < 200, "peak RSS %.0f MB", peak_rss_mb());
  free(err);
  err = NULL;

  /* The default budget, 3/4 of the memory, with 64 channels per layer:
   * tried only where the estimate is over the whole memory, so that it can
   * never be allocated for real. */
  sg3_model_unref(m);
  const char *wide = "{\"z_dim\": 8, \"w_dim\": 8, \"img_resolution\": 8192, "
                     "\"img_channels\": 3, \"channel_max\": 64, "
                     "\"mapping_kwargs\": {\"num_layers\": 1}}";
  m = NULL;
  check(sg3_model_create_random(NULL, wide, 1, NULL, &m, NULL) == SG3_OK,
        "an 8192x8192 model of 64 channels");
  o.max_memory = 1;
  s = sg3_generator_create(m, &o, &g, &err);
  need = stated_bytes(err);
  free(err);
  err = NULL;
  double phys = (double)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGE_SIZE);
  if (s == SG3_ERR_TOO_LARGE && need > phys) {
    o.max_memory = 0;
    s = sg3_generator_create(m, &o, &g, &err);
    check(s == SG3_ERR_TOO_LARGE && strstr(err, "3/4 of the memory"),
          "the default budget: %s", err ? err : "no message");
  } else {
    check(s == SG3_ERR_TOO_LARGE,
          "(the default budget is not tried: %.0f GB "
          "of memory here)",
          phys / 1e9);
  }
  if (g)
    sg3_generator_free(g);
  g = NULL;
  free(err);
  err = NULL;
  sg3_model_unref(m);
  unlink(path);

  /* Loading: the packed weights count against sg3_load_options. */
  sg3_load_options lo;
  sg3_load_options_init(&lo);
  lo.max_memory = 100000;
  m = NULL;
  s = sg3_model_open(argv[1], &lo, &m, &err);
  check(s == SG3_ERR_TOO_LARGE && !m && err && strstr(err, argv[1]),
        "a model over max_memory is refused: %s", err ? err : "no message");
  free(err);
  err = NULL;

  /* The estimate against the memory a generator really takes: its buffers
   * are zeroed at creation, so they are resident. Big blocks are mapped
   * and unmapped on free (a fixed threshold, not glibc's sliding one), so
   * that one model's freed memory does not hide the next one's. */
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  const char *t128 = "{\"z_dim\": 64, \"w_dim\": 64, \"img_resolution\": 128, "
                     "\"img_channels\": 3, \"channel_base\": 4096, "
                     "\"channel_max\": 128}";
  /* every family: StyleGAN3, StyleGAN2 (skip and resnet, which have other
   * buffers) */
  static const char *const families[] = {NULL, "stylegan2", "stylegan2"};
  static const char *const extra[] = {"", "", ", \"architecture\": \"resnet\""};
  for (int f = 0; f < 3; f++) {
    char kwargs[512];
    snprintf(kwargs, sizeof kwargs, "%.*s%s}", (int)strlen(t128) - 1, t128,
             extra[f]);
    check(sg3_model_create_random(families[f], kwargs, 2, NULL, &m, NULL) ==
              SG3_OK,
          "a 128x128 %s model%s", families[f] ? families[f] : "stylegan3",
          extra[f]);
    for (int threads = 1; threads <= 4; threads *= 4) {
      o.threads = threads;
      o.max_memory = 1; /* refused: the message says the estimate */
      check(sg3_generator_create(m, &o, &g, &err) == SG3_ERR_TOO_LARGE,
            "1 byte");
      double est = stated_bytes(err);
      free(err);
      err = NULL;
      o.max_memory = (uint64_t)(est * 1.06); /* the message rounds */
      double before = rss_bytes();
      check(sg3_generator_create(m, &o, &g, &err) == SG3_OK,
            "%d thread(s): fits in its own estimate (%s)", threads,
            err ? err : "ok");
      double used = rss_bytes() - before;
      check(used > 0.7 * est && used < 1.3 * est,
            "%d thread(s): estimate %.1f MB, resident %.1f MB", threads,
            est / 1e6, used / 1e6);
      sg3_generator_free(g);
      g = NULL;
      free(err);
      err = NULL;
    }
    sg3_model_unref(m);
  }
  return check_summary();
}
