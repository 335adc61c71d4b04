/* The expression reader's tree (behavioural_reader.h): its nodes and inputs as they are added,
 * its first error, and the finished tree stored in the netlist as an element's expression. */
#include "behavioural_reader.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef kh_expr_reader reader;

/* Records the first error, at `at` in the text; returns UINT32_MAX, what a failed node is. */
uint32_t kh_reader_fail(reader *r, const char *at, const char *fmt, ...) {
  if (r->st != KH_OK) return UINT32_MAX;
  char message[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  if (r->call) at = r->call;
  if (!at) at = r->first->s; /* a code model's tree has no text: its card's name */
  kh_token t = {at, 1, r->first->off + (uint32_t)(at - r->first->s)};
  r->st = kh_token_fail(r->p, r->line, &t, "%s", message);
  return UINT32_MAX;
}

/* Adds a node; returns its index (or UINT32_MAX after an error). */
uint32_t kh_reader_add(reader *r, kh_xnode n) {
  if (r->st != KH_OK) return UINT32_MAX;
  if (r->count >= MAX_NODES) return kh_reader_fail(r, r->pos, "expression too long");
  if (kh_reserve((void **)&r->nodes, &r->cap, r->count + 1, sizeof *r->nodes))
    return r->st = kh_fail_nomem(r->p->ctx, "reading a B source"), UINT32_MAX;
  r->nodes[r->count] = n;
  return (uint32_t)r->count++;
}
uint32_t kh_reader_binary(reader *r, uint8_t op, uint32_t a, uint32_t b) {
  return r->st == KH_OK ? kh_reader_add(r, (kh_xnode){.op = op, .a = a, .b = b}) : UINT32_MAX;
}
/* An input: node `node`'s voltage, or (source not NULL) that source's current; the same input
 * each time it is read. */
uint32_t kh_reader_input(reader *r, uint32_t node, const char *source) {
  size_t i = 0;
  while (i < r->input_count &&
         !(source ? r->sources[i] == source : !r->sources[i] && r->inputs[i] == node))
    i++;
  if (i == r->input_count) {
    if (kh_reserve((void **)&r->inputs, &r->input_cap, i + 1, sizeof *r->inputs) ||
        kh_reserve((void **)&r->sources, &r->source_cap, i + 1, sizeof *r->sources))
      return r->st = kh_fail_nomem(r->p->ctx, "reading a B source"), UINT32_MAX;
    r->inputs[i] = node, r->sources[i] = source, r->input_count++;
  }
  return kh_reader_add(r, (kh_xnode){.op = KH_X_INPUT, .a = (uint32_t)i});
}

/* The tree's depth, in one pass: every node's operands come before it. A .func's body nests its
 * arguments inside it, so the tree can be deeper than the text was. */
static int tree_depth(const reader *r, uint32_t *deepest) {
  uint32_t *depth = kh_malloc((r->count + 1) * sizeof *depth);
  if (!depth) return -1;
  *deepest = 0;
  for (size_t i = 0; i < r->count; i++) {
    const kh_xnode *n = &r->nodes[i];
    uint32_t d = 0;
    if (n->op != KH_X_CONST && n->op != KH_X_INPUT) {
      d = depth[n->a];
      int two = (n->op >= KH_X_ADD && n->op <= KH_X_POW) || n->op == KH_X_TERN ||
                (n->op == KH_X_CALL && n->fn >= KH_XF_POW);
      two |= n->op == KH_X_GRID;
      if (two && depth[n->b] > d) d = depth[n->b];
      if ((n->op == KH_X_TERN || (n->op == KH_X_GRID && n->fn == 3)) && depth[n->c] > d)
        d = depth[n->c];
    }
    depth[i] = d + 1, *deepest = depth[i] > *deepest ? depth[i] : *deepest;
  }
  kh_free(depth);
  return 0;
}

/* The tree in evaluation order (operands first, as the nodes were added) into the arena, its
 * value at node root. */
static kh_status store(reader *r, uint32_t root, uint32_t *index) {
  kh_netlist *nl = r->p->nl;
  uint32_t depth;
  if (tree_depth(r, &depth)) return kh_fail_nomem(r->p->ctx, "storing a B source");
  if (depth > 2 * MAX_DEPTH) /* what evaluating and writing it recurse through */
    return kh_token_fail(r->p, r->line, r->first,
                         "expression nested too deeply once its .func calls are expanded (or a "
                         "summer or mult of more than 1000 inputs)");
  kh_xnode *nodes = kh_arena_alloc(&nl->arena, r->count * sizeof *nodes);
  size_t *inputs = kh_arena_alloc(&nl->arena, (r->input_count + 1) * sizeof *inputs);
  const char **sources = kh_arena_alloc(&nl->arena, (r->input_count + 1) * sizeof *sources);
  if (!nodes || !inputs || !sources ||
      kh_reserve((void **)&nl->expressions, &nl->expression_cap, nl->expression_count + 1,
                 sizeof *nl->expressions))
    return kh_fail_nomem(r->p->ctx, "storing a B source");
  memcpy(nodes, r->nodes, r->count * sizeof *nodes);
  if (r->input_count) {
    memcpy(inputs, r->inputs, r->input_count * sizeof *inputs);
    memcpy(sources, r->sources, r->input_count * sizeof *sources);
  }
  nl->expressions[nl->expression_count] = (struct kh_expression){
      nodes, (uint32_t)r->count, root,   inputs, sources, (uint32_t)r->input_count, r->words,
      1,     r->xspice,          r->grid};
  *index = (uint32_t)nl->expression_count++;
  return KH_OK;
}

void kh_reader_brace_kinds(reader *r, int group) {
  size_t n = (size_t)(r->end - r->s);
  if (!(r->brace_kind = kh_malloc(n + 1))) {
    r->st = kh_fail_nomem(r->p->ctx, "reading a B source");
    return;
  }
  int level = 0, quoted = 0; /* ngspice has made each quoted span a braced one before */
  for (size_t i = 0; i < n; i++) {
    char c = r->s[i];
    int open = c == '{' || (c == '\'' && !quoted), close = c == '}' || (c == '\'' && quoted);
    if (c == '\'') quoted = !quoted;
    uint8_t inner = group && level + open > 1;
    r->brace_kind[i] = !open && !close ? 0
                       : !inner        ? KH_BRACE_BLANK
                       : open          ? KH_BRACE_OPEN
                                       : KH_BRACE_CLOSE;
    level += open - close;
  }
  r->brace_kind[n] = 0;
}

/* Stores the reader's tree (its value at root) as element e's expression and adds e under its
 * card's name, or (part not NULL) as that part; the reader's work freed either way. */
static kh_status finish(reader *r, uint32_t root, const kh_token *name, const char *part,
                        kh_elem e) {
  kh_status st = KH_OK;
  if (r->st == KH_OK && r->constant_pwl && r->input_count)
    kh_reader_fail(r, r->constant_pwl,
                   "pwl of a number in an expression that reads a voltage or a current, on "
                   "which ngspice 39 crashes (write the value it gives)");
  if (r->st == KH_OK) st = store(r, root, &e.ctrl[0]);
  kh_free(r->nodes), kh_free(r->inputs), kh_free(r->sources), kh_free(r->brace_kind);
  if (r->st != KH_OK) return r->st;
  if (st == KH_OK)
    st = part ? kh_add_part(r->p, r->line, name, part, e)
              : kh_add_element(r->p, r->line, name, r->scope, e);
  if (st == KH_OK) r->p->controlled_count++;
  return st;
}

kh_status kh_reader_finish(reader *r, uint32_t root, const kh_token *name, kh_elem e) {
  return finish(r, root, name, NULL, e);
}

kh_status kh_reader_finish_part(reader *r, uint32_t root, const kh_token *at, const char *name,
                                kh_elem e) {
  return finish(r, root, at, name, e);
}
