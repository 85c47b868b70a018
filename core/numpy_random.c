/* numpy's legacy RandomState (MT19937 + polar Box-Muller), reproduced
 * operation for operation so that gen_images.py's z vectors match bit for
 * bit. Build with -ffp-contract=off: a fused x1*x1+x2*x2 would change the
 * rejection test and the Gaussian values. */
#include "numpy_random.h"

#include <math.h>

#include "sg3.h"

#define MT_N 624
#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER_MASK 0x80000000u
#define MT_LOWER_MASK 0x7fffffffu

/* numpy's RandomState(int) goes through _legacy_seeding -> mt19937_seed,
 * i.e. Matsumoto-Nishimura init_genrand, not init_by_array. */
void sg3_randomstate_seed(sg3_randomstate *rs, uint32_t seed) {
  for (int pos = 0; pos < MT_N; pos++) {
    rs->key[pos] = seed;
    seed = 1812433253u * (seed ^ (seed >> 30)) + (uint32_t)pos + 1u;
  }
  rs->pos = MT_N;
  rs->has_gauss = 0;
  rs->gauss = 0.0;
}

static void mt_generate(sg3_randomstate *rs) {
  uint32_t *k = rs->key;
  int i;
  uint32_t y;
  for (i = 0; i < MT_N - MT_M; i++) {
    y = (k[i] & MT_UPPER_MASK) | (k[i + 1] & MT_LOWER_MASK);
    k[i] = k[i + MT_M] ^ (y >> 1) ^ (-(y & 1u) & MT_MATRIX_A);
  }
  for (; i < MT_N - 1; i++) {
    y = (k[i] & MT_UPPER_MASK) | (k[i + 1] & MT_LOWER_MASK);
    k[i] = k[i + (MT_M - MT_N)] ^ (y >> 1) ^ (-(y & 1u) & MT_MATRIX_A);
  }
  y = (k[MT_N - 1] & MT_UPPER_MASK) | (k[0] & MT_LOWER_MASK);
  k[MT_N - 1] = k[MT_M - 1] ^ (y >> 1) ^ (-(y & 1u) & MT_MATRIX_A);
  rs->pos = 0;
}

uint32_t sg3_random_uint32(sg3_randomstate *rs) {
  if (rs->pos >= MT_N)
    mt_generate(rs);
  uint32_t y = rs->key[rs->pos++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

double sg3_random_double(sg3_randomstate *rs) {
  /* Two draws, in this order: 27 high bits, then 26 low bits. */
  uint32_t a = sg3_random_uint32(rs) >> 5;
  uint32_t b = sg3_random_uint32(rs) >> 6;
  return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double sg3_random_gauss(sg3_randomstate *rs) {
  if (rs->has_gauss) {
    double cached = rs->gauss;
    rs->has_gauss = 0;
    rs->gauss = 0.0;
    return cached;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * sg3_random_double(rs) - 1.0;
    x2 = 2.0 * sg3_random_double(rs) - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  double f = sqrt(-2.0 * log(r2) / r2);
  /* numpy returns the x2 value first and keeps the x1 value. */
  rs->gauss = f * x1;
  rs->has_gauss = 1;
  return f * x2;
}

void sg3_z_from_seed(uint32_t seed, double *z, int z_dim) {
  sg3_randomstate rs;
  sg3_randomstate_seed(&rs, seed);
  for (int i = 0; i < z_dim; i++)
    z[i] = sg3_random_gauss(&rs);
}

int64_t sg3_random_randint(sg3_randomstate *rs, uint64_t high) {
  /* random_bounded_uint64_fill: rng = high - 1 fits 32 bits, so one
   * uint32 per try, masked to the smallest 2^k - 1 >= rng. */
  uint64_t rng = high - 1;
  if (high <= 1)
    return 0;
  if (rng == 0xffffffffu)
    return sg3_random_uint32(rs);
  uint32_t mask = (uint32_t)rng;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  uint32_t v;
  while ((v = sg3_random_uint32(rs) & mask) > rng)
    ;
  return v;
}
