/* BSIM3 v3.3's DC currents (ngspice 39's b3ld.c up to its charges): the bulk junctions with
 * IJTH's linear continuation, and the channel: Vbseff, the threshold with short-channel,
 * narrow-width, DIBL and temperature terms, the subthreshold slope n, poly depletion, Vgsteff,
 * bias-dependent width and series resistance (RDSW), Abulk, the mobility (MOBMOD 1, 2, 3),
 * Vdsat, Vdseff, the Early voltages of channel-length modulation, DIBL and substrate current
 * induced body effect, the drain current and the substrate current (ALPHA0, ALPHA1, BETA0).
 * Written once on values in dual numbers (dual.h), in b3ld.c's order of operations, so that its
 * values are b3ld.c's and the Jacobian is exact for them; each smoothing branch follows b3ld.c's
 * test on the value. The variables are the mode's (drain and source swapped where vds < 0):
 * vgs, vds, vbs as b3ld.c's Vgs, Vds, Vbs, so that the derivatives are its gm, gds, gmbs. */
#include "dual_names.h"
#include "general_impl.h"

#include <math.h>

#define EPSSI 1.03594e-10
#define CHARGE_Q 1.60219e-19
#define MAX_EXP 5.834617425e14
#define MIN_EXP 1.713908431e-15
#define EXP_THRESHOLD 34.0

/* b3ld.c's guard x >= low ? 1 + x : (hi0 + hi1 x) / (lo0 + lo1 x) in its several forms: the
 * value where x is past the test, as it writes it. */
static D ratio(D num_c, double n1, D x, double d0, double d1) {
  return DIV(ADD(num_c, MULC(x, n1)), ADDC(MULC(x, d1), d0));
}

/* The body: Vbseff, Phis, sqrt(Phis) and Xdep. */
typedef struct {
  D vbseff, sqrt_phis, xdep;
} body;

static body body_at(const kh_bsim3 *b, D vbs) {
  body r;
  D t0 = ADDC(vbs, -b->vbsc - 0.001);
  D t1 = kh_dual_sqrt(ADDC(MUL(t0, t0), -0.004 * b->vbsc));
  r.vbseff = ADDC(MULC(ADD(t0, t1), 0.5), b->vbsc);
  if (r.vbseff.v < vbs.v) r.vbseff = vbs;
  if (r.vbseff.v > 0.0) {
    r.sqrt_phis = kh_dual_cdiv(b->phis3, ADDC(MULC(r.vbseff, 0.5), b->phi));
  } else {
    r.sqrt_phis = kh_dual_sqrt(kh_dual_csub(b->phi, r.vbseff));
  }
  r.xdep = kh_dual_divc(MULC(r.sqrt_phis, b->xdep0), b->sqrt_phi);
  return r;
}

/* T1 of b3ld.c's lt1 and ltw: 1 + dvt2 Vbseff, smoothed below -0.5. */
static D one_plus(double k, D vbseff) {
  D t0 = MULC(vbseff, k);
  if (t0.v >= -0.5) return ADDC(t0, 1.0);
  return ratio(K(1.0), 3.0, t0, 3.0, 8.0);
}

/* exp(t0) (1 + 2 exp(t0)), with b3ld.c's floor below -EXP_THRESHOLD. */
static D theta_of(D t0) {
  if (t0.v > -EXP_THRESHOLD) {
    D t1 = kh_dual_exp(t0);
    return MUL(t1, ADDC(MULC(t1, 2.0), 1.0));
  }
  return K(MIN_EXP * (1.0 + 2.0 * MIN_EXP));
}

typedef struct {
  D vth, n, theta0;
} threshold;

static threshold threshold_at(const kh_bsim3 *b, int type, const body *y, D vds) {
  threshold r;
  D t3 = kh_dual_sqrt(y->xdep);
  double v0 = b->vbi - b->phi, leff = b->leff;
  D lt1 = MULC(MUL(t3, one_plus(b->dvt2, y->vbseff)), b->factor1);
  D ltw = MULC(MUL(t3, one_plus(b->dvt2w, y->vbseff)), b->factor1);
  r.theta0 = theta_of(kh_dual_cdiv(-0.5 * b->dvt1 * leff, lt1));
  D delt_vth = MULC(MULC(r.theta0, b->dvt0), v0);
  D t2 = MULC(MULC(theta_of(kh_dual_cdiv(-0.5 * b->dvt1w * b->weff * leff, ltw)), b->dvt0w), v0);
  double t0 = sqrt(1.0 + b->nlx / leff);
  D t1 = ADDC(MULC(ADDC(MULC(y->vbseff, b->kt2), b->kt1 + b->kt1l / leff), b->temp_ratio),
              b->k1ox * (t0 - 1.0) * b->sqrt_phi);
  double tmp2 = b->tox * b->phi / (b->weff + b->w0);
  D eta = ADDC(MULC(y->vbseff, b->etab), b->eta0);
  if (eta.v < 1.0e-4) eta = DIV(kh_dual_csub(2.0e-4, eta), ADDC(MULC(eta, -2.0e4), 3.0));
  D dibl = MUL(MULC(eta, b->theta0vb0), vds);
  D vth;
  if (b->version == 3.1) { /* b3v1ld.c: K1 (sqrt(Phis) - sqrt(Phi)), rounded as it writes it */
    vth = ADDC(MULC(ADDC(y->sqrt_phis, -b->sqrt_phi), b->k1), type * b->vth0);
  } else {
    vth = ADDC(MULC(y->sqrt_phis, b->k1ox), type * b->vth0 - b->k1 * b->sqrt_phi);
  }
  vth = SUB(SUB(SUB(vth, MULC(y->vbseff, b->k2ox)), delt_vth), t2);
  vth = ADD(ADD(vth, MULC(ADDC(MULC(y->vbseff, b->k3b), b->k3), tmp2)), t1);
  r.vth = SUB(vth, dibl);
  D s2 = kh_dual_cdiv(b->nfactor * EPSSI, y->xdep);
  D s3 = ADD(ADDC(MULC(y->vbseff, b->cdscb), b->cdsc), MULC(vds, b->cdscd));
  D s4 = kh_dual_divc(ADDC(ADD(s2, MUL(s3, r.theta0)), b->cit), b->cox);
  r.n = s4.v >= -0.5 ? ADDC(s4, 1.0) : ratio(K(1.0), 3.0, s4, 3.0, 8.0);
  return r;
}

/* Poly-gate depletion (NGATE between 1e18 and 1e25): Vgs_eff. */
static D gate_effective(const kh_bsim3 *b, D vgs) {
  double t0 = b->vfb + b->phi;
  if (!(b->ngate > 1.e18 && b->ngate < 1.e25 && vgs.v > t0)) return vgs;
  double t1 = 1.0e6 * CHARGE_Q * EPSSI * b->ngate / (b->cox * b->cox);
  D t4 = kh_dual_sqrt(ADDC(kh_dual_divc(MULC(ADDC(vgs, -t0), 2.0), t1), 1.0));
  D t2 = MULC(ADDC(t4, -1.0), t1);
  D t3 = kh_dual_divc(MULC(MUL(t2, t2), 0.5), t1);
  D t7 = kh_dual_csub(1.12 - 0.05, t3);
  D t6 = kh_dual_sqrt(ADDC(MUL(t7, t7), 0.224));
  D t5 = kh_dual_csub(1.12, MULC(ADD(t7, t6), 0.5));
  return SUB(vgs, t5);
}

/* Vgsteff: b3ld.c's three regions. */
static D gate_overdrive(const kh_bsim3 *b, D vgst, D n) {
  double vtm = b->vtm;
  D t10 = MULC(n, 2.0 * vtm);
  D vgst_nvt = DIV(vgst, t10), exp_arg = DIV(kh_dual_csub(2.0 * b->voff, vgst), t10);
  if (vgst_nvt.v > EXP_THRESHOLD) return vgst;
  if (exp_arg.v > EXP_THRESHOLD) {
    D t0 = DIV(ADDC(vgst, -b->voff), MULC(n, vtm));
    return MULC(kh_dual_exp(t0), vtm * b->cdep0 / b->cox);
  }
  D t1 = MUL(t10, kh_dual_log(ADDC(kh_dual_exp(vgst_nvt), 1.0)));
  D dt2 = MULC(kh_dual_exp(exp_arg), -b->cox / (vtm * b->cdep0));
  D t2 = kh_dual_csub(1.0, MUL(t10, dt2));
  return DIV(t1, t2);
}

/* What the current reads of the channel at one bias. */
typedef struct {
  D vgsteff, weff, rds, abulk, ueff, esatl, lambda, vgst2vtm, vdsat;
} channel;

/* The bias-dependent width and series resistance, and Abulk. */
static void width_and_bulk(const kh_bsim3 *b, const body *y, channel *c) {
  D t9 = ADDC(y->sqrt_phis, -b->sqrt_phi);
  c->weff = kh_dual_csub(b->weff, MULC(ADD(MULC(c->vgsteff, b->dwg), MULC(t9, b->dwb)), 2.0));
  if (c->weff.v < 2.0e-8)
    c->weff = DIV(MULC(kh_dual_csub(4.0e-8, c->weff), 2.0e-8), ADDC(MULC(c->weff, -2.0), 6.0e-8));
  D t0 = ADD(MULC(c->vgsteff, b->prwg), MULC(t9, b->prwb));
  c->rds = t0.v >= -0.9 ? MULC(ADDC(t0, 1.0), b->rds0)
                        : MULC(ratio(K(0.8), 1.0, t0, 17.0, 20.0), b->rds0);
  D t1 = kh_dual_cdiv(0.5 * b->k1ox, y->sqrt_phis);
  D s9 = kh_dual_sqrt(MULC(y->xdep, b->xj));
  D t5 = kh_dual_cdiv(b->leff, ADDC(MULC(s9, 2.0), b->leff));
  D t2 = ADDC(MULC(t5, b->a0), b->b0 / (b->weff + b->b1));
  D t7 = MUL(t5, MUL(t5, t5));
  D abulk0 = ADDC(MUL(t1, t2), 1.0);
  D abulk = SUB(abulk0, MUL(MUL(t1, MULC(t7, b->ags * b->a0)), c->vgsteff));
  if (abulk.v < 0.1) abulk = DIV(kh_dual_csub(0.2, abulk), ADDC(MULC(abulk, -20.0), 3.0));
  D t2k = MULC(y->vbseff, b->keta);
  D scale = t2k.v >= -0.9 ? kh_dual_cdiv(1.0, ADDC(t2k, 1.0)) : ratio(K(17.0), 20.0, t2k, 0.8, 1.0);
  c->abulk = MUL(abulk, scale);
}

/* The effective mobility: MOBMOD 1, 2 or 3. */
static D mobility(const kh_bsim3 *b, const body *y, D vth, D vgsteff) {
  D t5;
  double tox = b->tox;
  if (b->mob_mod == 1) {
    D t3 = kh_dual_divc(ADD(ADD(vgsteff, vth), vth), tox);
    t5 = MUL(t3, ADD(ADDC(MULC(y->vbseff, b->uc), b->ua), MULC(t3, b->ub)));
  } else if (b->mob_mod == 2) {
    D u = ADD(ADDC(MULC(y->vbseff, b->uc), b->ua), kh_dual_divc(MULC(vgsteff, b->ub), tox));
    t5 = MUL(kh_dual_divc(vgsteff, tox), u);
  } else {
    D t3 = kh_dual_divc(ADD(ADD(vgsteff, vth), vth), tox);
    t5 = MUL(MUL(t3, ADDC(MULC(t3, b->ub), b->ua)), ADDC(MULC(y->vbseff, b->uc), 1.0));
  }
  D denomi = t5.v >= -0.8 ? ADDC(t5, 1.0) : ratio(K(0.6), 1.0, t5, 7.0, 10.0);
  return kh_dual_cdiv(b->u0temp, denomi);
}

kh_dual kh_bsim_lambda(double a1, double a2, kh_dual vgsteff) {
  if (a1 == 0.0) return K(a2);
  if (a1 > 0.0) {
    double t0 = 1.0 - a2;
    D t1 = kh_dual_csub(t0 - 0.0001, MULC(vgsteff, a1));
    D t2 = kh_dual_sqrt(ADDC(MUL(t1, t1), 0.0004 * t0));
    return kh_dual_csub(a2 + t0, MULC(ADD(t1, t2), 0.5));
  }
  D t1 = ADDC(MULC(vgsteff, a1), a2 - 0.0001);
  D t2 = kh_dual_sqrt(ADDC(MUL(t1, t1), 0.0004 * a2));
  return MULC(ADD(t1, t2), 0.5);
}

/* Lambda (A1, A2) and Vdsat. */
static void saturation(const kh_bsim3 *b, channel *c) {
  c->lambda = kh_bsim_lambda(b->a1, b->a2, c->vgsteff);
  D wvcox_rds = MUL(MULC(c->weff, b->vsattemp * b->cox), c->rds);
  if (c->rds.v == 0.0 && c->lambda.v == 1.0) {
    D t0 = kh_dual_cdiv(1.0, ADD(MUL(c->abulk, c->esatl), c->vgst2vtm));
    c->vdsat = MUL(MUL(c->esatl, c->vgst2vtm), t0);
    return;
  }
  D t9 = MUL(c->abulk, wvcox_rds), t7 = MUL(c->vgst2vtm, t9), t6 = MUL(c->vgst2vtm, wvcox_rds);
  D inv_lambda = kh_dual_cdiv(1.0, c->lambda);
  D t0 = MUL(MULC(c->abulk, 2.0), ADD(ADDC(t9, -1.0), inv_lambda));
  D t1 = ADD(ADD(MUL(c->vgst2vtm, ADDC(MULC(inv_lambda, 2.0), -1.0)), MUL(c->abulk, c->esatl)),
             MULC(t7, 3.0));
  D t2 = MUL(c->vgst2vtm, ADD(c->esatl, MULC(t6, 2.0)));
  D t3 = kh_dual_sqrt(SUB(MUL(t1, t1), MUL(MULC(t0, 2.0), t2)));
  c->vdsat = DIV(SUB(t1, t3), t0);
}

/* The Early voltages: Vasat, channel-length modulation, DIBL (its product with PVAG's factor
 * added to Vasat, b3ld.c's Va) and the substrate current induced body effect (VASCBE). */
static void early_voltages(const kh_bsim3 *b, const body *y, const channel *c, D diff_vds, D *va,
                           D *vascbe) {
  D wvcox_rds = MUL(MULC(c->weff, b->vsattemp * b->cox), c->rds);
  D tmp4 = kh_dual_csub(1.0, DIV(MULC(MUL(c->abulk, c->vdsat), 0.5), c->vgst2vtm));
  D t9 = MUL(wvcox_rds, c->vgsteff);
  D t0 = ADD(ADD(c->esatl, c->vdsat), MUL(MULC(t9, 2.0), tmp4));
  D t1 = ADD(ADDC(kh_dual_cdiv(2.0, c->lambda), -1.0), MUL(wvcox_rds, c->abulk));
  D vasat = DIV(t0, t1), vaclm = K(MAX_EXP), vadibl = K(MAX_EXP);
  if (b->pclm > 0.0 && diff_vds.v > 1.0e-10) {
    D s0 = kh_dual_cdiv(1.0, MULC(c->abulk, b->pclm * b->litl));
    D s1 = MULC(ADD(c->abulk, DIV(c->vgsteff, c->esatl)), b->leff);
    vaclm = MUL(MUL(s0, s1), diff_vds);
  }
  if (b->theta_rout > 0.0) {
    D t8 = MUL(c->abulk, c->vdsat), s0 = MUL(c->vgst2vtm, t8), s1 = ADD(c->vgst2vtm, t8);
    vadibl = kh_dual_divc(SUB(c->vgst2vtm, DIV(s0, s1)), b->theta_rout);
    D t7 = MULC(y->vbseff, b->pdiblb);
    vadibl =
        t7.v >= -0.9 ? DIV(vadibl, ADDC(t7, 1.0)) : MUL(vadibl, ratio(K(17.0), 20.0, t7, 0.8, 1.0));
  }
  D t9v = MUL(kh_dual_cdiv(b->pvag, c->esatl), c->vgsteff);
  D f = t9v.v > -0.9 ? ADDC(t9v, 1.0) : ratio(K(0.8), 1.0, t9v, 17.0, 20.0);
  *va = ADD(vasat, MUL(f, DIV(MUL(vaclm, vadibl), ADD(vaclm, vadibl))));
  *vascbe = K(MAX_EXP);
  if (b->pscbe2 > 0.0) {
    if (diff_vds.v > b->pscbe1 * b->litl / EXP_THRESHOLD) {
      D e = kh_dual_exp(kh_dual_cdiv(b->pscbe1 * b->litl, diff_vds));
      *vascbe = kh_dual_divc(MULC(e, b->leff), b->pscbe2);
    } else {
      *vascbe = K(MAX_EXP * b->leff / b->pscbe2);
    }
  }
}

/* The drain current Ids and the substrate current Isub at the mode's (vgs, vds, vbs). */
static void currents(const kh_bsim3 *b, int type, D vgs, D vds, D vbs, D *ids, D *isub,
                     double *von) {
  body y = body_at(b, vbs);
  threshold t = threshold_at(b, type, &y, vds);
  *von = t.vth.v;
  channel c;
  c.vgsteff = gate_overdrive(b, SUB(gate_effective(b, vgs), t.vth), t.n);
  width_and_bulk(b, &y, &c);
  c.ueff = mobility(b, &y, t.vth, c.vgsteff);
  c.esatl = MULC(kh_dual_cdiv(2.0 * b->vsattemp, c.ueff), b->leff);
  c.vgst2vtm = ADDC(c.vgsteff, 2.0 * b->vtm);
  saturation(b, &c);
  D t1 = ADDC(SUB(c.vdsat, vds), -b->delta);
  D t2 = kh_dual_sqrt(ADD(MUL(t1, t1), MULC(c.vdsat, 4.0 * b->delta)));
  D vdseff = SUB(c.vdsat, MULC(ADD(t1, t2), 0.5));
  if (vds.v == 0.0 && b->version > 3.2) vdseff = K(0.0); /* from v3.2.2 on */
  if (vdseff.v > vds.v) vdseff = vds;
  D diff_vds = SUB(vds, vdseff), va, vascbe;
  early_voltages(b, &y, &c, diff_vds, &va, &vascbe);
  D beta = MUL(c.ueff, kh_dual_divc(MULC(c.weff, b->cox), b->leff));
  D fgche1 = MUL(c.vgsteff, kh_dual_csub(1.0, DIV(MULC(MUL(c.abulk, vdseff), 0.5), c.vgst2vtm)));
  D fgche2 = ADDC(DIV(vdseff, c.esatl), 1.0);
  D gche = DIV(MUL(beta, fgche1), fgche2);
  D idl = MUL(gche, DIV(vdseff, ADDC(MUL(gche, c.rds), 1.0)));
  D idsa = MUL(idl, ADDC(DIV(diff_vds, va), 1.0));
  *ids = MUL(idsa, ADDC(DIV(diff_vds, vascbe), 1.0));
  *isub = K(0.0);
  double tmp = b->alpha0 + b->alpha1 * b->leff;
  if (tmp <= 0.0 || b->beta0 <= 0.0) return;
  double t2s = tmp / b->leff;
  D s1 = diff_vds.v > b->beta0 / EXP_THRESHOLD
             ? MUL(MULC(diff_vds, t2s), kh_dual_exp(kh_dual_cdiv(-b->beta0, diff_vds)))
             : MULC(diff_vds, t2s * MIN_EXP);
  *isub = MUL(s1, idsa);
}

/* A bulk junction (b3ld.c): the diode, linear from IJTH's voltage vjm up, GMIN across. */
static void junction(const kh_bsim3 *b, double sat, double vjm, double isev, double gmin, double v,
                     double *i, double *g) {
  if (sat <= 0.0) {
    *g = gmin, *i = gmin * v;
  } else if (b->version == 3.1 && v >= 0.5) { /* BSIM3v1: linear from 0.5 V, no IJTH */
    double ev = exp(0.5 / b->nvtm), t0 = sat * ev / b->nvtm;
    *g = t0 + gmin, *i = sat * (ev - 1.0) + t0 * (v - 0.5) + gmin * v;
  } else if (b->version == 3.1 || b->ijth == 0.0 || v < vjm) {
    double ev = exp(v / b->nvtm);
    *g = sat * ev / b->nvtm + gmin, *i = sat * (ev - 1.0) + gmin * v;
  } else if (b->version == 3.2) { /* BSIM3v32's first revision continues from IJTH itself */
    double t0 = (sat + b->ijth) / b->nvtm;
    *g = t0 + gmin, *i = b->ijth + gmin * v + t0 * (v - vjm);
  } else {
    double t0 = isev / b->nvtm;
    *g = t0 + gmin, *i = isev - sat + t0 * (v - vjm) + gmin * v;
  }
  if (b->version == 3.1) /* b3v1ld.c loads cbs - (gbs - GMIN) vbs: GMIN twice in the current, */
    *i += gmin * v;      /* once in gbs (the Jacobian's, as ngspice stamps it) */
}

kh_mos_point kh_bsim3_evaluate(const kh_mosfet *q, double gmin, double vgs, double vds,
                               double vbs) {
  const kh_bsim3 *b = &q->b3;
  kh_mos_point p = {0};
  double vbd = vbs - vds, m = b->m;
  junction(b, b->source_sat, b->vjsm, b->is_evjsm, gmin, vbs, &p.cbs, &p.gbs);
  junction(b, b->drain_sat, b->vjdm, b->is_evjdm, gmin, vbd, &p.cbd, &p.gbd);
  p.mode = vds >= 0 ? 1 : -1;
  D ids, isub;
  currents(b, q->type, kh_dual_var(p.mode > 0 ? vgs : vgs - vds, 0), kh_dual_var(p.mode * vds, 1),
           kh_dual_var(p.mode > 0 ? vbs : vbd, 2), &ids, &isub, &p.von);
  p.cbs *= m, p.gbs *= m, p.cbd *= m, p.gbd *= m;
  p.cdrain = m * ids.v, p.gm = m * ids.d[0], p.gds = m * ids.d[1], p.gmbs = m * ids.d[2];
  p.csub = m * isub.v, p.gbgs = m * isub.d[0], p.gbds = m * isub.d[1], p.gbbs = m * isub.d[2];
  return p;
}
