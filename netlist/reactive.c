/* Capacitors and inductors as ngspice 39 reads them (inp2c.c, inp2l.c, cap*.c, ind*.c; every rule
 * below was checked against its `@c1[capacitance]` and `@l1[inductance]`):
 * `Cname n+ n- [value | model [value]] words`, and so for L. The value (c=, cap=, capacitance=;
 * inductance=, or l= right after the nodes) wins; without one:
 * - a capacitor takes its model's CAP, else its geometry CJ (l - SHORT) (w - NARROW) + CJSW 2
 *   ((l - SHORT) + (w - NARROW)), l the instance's (0 where not given: the card's DEFL is not
 *   read) and w the instance's or the card's DEFW (10 um), each given l or w times .options
 *   scale; CJ from THICK (and DI) where not given, SHORT and NARROW 2 DEL where not given;
 * - an inductor with nt= takes its model's inductance of one turn times nt^2, else the model's
 *   IND, else the model's NT^2 times one turn: MU mu0 CSECT / LENGTH (CSECT from DIA where
 *   given) times Lundin's correction for a short solenoid.
 * Then the factor 1 + tc1 dT + tc2 dT^2 (the instance's tc1 and tc2 over the model's, dT from the
 * model's TNOM to the instance's temp, else the circuit's plus dtemp) and scale; m copies in
 * parallel (C m, L / m). A value before the model name is an error there ("unknown
 * parameter"), and so it is here.
 *
 * At DC a capacitor is open and an inductor a short: their values are what kirchhoff writes back
 * and what the oscillating nudge's node dynamics use. Until 2026-12-06 a capacitor or inductor
 * with a model or words other than ic= and m= was refused (gf180mcu's MIM capacitor cards among
 * them). */
#include "device_cards.h"
#include "parser.h"

#include <math.h>
#include <string.h>

#define EPS_ZERO 8.854187817620e-12 /* F/m, ngspice 39's CONSTepsZero (measured through DI) */
#define EPS_SIO2 (3.9 * EPS_ZERO)   /* its CONSTepsSiO2, THICK without DI */
#define MU_ZERO (4e-7 * M_PI)       /* H/m, its CONSTmuZero */
#define NGSPICE_PI 3.141592654      /* indsetup.c's own PI, in CSECT from DIA and Lundin's factor */
#define DEFAULT_WIDTH 10e-6         /* metres: capsetup.c's DEFW */
#define COUNT(a) (sizeof a / sizeof *a)

/* cap.c's model words (cox, capsw, w and l are its aliases of cj, cjsw, defw and defl) and
 * ind.c's; the instance words a card may carry as every instance's default (inpgmod.c); the
 * instance's own words besides its value. */
static const char *const c_model[] = {"cap", "cj",   "cox",  "cjsw",   "capsw", "defw",
                                      "w",   "defl", "l",    "narrow", "short", "del",
                                      "tc1", "tc2",  "tnom", "di",     "thick", "bv_max"};
static const char *const l_model[] = {"ind", "tc1",    "tc2", "tnom", "csect",
                                      "dia", "length", "nt",  "mu"};
static const char *const c_defaults[] = {"capacitance", "temp", "dtemp", "scale", "ic"};
static const char *const l_defaults[] = {"inductance", "temp", "dtemp", "scale", "ic"};
static const char *const c_values[] = {"c", "cap", "capacitance"};
static const char *const l_values[] = {"inductance"};
static const kh_param_alias c_aliases[] = {
    {"cox", "cj"}, {"capsw", "cjsw"}, {"w", "defw"}, {"l", "defl"}};

typedef struct {
  const char *device, *what, *known; /* known: its instance words, for messages */
  const char *const *model_words, *const *defaults, *const *values;
  size_t model_count, default_count, value_count;
} reactive_kind;

static const reactive_kind capacitor = {
    .device = "capacitor",
    .what = "capacitance",
    .known = "c cap capacitance ic temp dtemp w l m tc1 tc2 scale bv_max",
    .model_words = c_model,
    .defaults = c_defaults,
    .values = c_values,
    .model_count = COUNT(c_model),
    .default_count = COUNT(c_defaults),
    .value_count = COUNT(c_values)};
static const reactive_kind inductor = {.device = "inductor",
                                       .what = "inductance",
                                       .known = "inductance ic temp dtemp m nt tc1 tc2 scale",
                                       .model_words = l_model,
                                       .defaults = l_defaults,
                                       .values = l_values,
                                       .model_count = COUNT(l_model),
                                       .default_count = COUNT(l_defaults),
                                       .value_count = COUNT(l_values)};

const char *kh_capacitor_param_canonical(const char *name) {
  return kh_param_alias_canonical(c_aliases, COUNT(c_aliases), name);
}

static kh_status check_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                             size_t to, const reactive_kind *k) {
  const kh_token *t = tok->items;
  for (size_t i = from; i < to; i += 3) {
    if (i + 2 >= to || !kh_token_eq(&t[i + 1], "="))
      return kh_model_word_expected(p, line, tok, from, i);
    int known = kh_listed(k->model_words, k->model_count, t[i].s, t[i].len);
    kh_status st =
        kh_check_model_instance_word(p, line, tok, from, i, known, k->defaults, k->default_count);
    if (st != KH_OK) return st;
    if (!known && !kh_listed(k->defaults, k->default_count, t[i].s, t[i].len))
      return kh_token_fail(p, line, &t[i],
                           "%s model parameter '%.*s' is not supported (ngspice 39 ignores it; "
                           "docs/netlist.md lists them)",
                           k->device, (int)t[i].len, t[i].s);
  }
  return KH_OK;
}

kh_status kh_check_capacitor_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                   size_t to) {
  return check_model(p, line, tok, from, to, &capacitor);
}

kh_status kh_check_inductor_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                  size_t to) {
  return check_model(p, line, tok, from, to, &inductor);
}

/* The instance's words; the model fills what they leave out. */
typedef struct {
  double value, m, scale, l, w, nt; /* scale, l, w, nt: NAN where not given */
  int has_value, has_dtemp;
  const kh_token *value_at; /* the value's token, where the line gives it */
  kh_passive_temp temp;
} words;

static kh_status instance_word(kh_parser *p, uint32_t line, const kh_token *name,
                               const kh_token *at, double v, const reactive_kind *k, words *w) {
  kh_passive_temp *ct = &w->temp;
  int is_c = k == &capacitor;
  if (kh_listed(k->values, k->value_count, name->s, name->len))
    w->value = v, w->has_value = 1, w->value_at = at;
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
  else if (is_c && (kh_token_eq(name, "l") || kh_token_eq(name, "w")))
    *(kh_token_eq(name, "l") ? &w->l : &w->w) = v;
  else if (!is_c && kh_token_eq(name, "nt"))
    w->nt = v;
  else if (!kh_token_eq(name, "ic") && !(is_c && kh_token_eq(name, "bv_max"))) /* no DC effect */
    return kh_token_fail(p, line, name, "unknown %s parameter '%.*s' (%s are known)%s", k->device,
                         (int)name->len, name->s, k->known, kh_ltspice_hint(name));
  return KH_OK;
}

/* What the instance left out, from its model (the card's instance defaults first). */
static void from_model(const kh_model *m, const reactive_kind *k, words *w) {
  kh_passive_temp *ct = &w->temp;
  double v;
  if (isnan(w->scale)) w->scale = kh_model_value(m, "scale", NAN);
  if (!(ct->given & KH_RT_TEMP) && !isnan(v = kh_model_value(m, "temp", NAN)))
    ct->temp = v, ct->given |= KH_RT_TEMP;
  if (!w->has_dtemp) ct->dtemp = kh_model_value(m, "dtemp", 0);
  if (!w->has_value && !isnan(v = kh_model_value(m, k->what, NAN))) /* capacitance=, inductance= */
    w->value = v, w->has_value = 1;
  if (!(ct->given & KH_RT_TC1) && !isnan(v = kh_model_value(m, "tc1", NAN)))
    ct->tc1 = v, ct->given |= KH_RT_TC1;
  if (!(ct->given & KH_RT_TC2) && !isnan(v = kh_model_value(m, "tc2", NAN)))
    ct->tc2 = v, ct->given |= KH_RT_TC2;
  if (!isnan(v = kh_model_value(m, "tnom", NAN))) ct->tnom = v, ct->given |= KH_RT_TNOM;
}

/* A capacitor without a value: its model's CAP, else the geometry, folded in once .options scale
 * is known (kh_finish_reactive). */
static void capacitor_value(const kh_model *m, words *w) {
  kh_passive_temp *ct = &w->temp;
  if (m && !isnan(kh_model_value(m, "cap", NAN))) {
    w->value = kh_model_value(m, "cap", 0);
    return;
  }
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
  w->value = 1; /* the factor scale m, to multiply */
}

/* Nagaoka's coefficient of a solenoid of length l and cross section csect, by Lundin's handbook
 * formula, as indsetup.c computes it (1 where the coil is below 1 um or 1e-12 m^2). */
static double lundin(double l, double csect) {
  if (csect < 1e-12 || l < 1e-6) return 1;
  double x = sqrt(csect / NGSPICE_PI) * 2 / l, xx = x * x, xxxx = xx * xx;
  if (x < 1)
    return (1 + 0.383901 * xx + 0.017108 * xxxx) / (1 + 0.258952 * xx) - 4 * x / (3 * NGSPICE_PI);
  double num = (log(4 * x) - 0.5) * (1 + 0.383901 / xx + 0.017108 / xxxx),
         kk = 0.093842 / xx + 0.002029 / xxxx - 0.000801 / (xx * xxxx);
  return 2 * (num / (1 + 0.258952 / xx) + kk) / (NGSPICE_PI * x);
}

/* An inductor without a value: one turn's inductance times the instance's nt^2, else the model's
 * IND, else one turn's times the model's NT^2 (ngspice's default model: 0). */
static void inductor_value(const kh_model *m, words *w) {
  if (!m) {
    w->value = 0;
    return;
  }
  double length = kh_model_value(m, "length", NAN), dia = kh_model_value(m, "dia", NAN);
  double csect = !isnan(dia) ? NGSPICE_PI * dia * dia / 4 : kh_model_value(m, "csect", 0);
  double turn = length > 0 ? kh_model_value(m, "mu", 1) * MU_ZERO * csect / length : 0;
  if (!isnan(length) && (!isnan(dia) || !isnan(kh_model_value(m, "csect", NAN))))
    turn *= lundin(length, csect);
  double nt = kh_model_value(m, "nt", 0);
  w->value = !isnan(w->nt) ? turn * w->nt * w->nt : kh_model_value(m, "ind", turn * nt * nt);
}

/* Token 3: a model's name of the kind (its words from 4 on, a value first where one is written),
 * else the value (an inductor's also as l=, which ngspice 39 reads there only), or words from 3
 * on. Returns the token the words start at, the model in *model. */
static kh_status head(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                      const reactive_kind *k, words *w, const kh_model **model, size_t *at) {
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 3;
  kh_status rkm;
  if (n > 3 && !(n > 4 && kh_token_eq(&t[4], "=")) &&
      kh_rkm_value(p, line, &t[3], &w->value, &rkm)) {
    if (rkm != KH_OK) return rkm; /* LTspice mode's 4u7 */
    w->has_value = 1, w->value_at = &t[3], *at = 4;
    return KH_OK;
  }
  uint32_t id = kh_find_model(p, s, &t[3]);
  const char *type = k == &capacitor ? "c" : "l";
  if (id != KH_NOT_FOUND) {
    kh_status refused = kh_model_refused(p, id);
    if (refused != KH_OK) return refused;
    *model = &p->nl->models[id];
    if (strcmp((*model)->type, type) != 0)
      return kh_token_fail(p, line, &t[3], "model '%s' is of type '%s', %s %s needs type '%s'",
                           (*model)->name, (*model)->type, k == &capacitor ? "a" : "an", k->device,
                           type);
    i = 4;
  } else if (p->speculative && t[3].s[0] >= 'a' && t[3].s[0] <= 'z' &&
             !(n > 4 && kh_token_eq(&t[4], "="))) {
    p->missed = 1; /* a model defined further down, maybe (not a word's name: c=, l=) */
  }
  if (k == &inductor && i == 3 && n > 5 && kh_token_eq(&t[3], "l") && kh_token_eq(&t[4], "="))
    i = 5;
  if (i < n && !(i + 1 < n && kh_token_eq(&t[i + 1], "="))) {
    kh_status st = kh_eval_token(p, line, &t[i], s, &w->value);
    if (st != KH_OK) return st;
    w->has_value = 1, w->value_at = &t[i++];
  }
  *at = i;
  return KH_OK;
}

static kh_status parse_reactive(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                const kh_scope *s, const reactive_kind *k, kh_elem *e,
                                kh_passive_temp *ct) {
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 3;
  words w = {.m = kh_scope_multiplier(s), .scale = NAN, .l = NAN, .w = NAN, .nt = NAN};
  const kh_model *model = NULL;
  kh_status st = head(p, line, tok, s, k, &w, &model, &i);
  for (; st == KH_OK && i < n; i += 3) {
    double v;
    if (i + 2 >= n || !kh_token_eq(&t[i + 1], "="))
      return kh_token_fail(p, line, &t[i],
                           kh_find_model(p, s, &t[i]) != KH_NOT_FOUND
                               ? "model name '%.*s' after the %s: ngspice 39 reads it only "
                                 "before it (\"unknown parameter\")%s"
                               : "unexpected '%.*s' after the %s%s",
                           (int)t[i].len, t[i].s, k->what, kh_ltspice_hint(&t[i]));
    if ((st = kh_eval_token(p, line, &t[i + 2], s, &v)) == KH_OK)
      st = instance_word(p, line, &t[i], &t[i + 2], v, k, &w);
  }
  if (st != KH_OK) return st;
  if (model) from_model(model, k, &w);
  if (!w.has_value) (k == &capacitor ? capacitor_value : inductor_value)(model, &w);
  if (isnan(w.scale)) w.scale = 1;
  e->value = k == &capacitor ? w.value * w.scale * w.m : w.value * w.scale / w.m;
  if (w.value_at && !(w.value >= 0))
    return kh_token_fail(p, line, w.value_at, "%s must not be negative, got %g", k->what, w.value);
  if (!(e->value >= 0) || !isfinite(e->value))
    return kh_token_fail(p, line, &t[0], "'%.*s': %s must not be negative, got %g", (int)t[0].len,
                         t[0].s, k->what, e->value);
  *ct = w.temp;
  return KH_OK;
}

kh_status kh_parse_reactive(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            kh_elem *e, kh_passive_temp *ct) {
  return parse_reactive(p, line, tok, s, e->kind == KH_CAPACITOR ? &capacitor : &inductor, e, ct);
}

kh_status kh_finish_reactive(kh_parser *p) {
  kh_netlist *nl = p->nl;
  for (size_t k = 0; k < nl->element_count; k++) {
    kh_elem *c = &nl->elements[k];
    if ((c->kind != KH_CAPACITOR && c->kind != KH_INDUCTOR) || !c->ctrl[1]) continue;
    const kh_passive_temp *ct = &nl->passive_temp[c->ctrl[1] - 1];
    if (ct->given & KH_RT_GEOMETRY) { /* captemp.c, l and w given times .options scale */
      double l, w;
      kh_passive_size(nl, ct, &l, &w);
      l -= ct->shrink_l, w -= ct->shrink_w;
      c->value *= ct->cj * l * w + ct->cjsw * 2 * (l + w);
    }
    double kelvins;
    c->value *= kh_passive_temperature_factor(nl, ct, 0, &kelvins);
    if (!(c->value >= 0) || !isfinite(c->value))
      return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, c->loc,
                            "%s '%s' is %g %s at %.2f K (its geometry and temperature "
                            "coefficients); it must not be negative",
                            c->kind == KH_CAPACITOR ? "capacitor" : "inductor",
                            kh_strmap_name(&nl->element_names, (uint32_t)k), c->value,
                            c->kind == KH_CAPACITOR ? "F" : "H", kelvins);
  }
  return KH_OK;
}
