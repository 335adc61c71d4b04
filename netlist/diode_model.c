/* Diode .model and instance parameters: every name ngspice 39 knows is either implemented at DC
 * or accepted because it has no DC effect (capacitances, transit time, noise); what is not
 * implemented (LEVEL 2) is refused at its token. An unknown name is
 * refused too: ngspice would ignore it with a warning, and a typo
 * (`ISS=`) must not silently leave a default in place. docs/netlist.md has the same table. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

typedef enum { DC, NO_DC } param_class;

typedef struct {
  const char *name, *canonical; /* aliases map to the name kirchhoff stores */
  param_class what;
} param_row;

static const param_row model_params[] = {
    /* implemented at DC (sim/circuit/diode.c) */
    {"level", "level", DC}, /* 1, 2 or 3 (geometry from W and L); checked below */
    {"is", "is", DC},
    {"js", "is", DC},
    {"n", "n", DC},
    {"rs", "rs", DC},
    {"trs", "trs", DC},
    {"trs1", "trs", DC},
    {"trs2", "trs2", DC},
    {"bv", "bv", DC},
    {"ibv", "ibv", DC},
    {"ib", "ibv", DC},
    {"nbv", "nbv", DC},
    {"tcv", "tcv", DC},
    {"tlev", "tlev", DC},
    {"eg", "eg", DC},
    {"xti", "xti", DC},
    {"tnom", "tnom", DC},
    {"tref", "tnom", DC},
    {"area", "area", DC},   /* the instances' default area */
    {"temp", "temp", DC},   /* the instances' default temperature and offset (ngspice 39 reads */
    {"dtemp", "dtemp", DC}, /* an instance parameter on the card so: inpgmod.c) */
    {"w", "w", DC},         /* and their default width and length (LEVEL 3 geometry) */
    {"l", "l", DC},
    {"ikf", "ikf", DC},
    {"ik", "ikf", DC},
    {"ikr", "ikr", DC}, /* no co-content: op's general Newton (kirchhoff/general.h) */
    {"jsw", "jsw", DC},
    {"isw", "jsw", DC},
    {"pj", "pj", DC}, /* the instances' default perimeter factor (scales JSW, JTUNSW, CJSW) */
    {"ns", "ns", DC}, /* a sidewall exponential of its own */
    {"jtun", "jtun", DC},
    {"jtunsw", "jtunsw", DC},
    {"ntun", "ntun", DC},
    {"xtitun", "xtitun", DC},
    {"keg", "keg", DC},
    {"isr", "isr", DC}, /* no co-content: op's general Newton */
    {"nr", "nr", DC},   /* 1 by default, as in ngspice 39 (its manual says 2) */
    {"kh_ideal", "kh_ideal", DC},
    {"kh_pwl", "kh_pwl", DC},
    {"kh_gon", "kh_gon", DC},
    {"kh_goff", "kh_goff", DC},
    {"kh_vth", "kh_vth", DC},
    /* capacitance parameters that ISR's generation factor reads at DC too */
    {"vj", "vj", DC},
    {"pb", "vj", DC},
    {"m", "m", DC},
    {"mj", "m", DC},
    {"tm1", "tm1", DC},
    {"tm2", "tm2", DC},
    {"fc", "fc", DC},
    {"tpb", "tpb", DC},
    {"tvj", "tpb", DC},
    {"tlevc", "tlevc", DC},
    /* no DC effect: charge storage, noise, safe-operating-area warnings */
    {"tt", "tt", NO_DC},
    {"ttt1", "ttt1", NO_DC},
    {"ttt2", "ttt2", NO_DC},
    {"cjo", "cjo", NO_DC},
    {"cj0", "cjo", NO_DC},
    {"cj", "cjo", NO_DC},
    {"cjp", "cjp", NO_DC},
    {"cjsw", "cjp", NO_DC},
    {"php", "php", NO_DC},
    {"vjsw", "php", NO_DC},
    {"mjsw", "mjsw", NO_DC},
    {"fcs", "fcs", NO_DC},
    {"cta", "cta", NO_DC},
    {"ctc", "cta", NO_DC},
    {"ctp", "ctp", NO_DC},
    {"tphp", "tphp", NO_DC},
    {"kf", "kf", NO_DC},
    {"af", "af", NO_DC},
    {"fv_max", "fv_max", NO_DC},
    {"bv_max", "bv_max", NO_DC},
    {"id_max", "id_max", NO_DC},
    {"pd_max", "pd_max", NO_DC},
    {"te_max", "te_max", NO_DC},
    {"lm", "lm", NO_DC}, /* LEVEL=3 metal and poly capacitances */
    {"lp", "lp", NO_DC},
    {"wm", "wm", NO_DC},
    {"wp", "wp", NO_DC},
    {"xom", "xom", NO_DC},
    {"xoi", "xoi", NO_DC},
    {"xm", "xm", NO_DC},
    {"xp", "xp", NO_DC},
    /* self-heating: RTH0 acts only on a diode with a thermal node and 'thermal' (flatten.c) */
    {"rth0", "rth0", DC},
    {"cth0", "cth0", NO_DC},
};

static const param_row *find_param(const char *s, size_t len) {
  for (size_t i = 0; i < sizeof model_params / sizeof model_params[0]; i++)
    if (strlen(model_params[i].name) == len && memcmp(model_params[i].name, s, len) == 0)
      return &model_params[i];
  return NULL;
}

const char *kh_diode_param_canonical(const char *name) {
  const param_row *r = find_param(name, strlen(name));
  return r ? r->canonical : name;
}

/* Shockley parameters that an ideal or PWL diode would silently ignore. IS and N may stay:
 * kirchhoff export writes an ideal diode as the steep Shockley junction ngspice runs
 * (IS=1e-15 N=0.001) with kh_ideal=1 for kirchhoff (docs/export.md). */
static int shockley_only(const char *canonical) {
  return strncmp(canonical, "kh_", 3) != 0 && strcmp(canonical, "area") != 0 &&
         strcmp(canonical, "is") != 0 && strcmp(canonical, "n") != 0;
}

static int in_list(const kh_token *t, const char *const *words, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (kh_token_eq(t, words[k])) return 1;
  return 0;
}

/* LTspice's idealized diode: ngspice 39 ignores these words, leaving a default junction. */
static int is_ltspice_ideal(const kh_token *t) {
  static const char *const words[] = {"ron",    "roff",      "vfwd",    "vrev",      "rrev",
                                      "ilimit", "revilimit", "epsilon", "revepsilon"};
  return in_list(t, words, sizeof words / sizeof words[0]);
}

/* LTspice's libraries (standard.dio) tag each card with its maker and kind, at which ngspice 39
 * stops (its LTspice and PSpice modes drop them before reading), and its ratings, which ngspice
 * ignores with a warning and LTspice computes nothing from (measured). */
static int is_ltspice_metadata(const kh_token *t) {
  static const char *const words[] = {"mfg", "type"};
  return in_list(t, words, sizeof words / sizeof words[0]);
}

/* PSpice's diode parameters that ngspice 39 does not know: it warns and ignores them, so its
 * answer is not the model author's. Vendor zener cards carry them (IBVL=1m NBVL=.93 TBV1=263u);
 * each is refused with what it is, so that the user chooses ngspice's answer knowingly. */
static const char *pspice_only(const kh_token *t) {
  static const kh_word_note params[] = {
      {"ibvl", "low-level breakdown knee current (with NBVL), which shapes the knee"},
      {"nbvl", "low-level breakdown emission coefficient (with IBVL), which shapes the knee"},
      {"tbv1", "linear temperature coefficient of BV (ngspice's TCV with TLEV=1 is its negative)"},
      {"tbv2", "quadratic temperature coefficient of BV"},
      {"tikf", "temperature coefficient of IKF"},
      {"t_abs", "absolute device temperature (ngspice: temp= on the instance)"},
      {"t_measured", "measurement temperature (ngspice: TNOM)"},
      {"t_rel_global", "temperature offset from the circuit's (ngspice: dtemp= on the instance)"},
      {"t_rel_local", "temperature offset from another model's"},
      {NULL, NULL}};
  return kh_word_note_find(params, t);
}

kh_status kh_check_diode_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to) {
  const kh_token *t = tok->items;
  int ideal_or_pwl = 0;
  for (size_t i = from; i + 2 < to; i += 3)
    if ((kh_token_eq(&t[i], "kh_ideal") || kh_token_eq(&t[i], "kh_pwl")) &&
        !kh_token_eq(&t[i + 2], "0"))
      ideal_or_pwl = 1;
  for (size_t i = from; i < to; i += 3) {
    const param_row *r = find_param(t[i].s, t[i].len);
    static const char *const ratings[] = {"iave", "vpk", NULL};
    kh_status noted;
    if (!r && kh_ltspice_rating(p, line, &t[i], ratings, &noted)) {
      if (noted != KH_OK) return noted;
      continue;
    }
    if (!r && is_ltspice_metadata(&t[i]))
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' is LTspice's part data, which ngspice 39 does not read "
                           "either (it stops at mfg= or type=); remove it from the card",
                           (int)t[i].len, t[i].s);
    if (!r && is_ltspice_ideal(&t[i]))
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' belongs to LTspice's idealized diode, which ngspice 39 ignores "
                           "(with a warning, leaving a default junction); kirchhoff's nearest is "
                           "kh_pwl=1 kh_gon= kh_goff= kh_vth= (docs/netlist.md)",
                           (int)t[i].len, t[i].s);
    if (!r && pspice_only(&t[i]))
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' is PSpice's %s; ngspice 39 ignores it with a warning, so "
                           "neither program would give the model's PSpice answer: remove it from "
                           "the card for ngspice's",
                           (int)t[i].len, t[i].s, pspice_only(&t[i]));
    static const char *const defaults[] = {"area", "pj", "temp", "dtemp", "w", "l"};
    kh_status st = kh_check_model_instance_word(p, line, tok, from, i, r != NULL, defaults, 6);
    if (st != KH_OK) return st;
    if (!r)
      return kh_token_fail(p, line, &t[i],
                           "unknown diode model parameter '%.*s' (docs/netlist.md lists them)",
                           (int)t[i].len, t[i].s);
    if (ideal_or_pwl && r->what == DC && shockley_only(r->canonical))
      return kh_token_fail(p, line, &t[i],
                           "'%.*s' applies to Shockley diodes only, not with kh_ideal or kh_pwl",
                           (int)t[i].len, t[i].s);
    if (strcmp(r->canonical, "level") == 0 && i + 2 < to && !kh_token_eq(&t[i + 2], "1") &&
        !kh_token_eq(&t[i + 2], "2") && !kh_token_eq(&t[i + 2], "3"))
      return kh_token_fail(
          p, line, &t[i + 2],
          "diode LEVEL %.*s is not implemented (LEVEL=1, the default, 2 and 3 are)",
          (int)t[i + 2].len, t[i + 2].s);
  }
  return KH_OK;
}

/* Instance words after the model: a positional area, `off`, and name=value pairs. */
kh_status kh_parse_diode_instance(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                  const kh_scope *s, double *area, kh_diode_inst *inst) {
  const kh_token *t = tok->items;
  size_t n = tok->count, i = from;
  kh_status st = KH_OK;
  if (i < n && !kh_token_eq(&t[i], "off") && !kh_token_eq(&t[i], "thermal") &&
      !(i + 1 < n && kh_token_eq(&t[i + 1], "="))) {
    st = kh_eval_positional_area(p, line, &t[i], s, area); /* the area, positionally */
    if (st != KH_OK) return st;
    inst->has_area = 1;
    if (!(*area > 0))
      return kh_token_fail(p, line, &t[i], "diode area must be positive, got %g", *area);
    i++;
  }
  for (; i < n; i++) {
    if (kh_token_eq(&t[i], "off")) { /* where Newton starts and holds it (sim/general) */
      inst->off = 1;
      continue;
    }
    if (kh_token_eq(&t[i], "thermal") && !inst->has_thermal_node)
      return kh_token_fail(p, line, &t[i],
                           "'thermal' needs the thermal node before the model (Dname n+ n- tj "
                           "model thermal), else ngspice 39 heats nothing");
    if (kh_token_eq(&t[i], "thermal")) {
      inst->thermal = 1;
      continue;
    }
    if (i + 2 >= n || !kh_token_eq(&t[i + 1], "="))
      return kh_token_fail(p, line, &t[i], "unexpected '%.*s' in diode '%.*s'", (int)t[i].len,
                           t[i].s, (int)t[0].len, t[0].s);
    double v;
    st = kh_eval_token(p, line, &t[i + 2], s, &v);
    if (st != KH_OK) return st;
    const kh_token *name = &t[i];
    i += 2;
    if (kh_token_eq(name, "area")) {
      if (!(v > 0)) return kh_token_fail(p, line, &t[i], "diode area must be positive, got %g", v);
      *area = v, inst->has_area = 1;
    } else if (kh_token_eq(name, "m")) {
      if (!(v > 0) || !isfinite(v))
        return kh_token_fail(p, line, &t[i], "diode multiplier m must be positive, got %g", v);
      inst->m = v;
    } else if (kh_token_eq(name, "temp")) {
      inst->t.temp = v, inst->t.has_temp = 1;
    } else if (kh_token_eq(name, "dtemp")) {
      inst->t.dtemp = v, inst->t.has_dtemp = 1;
    } else if (kh_token_eq(name, "w") || kh_token_eq(name, "l")) {
      if (!(v > 0))
        return kh_token_fail(p, line, &t[i], "diode %.*s must be positive, got %g", (int)name->len,
                             name->s, v);
      *(kh_token_eq(name, "w") ? &inst->w : &inst->l) = v;
    } else if (kh_token_eq(name, "pj")) {
      if (!(v >= 0))
        return kh_token_fail(p, line, &t[i], "diode perimeter factor pj must be >= 0, got %g", v);
      inst->pj = v, inst->has_pj = 1;
    } else if (!kh_token_eq(name, "ic") && !kh_token_eq(name, "lm") && !kh_token_eq(name, "lp") &&
               !kh_token_eq(name, "wm") &&
               !kh_token_eq(name, "wp")) { /* no DC effect: these set capacitances */
      return kh_token_fail(p, line, name,
                           "unknown diode instance parameter '%.*s' (area, m, pj, w, l, "
                           "temp, dtemp, ic, lm, lp, wm, wp and off are known)",
                           (int)name->len, name->s);
    }
    if (!isfinite(v))
      return kh_token_fail(p, line, &t[i], "'%.*s' must be finite", (int)name->len, name->s);
  }
  return KH_OK;
}

kh_diode_instance kh_netlist_diode_instance(const kh_netlist *nl, size_t element) {
  const kh_elem *e = &nl->elements[element];
  kh_diode_instance d = {e->value, 1.0, 0.0, 0, 0, 0, 0};
  if (e->kind != KH_DIODE) {
    d.temperature = kh_netlist_temperature(nl);
    return d;
  }
  const kh_model *model = e->model == KH_NOT_FOUND ? NULL : &nl->models[e->model];
  const kh_diode_inst *in = e->ctrl[1] ? &nl->diode_inst[e->ctrl[1] - 1] : NULL;
  int geometry = in && (in->w > 0 || in->l > 0); /* W or L: AREA and PJ default to 1 and 0 */
  d.pj = model && !geometry ? kh_model_value(model, "pj", 0) : 0;
  kh_inst_temp t = in ? in->t : (kh_inst_temp){0};
  if (model) kh_inst_temp_defaults(&t, model);
  if (in) {
    d.m = in->m;
    if (in->has_pj) d.pj = in->pj;
    d.thermal_node = in->thermal_node, d.off = in->off;
  }
  d.dtemp = t.dtemp, d.temperature = kh_inst_temp_kelvins(&t, nl);
  if (model && kh_model_value(model, "level", 1) == 3) { /* ngspice's diosetup.c */
    if (in && in->w > 0 && in->l > 0) d.area = in->w * in->l, d.pj = 2 * (in->w + in->l);
    double scale = 1;
    kh_netlist_option(nl, "scale", &scale);
    d.area *= scale * scale, d.pj *= scale;
  }
  return d;
}

double kh_netlist_diode_series_resistance(const kh_netlist *nl, size_t element, double kelvins) {
  const kh_elem *e = &nl->elements[element];
  if (e->kind != KH_DIODE || e->model == KH_NOT_FOUND) return 0;
  const kh_model *m = &nl->models[e->model];
  kh_diode_instance in = kh_netlist_diode_instance(nl, element);
  double dt = kelvins - kh_netlist_nominal_temperature(nl, m->name);
  double factor = 1 + kh_model_value(m, "trs", 0) * dt + kh_model_value(m, "trs2", 0) * dt * dt;
  return kh_model_value(m, "rs", 0) * factor / (in.area * in.m);
}

kh_status kh_finish_diodes(kh_parser *p) {
  kh_netlist *nl = p->nl;
  for (size_t k = 0; k < nl->element_count; k++) {
    kh_elem *r = &nl->elements[k];
    if (r->synthetic != 1) continue;
    /* the series resistor comes right after its diode (flatten.c) */
    const kh_elem *d = &nl->elements[k - 1];
    const kh_model *m = &nl->models[d->model];
    kh_diode_instance in = kh_netlist_diode_instance(nl, k - 1);
    r->value = kh_netlist_diode_series_resistance(nl, k - 1, in.temperature);
    if (!(r->value > 0) || !isfinite(r->value))
      return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, d->loc,
                            "diode '%s': its series resistance at %.2f K is %g ohms (RS, TRS and "
                            "TRS2 of model '%s'); it must be positive",
                            kh_strmap_name(&nl->element_names, (uint32_t)(k - 1)), in.temperature,
                            r->value, m->name);
  }
  return KH_OK;
}
