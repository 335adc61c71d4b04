/* Forward-mode derivatives in three directions: a value and its partial derivatives with respect
 * to a device's three controlling voltages (a MOSFET's vgs, vds, vbs). A model whose equations
 * are long and branchy (mos2's) is written once, on values, and its Jacobian comes out exact for
 * the function as computed, where a hand-written derivative would have to follow every branch
 * and could drift from it (ngspice's mos2 leaves vdsat's derivatives at the Grove-Frohman ones
 * when velocity saturation replaces vdsat, for one). Each operation rounds its value as the
 * plain expression would, so the values are those of the same code on doubles. */
#ifndef KH_SIM_GENERAL_DUAL_H
#define KH_SIM_GENERAL_DUAL_H

#include <math.h>

typedef struct {
  double v, d[3];
} kh_dual;

static inline kh_dual kh_dual_const(double v) {
  return (kh_dual){v, {0, 0, 0}};
}
/* the k-th controlling voltage, at v */
static inline kh_dual kh_dual_var(double v, int k) {
  kh_dual r = {v, {0, 0, 0}};
  r.d[k] = 1;
  return r;
}
/* r = f(a) with f'(a) = slope */
static inline kh_dual kh_dual_chain(double value, double slope, kh_dual a) {
  return (kh_dual){value, {slope * a.d[0], slope * a.d[1], slope * a.d[2]}};
}
static inline kh_dual kh_dual_add(kh_dual a, kh_dual b) {
  return (kh_dual){a.v + b.v, {a.d[0] + b.d[0], a.d[1] + b.d[1], a.d[2] + b.d[2]}};
}
static inline kh_dual kh_dual_sub(kh_dual a, kh_dual b) {
  return (kh_dual){a.v - b.v, {a.d[0] - b.d[0], a.d[1] - b.d[1], a.d[2] - b.d[2]}};
}
static inline kh_dual kh_dual_mul(kh_dual a, kh_dual b) {
  kh_dual r = {a.v * b.v, {0, 0, 0}};
  for (int k = 0; k < 3; k++) r.d[k] = a.d[k] * b.v + a.v * b.d[k];
  return r;
}
static inline kh_dual kh_dual_div(kh_dual a, kh_dual b) {
  kh_dual r = {a.v / b.v, {0, 0, 0}};
  for (int k = 0; k < 3; k++) r.d[k] = (a.d[k] - r.v * b.d[k]) / b.v;
  return r;
}
/* a + c, a * c, a / c, c - a and c / a for a constant c */
static inline kh_dual kh_dual_addc(kh_dual a, double c) {
  a.v += c;
  return a;
}
static inline kh_dual kh_dual_mulc(kh_dual a, double c) {
  return (kh_dual){a.v * c, {a.d[0] * c, a.d[1] * c, a.d[2] * c}};
}
static inline kh_dual kh_dual_divc(kh_dual a, double c) {
  return (kh_dual){a.v / c, {a.d[0] / c, a.d[1] / c, a.d[2] / c}};
}
static inline kh_dual kh_dual_csub(double c, kh_dual a) {
  return (kh_dual){c - a.v, {-a.d[0], -a.d[1], -a.d[2]}};
}
static inline kh_dual kh_dual_cdiv(double c, kh_dual a) {
  double v = c / a.v;
  return kh_dual_chain(v, -v / a.v, a);
}
static inline kh_dual kh_dual_sqrt(kh_dual a) {
  double v = sqrt(a.v);
  return kh_dual_chain(v, 0.5 / v, a);
}
static inline kh_dual kh_dual_exp(kh_dual a) {
  double v = exp(a.v);
  return kh_dual_chain(v, v, a);
}
/* a^c for a constant c */
static inline kh_dual kh_dual_powc(kh_dual a, double c) {
  return kh_dual_chain(pow(a.v, c), c * pow(a.v, c - 1), a);
}
static inline kh_dual kh_dual_log(kh_dual a) {
  return kh_dual_chain(log(a.v), 1 / a.v, a);
}
static inline kh_dual kh_dual_cos(kh_dual a) {
  return kh_dual_chain(cos(a.v), -sin(a.v), a);
}
static inline kh_dual kh_dual_atan(kh_dual a) {
  return kh_dual_chain(atan(a.v), 1 / (1 + a.v * a.v), a);
}
static inline kh_dual kh_dual_fabs(kh_dual a) {
  return a.v < 0 ? kh_dual_mulc(a, -1) : a;
}
/* C's MAX(a, b) and MIN(a, b) macros as ngspice writes them: the second on a tie */
static inline kh_dual kh_dual_max(kh_dual a, kh_dual b) {
  return a.v > b.v ? a : b;
}
static inline kh_dual kh_dual_min(kh_dual a, kh_dual b) {
  return a.v < b.v ? a : b;
}

#endif
