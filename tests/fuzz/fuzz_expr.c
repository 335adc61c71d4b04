/* libFuzzer harness: the .param expression evaluator. It either returns a finite value or an
 * error whose offset lies inside the expression. */
#include "netlist/expr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int lookup(void *user, const char *name, size_t len, double *value) {
  (void)user;
  static const char *const names[] = {"a", "gain", "r1"};
  static const double values[] = {2.0, 1e3, 0.0};
  for (int i = 0; i < 3; i++)
    if (strlen(names[i]) == len && !memcmp(names[i], name, len)) return *value = values[i], 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  double v = 0;
  kh_expr_error err = {0};
  if (kh_expr_eval((const char *)data, size, lookup, NULL, &v, &err) == 0) {
    if (!isfinite(v)) abort();
  } else if (err.offset > size || !err.message[0]) {
    abort();
  }
  return 0;
}
