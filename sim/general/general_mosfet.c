/* MOSFETs in general Newton. What levels 1, 2 and 3 share (process parameters, temperature,
 * ngspice's limiting and the stamp, which mos2load.c and mos3load.c write as mos1load.c does) and
 * level 1:
 * ngspice 39's mos1 (mos1temp.c and mos1load.c, read there): the Shichman-Hodges drain current with
 * body effect (GAMMA, PHI) and LAMBDA, drain and source swapped when vds < 0, two bulk junctions
 * with GMIN across each, KP, PHI, VTO and the junctions' IS at temperature, and KP, GAMMA, PHI, VTO
 * from TOX, U0, NSUB, TPG, NSS where the card leaves them out. The element's ends are the drain and
 * source inside RD and RS (resistors of their own, netlist/mosfet.c). A PMOS is an NMOS with every
 * voltage and current negated. Level 2's drain current is in general_mos2.c, level 3's drain
 * current and junctions in general_mos3.c. */
#include "general_impl.h"

#include "core/context.h"

#include <math.h>
#include <string.h>

/* Silicon's band gap at t kelvins, and ngspice's pbfact (the junction potential's shift). */
static double band_gap(double t) {
  return 1.16 - 7.02e-4 * t * t / (t + 1108);
}
static double pbfact(double t) {
  double k = KH_BOLTZMANN, vt = k / KH_CHARGE * t;
  double arg = -band_gap(t) / (2 * k * t) + 1.1150877 / (k * 2 * KH_TEMPERATURE);
  return -2 * vt * (1.5 * log(t / KH_TEMPERATURE) + KH_CHARGE * arg);
}

/* The model's process parameters (mos1temp.c, mos2temp.c, mos3temp.c): KP from U0 and TOX, and
 * PHI, GAMMA and VTO from NSUB, TPG and NSS, each only where the card does not give it. mos1 (and
 * mos6, whose KC general_mos6.c takes from U0 and TOX) does so only with TOX, against an intrinsic
 * density of 1.45e10 cm^-3; mos2 always (TOX 1e-7 m by default), against 1.45e10 cm^-3 too; mos3
 * always, against the intrinsic density at TNOM. cox: the oxide capacitance per area (0: none);
 * below_intrinsic: NSUB is given at or below that density (ngspice stops there). */
typedef struct {
  double vto, kp, gamma, phi, cox, u0;
  int below_intrinsic;
} process;

static double intrinsic_density(int level, double tnom) {
  if (level != 3) return 1.45e16;
  double nifact = (tnom / 300) * sqrt(tnom / 300);
  nifact *=
      exp(0.5 * band_gap(tnom) * ((1 / (double)300) - (1 / tnom)) / (KH_BOLTZMANN / KH_CHARGE));
  return 1.45e16 * nifact;
}

static process from_process(const kh_netlist *nl, const char *m, int type, int level, double tnom) {
  int vto_given, kp_given, gamma_given, phi_given, nsub_given;
  process p = {kh_model_number(nl, m, "vto", 0, &vto_given),
               kh_model_number(nl, m, "kp", 2e-5, &kp_given),
               kh_model_number(nl, m, "gamma", 0, &gamma_given),
               kh_model_number(nl, m, "phi", 0.6, &phi_given),
               0,
               kh_model_number(nl, m, "u0", 600, NULL),
               0};
  double tox = kh_model_number(nl, m, "tox", level == 1 || level == 6 ? 0 : 1e-7, NULL),
         nsub = kh_model_number(nl, m, "nsub", 0, &nsub_given);
  if (!(tox > 0)) return p;
  double vtnom = KH_BOLTZMANN / KH_CHARGE * tnom, eg = band_gap(tnom);
  p.cox = KH_EPS_OX / tox;
  if (!kp_given) p.kp = p.u0 * p.cox * 1e-4;
  if (!nsub_given) return p;
  double ni = intrinsic_density(level, tnom);
  if (!(nsub * 1e6 > ni)) p.below_intrinsic = 1;
  if (!phi_given) p.phi = fmax(0.1, 2 * vtnom * log(nsub * 1e6 / ni));
  double fermis = type * 0.5 * p.phi, wkfng = 3.2, tpg = kh_model_number(nl, m, "tpg", 1, NULL);
  if (tpg != 0) wkfng = 3.25 + 0.5 * eg - type * tpg * 0.5 * eg;
  double wkfngs = wkfng - (3.25 + 0.5 * eg + fermis);
  if (!gamma_given) p.gamma = sqrt(2 * KH_EPS_SI * KH_CHARGE * nsub * 1e6) / p.cox;
  if (!vto_given) {
    double vfb = wkfngs - kh_model_number(nl, m, "nss", 0, NULL) * 1e4 * KH_CHARGE / p.cox;
    p.vto = vfb + type * (p.gamma * sqrt(p.phi) + p.phi);
  }
  return p;
}

kh_status kh_mosfet_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q,
                                 unsigned sizes) {
  kh_element e = kh_netlist_element(nl, k);
  kh_mosfet_instance in = kh_netlist_mosfet_instance(nl, k);
  const char *m = e.model;
  if (!strcmp(kh_netlist_model_type(nl, m), "vdmos")) {
    kh_status st = kh_vdmos_from_netlist(ctx, nl, k, q);
    if (st == KH_OK) kh_vdmos_heat_setup(nl, k, q);
    return st;
  }
  memset(q, 0, sizeof *q);
  q->type = !strcmp(kh_netlist_model_type(nl, m), "pmos") ? -1 : 1;
  q->off = in.off;
  double level = kh_model_number(nl, m, "level", 1, NULL);
  if (level == 8 || level == 49) return kh_bsim3_from_netlist(ctx, nl, k, q, sizes);
  if (level == 14 || level == 54) return kh_bsim4_from_netlist(ctx, nl, k, q, sizes);
  q->level = level == 3 || level == 2 || level == 6 ? (int)level : 1;
  double t = in.temperature, tnom = kh_netlist_nominal_temperature(nl, m);
  process p = from_process(nl, m, q->type, q->level, tnom);
  if (p.below_intrinsic)
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: MOSFET '%s': model '%s''s NSUB is at or below the intrinsic density "
                   "%g cm^-3 at TNOM (ngspice 39 stops there)",
                   e.file, e.line, e.col, e.name, m, intrinsic_density(q->level, tnom) * 1e-6);
  double vt = KH_BOLTZMANN / KH_CHARGE * t, vtnom = KH_BOLTZMANN / KH_CHARGE * tnom;
  double ratio = t / tnom, fact1 = tnom / KH_TEMPERATURE, fact2 = t / KH_TEMPERATURE;
  double eg1 = band_gap(tnom), eg = band_gap(t);
  q->vt = vt;
  q->tphi = fact2 * (p.phi - pbfact(tnom)) / fact1 + pbfact(t);
  q->tvbi = kh_model_number(nl, m, "delvto", 0, NULL) + p.vto - q->type * p.gamma * sqrt(p.phi) +
            0.5 * (eg1 - eg) + q->type * 0.5 * (q->tphi - p.phi);
  q->gamma = p.gamma, q->lambda = kh_model_number(nl, m, "lambda", 0, NULL);
  double length = in.l - 2 * kh_model_number(nl, m, "ld", 0, NULL), width = in.w;
  if (q->level == 3) {
    kh_mos3_setup(q, nl, m, &in, p.cox, p.u0, ratio);
    length = q->l3.leff, width = q->l3.weff;
  } else if (q->level == 2) { /* mos2temp.c's bulk potential at t, which punch-through reads */
    double pbo = (kh_model_number(nl, m, "pb", 0.8, NULL) - pbfact(tnom)) / fact1;
    kh_mos2_setup(q, nl, m, &in, p.cox, p.u0, fact2 * pbo + pbfact(t),
                  kh_model_number(nl, m, "nsub", 0, NULL));
  }
  double kp = q->level == 6 ? kh_mos6_setup(q, nl, m, p.cox, p.u0) : p.kp; /* mos6: KC */
  q->beta = kp / (ratio * sqrt(ratio)) * in.m * width / length;
  double scale = exp(-eg / vt + eg1 / vtnom);
  double sat = kh_model_number(nl, m, "is", 1e-14, NULL) * scale,
         dens = kh_model_number(nl, m, "js", 0, NULL) * scale;
  int by_area = dens != 0 && in.ad != 0 && in.as != 0; /* JS only where both areas are given */
  q->drain_sat = in.m * (by_area ? dens * in.ad : sat);
  q->source_sat = in.m * (by_area ? dens * in.as : sat);
  q->drain_vcrit = vt * log(vt / (M_SQRT2 * q->drain_sat));
  q->source_vcrit = vt * log(vt / (M_SQRT2 * q->source_sat));
  q->gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &q->gmin);
  if (q->level == 6)
    q->gmin *= in.m; /* m copies mos6's junctions' GMIN too (measured: m=2 is two
                        devices side by side there, not at mos1) */
  q->d = kh_general_at(e.node_pos), q->s = kh_general_at(e.node_neg);
  q->g = kh_general_at(in.gate), q->b = kh_general_at(in.bulk);
  q->von = q->type * (q->tvbi + q->type * q->gamma * sqrt(q->tphi)); /* VTO at t, NMOS signs */
  q->cold_v[0] = q->von, q->cold_v[1] = 0, q->cold_v[2] = -1;
  if (!isfinite(q->beta) || !isfinite(q->tvbi) || !isfinite(q->tphi) || !(q->tphi > 0))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: MOSFET '%s': model '%s' at %.2f K gives beta %g, PHI %g, VBI %g",
                   e.file, e.line, e.col, e.name, m, t, q->beta, q->tphi, q->tvbi);
  return KH_OK;
}

/* A bulk junction (mos1load.c): GMIN alone below -3 Vt, and -IS. */
static void junction(const kh_mosfet *q, double gmin, double sat, double v, double *i, double *gv) {
  if (v <= -3 * q->vt) {
    *gv = gmin, *i = gmin * v - sat;
  } else {
    double ev = exp(fmin(709, v / q->vt));
    *gv = sat * ev / q->vt + gmin, *i = sat * (ev - 1) + gmin * v;
  }
}

static kh_mos_point evaluate(const kh_mosfet *q, double gmin, double vgs, double vds, double vbs) {
  if (q->level == 3) return kh_mos3_evaluate(q, gmin, vgs, vds, vbs);
  if (q->level == 49) return kh_bsim3_evaluate(q, gmin, vgs, vds, vbs);
  kh_mos_point p = {0};
  double vbd = vbs - vds, vgd = vgs - vds;
  junction(q, gmin, q->source_sat, vbs, &p.cbs, &p.gbs);
  junction(q, gmin, q->drain_sat, vbd, &p.cbd, &p.gbd);
  p.mode = vds >= 0 ? 1 : -1;
  double vb = p.mode == 1 ? vbs : vbd, sarg;
  if (q->level == 2 || q->level == 6) {
    (q->level == 2 ? kh_mos2_channel : kh_mos6_channel)(q, p.mode == 1 ? vgs : vgd, p.mode * vds,
                                                        vb, &p);
    return p;
  }
  if (vb <= 0) {
    sarg = sqrt(q->tphi - vb);
  } else {
    sarg = sqrt(q->tphi);
    sarg = fmax(0, sarg - vb / (sarg + sarg));
  }
  p.von = q->tvbi * q->type + q->gamma * sarg;
  double vgst = (p.mode == 1 ? vgs : vgd) - p.von, v = vds * p.mode;
  double arg = sarg <= 0 ? 0 : q->gamma / (sarg + sarg);
  if (vgst <= 0) return p; /* cut off */
  double betap = q->beta * (1 + q->lambda * v);
  if (vgst <= v) { /* saturated */
    p.cdrain = betap * vgst * vgst * 0.5;
    p.gm = betap * vgst;
    p.gds = q->lambda * q->beta * vgst * vgst * 0.5;
  } else { /* linear */
    p.cdrain = betap * v * (vgst - 0.5 * v);
    p.gm = betap * v;
    p.gds = betap * (vgst - v) + q->lambda * q->beta * v * (vgst - 0.5 * v);
  }
  p.gmbs = p.gm * arg;
  return p;
}

/* mos1load.c's limiting of (vgs, vds, vbs) against the last linearization's; a move beyond
 * rounding holds convergence back (kh_limit_moved; ngspice's MOS1convTest sees the same by the
 * currents). */
static void limit(kh_mosfet *q, double *vgs, double *vds, double *vbs, int *limited) {
  double in[3] = {*vgs, *vds, *vbs}, vgd = *vgs - *vds, vgdo = q->vgs - q->vds;
  if (q->vds >= 0) {
    *vgs = kh_fetlim(*vgs, q->vgs, q->von);
    *vds = kh_limvds(*vgs - vgd, q->vds);
  } else {
    vgd = kh_fetlim(vgd, vgdo, q->von);
    *vds = -kh_limvds(-(*vgs - vgd), -q->vds);
    *vgs = vgd + *vds;
  }
  if (*vds >= 0) {
    *vbs = kh_pnjlim(*vbs, q->vbs, q->vt, q->source_vcrit, limited);
  } else {
    double vbd = kh_pnjlim(*vbs - *vds, q->vbs - q->vds, q->vt, q->drain_vcrit, limited);
    *vbs = vbd + *vds;
  }
  if (kh_limit_moved(*vgs, in[0]) || kh_limit_moved(*vds, in[1]) || kh_limit_moved(*vbs, in[2]))
    *limited = 1;
}

/* The controlling voltages at x, in the NMOS's signs. */
static void voltages(const kh_mosfet *q, const double *x, double *vgs, double *vds, double *vbs) {
  double vs = kh_general_value(x, q->s);
  *vgs = q->type * (kh_general_value(x, q->g) - vs);
  *vds = q->type * (kh_general_value(x, q->d) - vs);
  *vbs = q->type * (kh_general_value(x, q->b) - vs);
}

void kh_mosfet_follow(kh_mosfet *q, const double *x) {
  if (q->vdmos.on) {
    kh_vdmos_follow(q, x);
    return;
  }
  voltages(q, x, &q->vgs, &q->vds, &q->vbs);
  if (q->level == 54 && q->b4.rbody) {
    double vs = kh_general_value(x, q->s);
    q->b4.vdbs = q->type * (kh_general_value(x, q->b4.db) - vs);
    q->b4.vsbs = q->type * (kh_general_value(x, q->b4.sb) - vs);
  }
}

/* BSIM3's substrate current: from the mode's drain (the drain, or the source where vds < 0) into
 * the bulk, a function of the mode's (vgs, vds, vbs) (b3ld.c's csub, gbgs, gbds, gbbs). The
 * Jacobian's pattern is fixed at the first stamp: rows drain, source and bulk, columns gate,
 * drain, source and bulk, all stamped at every level-49 stamp (zeros where the mode puts
 * none). */
static int substrate(kh_general *g, const kh_mosfet *q, const kh_mos_point *p, double vgs,
                     double vds, double vbs) {
  if (q->level != 49) return 0;
  int fwd = p->mode > 0;
  double mvgs = fwd ? vgs : vgs - vds, mvbs = fwd ? vbs : vbs - vds;
  double ieq = q->type * (p->csub - p->gbgs * mvgs - p->gbds * p->mode * vds - p->gbbs * mvbs);
  double sum = p->gbgs + p->gbds + p->gbbs;
  /* d/d(vg, vd, vs, vb) of the current leaving the mode's drain */
  double row[4] = {p->gbgs, fwd ? p->gbds : -sum, fwd ? -sum : p->gbds, p->gbbs};
  long node[4] = {q->g, q->d, q->s, q->b}, from = fwd ? q->d : q->s;
  kh_general_rhs(g, from, -ieq);
  kh_general_rhs(g, q->b, ieq);
  int bad = 0;
  for (int c = 0; c < 4; c++)
    bad |= kh_general_stamp(g, q->d, node[c], fwd ? row[c] : 0) |
           kh_general_stamp(g, q->s, node[c], fwd ? 0 : row[c]) |
           kh_general_stamp(g, q->b, node[c], -row[c]);
  return bad;
}

/* Whether q is a BSIM3v1 (VERSION 3.1), whose load has ngspice 39's stray term: 1 or 0. */
static double v31_stray(const kh_mosfet *q) {
  return q->level == 49 && q->b3.version == 3.1;
}

/* A BSIM4 current i (NMOS signs, a function of the terminals' vgs, vds, vbs) leaving unknown a
 * (times wa) and b (times wb: -1 where it enters b), linearized. The assembly maps each stamp
 * to its slot by its place in the sequence, so every stamp makes the same calls whatever the
 * bias: all four columns of both rows, zeros included. */
static int bsim4_rows(kh_general *g, const kh_mosfet *q, long a, double wa, long b, double wb,
                      kh_dual i, double vgs, double vds, double vbs) {
  double t = q->type, ieq = t * (i.v - i.d[0] * vgs - i.d[1] * vds - i.d[2] * vbs);
  double col[4] = {i.d[0], i.d[1], -(i.d[0] + i.d[1] + i.d[2]), i.d[2]}; /* g, d, s, b */
  long node[4] = {q->g, q->d, q->s, q->b};
  kh_general_rhs(g, a, -wa * ieq);
  kh_general_rhs(g, b, -wb * ieq);
  int bad = 0;
  for (int c = 0; c < 4; c++)
    bad |=
        kh_general_stamp(g, a, node[c], wa * col[c]) | kh_general_stamp(g, b, node[c], wb * col[c]);
  return bad;
}

/* A linear conductance between unknowns a and b. */
static int conductance(kh_general *g, long a, long b, double c) {
  return kh_general_stamp(g, a, a, c) | kh_general_stamp(g, b, b, c) |
         kh_general_stamp(g, a, b, -c) | kh_general_stamp(g, b, a, -c);
}

/* A junction's current i(v) from a into b (v = type (V(a) - V(b))), linearized. */
static int junction_rows(kh_general *g, const kh_mosfet *q, long a, long b, kh_dual i, double v) {
  double ieq = q->type * (i.v - i.d[0] * v);
  kh_general_rhs(g, a, -ieq);
  kh_general_rhs(g, b, ieq);
  return conductance(g, a, b, i.d[0]);
}

/* RBODYMOD=1's junction voltages (db and sb to the source, NMOS signs) at x, limited as b4ld.c
 * limits them against the last linearization's: in the normal mode vdbs and vsbs, in the
 * reverse one vdbd and vsbd (pnjlim at the device's vcrit). */
static void body_junctions(kh_mosfet *q, const double *x, double vds, int linearize, int cold,
                           int *limited, double *vdbs, double *vsbs) {
  double vs = kh_general_value(x, q->s), t = q->type;
  *vdbs = t * (kh_general_value(x, q->b4.db) - vs),
  *vsbs = t * (kh_general_value(x, q->b4.sb) - vs);
  if (!linearize) return;
  if (cold) { /* b4ld.c's first iterate: both at its vbs */
    *vdbs = *vsbs = q->cold_v[2];
  } else if (vds >= 0) {
    *vdbs = kh_pnjlim(*vdbs, q->b4.vdbs, q->vt, q->drain_vcrit, limited);
    *vsbs = kh_pnjlim(*vsbs, q->b4.vsbs, q->vt, q->source_vcrit, limited);
  } else {
    *vdbs = kh_pnjlim(*vdbs - vds, q->b4.vdbs - q->vds, q->vt, q->drain_vcrit, limited) + vds;
    *vsbs = kh_pnjlim(*vsbs - vds, q->b4.vsbs - q->vds, q->vt, q->source_vcrit, limited) + vds;
  }
  q->b4.vdbs = *vdbs, q->b4.vsbs = *vsbs;
}

/* RBODYMOD=1's network: the junctions between db (sb) and the drain (source), and the five body
 * resistances. */
static int body_network(kh_general *g, kh_mosfet *q, const double *x, double vds, int linearize,
                        int cold) {
  kh_bsim4 *b = &q->b4;
  double vdbs, vsbs, gmin = kh_junction_gmin(g, q->gmin);
  body_junctions(q, x, vds, linearize, cold, &g->limited, &vdbs, &vsbs);
  return junction_rows(g, q, b->db, q->d, kh_bsim4_junction_current(b, 1, gmin, vdbs - vds),
                       vdbs - vds) |
         junction_rows(g, q, b->sb, q->s, kh_bsim4_junction_current(b, 0, gmin, vsbs), vsbs) |
         conductance(g, q->b, b->db, b->grbpd) | conductance(g, q->b, b->sb, b->grbps) |
         conductance(g, q->b, b->bx, b->grbpb) | conductance(g, b->db, b->bx, b->grbdb) |
         conductance(g, b->sb, b->bx, b->grbsb);
}

/* A series resistance BSIM4 holds (the sheets', RDSMOD=1's, RGATEMOD 2's and 3's): the current
 * c u from a (the drain, source or gate as written) into n (the MOSFET's), u = V(a) - V(n), c
 * (m included) a function of the terminals' (vgs, vds, vbs) in the NMOS's signs, linearized
 * there and at u. */
static int series_rows(kh_general *g, const kh_mosfet *q, const double *x, long a, long n,
                       kh_dual c, double vgs, double vds, double vbs) {
  double u = kh_general_value(x, a) - kh_general_value(x, n), t = q->type;
  double col[4] = {c.d[0], c.d[1], -(c.d[0] + c.d[1] + c.d[2]), c.d[2]}; /* g, d, s, b */
  long node[4] = {q->g, q->d, q->s, q->b};
  double fixed = -u * (c.d[0] * vgs + c.d[1] * vds + c.d[2] * vbs); /* leaving a */
  kh_general_rhs(g, a, -fixed);
  kh_general_rhs(g, n, fixed);
  int bad = conductance(g, a, n, c.v);
  for (int k = 0; k < 4; k++)
    bad |= kh_general_stamp(g, a, node[k], u * t * col[k]) |
           kh_general_stamp(g, n, node[k], -u * t * col[k]);
  return bad;
}

/* The gate resistance where a tunnelling current flows through it: RGATEMOD=1's electrode,
 * linear; 2's electrode and channel in series, bias-dependent; 3's electrode to the middle node
 * and the channel's on from it. */
static int gate_network(kh_general *g, const kh_mosfet *q, const double *x, const kh_bsim4_point *p,
                        double vgs, double vds, double vbs) {
  const kh_bsim4 *b = &q->b4;
  if (b->rgate == 1) return conductance(g, b->gx, q->g, b->ggate);
  if (b->rgate == 2) return series_rows(g, q, x, b->gx, q->g, p->gcrg, vgs, vds, vbs);
  if (b->rgate == 3)
    return conductance(g, b->gx, b->gmid, b->ggate) |
           series_rows(g, q, x, b->gmid, q->g, p->gcrg, vgs, vds, vbs);
  return 0;
}

/* BSIM4's currents (general_bsim4_eval.c), each its own branch; those that leave or enter the
 * mode's drain or source (the substrate current, the gate-to-channel currents) stamp the drain's
 * and the source's rows both, one of them weighted 0. */
static int bsim4_stamp(kh_general *g, kh_mosfet *q, const double *x, double vgs, double vds,
                       double vbs, int linearize, int cold) {
  kh_bsim4_point p =
      kh_bsim4_evaluate(&q->b4, q->type, kh_junction_gmin(g, q->gmin), vgs, vds, vbs);
  double fwd = p.mode > 0, rev = 1 - fwd;
  long d = q->d, s = q->s, b = q->b, gt = q->g;
  int bad = gate_network(g, q, x, &p, vgs, vds, vbs);
  if (q->b4.rbody) bad |= body_network(g, q, x, vds, linearize, cold);
  if (q->b4.series[0]) bad |= series_rows(g, q, x, q->b4.sx, s, p.gs, vgs, vds, vbs);
  if (q->b4.series[1]) bad |= series_rows(g, q, x, q->b4.dx, d, p.gd, vgs, vds, vbs);
  if (linearize) q->vgs = vgs, q->vds = vds, q->vbs = vbs, q->von = p.von;
  return bad | bsim4_rows(g, q, d, 1, s, -1, p.ids, vgs, vds, vbs) |
         bsim4_rows(g, q, d, fwd, s, rev, p.isub, vgs, vds, vbs) |
         bsim4_rows(g, q, b, -1, b, 0, p.isub, vgs, vds, vbs) |
         bsim4_rows(g, q, d, 1, b, -1, p.igidl, vgs, vds, vbs) |
         bsim4_rows(g, q, s, 1, b, -1, p.igisl, vgs, vds, vbs) |
         bsim4_rows(g, q, b, 1, d, -1, p.ibd, vgs, vds, vbs) |
         bsim4_rows(g, q, b, 1, s, -1, p.ibs, vgs, vds, vbs) |
         bsim4_rows(g, q, gt, 1, s, -1, p.igs, vgs, vds, vbs) |
         bsim4_rows(g, q, gt, 1, d, -1, p.igd, vgs, vds, vbs) |
         bsim4_rows(g, q, gt, 1, b, -1, p.igb, vgs, vds, vbs) |
         bsim4_rows(g, q, gt, 1, gt, 0, p.igcs, vgs, vds, vbs) |
         bsim4_rows(g, q, s, -fwd, d, -rev, p.igcs, vgs, vds, vbs) |
         bsim4_rows(g, q, gt, 1, gt, 0, p.igcd, vgs, vds, vbs) |
         bsim4_rows(g, q, d, -fwd, s, -rev, p.igcd, vgs, vds, vbs);
}

/* The certificate's terms of a linear conductance c from a to b. */
static void resistor_terms(const kh_general *g, long a, long b, double c, long double *sum,
                           double *mag) {
  double va = kh_general_value(g->x, a), vb = kh_general_value(g->x, b);
  kh_branch_terms(sum, mag, a, b, c * (va - vb), c * (fabs(va) + fabs(vb)));
}

/* RBODYMOD=1's terms: the junctions (their own voltages) and the body resistances; the drain
 * junction's current (from db into the drain). */
static kh_dual body_certify(const kh_general *g, const kh_mosfet *q, long double *sum,
                            double *mag) {
  const kh_bsim4 *b = &q->b4;
  double t = q->type, gmin = kh_junction_gmin(g, q->gmin);
  double vd = kh_general_value(g->x, q->d), vs = kh_general_value(g->x, q->s);
  double vdb = kh_general_value(g->x, b->db), vsb = kh_general_value(g->x, b->sb);
  kh_dual jd = kh_bsim4_junction_current(b, 1, gmin, t * (vdb - vd));
  kh_dual js = kh_bsim4_junction_current(b, 0, gmin, t * (vsb - vs));
  kh_branch_terms(sum, mag, b->db, q->d, t * jd.v,
                  fmax(fabs(jd.v), fabs(jd.d[0]) * (fabs(vdb) + fabs(vd))));
  kh_branch_terms(sum, mag, b->sb, q->s, t * js.v,
                  fmax(fabs(js.v), fabs(js.d[0]) * (fabs(vsb) + fabs(vs))));
  resistor_terms(g, q->b, b->db, b->grbpd, sum, mag);
  resistor_terms(g, q->b, b->sb, b->grbps, sum, mag);
  resistor_terms(g, q->b, b->bx, b->grbpb, sum, mag);
  resistor_terms(g, b->db, b->bx, b->grbdb, sum, mag);
  resistor_terms(g, b->sb, b->bx, b->grbsb, sum, mag);
  return jd;
}

/* The certificate's terms of a series resistance BSIM4 holds, from a into n (series_rows). */
static void series_terms(const kh_general *g, long a, long n, kh_dual c, long double *sum,
                         double *mag) {
  double va = kh_general_value(g->x, a), vn = kh_general_value(g->x, n);
  kh_branch_terms(sum, mag, a, n, c.v * (va - vn), fabs(c.v) * (fabs(va) + fabs(vn)));
}

/* The certificate's terms of one BSIM4 branch: its current and the rounding scale of its terms. */
static void bsim4_terms(long double *sum, double *mag, long a, long b, kh_dual i, double t,
                        double volts) {
  double scale = fmax(fabs(i.v), (fabs(i.d[0]) + fabs(i.d[1]) + fabs(i.d[2])) * volts);
  kh_branch_terms(sum, mag, a, b, t * i.v, scale);
}

static double bsim4_certify(const kh_general *g, const kh_mosfet *q, long double *sum,
                            double *mag) {
  double vgs, vds, vbs;
  voltages(q, g->x, &vgs, &vds, &vbs);
  kh_bsim4_point p =
      kh_bsim4_evaluate(&q->b4, q->type, kh_junction_gmin(g, q->gmin), vgs, vds, vbs);
  double t = q->type, vd = fabs(kh_general_value(g->x, q->d)),
         vg = fabs(kh_general_value(g->x, q->g)), vs = fabs(kh_general_value(g->x, q->s)),
         vb = fabs(kh_general_value(g->x, q->b)), all = vd + vg + vs + vb;
  long from = p.mode > 0 ? q->d : q->s;
  bsim4_terms(sum, mag, q->d, q->s, p.ids, t, all);
  bsim4_terms(sum, mag, from, q->b, p.isub, t, all);
  bsim4_terms(sum, mag, q->d, q->b, p.igidl, t, all);
  bsim4_terms(sum, mag, q->s, q->b, p.igisl, t, all);
  bsim4_terms(sum, mag, q->b, q->d, p.ibd, t, vb + vd);
  bsim4_terms(sum, mag, q->b, q->s, p.ibs, t, vb + vs);
  long to_s = p.mode > 0 ? q->s : q->d, to_d = p.mode > 0 ? q->d : q->s; /* the mode's */
  bsim4_terms(sum, mag, q->g, q->s, p.igs, t, vg + vs);
  bsim4_terms(sum, mag, q->g, q->d, p.igd, t, vg + vd);
  bsim4_terms(sum, mag, q->g, q->b, p.igb, t, all);
  bsim4_terms(sum, mag, q->g, to_s, p.igcs, t, all);
  bsim4_terms(sum, mag, q->g, to_d, p.igcd, t, all);
  const kh_bsim4 *b4 = &q->b4; /* the gate resistance, from the gate as written */
  if (b4->rgate == 1) resistor_terms(g, b4->gx, q->g, b4->ggate, sum, mag);
  if (b4->rgate == 2) series_terms(g, b4->gx, q->g, p.gcrg, sum, mag);
  if (b4->rgate == 3)
    resistor_terms(g, b4->gx, b4->gmid, b4->ggate, sum, mag),
        series_terms(g, b4->gmid, q->g, p.gcrg, sum, mag);
  if (q->b4.rbody) p.ibd = body_certify(g, q, sum, mag);
  if (q->b4.series[0]) series_terms(g, q->b4.sx, q->s, p.gs, sum, mag);
  if (q->b4.series[1]) series_terms(g, q->b4.dx, q->d, p.gd, sum, mag);
  double gate_in = p.igd.v + (p.mode > 0 ? p.igcd.v : p.igcs.v); /* from the gate to the drain */
  return t * (p.ids.v + (p.mode > 0 ? p.isub.v : 0) + p.igidl.v - p.ibd.v - gate_in);
}

int kh_mosfet_stamp(kh_general *g, kh_mosfet *q, const double *x, int linearize) {
  if (q->vdmos.on)
    return q->vdmos.heated ? kh_vdmos_heat_stamp(g, q, x, linearize)
                           : kh_vdmos_stamp(g, q, x, linearize);
  double vgs, vds, vbs;
  int cold = linearize && q->cold;
  voltages(q, x, &vgs, &vds, &vbs);
  if (linearize && q->off && (q->cold || g->holding)) { /* `off`: mos1load.c holds it at 0 V */
    vgs = vds = vbs = 0, g->limited |= q->cold, q->cold = 0;
  } else if (linearize && q->cold) { /* where mos1load.c (b3ld.c) starts, whatever x says */
    vgs = q->cold_v[0], vds = q->cold_v[1], vbs = q->cold_v[2];
    q->cold = 0, g->limited = 1;
  } else if (linearize) {
    limit(q, &vgs, &vds, &vbs, &g->limited);
  }
  if (q->level == 54) return bsim4_stamp(g, q, x, vgs, vds, vbs, linearize, cold);
  kh_mos_point p = evaluate(q, kh_junction_gmin(g, q->gmin), vgs, vds, vbs);
  if (linearize) q->vgs = vgs, q->vds = vds, q->vbs = vbs, q->von = p.von;
  double vbd = vbs - vds, vgd = vgs - vds, t = q->type;
  double ceqbs = t * (p.cbs - p.gbs * vbs), ceqbd = t * (p.cbd - p.gbd * vbd);
  double cdreq = p.mode > 0 ? t * (p.cdrain - p.gds * vds - p.gm * vgs - p.gmbs * vbs)
                            : -t * (p.cdrain + p.gds * vds - p.gm * vgd - p.gmbs * vbd);
  kh_general_rhs(g, q->b, -(ceqbs + ceqbd));
  kh_general_rhs(g, q->d, ceqbd - cdreq);
  kh_general_rhs(g, q->s, cdreq + ceqbs);
  double nrm = p.mode > 0, rev = p.mode < 0, gm = p.gm, gmbs = p.gmbs, gds = p.gds;
  long d = q->d, gt = q->g, s = q->s, b = q->b;
  /* BSIM3v1's load (b3v1ld.c) puts the drain junction's conductance into the source row's drain
   * column too, so that ngspice 39's answer has gbd V(d) leave the source for nowhere */
  double stray = v31_stray(q) * p.gbd;
  return substrate(g, q, &p, vgs, vds, vbs) | kh_general_stamp(g, gt, gt, 0) |
         kh_general_stamp(g, b, b, p.gbd + p.gbs) |
         kh_general_stamp(g, d, d, gds + p.gbd + rev * (gm + gmbs)) |
         kh_general_stamp(g, s, s, gds + p.gbs + nrm * (gm + gmbs)) |
         kh_general_stamp(g, b, d, -p.gbd) | kh_general_stamp(g, b, s, -p.gbs) |
         kh_general_stamp(g, d, gt, (nrm - rev) * gm) |
         kh_general_stamp(g, d, b, -p.gbd + (nrm - rev) * gmbs) |
         kh_general_stamp(g, d, s, -gds - nrm * (gm + gmbs)) |
         kh_general_stamp(g, s, gt, -(nrm - rev) * gm) |
         kh_general_stamp(g, s, b, -p.gbs - (nrm - rev) * gmbs) |
         kh_general_stamp(g, s, d, -gds - rev * (gm + gmbs) + stray);
}

double kh_mosfet_certify(const kh_general *g, const kh_mosfet *q, long double *sum, double *mag) {
  if (q->vdmos.on)
    return q->vdmos.heated ? kh_vdmos_heat_certify(g, q, sum, mag)
                           : kh_vdmos_certify(g, q, sum, mag);
  if (q->level == 54) return bsim4_certify(g, q, sum, mag);
  double vgs, vds, vbs;
  voltages(q, g->x, &vgs, &vds, &vbs);
  kh_mos_point p = evaluate(q, kh_junction_gmin(g, q->gmin), vgs, vds, vbs);
  double t = q->type, vd = fabs(kh_general_value(g->x, q->d)),
         vg = fabs(kh_general_value(g->x, q->g)), vs = fabs(kh_general_value(g->x, q->s)),
         vb = fabs(kh_general_value(g->x, q->b));
  /* three branches, each with the rounding scale of its own terms: a bulk junction driven far
   * forward between two sources must not widen the drain's tolerance (seen: a drain node 2 mV
   * off, 80 uA of KCL passed as rounding beside 130 A in the bulk-source junction) */
  kh_branch_terms(
      sum, mag, q->d, q->s, t * p.mode * p.cdrain,
      fmax(fabs(p.cdrain), (fabs(p.gm) + fabs(p.gds) + fabs(p.gmbs)) * (vd + vg + vs + vb)));
  kh_branch_terms(sum, mag, q->b, q->d, t * p.cbd, fmax(fabs(p.cbd), fabs(p.gbd) * (vb + vd)));
  kh_branch_terms(sum, mag, q->b, q->s, t * p.cbs, fmax(fabs(p.cbs), fabs(p.gbs) * (vb + vs)));
  if (v31_stray(q)) /* BSIM3v1's stray current (kh_mosfet_stamp), from the source to ground */
    kh_branch_terms(sum, mag, q->s, -1, p.gbd * kh_general_value(g->x, q->d),
                    fabs(p.gbd) * (vd + vs));
  if (p.csub != 0) /* BSIM3's substrate current, from the mode's drain */
    kh_branch_terms(
        sum, mag, p.mode > 0 ? q->d : q->s, q->b, t * p.csub,
        fmax(fabs(p.csub), (fabs(p.gbgs) + fabs(p.gbds) + fabs(p.gbbs)) * (vd + vg + vs + vb)));
  return t * (p.mode * p.cdrain - p.cbd + (p.mode > 0 ? p.csub : 0)); /* into the drain */
}
