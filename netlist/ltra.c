/* O: lossy transmission lines, `Oname p1 n1 p2 n2 model [v1= i1= v2= i2=]` with `.model model
 * LTRA(R= L= G= C= LEN= ...)`, as ngspice 39's LTRA device computes them at DC (ltraset.c and
 * ltraload.c, read there). ltraset.c sorts a model by which of R, L, G and C are nonzero: RLC,
 * RC and LC lines load a plain resistor at DC, the branch equations I1 + I2 = 0 and v(p1) -
 * v(p2) = R LEN I1 (the current enters p1 and leaves at n1, leaves p2 and enters at n2), which
 * tline.c builds as a T line's parts with R LEN for its H and p2 - n1 for its E. RG lines (R and
 * G alone) load V1 = cosh V2 - k1 I2 and I1 = k2 V2 - cosh I2 (cosh and sinh of LEN sqrt(R G),
 * k1 and k2 with (1 + GMIN)), which tline.c builds as four VCCS of their admittances. RL lines
 * and lines with G beside L or C are errors there, and so is a model with fewer than two of them
 * nonzero or without LEN. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* The model's numbers and its flags. rel and abs (breakpoints in a transient) are output-only in
 * ltra.c's table, but its model reader sets them all the same (ltrampar.c), without a word, as
 * ngspice's own examples write them (`.model lline ltra rel=1 r=12.45 ...`). */
static const char *const numbers[] = {"r",          "l",          "g",   "c",  "len",
                                      "compactrel", "compactabs", "rel", "abs"};
static const char *const flags[] = {"ltra",        "nocontrol", "steplimit",
                                    "nosteplimit", "lininterp", "quadinterp",
                                    "mixedinterp", "truncnr",   "truncdontcut"};

int kh_ltra_flag(const char *name) {
  for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
    if (!strcmp(name, flags[k])) return 1;
  return 0;
}

static const char *known(const kh_token *t, const char *const *list, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (kh_token_eq(t, list[k])) return list[k];
  return NULL;
}

kh_status kh_ltra_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t end, kh_model_param **out, size_t *count) {
  const kh_token *t = tok->items;
  kh_model_param *params = kh_arena_alloc(&p->nl->arena, (end - from + 2) * sizeof *params);
  if (!params) return kh_fail_nomem(p->ctx, "storing a model");
  size_t n = 0;
  for (size_t i = from; i < end;) {
    const char *flag = known(&t[i], flags, sizeof flags / sizeof *flags);
    if (flag && !(i + 1 < end && kh_token_eq(&t[i + 1], "="))) { /* a flag stands alone */
      params[n++] = (kh_model_param){flag, 1}, i++;
      continue;
    }
    const char *name = known(&t[i], numbers, sizeof numbers / sizeof *numbers);
    if (!name)
      return kh_token_fail(p, line, &t[i],
                           "unknown LTRA model parameter '%.*s' (r, l, g, c, len, compactrel, "
                           "compactabs, rel, abs, and the flags nocontrol, steplimit, nosteplimit, "
                           "lininterp, quadinterp, mixedinterp, truncnr, truncdontcut)",
                           (int)t[i].len, t[i].s);
    kh_status st = kh_line_model_number(p, line, tok, i, end, name, params, &n);
    if (st != KH_OK) return st;
    i += 3;
  }
  *out = params, *count = n;
  return KH_OK;
}

kh_status kh_ltra_instance(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *at,
                           uint32_t *model, double *r, int *rg) {
  kh_status st = kh_model_at(p, line, s, at, model);
  if (st != KH_OK) return st;
  const kh_model *m = &p->nl->models[*model];
  if (strcmp(m->type, "ltra") != 0)
    return kh_token_fail(p, line, at, "model '%s' is of type '%s', an O line needs type 'ltra'",
                         m->name, m->type);
  /* C missing: ngspice 39 prints "Fatal error: ... capacitance not given, assumed zero" and
   * goes on with 0 (measured) */
  double len = kh_model_value(m, "len", NAN), c = kh_model_value(m, "c", 0);
  double R = kh_model_value(m, "r", 0), L = kh_model_value(m, "l", 0),
         G = kh_model_value(m, "g", 0);
  const char *why = isnan(len) ? "its length LEN must be given"
                    : (R != 0) + (L != 0) + (G != 0) + (c != 0) < 2
                        ? "at least two of R, L, G and C must be nonzero"
                    : G != 0 && (c != 0 || L != 0)
                        ? "G beside L or C is not supported by ngspice 39"
                    : R != 0 && L != 0 && c == 0 ? "an RL line is not supported by ngspice 39"
                                                 : NULL;
  if (why) return kh_token_fail(p, line, at, "LTRA model '%s': %s", m->name, why);
  *r = R * len; /* ltraload.c's resist * length */
  *rg = G != 0;
  return KH_OK;
}

void kh_ltra_rg_admittances(const kh_model *m, double gmin, double y[4]) {
  double len = kh_model_value(m, "len", 0), R = kh_model_value(m, "r", 0),
         G = kh_model_value(m, "g", 0);
  /* ltraload.c's RG constants, in its order */
  double d1 = len * sqrt(R * G), d2 = exp(-d1);
  d1 = exp(d1);
  double cosh_ = 0.5 * (d1 + d2);
  double r_s = G <= 1.0e-10 ? len * R : 0.5 * (d1 - d2) * sqrt(R / G);
  double g_s = R <= 1.0e-10 ? len * G : 0.5 * (d1 - d2) * sqrt(G / R);
  /* its branch equations V1 = cosh V2 - k1 I2 and I1 = k2 V2 - cosh I2 solved for the currents */
  double k1 = (1 + gmin) * r_s, k2 = (1 + gmin) * g_s;
  y[0] = cosh_ / k1, y[1] = (k1 * k2 - cosh_ * cosh_) / k1, y[2] = -1 / k1, y[3] = cosh_ / k1;
}
