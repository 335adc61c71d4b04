/* General Newton's state (sim/general/general.c), shared with the self-heating diode's stamps
 * (sim/general/general_heat.c). Private. */
#ifndef KH_SIM_GENERAL_IMPL_H
#define KH_SIM_GENERAL_IMPL_H

#include "core/alloc.h"
#include "kirchhoff/solver.h"
#include "../circuit/diode.h"
#include "general_bsim4_types.h"

#include <klu.h>
#include <math.h>

/* A self-heating diode (ngspice 39's dioload.c with a thermal node): its junction sits at t0 +
 * v(tj) kelvins; the power of junction and RS flows into tj, RTH0 joins tj to ground. */
/* ngspice's permittivities of silicon and of its oxide (F/m), which its MOSFET models use */
#define KH_EPS_SI (11.7 * 8.854214871e-12)
#define KH_EPS_OX (3.9 * 8.854214871e-12)

typedef struct {
  long tj;     /* the thermal node's unknown (-1: not heated) */
  long inner;  /* the node between RS and the junction (-1: no RS; the anode then) */
  double t0;   /* the instance temperature, kelvins */
  double rth0; /* ohms of the thermal resistance to ground (kelvins per watt) */
  double rise; /* the temperature rise of the last linearization */
} kh_heat;

/* A Parker-Skellern JFET's own terms (general_jfet2.c, ngspice 39's jfet2 names): the gate
 * junctions' n Vt, IBD times the area and VBD; VST and MVST (subthreshold), LFGAM, LFG1, LFG2
 * (drain feedback), P - Q, Q, D3 = P / Q / (VBI - VTO)^(P - Q), ZA = sqrt(1 + Z) / 2, Z, MXI, XI
 * (VBI - VTO) and DELTA over the area (thermal reduction), VBI at the instance's temperature. */
typedef struct {
  double nvt, ibd, vbd, vst, mvst, lfg, lfg1, lfg2, pmq, q, d3, za, z, mxi, xi_woo, delta, vbi;
} kh_jfet_ps;

/* A MESA MESFET's own terms (general_mesa.c, ngspice 39's mesa names at the instance's
 * temperatures): its level (2, 3 or 4: mesa1, mesa2, mesa3), the source side's kT/q, n kT/q and
 * their drain side's, the gate junctions' saturation currents csatfs and csatfd, the leakage
 * ggrwl, DEL; the channel's constants (mesatemp.c's and the model's). */
typedef struct {
  int level;
  double vts, vtes, vtd, vted, csatfs, csatfd, ggrwl, del, ag;
  double vto, sigma0, vsigmat, vsigma, mu, theta, vs, length, beta, vpo, vpod, vpou, delta_sqr;
  double nd, d, du, ndu, th, ndelta, n0, nsb0, gchi0, isatb0, imax, tc, m0, alpha, lambda, eta;
  double rsi, rdi, rsi_model, nmax, gamma, beta_model;
} kh_jfet_mesa;

/* A JFET (general_jfet.c): ngspice 39's level-1 model at its temperature, area folded in, or
 * its level 2 (ps, where parker is set); a MESFET (Statz's, mes) or a MESA MESFET (ma, where
 * mesa is set). The drain side's junction limits with vtd and vcritd (a MESA's drain side can
 * sit at another temperature; the source side's otherwise). */
typedef struct {
  int type;                          /* 1: NJF, -1: PJF */
  double beta, vto, lambda, b, bfac; /* at temperature; beta times the area */
  double csat, vt, vcrit, gmin, m;   /* csat: IS at temperature times the area */
  double vtd, vcritd;
  long d, g, s;    /* the unknowns of drain, gate and source (ground: -1) */
  double vgs, vgd; /* the last linearization's, in the NJF's signs */
  int cold;        /* the next linearization is ngspice's first (MODEINITJCT): vgs = vgd = -1 */
  int off;      /* `off`: linearized at vgs = vgd = 0 while Newton holds it (kh_general.holding) */
  int mes;      /* a MESFET (NMF, PMF): Statz's channel, b its doping tail, and alpha */
  double alpha; /* the MESFET's saturation parameter (its saturation voltage is 3 / alpha) */
  int parker;   /* level 2: Parker-Skellern's channel and junctions (ps) */
  kh_jfet_ps ps;
  int mesa;
  kh_jfet_mesa ma;
} kh_jfet;

/* A JFET's currents at (vgs, vgd), in the NJF's signs: into the gate (cg) and the drain (cd),
 * the gate-drain junction's (cgd); the junctions' conductances, gm and gds at the other fixed. */
typedef struct {
  double cg, cgd, cd, ggs, ggd, gm, gds;
} kh_jfet_point;

/* mos3's model at an instance (general_mos3.c): the effective channel, the threshold's static
 * feedback ETA scaled by the channel (ngspice's eta), THETA, VMAX, KAPPA, XJ, LD, NFS's weak
 * inversion slope term csonco (0: none), the narrow-width factor over the width, the
 * depletion-width coefficients (ngspice's alpha and xd, 0 without NSUB) and U0 at temperature. */
typedef struct {
  double leff, weff, eta, theta, vmax, kappa, xj, ld, csonco, narrow, alpha, xd, surf_mob;
} kh_mos3;

/* mos2's model at an instance (general_mos2.c): the effective length (L - 2 LD), the
 * narrow-width factor (ngspice's factor; eta is 1 + factor), NFS's surface-state term of the
 * subthreshold slope (surface_states; weak: NFS given nonzero), the depletion-width coefficient
 * xd (0 without NSUB, which is how mos2load.c's tests of NSUB read here), XJ, VMAX, NEFF, UEXP, the
 * critical gate voltage of mobility degradation (UCRIT's, over the oxide), the card's U0 in m^2/Vs
 * and sqrt(PB) at temperature. */
typedef struct {
  double leff, factor, surface_states, xd, xj, vmax, neff, uexp, ucrit, mobility, sbiarg;
  int weak;
} kh_mos2;

/* A VDMOS's own terms (general_vdmos.c): the threshold at temperature and the model's VTO (the
 * first linearization's), KSUBTHRES at temperature, SUBSHIFT, MTRIODE, LAMBDA, THETA; the
 * conductances of RD, RS, RB and RDS at temperature (0: none), and quasi-saturation's terms; the
 * outer drain and source and the body diode's anode (RB's inner end, else the source); the body
 * diode from it to the drain, in the NMOS's signs, and its last linearization's voltage. */
typedef struct {
  int on;
  double vth, vth0, ksub, shift, mtr, lambda, theta;
  double grd, grs, grb, gshunt;
  int qs;        /* quasi-saturation (RQ and VQ): RD + RQ vds / (vds + |VQ|) */
  double rq, vq; /* RQ at temperature over m, |VQ| */
  long dx, sx, bp;
  kh_diode body;
  double vd;
  /* self-heating (`thermal`, general_vdmos_heat.c): the device at t0 + v(tj) kelvins */
  int heated;
  long tj, tc;                  /* the thermal nodes' unknowns */
  double t0, rise;              /* the instance's temperature; the last linearization's rise */
  double rthjc, rthca, ambient; /* ambient: the circuit's temperature in degrees C */
  double mu, texp0;             /* the model's, applied once more when heated */
  const kh_netlist *nl;
  size_t element;
} kh_vdmos;

/* BSIM3 v3.3 at an instance (general_bsim3.c): b3temp.c's size-dependent parameters (binned and
 * at temperature) and what b3ld.c's DC part reads of the model, in its names. */
typedef struct {
  int mob_mod;
  double version; /* 3.3, BSIM3v32's 3.24, 3.23, 3.22 or 3.2, or BSIM3v1's 3.1 (VERSION as
                     netlist/bsim3.c reads it) */
  double m, cox, tox, vtm, temp_ratio, factor1, leff, weff;
  double vbsc, phi, sqrt_phi, phis3, xdep0, vbi, cdep0, litl, theta0vb0, theta_rout;
  double vth0, vfb, k1, k1ox, k2ox, k3, k3b, w0, nlx, kt1, kt1l, kt2;
  double dvt0, dvt1, dvt2, dvt0w, dvt1w, dvt2w, eta0, etab, ngate;
  double nfactor, cdsc, cdscb, cdscd, cit, voff, dwg, dwb, rds0, prwg, prwb;
  double xj, a0, ags, b0, b1, keta, ua, ub, uc, u0temp, vsattemp, a1, a2, delta;
  double pclm, pdiblb, pvag, pscbe1, pscbe2, alpha0, alpha1, beta0;
  double nvtm, ijth, source_sat, drain_sat, vjsm, vjdm, is_evjsm, is_evjdm;
} kh_bsim3;

/* mos6's own terms (general_mos6.c): the saturation voltage's KV and NV, the current's NC, the
 * threshold's GAMMA1 and SIGMA, the channel-length modulation's LAMBDA0 and LAMBDA1. */
typedef struct {
  double kv, nv, nc, gamma1, sigma, lambda0, lambda1;
} kh_mos6;

/* A MOSFET (general_mosfet.c) at its temperature, m and geometry folded in: level 1 (mos1), 2
 * (mos2, whose own terms are in l2), 3 (mos3, in l3) or 6 (mos6, in l6; beta is then KC W / L),
 * BSIM3 (49, in b3), BSIM4 (54, in b4), or a VDMOS (vdmos.on; d and s then inside RD and RS). */
typedef struct {
  int type;                               /* 1: NMOS, -1: PMOS */
  int level;                              /* 1, 2, 3, 6, 49 (BSIM3) or 54 (BSIM4) */
  double beta, lambda, gamma, tphi, tvbi; /* beta: KP W / L (effective) times m */
  double drain_sat, source_sat, vt, gmin; /* the bulk junctions' IS (or JS times area) */
  double drain_vcrit, source_vcrit;
  long d, g, s, b;           /* unknowns (ground: -1) */
  double vgs, vds, vbs, von; /* the last linearization's, NMOS signs */
  int cold;         /* the next linearization is ngspice's first, at cold_v (vgs, vds, vbs) */
  double cold_v[3]; /* mos1-3: VTO at t, 0, -1; BSIM3: VTH0 + 0.1, 0.1, 0 (NMOS signs) */
  int off;          /* `off`: linearized at vgs = vds = vbs = 0 (a VDMOS's diode too) while held */
  kh_mos2 l2;
  kh_mos3 l3;
  kh_mos6 l6;
  kh_bsim3 b3;
  kh_bsim4 b4;
  kh_vdmos vdmos;
} kh_mosfet;

/* VBIC's temperature laws (general_vbic.c): exponents, activation energies and coefficients. */
typedef struct {
  double xis, xii, xin, xisr, ea, eaie, eaic, eais, eane, eanc, eans, dear, eap, xikf, xrcx, xrci,
      xrbx, xrbi, xre, xrs, xrbp, xvo, tnf, tavc, tvbbe1, tvbbe2, tnbbe;
} kh_vbic_laws;

/* A VBIC transistor's own (general_vbic.c): its parameters at temperature (vbictemp.c's, then
 * those it leaves as they are). */
typedef struct {
  double rcx, rci, rbx, rbi, re, rs, rbp, ikf, is, isrr, isp, ibei, iben, ibci, ibcn, ibeip, ibenp,
      ibcip, ibcnp, nf, nr, avc2, vbbe, nbbe, pe, pc, gamm, vo, ebbe, vtv;
  double nfp, nei, nen, nci, ncn, ncip, ncnp, hrcf, fc, me, aje, mc, ajc, vrt, art, wbe, wsp, avc1,
      ibbe, vef, ver, ikr, ikp, qbm, nkf, scale;
  /* unknowns (ground: -1): the terminals, the nodes inside RCX, RBX, RE and RS (the terminal
   * itself where the resistance is 0), and the intrinsic collector and base and the parasitic's
   * base */
  long c, b, e, s, cx, bx, ei, si, ci, bi, bp;
  int rcx_node, rbx_node, re_node, rs_node;
  /* the last linearization's junction voltages: vbei, vbex, vbci, vbcx, vbep, vbcp (NPN signs) */
  double v[6];
  int not_finite; /* the last linearization's currents were not all numbers */
  /* self-heating (a thermal node and RTH > 0): the laws that map the parameters to the rise,
   * from tini (273.15 K + TNOM), the thermal conductance area m / RTH, the thermal node's
   * unknown (-1: none) and the last linearization's rise */
  kh_vbic_laws laws;
  double tini, gth, rise;
  long th;
  /* without self-heating: the thermal node whose rise ngspice 39 evaluates it at all the same
   * (kh_vbic_inherit_rises; -1: none, 0 K) */
  long inherited;
} kh_vbic;

/* A bipolar transistor (general_bjt.c): ngspice 39's Gummel-Poon model at its temperature,
 * areas folded in, or (level4) VBIC's (general_vbic.c). */
typedef struct {
  int type;                      /* 1: NPN, -1: PNP */
  double be_sat, bc_sat, c2, c4; /* IS (twice: ngspice's area quirk), ISE and ISC at T */
  double vtf, vtr, vte, vtc;     /* NF, NR, NE and NC times vt, at temperature */
  double inv_vaf, inv_var, inv_ikf, inv_ikr, nkf; /* 1/VAF, ... (0: infinite) */
  int nkf_given;
  double bf, br, vt, vcrit, gmin, m;
  long c, b, e, sub, subcon; /* unknowns (ground: -1); subcon: inner collector or base */
  double vbe, vbc;           /* the last linearization's, NPN signs */
  /* the substrate junction (ISS given, else sub_sat 0: GMIN alone), from the substrate to subcon
   * in the NPN's signs (subs: 1 vertical, -1 lateral): ISS at T times the area, NS vt at T, its
   * critical voltage, the last linearization's voltage */
  double sub_sat, vts, sub_vcrit, vsub, subs;
  int cold; /* the next linearization is ngspice's first (MODEINITJCT): vbe = vcrit, vbc = 0 */
  int off;  /* `off`: linearized at vbe = vbc = 0 (the substrate junction too) while held */
  /* a base resistance modulated by the current (RBM other than RB): the transistor's own,
   * from the base as written (bx) to b, an unknown of its own (general.c gives it); RBM, RB -
   * RBM and IRB at temperature, the area folded in */
  int modulated;
  long bx;
  double rbm, rbpi, irb;
  /* Kull's quasi-saturation (RCO given): the epitaxial collector's current from cx (the collector
   * inside RC) to c, then the intrinsic collector, an unknown of its own (general.c gives it);
   * RCO (at least 0.01 ohm), VO and GAMMA, as ngspice 39's bjttemp.c leaves them */
  int qs;
  long cx;
  double rci, vo, epi_doping;
  int level4; /* VBIC: everything below, and type, off, cold, vt, vcrit and gmin above */
  kh_vbic vbic;
} kh_bjt;

/* A voltage-controlled switch (general_switch.c): its model and the state it is in. */
typedef struct {
  double vt, vh, gon, goff;
  uint8_t initial, state; /* 1: on */
  uint8_t current;        /* a W switch: vt and vh are IT and IH, its control a branch current */
  uint8_t holding;        /* it flipped too often in this Newton: it decides at convergence */
  unsigned flips;
} kh_switch;

typedef struct {
  kh_context *ctx;
  const kh_netlist *nl;
  const double *values;      /* element values in place of the netlist's, or NULL */
  size_t nodes, elements, n; /* n: unknowns */
  long *branch;              /* per element: its branch current's unknown, or -1 */
  long *control;             /* per element (F, H): the controlling source's branch unknown */
  long *diode;               /* per element: index into diodes, or -1 */
  kh_diode *diodes;          /* a heated one: as at its last linearization's temperature */
  kh_heat *heat;             /* per diode */
  double *vd;                /* per diode: the junction voltage of the last linearization */
  /* per diode: an ideal diode's state, taken from the starting point: 1 conducting (a source
   * of its threshold, its current a branch unknown), 0 blocking (that current is 0) */
  unsigned char *on;
  unsigned char *diode_cold;  /* per diode: its next linearization at its critical voltage */
  unsigned char *diode_off;   /* per diode: `off` (held at 0 V, kh_general.holding) */
  unsigned char *sizes;       /* per element: a MOSFET's KH_SIZE_ flags (kh_mosfet_sizes) */
  size_t diode_count, heated; /* heated: self-heating diodes among them */
  /* the matrix: entries in the order stamp() sees them, scattered into CSC through `slot` */
  size_t entries, entry_cap;
  long *ti, *tj, *slot;
  double *tx;
  long *ap, *ai;
  double *ax, *rhs, *x;
  size_t nnz;
  klu_l_common common;
  klu_l_symbolic *sym;
  klu_l_numeric *num;
  double pivoted_rcond; /* KLU's rcond at the last factorization that chose its pivots */
  double gshunt, scale; /* gmin stepping's conductance to ground; source stepping's factor */
  double *shunt_to;     /* pseudo-transient: gshunt pulls each unknown toward this, not 0 V */
  int iteration_limit;  /* a Newton's iterations (0: KH_GENERAL_ITERATIONS) */
  double gjunction; /* true gmin stepping: GMIN across every unheated Shockley junction (0: none) */
  /* .nodeset: per unknown, whether a nodeset holds it (1; 2 where branch currents enter its
   * row) and at what voltage; pinning: while the first Newton holds them (their rows replaced
   * as ngspice's cktload.c does: general.c, pin_rows) */
  unsigned char *pinned;
  double *pin_volts;
  unsigned char *is_current; /* per unknown: 1 for a branch current, 0 for a node's voltage */
  int pinning;
  int limited;       /* a junction voltage was limited in the last linearization */
  int ill;           /* the last factorization's condition estimate was 1e15 or more */
  int out_of_memory; /* the certificate could not allocate its sums (then it fails) */
  /* POLY product terms (general_product.c): per element, its first factor in `factors`, or -1 */
  long *product;
  kh_product_factor *factors;
  /* JFETs (general_jfet.c): per element, its index into jfets, or -1 */
  long *jfet;
  kh_jfet *jfets;
  /* MOSFETs (general_mosfet.c): per element, its index into mosfets, or -1 */
  long *mosfet;
  kh_mosfet *mosfets;
  /* switches (general_switch.c), per element (unused for others); settling: 2 in the first
   * iteration of an .op method (ngspice's MODEINITJCT), 1 in the next ones until one that no
   * device limited (MODEINITFIX), 0 after: each switch keeps its card's state while it is not 0 */
  kh_switch *switches;
  size_t switch_count;
  int settling;
  /* `off` devices (any: has_off): ngspice's MODEINITJCT and then MODEINITFIX linearize them at
   * 0 V until Newton converges with them so, and then let them go; holding: while it does */
  int has_off, holding;
  /* BJTs (general_bjt.c): per element, its index into bjts, or -1 */
  long *bjt;
  kh_bjt *bjts;
  /* B sources (general_behavioural.c): their inputs' voltages, gradient and scratch, the
   * circuit's GMIN (ngspice's divisions use it); expression_failed: one was out of range in this
   * assembly; bad_expression: the last one that was (element + 1, 0 none) and where */
  double *expr_in, *expr_grad, *expr_scratch, expr_gmin;
  double
      *curve_last; /* per element: a pwl curve's last input (kh_expression_limit), NaN at first */
  int curves_limited, curves_free; /* a curve's step was limited; no curve's step is */
  /* XSPICE instances' ports (kh_expression_ports): element k's are ports[port_first[k] ..
   * port_first[k + 1]), each with its value at the last linearization (NaN before the first) */
  size_t *port_first, (*ports)[2];
  double *port_last;
  int expression_failed;
  size_t bad_expression;
  size_t by_zero; /* the last B source that divided by zero where it was last evaluated */
  const char *bad_what;
} kh_general;

/* A model value: the .model card's, else ngspice's default; *given (if not NULL) whether the
 * card has it. */
static inline double kh_model_number(const kh_netlist *nl, const char *model, const char *name,
                                     double fallback, int *given) {
  double v = fallback;
  int has = kh_netlist_model_param(nl, model, name, &v);
  if (given) *given = has;
  return v;
}

/* A junction's GMIN while true gmin stepping raises every junction's to g->gjunction. */
static inline double kh_junction_gmin(const kh_general *g, double own) {
  return g->gjunction > own ? g->gjunction : own;
}

/* Whether limiting moved a device voltage v to `limited` beyond rounding: Newton has then not
 * converged, whatever its corrections say, since the device was linearized elsewhere than x
 * (seen: x standing still while limvds held a MOSFET's vds at 2 V where x had it at -100 V).
 * fetlim and limvds recompute voltages through sums that round: a few ulps is no move. */
static inline int kh_limit_moved(double limited, double v) {
  return fabs(limited - v) > 1e-12 * (1 + fabs(v));
}

/* Unknown of node k (ground: -1). */
static inline long kh_general_at(size_t node) {
  return (long)node - 1;
}

static inline double kh_general_value(const double *x, long unknown) {
  return unknown >= 0 ? x[unknown] : 0;
}

/* The certificate's KCL terms of a branch of a device from unknown a to unknown b (ground: -1)
 * carrying current i, with the rounding scale of its own terms (sum and mag indexed by unknown +
 * 1, as certify's). */
static inline void kh_branch_terms(long double *sum, double *mag, long a, long b, double i,
                                   double scale) {
  sum[a + 1] += i, sum[b + 1] -= i;
  mag[a + 1] = mag[a + 1] > scale ? mag[a + 1] : scale;
  mag[b + 1] = mag[b + 1] > scale ? mag[b + 1] : scale;
}

/* Adds v at (i, j) (nothing for ground); -1 when out of memory. */
static inline int kh_general_stamp(kh_general *g, long i, long j, double v) {
  if (i < 0 || j < 0) return 0;
  if (g->entries == g->entry_cap) {
    size_t cap = g->entry_cap ? 2 * g->entry_cap : 256;
    long *ti = kh_realloc(g->ti, cap * sizeof *ti),
         *tj = ti ? kh_realloc(g->tj, cap * sizeof *tj) : NULL;
    if (ti) g->ti = ti;
    if (tj) g->tj = tj;
    double *tx = tj ? kh_realloc(g->tx, cap * sizeof *tx) : NULL;
    if (!tx) return -1;
    g->tx = tx, g->entry_cap = cap;
  }
  g->ti[g->entries] = i, g->tj[g->entries] = j, g->tx[g->entries++] = v;
  return 0;
}

static inline void kh_general_rhs(kh_general *g, long i, double v) {
  if (i >= 0) g->rhs[i] += v;
}

/* B sources (general_behavioural.c): buffers for the largest (-1: out of memory); element k's
 * stamp at x between unknowns a and b (its branch: g->branch[k]); its current for the
 * certificate with the rounding scale of it into *scale (*failed when it is out of range or, for
 * a voltage, its equation does not hold); why the last failure failed, appended to text. */
int kh_behaviour_setup(kh_general *g);
int kh_behaviour_stamp(kh_general *g, size_t k, long a, long b, const double *x);
double kh_behaviour_certify(kh_general *g, size_t k, double va, double vb, double *scale,
                            int *failed);
void kh_behaviour_explain(const kh_general *g, char *text, size_t size);

/* ngspice's DEVlimitlog (devsup.c; general_heat.c): a step in a temperature rise beyond `limit`
 * kelvins grows only logarithmically further (*limited set then). */
double kh_limitlog(double rise, double old, double limit, int *limited);
/* Stamps heated diode d (element k) linearized at x (limited when `linearize`): -1 out of
 * memory, -2 its model fails at the temperature reached (the message in g->ctx). */
int kh_heat_stamp(kh_general *g, size_t k, long d, const double *x, int linearize);
/* Starts heated diode d (element k) from g->x: its inner node where RS's current meets the
 * junction's at the thermal node's rise (-2: the model fails there). */
int kh_heat_start(kh_general *g, size_t k, long d);
/* Its currents at g->x for the certificate: KCL terms added to sum (indexed unknown + 1) with
 * their rounding scales in mag; returns the junction's current (-1 status in *failed). */
double kh_heat_certify(kh_general *g, size_t k, long d, long double *sum, double *mag, int *failed);

/* POLY product terms (general_product.c): gathers them (-1 out of memory); stamps element k's
 * linearization at x (-1 out of memory); whether its equation holds at g->x to round-off. a, b:
 * its output nodes' unknowns; c: its coefficient. */
int kh_product_setup(kh_general *g);
int kh_product_stamp(kh_general *g, size_t k, long a, long b, double c, const double *x);
int kh_product_holds(const kh_general *g, size_t k, long a, long b, double c);

/* JFETs (general_jfet.c): the model of element k at its temperature (errors name the card);
 * the control voltages that limiting compares against, from x; the stamps of its linearization
 * at x (limited when `linearize`; -1 out of memory); its KCL terms at g->x for the certificate
 * (sum and mag indexed by unknown + 1), returning its drain current. */
kh_status kh_jfet_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_jfet *j);
/* a level-2 JFET's terms (general_jfet2.c), on j's type, area, m and gmin; its point */
void kh_jfet2_from_netlist(const kh_netlist *nl, size_t k, double t, double area, kh_jfet *j);
kh_jfet_point kh_jfet2_point(const kh_jfet *j, double gmin, double vgs, double vgd);
/* A MESA MESFET (general_mesa.c): its terms into j (its limiting's thermal voltages and critical
 * voltages, as mesatemp.c sets them; vto the threshold at the source side's temperature), and
 * everything at (vgs, vgd). */
void kh_mesa_from_netlist(const kh_netlist *nl, size_t k, kh_jfet *j);
kh_jfet_point kh_mesa_point(const kh_jfet *j, double gmin, double vgs, double vgd);
void kh_jfet_follow(kh_jfet *j, const double *x);
int kh_jfet_stamp(kh_general *g, kh_jfet *j, const double *x, int linearize);
double kh_jfet_certify(const kh_general *g, const kh_jfet *j, long double *sum, double *mag);
/* ngspice's DEVfetlim (devsup.c): how far one step may move a FET's control voltage from vold,
 * given its threshold vto (general_jfet.c). */
double kh_fetlim(double vnew, double vold, double vto);
/* ngspice's DEVlimvds (devsup.c): how far one step may move a MOSFET's vds (general_jfet.c). */
double kh_limvds(double vnew, double vold);
/* Level-1 MOSFETs (general_mosfet.c): as for JFETs above; the certificate returns the drain
 * current. */
/* A loop of voltage sources, inductors and controlled voltage sources (general_loops.c): an
 * error at the element that closes it, whose current nothing determines. */
kh_status kh_general_voltage_loops(kh_context *ctx, const kh_netlist *nl, size_t nodes);
kh_status kh_mosfet_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q,
                                 unsigned sizes);
void kh_mosfet_follow(kh_mosfet *q, const double *x);
/* A MOSFET's currents and conductances at one point (NMOS signs): the bulk junctions', the
 * channel's (its mode 1 normal, -1 drain and source swapped) and the turn-on voltage. */
typedef struct {
  double cbs, gbs, cbd, gbd, cdrain, gm, gds, gmbs, von;
  double csub, gbgs, gbds, gbbs; /* BSIM3's substrate current, drain (mode's) to bulk */
  int mode;
} kh_mos_point;
/* BSIM3 v3.3 (general_bsim3.c): q from the netlist's element k (a level 8 or 49 model), with
 * ngspice 39's fatal parameter checks; its point at (vgs, vds, vbs), m included. */
kh_status kh_bsim3_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q,
                                unsigned sizes);
/* For each MOSFET element, what its model's sizes say (general_bsim3.c): KH_SIZE_SETS_UP where
 * no later MOSFET of its model has its L and W (the instance ngspice sets that size up with, as
 * it keeps instances last first: BSIM3v1's parameter check changes its perimeters only), and
 * KH_SIZE_STALE where its model has two sizes or more and one of them twice (BSIM3v32 before
 * 3.2.3 answers those by instance order), KH_SIZE_MANY where it has two sizes or more (a size:
 * L, W and BSIM4's NF). Found once for the circuit, by sorting. */
enum { KH_SIZE_SETS_UP = 1, KH_SIZE_STALE = 2, KH_SIZE_MANY = 4 };
kh_status kh_mosfet_sizes(kh_context *ctx, const kh_netlist *nl, unsigned char *flags);
/* b3ld.c's and b4ld.c's Lambda from A1 and A2 at Vgsteff (general_bsim3_eval.c). */
kh_dual kh_bsim_lambda(double a1, double a2, kh_dual vgsteff);
kh_mos_point kh_bsim3_evaluate(const kh_mosfet *q, double gmin, double vgs, double vds, double vbs);
/* BSIM4 (general_bsim4.c): q from the netlist's element k (a level 14 or 54 model), with ngspice
 * 39's fatal parameter checks and its corrections (refused where they would depend on the order
 * ngspice sets sizes up in: KH_SIZE_MANY, the model has two sizes or more). */
kh_status kh_bsim4_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q,
                                unsigned sizes);
/* mos2 (general_mos2.c): its terms for q from the model card (cox: the oxide capacitance per
 * area, u0 the card's mobility, pb the junction potential at temperature, nsub the card's NSUB
 * or 0); the channel's current and conductances at local (vgs, vds, vbs) (the mode's: drain and
 * source swapped where vds < 0) into p, with von. */
void kh_mos2_setup(kh_mosfet *q, const kh_netlist *nl, const char *model,
                   const kh_mosfet_instance *in, double cox, double u0, double pb, double nsub);
void kh_mos2_channel(const kh_mosfet *q, double vgs, double vds, double vbs, kh_mos_point *p);
/* mos6 (general_mos6.c): its terms for q from the model card, returning KC (cox and u0 as for
 * mos2); the channel as kh_mos2_channel's. */
double kh_mos6_setup(kh_mosfet *q, const kh_netlist *nl, const char *model, double cox, double u0);
void kh_mos6_channel(const kh_mosfet *q, double vgs, double vds, double vbs, kh_mos_point *p);
/* mos3 (general_mos3.c): its terms for q from the model card (cox: the oxide capacitance per
 * area, u0 the card's mobility, t and tnom in kelvins); its point at (vgs, vds, vbs). */
void kh_mos3_setup(kh_mosfet *q, const kh_netlist *nl, const char *model,
                   const kh_mosfet_instance *in, double cox, double u0, double ratio);
kh_mos_point kh_mos3_evaluate(const kh_mosfet *q, double gmin, double vgs, double vds, double vbs);
/* VDMOS (general_vdmos.c): its terms for q (general.c then gives RD, RS and RB's inner ends
 * unknowns of their own), its stamp and certificate terms, and the voltages it follows. */
kh_status kh_vdmos_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_mosfet *q);
int kh_vdmos_stamp(kh_general *g, kh_mosfet *q, const double *x, int linearize);
/* The current through RD (amperes) where q, a VDMOS with quasi-saturation, sits at x with its
 * drain and source swapped and that current times RQ exceeds 1e-9 max(1, |V|): ngspice 39 then
 * keeps the drain resistance of its last iteration in normal mode, anywhere from RD to RD + RQ,
 * and its answer depends on its path by that much; 0 otherwise. */
double kh_vdmos_quasi_reversed(const kh_mosfet *q, const double *x);
double kh_vdmos_certify(const kh_general *g, const kh_mosfet *q, long double *sum, double *mag);
/* The terms of element k's VDMOS that follow the temperature, at t kelvins (general_vdmos.c). */
void kh_vdmos_at(const kh_netlist *nl, size_t k, double t, kh_mosfet *q);
/* The stamp without heating's terms, at the present ones; the controlling voltages it used
 * (vgs, vds and the body diode's, NMOS signs) in used. */
int kh_vdmos_stamp_plain(kh_general *g, kh_mosfet *q, const double *x, int linearize,
                         double used[3]);
/* The currents leaving d, s, dx, sx and bp at the controlling voltages `at` (and x for the
 * resistors), and the power ngspice 39 heats the device with: the channel's, RD's, the body
 * diode's and RB's (not RS's or RDS's; vdmosload.c). */
double kh_vdmos_flows(const kh_mosfet *q, const double *x, const double at[3], double leaving[5]);
/* Self-heating (general_vdmos_heat.c): its terms for element k, where the instance has
 * `thermal`; the stamp and the certificate's terms. */
void kh_vdmos_heat_setup(const kh_netlist *nl, size_t k, kh_mosfet *q);
int kh_vdmos_heat_stamp(kh_general *g, kh_mosfet *q, const double *x, int linearize);
double kh_vdmos_heat_certify(const kh_general *g, const kh_mosfet *q, long double *sum,
                             double *mag);
void kh_vdmos_follow(kh_mosfet *q, const double *x);
/* A VDMOS's RD, RS and RB inner ends (those it has), or a BSIM4's inner gate behind its gate
 * resistance: unknowns *n on (general.c numbers them); nothing for another MOSFET. */
void kh_vdmos_inner_nodes(kh_mosfet *q, size_t *n);
/* Where Newton starts from a guess of the node voltages (a sweep's last point): RD's, RS's and
 * RB's inner ends, unknowns of the device's own that the guess does not give, at the outer
 * drain and source (at 0 V the first iterate put the whole supply across RD: a self-heating
 * device then took RD's 2 kW and ran away, seen in a sweep of ngspice's self-heating example). */
void kh_vdmos_warm_start(const kh_mosfet *q, double *x);
int kh_mosfet_stamp(kh_general *g, kh_mosfet *q, const double *x, int linearize);
double kh_mosfet_certify(const kh_general *g, const kh_mosfet *q, long double *sum, double *mag);
/* Switches (general_switch.c): element k's model, in the state its card gives; the state at a
 * linearization whose control voltage is v (g->limited set when it changes). */
kh_status kh_switch_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_switch *s);
void kh_switch_decide(kh_general *g, kh_switch *s, double v);
/* Switch k's control (its voltage, or a W switch's current) at x. */
double kh_switch_control(const kh_general *g, size_t k, const double *x);
/* At the start of a Newton, no switch holds; at its convergence, each holding switch takes the
 * state its control voltage gives there (1: some flipped, Newton goes on). */
void kh_switches_begin(kh_general *g);
int kh_switches_flip_held(kh_general *g);
/* BJTs (general_bjt.c): as for JFETs above; the certificate returns the collector current. */
kh_status kh_bjt_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_bjt *q);
void kh_bjt_follow(kh_bjt *q, const double *x);
/* VBIC (general_vbic.c), called by the kh_bjt_ functions for a level4 transistor */
kh_status kh_vbic_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_bjt *q);
void kh_vbic_inner_nodes(kh_bjt *q, size_t *n);
kh_status kh_vbic_inherit_rises(kh_context *ctx, kh_general *g);
/* The elements for which member says 1, in ngspice 39's load order (general_load_order.c), *count
 * of them; NULL where out of memory (kh_free it). */
size_t *kh_general_load_order(const kh_general *g, int (*member)(const kh_general *, size_t),
                              size_t *count);
/* An error where ngspice 39's mesaload.c would load a MESA MESFET in normal mode (vds > 0 at
 * g->x) after one in inverse mode, whose flag it keeps (general_mesa.c); else KH_OK. */
kh_status kh_mesa_inverse_verdict(kh_context *ctx, const kh_general *g);
void kh_vbic_follow(kh_bjt *q, const double *x);
int kh_vbic_stamp(kh_general *g, kh_bjt *q, const double *x, int linearize);
double kh_vbic_certify(const kh_general *g, const kh_bjt *q, long double *sum, double *mag);
/* For a failure message: the VBIC transistor whose currents were not numbers at its last
 * linearization, and why that happens; "" for none. */
void kh_vbic_explain(const kh_general *g, char *text, size_t size);
/* A BJT with quasi-saturation: its intrinsic collector, unknown *n on (nothing for another). */
void kh_bjt_inner_nodes(kh_bjt *q, size_t *n);
int kh_bjt_stamp(kh_general *g, kh_bjt *q, const double *x, int linearize);
double kh_bjt_certify(const kh_general *g, const kh_bjt *q, long double *sum, double *mag);

/* Newton (general.c) from g->x at the present gshunt and scale, at most g->iteration_limit
 * iterations (KH_GENERAL_ITERATIONS where 0): 0 when converged to round-off, 1 when not, 2 where
 * a heated model failed, -1 out of memory; a restart from x (the junction voltages that limiting
 * compares against following it); ngspice's MODEINITJCT first guess for every device. */
enum { KH_GENERAL_ITERATIONS = 150 };
int kh_general_newton(kh_general *g, kh_solve_stats *stats, int *singular);
/* The system linearized at x (linearize 0: at x as it stands, no limiting; setup's pattern),
 * 1 where a device failed; the KCL certificate of g->x into stats (current: each element's,
 * or NULL) and whether it passed; the junction voltages limiting compares against, from g->x. */
int kh_general_assemble(kh_general *g, const double *x, int linearize);
void kh_general_certify(kh_general *g, kh_solve_stats *stats, double *current);
int kh_general_certified(const kh_solve_stats *stats);
void kh_general_follow_x(kh_general *g);
void kh_general_restart(kh_general *g, const double *x);
void kh_general_cold_start(kh_general *g);
/* ngspice's methods in turn (general_stepping.c) from g->x: Newton, gmin stepping, source
 * stepping, pseudo-transient (held at the .nodeset voltages first, where there are any), and
 * once more with the pwl curves' steps free where their limiter acted. Returns newton's code. */
int kh_general_solve(kh_general *g, kh_solve_stats *stats, int *singular);

/* Verdicts (general_verdicts.c): the ideal diodes' states from the guess hold at the answer
 * (else an error); the hottest self-heating junction at the last iterate for a failure's message
 * ("" without heating); the error for a singular system, with a B source's part in it. */
kh_status kh_general_ideal_states_hold(kh_context *ctx, const kh_general *g);
void kh_general_hottest(const kh_general *g, char *text, size_t size);
kh_status kh_general_singular_fail(kh_context *ctx, const kh_general *g);

#endif
