/* Switches as ngspice 39 reads them: the S card (Sname n+ n- nc+ nc- model [on|off]) with its
 * .model SW card (VT, VH, RON, ROFF), and the W card (Wname n+ n- vname model [on|off]) with
 * its .model CSW card (IT, IH, RON, ROFF), controlled by the current through a voltage source
 * (sim/general/general_switch.c has the rule). The element (kind KH_SWITCH) joins n+ and n-, its
 * control nodes in ctrl[0] and ctrl[1] (S) or its controlling source's flattened name in
 * `control` (W), its value the state it starts in (1 on, 0 off, the default), which ngspice
 * keeps through its first iterations. A negative VH or IH (ngspice's "negative hysteresis", which
 * depends on the last transient step's state) is refused. */
#include "device_cards.h"
#include "parser.h"

#include <math.h>
#include <string.h>

static const kh_param_alias switch_params[] = {{"vt", "vt"}, {"vh", "vh"},   {"it", "it"},
                                               {"ih", "ih"}, {"ron", "ron"}, {"roff", "roff"}};

static const char *find_param(const char *s, size_t len) {
  return kh_param_alias_find(switch_params, sizeof switch_params / sizeof switch_params[0], s, len);
}
const char *kh_switch_param_canonical(const char *name) {
  return kh_param_alias_canonical(switch_params, sizeof switch_params / sizeof switch_params[0],
                                  name);
}

kh_status kh_check_switch_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t to) {
  const kh_token *t = tok->items;
  int current = kh_token_eq(&t[2], "csw"); /* IT and IH; SW: VT and VH */
  for (size_t i = from; i < to; i += 3) {
    const char *c = find_param(t[i].s, t[i].len);
    if (!c || (current ? c[0] == 'v' : c[0] == 'i'))
      return kh_token_fail(
          p, line, &t[i], "unknown %s model parameter '%.*s' (%s, RON and ROFF are known)",
          current ? "CSW" : "SW", (int)t[i].len, t[i].s, current ? "IT, IH" : "VT, VH");
  }
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
  int current = !strcmp(m->type, "csw");
  double vt = kh_model_value(m, current ? "it" : "vt", 0),
         vh = kh_model_value(m, current ? "ih" : "vh", 0);
  if (!isfinite(vt) || !(vh >= 0) || !isfinite(vh))
    return kh_token_fail(p, line, at,
                         "model '%s': %s %g, %s %g: %s must be >= 0 (ngspice's negative "
                         "hysteresis depends on a transient's last state) and both finite",
                         m->name, current ? "IT" : "VT", vt, current ? "IH" : "VH", vh,
                         current ? "IH" : "VH");
  return KH_OK;
}

/* The control: nodes nc+ nc- (S) or a voltage source's name (W, flattened as F and H do). */
static kh_status control(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                         int current, kh_elem *e) {
  const kh_token *t = tok->items;
  if (!current) {
    kh_status st = kh_resolve_node(p, line, s, &t[3], &e->ctrl[0]);
    return st == KH_OK ? kh_resolve_node(p, line, s, &t[4], &e->ctrl[1]) : st;
  }
  const char *name;
  size_t len;
  kh_status st = kh_qualify_name(p, 'v', s->path, t[3].s, t[3].len, &name, &len);
  if (st == KH_OK && !(e->control = kh_arena_strndup(&p->nl->arena, name, len)))
    st = kh_fail_nomem(p->ctx, "storing elements");
  return st;
}

/* ngspice 39 reads an S line's control nodes in parentheses glued to them and apart by a blank,
 * `S1 a b (c 0) sm`, and stops at `(c,0)` and `( c 0 )` (measured): whether tok is the first. */
static int glued_control(const kh_tokens *tok) {
  const kh_token *t = tok->items;
  if (tok->count < 8 || (t[0].s[0] | 0x20) != 's' || !kh_token_eq(&t[3], "(") ||
      !kh_token_eq(&t[6], ")"))
    return 0;
  const char *gap = t[4].s + t[4].len;
  size_t blank = t[5].off - (t[4].off + t[4].len); /* the text between the two nodes */
  return t[4].off == t[3].off + 1 && t[6].off == t[5].off + t[5].len &&
         t[5].off > t[4].off + t[4].len && t[5].s == gap + blank && !memchr(gap, ',', blank);
}

/* An S line of a VSWITCH model with VON and VOFF, or a W line of an ISWITCH model with ION and
 * IOFF, in ngspice's PSpice mode, which rewrites it as `aNAME %gd(c+ c-) %gd(n+ n-) model` (a
 * pswitch) or `aNAME %vnam(vname) %gd(n+ n-) model` (an aswitch; pspice_compat, its words after
 * the model dropped): that instance, named so. */
static kh_status coded_switch(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                              const kh_elem *e, int current, size_t at) {
  const kh_token *t = tok->items;
  char *name = kh_arena_alloc(&p->nl->arena, t[0].len + 1);
  if (!name) return kh_fail_nomem(p->ctx, "storing elements");
  name[0] = 'a', memcpy(name + 1, t[0].s, t[0].len);
  kh_token a = {name, t[0].len + 1, t[0].off};
  kh_curve_ports cntl = {{e->ctrl[0], e->ctrl[1]}, {0, 0}, NULL, 0};
  kh_curve_ports out = {{0, 0}, {e->node[0], e->node[1]}, NULL, 1};
  if (!current) return kh_pswitch(p, line, s, &a, &cntl, &out, e->model);
  cntl = (kh_curve_ports){{0, 0}, {0, 0}, e->control, 0};
  return kh_xspice_aswitch(p, line, s, &a, &t[at], &cntl, &out, e->model);
}

kh_status kh_switch_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  kh_token unwrapped[64];
  kh_tokens copy = *tok;
  if (glued_control(tok) && tok->count <= 64) { /* the parentheses go, as in ngspice */
    for (size_t i = 0, k = 0; i < tok->count; i++)
      if (i != 3 && i != 6) unwrapped[k++] = tok->items[i];
    copy.items = unwrapped, copy.count = tok->count - 2, tok = &copy;
  }
  const kh_token *t = tok->items;
  if (tok->count > 3 && kh_token_eq(&t[3], "(") && (t[0].s[0] | 0x20) == 's')
    return kh_token_fail(p, line, &t[3],
                         "control nodes in parentheses: ngspice 39 reads them glued to the nodes "
                         "and apart by a blank, '(c 0)', and stops at '(c,0)' and '( c 0 )'");
  int current = t[0].s[0] == 'w';
  size_t at = current ? 4 : 5; /* the model */
  if (tok->count <= at)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         current ? "'%.*s' needs two nodes, a controlling voltage source and a "
                                   "model"
                                 : "'%.*s' needs two nodes, two control nodes and a model",
                         (int)t[0].len, t[0].s);
  kh_elem e = {.kind = KH_SWITCH, .value = 0};
  kh_status st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  if (st == KH_OK) st = control(p, line, tok, s, current, &e);
  if (st != KH_OK) return st;
  st = kh_model_at(p, line, s, &t[at], &e.model);
  if (st != KH_OK) return st;
  const kh_model *m = &p->nl->models[e.model];
  const char *coded = current ? "aswitch" : "pswitch";
  int ps = (p->src.compat & KH_COMPAT_PS) != 0;
  if (!strcmp(m->type, coded) && ps && kh_source_pspice_line(&p->src, line))
    return coded_switch(p, line, tok, s, &e, current, at);
  if (!strcmp(m->type, coded) && ps)
    return kh_token_fail(p, line, &t[at],
                         "model '%s' is a PSpice %s (a %s in ngspice's PSpice mode), whose %c "
                         "lines ngspice 39 rewrites in its library only: from this file it fails "
                         "(measured: \"double free or corruption\")",
                         m->name, current ? "ISWITCH" : "VSWITCH", coded, current ? 'W' : 'S');
  if (strcmp(m->type, current ? "csw" : "sw") != 0)
    return kh_token_fail(p, line, &t[at], "model '%s' is of type '%s', %s needs type '%s'", m->name,
                         m->type, current ? "a W switch" : "a switch", current ? "csw" : "sw");
  st = check_values(p, line, &t[at], m);
  if (st != KH_OK) return st;
  for (size_t i = at + 1; i < tok->count; i++) {
    if (kh_token_eq(&t[i], "on") || kh_token_eq(&t[i], "off")) {
      e.value = kh_token_eq(&t[i], "on");
      continue;
    }
    return kh_token_fail(p, line, &t[i], "unexpected '%.*s' in switch '%.*s' (on or off)",
                         (int)t[i].len, t[i].s, (int)t[0].len, t[0].s);
  }
  return kh_add_element(p, line, &t[0], s, e);
}
