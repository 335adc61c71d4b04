/* Voltage-controlled switches as ngspice 39 reads them: the S card (Sname n+ n- nc+ nc- model
 * [on|off]) and its .model SW card (VT, VH, RON, ROFF; sim/general/general_switch.c has the
 * rule). The element (kind KH_SWITCH) joins n+ and n-, its control nodes in ctrl[0] and
 * ctrl[1], its value the state it starts in (1 on, 0 off, the default), which ngspice keeps
 * until its first Newton converges. A negative VH (ngspice's "negative hysteresis", which
 * depends on the last transient step's state) is refused. */
#include "parser.h"

#include <math.h>
#include <string.h>

static const kh_param_alias switch_params[] = {
    {"vt", "vt"}, {"vh", "vh"}, {"ron", "ron"}, {"roff", "roff"}};

static const char *find_param(const char *s, size_t len) {
  return kh_param_alias_find(switch_params, sizeof switch_params / sizeof switch_params[0], s, len);
}
const char *kh_switch_param_canonical(const char *name) {
  const char *c = find_param(name, strlen(name));
  return c ? c : name;
}

kh_status kh_check_switch_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t to) {
  const kh_token *t = tok->items;
  for (size_t i = from; i < to; i += 3)
    if (!find_param(t[i].s, t[i].len))
      return kh_token_fail(p, line, &t[i],
                           "unknown switch model parameter '%.*s' (VT, VH, RON and ROFF are "
                           "known)",
                           (int)t[i].len, t[i].s);
  return KH_OK;
}

/* RON and ROFF must be resistances (ngspice divides by them), VH not negative. */
static kh_status check_values(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m) {
  static const char *const positive[] = {"ron", "roff"};
  for (size_t k = 0; k < 2; k++) {
    double v = kh_model_value(m, positive[k], 1);
    if (!(v > 0) || !isfinite(v))
      return kh_token_fail(p, line, at, "model '%s': %s must be positive, got %g", m->name,
                           positive[k], v);
  }
  double vt = kh_model_value(m, "vt", 0), vh = kh_model_value(m, "vh", 0);
  if (!isfinite(vt) || !(vh >= 0) || !isfinite(vh))
    return kh_token_fail(p, line, at,
                         "model '%s': VT %g, VH %g: VH must be >= 0 (ngspice's negative "
                         "hysteresis depends on a transient's last state) and both finite",
                         m->name, vt, vh);
  return KH_OK;
}

kh_status kh_switch_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  if (tok->count < 6)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         "'%.*s' needs two nodes, two control nodes and a model", (int)t[0].len,
                         t[0].s);
  kh_elem e = {.kind = KH_SWITCH, .value = 0};
  kh_status st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[3], &e.ctrl[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[4], &e.ctrl[1]);
  if (st != KH_OK) return st;
  e.model = kh_find_model(p, s, &t[5]);
  if (e.model == KH_NOT_FOUND && p->speculative) p->missed = 1;
  if (e.model == KH_NOT_FOUND)
    return kh_token_fail(p, line, &t[5], "unknown model '%.*s'", (int)t[5].len, t[5].s);
  const kh_model *m = &p->nl->models[e.model];
  if (strcmp(m->type, "sw") != 0)
    return kh_token_fail(p, line, &t[5], "model '%s' is of type '%s', a switch needs type 'sw'",
                         m->name, m->type);
  st = check_values(p, line, &t[5], m);
  if (st != KH_OK) return st;
  for (size_t i = 6; i < tok->count; i++) {
    if (kh_token_eq(&t[i], "on") || kh_token_eq(&t[i], "off")) {
      e.value = kh_token_eq(&t[i], "on");
      continue;
    }
    return kh_token_fail(p, line, &t[i], "unexpected '%.*s' in switch '%.*s' (on or off)",
                         (int)t[i].len, t[i].s, (int)t[0].len, t[0].s);
  }
  return kh_add_element(p, line, &t[0], s, e);
}
