/* POLY controlled sources (netlist/poly.c, sim/general/general_product.c): SPICE 2G6's
 * polynomial as ngspice 39's spice2poly code model evaluates it, checked against closed forms
 * here (the values of the first deck were also what `ngspice -b` printed for it) and against
 * ngspice itself in the compatibility corpus (tests/data/compat/controlled_poly*.cir). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int has_note(const kh_netlist *nl, const char *text) {
  for (size_t i = 0; i < kh_netlist_note_count(nl); i++)
    if (strstr(kh_netlist_note(nl, i), text)) return 1;
  return 0;
}

/* v(a) = 2, v(b) = 3, i(v1) = -2 mA, i(v2) = -3 mA (a supplying source is negative). */
static const char *const deck = "poly\n"
                                "v1 a 0 2\nv2 b 0 3\nr1 a 0 1k\nr2 b 0 1k\n"
                                "e1 o1 0 poly(2) (a,0) (b,0) 0.5 2 3\nro1 o1 0 1k\n"
                                "e2 o2 0 poly(1) a 0 4\nro2 o2 0 1k\n"
                                "g1 0 o3 POLY(2) a 0 b 0 1m 1m 2m\nro3 o3 0 1k\n"
                                "f1 0 o4 poly(2) v1 v2 1m 2 3\nro4 o4 0 1k\n"
                                "h1 o5 0 poly(2) v1 v2 1 2k 3k\nro5 o5 0 1k\n"
                                "e3 o6 0 poly(2) a 0 b 0 0 1 1 0 0 0\nro6 o6 0 1k\n"
                                "h2 o7 0 poly(1) v1 0 0\nro7 o7 0 1k\n";

Test(poly, each_letter_gives_the_polynomial_of_its_controls) {
  kh_netlist *nl = kh_test_parse(deck);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  cr_assert_float_eq(kh_test_node(nl, v, "o1"), 0.5 + 2 * 2 + 3 * 3, 1e-12);
  cr_assert_float_eq(kh_test_node(nl, v, "o2"), 4, 1e-12); /* a lone coefficient: p0 */
  cr_assert_float_eq(kh_test_node(nl, v, "o3"), (1 + 1 * 2 + 2 * 3) * 1e-3 * 1e3, 1e-12);
  cr_assert_float_eq(kh_test_node(nl, v, "o4"), (1e-3 - 2 * 2e-3 - 3 * 3e-3) * 1e3, 1e-12);
  cr_assert_float_eq(kh_test_node(nl, v, "o5"), 1 - 2e3 * 2e-3 - 3e3 * 3e-3, 1e-12);
  cr_assert_float_eq(kh_test_node(nl, v, "o6"), 2 + 3, 1e-12); /* zero products: accepted */
  cr_assert_float_eq(kh_test_node(nl, v, "o7"), 0, 1e-12);
  cr_assert(has_note(nl, "test.cir:8:21: note: a lone POLY(1) coefficient is the constant p0 = 4"));
  /* the card's own element carries the whole output, as the code model does */
  const char *cards[] = {"e1", "e2", "g1", "f1", "h1", "e3", "h2"};
  kh_element_kind kinds[] = {KH_VCVS, KH_VCVS, KH_VCCS, KH_CCCS, KH_CCVS, KH_VCVS, KH_CCVS};
  for (size_t i = 0; i < 7; i++) {
    size_t k = kh_netlist_find_element(nl, cards[i]);
    cr_assert_neq(k, (size_t)-1, "%s", cards[i]);
    kh_element e = kh_netlist_element(nl, k);
    cr_assert_eq(e.kind, kinds[i], "%s", cards[i]);
    cr_assert_eq(e.line, 6 + 2 * (unsigned)i, "%s", cards[i]);
  }
  free(v);
  kh_netlist_free(nl);
}

/* The same deck solved by libngspice as kirchhoff writes it (its parts) agrees: the writer
 * hands over elements ngspice reads. */
Test(poly, written_parts_solve_the_same_in_ngspice) {
  cr_assert_leq(kh_test_general_vs_ngspice(deck, 1e-9), 1e-9);
}

/* In a subcircuit, controls are the instance's nodes and sources; coefficients are values,
 * parameters and expressions, here one defined below the cards (at the top level, read on a
 * second pass after the streaming first one missed it). */
Test(poly, inside_subcircuits_with_parameters) {
  kh_netlist *nl = kh_test_parse("t\nv1 in 0 2\nx1 in out amp g=3\nrl out 0 1k\n"
                                 "x2 in out2 amp g=5\nrl2 out2 0 1k\n"
                                 ".subckt amp a y g=1\nvs a m 0\nrm m 0 1k\n"
                                 "f1 0 y poly(1) vs {off} {g}\n"
                                 "e1 z 0 poly(1) (a 0) 0 {g*2}\nrz z 0 1\n.ends\n"
                                 "e9 q 0 poly(1) in 0 {off} 1\nrq q 0 1\n.param off=1m\n");
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  cr_assert_float_eq(kh_test_node(nl, v, "out"), (1e-3 + 3 * 2e-3) * 1e3, 1e-12);
  cr_assert_float_eq(kh_test_node(nl, v, "out2"), (1e-3 + 5 * 2e-3) * 1e3, 1e-12);
  cr_assert_float_eq(kh_test_node(nl, v, "x2.z"), 2 * 10, 1e-12);
  cr_assert_float_eq(kh_test_node(nl, v, "q"), 1e-3 + 2, 1e-12);
  cr_assert_neq(kh_netlist_find_element(nl, "f.x1.f1"), (size_t)-1);
  free(v);
  kh_netlist_free(nl);
}

/* Products of controls, each term where SPICE 2G6's order puts it: with v(a) = 2, v(b) = 3 and
 * i(v1) = -2 mA. */
Test(poly, products_of_controls_in_2g6_order) {
  kh_netlist *nl = kh_test_parse("poly\nv1 a 0 2\nv2 b 0 3\nr1 a 0 1k\nr2 b 0 1k\n"
                                 "e1 o1 0 poly(2) a 0 b 0 1 0 0 0 2\nro1 o1 0 1k\n"
                                 "e2 o2 0 poly(2) a 0 b 0 0 0 0 0.5 1 0.25 1\nro2 o2 0 1k\n"
                                 "h3 o3 0 poly(1) v1 0 0 0 1e9\nro3 o3 0 1k\n"
                                 "g4 0 o4 poly(3) a 0 b 0 a b 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1m\n"
                                 "ro4 o4 0 1k\n");
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double a = 2, b = 3, i1 = -2e-3;
  cr_assert_float_eq(kh_test_node(nl, v, "o1"), 1 + 2 * a * b, 1e-12); /* p4: x1 x2 */
  cr_assert_float_eq(kh_test_node(nl, v, "o2"), 0.5 * a * a + a * b + 0.25 * b * b + a * a * a,
                     1e-12);                                                /* p3 ... p6 */
  cr_assert_float_eq(kh_test_node(nl, v, "o3"), 1e9 * i1 * i1 * i1, 1e-12); /* p3: x1³ */
  cr_assert_float_eq(kh_test_node(nl, v, "o4"), 1e-3 * a * b * (a - b) * 1e3, 1e-12); /* p14 */
  /* the product terms' factors as the API gives them */
  size_t k = kh_netlist_find_element(nl, "e#e1#m4");
  cr_assert_neq(k, (size_t)-1);
  kh_product_factor f[4];
  cr_assert_eq(kh_netlist_product(nl, k, f, 4), 2);
  cr_assert_str_eq(kh_netlist_node_name(nl, f[0].pos), "a");
  cr_assert_str_eq(kh_netlist_node_name(nl, f[1].pos), "b");
  cr_assert(f[0].power == 1 && f[1].power == 1 && f[0].neg == 0);
  size_t pos, neg, src;
  cr_assert_eq(kh_netlist_control(nl, k, &pos, &neg, &src), -1);
  cr_assert_eq(kh_netlist_product(nl, kh_netlist_find_element(nl, "e1"), NULL, 0), 0);
  /* written back as a POLY card of its own factors, its coefficient in place, and read again */
  kh_context *ctx;
  kh_context_new(&ctx);
  char *text = NULL;
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &text), KH_OK);
  cr_assert(strstr(text, "\ne#e1#m4 e1#poly e1#poly1 poly(2) a 0 b 0 0 0 0 0 2\n"), "%s", text);
  cr_assert(strstr(text, "\ne#h3#m3 h3#poly 0 poly(1) h3#x1 0 0 0 0 1000000000\n"), "%s", text);
  kh_netlist *again = kh_test_parse(text);
  double *w = kh_test_general(again, NULL, &stats);
  for (size_t n = 1; n < kh_netlist_node_count(nl); n++) {
    const char *name = kh_netlist_node_name(nl, n);
    if (!strchr(name, '#'))
      cr_expect_float_eq(kh_test_node(again, w, name), v[n], 1e-12, "%s", name);
  }
  free(text), free(v), free(w);
  kh_context_free(ctx);
  kh_netlist_free(again);
  kh_netlist_free(nl);
}

Test(poly, refused_at_the_token) {
  static const struct {
    const char *card, *error;
  } cases[] = {
      {"e1 o 0 poly(1) a 0 0 1 m=2", "test.cir:3:24: 'e1': 'm=' after a POLY's coefficients"},
      {"e1 o<1> 0 poly(1) a 0 0 1", "test.cir:3:1: 'e1': ngspice 39 cannot read a POLY card that "
                                    "names 'o<1>'"},
      {"g1 o 0 poly(2) a 0 b[2] 0 0 1 1", "test.cir:3:1: 'g1': ngspice 39 cannot read a POLY card "
                                          "that names 'b[2]'"},
      {"e1 o 0 poly(2) a 0 b 0", "test.cir:3:22: 'e1': POLY(2) needs 4 controlling nodes and at "
                                 "least one coefficient"},
      {"f1 o 0 poly(2) v1", "test.cir:3:16: 'f1': POLY(2) needs 2 controlling voltage sources"},
      {"e1 o 0 poly(0) a 0 1", "test.cir:3:13: 'e1': POLY needs a whole dimension >= 1"},
      {"g1 o 0 poly(x) a 0 1", "test.cir:3:13: 'g1': POLY needs a whole dimension >= 1"},
      {"e1 o 0 poly(9) a 0 1", "test.cir:3:20: 'e1': POLY(9) needs 18 controlling nodes"},
      {"e1 o 0 poly(65) a 0 1", "test.cir:3:13: 'e1': POLY(65): kirchhoff reads at most 64 "
                                "controls"},
      {"r9 e1#poly 0 1\ne1 o 0 poly(1) a 0 0 1", "test.cir:4:1: node name 'e1#poly' is taken"},
      {"e1 o 0 poly(1) a 0 0 1\nr9 e1#poly 0 1",
       "test.cir:4:4: node 'e1#poly' is the internal node of an element above"},
      {"f1 o 0 poly(1) r1 0 1", "test.cir:3:1: 'h#f1#1' is controlled by 'r1', which is not a "
                                "voltage source"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[256];
    snprintf(text, sizeof text, "t\nv1 a 0 1\n%s\nr1 a b 1\nr2 b 0 1\nro o 0 1\n", cases[i].card);
    const char *error = kh_test_parse_error(text);
    cr_expect(strstr(error, cases[i].error), "%s: got '%s'", cases[i].card, error);
  }
}
