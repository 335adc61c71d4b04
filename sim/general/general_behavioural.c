/* B sources in general Newton (docs/netlist.md, Behavioural sources): a current f(x) from n+
 * through the source to n-, or a voltage v(n+) - v(n-) = f(x) with its branch current, f a
 * function of node voltages and voltage sources' currents (kirchhoff/netlist.h:
 * kh_expression_eval). Newton linearizes f at x0: f(x0) + sum_k df/dx_k (x_k - x0_k), every input's
 * entry stamped each time (the pattern). */
#include "general_impl.h"

#include <stdint.h>
#include <stdio.h>

enum { PORTS_MAX = 1024 }; /* at most this many per instance (a larger summer is not limited) */

/* The XSPICE instances' ports (kh_expression_ports) into g->ports, each element's from
 * g->port_first[k] on, their last values NaN. */
static int ports_setup(kh_general *g) {
  size_t(*one)[2] = kh_malloc(PORTS_MAX * sizeof *one);
  g->port_first = kh_malloc((g->elements + 1) * sizeof *g->port_first);
  if (!one || !g->port_first) return kh_free(one), -1;
  size_t total = 0;
  for (size_t k = 0; k < g->elements; k++) {
    const kh_expression *x = kh_netlist_expression(g->nl, k);
    g->port_first[k] = total;
    total += x ? kh_expression_ports(x, one, PORTS_MAX) : 0;
  }
  g->port_first[g->elements] = total;
  g->ports = kh_malloc((total + 1) * sizeof *g->ports);
  g->port_last = kh_malloc((total + 1) * sizeof *g->port_last);
  if (!g->ports || !g->port_last) return kh_free(one), -1;
  for (size_t k = 0; k < g->elements; k++) {
    const kh_expression *x = kh_netlist_expression(g->nl, k);
    if (x) kh_expression_ports(x, g->ports + g->port_first[k], PORTS_MAX);
  }
  for (size_t j = 0; j < total; j++) g->port_last[j] = NAN;
  kh_free(one);
  return 0;
}

int kh_behaviour_setup(kh_general *g) {
  size_t scratch = 0, inputs = 0;
  for (size_t k = 0; k < g->elements; k++) {
    const kh_expression *x = kh_netlist_expression(g->nl, k);
    if (!x) continue;
    size_t s = kh_expression_scratch(x), n = kh_expression_input_count(x);
    scratch = s > scratch ? s : scratch, inputs = n > inputs ? n : inputs;
  }
  g->expr_scratch = kh_malloc((scratch + 1) * sizeof *g->expr_scratch);
  g->expr_in = kh_malloc((inputs + 1) * sizeof *g->expr_in);
  g->expr_grad = kh_malloc((inputs + 1) * sizeof *g->expr_grad);
  g->curve_last = kh_malloc((g->elements + 1) * sizeof *g->curve_last);
  if (!g->expr_scratch || !g->expr_in || !g->expr_grad || !g->curve_last) return -1;
  for (size_t k = 0; k < g->elements; k++) g->curve_last[k] = NAN;
  g->expr_gmin = 1e-12; /* ngspice's default */
  kh_netlist_option(g->nl, "gmin", &g->expr_gmin);
  return ports_setup(g);
}

/* XSPICE's convergence limiting (ngspice 39's MIFload, on by default: convstep 0.25, convabsstep
 * 0.1) on element k's ports: each port's value steps from its last by at most the larger of a
 * quarter of the last's size and 0.1, its first input moved to make it so (where two ports share
 * a node, the later one sees the earlier one's move). Returns 1 where it limited one. */
static int limit_ports(kh_general *g, size_t k) {
  int limited = 0;
  for (size_t j = g->port_first[k]; j < g->port_first[k + 1]; j++) {
    const size_t *port = g->ports[j];
    double *in = g->expr_in, value = in[port[0]] - (port[1] != SIZE_MAX ? in[port[1]] : 0);
    double last = g->port_last[j], step = fmax(0.25 * fabs(last), 0.1);
    if (!isnan(last) && fabs(value - last) > step) {
      double moved = value > last ? last + step : last - step;
      in[port[0]] += moved - value, value = moved, limited = 1;
    }
    g->port_last[j] = value;
  }
  return limited;
}

/* Input i's unknown: a node's voltage, or a voltage source's branch current. */
static long unknown_of(const kh_general *g, const kh_expression *x, size_t i) {
  size_t source = kh_expression_input_source(x, i);
  return source == (size_t)-1 ? kh_general_at(kh_expression_input(x, i)) : g->branch[source];
}

/* f at x into *f and its gradient into g->expr_grad, the inputs in g->expr_in (a pwl curve's
 * limited as ngspice limits them where Newton linearizes, kh_expression_limit); -1 where it is
 * out of range (recorded for the failure's message). */
static int evaluate(kh_general *g, size_t k, const kh_expression *x, const double *at, double *f,
                    int linearize) {
  size_t n = kh_expression_input_count(x);
  for (size_t i = 0; i < n; i++) g->expr_in[i] = kh_general_value(at, unknown_of(g, x, i));
  if (linearize && !g->curves_free && limit_ports(g, k)) g->limited = 1, g->curves_limited = 1;
  if (linearize && !g->curves_free && kh_expression_limit(x, g->expr_in, &g->curve_last[k]))
    g->limited = 1, g->curves_limited = 1;
  const char *what = NULL;
  if (kh_expression_eval(x, g->expr_in, g->expr_gmin, f, g->expr_grad, g->expr_scratch, &what) ==
      0) {
    g->by_zero = what ? k + 1 : g->by_zero == k + 1 ? 0 : g->by_zero;
    return 0;
  }
  g->bad_expression = k + 1, g->bad_what = what;
  for (size_t i = 0; i < n; i++) g->expr_grad[i] = 0; /* the pattern's entries all the same */
  *f = 0;
  return -1;
}

int kh_behaviour_stamp(kh_general *g, size_t k, long a, long b, const double *at) {
  const kh_expression *x = kh_netlist_expression(g->nl, k);
  double f, rhs;
  if (evaluate(g, k, x, at, &f, 1)) g->expression_failed = 1;
  rhs = f;
  int voltage = g->branch[k] >= 0, bad = 0;
  long j = g->branch[k];
  if (voltage)
    bad |= kh_general_stamp(g, a, j, 1) | kh_general_stamp(g, b, j, -1) |
           kh_general_stamp(g, j, a, 1) | kh_general_stamp(g, j, b, -1);
  for (size_t i = 0; i < kh_expression_input_count(x); i++) {
    long u = unknown_of(g, x, i);
    double d = g->expr_grad[i];
    rhs -= d * g->expr_in[i]; /* at the (limited) inputs it was linearized at */
    if (voltage)
      bad |= kh_general_stamp(g, j, u, -d);
    else
      bad |= kh_general_stamp(g, a, u, d) | kh_general_stamp(g, b, u, -d);
  }
  if (voltage)
    g->rhs[j] = rhs;
  else
    kh_general_rhs(g, a, -rhs), kh_general_rhs(g, b, rhs);
  return bad;
}

double kh_behaviour_certify(kh_general *g, size_t k, double va, double vb, double *scale,
                            int *failed) {
  const kh_expression *x = kh_netlist_expression(g->nl, k);
  double f;
  if (evaluate(g, k, x, g->x, &f, 0)) {
    *failed = 1;
    return 0;
  }
  double spread = 0; /* what rounding in the inputs moves f by */
  for (size_t i = 0; i < kh_expression_input_count(x); i++)
    spread += fabs(g->expr_grad[i] * g->expr_in[i]);
  *scale = fmax(fabs(f), spread);
  if (g->branch[k] < 0) return f;
  double r = va - vb - f; /* Newton's steps do not solve a nonlinear f: check it holds */
  if (!(fabs(r) <= 1e-12 * fmax(fmax(fabs(va) + fabs(vb), *scale), 1e-12))) *failed = 1;
  *scale = 0;
  return g->x[g->branch[k]];
}

/* What the deck calls the element named name (its card's letter): an expression is a B source's,
 * an E or G card's VALUE or TABLE, or an XSPICE block's. */
static const char *kind_of(const char *name) {
  return name[0] == 'a' ? "XSPICE block" : name[0] == 'b' ? "B source" : "controlled source";
}

void kh_behaviour_explain(const kh_general *g, char *text, size_t size) {
  if (!g->bad_expression && g->by_zero) {
    const char *name = kh_netlist_element(g->nl, g->by_zero - 1).name;
    snprintf(text, size,
             "; %s '%s' divided by zero at the last step (ngspice moves the divisor to "
             "GMIN 1e-20 and answers with that quotient)",
             kind_of(name), name);
    return;
  }
  if (!g->bad_expression) return;
  kh_element e = kh_netlist_element(g->nl, g->bad_expression - 1);
  snprintf(text, size,
           "; %s '%s' was out of range (%s) at the last step that failed, where ngspice's "
           "evaluation fails too",
           kind_of(e.name), e.name, g->bad_what ? g->bad_what : "?");
}
