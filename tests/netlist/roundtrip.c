/* Parse -> write -> parse gives back the same circuit, for every example netlist. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_same(const kh_netlist *a, const kh_netlist *b, const char *what) {
  cr_assert_eq(kh_netlist_element_count(a), kh_netlist_element_count(b), "%s", what);
  cr_assert_eq(kh_netlist_node_count(a), kh_netlist_node_count(b), "%s", what);
  for (size_t i = 0; i < kh_netlist_element_count(a); i++) {
    kh_element x = kh_netlist_element(a, i), y = kh_netlist_element(b, i);
    cr_assert_eq(x.kind, y.kind, "%s: %s", what, x.name);
    cr_assert_str_eq(x.name, y.name, "%s", what);
    cr_assert_str_eq(kh_netlist_node_name(a, x.node_pos), kh_netlist_node_name(b, y.node_pos));
    cr_assert_str_eq(kh_netlist_node_name(a, x.node_neg), kh_netlist_node_name(b, y.node_neg));
    cr_assert(x.value == y.value, "%s: %s value %.17g != %.17g", what, x.name, x.value, y.value);
    cr_assert((x.model == NULL) == (y.model == NULL));
    if (x.model) cr_assert_str_eq(x.model, y.model);
    kh_diode_instance dx = kh_netlist_diode_instance(a, i), dy = kh_netlist_diode_instance(b, i);
    cr_assert(dx.m == dy.m && dx.temperature == dy.temperature && dx.pj == dy.pj, "%s: %s", what,
              x.name);
    cr_assert_str_eq(kh_netlist_node_name(a, dx.thermal_node),
                     kh_netlist_node_name(b, dy.thermal_node), "%s: %s", what, x.name);
  }
  cr_assert_eq(kh_netlist_input_count(a), kh_netlist_input_count(b), "%s", what);
  for (size_t i = 0; i < kh_netlist_input_count(a); i++) {
    cr_assert_eq(kh_netlist_input(a, i).source, kh_netlist_input(b, i).source);
    cr_assert_eq(kh_netlist_input(a, i).negated, kh_netlist_input(b, i).negated);
  }
  cr_assert_eq(kh_netlist_input_gain(a), kh_netlist_input_gain(b));
  size_t na, nb;
  const double *ma, *sa, *mb, *sb;
  cr_assert_eq(kh_netlist_scale(a, &na, &ma, &sa), kh_netlist_scale(b, &nb, &mb, &sb), "%s", what);
  cr_assert_eq(na, nb, "%s", what);
  for (size_t k = 0; k < na; k++) cr_assert(ma[k] == mb[k] && sa[k] == sb[k], "%s", what);
  cr_assert_eq(kh_netlist_output_count(a), kh_netlist_output_count(b), "%s", what);
  for (size_t i = 0; i < kh_netlist_output_count(a); i++) {
    kh_output x = kh_netlist_output(a, i), y = kh_netlist_output(b, i);
    cr_assert_str_eq(kh_netlist_node_name(a, x.node_pos), kh_netlist_node_name(b, y.node_pos));
    cr_assert_str_eq(kh_netlist_node_name(a, x.node_neg), kh_netlist_node_name(b, y.node_neg));
  }
  cr_assert_eq(kh_netlist_trainable_count(a), kh_netlist_trainable_count(b), "%s", what);
  for (size_t i = 0; i < kh_netlist_trainable_count(a); i++)
    cr_assert_eq(kh_netlist_trainable(a, i), kh_netlist_trainable(b, i));
  cr_assert_eq(kh_netlist_nodeset_count(a), kh_netlist_nodeset_count(b), "%s", what);
  for (size_t i = 0; i < kh_netlist_nodeset_count(a); i++) {
    kh_nodeset x = kh_netlist_nodeset(a, i), y = kh_netlist_nodeset(b, i);
    cr_assert_str_eq(kh_netlist_node_name(a, x.node), kh_netlist_node_name(b, y.node));
    cr_assert_eq(x.volts, y.volts, "%s", what);
  }
  double g0, g1, h0, h1;
  int ba = kh_netlist_bounds(a, &g0, &g1), bb = kh_netlist_bounds(b, &h0, &h1);
  cr_assert_eq(ba, bb);
  if (ba) cr_assert(g0 == h0 && g1 == h1);
}

static void round_trip(const char *path) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *a = NULL, *b = NULL;
  cr_assert_eq(kh_netlist_parse_file(ctx, &a, path), KH_OK, "%s", kh_last_error(ctx));
  char *text = NULL;
  cr_assert_eq(kh_netlist_write_string(ctx, a, &text), KH_OK);
  cr_assert_eq(kh_netlist_parse_string(ctx, &b, text, "written.cir"), KH_OK,
               "%s: written text does not parse: %s\n%s", path, kh_last_error(ctx), text);
  assert_same(a, b, path);
  char *again = NULL;
  cr_assert_eq(kh_netlist_write_string(ctx, b, &again), KH_OK);
  cr_assert_str_eq(text, again, "%s: writing is not a fixed point", path);
  free(text), free(again);
  kh_netlist_free(a), kh_netlist_free(b);
  kh_context_free(ctx);
}

Test(roundtrip, every_example_netlist) {
  const char *dirs[] = {kh_test_examples_dir(), NULL};
  char good[1024];
  snprintf(good, sizeof good, "%s/good", kh_test_data_dir());
  dirs[1] = good;
  size_t count = 0;
  for (size_t k = 0; k < 2; k++) {
    DIR *d = opendir(dirs[k]);
    cr_assert_not_null(d, "cannot open %s", dirs[k]);
    struct dirent *e;
    while ((e = readdir(d))) {
      if (!strstr(e->d_name, ".cir")) continue;
      char path[2048];
      snprintf(path, sizeof path, "%s/%s", dirs[k], e->d_name);
      round_trip(path);
      count++;
    }
    closedir(d);
  }
  cr_assert_geq(count, 5, "found only %zu example netlists", count);
}

/* Whether a deck has a POLY source: its parts (netlist/poly.c) are written out as the E and V
 * elements they are, which read back as such, so the text holds the same circuit but is not a
 * fixed point of writing (the products' parts get parts of their own); the POLY tests check it
 * against ngspice instead (tests/netlist/poly.c). */
static int mentions_poly(const char *path) {
  FILE *f = fopen(path, "r");
  char line[4096];
  int poly = 0;
  while (f && !poly && fgets(line, sizeof line, f)) {
    for (char *c = line; *c; c++) *c = (char)tolower((unsigned char)*c);
    poly = strstr(line, "poly(") || strstr(line, "poly (");
  }
  if (f) fclose(f);
  return poly;
}

/* Removes the writer's comment lines ("* ..."; the "*kh" cards stay): an open resistor is one,
 * written once and then no longer there to write. */
static void drop_comments(char *text) {
  char *out = text;
  for (char *line = text; *line;) {
    char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
    if (strncmp(line, "* ", 2) != 0) memmove(out, line, len), out += len;
    line += len;
  }
  *out = '\0';
}

/* A deck's written text reads back as what writes the same text again. (Against the deck itself
 * the written circuit may differ in form where the writer folds: open resistors left out,
 * defaults filled in.) */
static void written_is_stable(const char *path) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *a = NULL, *b = NULL;
  cr_assert_eq(kh_netlist_parse_file(ctx, &a, path), KH_OK, "%s", kh_last_error(ctx));
  char *text = NULL, *again = NULL;
  cr_assert_eq(kh_netlist_write_string(ctx, a, &text), KH_OK);
  cr_assert_eq(kh_netlist_parse_string(ctx, &b, text, "written.cir"), KH_OK,
               "%s: written text does not parse: %s\n%s", path, kh_last_error(ctx), text);
  cr_assert_eq(kh_netlist_write_string(ctx, b, &again), KH_OK);
  drop_comments(text), drop_comments(again);
  cr_assert_str_eq(text, again, "%s: the written text does not write back the same", path);
  free(text), free(again);
  kh_netlist_free(a), kh_netlist_free(b);
  kh_context_free(ctx);
}

/* Every deck of the compatibility corpus that kirchhoff accepts (its title says so) but POLY's:
 * each card form read there (level-3 and VDMOS models, instance words on model cards,
 * multiplied subcircuits, ...) is written as text that reads back and writes the same. */
Test(roundtrip, every_accepted_compat_deck) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/compat", kh_test_data_dir());
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "cannot open %s", dir);
  size_t count = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".cir")) continue;
    char path[2048], title[16] = "";
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(title, sizeof title, f) || strncmp(title, "accepted:", 9) != 0) {
      if (f) fclose(f);
      continue;
    }
    fclose(f);
    if (mentions_poly(path)) continue; /* above */
    written_is_stable(path);
    count++;
  }
  closedir(d);
  cr_assert_geq(count, 100, "found only %zu accepted compat decks", count);
}

/* .nodeset is read (values from parameters too, node names in any case), kept in order, and
 * written back as a card ngspice reads as well. */
Test(roundtrip, nodesets_are_written_back) {
  const char *text = "t\n.param low=-0.25\nv1 in 0 1\nr1 in a 1k\nr2 a b 1k\nr3 b 0 1k\n"
                     ".nodeset v(a)=0.7 V(B)={low*2}\n.nodeset v(a)=0.1\n";
  round_trip(kh_test_write_temp("nodeset.cir", text));
  kh_netlist *nl = kh_test_parse(text);
  cr_assert_eq(kh_netlist_nodeset_count(nl), 3);
  kh_nodeset b = kh_netlist_nodeset(nl, 1), last = kh_netlist_nodeset(nl, 2);
  cr_assert_str_eq(kh_netlist_node_name(nl, b.node), "b");
  cr_assert_eq(b.volts, -0.5);
  cr_assert_str_eq(kh_netlist_node_name(nl, last.node), "a");
  cr_assert_eq(last.volts, 0.1);
  kh_netlist_free(nl);
}

/* K cards change no operating point but are part of the user's circuit: written back in both
 * flavours (flattened names inside subcircuits), and read again the same. */
Test(roundtrip, couplings_are_written_back) {
  const char *text = "t\n.param kk=0.5\nv1 a 0 1\nl1 a b 1m\nr1 b 0 1k\nx1 b t\nr2 c 0 1k\n"
                     "l2 b c 1m\nk1 l1 l2 {kk*1.5}\n.subckt t p\nla p q 1u\nlb q r 2u\n"
                     "kab la lb -0.25\nrq r 0 1k\n.ends\n";
  round_trip(kh_test_write_temp("couplings.cir", text));
  kh_netlist *nl = kh_test_parse(text);
  for (int flavor = 0; flavor < 2; flavor++) {
    kh_context *ctx;
    kh_context_new(&ctx);
    char *out = NULL;
    cr_assert_eq(
        kh_netlist_write_string_as(ctx, nl, &out, flavor ? KH_WRITE_NGSPICE : KH_WRITE_KIRCHHOFF),
        KH_OK);
    cr_expect(strstr(out, "\nk1 l1 l2 0.75\n"), "%s", out);
    cr_expect(strstr(out, "\nk.x1.kab l.x1.la l.x1.lb -0.25\n"), "%s", out);
    free(out);
    kh_context_free(ctx);
  }
  kh_netlist_free(nl);
}

/* .options rseries puts a resistor in series with every inductor (ngspice's names): written back
 * as those elements without the option, so neither program adds them twice. */
Test(roundtrip, rseries_resistors_are_written_once) {
  const char *text = "t\n.options rseries=0.25\nv1 a 0 1\nl1 a b 1m\nr1 b 0 1\nx1 b c t\n"
                     "r2 c 0 1\n.subckt t p q\nla p q 1u\n.ends\n";
  round_trip(kh_test_write_temp("rseries.cir", text));
  kh_netlist *nl = kh_test_parse(text);
  kh_context *ctx;
  kh_context_new(&ctx);
  char *out = NULL;
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &out), KH_OK);
  cr_expect(strstr(out, "\nl1 a l1_intern__ 0.001\nrl1_intern__ l1_intern__ b 0.25\n") &&
                strstr(out, "\nr.x1.rla_intern__ x1.la_intern__ c 0.25\n") &&
                !strstr(out, "rseries"),
            "%s", out);
  /* v(b): 1 V over 0.25 ohm and 1 ohm || (0.25 + 1) ohm */
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats), load = 1 / (1 + 1 / 1.25);
  cr_expect(fabs(v[kh_netlist_find_node(nl, "b")] - load / (0.25 + load)) <= 1e-15);
  free(v), free(out);
  kh_context_free(ctx);
  kh_netlist_free(nl);
}

Test(roundtrip, random_networks_keep_every_digit) {
  for (uint64_t seed = 1; seed <= 5; seed++) {
    char *text = kh_test_random_network(seed, 200, 1e-6, 1e3);
    const char *path = kh_test_write_temp("random.cir", text);
    round_trip(path);
    free(text);
  }
}

/* Found by libFuzzer: "r0 a,,$ 2" read "$" as a node (commas separate tokens), and its canonical
 * text "r0 a $ 2" then read "$ 2" as a comment. A '$' after a comma starts a comment too. */
Test(roundtrip, dollar_after_a_comma_is_a_comment) {
  kh_netlist *nl = kh_test_parse("t\nr0 a,b,1,$ note\nr1 b 0 1\nv1 a 0 1\n");
  cr_expect_eq(kh_netlist_element(nl, 0).value, 1.0);
  kh_netlist_free(nl);
  cr_expect(strstr(kh_test_parse_error("t\nr0 a,,$ ,,,, ,,,,2\n"), "needs two nodes"));
}

/* Found by libFuzzer: "iv 0" continued by "+$dc 2.5" read "$dc" as a node (the '+' separates
 * like a blank), and its canonical text "iv 0 $dc dc 2.5" then read "$dc dc 2.5" as a comment.
 * A '$' right after a continuation's '+' starts a comment too. */
Test(roundtrip, dollar_after_a_continuation_plus_is_a_comment) {
  kh_netlist *nl = kh_test_parse("t\nr0 a b\n+$ a comment\n+ 2\nr1 b 0 1\nv1 a 0 1\n");
  cr_expect_eq(kh_netlist_element(nl, 0).value, 2.0);
  kh_netlist_free(nl);
  cr_expect(strstr(kh_test_parse_error("3nnts ase 0\nIVN 0\n+$DC 2.5"), "needs two nodes"), "%s",
            kh_test_parse_error("3nnts ase 0\nIVN 0\n+$DC 2.5"));
}

/* Element `name` of nl (asserted). */
static size_t found(const kh_netlist *nl, const char *name) {
  size_t i = kh_netlist_find_element(nl, name);
  cr_assert_neq(i, (size_t)-1, "no element '%s'", name);
  return i;
}

/* `off` on a diode, JFET, MOSFET, VDMOS and BJT is kept (general Newton holds such a device at
 * 0 V in its first iterations, as ngspice does: tests/data/compat/bjt_latch_off.cir,
 * mosfet_latch_off.cir) and written back; the same devices without it are not off. */
Test(roundtrip, off_is_kept_and_written_back) {
  const char *text = "t\n.model dm d\n.model jm njf\n.model mm nmos\n.model vm vdmos\n"
                     ".model qm npn\nv1 a 0 1\nr1 a b 1k\n"
                     "d1 b 0 dm off\nd2 b 0 dm\nj1 a b 0 jm off\nj2 a b 0 jm\n"
                     "m1 a b 0 0 mm off\nm2 a b 0 0 mm\nm3 a b 0 vm off\nq1 a b 0 qm off\n"
                     "q2 a b 0 qm\n";
  kh_netlist *nl = kh_test_parse(text);
  cr_expect(kh_netlist_diode_instance(nl, found(nl, "d1")).off);
  cr_expect(!kh_netlist_diode_instance(nl, found(nl, "d2")).off);
  cr_expect(kh_netlist_jfet_instance(nl, found(nl, "j1")).off);
  cr_expect(!kh_netlist_jfet_instance(nl, found(nl, "j2")).off);
  cr_expect(kh_netlist_mosfet_instance(nl, found(nl, "m1")).off);
  cr_expect(!kh_netlist_mosfet_instance(nl, found(nl, "m2")).off);
  cr_expect(kh_netlist_mosfet_instance(nl, found(nl, "m3")).off);
  cr_expect(kh_netlist_bjt_instance(nl, found(nl, "q1")).off);
  cr_expect(!kh_netlist_bjt_instance(nl, found(nl, "q2")).off);
  kh_netlist_free(nl);
  char *written = kh_test_written_back(text);
  const char *lines[] = {"d1 b 0 dm off\n", "j1 a b 0 jm off\n", "m1 a b 0 0 mm off\n",
                         "m3 a b 0 vm off\n", "q1 a b 0 qm off\n"};
  for (size_t k = 0; k < sizeof lines / sizeof *lines; k++)
    cr_expect(strstr(written, lines[k]), "'%s' not in:\n%s", lines[k], written);
  cr_expect(!strstr(written, "d2 b 0 dm off") && !strstr(written, "q2 a b 0 qm off"), "%s",
            written);
  free(written);
}

/* A BSIM3 VERSION is written back as the text ngspice reads to the same model and revision: as a
 * decimal, 3.3 prints as 3.2999999999999998, which ngspice's front end takes to BSIM3v32 at no
 * revision it knows, and 3.24 as 3.2400000000000002 (no revision either; 3.1 must stay exactly
3.1 for BSIM3v1). Both the written deck
 * and the ngspice backend's get the text. */
Test(roundtrip, bsim3_versions_are_written_as_text) {
  static const char *const given[] = {"3.3",   "3.3.0", "3.24", "3.2.4",
                                      "3.2.3", "3.22",  "3.2",  "3.1"};
  static const char *const written_as[] = {"3.3.0", "3.3.0", "3.2.4", "3.2.4",
                                           "3.2.3", "3.2.2", "3.2",   "3.1"};
  for (size_t k = 0; k < sizeof given / sizeof *given; k++) {
    char text[256], want[64];
    snprintf(text, sizeof text,
             "t\n.model n1 nmos level=49 version=%s tox=4n\nv1 d 0 1\nm1 d d 0 0 n1\n", given[k]);
    snprintf(want, sizeof want, "version=%s ", written_as[k]);
    char *written = kh_test_written_back(text);
    cr_expect(strstr(written, want), "'%s' not in:\n%s", want, written);
    free(written);
  }
}
