/* numpy's legacy RandomState: MT19937 seeded like np.random.RandomState(seed)
 * and the polar Box-Muller Gaussian of randn(), bit for bit. */
#ifndef SG3_NUMPY_RANDOM_H
#define SG3_NUMPY_RANDOM_H

#include <stdint.h>

typedef struct {
  uint32_t key[624];
  int pos;
  int has_gauss;
  double gauss;
} sg3_randomstate;

void sg3_randomstate_seed(sg3_randomstate *rs, uint32_t seed);
uint32_t sg3_random_uint32(sg3_randomstate *rs);
/* np.random.RandomState.random_sample(): 53-bit double in [0, 1). */
double sg3_random_double(sg3_randomstate *rs);
/* np.random.RandomState.randn() / standard_normal() (legacy gauss). */
double sg3_random_gauss(sg3_randomstate *rs);
/* np.random.RandomState.randint(0, high) for 1 <= high <= 2^32 (int64, its
 * default dtype): masked rejection sampling of 32-bit draws. */
int64_t sg3_random_randint(sg3_randomstate *rs, uint64_t high);

#endif
