/* BSIM3 v3.3 MOSFETs (LEVEL 8 or 49) in general Newton: the model at an instance, as ngspice
 * 39's b3set.c (defaults), b3temp.c (the size-dependent parameters: binned by the effective
 * length and width, and at temperature) and b3check.c (its fatal checks, refused here with the
 * value) compute it, in their order, so that the rounding is theirs too. The DC equations are in
 * general_bsim3_eval.c; the stamp and limiting are the levels' shared ones (general_mosfet.c).
 * Constants are BSIM3's own (b3temp.c), not the rest of ngspice's. */
#include "general_card.h"
#include "general_impl.h"

#include "core/context.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KBOQ 8.617087e-5
#define EPSOX 3.453133e-11
#define EPSSI 1.03594e-10
#define CHARGE_Q 1.60219e-19

typedef kh_card card;

static double plain(const card *c, const char *name, double fallback, int *given) {
  return kh_card_plain(c, name, fallback, given);
}
/* The binned value (general_card.h), NCH above 1e20 (its terms too) and NGATE above 1.000001e24
 * (its terms above 1e23) read in m^-3 as b3mpar.c reads them. */
static double binned_scaled(const card *c, const char *name, double fallback, double limit,
                            double term_limit) {
  return kh_card_binned(c, name, fallback, NULL, limit, term_limit);
}
static double binned(const card *c, const char *name, double fallback) {
  return binned_scaled(c, name, fallback, 0, 0);
}

/* b3temp.c's length and width offsets: lint (or dlc for C-V) plus the geometry terms. */
static double offset(const card *c, double base, const char *const names[5], double len, double wid,
                     const double fallbacks[3]) {
  double t0 = pow(len, plain(c, names[3], 1, NULL)), t1 = pow(wid, plain(c, names[4], 1, NULL));
  double tmp = plain(c, names[0], fallbacks[0], NULL) / t0 +
               plain(c, names[1], fallbacks[1], NULL) / t1 +
               plain(c, names[2], fallbacks[2], NULL) / (t0 * t1);
  return base + tmp;
}

/* Leff, Weff and their C-V counterparts (ngspice stops where one is not positive). */
static int channel(const card *c, double len, double wid, double out[4]) {
  double ll = plain(c, "ll", 0, NULL), lw = plain(c, "lw", 0, NULL), lwl = plain(c, "lwl", 0, NULL);
  double wl = plain(c, "wl", 0, NULL), ww = plain(c, "ww", 0, NULL), wwl = plain(c, "wwl", 0, NULL);
  double lint = plain(c, "lint", 0, NULL), wint = plain(c, "wint", 0, NULL);
  static const char *const dl[5] = {"ll", "lw", "lwl", "lln", "lwn"};
  static const char *const dlc[5] = {"llc", "lwc", "lwlc", "lln", "lwn"};
  static const char *const dw[5] = {"wl", "ww", "wwl", "wln", "wwn"};
  static const char *const dwc[5] = {"wlc", "wwc", "wwlc", "wln", "wwn"};
  const double zero[3] = {0, 0, 0}, lcv[3] = {ll, lw, lwl}, wcv[3] = {wl, ww, wwl};
  double xl = plain(c, "xl", 0, NULL), xw = plain(c, "xw", 0, NULL);
  out[0] = len + xl - 2 * offset(c, lint, dl, len, wid, zero);
  out[1] = wid + xw - 2 * offset(c, wint, dw, len, wid, zero);
  out[2] = len + xl - 2 * offset(c, plain(c, "dlc", lint, NULL), dlc, len, wid, lcv);
  out[3] = wid + xw - 2 * offset(c, plain(c, "dwc", wint, NULL), dwc, len, wid, wcv);
  return out[0] > 0 && out[1] > 0 && out[2] > 0 && out[3] > 0;
}

/* The binned parameters that the threshold and the current read. */
static void threshold_terms(const card *c, kh_bsim3 *b) {
  b->cdsc = binned(c, "cdsc", 2.4e-4), b->cdscb = binned(c, "cdscb", 0);
  b->cdscd = binned(c, "cdscd", 0), b->cit = binned(c, "cit", 0);
  b->nfactor = binned(c, "nfactor", 1), b->xj = binned(c, "xj", 0.15e-6);
  b->a0 = binned(c, "a0", 1), b->ags = binned(c, "ags", 0), b->a1 = binned(c, "a1", 0);
  b->a2 = binned(c, "a2", 1), b->keta = binned(c, "keta", -0.047);
  b->ngate = binned_scaled(c, "ngate", 0, 1.000001e24, 1e23);
  b->kt1 = binned(c, "kt1", -0.11), b->kt1l = binned(c, "kt1l", 0),
  b->kt2 = binned(c, "kt2", 0.022);
  b->k3 = binned(c, "k3", 80), b->k3b = binned(c, "k3b", 0), b->w0 = binned(c, "w0", 2.5e-6);
  b->nlx = binned(c, "nlx", 1.74e-7), b->dvt0 = binned(c, "dvt0", 2.2);
  b->dvt1 = binned(c, "dvt1", 0.53), b->dvt2 = binned(c, "dvt2", -0.032);
  b->dvt0w = binned(c, "dvt0w", 0), b->dvt1w = binned(c, "dvt1w", 5.3e6);
  b->dvt2w = binned(c, "dvt2w", -0.032), b->voff = binned(c, "voff", -0.08);
  b->delta = binned(c, "delta", 0.01), b->prwg = binned(c, "prwg", 0);
  b->prwb = binned(c, "prwb", 0), b->eta0 = binned(c, "eta0", 0.08);
  b->etab = binned(c, "etab", -0.07), b->pclm = binned(c, "pclm", 1.3);
  b->pdiblb = binned(c, "pdiblcb", 0), b->pscbe1 = binned(c, "pscbe1", 4.24e8);
  b->pscbe2 = binned(c, "pscbe2", 1e-5), b->pvag = binned(c, "pvag", 0);
  b->dwg = binned(c, "dwg", 0), b->dwb = binned(c, "dwb", 0), b->b0 = binned(c, "b0", 0);
  b->b1 = binned(c, "b1", 0), b->alpha0 = binned(c, "alpha0", 0);
  b->alpha1 = binned(c, "alpha1", 0), b->beta0 = binned(c, "beta0", 30);
}

/* b3temp.c's mobility, saturation velocity and series resistance at temperature, with
 * PARAMCHK=1's corrections (b3check.c sets A2 into [0.01, 1], A1 to 0 with A2 above 1, and
 * Rds0 to 0 where RDSW is negative or Rds0 lies in (0, 1 mohm)). */
static void at_temperature(const card *c, int type, double ratio, kh_bsim3 *b) {
  double t0 = ratio - 1;
  int mob3 = b->mob_mod == 3;
  b->ua = binned(c, "ua", 2.25e-9) + binned(c, "ua1", 4.31e-9) * t0;
  b->ub = binned(c, "ub", 5.87e-19) + binned(c, "ub1", -7.61e-18) * t0;
  b->uc = binned(c, "uc", mob3 ? -0.0465 : -0.0465e-9) +
          binned(c, "uc1", mob3 ? -0.056 : -0.056e-9) * t0;
  double u0 = binned(c, "u0", type > 0 ? 0.067 : 0.025);
  if (u0 > 1) u0 = u0 / 1e4;
  b->u0temp = u0 * pow(ratio, binned(c, "ute", -1.5));
  b->vsattemp = binned(c, "vsat", 8e4) - binned(c, "at", 3.3e4) * t0;
  double rdsw = binned(c, "rdsw", 0);
  b->rds0 = (rdsw + binned(c, "prt", 0) * t0) / pow(b->weff * 1e6, binned(c, "wr", 1));
  if (plain(c, "paramchk", 0, NULL) != 1) return;
  if (b->a2 < 0.01) {
    b->a2 = 0.01;
  } else if (b->a2 > 1) {
    b->a2 = 1, b->a1 = 0;
  }
  if (rdsw < 0) {
    b->rds0 = 0;
  } else if (b->rds0 > 0 && b->rds0 < 0.001) { /* a negative Rds0 (from PRT) stays, measured */
    b->rds0 = 0;
  }
}

/* b3check.c's fatal checks (ngspice 39 stops the run at each), on the instance's values: a
 * message naming what failed, or NULL. */
static const char *fatal(const card *c, const kh_bsim3 *b, double npeak, double nsub, double drout,
                         double dsub) {
  if (b->nlx < -b->leff) return "NLX is less than -Leff";
  if (!(b->tox > 0) || !(plain(c, "toxm", b->tox, NULL) > 0))
    return "TOX and TOXM must be positive";
  if (plain(c, "lintnoi", 0, NULL) > b->leff / 2) return "LINTNOI is larger than Leff/2";
  if (!(npeak > 0) || !(nsub > 0)) return "NCH and NSUB must be positive";
  if (b->ngate < 0 || b->ngate > 1e25) return "NGATE must lie in [0, 1e25]";
  if (!(b->xj > 0)) return "XJ must be positive";
  if (b->dvt1 < 0 || b->dvt1w < 0) return "DVT1 and DVT1W must not be negative";
  if (b->w0 == -b->weff || b->b1 == -b->weff) return "W0 + Weff or B1 + Weff is 0";
  if (dsub < 0 || drout < 0) return "DSUB and DROUT must not be negative";
  if (!(b->u0temp > 0) || !(b->vsattemp > 0)) return "U0 and VSAT at temperature must be positive";
  if (b->delta < 0 || !(b->pclm > 0)) return "DELTA must not be negative and PCLM must be positive";
  if (plain(c, "ijth", 0.1, NULL) < 0) return "IJTH must not be negative";
  if (binned(c, "clc", 0.1e-6) < 0) return "CLC must not be negative";
  return NULL;
}

/* b3temp.c's K1 and K2 (from GAMMA1, GAMMA2, VBX and VBM where neither is given), Vbsc, VFB and
 * VTH0 (each from the other where one is not given). */
static void body_terms(const card *c, int type, double npeak, double nsub, kh_bsim3 *b) {
  int k1_given, k2_given, vbx_given, g1_given, g2_given, vfb_given, vth0_given;
  plain(c, "k1", 0, &k1_given), plain(c, "k2", 0, &k2_given);
  plain(c, "vbx", 0, &vbx_given), plain(c, "gamma1", 0, &g1_given);
  plain(c, "gamma2", 0, &g2_given), plain(c, "vfb", 0, &vfb_given);
  plain(c, "vth0", 0, &vth0_given);
  double vbm = binned(c, "vbm", -3), k2;
  if (k1_given || k2_given) {
    b->k1 = k1_given ? binned(c, "k1", 0) : 0.53;
    k2 = k2_given ? binned(c, "k2", 0) : -0.0186;
  } else {
    double vbx = binned(c, "vbx", 0), xt = binned(c, "xt", 1.55e-7);
    if (!vbx_given) vbx = b->phi - 7.7348e-4 * npeak * xt * xt;
    if (vbx > 0) vbx = -vbx;
    if (vbm > 0) vbm = -vbm;
    double gamma1 = g1_given ? binned(c, "gamma1", 0) : 5.753e-12 * sqrt(npeak) / b->cox;
    double gamma2 = g2_given ? binned(c, "gamma2", 0) : 5.753e-12 * sqrt(nsub) / b->cox;
    double t0 = gamma1 - gamma2, t1 = sqrt(b->phi - vbx) - b->sqrt_phi;
    double t2 = sqrt(b->phi * (b->phi - vbm)) - b->phi;
    k2 = t0 * t1 / (2.0 * t2 + vbm);
    b->k1 = gamma2 - 2.0 * k2 * sqrt(b->phi - vbm);
  }
  if (k2 < 0) {
    double t0 = 0.5 * b->k1 / k2;
    b->vbsc = 0.9 * (b->phi - t0 * t0);
    b->vbsc = b->vbsc > -3 ? -3 : b->vbsc < -30 ? -30 : b->vbsc;
  } else {
    b->vbsc = -30;
  }
  if (b->vbsc > vbm) b->vbsc = vbm;
  b->vth0 = binned(c, "vth0", type > 0 ? 0.7 : -0.7), b->vfb = binned(c, "vfb", 0);
  if (!vfb_given) b->vfb = vth0_given ? type * b->vth0 - b->phi - b->k1 * b->sqrt_phi : -1;
  if (!vth0_given) b->vth0 = type * (b->vfb + b->phi + b->k1 * b->sqrt_phi);
  double toxm = plain(c, "toxm", b->tox, NULL);
  b->k1ox = b->k1 * b->tox / toxm, b->k2ox = k2 * b->tox / toxm;
  if (b->version == 3.1) b->k1ox = b->k1, b->k2ox = k2; /* no TOXM: K1 and K2 themselves */
}

/* b3temp.c's doping terms: PHI, the depletion width, the built-in potential, Cdep0 (at TNOM's
 * thermal voltage vtm0 and intrinsic density ni), and the DIBL and output-resistance factors. */
static void doping_terms(const card *c, double npeak, double vtm0, double ni, double drout,
                         double dsub, kh_bsim3 *b) {
  b->phi = 2.0 * vtm0 * log(npeak / ni);
  b->sqrt_phi = sqrt(b->phi), b->phis3 = b->sqrt_phi * b->phi;
  b->xdep0 = sqrt(2.0 * EPSSI / (CHARGE_Q * npeak * 1.0e6)) * b->sqrt_phi;
  b->litl = sqrt(3.0 * b->xj * b->tox);
  b->vbi = vtm0 * log(1.0e20 * npeak / (ni * ni));
  b->cdep0 = sqrt(CHARGE_Q * EPSSI * npeak * 1.0e6 / 2.0 / b->phi);
  double t1 = sqrt(EPSSI / EPSOX * b->tox * b->xdep0);
  double t0 = exp(-0.5 * dsub * b->leff / t1);
  b->theta0vb0 = t0 + 2.0 * t0 * t0;
  t0 = exp(-0.5 * drout * b->leff / t1);
  b->theta_rout = binned(c, "pdiblc1", 0.39) * (t0 + 2.0 * t0 * t0) + binned(c, "pdiblc2", 0.0086);
}

/* BSIM3v1's parameter check (b3v1check.c), run once per size as ngspice 39 sets the sizes up,
 * raises the perimeters of the instance that set the size up to Weff where they are below it
 * (with CJSW or CJSWG positive: on the default card, PS = PD = 0 become Weff, and then the
 * junctions carry JSW Weff, 0 A by default, instead of the 1e-14 A of no area and perimeter).
 * ngspice keeps a model's instances last first (measured: of two instances of one size, the
 * later one's perimeters change), so the instance that sets a size up is the model's last
 * instance of that L and W (kh_mosfet_sizes). */
static void v31_perimeters(const card *c, unsigned sets_up, kh_mosfet_instance *in, double weff) {
  double cjsw = plain(c, "cjsw", 5.0e-10, NULL), cjswg = plain(c, "cjswg", cjsw, NULL);
  if (!(cjsw > 0 || cjswg > 0) || !sets_up) return;
  if (in->pd < weff) in->pd = weff;
  if (in->ps < weff) in->ps = weff;
}

/* The MOSFETs' model, L, W and element index, sorted so that a size's instances are adjacent
 * and the last of them last. */
typedef struct {
  const char *model;
  double l, w, nf;
  size_t k;
} sized;
static int by_model_size(const void *a, const void *b) {
  const sized *x = a, *y = b;
  int m = strcmp(x->model, y->model);
  if (m) return m;
  if (x->l != y->l) return x->l < y->l ? -1 : 1;
  if (x->w != y->w) return x->w < y->w ? -1 : 1;
  if (x->nf != y->nf) return x->nf < y->nf ? -1 : 1;
  return x->k < y->k ? -1 : x->k > y->k;
}
static int same_size(const sized *x, const sized *y) {
  return !strcmp(x->model, y->model) && x->l == y->l && x->w == y->w && x->nf == y->nf;
}
kh_status kh_mosfet_sizes(kh_context *ctx, const kh_netlist *nl, unsigned char *flags) {
  size_t n = kh_netlist_element_count(nl), count = 0;
  sized *all = kh_malloc((n + 1) * sizeof *all);
  if (!all) return kh_fail_nomem(ctx, "sorting the MOSFETs' sizes");
  for (size_t k = 0; k < n; k++) {
    kh_element e = kh_netlist_element(nl, k);
    if (e.kind != KH_MOSFET || !e.model) continue;
    kh_mosfet_instance a = kh_netlist_mosfet_instance(nl, k);
    all[count++] = (sized){e.model, a.l, a.w, a.nf, k};
  }
  qsort(all, count, sizeof *all, by_model_size);
  for (size_t from = 0, to; from < count; from = to) { /* one model's instances */
    size_t distinct = 1, repeated = 0;
    for (to = from + 1; to < count && !strcmp(all[to].model, all[from].model); to++) {
      int same = same_size(&all[to], &all[to - 1]);
      distinct += !same, repeated += same;
    }
    for (size_t i = from; i < to; i++)
      flags[all[i].k] =
          (unsigned char)((i + 1 == to || !same_size(&all[i], &all[i + 1]) ? KH_SIZE_SETS_UP : 0) |
                          (distinct >= 2 && repeated ? KH_SIZE_STALE : 0) |
                          (distinct >= 2 ? KH_SIZE_MANY : 0));
  }
  kh_free(all);
  return KH_OK;
}

/* At ACM > 0 (devsup.c's ACM_saturationCurrents, which b3ld.c calls): the source's (side 0) or
 * the drain's (1) saturation current from the areas and perimeters ACM computes where the
 * instance gives none (ACM 1 and 11: Weff WMLT and Weff; 2, and 12 with CALCACM=1: 2 HDIF' Weff
 * and 4 HDIF' + 2 Weff; 3 and 13: the same with GEO's shared sides, HDIF' Weff and 2 HDIF'),
 * given ones times WMLT^2 and WMLT, with HDIF' = HDIF WMLT and Weff = W WMLT + XW; 1e-14 A where
 * that comes to 0 or less. */
static double acm_saturation(const card *c, const kh_mosfet_instance *in, int side, double js,
                             double jsw) {
  int acm = (int)plain(c, "acm", 0, NULL), geo = in->geo;
  double wmlt = plain(c, "wmlt", 1, NULL), weff = in->w * wmlt + plain(c, "xw", 0, NULL);
  double hw = plain(c, "hdif", 0, NULL) * wmlt;
  double area = side ? in->ad : in->as, perimeter = side ? in->pd : in->ps;
  int area_given = in->given & 1u << (side ? 2 : 3),
      perimeter_given = in->given & 1u << (side ? 4 : 5);
  int whole = side ? geo == 0 || geo == 2 : geo == 0 || geo == 1; /* ACM 3: no shared side */
  if (acm == 1 || acm == 11) {
    area = weff * wmlt, perimeter = weff;
  } else if (acm == 2 || (acm == 12 && plain(c, "calcacm", 0, NULL) == 1)) {
    area = area_given ? area * wmlt * wmlt : 2.0 * hw * weff;
    perimeter = perimeter_given ? perimeter * wmlt : 4.0 * hw + 2.0 * weff;
  } else if (acm == 3 || acm == 13) {
    area = area_given ? area * wmlt * wmlt : whole ? 2.0 * hw * weff : hw * weff;
    perimeter = perimeter_given ? perimeter * wmlt : whole ? 4.0 * hw + weff : 2.0 * hw;
  }
  double sat = area * js + perimeter * jsw;
  return sat <= 0.0 ? 1.0e-14 : sat;
}

/* The bulk junctions' saturation currents at temperature (JS times AS plus JSW times PS, or
 * 1e-14 A with neither, or ACM's), and where IJTH linearizes them: BSIM3v32's b3v32temp.c from
 * ACM's current, v3.3's b3temp.c from the first whatever ACM says (measured: where ACM's current
 * is the larger, the junction then jumps down at that point, and ngspice and kirchhoff may each
 * find an operating point on another side of it). */
static void junctions(const card *c, const kh_mosfet_instance *in, double temp, double tnom,
                      double vtm0, kh_bsim3 *b) {
  double eg0 = 1.16 - 7.02e-4 * tnom * tnom / (tnom + 1108.0);
  double eg = 1.16 - 7.02e-4 * temp * temp / (temp + 1108.0), nj = plain(c, "nj", 1, NULL);
  double js = plain(c, "js", 1e-4, NULL), jsw = plain(c, "jsw", 0, NULL);
  if (temp != tnom) {
    double t0 = eg0 / vtm0 - eg / b->vtm + plain(c, "xti", 3, NULL) * log(temp / tnom);
    double t1 = exp(t0 / nj);
    js = js * t1, jsw = jsw * t1;
  }
  js = js < 0 ? 0 : js, jsw = jsw < 0 ? 0 : jsw;
  b->nvtm = b->vtm * nj, b->ijth = plain(c, "ijth", 0.1, NULL);
  double area[2] = {in->as, in->ad}, perimeter[2] = {in->ps, in->pd},
         *sat[2] = {&b->source_sat, &b->drain_sat};
  double *vjm[2] = {&b->vjsm, &b->vjdm}, *isev[2] = {&b->is_evjsm, &b->is_evjdm};
  int acm = plain(c, "acm", 0, NULL) > 0;
  for (int k = 0; k < 2; k++) {
    double own = area[k] <= 0 && perimeter[k] <= 0 ? 1.0e-14 : area[k] * js + perimeter[k] * jsw;
    *sat[k] = acm ? acm_saturation(c, in, k, js, jsw) : own;
    double at_ijth = b->version < 3.3 ? *sat[k] : own; /* v3.3: without ACM, whatever it says */
    if (at_ijth > 0 && b->ijth > 0) {
      *vjm[k] = b->nvtm * log(b->ijth / at_ijth + 1.0);
      *isev[k] = at_ijth * exp(*vjm[k] / b->nvtm);
    }
  }
}

/* BSIM3v32 before 3.2.3 (b3v32temp.c) is refused at a model's first instance where the model
 * has two sizes or more and one of them twice (KH_SIZE_STALE): an instance whose L and W an
 * instance set up before it has takes its threshold and mobility from the size ngspice set up
 * last (a stale pointer, fixed in 3.2.3), so its answer depends on the order ngspice keeps the
 * instances in (measured: 12 mV at a drain). */
kh_status kh_bsim3_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q,
                                unsigned sizes) {
  kh_element e = kh_netlist_element(nl, k);
  kh_mosfet_instance in = kh_netlist_mosfet_instance(nl, k);
  kh_bsim3 *b = &q->b3;
  card c = {nl, e.model, {0, 0, 0}};
  double temp = in.temperature, tnom = kh_netlist_nominal_temperature(nl, e.model), len4[4];
  b->m = in.m, b->mob_mod = (int)plain(&c, "mobmod", 1, NULL);
  b->version = plain(&c, "version", 3.3, NULL);
  in.l *= plain(&c, "lmlt", 1, NULL); /* BSIM3v32's b3v32set.c (the card has it at v3.2.x only) */
  if (b->version >= 3.2 && b->version <= 3.22 && (sizes & KH_SIZE_STALE))
    return kh_fail(
        ctx, KH_ERR_INPUT,
        "%s:%u:%u: MOSFET '%s': BSIM3 model '%s' is VERSION %s, whose instances of a "
        "size set up before take ngspice 39's threshold and mobility of the size it set "
        "up last (fixed in 3.2.3): with two sizes or more, one of them twice, the answer "
        "depends on the order ngspice keeps them in. Give VERSION=3.2.4, or each size "
        "a model of its own",
        e.file, e.line, e.col, e.name, e.model, b->version == 3.2 ? "3.2" : "3.2.2");
  b->tox = plain(&c, "tox", 150.0e-10, NULL), b->cox = 3.453133e-11 / b->tox;
  b->factor1 = sqrt(EPSSI / EPSOX * b->tox);
  double vtm0 = KBOQ * tnom, eg0 = 1.16 - 7.02e-4 * tnom * tnom / (tnom + 1108.0);
  double ni =
      1.45e10 * (tnom / 300.15) * sqrt(tnom / 300.15) * exp(21.5565981 - eg0 / (2.0 * vtm0));
  b->vtm = KBOQ * temp, b->temp_ratio = temp / tnom - 1.0;
  if (!channel(&c, in.l, in.w, len4))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: MOSFET '%s': BSIM3 model '%s' gives an effective channel %g m long "
                   "and %g m wide (%g and %g for C-V): each must be positive (ngspice 39 stops)",
                   e.file, e.line, e.col, e.name, e.model, len4[0], len4[1], len4[2], len4[3]);
  b->leff = len4[0], b->weff = len4[1];
  double unit = plain(&c, "binunit", 1, NULL) == 1 ? 1e-6 : 1;
  c.inv[0] = unit / b->leff, c.inv[1] = unit / b->weff,
  c.inv[2] = unit * unit / (b->leff * b->weff);
  threshold_terms(&c, b);
  at_temperature(&c, q->type, temp / tnom, b);
  double npeak = binned_scaled(&c, "nch", 1.7e17, 1e20, 1e20), nsub = binned(&c, "nsub", 6.0e16);
  double drout = binned(&c, "drout", 0.56),
         dsub = binned(&c, "dsub", plain(&c, "drout", 0.56, NULL));
  const char *bad = fatal(&c, b, npeak, nsub, drout, dsub);
  if (bad)
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: MOSFET '%s': BSIM3 model '%s' at L = %g, W = %g: %s (ngspice 39's "
                   "parameter check stops there)",
                   e.file, e.line, e.col, e.name, e.model, in.l, in.w, bad);
  int npeak_given, g1_given;
  plain(&c, "nch", 0, &npeak_given), plain(&c, "gamma1", 0, &g1_given);
  if (!npeak_given && g1_given) {
    double t0 = binned(&c, "gamma1", 0) * b->cox;
    npeak = 3.021E22 * t0 * t0;
  }
  doping_terms(&c, npeak, vtm0, ni, drout, dsub, b);
  body_terms(&c, q->type, npeak, nsub, b);
  /* the instance's own (b3temp.c): DELVTO shifts VTH0 and VFB, MULU0 scales the mobility */
  b->vth0 += in.delvto, b->vfb += q->type * in.delvto, b->u0temp *= in.mulu0;
  if (b->version == 3.1) {
    if (b->alpha0 > 0 && b->beta0 > 0)
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%u:%u: MOSFET '%s': BSIM3 model '%s' is VERSION 3.1 with ALPHA0 > 0: "
                     "ngspice 39's BSIM3v1 puts the substrate current between source and bulk "
                     "(from v3.2 on: drain and bulk), linearized about Vbseff; kirchhoff does not "
                     "reproduce that. Give ALPHA0=0, or VERSION=3.3",
                     e.file, e.line, e.col, e.name, e.model);
    v31_perimeters(&c, sizes & KH_SIZE_SETS_UP, &in, b->weff);
  }
  junctions(&c, &in, temp, tnom, vtm0, b);
  double vt0 = KH_BOLTZMANN * KH_TEMPERATURE / KH_CHARGE; /* ngspice's CONSTvt0 */
  q->level = 49, q->vt = vt0, q->gmin = 1e-12;
  q->drain_vcrit = q->source_vcrit = vt0 * log(vt0 / (M_SQRT2 * 1.0e-14));
  /* b3ld.c's first iterate; b3v1ld.c's takes VTH0 without the type (PMOS: off) */
  q->cold_v[0] = (b->version == 3.1 ? b->vth0 : q->type * b->vth0) + 0.1;
  q->cold_v[1] = 0.1, q->cold_v[2] = 0;
  q->von = q->type * b->vth0;
  kh_netlist_option(nl, "gmin", &q->gmin);
  q->d = kh_general_at(e.node_pos), q->s = kh_general_at(e.node_neg);
  q->g = kh_general_at(in.gate), q->b = kh_general_at(in.bulk);
  return KH_OK;
}
