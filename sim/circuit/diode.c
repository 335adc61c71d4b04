#include "diode.h"

#include "core/context.h"

#include <math.h>

#define NGSPICE_EPSMIN 1e-28 /* ngspice raises IS below this to it (CKTepsmin) */
#define NGSPICE_BREAKDOWN_ITERATIONS 25

static double param(const kh_netlist *nl, const char *model, const char *name, double fallback) {
  double v;
  return kh_netlist_model_param(nl, model, name, &v) ? v : fallback;
}

static int given(const kh_netlist *nl, const char *model, const char *name) {
  double v;
  return kh_netlist_model_param(nl, model, name, &v);
}

/* ngspice's diotemp.c: the breakdown voltage at which the reverse current reaches IBV, found by
 * the same fixed-point iteration and stopping test (reltol), so that both programs hold the
 * same junction. */
double kh_diode_breakdown_voltage(double tbv, double cbv, double csat, double vt, double nbv,
                                  double reltol) {
  if (cbv < csat * tbv / vt) return tbv;
  double tol = reltol * cbv, xbv = tbv - nbv * vt * log(1 + cbv / csat);
  for (int k = 0; k < NGSPICE_BREAKDOWN_ITERATIONS; k++) {
    xbv = tbv - nbv * vt * log(cbv / csat + 1 - xbv / vt);
    double xcbv = csat * (exp((tbv - xbv) / (nbv * vt)) - 1 + xbv / vt);
    if (fabs(xcbv - cbv) <= tol) break;
  }
  return xbv;
}

/* ngspice's diotemp.c: a saturation current's scaling to temperature, for emission coefficient
 * n and activation energy eg. */
static double at_temperature(double t, double tnom, double eg, double xti, double n) {
  double vt = KH_BOLTZMANN / KH_CHARGE * t;
  return exp((t / tnom - 1) * eg / (n * vt) + xti / n * log(t / tnom));
}

/* ngspice's diotemp.c: the band gap's share of the junction potential at temperature t
 * (pbfact), relative to REFTEMP. */
static double band_gap_potential(double t) {
  double k = KH_BOLTZMANN, q = KH_CHARGE, ref = KH_TEMPERATURE;
  double egfet = 1.16 - 7.02e-4 * t * t / (t + 1108);
  return -2 * k * t / q *
         (1.5 * log(t / ref) + q * (-egfet / (2 * k * t) + 1.1150877 / (2 * k * ref)));
}

/* ngspice's diotemp.c: the junction potential at temperature (TLEVC 0: through the band gap's
 * temperature dependence; 1: linear in TPB), at most 1/FC. */
static double junction_potential(const kh_netlist *nl, const char *m, double t, double tnom) {
  double vj = param(nl, m, "vj", 1.0), fc = param(nl, m, "fc", 0.5), ref = KH_TEMPERATURE;
  if (param(nl, m, "tlevc", 0) == 1)
    vj -= param(nl, m, "tpb", 0) * (t - ref);
  else /* the potential at tnom less its band-gap part, scaled to t, plus t's band-gap part */
    vj = band_gap_potential(t) + t / tnom * (vj - band_gap_potential(tnom));
  return fc * vj > 1 ? 1 / fc : vj;
}

#define NGSPICE_GRADING_MAX 0.9 /* diotemp.c limits the grading coefficient to this */

/* ISR and the tunnelling set (ngspice 39's dioload.c and diotemp.c; NR defaults to 1 there). */
static kh_status recombination_and_tunnelling(kh_context *ctx, const kh_netlist *nl, size_t element,
                                              const kh_diode_instance *instance, kh_diode *out) {
  kh_element e = kh_netlist_element(nl, element);
  const char *m = e.model;
  kh_diode_instance in = *instance; /* shockley()'s, read once */
  double t = in.temperature, tnom = kh_netlist_nominal_temperature(nl, m), dt = t - tnom;
  double vt = KH_BOLTZMANN / KH_CHARGE * t, eg = param(nl, m, "eg", 1.11);
  double xti = param(nl, m, "xti", 3.0), nr = param(nl, m, "nr", 1.0);
  double isr = param(nl, m, "isr", 0), ntun = param(nl, m, "ntun", 30);
  double jtun = param(nl, m, "jtun", 0), jtunsw = param(nl, m, "jtunsw", 0);
  double pj = in.pj;
  if (!(isr >= 0) || !(nr > 0) || !(jtun >= 0) || !(jtunsw >= 0) || !(ntun > 0) ||
      !isfinite(isr + nr + jtun + jtunsw + ntun))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: diode '%s': model '%s' needs ISR, JTUN, JTUNSW >= 0 and NR, NTUN > 0",
                   e.file, e.line, e.col, e.name, m);
  if (isr > 0) {
    out->csatrec = in.m * isr * in.area * at_temperature(t, tnom, eg, xti, nr);
    out->vterec = nr * vt;
    out->vj = junction_potential(nl, m, t, tnom);
    double tm1 = param(nl, m, "tm1", 0), tm2 = param(nl, m, "tm2", 0);
    out->mj = fmin(param(nl, m, "m", 0.5) * (1 + tm1 * dt + tm2 * dt * dt), NGSPICE_GRADING_MAX);
    if (out->vj == 0 || !isfinite(out->vj) || !isfinite(out->mj) || !isfinite(out->csatrec))
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%u:%u: diode '%s': model '%s' gives a junction potential of %g V, a "
                     "grading coefficient of %g and a recombination current of %g A at %.2f K",
                     e.file, e.line, e.col, e.name, m, out->vj, out->mj, out->csatrec, t);
  }
  double tun = in.m * (jtun * in.area + jtunsw * pj);
  if (tun > 0) {
    out->vtetun = ntun * vt;
    out->ctun = tun * at_temperature(t, tnom, param(nl, m, "keg", 1.0) * eg,
                                     param(nl, m, "xtitun", 3.0), ntun);
    if (!isfinite(out->ctun))
      return kh_fail(
          ctx, KH_ERR_INPUT,
          "%s:%u:%u: diode '%s': model '%s' gives a tunnelling current of %g A at %.2f K", e.file,
          e.line, e.col, e.name, m, out->ctun, t);
  }
  out->general = kh_netlist_diode_general_reason(nl, element, NULL) != NULL;
  return KH_OK;
}

static kh_status shockley(kh_context *ctx, const kh_netlist *nl, size_t element, double rise,
                          kh_diode *out) {
  kh_element e = kh_netlist_element(nl, element);
  const char *m = e.model;
  kh_diode_instance in = kh_netlist_diode_instance(nl, element);
  in.temperature += rise;
  double t = in.temperature, tnom = kh_netlist_nominal_temperature(nl, m);
  double vt = KH_BOLTZMANN / KH_CHARGE * t, n = param(nl, m, "n", 1.0);
  double is = fmax(param(nl, m, "is", 1e-14), NGSPICE_EPSMIN);
  double eg = param(nl, m, "eg", 1.11), xti = param(nl, m, "xti", 3.0);
  if (!(n > 0) || !(is > 0) || !isfinite(n) || !isfinite(is) || !(t > 0) || !(tnom > 0))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: diode '%s': model '%s' needs IS > 0, N > 0 and temperatures above "
                   "absolute zero",
                   e.file, e.line, e.col, e.name, m);
  out->vte = n * vt;
  out->csat = in.m * is * in.area * at_temperature(t, tnom, eg, xti, n);
  out->vtb = param(nl, m, "nbv", n) * vt;
  out->ikf = param(nl, m, "ikf", 0) * in.area * in.m;
  out->ikr = param(nl, m, "ikr", 0) * in.area * in.m;
  if (!(out->ikf >= 0) || !isfinite(out->ikf) || !(out->ikr >= 0) || !isfinite(out->ikr))
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: diode '%s': model '%s' needs IKF, IKR >= 0",
                   e.file, e.line, e.col, e.name, m);
  out->bv = INFINITY;
  if (given(nl, m, "bv")) {
    double dt = t - tnom, bv = param(nl, m, "bv", 0), tcv = param(nl, m, "tcv", 0);
    double tbv = param(nl, m, "tlev", 0) == 0 ? bv - tcv * dt : bv * (1 - tcv * dt);
    double reltol = 1e-3;
    kh_netlist_option(nl, "reltol", &reltol);
    /* diotemp.c scales IBV with the area at every level but 1 (`level == 1` there, so LEVEL=2,
     * which no other line of ngspice 39's diode tells from LEVEL=1, does too; measured) */
    double ibv = in.m * param(nl, m, "ibv", 1e-3);
    if (param(nl, m, "level", 1) != 1) ibv *= in.area;
    out->bv = kh_diode_breakdown_voltage(tbv, ibv, out->csat, vt, out->vtb / vt, reltol);
  }
  /* JSW: the sidewall current, perimeter pj times JSW, scaled to temperature with emission
   * coefficient NS (default 1); without NS merged into the bottom junction's saturation
   * current, as ngspice 39 computes it; after the breakdown voltage, which ngspice finds from
   * the bottom current alone */
  double pj = in.pj, jsw = param(nl, m, "jsw", 0);
  if (!(pj >= 0) || !(jsw >= 0) || !isfinite(jsw))
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: diode '%s': model '%s' needs JSW, PJ >= 0", e.file,
                   e.line, e.col, e.name, m);
  double ns = param(nl, m, "ns", 1), sw = in.m * jsw * pj;
  if (!(ns > 0) || !isfinite(ns))
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: diode '%s': model '%s' needs NS > 0", e.file,
                   e.line, e.col, e.name, m);
  sw *= at_temperature(t, tnom, eg, xti, ns);
  if (given(nl, m, "ns")) /* its own exponential (ngspice's dioload.c), beside the bottom one */
    out->csatsw = sw, out->vtesw = ns * vt;
  else
    out->csat += sw;
  /* Below 3 N Vt the breakdown branch starts at -3 N Vt with a jump in the current (of
   * csat exp((3 vte - bv) / vtb), 8.9 mA for IS=1e-9 BV=0.02): no voltage then satisfies KCL
   * in a circuit that drives the junction there, and ngspice's Newton stalls on it too */
  if (out->bv < 3 * fmax(out->vte, out->vtesw))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: diode '%s': model '%s' puts the breakdown voltage at %g V at %.2f "
                   "K, below 3 N Vt = %g V (N or NS), where its current would jump; check BV "
                   "and IBV",
                   e.file, e.line, e.col, e.name, m, out->bv, t, 3 * fmax(out->vte, out->vtesw));
  if (!isfinite(out->csat) || !(out->csat > 0) || !(out->vtb > 0) || isnan(out->bv))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: diode '%s': model '%s' gives a saturation current of %g A and a "
                   "breakdown voltage of %g V at %.2f K",
                   e.file, e.line, e.col, e.name, m, out->csat, out->bv, t);
  return recombination_and_tunnelling(ctx, nl, element, &in, out);
}

kh_status kh_diode_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t element,
                                kh_diode *out) {
  return kh_diode_heated(ctx, nl, element, 0, out);
}

kh_status kh_diode_heated(kh_context *ctx, const kh_netlist *nl, size_t element, double rise,
                          kh_diode *out) {
  kh_element e = kh_netlist_element(nl, element);
  const char *m = e.model;
  double gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &gmin);
  *out = (kh_diode){.element = (uint32_t)element,
                    .kind = KH_DIODE_SHOCKLEY,
                    .gmin = gmin,
                    .vlo = -INFINITY,
                    .vhi = INFINITY,
                    .vth = param(nl, m, "kh_vth", 0.0)};
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
  if (!isfinite(out->vth))
    return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: model '%s': kh_vth must be finite", e.file, e.line,
                   e.col, m);
  return out->kind == KH_DIODE_SHOCKLEY ? shockley(ctx, nl, element, rise, out) : KH_OK;
}

int kh_diode_branch(const kh_diode *d, double v) {
  if (v >= -3 * d->vte) return 1;
  return v >= -d->bv ? 0 : -1;
}

#define IKF_FLOOR 1e-18  /* ngspice applies IKF above this current only */
#define KNEE_FLOOR 1e-18 /* and IKR below minus this one */

/* The primitive of the IKF-limited forward current c / (1 + s), s = sqrt(c / ikf): with
 * c = cs (e^{v/vte} - 1) and a = cs / ikf, the integral over v is 2 ikf vte F(s) with
 * F(s) = s - ln(1 + s) / (1 + a) - (a / (2 (1 + a))) ln(s^2 + a)
 *        - (a^2 / ((1 + a) sqrt a)) atan(s / sqrt a)          (docs/algorithms.md). */
static double knee_primitive(double s, double a) {
  double ra = sqrt(a);
  return s - log1p(s) / (1 + a) - a / (2 * (1 + a)) * log(s * s + a) -
         a * a / ((1 + a) * ra) * atan(s / ra);
}

/* The forward branch above IKF_FLOOR, where the knee applies: c and dc/dv in, phi continued
 * from phi_floor, the plain branch's value where the knee starts. */
static void forward_knee(const kh_diode *d, double c, double gc, double phi_floor, double *phi,
                         double *i, double *g, double *curve) {
  double k = d->ikf, s = sqrt(c / k), a = d->csat / k;
  double dfdc = (2 + s) / (2 * (1 + s) * (1 + s)); /* d/dc of c / (1 + s) */
  double d2fdc2 = -(3 + s) / (4 * s * k * (1 + s) * (1 + s) * (1 + s));
  *i = c / (1 + s);
  *g = dfdc * gc;
  *curve = d2fdc2 * gc * gc + dfdc * gc / d->vte;
  *phi =
      phi_floor + 2 * k * d->vte * (knee_primitive(s, a) - knee_primitive(sqrt(IKF_FLOOR / k), a));
}

/* One exponential junction as ngspice's dioload.c writes each: forward above -3 vte, its reverse
 * branch, breakdown below -bv on the breakdown exponential. */
static void plain_junction(double cs, double vte, double bv, double vtb, double v, double *i,
                           double *g) {
  if (v >= -3 * vte) {
    double e = exp(fmin(v / vte, 700));
    *i = cs * (e - 1), *g = cs * e / vte;
  } else if (v >= -bv) {
    double a = 3 * vte / (v * KH_E);
    a = a * a * a;
    *i = -cs * (1 + a), *g = cs * 3 * a / v;
  } else {
    double e = exp(fmin(-(bv + v) / vtb, 700));
    *i = -cs * e, *g = cs * e / vtb;
  }
}

/* The junction as ngspice 39's dioload.c sums it, for junctions without a co-content: the bottom
 * current, the sidewall's own (NS), ISR's recombination current above the bottom junction's
 * -3 vte, the tunnelling current, then the forward knee (IKF) or the reverse one (IKR) on the
 * sum, on the side of -3 vte the bottom junction decides. */
static void ngspice_sum(const kh_diode *d, double v, double *i, double *g) {
  double c, gd, is = 0, gs = 0;
  plain_junction(d->csat, d->vte, d->bv, d->vtb, v, &c, &gd);
  if (d->csatsw > 0) plain_junction(d->csatsw, d->vtesw, d->bv, d->vtb, v, &is, &gs);
  c += is, gd += gs;
  int forward = v >= -3 * d->vte;
  if (forward && d->csatrec > 0) {
    double e = exp(fmin(v / d->vterec, 700)), u = 1 - v / d->vj, t1 = u * u + 0.005;
    double gen = pow(t1, d->mj / 2), dgen = -d->mj / d->vj * u * pow(t1, d->mj / 2 - 1);
    double rec = d->csatrec * (e - 1);
    c += rec * gen;
    gd += d->csatrec * e / d->vterec * gen + rec * dgen;
  }
  if (d->ctun > 0) {
    double e = exp(fmin(-v / d->vtetun, 700));
    c -= d->ctun * (e - 1);
    gd += d->ctun * e / d->vtetun;
  }
  if (forward && d->ikf > 0 && c > IKF_FLOOR) {
    double k = d->ikf, s = sqrt(c / k);
    gd = ((1 + s) * gd - c * gd / (2 * s * k)) / (1 + 2 * s + c / k);
    c = c / (1 + s);
  } else if (!forward && d->ikr > 0 && c < -KNEE_FLOOR) {
    double k = d->ikr, s = sqrt(-c / k);
    gd = ((1 + s) * gd + c * gd / (2 * s * k)) / (1 + 2 * s - c / k);
    c = c / (1 + s);
  }
  *i = c, *g = gd;
}

/* The tunnelling current -ctun (e^{-v/vtetun} - 1), increasing in v, and its co-content
 * ctun (vtetun (e^{-v/vtetun} - 1) + v), added to the junction's. */
static void add_tunnelling(const kh_diode *d, double v, double *phi, double *i, double *g,
                           double *curve) {
  double w = -v / d->vtetun;
  if (w > 700) {
    *phi = *i = *g = *curve = INFINITY;
    return;
  }
  double em1 = expm1(w), k = d->ctun;
  *phi += k * (d->vtetun * em1 + v);
  *i -= k * em1;
  *g += k * (em1 + 1) / d->vtetun;
  *curve -= k * (em1 + 1) / (d->vtetun * d->vtetun);
}

/* The bottom junction with its co-content (the sidewall merged into csat, IKF's knee): each
 * branch's phi is its primitive, joined to the branch above it at their boundary. */
static void bottom_junction(const kh_diode *d, double v, double *phi, double *i, double *g,
                            double *curve) {
  double vte = d->vte, cs = d->csat, r3 = -3 * vte;
  double u = v / vte;
  if (v >= r3) {
    if (u > 700) { /* exp overflows: infinitely costly, the line search must back off */
      *phi = *i = *g = *curve = INFINITY;
      return;
    }
    double em1 = expm1(u);
    *i = cs * em1;
    *g = cs * (em1 + 1) / vte;
    if (d->ikf > 0 && *i > IKF_FLOOR) {
      double ef = IKF_FLOOR / cs, vf = vte * log1p(ef); /* where the knee starts */
      forward_knee(d, *i, *g, cs * (vte * ef - vf), phi, i, g, curve);
      return;
    }
    *phi = cs * (vte * em1 - v);
    *curve = *g / vte;
    return;
  }
  double a3 = pow(3 * vte / KH_E, 3);
#define REVERSE_PRIMITIVE(x) (-cs * ((x)-a3 / (2 * (x) * (x))))
  double phi_r3 = cs * (vte * expm1(-3.0) - r3);
  if (v >= -d->bv) {
    *phi = phi_r3 + REVERSE_PRIMITIVE(v) - REVERSE_PRIMITIVE(r3);
    *i = -cs * (1 + a3 / (v * v * v));
    *g = 3 * cs * a3 / (v * v * v * v);
    *curve = -12 * cs * a3 / (v * v * v * v * v);
    return;
  }
  double top = kh_diode_breakdown_start(d);
  double phi_top = top < r3 ? phi_r3 + REVERSE_PRIMITIVE(top) - REVERSE_PRIMITIVE(r3) : phi_r3;
#undef REVERSE_PRIMITIVE
  double w = -(d->bv + v) / d->vtb, w_top = -(d->bv + top) / d->vtb;
  if (w > 700) {
    *phi = *i = *g = *curve = INFINITY;
    return;
  }
  double e = exp(w);
  *phi = phi_top + cs * d->vtb * (e - exp(w_top));
  *i = -cs * e;
  *g = cs * e / d->vtb;
  *curve = -*g / d->vtb;
}

/* The junction alone (no GMIN, no trust region): phi, i and di/dv; *curve is d2i/dv2. */
static void junction(const kh_diode *d, double v, double *phi, double *i, double *g,
                     double *curve) {
  if (d->general) {
    ngspice_sum(d, v, i, g);
    *phi = NAN, *curve = 0;
    return;
  }
  bottom_junction(d, v, phi, i, g, curve);
  if (d->csatsw > 0 && isfinite(*phi)) { /* NS without a knee: a junction of its own */
    kh_diode sw = {.csat = d->csatsw, .vte = d->vtesw, .bv = d->bv, .vtb = d->vtb};
    double p2, i2, g2, c2;
    bottom_junction(&sw, v, &p2, &i2, &g2, &c2);
    *phi += p2, *i += i2, *g += g2, *curve += c2;
  }
  if (d->ctun > 0 && isfinite(*phi)) add_tunnelling(d, v, phi, i, g, curve);
}

void kh_diode_eval(const kh_diode *d, double v, double *phi, double *i, double *g) {
  kh_diode_eval_within(d, -INFINITY, INFINITY, v, phi, i, g);
}

void kh_diode_eval_trusted(const kh_diode *d, double v, double *phi, double *i, double *g) {
  kh_diode_eval_within(d, d->vlo, d->vhi, v, phi, i, g);
}

void kh_diode_eval_within(const kh_diode *d, double vlo, double vhi, double v, double *phi,
                          double *i, double *g) {
  switch (d->kind) {
  case KH_DIODE_SHOCKLEY: {
    double edge = v > vhi ? vhi : v < vlo ? vlo : v, c;
    junction(d, edge, phi, i, g, &c);
    if (edge != v) { /* Taylor continuation of the current to second order */
      double h = v - edge;
      *phi += *i * h + 0.5 * *g * h * h + c * h * h * h / 6;
      *i += *g * h + 0.5 * c * h * h;
      *g += c * h;
    }
    *phi += 0.5 * d->gmin * v * v;
    *i += d->gmin * v;
    *g += d->gmin;
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

int kh_diode_ideal_conducting(const kh_diode *d, double v) {
  double vth = d->augmented ? d->vth0 : d->vth;
  return fabs(v - vth) <= 1e-9 * (1 + fabs(v) + fabs(vth));
}

double kh_pnjlim(double vnew, double vold, double vt, double vcrit, int *limited) {
  if (vnew > vcrit && fabs(vnew - vold) > vt + vt) {
    if (vold > 0) {
      double arg = 1 + (vnew - vold) / vt;
      vnew = arg > 0 ? vold + vt * log(arg) : vcrit;
    } else {
      vnew = vt * log(vnew / vt);
    }
    *limited = 1;
  } else if (vnew < 0) {
    double arg = vold > 0 ? -vold - 1 : 2 * vold - 1;
    if (vnew < arg) vnew = arg, *limited = 1;
  }
  return vnew;
}

/* The junction voltage to linearize at: v limited against the last one, on the forward and, with
 * BV, on the breakdown exponential (ngspice's dioload.c). */
double kh_diode_vcrit(const kh_diode *d) {
  return d->vte * log(d->vte / (M_SQRT2 * d->csat));
}

double kh_diode_limit(const kh_diode *d, double v, double vold, int *limited) {
  if (d->kind != KH_DIODE_SHOCKLEY) return v;
  double vcrit = kh_diode_vcrit(d);
  if (isfinite(d->bv) && v < fmin(0, -d->bv + 10 * d->vtb)) {
    double vcb = d->vtb * log(d->vtb / (M_SQRT2 * d->csat));
    double u = kh_pnjlim(-(v + d->bv), -(vold + d->bv), d->vtb, vcb, limited);
    return -(u + d->bv);
  }
  return kh_pnjlim(v, vold, d->vte, vcrit, limited);
}
