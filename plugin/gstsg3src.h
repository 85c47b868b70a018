/* sg3src: a live-capable video source that renders StyleGAN networks with
 * libsg3. */
#ifndef GST_SG3_SRC_H
#define GST_SG3_SRC_H

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_SG3_SRC (gst_sg3_src_get_type())
G_DECLARE_FINAL_TYPE(GstSg3Src, gst_sg3_src, GST, SG3_SRC, GstPushSrc)

/* The enums of the animation and noise-mode properties (values of
 * Sg3Animation and sg3_noise_mode). */
#define GST_TYPE_SG3_SRC_ANIMATION (gst_sg3_src_animation_get_type())
GType gst_sg3_src_animation_get_type(void);
#define GST_TYPE_SG3_SRC_WALK_KIND (gst_sg3_src_walk_kind_get_type())
GType gst_sg3_src_walk_kind_get_type(void);
#define GST_TYPE_SG3_SRC_NOISE_MODE (gst_sg3_src_noise_mode_get_type())
GType gst_sg3_src_noise_mode_get_type(void);

G_END_DECLS

#endif
