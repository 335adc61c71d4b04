/* A subcircuit instance's parameters and models, as ngspice scopes and orders them: the header's
 * defaults and the X line's values, the body's .param lines in the order of their dependencies
 * (also the top level's that wait for later ones), and the models whose values are expressions
 * of them, read per instance. */
#include "parser.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

/* The names line `card` (tokens tok) assigns, pending (p->pending). */
static kh_status pend_names(kh_parser *p, const kh_tokens *tok, uint32_t card) {
  for (size_t i = 1; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count)) {
    const kh_token *name = &tok->items[i];
    const char *copy = kh_arena_strndup(&p->nl->arena, name->s, name->len);
    if (!copy || kh_reserve((void **)&p->pending_params, &p->pending_param_cap,
                            p->pending_param_count + 1, sizeof *p->pending_params))
      return kh_fail_nomem(p->ctx, "parameters");
    p->pending_params[p->pending_param_count++] =
        (struct kh_pending_param){copy, name->len, card, 0};
  }
  return KH_OK;
}

/* Rounds over the lines left, each evaluated once nothing it reads is still pending; a round
 * without progress is a circle, or a line's own error. */
kh_status kh_params_in_order(kh_parser *p, kh_tokens *tok, const uint32_t *cards, size_t n,
                             const kh_scope *inner, kh_param_table *table) {
  kh_status st = KH_OK;
  unsigned char *done = n ? kh_calloc(n, 1) : NULL;
  if (n && !done) return kh_fail_nomem(p->ctx, "parameters");
  for (size_t k = 0; st == KH_OK && k < n; k++)
    if ((st = kh_tokenize(p->ctx, &p->src, &p->src.lines[cards[k]], tok)) == KH_OK)
      st = pend_names(p, tok, (uint32_t)k);
  size_t left = n, before = n + 1;
  while (st == KH_OK && left && left != before) {
    before = left;
    for (size_t k = 0; st == KH_OK && k < n; k++) {
      if (done[k]) continue;
      st = kh_tokenize(p->ctx, &p->src, &p->src.lines[cards[k]], tok);
      p->param_blocked = 0;
      p->pending_card = (uint32_t)k + 1;
      if (st == KH_OK) st = kh_parse_param_card(p, cards[k], tok, inner, table);
      p->pending_card = 0;
      if (st != KH_OK && p->param_blocked) {
        st = KH_OK; /* reads a name still pending: the next round */
        continue;
      }
      for (size_t q = 0; st == KH_OK && q < p->pending_param_count; q++)
        if (p->pending_params[q].card == k) p->pending_params[q].done = 1;
      done[k] = st == KH_OK, left -= st == KH_OK;
    }
  }
  for (size_t k = 0; st == KH_OK && left && k < n; k++) { /* stuck: its own error, or a circle */
    if (done[k] || (st = kh_tokenize(p->ctx, &p->src, &p->src.lines[cards[k]], tok)) != KH_OK)
      continue;
    p->param_blocked = 0;
    p->pending_card = (uint32_t)k + 1;
    st = kh_parse_param_card(p, cards[k], tok, inner, table);
    p->pending_card = 0;
    if (st == KH_OK || p->param_blocked)
      st = kh_token_fail(p, cards[k], &tok->items[0],
                         "these .param values depend on each other in a circle, through the "
                         "other .param lines (ngspice stops too)");
  }
  p->pending_param_count = 0;
  kh_free(done);
  return st;
}

/* The body's .param lines into table; *cards: how many it has. */
kh_status kh_body_params(kh_parser *p, const kh_subckt *def, kh_scope *inner, kh_param_table *table,
                         size_t *cards) {
  kh_tokens *tok = &p->line_tokens[inner->depth];
  kh_if_state branches = {0};
  uint32_t *lines = NULL;
  size_t cap = 0;
  kh_status st = KH_OK;
  for (uint32_t line = def->first; st == KH_OK && line < def->end;
       line = kh_next_body_line(p, line)) {
    int read;
    st = kh_body_line(p, line, inner, &branches, &read);
    if (st != KH_OK || !read) continue;
    st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st == KH_OK && tok->count && kh_token_eq(&tok->items[0], ".param")) {
      if (kh_reserve((void **)&lines, &cap, *cards + 1, sizeof *lines))
        st = kh_fail_nomem(p->ctx, "parameters");
      else
        lines[(*cards)++] = line;
    }
  }
  if (st == KH_OK) st = kh_params_in_order(p, tok, lines, *cards, inner, table);
  kh_free(lines);
  return st;
}

/* The values an X line gives stand against the subcircuit's own .param lines (ngspice: `x1 a b
 * sub r=7` wins over `.param r=5` inside sub). Those the header declares are known to be used. */
void kh_mark_given(kh_param_table *table, const kh_tokens *tok, size_t params_at,
                   size_t header_count) {
  for (size_t i = params_at; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count)) {
    struct kh_param *e = kh_param_find(table, tok->items[i].s, tok->items[i].len);
    if (e)
      e->given =
          (size_t)(e - table->items) < header_count ? KH_PARAM_GIVEN_DECLARED : KH_PARAM_GIVEN;
  }
}

/* A value for a parameter the subcircuit never declares changes nothing; ngspice ignores it
 * silently, kirchhoff says so, since it is often a misspelt name. */
kh_status kh_note_unused_given(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t params_at,
                               kh_param_table *table, const kh_subckt *def) {
  for (size_t i = params_at; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count)) {
    const kh_token *name = &tok->items[i];
    struct kh_param *e = kh_param_find(table, name->s, name->len);
    if (!e || e->given != KH_PARAM_GIVEN) continue;
    e->given = KH_PARAM_GIVEN_DECLARED; /* one note per instance line */
    kh_status st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, name),
                                  "subcircuit '%s' has no parameter '%.*s'; the value is "
                                  "ignored, as ngspice ignores it",
                                  def->name, (int)name->len, name->s);
    if (st != KH_OK) return st;
  }
  return KH_OK;
}

kh_status kh_instance_models(kh_parser *p, uint32_t def, const kh_scope *inner) {
  kh_tokens *tok = &p->line_tokens[inner->depth];
  for (size_t k = 0; k < p->deferred_count; k++) {
    if (p->deferred_models[k].def != def) continue;
    uint32_t line = p->deferred_models[k].line;
    kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st != KH_OK) return st;
    const kh_token *name = &tok->items[1];
    /* stored as "<instance>.<name>" (x1.dm), held over "<definition>.<name>" (sub.dm) */
    size_t plen = strlen(inner->path), klen = strlen(p->subckts[def].key);
    char *mname = kh_arena_alloc(&p->nl->arena, plen + name->len + 2),
         *key = kh_arena_alloc(&p->nl->arena, klen + name->len + 2);
    if (!mname || !key ||
        kh_reserve((void **)&p->overrides, &p->override_cap, p->override_count + 1,
                   sizeof *p->overrides))
      return kh_fail_nomem(p->ctx, "storing a model");
    snprintf(mname, plen + name->len + 2, "%s.%.*s", inner->path, (int)name->len, name->s);
    snprintf(key, klen + name->len + 2, "%s.%.*s", p->subckts[def].key, (int)name->len, name->s);
    if (kh_strmap_find(&p->nl->model_names, mname, strlen(mname)) != KH_NOT_FOUND ||
        kh_strmap_find(&p->nl->model_names, key, strlen(key)) != KH_NOT_FOUND)
      return kh_token_fail(p, line, name, "model '%.*s' is defined twice", (int)name->len, name->s);
    p->model_scope = inner;
    st = kh_read_model_or_hold(p, line, tok, mname, strlen(mname));
    p->model_scope = NULL;
    if (st != KH_OK) return st;
    p->overrides[p->override_count++] =
        (struct kh_model_override){key, (uint32_t)(p->nl->model_count - 1)};
  }
  return KH_OK;
}

/* Whether the X line `tok` gives parameter `name` a value (from params_at on). */
static int given_on_line(const kh_tokens *tok, size_t params_at, const kh_token *name) {
  for (size_t i = params_at; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count))
    if (tok->items[i].len == name->len && !memcmp(tok->items[i].s, name->s, name->len)) return 1;
  return 0;
}

/* The header's parameters (head from def_params_at on) and the X line's values (tok from
 * params_at on) into table, *header_count the header's. As ngspice scopes them (measured): the
 * X line's values in the caller's scope (its parameters, its callers', the globals); a default
 * in the instance's own, so that `m2={j*3}` after `j=2` reads this instance's j, the X line's
 * value where it gives one, and otherwise the caller's scope. */
kh_status kh_header_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t params_at,
                           uint32_t def_line, const kh_tokens *head, size_t def_params_at,
                           const kh_scope *outer, kh_param_table *table, size_t *header_count) {
  kh_scope own = {.path = outer->path, .params = table, .outer = outer};
  kh_status st =
      kh_parse_instance_assignments(p, def_line, head, def_params_at, head->count, &own, table, 1);
  if (st != KH_OK) return st;
  *header_count = table->count;
  st = kh_parse_instance_assignments(p, line, tok, params_at, tok->count, outer, table, 0);
  /* the defaults again, now that the line's values stand: those not given read them */
  for (size_t i = def_params_at, end; st == KH_OK && i + 2 < head->count; i = end) {
    end = kh_assignment_end(head, i + 2, head->count);
    if (params_at < tok->count && !given_on_line(tok, params_at, &head->items[i]))
      st = kh_parse_instance_assignments(p, def_line, head, i, end, &own, table, 1);
  }
  return st;
}
