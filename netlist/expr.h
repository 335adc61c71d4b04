/* `.param` expressions: numbers (with suffixes), parameter names, + - * / ^ (or **),
 * parentheses and unary minus. Evaluated at parse time to a finite double. */
#ifndef KH_NETLIST_EXPR_H
#define KH_NETLIST_EXPR_H

#include <stddef.h>

/* Returns 1 and sets *value when `name[0..len)` is a defined parameter, else 0. */
typedef int (*kh_param_lookup)(void *user, const char *name, size_t len, double *value);

typedef struct {
  size_t offset;     /* where in the expression text the error is */
  char message[160]; /* what is wrong */
} kh_expr_error;

/* Evaluates s[0..len) (without braces). Returns 0 on success, -1 with *err filled. */
int kh_expr_eval(const char *s, size_t len, kh_param_lookup lookup, void *user, double *out,
                 kh_expr_error *err);

#endif
