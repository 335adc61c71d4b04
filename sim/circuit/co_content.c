/* The co-content, its gradient and Hessian on the reduced unknowns, smooth diodes included: what a
 * Newton solver needs (kirchhoff/circuit.h: kh_circuit_gradient, kh_circuit_hessian; the native
 * backend's Newton uses them with its trust-region evaluation of the junctions). */
#include "circuit_impl.h"

#include <math.h>

/* The smooth diodes, in edge order (edges resistor_count..). */
#define FOR_SMOOTH(c, d)                                                                           \
  for (const kh_diode *d = (c)->diodes; d < (c)->diodes + (c)->diode_count; d++)                   \
    if (d->kind != KH_DIODE_IDEAL)

static long double voltage(const kh_circuit *c, uint32_t node, const double *x) {
  int64_t u = c->unknown_of[node];
  return (long double)c->offset[node] + (u >= 0 ? (long double)c->coef[node] * x[u] : 0.0L);
}

/* An element's weight in the energy (1 without amplifiers). */
static long double weight(const kh_circuit *c, uint32_t element) {
  uint32_t a = c->ends[element][0];
  return c->unknown_of[a] >= 0 ? c->weight[a] : c->weight[c->ends[element][1]];
}

static void evaluate(const kh_diode *d, double v, int trusted, double *i, double *g) {
  double phi;
  if (trusted)
    kh_diode_eval_trusted(d, v, &phi, i, g);
  else
    kh_diode_eval(d, v, &phi, i, g);
}

long double kh_circuit_co_content_energy(const kh_circuit *c, const double *x, int trusted) {
  long double e = 0;
  for (size_t r = 0; r < c->resistor_count; r++) {
    const uint32_t *end = c->ends[c->edges[r]];
    if (c->unknown_of[end[0]] == c->unknown_of[end[1]]) continue; /* constant */
    long double dv = voltage(c, end[0], x) - voltage(c, end[1], x);
    e += 0.5L * weight(c, c->edges[r]) * c->value[c->edges[r]] * dv * dv;
  }
  for (size_t k = 0; k < c->element_count; k++)
    if (c->kind[k] == KH_ISOURCE &&
        (c->unknown_of[c->ends[k][0]] >= 0 || c->unknown_of[c->ends[k][1]] >= 0))
      e += weight(c, (uint32_t)k) * c->value[k] *
           (voltage(c, c->ends[k][0], x) - voltage(c, c->ends[k][1], x));
  FOR_SMOOTH(c, d) {
    /* a junction between two fixed nodes adds a constant, which can be ~1e68 (a diode across a
     * 5 V source) and would drown every change of E in rounding: leave it out */
    if (kh_circuit_junction_fixed(c, d)) continue;
    double phi, i, g, v = kh_circuit_diode_voltage(c, d, x);
    if (trusted)
      kh_diode_eval_trusted(d, v, &phi, &i, &g);
    else
      kh_diode_eval(d, v, &phi, &i, &g);
    if (!isfinite(phi)) return INFINITY;
    e += weight(c, d->element) * phi;
  }
  for (size_t k = 0; c->beta != 0 && k < c->output_count; k++) {
    long double dv = voltage(c, c->out_ends[k][0], x) - voltage(c, c->out_ends[k][1], x);
    e += 0.5L * c->beta * (dv - c->target[k]) * (dv - c->target[k]);
  }
  return e;
}

int kh_circuit_co_content_gradient(const kh_circuit *c, const double *x, int trusted,
                                   double *grad) {
  if (kh_circuit_residual(c, x, grad)) return -1;
  for (size_t u = 0; u < c->unknowns; u++) grad[u] = -grad[u];
  FOR_SMOOTH(c, d) {
    double i, g;
    evaluate(d, kh_circuit_diode_voltage(c, d, x), trusted, &i, &g);
    if (!isfinite(i)) return 1;
    uint32_t a = c->ends[d->element][0], k = c->ends[d->element][1];
    int64_t ua = c->unknown_of[a], uk = c->unknown_of[k];
    if (ua >= 0) grad[ua] += c->kw[a] * i;
    if (uk >= 0) grad[uk] -= c->kw[k] * i;
  }
  return 0;
}

int kh_circuit_co_content_hessian(const kh_circuit *c, const double *x, int trusted,
                                  double *values) {
  kh_circuit_fill_laplacian(c, values);
  size_t edge = c->resistor_count;
  int finite = 1;
  FOR_SMOOTH(c, d) {
    double i, g;
    evaluate(d, kh_circuit_diode_voltage(c, d, x), trusted, &i, &g);
    finite &= isfinite(g);
    kh_circuit_add_edge(c, values, edge++, g);
  }
  return finite ? 0 : 1;
}

double kh_circuit_energy(const kh_circuit *c, const double *x) {
  return (double)kh_circuit_co_content_energy(c, x, 0);
}

int kh_circuit_gradient(const kh_circuit *c, const double *x, double *grad) {
  return kh_circuit_co_content_gradient(c, x, 0, grad);
}

int kh_circuit_hessian(const kh_circuit *c, const double *x, double *values) {
  return kh_circuit_co_content_hessian(c, x, 0, values);
}

void kh_circuit_pattern(const kh_circuit *c, const int64_t **colptr, const int64_t **rowidx) {
  *colptr = c->colptr, *rowidx = c->rowidx;
}
