/* Model bins: which bin an instance takes (ngspice 39's rules, measured: tests/data/compat
 * holds the same decks against ngspice), and that an instance reads only the per-instance bins
 * its MOSFETs can choose (netlist/bin_choice.c), all of them where the body holds an X line. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* How many times `needle` occurs in the netlist as kirchhoff writes it back. */
static int written(const char *deck, const char *needle) {
  kh_netlist *nl = kh_test_parse(deck);
  kh_context *ctx;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  char *text = NULL;
  cr_assert_eq(kh_netlist_write_string(ctx, nl, &text), KH_OK);
  int n = 0;
  for (const char *s = text; (s = strstr(s, needle)); s++) n++;
  free(text);
  kh_context_free(ctx);
  kh_netlist_free(nl);
  return n;
}

#define BINS                                                                                       \
  ".model nm.0 nmos level=54 version=4.8 lmin=0.1u lmax=2u wmin=0.5u wmax=50u toxe={2n*ts}\n"      \
  ".model nm.1 nmos level=54 version=4.8 lmin=2u lmax=10u wmin=0.5u wmax=50u toxe={2n*ts}\n"       \
  ".model nm.2 nmos level=54 version=4.8 lmin=10u lmax=20u wmin=0.5u wmax=50u toxe={2n*ts}\n"

Test(bins, an_instance_reads_the_bins_its_mosfets_can_choose) {
  const char *deck = "t\n.subckt dev d g l=1 ts=1\nm1 d g 0 0 nm l={l*1u} w=2u\n" BINS ".ends\n"
                     "v1 d 0 1\nvg g 0 0.8\nx1 d g dev l=4\nx2 d g dev l=15\nx3 d g dev l=2.0005\n";
  cr_expect_eq(written(deck, "\n.model "), 4, "x3's L is in nm.0 and, within 1e-9, in nm.1");
  cr_expect_eq(written(deck, "\n.model x1.nm.1 "), 1);
  cr_expect_eq(written(deck, "\n.model x2.nm.2 "), 1);
  /* half a nanometre past nm.0's LMAX: ngspice's 1e-9 tolerance, the first bin in the file */
  cr_expect_eq(written(deck, "\n.model x3.nm.0 "), 1);
  cr_expect_eq(written(deck, " x1.nm.1"), 2, "the card and the MOSFET naming it");
}

Test(bins, every_bin_is_read_where_a_use_cannot_be_judged) {
  /* an X line in the body; a MOSFET naming a bin outright; a geometry not on the line */
  const char *with_x = "t\n.subckt load d\nr1 d 0 1k\n.ends\n.subckt dev d g l=1 ts=1\n"
                       "m1 d g 0 0 nm l={l*1u} w=2u\nx1 d load\n" BINS ".ends\n"
                       "v1 d 0 1\nvg g 0 0.8\nx1 d g dev l=4\n";
  cr_expect_eq(written(with_x, "\n.model x1.nm."), 3);
  const char *named = "t\n.subckt dev d g l=1 ts=1\nm1 d g 0 0 nm l={l*1u} w=2u\n"
                      "m2 d g 0 0 nm.2 l=1u w=2u\n" BINS ".ends\nv1 d 0 1\nvg g 0 0.8\n"
                      "x1 d g dev l=4\n";
  cr_expect_eq(written(named, "\n.model x1.nm."), 2);
  cr_expect_eq(written(named, "\n.model x1.nm.2 "), 1);
  const char *two = "t\n.subckt dev d g l=1 ts=1\nm1 d g 0 0 nm l={l*1u} w=2u\n"
                    "m2 d g 0 0 nm l=0.5u w=2u\n" BINS ".ends\nv1 d 0 1\nvg g 0 0.8\n"
                    "x1 d g dev l=4\n";
  cr_expect_eq(written(two, "\n.model x1.nm."), 2, "nm.1 for m1, nm.0 for m2");
}

Test(bins, width_per_finger_under_wnflag) {
  const char *fmt = "t\n%s\n.model nch.0 nmos level=54 lmin=0.1u lmax=10u wmin=1.6u wmax=3u\n"
                    ".model nch.1 nmos level=54 lmin=0.1u lmax=10u wmin=0.5u wmax=1.4u\n"
                    "vd d 0 1\nvg g 0 0.8\nm1 d g 0 0 nch l=1u w=2u %s\n";
  static const struct {
    const char *option, *words, *bin;
  } cases[] = {{"", "nf=2", "nch.0"},
               {".option wnflag=1", "nf=2", "nch.1"},
               {".options wnflag", "nf=2", "nch.0"},
               {".option wnflag=0.7", "nf=2", "nch.0"},
               {".option wnflag=-1", "nf=2", "nch.1"},
               {".option wnflag=1", "nf=2 wnflag=0", "nch.0"},
               {"", "nf=2 wnflag=1", "nch.1"},
               {".option wnflag=1", "", "nch.0"}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char deck[512], want[64];
    snprintf(deck, sizeof deck, fmt, cases[k].option, cases[k].words);
    snprintf(want, sizeof want, "\nm1 d g 0 0 %s ", cases[k].bin);
    cr_expect_eq(written(deck, want), 1, "%s / %s: want %s", cases[k].option, cases[k].words,
                 cases[k].bin);
  }
}
