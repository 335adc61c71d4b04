/* Bipolar transistors in general Newton: ngspice 39's Gummel-Poon model at DC (bjttemp.c and
 * bjtload.c, read there): forward and reverse transport currents through the base charge qb
 * (Early voltages VAF and VAR, high injection IKF and IKR with NKF), ideal base currents over
 * BF and BR, base-emitter and base-collector leakage (ISE, NE; ISC, NC) with GMIN across each,
 * ngspice's cubic reverse branches, the substrate junction (ISS, NS) with GMIN across it from
 * the substrate to the inner collector (vertical) or base (lateral), and every temperature law (EG,
 * XTI, XTB with TLEV 0 or 1, TBF1 ..., TNF1
 * ..., TVAF1 ..., TIKF1 ...). The element's ends are the inner collector, base and emitter
 * (RC, RB and RE are resistors of their own, netlist/bjt.c), but for a base resistance that the
 * current modulates (RBM, IRB), which the transistor keeps as ngspice does: a conductance gx
 * from the base charge (or, with IRB, the base current) at each linearization, stamped without
 * its derivatives, so that Newton's fixed point is ngspice's. A PNP is an NPN with every
 * voltage and current negated. */
#include "general_impl.h"

#include "core/context.h"

#include <math.h>
#include <string.h>

/* A model parameter's value times (1 + c1 dt + c2 dt^2), its coefficients named `name`1 and
 * `name`2 ("tbf" -> tbf1, tbf2); *given (may be NULL) whether either coefficient is. */
static double tempered(const kh_netlist *nl, const char *m, double v, const char *name, double dt,
                       int *given) {
  char n1[16], n2[16];
  int g1, g2;
  snprintf(n1, sizeof n1, "%s1", name), snprintf(n2, sizeof n2, "%s2", name);
  double c1 = kh_model_number(nl, m, n1, 0, &g1), c2 = kh_model_number(nl, m, n2, 0, &g2);
  if (given) *given = g1 || g2;
  return v * (1 + c1 * dt + c2 * dt * dt);
}

/* 1 / (the parameter at temperature), 0 where the card leaves it out or gives 0 (infinite). */
static double inverse(const kh_netlist *nl, const char *m, const char *name, const char *coeff,
                      double dt) {
  int given;
  double v = kh_model_number(nl, m, name, 0, &given);
  return given && v != 0 ? 1 / tempered(nl, m, v, coeff, dt, NULL) : 0;
}

/* The currents' scale factors at temperature (bjttemp.c, TLEV 0 or 1). */
static void saturation_currents(const kh_netlist *nl, const char *m, const kh_bjt_instance *in,
                                int lateral, double vt, double tnom, kh_bjt *q) {
  double t = in->temperature, dt = t - tnom, ratlog = log(t / tnom);
  double factlog = (t / tnom - 1) * kh_model_number(nl, m, "eg", 1.11, NULL) / vt +
                   kh_model_number(nl, m, "xti", 3, NULL) * ratlog;
  double is = kh_model_number(nl, m, "is", 1e-16, NULL),
         xtb = kh_model_number(nl, m, "xtb", 0, NULL);
  double tsat = in->area * is * exp(factlog), bc_area = lateral ? in->areac : in->areab;
  double bfactor = kh_model_number(nl, m, "tlev", 0, NULL) == 1 ? 1 + xtb * dt : exp(ratlog * xtb);
  q->be_sat = tsat;
  q->bc_sat = tsat * bc_area; /* ngspice 39 multiplies the area in twice here */
  q->vcrit = vt * log(vt / (M_SQRT2 * tsat));
  /* ISS times the area; with IBE and IBC (both, netlist/bjt.c) the junctions' own, scaled over NF
   * and NR, and ISS then over NR times the substrate side's area (bjttemp.c) */
  double iss = kh_model_number(nl, m, "iss", 0, NULL);
  int ibe_given;
  double ibe = kh_model_number(nl, m, "ibe", 0, &ibe_given);
  q->sub_sat = iss * exp(factlog) * in->area;
  if (ibe_given) {
    double nf = kh_model_number(nl, m, "nf", 1, NULL), nr = kh_model_number(nl, m, "nr", 1, NULL);
    q->be_sat = in->area * ibe * exp(factlog / nf);
    q->bc_sat = kh_model_number(nl, m, "ibc", 0, NULL) * exp(factlog / nr) * bc_area;
    q->sub_sat = iss * exp(factlog / nr) * (lateral ? in->areab : in->areac);
  }
  double ise = kh_model_number(nl, m, "ise", 0, NULL), isc = kh_model_number(nl, m, "isc", 0, NULL);
  if (ise > 1e-4) ise *= is; /* bjtsetup.c: SPICE2's C2, a multiple of IS */
  if (isc > 1e-4) isc *= is;
  double ne = kh_model_number(nl, m, "ne", 1.5, NULL), nc = kh_model_number(nl, m, "nc", 2, NULL);
  q->c2 = in->area * ise * exp(factlog / ne) / bfactor;
  q->c4 = isc * exp(factlog / nc) / bfactor * bc_area;
  if (kh_model_number(nl, m, "tlev", 0, NULL) == 3) { /* each current to a power of its own */
    bfactor = 1; /* ngspice's is the last TLEV 0 or 1 instance's: netlist/bjt.c checks it is 1 */
    double ex = tempered(nl, m, 1, "tis", dt, NULL);
    tsat = in->area * pow(is, ex);
    q->be_sat = ibe_given ? in->area * pow(ibe, ex) : tsat;
    q->bc_sat = (ibe_given ? pow(kh_model_number(nl, m, "ibc", 0, NULL), ex) : tsat) * bc_area;
    q->sub_sat = pow(iss, tempered(nl, m, 1, "tiss", dt, NULL)) *
                 (ibe_given ? (lateral ? in->areab : in->areac) : in->area);
    q->c2 = in->area * pow(ise, tempered(nl, m, 1, "tise", dt, NULL));
    q->c4 = pow(isc, tempered(nl, m, 1, "tisc", dt, NULL)) * bc_area;
    q->vcrit = vt * log(vt / (M_SQRT2 * tsat));
  }
  q->vte = tempered(nl, m, ne, "tne", dt, NULL) * vt;
  q->vtc = tempered(nl, m, nc, "tnc", dt, NULL) * vt;
  q->vts = tempered(nl, m, kh_model_number(nl, m, "ns", 1, NULL), "tns", dt, NULL) * vt;
  q->sub_vcrit = q->sub_sat > 0 ? vt * log(vt / (M_SQRT2 * q->sub_sat)) : 0;
  int given;
  q->bf = tempered(nl, m, kh_model_number(nl, m, "bf", 100, NULL), "tbf", dt, &given);
  if (!given) q->bf = kh_model_number(nl, m, "bf", 100, NULL) * bfactor;
  q->br = tempered(nl, m, kh_model_number(nl, m, "br", 1, NULL), "tbr", dt, &given);
  if (!given) q->br = kh_model_number(nl, m, "br", 1, NULL) * bfactor;
}

/* RB, RBM and IRB at temperature (bjttemp.c) where the current modulates the base resistance:
 * the base as written is then the element's own base (no "#rb" node, netlist/bjt.c). */
static void base_resistance(const kh_netlist *nl, const char *m, const kh_bjt_instance *in,
                            double dt, kh_bjt *q) {
  double rb = kh_model_number(nl, m, "rb", 0, NULL);
  q->bx = q->b;
  q->modulated = rb > 0 && in->inner_base == in->base;
  if (!q->modulated) return;
  double rbt = tempered(nl, m, rb, "trb", dt, NULL) / in->area;
  q->rbm = tempered(nl, m, kh_model_number(nl, m, "rbm", rb, NULL), "trm", dt, NULL) / in->area;
  q->rbpi = rbt - q->rbm;
  q->irb = tempered(nl, m, kh_model_number(nl, m, "irb", 0, NULL), "tirb", dt, NULL) * in->area;
}

/* Kull's quasi-saturation where RCO is given (bjtsetup.c: RCO at least 0.01 ohm, VO 10 V, GAMMA
 * 1e-11; bjttemp.c keeps them as they are). */
static void quasi_saturation(const kh_netlist *nl, const char *m, kh_bjt *q) {
  double rco = kh_model_number(nl, m, "rco", 0, &q->qs);
  q->cx = q->c;
  if (!q->qs) return;
  q->rci = fmax(rco, 0.01);
  q->vo = kh_model_number(nl, m, "vo", 10, NULL);
  q->epi_doping = kh_model_number(nl, m, "gamma", 1e-11, NULL);
}

void kh_bjt_inner_nodes(kh_bjt *q, size_t *n) {
  if (q->level4) {
    kh_vbic_inner_nodes(q, n);
    return;
  }
  if (!q->qs) return;
  if (q->subcon == q->c) q->subcon = (long)*n; /* a vertical device's substrate: intrinsic */
  q->c = (long)(*n)++;
}

kh_status kh_bjt_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_bjt *q) {
  kh_element e = kh_netlist_element(nl, k);
  kh_bjt_instance in = kh_netlist_bjt_instance(nl, k);
  const char *m = e.model;
  memset(q, 0, sizeof *q);
  q->type = !strcmp(kh_netlist_model_type(nl, m), "pnp") ? -1 : 1;
  q->off = in.off;
  double level = kh_model_number(nl, m, "level", 1, NULL);
  if (level == 4 || level == 9) return kh_vbic_from_netlist(ctx, nl, k, q); /* as vbic.c reads */
  double t = in.temperature, tnom = kh_netlist_nominal_temperature(nl, m), dt = t - tnom;
  double vt = KH_BOLTZMANN / KH_CHARGE * t;
  int subs_given;
  double subs = kh_model_number(nl, m, "subs", 0, &subs_given);
  int lateral = subs_given ? subs < 0 : q->type < 0; /* bjtsetup.c: NPN vertical, PNP lateral */
  saturation_currents(nl, m, &in, lateral, vt, tnom, q);
  q->vt = vt;
  q->vtf = tempered(nl, m, kh_model_number(nl, m, "nf", 1, NULL), "tnf", dt, NULL) * vt;
  q->vtr = tempered(nl, m, kh_model_number(nl, m, "nr", 1, NULL), "tnr", dt, NULL) * vt;
  q->inv_vaf = inverse(nl, m, "vaf", "tvaf", dt), q->inv_var = inverse(nl, m, "var", "tvar", dt);
  q->inv_ikf = inverse(nl, m, "ikf", "tikf", dt) / in.area;
  q->inv_ikr = inverse(nl, m, "ikr", "tikr", dt) / in.area;
  q->nkf = kh_model_number(nl, m, "nkf", 0.5, &q->nkf_given);
  q->m = in.m;
  q->gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &q->gmin);
  q->c = kh_general_at(e.node_pos), q->e = kh_general_at(e.node_neg);
  q->b = kh_general_at(in.inner_base), q->sub = kh_general_at(in.substrate);
  base_resistance(nl, m, &in, dt, q);
  q->subcon = lateral ? q->b : q->c; /* general.c moves b (and this) inside a modulated RB */
  quasi_saturation(nl, m, q);
  q->subs = lateral ? -1 : 1;
  double checked[] = {q->be_sat,  q->bc_sat,  q->c2,      q->c4,      q->bf,
                      q->br,      q->vtf,     q->vtr,     q->vte,     q->vtc,
                      q->inv_vaf, q->inv_var, q->inv_ikf, q->inv_ikr, q->vcrit};
  for (size_t j = 0; j < sizeof checked / sizeof *checked; j++)
    if (!isfinite(checked[j]))
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%u:%u: BJT '%s': model '%s' at %.2f K gives IS %g, BF %g, BR %g, NF vt "
                     "%g, NR vt %g, 1/VAF %g, 1/IKF %g: not all finite",
                     e.file, e.line, e.col, e.name, m, t, q->be_sat, q->bf, q->br, q->vtf, q->vtr,
                     q->inv_vaf, q->inv_ikf);
  if (!(q->bf != 0 && q->br != 0 && q->vtf > 0 && q->vtr > 0 && q->vte > 0 && q->vtc > 0 &&
        q->vts > 0 && isfinite(q->sub_sat)))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: BJT '%s': model '%s' at %.2f K gives BF %g, BR %g, NF %g, NR %g, "
                   "NE %g, NC %g, NS %g (their temperature coefficients), ISS %g: BF and BR must "
                   "not vanish, the emission coefficients must stay positive",
                   e.file, e.line, e.col, e.name, m, t, q->bf, q->br, q->vtf / vt, q->vtr / vt,
                   q->vte / vt, q->vtc / vt, q->vts / vt, q->sub_sat);
  return KH_OK;
}

/* A junction's current and conductance at v (bjtload.c): the exponential, and below -3 vtn
 * ngspice's cubic approach to -IS. */
static void junction(double sat, double vtn, double v, double *i, double *gv) {
  if (v >= -3 * vtn) {
    double ev = exp(v / vtn);
    *i = sat * (ev - 1), *gv = sat * ev / vtn;
  } else {
    double arg = 3 * vtn / (v * M_E);
    arg = arg * arg * arg;
    *i = -sat * (1 + arg), *gv = sat * 3 * arg / v;
  }
}

/* The substrate junction's current from the substrate to subcon at vsub (NPN signs) and its
 * conductance, GMIN across it included (bjtload.c: the junction only where ISS is given). */
static void substrate(const kh_bjt *q, double gmin, double vsub, double *i, double *gv) {
  *i = 0, *gv = 0;
  if (q->sub_sat > 0) junction(q->sub_sat, q->vts, vsub, i, gv);
  *i += gmin * vsub, *gv += gmin;
}

/* Everything at (vbe, vbc), in the NPN's signs: the transport current (collector to emitter)
 * and the two base currents, and the linearization's conductances. */
typedef struct {
  double transport, ibe, ibc, gpi, gmu, gm, go, qb;
} bjt_point;

static bjt_point evaluate(const kh_bjt *q, double gmin, double vbe, double vbc) {
  double cbe, gbe, cbc, gbc, cben = 0, gben = 0, cbcn = 0, gbcn = 0;
  junction(q->be_sat, q->vtf, vbe, &cbe, &gbe);
  if (q->c2 != 0) junction(q->c2, q->vte, vbe, &cben, &gben);
  junction(q->bc_sat, q->vtr, vbc, &cbc, &gbc);
  if (q->c4 != 0) junction(q->c4, q->vtc, vbc, &cbcn, &gbcn);
  cben += gmin * vbe, gben += gmin, cbcn += gmin * vbc, gbcn += gmin;
  double q1 = 1 / (1 - q->inv_vaf * vbc - q->inv_var * vbe), qb, dqbdve, dqbdvc;
  if (q->inv_ikf == 0 && q->inv_ikr == 0) {
    qb = q1, dqbdve = q1 * qb * q->inv_var, dqbdvc = q1 * qb * q->inv_vaf;
  } else {
    double arg = fmax(0, 1 + 4 * (q->inv_ikf * cbe + q->inv_ikr * cbc)), sqarg = 1;
    if (arg != 0) sqarg = q->nkf_given ? pow(arg, q->nkf) : sqrt(arg);
    qb = q1 * (1 + sqarg) / 2;
    double slope = q->nkf_given ? 2 * sqarg * q->nkf / arg : 1 / sqarg; /* d sqarg / d (4 q2) */
    dqbdve = q1 * (qb * q->inv_var + q->inv_ikf * gbe * slope);
    dqbdvc = q1 * (qb * q->inv_vaf + q->inv_ikr * gbc * slope);
  }
  bjt_point p;
  p.transport = (cbe - cbc) / qb;
  p.ibe = cbe / q->bf + cben, p.ibc = cbc / q->br + cbcn;
  p.gpi = gbe / q->bf + gben, p.gmu = gbc / q->br + gbcn;
  p.go = (gbc + (cbe - cbc) * dqbdvc / qb) / qb;
  p.gm = (gbe - (cbe - cbc) * dqbdve / qb) / qb - p.go;
  p.qb = qb;
  return p;
}

/* A modulated base resistance's conductance at p (bjtload.c): RBM + (RB - RBM)/qb, or with IRB
 * the base current's law through tan. */
static double base_conductance(const kh_bjt *q, const bjt_point *p) {
  double rx = q->rbm + q->rbpi / p->qb;
  if (q->irb != 0) {
    double a1 = fmax((p->ibe + p->ibc) / q->irb, 1e-9);
    double a2 = (-1 + sqrt(1 + 14.59025 * a1)) / 2.4317 / sqrt(a1), t = tan(a2);
    rx = q->rbm + 3 * q->rbpi * (t - a2) / a2 / t / t;
  }
  return rx != 0 ? 1 / rx : 0;
}

/* The epitaxial collector's current from cx to the intrinsic collector (bjtload.c, Kull's
 * model) at vrci (cx to it), vbc (the base to it) and vbcx (the base to cx), NPN signs, and its
 * derivatives. These are the current's own: bjtload.c's d/dvbc of ln((1 + Kbci)/(1 + Kbcx)) carries
 * an extra factor (1 + Kbcx)/(1 + Kbci) and its d/dvbcx one of (1 + Kbci)/(1 + Kbcx), which
 * leave Newton short of round-off; the current is ngspice's. */
typedef struct {
  double i, d_vrci, d_vbci, d_vbcx;
} epi_point;

static epi_point epi_current(const kh_bjt *q, double gmin, double vrci, double vbc, double vbcx) {
  epi_point k = {vrci / q->rci + gmin * vrci, 1 / q->rci + gmin, 0, 0};
  if (!(vrci > 0)) return k;
  double vt = q->vt, e1 = q->epi_doping * exp(vbc / vt), e2 = q->epi_doping * exp(vbcx / vt);
  double kbci = sqrt(1 + e1), kbci_v = e1 / (2 * vt * kbci);
  double kbcx = sqrt(1 + e2), kbcx_v = e2 / (2 * vt * kbcx);
  double xvar1 = log((1 + kbci) / (1 + kbcx));
  double vcorr = vt * (kbci - kbcx - xvar1), vcorr_vbci = vt * (kbci_v - kbci_v / (1 + kbci)),
         vcorr_vbcx = vt * (-kbcx_v + kbcx_v / (1 + kbcx));
  double iohm = (vrci + vcorr) / q->rci;
  double quot = 1 + fabs(vrci) / q->vo, quot_vrci = vrci / (q->vo * fabs(vrci));
  k.i = iohm / quot + gmin * vrci;
  k.d_vrci = 1 / q->rci / quot - iohm * quot_vrci / (quot * quot) + gmin;
  k.d_vbci = vcorr_vbci / q->rci / quot, k.d_vbcx = vcorr_vbcx / q->rci / quot;
  return k;
}

/* Quasi-saturation's stamp: the epitaxial current, linearized at (vbc, vbcx). */
static int stamp_epi(kh_general *g, const kh_bjt *q, double gmin, double vbc, double vbcx) {
  double t = q->type, m = q->m, vrci = vbc - vbcx;
  epi_point k = epi_current(q, gmin, vrci, vbc, vbcx);
  double rhs = t * m * (k.i - k.d_vrci * vrci - k.d_vbci * vbc - k.d_vbcx * vbcx);
  kh_general_rhs(g, q->cx, -rhs), kh_general_rhs(g, q->c, rhs);
  long cx = q->cx, c = q->c, b = q->b;
  return kh_general_stamp(g, cx, cx, m * (k.d_vrci - k.d_vbcx)) |
         kh_general_stamp(g, cx, c, m * (-k.d_vrci - k.d_vbci)) |
         kh_general_stamp(g, cx, b, m * (k.d_vbci + k.d_vbcx)) |
         kh_general_stamp(g, c, cx, m * (-k.d_vrci + k.d_vbcx)) |
         kh_general_stamp(g, c, c, m * (k.d_vrci + k.d_vbci)) |
         kh_general_stamp(g, c, b, m * (-k.d_vbci - k.d_vbcx));
}

void kh_bjt_follow(kh_bjt *q, const double *x) {
  if (q->level4) {
    kh_vbic_follow(q, x);
    return;
  }
  double vb = kh_general_value(x, q->b);
  q->vbe = q->type * (vb - kh_general_value(x, q->e));
  q->vbc = q->type * (vb - kh_general_value(x, q->c));
  q->vsub = q->type * q->subs * (kh_general_value(x, q->sub) - kh_general_value(x, q->subcon));
}

int kh_bjt_stamp(kh_general *g, kh_bjt *q, const double *x, int linearize) {
  if (q->level4) return kh_vbic_stamp(g, q, x, linearize);
  double vb = kh_general_value(x, q->b);
  double vbe = q->type * (vb - kh_general_value(x, q->e)),
         vbc = q->type * (vb - kh_general_value(x, q->c));
  double vsub = q->type * q->subs * (kh_general_value(x, q->sub) - kh_general_value(x, q->subcon));
  double vbcx = q->type * (vb - kh_general_value(x, q->cx)); /* vrci: vbc - vbcx, as bjtload.c */
  if (linearize && q->off && (q->cold || g->holding)) {      /* `off`: bjtload.c holds it at 0 V */
    vbcx = vbe = vbc = vsub = 0, g->limited |= q->cold, q->cold = 0;
    q->vbe = vbe, q->vbc = vbc, q->vsub = vsub;
  } else if (linearize && q->cold) { /* where bjtload.c starts, whatever x says */
    vbcx = 0;
    vbe = q->vcrit, vbc = 0, vsub = 0, q->cold = 0, g->limited = 1;
    q->vbe = vbe, q->vbc = vbc, q->vsub = vsub;
  } else if (linearize) { /* both against the transistor's IS and vt, as bjtload.c limits them */
    vbe = kh_pnjlim(vbe, q->vbe, q->vt, q->vcrit, &g->limited);
    vbc = kh_pnjlim(vbc, q->vbc, q->vt, q->vcrit, &g->limited);
    if (q->sub_sat > 0) vsub = kh_pnjlim(vsub, q->vsub, q->vt, q->sub_vcrit, &g->limited);
    q->vbe = vbe, q->vbc = vbc, q->vsub = vsub;
  }
  double gmin = kh_junction_gmin(g, q->gmin), m = q->m, t = q->type;
  int epi_bad = q->qs ? stamp_epi(g, q, gmin, vbc, vbcx) : 0;
  bjt_point p = evaluate(q, gmin, vbe, vbc);
  double cc = p.transport - p.ibc, cb = p.ibe + p.ibc;
  double ceqbe = t * (cc + cb - vbe * (p.gm + p.go + p.gpi) + vbc * p.go),
         ceqbc = t * (-cc + vbe * (p.gm + p.go) - vbc * (p.gmu + p.go));
  kh_general_rhs(g, q->c, m * ceqbc);
  kh_general_rhs(g, q->b, m * (-ceqbe - ceqbc));
  kh_general_rhs(g, q->e, m * ceqbe);
  long c = q->c, b = q->b, e = q->e, s = q->sub, sc = q->subcon, bx = q->bx;
  double isub, gsub;
  substrate(q, gmin, vsub, &isub, &gsub);
  double gs = m * gsub, ceqsub = m * t * q->subs * (isub - gsub * vsub);
  kh_general_rhs(g, s, -ceqsub), kh_general_rhs(g, sc, ceqsub);
  int bad = epi_bad;
  if (q->modulated) {
    double gx = m * base_conductance(q, &p);
    bad |= kh_general_stamp(g, bx, bx, gx) | kh_general_stamp(g, b, b, gx) |
           kh_general_stamp(g, bx, b, -gx) | kh_general_stamp(g, b, bx, -gx);
  }
  return bad | kh_general_stamp(g, c, c, m * (p.gmu + p.go)) |
         kh_general_stamp(g, c, b, m * (p.gm - p.gmu)) |
         kh_general_stamp(g, c, e, -m * (p.gm + p.go)) |
         kh_general_stamp(g, b, b, m * (p.gpi + p.gmu)) | kh_general_stamp(g, b, c, -m * p.gmu) |
         kh_general_stamp(g, b, e, -m * p.gpi) |
         kh_general_stamp(g, e, e, m * (p.gpi + p.gm + p.go)) |
         kh_general_stamp(g, e, c, -m * p.go) | kh_general_stamp(g, e, b, -m * (p.gpi + p.gm)) |
         kh_general_stamp(g, s, s, gs) | kh_general_stamp(g, sc, sc, gs) |
         kh_general_stamp(g, s, sc, -gs) | kh_general_stamp(g, sc, s, -gs);
}

double kh_bjt_certify(const kh_general *g, const kh_bjt *q, long double *sum, double *mag) {
  if (q->level4) return kh_vbic_certify(g, q, sum, mag);
  double vc = kh_general_value(g->x, q->c), vb = kh_general_value(g->x, q->b),
         ve = kh_general_value(g->x, q->e), vs = kh_general_value(g->x, q->sub),
         vsc = kh_general_value(g->x, q->subcon);
  double t = q->type, m = q->m, gmin = kh_junction_gmin(g, q->gmin);
  bjt_point p = evaluate(q, gmin, t * (vb - ve), t * (vb - vc));
  double ac = fabs(vc), ab = fabs(vb), ae = fabs(ve);
  /* four branches, each with the rounding scale of its own terms (general_mosfet.c says why) */
  kh_branch_terms(sum, mag, q->c, q->e, m * t * p.transport,
                  m * fmax(fabs(p.transport), (fabs(p.gm) + fabs(p.go)) * (ac + ab + ae)));
  kh_branch_terms(sum, mag, q->b, q->e, m * t * p.ibe,
                  m * fmax(fabs(p.ibe), fabs(p.gpi) * (ab + ae)));
  kh_branch_terms(sum, mag, q->b, q->c, m * t * p.ibc,
                  m * fmax(fabs(p.ibc), fabs(p.gmu) * (ab + ac)));
  double isub, gsub;
  substrate(q, gmin, t * q->subs * (vs - vsc), &isub, &gsub);
  kh_branch_terms(sum, mag, q->sub, q->subcon, m * t * q->subs * isub,
                  m * fmax(fabs(isub), gsub * (fabs(vs) + fabs(vsc))));
  if (q->modulated) {
    double gx = m * base_conductance(q, &p), vbx = kh_general_value(g->x, q->bx);
    kh_branch_terms(sum, mag, q->bx, q->b, gx * (vbx - vb), gx * (fabs(vbx) + ab));
  }
  if (q->qs) { /* the epitaxial collector, from cx into the intrinsic collector */
    double vcx = kh_general_value(g->x, q->cx);
    epi_point k = epi_current(q, gmin, t * (vcx - vc), t * (vb - vc), t * (vb - vcx));
    kh_branch_terms(sum, mag, q->cx, q->c, m * t * k.i,
                    m * fmax(fabs(k.i), (fabs(k.d_vrci) + fabs(k.d_vbci) + fabs(k.d_vbcx)) *
                                            (fabs(vcx) + ac + ab)));
    return m * t * k.i; /* into the collector */
  }
  return m * t * (p.transport - p.ibc); /* into the collector */
}
