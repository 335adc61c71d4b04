/* `kirchhoff export`: a trained network as one file that both programs read as the same
 * circuit. ngspice runs it unchanged (ideal diodes become the documented steep Shockley model,
 * whose IS and N it reads while ignoring kh_ideal; kirchhoff reads kh_ideal=1 and ignores IS and
 * N for an ideal diode), inputs are driven by .param values, and the learning cards, including
 * the feature scaling, ride along as *kh comments. */
#include "netlist_impl.h"

#include "core/context.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* The steep Shockley diode that stands in for an ideal one in ngspice (netlist.h). */
#define STEEP_IS 1e-15
#define STEEP_N 0.001

static kh_status write_models(kh_context *ctx, const kh_netlist *nl, FILE *out) {
  for (size_t k = 0; k < nl->model_count; k++) {
    const kh_model *m = &nl->models[k];
    if (m->refusal) continue; /* a card set aside, which no element uses */
    if (kh_model_value(m, "kh_pwl", 0) != 0)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "model '%s': PWL diodes have no ngspice diode model; "
                     "export supports ideal and Shockley diodes",
                     m->name);
    int ideal = kh_model_value(m, "kh_ideal", 0) != 0;
    if (ideal && kh_model_value(m, "kh_vth", 0) != 0)
      return kh_fail(ctx, KH_ERR_USAGE,
                     "model '%s': ideal diodes with a threshold cannot be "
                     "exported as one ngspice model yet",
                     m->name);
    if (ideal)
      fprintf(out, ".model %s %s(is=%g n=%g kh_ideal=1)\n", m->name, m->type, STEEP_IS, STEEP_N);
    else
      kh_write_model_words(nl, m, out);
  }
  return KH_OK;
}

kh_status kh_netlist_export(kh_context *ctx, const kh_netlist *nl, FILE *out,
                            const kh_export_options *o) {
  fprintf(out, "%s\n", nl->title);
  if (o->header) fprintf(out, "%s", o->header);
  for (size_t i = 0; i < nl->option_count; i++)
    if (nl->options[i].has_value)
      fprintf(out, ".options %s=%.17g\n", nl->options[i].name, nl->options[i].value);
  fprintf(out, ".options reltol=%g abstol=1e-15 vntol=1e-12\n", KH_NGSPICE_RELTOL);
  kh_status st = write_models(ctx, nl, out);
  if (st != KH_OK) return st;
  for (size_t f = 0; f < nl->input_count; f++)
    fprintf(out, "%s kh_in%zu=0\n", f % 8 ? "+" : ".param", f);
  for (size_t i = 0; i < nl->element_count; i++)
    kh_netlist_write_element(nl, i, out, KH_WRITE_KIRCHHOFF, o->values, 1);
  kh_netlist_write_couplings(nl, out);
  kh_netlist_write_cards(nl, out, o->scale_kind, o->scale_count, o->scale_mean, o->scale_inv_std);
  fprintf(out, ".op\n.end\n");
  if (fflush(out) != 0 || ferror(out))
    return kh_fail(ctx, KH_ERR_IO, "writing the exported netlist failed: %s", strerror(errno));
  return KH_OK;
}
