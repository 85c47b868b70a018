/* Checks the filter design against scipy (tools/gen_filter_reference.py ->
 * tests/data/filter_design_expected.bin): the StyleGAN3-T/R layer schedules,
 * extra odd/large designs, filters stored in the reference models, and the
 * Bessel functions.
 * Usage: test_filter_design tests/data/filter_design_expected.bin */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "filter_design.h"

/* Required agreement on float32 taps; in practice they are identical. */
#define TAP_TOLERANCE 1e-7
/* scipy's Cephes Bessel functions are themselves good to a few 1e-16. */
#define I0_REL_TOLERANCE 2e-15
#define J1_ABS_TOLERANCE 2e-15

typedef struct {
  const unsigned char *p, *end;
  int bad;
} reader;

static const unsigned char *take(reader *r, size_t n) {
  if (r->bad || (size_t)(r->end - r->p) < n) {
    r->bad = 1;
    return NULL;
  }
  const unsigned char *q = r->p;
  r->p += n;
  return q;
}

/* Little-endian decoding, independent of the host byte order. */
static uint64_t get_le(reader *r, int bytes) {
  const unsigned char *q = take(r, (size_t)bytes);
  uint64_t u = 0;
  if (q)
    for (int i = bytes - 1; i >= 0; i--)
      u = u << 8 | q[i];
  return u;
}

static uint32_t get_u32(reader *r) {
  return (uint32_t)get_le(r, 4);
}

static double get_f64(reader *r) {
  uint64_t u = get_le(r, 8);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

static float get_f32(reader *r) {
  uint32_t u = (uint32_t)get_le(r, 4);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static void check_filters(reader *r, double *worst, int *exact_total,
                          int *count_total) {
  uint32_t count = get_u32(r);
  for (uint32_t k = 0; k < count && !r->bad; k++) {
    uint32_t radial = get_u32(r), numtaps = get_u32(r);
    uint32_t source = get_u32(r), label_len = get_u32(r);
    const unsigned char *label = take(r, label_len);
    double cutoff = get_f64(r), width = get_f64(r), fs = get_f64(r);
    if (r->bad || numtaps < 2 || numtaps > 4096)
      break;
    size_t n = radial ? (size_t)numtaps * numtaps : numtaps;
    float *want = malloc(n * sizeof *want), *got = malloc(n * sizeof *got);
    if (!want || !got) {
      r->bad = 1;
      free(want);
      free(got);
      break;
    }
    for (size_t i = 0; i < n; i++)
      want[i] = get_f32(r);
    if (r->bad) {
      free(want);
      free(got);
      break;
    }
    char *error = NULL;
    int rc = sg3_design_lowpass_filter((int)numtaps, cutoff, width, fs,
                                       (int)radial, got, &error);
    double maxdiff = 0;
    int exact = rc == 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
      double d = fabs((double)got[i] - (double)want[i]);
      if (d > maxdiff || isnan(d))
        maxdiff = isnan(d) ? INFINITY : d;
      if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
        exact = 0;
    }
    static const char *sources[] = {"schedule", "extra", "stored"};
    check(rc == 0 && maxdiff <= TAP_TOLERANCE,
          "%-8s %-6s n=%-3u %.*s: max |diff| %.3g%s%s", sources[source % 3],
          radial ? "radial" : "firwin", numtaps, (int)label_len,
          (const char *)label, maxdiff, exact ? " (bit-exact)" : "",
          error ? error : "");
    free(error);
    if (rc == 0 && maxdiff > *worst)
      *worst = maxdiff;
    *exact_total += exact;
    (*count_total)++;
    free(want);
    free(got);
  }
}

static void check_bessel(reader *r) {
  uint32_t count = get_u32(r);
  double worst_i0 = 0, worst_j1 = 0;
  int n_i0 = 0, n_j1 = 0;
  for (uint32_t k = 0; k < count && !r->bad; k++) {
    uint32_t func = get_u32(r);
    double x = get_f64(r), want = get_f64(r);
    if (r->bad)
      break;
    if (func == 0) {
      double got = sg3_bessel_i0(x);
      double rel = fabs(got - want) / fabs(want);
      if (!(rel <= I0_REL_TOLERANCE))
        check(0, "i0(%a) = %a, scipy %a", x, got, want);
      if (rel > worst_i0)
        worst_i0 = rel;
      n_i0++;
    } else {
      double got = sg3_bessel_j1(x);
      double abs_err = fabs(got - want);
      if (!(abs_err <= J1_ABS_TOLERANCE))
        check(0, "j1(%a) = %a, scipy %a", x, got, want);
      if (abs_err > worst_j1)
        worst_j1 = abs_err;
      n_j1++;
    }
  }
  check(n_i0 > 0 && worst_i0 <= I0_REL_TOLERANCE,
        "i0 vs scipy.special.i0 at %d points: max rel diff %.3g", n_i0,
        worst_i0);
  check(n_j1 > 0 && worst_j1 <= J1_ABS_TOLERANCE,
        "j1 vs scipy.special.j1 at %d points: max abs diff %.3g", n_j1,
        worst_j1);
}

static void check_basics(void) {
  /* Values from scipy's documentation. */
  check(fabs(sg3_kaiser_atten(211, 0.0375) - 64.48099630593983) < 1e-12,
        "kaiser_atten(211, 0.0375) = %.17g", sg3_kaiser_atten(211, 0.0375));
  check(fabs(sg3_kaiser_beta(65) - 6.20426) < 1e-12, "kaiser_beta(65) = %.17g",
        sg3_kaiser_beta(65));
  check(sg3_kaiser_beta(21) == 0.0, "kaiser_beta(21) = 0");
  check(sg3_bessel_i0(0) == 1.0 && sg3_bessel_j1(0) == 0.0,
        "i0(0) = 1, j1(0) = 0");
  check(sg3_bessel_j1(-2.5) == -sg3_bessel_j1(2.5), "j1 is odd");

  float out[16];
  char *error = NULL;
  int rc = sg3_design_lowpass_filter(1, 0.25, 0.1, 1.0, 0, out, &error);
  check(rc == -1 && error, "numtaps 1 rejected: %s", error ? error : "");
  free(error);
  error = NULL;
  rc = sg3_design_lowpass_filter(4, 0.5, 0.1, 1.0, 0, out, &error);
  check(rc == -1 && error, "cutoff at fs/2 rejected: %s", error ? error : "");
  free(error);
  error = NULL;
  rc = sg3_design_lowpass_filter(4, 0.25, 0.1, 1.0, 1, out, NULL);
  check(rc == 0, "error pointer may be NULL");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s filter_design_expected.bin\n", argv[0]);
    return 2;
  }
  size_t size;
  unsigned char *buf = check_read_file(argv[1], &size);
  if (!buf)
    return 2;

  check_basics();

  reader r = {buf, buf + size, 0};
  const unsigned char *magic = take(&r, 8);
  if (!magic || memcmp(magic, "SG3FLT01", 8) != 0) {
    fprintf(stderr, "%s: not a SG3FLT01 file\n", argv[1]);
    return 2;
  }
  double worst = 0;
  int exact = 0, count = 0;
  check_filters(&r, &worst, &exact, &count);
  check_bessel(&r);
  check(!r.bad && r.p == r.end, "whole data file consumed");
  check(count > 0, "%d filters: %d bit-exact, max |diff| %.3g", count, exact,
        worst);

  free(buf);
  return check_summary();
}
