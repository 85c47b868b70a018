/* The fast path's invariants, which parity alone does not pin down:
 *  - any thread count gives the same image, bit for bit;
 *  - with and without a layer callback (which parity always sets) too;
 *  - a frame does not depend on the frames before it;
 *  - generators sharing one model run concurrently on several threads;
 *  - steady-state frames allocate nothing (glibc only: counted by
 *    interposing malloc).
 * Models: the demo model (Winograd 3x3) and random ones with channel counts
 * that are not multiples of 16, a radial (R) one, and a 5x5 kernel; and
 * StyleGAN2 ones of each architecture, with their noise in every mode.
 *
 * usage: test_threads DEMO.safetensors */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sg3.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif
/* Sanitizers have their own malloc. */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCATIONS 1
#endif

#ifdef COUNT_ALLOCATIONS
/* Every allocation of the process goes through these while `counting`. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static volatile int counting;
static volatile long allocations;
void *malloc(size_t n) {
  if (counting)
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
  return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
  if (counting)
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
  return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
  if (counting)
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
  return __libc_realloc(p, n);
}
void *aligned_alloc(size_t align, size_t n) {
  if (counting)
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
  return __libc_memalign(align, n);
}
#endif

typedef struct {
  sg3_model *model;
  sg3_model_info info;
  float *ws[2]; /* two latents */
} fixture;

static int make_fixture(fixture *f, sg3_model *m) {
  f->model = m;
  sg3_model_get_info(m, &f->info);
  size_t nws = (size_t)f->info.num_ws * f->info.w_dim;
  double *z = calloc((size_t)f->info.z_dim, sizeof *z);
  float *c = calloc((size_t)f->info.c_dim + 1, sizeof *c);
  sg3_generator *g = sg3_generator_new(m, NULL);
  if (!z || !c || !g)
    return -1;
  c[0] = 1;
  for (int i = 0; i < 2; i++) {
    f->ws[i] = malloc(nws * sizeof(float));
    sg3_z_from_seed((uint32_t)(11 + i), z, f->info.z_dim);
    if (!f->ws[i] ||
        sg3_mapping(g, z, f->info.c_dim ? c : NULL, 0.8f, -1, f->ws[i], NULL))
      return -1;
  }
  sg3_generator_free(g);
  free(z);
  free(c);
  return 0;
}

static size_t img_size(const fixture *f) {
  return (size_t)f->info.img_channels * f->info.img_resolution *
         f->info.img_resolution;
}

/* One frame with a rotation, so that the transform path runs too, and
 * noise of the given mode. */
static float *render_noise(sg3_generator *g, const fixture *f, int which,
                           sg3_noise_mode mode, uint32_t noise_seed) {
  float *img = malloc(img_size(f) * sizeof(float));
  sg3_request req;
  sg3_request_init(&req);
  req.source = SG3_LATENT_WS;
  req.ws = f->ws[which];
  req.ws_rows = f->info.num_ws;
  req.translate_x = 0.1;
  req.translate_y = -0.05;
  req.rotate = 7.0;
  req.noise_mode = mode;
  req.noise_seed = noise_seed;
  if (img && sg3_render(g, &req, SG3_PIXELS_F32_CHW, img, NULL)) {
    free(img);
    return NULL;
  }
  return img;
}

static float *render(sg3_generator *g, const fixture *f, int which) {
  return render_noise(g, f, which, SG3_NOISE_CONST, 0);
}

static int same(const float *a, const float *b, size_t n) {
  return a && b && memcmp(a, b, n * sizeof(float)) == 0;
}

static void on_layer(void *user, int index, const char *name, const float *x,
                     int c, int h, int w) {
  (void)index, (void)name, (void)x, (void)c, (void)h, (void)w;
  (*(int *)user)++;
}

typedef struct {
  const fixture *f;
  sg3_thread_pool *pool; /* NULL: a thread of its own */
  float *img[4];
} worker;

static void *run_worker(void *arg) {
  worker *w = arg;
  sg3_generator_options o;
  sg3_generator_options_init(&o);
  o.threads = 1;
  o.pool = w->pool;
  sg3_generator *g = NULL;
  if (sg3_generator_create(w->f->model, &o, &g, NULL))
    return NULL;
  for (int i = 0; i < 4; i++)
    w->img[i] = render(g, w->f, i % 2);
  sg3_generator_free(g);
  return NULL;
}

static int cancel_after(void *user) {
  return __atomic_add_fetch((int *)user, 1, __ATOMIC_RELAXED) >= 5;
}

/* Whether a thread of this process is named `name`. */
static int have_thread(const char *name) {
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;
  int found = 0;
  while (d && !found && (e = readdir(d))) {
    char path[300], comm[32];
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
    FILE *fp = fopen(path, "r");
    if (!fp)
      continue;
    found = fgets(comm, sizeof comm, fp) && !strcmp(comm, name);
    fclose(fp);
  }
  if (d)
    closedir(d);
  return found;
}

/* noise_mode random: the same noise for a seed whatever the thread count
 * and history, other noise for another seed, and neither const nor
 * none. */
static void check_random_noise(const char *label, const fixture *f,
                               const float *ref) {
  const size_t n = img_size(f);
  sg3_generator *g1 = sg3_generator_new(f->model, NULL);
  sg3_generator *g3 = sg3_generator_new(f->model, NULL);
  sg3_generator_set_threads(g1, 1, NULL);
  sg3_generator_set_threads(g3, 3, NULL);
  float *a = render_noise(g1, f, 0, SG3_NOISE_RANDOM, 5);
  float *b = render_noise(g3, f, 0, SG3_NOISE_RANDOM, 6);
  float *a3 = render_noise(g3, f, 0, SG3_NOISE_RANDOM, 5);
  float *none = render_noise(g1, f, 0, SG3_NOISE_NONE, 0);
  float *a1 = render_noise(g1, f, 0, SG3_NOISE_RANDOM, 5);
  check(same(a, a3, n) && same(a, a1, n),
        "%s: random noise of a seed: the same for 1 and 3 threads, and "
        "after other frames",
        label);
  check(a && b && !same(a, b, n) && !same(a, ref, n) && none &&
            !same(a, none, n) && !same(none, ref, n),
        "%s: random noise differs from another seed's, from const and none",
        label);
  free(a);
  free(b);
  free(a3);
  free(a1);
  free(none);
  sg3_generator_free(g1);
  sg3_generator_free(g3);
}

/* expect_calls: layer callbacks per frame; -1 = num_layers + 2 (StyleGAN3's
 * input, layers and ToRGB). */
static void run_model(const char *label, sg3_model *m, int expect_calls) {
  fixture f;
  printf("# %s\n", label);
  if (!m || make_fixture(&f, m)) {
    check(0, "%s: set up", label);
    return;
  }
  const size_t n = img_size(&f);

  /* Thread counts. */
  float *ref = NULL;
  for (int t = 1; t <= 4; t++) {
    sg3_generator *g = sg3_generator_new(m, NULL);
    char *err = NULL;
    int ok = g && sg3_generator_set_threads(g, t, &err) == 0 &&
             sg3_generator_get_threads(g) == t;
    free(err);
    float *img = ok ? render(g, &f, 0) : NULL;
    char what[64];
    snprintf(what, sizeof what, "%d", t);
    if (t == 1)
      check(img != NULL, "renders with %s thread", what), ref = img;
    else
      check(same(ref, img, n), "%s threads: identical to 1 thread", what),
          free(img);
    sg3_generator_free(g);
  }

  sg3_generator *g = sg3_generator_new(m, NULL);
  sg3_generator_set_threads(g, 2, NULL);
#ifdef __linux__
  check(have_thread("sg3-worker-1\n"), "%s: the worker is named sg3-worker-1",
        label);
#endif
  /* History: another frame in between changes nothing. */
  float *other = render(g, &f, 1);
  float *again = render(g, &f, 0);
  check(other && !same(ref, other, n) && same(ref, again, n),
        "%s: a frame does not depend on the ones before", label);
  free(again);

  /* The layer callback path (parity's) against the fused one. */
  int calls = 0;
  sg3_generator_set_layer_callback(g, on_layer, &calls);
  float *cb = render(g, &f, 0);
  if (expect_calls == -1)
    expect_calls = f.info.num_layers + 2;
  check(same(ref, cb, n) && (expect_calls < 0 || calls == expect_calls),
        "%s: identical with a layer callback (%d calls)", label, calls);
  sg3_generator_set_layer_callback(g, NULL, NULL);
  free(cb);

#ifdef COUNT_ALLOCATIONS
  /* Steady state allocates nothing. */
  double *z = calloc((size_t)f.info.z_dim, sizeof *z);
  float *c = calloc((size_t)f.info.c_dim + 1, sizeof *c);
  float *ws = malloc((size_t)f.info.num_ws * f.info.w_dim * sizeof(float));
  float *img = malloc(n * sizeof(float));
  c[0] = 1;
  sg3_generator_set_profiling(g, 1);
  allocations = 0;
  counting = 1;
  sg3_request req;
  sg3_request_init(&req);
  req.source = SG3_LATENT_WS;
  req.ws = ws;
  req.ws_rows = f.info.num_ws;
  for (int i = 0; i < 3; i++) {
    sg3_z_from_seed((uint32_t)i, z, f.info.z_dim);
    sg3_mapping(g, z, f.info.c_dim ? c : NULL, 0.7f, -1, ws, NULL);
    sg3_synthesis(g, ws, NULL, img, NULL);
    for (int mode = 0; f.info.has_noise && mode < 3; mode++) {
      req.noise_mode = (sg3_noise_mode)mode;
      req.noise_seed = (uint32_t)i;
      sg3_render(g, &req, SG3_PIXELS_F32_CHW, img, NULL);
    }
  }
  counting = 0;
  check(allocations == 0, "%s: no allocation per frame", label);
  counting = 1;
  sg3_generator_free(sg3_generator_new(m, NULL));
  counting = 0;
  check(allocations > 0, "%s: (the allocation counter counts)", label);
  free(z);
  free(c);
  free(ws);
  free(img);
#endif

  /* Two generators on one model, concurrently, as sequentially. */
  worker w[2] = {{.f = &f}, {.f = &f}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, run_worker, &w[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  int ok = 1;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 4; j++) {
      ok = ok && same(j % 2 ? other : ref, w[i].img[j], n);
      free(w[i].img[j]);
    }
  check(ok, "%s: generators sharing the model on two threads", label);
  if (f.info.has_noise)
    check_random_noise(label, &f, ref);

  /* The same on one shared pool of 3 threads: the regions take turns and
   * the bits stay. */
  sg3_thread_pool *pool = NULL;
  check(sg3_thread_pool_create(3, &pool, NULL) == SG3_OK &&
            sg3_thread_pool_get_threads(pool) == 3,
        "%s: a shared pool of 3 threads", label);
  for (int i = 0; i < 2; i++) {
    w[i].pool = pool;
    pthread_create(&th[i], NULL, run_worker, &w[i]);
  }
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  sg3_thread_pool_unref(pool);
  ok = 1;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 4; j++) {
      ok = ok && same(j % 2 ? other : ref, w[i].img[j], n);
      free(w[i].img[j]);
    }
  check(ok, "%s: two generators on one shared pool, concurrently", label);

  /* Cancelled in the middle of a layer (the hook says yes on its 5th
   * question): SG3_ERR_CANCELLED, and the next frame is whole. */
  int asked = 0;
  sg3_generator_set_cancel(g, cancel_after, &asked);
  float *img2 = malloc(n * sizeof(float));
  char *err = NULL;
  sg3_status st = sg3_synthesis(g, f.ws[0], NULL, img2, &err);
  check(st == SG3_ERR_CANCELLED && err && asked >= 5,
        "%s: cancelled (%s, asked %d times)", label, err ? err : "no message",
        asked);
  free(err);
  sg3_generator_set_cancel(g, NULL, NULL);
  float *after = render(g, &f, 0);
  check(same(ref, after, n), "%s: the frame after a cancelled one is whole",
        label);
  free(after);
  free(img2);

  sg3_generator_free(g);
  free(ref);
  free(other);
  free(f.ws[0]);
  free(f.ws[1]);
  sg3_model_unref(m);
}

/* Winograd (in groups of tiles, for weights this big) against direct
 * convolutions: the same image within float rounding. */
static void check_winograd(const char *label, const char *family,
                           const char *kwargs) {
  sg3_load_options direct;
  sg3_load_options_init(&direct);
  direct.winograd = 0;
  sg3_model *w = NULL, *d = NULL;
  sg3_model_create_random(family, kwargs, 9, NULL, &w, NULL);
  sg3_model_create_random(family, kwargs, 9, &direct, &d, NULL);
  fixture f;
  if (!w || !d || make_fixture(&f, w)) {
    check(0, "%s: set up", label);
    return;
  }
  const size_t n = img_size(&f);
  sg3_generator *gw = sg3_generator_new(w, NULL);
  sg3_generator *gd = sg3_generator_new(d, NULL);
  float *a = render(gw, &f, 0), *b = render(gd, &f, 0);
  double worst = a && b ? 0 : 1e9;
  for (size_t i = 0; a && b && i < n; i++) {
    double e = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
    worst = e > worst ? e : worst;
  }
  check(worst < 1e-3, "%s: Winograd and direct differ by %.3g", label, worst);
  free(a);
  free(b);
  sg3_generator_free(gw);
  sg3_generator_free(gd);
  free(f.ws[0]);
  free(f.ws[1]);
  sg3_model_unref(d);
  run_model(label, w, -1 - 1000); /* threads, history, sharing */
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DEMO.safetensors\n", argv[0]);
    return 2;
  }
  printf("# kernels: %s\n", sg3_simd_name());
  run_model("demo", sg3_model_load(argv[1], NULL), -1);
  run_model("T, 24..40 channels",
            sg3_model_new_random(
                "{\"z_dim\": 16, \"w_dim\": 16, \"img_resolution\": 32, "
                "\"img_channels\": 3, \"channel_base\": 1280, "
                "\"channel_max\": 40, \"num_layers\": 6, \"num_critical\": 1}",
                3, NULL),
            -1);
  run_model(
      "R, radial",
      sg3_model_new_random("{\"z_dim\": 16, \"w_dim\": 16, \"c_dim\": 2, "
                           "\"img_resolution\": 32, \"img_channels\": 4, "
                           "\"channel_base\": 2048, \"channel_max\": 20, "
                           "\"conv_kernel\": 1, \"use_radial_filters\": true, "
                           "\"num_layers\": 6, \"num_critical\": 1}",
                           4, NULL),
      -1);
  run_model(
      "T, 5x5 kernel, no clamp",
      sg3_model_new_random(
          "{\"z_dim\": 16, \"w_dim\": 16, \"img_resolution\": 16, "
          "\"img_channels\": 1, \"channel_base\": 512, "
          "\"channel_max\": 24, \"conv_kernel\": 5, \"conv_clamp\": null, "
          "\"num_layers\": 5, \"num_critical\": 1, \"margin_size\": 4}",
          5, NULL),
      -1);
  sg3_model *m = NULL;
  /* StyleGAN2: b4 shows conv1, x (and torgb, img for skip), the others
   * conv0, [skip,] conv1, x [, torgb, img]. */
  sg3_model_create_random(
      "stylegan2",
      "{\"z_dim\": 16, \"w_dim\": 24, \"img_resolution\": 32, "
      "\"img_channels\": 3, \"channel_base\": 640, \"channel_max\": 40, "
      "\"mapping_kwargs\": {\"num_layers\": 2}}",
      6, NULL, &m, NULL);
  run_model("StyleGAN2 skip, 20..40 channels", m, 4 + 3 * 5);
  sg3_model_create_random(
      "stylegan2",
      "{\"z_dim\": 8, \"w_dim\": 16, \"c_dim\": 3, \"img_resolution\": 16, "
      "\"img_channels\": 4, \"channel_base\": 384, \"channel_max\": 36, "
      "\"architecture\": \"resnet\", \"resample_filter\": [1, 2, 1], "
      "\"conv_clamp\": 0.5, \"mapping_kwargs\": {\"num_layers\": 1}}",
      7, NULL, &m, NULL);
  run_model("StyleGAN2 resnet, conditional RGBA", m, 2 + 4 + 6);
  sg3_load_options direct;
  sg3_load_options_init(&direct);
  direct.winograd = 0;
  sg3_model_create_random(
      "stylegan2",
      "{\"z_dim\": 8, \"w_dim\": 8, \"img_resolution\": 16, "
      "\"img_channels\": 1, \"channel_base\": 256, \"channel_max\": 17, "
      "\"architecture\": \"orig\", \"mapping_kwargs\": {\"num_layers\": "
      "1}}",
      8, &direct, &m, NULL);
  run_model("StyleGAN2 orig, gray, direct 3x3", m, 2 + 3 + 5);
  /* Weights of 4 MB and more run Winograd in groups of tiles. */
  check_winograd("StyleGAN2 skip, 192 channels", "stylegan2",
                 "{\"z_dim\": 8, \"w_dim\": 8, \"img_resolution\": 32, "
                 "\"img_channels\": 3, \"channel_base\": 3072, "
                 "\"channel_max\": 192, \"mapping_kwargs\": "
                 "{\"num_layers\": 1}}");
  check_winograd("T, 184 channels", "stylegan3",
                 "{\"z_dim\": 8, \"w_dim\": 8, \"img_resolution\": 16, "
                 "\"img_channels\": 3, \"channel_base\": 2944, "
                 "\"channel_max\": 184, \"num_layers\": 3, "
                 "\"num_critical\": 1}");
  return check_summary();
}
