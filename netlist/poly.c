/* POLY controlled sources: `E|G name n+ n- POLY(d) nc1+ nc1- ... p0 p1 ...` and
 * `F|H name n+ n- POLY(d) v1 ... p0 p1 ...`, read as ngspice 39 reads them. ngspice replaces
 * the card by its spice2poly code model, whose output is SPICE 2G6's polynomial
 * y = p0 + p1 x1 + ... + pd xd + p(d+1) x1² + p(d+2) x1 x2 + ... of the controls x (the voltages
 * of the node pairs for E and G, the currents of the voltage sources for F and H), its terms in
 * 2G6's order (kh_poly_next_powers). ngspice takes a lone coefficient as p0, where SPICE 2G6 took
 * it as p1; kirchhoff does as ngspice and says so.
 *
 * The polynomial is built from parts every solver and both writers take as they are, and the
 * card's own element carries the whole output, as the code model does:
 * - a chain from the internal node "<name>#poly" to ground sums the terms: a VCVS "e#<name>#k"
 *   (E, G) or CCVS "h#<name>#k" (F, H) for each nonzero first-order pk, a product term
 *   "e#<name>#mj" for each nonzero higher-order pj (an E whose voltage is pj times the product of
 *   its controls' powers: kh_netlist_product; general Newton solves it), and a source
 *   "v#<name>#0" for p0. For F and H a product reads each current it needs as the voltage of an
 *   internal node "<name>#xk", which a CCVS "h#<name>#xk" of gain 1 holds at it;
 * - E is a VCVS and G a VCCS of gain 1 reading "<name>#poly"; for F and H a VCCS "g#<name>#sense"
 *   of gain 1 drives that voltage as a current into the internal node "<name>#sense", out
 *   through a 0 V source "v#<name>#sense" to ground, which the card (a CCCS or CCVS of gain 1)
 *   reads. Every internal node is held by a source, so `.options rshunt` changes nothing. */
#include "parser.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  kh_parser *p;
  uint32_t line;
  const kh_token *card; /* the element's name token */
  const char *name;     /* its flattened name */
  int by_current;       /* F, H */
  size_t dim;
  uint32_t *nodes;      /* E, G: the 2 dim controlling nodes */
  const char **sources; /* F, H: the dim controlling sources' flattened names */
  uint32_t *x;          /* F, H: the node holding each current a product reads (0: none yet) */
  double *coef;         /* p0 ... */
  size_t coef_count;
  const kh_token *coef_at; /* the first coefficient's token */
} poly;

/* The exponents of the term after e (d controls), in SPICE 2G6's order (its NXTPWR, which
 * ngspice's spice2poly translates): by total degree, and within a degree the first control's
 * power falling first, then the second's, and so on (x1², x1 x2, x1 x3, x2², x2 x3, x3², x1³,
 * ...). From all zeros it gives x1. */
void kh_poly_next_powers(unsigned *e, size_t d) {
  size_t i = d - 1;
  while (i-- > 0)
    if (e[i] > 0) { /* the rightmost power that can move one step right */
      unsigned rest = 0;
      for (size_t k = i + 1; k < d; k++) rest += e[k], e[k] = 0;
      e[i]--, e[i + 1] = rest + 1;
      return;
    }
  unsigned degree = 0; /* all of it on the last control: the next degree starts */
  for (size_t k = 0; k < d; k++) degree += e[k], e[k] = 0;
  e[0] = degree + 1;
}

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
  if (d > KH_POLY_MAX_DIM)
    return kh_token_fail(q->p, q->line, &t[5],
                         "'%.*s': POLY(%zu): kirchhoff reads at most %d controls", (int)t[0].len,
                         t[0].s, d, KH_POLY_MAX_DIM);
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
    kh_status st = kh_eval_token(q->p, q->line, &t[i], s, &q->coef[q->coef_count++]);
    if (st != KH_OK) return st;
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
  size_t len = strlen(q->name) + strlen(role) + 4;
  char *name = kh_arena_alloc(&q->p->nl->arena, len);
  if (!name) return kh_fail_nomem(q->p->ctx, "adding a POLY source");
  snprintf(name, len, "%c#%s#%s", letter, q->name, role);
  e.model = KH_NOT_FOUND;
  if (!e.synthetic) e.synthetic = KH_SYNTHETIC_POLY;
  if (e.kind != KH_VSOURCE && e.kind != KH_ISOURCE) q->p->controlled_count++;
  return kh_add_part(q->p, q->line, q->card, name, e);
}

/* F, H: the node holding control k's current as a voltage, made at its first use. */
static kh_status current_as_voltage(poly *q, size_t k, uint32_t *node) {
  if (q->x[k]) return *node = q->x[k], KH_OK;
  char role[32];
  snprintf(role, sizeof role, "x%zu", k + 1);
  kh_status st = internal_node(q, role, &q->x[k]);
  kh_elem e = {.kind = KH_CCVS, .node = {q->x[k], 0}, .value = 1};
  e.control = q->sources[k];
  if (st == KH_OK) st = part(q, 'h', role, e);
  *node = q->x[k];
  return st;
}

/* Term j (coefficient pj, powers e) of the chain, from node `at` down to `below`. */
static kh_status term(poly *q, size_t j, const unsigned *e, uint32_t at, uint32_t below) {
  char role[32];
  size_t degree = 0, k1 = 0;
  for (size_t k = 0; k < q->dim; k++)
    if (e[k]) degree += e[k], k1 = k;
  if (degree == 1) { /* first order: a linear part */
    snprintf(role, sizeof role, "%zu", k1 + 1);
    kh_elem lin = {.kind = q->by_current ? KH_CCVS : KH_VCVS, .node = {at, below}};
    lin.value = q->coef[j];
    if (q->by_current)
      lin.control = q->sources[k1];
    else
      lin.ctrl[0] = q->nodes[2 * k1], lin.ctrl[1] = q->nodes[2 * k1 + 1];
    return part(q, q->by_current ? 'h' : 'e', role, lin);
  }
  kh_netlist *nl = q->p->nl;
  size_t factors = 0;
  for (size_t k = 0; k < q->dim; k++) factors += e[k] > 0;
  if (kh_reserve((void **)&nl->products, &nl->product_cap, nl->product_count + 1,
                 sizeof *nl->products) ||
      kh_reserve((void **)&nl->factors, &nl->factor_cap, nl->factor_count + factors,
                 sizeof *nl->factors))
    return kh_fail_nomem(q->p->ctx, "adding a POLY source");
  kh_product m = {(uint32_t)nl->factor_count, (uint32_t)factors};
  for (size_t k = 0; k < q->dim; k++) {
    if (!e[k]) continue;
    kh_factor f = {0, 0, e[k]};
    if (q->by_current) {
      kh_status st = current_as_voltage(q, k, &f.pos);
      if (st != KH_OK) return st;
    } else {
      f.pos = q->nodes[2 * k], f.neg = q->nodes[2 * k + 1];
    }
    nl->factors[nl->factor_count++] = f;
  }
  nl->products[nl->product_count++] = m;
  snprintf(role, sizeof role, "m%zu", j);
  kh_elem prod = {
      .kind = KH_VCVS, .node = {at, below}, .value = q->coef[j], .synthetic = KH_SYNTHETIC_PRODUCT};
  prod.ctrl[0] = (uint32_t)nl->product_count - 1, prod.ctrl[1] = 0;
  return part(q, 'e', role, prod);
}

/* The chain from "<name>#poly" (top) down to ground: each nonzero term, p0 last. */
static kh_status chain(poly *q, uint32_t top) {
  unsigned *e = kh_calloc(q->dim, sizeof *e);
  if (!e) return kh_fail_nomem(q->p->ctx, "adding a POLY source");
  size_t terms = q->coef[0] != 0;
  for (size_t j = 1; j < q->coef_count; j++) terms += q->coef[j] != 0;
  if (terms == 0) terms = 1; /* all zero: the node held at 0 V */
  kh_status st = KH_OK;
  uint32_t at = top;
  char role[32];
  for (size_t j = 1, made = 0; st == KH_OK && j < q->coef_count; j++) {
    kh_poly_next_powers(e, q->dim);
    if (q->coef[j] == 0) continue;
    uint32_t below = 0;
    snprintf(role, sizeof role, "poly%zu", ++made);
    if (made < terms) st = internal_node(q, role, &below);
    if (st == KH_OK) st = term(q, j, e, at, below);
    at = below;
  }
  kh_free(e);
  if (st == KH_OK && at != 0)
    st = part(q, 'v', "0", (kh_elem){.kind = KH_VSOURCE, .node = {at, 0}, .value = q->coef[0]});
  return st;
}

/* F, H: "<name>#poly" as a current into "<name>#sense", out through its 0 V source. */
static kh_status sense(poly *q, uint32_t top, uint32_t node) {
  kh_elem g = {.kind = KH_VCCS, .node = {0, node}, .value = 1};
  g.ctrl[0] = top, g.ctrl[1] = 0;
  kh_status st = part(q, 'g', "sense", g);
  if (st == KH_OK)
    st = part(q, 'v', "sense", (kh_elem){.kind = KH_VSOURCE, .node = {node, 0}, .value = 0});
  return st;
}

/* ngspice 39 hands a POLY card to its XSPICE code-model parser, which splits names at these
 * characters and then fails on the card ("Error on line"); kirchhoff refuses what ngspice
 * cannot read, so that every deck it answers can be checked there. */
static kh_status readable_in_ngspice(poly *q, const char *name) {
  if (!strpbrk(name, "<>[]~%")) return KH_OK;
  return kh_token_fail(q->p, q->line, q->card,
                       "'%s': ngspice 39 cannot read a POLY card that names '%s' (its code-model "
                       "parser splits names at < > [ ] ~ %%), so kirchhoff refuses it too; "
                       "rename it",
                       q->name, name);
}

/* The card's name, its output nodes and its controls, as flattened. */
static kh_status names_readable(poly *q, const uint32_t *out) {
  const kh_strmap *nodes = &q->p->nl->nodes;
  kh_status st = readable_in_ngspice(q, q->name);
  for (size_t k = 0; st == KH_OK && k < 2; k++)
    st = readable_in_ngspice(q, kh_strmap_name(nodes, out[k]));
  for (size_t k = 0; st == KH_OK && q->by_current && k < q->dim; k++)
    st = readable_in_ngspice(q, q->sources[k]);
  for (size_t k = 0; st == KH_OK && !q->by_current && k < 2 * q->dim; k++)
    st = readable_in_ngspice(q, kh_strmap_name(nodes, q->nodes[k]));
  return st;
}

/* The card's element first (a later error about it then names the card), then its parts. */
static kh_status build(poly *q, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  kh_elem card = {.model = KH_NOT_FOUND, .value = 1, .synthetic = KH_SYNTHETIC_POLY};
  kh_status st = kh_resolve_node(q->p, q->line, s, &t[1], &card.node[0]);
  if (st == KH_OK) st = kh_resolve_node(q->p, q->line, s, &t[2], &card.node[1]);
  if (st != KH_OK) return st;
  const char *name;
  size_t len;
  st = kh_qualify_name(q->p, t[0].s[0], s->path, t[0].s, t[0].len, &name, &len);
  if (st == KH_OK && !(q->name = kh_arena_strndup(&q->p->nl->arena, name, len)))
    st = kh_fail_nomem(q->p->ctx, "storing elements");
  if (st == KH_OK) st = names_readable(q, card.node);
  uint32_t top, node = 0; /* "<name>#poly", and for F and H "<name>#sense" */
  if (st == KH_OK) st = internal_node(q, "poly", &top);
  if (st == KH_OK && q->by_current) st = internal_node(q, "sense", &node);
  if (st != KH_OK) return st;
  char letter = t[0].s[0];
  if (q->by_current) {
    size_t size = len + 9;
    char *control = kh_arena_alloc(&q->p->nl->arena, size);
    if (!control) return kh_fail_nomem(q->p->ctx, "adding a POLY source");
    snprintf(control, size, "v#%s#sense", q->name);
    card.control = control;
    card.kind = letter == 'f' ? KH_CCCS : KH_CCVS;
  } else {
    card.ctrl[0] = top, card.ctrl[1] = 0;
    card.kind = letter == 'e' ? KH_VCVS : KH_VCCS;
  }
  st = kh_add_element(q->p, q->line, &t[0], s, card);
  if (st != KH_OK) return st;
  q->p->controlled_count++;
  if (q->by_current) st = sense(q, top, node);
  return st == KH_OK ? chain(q, top) : st;
}

kh_status kh_poly_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  poly q = {
      .p = p, .line = line, .card = &t[0], .by_current = t[0].s[0] == 'f' || t[0].s[0] == 'h'};
  kh_status st = dimension(&q, tok);
  if (st != KH_OK) return st;
  q.nodes = kh_calloc(2 * q.dim, sizeof *q.nodes);
  q.sources = kh_calloc(q.dim, sizeof *q.sources);
  q.x = kh_calloc(q.dim, sizeof *q.x);
  q.coef = kh_calloc(tok->count, sizeof *q.coef);
  size_t next = 0;
  st = q.nodes && q.sources && q.x && q.coef ? controls(&q, tok, s, &next)
                                             : kh_fail_nomem(p->ctx, "reading a POLY source");
  if (st == KH_OK) st = coefficients(&q, tok, s, next);
  /* everything is looked up before anything is added (flatten.c, kh_flatten_ahead) */
  if (st == KH_OK && q.coef_count == 1 && q.dim == 1)
    st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, q.coef_at),
                        "a lone POLY(1) coefficient is the constant p0 = %g, as ngspice 39 reads "
                        "it (SPICE 2G6 read it as the gain p1)",
                        q.coef[0]);
  if (st == KH_OK) st = build(&q, tok, s);
  kh_free(q.nodes), kh_free(q.sources), kh_free(q.x), kh_free(q.coef);
  return st;
}
