/* --max-memory SIZE for the tools: bytes with an optional k, M, G or T
 * (powers of 1000) or KiB/MiB/GiB/TiB suffix; 0 = libsg3's default (3/4 of
 * the memory), "none" = no limit. */
#ifndef SG3_BYTES_ARG_H
#define SG3_BYTES_ARG_H

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline int parse_bytes_arg(const char *s, uint64_t *out) {
  if (!s)
    return -1;
  if (!strcmp(s, "none")) {
    *out = UINT64_MAX;
    return 0;
  }
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno || !isfinite(v) || v < 0)
    return -1;
  static const struct {
    const char *suffix;
    double scale;
  } units[] = {{"", 1},
               {"k", 1e3},
               {"K", 1e3},
               {"M", 1e6},
               {"G", 1e9},
               {"T", 1e12},
               {"KiB", 1024.0},
               {"MiB", 1048576.0},
               {"GiB", 1073741824.0},
               {"TiB", 1099511627776.0}};
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (!strcmp(end, units[i].suffix)) {
      double b = v * units[i].scale;
      if (b >= 1.8e19)
        return -1;
      *out = (uint64_t)b;
      return 0;
    }
  return -1;
}

#endif
