/* An XSPICE A card's ports as ngspice 39 reads them (src/xspice/mif/mif_inp2.c, read there, and
 * measured): a port is a type (%v, %vd, %i, %id, %vnam) and its names, glued as %v(n), in
 * parentheses or not, or a bare node of the connection's default type (%v here). A vector
 * connection (summer's and mult's input) is [port port ...]: a type written before the '[' or
 * inside it holds for the bare ports after it until another type (`%vd [a b c d]` is two
 * differences), each port reading its type's count of names. A bracket is a word of its own
 * wherever it stands, glued to names or not ([a b]o reads as [ a b ] o, as in ngspice). */
#include "netlist_impl.h"
#include "parser.h"

#include "core/alloc.h"

#include <string.h>

/* A port's type: %v, %vd, %i, %id, %vnam, %gd or %g, the letters before any '(' in at; 0 for
 * another. */
enum { PORT_V = 1, PORT_VD, PORT_I, PORT_ID, PORT_VNAM, PORT_GD, PORT_G };
static int port_type(const kh_token *at, size_t *type) {
  static const char *const names[] = {"%v", "%vd", "%i", "%id", "%vnam", "%gd", "%g"};
  *type = 1;
  while (*type < at->len && at->s[*type] != '(') (*type)++;
  for (int k = 0; k < 7; k++)
    if (strlen(names[k]) == *type && !memcmp(at->s, names[k], *type)) return k + 1;
  return 0;
}

/* A port's names without parentheses or brackets, which XSPICE reads as a port's own (a
 * KiCad-style node `net-(a)` is one word elsewhere; written back in %v(...) it would not read
 * again: fuzzing), nor '=' or ',', which split words everywhere else (`%i(o=3)` glued held a node
 * named "o=3", which no other card can name: fuzzing). */
static kh_status plain_names(kh_parser *p, uint32_t line, const kh_token *names, size_t count) {
  for (size_t k = 0; k < count; k++) {
    if (memchr(names[k].s, '(', names[k].len) || memchr(names[k].s, ')', names[k].len) ||
        memchr(names[k].s, '[', names[k].len) || memchr(names[k].s, ']', names[k].len))
      return kh_token_fail(p, line, &names[k],
                           "a name with parentheses or brackets in an A card's port (XSPICE "
                           "reads them as the port's)");
    if (names[k].s[0] == '$') /* glued after a bracket; written back it would start a word */
      return kh_token_fail(p, line, &names[k],
                           "a word starting with '$' (after a blank, '$' starts a comment): "
                           "put a blank before it or rename it");
    if (memchr(names[k].s, '=', names[k].len) || memchr(names[k].s, ',', names[k].len))
      return kh_token_fail(p, line, &names[k],
                           "a name with '=' or ',' in an A card's port (elsewhere they split "
                           "words, so no other card could name that node)");
  }
  return KH_OK;
}

static int is_name(const kh_token *t) {
  return t->s[0] != '%' && !kh_token_eq(t, "(") && !kh_token_eq(t, ")") && !kh_token_eq(t, "[") &&
         !kh_token_eq(t, "]");
}

kh_status kh_xspice_name(kh_parser *p, uint32_t line, const kh_token *name, const kh_scope *s) {
  if (!strpbrk(s->path, "[]") && !memchr(name->s, '[', name->len) &&
      !memchr(name->s, ']', name->len))
    return KH_OK;
  return kh_token_fail(p, line, name,
                       "'%.*s'%s%s: a bracket in the name of an XSPICE A card (a TABLE card "
                       "becomes one) or of its subcircuit instance, which XSPICE reads as a "
                       "vector's (ngspice 39 fails on it)",
                       (int)name->len, name->s, s->path[0] ? " in " : "", s->path);
}

kh_status kh_xspice_port_node(kh_parser *p, uint32_t line, const kh_token *at, uint32_t node) {
  const char *name = kh_strmap_name(&p->nl->nodes, node);
  if (node == 0 || !strpbrk(name, "[]")) return KH_OK;
  return kh_token_fail(p, line, at,
                       "node '%s' of an XSPICE A card's port holds a bracket, which XSPICE reads "
                       "as a vector's (ngspice 39 fails on it; a subcircuit instance's or a "
                       "TABLE card's name becomes part of its nodes' names)",
                       name);
}

/* The names a port of type `kind` takes, from token *i on (the letters in at[0, type)): glued as
 * %v(n), or in parentheses or not. */
static kh_status port_names(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t *i,
                            size_t type, size_t want, kh_token names[2]) {
  const kh_token *t = tok->items, *at = &t[*i];
  size_t count = 0;
  if (type < at->len && (at->s[at->len - 1] != ')' ||
                         memchr(at->s + type + 1, ')', at->len - type - 2) || at->len < type + 3))
    return kh_token_fail(p, line, at, "expected '%.*s(name)'", (int)type, at->s);
  if (type < at->len) { /* %v(node): one token */
    names[0] =
        (kh_token){at->s + type + 1, at->len - (uint32_t)type - 2, at->off + (uint32_t)type + 1};
    count = 1, (*i)++;
  } else {
    (*i)++;
    int paren = *i < tok->count && kh_token_eq(&t[*i], "(");
    *i += (size_t)paren;
    for (; count < want && *i < tok->count && !kh_token_eq(&t[*i], ")"); count++) {
      if (!is_name(&t[*i]))
        return kh_token_fail(p, line, &t[*i], "expected a name after '%.*s'", (int)type, at->s);
      names[count] = t[(*i)++];
    }
    if (paren && !(*i < tok->count && kh_token_eq(&t[*i], ")")))
      return kh_token_fail(p, line, at, "'%.*s' needs its name%s and ')'", (int)type, at->s,
                           want > 1 ? "s" : "");
    *i += (size_t)paren;
  }
  if (count != want)
    return kh_token_fail(p, line, at, "'%.*s' takes %zu name%s", (int)type, at->s, want,
                         want > 1 ? "s" : "");
  return plain_names(p, line, names, count);
}

/* The type of the port at `at` (its letters at[0, *type)), checked for the direction (`output`,
 * a kh_xspice_direction): inputs a voltage, a current through the port's own 0 V branch or a
 * voltage source's current, outputs a voltage or a current, or aswitch's and sidiode's
 * conductance port (%gd) alone, or the potentiometer's single-ended one (%g). */
static kh_status checked_type(kh_parser *p, uint32_t line, const kh_token *at, int output,
                              int *kind, size_t *type) {
  static const char *const allowed[] = {"%v, %vd, %i, %id, %vnam", "%v, %vd, %i, %id", "%gd", "%g"};
  *kind = port_type(at, type);
  int ok = output == KH_XSPICE_GD_OUT ? *kind == PORT_GD
           : output == KH_XSPICE_G    ? *kind == PORT_G
           : output ? *kind && *kind != PORT_VNAM && *kind != PORT_GD && *kind != PORT_G
                    : *kind && *kind != PORT_GD && *kind != PORT_G;
  if (!ok)
    return kh_token_fail(p, line, at, "port type '%.*s': kirchhoff reads these %s ports (%s)",
                         (int)*type, at->s,
                         output == KH_XSPICE_G ? "potentiometer"
                         : output              ? "output"
                                               : "input",
                         allowed[output]);
  return KH_OK;
}

/* An input port of type %i or %id between c->in[0] and c->in[1] (ground for %i): XSPICE reads
 * the current through a 0 V branch of the port's own, from the first node to the second.
 * kirchhoff adds that branch as the 0 V source "v#<card>#in<column>" (KH_SYNTHETIC_XSPICE_INPUT;
 * the A card writes the port back) and reads its current, as a %vnam port reads its source's.
 * Refused across one node, where the branch would short it to itself (a singular matrix). */
static kh_status current_input(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                               const kh_token *at, kh_curve_ports *c) {
  if (c->in[0] == c->in[1])
    return kh_token_fail(p, line, at,
                         "a current input between a node and itself (its 0 V branch shorts "
                         "nothing and carries any current: ngspice 39's matrix is singular)");
  const kh_token *card = &tok->items[0];
  const char *qualified;
  size_t len;
  kh_status st = kh_qualify_name(p, card->s[0], s->path, card->s, card->len, &qualified, &len);
  size_t cap = len + 32;
  char *name = st == KH_OK ? kh_arena_alloc(&p->nl->arena, cap) : NULL;
  if (st == KH_OK && !name) st = kh_fail_nomem(p->ctx, "storing elements");
  if (st != KH_OK) return st;
  snprintf(name, cap, "v#%.*s#in%u", (int)len, qualified, at->off + 1);
  kh_elem v = {.kind = KH_VSOURCE,
               .model = KH_NOT_FOUND,
               .value = 0,
               .synthetic = KH_SYNTHETIC_XSPICE_INPUT,
               .node = {c->in[0], c->in[1]}};
  st = kh_add_part(p, line, at, name, v);
  if (st == KH_OK) c->source = name;
  return st;
}

/* A port from token *i on into c (the input's fields, or with `output` the output's). `held` is
 * a vector's type in force (0: none, a bare node is %v; NULL outside a vector), set by a type
 * written here. */
static kh_status port(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                      size_t *i, int output, int *held, kh_curve_ports *c) {
  const kh_token *at = &tok->items[*i];
  uint32_t *nodes = output ? c->out : c->in;
  nodes[1] = 0;
  int kind = held && *held                ? *held
             : output == KH_XSPICE_GD_OUT ? PORT_GD
             : output == KH_XSPICE_G      ? PORT_G
                                          : PORT_V;
  size_t type = 0;
  kh_token names[2];
  kh_status st = KH_OK;
  if (at->s[0] == '%') {
    st = checked_type(p, line, at, output, &kind, &type);
    if (held) *held = kind;
  } else if (kind == PORT_GD && kh_token_eq(at, "(")) { /* (a b): the default %gd's names */
    for (size_t k = 0; k < 2; k++)
      if (++*i >= tok->count || !is_name(&tok->items[*i]))
        return kh_token_fail(p, line, at, "'(' takes the port's two names and ')'");
      else
        names[k] = tok->items[*i];
    if (++*i >= tok->count || !kh_token_eq(&tok->items[*i], ")"))
      return kh_token_fail(p, line, at, "'(' takes the port's two names and ')'");
    ++*i, type = SIZE_MAX; /* the names are read */
    st = plain_names(p, line, names, 2);
  } else if (at->s[0] == '~' || !is_name(at)) {
    return kh_token_fail(p, line, at,
                         held ? "expected a port in the vector (a nested '[' or a stray "
                                "parenthesis)"
                              : "an A card's ports here are single (%%v, %%vd, ... or a node)");
  }
  size_t want = kind == PORT_VD || kind == PORT_ID || kind == PORT_GD ? 2 : 1;
  if (st == KH_OK && at->s[0] == '%') {
    st = port_names(p, line, tok, i, type, want, names);
  } else if (st == KH_OK && type != SIZE_MAX) { /* bare: the names, of the type in force */
    for (size_t k = 0; k < want; k++) {
      if (*i >= tok->count || !is_name(&tok->items[*i]))
        return kh_token_fail(p, line, at, "a port of the type in force takes %zu names", want);
      names[k] = tok->items[(*i)++];
    }
    st = plain_names(p, line, names, want);
  }
  if (st == KH_OK && kind == PORT_VNAM) {
    const char *name;
    size_t len;
    st = kh_qualify_name(p, 'v', s->path, names[0].s, names[0].len, &name, &len);
    if (st == KH_OK && !(c->source = kh_arena_strndup(&p->nl->arena, name, len)))
      st = kh_fail_nomem(p->ctx, "storing elements");
    return st;
  }
  c->current |= output && (kind == PORT_I || kind == PORT_ID || kind == PORT_GD);
  for (size_t k = 0; st == KH_OK && k < want; k++) {
    st = kh_resolve_node(p, line, s, &names[k], &nodes[k]);
    if (st == KH_OK) st = kh_xspice_port_node(p, line, &names[k], nodes[k]);
  }
  if (st == KH_OK && !output && (kind == PORT_I || kind == PORT_ID))
    st = current_input(p, line, tok, s, at, c);
  return st;
}

/* A vector connection from token *i on: an optional type, '[', two or more ports, ']'. */
static kh_status vector(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                        size_t *i, kh_curve_ports *in, size_t cap, size_t *count) {
  const kh_token *t = tok->items, *open = &t[*i];
  int held = 0;
  size_t type;
  if (t[*i].s[0] == '%') { /* %vd [a b c d]: the type for the ports inside */
    kh_status st = checked_type(p, line, &t[*i], 0, &held, &type);
    if (st != KH_OK) return st;
    open = &t[++*i];
  }
  if (!kh_token_eq(open, "["))
    return kh_token_fail(p, line, open, "expected '[' and the vector of input ports");
  for ((*i)++, *count = 0; *i < tok->count && !kh_token_eq(&t[*i], "]"); (*count)++) {
    if (*count == cap) return kh_token_fail(p, line, &t[*i], "more input ports than names");
    in[*count] = (kh_curve_ports){{0, 0}, {0, 0}, NULL, 0};
    kh_status st = port(p, line, tok, s, i, 0, &held, &in[*count]);
    if (st != KH_OK) return st;
  }
  if (*i == tok->count) return kh_token_fail(p, line, open, "'[' is never closed by ']'");
  (*i)++;
  if (*count < 2)
    return kh_token_fail(p, line, open,
                         "a vector of %zu input port%s: it takes two or more (ngspice 39: \"Too "
                         "few ports in connection\")",
                         *count, *count == 1 ? "" : "s");
  return KH_OK;
}

kh_status kh_xspice_port(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                         size_t *i, int output, kh_curve_ports *c) {
  *c = (kh_curve_ports){{0, 0}, {0, 0}, NULL, 0};
  if (*i >= tok->count)
    return kh_token_fail(p, line, &tok->items[tok->count - 1], "expected a port");
  return port(p, line, tok, s, i, output, NULL, c);
}

kh_status kh_xspice_ports(kh_parser *p, uint32_t line, const kh_tokens *tok, const kh_scope *s,
                          size_t *i, size_t inputs, kh_curve_ports *in, size_t cap, size_t *count,
                          int output, kh_curve_ports *out) {
  kh_status st = KH_OK;
  if (inputs == KH_XSPICE_VECTOR) {
    st = vector(p, line, tok, s, i, in, cap, count);
  } else {
    for (*count = 0; st == KH_OK && *count < inputs && *i < tok->count; (*count)++) {
      in[*count] = (kh_curve_ports){{0, 0}, {0, 0}, NULL, 0};
      st = port(p, line, tok, s, i, 0, NULL, &in[*count]);
    }
  }
  *out = (kh_curve_ports){{0, 0}, {0, 0}, NULL, 0};
  if (st == KH_OK && *i < tok->count) st = port(p, line, tok, s, i, output, NULL, out);
  return st;
}

kh_status kh_xspice_split_brackets(kh_context *ctx, const kh_tokens *in, kh_tokens *out) {
  out->count = 0;
  for (size_t k = 0; k < in->count; k++) {
    kh_token t = in->items[k];
    for (uint32_t start = 0, j = 0; j <= t.len; j++) {
      int bracket = j < t.len && (t.s[j] == '[' || t.s[j] == ']');
      if (j < t.len && !bracket) continue;
      /* the word before the bracket (or the token's end), then the bracket alone */
      if (kh_reserve((void **)&out->items, &out->capacity, out->count + 2, sizeof *out->items))
        return kh_fail_nomem(ctx, "reading an A card");
      if (j > start) out->items[out->count++] = (kh_token){t.s + start, j - start, t.off + start};
      if (bracket) out->items[out->count++] = (kh_token){t.s + j, 1, t.off + j};
      start = j + 1;
    }
  }
  return KH_OK;
}
