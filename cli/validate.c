/* kirchhoff validate: an exported network, sample by sample, in ngspice and in kirchhoff. */
#include "cli.h"
#include "options.h"

#include <stdio.h>

void kh_help_validate(void) {
  printf("usage: kirchhoff validate NETLIST --data PATH [--samples N]\n\n"
         "Drives the inputs of a trained network (as `kirchhoff export` writes it) with the first\n"
         "N samples of a data set (default 500; the netlist's *kh .scale card turns raw features\n"
         "into inputs), solves each with ngspice (.op through the shared library) and with\n"
         "kirchhoff's own solver, and reports, one per line: class agreement, ngspice accuracy,\n"
         "kirchhoff accuracy and the largest output-voltage difference.\n");
}

/* One progress line per quarter second */
static void progress(void *user, size_t done, size_t total) {
  double *shown = user;
  if (kh_cli_now() - *shown < 0.25) return;
  kh_cli_progress("validate: sample %zu/%zu in ngspice and kirchhoff", done, total);
  *shown = kh_cli_now();
}

int kh_cmd_validate(int argc, char **argv) {
  const char *data = NULL, *pos[1];
  size_t npos, samples = 500;
  const kh_opt opts[] = {{"--data", KH_OPT_STRING, &data, NULL},
                         {"--samples", KH_OPT_SIZE, &samples, NULL}};
  if (kh_parse_options("validate", argc, argv, opts, 2, pos, 1, &npos, kh_help_validate))
    return KH_EXIT_USAGE;
  if (!npos) return kh_cli_usage("validate", "missing the NETLIST");
  if (!data) return kh_cli_usage("validate", "--data is required");
  if (!samples) return kh_cli_usage("validate", "--samples must be >= 1");
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_netlist *nl = NULL;
  kh_dataset *d = NULL;
  kh_validation r;
  double shown = 0;
  kh_cli_progress("validate: reading %s and %s", pos[0], data);
  kh_cli_note_compat_mode(); /* the mode ngspice reads the deck in here, and so does kirchhoff */
  kh_status st = kh_netlist_parse_file_compat(ctx, &nl, pos[0], NULL, kh_cli_compat_mode());
  if (st == KH_OK) st = kh_dataset_load(ctx, &d, data, 0);
  if (st == KH_OK) st = kh_validate(ctx, nl, d, samples, progress, &shown, &r);
  kh_cli_progress_done();
  if (st == KH_OK) {
    double n = (double)r.samples;
    printf("samples: %zu (%s)\n", r.samples, data);
    printf("class agreement: %.2f %%\n", 100.0 * (double)r.agree / n);
    printf("ngspice accuracy: %.2f %%\n", 100.0 * (double)r.ngspice_right / n);
    printf("kirchhoff accuracy: %.2f %%\n", 100.0 * (double)r.kirchhoff_right / n);
    printf("largest output difference: %.3g V\n", r.largest_difference);
  }
  const char *inputs[] = {pos[0], data};
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report_in(ctx, st, inputs, 2);
  kh_dataset_free(d), kh_netlist_free(nl);
  kh_context_free(ctx);
  return rc;
}
