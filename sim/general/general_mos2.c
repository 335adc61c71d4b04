/* Level-2 MOSFETs in general Newton: ngspice 39's mos2 (mos2temp.c and the moseq2 part of
 * mos2load.c, read there), the Grove-Frohman model of SPICE2: the threshold with short-channel
 * (XJ) and narrow-width (DELTA) terms, weak inversion (NFS), mobility degradation (UCRIT, UEXP),
 * the saturation voltage from Grove-Frohman or, with VMAX, Baum's scattering-limited velocity (a
 * quartic solved in closed form), channel-length modulation from LAMBDA or from the depletion
 * width (NSUB, NEFF), and the punch-through limit on the shortened channel. The bulk junctions
 * are mos1's (general_mosfet.c). The drain current is computed on values in ngspice's order and
 * differentiated forward (dual.h): its conductances are exact for the function ngspice computes,
 * where mos2load.c's hand-written ones are not everywhere. */
#include "dual_names.h"
#include "general_impl.h"

#include <math.h>

void kh_mos2_setup(kh_mosfet *q, const kh_netlist *nl, const char *m, const kh_mosfet_instance *in,
                   double cox, double u0, double pb, double nsub) {
  kh_mos2 *l = &q->l2;
  l->leff = in->l - 2 * kh_model_number(nl, m, "ld", 0, NULL);
  double oxide = cox * l->leff * in->m * in->w; /* ngspice's OxideCap */
  l->factor =
      0.125 * kh_model_number(nl, m, "delta", 0, NULL) * 2.0 * M_PI * KH_EPS_SI / oxide * l->leff;
  double nfs = kh_model_number(nl, m, "nfs", 0, NULL);
  l->surface_states = nfs == 0 ? 0 : KH_CHARGE * nfs * 1e4 / oxide * in->m * in->w * l->leff;
  l->weak = nfs != 0;
  l->xd = nsub > 0 ? sqrt((KH_EPS_SI + KH_EPS_SI) / (KH_CHARGE * nsub * 1e6)) : 0;
  l->xj = kh_model_number(nl, m, "xj", 0, NULL);
  l->vmax = kh_model_number(nl, m, "vmax", 0, NULL);
  l->neff = kh_model_number(nl, m, "neff", 1, NULL);
  l->uexp = kh_model_number(nl, m, "uexp", 0, NULL);
  l->ucrit = kh_model_number(nl, m, "ucrit", 1e4, NULL) * 100 * KH_EPS_SI / cox;
  l->mobility = u0 * 1e-4; /* the card's U0, not at temperature: mos2load.c reads the model's */
  l->sbiarg = sqrt(pb);
}

/* sqrt(phi - vb) and its derivative in vb (mos2load.c's sarg and dsrgdb, or barg and dbrgdb with
 * vb the bulk to the drain), continued above vb = 0 by ngspice's reciprocal form; under: phi - vb
 * as ngspice writes it there. */
static void root_of_depletion(double phi, D vb, D under, D *root, D *slope) {
  if (vb.v <= 0) {
    *root = SQRT(under);
    *slope = CDIV(-0.5, *root);
  } else {
    double sphi = sqrt(phi), sphi3 = phi * sphi;
    *root = CDIV(sphi, ADDC(DIVC(MULC(vb, 0.5), phi), 1.0));
    *slope = MUL(MULC(*root, -0.5), DIVC(*root, sphi3));
  }
}

/* The threshold's terms (moseq2 up to its line 400): vbin, the body factor gamasd, von (with
 * NFS's vt xn added), argg = 1 / (vt xn), and sarg, barg, body = barg^3 - sarg^3. */
typedef struct {
  D phimvb, sarg, barg, vbin, gamasd, von, argg, body, sarg3;
  double vth;
} threshold;

static threshold threshold_at(const kh_mosfet *q, D v, D vb) {
  const kh_mos2 *l = &q->l2;
  threshold t;
  D dsrgdb, dbrgdb;
  t.phimvb = CSUB(q->tphi, vb);
  root_of_depletion(q->tphi, vb, t.phimvb, &t.sarg, &dsrgdb);
  root_of_depletion(q->tphi, SUB(vb, v), ADD(t.phimvb, v), &t.barg, &dbrgdb);
  t.vbin = ADD(K(q->tvbi * q->type), MULC(t.phimvb, l->factor));
  D dgddvb = K(0);
  t.gamasd = K(q->gamma);
  if (q->gamma > 0 || l->xd > 0) {
    D argss = K(0), argsd = K(0), dbargs = K(0), dbargd = K(0);
    if (l->xj > 0) {
      double two = 2.0 / l->xj, half = .5 * l->xj / l->leff;
      D args = SQRT(ADDC(MULC(MULC(t.sarg, l->xd), two), 1.0));
      D argd = SQRT(ADDC(MULC(MULC(t.barg, l->xd), two), 1.0));
      argss = MULC(ADDC(args, -1.0), half), argsd = MULC(ADDC(argd, -1.0), half);
      double tmp = 0.5 / l->leff;
      dbargs = DIV(MULC(MULC(dsrgdb, l->xd), tmp), args);
      dbargd = DIV(MULC(MULC(dbrgdb, l->xd), tmp), argd);
    }
    t.gamasd = MULC(SUB(CSUB(1.0, argss), argsd), q->gamma);
    dgddvb = MULC(ADD(dbargs, dbargd), -q->gamma);
  }
  t.von = ADD(t.vbin, MUL(t.gamasd, t.sarg));
  t.vth = t.von.v;
  t.argg = K(0);
  if (l->weak) { /* cdonco: the body factor's slope, which widens the subthreshold swing */
    D cdonco = ADDC(MULC(ADD(MUL(t.gamasd, dsrgdb), MUL(dgddvb, t.sarg)), -1), l->factor);
    D xn = ADD(K(1.0 + l->surface_states), cdonco), tmp = MULC(xn, q->vt);
    t.von = ADD(t.von, tmp);
    t.argg = CDIV(1.0, tmp);
  }
  t.sarg3 = MUL(MUL(t.sarg, t.sarg), t.sarg);
  t.body = SUB(MUL(MUL(t.barg, t.barg), t.barg), t.sarg3);
  return t;
}

/* The smallest positive root of x^4 + a1 x^3 + b1 x^2 + c1 x + d1 that mos2load.c accepts (the
 * quartic's value within 1e-6 there), by its closed form on values (Ferrari's resolvent cubic,
 * ngspice's real cube roots of magnitudes included), into *root; 0 when none is. */
static int quartic_root(double a1, double b1, double c1, double d1, double *root) {
  static const double sig1[4] = {1.0, -1.0, 1.0, -1.0}, sig2[4] = {1.0, 1.0, -1.0, -1.0};
  double a = -b1, b = a1 * c1 - 4.0 * d1, c = -d1 * (a1 * a1 - 4.0 * b1) - c1 * c1;
  double r = -a * a / 3.0 + b, s = 2.0 * a * a * a / 27.0 - a * b / 3.0 + c;
  double r3 = r * r * r, s2 = s * s, p = s2 / 4.0 + r3 / 27.0, p0 = fabs(p), p2 = sqrt(p0), y3;
  if (p < 0) {
    double ro = exp(log(sqrt(s2 / 4.0 + p0)) / 3.0), fi = atan(-2.0 * p2 / s);
    y3 = 2.0 * ro * cos(fi / 3.0) - a / 3.0;
  } else {
    double p3 = exp(log(fabs(-s / 2.0 + p2)) / 3.0), p4 = exp(log(fabs(-s / 2.0 - p2)) / 3.0);
    y3 = p3 + p4 - a / 3.0;
  }
  double a3 = sqrt(a1 * a1 / 4.0 - b1 + y3), b3 = sqrt(y3 * y3 / 4.0 - d1), x4[8];
  int found = 0, valid = 0;
  for (int i = 0; i < 4; i++) {
    double a4 = a1 / 2.0 + sig1[i] * a3, b4 = y3 / 2.0 + sig2[i] * b3;
    double delta4 = a4 * a4 / 4.0 - b4;
    if (delta4 < 0) continue;
    x4[found++] = -a4 / 2.0 + sqrt(delta4);
    x4[found++] = -a4 / 2.0 - sqrt(delta4);
  }
  for (int j = 0; j < found; j++) {
    double x = x4[j];
    if (x <= 0) continue;
    double poly = x * x * x * x + a1 * x * x * x;
    poly = poly + b1 * x * x + c1 * x + d1;
    if (fabs(poly) > 1.0e-6) continue;
    if (!valid++ || x <= *root) *root = x;
  }
  return valid > 0;
}

/* The root x of the quartic as a function of the voltages, by implicit differentiation: dx =
 * -(x^3 da1 + x^2 db1 + x dc1 + dd1) / P'(x). Exact for the root itself, where carrying the
 * derivatives through the closed form divides zero by zero at its square roots' cusps (seen at
 * GAMMA = 0, whose quartic is biquadratic). */
static D quartic_root_at(double x, D a1, D b1, D c1, D d1) {
  double slope = ((4 * x + 3 * a1.v) * x + 2 * b1.v) * x + c1.v;
  D r = K(x);
  for (int k = 0; k < 3; k++)
    r.d[k] = -(((a1.d[k] * x + b1.d[k]) * x + c1.d[k]) * x + d1.d[k]) / slope;
  return r;
}

/* vdsat (moseq2's line 500): Grove-Frohman's, or Baum's with VMAX (ueff the mobility). */
static D saturation_voltage(const kh_mosfet *q, const threshold *t, D vgsx, D ueff) {
  const kh_mos2 *l = &q->l2;
  double eta = 1.0 + l->factor;
  D gammad = DIVC(t->gamasd, eta), vdsat, over = DIVC(SUB(vgsx, t->vbin), eta);
  if (gammad.v > 0) {
    D gammd2 = MUL(gammad, gammad), argv = ADD(over, t->phimvb);
    if (argv.v <= 0.0) {
      vdsat = K(0);
    } else {
      D arg = SQRT(ADDC(DIV(MULC(argv, 4.0), gammd2), 1.0));
      vdsat = ADD(over, DIVC(MUL(gammd2, CSUB(1.0, arg)), 2.0));
      vdsat = kh_dual_max(vdsat, K(0.0));
    }
  } else {
    vdsat = kh_dual_max(over, K(0.0));
  }
  if (l->vmax <= 0) return vdsat;
  D v1 = ADD(over, t->phimvb), v2 = t->phimvb, xv = CDIV(l->vmax * l->leff, ueff);
  D a1 = DIVC(gammad, 0.75), b1 = MULC(ADD(v1, xv), -2.0), c1 = MUL(MULC(gammad, -2.0), xv);
  D d1 = SUB(SUB(MUL(MULC(v1, 2.0), ADD(v2, xv)), MUL(v2, v2)),
             MUL(MULC(gammad, 4.0 / 3.0), t->sarg3));
  double xvalid = 0;
  if (quartic_root(a1.v, b1.v, c1.v, d1.v, &xvalid)) {
    D x = quartic_root_at(xvalid, a1, b1, c1, d1);
    vdsat = SUB(MUL(x, x), t->phimvb);
  }
  return vdsat;
}

/* clfact, the shortened channel over Leff (moseq2's lines 600 to 700): xlamda from LAMBDA, or
 * where the card gives none, from the depletion width (NSUB; with VMAX through NEFF), and the
 * punch-through limit; bsarg and bodys: sqrt(phi - vb + vdsat) and bsarg^3 - sarg^3. */
static D length_factor(const kh_mosfet *q, const threshold *t, D v, D vb, D vdsat, D ueff, D *bsarg,
                       D *bodys) {
  const kh_mos2 *l = &q->l2;
  D xlamda = K(q->lambda), slope;
  *bsarg = K(0), *bodys = K(0);
  if (v.v != 0.0) {
    root_of_depletion(q->tphi, SUB(vb, vdsat), ADD(vdsat, t->phimvb), bsarg, &slope);
    *bodys = SUB(MUL(MUL(*bsarg, *bsarg), *bsarg), t->sarg3);
    if (l->xd > 0 && !(xlamda.v > 0.0) && l->vmax <= 0) {
      D argv = DIVC(SUB(v, vdsat), 4.0), sargv = SQRT(ADDC(MUL(argv, argv), 1.0));
      xlamda = MUL(CDIV(l->xd, MULC(v, l->leff)), SQRT(ADD(argv, sargv)));
    } else if (l->xd > 0 && !(xlamda.v > 0.0)) {
      double xdv = l->xd / sqrt(l->neff);
      D xlv = CDIV(l->vmax * xdv, MULC(ueff, 2.0));
      D xls = SQRT(ADD(MUL(xlv, xlv), kh_dual_max(SUB(v, vdsat), K(0.0))));
      xlamda = MUL(CDIV(xdv, MULC(v, l->leff)), SUB(xls, xlv));
    }
  }
  double xwb = l->xd * l->sbiarg, xld = l->leff - xwb;
  D clfact = CSUB(1.0, MUL(xlamda, v)), xleff = MULC(clfact, l->leff);
  D deltal = MULC(MUL(xlamda, v), l->leff);
  if (l->xd == 0) xwb = 0.25e-6; /* no NSUB */
  if (xleff.v < xwb) {           /* punch-through */
    xleff = CDIV(xwb, ADDC(DIVC(ADDC(deltal, -xld), xwb), 1.0));
    clfact = DIVC(xleff, l->leff);
  }
  return clfact;
}

/* (von - vbin - eta vds / 2) vds - gammad body / 1.5, moseq2's charge term at a drain voltage vx
 * (a gate voltage vg, the body term body). */
static D charge(D vg, D vbin, double eta, D vx, D gammad, D body) {
  D drive = SUB(SUB(vg, vbin), DIVC(MULC(vx, eta), 2.0));
  return SUB(MUL(drive, vx), DIVC(MUL(gammad, body), 1.5));
}

void kh_mos2_channel(const kh_mosfet *q, double vgs, double vds, double vbs, kh_mos_point *p) {
  const kh_mos2 *l = &q->l2;
  D vg = kh_dual_var(vgs, 0), v = kh_dual_var(vds, 1), vb = kh_dual_var(vbs, 2);
  threshold t = threshold_at(q, v, vb);
  p->von = t.von.v;
  if (!l->weak && vgs <= t.vbin.v) return; /* cut off */
  D vgst = SUB(vg, t.von), ufact = K(1.0), ueff = K(l->mobility);
  if (vgst.v > l->ucrit) { /* mobility degradation */
    ufact = kh_dual_exp(MULC(kh_dual_log(CDIV(l->ucrit, vgst)), l->uexp));
    ueff = MULC(ufact, l->mobility);
  }
  D vgsx = l->weak ? kh_dual_max(vg, t.von) : vg;
  D vdsat = saturation_voltage(q, &t, vgsx, ueff), bsarg, bodys;
  D beta1 = DIV(MULC(ufact, q->beta), length_factor(q, &t, v, vb, vdsat, ueff, &bsarg, &bodys));
  double eta = 1.0 + l->factor;
  if (vds <= 1.0e-10) { /* no current; ngspice's conductance there, that of the linear region */
    D gds = MUL(beta1, SUB(SUB(vgs <= t.von.v ? t.von : vg, t.vbin), MUL(t.gamasd, t.sarg)));
    if (vgs <= t.von.v) gds = l->weak ? MUL(gds, kh_dual_exp(MUL(t.argg, SUB(vg, t.von)))) : K(0);
    p->gds = gds.v;
    return;
  }
  D cdrain;
  if (l->weak && vgs <= t.von.v) { /* weak inversion */
    /* no current without a saturation voltage (where vgs > vth, mos2load.c keeps the previous
     * instance's, a slip that this reading does not copy) */
    if (vdsat.v <= 0) return;
    D vdson = kh_dual_min(vdsat, v), body = vds > vdsat.v ? bodys : t.body;
    D cdson = MUL(beta1, charge(t.von, t.vbin, eta, vdson, t.gamasd, body));
    cdrain = MUL(cdson, kh_dual_exp(MUL(t.argg, SUB(vg, t.von))));
  } else if (vds <= vdsat.v) { /* linear */
    cdrain = MUL(beta1, charge(vg, t.vbin, eta, v, t.gamasd, t.body));
  } else { /* saturated */
    cdrain = MUL(beta1, charge(vg, t.vbin, eta, vdsat, t.gamasd, bodys));
  }
  p->cdrain = cdrain.v, p->gm = cdrain.d[0], p->gds = cdrain.d[1], p->gmbs = cdrain.d[2];
}
