#include "diode.h"

#include "core/context.h"

#include <math.h>

static double param(const kh_netlist *nl, const char *model, const char *name, double fallback) {
  double v;
  return kh_netlist_model_param(nl, model, name, &v) ? v : fallback;
}

kh_status kh_diode_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t element,
                                kh_diode *out) {
  kh_element e = kh_netlist_element(nl, element);
  const char *m = e.model;
  double gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &gmin);
  double vt = KH_BOLTZMANN * KH_TEMPERATURE / KH_CHARGE;
  *out = (kh_diode){(uint32_t)element,
                    KH_DIODE_SHOCKLEY,
                    param(nl, m, "is", 1e-14) * e.value,
                    param(nl, m, "n", 1.0) * vt,
                    gmin,
                    0,
                    0,
                    param(nl, m, "kh_vth", 0.0),
                    0,
                    0,
                    0,
                    0};
  int ideal = param(nl, m, "kh_ideal", 0) != 0, pwl = param(nl, m, "kh_pwl", 0) != 0;
  if (ideal && pwl)
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: model '%s' sets both kh_ideal and kh_pwl", e.file,
                   e.line, e.col, m);
  if (ideal) out->kind = KH_DIODE_IDEAL;
  if (pwl) {
    out->kind = KH_DIODE_PWL;
    out->gon = param(nl, m, "kh_gon", 1.0) * e.value;
    out->goff = param(nl, m, "kh_goff", 1e-12) * e.value;
    if (!(out->goff >= 0) || !(out->gon >= out->goff) || !isfinite(out->gon))
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%u:%u: model '%s' needs 0 <= kh_goff <= kh_gon (a convex diode)", e.file,
                     e.line, e.col, m);
  }
  if (out->kind == KH_DIODE_SHOCKLEY && (!(out->is > 0) || !(out->nvt > 0)))
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: model '%s' needs IS > 0 and N > 0", e.file, e.line,
                   e.col, m);
  if (!isfinite(out->vth))
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: model '%s': kh_vth must be finite", e.file, e.line,
                   e.col, m);
  return KH_OK;
}

void kh_diode_eval(const kh_diode *d, double v, double *phi, double *i, double *g) {
  switch (d->kind) {
  case KH_DIODE_SHOCKLEY: {
    double u = v / d->nvt;
    if (u > 700) { /* exp overflows: infinitely costly, the line search must back off */
      *phi = INFINITY, *i = INFINITY, *g = INFINITY;
      return;
    }
    double e = exp(u), em1 = expm1(u);
    *phi = d->is * (d->nvt * em1 - v) + 0.5 * d->gmin * v * v;
    *i = d->is * em1 + d->gmin * v;
    *g = d->is * e / d->nvt + d->gmin;
    return;
  }
  case KH_DIODE_PWL: {
    if (v <= d->vth) {
      *phi = 0.5 * d->goff * v * v;
      *i = d->goff * v;
      *g = d->goff;
    } else {
      double t = d->vth, dv = v - t;
      *phi = 0.5 * d->goff * t * t + d->goff * t * dv + 0.5 * d->gon * dv * dv;
      *i = d->goff * t + d->gon * dv;
      *g = d->gon;
    }
    return;
  }
  case KH_DIODE_IDEAL: *phi = 0, *i = 0, *g = 0; return;
  }
}
