/* Parker-Skellern JFETs (LEVEL 2) in general Newton, as ngspice 39's jfet2 device computes them
 * at DC: jfet2temp.c's temperature (IS and the gate junction potential VBI only) and psmodel.c's
 * PSids with its rate-dependent terms at their quiescent values (the trapped voltages equal to
 * the terminal ones, the averaged power to the present one): the gate junctions with their
 * reverse breakdown, the drain feedback's threshold shift, the exponential subthreshold limit of
 * the gate drive, the dual power law, early saturation, channel-length modulation and the
 * thermal reduction 1 / (1 + DELTA P). The derivatives come from the same code on dual numbers,
 * exact for the function as computed (ngspice's own leave out some feedback terms); the values
 * are ngspice's, in its order of operations. Limiting and the stamp are the level 1's. */
#include "dual.h"
#include "general_impl.h"

#include <math.h>

#define FX -10.0                    /* psmodel.c's cut-off of the exponentials' arguments */
#define MX 40.0                     /* and their largest, past which they continue linearly */
#define EMX 2.353852668370199842e17 /* exp(MX), as psmodel.c writes it */

/* jfet2temp.c's -2 Vt (1.5 ln(T / REFTEMP) + q (1.1150877 / (2 k REFTEMP) - Eg(T) / (2 k T))),
 * the gate potential's temperature term, with its silicon gap Eg(T). */
static double pb_factor(double t) {
  double vt = KH_BOLTZMANN / KH_CHARGE * t, kt = KH_BOLTZMANN * t;
  double egfet = 1.16 - (7.02e-4 * t * t) / (t + 1108);
  double arg = -egfet / (kt + kt) + 1.1150877 / (KH_BOLTZMANN * (KH_TEMPERATURE + KH_TEMPERATURE));
  return -2 * vt * (1.5 * log(t / KH_TEMPERATURE) + KH_CHARGE * arg);
}

void kh_jfet2_from_netlist(const kh_netlist *nl, size_t k, double t, double area, kh_jfet *j) {
  const char *m = kh_netlist_element(nl, k).model;
  double tnom = kh_netlist_nominal_temperature(nl, m), vt = KH_BOLTZMANN / KH_CHARGE * t;
  double fact1 = tnom / KH_TEMPERATURE, fact2 = t / KH_TEMPERATURE;
  double pbo = (kh_model_number(nl, m, "pb", 1, NULL) - pb_factor(tnom)) / fact1;
  double vbi = fact2 * pbo + pb_factor(t);
  double sat = kh_model_number(nl, m, "is", 1e-14, NULL) * exp((t / tnom - 1) * 1.11 / vt);
  double p = kh_model_number(nl, m, "p", 2, NULL), q = kh_model_number(nl, m, "q", 2, NULL);
  double z = kh_model_number(nl, m, "z", 1, NULL);
  double woo = vbi - j->vto, lfg = kh_model_number(nl, m, "lfgam", 0, NULL);
  kh_jfet_ps *ps = &j->ps;
  j->parker = 1;
  j->vt = vt; /* the limiting's, without N (jfet2load.c) */
  j->csat = sat * area;
  j->vcrit = vt * log(vt / (M_SQRT2 * sat));
  ps->nvt = t * (KH_BOLTZMANN / KH_CHARGE) * kh_model_number(nl, m, "n", 1, NULL);
  ps->ibd = kh_model_number(nl, m, "ibd", 0, NULL) * area;
  ps->vbd = kh_model_number(nl, m, "vbd", 1, NULL);
  ps->vst = kh_model_number(nl, m, "vst", 0, NULL);
  ps->mvst = kh_model_number(nl, m, "mvst", 0, NULL);
  ps->lfg = lfg;
  ps->lfg1 = kh_model_number(nl, m, "lfg1", 0, NULL);
  ps->lfg2 = kh_model_number(nl, m, "lfg2", 0, NULL);
  ps->pmq = p - q, ps->q = q;
  ps->d3 = p / q / pow(woo, p - q);
  ps->za = sqrt(1 + z) / 2, ps->z = z;
  ps->mxi = kh_model_number(nl, m, "mxi", 0, NULL);
  ps->xi_woo = kh_model_number(nl, m, "xi", 1000, NULL) * woo;
  ps->delta = kh_model_number(nl, m, "delta", 0, NULL) / area;
  ps->vbi = vbi;
}

/* One gate junction at v: forward conduction (n Vt, GMIN across it) and reverse breakdown. */
static void junction(const kh_jfet *j, double gmin, double v, double *i, double *g) {
  const kh_jfet_ps *ps = &j->ps;
  double arg = v / ps->nvt, zz, isat = j->csat, ibd = ps->ibd;
  if (arg > FX && arg < MX) {
    *g = (zz = isat * exp(arg)) / ps->nvt + gmin, *i = zz - isat + gmin * v;
  } else if (arg > FX) {
    *g = (zz = isat * EMX) / ps->nvt + gmin, *i = zz * (arg - MX + 1) - isat + gmin * v;
  } else {
    *g = gmin, *i = -isat + gmin * v;
  }
  if ((arg = -v / ps->vbd) > FX && arg < MX) {
    *g += (zz = ibd * exp(arg)) / ps->vbd, *i -= zz - ibd;
  } else if (arg > FX) {
    *g += (zz = ibd * EMX) / ps->vbd, *i -= zz * ((arg - MX) + 1) - ibd;
  } else {
    *i += ibd;
  }
}

/* PSids's intrinsic current at gate drive vgt and drain potential vdst: the dual power law and
 * early saturation into the Q-law. */
static kh_dual q_law(const kh_jfet_ps *ps, kh_dual vgt, kh_dual vdst) {
  kh_dual vdp = kh_dual_mul(vdst, kh_dual_mulc(kh_dual_powc(vgt, ps->pmq), ps->d3));
  kh_dual fac = kh_dual_div(vgt, kh_dual_addc(kh_dual_mulc(vgt, ps->mxi), ps->xi_woo));
  kh_dual vsat = kh_dual_div(vgt, kh_dual_addc(fac, 1));
  kh_dual aa = kh_dual_add(kh_dual_mulc(vdp, ps->za), kh_dual_divc(vsat, 2.0));
  kh_dual a_aa = kh_dual_sub(aa, vsat);
  kh_dual arg = kh_dual_divc(kh_dual_mulc(kh_dual_mul(vsat, vsat), ps->z), 4.0);
  kh_dual rpt = kh_dual_sqrt(kh_dual_add(kh_dual_mul(aa, aa), arg));
  kh_dual vdt = kh_dual_sub(rpt, kh_dual_sqrt(kh_dual_add(kh_dual_mul(a_aa, a_aa), arg)));
  kh_dual g = kh_dual_powc(kh_dual_sub(vgt, vdt), ps->q - 1);
  return kh_dual_add(kh_dual_mul(vdt, g),
                     kh_dual_mul(vgt, kh_dual_sub(kh_dual_powc(vgt, ps->q - 1), g)));
}

/* PSids's drain current with the gate at vgs and vgd (normal mode: vgs - vgd >= 0). */
static kh_dual drain_current(const kh_jfet *j, kh_dual vgs, kh_dual vgd) {
  const kh_jfet_ps *ps = &j->ps;
  kh_dual vdst = kh_dual_sub(vgs, vgd), idrain = kh_dual_const(0);
  kh_dual feedback =
      kh_dual_add(kh_dual_csub(ps->lfg, kh_dual_mulc(vgs, ps->lfg1)), kh_dual_mulc(vgd, ps->lfg2));
  kh_dual vgst = kh_dual_sub(kh_dual_addc(vgs, -j->vto), kh_dual_mul(feedback, vgd));
  kh_dual vst = kh_dual_mulc(kh_dual_addc(kh_dual_mulc(vdst, ps->mvst), 1), ps->vst);
  if (vgst.v > FX * vst.v) {
    kh_dual vgt, arg = kh_dual_mulc(vst, MX);
    if (vgst.v > arg.v) /* numerically large: the limit's straight continuation */
      vgt = kh_dual_add(kh_dual_mulc(kh_dual_sub(vgst, arg), EMX / (EMX + 1)), arg);
    else
      vgt = kh_dual_mul(vst, kh_dual_log(kh_dual_addc(kh_dual_exp(kh_dual_div(vgst, vst)), 1)));
    idrain = q_law(ps, vgt, vdst);
  }
  idrain =
      kh_dual_mul(idrain, kh_dual_mulc(kh_dual_addc(kh_dual_mulc(vdst, j->lambda), 1), j->beta));
  kh_dual pfac = kh_dual_addc(kh_dual_mulc(kh_dual_mul(vdst, idrain), ps->delta), 1);
  return kh_dual_div(idrain, pfac);
}

kh_jfet_point kh_jfet2_point(const kh_jfet *j, double gmin, double vgs, double vgd) {
  kh_jfet_point p;
  double cgs;
  junction(j, gmin, vgs, &cgs, &p.ggs);
  junction(j, gmin, vgd, &p.cgd, &p.ggd);
  /* d[0]: by vgs at fixed vds; d[1]: by vds at fixed vgs (vgd = vgs - vds) */
  kh_dual gs = {vgs, {1, 0, 0}}, gd = {vgd, {1, -1, 0}};
  kh_dual cd =
      vgs - vgd < 0 ? kh_dual_mulc(drain_current(j, gd, gs), -1) : drain_current(j, gs, gd);
  p.gm = cd.d[0], p.gds = cd.d[1];
  p.cg = cgs + p.cgd, p.cd = cd.v - p.cgd;
  return p;
}
