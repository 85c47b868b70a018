/* --fps RATE for the GStreamer tools: an integer or decimal rate (30,
 * 29.97) or a fraction (30000/1001), above 0 and up to 240 frames per
 * second. */
#ifndef SG3_FPS_ARG_H
#define SG3_FPS_ARG_H

#include <errno.h>
#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FPS_ARG_ERROR                                                          \
  "--fps %s: expected a rate like 30, 29.97 or 30000/1001 (up to 240)"

/* 0 with the rate in *num / *den, -1 (nothing set) when s is not one. */
static inline int parse_fps_arg(const char *s, int *num, int *den) {
  char *end;
  errno = 0;
  if (strchr(s, '/')) {
    long n = strtol(s, &end, 10);
    if (*end == '/' && end[1]) {
      long d = strtol(end + 1, &end, 10);
      if (!*end && !errno && n > 0 && d > 0 && n <= 100000 && d <= 100000 &&
          (double)n / d <= 240) {
        *num = (int)n;
        *den = (int)d;
        return 0;
      }
    }
  } else {
    double v = g_ascii_strtod(s, &end);
    if (end != s && !*end && !errno && isfinite(v) && v > 0 && v <= 240) {
      gst_util_double_to_fraction(v, num, den);
      return 0;
    }
  }
  return -1;
}

#endif
