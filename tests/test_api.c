/* The request-level API against the steps it stands on, its error codes,
 * the walk, cancellation and the generator options.
 *
 * usage: test_api DEMO.safetensors */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sg3.h"
#include "walk.h"

static sg3_model *demo;
static sg3_model_info info;

/* The image through the steps, as sg3-gen did before the request API. */
static void by_steps(sg3_generator *g, uint32_t seed, int klass, float psi,
                     int cutoff, double tx, double ty, double rot, float *img) {
  double *z = calloc((size_t)info.z_dim, sizeof *z);
  float *c = calloc((size_t)info.c_dim, sizeof *c);
  float *ws = calloc((size_t)info.num_ws * info.w_dim, sizeof *ws);
  float t[9];
  c[klass] = 1;
  sg3_z_from_seed(seed, z, info.z_dim);
  sg3_mapping(g, z, c, psi, cutoff, ws, NULL);
  sg3_make_transform(tx, ty, rot, t);
  sg3_synthesis(g, ws, t, img, NULL);
  free(z);
  free(c);
  free(ws);
}

static void test_render(void) {
  sg3_generator *g = sg3_generator_new(demo, NULL);
  size_t fsize = sg3_model_frame_size(demo, SG3_PIXELS_F32_CHW);
  size_t u8size = sg3_model_frame_size(demo, SG3_PIXELS_U8_HWC);
  check(fsize == u8size * sizeof(float) && u8size == (size_t)info.img_channels *
                                                         info.img_resolution *
                                                         info.img_resolution,
        "frame sizes %zu and %zu", fsize, u8size);
  float *a = malloc(fsize), *b = malloc(fsize);
  uint8_t *u8 = malloc(u8size), *u8b = malloc(u8size);
  sg3_request r;
  sg3_request_init(&r);
  r.seed = 4294967295u;
  r.class_index = 7;
  r.psi = 0.7f;
  r.cutoff = 5;
  r.translate_x = 0.1;
  r.translate_y = -0.2;
  r.rotate = 33;
  char *err = NULL;
  check(sg3_render(g, &r, SG3_PIXELS_F32_CHW, a, &err) == SG3_OK,
        "render float");
  by_steps(g, r.seed, 7, 0.7f, 5, 0.1, -0.2, 33, b);
  check(!memcmp(a, b, fsize), "the request equals the steps, bit for bit");
  check(sg3_render(g, &r, SG3_PIXELS_U8_HWC, u8, &err) == SG3_OK,
        "render 8-bit");
  sg3_image_to_u8(b, info.img_channels, info.img_resolution,
                  info.img_resolution, u8b);
  check(!memcmp(u8, u8b, u8size), "8-bit equals sg3_image_to_u8");

  /* ws alone, then the same ws given back */
  float *ws = malloc(sizeof(float) * info.num_ws * info.w_dim);
  check(sg3_request_ws(g, &r, ws, &err) == SG3_OK, "request_ws");
  sg3_request w = r;
  w.source = SG3_LATENT_WS;
  w.ws = ws;
  w.ws_rows = info.num_ws;
  w.psi = 0.1f; /* ignored: ws are given after truncation */
  check(sg3_render(g, &w, SG3_PIXELS_F32_CHW, b, &err) == SG3_OK &&
            !memcmp(a, b, fsize),
        "ws given back render the same");
  /* one row broadcast = the same row everywhere */
  sg3_request one = w;
  one.ws_rows = 1;
  one.translate_x = one.translate_y = one.rotate = 0;
  sg3_request_init(&r);
  r.seed = 5;
  r.class_index = 1;
  check(sg3_request_ws(g, &r, ws, &err) == SG3_OK, "psi 1 ws");
  check(sg3_render(g, &one, SG3_PIXELS_F32_CHW, a, &err) == SG3_OK &&
            sg3_render(g, &r, SG3_PIXELS_F32_CHW, b, &err) == SG3_OK &&
            !memcmp(a, b, fsize),
        "one ws row broadcasts (untruncated mapping rows are equal)");
  /* z given = the seed's z */
  double *z = malloc(sizeof(double) * info.z_dim);
  sg3_z_from_seed(5, z, info.z_dim);
  sg3_request rz = r;
  rz.source = SG3_LATENT_Z;
  rz.z = z;
  check(sg3_render(g, &rz, SG3_PIXELS_F32_CHW, a, &err) == SG3_OK &&
            !memcmp(a, b, fsize),
        "z given = the seed's");
  /* a label vector = the class index */
  float *label = calloc((size_t)info.c_dim, sizeof *label);
  label[1] = 1;
  sg3_request rl = r;
  rl.class_index = -1;
  rl.label = label;
  check(sg3_render(g, &rl, SG3_PIXELS_F32_CHW, a, &err) == SG3_OK &&
            !memcmp(a, b, fsize),
        "label vector = class index");
  /* w_avg is the mapping's: psi 0 gives w_avg in every truncated row */
  float *avg = malloc(sizeof(float) * info.w_dim);
  sg3_request r0 = r;
  r0.psi = 0;
  check(sg3_model_get_w_avg(demo, 1, avg, &err) == SG3_OK &&
            sg3_request_ws(g, &r0, ws, &err) == SG3_OK &&
            !memcmp(ws, avg, sizeof(float) * info.w_dim) &&
            !memcmp(ws + (size_t)(info.num_ws - 1) * info.w_dim, avg,
                    sizeof(float) * info.w_dim),
        "psi 0: every row is w_avg");
  free(avg);
  free(label);
  free(z);
  free(ws);
  free(a);
  free(b);
  free(u8);
  free(u8b);
  sg3_generator_free(g);
}

static void expect(sg3_status got, sg3_status want, char **err,
                   const char *needle, const char *what) {
  check(got == want && *err && (!needle || strstr(*err, needle)), "%s: %s (%s)",
        what, sg3_status_name(got), *err ? *err : "no message");
  free(*err);
  *err = NULL;
}

static void test_errors(const char *demo_path) {
  sg3_generator *g = sg3_generator_new(demo, NULL);
  float *px = malloc(sg3_model_frame_size(demo, SG3_PIXELS_F32_CHW));
  float *ws = malloc(sizeof(float) * info.num_ws * info.w_dim);
  char *err = NULL;
  sg3_request r;
  sg3_request_init(&r);
  expect(sg3_render(g, &r, SG3_PIXELS_F32_CHW, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "conditional", "no class");
  r.class_index = info.c_dim;
  expect(sg3_render(g, &r, SG3_PIXELS_F32_CHW, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "out of range", "class too large");
  r.class_index = 0;
  r.psi = NAN;
  expect(sg3_render(g, &r, SG3_PIXELS_F32_CHW, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "psi", "psi NaN");
  r.psi = 1;
  r.rotate = INFINITY;
  expect(sg3_render(g, &r, SG3_PIXELS_F32_CHW, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "finite", "rotate inf");
  r.rotate = 0;
  r.source = SG3_LATENT_WS;
  r.ws = ws;
  r.ws_rows = 2;
  expect(sg3_render(g, &r, SG3_PIXELS_F32_CHW, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "rows", "ws rows");
  r.ws_rows = 1;
  ws[3] = NAN;
  expect(sg3_render(g, &r, SG3_PIXELS_F32_CHW, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "finite", "ws NaN");
  r.source = SG3_LATENT_WALK;
  expect(sg3_render(g, &r, SG3_PIXELS_F32_CHW, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "walk", "no walk");
  r.source = SG3_LATENT_SEED;
  expect(sg3_render(g, &r, (sg3_pixel_format)7, px, &err),
         SG3_ERR_INVALID_ARGUMENT, &err, "format", "pixel format");
  sg3_generator_free(g);
  free(px);
  free(ws);

  /* Files: each failure has its code. */
  sg3_model *m = NULL;
  expect(sg3_model_open("/nonexistent/x.pkl", NULL, &m, &err),
         SG3_ERR_NOT_FOUND, &err, "/nonexistent/x.pkl", "missing file");
  check(m == NULL, "no model on error");
  expect(sg3_model_open("/", NULL, &m, &err), SG3_ERR_NOT_REGULAR, &err,
         "directory", "a directory");
  expect(sg3_model_open("/dev/null", NULL, &m, &err), SG3_ERR_NOT_REGULAR, &err,
         "device", "a device");
  char dir[] = "/tmp/sg3-test-api-XXXXXX";
  if (mkdtemp(dir)) {
    char fifo[64], text[64], noperm[64];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(text, sizeof text, "%s/text", dir);
    snprintf(noperm, sizeof noperm, "%s/noperm", dir);
    /* A FIFO with no writer: opening it must not block. */
    if (mkfifo(fifo, 0600) == 0)
      expect(sg3_model_open(fifo, NULL, &m, &err), SG3_ERR_NOT_REGULAR, &err,
             "FIFO", "a FIFO");
    FILE *f = fopen(text, "w");
    fputs("hello world, not a model\n", f);
    fclose(f);
    expect(sg3_model_open(text, NULL, &m, &err), SG3_ERR_FORMAT, &err,
           "not a StyleGAN model", "a text file");
    if (geteuid() != 0) { /* root reads anything */
      f = fopen(noperm, "w");
      fclose(f);
      chmod(noperm, 0);
      expect(sg3_model_open(noperm, NULL, &m, &err), SG3_ERR_PERMISSION, &err,
             noperm, "unreadable");
      unlink(noperm);
    }
    /* A truncated model: corrupt. */
    size_t size = 0;
    unsigned char *bytes = check_read_file(demo_path, &size);
    expect(sg3_model_open_memory(bytes, size / 2, "half.safetensors", NULL, &m,
                                 &err),
           SG3_ERR_CORRUPT, &err, "half.safetensors", "truncated");
    free(bytes);
    unlink(fifo);
    unlink(text);
    rmdir(dir);
  }
  expect(sg3_model_create_random("stylegan9", "{}", 1, NULL, &m, &err),
         SG3_ERR_UNSUPPORTED, &err, "stylegan9", "unknown family");

  /* Generator options. */
  sg3_generator_options o;
  sg3_generator_options_init(&o);
  o.simd = "sse9";
  sg3_generator *bad = NULL;
  expect(sg3_generator_create(demo, &o, &bad, &err), SG3_ERR_INVALID_ARGUMENT,
         &err, "sse9", "unknown SIMD");
  o.simd = NULL;
  o.threads = -1;
  expect(sg3_generator_create(demo, &o, &bad, &err), SG3_ERR_INVALID_ARGUMENT,
         &err, "thread", "negative threads");
  check(bad == NULL, "no generator on error");
  check(!strcmp(sg3_status_name(SG3_ERR_CANCELLED), "cancelled") &&
            !strcmp(sg3_status_name(SG3_OK), "ok"),
        "status names");
}

/* Same pixels with every kernel set and thread count. */
static void test_options(void) {
  size_t fsize = sg3_model_frame_size(demo, SG3_PIXELS_F32_CHW);
  float *ref = malloc(fsize), *img = malloc(fsize);
  sg3_request r;
  sg3_request_init(&r);
  r.seed = 11;
  r.class_index = 3;
  sg3_generator_options o;
  sg3_generator_options_init(&o);
  sg3_generator *g = NULL;
  o.simd = "generic";
  o.threads = 1;
  check(sg3_generator_create(demo, &o, &g, NULL) == SG3_OK &&
            !strcmp(sg3_generator_simd(g), "generic") &&
            sg3_generator_get_threads(g) == 1,
        "generic kernels on one thread");
  sg3_render(g, &r, SG3_PIXELS_F32_CHW, ref, NULL);
  sg3_generator_free(g);
  const char *names[] = {"avx2", "avx512"};
  for (int i = 0; i < 2; i++) {
    o.simd = names[i];
    o.threads = 2;
    if (sg3_generator_create(demo, &o, &g, NULL) != SG3_OK) {
      printf("skip: %s kernels not on this CPU\n", names[i]);
      continue;
    }
    sg3_render(g, &r, SG3_PIXELS_F32_CHW, img, NULL);
    double worst = 0;
    for (size_t j = 0; j < fsize / sizeof(float); j++)
      worst = fmax(worst, fabs((double)img[j] - ref[j]));
    /* FMA rounds differently from the generic kernels: parity tolerance */
    check(worst < 1e-4, "%s kernels within %.2g of generic", names[i], worst);
    sg3_generator_free(g);
  }
  /* Winograd off is a load option: same image within parity. */
  sg3_load_options lo;
  sg3_load_options_init(&lo);
  lo.winograd = 0;
  sg3_model *m = NULL;
  char *err = NULL;
  sg3_model_info i2;
  sg3_model_get_info(demo, &i2);
  if (sg3_model_create_random(NULL, i2.init_kwargs, 3, &lo, &m, &err) ==
      SG3_OK) {
    sg3_model *m2 = NULL;
    sg3_model_create_random(NULL, i2.init_kwargs, 3, NULL, &m2, &err);
    sg3_generator *g1 = sg3_generator_new(m, NULL);
    sg3_generator *g2 = sg3_generator_new(m2, NULL);
    sg3_render(g1, &r, SG3_PIXELS_F32_CHW, ref, NULL);
    sg3_render(g2, &r, SG3_PIXELS_F32_CHW, img, NULL);
    double worst = 0, diff = 0;
    for (size_t j = 0; j < fsize / sizeof(float); j++) {
      worst = fmax(worst, fabs((double)img[j] - ref[j]));
      diff += img[j] != ref[j];
    }
    check(worst < 1e-3 && diff > 0,
          "winograd off: other arithmetic (%g values differ), same image "
          "(within %.2g)",
          diff, worst);
    sg3_generator_free(g1);
    sg3_generator_free(g2);
    sg3_model_unref(m);
    sg3_model_unref(m2);
  } else {
    check(0, "random model: %s", err);
    free(err);
  }
  free(ref);
  free(img);
}

static int cancel_after = -1, cancel_calls;
static int cancel_hook(void *user) {
  (void)user;
  return ++cancel_calls > cancel_after && cancel_after >= 0;
}

static void test_cancel(void) {
  sg3_generator *g = sg3_generator_new(demo, NULL);
  float *img = malloc(sg3_model_frame_size(demo, SG3_PIXELS_F32_CHW));
  sg3_request r;
  sg3_request_init(&r);
  r.class_index = 0;
  char *err = NULL;
  sg3_generator_set_cancel(g, cancel_hook, NULL);
  cancel_after = 3;
  sg3_status st = sg3_render(g, &r, SG3_PIXELS_F32_CHW, img, &err);
  check(st == SG3_ERR_CANCELLED && cancel_calls == 4,
        "cancelled after 3 layers: %s, %d calls", sg3_status_name(st),
        cancel_calls);
  free(err);
  err = NULL;
  cancel_after = -1;
  check(sg3_render(g, &r, SG3_PIXELS_F32_CHW, img, &err) == SG3_OK,
        "and renders again after");
  free(img);
  sg3_generator_free(g);
}

static void test_spline(void) {
  /* The not-a-knot spline reproduces a cubic exactly. */
  int ok = 1;
  for (int n = 4; n < 40; n++) {
    double y[40], m[40];
    for (int i = 0; i < n; i++)
      y[i] = 0.3 * i * i * i - 2.0 * i * i + i - 5.0;
    sg3_spline_not_a_knot(y, n, m);
    for (int i = 0; i < n; i++)
      ok &= fabs(m[i] - (1.8 * i - 4.0)) < 1e-9 * (1 + n * n);
  }
  check(ok, "the spline reproduces cubics");
}

static void test_walk(void) {
  /* In w-space: keyframes exactly, the loop closes, and the path is smooth
   * (continuous first derivative across a keyframe). */
  sg3_generator *g = sg3_generator_new(demo, NULL);
  int d = info.num_ws * info.w_dim, k = 4;
  sg3_request base;
  sg3_request_init(&base);
  base.seed = 10;
  base.class_index = 2;
  base.psi = 0.8f;
  sg3_walk_spec spec;
  sg3_walk_spec_init(&spec);
  spec.num_keyframes = k;
  sg3_walk *w = NULL;
  char *err = NULL;
  check(sg3_walk_create(g, &base, &spec, &w, &err) == SG3_OK &&
            sg3_walk_num_keyframes(w) == k,
        "walk of 4 keyframes");
  float *a = malloc(sizeof(float) * d), *b = malloc(sizeof(float) * d);
  float *c = malloc(sizeof(float) * d);
  int keys = 1, loops = 1;
  for (int s = 0; s < k; s++) {
    sg3_request r = base;
    r.seed = 10 + s;
    sg3_request_ws(g, &r, a, NULL);
    sg3_walk_eval(w, s, b);
    keys &= !memcmp(a, b, sizeof(float) * d);
    sg3_walk_eval(w, s + k, c);
    loops &= !memcmp(b, c, sizeof(float) * d);
  }
  check(keys, "keyframes exactly, with the base's class and psi");
  check(loops, "the loop closes");
  const double h = 1e-3;
  double worst_rel = 0;
  for (int s = 0; s <= k; s++) {
    /* one-sided slopes either side of the knot agree */
    sg3_walk_eval(w, s - h, a);
    sg3_walk_eval(w, s, b);
    sg3_walk_eval(w, s + h, c);
    double worst = 0, scale = 0;
    for (int j = 0; j < d; j++) {
      double l = (b[j] - a[j]) / h, r = (c[j] - b[j]) / h;
      worst = fmax(worst, fabs(l - r));
      scale = fmax(scale, fabs(l));
    }
    worst_rel = fmax(worst_rel, worst / (0.02 * scale + 1e-3));
  }
  check(worst_rel < 1, "no kink at the keyframes");
  /* Explicit seeds and the request's walk source. */
  uint32_t seeds[3] = {7, 3, 4294967295u};
  spec.seeds = seeds;
  spec.num_keyframes = 3;
  sg3_walk *w2 = NULL;
  check(sg3_walk_create(g, &base, &spec, &w2, &err) == SG3_OK, "seed list");
  float *img = malloc(sg3_model_frame_size(demo, SG3_PIXELS_F32_CHW));
  float *img2 = malloc(sg3_model_frame_size(demo, SG3_PIXELS_F32_CHW));
  sg3_request rw = base;
  rw.source = SG3_LATENT_WALK;
  rw.walk = w2;
  rw.walk_position = 5; /* = keyframe 2 */
  sg3_request rs = base;
  rs.seed = seeds[2];
  check(sg3_render(g, &rw, SG3_PIXELS_F32_CHW, img, &err) == SG3_OK &&
            sg3_render(g, &rs, SG3_PIXELS_F32_CHW, img2, &err) == SG3_OK &&
            !memcmp(img, img2, sg3_model_frame_size(demo, SG3_PIXELS_F32_CHW)),
        "a walk request at a keyframe renders the keyframe's seed");
  spec.num_keyframes = 0;
  sg3_walk *none = NULL;
  check(sg3_walk_create(g, &base, &spec, &none, &err) ==
                SG3_ERR_INVALID_ARGUMENT &&
            !none,
        "no keyframes: %s", err ? err : "");
  free(err);
  free(img);
  free(img2);
  free(a);
  free(b);
  free(c);
  sg3_walk_free(w);
  sg3_walk_free(w2);
  sg3_generator_free(g);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_api DEMO.safetensors\n");
    return 2;
  }
  char *err = NULL;
  if (sg3_model_open(argv[1], NULL, &demo, &err) != SG3_OK) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  sg3_model_get_info(demo, &info);
  check(!strcmp(info.family, "stylegan3") && !strcmp(info.architecture, "t") &&
            info.has_transform && !info.has_noise,
        "model info: %s %s", info.family, info.architecture);
  test_render();
  test_errors(argv[1]);
  test_options();
  test_cancel();
  test_spline();
  test_walk();
  sg3_model_unref(demo);
  return check_summary();
}
