/* MOSFETs (netlist/mosfet.c, sim/general/general_mosfet.c, general_mos2.c and general_mos3.c):
 * ngspice 39's mos1, mos2 and mos3 checked against closed forms here, and against ngspice reading
 * the same files in the compatibility corpus (tests/data/compat/mosfet_*.cir and mosfet3_*.cir:
 * both modes, NMOS and PMOS, the body effect, process parameters, temperature, geometry and scale,
 * an OTA; at level 2 MOSIS-style cards, channel-length modulation, weak inversion, punch-through
 * and temperature (mosfet2_*.cir); at level 3 short channels, velocity saturation, weak inversion,
 * punch-through and a vendor's power-MOSFET subcircuit; VDMOS in saturation and through its body
 * diode, in closed form, and LTspice-style cards in the corpus). */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Saturation at the model's TNOM with IS = 0 (the bulk junctions carry GMIN's current alone):
 * id = KP W / (2 L) (vgs - von)^2 (1 + LAMBDA vds), von = VTO + GAMMA (sqrt(PHI - vbs) -
 * sqrt(PHI)). The drain is held by a source, so the current through RD from VDD gives v(d). */
Test(mosfet, saturation_with_body_effect_in_closed_form) {
  const char *deck = "t\nvdd vdd 0 5\nrd vdd d 1k\nvg g 0 2\nvs s 0 0.4\nvb b 0 -0.5\n"
                     "m1 d g s b nm l=2u w=10u\n"
                     ".model nm nmos(vto=0.7 kp=100u gamma=0.45 phi=0.6 lambda=0.02 is=0)\n";
  kh_netlist *nl = kh_test_parse(deck);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double vgs = 1.6, vbs = -0.9, beta = 100e-6 * 10 / 2, gmin = 1e-12;
  double von = 0.7 + 0.45 * (sqrt(0.6 - vbs) - sqrt(0.6)), vgst = vgs - von;
  /* (5 - vd)/1k = beta/2 vgst^2 (1 + lambda (vd - 0.4)) + gmin (vd - vb): linear in vd */
  double a = 0.5 * beta * vgst * vgst, lam = 0.02;
  double vd = (5e-3 - a * (1 - lam * 0.4) - gmin * 0.5) / (1e-3 + a * lam + gmin);
  cr_assert_gt(vd - 0.4, vgst, "the closed form assumes saturation");
  cr_expect(fabs(kh_test_node(nl, v, "d") - vd) <= 1e-12 * vd, "v(d) = %.15g, want %.15g",
            kh_test_node(nl, v, "d"), vd);
  free(v);
  kh_netlist_free(nl);
}

/* Level 2 (Grove-Frohman) saturated, with the body effect's bulk charge: without NSUB, LAMBDA,
 * DELTA, NFS and VMAX (UEXP 0: no mobility degradation) and vbs = -0.5 V,
 * vbin = VTO - GAMMA sqrt(PHI), vdsat = vgs - vbin + GAMMA^2 (1 - sqrt(1 + 4 (vgs - vbin + PHI -
 * vbs) / GAMMA^2)) / 2 and id = KP W / L ((vgs - vbin - vdsat / 2) vdsat - GAMMA ((PHI - vbs +
 * vdsat)^1.5 - (PHI - vbs)^1.5) / 1.5), independent of vds. With IS = 0 the drain-bulk junction
 * carries GMIN's current, so v(d) is linear. */
Test(mosfet, level2_saturation_with_bulk_charge_in_closed_form) {
  const char *deck = "t\nvdd vdd 0 5\nrd vdd d 1k\nvg g 0 2\nvb b 0 -0.5\n"
                     "m1 d g 0 b n2 l=2u w=10u\n"
                     ".model n2 nmos(level=2 vto=0.7 kp=100u gamma=0.45 phi=0.6 is=0)\n";
  kh_netlist *nl = kh_test_parse(deck);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double g = 0.45, phi = 0.6, vbs = -0.5, vgs = 2, vbin = 0.7 - g * sqrt(phi), gmin = 1e-12;
  double vdsat = vgs - vbin + g * g * (1 - sqrt(1 + 4 * (vgs - vbin + phi - vbs) / (g * g))) / 2;
  double charge = (pow(phi - vbs + vdsat, 1.5) - pow(phi - vbs, 1.5)) / 1.5;
  double id = 100e-6 * 10 / 2 * ((vgs - vbin - vdsat / 2) * vdsat - g * charge);
  double vd = (5e-3 - id + gmin * -0.5) / (1e-3 + gmin);
  cr_assert_gt(vd, vdsat, "the closed form assumes saturation");
  cr_expect(fabs(kh_test_node(nl, v, "d") - vd) <= 1e-12 * vd, "v(d) = %.15g, want %.15g",
            kh_test_node(nl, v, "d"), vd);
  free(v);
  kh_netlist_free(nl);
}

/* Level 3 reduced to its mobility modulation: without NSUB there is no channel-length
 * modulation, and with GAMMA, ETA, DELTA, VMAX and NFS at 0 a saturated channel carries
 * id = KP Weff / Leff (vgs - von)^2 / (2 (1 + THETA (vgs - von))), Leff = L - 2 LD + XL,
 * Weff = W - 2 WD + XW, von = VTO + DELVTO. With IS = 0 the drain-bulk junction carries GMIN's
 * current alone, so v(d) = (5 - R id) / (1 + R GMIN). */
Test(mosfet, level3_saturation_with_mobility_modulation_in_closed_form) {
  const char *deck = "t\nvdd vdd 0 5\nrd vdd d 2k\nvg g 0 2.2\nm1 d g 0 0 n3 l=2u w=20u\n"
                     ".model n3 nmos(level=3 vto=0.7 delvto=0.05 kp=90u theta=0.15 ld=0.1u "
                     "xl=0.04u wd=0.2u xw=0.1u is=0)\n";
  kh_netlist *nl = kh_test_parse(deck);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double leff = 2e-6 - 0.2e-6 + 0.04e-6, weff = 20e-6 - 0.4e-6 + 0.1e-6, vgst = 2.2 - 0.75;
  double id = 90e-6 * weff / leff * vgst * vgst / (2 * (1 + 0.15 * vgst));
  double vd = (5 - 2e3 * id) / (1 + 2e3 * 1e-12);
  cr_assert_gt(vd, vgst, "the closed form assumes saturation");
  cr_expect(fabs(kh_test_node(nl, v, "d") - vd) <= 1e-12 * vd, "v(d) = %.15g, want %.15g",
            kh_test_node(nl, v, "d"), vd);
  free(v);
  kh_netlist_free(nl);
}

/* VDMOS saturated far above threshold, where the weak-inversion smoothing vanishes:
 * KSUBTHRES ln(1 + exp(vgst / KSUBTHRES)) = vgst to round-off with vgst = 2 V and KSUBTHRES =
 * 0.01, so id = KP/2 vgst^2 (1 + LAMBDA vds) / (1 + THETA vgs), KP times m. The drain sits
 * behind RL from VDD: (VDD - vd)/RL = id(vd) + GMIN's share across the body diode (reverse,
 * IS at its floor), linear in vd. */
Test(mosfet, vdmos_saturation_in_closed_form) {
  const char *deck = "t\nvdd vdd 0 20\nrl vdd d 10\nvg g 0 5\nm1 d g 0 pw m=2\n"
                     ".model pw vdmos(vto=3 kp=0.05 lambda=0.01 theta=0.02 ksubthres=0.01 "
                     "is=1e-30)\n";
  kh_netlist *nl = kh_test_parse(deck);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double k = 2 * 0.05 / 2 * 4 / (1 + 0.02 * 5), g = 1e-12 + 1e-15; /* GMIN and RDS's 1e-15 S */
  /* (20 - vd)/10 = k (1 + 0.01 vd) + g vd */
  double vd = (2 - k) / (0.1 + 0.01 * k + g);
  cr_assert_gt(vd, 2, "the closed form assumes saturation");
  cr_expect(fabs(kh_test_node(nl, v, "d") - vd) <= 1e-12 * vd, "v(d) = %.15g, want %.15g",
            kh_test_node(nl, v, "d"), vd);
  free(v);
  kh_netlist_free(nl);
}

/* A VDMOS's body diode carrying a forced current I from the source to the drain (the channel
 * off): v(s) = N Vt ln(I/IS + 1) + I RB, at 27 C (Vt = k T / q with ngspice's constants). */
Test(mosfet, vdmos_body_diode_in_closed_form) {
  const char *deck = "t\ni1 0 s 10m\nm1 0 0 s bd\n"
                     ".model bd vdmos(vto=3 kp=1 is=1e-12 n=1.3 rb=0.5)\n";
  kh_netlist *nl = kh_test_parse(deck);
  kh_solve_stats stats;
  double *v = kh_test_general(nl, NULL, &stats);
  double vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19, i = 10e-3;
  double vj = 1.3 * vt * log(i / 1e-12 + 1), want = vj + i * 0.5;
  /* GMIN across the junction takes 1e-12 vj of the current: a relative shift of 1e-10 */
  cr_expect(fabs(kh_test_node(nl, v, "s") - want) <= 1e-9 * want, "v(s) = %.15g, want %.15g",
            kh_test_node(nl, v, "s"), want);
  free(v);
  kh_netlist_free(nl);
}

/* A PMOS is the NMOS with every voltage negated: the same deck mirrored gives -v. */
Test(mosfet, pmos_mirrors_nmos) {
  const char *n = "t\nvdd vdd 0 3\nrd vdd d 2k\nvg g 0 1.5\nm1 d g 0 0 q l=1u w=4u\n"
                  ".model q nmos(vto=0.6 kp=80u gamma=0.3 lambda=0.03)\n";
  const char *p = "t\nvdd vdd 0 -3\nrd vdd d 2k\nvg g 0 -1.5\nm1 d g 0 0 q l=1u w=4u\n"
                  ".model q pmos(vto=-0.6 kp=80u gamma=0.3 lambda=0.03)\n";
  kh_netlist *a = kh_test_parse(n), *b = kh_test_parse(p);
  kh_solve_stats stats;
  double *va = kh_test_general(a, NULL, &stats), *vb = kh_test_general(b, NULL, &stats);
  cr_expect(fabs(kh_test_node(a, va, "d") + kh_test_node(b, vb, "d")) <= 1e-14,
            "nmos %.15g, pmos %.15g", kh_test_node(a, va, "d"), kh_test_node(b, vb, "d"));
  free(va), free(vb);
  kh_netlist_free(a), kh_netlist_free(b);
}

static const char *const geometry_deck =
    "geometry\n.options scale=1e-6\nvdd vdd 0 5\nvg g 0 2\nrd vdd d 2k\n"
    "m1 d g 0 b nm l=2 w=10 ad=20 pd=14 m=2 temp=50\nrb b 0 1k\n"
    ".model nm nmos(vto=0.7 kp=110u rsh=30 ld=0.1u)\n";

/* The instance as ngspice reads it: geometry times scale (areas squared), RSH times NRD and NRS
 * (1 each) over m as resistors of their own, the terminals as written. */
Test(mosfet, instance_geometry_and_series_resistors) {
  kh_netlist *nl = kh_test_parse(geometry_deck);
  size_t k = kh_netlist_find_element(nl, "m1");
  kh_element e = kh_netlist_element(nl, k);
  cr_assert_eq(e.kind, KH_MOSFET);
  cr_expect_str_eq(kh_netlist_node_name(nl, e.node_pos), "m1#rd");
  cr_expect_str_eq(kh_netlist_node_name(nl, e.node_neg), "m1#rs");
  kh_mosfet_instance in = kh_netlist_mosfet_instance(nl, k);
  cr_expect_str_eq(kh_netlist_node_name(nl, in.drain), "d");
  cr_expect_str_eq(kh_netlist_node_name(nl, in.bulk), "b");
  cr_expect_eq(in.source, 0);
  cr_expect(fabs(in.l - 2e-6) < 1e-20 && fabs(in.w - 10e-6) < 1e-20);
  cr_expect(fabs(in.ad - 20e-12) < 1e-25 && fabs(in.pd - 14e-6) < 1e-20 && in.as == 0);
  cr_expect(in.m == 2 && fabs(in.temperature - 323.15) < 1e-12);
  kh_element rd = kh_netlist_element(nl, kh_netlist_find_element(nl, "rd#m1"));
  cr_expect(fabs(rd.value - 15) < 1e-14, "%g", rd.value);
  kh_netlist_free(nl);
}

/* kirchhoff's text keeps the M card as written (geometry before scale) and no RD/RS resistors;
 * ngspice's text (RD and RS as resistors, RSH out of the model) solves the same in libngspice. */
Test(mosfet, written_back_and_for_ngspice) {
  char *text = kh_test_written_back(geometry_deck);
  cr_expect(strstr(text, "\nm1 d g 0 b nm l=2 w=10 ad=20 pd=14 m=2 temp=50\n"), "%s", text);
  cr_expect(!strstr(text, "rd#m1") && strstr(text, "rsh=30"), "%s", text);
  free(text);
  cr_assert_leq(kh_test_general_vs_ngspice(geometry_deck, 1e-9), 1e-9);
}

Test(mosfet, circuits_without_a_co_content_say_why) {
  kh_test_no_co_content("t\nvdd d 0 5\nm1 d d 0 0 nm\n.model nm nmos\n",
                        "test.cir:3:1: MOSFET 'm1' has no co-content");
}

Test(mosfet, bad_cards_refused_at_their_token) {
  const char *head = "t\n.model nm nmos(vto=0.7)\nvdd d 0 5\n";
  static const struct {
    const char *card, *message;
  } cases[] = {
      {"m1 d d 0\n", "test.cir:4:8: 'm1' needs drain, gate, source and bulk nodes and a model"},
      {"m1 d d 0 0 nx\n", "test.cir:4:12: unknown model 'nx'"},
      {"m1 d d 0 0 nm l=0\n", "test.cir:4:17: MOSFET l must be positive, got 0"},
      {"m1 d d 0 0 nm ad=-1\n", "test.cir:4:18: MOSFET ad must be >= 0, got -1"},
      {"m1 d d 0 0 nm m=0\n", "test.cir:4:17: MOSFET m must be positive, got 0"},
      {"m1 d d 0 0 nm xl=1\n", "test.cir:4:15: unknown MOSFET instance parameter 'xl'"},
      {"m1 d d 0 0 nm 5u\n", "test.cir:4:15: unexpected '5u' in MOSFET 'm1'"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    char text[256];
    snprintf(text, sizeof text, "%s%s", head, cases[k].card);
    const char *msg = kh_test_parse_error(text);
    cr_expect(strstr(msg, cases[k].message), "%s: %s", cases[k].card, msg);
  }
  cr_expect(strstr(kh_test_parse_error("t\n.model nm nmos(phi=0)\nvdd d 0 5\nm1 d d 0 0 nm\n"),
                   "test.cir:4:12: model 'nm': PHI must be positive"));
  /* level 2: what mos2 takes the logarithm or square root of */
  static const char *const level2[] = {"ucrit=0", "neff=-1", "tox=0"};
  for (size_t k = 0; k < sizeof level2 / sizeof *level2; k++) {
    char text[160];
    snprintf(text, sizeof text, "t\n.model n2 nmos(level=2 %s)\nvdd d 0 5\nm1 d d 0 0 n2\n",
             level2[k]);
    const char *msg = kh_test_parse_error(text);
    cr_expect(strstr(msg, "test.cir:4:12: model 'n2': LEVEL 2 ") && strstr(msg, "must be positive"),
              "%s: %s", level2[k], msg);
  }
  /* off and ic=VDS,VGS,VBS: a first guess's and a transient's, read and left */
  kh_netlist_free(kh_test_parse("t\n.model nm nmos\nvdd d 0 5\nm1 d d 0 0 nm off ic=1,2,3 w=2u\n"));
}
