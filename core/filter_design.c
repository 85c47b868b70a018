/* Low-pass filter design matching scipy.signal.firwin (Kaiser window) and
 * StyleGAN3's radial jinc filter. Every float64 step follows the order of
 * operations of the numpy/scipy code, including numpy's pairwise summation,
 * so that the float32 results come out identical.
 *
 * The Bessel functions are evaluated with power series in double-double
 * arithmetic (about 106 bits), which makes the alternating J1 series
 * harmless, and with Hankel's asymptotic expansions for large arguments.
 * Both end up within about one ulp of the exact value. */
#include "filter_design.h"

#include <math.h>
#include <stdlib.h>

#include "error.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- double-double arithmetic (needs -ffp-contract=off) ---- */

typedef struct {
  double hi, lo;
} dd;

static dd two_sum(double a, double b) {
  double s = a + b;
  double bb = s - a;
  dd r = {s, (a - (s - bb)) + (b - bb)};
  return r;
}

static dd quick_two_sum(double a, double b) {
  double s = a + b;
  dd r = {s, b - (s - a)};
  return r;
}

/* Dekker's split; our magnitudes are far below the overflow limit. */
static void split(double a, double *hi, double *lo) {
  double c = 134217729.0 * a; /* 2^27 + 1 */
  *hi = c - (c - a);
  *lo = a - *hi;
}

static dd two_prod(double a, double b) {
  double p = a * b, ah, al, bh, bl;
  split(a, &ah, &al);
  split(b, &bh, &bl);
  dd r = {p, ((ah * bh - p) + ah * bl + al * bh) + al * bl};
  return r;
}

static dd dd_add(dd a, dd b) {
  dd s = two_sum(a.hi, b.hi);
  dd t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = quick_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return quick_two_sum(s.hi, s.lo);
}

static dd dd_mul(dd a, dd b) {
  dd p = two_prod(a.hi, b.hi);
  p.lo += a.hi * b.lo + a.lo * b.hi;
  return quick_two_sum(p.hi, p.lo);
}

static dd dd_div_d(dd a, double b) {
  double q1 = a.hi / b;
  dd p = two_prod(q1, b);
  dd s = two_sum(a.hi, -p.hi);
  s.lo -= p.lo;
  s.lo += a.lo;
  double q2 = (s.hi + s.lo) / b;
  return quick_two_sum(q1, q2);
}

/* ---- Bessel functions ---- */

/* Below these arguments the power series are used; above, the asymptotic
 * expansions, whose truncation error is about exp(-2x). The I0 series has
 * no cancellation and stays within half an ulp until its terms get close
 * to where Dekker's split overflows (~1e300); the asymptotic form is only a
 * few ulps good because of exp(). */
#define I0_SERIES_MAX 680.0
#define J1_SERIES_MAX 25.0

double sg3_bessel_i0(double x) {
  x = fabs(x);
  if (isnan(x) || isinf(x))
    return x;
  if (x <= I0_SERIES_MAX) {
    /* sum_k ((x/2)^2)^k / (k!)^2, all terms positive. */
    double h = 0.5 * x;
    dd q = two_prod(h, h);
    dd term = {1.0, 0.0}, sum = {1.0, 0.0};
    for (int k = 1; k < 4000; k++) {
      term = dd_div_d(dd_mul(term, q), (double)k * (double)k);
      sum = dd_add(sum, term);
      if (term.hi < 1e-34 * sum.hi)
        break;
    }
    return sum.hi + sum.lo;
  }
  /* e^x / sqrt(2 pi x) * sum_k prod_{j<=k} (2j-1)^2 / (k! (8x)^k): the
   * terms are positive and shrink until k ~ 2x. */
  double sum = 1.0, term = 1.0;
  for (int k = 1; k < 1000; k++) {
    double odd = 2.0 * k - 1.0;
    double next = term * (odd * odd) / (8.0 * k * x);
    if (next >= term)
      break;
    term = next;
    sum += term;
    if (term < 1e-18 * sum)
      break;
  }
  /* Split exp() so that large beta does not overflow prematurely. */
  double e = exp(0.5 * x);
  return e * (e * (sum / sqrt(2.0 * M_PI * x)));
}

double sg3_bessel_j1(double x) {
  if (isnan(x))
    return x;
  if (isinf(x))
    return 0.0;
  double ax = fabs(x), result;
  if (ax <= J1_SERIES_MAX) {
    /* sum_k (-1)^k (x/2)^(2k+1) / (k! (k+1)!). The largest term is about
     * 1e9 at x = 25; double-double keeps the cancellation error below
     * 1e-22. */
    double h = 0.5 * ax;
    dd q = two_prod(h, h);
    dd mq = {-q.hi, -q.lo};
    dd term = {h, 0.0}, sum = {h, 0.0};
    for (int k = 1; k < 1000; k++) {
      term = dd_div_d(dd_mul(term, mq), (double)k * (double)(k + 1));
      sum = dd_add(sum, term);
      if ((double)k * (k + 1) > q.hi && fabs(term.hi) <= 1e-34 * fabs(sum.hi))
        break;
    }
    result = sum.hi + sum.lo;
  } else {
    /* Hankel: J1 = sqrt(2/(pi x)) (P cos(chi) - Q sin(chi)),
     * chi = x - 3pi/4. b_k = a_k(1) / x^k; P = b0 - b2 + ...,
     * Q = b1 - b3 + .... Using sin(x) and cos(x) directly avoids the
     * rounding of x - 3pi/4. */
    double p = 1.0, qs = 0.0, b = 1.0;
    for (int k = 1; k < 1000; k++) {
      double odd = 2.0 * k - 1.0;
      double next = b * (4.0 - odd * odd) / (8.0 * k * ax);
      if (fabs(next) >= fabs(b) || next == 0.0)
        break;
      b = next;
      switch (k & 3) {
      case 0:
        p += b;
        break;
      case 1:
        qs += b;
        break;
      case 2:
        p -= b;
        break;
      default:
        qs -= b;
        break;
      }
      if (fabs(b) < 1e-18)
        break;
    }
    double s = sin(ax), c = cos(ax);
    /* cos(chi) = (s - c)/sqrt2, sin(chi) = -(s + c)/sqrt2. */
    result = (p * (s - c) + qs * (s + c)) / sqrt(M_PI * ax);
  }
  return x < 0 ? -result : result;
}

/* ---- scipy.signal helpers ---- */

double sg3_kaiser_atten(int numtaps, double width) {
  return 2.285 * (double)(numtaps - 1) * M_PI * width + 7.95;
}

double sg3_kaiser_beta(double atten) {
  if (atten > 50.0)
    return 0.1102 * (atten - 8.7);
  if (atten > 21.0)
    return 0.5842 * pow(atten - 21.0, 0.4) + 0.07886 * (atten - 21.0);
  return 0.0;
}

/* numpy's symmetric Kaiser window (np.kaiser, scipy kaiser with sym=True). */
static void kaiser_window(int n, double beta, double *w) {
  double alpha = (n - 1) / 2.0;
  double denom = sg3_bessel_i0(beta);
  for (int i = 0; i < n; i++) {
    double t = ((double)i - alpha) / alpha;
    w[i] = sg3_bessel_i0(beta * sqrt(1.0 - t * t)) / denom;
  }
}

/* numpy's pairwise summation (np.sum over a contiguous float64 array):
 * eight interleaved accumulators per block of up to 128 elements. */
static double pairwise_sum(const double *a, size_t n) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; i++)
      res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    size_t i;
    for (int j = 0; j < 8; j++)
      r[j] = a[j];
    for (i = 8; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; j++)
        r[j] += a[i + j];
    double res =
        ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++)
      res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* np.sum: the reduction starts from 0 and its iterator hands the inner
 * loop at most one buffer (8192 elements) at a time. */
static double np_sum(const double *a, size_t n) {
  double res = 0.0;
  for (size_t i = 0; i < n; i += 8192)
    res += pairwise_sum(a + i, n - i < 8192 ? n - i : 8192);
  return res;
}

/* np.sinc: sin(pi x) / (pi x) with x = 0 replaced by 1e-20. */
static double np_sinc(double x) {
  double y = M_PI * (x == 0.0 ? 1.0e-20 : x);
  return sin(y) / y;
}

static void design_separable(int numtaps, double cutoff, double width,
                             double fs, double *h) {
  double nyq = 0.5 * fs;
  double c = cutoff / nyq;
  double beta = sg3_kaiser_beta(sg3_kaiser_atten(numtaps, width / nyq));
  double alpha = 0.5 * (numtaps - 1);
  for (int i = 0; i < numtaps; i++)
    h[i] = c * np_sinc(c * ((double)i - alpha));
  double *w = h + numtaps; /* scratch: caller allocates 2 * numtaps */
  kaiser_window(numtaps, beta, w);
  for (int i = 0; i < numtaps; i++)
    h[i] *= w[i];
  /* Scaled for unit gain at DC: cos(pi m 0) = 1, so the sum of taps. */
  double s = np_sum(h, (size_t)numtaps);
  for (int i = 0; i < numtaps; i++)
    h[i] /= s;
}

static void design_radial(int numtaps, double cutoff, double width, double fs,
                          double *f) {
  int n = numtaps;
  double *x = f + (size_t)n * n; /* scratch: caller allocates n*n + 2n */
  double *w = x + n;
  for (int i = 0; i < n; i++)
    x[i] = ((double)i - (n - 1) / 2.0) / fs;
  double two_c = 2.0 * cutoff;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double r = hypot(x[j], x[i]);
      double pr = M_PI * r;
      /* At r = 0 (odd numtaps only) numpy gives 0/0; use the limit
       * J1(2 pi c r) / (pi r) -> c. */
      f[(size_t)i * n + j] = r == 0.0 ? cutoff : sg3_bessel_j1(two_c * pr) / pr;
    }
  double beta = sg3_kaiser_beta(sg3_kaiser_atten(n, width / (fs / 2.0)));
  kaiser_window(n, beta, w);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      f[(size_t)i * n + j] *= w[i] * w[j];
  double s = np_sum(f, (size_t)n * n);
  for (size_t k = 0; k < (size_t)n * n; k++)
    f[k] /= s;
}

int sg3_design_lowpass_filter(int numtaps, double cutoff, double width,
                              double fs, int radial, float *out, char **error) {
  if (numtaps < 2 || numtaps > 4096)
    return sg3_set_error(error, "filter design: numtaps %d out of range",
                         numtaps);
  if (!(fs > 0.0) || !isfinite(fs) || !isfinite(width) || !(width >= 0.0))
    return sg3_set_error(error, "filter design: invalid fs %g or width %g", fs,
                         width);
  /* firwin's check, also applied to the radial design for consistency. */
  double c = cutoff / (0.5 * fs);
  if (!(c > 0.0 && c < 1.0))
    return sg3_set_error(error,
                         "filter design: cutoff %g not inside (0, fs/2 = %g)",
                         cutoff, 0.5 * fs);
  size_t n = (size_t)numtaps;
  size_t count = radial ? n * n : n;
  double *buf = malloc((count + 2 * n) * sizeof *buf);
  if (!buf)
    return sg3_set_error(error, "filter design: out of memory");
  if (radial)
    design_radial(numtaps, cutoff, width, fs, buf);
  else
    design_separable(numtaps, cutoff, width, fs, buf);
  for (size_t k = 0; k < count; k++)
    out[k] = (float)buf[k];
  free(buf);
  return 0;
}
