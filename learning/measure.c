/* What a measurement reads: node voltages with read noise (kh_model_set_read_noise, averaged
 * over repeated readings), and dE/dtheta at a state, the quantity every contrast of phases is
 * made of. */
#include "model_impl.h"

#include <math.h>

void kh_model_set_read_noise(kh_model *m, double sigma_volts, uint64_t seed) {
  m->noise_sigma = sigma_volts > 0 && isfinite(sigma_volts) ? sigma_volts : 0;
  kh_rng_seed(&m->noise_rng, seed);
}

void kh_model_set_read_samples(kh_model *m, unsigned readings) {
  m->noise_readings = readings ? readings : 1;
}

/* The mean of the model's readings of one noisy value's noise: R draws averaged, as hardware
 * averages repeated readings (the same law as one draw of sigma / sqrt(R), drawn as it is read). */
static double reading_noise(kh_model *m) {
  return m->noise_sigma * kh_rng_gaussian_mean(&m->noise_rng, m->noise_readings);
}

const double *kh_model_measure(kh_model *m, const double *v, size_t values) {
  if (m->noise_sigma == 0) return v;
  size_t per_node = values / m->nodes;
  for (size_t i = 0; i < values; i++)
    m->v_measured[i] =
        kh_circuit_node_fixed(m->circuit, i / per_node) ? v[i] : v[i] + reading_noise(m);
  return m->v_measured;
}

/* dE/dtheta at node voltages v: 1/2 (va - vb)^2 for a conductance, v+ - v- for a current source
 * (its co-content term is I (v+ - v-)), times the element's weight in the energy (behind
 * amplifiers: 1/A^2 per stage). */
void kh_model_dE_dtheta(const kh_model *m, const double *v, double *out) {
  for (size_t i = 0; i < m->params; i++) {
    const kh_param *p = &m->param[i];
    double dv = v[p->node_pos] - v[p->node_neg];
    out[i] = p->weight * (p->conductance ? 0.5 * dv * dv : dv);
  }
}

double kh_model_measured_loss(kh_model *m, const double *v) {
  double o[m->outputs + 1], loss = 0;
  kh_model_read_outputs(m, kh_model_measure(m, v, m->nodes), o);
  for (size_t k = 0; k < m->outputs; k++)
    loss += 0.5 * (o[k] - m->target[k]) * (o[k] - m->target[k]);
  return loss;
}
