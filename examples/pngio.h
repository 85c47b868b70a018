/* 8-bit PNG writing for gray, RGB and RGBA images. */
#ifndef SG3_PNGIO_H
#define SG3_PNGIO_H

#include <stdint.h>

/* pixels: height * width * channels, interleaved. Returns 0 on success. */
int png_write_u8(const char *path, const uint8_t *pixels, int width, int height,
                 int channels);

#endif
