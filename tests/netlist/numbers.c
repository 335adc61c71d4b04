/* Numbers with engineering suffixes and units, and .param expressions. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Value of the first element of a netlist that `fmt` (with one %s) describes. */
static double first_value(const char *fmt, const char *arg) {
  char text[512];
  snprintf(text, sizeof text, fmt, arg);
  kh_netlist *nl = kh_test_parse(text);
  double r = kh_netlist_element(nl, 0).value;
  kh_netlist_free(nl);
  return r;
}

static double resistance_of(const char *value) {
  return first_value("t\nr1 a 0 %s\nv1 a 0 1\n", value);
}

static void expect_close(double got, double want) {
  cr_assert(fabs(got - want) <= 1e-15 * fabs(want), "got %.17g, want %.17g", got, want);
}

Test(numbers, suffixes) {
  expect_close(resistance_of("1f"), 1e-15);
  expect_close(resistance_of("2p"), 2e-12);
  expect_close(resistance_of("3n"), 3e-9);
  expect_close(resistance_of("4u"), 4e-6);
  expect_close(resistance_of("5m"), 5e-3);
  expect_close(resistance_of("6k"), 6e3);
  expect_close(resistance_of("7meg"), 7e6);
  expect_close(resistance_of("8g"), 8e9);
  expect_close(resistance_of("9t"), 9e12);
  expect_close(resistance_of("1.5K"), 1.5e3);
  expect_close(resistance_of("2MEG"), 2e6);
}

Test(numbers, units_after_suffix) {
  expect_close(resistance_of("10kOhm"), 1e4);
  expect_close(resistance_of("10ohm"), 10);
  expect_close(resistance_of("1megohm"), 1e6);
  expect_close(resistance_of("3mV"), 3e-3);
  expect_close(resistance_of("2uA"), 2e-6);
  expect_close(resistance_of("4nF"), 4e-9);
  expect_close(resistance_of("5mH"), 5e-3);
  expect_close(resistance_of("6kS"), 6e3);
  expect_close(resistance_of("7MHz"), 7e-3); /* SPICE: M is milli, even before Hz */
  expect_close(resistance_of("8s"), 8);
}

/* The micro sign as LTspice writes it, micro in ngspice 39 too (measured); the Greek mu, which
 * ngspice reads as nothing (10 A for 10 uA), is refused. */
Test(numbers, micro_sign) {
  expect_close(resistance_of("10\xc2\xb5"), 1e-5);
  expect_close(resistance_of("10\xc2\xb5"
                             "F"),
               1e-5);
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 10\xce\xbc\nv1 a 0 1\n"),
                   "test.cir:2:10: the Greek letter mu, which ngspice 39 reads as nothing"));
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 10\xc2\xb5x\nv1 a 0 1\n"),
                   "test.cir:2:12: unknown suffix or unit"));
  /* Latin-1's micro sign (one byte, as LTspice IV writes it) too, and in names as well as
   * values: ngspice 39 reads either as u wherever it stands (measured: the node a\xb5 is au,
   * R\xb5 1 and Ru1 are one name twice), so a later column stays where it was */
  expect_close(resistance_of("10\xb5"), 1e-5);
  expect_close(resistance_of("2\xb5"
                             "F"),
               2e-6);
  kh_netlist *nl = kh_test_parse("t\nv1 a\xb5 0 1\nr1 au 0 1k\nr2 a\xc2\xb5 0 1k\n");
  cr_expect_eq(kh_netlist_node_count(nl), 2); /* ground and au */
  kh_netlist_free(nl);
  cr_assert(strstr(kh_test_parse_error("t\nv1 a 0 1\nr\xb5"
                                       "1 a 0 1k\nru1 a 0 1k\n"),
                   "test.cir:4:1: duplicate element name 'ru1'"));
  cr_assert(strstr(kh_test_parse_error("t\nv1 a\xc2\xb5 0 1 x\nr1 au 0 1k\n"),
                   "test.cir:2:12: unexpected 'x'"));
  /* any other byte that is not UTF-8 stops ngspice 39 at its line: refused at that byte (a
   * comment or the title may hold it) */
  cr_assert(strstr(kh_test_parse_error("t 25\xb0"
                                       "C\nv1 a 0 1 ; 25\xb0"
                                       "C\nr1 a b\xb0 1k\n"),
                   "test.cir:3:7: byte 0xB0 is not UTF-8"));
  /* and every byte of any other character is '_' there: a\xce\xb5 (a epsilon) is a__ */
  nl = kh_test_parse("t\nv1 a\xce\xb5 0 1\nr1 a__ 0 1k\nr2 \xe2\x82\xac 0 1k\nv2 ___ 0 1\n");
  cr_expect_eq(kh_netlist_node_count(nl), 3); /* ground, a__ and ___ */
  kh_netlist_free(nl);
  kh_netlist_free(kh_test_parse("t\n.title 25\xb0"
                                "C\nv1 a 0 1\nr1 a 0 1k\n")); /* nor does ngspice check .title */
}

Test(numbers, exponents_and_signs) {
  expect_close(resistance_of("1e3"), 1e3);
  expect_close(resistance_of("1.5e-3k"), 1.5);
  expect_close(resistance_of("+.5"), 0.5);
  expect_close(resistance_of("2.E2"), 200);
}

/* Unit words ngspice reads and ignores, and its mil (25.4 um): 10ohms is 10 in both. */
Test(numbers, unit_words_and_mil) {
  expect_close(resistance_of("10ohms"), 10);
  expect_close(resistance_of("2kohms"), 2e3);
  expect_close(resistance_of("5volts"), 5);
  expect_close(resistance_of("2amps"), 2);
  expect_close(resistance_of("3msecs"), 3e-3);
  expect_close(resistance_of("100mil"), 2.54e-3);
  expect_close(resistance_of("10R"), 10); /* the European label; ngspice: 10 */
  expect_close(resistance_of("4.7kr"), 4.7e3);
}

Test(numbers, letters_that_are_not_suffixes_are_errors) {
  cr_assert_str_eq(kh_test_parse_error("t\nr1 a 0 1.5mk\n"),
                   "test.cir:2:12: unknown suffix or unit (suffixes: f p n u m k meg g t; units: "
                   "V A Ohm R F H S Hz s W C) in '1.5mk'");
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 1x\n"), "test.cir:2:9:"));
  cr_assert(
      strstr(kh_test_parse_error("t\nr1 a 0 1k5\n"),
             "test.cir:2:10: resistor-code notation (4k7 for 4.7k): ngspice 39 drops the digits"));
  cr_assert(
      strstr(kh_test_parse_error("t\nr1 a 0 4R7\n"),
             "test.cir:2:10: resistor-code notation (4k7 for 4.7k): ngspice 39 drops the digits"));
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 1.5.\n"), "unexpected characters"));
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 0x10\n"), "test.cir:2:9:"));
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 1e999\n"), "out of range"));
}

static double param(const char *expr) {
  return first_value("t\n.param a=2 b=3 c={a*b}\nr1 x 0 {%s}\nv1 x 0 1\n", expr);
}

Test(expressions, arithmetic) {
  expect_close(param("1+2*3"), 7);
  expect_close(param("(1+2)*3"), 9);
  /* powers chain left to right, and an exponent's sign binds to it alone, as ngspice 39 reads
   * them (measured; until 2026-12-05 kirchhoff read 2^3^2 as 512) */
  expect_close(param("2^3^2"), 64);
  expect_close(param("4^0.5^2"), 4);
  expect_close(param("2^-1^2"), 0.25);
  expect_close(param("100-2^3**2"), 36);
  expect_close(param("2**10"), 1024);
  expect_close(param("-2^2+10"), 6);
  expect_close(param("c/a+b"), 6);
  expect_close(param("1--3"), 4);
  /* '%' is fmod, as * and / bind (ngspice 39: 7%4*2 = 6, -7%2 = -1, 7%-2 = 1) */
  expect_close(param("7%4*2"), 6);
  expect_close(param("10-7%2"), 9);
  expect_close(param("7%-2"), 1);
  expect_close(param("-7%2+2"), 1);
  /* two signs in a row ngspice reads its own way (2*--3 = -6): refused */
  cr_expect(strstr(kh_test_parse_error("t\nr1 x 0 {2*--3}\nv1 x 0 1\n"), "two signs in a row"));
  expect_close(param("1k/4"), 250);
  expect_close(param("10/4/5"), 0.5);
  expect_close(param("a - b + c"), 5);
}

/* A resistance {expr} (with a = 2) refused with `why` in the message. */
static void expect_refused(const char *expr, const char *why) {
  char deck[160];
  snprintf(deck, sizeof deck, "t\n.param a=2\nr1 x 0 {%s}\nv1 x 0 1\n", expr);
  cr_expect(strstr(kh_test_parse_error(deck), why), "%s", expr);
}

/* A '-' right after an operator negates the next number written at its level, as ngspice 39's
 * numparam reads it (each value measured there with a = 2, b = 3); where no number follows,
 * ngspice stops ("wrongly determined negation"), and a '+' there is its "Misplaced operator".
 * '^' is |x|^y. Until 2026-12-06 kirchhoff read these as signs: 1+-a*sqrt(4)+3 was 1. */
Test(expressions, negation_after_an_operator) {
  expect_close(param("1+-a*sqrt(4)+3+10"), 12); /* 1 + 2*2 - 3 + 10: the 3 negated */
  expect_close(param("1*-2^2"), 4);
  expect_close(param("2^-a*3+20"), 8);  /* 2^2 * -3 + 20 */
  expect_close(param("3*-(2)+4"), 2);   /* 3*2 - 4 */
  expect_close(param("1 ? -a : 3"), 2); /* the 3 is negated, a is not */
  expect_close(param("(-2)^3"), 8);
  expect_close(param("1*-a*-2*4+20"), 4); /* 1*2*(-2)*4 + 20 */
  expect_close(param("max(3,-a)"), 3);    /* an argument's start is not after an operator */
  const char *stops[] = {"1+-a", "1*-sqrt(4)", "2^-a", "1+-(2)", "(1>-a)+1", "0 ? 3 : -a"};
  for (size_t k = 0; k < sizeof stops / sizeof *stops; k++)
    expect_refused(stops[k], "wrongly determined negation");
  cr_expect(strstr(kh_test_parse_error("t\nr1 x 0 {2*+3}\nv1 x 0 1\n"), "Misplaced operator"));
}

/* Comparisons chain left to right at one level, `<>` is `!=` (ngspice 39's numparam, measured). */
Test(expressions, comparisons_chain) {
  expect_close(param("(0==1<2)+1"), 2);
  expect_close(param("(3<2<1)+1"), 2);
  expect_close(param("(1<=1<=0)+1"), 1);
  expect_close(param("(2<>3)+(2<>2)+1"), 2);
  expect_close(param("(a==2==1)+1"), 2);
}

/* ngspice's random functions: kept where an exact 0 multiplies them (PDK mismatch terms behind
 * a switch that is 0), refused where the value depends on the draw. */
Test(expressions, random_draws_switched_off) {
  expect_close(param("1k + 0*agauss(0, 1, 1)"), 1000);
  expect_close(param("1k + agauss(5, 1, 3)*(a-2)*7"), 1000);
  expect_close(param("1k*(1 + (b-3)*gauss(0, 0.1, 3)) + 0*aunif(1, 2) + unif(1, 2)*0"), 1000);
  expect_close(param("(a-2) ? agauss(0, 1, 1) : 5"), 5); /* the branch not taken */
  const char *drawn[] = {"1k + agauss(0, 1, 1)", "1k*(1 + a*gauss(0, 0.1, 3))",
                         "a ? limit(1, 2) : 5", "1k + 0*agauss(0, 1, 1) + aunif(1, 2)"};
  for (size_t k = 0; k < sizeof drawn / sizeof *drawn; k++)
    expect_refused(drawn[k], "depends on the random draw");
  cr_expect(strstr(kh_test_parse_error("t\nr1 x 0 {0*agauss(0,1,1,1)}\nv1 x 0 1\n"),
                   "one to three arguments"));
  /* a parameter may hold a draw (gf180mcu's mis_vth=agauss(0,var_vth,1)): kept where an exact 0
   * multiplies it, refused at the value that reads it otherwise, and in a B source */
  expect_close(first_value("t\n.param sw=0 d=agauss(0,1,1)\nr1 x 0 {1k + d*sw}\nv1 x 0 1\n", ""),
               1000);
  expect_close(first_value("t\n.param d=agauss(0,1,1) e={2*d}\nr1 x 0 {1k + 0*e}\nv1 x 0 1\n", ""),
               1000);
  cr_expect(strstr(kh_test_parse_error("t\n.param d=gauss(1,1,1)\nr1 x 0 {1k + d}\nv1 x 0 1\n"),
                   "test.cir:3:14: the value depends on 'd', which holds a random draw"));
  cr_expect(strstr(kh_test_parse_error("t\n.param d=unif(1,1)\nb1 x 0 v=d\nr1 x 0 1k\n"),
                   "'d' is a random draw"));
  cr_expect(strstr(kh_test_parse_error("t\n.model dm d is={1e-14 + agauss(0,1e-15,1)}\n"
                                       "d1 x 0 dm\nv1 x 0 1\n"),
                   "random draw of 'agauss'"));
}

Test(expressions, bare_parameter_as_value) {
  kh_netlist *nl = kh_test_parse("t\n.param r0=1.5k\nr1 x 0 r0\nv1 x 0 1\n");
  expect_close(kh_netlist_element(nl, 0).value, 1500);
  kh_netlist_free(nl);
}

Test(expressions, errors_point_into_the_expression) {
  cr_assert_str_eq(kh_test_parse_error("t\nr1 x 0 {1/(2-2)}\n"), "test.cir:2:10: division by zero");
  cr_assert_str_eq(kh_test_parse_error("t\nr1 x 0 {2*nope}\n"),
                   "test.cir:2:11: unknown parameter 'nope'");
  cr_assert_str_eq(kh_test_parse_error("t\nr1 x 0 {(1+2}\n"), "test.cir:2:13: expected ')'");
  cr_assert(strstr(kh_test_parse_error("t\nr1 x 0 {sqrt(2, 3)}\n"), "takes 1 argument, got 2"));
  cr_assert(strstr(kh_test_parse_error("t\nr1 x 0 {10^400}\n"), "not a finite"));
}

Test(expressions, deep_nesting_is_refused_not_crashed) {
  size_t depth = 5000;
  char *text = malloc(2 * depth + 64);
  size_t n = (size_t)sprintf(text, "t\nr1 x 0 {");
  for (size_t i = 0; i < depth; i++) text[n++] = '(';
  text[n++] = '1';
  for (size_t i = 0; i < depth; i++) text[n++] = ')';
  sprintf(text + n, "}\n");
  cr_assert(strstr(kh_test_parse_error(text), "nested too deeply"));
  free(text);
}

/* ngspice's functions, with the values ngspice 39 gives for the same .param lines. */
Test(expressions, ngspice_functions) {
  expect_close(param("log(100)"), 4.605170185988092);
  expect_close(param("ln(100)"), 4.605170185988092);
  expect_close(param("log10(100)"), 2);
  expect_close(param("int(-2.7)+10"), 8);
  expect_close(param("nint(2.5)"), 2);
  expect_close(param("nint(-2.5)+10"), 8);
  expect_close(param("floor(-2.5)+10"), 7);
  expect_close(param("ceil(2.2)"), 3);
  expect_close(param("sgn(-3)+10"), 9);
  expect_close(param("pwr(-2,3)"), 8);
  expect_close(param("pow(-2,3)+10"), 2);
  expect_close(param("sqrt(16)*abs(-1)"), 4);
  expect_close(param("min(a,b)+max(a,b)"), 5);
  expect_close(param("ternary_fcn(1,2,3)"), 2);
  expect_close(param("exp(1)"), 2.718281828459045);
  expect_close(param("atan(1)*4"), 3.141592653589793);
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 {foo(1)}\nv1 a 0 1\n"),
                   "test.cir:2:9: unknown function 'foo'"));
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 {min(1)}\nv1 a 0 1\n"),
                   "'min' takes 2 arguments, got 1"));
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 {sqrt(-1)}\nv1 a 0 1\n"), "not a finite number"));
}

/* 'expr' is {expr}, as ngspice reads it. */
Test(expressions, quoted_expressions) {
  expect_close(first_value("t\n.param r0=1k r2='2*r0'\nr1 x 0 'r2+1'\nv1 x 0 1\n", ""), 2001);
  cr_assert(strstr(kh_test_parse_error("t\nr1 a 0 '2*3\nv1 a 0 1\n"),
                   "test.cir:2:8: quote is never closed"));
}

/* .func: user functions of their parameters and the global ones, calling each other (ngspice
 * 39 gives v(b) = 2 for the deck below). */
Test(expressions, user_functions) {
  kh_netlist *nl = kh_test_parse("t\n.param k=2\n.func sq(x) {x*x}\n.func hyp(a, b) = "
                                 "'sqrt(sq(a)+sq(b))'\n.func scaled(x) {k*x}\n"
                                 ".param r0={hyp(3,4)*200}\nv1 a 0 {sq(2)}\nr1 a b r0\n"
                                 "r2 b 0 {hyp(600, 800)}\nr3 b 0 {scaled(k)}\n");
  cr_expect_float_eq(kh_netlist_element(nl, 0).value, 4, 0);
  cr_expect_float_eq(kh_netlist_element(nl, 1).value, 1000, 1e-12);
  cr_expect_float_eq(kh_netlist_element(nl, 2).value, 1000, 1e-12);
  cr_expect_float_eq(kh_netlist_element(nl, 3).value, 4, 0);
  kh_netlist_free(nl);
  cr_assert(strstr(kh_test_parse_error("t\n.func f(x) {x+y}\nr1 a 0 {f(1)}\nv1 a 0 1\n"),
                   "test.cir:3:9: in its body: unknown parameter 'y'"));
  cr_assert(strstr(kh_test_parse_error("t\n.func f(x) {x}\nr1 a 0 {f(1, 2)}\nv1 a 0 1\n"),
                   "function takes 1 argument, got 2"));
  cr_assert(
      strstr(kh_test_parse_error("t\n.func f(x) {f(x)}\nr1 a 0 {f(1)}\nv1 a 0 1\n"), "too deeply"));
  cr_assert(strstr(kh_test_parse_error("t\n.func f(x) {x}\n.func f(y) {y}\nr1 a 0 1\n"),
                   "test.cir:3:7: function 'f' is defined twice"));
  /* a .func below the .param, .model and element that call it, as ngspice reads them; a name
   * that is no function anywhere is still refused where it is called */
  nl = kh_test_parse("t\n.param r0={tenfold(100)}\n.model dm d(is={tenfold(1e-15)})\n"
                     "v1 a 0 1\nr1 a b r0\nd1 b 0 dm\nr2 b 0 {tenfold(3)}\n"
                     ".func tenfold(x) {10*x}\n");
  cr_expect_float_eq(kh_netlist_element(nl, 1).value, 1000, 1e-12);
  cr_expect_float_eq(kh_netlist_element(nl, 3).value, 30, 1e-12);
  kh_netlist_free(nl);
  cr_assert(strstr(kh_test_parse_error("t\n.param a={nofunc(1)}\nr1 x 0 a\nv1 x 0 1\n"),
                   "test.cir:2:11: unknown function 'nofunc'"));
  /* a parameter defined again: the last definition where nothing read the first (ngspice
   * gives every use the last one), refused where a card did and the value changes */
  cr_expect_float_eq(first_value("t\n.param r=1k\n.param r=%s\nr1 x 0 r\nv1 x 0 1\n", "2k"), 2000,
                     0);
  cr_assert(strstr(kh_test_parse_error("t\n.param r=1k\nr1 x 0 r\n.param r=2k\nv1 x 0 1\n"),
                   "test.cir:4:8: parameter 'r' is defined again, to another value"));
  cr_assert(strstr(kh_test_parse_error("t\n.param a=1\n.param a={a+1}\nr1 x 0 {a}\nv1 x 0 1\n"),
                   "test.cir:3:8: parameter 'a' is defined again"));
  /* a function of no parameters, called f() (ngspice 39: 6 here, which its resistor reads from
   * numparam's text " 6.000000000000000e+00" as 6.000000000000001: measured @r1[resistance]) */
  cr_expect_float_eq(first_value("t\n.param a=2\n.func f() {a*3}\nr1 x 0 {%s}\nv1 x 0 1\n", "f()"),
                     6.000000000000001, 0);
  cr_assert(strstr(kh_test_parse_error("t\n.func f(x) {x}\nr1 a 0 {f()}\nv1 a 0 1\n"),
                   "function takes 1 argument, got 0"));
}

/* A .param value written as one word that starts with a number and goes on as an expression
 * (`.param w_p = 3*w_min`, as HSPICE-style decks write it) is that expression, as ngspice's
 * numparam reads it (measured: 3*b with b=2 gives 6, beside another assignment too); a word that
 * is no number and no expression stays refused. */
Test(numbers, param_word_that_is_an_expression) {
  kh_netlist *nl =
      kh_test_parse("t\n.param w_min = 0.2u\n.param w_p = 3*w_min\n"
                    ".param b=2\n.param a=3*b c=5\n.param e=-2*b+1\n"
                    "r1 n 0 {w_p*1e9}\nr2 n 0 {a}\nr3 n 0 {c}\nr4 n 0 {-e}\nv1 n 0 1\n");
  /* each as ngspice's resistor reads numparam's % 23.15e text of it (INPevaluate: 6 and 3 come
   * out one unit in the last place above, 5 exact) */
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r1")).value, 600, 1e-9);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r2")).value, 6.000000000000001, 0);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r3")).value, 5, 0);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r4")).value, 3.0000000000000004,
                     0);
  kh_netlist_free(nl);
  cr_expect(strstr(kh_test_parse_error("t\n.param a=3*\nr1 n 0 {a}\nv1 n 0 1\n"), "test.cir:2:"));
}

/* Device values as ngspice 39's device parser reads them: a number's text by INPevaluate, a
 * braced value from numparam's "% 23.15e" text of it. Truth: ngspice 39's own readings of this
 * deck, `print @rN[resistance]` under `set numdgt=17` (measured 2026-12-07). */
Test(numbers, device_values_are_read_as_ngspice_reads_them) {
  static const struct {
    const char *text;
    double ngspice;
  } cases[] = {{"0.3", 3.00000000000000044e-01},    {"{0.3}", 2.99999999999999989e-01},
               {"{a*3}", 6.00000000000000089e+00},  {"1.1k", 1.10000000000000000e+03},
               {"4.7u", 4.69999999999999989e-06},   {"2.2meg", 2.20000000000000000e+06},
               {"0.15", 1.49999999999999994e-01},   {"1.5mil", 3.80999999999999977e-05},
               {"1.2e-3", 1.20000000000000011e-03}, {"later", 7.00000000000000089e+00},
               {"3.3", 3.30000000000000027e+00},    {"{3.3}", 3.30000000000000027e+00},
               {"1.7", 1.70000000000000018e+00}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[128];
    snprintf(deck, sizeof deck, "t\n.param a=2 later=7\nr1 x 0 %s\nv1 x 0 1\n", cases[k].text);
    kh_netlist *nl = kh_test_parse(deck);
    double got = kh_netlist_element(nl, 0).value;
    cr_expect(got == cases[k].ngspice, "%s: %.17e, ngspice %.17e", cases[k].text, got,
              cases[k].ngspice);
    kh_netlist_free(nl);
  }
  /* a .param keeps numparam's own reading (correctly rounded): 0.3 is 0.3 until a device reads it
   * back, and an X line's value is numparam's too */
  kh_netlist *nl = kh_test_parse("t\n.subckt s a b r=1\nr1 a b {r*10}\n.ends\nx1 x 0 s r=0.03\n"
                                 "v1 x 0 1\n");
  cr_expect(kh_netlist_element(nl, 0).value == 0.3, "%.17e", kh_netlist_element(nl, 0).value);
  kh_netlist_free(nl);
  /* an X line's m reaches its elements through the m={m} ngspice appends to them: ngspice's own
   * @r.x1.r1[m] is 3.00000000000000044 for m=3 and 0.666666666666666630 for m={2/3} */
  nl = kh_test_parse("t\n.subckt s a b\nr1 a b 1k\n.ends\nx1 x 0 s m=3\nx2 x 0 s m={2/3}\n"
                     "v1 x 0 1\n");
  const double ngspice_m[] = {3.00000000000000044e+00, 6.66666666666666630e-01};
  for (size_t k = 0; k < 2; k++)
    cr_expect(kh_netlist_element(nl, k).value == 1e3 / ngspice_m[k], "x%zu: %.17e", k + 1,
              kh_netlist_element(nl, k).value);
  kh_netlist_free(nl);
}

/* The writer gives each device value a text ngspice's reader takes back to the same double
 * (netlist/lexer.c: kh_format_inp), so a written deck means in ngspice what it meant in memory:
 * read back by kirchhoff (which reads as ngspice does), a value that came from a short decimal
 * comes back exactly, and of random doubles all but about 1 % do (the rest within 2 ulps). */
static double written_and_read(kh_context *ctx, const char *value, double *in_memory) {
  char deck[160], *text = NULL;
  snprintf(deck, sizeof deck, "t\n.param p=%s\nr1 x 0 {p}\nv1 x 0 1\n", value);
  kh_netlist *nl = kh_test_parse(deck);
  *in_memory = kh_netlist_element(nl, 0).value;
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &text), KH_OK);
  kh_netlist *back = kh_test_parse(text);
  double got = kh_netlist_element(back, 0).value;
  free(text);
  kh_netlist_free(back), kh_netlist_free(nl);
  return got;
}

Test(numbers, written_values_read_back_as_themselves) {
  kh_context *ctx;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  uint64_t state = 12345;
  size_t missed = 0, total = 0;
  for (int range = -15; range <= 12; range += 3)
    for (int k = 0; k < 200; k++, total++) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      double u = (double)(state >> 11) / 9007199254740992.0, x = (1 + 9 * u) * pow(10, range);
      char text[2][32];
      snprintf(text[0], sizeof text[0], "%.17g", x);
      snprintf(text[1], sizeof text[1], "%.12g", x);
      double y, got = written_and_read(ctx, text[1], &y);
      cr_expect(got == y, "%s: %.17g read back as %.17g", text[1], y, got);
      got = written_and_read(ctx, text[0], &y);
      missed += got != y;
      cr_expect(fabs(got - y) <= 4.5e-16 * fabs(y), "%.17g read back as %.17g", y, got);
    }
  cr_expect(missed <= total / 50, "%zu of %zu random doubles not read back", missed, total);
  kh_context_free(ctx);
}
