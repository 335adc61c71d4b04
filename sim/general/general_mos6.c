/* Level-6 MOSFETs in general Newton: ngspice 39's mos6 (mos6temp.c and mos6load.c, read there),
 * Sakurai and Newton's n-th power law: above the threshold von = VBI + GAMMA sarg - GAMMA1 vbs
 * - SIGMA vds (sarg mos1's), the saturation voltage KV vgon^NV and current KC W/L vgon^NC times
 * (1 + (LAMBDA0 - LAMBDA1 vbs) vds), below the saturation voltage times (2 - u) u with u = vds /
 * vdsat; nothing at vgon <= 0. KC falls as (T/TNOM)^1.5; KV, NV, NC, GAMMA1, SIGMA and the
 * lambdas do not move with temperature; the rest (PHI, VBI, the junctions) is mos1's
 * (general_mosfet.c). The current is computed on values in ngspice's order and differentiated
 * forward (dual.h), so its conductances are exact for it (mos6load.c leaves gmbs unset where
 * sarg is 0). */
#include "dual_names.h"
#include "general_impl.h"

#include <math.h>

double kh_mos6_setup(kh_mosfet *q, const kh_netlist *nl, const char *m, double cox, double u0) {
  kh_mos6 *l = &q->l6;
  int kc_given, lambda0_given;
  double kc = kh_model_number(nl, m, "kc", 5e-5, &kc_given);
  if (cox > 0 && !kc_given) kc = 0.5 * u0 * cox * 1e-4; /* mos6temp.c, with TOX */
  l->kv = kh_model_number(nl, m, "kv", 2, NULL);
  l->nv = kh_model_number(nl, m, "nv", 0.5, NULL);
  l->nc = kh_model_number(nl, m, "nc", 1, NULL);
  l->gamma1 = kh_model_number(nl, m, "gamma1", 0, NULL);
  l->sigma = kh_model_number(nl, m, "sigma", 0, NULL);
  l->lambda0 = kh_model_number(nl, m, "lambda0", 0, &lambda0_given);
  if (!lambda0_given) l->lambda0 = kh_model_number(nl, m, "lambda", 0, NULL); /* mos6set.c */
  l->lambda1 = kh_model_number(nl, m, "lambda1", 0, NULL);
  return kc;
}

void kh_mos6_channel(const kh_mosfet *q, double vgs, double vds, double vbs, kh_mos_point *p) {
  const kh_mos6 *l = &q->l6;
  D vg = kh_dual_var(vgs, 0), v = kh_dual_var(vds, 1), vb = kh_dual_var(vbs, 2), sarg;
  if (vbs <= 0) {
    sarg = SQRT(CSUB(q->tphi, vb));
  } else {
    double root = sqrt(q->tphi);
    sarg = CSUB(root, DIVC(vb, root + root));
    if (sarg.v < 0) sarg = K(0); /* MAX(0, sarg) */
  }
  D von = SUB(SUB(ADDC(MULC(sarg, q->gamma), q->tvbi * q->type), MULC(vb, l->gamma1)),
              MULC(v, l->sigma));
  p->von = von.v;
  D vgon = SUB(vg, von);
  if (vgon.v <= 0) return; /* cut off */
  D lv = kh_dual_log(vgon);
  D vdsat = MULC(kh_dual_exp(MULC(lv, l->nv)), l->kv);
  D idsat = MULC(kh_dual_exp(MULC(lv, l->nc)), q->beta);
  D lambda = CSUB(l->lambda0, MULC(vb, l->lambda1));
  D cdrain = MUL(idsat, ADDC(MUL(lambda, v), 1));
  if (vdsat.v > vds) { /* linear */
    D u = DIV(v, vdsat);
    cdrain = MUL(cdrain, MUL(CSUB(2, u), u));
  }
  p->cdrain = cdrain.v, p->gm = cdrain.d[0], p->gds = cdrain.d[1], p->gmbs = cdrain.d[2];
}
