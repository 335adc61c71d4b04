/* BSIM4 4.8.2's gate tunnelling currents at DC (ngspice 39's b4ld.c): the gate-to-channel
 * current Igc (IGCMOD 1 from VTH0, 2 from the bias's Vth) split between the mode's source and
 * drain by PIGCD, the gate-to-source and gate-to-drain edge currents Igs and Igd through the
 * overlaps (DLCIG, DLCIGD, POXEDGE), and the gate-to-body current Igb (IGBMOD 1) in accumulation
 * and in depletion and inversion. Written on dual numbers in b4ld.c's order, as
 * general_bsim4_eval.c. */
#include "dual_names.h"
#include "general_impl.h"

#include <math.h>

#define MAX_EXP 5.834617425e14
#define MIN_EXP 1.713908431e-15
#define EXP_THRESHOLD 34.0
#define DELTA_3 0.02

/* exp(t5) with b4ld.c's clamps at +-EXP_THRESHOLD (to MAX_EXP and MIN_EXP, flat). */
static D clamped_exp(D t5) {
  if (t5.v > EXP_THRESHOLD) return K(MAX_EXP);
  if (t5.v < -EXP_THRESHOLD) return K(MIN_EXP);
  return kh_dual_exp(t5);
}

/* t0 log(1 + exp(x / t0)), b4ld.c's Vaux, with its branches on x / t0: x itself above
 * EXP_THRESHOLD, t0 log(1 + MIN_EXP) below -EXP_THRESHOLD. */
static D smooth_aux(D x, double t0) {
  D vx = kh_dual_divc(x, t0);
  if (vx.v > EXP_THRESHOLD) return x;
  if (vx.v < -EXP_THRESHOLD) return K(t0 * log(1.0 + MIN_EXP));
  return MULC(kh_dual_log(ADDC(kh_dual_exp(vx), 1.0)), t0);
}

/* coefficient B (A + (A C - B) v - B C v^2) inside the exponential, exp clamped. */
static D tunnel_exp(double bcoef, double a, double bb, double c, D v) {
  D t5 = MULC(SUB(ADDC(MULC(v, a * c - bb), a), MULC(MUL(v, v), bb * c)), bcoef);
  return clamped_exp(t5);
}

/* The oxide voltages: in accumulation (Voxacc) and in depletion and inversion (Voxdepinv). */
static void oxide_voltages(const kh_bsim4 *b, D vgs_eff, D vbseff, D vgsteff, D *voxacc,
                           D *voxdepinv, D *vfbeff_out) {
  double vfb = b->tunnel.vfbzb;
  D v3 = ADDC(ADD(kh_dual_csub(vfb, vgs_eff), vbseff), -DELTA_3);
  D t0 = vfb <= 0.0 ? SQRT(ADDC(MUL(v3, v3), -4.0 * DELTA_3 * vfb))
                    : SQRT(ADDC(MUL(v3, v3), 4.0 * DELTA_3 * vfb));
  D vfbeff = kh_dual_csub(vfb, MULC(ADD(v3, t0), 0.5));
  *vfbeff_out = vfbeff;
  *voxacc = kh_dual_csub(vfb, vfbeff);
  if (voxacc->v < 0.0) *voxacc = K(0.0);
  double h = 0.5 * b->k1ox;
  D t3 = SUB(SUB(SUB(vgs_eff, vfbeff), vbseff), vgsteff);
  if (b->k1ox == 0.0)
    *voxdepinv = K(0.0);
  else if (t3.v < 0.0)
    *voxdepinv = MULC(t3, -1.0);
  else
    *voxdepinv = MULC(ADDC(SQRT(ADDC(t3, h * h)), -h), b->k1ox);
  *voxdepinv = ADD(*voxdepinv, vgsteff);
}

/* Igc, split into Igcs and Igcd by PIGCD (b4ld.c, IGCMOD 1 or 2). */
static void channel_current(const kh_bsim4 *b, int type, D vgs_eff, D vth, D vgsteff, D vdseff,
                            D voxdepinv, double vt, D *igcs, D *igcd) {
  const kh_bsim4_tunnel *g = &b->tunnel;
  double t0 = vt * g->nigc;
  D x = g->igc_mod == 1 ? ADDC(vgs_eff, -type * b->vth0) : SUB(vgs_eff, vth);
  D vaux = smooth_aux(x, t0);
  D t2 = MUL(vgs_eff, vaux);
  D t6 = tunnel_exp(g->bechvb, g->aigc, g->bigc, g->cigc, voxdepinv);
  D igc = MUL(MULC(t2, g->aechvb), t6);
  D pigcd = K(g->pigcd);
  if (!g->pigcd_given) {
    D t12 = ADDC(vgsteff, 1.0e-20);
    /* BSIM4v5 and BSIM4v6 (b4v5ld.c, b4v6ld.c) take Bechvb times TOXE where 4.8 takes -Bechvb */
    double t11 = b->v5 || b->v6 ? g->bechvb * b->toxe : -g->bechvb;
    D t13 = DIV(kh_dual_cdiv(t11, t12), t12);
    pigcd = MUL(t13, kh_dual_csub(1.0, MULC(DIV(vdseff, t12), 0.5)));
  }
  D t7 = MULC(MUL(pigcd, vdseff), -1.0);
  D t8 = ADDC(MUL(t7, t7), 2.0e-4);
  D t9 = clamped_exp(t7);
  *igcs = MUL(igc, DIV(SUB(ADDC(t9, -1.0 + 1.0e-4), t7), t8));
  *igcd = MUL(igc, DIV(SUB(MUL(t7, t9), ADDC(t9, -1.0 - 1.0e-4)), t8));
}

void kh_bsim4_gate_currents(const kh_bsim4 *b, int type, D vgs_eff, D vbseff, D vgsteff, D vth,
                            D vdseff, D *igcs, D *igcd, D *igb) {
  const kh_bsim4_tunnel *g = &b->tunnel;
  *igcs = *igcd = *igb = K(0.0);
  if (!g->igc_mod && !g->igb_mod) return;
  D voxacc, voxdepinv, vfbeff;
  oxide_voltages(b, vgs_eff, vbseff, vgsteff, &voxacc, &voxdepinv, &vfbeff);
  double vt = b->temp_mod < 2 ? b->vtm : b->vtm0;
  if (g->igc_mod)
    channel_current(b, type, vgs_eff, vth, vgsteff, vdseff, voxdepinv, vt, igcs, igcd);
  if (!g->igb_mod) return;
  D over = SUB(vgs_eff, vbseff); /* Vgs_eff - Vbseff */
  D acc = smooth_aux(ADDC(SUB(vbseff, vgs_eff), g->vfbzb), vt * g->nigbacc);
  double t11 = g->igb_area, t12 = -7.45669e11 * b->toxe;
  D igbacc =
      MUL(MULC(MUL(over, acc), t11), tunnel_exp(t12, g->aigbacc, g->bigbacc, g->cigbacc, voxacc));
  D inv = smooth_aux(ADDC(voxdepinv, -g->eigbinv), vt * g->nigbinv);
  D igbinv = MUL(MULC(MUL(over, inv), t11 * 0.75610),
                 tunnel_exp(t12 * 1.31724, g->aigbinv, g->bigbinv, g->cigbinv, voxdepinv));
  *igb = ADD(igbinv, igbacc);
}

D kh_bsim4_edge_current(const kh_bsim4 *b, D vg, int drain) {
  const kh_bsim4_tunnel *g = &b->tunnel;
  if (!g->igc_mod) return K(0.0);
  D t0 = ADDC(vg, -g->vfbsd);
  D vg_eff = SQRT(ADDC(MUL(t0, t0), 1.0e-4));
  D t2 = MUL(vg, vg_eff);
  D t6 = drain ? tunnel_exp(g->bechvb_edge, g->aigd, g->bigd, g->cigd, vg_eff)
               : tunnel_exp(g->bechvb_edge, g->aigs, g->bigs, g->cigs, vg_eff);
  return MUL(MULC(t2, drain ? g->aechvb_edge_d : g->aechvb_edge_s), t6);
}
