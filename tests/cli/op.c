/* The `kirchhoff op` command as a user runs it: output formats and exit codes. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

Test(cli, csv_output) {
  const char *path = kh_test_write_temp("div.cir", "divider\nv1 in 0 1\nr1 in mid 1k\n"
                                                   ".subckt s a\nr2 a 0 3k\n.ends\nx1 mid s\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op --csv %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_assert_str_eq(out, "node,voltage\nin,1\nmid,0.75\n");
  free(out);
}

Test(cli, plain_output_ends_with_the_kcl_residual) {
  const char *path = kh_test_write_temp("res.cir", "t\nv1 in 0 1\nr1 in mid 1k\nr2 mid 0 3k\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_assert(strstr(out, "mid                      0.75\n# KCL residual "), "%s", out);
  free(out);
  /* ngspice's answer to a circuit with controlled sources is not checked: said so, not 'nan' */
  path = kh_test_write_temp("g.cir", "t\nv1 a 0 1\nr1 a b 1k\nr2 b 0 1k\ng1 0 c b 0 1m\n"
                                     "r3 c 0 1k\n");
  const char *forms[] = {"", " --timing"};
  for (int k = 0; k < 2; k++) {
    snprintf(args, sizeof args, "op --backend ngspice%s %s", forms[k], path);
    cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
    cr_expect(strstr(out, "KCL residual not computed (ngspice's answer to a circuit with "
                          "controlled sources") &&
                  !strstr(out, "nan"),
              "%s", out);
    free(out);
  }
}

Test(cli, compare_reports_difference_and_times) {
  const char *path = kh_test_write_temp("cmp.cir", "t\nv1 in 0 1\nr1 in mid 1k\nr2 mid 0 3k\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op --compare %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_assert(strstr(out, "max |dV|: "), "%s", out);
  cr_assert(strstr(out, "native: ") && strstr(out, "ngspice: "), "%s", out);
  cr_assert(strstr(out, "KCL residual: native "), "%s", out);
  free(out);
}

/* The reading check: ngspice's .op of the file itself, its include read relative to the file
 * and a subcircuit model's IS from the instance (which kirchhoff read from a shadowed global
 * until 2026-12-05), against ngspice's .op of kirchhoff's rewrite; decks with learning cards or
 * .control blocks are not given to ngspice whole, and say so. */
/* op --compare on deck `text` (written as `name`) exits 0 and says `says`. */
static void compare_says(const char *name, const char *text, const char *says) {
  char args[600], *out;
  snprintf(args, sizeof args, "op --compare --quiet %s", kh_test_write_temp(name, text));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, says), "%s", out);
  free(out);
}

Test(cli, compare_checks_the_reading_against_ngspice_reading_the_file) {
  kh_test_write_temp("cell.inc", ".subckt cell a b isat=1e-12\n.model dm d(is={isat})\nd1 a b dm\n"
                                 ".ends\n");
  compare_says("reading.cir",
               "t\n.param isat=1e-14\n.include cell.inc\nv1 a 0 1\nr1 a b 1k\n"
               "x1 b 0 cell isat=1e-10\n",
               "ngspice on the file itself: 2 nodes compared");
  compare_says("control.cir", "t\nv1 a 0 1\nr1 a 0 1k\n.control\nop\nprint v(a)\n.endc\n",
               "not run (the deck has .control blocks");
  compare_says("learning.cir",
               "t\nv1 a 0 1\nr1 a b 1k\nr2 b 0 1k\n.input v1\n.output b\n.train r1\n",
               "not run (the deck has learning cards");
}

/* A zener in breakdown at the default reltol (1e-3): ngspice stops its search for the knee at
 * reltol, and the ngspice backend runs at 1e-9, so the compare gives kirchhoff that reltol too.
 * At the deck's, the two knees were 4.5e-5 V apart and the compare failed (seen on a random
 * deck of bench/random_decks.py --syntax). Plain op keeps the deck's reltol: its knee differs. */
Test(cli, compare_holds_a_zener_at_the_knee_ngspice_holds) {
  const char *path =
      kh_test_write_temp("zener.cir", "zener at the default reltol\nv1 a 0 10\nr1 a k 1k\n"
                                      "d1 0 k dz area=0.71\n"
                                      ".model dz d(is=2.52n n=1.17 rs=3.22 bv=5.51 ibv=1e-6)\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op --compare --quiet %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  double dv = 1;
  const char *at = strstr(out, "max |dV|: ");
  cr_assert(at && sscanf(at, "max |dV|: %lf", &dv) == 1 && dv < 1e-9, "%s", out);
  free(out);
  double k[2];
  for (int tight = 0; tight < 2; tight++) {
    const char *deck =
        tight ? kh_test_write_temp("zener_tight.cir", "zener at reltol 1e-9\n.options reltol=1e-9\n"
                                                      "v1 a 0 10\nr1 a k 1k\nd1 0 k dz area=0.71\n"
                                                      ".model dz d(is=2.52n n=1.17 rs=3.22 bv=5.51 "
                                                      "ibv=1e-6)\n")
              : path;
    snprintf(args, sizeof args, "op --csv --quiet %s", deck);
    cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
    const char *row = strstr(out, "\nk,");
    cr_assert(row && sscanf(row, "\nk,%lf", &k[tight]) == 1, "%s", out);
    free(out);
  }
  cr_assert_gt(fabs(k[0] - k[1]), 1e-6, "the knee at reltol 1e-3 and 1e-9: %.12g, %.12g", k[0],
               k[1]);
}

/* --tol is volts up to 1 V and relative above: a deck whose products reach 5.3e9 V (two right
 * answers there differ by microvolts: 1.4e-5 V seen) passes, and a tolerance below round-off
 * fails with the node, its voltage and the scale in the message. */
Test(cli, compare_tolerance_is_relative_above_a_volt) {
  const char *deck = "products\nv1 a 0 0.7\nv2 b 0 -1.3\nv3 c 0 2.1\nr1 a 0 1\nr2 b 0 0.5\n"
                     "r3 c 0 2\nh0 o0 0 poly(2) v2 v1 0.4624 0 0 0 0 0 -1.676 1.679\nro0 o0 0 1k\n"
                     "e1 o1 0 poly(2) c a (c,o0) -1.639 0 0 0 1.717 -1.275 1.837 0 0\n"
                     "ro1 o1 0 1k\ne2 o2 0 poly(3) (o1,a) o1 b (b,a) 0 0 -1.589 0.8147 1.535 0 "
                     "0 0 -0.3139 -0.2377 -0.4301 -0.4119 0\nro2 o2 0 1k\n";
  char args[600], *out;
  const char *path = kh_test_write_temp("products.cir", deck);
  snprintf(args, sizeof args, "op --compare --quiet %s", path);
  cr_expect_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  double dv = kh_test_number_after(out, "max |dV|:");
  cr_expect(dv < 1e-6 * 5.4e9, "%s", out);
  free(out);
  snprintf(args, sizeof args, "op --compare --quiet --tol 1e-30 %s", path);
  cr_expect_eq(kh_test_cli_run(args, &out), 3, "%s", out);
  cr_expect(strstr(out, "kirchhoff: backends disagree by") && strstr(out, "V times max(1, |V|)"),
            "%s", out);
  free(out);
}

/* A latch (three operating points) with .nodeset: op ends in the state the card names, and its
 * note says that Newton started there; without the card it says that one could pick another;
 * with a nodeset Newton cannot hold, that it let the nodes go. */
Test(cli, nodeset_is_named_in_the_note) {
  const char *deck = "latch\n.model dd d(is=1e-12)\nr1 a 0 1k\ng1 a 0 a 0 -2m\nd1 a 0 dd\n"
                     "d2 0 a dd\n";
  char text[300], args[600], *out;
  snprintf(text, sizeof text, "%s.nodeset v(a)=-1\n", deck);
  snprintf(args, sizeof args, "op --csv %s", kh_test_write_temp("latch.cir", text));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "starting from .nodeset as ngspice does") && strstr(out, "a,-0.519"), "%s",
            out);
  free(out);
  snprintf(args, sizeof args, "op --csv %s", kh_test_write_temp("latch0.cir", deck));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, ".nodeset or a device's off can pick another") && strstr(out, "a,0\n"),
            "%s", out);
  free(out);
  /* held at 100 V the junctions' currents overflow: Newton lets the nodes go and says so */
  snprintf(text, sizeof text, "%s.nodeset v(a)=100\n", deck);
  snprintf(args, sizeof args, "op --csv %s", kh_test_write_temp("latch100.cir", text));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "from 0 V: Newton with the .nodeset nodes held did not converge"), "%s",
            out);
  free(out);
}

/* A deck ngspice answers only by its transient-op fallback: the ngspice backend turns that off
 * and fails at once with ngspice's message (it ran for minutes at the backend's tolerances),
 * as kirchhoff's own solve fails. */
Test(cli, the_ngspice_backend_fails_at_once_without_transient_op, .timeout = 60) {
  char args[600], *out;
  snprintf(args, sizeof args, "op --quiet --backend ngspice %s/good/transient_op_only.cir",
           kh_test_data_dir());
  cr_assert_eq(kh_test_cli_run(args, &out), 4, "%s", out);
  cr_expect(strstr(out, "ngspice found no operating point"), "%s", out);
  free(out);
}

/* --ngspice-limit stops a run that never ends (the stand-in libngspice whose `op` waits
 * forever on a circuit titled "hang", support/crashing_ngspice.c) with exit 4 and says so; a
 * negative limit is a usage error. */
/* `kirchhoff op --compare` on a deck named `name` holding `text`, with `more` options, beside the
 * stand-in libngspice (support/crashing_ngspice.c): the exit code, its output into *out. */
static int compare_with_stand_in(const char *name, const char *text, const char *more, char **out) {
  const char *fake = getenv("KH_CRASHING_NGSPICE");
  cr_assert(fake, "KH_CRASHING_NGSPICE not set");
  char args[1200];
  snprintf(args, sizeof args, "op --compare %s %s", kh_test_write_temp(name, text), more);
  setenv("KH_NGSPICE_LIBRARY", fake, 1);
  int rc = kh_test_cli_run(args, out);
  unsetenv("KH_NGSPICE_LIBRARY");
  return rc;
}

Test(cli, compare_stops_ngspice_past_its_time_limit, .timeout = 60) {
  char *out;
  int rc = compare_with_stand_in(
      "hang.cir", "hang\n.model nm nmos level=54\nvdd d 0 1\nr1 d x 1k\nm1 x x 0 0 nm\n",
      "--ngspice-limit 1", &out);
  cr_assert_eq(rc, 4, "%s", out);
  cr_expect(strstr(out, "ngspice took longer than 1 s finding the operating point and was "
                        "stopped"),
            "%s", out);
  free(out);
  cr_assert_eq(kh_test_cli_run("op x.cir --ngspice-limit -1", &out), 1);
  cr_expect(strstr(out, "--ngspice-limit needs seconds >= 0"), "%s", out);
  free(out);
}

/* op --compare calls ngspice's answer another operating point only when kirchhoff's Newton,
 * started there, stays there; where that Newton fails (here from the stand-in libngspice's NaN,
 * support/crashing_ngspice.c), the backends disagree, exit 3 (until 2026-12-07 a failed Newton
 * counted as staying: "another operating point", exit 0). */
Test(cli, compare_does_not_take_an_answer_newton_cannot_start_from) {
  char *out;
  int rc = compare_with_stand_in("nan.cir", "nan\nv1 a 0 1\ng1 0 b a 0 1m\nr1 b 0 1k\n", "", &out);
  cr_expect_eq(rc, 3, "%s", out);
  cr_expect(strstr(out, "backends disagree"), "%s", out);
  cr_expect(!strstr(out, "another operating point"), "%s", out);
  free(out);
}

/* A self-heating device settled hotter than silicon melts is told: this VDMOS (two bare diodes
 * around it) settles at 37601 degrees C and 3.6 MA, past the fold where its cool states end
 * (bench/random_decks.py seed 8138, reduced; docs/netlist.md). The compatibility corpus's
 * self-heating decks say nothing of the kind. */
Test(cli, a_device_hotter_than_melting_silicon_is_noted) {
  const char *deck = kh_test_write_temp(
      "runaway.cir", "runaway\n.temp -20\nv15 x5 0 -1.291\nv16 5 0 1.49\n"
                     ".model dm1 d(is=4.35e-9 n=1.625)\nd20 x2 x5 dm1 m=2\nd21 5 n3 dm1\n"
                     ".model vd0 vdmos(vto=3.21 kp=0.2 rd=2 rs=14m theta=0.0827 rthjc=5 rthca=50)\n"
                     "vamb amb 0 25\nm35 x2 5 n3 m35_tj m35_tc vd0 thermal temp=9\n");
  char args[1200], *out;
  snprintf(args, sizeof args, "op %s", deck);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "note: 'm35' settles at 3760"), "%s", out);
  cr_expect(strstr(out, "thermal runaway"), "%s", out);
  free(out);
  const char *cool[] = {"vdmos_self_heating", "diode_self_heating", "bjt_vbic_self_heating"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(args, sizeof args, "op %s/compat/%s.cir", kh_test_data_dir(), cool[i]);
    cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
    cr_expect(!strstr(out, "no silicon device survives"), "%s: %s", cool[i], out);
    free(out);
  }
}

/* A megaampere is past any device: the note names the element (the device that draws it rather
 * than the source), on the co-content path and on general Newton's, and not at 100 A. */
Test(cli, a_current_past_a_megaampere_is_noted) {
  struct {
    const char *text, *note;
  } decks[] = {
      {"short\nv1 a 0 1k\nr1 a 0 1u\n", "note: 'r1' carries 1e+09 A"},
      /* bench/random_decks.py --supply seed 332, reduced: ngspice agrees at 8.2e293 A */
      {"mos2\nV15 n6 0 dc -20.9095\nV16 x0 0 dc 58.0958\nI17 n6 4a dc 0.0587344\n"
       ".model zm0 pmf(vto=-0.513 beta=2.5m lambda=0.0994 rd=3.5)\nZ32 6a gate33 x0 zm0 m=1\n"
       ".model qv1 npn(level=4 is=1e-17 rbx=10 re=0.15 rs=20 nen=1.85 ibeip=1e-18 ikp=1e-3 "
       "ver=3.3 ikf=2e-3 avc1=2 ajc=0.05 xis=-1.03 xrc=0.812 rth=300)\n"
       "Q38 4a base39 6a x4 qv1 temp=69\nR40 base39 n6 10k\n.model mm0 pmos(vto=-1.06 kp=40u "
       "phi=0.667 lambda=0.0249 level=2 vmax=5e4 ucrit=6e4 neff=4 nfs=8e11 nsub=2e15)\n"
       "M46 x0 x4 4a 0 mm0 l=5u w=2u\n",
       "note: 'm46' carries 8.2"},
      {"hundred amperes\nv1 a 0 1k\nr1 a 0 10\n", NULL},
  };
  for (size_t k = 0; k < sizeof decks / sizeof *decks; k++) {
    char args[1200], *out;
    snprintf(args, sizeof args, "op %s", kh_test_write_temp("huge.cir", decks[k].text));
    cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
    if (decks[k].note)
      cr_expect(strstr(out, decks[k].note), "%s", out);
    else
      cr_expect(!strstr(out, "megaampere"), "%s", out);
    free(out);
  }
}

Test(cli, exit_codes) {
  char *out;
  cr_assert_eq(kh_test_cli_run("", &out), 1);
  free(out);
  cr_assert_eq(kh_test_cli_run("frobnicate", &out), 1);
  free(out);
  cr_assert_eq(kh_test_cli_run("op --bogus x.cir", &out), 1);
  free(out);
  cr_assert_eq(kh_test_cli_run("op", &out), 1);
  free(out);
  cr_assert_eq(kh_test_cli_run("op --backend spice3 x.cir", &out), 1);
  free(out);
  cr_assert_eq(kh_test_cli_run("op /nonexistent/x.cir", &out), 2);
  cr_assert(strstr(out, "/nonexistent/x.cir: cannot read netlist"), "%s", out);
  free(out);
  const char *bad = kh_test_write_temp("bad.cir", "t\nr1 a 0 1.5mk\nv1 a 0 1\n");
  char args[600];
  snprintf(args, sizeof args, "op %s", bad);
  cr_assert_eq(kh_test_cli_run(args, &out), 2);
  cr_assert(strstr(out, "bad.cir:2:12: unknown suffix"), "%s", out);
  free(out);
  const char *floating =
      kh_test_write_temp("float.cir", "t\nr1 a 0 1k\nv1 a 0 1\nr2 b c 1\ni1 0 c 1m\n");
  snprintf(args, sizeof args, "op %s", floating);
  cr_assert_eq(kh_test_cli_run(args, &out), 2);
  cr_assert(strstr(out, "float.cir:4:1: node 'b'"), "%s", out);
  free(out);
}

Test(cli, help_and_version) {
  char *out;
  cr_assert_eq(kh_test_cli_run("--version", &out), 0);
  cr_assert(strncmp(out, "kirchhoff ", 10) == 0, "%s", out);
  cr_assert(strstr(out, "\nOpenBLAS "), "%s", out);
  /* one OpenBLAS thread unless asked for more, where OpenBLAS is linked into the tool */
  const char *in_tool = getenv("KH_BLAS_IN_TOOL");
  if (in_tool && !strcmp(in_tool, "1") && !getenv("OPENBLAS_NUM_THREADS"))
    cr_assert(strstr(out, ", 1 thread\n"), "%s", out);
  free(out);
  char command[1100];
  snprintf(command, sizeof command, "OPENBLAS_NUM_THREADS=2 '%s' --version", kh_test_cli());
  cr_assert_eq(kh_test_run(command, &out), 0);
  cr_assert(strstr(out, ", 2 threads\n"), "%s", out);
  free(out);
  cr_assert_eq(kh_test_cli_run("op --help", &out), 0);
  cr_assert(strstr(out, "usage: kirchhoff op FILE"), "%s", out);
  free(out);
  cr_assert_eq(kh_test_cli_run("--help", &out), 0);
  cr_assert(strstr(out, "commands:"), "%s", out);
  free(out);
}

typedef struct {
  const char *name;
  double amps;
} named_current;

/* op --csv --currents on `deck`: each element's current within rel |amps| + abs. */
static void expect_currents(const char *file, const char *deck, const named_current *want,
                            size_t count, double rel, double abs) {
  char args[600], *out, key[64];
  snprintf(args, sizeof args, "op --csv --currents --quiet %s", kh_test_write_temp(file, deck));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "\nelement,current,power\n"), "%s", out);
  for (size_t k = 0; k < count; k++) {
    snprintf(key, sizeof key, "\n%s,", want[k].name);
    const char *row = strstr(out, key);
    cr_assert(row, "%s missing in %s", want[k].name, out);
    double got = strtod(row + strlen(key), NULL);
    cr_expect(fabs(got - want[k].amps) <= rel * fabs(want[k].amps) + abs,
              "%s: %.17g, want %.17g\n%s", want[k].name, got, want[k].amps, out);
  }
  free(out);
}

/* op --currents: element currents as ngspice 39 reports them for the same deck (v1#branch
 * -2.66666798406e-3, l1#branch 3.952185484914e-9, v2#branch 2.666664031876e-3, @d1[id]). */
Test(cli, element_currents) {
  const named_current want[] = {{"v1", -2.66666798406e-3},
                                {"l1", 3.952185484914e-9},
                                {"v2", 2.666664031876e-3},
                                {"d1", 3.952185484914e-9},
                                {"c1", 0}};
  expect_currents("currents.cir",
                  "t\n.model dd d(is=1e-14 rs=5)\nv1 a 0 5\nr1 a b 1k\nd1 b c dd\nl1 c e 1u\n"
                  "r2 e 0 2k\ni1 0 e 1m\nv2 b f 1\nr3 f 0 500\nc1 f 0 1u\n",
                  want, sizeof want / sizeof want[0], 1e-9, 1e-20);
}

/* A transistor's row is its drain current, as ngspice's @j1[id] (2.2950686686e-3 for this deck:
 * the gate forward through RG, 0.443 mA into it), and no power: id vds alone would leave out
 * what its gate junction absorbs. */
Test(cli, transistor_currents_are_the_drain_current_without_a_power) {
  const char *deck = "t\nvdd vdd 0 10\nvg in 0 5\nrg in g 10k\nrd vdd d 1k\nj1 d g 0 jx\n"
                     ".model jx njf(vto=-1 beta=1m is=1e-12 rs=20 rd=30)\n";
  const named_current want[] = {{"j1", 2.2950686686e-3}, {"rd", 2.2950686686e-3}};
  expect_currents("jfet_currents.cir", deck, want, 2, 1e-9, 0);
  char args[600], *out;
  snprintf(args, sizeof args, "op --csv --currents --quiet %s",
           kh_test_write_temp("jfet_currents.cir", deck));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  const char *row = strstr(out, "\nj1,");
  cr_assert(row, "%s", out);
  cr_expect(strchr(row + 1, '\n')[-1] == ',', "a power for j1: %s", out);
  free(out);
  snprintf(args, sizeof args, "op --currents %s", kh_test_write_temp("jfet_currents.cir", deck));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "(drain; no power: gate and bulk currents not reported)"), "%s", out);
  free(out);
}

/* A BJT's row is its collector current, as ngspice's @q1[ic] (1.567494430939e-3 for this deck,
 * ngspice 39 at reltol=1e-12), into the collector inside RC, and no power. */
Test(cli, bjt_currents_are_the_collector_current_without_a_power) {
  const char *deck = "t\nvcc vcc 0 10\nvb in 0 2\nrb in b 47k\nrc vcc c 2k\nq1 c b e qx\n"
                     "re e 0 500\n.model qx npn(is=1e-15 bf=150 vaf=60 rb=20 rc=3 re=1 ikf=20m)\n";
  const named_current want[] = {{"q1", 1.567494430939e-3}};
  expect_currents("bjt_currents.cir", deck, want, 1, 1e-10, 0);
  char args[600], *out;
  snprintf(args, sizeof args, "op --currents %s", kh_test_write_temp("bjt_currents.cir", deck));
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "(collector; no power: base and substrate currents not reported)"), "%s",
            out);
  free(out);
}

/* Ideal diodes carry what KCL leaves when they conduct and nothing when they do not (closed
 * forms: a 5 V source through 1 kOhm into a clamp at 2 V carries 3 mA; a clamp at 8 V is off),
 * as a deep resistive network's clamp pairs do. */
Test(cli, element_currents_with_ideal_diodes) {
  const named_current want[] = {{"d1", 3e-3},
                                {"v2", 3e-3},
                                {"r1", 3e-3},
                                {"d2", 0},
                                {"v3", 0},
                                {"r3", 2.5e-3},
                                {"dhi", 4e-3},
                                {"vhi", 4e-3},
                                {"dlo", 0},
                                {"vlo", 0},
                                {"v1", -(3e-3 + 2.5e-3 + 4e-3)}};
  expect_currents("ideal_currents.cir",
                  "t\n.model id d(kh_ideal=1)\nv1 a 0 5\nr1 a b 1k\nd1 b c id\nv2 c 0 2\n"
                  "r2 a e 1k\nd2 e f id\nv3 f 0 8\nr3 e 0 1k\n"
                  "r4 a h 1k\ndhi h g id\nvhi g 0 1\ndlo k h id\nvlo k 0 -1\n",
                  want, sizeof want / sizeof want[0], 0, 1e-12);
}

/* Controlled sources without a co-content go through general Newton, currents included (closed
 * forms): g1 turns v(a) = 2 V into 2 mA out of b (v(b) = -2 V across 1 kOhm); h1 holds c at
 * 1 kOhm times i(v1) = -1 mA, so r3 carries -0.5 mA and h1 +0.5 mA. */
Test(cli, element_currents_through_general_newton) {
  const named_current want[] = {
      {"g1", 2e-3}, {"r2", -2e-3}, {"v1", -1e-3}, {"r3", -0.5e-3}, {"h1", 0.5e-3}};
  expect_currents("general_currents.cir",
                  "t\nv1 a 0 2\nr1 a 0 2k\ng1 b 0 a 0 1m\nr2 b 0 1k\nh1 c 0 v1 1k\nr3 c 0 2k\n",
                  want, sizeof want / sizeof want[0], 1e-12, 1e-18);
}

/* An island no current can enter (a resistor and a 0 A source with no path to ground) is held
 * at 0 V, as ngspice holds it, with a warning naming it; a current into it stays an error. */
Test(cli, inert_islands_held_at_zero) {
  const char *path = kh_test_write_temp(
      "island.cir", "t\nv1 a 0 1\nr1 a 0 1k\ni1 b 0 0\nr2 b c 1k\nl1 c d 1u\nc1 d 0 1n\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op --csv --quiet %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "warning: 3 nodes with no DC path to ground and no current into them "
                        "(first 'b') held at 0 V"),
            "%s", out);
  cr_expect(strstr(out, "\nb,0\nc,0\nd,0\n"), "%s", out);
  free(out);
}

/* Amplifier pairs in a loop whose gains do not multiply to 1 have no energy: op says so and
 * solves them by general Newton (closed form: v(a) = 2/3 V), ngspice agreeing. */
Test(cli, amplifier_loops_without_energy_go_to_general_newton) {
  const char *path =
      kh_test_write_temp("feedback.cir", "t\nv1 in 0 1\nr1 in a 1\ne1 p 0 a 0 2\nvs p q 0\n"
                                         "r2 q a 1\nr3 q 0 1\nf1 a 0 vs 0.5\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op --csv %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "has no energy to minimize; solved by general Newton instead"), "%s", out);
  const char *row = strstr(out, "\na,");
  cr_assert(row, "%s", out);
  cr_expect(fabs(strtod(row + 3, NULL) - 2.0 / 3) <= 1e-15, "%s", out);
  free(out);
  snprintf(args, sizeof args, "op --compare --quiet %s", path);
  cr_expect_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  free(out);
}

/* Amplifier circuits' currents come from general Newton started at the answer (closed forms: 1 V
 * through 1 kOhm into an amplifier of gain 2 whose F draws half the 1 mA output current). */
Test(cli, element_currents_with_amplifiers) {
  const named_current want[] = {{"v1", -0.5e-3}, {"r1", 0.5e-3}, {"e1", -1e-3},
                                {"vs", 1e-3},    {"r2", 1e-3},   {"f1", 0.5e-3}};
  expect_currents("amplifier_currents.cir",
                  "t\nv1 in 0 1\nr1 in a 1k\ne1 p 0 a 0 2\nvs p q 0\nr2 q 0 1k\nf1 a 0 vs 0.5\n",
                  want, sizeof want / sizeof want[0], 1e-12, 1e-18);
}

/* With ideal diodes too: each is, at the answer, the source of its threshold (conducting) or an
 * open (blocking), which general Newton takes as such. d1 clamps a to 0 V, so the amplifier
 * sees 0 V and carries nothing, and r1's 1 mA all flows in d1; d2 is reverse-biased by 1 V. */
Test(cli, element_currents_with_amplifiers_and_ideal_diodes) {
  const named_current want[] = {{"v1", -1e-3}, {"r1", 1e-3}, {"e1", 0},    {"vs", 0},
                                {"r2", 0},     {"f1", 0},    {"d1", 1e-3}, {"d2", 0}};
  expect_currents("amplifier_ideal_currents.cir",
                  "t\n.model di d(kh_ideal=1)\nv1 in 0 1\nr1 in a 1k\ne1 p 0 a 0 2\nvs p q 0\n"
                  "r2 q 0 1k\nf1 a 0 vs 0.5\nd1 a 0 di\nd2 0 in di\n",
                  want, sizeof want / sizeof want[0], 1e-12, 1e-18);
}

/* A diode whose current can fall (ISR) goes to general Newton, and op says the operating point
 * may not be the only one; the answer agrees with ngspice. */
Test(cli, recombination_diodes_say_the_answer_may_not_be_unique) {
  const char *path = kh_test_write_temp(
      "isr.cir", "t\n.model dr d(is=1e-30 isr=1e-9 nr=4 vj=0.3 m=0.9)\nv1 1 0 0.6\n"
                 "r1 1 2 100k\nd1 2 0 dr\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "note: diode 'd1': ISR's recombination current steps at -3 N Vt"), "%s",
            out);
  cr_expect(strstr(out, "may not be the only one"), "%s", out);
  free(out);
  snprintf(args, sizeof args, "op --compare --quiet %s", path);
  cr_expect_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  free(out);
}

/* ngspice ignores a value an X line gives for a name the subcircuit never declares; kirchhoff
 * ignores it too and says where, since it is usually a misspelt parameter. */
Test(cli, an_unused_instance_parameter_is_noted) {
  const char *path = kh_test_write_temp(
      "unused_param.cir", "t\n.subckt leg a b r=1\nr1 a b {r}\n.ends\nv1 1 0 1\nx1 1 0 leg rr=2\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "unused_param.cir:6:12: note: subcircuit 'leg' has no parameter 'rr'"),
            "%s", out);
  free(out);
}

/* KiCad's net names keep their parentheses (Net-(R1-Pad2)); libngspice names such a node's
 * vector without its last ')', and --compare still finds it. */
Test(cli, compare_finds_nodes_named_as_kicad_names_them) {
  const char *path =
      kh_test_write_temp("kicad.cir", "t\nV1 Net-(J1-Pad1) 0 5\nR1 Net-(J1-Pad1) Net-(R1-Pad2) 1k\n"
                                      "R2 Net-(R1-Pad2) 0 3k\n");
  char args[600], *out;
  snprintf(args, sizeof args, "op --compare %s", path);
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  cr_expect(strstr(out, "nodes: 2") && strstr(out, "max |dV|: 0.000e+00 V"), "%s", out);
  free(out);
}

/* ngspice 39 writes b3v33check.log (BSIM3v1, VERSION 3.1: b3v3_1check.log) into the working
 * directory whenever it sets up a BSIM3 model, and its BSIM4 bsim4.out (BSIM4v6 and BSIM4v7:
 * bsim4v6.out, bsim4v7.out) where its check warns: the compare (the backend and the reading check)
 * leaves none behind where there was none, and refuses to let ngspice overwrite a file of that name
 * that is not one of its logs, which stays as it was. */
static void keeps_check_log(const char *card, const char *name) {
  char text[512], dir[1024], cmd[4096], log[1100], *out;
  snprintf(text, sizeof text,
           "t\n.model n1 nmos %s\n"
           "vd d 0 1.5\nvg g 0 1.2\nr1 d x 1k\nm1 x g 0 0 n1 w=7.5u l=0.35u\n",
           card);
  const char *deck = kh_test_write_temp("bsim3_log.cir", text);
  snprintf(dir, sizeof dir, "%s", deck);
  *strrchr(dir, '/') = '\0';
  snprintf(log, sizeof log, "%s/%s", dir, name);
  snprintf(cmd, sizeof cmd, "cd '%s' && '%s' op --compare --quiet bsim3_log.cir 2>&1", dir,
           kh_test_cli());
  cr_assert_eq(kh_test_run(cmd, &out), 0, "%s", out);
  cr_expect(strstr(out, "ngspice on the file itself: 3 nodes compared"), "%s", out);
  cr_expect(access(log, F_OK) != 0, "ngspice's %s was left behind", name);
  free(out);
  kh_test_write_temp(name, "my notes\n");
  cr_expect_eq(kh_test_run(cmd, &out), 2, "%s", out);
  cr_expect(strstr(out, "would overwrite the file of that name here"), "%s", out);
  free(out);
  char *kept = kh_test_read_file(log);
  cr_expect(kept && !strcmp(kept, "my notes\n"), "the file became: %s", kept ? kept : "(gone)");
  free(kept);
  unlink(log);
}

Test(cli, compare_keeps_bsim_check_logs_out_of_the_working_directory, .timeout = 60) {
  keeps_check_log("level=49 version=3.3.0 tox=3.5n nch=2.4e17 vth0=0.6", "b3v33check.log");
  keeps_check_log("level=49 version=3.1 tox=3.5n nch=2.4e17 vth0=0.6", "b3v3_1check.log");
  keeps_check_log("level=54 toxe=3.5n vth0=0.6 a2=1.2", "bsim4.out");
  keeps_check_log("level=54 version=4.7 toxe=3.5n vth0=0.6 a2=1.2", "bsim4v7.out");
  keeps_check_log("level=54 version=4.6.5 toxe=3.5n vth0=0.6 a2=1.2", "bsim4v6.out");
}

/* ngspice's start-up file can set a compatibility mode (`set ngbehavior=ps`), in which that
 * ngspice reads decks as PSpice does; kirchhoff reads ngspice's own mode, and says so where the
 * file ngspice would read (here the working directory's .spiceinit) sets one. */
Test(cli, op_notes_the_compatibility_mode_of_ngspices_startup_file) {
  const char *deck = kh_test_write_temp("compat_mode.cir", "t\nv1 a 0 1\nr1 a 0 1k\n");
  char dir[1024], cmd[4096], *out;
  snprintf(dir, sizeof dir, "%s", deck);
  *strrchr(dir, '/') = '\0';
  /* a mode kirchhoff reads (ngspice's letters anywhere in the value), and one it does not */
  const char *modes[] = {"ltpsa", "hs"};
  const char *notes[] = {
      ".spiceinit:2 sets ngbehavior=ltpsa: kirchhoff reads the deck as ngspice's LTspice and "
      "PSpice modes read it (rewriting every line",
      ".spiceinit:2 sets ngbehavior=hs: ngspice on this machine reads decks in that compatibility "
      "mode, kirchhoff only in ngspice's own mode and its ps, lt and a modes"};
  const char *forms[] = {"", "--quiet "};
  for (int m = 0; m < 2; m++)
    for (int quiet = 0; quiet < 2; quiet++) {
      snprintf(cmd, sizeof cmd,
               "mkdir -p '%s/mode' && cd '%s/mode' && printf '* mine\\nset ngbehavior = %s\\n' "
               "> .spiceinit && HOME=/nonexistent SPICE_USERINIT_DIR= '%s' op %s"
               "../compat_mode.cir 2>&1; rm -f .spiceinit",
               dir, dir, modes[m], kh_test_cli(), forms[quiet]);
      cr_assert_eq(kh_test_run(cmd, &out), 0, "%s", out);
      cr_expect_eq(strstr(out, notes[m]) != NULL, !quiet, "%s", out);
      free(out);
    }
  snprintf(cmd, sizeof cmd, "cd '%s/mode' && HOME=/nonexistent '%s' op ../compat_mode.cir 2>&1",
           dir, kh_test_cli());
  cr_assert_eq(kh_test_run(cmd, &out), 0, "%s", out);
  cr_expect(!strstr(out, "ngbehavior"), "without the file: %s", out);
  free(out);
}

/* With `set ngbehavior=ps` in ngspice's start-up file, ngspice rewrites included files as PSpice
 * reads them (VSWITCH, TC=a,b, T_ABS, LIMIT/IF/PWR and VT, & and |), and so does kirchhoff: the
 * library below is refused in ngspice's own mode and agrees with ngspice in PSpice mode on each
 * side of the switches' thresholds, at 50 degrees C (the TC and temper). */
Test(cli, op_reads_included_libraries_in_pspice_mode_as_ngspice_does) {
  const char *lib = kh_test_write_temp(
      "vendor.lib", "* a vendor's library\n.subckt amp in out\n"
                    ".model sw1 vswitch(ron=10 roff=1e6 von=0.6 voff=0.4)\n"
                    ".model swt vswitch(vt=0.5 vh=0.1 ron=5 roff=1e7)\n"
                    ".model r_noiseless res(t_abs=-273.15)\nr1 in mid r_noiseless 1k tc=1m,2u\n"
                    "s1 mid 0 in 0 sw1\ns2 mid out out mid sw1\ns3 out 0 in 0 swt\nr2 mid out 2k\n"
                    "g1 0 out value={limit(v(in)*2, -1, 1)*1m}\n"
                    "b1 0 out i={if(v(in) > 0.3 & v(mid) > 0 | v(in) < 0, 1m, 0)}\n"
                    "rl out 0 {pwr(2,3)*100*vt/vt}\n.ends\n");
  char dir[1024], cmd[4096], *out;
  snprintf(dir, sizeof dir, "%s", lib);
  *strrchr(dir, '/') = '\0';
  const double volts[] = {0.45, 0.55, 0.7, -0.2};
  for (size_t k = 0; k < 4; k++) {
    char text[256];
    snprintf(text, sizeof text,
             "t\n.temp 50\n.include vendor.lib\nv1 in 0 %g\nx1 in out amp\nrload out 0 10k\n",
             volts[k]);
    kh_test_write_temp("pspice_deck.cir", text);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && printf 'set ngbehavior=ps\\n' > .spiceinit && HOME=/nonexistent "
             "SPICE_USERINIT_DIR= '%s' op --compare --tol 1e-9 pspice_deck.cir 2>&1; rm -f "
             ".spiceinit",
             dir, kh_test_cli());
    cr_assert_eq(kh_test_run(cmd, &out), 0, "at %g V: %s", volts[k], out);
    cr_expect(strstr(out, "ngspice on the file itself: 4 nodes compared"), "%s", out);
    cr_expect(strstr(out, "reads the deck as ngspice's PSpice mode reads it (rewriting the "
                          "included files' lines"),
              "%s", out);
    free(out);
  }
  snprintf(cmd, sizeof cmd,
           "cd '%s' && HOME=/nonexistent SPICE_USERINIT_DIR= '%s' op pspice_deck.cir 2>&1", dir,
           kh_test_cli());
  cr_expect_eq(kh_test_run(cmd, &out), 2, "ngspice's own mode: %s", out);
  cr_expect(strstr(out, "vendor.lib:6:32: unexpected '2u'"), "refused in the library: %s", out);
  free(out);
}
