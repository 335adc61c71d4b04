/* `.param` expressions: numbers (with suffixes), parameter names, + - * / ^ (or **),
 * parentheses and unary minus. Evaluated at parse time to a finite double. */
#ifndef KH_NETLIST_EXPR_H
#define KH_NETLIST_EXPR_H

#include <stddef.h>

/* Returns 1 and sets *value when `name[0..len)` is a defined parameter, 2 when it is one whose
 * value depends on a random draw (KH_PARAM_DRAWN), 3 when it reads temper where ngspice 39 leaves
 * temper undefined (KH_PARAM_TEMPER_UNDEFINED: refused), 4 when it is a global parameter that
 * reads temper, read inside a subcircuit, where ngspice 39 leaves it undefined
 * (KH_PARAM_TEMPER_GLOBAL: refused), else 0. */
enum { KH_PARAM_DRAWN = 2, KH_PARAM_TEMPER_UNDEFINED = 3, KH_PARAM_TEMPER_GLOBAL = 4 };
typedef int (*kh_param_lookup)(void *user, const char *name, size_t len, double *value);

typedef struct {
  size_t offset;     /* where in the expression text the error is */
  char message[160]; /* what is wrong */
} kh_expr_error;

/* A user function (.func name(a, b) = {body}): its parameter names and body text. */
typedef struct {
  const char *body;
  size_t body_len;
  const char *const *params; /* NUL-terminated names */
  size_t arity;
} kh_user_function;
/* Returns 1 and fills *f when `name[0..len)` is a user function, else 0. */
typedef int (*kh_function_lookup)(void *user, const char *name, size_t len, kh_user_function *f);

/* Evaluates s[0..len) (without braces). Returns 0 on success, -1 with *err filled. functions
 * may be NULL (no user functions). */
int kh_expr_eval(const char *s, size_t len, kh_param_lookup lookup, void *user, double *out,
                 kh_expr_error *err);
/* Whether name is one of the built-in functions (sqrt, pwr, ...). */
int kh_expr_is_builtin(const char *name, size_t len);
int kh_expr_eval_functions(const char *s, size_t len, kh_param_lookup lookup,
                           kh_function_lookup functions, void *user, double *out,
                           kh_expr_error *err);
/* As kh_expr_eval_functions, but a value that depends on a random draw (agauss, gauss, aunif,
 * unif, limit, or a parameter drawn so) is returned with *drawn set, where
 * kh_expr_eval_functions refuses it: a .param's value, which a later expression may multiply
 * by 0. */
int kh_expr_eval_drawn(const char *s, size_t len, kh_param_lookup lookup,
                       kh_function_lookup functions, void *user, double *out, kh_expr_error *err,
                       int *drawn);

/* As kh_expr_eval_drawn, with flags: KH_EXPR_LT_POWER, '^' and '**' as ngspice's LTspice mode
 * computes them (kh_ltspice_power); KH_EXPR_INNER_BRACES, braces inside the expression group as
 * parentheses, as ngspice 39 reads an element line's values (`{2*{k+1}}` is 6 there; in .param
 * and .model cards it fails on them). */
enum { KH_EXPR_LT_POWER = 1, KH_EXPR_INNER_BRACES = 2 };
int kh_expr_eval_with(const char *s, size_t len, kh_param_lookup lookup,
                      kh_function_lookup functions, void *user, unsigned flags, double *out,
                      kh_expr_error *err, int *drawn);
/* x^y in ngspice's LTspice mode (xpressn.c's '^', ptfuncs.c's PTpower, read there): pow(x, y)
 * for x >= 0; for x < 0, pow(x, n) where y is within 10 units in the last place of the integer
 * n (ngspice's AlmostEqualUlps), else 0. kh_ltspice_integer: whether y is so (n out). */
double kh_ltspice_power(double x, double y);
int kh_ltspice_integer(double y, double *n);

#endif
