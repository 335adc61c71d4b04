/* Diode models and their co-content terms (docs/netlist.md lists the parameters).
 * v is the junction voltage v(anode) - v(cathode); i the current from anode to cathode. */
#ifndef KH_SIM_DIODE_H
#define KH_SIM_DIODE_H

#include "kirchhoff/netlist.h"
#include "kirchhoff/status.h"

#include <stdint.h>

typedef enum {
  KH_DIODE_SHOCKLEY, /* ngspice 39's level-1 junction at DC (below): smooth, convex co-content */
  KH_DIODE_PWL,      /* i = goff v below vth, slope gon above: convex while gon >= goff */
  KH_DIODE_IDEAL     /* i >= 0, v <= vth, i (v - vth) = 0: a constraint, no co-content */
} kh_diode_kind;

/* The Shockley junction's current, as ngspice's dioload.c computes it (docs/algorithms.md):
 *   v >= -3 vte:             i = csat (exp(v / vte) - 1), then with IKF, where i > 1e-18 A,
 *                            i / (1 + sqrt(i / ikf))
 *   -bv <= v < -3 vte:       i = -csat (1 + (3 vte / (e v))^3)
 *   v < min(-3 vte, -bv):    i = -csat exp(-(bv + v) / vtb)
 * plus the tunnelling current -ctun (exp(-v / vtetun) - 1) and GMIN v. The current never
 * decreases with v, so its integral (the co-content term) is convex. A junction marked general
 * adds what has no co-content (the fields below) and is for general Newton only. Newton sees it
 * inside a trust region [vlo, vhi] that it moves outwards (newton.c): beyond, the current continues
 * as the quadratic with the same value, slope and curvature, still convex, never overflowing, and
 * equal to the junction wherever a solution is accepted. Everything else (the KCL certificate, the
 * oscillating nudge) sees the junction itself. */
typedef struct {
  uint32_t element;
  kh_diode_kind kind;
  double csat;          /* Shockley: saturation current at temperature, times area and m */
  double vte, vtb;      /* N Vt and NBV Vt */
  double bv;            /* breakdown voltage at temperature; +inf without BV */
  double gmin;          /* across the junction */
  double ikf;           /* forward knee current IKF times area and m (0: none) */
  double ikr;           /* reverse knee current IKR times area and m (0: none): below -3 vte, where
                         * the current is under -1e-18 A, i / (1 + sqrt(-i / ikr)) */
  double csatsw, vtesw; /* with NS: the sidewall junction's saturation current and NS Vt (0: the
                         * sidewall merged into csat) */
  double csatrec,
      vterec;          /* ISR's recombination current at temperature and NR Vt (0: none):
                        * above -3 vte, csatrec (e^{v/vterec} - 1) ((1 - v/vj)^2 + 0.005)^{mj/2} */
  double vj, mj;       /* the junction potential and grading coefficient at temperature */
  double ctun, vtetun; /* the tunnelling current's saturation current (JTUN area + JTUNSW pj,
                        * times m, at temperature) and NTUN Vt: -ctun (e^{-v/vtetun} - 1) */
  int general;         /* 1: no co-content (IKR, ISR, or IKF over NS or tunnelling): the
                        * current as ngspice sums it, for general Newton only (general.h) */
  double vlo, vhi;     /* the trust region (+-inf: none) */
  double gon, goff;    /* PWL conductances */
  double vth;          /* PWL and ideal threshold */
  /* An ideal diode between two free nodes, solved by the augmented Lagrangian method: it acts
   * as a PWL diode (goff 0, gon rho) whose threshold vth = vth0 - lambda / rho moves with the
   * multiplier lambda (its current) until v <= vth0 holds to round-off (newton.c). */
  int augmented;
  double vth0, lambda, rho;
} kh_diode;

/* ngspice 39's constants, so that both simulators model the same junction. */
#define KH_BOLTZMANN 1.38064852e-23
#define KH_CHARGE 1.6021766208e-19
#define KH_TEMPERATURE 300.15 /* 27 degrees Celsius: ngspice's default and REFTEMP */

/* Reads element `element`'s model; errors name the .model parameter at fault. */
kh_status kh_diode_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t element,
                                kh_diode *out);
/* The same with the junction `rise` kelvins above its instance temperature (self-heating). */
kh_status kh_diode_heated(kh_context *ctx, const kh_netlist *nl, size_t element, double rise,
                          kh_diode *out);

/* Co-content phi(v) = integral of i from 0 to v, current i(v) and conductance di/dv: the
 * junction itself. phi is +inf where exp overflows, so that a line search backs off instead of
 * reading garbage. */
/* An ideal diode at junction voltage v sits on its threshold (within round-off): it conducts,
 * and its current is whatever KCL leaves it. An augmented one's threshold is vth0 (its vth
 * moves with the multiplier). */
int kh_diode_ideal_conducting(const kh_diode *d, double v);
void kh_diode_eval(const kh_diode *d, double v, double *phi, double *i, double *g);
/* The same continued beyond the trust region [vlo, vhi] (Newton's own view, newton.c), and
 * beyond any given one. */
void kh_diode_eval_trusted(const kh_diode *d, double v, double *phi, double *i, double *g);
void kh_diode_eval_within(const kh_diode *d, double vlo, double vhi, double v, double *phi,
                          double *i, double *g);

/* Which of the junction's three branches v is on: 1 forward, 0 reverse, -1 breakdown. */
int kh_diode_branch(const kh_diode *d, double v);
/* The voltage below which the breakdown branch holds: -BV, or -3 N Vt if that is lower. */
static inline double kh_diode_breakdown_start(const kh_diode *d) {
  double r3 = -3 * d->vte;
  return r3 < -d->bv ? r3 : -d->bv;
}

/* ngspice's pnjlim (devsup.c): a junction voltage may not jump far up the exponential from vold
 * (vt: its thermal voltage, vcrit: where the exponential turns steep); *limited set when it was
 * held back. */
double kh_pnjlim(double vnew, double vold, double vt, double vcrit, int *limited);
/* The junction voltage for Newton to linearize at: v limited against the last one vold, on the
 * forward and, with BV, on the breakdown exponential (ngspice's pnjlim, devsup.c, as dioload.c
 * applies it); *limited set when it was. Non-Shockley diodes: v. */
double kh_diode_limit(const kh_diode *d, double v, double vold, int *limited);
/* A Shockley junction's critical voltage, vte ln(vte / (sqrt 2 IS)): where pnjlim starts to act,
 * and where ngspice's dioload.c linearizes a diode first (MODEINITJCT). */
double kh_diode_vcrit(const kh_diode *d);

/* ngspice's diotemp.c: the breakdown voltage at which the reverse current reaches cbv (BV tbv,
 * saturation current csat, thermal voltage vt, NBV nbv), by its fixed-point iteration and
 * stopping test (reltol), so that both programs hold the same junction. */
double kh_diode_breakdown_voltage(double tbv, double cbv, double csat, double vt, double nbv,
                                  double reltol);

#define KH_E 2.718281828459045 /* CONSTe in ngspice's reverse branch */

#endif
