/* Loading: a file opened twice (unchanged, same options) gives one shared
 * model, whatever the path it is reached by; a rewritten file or other
 * options give another; concurrent opens and unrefs are safe (ASan); the
 * packed weights are let go and read from the file again to save. And
 * the weight packing, block by block, gives the bits of the plain
 * one-channel-at-a-time transform.
 *
 * usage: test_model_cache MODEL.safetensors */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "generator.h"
#include "model.h"
#include "ops/modulated_conv2d.h"
#include "sg3.h"
#include "stylegan3/stylegan3.h"

static sg3_model *open_model(const char *path, int winograd) {
  sg3_load_options o;
  sg3_load_options_init(&o);
  o.winograd = winograd;
  sg3_model *m = NULL;
  char *err = NULL;
  if (sg3_model_open(path, &o, &m, &err) != SG3_OK)
    check(0, "open %s: %s", path, err ? err : "?");
  free(err);
  return m;
}

static const float *first_wpack(const sg3_model *m) {
  const sg3_stylegan3 *net = m->net;
  return net->layers[0].conv.wpack;
}

static void test_sharing(const char *demo) {
  sg3_model *a = open_model(demo, 1), *b = open_model(demo, 1);
  check(a && a == b && a->refcount == 2,
        "the same file opened twice is one model (refcount %d)",
        a ? a->refcount : -1);
  /* Two generators of it use the one packed copy of the weights. */
  sg3_generator *g1 = NULL, *g2 = NULL;
  check(sg3_generator_create(a, NULL, &g1, NULL) == SG3_OK &&
            sg3_generator_create(b, NULL, &g2, NULL) == SG3_OK,
        "two generators");
  check(g1 && g2 && g1->model == g2->model &&
            first_wpack(g1->model) == first_wpack(g2->model),
        "their generators share the packed weights");
  sg3_generator_free(g1);
  sg3_generator_free(g2);

  sg3_model *d = open_model(demo, 0);
  check(d && d != a && !((sg3_stylegan3 *)d->net)->layers[0].conv.winograd,
        "winograd = 0 is another model, with direct convolutions");
  setenv("SG3_NO_WINOGRAD", "1", 1);
  sg3_model *e = open_model(demo, 1);
  unsetenv("SG3_NO_WINOGRAD");
  check(e && e == d, "SG3_NO_WINOGRAD=1 finds the direct one");
  sg3_model_unref(e);
  sg3_model_unref(d);

  /* Another name for the same file: a symbolic link. */
  char *dir = g_dir_make_tmp("sg3-cache-XXXXXX", NULL);
  char *link = g_build_filename(dir, "link.safetensors", NULL);
  char *abs = g_canonicalize_filename(demo, NULL);
  check(symlink(abs, link) == 0, "symlink");
  sg3_model *l = open_model(link, 1);
  check(l == a, "a link to the file finds the same model");
  sg3_model_unref(l);

  /* A copy is another file; rewriting it (a new file renamed over it, as
   * sg3_model_save_safetensors does) is another version. */
  char *copy = g_build_filename(dir, "copy.safetensors", NULL);
  check(sg3_model_save_safetensors(a, copy, NULL) == SG3_OK, "save a copy");
  sg3_model *c1 = open_model(copy, 1);
  check(c1 && c1 != a, "a copy is loaded on its own");
  check(sg3_model_save_safetensors(a, copy, NULL) == SG3_OK, "rewrite it");
  sg3_model *c2 = open_model(copy, 1);
  check(c2 && c2 != c1, "the rewritten file is loaded again");
  sg3_model_unref(c1);
  sg3_model_unref(c2);
  /* The last reference gone, the model has left the cache: opening again
   * loads afresh (ASan would see a stale entry being used). */
  sg3_model *c3 = open_model(copy, 1), *c4 = open_model(copy, 1);
  check(c3 && c3 == c4 && c3->refcount == 2,
        "reopened after the last unref: a fresh model, shared again");
  sg3_model_unref(c3);
  sg3_model_unref(c4);
  g_unlink(link);
  g_unlink(copy);
  g_rmdir(dir);
  g_free(link);
  g_free(copy);
  g_free(abs);
  g_free(dir);
  sg3_model_unref(a);
  sg3_model_unref(b);
}

static char *slurp(const char *path, size_t *n) {
  char *d = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &d, &len, NULL))
    return NULL;
  *n = len;
  return d;
}

/* A model opened from a file lets its packed weights go (they are the
 * bulk of the tensors) and reads them from the file again to save. */
static void test_released(const char *demo) {
  char *dir = g_dir_make_tmp("sg3-release-XXXXXX", NULL);
  char *file = g_build_filename(dir, "m.safetensors", NULL);
  char *out = g_build_filename(dir, "out.safetensors", NULL);
  size_t n0 = 0, n1 = 0, n2 = 0;
  char *orig = slurp(demo, &n0);
  /* Our writer's output, so that saving again must give the same bytes. */
  sg3_model *mem = NULL;
  check(orig &&
            sg3_model_open_memory(orig, n0, "demo", NULL, &mem, NULL) == SG3_OK,
        "open from memory");
  check(mem && mem->released == 0 && !mem->file_path,
        "a model from memory keeps every tensor");
  check(sg3_model_save_safetensors(mem, file, NULL) == SG3_OK, "save it");
  char *saved = slurp(file, &n1);

  sg3_model *m = open_model(file, 1);
  size_t total = 0, kept = 0;
  for (size_t i = 0; m && i < m->tensors.n; i++) {
    total += m->tensors.items[i].numel;
    kept += m->tensors.items[i].data ? m->tensors.items[i].numel : 0;
  }
  check(m && m->released > 0 && kept * 2 < total,
        "opened from the file: %zu tensors let go, %zu of %zu floats kept",
        m ? m->released : 0, kept, total);
  check(m && sg3_model_save_safetensors(m, out, NULL) == SG3_OK,
        "save the file's model");
  char *again = slurp(out, &n2);
  check(saved && again && n1 == n2 && !memcmp(saved, again, n1),
        "saved again from the file: the same %zu bytes", n1);

  /* The file replaced meanwhile: saving says so. */
  check(sg3_model_save_safetensors(mem, file, NULL) == SG3_OK,
        "replace the file");
  char *err = NULL;
  sg3_status st = m ? sg3_model_save_safetensors(m, out, &err) : SG3_OK;
  check(st == SG3_ERR_IO && err && strstr(err, "changed since"),
        "after the file changed, saving fails: %s", err ? err : "(none)");
  free(err);
  /* The model itself still renders: it needs nothing from the file. */
  sg3_generator *g = NULL;
  float *img = m ? malloc(sg3_model_frame_size(m, SG3_PIXELS_F32_CHW)) : NULL;
  sg3_request rq;
  sg3_request_init(&rq);
  rq.class_index = 1; /* the demo is conditional */
  err = NULL;
  sg3_status s1 = m ? sg3_generator_create(m, NULL, &g, &err) : -1;
  sg3_status s2 = g ? sg3_render(g, &rq, SG3_PIXELS_F32_CHW, img, &err) : -1;
  check(s1 == SG3_OK && s2 == SG3_OK, "and renders: %d %d %s", s1, s2,
        err ? err : "ok");
  free(err);
  sg3_generator_free(g);
  free(img);
  sg3_model_unref(m);
  sg3_model_unref(mem);
  g_free(orig);
  g_free(saved);
  g_free(again);
  g_unlink(file);
  g_unlink(out);
  g_rmdir(dir);
  g_free(file);
  g_free(out);
  g_free(dir);
}

/* Threads opening and dropping the one file at once. */
static const char *race_path;
static void *race_main(void *arg) {
  int *ok = arg;
  for (int i = 0; i < 25; i++) {
    sg3_model *m = NULL;
    if (sg3_model_open(race_path, NULL, &m, NULL) != SG3_OK || !m ||
        m->img_resolution <= 0)
      *ok = 0;
    sg3_model *r = sg3_model_ref(m);
    sg3_model_unref(m);
    sg3_model_unref(r);
  }
  return NULL;
}

static void test_race(const char *demo) {
  race_path = demo;
  pthread_t t[4];
  int ok[4] = {1, 1, 1, 1};
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, race_main, &ok[i]);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  check(ok[0] && ok[1] && ok[2] && ok[3],
        "4 threads opening and unreferencing the file 25 times each");
}

/* The packing as it was first written: one output channel at a time, the
 * transform per (in, out) pair. */
static void reference_pack(const float *weight, int in, int out, int k,
                           int prenormalize, int winograd, float *wpack) {
  static const double G[6][3] = {{1.0 / 4, 0, 0},
                                 {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                 {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                 {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                 {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                 {0, 0, 1}};
  const int cin = sg3_cpad(in), cout = sg3_cpad(out);
  const size_t per_out = (size_t)in * k * k;
  const size_t kdim = (size_t)(winograd ? 36 : k * k) * cin;
  float *wd = malloc(per_out * sizeof(float));
  for (int o = 0; o < out; o++) {
    const float *wo = weight + o * per_out;
    float scale = 1.0f;
    if (prenormalize) {
      double sum = 0;
      for (size_t i = 0; i < per_out; i++)
        sum += (double)wo[i] * wo[i];
      scale = 1.0f / sqrtf((float)(sum / per_out));
    }
    for (size_t i = 0; i < per_out; i++)
      wd[i] = wo[i] * scale;
    for (int i = 0; i < in; i++) {
      if (winograd) {
        const float *g = wd + (size_t)i * 9;
        double t[6][3];
        for (int a = 0; a < 6; a++)
          for (int j = 0; j < 3; j++)
            t[a][j] = G[a][0] * g[j] + G[a][1] * g[3 + j] + G[a][2] * g[6 + j];
        for (int a = 0; a < 6; a++)
          for (int b = 0; b < 6; b++)
            wpack[(((size_t)(a * 6 + b) * cout + o / 16 * 16) * cin +
                   (size_t)i * 16) +
                  o % 16] = (float)(t[a][0] * G[b][0] + t[a][1] * G[b][1] +
                                    t[a][2] * G[b][2]);
      } else {
        float *panel = wpack + (size_t)(o / 16) * kdim * 16;
        for (int t = 0; t < k * k; t++)
          panel[((size_t)t * cin + i) * 16 + o % 16] = wd[i * k * k + t];
      }
    }
  }
  free(wd);
}

static void test_pack_bits(void) {
  /* Channel counts that leave partial blocks and Winograd chunks. */
  const int shapes[][3] = {{37, 19, 3}, {70, 33, 3}, {5, 17, 1}, {48, 32, 3}};
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
    for (int wino = 0; wino < 2; wino++) {
      int in = shapes[s][0], out = shapes[s][1], k = shapes[s][2];
      size_t n = (size_t)out * in * k * k;
      float *w = malloc(n * sizeof(float));
      uint32_t x = 12345u + (uint32_t)s;
      for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        w[i] = (float)((int32_t)x >> 8) / (1 << 23) * 3.0f;
      }
      sg3_conv c;
      char *err = NULL;
      int rc = sg3_conv_prepare(&c, w, NULL, in, out, k, 1, 1, 1.0f, 1.0f, wino,
                                &err);
      size_t np = (size_t)(c.winograd ? 36 : k * k) * c.cin_pad * c.cout_pad;
      float *ref = calloc(np, sizeof(float));
      reference_pack(w, in, out, k, 1, c.winograd, ref);
      check(rc == 0 && !memcmp(ref, c.wpack, np * sizeof(float)),
            "pack %dx%dx%d%s: the bits of the one-channel transform", out, in,
            k, c.winograd ? " (Winograd)" : "");
      sg3_conv_free(&c);
      free(ref);
      free(w);
      free(err);
    }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_model_cache MODEL.safetensors\n");
    return 2;
  }
  unsetenv("SG3_NO_WINOGRAD");
  test_sharing(argv[1]);
  test_released(argv[1]);
  test_race(argv[1]);
  test_pack_bits();
  return check_summary();
}
