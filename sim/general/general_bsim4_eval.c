/* BSIM4 4.8.2's DC currents (ngspice 39's b4ld.c up to its charges, at RDSMOD=0 and without the
 * gate tunnelling currents): the bulk junctions (DIOMOD 0, 1, 2) with trap-assisted tunnelling;
 * the channel: Vbseff, the threshold with short-channel, narrow-width, DIBL, pocket (DVTP0-5)
 * and temperature terms, the subthreshold slope n, poly depletion, Vgsteff with MINV, the
 * bias-dependent width and internal series resistance (RDSW), Abulk, the mobility (MOBMOD 0 to
 * 6), Vdsat, Vdseff, velocity overshoot (LAMBDA), the Early voltages (CLM with FPROUT and PVAG,
 * DIBL, DITS, SCBE), the drain current and the source-end velocity limit (VTL); the substrate
 * current (ALPHA0, ALPHA1, BETA0) and GIDL/GISL (GIDLMOD 0 and 1). Written once on values in
 * dual numbers (dual.h), in b4ld.c's order of operations, so that its values are b4ld.c's and
 * the Jacobian is exact for them; each smoothing branch follows b4ld.c's test on the value. The
 * dual variables are the terminals' (vgs, vds, vbs), so that every current's derivatives are
 * its conductances as stamped; the channel reads the mode's voltages (drain and source swapped
 * where vds < 0) made of them. */
#include "dual_names.h"
#include "general_impl.h"

#include <math.h>

#define EPSSI 1.03594e-10
#define CHARGE_Q 1.60219e-19
#define MAX_EXP 5.834617425e14
#define MIN_EXP 1.713908431e-15
#define EXP_THRESHOLD 34.0
#define MAX_EXPL 2.688117142e+43
#define MIN_EXPL 3.720075976e-44
#define EXPL_THRESHOLD 100.0

/* b4ld.c's DEXP: exp with linear continuation above EXP_THRESHOLD, MIN_EXP below. */
static D dexp(D a) {
  if (a.v > EXP_THRESHOLD) return MULC(ADDC(a, 1.0 - EXP_THRESHOLD), MAX_EXP);
  if (a.v < -EXP_THRESHOLD) return K(MIN_EXP);
  return kh_dual_exp(a);
}

/* b4ld.c's guard x >= low ? 1 + x : (n0 + n1 x) / (d0 + d1 x), the value where x is past it. */
static D ratio(double n0, double n1, D x, double d0, double d1) {
  return DIV(ADDC(MULC(x, n1), n0), ADDC(MULC(x, d1), d0));
}

/* The body: Vbseff (with the forward-bias correction), Phis, sqrt(Phis) and Xdep. */
typedef struct {
  D vbseff, sqrt_phis, xdep;
} body;

static body body_at(const kh_bsim4 *b, D vbs) {
  body r;
  D t0 = ADDC(vbs, -b->vbsc - 0.001);
  D t1 = SQRT(ADDC(MUL(t0, t0), -0.004 * b->vbsc));
  if (t0.v >= 0.0) {
    r.vbseff = ADDC(MULC(ADD(t0, t1), 0.5), b->vbsc);
  } else {
    D t2 = kh_dual_cdiv(-0.002, SUB(t1, t0));
    r.vbseff = MULC(ADDC(t2, 1.0), b->vbsc);
  }
  double t9 = 0.95 * b->phi;
  t0 = kh_dual_csub(t9 - 0.001, r.vbseff);
  t1 = SQRT(ADDC(MUL(t0, t0), 0.004 * t9));
  r.vbseff = kh_dual_csub(t9, MULC(ADD(t0, t1), 0.5));
  r.sqrt_phis = SQRT(kh_dual_csub(b->phi, r.vbseff));
  r.xdep = kh_dual_divc(MULC(r.sqrt_phis, b->xdep0), b->sqrt_phi);
  return r;
}

/* 1 + k Vbseff, smoothed below -0.5 (lt1's and ltw's). */
static D one_plus(double k, D vbseff) {
  D t0 = MULC(vbseff, k);
  return t0.v >= -0.5 ? ADDC(t0, 1.0) : ratio(1.0, 3.0, t0, 3.0, 8.0);
}

/* b4ld.c's Theta0 form exp(t0) / ((exp(t0) - 1)^2 + 2 exp(t0) MIN_EXP). */
static D theta_of(D t0) {
  if (!(t0.v < EXP_THRESHOLD)) return K(1.0 / (MAX_EXP - 2.0));
  D t1 = kh_dual_exp(t0), t2 = ADDC(t1, -1.0);
  return DIV(t1, ADD(MUL(t2, t2), MULC(t1, 2.0 * MIN_EXP)));
}

typedef struct {
  D vth, n, lpe_vb, vth_narrow_w;
} threshold;

static threshold threshold_at(const kh_bsim4 *b, int type, const body *y, D vds) {
  threshold r;
  D t3 = SQRT(y->xdep);
  double v0 = b->vbi - b->phi, leff = b->leff;
  D lt1 = MUL(MULC(t3, b->factor1), one_plus(b->dvt2, y->vbseff));
  D ltw = MUL(MULC(t3, b->factor1), one_plus(b->dvt2w, y->vbseff));
  D theta0 = theta_of(kh_dual_cdiv(b->dvt1 * leff, lt1));
  D delt_vth = MULC(MULC(theta0, b->dvt0), v0);
  D t2 = MULC(MULC(theta_of(kh_dual_cdiv(b->dvt1w * b->weff * leff, ltw)), b->dvt0w), v0);
  double t0 = sqrt(1.0 + b->lpe0 / leff);
  D t1 = ADDC(MULC(ADDC(MULC(y->vbseff, b->kt2), b->kt1 + b->kt1l / leff), b->temp_ratio),
              b->k1ox * (t0 - 1.0) * b->sqrt_phi);
  r.vth_narrow_w = K(b->toxe * b->phi / (b->weff + b->w0));
  D eta = ADDC(MULC(y->vbseff, b->etab), b->eta0);
  if (eta.v < 1.0e-4) eta = DIV(kh_dual_csub(2.0e-4, eta), ADDC(MULC(eta, -2.0e4), 3.0));
  D dibl = MUL(MULC(eta, b->theta0vb0), vds);
  r.lpe_vb = K(sqrt(1.0 + b->lpeb / leff));
  D vth =
      ADDC(MUL(ADDC(MULC(y->sqrt_phis, b->k1ox), -b->k1 * b->sqrt_phi), r.lpe_vb), type * b->vth0);
  vth = SUB(SUB(SUB(vth, MULC(y->vbseff, b->k2ox)), delt_vth), t2);
  vth = ADD(ADD(vth, MUL(ADDC(MULC(y->vbseff, b->k3b), b->k3), r.vth_narrow_w)), t1);
  vth = SUB(vth, dibl);
  D tmp1 = kh_dual_cdiv(EPSSI, y->xdep), tmp2 = MULC(tmp1, b->nfactor);
  D tmp3 = ADD(ADDC(MULC(y->vbseff, b->cdscb), b->cdsc), MULC(vds, b->cdscd));
  D tmp4 = kh_dual_divc(ADDC(ADD(tmp2, MUL(tmp3, theta0)), b->cit), b->coxe);
  r.n = tmp4.v >= -0.5 ? ADDC(tmp4, 1.0) : ratio(1.0, 3.0, tmp4, 3.0, 8.0);
  if (b->dvtp0 > 0.0) { /* the pocket implant's */
    D e = MULC(vds, -b->dvtp1);
    D t2p = e.v < -EXP_THRESHOLD ? K(MIN_EXP) : kh_dual_exp(e);
    D t3p = ADDC(MULC(ADDC(t2p, 1.0), b->dvtp0), leff);
    double vt = b->temp_mod < 2 ? b->vtm : b->vtm0;
    vth = SUB(vth, MUL(r.n, MULC(kh_dual_log(kh_dual_cdiv(leff, t3p)), vt)));
  }
  if (b->dvtp4 != 0.0 && b->dvtp2factor != 0.0) { /* v4.7's DITS shift */
    D t0d = dexp(MULC(vds, 2.0 * b->dvtp4));
    vth = SUB(vth, MULC(DIV(ADDC(t0d, -1.0), ADDC(t0d, 1.0)), b->dvtp2factor));
  }
  r.vth = vth;
  return r;
}

/* BSIM4polyDepletion: Vgs_eff (the one BSIM4 routine on ngspice's CHARGE, not Charge_q). */
static D gate_effective(const kh_bsim4 *b, D vgs) {
  double phi = b->vfb + b->phi, ngate = b->ngate;
  if (!(ngate > 1.0e18 && ngate < 1.0e25 && vgs.v > phi)) return vgs;
  double t1 = 1.0e6 * KH_CHARGE * EPSSI * ngate / (b->coxe * b->coxe);
  D t8 = ADDC(vgs, -phi);
  D t4 = SQRT(ADDC(kh_dual_divc(MULC(t8, 2.0), t1), 1.0));
  D t2 = DIV(MULC(t8, 2.0), ADDC(t4, 1.0));
  D t3 = kh_dual_divc(MULC(MUL(t2, t2), 0.5), t1);
  D t7 = ADDC(kh_dual_csub(1.12, t3), -0.05);
  D t6 = SQRT(ADDC(MUL(t7, t7), 0.224));
  D t5 = kh_dual_csub(1.12, MULC(ADD(t7, t6), 0.5));
  return SUB(vgs, t5);
}

/* Vgsteff: b4ld.c's smooth overdrive with MINV's mstar. */
static D gate_overdrive(const kh_bsim4 *b, D vgst, D n) {
  double vtm = b->vtm, mstar = b->mstar;
  D t0 = MULC(n, vtm), t1 = MULC(vgst, mstar), t2 = DIV(t1, t0), t10;
  if (t2.v > EXP_THRESHOLD) {
    t10 = t1;
  } else if (t2.v < -EXP_THRESHOLD) {
    t10 = MULC(n, vtm * log(1.0 + MIN_EXP));
  } else {
    t10 = MUL(n, MULC(kh_dual_log(ADDC(kh_dual_exp(t2), 1.0)), vtm));
  }
  D u1 = kh_dual_csub(b->voffcbn, MULC(vgst, 1.0 - mstar)), u2 = DIV(u1, t0), t9;
  if (u2.v < -EXP_THRESHOLD) {
    t9 = ADDC(MULC(n, b->coxe * MIN_EXP / b->cdep0), mstar);
  } else if (u2.v > EXP_THRESHOLD) {
    t9 = ADDC(MULC(n, b->coxe * MAX_EXP / b->cdep0), mstar);
  } else {
    t9 = ADDC(MUL(n, MULC(kh_dual_exp(u2), b->coxe / b->cdep0)), mstar);
  }
  return DIV(t10, t9);
}

/* What the current reads of the channel at one bias. */
typedef struct {
  D vgsteff, weff, rds, abulk, ueff, esat, esatl, lambda, vgst2vtm, vdsat, coxeff;
} channel;

/* The bias-dependent width and internal series resistance (RDSMOD=0), and Abulk. */
static void width_and_bulk(const kh_bsim4 *b, const body *y, const threshold *t, channel *c) {
  D t9 = ADDC(y->sqrt_phis, -b->sqrt_phi);
  c->weff = kh_dual_csub(b->weff, MULC(ADD(MULC(c->vgsteff, b->dwg), MULC(t9, b->dwb)), 2.0));
  if (c->weff.v < 2.0e-8)
    c->weff = DIV(MULC(kh_dual_csub(4.0e-8, c->weff), 2.0e-8), ADDC(MULC(c->weff, -2.0), 6.0e-8));
  D t0 = ADDC(MULC(c->vgsteff, b->prwg), 1.0), t2 = ADD(kh_dual_cdiv(1.0, t0), MULC(t9, b->prwb));
  D t3 = ADD(t2, SQRT(ADDC(MUL(t2, t2), 0.01)));
  c->rds = b->rdsmod ? K(0.0) : ADDC(MULC(t3, b->rds0 * 0.5), b->rdswmin);
  D t9a = DIV(MULC(t->lpe_vb, 0.5 * b->k1ox), y->sqrt_phis);
  D t1 = SUB(ADDC(t9a, b->k2ox), MULC(t->vth_narrow_w, b->k3b));
  D s9 = SQRT(MULC(y->xdep, b->xj));
  D t5 = kh_dual_cdiv(b->leff, ADDC(MULC(s9, 2.0), b->leff));
  D t2b = ADDC(MULC(t5, b->a0), b->b0 / (b->weff + b->b1));
  D t7 = MUL(t5, MUL(t5, t5));
  D abulk0 = ADDC(MUL(t1, t2b), 1.0);
  D abulk = SUB(abulk0, MUL(MUL(t1, MULC(t7, b->ags * b->a0)), c->vgsteff));
  if (abulk.v < 0.1) abulk = DIV(kh_dual_csub(0.2, abulk), ADDC(MULC(abulk, -20.0), 3.0));
  D t2k = MULC(y->vbseff, b->keta);
  D scale = t2k.v >= -0.9 ? kh_dual_cdiv(1.0, ADDC(t2k, 1.0)) : ratio(17.0, 20.0, t2k, 0.8, 1.0);
  c->abulk = MUL(abulk, scale);
}

/* BSIM4v5's (b4v5ld.c, MOBMOD 0 to 2): UD's Coulomb term is UD Vth^2 / (T0 / TOXE)^2 from the
 * field's T0 (and at MOBMOD 2 from T0 / TOXE, as it is written there). */
static D degradation_v5(const kh_bsim4 *b, const body *y, D vth, D vgsteff) {
  double toxe = b->toxe;
  if (b->mob_mod == 2) {
    D t0 = kh_dual_divc(ADDC(vgsteff, b->vtfbphi1), toxe);
    D t1 = kh_dual_exp(MULC(kh_dual_log(t0), b->eu));
    D t3 = kh_dual_divc(t0, toxe);
    D t6 = MUL(MUL(DIV(DIV(K(b->ud), t3), t3), vth), vth);
    return ADD(MUL(t1, ADDC(MULC(y->vbseff, b->uc), b->ua)), t6);
  }
  D t3 = kh_dual_divc(ADD(ADD(vgsteff, vth), vth), toxe);
  D t6 = MUL(MUL(DIV(DIV(K(b->ud), t3), t3), vth), vth);
  if (b->mob_mod == 1) {
    D t4 = MUL(t3, ADDC(MULC(t3, b->ub), b->ua));
    return ADD(MUL(t4, ADDC(MULC(y->vbseff, b->uc), 1.0)), t6);
  }
  D t2 = ADDC(MULC(y->vbseff, b->uc), b->ua);
  return ADD(MUL(t3, ADD(t2, MULC(t3, b->ub))), t6);
}

/* The mobility's degradation at Vth's and Vgsteff's field: MOBMOD 0 to 6. */
static D degradation(const kh_bsim4 *b, const body *y, D vth, D vgsteff) {
  double toxe = b->toxe, ud = b->ud, v1 = b->vtfbphi1;
  int m = b->mob_mod;
  if (m == 3) { /* universal mobility with Coulomb scattering */
    D t0 = kh_dual_divc(kh_dual_divc(MULC(ADDC(vgsteff, v1), 1.0e-8), toxe), 6.0);
    D t1 = kh_dual_exp(MULC(kh_dual_log(t0), b->eu));
    D r = ADDC(kh_dual_divc(MULC(vgsteff, 0.5), b->vgsteff_vth), 0.5);
    D t10 = kh_dual_exp(MULC(kh_dual_log(r), b->ucs));
    return ADD(MUL(t1, ADDC(MULC(y->vbseff, b->uc), b->ua)), kh_dual_cdiv(ud, t10));
  }
  if (b->v5) return degradation_v5(b, y, vth, vgsteff);
  D vx = m <= 2 ? vth : K(v1); /* 4 to 6 take the work-function term's place of Vth */
  D t12 = SQRT(ADDC(MUL(vx, vx), 0.0001));
  D t10 = DIV(K(toxe), ADD(vgsteff, MULC(t12, 2.0)));
  D t6 = MUL(MUL(MULC(MUL(t10, t10), ud), vx), vx); /* UD's Coulomb term */
  if (m == 2 || m == 6) {
    D t0 = kh_dual_divc(ADDC(vgsteff, v1), toxe);
    D t1 = kh_dual_exp(MULC(kh_dual_log(t0), b->eu));
    return ADD(MUL(t1, ADDC(MULC(y->vbseff, b->uc), b->ua)), t6);
  }
  D t0 = m <= 1 ? ADD(ADD(vgsteff, vth), vth) : ADDC(vgsteff, v1);
  D t3 = kh_dual_divc(t0, toxe);
  if (m == 1 || m == 5) {
    D t4 = MUL(t3, ADDC(MULC(t3, b->ub), b->ua));
    return ADD(MUL(t4, ADDC(MULC(y->vbseff, b->uc), 1.0)), t6);
  }
  D t2 = ADDC(MULC(y->vbseff, b->uc), b->ua);
  return ADD(MUL(t3, ADD(t2, MULC(t3, b->ub))), t6);
}

/* The effective mobility, and Esat. */
static void mobility(const kh_bsim4 *b, const body *y, D vth, channel *c) {
  D t5 = degradation(b, y, vth, c->vgsteff);
  D denomi = t5.v >= -0.8 ? ADDC(t5, 1.0) : ratio(0.6, 1.0, t5, 7.0, 10.0);
  c->ueff = kh_dual_cdiv(b->u0temp, denomi);
  c->esat = kh_dual_cdiv(2.0 * b->vsattemp, c->ueff);
  c->esatl = MULC(c->esat, b->leff);
}

/* Lambda (A1, A2) and Vdsat. */
static void saturation(const kh_bsim4 *b, channel *c) {
  c->lambda = kh_bsim_lambda(b->a1, b->a2, c->vgsteff); /* b4ld.c's as b3ld.c's */
  c->vgst2vtm = ADDC(c->vgsteff, 2.0 * b->vtm);
  D wvcox_rds = MUL(MULC(c->weff, b->vsattemp * b->coxe), c->rds);
  if (c->rds.v == 0.0 && c->lambda.v == 1.0) {
    D t0 = kh_dual_cdiv(1.0, ADD(MUL(c->abulk, c->esatl), c->vgst2vtm));
    c->vdsat = MUL(MUL(c->esatl, c->vgst2vtm), t0);
    return;
  }
  D t9 = MUL(c->abulk, wvcox_rds), t7 = MUL(c->vgst2vtm, t9), t6 = MUL(c->vgst2vtm, wvcox_rds);
  D inv_lambda = kh_dual_cdiv(1.0, c->lambda);
  D t0 = MUL(MULC(c->abulk, 2.0), ADD(ADDC(t9, -1.0), inv_lambda));
  D t1 =
      ADD(ADD(MUL(c->vgst2vtm, ADDC(kh_dual_cdiv(2.0, c->lambda), -1.0)), MUL(c->abulk, c->esatl)),
          MULC(t7, 3.0));
  D t2 = MUL(c->vgst2vtm, ADD(c->esatl, MULC(t6, 2.0)));
  D t3 = SQRT(SUB(MUL(t1, t1), MUL(MULC(t0, 2.0), t2)));
  c->vdsat = DIV(SUB(t1, t3), t0);
}

/* Vdseff from Vdsat (0 at Vds = 0, at most Vds). */
static D effective_vds(const kh_bsim4 *b, D vdsat, D vds) {
  if (vds.v == 0.0) return K(0.0);
  D t1 = ADDC(SUB(vdsat, vds), -b->delta);
  D t2 = SQRT(ADD(MUL(t1, t1), MULC(vdsat, 4.0 * b->delta)));
  D vdseff;
  if (t1.v >= 0.0) {
    vdseff = SUB(vdsat, MULC(ADD(t1, t2), 0.5));
  } else {
    D t4 = kh_dual_cdiv(2.0 * b->delta, SUB(t2, t1));
    vdseff = MUL(vdsat, kh_dual_csub(1.0, t4));
  }
  return vdseff.v > vds.v ? vds : vdseff;
}

/* Velocity overshoot (LAMBDA given > 0): EsatL scaled. */
static void overshoot(const kh_bsim4 *b, channel *c, D diff_vds) {
  D t1 = MULC(c->ueff, b->leff), t2 = kh_dual_cdiv(b->lambda, t1);
  D t5 = kh_dual_cdiv(1.0, MULC(c->esat, b->litl));
  D t6 = ADDC(MUL(diff_vds, t5), 1.0);
  D t7 = kh_dual_cdiv(2.0, ADDC(MUL(t6, t6), 1.0));
  D t10 = ADDC(MUL(t2, kh_dual_csub(1.0, t7)), 1.0);
  c->esatl = MUL(c->esatl, t10);
  if (!b->v5) c->esat = kh_dual_divc(c->esatl, b->leff); /* BSIM4v5 keeps Esat for CLM */
}

/* The Early voltages and the current's factors: Vasat, FP, PVAG's term, CLM (Cclm and VACLM),
 * VADIBL, VADITS and VASCBE; Idsa from Idl. */
typedef struct {
  D vasat, cclm, vaclm, vadibl, vadits, vascbe;
} early;

static early early_voltages(const kh_bsim4 *b, const body *y, const channel *c, D vds, D diff_vds,
                            D idl) {
  early r;
  D wvcox_rds = MUL(MULC(c->weff, b->vsattemp * b->coxe), c->rds);
  D tmp4 = kh_dual_csub(1.0, DIV(MULC(MUL(c->abulk, c->vdsat), 0.5), c->vgst2vtm));
  D t9 = MUL(wvcox_rds, c->vgsteff);
  D t0 = ADD(ADD(c->esatl, c->vdsat), MUL(MULC(t9, 2.0), tmp4));
  D t1 = ADD(ADDC(kh_dual_cdiv(2.0, c->lambda), -1.0), MUL(wvcox_rds, c->abulk));
  r.vasat = DIV(t0, t1);
  D fp = K(1.0);
  if (b->fprout > 0.0)
    fp = kh_dual_cdiv(1.0, ADDC(kh_dual_cdiv(b->fprout * sqrt(b->leff), c->vgst2vtm), 1.0));
  D t8 = kh_dual_cdiv(b->pvag, c->esatl), t9p = MUL(t8, c->vgsteff);
  D pvag_term = t9p.v > -0.9 ? ADDC(t9p, 1.0) : ratio(0.8, 1.0, t9p, 17.0, 20.0);
  r.cclm = r.vaclm = K(MAX_EXP);
  if (b->pclm > MIN_EXP && diff_vds.v > 1.0e-10) {
    D u0 = ADDC(MUL(c->rds, idl), 1.0);
    D u1 = ADD(DIV(c->vdsat, c->esat), K(b->leff)); /* Leff + Vdsat / Esat */
    r.cclm = kh_dual_divc(MUL(MUL(MUL(fp, pvag_term), u0), u1), b->pclm * b->litl);
    r.vaclm = MUL(r.cclm, diff_vds);
  }
  r.vadibl = K(MAX_EXP);
  if (b->theta_rout > MIN_EXP) {
    D a8 = MUL(c->abulk, c->vdsat), a0 = MUL(c->vgst2vtm, a8), a1 = ADD(c->vgst2vtm, a8);
    r.vadibl = kh_dual_divc(SUB(c->vgst2vtm, DIV(a0, a1)), b->theta_rout);
    D t7 = MULC(y->vbseff, b->pdiblb);
    r.vadibl = t7.v >= -0.9 ? MUL(r.vadibl, kh_dual_cdiv(1.0, ADDC(t7, 1.0)))
                            : MUL(r.vadibl, ratio(17.0, 20.0, t7, 0.8, 1.0));
    r.vadibl = MUL(r.vadibl, pvag_term);
  }
  D e = MULC(vds, b->pditsd);
  D t1d = e.v > EXP_THRESHOLD ? K(MAX_EXP) : kh_dual_exp(e);
  r.vadits = K(MAX_EXP);
  if (b->pdits > MIN_EXP) {
    double t2 = 1.0 + b->pditsl * b->leff;
    r.vadits = MUL(kh_dual_divc(ADDC(MULC(t1d, t2), 1.0), b->pdits), fp);
  }
  r.vascbe = K(MAX_EXP);
  if (b->pscbe2 > 0.0 && (b->pscbe1 >= 0.0 || b->v5)) { /* BSIM4v5 takes any PSCBE1 */
    if (diff_vds.v > b->pscbe1 * b->litl / EXP_THRESHOLD) {
      D t0s = kh_dual_cdiv(b->pscbe1 * b->litl, diff_vds);
      r.vascbe = kh_dual_divc(MULC(kh_dual_exp(t0s), b->leff), b->pscbe2);
    } else {
      r.vascbe = K(MAX_EXP * b->leff / b->pscbe2);
    }
  }
  return r;
}

/* The effective oxide capacitance with the charge centroid (b4ld.c: TOXP, ADOS, BDOS). */
static D oxide_capacitance(const kh_bsim4 *b, D vgsteff) {
  D t0 = kh_dual_divc(ADDC(vgsteff, b->vtfbphi2), 2.0e8 * b->toxp);
  D tmp3 = kh_dual_exp(MULC(kh_dual_log(t0), b->bdos * 0.7));
  D tcen = kh_dual_cdiv(b->ados * 1.9e-9, ADDC(tmp3, 1.0));
  return kh_dual_cdiv(EPSSI * b->coxp, ADDC(MULC(tcen, b->coxp), EPSSI));
}

/* What the mode's frame gives: the channel current from the mode's drain to its source, the
 * substrate current from the mode's drain into the bulk, the gate-to-channel currents to the
 * mode's source and drain and the gate-to-body current (before NF), and the threshold. */
typedef struct {
  D cdrain, isub, igcs, igcd, igb;
  D beta, ids; /* b4ld.c's beta and Ids (the current over Vdseff), for RGATEMOD 2 and 3 */
  double von;
} mode_currents;

static mode_currents currents(const kh_bsim4 *b, int type, D vgs, D vds, D vbs) {
  mode_currents r;
  D *cdrain = &r.cdrain, *isub = &r.isub;
  body y = body_at(b, vbs);
  threshold t = threshold_at(b, type, &y, vds);
  r.von = t.vth.v;
  channel c;
  D vgs_eff = gate_effective(b, vgs);
  c.vgsteff = gate_overdrive(b, SUB(vgs_eff, t.vth), t.n);
  width_and_bulk(b, &y, &t, &c);
  mobility(b, &y, t.vth, &c);
  saturation(b, &c);
  D vdseff = effective_vds(b, c.vdsat, vds), diff_vds = SUB(vds, vdseff);
  if (b->lambda_on) overshoot(b, &c, diff_vds);
  c.coxeff = oxide_capacitance(b, c.vgsteff);
  D coxeff_wovl = kh_dual_divc(MUL(c.coxeff, c.weff), b->leff), beta = MUL(c.ueff, coxeff_wovl);
  D t0 = kh_dual_csub(1.0, MUL(MULC(vdseff, 0.5), DIV(c.abulk, c.vgst2vtm)));
  D fgche1 = MUL(c.vgsteff, t0), fgche2 = ADDC(DIV(vdseff, c.esatl), 1.0);
  D gche = DIV(MUL(beta, fgche1), fgche2);
  D idl = DIV(gche, ADDC(MUL(gche, c.rds), 1.0));
  early e = early_voltages(b, &y, &c, vds, diff_vds, idl);
  D idsa = MUL(idl, ADDC(DIV(diff_vds, e.vadibl), 1.0));
  idsa = MUL(idsa, ADDC(DIV(diff_vds, e.vadits), 1.0));
  D va = ADD(e.vasat, e.vaclm);
  idsa = MUL(idsa, ADDC(DIV(kh_dual_log(DIV(va, e.vasat)), e.cclm), 1.0));
  *isub = K(0.0);
  double tmp = b->alpha0 + b->alpha1 * b->leff;
  if (tmp > 0.0 && b->beta0 > 0.0) {
    double t2 = tmp / b->leff;
    D t1 = diff_vds.v > b->beta0 / EXP_THRESHOLD
               ? MUL(MULC(diff_vds, t2), kh_dual_exp(kh_dual_cdiv(-b->beta0, diff_vds)))
               : MULC(diff_vds, t2 * MIN_EXP);
    *isub = MUL(t1, MUL(idsa, vdseff));
  }
  D ids = MUL(idsa, ADDC(DIV(diff_vds, e.vascbe), 1.0));
  *cdrain = MUL(ids, vdseff);
  r.beta = beta, r.ids = ids;
  if (b->vtl_on) { /* the source-end velocity limit */
    D vs = MUL(*cdrain, DIV(kh_dual_cdiv(1.0 / b->leff, coxeff_wovl), c.vgsteff));
    D t1 = kh_dual_divc(vs, b->vtl * b->tfactor);
    if (t1.v > 0.0) {
      D t2 = ADDC(kh_dual_exp(MULC(kh_dual_log(t1), 6.0)), 1.0);
      *cdrain = MUL(*cdrain, kh_dual_cdiv(1.0, kh_dual_exp(kh_dual_divc(kh_dual_log(t2), 6.0))));
    }
  }
  kh_bsim4_gate_currents(b, type, vgs_eff, y.vbseff, c.vgsteff, t.vth, vdseff, &r.igcs, &r.igcd,
                         &r.igb);
  return r;
}

/* GIDL (from the drain into the bulk: at vds, the gate's poly-depleted vgs and vbd) or GISL
 * (from the source: at -vds, vgd and vbs), GIDLMOD 0 or 1, before NF. */
static D gate_induced(const kh_bsim4 *b, const kh_bsim4_gidl *p, D v, D vg_eff, D vb) {
  double t0 = 3.0 * b->toxe;
  if (b->gidl_mod == 0) {
    D t1 = kh_dual_divc(ADDC(SUB(v, vg_eff), -p->e), t0);
    if (p->a <= 0.0 || p->b <= 0.0 || t1.v <= 0.0 || p->c <= 0.0 || vb.v > 0.0) return K(0.0);
    D t2 = kh_dual_cdiv(p->b, t1), i;
    if (t2.v < 100.0)
      i = MUL(MULC(t1, p->a * b->weff_cj), kh_dual_exp(MULC(t2, -1.0)));
    else
      i = MULC(t1, p->a * b->weff_cj * 3.720075976e-44);
    D t5 = MULC(MUL(vb, MUL(vb, vb)), -1.0); /* -vb^3 */
    return MUL(i, DIV(t5, ADDC(t5, p->c)));
  }
  D t1 = kh_dual_divc(ADDC(SUB(v, MULC(vg_eff, p->r)), -p->e), t0);
  if (p->a <= 0.0 || p->b <= 0.0 || t1.v <= 0.0 || p->c < 0.0) return K(0.0);
  D t2 = kh_dual_cdiv(p->b, t1), i;
  if (t2.v < EXPL_THRESHOLD)
    i = MUL(MULC(t1, b->weff_cj * p->a), kh_dual_exp(MULC(t2, -1.0)));
  else
    i = MULC(t1, b->weff_cj * p->a * MIN_EXPL);
  D t4 = ADDC(vb, -p->f);
  if (t4.v > b->gidlclamp) t4 = K(b->gidlclamp);
  D t5 = t4.v == 0 ? K(EXPL_THRESHOLD) : kh_dual_cdiv(p->k, t4);
  return t5.v < EXPL_THRESHOLD ? MUL(i, kh_dual_exp(t5)) : MULC(i, MAX_EXPL);
}

/* A bulk junction's current from the bulk in (b4ld.c, DIOMOD 0, 1 or 2, GMIN across), and its
 * trap-assisted tunnelling's (the junction's three parts), at v, the bulk's voltage to it. */
static D junction_current(const kh_bsim4 *b, const kh_bsim4_junction *j, double gmin, D v) {
  D i;
  double sat = j->sat, nvtm = j->nvtm;
  if (sat <= 0.0) {
    i = MULC(v, gmin);
  } else if (b->dio_mod == 0) {
    D evb = kh_dual_exp(kh_dual_divc(v, nvtm));
    D t1 = MULC(kh_dual_exp(kh_dual_divc(kh_dual_csub(-j->bv, v), nvtm)), j->xjbv);
    i = ADD(MULC(ADDC(SUB(ADDC(evb, j->xexp_bv), t1), -1.0), sat), MULC(v, gmin));
  } else if (b->dio_mod == 1) {
    D t2 = kh_dual_divc(v, nvtm);
    if (t2.v < -EXP_THRESHOLD)
      i = ADDC(MULC(v, gmin), sat * (MIN_EXP - 1.0));
    else if (v.v <= j->vjm_fwd)
      i = ADD(MULC(ADDC(kh_dual_exp(t2), -1.0), sat), MULC(v, gmin));
    else
      i = ADD(ADDC(MULC(ADDC(v, -j->vjm_fwd), j->iv_fwd / nvtm), j->iv_fwd - sat), MULC(v, gmin));
  } else if (v.v < j->vjm_rev) {
    D t0 = kh_dual_divc(v, nvtm);
    D evb = t0.v < -EXP_THRESHOLD ? K(MIN_EXP) : kh_dual_exp(t0);
    D t2 = ADDC(MULC(ADDC(v, -j->vjm_rev), j->slope_rev), j->iv_rev);
    i = ADD(MUL(ADDC(evb, -1.0), t2), MULC(v, gmin));
  } else if (v.v <= j->vjm_fwd) {
    D t0 = kh_dual_divc(v, nvtm);
    D evb = t0.v < -EXP_THRESHOLD ? K(MIN_EXP) : kh_dual_exp(t0);
    D t1 = kh_dual_divc(ADDC(v, j->bv), nvtm);
    D t2 = t1.v > EXP_THRESHOLD ? K(MIN_EXP) : kh_dual_exp(MULC(t1, -1.0));
    D s = SUB(ADDC(ADDC(evb, j->xexp_bv), -1.0), MULC(t2, j->xjbv));
    i = ADD(MULC(s, sat), MULC(v, gmin));
  } else {
    i = ADD(ADDC(MULC(ADDC(v, -j->vjm_fwd), j->slope_fwd), j->iv_fwd), MULC(v, gmin));
  }
  D tat = K(0.0); /* trap-assisted tunnelling, reverse bias: area, sidewall, gate edge */
  for (int k = 0; k < 3; k++) {
    double nvt = b->vtm0 * j->tat_n[k], vts = j->tat_vts[k];
    D x = kh_dual_divc(MULC(v, -1.0), nvt);
    D t0 = vts - v.v < vts * 1e-3 ? MULC(x, 1.0e3)
                                  : MUL(MULC(x, vts), kh_dual_cdiv(1.0, kh_dual_csub(vts, v)));
    tat = ADD(tat, MULC(ADDC(dexp(t0), -1.0), j->tat_sat[k]));
  }
  return SUB(i, tat);
}

kh_dual kh_bsim4_junction_current(const kh_bsim4 *b, int drain, double gmin, double v) {
  return MULC(junction_current(b, drain ? &b->drain : &b->source, gmin, kh_dual_var(v, 0)), b->m);
}

/* RDSMOD=1's series conductance on the source's side (b4ld.c's gstot, at the terminals' vgs and
 * vbs; the drain's, gdtot, at vgd and vbd with RDW's terms): the sheet's in series with
 * Rs = RSWMIN + RSW/2 (x + sqrt(x^2 + 0.01)), x = 1 / (1 + PRWG Vgs_eff) - PRWB vbs, Vgs_eff
 * the gate's drive above VFBSD smoothed over 10 mV. */
static D series_conductance(const kh_bsim4 *b, D vg, D vb, int drain) {
  D t0 = ADDC(vg, -b->vfbsd);
  D vg_eff = MULC(ADD(t0, SQRT(ADDC(MUL(t0, t0), 1.0e-4))), 0.5);
  D t2 = SUB(kh_dual_cdiv(1.0, ADDC(MULC(vg_eff, b->prwg), 1.0)), MULC(vb, b->prwb));
  D t3 = ADD(t2, SQRT(ADDC(MUL(t2, t2), 0.01)));
  double r0 = drain ? b->rd0 : b->rs0, rmin = drain ? b->rdwmin : b->rswmin;
  double gsheet = drain ? b->gsheet_d : b->gsheet_s;
  D r = ADDC(MULC(t3, r0 * 0.5), rmin);
  return kh_dual_cdiv(gsheet, ADDC(MULC(r, gsheet), 1.0));
}

/* RGATEMOD 2's and 3's gate conductance before m (b4ld.c): the channel's XRCRG1 (XRCRG2 vtm beta
 * + Ids) times NF, at 2 in series with the electrode's. */
static D gate_conductance(const kh_bsim4 *b, const mode_currents *r) {
  D g = MULC(ADD(MULC(r->beta, b->xrcrg2 * b->vtm), r->ids), b->xrcrg1);
  if (b->nf != 1.0) g = MULC(g, b->nf);
  if (b->rgate == 2) g = DIV(MULC(g, b->grgeltd), ADDC(g, b->grgeltd));
  return g;
}

kh_bsim4_point kh_bsim4_evaluate(const kh_bsim4 *b, int type, double gmin, double vgs, double vds,
                                 double vbs) {
  kh_bsim4_point p;
  D gs = kh_dual_var(vgs, 0), ds = kh_dual_var(vds, 1), bs = kh_dual_var(vbs, 2);
  D gd = SUB(gs, ds), bd = SUB(bs, ds);
  double m = b->m;
  p.ibs = b->rbody ? K(0.0) : MULC(junction_current(b, &b->source, gmin, bs), m);
  p.ibd = b->rbody ? K(0.0) : MULC(junction_current(b, &b->drain, gmin, bd), m);
  p.mode = vds >= 0 ? 1 : -1;
  mode_currents r =
      p.mode > 0 ? currents(b, type, gs, ds, bs) : currents(b, type, gd, MULC(ds, -1.0), bd);
  double nfm = b->nf * m; /* b4ld.c scales each current by NF, the load by m */
  p.von = r.von, p.ids = MULC(r.cdrain, p.mode * nfm), p.isub = MULC(r.isub, nfm);
  p.igcs = MULC(r.igcs, nfm), p.igcd = MULC(r.igcd, nfm), p.igb = MULC(r.igb, nfm);
  D vgs_eff = gate_effective(b, gs), vgd_eff = gate_effective(b, gd);
  p.igidl = MULC(gate_induced(b, &b->gidl, ds, vgs_eff, bd), nfm);
  p.igisl = MULC(gate_induced(b, &b->gisl, MULC(ds, -1.0), vgd_eff, bs), nfm);
  p.igs = MULC(kh_bsim4_edge_current(b, gs, 0), nfm);
  p.igd = MULC(kh_bsim4_edge_current(b, gd, 1), nfm);
  p.gcrg = b->rgate >= 2 ? MULC(gate_conductance(b, &r), m) : K(0.0);
  p.gs = b->rdsmod ? MULC(series_conductance(b, gs, bs, 0), m) : K(b->gsheet_s * m);
  p.gd = b->rdsmod ? MULC(series_conductance(b, gd, bd, 1), m) : K(b->gsheet_d * m);
  return p;
}
