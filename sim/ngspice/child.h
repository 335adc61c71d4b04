/* ngspice's work in a child process (child.c): a crash there is an error here, and a run that
 * outlasts its time limit is stopped. The ngspice backend forks; these are the two ends. */
#ifndef KH_SIM_NGSPICE_CHILD_H
#define KH_SIM_NGSPICE_CHILD_H

#include "kirchhoff/status.h"

#include <stddef.h>
#include <sys/types.h>

/* The work: fills voltages and found (n nodes each), or fails with a message in ctx. */
typedef kh_status (*kh_child_work)(kh_context *ctx, void *arg, double *voltages,
                                   unsigned char *found);

/* The child's end: runs work in a context of its own and writes its status, the answer and the
 * message down fd; then exits the process. */
_Noreturn void kh_child_run(int fd, kh_child_work work, void *arg, size_t n, double *voltages,
                            unsigned char *found);

/* The parent's end: reads the child's answer from fd (closed here) and reaps the child; past
 * `seconds` (0: no limit) it kills the child and fails. `doing` completes "ngspice crashed ...",
 * "ngspice took longer than ... s ...". found is cleared unless the child answered. */
kh_status kh_child_collect(kh_context *ctx, pid_t pid, int fd, size_t n, double *voltages,
                           unsigned char *found, double seconds, const char *doing);

#endif
