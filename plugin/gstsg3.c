/* The sg3 plugin: one element, sg3src. */
#include <gst/gst.h>

#include "gstsg3src.h"

static gboolean plugin_init(GstPlugin *plugin) {
  return gst_element_register(plugin, "sg3src", GST_RANK_NONE,
                              GST_TYPE_SG3_SRC);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, sg3,
                  "StyleGAN3 video source", plugin_init, SG3_PLUGIN_VERSION,
                  "MIT/X11", "gst-sg3", "https://github.com/NVlabs/stylegan3")
