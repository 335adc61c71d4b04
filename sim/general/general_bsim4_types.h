/* BSIM4 4.8.2 at an instance (general_bsim4.c): b4temp.c's size-dependent parameters (binned
 * and at temperature) and what b4ld.c's DC part reads of the model and the instance, in its
 * names; the DC currents (general_bsim4_eval.c). Private to sim/general. */
#ifndef KH_SIM_GENERAL_BSIM4_TYPES_H
#define KH_SIM_GENERAL_BSIM4_TYPES_H

#include "dual.h"

/* A junction's DC terms (b4temp.c; DIOMOD 0, 1 or 2): its saturation current (0: GMIN alone),
 * n Vt, breakdown (XJBV, BV and XJBV exp(-BV / n Vt)), IJTH's forward and reverse knees
 * (voltage, current and slope), and the trap-assisted tunnelling (area, sidewall, gate-edge
 * sidewall: their currents at temperature, n at temperature, VTS). */
typedef struct {
  double sat, nvtm, xjbv, bv, xexp_bv, vjm_fwd, iv_fwd, slope_fwd, vjm_rev, iv_rev, slope_rev;
  double tat_sat[3], tat_n[3], tat_vts[3];
} kh_bsim4_junction;

/* GIDL's (or GISL's) binned terms. */
typedef struct {
  double a, b, c, e, r, k, f;
} kh_bsim4_gidl;

/* The gate tunnelling currents' terms (b4temp.c; IGCMOD 1 or 2, IGBMOD 1): the flat band at
 * zero bias, the coefficients with the oxide ratios folded in (Aechvb, Bechvb and the edges'),
 * the binned A, B, C of the channel's, the source and drain edges' and the body's currents,
 * NIGC, PIGCD (given or computed), the edges' flat band VFBSD + VFBSDOFF, NIGBACC, NIGBINV,
 * EIGBINV. */
typedef struct {
  int igc_mod, igb_mod, pigcd_given;
  double vfbzb, aechvb, bechvb, aechvb_edge_s, aechvb_edge_d, bechvb_edge, igb_area;
  double aigc, bigc, cigc, aigs, bigs, cigs, aigd, bigd, cigd, nigc, pigcd, vfbsd;
  double aigbacc, bigbacc, cigbacc, aigbinv, bigbinv, cigbinv, nigbacc, nigbinv, eigbinv;
} kh_bsim4_tunnel;

typedef struct {
  int mob_mod, dio_mod, temp_mod, gidl_mod;
  int v5; /* ngspice 39's BSIM4v5 (VERSION 4.0 to 4.5) where its equations differ */
  int v6; /* its BSIM4v6 (VERSION 4.6), where they differ: PIGCD's default */
  double m, nf, vtm, vtm0, temp_ratio, toxe, coxe, toxp, coxp, factor1, ados, bdos;
  double leff, weff, weff_cj, litl, cdep0, vbsc, phi, sqrt_phi, xdep0, vbi;
  double vth0, vfb, k1, k1ox, k2ox, k3, k3b, w0, lpe0, lpeb, kt1, kt1l, kt2;
  double dvt0, dvt1, dvt2, dvt0w, dvt1w, dvt2w, eta0, etab, theta0vb0, theta_rout;
  double nfactor, cdsc, cdscb, cdscd, cit, dvtp0, dvtp1, dvtp2factor, dvtp4, ngate, mstar, voffcbn;
  double dwg, dwb, rds0, rdswmin, prwg, prwb, xj, a0, ags, b0, b1, keta;
  double ua, ub, uc, ud, eu, ucs, vgsteff_vth, vtfbphi1, vtfbphi2, u0temp, vsattemp;
  double a1, a2, delta, lambda, vtl, tfactor, fprout, pvag, pclm, pdiblb;
  double pdits, pditsd, pditsl, pscbe1, pscbe2, alpha0, alpha1, beta0, gidlclamp;
  int lambda_on, vtl_on; /* LAMBDA (velocity overshoot), VTL (source-end velocity) given > 0 */
  kh_bsim4_gidl gidl, gisl;
  kh_bsim4_junction source, drain;
  kh_bsim4_tunnel tunnel;
  /* The gate resistance where a gate current flows through it (IGCMOD or IGBMOD): rgate is its
   * RGATEMOD (0: none at DC), ggate b4temp.c's grgeltd (the electrode's conductance, times m);
   * RGATEMOD=1 puts ggate from the gate as written (gx, an unknown) to the inner gate (the
   * MOSFET's g, an unknown of its own), 2 ggate in series with b4ld.c's bias-dependent gcrg
   * (XRCRG1 (XRCRG2 vtm beta + Ids) NF), 3 ggate to a middle node (gmid) and gcrg on from it. */
  int rgate;
  double ggate, grgeltd, xrcrg1, xrcrg2; /* grgeltd: ggate before m */
  long gx, gmid;
  /* RBODYMOD=1: the body resistances as conductances (b4temp.c: GBMIN + 1 / R, 1e3 S below
   * 1 mohm; times m) among the inner body bp (the MOSFET's b, an unknown of its own, which the
   * channel, the substrate current, GIDL and Igb see), the junctions' inner ends db and sb
   * (unknowns of their own) and the bulk as written (bx); the junctions' voltages at the last
   * linearization, db and sb to the source (NMOS signs). */
  int rbody;
  double grbpd, grbps, grbpb, grbdb, grbsb, vdbs, vsbs;
  long bx, db, sb;
  /* The source's and drain's resistances outside the channel, between the source and drain as
   * written (sx, dx, the card's nodes) and the MOSFET's s and d (unknowns of their own): the
   * diffusions' sheet conductances (1 / (RSH NRS) or RGEOMOD's, layout.c); at RDSMOD=1 (the
   * channel then without RDSW's) in series with b4temp.c's RSW and RDW (over Weff_cj^WR NF) and
   * RSWMIN and RDWMIN at temperature, bias-dependent through VFBSD (NGATE and NSD, without
   * VFBSDOFF). */
  int rdsmod;
  double rs0, rswmin, rd0, rdwmin, vfbsd, gsheet_s, gsheet_d;
  long sx, dx;
  /* Which of the source (0) and drain (1) have such an inner node: both at RDSMOD=1; at RDSMOD=0
   * a side with a sheet resistance (RSH NRS, or RGEOMOD's from the layout; its conductance
   * gsheet, linear). */
  int series[2];
} kh_bsim4;

/* The instance's DC currents at its (vgs, vds, vbs) in the NMOS's signs, m and NF included, as
 * functions of those three (dual.h): the channel's from drain to source, the substrate current
 * from the mode's drain (the drain, or the source where vds < 0) into the bulk, GIDL from the
 * drain and GISL from the source into the bulk, the bulk junctions' from the bulk into the
 * drain and the source (GMIN across each), and the gate's tunnelling currents from the gate:
 * the channel's to the mode's source (igcs) and drain (igcd), the edges' to the source (igs)
 * and drain (igd), the body's (igb); the threshold of the mode's, which limiting reads. Also
 * the series conductances the device holds (b->series): RDSMOD=1's b4ld.c gstot and gdtot
 * times m, functions of the same three (Rs of vgs and vbs, Rd of vgd and vbd), the sheets'
 * alone at RDSMOD=0, constant; RGATEMOD 2's and 3's gate conductance likewise. */
typedef struct {
  kh_dual ids, isub, igidl, igisl, ibd, ibs, igcs, igcd, igs, igd, igb;
  kh_dual gs, gd; /* the source's and drain's series conductances held inside, m included */
  kh_dual gcrg;   /* RGATEMOD 2's (with the electrode's) and 3's gate conductance, m included */
  int mode;
  double von;
} kh_bsim4_point;

/* The gate tunnelling currents (general_bsim4_gate.c), before NF and m: the channel's and the
 * body's in the mode's frame from its poly-depleted Vgs, Vbseff, Vgsteff, Vth and Vdseff; an
 * edge's (drain 0: the source's) at the terminals' vgs (or vgd). */
void kh_bsim4_gate_currents(const kh_bsim4 *b, int type, kh_dual vgs_eff, kh_dual vbseff,
                            kh_dual vgsteff, kh_dual vth, kh_dual vdseff, kh_dual *igcs,
                            kh_dual *igcd, kh_dual *igb);
kh_dual kh_bsim4_edge_current(const kh_bsim4 *b, kh_dual vg, int drain);

/* A bulk junction's current (drain 1: the drain's) from its bulk end into the diffusion, m
 * included, at v, the bulk end's voltage to it (dual in v); RBODYMOD=1's, whose voltages are
 * their own. */
kh_dual kh_bsim4_junction_current(const kh_bsim4 *b, int drain, double gmin, double v);

kh_bsim4_point kh_bsim4_evaluate(const kh_bsim4 *b, int type, double gmin, double vgs, double vds,
                                 double vbs);

#endif
