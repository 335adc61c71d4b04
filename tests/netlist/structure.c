/* Netlist structure: comments, continuations, subcircuits, sources and learning cards (reading
 * files, .include and streaming: reading.c). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(structure, title_comments_and_continuations) {
  kh_netlist *nl = kh_test_parse("My Title Keeps Case\n"
                                 "* a comment\n"
                                 "R1 A 0 1k ; inline comment\n"
                                 "r2 a b $ dollar comment\n"
                                 "+ 2k\n"
                                 "V1 b 0\n"
                                 "* comment between a line and its continuation\n"
                                 "+ DC 5\n");
  cr_assert_str_eq(kh_netlist_title(nl), "My Title Keeps Case");
  cr_assert_eq(kh_netlist_element_count(nl), 3);
  kh_element r2 = kh_netlist_element(nl, kh_test_element(nl, "R2"));
  cr_assert_float_eq(r2.value, 2000, 0);
  cr_assert_eq(r2.line, 4);
  cr_assert_eq(r2.col, 1);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "v1")).value, 5, 0);
  cr_assert_str_eq(kh_netlist_node_name(nl, kh_netlist_find_node(nl, "A")), "a");
  kh_netlist_free(nl);
}

Test(structure, continuation_tokens_report_their_own_line) {
  cr_assert_str_eq(kh_test_parse_error("t\nr1 a 0\n+   1q\n"),
                   "test.cir:3:6: unknown suffix or unit (suffixes: f p n u m k meg g t; units: "
                   "V A Ohm R F H S Hz s W C) in '1q'");
}

Test(structure, ground_aliases) {
  kh_netlist *nl = kh_test_parse("t\nr1 a gnd 1k\nv1 a GND 1\n");
  cr_assert_eq(kh_netlist_node_count(nl), 2);
  cr_assert_eq(kh_netlist_element(nl, 0).node_neg, 0);
  kh_netlist_free(nl);
}

Test(structure, nested_subcircuits_use_ngspice_names) {
  kh_netlist *nl = kh_test_parse("t\n"
                                 ".subckt inner p q rv=1k\n"
                                 "r1 p mid {rv}\n"
                                 "r2 mid q {rv}\n"
                                 ".ends inner\n"
                                 ".subckt outer a b params: k=2\n"
                                 "x1 a m inner rv={k*1k}\n"
                                 "x2 m b inner\n"
                                 ".ends\n"
                                 "v1 in 0 1\n"
                                 "xtop in 0 outer k=3\n");
  cr_assert_eq(kh_netlist_element_count(nl), 5);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r.xtop.x1.r1")).value, 3000, 0);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r.xtop.x2.r2")).value, 1000, 0);
  cr_assert_neq(kh_netlist_find_node(nl, "xtop.m"), (size_t)-1);
  cr_assert_neq(kh_netlist_find_node(nl, "xtop.x1.mid"), (size_t)-1);
  cr_assert_eq(kh_netlist_find_node(nl, "m"), (size_t)-1);
  kh_element r = kh_netlist_element(nl, kh_test_element(nl, "r.xtop.x1.r1"));
  cr_assert_eq(r.line, 3, "element keeps the line of its definition");
  kh_netlist_free(nl);
}

Test(structure, local_params_and_global_params) {
  kh_netlist *nl = kh_test_parse("t\n.param g=10\n"
                                 ".subckt s a b w=1\n.param twice={2*w}\nr1 a b {twice*g}\n.ends\n"
                                 "x1 n 0 s w=5\nx2 n 0 s\nv1 n 0 1\n");
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r.x1.r1")).value, 100, 0);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r.x2.r1")).value, 20, 0);
  kh_netlist_free(nl);
}

/* Parameter tables of 32 names and more are looked up through a hash index (netlist/values.c):
 * the same values as the short tables' scan, early names and late ones, a redefinition, and an
 * instance's given values against the subcircuit's own .param lines. */
Test(structure, long_parameter_tables_give_what_short_ones_do) {
  enum { N = 100 };
  size_t cap = 64 * N + 4096, used = 0;
  char *text = malloc(cap);
  used += (size_t)snprintf(text + used, cap - used, "t\nv1 n0 0 1\n");
  for (int i = 0; i < N; i++)
    used += (size_t)snprintf(text + used, cap - used, ".param p%d=%d\nr%d n%d n%d {p%d}\n", i,
                             i + 1, i, i, i + 1, i);
  used += (size_t)snprintf(text + used, cap - used, ".param p5=1000\nrlast n%d 0 {p5}\n", N);
  /* a subcircuit with 40 parameters: the X line's values stand against its own .param */
  used += (size_t)snprintf(text + used, cap - used, ".subckt s a b");
  for (int i = 0; i < 40; i++) used += (size_t)snprintf(text + used, cap - used, " q%d=1", i);
  used += (size_t)snprintf(text + used, cap - used,
                           "\n.param q3=99 q20=50\nr1 a b {q3}\nr2 a b {q39}\nr3 a b {q20}\n"
                           ".ends\nx1 n0 0 s q3=7 q39=8\n");
  kh_netlist *nl = kh_test_parse(text);
  for (int i = 0; i < N; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", i);
    double want = i == 5 ? 1000 : i + 1; /* the last .param of a name holds for every line... */
    /* (read from numparam's text as ngspice reads it: within an ulp) */
    cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, name)).value, want, 1e-15 * want,
                       "%s", name);
  }
  /* ...and in a table of two the same redefinition gives the same answers */
  kh_netlist *small = kh_test_parse("t\nv1 n0 0 1\n.param p4=5 p5=6\nr5 n0 n1 {p5}\n"
                                    ".param p5=1000\nrlast n1 0 {p5}\n");
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "rlast")).value,
                     kh_netlist_element(small, kh_test_element(small, "rlast")).value, 0);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r5")).value,
                     kh_netlist_element(small, kh_test_element(small, "r5")).value, 0);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r.x1.r1")).value, 7, 1e-14);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r.x1.r2")).value, 8, 0);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "r.x1.r3")).value, 50, 1e-13);
  kh_netlist_free(small);
  kh_netlist_free(nl);
  free(text);
}

/* Subcircuits of 32 ports and more look their port names up through an index (flatten.c): two
 * instances bound in opposite orders, each port reached from the body, and names that only look
 * like ports stay the instance's own nodes. */
Test(structure, many_ported_subcircuits_bind_each_port) {
  enum { N = 40 };
  size_t cap = 96 * N + 1024, used = 0;
  char *text = malloc(cap);
  used += (size_t)snprintf(text + used, cap - used, "t\n.subckt bus");
  for (int i = 0; i < N; i++) used += (size_t)snprintf(text + used, cap - used, " p%d", i);
  used += (size_t)snprintf(text + used, cap - used, "\n");
  for (int i = 0; i < N; i++)
    used +=
        (size_t)snprintf(text + used, cap - used, "r%d p%d p%dx 1\nrx%d p%dx 0 1\n", i, i, i, i, i);
  used += (size_t)snprintf(text + used, cap - used, ".ends\nx1");
  for (int i = 0; i < N; i++) used += (size_t)snprintf(text + used, cap - used, " a%d", i);
  used += (size_t)snprintf(text + used, cap - used, " bus\nx2");
  for (int i = N - 1; i >= 0; i--) used += (size_t)snprintf(text + used, cap - used, " a%d", i);
  used += (size_t)snprintf(text + used, cap - used, " bus\nv1 a0 0 1\n");
  kh_netlist *nl = kh_test_parse(text);
  for (int i = 0; i < N; i++) {
    char name[32], node[32];
    snprintf(name, sizeof name, "r.x1.r%d", i);
    snprintf(node, sizeof node, "a%d", i);
    kh_element r = kh_netlist_element(nl, kh_test_element(nl, name));
    cr_assert_str_eq(kh_netlist_node_name(nl, r.node_pos), node, "%s", name);
    snprintf(node, sizeof node, "x1.p%dx", i);
    cr_assert_str_eq(kh_netlist_node_name(nl, r.node_neg), node, "%s", name);
    snprintf(name, sizeof name, "r.x2.r%d", i);
    snprintf(node, sizeof node, "a%d", N - 1 - i);
    r = kh_netlist_element(nl, kh_test_element(nl, name));
    cr_assert_str_eq(kh_netlist_node_name(nl, r.node_pos), node, "%s", name);
  }
  kh_netlist_free(nl);
  free(text);
}

/* A file with old Mac line endings is one title line to ngspice and to kirchhoff; the error says
 * why, and a deck with CRLF endings reads as it is. */
Test(structure, carriage_returns_alone_are_named) {
  cr_assert(strstr(kh_test_parse_error("t\rv1 a 0 1\rr1 a 0 1k\r"),
                   "test.cir:1:1: netlist has no elements (line 1 is always the title); its lines "
                   "end in carriage returns alone"));
  cr_assert(!strstr(kh_test_parse_error("t\r\n.op\r\n"), "carriage"));
  kh_netlist *nl = kh_test_parse("t\r\nv1 a 0 1\r\nr1 a 0 1k\r\n");
  cr_assert_eq(kh_netlist_element_count(nl), 2);
  kh_netlist_free(nl);
}

/* The behavioural forms other than E's and G's value= (vol=, cur=: tests/sim/behavioural.c) are
 * refused at their keyword, where ngspice puts it; a source named vol
 * and a node named cur, followed by a braced gain, are still a linear F and G, and a node named
 * poly not followed by '(' a node of a linear E (POLY itself: tests/netlist/poly.c). */
Test(structure, controlled_source_keywords_only_where_ngspice_puts_them) {
  kh_netlist *nl = kh_test_parse("t\nvol a 0 1\nr1 a 0 1\nf1 b 0 vol {2}\nr2 b 0 1\n"
                                 "g1 c 0 a cur {1m}\nrc cur 0 1\nr3 c 0 1\n");
  cr_assert_eq(kh_netlist_element_count(nl), 7);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "g1")).value, 1e-3, 0);
  kh_netlist_free(nl);
  nl = kh_test_parse("t\nv1 poly 0 1\ne1 b 0 poly 0 2\nr1 b 0 1\n");
  cr_assert_eq(kh_netlist_element(nl, kh_test_element(nl, "e1")).kind, KH_VCVS);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "e1")).value, 2, 0);
  kh_netlist_free(nl);
  cr_assert(strstr(kh_test_parse_error("t\nv1 a 0 1\ne1 b 0 cur='2*v(a)'\nr1 b 0 1\n"),
                   "test.cir:3:8: 'e1': this behavioural form is not supported"));
}

/* Options whose value is a word (the transient method, the random seed) change no operating
 * point: kept without a value; a word ngspice 39 does not take for them is refused at it. */
Test(structure, options_with_words) {
  kh_netlist *nl = kh_test_parse("t\nv1 a 0 1\nr1 a 0 1\n.options METHOD=Gear seed=random "
                                 "reltol=1e-4\n.option method = trap\n");
  double reltol = 0;
  cr_assert(kh_netlist_option(nl, "reltol", &reltol));
  cr_assert_float_eq(reltol, 1e-4, 0);
  kh_netlist_free(nl);
  cr_assert(strstr(kh_test_parse_error("t\nv1 a 0 1\nr1 a 0 1\n.options method=euler\n"),
                   "test.cir:4:17: option 'method' takes gear or trap, not 'euler'"));
  cr_assert(strstr(kh_test_parse_error("t\nv1 a 0 1\nr1 a 0 1\n.options seed=often\n"),
                   "test.cir:4:15: option 'seed' takes a number or random, not 'often'"));
}

/* m= on C and L: parallel copies, so the element (written back, and the capacitance the
 * oscillating nudge's node dynamics use) is C·m and L/m, as ngspice takes them; ic= changes
 * nothing. */
Test(structure, capacitor_and_inductor_copies_fold_into_the_value) {
  kh_netlist *nl = kh_test_parse("t\nv1 a 0 1\nl1 a b 10u m=2\nr1 b 0 1k\n"
                                 "c1 b 0 1n ic=2 m=3\nc2 b 0 1n ic=2\n");
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "l1")).value, 5e-6, 1e-21);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "c1")).value, 3e-9, 1e-24);
  cr_assert_float_eq(kh_netlist_element(nl, kh_test_element(nl, "c2")).value, 1e-9, 1e-24);
  kh_netlist_free(nl);
}

Test(structure, skipped_cards_leave_notes) {
  kh_netlist *nl = kh_test_parse("t\nr1 a 0 1k\nv1 a 0 1 ac 1 0\n.op\n.tran 1n 1u\n"
                                 ".control\nrun\nplot v(a)\n.endc\n.options gmin=1e-13\n"
                                 ".pss 1k 1m a 10\n");
  cr_assert_eq(kh_netlist_note_count(nl), 5);
  const char *expected[] = {"test.cir:3:10: note: AC specification ignored",
                            "test.cir:4:1: note: .op skipped", "test.cir:5:1: note: .tran skipped",
                            "test.cir:6:1: note: .control block skipped",
                            "test.cir:11:1: note: .pss skipped"};
  for (size_t k = 0; k < 5; k++) {
    int found = 0;
    for (size_t i = 0; i < kh_netlist_note_count(nl); i++)
      found |= strstr(kh_netlist_note(nl, i), expected[k]) != NULL;
    cr_assert(found, "missing note '%s'", expected[k]);
  }
  double gmin = 0;
  cr_assert(kh_netlist_option(nl, "GMIN", &gmin));
  cr_assert_float_eq(gmin, 1e-13, 0);
  kh_netlist_free(nl);
}

/* ngspice 39 turns .end into a comment and reads on: a resistor after it is part of the circuit
 * (measured with ngspice -b; tests/data/compat/lines_end_does_not_stop_reading.cir checks it
 * against ngspice in CI). */
Test(structure, end_does_not_stop_reading) {
  kh_netlist *nl = kh_test_parse("t\nr1 a 0 1k\nv1 a 0 1\n.end\nr2 a 0 1\n.END\n");
  cr_assert_eq(kh_netlist_element_count(nl), 3);
  kh_netlist_free(nl);
  cr_expect(
      strstr(kh_test_parse_error("t\nr1 a 0 1k\n.end\nthis is not a card\n"), "test.cir:4:1"));
}

Test(structure, learning_cards_in_kh_comments) {
  kh_netlist *nl = kh_test_parse("t\n"
                                 "v1 in1 0 0.5\nv2 in2 0 -0.5\n"
                                 "rw1 in1 h 1k\nrw2 in2 h 2k\nrw3 h o 1k\nro o 0 1k\nrb o b 1k\n"
                                 "ib 0 h 0\nrkeep b 0 1k\n"
                                 "*kh .input v1 v2\n"
                                 "*KH .output o v(o,b)\n"
                                 "*kh .train rw* ib\n"
                                 ".bounds gmin=1e-9 gmax=1\n");
  cr_assert_eq(kh_netlist_input_count(nl), 2);
  cr_assert_eq(kh_netlist_input(nl, 1).source, kh_test_element(nl, "v2"));
  cr_assert_eq(kh_netlist_input(nl, 1).negated, (size_t)-1);
  cr_assert_eq(kh_netlist_output_count(nl), 2);
  kh_output o = kh_netlist_output(nl, 1);
  cr_assert_eq(o.node_pos, kh_netlist_find_node(nl, "o"));
  cr_assert_eq(o.node_neg, kh_netlist_find_node(nl, "b"));
  cr_assert_eq(kh_netlist_trainable_count(nl), 4);
  double gmin, gmax;
  cr_assert(kh_netlist_bounds(nl, &gmin, &gmax));
  cr_assert_float_eq(gmax, 1, 0);
  kh_netlist_free(nl);
}

/* A source's DC value in every order ngspice accepts it (ngspice 39's v(a) on each line, checked
 * by hand: 5, 5, 5, 5, 0, 0; a bare value after the nodes wins over `dc`, and of several `dc`
 * the last: 5, 5, 4, 4). */
Test(structure, source_values_in_ngspice_orders) {
  const char *lines[] = {"v1 a 0 dc=5",      "v1 a 0 dc = 5",      "v1 a 0 ac 1 dc 5",
                         "v1 a 0 dc=5 ac=1", "v1 a 0 ac=1 5",      "v1 a 0 ac 1",
                         "v1 a 0 5 dc 3",    "v1 a 0 5 dc 3 dc 4", "v1 a 0 dc 3 ac 1 dc 4",
                         "v1 a 0 dc=3 dc=4"};
  const double want[] = {5, 5, 5, 5, 0, 0, 5, 5, 4, 4};
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    char text[128];
    snprintf(text, sizeof text, "t\n%s\nr1 a 0 1k\n", lines[k]);
    kh_netlist *nl = kh_test_parse(text);
    cr_expect_eq(kh_netlist_element(nl, kh_test_element(nl, "v1")).value, want[k], "%s", lines[k]);
    kh_netlist_free(nl);
  }
  /* `dc` without a number is DC 0 in ngspice 39, given, so that a waveform after it does not set
   * the DC value (measured: `dc sin(1 1 1k)` holds 0) */
  const char *bare_dc[] = {"v1 a 0 dc", "v1 a 0 dc sin(1 1 1k)", "v1 a 0 dc ac 1",
                           "v1 a 0 (dc) pwl(0 2 1 3)"};
  for (size_t k = 0; k < sizeof bare_dc / sizeof *bare_dc; k++) {
    char text[128];
    snprintf(text, sizeof text, "t\n%s\nr1 a 0 1k\n", bare_dc[k]);
    kh_netlist *nl = kh_test_parse(text);
    cr_expect_eq(kh_netlist_element(nl, kh_test_element(nl, "v1")).value, 0, "%s", bare_dc[k]);
    kh_netlist_free(nl);
  }
  cr_expect(strstr(kh_test_parse_error("t\nv1 a 0 5 6\nr1 a 0 1k\n"),
                   "test.cir:2:10: a bare value that does not follow the nodes, which ngspice 39 "
                   "fails on"));
  cr_expect(strstr(kh_test_parse_error("t\nv1 a 0 ac 1 0 5\nr1 a 0 1k\n"),
                   "test.cir:2:15: a bare value that does not follow the nodes"));
}

/* Waveforms at t = 0 when no DC value is given, as ngspice 39 answered each line by hand (v(a)
 * of `<line>` into 1k): the DC value where given, else the value at t = 0. */
Test(structure, waveforms_give_their_value_at_time_zero) {
  const struct {
    const char *line;
    double v;
  } cases[] = {{"v1 a 0 sin(0.5 1 1k)", 0.5},
               {"v1 a 0 sin(0.5 1 1k 0 0 30)", 1.0},
               {"v1 a 0 sin 0.5 1 1k", 0.5},
               {"v1 a 0 dc 2 sin(0.5 1 1k)", 2},
               {"v1 a 0 pulse(1 5 0 1n 1n 1u 2u)", 1},
               {"v1 a 0 pulse 1 5 0 1n 1n 1u 2u", 1},
               {"v1 a 0 pwl(0 3 1m 5)", 3},
               {"v1 a 0 pwl(1m 3 2m 5)", 3},
               {"v1 a 0 pwl(-1m 3 1m 5)", 4},
               {"v1 a 0 exp(1 5 0 1n)", 1},
               {"v1 a 0 sffm(0.5 1 1k 2 1k)", 0.5},
               {"v1 a 0 am(1 0.5 1k 10k 0)", 0},
               {"v1 a 0 0.7 ac 1 sin(0 1 1k)", 0.7},
               {"v1 a 0 sin(0 1 1k) ac 1", 0},
               /* ngspice's tokenizer skips the parentheses: values after ')' are the
                  waveform's (its phase here), not the DC value */
               {"v1 a 0 sin(0.5 1 1k) 0 0 30", 1.0},
               {"v1 a 0 sin(0.5 1 1k) 2", 0.5}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char text[128];
    snprintf(text, sizeof text, "t\n%s\nr1 a 0 1k\n", cases[k].line);
    kh_netlist *nl = kh_test_parse(text);
    double got = kh_netlist_element(nl, kh_test_element(nl, "v1")).value;
    cr_expect(fabs(got - cases[k].v) <= 1e-15, "%s: %.17g, ngspice %g", cases[k].line, got,
              cases[k].v);
    kh_netlist_free(nl);
  }
}

/* The circuit temperature as ngspice 39 takes it (measured): the last .temp card, wherever
 * .options temp= stands, else the last .options temp=. Each deck means 40 C, where a tc1 of
 * 0.01 makes 1k 1130 ohms (80 C would make 1530). */
Test(structure, dot_temp_wins_over_options_temp) {
  const char *cards[] = {".temp 40\n.options temp=80", ".options temp=80\n.temp 40",
                         ".temp 80\n.temp 40\n.options temp=80", ".options temp=80 temp=40",
                         ".options temp=40 gmin=1e-12\n.temp 40"};
  for (size_t k = 0; k < sizeof cards / sizeof cards[0]; k++) {
    char text[256];
    snprintf(text, sizeof text, "t\n%s\nv1 a 0 1\nr1 a 0 1k tc1=0.01\n", cards[k]);
    kh_netlist *nl = kh_test_parse(text);
    double got = kh_netlist_element(nl, kh_test_element(nl, "r1")).value;
    cr_expect(fabs(got - 1130) <= 1e-9, "%s: %.17g ohms, ngspice 1130", cards[k], got);
    cr_expect(fabs(kh_netlist_temperature(nl) - 313.15) <= 1e-12, "%s: %.17g K", cards[k],
              kh_netlist_temperature(nl));
    kh_netlist_free(nl);
  }
}

/* .lib FILE SECTION reads one section of a library (which may read its own other sections);
 * sections not asked for are skipped; a missing or unclosed section is an error. The ff corner
 * below gives v(b) = 3.636440271703871 V in ngspice 39 at reltol 1e-9. */
static kh_status parse_path(const char *path, kh_netlist **nl, char *message, size_t size) {
  kh_context *ctx = NULL;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  kh_status st = kh_netlist_parse_file(ctx, nl, path);
  snprintf(message, size, "%s", st == KH_OK ? "" : kh_last_error(ctx));
  kh_context_free(ctx);
  return st;
}

Test(structure, lib_sections) {
  kh_test_write_temp("models.lib", "* corners\n.lib tt\n.model dd d(is=1e-14)\n.param rval=1k\n"
                                   ".endl tt\n.lib ff\n.model dd d(is=1e-13)\n.param rval=900\n"
                                   ".lib 'models.lib' common\n.endl\n.lib common\n"
                                   ".param rload=2k\n.endl\n");
  const char *deck =
      kh_test_write_temp("lib_deck.cir", "lib deck\n.lib 'models.lib' ff\nv1 a 0 5\n"
                                         "r1 a b {rval}\nd1 b c dd\nr2 c 0 {rload}\n");
  kh_netlist *nl = NULL;
  char msg[1024];
  cr_assert_eq(parse_path(deck, &nl, msg, sizeof msg), KH_OK, "%s", msg);
  double *v = kh_test_solve(nl, "native");
  cr_expect(fabs(kh_test_node(nl, v, "b") - 3.636440271703871) <= 1e-12, "%.17g",
            kh_test_node(nl, v, "b"));
  free(v);
  kh_netlist_free(nl);
  deck = kh_test_write_temp("lib_missing.cir", "t\n.lib 'models.lib' xx\nv1 a 0 5\nr1 a 0 1\n");
  cr_expect_eq(parse_path(deck, &nl, msg, sizeof msg), KH_ERR_INPUT);
  cr_expect(strstr(msg, "lib_missing.cir:2:1: '") && strstr(msg, "has no .lib section 'xx'"), "%s",
            msg);
  kh_test_write_temp("open.lib", "* corners\n.lib tt\nr2 a 0 1\n");
  deck = kh_test_write_temp("lib_open.cir", "t\nv1 a 0 5\nr1 a 0 1\n.lib 'open.lib' tt\n");
  cr_expect_eq(parse_path(deck, &nl, msg, sizeof msg), KH_ERR_INPUT);
  cr_expect(strstr(msg, "open.lib:2:1: .lib section is never closed by .endl"), "%s", msg);
  /* a section in the deck itself: ngspice 39 stops there ("unimplemented control card") */
  deck = kh_test_write_temp("lib_inline.cir", "t\nv1 a 0 5\nr1 a 0 1\n.lib x\nr2 a 0 1\n.endl\n");
  cr_expect_eq(parse_path(deck, &nl, msg, sizeof msg), KH_ERR_INPUT);
  cr_expect(strstr(msg, "lib_inline.cir:4:1: .lib SECTION outside a library file"), "%s", msg);
}

/* .global: a subcircuit's vdd is the top level's vdd (ngspice gives a = b = 2.5 V). */
Test(structure, global_nodes) {
  kh_netlist *nl = kh_test_parse("t\n.global vdd\n.subckt load out\nr1 vdd out 1k\nr2 out 0 1k\n"
                                 ".ends\nvdd vdd 0 5\nx1 a load\nx2 b load\nr3 a b 1k\n");
  cr_expect_eq(kh_netlist_find_node(nl, "x1.vdd"), (size_t)-1);
  double *v = kh_test_solve(nl, "native");
  cr_expect(fabs(kh_test_node(nl, v, "a") - 2.5) <= 1e-15);
  free(v);
  kh_netlist_free(nl);
}

/* .if/.elseif/.else/.endif on parameters, nested, around elements and models (ngspice 39
 * gives v(b) = 1.413084056 V for this deck); .param inside a branch is refused, since ngspice
 * applies it whichever branch is taken. */
Test(structure, conditionals) {
  kh_netlist *nl = kh_test_parse(
      "t\n.param corner=2 r0=1k rl={corner == 1 ? 1k : 2k}\n.if (corner == 1)\nr2 b 0 1k\n"
      ".elseif (corner == 2 && r0 > 500)\nr2 b 0 {rl}\n.if (r0 < 10)\nr9 a 0 1\n.endif\n.else\n"
      "r2 b 0 3k\n.endif\n.if (corner != 2)\n.model dd d(is=1e-14)\n.else\n"
      ".model dd d(is=1e-12)\n.endif\nv1 a 0 3\nr1 a b r0\nd1 b c dd\nr3 c 0 1k\n");
  cr_expect_eq(kh_netlist_find_element(nl, "r9"), (size_t)-1);
  double *v = kh_test_solve(nl, "native");
  cr_expect(fabs(kh_test_node(nl, v, "b") - 1.413084056) <= 1e-9, "%.12g",
            kh_test_node(nl, v, "b"));
  free(v);
  kh_netlist_free(nl);
  cr_expect(strstr(kh_test_parse_error("t\n.if (1)\n.param x=1\n.endif\nr1 a 0 1\n"),
                   "test.cir:3:1: .param inside .if"));
  cr_expect(strstr(kh_test_parse_error("t\n.if (1)\nr1 a 0 1\n"),
                   "test.cir:2:1: .if is never closed by .endif"));
  cr_expect(strstr(kh_test_parse_error("t\nr1 a 0 1\n.else\n"), "test.cir:3:1: .else without .if"));
  cr_expect(strstr(kh_test_parse_error("t\n.if (nope > 1)\nr1 a 0 1\n.endif\n"),
                   "test.cir:2:6: unknown parameter 'nope'"));
}

/* Nested .subckt definitions and models, each scoped to the definition that holds it: two
 * definitions hold their own 'half' and 'dloc' (ngspice 39: v(b) = 0.6928875986, v(c) =
 * 0.5566525017). */
Test(structure, nested_definitions_and_local_models) {
  kh_netlist *nl = kh_test_parse(
      "t\n.subckt stage in out\n.model dloc d(is=1e-14)\n.subckt half a b\nr1 a b 500\n"
      ".ends half\nx1 in mid half\nx2 mid out half\nd1 out 0 dloc\n.ends stage\n"
      ".subckt other in out\n.model dloc d(is=1e-12)\n.subckt half a b\nr1 a b 2k\n.ends\n"
      "x1 in out half\nd1 out 0 dloc\n.ends other\nv1 a 0 5\nxa a b stage\nxb a c other\n");
  double *v = kh_test_solve(nl, "native");
  cr_expect(fabs(kh_test_node(nl, v, "b") - 0.6928875986) <= 1e-9);
  cr_expect(fabs(kh_test_node(nl, v, "c") - 0.5566525017) <= 1e-9);
  free(v);
  kh_netlist_free(nl);
}

/* A model card inside a subcircuit whose values are expressions is read at each instance, with
 * its parameters, as ngspice reads it: an instance's IS (and one that shadows a global of the
 * same name, which kirchhoff read until 2026-12-05) gives bit for bit what the same diode with
 * that IS written out gives; an error in such a card is told at the card, when an instance reads
 * it. */
Test(structure, models_inside_subcircuits_take_each_instances_parameters) {
  kh_netlist *nl = kh_test_parse(
      "t\n.param isat=1e-14\n.subckt cell a b isat=1e-12 n=1\n.model dm d(is={isat} n={n})\n"
      "d1 a b dm\n.ends\nv1 s 0 1\nr1 s a 1k\nx1 a 0 cell isat=1e-10\nr2 s b 1k\n"
      "x2 b 0 cell n=1.5\nr3 s c 1k\nx3 c 0 cell\n");
  kh_netlist *flat = kh_test_parse("t\n.model d1 d(is=1e-10)\n.model d2 d(is=1e-12 n=1.5)\n"
                                   ".model d3 d(is=1e-12)\nv1 s 0 1\nr1 s a 1k\nda a 0 d1\n"
                                   "r2 s b 1k\ndb b 0 d2\nr3 s c 1k\ndc c 0 d3\n");
  double *v = kh_test_solve(nl, "native"), *w = kh_test_solve(flat, "native");
  for (const char *const *n = (const char *const[]){"a", "b", "c", NULL}; *n; n++)
    cr_expect(kh_test_node(nl, v, *n) == kh_test_node(flat, w, *n), "v(%s) %.17g, want %.17g", *n,
              kh_test_node(nl, v, *n), kh_test_node(flat, w, *n));
  free(v), free(w);
  kh_netlist_free(nl), kh_netlist_free(flat);
  const char *error = kh_test_parse_error("t\n.subckt s a b\n.model dm d(is={nope})\nd1 a b dm\n"
                                          ".ends\nv1 a 0 1\nr1 a b 1k\nx1 b 0 s\n");
  cr_expect(strstr(error, "test.cir:3:17: unknown parameter 'nope'") != NULL, "%s", error);
}

/* Parameters scoped by instantiation (ngspice 39 gives the same): inner's k is its caller's 5,
 * not the global 1 (b = 5k / 6k); hdr's m2 = j 3 with the X line's j = 4 (d = 12k / 13k); fwd's
 * p1 reads the j of its own later .param, 4, not the global 7 (f = 8k / 9k). */
Test(structure, parameters_are_scoped_by_instantiation) {
  kh_netlist *nl = kh_test_parse(
      "t\n.param k=1 j=7\n.subckt inner a b\nr1 a b {k*1k}\n.ends\n.subckt outer a b k=5\n"
      "x1 a b inner\n.ends\n.subckt hdr a b j=2 m2={j*3}\nr1 a b {m2*1k}\n.ends\n"
      "v1 s 0 1\nr0 s b 1k\nx1 b 0 outer\nr3 s d 1k\nx3 d 0 hdr j=4\n"
      ".subckt fwd a b\n.param p1={j*2}\n.param j=4\nr1 a b {p1*1k}\n.ends\nr5 s f 1k\n"
      "x5 f 0 fwd\n");
  double *v = kh_test_solve(nl, "native");
  cr_expect(fabs(kh_test_node(nl, v, "b") - 5.0 / 6.0) <= 1e-15, "b %.17g",
            kh_test_node(nl, v, "b"));
  cr_expect(fabs(kh_test_node(nl, v, "d") - 12.0 / 13.0) <= 1e-15, "d %.17g",
            kh_test_node(nl, v, "d"));
  cr_expect(fabs(kh_test_node(nl, v, "f") - 8.0 / 9.0) <= 1e-15, "f %.17g",
            kh_test_node(nl, v, "f"));
  free(v);
  kh_netlist_free(nl);
}

/* .options rshunt=R: R from every node to ground, a diode's RS node included (ngspice 39 at
 * reltol 1e-9: v(b) = 2.5074594033, v(e) = 40/19). */
Test(structure, rshunt_resistors) {
  kh_netlist *nl =
      kh_test_parse("t\n.options rshunt=1e4\n.model dd d(is=1e-14 rs=10)\nv1 a 0 5\n"
                    "r1 a b 1k\nd1 b c dd\nr2 c 0 1k\ni1 0 e 1m\nr3 e f 1k\nr4 f 0 2k\n");
  double *v = kh_test_solve(nl, "native");
  cr_expect(fabs(kh_test_node(nl, v, "b") - 2.5074594033) <= 1e-9, "%.12g",
            kh_test_node(nl, v, "b"));
  cr_expect(fabs(kh_test_node(nl, v, "e") - 40.0 / 19) <= 1e-14);
  free(v);
  kh_context *ctx = NULL;
  char *text = NULL;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &text), KH_OK);
  cr_expect(!strstr(text, "rshunt#") && strstr(text, ".options rshunt="), "%s", text);
  free(text);
  kh_context_free(ctx);
  kh_netlist_free(nl);
}

/* .if inside a .subckt body, on the instance's parameters (ngspice 39: x = 2, y = 1.5,
 * z = 2.25); an unclosed one is an error when the body expands. */
Test(structure, conditionals_inside_subcircuits) {
  kh_netlist *nl = kh_test_parse(
      "t\n.subckt load a b mode=1\n.if (mode == 1)\nr1 a b 1k\n.elseif (mode == 2)\nr1 a b 2k\n"
      ".else\nr1 a b 3k\n.endif\n.ends\nv1 in 0 3\nr0 in x 1k\nx1 x 0 load mode=2\nr9 in y 1k\n"
      "x2 y 0 load\nr8 in z 1k\nx3 z 0 load mode=5\n");
  double *v = kh_test_solve(nl, "native");
  cr_expect(fabs(kh_test_node(nl, v, "x") - 2) <= 1e-14);
  cr_expect(fabs(kh_test_node(nl, v, "y") - 1.5) <= 1e-14);
  cr_expect(fabs(kh_test_node(nl, v, "z") - 2.25) <= 1e-14);
  free(v);
  kh_netlist_free(nl);
  cr_expect(strstr(kh_test_parse_error("t\n.subckt s a b\n.if (1)\nr1 a b 1\n.ends\nx1 n 0 s\n"
                                       "v1 n 0 1\n"),
                   "test.cir:3:1: .if is never closed by .endif"));
}

/* An RF port (portnum, z0; ngspice 39) puts z0 in series with its source, on an internal node
 * "<name>#res" as ngspice names it (closed form: two ports into a T of resistors; ngspice's own
 * rawfile writer crashes on port decks, so the corpus cannot hold this one). Written back, the
 * source keeps its portnum and z0. */
Test(structure, rf_ports_put_z0_in_series) {
  kh_netlist *nl = kh_test_parse("t\nV1 in 0 dc 0.8 ac 1 portnum 1 z0 50\nR1 in mid 100\n"
                                 "R2 mid 0 50\nV2 out 0 dc 2 portnum 2\nR3 out mid 75\n");
  double *v = kh_test_solve(nl, "native");
  double mid = 16.0 / 26, in = 0.8 - (0.8 - mid) / 3, out = 2 - 0.4 * (2 - mid);
  cr_expect(fabs(kh_test_node(nl, v, "mid") - mid) <= 1e-15, "%.17g", kh_test_node(nl, v, "mid"));
  cr_expect(fabs(kh_test_node(nl, v, "in") - in) <= 1e-15, "%.17g", kh_test_node(nl, v, "in"));
  cr_expect(fabs(kh_test_node(nl, v, "out") - out) <= 1e-15, "%.17g", kh_test_node(nl, v, "out"));
  cr_expect_eq(kh_test_node(nl, v, "v1#res"), 0.8);
  free(v);
  char *text = NULL;
  kh_context *ctx;
  kh_context_new(&ctx);
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &text), KH_OK);
  cr_expect(strstr(text, "v1 in 0 dc 0.80000000000000004 portnum 1 z0 50\n"), "%s", text);
  cr_expect(strstr(text, "v2 out 0 dc 2 portnum 2 z0 50\n"), "%s", text);
  cr_expect(!strstr(text, "res#"), "%s", text);
  free(text);
  kh_context_free(ctx);
  kh_netlist_free(nl);
  cr_expect(strstr(kh_test_parse_error("t\nV1 in 0 1 z0 50\nR1 in 0 50\n"),
                   "test.cir:2:14: z0, pwr and freq need portnum"));
}
