/* JFETs as ngspice 39 reads them: the J card (Jname nd ng ns model [area] [off] [area=A] [m=M]
 * [temp=T] [dtemp=T] [ic=VDS,VGS]) and its .model NJF or PJF card, level 1 (Shichman-Hodges
 * with Sydney University's doping tail B; the equations are in sim/general/general_jfet.c) or
 * level 2 (Parker-Skellern, sim/general/general_jfet2.c), each level's own words refused at the
 * other. Every model
 * parameter ngspice 39 knows is read (at DC or as having no DC effect); any other word, PSpice's
 * above all, is refused: ngspice would ignore it with a warning and answer for another device.
 *
 * RD and RS become resistors of their own (never written back) from the drain and source as
 * written to internal nodes "<name>#rd" and "<name>#rs", so that the element itself (kind
 * KH_JFET) joins the drain and source inside them, its gate in ctrl[0]. ngspice's own names for
 * them, "<name>#drain" and "<name>#source", are ones it never reports (nor "#internal",
 * "#collector", ...: measured, ngspice 39), so the deck kirchhoff writes for it carries RD and RS
 * as these resistors, onto nodes it reports. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const kh_param_alias jfet_params[] = {
    /* the instances' defaults (ngspice 39's inpgmod.c: an instance parameter on the card) */
    {"area", "area"},
    {"temp", "temp"},
    {"dtemp", "dtemp"},
    /* at DC, both levels (level 1: PB through B's factor (1 - B) / (PB - VTO); level 2: PB at
     * temperature is VBI) */
    {"level", "level"},
    {"vto", "vto"},
    {"vt0", "vto"},
    {"beta", "beta"},
    {"lambda", "lambda"},
    {"rd", "rd"},
    {"rs", "rs"},
    {"is", "is"},
    {"pb", "pb"},
    {"tnom", "tnom"},
    /* at DC, level 1 */
    {"b", "b"},
    {"tcv", "tcv"},
    {"vtotc", "vtotc"},
    {"bex", "bex"},
    {"betatce", "betatce"},
    {"xti", "xti"},
    {"eg", "eg"},
    /* at DC, level 2 (jfet2parm.h; the LFG and HFG/HFE words act at DC through the voltages
     * they are the quiescent values of, the rest of the HF ones not at all) */
    {"vbi", "pb"},
    {"n", "n"},
    {"p", "p"},
    {"q", "q"},
    {"xi", "xi"},
    {"mxi", "mxi"},
    {"z", "z"},
    {"vst", "vst"},
    {"mvst", "mvst"},
    {"lfgam", "lfgam"},
    {"lfg1", "lfg1"},
    {"lfg2", "lfg2"},
    {"delta", "delta"},
    {"ibd", "ibd"},
    {"vbd", "vbd"},
    {"hfeta", "hfeta"},
    {"hfe1", "hfe1"},
    {"hfe2", "hfe2"},
    {"hfgam", "hfgam"},
    {"hfg1", "hfg1"},
    {"hfg2", "hfg2"},
    {"taud", "taud"},
    {"taug", "taug"},
    {"acgam", "acgam"},
    {"cds", "cds"},
    {"xc", "xc"},
    {"ver", "ver"},
    /* no DC effect: capacitances and noise, both levels */
    {"cgs", "cgs"},
    {"cgd", "cgd"},
    {"fc", "fc"},
    {"kf", "kf"},
    {"af", "af"},
    /* no DC effect, level 1 */
    {"nlev", "nlev"},
    {"gdsnoi", "gdsnoi"},
};

/* The words of one level only (canonical names; the rest belong to both). */
static const char *const level1_only[] = {"b",   "tcv", "vtotc", "bex",   "betatce",
                                          "xti", "eg",  "nlev",  "gdsnoi"};
static const char *const level2_only[] = {
    "n",    "p",    "q",     "xi",   "mxi",   "z",     "vst",  "mvst", "lfgam",
    "lfg1", "lfg2", "delta", "ibd",  "vbd",   "hfeta", "hfe1", "hfe2", "hfgam",
    "hfg1", "hfg2", "taud",  "taug", "acgam", "cds",   "xc",   "ver"};

/* The level a canonical word belongs to alone (0: both). */
static int jfet_word_level(const char *c) {
  if (KH_LISTED(level1_only, c, strlen(c))) return 1;
  return KH_LISTED(level2_only, c, strlen(c)) ? 2 : 0;
}

static const char *find_param(const char *s, size_t len) {
  return kh_param_alias_find(jfet_params, sizeof jfet_params / sizeof jfet_params[0], s, len);
}
const char *kh_jfet_param_canonical(const char *name) {
  return kh_param_alias_canonical(jfet_params, sizeof jfet_params / sizeof jfet_params[0], name);
}

/* PSpice's JFET parameters that ngspice 39 ignores (with a warning): vendor cards carry them. */
static const char *pspice_only(const kh_token *t) {
  static const kh_word_note params[] = {{"n", "gate junction emission coefficient"},
                                        {"isr", "gate junction recombination current"},
                                        {"nr", "recombination current emission coefficient"},
                                        {"alpha", "impact ionization coefficient"},
                                        {"vk", "impact ionization knee voltage"},
                                        {NULL, NULL}};
  return kh_word_note_find(params, t);
}

/* The card's LEVEL as a number (1 without one); a second LEVEL of another value refused. */
static kh_status card_level(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            size_t to, const kh_fet_model_words *w, int *level) {
  const kh_token *t = tok->items;
  double first = kh_mos_card_level(tok, from, to), number;
  size_t bad;
  for (size_t i = from; i + 2 < to; i += 3) {
    if (!kh_token_eq(&t[i], "level")) continue;
    if (kh_parse_number(t[i + 2].s, t[i + 2].len, &number, &bad) != KH_NUM_OK ||
        !(number == 1 || (number == 2 && w->word_level)))
      return kh_token_fail(p, line, &t[i + 2], "%s LEVEL %.*s is not implemented (%s)", w->device,
                           (int)t[i + 2].len, t[i + 2].s, w->levels);
    if (number != first)
      return kh_token_fail(p, line, &t[i + 2], "a second LEVEL, %g after %g: write one", number,
                           first);
  }
  *level = (int)first;
  return KH_OK;
}

kh_status kh_check_fet_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to, const kh_fet_model_words *w) {
  const kh_token *t = tok->items;
  int level = 1;
  kh_status st = card_level(p, line, tok, from, to, w, &level);
  for (size_t i = from; st == KH_OK && i < to; i += 3) {
    const char *c = w->find(t[i].s, t[i].len);
    int only = c && w->word_level ? w->word_level(c) : 0;
    st = kh_check_model_instance_word(p, line, tok, from, i, c != NULL, w->defaults, w->count);
    if (st != KH_OK) return st; /* m (PSpice's grading coefficient) is dropped silently */
    const char *pspice = (!c || (only && only != level)) && w->pspice ? w->pspice(&t[i]) : NULL;
    if (pspice)
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' is PSpice's %s %s; ngspice 39 ignores it with a warning, so "
                           "neither program would give the model's PSpice answer: remove it from "
                           "the card for ngspice's",
                           (int)t[i].len, t[i].s, w->device, pspice);
    if (!c)
      return kh_token_fail(p, line, &t[i],
                           "unknown %s model parameter '%.*s' (docs/netlist.md lists them)",
                           w->device, (int)t[i].len, t[i].s);
    if (only && only != level)
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' belongs to %s LEVEL %d, this model is LEVEL %d (ngspice 39 "
                           "would ignore it with a warning)",
                           (int)t[i].len, t[i].s, w->device, only, level);
  }
  return st;
}

/* ngspice 39's level-2 JFET stores dtemp= as the instance's temperature in kelvins
 * (jfet2par.c: dtemp=30 runs it at 30 K), so a dtemp among tokens [from, to) is refused there. */
static kh_status level2_dtemp(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to) {
  for (size_t i = from; i < to; i++)
    if (kh_token_eq(&tok->items[i], "dtemp"))
      return kh_token_fail(p, line, &tok->items[i],
                           "dtemp on a LEVEL 2 JFET: ngspice 39 takes it as the temperature in "
                           "kelvins (dtemp=30 runs the device at 30 K); write temp= instead");
  return KH_OK;
}

kh_status kh_check_jfet_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to) {
  static const char *const defaults[] = {"area", "temp", "dtemp"};
  const kh_fet_model_words w = {"JFET",
                                find_param,
                                defaults,
                                3,
                                pspice_only,
                                jfet_word_level,
                                "LEVEL=1, the default, and 2, Parker-Skellern's, are"};
  kh_status st = kh_check_fet_model(p, line, tok, from, to, &w);
  if (st == KH_OK && kh_mos_card_level(tok, from, to) == 2)
    st = level2_dtemp(p, line, tok, from, to);
  return st;
}

/* A level-2 model's values that must hold for ngspice's equations to mean anything: N and VBD
 * divide the junctions' voltages, XI and Z set the saturation knee (zero or negative ones give
 * 0/0 or the square root of a negative number), P and Q are powers of the gate drive. */
static kh_status check_level2(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const nonnegative[] = {"ibd", "delta", "z", "mxi"};
  static const kh_model_default positive[] = {
      {"n", 1}, {"vbd", 1}, {"xi", 1000}, {"p", 2}, {"q", 2}};
  kh_status st =
      kh_check_nonnegative(p, line, at, m, nonnegative, sizeof nonnegative / sizeof *nonnegative);
  if (st == KH_OK)
    st = kh_check_positive(p, line, at, m, positive, sizeof positive / sizeof *positive);
  return st;
}

/* The model's values that must hold for ngspice's equations to mean anything. */
static kh_status check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const nonnegative[] = {"beta", "rd", "rs", "is"};
  kh_status st =
      kh_check_nonnegative(p, line, at, m, nonnegative, sizeof nonnegative / sizeof *nonnegative);
  if (st != KH_OK) return st;
  if (kh_model_value(m, "level", 1) == 2) return check_level2(p, line, at, m);
  double pb = kh_model_value(m, "pb", 1), vto = kh_model_value(m, "vto", -2);
  if (!(pb - vto != 0) || !isfinite(pb - vto))
    return kh_token_fail(p, line, at,
                         "model '%s': PB (%g) must differ from VTO (%g): B's factor (1 - B) / "
                         "(PB - VTO) divides by their difference",
                         m->name, pb, vto);
  return KH_OK;
}

/* The words after the model; *area, inst filled in. */
static kh_status instance_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                                const kh_scope *s, double *area, kh_jfet_inst *inst) {
  unsigned given = 0;
  const kh_instance_word words[] = {{"area", area, '+', 0},
                                    {"m", &inst->m, '+', 0},
                                    {"temp", &inst->t.temp, 0, 1},
                                    {"dtemp", &inst->t.dtemp, 0, 2}};
  const kh_instance_words w = {
      "JFET", "area, m, temp, dtemp, ic and off", area, words, 4, 2, &given, &inst->off, NULL,
      NULL};
  kh_status st = kh_instance_words_parse(p, line, tok, i, s, &w);
  inst->t.has_temp = given & 1, inst->t.has_dtemp = (given >> 1) & 1;
  return st;
}

kh_status kh_fet_terminals(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                           const char *device, const char *const types[2], kh_jfet_inst *inst,
                           kh_elem *e) {
  const kh_token *t = tok->items;
  if (tok->count < 5)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         "'%.*s' needs drain, gate and source nodes and a model", (int)t[0].len,
                         t[0].s);
  kh_status st = kh_resolve_node(p, line, s, &t[1], &inst->drain);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e->ctrl[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[3], &inst->source);
  if (st == KH_OK) st = kh_model_at(p, line, s, &t[4], &e->model);
  if (st != KH_OK) return st;
  const char *type = p->nl->models[e->model].type;
  if (strcmp(type, types[0]) != 0 && strcmp(type, types[1]) != 0)
    return kh_token_fail(p, line, &t[4],
                         "model '%.*s' is of type '%s', a %s needs type '%s' or '%s'",
                         (int)t[4].len, t[4].s, type, device, types[0], types[1]);
  return KH_OK;
}

kh_status kh_jfet_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  static const char *const types[2] = {"njf", "pjf"};
  const kh_token *t = tok->items;
  kh_jfet_inst inst = {.m = kh_scope_multiplier(s)};
  kh_elem e = {.kind = KH_JFET, .value = NAN};
  kh_status st = kh_fet_terminals(p, line, tok, s, "JFET", types, &inst, &e);
  if (st != KH_OK) return st;
  const kh_model *model = &p->nl->models[e.model];
  st = check_values(p, line, &t[4], model);
  if (st == KH_OK && kh_model_value(model, "level", 1) == 2)
    st = level2_dtemp(p, line, tok, 5, tok->count);
  if (st == KH_OK) st = instance_words(p, line, tok, 5, s, &e.value, &inst);
  if (st != KH_OK) return st;
  /* what the instance leaves out, from the card (ngspice 39's instance defaults), else 1 and 0 */
  if (isnan(e.value)) e.value = kh_model_value(model, "area", 1);
  st = kh_check_card_default(p, line, &t[4], model, "area", e.value, 0);
  if (st != KH_OK) return st;
  kh_inst_temp_defaults(&inst.t, model);
  return kh_fet_element(p, line, tok, s, e, &inst, e.value * inst.m); /* 1/R times area and m */
}

kh_status kh_fet_element(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                         kh_elem e, const kh_jfet_inst *inst, double scale) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  const kh_model *model = &nl->models[e.model];
  if (kh_reserve((void **)&nl->jfet_inst, &nl->jfet_inst_cap, nl->jfet_inst_count + 1,
                 sizeof *nl->jfet_inst))
    return kh_fail_nomem(p->ctx, "storing a transistor");
  e.node[0] = inst->drain, e.node[1] = inst->source;
  e.ctrl[1] = (uint32_t)nl->jfet_inst_count;
  nl->jfet_inst[nl->jfet_inst_count++] = *inst;
  kh_status st = kh_add_element(p, line, &t[0], s, e);
  if (st != KH_OK) return st;
  size_t j = nl->element_count - 1;
  const char *jname = kh_strmap_name(&nl->element_names, (uint32_t)j);
  static const char *const words[3] = {"rd", "rs", "rg"}; /* RG: a MESA MESFET's */
  uint32_t ends[3] = {inst->drain, inst->source, inst->gate};
  for (int k = 0; k < (inst->mesa ? 3 : 2) && st == KH_OK; k++) {
    double ohms = kh_model_value(model, words[k], 0);
    if (ohms > 0) st = kh_series_part(p, line, &t[0], jname, words[k], ohms / scale, &ends[k]);
  }
  if (st != KH_OK) return st;
  nl->elements[j].node[0] = ends[0], nl->elements[j].node[1] = ends[1]; /* the array may move */
  if (inst->mesa) nl->elements[j].ctrl[0] = ends[2];
  return KH_OK;
}

kh_jfet_instance kh_netlist_jfet_instance(const kh_netlist *nl, size_t element) {
  const kh_elem *e = &nl->elements[element];
  kh_jfet_instance j = {0, 0, 0, e->value, 1, kh_netlist_temperature(nl), 0};
  if (e->kind != KH_JFET) return j;
  const kh_jfet_inst *in = &nl->jfet_inst[e->ctrl[1]];
  j.gate = e->ctrl[0], j.drain = in->drain, j.source = in->source, j.m = in->m;
  j.off = in->off;
  j.temperature = kh_inst_temp_kelvins(&in->t, nl);
  return j;
}
