/* Device non-idealities of trainable conductances: quantization to 2^bits levels, programming
 * noise per write, and devices stuck at either bound. Every random draw is a hash of (seed,
 * device, write), so a run is reproducible whatever the threads, and stuck devices stay stuck. */
#include "core/alloc.h"
#include "core/context.h"
#include "core/rng.h"
#include "kirchhoff/hw.h"

#include <math.h>

typedef struct {
  kh_hw_options o;
  double gmin, gmax;
} device_state;

static double uniform(uint64_t seed, uint64_t a, uint64_t b, uint64_t salt) {
  uint64_t z = seed ^ (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ salt;
  return (double)(kh_splitmix64(&z) >> 11) * 0x1.0p-53;
}

/* A standard normal deviate from two hashed uniforms (Box-Muller). */
static double normal(uint64_t seed, uint64_t a, uint64_t b, uint64_t salt_u, uint64_t salt_v) {
  return kh_gaussian_of(uniform(seed, a, b, salt_u), uniform(seed, a, b, salt_v));
}

double kh_hw_map(const kh_hw_options *o, double g, double gmin, double gmax, uint64_t index,
                 uint64_t write) {
  double stuck = uniform(o->seed, index, 0, 0x57c4);
  if (stuck < o->stuck_rate) return stuck < 0.5 * o->stuck_rate ? gmin : gmax;
  if (o->variation > 0) /* this device's own, every write */
    g *= 1 + o->variation * normal(o->seed, index, 0, 0xd2d, 0xd2e);
  if (o->prog_noise > 0) /* this write's */
    g *= 1 + o->prog_noise * normal(o->seed, index, write, 0x9a1, 0x9a2);
  if (o->prog_noise_add > 0) g += o->prog_noise_add * normal(o->seed, index, write, 0xadd, 0xade);
  g = fmin(fmax(g, gmin), gmax);
  if (o->quantize_bits) {
    double levels = ldexp(1.0, (int)o->quantize_bits) - 1, step = (gmax - gmin) / levels;
    g = gmin + round((g - gmin) / step) * step;
  }
  return g;
}

static void map(void *state, const kh_model *m, const double *theta, double *device,
                uint64_t write) {
  const device_state *s = state;
  for (size_t i = 0; i < kh_model_param_count(m); i++)
    device[i] = kh_model_param_is_conductance(m, i)
                    ? kh_hw_map(&s->o, theta[i], s->gmin, s->gmax, i, write)
                    : theta[i]; /* bias currents are not devices */
}

kh_status kh_hw_attach(kh_context *ctx, kh_trainer *t, const kh_hw_options *o, int hardware_aware) {
  if (o->quantize_bits > 24 || !(o->prog_noise >= 0) || !(o->prog_noise_add >= 0) ||
      !(o->variation >= 0) || !(o->stuck_rate >= 0 && o->stuck_rate <= 1))
    return kh_fail(ctx, KH_ERR_USAGE,
                   "device model: quantize_bits 0..24, noise >= 0, stuck rate in [0, 1]");
  device_state *s = kh_calloc(1, sizeof *s);
  if (!s) return kh_fail_nomem(ctx, "attaching a device model");
  s->o = *o;
  kh_model_bounds(kh_trainer_model(t), &s->gmin, &s->gmax);
  if (!(s->gmin > 0)) s->gmin = 1e-12;
  if ((o->quantize_bits || o->stuck_rate > 0) && !isfinite(s->gmax)) {
    kh_free(s);
    return kh_fail(ctx, KH_ERR_USAGE,
                   "quantized or stuck devices need an upper conductance bound (.bounds gmax= in "
                   "the netlist)");
  }
  kh_trainer_set_device(t, map, s, kh_free, hardware_aware); /* freed with the trainer */
  return KH_OK;
}
