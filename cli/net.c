/* kirchhoff net: writes a layered deep resistive network as a netlist. */
#include "cli.h"
#include "files.h"
#include "option_rows.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void kh_help_net(void) {
  printf("usage: kirchhoff net --arch A-B-...-Z [options] [-o FILE]\n\n"
         "Writes a deep resistive network (Kendall et al. 2020, Scellier 2024) as a netlist with\n"
         "learning cards (docs/networks.md): each of the A input features drives a pair of\n"
         "voltage sources (+gain x, -gain x); dense trainable conductances join adjacent layers;\n"
         "ideal diodes clamp the first half of every hidden layer at v >= V_b and the second\n"
         "half at v <= -V_b; a trainable bias current feeds every hidden and output node; the\n"
         "Z outputs are linear.\n\n"
         "  --arch WIDTHS       layer widths, inputs first (e.g. 784-100-10)\n"
         "  --input-gain A      input gain (default 1; also --gain)\n"
         "  --init-scale C      conductances uniform in +-C/sqrt(fan_in), clamped at gmin\n"
         "                      (default 1, as in Scellier's code)\n"
         "  --init-low LO, --init-high HI (or --init-range LO HI)\n"
         "                      instead: uniform in [LO, HI]\n"
         "  --gmin G            lower conductance bound (default 1e-9 S)\n"
         "  --gmax G            upper conductance bound (default none)\n"
         "  --bias-voltage VB   diode clamp voltage V_b (default 0)\n"
         "  --differential-outputs  read each output as a node pair v(p) - v(n) (also\n"
         "                      --differential)\n"
         "  --clamp-pairs       clamp every hidden node to [-VB, VB] with two diodes instead\n"
         "                      (also --diode-pairs)\n"
         "  --wire-resistance R crossbar layout with R ohms per wire segment (IR drop)\n"
         "  --amp-gain G1,G2..  bidirectional amplifiers of gain Gl after hidden layer l\n"
         "                      (0: none; default none)\n"
         "  --seed S            initialization seed (default 1)\n"
         "  -o FILE             write to FILE (default: standard output); an existing FILE is\n"
         "                      replaced only when kirchhoff wrote it\n"
         "  --force             replace FILE whoever wrote it\n");
}

int kh_cmd_net(int argc, char **argv) {
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  const char *arch = NULL, *path = NULL, *amps = NULL, *pos[2];
  double range[2] = {0, 0};
  int have_range = 0, force = 0;
  /* --init-range takes two values: split it off before the table parser sees it */
  char *rest[argc + 1];
  int n = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--init-range")) {
      if (i + 2 >= argc || sscanf(argv[i + 1], "%lf", &range[0]) != 1 ||
          sscanf(argv[i + 2], "%lf", &range[1]) != 1)
        return kh_cli_usage("net", "--init-range needs two numbers LO HI");
      have_range = 1;
      i += 2;
      continue;
    }
    rest[n++] = argv[i];
  }
  kh_opt opts[32] = {
      {"--arch", KH_OPT_STRING, &arch, NULL},
      {"--gain", KH_OPT_DOUBLE, &o.input_gain, NULL}, /* short forms of generated rows */
      {"--differential", KH_OPT_FLAG, &o.differential_outputs, NULL},
      {"--diode-pairs", KH_OPT_FLAG, &o.clamp_pairs, NULL},
      {"--amp-gain", KH_OPT_STRING, &amps, NULL},
      {"-o", KH_OPT_STRING, &path, NULL},
      {"--force", KH_OPT_FLAG, &force, NULL},
  };
  size_t nopts = 7, npos;
  kh_cli_rows rows = {0}; /* every option that is one value, from its table */
  kh_cli_rows_add(&rows, KH_CLI_NET, &o, NULL);
  memcpy(opts + nopts, rows.rows, rows.count * sizeof opts[0]);
  nopts += rows.count;
  if (kh_parse_options("net", n, rest, opts, nopts, pos, 0, &npos, kh_help_net))
    return KH_EXIT_USAGE;
  if (!arch) return kh_cli_usage("net", "--arch is required");
  const kh_cli_file files[] = {{"-o", path, KH_FILE_NETLIST}};
  if (kh_cli_check_files("net", files, 1, force)) return KH_EXIT_USAGE;
  if (amps && kh_parse_number_list(amps, o.amp_gain, KH_NETGEN_MAX_LAYERS, 0) < 0)
    return kh_cli_usage("net", "--amp-gain needs gains >= 0: G1,G2,...");
  if (have_range) {
    if (!(range[1] > 0 && range[1] >= range[0] && range[0] >= 0))
      return kh_cli_usage("net", "--init-range needs 0 <= LO <= HI, HI > 0");
    o.init_low = range[0], o.init_high = range[1];
  }
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_status st = kh_netgen_parse_arch(ctx, &o, arch);
  FILE *out = stdout;
  if (st == KH_OK && path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    out = fopen(tmp, "w");
    if (!out) st = kh_set_error(ctx, KH_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
    if (st == KH_OK) st = kh_netgen_write(ctx, &o, out);
    if (out && fclose(out) != 0 && st == KH_OK)
      st = kh_set_error(ctx, KH_ERR_IO, "writing '%s' failed", tmp);
    if (st == KH_OK && rename(tmp, path) != 0)
      st = kh_set_error(ctx, KH_ERR_IO, "cannot rename to '%s': %s", path, strerror(errno));
    if (st != KH_OK) remove(tmp);
  } else if (st == KH_OK) {
    st = kh_netgen_write(ctx, &o, out);
  }
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report(ctx, st);
  kh_context_free(ctx);
  return rc;
}
