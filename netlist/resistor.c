/* Resistors with more than a value, as ngspice 39 reads them at DC: a model name (before or
 * after the value), r=, the temperature coefficients tc1= tc2= tce= (instance over model),
 * temp= dtemp=, m= (parallel copies) and scale=; ac= and noisy= have no DC effect. Without a
 * value, a model with a sheet resistance RSH gives rsh (l - 2 short) / (w - 2 narrow) from the
 * instance's l= and w= (each times .options scale) or the defaults (10 um, w the model's DEFW,
 * not scaled), wherever l w rsh > 0; else the model's R. The element keeps its DC resistance at the
 * circuit temperature: m and scale fold in at once, geometry and the temperature factor once every
 * card is read (kh_finish_resistors). Where ngspice 39 finds no usable resistance it takes
 * 1 mOhm (kh_ngspice_least_resistance), and so does kirchhoff, with a note. Each rule was checked
 * against ngspice 39's answer. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* An R model's parameters: the DC ones, and those without DC effect when the instance gives
 * its resistance (geometry, noise). Anything else is refused at its token. */
/* r, res and resistance: the instances' default resistance (ngspice 39 takes instance
 * parameters as model defaults) */
static const char *const model_dc[] = {
    "tc1", "tc2",  "tce",  "tnom", "r",  "res",  "resistance", "rsh", "short", "dlr",  "narrow",
    "dw",  "defw", "tc1r", "tc2r", "tc", "temp", "dtemp",      "w",   "l",     "scale"};
/* the instances' defaults among them (ngspice 39's inpgmod.c: an instance parameter on the card
 * is the default of every instance of the model) */
static const char *const instance_defaults[] = {"temp", "dtemp", "scale"};
/* ngspice 39's aliases (res.c: tc1r, tc2r, dlr, dw, and w for defw; tc, the instance's name
 * for tc1, which an R model takes too, measured), kept under one name so that the last one given
 * wins. A card's l is its default length (res.c's deflength), like defw not scaled (measured). */
static const kh_param_alias model_aliases[] = {{"tc1r", "tc1"},  {"tc", "tc1"},    {"tc2r", "tc2"},
                                               {"dlr", "short"}, {"dw", "narrow"}, {"w", "defw"}};

const char *kh_resistor_param_canonical(const char *name) {
  return kh_param_alias_canonical(model_aliases, sizeof model_aliases / sizeof *model_aliases,
                                  name);
}
static const char *const model_no_dc[] = {"kf",    "af",     "lf",   "wf",  "ef",
                                          "noisy", "bv_max", "lmin", "wmin"};
/* names ngspice 39 does not know for R models: it warns ("Model issue") and ignores them */
static const char *const model_ignored[] = {"defl", "dl"};
#define DEFAULT_SIZE 10e-6 /* ngspice's default length and width, in metres */

static int listed(const kh_token *t, const char *const *names, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (kh_token_eq(t, names[k])) return 1;
  return 0;
}

/* PSpice's T_ABS (the device's own temperature, as TI's op-amp models write R_NOISELESS
 * RES(T_ABS=-273.15) for resistors without noise): ngspice 39 ignores it with a warning, so its
 * answer is the card's without it. That is also PSpice's where the card has no temperature
 * coefficient (the resistance does not follow the temperature then): there it is ignored with a
 * note; beside TC1, TC2 or TCE the two simulators differ and the card is refused. */
static kh_status pspice_absolute_temperature(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                             size_t from, size_t to, size_t at) {
  static const char *const coefficients[] = {"tc1", "tc2", "tce", "tc1r", "tc2r", "tc"};
  const kh_token *t = tok->items;
  for (size_t i = from; i < to; i += 3)
    if (listed(&t[i], coefficients, sizeof coefficients / sizeof *coefficients))
      return kh_token_fail(p, line, &t[at],
                           "'t_abs' is PSpice's absolute device temperature, which ngspice 39 "
                           "ignores (with a warning): beside '%.*s' the two give different "
                           "resistances; remove it to get ngspice's",
                           (int)t[i].len, t[i].s);
  return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[at]),
                        "'t_abs' (PSpice's absolute device temperature) ignored, as ngspice 39 "
                        "ignores it: without temperature coefficients (here or on its resistors, "
                        "which are refused) the resistance is the same at any temperature");
}

kh_status kh_check_resistor_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                  size_t to) {
  const kh_token *t = tok->items;
  for (size_t i = from; i < to; i += 3) {
    if (kh_token_eq(&t[i], "t_abs")) {
      kh_status st = pspice_absolute_temperature(p, line, tok, from, to, i);
      if (st != KH_OK) return st;
      continue;
    }
    if (listed(&t[i], model_ignored, sizeof model_ignored / sizeof *model_ignored)) {
      kh_status st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[i]),
                                    "'%.*s' ignored, as ngspice 39 ignores it (not one of its R "
                                    "model parameters)",
                                    (int)t[i].len, t[i].s);
      if (st != KH_OK) return st;
      continue;
    }
    int known = listed(&t[i], model_dc, sizeof model_dc / sizeof *model_dc) ||
                listed(&t[i], model_no_dc, sizeof model_no_dc / sizeof *model_no_dc);
    kh_status st =
        kh_check_model_instance_word(p, line, tok, from, i, known, instance_defaults,
                                     sizeof instance_defaults / sizeof *instance_defaults);
    if (st != KH_OK) return st;
    if (!listed(&t[i], model_dc, sizeof model_dc / sizeof *model_dc) &&
        !listed(&t[i], model_no_dc, sizeof model_no_dc / sizeof *model_no_dc))
      return kh_token_fail(p, line, &t[i], "resistor model parameter '%.*s' is not supported",
                           (int)t[i].len, t[i].s);
  }
  return KH_OK;
}

/* The instance's own words; model parameters fill what the instance leaves out. */
typedef struct {
  double value, m, scale, l, w;         /* scale, l, w: NAN when not given */
  int has_value, has_dtemp, from_model; /* from_model: the value is the model's R */
  kh_passive_temp temp;
} words;

static kh_status instance_word(kh_parser *p, uint32_t line, const kh_token *name,
                               const kh_token *at, double v, words *w) {
  kh_passive_temp *rt = &w->temp;
  if (kh_token_eq(name, "r") || kh_token_eq(name, "resistance")) {
    w->value = v, w->has_value = 1;
  } else if (kh_token_eq(name, "tc1") || kh_token_eq(name, "tc")) { /* tc: ngspice's alias */
    rt->tc1 = v, rt->given |= KH_RT_TC1;
  } else if (kh_token_eq(name, "tc2")) {
    rt->tc2 = v, rt->given |= KH_RT_TC2;
  } else if (kh_token_eq(name, "tce")) {
    rt->tce = v, rt->given |= KH_RT_TCE;
  } else if (kh_token_eq(name, "temp")) {
    rt->temp = v, rt->given |= KH_RT_TEMP;
  } else if (kh_token_eq(name, "dtemp")) {
    rt->dtemp = v, w->has_dtemp = 1;
  } else if (kh_token_eq(name, "m")) {
    if (!(v > 0)) return kh_token_fail(p, line, at, "m must be positive, got %g", v);
    w->m = v;
  } else if (kh_token_eq(name, "scale")) {
    if (!(v > 0)) return kh_token_fail(p, line, at, "scale must be positive, got %g", v);
    w->scale = v;
  } else if (kh_token_eq(name, "l") || kh_token_eq(name, "w")) {
    *(kh_token_eq(name, "l") ? &w->l : &w->w) = v;
  } else if (!kh_token_eq(name, "ac") && !kh_token_eq(name, "noisy")) {
    return kh_token_fail(p, line, name,
                         "unknown resistor parameter '%.*s' (r tc1 tc tc2 tce temp dtemp m scale "
                         "ac noisy w l are known)",
                         (int)name->len, name->s);
  }
  return KH_OK;
}

/* Model parameters the instance did not give: the instance parameters on the card first (ngspice
 * 39 reads them as the instance's own), then the model's. */
static void from_model(const kh_model *m, words *w) {
  kh_passive_temp *rt = &w->temp;
  double v,
      model_r =
          kh_model_value(m, "r", kh_model_value(m, "res", kh_model_value(m, "resistance", NAN)));
  if (isnan(w->scale)) w->scale = kh_model_value(m, "scale", NAN);
  if (!(rt->given & KH_RT_TEMP) && !isnan(v = kh_model_value(m, "temp", NAN)))
    rt->temp = v, rt->given |= KH_RT_TEMP;
  if (!w->has_dtemp) rt->dtemp = kh_model_value(m, "dtemp", 0);
  if (!w->has_value && kh_model_value(m, "rsh", 0) > 0) { /* the geometry, once scale is known */
    rt->given |= KH_RT_GEOMETRY;
    rt->rsh = kh_model_value(m, "rsh", 0), rt->model_r = model_r;
    rt->l = !isnan(w->l) ? w->l : kh_model_value(m, "l", DEFAULT_SIZE);
    rt->w = !isnan(w->w) ? w->w : kh_model_value(m, "defw", DEFAULT_SIZE);
    rt->given |= (isnan(w->l) ? 0 : KH_RT_L) | (isnan(w->w) ? 0 : KH_RT_W);
    rt->shrink_l = kh_model_value(m, "short", 0); /* dlr and dw stored under these names */
    rt->shrink_w = kh_model_value(m, "narrow", 0);
    w->value = 1, w->has_value = 1; /* the factor scale / m, to multiply */
  }
  if (!w->has_value && !isnan(model_r)) w->value = model_r, w->has_value = 1, w->from_model = 1;
  if (!(rt->given & KH_RT_TC1) && !isnan(v = kh_model_value(m, "tc1", NAN)))
    rt->tc1 = v, rt->given |= KH_RT_TC1;
  if (!(rt->given & KH_RT_TC2) && !isnan(v = kh_model_value(m, "tc2", NAN)))
    rt->tc2 = v, rt->given |= KH_RT_TC2;
  if (!(rt->given & KH_RT_TCE) && !isnan(v = kh_model_value(m, "tce", NAN)))
    rt->tce = v, rt->given |= KH_RT_TCE;
  if (!isnan(v = kh_model_value(m, "tnom", NAN))) rt->tnom = v, rt->given |= KH_RT_TNOM;
}

/* Whether token i + 1 is tc='s second value (tc2), as ngspice 39 reads `tc=a b` and `tc=a, b`:
 * a value, not a word's name, after blanks or after a comma right behind the first value and
 * blanks (measured: it refuses `tc=a,b` and `tc=a , b`). */
static int second_tc(const kh_token *t, size_t n, size_t i) {
  if (i + 1 >= n || (i + 2 < n && kh_token_eq(&t[i + 2], "=")) || t[i + 1].s < t[i].s) return 0;
  const char *gap = t[i].s + t[i].len, *end = t[i + 1].s;
  char first = t[i + 1].s[0];
  if (!(first == '{' || first == '\'' || first == '.' || first == '-' || first == '+' ||
        (first >= '0' && first <= '9')))
    return 0;
  if (gap < end && *gap == ',') gap++;
  if (gap == end) return 0;
  for (; gap < end; gap++)
    if (*gap != ' ' && *gap != '\t') return 0;
  return 1;
}

#define NGSPICE_LEAST_RESISTANCE 1e-3 /* ohms */

kh_status kh_ngspice_least_resistance(kh_parser *p, kh_loc loc, double *model_r) {
  if (*model_r > NGSPICE_LEAST_RESISTANCE) return KH_OK; /* NAN (none) fails this too */
  kh_status st =
      kh_source_note(p->ctx, &p->src, loc,
                     isnan(*model_r) ? "no resistance given: 1 mOhm, as ngspice 39 takes it"
                                     : "the model's R = %g is 1 mOhm, as ngspice 39 takes it "
                                       "(it uses a model's R only above 1 mOhm)",
                     *model_r);
  *model_r = NGSPICE_LEAST_RESISTANCE;
  return st;
}

kh_status kh_zero_resistance(kh_parser *p, uint32_t line, const kh_token *name, double *r) {
  *r = NGSPICE_LEAST_RESISTANCE;
  return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, name),
                        "'%.*s': a resistance of 0 is 1 mOhm, as ngspice 39 takes it",
                        (int)name->len, name->s);
}

int kh_swept_resistor(kh_parser *p, const kh_token *name, const kh_scope *s, double *ohms) {
  for (size_t k = 0; k < 2 && !(s && s->def); k++)
    if (p->swept_resistor[k] && kh_token_eq(name, p->swept_resistor[k])) {
      *ohms = p->swept_ohms[k];
      return p->swept_found[k] = 1;
    }
  return 0;
}

kh_status kh_parse_resistor(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            kh_elem *e, kh_passive_temp *rt) {
  const kh_token *t = tok->items;
  size_t n = tok->count;
  words w = {.m = kh_scope_multiplier(s), .scale = NAN, .l = NAN, .w = NAN};
  const kh_model *model = NULL;
  kh_status st = KH_OK;
  int after_words = 0; /* a name=value read: a model name no longer may come */
  for (size_t i = 3; i < n; i++) {
    if (i + 2 < n && kh_token_eq(&t[i + 1], "=")) { /* name = value */
      double v;
      if ((st = kh_eval_token(p, line, &t[i + 2], s, &v)) != KH_OK ||
          (st = instance_word(p, line, &t[i], &t[i + 2], v, &w)) != KH_OK)
        return st;
      i += 2, after_words = 1;
      if (kh_token_eq(&t[i - 2], "tc") && second_tc(t, n, i)) { /* tc=tc1 tc2 */
        if ((st = kh_eval_token(p, line, &t[++i], s, &w.temp.tc2)) != KH_OK) return st;
        w.temp.given |= KH_RT_TC2;
      }
      continue;
    }
    if (i == 3 && kh_rkm_value(p, line, &t[3], &w.value, &st)) { /* LTspice mode's 4k7 */
      if (st != KH_OK) return st;
      w.has_value = 1;
      continue;
    }
    uint32_t id = t[i].len ? kh_find_model(p, s, &t[i]) : KH_NOT_FOUND;
    if (id != KH_NOT_FOUND && !model && after_words)
      return kh_token_fail(p, line, &t[i],
                           "model name after the resistor's words: ngspice 39 reads it only "
                           "before them (\"unknown parameter\")");
    if (id != KH_NOT_FOUND && !model) {
      kh_status refused = kh_model_refused(p, id);
      if (refused != KH_OK) return refused;
      model = &p->nl->models[id];
      if (strcmp(model->type, "r") != 0 && strcmp(model->type, "res") != 0)
        return kh_token_fail(p, line, &t[i],
                             "model '%s' is of type '%s', a resistor needs type "
                             "'r'",
                             model->name, model->type);
      continue;
    }
    int name = t[i].s[0] >= 'a' && t[i].s[0] <= 'z';
    if (name && p->speculative) p->missed = 1; /* a model defined further down, maybe */
    if (w.has_value)
      return kh_token_fail(p, line, &t[i], "unexpected '%.*s' after the resistance", (int)t[i].len,
                           t[i].s);
    if (after_words)
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' after the resistor's words: ngspice 39 reads the resistance "
                           "only before them (\"unknown parameter\")",
                           (int)t[i].len, t[i].s);
    if ((st = kh_eval_token(p, line, &t[i], s, &w.value)) != KH_OK) return st;
    w.has_value = 1;
  }
  if (kh_swept_resistor(p, &t[0], s, &w.value)) w.has_value = 1;
  if (model) from_model(model, &w);
  if (model && !isnan(kh_model_value(model, "t_abs", NAN)) &&
      (w.temp.given & (KH_RT_TC1 | KH_RT_TC2 | KH_RT_TCE)))
    return kh_token_fail(p, line, &t[0],
                         "'%.*s' has temperature coefficients and model '%s' PSpice's T_ABS, "
                         "which ngspice 39 ignores: the two simulators give different "
                         "resistances; remove T_ABS to get ngspice's",
                         (int)t[0].len, t[0].s, model->name);
  if (isnan(w.scale)) w.scale = 1;
  if (!(w.scale > 0)) /* a card's scale= (an instance's is checked where it is read) */
    return kh_token_fail(p, line, &t[0], "'%.*s': its model's scale must be positive, got %g",
                         (int)t[0].len, t[0].s, w.scale);
  if (!w.has_value || w.from_model) {
    if (!w.has_value) w.value = NAN;
    st = kh_ngspice_least_resistance(p, kh_token_loc(p, line, &t[0]), &w.value);
  } else if (w.value == 0) {
    st = kh_zero_resistance(p, line, &t[0], &w.value);
  }
  if (st != KH_OK) return st;
  e->value = w.value * w.scale / w.m;
  *rt = w.temp;
  return KH_OK;
}

kh_status kh_keep_passive_temp(kh_parser *p, kh_elem *e, const kh_passive_temp *rt) {
  if (!(rt->given & (KH_RT_TC1 | KH_RT_TC2 | KH_RT_TCE | KH_RT_GEOMETRY))) return KH_OK;
  kh_netlist *nl = p->nl;
  if (kh_reserve((void **)&nl->passive_temp, &nl->passive_temp_cap, nl->passive_temp_count + 1,
                 sizeof *nl->passive_temp))
    return kh_fail_nomem(p->ctx, "storing an element's temperature dependence");
  nl->passive_temp[nl->passive_temp_count++] = *rt;
  e->ctrl[1] = (uint32_t)nl->passive_temp_count;
  return KH_OK;
}

double kh_passive_temperature_factor(const kh_netlist *nl, const kh_passive_temp *rt, int resistor,
                                     double *kelvins) {
  double t = rt->given & KH_RT_TEMP ? rt->temp + KH_CELSIUS_TO_KELVIN
                                    : kh_netlist_temperature(nl) + rt->dtemp;
  double tnom = rt->given & KH_RT_TNOM ? rt->tnom + KH_CELSIUS_TO_KELVIN
                                       : kh_netlist_nominal_temperature(nl, NULL);
  double dt = t - tnom;
  *kelvins = t;
  if (rt->given & KH_RT_TCE) return pow(1.01, rt->tce * dt);
  return resistor ? (rt->tc2 * dt + rt->tc1) * dt + 1 : 1 + rt->tc1 * dt + rt->tc2 * dt * dt;
}

void kh_passive_size(const kh_netlist *nl, const kh_passive_temp *rt, double *l, double *w) {
  double scale = 1;
  kh_netlist_option(nl, "scale", &scale);
  *l = rt->l * (rt->given & KH_RT_L ? scale : 1), *w = rt->w * (rt->given & KH_RT_W ? scale : 1);
}

kh_status kh_finish_resistors(kh_parser *p) {
  kh_netlist *nl = p->nl;
  for (size_t k = 0; k < nl->element_count; k++) {
    kh_elem *r = &nl->elements[k];
    if (r->kind != KH_RESISTOR || !r->ctrl[1]) continue;
    const kh_passive_temp *rt = &nl->passive_temp[r->ctrl[1] - 1];
    if (rt->given & KH_RT_GEOMETRY) { /* ngspice 39's ressetup.c, l and w times .options scale */
      double l, w;
      kh_passive_size(nl, rt, &l, &w);
      if (l * w * rt->rsh > 0)
        r->value *= rt->rsh * (l - 2 * rt->shrink_l) / (w - 2 * rt->shrink_w);
      else {
        double model_r = rt->model_r;
        kh_status st = kh_ngspice_least_resistance(p, r->loc, &model_r);
        if (st != KH_OK) return st;
        r->value *= model_r;
      }
      if (!(r->value > 0))
        return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, r->loc,
                              "resistor '%s': its geometry gives %g ohms (RSH (l - 2 SHORT) / "
                              "(w - 2 NARROW) with l = %g, w = %g); it must be positive",
                              kh_strmap_name(&nl->element_names, (uint32_t)k), r->value, l, w);
      if (isinf(r->value)) { /* w = 2 NARROW: ngspice's conductance 1/R is 0, an open */
        kh_status st = kh_source_note(p->ctx, &p->src, r->loc,
                                      "resistor '%s': w = 2 NARROW gives infinite resistance; it "
                                      "is open, as in ngspice",
                                      kh_strmap_name(&nl->element_names, (uint32_t)k));
        if (st != KH_OK) return st;
        continue;
      }
    }
    double t;
    r->value *= kh_passive_temperature_factor(nl, rt, 1, &t);
    if (!(r->value > 0) || !isfinite(r->value))
      return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, r->loc,
                            "resistor '%s' is %g ohms at %.2f K (its temperature coefficients); "
                            "it must be positive",
                            kh_strmap_name(&nl->element_names, (uint32_t)k), r->value, t);
  }
  return KH_OK;
}
