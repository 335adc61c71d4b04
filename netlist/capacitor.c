/* Capacitors as ngspice 39 reads them (inp2c.c, cap.c, capsetup.c, captemp.c; every rule below
 * was checked against its `@c1[capacitance]`): `Cname n+ n- [value | model [value]] words`.
 * The value (or c=, cap=, capacitance=) is the capacitance; without one, a C model's CAP, else
 * its geometry CJ (l - SHORT) (w - NARROW) + CJSW 2 ((l - SHORT) + (w - NARROW)), l the
 * instance's (0 where not given: the card's DEFL is not read) and w the instance's or the card's
 * DEFW (10 um), each given l or w times .options scale; CJ from THICK (and DI) where not given,
 * SHORT and NARROW 2 DEL where not given. Then the factor 1 + tc1 dT + tc2 dT^2 (the instance's
 * tc1 and tc2 over the model's, dT from the model's TNOM to the instance's temp, else the
 * circuit's plus dtemp), times scale and m. A value before the model name is an error there
 * ("unknown parameter"), and so it is here.
 *
 * At DC a capacitor is open: its value is what kirchhoff writes back and what the oscillating
 * nudge's node dynamics use. Until 2026-12-06 a capacitor with a model or tc1, tc2, temp, dtemp,
 * scale, w or l was refused (gf180mcu's MIM capacitor cards among them). */
#include "parser.h"

#include <math.h>
#include <string.h>

#define EPS_ZERO 8.854187817620e-12 /* F/m, ngspice 39's CONSTepsZero (measured through DI) */
#define EPS_SIO2 (3.9 * EPS_ZERO)   /* its CONSTepsSiO2, THICK without DI */
#define DEFAULT_WIDTH 10e-6         /* metres: capsetup.c's DEFW */

/* cap.c's model words; cox, capsw, w and l are its aliases of cj, cjsw, defw and defl */
static const char *const model_words[] = {"cap", "cj",   "cox",  "cjsw",   "capsw", "defw",
                                          "w",   "defl", "l",    "narrow", "short", "del",
                                          "tc1", "tc2",  "tnom", "di",     "thick", "bv_max"};
/* instance words a card may carry as every instance's default (ngspice 39's inpgmod.c) */
static const char *const instance_defaults[] = {"capacitance", "temp", "dtemp", "scale", "ic"};
static const kh_param_alias model_aliases[] = {
    {"cox", "cj"}, {"capsw", "cjsw"}, {"w", "defw"}, {"l", "defl"}};

const char *kh_capacitor_param_canonical(const char *name) {
  return kh_param_alias_canonical(model_aliases, sizeof model_aliases / sizeof *model_aliases,
                                  name);
}

kh_status kh_check_capacitor_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                   size_t to) {
  const kh_token *t = tok->items;
  for (size_t i = from; i < to; i += 3) {
    if (i + 2 >= to || !kh_token_eq(&t[i + 1], "="))
      return kh_model_word_expected(p, line, tok, from, i);
    int known = KH_LISTED(model_words, t[i].s, t[i].len);
    kh_status st =
        kh_check_model_instance_word(p, line, tok, from, i, known, instance_defaults,
                                     sizeof instance_defaults / sizeof *instance_defaults);
    if (st != KH_OK) return st;
    if (!known && !KH_LISTED(instance_defaults, t[i].s, t[i].len))
      return kh_token_fail(p, line, &t[i],
                           "capacitor model parameter '%.*s' is not supported (ngspice 39 ignores "
                           "it; cap cj cjsw defw defl narrow short del tc1 tc2 tnom di thick are "
                           "known)",
                           (int)t[i].len, t[i].s);
  }
  return KH_OK;
}

/* The instance's words; the model fills what they leave out. */
typedef struct {
  double value, m, scale, l, w; /* scale, l, w: NAN where not given */
  int has_value, has_dtemp;
  kh_passive_temp temp;
} words;

static kh_status instance_word(kh_parser *p, uint32_t line, const kh_token *name,
                               const kh_token *at, double v, words *w) {
  kh_passive_temp *ct = &w->temp;
  if (kh_token_eq(name, "c") || kh_token_eq(name, "cap") || kh_token_eq(name, "capacitance"))
    w->value = v, w->has_value = 1;
  else if (kh_token_eq(name, "tc1"))
    ct->tc1 = v, ct->given |= KH_RT_TC1;
  else if (kh_token_eq(name, "tc2"))
    ct->tc2 = v, ct->given |= KH_RT_TC2;
  else if (kh_token_eq(name, "temp"))
    ct->temp = v, ct->given |= KH_RT_TEMP;
  else if (kh_token_eq(name, "dtemp"))
    ct->dtemp = v, w->has_dtemp = 1;
  else if (kh_token_eq(name, "m") && !(v > 0))
    return kh_token_fail(p, line, at, "m must be positive, got %g", v);
  else if (kh_token_eq(name, "m"))
    w->m = v;
  else if (kh_token_eq(name, "scale"))
    w->scale = v;
  else if (kh_token_eq(name, "l") || kh_token_eq(name, "w"))
    *(kh_token_eq(name, "l") ? &w->l : &w->w) = v;
  else if (!kh_token_eq(name, "ic") && !kh_token_eq(name, "bv_max")) /* no DC effect */
    return kh_token_fail(p, line, name,
                         "unknown capacitor parameter '%.*s' (c cap capacitance ic temp dtemp w l "
                         "m tc1 tc2 scale bv_max are known)%s",
                         (int)name->len, name->s, kh_ltspice_hint(name));
  return KH_OK;
}

/* What the instance left out, from its model (or, without one, ngspice's default model: no
 * capacitance, no coefficients, DEFW 10 um). */
static void from_model(const kh_model *m, words *w) {
  kh_passive_temp *ct = &w->temp;
  double v;
  if (isnan(w->scale)) w->scale = m ? kh_model_value(m, "scale", NAN) : NAN;
  if (!m) return;
  if (!(ct->given & KH_RT_TEMP) && !isnan(v = kh_model_value(m, "temp", NAN)))
    ct->temp = v, ct->given |= KH_RT_TEMP;
  if (!w->has_dtemp) ct->dtemp = kh_model_value(m, "dtemp", 0);
  if (!w->has_value && !isnan(v = kh_model_value(m, "capacitance", NAN)))
    w->value = v, w->has_value = 1;
  if (!w->has_value && !isnan(v = kh_model_value(m, "cap", NAN))) w->value = v, w->has_value = 1;
  if (!(ct->given & KH_RT_TC1) && !isnan(v = kh_model_value(m, "tc1", NAN)))
    ct->tc1 = v, ct->given |= KH_RT_TC1;
  if (!(ct->given & KH_RT_TC2) && !isnan(v = kh_model_value(m, "tc2", NAN)))
    ct->tc2 = v, ct->given |= KH_RT_TC2;
  if (!isnan(v = kh_model_value(m, "tnom", NAN))) ct->tnom = v, ct->given |= KH_RT_TNOM;
}

/* Without a value: the geometry, folded in once .options scale is known (kh_finish_capacitors). */
static void geometry(const kh_model *m, words *w) {
  kh_passive_temp *ct = &w->temp;
  double thick = m ? kh_model_value(m, "thick", 0) : 0, del = m ? kh_model_value(m, "del", 0) : 0;
  double bottom = thick > 0 ? (m && !isnan(kh_model_value(m, "di", NAN))
                                   ? kh_model_value(m, "di", 0) * EPS_ZERO / thick
                                   : EPS_SIO2 / thick)
                            : 0;
  ct->given |= KH_RT_GEOMETRY | (isnan(w->l) ? 0 : KH_RT_L) | (isnan(w->w) ? 0 : KH_RT_W);
  ct->cj = m ? kh_model_value(m, "cj", bottom) : 0;
  ct->cjsw = m ? kh_model_value(m, "cjsw", 0) : 0;
  ct->l = isnan(w->l) ? 0 : w->l;
  ct->w = !isnan(w->w) ? w->w : m ? kh_model_value(m, "defw", DEFAULT_WIDTH) : DEFAULT_WIDTH;
  ct->shrink_l = m ? kh_model_value(m, "short", 2 * del) : 0;
  ct->shrink_w = m ? kh_model_value(m, "narrow", 2 * del) : 0;
  w->value = 1, w->has_value = 1; /* the factor scale m, to multiply */
}

/* Token 3: a C model's name (its words from 4 on, a value first where one is written), else the
 * value (or words from 3 on). Returns the token the words start at, the model in *model. */
static kh_status head(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                      words *w, const kh_model **model, size_t *at) {
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 3;
  uint32_t id = kh_find_model(p, s, &t[3]);
  if (id != KH_NOT_FOUND) {
    kh_status refused = kh_model_refused(p, id);
    if (refused != KH_OK) return refused;
    *model = &p->nl->models[id];
    if (strcmp((*model)->type, "c") != 0)
      return kh_token_fail(p, line, &t[3], "model '%s' is of type '%s', a capacitor needs type 'c'",
                           (*model)->name, (*model)->type);
    i = 4;
  } else if (p->speculative && t[3].s[0] >= 'a' && t[3].s[0] <= 'z') {
    p->missed = 1; /* a model defined further down, maybe */
  }
  if (i < n && !(i + 1 < n && kh_token_eq(&t[i + 1], "="))) {
    kh_status st = kh_eval_token(p, line, &t[i], s, &w->value);
    if (st != KH_OK) return st;
    w->has_value = 1, i++;
  }
  *at = i;
  return KH_OK;
}

kh_status kh_parse_capacitor(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                             kh_elem *e, kh_passive_temp *ct) {
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 3;
  words w = {.m = kh_scope_multiplier(s), .scale = NAN, .l = NAN, .w = NAN};
  const kh_model *model = NULL;
  kh_status st = head(p, line, tok, s, &w, &model, &i);
  for (; st == KH_OK && i < n; i += 3) {
    double v;
    if (i + 2 >= n || !kh_token_eq(&t[i + 1], "="))
      return kh_token_fail(p, line, &t[i],
                           kh_find_model(p, s, &t[i]) != KH_NOT_FOUND
                               ? "model name '%.*s' after the capacitance: ngspice 39 reads it "
                                 "only before it (\"unknown parameter\")%s"
                               : "unexpected '%.*s' after the capacitance%s",
                           (int)t[i].len, t[i].s, kh_ltspice_hint(&t[i]));
    if ((st = kh_eval_token(p, line, &t[i + 2], s, &v)) == KH_OK)
      st = instance_word(p, line, &t[i], &t[i + 2], v, &w);
  }
  if (st != KH_OK) return st;
  from_model(model, &w);
  if (!w.has_value) geometry(model, &w);
  if (isnan(w.scale)) w.scale = 1;
  e->value = w.value * w.scale * w.m;
  if (!(e->value >= 0) || !isfinite(e->value))
    return kh_token_fail(p, line, &t[0], "'%.*s': capacitance must not be negative, got %g",
                         (int)t[0].len, t[0].s, e->value);
  *ct = w.temp;
  return KH_OK;
}

kh_status kh_finish_capacitors(kh_parser *p) {
  kh_netlist *nl = p->nl;
  for (size_t k = 0; k < nl->element_count; k++) {
    kh_elem *c = &nl->elements[k];
    if (c->kind != KH_CAPACITOR || !c->ctrl[1]) continue;
    const kh_passive_temp *ct = &nl->passive_temp[c->ctrl[1] - 1];
    if (ct->given & KH_RT_GEOMETRY) { /* captemp.c, l and w given times .options scale */
      double l, w;
      kh_passive_size(nl, ct, &l, &w);
      l -= ct->shrink_l, w -= ct->shrink_w;
      c->value *= ct->cj * l * w + ct->cjsw * 2 * (l + w);
    }
    double kelvins;
    c->value *= kh_passive_temperature_factor(nl, ct, &kelvins);
    if (!(c->value >= 0) || !isfinite(c->value))
      return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, c->loc,
                            "capacitor '%s' is %g F at %.2f K (its geometry and temperature "
                            "coefficients); it must not be negative",
                            kh_strmap_name(&nl->element_names, (uint32_t)k), c->value, kelvins);
  }
  return KH_OK;
}
