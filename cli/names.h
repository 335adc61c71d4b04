/* Unknown names on the command line: the valid ones listed, the closest suggested. */
#ifndef KH_CLI_NAMES_H
#define KH_CLI_NAMES_H

#include <stddef.h>

/* The name a typo most likely meant (edit distance at most max(2, length / 3), or a prefix),
 * or NULL. */
const char *kh_cli_closest(const char *given, const char *const *names, size_t count);
/* Prints "kirchhoff CMD: unknown WHAT 'given' (did you mean 'x'?); valid: a, b, c" and returns
 * KH_EXIT_USAGE; a WHAT that is an option ("--scale") reads "--scale: unknown name 'given'". */
int kh_cli_unknown(const char *cmd, const char *what, const char *given, const char *const *names,
                   size_t count);
/* The index of given among names, or -1 after printing kh_cli_unknown's error. */
int kh_cli_choose(const char *cmd, const char *what, const char *given, const char *const *names,
                  size_t count);

#endif
