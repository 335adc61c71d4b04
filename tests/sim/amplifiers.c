/* Bidirectional amplifiers (E + sensing V + F): a closed form, ngspice's answer on driven
 * layered networks (Shockley and ideal clamps), and the energy claim: the native solver, which
 * minimizes the weighted co-content, lands on the circuit's KCL solution. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 V -> 1 ohm -> a (1 ohm to ground) -> amplifier x2 -> 1 ohm -> o (1 ohm to ground).
 * v(p) = 2 v(a) pushes v(a) through 2 ohm, i = v(a); F draws i/2 from a:
 * (1 - v(a)) = v(a) + v(a)/2, so v(a) = 0.4, v(p) = 0.8, v(o) = 0.4. */
static const char *closed_form = "amplifier closed form\n"
                                 "v1 in 0 1\nr1 in a 1\nr2 a 0 1\n"
                                 "e1 p 0 a 0 2\nvs1 p q 0\nr3 q o 1\nr4 o 0 1\n"
                                 "f1 a 0 vs1 0.5\n";

Test(amplifiers, closed_form_native_and_ngspice) {
  kh_netlist *nl = kh_test_parse(closed_form);
  cr_assert_eq(kh_netlist_amplifier_count(nl), 1);
  const char *backends[] = {"native", "ngspice"};
  for (int b = 0; b < 2; b++) {
    double *v = kh_test_solve(nl, backends[b]);
    double tol = b ? 1e-9 : 1e-15;
    cr_expect(fabs(kh_test_node(nl, v, "a") - 0.4) <= tol, "%s: v(a) = %.17g", backends[b],
              kh_test_node(nl, v, "a"));
    cr_expect(fabs(kh_test_node(nl, v, "p") - 0.8) <= tol, "%s", backends[b]);
    cr_expect(fabs(kh_test_node(nl, v, "o") - 0.4) <= tol, "%s", backends[b]);
    free(v);
  }
  kh_netlist_free(nl);
}

/* A generated 3-layer network with amplifiers after both hidden layers, inputs driven; smooth
 * = 1 swaps the ideal clamps for Shockley diodes. */
static kh_netlist *amplified_network(uint64_t seed, int smooth) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  o.seed = seed, o.input_gain = 1;
  o.amp_gain[0] = 2.5, o.amp_gain[1] = 4;
  char *text = kh_test_netgen(&o, "5-7-6-3");
  char *driven = kh_test_drive_inputs(text, 1);
  free(text);
  text = driven;
  if (smooth) memcpy(strstr(text, "d(kh_ideal=1)"), "d(is=1u n=1) ", 13);
  kh_netlist *nl = kh_test_parse(text);
  free(text);
  return nl;
}

static double max_diff(const kh_netlist *nl, const double *a, const double *b) {
  double worst = 0;
  for (size_t i = 0; i < kh_netlist_node_count(nl); i++) worst = fmax(worst, fabs(a[i] - b[i]));
  return worst;
}

Test(amplifiers, layered_networks_agree_with_ngspice) {
  double worst_smooth = 0, worst_ideal = 0;
  for (uint64_t seed = 1; seed <= 4; seed++)
    for (int smooth = 0; smooth < 2; smooth++) {
      kh_netlist *nl = amplified_network(seed, smooth);
      cr_assert_eq(kh_netlist_amplifier_count(nl), 13);
      double *native = kh_test_solve(nl, "native"), *ng = kh_test_solve(nl, "ngspice");
      double d = max_diff(nl, native, ng);
      if (smooth)
        worst_smooth = fmax(worst_smooth, d);
      else
        worst_ideal = fmax(worst_ideal, d);
      free(native), free(ng);
      kh_netlist_free(nl);
    }
  cr_log_info("native vs ngspice with amplifiers: Shockley %.3g V, ideal (steep export) %.3g V",
              worst_smooth, worst_ideal);
  cr_expect(worst_smooth <= 1e-6, "Shockley networks differ by %.3g V", worst_smooth);
  /* the steep export's ~1 mV forward drop at a clamp is amplified by the gains behind it */
  cr_expect(worst_ideal <= 2e-3 * 2.5 * 4, "ideal-diode networks differ by %.3g V", worst_ideal);
}

static void expect_error(const char *text, const char *message) {
  const char *msg = kh_test_parse_error(text);
  cr_expect(strstr(msg, message), "'%s' not in: %s", message, msg);
}

/* Anything but an exact amplifier pair (a lone E, a wrong gain, a port off ground, a negative
 * gain, a sensing source that is not 0 V, a G) has no co-content: the co-content solver refuses
 * it by name, general Newton (kirchhoff op) solves it. A controlling name that is not a voltage
 * source stays a parse error. */
Test(amplifiers, anything_but_an_amplifier_pair_goes_to_general_newton) {
  static const char *const near_misses[] = {
      "t\nv1 a 0 1\nr1 a 0 1\ne1 p 0 a 0 2\nr2 p 0 1\n",
      "t\nv1 a 0 1\nr1 a 0 1\ne1 p 0 a 0 2\nvs p q 0\nr2 q 0 1\nf1 a 0 vs 0.4\n",
      "t\nv1 a 0 1\nr1 a b 1\nr3 b 0 1\ne1 p b a 0 2\nvs p q 0\nr2 q 0 1\nf1 a 0 vs 0.5\n",
      "t\nv1 a 0 1\nr1 a 0 1\ne1 p 0 a 0 -2\nvs p q 0\nr2 q 0 1\nf1 a 0 vs -0.5\n",
      "t\nv1 a 0 1\nr1 a 0 1\ne1 p 0 a 0 2\nvs p q 1\nr2 q 0 1\nf1 a 0 vs 0.5\n",
      "t\nv1 a 0 1\nr1 a 0 1\ng1 p 0 a 0 2\nr2 p 0 1\n"};
  kh_context *ctx;
  kh_context_new(&ctx);
  for (size_t k = 0; k < sizeof near_misses / sizeof near_misses[0]; k++) {
    kh_netlist *nl = kh_test_parse(near_misses[k]);
    kh_circuit *c = NULL;
    cr_expect_eq(kh_circuit_new(ctx, &c, nl), KH_ERR_INPUT, "%s", near_misses[k]);
    cr_expect(strstr(kh_last_error(ctx), "a controlled source, has no co-content"), "%s",
              kh_last_error(ctx));
    double v[8];
    kh_solve_stats stats;
    cr_expect_eq(kh_general_op(ctx, nl, NULL, NULL, v, NULL, &stats), KH_OK, "%s: %s",
                 near_misses[k], kh_last_error(ctx));
    kh_netlist_free(nl);
  }
  kh_context_free(ctx);
  expect_error("t\nv1 a 0 1\nr1 a 0 1\ne1 p 0 a 0 2\nvs p q 0\nr2 q 0 1\nf1 a 0 vx 0.5\n",
               "which is not a voltage source");
}

/* A resistor from the output side back to the input domain closes a loop of gain A^2 != 1. */
Test(amplifiers, feedback_around_an_amplifier_has_no_energy) {
  kh_test_rig r;
  kh_netlist *nl =
      kh_test_parse("t\nv1 in 0 1\nr1 in a 1\ne1 p 0 a 0 2\nvs p q 0\nr2 q a 1\nr3 q 0 1\n"
                    "f1 a 0 vs 0.5\n");
  kh_context_new(&r.ctx);
  kh_circuit *c = NULL;
  cr_expect_eq(kh_circuit_new(r.ctx, &c, nl), KH_ERR_INPUT);
  cr_expect(strstr(kh_last_error(r.ctx), "gains do not multiply to 1"), "%s", kh_last_error(r.ctx));
  kh_circuit_free(c);
  kh_context_free(r.ctx);
  kh_netlist_free(nl);
}
