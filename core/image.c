/* Conversions between the generator's float output and pixels, and the
 * transform convention of gen_images.py. */
#include <math.h>

#include "image.h"
#include "sg3.h"

void sg3_image_to_u8(const float *img, int channels, int height, int width,
                     uint8_t *out) {
  const size_t plane = (size_t)height * width;
  for (int c = 0; c < channels; c++)
    for (size_t p = 0; p < plane; p++) {
      /* Two float32 roundings, as torch evaluates x * 127.5 + 128. */
      float v = img[c * plane + p] * 127.5f;
      v = v + 128.0f;
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      if (v != v)
        v = 0;
      out[p * channels + c] = (uint8_t)v;
    }
}

/* StyleGAN-XL's gen_utils.w_to_img: ((img + 1) * 255 / 2).clamp(0, 255)
 * .to(uint8), in float32 and in that order. */
void sg3_image_to_u8_xl(const float *img, int channels, int height, int width,
                        uint8_t *out) {
  const size_t plane = (size_t)height * width;
  for (int c = 0; c < channels; c++)
    for (size_t p = 0; p < plane; p++) {
      float v = img[c * plane + p] + 1.0f;
      v = v * 255.0f;
      v = v / 2.0f;
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      if (v != v)
        v = 0;
      out[p * channels + c] = (uint8_t)v;
    }
}

void sg3_make_transform(double tx, double ty, double rotate_deg,
                        float inverse[9]) {
  /* gen_images.make_transform: m = [[c, s, tx], [-s, c, ty], [0, 0, 1]];
   * its inverse is [[c, -s, -(c tx - s ty)], [s, c, -(s tx + c ty)]]. */
  double a = rotate_deg / 360.0 * M_PI * 2;
  double s = sin(a), c = cos(a);
  double m[9] = {c, -s, -(c * tx - s * ty), s, c, -(s * tx + c * ty), 0, 0, 1};
  for (int i = 0; i < 9; i++)
    inverse[i] = (float)m[i];
}
