/* Entry points and stage 1: sorting logical lines into directives, subcircuit bodies and
 * top-level elements; global .param, .model and .options are evaluated here. */
#include "device_cards.h"
#include "parser.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#define NO_SWEPT_RESISTOR                                                                          \
  "'%s' is no resistor at the top level whose resistance a .dc sweep can set (one in a "           \
  "subcircuit, or a behavioural one, which reads the circuit)"

static kh_status push_line(kh_parser *p, uint32_t **items, size_t *count, size_t *cap,
                           uint32_t line) {
  if (kh_reserve((void **)items, cap, *count + 1, sizeof **items))
    return kh_fail_nomem(p->ctx, "parsing");
  (*items)[(*count)++] = line;
  return KH_OK;
}

static const char *const skipped_cards[] = {
    ".op",    ".tran",  ".ac",      ".print",   ".plot",  ".probe", ".save",
    ".ic",    ".meas",  ".measure", ".four",    ".noise", ".tf",    ".sens",
    ".width", ".disto", ".pz",      ".csparam", ".title", ".sp",    ".pss"};

/* LTspice's own directives, which its netlists carry (every exported one ends in .backanno):
 * ngspice 39 stops at each (measured: "unimplemented control card" or "bad commands"). */
static const struct {
  const char *name, *what;
} ltspice_cards[] = {{".backanno", "the schematic's back-annotation"},
                     {".step", "a parameter sweep"},
                     {".wave", "a WAV file of node voltages"},
                     {".savebias", "saving an operating point"},
                     {".loadbias", "loading a saved operating point"},
                     {".net", "network parameters"},
                     {".ferret", "a file download"},
                     {".machine", "a state machine"}};

static int is_skipped_card(const kh_token *t) {
  for (size_t i = 0; i < sizeof skipped_cards / sizeof skipped_cards[0]; i++)
    if (kh_token_eq(t, skipped_cards[i])) return 1;
  /* ngspice 39 takes any card that starts with .four as Fourier analysis (ciprefix in inp.c):
   * .fourier, which its own messages name, most of all */
  return t->len > 5 && memcmp(t->s, ".four", 5) == 0;
}

/* Cards read once the circuit is flattened (cards.c), since they name its nodes and elements */
static int is_learning_card(const kh_token *t) {
  return kh_token_eq(t, ".input") || kh_token_eq(t, ".output") || kh_token_eq(t, ".train") ||
         kh_token_eq(t, ".bounds") || kh_token_eq(t, ".scale") || kh_token_eq(t, ".nodeset");
}

static kh_status open_subckt(kh_parser *p, uint32_t line, const kh_tokens *tok, int *inside) {
  const kh_token *t = tok->items;
  if (tok->count < 2) return kh_token_fail(p, line, &t[0], ".subckt needs a name");
  if (*inside > KH_MAX_SUBCKT_DEPTH)
    return kh_token_fail(p, line, &t[0], ".subckt definitions nested deeper than %d",
                         KH_MAX_SUBCKT_DEPTH);
  uint32_t parent = *inside ? p->open[*inside - 1] : KH_NOT_FOUND;
  const char *key =
      kh_scoped_key(p, *inside ? p->subckts[parent].key : NULL, t[1].s, (size_t)t[1].len);
  uint32_t id;
  int added;
  if (!key || kh_strmap_intern(&p->subckt_names, key, strlen(key), &id, &added) ||
      kh_reserve((void **)&p->subckts, &p->subckt_cap, p->subckt_count + 1, sizeof *p->subckts))
    return kh_fail_nomem(p->ctx, "parsing .subckt");
  int ignored = *inside && p->subckts[parent].ignored; /* nested in an ignored one */
  if (!added) { /* ngspice 39 warns and keeps the first: this one is kept under a name no X line
                 * can give, its cards unread */
    kh_status st =
        ignored ? KH_OK
                : kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[1]),
                                 ".subckt '%.*s' defined again: ignored, as ngspice ignores a "
                                 "redefinition (the first one is used)",
                                 (int)t[1].len, t[1].s);
    char unused[64];
    snprintf(unused, sizeof unused, " ignored at line %u", line + 1);
    if (st == KH_OK && (!(key = kh_scoped_key(p, key, unused, strlen(unused))) ||
                        kh_strmap_intern(&p->subckt_names, key, strlen(key), &id, &added)))
      return kh_fail_nomem(p->ctx, "parsing .subckt");
    if (st != KH_OK) return st;
    ignored = 1;
  }
  const char *name = kh_arena_strndup(&p->nl->arena, t[1].s, t[1].len);
  if (!name) return kh_fail_nomem(p->ctx, "parsing .subckt");
  p->subckts[p->subckt_count++] =
      (kh_subckt){name, line, line + 1, line + 1, 0, parent, key, NULL, NULL, 0, ignored, 0};
  p->open[(*inside)++] = id;
  return KH_OK;
}

static kh_status close_subckt(kh_parser *p, uint32_t line, const kh_tokens *tok, int *inside) {
  const kh_token *t = tok->items;
  if (!*inside) return kh_token_fail(p, line, &t[0], ".ends without .subckt");
  kh_subckt *s = &p->subckts[p->open[*inside - 1]];
  /* ngspice 39 closes the innermost open definition whatever name .ends gives (measured, nested
   * definitions included), so a mismatch is only told */
  if (tok->count > 1 && !kh_token_eq(&t[1], s->name)) {
    kh_status st = kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, &t[1]),
                                  ".ends '%.*s' closes .subckt '%s', the innermost one open, as "
                                  "ngspice closes it whatever the name",
                                  (int)t[1].len, t[1].s, s->name);
    if (st != KH_OK) return st;
  }
  s->end = line;
  (*inside)--;
  return KH_OK;
}

/* A .temp or .options card, or (where it reads a parameter defined further down, as ngspice reads
 * every .param first: `.temp {envtemp}` above `.param envtemp=40` in its examples) the same card
 * after the scan, in file order (finish_scan), with what it added before that name undone. */
static kh_status now_or_late(kh_parser *p, uint32_t line, const kh_tokens *tok,
                             kh_status (*card)(kh_parser *, uint32_t, const kh_tokens *)) {
  size_t options = p->nl->option_count;
  p->param_unknown = 0;
  kh_status st = card(p, line, tok);
  if (st == KH_OK || !p->param_unknown || p->inside) return st;
  p->nl->option_count = options;
  return push_line(p, &p->late_directives, &p->late_directive_count, &p->late_directive_cap, line);
}

static kh_status directive(kh_parser *p, uint32_t line, const kh_tokens *tok, int *inside) {
  const kh_token *t = &tok->items[0];
  if (kh_token_eq(t, ".subckt")) return open_subckt(p, line, tok, inside);
  if (kh_token_eq(t, ".ends")) return close_subckt(p, line, tok, inside);
  if (*inside && p->subckts[p->open[*inside - 1]].ignored) return KH_OK;
  kh_param_kind param = kh_param_card_kind(p, line, t);
  if (param == KH_PARAM_IGNORED)
    return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, t),
                          "%.*s without '=' ignored, as ngspice 39 ignores it", (int)t->len, t->s);
  if (param == KH_PARAM_CARD) {
    if (*inside) return p->subckts[p->open[*inside - 1]].has_params = 1, KH_OK; /* per instance */
    p->top_params = 1;
    p->param_unknown = 0;
    kh_status st = kh_parse_param_card(p, line, tok, NULL, &p->globals);
    if (st == KH_OK || !p->param_unknown) return st;
    /* it reads a name not defined yet: after the scan, in the order of their dependencies */
    return push_line(p, &p->late_params, &p->late_count, &p->late_cap, line);
  }
  if (kh_token_eq(t, ".model")) {
    p->param_unknown = 0;
    kh_status st = kh_model_card(p, line, tok);
    if (st == KH_OK || !p->param_unknown || *inside) return st;
    /* it reads a parameter not defined yet: after the scan, with the .param lines that wait */
    return push_line(p, &p->late_models, &p->late_model_count, &p->late_model_cap, line);
  }
  if (is_learning_card(t)) {
    if (*inside)
      return kh_token_fail(p, line, t, "%.*s belongs at the top level", (int)t->len, t->s);
    return push_line(p, &p->cards, &p->card_count, &p->card_cap, line);
  }
  if (kh_token_eq(t, ".options") || kh_token_eq(t, ".option") || kh_token_eq(t, ".opt"))
    return now_or_late(p, line, tok, kh_card_options);
  if (kh_token_eq(t, ".temp")) return now_or_late(p, line, tok, kh_card_temp);
  if (kh_token_eq(t, ".dc")) return kh_card_dc(p, line, tok);
  if (kh_token_eq(t, ".global")) return kh_card_global(p, line, tok);
  if (kh_token_eq(t, ".func")) return kh_card_func(p, line, tok);
  /* HSPICE's protection marks, around the cards of many foundry libraries: ngspice 39 only
   * leaves the lines between them out of its listing (inp.c), and reads them */
  if (kh_token_eq(t, ".prot") || kh_token_eq(t, ".unprot"))
    return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, t),
                          "%.*s ignored, as ngspice 39 ignores it (the cards after it are read)",
                          (int)t->len, t->s);
  if (is_skipped_card(t))
    return kh_source_note(p->ctx, &p->src, kh_token_loc(p, line, t),
                          "%.*s skipped (kirchhoff computes the DC operating point)", (int)t->len,
                          t->s);
  for (size_t i = 0; i < sizeof ltspice_cards / sizeof *ltspice_cards; i++)
    if (kh_token_eq(t, ltspice_cards[i].name))
      return kh_token_fail(p, line, t,
                           "'%s' is LTspice's (%s), which ngspice 39 does not know and stops at: "
                           "remove it",
                           ltspice_cards[i].name, ltspice_cards[i].what);
  return kh_token_fail(p, line, t, "unsupported card '%.*s'", (int)t->len, t->s);
}

/* Sorts one logical line: directives are evaluated, element lines kept for flattening. A
 * logical line starts at its first word. Element lines (nearly all of them) are split into
 * tokens when they are expanded; only braces can make that fail, so lines with braces are
 * tokenized here too, to report it even in a subcircuit never instantiated. */
static kh_status scan_line(kh_parser *p, uint32_t line) {
  kh_tokens *tok = &p->scan_tokens;
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  kh_status st = KH_OK;
  if (text[0] >= 'a' && text[0] <= 'z') {
    if (strpbrk(text, "{}'")) st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
    if (st != KH_OK || p->inside) return st;
    p->streaming = 0; /* elements keep the file's order: none may stream past this one */
    return push_line(p, &p->top, &p->top_count, &p->top_cap, line);
  }
  st = kh_tokenize(p->ctx, &p->src, &p->src.lines[line], tok);
  if (st != KH_OK || tok->count == 0) return st;
  if (tok->items[0].s[0] == '.') return directive(p, line, tok, &p->inside);
  if (tok->items[0].len >= 3 && !memcmp(tok->items[0].s, "\xef\xbb\xbf", 3))
    return kh_token_fail(p, line, &tok->items[0],
                         "the line starts with a UTF-8 byte-order mark (bytes EF BB BF, invisible "
                         "in most editors), which ngspice 39 also reads as part of the first word "
                         "and stops on: save the file without it");
  unsigned char first = (unsigned char)tok->items[0].s[0];
  if (first < 0x20 || first == 0x7f)
    return kh_token_fail(p, line, &tok->items[0],
                         "the line starts with the control character 0x%02X, invisible in most "
                         "editors, where ngspice 39 stops (\"unknown device type\")",
                         first);
  return kh_token_fail(p, line, &tok->items[0],
                       "expected an element name or a '.' card, found '%.*s'",
                       (int)tok->items[0].len, tok->items[0].s);
}

/* Streamed lines are flattened in batches, so that each name's hash slot can be fetched a few
 * lines ahead (flatten.c), and then dropped from the source. */
enum { STREAM_BATCH = 64 };

static int streamable(const kh_parser *p, uint32_t line) {
  const char *text = kh_line_text(&p->src, &p->src.lines[line]);
  return p->streaming && !p->inside && text[0] && strchr("rcvid", text[0]) && !strpbrk(text, "{}'");
}

/* Flattens the waiting streamed lines and removes them from the source; a line that must wait
 * for definitions further down ends streaming and, with the lines after it, is kept. Lines
 * after the waiting ones (the line being offered) move down. */
static kh_status flush_streamed(kh_parser *p) {
  uint32_t from = p->pending_from, count = p->pending, done = 0;
  p->pending = 0;
  if (!count) return KH_OK;
  kh_status st = kh_flatten_ahead(p, from, from + count, &done);
  if (st != KH_OK) return st;
  kh_source_remove_lines(&p->src, from, from + done);
  if (done < count) p->streaming = 0;
  for (uint32_t line = from; st == KH_OK && line < from + count - done; line++)
    st = push_line(p, &p->top, &p->top_count, &p->top_cap, line);
  return st;
}

/* Sizes the element storage for the lines the source expects, before they arrive: unless the
 * estimate falls short, the name map is not rehashed and the elements are not copied while they
 * stream in. Only element names: nodes are far fewer than lines in the networks that matter
 * (784-500-10: 2,080 nodes) and their map grows as needed. */
static kh_status reserve_elements(kh_parser *p) {
  size_t lines = p->src.line_estimate;
  if (lines <= p->reserved_lines) return KH_OK;
  p->reserved_lines = lines;
  if (kh_strmap_reserve(&p->nl->element_names, lines) ||
      kh_reserve_exact((void **)&p->nl->elements, &p->nl->element_cap, lines,
                       sizeof *p->nl->elements))
    return kh_fail_nomem(p->ctx, "parsing");
  return KH_OK;
}

/* The source's on_line: each complete logical line, in order, while the file is read. */
static kh_status take_line(void *user, uint32_t line) {
  kh_parser *p = user;
  kh_status st = reserve_elements(p);
  if (st != KH_OK) return st;
  p->saw_if |= kh_is_conditional(kh_line_text(&p->src, &p->src.lines[line]));
  if (kh_is_conditional(kh_line_text(&p->src, &p->src.lines[line])) || p->top_if.depth) {
    if ((st = flush_streamed(p)) != KH_OK) return st;
    int read;
    line = p->src.line_count - 1; /* the line moved down */
    if ((st = kh_top_line(p, line, &read)) != KH_OK || !read) return st;
  }
  if (streamable(p, line)) {
    if (!p->pending) p->pending_from = line;
    return ++p->pending == STREAM_BATCH ? flush_streamed(p) : KH_OK;
  }
  st = flush_streamed(p);
  return st == KH_OK ? scan_line(p, p->src.line_count - 1) : st; /* the line moved down */
}

static kh_status finish_scan(kh_parser *p) {
  kh_status st = flush_streamed(p);
  if (st == KH_OK && p->late_count)
    st = kh_params_in_order(p, &p->scan_tokens, p->late_params, p->late_count, NULL, NULL,
                            &p->globals);
  p->reading_late_models = 1;
  for (size_t k = 0; st == KH_OK && k < p->late_model_count; k++)
    if ((st = kh_tokenize(p->ctx, &p->src, &p->src.lines[p->late_models[k]], &p->scan_tokens)) ==
        KH_OK)
      st = kh_model_card(p, p->late_models[k], &p->scan_tokens);
  for (size_t k = 0; st == KH_OK && k < p->late_directive_count; k++)
    if ((st = kh_tokenize(p->ctx, &p->src, &p->src.lines[p->late_directives[k]],
                          &p->scan_tokens)) == KH_OK)
      st = kh_late_directive(p, p->late_directives[k], &p->scan_tokens);
  if (st == KH_OK) st = kh_body_done(p, &p->top_if);
  if (st == KH_OK && p->inside) {
    kh_subckt *s = &p->subckts[p->subckt_count - 1];
    kh_loc loc = kh_source_loc(&p->src, &p->src.lines[s->line], 0);
    st = kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, loc, ".subckt '%s' is never closed by .ends",
                        s->name);
  }
  return st;
}

void kh_netlist_free(kh_netlist *nl) {
  if (!nl) return;
  kh_strmap_release(&nl->nodes);
  kh_strmap_release(&nl->element_names);
  kh_strmap_release(&nl->model_names);
  kh_free(nl->elements);
  kh_free(nl->models);
  kh_free(nl->options);
  kh_free(nl->diode_inst);
  kh_free(nl->jfet_inst);
  kh_free(nl->bjt_inst);
  kh_free(nl->mos_inst);
  kh_free(nl->passive_temp);
  kh_free(nl->inputs);
  kh_free(nl->amplifiers);
  kh_free(nl->couplings), kh_free(nl->tlines);
  kh_free(nl->products);
  kh_free(nl->expressions);
  kh_free(nl->grids);
  kh_free(nl->factors);
  kh_free(nl->scale_mean);
  kh_free(nl->scale_inv_std);
  kh_free(nl->outputs);
  kh_free(nl->nodesets);
  kh_free(nl->trainable);
  kh_arena_release(&nl->arena);
  kh_free(nl);
}

/* Moves what the netlist keeps (title, file names, notes) out of the source. */
static kh_status adopt_source(kh_parser *p) {
  kh_netlist *nl = p->nl;
  kh_source *src = &p->src;
  nl->title = src->title ? src->title : kh_arena_strdup(&nl->arena, "");
  nl->files = kh_arena_alloc(&nl->arena, (src->file_count + 1) * sizeof *nl->files);
  nl->notes = kh_arena_alloc(&nl->arena, (src->note_count + 1) * sizeof *nl->notes);
  if (!nl->title || !nl->files || !nl->notes) return kh_fail_nomem(p->ctx, "parsing");
  memcpy(nl->files, src->files, src->file_count * sizeof *nl->files);
  nl->file_count = src->file_count;
  for (size_t i = 0; i < src->note_count; i++) nl->notes[i] = src->notes[i].message;
  nl->note_count = src->note_count;
  nl->control_blocks = src->control_blocks;
  return KH_OK;
}

/* A netlist whose every element is an open resistor (w = 2 NARROW) has nothing to solve, as one
 * without elements: its canonical text (the opens as comments) would hold none either. */
static kh_status something_to_solve(kh_parser *p) {
  const kh_netlist *nl = p->nl;
  for (size_t k = 0; k < nl->element_count; k++)
    if (!(nl->elements[k].kind == KH_RESISTOR && isinf(nl->elements[k].value))) return KH_OK;
  return kh_source_fail(p->ctx, &p->src, KH_ERR_INPUT, nl->elements[0].loc,
                        "netlist has no elements but open resistors (w = 2 NARROW): nothing to "
                        "solve");
}

/* The parser's own name tables (subcircuits, instances, global nodes, functions, BSIM words):
 * set up in the netlist's arena, or released. */
static void parser_tables(kh_parser *p, int release) {
  kh_strmap *t[] = {&p->subckt_names,  &p->instance_names, &p->global_nodes, &p->func_names,
                    &p->bsim_words[0], &p->bsim_words[1],  &p->model_uses};
  for (size_t k = 0; k < sizeof t / sizeof *t; k++)
    release ? kh_strmap_release(t[k]) : kh_strmap_init(t[k], &p->nl->arena);
}

/* What a reading holds besides the netlist, freed. */
static void release_parser(kh_parser *p) {
  kh_source_release(&p->src);
  kh_param_release(&p->globals);
  parser_tables(p, 1);
  for (size_t i = 0; i < p->subckt_count; i++) kh_subckt_release(&p->subckts[i]);
  kh_free(p->subckts);
  kh_free(p->deferred_models);
  kh_free(p->overrides);
  kh_free(p->pending_params);
  kh_free(p->held_defaults.at);
  kh_free(p->late_params);
  kh_free(p->late_models);
  kh_free(p->late_directives);
  kh_free(p->funcs);
  kh_free(p->top);
  kh_free(p->cards);
  kh_free(p->scratch);
  kh_free(p->internal);
  kh_free(p->model_use);
  kh_free(p->use_of_model);
  kh_tokens_release(&p->scan_tokens);
  for (size_t i = 0; i < KH_MAX_SUBCKT_DEPTH + 2; i++) {
    kh_tokens_release(&p->line_tokens[i]);
    kh_tokens_release(&p->header_tokens[i]);
  }
}

/* A mode bit of parse_once's: text kirchhoff wrote (kh_netlist_parse_own_text). */
enum { OWN_TEXT = 0x100 };

/* One reading of the deck, its circuit temperature `start` degrees C (NAN: 27) until a card sets
 * it; *conflict: the temperature a card set after an expression had read another (NAN: none). */
static kh_status parse_once(kh_context *ctx, kh_netlist **out, const char *path, const char *text,
                            const char *name, const kh_parse_overrides *o, kh_compat mode,
                            double start, double *conflict) {
  *out = NULL;
  kh_netlist *nl = kh_calloc(1, sizeof *nl);
  if (!nl) return kh_fail_nomem(ctx, "parsing");
  kh_arena_init(&nl->arena);
  nl->input_gain = 1.0;
  kh_strmap_init(&nl->nodes, &nl->arena);
  kh_strmap_init(&nl->element_names, &nl->arena);
  kh_strmap_init(&nl->model_names, &nl->arena);
  kh_parser p = {.ctx = ctx, .nl = nl, .streaming = 1, .temper_conflict = NAN};
  kh_source_init(&p.src, &nl->arena);
  p.src.on_line = take_line;
  p.src.on_line_user = &p;
  p.src.compat = (int)(mode & ~OWN_TEXT), p.own_text = (mode & OWN_TEXT) != 0;
  parser_tables(&p, 0);
  uint32_t ground;
  kh_status st =
      kh_strmap_intern(&nl->nodes, "0", 1, &ground, NULL) ? kh_fail_nomem(ctx, "parsing") : KH_OK;
  if (st == KH_OK && o && !isnan(o->celsius)) st = kh_fix_temperature(&p, o->celsius);
  nl->set_up_again = o && (!isnan(o->celsius) || o->resistor[0] || o->resistor[1]);
  if (st == KH_OK && !isnan(start)) st = kh_netlist_set_option(ctx, nl, "temp", start);
  for (size_t k = 0; o && k < 2; k++)
    p.swept_resistor[k] = o->resistor[k], p.swept_ohms[k] = o->ohms[k];
  if (st == KH_OK)
    st = path ? kh_source_read_file(ctx, &p.src, path)
              : kh_source_read_string(ctx, &p.src, text, strlen(text), name);
  if (st == KH_OK) st = finish_scan(&p);
  if (st == KH_OK) st = kh_flatten(&p);
  if (st == KH_OK) st = kh_note_held_models(&p);
  if (st == KH_OK && !p.own_text) st = kh_check_dropped_models(&p);
  for (size_t k = 0; k < 2; k++)
    if (st == KH_OK && p.swept_resistor[k] && !p.swept_found[k])
      st = nl->dc_count ? kh_source_fail(ctx, &p.src, KH_ERR_INPUT, nl->dc_loc, NO_SWEPT_RESISTOR,
                                         p.swept_resistor[k])
                        : kh_fail(ctx, KH_ERR_INPUT, NO_SWEPT_RESISTOR, p.swept_resistor[k]);
  if (st == KH_OK && nl->element_count == 0)
    st = kh_source_fail(ctx, &p.src, KH_ERR_INPUT, (kh_loc){0, 1, 1},
                        "netlist has no elements (line 1 is always the title)%s",
                        p.src.title && strchr(p.src.title, '\r')
                            ? "; its lines end in carriage returns alone (old Mac line endings), "
                              "which ngspice does not split either: convert them to newlines"
                            : "");
  if (st == KH_OK) st = kh_finish_resistors(&p);
  if (st == KH_OK) st = kh_finish_reactive(&p);
  if (st == KH_OK) st = something_to_solve(&p);
  if (st == KH_OK) st = kh_add_shunts(&p);
  if (st == KH_OK) kh_resolve_tlines(p.nl);
  if (st == KH_OK) st = kh_finish_diodes(&p);
  if (st == KH_OK) st = kh_resolve_amplifiers(&p);
  if (st == KH_OK) st = kh_resolve_behavioural(&p);
  if (st == KH_OK) st = kh_resolve_couplings(&p);
  if (st == KH_OK) st = kh_resolve_cards(&p);
  if (st == KH_OK) st = adopt_source(&p);
  *conflict = p.temper_conflict;
  release_parser(&p);
  if (st != KH_OK) {
    kh_netlist_free(nl);
    return st;
  }
  *out = nl;
  return KH_OK;
}

/* The deck read as ngspice reads it, whole: where a .temp (or .options temp=) comes after an
 * expression that read `temper`, read again from that temperature, once (a second conflict is
 * refused: kirchhoff reads in order). */
static kh_status parse(kh_context *ctx, kh_netlist **out, const char *path, const char *text,
                       const char *name, const kh_parse_overrides *o, kh_compat mode) {
  double conflict = NAN, again;
  kh_status st = parse_once(ctx, out, path, text, name, o, mode, NAN, &conflict);
  if (st == KH_OK || isnan(conflict)) return st;
  kh_clear_error(ctx);
  return parse_once(ctx, out, path, text, name, o, mode, conflict, &again);
}

kh_status kh_netlist_parse_file(kh_context *ctx, kh_netlist **out, const char *path) {
  return parse(ctx, out, path, NULL, NULL, NULL, KH_COMPAT_NGSPICE);
}

kh_status kh_netlist_parse_file_with(kh_context *ctx, kh_netlist **out, const char *path,
                                     const kh_parse_overrides *o) {
  return kh_netlist_parse_file_compat(ctx, out, path, o, KH_COMPAT_NGSPICE);
}

kh_status kh_netlist_parse_file_compat(kh_context *ctx, kh_netlist **out, const char *path,
                                       const kh_parse_overrides *o, kh_compat mode) {
  if ((unsigned)mode > KH_COMPAT_LTPSA)
    return kh_fail(ctx, KH_ERR_USAGE, "compatibility mode %d: not one of kh_compat's", (int)mode);
  if (mode == KH_COMPAT_WHOLE) mode = KH_COMPAT_NGSPICE; /* `a` alone rewrites nothing */
  if (o && !isnan(o->celsius) && !(o->celsius > -273.15 && isfinite(o->celsius)))
    return kh_fail(ctx, KH_ERR_INPUT, "temperature %g degrees Celsius is below absolute zero",
                   o->celsius);
  for (size_t k = 0; o && k < 2; k++)
    if (o->resistor[k] && !(o->ohms[k] > 0 && isfinite(o->ohms[k])))
      return kh_fail(ctx, KH_ERR_INPUT, "resistance %g for '%s': it must be positive", o->ohms[k],
                     o->resistor[k]);
  return parse(ctx, out, path, NULL, NULL, o, mode);
}

kh_status kh_netlist_parse_string(kh_context *ctx, kh_netlist **out, const char *text,
                                  const char *name) {
  return parse(ctx, out, NULL, text, name, NULL, KH_COMPAT_NGSPICE);
}

kh_status kh_netlist_parse_own_text(kh_context *ctx, kh_netlist **out, const char *text,
                                    const char *name) {
  return parse(ctx, out, NULL, text, name, NULL, (kh_compat)(KH_COMPAT_NGSPICE | OWN_TEXT));
}
