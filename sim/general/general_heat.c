/* The self-heating diode in general Newton, as ngspice 39's dioload.c models it with a thermal
 * node: the junction sits at t0 + v(tj) kelvins, its RS (at that temperature) joins the anode to
 * an inner node, and the power of both, vd i + vrs^2 / rs, flows into tj, which RTH0 joins to
 * ground. Newton linearizes the three in the voltages and the rise. The rise's derivatives come
 * from central differences of the model evaluated at neighbouring temperatures, so that the
 * model's many temperature laws stay in one place (sim/circuit/diode.c); a derivative off by
 * round-off slows Newton, it cannot move the answer, which the certificate checks on the exact
 * equations. */
#include "core/context.h"
#include "general_impl.h"

#include <math.h>

#define RISE_STEP 1e-2 /* kelvins: the central differences' step */
#define RISE_LIMIT 100 /* ngspice's DEVlimitlog: the rise moves this far per step, then slowly */
#define COLDEST 1.0    /* kelvins: a wild iterate below this is evaluated here */

typedef struct {
  long a, b, c, t; /* anode, cathode, inner (the anode without RS) and thermal unknowns */
  double vd, vrs, rise;
  double i, gd, didt; /* the junction's current and its derivatives in vd and the rise */
  double gs, dgsdt;   /* RS's conductance and its derivative in the rise (0 without RS) */
} heated;

double kh_limitlog(double rise, double old, double limit, int *limited) {
  if (rise > old + limit) {
    *limited = 1;
    return old + limit + log10((rise - old) / limit);
  }
  if (rise < old - limit) {
    *limited = 1;
    return old - limit - log10((old - rise) / limit);
  }
  return rise;
}

/* The junction's model at `rise` kelvins above t0. */
static int model_at(kh_general *g, size_t k, long d, double rise, kh_diode *out) {
  rise = fmax(rise, COLDEST - g->heat[d].t0);
  return kh_diode_heated(g->ctx, g->nl, k, rise, out) == KH_OK ? 0 : -2;
}

/* The current at vd of the junction at `rise`. */
static int current_at(kh_general *g, size_t k, long d, double rise, double vd, double *i) {
  kh_diode dd;
  double phi, gd;
  if (model_at(g, k, d, rise, &dd)) return -2;
  kh_diode_eval(&dd, vd, &phi, i, &gd);
  return 0;
}

static int series_conductance(kh_general *g, size_t k, long d, double rise, double *gs) {
  double t = fmax(g->heat[d].t0 + rise, COLDEST);
  double r = kh_netlist_diode_series_resistance(g->nl, k, t);
  if (!(r > 0) || !isfinite(r)) {
    kh_element e = kh_netlist_element(g->nl, k);
    kh_fail(g->ctx, KH_ERR_INPUT,
            "%s:%u:%u: diode '%s': its series resistance at %.2f K is %g ohms (RS, TRS and "
            "TRS2 of model '%s'); it must be positive",
            e.file, e.line, e.col, e.name, t, r, e.model);
    return -2;
  }
  *gs = 1 / r;
  return 0;
}

/* Everything the stamps and the certificate need at x; limited (as ngspice limits vd and the
 * rise) when `linearize`, with derivatives when `slopes`. */
static int evaluate(kh_general *g, size_t k, long d, const double *x, int linearize, int slopes,
                    heated *h) {
  kh_heat *th = &g->heat[d];
  kh_element e = kh_netlist_element(g->nl, k);
  h->a = kh_general_at(e.node_pos), h->b = kh_general_at(e.node_neg), h->t = th->tj;
  h->c = th->inner >= 0 ? th->inner : h->a;
  h->rise = x[h->t];
  if (linearize)
    h->rise = kh_limitlog(h->rise, th->rise, RISE_LIMIT, &g->limited), th->rise = h->rise;
  if (model_at(g, k, d, h->rise, &g->diodes[d])) return -2;
  h->vd = kh_general_value(x, h->c) - kh_general_value(x, h->b);
  if (linearize) h->vd = kh_diode_limit(&g->diodes[d], h->vd, g->vd[d], &g->limited);
  if (linearize) g->vd[d] = h->vd;
  double phi;
  kh_diode_eval(&g->diodes[d], h->vd, &phi, &h->i, &h->gd);
  h->vrs = kh_general_value(x, h->a) - kh_general_value(x, h->c);
  h->gs = h->dgsdt = h->didt = 0;
  if (th->inner >= 0 && series_conductance(g, k, d, h->rise, &h->gs)) return -2;
  if (!slopes) return 0;
  double up, down, gu, gdn;
  if (current_at(g, k, d, h->rise + RISE_STEP, h->vd, &up) ||
      current_at(g, k, d, h->rise - RISE_STEP, h->vd, &down))
    return -2;
  h->didt = (up - down) / (2 * RISE_STEP);
  if (th->inner >= 0) {
    if (series_conductance(g, k, d, h->rise + RISE_STEP, &gu) ||
        series_conductance(g, k, d, h->rise - RISE_STEP, &gdn))
      return -2;
    h->dgsdt = (gu - gdn) / (2 * RISE_STEP);
  }
  return 0;
}

int kh_heat_stamp(kh_general *g, size_t k, long d, const double *x, int linearize) {
  heated h;
  if (evaluate(g, k, d, x, linearize, 1, &h)) return -2;
  long a = h.a, b = h.b, c = h.c, t = h.t;
  int bad = 0;
  /* the junction's current, leaving c for b */
  double constant = h.i - h.gd * h.vd - h.didt * h.rise;
  bad |= kh_general_stamp(g, c, c, h.gd) | kh_general_stamp(g, c, b, -h.gd) |
         kh_general_stamp(g, b, c, -h.gd) | kh_general_stamp(g, b, b, h.gd) |
         kh_general_stamp(g, c, t, h.didt) | kh_general_stamp(g, b, t, -h.didt);
  kh_general_rhs(g, c, -constant), kh_general_rhs(g, b, constant);
  /* RS's, leaving a for c: gs vrs, linear in vrs, through gs in the rise */
  double power = h.vd * h.i + h.vrs * h.vrs * h.gs;
  double dp_dvd = h.i + h.vd * h.gd, dp_dvrs = 2 * h.vrs * h.gs;
  double dp_drise = h.vd * h.didt + h.vrs * h.vrs * h.dgsdt;
  if (c != a) {
    double slope = h.vrs * h.dgsdt;
    bad |= kh_general_stamp(g, a, a, h.gs) | kh_general_stamp(g, a, c, -h.gs) |
           kh_general_stamp(g, c, a, -h.gs) | kh_general_stamp(g, c, c, h.gs) |
           kh_general_stamp(g, a, t, slope) | kh_general_stamp(g, c, t, -slope) |
           kh_general_stamp(g, t, a, -dp_dvrs) | kh_general_stamp(g, t, c, dp_dvrs);
    kh_general_rhs(g, a, slope * h.rise), kh_general_rhs(g, c, -slope * h.rise);
  }
  /* the thermal node: rise / RTH0 leaves it, the power enters */
  bad |= kh_general_stamp(g, t, t, 1 / g->heat[d].rth0 - dp_drise) |
         kh_general_stamp(g, t, c, -dp_dvd) | kh_general_stamp(g, t, b, dp_dvd);
  kh_general_rhs(g, t, power - dp_dvd * h.vd - dp_dvrs * h.vrs - dp_drise * h.rise);
  return bad;
}

/* Adds a current i from unknown p to unknown q (indices + 1 in sum and mag) with its rounding
 * scale. */
static void flow(long double *sum, double *mag, long p, long q, double i, double scale) {
  sum[p + 1] += i, sum[q + 1] -= i;
  mag[p + 1] = fmax(mag[p + 1], scale), mag[q + 1] = fmax(mag[q + 1], scale);
}

double kh_heat_certify(kh_general *g, size_t k, long d, long double *sum, double *mag,
                       int *failed) {
  heated h;
  if (evaluate(g, k, d, g->x, 0, 0, &h)) {
    *failed = 1;
    return NAN;
  }
  double vc = fabs(kh_general_value(g->x, h.c)), vb = fabs(kh_general_value(g->x, h.b));
  flow(sum, mag, h.c, h.b, h.i, fmax(fabs(h.i), fabs(h.gd) * (vc + vb)));
  double ir = h.gs * h.vrs, va = fabs(kh_general_value(g->x, h.a));
  if (h.c != h.a) flow(sum, mag, h.a, h.c, ir, fmax(fabs(ir), h.gs * (va + vc)));
  double cooling = h.rise / g->heat[d].rth0, power = h.vd * h.i + h.vrs * ir;
  flow(sum, mag, h.t, -1, cooling - power,
       fmax(fabs(cooling), fabs(h.vd * h.i) + fabs(h.vrs * ir)));
  return h.i;
}

int kh_heat_start(kh_general *g, size_t k, long d) {
  kh_heat *th = &g->heat[d];
  kh_element e = kh_netlist_element(g->nl, k);
  long a = kh_general_at(e.node_pos), b = kh_general_at(e.node_neg);
  double va = kh_general_value(g->x, a), vb = kh_general_value(g->x, b), rise = g->x[th->tj];
  if (th->inner < 0) return 0;
  double gs, lo = fmin(va, vb), hi = fmax(va, vb);
  kh_diode dd;
  if (model_at(g, k, d, rise, &dd) || series_conductance(g, k, d, rise, &gs)) return -2;
  /* RS's current falls and the junction's rises with the inner node's voltage: bisect */
  for (int it = 0; it < 200 && hi > lo; it++) {
    double mid = 0.5 * (lo + hi), phi, i, gd;
    if (mid == lo || mid == hi) break;
    kh_diode_eval(&dd, mid - vb, &phi, &i, &gd);
    if ((va - mid) * gs > i)
      lo = mid;
    else
      hi = mid;
  }
  g->x[th->inner] = 0.5 * (lo + hi);
  return 0;
}
