/* A B source's power in ngspice's LTspice mode (ptfuncs.c's PTpower and PTpowerH, read there):
 * `^`, `**` and pow() as kh_ltspice_power computes them, built from the tree's own nodes, so that
 * it is solved, differentiated and written back as any other expression. */
#include "behavioural_steps.h"
#include "expr.h"

#include "core/alloc.h"

#include <math.h>

/* Whether node i's value reads an input (a node voltage or a source current). */
static int reads_input(const kh_expr_reader *r, uint32_t i) {
  const kh_xnode *n = &r->nodes[i];
  switch (n->op) {
  case KH_X_CONST: return 0;
  case KH_X_INPUT:
  case KH_X_GRID: return 1; /* an XSPICE table's, which reads its ports */
  case KH_X_TERN: return reads_input(r, n->a) || reads_input(r, n->b) || reads_input(r, n->c);
  case KH_X_PWL:
  case KH_X_TABLE: return reads_input(r, n->a);
  case KH_X_CALL: return reads_input(r, n->a) || (n->fn >= KH_XF_POW && reads_input(r, n->b));
  default: return reads_input(r, n->a) || reads_input(r, n->b);
  }
}

/* The value of node i, which reads no input; -1 where it is not finite. */
static int constant_value(kh_expr_reader *r, uint32_t i, double *value) {
  double scratch_small[64], *scratch = scratch_small;
  if (r->count > 64 && !(scratch = kh_malloc(r->count * sizeof *scratch))) return -1;
  struct kh_expression x = {.nodes = r->nodes, .count = (uint32_t)r->count, .root = i, .scale = 1};
  int failed = kh_expression_eval(&x, NULL, 1e-12, value, NULL, scratch, NULL);
  if (scratch != scratch_small) kh_free(scratch);
  return failed;
}

uint32_t kh_reader_ltspice_power(kh_expr_reader *r, uint32_t a, uint32_t b, const char *at) {
  if (r->st != KH_OK) return UINT32_MAX;
  double y, n;
  if (reads_input(r, b))
    return kh_reader_fail(r, at,
                          "a power whose exponent reads the circuit's voltages or currents, in "
                          "ngspice's LTspice mode (a negative base then takes the nearest integer "
                          "exponent or gives 0): not in kirchhoff");
  if (constant_value(r, b, &y)) return kh_reader_fail(r, at, "the exponent is not a finite number");
  int integer = kh_ltspice_integer(y, &n);
  int odd = integer && fmod(n, 2) != 0;
  /* |a|^n is a^n for an even n, and pwr(a, n) = sign(a) |a|^n for an odd one */
  uint32_t negative =
      !integer ? constant(r, 0)
      : odd    ? kh_reader_add(
                     r, (kh_xnode){.op = KH_X_CALL, .fn = KH_XF_PWR, .a = a, .b = constant(r, n)})
            : kh_reader_binary(r, KH_X_POW, a, constant(r, n));
  if (integer && y == n) return negative;
  uint32_t positive = kh_reader_binary(r, KH_X_POW, a, constant(r, y));
  return choose(r, test(r, KH_XF_GE0, a), positive, negative);
}
