/* T: lossless transmission lines, `Tname p1 n1 p2 n2 z0=Z [td=T] [f=F [nl=N]] [v1= i1= v2= i2=]`,
 * as ngspice 39's TRA device computes them at DC (traload.c, read there). Its DC stamps put Z0
 * between each port's + node and an internal node, and in each port's branch the other port's
 * voltage plus (1 - GMIN) Z0 times the other branch's current; solved, that is an ideal 1:1
 * transformer whose port currents are equal and opposite (I2 = -I1) and whose port voltages
 * differ by GMIN Z0 I1 (V1 = V2 + GMIN Z0 I1): a few picohms in series. kirchhoff builds the
 * same from four elements on two internal nodes "<name>#a" and "<name>#b": a 0 V source named
 * as the line, from p1 to #a, sensing I1; an H from #a to #b of GMIN Z0 ohms on it; an E from #b
 * to n1 of gain 1 on (p2, n2); an F of gain 1 on it from n2 to p2. The line is written back as
 * its T card (tlines), in both programs' text. td, f, nl and the initial conditions act in
 * transient only: read, checked as numbers, written back. */
#include "parser.h"

#include "core/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The words a T card takes (tra.c), in the order kh_tline keeps their values. */
static const char *const words[KH_TLINE_WORDS] = {"z0", "td", "f", "nl", "v1", "i1", "v2", "i2"};

/* The index of word t among words[first ..], or -1. */
static int word_of(const kh_token *t, int first) {
  if (first == 0 && kh_token_eq(t, "zo")) return 0; /* ngspice's other name for z0 */
  for (int k = first; k < KH_TLINE_WORDS; k++)
    if (kh_token_eq(t, words[k])) return k;
  return -1;
}

/* The card's words from token `from` on into l (name=value, each once): a T line's all of
 * words[], an O line's the initial conditions (words[4 ..]). */
static kh_status read_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            const kh_scope *s, kh_tline *l) {
  const kh_token *t = tok->items;
  int first = l->lossy ? 4 : 0;
  for (size_t i = from; i < tok->count; i += 3) {
    int k = word_of(&t[i], first);
    if (kh_token_eq(&t[i], "ic"))
      return kh_token_fail(p, line, &t[i],
                           "'ic' on a transmission line: write v1= i1= v2= i2= (the same initial "
                           "conditions, which act in transient only)");
    if (k < 0)
      return kh_token_fail(p, line, &t[i], "unknown %s line parameter '%.*s' (%s)",
                           l->lossy ? "O" : "T", (int)t[i].len, t[i].s,
                           l->lossy ? "v1, i1, v2, i2" : "z0, zo, td, f, nl, v1, i1, v2, i2");
    kh_status st = kh_line_word(p, line, tok, i, s, &l->given, k, &l->value[k]);
    if (st != KH_OK) return st;
  }
  if (l->lossy) return KH_OK;
  if (!(l->given & 1u))
    return kh_token_fail(p, line, &t[0],
                         "'%.*s' needs z0 (ngspice 39: \"transmission line z0 "
                         "must be given\")",
                         (int)t[0].len, t[0].s);
  if (!(l->value[0] > 0))
    return kh_token_fail(p, line, &t[0], "'%.*s': z0 = %g; it must be above 0", (int)t[0].len,
                         t[0].s, l->value[0]);
  return KH_OK;
}

/* "<line's flattened name><suffix>" in the arena. */
static const char *derived(kh_parser *p, const char *name, const char *suffix) {
  size_t n = strlen(name) + strlen(suffix) + 1;
  char *s = kh_arena_alloc(&p->nl->arena, n);
  if (s) snprintf(s, n, "%s%s", name, suffix);
  return s;
}

/* The four elements of a line (the file's comment), its ports' nodes in port[], its E's control
 * (port[2], e_neg) and its H's transresistance r (a T line's set by kh_resolve_tlines). */
static kh_status add_parts(kh_parser *p, uint32_t line, const kh_token *name_tok, const kh_scope *s,
                           const uint32_t port[4], uint32_t e_neg, double r) {
  kh_netlist *nl = p->nl;
  uint32_t sense = (uint32_t)nl->element_count, a, b;
  kh_elem v = {
      .kind = KH_VSOURCE, .model = KH_NOT_FOUND, .value = 0, .synthetic = KH_SYNTHETIC_TLINE};
  v.node[0] = port[0];
  const char *name = NULL, *a_name = NULL, *b_name = NULL;
  kh_status st = KH_OK;
  /* the sensing source first: it takes the line's own name, the others derive theirs */
  v.node[1] = 0;
  st = kh_add_element(p, line, name_tok, s, v);
  if (st == KH_OK) {
    name = kh_strmap_name(&nl->element_names, sense);
    a_name = derived(p, name, "#a"), b_name = derived(p, name, "#b");
    if (!a_name || !b_name) st = kh_fail_nomem(p->ctx, "adding a transmission line");
  }
  if (st == KH_OK) st = kh_internal_node(p, line, name_tok, a_name, &a);
  if (st == KH_OK) st = kh_internal_node(p, line, name_tok, b_name, &b);
  if (st != KH_OK) return st;
  nl->elements[sense].node[1] = a;
  kh_elem h = {.kind = KH_CCVS,
               .model = KH_NOT_FOUND,
               .synthetic = KH_SYNTHETIC_TLINE_PART,
               .node = {a, b},
               .value = r};
  kh_elem e = {.kind = KH_VCVS,
               .model = KH_NOT_FOUND,
               .synthetic = KH_SYNTHETIC_TLINE_PART,
               .node = {b, port[1]},
               .value = 1};
  kh_elem f = {.kind = KH_CCCS,
               .model = KH_NOT_FOUND,
               .synthetic = KH_SYNTHETIC_TLINE_PART,
               .node = {port[3], port[2]},
               .value = 1};
  h.control = f.control = name;
  e.ctrl[0] = port[2], e.ctrl[1] = e_neg;
  const char *h_name = derived(p, name, "#h"), *e_name = derived(p, name, "#e"),
             *f_name = derived(p, name, "#f");
  if (!h_name || !e_name || !f_name) return kh_fail_nomem(p->ctx, "adding a transmission line");
  st = kh_add_part(p, line, name_tok, h_name, h);
  if (st == KH_OK) st = kh_add_part(p, line, name_tok, e_name, e);
  if (st == KH_OK) st = kh_add_part(p, line, name_tok, f_name, f);
  if (st == KH_OK) p->controlled_count += 3; /* general Newton solves them (amplifiers.c) */
  return st;
}

/* An RG line's four VCCS (its admittances set by kh_resolve_tlines): from p1 to n1 on port 1's
 * and on port 2's voltage, then from p2 to n2 on port 1's and port 2's; the first named as the
 * line. */
static kh_status add_admittances(kh_parser *p, uint32_t line, const kh_token *name_tok,
                                 const kh_scope *s, const uint32_t port[4]) {
  kh_netlist *nl = p->nl;
  uint32_t first = (uint32_t)nl->element_count;
  static const char *const suffix[4] = {"", "#y12", "#y21", "#y22"};
  kh_status st = KH_OK;
  for (int k = 0; k < 4 && st == KH_OK; k++) {
    int out = k / 2, in = k == 1 || k == 3;
    kh_elem g = {.kind = KH_VCCS,
                 .model = KH_NOT_FOUND,
                 .synthetic = k ? KH_SYNTHETIC_TLINE_PART : KH_SYNTHETIC_TLINE,
                 .node = {port[2 * out], port[2 * out + 1]}};
    g.ctrl[0] = port[2 * in], g.ctrl[1] = port[2 * in + 1];
    if (k == 0) {
      st = kh_add_element(p, line, name_tok, s, g);
      continue;
    }
    const char *name = derived(p, kh_strmap_name(&nl->element_names, first), suffix[k]);
    st = name ? kh_add_part(p, line, name_tok, name, g)
              : kh_fail_nomem(p->ctx, "adding a transmission line");
  }
  if (st == KH_OK) p->controlled_count += 4; /* general Newton solves them (amplifiers.c) */
  return st;
}

kh_status kh_tline_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s) {
  const kh_token *t = tok->items;
  int lossy = t[0].s[0] == 'o';
  if (tok->count < (lossy ? 6u : 5u))
    return kh_token_fail(p, line, &t[tok->count - 1], "'%.*s' needs four nodes and %s",
                         (int)t[0].len, t[0].s, lossy ? "an LTRA model" : "z0=");
  uint32_t port[4];
  kh_status st = KH_OK;
  for (size_t k = 0; k < 4 && st == KH_OK; k++)
    st = kh_resolve_node(p, line, s, &t[k + 1], &port[k]);
  kh_tline l = {.value = {0, 0, 1e9, 0.25}, .lossy = (uint8_t)lossy, .model = KH_NOT_FOUND};
  double r = 0; /* an O line's R len; a T line's GMIN z0 comes once the options are read */
  int rg = 0;
  if (st == KH_OK && lossy) st = kh_ltra_instance(p, line, s, &t[5], &l.model, &r, &rg);
  if (st == KH_OK) st = read_words(p, line, tok, lossy ? 6 : 5, s, &l);
  if (st != KH_OK) return st;
  kh_netlist *nl = p->nl;
  l.element = (uint32_t)nl->element_count;
  if (kh_reserve((void **)&nl->tlines, &nl->tline_cap, nl->tline_count + 1, sizeof *nl->tlines))
    return kh_fail_nomem(p->ctx, "adding a transmission line");
  l.rg = (uint8_t)rg;
  /* a T line's E reads port 2 (p2 - n2); an O line's, as ltraload.c's DC stamps, p2 - n1 */
  st = rg ? add_admittances(p, line, &t[0], s, port)
          : add_parts(p, line, &t[0], s, port, lossy ? port[1] : port[3], r);
  if (st == KH_OK) nl->tlines[nl->tline_count++] = l;
  return st;
}

void kh_resolve_tlines(kh_netlist *nl) {
  double gmin = 1e-12; /* ngspice's default */
  kh_netlist_option(nl, "gmin", &gmin);
  for (size_t k = 0; k < nl->tline_count; k++) {
    const kh_tline *l = &nl->tlines[k];
    if (l->rg) {
      double y[4];
      kh_ltra_rg_admittances(&nl->models[l->model], gmin, y);
      for (int j = 0; j < 4; j++) nl->elements[l->element + (size_t)j].value = y[j];
    } else if (!l->lossy && !l->rc) {
      nl->elements[l->element + 1].value = gmin * l->value[0];
    }
  }
}

const kh_tline *kh_tline_at(const kh_netlist *nl, size_t element) {
  for (size_t k = 0; k < nl->tline_count; k++)
    if (nl->tlines[k].element == element) return &nl->tlines[k];
  return NULL;
}

const char *kh_tline_word(int k) {
  return words[k];
}
