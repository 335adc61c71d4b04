/* A subcircuit instance's parameters and models, as ngspice scopes and orders them: the header's
 * defaults and the X line's values, the body's .param lines in the order of their dependencies
 * (also the top level's that wait for later ones), and the models whose values are expressions
 * of them, read per instance. */
#include "parser.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

/* The names that tokens [from, ...) assign as item `card` of a round, pending (p->pending):
 * a .param line's from 1 on, a header default's one. */
static kh_status pend_names(kh_parser *p, const kh_tokens *tok, size_t from, int one,
                            uint32_t card) {
  for (size_t i = from; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count)) {
    const kh_token *name = &tok->items[i];
    const char *copy = kh_arena_strndup(&p->nl->arena, name->s, name->len);
    if (!copy || kh_reserve((void **)&p->pending_params, &p->pending_param_cap,
                            p->pending_param_count + 1, sizeof *p->pending_params))
      return kh_fail_nomem(p->ctx, "parameters");
    p->pending_params[p->pending_param_count++] =
        (struct kh_pending_param){copy, name->len, card, 0};
    if (one) break;
  }
  return KH_OK;
}

/* Item k of a round: .param line cards[k] (k < n), else header default k - n of held. */
static kh_status read_item(kh_parser *p, kh_tokens *tok, const uint32_t *cards, size_t n,
                           const kh_held_defaults *held, size_t k, const kh_scope *inner,
                           kh_param_table *table) {
  p->param_blocked = 0;
  p->pending_card = (uint32_t)k + 1;
  kh_status st;
  if (k < n) {
    st = kh_tokenize(p->ctx, &p->src, &p->src.lines[cards[k]], tok);
    if (st == KH_OK) st = kh_parse_param_card(p, cards[k], tok, inner, table);
  } else {
    size_t at = held->at[k - n];
    st = kh_parse_instance_assignments(p, held->line, held->head, at,
                                       kh_assignment_end(held->head, at + 2, held->head->count),
                                       inner, table, 1);
  }
  p->pending_card = 0;
  return st;
}

/* Rounds over the items left (the .param lines, then the header defaults held back), each
 * evaluated once nothing it reads is still pending; a round without progress is a circle, or an
 * item's own error. */
kh_status kh_params_in_order(kh_parser *p, kh_tokens *tok, const uint32_t *cards, size_t n,
                             const kh_held_defaults *held, const kh_scope *inner,
                             kh_param_table *table) {
  kh_status st = KH_OK;
  size_t items = n + (held ? held->count : 0);
  unsigned char *done = items ? kh_calloc(items, 1) : NULL;
  if (items && !done) return kh_fail_nomem(p->ctx, "parameters");
  for (size_t k = 0; st == KH_OK && k < items; k++)
    if (k >= n)
      st = pend_names(p, held->head, held->at[k - n], 1, (uint32_t)k);
    else if ((st = kh_tokenize(p->ctx, &p->src, &p->src.lines[cards[k]], tok)) == KH_OK)
      st = pend_names(p, tok, 1, 0, (uint32_t)k);
  size_t left = items, before = items + 1;
  while (st == KH_OK && left && left != before) {
    before = left;
    for (size_t k = 0; st == KH_OK && k < items; k++) {
      if (done[k]) continue;
      st = read_item(p, tok, cards, n, held, k, inner, table);
      if (st != KH_OK && p->param_blocked) {
        st = KH_OK; /* reads a name still pending: the next round */
        continue;
      }
      for (size_t q = 0; st == KH_OK && q < p->pending_param_count; q++)
        if (p->pending_params[q].card == k) p->pending_params[q].done = 1;
      done[k] = st == KH_OK, left -= st == KH_OK;
    }
  }
  for (size_t k = 0; st == KH_OK && left && k < items; k++) { /* stuck: its own error, a circle */
    if (done[k]) continue;
    st = read_item(p, tok, cards, n, held, k, inner, table);
    if (st != KH_OK && !p->param_blocked) continue;
    st = k < n ? kh_token_fail(p, cards[k], &tok->items[0],
                               "these .param values depend on each other in a circle, through "
                               "the other .param lines (ngspice stops too)")
               : kh_token_fail(p, held->line, &held->head->items[held->at[k - n]],
                               "this default and the subcircuit's .param lines depend on each "
                               "other in a circle (ngspice stops too)");
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
    /* lines are stored lower case from their first word: only .param lines need their tokens */
    if (st != KH_OK || !read || strncmp(kh_line_text(&p->src, &p->src.lines[line]), ".param", 6))
      continue;
    st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st == KH_OK && tok->count && kh_param_card_kind(p, line, &tok->items[0]) == KH_PARAM_CARD) {
      if (kh_reserve((void **)&lines, &cap, *cards + 1, sizeof *lines))
        st = kh_fail_nomem(p->ctx, "parameters");
      else
        lines[(*cards)++] = line;
    }
  }
  if (st == KH_OK) st = kh_params_in_order(p, tok, lines, *cards, &p->held_defaults, inner, table);
  p->held_defaults.count = 0;
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

/* Deferred model k, read for this instance with its parameters: stored as "<instance>.<name>"
 * (x1.dm), held over "<definition>.<name>" (sub.dm). */
static kh_status instance_model(kh_parser *p, size_t k, const kh_scope *inner, kh_tokens *tok) {
  uint32_t def = p->deferred_models[k].def, line = p->deferred_models[k].line;
  kh_status st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
  if (st != KH_OK) return st;
  const kh_token *name = &tok->items[1];
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
  return KH_OK;
}

/* The deferred models of def, read for this instance: all but the bins its MOSFETs cannot
 * choose (bin_choice.c). */
kh_status kh_instance_models(kh_parser *p, uint32_t def, const kh_scope *inner) {
  kh_tokens *tok = &p->line_tokens[inner->depth];
  unsigned char *read = p->deferred_count ? kh_malloc(p->deferred_count) : NULL;
  if (p->deferred_count && !read) return kh_fail_nomem(p->ctx, "reading models");
  if (read) memset(read, 1, p->deferred_count);
  kh_status st = kh_choose_bins(p, def, inner, read);
  for (size_t k = 0; st == KH_OK && k < p->deferred_count; k++)
    if (p->deferred_models[k].def == def && read[k]) st = instance_model(p, k, inner, tok);
  kh_free(read);
  return st;
}

/* Whether the X line `tok` gives parameter `name` a value (from params_at on). */
static int given_on_line(const kh_tokens *tok, size_t params_at, const kh_token *name) {
  for (size_t i = params_at; i + 2 < tok->count; i = kh_assignment_end(tok, i + 2, tok->count))
    if (tok->items[i].len == name->len && !memcmp(tok->items[i].s, name->s, name->len)) return 1;
  return 0;
}

/* Whether header default i is held back for kh_body_params. */
static int held_back(const kh_held_defaults *held, size_t i) {
  for (size_t k = 0; k < held->count; k++)
    if (held->at[k] == i) return 1;
  return 0;
}

/* Whether a header default is written bare (a number or a name): X-line values read those; one
 * in braces or quotes they do not see (measured: `.subckt sub d wf={w*2}` and `x1 d sub
 * ad='wf*10'` read the caller's wf, or stop ngspice 39 without one; `wf=2k` is read). */
static int bare_default(const kh_tokens *head, size_t at, size_t end) {
  char c = head->items[at + 2].s[0];
  return end == at + 3 && c != '{' && c != '\'';
}

/* The header's bare defaults the X line does not replace, into visible. */
static kh_status visible_defaults(kh_parser *p, const kh_tokens *tok, size_t params_at,
                                  const kh_tokens *head, size_t def_params_at,
                                  const kh_param_table *table, kh_param_table *visible) {
  for (size_t i = def_params_at, end; i + 2 < head->count; i = end) {
    end = kh_assignment_end(head, i + 2, head->count);
    const kh_token *name = &head->items[i];
    const struct kh_param *e = kh_param_find(table, name->s, name->len);
    if (!e || !bare_default(head, i, end) || given_on_line(tok, params_at, name) ||
        held_back(&p->held_defaults, i))
      continue;
    if (kh_param_set(&p->nl->arena, visible, name->s, name->len, e->value))
      return kh_fail_nomem(p->ctx, "parameters");
    struct kh_param *set = kh_param_find(visible, name->s, name->len);
    set->drawn = e->drawn, set->temper = e->temper;
  }
  return KH_OK;
}

/* One X-line value (tokens [at, end)) into given, in scope own; its own name reads outer. */
static kh_status line_value(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t at,
                            size_t end, uint32_t card, const kh_scope *own, const kh_scope *outer,
                            kh_param_table *given) {
  p->param_blocked = 0;
  p->pending_card = card + 1;
  p->self_name = tok->items[at].s, p->self_len = tok->items[at].len, p->self_outer = outer;
  kh_status st = kh_parse_instance_assignments(p, line, tok, at, end, own, given, 0);
  p->pending_card = 0, p->self_name = NULL, p->self_outer = NULL;
  return st;
}

/* The X line's values (tok from params_at on) into table, as ngspice 39 evaluates them
 * (measured, in a caller with w=9, nf=5, of `.subckt sub d w=1 nf=1 ad=0`): a name the line
 * gives reads the line's value, in the order of their dependencies (`ad='w*10+nf' w=3 nf=2` is
 * 32); a name the header gives a bare default reads it (`ad='w*10'` is 10, `ad='nf+w'` 6); a
 * value's own name and every other name read the caller's scope (`w=w ad='w*10'` is 90,
 * `w='w+1' ad='w*10'` 100). Until 2026-12-06 kirchhoff read them all in the caller's scope:
 * 90, 14, and 90 where ngspice gives 10, 6 and 100, and refused xschem's sky130 lines
 * (`nf=2 ad='int((nf+1)/2) * W/nf * 0.29'`). */
static kh_status line_values(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t params_at,
                             const kh_tokens *head, size_t def_params_at, const kh_scope *outer,
                             kh_param_table *table) {
  kh_param_table visible = {0}, given = {0};
  kh_scope vis = {.path = outer->path, .params = &visible, .outer = outer};
  kh_scope own = {.path = outer->path, .params = &given, .outer = &vis};
  size_t base = p->pending_param_count, n = 0;
  kh_status st = visible_defaults(p, tok, params_at, head, def_params_at, table, &visible);
  for (size_t i = params_at; st == KH_OK && i + 2 < tok->count;
       i = kh_assignment_end(tok, i + 2, tok->count), n++) {
    const kh_token *name = &tok->items[i];
    if (kh_reserve((void **)&p->pending_params, &p->pending_param_cap, p->pending_param_count + 1,
                   sizeof *p->pending_params))
      st = kh_fail_nomem(p->ctx, "parameters");
    else /* cards past the pending lines', so that they never meet */
      p->pending_params[p->pending_param_count++] =
          (struct kh_pending_param){name->s, name->len, (uint32_t)(base + n), 0};
  }
  size_t left = n, before = n + 1;
  while (st == KH_OK && left && left != before) { /* rounds, as kh_params_in_order's */
    before = left;
    for (size_t k = 0, i = params_at; st == KH_OK && k < n;
         k++, i = kh_assignment_end(tok, i + 2, tok->count)) {
      struct kh_pending_param *e = &p->pending_params[base + k];
      if (e->done) continue;
      st = line_value(p, line, tok, i, kh_assignment_end(tok, i + 2, tok->count),
                      (uint32_t)(base + k), &own, outer, &given);
      if (st != KH_OK && p->param_blocked)
        st = KH_OK; /* the next round */
      else if (st == KH_OK)
        e->done = 1, left--;
    }
  }
  if (st == KH_OK && left)
    st = kh_token_fail(p, line, &tok->items[params_at],
                       "these values read each other in a circle (ngspice stops too)");
  for (size_t k = 0; st == KH_OK && k < given.count; k++) {
    const struct kh_param *g = &given.items[k];
    if (kh_param_set(&p->nl->arena, table, g->name, strlen(g->name), g->value))
      st = kh_fail_nomem(p->ctx, "parameters");
    else
      kh_param_find(table, g->name, strlen(g->name))->drawn = g->drawn; /* temper: refused */
  }
  p->pending_param_count = base;
  kh_param_release(&visible);
  kh_param_release(&given);
  return st;
}

/* Header default [i, end) of head read into table in scope own, or, where it reads a name the
 * body's .param lines assign (pending) or one not known yet (a default declared after it), held
 * back for kh_body_params with a placeholder of 0 (the header's parameters stay declared first
 * in table); one the X line replaces is just dropped then. */
static kh_status read_default(kh_parser *p, const kh_tokens *tok, size_t params_at,
                              const kh_tokens *head, size_t i, size_t end, const kh_scope *own,
                              kh_param_table *table) {
  kh_held_defaults *held = &p->held_defaults;
  int unknown = p->param_unknown;
  p->param_unknown = 0, p->param_blocked = 0;
  kh_status st = kh_parse_instance_assignments(p, held->line, head, i, end, own, table, 1);
  int hold = st == KH_ERR_INPUT && (p->param_unknown || p->param_blocked);
  p->param_unknown |= unknown;
  if (!hold) return st;
  p->ctx->status = KH_OK, p->ctx->message[0] = '\0';
  const kh_token *name = &head->items[i];
  if (!kh_param_find(table, name->s, name->len) &&
      kh_param_set(&p->nl->arena, table, name->s, name->len, 0))
    return kh_fail_nomem(p->ctx, "parameters");
  if (given_on_line(tok, params_at, name)) return KH_OK;
  if (kh_reserve((void **)&held->at, &held->cap, held->count + 1, sizeof *held->at))
    return kh_fail_nomem(p->ctx, "parameters");
  held->at[held->count++] = i;
  return KH_OK;
}

/* The names def's body .param lines assign (in every .if branch), pending while the header's
 * defaults are read: a default that reads one reads the body's value, as in ngspice (measured:
 * `.subckt s a b r=rr` with `.param rr=2k` inside takes 2k over a global rr), so it waits for
 * the body's lines (read_default). */
static kh_status pend_body_names(kh_parser *p, const kh_subckt *def, kh_tokens *tok) {
  kh_status st = KH_OK;
  for (uint32_t line = def->first; st == KH_OK && line < def->end;
       line = kh_next_body_line(p, line)) {
    if (strncmp(kh_line_text(&p->src, &p->src.lines[line]), ".param", 6)) continue;
    st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st == KH_OK && tok->count && kh_param_card_kind(p, line, &tok->items[0]) == KH_PARAM_CARD)
      st = pend_names(p, tok, 1, 0, UINT32_MAX - 1);
  }
  return st;
}

/* The header's parameters (head from def_params_at on) and the X line's values (tok from
 * params_at on) into table, *header_count the header's. As ngspice scopes them (measured): the
 * X line's values as line_values reads them; a default in the instance's own, so that
 * `m2={j*3}` after `j=2` reads this instance's j, the X line's value where it gives one, and
 * otherwise the caller's scope. */
kh_status kh_header_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t params_at,
                           const kh_subckt *def, const kh_tokens *head, size_t def_params_at,
                           const kh_scope *outer, kh_param_table *table, size_t *header_count) {
  kh_scope own = {.path = outer->path, .params = table, .outer = outer};
  kh_tokens *scratch = &p->line_tokens[outer->depth + 1]; /* the body's, not read yet */
  size_t base = p->pending_param_count;
  p->held_defaults.head = head, p->held_defaults.line = def->line, p->held_defaults.count = 0;
  int defaults = def_params_at + 2 < head->count; /* else no body line to scan (PDK cells) */
  kh_status st = defaults ? pend_body_names(p, def, scratch) : KH_OK;
  for (size_t i = def_params_at, end; st == KH_OK && i + 2 < head->count; i = end) {
    end = kh_assignment_end(head, i + 2, head->count);
    const kh_token *name = &head->items[i];
    /* where the X line gives values, a default it replaces is not read (`l=length`, as PDK cards
     * write them, which ngspice reads), and one that cannot be read yet (it reads a replaced
     * one) is read once the line's values stand, below, where its errors are told */
    double v = 0;
    int quiet = end == i + 3 && params_at < tok->count
                    ? kh_eval_quiet(p, def->line, &head->items[i + 2], &own, &v)
                    : 0;
    if (quiet < 0 ||
        (end == i + 3 && params_at < tok->count && given_on_line(tok, params_at, name))) {
      if (kh_param_set(&p->nl->arena, table, name->s, name->len, quiet < 0 ? 0 : v))
        st = kh_fail_nomem(p->ctx, "parameters");
    } else {
      st = read_default(p, tok, params_at, head, i, end, &own, table);
    }
  }
  p->pending_param_count = base; /* the X line's values do not see the body */
  if (st != KH_OK) return st;
  *header_count = table->count;
  st = line_values(p, line, tok, params_at, head, def_params_at, outer, table);
  /* the defaults again, now that the line's values stand: those not given read them (and are
   * held back again where they still cannot) */
  if (params_at < tok->count) {
    p->held_defaults.count = 0;
    if (st == KH_OK && defaults) st = pend_body_names(p, def, scratch);
  }
  for (size_t i = def_params_at, end; st == KH_OK && i + 2 < head->count; i = end) {
    end = kh_assignment_end(head, i + 2, head->count);
    if (params_at < tok->count && !given_on_line(tok, params_at, &head->items[i]))
      st = read_default(p, tok, params_at, head, i, end, &own, table);
  }
  p->pending_param_count = base;
  return st;
}
