/* GaAs MESFETs as ngspice 39 reads them: the Z card (Zname nd ng ns model [area] [off]
 * [area=A] [m=M] [ic=VDS,VGS]) and its .model NMF or PMF card, level 1 (Statz et al.'s model,
 * ngspice's mes device; the equations are in sim/general/general_jfet.c beside the JFET's, whose
 * gate junctions and stamps it shares). As in ngspice 39, m= is another name for the area
 * (mes.c's table maps both to MES_AREA: m=2 answers as area=2, and the last of the two given
 * wins, measured), a bare area after the model is ignored by ngspice 39 without a word
 * (measured: refused here), and the device has no temperature dependence (no TNOM, no temp=, which
 * ngspice stops at). The element is a KH_JFET whose model is of type nmf or pmf, RD and RS
 * resistors of their own as a JFET's (netlist/jfet.c), divided by the area. A model of LEVEL 2, 3
 * or 4 is ngspice's MESA device instead (mesa.c). */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

static const kh_param_alias mesfet_params[] = {
    /* the instances' default (ngspice 39's inpgmod.c: an instance parameter on the card) */
    {"area", "area"},
    /* at DC */
    {"level", "level"},
    {"vto", "vto"},
    {"vt0", "vto"},
    {"alpha", "alpha"},
    {"beta", "beta"},
    {"lambda", "lambda"},
    {"b", "b"},
    {"rd", "rd"},
    {"rs", "rs"},
    {"is", "is"},
    /* no DC effect: capacitances and noise */
    {"cgs", "cgs"},
    {"cgd", "cgd"},
    {"pb", "pb"},
    {"fc", "fc"},
    {"kf", "kf"},
    {"af", "af"},
};

static const char *find_param(const char *s, size_t len) {
  return kh_param_alias_find(mesfet_params, sizeof mesfet_params / sizeof mesfet_params[0], s, len);
}
/* Statz's words first, then MESA's (mesa.c): a word of both means the same in each. */
const char *kh_mesfet_param_canonical(const char *name) {
  const char *c = kh_param_alias_find(mesfet_params, sizeof mesfet_params / sizeof mesfet_params[0],
                                      name, strlen(name));
  if (!c) c = kh_mesa_param_canonical(name);
  return c ? c : name;
}

static int mesa_level(double level) {
  return level == 2 || level == 3 || level == 4;
}

kh_status kh_check_mesfet_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t to) {
  if (mesa_level(kh_mos_card_level(tok, from, to)))
    return kh_check_mesa_model(p, line, tok, from, to);
  static const char *const defaults[] = {"area"};
  const kh_fet_model_words w = {"MESFET",
                                find_param,
                                defaults,
                                1,
                                NULL,
                                NULL,
                                "LEVEL=1, Statz's model, and 2, 3 and 4, ngspice's MESA, are"};
  return kh_check_fet_model(p, line, tok, from, to, &w);
}

/* The model's values that must hold for ngspice's equations to mean anything: ALPHA divides
 * (3 / ALPHA, the saturation voltage), IS's logarithm gives vcrit. */
static kh_status check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const nonnegative[] = {"beta", "rd", "rs", "b", "lambda"};
  kh_status st =
      kh_check_nonnegative(p, line, at, m, nonnegative, sizeof nonnegative / sizeof *nonnegative);
  if (st != KH_OK) return st;
  if (!(kh_model_value(m, "alpha", 2) > 0) || !isfinite(kh_model_value(m, "alpha", 2)))
    return kh_token_fail(p, line, at,
                         "model '%s': ALPHA must be positive (3/ALPHA is the "
                         "saturation voltage)",
                         m->name);
  if (!(kh_model_value(m, "is", 1e-14) > 0))
    return kh_token_fail(p, line, at,
                         "model '%s': IS must be positive (ngspice takes its "
                         "logarithm for the gates' limiting)",
                         m->name);
  return KH_OK;
}

kh_status kh_mesfet_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  static const char *const types[2] = {"nmf", "pmf"};
  const kh_token *t = tok->items;
  kh_jfet_inst inst = {.m = 1};
  kh_elem e = {.kind = KH_JFET, .value = NAN};
  kh_status st = kh_fet_terminals(p, line, tok, s, "MESFET", types, &inst, &e);
  if (st != KH_OK) return st;
  const kh_model *model = &p->nl->models[e.model];
  if (mesa_level(kh_model_value(model, "level", 1))) return kh_mesa_card(p, line, tok, s);
  if (kh_scope_multiplier(s) != 1)
    return kh_token_fail(p, line, &t[0],
                         "a MESFET inside a subcircuit that an X line multiplies (m=): ngspice 39 "
                         "appends m= to its line, which a MESFET reads as its area");
  st = check_values(p, line, &t[4], model);
  if (tok->count > 5 && !kh_token_eq(&t[5], "off") && !(tok->count > 6 && kh_token_eq(&t[6], "=")))
    return kh_token_fail(p, line, &t[5],
                         "a MESFET's area after its model: ngspice 39 ignores it without a word "
                         "(measured); write area=%.*s",
                         (int)t[5].len, t[5].s);
  const kh_instance_word words[] = {{"area", &e.value, '+', 0}, {"m", &e.value, '+', 0}};
  const kh_instance_words w = {
      "MESFET", "area, m, ic and off", NULL, words, 2, 2, NULL, &inst.off, NULL, NULL};
  if (st == KH_OK) st = kh_instance_words_parse(p, line, tok, 5, s, &w);
  if (st != KH_OK) return st;
  if (isnan(e.value)) e.value = kh_model_value(model, "area", 1);
  st = kh_check_card_default(p, line, &t[4], model, "area", e.value, 0);
  return st == KH_OK ? kh_fet_element(p, line, tok, s, e, &inst, e.value) : st;
}
