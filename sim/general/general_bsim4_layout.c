/* BSIM4's terms from an instance's layout (general_bsim4_layout.h), as ngspice 39's b4temp.c
 * computes them after binning, in its order. */
#include "general_bsim4_layout.h"

#include <math.h>

typedef kh_card card;

static double plain(const card *c, const char *name, double fallback, int *given) {
  return kh_card_plain(c, name, fallback, given);
}
static double binned(const card *c, const char *name, double fallback) {
  return kh_card_binned(c, name, fallback, NULL, 0, 0);
}

/* The gate electrode's resistance (b4temp.c): RSHG (XGW + Weff_cj / (3 NGCON)) / (NGCON NF
 * (Lnew - XGL)), 1 mohm where that is not positive, at RGATEMOD 1 to 3, and XRCRG1 and XRCRG2
 * for 2's and 3's intrinsic part (general_bsim4_eval.c); kept only where a gate current flows
 * through it (IGCMOD or IGBMOD), as without one no DC current does. */
void kh_bsim4_gate_resistance(const card *c, const kh_mosfet_instance *in, kh_bsim4 *b) {
  b->ggate = 0, b->rgate = 0;
  int mode = (int)plain(c, "rgatemod", 0, NULL);
  if (mode < 1 || mode > 3 || (!b->tunnel.igc_mod && !b->tunnel.igb_mod)) return;
  double ngcon = plain(c, "ngcon", 1.0, NULL), lnew = in->l + plain(c, "xl", 0, NULL);
  double r = plain(c, "rshg", 0.1, NULL) * (plain(c, "xgw", 0, NULL) + b->weff_cj / 3.0 / ngcon) /
             (ngcon * b->nf * (lnew - plain(c, "xgl", 0, NULL)));
  b->rgate = mode;
  b->grgeltd = r > 0.0 ? 1.0 / r : 1.0e3;
  b->ggate = b->grgeltd * b->m;
  b->xrcrg1 = binned(c, "xrcrg1", 12.0), b->xrcrg2 = binned(c, "xrcrg2", 1.0);
}

/* b4temp.c's stress effect (since the thirty-third session): with SA and SB above 0 (and SD
 * between the fingers above 0 where NF > 1; SD defaults to 2 DMCG) the saturation velocity,
 * VTH0, K2 and ETA0 (not the mobility: below) move with the inverse distances from the gate to the
 * diffusion edges, averaged over the fingers, against those at SAREF and SBREF: KU0, KVSAT, KVTH0,
 * STK2 and STETA0 with their length and width terms (LKU0 ... PKVTH0 over L + XL and W / NF + XW +
 * WLOD to LLODKU0 ... WLODVTH), TKU0 at temperature, LODK2 and LODETA0. */
#define LOD_DELTA 1.0e-9 /* b4temp.c's DELTA */
void kh_bsim4_stress(const card *c, const kh_mosfet_instance *in, double tratio, kh_bsim4 *b,
                     double *k2) {
  double nf = b->nf, sd = isnan(in->sd) ? 2.0 * plain(c, "dmcg", 0, NULL) : in->sd;
  if (!(in->sa > 0.0 && in->sb > 0.0 && (nf == 1.0 || (nf > 1.0 && sd > 0.0)))) return;
  double ldrn = in->l, lnew = in->l + plain(c, "xl", 0, NULL);
  double wlod = plain(c, "wlod", 0, NULL), w_tmp = in->w / nf + plain(c, "xw", 0, NULL);
  w_tmp = w_tmp + (wlod < 0.0 ? 0.0 : wlod);
  double t0 = pow(lnew, plain(c, "llodku0", 0, NULL)),
         t1 = pow(w_tmp, plain(c, "wlodku0", 0, NULL));
  double ku0 = 1.0 + (plain(c, "lku0", 0, NULL) / t0 + plain(c, "wku0", 0, NULL) / t1 +
                      plain(c, "pku0", 0, NULL) / (t0 * t1));
  t0 = pow(lnew, plain(c, "llodvth", 0, NULL)), t1 = pow(w_tmp, plain(c, "wlodvth", 0, NULL));
  double kvth0 = 1.0 + (plain(c, "lkvth0", 0, NULL) / t0 + plain(c, "wkvth0", 0, NULL) / t1 +
                        plain(c, "pkvth0", 0, NULL) / (t0 * t1));
  kvth0 = sqrt(kvth0 * kvth0 + LOD_DELTA);
  double ku0temp = ku0 * (1.0 + plain(c, "tku0", 0, NULL) * (tratio - 1.0)) + LOD_DELTA;
  double inv_od_ref = 1.0 / (plain(c, "saref", 1e-6, NULL) + 0.5 * ldrn) +
                      1.0 / (plain(c, "sbref", 1e-6, NULL) + 0.5 * ldrn);
  double model_ku0 = plain(c, "ku0", 0, NULL), rho_ref = model_ku0 / ku0temp * inv_od_ref;
  double kvsat = plain(c, "kvsat", 0, NULL), inv_sa = 0, inv_sb = 0;
  kvsat = kvsat < -1.0 ? -1.0 : kvsat > 1.0 ? 1.0 : kvsat;
  for (int i = 0; i < nf; i++) {
    inv_sa += 1.0 / nf / (in->sa + 0.5 * ldrn + i * (sd + ldrn));
    inv_sb += 1.0 / nf / (in->sb + 0.5 * ldrn + i * (sd + ldrn));
  }
  double inv_odeff = inv_sa + inv_sb, rho = model_ku0 / ku0temp * inv_odeff;
  /* b4temp.c scales the mobility by (1 + rho) / (1 + rho_ref) too, and then, setting MULU0's
   * multiplier, takes it again from the size-dependent value: ngspice 39's mobility has no stress
   * term (measured: KU0 alone moves nothing; KVSAT's velocity term stays) */
  b->vsattemp = b->vsattemp * ((1.0 + kvsat * rho) / (1.0 + kvsat * rho_ref));
  double od_offset = inv_odeff - inv_od_ref;
  b->vth0 = b->vth0 + plain(c, "kvth0", 0, NULL) / kvth0 * od_offset;
  *k2 = *k2 + plain(c, "stk2", 0, NULL) / pow(kvth0, plain(c, "lodk2", 1.0, NULL)) * od_offset;
  b->eta0 = b->eta0 +
            plain(c, "steta0", 0, NULL) / pow(kvth0, plain(c, "lodeta0", 1.0, NULL)) * od_offset;
}

/* b4temp.c's well proximity effect (WPEMOD=1): SCEFF = SCA + WEB SCB + WEC SCC from the
 * instance's SCA, SCB and SCC (not given: 0; none of them given: from its SC above 0, the
 * distance to the well edge, over SCREF and W / NF; 4.8 takes a negative one as 0, BSIM4v5 as
 * given) moves VTH0 by KVTH0WE SCEFF and K2 by K2WE SCEFF (binned); KU0WE's mobility factor is
 * lost as the stress effect's is (ngspice 39 takes the mobility back when it applies MULU0). */
void kh_bsim4_well_proximity(const card *c, const kh_mosfet_instance *in, kh_bsim4 *b, double *k2) {
  if (plain(c, "wpemod", 0, NULL) != 1) return;
  double s[3] = {in->sc[0], in->sc[1], in->sc[2]}, sc = in->sc[3];
  if (isnan(s[0]) && isnan(s[1]) && isnan(s[2]) && !isnan(sc) && sc > 0.0) {
    double wdrn = in->w / b->nf, scref = plain(c, "scref", 1.0e-6, NULL);
    double t1 = sc + wdrn, t2 = 1.0 / scref;
    s[0] = scref * scref / (sc * t1);
    s[1] = ((0.1 * sc + 0.01 * scref) * exp(-10.0 * sc * t2) -
            (0.1 * t1 + 0.01 * scref) * exp(-10.0 * t1 * t2)) /
           wdrn;
    s[2] = ((0.05 * sc + 0.0025 * scref) * exp(-20.0 * sc * t2) -
            (0.05 * t1 + 0.0025 * scref) * exp(-20.0 * t1 * t2)) /
           wdrn;
  }
  for (int k = 0; k < 3; k++)
    if (isnan(s[k]) || (!b->v5 && s[k] < 0.0)) s[k] = 0.0;
  double sceff = s[0] + plain(c, "web", 0, NULL) * s[1] + plain(c, "wec", 0, NULL) * s[2];
  b->vth0 += binned(c, "kvth0we", 0) * sceff;
  *k2 += binned(c, "k2we", 0) * sceff;
}

/* RBODYMOD=2's scalable resistance (b4temp.c): R0 (Leff / 1 um)^L (Weff / 1 um)^W NF^NF. */
static double scalable(const card *c, const char *r0, double r0_default, const char *const exps[3],
                       const double ln[3]) {
  return plain(c, r0, r0_default, NULL) *
         exp(plain(c, exps[0], 0, NULL) * ln[0] + plain(c, exps[1], 0, NULL) * ln[1] +
             plain(c, exps[2], 0, NULL) * ln[2]);
}

/* Two scalable resistances in parallel (b4temp.c's x and y parts of RBSB, RBDB and RBPB). */
static double parallel(double x, double y) {
  return x * y / (x + y);
}

/* RBODYMOD=2's resistances as b4temp.c scales them (r: RBDB, RBSB, RBPB, RBPS, RBPD), by its
 * bodymode: 5 with RBPS0 and RBPD0 and an x or y part of both junctions' given, all five; 3
 * without a junction's, the three to the inner body; 1 without RBPS0 or RBPD0, RBPB only. */
static int scalable_body(const card *c, const kh_bsim4 *b, double r[5]) {
  /* each resistance's exponents of L, W and NF (the junctions' x and y parts share theirs) */
  static const char *const exponents[6][3] = {
      {"rbsdbxl", "rbsdbxw", "rbsdbxnf"}, {"rbsdbyl", "rbsdbyw", "rbsdbynf"},
      {"rbpsl", "rbpsw", "rbpsnf"},       {"rbpdl", "rbpdw", "rbpdnf"},
      {"rbpbxl", "rbpbxw", "rbpbxnf"},    {"rbpbyl", "rbpbyw", "rbpbynf"}};
  const double ln[3] = {log(b->leff * 1.0e6), log(b->weff * 1.0e6), log(b->nf)};
  int given[6];
  static const char *const zeros[6] = {"rbps0", "rbpd0", "rbsbx0", "rbsby0", "rbdbx0", "rbdby0"};
  for (int k = 0; k < 6; k++) plain(c, zeros[k], 0, &given[k]);
  int mode = !given[0] || !given[1]                                 ? 1
             : (!given[2] && !given[3]) || (!given[4] && !given[5]) ? 3
                                                                    : 5;
  if (mode == 5) {
    r[1] = parallel(scalable(c, "rbsbx0", 100.0, exponents[0], ln),
                    scalable(c, "rbsby0", 100.0, exponents[1], ln));
    r[0] = parallel(scalable(c, "rbdbx0", 100.0, exponents[0], ln),
                    scalable(c, "rbdby0", 100.0, exponents[1], ln));
  }
  if (mode >= 3)
    r[3] = scalable(c, "rbps0", 50.0, exponents[2], ln),
    r[4] = scalable(c, "rbpd0", 50.0, exponents[3], ln);
  r[2] = parallel(scalable(c, "rbpbx0", 100.0, exponents[4], ln),
                  scalable(c, "rbpby0", 100.0, exponents[5], ln));
  return mode;
}

/* The body network's conductances (b4temp.c): GBMIN + 1 / R each (1e3 S below 1 mohm), times m;
 * with RBODYMOD=2 as its bodymode leaves them: below 5 the junctions' inner nodes held to the
 * bulk by GBMIN alone, and at 1 RBPS and RBPD shorted (1e3 S). */
void kh_bsim4_body_resistances(const card *c, const kh_mosfet_instance *in, kh_bsim4 *b) {
  static const char *const names[5] = {"rbdb", "rbsb", "rbpb", "rbps", "rbpd"};
  double *at[5] = {&b->grbdb, &b->grbsb, &b->grbpb, &b->grbps, &b->grbpd}, r[5];
  int mode = in->rbodymod >= 0 ? in->rbodymod : (int)plain(c, "rbodymod", 0, NULL);
  b->rbody = mode == 1 || mode == 2;
  double gbmin = plain(c, "gbmin", 1.0e-12, NULL);
  for (int k = 0; k < 5; k++)
    r[k] = isnan(in->rbody[k]) ? plain(c, names[k], 50.0, NULL) : in->rbody[k];
  int body_mode = mode == 2 ? scalable_body(c, b, r) : 5;
  for (int k = 0; k < 5; k++)
    *at[k] = b->rbody ? (r[k] < 1.0e-3 ? 1.0e3 : gbmin + 1.0 / r[k]) * b->m : 0;
  if (body_mode < 5) b->grbdb = b->grbsb = gbmin * b->m;
  if (body_mode == 1) b->grbps = b->grbpd = 1.0e3 * b->m;
}

void kh_bsim4_finger_diffusions(double nf, int min_sd, double nu[4]) {
  if ((int)nf % 2 != 0) {
    nu[1] = nu[3] = 1.0, nu[0] = nu[2] = 2.0 * fmax((nf - 1.0) / 2.0, 0.0);
  } else if (min_sd == 1) { /* fewer sources */
    nu[1] = 2.0, nu[0] = 2.0 * fmax(nf / 2.0 - 1.0, 0.0), nu[3] = 0.0, nu[2] = nf;
  } else {
    nu[1] = 0.0, nu[0] = nf, nu[3] = 2.0, nu[2] = 2.0 * fmax(nf / 2.0 - 1.0, 0.0);
  }
}

/* b4geo.c's BSIM4RdseffGeo at RGEOMOD 1 (the only value ngspice 39 computes with: netlist/bsim4.c
 * refuses the others): the source's (drain 0) or drain's resistance from the diffusions'
 * geometry, dm = DMCG, DMCI, DMDG (less DMCGT): the inside diffusions' (RSH DMCG / (Wcj nu_int))
 * in parallel with the ends' by GEOMOD (isolated or shared: RSH DMCG / (Wcj nu_end); merged:
 * RSH DMDG / Wcj, over nu_end at GEOMOD 5 and 7 only; 9 and 10, NF even, with all contacts
 * wide). */
static double geometry_resistance(double nf, int geo, int min_sd, double wcj, double rsh,
                                  const double dm[3], int drain) {
  double nu[4] = {0, 0, 0, 0}, r_int = 0.0, r_end = 0.0;
  if (geo < 9) {
    kh_bsim4_finger_diffusions(nf, min_sd, nu);
    double inside = drain ? nu[0] : nu[2];
    r_int = inside == 0.0 ? 0.0 : rsh * dm[0] / (wcj * inside);
  }
  double end = drain ? nu[1] : nu[3];
  /* the GEOMODs whose source's (drain's) end is merged */
  int merged = drain ? geo == 4 || geo == 5 || geo == 8 : geo == 6 || geo == 7 || geo == 8;
  if (geo == 9 || geo == 10) {
    int two_ends = (geo == 9) == !drain;
    r_end = two_ends ? 0.5 * rsh * dm[0] / wcj : 0.0;
    r_int = !two_ends   ? rsh * dm[0] / (wcj * nf)
            : nf == 2.0 ? 0.0
                        : rsh * dm[0] / (wcj * (nf - 2.0));
  } else if (merged) {
    r_end = rsh * dm[2] / (geo == 5 || geo == 7 ? wcj * end : wcj);
  } else {
    r_end = end == 0.0 ? 0.0 : rsh * dm[0] / (wcj * end);
  }
  if (r_int <= 0.0) return r_end;
  if (r_end <= 0.0) return r_int;
  return r_int * r_end / (r_int + r_end);
}

/* The source's and drain's series resistances (b4set.c makes their inner nodes, b4temp.c their
 * conductances): RSH NRS where the instance (or its card) gives NRS, else RGEOMOD's from the
 * layout where RGEOMOD (the instance's, else the card's) is 1, else none. A side has its inner
 * node at RDSMOD=1, and at RDSMOD=0 with RSH above 0 where NRS is given above 0 or, without
 * NRS, where RGEOMOD's resistance comes out positive as b4set.c computes it, over NF m fingers
 * of the drawn W (so that an even NF m loses GEOMOD 5's merged drain end, measured); its
 * conductance is 1 / that resistance at NF and Weff_cj where positive, else 1e3 S. */
void kh_bsim4_sheet_conductances(const card *c, const kh_mosfet_instance *in, kh_bsim4 *b) {
  double rsh = plain(c, "rsh", 0, NULL), squares[2] = {in->nrs, in->nrd}, g[2];
  unsigned given[2] = {in->given & 1u << 7, in->given & 1u << 6}; /* nrs, nrd (netlist.h) */
  int rgeo = in->rgeomod >= 0 ? in->rgeomod : (int)plain(c, "rgeomod", 0, NULL);
  int geo = in->geomod >= 0 ? in->geomod : (int)plain(c, "geomod", 0, NULL);
  double dmcg = plain(c, "dmcg", 0, NULL), dmcgt = plain(c, "dmcgt", 0, NULL);
  const double dm[3] = {dmcg - dmcgt, plain(c, "dmci", dmcg, NULL),
                        plain(c, "dmdg", 0, NULL) - dmcgt};
  for (int k = 0; k < 2; k++) {
    double r = 0.0;
    int node = b->rdsmod;
    if (given[k]) {
      r = rsh * squares[k];
      node |= rsh > 0.0 && squares[k] > 0.0;
    } else if (rgeo == 1) {
      r = geometry_resistance(b->nf, geo, in->min_sd, b->weff_cj, rsh, dm, k);
      node |=
          rsh > 0.0 && geometry_resistance(b->nf * b->m, geo, in->min_sd, in->w, rsh, dm, k) > 0.0;
    }
    b->series[k] = node;
    g[k] = r > 0.0 ? 1.0 / r : 1.0e3;
  }
  b->gsheet_s = g[0], b->gsheet_d = g[1];
}
