/* kirchhoff dc: the deck's .dc sweep against ngspice 39's own sweep of the same decks. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kirchhoff dc --quiet on `deck`, written to a temporary `file`: its exit code, and its output in
 * *out (to free). */
static int run_dc(const char *file, const char *deck, char **out) {
  char args[600];
  snprintf(args, sizeof args, "dc --quiet %s", kh_test_write_temp(file, deck));
  return kh_test_cli_run(args, out);
}

/* Node `node`'s voltage in dc's CSV `out` at the row that starts `row` ("\n-40,"), its column
 * found in the header that starts `header` ("temp-sweep,"); NAN where one is missing. */
static double node_at(const char *out, const char *header, const char *row, const char *node) {
  const char *field = strstr(out, header), *value = strstr(out, row);
  if (!field || !value) return NAN;
  value += *value == '\n';            /* the row's first field */
  for (size_t len = strlen(node);;) { /* the header's fields and the row's in step */
    size_t n = strcspn(field, ",\n");
    if (n == len && !strncmp(field, node, len)) return strtod(value, NULL);
    if (field[n] != ',' || !(value = strchr(value, ','))) return NAN;
    field += n + 1, value++;
  }
}

/* kirchhoff dc: the deck's .dc with two sources, the first varying fastest; 27 rows as
 * ngspice 39 gives them, v(p) at VS = 0.25 V, I1 = 0 matching its 0.125000023235465 V. A sweep
 * of anything but a source, a resistor or TEMP (a capacitor, say) is refused at the card. */
Test(cli, dc_sweeps) {
  char *out = NULL;
  cr_assert_eq(run_dc("sweep.cir",
                      "t\n.model dd d(is=1e-12 n=1.05)\nvs a 0 0\nd1 a p dd\nrl p m 470\n"
                      "d2 m 0 dd\ni1 0 m 0\n.dc vs 0 2 0.25 i1 0 1m 0.5m\n",
                      &out),
               0, "%s", out);
  cr_expect(strncmp(out, "v-sweep,i1,a,p,m\n", 17) == 0, "%s", out);
  size_t rows = 0;
  for (const char *c = out; *c; c++) rows += *c == '\n';
  cr_expect_eq(rows, 28);
  const char *row = strstr(out, "\n0.25,0,0.25,");
  cr_assert(row, "%s", out);
  double vp = strtod(row + strlen("\n0.25,0,0.25,"), NULL);
  cr_expect(fabs(vp - 0.125000023235465) <= 1e-12, "%.17g", vp);
  free(out);
  cr_expect_eq(run_dc("sweep_c.cir", "t\nv1 a 0 1\nr1 a 0 1k\nc1 a 0 1n\n.dc c1 1n 2n 1n\n", &out),
               2, "%s", out);
  cr_expect(strstr(out, "sweep_c.cir:5:1: .dc sweeps 'c1', which is not a V or I source"), "%s",
            out);
  free(out);
}

/* ngspice 39's sweep adds STEP to the last value (dctrcurv.c), and goes on while the value is
 * within 1e3 DBL_EPSILON of STOP: measured, `.dc v1 0 1 0.1` runs at 0.59999999999999998 and
 * 0.89999999999999991 (where v(a) <= 0.6 and v(a) <= 0.9 hold: ngspice's o4 and o3 are 1 there),
 * and `.dc i1 0 1p 0.1p` has 13 points (its last two past STOP by less than that slack). Until
 * 2026-12-07 kirchhoff swept START + i STEP: 0.6000000000000001 and 0.9, the other side of both
 * thresholds, and 11 points. */
Test(cli, dc_sweeps_as_ngspice_steps) {
  char *out = NULL;
  cr_assert_eq(run_dc("steps.cir",
                      "t\nv1 a 0 0\nr1 a 0 1k\nb3 o3 0 v = v(a) <= 0.9 ? 1 : 0\n"
                      "b4 o4 0 v = v(a) <= 0.6 ? 1 : 0\nro3 o3 0 1\nro4 o4 0 1\n"
                      ".dc v1 0 1 0.1\n",
                      &out),
               0, "%s", out);
  cr_expect(strstr(out, "v-sweep,a,o3,o4\n"), "%s", out);
  cr_expect(strstr(out, "\n0.59999999999999998,0.59999999999999998,1,1\n"), "%s", out);
  cr_expect(strstr(out, "\n0.89999999999999991,0.89999999999999991,1,0\n"), "%s", out);
  cr_expect(strstr(out, "\n0.99999999999999989,0.99999999999999989,0,0\n"), "%s", out);
  free(out);
  cr_assert_eq(run_dc("picoamps.cir", "t\ni1 0 a 0\nr1 a 0 1k\n.dc i1 0 1p 0.1p\n", &out), 0, "%s",
               out);
  size_t rows = 0;
  for (const char *c = out; *c; c++) rows += *c == '\n';
  cr_expect_eq(rows, 14, "%s", out); /* the header and ngspice's 13 points */
  free(out);
}

/* Where Newton from the last point fails, the point is solved from scratch, as ngspice's sweep
 * falls back from NIiter to CKTop (dctrcurv.c): in this deck (bench/random_dc.py seed 20,
 * reduced) Newton from the point at R1 = 85595 steps a VBIC transistor where its base charge is
 * NaN, and until 2026-12-07 the sweep stopped there; ngspice 39's own sweep of the file gives
 * v(n5) 121.0131040132124 V at R1 = 100700 (reltol 1e-9) and all nine points. */
Test(cli, dc_point_that_newton_from_the_last_misses_is_solved_afresh) {
  char args[600], *out = NULL;
  snprintf(args, sizeof args, "dc --quiet %s/good/dc_vbic_warm_start.cir", kh_test_data_dir());
  cr_assert_eq(kh_test_cli_run(args, &out), 0, "%s", out);
  const char *header = strstr(out, "res-sweep,");
  cr_assert(header, "%s", out);
  size_t rows = 0;
  for (const char *c = header; *c; c++) rows += *c == '\n';
  cr_expect_eq(rows, 10, "%s", out); /* the header and nine points */
  double n5 = node_at(out, "res-sweep,", "\n100700,", "n5");
  cr_expect(fabs(n5 - 121.0131040132124) <= 1e-6 * 121, "%.17g\n%s", n5, out);
  free(out);
}

/* .dc of a resistor: ngspice 39 sets its resistance as written and applies m and its temperature
 * coefficients (measured); here m=2 and tc1=0.01 at 77 C beside a diode, against ngspice's sweep
 * of the same deck at reltol 1e-12: v(b) at 1k and 3k. */
Test(cli, dc_sweeps_a_resistor) {
  char *out = NULL;
  cr_assert_eq(run_dc("sweep_r.cir",
                      "t\nv1 a 0 1\nr1 a b 1k tc1=0.01 m=2\nr2 b 0 1k\n"
                      "d1 b 0 dd\n.model dd d(is=1e-14)\n.temp 77\n"
                      ".dc r1 1k 3k 500\n",
                      &out),
               0, "%s", out);
  cr_expect(strstr(out, "res-sweep,a,b\n"), "%s", out);
  const char *lo = strstr(out, "\n1000,1,"), *hi = strstr(out, "\n3000,1,");
  cr_assert(lo && hi, "%s", out);
  cr_expect(fabs(strtod(lo + 8, NULL) - 0.507828348591837) < 1e-12, "%s", lo);
  cr_expect(fabs(strtod(hi + 8, NULL) - 0.307557665088047) < 1e-12, "%s", hi);
  free(out);
  /* a resistor inside a subcircuit: refused at the card before any row */
  cr_assert_eq(run_dc("sweep_rx.cir",
                      "t\nv1 a 0 1\nx1 a b half\nr3 b 0 1k\n.subckt half p q\nr1 p q 1k\n"
                      ".ends\n.dc r.x1.r1 1k 2k 500\n",
                      &out),
               2, "%s", out);
  cr_expect(strstr(out, "sweep_rx.cir:8:1: 'r.x1.r1' is no resistor at the top level"), "%s", out);
  cr_expect(!strstr(out, "res-sweep"), "%s", out);
  free(out);
}

/* A BSIM4 4.8 model's parameter-check corrections are made once per model, at ngspice 39's
 * first setup (b4check.c's static model name), so a .dc TEMP sweep's points, which set the
 * parameters up again, go without them: here PRT makes Rds0 negative at -40 C, which .op at
 * .temp -40 clamps to 0 (v(d) 0.43237072412035676 V, kirchhoff and ngspice alike) and ngspice's
 * sweep keeps (its point: 0.4314415106522117 V). Until 2026-12-07 kirchhoff's sweep clamped it
 * (found by bench/random_dc.py's BSIM4 decks). */
Test(cli, dc_temperature_sweep_of_bsim4_goes_without_the_checks_corrections) {
  static const char deck[] = "t\n.model q1 nmos level=54 prt=25.8\nvdd vdd 0 1.8\n"
                             "vg g 0 1.781\nvb b 0 -0.54\nrd vdd d 827.7\nrs s 0 58.04\n"
                             "m1 d g s b q1 l=1.206e-06 w=1.025e-05 nf=4\nrdg d g 8667\n"
                             ".dc temp -40 60 50\n";
  char *out = NULL;
  cr_assert_eq(run_dc("sweep_b4.cir", deck, &out), 0, "%s", out);
  double d = node_at(out, "temp-sweep,", "\n-40,", "d");
  cr_expect(fabs(d - 0.4314415106522117) < 1e-8, "%.17g\n%s", d, out);
  free(out);
}

/* A swept current source keeps its m (its own, or an X line's): ngspice 39 sets the DC value as
 * written and loads m times it (isrcload.c); its own sweep gives v(b) 1 V at I1 = 0.5 mA with m=2
 * into 1k, and 1.5 V at 0.5 mA for the m=3 instance's source. Until 2026-12-07 the sweep set the
 * bare value: 0.5 V (found by bench/random_dc.py's probes). */
Test(cli, dc_sweeps_a_current_source_with_its_multiplier) {
  char *out = NULL;
  cr_assert_eq(run_dc("sweep_im.cir", "t\ni1 0 b 1m m=2\nr1 b 0 1k\n.dc i1 0 2m 0.5m\n", &out), 0,
               "%s", out);
  cr_expect(strstr(out, "\n0.00050000000000000001,1\n"), "%s", out);
  cr_expect(strstr(out, "\n0.002,4\n"), "%s", out);
  free(out);
  cr_assert_eq(run_dc("sweep_ix.cir",
                      "t\nx1 b sub m=3\n.subckt sub p\ni1 0 p 1m\n.ends\nr1 b 0 1k\n"
                      ".dc i.x1.i1 0 1m 0.5m\n",
                      &out),
               0, "%s", out);
  const char *row = strstr(out, "\n0.00050000000000000001,");
  cr_assert(row, "%s", out);
  cr_expect(fabs(strtod(row + 24, NULL) - 1.5) < 1e-12, "%s", row);
  free(out);
}

/* A .dc card's two sweeps can both be resistors: each point sets both, as ngspice 39's own sweep
 * of this divider gives v(b) = r2 / (r1 + r2) at all six points (until 2026-12-07 the inner
 * resistor kept its written 1k: 0.5 where ngspice gives 0.333 at r1 = 2k, r2 = 1k; found by
 * bench/random_dc.py). One thing swept in both is refused: ngspice 39 steps it in each loop and
 * gives no point (v1, r1 and temp measured: stopped after 10 s). */
Test(cli, dc_sweeps_two_resistors) {
  char *out = NULL;
  cr_assert_eq(run_dc("sweep_rr.cir",
                      "t\nv1 a 0 1\nr1 a b 1k\nr2 b 0 1k\n.dc r1 1k 2k 1k r2 1k 3k 1k\n", &out),
               0, "%s", out);
  static const char *const rows[] = {"\n1000,1000,1,0.5\n", "\n2000,1000,1,0.33333333333333331\n",
                                     "\n2000,2000,1,0.5\n", "\n1000,3000,1,0.75\n",
                                     "\n2000,3000,1,0.59999999999999998\n"};
  for (size_t k = 0; k < sizeof rows / sizeof *rows; k++)
    cr_expect(strstr(out, rows[k]), "%s not in %s", rows[k], out);
  free(out);
  static const char *const twice[] = {"r1 1k 2k 1k r1 5k 6k 1k", "v1 1 2 1 v1 5 6 1",
                                      "temp 0 20 10 temp 50 60 10"};
  for (size_t k = 0; k < sizeof twice / sizeof *twice; k++) {
    char deck[160];
    snprintf(deck, sizeof deck, "t\nv1 a 0 1\nr1 a b 1k\nr2 b 0 1k\n.dc %s\n", twice[k]);
    cr_expect_eq(run_dc("sweep_twice.cir", deck, &out), 2, "%s", out);
    cr_expect(strstr(out, "sweep_twice.cir:5:1: .dc sweeps '") && strstr(out, "in both of its"),
              "%s", out);
    free(out);
  }
}

/* .dc through a self-heating VDMOS (ngspice's own IRFP240 example on a 0.05 K/W sink): each
 * point starts at the last one's answer, the device's inner drain and source with it; started
 * at 0 V there, the supply across RD heated the device into a runaway at VD = 12 V (tj 675). At
 * 12 V ngspice 39 gives tj 2.171005809558186 (reltol 1e-12), and the rise grows smoothly. */
Test(cli, dc_sweeps_a_self_heating_vdmos) {
  char *out = NULL;
  cr_assert_eq(run_dc("sweep_heat.cir",
                      "t\nm1 d g 0 tj tc irfp240 thermal\nrthk tc 0 0.05\nvg g 0 5\nvd d 0 2\n"
                      ".model irfp240 vdmos nchan vto=4 kp=5.9 lambda=.001 theta=0.015 "
                      "ksubthres=.27 rd=61m rs=18m rds=1e7 is=60p n=1.1 rb=14m xti=3 "
                      "tcvth=0.0065 mu=-1.27 texp0=1.5 rthjc=0.02 rthca=1000 mtriode=0.8\n"
                      ".dc vd 0.5 20 0.5\n",
                      &out),
               0, "%s", out);
  const char *row = strstr(out, "\n12,12,5,");
  cr_assert(row, "%s", out);
  cr_expect(fabs(strtod(row + strlen("\n12,12,5,"), NULL) - 2.171005809558186) < 1e-9, "%s", row);
  double last = 0;
  int rows = 0;
  for (const char *r = strstr(out, "\n0.5,"); r && r[1]; r = strchr(r + 1, '\n')) {
    double sweep, d, g, tj;
    if (sscanf(r + 1, "%lg,%lg,%lg,%lg", &sweep, &d, &g, &tj) != 4) break; /* the rows' end */
    cr_expect(tj > last && tj < last + 1, "%.40s", r + 1);
    last = tj, rows++;
  }
  cr_expect_eq(rows, 40);
  free(out);
}

/* .dc TEMP: the deck read again at each temperature (a .temp card of its own overruled), where
 * ngspice 39's sweep gives its .op at .temp T: a diode, a BJT, a resistor with TC1 and a diode
 * at dtemp=20, against ngspice's sweep of the same deck (reltol 1e-12): v(a), v(c), v(x) at
 * -40 and 125 C. */
Test(cli, dc_sweeps_the_temperature) {
  char *out = NULL;
  cr_assert_eq(
      run_dc("sweep_temp.cir",
             "t\n.model dd d(is=1e-14 n=1.5 rs=10 eg=1.11 xti=3)\n"
             ".model qn npn(is=1e-15 bf=150 vaf=80 xtb=1.5)\nv1 vdd 0 5\nr1 vdd a 2k\nd1 a 0 dd\n"
             "r2 vdd c 1k tc1=2e-3\nq1 c b 0 qn\nr3 vdd b 200k\nd2 vdd x dd dtemp=20\nr4 x 0 1k\n"
             ".temp 50\n.dc temp -40 125 55\n",
             &out),
      0, "%s", out);
  cr_expect(strstr(out, "temp-sweep,vdd,a,d1#rs,c,b,x,d2#rs\n"), "%s", out);
  static const struct {
    const char *row;
    double a, c, x;
  } want[] = {{"\n-40,5,", 1.06637652168049, 3.09493085258723, 3.9026576963588},
              {"\n125,5,", 0.968261132857137, 0.219402410043218, 3.98855993493056}};
  for (size_t k = 0; k < 2; k++) {
    const char *row = strstr(out, want[k].row);
    cr_assert(row, "%s", out);
    double v[6];
    const char *at = row + strlen(want[k].row);
    for (int j = 0; j < 6; j++) v[j] = strtod(at, (char **)&at), at += *at == ',';
    cr_expect(fabs(v[0] - want[k].a) < 1e-9 && fabs(v[2] - want[k].c) < 1e-9 &&
                  fabs(v[4] - want[k].x) < 1e-9,
              "%s", row);
  }
  free(out);
}

/* .dc TEMP over values that read temper: an instance's (a diode's area) follows the sweep in
 * ngspice 39, as kirchhoff reads it (ngspice's sweep with reltol 1e-12: v(c) = 0.668236841155640
 * at 10 C, 0.427155172224431 at 100 C; each is %g-rounded as ngspice alters it); a model card's
 * stays at the deck's temperature in ngspice's sweep (rs={temper/7} is 27/7 at every point), so
 * kirchhoff refuses the sweep at that card. */
Test(cli, dc_temperature_sweeps_over_values_that_read_temper) {
  char *out = NULL;
  cr_assert_eq(run_dc("temper_area_dc.cir",
                      "t\n.model d3 d is=3.3e-14\ni3 0 c 1m\ndc c 0 d3 area={2*temper/33}\n"
                      ".dc temp 10 100 90\n",
                      &out),
               0, "%s", out);
  static const struct {
    const char *row;
    double c;
  } want[] = {{"\n10,", 0.668236841155640}, {"\n100,", 0.427155172224431}};
  for (size_t k = 0; k < 2; k++) {
    const char *row = strstr(out, want[k].row);
    cr_assert(row, "%s", out);
    cr_expect(fabs(strtod(row + strlen(want[k].row), NULL) - want[k].c) < 1e-9, "%s", row);
  }
  free(out);
  cr_assert_eq(run_dc("temper_model_dc.cir",
                      "t\n.model d2 d is=3.3e-14 rs={temper/7}\ni2 0 b 1m\ndb b 0 d2\n"
                      ".dc temp 10 100 45\n",
                      &out),
               2, "%s", out);
  cr_expect(strstr(out, "temper_model_dc.cir:2:8: model 'd2' reads temper, and this deck sweeps "
                        "TEMP"),
            "%s", out);
  free(out);
}

/* kirchhoff dc through general Newton (a G drives a diode clamp), each point from the last:
 * v(3) as ngspice 39 prints it for the same deck at reltol 1e-12. */
Test(cli, dc_sweep_through_general_newton) {
  char *out = NULL;
  cr_assert_eq(run_dc("general_dc.cir",
                      "t\n.model dd d(is=1e-14)\nv1 1 0 0\nr1 1 2 1k\ng1 3 0 2 0 1m\n"
                      "r2 3 0 1k\nd1 0 3 dd\nr3 2 0 1k\n.dc v1 0 10 2.5\n",
                      &out),
               0, "%s", out);
  const double want[] = {-6.42237897577e-01, -6.70738044471e-01, -6.84095465136e-01,
                         -6.92887598599e-01};
  const char *row = strstr(out, "\n2.5,");
  for (int k = 0; k < 4; k++) {
    cr_assert(row, "row %d missing: %s", k, out);
    const char *last = row + 1, *comma;
    while ((comma = strchr(last, ',')) && comma < strchr(row + 1, '\n')) last = comma + 1;
    double got = strtod(last, NULL);
    cr_expect(fabs(got - want[k]) <= 1e-11, "row %d: %.17g, want %.12g\n%s", k, got, want[k], out);
    row = strchr(row + 1, '\n');
  }
  free(out);
}

/* A .dc sweep through a switch is refused at the switch: ngspice carries its state from point to
 * point (sweeping down from 4 V, VH = 0 turns it off at VT = 2 V exactly, where op and a fresh
 * point turn it on), which the sweep does not. */
Test(cli, dc_sweeps_through_switches_are_refused) {
  char *out = NULL;
  cr_assert_eq(run_dc("switch_dc.cir",
                      "t\nv1 a 0 5\nr1 a b 1k\ns1 b 0 c 0 sm\nvc c 0 0\n"
                      ".model sm sw(vt=2 ron=10 roff=1meg)\n.dc vc 4 0 -0.5\n",
                      &out),
               2, "%s", out);
  cr_expect(strstr(out, "switch_dc.cir:4:1: switch 's1': ngspice's .dc carries"), "%s", out);
  free(out);
}
