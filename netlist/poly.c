/* POLY controlled sources: `E|G name n+ n- POLY(d) nc1+ nc1- ... p0 p1 ...` and
 * `F|H name n+ n- POLY(d) v1 ... p0 p1 ...`, read as ngspice 39 reads them. ngspice replaces
 * the card by its spice2poly code model, whose output is SPICE 2G6's polynomial
 * p0 + p1 x1 + ... + pd xd + p(d+1) x1² + p(d+2) x1 x2 + ... of the controls x (the voltages of
 * the node pairs for E and G, the currents of the voltage sources for F and H). ngspice takes a
 * lone coefficient as p0, where SPICE 2G6 took it as p1; kirchhoff does as ngspice and says so.
 * kirchhoff reads the constant and first-order terms: a nonzero coefficient of a product of
 * controls is refused at its token.
 *
 * The polynomial is built from linear elements, so every solver and both writers take it as it
 * is. The card's own element carries the whole output, as the code model does:
 * - E and G: a chain from the internal node "<name>#poly" to ground sums the terms (a VCVS
 *   "e#<name>#k" for each nonzero pk, a source "v#<name>#0" for p0); the card is a VCVS (E) or
 *   VCCS (G) of gain 1 reading that node.
 * - F and H: the terms' currents (a CCCS "f#<name>#k" for each nonzero pk, a current source
 *   "i#<name>#0" for p0) flow into the internal node "<name>#sense" and out through a 0 V source
 *   "v#<name>#sense" to ground; the card is a CCCS (F) or CCVS (H) of gain 1 reading it. The node
 *   sits at 0 V, so `.options rshunt` takes nothing from it. */
#include "parser.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

enum { POLY_SYNTHETIC = 6 }; /* netlist_impl.h: a part of a POLY source, or its card's element */

typedef struct {
  kh_parser *p;
  uint32_t line;
  const kh_token *card; /* the element's name token */
  const char *name;     /* its flattened name */
  int by_current;       /* F, H */
  size_t dim;
  uint32_t *nodes;      /* E, G: the 2 dim controlling nodes */
  const char **sources; /* F, H: the dim controlling sources' flattened names */
  double *coef;         /* p0 ... */
  size_t coef_count;
  const kh_token *coef_at; /* the first coefficient's token */
} poly;

static kh_status dimension(poly *q, const kh_tokens *tok) {
  const kh_token *t = tok->items;
  size_t d = 0;
  int whole = tok->count > 6 && t[5].len <= 6 && kh_token_eq(&t[6], ")");
  for (size_t i = 0; whole && i < t[5].len; i++)
    if (t[5].s[i] < '0' || t[5].s[i] > '9')
      whole = 0;
    else
      d = 10 * d + (size_t)(t[5].s[i] - '0');
  if (!whole || d == 0)
    return kh_token_fail(q->p, q->line, tok->count > 5 ? &t[5] : &t[4],
                         "'%.*s': POLY needs a whole dimension >= 1 in parentheses, POLY(2)",
                         (int)t[0].len, t[0].s);
  if (d > tok->count) /* more controls than words: no arrays that size */
    return kh_token_fail(q->p, q->line, &t[tok->count - 1],
                         "'%.*s': POLY(%zu) needs %zu controls and at least one coefficient",
                         (int)t[0].len, t[0].s, d, d);
  q->dim = d;
  return KH_OK;
}

/* The controls after POLY(d), parentheses and commas between them skipped as ngspice skips
 * them; *next: the first coefficient's token. */
static kh_status controls(poly *q, const kh_tokens *tok, const kh_scope *s, size_t *next) {
  const kh_token *t = tok->items;
  size_t want = q->by_current ? q->dim : 2 * q->dim, got = 0, i = 7;
  for (; i < tok->count && got < want; i++) {
    if (kh_token_eq(&t[i], "(") || kh_token_eq(&t[i], ")")) continue;
    if (!q->by_current) {
      kh_status st = kh_resolve_node(q->p, q->line, s, &t[i], &q->nodes[got++]);
      if (st != KH_OK) return st;
      continue;
    }
    const char *name;
    size_t len;
    kh_status st = kh_qualify_name(q->p, 'v', s->path, t[i].s, t[i].len, &name, &len);
    if (st != KH_OK) return st;
    if (!(q->sources[got++] = kh_arena_strndup(&q->p->nl->arena, name, len)))
      return kh_fail_nomem(q->p->ctx, "storing elements");
  }
  while (i < tok->count && kh_token_eq(&t[i], ")")) i++;
  if (got < want || i == tok->count)
    return kh_token_fail(q->p, q->line, &t[tok->count - 1],
                         "'%.*s': POLY(%zu) needs %zu controlling %s and at least one coefficient",
                         (int)t[0].len, t[0].s, q->dim, want,
                         q->by_current ? "voltage sources" : "nodes");
  *next = i;
  return KH_OK;
}

static kh_status coefficients(poly *q, const kh_tokens *tok, const kh_scope *s, size_t from) {
  const kh_token *t = tok->items;
  q->coef_at = &t[from];
  for (size_t i = from; i < tok->count; i++) {
    if (i + 1 < tok->count && kh_token_eq(&t[i + 1], "="))
      return kh_token_fail(q->p, q->line, &t[i],
                           "'%.*s': '%.*s=' after a POLY's coefficients: ngspice 39 fails on it; "
                           "fold it into the coefficients",
                           (int)t[0].len, t[0].s, (int)t[i].len, t[i].s);
    double v;
    kh_status st = kh_eval_token(q->p, q->line, &t[i], s, &v);
    if (st != KH_OK) return st;
    /* p(dim+1) on multiply two or more controls */
    if (q->coef_count > q->dim && v != 0)
      return kh_token_fail(q->p, q->line, &t[i],
                           "'%.*s': POLY coefficient p%zu = %g multiplies a product of the "
                           "controls; kirchhoff reads a POLY's constant and first-order terms "
                           "only (p0 ... p%zu)",
                           (int)t[0].len, t[0].s, q->coef_count, v, q->dim);
    if (q->coef_count <= q->dim) q->coef[q->coef_count] = v;
    q->coef_count++;
  }
  return KH_OK;
}

/* Interns the internal node "<name>#<role>". */
static kh_status internal_node(poly *q, const char *role, uint32_t *id) {
  size_t len = strlen(q->name) + strlen(role) + 2;
  char *node = kh_arena_alloc(&q->p->nl->arena, len);
  if (!node) return kh_fail_nomem(q->p->ctx, "adding a POLY source");
  snprintf(node, len, "%s#%s", q->name, role);
  return kh_internal_node(q->p, q->line, q->card, node, id);
}

/* Adds part e as "<letter>#<name>#<role>". */
static kh_status part(poly *q, char letter, const char *role, kh_elem e) {
  kh_netlist *nl = q->p->nl;
  size_t len = strlen(q->name) + strlen(role) + 4;
  char *name = kh_arena_alloc(&nl->arena, len);
  uint32_t id;
  int added;
  if (!name) return kh_fail_nomem(q->p->ctx, "adding a POLY source");
  snprintf(name, len, "%c#%s#%s", letter, q->name, role);
  if (kh_reserve((void **)&nl->elements, &nl->element_cap, nl->element_count + 1,
                 sizeof *nl->elements) ||
      kh_strmap_intern(&nl->element_names, name, len - 1, &id, &added))
    return kh_fail_nomem(q->p->ctx, "adding a POLY source");
  if (!added) return kh_token_fail(q->p, q->line, q->card, "element name '%s' is taken", name);
  e.model = KH_NOT_FOUND;
  e.loc = kh_token_loc(q->p, q->line, q->card);
  e.synthetic = POLY_SYNTHETIC;
  nl->elements[nl->element_count++] = e;
  if (e.kind != KH_VSOURCE && e.kind != KH_ISOURCE) q->p->controlled_count++;
  return KH_OK;
}

/* E, G: the chain from "<name>#poly" (top) down to ground. */
static kh_status voltage_chain(poly *q, uint32_t top) {
  kh_status st = KH_OK;
  uint32_t at = top;
  size_t terms = q->coef[0] != 0;
  for (size_t k = 1; k <= q->dim && k < q->coef_count; k++) terms += q->coef[k] != 0;
  if (terms == 0) terms = 1; /* all zero: the node held at 0 V */
  char role[32];
  for (size_t k = 1, made = 0; st == KH_OK && k <= q->dim && k < q->coef_count; k++) {
    if (q->coef[k] == 0) continue;
    uint32_t below = 0;
    snprintf(role, sizeof role, "poly%zu", ++made);
    if (made < terms) st = internal_node(q, role, &below);
    snprintf(role, sizeof role, "%zu", k);
    kh_elem e = {.kind = KH_VCVS, .node = {at, below}, .value = q->coef[k]};
    e.ctrl[0] = q->nodes[2 * (k - 1)], e.ctrl[1] = q->nodes[2 * (k - 1) + 1];
    if (st == KH_OK) st = part(q, 'e', role, e);
    at = below;
  }
  if (st == KH_OK && at != 0)
    st = part(q, 'v', "0", (kh_elem){.kind = KH_VSOURCE, .node = {at, 0}, .value = q->coef[0]});
  return st;
}

/* F, H: the terms into "<name>#sense" (node), out through its 0 V source to ground. */
static kh_status current_sum(poly *q, uint32_t node) {
  kh_status st = KH_OK;
  char role[32];
  for (size_t k = 1; st == KH_OK && k <= q->dim && k < q->coef_count; k++) {
    if (q->coef[k] == 0) continue;
    snprintf(role, sizeof role, "%zu", k);
    kh_elem e = {.kind = KH_CCCS, .node = {0, node}, .value = q->coef[k]};
    e.control = q->sources[k - 1];
    st = part(q, 'f', role, e);
  }
  if (st == KH_OK && q->coef[0] != 0)
    st = part(q, 'i', "0", (kh_elem){.kind = KH_ISOURCE, .node = {0, node}, .value = q->coef[0]});
  if (st == KH_OK)
    st = part(q, 'v', "sense", (kh_elem){.kind = KH_VSOURCE, .node = {node, 0}, .value = 0});
  return st;
}

/* The card's element first (a later error about it then names the card), then its parts. */
static kh_status build(poly *q, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  kh_elem card = {.model = KH_NOT_FOUND, .value = 1, .synthetic = POLY_SYNTHETIC};
  kh_status st = kh_resolve_node(q->p, q->line, s, &t[1], &card.node[0]);
  if (st == KH_OK) st = kh_resolve_node(q->p, q->line, s, &t[2], &card.node[1]);
  if (st != KH_OK) return st;
  const char *name;
  size_t len;
  st = kh_qualify_name(q->p, t[0].s[0], s->path, t[0].s, t[0].len, &name, &len);
  if (st == KH_OK && !(q->name = kh_arena_strndup(&q->p->nl->arena, name, len)))
    st = kh_fail_nomem(q->p->ctx, "storing elements");
  if (st != KH_OK) return st;
  char letter = t[0].s[0];
  uint32_t sum; /* "<name>#poly" or "<name>#sense" */
  st = internal_node(q, q->by_current ? "sense" : "poly", &sum);
  if (st != KH_OK) return st;
  if (q->by_current) {
    size_t size = len + 9;
    char *sense = kh_arena_alloc(&q->p->nl->arena, size);
    if (!sense) return kh_fail_nomem(q->p->ctx, "adding a POLY source");
    snprintf(sense, size, "v#%s#sense", q->name);
    card.control = sense;
    card.kind = letter == 'f' ? KH_CCCS : KH_CCVS;
  } else {
    card.ctrl[0] = sum, card.ctrl[1] = 0;
    card.kind = letter == 'e' ? KH_VCVS : KH_VCCS;
  }
  st = kh_add_element(q->p, q->line, &t[0], s, card);
  if (st != KH_OK) return st;
  q->p->controlled_count++;
  return q->by_current ? current_sum(q, sum) : voltage_chain(q, sum);
}

kh_status kh_poly_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  poly q = {
      .p = p, .line = line, .card = &t[0], .by_current = t[0].s[0] == 'f' || t[0].s[0] == 'h'};
  kh_status st = dimension(&q, tok);
  if (st != KH_OK) return st;
  q.nodes = kh_calloc(2 * q.dim, sizeof *q.nodes);
  q.sources = kh_calloc(q.dim, sizeof *q.sources);
  q.coef = kh_calloc(q.dim + 1, sizeof *q.coef);
  size_t next = 0;
  st = q.nodes && q.sources && q.coef ? controls(&q, tok, s, &next)
                                      : kh_fail_nomem(p->ctx, "reading a POLY source");
  if (st == KH_OK) st = coefficients(&q, tok, s, next);
  /* everything is looked up before anything is added (flatten.c, kh_flatten_ahead) */
  if (st == KH_OK && q.coef_count == 1 && q.dim == 1)
    st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, q.coef_at),
                        "a lone POLY(1) coefficient is the constant p0 = %g, as ngspice 39 reads "
                        "it (SPICE 2G6 read it as the gain p1)",
                        q.coef[0]);
  if (st == KH_OK) st = build(&q, tok, s);
  kh_free(q.nodes), kh_free(q.sources), kh_free(q.coef);
  return st;
}
