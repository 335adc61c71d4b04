/* kh_trace_export (trace.h): a trained network from a trace, as a netlist ngspice runs unchanged
 * (what `kirchhoff export` and kirchhoff.export write). */
#include "core/context.h"
#include "kirchhoff/hw.h"
#include "kirchhoff/netlist.h"
#include "kirchhoff/trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every element's value: the netlist's, with the trained parameters (through the device model
 * when hw has one) in place of the trainable ones */
static kh_status values_from(kh_context *ctx, const kh_netlist *nl, const kh_trace_snapshot *s,
                             const kh_hw_options *hw, double *values) {
  double gmin = 0, gmax = INFINITY;
  int device = hw && (hw->quantize_bits || hw->prog_noise > 0 || hw->stuck_rate > 0 ||
                      hw->variation > 0 || hw->prog_noise_add > 0);
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

/* The netlist to path: to PATH.kh-tmp, renamed into place only when complete */
static kh_status write_netlist(kh_context *ctx, const kh_netlist *nl, const kh_export_options *o,
                               const char *path) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.kh-tmp", path);
  FILE *out = fopen(tmp, "w");
  kh_status st = KH_OK;
  if (!out) return kh_set_error(ctx, KH_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
  st = kh_netlist_export(ctx, nl, out, o);
  if (fclose(out) != 0 && st == KH_OK)
    st = kh_set_error(ctx, KH_ERR_IO, "writing '%s' failed", tmp);
  if (st == KH_OK && rename(tmp, path) != 0)
    st = kh_set_error(ctx, KH_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
  if (st != KH_OK) remove(tmp);
  return st;
}

kh_status kh_trace_export(kh_context *ctx, const char *trace, long epoch, const kh_hw_options *hw,
                          const char *path) {
  kh_trace_snapshot s = {0};
  kh_netlist *nl = NULL;
  double *values = NULL;
  kh_status st = kh_trace_read_snapshot(ctx, trace, epoch, &s);
  if (st == KH_OK) st = kh_netlist_parse_own_text(ctx, &nl, s.netlist_text, trace);
  if (st == KH_OK && !(values = malloc((kh_netlist_element_count(nl) + 1) * sizeof *values)))
    st = kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  if (st == KH_OK) st = values_from(ctx, nl, &s, hw, values);
  if (st == KH_OK) {
    char err[64] = "", header[1024];
    if (isfinite(s.test_error))
      snprintf(err, sizeof err, ", test error %.2f %%", 100 * s.test_error);
    snprintf(
        header, sizeof header,
        "* exported by kirchhoff %s from %s, epoch %zu%s\n"
        "* ngspice: ideal diodes run as a steep Shockley diode (IS=1e-15 N=0.001, ~1 mV forward\n"
        "* drop at mA currents); set the inputs with .param kh_in<i> (feature i after .scale)\n",
        kh_version(), trace, s.epoch, err);
    static const kh_netlist_scale_kind kinds[] = {
        KH_NETLIST_SCALE_NONE, KH_NETLIST_SCALE_STANDARDIZE, KH_NETLIST_SCALE_PIXELS};
    kh_export_options o = {values, header, kinds[s.scaling], s.features, s.mean, s.inv_std};
    st = write_netlist(ctx, nl, &o, path);
  }
  free(values);
  kh_netlist_free(nl);
  kh_trace_snapshot_release(&s);
  return st;
}
