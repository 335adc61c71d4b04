/* VDMOS power MOSFETs in general Newton: ngspice 39's vdmos (vdmostemp.c and vdmosload.c, read
 * there), LTspice's model: a Shichman-Hodges channel whose overdrive is smoothed into weak
 * inversion, ksub ln(1 + exp((vgs - vth - SUBSHIFT)/ksub)), with LAMBDA, THETA and MTRIODE,
 * between the inner drain and source (inside RD and RS, each an unknown of its own here, as in
 * ngspice, which keeps those nodes out of its answer); a body diode from the source (through RB)
 * to the outer drain, ngspice's junction with its breakdown (the diode's code, sim/circuit); RDS
 * (1e-15 S when not given, as ngspice) from the outer drain to the outer source; quasi-saturation
 * (RQ and VQ): RD becomes RD + RQ vds / (vds + |VQ|) of the outer vds in normal mode, RQ at
 * temperature by (T/TNOM)^TEXP1, both over m (vdmosload.c, as ngspice 39 answers, measured);
 * temperature
 * through MU, TCVTH, TKSUBTHRES1/2, TRD1/2 (or TEXP0), TRS1/2, TRB1/2 and the body diode's EG and
 * XTI. No gate current flows at DC, so RG changes nothing there. A p-channel device is the
 * n-channel one with every voltage and current negated. */
#include "general_impl.h"

#include "core/context.h"

#include <math.h>
#include <string.h>

#define EPSMIN 1e-28 /* ngspice's CKTepsmin: the smallest saturation current it keeps */

static double param(const kh_netlist *nl, const char *m, const char *name, double fallback) {
  return kh_model_number(nl, m, name, fallback, NULL);
}

/* The body diode at temperature t (vdmostemp.c): IS times m scaled by EG and XTI, BV at IBV. */
static void body_diode(const kh_netlist *nl, const char *m, double mult, double t, double tnom,
                       kh_diode *d) {
  memset(d, 0, sizeof *d);
  double vt = KH_BOLTZMANN / KH_CHARGE * t, n = param(nl, m, "n", 1);
  double is = fmax(param(nl, m, "is", 1e-14), EPSMIN);
  d->kind = KH_DIODE_SHOCKLEY, d->vte = n * vt, d->vtb = param(nl, m, "nbv", 1) * vt;
  double arg1 = ((t / tnom) - 1) * param(nl, m, "eg", 1.11) / d->vte;
  double arg2 = param(nl, m, "xti", 3) / n * log(t / tnom);
  d->csat = mult * is * exp(arg1 + arg2);
  d->bv = INFINITY, d->vlo = -INFINITY, d->vhi = INFINITY;
  int bv_given;
  double bv = kh_model_number(nl, m, "bv", 0, &bv_given), reltol = 1e-3;
  kh_netlist_option(nl, "reltol", &reltol);
  if (bv_given)
    d->bv = kh_diode_breakdown_voltage(fabs(bv), param(nl, m, "ibv", 1e-10), d->csat, vt,
                                       param(nl, m, "nbv", 1), reltol);
}

/* A resistance's conductance at temperature: m / (R (1 + c1 dt + c2 dt^2)), 0 without R; NAN
 * where the factor is not positive (ngspice would take a negative resistance, kirchhoff refuses
 * it: the quasi-saturation model it feeds assumes RD > 0). */
static double conductance(const kh_netlist *nl, const char *m, const char *r, const char *c1,
                          const char *c2, double mult, double dt) {
  double ohms = param(nl, m, r, 0);
  if (!(ohms > 0)) return 0;
  double factor = 1 + param(nl, m, c1, 0) * dt + param(nl, m, c2, 0) * dt * dt;
  return factor > 0 ? mult / ohms / factor : NAN;
}

/* The terms that follow the temperature t (vdmostemp.c's VDMOStempUpdate): beta, the threshold,
 * KSUBTHRES, RD, RS, RB, RQ and the body diode. */
void kh_vdmos_at(const kh_netlist *nl, size_t k, double t, kh_mosfet *q) {
  const char *m = kh_netlist_element(nl, k).model;
  double mult = kh_netlist_mosfet_instance(nl, k).m;
  kh_vdmos *v = &q->vdmos;
  double tnom = kh_netlist_nominal_temperature(nl, m), dt = t - tnom, ratio = t / tnom;
  q->vt = KH_BOLTZMANN / KH_CHARGE * t;
  q->beta = param(nl, m, "kp", 1) * mult * pow(ratio, param(nl, m, "mu", -1.5));
  v->vth = v->vth0 - q->type * param(nl, m, "tcvth", 0) * dt;
  v->ksub = param(nl, m, "ksubthres", 0.1) *
            (1 + param(nl, m, "tksubthres1", 0) * dt + param(nl, m, "tksubthres2", 0) * dt * dt);
  int texp0_given;
  double texp0 = kh_model_number(nl, m, "texp0", 1.5, &texp0_given), rd = param(nl, m, "rd", 0);
  v->grd = conductance(nl, m, "rd", "trd1", "trd2", mult, dt);
  if (texp0_given && rd > 0) v->grd = mult / rd / pow(ratio, texp0);
  v->grs = conductance(nl, m, "rs", "trs1", "trs2", mult, dt);
  v->grb = conductance(nl, m, "rb", "trb1", "trb2", mult, dt);
  v->rq = param(nl, m, "rq", 0) / mult * pow(ratio, param(nl, m, "texp1", 0.3));
  body_diode(nl, m, mult, t, tnom, &v->body);
  v->body.gmin = q->gmin;
}

kh_status kh_vdmos_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q) {
  kh_element e = kh_netlist_element(nl, k);
  kh_mosfet_instance in = kh_netlist_mosfet_instance(nl, k);
  const char *m = e.model;
  memset(q, 0, sizeof *q);
  q->off = in.off;
  kh_vdmos *v = &q->vdmos;
  v->on = 1, q->type = param(nl, m, "pchan", 0) != 0 ? -1 : 1;
  double t = in.temperature;
  v->vth0 = param(nl, m, "vto", 0); /* vdmosset.c's defaults, as KP's 1 */
  v->shift = param(nl, m, "subshift", 0), v->mtr = param(nl, m, "mtriode", 1);
  v->lambda = param(nl, m, "lambda", 0), v->theta = param(nl, m, "theta", 0);
  int rq_given, vq_given;
  kh_model_number(nl, m, "rq", 0, &rq_given);
  double vq = kh_model_number(nl, m, "vq", 0, &vq_given);
  int rds_given;
  double rds = kh_model_number(nl, m, "rds", 0, &rds_given);
  v->gshunt = rds_given && rds > 0 ? in.m / rds : 1e-15;
  q->gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &q->gmin);
  kh_vdmos_at(nl, k, t, q);
  v->qs = rq_given && vq_given && v->grd > 0, v->vq = fabs(vq);
  v->dx = q->d = kh_general_at(e.node_pos), v->sx = q->s = kh_general_at(e.node_neg);
  v->bp = v->sx, q->g = kh_general_at(in.gate);
  q->von = q->type * v->vth;
  if (isnan(v->grd) || isnan(v->grs) || isnan(v->grb))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: VDMOS '%s': model '%s' at %.2f K makes %s negative (its temperature "
                   "coefficients: R (1 + TR1 dT + TR2 dT^2) with dT = %g K)",
                   e.file, e.line, e.col, e.name, m, t,
                   isnan(v->grd)   ? "RD"
                   : isnan(v->grs) ? "RS"
                                   : "RB",
                   t - kh_netlist_nominal_temperature(nl, m));
  if (!isfinite(q->beta) || !isfinite(v->vth) || !(v->ksub > 0) || !(v->body.csat > 0))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: VDMOS '%s': model '%s' at %.2f K gives beta %g, threshold %g, "
                   "KSUBTHRES %g, IS %g",
                   e.file, e.line, e.col, e.name, m, t, q->beta, v->vth, v->ksub, v->body.csat);
  return KH_OK;
}

void kh_vdmos_warm_start(const kh_mosfet *q, double *x) {
  const kh_vdmos *v = &q->vdmos;
  if (q->level == 54 && q->b4.rgate) /* the inner gate (and middle node) at the gate */
    x[q->g] = kh_general_value(x, q->b4.gx);
  if (q->level == 54 && q->b4.rgate == 3) x[q->b4.gmid] = kh_general_value(x, q->b4.gx);
  if (q->level == 54 && q->b4.rbody) /* the body network's inner nodes at the bulk */
    x[q->b] = x[q->b4.db] = x[q->b4.sb] = kh_general_value(x, q->b4.bx);
  if (q->level == 54 && q->b4.series[1]) /* BSIM4's inner drain at the drain as written */
    x[q->d] = kh_general_value(x, q->b4.dx);
  if (q->level == 54 && q->b4.series[0]) /* and its inner source */
    x[q->s] = kh_general_value(x, q->b4.sx);
  if (!v->on) return;
  if (q->d != v->dx) x[q->d] = kh_general_value(x, v->dx);
  if (q->s != v->sx) x[q->s] = kh_general_value(x, v->sx);
  if (v->bp != v->sx) x[v->bp] = kh_general_value(x, v->sx);
}

void kh_vdmos_inner_nodes(kh_mosfet *q, size_t *n) {
  if (q->level == 54) {
    if (q->b4.rgate) /* BSIM4's inner gate behind its resistance (RGATEMOD 1 to 3) */
      q->b4.gx = q->g, q->g = (long)(*n)++;
    if (q->b4.rgate == 3) /* and RGATEMOD=3's middle node */
      q->b4.gmid = (long)(*n)++;
    if (q->b4.rbody) /* RBODYMOD=1: the inner body and the junctions' inner ends */
      q->b4.bx = q->b, q->b = (long)(*n)++, q->b4.db = (long)(*n)++, q->b4.sb = (long)(*n)++;
    if (q->b4.series[1]) /* the inner drain behind RDSMOD=1's (or RGEOMOD's) resistance */
      q->b4.dx = q->d, q->d = (long)(*n)++;
    if (q->b4.series[0]) /* and the inner source */
      q->b4.sx = q->s, q->s = (long)(*n)++;
    return;
  }
  if (!q->vdmos.on) return;
  if (q->vdmos.grd > 0) q->d = (long)(*n)++;
  if (q->vdmos.grs > 0) q->s = (long)(*n)++;
  if (q->vdmos.grb > 0) q->vdmos.bp = (long)(*n)++;
}

/* The channel at (vgs, vds), NMOS signs (vdmosload.c). */
static kh_mos_point channel(const kh_mosfet *q, double vgs, double vds) {
  const kh_vdmos *v = &q->vdmos;
  kh_mos_point p = {0};
  p.mode = vds >= 0 ? 1 : -1;
  p.von = v->vth * q->type;
  double vgst = (p.mode == 1 ? vgs : vgs - vds) - p.von;
  double vdss = vds * v->mtr * p.mode, t0 = 1 + v->lambda * vds, t1 = 1 + v->theta * vgs;
  double betap = q->beta * t0 / t1, dbetapdvgs = -q->beta * v->theta * t0 / (t1 * t1),
         dbetapdvds = q->beta * v->lambda / t1;
  /* gds is the derivative along the stamp's own voltage, vsd in reverse (vgd held), where betap
   * moves through both t0 and t1: vdmosload.c keeps the normal mode's there, which with LAMBDA
   * or THETA is not the current's derivative, and Newton then cycles short of round-off (seen:
   * a body-diode deck, 353 iterations); the current itself is ngspice's */
  if (p.mode < 0) dbetapdvds = -(dbetapdvds + dbetapdvgs);
  double t2 = exp((vgst - v->shift) / v->ksub);
  vgst = v->ksub * log(1 + t2);
  double dvgstdvgs = t2 / (t2 + 1);
  if (vgst <= vdss) { /* saturated */
    p.cdrain = betap * vgst * vgst * .5;
    p.gm = betap * vgst * dvgstdvgs + 0.5 * dbetapdvgs * vgst * vgst;
    p.gds = .5 * dbetapdvds * vgst * vgst;
  } else { /* linear */
    p.cdrain = betap * vdss * (vgst - .5 * vdss);
    p.gm = betap * vdss * dvgstdvgs + vdss * dbetapdvgs * (vgst - .5 * vdss);
    p.gds = vdss * dbetapdvds * (vgst - .5 * vdss) + betap * v->mtr * (vgst - .5 * vdss) -
            .5 * vdss * betap * v->mtr;
  }
  return p;
}

/* The controlling voltages at x, NMOS signs: the channel's and the body diode's. */
static void voltages(const kh_mosfet *q, const double *x, double *vgs, double *vds, double *vd) {
  double vs = kh_general_value(x, q->s);
  *vgs = q->type * (kh_general_value(x, q->g) - vs);
  *vds = q->type * (kh_general_value(x, q->d) - vs);
  *vd = q->type * (kh_general_value(x, q->vdmos.bp) - kh_general_value(x, q->vdmos.dx));
}

void kh_vdmos_follow(kh_mosfet *q, const double *x) {
  voltages(q, x, &q->vgs, &q->vds, &q->vdmos.vd);
}

/* vdmosload.c's limiting against the last linearization: fetlim and limvds on the channel,
 * pnjlim on the body diode (kh_diode_limit, as dioload.c). */
static void limit(kh_mosfet *q, double *vgs, double *vds, double *vd, int *limited) {
  double in[2] = {*vgs, *vds}, vgd = *vgs - *vds, vgdo = q->vgs - q->vds;
  if (q->vds >= 0) {
    *vgs = kh_fetlim(*vgs, q->vgs, q->von);
    *vds = kh_limvds(*vgs - vgd, q->vds);
  } else {
    vgd = kh_fetlim(vgd, vgdo, q->von);
    *vds = -kh_limvds(-(*vgs - vgd), -q->vds);
    *vgs = vgd + *vds;
  }
  *vd = kh_diode_limit(&q->vdmos.body, *vd, q->vdmos.vd, limited);
  if (kh_limit_moved(*vgs, in[0]) || kh_limit_moved(*vds, in[1])) *limited = 1;
}

/* A resistor's stamp between unknowns a and b (none where it is 0, a and b then one unknown). */
static int resistor(kh_general *g, long a, long b, double gr) {
  if (gr == 0) return 0;
  return kh_general_stamp(g, a, a, gr) | kh_general_stamp(g, b, b, gr) |
         kh_general_stamp(g, a, b, -gr) | kh_general_stamp(g, b, a, -gr);
}

/* RD's conductance at x and its slope in the outer vds (NMOS signs): with quasi-saturation, in
 * normal mode, 1 / (RD + RQ vds / (vds + |VQ|)) (vdmosload.c); else RD's. In reverse mode
 * ngspice keeps the conductance of its last iteration in normal mode, which is RD's where its
 * Newton went there straight from its start (vds = 0); kh_vdmos_quasi_reversed says when the
 * answer would depend on which it kept. */
static double drain_conductance(const kh_mosfet *q, const double *x, int mode, double *slope) {
  const kh_vdmos *v = &q->vdmos;
  *slope = 0;
  if (!v->qs || mode < 0) return v->grd;
  double vdsn = q->type * (kh_general_value(x, v->dx) - kh_general_value(x, v->sx));
  double u = vdsn + v->vq, gq = 1 / (1 / v->grd + v->rq * (vdsn / u));
  *slope = -gq * gq * v->rq * v->vq / (u * u);
  return gq;
}

/* RD from the outer drain to the inner one, its conductance a function of the outer vds with
 * quasi-saturation: the current g (vdx - vd) linearized at x in vdx, vd and vsx. */
static int drain_resistor(kh_general *g, const kh_mosfet *q, const double *x, int mode) {
  const kh_vdmos *v = &q->vdmos;
  double slope, gr = drain_conductance(q, x, mode, &slope);
  if (gr == 0) return 0;
  long dx = v->dx, d = q->d, sx = v->sx;
  double vdx = kh_general_value(x, dx), vsx = kh_general_value(x, sx);
  double k = (vdx - kh_general_value(x, d)) * slope * q->type, ieq = -k * (vdx - vsx);
  kh_general_rhs(g, dx, -ieq);
  kh_general_rhs(g, d, ieq);
  return resistor(g, dx, d, gr) | kh_general_stamp(g, dx, dx, k) | kh_general_stamp(g, dx, sx, -k) |
         kh_general_stamp(g, d, dx, -k) | kh_general_stamp(g, d, sx, k);
}

double kh_vdmos_quasi_reversed(const kh_mosfet *q, const double *x) {
  const kh_vdmos *v = &q->vdmos;
  if (!v->on || !v->qs) return 0;
  double vgs, vds, vd;
  voltages(q, x, &vgs, &vds, &vd);
  if (vds >= 0) return 0;
  double vdx = kh_general_value(x, v->dx), drop = fabs(v->grd * (vdx - kh_general_value(x, q->d)));
  return drop * v->rq > 1e-9 * fmax(1, fabs(vdx)) ? drop : 0; /* amperes through RD */
}

int kh_vdmos_stamp(kh_general *g, kh_mosfet *q, const double *x, int linearize) {
  double used[3];
  return kh_vdmos_stamp_plain(g, q, x, linearize, used);
}

int kh_vdmos_stamp_plain(kh_general *g, kh_mosfet *q, const double *x, int linearize,
                         double used[3]) {
  kh_vdmos *v = &q->vdmos;
  double vgs, vds, vd, t = q->type;
  voltages(q, x, &vgs, &vds, &vd);
  if (linearize && q->off && (q->cold || g->holding)) { /* `off`: vdmosload.c holds it at 0 V */
    vgs = vds = vd = 0, g->limited |= q->cold, q->cold = 0;
  } else if (linearize && q->cold) { /* where vdmosload.c starts: VTO + 0.1 V, the diode at vcrit */
    vgs = t * v->vth0 + 0.1, vds = 0;
    vd = v->body.vte * log(v->body.vte / (M_SQRT2 * v->body.csat));
    q->cold = 0, g->limited = 1;
  } else if (linearize) {
    limit(q, &vgs, &vds, &vd, &g->limited);
  }
  kh_mos_point p = channel(q, vgs, vds);
  double phi, cd, gd;
  kh_diode_eval(&v->body, vd, &phi, &cd, &gd);
  if (linearize) q->vgs = vgs, q->vds = vds, v->vd = vd;
  used[0] = vgs, used[1] = vds, used[2] = vd;
  double vgd = vgs - vds, gm = p.gm, gds = p.gds, nrm = p.mode > 0, rev = p.mode < 0;
  double cdreq =
      p.mode > 0 ? t * (p.cdrain - gds * vds - gm * vgs) : -t * (p.cdrain + gds * vds - gm * vgd);
  double cdeq = t * (cd - gd * vd); /* the body diode, from bp to the outer drain */
  kh_general_rhs(g, q->d, -cdreq);
  kh_general_rhs(g, q->s, cdreq);
  kh_general_rhs(g, v->bp, -cdeq);
  kh_general_rhs(g, v->dx, cdeq);
  long d = q->d, s = q->s, gt = q->g;
  return kh_general_stamp(g, gt, gt, 0) | kh_general_stamp(g, d, d, gds + rev * gm) |
         kh_general_stamp(g, s, s, gds + nrm * gm) | kh_general_stamp(g, d, gt, (nrm - rev) * gm) |
         kh_general_stamp(g, d, s, -gds - nrm * gm) |
         kh_general_stamp(g, s, gt, -(nrm - rev) * gm) |
         kh_general_stamp(g, s, d, -gds - rev * gm) | drain_resistor(g, q, x, p.mode) |
         resistor(g, v->sx, s, v->grs) | resistor(g, v->sx, v->bp, v->grb) |
         resistor(g, v->dx, v->sx, v->gshunt) | resistor(g, v->bp, v->dx, gd);
}

double kh_vdmos_flows(const kh_mosfet *q, const double *x, const double at[3], double leaving[5]) {
  const kh_vdmos *v = &q->vdmos;
  double t = q->type, phi, cd, gd, slope;
  kh_mos_point p = channel(q, at[0], at[1]);
  kh_diode_eval(&v->body, at[2], &phi, &cd, &gd);
  double grd = drain_conductance(q, x, p.mode, &slope);
  double vdx = kh_general_value(x, v->dx), vd = kh_general_value(x, q->d);
  double vsx = kh_general_value(x, v->sx), vs = kh_general_value(x, q->s);
  double vrs = vsx - kh_general_value(x, v->bp), vrd = vdx - vd;
  double ich = t * p.mode * p.cdrain, ird = grd * vrd, irs = v->grs * (vsx - vs);
  double irb = v->grb * vrs, ishunt = v->gshunt * (vdx - vsx), ibody = t * cd;
  leaving[0] = ich - ird, leaving[1] = -ich - irs, leaving[2] = ird + ishunt - ibody;
  leaving[3] = irs + irb - ishunt, leaving[4] = ibody - irb;
  return p.cdrain * fabs(at[1]) + ird * vrd + at[2] * cd + irb * vrs;
}

double kh_vdmos_certify(const kh_general *g, const kh_mosfet *q, long double *sum, double *mag) {
  const kh_vdmos *v = &q->vdmos;
  double vgs, vds, vd, t = q->type, phi, cd, gd;
  voltages(q, g->x, &vgs, &vds, &vd);
  kh_mos_point p = channel(q, vgs, vds);
  kh_diode_eval(&v->body, vd, &phi, &cd, &gd);
  double at[6];
  long nodes[6] = {q->d, q->s, q->g, v->dx, v->sx, v->bp};
  for (int k = 0; k < 6; k++) at[k] = fabs(kh_general_value(g->x, nodes[k]));
  kh_branch_terms(sum, mag, q->d, q->s, t * p.mode * p.cdrain,
                  fmax(fabs(p.cdrain), (fabs(p.gm) + fabs(p.gds)) * (at[0] + at[1] + at[2])));
  kh_branch_terms(sum, mag, v->bp, v->dx, t * cd, fmax(fabs(cd), fabs(gd) * (at[5] + at[3])));
  double idx = t * p.mode * p.cdrain; /* into the drain: the channel's, or RD's */
  long pairs[4][2] = {{v->dx, q->d}, {q->s, v->sx}, {v->sx, v->bp}, {v->dx, v->sx}};
  double slope, gs[4] = {drain_conductance(q, g->x, p.mode, &slope), v->grs, v->grb, v->gshunt};
  for (int k = 0; k < 4; k++) {
    if (gs[k] == 0) continue;
    double va = kh_general_value(g->x, pairs[k][0]), vb = kh_general_value(g->x, pairs[k][1]);
    kh_branch_terms(sum, mag, pairs[k][0], pairs[k][1], gs[k] * (va - vb),
                    gs[k] * (fabs(va) + fabs(vb)));
    if (k == 0) idx = gs[k] * (va - vb);
  }
  double vdx = kh_general_value(g->x, v->dx), vsx = kh_general_value(g->x, v->sx);
  return idx + v->gshunt * (vdx - vsx) - t * cd; /* into the outer drain */
}
