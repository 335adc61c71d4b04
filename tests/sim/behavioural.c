/* B sources (netlist/behavioural.c, netlist/expression.c, sim/general/general_behavioural.c):
 * ngspice 39's grammar and functions checked on constants whose values are known by hand,
 * Newton's answers in closed form, every derivative against central differences, and against
 * ngspice reading the same files in the compatibility corpus (tests/data/compat/behavioural_*). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* v(k) of `bk k 0 v=<expr>` loaded by 1 ohm. */
static double value_of(const char *expr) {
  char deck[512];
  snprintf(deck, sizeof deck, "t\n.func sq(x) {x*x}\n.func twice(y) {2*y}\nbk k 0 v=%s\nrk k 0 1\n",
           expr);
  return kh_test_general_node(deck, "k");
}

/* What ngspice 39 gives for each (measured with `print` at numdgt=17). */
Test(behavioural, grammar_and_functions_as_ngspice_reads_them) {
  static const struct {
    const char *expr;
    double want;
  } cases[] = {
      {"2^3^2", 64}, /* ^ is left-associative */
      {"-2^2", -4},  /* and binds tighter than a sign */
      {"2**3", 8},
      {"2*3+4*5", 26},
      {"(-8)^(1/3)", 2}, /* |a|^b */
      {"pow(-2, 3)", 8},
      {"pwr(-2, 3)", -8},
      {"1 ? 2 : 3 ? 4 : 5", 2},
      {"0 ? 2 : 0 ? 4 : 5", 5}, /* ?: groups to the right */
      {"u(0) + u(-1) + u(2)", 1.5},
      {"uramp(-1) + uramp(2) + u2(0.5)", 2.5},
      {"nint(2.5) + nint(-2.5) + nint(3.5)", 4},
      {"ceil(-2.5) + 10*floor(-2.5)", -32},
      {"3 > 2 && 2 > 1", 1},
      {"1 <> 1", 0},
      {"!0 + !5", 1},
      {"1 == 1 || 0", 1},
      {"min(1, 2) + max(1, 2) + abs(-3) + sgn(-3)", 5},
      {"log(e) + ln(e) + log10(1k)", 5}, /* log is the natural logarithm */
      {"1m*1meg + 2.5e-1", 1000.25},
      {"1.23456789016", 1.2345678902}, /* a written number keeps 11 digits */
      {"time + hertz", 0},
      {"temper", 27},
      {"pwl(3/2, 0, 0, 1, 1, 2, 4) + pwl(-2, 0, 0, 1, -1)", 4.5}, /* ends extend */
      {"{2*3} + 1", 7},
      {"twice(sq(3)) + sq(2)", 22}, /* .func, as ngspice expands it into the text */
      {"exp(300) * 1e-90", 1e9},    /* PTexp: 1e99 past an argument of 227.9559242 */
      {"exp(227) * 1e-98", 3.84456662996605436},
      {"ln(0) * 1e-90 + log10(0) * 1e-91", -1.1e9}, /* PTln, PTlog10: -1e99 at 0 */
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    double got = value_of(cases[k].expr);
    cr_expect(fabs(got - cases[k].want) <= 1e-15 * fmax(1, fabs(cases[k].want)),
              "%s = %.17g, want %.17g", cases[k].expr, got, cases[k].want);
  }
}

/* A current source feeding a resistor with what it reads: v exp(v) = 1 at 1 mA exp(-v) into
 * 1 kOhm, so v = W(1), the omega constant; a square law, a difference, currents read, and a
 * resistance that reads a voltage. */
Test(behavioural, a_self_consistent_current_in_closed_form) {
  kh_netlist *nl = kh_test_parse("t\nb1 0 x i=1m*exp(-v(x))\nr1 x 0 1k\n"
                                 "v2 a 0 2\nb2 0 o i=v(a)*v(a)*1m\nr2 o 0 1k\n"
                                 "b3 p 0 v=2*v(a, o) + 1\nr3 p 0 1\n"
                                 "r4 a s 1k\nvs s 0 0\nb4 t 0 v=2k*i(vs) + i(v2)\nr5 t 0 1\n"
                                 "r6 a y 1k\nr7 y 0 '500*v(a)'\n");
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double x = kh_test_node(nl, v, "x"), o = kh_test_node(nl, v, "o"), p = kh_test_node(nl, v, "p"),
         t = kh_test_node(nl, v, "t");
  /* i(vs) = 2 mA; i(v2) = -3 mA: v2 supplies r4 (2 mA) and r6 with r7 (1 mA), b2 only reads it */
  cr_expect(fabs(t - (4 - 3e-3)) <= 1e-14, "v(t) = %.17g", t);
  /* a resistance that reads the solution (ngspice's B source i = v(y, 0) / (500 v(a))): 1k */
  double y = kh_test_node(nl, v, "y");
  cr_expect(fabs(y - 1) <= 1e-15, "v(y) = %.17g", y);
  cr_expect(fabs(x - 0.56714329040978387) <= 1e-15, "v(x) = %.17g", x);
  cr_expect(fabs(o - 4) <= 1e-14, "v(o) = %.17g", o);
  cr_expect(fabs(p - (2 * (2 - o) + 1)) <= 1e-14, "v(p) = %.17g", p);
  free(v);
  kh_netlist_free(nl);
}

/* kh_expression_eval's gradient against central differences of its value. */
Test(behavioural, derivatives_match_central_differences) {
  kh_netlist *nl = kh_test_parse(
      "t\nb1 y 0 v=tanh(v(a)*v(b)) + v(a)/(v(b)+3) + pwr(v(a), 2.5) + v(b)^v(a)"
      " + sqrt(v(a)^2 + 1) * atan(v(b)) + min(v(a), v(b)) + (v(a) > 0 ? exp(v(b)) : 0)\n"
      "ry y 0 1\nva a 0 1\nvb b 0 1\n");
  static const double points[][2] = {{0.7, 1.3}, {-0.4, 0.9}, {1.9, -0.6}};
  kh_test_expect_gradient(nl, "b1", "a", points, 3);
  kh_netlist_free(nl);
}

/* An E TABLE's curve (points (-1, -3) (0, 1) (2, 5) (2.5, 4)) in closed form: its ends held,
 * its segments straight, and around each point, within a tenth of the shorter segment beside
 * it, the parabola meeting both segments with their slopes: at the point itself y + (s2 - s1)
 * d / 4 (s1, s2 the slopes, d that tenth), which is what ngspice 39 prints there. And the value
 * and slope continuous across every boundary of those pieces. */
Test(behavioural, table_curve_in_closed_form) {
  kh_netlist *nl = kh_test_parse(
      "t\nva a 0 1\ne1 o 0 table {v(a)} = (-1, -3) (0, 1) (2, 5) (2.5, 4)\nro o 0 1\n");
  size_t curve = 0;
  while (curve < kh_netlist_element_count(nl) &&
         strcmp(kh_netlist_element(nl, curve).name, "ae1") != 0)
    curve++;
  const kh_expression *x = kh_netlist_expression(nl, curve);
  cr_assert(x && kh_expression_input_count(x) == 1, "the curve ae1 of v(e1_int2)");
  double *scratch = malloc(kh_expression_scratch(x) * sizeof *scratch);
  static const struct {
    double in, want, slope;
  } cases[] = {
      {-7, -3, 0},                       /* held below the first point */
      {-1, -3 + (4 - 0) * 0.1 / 4, 2},   /* the first point's corner: 0 to 4, d = 0.1 */
      {-0.5, -1, 4},                     /* on the first segment */
      {0, 1 + (2 - 4) * 0.1 / 4, 3},     /* shorter segment beside 0: 1, d = 0.1 */
      {2, 5 + (-2 - 2) * 0.05 / 4, 0},   /* beside 2 the shorter is 0.5: d = 0.05 */
      {2.5, 4 + (0 + 2) * 0.05 / 4, -1}, /* the last point's corner: -2 to 0 */
      {9, 4, 0},                         /* held above the last point */
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    double f, d, in = cases[k].in;
    cr_assert_eq(kh_expression_eval(x, &in, 1e-12, &f, &d, scratch, NULL), 0);
    cr_expect(fabs(f - cases[k].want) <= 1e-14 && fabs(d - cases[k].slope) <= 1e-12,
              "at %g: %.17g (slope %.17g), want %.17g (%.17g)", in, f, d, cases[k].want,
              cases[k].slope);
  }
  static const double edges[] = {-1.5, -1.1, -0.9, -0.5, -0.1, 0.1, 1,
                                 1.9,  2.1,  2.25, 2.45, 2.55, 2.75};
  for (size_t k = 0; k < sizeof edges / sizeof *edges; k++) {
    double below = edges[k] * (1 - 1e-12) - 1e-13, above = edges[k] * (1 + 1e-12) + 1e-13;
    double f0, f1, d0, d1;
    kh_expression_eval(x, &below, 1e-12, &f0, &d0, scratch, NULL);
    kh_expression_eval(x, &above, 1e-12, &f1, &d1, scratch, NULL);
    cr_expect(fabs(f1 - f0) <= 1e-10 && fabs(d1 - d0) <= 1e-8, "jump at %g: %g, slope %g", edges[k],
              f1 - f0, d1 - d0);
  }
  free(scratch);
  kh_netlist_free(nl);
  /* and the circuit: v(a) = 1 lies on the segment from 0 to 2 */
  cr_expect(fabs(kh_test_general_node("t\nva a 0 1\ne1 o 0 table {v(a)} = (-1, -3) (0, 1) (2, 5)"
                                      "\nro o 0 1\n",
                                      "o") -
                 3) <= 1e-12);
}

/* An XSPICE limit instance in closed form: cm_limit's out = gain (in + in_offset) held in
 * [lower, upper], and within r of a limit the parabola with slope 0 and 1 at its ends, lower +
 * (out - lower + r)^2 / 4r and upper - (upper + r - out)^2 / 4r. The model: 2 (in + 0.5) held
 * in [-1, 3], r = 0.4. */
static double limit_closed_form(double in) {
  double out = 2 * (in + 0.5), r = 0.4;
  if (out <= -1 - r) return -1;
  if (out < -1 + r) return -1 + (out + 1 + r) * (out + 1 + r) / (4 * r);
  if (out <= 3 - r) return out;
  if (out < 3 + r) return 3 - (3 + r - out) * (3 + r - out) / (4 * r);
  return 3;
}

Test(behavioural, xspice_limit_in_closed_form) {
  /* held, at and inside both roundings, linear */
  static const double ins[] = {-3, -1.2000001, -1.1, -1, -0.9, -0.8, 0, 1.15, 1.2, 1.25, 2};
  for (size_t k = 0; k < sizeof ins / sizeof *ins; k++) {
    char deck[256];
    snprintf(deck, sizeof deck,
             "t\nv1 a 0 %.17g\na1 a o lim\nro o 0 1k\n.model lim limit(in_offset=0.5 gain=2 "
             "out_lower_limit=-1 out_upper_limit=3 limit_range=0.4)\n",
             ins[k]);
    double o = kh_test_general_node(deck, "o"), want = limit_closed_form(ins[k]);
    cr_expect(fabs(o - want) <= 1e-14, "at %g: %.17g, want %.17g", ins[k], o, want);
  }
  /* at the limits themselves, limit -+ r / 4 */
  cr_expect(fabs(limit_closed_form(-1) - (-1 + 0.1)) <= 1e-15);
  cr_expect(fabs(limit_closed_form(1) - (3 - 0.1)) <= 1e-15);
}

/* An XSPICE divide instance in closed form: 1 V over a denominator D limited as cm_divide limits
 * it, L = 0.4, d = 0.2: D in [0, 0.2] held at L, in (0.2, 0.6) L + (D - L + d)^2 / 4d; D in
 * (-0.2, 0) held at -L, in (-0.6, -0.2) -L + (D + L + d)^2 / 4d (cfunc.mod's negative side,
 * slopes 0 to 1 again: it jumps at -0.2 and -0.6); D itself beyond. */
static double divide_closed_form(double D) {
  double L = 0.4, d = 0.2, limited = D;
  if (D >= 0 && D < L + d) limited = D > L - d ? L + (D - L + d) * (D - L + d) / (4 * d) : L;
  if (D < 0 && D > -(L + d)) limited = D < -(L - d) ? -L + (D + L + d) * (D + L + d) / (4 * d) : -L;
  return 1 / limited;
}

Test(behavioural, xspice_divide_in_closed_form) {
  static const double dens[] = {-2, -0.7, -0.5, -0.3, -0.1, 0, 0.1, 0.3, 0.5, 0.7, 2};
  for (size_t k = 0; k < sizeof dens / sizeof *dens; k++) {
    char deck[256];
    snprintf(deck, sizeof deck,
             "t\nv1 a 0 1\nv2 b 0 %.17g\na1 a b o dv\nro o 0 1k\n.model dv divide("
             "den_lower_limit=0.4 den_domain=0.2)\n",
             dens[k]);
    double o = kh_test_general_node(deck, "o"), want = divide_closed_form(dens[k]);
    cr_expect(fabs(o - want) <= 1e-13 * fabs(want), "at %g: %.17g, want %.17g", dens[k], o, want);
  }
  /* the negative side's jumps, as ngspice has them: at -0.6 and -0.2 the limited value leaps */
  cr_expect(fabs(divide_closed_form(-0.6 + 1e-9) - 1 / -0.4) <= 1e-6);
  cr_expect(fabs(divide_closed_form(-0.2 - 1e-9) - 1 / -0.2) <= 1e-6);
}

/* XSPICE sidiode's current at port voltage v as ngspice 39's cm_sidiode gives it, for the
 * model below (ron 2, roff 1e4, rrev 4, vfwd 0.5, vrev 3, epsilon 0.2, revepsilon 0.4,
 * ilimit 0.3): off slope between -3 and 0.5; quadratic from 0.5 to 0.7 (from the off slope to
 * the on one); tanh toward 0.3 A above 0.7; quadratic from -3 down to -3.4 (the off slope to
 * the breakdown one); below -3.4 the line from -3 with slope 1/rrev (no revilimit: the current
 * jumps there, as cfunc.mod has it). */
static double sidiode_closed_form(double v) {
  double goff = 1e-4, gon = 0.5, grev = 0.25;
  if (v < -3.4) return -3 * goff + (v + 3) * grev;
  if (v < -3) return 0.5 * (v + 3) * (v + 3) * (goff - grev) / 0.4 + v * goff;
  if (v < 0.5) return v * goff;
  if (v < 0.7) return 0.5 * (v - 0.5) * (v - 0.5) * (gon - goff) / 0.2 + v * goff;
  double at = 0.7 * goff + 0.5 * 0.2 * 0.2 * (gon - goff) / 0.2;
  return (0.3 - at) * tanh(gon / 0.3 * (v - 0.7)) + at;
}

Test(behavioural, xspice_sidiode_in_closed_form) {
  /* every region, their edges, and both sides of the reverse jump; the current read by a CCVS
   * of 1 V/A on a 0 V source in series */
  static const double vs[] = {-5, -3.4000001, -3.4, -3.2, -3, -1, 0, 0.5, 0.6, 0.7, 0.75, 1, 3};
  for (size_t k = 0; k < sizeof vs / sizeof *vs; k++) {
    char deck[320];
    snprintf(deck, sizeof deck,
             "t\nv1 a 0 %.17g\na1 a b sd\nvm b 0 0\nh1 o 0 vm 1\nro o 0 1k\n.model sd sidiode("
             "ron=2 roff=1e4 rrev=4 vfwd=0.5 vrev=3 epsilon=0.2 revepsilon=0.4 ilimit=0.3)\n",
             vs[k]);
    double i = kh_test_general_node(deck, "o"), want = sidiode_closed_form(vs[k]);
    cr_expect(fabs(i - want) <= 1e-14 + 1e-13 * fabs(want), "at %g V: %.17g A, want %.17g", vs[k],
              i, want);
  }
  /* the jump: just below -3.4 V the line from -3, -0.1 A; just above it the parabola, -0.05 A */
  cr_expect(fabs(sidiode_closed_form(-3.4 - 1e-12) + 0.1003) <= 1e-9);
  cr_expect(fabs(sidiode_closed_form(-3.4 + 1e-12) + 0.05032) <= 1e-9);
}

/* XSPICE zener's current at v as cm_zener gives it (vt 0.026 V): with three segments (v23 < v12)
 * the forward exponential above v12 = n vt ln(n vt / 10), the line of slope i_sat / 10 through
 * it down to v23 = -vbd + ln(10 / (i_sat rbd)) / k, k = 1 / (ibd rbd), and below the reverse
 * exponential -1e-6 e^(-k (v - v0)) + c, v0 = -vbd + ln(ibd / 1e-6) / k, c matching the line at
 * v23; else two exponentials meeting at 0, the shallower side given the difference of slopes;
 * plus i_rev / vbd in parallel. */
static double zener_closed_form(double v, double vbd, double ibd, double rbd, double irev,
                                double isat, double n) {
  double vt = 0.026, k = 1 / (ibd * rbd), v12 = n * vt * log(n * vt / 10);
  double v23 = -vbd + log(10 / (isat * rbd)) / k, i;
  if (v23 < v12) {
    double v0 = -vbd + log(ibd / 1e-6) / k, a = isat / 10;
    double b = isat * (exp(v12 / (n * vt)) - 1) - a * v12;
    double c = a * v23 + b + 1e-6 * exp(-k * (v23 - v0));
    i = v >= v12   ? isat * (exp(v / (n * vt)) - 1)
        : v >= v23 ? a * v + b
                   : c - 1e-6 * exp(-k * (v - v0));
  } else {
    double i0 = ibd / (exp(k * vbd) - 1), s1 = isat / (n * vt), s2 = i0 * k;
    i = v >= 0 ? isat * (exp(v / (n * vt)) - 1) + fmax(s2 - s1, 0) * v
               : -i0 * (exp(-k * v) - 1) + fmax(s1 - s2, 0) * v;
  }
  return i + irev / vbd * v;
}

Test(behavioural, xspice_zener_in_closed_form) {
  static const double vs[] = {-6, -5.2, -5, -4.6, -3, -1, -0.2, 0, 0.3, 0.6, 0.75};
  static const double low[] = {-2, -0.6, -0.1, 0, 0.1, 0.5, 0.8};
  for (size_t k = 0; k < sizeof vs / sizeof *vs + sizeof low / sizeof *low; k++) {
    int three = k < sizeof vs / sizeof *vs;
    double v = three ? vs[k] : low[k - sizeof vs / sizeof *vs];
    char deck[320];
    snprintf(deck, sizeof deck,
             "t\nv1 a 0 %.17g\na1 a b z\nvm b 0 0\nh1 o 0 vm 1\nro o 0 1k\n.model z zener(%s)\n", v,
             three ? "v_breakdown=5.1 i_breakdown=20m r_breakdown=10 i_rev=5u i_sat=1e-14 "
                     "n_forward=1.2"
                   : "v_breakdown=0.5 i_breakdown=1m r_breakdown=100 i_rev=1n i_sat=1e-14 "
                     "n_forward=1.5");
    double i = kh_test_general_node(deck, "o");
    double want = three ? zener_closed_form(v, 5.1, 20e-3, 10, 5e-6, 1e-14, 1.2)
                        : zener_closed_form(v, 0.5, 1e-3, 100, 1e-9, 1e-14, 1.5);
    cr_expect(fabs(i - want) <= 1e-15 + 1e-12 * fabs(want), "at %g V (%s): %.17g A, want %.17g", v,
              three ? "three segments" : "two", i, want);
  }
}

/* XSPICE potentiometers: 10 V on R0, the wiper loaded by 5k and R1 by 1k, on linear and
 * logarithmic tapers (r_lower = position r, or r / 10^(position log_multiplier); r_upper = r -
 * r_lower) and a position past the end (held at 1), against the two nodes' equations solved by
 * hand: the wiper's KCL with R1 = w rb / (rb + r_upper) gives w (1/rl + 1/(rb + r_upper) +
 * 1/r_lower) = 10 / r_lower. The card is written back as given. */
Test(behavioural, xspice_potentiometer_in_closed_form) {
  static const struct {
    const char *words;
    double r, position, log_multiplier; /* log_multiplier 0: a linear taper */
  } cases[] = {{"", 1e5, 0.5, 0},
               {"r=10k position=0.3", 1e4, 0.3, 0},
               {"r=50k position=0.7 log=true", 5e4, 0.7, 1},
               {"r=1meg position=0.25 log=1 log_multiplier=2", 1e6, 0.25, 2},
               {"r=2k position=1.2 log=true", 2e3, 1, 1}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[320];
    snprintf(deck, sizeof deck,
             "t\nv1 a 0 10\na1 a w b p\n.model p potentiometer(%s)\nrl w 0 5k\nrb b 0 1k\n",
             cases[k].words);
    double m = cases[k].log_multiplier, r = cases[k].r, x = cases[k].position;
    double lower = m ? r / pow(10, x * m) : x * r, upper = r - lower, rl = 5e3, rb = 1e3;
    double w = 10 / lower / (1 / rl + 1 / (rb + upper) + 1 / lower), b = w * rb / (rb + upper);
    kh_netlist *nl = kh_test_parse(deck);
    double *v = kh_test_solve(nl, "native");
    cr_expect(fabs(kh_test_node(nl, v, "w") - w) <= 1e-12 * w, "%s: w %.17g, want %.17g",
              cases[k].words, kh_test_node(nl, v, "w"), w);
    cr_expect(fabs(kh_test_node(nl, v, "b") - b) <= 1e-12 * b, "%s: b %.17g, want %.17g",
              cases[k].words, kh_test_node(nl, v, "b"), b);
    free(v);
    kh_netlist_free(nl);
    char *text = kh_test_written_back(deck);
    cr_expect(strstr(text, "\na1 a w b p\n") && strstr(text, ".model p potentiometer("),
              "%s: written back as\n%s", cases[k].words, text);
    free(text);
  }
}

/* XSPICE int and d_dt at DC: out_ic and 0 whatever the input (2 V here), held in the limits:
 * inside them as they are; 12 above an upper limit of 5 at 5; 5 within 0.2 of an upper limit
 * of 4.9 on cm_smooth_corner's parabola from slope 1 to 0 through (4.9 +- 0.2): a = -1.25, b =
 * 12.75, c = -27.6125, so 4.8875; d_dt's 0 within 0.1 of a lower limit of -0.05: a = 2.5, b =
 * 0.75, c = 0.00625, so 0.00625 (each to its parabola's round-off). Each card is written back
 * as its A card. */
Test(behavioural, xspice_int_and_d_dt_at_dc) {
  static const struct {
    const char *model;
    double want;
  } cases[] = {{"int(out_ic=0.7 gain=2 in_offset=0.1 out_lower_limit=-10 out_upper_limit=10)", 0.7},
               {"int(out_ic=12 out_lower_limit=-5 out_upper_limit=5)", 5},
               {"int(out_ic=5 out_lower_limit=-1 out_upper_limit=4.9 limit_range=0.2)", 4.8875},
               {"d_dt(gain=3 out_offset=0.25 out_lower_limit=-10 out_upper_limit=10)", 0},
               {"d_dt(out_lower_limit=-0.05 out_upper_limit=3 limit_range=0.1)", 0.00625}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[320];
    snprintf(deck, sizeof deck, "t\nv1 a 0 2\na1 a o m\n.model m %s\nro o 0 1k\n", cases[k].model);
    double o = kh_test_general_node(deck, "o");
    cr_expect(fabs(o - cases[k].want) <= 1e-14, "%s: %.17g, want %.17g", cases[k].model, o,
              cases[k].want);
    char *text = kh_test_written_back(deck);
    cr_expect(strstr(text, "\na1 %v(a) %vd(o 0) m\n") != NULL, "%s: written back as\n%s",
              cases[k].model, text);
    free(text);
  }
}

/* x (1 + rl / r(x)) = veq for x = veq - v(o) in [0, d), r(x) the parabola of
 * cm_smooth_discontinuity from (0, (rk + rs) / 2) to (d, rs), by bisection. */
static double ilimit_drop(double veq, double rl, double rs, double rk, double d) {
  double slope = 2 * (rs - rk) / (2 * d), a = -slope / (2 * d), b = -2 * a * d,
         c = rs - a * d * d - b * d, lo = 0, hi = d;
  for (int k = 0; k < 200; k++) {
    double x = (lo + hi) / 2, f = x * (1 + rl / (a * x * x + b * x + c)) - veq;
    *(f < 0 ? &lo : &hi) = x;
  }
  return (lo + hi) / 2;
}

/* XSPICE ilimit with NULL supplies (+-1e6 V) into a load rl: below its limit v(o) = veq rl / (rl
 * + r_out), veq = gain (in + in_offset); past it v(o) = i_limit rl, sourcing and sinking; with
 * r_out_source and r_out_sink joined over a wide r_out_domain, the drop solving x (1 + rl /
 * r(x)) = veq on cm_smooth_discontinuity's upper parabola (where ngspice's own Jacobian is
 * wrong and it does not converge). */
Test(behavioural, xspice_ilimit_in_closed_form) {
  static const struct {
    const char *model;
    double in, rl, want;
  } cases[] = {{"gain=2 in_offset=0.1 r_out_source=10 r_out_sink=10", 0.4, 990, 0.99},
               {"r_out_source=10 r_out_sink=10 i_limit_source=5m", 20, 1e3, 5},
               {"r_out_source=10 r_out_sink=10 i_limit_sink=3m", -20, 1e3, -3},
               {"r_out_source=50 r_out_sink=80 r_out_domain=0.5", 0.2, 100, NAN}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[320];
    snprintf(deck, sizeof deck,
             "t\nv1 a 0 %g\na1 a NULL NULL o m\n.model m ilimit(%s)\nro o 0 %g\n", cases[k].in,
             cases[k].model, cases[k].rl);
    double want = cases[k].want;
    if (isnan(want)) want = 0.2 - ilimit_drop(0.2, 100, 50, 80, 0.5);
    double o = kh_test_general_node(deck, "o");
    cr_expect(fabs(o - want) <= 1e-12 * fmax(1, fabs(want)), "%s: %.17g, want %.17g",
              cases[k].model, o, want);
  }
  char *text = kh_test_written_back(
      "t\nv1 a 0 1\nvp p 0 5\na1 %vd(a o) p NULL o m\n.model m ilimit(gain=100)\nro o 0 1k\n");
  cr_expect(strstr(text, "\na1 %vd(a o) p NULL o m\n") != NULL, "written back as\n%s", text);
  free(text);
}

/* XSPICE memristors at DC: the resistor rinit (default 7k), a divider from 1 V through 1k, each
 * written back as its A card. */
Test(behavioural, xspice_memristor_at_dc) {
  static const struct {
    const char *words;
    double rinit;
  } cases[] = {{"", 7e3}, {"(rinit=12k rmin=100 rmax=20k)", 12e3}, {"(rinit=500 vt=1.6)", 500}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[200];
    snprintf(deck, sizeof deck, "t\nv1 a 0 1\nr1 a b 1k\na1 b 0 m\n.model m memristor%s\n",
             cases[k].words);
    kh_netlist *nl = kh_test_parse(deck);
    double *v = kh_test_solve(nl, "native"), want = cases[k].rinit / (cases[k].rinit + 1e3);
    cr_expect(fabs(kh_test_node(nl, v, "b") - want) <= 1e-15, "%s: %.17g, want %.17g",
              cases[k].words, kh_test_node(nl, v, "b"), want);
    free(v);
    kh_netlist_free(nl);
    char *text = kh_test_written_back(deck);
    cr_expect(strstr(text, "\na1 %gd(b 0) m\n") != NULL, "written back as\n%s", text);
    free(text);
  }
}

/* A tabulated diode (G TABLE) fed through 1 kohm from 2 V: Newton limited on its curve as
 * ngspice's pwl model limits it settles on the segment from (0.6 V, 0.2 mA) to (0.7 V, 2 mA),
 * where (2 - v) / 1k = 0.2m + 18m (v - 0.6): v = 0.0126 / 0.019, in a few steps (unlimited,
 * flat past the ends, Newton bounced between them: 489 iterations through gmin and source
 * stepping). */
Test(behavioural, a_tabulated_diode_converges_as_in_ngspice) {
  kh_netlist *nl = kh_test_parse("t\nvsup sup 0 2\nrk sup k 1k\ngd k 0 table {v(k)} = (0, 0) "
                                 "(0.5, 10u) (0.6, 0.2m) (0.7, 2m) (0.8, 20m)\n");
  kh_solve_stats stats = {0};
  double *v = kh_test_general(nl, NULL, &stats);
  double k = v[kh_netlist_find_node(nl, "k")];
  cr_expect(fabs(k - 0.0126 / 0.019) <= 1e-14, "v(k) = %.17g", k);
  cr_expect_leq(stats.iterations, 30u, "%u Newton iterations", stats.iterations);
  free(v);
  kh_netlist_free(nl);
}

/* Out of range where ngspice's evaluation fails too; a ternary's other branch is not evaluated. */
Test(behavioural, out_of_range_and_the_branch_not_taken) {
  cr_expect(fabs(value_of("v(k) + 1 > 5 ? sqrt(v(k) - 5) : 0.5")) <= 0 + 0.5, "branch");
  kh_test_general_fails("t\nv1 a 0 1\nb1 y 0 v=sqrt(v(a) - 2)\nry y 0 1\n", KH_ERR_NUMERIC,
                        "B source 'b1' was out of range (sqrt)");
  /* ngspice's 1/0 is 1e32 (its divisor moved by GMIN 1e-20): kirchhoff says what happened */
  kh_test_general_fails("t\nv1 a 0 -2\nr0 a 0 1k\nb6 o 0 v=1/(v(a)+2)\nr7 o 0 1k\n", KH_ERR_INPUT,
                        "B source 'b6' divided by zero at the last step");
  /* an XSPICE block is named as one (it was called a B source, with an empty "()" where an input
   * had overflowed, random deck 593 --supply) */
  kh_test_general_fails("t\nv1 in 0 1e10\nr0 in 0 1k\na1 %v(in) %v(out) big\n"
                        ".model big gain(gain=1e300)\nr1 out 0 1k\n",
                        KH_ERR_INPUT, "XSPICE block 'a1' was out of range (*)");
}

Test(behavioural, written_back_and_for_ngspice) {
  const char *deck =
      ".param third={1/3}\nv1 a 0 0.75\nb1 b 0 v=third*v(a) - -2^2 + (v(a) > 1 ? 1 : 2)\n"
      "rb b 0 1k\nb2 0 c i=1m*tanh(v(b)) + 1.5e-4 + 1m*pwl(v(a)*third, 0, 0, 1, third)\n"
      "rc c 0 2k\n";
  char text[512];
  snprintf(text, sizeof text, "t\n%s", deck);
  char *back = kh_test_written_back(text);
  /* in the syntax it was read in, with no more parentheses than precedence needs; 1/3 keeps
   * its 17 digits as a parameter (a number written in the expression keeps 11), and inside
   * pwl's input as the exact sum of two numbers of 11 digits */
  cr_expect(strstr(back, "\n.param kh_1_0 = 0.33333333333333331\n"
                         "b1 b 0 v=kh_1_0*v(a)--2^2+ternary_fcn(v(a)>1, 1, 2)\n") &&
                strstr(back, "pwl(v(a)*(0.33333333333+3.3333336091e-12), 0, 0, 1, kh_3_") &&
                strstr(back, "\nb2 0 c i=0.001*tanh(v(b))+0.00015+0.001*pwl("),
            "%s", back);
  free(back);
  cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9);
  /* fraction is written as a boolean for the code models that read it as one, and as a number
   * on a card of another type (fuzzing: a model of type l.mit with fraction=0) */
  back = kh_test_written_back("t\nv1 a 0 1\nr1 a 0 1k\n.model x l.mit(fraction=0)\n"
                              ".model y limit(out_lower_limit=0 out_upper_limit=1 fraction=1)\n");
  cr_expect(strstr(back, ".model x l.mit(fraction=0)") && strstr(back, " fraction=true)"), "%s",
            back);
  free(back);
  /* an E's or G's value= is a B source on an inner node read by a gain of 1, as ngspice 39's
   * front end makes it; ngspice reads vol=, cur= and braces without '=' too */
  const char *eg = "t\nv1 a 0 1.5\nr1 a 0 1k\ne1 b 0 vol='v(a)*v(a)'\nrb b 0 1k\n"
                   "g1 0 c value {v(b)*1m}\nrc c 0 1k\n";
  back = kh_test_written_back(eg);
  cr_expect(strstr(back, "\ne1 b 0 e1_int1 0 1\nbe1 e1_int1 0 v=v(a)*v(a)\n") &&
                strstr(back, "\ng1 0 c g1_int1 0 1\nbg1 g1_int1 0 v=v(b)*0.001\n"),
            "%s", back);
  free(back);
  cr_assert_leq(kh_test_general_vs_ngspice(eg, 1e-9), 1e-9);
  /* a TABLE is the three cards ngspice makes of it, its curve an A card with its own model; an
   * A card keeps its ports and model parameters (each program reads the other's text) */
  const char *curves =
      "t\nv1 a 0 0.3\nv2 b 0 -0.1\ne1 c 0 table {2*v(a)} = (0, 0) (1, 2) (3, 2.5)\n"
      "rc c 0 1k\na1 %vd(a b) %v(d) pw\nrd d 0 1k\n"
      ".model pw pwl(x_array=[-1 0.35 2] y_array=[1 0 3] input_domain=0.05 "
      "fraction=false)\n";
  back = kh_test_written_back(curves);
  cr_expect(strstr(back, "\ne1 c 0 e1_int1 0 1\nbe1 e1_int2 0 v=2*v(a)\n"
                         "ae1 %v(e1_int2) %vd(e1_int1 0) kh_table_") &&
                strstr(back, " pwl(x_array=[0 1 3] y_array=[0 2 2.5] input_domain=0.1000") &&
                strstr(back, "\na1 %vd(a b) %vd(d 0) kh_table_") &&
                strstr(back, "input_domain=0.050000000000000003 fraction=false limit=false)\n") &&
                !strstr(back, ".model pw "),
            "%s", back);
  free(back);
  cr_assert_leq(kh_test_general_vs_ngspice(curves, 1e-9), 1e-9);
  /* current ports: a source's current in (%vnam), a current out (%id) */
  const char *currents = "t\nv1 a 0 0.5\nvs a b 0\nrb b 0 2\na1 %vnam vs %i(c) pw\nrc c 0 1k\n"
                         ".model pw pwl(x_array=[-1 1] y_array=[-2m 2m])\n";
  back = kh_test_written_back(currents);
  cr_expect(strstr(back, "\na1 %vnam vs %id(c 0) kh_table_"), "%s", back);
  free(back);
  cr_assert_leq(kh_test_general_vs_ngspice(currents, 1e-9), 1e-9);
  cr_expect(fabs(kh_test_general_node(currents, "c") + 0.5) <= 1e-12); /* 0.5 mA out of c */
  /* sidiode: its port as %gd, its model as read */
  const char *diode = "t\nv1 a 0 5\nr1 a b 1k\na1 b 0 sd\n"
                      ".model sd sidiode(ron=10 roff=1e6 vfwd=0.6 ilimit=20m)\n";
  back = kh_test_written_back(diode);
  cr_expect(strstr(back, "\na1 %gd(b 0) sd\n") && strstr(back, ".model sd sidiode(ron=10 "), "%s",
            back);
  free(back);
  cr_assert_leq(kh_test_general_vs_ngspice(diode, 1e-9), 1e-9);
  const char *zener = "t\nv1 a 0 12\nr1 a b 470\na1 0 b zz\nrl b 0 1k\n"
                      ".model zz zener(v_breakdown=5.1 limit_switch=true)\n";
  back = kh_test_written_back(zener);
  cr_expect(strstr(back, "\na1 %gd(0 b) zz\n") && strstr(back, ".model zz zener(v_breakdown=5.") &&
                strstr(back, "limit_switch=true"),
            "%s", back);
  free(back);
  cr_assert_leq(kh_test_general_vs_ngspice(zener, 1e-9), 1e-9);
}

/* What the writer writes nests no deeper than what it was read from: 150 signs, a sum of 400
 * terms and a chain of 300 comparisons read back (fully parenthesized, they did not: fuzzing). */
Test(behavioural, long_sums_and_chains_written_back) {
  size_t size = 20000;
  char *deck = malloc(size);
  strcpy(deck, "t\nv1 a 0 0.5\nb1 o 0 v=");
  for (int k = 0; k < 150; k++) strcat(deck, "-");
  strcat(deck, "v(a)");
  for (int k = 0; k < 400; k++) strcat(deck, k % 2 ? "+v(a)" : "-0.25");
  for (int k = 0; k < 300; k++) strcat(deck, k % 2 ? "<1" : ">0");
  strcat(deck, "\nr1 o 0 1\n");
  cr_assert_lt(strlen(deck), size);
  free(kh_test_written_back(deck)); /* which solves both and compares every node */
  free(deck);
}

Test(behavioural, circuits_without_a_co_content_and_bad_cards) {
  kh_test_no_co_content("t\nv1 a 0 1\nb1 c 0 v=v(a)\nr1 c 0 1k\n",
                        "test.cir:3:1: B source 'b1' has no co-content");
  static const kh_test_error_case cases[] = {
      {"t\nb1 a 0 x=1\n", "test.cir:2:8: 'b1' needs two nodes and I=expression"},
      {"t\nb1 a 0 v=1+\n", "test.cir:2:12: the expression ends where a value should be"},
      {"t\nb1 a 0 v=foo(1)\n", "test.cir:2:10: unknown function 'foo' in a B source"},
      {"t\nb1 a 0 v=sin(1, 2)\n", "test.cir:2:10: 'sin' takes one argument"},
      {"t\nb1 a 0 v=pow(1)\n", "test.cir:2:10: 'pow' takes two arguments"},
      {"t\nb1 a 0 v=(1 + 2\n", "test.cir:2:16: expected ')'"},
      {"t\nb1 a 0 v=k * 2\n", "test.cir:2:10: unknown name 'k' (not a parameter)"},
      {"t\nb1 a 0 v=v(a\n", "test.cir:2:13: expected ')' after v(...)'s nodes"},
      /* an error stands, whatever reads well after it (a node read later cleared it: fuzzing) */
      {"t\nb1 s 0 v=1 > 0.9 ? sqrt(v(ix+ abs(-v(ou))\n", "test.cir:2:31: expected ')' after v"},
      {"t\nb1 a 0 v=1 = 2\n", "test.cir:2:12: unexpected '=' after the expression"},
      {"t\nb1 a 0 v=1 tc3=2\n", "test.cir:2:12: unexpected 'tc3' after the expression"},
      {"t\nb1 a 0 v=1 reciprocm=2\n", "test.cir:2:22: 'reciprocm' is 0 or 1"},
      {"t\ne1 a 0 value={1} tc1=2\n", "test.cir:2:18: unexpected 'tc1=2' after the expression"},
      {"t\nb1 a 0 v=4k7\n", "test.cir:2:12: digits after the suffix"},
      {"t\nb1 a 0 v=1 ? 2\n", "test.cir:2:15: expected ':' of '?'"},
      {"t\nb1 a 0 v=i(v1)\nr1 a 0 1\n", "test.cir:2:1: 'b1' reads i(v1), which is not a voltage"},
      {"t\nb1 a 0 v=i(v1\n", "test.cir:2:14: expected ')' after i(...)'s source"},
      {"t\nb1 a 0 v=pwl(v(a), 1, 0, 0, 1)\n", "test.cir:2:10: pwl's abscissas must ascend"},
      {"t\nb1 a 0 v=pwl(v(a), 1, 0)\n", "test.cir:2:10: pwl takes its input and two or more"},
      {"t\nb1 a 0 v=v(a) + pwl(3, 0, 0, 1, 1)\n",
       "test.cir:2:17: pwl of a number in an expression that reads a voltage or a current"},
      /* a .func's errors are told at its call */
      {"t\n.func f(x) {x + y}\nb1 a 0 v=2*f(1)\n", "test.cir:3:12: unknown name 'y'"},
      {"t\n.func f(x) {x}\nb1 a 0 v=f(1, 2)\n", "test.cir:3:10: 'f' takes 1 argument, got 2"},
      {"t\n.func f(x) {f(x) + 1}\nb1 a 0 v=f(1)\n", "test.cir:3:10: expression nested too deeply"},
      /* a quote in a name there: written back bare it would open a quoted word (fuzzing) */
      {"t\nr3 1 x {2k + v('1, x)*500}\n", "test.cir:2:16: a quote or brace in a name in v(...)"},
      {"t\nb1 a 0 v=i(v{1})\n", "test.cir:2:13: a quote or brace in a name"},
      /* TABLE cards and XSPICE pwl instances (A cards) */
      /* ngspice pairs the numbers whatever the parentheses, and drops an odd last one */
      {"t\ne1 a 0 table {v(a)} = (0, 0) (1\n",
       "test.cir:2:14: a TABLE's numbers come in pairs (x, y), and these are 3"},
      {"t\ne1 a 0 table {v(a)} = (0, 0) (1, 2) 3\n",
       "test.cir:2:14: a TABLE's numbers come in pairs (x, y), and these are 5"},
      {"t\ne1 a 0 table {v(a)} = (0, 0) (1, x)\n", "test.cir:2:34: expected a number"},
      {"t\na1 %v(a)b %v(o) m\n.model m gain\n", "test.cir:2:4: expected '%v(name)'"},
      {"t\na1 %v %v(o) m\n.model m gain\n", "test.cir:2:7: expected a name after '%v'"},
      {"t\na1 !v(1) %v(o) m\n.model m gain\n",
       "test.cir:2:4: a name with parentheses or brackets in an A card's port"},
      {"t\na1 %vd(net-(a) 0) o m\n.model m gain\n",
       "test.cir:2:8: a name with parentheses or brackets in an A"},
      {"t\na1 %vd(a) %v(o) m\n.model m gain\n", "test.cir:2:4: '%vd' takes 2 names"},
      {"t\na1 [a b] %v(o) m\n.model m gain\n", "test.cir:2:4: gain's input is a single port, not"},
      {"t\na1 a %v(o) m\n.model m summer\n", "test.cir:2:4: expected '[' and the vector of input"},
      {"t\na1 [a] o m\n.model m summer\n",
       "test.cir:2:4: a vector of 1 input port: it takes two or more"},
      {"t\na1 [a b o m\n.model m summer\n", "test.cir:2:4: '[' is never closed by ']'"},
      {"t\na1 [a [b c]] o m\n.model m summer\n", "test.cir:2:7: expected a port in the vector"},
      {"t\na1 %vd [a b c] o m\n.model m summer\n",
       "test.cir:2:13: a port of the type in force takes 2 names"},
      {"t\na1 %gd [a b c d] o m\n.model m summer\n",
       "test.cir:2:4: port type '%gd': kirchhoff reads these input ports (%v, %vd, %i, %id, "
       "%vnam)"},
      {"t\na1 a [o p] m\n.model m gain\n", "test.cir:2:6: an A card's ports here are single"},
      {"t\na1 [a b] o m\n.model m mult(in_gain=[1 2 3])\n",
       "test.cir:2:12: mult model 'm' has 3 in_gain values for 2 inputs"},
      {"t\n.model m summer(in_gain=1)\na1 [a b] o m\n", "test.cir:2:25: in_gain takes [values]"},
      {"t\n.model m summer(out_gain=[1])\na1 [a b] o m\n",
       "test.cir:2:26: expected a number or {expression}"},
      {"t\na1 %id(a a) %v(o) m\n.model m gain\n",
       "test.cir:2:4: a current input between a node and itself"},
      {"t\na1 %g(a) %v(o) m\n.model m gain\n",
       "test.cir:2:4: port type '%g': kirchhoff reads these input"},
      {"t\na1 %v(a) %vnam v1 m\n.model m gain\n",
       "test.cir:2:10: port type '%vnam': kirchhoff reads these out"},
      {"t\na1 a o m\n", "test.cir:2:8: unknown model 'm'"},
      {"t\na1 a o m extra\n", "test.cir:2:10: unknown model 'extra'"},
      {"t\na1 a o x m\n.model m gain\n",
       "test.cir:2:8: 'a1' takes an input, an output and a model"},
      {"t\na1 a o m\n.model m divide\n", "test.cir:2:8: 'a1' takes two inputs, an output and"},
      {"t\na1 a b o m\n.model m divide(den_lower_limit=0)\n", "divide model 'm': den_lower_limit"},
      {"t\na1 [a b] o m\n.model m divide\n", "test.cir:2:4: divide's input is a single port"},
      {"t\na1 a b o m\n.model m climit\n", "test.cir:2:10: 'a1' takes three inputs, an output"},
      {"t\na1 c (x 0 m\n.model m aswitch\n",
       "test.cir:2:6: '(' takes the port's two names and ')'"},
      {"t\na1 c %gd(x) m\n.model m aswitch\n", "test.cir:2:6: '%gd' takes 2 names"},
      {"t\na1 c %i(x) m\n.model m aswitch\n",
       "test.cir:2:6: port type '%i': kirchhoff reads these output ports (%gd)"},
      {"t\na1 a p n NULL m\n.model m ilimit\n", "test.cir:2:10: an ilimit's output cannot be NULL"},
      {"t\na1 a p n m\n.model m ilimit\n",
       "'a1' takes four ports (in, pos_pwr, neg_pwr, out) and a model"},
      {"t\na1 a p n o m\n.model m ilimit(r_out_sink=0)\n",
       "test.cir:2:12: ilimit model 'm': r_out_sink must be above 0, got 0"},
      {"t\na1 a p n o m\n.model m ilimit(i_limit=1)\n", "unknown ilimit model parameter 'i_limit'"},
      {"t\na1 a 0 m\n.model m memristor(rinit=0)\n",
       "test.cir:2:8: memristor model 'm': rinit must be above 0 ohm, got 0"},
      {"t\na1 a o m\n.model m d_dt(out_lower_limit=-1)\n",
       "test.cir:2:8: d_dt model 'm' needs out_lower_limit and out_upper_limit"},
      {"t\na1 a %v(w) b m\n.model m potentiometer\n",
       "test.cir:2:6: port type '%v': kirchhoff reads these potentiometer ports (%g)"},
      {"t\na1 a w m\n.model m potentiometer\n",
       "test.cir:2:1: 'a1' takes three ports (r0, wiper, r1) and a model"},
      {"t\na1 a w b c m\n.model m potentiometer\n",
       "test.cir:2:10: 'a1' takes three ports (r0, wiper, r1) and a model"},
      {"t\na1 a w b m\n.model m potentiometer(position=1)\n",
       "test.cir:2:10: potentiometer model 'm': the resistance from r1 to the wiper comes to 0"},
      {"t\na1 a w b m\n.model m potentiometer(r=-1k)\n",
       "test.cir:2:10: potentiometer model 'm': the resistance from r0 to the wiper comes to -500"},
      {"t\na1 c (x 0) m\n.model m aswitch(r_off=0)\n", "aswitch model 'm': r_off must be above 0"},
      {"t\na1 x 0 m\n.model m sidiode(ilimit=0)\n", "test.cir:2:8: sidiode model 'm': ilimit = 0"},
      {"t\na1 x 0 y m\n.model m sidiode\n", "test.cir:2:8: 'a1' takes its port (a b) and a model"},
      {"t\na1 [x 0] m\n.model m sidiode\n", "test.cir:2:4: sidiode's port is a single port"},
      {"t\na1 %v(x 0) m\n.model m sidiode\n", "test.cir:2:4: port type '%v': kirchhoff reads"},
      {"t\n.model m sidiode(vfwd=0.6 von=1)\na1 x 0 m\n",
       "test.cir:2:27: unknown sidiode model parameter"},
      {"t\na1 x 0 m\n.model m zener(i_sat=1e-14)\n",
       "test.cir:2:8: zener model 'm' needs v_breakdown"},
      {"t\na1 x 0 m\n.model m zener(v_breakdown=5 i_sat=0)\n", "zener model 'm': its parameters"},
      {"t\na1 x 0 m\n.model m zener(v_breakdown=5 i_breakdown=-1m)\n", "make cm_zener's constants"},
      {"t\n.model m zener(v_breakdown=5 vz=5)\na1 x 0 m\n",
       "test.cir:2:30: unknown zener model parameter"},
      /* brackets that an A card written back could not carry (fuzzing: an E TABLE named e]) */
      {"t\ne]x r 0 table {v(r)} = (0, 0) (1, 1)\n", "test.cir:2:1: 'e]x': a bracket in the name"},
      {"t\n.subckt s a b\nae a b m\n.model m gain\n.ends\nx]1 i o s\n",
       "test.cir:3:1: 'ae' in x]1: a bracket in the name of an XSPICE A card"},
      {"t\n.model m climit(out_offset=1)\na1 a b c o m\n",
       "test.cir:2:17: unknown climit model parameter"},
      {"t\n.model m pwl(x_array=[0 1] y_array=[0 1] kind=3)\na1 a o m\n",
       "test.cir:2:42: unknown pwl model"},
      {"t\n.model m pwl(x_array=[0 1 y_array=[0 1])\na1 a o m\n",
       "test.cir:2:27: expected a number"},
      {"t\n.model m pwl(x_array=[0 1] y_array=[0 1] limit=yes)\na1 a o m\n",
       "test.cir:2:48: limit takes"},
      {"t\n.model m pwl(x_array=[0 1] x_array=[0 1] y_array=[0 1])\na1 a o m\n", "is given twice"},
      {"t\n.model m pwl(x_array=[0] y_array=[0])\na1 a o m\n", "two or more points"},
      {"t\n.model m pwl(x_array=[0 1] y_array=[0 1] input_domain=0.6)\na1 a o m\n",
       "input_domain must lie"},
      {"t\n.model m gain(gain=2 noise_voltage=1)\na1 a o m\n",
       "test.cir:2:22: unknown gain model parameter"},
      {"t\n.model m gain(gain=2)\na1 %gd(a b) %v(o) m\n", "test.cir:3:4: port type '%gd'"},
      {"t\n.model m limit(out_lower_limit=0 fraction=t)\na1 a o m\n",
       "test.cir:2:43: fraction takes true"},
      {"t\n.model m limit(gain=1 gain=2)\na1 a o m\n", "test.cir:2:23: 'gain' is given twice"},
      {"t\n.model m limit(out_upper_limit=1)\na1 a o m\n", "test.cir:3:8: limit model 'm' needs"},
      {"t\n.model m limit(out_lower_limit=1 out_upper_limit=1)\na1 a o m\n",
       "test.cir:3:8: limit model 'm': out_lower_limit 1 must lie below out_upper_limit 1"},
      {"t\n.model m limit(out_lower_limit=0 out_upper_limit=1 limit_range=0.6 fraction=true)\n"
       "a1 a o m\n",
       "test.cir:3:8: limit model 'm': limit_range 0.6 V must lie in [0, half the span 1]"},
      {"t\n.model m limit(out_lower_limit=0 out_upper_limit=1 limit_range=-1m)\na1 a o m\n",
       "limit_range -0.001 V must lie in"},
  };
  kh_test_parse_errors(cases, sizeof cases / sizeof *cases);
  /* a .func nests its arguments inside its body: ten calls of a body 300 signs deep */
  char body[400] = "t\n.func f(x) {";
  for (int k = 0; k < 300; k++) strcat(body, "-");
  strcat(body, "x}\nb1 a 0 v=f(f(f(f(f(f(f(f(f(f(1))))))))))\n");
  cr_expect(strstr(kh_test_parse_error(body), "test.cir:3:10: expression nested too deeply once"),
            "%s", kh_test_parse_error(body));
  char deep[1200] = "t\nb1 a 0 v=";
  for (int k = 0; k < 1100; k++) strcat(deep, "(");
  cr_expect(strstr(kh_test_parse_error(deep), "nested too deeply"), "%s",
            kh_test_parse_error(deep));
}

/* XSPICE current inputs: the current into %id(a b) (and %i(a)) through the port's own 0 V
 * branch, in closed form: 2 V through 1 kOhm and both branches in series is 2 mA; gain 500 with
 * in_offset 1m gives 1.5 V, and a summer of the two (in_gain 1k, -2k) -2 V. Written back, the
 * ports are the ports as written, and the branches no elements of their own. */
Test(behavioural, current_inputs_read_the_current_through_their_own_branch) {
  static const char deck[] = "t\nv1 a 0 2\nr1 a b 1k\na1 %id(b c) %v(o1) g\n"
                             "a2 [%i(c) %vd(a 0)] %v(o2) s\nro1 o1 0 1k\nro2 o2 0 1k\n"
                             ".model g gain(in_offset=1m gain=500)\n"
                             ".model s summer(in_gain=[1k -1])\n";
  cr_expect(fabs(kh_test_general_node(deck, "o1") - 1.5) <= 1e-12);
  cr_expect(fabs(kh_test_general_node(deck, "o2") - 0) <= 1e-12);
  char *text = kh_test_written_back(deck);
  cr_expect(strstr(text, "a1 %id(b c) %vd(o1 0) g") && strstr(text, "[ %i(c) %v(a) ]") &&
                !strstr(text, "v#"),
            "%s", text);
  free(text);
}
