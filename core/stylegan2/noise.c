/* noise_mode 'random': fresh N(0, 1) noise per layer and frame. torch's
 * randn cannot be reproduced without torch's generator state, so this is
 * our own: a counter-based generator (SplitMix64 of seed, layer and pixel
 * pair, then Box-Muller), which any thread count evaluates to the same
 * values. */
#include <math.h>
#include <stdint.h>

#include "stylegan2/stylegan2.h"

static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

typedef struct {
  uint64_t key;
  int size;
  size_t pitch;
  float strength;
  float *out;
} noise_ctx;

static void noise_rows(void *ctx, int task, int thread) {
  (void)thread;
  const noise_ctx *c = ctx;
  const int size = c->size;
  float *row = c->out + (size_t)task * c->pitch;
  for (int x = 0; x < size; x += 2) {
    uint64_t pair = ((uint64_t)task * (uint64_t)size + (uint64_t)x) / 2;
    uint64_t h = mix64(c->key ^ mix64(pair));
    /* u1 in (0, 1], u2 in [0, 1), 32 bits each. */
    double u1 = ((double)(h >> 32) + 1.0) / 4294967296.0;
    double u2 = (double)(h & 0xffffffffu) / 4294967296.0;
    double r = sqrt(-2.0 * log(u1)), a = 2.0 * M_PI * u2;
    row[x] = (float)(r * cos(a)) * c->strength;
    if (x + 1 < size)
      row[x + 1] = (float)(r * sin(a)) * c->strength;
  }
  for (size_t x = (size_t)size; x < c->pitch; x++)
    row[x] = 0;
}

void sg2_random_noise(const sg3_exec *ex, uint32_t seed, int layer, int size,
                      size_t pitch, float strength, float *out) {
  noise_ctx c = {mix64(((uint64_t)seed << 32) | (uint32_t)layer), size, pitch,
                 strength, out};
  sg3_pool_run(ex->pool, size, noise_rows, &c);
}
