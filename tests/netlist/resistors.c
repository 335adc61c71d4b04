/* Resistors as ngspice 39 reads them: instance words, R models, temperature coefficients, and
 * the 1 mOhm it takes where it finds no resistance. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Resistor instance words and R models at .temp 40, each resistance as ngspice 39 reports it
 * (1/i(v1) with 1 V across): tc1/tc2/tce with the instance over the model, temp=/dtemp=, m= and
 * scale=, words without DC effect, and the 1 mOhm it takes where it finds no resistance. */
Test(structure, resistor_words_and_models_as_ngspice_reads_them) {
  static const kh_test_value_case cases[] = {
      {"1k", 1000},
      {"r=1k", 1000},
      {"1k tc1=0.01", 1130},
      {"1k tc1=0.01 tc2=1e-4", 1146.9},
      {"1k m=2", 500},
      {"1k scale=3", 3000},
      {"1k temp=50 tc1=0.01", 1230},
      {"1k dtemp=10 tc1=0.01", 1230},
      {"1k ac=2k noisy=0 w=1u l=2u", 1000},
      {"1k rmod", 1200},
      {"rmod 1k", 1200},
      {"1k rmod2", 1000},
      {"1k tce=1", 1138.0932804338456},
      {"1k tc1=0.01 m=2 scale=3", 1695},
      {"1k tce=1 tc1=0.01", 1138.0932804338456},
      {"1k rmod tc1=0.02", 1400},
      {"1k rmod3", 1066.8145482854181},
      {"1k rmod4", 1000},
      /* ngspice 39's 1 mOhm: a value of 0, a model R at or below it, none */
      {"0", 1e-3},
      {"r=0 m=2", 5e-4},
      {"0 tc1=0.01", 1.13e-3},
      {"rmod5", 1e-3},
      {"rmod", 1.2e-3},
      {"tc1=0.01", 1.13e-3},
      /* tc= with tc2 after it, as ngspice 39 reads `tc=a b` and `tc=a, b` */
      {"1k tc=0.001 0.0002", 1046.8},
      {"1k tc=0.001, 0.0002", 1046.8}};
  kh_test_expect_values("t\n.model rmod r(tc1=0.01 tnom=20)\n.model rmod2 r(rsh=10)\n"
                        ".model rmod3 r(tc2=1e-4 tce=0.5)\n.model rmod4 r(r=5k)\n.model rmod5 "
                        "r(r=0.5m)\n.temp 40\nv1 a 0 1\n",
                        "r1", cases, sizeof cases / sizeof cases[0]);
  /* unknown words, and what ngspice 39 refuses ("unknown parameter"): tc=a,b and tc=a , b, and a
   * model name or a value after the words */
  static const kh_test_error_case errors[] = {
      {"t\nv1 a 0 1\nr1 a 0 1k foo=2\n", "test.cir:3:11: unknown resistor parameter 'foo'"},
      {"t\n.model rx r(xyz=1)\nv1 a 0 1\nr1 a 0 1k rx\n",
       "test.cir:2:13: resistor model parameter 'xyz' is not supported"},
      {"t\nv1 a 0 1\nr1 a 0 1k 2k\n", "test.cir:3:11: unexpected '2k' after the resistance"},
      {"t\nv1 a 0 1\nr1 a 0 1k tc=1m,2u\n", "test.cir:3:17: unexpected '2u' after the resistance"},
      {"t\nv1 a 0 1\nr1 a 0 1k tc=1m , 2u\n",
       "test.cir:3:19: unexpected '2u' after the resistance"},
      {"t\n.model rm r\nv1 a 0 1\nr1 a 0 1k tc=1m rm\n",
       "test.cir:4:17: model name after the resistor's words"},
      {"t\nv1 a 0 1\nr1 a 0 m=2 1k\n", "test.cir:3:12: '1k' after the resistor's words"},
  };
  kh_test_parse_errors(errors, sizeof errors / sizeof *errors);
}

/* A resistor whose value reads temper (in its text, or through a .param or a .func) is the B
 * source ngspice 39 makes of it: i = m v / (expr (1 + tc1 d + tc2 d^2)), d = T - 27 C, the first
 * tc1=, tc2= and m= kept and every other word dropped (measured on ngspice 39: scale=, dtemp=,
 * temp= and the model's tc1 change nothing). At .temp 40, d = 13. A resistor read with its words
 * gives 3000, 1230, 1000 (tc1 from T = 27 is 0), 1130 and 1500 for the first five. */
Test(structure, resistor_reading_temper_keeps_only_tc1_tc2_and_m) {
  static const kh_test_value_case cases[] = {
      {"{1k*temper/40}", 1000},
      {"{1k*temper/40} scale=3", 1000},
      {"{1k*temper/40} dtemp=10 tc1=0.01", 1130},
      {"{1k*temper/40} temp=27 tc1=0.01", 1130},
      {"rmod r={1k*temper/40}", 1000},
      {"rmod r={1k*temper/40} m=2", 500},
      {"{rt} scale=3", 1000},
      {"{rr} scale=3", 2000},
      {"{rf(2)} scale=3", 1000},
      {"{1k*temper/40} tc1=0.01 tc1=0.5 tc2=1e-4 m=2 m=4", 573.45},
      {"{rn} scale=3", 3000}};
  kh_test_expect_values("t\n.model rmod r(tc1=0.01 tnom=20)\n.temp 40\n.param rt='1k*temper/40' "
                        "rn=1k\n.param rr='rt*2'\n.func rf(x) 'x*500*temper/40'\nv1 a 0 1\n",
                        "r1", cases, sizeof cases / sizeof cases[0]);
}

/* A resistor's temperature factor rounded as restemp.c nests it, (tc2 dT + tc1) dT + 1 (a
 * capacitor's captemp.c sums 1 + tc1 dT + tc2 dT^2): at 50 C, tc=0.001 0.0001, 1 kohm is
 * 1075.9000000000001 where the sum gives 1075.8999999999999, and ngspice's v(b) of this divider
 * (numdgt=17) is 0.481718772580567445, which the sum missed by an ulp. */
Test(structure, resistor_temperature_factor_rounds_as_ngspice) {
  kh_netlist *nl = kh_test_parse("t\nv1 a 0 1\nr1 a b 1k tc=0.001 0.0001\nr2 b 0 1k\n.temp 50\n");
  cr_expect(kh_netlist_element(nl, 1).value == 1.07590000000000009e+03, "%.17e",
            kh_netlist_element(nl, 1).value);
  kh_netlist_free(nl);
}
