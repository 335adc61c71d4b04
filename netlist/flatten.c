/* Stage 2: expanding element lines into flat elements, instantiating subcircuits with
 * ngspice's names (node `n` of instance `x1` is `x1.n`; its `r2` is `r.x1.r2`). */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static kh_status expand_line(kh_parser *p, uint32_t line, const kh_scope *scope);
static kh_status element_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                              const kh_scope *scope);

/* Definitions with this many ports get an index of their names: a scan per node name made a
 * subcircuit of n ports and n elements cost n^2 (80,000 pins: 7 s to parse). */
enum { PORT_INDEX_FROM = 32 };

void kh_subckt_release(kh_subckt *def) {
  if (def->port_index) kh_strmap_release(def->port_index);
  kh_free(def->port_index), kh_free(def->port_at);
  def->port_index = NULL, def->port_at = NULL;
}

static kh_status index_ports(kh_parser *p, kh_subckt *def, const kh_token *ports, size_t n) {
  if (def->port_index || n < PORT_INDEX_FROM) return KH_OK;
  kh_strmap *index = kh_malloc(sizeof *index);
  uint32_t *at = kh_malloc(n * sizeof *at);
  if (!index || !at) {
    kh_free(index), kh_free(at);
    return kh_fail_nomem(p->ctx, "indexing ports");
  }
  kh_strmap_init(index, &p->nl->arena);
  def->port_index = index, def->port_at = at;
  for (size_t i = 0; i < n; i++) {
    uint32_t id;
    int added;
    if (kh_strmap_intern(index, ports[i].s, ports[i].len, &id, &added)) {
      kh_subckt_release(def); /* no half index for a later instance */
      return kh_fail_nomem(p->ctx, "indexing ports");
    }
    if (added) at[id] = (uint32_t)i; /* a repeated name stays the first, as the scan found */
  }
  return KH_OK;
}

static kh_status resistor_with_words(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                     const kh_scope *s, kh_elem e) {
  kh_passive_temp rt = {0};
  kh_status st = kh_parse_resistor(p, line, tok, s, &e, &rt);
  if (st != KH_OK) return st;
  if (!(e.value > 0))
    return kh_token_fail(p, line, &tok->items[3], "resistance must be positive, got %g", e.value);
  if ((st = kh_keep_passive_temp(p, &e, &rt)) != KH_OK) return st;
  return kh_add_element(p, line, &tok->items[0], s, e);
}

/* `.options rseries=R`, as ngspice 39's front end applies it to `l1 a b L` (its listing,
 * measured): `l1 a l1_intern__ L` and `rl1_intern__ l1_intern__ b R`, in a subcircuit under its
 * local names. Written back as those two elements, without the option. */
static kh_status series_resistance(kh_parser *p, uint32_t line, const kh_token *name,
                                   const kh_scope *s, kh_elem l, double r) {
  char node_text[224], resistor_text[232];
  if (name->len > 200) return kh_token_fail(p, line, name, "element name too long");
  snprintf(node_text, sizeof node_text, "%.*s_intern__", (int)name->len, name->s);
  snprintf(resistor_text, sizeof resistor_text, "r%s", node_text);
  kh_token node = {node_text, (uint32_t)strlen(node_text), name->off},
           resistor = {resistor_text, (uint32_t)strlen(resistor_text), name->off};
  kh_elem rs = {.kind = KH_RESISTOR, .model = KH_NOT_FOUND, .value = r, .node = {0, l.node[1]}};
  kh_status st = kh_resolve_node(p, line, s, &node, &l.node[1]);
  rs.node[0] = l.node[1];
  if (st == KH_OK) st = kh_add_element(p, line, name, s, l);
  return st == KH_OK ? kh_add_element(p, line, &resistor, s, rs) : st;
}

/* A capacitor or inductor with its words (reactive.c); an inductor under .options rseries
 * behind its series resistance. */
static kh_status reactive(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                          kh_elem e) {
  kh_passive_temp ct = {0};
  double rseries;
  kh_status st = kh_parse_reactive(p, line, tok, s, &e, &ct);
  if (st == KH_OK) st = kh_keep_passive_temp(p, &e, &ct);
  if (st != KH_OK) return st;
  if (e.kind == KH_INDUCTOR && kh_netlist_option(p->nl, "rseries", &rseries))
    return series_resistance(p, line, &tok->items[0], s, e, rseries);
  return kh_add_element(p, line, &tok->items[0], s, e);
}

/* R, C, L: name n1 n2 value and words (resistor.c, reactive.c), or the B source ngspice 39 makes
 * of the line (b_rewrites.c) */
static kh_status two_terminal(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                              kh_element_kind kind) {
  const kh_token *t = tok->items;
  const char *what = kind == KH_RESISTOR    ? "resistance"
                     : kind == KH_CAPACITOR ? "capacitance"
                                            : "inductance";
  if (tok->count < 4)
    return kh_token_fail(p, line, &t[tok->count - 1], "'%.*s' needs two nodes and a %s",
                         (int)t[0].len, t[0].s, what);
  kh_elem e = {.kind = (uint8_t)kind, .model = KH_NOT_FOUND};
  kh_status st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  if (st != KH_OK) return st;
  if (kind == KH_RESISTOR &&
      kh_resistor_is_b_source(p, line, tok, s)) /* as ngspice 39 rewrites it */
    return kh_resistor_source(p, line, tok, s);
  if (kind == KH_CAPACITOR && kh_capacitor_is_b_source(p, line, tok, s))
    return kh_capacitor_source(p, line, tok, s);
  if (kind == KH_INDUCTOR && kh_resistor_is_b_source(p, line, tok, s))
    return kh_inductor_source(p, line, tok, s);
  if (kind != KH_RESISTOR) return reactive(p, line, tok, s, e);
  int rkm = tok->count == 4 && kh_rkm_value(p, line, &t[3], &e.value, &st); /* LTspice's 4k7 */
  if (!rkm && (tok->count > 4 || kh_find_model(p, s, &t[3]) != KH_NOT_FOUND))
    return resistor_with_words(p, line, tok, s, e); /* instance words or a model: resistor.c */
  if (!rkm) st = kh_eval_token(p, line, &t[3], s, &e.value);
  if (st != KH_OK) return st;
  kh_swept_resistor(p, &t[0], s, &e.value);
  if (e.value == 0 && (st = kh_zero_resistance(p, line, &t[0], &e.value)) != KH_OK) return st;
  if (!(e.value > 0))
    return kh_token_fail(p, line, &t[3], "resistance must be positive, got %g", e.value);
  e.value /= kh_scope_multiplier(s);
  return kh_add_element(p, line, &t[0], s, e);
}

/* A diode with series resistance RS: the junction sits on an internal node "<name>#rs" behind a
 * resistor "rs#<name>" from the anode, as ngspice builds it. Both are marked synthetic: the
 * writer puts the diode back on its anode for kirchhoff's own text (RS stays in the model), and
 * writes them out as they are for ngspice, whose op vectors then include the internal node. */
static kh_status diode_with_rs(kh_parser *p, uint32_t line, const kh_token *name_tok,
                               const kh_scope *s, kh_elem e, double r) {
  uint32_t d;
  return kh_add_behind_resistor(p, line, name_tok, s, e, "rs", r, (uint8_t[]){1, 2}, &d);
}

/* The self-heating diode's checks, once its words are read: ngspice 39 heats a junction only
 * with 'thermal', RTH0 and a thermal node other than ground; short of that the node would sit
 * there unconnected, so such a card is refused rather than read another way. */
static kh_status thermal_diode(kh_parser *p, uint32_t line, const kh_token *node, const kh_token *m,
                               const kh_diode_inst *inst, const kh_model *model) {
  if (!inst->thermal)
    return kh_token_fail(p, line, node,
                         "thermal node '%.*s' without 'thermal' after the model: ngspice 39 then "
                         "leaves the junction unheated and the node unconnected to it",
                         (int)node->len, node->s);
  if (inst->thermal_node == 0)
    return kh_token_fail(p, line, node,
                         "the thermal node is ground: ngspice 39 then heats nothing; name a node");
  double rth0 = kh_model_value(model, "rth0", 0);
  if (!(rth0 > 0) || !isfinite(rth0))
    return kh_token_fail(p, line, m,
                         "model '%s' needs RTH0 > 0 (the junction's thermal resistance) for a "
                         "self-heating diode; without it ngspice 39 heats nothing",
                         model->name);
  if (kh_model_value(model, "kh_ideal", 0) != 0 || kh_model_value(model, "kh_pwl", 0) != 0)
    return kh_token_fail(p, line, m, "a self-heating diode needs a Shockley model, not '%s'",
                         model->name);
  return KH_OK;
}

/* D: name n+ n- [tj] model [area] [off] [area=A] [m=M] [pj=P] [w=W l=L] [temp=T] [dtemp=T] [ic=V]
 * [thermal] */
static kh_status diode(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  if (tok->count < 4)
    return kh_token_fail(p, line, &t[tok->count - 1], "'%.*s' needs two nodes and a model",
                         (int)t[0].len, t[0].s);
  kh_elem e = {.kind = KH_DIODE, .value = 1.0};
  kh_diode_inst inst = {.m = kh_scope_multiplier(s)};
  kh_status st;
  if (kh_ltspice_diode(p, line, tok, s, &st)) return st; /* LTspice's ideal diode, as sidiode */
  st = kh_resolve_node(p, line, s, &t[1], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[2], &e.node[1]);
  if (st != KH_OK) return st;
  size_t at = 3; /* the model's token */
  e.model = kh_find_model(p, s, &t[3]);
  if (e.model == KH_NOT_FOUND && tok->count > 4 && kh_find_model(p, s, &t[4]) != KH_NOT_FOUND) {
    st = kh_resolve_node(p, line, s, &t[3], &inst.thermal_node); /* Dname n+ n- tj model */
    if (st != KH_OK) return st;
    inst.has_thermal_node = 1, at = 4;
    e.model = kh_find_model(p, s, &t[4]);
  }
  if (e.model == KH_NOT_FOUND && p->speculative) p->missed = 1;
  if (e.model == KH_NOT_FOUND)
    return kh_token_fail(p, line, &t[3], "unknown model '%.*s'", (int)t[3].len, t[3].s);
  if ((st = kh_model_refused(p, e.model)) != KH_OK) return st;
  if ((st = kh_ngspice_model_use(p, line, &t[at], e.model)) != KH_OK) return st;
  const kh_model *model = &p->nl->models[e.model];
  if (strcmp(model->type, "d") != 0)
    return kh_token_fail(p, line, &t[at], "model '%.*s' is of type '%s', a diode needs type 'd'",
                         (int)t[at].len, t[at].s, model->type);
  e.value = kh_model_value(model, "area", 1.0);
  st = kh_parse_diode_instance(p, line, tok, at + 1, s, &e.value, &inst);
  if (st == KH_OK && inst.has_thermal_node)
    st = thermal_diode(p, line, &t[3], &t[at], &inst, model);
  if (st == KH_OK) st = kh_check_card_default(p, line, &t[at], model, "area", e.value, 0);
  if (st == KH_OK && !inst.has_pj)
    st = kh_check_card_default(p, line, &t[at], model, "pj", kh_model_value(model, "pj", 0), 1);
  if (st != KH_OK) return st;
  if (!(inst.w > 0)) inst.w = fmax(kh_model_value(model, "w", 0), 0); /* the card's defaults */
  if (!(inst.l > 0)) inst.l = fmax(kh_model_value(model, "l", 0), 0);
  if ((inst.w > 0 || inst.l > 0) && !inst.has_area) e.value = 1; /* ngspice's default with W, L */
  if (inst.m != 1.0 || inst.t.has_temp || inst.t.dtemp != 0 || inst.has_pj || inst.w > 0 ||
      inst.l > 0 || inst.has_thermal_node || inst.off) {
    kh_netlist *nl = p->nl;
    if (kh_reserve((void **)&nl->diode_inst, &nl->diode_inst_cap, nl->diode_inst_count + 1,
                   sizeof *nl->diode_inst))
      return kh_fail_nomem(p->ctx, "storing a diode");
    nl->diode_inst[nl->diode_inst_count++] = inst;
    e.ctrl[1] = (uint32_t)nl->diode_inst_count;
  }
  double rs = kh_model_value(model, "rs", 0);
  if (!(rs >= 0) || !isfinite(rs))
    return kh_token_fail(p, line, &t[at], "model '%s': RS must be >= 0, got %g", model->name, rs);
  /* a heated diode keeps RS inside: its resistance follows the junction's temperature, and the
   * power in it heats the junction (general Newton, sim/general/general.c) */
  if (rs == 0 || inst.has_thermal_node) return kh_add_element(p, line, &t[0], s, e);
  /* valued by kh_finish_diodes, once .temp and .options are known */
  return diode_with_rs(p, line, &t[0], s, e, rs);
}

/* E and G: name n+ n- nc+ nc- gain; F and H: name n+ n- vcontrol gain. Whether E and F form an
 * amplifier is checked once the whole circuit is known (amplifiers.c). */
/* A linear controlled source's positional words into at[1..want-1] (nodes, the controlling
 * nodes or source, the gain), parentheses around nodes dropped as ngspice 39 reads them (`e1 4 0
 * (1,0) 2`, measured); `gain=G` may stand for the gain, as ngspice reads it on E, F, G and H
 * (measured; with a gain written before it too ngspice stops, and so does this, at the word).
 * *next: the first token after them; *gain_at: gain='s token, or 0. */
static kh_status positional_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t want,
                                  size_t at[6], size_t *next, size_t *gain_at) {
  const kh_token *t = tok->items;
  *gain_at = 0;
  for (size_t k = 3; !*gain_at && k + 2 < tok->count; k++)
    if (kh_token_eq(&t[k], "gain") && kh_token_eq(&t[k + 1], "=")) *gain_at = k;
  size_t n = 1, i = 1;
  for (; i < tok->count && i != *gain_at && n < want - (*gain_at != 0); i++)
    if (!kh_token_eq(&t[i], "(") && !kh_token_eq(&t[i], ")")) at[n++] = i;
  if (*gain_at && n == want - 1) { /* the gain= word comes next, else it is unexpected after */
    while (i < *gain_at && (kh_token_eq(&t[i], "(") || kh_token_eq(&t[i], ")"))) i++;
    if (i == *gain_at) at[n++] = *gain_at + 2, i = *gain_at + 3;
  }
  *next = i;
  if (n < want)
    return kh_token_fail(p, line, &t[tok->count - 1],
                         want == 6
                             ? "'%.*s' needs output nodes, controlling nodes and a gain"
                             : "'%.*s' needs output nodes, a controlling voltage source and a gain",
                         (int)t[0].len, t[0].s);
  return KH_OK;
}

typedef kh_status (*card_reader)(kh_parser *, uint32_t, const kh_tokens *, const kh_scope *);

/* A V or I card, or an E's or G's POLY or gain, read as ngspice 39's numparam reads them: without
 * temper, which it substitutes only in the other cards (its front end rewrites an F or H that
 * reads it into a B source, and an E's or G's value=). */
static kh_status without_temper(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                const kh_scope *s, card_reader read) {
  p->temper_undefined = 1;
  kh_status st = (read ? read : kh_source_card)(p, line, tok, s);
  p->temper_undefined = 0;
  return st;
}

/* An F or H (e, its gain e.value) whose gain reads temper, as ngspice 39's front end rewrites it
 * (measured, its listing): `f1 n+ n- vbf1 -1`, `bf1 f1_int1 0 i = i(vs) * (gain)` and `vbf1
 * f1_int1 0 dc 0`, h1 likewise, an m= on the card (m_word) dropped. kirchhoff builds the same
 * node and sources, the B source as the linear F of the gain it is at DC, named f<name> (a B
 * line written back would not read as one). Before 2026-12-06 the card was read as written: the
 * node f1_int1 missing, and m= applied where ngspice drops it (3 times the current). */
static kh_status temper_gain(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                             kh_elem e, const kh_token *m_word) {
  const kh_token *name = &tok->items[0];
  if (kh_scope_multiplier(s) != 1)
    return kh_token_fail(p, line, name,
                         "an F or H whose gain reads temper inside a subcircuit an X line "
                         "multiplies (m=): ngspice 39 makes it a B source, and kirchhoff does not "
                         "apply the X line's m to that");
  char node_text[224], v_text[224];
  kh_token node_name, v_name;
  uint32_t node;
  const char *control;
  size_t len;
  kh_status st =
      kh_derived_name(p, line, name, "", "_int1", node_text, sizeof node_text, &node_name);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &node_name, &node);
  if (st == KH_OK) st = kh_derived_name(p, line, name, "vb", "", v_text, sizeof v_text, &v_name);
  if (st == KH_OK) st = kh_qualify_name(p, 'v', s->path, v_name.s, v_name.len, &control, &len);
  if (st != KH_OK) return st;
  kh_elem b = {.kind = KH_CCCS,
               .model = KH_NOT_FOUND,
               .value = e.value,
               .node = {node, 0},
               .control = e.control};
  e.value = -1;
  if (!(e.control = kh_arena_strndup(&p->nl->arena, control, len)))
    return kh_fail_nomem(p->ctx, "storing elements");
  st = kh_add_derived(p, line, name, s, "f", b);
  if (st == KH_OK)
    st = kh_add_derived(p, line, name, s, "vb",
                        (kh_elem){.kind = KH_VSOURCE, .model = KH_NOT_FOUND, .node = {node, 0}});
  if (st == KH_OK) st = kh_add_element(p, line, name, s, e);
  if (st == KH_OK) p->controlled_count++; /* the card's own; f<name> is counted */
  if (st == KH_OK && m_word)
    st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, m_word),
                        "'%.*s': its gain reads temper, so ngspice 39 makes it a B source and "
                        "drops m=; so does kirchhoff",
                        (int)name->len, name->s);
  return st;
}

static kh_status controlled(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  char letter = t[0].s[0];
  int vcvs = letter == 'e' || letter == 'g'; /* controlled by two nodes */
  size_t want = vcvs ? 6 : 5;
  /* ngspice's other forms put a keyword where the controlling nodes (E, G) or source (F, H: POLY
   * only) would be, followed by what only the keyword takes; a node or source of that name
   * followed by anything else is still one */
  if (tok->count > 4 && kh_token_eq(&t[3], "poly") && kh_token_eq(&t[4], "("))
    return vcvs ? without_temper(p, line, tok, s, kh_poly_source) : kh_poly_source(p, line, tok, s);
  /* E value=, vol=, G value=, cur=, the '=' optional before braces or quotes, as in ngspice 39 */
  if (vcvs && tok->count > 4 &&
      (kh_token_eq(&t[3], "value") || kh_token_eq(&t[3], letter == 'e' ? "vol" : "cur"))) {
    if (kh_token_eq(&t[4], "=")) return kh_behavioural_value(p, line, tok, s, 5, 0);
    if (t[4].s[0] == '{' || t[4].s[0] == '\'') return kh_behavioural_value(p, line, tok, s, 4, 0);
  }
  if (vcvs && tok->count > 4 &&
      kh_token_eq(&t[3], "table")) /* '=' before or after the expression */
    return kh_behavioural_value(p, line, tok, s, kh_token_eq(&t[4], "=") ? 5 : 4, 1);
  static const char *const behavioural[] = {"value", "laplace", "freq", "vol", "cur"};
  for (size_t k = 0; vcvs && tok->count > 4 && k < sizeof behavioural / sizeof *behavioural; k++)
    if (kh_token_eq(&t[3], behavioural[k]) &&
        (kh_token_eq(&t[4], "=") || t[4].s[0] == '{' || t[4].s[0] == '\''))
      return kh_token_fail(p, line, &t[3],
                           "'%.*s': this behavioural form is not supported (kirchhoff reads "
                           "value=expression, POLY, and linear ones: nodes or a controlling "
                           "source, and a gain)",
                           (int)t[0].len, t[0].s);
  if (vcvs && !p->temper_undefined) /* a linear E or G: read again, its gain without temper */
    return without_temper(p, line, tok, s, controlled);
  size_t at[6] = {0}, i, gain_at;
  kh_status st = positional_words(p, line, tok, want, at, &i, &gain_at);
  if (st != KH_OK) return st;
  double m = 1; /* G and F take m= (parallel copies), the last one given winning, as in ngspice */
  const kh_token *m_word = NULL;
  for (; st == KH_OK && i < tok->count; i += 3) {
    int multiplier = (letter == 'g' || letter == 'f') && i + 2 < tok->count &&
                     kh_token_eq(&t[i], "m") && kh_token_eq(&t[i + 1], "=");
    if (multiplier && gain_at) /* measured: ngspice 39 drops such an m= on the floor */
      return kh_token_fail(p, line, &t[i],
                           "m= beside gain=: ngspice 39 ignores the m= there (it multiplies only "
                           "a gain written in its place); write the gain times m");
    if (!multiplier)
      return kh_token_fail(p, line, &t[i],
                           "unexpected '%.*s' after the gain (kirchhoff reads linear controlled "
                           "sources only%s)",
                           (int)t[i].len, t[i].s,
                           letter == 'g' || letter == 'f' ? ", and m="
                                                          : "; ngspice 39 takes no m=");
    st = kh_eval_token(p, line, &t[i + 2], s, &m);
    m_word = &t[i];
  }
  static const struct {
    char letter;
    kh_element_kind kind;
  } kinds[] = {{'e', KH_VCVS}, {'f', KH_CCCS}, {'g', KH_VCCS}, {'h', KH_CCVS}};
  kh_elem e = {.kind = KH_VCVS, .model = KH_NOT_FOUND};
  for (size_t k = 0; k < 4; k++)
    if (kinds[k].letter == letter) e.kind = (uint8_t)kinds[k].kind;
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[at[1]], &e.node[0]);
  if (st == KH_OK) st = kh_resolve_node(p, line, s, &t[at[2]], &e.node[1]);
  if (st == KH_OK && vcvs) st = kh_resolve_node(p, line, s, &t[at[3]], &e.ctrl[0]);
  if (st == KH_OK && vcvs) st = kh_resolve_node(p, line, s, &t[at[4]], &e.ctrl[1]);
  if (st == KH_OK && !vcvs) {
    const char *name;
    size_t len;
    st = kh_qualify_name(p, 'v', s->path, t[at[3]].s, t[at[3]].len, &name, &len);
    if (st == KH_OK && !(e.control = kh_arena_strndup(&p->nl->arena, name, len)))
      st = kh_fail_nomem(p->ctx, "storing elements");
  }
  size_t temper_reads = p->temper_reads;
  if (st == KH_OK) st = kh_eval_token(p, line, &t[at[want - 1]], s, &e.value);
  if (st == KH_OK && !vcvs && p->temper_reads != temper_reads)
    return temper_gain(p, line, tok, s, e, m_word);
  if (letter == 'g' || letter == 'f') e.value *= m * kh_scope_multiplier(s); /* and an X line's */
  if (st == KH_OK) st = kh_add_element(p, line, &t[0], s, e);
  if (st == KH_OK) p->controlled_count++;
  return st;
}

/* The m an instance of a multiplied subcircuit gives its elements (multiplier.c): the X line's
 * m=, else 1, also the body's parameter m, as ngspice's rewritten `.subckt ... params: m=1`. */
static kh_status instance_multiplier(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                     size_t params_at, kh_param_table *table, double *m) {
  struct kh_param *e = kh_param_find(table, "m", 1);
  if (!e) {
    if (kh_param_set(&p->nl->arena, table, "m", 1, 1.0)) return kh_fail_nomem(p->ctx, "m");
    e = kh_param_find(table, "m", 1);
  }
  e->given = KH_PARAM_GIVEN_DECLARED; /* used: no note that the subcircuit ignores it */
  /* each element reads it from the `m={m}` ngspice appends: numparam's text, read by INPevaluate
   * (m=3 reaches them as 3.0000000000000004) */
  *m = kh_expression_parameter(e->value);
  if (*m > 0 && isfinite(*m)) return KH_OK;
  for (size_t i = params_at; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count))
    if (kh_token_eq(&tok->items[i], "m"))
      return kh_token_fail(p, line, &tok->items[i + 2], "m must be positive, got %g", *m);
  return kh_token_fail(p, line, &tok->items[0], "m must be positive, got %g", *m);
}

static kh_status instantiate(kh_parser *p, uint32_t line, const kh_tokens *tok,
                             const kh_scope *outer, kh_subckt *def, size_t positional,
                             size_t params_at, kh_param_table *table, uint32_t *port_nodes) {
  const kh_token *t = tok->items;
  size_t depth = outer->depth + 1;
  kh_tokens *head = &p->header_tokens[depth];
  kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[def->line], head);
  if (st != KH_OK) return st;
  size_t def_params_at, ports_end = kh_split_params(head, 2, &def_params_at);
  size_t nports = ports_end - 2, nnodes = positional - 2;
  if (nports != nnodes)
    return kh_token_fail(p, line, &t[positional - 1],
                         "'%.*s' connects %zu nodes but subcircuit '%s' has %zu ports",
                         (int)t[0].len, t[0].s, nnodes, def->name, nports);
  for (size_t i = 0; i < nnodes; i++) {
    st = kh_resolve_node(p, line, outer, &t[1 + i], &port_nodes[i]);
    if (st != KH_OK) return st;
  }
  size_t header_count;
  st = kh_header_params(p, line, tok, params_at, def, head, def_params_at, outer, table,
                        &header_count);
  if (st != KH_OK) return st;
  kh_mark_given(table, tok, params_at, header_count);
  double multiplier = 0;
  if (def->multiplied_at &&
      (st = instance_multiplier(p, line, tok, params_at, table, &multiplier)) != KH_OK)
    return st;
  const char *path = NULL;
  size_t path_len = 0;
  st = kh_qualify_name(p, 0, outer->path, t[0].s, t[0].len, &path, &path_len);
  uint32_t id;
  int added;
  if (st == KH_OK && kh_strmap_intern(&p->instance_names, path, path_len, &id, &added))
    st = kh_fail_nomem(p->ctx, "naming instances");
  if (st != KH_OK) return st;
  if (!added) return kh_token_fail(p, line, &t[0], "duplicate subcircuit instance '%s'", path);
  kh_scope inner = {kh_strmap_name(&p->instance_names, id),
                    table,
                    head->items + 2,
                    port_nodes,
                    nports,
                    depth,
                    def,
                    multiplier,
                    outer};
  st = index_ports(p, def, inner.ports, nports);
  size_t cards = 0;
  if (st == KH_OK) st = kh_body_params(p, def, &inner, table, &cards);
  if (st == KH_OK && params_at < tok->count && !header_count && !cards && !def->multiplied_at)
    return kh_token_fail(p, line, &t[params_at],
                         "subcircuit '%s' has no parameters (no params: and no .param inside): "
                         "ngspice 39 stops at a value for one ('Mismatch: 0 formal but 1 actual "
                         "params')",
                         def->name);
  if (st == KH_OK) st = kh_note_unused_given(p, line, tok, params_at, table, def);
  size_t overrides = p->override_count;
  if (st == KH_OK) st = kh_instance_models(p, (uint32_t)(def - p->subckts), &inner);
  def->active = 1;
  kh_if_state branches = {0};
  for (uint32_t body = def->first; st == KH_OK && body < def->end;
       body = kh_next_body_line(p, body)) {
    int read = 0;
    st = kh_body_line(p, body, &inner, &branches, &read);
    if (st == KH_OK && read) st = expand_line(p, body, &inner);
  }
  if (st == KH_OK) st = kh_body_done(p, &branches);
  def->active = 0;
  p->override_count = overrides;
  return st;
}

/* X: name nodes... subckt [params:] [p=v ...] (parentheses around the nodes dropped by the
 * lexer) */
static kh_status instance(kh_parser *p, uint32_t line, const kh_tokens *tok,
                          const kh_scope *outer) {
  const kh_token *t = tok->items;
  size_t params_at, positional = kh_split_params(tok, 1, &params_at);
  if (positional < 2)
    return kh_token_fail(p, line, &t[0], "'%.*s' needs its nodes and a subcircuit name",
                         (int)t[0].len, t[0].s);
  const kh_token *name = &t[positional - 1];
  uint32_t id = kh_find_subckt(p, outer, name);
  if (id == KH_NOT_FOUND)
    return kh_token_fail(p, line, name, "unknown subcircuit '%.*s'", (int)name->len, name->s);
  kh_subckt *def = &p->subckts[id];
  if (def->active)
    return kh_token_fail(p, line, name, "subcircuit '%s' instantiates itself (recursion)",
                         def->name);
  if (outer->depth + 1 > KH_MAX_SUBCKT_DEPTH)
    return kh_token_fail(p, line, &t[0], "subcircuits nested deeper than %d", KH_MAX_SUBCKT_DEPTH);
  kh_param_table table = {0};
  uint32_t *port_nodes = kh_calloc(positional, sizeof *port_nodes);
  kh_status st =
      port_nodes ? instantiate(p, line, tok, outer, def, positional, params_at, &table, port_nodes)
                 : kh_fail_nomem(p->ctx, "instantiating");
  kh_free(port_nodes);
  kh_param_release(&table);
  return st;
}

static const struct {
  char letter;
  const char *what;
} unsupported[] = {{'y', "transmission lines (Y)"},
                   {'p', "coupled transmission lines (P)"},
                   {'n', "OSDI devices (N)"}};

static kh_status expand_line(kh_parser *p, uint32_t line, const kh_scope *scope) {
  /* a card (read when the file was scanned) is not tokenized again per instance: a PDK body's
   * .model cards, some 270 words each, were most of a large deck's parse */
  if (kh_line_text(&p->src, &p->src.lines[line])[0] == '.') return KH_OK;
  kh_tokens *tok = &p->line_tokens[scope->depth];
  kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
  if (st != KH_OK || tok->count == 0 || tok->items[0].s[0] == '.') return st;
  /* ngspice 39 alters a device's value that reads temper to its %g text; R, C and L lines that
   * read it are B sources, V I B E F G H evaluate it apart or refuse it, and an X line refuses it
   */
  p->temper_printed = !strchr("rclvibefghx", tok->items[0].s[0]);
  p->device_values = tok->items[0].s[0] != 'x'; /* an X line's values are numparam's */
  st = element_card(p, line, tok, scope);
  p->temper_printed = p->device_values = 0;
  return st;
}

/* The element of line `line` (tokens tok), by its letter. */
static kh_status element_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                              const kh_scope *scope) {
  switch (tok->items[0].s[0]) {
  case 'r': return two_terminal(p, line, tok, scope, KH_RESISTOR);
  case 'c': return two_terminal(p, line, tok, scope, KH_CAPACITOR);
  case 'l': return two_terminal(p, line, tok, scope, KH_INDUCTOR);
  case 'v':
  case 'i': return without_temper(p, line, tok, scope, NULL);
  case 'd': return diode(p, line, tok, scope);
  case 'e':
  case 'f':
  case 'g':
  case 'h': return controlled(p, line, tok, scope);
  case 'x': return instance(p, line, tok, scope);
  case 'k': return kh_coupling_card(p, line, tok, scope);
  case 't':
  case 'o': return kh_tline_card(p, line, tok, scope);
  case 'u': return kh_urc_card(p, line, tok, scope);
  case 'j': return kh_jfet_card(p, line, tok, scope);
  case 'z': return kh_mesfet_card(p, line, tok, scope);
  case 'm': return kh_mosfet_card(p, line, tok, scope);
  case 'q': return kh_bjt_card(p, line, tok, scope);
  case 's':
  case 'w': return kh_switch_card(p, line, tok, scope);
  case 'b': return kh_behavioural_card(p, line, tok, scope);
  case 'a': return kh_xspice_card(p, line, tok, scope);
  default: break;
  }
  const kh_token *t = &tok->items[0];
  for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
    if (unsupported[i].letter == t->s[0])
      return kh_token_fail(p, line, t, "element '%.*s': %s are not supported by kirchhoff",
                           (int)t->len, t->s, unsupported[i].what);
  return kh_token_fail(p, line, t, "unknown element type '%c' in '%.*s'", t->s[0], (int)t->len,
                       t->s);
}

/* Top-level element names are their first words: prefetching the name's slot a few lines
 * ahead hides the one cache miss each new element costs (a third of the flattening time of a
 * 790,000-resistor netlist before). */
enum { PREFETCH_LINES = 4 };

static void prefetch_name(kh_parser *p, uint32_t line) {
  const char *s = kh_line_text(&p->src, &p->src.lines[line]);
  kh_strmap_prefetch(&p->nl->element_names, s, kh_first_word_length(s));
}

kh_status kh_flatten_ahead(kh_parser *p, uint32_t from, uint32_t end, uint32_t *flattened) {
  kh_scope top = {.path = ""};
  kh_status st = KH_OK;
  uint32_t line = from;
  for (; line < end; line++) {
    if (line + PREFETCH_LINES < end) prefetch_name(p, line + PREFETCH_LINES);
    /* R, C, V, I and D add their element last, after every lookup: a line that fails on a
     * lookup has changed nothing but interned its nodes, as kh_flatten would have next */
    p->speculative = 1, p->missed = 0;
    st = expand_line(p, line, &top);
    p->speculative = 0;
    if (st != KH_OK) break;
  }
  *flattened = line - from;
  if (st != KH_OK && p->missed) { /* defined further down, maybe: kh_flatten will tell */
    p->ctx->status = KH_OK;
    p->ctx->message[0] = '\0';
    return KH_OK;
  }
  return st;
}

kh_status kh_flatten(kh_parser *p) {
  kh_scope top = {.path = ""};
  kh_status marked = kh_mark_multiplied(p);
  if (marked != KH_OK) return marked;
  /* One element per top-level line, more only where subcircuits expand: sized once, the array
   * is not copied while it doubles (784-500-10: 44 MB, where doubling touched 73 MB) */
  kh_netlist *nl = p->nl;
  if (kh_reserve_exact((void **)&nl->elements, &nl->element_cap, nl->element_count + p->top_count,
                       sizeof *nl->elements))
    return kh_fail_nomem(p->ctx, "storing elements");
  for (size_t i = 0; i < p->top_count; i++) {
    if (i + PREFETCH_LINES < p->top_count) prefetch_name(p, p->top[i + PREFETCH_LINES]);
    kh_status st = expand_line(p, p->top[i], &top);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}
