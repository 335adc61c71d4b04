/* State shared by the parsing stages (private to netlist/). */
#ifndef KH_NETLIST_PARSER_H
#define KH_NETLIST_PARSER_H

#include "expr.h"
#include "expression.h"
#include "lexer.h"
#include "netlist_impl.h"

#define KH_MAX_SUBCKT_DEPTH 64
#define KH_MAX_ELEMENTS ((size_t)1 << 26)
#define KH_MAX_IF_DEPTH 32

typedef struct {
  const char *name;    /* as written */
  uint32_t line;       /* the .subckt line */
  uint32_t first, end; /* body: logical lines [first, end), nested definitions included */
  int active;          /* being expanded: a second entry is recursion */
  uint32_t parent;     /* the definition it is nested in, or KH_NOT_FOUND */
  const char *key;     /* its name in subckt_names: "outer.inner" when nested */
  /* Port names to their first position (port_at), built at the first instance of a definition
   * with many ports (flatten.c); else NULL. */
  kh_strmap *port_index;
  uint32_t *port_at;
  /* 1 + the logical line of the first X line with m= that names it, where the definition takes
   * the instance's m into its elements (multiplier.c); 0 when none does */
  uint32_t multiplied_at;
  /* a redefinition ngspice ignores, or a definition inside one: none of its cards is read */
  int ignored;
  int has_params; /* its body holds a .param card (kh_inner_braces_group) */
} kh_subckt;

typedef struct {
  struct kh_param {
    const char *name;
    double value;
    /* Set on an instance's table for a value the X line gives: the subcircuit's own .param of
     * that name does not replace it, as in ngspice (KH_PARAM_GIVEN until something declares it,
     * then KH_PARAM_GIVEN_DECLARED). */
    unsigned char given;
    /* A global's value was read (by an element, a model, another .param): a later .param that
     * gives it another value is refused, since ngspice gives every use the last definition. */
    unsigned char read;
    /* The value depends on a random draw (agauss ..., netlist/expr.c): kept for expressions that
     * multiply it by 0, refused where a value that counts reads it. */
    unsigned char drawn;
    /* The value read `temper`, itself or through another parameter or a .func: ngspice 39 writes
     * such a parameter into the lines that read it, where a resistor's value makes the resistor
     * a B source (b_rewrites.c). */
    unsigned char temper;
  } * items;
  size_t count, capacity;
  kh_strmap *index; /* names to items, once the table is long (kh_param_set); else NULL */
} kh_param_table;

enum { KH_PARAM_GIVEN = 1, KH_PARAM_GIVEN_DECLARED = 2 };

/* .if/.elseif/.else/.endif: per open .if, whether a branch was taken and whether the current
 * one is; lines are read only while every open level's current branch is. */
typedef struct {
  struct kh_if {
    int taken, active, seen_else;
    uint32_t line;
  } ifs[KH_MAX_IF_DEPTH];
  size_t depth;
} kh_if_state;

/* Where an element line is being expanded: the top level or one subcircuit instance. */
typedef struct kh_scope {
  const char *path;             /* "" at top level, else "x1" or "x1.x2" */
  const kh_param_table *params; /* the instance's own parameters (NULL at top level) */
  const kh_token *ports;        /* formal port names of the subcircuit */
  const uint32_t *port_nodes;   /* the nodes they are bound to */
  size_t port_count;
  size_t depth;
  const kh_subckt *def; /* the definition being expanded (NULL at top level): its own nested
                         * subcircuits and models come first */
  double multiplier;    /* the instance's m where its definition takes it (multiplier.c); 0 none */
  /* the instance this one is expanded in (NULL at the top level): ngspice's parameters are
   * scoped by instantiation, so a body reads its callers' parameters, innermost first, before
   * the globals */
  const struct kh_scope *outer;
} kh_scope;

/* The m that the elements of scope's R, C, L, D, I, G, F, J, M and Q lines carry unless they
 * give their own: the instance's where its subcircuit takes it, else 1. */
static inline double kh_scope_multiplier(const kh_scope *s) {
  return s->multiplier > 0 ? s->multiplier : 1;
}

/* Header defaults an instance cannot read before the body's .param lines (one reads a parameter
 * the body defines, or a default declared after it, as ngspice reads them: `.subckt s a b r=rr`
 * with `.param rr=2k` inside, `r={w*2} w=1k`): kh_header_params holds them back and
 * kh_body_params reads them with the .param lines, in the order of their dependencies. */
typedef struct {
  const kh_tokens *head; /* the .subckt line's tokens */
  uint32_t line;         /* its line */
  size_t *at;            /* each default's name token in head */
  size_t count, cap;
} kh_held_defaults;

typedef struct {
  kh_context *ctx;
  kh_netlist *nl;
  kh_source src;
  kh_param_table globals;
  kh_subckt *subckts;
  size_t subckt_count, subckt_cap;
  kh_strmap subckt_names;
  kh_strmap instance_names;
  kh_strmap global_nodes; /* .global: node names that subcircuits share with the top level */
  kh_strmap func_names;
  /* BSIM3's and BSIM4's model words (kh_model_word), built at the first card of each */
  kh_strmap bsim_words[2]; /* .func names, ids indexing funcs */
  struct kh_func {         /* .func name(params) = {body} */
    const char *body;
    const char **params;
    size_t arity;
  } * funcs;
  size_t func_count, func_cap;
  kh_if_state top_if; /* .if/.elseif/.else/.endif around top-level lines */
  uint32_t *top;      /* element lines at top level */
  size_t top_count, top_cap;
  uint32_t *cards; /* learning-card lines */
  size_t card_count, card_cap;
  char *scratch; /* for building flattened names */
  size_t scratch_cap;
  /* per node id: 1 for the internal nodes elements add ("d1#rs", "e1#poly"): a deck line that
   * names one would join it silently (kh_resolve_node refuses it) */
  unsigned char *internal;
  size_t internal_cap;
  size_t amplifier_cap;
  size_t controlled_count; /* E and F elements: amplifiers are paired only when there are any */
  int inside;              /* how many .subckt bodies the scan is in */
  int top_params;          /* a .param card outside every .subckt (kh_inner_braces_group) */
  uint32_t open[KH_MAX_SUBCKT_DEPTH + 1]; /* their definitions, innermost last */
  kh_tokens scan_tokens;                  /* the line being scanned */
  /* Top-level element lines are flattened as they stream in, while they come in a leading run
   * that needs nothing defined later in the file (parse.c, kh_flatten_ahead). */
  int streaming;           /* still in that run */
  uint32_t pending_from;   /* streamed lines waiting at the end of the source: */
  uint32_t pending;        /* [pending_from, pending_from + pending) */
  size_t reserved_lines;   /* element storage is sized for this many lines */
  int speculative, missed; /* flattening ahead; it met a parameter or model not yet defined */
  int temper_used;         /* an expression read `temper` (the circuit temperature, degrees C) */
  double temper;           /* ... as it was then; a later .temp may not change it */
  /* the temperature a later card set where an expression had read another (NAN: none): parse.c
   * reads the deck again from that temperature, which ngspice's whole-deck reading gives */
  double temper_conflict;
  size_t temper_reads;  /* reads of `temper` or of a parameter that read it, so far (a count) */
  int temper_undefined; /* reading a V, I, E or G value, where ngspice 39 has no temper */
  kh_loc dot_temp;      /* the last .temp card (line 0: none), which beats .options temp= */
  int temp_fixed;       /* the caller set the temperature (a .dc TEMP sweep's point), which
                         * beats .temp and .options temp= alike */
  const char *swept_resistor[2]; /* a .dc card's top-level resistors (NULL: none), whose */
  double swept_ohms[2];          /* written resistances these are, and whether each was found */
  int swept_found[2];
  /* .model cards inside .subckt bodies whose values hold expressions: read at each instance,
   * with its parameters (kh_instance_models), as ngspice reads them; the instances being
   * expanded hold their own models over the definitions' names ("sub.name"), innermost last */
  struct kh_deferred_model {
    uint32_t line, def;
    /* A BSIM3 or BSIM4 bin whose LMIN, LMAX, WMIN and WMAX are plain numbers (bin_choice.c):
     * its name, the length of its base (name.N), and the limits; name NULL otherwise */
    const char *name;
    size_t base_len;
    double limit[4];
  } * deferred_models;
  size_t deferred_count, deferred_cap;
  struct kh_model_override {
    const char *key;
    uint32_t model;
  } * overrides;
  size_t override_count, override_cap;
  const kh_scope *model_scope; /* the instance whose model is being read (else NULL) */
  /* The names a subcircuit body's .param lines assign, while they are evaluated in the order of
   * their dependencies (flatten.c, as ngspice sorts them): a name here is not read from the
   * callers or the globals; a value that reads one waits (param_blocked set). */
  struct kh_pending_param {
    const char *name;
    uint32_t len, card; /* card: the index of the .param line that assigns it */
    int done;
  } * pending_params;
  size_t pending_param_count, pending_param_cap;
  int param_blocked;
  /* 1 + the index of the pending .param line being evaluated (0: none): its names are read as
   * soon as the line assigns them, so `.param a=2 b='a*2'` reads its own a (kh_params_in_order) */
  uint32_t pending_card;
  kh_held_defaults held_defaults; /* the instance's, from kh_header_params to kh_body_params */
  /* While an X line's value is evaluated (instance_params.c): its own name, which reads the
   * caller's scope (self_outer) and never waits (NULL otherwise). */
  const char *self_name;
  size_t self_len;
  const struct kh_scope *self_outer;
  int param_unknown; /* a name was looked up and not found */
  /* reading a .model card or a device line (not R C L V I B E F G H X): a value that reads temper
   * is rounded to %g, as ngspice 39 alters it (values.c) */
  int temper_printed;
  /* reading a device line (not X) or a .model card: ngspice 39's device parsers read its numbers
   * with INPevaluate, and an expression's value from the % 23.15e text numparam puts in its
   * place (values.c: as_device_reads) */
  int device_values;
  int option_values;     /* reading an .options value: ngspice's front end (ft_numparse) reads `mil`
                          * as 25.4e-6, as kirchhoff does */
  uint32_t *late_params; /* top-level .param lines that read a name defined further down */
  size_t late_count, late_cap;
  uint32_t *late_models; /* ... and .model lines, read after them */
  size_t late_model_count, late_model_cap;
  int reading_late_models;   /* a model defined twice: only then may the first come later */
  uint32_t *late_directives; /* ... and .temp and .options lines, read after the models */
  size_t late_directive_count, late_directive_cap;
  uint32_t dot_temp_card; /* the logical line of the .temp card read last, plus 1 (0: none) */
  /* .model cards set aside (model_cards.c): the first few get a note each, the rest one note at
   * the end, from the first of them (a PDK's library holds hundreds a circuit never uses) */
  size_t held_models;
  kh_loc first_unnoted;
  /* The model cards D and Q lines use, as ngspice's front end guesses each line's model word
   * (dropped_models.c): by "file:line:name" of the card, whether a line names it as ngspice
   * guesses and the first that does not; and whether the deck has .if (ngspice drops no card
   * then). */
  kh_strmap model_uses;
  struct kh_model_use {
    uint32_t model;
    kh_loc at;
    unsigned char seen, misread;
    char word[48];
  } * model_use;
  size_t model_use_cap;
  uint32_t *use_of_model; /* by model index: its record's index + 1 (0: not looked up yet) */
  size_t use_of_model_cap;
  int saw_if;
  int own_text; /* text kirchhoff wrote: what only ngspice's front end stops at is read */
  kh_tokens line_tokens[KH_MAX_SUBCKT_DEPTH + 2];   /* one buffer per nesting depth */
  kh_tokens header_tokens[KH_MAX_SUBCKT_DEPTH + 2]; /* .subckt line of each active instance */
} kh_parser;

kh_loc kh_token_loc(const kh_parser *p, uint32_t line, const kh_token *t);
kh_status kh_token_fail(kh_parser *p, uint32_t line, const kh_token *t, const char *fmt, ...)
    KH_PRINTF(4, 5);
/* Element lines (flatten.c): scratch = prefix + "." + name, with an optional leading element
 * letter and dot ("r." in "r.x1.r2"); *out points into p->scratch until the next call. */
kh_status kh_qualify_name(kh_parser *p, char letter, const char *prefix, const char *name,
                          size_t len, const char **out, size_t *out_len);
/* The node a token names in scope (a port, a .global, ground or a new node of its own). */
kh_status kh_resolve_node(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *t,
                          uint32_t *id);
/* Interns the internal node `name` of the element at name_tok; a node of that name already in
 * the deck is an error at the token. */
kh_status kh_internal_node(kh_parser *p, uint32_t line, const kh_token *name_tok, const char *name,
                           uint32_t *id);
/* Adds e under the flattened name of name_tok; a name taken is an error at the token. */
kh_status kh_add_element(kh_parser *p, uint32_t line, const kh_token *name_tok, const kh_scope *s,
                         kh_elem e);
/* K lines (couplings.c): read into the netlist, then their inductors checked once every element
 * is known. */
kh_status kh_coupling_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* A line card's word at token i (line_words.c): "= value" after it, k-th of the card's words (bit k
 * of *given, an error when set already) into *value; a line model's number `name` into params[*n]
 * (an error when given already). */
kh_status kh_line_word(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                       const kh_scope *s, unsigned *given, int k, double *value);
kh_status kh_line_model_number(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                               size_t end, const char *name, kh_model_param *params, size_t *n);
/* T and O lines (tline.c): the card's four elements and its kh_tline record. */
kh_status kh_tline_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* An O line's LTRA model at token `at` (ltra.c): its index, and the line's DC resistance R len
 * (an RLC, RC or LC line), or *rg set for an RG line (R and G alone); the others refused as
 * ngspice 39 refuses them. */
kh_status kh_ltra_instance(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *at,
                           uint32_t *model, double *r, int *rg);
/* An RG line's two-port admittances y11 y12 y21 y22 (I1 = y11 V1 + y12 V2, I2 = y21 V1 + y22 V2)
 * from ltraload.c's DC stamps with the circuit's GMIN (ltra.c). */
void kh_ltra_rg_admittances(const kh_model *m, double gmin, double y[4]);
/* U lines (urc.c): the resistor LEN rperl their card makes at DC, its kh_tline record; a URC
 * .model card's words (k fmax rperl cperl isperl rsperl). */
kh_status kh_urc_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
kh_status kh_urc_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t end, kh_model_param **out, size_t *count);
/* An LTRA .model card's words (ltra.c): r l g c len compactrel compactabs, and its flags. */
kh_status kh_ltra_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t end, kh_model_param **out, size_t *count);
kh_status kh_resolve_couplings(kh_parser *p);
/* Adds e under `name` (flattened, in the arena): an element a line adds beside its own (a
 * diode's RS, an RF port's z0, a POLY card's parts), at the line's place; a name taken is an
 * error at name_tok. */
/* Adds e under name_tok with its first node behind a resistor of r ohms, as ngspice builds a
 * diode's RS (tag "rs") and an RF port's z0 ("res"): the internal node "<name>#<tag>", the
 * resistor "<tag>#<name>" from e's first node to it; e keeps that node in ctrl[0], and the
 * resistor and e are marked synthetic marks[0] and marks[1] (the writer puts e back on it for
 * kirchhoff's own text). *index: e's. */
kh_status kh_add_behind_resistor(kh_parser *p, uint32_t line, const kh_token *name_tok,
                                 const kh_scope *s, kh_elem e, const char *tag, double r,
                                 uint8_t marks[2], uint32_t *index);
kh_status kh_add_part(kh_parser *p, uint32_t line, const kh_token *name_tok, const char *name,
                      kh_elem e);
/* An E, F, G or H line with POLY(d) (poly.c), t[3] being "poly" and t[4] "(". */
kh_status kh_poly_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* Evaluates a value token: a number, a {expression} or a bare parameter name. */
/* A .model card (model_cards.c): stored as its name, or inside a .subckt body as that
 * definition's ("sub.name"), or, where its values hold expressions, left for each instance. */
kh_status kh_model_card(kh_parser *p, uint32_t line, const kh_tokens *tok);
/* prefix "." name (or name when prefix is NULL), in the arena (NULL when out of memory) */
const char *kh_scoped_key(kh_parser *p, const char *prefix, const char *name, size_t len);
/* A .model card's words from token 3 on, stored as model `mname`. */
kh_status kh_read_model_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const char *mname,
                             size_t mlen);
/* The same, but a card it refuses is held under its name with the refusal and a note (ngspice
 * reads only the models elements use); kh_model_refused raises it where an element uses model
 * id (KH_OK for any other, and for KH_NOT_FOUND). */
kh_status kh_read_model_or_hold(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                const char *mname, size_t mlen);
kh_status kh_model_refused(kh_parser *p, uint32_t id);
/* The note for the cards set aside beyond the first KH_HELD_MODEL_NOTES (one for all of them). */
enum { KH_HELD_MODEL_NOTES = 5 };
kh_status kh_note_held_models(kh_parser *p);
/* The .param lines `cards` (n of them, tokenized into tok) into table in the order of their
 * dependencies, as ngspice sorts them (measured: `.param p1={p2*2}` before `.param p2=4` reads
 * this p2, not a caller's or a global one), evaluated in scope (instance_params.c); with them the
 * header defaults held back (held, or NULL). */
kh_status kh_params_in_order(kh_parser *p, kh_tokens *tok, const uint32_t *cards, size_t n,
                             const kh_held_defaults *held, const kh_scope *scope,
                             kh_param_table *table);
/* A subcircuit instance's parameters (instance_params.c): the header's defaults and the X
 * line's values into table (kh_header_params: *header_count the header's), the X line's values
 * marked as standing against the body's .param lines (kh_mark_given), a note for each value the
 * subcircuit never declares (kh_note_unused_given), and the body's .param lines in the order of
 * their dependencies (kh_body_params: *cards how many). */
kh_status kh_header_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t params_at,
                           const kh_subckt *def, const kh_tokens *head, size_t def_params_at,
                           const kh_scope *outer, kh_param_table *table, size_t *header_count);
void kh_mark_given(kh_param_table *table, const kh_tokens *tok, size_t params_at,
                   size_t header_count);
kh_status kh_note_unused_given(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t params_at,
                               kh_param_table *table, const kh_subckt *def);
kh_status kh_body_params(kh_parser *p, const kh_subckt *def, kh_scope *inner, kh_param_table *table,
                         size_t *cards);
/* The models of definition `def` read at its instance `inner` (instance_params.c), held over the
 * definition's names until the override count is set back. */
kh_status kh_instance_models(kh_parser *p, uint32_t def, const kh_scope *inner);
/* Which bins of a deferred model card an instance may choose (bin_choice.c): the card's bin
 * facts when it is deferred, then, per instance, read[k] cleared for each deferred bin of def
 * that none of the body's uses of its base name can choose. */
kh_status kh_bin_facts(kh_parser *p, const kh_tokens *tok, struct kh_deferred_model *d);
kh_status kh_choose_bins(kh_parser *p, uint32_t def, const kh_scope *inner, unsigned char *read);
/* The width a MOSFET is binned by (mosfet.c): W, or W/NF where NF is given and WNFLAG asks (the
 * instance's wnflag, NaN when not given, else .options wnflag). */
double kh_bin_width(const kh_netlist *nl, double w, int nf_given, double nf, double wnflag);
/* Whether a bin's range [min, max] holds v as ngspice 39's in_range does (bsim3.c). */
int kh_bin_range_holds(double v, double min, double max);
/* A value of line `line` evaluated without an error message (values.c), as kh_eval_token reads
 * it: 0 and *out; 1 and *out where it depends on a random draw; -1 where it fails or reads a
 * name not defined yet. */
int kh_eval_quiet(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *scope,
                  double *out);
kh_status kh_eval_token(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *scope,
                        double *out);
/* A D or Q line at `line` naming model `model` by name_tok, and whether ngspice 39's front end
 * would guess that word as its model (dropped_models.c); the check, once the deck is read, that
 * refuses a line whose model no line names as ngspice guesses (where the deck has no .if). */
kh_status kh_ngspice_model_use(kh_parser *p, uint32_t line, const kh_token *name_tok,
                               uint32_t model);
kh_status kh_check_dropped_models(kh_parser *p);
/* Directive cards (directives.c): each parses its logical line's tokens into the netlist;
 * kh_add_shunts adds .options rshunt's resistors once every card is read. */
kh_status kh_card_options(kh_parser *p, uint32_t line, const kh_tokens *tok);
kh_status kh_card_temp(kh_parser *p, uint32_t line, const kh_tokens *tok);
/* A .temp or .options card that read a parameter defined further down, after the scan: a .temp
 * card further down beats it; an option another card sets too is refused (the order is lost). */
kh_status kh_late_directive(kh_parser *p, uint32_t line, const kh_tokens *tok);
/* The circuit at celsius whatever the deck's .temp and .options temp= say, as ngspice's .dc TEMP
 * sweep sets it at each point (before reading: every `temper` reads it). */
kh_status kh_fix_temperature(kh_parser *p, double celsius);
kh_status kh_card_global(kh_parser *p, uint32_t line, const kh_tokens *tok);
kh_status kh_card_func(kh_parser *p, uint32_t line, const kh_tokens *tok);
kh_status kh_card_dc(kh_parser *p, uint32_t line, const kh_tokens *tok);
kh_status kh_add_shunts(kh_parser *p);

/* Evaluates the expression that starts at byte `at` of logical line `line` (a .if condition). */
/* A parameter's value in scope (then the globals, then temper), as expressions read them: 1 and
 * *v, or 0 when there is none (values.c). */
int kh_param_value(kh_parser *p, const kh_scope *scope, const char *name, size_t len, double *v);
kh_status kh_eval_line(kh_parser *p, uint32_t line, size_t at, const kh_scope *scope, double *out);
/* Conditionals (conditionals.c): whether a line is .if/.elseif/.else/.endif; a top-level line
 * as the scan meets it (*read: whether to read it); */
int kh_is_conditional(const char *text);
kh_status kh_top_line(kh_parser *p, uint32_t line, int *read);
/* A line of a subcircuit body as an instance expands it: conditional cards are evaluated with
 * the instance's parameters and *read says whether to read the line; kh_body_done checks that
 * every .if was closed. */
kh_status kh_body_line(kh_parser *p, uint32_t line, const kh_scope *scope, kh_if_state *state,
                       int *read);
kh_status kh_body_done(kh_parser *p, const kh_if_state *state);

/* Scoped names: the model or subcircuit `name` as seen from scope (its definition's own, then
 * each enclosing definition's, then the top level's); KH_NOT_FOUND when none. */
uint32_t kh_find_model(const kh_parser *p, const kh_scope *scope, const kh_token *name);
/* Model bins (name.N with LMIN, LMAX, WMIN and WMAX) of `name` as the scope sees them (bsim3.c):
 * the instance's own (read per instance), its definition's and the enclosing ones', the top
 * level's, inner first: the bin holding L and W (where `sized`), a bin set aside under the same
 * name, and whether any bins exist. */
typedef struct {
  uint32_t bin, held;
  int any;
} kh_bin_lookup;
kh_bin_lookup kh_find_model_bin(const kh_parser *p, const kh_scope *scope, const kh_token *name,
                                int sized, double l, double w);
/* The model a card names at token `at` into *id, or an error there ("unknown model"); a model
 * not found while flattening ahead marks the line as missed (it may be defined further down). */
kh_status kh_model_at(kh_parser *p, uint32_t line, const kh_scope *scope, const kh_token *at,
                      uint32_t *id);
uint32_t kh_find_subckt(const kh_parser *p, const kh_scope *scope, const kh_token *name);
/* The line after `line` of a body, stepping over nested .subckt definitions. */
uint32_t kh_next_body_line(const kh_parser *p, uint32_t line);

/* Splits "x1 a b name [params:] p=v ..." (or ".subckt name a b [params:] p=v", from 2): returns
 * the index just after the positional tokens, and in *params_at that of the first parameter
 * (count when none). */
size_t kh_split_params(const kh_tokens *tok, size_t from, size_t *params_at);
/* The subcircuit multiplier (multiplier.c): marks each definition an X line with m= rewrites, as
 * ngspice 39 does (kh_subckt.multiplied_at), and refuses what that rewrite makes order-dependent
 * or silently drops. Before flattening. */
kh_status kh_mark_multiplied(kh_parser *p);
/* The index just after the value of `name = value ...` whose value starts at value_at: the next
 * `name =` or to (a value may be several tokens, as in `.param y = max(1, 2) + 3`). */
size_t kh_assignment_end(const kh_tokens *tok, size_t value_at, size_t to);
/* Parses `name = value ...` assignments from tokens [from, to) into table (evaluated in scope):
 * a model's, .input's or .bounds' words, each value one word, none a random draw. */
kh_status kh_parse_assignments(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to, const kh_scope *scope, kh_param_table *table);
/* What card logical line `line`, first word t, is to ngspice 39's front end: KH_PARAM_CARD for
 * any word that starts with .param (numparam's prefix test: .params, .parameters, measured),
 * KH_PARAM_IGNORED for one of those without '=' anywhere in the line (inpcom.c turns it into a
 * comment), KH_NOT_PARAM otherwise. */
typedef enum { KH_NOT_PARAM, KH_PARAM_CARD, KH_PARAM_IGNORED } kh_param_kind;
kh_param_kind kh_param_card_kind(const kh_parser *p, uint32_t line, const kh_token *t);
/* A .param line's assignments: a line with one may write it without braces, spaces included;
 * a value may be a random draw (kept as drawn, netlist/expr.c) and, beside others, a word whose
 * parentheses hold spaces (`b=max(a, 3)`), as ngspice 39 reads them. */
kh_status kh_parse_param_card(kh_parser *p, uint32_t line, const kh_tokens *tok,
                              const kh_scope *scope, kh_param_table *table);
/* An X line's values (as a .param line's, one word each) or a .subckt line's defaults (drawn
 * values kept; parentheses with spaces inside are ngspice's formula error there). */
kh_status kh_parse_instance_assignments(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                        size_t from, size_t to, const kh_scope *scope,
                                        kh_param_table *table, int header);
int kh_param_set(kh_arena *arena, kh_param_table *t, const char *name, size_t len, double v);
void kh_param_release(kh_param_table *t);
/* The table's entry for name[0..len), or NULL. */
struct kh_param *kh_param_find(const kh_param_table *t, const char *name, size_t len);
/* Frees what flattening built for a definition (its port index). */
void kh_subckt_release(kh_subckt *def);

/* Stage 2: expands every top-level element line held back in p->top, instantiating
 * subcircuits. */
kh_status kh_flatten(kh_parser *p);
/* Diodes (diode_model.c): a .model of type d checked, name by name, over tokens [from, to);
 * an instance's words after its model from token `from` (a positional area, off, area= m= pj=
 * temp= dtemp= ic=); the series resistors of diodes with RS valued once every card is read
 * (temperature, TRS, m and area). */
kh_status kh_check_diode_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to);
const char *kh_diode_param_canonical(const char *name);
kh_status kh_parse_diode_instance(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                  const kh_scope *s, double *area, kh_diode_inst *inst);
kh_status kh_finish_diodes(kh_parser *p);
/* A model's parameter names: what a card may write, and the name kept (aliases folded). */
typedef struct {
  const char *name, *canonical;
} kh_param_alias;
/* The canonical name of the word s[0, len) in table[0, n), or NULL; of the word name, or name
 * itself (elements.c). */
const char *kh_param_alias_find(const kh_param_alias *table, size_t n, const char *s, size_t len);
const char *kh_param_alias_canonical(const kh_param_alias *table, size_t n, const char *name);
/* Words a card may hold with what each is (a table ending in {NULL, NULL}): what token t is, or
 * NULL when it is none of them (elements.c). */
typedef struct {
  const char *name, *what;
} kh_word_note;
const char *kh_word_note_find(const kh_word_note *table, const kh_token *t);
/* Whether s (len bytes) is one of names[0..n), as written (elements.c); KH_LISTED for an array. */
int kh_listed(const char *const *names, size_t n, const char *s, size_t len);
/* A family's model words: lists of names, those with_lwp also with their l, w and p forms. */
typedef struct {
  const char *const *names;
  size_t count;
  int with_lwp;
} kh_word_list;
/* The canonical name of a BSIM model word s[0..len) (vtho, lvtho ... are vth0, lvth0 ...),
 * interned in table, which is filled from lists at its first use (a PDK deck reads thousands
 * of cards per run: a scan of the lists per word was most of its parse): 1 and *out, 0 for a
 * word the family does not know, -1 out of memory. */
int kh_model_word(kh_strmap *table, const kh_word_list *lists, size_t nlists, const char *s,
                  size_t len, const char **out);
#define KH_LISTED(names, s, len) kh_listed(names, sizeof names / sizeof *names, s, len)
/* Bname n+ n- I=expr or V=expr (behavioural.c); then, once the whole circuit is read, its
 * i(name) inputs resolved to their voltage sources (an error at the card where a name is none)
 * and its words' factor computed (behavioural_inputs.c). */
kh_status kh_behavioural_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
kh_status kh_resolve_behavioural(kh_parser *p);
/* Whether a value token ({...} or '...') reads the solution, v(...) or i(...) (behavioural.c). */
int kh_reads_solution(const kh_token *t);
/* A resistor ngspice 39 makes a B source (b_rewrites.c): whether its words after the nodes
 * make it one, and the card read so: a B source of current v(n+, n-) / expr (token at) with the
 * words kept (behavioural.c), or a linear resistor where expr is a constant at DC. */
int kh_resistor_is_b_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
kh_status kh_resistor_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
kh_status kh_behavioural_resistor(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t at,
                                  const kh_scope *s, kh_xwords words);
/* The same test and rewrite for a capacitor (capacitor_source.c), whose line with `q=` is one
 * too; and a B source's expression (token t) read for its errors alone (behavioural.c). */
int kh_capacitor_is_b_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
kh_status kh_capacitor_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* A V or I card (independent_sources.c). */
kh_status kh_source_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* An inductor ngspice 39 rewrites on the same words as a resistor (b_rewrites.c). */
kh_status kh_inductor_source(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
kh_status kh_behavioural_check(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *s);
/* The token "<prefix><t><suffix>" (in buf, size bytes) for the parts ngspice's rewrites name
 * after an element (`be1`, `e1_int1`), told at t (elements.c). */
kh_status kh_derived_name(kh_parser *p, uint32_t line, const kh_token *t, const char *prefix,
                          const char *suffix, char *buf, size_t size, kh_token *out);
/* Element e added as one of those parts, named <prefix><name> (a controlled one counted for
 * general Newton; elements.c). */
kh_status kh_add_derived(kh_parser *p, uint32_t line, const kh_token *name, const kh_scope *s,
                         const char *prefix, kh_elem e);
/* A curve through points (x0, y0, x1, ...) as ngspice 39's XSPICE pwl code model computes it:
 * its corners rounded over domain (a fraction of the shorter segment beside each point, or
 * volts), its ends held (limit) or extended. */
typedef struct {
  const double *xy;
  size_t points;
  double domain;
  int fraction, limit;
} kh_curve;
/* What a curve reads and drives: v(in[0]) - v(in[1]) (in[1] 0, ground, for one node), or the
 * current through the voltage source `source` (qualified; %vnam); out: v(out[0]) - v(out[1]), or
 * with current a current from out[0] through the element to out[1] (%i, %id). */
typedef struct {
  uint32_t in[2], out[2];
  const char *source;
  int current;
} kh_curve_ports;
/* The element `name` holding its output at the curve of its input (a B source V= or I= of
 * curve(...) for kirchhoff, written back as the pwl instance, or as the A card of `model` where
 * that is not KH_NOT_FOUND: hyst's leg). */
kh_status kh_behavioural_curve(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                               const kh_curve_ports *ports, const kh_curve *c, uint32_t model);
/* The element `name` holding its output at XSPICE pwlts's at DC: the curve at TIME 0, as cm_pwlts
 * computes it (cm_pwl's curve of the time; a B source, written back as the A card of `model`). */
kh_status kh_behavioural_time_curve(kh_parser *p, uint32_t line, const kh_scope *s,
                                    const kh_token *name, const kh_curve_ports *ports,
                                    const kh_curve *c, uint32_t model);
/* The element `name` holding its output at out_offset + gain (input + in_offset), XSPICE's gain
 * code model (a B source for kirchhoff, written back as the A card of `model`, a gain model). */
kh_status kh_behavioural_gain(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                              const kh_curve_ports *ports, uint32_t model);
/* The element `name` holding its output where XSPICE's int (out_ic) or d_dt (0) puts it at DC,
 * held in the model's limits as they hold it, or its oscillators sine ((out_low + out_high) / 2),
 * square and triangle (out_low) (a B source whose tree reads its input times 0, written back as
 * the A card of `model`). */
kh_status kh_behavioural_held(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                              const kh_curve_ports *ports, uint32_t model);
/* The element `name` holding its output where XSPICE's s_xfer puts it at DC: its integrators
 * held at int_ic, the last one's input gain (input + in_offset) less them (written back as the A
 * card of `model`; xspice.c checked the arrays' sizes). */
kh_status kh_behavioural_s_xfer(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *ports, uint32_t model);
/* The element `name` holding its output at XSPICE limit's gain (input + in_offset) held between
 * lower and upper, its corners rounded over `range` volts (a B source whose curve is pwl's, the
 * same parabolas: written back as the A card of `model`, a limit model). */
kh_status kh_behavioural_limit(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                               const kh_curve_ports *ports, uint32_t model, const double bounds[3]);
/* The element `name` holding its output at XSPICE summer's out_gain (sum of in_gain_k (in_k +
 * in_offset_k)) + out_offset, or with `product` mult's (product of (in_k + in_offset_k)) (product
 * of in_gain_k) out_gain + out_offset, in their code's order, over `count` inputs in[k] (their in
 * and source fields) to out (a B source, written back as the A card of `model`). */
kh_status kh_behavioural_vector(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in, size_t count,
                                const kh_curve_ports *out, uint32_t model, int product);
/* An A card's ports (xspice_ports.c) from token *i on, in tokens whose brackets stand alone
 * (kh_xspice_split_brackets; out's items the caller frees): `inputs` single input ports (none
 * for sidiode), or with KH_XSPICE_VECTOR a vector [...] of up to cap, into in (*count of them),
 * then the output (`output`: a voltage or current, KH_XSPICE_OUT, or aswitch's and sidiode's
 * conductance port, KH_XSPICE_GD_OUT, whose current the element carries, or the
 * potentiometer's single-ended one, KH_XSPICE_G) into *out; *i the token after them. */
enum { KH_XSPICE_OUT = 1, KH_XSPICE_GD_OUT = 2, KH_XSPICE_G = 3 };
#define KH_XSPICE_VECTOR SIZE_MAX
kh_status kh_xspice_ports(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                          size_t *i, size_t inputs, kh_curve_ports *in, size_t cap, size_t *count,
                          int output, kh_curve_ports *out);
/* One port from token *i on into c: an input (output 0: its in and source fields) or an output
 * of kind `output` (its out fields). */
kh_status kh_xspice_port(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                         size_t *i, int output, kh_curve_ports *c);
kh_status kh_xspice_split_brackets(kh_context *ctx, const kh_tokens *in, kh_tokens *out);
/* An A card of potentiometer model `model` (potentiometer.c): its three ports from token i on
 * (tokens as kh_xspice_ports takes them), made two resistors. */
kh_status kh_potentiometer(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                           size_t i, uint32_t model);
/* An A card of ilimit model `model` (ilimit.c): its ports from token i on, made the B sources of
 * the currents at its output and supplies. */
kh_status kh_ilimit(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s, size_t i,
                    uint32_t model);
/* An A card's name (or a TABLE card's, which becomes one) in scope s, and a node of its ports,
 * refused at their token where their flattened names hold a bracket (XSPICE splits them
 * there, and ngspice 39 fails). */
kh_status kh_xspice_name(kh_parser *p, uint32_t line, const kh_token *name, const kh_scope *s);
kh_status kh_xspice_port_node(kh_parser *p, uint32_t line, const kh_token *at, uint32_t node);
/* The element `name` holding its output at XSPICE divide's out_offset + out_gain (num_gain (in[0]
 * + num_offset)) / limited (den_gain (in[1] + den_offset)), the denominator limited away from 0
 * as cm_divide limits it (a B source, written back as the A card of `model`). */
kh_status kh_behavioural_divide(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in,
                                const kh_curve_ports *out, uint32_t model);
/* The element `name` holding its output at XSPICE climit's: gain (in[0] + in_offset) held
 * between in[2] + lower_delta and in[1] - upper_delta, the corners rounded over limit_range
 * (times their span with fraction), 0 where the limits leave no linear range, as cm_climit
 * computes it (a B source, written back as the A card of `model`). */
kh_status kh_behavioural_climit(kh_parser *p, uint32_t line, const kh_scope *s,
                                const kh_token *name, const kh_curve_ports *in,
                                const kh_curve_ports *out, uint32_t model);
/* The file of a table2d (dims 2) or table3d (3) model, its name the quoted token `at` of the card
 * on `line`, found and read as ngspice 39 finds and reads it (table_file.c; a file read before is
 * not read again): its index in the netlist's grids, or KH_ERR_INPUT at `at` with the file's
 * line and column. */
kh_status kh_table_file_read(kh_parser *p, uint32_t line, const kh_token *at, uint32_t dims,
                             size_t *index);
/* The element `name` holding its output at XSPICE table2d's or table3d's: offset + gain f(in),
 * f the model's grid interpolated as cm_table2D and cm_table3D do (a B source, written back as
 * the A card of `model`). */
kh_status kh_behavioural_grid(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                              const kh_curve_ports *in, const kh_curve_ports *out, uint32_t model);
/* Whether a .model type is one of the XSPICE code models whose words kh_code_model_params reads
 * (pwl, limit, summer, mult, divide, climit and the others but gain, whose are checked as other
 * devices' are); those
 * words into params (xspice.c). */
int kh_code_model_type(const kh_token *type);
kh_status kh_code_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t end, kh_model_param **out, size_t *count);
/* The element `name` carrying XSPICE aswitch's current v(out) / r from out[0] through it to
 * out[1], r set by in[0] between r_off at cntl_off and r_on at cntl_on (exponentially with
 * `log`, else linearly, and beyond them) and at least 1e-9 ohm, as cm_aswitch computes it (a B
 * source, written back as the A card of `model`). */
/* An XSPICE aswitch instance `name` of model `id` (xspice.c), refused at `at` where ngspice 39
 * stops: cntl_on and cntl_off apart, r_off above 0 with `log`. */
kh_status kh_xspice_aswitch(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                            const kh_token *at, const kh_curve_ports *in, const kh_curve_ports *out,
                            uint32_t id);
/* An XSPICE pswitch (pswitch.c): the element `name` carrying v(out) / r from out->out[0] through
 * it to out->out[1], r set by v(cntl->in[0], cntl->in[1]) as cm_pswitch sets it, then the
 * control's resistor r_cntl_in. */
kh_status kh_pswitch(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                     const kh_curve_ports *cntl, const kh_curve_ports *out, uint32_t model);
kh_status kh_behavioural_aswitch(kh_parser *p, uint32_t line, const kh_scope *s,
                                 const kh_token *name, const kh_curve_ports *in,
                                 const kh_curve_ports *out, uint32_t model);
/* The element `name` carrying XSPICE sidiode's current from port[0] through it to port[1], the
 * piecewise curve of its own voltage that cm_sidiode computes (ngspice 39's: quadratic regions
 * from vfwd up and from -vrev down, epsilon and revepsilon wide, tanh limits where ilimit or
 * revilimit is below 1e29; a B source, written back as the A card of `model`). */
kh_status kh_behavioural_sidiode(kh_parser *p, uint32_t line, const kh_scope *s,
                                 const kh_token *name, const kh_curve_ports *port, uint32_t model);
/* XSPICE zener's constants as cm_zener computes them from model m's words (three: its three
 * segments, else two meeting at 0 V, a the difference of their slopes, slope1 - slope2);
 * KH_ERR_INPUT where one is not finite (a word 0, or a logarithm of a negative number). */
typedef struct {
  double n, i_sat, v12, k, v23, i0, v0, a, b, c, g;
  int three;
} kh_zener;
kh_status kh_zener_constants(const kh_model *m, kh_zener *z);
/* The element `name` carrying XSPICE zener's current from port[0] through it to port[1], the
 * curve of its own voltage cm_zener computes from z (a B source, written back as the A card of
 * `model`). */
kh_status kh_behavioural_zener(kh_parser *p, uint32_t line, const kh_scope *s, const kh_token *name,
                               const kh_curve_ports *port, uint32_t model, const kh_zener *z);
/* XSPICE A cards of the pwl, gain, limit, summer, mult, divide, climit, slew, aswitch, sidiode and
 * zener code models (xspice.c); the gain card's words checked and named (the others' are read by
 * kh_code_model_params: an array's values once each, in order, a boolean as 1 or 0). */
kh_status kh_xspice_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s);
/* Whether ngspice 39 makes the braces inside braces of element line `line` (in scope s)
 * parentheses (braces.c): where a .param card stands at the top level, or in the line's
 * subcircuit or one around it, and the line reads no v(, i(, temper, hertz or time. Elsewhere
 * its parameter reading fails on them, and a B source's expression reads them as blanks. */
int kh_inner_braces_group(const kh_parser *p, uint32_t line, const kh_scope *s);
kh_status kh_check_gain_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to);
const char *kh_gain_param_canonical(const char *name);
/* VDMOS (vdmos.c): a .model VDMOS card's parameters (pchan: 1 for a p-channel device), and an M
 * card whose word `at` (4, 5 or 6: after three, four or five nodes) names such a model. */
kh_status kh_vdmos_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t end, kh_model_param **out, size_t *count);
const char *kh_vdmos_param_canonical(const char *name);
kh_status kh_vdmos_card(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                        uint32_t model, size_t at);
/* Ename n+ n- value=expr or Gname ..., or with table (TABLE {expr} = (x, y) ...) the curve of
 * expr (behavioural.c), the expression from token `from`: as ngspice 39, a B source's V= on an
 * inner node that the E (or G) follows with gain 1. */
kh_status kh_behavioural_value(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                               size_t from, int table);
/* A transistor's words after its model (elements.c): an optional positional value first (the
 * area, *positional, when not NULL), then `off` (*off set) and name=value pairs from `words`
 * (each stored in *value and its bit set in *given; sign '+': it must be positive, '0': >= 0),
 * and ic= with up to ic_values values (a transient's: read and left). `device` names it in
 * messages ("JFET"), `known` lists the words there. */
typedef struct {
  const char *name;
  double *value;
  char sign;
  unsigned bit; /* set in *given */
} kh_instance_word;
typedef struct {
  const char *device, *known;
  double *positional;
  const kh_instance_word *words;
  size_t count;
  int ic_values;
  unsigned *given;
  uint8_t *off;     /* set to 1 where `off` is written (NULL: read and left) */
  const char *flag; /* another bare word the device takes (a VDMOS's `thermal`), or NULL */
  size_t *flag_at;  /* its token's index where written (left as it was otherwise) */
} kh_instance_words;
/* BSIM4 4.8 cards (bsim4.c): whether the card's words [from, to) give LEVEL 14 or 54; the
 * card's check and its parameters as stored (canonical names; VERSION as 4.8); its instance words
 * (KH_BSIM4_INSTANCE_WORDS of them into words, the values with a DC effect into *b4, the rest into
 * unread) and their check once the model is known (every other level refuses them). */
#define KH_BSIM4_INSTANCE_WORDS 23
int kh_bsim4_card(const kh_tokens *tok, size_t from, size_t to);
kh_status kh_check_bsim4_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t to);
kh_status kh_bsim4_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                size_t end, kh_model_param **out, size_t *count);
void kh_bsim4_instance_words(kh_mos_bsim4 *b4, double *unread, kh_instance_word *words);
kh_status kh_bsim4_check_instance(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                  const kh_model *model, const kh_mos_inst *in);
/* LTspice's ratings of a part on a .model card (standard.dio's Iave and Vpk, standard.bjt's Vceo
 * and Icrating), which ngspice 39 ignores with a warning and LTspice computes nothing from: 1
 * where t is one of `words` (NULL ends them), with a note (*st its status), else 0. */
int kh_ltspice_rating(kh_parser *p, uint32_t line, const kh_token *t, const char *const *words,
                      kh_status *st);
/* Each of the model's `names` (0 when not given) must be finite and >= 0: else an error at `at`
 * naming it (the resistances, saturation currents and gains ngspice's equations need). */
kh_status kh_check_nonnegative(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                               const char *const *names, size_t count);
/* ngspice 39 (inpgmod.c) reads an instance parameter written on a .model card as the default of
 * every instance of the model. For the card's word at token i (model_word: one of the device's
 * model words): refused when it is one of `defaults` given before on the card (ngspice takes the
 * first as the default and the last everywhere else), and when it is `m` and no model word
 * (ngspice drops it without a word: no default for the multiplier). */
/* The refusal of a .model word at token i that is not name=value: where it is an operator after
 * a value (`vth0 = 0.49 + dvth`), that ngspice reads the first word only and asks for braces. */
kh_status kh_model_word_expected(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                                 size_t i);
kh_status kh_check_model_instance_word(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                       size_t from, size_t i, int model_word,
                                       const char *const *defaults, size_t count);
/* An instance's default that its .model card gave (area, areab, areac, pj): above 0 (at least 0
 * with zero_ok), as the instance's own word must be, else an error at `at`, the instance's model
 * token (a card's value reaches every instance, and kirchhoff writes it back on each). */
kh_status kh_check_card_default(kh_parser *p, uint32_t line, const kh_token *at, const kh_model *m,
                                const char *name, double value, int zero_ok);
kh_status kh_instance_words_parse(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t i,
                                  const kh_scope *s, const kh_instance_words *w);
/* A device's area written after its model (token t), refused where it reads temper: ngspice 39
 * evaluates temper only in name=value words (inp_parse_temper) and stops at such a value. */
kh_status kh_eval_positional_area(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *s,
                                  double *area);
/* A transistor's RD or RS (`which`, "rd" or "rs"; elements.c): a resistor "rd#<owner>" of
 * `ohms` from node *inner (as written) to the internal node "<owner>#rd", which *inner becomes. */
kh_status kh_series_part(kh_parser *p, uint32_t line, const kh_token *name_tok, const char *owner,
                         const char *which, double ohms, uint32_t *inner);
/* Source waveforms (waveform.c): whether t names one (sin pulse pwl exp sffm am trnoise
 * trrandom), and the one at token *i parsed, with or without parentheses, to its value at
 * t = 0 (ngspice's DC value for a source given no DC value); *i moves past it. */
int kh_waveform_name(const kh_token *t);
/* A V or I line's own words (waveform.c): dc, ac, distof1, distof2, a waveform's name, an RF
 * port's words (kh_port_word: portnum, z0, pwr and freq). */
int kh_source_word(const kh_token *t);
int kh_port_word(const kh_token *t);
/* A V or I line's number or parameter at t, refusing a parameter name glued after a '(', which
 * ngspice 39 leaves unsubstituted and stops at. */
kh_status kh_source_value(kh_parser *p, uint32_t line, const kh_token *t, const kh_scope *s,
                          double *value);
kh_status kh_parse_waveform(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                            size_t *i, double *at_zero);
/* Flattens the top-level R, C, V, I and D lines [from, end) while the file is still being read.
 * *flattened: how many were; fewer than end - from means the next one names a parameter or a
 * model the file has not defined yet (no error then: it waits for kh_flatten). */
kh_status kh_flatten_ahead(kh_parser *p, uint32_t from, uint32_t end, uint32_t *flattened);
/* Stage 2b: pairs E and F elements into amplifiers (or fails). */
kh_status kh_resolve_amplifiers(kh_parser *p);
/* Stage 3: resolves .input/.output/.train/.bounds against the flattened circuit. */
kh_status kh_resolve_cards(kh_parser *p);

#endif
