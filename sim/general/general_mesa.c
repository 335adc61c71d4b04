/* MESA MESFETs in general Newton, as ngspice 39's mesa device computes them at DC (mesatemp.c,
 * mesaload.c, read there): two Schottky gate junctions, each with its recombination leakage GGR
 * and GMIN across it and its side's own temperature (ts, td); the channel current of mesa1
 * (LEVEL 2), mesa2 (LEVEL 3, a delta-doped channel) or mesa3 (LEVEL 4), with the threshold's
 * drain-induced shift SIGMA, the intrinsic resistances RSI and RDI, saturation, the knee M and
 * LAMBDA, in inverse mode where vds < 0; and AG's share of the gate currents moved from source to
 * drain. The channel's derivatives come from the same code on dual numbers, exact for the
 * function as computed: ngspice's own are for normal mode (mesaload.c keeps them in inverse
 * mode) and leave AG out; the values are ngspice's, in its order of operations. Limiting and the
 * stamp are the JFET's (general_jfet.c), each junction limited with its side's voltages. */
#include "dual.h"
#include "general_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <float.h>
#include <math.h>

#define EPS_GAAS (12.244 * 8.85418e-12) /* mesaload.c's EPSILONGAAS */

static double number(const kh_netlist *nl, const char *m, const char *name, double fallback) {
  return kh_model_number(nl, m, name, fallback, NULL);
}

/* A temperature word of the card, in degrees Celsius (mesamparam.c adds 273.15), else fallback
 * kelvins. */
static double kelvins(const kh_netlist *nl, const char *m, const char *name, double fallback) {
  int given;
  double v = kh_model_number(nl, m, name, 0, &given);
  return given ? v + 273.15 : fallback;
}

/* r (1 + tc1 dt + tc2 dt^2), 0 without r (mesatemp.c's intrinsic resistances) */
static double tempered(double r, double tc1, double tc2, double dt) {
  return r != 0.0 ? r * (1 + tc1 * dt + tc2 * dt * dt) : 0;
}

/* mesatemp.c's mobility at ts: MU's power law, or with MU1 or MU2 its parallel with theirs */
static double mobility(const kh_netlist *nl, const char *m, double ts) {
  double tmu = kelvins(nl, m, "tmu", 300.15), mu1 = number(nl, m, "mu1", 0),
         mu2 = number(nl, m, "mu2", 0);
  double muimp = number(nl, m, "mu", 0.23) * pow(ts / tmu, number(nl, m, "xtm0", 0));
  if (mu1 == 0 && mu2 == 0) return muimp;
  double mupo =
      mu1 * pow(tmu / ts, number(nl, m, "xtm1", 0)) + mu2 * pow(tmu / ts, number(nl, m, "xtm2", 0));
  return 1 / (1 / muimp + 1 / mupo);
}

/* the gate junctions' terms at ts and td (mesatemp.c) */
static void junctions(const kh_netlist *nl, const char *m, kh_mesa_instance in, double nom,
                      kh_jfet *j) {
  kh_jfet_mesa *a = &j->ma;
  double astar = number(nl, m, "astar", 4e4), ts = in.ts, td = in.td;
  double phib =
      number(nl, m, "phib", 0.5) * KH_CHARGE - number(nl, m, "phib1", 0) * KH_CHARGE * (ts - nom);
  a->vts = KH_BOLTZMANN / KH_CHARGE * ts, a->vtd = KH_BOLTZMANN / KH_CHARGE * td;
  a->vtes = number(nl, m, "n", 1) * a->vts, a->vted = number(nl, m, "n", 1) * a->vtd;
  a->csatfs = 0.5 * astar * ts * ts * exp(-phib / (KH_BOLTZMANN * ts)) * in.l * in.w;
  a->csatfd = 0.5 * astar * td * td * exp(-phib / (KH_BOLTZMANN * td)) * in.l * in.w;
  a->ggrwl =
      number(nl, m, "ggr", 40) * in.l * in.w * exp(number(nl, m, "xchi", 0.033) * (ts - nom));
  a->del = number(nl, m, "del", 0.04);
  a->ag = number(nl, m, "ag", 0);
  j->vt = a->vtes, j->vtd = a->vted; /* pnjlim's, with vcrit from kT/q */
  j->vcrit = a->csatfs != 0 ? a->vts * log(a->vts / (M_SQRT2 * a->csatfs)) : DBL_MAX;
  j->vcritd = a->csatfd != 0 ? a->vtd * log(a->vtd / (M_SQRT2 * a->csatfd)) : DBL_MAX;
  j->csat = a->csatfs;
}

void kh_mesa_from_netlist(const kh_netlist *nl, size_t k, kh_jfet *j) {
  const char *m = kh_netlist_element(nl, k).model;
  kh_mesa_instance in = kh_netlist_mesa_instance(nl, k);
  kh_jfet_mesa *a = &j->ma;
  double nom = kh_netlist_nominal_temperature(nl, m), ts = in.ts, td = in.td;
  double tc1 = number(nl, m, "rtc1", 0), tc2 = number(nl, m, "rtc2", 0);
  j->mesa = 1, j->type = 1;
  a->level = (int)number(nl, m, "level", 2);
  junctions(nl, m, in, nom, j);
  a->vto = number(nl, m, "vto", -1.26) - number(nl, m, "tvto", 0) * (ts - nom);
  a->sigma0 = number(nl, m, "sigma0", 0.081), a->vsigmat = number(nl, m, "vsigmat", 1.01);
  a->vsigma = number(nl, m, "vsigma", 0.1), a->theta = number(nl, m, "theta", 0);
  a->vs = number(nl, m, "vs", 1.5e5), a->length = in.l;
  a->mu = mobility(nl, m, ts);
  a->nd = number(nl, m, "nd", 2e23), a->d = number(nl, m, "d", 0.12e-6);
  a->du = number(nl, m, "du", 0.035e-6), a->ndu = number(nl, m, "ndu", 1e22);
  a->th = number(nl, m, "th", 0.01e-6), a->ndelta = number(nl, m, "ndelta", 6e24);
  if (a->level == 2) {
    a->vpo = KH_CHARGE * a->nd * a->d * a->d / 2 / EPS_GAAS;
  } else {
    a->vpou = KH_CHARGE * a->ndu * a->du * a->du / 2 / EPS_GAAS;
    a->vpod = KH_CHARGE * a->ndelta * a->th * (2 * a->du + a->th) / 2 / EPS_GAAS;
    a->vpo = a->vpou + a->vpod;
  }
  double delta = number(nl, m, "delta", 5);
  a->delta_sqr = delta * delta;
  a->gchi0 = a->level == 2 ? KH_CHARGE * in.w / in.l : KH_CHARGE * in.w / in.l * a->mu;
  a->beta = 2 * EPS_GAAS * a->vs * number(nl, m, "zeta", 1) * in.w / a->d;
  a->beta_model = number(nl, m, "beta", 0.0085);
  a->eta = number(nl, m, "eta", 1.73) * (1 + ts / kelvins(nl, m, "teta0", DBL_MAX)) +
           kelvins(nl, m, "teta1", 0) / ts;
  a->lambda = number(nl, m, "lambda", 0.045) * (1 - ts / kelvins(nl, m, "tlambda", DBL_MAX));
  double vt = a->vts, depth = a->level == 3 ? a->du : a->d;
  a->n0 = a->level == 4 ? number(nl, m, "epsi", EPS_GAAS) * a->eta * vt / 2 / KH_CHARGE / depth
                        : EPS_GAAS * a->eta * vt / KH_CHARGE / depth;
  a->nsb0 = EPS_GAAS * a->eta * vt / KH_CHARGE / (a->du + a->th);
  a->isatb0 = KH_CHARGE * a->n0 * vt * in.w / in.l;
  a->nmax = number(nl, m, "nmax", 2e16), a->gamma = number(nl, m, "gamma", 3);
  a->imax = KH_CHARGE * a->nmax * a->vs * in.w;
  a->tc = number(nl, m, "tc", 0), a->m0 = number(nl, m, "m", 2.5);
  a->alpha = number(nl, m, "alpha", 0);
  a->rsi_model = number(nl, m, "rsi", 0);
  a->rdi = tempered(number(nl, m, "rdi", 0), tc1, tc2, td - nom);
  a->rsi = tempered(a->rsi_model, tc1, tc2, ts - nom);
  j->vto = a->vto, j->beta = a->beta, j->lambda = a->lambda;
}

/* The threshold's shift with vds: vgs - von + sigma vds (mesa1's vgt, all levels) */
static kh_dual gate_drive(const kh_jfet_mesa *a, kh_dual vgs, kh_dual vds) {
  kh_dual vgt0 = kh_dual_addc(vgs, -a->vto);
  kh_dual s = kh_dual_exp(kh_dual_divc(kh_dual_addc(vgt0, -a->vsigmat), a->vsigma));
  kh_dual sigma = kh_dual_cdiv(a->sigma0, kh_dual_addc(s, 1));
  return kh_dual_add(vgt0, kh_dual_mul(sigma, vds));
}

/* pow(x, e) for a dual exponent (pow's own value), 0 at x = 0 (the knee's, where e > 1) */
static kh_dual power(kh_dual x, kh_dual e) {
  if (x.v == 0) return kh_dual_const(0);
  double v = pow(x.v, e.v), dx = e.v * v / x.v, de = v * log(x.v);
  kh_dual r = {v, {0, 0, 0}};
  for (int k = 0; k < 3; k++) r.d[k] = dx * x.d[k] + de * e.d[k];
  return r;
}

/* The saturation current's share: isata isatb / (isata + isatb); with gch, the knee
 * gch vds (1 + lambda vds) / (1 + (vds / vsate)^m)^(1 / m) (mesa1 and mesa2) */
static kh_dual knee(const kh_jfet_mesa *a, kh_dual gch, kh_dual isata, kh_dual isatb, kh_dual vds,
                    kh_dual m) {
  kh_dual isat = kh_dual_div(kh_dual_mul(isata, isatb), kh_dual_add(isata, isatb));
  kh_dual vsate = kh_dual_div(isat, gch);
  kh_dual g = power(kh_dual_div(vds, vsate), m);
  kh_dual h = power(kh_dual_addc(g, 1), kh_dual_cdiv(1.0, m));
  kh_dual delidgch =
      kh_dual_mul(kh_dual_div(vds, h), kh_dual_addc(kh_dual_mulc(vds, a->lambda), 1));
  return kh_dual_mul(gch, delidgch);
}

/* isata = a vgte / (d e), d = 1 + a RS + sqrt(1 + 2 a RS), e = 1 + TC vgte (mesa1; mesa2
 * divides by d and then by e) */
static kh_dual isata_of(const kh_jfet_mesa *a, kh_dual aa, kh_dual vgte) {
  kh_dual f = kh_dual_sqrt(kh_dual_addc(kh_dual_mulc(aa, 2 * a->rsi), 1));
  kh_dual d = kh_dual_add(kh_dual_addc(kh_dual_mulc(aa, a->rsi), 1), f);
  kh_dual e = kh_dual_addc(kh_dual_mulc(vgte, a->tc), 1), num = kh_dual_mul(aa, vgte);
  return a->level == 2 ? kh_dual_div(num, kh_dual_mul(d, e)) : kh_dual_div(kh_dual_div(num, d), e);
}

/* mesa1 (LEVEL 2): a uniformly doped channel */
static kh_dual mesa1(const kh_jfet_mesa *a, kh_dual vgs, kh_dual vds) {
  double vt = a->vts, etavth = a->eta * vt, rt = a->rsi + a->rdi;
  kh_dual vgt = gate_drive(a, vgs, vds);
  kh_dual mu = kh_dual_addc(kh_dual_mulc(vgt, a->theta), a->mu);
  kh_dual vl = kh_dual_mulc(kh_dual_cdiv(a->vs, mu), a->length);
  kh_dual beta = kh_dual_cdiv(a->beta, kh_dual_addc(kh_dual_mulc(vl, 3), a->vpo));
  kh_dual u = kh_dual_addc(kh_dual_divc(vgt, vt), -1);
  kh_dual t = kh_dual_sqrt(kh_dual_addc(kh_dual_mul(u, u), a->delta_sqr));
  kh_dual vgte = kh_dual_mulc(kh_dual_add(kh_dual_addc(u, 2), t), 0.5 * vt);
  kh_dual aa = kh_dual_mulc(kh_dual_mul(beta, vgte), 2);
  kh_dual b = kh_dual_exp(kh_dual_divc(kh_dual_mulc(vgt, -1), etavth));
  kh_dual sqrt1 = vgte.v > a->vpo ? kh_dual_const(0)
                                  : kh_dual_sqrt(kh_dual_csub(1, kh_dual_divc(vgte, a->vpo)));
  kh_dual ns =
      kh_dual_cdiv(1.0, kh_dual_add(kh_dual_cdiv(1.0 / a->nd / a->d, kh_dual_csub(1, sqrt1)),
                                    kh_dual_mulc(b, 1.0 / a->n0)));
  if (ns.v < 1.0e-38) return kh_dual_const(0);
  kh_dual gchi = kh_dual_mul(kh_dual_mulc(mu, a->gchi0), ns);
  kh_dual gch = kh_dual_div(gchi, kh_dual_addc(kh_dual_mulc(gchi, rt), 1));
  kh_dual isata = isata_of(a, aa, vgte);
  kh_dual isatb = kh_dual_mul(kh_dual_mulc(mu, a->isatb0), kh_dual_exp(kh_dual_divc(vgt, etavth)));
  kh_dual m = kh_dual_addc(kh_dual_mulc(vgte, a->alpha), a->m0);
  return knee(a, gch, isata, isatb, vds, m);
}

/* mesa2's sheet charge of the delta-doped layer and the undoped one above it */
static kh_dual nsa_of(const kh_jfet_mesa *a, kh_dual vgt, kh_dual vgte) {
  if (vgt.v > a->vpod) {
    if (vgte.v > a->vpo) return kh_dual_const(a->ndelta * a->th + a->ndu * a->du);
    kh_dual r = kh_dual_sqrt(kh_dual_divc(kh_dual_csub(a->vpo, vgte), a->vpou));
    return kh_dual_addc(kh_dual_mulc(kh_dual_csub(1, r), a->ndu * a->du), a->ndelta * a->th);
  }
  if (a->vpod - vgte.v < 0) return kh_dual_const(a->ndelta * a->th * (1 - a->du / a->th));
  kh_dual r = kh_dual_sqrt(kh_dual_addc(
      kh_dual_divc(kh_dual_mulc(kh_dual_csub(a->vpod, vgte), a->ndu / a->ndelta), a->vpou), 1));
  return kh_dual_mulc(kh_dual_csub(1, kh_dual_mulc(kh_dual_addc(r, -1), a->du / a->th)),
                      a->ndelta * a->th);
}

/* mesa2 (LEVEL 3): a delta-doped channel */
static kh_dual mesa2(const kh_jfet_mesa *a, kh_dual vgs, kh_dual vds) {
  double vt = a->vts, etavth = a->eta * vt, rt = a->rsi + a->rdi;
  kh_dual vgt = gate_drive(a, vgs, vds);
  kh_dual t = kh_dual_addc(kh_dual_divc(vgt, vt), -1);
  kh_dual q = kh_dual_sqrt(kh_dual_addc(kh_dual_mul(t, t), a->delta_sqr));
  kh_dual vgte = kh_dual_mulc(kh_dual_add(kh_dual_addc(t, 2), q), 0.5 * vt);
  kh_dual aa = kh_dual_mulc(vgte, 2 * a->beta_model);
  kh_dual nsa = nsa_of(a, vgt, vgte);
  kh_dual b = kh_dual_exp(kh_dual_divc(vgt, etavth));
  kh_dual nsb = kh_dual_mulc(b, a->nsb0);
  kh_dual ns = kh_dual_div(kh_dual_mul(nsa, nsb), kh_dual_add(nsa, nsb));
  if (ns.v < 1.0e-38) return kh_dual_const(0);
  kh_dual gchi = kh_dual_mulc(ns, a->gchi0);
  kh_dual gch = kh_dual_div(gchi, kh_dual_addc(kh_dual_mulc(gchi, rt), 1));
  kh_dual isata = isata_of(a, aa, vgte), isatb = kh_dual_mulc(b, a->isatb0);
  return knee(a, gch, isata, isatb, vds, kh_dual_const(a->m0));
}

/* mesa3 (LEVEL 4): the sheet charge's and the current's saturation at NMAX and IMAX */
static kh_dual mesa3(const kh_jfet_mesa *a, kh_dual vgs, kh_dual vds) {
  double vt = a->vts, etavth = a->eta * vt, rt = a->rsi + a->rdi, vl = a->vs / a->mu * a->length;
  kh_dual vgt = gate_drive(a, vgs, vds);
  kh_dual u = kh_dual_addc(kh_dual_divc(kh_dual_mulc(vgt, 0.5), vt), -1);
  kh_dual t = kh_dual_sqrt(kh_dual_addc(kh_dual_mul(u, u), a->delta_sqr));
  kh_dual vgte = kh_dual_mulc(kh_dual_add(kh_dual_addc(u, 2), t), vt);
  kh_dual b = kh_dual_exp(kh_dual_divc(vgt, etavth));
  kh_dual nsm = kh_dual_mulc(kh_dual_log(kh_dual_addc(kh_dual_mulc(b, 0.5), 1)), 2 * a->n0);
  if (nsm.v < 1.0e-38) return kh_dual_const(0);
  kh_dual c = kh_dual_powc(kh_dual_divc(nsm, a->nmax), a->gamma);
  kh_dual ns = kh_dual_div(nsm, kh_dual_powc(kh_dual_addc(c, 1), 1.0 / a->gamma));
  kh_dual gchi = kh_dual_mulc(ns, a->gchi0);
  kh_dual gch = kh_dual_div(gchi, kh_dual_addc(kh_dual_mulc(gchi, rt), 1));
  kh_dual gchim = kh_dual_mulc(nsm, a->gchi0);
  kh_dual h = kh_dual_sqrt(kh_dual_add(kh_dual_addc(kh_dual_mulc(gchim, 2 * a->rsi_model), 1),
                                       kh_dual_divc(kh_dual_mul(vgte, vgte), vl * vl)));
  kh_dual p = kh_dual_add(kh_dual_addc(kh_dual_mulc(gchim, a->rsi), 1), h);
  kh_dual isatm = kh_dual_div(kh_dual_mul(gchim, vgte), p);
  kh_dual g = kh_dual_powc(kh_dual_divc(isatm, a->imax), a->gamma);
  kh_dual isat = kh_dual_div(isatm, kh_dual_powc(kh_dual_addc(g, 1), 1 / a->gamma));
  kh_dual vsate = kh_dual_div(isat, gch);
  kh_dual d = power(kh_dual_div(vds, vsate), kh_dual_const(a->m0));
  kh_dual e = power(kh_dual_addc(d, 1), kh_dual_const(1.0 / a->m0));
  kh_dual delidgch =
      kh_dual_div(kh_dual_mul(vds, kh_dual_addc(kh_dual_mulc(vds, a->lambda), 1)), e);
  return kh_dual_mul(gch, delidgch);
}

/* One gate junction at v (mesaload.c): thermionic emission at n kT/q, the leakage ggrwl v
 * exp(-DEL v / (kT/q)), and GMIN across it. The leakage's slope is ggrwl exp(arg) (1 + arg),
 * arg = -DEL v / (kT/q); mesaload.c's ggs and ggd have 1 - arg, negative past arg = 1 (0.28 V
 * of reverse bias at DEL 0.094), where Newton with it walked to kiloamperes of reverse gate
 * current (a random deck ngspice solves); the current is mesaload.c's. */
static void junction(double csat, double vt, double vte, double ggrwl, double del, double gmin,
                     double v, double *i, double *g) {
  double arg = -v * del / vt, earg = exp(arg), ev = exp(v / vte);
  *g = csat * ev / vte + ggrwl * earg * (1 + arg) + gmin;
  *i = csat * (ev - 1) + ggrwl * v * earg + gmin * v;
}

kh_jfet_point kh_mesa_point(const kh_jfet *j, double gmin, double vgs, double vgd) {
  const kh_jfet_mesa *a = &j->ma;
  kh_jfet_point p;
  double cgs;
  junction(a->csatfs, a->vts, a->vtes, a->ggrwl, a->del, gmin, vgs, &cgs, &p.ggs);
  junction(a->csatfd, a->vtd, a->vted, a->ggrwl, a->del, gmin, vgd, &p.cgd, &p.ggd);
  /* d[0]: by vgs at fixed vds; d[1]: by vds at fixed vgs (vgd = vgs - vds) */
  kh_dual gs = {vgs, {1, 0, 0}}, gd = {vgd, {1, -1, 0}};
  kh_dual (*channel)(const kh_jfet_mesa *, kh_dual, kh_dual) = a->level == 2   ? mesa1
                                                               : a->level == 3 ? mesa2
                                                                               : mesa3;
  kh_dual cd = vgs - vgd < 0 ? kh_dual_mulc(channel(a, gd, kh_dual_sub(gd, gs)), -1)
                             : channel(a, gs, kh_dual_sub(gs, gd));
  double ccorr = a->ag * (cgs - p.cgd); /* into the drain, out of the source; ngspice stamps no
                                         * derivative of it */
  p.gm = cd.d[0], p.gds = cd.d[1];
  p.cg = cgs + p.cgd, p.cd = cd.v - ccorr - p.cgd;
  return p;
}

static int is_mesa(const kh_general *g, size_t k) {
  return g->jfet[k] >= 0 && g->jfets[g->jfet[k]].mesa;
}

/* mesaload.c declares `inverse` once for its whole pass and sets it where an instance's vds is
 * negative, never back: every instance loaded after one in inverse mode is computed as if in
 * inverse mode too, its channel current -f(vgd, vds) from drain to source instead of f(vgs, vds)
 * (measured: a MESFET at vds = 1.954 V beside one at -0.38 V loaded before it draws 2.5 mA in
 * ngspice 39, 0.3 uA alone). That is not the model's answer, so kirchhoff says so rather than
 * give it or another. */
kh_status kh_mesa_inverse_verdict(kh_context *ctx, const kh_general *g) {
  size_t n, *order = kh_general_load_order(g, is_mesa, &n), inverse = 0, after = 0;
  if (!order) return kh_fail_nomem(ctx, "MESA's load order");
  int found = 0, seen = 0;
  for (size_t i = 0; i < n && !found; i++) {
    const kh_jfet *j = &g->jfets[g->jfet[order[i]]];
    double vds = kh_general_value(g->x, j->d) - kh_general_value(g->x, j->s);
    if (seen && vds > 0) found = 1, after = order[i];
    if (!seen && vds < 0) seen = 1, inverse = order[i];
  }
  kh_free(order);
  if (!found) return KH_OK;
  kh_element a = kh_netlist_element(g->nl, inverse), b = kh_netlist_element(g->nl, after);
  return kh_fail(ctx, KH_ERR_INPUT,
                 "%s:%u:%u: MESFET '%s' ends in inverse mode (its drain below its source) and "
                 "ngspice 39 loads '%s' (%s:%u:%u) after it, which ends in normal mode: "
                 "mesaload.c keeps the inverse-mode flag from one instance to the next, so "
                 "ngspice's answer would reverse the second one's channel current, and the "
                 "model's own answer is not ngspice's",
                 a.file, a.line, a.col, a.name, b.name, b.file, b.line, b.col);
}
