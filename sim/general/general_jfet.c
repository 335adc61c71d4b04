/* JFETs in general Newton (level 2, Parker-Skellern's, in general_jfet2.c, sharing the limiting
 * and the stamp here): ngspice 39's level-1 JFET (jfettemp.c and jfetload.c, read there):
 * Shichman-Hodges drain current with Sydney University's doping tail B, two gate junctions
 * (gate-source and gate-drain) each with GMIN across it, channel-length modulation LAMBDA, and
 * the same temperature dependence. The element's ends are the drain and source inside RD and
 * RS (resistors of their own, netlist/jfet.c), so only three unknowns take its stamps. A PJF
 * is an NJF with every voltage and current negated (ngspice's type factor). */
#include "general_impl.h"

#include "core/context.h"

#include <math.h>
#include <string.h>

/* A MESFET (mesload.c, mestemp.c): no temperature dependence at all, the gates' thermal voltage
 * at 300.15 K (ngspice's CONSTvt0), vcrit from IS without the area; m is the area (mesfet.c). */
static void mesfet_from_netlist(const kh_netlist *nl, size_t k, kh_jfet *j) {
  kh_element e = kh_netlist_element(nl, k);
  const char *m = e.model;
  double area = kh_netlist_jfet_instance(nl, k).area,
         is = kh_model_number(nl, m, "is", 1e-14, NULL);
  j->mes = 1, j->m = 1;
  j->type = !strcmp(kh_netlist_model_type(nl, m), "pmf") ? -1 : 1;
  j->vt = KH_BOLTZMANN / KH_CHARGE * 300.15;
  j->vto = kh_model_number(nl, m, "vto", -2, NULL);
  j->beta = kh_model_number(nl, m, "beta", 2.5e-3, NULL) * area;
  j->csat = is * area;
  j->lambda = kh_model_number(nl, m, "lambda", 0, NULL);
  j->b = kh_model_number(nl, m, "b", 0.3, NULL);
  j->alpha = kh_model_number(nl, m, "alpha", 2, NULL);
  j->vcrit = j->vt * log(j->vt / (M_SQRT2 * is));
  j->bfac = 0; /* the JFET's doping-tail factor, (1 - B) / (PB - VTO): not a MESFET's */
}

kh_status kh_jfet_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_jfet *j) {
  kh_element e = kh_netlist_element(nl, k);
  kh_jfet_instance in = kh_netlist_jfet_instance(nl, k);
  const char *m = e.model;
  double t = in.temperature, tnom = kh_netlist_nominal_temperature(nl, m);
  double vt = KH_BOLTZMANN / KH_CHARGE * t, ratio = t / tnom - 1;
  int xti_given, vtotc_given, betatce_given;
  double xti = kh_model_number(nl, m, "xti", 3, &xti_given),
         eg = kh_model_number(nl, m, "eg", 1.11, NULL);
  double vto = kh_model_number(nl, m, "vto", -2, NULL), b = kh_model_number(nl, m, "b", 1, NULL);
  double vtotc = kh_model_number(nl, m, "vtotc", 0, &vtotc_given);
  double betatce = kh_model_number(nl, m, "betatce", 0, &betatce_given);
  double sat = kh_model_number(nl, m, "is", 1e-14, NULL) * exp(ratio * eg / vt);
  if (xti_given) sat *= pow(ratio + 1, xti); /* ngspice applies XTI only when the card sets it */
  memset(j, 0, sizeof *j);
  j->type = !strcmp(kh_netlist_model_type(nl, m), "pjf") ? -1 : 1;
  j->off = in.off;
  j->vt = vt;
  j->vto = vtotc_given ? vto + vtotc * (t - tnom)
                       : vto - kh_model_number(nl, m, "tcv", 0, NULL) * (t - tnom);
  j->beta = kh_model_number(nl, m, "beta", 1e-4, NULL) * in.area *
            (betatce_given ? pow(1.01, betatce * (t - tnom))
                           : pow(t / tnom, kh_model_number(nl, m, "bex", 0, NULL)));
  j->csat = sat * in.area;
  j->lambda = kh_model_number(nl, m, "lambda", 0, NULL);
  j->b = b;
  j->bfac = (1 - b) /
            (kh_model_number(nl, m, "pb", 1, NULL) - vto); /* the model's PB and VTO, untempered */
  j->vcrit = vt * log(vt / (M_SQRT2 * sat));
  j->m = in.m;
  const char *type = kh_netlist_model_type(nl, m);
  int mesa = !strcmp(type, "nmf") && kh_model_number(nl, m, "level", 1, NULL) >= 2;
  if (mesa) kh_mesa_from_netlist(nl, k, j);
  if (!mesa && (!strcmp(type, "nmf") || !strcmp(type, "pmf"))) mesfet_from_netlist(nl, k, j);
  if (!mesa && kh_model_number(nl, m, "level", 1, NULL) == 2) { /* no B, no VTO's drift */
    j->vto = vto, j->bfac = 0;
    kh_jfet2_from_netlist(nl, k, t, in.area, j);
    double vbi = j->ps.vbi;
    if (!(vbi - vto > 0) || !isfinite(j->ps.d3))
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%u:%u: JFET '%s': model '%s' at %.2f K puts the gate junction's potential "
                     "VBI at %g V, which must be above VTO (%g V)",
                     e.file, e.line, e.col, e.name, m, t, vbi, vto);
  }
  if (!mesa) j->vtd = j->vt, j->vcritd = j->vcrit; /* one temperature for both junctions */
  j->gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &j->gmin);
  j->d = kh_general_at(e.node_pos), j->g = kh_general_at(in.gate), j->s = kh_general_at(e.node_neg);
  if (!isfinite(j->beta) || !isfinite(j->csat) || !isfinite(j->vto) || !isfinite(j->bfac))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: JFET '%s': model '%s' at %.2f K gives beta %g, IS %g, VTO %g: not "
                   "finite",
                   e.file, e.line, e.col, e.name, m, t, j->beta, j->csat, j->vto);
  return KH_OK;
}

/* A gate junction's current and conductance at v, GMIN across it (jfetload.c): the reverse
 * branch below -3 Vt is ngspice's cubic approach to -IS. */
static void junction(const kh_jfet *j, double gmin, double v, double *i, double *gv) {
  if (v < -3 * j->vt) {
    double arg = 3 * j->vt / (v * M_E);
    arg = arg * arg * arg;
    *i = -j->csat * (1 + arg) + gmin * v;
    *gv = j->csat * 3 * arg / v + gmin;
  } else {
    double ev = exp(v / j->vt);
    *i = j->csat * (ev - 1) + gmin * v;
    *gv = j->csat * ev / j->vt + gmin;
  }
}

/* A MESFET's channel (mesload.c, Statz et al.): beta vgst^2 / (1 + b vgst) times (1 + lambda vds)
 * and, below vds = 3 / alpha, times 1 - (1 - alpha vds / 3)^3; in the same conventions as the
 * JFET's (inverse mode for vds < 0, its gds less gm). */
static void mes_channel(const kh_jfet *j, double vgs, double vgd, double *cdrain, double *gm,
                        double *gds) {
  double vds = vgs - vgd, lam = j->lambda, beta = j->beta, a = j->alpha;
  int inverse = vds < 0;
  double vgt = (inverse ? vgd : vgs) - j->vto, sign = inverse ? -1 : 1;
  *cdrain = *gm = *gds = 0;
  if (vgt <= 0) return; /* cut off */
  double prod = 1 + sign * lam * vds, betap = beta * prod, denom = 1 + j->b * vgt;
  double inv = 1 / denom, lfact = 1, slope = 0;
  if (sign * vds < 3 / a) { /* linear */
    double afact = 1 + sign * -a * vds / 3;
    lfact = 1 - afact * afact * afact, slope = a * afact * afact * prod;
  }
  *cdrain = sign * betap * vgt * vgt * inv * lfact;
  *gm = sign * betap * vgt * (1 + denom) * inv * inv * lfact;
  *gds = beta * vgt * vgt * inv * (slope + lfact * lam) - (inverse ? *gm : 0);
}

/* The drain current (into the drain, out of the source) and its derivatives gm (by vgs) and gds
 * (by vds), normal mode for vds >= 0 and inverse mode otherwise (jfetload.c). */
static void channel(const kh_jfet *j, double vgs, double vgd, double *cdrain, double *gm,
                    double *gds) {
  if (j->mes) return mes_channel(j, vgs, vgd, cdrain, gm, gds);
  double vds = vgs - vgd, lam = j->lambda, b = j->b, beta = j->beta;
  *cdrain = *gm = *gds = 0;
  if (vds >= 0) {
    double vgst = vgs - j->vto;
    if (vgst <= 0) return; /* cut off */
    double betap = beta * (1 + lam * vds);
    if (vgst >= vds) { /* linear */
      double apart = 2 * b + 3 * j->bfac * (vgst - vds);
      double cpart = vds * (vds * (j->bfac * vds - b) + vgst * apart);
      *cdrain = betap * cpart;
      *gm = betap * vds * (apart + 3 * j->bfac * vgst);
      *gds = betap * (vgst - vds) * apart + beta * lam * cpart;
    } else { /* saturated */
      double bf = vgst * j->bfac, cpart = vgst * vgst * (b + bf);
      *gm = betap * vgst * (2 * b + 3 * bf);
      *cdrain = betap * cpart;
      *gds = lam * beta * cpart;
    }
    return;
  }
  double vgdt = vgd - j->vto;
  if (vgdt <= 0) return; /* inverse, cut off */
  double betap = beta * (1 - lam * vds);
  if (vgdt + vds >= 0) { /* inverse, linear */
    double apart = 2 * b + 3 * j->bfac * (vgdt + vds);
    double cpart = vds * (-vds * (-j->bfac * vds - b) + vgdt * apart);
    *cdrain = betap * cpart;
    *gm = betap * vds * (apart + 3 * j->bfac * vgdt);
    *gds = betap * (vgdt + vds) * apart - beta * lam * cpart - *gm;
  } else { /* inverse, saturated */
    double bf = vgdt * j->bfac, cpart = vgdt * vgdt * (b + bf);
    *gm = -betap * vgdt * (2 * b + 3 * bf);
    *cdrain = -betap * cpart;
    *gds = lam * beta * cpart - *gm;
  }
}

/* Everything at (vgs, vgd), in the NJF's signs. */
static kh_jfet_point evaluate(const kh_jfet *j, double gmin, double vgs, double vgd) {
  if (j->parker) return kh_jfet2_point(j, gmin, vgs, vgd);
  if (j->mesa) return kh_mesa_point(j, gmin, vgs, vgd);
  kh_jfet_point p;
  double cgs, cdrain;
  junction(j, gmin, vgs, &cgs, &p.ggs);
  junction(j, gmin, vgd, &p.cgd, &p.ggd);
  channel(j, vgs, vgd, &cdrain, &p.gm, &p.gds);
  p.cg = cgs + p.cgd, p.cd = cdrain - p.cgd;
  return p;
}

double kh_fetlim(double vnew, double vold, double vto) {
  double hi = fabs(2 * (vold - vto)) + 2, lo = fabs(vold - vto) + 1, vtox = vto + 3.5;
  double delv = vnew - vold;
  if (vold >= vto) {
    if (vold >= vtox) {
      if (delv <= 0) { /* going off */
        if (vnew >= vtox) {
          if (-delv > lo) vnew = vold - lo;
        } else {
          vnew = fmax(vnew, vto + 2);
        }
      } else if (delv >= hi) { /* staying on */
        vnew = vold + hi;
      }
    } else {
      vnew = delv <= 0 ? fmax(vnew, vto - 0.5) : fmin(vnew, vto + 4);
    }
  } else if (delv <= 0) {
    if (-delv > hi) vnew = vold - hi;
  } else {
    double top = vto + 0.5;
    if (vnew <= top) {
      if (delv > lo) vnew = vold + lo;
    } else {
      vnew = top;
    }
  }
  return vnew;
}

static double limit(const kh_jfet *j, double v, double vold, double vt, double vcrit,
                    int *limited) {
  double u = kh_pnjlim(v, vold, vt, vcrit, limited);
  u = kh_fetlim(u, vold, j->vto);
  if (kh_limit_moved(u, v)) *limited = 1;
  return u;
}

void kh_jfet_follow(kh_jfet *j, const double *x) {
  double vg = kh_general_value(x, j->g);
  j->vgs = j->type * (vg - kh_general_value(x, j->s));
  j->vgd = j->type * (vg - kh_general_value(x, j->d));
}

int kh_jfet_stamp(kh_general *g, kh_jfet *j, const double *x, int linearize) {
  double vg = kh_general_value(x, j->g);
  double vgs = j->type * (vg - kh_general_value(x, j->s)),
         vgd = j->type * (vg - kh_general_value(x, j->d));
  if (linearize && j->off && (j->cold || g->holding)) { /* `off`: jfetload.c holds it at 0 V */
    vgs = vgd = 0, g->limited |= j->cold, j->cold = 0;
    j->vgs = vgs, j->vgd = vgd;
  } else if (linearize && j->cold) { /* where jfetload.c starts, whatever x says */
    vgs = vgd = -1, j->cold = 0, g->limited = 1;
    j->vgs = vgs, j->vgd = vgd;
  } else if (linearize) {
    vgs = limit(j, vgs, j->vgs, j->vt, j->vcrit, &g->limited);
    vgd = limit(j, vgd, j->vgd, j->vtd, j->vcritd, &g->limited);
    j->vgs = vgs, j->vgd = vgd;
  }
  kh_jfet_point p = evaluate(j, kh_junction_gmin(g, j->gmin), vgs, vgd);
  double vds = vgs - vgd, m = j->m, t = j->type;
  double ceqgd = t * (p.cgd - p.ggd * vgd), ceqgs = t * ((p.cg - p.cgd) - p.ggs * vgs),
         cdreq = t * ((p.cd + p.cgd) - p.gds * vds - p.gm * vgs);
  kh_general_rhs(g, j->g, m * (-ceqgs - ceqgd));
  kh_general_rhs(g, j->d, m * (-cdreq + ceqgd));
  kh_general_rhs(g, j->s, m * (cdreq + ceqgs));
  long d = j->d, gt = j->g, s = j->s;
  return kh_general_stamp(g, gt, gt, m * (p.ggd + p.ggs)) | kh_general_stamp(g, gt, d, -m * p.ggd) |
         kh_general_stamp(g, gt, s, -m * p.ggs) | kh_general_stamp(g, d, gt, m * (p.gm - p.ggd)) |
         kh_general_stamp(g, d, d, m * (p.gds + p.ggd)) |
         kh_general_stamp(g, d, s, -m * (p.gds + p.gm)) |
         kh_general_stamp(g, s, gt, -m * (p.ggs + p.gm)) | kh_general_stamp(g, s, d, -m * p.gds) |
         kh_general_stamp(g, s, s, m * (p.gds + p.gm + p.ggs));
}

double kh_jfet_certify(const kh_general *g, const kh_jfet *j, long double *sum, double *mag) {
  double vd = kh_general_value(g->x, j->d), vgate = kh_general_value(g->x, j->g),
         vs = kh_general_value(g->x, j->s);
  double t = j->type, m = j->m;
  kh_jfet_point p = evaluate(j, kh_junction_gmin(g, j->gmin), t * (vgate - vs), t * (vgate - vd));
  double cgs = p.cg - p.cgd, cdrain = p.cd + p.cgd, ad = fabs(vd), ag = fabs(vgate), as = fabs(vs);
  /* three branches, each with the rounding scale of its own terms (general_mosfet.c says why) */
  kh_branch_terms(sum, mag, j->d, j->s, m * t * cdrain,
                  m * fmax(fabs(cdrain), (fabs(p.gm) + fabs(p.gds)) * (ad + ag + as)));
  kh_branch_terms(sum, mag, j->g, j->s, m * t * cgs, m * fmax(fabs(cgs), fabs(p.ggs) * (ag + as)));
  kh_branch_terms(sum, mag, j->g, j->d, m * t * p.cgd,
                  m * fmax(fabs(p.cgd), fabs(p.ggd) * (ag + ad)));
  return m * t * p.cd; /* into the drain */
}

double kh_limvds(double vnew, double vold) {
  if (vold >= 3.5) {
    if (vnew > vold) return fmin(vnew, 3 * vold + 2);
    return vnew < 3.5 ? fmax(vnew, 2) : vnew;
  }
  return vnew > vold ? fmin(vnew, 4) : fmax(vnew, -0.5);
}
