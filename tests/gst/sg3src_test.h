/* What the sg3src tests share: tiny random models written to a temporary
 * directory at start-up (milliseconds a frame; 1-, 3- and 4-channel
 * variants), expected pixels computed with libsg3 directly (the way sg3-gen
 * computes them), and GstHarness helpers.
 *
 * Environment: SG3_TEST_DATA (tests/data), SG3_MODELS_DIR (models/);
 * GST_PLUGIN_PATH must point at the built plugin. */
#ifndef SG3SRC_TEST_H
#define SG3SRC_TEST_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>

#include "sg3.h"

extern gchar *tmpdir;
extern gchar *tiny1, *tiny3, *tiny4, *tiny4s; /* channels; s: 8x8 */
extern gchar *not_model, *truncated;
extern const gchar *data_dir, *models_dir;

/* filter_size 1 and no lrelu upsampling: a model without filter buffers, as
 * sg3_model_save_safetensors does not write designed filters (and loading
 * wants them). */
#define TINY(ch, res, cdim)                                                    \
  "{\"z_dim\": 8, \"c_dim\": " #cdim                                           \
  ", \"w_dim\": 8, \"img_resolution\": " #res ", \"img_channels\": " #ch       \
  ", \"channel_base\": 256, \"channel_max\": 8, "                              \
  "\"num_layers\": 3, \"num_critical\": 1, \"filter_size\": 1, "               \
  "\"lrelu_upsampling\": 1, \"mapping_kwargs\": {\"num_layers\": 1}}"

typedef struct {
  const char *model; /* NULL: the demo model file in models/ */
  guint seed;
  gint klass; /* for conditional models */
  double psi;
  double tx, ty, rot;
  sg3_noise_mode noise_mode; /* StyleGAN2 */
  guint noise_seed;
} Params;

#define PARAMS(...) ((Params){.psi = 1.0, __VA_ARGS__})

int sg3src_test_setup(void);
void sg3src_test_cleanup(void);

/* A random model from init_kwargs written to the temporary directory. */
gchar *write_tiny(const char *name, const char *kwargs, uint64_t seed);
/* The same for a family ("stylegan3", "stylegan2", ...). */
gchar *write_tiny_family(const char *family, const char *name,
                         const char *kwargs, uint64_t seed);
/* The u8 HWC image as sg3-gen writes it; *ch and *res get the geometry. */
guint8 *expected_image(Params p, int *ch, int *res);
/* Compares a buffer in `caps` with the expected image, channel-replicated
 * and with opaque alpha as the element documents: the count of differing
 * bytes. */
int compare_frame(GstBuffer *buf, GstCaps *caps, const guint8 *u8, int ch,
                  int res);
gboolean buffers_equal(GstBuffer *a, GstBuffer *b);
/* Mean absolute byte difference. */
double buffer_diff(GstBuffer *a, GstBuffer *b);
/* A harness on a fresh sg3src, sink caps `caps`, properties from a
 * gst-launch style "name=value ..." string. */
GstHarness *harness(const char *caps, const char *props);
/* Tears a harness down; harness_teardown_all (a checked fixture) tears
 * down those a failed test left. */
void harness_done(GstHarness *h);
void harness_teardown_all(void);
/* Live on the test clock: releases the element's clock waits until a
 * buffer comes out. */
GstBuffer *pull_live(GstHarness *h);
GstCaps *harness_caps(GstHarness *h);
/* Runs a launch line to PAUSED and returns the first error (or NULL);
 * *ret gets the state change result. */
GError *pipeline_error(const char *desc, GstStateChangeReturn *ret,
                       gchar **debug);

#endif
