#include "cli.h"
#include "names.h"
#include "processes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kh_command commands[] = {
    {"op", "DC operating point of a netlist (native solver, ngspice, or both compared)", kh_cmd_op,
     kh_help_op},
    {"dc", "the deck's .dc sweep: one operating point per row (CSV)", kh_cmd_dc, kh_help_dc},
    {"net", "write a layered deep resistive network as a netlist", kh_cmd_net, kh_help_net},
    {"grad", "compare EP gradient estimators with the exact gradient", kh_cmd_grad, kh_help_grad},
    {"export", "write a trained network from a trace as a netlist for ngspice", kh_cmd_export,
     kh_help_export},
    {"validate", "compare an exported network in ngspice and kirchhoff on data", kh_cmd_validate,
     kh_help_validate},
    {"train", "train a network with equilibrium propagation on a data set", kh_cmd_train,
     kh_help_train},
    {"sweep", "train once per point of a hyperparameter grid (across mpirun's processes)",
     kh_cmd_sweep, kh_help_sweep},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
  fprintf(out, "usage: kirchhoff COMMAND [OPTIONS]\n\n"
               "Simulate analog resistive networks and train them with equilibrium propagation.\n\n"
               "commands:\n");
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'kirchhoff COMMAND --help' describes a command; 'kirchhoff --version' prints the "
               "version.\nexit codes: 0 ok, 1 usage, 2 input error, 3 numerical failure, "
               "4 environment (memory, missing ngspice)\n");
}

static int run(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return KH_EXIT_USAGE;
  }
  if (kh_cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
    if (argc > 2)
      for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (!strcmp(argv[2], commands[i].name)) return commands[i].help(), KH_EXIT_OK;
    usage(stdout);
    return KH_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("kirchhoff %s\n", kh_version());
    kh_cli_print_blas(stdout);
    return KH_EXIT_OK;
  }
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  const char *names[COMMAND_COUNT];
  for (size_t i = 0; i < COMMAND_COUNT; i++) names[i] = commands[i].name;
  const char *near = kh_cli_closest(argv[1], names, COMMAND_COUNT);
  fprintf(stderr, "kirchhoff: unknown command '%s'", argv[1]);
  if (near) fprintf(stderr, " (did you mean '%s'?)", near);
  fprintf(stderr, "\n\n");
  usage(stderr);
  return KH_EXIT_USAGE;
}

/* Every "--name=value" becomes "--name" "value" before any command parses its options, so the
 * form works for every option of every command. *split keeps the allocation (freed by main). */
static char **split_equals(int *argc, char **argv, char **split) {
  size_t n = 0, extra = 0;
  for (int i = 0; i < *argc; i++) extra += !strncmp(argv[i], "--", 2) && strchr(argv[i], '=');
  char **out = malloc(((size_t)*argc + extra + 1) * sizeof *out);
  *split = NULL;
  if (!out) return argv;
  size_t bytes = 0;
  for (int i = 0; i < *argc; i++) bytes += strlen(argv[i]) + 1;
  char *names = malloc(bytes + 1), *at = names;
  if (!names) return free(out), argv;
  for (int i = 0; i < *argc; i++) {
    char *eq = strncmp(argv[i], "--", 2) ? NULL : strchr(argv[i], '=');
    if (!eq) {
      out[n++] = argv[i];
      continue;
    }
    size_t len = (size_t)(eq - argv[i]);
    memcpy(at, argv[i], len);
    at[len] = '\0';
    out[n++] = at, at += len + 1;
    out[n++] = eq + 1;
  }
  out[n] = NULL;
  *argc = (int)n;
  *split = names;
  return out;
}

/* Static so that a command exiting early (--help) leaves them reachable, not leaked. */
static char **split_args, *split_names;

int main(int argc, char **argv) {
  kh_cli_mpi_start(&argc, &argv);
  /* the environment is the CLI's to read; the library takes settings (docs/cli.md) */
  kh_ngspice_configure(getenv("KH_NGSPICE_LIBRARY"), getenv("KH_NGSPICE_DECK"));
  split_args = split_equals(&argc, argv, &split_names);
  int rc = run(argc, split_args);
  if (split_args != argv) free(split_args);
  free(split_names);
  kh_cli_mpi_stop();
  return rc;
}
