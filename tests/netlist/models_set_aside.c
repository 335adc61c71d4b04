/* .model cards kirchhoff refuses are set aside (netlist/model_cards.c): ngspice 39 reads a model
 * only when an element uses it, so a deck whose refused cards no element uses runs, with a note
 * per card, and an element that uses one is refused with the card's own message and place. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const char *const library = ".model nch nmos level=54 version=4.9 toxe=1.8n\n"
                                   ".model qv npn level=8 is=1e-16\n"
                                   ".model jx njf(vto=-2 foo=3)\n"
                                   ".model dd d(is=1e-14)\n";

/* The note that names card `name` as set aside, or NULL. */
static const char *set_aside_note(const kh_netlist *nl, const char *name) {
  char want[64];
  snprintf(want, sizeof want, "model '%s' set aside", name);
  for (size_t i = 0; i < kh_netlist_note_count(nl); i++)
    if (strstr(kh_netlist_note(nl, i), want)) return kh_netlist_note(nl, i);
  return NULL;
}

Test(models_set_aside, unused_cards_leave_the_deck_running_with_a_note_each) {
  char text[512];
  snprintf(text, sizeof text, "t\n%sv1 a 0 1\nd1 a b dd\nr1 b 0 1k\n", library);
  kh_netlist *nl = kh_test_parse(text);
  const char *note = set_aside_note(nl, "nch");
  cr_expect(note && strstr(note, "test.cir:2:8: note:") &&
                strstr(note, "test.cir:2:34: BSIM4 VERSION 4.9: ngspice 39 has no BSIM4"),
            "%s", note ? note : "no note");
  cr_expect(set_aside_note(nl, "qv") && set_aside_note(nl, "jx"));
  cr_expect(!set_aside_note(nl, "dd"));
  kh_solve_stats stats;
  free(kh_test_general(nl, NULL, &stats));
  kh_netlist_free(nl);
  /* neither written back nor handed to ngspice: only what the circuit reads */
  char *back = kh_test_written_back(text);
  cr_expect(!strstr(back, "nch") && !strstr(back, "qv") && strstr(back, ".model dd"), "%s", back);
  free(back);
}

Test(models_set_aside, an_element_that_uses_one_gets_the_cards_refusal) {
  static const struct {
    const char *element, *message;
  } cases[] = {
      {"m1 d g 0 0 nch l=1u w=1u\n", "test.cir:2:34: BSIM4 VERSION 4.9: ngspice 39 has no BSIM4"},
      {"q1 d g 0 qv\n", "test.cir:3:21: BJT LEVEL 8 is not implemented"},
      {"q1 d g 0 s qv\n", "test.cir:3:21: BJT LEVEL 8 is not implemented"},
      {"j1 d g 0 jx\n", "test.cir:4:22: unknown JFET model parameter 'foo'"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char text[512];
    snprintf(text, sizeof text, "t\n%svd d 0 1\nvg g 0 1\n%s", library, cases[k].element);
    const char *msg = kh_test_parse_error(text);
    cr_expect(strstr(msg, cases[k].message), "%s: %s", cases[k].element, msg);
  }
}

/* The first card of a name holds, as in ngspice, refused or not: a second one is ignored. */
Test(models_set_aside, a_second_card_of_the_name_is_ignored) {
  const char *msg = kh_test_parse_error("t\n.model dx d(is=1e-14 bogus=1)\n.model dx d(is=1e-14)\n"
                                        "v1 a 0 1\nd1 a 0 dx\n");
  cr_expect(strstr(msg, "test.cir:2:22: unknown diode model parameter 'bogus'"), "%s", msg);
}

/* Inside a subcircuit: the card set aside per definition, refused where its element is read. */
Test(models_set_aside, inside_a_subcircuit) {
  const char *body = "t\n.subckt cell a b\n.model dz d(is=1e-14 bogus=1)\nr1 a b 1k\n%s.ends\n"
                     "v1 in 0 1\nx1 in 0 cell\n";
  char text[256];
  snprintf(text, sizeof text, body, "");
  kh_netlist *nl = kh_test_parse(text);
  cr_expect(set_aside_note(nl, "dz"));
  kh_netlist_free(nl);
  snprintf(text, sizeof text, body, "d1 a b dz\n");
  const char *msg = kh_test_parse_error(text);
  cr_expect(strstr(msg, "test.cir:3:22: unknown diode model parameter 'bogus'"), "%s", msg);
}

/* A BSIM3 bin set aside: the instance its L and W would choose gets the bin's refusal. */
Test(models_set_aside, a_bin_set_aside) {
  const char *msg = kh_test_parse_error(
      "t\n.model nch.1 nmos level=49 lmin=0.1u lmax=10u wmin=0.1u wmax=10u npeak=1e17\n"
      "vd d 0 1\nm1 d d 0 0 nch l=1u w=1u\n");
  cr_expect(strstr(msg, "test.cir:2:66: unknown BSIM3 model parameter 'npeak'"), "%s", msg);
}

/* A library of many unused cards: a note each for the first five, one for the rest. */
Test(models_set_aside, many_cards_one_note_for_the_rest) {
  char text[1024] = "t\n";
  for (int k = 1; k <= 9; k++)
    snprintf(text + strlen(text), sizeof text - strlen(text),
             ".model n%d nmos level=54 version=4.9\n", k);
  strcat(text, "v1 a 0 1\nr1 a 0 1k\n");
  kh_netlist *nl = kh_test_parse(text);
  cr_expect(set_aside_note(nl, "n5") && !set_aside_note(nl, "n6"));
  int rest = 0;
  for (size_t i = 0; i < kh_netlist_note_count(nl); i++)
    rest += strstr(kh_netlist_note(nl, i), "test.cir:7:8: note: 4 more model cards set aside") != 0;
  cr_expect_eq(rest, 1);
  kh_netlist_free(nl);
}
