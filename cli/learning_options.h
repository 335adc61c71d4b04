/* The learning options `kirchhoff train` and `grad` share (the run itself: kirchhoff/run.h). */
#ifndef KH_CLI_LEARNING_OPTIONS_H
#define KH_CLI_LEARNING_OPTIONS_H

#include "kirchhoff/kirchhoff.h"
#include "kirchhoff/trace.h"
#include "options.h"

#include <stdio.h>

/* The oscillating estimator's options, shared by train and grad. */
typedef struct {
  double period, node_capacitance;
  size_t periods, settle, steps, harmonics;
} kh_cli_oscillation;
#define KH_CLI_OSCILLATION_HELP                                                                    \
  "  --period T          oscillating estimator: period of the nudge (s, default 1e-6)\n"           \
  "  --periods M         periods measured (default 4), after --settle S (default 1)\n"             \
  "  --steps N           time steps per period (default 64)\n"                                     \
  "  --harmonics H       odd harmonics 1..2H-1 in the Chebyshev estimate (default 3;\n"            \
  "                      1: the first harmonic alone)\n"                                           \
  "  --node-capacitance C  farads from every free node to ground, besides C elements\n"
void kh_cli_oscillation_init(kh_cli_oscillation *o);
/* Appends the 6 options to opts (returns 6). */
size_t kh_cli_oscillation_opts(kh_cli_oscillation *o, kh_opt *opts);
/* Checks and converts; prints a usage error and returns 1 when out of range. */
int kh_cli_oscillation_apply(const char *cmd, const kh_cli_oscillation *in, kh_oscillation *out,
                             unsigned *harmonics);

/* --scale NAME: standardize, pixels or none; another name: a usage error for cmd, returns 1. */
int kh_cli_parse_scaling(const char *cmd, const char *name, kh_scaling *out);
/* --contour NAME: circle or slit; another name: a usage error for cmd, returns 1. */
int kh_cli_parse_contour(const char *cmd, const char *name, kh_contour *out);

/* --precond P: jacobi turns cg into cg-jacobi (the same as naming it); none (or NULL) leaves the
 * estimator. Prints the usage error and returns 1 for another name or estimator. */
int kh_cli_precondition(const char *cmd, const char *precond, kh_estimator *est);

#endif
