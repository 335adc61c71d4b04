/* Voltage-controlled switches (netlist/switch.c, sim/general/general_switch.c): ngspice 39's SW
 * model checked here in closed form (a divider through RON or ROFF), and against ngspice reading
 * the same files in the compatibility corpus (tests/data/compat/switch_*.cir). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* v(a) of 5 V through 1 kOhm into a switch to ground of resistance r */
static double divider(double r) {
  return 5 * r / (1e3 + r);
}

static double solve_a(const char *deck) {
  return kh_test_general_node(deck, "a");
}

/* On above VT + VH, off below VT - VH; between, the state the card gives (off unless `on`),
 * since ngspice keeps it until its first Newton converges and then finds it consistent. */
Test(switch, states_and_hysteresis_in_closed_form) {
  static const struct {
    double control;
    const char *card;
    double ohms;
  } cases[] = {{3, "", 10},      {1, " on", 1e6}, {2.2, "", 1e6},
               {2.2, " on", 10}, {2.5, "", 1e6},  {1.5, " on", 10}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[256];
    snprintf(deck, sizeof deck,
             "t\nv1 v 0 5\nr1 v a 1k\ns1 a 0 c 0 sm%s\nvc c 0 %g\n"
             ".model sm sw(vt=2 vh=0.5 ron=10 roff=1meg)\n",
             cases[k].card, cases[k].control);
    double a = solve_a(deck), want = divider(cases[k].ohms);
    cr_expect(fabs(a - want) <= 1e-15 * want, "control %g%s: v(a) = %.17g, want %.17g",
              cases[k].control, cases[k].card, a, want);
  }
}

/* The defaults: VT = 0, VH = 0, RON = 1, ROFF = 1/GMIN; a control exactly at VT turns it on. */
Test(switch, defaults_and_a_control_exactly_at_vt) {
  double on = solve_a("t\nv1 v 0 5\nr1 v a 1k\ns1 a 0 0 0 sd\n.model sd sw\n");
  cr_expect(fabs(on - divider(1)) <= 1e-15, "v(a) = %.17g", on);
  double off = solve_a("t\nv1 v 0 5\nr1 v a 1k\ns1 a 0 0 c sd\nvc c 0 1m\n.model sd sw\n");
  cr_expect(fabs(off - divider(1e12)) <= 1e-15 * 5, "v(a) = %.17g", off);
}

/* A switch that closes on its own voltage: both states are operating points, and the card
 * chooses, as in ngspice (ON: 5 10k/(10k + 10k||1k); off: 2.5 V less ROFF's pull). */
Test(switch, a_latch_stays_in_the_state_its_card_gives) {
  const char *deck = "t\nvdd vdd 0 5\nr1 vdd a 10k\nr2 a 0 10k\ns1 vdd a a 0 sl%s\n"
                     ".model sl sw(vt=2.2 vh=0.5 ron=1k roff=10meg)\n";
  char text[256];
  snprintf(text, sizeof text, deck, " on");
  double on = solve_a(text), parallel = 1 / (1 / 10e3 + 1 / 1e3);
  cr_expect(fabs(on - 5 * 10e3 / (10e3 + parallel)) <= 1e-14, "on: %.17g", on);
  snprintf(text, sizeof text, deck, "");
  double off = solve_a(text), up = 1 / (1 / 10e3 + 1 / 10e6);
  cr_expect(fabs(off - 5 * 10e3 / (10e3 + up)) <= 1e-14, "off: %.17g", off);
}

/* A W switch: the current through its source against IT and IH; inside the band it is off
 * even where the card says on (ngspice 39's cswload.c at DC, measured). */
Test(switch, current_controlled_in_closed_form) {
  static const struct {
    const char *amps, *card;
    double ohms;
  } cases[] = {{"3m", "", 10}, {"1m", " on", 1e6}, {"2m", " on", 1e6}, {"2.5m", "", 1e6}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[256];
    snprintf(deck, sizeof deck,
             "t\nv1 v 0 5\nr1 v a 1k\nw1 a 0 vs wm%s\ni1 0 c %s\nvs c 0 0\n"
             ".model wm csw(it=2m ih=0.5m ron=10 roff=1meg)\n",
             cases[k].card, cases[k].amps);
    double a = solve_a(deck), want = divider(cases[k].ohms);
    cr_expect(fabs(a - want) <= 1e-15 * want, "%s%s: v(a) = %.17g, want %.17g", cases[k].amps,
              cases[k].card, a, want);
  }
  double at = solve_a("t\nv1 v 0 5\nr1 v a 1k\nw1 a 0 vs wm\ni1 0 c 2m\nvs c 0 0\n"
                      ".model wm csw(it=2m ron=10 roff=1meg)\n");
  cr_expect(fabs(at - divider(10)) <= 1e-15, "at IT exactly: %.17g", at);
}

Test(switch, written_back_and_for_ngspice) {
  const char *deck = "t\nvdd vdd 0 5\nr1 vdd a 10k\nr2 a 0 10k\ns1 vdd a a 0 sl on\n"
                     "s2 vdd b a 0 sl\nr3 b 0 1k\n.model sl sw(vt=2.2 vh=0.5 ron=1k roff=10meg)\n";
  char *text = kh_test_written_back(deck);
  cr_expect(strstr(text, "\ns1 vdd a a 0 sl on\n") && strstr(text, "\ns2 vdd b a 0 sl\n"), "%s",
            text);
  free(text);
  cr_assert_leq(kh_test_general_vs_ngspice(deck, 1e-9), 1e-9);
}

Test(switch, circuits_without_a_co_content_and_bad_cards) {
  kh_test_no_co_content("t\nv1 a 0 1\ns1 a 0 a 0 sm\n.model sm sw\n",
                        "test.cir:3:1: switch 's1' has no co-content");
  /* a W switch's controlling name must be a voltage source (checked where it is solved) */
  kh_test_general_fails("t\nv1 a 0 1\nr1 a 0 1k\nw1 a 0 r1 wm\n.model wm csw\n", KH_ERR_INPUT,
                        "test.cir:4:1: W switch 'w1': its controlling name");
  static const kh_test_error_case cases[] = {
      {"t\n.model sm sw\ns1 a 0 c\n", "test.cir:3:8: 's1' needs two nodes, two control nodes"},
      {"t\n.model sm sw\ns1 a 0 c 0 sx\n", "test.cir:3:12: unknown model 'sx'"},
      {"t\n.model sm d\ns1 a 0 c 0 sm\n", "test.cir:3:12: model 'sm' is of type 'd', a switch"},
      {"t\n.model sm sw\ns1 a 0 c 0 sm maybe\n", "test.cir:3:15: unexpected 'maybe'"},
      {"t\n.model sm sw(ron=0)\ns1 a 0 c 0 sm\n", "test.cir:3:12: model 'sm': ron must be"},
      {"t\n.model sm sw(it=1)\ns1 a 0 c 0 sm\n", "test.cir:2:14: unknown SW model parameter"},
      {"t\n.model wm csw(vt=1)\nw1 a 0 vs wm\n", "test.cir:2:15: unknown CSW model parameter"},
      {"t\n.model sm sw\nw1 a 0 vs sm\n", "test.cir:3:11: model 'sm' is of type 'sw', a W switch"},
  };
  kh_test_parse_errors(cases, sizeof cases / sizeof *cases);
}
