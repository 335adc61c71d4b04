/* Capacitors and inductors as ngspice 39 reads them: a value, a C or L model (its CAP or IND, or
 * its geometry), instance words, temperature coefficients. At DC a capacitor is open and an
 * inductor a short; their values are what kirchhoff writes back and what the oscillating
 * nudge's node dynamics use. */
#include "../support/support.h"

#include <criterion/criterion.h>

/* At .temp 50 with .options scale=0.5 (it scales an instance's l and w), each capacitance as
 * ngspice 39 reports it (@c1[capacitance], which includes m): the instance's tc1/tc2 over the
 * model's, dT from the model's TNOM (else 27 C) to temp= or the circuit's plus dtemp=; the
 * geometry CJ (l - SHORT)(w - NARROW) + CJSW 2 ((l - SHORT) + (w - NARROW)) where no value is
 * given (l 0 and w the model's DEFW where not given, SHORT and NARROW 2 DEL, CJ from THICK and
 * DI); a card's dtemp= and scale= as every instance's default. */
Test(structure, capacitor_words_and_models_as_ngspice_reads_them) {
  static const kh_test_value_case cases[] = {{"1p", 1e-12},
                                             {"c=1p m=2", 2e-12},
                                             {"1p tc1=1e-2", 1.23e-12},
                                             {"1p tc1=1e-2 temp=37", 1.1e-12},
                                             {"1p tc1=1e-2 tc2=1e-4 dtemp=-3", 1.24e-12},
                                             {"cap=3p tc2=1e-4 temp=17", 3.03e-12},
                                             {"1p ic=2 bv_max=5", 1e-12},
                                             {"cm", 1.03125e-12},
                                             {"cm dtemp=10", 1.04725e-12},
                                             {"cm 2p", 2.0625e-12},
                                             {"cm tc1=0", 1.00625e-12},
                                             {"cm m=2 scale=3", 6.1875e-12},
                                             {"cg l=10u w=5u", 2.524e-14},
                                             {"cg l=10u", 3.544e-14},
                                             {"ct l=1u w=2u", 4.382822969722e-15},
                                             {"cd", 5.12e-12},
                                             {"cd dtemp=0", 4.92e-12},
                                             {"cd temp=30", 4.12e-12},
                                             {"l=1u w=1u", 0}};
  kh_test_expect_values("t\n.temp 50\n.options scale=0.5\n"
                        ".model cm c(cap=1p tc1=1e-3 tc2=1e-5 tnom=25)\n"
                        ".model cg c(cj=1e-3 cjsw=1e-9 del=1e-7 defw=4u)\n"
                        ".model ct c(thick=1e-8 di=10 narrow=1e-8)\n"
                        ".model cd c(cap=2p tc1=1e-2 dtemp=5 scale=2)\nv1 a 0 1\n",
                        "c1", cases, sizeof cases / sizeof cases[0]);
  /* what ngspice 39 refuses ("unknown parameter": a model name after the value, a word it does
   * not know), what it ignores with a warning and kirchhoff refuses (a model word it does not
   * know), and what it drops without a word (m on the card) */
  static const kh_test_error_case errors[] = {
      {"t\n.model cm c(cap=1p)\nv1 a 0 1\nc1 a 0 1p cm\n",
       "test.cir:4:11: model name 'cm' after the capacitance"},
      {"t\nv1 a 0 1\nc1 a 0 1p foo=2\n", "test.cir:3:11: unknown capacitor parameter 'foo'"},
      {"t\n.model cm c(cap=1p tref=25)\nv1 a 0 1\nc1 a 0 cm\n",
       "test.cir:2:20: capacitor model parameter 'tref' is not supported"},
      {"t\n.model cm c(cap=1p m=2)\nv1 a 0 1\nc1 a 0 cm\n", "test.cir:2:20: m on a .model card"},
      {"t\n.model cm r(r=1k)\nv1 a 0 1\nc1 a 0 cm\n", "test.cir:4:8: model 'cm' is of type 'r'"},
      {"t\nv1 a 0 1\nc1 a 0 -1p\n", "test.cir:3:8: capacitance must not be negative"},
      {"t\n.model cm c(cap=-1p)\nv1 a 0 1\nc1 a 0 cm\n",
       "test.cir:4:1: 'c1': capacitance must not be negative"},
      {"t\n.model cm c(cj=1 narrow=3u)\nv1 a 0 1\nc1 a 0 cm l=1u w=1u\n",
       "test.cir:4:1: capacitor 'c1' is -"},
  };
  kh_test_parse_errors(errors, sizeof errors / sizeof *errors);
}

/* At .temp 50, each inductance as ngspice 39 reports it (@l1[inductance], which leaves m out:
 * kirchhoff's element is the whole one, L / m, as its last case): the instance's tc1/tc2 over
 * the model's; one turn's inductance MU mu0 CSECT / LENGTH (CSECT from DIA) times Lundin's
 * correction (1 for a coil under 1 um), times the instance's nt^2 where given, else the model's
 * IND, else its NT^2; a card's dtemp= and scale= as every instance's default. */
Test(structure, inductor_words_and_models_as_ngspice_reads_them) {
  static const kh_test_value_case cases[] = {{"1u", 1e-6},
                                             {"l=3u", 3e-6},
                                             {"inductance=2u tc1=1e-2", 2.46e-6},
                                             {"1u tc1=1e-2 temp=37", 1.1e-6},
                                             {"lm", 1.03125e-6},
                                             {"lm dtemp=10", 1.04725e-6},
                                             {"lm 2u", 2.0625e-6},
                                             {"lm tc1=0", 1.00625e-6},
                                             {"lm temp=37 scale=3", 3.04032e-6},
                                             {"lg", 2.078381755377e-06},
                                             {"lg nt=3", 7.482174319359e-07},
                                             {"ld", 1.087113307513e-07},
                                             {"ls", 2.010619298297e-02},
                                             {"lk", 2e-6},
                                             {"lk nt=2", 4.793811708621e-09},
                                             {"lx", 2.52e-6},
                                             {"lx dtemp=0", 2.46e-6},
                                             {"nt=2", 0},
                                             {"lm m=4", 1.03125e-6 / 4}};
  kh_test_expect_values("t\n.temp 50\n.model lm l(ind=1u tc1=1e-3 tc2=1e-5 tnom=25)\n"
                        ".model lg l(length=1e-2 csect=1e-4 mu=10 nt=5)\n"
                        ".model ld l(length=1e-2 dia=1e-2 nt=4)\n"
                        ".model ls l(length=1e-7 csect=1e-4 nt=4)\n"
                        ".model lk l(length=1e-1 csect=1e-4 nt=4 ind=2u)\n"
                        ".model lx l(ind=1u scale=2 dtemp=3 tc1=0.01)\nv1 a 0 1\n",
                        "l1", cases, sizeof cases / sizeof cases[0]);
  /* what ngspice 39 refuses ("unknown parameter": a model name after the value, l= after the
   * model, a word it does not know), and what it ignores with a warning (a model word) */
  static const kh_test_error_case errors[] = {
      {"t\n.model lm l(ind=1u)\nv1 a 0 1\nl1 a 0 1u lm\n",
       "test.cir:4:11: model name 'lm' after the inductance"},
      {"t\n.model lm l(ind=1u)\nv1 a 0 1\nl1 a 0 lm l=5u\n",
       "test.cir:4:11: unknown inductor parameter 'l'"},
      {"t\nv1 a 0 1\nl1 a 0 1u w=2\n", "test.cir:3:11: unknown inductor parameter 'w'"},
      {"t\n.model lm l(ind=1u mu0=2)\nv1 a 0 1\nl1 a 0 lm\n",
       "test.cir:2:20: inductor model parameter 'mu0' is not supported"},
      {"t\n.model lm c(cap=1p)\nv1 a 0 1\nl1 a 0 lm\n",
       "test.cir:4:8: model 'lm' is of type 'c', an inductor needs type 'l'"},
  };
  kh_test_parse_errors(errors, sizeof errors / sizeof *errors);
}
