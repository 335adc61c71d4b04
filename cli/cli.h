/* The `kirchhoff` command: each subcommand parses its options and calls the library. */
#ifndef KH_CLI_H
#define KH_CLI_H

#include "kirchhoff/kirchhoff.h"

#include <stdio.h>

/* Exit codes (the README and docs/cli.md list them). */
enum { KH_EXIT_OK = 0, KH_EXIT_USAGE = 1, KH_EXIT_INPUT = 2, KH_EXIT_NUMERIC = 3 };

typedef struct {
  const char *name, *summary;
  int (*run)(int argc, char **argv);
  void (*help)(void);
} kh_command;

/* Prints "kirchhoff: <message>" for the context's last error and returns its exit code. */
int kh_cli_report(kh_context *ctx, kh_status st);
/* kh_cli_report, for a command that read `files`: an input error whose message names none of
 * them is said to be in files[0] (the netlist, say, for a circuit the solver refuses). */
int kh_cli_report_in(kh_context *ctx, kh_status st, const char *const *files, size_t count);
/* "kirchhoff <cmd>: ..." usage error, returns KH_EXIT_USAGE. */
int kh_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int kh_cli_is_help(const char *arg);
double kh_cli_now(void);
/* OpenBLAS's build and thread count, one line (blas.c; --version). */
void kh_cli_print_blas(FILE *out);
/* A status line on stderr, rewritten in place, when stderr is a terminal (else nothing); done
 * clears it before the command's own output. */
void kh_cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kh_cli_progress_done(void);
/* Moves the heap onto transparent huge pages, with a reserve sized from the input file (NULL:
 * the minimum); call before the input is read (memory.c). */
void kh_cli_prefer_huge_pages(const char *input_file);
/* The cores this process may use (its CPU affinity; cores.c). */
int kh_cli_cores(void);

/* The netlist's notes (skipped cards, ignored AC specifications) on stderr, unless quiet, and
 * the compatibility mode ngspice's start-up file sets, if one does (kh_cli_note_compat_mode). */
void kh_cli_print_notes(const kh_netlist *nl, int quiet);
/* Says on stderr where ngspice's start-up file (.spiceinit, spice.rc) sets `ngbehavior`, which
 * makes that ngspice read decks as another simulator does (spiceinit.c). */
void kh_cli_note_compat_mode(void);
/* The mode op and dc read decks in: ngspice's PSpice mode where that start-up file sets
 * ngbehavior=ps or psa, else ngspice's own. */
kh_compat kh_cli_compat_mode(void);
/* Says on stderr which nodes float in islands the circuit holds at 0 V (kh_circuit_floating_nodes):
 * ngspice solves such decks the same way, but they are often a mistyped node name. */
void kh_cli_warn_floating(const kh_circuit *c);
/* Says on stderr when general Newton's operating point need not be the only one: a diode whose
 * current steps or falls (IKR, ISR), or controlled sources acting with diodes (a latch has
 * three). */
void kh_cli_note_other_operating_points(const kh_netlist *nl, int nodesets_dropped);
/* Says on stderr which self-heating devices settled hotter than silicon's melting point. */
void kh_cli_note_hot_devices(const kh_netlist *nl, const double *voltages);
/* A note where an element of the answer carries more than a megaampere. */
void kh_cli_note_huge_currents(const kh_netlist *nl, const double *currents);

int kh_cmd_op(int argc, char **argv);
void kh_help_op(void);
int kh_cmd_dc(int argc, char **argv);
void kh_help_dc(void);
int kh_cmd_net(int argc, char **argv);
void kh_help_net(void);
int kh_cmd_grad(int argc, char **argv);
void kh_help_grad(void);
int kh_cmd_export(int argc, char **argv);
void kh_help_export(void);
int kh_cmd_validate(int argc, char **argv);
void kh_help_validate(void);
int kh_cmd_train(int argc, char **argv);
void kh_help_train(void);
/* kirchhoff train as a function. KH_TRAIN_DISTRIBUTED: the processes of mpirun share each
 * minibatch (else this process trains alone: a sweep's point); KH_TRAIN_SILENT: no output but
 * errors. *final_test_error (if given): the last epoch's test error. */
enum { KH_TRAIN_DISTRIBUTED = 1, KH_TRAIN_SILENT = 2 };
int kh_cli_train(int argc, char **argv, int flags, double *final_test_error);
int kh_cmd_sweep(int argc, char **argv);
void kh_help_sweep(void);

#endif
