/* Diodes in an assembled circuit: their records, junction voltages, and ideal diodes as
 * bounds. An ideal diode with one end held by sources bounds the unknown at its other end
 * (anode free: an upper bound; cathode free: a lower bound), which the Newton solver enforces
 * by projection without changing the matrix pattern. */
#include "circuit_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>

kh_status kh_circuit_build_diodes(kh_context *ctx, kh_circuit *c) {
  for (size_t i = 0; i < c->element_count; i++) c->diode_count += c->kind[i] == KH_DIODE;
  c->diodes = kh_calloc(c->diode_count + 1, sizeof *c->diodes);
  c->ideal = kh_malloc((c->diode_count + 1) * sizeof *c->ideal);
  c->ideal_unknown = kh_malloc((c->diode_count + 1) * sizeof *c->ideal_unknown);
  c->ideal_sign = kh_malloc(c->diode_count + 1);
  if (!c->diodes || !c->ideal || !c->ideal_unknown || !c->ideal_sign)
    return kh_fail_nomem(ctx, "assembling diodes");
  size_t d = 0;
  for (size_t i = 0; i < c->element_count; i++) {
    if (c->kind[i] != KH_DIODE) continue;
    kh_status st = kh_diode_from_netlist(ctx, c->nl, i, &c->diodes[d]);
    if (st != KH_OK) return st;
    int64_t ua = c->unknown_of[c->ends[i][0]], uc = c->unknown_of[c->ends[i][1]];
    if (c->diodes[d].kind == KH_DIODE_IDEAL && ua >= 0 && uc >= 0 && ua != uc) {
      kh_diode *dd = &c->diodes[d]; /* both ends free: a constraint on a difference */
      dd->kind = KH_DIODE_PWL, dd->augmented = 1, dd->vth0 = dd->vth, dd->lambda = 0;
      dd->goff = 0, dd->gon = dd->rho = 1.0; /* rho: kh_circuit_augment_rho, once values exist */
      c->augmented_count++;
    }
    if (c->diodes[d].kind != KH_DIODE_IDEAL) {
      c->smooth_count++;
    } else {
      size_t k = c->ideal_count++;
      c->ideal[k] = (uint32_t)d;
      c->ideal_unknown[k] = ua == uc ? -1 : ua >= 0 ? ua : uc;
      c->ideal_sign[k] = ua >= 0 ? 1 : -1;
    }
    d++;
  }
  return KH_OK;
}

double kh_circuit_diode_voltage(const kh_circuit *c, const kh_diode *d, const double *x) {
  return kh_circuit_node_voltage(c, c->ends[d->element][0], x) -
         kh_circuit_node_voltage(c, c->ends[d->element][1], x);
}

long kh_circuit_bounds(const kh_circuit *c, double *lo, double *hi) {
  for (size_t u = 0; u < c->unknowns; u++) lo[u] = -INFINITY, hi[u] = INFINITY;
  for (size_t k = 0; k < c->ideal_count; k++) {
    const kh_diode *d = &c->diodes[c->ideal[k]];
    int64_t u = c->ideal_unknown[k];
    /* Junction voltage with the free end's unknown at 0: v = sign * coef * x_u + v0 <= vth
     * (coef > 0: amplifier gains are positive). */
    uint32_t free_end = c->ends[d->element][c->ideal_sign[k] > 0 ? 0 : 1];
    double v0 = c->offset[c->ends[d->element][0]] - c->offset[c->ends[d->element][1]];
    if (u < 0) {
      if (!(v0 <= d->vth)) return (long)k; /* both ends fixed and forward biased past vth */
      continue;
    }
    if (c->ideal_sign[k] > 0)
      hi[u] = fmin(hi[u], (d->vth - v0) / c->coef[free_end]);
    else
      lo[u] = fmax(lo[u], (v0 - d->vth) / c->coef[free_end]);
    if (!(lo[u] <= hi[u])) return (long)k;
  }
  return -1;
}

kh_status kh_circuit_augment_rho(kh_context *ctx, kh_circuit *c, double factor) {
  if (!c->augmented_count) return KH_OK;
  /* rho: factor times the largest conductance at either end. Recomputed per solve: training
   * changes the conductances. */
  double *gmax = kh_calloc(c->node_count + 1, sizeof *gmax);
  if (!gmax) return kh_fail_nomem(ctx, "preparing ideal diodes");
  for (size_t r = 0; r < c->resistor_count; r++)
    for (int e = 0; e < 2; e++) {
      uint32_t node = c->ends[c->edges[r]][e];
      gmax[node] = fmax(gmax[node], c->value[c->edges[r]]);
    }
  for (size_t k = 0; k < c->diode_count; k++) {
    kh_diode *d = &c->diodes[k];
    if (!d->augmented) continue;
    double g = fmax(gmax[c->ends[d->element][0]], gmax[c->ends[d->element][1]]);
    d->rho = d->gon = factor * (g > 0 ? g : 1.0);
    d->vth = d->vth0 - d->lambda / d->rho;
  }
  kh_free(gmax);
  return KH_OK;
}
