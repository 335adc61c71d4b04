/* .model cards (stage 1, and per subcircuit instance where their values are expressions of its
 * parameters): each device family's words checked and stored under one name per parameter. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <string.h>

/* key = prefix "." name (or name when prefix is NULL), in the arena */
const char *kh_scoped_key(kh_parser *p, const char *prefix, const char *name, size_t len) {
  size_t plen = prefix ? strlen(prefix) + 1 : 0;
  char *key = kh_arena_alloc(&p->nl->arena, plen + len + 1);
  if (!key) return NULL;
  if (prefix) memcpy(key, prefix, plen - 1), key[plen - 1] = '.';
  memcpy(key + plen, name, len);
  key[plen + len] = '\0';
  return key;
}

/* The device models whose words are checked (every one ngspice knows, or refused) and stored
 * under one name per parameter (aliases folded). */
typedef struct {
  const char *types[2];
  kh_status (*check)(kh_parser *, uint32_t, const kh_tokens *, size_t, size_t);
  const char *(*canonical)(const char *);
} model_family;

static const model_family *family_of(const kh_token *type) {
  static const model_family families[] = {
      {{"d", NULL}, kh_check_diode_model, kh_diode_param_canonical},
      {{"njf", "pjf"}, kh_check_jfet_model, kh_jfet_param_canonical},
      {{"nmf", "pmf"}, kh_check_mesfet_model, kh_mesfet_param_canonical},
      {{"nmos", "pmos"}, kh_check_mos_model, kh_mos_param_canonical},
      {{"npn", "pnp"}, kh_check_bjt_model, kh_bjt_param_canonical},
      {{"sw", "csw"}, kh_check_switch_model, kh_switch_param_canonical},
      {{"r", "res"}, kh_check_resistor_model, kh_resistor_param_canonical},
      {{"c", NULL}, kh_check_capacitor_model, kh_capacitor_param_canonical},
      {{"l", NULL}, kh_check_inductor_model, NULL}, /* no aliases */
      {{"gain", NULL}, kh_check_gain_model, kh_gain_param_canonical}};
  for (size_t k = 0; k < sizeof families / sizeof *families; k++)
    for (size_t j = 0; j < 2 && families[k].types[j]; j++)
      if (kh_token_eq(type, families[k].types[j])) return &families[k];
  return NULL;
}

/* Stores a model whose parameters are already read (params in the arena). */
static kh_status add_model(kh_parser *p, uint32_t line, const kh_tokens *tok, const char *mname,
                           size_t mlen, kh_model_param *params, size_t count) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  uint32_t id;
  if (kh_reserve((void **)&nl->models, &nl->model_cap, nl->model_count + 1, sizeof *nl->models) ||
      kh_strmap_intern(&nl->model_names, mname, mlen, &id, NULL))
    return kh_fail_nomem(p->ctx, "storing a model");
  kh_model *m = &nl->models[nl->model_count++];
  *m = (kh_model){kh_strmap_name(&nl->model_names, id),
                  kh_arena_strndup(&nl->arena, t[2].s, t[2].len),
                  params,
                  count,
                  kh_token_loc(p, line, &t[1]),
                  NULL};
  return m->type ? KH_OK : kh_fail_nomem(p->ctx, "storing a model");
}

/* A model whose words its own reader takes (params and count out): an XSPICE pwl model's arrays
 * kept in order, limit's boolean, summer's and mult's arrays, divide's and climit's words
 * (xspice.c), a VDMOS's polarity flags and LTspice's part data (vdmos.c). */
typedef kh_status (*model_reader)(kh_parser *, uint32_t, const kh_tokens *, size_t, size_t,
                                  kh_model_param **, size_t *);
static kh_status read_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            size_t end, const char *mname, size_t mlen, model_reader reader) {
  kh_model_param *params;
  size_t count;
  kh_status st = reader(p, line, tok, from, end, &params, &count);
  return st == KH_OK ? add_model(p, line, tok, mname, mlen, params, count) : st;
}

/* Whether a .model card's values hold an expression ({...} or '...') or a bare name, which
 * ngspice 39 reads as a parameter too (gf180mcu's MIM cards: `cap=c_c0` in a subcircuit). */
static int has_expression(const kh_tokens *tok) {
  const kh_token *t = tok->items;
  for (size_t i = 3; i < tok->count; i++) {
    char first = t[i].len ? t[i].s[0] : '\0';
    if (memchr(t[i].s, '{', t[i].len) || memchr(t[i].s, '\'', t[i].len) ||
        (kh_token_eq(&t[i - 1], "=") && ((first >= 'a' && first <= 'z') || first == '_')))
      return 1;
  }
  return 0;
}

kh_status kh_model_card(kh_parser *p, uint32_t line, const kh_tokens *tok) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  if (tok->count < 3) return kh_token_fail(p, line, &t[0], ".model needs a name and a type");
  /* inside a .subckt body with expressions: each instance reads it with its own parameters
   * (a subcircuit's parameter may shadow a global one of the same name) */
  if (p->inside && has_expression(tok)) {
    if (kh_reserve((void **)&p->deferred_models, &p->deferred_cap, p->deferred_count + 1,
                   sizeof *p->deferred_models))
      return kh_fail_nomem(p->ctx, "storing a model");
    struct kh_deferred_model *d = &p->deferred_models[p->deferred_count++];
    *d = (struct kh_deferred_model){line, p->open[p->inside - 1], NULL, 0, {0, 0, 0, 0}};
    return kh_bin_facts(p, tok, d);
  }
  /* a model inside a .subckt body is that definition's own: "sub.name" */
  const char *key =
      p->inside ? kh_scoped_key(p, p->subckts[p->open[p->inside - 1]].key, t[1].s, (size_t)t[1].len)
                : NULL;
  if (p->inside && !key) return kh_fail_nomem(p->ctx, "storing a model");
  const char *mname = key ? key : t[1].s;
  size_t mlen = key ? strlen(key) : t[1].len;
  /* ngspice 39 uses the first of two definitions (measured: the second's type or values never
   * matter). While the cards are scanned the one found came first; a card read after the scan
   * (it reads a parameter defined further down) may have come before it, so it is refused. */
  if (kh_strmap_find(&nl->model_names, mname, mlen) != KH_NOT_FOUND && p->reading_late_models)
    return kh_token_fail(p, line, &t[1],
                         "model '%.*s' is defined twice, and this card reads a parameter "
                         "defined further down, so it is read after the other: which one comes "
                         "first (ngspice uses it) is not kept",
                         (int)t[1].len, t[1].s);
  if (kh_strmap_find(&nl->model_names, mname, mlen) != KH_NOT_FOUND)
    return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[1]),
                          "model '%.*s' defined again: ignored, as ngspice uses the first one",
                          (int)t[1].len, t[1].s);
  return kh_read_model_or_hold(p, line, tok, mname, mlen);
}

/* ngspice 39 reads a .model card only when an element uses it: an unused card may name a level
 * or a parameter it does not know, or not parse at all, and the deck runs (measured). So a card
 * kirchhoff refuses is held as a model of that name and type without parameters that carries
 * the refusal, raised where an element uses it (kh_model_refused); a deck where none does runs,
 * with a note. Vendor libraries and PDK files hold many models a circuit never uses. */
kh_status kh_note_held_models(kh_parser *p) {
  if (p->held_models <= KH_HELD_MODEL_NOTES) return KH_OK;
  return kh_source_note(p->ctx, &p->src, p->first_unnoted,
                        "%zu more model cards set aside unread from here on, as the ones "
                        "above: ngspice 39 reads a model only where an element uses it",
                        p->held_models - KH_HELD_MODEL_NOTES);
}

kh_status kh_read_model_or_hold(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                const char *mname, size_t mlen) {
  kh_status st = kh_read_model_card(p, line, tok, mname, mlen);
  if (st != KH_ERR_INPUT) return st;
  if (p->param_unknown && !p->inside && !p->reading_late_models)
    return st; /* it reads a parameter defined further down: read again after the scan */
  kh_netlist *nl = p->nl;
  const char *why = kh_arena_strdup(&nl->arena, p->ctx->message);
  if (!why) return kh_fail_nomem(p->ctx, "storing a model");
  p->ctx->status = KH_OK, p->ctx->message[0] = '\0';
  st = add_model(p, line, tok, mname, mlen, NULL, 0);
  if (st != KH_OK) return st;
  nl->models[nl->model_count - 1].refusal = why;
  const kh_token *t = tok->items;
  if (++p->held_models > KH_HELD_MODEL_NOTES) {
    if (p->held_models == KH_HELD_MODEL_NOTES + 1) p->first_unnoted = kh_token_loc(p, line, &t[1]);
    return KH_OK;
  }
  return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[1]),
                        "model '%.*s' set aside, unread (%s): ngspice 39 reads a model only "
                        "where an element uses it, and an element that uses this one is refused",
                        (int)t[1].len, t[1].s, why);
}

static kh_status read_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const char *mname,
                           size_t mlen);

/* The refusal just failed into the context (kh_token_fail) made model `model`'s, raised where an
 * element uses it, and the context cleared; the refusal's text, or NULL out of memory. */
static const char *refuse_stored(kh_parser *p, size_t model) {
  const char *why = kh_arena_strdup(&p->nl->arena, p->ctx->message);
  if (!why) return NULL;
  p->ctx->status = KH_OK, p->ctx->message[0] = '\0';
  p->nl->models[model].refusal = why;
  return why;
}

/* A card's value that reads temper is rounded to %g, as ngspice 39 alters it (values.c). In a
 * .dc TEMP sweep's point (p->temp_fixed) such a card is refused: ngspice 39 keeps its value at
 * the deck's own temperature through the sweep (measured: a diode's rs={temper/7} stays 27/7 at
 * every point of `dc temp 10 100 10`, while an instance's area reading temper follows the sweep,
 * and so does its .op at each .temp), so a point read again at its temperature would differ. */
kh_status kh_read_model_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const char *mname,
                             size_t mlen) {
  int printed = p->temper_printed, device = p->device_values;
  size_t temper_reads = p->temper_reads;
  p->temper_printed = p->device_values = 1;
  kh_status st = read_card(p, line, tok, mname, mlen);
  p->temper_printed = printed, p->device_values = device;
  if (st != KH_OK || !p->temp_fixed || p->temper_reads == temper_reads) return st;
  /* stored, and refused where an element uses it (as a card set aside is) */
  kh_token_fail(p, line, &tok->items[1],
                "model '%.*s' reads temper, and this deck sweeps TEMP: ngspice 39 keeps such a "
                "model value at the deck's own temperature through its .dc TEMP sweep, where "
                "kirchhoff would read it at each point; run op at each .temp instead",
                (int)tok->items[1].len, tok->items[1].s);
  return refuse_stored(p, p->nl->model_count - 1) ? KH_OK
                                                  : kh_fail_nomem(p->ctx, "storing a model");
}

static kh_status read_words(kh_parser *p, uint32_t line, const kh_tokens *tok, const char *mname,
                            size_t mlen);

/* Whether the value at s, scanned as ngspice's front end makes an expression of it (to the next
 * blank outside parentheses, inp_fix_param_values), closes each of its parentheses and no more. */
static int balanced_value(const char *s) {
  int depth = 0;
  for (; *s && (depth > 0 || (*s != ' ' && *s != '\t')); s++) {
    depth += *s == '(' ? 1 : *s == ')' ? -1 : 0;
    if (depth < 0) return 0;
  }
  return depth == 0;
}

/* Marks in keep[] the parentheses of a value written without braces after a `=` whose '(' comes
 * right after the `=` and does not close as ngspice reads it (`d(n=(1.5))`: its expression takes
 * the card's `)` too, where ngspice stops; `n=(1.5) is=...` it reads), each through its ')'. They
 * stay for the value's reader to refuse; the others are blanks. */
static void keep_calls(const kh_tokens *tok, unsigned char *keep) {
  const kh_token *t = tok->items;
  for (size_t i = 4; i < tok->count; i++) {
    if (!(t[i].len == 1 && t[i].s[0] == '(') ||
        !(kh_token_eq(&t[i - 1], "=") && !balanced_value(t[i].s)))
      continue;
    int depth = 0;
    for (size_t k = i; k < tok->count; k++) {
      depth += kh_token_parenthesis(&t[k]) ? (t[k].s[0] == '(' ? 1 : -1) : 0;
      keep[k] = kh_token_parenthesis(&t[k]);
      if (depth == 0) {
        i = k;
        break;
      }
    }
  }
}

/* The last token of a value after a `=` that starts with a call (`is=max(1e-14, 1e-15)*2`,
 * `vth0=agauss(0.6, 0.1, 3)`): ngspice 39's front end puts such a value in braces, from its name
 * to the first blank outside parentheses (inpcom.c's inp_fix_param_values), and numparam reads
 * it; i where the token at i starts no such value (or its parentheses never close), SIZE_MAX
 * where a ')' the value does not open is glued after it. */
static size_t call_value_end(const kh_tokens *tok, size_t i) {
  const kh_token *t = tok->items;
  if (i < 4 || i + 1 >= tok->count || !kh_token_eq(&t[i - 1], "=") || !kh_token_name(&t[i]) ||
      !kh_token_eq(&t[i + 1], "(") || t[i].off + t[i].len != t[i + 1].off)
    return i;
  int depth = 0;
  for (size_t k = i + 1; k < tok->count; k++) {
    depth += kh_token_parenthesis(&t[k]) ? (t[k].s[0] == '(' ? 1 : -1) : 0;
    if (depth < 0) return SIZE_MAX; /* a ')' glued on: ngspice's numparam stops at it */
    if (depth == 0 && (k + 1 == tok->count || t[k + 1].off != t[k].off + t[k].len)) return k;
  }
  return i;
}

/* The card's words after its type, without parentheses: ngspice 39 reads a model's words with a
 * tokenizer that takes '(' and ')' for blanks (INPgetTok), so the parameters stand in
 * parentheses or without, a ')' that closes nothing (`+ )` on a card that opened none, as
 * ngspice's x_fer example writes it) or one that never comes changes nothing (measured). */
/* The ')' glued after a value that starts with a name (`is=pa)`, `is=pa*1)`): ngspice 39's front
 * end braces such a value (not true or false) from its start to the next blank, a ')' that
 * closes nothing included (inpcom.c's inp_fix_param_values), and numparam stops at it (measured:
 * "Syntax error: letter [)]", a fatal error; `is=pa )` it reads). That ')''s token index, or 0. */
static size_t braced_past_close(const kh_tokens *tok) {
  const kh_token *t = tok->items;
  for (size_t i = 4; i < tok->count; i++) {
    if (!kh_token_eq(&t[i - 1], "=") || !kh_token_name(&t[i]) ||
        (t[i].len >= 4 && !strncmp(t[i].s, "true", 4)) ||
        (t[i].len >= 5 && !strncmp(t[i].s, "false", 5)))
      continue;
    int depth = 0;
    for (size_t k = i + 1; k < tok->count && t[k].off == t[k - 1].off + t[k - 1].len; k++)
      if (kh_token_parenthesis(&t[k]) && (depth += t[k].s[0] == '(' ? 1 : -1) < 0) return k;
  }
  return 0;
}

static kh_status read_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const char *mname,
                           size_t mlen) {
  size_t parentheses = 0;
  for (size_t i = 3; i < tok->count; i++) parentheses += kh_token_parenthesis(&tok->items[i]);
  if (!parentheses) return read_words(p, line, tok, mname, mlen);
  kh_tokens words = {0};
  unsigned char *keep = kh_calloc(tok->count, 1);
  if (!keep ||
      kh_reserve((void **)&words.items, &words.capacity, tok->count, sizeof *words.items)) {
    kh_free(keep);
    return kh_fail_nomem(p->ctx, "reading a model");
  }
  keep_calls(tok, keep);
  for (size_t i = 0; i < tok->count; i++) {
    const kh_token *t = &tok->items[i];
    size_t last = call_value_end(tok, i);
    if (last == SIZE_MAX) {
      kh_free(keep), kh_tokens_release(&words);
      return kh_token_fail(p, line, t,
                           "a ')' that the value does not open glued after it, which ngspice "
                           "39 reads into the value and stops at (\"Syntax error\"): put a "
                           "blank before the card's ')'");
    }
    if (last > i) { /* the value whole: one expression, as ngspice braces it */
      const kh_token *end = &tok->items[last];
      words.items[words.count++] = (kh_token){t->s, end->off + end->len - t->off, t->off};
      i = last;
    } else if (i < 3 || keep[i] || !kh_token_parenthesis(t)) {
      words.items[words.count++] = *t;
    }
  }
  size_t models = p->nl->model_count;
  kh_status st = read_words(p, line, &words, mname, mlen);
  kh_tokens_release(&words);
  kh_free(keep);
  size_t glued = st == KH_OK && p->nl->model_count == models + 1 ? braced_past_close(tok) : 0;
  if (!glued) return st;
  /* stored, and refused where an element uses it (as a card set aside is); after its words, whose
   * own refusals (LTspice's part data) say more */
  kh_token_fail(p, line, &tok->items[glued],
                "a ')' glued after a value that starts with a name, which ngspice 39's front end "
                "braces to the next blank, ')' included, and stops at (\"Syntax error\"): put a "
                "blank before the card's ')'");
  const char *why = refuse_stored(p, models);
  if (!why) return kh_fail_nomem(p->ctx, "storing a model");
  return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &tok->items[1]),
                        "model '%.*s' set aside (%s): an element that uses it is refused",
                        (int)tok->items[1].len, tok->items[1].s, why);
}

static kh_status read_words(kh_parser *p, uint32_t line, const kh_tokens *tok, const char *mname,
                            size_t mlen) {
  kh_netlist *nl = p->nl;
  const kh_token *t = tok->items;
  size_t end = tok->count, from = 3;
  static const char *const cider[] = {"numd", "numd2", "nbjt", "nbjt2", "numos"};
  for (size_t k = 0; k < sizeof cider / sizeof *cider; k++)
    if (kh_token_eq(&t[2], cider[k]))
      return kh_token_fail(p, line, &t[2],
                           "model type '%s' is a CIDER numerical device (ngspice solves its "
                           "semiconductor equations on the card's mesh), which kirchhoff does "
                           "not implement",
                           cider[k]);
  const model_family *family = family_of(&t[2]);
  kh_status st = family ? family->check(p, line, tok, from, end) : KH_OK;
  if (st != KH_OK) return st;
  if (kh_code_model_type(&t[2])) /* XSPICE pwl, limit, summer, mult, divide, climit */
    return read_model(p, line, tok, from, end, mname, mlen, kh_code_model_params);
  if ((kh_token_eq(&t[2], "nmos") || kh_token_eq(&t[2], "pmos")) && kh_bsim3_card(tok, from, end))
    return read_model(p, line, tok, from, end, mname, mlen, kh_bsim3_model_params);
  if ((kh_token_eq(&t[2], "nmos") || kh_token_eq(&t[2], "pmos")) && kh_bsim4_card(tok, from, end))
    return read_model(p, line, tok, from, end, mname, mlen, kh_bsim4_model_params);
  if ((kh_token_eq(&t[2], "npn") || kh_token_eq(&t[2], "pnp")) && kh_vbic_card(tok, from, end))
    return read_model(p, line, tok, from, end, mname, mlen, kh_vbic_model_params);
  if (kh_token_eq(&t[2], "vdmos"))
    return read_model(p, line, tok, from, end, mname, mlen, kh_vdmos_model_params);
  if (kh_token_eq(&t[2], "ltra"))
    return read_model(p, line, tok, from, end, mname, mlen, kh_ltra_model_params);
  if (kh_token_eq(&t[2], "urc"))
    return read_model(p, line, tok, from, end, mname, mlen, kh_urc_model_params);
  if (!family) /* a type no element of kirchhoff's reads: the element that uses it says so */
    return add_model(p, line, tok, mname, mlen, NULL, 0);
  kh_param_table params = {0};
  st = kh_parse_assignments(p, line, tok, from, end, NULL, &params);
  kh_model_param *stored = kh_arena_alloc(&nl->arena, (params.count + 1) * sizeof *stored);
  if (st == KH_OK && !stored) st = kh_fail_nomem(p->ctx, "storing a model");
  for (size_t i = 0; st == KH_OK && i < params.count; i++)
    stored[i] =
        (kh_model_param){family && family->canonical ? family->canonical(params.items[i].name)
                                                     : params.items[i].name,
                         params.items[i].value};
  if (st == KH_OK) st = add_model(p, line, tok, mname, mlen, stored, params.count);
  kh_param_release(&params);
  return st;
}
