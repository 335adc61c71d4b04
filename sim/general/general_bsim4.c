/* BSIM4 4.8.2 MOSFETs (LEVEL 14 or 54) in general Newton: the model at an instance, as ngspice
 * 39's b4set.c (defaults), b4temp.c (the size-dependent parameters: binned by the effective
 * length and width per finger, and at temperature; the junctions from the diffusions' geometry,
 * b4geo.c) and b4check.c (its fatal checks, refused here with the value, and its corrections)
 * compute it, in their order, so that the rounding is theirs too. The layout's terms (stress,
 * well proximity, gate and body resistances) are in general_bsim4_layout.c, the DC equations in
 * general_bsim4_eval.c; the stamp and limiting are the MOSFETs' (general_mosfet.c). Constants
 * are BSIM4's own (b4temp.c), not the rest of ngspice's. */
#include "general_bsim4_layout.h"
#include "general_card.h"
#include "general_impl.h"

#include "core/context.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define KBOQ 8.617087e-5
#define EPS0 8.85418e-12
#define EPSSI 1.03594e-10
#define PI_B4 3.141592654
#define CHARGE_Q 1.60219e-19
#define MAX_EXP 5.834617425e14
#define MIN_EXP 1.713908431e-15
#define EXP_THRESHOLD 34.0

/* b4temp.c's DEXP without its derivative. */
static double dexp(double a) {
  if (a > EXP_THRESHOLD) return MAX_EXP * (1.0 + a - EXP_THRESHOLD);
  if (a < -EXP_THRESHOLD) return MIN_EXP;
  return exp(a);
}

typedef kh_card card;

static double plain(const card *c, const char *name, double fallback, int *given) {
  return kh_card_plain(c, name, fallback, given);
}
/* The binned value (general_card.h); NDEP above 1e20 and NSD and NGATE above 1e23 (and their
 * terms) read in m^-3 as b4mpar.c reads them. */
static double binned_like(const card *c, const char *name, double fallback, const char *like,
                          double limit) {
  return kh_card_binned(c, name, fallback, like, limit, limit);
}
static double binned(const card *c, const char *name, double fallback) {
  return binned_like(c, name, fallback, NULL, 0);
}

/* b4temp.c's offsets of the length (or width): lint + LL/L^LLN + LW/W^LWN + LWL/(L^LLN W^LWN),
 * and of the C-V one: dlc + LLC/... (names[0..2] the DC terms, [3..5] the C-V ones). */
static void offsets(const card *c, double lnew, double wnew, const char *const names[8],
                    double base, double cv_base, double out[2]) {
  double t0 = pow(lnew, plain(c, names[6], 1, NULL)), t1 = pow(wnew, plain(c, names[7], 1, NULL));
  double a = plain(c, names[0], 0, NULL), b = plain(c, names[1], 0, NULL);
  double ab = plain(c, names[2], 0, NULL);
  double tmp1 = a / t0 + b / t1 + ab / (t0 * t1);
  double tmp2 = plain(c, names[3], a, NULL) / t0 + plain(c, names[4], b, NULL) / t1 +
                plain(c, names[5], ab, NULL) / (t0 * t1);
  out[0] = base + tmp1, out[1] = cv_base + tmp2;
}

/* Leff, Weff, the C-V length and width and the junctions' width Weff_cj (b4temp.c: ngspice stops
 * where one is not positive), per finger: Lnew = L + XL, Wnew = W / NF + XW. */
static int channel(const card *c, double len, double wid, double nf, double out[5]) {
  static const char *const dl[8] = {"ll", "lw", "lwl", "llc", "lwc", "lwlc", "lln", "lwn"};
  static const char *const dw[8] = {"wl", "ww", "wwl", "wlc", "wwc", "wwlc", "wln", "wwn"};
  double lnew = len + plain(c, "xl", 0, NULL), wnew = wid / nf + plain(c, "xw", 0, NULL);
  double lint = plain(c, "lint", 0, NULL), wint = plain(c, "wint", 0, NULL);
  double dwc = plain(c, "dwc", wint, NULL), l2[2], w2[2];
  offsets(c, lnew, wnew, dl, lint, plain(c, "dlc", lint, NULL), l2);
  offsets(c, lnew, wnew, dw, wint, dwc, w2);
  double dwj = plain(c, "dwj", dwc, NULL) + (w2[1] - dwc); /* dwj shares the C-V width terms */
  out[0] = lnew - 2.0 * l2[0], out[1] = wnew - 2.0 * w2[0];
  out[2] = lnew - 2.0 * l2[1], out[3] = wnew - 2.0 * w2[1], out[4] = wnew - 2.0 * dwj;
  return out[0] > 0 && out[1] > 0 && out[2] > 0 && out[3] > 0 && out[4] > 0;
}

/* The oxide (b4temp.c at MTRLMOD=0): TOXE, TOXP (TOXE - DTOX unless given) and TOXM. */
static void oxide(const card *c, kh_bsim4 *b, double *toxm) {
  int toxe_g, toxp_g, toxm_g, dtox_g;
  double toxe = plain(c, "toxe", 30.0e-10, &toxe_g), toxp = plain(c, "toxp", toxe, &toxp_g);
  double dtox = plain(c, "dtox", 0, &dtox_g);
  *toxm = plain(c, "toxm", toxe, &toxm_g);
  if (toxe_g && toxp_g && dtox_g && toxe != toxp + dtox) {
    /* ngspice warns and ignores DTOX */
  } else if (toxe_g && !toxp_g) {
    toxp = toxe - dtox;
  } else if (!toxe_g && toxp_g) {
    toxe = toxp + dtox;
    /* 4.7 on; BSIM4v5 and BSIM4v6 keep TOXM at TOXE's default (measured: 97 mV at a drain) */
    if (!toxm_g && !b->v5 && !b->v6) *toxm = toxe;
  }
  double epsrox = plain(c, "epsrox", 3.9, NULL);
  b->toxe = toxe, b->toxp = toxp;
  b->ados = plain(c, "ados", 1.0, NULL), b->bdos = plain(c, "bdos", 1.0, NULL);
  b->coxe = epsrox * EPS0 / toxe, b->coxp = epsrox * EPS0 / toxp;
  b->factor1 = sqrt(EPSSI / (epsrox * EPS0) * toxe);
}

/* The binned threshold, subthreshold and output-resistance terms b4ld.c reads. */
static void threshold_terms(const card *c, int type, kh_bsim4 *b) {
  b->cdsc = binned(c, "cdsc", 2.4e-4), b->cdscb = binned(c, "cdscb", 0);
  b->cdscd = binned(c, "cdscd", 0), b->cit = binned(c, "cit", 0);
  b->nfactor = binned(c, "nfactor", 1), b->xj = binned(c, "xj", 0.15e-6);
  b->a0 = binned(c, "a0", 1), b->ags = binned(c, "ags", 0), b->a1 = binned(c, "a1", 0);
  b->a2 = binned(c, "a2", 1), b->keta = binned(c, "keta", -0.047);
  b->ngate = binned_like(c, "ngate", 0, NULL, 1e23);
  b->kt1 = binned(c, "kt1", -0.11), b->kt1l = binned(c, "kt1l", 0);
  b->kt2 = binned(c, "kt2", 0.022), b->k3 = binned(c, "k3", 80), b->k3b = binned(c, "k3b", 0);
  b->w0 = binned(c, "w0", 2.5e-6), b->lpe0 = binned(c, "lpe0", 1.74e-7);
  b->lpeb = binned(c, "lpeb", 0), b->dvtp0 = binned(c, "dvtp0", 0);
  b->dvtp1 = binned(c, "dvtp1", 0), b->dvtp4 = binned(c, "dvtp4", 0);
  b->dvt0 = binned(c, "dvt0", 2.2), b->dvt1 = binned(c, "dvt1", 0.53);
  b->dvt2 = binned(c, "dvt2", -0.032), b->dvt0w = binned(c, "dvt0w", 0);
  b->dvt1w = binned(c, "dvt1w", 5.3e6), b->dvt2w = binned(c, "dvt2w", -0.032);
  b->delta = binned(c, "delta", 0.01), b->prwg = binned(c, "prwg", 1);
  b->prwb = binned(c, "prwb", 0), b->eta0 = binned(c, "eta0", 0.08);
  b->etab = binned(c, "etab", -0.07), b->pclm = binned(c, "pclm", 1.3);
  b->pdiblb = binned(c, "pdiblcb", 0), b->fprout = binned(c, "fprout", 0);
  b->pdits = binned(c, "pdits", 0), b->pditsd = binned(c, "pditsd", 0);
  b->pditsl = plain(c, "pditsl", 0, NULL);
  b->pscbe1 = binned(c, "pscbe1", 4.24e8), b->pscbe2 = binned(c, "pscbe2", 1.0e-5);
  b->pvag = binned(c, "pvag", 0), b->dwg = binned(c, "dwg", 0), b->dwb = binned(c, "dwb", 0);
  b->b0 = binned(c, "b0", 0), b->b1 = binned(c, "b1", 0), b->alpha0 = binned(c, "alpha0", 0);
  b->alpha1 = binned(c, "alpha1", 0), b->beta0 = binned(c, "beta0", 0);
  b->eu = binned(c, "eu", type > 0 ? 1.67 : 1.0), b->ucs = binned(c, "ucs", type > 0 ? 1.67 : 1.0);
  b->lambda = binned(c, "lambda", 0), b->vtl = binned(c, "vtl", 2.0e5);
  double lambda_m = plain(c, "lambda", 0, &b->lambda_on), vtl_m = plain(c, "vtl", 2e5, &b->vtl_on);
  b->lambda_on = b->lambda_on && lambda_m > 0, b->vtl_on = b->vtl_on && vtl_m > 0;
  b->gidlclamp = plain(c, "gidlclamp", -1e-5, NULL);
}

/* GIDL's and GISL's binned terms (GISL's default to GIDL's, term by term). */
static void gidl_terms(const card *c, kh_bsim4 *b) {
  static const char *const d[7] = {"agidl", "bgidl", "cgidl", "egidl", "rgidl", "kgidl", "fgidl"};
  static const char *const s[7] = {"agisl", "bgisl", "cgisl", "egisl", "rgisl", "kgisl", "fgisl"};
  static const double fallback[7] = {0, 2.3e9, 0.5, 0.8, 1.0, 0, 1.0};
  double *gd[7] = {&b->gidl.a, &b->gidl.b, &b->gidl.c, &b->gidl.e,
                   &b->gidl.r, &b->gidl.k, &b->gidl.f};
  double *gs[7] = {&b->gisl.a, &b->gisl.b, &b->gisl.c, &b->gisl.e,
                   &b->gisl.r, &b->gisl.k, &b->gisl.f};
  for (int k = 0; k < 7; k++) {
    *gd[k] = binned(c, d[k], fallback[k]);
    *gs[k] = binned_like(c, s[k], plain(c, d[k], fallback[k], NULL), d[k], 0);
  }
}

/* RDSMOD=1's resistances outside the channel at temperature (b4temp.c): RDW, RDWMIN, RSW and
 * RSWMIN plus PRT dT/TNOM (TEMPMOD 0: t10 = PRT (T/TNOM - 1), scaled 0) or times 1 + PRT dT
 * (t10, scaled 1), negatives set to 0 (with ngspice's warning), over Weff_cj^WR NF. */
static void external_resistances(const card *c, double t10, int scaled, double pow_weff_wr,
                                 kh_bsim4 *b) {
  if (!b->rdsmod) return;
  double r[4] = {binned(c, "rdw", 100), plain(c, "rdwmin", 0, NULL), binned(c, "rsw", 100),
                 plain(c, "rswmin", 0, NULL)};
  for (int k = 0; k < 4; k++) {
    r[k] = scaled ? r[k] * t10 : r[k] + t10;
    if (r[k] < 0.0) r[k] = 0.0;
    r[k] /= pow_weff_wr;
  }
  b->rd0 = r[0], b->rdwmin = r[1], b->rs0 = r[2], b->rswmin = r[3];
}

/* b4temp.c's mobility, saturation velocity and internal series resistance at temperature
 * (TEMPMOD 0: linear in T/TNOM - 1; 1 and 2: in T - TNOM; 3: powers of T/TNOM). */
static void at_temperature(const card *c, int type, double tratio, double del_temp, double weff_cj,
                           kh_bsim4 *b) {
  /* b4set.c's defaults: UA 1e-15 at MOBMOD 2 (and 6), UC and UC1 in 1/V at MOBMOD 1 (and 5):
   * the cases in parentheses at VERSION 4.8.1 and 4.8.2 (netlist/bsim4.c's 4.82) and none */
  int mob = b->mob_mod, newer = plain(c, "version", 4.82, NULL) == 4.82;
  int mob1 = mob == 1 || (newer && mob == 5), mob2 = mob == 2 || (newer && mob == 6);
  double t0 = tratio - 1.0, nf = b->nf;
  double pow_weff_wr = pow(weff_cj * 1.0e6, binned(c, "wr", 1)) * nf;
  double ua = binned(c, "ua", mob2 ? 1.0e-15 : 1.0e-9);
  double ua1 = binned(c, "ua1", 1.0e-9);
  double ub = binned(c, "ub", 1.0e-19), ub1 = binned(c, "ub1", -1.0e-18);
  double uc = binned(c, "uc", mob1 ? -0.0465 : -0.0465e-9);
  double uc1 = binned(c, "uc1", mob1 ? -0.056 : -0.056e-9);
  double ud = binned(c, "ud", b->v5 ? 1.0e14 : 0), ud1 = binned(c, "ud1", 0),
         vsat = binned(c, "vsat", 8.0e4);
  double at = binned(c, "at", 3.3e4), prt = binned(c, "prt", 0), rdsw = binned(c, "rdsw", 200);
  double rdswmin = plain(c, "rdswmin", 0, NULL);
  b->ucs = b->ucs * pow(tratio, binned(c, "ucste", -4.775e-3));
  if (b->temp_mod == 0) {
    b->ua = ua + ua1 * t0, b->ub = ub + ub1 * t0, b->uc = uc + uc1 * t0, b->ud = ud + ud1 * t0;
    b->vsattemp = vsat - at * t0;
    double t10 = prt * t0;
    b->rds0 = (rdsw + t10) * nf / pow_weff_wr, b->rdswmin = (rdswmin + t10) * nf / pow_weff_wr;
    external_resistances(c, t10, 0, pow_weff_wr, b);
  } else {
    if (b->temp_mod == 3) {
      b->ua = ua * pow(tratio, ua1), b->ub = ub * pow(tratio, ub1);
      b->uc = uc * pow(tratio, uc1), b->ud = ud * pow(tratio, ud1);
    } else {
      b->ua = ua * (1.0 + ua1 * del_temp), b->ub = ub * (1.0 + ub1 * del_temp);
      b->uc = uc * (1.0 + uc1 * del_temp), b->ud = ud * (1.0 + ud1 * del_temp);
    }
    b->vsattemp = vsat * (1.0 - at * del_temp);
    double t10 = 1.0 + prt * del_temp;
    b->rds0 = rdsw * t10 * nf / pow_weff_wr, b->rdswmin = rdswmin * t10 * nf / pow_weff_wr;
    external_resistances(c, t10, 1, pow_weff_wr, b);
  }
  double u0 = binned(c, "u0", type > 0 ? 0.067 : 0.025);
  if (u0 > 1.0) u0 = u0 / 1.0e4;
  double t5 = 1.0 - binned(c, "up", 0) * exp(-b->leff / binned(c, "lp", 1.0e-8));
  b->u0temp = u0 * t5 * pow(tratio, binned(c, "ute", -1.5));
  if (b->eu < 0.0) b->eu = 0.0;
  if (b->ucs < 0.0) b->ucs = 0.0;
}

/* b4temp.c's K1 and K2 (from GAMMA1, GAMMA2, VBX and VBM where neither is given), VFB and VTH0
 * (each from the other where one is not given), K1OX, and Vbsc (from the instance's K2). */
static void body_terms(const card *c, int type, double ndep, double nsub, kh_bsim4 *b, double *k2,
                       double *vbm) {
  int k1_g, k2_g, vbx_g, g1_g, g2_g, vfb_g, vth0_g;
  plain(c, "k1", 0, &k1_g), plain(c, "k2", 0, &k2_g), plain(c, "vbx", 0, &vbx_g);
  plain(c, "gamma1", 0, &g1_g), plain(c, "gamma2", 0, &g2_g);
  plain(c, "vfb", 0, &vfb_g), plain(c, "vth0", 0, &vth0_g);
  *vbm = binned(c, "vbm", -3.0);
  if (k1_g || k2_g) {
    b->k1 = k1_g ? binned(c, "k1", 0) : 0.53;
    *k2 = k2_g ? binned(c, "k2", 0) : -0.0186;
  } else {
    double vbx = binned(c, "vbx", 0), xt = binned(c, "xt", 1.55e-7);
    if (!vbx_g) vbx = b->phi - 7.7348e-4 * ndep * xt * xt;
    if (vbx > 0.0) vbx = -vbx;
    if (*vbm > 0.0) *vbm = -*vbm;
    double gamma1 = g1_g ? binned(c, "gamma1", 0) : 5.753e-12 * sqrt(ndep) / b->coxe;
    double gamma2 = g2_g ? binned(c, "gamma2", 0) : 5.753e-12 * sqrt(nsub) / b->coxe;
    double t0 = gamma1 - gamma2, t1 = sqrt(b->phi - vbx) - b->sqrt_phi;
    double t2 = sqrt(b->phi * (b->phi - *vbm)) - b->phi;
    *k2 = t0 * t1 / (2.0 * t2 + *vbm);
    b->k1 = gamma2 - 2.0 * *k2 * sqrt(b->phi - *vbm);
  }
  b->vfb = binned(c, "vfb", -1.0), b->vth0 = binned(c, "vth0", type > 0 ? 0.7 : -0.7);
  if (!vfb_g) b->vfb = vth0_g ? type * b->vth0 - b->phi - b->k1 * b->sqrt_phi : -1.0;
  if (!vth0_g) b->vth0 = type * (b->vfb + b->phi + b->k1 * b->sqrt_phi);
}

/* exp(t0) / ((exp(t0) - 1)^2 + 2 exp(t0) MIN_EXP), b4temp.c's Theta0 form, for t0 below
 * EXP_THRESHOLD. */
static double theta(double t0) {
  if (!(t0 < EXP_THRESHOLD)) return 1.0 / (MAX_EXP - 2.0);
  double t1 = exp(t0), t2 = t1 - 1.0;
  return t1 / (t2 * t2 + 2.0 * t1 * MIN_EXP);
}

/* b4temp.c's doping terms at TNOM's vtm0 and intrinsic density ni: PHI, Xdep0, LITL, VBI, Cdep0,
 * the DIBL and output-resistance factors, the moderate-inversion and offset terms. */
static void doping_terms(const card *c, double ndep, double vtm0, double ni, double voff,
                         kh_bsim4 *b) {
  double epsrox = plain(c, "epsrox", 3.9, NULL);
  b->phi = vtm0 * log(ndep / ni) + binned(c, "phin", 0) + 0.4;
  b->sqrt_phi = sqrt(b->phi);
  b->xdep0 = sqrt(2.0 * EPSSI / (CHARGE_Q * ndep * 1.0e6)) * b->sqrt_phi;
  b->litl = b->v5 ? sqrt(3.0 * b->xj * b->toxe) : sqrt(3.0 * 3.9 / epsrox * b->xj * b->toxe);
  b->vbi = vtm0 * log(binned_like(c, "nsd", 1.0e20, NULL, 1e23) * ndep / (ni * ni));
  b->cdep0 = sqrt(CHARGE_Q * EPSSI * ndep * 1.0e6 / 2.0 / b->phi);
  b->mstar = 0.5 + atan(binned(c, "minv", 0)) / PI_B4;
  b->voffcbn = voff + plain(c, "voffl", 0, NULL) / b->leff;
  double tmp = sqrt(EPSSI / (epsrox * EPS0) * b->toxe * b->xdep0);
  double drout = binned(c, "drout", 0.56);
  b->theta0vb0 = theta(binned(c, "dsub", plain(c, "drout", 0.56, NULL)) * b->leff / tmp);
  b->theta_rout =
      binned(c, "pdiblc1", 0.39) * theta(drout * b->leff / tmp) + binned(c, "pdiblc2", 0.0086);
  b->dvtp2factor =
      binned(c, "dvtp5", 0) + binned(c, "dvtp2", 0) * dexp(-binned(c, "dvtp3", 0) * log(b->leff));
}

/* b4geo.c's BSIM4PAeffGeo: the source's (side 0) and drain's (1) perimeter and area from the
 * diffusions' geometry (GEOMOD: isolated, shared or merged ends). */
static void geometry_pa(double nf, int geo, int min_sd, double weff_cj, const double dm[3],
                        int side, double *perimeter, double *area) {
  double nu[4] = {0, 0, 0, 0};
  if (geo < 9) kh_bsim4_finger_diffusions(nf, min_sd, nu);
  double t0 = dm[0] + dm[1], t1 = dm[0] + dm[0], t2 = dm[2] + dm[2];
  double p_iso = t0 + t0 + weff_cj, p_sha = t1, p_mer = t2;
  double a_iso = t0 * weff_cj, a_sha = dm[0] * weff_cj, a_mer = dm[2] * weff_cj;
  double end = side ? nu[1] : nu[3], in = side ? nu[0] : nu[2];
  /* what each GEOMOD makes the source's (s) and the drain's (d) ends: iso, sha(red), mer(ged) */
  static const char ends[9][2] = {{'i', 'i'}, {'i', 's'}, {'s', 'i'}, {'s', 's'}, {'i', 'm'},
                                  {'s', 'm'}, {'m', 'i'}, {'m', 's'}, {'m', 'm'}};
  if (geo == 9 || geo == 10) { /* NF even: the fingers' count decides */
    int iso_end = (geo == 9) == (side == 0);
    *perimeter = iso_end ? p_iso + (nf - 1.0) * p_sha : nf * p_sha;
    *area = iso_end ? a_iso + (nf - 1.0) * a_sha : nf * a_sha;
    return;
  }
  char kind = ends[geo][side];
  if (kind == 's') {
    *perimeter = (end + in) * p_sha, *area = (end + in) * a_sha;
  } else {
    *perimeter = end * (kind == 'i' ? p_iso : p_mer) + in * p_sha;
    *area = end * (kind == 'i' ? a_iso : a_mer) + in * a_sha;
  }
}

/* The junction's area and perimeter (b4temp.c): the instance's (PERMOD=1: less the gate edge,
 * Weff_cj NF), else GEOMOD's; a negative one 0. */
static void junction_geometry(const card *c, const kh_mosfet_instance *in, const kh_bsim4 *b,
                              int side, double *perimeter, double *area) {
  double dmcg = plain(c, "dmcg", 0, NULL), dmcgt = plain(c, "dmcgt", 0, NULL);
  const double dm[3] = {dmcg - dmcgt, plain(c, "dmci", dmcg, NULL),
                        plain(c, "dmdg", 0, NULL) - dmcgt};
  int geo = in->geomod >= 0 ? in->geomod : (int)plain(c, "geomod", 0, NULL);
  double p_geo, a_geo;
  geometry_pa(b->nf, geo, in->min_sd, b->weff_cj, dm, side, &p_geo, &a_geo);
  double p = side ? in->pd : in->ps, a = side ? in->ad : in->as;
  int p_given = in->given & 1u << (side ? 4 : 5), a_given = in->given & 1u << (side ? 2 : 3);
  if (b->v5) { /* b4v5temp.c: as given (less the gate edge at PERMOD=1), not clamped */
    *perimeter = !p_given ? p_geo : plain(c, "permod", 1, NULL) == 0 ? p : p - b->weff_cj * b->nf;
    *area = a_given ? a : a_geo;
    return;
  }
  if (!p_given)
    *perimeter = p_geo;
  else if (p <= 0.0)
    *perimeter = 0.0;
  else
    *perimeter = plain(c, "permod", 1, NULL) == 0 ? p : p - b->weff_cj * b->nf;
  if (*perimeter < 0.0) *perimeter = 0.0;
  *area = a_given ? a : a_geo;
  if (*area < 0.0) *area = 0.0;
}

/* b4temp.c's BSIM4DioIjthVjmEval: where a junction's current reaches IJTH. */
static double ijth_voltage(double nvtm, double ijth, double isb, double xexp_bv) {
  double tc = xexp_bv, tb = 1.0 + ijth / isb - tc;
  return nvtm * log(0.5 * (tb + sqrt(tb * tb + 4.0 * tc)));
}

/* A junction at temperature (b4temp.c): side 0 the source's (JSS, JSWS, JSWGS, NJS, XTIS, ...),
 * 1 the drain's (each defaulting to the source's), its saturation current from the area,
 * perimeter and gate edge, DIOMOD's breakdown and IJTH terms, and the trap-assisted tunnelling
 * (JTSS ...). */
static void junction(const card *c, const kh_bsim4 *b, int side, double area, double perimeter,
                     double temp, double tnom, double eg0, double eg, kh_bsim4_junction *j) {
  static const char *const src[] = {"jss",      "jsws",    "jswgs",    "njs",  "xtis",   "ijthsfwd",
                                    "ijthsrev", "xjbvs",   "bvs",      "jtss", "jtssws", "jtsswgs",
                                    "njts",     "njtssw",  "njtsswg",  "xtss", "xtssws", "xtsswgs",
                                    "tnjts",    "tnjtssw", "tnjtsswg", "vtss", "vtssws", "vtsswgs"};
  static const char *const drn[] = {
      "jsd",    "jswd",    "jswgd",  "njd",      "xtid",      "ijthdfwd", "ijthdrev", "xjbvd",
      "bvd",    "jtsd",    "jtsswd", "jtsswgd",  "njtsd",     "njtsswd",  "njtsswgd", "xtsd",
      "xtsswd", "xtsswgd", "tnjtsd", "tnjtsswd", "tnjtsswgd", "vtsd",     "vtsswd",   "vtsswgd"};
  static const double fallback[] = {1.0e-4, 0,    0, 1.0, 3.0,  0.1,  0.1,  1.0,
                                    10.0,   0,    0, 0,   20.0, 20.0, 20.0, 0.02,
                                    0.02,   0.02, 0, 0,   0,    10.0, 10.0, 10.0};
  double v[24];
  for (int k = 0; k < 24; k++) {
    double own = plain(c, src[k], fallback[k], NULL);
    v[k] = side ? plain(c, drn[k], own, NULL) : own; /* the drain's default to the source's */
  }
  double vtm = b->vtm, vtm0 = b->vtm0, js = v[0], jsw = v[1], jswg = v[2], nj = v[3];
  if (temp != tnom) {
    double t0 = eg0 / vtm0 - eg / vtm, t1 = log(temp / tnom), t2 = t0 + v[4] * t1;
    double t3 = exp(t2 / nj);
    js = js * t3, jsw = jsw * t3, jswg = jswg * t3;
  }
  js = js < 0 ? 0 : js, jsw = jsw < 0 ? 0 : jsw, jswg = jswg < 0 ? 0 : jswg;
  double ijth_fwd = v[5] <= 0 ? 0 : v[5], ijth_rev = v[6] <= 0 ? 0 : v[6];
  double xjbv = v[7], bv = v[8] <= 0 ? 0 : v[8];
  if ((b->dio_mod == 2 && xjbv <= 0) || (b->dio_mod == 0 && xjbv < 0)) xjbv = 0;
  memset(j, 0, sizeof *j);
  j->nvtm = vtm * nj, j->xjbv = xjbv, j->bv = bv;
  j->sat = area <= 0.0 && perimeter <= 0.0 /* BSIM4v5: 1e-14 A then, 4.8: none */
               ? (b->v5 ? 1.0e-14 : 0.0)
               : area * js + perimeter * jsw + b->weff_cj * b->nf * jswg;
  double sat = j->sat, nvtm = j->nvtm;
  if (sat > 0.0) {
    if (b->dio_mod == 0) {
      j->xexp_bv = bv / nvtm > EXP_THRESHOLD ? xjbv * MIN_EXP : xjbv * exp(-bv / nvtm);
    } else if (b->dio_mod == 1) {
      j->vjm_fwd = ijth_voltage(nvtm, ijth_fwd, sat, 0.0);
      j->iv_fwd = sat * exp(j->vjm_fwd / nvtm);
    } else {
      j->xexp_bv = bv / nvtm > EXP_THRESHOLD ? xjbv * MIN_EXP : exp(-bv / nvtm) * xjbv;
      j->vjm_fwd = ijth_voltage(nvtm, ijth_fwd, sat, j->xexp_bv);
      double t0 = exp(j->vjm_fwd / nvtm);
      j->iv_fwd = sat * (t0 - j->xexp_bv / t0 + j->xexp_bv - 1.0);
      j->slope_fwd = sat * (t0 + j->xexp_bv / t0) / nvtm;
      double t2 = ijth_rev / sat;
      if (t2 < 1.0) t2 = 10.0;
      j->vjm_rev = -bv - nvtm * log((t2 - 1.0) / xjbv);
      double t1 = xjbv * exp(-(bv + j->vjm_rev) / nvtm);
      j->iv_rev = sat * (1.0 + t1), j->slope_rev = -sat * t1 / nvtm;
    }
  }
  /* trap-assisted tunnelling: area, sidewall and gate-edge sidewall */
  double t0 = b->temp_ratio, t7 = eg0 / vtm * t0;
  double jtweff = plain(c, "jtweff", 0, NULL);
  if (jtweff < 0.0) jtweff = 0.0;
  double t11 = sqrt(jtweff / b->weff_cj) + 1.0, t10 = b->weff_cj * b->nf;
  for (int k = 0; k < 3; k++) {
    double e = dexp(v[15 + k] * t7);
    j->tat_n[k] = v[12 + k] * (1.0 + v[18 + k] * t0);
    j->tat_sat[k] = (k == 0 ? e * area : k == 1 ? e * perimeter : e * t10 * t11) * v[9 + k];
    j->tat_vts[k] = v[21 + k];
  }
}

/* MOBMOD=3's Vgsteff at Vth (b4temp.c: n and Vgsteff at Vbs = Vds = 0). */
static double vgsteff_at_vth(const kh_bsim4 *b) {
  double theta0 = theta(b->dvt1 * b->leff / (b->factor1 * sqrt(b->xdep0)));
  double tmp1 = EPSSI / b->xdep0, tmp2 = b->nfactor * tmp1;
  double tmp3 = (tmp2 + b->cdsc * theta0 + b->cit) / b->coxe;
  double n0 = tmp3 >= -0.5 ? 1.0 + tmp3 : (1.0 + 3.0 * tmp3) * (1.0 / (3.0 + 8.0 * tmp3));
  double t0 = n0 * b->vtm, t2 = b->voffcbn / t0, t3;
  if (t2 < -EXP_THRESHOLD)
    t3 = b->coxe * MIN_EXP / b->cdep0;
  else if (t2 > EXP_THRESHOLD)
    t3 = b->coxe * MAX_EXP / b->cdep0;
  else
    t3 = exp(t2) * b->coxe / b->cdep0;
  return t0 * log(2.0) / (b->mstar + t3 * n0);
}

/* b4check.c's fatal checks (ngspice 39 stops the run at each), on the instance's values: a
 * message naming what failed, or NULL. */
static const char *fatal(const card *c, const kh_bsim4 *b, double ndep, double nsub, double toxm,
                         double dsub, double drout) {
  if (!(b->toxe > 0) || !(b->toxp > 0) || !(toxm > 0))
    return "TOXE, TOXP and TOXM must be positive";
  if (!(plain(c, "toxref", 30.0e-10, NULL) > 0)) return "TOXREF must be positive";
  if (b->lpe0 < -b->leff || b->lpeb < -b->leff) return "LPE0 and LPEB must not be below -Leff";
  if (plain(c, "lintnoi", 0, NULL) > b->leff / 2) return "LINTNOI is larger than Leff/2";
  if (!(ndep > 0) || !(nsub > 0)) return "NDEP and NSUB must be positive";
  if (!(b->phi > 0)) return "PHI (from NDEP and PHIN) must be positive";
  if (b->ngate < 0 || b->ngate > 1e25) return "NGATE must lie in [0, 1e25]";
  if (!(b->xj > 0)) return "XJ must be positive";
  if (b->dvt1 < 0 || b->dvt1w < 0) return "DVT1 and DVT1W must not be negative";
  if (b->w0 == -b->weff || b->b1 == -b->weff) return "W0 + Weff or B1 + Weff is 0";
  if (dsub < 0 || drout < 0) return "DSUB and DROUT must not be negative";
  if (!(b->u0temp > 0) || !(b->vsattemp > 0)) return "U0 and VSAT at temperature must be positive";
  if (b->delta < 0 || !(b->pclm > 0)) return "DELTA must not be negative and PCLM must be positive";
  if (b->nf < 1.0) return "NF must be at least 1";
  if (b->fprout < 0 || b->pdits < 0 || b->pditsl < 0)
    return "FPROUT, PDITS and PDITSL must not be negative";
  if (binned(c, "clc", 0.1e-6) < 0) return "CLC must not be negative";
  const kh_bsim4_tunnel *g = &b->tunnel;
  if (g->igb_mod && (!(g->nigbinv > 0) || !(g->nigbacc > 0)))
    return "NIGBINV and NIGBACC must be positive (IGBMOD)";
  if (g->igc_mod && (!(g->nigc > 0) || !(binned(c, "poxedge", 1.0) > 0) || !(g->pigcd > 0)))
    return "NIGC, POXEDGE and PIGCD must be positive (IGCMOD)";
  static const char *const positive[] = {"rbps0",  "rbpd0",  "rbpbx0", "rbpby0",
                                         "rbdbx0", "rbdby0", "rbsbx0", "rbsby0"};
  for (size_t k = 0; k < sizeof positive / sizeof *positive; k++)
    if (!(plain(c, positive[k], k < 2 ? 50.0 : 100.0, NULL) > 0))
      return "RBPS0, RBPD0, RBPBX0, RBPBY0, RBDBX0, RBDBY0, RBSBX0 and RBSBY0 must be positive";
  static const char *const vts[] = {"vtss", "vtsd", "vtssws", "vtsswd", "vtsswgs", "vtsswgd"};
  for (size_t k = 0; k < sizeof vts / sizeof *vts; k++)
    if (plain(c, vts[k], plain(c, vts[k & ~1u], 10.0, NULL), NULL) < 0)
      return "VTSS, VTSD, VTSSWS, VTSSWD, VTSSWGS and VTSSWGD must not be negative";
  return NULL;
}

/* b4check.c's corrections with PARAMCHK=1 (A2 into [0.01, 1], A1 0 where A2 is above 1; PRWG,
 * RDSW's Rds0 and RDSWMIN at least 0): whether one applies. ngspice 39 makes them on the
 * size-dependent parameters of the one instance it checks per model, its first set up; its
 * BSIM4v6 and BSIM4v7 on those of every size, each time it sets them up. BSIM4 4.8's and
 * BSIM4v5's check runs once per model name, at the circuit's first setup, so a .dc TEMP or
 * resistor sweep, whose points set the parameters up again, has none of them (measured: PRT
 * 25.8 makes Rds0 negative at -40 C, clamped at .op there, v(d) 0.861934 V; the sweep's point
 * at -40 C keeps it negative, 0.861215 V, and so does an .op after that sweep). */
static int corrections(const card *c, double version, kh_bsim4 *b) {
  if (plain(c, "paramchk", 1, NULL) != 1) return 0;
  if (kh_netlist_set_up_again(c->nl) && version != 4.6 && version != 4.7) return 0;
  int any = 0;
  if (b->a2 < 0.01) {
    b->a2 = 0.01, any = 1;
  } else if (b->a2 > 1.0) {
    b->a2 = 1.0, b->a1 = 0.0, any = 1;
  }
  if (b->prwg < 0.0) b->prwg = 0.0, any = 1;
  if (binned(c, "rdsw", 200) < 0.0) b->rds0 = 0.0, any = 1;
  if (b->rds0 < 0.0) b->rds0 = 0.0, any = 1;
  if (b->rdswmin < 0.0) b->rdswmin = 0.0, any = 1;
  return any;
}

/* The instance's own (b4temp.c): DELVTO shifts VTH0 and VFB, MULU0 scales the mobility; the
 * work-function terms of the mobility and Vbsc from its K2. */
static void instance_terms(const kh_mosfet_instance *in, int type, double k2, double vbm,
                           double toxm, kh_bsim4 *b) {
  b->u0temp *= in->mulu0;
  b->vth0 += in->delvto, b->vfb += type * in->delvto;
  double t3 = type * b->vth0 - b->vfb - b->phi;
  b->vtfbphi1 = type > 0 ? t3 + t3 : 2.5 * t3;
  if (b->vtfbphi1 < 0.0) b->vtfbphi1 = 0.0;
  b->vtfbphi2 = 4.0 * t3;
  if (b->vtfbphi2 < 0.0) b->vtfbphi2 = 0.0;
  if (k2 < 0.0) {
    double t0 = 0.5 * b->k1 / k2;
    b->vbsc = 0.9 * (b->phi - t0 * t0);
    b->vbsc = b->vbsc > -3.0 ? -3.0 : b->vbsc < -30.0 ? -30.0 : b->vbsc;
  } else {
    b->vbsc = -30.0;
  }
  if (b->vbsc > vbm) b->vbsc = vbm;
  b->k2ox = k2 * b->toxe / toxm;
  b->tunnel.vfbzb += type * b->vth0;
}

/* ndep as b4temp.c takes it: from GAMMA1 where NDEP is not given and GAMMA1 is. */
static double doping(const card *c, double coxe) {
  int ndep_given, g1_given;
  double ndep = binned_like(c, "ndep", 1.7e17, NULL, 1e20);
  plain(c, "ndep", 0, &ndep_given), plain(c, "gamma1", 0, &g1_given);
  if (!ndep_given && g1_given) {
    double t0 = binned(c, "gamma1", 0) * coxe;
    ndep = 3.01248e22 * t0 * t0;
  }
  return ndep;
}

static void tunnel_terms(const card *c, int type, double tratio, double del_temp, double vtm0,
                         kh_bsim4 *b);

static kh_status refuse(kh_context *ctx, kh_element e, const char *what) {
  return kh_fail(ctx, KH_ERR_INPUT, "%s:%u:%u: MOSFET '%s': BSIM4 model '%s' %s", e.file, e.line,
                 e.col, e.name, e.model, what);
}

/* The temperature-dependent terms b4temp.c sets after binning: VOFF, NFACTOR, ETA0 and the
 * source-end velocity limit's factor. */
static double leakage_terms(const card *c, double del_temp, double tnom, kh_bsim4 *b) {
  double voff = binned(c, "voff", -0.08) * (1.0 + binned(c, "tvoff", 0) * del_temp);
  b->nfactor = b->nfactor + binned(c, "tnfactor", 0) * del_temp / tnom;
  b->eta0 = b->eta0 + binned(c, "teta0", 0) * del_temp / tnom;
  if (b->vtl_on) {
    double lc = plain(c, "lc", 5.0e-9, NULL), xn = binned(c, "xn", 3.0);
    double t0 = b->leff / (xn * b->leff + (lc < 0.0 ? 0.0 : lc));
    b->tfactor = (1.0 - t0) / (1.0 + t0);
  }
  return voff;
}

/* PARAMCHK's corrections where ngspice 39 makes them at every size the model has: refused
 * where it would make them at one size of several (4.8 and BSIM4v5: the first it sets up). */
static kh_status check_corrections(kh_context *ctx, kh_element e, const card *c, kh_bsim4 *b,
                                   unsigned sizes) {
  /* BSIM4v6 and BSIM4v7 (VERSION 4.6, 4.7) check every size as they set it up (measured: a
   * warning per size) */
  double version = plain(c, "version", 4.82, NULL);
  int every_size = version == 4.6 || version == 4.7;
  if (corrections(c, version, b) && (sizes & KH_SIZE_MANY) && !every_size)
    return refuse(
        ctx, e,
        "has A2 outside [0.01, 1] or PRWG, RDSW or RDSWMIN below 0 at this size, which "
        "ngspice 39's parameter check corrects for the one size of each model it checks "
        "(the first it sets up) and leaves as given at the others: with two sizes or more "
        "the answer depends on that order. Give each size a model of its own, or values "
        "in range");
  return KH_OK;
}

kh_status kh_bsim4_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q,
                                unsigned sizes) {
  kh_element e = kh_netlist_element(nl, k);
  kh_mosfet_instance in = kh_netlist_mosfet_instance(nl, k);
  kh_bsim4 *b = &q->b4;
  card c = {nl, e.model, {0, 0, 0}};
  double temp = in.temperature, tnom = kh_netlist_nominal_temperature(nl, e.model), geo[5];
  double version = plain(&c, "version", 4.82, NULL); /* netlist/bsim4.c's codes */
  b->v5 = version == 4.5, b->v6 = version == 4.6;
  b->m = in.m, b->nf = in.nf, b->mob_mod = (int)plain(&c, "mobmod", 0, NULL);
  b->dio_mod = (int)plain(&c, "diomod", 1, NULL), b->temp_mod = (int)plain(&c, "tempmod", 0, NULL);
  b->gidl_mod = (int)plain(&c, "gidlmod", 0, NULL), b->rdsmod = plain(&c, "rdsmod", 0, NULL) == 1;
  double toxm;
  oxide(&c, b, &toxm);
  double vtm0 = KBOQ * tnom, eg0 = 1.16 - 7.02e-4 * tnom * tnom / (tnom + 1108.0);
  double ni =
      1.45e10 * (tnom / 300.15) * sqrt(tnom / 300.15) * exp(21.5565981 - eg0 / (2.0 * vtm0));
  double eg = 1.16 - 7.02e-4 * temp * temp / (temp + 1108.0), tratio = temp / tnom;
  b->vtm0 = vtm0, b->vtm = KBOQ * temp, b->temp_ratio = temp / tnom - 1.0;
  if (!(b->nf >= 1.0)) return refuse(ctx, e, "has NF below 1 (ngspice 39 stops)");
  if (!channel(&c, in.l, in.w, b->nf, geo)) {
    char what[200];
    snprintf(what, sizeof what,
             "gives an effective channel %g m long and %g m wide per finger (%g and %g for C-V, "
             "%g for the junctions): each must be positive (ngspice 39 stops)",
             geo[0], geo[1], geo[2], geo[3], geo[4]);
    return refuse(ctx, e, what);
  }
  b->leff = geo[0], b->weff = geo[1], b->weff_cj = geo[4];
  double unit = plain(&c, "binunit", 1, NULL) == 1 ? 1e-6 : 1;
  c.inv[0] = unit / b->leff, c.inv[1] = unit / b->weff;
  c.inv[2] = unit * unit / (b->leff * b->weff);
  threshold_terms(&c, q->type, b);
  gidl_terms(&c, b);
  at_temperature(&c, q->type, tratio, temp - tnom, b->weff_cj, b);
  double voff = leakage_terms(&c, temp - tnom, tnom, b);
  double ndep = doping(&c, b->coxe), nsub = binned(&c, "nsub", 6.0e16), k2, vbm;
  doping_terms(&c, ndep, vtm0, ni, voff, b);
  body_terms(&c, q->type, ndep, nsub, b, &k2, &vbm);
  b->k1ox = b->k1 * b->toxe / toxm;
  if (b->mob_mod == 3) b->vgsteff_vth = vgsteff_at_vth(b);
  tunnel_terms(&c, q->type, tratio, temp - tnom, vtm0, b);
  kh_bsim4_stress(&c, &in, tratio, b, &k2);
  kh_bsim4_well_proximity(&c, &in, b, &k2);
  instance_terms(&in, q->type, k2, vbm, toxm, b);
  double ps, as, pd, ad;
  junction_geometry(&c, &in, b, 0, &ps, &as);
  junction_geometry(&c, &in, b, 1, &pd, &ad);
  junction(&c, b, 0, as, ps, temp, tnom, eg0, eg, &b->source);
  junction(&c, b, 1, ad, pd, temp, tnom, eg0, eg, &b->drain);
  const char *bad =
      fatal(&c, b, ndep, nsub, toxm, binned(&c, "dsub", plain(&c, "drout", 0.56, NULL)),
            binned(&c, "drout", 0.56));
  if (bad) {
    char what[240];
    snprintf(what, sizeof what, "at L = %g, W = %g: %s (ngspice 39's parameter check stops there)",
             in.l, in.w, bad);
    return refuse(ctx, e, what);
  }
  kh_status checked = check_corrections(ctx, e, &c, b, sizes);
  if (checked != KH_OK) return checked;
  kh_bsim4_gate_resistance(&c, &in, b);
  kh_bsim4_body_resistances(&c, &in, b);
  kh_bsim4_sheet_conductances(&c, &in, b);
  double vt0 = KH_BOLTZMANN * KH_TEMPERATURE / KH_CHARGE; /* ngspice's CONSTvt0 */
  q->level = 54, q->vt = vt0, q->gmin = 1e-12;
  q->drain_vcrit = q->source_vcrit = vt0 * log(vt0 / (M_SQRT2 * 1.0e-14));
  q->cold_v[0] = q->type * b->vth0 + 0.1, q->cold_v[1] = 0.1, q->cold_v[2] = 0;
  q->von = q->type * b->vth0;
  kh_netlist_option(nl, "gmin", &q->gmin);
  q->d = kh_general_at(e.node_pos), q->s = kh_general_at(e.node_neg);
  q->g = kh_general_at(in.gate), q->b = kh_general_at(in.bulk);
  return KH_OK;
}

/* b4temp.c's vfbzbfactor: the flat band at zero bias less VTH0 (the gate tunnelling's Vfb). */
static double flat_band_factor(const kh_bsim4 *b, double tratio) {
  double tmp1 = b->vbi - b->phi, tmp2 = b->factor1 * sqrt(b->xdep0);
  double t8 = b->dvt0w * theta(b->dvt1w * b->weff * b->leff / tmp2) * tmp1;
  double t9 = b->dvt0 * theta(b->dvt1 * b->leff / tmp2) * tmp1;
  double t4 = b->toxe * b->phi / (b->weff + b->w0), t0 = sqrt(1.0 + b->lpe0 / b->leff);
  double t3 =
      b->temp_mod < 2 ? (b->kt1 + b->kt1l / b->leff) * (tratio - 1.0) : -b->kt1 * (tratio - 1.0);
  double t5 = b->k1ox * (t0 - 1.0) * b->sqrt_phi + t3;
  return -t8 - t9 + b->k3 * t4 + t5 - b->phi - b->k1 * b->sqrt_phi;
}

/* The source and drain edges' A, B and C (b4set.c: AIGSD, BIGSD and CIGSD give both, else
 * AIGS, AIGD and the rest, each with its l, w and p terms; the defaults by type). */
static double edge_term(const card *c, const char *sd, const char *own, double fallback) {
  int sd_given, s_given, d_given;
  char s_name[8], d_name[8];
  snprintf(s_name, sizeof s_name, "%.3ss", sd), snprintf(d_name, sizeof d_name, "%.3sd", sd);
  plain(c, sd, 0, &sd_given), plain(c, s_name, 0, &s_given), plain(c, d_name, 0, &d_given);
  if (sd_given || !(s_given || d_given)) return binned(c, sd, fallback);
  return binned(c, own, fallback);
}

/* The gate tunnelling currents' terms (b4temp.c): the oxide ratios with NTOX, TOXREF and
 * POXEDGE, the coefficients by type, the edges' flat band (VFBSD from NGATE and NSD, and
 * VFBSDOFF at temperature), the flat band at zero bias. */
static void tunnel_terms(const card *c, int type, double tratio, double del_temp, double vtm0,
                         kh_bsim4 *b) {
  kh_bsim4_tunnel *g = &b->tunnel;
  g->igc_mod = (int)plain(c, "igcmod", 0, NULL), g->igb_mod = (int)plain(c, "igbmod", 0, NULL);
  int n = type > 0;
  double toxe = b->toxe, ntox = binned(c, "ntox", 1.0), toxref = plain(c, "toxref", 30.0e-10, NULL);
  double poxedge = binned(c, "poxedge", 1.0), lint = plain(c, "lint", 0, NULL);
  double tox_ratio = exp(ntox * log(toxref / toxe)) / toxe / toxe;
  double tox_ratio_edge =
      exp(ntox * log(toxref / (toxe * poxedge))) / toxe / toxe / poxedge / poxedge;
  double aechvb = n ? 4.97232e-7 : 3.42537e-7, bechvb = n ? 7.45669e11 : 1.16645e12;
  int dlcig_given;
  double dlcig = plain(c, "dlcig", lint, &dlcig_given);
  double dlcigd = plain(c, "dlcigd", dlcig_given ? dlcig : lint, NULL);
  g->aechvb_edge_s = aechvb * b->weff * dlcig * tox_ratio_edge;
  g->aechvb_edge_d = aechvb * b->weff * dlcigd * tox_ratio_edge;
  g->bechvb_edge = -bechvb * toxe * poxedge;
  g->aechvb = aechvb * (b->weff * b->leff * tox_ratio), g->bechvb = bechvb * -toxe;
  g->igb_area = 4.97232e-7 * b->weff * b->leff * tox_ratio;
  g->aigc = binned(c, "aigc", n ? 1.36e-2 : 9.80e-3),
  g->bigc = binned(c, "bigc", n ? 1.71e-3 : 7.59e-4);
  g->cigc = binned(c, "cigc", n ? 0.075 : 0.03);
  g->aigs = edge_term(c, "aigsd", "aigs", n ? 1.36e-2 : 9.80e-3);
  g->aigd = edge_term(c, "aigsd", "aigd", n ? 1.36e-2 : 9.80e-3);
  g->bigs = edge_term(c, "bigsd", "bigs", n ? 1.71e-3 : 7.59e-4);
  g->bigd = edge_term(c, "bigsd", "bigd", n ? 1.71e-3 : 7.59e-4);
  g->cigs = edge_term(c, "cigsd", "cigs", n ? 0.075 : 0.03);
  g->cigd = edge_term(c, "cigsd", "cigd", n ? 0.075 : 0.03);
  g->nigc = binned(c, "nigc", 1.0), g->pigcd = binned(c, "pigcd", 1.0);
  plain(c, "pigcd", 0, &g->pigcd_given);
  double ngate = b->ngate, nsd = binned_like(c, "nsd", 1.0e20, NULL, 1e23);
  double vfbsd = ngate > 0.0 ? vtm0 * log(ngate / nsd) : 0.0;
  b->vfbsd = vfbsd; /* RDSMOD=1's, without the edges' offset */
  g->vfbsd = vfbsd + binned(c, "vfbsdoff", 0) * (1.0 + binned(c, "tvfbsdoff", 0) * del_temp);
  g->aigbacc = binned(c, "aigbacc", 1.36e-2), g->bigbacc = binned(c, "bigbacc", 1.71e-3);
  g->cigbacc = binned(c, "cigbacc", 0.075), g->aigbinv = binned(c, "aigbinv", 1.11e-2);
  g->bigbinv = binned(c, "bigbinv", 9.49e-4), g->cigbinv = binned(c, "cigbinv", 0.006);
  g->nigbacc = binned(c, "nigbacc", 1.0), g->nigbinv = binned(c, "nigbinv", 3.0);
  g->eigbinv = binned(c, "eigbinv", 1.1);
  g->vfbzb = flat_band_factor(b, tratio); /* VTH0 (with DELVTO) added by instance_terms */
}
