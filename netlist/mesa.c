/* GaAs MESFETs of ngspice 39's MESA device (Ytterdal, Lee, Shur and Fjeldly): a .model NMF card
 * of LEVEL 2, 3 or 4 (ngspice's mesa1, mesa2 and mesa3 equations, sim/general/general_mesa.c)
 * and its Z card, Zname nd ng ns model [l=L] [w=W] [m=M] [ts=] [td=] [dtemp=] [icvds=]
 * [icvgs=] [off]. As in mesasetup.c, L defaults to 1 um and W to 20 um, the source and drain
 * sides sit at ts and td (degrees Celsius, else the circuit's temperature plus dtemp), and RD,
 * RS and RG are resistors of their own (the internal nodes "<name>#rd", "#rs", "#rg"), each
 * divided by m, as mesaload.c multiplies their conductances by it. At DC, RI and RF end at nodes
 * only capacitors reach, so they carry nothing; the capacitances and noise words are read and
 * left. Refused: a PMF model (ngspice 39's MESA prints "Only nmf model type supported" and runs
 * it as an NMF), side-gating (KS), and series resistances with temperature coefficients. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

static const kh_param_alias mesa_params[] = {
    /* the instances' defaults (inpgmod.c: an instance parameter on the card) */
    {"l", "l"},
    {"w", "w"},
    {"ts", "ts"},
    {"td", "td"},
    {"dtemp", "dtemp"},
    {"icvds", "icvds"},
    {"icvgs", "icvgs"},
    /* at DC */
    {"level", "level"},
    {"vto", "vto"},
    {"vt0", "vto"},
    {"lambda", "lambda"},
    {"beta", "beta"},
    {"vs", "vs"},
    {"rd", "rd"},
    {"rs", "rs"},
    {"rg", "rg"},
    {"rdi", "rdi"},
    {"rsi", "rsi"},
    {"phib", "phib"},
    {"phib1", "phib1"},
    {"tphib", "phib1"},
    {"astar", "astar"},
    {"ggr", "ggr"},
    {"del", "del"},
    {"xchi", "xchi"},
    {"tggr", "xchi"},
    {"n", "n"},
    {"eta", "eta"},
    {"m", "m"},
    {"alpha", "alpha"},
    {"sigma0", "sigma0"},
    {"vsigmat", "vsigmat"},
    {"vsigma", "vsigma"},
    {"mu", "mu"},
    {"theta", "theta"},
    {"mu1", "mu1"},
    {"mu2", "mu2"},
    {"d", "d"},
    {"nd", "nd"},
    {"du", "du"},
    {"ndu", "ndu"},
    {"th", "th"},
    {"ndelta", "ndelta"},
    {"delta", "delta"},
    {"tc", "tc"},
    {"tvto", "tvto"},
    {"alphat", "tvto"},
    {"tlambda", "tlambda"},
    {"teta0", "teta0"},
    {"teta1", "teta1"},
    {"tmu", "tmu"},
    {"xtm0", "xtm0"},
    {"xtm1", "xtm1"},
    {"xtm2", "xtm2"},
    {"ks", "ks"},
    {"vsg", "vsg"},
    {"ag", "ag"},
    {"rtc1", "rtc1"},
    {"rtc2", "rtc2"},
    {"zeta", "zeta"},
    {"nmax", "nmax"},
    {"gamma", "gamma"},
    {"epsi", "epsi"},
    {"cas", "cas"},
    {"cbs", "cbs"},
    /* no DC effect: RI and RF (see above), the knee of the capacitances, AC and noise */
    {"ri", "ri"},
    {"rf", "rf"},
    {"mc", "mc"},
    {"lambdahf", "lambdahf"},
    {"tf", "tf"},
    {"flo", "flo"},
    {"delfo", "delfo"},
};

static const char *find_param(const char *s, size_t len) {
  return kh_param_alias_find(mesa_params, sizeof mesa_params / sizeof mesa_params[0], s, len);
}

const char *kh_mesa_param_canonical(const char *name) {
  return kh_param_alias_find(mesa_params, sizeof mesa_params / sizeof mesa_params[0], name,
                             strlen(name));
}

kh_status kh_check_mesa_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to) {
  static const char *const defaults[] = {"l", "w", "ts", "td", "dtemp", "icvds", "icvgs"};
  const kh_token *t = tok->items;
  double level = kh_mos_card_level(tok, from, to), number;
  size_t bad;
  for (size_t i = from; i < to; i += 3) {
    if (kh_token_eq(&t[i], "level") && i + 2 < to &&
        (kh_parse_number(t[i + 2].s, t[i + 2].len, &number, &bad) != KH_NUM_OK || number != level))
      return kh_token_fail(p, line, &t[i + 2], "a second LEVEL, %.*s after %g: write one",
                           (int)t[i + 2].len, t[i + 2].s, level);
    const char *c = find_param(t[i].s, t[i].len);
    kh_status st = kh_check_model_instance_word(p, line, tok, from, i, c != NULL, defaults,
                                                sizeof defaults / sizeof *defaults);
    if (st != KH_OK) return st;
    if (!c)
      return kh_token_fail(p, line, &t[i],
                           "unknown MESFET LEVEL %g model parameter '%.*s' (docs/netlist.md "
                           "lists them)",
                           level, (int)t[i].len, t[i].s);
  }
  return KH_OK;
}

/* What the model must hold for ngspice's equations to mean anything, and what is refused. */
static kh_status check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const nonnegative[] = {"rd",  "rs",  "rg",    "ri", "rf",
                                            "rdi", "rsi", "astar", "ggr"};
  static const kh_model_default positive[] = {
      {"d", 0.12e-6},  {"du", 0.035e-6}, {"vs", 1.5e5}, {"eta", 1.73},  {"n", 1},
      {"vsigma", 0.1}, {"mu", 0.23},     {"m", 2.5},    {"nmax", 2e16}, {"gamma", 3}};
  kh_status st =
      kh_check_nonnegative(p, line, at, m, nonnegative, sizeof nonnegative / sizeof *nonnegative);
  if (st == KH_OK)
    st = kh_check_positive(p, line, at, m, positive, sizeof positive / sizeof *positive);
  if (st != KH_OK) return st;
  if (!strcmp(m->type, "pmf"))
    return kh_token_fail(p, line, at,
                         "model '%s' is a PMF of LEVEL %g: ngspice 39's MESA device has only NMF "
                         "(it prints 'Only nmf model type supported' and runs it as an NMF); "
                         "write nmf for that",
                         m->name, kh_model_value(m, "level", 2));
  if (kh_model_value(m, "ks", 0) != 0)
    return kh_token_fail(p, line, at,
                         "model '%s': side-gating (KS) is not implemented (it moves the threshold "
                         "with the source's absolute voltage)",
                         m->name);
  int series = kh_model_value(m, "rd", 0) > 0 || kh_model_value(m, "rs", 0) > 0 ||
               kh_model_value(m, "rg", 0) > 0;
  if (series && (kh_model_value(m, "rtc1", 0) != 0 || kh_model_value(m, "rtc2", 0) != 0))
    return kh_token_fail(p, line, at,
                         "model '%s': RTC1 and RTC2 with RD, RS or RG are not implemented (the "
                         "series resistances' temperature coefficients)",
                         m->name);
  return KH_OK;
}

kh_status kh_mesa_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  static const char *const types[2] = {"nmf", "pmf"};
  const kh_token *t = tok->items;
  if (kh_scope_multiplier(s) != 1)
    return kh_token_fail(p, line, &t[0],
                         "a MESFET inside a subcircuit that an X line multiplies (m=) is not "
                         "implemented");
  kh_jfet_inst inst = {.m = NAN, .l = NAN, .w = NAN, .td = NAN, .mesa = 1};
  kh_elem e = {.kind = KH_JFET, .value = 1};
  kh_status st = kh_fet_terminals(p, line, tok, s, "MESFET", types, &inst, &e);
  if (st != KH_OK) return st;
  inst.gate = e.ctrl[0];
  const kh_model *model = &p->nl->models[e.model];
  st = check_values(p, line, &t[4], model);
  if (st == KH_OK && tok->count > 5 && !kh_token_eq(&t[5], "off") &&
      !(tok->count > 6 && kh_token_eq(&t[6], "=")))
    return kh_token_fail(p, line, &t[5],
                         "a value after a MESFET LEVEL %g's model: its device has no area (l= "
                         "and w= size it)",
                         kh_model_value(model, "level", 2));
  double ic = 0, ts = NAN;
  unsigned given = 0;
  const kh_instance_word words[] = {{"l", &inst.l, '+', 0}, {"w", &inst.w, '+', 0},
                                    {"m", &inst.m, '+', 0}, {"ts", &ts, 0, 1},
                                    {"td", &inst.td, 0, 2}, {"dtemp", &inst.t.dtemp, 0, 4},
                                    {"icvds", &ic, 0, 0},   {"icvgs", &ic, 0, 0}};
  const kh_instance_words w = {"MESFET", "l, w, m, ts, td, dtemp, icvds, icvgs and off",
                               NULL,     words,
                               8,        0,
                               &given,   &inst.off,
                               NULL,     NULL};
  if (st == KH_OK) st = kh_instance_words_parse(p, line, tok, 5, s, &w);
  if (st != KH_OK) return st;
  /* what the instance leaves out, from the card, else mesasetup.c's defaults */
  if (isnan(inst.l)) inst.l = kh_model_value(model, "l", 1e-6);
  if (isnan(inst.w)) inst.w = kh_model_value(model, "w", 20e-6);
  if (isnan(inst.m)) inst.m = 1;
  if (isnan(ts)) ts = kh_model_value(model, "ts", NAN);
  if (isnan(inst.td)) inst.td = kh_model_value(model, "td", NAN);
  if (!(given & 4)) inst.t.dtemp = kh_model_value(model, "dtemp", 0);
  inst.t.has_temp = !isnan(ts), inst.t.temp = ts, inst.t.has_dtemp = 1;
  if (!(inst.l > 0) || !(inst.w > 0))
    return kh_token_fail(p, line, &t[4], "model '%s': L and W must be positive", model->name);
  return kh_fet_element(p, line, tok, s, e, &inst, inst.m); /* RD, RS and RG over m */
}

kh_mesa_instance kh_netlist_mesa_instance(const kh_netlist *nl, size_t element) {
  kh_mesa_instance m = {0, 0, 0, 0};
  const kh_elem *e = &nl->elements[element];
  if (e->kind != KH_JFET || !nl->jfet_inst[e->ctrl[1]].mesa) return m;
  const kh_jfet_inst *in = &nl->jfet_inst[e->ctrl[1]];
  m.l = in->l, m.w = in->w, m.ts = kh_inst_temp_kelvins(&in->t, nl);
  m.td = isnan(in->td) ? kh_netlist_temperature(nl) + in->t.dtemp : in->td + KH_CELSIUS_TO_KELVIN;
  return m;
}
