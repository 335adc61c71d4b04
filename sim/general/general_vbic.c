/* VBIC bipolar transistors (BJT LEVEL 4 or 9) in general Newton: ngspice 39's vbic device at DC,
 * self-heating on a fifth node (the rise) included (NPN only: netlist/bjt.c). vbicmpar.c's and
 * vbicsetup.c's parameters (a resistance given below 0.01 ohm is 0.01 ohm, one left out is 0 for
 * RCX, RBX, RE and RS, whose inner node is then the terminal itself), vbictemp.c's temperature
 * mappings, and vbicload.c's currents: the forward and reverse transport currents through the
 * base charge qb (Early effect through the depletion charges, high injection with NKF or the
 * SGP form), the ideal and non-ideal base currents split between the intrinsic and extrinsic
 * base (WBE) with base-emitter breakdown, the base-collector current less weak avalanche, the
 * parasitic substrate transistor, Kull's quasi-saturating collector RCI, the base resistance RBI
 * modulated by qb and RBP by the parasitic's qbp, and GMIN where vbicload.c adds it (three times
 * on RCI's current). Excess phase (TD) changes nothing at DC. Each current is written once on
 * dual numbers (dual.h) in its controlling voltages, in vbicload.c's order of operations;
 * limiting (pnjlim on the six junction voltages, against IS at TNOM) and the starting point are
 * vbicload.c's. Self-heating re-maps the parameters at the rise as vbicload.c's heated path does,
 * the rise's derivatives by central differences. A PNP is an NPN with every voltage and current
 * negated. */
#include "dual.h"
#include "general_impl.h"

#include "core/context.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* vbicload.c's own constants for its thermal voltage */
#define VBIC_BOLTZMANN 1.380662e-23
#define VBIC_CHARGE 1.602189e-19
#define VBIC_ZERO_C 2.731500e+02
#define CTOK 273.15 /* ngspice's CONSTCtoK */

static double number(const kh_netlist *nl, const char *m, const char *name, double fallback) {
  return kh_model_number(nl, m, name, fallback, NULL);
}

/* A resistance as vbicmpar.c stores it: given, at least 0.01 ohm; else the default. */
static double resistance(const kh_netlist *nl, const char *m, const char *name, double fallback) {
  int given;
  double r = kh_model_number(nl, m, name, fallback, &given);
  return given && !(r >= 0.01) ? 0.01 : r;
}

/* A temperature exponent: XRB and XRC stand for both resistances of theirs that are not given
 * themselves (vbicsetup.c). */
static double exponent(const kh_netlist *nl, const char *m, const char *name, const char *both) {
  int given;
  double x = kh_model_number(nl, m, name, 0, &given);
  return given ? x : number(nl, m, both, 0);
}

/* vbictemp.c's saturation current law: I (rT^XI exp(-EA (1 - rT) / Vtv))^(1/N) */
static double saturation(double i, double rt, double xi, double ea, double vtv, double n) {
  double xvar1 = pow(rt, xi) * exp(-ea * (1.0 - rt) / vtv);
  return i * pow(xvar1, 1.0 / n);
}

/* vbictemp.c's built-in potential at temperature from P at TNOM and the activation energy */
static double potential(double p, double rt, double vtv, double ea) {
  double psiio = 2.0 * (vtv / rt) * log(exp(0.5 * p * rt / vtv) - exp(-0.5 * p * rt / vtv));
  double psiin = psiio * rt - 3.0 * vtv * log(rt) - ea * (rt - 1.0);
  return psiin + 2.0 * vtv * log(0.5 * (1.0 + sqrt(1.0 + 4.0 * exp(-psiin / vtv))));
}

/* The card's values at TNOM (resistances as vbicmpar.c and vbicsetup.c leave them) into v, and
 * the temperature laws into l; *tnom in degrees Celsius, as written. */
static void read_card(const kh_netlist *nl, const char *m, kh_vbic *v, kh_vbic_laws *l,
                      double *tnom) {
  int tnom_given;
  double t = kh_model_number(nl, m, "tnom", 0, &tnom_given);
  *tnom = tnom_given ? t : kh_netlist_nominal_temperature(nl, m) - CTOK; /* as written */
  v->ikf = number(nl, m, "ikf", 0), v->ikr = number(nl, m, "ikr", 0),
  v->ikp = number(nl, m, "ikp", 0);
  v->rcx = resistance(nl, m, "rcx", 0), v->rci = resistance(nl, m, "rci", 0.1);
  v->rbx = resistance(nl, m, "rbx", 0), v->rbi = resistance(nl, m, "rbi", 0.1);
  v->re = resistance(nl, m, "re", 0), v->rs = resistance(nl, m, "rs", 0);
  v->rbp = resistance(nl, m, "rbp", 0.1);
  v->is = number(nl, m, "is", 1e-16), v->isrr = number(nl, m, "isrr", 1);
  v->isp = number(nl, m, "isp", 0), v->ibei = number(nl, m, "ibei", 1e-18);
  v->iben = number(nl, m, "iben", 0), v->ibci = number(nl, m, "ibci", 1e-16);
  v->ibcn = number(nl, m, "ibcn", 0), v->ibeip = number(nl, m, "ibeip", 0);
  v->ibenp = number(nl, m, "ibenp", 0), v->ibcip = number(nl, m, "ibcip", 0);
  v->ibcnp = number(nl, m, "ibcnp", 0);
  v->nf = number(nl, m, "nf", 1), v->nr = number(nl, m, "nr", 1), v->nfp = number(nl, m, "nfp", 1);
  v->nei = number(nl, m, "nei", 1), v->nen = number(nl, m, "nen", 2);
  v->nci = number(nl, m, "nci", 1), v->ncn = number(nl, m, "ncn", 2);
  v->ncip = number(nl, m, "ncip", 1), v->ncnp = number(nl, m, "ncnp", 2);
  v->avc1 = number(nl, m, "avc1", 0), v->avc2 = number(nl, m, "avc2", 0);
  v->vbbe = number(nl, m, "vbbe", 0), v->nbbe = number(nl, m, "nbbe", 1);
  v->ibbe = number(nl, m, "ibbe", 1e-6);
  v->pe = number(nl, m, "pe", 0.75), v->pc = number(nl, m, "pc", 0.75);
  v->gamm = number(nl, m, "gamm", 0), v->vo = number(nl, m, "vo", 0);
  v->hrcf = number(nl, m, "hrcf", 1), v->fc = number(nl, m, "fc", 0.9);
  v->me = number(nl, m, "me", 0.33), v->aje = number(nl, m, "aje", -0.5);
  v->mc = number(nl, m, "mc", 0.33), v->ajc = number(nl, m, "ajc", -0.5);
  v->vrt = number(nl, m, "vrt", 0), v->art = number(nl, m, "art", 0.1);
  v->wbe = number(nl, m, "wbe", 1), v->wsp = number(nl, m, "wsp", 1);
  v->vef = number(nl, m, "vef", 0), v->ver = number(nl, m, "ver", 0);
  v->qbm = number(nl, m, "qbm", 0), v->nkf = number(nl, m, "nkf", 0.5);
  l->xis = number(nl, m, "xis", 3), l->xii = number(nl, m, "xii", 3);
  l->xin = number(nl, m, "xin", 3), l->xisr = number(nl, m, "xisr", 0);
  l->ea = number(nl, m, "ea", 1.12), l->eaie = number(nl, m, "eaie", 1.12);
  l->eaic = number(nl, m, "eaic", 1.12), l->eais = number(nl, m, "eais", 1.12);
  l->eane = number(nl, m, "eane", 1.12), l->eanc = number(nl, m, "eanc", 1.12);
  l->eans = number(nl, m, "eans", 1.12), l->dear = number(nl, m, "dear", 0);
  l->eap = number(nl, m, "eap", 1.12), l->xikf = number(nl, m, "xikf", 0);
  l->xrcx = exponent(nl, m, "xrcx", "xrc"), l->xrci = exponent(nl, m, "xrci", "xrc");
  l->xrbx = exponent(nl, m, "xrbx", "xrb"), l->xrbi = exponent(nl, m, "xrbi", "xrb");
  l->xre = number(nl, m, "xre", 0), l->xrs = number(nl, m, "xrs", 0);
  l->xrbp = number(nl, m, "xrbp", 0), l->xvo = number(nl, m, "xvo", 0);
  l->tnf = number(nl, m, "tnf", 0), l->tavc = number(nl, m, "tavc", 0);
  l->tvbbe1 = number(nl, m, "tvbbe1", 0), l->tvbbe2 = number(nl, m, "tvbbe2", 0);
  l->tnbbe = number(nl, m, "tnbbe", 0);
}

/* from's parameters mapped from tini to tdev (kelvins) into to, as vbictemp.c maps the card's
 * to the device's temperature, and vbicload.c's self-heating path maps those again to the rise
 * above its p[0]; the parameters without a law copied; kT/q at tdev. */
static void map_temperature(const kh_vbic_laws *l, const kh_vbic *from, double tini, double tdev,
                            kh_vbic *to) {
  double vtv = VBIC_BOLTZMANN * tdev / VBIC_CHARGE, rt = tdev / tini, dt = tdev - tini;
  *to = *from;
  to->ikf = from->ikf * pow(rt, l->xikf);
  to->rcx = from->rcx * pow(rt, l->xrcx), to->rci = from->rci * pow(rt, l->xrci);
  to->rbx = from->rbx * pow(rt, l->xrbx), to->rbi = from->rbi * pow(rt, l->xrbi);
  to->re = from->re * pow(rt, l->xre), to->rs = from->rs * pow(rt, l->xrs);
  to->rbp = from->rbp * pow(rt, l->xrbp);
  to->is = saturation(from->is, rt, l->xis, l->ea, vtv, from->nf);
  to->isrr = saturation(from->isrr, rt, l->xisr, l->dear, vtv, from->nr);
  to->isp = saturation(from->isp, rt, l->xis, l->eap, vtv, from->nfp);
  to->ibei = saturation(from->ibei, rt, l->xii, l->eaie, vtv, from->nei);
  to->iben = saturation(from->iben, rt, l->xin, l->eane, vtv, from->nen);
  to->ibci = saturation(from->ibci, rt, l->xii, l->eaic, vtv, from->nci);
  to->ibcn = saturation(from->ibcn, rt, l->xin, l->eanc, vtv, from->ncn);
  to->ibeip = saturation(from->ibeip, rt, l->xii, l->eaic, vtv, from->nci);
  to->ibenp = saturation(from->ibenp, rt, l->xin, l->eanc, vtv, from->ncn);
  to->ibcip = saturation(from->ibcip, rt, l->xii, l->eais, vtv, from->ncip);
  to->ibcnp = saturation(from->ibcnp, rt, l->xin, l->eans, vtv, from->ncnp);
  to->nf = from->nf * (1.0 + dt * l->tnf), to->nr = from->nr * (1.0 + dt * l->tnf);
  to->avc2 = from->avc2 * (1.0 + dt * l->tavc);
  to->vbbe = from->vbbe * (1.0 + dt * (l->tvbbe1 + dt * l->tvbbe2));
  to->nbbe = from->nbbe * (1.0 + dt * l->tnbbe);
  to->pe = potential(from->pe, rt, vtv, l->eaie), to->pc = potential(from->pc, rt, vtv, l->eaic);
  to->gamm = from->gamm * pow(rt, l->xis) * exp(-l->ea * (1.0 - rt) / vtv);
  to->vo = from->vo * pow(rt, l->xvo);
  to->ebbe = exp(-to->vbbe / (to->nbbe * vtv));
  to->vtv = vtv;
}

/* The parameters at the instance's temperature (vbictemp.c), tamb in degrees Celsius. */
static void at_temperature(const kh_netlist *nl, const char *m, double tamb, kh_vbic *v) {
  kh_vbic card = *v;
  kh_vbic_laws laws;
  double tnom;
  read_card(nl, m, &card, &laws, &tnom);
  double tini = VBIC_ZERO_C + tnom, tdev = (VBIC_ZERO_C + tamb) + number(nl, m, "dtemp", 0);
  map_temperature(&laws, &card, tini, tdev, v);
  v->laws = laws, v->tini = tini;
  /* vbicload.c's thermal voltage: ngspice 39's copies the model's parameters, TNOM first, into
   * the equations' p[0], and leaves it there, so the junctions' exponentials take kT/q at TNOM
   * while the parameters are mapped to the instance's temperature (measured: IS e^(Vbe q / k
   * TNOM) at 47 degrees C, 5.4 times what the device temperature gives at Vbe = 0.7 V); its
   * self-heating path maps them once more, from TNOM to TNOM plus the rise */
  v->vtv = VBIC_BOLTZMANN * tini / VBIC_CHARGE;
}

void kh_vbic_inner_nodes(kh_bjt *q, size_t *n) {
  kh_vbic *v = &q->vbic;
  if (v->rcx_node) v->cx = (long)(*n)++;
  if (v->rbx_node) v->bx = (long)(*n)++;
  if (v->re_node) v->ei = (long)(*n)++;
  if (v->rs_node) v->si = (long)(*n)++;
  v->ci = (long)(*n)++, v->bi = (long)(*n)++, v->bp = (long)(*n)++;
}

kh_status kh_vbic_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t k, kh_bjt *q) {
  kh_element e = kh_netlist_element(nl, k);
  kh_bjt_instance in = kh_netlist_bjt_instance(nl, k);
  const char *m = e.model;
  kh_vbic *v = &q->vbic;
  q->level4 = 1;
  at_temperature(nl, m, in.temperature - CTOK, v);
  v->scale = in.area * in.m;
  q->m = 1; /* the scale is inside every current, as vbicload.c has it */
  q->vt = in.temperature * (KH_BOLTZMANN / KH_CHARGE);
  q->vcrit = q->vt * log(q->vt / (M_SQRT2 * number(nl, m, "is", 1e-16) * in.area * in.m));
  q->gmin = 1e-12;
  kh_netlist_option(nl, "gmin", &q->gmin);
  v->c = kh_general_at(e.node_pos), v->e = kh_general_at(e.node_neg);
  v->b = kh_general_at(in.base), v->s = kh_general_at(in.substrate);
  /* the terminal itself where vbicsetup.c makes no inner node (kh_vbic_inner_nodes moves them) */
  v->rcx_node = v->rcx != 0, v->rbx_node = v->rbx != 0;
  v->re_node = v->re != 0, v->rs_node = v->rs != 0;
  v->cx = v->c, v->bx = v->b, v->ei = v->e, v->si = v->s;
  double rth = number(nl, m, "rth", 0); /* self-heating: a thermal node (bjt.c: RTH > 0) */
  v->th = in.thermal ? kh_general_at(in.thermal) : -1, v->inherited = -1;
  v->gth = v->th >= 0 ? v->scale / rth : 0; /* vbicload.c scales Irth with the area and m */
  q->c = v->c, q->b = v->b, q->e = v->e, q->sub = v->s;
  const double checked[] = {
      v->rcx,   v->rci,   v->rbx,
      v->rbi,   v->re,    v->rs,
      v->rbp,   v->ikf,   v->is,
      v->isrr,  v->isp,   v->ibei,
      v->iben,  v->ibci,  v->ibcn,
      v->ibeip, v->ibenp, v->ibcip,
      v->ibcnp, v->nf,    v->nr,
      v->avc2,  v->vbbe,  v->pe,
      v->pc,    v->gamm,  v->vo,
      v->vtv,   v->scale, v->vbbe > 0 ? v->ebbe + v->nbbe : 0}; /* with VBBE only */
  for (size_t j = 0; j < sizeof checked / sizeof *checked; j++)
    if (!isfinite(checked[j]) || !isfinite(q->vcrit))
      return kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%u:%u: BJT '%s': VBIC model '%s' at %.2f K gives IS %g, NF %g, NR %g, "
                     "PE %g, PC %g, IBEI %g, IBCI %g: not all finite (its temperature laws "
                     "overflow or divide by zero)",
                     e.file, e.line, e.col, e.name, m, in.temperature, v->is, v->nf, v->nr, v->pe,
                     v->pc, v->ibei, v->ibci);
  return KH_OK;
}

/* The controlling voltages, NPN signs, in vbicload.c's names */
enum { VBEI, VBEX, VBCI, VBCX, VBEP, VBCP, VRCI, VRBI, VRBP, VOLTAGES };

/* Every current of the transistor, each a dual number in its own controlling voltages (the
 * directions named beside it), scaled by area m, GMIN added where vbicload.c adds it. */
typedef struct {
  kh_dual ibe;   /* bi -> ei (vbei) */
  kh_dual ibex;  /* bx -> ei (vbex) */
  kh_dual iciei; /* ci -> ei (vbei, vbci) */
  kh_dual ibc;   /* bi -> ci (vbci, vbei) */
  kh_dual ibep;  /* bx -> bp (vbep) */
  kh_dual irci;  /* cx -> ci (vrci, vbci, vbcx) */
  kh_dual irbi;  /* bx -> bi (vrbi, vbei, vbci) */
  kh_dual irbp;  /* bp -> cx (vrbp, vbep, vbci) */
  kh_dual ibcp;  /* si -> bp (vbcp) */
  kh_dual iccp;  /* bx -> si (vbep, vbci, vbcp) */
} vbic_point;

/* 1/x where x > 0, else 0 (vbicload.c's IVEF, IIKF, ...: a parameter of 0 is infinite) */
static double inverse(double x) {
  return x > 0.0 ? 1.0 / x : 0.0;
}

/* A junction's depletion charge over its capacitance at v (vbicload.c's qdbe and qdbc, smoothed
 * by aj below FC P, or above FC P continued as a quadratic where aj <= 0; with reach-through VRT
 * and ART for the base-collector junction). */
static kh_dual depletion(kh_dual v, double p, double m, double aj, double fc, double vrt,
                         double art) {
  double dv0 = -p * fc;
  if (aj <= 0.0) {
    kh_dual dvh = kh_dual_addc(v, dv0);
    if (dvh.v > 0.0) {
      double pwq = pow(1.0 - fc, -1.0 - m);
      double qlo = p * (1.0 - pwq * (1.0 - fc) * (1.0 - fc)) / (1.0 - m);
      kh_dual f = kh_dual_addc(kh_dual_divc(kh_dual_mulc(dvh, 0.5 * m), p), 1.0 - fc);
      return kh_dual_addc(kh_dual_mulc(kh_dual_mul(dvh, f), pwq), qlo);
    }
    if (vrt > 0.0 && v.v < -vrt) {
      double xvar3 = pow(1.0 + vrt / p, 1.0 - m);
      kh_dual lin = kh_dual_divc(kh_dual_mulc(kh_dual_addc(v, vrt), 1.0 - m), p + vrt);
      return kh_dual_divc(
          kh_dual_mulc(kh_dual_csub(1.0, kh_dual_mulc(kh_dual_csub(1.0, lin), xvar3)), p), 1.0 - m);
    }
    kh_dual xvar3 = kh_dual_powc(kh_dual_csub(1.0, kh_dual_divc(v, p)), 1.0 - m);
    return kh_dual_divc(kh_dual_mulc(kh_dual_csub(1.0, xvar3), p), 1.0 - m);
  }
  if (vrt > 0.0 && art > 0.0) {
    double vn0 = (vrt + dv0) / (vrt - dv0);
    double vnl0 = 2.0 * vn0 /
                  (sqrt((vn0 - 1.0) * (vn0 - 1.0) + 4.0 * aj * aj) +
                   sqrt((vn0 + 1.0) * (vn0 + 1.0) + 4.0 * art * art));
    double vl0 = 0.5 * (vnl0 * (vrt - dv0) - vrt - dv0);
    double qlo0 = p * (1.0 - pow(1.0 - vl0 / p, 1.0 - m)) / (1.0 - m);
    kh_dual vn = kh_dual_divc(kh_dual_addc(kh_dual_mulc(v, 2.0), vrt + dv0), vrt - dv0);
    kh_dual vm1 = kh_dual_addc(vn, -1.0), vp1 = kh_dual_addc(vn, 1.0);
    kh_dual den = kh_dual_add(kh_dual_sqrt(kh_dual_addc(kh_dual_mul(vm1, vm1), 4.0 * aj * aj)),
                              kh_dual_sqrt(kh_dual_addc(kh_dual_mul(vp1, vp1), 4.0 * art * art)));
    kh_dual vnl = kh_dual_div(kh_dual_mulc(vn, 2.0), den);
    kh_dual vl = kh_dual_mulc(kh_dual_addc(kh_dual_mulc(vnl, vrt - dv0), -vrt - dv0), 0.5);
    kh_dual xvar3 = kh_dual_powc(kh_dual_csub(1.0, kh_dual_divc(vl, p)), 1.0 - m);
    kh_dual qlo = kh_dual_divc(kh_dual_mulc(kh_dual_csub(1.0, xvar3), p), 1.0 - m);
    kh_dual sel = kh_dual_mulc(kh_dual_addc(vnl, 1.0), 0.5);
    double crt = pow(1.0 + vrt / p, -m), cmx = pow(1.0 + dv0 / p, -m);
    kh_dual cl = kh_dual_add(kh_dual_mulc(kh_dual_csub(1.0, sel), crt), kh_dual_mulc(sel, cmx));
    kh_dual ql = kh_dual_mul(kh_dual_addc(kh_dual_sub(v, vl), vl0), cl);
    return kh_dual_addc(kh_dual_add(ql, qlo), -qlo0);
  }
  double mv0 = sqrt(dv0 * dv0 + 4.0 * aj * aj), vl0 = -0.5 * (dv0 + mv0);
  double q0 = -p * pow(1.0 - vl0 / p, 1.0 - m) / (1.0 - m);
  kh_dual dv = kh_dual_addc(v, dv0);
  kh_dual mv = kh_dual_sqrt(kh_dual_addc(kh_dual_mul(dv, dv), 4.0 * aj * aj));
  kh_dual vl = kh_dual_addc(kh_dual_mulc(kh_dual_sub(dv, mv), 0.5), -dv0);
  kh_dual xvar3 = kh_dual_powc(kh_dual_csub(1.0, kh_dual_divc(vl, p)), 1.0 - m);
  kh_dual qlo = kh_dual_divc(kh_dual_mulc(xvar3, -p), 1.0 - m);
  kh_dual lin = kh_dual_mulc(kh_dual_addc(kh_dual_sub(v, vl), vl0), pow(1.0 - fc, -m));
  return kh_dual_addc(kh_dual_add(qlo, lin), -q0);
}

/* i (e^(v / (n Vtv)) - 1) */
static kh_dual diode(double i, kh_dual v, double n, double vtv) {
  return kh_dual_mulc(kh_dual_addc(kh_dual_exp(kh_dual_divc(v, n * vtv)), -1.0), i);
}

/* A dual in directions (a, b) moved to directions (a + shift, b + shift) */
static kh_dual shifted(kh_dual a, int shift) {
  kh_dual r = {a.v, {0, 0, 0}};
  for (int k = 0; k + shift < 3; k++) r.d[k + shift] = a.d[k];
  return r;
}

/* The ideal and non-ideal base-emitter current with breakdown, at v (Ibe's law, before WBE) */
static kh_dual base_emitter(const kh_vbic *p, kh_dual v) {
  kh_dual i = kh_dual_add(diode(p->ibei, v, p->nei, p->vtv), diode(p->iben, v, p->nen, p->vtv));
  if (p->vbbe > 0.0) {
    kh_dual expx = kh_dual_exp(kh_dual_divc(kh_dual_csub(-p->vbbe, v), p->nbbe * p->vtv));
    i = kh_dual_sub(i, kh_dual_mulc(kh_dual_addc(expx, -p->ebbe), p->ibbe));
  }
  return i;
}

/* Kull's epitaxial collector current from cx to ci (directions vrci, vbci, vbcx) */
static kh_dual epitaxial(const kh_vbic *p, kh_dual vrci, kh_dual vbci, kh_dual vbcx) {
  if (!(p->rci > 0.0)) return kh_dual_const(0);
  double vtv = p->vtv;
  kh_dual kbci =
      kh_dual_sqrt(kh_dual_addc(kh_dual_mulc(kh_dual_exp(kh_dual_divc(vbci, vtv)), p->gamm), 1.0));
  kh_dual kbcx =
      kh_dual_sqrt(kh_dual_addc(kh_dual_mulc(kh_dual_exp(kh_dual_divc(vbcx, vtv)), p->gamm), 1.0));
  kh_dual rkp1 = kh_dual_div(kh_dual_addc(kbci, 1.0), kh_dual_addc(kbcx, 1.0));
  kh_dual corr = kh_dual_mulc(kh_dual_sub(kh_dual_sub(kbci, kbcx), kh_dual_log(rkp1)), vtv);
  kh_dual iohm = kh_dual_divc(kh_dual_add(vrci, corr), p->rci);
  double ivo = inverse(p->vo), ihrcf = inverse(p->hrcf);
  kh_dual root = kh_dual_sqrt(kh_dual_addc(kh_dual_mul(vrci, vrci), 0.01));
  kh_dual derf = kh_dual_div(kh_dual_mulc(iohm, ivo * p->rci),
                             kh_dual_addc(kh_dual_mulc(root, 0.5 * ivo * ihrcf), 1.0));
  return kh_dual_div(iohm, kh_dual_sqrt(kh_dual_addc(kh_dual_mul(derf, derf), 1.0)));
}

/* The transport currents' base charge qb and Itzf, Itzr (directions vbei, vbci). */
static void transport(const kh_vbic *p, kh_dual vbei, kh_dual vbci, kh_dual *qb, kh_dual *itzf,
                      kh_dual *itzr) {
  double vtv = p->vtv;
  kh_dual qdbe = depletion(vbei, p->pe, p->me, p->aje, p->fc, 0.0, 0.0);
  kh_dual qdbc = depletion(vbci, p->pc, p->mc, p->ajc, p->fc, p->vrt, p->art);
  kh_dual ifi = diode(p->is, vbei, p->nf, vtv);
  kh_dual iri = diode(p->is * p->isrr, vbci, p->nr, vtv);
  kh_dual q1z = kh_dual_addc(
      kh_dual_add(kh_dual_mulc(qdbe, inverse(p->ver)), kh_dual_mulc(qdbc, inverse(p->vef))), 1.0);
  kh_dual q1m = kh_dual_addc(q1z, -1.0e-4);
  kh_dual q1 = kh_dual_addc(
      kh_dual_mulc(kh_dual_add(kh_dual_sqrt(kh_dual_addc(kh_dual_mul(q1m, q1m), 1.0e-8)), q1m),
                   0.5),
      1.0e-4);
  kh_dual q2 = kh_dual_add(kh_dual_mulc(ifi, inverse(p->ikf)), kh_dual_mulc(iri, inverse(p->ikr)));
  if (p->qbm < 0.5) {
    kh_dual inner = kh_dual_add(kh_dual_powc(q1, 1.0 / p->nkf), kh_dual_mulc(q2, 4.0));
    *qb = kh_dual_mulc(kh_dual_add(q1, kh_dual_powc(inner, p->nkf)), 0.5);
  } else {
    kh_dual f = kh_dual_powc(kh_dual_addc(kh_dual_mulc(q2, 4.0), 1.0), p->nkf);
    *qb = kh_dual_mul(kh_dual_mulc(q1, 0.5), kh_dual_addc(f, 1.0));
  }
  *itzr = kh_dual_div(iri, *qb), *itzf = kh_dual_div(ifi, *qb);
}

/* The parasitic transistor's Iccp and its base charge qbp (directions vbep, vbci, vbcp). */
static kh_dual parasitic(const kh_vbic *p, kh_dual vbep, kh_dual vbci, kh_dual vbcp, kh_dual *qbp) {
  *qbp = kh_dual_const(1.0);
  if (!(p->isp > 0.0)) return kh_dual_const(0);
  double vtv = p->vtv;
  kh_dual ei = kh_dual_exp(kh_dual_divc(vbep, p->nfp * vtv));
  kh_dual ex = kh_dual_exp(kh_dual_divc(vbci, p->nfp * vtv));
  kh_dual ifp = kh_dual_mulc(
      kh_dual_addc(kh_dual_add(kh_dual_mulc(ei, p->wsp), kh_dual_mulc(ex, 1.0 - p->wsp)), -1.0),
      p->isp);
  kh_dual q2p = kh_dual_mulc(ifp, inverse(p->ikp));
  *qbp =
      kh_dual_mulc(kh_dual_addc(kh_dual_sqrt(kh_dual_addc(kh_dual_mulc(q2p, 4.0), 1.0)), 1.0), 0.5);
  return kh_dual_div(kh_dual_sub(ifp, diode(p->isp, vbcp, p->nfp, vtv)), *qbp);
}

/* The base-collector current less weak avalanche, Ibc (directions vbei, vbci as transport's). */
static kh_dual base_collector(const kh_vbic *p, kh_dual vbci, kh_dual itzf, kh_dual itzr) {
  kh_dual ibcj =
      kh_dual_add(diode(p->ibci, vbci, p->nci, p->vtv), diode(p->ibcn, vbci, p->ncn, p->vtv));
  if (!(p->avc1 > 0.0)) return ibcj;
  kh_dual d = kh_dual_csub(p->pc, vbci);
  kh_dual vl =
      kh_dual_mulc(kh_dual_add(kh_dual_sqrt(kh_dual_addc(kh_dual_mul(d, d), 0.01)), d), 0.5);
  kh_dual avalf = kh_dual_mul(kh_dual_mulc(vl, p->avc1),
                              kh_dual_exp(kh_dual_mulc(kh_dual_powc(vl, p->mc - 1.0), -p->avc2)));
  return kh_dual_sub(ibcj, kh_dual_mul(kh_dual_sub(kh_dual_sub(itzf, itzr), ibcj), avalf));
}

/* The scale (area m) on every current, then GMIN where vbicload.c adds it. */
static void scaled_with_gmin(const kh_vbic *p, double gmin, const double u[VOLTAGES],
                             vbic_point *r) {
  if (p->scale != 1.0) {
    kh_dual *all[] = {&r->ibe,  &r->ibex, &r->iciei, &r->ibc,  &r->ibep,
                      &r->irci, &r->irbi, &r->irbp,  &r->ibcp, &r->iccp};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) *all[k] = kh_dual_mulc(*all[k], p->scale);
  }
  r->ibe.v += gmin * u[VBEI], r->ibe.d[0] += gmin;
  r->ibex.v += gmin * u[VBEX], r->ibex.d[0] += gmin;
  r->ibc.v += gmin * u[VBCI], r->ibc.d[0] += gmin;
  r->ibep.v += gmin * u[VBEP], r->ibep.d[0] += gmin;
  r->irci.v += gmin * u[VRCI], r->irci.d[0] += gmin;
  r->irci.v += gmin * u[VBCI], r->irci.d[1] += gmin;
  r->irci.v += gmin * u[VBCX], r->irci.d[2] += gmin;
  r->ibcp.v += gmin * u[VBCP], r->ibcp.d[0] += gmin;
}

/* vbic_4T_it_cf_fj's DC currents at the voltages u (NPN signs), then scaled and with GMIN. */
static vbic_point evaluate(const kh_vbic *p, double gmin, const double u[VOLTAGES]) {
  vbic_point r;
  double vtv = p->vtv;
  kh_dual vbei = kh_dual_var(u[VBEI], 0), vbci = kh_dual_var(u[VBCI], 1), qb, itzf, itzr, qbp;
  transport(p, vbei, vbci, &qb, &itzf, &itzr);
  r.iciei = kh_dual_sub(itzf, itzr);
  kh_dual ibc = base_collector(p, vbci, itzf, itzr);
  r.ibc = (kh_dual){ibc.v, {ibc.d[1], ibc.d[0], 0}}; /* the stamp reads vbci first */
  kh_dual vbep = kh_dual_var(u[VBEP], 0), vbcp = kh_dual_var(u[VBCP], 2);
  r.iccp = parasitic(p, vbep, kh_dual_var(u[VBCI], 1), vbcp, &qbp);
  /* the base current, WBE of it from the intrinsic base and the rest from the extrinsic one */
  kh_dual vbex = kh_dual_var(u[VBEX], 0);
  r.ibe = r.ibex = kh_dual_const(0);
  if (p->wbe == 1.0) {
    r.ibe = base_emitter(p, vbei);
  } else if (p->wbe == 0.0) {
    r.ibex = base_emitter(p, vbex);
  } else {
    r.ibe = kh_dual_mulc(base_emitter(p, vbei), p->wbe);
    r.ibex = kh_dual_mulc(base_emitter(p, vbex), 1.0 - p->wbe);
  }
  r.ibep = r.ibcp = r.irbi = r.irbp = kh_dual_const(0);
  if (p->ibeip > 0.0 || p->ibenp > 0.0)
    r.ibep = kh_dual_add(diode(p->ibeip, vbep, p->nci, vtv), diode(p->ibenp, vbep, p->ncn, vtv));
  r.irci = epitaxial(p, kh_dual_var(u[VRCI], 0), kh_dual_var(u[VBCI], 1), kh_dual_var(u[VBCX], 2));
  if (p->rbi > 0.0)
    r.irbi = kh_dual_divc(kh_dual_mul(kh_dual_var(u[VRBI], 0), shifted(qb, 1)), p->rbi);
  if (p->rbp > 0.0)
    r.irbp = kh_dual_divc(kh_dual_mul(kh_dual_var(u[VRBP], 0), shifted(qbp, 1)), p->rbp);
  if (p->ibcip > 0.0 || p->ibcnp > 0.0) {
    kh_dual i =
        kh_dual_add(diode(p->ibcip, vbcp, p->ncip, vtv), diode(p->ibcnp, vbcp, p->ncnp, vtv));
    r.ibcp = (kh_dual){i.v, {i.d[2], 0, 0}}; /* vbcp: direction 0 for the stamp */
  }
  scaled_with_gmin(p, gmin, u, &r);
  return r;
}

/* The unknowns (positive, negative) of each controlling voltage */
static void voltage_nodes(const kh_vbic *v, long nodes[VOLTAGES][2]) {
  const long n[VOLTAGES][2] = {{v->bi, v->ei}, {v->bx, v->ei}, {v->bi, v->ci},
                               {v->bi, v->cx}, {v->bx, v->bp}, {v->si, v->bp},
                               {v->cx, v->ci}, {v->bx, v->bi}, {v->bp, v->cx}};
  memcpy(nodes, n, sizeof n);
}

/* The voltages at x, NPN signs */
static void voltages_at(const kh_bjt *q, const double *x, double u[VOLTAGES]) {
  long n[VOLTAGES][2];
  voltage_nodes(&q->vbic, n);
  for (int k = 0; k < VOLTAGES; k++)
    u[k] = q->type * (kh_general_value(x, n[k][0]) - kh_general_value(x, n[k][1]));
}

/* Each current's ends and the controlling voltages of its directions (-1: none) */
typedef struct {
  long from, to;
  int ctrl[3];
} branch;

static void branches(const kh_vbic *v, const vbic_point *p, branch b[10], const kh_dual *i[10]) {
  const branch list[10] = {{v->bi, v->ei, {VBEI, -1, -1}},     {v->bx, v->ei, {VBEX, -1, -1}},
                           {v->ci, v->ei, {VBEI, VBCI, -1}},   {v->bi, v->ci, {VBCI, VBEI, -1}},
                           {v->bx, v->bp, {VBEP, -1, -1}},     {v->cx, v->ci, {VRCI, VBCI, VBCX}},
                           {v->bx, v->bi, {VRBI, VBEI, VBCI}}, {v->bp, v->cx, {VRBP, VBEP, VBCI}},
                           {v->si, v->bp, {VBCP, -1, -1}},     {v->bx, v->si, {VBEP, VBCI, VBCP}}};
  const kh_dual *cur[10] = {&p->ibe,  &p->ibex, &p->iciei, &p->ibc,  &p->ibep,
                            &p->irci, &p->irbi, &p->irbp,  &p->ibcp, &p->iccp};
  memcpy(b, list, sizeof list);
  memcpy(i, cur, sizeof cur);
}

/* The linear resistances: from, to and conductance (0: none) */
static void resistors(const kh_vbic *v, long ends[4][2], double g[4]) {
  const long e[4][2] = {{v->c, v->cx}, {v->b, v->bx}, {v->e, v->ei}, {v->s, v->si}};
  const double r[4] = {v->rcx, v->rbx, v->re, v->rs};
  memcpy(ends, e, sizeof e);
  for (int k = 0; k < 4; k++) g[k] = r[k] > 0.0 ? 1.0 / r[k] * v->scale : 0.0;
}

/* Everything a stamp or a certificate reads at u: the currents, the voltages' unknowns, and each
 * branch's ends with its current (cur points into p). */
typedef struct {
  vbic_point p;
  kh_vbic params; /* the parameters they were computed with */
  long n[VOLTAGES][2];
  branch b[10];
  const kh_dual *cur[10];
} linearized;

static void linearize_at(const kh_vbic *v, double gmin, const double u[VOLTAGES], linearized *at) {
  at->p = evaluate(v, gmin, u);
  at->params = *v;
  voltage_nodes(v, at->n);
  branches(v, &at->p, at->b, at->cur);
}

/* The rise the device is evaluated at: its thermal node's, or the one it inherits. */
static double rise_at(const kh_vbic *v, const double *x) {
  return kh_general_value(x, v->th >= 0 ? v->th : v->inherited);
}

void kh_vbic_follow(kh_bjt *q, const double *x) {
  double u[VOLTAGES];
  voltages_at(q, x, u);
  memcpy(q->vbic.v, u, sizeof q->vbic.v);
  q->vbic.rise = rise_at(&q->vbic, x);
}

/* The voltages to linearize at: vbicload.c's starting point (MODEINITJCT) on the first call, 0
 * V for an `off` device while it is held, else x's with each junction voltage limited (and a
 * self-heating device's rise, as vbicload.c's DEVlimitlog limits it: 100 K a step, then slowly;
 * 0 K at the start). */
static void linearization(kh_general *g, kh_bjt *q, double u[VOLTAGES], double *rise) {
  kh_vbic *v = &q->vbic;
  if (q->off && (q->cold || g->holding)) {
    memset(u, 0, VOLTAGES * sizeof *u);
    *rise = 0, g->limited |= q->cold, q->cold = 0;
  } else if (q->cold) {
    memset(u, 0, VOLTAGES * sizeof *u);
    u[VBEI] = u[VBEX] = q->vcrit, u[VBCI] = u[VBCP] = -q->vcrit;
    *rise = 0, q->cold = 0, g->limited = 1;
  } else {
    for (int k = VBEI; k <= VBCP; k++)
      u[k] = kh_pnjlim(u[k], v->v[k], q->vt, q->vcrit, &g->limited);
    /* an inherited rise as the heated device limits it: from the last one, as ngspice's stale
     * Vrth is that device's limited value */
    if (v->th >= 0 || v->inherited >= 0) *rise = kh_limitlog(*rise, v->rise, 100, &g->limited);
  }
  memcpy(v->v, u, sizeof v->v);
  v->rise = *rise;
}

/* The parameters at `rise` kelvins: vbicload.c's self-heating path maps the device's, already
 * at its temperature, once more from TNOM to TNOM + rise, with kT/q there (ngspice 39's p[0] is
 * TNOM; measured against its answers); without a thermal node the device's own. */
static void params_at(const kh_vbic *v, double rise, kh_vbic *p) {
  if (v->th < 0 && v->inherited < 0)
    *p = *v;
  else
    map_temperature(&v->laws, v, v->tini, v->tini + rise, p);
}

/* A self-heating device's power and its derivatives: vbicload.c's Ith, each current times its
 * branch's own voltage (without GMIN), the resistances' I^2 R too, with the rise's derivatives by
 * central differences of the re-mapped model (the currents' too: d_i[k] for branch k, d_g[k] for
 * resistance k). What ngspice 39 carries into the thermal node at its fixed point is not quite
 * that power: its vbicload.c stamps Ith's derivatives in Vbcp and Vcep against the substrate as
 * written instead of the node inside RS (VBICtempSubsPtr), so its Newton settles where RTH
 * carries P - (dP/dVbcp - dP/dVcep) Vrs, those in its variables (measured: 1.5e-6 W off with 0.12
 * mA through RS = 20 ohm, and the whole I^2 RS where the parasitic transport current crosses
 * RS). That is computed here as ngspice settles it; the Jacobian leaves the term's own
 * derivatives out, which moves no fixed point. */
typedef struct {
  double power, d_rise;   /* P and dP/drise */
  double d_u[VOLTAGES];   /* dP/du, u the NPN-sign controlling voltages */
  double d_i[10], d_g[4]; /* the branches' currents' and the resistances' d/drise */
} heat;

#define RISE_STEP 0.01 /* kelvins: the central differences' step, as general_heat.c's */

/* Each branch's own voltage, u[plus] - u[minus] (-1: none) */
static const int plus[10] = {VBEI, VBEX, VBEI, VBCI, VBEP, VRCI, VRBI, VRBP, VBCP, VBEP};
static const int minus[10] = {-1, -1, VBCI, -1, -1, -1, -1, -1, -1, VBCP};

/* The branches' power's derivatives in u, added to d_u. */
static void power_gradient(const linearized *at, const double u[VOLTAGES], double d_u[VOLTAGES]) {
  for (int k = 0; k < 10; k++) {
    const kh_dual *i = at->cur[k];
    double w = u[plus[k]] - (minus[k] >= 0 ? u[minus[k]] : 0);
    for (int d = 0; d < 3 && at->b[k].ctrl[d] >= 0; d++) d_u[at->b[k].ctrl[d]] += i->d[d] * w;
    d_u[plus[k]] += i->v;
    if (minus[k] >= 0) d_u[minus[k]] -= i->v;
  }
}

/* The power ngspice 39 settles on (heat above) at u and x with p's parameters, and with d_u (may
 * be NULL) the branches' power's derivatives in u. */
static double power_of(const linearized *at, const double u[VOLTAGES], const double *x, double t,
                       double d_u[VOLTAGES]) {
  double power = 0, gr[4];
  long ends[4][2];
  for (int k = 0; k < 10; k++)
    power += at->cur[k]->v * (u[plus[k]] - (minus[k] >= 0 ? u[minus[k]] : 0));
  if (d_u) power_gradient(at, u, d_u);
  resistors(&at->params, ends, gr);
  for (int k = 0; k < 4; k++) {
    double vr = t * (kh_general_value(x, ends[k][0]) - kh_general_value(x, ends[k][1]));
    power += gr[k] * vr * vr;
  }
  /* ngspice's settling term (above): d/du[VBCP] here is its dP/dVbcp - dP/dVcep, Vcep being
   * Vbep - Vbcp */
  double du[VOLTAGES] = {0}, *grad = d_u ? d_u : du;
  if (!d_u) power_gradient(at, u, du);
  double vrs = t * (kh_general_value(x, ends[3][0]) - kh_general_value(x, ends[3][1]));
  return power - grad[VBCP] * vrs;
}

static double power_at(const kh_vbic *p, const double u[VOLTAGES], const double *x, double t,
                       double d_u[VOLTAGES]) {
  linearized at;
  linearize_at(p, 0, u, &at);
  return power_of(&at, u, x, t, d_u);
}

/* p: v's parameters at the rise, as the stamp has them. */
static void heat_at(const kh_vbic *v, const kh_vbic *p, double rise, const double u[VOLTAGES],
                    const double *x, double t, heat *h) {
  kh_vbic hot, cold;
  memset(h, 0, sizeof *h);
  params_at(v, rise + RISE_STEP, &hot), params_at(v, rise - RISE_STEP, &cold);
  h->power = power_at(p, u, x, t, h->d_u);
  linearized up, down; /* each once: the power and the currents' differences read both */
  linearize_at(&hot, 0, u, &up), linearize_at(&cold, 0, u, &down);
  h->d_rise = (power_of(&up, u, x, t, NULL) - power_of(&down, u, x, t, NULL)) / (2 * RISE_STEP);
  for (int k = 0; k < 10; k++) h->d_i[k] = (up.cur[k]->v - down.cur[k]->v) / (2 * RISE_STEP);
  double g_up[4], g_down[4];
  long ends[4][2];
  resistors(&hot, ends, g_up), resistors(&cold, ends, g_down);
  for (int k = 0; k < 4; k++) h->d_g[k] = (g_up[k] - g_down[k]) / (2 * RISE_STEP);
}

/* The thermal node's row: J = P - area m / RTH rise flows into it (vbicload.c's Ith and Irth),
 * linearized at (u, rise) and the resistances' x. */
static int stamp_thermal(kh_general *g, const kh_vbic *v, const heat *h, const linearized *at,
                         const double u[VOLTAGES], const double *x, double t, double rise) {
  long th = v->th, ends[4][2];
  double j = h->power - v->gth * rise, d_rise = h->d_rise - v->gth, eq = j - d_rise * rise;
  int bad = kh_general_stamp(g, th, th, -d_rise);
  for (int k = 0; k < VOLTAGES; k++) {
    eq -= h->d_u[k] * u[k];
    bad |= kh_general_stamp(g, th, at->n[k][0], -t * h->d_u[k]) |
           kh_general_stamp(g, th, at->n[k][1], t * h->d_u[k]);
  }
  double gr[4];
  resistors(&at->params, ends, gr);
  for (int k = 0; k < 4; k++) { /* g vr^2: 2 g vr per volt at either end, vr as x has it */
    double va = kh_general_value(x, ends[k][0]), vb = kh_general_value(x, ends[k][1]);
    double slope = 2 * gr[k] * (va - vb);
    eq -= slope * (va - vb);
    bad |= kh_general_stamp(g, th, ends[k][0], -slope) | kh_general_stamp(g, th, ends[k][1], slope);
  }
  kh_general_rhs(g, th, eq);
  return bad;
}

int kh_vbic_stamp(kh_general *g, kh_bjt *q, const double *x, int linearize) {
  kh_vbic *v = &q->vbic;
  double u[VOLTAGES], t = q->type, rise = rise_at(v, x);
  voltages_at(q, x, u);
  if (linearize) linearization(g, q, u, &rise);
  kh_vbic p;
  params_at(v, rise, &p);
  linearized at;
  linearize_at(&p, kh_junction_gmin(g, q->gmin), u, &at);
  /* an inherited rise moves the currents too, but as in ngspice 39 the Jacobian leaves that out:
   * with it, the compat corpus's deck took 1237 Newton steps instead of 201 */
  heat h;
  memset(&h, 0, sizeof h);
  if (v->th >= 0) heat_at(v, &p, rise, u, x, t, &h);
  long(*n)[2] = at.n, ends[4][2];
  const branch *b = at.b;
  const kh_dual *const *cur = at.cur;
  int bad = v->th >= 0 ? stamp_thermal(g, v, &h, &at, u, x, t, rise) : 0;
  v->not_finite = 0;
  for (int k = 0; k < 10; k++) {
    const kh_dual *i = cur[k];
    v->not_finite |= !isfinite(i->v + i->d[0] + i->d[1] + i->d[2] + h.d_i[k]);
    double rhs = i->v - h.d_i[k] * rise;
    for (int d = 0; d < 3 && b[k].ctrl[d] >= 0; d++) rhs -= i->d[d] * u[b[k].ctrl[d]];
    kh_general_rhs(g, b[k].from, -t * rhs), kh_general_rhs(g, b[k].to, t * rhs);
    bad |= kh_general_stamp(g, b[k].from, v->th, t * h.d_i[k]) |
           kh_general_stamp(g, b[k].to, v->th, -t * h.d_i[k]);
    for (int d = 0; d < 3 && b[k].ctrl[d] >= 0; d++) {
      long a = n[b[k].ctrl[d]][0], c = n[b[k].ctrl[d]][1];
      bad |= kh_general_stamp(g, b[k].from, a, i->d[d]) |
             kh_general_stamp(g, b[k].from, c, -i->d[d]) |
             kh_general_stamp(g, b[k].to, a, -i->d[d]) | kh_general_stamp(g, b[k].to, c, i->d[d]);
    }
  }
  double gr[4];
  resistors(&p, ends, gr);
  for (int k = 0; k < 4; k++) {
    if (gr[k] == 0.0) continue;
    long a = ends[k][0], c = ends[k][1];
    double slope = h.d_g[k] * (kh_general_value(x, a) - kh_general_value(x, c)); /* d/drise */
    kh_general_rhs(g, a, slope * rise), kh_general_rhs(g, c, -slope * rise);
    bad |= kh_general_stamp(g, a, a, gr[k]) | kh_general_stamp(g, c, c, gr[k]) |
           kh_general_stamp(g, a, c, -gr[k]) | kh_general_stamp(g, c, a, -gr[k]) |
           kh_general_stamp(g, a, v->th, slope) | kh_general_stamp(g, c, v->th, -slope);
  }
  return bad;
}

double kh_vbic_certify(const kh_general *g, const kh_bjt *q, long double *sum, double *mag) {
  const kh_vbic *v = &q->vbic;
  double u[VOLTAGES], t = q->type, rise = rise_at(v, g->x);
  voltages_at(q, g->x, u);
  kh_vbic p;
  params_at(v, rise, &p);
  linearized at;
  linearize_at(&p, kh_junction_gmin(g, q->gmin), u, &at);
  long(*n)[2] = at.n, ends[4][2];
  const branch *b = at.b;
  const kh_dual *const *cur = at.cur;
  for (int k = 0; k < 10; k++) {
    double scale = fabs(cur[k]->v);
    for (int d = 0; d < 3 && b[k].ctrl[d] >= 0; d++) {
      long a = n[b[k].ctrl[d]][0], c = n[b[k].ctrl[d]][1];
      scale = fmax(scale, fabs(cur[k]->d[d]) *
                              (fabs(kh_general_value(g->x, a)) + fabs(kh_general_value(g->x, c))));
    }
    kh_branch_terms(sum, mag, b[k].from, b[k].to, t * cur[k]->v, scale);
  }
  if (v->th >= 0) { /* the power into the thermal node, what RTH takes from it */
    double power = power_at(&p, u, g->x, t, NULL);
    kh_branch_terms(sum, mag, -1, v->th, power - v->gth * rise,
                    fmax(fabs(power), v->gth * fabs(rise)));
  }
  double gr[4], into_collector = 0;
  resistors(&p, ends, gr);
  for (int k = 0; k < 4; k++) {
    if (gr[k] == 0.0) continue;
    double va = kh_general_value(g->x, ends[k][0]), vb = kh_general_value(g->x, ends[k][1]);
    double i = gr[k] * (va - vb);
    kh_branch_terms(sum, mag, ends[k][0], ends[k][1], i, gr[k] * (fabs(va) + fabs(vb)));
    if (k == 0) into_collector = i;
  }
  if (gr[0] != 0.0) return into_collector;
  /* no RCX: what enters at cx = c, RCI's current and the parasitic base's */
  return t * (at.p.irci.v - at.p.irbp.v);
}

void kh_vbic_explain(const kh_general *g, char *text, size_t size) {
  for (size_t k = 0; k < g->elements; k++) {
    const kh_bjt *q = g->bjt[k] >= 0 ? &g->bjts[g->bjt[k]] : NULL;
    if (!q || !q->level4 || !q->vbic.not_finite) continue;
    snprintf(text, size,
             "; VBIC transistor '%s' gave currents that are not numbers at the last step "
             "(vbicload.c's base charge qb takes a power of a negative number where IS over IKF "
             "or IKR outweighs the Early factor q1; ngspice 39 gives NaN there too)",
             kh_netlist_element(g->nl, k).name);
    return;
  }
}
