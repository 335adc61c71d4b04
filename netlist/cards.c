/* Stage 3: the learning cards (.input, .output, .train, .bounds), resolved against the
 * flattened circuit so every name they use is known to exist. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* Shell-style glob with '*' and '?'. */
static int glob_match(const char *pat, size_t plen, const char *s) {
  size_t p = 0, star = (size_t)-1;
  const char *mark = NULL;
  while (*s) {
    if (p < plen && (pat[p] == '?' || pat[p] == *s)) {
      p++, s++;
    } else if (p < plen && pat[p] == '*') {
      star = p++;
      mark = s;
    } else if (star != (size_t)-1) {
      p = star + 1;
      s = ++mark;
    } else {
      return 0;
    }
  }
  while (p < plen && pat[p] == '*') p++;
  return p == plen;
}

static int has_wildcard(const kh_token *t) {
  return memchr(t->s, '*', t->len) || memchr(t->s, '?', t->len);
}

static kh_status push_index(kh_parser *p, uint32_t **items, size_t *count, size_t *cap,
                            uint32_t v) {
  if (kh_reserve((void **)items, cap, *count + 1, sizeof **items))
    return kh_fail_nomem(p->ctx, "storing learning cards");
  (*items)[(*count)++] = v;
  return KH_OK;
}

/* is_input: a byte per element, set by input_card once it is an input (a scan of the inputs
 * so far made decks of many inputs quadratic: 80,000 took 1 s to parse). */
static kh_status input_source(kh_parser *p, uint32_t line, const kh_token *t,
                              const unsigned char *is_input, uint32_t *out) {
  kh_netlist *nl = p->nl;
  uint32_t e = kh_strmap_find(&nl->element_names, t->s, t->len);
  if (e == KH_NOT_FOUND)
    return kh_token_fail(p, line, t, "unknown element '%.*s'", (int)t->len, t->s);
  if (nl->elements[e].kind != KH_VSOURCE && nl->elements[e].kind != KH_ISOURCE)
    return kh_token_fail(p, line, t, "'%.*s' is not a voltage or current source", (int)t->len,
                         t->s);
  if (is_input[e])
    return kh_token_fail(p, line, t, "'%.*s' is already an input", (int)t->len, t->s);
  *out = e;
  return KH_OK;
}

/* .input [gain=A] V1 (V2P V2N) ...: one item per feature; a pair in parentheses is driven with
 * +A x and -A x, so that weights to it can act with either sign. */
static kh_status input_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                            unsigned char *is_input) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  size_t n = tok->count, i = 1;
  if (n >= 4 && kh_token_eq(&t[2], "=")) {
    kh_param_table table = {0};
    kh_status st = kh_parse_assignments(p, line, tok, 1, 4, NULL, &table);
    if (st == KH_OK && strcmp(table.items[0].name, "gain") != 0)
      st = kh_token_fail(p, line, &t[1], ".input takes gain=, not '%s'", table.items[0].name);
    double gain = st == KH_OK ? table.items[0].value : 0;
    kh_param_release(&table);
    if (st != KH_OK) return st;
    if (!(gain != 0) || !isfinite(gain))
      return kh_token_fail(p, line, &t[3], "input gain must be finite and non-zero");
    if (nl->input_count || nl->input_gain != 1.0)
      return kh_token_fail(p, line, &t[1], "gain= must come on the first .input card");
    nl->input_gain = gain;
    i = 4;
  }
  if (i >= n) return kh_token_fail(p, line, &t[0], ".input needs source names");
  while (i < n) {
    kh_input_pair in = {KH_NOT_FOUND, KH_NOT_FOUND};
    kh_status st;
    if (kh_token_eq(&t[i], "(")) {
      if (i + 3 >= n || !kh_token_eq(&t[i + 3], ")"))
        return kh_token_fail(p, line, &t[i], "'(' must hold two sources: (POSITIVE NEGATIVE)");
      st = input_source(p, line, &t[i + 1], is_input, &in.pos);
      if (st == KH_OK) st = input_source(p, line, &t[i + 2], is_input, &in.neg);
      if (st == KH_OK && in.pos == in.neg)
        st = kh_token_fail(p, line, &t[i + 2], "a pair needs two different sources");
      i += 4;
    } else {
      st = input_source(p, line, &t[i], is_input, &in.pos);
      i++;
    }
    if (st != KH_OK) return st;
    if (kh_reserve((void **)&nl->inputs, &nl->input_cap, nl->input_count + 1, sizeof *nl->inputs))
      return kh_fail_nomem(p->ctx, "storing inputs");
    nl->inputs[nl->input_count++] = in;
    is_input[in.pos] = 1;
    if (in.neg != KH_NOT_FOUND) is_input[in.neg] = 1;
  }
  return KH_OK;
}

/* A resistor whose geometry leaves it open: no conductance to train, and no card written back. */
static int open_resistor(const kh_elem *e) {
  return e->kind == KH_RESISTOR && isinf(e->value);
}

/* Which nodes an element other than an open resistor meets (the canonical text keeps a node only
 * through such an element): one pass over the elements for all the .output cards, where a scan
 * per output node cost outputs x elements (a 784-256-1000 network: 0.7 s of parsing). */
static unsigned char *nodes_in_use(const kh_netlist *nl) {
  unsigned char *used = kh_calloc(nl->nodes.count + 1, 1);
  for (size_t k = 0; used && k < nl->element_count; k++)
    if (!open_resistor(&nl->elements[k]))
      used[nl->elements[k].node[0]] = used[nl->elements[k].node[1]] = 1;
  return used;
}

static kh_status output_node(kh_parser *p, uint32_t line, const kh_token *t,
                             const unsigned char *used, size_t *node) {
  uint32_t id = kh_token_eq(t, "gnd") ? 0 : kh_strmap_find(&p->nl->nodes, t->s, t->len);
  if (id == KH_NOT_FOUND)
    return kh_token_fail(p, line, t, "unknown node '%.*s'", (int)t->len, t->s);
  if (id != 0 && !used[id])
    return kh_token_fail(p, line, t, "node '%.*s' meets only open resistors (w = 2 NARROW)",
                         (int)t->len, t->s);
  *node = id;
  return KH_OK;
}

/* .output a b v(c) v(d,e): nodes against ground, or differential pairs. */
static kh_status output_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                             const unsigned char *used) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  size_t n = tok->count;
  if (n < 2) return kh_token_fail(p, line, &t[0], ".output needs nodes");
  for (size_t i = 1; i < n;) {
    kh_output out = {0, 0};
    const kh_token *at = &t[i];
    kh_status st;
    if (kh_token_eq(&t[i], "v") && i + 1 < n && kh_token_eq(&t[i + 1], "(")) {
      size_t close = i + 2;
      while (close < n && !kh_token_eq(&t[close], ")")) close++;
      size_t args = close - (i + 2);
      if (close == n) return kh_token_fail(p, line, &t[i + 1], "'(' is never closed");
      if (args < 1 || args > 2)
        return kh_token_fail(p, line, &t[i], "v(...) takes one node or two");
      st = output_node(p, line, &t[i + 2], used, &out.node_pos);
      if (st == KH_OK && args == 2) st = output_node(p, line, &t[i + 3], used, &out.node_neg);
      i = close + 1;
    } else {
      st = output_node(p, line, &t[i], used, &out.node_pos);
      i++;
    }
    if (st != KH_OK) return st;
    if (out.node_pos == out.node_neg)
      return kh_token_fail(p, line, at, "an output must be a voltage between two different nodes");
    if (kh_reserve((void **)&nl->outputs, &nl->output_cap, nl->output_count + 1,
                   sizeof *nl->outputs))
      return kh_fail_nomem(p->ctx, "storing outputs");
    nl->outputs[nl->output_count++] = out;
  }
  return KH_OK;
}

/* .nodeset v(node)=volts ... (nodes to ground only; ngspice's 'all=' is refused) */
static kh_status nodeset_card(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  size_t n = tok->count;
  kh_scope top = {.path = ""};
  if (n < 2) return kh_token_fail(p, line, &t[0], ".nodeset needs v(node)=volts");
  for (size_t i = 1; i < n; i += 6) {
    if (!(kh_token_eq(&t[i], "v") && i + 5 < n && kh_token_eq(&t[i + 1], "(") &&
          kh_token_eq(&t[i + 3], ")") && kh_token_eq(&t[i + 4], "=")))
      return kh_token_fail(p, line, &t[i],
                           ".nodeset takes v(node)=volts for each node (kirchhoff does not "
                           "read ngspice's all= or a voltage between two nodes)");
    kh_nodeset ns = {0, 0};
    uint32_t id = kh_strmap_find(&nl->nodes, t[i + 2].s, t[i + 2].len);
    if (id == KH_NOT_FOUND || id == 0)
      return kh_token_fail(p, line, &t[i + 2], id ? "unknown node '%.*s'" : "'%.*s' is ground",
                           (int)t[i + 2].len, t[i + 2].s);
    ns.node = id;
    kh_status st = kh_eval_token(p, line, &t[i + 5], &top, &ns.volts);
    if (st != KH_OK) return st;
    if (!isfinite(ns.volts))
      return kh_token_fail(p, line, &t[i + 5], ".nodeset needs a finite voltage");
    if (kh_reserve((void **)&nl->nodesets, &nl->nodeset_cap, nl->nodeset_count + 1,
                   sizeof *nl->nodesets))
      return kh_fail_nomem(p->ctx, "storing .nodeset");
    nl->nodesets[nl->nodeset_count++] = ns;
  }
  return KH_OK;
}

static int trainable_kind(uint8_t kind) {
  return kind == KH_RESISTOR || kind == KH_ISOURCE;
}

static kh_status train_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                            unsigned char *marked) {
  kh_netlist *nl = p->nl;
  if (tok->count < 2)
    return kh_token_fail(p, line, &tok->items[0], ".train needs element names or patterns");
  for (size_t i = 1; i < tok->count; i++) {
    const kh_token *t = &tok->items[i];
    if (!has_wildcard(t)) {
      uint32_t e = kh_strmap_find(&nl->element_names, t->s, t->len);
      if (e == KH_NOT_FOUND)
        return kh_token_fail(p, line, t, "unknown element '%.*s'", (int)t->len, t->s);
      if (!trainable_kind(nl->elements[e].kind))
        return kh_token_fail(p, line, t,
                             "'%.*s' cannot be trained: only resistors and current sources can",
                             (int)t->len, t->s);
      if (open_resistor(&nl->elements[e]))
        return kh_token_fail(p, line, t,
                             "'%.*s' cannot be trained: it is open (w = 2 NARROW gives infinite "
                             "resistance)",
                             (int)t->len, t->s);
    }
    /* a plain name is one element (found above); only patterns scan them all, so that the
     * canonical text's card of a million names parses in linear time */
    size_t matched = 0, first = 0, last = nl->element_count;
    if (!has_wildcard(t)) {
      first = kh_strmap_find(&nl->element_names, t->s, t->len);
      last = first + 1;
    }
    for (size_t e = first; e < last; e++) {
      /* the name first: a pattern such as "i*" then never touches a resistor's record */
      if (!glob_match(t->s, t->len, kh_strmap_name(&nl->element_names, (uint32_t)e)) ||
          !trainable_kind(nl->elements[e].kind) || nl->elements[e].synthetic ||
          open_resistor(&nl->elements[e]))
        continue;
      matched++;
      if (marked[e]) continue;
      marked[e] = 1;
      kh_status st =
          push_index(p, &nl->trainable, &nl->trainable_count, &nl->trainable_cap, (uint32_t)e);
      if (st != KH_OK) return st;
    }
    if (!matched)
      return kh_token_fail(p, line, t, "'%.*s' matches no resistor or current source", (int)t->len,
                           t->s);
  }
  return KH_OK;
}

static kh_status bounds_card(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  if (nl->has_bounds) return kh_token_fail(p, line, &t[0], ".bounds is given twice");
  kh_param_table table = {0};
  kh_status st = kh_parse_assignments(p, line, tok, 1, tok->count, NULL, &table);
  double gmin = 0, gmax = INFINITY;
  for (size_t i = 0; st == KH_OK && i < table.count; i++) {
    const kh_token *name = &t[1 + 3 * i];
    double v = table.items[i].value;
    if (strcmp(table.items[i].name, "gmin") == 0)
      gmin = v;
    else if (strcmp(table.items[i].name, "gmax") == 0)
      gmax = v;
    else
      st = kh_token_fail(p, line, name, ".bounds takes gmin= and gmax=, not '%s'",
                         table.items[i].name);
  }
  kh_param_release(&table);
  if (st != KH_OK) return st;
  if (!(gmin >= 0) || !(gmax > gmin))
    return kh_token_fail(p, line, &t[0], ".bounds needs 0 <= gmin < gmax (got gmin=%g gmax=%g)",
                         gmin, gmax);
  nl->has_bounds = 1;
  nl->gmin = gmin;
  nl->gmax = gmax;
  return KH_OK;
}

/* .scale none | pixels | standardize (MEAN INV_STD) ... (one pair per feature, in order) */
static kh_status scale_card(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  size_t n = tok->count;
  if (nl->scale_kind) return kh_token_fail(p, line, &t[0], ".scale is given twice");
  if (n < 2) return kh_token_fail(p, line, &t[0], ".scale needs none, pixels or standardize");
  if (kh_token_eq(&t[1], "none") || kh_token_eq(&t[1], "pixels")) {
    if (n > 2) return kh_token_fail(p, line, &t[2], "unexpected '%.*s'", (int)t[2].len, t[2].s);
    nl->scale_kind = kh_token_eq(&t[1], "none") ? KH_NETLIST_SCALE_NONE : KH_NETLIST_SCALE_PIXELS;
    return KH_OK;
  }
  if (!kh_token_eq(&t[1], "standardize"))
    return kh_token_fail(p, line, &t[1], ".scale takes none, pixels or standardize, not '%.*s'",
                         (int)t[1].len, t[1].s);
  if ((n - 2) % 4 != 0)
    return kh_token_fail(p, line, &t[n - 1], "standardize takes (MEAN INV_STD) pairs");
  size_t count = (n - 2) / 4;
  nl->scale_mean = kh_malloc((count + 1) * sizeof *nl->scale_mean);
  nl->scale_inv_std = kh_malloc((count + 1) * sizeof *nl->scale_inv_std);
  if (!nl->scale_mean || !nl->scale_inv_std) return kh_fail_nomem(p->ctx, "reading .scale");
  for (size_t k = 0; k < count; k++) {
    const kh_token *q = &t[2 + 4 * k];
    if (!kh_token_eq(&q[0], "(") || !kh_token_eq(&q[3], ")"))
      return kh_token_fail(p, line, &q[0], "expected (MEAN INV_STD)");
    double v[2];
    for (int j = 0; j < 2; j++) {
      size_t bad;
      if (kh_parse_number(q[1 + j].s, q[1 + j].len, &v[j], &bad) != KH_NUM_OK || !isfinite(v[j]))
        return kh_token_fail(p, line, &q[1 + j], "not a finite number: '%.*s'", (int)q[1 + j].len,
                             q[1 + j].s);
    }
    nl->scale_mean[k] = v[0], nl->scale_inv_std[k] = v[1];
  }
  nl->scale_count = count;
  nl->scale_kind = KH_NETLIST_SCALE_STANDARDIZE;
  return KH_OK;
}

kh_status kh_resolve_cards(kh_parser *p) {
  kh_status st = KH_OK;
  kh_tokens *tok = &p->line_tokens[0];
  unsigned char *marked = kh_calloc(p->nl->element_count, 1), *used = NULL;
  unsigned char *is_input = kh_calloc(p->nl->element_count, 1);
  if (!marked || !is_input) st = kh_fail_nomem(p->ctx, "resolving learning cards");
  for (size_t i = 0; st == KH_OK && i < p->card_count; i++) {
    uint32_t line = p->cards[i];
    st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st != KH_OK) break;
    const kh_token *t = &tok->items[0];
    if (kh_token_eq(t, ".input"))
      st = input_card(p, line, tok, is_input);
    else if (kh_token_eq(t, ".output"))
      st = (used || (used = nodes_in_use(p->nl)))
               ? output_card(p, line, tok, used)
               : kh_fail_nomem(p->ctx, "resolving learning cards");
    else if (kh_token_eq(t, ".train"))
      st = train_card(p, line, tok, marked);
    else if (kh_token_eq(t, ".scale"))
      st = scale_card(p, line, tok);
    else if (kh_token_eq(t, ".nodeset"))
      st = nodeset_card(p, line, tok);
    else
      st = bounds_card(p, line, tok);
  }
  kh_free(marked), kh_free(used), kh_free(is_input);
  return st;
}
