/* Pixel conversions beyond the public sg3_image_to_u8. */
#ifndef SG3_IMAGE_H
#define SG3_IMAGE_H

#include <stdint.h>

/* StyleGAN-XL's 8-bit rule: trunc(clamp((img + 1) * 255 / 2)), CHW float to
 * HWC bytes like sg3_image_to_u8. */
void sg3_image_to_u8_xl(const float *img, int channels, int height, int width,
                        uint8_t *out);

#endif
