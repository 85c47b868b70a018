/* What the sg3src tests share (sg3src_test.h). */
#include "sg3src_test.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

gchar *tmpdir;
gchar *tiny1, *tiny3, *tiny4, *tiny4s;
gchar *not_model, *truncated;
const gchar *data_dir, *models_dir;

gchar *write_tiny_family(const char *family, const char *name,
                         const char *kwargs, uint64_t seed) {
  char *err = NULL;
  sg3_model *m = NULL;
  g_assert_cmpint(sg3_model_create_random(family, kwargs, seed, NULL, &m, &err),
                  ==, 0);
  g_assert_nonnull(m);
  gchar *path = g_build_filename(tmpdir, name, NULL);
  g_assert_cmpint(sg3_model_save_safetensors(m, path, &err), ==, 0);
  sg3_model_unref(m);
  return path;
}

gchar *write_tiny(const char *name, const char *kwargs, uint64_t seed) {
  return write_tiny_family("stylegan3", name, kwargs, seed);
}

/* The u8 HWC image as sg3-gen writes it; *ch and *res get the geometry. */
guint8 *expected_image(Params p, int *ch, int *res) {
  gchar *demo =
      g_build_filename(models_dir, "sg3t-fashion32.safetensors", NULL);
  char *err = NULL;
  sg3_model *m = sg3_model_load(p.model ? p.model : demo, &err);
  g_free(demo);
  fail_unless(m != NULL, "load: %s", err);
  sg3_model_info i;
  sg3_model_get_info(m, &i);
  sg3_generator *g = sg3_generator_new(m, &err);
  double *z = g_new0(double, i.z_dim);
  float *c = g_new0(float, i.c_dim + 1);
  float *ws = g_new0(float, (gsize)i.num_ws *i.w_dim);
  gsize npix = (gsize)i.img_channels * i.img_resolution * i.img_resolution;
  float *img = g_new0(float, npix);
  guint8 *u8 = g_malloc(npix);
  if (i.c_dim)
    c[p.klass] = 1;
  sg3_z_from_seed(p.seed, z, i.z_dim);
  fail_unless(
      sg3_mapping(g, z, i.c_dim ? c : NULL, (float)p.psi, -1, ws, &err) == 0);
  sg3_request req;
  sg3_request_init(&req);
  req.source = SG3_LATENT_WS;
  req.ws = ws;
  req.ws_rows = i.num_ws;
  req.translate_x = p.tx;
  req.translate_y = p.ty;
  req.rotate = p.rot;
  req.noise_mode = p.noise_mode;
  req.noise_seed = p.noise_seed;
  fail_unless(sg3_render(g, &req, SG3_PIXELS_F32_CHW, img, &err) == 0);
  sg3_image_to_u8(img, i.img_channels, i.img_resolution, i.img_resolution, u8);
  *ch = i.img_channels;
  *res = i.img_resolution;
  sg3_generator_free(g);
  sg3_model_unref(m);
  g_free(z);
  g_free(c);
  g_free(ws);
  g_free(img);
  return u8;
}

/* Compares a buffer in `caps` with the expected image, channel-replicated
 * and with opaque alpha as the element documents. Returns the count of
 * differing bytes. */
int compare_frame(GstBuffer *buf, GstCaps *caps, const guint8 *u8, int ch,
                  int res) {
  GstVideoInfo info;
  fail_unless(gst_video_info_from_caps(&info, caps));
  fail_unless_equals_int(GST_VIDEO_INFO_WIDTH(&info), res);
  fail_unless_equals_int(GST_VIDEO_INFO_HEIGHT(&info), res);
  GstVideoFrame f;
  fail_unless(gst_video_frame_map(&f, &info, buf, GST_MAP_READ));
  const GstVideoFormatInfo *fi = info.finfo;
  gboolean gray = GST_VIDEO_FORMAT_INFO_IS_GRAY(fi);
  int ps = GST_VIDEO_FORMAT_INFO_PSTRIDE(fi, 0), bad = 0;
  for (int y = 0; y < res; y++) {
    const guint8 *row = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(&f, 0) +
                        (gsize)y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
    for (int x = 0; x < res; x++) {
      const guint8 *px = row + x * ps, *s = u8 + ((gsize)y * res + x) * ch;
      if (gray) {
        bad += px[0] != s[0];
        continue;
      }
      int comps[3] = {GST_VIDEO_COMP_R, GST_VIDEO_COMP_G, GST_VIDEO_COMP_B};
      for (int k = 0; k < 3; k++)
        bad += px[GST_VIDEO_FORMAT_INFO_POFFSET(fi, comps[k])] !=
               s[ch >= 3 ? k : 0];
      if (GST_VIDEO_FORMAT_INFO_HAS_ALPHA(fi))
        bad += px[GST_VIDEO_FORMAT_INFO_POFFSET(fi, GST_VIDEO_COMP_A)] !=
               (ch == 4 ? s[3] : 255);
    }
  }
  gst_video_frame_unmap(&f);
  return bad;
}

gboolean buffers_equal(GstBuffer *a, GstBuffer *b) {
  GstMapInfo ma, mb;
  gst_buffer_map(a, &ma, GST_MAP_READ);
  gst_buffer_map(b, &mb, GST_MAP_READ);
  gboolean eq = ma.size == mb.size && memcmp(ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap(a, &ma);
  gst_buffer_unmap(b, &mb);
  return eq;
}

/* Mean absolute byte difference. */
double buffer_diff(GstBuffer *a, GstBuffer *b) {
  GstMapInfo ma, mb;
  gst_buffer_map(a, &ma, GST_MAP_READ);
  gst_buffer_map(b, &mb, GST_MAP_READ);
  fail_unless_equals_int(ma.size, mb.size);
  double d = 0;
  for (gsize i = 0; i < ma.size; i++)
    d += abs((int)ma.data[i] - mb.data[i]);
  gst_buffer_unmap(a, &ma);
  gst_buffer_unmap(b, &mb);
  return d / (double)ma.size;
}

/* ------------------------------------------------------------------------ */
/* Harness helpers */

/* A harness on a fresh sg3src, sink caps `caps`, properties from a
 * gst-launch style "name=value ..." string. */
/* Harnesses not yet torn down: a failed test (no fork: valgrind) leaves
 * them to harness_teardown_all instead of a streaming thread waiting on a
 * test clock forever. */
static GList *open_harnesses;

GstHarness *harness(const char *caps, const char *props) {
  GstHarness *h = gst_harness_new("sg3src");
  open_harnesses = g_list_prepend(open_harnesses, h);
  if (props) {
    gchar **kv = g_strsplit(props, " ", -1);
    for (gchar **p = kv; *p; p++) {
      if (!**p)
        continue;
      gchar *eq = strchr(*p, '=');
      fail_unless(eq != NULL);
      *eq = 0;
      gst_util_set_object_arg(G_OBJECT(h->element), *p, eq + 1);
    }
    g_strfreev(kv);
  }
  gst_harness_set_sink_caps_str(h, caps ? caps : "video/x-raw");
  return h;
}

/* Live on the test clock: releases the element's clock waits until a
 * buffer comes out. (How many waits a frame takes depends on how long it
 * renders in real time, e.g. under valgrind.) */
GstBuffer *pull_live(GstHarness *h) {
  GstTestClock *clock = gst_harness_get_testclock(h);
  GstBuffer *b = NULL;
  for (int i = 0; i < 60000 && !b; i++) {
    GstClockID id;
    if (!(b = gst_harness_try_pull(h)) &&
        gst_test_clock_peek_next_pending_id(clock, &id)) {
      gst_clock_id_unref(id);
      gst_harness_crank_single_clock_wait(h);
    } else if (!b) {
      g_usleep(1000);
    }
  }
  gst_object_unref(clock);
  fail_unless(b != NULL, "no buffer");
  return b;
}

void harness_done(GstHarness *h) {
  open_harnesses = g_list_remove(open_harnesses, h);
  gst_harness_teardown(h);
}

void harness_teardown_all(void) {
  while (open_harnesses)
    harness_done(open_harnesses->data);
}

GstCaps *harness_caps(GstHarness *h) {
  GstCaps *caps = gst_pad_get_current_caps(h->sinkpad);
  fail_unless(caps != NULL);
  return caps;
}

/* Runs a launch line to PAUSED and returns the first error (or NULL);
 * *ret gets the state change result. */
GError *pipeline_error(const char *desc, GstStateChangeReturn *ret,
                       gchar **debug) {
  GstElement *p = gst_parse_launch(desc, NULL);
  fail_unless(p != NULL);
  GstBus *bus = gst_element_get_bus(p);
  *ret = gst_element_set_state(p, GST_STATE_PAUSED);
  if (*ret == GST_STATE_CHANGE_ASYNC)
    *ret = gst_element_get_state(p, NULL, NULL, 20 * GST_SECOND);
  GstMessage *msg =
      gst_bus_timed_pop_filtered(bus, 5 * GST_SECOND, GST_MESSAGE_ERROR);
  GError *err = NULL;
  if (msg) {
    gst_message_parse_error(msg, &err, debug);
    gst_message_unref(msg);
  }
  fail_unless_equals_int(gst_element_set_state(p, GST_STATE_NULL),
                         GST_STATE_CHANGE_SUCCESS);
  gst_object_unref(bus);
  gst_object_unref(p);
  return err;
}

/* The tiny models and bad files in a temporary directory. */
int sg3src_test_setup(void) {
  data_dir = g_getenv("SG3_TEST_DATA");
  models_dir = g_getenv("SG3_MODELS_DIR");
  if (!data_dir || !models_dir) {
    g_printerr("set SG3_TEST_DATA and SG3_MODELS_DIR\n");
    return -1;
  }
  tmpdir = g_dir_make_tmp("sg3src-test-XXXXXX", NULL);
  g_assert_nonnull(tmpdir);
  tiny1 = write_tiny("tiny1.safetensors", TINY(1, 16, 3), 1);
  tiny3 = write_tiny("tiny3.safetensors", TINY(3, 16, 0), 3);
  tiny4 = write_tiny("tiny4.safetensors", TINY(4, 16, 0), 4);
  tiny4s = write_tiny("tiny4s.safetensors", TINY(4, 8, 0), 5);
  not_model = g_build_filename(tmpdir, "notes.txt", NULL);
  g_file_set_contents(not_model, "not a model\n", -1, NULL);
  /* a model cut in half */
  gchar *bytes;
  gsize len;
  g_file_get_contents(tiny3, &bytes, &len, NULL);
  truncated = g_build_filename(tmpdir, "truncated.safetensors", NULL);
  g_file_set_contents(truncated, bytes, (gssize)len / 2, NULL);
  g_free(bytes);
  return 0;
}

void sg3src_test_cleanup(void) {
  const char *files[] = {tiny1, tiny3, tiny4, tiny4s, not_model, truncated};
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++)
    g_unlink(files[i]);
  /* and whatever the tests left */
  GDir *d = g_dir_open(tmpdir, 0, NULL);
  const gchar *name;
  while (d && (name = g_dir_read_name(d))) {
    gchar *p = g_build_filename(tmpdir, name, NULL);
    g_unlink(p);
    g_free(p);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(tmpdir);
  g_free(tiny1);
  g_free(tiny3);
  g_free(tiny4);
  g_free(tiny4s);
  g_free(not_model);
  g_free(truncated);
  g_free(tmpdir);
}
