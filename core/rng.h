/* A small, fast, seedable random-number generator (xoshiro256**, seeded by splitmix64) whose
 * whole state is four words, so runs can checkpoint it and resume bitwise. */
#ifndef KH_CORE_RNG_H
#define KH_CORE_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct {
  uint64_t s[4];
} kh_rng;

static inline uint64_t kh_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline void kh_rng_seed(kh_rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = kh_splitmix64(&seed);
}

static inline uint64_t kh_rng_next(kh_rng *r) {
  uint64_t *s = r->s;
  uint64_t x = s[1] * 5, result = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
  s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double kh_rng_uniform(kh_rng *r) {
  return (double)(kh_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-32 for the
 * sizes used here). */
static inline uint64_t kh_rng_below(kh_rng *r, uint64_t n) {
  return (uint64_t)(((unsigned __int128)kh_rng_next(r) * n) >> 64);
}

/* A standard normal deviate from two uniforms u, v in [0, 1) (Box-Muller). */
static inline double kh_gaussian_of(double u, double v) {
  return sqrt(-2 * log(1 - u)) * cos(6.283185307179586 * v);
}

static inline double kh_rng_gaussian(kh_rng *r) {
  double u = kh_rng_uniform(r);
  return kh_gaussian_of(u, kh_rng_uniform(r));
}

/* The mean of n >= 1 standard normal draws (repeated readings averaged). */
static inline double kh_rng_gaussian_mean(kh_rng *r, unsigned n) {
  double sum = 0;
  for (unsigned k = 0; k < n; k++) sum += kh_rng_gaussian(r);
  return sum / n;
}

#endif
