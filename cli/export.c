/* kirchhoff export: a trained network from a trace, as a netlist ngspice runs unchanged. */
#include "cli.h"
#include "files.h"
#include "option_rows.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

static kh_status values_from(kh_context *ctx, const kh_netlist *nl, const kh_trace_snapshot *s,
                             const kh_hw_options *hw, double *values) {
  double gmin = 0, gmax = INFINITY;
  int device = hw->quantize_bits || hw->prog_noise > 0 || hw->stuck_rate > 0 || hw->variation > 0 ||
               hw->prog_noise_add > 0;
  kh_netlist_bounds(nl, &gmin, &gmax);
  if (!(gmin > 0)) gmin = 1e-12;
  if (device && (hw->quantize_bits || hw->stuck_rate > 0) && !isfinite(gmax))
    return kh_set_error(ctx, KH_ERR_USAGE, "quantized or stuck devices need the network's gmax");
  size_t ig = 0, ii = 0;
  for (size_t e = 0; e < kh_netlist_element_count(nl); e++)
    values[e] = kh_netlist_element(nl, e).value;
  for (size_t i = 0; i < kh_netlist_trainable_count(nl); i++) {
    size_t e = kh_netlist_trainable(nl, i);
    if (kh_netlist_element(nl, e).kind == KH_RESISTOR) {
      if (ig >= s->n_g || !(s->g[ig] > 0)) break;
      double g = s->g[ig++];
      values[e] = 1.0 / (device ? kh_hw_map(hw, g, gmin, gmax, i, 0) : g);
    } else {
      if (ii >= s->n_i || !isfinite(s->i_bias[ii])) break;
      values[e] = s->i_bias[ii++];
    }
  }
  if (ig != s->n_g || ii != s->n_i)
    return kh_set_error(
        ctx, KH_ERR_INPUT,
        "the trace's parameters (%zu conductances, %zu currents) do not fit its network", s->n_g,
        s->n_i);
  return KH_OK;
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
  kh_trace_snapshot s = {0};
  kh_netlist *nl = NULL;
  double *values = NULL;
  kh_cli_progress("export: reading %s", pos[0]);
  kh_status st = kh_trace_read_snapshot(ctx, pos[0], epoch_given ? (long)epoch : -1, &s);
  if (st == KH_OK) st = kh_netlist_parse_string(ctx, &nl, s.netlist_text, pos[0]);
  if (st == KH_OK && !(values = malloc((kh_netlist_element_count(nl) + 1) * sizeof *values)))
    st = kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  if (st == KH_OK) st = values_from(ctx, nl, &s, &hw, values);
  char header[1024], tmp[4200];
  if (st == KH_OK) {
    char err[64] = "";
    if (isfinite(s.test_error))
      snprintf(err, sizeof err, ", test error %.2f %%", 100 * s.test_error);
    snprintf(
        header, sizeof header,
        "* exported by kirchhoff %s from %s, epoch %zu%s\n"
        "* ngspice: ideal diodes run as a steep Shockley diode (IS=1e-15 N=0.001, ~1 mV forward\n"
        "* drop at mA currents); set the inputs with .param kh_in<i> (feature i after .scale)\n",
        kh_version(), pos[0], s.epoch, err);
    static const kh_netlist_scale_kind kinds[] = {
        KH_NETLIST_SCALE_NONE, KH_NETLIST_SCALE_STANDARDIZE, KH_NETLIST_SCALE_PIXELS};
    kh_export_options o = {values, header, kinds[s.scaling], s.features, s.mean, s.inv_std};
    snprintf(tmp, sizeof tmp, "%s.kh-tmp", path);
    kh_cli_progress("export: writing %s", path);
    FILE *out = fopen(tmp, "w");
    if (!out) st = kh_set_error(ctx, KH_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
    if (st == KH_OK) st = kh_netlist_export(ctx, nl, out, &o);
    if (out && fclose(out) != 0 && st == KH_OK)
      st = kh_set_error(ctx, KH_ERR_IO, "writing '%s' failed", tmp);
    if (st == KH_OK && rename(tmp, path) != 0)
      st = kh_set_error(ctx, KH_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    if (st != KH_OK) remove(tmp);
  }
  kh_cli_progress_done();
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report_in(ctx, st, pos, 1);
  free(values);
  kh_netlist_free(nl);
  kh_trace_snapshot_release(&s);
  kh_context_free(ctx);
  return rc;
}
