/* The reader of a behavioural expression (behavioural.c): the tree it builds and the inputs it
 * reads, shared with behavioural_models.c, which builds the trees of XSPICE code models with
 * the same steps. */
#ifndef KH_NETLIST_BEHAVIOURAL_READER_H
#define KH_NETLIST_BEHAVIOURAL_READER_H

#include "expression.h"
#include "parser.h"

/* A user function's (.func) parameters bound to the nodes of its call's arguments. */
typedef struct binding {
  const char *const *names;
  const uint32_t *nodes;
  size_t count;
  const struct binding *outer;
} binding;

typedef struct kh_expr_reader {
  kh_parser *p;
  uint32_t line;
  const kh_scope *scope;
  const char *s, *end; /* the expression's text */
  const char *pos;
  const kh_token *first; /* the token the text starts at: offsets for messages */
  const char *call;      /* in a .func's body: its call in the line, where errors are told */
  const binding *bound;
  int depth;
  kh_xnode *nodes;
  size_t count, cap;
  size_t *inputs;
  const char **sources; /* per input: i(name)'s flattened name, NULL for a node */
  size_t input_count, input_cap, source_cap;
  kh_xwords words;
  uint8_t xspice; /* an XSPICE instance's tree (behavioural_models.c): its ports are limited */
  const struct kh_grid *grid; /* the table its KH_X_GRID node reads (table2d, table3d) */
  /* How ngspice 39 reads each brace and quote of a B source's expression (and of the E, G, R,
   * C and L values it makes B sources of; kh_reader_brace_kinds), per byte from s: a blank
   * (inp_bsource_compat blanks them: `v(in)*{k+1}` is v(in)*k + 1 there), or a parenthesis
   * (braces inside braces, which inp_quote_params makes parentheses first where
   * kh_inner_braces_group says); NULL: braces and quotes group as parentheses. */
  uint8_t *brace_kind;
  const char *constant_pwl; /* the first pwl of a number, refused if the tree reads an input */
  kh_status st;
} kh_expr_reader;

enum { MAX_DEPTH = 1000, MAX_NODES = 1 << 20 }; /* depth: the parser's stack, about 1 kB a level */

/* Records the first error, at `at` in the text (NULL: the card's first token); returns
 * UINT32_MAX, what a failed node is. */
uint32_t kh_reader_fail(kh_expr_reader *r, const char *at, const char *fmt, ...) KH_PRINTF(3, 4);
/* Adds node n (returns its index, UINT32_MAX after an error); a binary node over a and b; the
 * input `node`'s voltage, or (source not NULL) that source's current, the same input each time. */
uint32_t kh_reader_add(kh_expr_reader *r, kh_xnode n);
uint32_t kh_reader_binary(kh_expr_reader *r, uint8_t op, uint32_t a, uint32_t b);
uint32_t kh_reader_input(kh_expr_reader *r, uint32_t node, const char *source);
enum { KH_BRACE_BLANK = 1, KH_BRACE_OPEN = 2, KH_BRACE_CLOSE = 3 };
/* r->brace_kind for its text (kh_malloc'd, freed by kh_reader_finish; none where out of memory:
 * r->st says so): with `group`, braces and quotes inside the first level are parentheses, the
 * others blanks; without, all blanks. */
void kh_reader_brace_kinds(kh_expr_reader *r, int group);
/* a^b as ngspice's LTspice mode computes a B source's powers (ltspice_power.c); b must not read
 * an input (refused at `at`). */
uint32_t kh_reader_ltspice_power(kh_expr_reader *r, uint32_t a, uint32_t b, const char *at);
/* Stores the reader's tree (its value at root) as element e's expression and adds e as `name`,
 * the reader's work freed either way. */
kh_status kh_reader_finish(kh_expr_reader *r, uint32_t root, const kh_token *name, kh_elem e);
/* The same, e added as the part `name` (fully qualified) of the card whose token is at. */
kh_status kh_reader_finish_part(kh_expr_reader *r, uint32_t root, const kh_token *at,
                                const char *name, kh_elem e);

#endif
