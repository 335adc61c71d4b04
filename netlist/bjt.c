/* Bipolar transistors as ngspice 39 reads them: the Q card (Qname nc nb ne [ns] model [area]
 * [area=] [areab=] [areac=] [m=] [off] [ic=VBE,VCE] [icvbe=] [icvce=] [temp=] [dtemp=]) and its
 * .model NPN or PNP card, level 1 (Gummel-Poon; the equations are in
 * sim/general/general_bjt.c). Every parameter ngspice 39 knows is read, at DC or as having no
 * DC effect (charges, noise, the safe-operating-area limits), or refused at its token where
 * kirchhoff does not compute it: Kull's quasi-saturation RCO and TLEV other than 0, 1 and 3 (and
 * IBE or IBC alone, which ngspice ignores). Unknown words are refused: ngspice would
 * ignore them with a warning and answer for another device.
 *
 * RC, RB and RE become resistors of their own (never written back), at the instance's
 * temperature (TRC1, TRC2, ... from the model's TNOM), from the collector, base and emitter as
 * written to internal nodes "<name>#rc", "<name>#rb" and "<name>#re", as a JFET's RD and RS
 * (jfet.c): the element itself (kind KH_BJT) joins the inner collector and emitter, its inner
 * base in ctrl[0]. A base resistance that the current modulates (RBM other than RB, or TRM1,
 * TRM2 other than TRB1, TRB2) is no resistor: the transistor keeps it, between the base as
 * written (then ctrl[0]) and an inner base of its own (general_bjt.c), as ngspice does. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const kh_param_alias bjt_params[] = {
    /* the instances' defaults (ngspice 39's inpgmod.c: an instance parameter on the card) */
    {"area", "area"},
    {"areab", "areab"},
    {"areac", "areac"},
    {"temp", "temp"},
    {"dtemp", "dtemp"},
    /* at DC */
    {"level", "level"},
    /* Kull's quasi-saturation: the epitaxial collector's resistance, its carriers' velocity
     * saturation voltage and doping factor */
    {"rco", "rco"},
    {"vo", "vo"},
    {"gamma", "gamma"},
    {"is", "is"},
    {"bf", "bf"},
    {"nf", "nf"},
    {"vaf", "vaf"},
    {"va", "vaf"},
    {"ikf", "ikf"},
    {"ik", "ikf"},
    {"ise", "ise"},
    {"c2", "ise"},
    {"ne", "ne"},
    {"br", "br"},
    {"nr", "nr"},
    {"var", "var"},
    {"vb", "var"},
    {"ikr", "ikr"},
    {"isc", "isc"},
    {"c4", "isc"},
    {"nc", "nc"},
    {"rb", "rb"},
    {"irb", "irb"},
    {"rbm", "rbm"},
    {"re", "re"},
    {"rc", "rc"},
    {"xtb", "xtb"},
    {"eg", "eg"},
    {"xti", "xti"},
    {"tnom", "tnom"},
    {"tref", "tnom"},
    {"nkf", "nkf"},
    {"nk", "nkf"},
    {"subs", "subs"},
    {"tlev", "tlev"},
    {"tbf1", "tbf1"},
    {"tbf2", "tbf2"},
    {"tbr1", "tbr1"},
    {"tbr2", "tbr2"},
    {"tikf1", "tikf1"},
    {"tikf2", "tikf2"},
    {"tikr1", "tikr1"},
    {"tikr2", "tikr2"},
    {"tirb1", "tirb1"},
    {"tirb2", "tirb2"},
    {"tnc1", "tnc1"},
    {"tnc2", "tnc2"},
    {"tne1", "tne1"},
    {"tne2", "tne2"},
    {"tnf1", "tnf1"},
    {"tnf2", "tnf2"},
    {"tnr1", "tnr1"},
    {"tnr2", "tnr2"},
    {"trb1", "trb1"},
    {"trb", "trb1"},
    {"trb2", "trb2"},
    {"trc1", "trc1"},
    {"trc", "trc1"},
    {"trc2", "trc2"},
    {"tre1", "tre1"},
    {"tre", "tre1"},
    {"tre2", "tre2"},
    {"trm1", "trm1"},
    {"trm2", "trm2"},
    {"tvaf1", "tvaf1"},
    {"tvaf2", "tvaf2"},
    {"tvar1", "tvar1"},
    {"tvar2", "tvar2"},
    {"ibe", "ibe"}, /* the junctions' own saturation currents, both given */
    {"ibc", "ibc"},
    {"iss", "iss"}, /* the substrate junction */
    {"ns", "ns"},
    {"tns1", "tns1"},
    {"tns2", "tns2"},
    /* no DC effect: charges and their temperature laws, noise, the substrate junction's shape
     * (its current needs ISS), TLEV=3's coefficients, quasi-saturation's (they need RCO), and
     * the safe-operating-area limits (warnings) */
    {"cje", "cje"},
    {"vje", "vje"},
    {"pe", "vje"},
    {"mje", "mje"},
    {"me", "mje"},
    {"tf", "tf"},
    {"xtf", "xtf"},
    {"vtf", "vtf"},
    {"itf", "itf"},
    {"ptf", "ptf"},
    {"cjc", "cjc"},
    {"vjc", "vjc"},
    {"pc", "vjc"},
    {"mjc", "mjc"},
    {"mc", "mjc"},
    {"xcjc", "xcjc"},
    {"tr", "tr"},
    {"cjs", "cjs"},
    {"csub", "cjs"},
    {"ccs", "cjs"},
    {"vjs", "vjs"},
    {"ps", "vjs"},
    {"mjs", "mjs"},
    {"ms", "mjs"},
    {"fc", "fc"},
    {"kf", "kf"},
    {"af", "af"},
    {"ctc", "ctc"},
    {"cte", "cte"},
    {"cts", "cts"},
    {"tvjc", "tvjc"},
    {"tvje", "tvje"},
    {"tvjs", "tvjs"},
    {"titf1", "titf1"},
    {"titf2", "titf2"},
    {"ttf1", "ttf1"},
    {"ttf2", "ttf2"},
    {"ttr1", "ttr1"},
    {"ttr2", "ttr2"},
    {"tmje1", "tmje1"},
    {"tmje2", "tmje2"},
    {"tmjc1", "tmjc1"},
    {"tmjc2", "tmjc2"},
    {"tmjs1", "tmjs1"},
    {"tmjs2", "tmjs2"},
    {"tlevc", "tlevc"},
    {"tis1", "tis1"},
    {"tis2", "tis2"},
    {"tise1", "tise1"},
    {"tise2", "tise2"},
    {"tisc1", "tisc1"},
    {"tisc2", "tisc2"},
    {"tiss1", "tiss1"},
    {"tiss2", "tiss2"},
    {"qco", "qco"},
    {"quasimod", "quasimod"},
    {"vg", "vg"},
    {"cn", "cn"},
    {"d", "d"},
    {"vbe_max", "vbe_max"},
    {"vbc_max", "vbc_max"},
    {"vce_max", "vce_max"},
    {"pd_max", "pd_max"},
    {"ic_max", "ic_max"},
    {"ib_max", "ib_max"},
    {"te_max", "te_max"},
    {"rth0", "rth0"},
    /* HSPICE's extrinsic capacitances (gf180mcu's PNP cards give them), which ngspice 39 ignores
     * with a warning ("unrecognized parameter", measured) */
    {"cbcp", "cbcp"},
    {"cbep", "cbep"},
    {"ccsp", "ccsp"},
};

static const char *find_param(const char *s, size_t len) {
  return kh_param_alias_find(bjt_params, sizeof bjt_params / sizeof bjt_params[0], s, len);
}
const char *kh_bjt_param_canonical(const char *name) {
  return kh_param_alias_canonical(bjt_params, sizeof bjt_params / sizeof bjt_params[0], name);
}

/* Words ngspice 39 knows whose DC effect kirchhoff does not compute, and what each is. */
/* LTspice's libraries (standard.bjt) tag each card with its maker, at which ngspice 39 stops
 * (measured; its LTspice and PSpice modes drop these words before reading), and its ratings
 * (Vceo, Icrating), which ngspice ignores with a warning and LTspice computes nothing from. */
static const char *ltspice_metadata(const kh_token *t) {
  static const kh_word_note words[] = {
      {"mfg", "stops at it with a fatal error"}, {"type", "stops at it"}, {NULL, NULL}};
  return kh_word_note_find(words, t);
}

/* One refused word's message, or KH_OK for a known one (*canonical set). */
static kh_status check_word(kh_parser *p, uint32_t line, const kh_token *t,
                            const char **canonical) {
  *canonical = find_param(t->s, t->len);
  if (*canonical) return KH_OK;
  if (ltspice_metadata(t))
    return kh_token_fail(p, line, t,
                         "'%.*s' is LTspice's part data; ngspice 39 %s: remove it from the card",
                         (int)t->len, t->s, ltspice_metadata(t));
  return kh_token_fail(p, line, t,
                       "unknown BJT model parameter '%.*s' (ngspice 39 would ignore it with a "
                       "warning; docs/netlist.md lists them)",
                       (int)t->len, t->s);
}

kh_status kh_check_bjt_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to) {
  if (kh_vbic_card(tok, from, to)) return kh_check_vbic_model(p, line, tok, from, to);
  const kh_token *t = tok->items;
  static const char *const defaults[] = {"area", "areab", "areac", "temp", "dtemp"};
  for (size_t i = from; i < to; i += 3) {
    const char *c = find_param(t[i].s, t[i].len);
    static const char *const ratings[] = {"vceo", "icrating", NULL};
    kh_status noted;
    if (!c && kh_ltspice_rating(p, line, &t[i], ratings, &noted)) {
      if (noted != KH_OK) return noted;
      continue;
    }
    kh_status st = kh_check_model_instance_word(p, line, tok, from, i, c != NULL, defaults,
                                                sizeof defaults / sizeof *defaults);
    if (st == KH_OK) st = check_word(p, line, &t[i], &c);
    if (st != KH_OK) return st;
    if (i + 2 >= to) continue;
    if (strcmp(c, "level") == 0 && !kh_token_eq(&t[i + 2], "1"))
      return kh_token_fail(p, line, &t[i + 2],
                           "BJT LEVEL %.*s is not implemented (LEVEL=1, Gummel-Poon, and 4 or "
                           "9, VBIC, are)",
                           (int)t[i + 2].len, t[i + 2].s);
    if (strcmp(c, "tlev") == 0 && !kh_token_eq(&t[i + 2], "0") && !kh_token_eq(&t[i + 2], "1") &&
        !kh_token_eq(&t[i + 2], "3"))
      return kh_token_fail(p, line, &t[i + 2],
                           "BJT TLEV %.*s is not implemented (0, 1 and 3 are, as in ngspice 39)",
                           (int)t[i + 2].len, t[i + 2].s);
    if (strcmp(c, "subs") == 0 && !kh_token_eq(&t[i + 2], "1") && !kh_token_eq(&t[i + 2], "-1"))
      return kh_token_fail(p, line, &t[i + 2],
                           "SUBS must be 1 (vertical) or -1 (lateral), got '%.*s'",
                           (int)t[i + 2].len, t[i + 2].s);
  }
  return KH_OK;
}

int kh_bjt_base_modulated(const kh_model *m) {
  double rb = kh_model_value(m, "rb", 0), rbm = kh_model_value(m, "rbm", rb);
  return rb > 0 && (rbm != rb || kh_model_value(m, "trm1", 0) != kh_model_value(m, "trb1", 0) ||
                    kh_model_value(m, "trm2", 0) != kh_model_value(m, "trb2", 0));
}

/* Whether a TLEV=3 model's BF or BR takes ngspice's leftover beta factor (bjttemp.c: set per
 * TLEV 0 or 1 instance, 1 before any, and not reset for a TLEV 3 one) and that factor may be
 * other than 1: some BJT model of another TLEV has an XTB. */
static int beta_factor_unknown(const kh_netlist *nl, const kh_model *m) {
  int tbf = !isnan(kh_model_value(m, "tbf1", NAN)) || !isnan(kh_model_value(m, "tbf2", NAN)),
      tbr = !isnan(kh_model_value(m, "tbr1", NAN)) || !isnan(kh_model_value(m, "tbr2", NAN));
  if (tbf && tbr) return 0;
  for (size_t k = 0; k < nl->model_count; k++) {
    const kh_model *o = &nl->models[k];
    if ((!strcmp(o->type, "npn") || !strcmp(o->type, "pnp")) && kh_model_value(o, "tlev", 0) != 3 &&
        kh_model_value(o, "xtb", 0) != 0)
      return 1;
  }
  return 0;
}

/* The model's values that ngspice's equations need to mean anything. */
static kh_status check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const positive[] = {"is", "bf", "br", "nf", "nr", "ne", "nc"};
  static const double defaults[] = {1e-16, 100, 1, 1, 1, 1.5, 2};
  for (size_t k = 0; k < sizeof positive / sizeof *positive; k++) {
    double v = kh_model_value(m, positive[k], defaults[k]);
    if (!(v > 0) || !isfinite(v))
      return kh_token_fail(p, line, at, "model '%s': %s must be positive, got %g", m->name,
                           positive[k], v);
  }
  static const char *const nonnegative[] = {"rb",  "rc",  "re",  "ise", "isc",
                                            "irb", "rbm", "ibe", "ibc", "iss"};
  kh_status st =
      kh_check_nonnegative(p, line, at, m, nonnegative, sizeof nonnegative / sizeof *nonnegative);
  if (st != KH_OK) return st;
  if (kh_model_value(m, "rb", 0) == 0 && kh_model_value(m, "rbm", 0) != 0)
    return kh_token_fail(p, line, at,
                         "model '%s': RBM without RB: ngspice 39 stamps the modulated base "
                         "resistance onto the base node itself, where its conductance, up to "
                         "1/(RBM (1 - 1/qb)), cancels only to rounding and moves the answer by it "
                         "(measured: 1.2 uV on a 1 Mohm base); give RB, or leave RBM out",
                         m->name);
  if (isnan(kh_model_value(m, "ibe", NAN)) != isnan(kh_model_value(m, "ibc", NAN)))
    return kh_token_fail(p, line, at,
                         "model '%s': %s without %s: ngspice 39 then takes IS for both junctions "
                         "and ignores it; give both, or neither",
                         m->name, isnan(kh_model_value(m, "ibe", NAN)) ? "IBC" : "IBE",
                         isnan(kh_model_value(m, "ibe", NAN)) ? "IBE" : "IBC");
  if (kh_model_value(m, "tlev", 0) == 3 && beta_factor_unknown(p->nl, m))
    return kh_token_fail(p, line, at,
                         "model '%s': TLEV=3 without TBF1 or TBF2 and TBR1 or TBR2 beside a TLEV "
                         "0 or 1 model with XTB: ngspice 39 then scales BF and BR by the factor of "
                         "whichever instance it set up before (its bjttemp.c keeps one variable "
                         "for all of them); give the coefficients, or XTB=0 on the others",
                         m->name);
  if (!isnan(kh_model_value(m, "rco", NAN)) && kh_model_value(m, "quasimod", 0) != 0)
    return kh_token_fail(p, line, at,
                         "model '%s': QUASIMOD's temperature laws for RCO, VO and GAMMA are not "
                         "implemented (QUASIMOD=0 is); simulate the deck in ngspice",
                         m->name);
  if (!(kh_model_value(m, "vo", 10) > 0))
    return kh_token_fail(p, line, at, "model '%s': VO must be positive (ngspice divides by it)",
                         m->name);
  if (kh_model_value(m, "nkf", 0.5) > 1)
    return kh_token_fail(p, line, at,
                         "model '%s': NKF above 1 (ngspice 39 sets it to 1 with a "
                         "warning); give NKF <= 1",
                         m->name);
  return KH_OK;
}

/* The words after the model; *area and inst filled in. */
static kh_status instance_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                                const kh_scope *s, double *area, kh_bjt_inst *inst) {
  unsigned given = 0;
  const kh_instance_word words[] = {
      {"area", area, '+', 0},          {"areab", &inst->areab, '+', 0},
      {"areac", &inst->areac, '+', 0}, {"m", &inst->m, '+', 0},
      {"temp", &inst->t.temp, 0, 1},   {"dtemp", &inst->t.dtemp, 0, 2},
      {"icvbe", NULL, 0, 0},           {"icvce", NULL, 0, 0}}; /* a transient's: read and left */
  const kh_instance_words w = {
      "BJT",  "area, areab, areac, m, temp, dtemp, ic, icvbe, icvce and off",
      area,   words,
      8,      2,
      &given, &inst->off,
      NULL,   NULL};
  kh_status st = kh_instance_words_parse(p, line, tok, i, s, &w);
  inst->t.has_temp = given & 1, inst->t.has_dtemp = (given >> 1) & 1;
  return st;
}

/* Q's nodes and model: "nc nb ne model" or, where the fourth word names no model, "nc nb ne ns
 * model" (as ngspice decides). */
static kh_status nodes_and_model(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                 const kh_scope *s, kh_bjt_inst *inst, uint32_t *model,
                                 size_t *next) {
  const kh_token *t = tok->items;
  kh_status st = kh_resolve_node(p, line, s, &t[1], &inst->collector);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &inst->base);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[3], &inst->emitter);
  if (st != KH_OK) return st;
  *model = kh_find_model(p, s, &t[4]);
  *next = 5;
  if (*model == KH_NOT_FOUND && tok->count > 5) {
    *model = kh_find_model(p, s, &t[5]);
    if (*model != KH_NOT_FOUND) {
      st = kh_resolve_node(p, line, s, &t[4], &inst->substrate);
      if (st != KH_OK) return st;
      *next = 6;
    }
  }
  if (*model == KH_NOT_FOUND && tok->count > 6) { /* "nc nb ne ns nt model": VBIC's thermal */
    *model = kh_find_model(p, s, &t[6]);
    if (*model != KH_NOT_FOUND) {
      st = kh_resolve_node(p, line, s, &t[4], &inst->substrate);
      if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[5], &inst->thermal);
      if (st != KH_OK) return st;
      *next = 7;
    }
  }
  if (*model == KH_NOT_FOUND && p->speculative) p->missed = 1;
  if (*model == KH_NOT_FOUND)
    return kh_token_fail(p, line, &t[4], "unknown model '%.*s'", (int)t[4].len, t[4].s);
  if ((st = kh_model_refused(p, *model)) != KH_OK) return st;
  if ((st = kh_ngspice_model_use(p, line, &t[*next - 1], *model)) != KH_OK) return st;
  const kh_model *m = &p->nl->models[*model];
  if (strcmp(m->type, "npn") != 0 && strcmp(m->type, "pnp") != 0)
    return kh_token_fail(p, line, &t[*next - 1],
                         "model '%s' is of type '%s', a BJT needs type 'npn' or 'pnp'", m->name,
                         m->type);
  if (*next == 7 && !kh_vbic_model(m))
    return kh_token_fail(p, line, &t[5],
                         "a fifth node ('%.*s') is VBIC's thermal node; model '%s' is "
                         "Gummel-Poon's, which has four",
                         (int)t[5].len, t[5].s, m->name);
  if (*next == 7 && !strcmp(m->type, "pnp"))
    return kh_token_fail(p, line, &t[5],
                         "thermal node '%.*s' on a PNP: ngspice 39's VBIC self-heating fails on "
                         "PNPs (measured: NaN on a plain PNP stage its NPN mirror solves, and a "
                         "rise of 0.22 K where the power dissipated gives 0.004 K); simulate it "
                         "without the thermal node, or as an NPN mirror",
                         (int)t[5].len, t[5].s);
  if (*next == 7 && !(kh_model_value(m, "rth", 0) > 0))
    return kh_token_fail(p, line, &t[5],
                         "thermal node '%.*s' with model '%s', whose RTH is not above 0: ngspice "
                         "39 then leaves the node unheated and unconnected (it reports 0 V); give "
                         "RTH > 0 or leave the node out",
                         (int)t[5].len, t[5].s, m->name);
  return kh_vbic_model(m) ? kh_vbic_check_values(p, line, &t[*next - 1], m)
                          : check_values(p, line, &t[*next - 1], m);
}

/* RC, RB or RE (`which`) at the instance's temperature: R (1 + TR1 dt + TR2 dt^2) / (area m),
 * dt from the model's TNOM (bjttemp.c), once the circuit's temperature is known
 * (kh_finish_resistors). */
static kh_status series_resistor(kh_parser *p, uint32_t line, const kh_token *name_tok,
                                 const char *owner, const kh_model *m, const kh_bjt_inst *in,
                                 double area, const char *which, uint32_t *inner) {
  char r[4] = {'r', which[0], 0}, tr1[5] = {'t', 'r', which[0], '1', 0},
       tr2[5] = {'t', 'r', which[0], '2', 0};
  double ohms = kh_model_value(m, r, 0);
  if (!(ohms > 0)) return KH_OK;
  kh_status st = kh_series_part(p, line, name_tok, owner, r, ohms / (area * in->m), inner);
  if (st != KH_OK) return st;
  kh_passive_temp rt = {.tc1 = kh_model_value(m, tr1, 0),
                        .tc2 = kh_model_value(m, tr2, 0),
                        .temp = in->t.temp,
                        .dtemp = in->t.dtemp,
                        .tnom = kh_model_value(m, "tnom", NAN)};
  if (rt.tc1 == 0 && rt.tc2 == 0) return KH_OK;
  rt.given = KH_RT_TC1 | KH_RT_TC2 | (in->t.has_temp ? KH_RT_TEMP : 0u) |
             (isnan(rt.tnom) ? 0u : KH_RT_TNOM);
  return kh_keep_passive_temp(p, &p->nl->elements[p->nl->element_count - 1], &rt);
}

/* The words the instance leaves out (NaN; temp: has_temp 0) from the model card, where ngspice 39
 * reads them as the instances' defaults (inpgmod.c), else its own defaults: the area 1, AREAB and
 * AREAC the area (bjtsetup.c), DTEMP 0. */
static void model_defaults(const kh_model *m, double *area, kh_bjt_inst *in) {
  if (isnan(*area)) *area = kh_model_value(m, "area", 1);
  if (isnan(in->areab)) in->areab = kh_model_value(m, "areab", *area);
  if (isnan(in->areac)) in->areac = kh_model_value(m, "areac", *area);
  kh_inst_temp t = in->t;
  kh_inst_temp_defaults(&in->t, m);
  /* VBIC's DTEMP is the model's own (added to every instance's temperature, general_vbic.c),
   * no default of the instances' (measured: dtemp=50 on the card heats by 50 degrees, once) */
  if (kh_vbic_model(m)) in->t.dtemp = t.dtemp, in->t.has_dtemp = t.has_dtemp;
}

kh_status kh_bjt_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  if (tok->count < 5)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         "'%.*s' needs collector, base and emitter nodes and a model",
                         (int)t[0].len, t[0].s);
  kh_bjt_inst inst = {.m = kh_scope_multiplier(s), .areab = NAN, .areac = NAN};
  kh_elem e = {.kind = KH_BJT, .value = NAN};
  size_t next;
  kh_status st = nodes_and_model(p, line, tok, s, &inst, &e.model, &next);
  if (st == KH_OK) st = instance_words(p, line, tok, next, s, &e.value, &inst);
  if (st != KH_OK) return st;
  const kh_model *card = &nl->models[e.model];
  if (kh_vbic_model(card) && !(isnan(inst.areab) && isnan(inst.areac)))
    return kh_token_fail(p, line, &t[next - 1],
                         "areab= and areac= are Gummel-Poon's: ngspice 39's VBIC (model '%s') "
                         "stops at them; give area=",
                         card->name);
  model_defaults(card, &e.value, &inst);
  const kh_token *at = &t[next - 1]; /* the model's name */
  st = kh_check_card_default(p, line, at, card, "area", e.value, 0);
  if (st == KH_OK) st = kh_check_card_default(p, line, at, card, "areab", inst.areab, 0);
  if (st == KH_OK) st = kh_check_card_default(p, line, at, card, "areac", inst.areac, 0);
  if (st != KH_OK) return st;
  if (kh_reserve((void **)&nl->bjt_inst, &nl->bjt_inst_cap, nl->bjt_inst_count + 1,
                 sizeof *nl->bjt_inst))
    return kh_fail_nomem(p->ctx, "storing a BJT");
  e.node[0] = inst.collector, e.node[1] = inst.emitter, e.ctrl[0] = inst.base;
  e.ctrl[1] = (uint32_t)nl->bjt_inst_count;
  nl->bjt_inst[nl->bjt_inst_count++] = inst;
  st = kh_add_element(p, line, &t[0], s, e);
  if (st != KH_OK) return st;
  size_t j = nl->element_count - 1;
  const char *qname = kh_strmap_name(&nl->element_names, (uint32_t)j);
  const kh_model *model = &nl->models[e.model];
  uint32_t c = inst.collector, b = inst.base, em = inst.emitter;
  if (kh_vbic_model(model)) return KH_OK; /* VBIC keeps its resistances (general_vbic.c) */
  st = series_resistor(p, line, &t[0], qname, model, &inst, e.value, "c", &c);
  if (st == KH_OK && !kh_bjt_base_modulated(model))
    st = series_resistor(p, line, &t[0], qname, model, &inst, e.value, "b", &b);
  if (st == KH_OK) st = series_resistor(p, line, &t[0], qname, model, &inst, e.value, "e", &em);
  if (st != KH_OK) return st;
  kh_elem *q = &nl->elements[j]; /* the array may have moved */
  q->node[0] = c, q->node[1] = em, q->ctrl[0] = b;
  return KH_OK;
}

kh_bjt_instance kh_netlist_bjt_instance(const kh_netlist *nl, size_t element) {
  const kh_elem *e = &nl->elements[element];
  kh_bjt_instance q = {
      0, 0, 0, 0, 0, 0, e->value, e->value, e->value, 1, kh_netlist_temperature(nl), 0};
  if (e->kind != KH_BJT) return q;
  const kh_bjt_inst *in = &nl->bjt_inst[e->ctrl[1]];
  q.collector = in->collector, q.base = in->base, q.emitter = in->emitter;
  q.substrate = in->substrate, q.inner_base = e->ctrl[0], q.thermal = in->thermal;
  q.areab = in->areab, q.areac = in->areac, q.m = in->m, q.off = in->off;
  q.temperature = kh_inst_temp_kelvins(&in->t, nl);
  return q;
}
