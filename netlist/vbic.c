/* VBIC bipolar transistors as ngspice 39 reads them: a .model NPN or PNP card with LEVEL=4 or 9
 * (the equations are in sim/general/general_vbic.c) used by an ordinary Q card with three or four
 * nodes. Every model parameter ngspice 39's vbic device knows is read (measured: its table
 * takes these words and warns on any other, such as the later versions' SELFT, BVBE or V0), at
 * DC or as having no DC effect (charges, transit times, excess phase, noise, the thermal network,
 * the safe-operating-area limits); unknown words are refused, since ngspice would ignore them
 * with a warning. RCX, RBX, RE and RS stay in the transistor (its own inner nodes, as
 * vbicsetup.c makes them), not resistors of their own. Self-heating takes a fifth node, the
 * thermal one (bjt.c reads it; an NPN with RTH > 0 only). */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

static const kh_param_alias vbic_params[] = {
    /* the instances' default (ngspice 39's inpgmod.c: an instance parameter on the card) */
    {"area", "area"},
    {"temp", "temp"},
    {"level", "level"},
    /* at DC */
    {"tnom", "tnom"},
    {"tref", "tnom"},
    {"rcx", "rcx"},
    {"rci", "rci"},
    {"vo", "vo"},
    {"gamm", "gamm"},
    {"hrcf", "hrcf"},
    {"rbx", "rbx"},
    {"rbi", "rbi"},
    {"re", "re"},
    {"rs", "rs"},
    {"rbp", "rbp"},
    {"is", "is"},
    {"nf", "nf"},
    {"nr", "nr"},
    {"fc", "fc"},
    {"pe", "pe"},
    {"me", "me"},
    {"aje", "aje"},
    {"pc", "pc"},
    {"mc", "mc"},
    {"ajc", "ajc"},
    {"ibei", "ibei"},
    {"wbe", "wbe"},
    {"nei", "nei"},
    {"iben", "iben"},
    {"nen", "nen"},
    {"ibci", "ibci"},
    {"nci", "nci"},
    {"ibcn", "ibcn"},
    {"ncn", "ncn"},
    {"avc1", "avc1"},
    {"avc2", "avc2"},
    {"isp", "isp"},
    {"wsp", "wsp"},
    {"nfp", "nfp"},
    {"ibeip", "ibeip"},
    {"ibenp", "ibenp"},
    {"ibcip", "ibcip"},
    {"ncip", "ncip"},
    {"ibcnp", "ibcnp"},
    {"ncnp", "ncnp"},
    {"vef", "vef"},
    {"ver", "ver"},
    {"ikf", "ikf"},
    {"ikr", "ikr"},
    {"ikp", "ikp"},
    {"xre", "xre"},
    {"xrb", "xrb"}, /* RBI's and RBX's exponent where theirs are not given (vbicsetup.c) */
    {"xrbi", "xrbi"},
    {"xrc", "xrc"}, /* RCI's and RCX's likewise */
    {"xrci", "xrci"},
    {"xrs", "xrs"},
    {"xvo", "xvo"},
    {"ea", "ea"},
    {"eaie", "eaie"},
    {"eaic", "eaic"},
    {"eais", "eais"},
    {"eane", "eane"},
    {"eanc", "eanc"},
    {"eans", "eans"},
    {"xis", "xis"},
    {"xii", "xii"},
    {"xin", "xin"},
    {"tnf", "tnf"},
    {"tavc", "tavc"},
    {"vrt", "vrt"},
    {"art", "art"},
    {"qbm", "qbm"},
    {"nkf", "nkf"},
    {"xikf", "xikf"},
    {"xrcx", "xrcx"},
    {"xrbx", "xrbx"},
    {"xrbp", "xrbp"},
    {"isrr", "isrr"},
    {"xisr", "xisr"},
    {"dear", "dear"},
    {"eap", "eap"},
    {"vbbe", "vbbe"},
    {"nbbe", "nbbe"},
    {"ibbe", "ibbe"},
    {"tvbbe1", "tvbbe1"},
    {"tvbbe2", "tvbbe2"},
    {"tnbbe", "tnbbe"},
    {"dtemp", "dtemp"}, /* the model's: added to every instance's temperature */
    {"rth", "rth"},     /* the thermal resistance, with a thermal node (a fifth node) only */
    /* no DC effect: EBBE (vbictemp.c computes it from VBBE and NBBE), charges and capacitances,
     * transit times and excess phase, noise, the thermal capacitance, the revision numbers and
     * the safe-operating-area limits (warnings) */
    {"ebbe", "ebbe"},
    {"cbeo", "cbeo"},
    {"cje", "cje"},
    {"cbco", "cbco"},
    {"cjc", "cjc"},
    {"qco", "qco"},
    {"cjep", "cjep"},
    {"cjcp", "cjcp"},
    {"ps", "ps"},
    {"ms", "ms"},
    {"ajs", "ajs"},
    {"ccso", "ccso"},
    {"tf", "tf"},
    {"qtf", "qtf"},
    {"xtf", "xtf"},
    {"vtf", "vtf"},
    {"itf", "itf"},
    {"tr", "tr"},
    {"td", "td"},
    {"kfn", "kfn"},
    {"afn", "afn"},
    {"bfn", "bfn"},
    {"cth", "cth"},
    {"vers", "vers"},
    {"vref", "vref"},
    {"vbe_max", "vbe_max"},
    {"vbc_max", "vbc_max"},
    {"vce_max", "vce_max"},
};
#define VBIC_PARAMS (sizeof vbic_params / sizeof vbic_params[0])

/* ngspice 39 takes LEVEL 4 and 9 to its vbic device (measured) */
static int vbic_level(double level) {
  return level == 4 || level == 9;
}
int kh_vbic_card(const kh_tokens *tok, size_t from, size_t to) {
  return vbic_level(kh_mos_card_level(tok, from, to)); /* LEVEL a number, as ngspice reads it */
}
int kh_vbic_model(const kh_model *m) {
  return vbic_level(kh_model_value(m, "level", 1));
}

kh_status kh_check_vbic_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to) {
  const kh_token *t = tok->items;
  static const char *const defaults[] = {"area", "temp"};
  for (size_t i = from; i < to; i += 3) {
    const char *c = kh_param_alias_find(vbic_params, VBIC_PARAMS, t[i].s, t[i].len);
    kh_status st = kh_check_model_instance_word(p, line, tok, from, i, c != NULL, defaults,
                                                sizeof defaults / sizeof *defaults);
    if (st != KH_OK) return st;
    if (kh_token_eq(&t[i], "npn") || kh_token_eq(&t[i], "pnp"))
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' as a parameter: the card's type (after its name) says NPN or "
                           "PNP; remove it",
                           (int)t[i].len, t[i].s);
    if (!c)
      return kh_token_fail(p, line, &t[i],
                           "unknown VBIC model parameter '%.*s' (ngspice 39 would ignore it with "
                           "a warning; docs/netlist.md lists them)",
                           (int)t[i].len, t[i].s);
  }
  return KH_OK;
}

kh_status kh_vbic_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t end, kh_model_param **out, size_t *count) {
  const kh_token *t = tok->items;
  kh_model_param *params = kh_arena_alloc(&p->nl->arena, (end - from + 2) * sizeof *params);
  if (!params) return kh_fail_nomem(p->ctx, "storing a model");
  size_t n = 0;
  for (size_t i = from; i + 2 < end; i += 3) { /* every word checked (kh_check_vbic_model) */
    double v;
    kh_status st = kh_eval_token(p, line, &t[i + 2], NULL, &v);
    if (st != KH_OK) return st;
    params[n++] =
        (kh_model_param){kh_param_alias_find(vbic_params, VBIC_PARAMS, t[i].s, t[i].len), v};
  }
  *out = params, *count = n;
  return KH_OK;
}

/* The model's values that vbicload.c and vbictemp.c divide by, take logarithms or powers of. */
kh_status kh_vbic_check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  /* NBBE only with VBBE (the breakdown current); HRCF at or below 0 is no factor (vbicload.c) */
  int breakdown = kh_model_value(m, "vbbe", 0) > 0;
  static const char *const positive[] = {"is",  "nf",   "nr",   "nei", "nen", "nci", "ncn",
                                         "nfp", "ncip", "ncnp", "pe",  "pc",  "nkf", "nbbe"};
  static const double defaults[] = {1e-16, 1, 1, 1, 1, 1, 2, 1, 1, 2, 0.75, 0.75, 0.5, 1};
  for (size_t k = 0; k < sizeof positive / sizeof *positive - !breakdown; k++) {
    double v = kh_model_value(m, positive[k], defaults[k]);
    if (!(v > 0) || !isfinite(v))
      return kh_token_fail(p, line, at, "model '%s': VBIC's %s must be positive, got %g", m->name,
                           positive[k], v);
  }
  static const char *const grading[] = {"me", "mc"};
  for (size_t k = 0; k < 2; k++)
    if (!(kh_model_value(m, grading[k], 0.33) < 1))
      return kh_token_fail(p, line, at,
                           "model '%s': VBIC's %s must be below 1 (vbicload.c divides the "
                           "depletion charge by 1 - %s), got %g",
                           m->name, grading[k], grading[k], kh_model_value(m, grading[k], 0.33));
  if (!(kh_model_value(m, "fc", 0.9) < 1))
    return kh_token_fail(p, line, at,
                         "model '%s': VBIC's fc must be below 1 (vbicload.c raises 1 - fc to a "
                         "negative power), got %g",
                         m->name, kh_model_value(m, "fc", 0.9));
  static const char *const nonnegative[] = {"ikf",   "ikr",   "ikp",   "vef",   "ver",  "vo",
                                            "gamm",  "ibei",  "iben",  "ibci",  "ibcn", "isp",
                                            "ibeip", "ibenp", "ibcip", "ibcnp", "avc1", "isrr"};
  return kh_check_nonnegative(p, line, at, m, nonnegative,
                              sizeof nonnegative / sizeof *nonnegative);
}
