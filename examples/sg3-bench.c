/* sg3-bench: how fast the generator runs here, per layer, against what the
 * machine's BLAS reaches on a large matrix product.
 *
 *   sg3-bench --network FILE [options]
 *   sg3-bench --config stylegan3-t|stylegan3-r|stylegan2 --resolution N
 *             [--channel-base B --channel-max M] [options]
 *   sg3-bench --config stylegan-xl-t|stylegan-xl-r --resolution N
 *             (StyleGAN-XL's ImageNet networks: a 16x16 stem and 2x heads)
 *   sg3-bench --compare [--rows LIST] [--frames N] [--no-sgemm]
 *   options: --frames N (20) --warmup N (3) --threads N (0 = one per CPU)
 *            --simd avx512|avx2|generic --no-winograd --no-sgemm
 *            --save FILE (write the model as safetensors and stop)
 *            --summary (one machine-readable line, for --compare)
 *
 * A frame is one sg3_render of a new seed (mapping and synthesis). The last
 * line is machine-readable: median_ms=<float> gflops=<float>. */
#include <cblas.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bytes_arg.h"
#include "sg3.h"

/* OpenBLAS reports its kernel; other BLAS libraries lack this. */
extern char *openblas_get_corename(void) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: sg3-bench --network FILE [options]\n"
          "       sg3-bench --config stylegan3-t|stylegan3-r|stylegan2 "
          "--resolution N\n"
          "                 [--channel-base B] [--channel-max M] [options]\n"
          "       sg3-bench --config stylegan-xl-t|stylegan-xl-r --resolution "
          "N\n"
          "                 (N = 16, 32, ... 1024: StyleGAN-XL's ImageNet "
          "networks)\n"
          "options: --frames N (20)  --warmup N (3)  --threads N (0 = one "
          "per CPU)\n"
          "         --simd avx512|avx2|generic (default: the best here)\n"
          "         --no-winograd (direct 3x3 convolutions)\n"
          "         --no-sgemm (skip the BLAS reference)\n"
          "         --max-memory SIZE (refuse above SIZE bytes, e.g. 4G; "
          "default 3/4\n"
          "           of the memory; none)\n"
          "         --save FILE (write the model as safetensors, then stop)\n"
          "         --summary (print one machine-readable summary line)\n"
          "       sg3-bench --compare [--rows LIST] [--frames N] [--no-sgemm]\n"
          "                 (the README's table: demo, T/R 256..1024, "
          "StyleGAN2;\n"
          "                 each row loaded from a safetensors file in a "
          "child process)\n");
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long v = s ? strtol(s, &end, 10) : 0;
  if (!s || errno || *end || end == s || v < lo || v > hi) {
    fprintf(stderr, "sg3-bench: %s needs an integer from %d to %d\n", opt, lo,
            hi);
    return -1;
  }
  *out = (int)v;
  return 0;
}

const char *bench_blas_core(void) {
  return openblas_get_corename ? openblas_get_corename() : NULL;
}

int bench_blas_threads(void) {
  return openblas_get_num_threads ? openblas_get_num_threads() : 0;
}

/* A field of /proc/self/status ("VmRSS:", "VmHWM:") in MB; 0 if unknown. */
static double proc_status_mb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  double kb = 0;
  size_t n = strlen(field);
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, field, n)) {
      kb = strtod(line + n, NULL);
      break;
    }
  if (f)
    fclose(f);
  return kb / 1024.0;
}

double bench_sgemm_gflops(int n, int reps) {
  size_t nn = (size_t)n * n;
  float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
  float *c = malloc(nn * sizeof *c);
  if (!a || !b || !c) {
    free(a);
    free(b);
    free(c);
    return 0;
  }
  for (size_t i = 0; i < nn; i++) {
    a[i] = (float)((i * 7919) % 1000) * 1e-3f - 0.5f;
    b[i] = (float)((i * 104729) % 1000) * 1e-3f - 0.5f;
  }
  double t[16];
  if (reps > 16)
    reps = 16;
  for (int r = -1; r < reps; r++) { /* one untimed run first */
    double t0 = now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n,
                b, n, 0.0f, c, n);
    if (r >= 0)
      t[r] = now() - t0;
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * n * n * (double)n / median(t, reps) / 1e9;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--compare"))
      return bench_compare(argc, argv);
  const char *network = NULL, *config = NULL, *save = NULL;
  int resolution = 0, cbase = 0, cmax = 0, frames = 20, warmup = 3;
  int threads = 0, do_sgemm = 1, summary = 0;
  sg3_load_options load;
  sg3_load_options_init(&load);
  sg3_generator_options gopt;
  sg3_generator_options_init(&gopt);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int bad = 0;
    if (!strcmp(a, "--network") && v)
      network = argv[++i];
    else if (!strcmp(a, "--config") && v)
      config = argv[++i];
    else if (!strcmp(a, "--resolution"))
      bad = parse_int(a, v, 4, 8192, &resolution), i++;
    else if (!strcmp(a, "--channel-base"))
      bad = parse_int(a, v, 1, 1 << 24, &cbase), i++;
    else if (!strcmp(a, "--channel-max"))
      bad = parse_int(a, v, 1, 1 << 14, &cmax), i++;
    else if (!strcmp(a, "--frames"))
      bad = parse_int(a, v, 1, 100000, &frames), i++;
    else if (!strcmp(a, "--warmup"))
      bad = parse_int(a, v, 0, 100000, &warmup), i++;
    else if (!strcmp(a, "--threads"))
      bad = parse_int(a, v, 0, 1024, &threads), i++;
    else if (!strcmp(a, "--no-sgemm"))
      do_sgemm = 0;
    else if (!strcmp(a, "--save") && v)
      save = argv[++i];
    else if (!strcmp(a, "--summary"))
      summary = 1;
    else if (!strcmp(a, "--no-winograd"))
      load.winograd = 0;
    else if (!strcmp(a, "--max-memory")) {
      if (parse_bytes_arg(v, &load.max_memory)) {
        fprintf(stderr, "sg3-bench: --max-memory needs a size like 4G\n");
        return 1;
      }
      gopt.max_memory = load.max_memory;
      i++;
    } else if (!strcmp(a, "--simd") && v)
      gopt.simd = argv[++i];
    else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "sg3-bench: unknown or incomplete option '%s'\n", a);
      usage(stderr);
      return 1;
    }
    if (bad)
      return 1;
  }
  if (!network == !config) {
    fprintf(stderr, "sg3-bench: give either --network or --config\n");
    usage(stderr);
    return 1;
  }

  char *error = NULL;
  sg3_model *model = NULL;
  char desc[512];
  if (save)
    load.winograd = 0; /* only the stored weights are written */
  double t_load = now();
  if (network) {
    sg3_model_open(network, &load, &model, &error);
    snprintf(desc, sizeof desc, "%s", network);
  } else if (!strncmp(config, "stylegan-xl-", 12)) {
    /* StyleGAN-XL's train.py for ImageNet: a 16x16 stem (--syn_layers 10,
     * z_dim 64, w_dim 512, doubled channels; R doubles them again), then
     * one --superres --up_factor 2 --head_layers 7 stage per doubling. */
    int r = !strcmp(config + 12, "r");
    if ((!r && strcmp(config + 12, "t")) || resolution < 16 ||
        resolution & (resolution - 1)) {
      fprintf(stderr, "sg3-bench: --config stylegan-xl-t or stylegan-xl-r "
                      "with --resolution 16, 32, 64, ... 1024\n");
      return 1;
    }
    if (!cbase)
      cbase = r ? 131072 : 65536;
    if (!cmax)
      cmax = r ? 2048 : 1024;
    char stages[512] = "";
    for (int res = 32; res <= resolution; res *= 2)
      snprintf(stages + strlen(stages), sizeof stages - strlen(stages),
               "%s{\"head_layers\": 7, \"up_factor\": 2}",
               res > 32 ? ", " : "");
    char kwargs[1024];
    snprintf(kwargs, sizeof kwargs,
             "{\"z_dim\": 64, \"w_dim\": 512, \"c_dim\": 1000, "
             "\"img_resolution\": 16, \"img_channels\": 3, "
             "\"channel_base\": %d, \"channel_max\": %d, \"num_layers\": 10, "
             "\"conv_kernel\": %d, \"use_radial_filters\": %s, "
             "\"mapping_kwargs\": {\"rand_embedding\": false, "
             "\"num_layers\": 2}, \"superres\": [%s]}",
             cbase, cmax, r ? 1 : 3, r ? "true" : "false", stages);
    sg3_model_create_random("stylegan-xl", kwargs, 1, &load, &model, &error);
    snprintf(desc, sizeof desc,
             "%s %dx%d (16x16 stem + %d heads), channel_base %d, channel_max "
             "%d, random weights",
             config, resolution, resolution, __builtin_ctz(resolution) - 4,
             cbase, cmax);
  } else {
    int r = !strcmp(config, "stylegan3-r"), sg2 = !strcmp(config, "stylegan2");
    if (!r && !sg2 && strcmp(config, "stylegan3-t")) {
      fprintf(stderr, "sg3-bench: --config is stylegan3-t, stylegan3-r, "
                      "stylegan2, stylegan-xl-t or stylegan-xl-r\n");
      return 1;
    }
    if (!resolution) {
      fprintf(stderr, "sg3-bench: --config needs --resolution\n");
      return 1;
    }
    /* train.py's defaults; stylegan3-r doubles both channel counts.
     * StyleGAN2: config F (channel_base 32768), 8 mapping layers; the
     * stylegan2-ada paper256 config is --channel-base 16384. */
    if (!cbase)
      cbase = r ? 65536 : 32768;
    if (!cmax)
      cmax = r ? 1024 : 512;
    char kwargs[512];
    snprintf(kwargs, sizeof kwargs,
             "{\"z_dim\": 512, \"w_dim\": 512, \"c_dim\": 0, "
             "\"img_resolution\": %d, \"img_channels\": 3, "
             "\"channel_base\": %d, \"channel_max\": %d, "
             "\"mapping_kwargs\": {\"num_layers\": %d}%s}",
             resolution, cbase, cmax, sg2 ? 8 : 2,
             r ? ", \"conv_kernel\": 1, \"use_radial_filters\": true" : "");
    sg3_model_create_random(sg2 ? "stylegan2" : "stylegan3", kwargs, 1, &load,
                            &model, &error);
    snprintf(desc, sizeof desc,
             "%s %dx%d, channel_base %d, channel_max %d, random weights",
             config, resolution, resolution, cbase, cmax);
  }
  if (!model) {
    fprintf(stderr, "sg3-bench: %s\n", error ? error : "cannot load");
    free(error);
    return 1;
  }
  if (save) {
    int rc = sg3_model_save_safetensors(model, save, &error) != SG3_OK;
    if (rc)
      fprintf(stderr, "sg3-bench: %s\n", error);
    free(error);
    sg3_model_unref(model);
    return rc;
  }
  /* The model alone: its load time, what it keeps, and the peak while it
   * was read. */
  t_load = now() - t_load;
  double model_mb = proc_status_mb("VmRSS:");
  double load_peak_mb = proc_status_mb("VmHWM:");
  sg3_generator *gen = NULL;
  gopt.threads = threads;
  double t_gen = now();
  if (sg3_generator_create(model, &gopt, &gen, &error) != SG3_OK) {
    fprintf(stderr, "sg3-bench: %s\n", error ? error : "no generator");
    free(error);
    return 1;
  }
  t_gen = now() - t_gen;
  sg3_model_info info;
  sg3_model_get_info(model, &info);

  float *img = malloc(sg3_model_frame_size(model, SG3_PIXELS_F32_CHW));
  double *times = calloc((size_t)frames, sizeof *times);
  int nprof = sg3_generator_get_profile(gen, NULL, 0);
  sg3_layer_profile *prof = calloc((size_t)nprof, sizeof *prof);
  if (!img || !times || !prof) {
    fprintf(stderr, "sg3-bench: out of memory\n");
    return 1;
  }
  sg3_request req;
  sg3_request_init(&req);
  req.psi = 0.7f;
  req.class_index = info.c_dim > 0 ? 0 : -1; /* class 0 if conditional */

  printf("model:    %s\n", desc);
  printf("          %s (%s), %dx%d, %d channels, %d layers\n", info.config,
         info.architecture, info.img_resolution, info.img_resolution,
         info.img_channels, info.num_layers);
  /* As the library decides at load (sg3_load_options.winograd). */
  const char *no_wino = getenv("SG3_NO_WINOGRAD");
  int winograd = info.conv_kernel == 3 && load.winograd &&
                 !(no_wino && *no_wino && strcmp(no_wino, "0"));
  printf("kernels:  %s, %d threads, %s\n", sg3_generator_simd(gen),
         sg3_generator_get_threads(gen),
         winograd ? "3x3 convolutions by Winograd F(4x4, 3x3)"
                  : "convolutions as direct GEMMs");
  char cpu_model[256];
  bench_cpu_name(cpu_model, sizeof cpu_model);
  printf("machine:  %s, %ld CPUs online, load average %.2f\n", cpu_model,
         sysconf(_SC_NPROCESSORS_ONLN), bench_loadavg());
  struct timespec cpu0 = {0}, cpu1;
  double first_s = 0;
  for (int f = -warmup; f < frames; f++) {
    if (f == 0) {
      sg3_generator_set_profiling(gen, 1);
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
    }
    req.seed = (uint32_t)(f + warmup);
    double t0 = now();
    if (sg3_render(gen, &req, SG3_PIXELS_F32_CHW, img, &error) != SG3_OK) {
      fprintf(stderr, "sg3-bench: %s\n", error);
      free(error);
      return 1;
    }
    if (f == -warmup)
      first_s = now() - t0;
    if (f >= 0)
      times[f] = now() - t0;
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
  double cpu_s = (double)(cpu1.tv_sec - cpu0.tv_sec) +
                 (double)(cpu1.tv_nsec - cpu0.tv_nsec) * 1e-9;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double peak_mb = ru.ru_maxrss / 1024.0;

  sg3_generator_get_profile(gen, prof, nprof);
  printf("\n%-14s %10s %10s %10s %10s %6s\n", "layer", "conv ms", "filter ms",
         "other ms", "total ms", "share");
  double total = 0, sum_conv = 0, sum_filter = 0, sum_other = 0;
  for (int i = 0; i < nprof; i++)
    total += prof[i].conv_s + prof[i].filter_s + prof[i].other_s;
  for (int i = 0; i < nprof; i++) {
    double n = prof[i].calls ? (double)prof[i].calls : 1;
    double cv = prof[i].conv_s / n * 1e3, fl = prof[i].filter_s / n * 1e3;
    double ot = prof[i].other_s / n * 1e3;
    double share = prof[i].conv_s + prof[i].filter_s + prof[i].other_s;
    printf("%-14s %10.3f %10.3f %10.3f %10.3f %5.1f%%\n", prof[i].name, cv, fl,
           ot, cv + fl + ot, total > 0 ? 100 * share / total : 0);
    sum_conv += cv;
    sum_filter += fl;
    sum_other += ot;
  }
  printf("%-14s %10.3f %10.3f %10.3f %10.3f\n", "all", sum_conv, sum_filter,
         sum_other, sum_conv + sum_filter + sum_other);

  double best = times[0];
  for (int f = 1; f < frames; f++)
    if (times[f] < best)
      best = times[f];
  double med = median(times, frames);
  double gflops = info.flops / med / 1e9;
  printf("\nframes:   %d (after %d warm-up), median %.3f ms, best %.3f ms, "
         "%.1f fps\n",
         frames, warmup, med * 1e3, best * 1e3, 1 / med);
  printf("cpu:      %.3f ms of CPU time per frame (all threads)\n",
         cpu_s / frames * 1e3);
  printf("work:     %.3f GFLOP per frame: convolutions counted as direct "
         "convolutions, filters as\n          the polyphase taps computed, 2 "
         "per multiply-add\n",
         info.flops / 1e9);
  printf("speed:    %.2f GFLOP/s%s\n", gflops,
         winograd ? " (effective: Winograd does a quarter of the 3x3 "
                    "convolutions' multiplications)"
                  : "");
  printf("load:     %.1f ms (%s), a generator %.1f ms, first frame "
         "%.1f ms\n",
         t_load * 1e3, network ? "reading the file" : "a random model",
         t_gen * 1e3, first_s * 1e3);
  printf("memory:   model %.1f MB resident (peak %.1f MB while loading), "
         "peak RSS %.1f MB\n",
         model_mb, load_peak_mb, peak_mb);
  if (do_sgemm) {
    double ref = bench_sgemm_gflops(2048, 5);
    const char *core = bench_blas_core();
    printf("sgemm:    %.2f GFLOP/s on 2048^3", ref);
    if (core)
      printf(" (OpenBLAS %s kernel, %d threads)", core, bench_blas_threads());
    printf("\nratio:    %.0f%% of sgemm\n", ref > 0 ? 100 * gflops / ref : 0);
  }
  if (summary)
    printf("summary: load_ms=%.3f first_ms=%.3f median_ms=%.3f best_ms=%.3f "
           "gflop=%.3f model_mb=%.1f load_peak_mb=%.1f simd=%s threads=%d "
           "winograd=%d\n",
           t_load * 1e3, (t_gen + first_s) * 1e3, med * 1e3, best * 1e3,
           info.flops / 1e9, model_mb, load_peak_mb, sg3_generator_simd(gen),
           sg3_generator_get_threads(gen), winograd);
  printf("median_ms=%.3f gflops=%.3f\n", med * 1e3, gflops);

  free(img);
  free(times);
  free(prof);
  sg3_generator_free(gen);
  sg3_model_unref(model);
  return 0;
}
