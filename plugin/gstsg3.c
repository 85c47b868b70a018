/* The sg3 plugin: one element, sg3src. */
#include <gst/gst.h>

#include "gstsg3src.h"

static gboolean plugin_init(GstPlugin *plugin) {
  return gst_element_register(plugin, "sg3src", GST_RANK_NONE,
                              GST_TYPE_SG3_SRC);
}

/* The licence is this project's (LICENSE: MIT); the origin is its own
 * home (meson option package-origin), not NVIDIA's, whose code it does not
 * contain. */
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, sg3,
                  "StyleGAN video source", plugin_init, SG3_PLUGIN_VERSION,
                  "MIT/X11", "gst-sg3", SG3_PACKAGE_ORIGIN)
