/* Checks the legacy RandomState port against values written by numpy
 * (tools/gen_random_reference.py -> tests/data/randn_expected.bin).
 * Usage: test_numpy_random tests/data/randn_expected.bin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "numpy_random.h"
#include "sg3.h"

static void check_seed(int ok, const char *what, unsigned seed, int n) {
  check(ok, "%s seed=%u n=%d", what, seed, n);
}

/* The data file is little-endian; decode byte by byte to stay portable. */
static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static double get_f64(const unsigned char *p) {
  uint64_t u = 0;
  for (int i = 7; i >= 0; i--)
    u = u << 8 | p[i];
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

/* Bitwise equality: -0.0 vs 0.0 or NaN payloads would count as failures. */
static int same_bits(double a, double b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

static int first_mismatch(const double *got, const unsigned char *want, int n) {
  for (int i = 0; i < n; i++)
    if (!same_bits(got[i], get_f64(want + 8 * (size_t)i))) {
      printf("  index %d: got %a, want %a\n", i, got[i],
             get_f64(want + 8 * (size_t)i));
      return i;
    }
  return -1;
}

static void check_block(uint32_t kind, uint32_t seed, int n,
                        const unsigned char *data) {
  double *got = malloc(((size_t)n + 1) * sizeof *got);
  sg3_randomstate rs;
  if (!got) {
    check_seed(0, "malloc", seed, n);
    return;
  }
  switch (kind) {
  case 0:
    sg3_z_from_seed(seed, got, n);
    check_seed(first_mismatch(got, data, n) < 0,
               "sg3_z_from_seed == randn(1, n)", seed, n);
    /* The same through the RandomState API, value by value. */
    sg3_randomstate_seed(&rs, seed);
    for (int i = 0; i < n; i++)
      got[i] = sg3_random_gauss(&rs);
    check_seed(first_mismatch(got, data, n) < 0, "sg3_random_gauss == randn",
               seed, n);
    break;
  case 1:
    sg3_randomstate_seed(&rs, seed);
    for (int i = 0; i < n; i++)
      got[i] = sg3_random_double(&rs);
    check_seed(first_mismatch(got, data, n) < 0,
               "sg3_random_double == random_sample", seed, n);
    break;
  case 2: {
    int bad = -1;
    sg3_randomstate_seed(&rs, seed);
    for (int i = 0; i < n && bad < 0; i++)
      if (sg3_random_uint32(&rs) != get_u32(data + 4 * (size_t)i))
        bad = i;
    if (bad >= 0)
      printf("  index %d differs\n", bad);
    check_seed(bad < 0, "sg3_random_uint32 == randint(0, 2**32, uint32)", seed,
               n);
    break;
  }
  case 3:
    /* randn(5), random_sample(3), randn(4), randn(1): the sixth Gaussian
     * is cached across the random_sample calls, as in numpy. */
    if (n != 13) {
      check_seed(0, "mixed block has 13 values", seed, n);
      break;
    }
    sg3_randomstate_seed(&rs, seed);
    for (int i = 0; i < 5; i++)
      got[i] = sg3_random_gauss(&rs);
    for (int i = 5; i < 8; i++)
      got[i] = sg3_random_double(&rs);
    for (int i = 8; i < 13; i++)
      got[i] = sg3_random_gauss(&rs);
    check_seed(first_mismatch(got, data, n) < 0,
               "cached gauss across randn/random_sample calls", seed, n);
    break;
  default:
    check_seed(0, "unknown block kind", seed, n);
  }
  free(got);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s randn_expected.bin\n", argv[0]);
    return 2;
  }

  /* MT19937 reference: init_genrand(5489) starts with 3499211612. */
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, 5489);
  check_seed(sg3_random_uint32(&rs) == 3499211612u, "MT19937 first output",
             5489, 1);
  /* Re-seeding must clear a cached Gaussian. */
  sg3_randomstate_seed(&rs, 1);
  double first = sg3_random_gauss(&rs);
  sg3_randomstate_seed(&rs, 1);
  check_seed(same_bits(sg3_random_gauss(&rs), first),
             "seeding clears the cache", 1, 1);

  size_t size;
  unsigned char *buf = check_read_file(argv[1], &size);
  if (!buf)
    return 2;
  if (size <= 12 || memcmp(buf, "SG3RND01", 8) != 0) {
    fprintf(stderr, "%s: not a SG3RND01 file\n", argv[1]);
    free(buf);
    return 2;
  }

  uint32_t blocks = get_u32(buf + 8);
  size_t off = 12;
  for (uint32_t b = 0; b < blocks; b++) {
    if (off + 12 > (size_t)size) {
      check_seed(0, "truncated data file", 0, 0);
      break;
    }
    uint32_t kind = get_u32(buf + off), seed = get_u32(buf + off + 4);
    uint32_t n = get_u32(buf + off + 8);
    size_t bytes = (size_t)n * (kind == 2 ? 4 : 8);
    off += 12;
    if (off + bytes > (size_t)size) {
      check_seed(0, "truncated data file", seed, (int)n);
      break;
    }
    check_block(kind, seed, (int)n, buf + off);
    off += bytes;
  }
  check_seed(off == (size_t)size && blocks > 0, "whole data file consumed", 0,
             (int)blocks);
  free(buf);

  return check_summary();
}
