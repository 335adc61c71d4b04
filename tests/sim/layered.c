/* The layered backend (block-coordinate descent) against the native backend on the same
 * circuits: free and nudged equilibria of generated deep resistive networks with random
 * conductances, bias currents and inputs agree to 1e-9 of the input scale in double precision;
 * and what is not layered is refused with the reason. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 5 };

typedef struct {
  kh_test_rig rig;
  size_t features, outputs;
  double gain;
} network;

/* A generated network with random conductances in [0.2, 2] S and bias currents in +-0.3 A. */
static void open_network(network *n, const char *arch, uint64_t seed, int pairs_of_clamps) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  o.seed = seed, o.input_gain = 2;
  o.bias_voltage = pairs_of_clamps ? 0.7 : 0.0;
  o.clamp_pairs = pairs_of_clamps;
  char *text = kh_test_netgen(&o, arch);
  kh_test_rig_open(&n->rig, text, "native");
  free(text);
  const kh_netlist *nl = n->rig.nl;
  n->features = kh_netlist_input_count(nl), n->outputs = kh_netlist_output_count(nl);
  n->gain = kh_netlist_input_gain(nl);
  srand((unsigned)seed);
  for (size_t p = 0; p < kh_netlist_trainable_count(nl); p++) {
    size_t e = kh_netlist_trainable(nl, p);
    double u = rand() / (double)RAND_MAX;
    if (kh_netlist_element(nl, e).kind == KH_RESISTOR)
      cr_assert_eq(kh_circuit_set_conductance(n->rig.ctx, n->rig.c, e, 0.2 + 1.8 * u), KH_OK);
    else
      cr_assert_eq(kh_circuit_set_source(n->rig.ctx, n->rig.c, e, 0.6 * u - 0.3), KH_OK);
  }
}

/* The native backend's node voltages for one row. */
static void sparse_solve(network *n, const double *x, double beta, const double *target,
                         double *v) {
  const kh_netlist *nl = n->rig.nl;
  for (size_t i = 0; i < n->features; i++) {
    kh_input in = kh_netlist_input(nl, i);
    cr_assert_eq(kh_circuit_set_source(n->rig.ctx, n->rig.c, in.source, n->gain * x[i]), KH_OK);
    if (in.negated != (size_t)-1)
      cr_assert_eq(kh_circuit_set_source(n->rig.ctx, n->rig.c, in.negated, -n->gain * x[i]), KH_OK);
  }
  cr_assert_eq(kh_circuit_set_nudge(n->rig.ctx, n->rig.c, beta, beta != 0 ? target : NULL), KH_OK);
  kh_solve_stats st;
  cr_assert_eq(kh_solver_solve(n->rig.ctx, n->rig.s, v, &st), KH_OK, "%s",
               kh_last_error(n->rig.ctx));
}

/* Largest |layered - sparse| over all nodes and rows, over the largest input voltage. */
static double disagreement(const char *arch, uint64_t seed, int pairs, double beta,
                           kh_precision precision, unsigned *sweeps) {
  network n;
  open_network(&n, arch, seed, pairs);
  size_t N = kh_netlist_node_count(n.rig.nl);
  double x[ROWS * 64], target[ROWS * 16], *v = malloc(N * sizeof *v);
  double *lv = malloc(ROWS * N * sizeof *lv), worst = 0, vin = 0;
  cr_assert(n.features <= 64 && n.outputs <= 16);
  for (size_t i = 0; i < ROWS * n.features; i++) x[i] = 2.0 * rand() / RAND_MAX - 1;
  for (size_t i = 0; i < ROWS * n.outputs; i++) target[i] = rand() % 2;
  for (size_t i = 0; i < ROWS * n.features; i++) vin = fmax(vin, fabs(n.gain * x[i]));
  kh_layered *lay;
  cr_assert_eq(kh_layered_new(n.rig.ctx, &lay, n.rig.c, precision, ROWS), KH_OK, "%s",
               kh_last_error(n.rig.ctx));
  kh_layered_stats st;
  double tol = precision == KH_PRECISION_DOUBLE ? 1e-14 : 1e-7;
  cr_assert_eq(kh_layered_solve(n.rig.ctx, lay, ROWS, x, beta, target, 100000, tol, 0, lv, &st),
               KH_OK, "%s", kh_last_error(n.rig.ctx));
  *sweeps = st.sweeps;
  for (size_t r = 0; r < ROWS; r++) {
    sparse_solve(&n, x + r * n.features, beta, target + r * n.outputs, v);
    for (size_t node = 0; node < N; node++) worst = fmax(worst, fabs(lv[r * N + node] - v[node]));
  }
  kh_layered_free(lay);
  free(v), free(lv);
  kh_test_rig_close(&n.rig);
  return worst / vin;
}

/* The last two have layers wider than a sweep's column chunk: split (products of 300 terms)
 * and whole (of 3 or 204); 5 rows take layered_small.h's loops, an odd width their last row. */
Test(layered, matches_the_sparse_backend_to_1e_9_in_double) {
  const char *arch[] = {"5-9-3", "6-12-8-4", "4-7-7-7-3", "3-5-4-6-5-2", "5-300-3", "5-201-300-3"};
  const double beta[] = {0, 0.4, -0.1};
  for (int a = 0; a < 6; a++)
    for (int b = 0; b < 3; b++)
      for (int pairs = 0; pairs < 2; pairs++) {
        unsigned sweeps;
        double d =
            disagreement(arch[a], 10 + (uint64_t)a, pairs, beta[b], KH_PRECISION_DOUBLE, &sweeps);
        cr_expect(d <= 1e-9, "%s beta %g pairs %d: %.3g after %u sweeps", arch[a], beta[b], pairs,
                  d, sweeps);
      }
}

Test(layered, single_precision_agrees_to_its_round_off) {
  unsigned sweeps;
  double d = disagreement("6-12-8-4", 3, 0, 0.4, KH_PRECISION_SINGLE, &sweeps);
  cr_expect(d <= 1e-5, "%.3g", d);
  cr_expect(d > 1e-12, "%.3g: single precision cannot be this exact (is it running double?)", d);
}

/* Warm starts converge to the same point, in fewer sweeps; K fixed sweeps do exactly K. */
Test(layered, warm_start_and_fixed_sweeps) {
  network n;
  open_network(&n, "6-12-8-4", 5, 0);
  double x[6 * ROWS];
  for (size_t i = 0; i < 6 * ROWS; i++) x[i] = 2.0 * rand() / RAND_MAX - 1;
  size_t N = kh_netlist_node_count(n.rig.nl);
  double *cold = malloc(ROWS * N * sizeof *cold), *warm = malloc(ROWS * N * sizeof *warm);
  kh_layered *lay;
  cr_assert_eq(kh_layered_new(n.rig.ctx, &lay, n.rig.c, KH_PRECISION_DOUBLE, ROWS), KH_OK);
  kh_layered_stats a, b, c;
  cr_assert_eq(kh_layered_solve(n.rig.ctx, lay, ROWS, x, 0, NULL, 100000, 1e-13, 0, cold, &a),
               KH_OK);
  cr_assert_eq(kh_layered_solve(n.rig.ctx, lay, ROWS, x, 0, NULL, 100000, 1e-13, 1, warm, &b),
               KH_OK);
  cr_expect(b.sweeps < a.sweeps, "warm %u, cold %u sweeps", b.sweeps, a.sweeps);
  for (size_t i = 0; i < ROWS * N; i++) cr_expect(fabs(cold[i] - warm[i]) <= 1e-11);
  cr_expect(a.relative_residual <= 1e-10, "residual %.3g", a.relative_residual);
  cr_assert_eq(kh_layered_solve(n.rig.ctx, lay, ROWS, x, 0, NULL, 3, 0, 0, NULL, &c), KH_OK);
  cr_expect_eq(c.sweeps, 3);
  cr_expect(c.relative_residual > 1e-6, "3 sweeps cannot have converged (%.3g)",
            c.relative_residual);
  /* a tolerance it cannot reach in 2 sweeps is a numerical failure, not a silent answer */
  cr_expect_eq(kh_layered_solve(n.rig.ctx, lay, ROWS, x, 0, NULL, 2, 1e-12, 0, NULL, &c),
               KH_ERR_NUMERIC);
  cr_expect(strstr(kh_last_error(n.rig.ctx), "did not converge"));
  kh_layered_free(lay);
  free(cold), free(warm);
  kh_test_rig_close(&n.rig);
}

/* Parameters set on the handle equal parameters set on the circuit before detection. */
Test(layered, parameters_round_trip) {
  network n;
  open_network(&n, "5-9-3", 7, 0);
  kh_layered *lay;
  cr_assert_eq(kh_layered_new(n.rig.ctx, &lay, n.rig.c, KH_PRECISION_DOUBLE, 1), KH_OK);
  size_t P = kh_layered_param_count(lay);
  cr_assert_eq(P, kh_netlist_trainable_count(n.rig.nl));
  double *theta = malloc(P * sizeof *theta), *back = malloc(P * sizeof *back);
  kh_layered_get_params(lay, theta);
  for (size_t p = 0; p < P; p++) {
    size_t e = kh_netlist_trainable(n.rig.nl, p);
    double want = kh_netlist_element(n.rig.nl, e).kind == KH_RESISTOR
                      ? kh_circuit_conductance(n.rig.c, e)
                      : kh_circuit_source(n.rig.c, e);
    cr_expect_eq(theta[p], want, "parameter %zu", p);
    theta[p] *= 1.5;
  }
  cr_assert_eq(kh_layered_set_params(n.rig.ctx, lay, theta), KH_OK);
  kh_layered_get_params(lay, back);
  for (size_t p = 0; p < P; p++) cr_expect_eq(back[p], theta[p]);
  theta[0] = -1; /* a conductance */
  cr_expect_eq(kh_layered_set_params(n.rig.ctx, lay, theta), KH_ERR_INPUT);
  kh_layered_free(lay);
  free(theta), free(back);
  kh_test_rig_close(&n.rig);
}

static const char *refusal(const char *text) {
  static char message[1024];
  kh_test_rig r;
  kh_test_rig_open(&r, text, "native");
  kh_layered *lay = NULL;
  kh_status st = kh_layered_new(r.ctx, &lay, r.c, KH_PRECISION_DOUBLE, 4);
  cr_expect_eq(st, KH_ERR_INPUT);
  cr_expect_null(lay);
  snprintf(message, sizeof message, "%s", kh_last_error(r.ctx));
  kh_test_rig_close(&r);
  return message;
}

static char *with_line(const char *text, const char *line) { /* before .end */
  char *out = malloc(strlen(text) + strlen(line) + 2);
  const char *end = strstr(text, ".end");
  sprintf(out, "%.*s%s\n%s", (int)(end - text), text, line, end);
  return out;
}

Test(layered, refuses_what_is_not_layered_with_the_reason) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  char *text = kh_test_netgen(&o, "3-4-2");
  char *skip = with_line(text, "rskip x0p o1 1k");
  /* o1 is then one resistor from the inputs, and its other resistors join layers 1 and 1 */
  cr_expect(strstr(refusal(skip), "not layered: resistor r2_1_0 joins layers 1 and 1"), "%s",
            refusal(skip));
  char *within = with_line(text, "rside h1_0 h1_1 1k");
  cr_expect(strstr(refusal(within), "joins layers 1 and 1"), "%s", refusal(within));
  char *shockley = strdup(text);
  memcpy(strstr(shockley, "d(kh_ideal=1)"), "d(is=1u n=1) ", 13);
  cr_expect(strstr(refusal(shockley), "Shockley"));
  free(text), free(skip), free(within), free(shockley);

  o = (kh_netgen_options)KH_NETGEN_OPTIONS_INIT;
  o.differential_outputs = 1;
  text = kh_test_netgen(&o, "3-4-2");
  cr_expect(strstr(refusal(text), "differential outputs"));
  free(text);
  o = (kh_netgen_options)KH_NETGEN_OPTIONS_INIT;
  o.amp_gain[0] = 2;
  text = kh_test_netgen(&o, "3-4-2");
  cr_expect(strstr(refusal(text), "amplifiers"));
  free(text);
  cr_expect(strstr(refusal("t\nv1 a 0 1\nr1 a b 1\nr2 b 0 1\n"), "lacks"));
}

Test(layered, refuses_a_nudge_without_a_minimum) {
  network n;
  open_network(&n, "5-9-3", 4, 0);
  kh_layered *lay;
  cr_assert_eq(kh_layered_new(n.rig.ctx, &lay, n.rig.c, KH_PRECISION_DOUBLE, 1), KH_OK);
  double x[5] = {0.1, 0.2, 0.3, 0.4, 0.5}, y[3] = {1, 0, 0};
  cr_expect_eq(kh_layered_solve(n.rig.ctx, lay, 1, x, -1e3, y, 10, 0, 0, NULL, NULL),
               KH_ERR_NUMERIC);
  cr_expect(strstr(kh_last_error(n.rig.ctx), "no minimum"));
  x[2] = NAN;
  cr_expect_eq(kh_layered_solve(n.rig.ctx, lay, 1, x, 0, NULL, 10, 0, 0, NULL, NULL), KH_ERR_INPUT);
  kh_layered_free(lay);
  kh_test_rig_close(&n.rig);
}
