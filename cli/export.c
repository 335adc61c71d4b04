/* kirchhoff export: a trained network from a trace, as a netlist ngspice runs unchanged. */
#include "cli.h"
#include "files.h"
#include "option_rows.h"

#include <stdio.h>
#include <string.h>

void kh_help_export(void) {
  printf("usage: kirchhoff export TRACE.h5 [--epoch N] [--quantize-bits B] [--stuck-rate R]\n"
         "                        [--prog-noise S] [--seed S] [--force] -o FILE\n\n"
         "Writes the network of a training run with the conductances and bias currents of\n"
         "epoch N (default: the last; 0: before training) as a standalone netlist that the\n"
         "ngspice program runs unchanged and kirchhoff reads back as the same circuit:\n"
         "ideal diodes as ngspice's steep Shockley stand-in (IS=1e-15, N=0.001) with\n"
         "kh_ideal=1 kept for kirchhoff, inputs driven by .param kh_in<i> (the feature after\n"
         "the run's scaling, which the *kh .scale card records), learning cards as *kh\n"
         "comments, and a header saying where it came from (docs/export.md). The device\n"
         "options write what hardware would hold instead of the trained conductances (the\n"
         "same device model and seed as `kirchhoff train`, docs/hardware.md). FILE is never\n"
         "the trace, and an existing FILE is replaced only when kirchhoff wrote it (or with\n"
         "--force).\n");
}

int kh_cmd_export(int argc, char **argv) {
  const char *path = NULL, *pos[1];
  size_t npos, epoch = 0;
  int epoch_given = 0, force = 0;
  kh_hw_options hw = KH_HW_OPTIONS_INIT;
  kh_opt opts[16] = {{"-o", KH_OPT_STRING, &path, NULL},
                     {"--epoch", KH_OPT_SIZE, &epoch, &epoch_given},
                     {"--seed", KH_OPT_U64, &hw.seed, NULL},
                     {"--force", KH_OPT_FLAG, &force, NULL}};
  size_t nopts = 4;
  kh_cli_rows hw_rows = {0}; /* the device's options, from their table */
  kh_cli_rows_add(&hw_rows, KH_CLI_HW, &hw, NULL);
  memcpy(opts + nopts, hw_rows.rows, hw_rows.count * sizeof opts[0]);
  nopts += hw_rows.count;
  if (kh_parse_options("export", argc, argv, opts, nopts, pos, 1, &npos, kh_help_export))
    return KH_EXIT_USAGE;
  if (hw.quantize_bits > 24) return kh_cli_usage("export", "--quantize-bits must be 0..24");
  if (!npos) return kh_cli_usage("export", "missing the trace file");
  if (!path) return kh_cli_usage("export", "-o FILE is required");
  const kh_cli_file files[] = {{"TRACE", pos[0], KH_FILE_INPUT}, {"-o", path, KH_FILE_NETLIST}};
  if (kh_cli_check_files("export", files, 2, force)) return KH_EXIT_USAGE;
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_cli_progress("export: writing %s from %s", path, pos[0]);
  kh_status st = kh_trace_export(ctx, pos[0], epoch_given ? (long)epoch : -1, &hw, path);
  kh_cli_progress_done();
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report_in(ctx, st, pos, 1);
  kh_context_free(ctx);
  return rc;
}
