/* The .model cards of XSPICE's code models (xspice.c reads their A cards): each model's words as
 * its ifspec.ifs names them (numbers, arrays, booleans, a table's file), read once each in any
 * order, and the checks ngspice 39 makes of a card before any instance uses it (pwl's points, a
 * table's file and order, gain's words). */
#include "netlist_impl.h"
#include "parser.h"
#include "table_grid.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One number of an array or a scalar: a number or a {expression} or 'expression' (ngspice's front
 * end substitutes those: ngspice's memristor example writes beta='20e3/stime'), not a bare
 * name, which XSPICE's parse does not know. */
static kh_status number(kh_parser *p, uint32_t line, const kh_token *t, double *v) {
  char c = t->len ? t->s[0] : 0;
  if (!(c == '{' || c == '\'' || c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')))
    return kh_token_fail(p, line, t, "expected a number or {expression} in an XSPICE model");
  return kh_eval_token(p, line, t, NULL, v);
}

/* name=[v v ...] from token *i on (the brackets glued to the numbers or standing alone) into
 * params as (name, v) each. */
static kh_status array(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t *i, size_t end,
                       const char *name, kh_model_param *params, size_t *count) {
  const kh_token *t = tok->items;
  if (*i >= end || t[*i].s[0] != '[')
    return kh_token_fail(p, line, &t[*i < end ? *i : end - 1], "%s takes [values]", name);
  for (int closed = 0; !closed; (*i)++) {
    if (*i >= end) return kh_token_fail(p, line, &t[end - 1], "%s's '[' is never closed", name);
    kh_token v = t[*i];
    if (v.s[0] == '[') v.s++, v.len--, v.off++;
    if (v.len && v.s[v.len - 1] == ']') v.len--, closed = 1;
    if (!v.len) continue;
    kh_status st = number(p, line, &v, &params[*count].value);
    if (st != KH_OK) return st;
    params[(*count)++].name = name;
  }
  return KH_OK;
}

double kh_param_first(const kh_model_param *params, size_t count, const char *name, double absent) {
  for (size_t k = 0; k < count; k++)
    if (!strcmp(params[k].name, name)) return params[k].value;
  return absent;
}

/* The points ascend, and with an absolute input_domain no two corners' roundings overlap (ngspice
 * prints "Violation of 50% rule" and goes on with curves that jump). */
static kh_status check_points(kh_parser *p, uint32_t line, const kh_token *at, const char *type,
                              const kh_model_param *params, size_t count) {
  size_t n = 0;
  double x[2] = {0, 0}, domain = kh_param_first(params, count, "input_domain", 0.01);
  for (size_t k = 0; k < count; k++)
    n += !strcmp(params[k].name, "x_array"), n -= !strcmp(params[k].name, "y_array");
  if (n != 0) return kh_token_fail(p, line, at, "x_array and y_array must be of one length");
  if (!(domain >= 1e-12 && domain <= 0.5))
    return kh_token_fail(p, line, at, "input_domain must lie in [1e-12, 0.5], got %g", domain);
  int fraction = kh_param_first(params, count, "fraction", 1) != 0;
  size_t seen = 0;
  for (size_t k = 0; k < count; k++) {
    if (strcmp(params[k].name, "x_array") != 0) continue;
    x[0] = x[1], x[1] = params[k].value;
    if (seen++ && !(x[0] < x[1]))
      return kh_token_fail(p, line, at, "%s's x_array must ascend (%g after %g)", type, x[1], x[0]);
    if (seen > 1 && !fraction && x[1] - x[0] < 2 * domain)
      return kh_token_fail(p, line, at,
                           "%s's segment from %g to %g is shorter than twice input_domain (%g): "
                           "the roundings of its corners would overlap",
                           type, x[0], x[1], domain);
  }
  if (seen < 2) return kh_token_fail(p, line, at, "a %s model needs two or more points", type);
  return KH_OK;
}

/* The words of the code models read (their ifspec.ifs), each a number, an array or a boolean:
 * pwl's, limit's (its limits have no default, checked where an instance uses the model, since
 * ngspice stops only then), summer's and mult's (alike), divide's, climit's, slew's, int's and
 * d_dt's (their limits alike), ilimit's, aswitch's, sidiode's, zener's, memristor's and
 * potentiometer's. */
enum { WORD_NUMBER, WORD_ARRAY, WORD_BOOLEAN, WORD_FILE };
typedef struct {
  const char *name;
  unsigned char kind;
} code_word;
enum { MAX_WORDS = 10 };
static const struct {
  const char *type;
  code_word words[MAX_WORDS];
} code_model_words[] = {
    {"pwl",
     {{"x_array", WORD_ARRAY},
      {"y_array", WORD_ARRAY},
      {"input_domain", WORD_NUMBER},
      {"fraction", WORD_BOOLEAN},
      {"limit", WORD_BOOLEAN}}},
    {"pwlts",
     {{"x_array", WORD_ARRAY},
      {"y_array", WORD_ARRAY},
      {"input_domain", WORD_NUMBER},
      {"fraction", WORD_BOOLEAN},
      {"limit", WORD_BOOLEAN}}},
    {"limit",
     {{"in_offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"out_lower_limit", WORD_NUMBER},
      {"out_upper_limit", WORD_NUMBER},
      {"limit_range", WORD_NUMBER},
      {"fraction", WORD_BOOLEAN}}},
    {"summer",
     {{"in_offset", WORD_ARRAY},
      {"in_gain", WORD_ARRAY},
      {"out_gain", WORD_NUMBER},
      {"out_offset", WORD_NUMBER}}},
    {"mult",
     {{"in_offset", WORD_ARRAY},
      {"in_gain", WORD_ARRAY},
      {"out_gain", WORD_NUMBER},
      {"out_offset", WORD_NUMBER}}},
    {"divide",
     {{"num_offset", WORD_NUMBER},
      {"num_gain", WORD_NUMBER},
      {"den_offset", WORD_NUMBER},
      {"den_gain", WORD_NUMBER},
      {"den_lower_limit", WORD_NUMBER},
      {"den_domain", WORD_NUMBER},
      {"fraction", WORD_BOOLEAN},
      {"out_gain", WORD_NUMBER},
      {"out_offset", WORD_NUMBER}}},
    {"slew", {{"rise_slope", WORD_NUMBER}, {"fall_slope", WORD_NUMBER}}},
    {"aswitch",
     {{"cntl_off", WORD_NUMBER},
      {"cntl_on", WORD_NUMBER},
      {"log", WORD_BOOLEAN},
      {"r_off", WORD_NUMBER},
      {"r_on", WORD_NUMBER},
      {"limit", WORD_BOOLEAN}}},
    {"pswitch",
     {{"cntl_off", WORD_NUMBER},
      {"cntl_on", WORD_NUMBER},
      {"log", WORD_BOOLEAN},
      {"r_off", WORD_NUMBER},
      {"r_on", WORD_NUMBER},
      {"r_cntl_in", WORD_NUMBER}}},
    {"sidiode",
     {{"ron", WORD_NUMBER},
      {"roff", WORD_NUMBER},
      {"vfwd", WORD_NUMBER},
      {"vrev", WORD_NUMBER},
      {"ilimit", WORD_NUMBER},
      {"revilimit", WORD_NUMBER},
      {"epsilon", WORD_NUMBER},
      {"revepsilon", WORD_NUMBER},
      {"rrev", WORD_NUMBER}}},
    {"zener",
     {{"v_breakdown", WORD_NUMBER},
      {"i_breakdown", WORD_NUMBER},
      {"r_breakdown", WORD_NUMBER},
      {"i_rev", WORD_NUMBER},
      {"i_sat", WORD_NUMBER},
      {"n_forward", WORD_NUMBER},
      {"limit_switch", WORD_BOOLEAN}}},
    {"int",
     {{"in_offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"out_lower_limit", WORD_NUMBER},
      {"out_upper_limit", WORD_NUMBER},
      {"limit_range", WORD_NUMBER},
      {"out_ic", WORD_NUMBER}}},
    {"d_dt",
     {{"out_offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"out_lower_limit", WORD_NUMBER},
      {"out_upper_limit", WORD_NUMBER},
      {"limit_range", WORD_NUMBER}}},
    {"ilimit",
     {{"in_offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"r_out_source", WORD_NUMBER},
      {"r_out_sink", WORD_NUMBER},
      {"i_limit_source", WORD_NUMBER},
      {"i_limit_sink", WORD_NUMBER},
      {"v_pwr_range", WORD_NUMBER},
      {"i_source_range", WORD_NUMBER},
      {"i_sink_range", WORD_NUMBER},
      {"r_out_domain", WORD_NUMBER}}},
    {"memristor",
     {{"rmin", WORD_NUMBER},
      {"rmax", WORD_NUMBER},
      {"rinit", WORD_NUMBER},
      {"alpha", WORD_NUMBER},
      {"beta", WORD_NUMBER},
      {"vt", WORD_NUMBER}}},
    {"potentiometer",
     {{"r", WORD_NUMBER},
      {"position", WORD_NUMBER},
      {"log", WORD_BOOLEAN},
      {"log_multiplier", WORD_NUMBER}}},
    {"s_xfer",
     {{"in_offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"num_coeff", WORD_ARRAY},
      {"den_coeff", WORD_ARRAY},
      {"int_ic", WORD_ARRAY},
      {"denormalized_freq", WORD_NUMBER}}},
    {"hyst",
     {{"in_low", WORD_NUMBER},
      {"in_high", WORD_NUMBER},
      {"hyst", WORD_NUMBER},
      {"out_lower_limit", WORD_NUMBER},
      {"out_upper_limit", WORD_NUMBER},
      {"input_domain", WORD_NUMBER},
      {"fraction", WORD_BOOLEAN}}},
    {"table2d",
     {{"order", WORD_NUMBER},
      {"verbose", WORD_NUMBER},
      {"offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"file", WORD_FILE}}},
    {"table3d",
     {{"order", WORD_NUMBER},
      {"verbose", WORD_NUMBER},
      {"offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"file", WORD_FILE}}},
    {"sine",
     {{"cntl_array", WORD_ARRAY},
      {"freq_array", WORD_ARRAY},
      {"out_low", WORD_NUMBER},
      {"out_high", WORD_NUMBER}}},
    {"square",
     {{"cntl_array", WORD_ARRAY},
      {"freq_array", WORD_ARRAY},
      {"out_low", WORD_NUMBER},
      {"out_high", WORD_NUMBER},
      {"duty_cycle", WORD_NUMBER},
      {"rise_time", WORD_NUMBER},
      {"fall_time", WORD_NUMBER}}},
    {"triangle",
     {{"cntl_array", WORD_ARRAY},
      {"freq_array", WORD_ARRAY},
      {"out_low", WORD_NUMBER},
      {"out_high", WORD_NUMBER},
      {"duty_cycle", WORD_NUMBER}}},
    {"climit",
     {{"in_offset", WORD_NUMBER},
      {"gain", WORD_NUMBER},
      {"upper_delta", WORD_NUMBER},
      {"lower_delta", WORD_NUMBER},
      {"limit_range", WORD_NUMBER},
      {"fraction", WORD_BOOLEAN}}},
};

/* XSPICE's booleans, measured in ngspice 39: true and false in any case, or a number that is 1
 * or 0 (1.0 and 01 read as true; 2, 't' and 'yes' are errors there). */
static kh_status boolean(kh_parser *p, uint32_t line, const kh_token *t, const char *name,
                         double *value) {
  int yes = kh_token_eq(t, "true"), no = kh_token_eq(t, "false");
  double v = NAN;
  if (!yes && !no && t->s[0] >= '0' && t->s[0] <= '9' &&
      kh_eval_token(p, line, t, NULL, &v) == KH_OK)
    yes = v == 1, no = v == 0;
  if (!yes && !no) return kh_token_fail(p, line, t, "%s takes true or false (or 1 or 0)", name);
  *value = yes;
  return KH_OK;
}

/* "unknown <type> model parameter '<word>' (<the model's words>)" at t. */
static kh_status unknown_word(kh_parser *p, uint32_t line, const kh_token *t, const char *type,
                              const code_word *words) {
  char list[256] = "";
  for (size_t k = 0; k < MAX_WORDS && words[k].name; k++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", words[k].name);
  return kh_token_fail(p, line, t, "unknown %s model parameter '%.*s' (%s)", type, (int)t->len,
                       t->s, list);
}

/* A code model's words (each name=value once, in any order) into params as (name, value): an
 * array's values each under its name, in order; a boolean as 1 or 0. `given` gets bit k for
 * words[k]. */
static kh_status read_words(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                            size_t end, size_t model, kh_model_param **out, size_t *count,
                            unsigned *given) {
  const kh_token *t = tok->items;
  const code_word *words = code_model_words[model].words;
  kh_model_param *params = kh_arena_alloc(&p->nl->arena, (end - from + 4) * sizeof *params);
  if (!params) return kh_fail_nomem(p->ctx, "storing a model");
  size_t n = 0;
  *given = 0;
  for (size_t i = from; i < end;) {
    size_t which = 0;
    while (which < MAX_WORDS && words[which].name && !kh_token_eq(&t[i], words[which].name))
      which++;
    if (which == MAX_WORDS || !words[which].name)
      return unknown_word(p, line, &t[i], code_model_words[model].type, words);
    const char *name = words[which].name;
    if (i + 2 >= end || !kh_token_eq(&t[i + 1], "="))
      return kh_token_fail(p, line, &t[i], "'%s' needs '=' and a value", name);
    if (*given & 1u << which) return kh_token_fail(p, line, &t[i], "'%s' is given twice", name);
    *given |= 1u << which;
    i += 2;
    kh_status st = KH_OK;
    if (words[which].kind == WORD_ARRAY) {
      st = array(p, line, tok, &i, end, name, params, &n);
    } else if (words[which].kind == WORD_FILE) { /* its value: the table's index */
      size_t index = 0;
      st = kh_table_file_read(p, line, &t[i], code_model_words[model].type[5] == '3' ? 3 : 2,
                              &index);
      params[n].value = (double)index, params[n++].name = name, i++;
    } else {
      st = (words[which].kind == WORD_NUMBER ? number(p, line, &t[i], &params[n].value)
                                             : boolean(p, line, &t[i], name, &params[n].value));
      params[n++].name = name, i++;
    }
    if (st != KH_OK) return st;
  }
  *out = params, *count = n;
  return KH_OK;
}

/* The kind of code model `type`'s word `name`, or -1 where it has none such. */
static int word_kind(const char *type, const char *name) {
  for (size_t k = 0; k < sizeof code_model_words / sizeof *code_model_words; k++)
    if (!strcmp(type, code_model_words[k].type))
      for (size_t w = 0; w < MAX_WORDS && code_model_words[k].words[w].name; w++)
        if (!strcmp(name, code_model_words[k].words[w].name))
          return code_model_words[k].words[w].kind;
  return -1;
}

int kh_code_model_file(const char *type, const char *name) {
  return word_kind(type, name) == WORD_FILE;
}

int kh_code_model_boolean(const char *type, const char *name) {
  return word_kind(type, name) == WORD_BOOLEAN;
}

int kh_code_model_array(const char *type, const char *name) {
  return word_kind(type, name) == WORD_ARRAY;
}

int kh_code_model_named(const char *type) {
  for (size_t k = 0; k < sizeof code_model_words / sizeof *code_model_words; k++)
    if (!strcmp(type, code_model_words[k].type)) return 1;
  return 0;
}

int kh_code_model_type(const kh_token *type) {
  for (size_t k = 0; k < sizeof code_model_words / sizeof *code_model_words; k++)
    if (kh_token_eq(type, code_model_words[k].type)) return 1;
  return 0;
}

/* A table2d or table3d card's words: its file given (ngspice 39 would look for a default name),
 * verbose 0, 1 or 2 (an int there, which only its messages read) and order a whole number that
 * ngspice can set up its derivative estimates with: cfunc.mod raises an order below 2 to 2, and
 * its ENO tables (mada/eno2.c, eno3.c) need order points on x and 2 order - 2 on y (and z); with
 * fewer, the table is not set up, the instance gives no output, and ngspice 39 crashes
 * (measured: a 3 x 3 table at the default order 3). */
static kh_status check_table_words(kh_parser *p, uint32_t line, const kh_tokens *tok,
                                   const kh_model_param *params, size_t count) {
  const kh_token *at = &tok->items[1];
  double file = kh_param_first(params, count, "file", NAN);
  if (isnan(file))
    return kh_token_fail(p, line, at,
                         "a %.*s model needs file=\"name\" (ngspice 39 would look for a "
                         "default file name)",
                         (int)tok->items[2].len, tok->items[2].s);
  double order = kh_param_first(params, count, "order", 3),
         verbose = kh_param_first(params, count, "verbose", 0);
  if (!(order == floor(order) && fabs(order) < 1e6) ||
      !(verbose == 0 || verbose == 1 || verbose == 2))
    return kh_token_fail(p, line, at,
                         "a table model's order must be a whole number and its verbose 0, 1 or "
                         "2");
  const kh_grid *g = p->nl->grids[(size_t)file];
  double k = order < 2 ? 2 : order, across = 2 * k - 2;
  char size[40];
  snprintf(size, sizeof size, g->dims == 3 ? "%u x %u x %u" : "%u x %u", g->n[0], g->n[1], g->n[2]);
  if (k > g->n[0] || across > g->n[1] || (g->dims == 3 && across > g->n[2]))
    return kh_token_fail(p, line, at,
                         "order %g needs %g or more points on x and %g or more on y%s (ngspice "
                         "39 sets up its derivative estimates so, and without them gives no "
                         "output and crashes); this table is %s: lower order",
                         k, k, across, g->dims == 3 ? " and z" : "", size);
  return KH_OK;
}

kh_status kh_code_model_params(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                               size_t end, kh_model_param **out, size_t *count) {
  size_t model = 0;
  while (!kh_token_eq(&tok->items[2], code_model_words[model].type)) model++;
  unsigned given = 0;
  kh_status st = read_words(p, line, tok, from, end, model, out, count, &given);
  if (st == KH_OK && !strncmp(code_model_words[model].type, "table", 5))
    return check_table_words(p, line, tok, *out, *count);
  const char *type = code_model_words[model].type;
  if (st != KH_OK || (strcmp(type, "pwl") && strcmp(type, "pwlts"))) return st;
  if ((given & 3) != 3)
    return kh_token_fail(p, line, &tok->items[1], "a %s model needs x_array and y_array", type);
  return check_points(p, line, &tok->items[1], type, *out, *count);
}

static const kh_param_alias gain_params[] = {
    {"in_offset", "in_offset"}, {"gain", "gain"}, {"out_offset", "out_offset"}};

const char *kh_gain_param_canonical(const char *name) {
  return kh_param_alias_canonical(gain_params, sizeof gain_params / sizeof *gain_params, name);
}

/* ngspice 39's gain reads these three (it warns of any other word and ignores it: noise_voltage
 * and the like came to it later). */
kh_status kh_check_gain_model(kh_parser *p, uint32_t line, const kh_tokens *tok, size_t from,
                              size_t to) {
  const kh_token *t = tok->items;
  for (size_t i = from; i < to; i += 3)
    if (!kh_param_alias_find(gain_params, sizeof gain_params / sizeof *gain_params, t[i].s,
                             t[i].len))
      return kh_token_fail(p, line, &t[i],
                           "unknown gain model parameter '%.*s' (in_offset, gain and out_offset "
                           "are ngspice 39's)",
                           (int)t[i].len, t[i].s);
  return KH_OK;
}
