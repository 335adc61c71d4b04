/* Names a user types (commands, options, estimators, optimizers, ...): an unknown one gets the
 * valid ones listed and, when one is a likely typo of it, that one suggested. */
#include "names.h"

#include "cli.h"

#include <stdio.h>
#include <string.h>

/* Levenshtein distance, case-insensitive, capped at 64 characters a side. */
static size_t distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > 64) n = 64;
  if (m > 64) m = 64;
  size_t row[65];
  for (size_t j = 0; j <= m; j++) row[j] = j;
  for (size_t i = 1; i <= n; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t up = row[j];
      int same = (a[i - 1] | 0x20) == (b[j - 1] | 0x20);
      size_t best = diag + !same;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[m];
}

const char *kh_cli_closest(const char *given, const char *const *names, size_t count) {
  const char *best = NULL;
  size_t best_d = (size_t)-1, len = strlen(given);
  for (size_t i = 0; i < count; i++) {
    size_t d = distance(given, names[i]);
    /* a prefix of a longer name ("--epoch" for "--epochs") is as likely as one typo */
    if (len >= 3 && !strncmp(given, names[i], len)) d = d < 1 ? d : 1;
    if (d < best_d) best_d = d, best = names[i];
  }
  size_t allowed = len / 3 > 2 ? len / 3 : 2;
  return best && best_d <= allowed ? best : NULL;
}

int kh_cli_unknown(const char *cmd, const char *what, const char *given, const char *const *names,
                   size_t count) {
  char list[2048];
  size_t used = 0;
  list[0] = '\0';
  for (size_t i = 0; i < count && used < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
  const char *near = kh_cli_closest(given, names, count);
  /* an option's value: "--scale: unknown name 'x'"; else "unknown option 'x'" */
  const char *pre = what[0] == '-' ? what : "", *sep = what[0] == '-' ? ": " : "";
  const char *noun = what[0] == '-' ? "name" : what;
  if (near)
    return kh_cli_usage(cmd, "%s%sunknown %s '%s' (did you mean '%s'?); valid: %s", pre, sep, noun,
                        given, near, list);
  return kh_cli_usage(cmd, "%s%sunknown %s '%s'; valid: %s", pre, sep, noun, given, list);
}

int kh_cli_choose(const char *cmd, const char *what, const char *given, const char *const *names,
                  size_t count) {
  for (size_t i = 0; i < count; i++)
    if (!strcmp(given, names[i])) return (int)i;
  kh_cli_unknown(cmd, what, given, names, count);
  return -1;
}
