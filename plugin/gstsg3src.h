/* sg3src: a live-capable video source that renders a StyleGAN3 generator with
 * libsg3. */
#ifndef GST_SG3_SRC_H
#define GST_SG3_SRC_H

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_SG3_SRC (gst_sg3_src_get_type())
G_DECLARE_FINAL_TYPE(GstSg3Src, gst_sg3_src, GST, SG3_SRC, GstPushSrc)

typedef enum {
  GST_SG3_SRC_ANIMATION_NONE,
  GST_SG3_SRC_ANIMATION_WALK,
} GstSg3SrcAnimation;

#define GST_TYPE_SG3_SRC_ANIMATION (gst_sg3_src_animation_get_type())
GType gst_sg3_src_animation_get_type(void);

G_END_DECLS

#endif
