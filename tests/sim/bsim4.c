/* BSIM4 4.8 MOSFETs (sim/general/general_bsim4.c, ngspice 39's bsim4 at DC): the bulk junctions'
 * current against their saturation current written out here from the diffusions' geometry
 * (b4geo.c's areas and perimeters of NF fingers, GEOMOD 0) and the temperature law; decks as
 * written for ngspice in libngspice; and the cards and instances refused at their token. The
 * compatibility corpus holds the rest against ngspice 39 (tests/data/compat/mosfet_bsim4_*.cir:
 * a 45 nm-class process card, the mobility models, temperature laws, bins, junctions, GIDL). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KBOQ 8.617087e-5 /* b4temp.c's own k/q */

/* The voltage of node `name` in general Newton's answer for the deck `text`. */
static double node_voltage(const char *text, const char *name) {
  kh_netlist *nl = kh_test_parse(text);
  kh_solve_stats stats;
  double *x = kh_test_general(nl, NULL, &stats), v = kh_test_node(nl, x, name);
  free(x);
  kh_netlist_free(nl);
  return v;
}

/* Four fingers of 2 um (W = 8 um, no offsets: Weff_cj 2 um), no AS, AD, PS or PD, MIN=0: the
 * source has 2 diffusions at the ends and 2 inside, the drain 4 inside (b4geo.c's counts for an
 * even NF), so at GEOMOD 0 As = 2 (DMCG + DMCI) Wcj + 2 DMCG Wcj, Ps = 2 (2 (DMCG + DMCI) + Wcj)
 * + 2 (2 DMCG), Ad = 4 DMCG Wcj, Pd = 4 (2 DMCG); each junction's saturation current is
 * JSS A + JSWS P + JSWGS Wcj NF, scaled at temperature by exp((Eg0 / vt0 - Eg / vt + XTIS
 * ln(T / TNOM)) / NJS). With the gate, drain and source at 0 V the bulk's current is the two
 * junctions' (and GMIN across each): checked with the bulk driven forward through 1 kohm. */
static void check_junctions(double celsius) {
  char text[512];
  snprintf(text, sizeof text,
           "t\n.temp %g\nvb v 0 0.6\nrb v b 1k\nm1 0 0 0 b nj l=1u w=8u nf=4\n"
           ".model nj nmos level=54 toxe=2n diomod=1 ijthsfwd=10 jss=2e-5 jsws=3e-11 jswgs=4e-11 "
           "dmcg=0.2u dmci=0.3u njs=1.1 xtis=2.5\n",
           celsius);
  kh_netlist *nl = kh_test_parse(text);
  kh_solve_stats stats;
  double *x = kh_test_general(nl, NULL, &stats);
  double vb = kh_test_node(nl, x, "b"), current = (0.6 - vb) / 1e3;
  double wcj = 2e-6, dmcg = 0.2e-6, dmci = 0.3e-6, t = celsius + 273.15, tnom = 300.15;
  double as = 2 * (dmcg + dmci) * wcj + 2 * dmcg * wcj,
         ps = 2 * (2 * (dmcg + dmci) + wcj) + 4 * dmcg;
  double ad = 4 * dmcg * wcj, pd = 4 * 2 * dmcg;
  double eg0 = 1.16 - 7.02e-4 * tnom * tnom / (tnom + 1108),
         eg = 1.16 - 7.02e-4 * t * t / (t + 1108);
  double scale = exp((eg0 / (KBOQ * tnom) - eg / (KBOQ * t) + 2.5 * log(t / tnom)) / 1.1);
  double sat = scale * ((as + ad) * 2e-5 + (ps + pd) * 3e-11 + 2 * wcj * 4 * 4e-11);
  double want = sat * (exp(vb / (1.1 * KBOQ * t)) - 1) + 2 * 1e-12 * vb;
  cr_expect(fabs(current - want) <= 1e-10 * want, "%g C: %.12g A into the bulk, want %.12g A",
            celsius, current, want);
  free(x);
  kh_netlist_free(nl);
}

Test(bsim4, junction_currents_are_the_diffusions_geometry) {
  check_junctions(27);
  check_junctions(80);
}

/* BSIM4v5 (VERSION 4.0 to 4.5, b4v5temp.c) gives a junction with no area and no perimeter a
 * saturation current of 1e-14 A where 4.8 gives it none (GMIN alone): with AS = PS = AD = PD = 0
 * at PERMOD=0 the bulk driven forward through 1 kohm carries 2 (1e-14 (exp(vb / NJS vt) - 1) +
 * GMIN vb), and at 4.8 2 GMIN vb (the bulk then within a nanovolt of 0.6 V). */
Test(bsim4, v5_junction_without_geometry_is_1e_14_amperes) {
  const char *const versions[] = {"4.5", "4.8"};
  for (int k = 0; k < 2; k++) {
    char text[400];
    snprintf(text, sizeof text,
             "t\nvb v 0 0.6\nrb v b 1k\nm1 0 0 0 b nj l=1u w=8u as=0 ps=0 ad=0 pd=0\n"
             ".model nj nmos level=54 version=%s toxe=2n permod=0 ijthsfwd=10 njs=1.05\n",
             versions[k]);
    kh_netlist *nl = kh_test_parse(text);
    kh_solve_stats stats;
    double *x = kh_test_general(nl, NULL, &stats);
    double vb = kh_test_node(nl, x, "b"), current = (0.6 - vb) / 1e3;
    double sat = k == 0 ? 1e-14 : 0, vt = KBOQ * 300.15;
    double want = 2 * (sat * (exp(vb / (1.05 * vt)) - 1) + 1e-12 * vb);
    cr_expect(fabs(current - want) <= 1e-9 * want + 1e-18, "VERSION %s: %.12g A, want %.12g A",
              versions[k], current, want);
    free(x);
    kh_netlist_free(nl);
  }
}

/* RBODYMOD=1: with the bulk driven forward through 10 ohm the junctions' current crosses the
 * body resistances too (RBSB, RBDB and the paths through the inner body), so less of it flows
 * and the bulk sits higher than at RBODYMOD=0 (2.6 mV here); the deck agrees with libngspice at
 * both. */
Test(bsim4, body_network_carries_the_junction_current) {
  const char *deck = "t\nvb bx 0 0.85\nrbx bx b 10\nvdd vdd 0 1\nrd vdd d 1k\n"
                     "m1 d d 0 b nj l=45n w=1u nf=2 rbodymod=%d rbdb=20 rbsb=20\n"
                     ".model nj nmos level=54 toxe=1.25n vth0=0.45 jss=1e-4 jsws=1e-11 "
                     "rbpb=5 rbps=15 rbpd=15\n";
  double vb[2];
  for (int mode = 0; mode < 2; mode++) {
    char text[400];
    snprintf(text, sizeof text, deck, mode);
    cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9, "RBODYMOD=%d", mode);
    vb[mode] = node_voltage(text, "b");
  }
  cr_expect(vb[1] - vb[0] > 1e-3, "bulk %.9g V at RBODYMOD=0, %.9g V at 1", vb[0], vb[1]);
  /* a body resistance below 1 mohm is b4temp.c's 1e3 S, the rest GBMIN + 1 / R */
  cr_assert_leq(kh_test_general_vs_ngspice("t\nvb bx 0 0.85\nrbx bx b 10\nvdd vdd 0 1\n"
                                           "rd vdd d 1k\nm1 d d 0 b nj l=45n w=1u m=3 "
                                           "rbodymod=1 rbsb=0.0005 rbdb=1e-4\n"
                                           ".model nj nmos level=54 toxe=1.25n jss=1e-4 "
                                           "gbmin=1e-9 rbpb=2\n",
                                           1e-9),
                1e-9);
}

/* The stress effect with KVTH0 alone shifts VTH0 (not VFB, given here) by KVTH0 / sqrt(1 + 1e-9)
 * times the difference of the inverse diffusion distances (b4temp.c: over two fingers of SA +
 * L/2 and SA + SD + 3L/2, and SB's, against 1 / (SAREF + L/2) + 1 / (SBREF + L/2)): the same drain
 * voltage as the device without SA and SB on a card with VTH0 shifted so. */
Test(bsim4, stress_threshold_shift_is_vth0s) {
  double l = 0.1e-6, sa = 0.3e-6, sb = 0.5e-6, sd = 0.25e-6, kvth0 = 8e-9, nf = 2;
  double inv = 0;
  for (int i = 0; i < 2; i++)
    inv += 1 / nf / (sa + 0.5 * l + i * (sd + l)) + 1 / nf / (sb + 0.5 * l + i * (sd + l));
  double shift = kvth0 / sqrt(1 + 1e-9) * (inv - (1 / (1e-6 + 0.5 * l) + 1 / (1e-6 + 0.5 * l)));
  const char *deck =
      "t\nvdd vdd 0 1.2\nvg g 0 0.7\nrd vdd d 5k\nm1 d g 0 0 nk l=0.1u w=2u nf=2 %s\n"
      ".model nk nmos level=54 toxe=1.8n vfb=-0.9 vth0=%.17g kvth0=%g\n";
  char words[80], texts[2][400];
  snprintf(words, sizeof words, "sa=%g sb=%g sd=%g", sa, sb, sd);
  snprintf(texts[0], sizeof texts[0], deck, words, 0.4, kvth0);
  snprintf(texts[1], sizeof texts[1], deck, "", 0.4 + shift, kvth0);
  double v[2] = {node_voltage(texts[0], "d"), node_voltage(texts[1], "d")};
  cr_expect(fabs(shift) > 5e-3, "a shift of %g V", shift);
  cr_expect(fabs(v[0] - v[1]) <= 1e-12, "%.15g V with SA and SB, %.15g V with VTH0 shifted", v[0],
            v[1]);
}

/* The well proximity effect with KVTH0WE alone shifts VTH0 by KVTH0WE (SCA + WEB SCB + WEC SCC):
 * the same drain voltage as the card without WPEMOD whose VTH0 is shifted so (VFB given). */
Test(bsim4, well_proximity_shift_is_vth0s) {
  double shift = 3e-3 * (4 + 2 * 0.5 + 3 * 0.1);
  const char *deck = "t\nvdd vdd 0 1.2\nvg g 0 0.7\nrd vdd d 5k\nm1 d g 0 0 nk l=0.1u w=2u "
                     "sca=4 scb=0.5 scc=0.1\n.model nk nmos level=54 toxe=1.8n vfb=-0.9 "
                     "vth0=%.17g wpemod=%d web=2 wec=3 kvth0we=3e-3\n";
  char texts[3][300];
  snprintf(texts[0], sizeof texts[0], deck, 0.4, 1);
  snprintf(texts[1], sizeof texts[1], deck, 0.4 + shift, 0);
  snprintf(texts[2], sizeof texts[2], deck, 0.4, 0);
  double v[3] = {node_voltage(texts[0], "d"), node_voltage(texts[1], "d"),
                 node_voltage(texts[2], "d")};
  cr_expect(fabs(v[0] - v[1]) <= 1e-12, "%.15g V with WPEMOD, %.15g V with VTH0 shifted", v[0],
            v[1]);
  cr_expect(fabs(v[0] - v[2]) > 1e-3, "WPEMOD moves the drain from %.15g V", v[2]);
}

/* Model bins inside a subcircuit, as the SkyWater sky130 PDK's ngspice models are laid out: the
 * device a subcircuit whose MOSFET reads its l, w, nf and sa parameters in braces, bins .0 and .1
 * (LMIN ... WMAX) of a BSIM4v5 card defined in the body, one reading the instance's l and w (so
 * read per instance); each instance takes the bin its L and W fall in, as ngspice does (until
 * the thirty-third session bins were looked for at the top level only: "unknown model"). */
Test(bsim4, model_bins_inside_a_subcircuit) {
  cr_assert_leq(
      kh_test_general_vs_ngspice(
          "t\n.param slope=0\n.subckt nf d g s b l=1 w=1 nf=1 sa=0 sb=0 mult=1\n"
          "msky d g s b nm l={l*1e-6} w={w*1e-6} nf={nf} sa={sa*1e-6} sb={sb*1e-6} m={mult}\n"
          ".model nm.0 nmos lmin=1.5e-7 lmax=1e-6 wmin=4e-7 wmax=1e-4 level=54 version=4.5 "
          "toxe=4.148e-9 binunit=2 rbodymod=1 vth0={0.418+slope/sqrt(l*w*mult)} k1=0.47 "
          "u0=0.032 lu0=1.1e-3 kvth0=4e-9 ku0=-2e-8 kvsat=0.2 saref=3e-6 sbref=3e-6\n"
          ".model nm.1 nmos lmin=1e-6 lmax=1e-4 wmin=4e-7 wmax=1e-4 level=54 version=4.5 "
          "toxe=4.148e-9 vth0=0.45 u0=0.033 rbpb=30\n.ends\n"
          "vdd vdd 0 1.8\nvin in 0 0.75\nrl vdd out 20k\nx1 out in 0 0 nf l=0.18 w=1\n"
          "rl2 vdd out2 5k\nx2 out2 in 0 0 nf l=0.5 w=4 nf=4 sa=0.3 sb=0.6 mult=2\n"
          "rl3 vdd out3 10k\nx3 out3 in 0 0 nf l=2 w=1\n",
          1e-9),
      1e-9);
  cr_expect(strstr(kh_test_parse_error("t\n.subckt nf d g s b l=1\nm1 d g s b nm l={l*1e-6} "
                                       "w=1u\n.model nm.0 nmos lmin=1e-6 lmax=2e-6 wmin=1e-7 "
                                       "wmax=1e-5 level=54\n.ends\nx1 d d 0 0 nf l=5\n"
                                       "v1 d 0 1\n"),
                   "no bin nm.N"));
}

/* `.options scale` multiplies SA, SB, SD and SC as it does L and W (ngspice 39's BSIM4, measured:
 * SA = 0.3 at scale 1e-6 is SA = 0.3e-6 without it): a deck in microns at scale 1e-6 solves as
 * the same deck in metres. */
Test(bsim4, scale_multiplies_the_layout_distances) {
  const char *deck = "t\n%s.model nm nmos level=54 toxe=2n kvth0=4e-9 kvsat=0.2 wpemod=1 "
                     "kvth0we=3e-3 web=2\nvdd vdd 0 1.8\nvin in 0 0.75\nrl vdd out 5k\n"
                     "m1 out in 0 0 nm l=%g w=%g nf=2 sa=%g sb=%g sd=%g sc=%g\n";
  char microns[400], metres[400];
  snprintf(microns, sizeof microns, deck, ".options scale=1e-6\n", 0.5, 4.0, 0.3, 0.6, 0.25, 1.5);
  snprintf(metres, sizeof metres, deck, "", 0.5e-6, 4e-6, 0.3e-6, 0.6e-6, 0.25e-6, 1.5e-6);
  double a = node_voltage(microns, "out"), b = node_voltage(metres, "out");
  cr_expect(fabs(a - b) <= 1e-12, "%.15g V in microns at scale 1e-6, %.15g V in metres", a, b);
}

/* The decks as written for ngspice solve the same in libngspice: an NMOS and PMOS pair at 85 C
 * with GIDL, the substrate current, binned terms, NF, RSH with NRD and NRS, and m. */
Test(bsim4, written_for_ngspice_solves_the_same) {
  cr_assert_leq(
      kh_test_general_vs_ngspice(
          "t\n.temp 85\nvdd vdd 0 1.2\nvin in 0 0.55\nmn out in 0 0 nn l=60n w=300n nf=2 nrd=1 "
          "nrs=1\nmp out in vdd vdd pp l=60n w=600n m=2\nrl vdd x 10k\nmx x x 0 0 nn l=1u w=1u\n"
          ".model nn nmos level=54 toxe=1.6n vth0=0.38 lvth0=2e-3 k1=0.45 u0=0.03 vsat=1.1e5 "
          "rdsw=120 rsh=8 agidl=1e-8 bgidl=1.5e9 egidl=0.3 alpha0=1e-6 beta0=15 dvtp0=4e-9 "
          "dvtp1=0.2 eta0=0.05 pditsd=0.2 pdits=0.05\n"
          ".model pp pmos level=14 toxe=1.7n vth0=-0.4 u0=0.01 vsat=8e4 rdsw=250 mobmod=1 "
          "ua=1e-9 uc=-0.03 gidlmod=1 agidl=1e-8 bgidl=1.2e9 egidl=0.2\n",
          1e-9),
      1e-9);
}

Test(bsim4, cards_it_does_not_compute_are_refused_at_their_token) {
  const kh_test_error_case cases[] = {
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=4.9\n",
       "test.cir:4:33: BSIM4 VERSION 4.9: ngspice 39 has no BSIM4 of that version"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=4.6.5 lrgidl=1\n",
       "test.cir:4:39: 'lrgidl' is not a BSIM4v6 parameter"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=4.6 mobmod=4\n",
       "test.cir:4:44: BSIM4v6 (VERSION 4.6) MOBMOD must be 0 to 3"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm wnflag=1\n.model nm nmos level=54 version=4.2\n",
       "test.cir:3:15: 'wnflag' is not a BSIM4v5 instance parameter"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=3.9\n",
       "test.cir:4:33: BSIM4 VERSION 3.9: ngspice 39 has no BSIM4 of that version"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=4.5 ucs=1\n",
       "test.cir:4:37: 'ucs' is not a BSIM4v5 parameter"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=4.0 lagisl=1\n",
       "test.cir:4:37: 'lagisl' is not a BSIM4v5 parameter"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=4.1 tempmod=3\n",
       "test.cir:4:45: BSIM4v5 (VERSION 4.0 to 4.5) tempmod must be 0, 1 or 2"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=4.7 mobmod=5\n",
       "test.cir:4:44: BSIM4v7 (VERSION 4.7) MOBMOD must be 0 to 3"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 version=\"4.7.0\" idovvds=1\n",
       "test.cir:4:41: 'idovvds' is not a BSIM4v7 parameter"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 igcmod=1 rgatemod=3 ngcon=3\n",
       "test.cir:4:45: BSIM4 NGCON=3"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm xgw=1u\n.model nm nmos level=54 igbmod=1 rgatemod=1\n",
       "test.cir:3:15: BSIM4 instance 'xgw' beside gate tunnelling currents"},
      {"t\n.param dv=0.1\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 vth0 = 0.4 + dv\n",
       "test.cir:5:36: ngspice 39 reads only '0.4' as the value of 'vth0'"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 rbodymod=3\n",
       "test.cir:4:34: BSIM4 RBODYMOD must be 0, 1 or 2"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm rbodymod=3\n.model nm nmos level=54\n",
       "test.cir:3:15: BSIM4 RBODYMOD=3: it must be 0, 1 or 2"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 rdsmod=2\n",
       "test.cir:4:32: BSIM4 RDSMOD must be 0 or 1"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 rgeomod=2 rsh=5\n",
       "test.cir:4:33: BSIM4 RGEOMOD must be 0 or 1"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm rgeomod=3\n.model nm nmos level=54 rsh=5\n",
       "test.cir:3:15: BSIM4 RGEOMOD=3: it must be 0 or 1"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 js=1e-4\n",
       "test.cir:4:25: unknown BSIM4 model parameter 'js'"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm nf=2\n.model nm nmos level=3\n",
       "test.cir:3:15: 'nf' is a BSIM4 instance parameter"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm geo=1\n.model nm nmos level=54\n",
       "test.cir:3:15: 'geo' is a BSIM3 instance parameter"},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm temp=50\n.model nm nmos level=54\n",
       "a BSIM4 instance has no temp= or dtemp="},
      {"t\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 njs=0.05\n",
       "test.cir:4:29: BSIM4 njs = 0.05"},
  };
  kh_test_parse_errors(cases, sizeof cases / sizeof *cases);
}

/* What the instance's size decides, refused where the solve sets the device up: ngspice 39's
 * fatal checks, and its parameter check's corrections where the model has two sizes (it makes
 * them for the size it checks, the first it sets up, only); with one size they are made. */
Test(bsim4, sizes_refused_where_ngspice_would_stop_or_depend_on_its_order) {
  kh_test_general_fails("t\nv1 d 0 1\nm1 d d 0 0 nm l=1u\nm2 d d 0 0 nm l=2u\n"
                        ".model nm nmos level=54 a2=1.2\n",
                        KH_ERR_INPUT, "test.cir:3:1: MOSFET 'm1': BSIM4 model 'nm' has A2 outside");
  kh_test_general_fails(
      "t\n.temp 100\nv1 d 0 1\nm1 d d 0 0 nm\n.model nm nmos level=54 vsat=1e4 at=1e5\n",
      KH_ERR_INPUT, "U0 and VSAT at temperature must be positive");
  cr_assert_leq(kh_test_general_vs_ngspice("t\nv1 v 0 1\nr1 v d 1k\nm1 d d 0 0 nm l=1u\n"
                                           "m2 d d 0 0 nm l=1u m=2\n.model nm nmos level=54 "
                                           "a2=1.2 a1=0.1\n",
                                           1e-9),
                1e-9);
}

/* ngspice 39's BSIM4v6 and BSIM4v7 (VERSION 4.6, 4.7) check, and so correct, every size they
 * set up (a warning per size): two sizes with A2 above 1 and PRWG below 0 solve as ngspice
 * solves them, where the same cards at 4.8 are refused (above). */
Test(bsim4, v6_and_v7_correct_every_size) {
  const char *const versions[] = {"4.7", "4.6.5"};
  for (int k = 0; k < 2; k++) {
    char text[300];
    snprintf(text, sizeof text,
             "t\nv1 v 0 1\nr1 v d 1k\nm1 d d 0 0 nm l=1u\nr2 v e 3k\nm2 e e 0 0 nm l=0.1u w=2u\n"
             ".model nm nmos level=54 version=%s a2=1.2 a1=0.1 prwg=-0.2 rdsw=400\n",
             versions[k]);
    cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9, "VERSION %s", versions[k]);
  }
}

/* Where BSIM4v5 and BSIM4v6 differ from 4.8 at DC beyond their words (measured): PIGCD, not
 * given, comes from Bechvb TOXE (4.8: -Bechvb), which sets the split of the channel's gate
 * current between source and drain; TOXP given without TOXE leaves TOXM at TOXE's default (4.8:
 * TOXP + DTOX), which K1OX and K2OX read. Against libngspice at each version. */
Test(bsim4, v5_and_v6_pigcd_and_toxm_defaults) {
  const char *const versions[] = {"4.5", "4.6.5", "4.8"};
  for (int k = 0; k < 3; k++) {
    char text[400];
    snprintf(text, sizeof text,
             "t\nvd d 0 1.2\nvg g 0 1.0\nrs s 0 20k\nm1 d g s 0 nt l=0.1u w=2u\n"
             "rp vd2 p 2k\nvd2 vd2 0 1\nm2 p p 0 0 np l=0.1u w=1u\n"
             ".model nt nmos level=54 version=%s toxe=1.2n toxref=1.2n igcmod=1\n"
             ".model np nmos level=54 version=%s toxp=1n k1=0.5 k2=-0.02\n",
             versions[k], versions[k]);
    cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9, "VERSION %s", versions[k]);
  }
}

/* A subthreshold inverter at 85 C whose currents are picoamperes: every node is within ABSTOL's
 * 1e-12 A of balance long before the answer, and Newton descends the exponentials one N Vt per
 * step (24.6 mV). Three such steps in a row were taken for a round-off plateau and ended Newton
 * 3.4 mV from ngspice's answer (17.7 mV at 0.5 V in): the plateau rule now asks that the
 * corrections not keep moving one unknown one way. */
Test(bsim4, subthreshold_picoamperes_converge_to_the_answer) {
  cr_assert_leq(
      kh_test_general_vs_ngspice(
          "t\n.temp 85\nvdd vdd 0 1\nvin in 0 0.45\nmn1 out in 0 0 n l=45n w=90n\n"
          "mp1 out in vdd vdd p l=45n w=180n\n"
          ".model n nmos level=54 mobmod=3 toxe=1.25e-9 ud=5e13\n"
          ".model p pmos level=54 toxe=1.3e-9 vth0=-0.49158 k1=0.4 u0=0.00389 ndep=2.54e18 "
          "a2=0.005\n",
          1e-9),
      1e-9);
}

/* RBODYMOD=2 (b4temp.c): the body resistances scale as R0 (Leff/1um)^L (Weff/1um)^W NF^NF by
 * bodymode, 5 (all five, from RBPS0, RBPD0 and the junctions' x or y parts), 3 (a junction's
 * parts missing: its inner nodes on GBMIN alone) or 1 (RBPS0 or RBPD0 missing: RBPS and RBPD
 * shorted, RBPB scaled); a forward bulk through 10 ohm carries the junctions' current across
 * them. Against libngspice; RBODYMOD=1 on the same cards moves the answer by millivolts. */
Test(bsim4, scalable_body_resistances_in_each_bodymode) {
  static const char *const cards[3] = {
      "rbps0=30 rbpd0=20 rbpsl=0.2 rbpsnf=0.5 rbpdw=-0.2 rbsbx0=80 rbsby0=120 rbdbx0=90 "
      "rbsdbxl=0.3 rbsdbynf=0.3 rbpbx0=40 rbpby0=70 rbpbxnf=0.2",
      "rbps0=30 rbpd0=20 rbpsl=0.2 rbsbx0=80 rbpbx0=40 rbpbyl=0.1",
      "rbps0=30 rbpbx0=40 rbpby0=70 rbpbxnf=0.2"};
  for (int k = 0; k < 3; k++) {
    char text[700];
    snprintf(text, sizeof text,
             "t\n.temp 60\nvb bx 0 0.82\nrbx bx b 10\nvdd vdd 0 1.1\nrd vdd d 1k\n"
             "m1 d d 0 b nb l=45n w=1u nf=2 m=2\n"
             ".model nb nmos level=54 toxe=1.6n vth0=0.35 rbodymod=2 jss=2e-5 jsws=1e-11 "
             "alpha0=5e-5 beta0=12 %s\n",
             cards[k]);
    cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9, "%s", cards[k]);
  }
}

/* RDSMOD=1 (b4temp.c, b4ld.c): the source's and drain's resistances leave the channel for nodes
 * of their own, RSWMIN + RSW/2 (x + sqrt(x^2 + 0.01)) with x = 1 / (1 + PRWG Vgs_eff) - PRWB
 * vbs over Weff^WR NF at temperature (PRT), in series with the diffusion's sheet (RSH NRS, 1
 * mohm where NRS is not given); an NMOS in either mode and a PMOS at VERSION 4.8, 4.7 and 4.5
 * against libngspice. The same cards at RDSMOD=0 (RDSW in the channel) move the drains by
 * tens of millivolts. */
Test(bsim4, rdsmod_series_resistances_against_ngspice) {
  static const char *const versions[3] = {"4.8", "4.7", "4.5"};
  for (int k = 0; k < 6; k++) {
    char text[1200];
    snprintf(text, sizeof text,
             "t\n.temp 85\nvdd vdd 0 1.2\nvg g 0 1.0\nrd vdd d 2k\n"
             "m1 d g s 0 nb l=60n w=2u nf=2 m=2 nrs=2\nrs s 0 50\n"
             "rx vdd x 1k\nm2 0 g x 0 nb l=0.1u w=1u nrd=3 nrs=1\n"
             "rp vdd pd 3k\nmp 0 0 pd vdd pb l=60n w=3u\n"
             ".model nb nmos level=54 version=%s toxe=1.8n vth0=0.35 rdsmod=%d rsw=150 rdw=250 "
             "rswmin=20 rdwmin=30 prwg=0.8 prwb=0.1 wr=0.95 ngate=3e20 rsh=20 tempmod=1 at=1e-3 "
             "prt=1e-3\n"
             ".model pb pmos level=54 version=%s toxe=1.8n vth0=-0.4 rdsmod=%d rsw=300 rdw=200 "
             "prwg=1.5 prt=50\n",
             versions[k % 3], k < 3, versions[k % 3], k < 3);
    cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9, "VERSION %s RDSMOD=%d",
                  versions[k % 3], k < 3);
  }
  double v[2];
  for (int mode = 0; mode < 2; mode++) {
    char text[600];
    snprintf(text, sizeof text,
             "t\nvdd vdd 0 1.2\nvg g 0 1.0\nrd vdd d 2k\nm1 d g 0 0 nb l=60n w=2u\n"
             ".model nb nmos level=54 toxe=1.8n vth0=0.35 rdsmod=%d rsw=150 rdw=250 rdsw=400\n",
             mode);
    v[mode] = node_voltage(text, "d");
  }
  cr_assert_gt(fabs(v[1] - v[0]), 0.01, "RDSMOD=0 %g V, RDSMOD=1 %g V", v[0], v[1]);
}

/* RGEOMOD=1 with RSH and no NRS or NRD (b4geo.c's BSIM4RdseffGeo): the diffusions' resistances
 * from the layout, the inside ones (RSH DMCG / (Weff_cj nu)) in parallel with the ends' by
 * GEOMOD (isolated or shared RSH DMCG / (Weff_cj nu), merged RSH DMDG / Weff_cj, over nu at
 * GEOMOD 5 and 7), on inner nodes where b4set.c's reckoning over NF m fingers of the drawn W
 * comes out positive: at an even NF m GEOMOD 5's merged drain end has none (b4geo.c divides by
 * its 0 ends) and ngspice leaves that resistance out. Against libngspice at m 1 to 4, GEOMOD
 * 0, 5, 7 and 9, NF 1 to 4, one side given NRS, RDSMOD 0 and 1; RGEOMOD=0 on the same deck
 * moves the drain by more than 10 mV. */
Test(bsim4, rgeomod_resistances_from_the_layout) {
  static const char *const cases[] = {"geomod=0 nf=1 m=1",       "geomod=5 nf=1 m=2",
                                      "geomod=5 nf=3 m=3",       "geomod=7 nf=2 m=1 min=1",
                                      "geomod=9 nf=4 m=2",       "geomod=0 nf=3 m=4 nrs=2",
                                      "geomod=5 nf=1 m=2 rdsmod"};
  double v[2];
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char inst[64], rds[16] = "";
    snprintf(inst, sizeof inst, "%s", cases[k]);
    char *r = strstr(inst, " rdsmod");
    if (r) *r = 0, snprintf(rds, sizeof rds, "rdsmod=1");
    char text[800];
    snprintf(text, sizeof text,
             "t\nvdd vdd 0 1.2\nvg g 0 1.2\nrd vdd d 200\nm1 d g 0 0 nm l=60n w=3.2u %s\n"
             ".model nm nmos level=54 toxe=1.8n vth0=0.35 rsh=500 dmcg=1.1e-7 dmci=2e-7 "
             "dmdg=8e-8 rgeomod=1 %s\n",
             inst, rds);
    cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9, "%s", cases[k]);
    if (k == 0) v[0] = node_voltage(text, "d");
  }
  v[1] = node_voltage("t\nvdd vdd 0 1.2\nvg g 0 1.2\nrd vdd d 200\nm1 d g 0 0 nm l=60n w=3.2u\n"
                      ".model nm nmos level=54 toxe=1.8n vth0=0.35 rsh=500 dmcg=1.1e-7 "
                      "dmci=2e-7 dmdg=8e-8 rgeomod=0\n",
                      "d");
  cr_assert_gt(fabs(v[1] - v[0]), 0.01, "RGEOMOD=1 %g V, 0 %g V", v[0], v[1]);
}

/* RGATEMOD 2 and 3 with a gate tunnelling current (b4ld.c): the electrode's resistance in series
 * with the channel's bias-dependent 1 / (XRCRG1 (XRCRG2 vtm beta + Ids) NF), at 3 through a
 * middle node; NMOS and PMOS, NF and m, against libngspice. With a small XRCRG1 the channel's
 * part is kilohms: RGATEMOD=1 on the same deck moves the drain by more than 1 uV (the tunnelling
 * current is microamperes). */
Test(bsim4, rgatemod_2_and_3_carry_the_tunnelling_current) {
  double v[4];
  for (int mode = 1; mode <= 3; mode++) {
    char text[900];
    snprintf(text, sizeof text,
             "t\n.temp 60\nvdd vdd 0 1.0\nvg gx 0 1.0\nrg gx g 2k\nrd vdd d 1k\n"
             "m1 d g 0 0 nm l=60n w=5u nf=2 m=2\nvp gp 0 0\nrp p 0 1k\n"
             "mp p gp vdd vdd pm l=60n w=4u\n"
             ".model nm nmos level=54 toxe=1.3n vth0=0.35 igcmod=1 igbmod=1 rgatemod=%d "
             "rshg=200 xrcrg1=1e-3 xrcrg2=1e-3 xgw=1u\n"
             ".model pm pmos level=54 toxe=1.3n vth0=-0.35 igcmod=2 rgatemod=%d rshg=50 "
             "xrcrg1=2e-3 ngcon=2\n",
             mode, mode);
    cr_assert_leq(kh_test_general_vs_ngspice(text, 1e-9), 1e-9, "RGATEMOD=%d", mode);
    v[mode] = node_voltage(text, "d");
  }
  cr_assert_gt(fabs(v[2] - v[1]), 1e-6, "RGATEMOD=1 %.12g V, 2 %.12g V", v[1], v[2]);
}
