/* Crossbar layout with wire resistance (kirchhoff net --wire-resistance): the same devices as
 * the ideal network, wires that vanish as their resistance does, IR drop that ngspice sees too. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kh_netlist *crossbar(double wire) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  o.seed = 3, o.wire_resistance = wire;
  char *text = kh_test_netgen(&o, "3-4-2");
  char *driven = kh_test_drive_inputs(text, 3);
  kh_netlist *net = kh_test_parse(driven);
  free(text), free(driven);
  return net;
}

Test(crossbar, wires_add_nodes_not_devices) {
  kh_netlist *ideal = crossbar(0), *xbar = crossbar(1);
  cr_expect_eq(kh_netlist_trainable_count(ideal), kh_netlist_trainable_count(xbar));
  cr_expect_gt(kh_netlist_node_count(xbar), kh_netlist_node_count(ideal) + 2 * 6 * 4);
  kh_netlist_free(ideal), kh_netlist_free(xbar);
}

Test(crossbar, vanishing_wires_give_the_ideal_network_and_real_ones_drop) {
  kh_netlist *ideal = crossbar(0), *tiny = crossbar(1e-9), *real = crossbar(20);
  double *vi = kh_test_solve(ideal, "native"), *vt = kh_test_solve(tiny, "native"),
         *vr = kh_test_solve(real, "native"), *ng = kh_test_solve(real, "ngspice");
  double d_tiny = 0, d_real = 0, d_ng = 0;
  for (int j = 0; j < 2; j++) {
    char name[8];
    snprintf(name, sizeof name, "o%d", j);
    double a = kh_test_node(ideal, vi, name);
    d_tiny = fmax(d_tiny, fabs(kh_test_node(tiny, vt, name) - a));
    d_real = fmax(d_real, fabs(kh_test_node(real, vr, name) - a));
    d_ng = fmax(d_ng, fabs(kh_test_node(real, ng, name) - kh_test_node(real, vr, name)));
  }
  cr_log_info("outputs vs ideal wires: 1e-9 ohm %.2e V, 20 ohm %.2e V; 20 ohm vs ngspice %.2e V",
              d_tiny, d_real, d_ng);
  cr_expect(d_tiny < 1e-6, "vanishing wires moved the outputs by %.3g V", d_tiny);
  cr_expect(d_real > 1e-4, "20 ohm wires should drop voltage (moved %.3g V)", d_real);
  cr_expect(d_ng < 5e-3, "ngspice differs by %.3g V", d_ng);
  free(vi), free(vt), free(vr), free(ng);
  kh_netlist_free(ideal), kh_netlist_free(tiny), kh_netlist_free(real);
}
