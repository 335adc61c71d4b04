#include "options.h"

#include "cli.h"
#include "names.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_value(const char *cmd, const kh_opt *o, const char *v) {
  char *end;
  errno = 0;
  switch (o->type) {
  case KH_OPT_DOUBLE: {
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d))
      return kh_cli_usage(cmd, "%s needs a number, got '%s'", o->name, v);
    *(double *)o->value = d;
    return 0;
  }
  case KH_OPT_SIZE:
  case KH_OPT_U64:
  case KH_OPT_UNSIGNED: {
    unsigned long long u = strtoull(v, &end, 10);
    if (end == v || *end || errno || v[0] == '-' || (o->type == KH_OPT_UNSIGNED && u > UINT_MAX))
      return kh_cli_usage(cmd, "%s needs a whole number >= 0, got '%s'", o->name, v);
    if (o->type == KH_OPT_SIZE)
      *(size_t *)o->value = (size_t)u;
    else if (o->type == KH_OPT_U64)
      *(uint64_t *)o->value = (uint64_t)u;
    else
      *(unsigned *)o->value = (unsigned)u;
    return 0;
  }
  case KH_OPT_STRING: *(const char **)o->value = v; return 0;
  case KH_OPT_FLAG: break;
  }
  return 1;
}

int kh_parse_options(const char *cmd, int argc, char **argv, const kh_opt *opts, size_t count,
                     const char **positional, size_t max_positional, size_t *positional_count,
                     void (*help)(void)) {
  *positional_count = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (kh_cli_is_help(a)) {
      help();
      exit(KH_EXIT_OK);
    }
    if (a[0] == '-' && a[1]) {
      const kh_opt *o = NULL;
      for (size_t k = 0; k < count; k++)
        if (!strcmp(opts[k].name, a)) o = &opts[k];
      if (!o) {
        const char *names[count ? count : 1];
        for (size_t k = 0; k < count; k++) names[k] = opts[k].name;
        return kh_cli_unknown(cmd, "option", a, names, count);
      }
      if (o->seen) *o->seen = 1;
      if (o->type == KH_OPT_FLAG) {
        *(int *)o->value = 1;
        continue;
      }
      if (i + 1 >= argc) return kh_cli_usage(cmd, "%s needs a value", a);
      if (set_value(cmd, o, argv[++i])) return 1;
    } else if (*positional_count < max_positional) {
      positional[(*positional_count)++] = a;
    } else {
      return kh_cli_usage(cmd, "unexpected argument '%s'", a);
    }
  }
  return 0;
}

int kh_parse_number_list(const char *s, double *out, size_t max, int positive) {
  size_t n = 0;
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || !(positive ? v > 0 : v >= 0) || n == max) return -1;
    out[n++] = v;
    if (*end == ',' && end[1])
      end++;
    else if (*end)
      return -1;
    s = end;
  }
  return n ? (int)n : -1;
}

const char *kh_option_given_outside(int argc, char **argv, const kh_opt *opts, size_t count,
                                    const char *const *allowed, size_t allowed_count) {
  for (int i = 1; i < argc; i++) {
    const kh_opt *o = NULL;
    for (size_t k = 0; k < count; k++)
      if (!strcmp(opts[k].name, argv[i])) o = &opts[k];
    if (!o) continue;
    int ok = 0;
    for (size_t k = 0; k < allowed_count; k++) ok |= !strcmp(allowed[k], o->name);
    if (!ok) return o->name;
    if (o->type != KH_OPT_FLAG) i++; /* its value */
  }
  return NULL;
}
