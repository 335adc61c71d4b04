/* A self-heating VDMOS in general Newton (`Mname d g s tj tc model thermal`), as ngspice 39's
 * vdmosload.c heats it, read there and measured on ngspice 39 itself:
 * - the device sits at t0 + v(tj) kelvins, t0 its temperature without heating (temp=, dtemp=,
 *   the circuit's), every term of vdmostemp.c at that temperature, and beta and RD once more
 *   times (T / t0)^MU and (T / t0)^TEXP0 (vdmosload.c applies both on top of VDMOStempUpdate's);
 * - the power it dissipates (the channel's, RD's, the body diode's and RB's: kh_vdmos_flows)
 *   enters tj, and RTHJC joins tj to tc;
 * - RTHCA (1000 K/W unless given) is stamped as ngspice 39 wires it, which is not a resistor
 *   from tc to an ambient node: tc leaks tc / RTHCA to ground, and tj takes in a / RTHCA, with
 *   a ngspice's internal node held at the circuit's temperature in degrees Celsius (measured:
 *   with RTHJC 1, RTHCA 10 and 1 W, tc is 37 and tj 40.7, where a resistor to a 27-degree node
 *   would put tj at 38).
 * Newton linearizes the power and the currents in the voltages and the rise; the rise's
 * derivatives are central differences of the device evaluated at neighbouring temperatures, as
 * for the self-heating diode (general_heat.c): a derivative off by round-off slows Newton, it
 * cannot move the answer, which the certificate checks on the exact equations. */
#include "general_impl.h"

#include <math.h>

#define RISE_STEP 1e-2 /* kelvins: the central differences' step */
#define RISE_LIMIT 30  /* vdmosload.c's DEVlimitlog on the rise: this far per step, then slowly */
#define VOLT_STEP 1e-6 /* volts: the power's central differences in the controlling voltages */
#define COLDEST 1.0    /* kelvins: a wild iterate below this is evaluated here */
#define CELSIUS 273.15 /* ngspice's CONSTCtoK */

void kh_vdmos_heat_setup(const kh_netlist *nl, size_t k, kh_mosfet *q) {
  kh_mosfet_instance in = kh_netlist_mosfet_instance(nl, k);
  kh_vdmos *v = &q->vdmos;
  if (!in.thermal) return;
  const char *m = kh_netlist_element(nl, k).model;
  v->heated = 1, v->nl = nl, v->element = k, v->t0 = in.temperature, v->rise = 0;
  v->tj = kh_general_at(in.tj), v->tc = kh_general_at(in.tc);
  v->rthjc = kh_model_number(nl, m, "rthjc", 0, NULL);
  v->rthca = kh_model_number(nl, m, "rthca", 1000, NULL);
  v->ambient = kh_netlist_temperature(nl) - CELSIUS;
  v->mu = kh_model_number(nl, m, "mu", -1.5, NULL);
  v->texp0 = kh_model_number(nl, m, "texp0", 1.5, NULL);
}

/* q's terms at `rise` kelvins above t0. */
static void heat_to(kh_mosfet *q, double rise) {
  kh_vdmos *v = &q->vdmos;
  double t = fmax(v->t0 + rise, COLDEST), ratio = t / v->t0;
  kh_vdmos_at(v->nl, v->element, t, q);
  q->beta *= pow(ratio, v->mu);
  v->grd /= pow(ratio, v->texp0);
}

/* The device's unknowns in kh_vdmos_flows's order, and the gate. */
static void unknowns(const kh_mosfet *q, long u[6]) {
  u[0] = q->d, u[1] = q->s, u[2] = q->vdmos.dx, u[3] = q->vdmos.sx, u[4] = q->vdmos.bp;
  u[5] = q->g;
}

/* The power's slopes in the controlling voltages (central differences) and in the rise, and
 * the currents' slopes in the rise, at `at` and x with q at `rise`. */
static double slopes(const kh_mosfet *q, const double *x, const double at[3], double rise,
                     double dp_dv[3], double *dp_drise, double dl_drise[5]) {
  double leaving[5], up[5], down[5], power = kh_vdmos_flows(q, x, at, leaving);
  for (int k = 0; k < 3; k++) {
    double a[3] = {at[0], at[1], at[2]}, b[3] = {at[0], at[1], at[2]};
    a[k] += VOLT_STEP, b[k] -= VOLT_STEP;
    dp_dv[k] = (kh_vdmos_flows(q, x, a, up) - kh_vdmos_flows(q, x, b, down)) / (2 * VOLT_STEP);
  }
  kh_mosfet hot = *q, cold = *q;
  heat_to(&hot, rise + RISE_STEP), heat_to(&cold, rise - RISE_STEP);
  *dp_drise =
      (kh_vdmos_flows(&hot, x, at, up) - kh_vdmos_flows(&cold, x, at, down)) / (2 * RISE_STEP);
  for (int k = 0; k < 5; k++) dl_drise[k] = (up[k] - down[k]) / (2 * RISE_STEP);
  return power;
}

int kh_vdmos_heat_stamp(kh_general *g, kh_mosfet *q, const double *x, int linearize) {
  kh_vdmos *v = &q->vdmos;
  double rise = kh_general_value(x, v->tj);
  if (linearize) /* MODEINITJCT starts at no rise */
    rise = q->cold ? 0 : kh_limitlog(rise, v->rise, RISE_LIMIT, &g->limited), v->rise = rise;
  heat_to(q, rise);
  double at[3];
  int bad = kh_vdmos_stamp_plain(g, q, x, linearize, at);
  double dp_dv[3], dp_drise, dl_drise[5];
  double power = slopes(q, x, at, rise, dp_dv, &dp_drise, dl_drise);
  long u[6], tj = v->tj, tc = v->tc;
  unknowns(q, u);
  for (int k = 0; k < 5; k++) { /* the currents' dependence on the rise */
    bad |= kh_general_stamp(g, u[k], tj, dl_drise[k]);
    kh_general_rhs(g, u[k], dl_drise[k] * rise);
  }
  /* the power, linearized: in the controlling voltages (vgs, vds, the body diode's), RD's and
   * RB's drops (grd vrd^2, grb vrs^2) and the rise */
  double t = q->type, vrd = kh_general_value(x, u[2]) - kh_general_value(x, u[0]);
  double vrs = kh_general_value(x, u[3]) - kh_general_value(x, u[4]);
  double prd = 2 * v->grd * vrd, prb = 2 * v->grb * vrs;
  double dp[6] = {t * dp_dv[1] - prd,         /* d */
                  -t * (dp_dv[0] + dp_dv[1]), /* s */
                  -t * dp_dv[2] + prd,        /* dx */
                  prb,                        /* sx */
                  t * dp_dv[2] - prb,         /* bp */
                  t * dp_dv[0]};              /* g */
  double constant = power - dp_dv[0] * at[0] - dp_dv[1] * at[1] - dp_dv[2] * at[2] - prd * vrd -
                    prb * vrs - dp_drise * rise;
  for (int k = 0; k < 6; k++) bad |= kh_general_stamp(g, tj, u[k], -dp[k]);
  bad |= kh_general_stamp(g, tj, tj, 1 / v->rthjc - dp_drise) |
         kh_general_stamp(g, tj, tc, -1 / v->rthjc) |
         kh_general_stamp(g, tc, tc, 1 / v->rthjc + 1 / v->rthca) |
         kh_general_stamp(g, tc, tj, -1 / v->rthjc);
  kh_general_rhs(g, tj, constant + v->ambient / v->rthca);
  return bad;
}

double kh_vdmos_heat_certify(const kh_general *g, const kh_mosfet *q, long double *sum,
                             double *mag) {
  const kh_vdmos *v = &q->vdmos;
  kh_mosfet at_x = *q;
  double rise = kh_general_value(g->x, v->tj);
  heat_to(&at_x, rise);
  double drain = kh_vdmos_certify(g, &at_x, sum, mag);
  long u[6];
  unknowns(q, u);
  double s = q->type, vg = kh_general_value(g->x, u[5]);
  double at[3] = {s * (vg - kh_general_value(g->x, u[1])),
                  s * (kh_general_value(g->x, u[0]) - kh_general_value(g->x, u[1])),
                  s * (kh_general_value(g->x, u[4]) - kh_general_value(g->x, u[2]))};
  double leaving[5], power = kh_vdmos_flows(&at_x, g->x, at, leaving);
  double tc = kh_general_value(g->x, v->tc), conduct = (rise - tc) / v->rthjc;
  kh_branch_terms(sum, mag, v->tj, v->tc, conduct, (fabs(rise) + fabs(tc)) / v->rthjc);
  kh_branch_terms(sum, mag, -1, v->tj, power + v->ambient / v->rthca,
                  fabs(power) + fabs(v->ambient) / v->rthca);
  kh_branch_terms(sum, mag, v->tc, -1, tc / v->rthca, fabs(tc) / v->rthca);
  return drain;
}
