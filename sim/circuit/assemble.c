/* Assembly: voltage-source elimination and the structural checks that make the reduced
 * system positive definite (no voltage-source loops, no node without a DC path). */
#include "circuit_impl.h"

#include "core/alloc.h"
#include "core/context.h"
#include "core/union_find.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

kh_status kh_fail_at_element(kh_context *ctx, const kh_netlist *nl, size_t element, kh_status st,
                             const char *fmt, ...) {
  kh_element e = kh_netlist_element(nl, element);
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return kh_fail(ctx, st, "%s:%u:%u: %s", e.file, e.line, e.col, msg);
}

/* A DC path: resistors, sources, and diodes that conduct in both directions (Shockley diodes
 * through GMIN, PWL diodes through goff > 0). An ideal diode that is off leaves a node floating. */
static int conducts_dc(const kh_circuit *c, size_t element, const kh_diode **next) {
  kh_element_kind k = (kh_element_kind)c->kind[element];
  if (k != KH_DIODE) return k == KH_RESISTOR || k == KH_VSOURCE || k == KH_VCVS || k == KH_INDUCTOR;
  const kh_diode *d = (*next)++;
  return d->kind == KH_DIODE_SHOCKLEY ? d->gmin > 0 : d->kind == KH_DIODE_PWL && d->goff > 0;
}

/* Whether every node without a DC path to ground sits in an island that no current can enter:
 * only resistors, capacitors, inductors and 0 A current sources touch it. ngspice solves such
 * decks (GMIN holds the island at 0 V); any other element (a source with a value, a diode that
 * is off, an amplifier) makes the island's voltage meaningless, and that stays an error. */
static int islands_are_inert(const kh_circuit *c, union_find *u) {
  for (size_t i = 0; i < c->element_count; i++) {
    int touches = uf_find(u, c->ends[i][0]) != 0 || uf_find(u, c->ends[i][1]) != 0;
    if (!touches) continue;
    kh_element_kind k = (kh_element_kind)c->kind[i];
    int inert = k == KH_RESISTOR || k == KH_CAPACITOR || k == KH_INDUCTOR ||
                (k == KH_ISOURCE && c->value[i] == 0);
    if (!inert) return 0;
  }
  return 1;
}

/* Holds every inert island's nodes at 0 V, as ngspice's GMIN does: they stop being unknowns,
 * and the other unknowns close up. */
static kh_status pin_islands(kh_context *ctx, kh_circuit *c, union_find *u) {
  int64_t *renumber = kh_malloc((c->unknowns + 1) * sizeof *renumber);
  if (!renumber) return kh_fail_nomem(ctx, "assembling the circuit");
  for (size_t k = 0; k < c->unknowns; k++) renumber[k] = 0;
  for (size_t n = 0; n < c->node_count; n++) {
    if (uf_find(u, (uint32_t)n) == 0) continue;
    if (!c->pinned_count++) c->first_pinned = (uint32_t)n;
    if (c->unknown_of[n] >= 0) renumber[c->unknown_of[n]] = -1;
  }
  size_t kept = 0;
  for (size_t k = 0; k < c->unknowns; k++)
    if (renumber[k] == 0) renumber[k] = (int64_t)kept++;
  for (size_t n = 0; n < c->node_count; n++)
    if (c->unknown_of[n] >= 0) c->unknown_of[n] = renumber[c->unknown_of[n]];
  for (size_t k = 0; k < c->ideal_count; k++)
    if (c->ideal_unknown[k] >= 0) c->ideal_unknown[k] = renumber[c->ideal_unknown[k]];
  c->unknowns = kept;
  kh_free(renumber);
  return KH_OK;
}

/* Every node needs a DC path (resistor, diode or voltage source) to ground. One error names
 * every floating node (the first 20 of them, and how many there are), at the first one's
 * element, so that a deck with several islands needs one run to learn them all. */
enum { FLOATING_NAMES = 20 };

static kh_status check_floating(kh_context *ctx, kh_circuit *c, union_find *u) {
  const kh_netlist *nl = c->nl;
  for (size_t i = 0; i < c->node_count; i++) u->parent[i] = (uint32_t)i;
  const kh_diode *next = c->diodes;
  for (size_t i = 0; i < c->element_count; i++)
    if (conducts_dc(c, i, &next)) uf_union(u, c->ends[i][0], c->ends[i][1]);
  char names[600] = "";
  size_t floating = 0, len = 0, first = 0;
  for (size_t n = 1; n < c->node_count; n++) {
    if (uf_find(u, (uint32_t)n) == 0) continue;
    if (!floating++) first = n;
    if (floating > FLOATING_NAMES) continue;
    int w = snprintf(names + len, sizeof names - len, "%s%s", floating > 1 ? ", " : "",
                     kh_netlist_node_name(nl, n));
    if (w > 0 && len + (size_t)w < sizeof names) len += (size_t)w;
  }
  if (!floating) return KH_OK;
  if (islands_are_inert(c, u)) return pin_islands(ctx, c, u);
  for (size_t i = 0; i < c->element_count; i++) {
    kh_element e = kh_netlist_element(nl, i);
    if (e.node_pos == first || e.node_neg == first)
      return kh_fail_at_element(
          ctx, nl, i, KH_ERR_INPUT,
          "node '%s' (at '%s') has no DC path to ground; %zu floating node%s: %s%s",
          kh_netlist_node_name(nl, first), e.name, floating, floating > 1 ? "s" : "", names,
          floating > FLOATING_NAMES ? ", ..." : "");
  }
  return KH_OK;
}

/* The two nodes an element ties by a fixed relation: a voltage source's ends, an inductor's (a
 * short at DC: a 0 V source), or an amplifier's output and input (its E element); 0 for other
 * elements. */
static int ties(const kh_circuit *c, size_t element, uint32_t *a, uint32_t *b, double *gain) {
  if (c->kind[element] == KH_VSOURCE || c->kind[element] == KH_INDUCTOR) {
    *a = c->ends[element][0], *b = c->ends[element][1], *gain = 1;
    return 1;
  }
  if (c->kind[element] != KH_VCVS) return 0;
  for (size_t i = 0; i < kh_netlist_amplifier_count(c->nl); i++) {
    kh_amplifier amp = kh_netlist_amplifier(c->nl, i);
    if (amp.vcvs != element) continue;
    *a = (uint32_t)amp.out, *b = (uint32_t)amp.in, *gain = amp.gain;
    return 1;
  }
  return 0;
}

/* Voltage sources and amplifiers form a forest (a loop is an error); each tree's nodes share one
 * unknown, or none when the tree holds ground. Records the trees parents-first for offset
 * updates, and each node's coefficient on its unknown. */
static kh_status eliminate_sources(kh_context *ctx, kh_circuit *c, union_find *u) {
  const kh_netlist *nl = c->nl;
  size_t n = c->node_count, nv = 0;
  uint32_t a = 0, b = 0;
  double gain = 1;
  for (size_t i = 0; i < n; i++) u->parent[i] = (uint32_t)i;
  for (size_t i = 0; i < c->element_count; i++) {
    if (!ties(c, i, &a, &b, &gain)) continue;
    nv++;
    if (!uf_union(u, a, b))
      return kh_fail_at_element(
          ctx, nl, i, KH_ERR_INPUT,
          "%s '%s' closes a loop of voltage sources%s (between nodes '%s' and '%s')",
          c->kind[i] == KH_VCVS       ? "amplifier"
          : c->kind[i] == KH_INDUCTOR ? "inductor (a short at DC)"
                                      : "voltage source",
          kh_netlist_element(nl, i).name, c->kind[i] == KH_VCVS ? " and amplifiers" : "",
          kh_netlist_node_name(nl, a), kh_netlist_node_name(nl, b));
  }
  /* Adjacency of the forest, then a breadth-first walk from each tree's root. */
  size_t *start = kh_calloc(n + 1, sizeof *start);
  uint32_t *adj = kh_malloc((2 * nv + 1) * sizeof *adj);
  uint32_t *queue = kh_malloc(n * sizeof *queue);
  unsigned char *seen = kh_calloc(n, 1);
  c->tree = kh_malloc((nv + 1) * sizeof *c->tree);
  if (!start || !adj || !queue || !seen || !c->tree) {
    kh_free(start), kh_free(adj), kh_free(queue), kh_free(seen);
    return kh_fail_nomem(ctx, "assembling the circuit");
  }
  for (size_t i = 0; i < c->element_count; i++)
    if (ties(c, i, &a, &b, &gain)) start[a + 1]++, start[b + 1]++;
  for (size_t i = 0; i < n; i++) start[i + 1] += start[i];
  size_t *fill = kh_malloc((n + 1) * sizeof *fill);
  if (!fill) {
    kh_free(start), kh_free(adj), kh_free(queue), kh_free(seen);
    return kh_fail_nomem(ctx, "assembling the circuit");
  }
  memcpy(fill, start, (n + 1) * sizeof *fill);
  for (size_t i = 0; i < c->element_count; i++)
    if (ties(c, i, &a, &b, &gain)) adj[fill[a]++] = (uint32_t)i, adj[fill[b]++] = (uint32_t)i;
  kh_free(fill);
  c->unknowns = 0;
  for (size_t root = 0; root < n; root++) {
    if (seen[root] || uf_find(u, (uint32_t)root) != root) continue;
    int64_t unknown = root == 0 ? -1 : (int64_t)c->unknowns++;
    size_t head = 0, tail = 0;
    queue[tail++] = (uint32_t)root;
    seen[root] = 1;
    c->unknown_of[root] = unknown;
    c->coef[root] = 1;
    while (head < tail) {
      uint32_t v = queue[head++];
      for (size_t k = start[v]; k < start[v + 1]; k++) {
        ties(c, adj[k], &a, &b, &gain);
        uint32_t w = a == v ? b : a;
        if (seen[w]) continue;
        seen[w] = 1;
        c->unknown_of[w] = unknown;
        queue[tail++] = w;
        kh_tree_step step = {w, v, adj[k], a == w ? 1 : -1, 1.0};
        if (c->kind[adj[k]] == KH_VCVS) /* a: the output, b: the input; v(a) = gain v(b) */
          step.sign = 0, step.mult = a == w ? gain : 1 / gain;
        if (c->kind[adj[k]] == KH_INDUCTOR) step.sign = 0; /* 0 V across */
        c->coef[w] = step.mult * c->coef[v];
        c->tree[c->tree_count++] = step;
      }
    }
  }
  kh_free(start), kh_free(adj), kh_free(queue), kh_free(seen);
  return KH_OK;
}

void kh_circuit_update_offsets(kh_circuit *c) {
  for (size_t i = 0; i < c->node_count; i++) c->offset[i] = 0;
  for (size_t i = 0; i < c->tree_count; i++) {
    const kh_tree_step *s = &c->tree[i];
    c->offset[s->node] =
        s->mult * c->offset[s->parent] + (s->sign ? s->sign * c->value[s->source] : 0);
  }
}

void kh_circuit_free(kh_circuit *c) {
  if (!c) return;
  kh_free(c->unknown_of);
  kh_free(c->offset);
  kh_free(c->value);
  kh_free(c->kind);
  kh_free(c->ends);
  kh_free(c->tree);
  kh_free(c->diodes);
  kh_free(c->ideal);
  kh_free(c->ideal_unknown);
  kh_free(c->ideal_sign);
  kh_free(c->edges);
  kh_free(c->colptr);
  kh_free(c->rowidx);
  kh_free(c->slot_a);
  kh_free(c->slot_b);
  kh_free(c->slot_ab);
  kh_free(c->out_ends);
  kh_free(c->coef), kh_free(c->weight), kh_free(c->kw), kh_free(c->kf);
  kh_free(c->target);
  kh_free(c);
}

/* The refusal of a circuit whose element `general` has no co-content, saying why. */
static kh_status no_co_content(kh_context *ctx, const kh_netlist *nl, size_t general) {
  kh_element e = kh_netlist_element(nl, general);
  int transistor =
      e.kind == KH_JFET || e.kind == KH_MOSFET || e.kind == KH_BJT || e.kind == KH_SWITCH;
  int behavioural = e.kind == KH_BEHAVIOURAL_V || e.kind == KH_BEHAVIOURAL_I;
  return kh_fail_at_element(
      ctx, nl, general, KH_ERR_INPUT,
      "%s%s%s has no co-content (%s): kirchhoff op solves it by general Newton; training, "
      "gradients and the other analyses need a co-content",
      e.kind == KH_DIODE    ? "diode '"
      : e.kind == KH_JFET   ? "JFET '"
      : e.kind == KH_MOSFET ? "MOSFET '"
      : e.kind == KH_BJT    ? "BJT '"
      : e.kind == KH_SWITCH ? "switch '"
      : behavioural         ? "B source '"
                            : "'",
      e.name, transistor || e.kind == KH_DIODE || behavioural ? "'" : "', a controlled source,",
      e.kind == KH_DIODE ? kh_netlist_diode_general_reason(nl, general, NULL)
      : e.kind == KH_BJT ? "its collector current follows its base's voltage, a transistor's gain"
      : e.kind == KH_SWITCH ? "its conductance follows its control voltage"
      : behavioural         ? "its value is any function of the voltages"
      : transistor          ? "its drain current follows its gate's voltage, a transistor's gain"
                   : "a G or H, or an E or F that is not half of a bidirectional amplifier, "
                     "docs/netlist.md");
}

kh_status kh_circuit_new(kh_context *ctx, kh_circuit **out, const kh_netlist *nl) {
  *out = NULL;
  size_t general;
  if (kh_netlist_general_count(nl, &general)) return no_co_content(ctx, nl, general);
  kh_circuit *c = kh_calloc(1, sizeof *c);
  if (!c) return kh_fail_nomem(ctx, "assembling the circuit");
  c->nl = nl;
  c->node_count = kh_netlist_node_count(nl);
  c->element_count = kh_netlist_element_count(nl);
  union_find u = {kh_malloc(c->node_count * sizeof *u.parent)};
  c->unknown_of = kh_malloc(c->node_count * sizeof *c->unknown_of);
  c->offset = kh_calloc(c->node_count, sizeof *c->offset);
  c->coef = kh_malloc((c->node_count + 1) * sizeof *c->coef);
  c->weight = kh_malloc((c->node_count + 1) * sizeof *c->weight);
  c->kw = kh_malloc((c->node_count + 1) * sizeof *c->kw);
  c->kf = kh_malloc((c->node_count + 1) * sizeof *c->kf);
  c->value = kh_calloc(c->element_count, sizeof *c->value);
  c->kind = kh_malloc(c->element_count + 1);
  c->ends = kh_malloc((c->element_count + 1) * sizeof *c->ends);
  c->output_count = kh_netlist_output_count(nl);
  c->out_ends = kh_malloc((c->output_count + 1) * sizeof *c->out_ends);
  c->target = kh_calloc(c->output_count + 1, sizeof *c->target);
  kh_status st = KH_OK;
  if (!u.parent || !c->unknown_of || !c->offset || !c->value || !c->kind || !c->ends ||
      !c->out_ends || !c->target || !c->coef || !c->weight || !c->kw || !c->kf)
    st = kh_fail_nomem(ctx, "assembling the circuit");
  for (size_t k = 0; st == KH_OK && k < c->output_count; k++) {
    kh_output o = kh_netlist_output(nl, k);
    c->out_ends[k][0] = (uint32_t)o.node_pos;
    c->out_ends[k][1] = (uint32_t)o.node_neg;
  }
  for (size_t i = 0; st == KH_OK && i < c->element_count; i++) {
    kh_element e = kh_netlist_element(nl, i);
    c->kind[i] = (uint8_t)e.kind;
    c->ends[i][0] = (uint32_t)e.node_pos;
    c->ends[i][1] = (uint32_t)e.node_neg;
    c->value[i] = e.kind == KH_RESISTOR ? 1.0 / e.value : e.value;
    if (!isfinite(c->value[i]))
      st = kh_fail_at_element(ctx, nl, i, KH_ERR_INPUT, "'%s' has a non-finite value", e.name);
  }
  for (size_t i = 0; st == KH_OK && i < c->node_count; i++) c->coef[i] = 1;
  if (st == KH_OK) st = eliminate_sources(ctx, c, &u);
  if (st == KH_OK) st = kh_circuit_build_weights(ctx, c);
  if (st == KH_OK) kh_circuit_update_offsets(c);
  if (st == KH_OK) st = kh_circuit_build_diodes(ctx, c);
  if (st == KH_OK) st = check_floating(ctx, c, &u);
  kh_free(u.parent);
  if (st == KH_OK) st = kh_circuit_build_pattern(ctx, c);
  if (st != KH_OK) {
    kh_circuit_free(c);
    return st;
  }
  kh_circuit_update_offsets(c);
  *out = c;
  return KH_OK;
}
