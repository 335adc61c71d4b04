/* Level-3 MOSFETs in general Newton: ngspice 39's mos3 (mos3temp.c and the moseq3 part of
 * mos3load.c, read there), the semi-empirical model of the SPICE2 era that vendors' power-MOSFET
 * subcircuits still use: the threshold with short-channel (XJ) and narrow-width (DELTA) terms
 * and static feedback (ETA), weak inversion (NFS), mobility modulation (THETA), velocity
 * saturation (VMAX), channel-length modulation (KAPPA) with punch-through, and bulk junctions
 * whose reverse current is the diode's cubic tail. The operations follow ngspice's order so that
 * the rounding does too. general_mosfet.c holds what the levels share (process parameters,
 * temperature, limiting, the stamp). */
#include "general_impl.h"

#include <math.h>

void kh_mos3_setup(kh_mosfet *q, const kh_netlist *nl, const char *m, const kh_mosfet_instance *in,
                   double cox, double u0, double ratio) {
  kh_mos3 *l = &q->l3;
  l->ld = kh_model_number(nl, m, "ld", 0, NULL);
  l->leff = in->l - 2 * l->ld + kh_model_number(nl, m, "xl", 0, NULL);
  l->weff =
      in->w - 2 * kh_model_number(nl, m, "wd", 0, NULL) + kh_model_number(nl, m, "xw", 0, NULL);
  l->eta = kh_model_number(nl, m, "eta", 0, NULL) * 8.15e-22 / (cox * l->leff * l->leff * l->leff);
  l->theta = kh_model_number(nl, m, "theta", 0, NULL);
  l->vmax = kh_model_number(nl, m, "vmax", 0, NULL);
  l->kappa = kh_model_number(nl, m, "kappa", 0.2, NULL);
  l->xj = kh_model_number(nl, m, "xj", 0, NULL);
  double nfs = kh_model_number(nl, m, "nfs", 0, NULL), oxide = cox * l->leff * in->m * l->weff;
  l->csonco = nfs == 0 ? 0 : KH_CHARGE * nfs * 1e4 * l->leff * l->weff * in->m / oxide;
  l->narrow = kh_model_number(nl, m, "delta", 0, NULL) * 0.5 * M_PI * KH_EPS_SI / cox / l->weff;
  int nsub_given;
  double nsub = kh_model_number(nl, m, "nsub", 0, &nsub_given);
  l->alpha = nsub_given ? (KH_EPS_SI + KH_EPS_SI) / (KH_CHARGE * nsub * 1e6) : 0;
  l->xd = sqrt(l->alpha);
  l->surf_mob = u0 / (ratio * sqrt(ratio));
}

/* The bulk junction (mos3load.c): the diode's cubic reverse tail below -3 Vt, GMIN across. */
static void junction(double vt, double gmin, double sat, double v, double *i, double *gv) {
  if (v <= -3 * vt) {
    double arg = 3 * vt / (v * M_E);
    arg = arg * arg * arg;
    *i = -sat * (1 + arg) + gmin * v, *gv = sat * 3 * arg / v + gmin;
  } else {
    double ev = exp(fmin(709, v / vt));
    *gv = sat * ev / vt + gmin, *i = sat * (ev - 1) + gmin * v;
  }
}

/* The threshold and turn-on voltages and their derivatives at vb (the bulk to the source as the
 * mode sees it) and v = mode * vds: moseq3's square-root, short-channel and body-effect terms. */
typedef struct {
  double sqphbs, phibs, dsqdvb, fbody, dfbdvb, onfbdy, qbonco, dqbdvb;
  double vth, dvtdvd, dvtdvb, von, xn, dxndvb, dvodvd, dvodvb;
} threshold;

static void short_channel(const kh_mos3 *l, const threshold *t, double *fshort, double *dfsdvb) {
  static const double coeff0 = 0.0631353, coeff1 = 0.8013292, coeff2 = -0.01110777;
  *fshort = 1, *dfsdvb = 0;
  if (l->xj == 0 || l->xd == 0) return;
  double wps = l->xd * t->sqphbs, oneoverxj = 1 / l->xj, xjonxl = l->xj * (1 / l->leff);
  double djonxj = l->ld * oneoverxj, wponxj = wps * oneoverxj;
  double wconxj = coeff0 + coeff1 * wponxj + coeff2 * wponxj * wponxj;
  double arga = wconxj + djonxj, argc = wponxj / (1 + wponxj), argb = sqrt(1 - argc * argc);
  *fshort = 1 - xjonxl * (arga * argb - djonxj);
  double dwpdvb = l->xd * t->dsqdvb;
  double dadvb = (coeff1 + coeff2 * (wponxj + wponxj)) * dwpdvb * oneoverxj;
  double dbdvb = -argc * argc * (1 - argc) * dwpdvb / (argb * wps);
  *dfsdvb = -xjonxl * (dadvb * argb + arga * dbdvb);
}

static threshold threshold_at(const kh_mosfet *q, double vb, double v) {
  const kh_mos3 *l = &q->l3;
  threshold t = {0};
  if (vb <= 0) {
    t.phibs = q->tphi - vb, t.sqphbs = sqrt(t.phibs), t.dsqdvb = -0.5 / t.sqphbs;
  } else {
    double sqphis = sqrt(q->tphi), sqphs3 = q->tphi * sqphis;
    t.sqphbs = sqphis / (1 + vb / (q->tphi + q->tphi));
    t.phibs = t.sqphbs * t.sqphbs, t.dsqdvb = -t.phibs / (sqphs3 + sqphs3);
  }
  double fshort, dfsdvb;
  short_channel(l, &t, &fshort, &dfsdvb);
  double gammas = q->gamma * fshort, fbodys = 0.5 * gammas / (t.sqphbs + t.sqphbs);
  t.fbody = fbodys + l->narrow, t.onfbdy = 1 / (1 + t.fbody);
  t.dfbdvb = -fbodys * t.dsqdvb / t.sqphbs + fbodys * dfsdvb / fshort;
  t.qbonco = gammas * t.sqphbs + l->narrow * t.phibs;
  t.dqbdvb = gammas * t.dsqdvb + q->gamma * dfsdvb * t.sqphbs - l->narrow;
  t.vth = q->tvbi * q->type - l->eta * v + t.qbonco;
  t.dvtdvd = -l->eta, t.dvtdvb = t.dqbdvb, t.von = t.vth;
  if (l->csonco != 0) { /* NFS: weak inversion below von */
    t.xn = 1 + l->csonco + t.qbonco / (t.phibs + t.phibs);
    t.von = t.vth + q->vt * t.xn;
    t.dxndvb = t.dqbdvb / (t.phibs + t.phibs) - t.qbonco * t.dsqdvb / (t.phibs * t.sqphbs);
    t.dvodvd = t.dvtdvd, t.dvodvb = t.dvtdvb + q->vt * t.dxndvb;
  }
  return t;
}

/* The channel's state between moseq3's stages: vgsx the gate voltage (at least von), the
 * mobility factor fgate (onfg its inverse) and its derivatives, vdsat and its derivatives, the
 * velocity-saturation terms (vdsc's inverse onvdsc, fdrain and its derivatives). */
typedef struct {
  double vgsx, onfg, fgate, dfgdvg, dfgdvd, dfgdvb;
  double vdsat, dvsdvg, dvsdvd, dvsdvb, onvdsc, fdrain, dfddvg, dfddvd, dfddvb;
} channel;

static void saturation_voltage(const kh_mosfet *q, const threshold *t, channel *c) {
  const kh_mos3 *l = &q->l3;
  c->vdsat = (c->vgsx - t->vth) * t->onfbdy;
  if (l->vmax <= 0) {
    c->dvsdvg = t->onfbdy, c->dvsdvd = -c->dvsdvg * t->dvtdvd;
    c->dvsdvb = -c->dvsdvg * t->dvtdvb - c->vdsat * t->dfbdvb * t->onfbdy;
    return;
  }
  double us = l->surf_mob * 1e-4 * c->fgate, vdsc = l->leff * l->vmax / us;
  c->onvdsc = 1 / vdsc;
  double arga = (c->vgsx - t->vth) * t->onfbdy, argb = sqrt(arga * arga + vdsc * vdsc);
  c->vdsat = arga + vdsc - argb;
  double dvsdga = (1 - arga / argb) * t->onfbdy;
  c->dvsdvg = dvsdga - (1 - vdsc / argb) * vdsc * c->dfgdvg * c->onfg;
  c->dvsdvd = -c->dvsdvg * t->dvtdvd;
  c->dvsdvb = -c->dvsdvg * t->dvtdvb - arga * dvsdga * t->dfbdvb;
}

/* The drain current in strong inversion before channel-length modulation, with its velocity
 * saturation (p's cdrain, gm, gds and gmbs), at v = mode * vds and vdsx = min(v, vdsat) > 0. */
static void strong_inversion(const kh_mosfet *q, const threshold *t, channel *c, double v,
                             double vdsx, kh_mos_point *p) {
  double cdo = c->vgsx - t->vth - 0.5 * (1 + t->fbody) * vdsx;
  double dcodvb = -t->dvtdvb - 0.5 * t->dfbdvb * vdsx, cdnorm = cdo * vdsx;
  p->gm = vdsx;
  p->gds = v > c->vdsat ? -t->dvtdvd * vdsx : c->vgsx - t->vth - (1 + t->fbody + t->dvtdvd) * vdsx;
  p->gmbs = dcodvb * vdsx;
  double cd1 = q->beta * cdnorm, beta = q->beta * c->fgate;
  p->cdrain = beta * cdnorm;
  p->gm = beta * p->gm + c->dfgdvg * cd1;
  p->gds = beta * p->gds + c->dfgdvd * cd1;
  p->gmbs = beta * p->gmbs + c->dfgdvb * cd1;
  if (q->l3.vmax <= 0) return;
  c->fdrain = 1 / (1 + vdsx * c->onvdsc);
  double fd2 = c->fdrain * c->fdrain, arga = fd2 * vdsx * c->onvdsc * c->onfg;
  c->dfddvg = -c->dfgdvg * arga;
  c->dfddvd = v > c->vdsat ? -c->dfgdvd * arga : -c->dfgdvd * arga - fd2 * c->onvdsc;
  c->dfddvb = -c->dfgdvb * arga;
  p->gm = c->fdrain * p->gm + c->dfddvg * p->cdrain;
  p->gds = c->fdrain * p->gds + c->dfddvd * p->cdrain;
  p->gmbs = c->fdrain * p->gmbs + c->dfddvb * p->cdrain;
  p->cdrain = c->fdrain * p->cdrain;
}

/* How far the channel's pinch-off point moves in and its derivatives, in d: delxl, ddldvg,
 * ddldvd, ddldvb and dldvd; 0 where moseq3 goes straight to its line 700 (no modulation). */
static int length_change(const kh_mosfet *q, const channel *c, const kh_mos_point *p, double v,
                         double d[5]) {
  const kh_mos3 *l = &q->l3;
  double *dldvd = &d[4];
  if (v <= c->vdsat) {
    if (l->vmax > 0 || l->alpha == 0) return 0;
    double arga = v / c->vdsat;
    d[0] = sqrt(l->kappa * l->alpha * c->vdsat / 8);
    *dldvd = 4 * d[0] * arga * arga * arga / c->vdsat;
    arga *= arga, arga *= arga;
    d[0] *= arga, d[1] = 0, d[2] = -*dldvd, d[3] = 0;
    return 1;
  }
  if (l->vmax <= 0) { /* moseq3's line 510 */
    d[0] = sqrt(l->kappa * l->alpha * (v - c->vdsat + c->vdsat / 8));
    *dldvd = 0.5 * d[0] / (v - c->vdsat + c->vdsat / 8);
    d[1] = 0, d[2] = -*dldvd, d[3] = 0;
    return 1;
  }
  if (l->alpha == 0) return 0;
  double cdsat = p->cdrain, gdsat = fmax(1e-12, cdsat * (1 - c->fdrain) * c->onvdsc);
  double gdoncd = gdsat / cdsat, gdonfd = gdsat / (1 - c->fdrain), gdonfg = gdsat * c->onfg;
  double dgdvg = gdoncd * p->gm - gdonfd * c->dfddvg + gdonfg * c->dfgdvg;
  double dgdvd = gdoncd * p->gds - gdonfd * c->dfddvd + gdonfg * c->dfgdvd;
  double dgdvb = gdoncd * p->gmbs - gdonfd * c->dfddvb + gdonfg * c->dfgdvb;
  double emax = l->kappa * cdsat * (1 / l->leff) / gdsat, emoncd = emax / cdsat,
         emongd = emax / gdsat;
  double demdvg = emoncd * p->gm - emongd * dgdvg, demdvd = emoncd * p->gds - emongd * dgdvd,
         demdvb = emoncd * p->gmbs - emongd * dgdvb;
  double arga = 0.5 * emax * l->alpha, argc = l->kappa * l->alpha;
  double argb = sqrt(arga * arga + argc * (v - c->vdsat)), dldem = 0;
  d[0] = argb - arga, *dldvd = 0;
  if (argb != 0) *dldvd = argc / (argb + argb), dldem = 0.5 * (arga / argb - 1) * l->alpha;
  d[1] = dldem * demdvg, d[2] = dldem * demdvd - *dldvd, d[3] = dldem * demdvb;
  return 1;
}

/* Channel-length modulation with the punch-through approximation (moseq3's lines 520 on);
 * returns gds0, which weak inversion uses. */
static double length_modulation(const kh_mosfet *q, const channel *c, double v, kh_mos_point *p) {
  double d[5] = {0}, leff = q->l3.leff;
  if (!length_change(q, c, p, v, d)) return 0;
  double delxl = d[0], ddldvg = d[1], ddldvd = d[2], ddldvb = d[3], dldvd = d[4];
  if (delxl > 0.5 * leff) {
    delxl = leff - (leff * leff / (4 * delxl));
    double arga = 4 * (leff - delxl) * (leff - delxl) / (leff * leff);
    ddldvg *= arga, ddldvd *= arga, ddldvb *= arga, dldvd *= arga;
  }
  double xlfact = 1 / (1 - delxl * (1 / leff));
  p->cdrain = p->cdrain * xlfact;
  double diddl = p->cdrain / (leff - delxl);
  p->gm = p->gm * xlfact + diddl * ddldvg;
  p->gmbs = p->gmbs * xlfact + diddl * ddldvb;
  double gds0 = diddl * ddldvd;
  p->gm = p->gm + gds0 * c->dvsdvg;
  p->gmbs = p->gmbs + gds0 * c->dvsdvb;
  p->gds = p->gds * xlfact + diddl * dldvd + gds0 * c->dvsdvd;
  return gds0;
}

/* Below von with NFS: the strong-inversion current at von scaled down exponentially (line 700). */
static void weak_inversion(const kh_mosfet *q, const threshold *t, const channel *c, double vg,
                           double v, double gds0, kh_mos_point *p) {
  double onxn = 1 / t->xn, ondvt = onxn / q->vt, wfact = exp((vg - t->von) * ondvt);
  p->cdrain = p->cdrain * wfact;
  double gms = p->gm * wfact, gmw = p->cdrain * ondvt;
  p->gm = gmw;
  if (v > c->vdsat) p->gm = p->gm + gds0 * c->dvsdvg * wfact;
  p->gds = p->gds * wfact + (gms - gmw) * t->dvodvd;
  p->gmbs = p->gmbs * wfact + (gms - gmw) * t->dvodvb - gmw * (vg - t->von) * onxn * t->dxndvb;
}

kh_mos_point kh_mos3_evaluate(const kh_mosfet *q, double gmin, double vgs, double vds, double vbs) {
  kh_mos_point p = {0};
  double vbd = vbs - vds, vgd = vgs - vds;
  junction(q->vt, gmin, q->source_sat, vbs, &p.cbs, &p.gbs);
  junction(q->vt, gmin, q->drain_sat, vbd, &p.cbd, &p.gbd);
  p.mode = vds >= 0 ? 1 : -1;
  double vg = p.mode == 1 ? vgs : vgd, v = p.mode * vds;
  threshold t = threshold_at(q, p.mode == 1 ? vbs : vbd, v);
  p.von = t.von;
  if (q->l3.csonco == 0 && vg <= t.von) return p; /* cut off */
  channel c = {.vgsx = fmax(vg, t.von)};
  c.onfg = 1 + q->l3.theta * (c.vgsx - t.vth), c.fgate = 1 / c.onfg;
  c.dfgdvg = -q->l3.theta * c.fgate * c.fgate;
  c.dfgdvd = -c.dfgdvg * t.dvtdvd, c.dfgdvb = -c.dfgdvg * t.dvtdvb;
  saturation_voltage(q, &t, &c);
  double vdsx = fmin(v, c.vdsat);
  if (vdsx == 0) { /* moseq3's line 900 */
    p.gds = q->beta * c.fgate * (c.vgsx - t.vth);
    if (q->l3.csonco != 0 && vg < t.von) p.gds *= exp((vg - t.von) / (q->vt * t.xn));
    return p;
  }
  strong_inversion(q, &t, &c, v, vdsx, &p);
  double gds0 = length_modulation(q, &c, v, &p);
  if (vg < t.von) weak_inversion(q, &t, &c, vg, v, gds0, &p);
  return p;
}
