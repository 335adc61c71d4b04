/* Table-driven option parsing for the subcommands: each command lists its options once, with
 * where the value goes; numbers are checked whole (no trailing junk, finite). */
#ifndef KH_CLI_OPTIONS_H
#define KH_CLI_OPTIONS_H

#include <stddef.h>

typedef enum {
  KH_OPT_FLAG,
  KH_OPT_DOUBLE,
  KH_OPT_SIZE,
  KH_OPT_U64,
  KH_OPT_UNSIGNED,
  KH_OPT_STRING
} kh_opt_type;

typedef struct {
  const char *name; /* "--beta" */
  kh_opt_type type;
  void *value; /* int*, double*, size_t*, uint64_t*, unsigned*, const char** */
  int *seen;   /* set to 1 when given (may be NULL) */
} kh_opt;

/* Parses argv[1..argc) against opts; positional arguments go to positional[0..max_positional)
 * (their count into *positional_count). Prints the usage error itself and returns 1 on a bad
 * command line; --help calls help() and exits 0. */
int kh_parse_options(const char *cmd, int argc, char **argv, const kh_opt *opts, size_t count,
                     const char **positional, size_t max_positional, size_t *positional_count,
                     void (*help)(void));

/* The first option of opts given in argv (already parsed) that is not among allowed, or NULL. */
const char *kh_option_given_outside(int argc, char **argv, const kh_opt *opts, size_t count,
                                    const char *const *allowed, size_t allowed_count);

/* "1,0.5,0.25" into out (at most max values, each finite and > 0, or >= 0 when positive is 0).
 * Returns the count, or -1 for a malformed or empty list. */
int kh_parse_number_list(const char *s, double *out, size_t max, int positive);

#endif
