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

typedef struct {
  int mob_mod, dio_mod, temp_mod, gidl_mod;
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
} kh_bsim4;

/* The instance's DC currents at its (vgs, vds, vbs) in the NMOS's signs, m and NF included, as
 * functions of those three (dual.h): the channel's from drain to source, the substrate current
 * from the mode's drain (the drain, or the source where vds < 0) into the bulk, GIDL from the
 * drain and GISL from the source into the bulk, and the bulk junctions' from the bulk into the
 * drain and the source (GMIN across each); the threshold of the mode's, which limiting reads. */
typedef struct {
  kh_dual ids, isub, igidl, igisl, ibd, ibs;
  int mode;
  double von;
} kh_bsim4_point;

kh_bsim4_point kh_bsim4_evaluate(const kh_bsim4 *b, int type, double gmin, double vgs, double vds,
                                 double vbs);

#endif
