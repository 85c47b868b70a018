/* sg3src with StyleGAN2 models: the official pickles' caps and pixels,
 * noise modes, the transform a StyleGAN2 network does not have, walks, and
 * switching between StyleGAN2 and StyleGAN3 while PLAYING
 * (sg3src_test.h has the fixtures). */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "sg3.h"
#include "sg3src_test.h"

/* StyleGAN2 (skip) with noise. */
#define TINY2(ch, res, cdim)                                                   \
  "{\"z_dim\": 8, \"c_dim\": " #cdim                                           \
  ", \"w_dim\": 8, \"img_resolution\": " #res ", \"img_channels\": " #ch       \
  ", \"channel_base\": 64, \"channel_max\": 8, "                               \
  "\"mapping_kwargs\": {\"num_layers\": 1}}"

static gchar *sg2_tiny3, *sg2_tiny1; /* 16x16 */

/* ------------------------------------------------------------------------ */
/* StyleGAN2 */

/* The official 8-bit image of a reference case, within one step. */
static void check_official(GstBuffer *buf, const char *case_dir, int npix) {
  gchar *path = g_build_filename(data_dir, "sg2", case_dir, "img_u8.npy", NULL);
  npy_array a;
  char err[256];
  fail_unless(npy_read(path, &a, err, sizeof err) == 0, "%s", err);
  fail_unless_equals_int(a.numel, npix);
  GstMapInfo m;
  gst_buffer_map(buf, &m, GST_MAP_READ);
  fail_unless_equals_int(m.size, npix);
  int worst = 0;
  for (gsize i = 0; i < a.numel; i++)
    worst = MAX(worst, abs((int)m.data[i] - ((guint8 *)a.data)[i]));
  gst_buffer_unmap(buf, &m);
  fail_unless(worst <= 1, "%s: max |diff| %d", case_dir, worst);
  npy_free(&a);
  g_free(path);
}

GST_START_TEST(test_sg2_official) {
  /* Official StyleGAN2 pickles (a stylegan3 snapshot, a TensorFlow one, a
   * 1-channel orig G_ema): the caps follow the model, the frame is
   * sg3-gen's and the official image's, for noise const and none. */
  static const struct {
    const char *pkl, *dir, *caps, *props;
    Params p;
  } cases[] = {
      {"s2skip32.pkl", "cases/s2skip32-0", "format=RGB", "seed=0",
       PARAMS(.seed = 0)},
      {"s2skip32.pkl", "cases/s2skip32-3", "format=RGB",
       "seed=7 noise-mode=none",
       PARAMS(.seed = 7, .noise_mode = SG3_NOISE_NONE)},
      {"tf2f32.pkl", "cases/tf2f32-0", "format=RGB", "seed=10",
       PARAMS(.seed = 10)},
      {"s2orig16g.pkl",
       "cases/s2orig16g-3",
       "format=GRAY8",
       "seed=12 psi=0.7",
       {.seed = 12, .psi = 0.7}},
      {"s2res64rgba.pkl", "cases/s2res64rgba-0", "format=RGBA",
       "seed=2 class=0", PARAMS(.seed = 2, .klass = 0)},
  };
  for (gsize k = 0; k < G_N_ELEMENTS(cases); k++) {
    gchar *model = g_build_filename(data_dir, "sg2", cases[k].pkl, NULL);
    gchar *props = g_strdup_printf("model=%s %s", model, cases[k].props);
    GstHarness *h = harness("video/x-raw", props);
    gst_harness_play(h);
    GstBuffer *buf = gst_harness_pull(h);
    GstCaps *caps = harness_caps(h);
    gchar *want = g_strdup_printf("video/x-raw, %s", cases[k].caps);
    GstCaps *wc = gst_caps_from_string(want);
    fail_unless(gst_caps_can_intersect(caps, wc), "%s: caps %" GST_PTR_FORMAT,
                cases[k].pkl, caps);
    Params p = cases[k].p;
    p.model = model;
    int ch, res;
    guint8 *u8 = expected_image(p, &ch, &res);
    fail_unless_equals_int(compare_frame(buf, caps, u8, ch, res), 0);
    check_official(buf, cases[k].dir, ch * res * res);
    g_free(u8);
    gst_caps_unref(wc);
    g_free(want);
    gst_caps_unref(caps);
    gst_buffer_unref(buf);
    harness_done(h);
    g_free(props);
    g_free(model);
  }
}
GST_END_TEST;

GST_START_TEST(test_sg2_noise_random) {
  /* noise-mode=random: the noise of noise-seed, the same in every frame
   * and every run; another seed, other pixels. */
  int ch, res;
  guint8 *u8 =
      expected_image(PARAMS(.model = sg2_tiny3, .seed = 3,
                            .noise_mode = SG3_NOISE_RANDOM, .noise_seed = 9),
                     &ch, &res);
  guint8 *cst =
      expected_image(PARAMS(.model = sg2_tiny3, .seed = 3), &ch, &res);
  fail_if(memcmp(u8, cst, (gsize)ch * res * res) == 0);
  gchar *p = g_strdup_printf("model=%s seed=3 noise-mode=random noise-seed=9",
                             sg2_tiny3);
  GstHarness *h = harness(NULL, p);
  gst_harness_play(h);
  GstCaps *caps = NULL;
  for (int i = 0; i < 3; i++) {
    GstBuffer *b = gst_harness_pull(h);
    if (!caps)
      caps = harness_caps(h);
    fail_unless_equals_int(compare_frame(b, caps, u8, ch, res), 0);
    gst_buffer_unref(b);
  }
  g_object_set(h->element, "noise-seed", 10, NULL);
  GstBuffer *b = NULL;
  for (int i = 0; i < 100; i++) {
    gst_buffer_replace(&b, NULL);
    b = gst_harness_pull(h);
    if (compare_frame(b, caps, u8, ch, res) != 0)
      break;
  }
  fail_unless(compare_frame(b, caps, u8, ch, res) != 0,
              "noise-seed changes nothing");
  gst_buffer_unref(b);
  gst_caps_unref(caps);
  harness_done(h);
  g_free(p);
  g_free(u8);
  g_free(cst);
}
GST_END_TEST;

GST_START_TEST(test_sg2_transform_ignored) {
  /* StyleGAN2 has no input transform: translate/pan/spin change nothing,
   * with one warning. */
  GstHarness *h = harness(NULL, NULL);
  GstBus *bus = gst_bus_new();
  gst_element_set_bus(h->element, bus);
  g_object_set(h->element, "model", sg2_tiny3, "seed", 4, "translate-x", 0.3,
               "spin", 40.0, "pan-y", 0.5, NULL);
  gst_harness_play(h);
  int ch, res;
  guint8 *u8 = expected_image(PARAMS(.model = sg2_tiny3, .seed = 4), &ch, &res);
  GstCaps *caps = NULL;
  for (int i = 0; i < 4; i++) {
    GstBuffer *b = gst_harness_pull(h);
    if (!caps)
      caps = harness_caps(h);
    fail_unless_equals_int(compare_frame(b, caps, u8, ch, res), 0);
    gst_buffer_unref(b);
  }
  int warnings = 0;
  GstMessage *msg;
  while ((msg = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gst_message_parse_warning(msg, &err, NULL);
    fail_unless(strstr(err->message, "no input transform") != NULL, "%s",
                err->message);
    warnings++;
    g_error_free(err);
    gst_message_unref(msg);
  }
  fail_unless_equals_int(warnings, 1);
  gst_caps_unref(caps);
  g_free(u8);
  gst_element_set_bus(h->element, NULL);
  harness_done(h);
  gst_object_unref(bus);
}
GST_END_TEST;

GST_START_TEST(test_sg2_walk) {
  /* A walk on a StyleGAN2 model: keyframes exact, frames in between
   * differ. */
  const int wf = 4, k = 2;
  GstHarness *h = harness(NULL, NULL);
  g_object_set(h->element, "model", sg2_tiny3, "seed", 30, "animation", 1,
               "walk-frames", wf, "walk-keyframes", k, NULL);
  gst_harness_play(h);
  GstBuffer *f[9];
  for (int i = 0; i <= k * wf; i++)
    f[i] = gst_harness_pull(h);
  GstCaps *caps = harness_caps(h);
  for (int j = 0; j < k; j++) {
    int ch, res;
    guint8 *u8 =
        expected_image(PARAMS(.model = sg2_tiny3, .seed = 30 + j), &ch, &res);
    fail_unless_equals_int(compare_frame(f[j * wf], caps, u8, ch, res), 0);
    g_free(u8);
  }
  fail_unless(buffers_equal(f[0], f[k * wf]));
  for (int i = 0; i < k * wf; i++)
    fail_if(buffers_equal(f[i], f[i + 1]), "frame %d repeats", i);
  for (int i = 0; i <= k * wf; i++)
    gst_buffer_unref(f[i]);
  gst_caps_unref(caps);
  harness_done(h);
}
GST_END_TEST;

/* Pulls until a buffer of `size` bytes (frames already queued have the old
 * size); returns it. */
static GstBuffer *pull_size(GstHarness *h, gsize size, gsize old) {
  for (int i = 0; i < 1000; i++) {
    GstBuffer *b = gst_harness_pull(h);
    if (gst_buffer_get_size(b) == size)
      return b;
    fail_unless_equals_int(gst_buffer_get_size(b), old);
    gst_buffer_unref(b);
  }
  fail("no buffer of the new size");
  return NULL;
}

GST_START_TEST(test_model_change_sg2_sg3) {
  /* StyleGAN3 16x16 RGB -> StyleGAN2 16x16 gray -> StyleGAN3 while
   * PLAYING: caps follow, and each model's frames are its own. */
  GstHarness *h = harness(NULL, NULL);
  g_object_set(h->element, "model", tiny3, "seed", 6, NULL);
  gst_harness_play(h);
  int ch, res;
  guint8 *a = expected_image(PARAMS(.model = tiny3, .seed = 6), &ch, &res);
  GstBuffer *b = gst_harness_pull(h);
  GstCaps *caps = harness_caps(h);
  fail_unless_equals_int(compare_frame(b, caps, a, ch, res), 0);
  gst_buffer_unref(b);
  gst_caps_unref(caps);

  g_object_set(h->element, "model", sg2_tiny1, NULL);
  guint8 *g2 = expected_image(PARAMS(.model = sg2_tiny1, .seed = 6), &ch, &res);
  b = pull_size(h, 16 * 16, 16 * 16 * 3);
  caps = harness_caps(h);
  fail_unless_equals_string(
      gst_structure_get_string(gst_caps_get_structure(caps, 0), "format"),
      "GRAY8");
  fail_unless_equals_int(compare_frame(b, caps, g2, ch, res), 0);
  gst_buffer_unref(b);
  gst_caps_unref(caps);

  g_object_set(h->element, "model", tiny3, NULL);
  b = pull_size(h, 16 * 16 * 3, 16 * 16);
  caps = harness_caps(h);
  fail_unless_equals_int(compare_frame(b, caps, a, 3, 16), 0);
  gst_buffer_unref(b);
  gst_caps_unref(caps);
  g_free(a);
  g_free(g2);
  harness_done(h);
}
GST_END_TEST;

static Suite *sg2_suite(void) {
  Suite *s = suite_create("sg3src-sg2");
  TCase *tc = tcase_create("tiny");
  tcase_set_timeout(tc, 300);
  tcase_add_checked_fixture(tc, NULL, harness_teardown_all);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_sg2_official);
  tcase_add_test(tc, test_sg2_noise_random);
  tcase_add_test(tc, test_sg2_transform_ignored);
  tcase_add_test(tc, test_sg2_walk);
  tcase_add_test(tc, test_model_change_sg2_sg3);
  return s;
}

int main(int argc, char **argv) {
  gst_check_init(&argc, &argv);
  if (sg3src_test_setup())
    return 2;
  sg2_tiny3 = write_tiny_family("stylegan2", "sg2-tiny3.safetensors",
                                TINY2(3, 16, 0), 6);
  sg2_tiny1 = write_tiny_family("stylegan2", "sg2-tiny1.safetensors",
                                TINY2(1, 16, 0), 7);
  int failed = gst_check_run_suite(sg2_suite(), "sg3src-sg2", __FILE__);
  g_free(sg2_tiny3);
  g_free(sg2_tiny1);
  sg3src_test_cleanup();
  return failed;
}
