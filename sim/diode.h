/* Diode models and their co-content terms (docs/netlist.md lists the parameters).
 * v is the junction voltage v(anode) - v(cathode); i the current from anode to cathode. */
#ifndef KH_SIM_DIODE_H
#define KH_SIM_DIODE_H

#include "kirchhoff/netlist.h"
#include "kirchhoff/status.h"

#include <stdint.h>

typedef enum {
  KH_DIODE_SHOCKLEY, /* i = IS (exp(v / (N Vt)) - 1) + GMIN v: smooth, convex co-content */
  KH_DIODE_PWL,      /* i = goff v below vth, slope gon above: convex while gon >= goff */
  KH_DIODE_IDEAL     /* i >= 0, v <= vth, i (v - vth) = 0: a constraint, no co-content */
} kh_diode_kind;

typedef struct {
  uint32_t element;
  kh_diode_kind kind;
  double is, nvt, gmin; /* Shockley: saturation current (times area), N*Vt, junction GMIN */
  double gon, goff;     /* PWL conductances */
  double vth;           /* PWL and ideal threshold */
  /* An ideal diode between two free nodes, solved by the augmented Lagrangian method: it acts
   * as a PWL diode (goff 0, gon rho) whose threshold vth = vth0 - lambda / rho moves with the
   * multiplier lambda (its current) until v <= vth0 holds to round-off (newton.c). */
  int augmented;
  double vth0, lambda, rho;
} kh_diode;

/* ngspice 39's constants, so that both simulators model the same junction. */
#define KH_BOLTZMANN 1.38064852e-23
#define KH_CHARGE 1.6021766208e-19
#define KH_TEMPERATURE 300.15

/* Reads element `element`'s model; errors name the .model parameter at fault. */
kh_status kh_diode_from_netlist(kh_context *ctx, const kh_netlist *nl, size_t element,
                                kh_diode *out);

/* Co-content phi(v) = integral of i from 0 to v, current i(v) and conductance di/dv. phi is
 * +inf where exp overflows, so that a line search backs off instead of reading garbage. */
void kh_diode_eval(const kh_diode *d, double v, double *phi, double *i, double *g);

#endif
