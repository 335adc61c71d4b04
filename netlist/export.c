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

static const char *node(const kh_netlist *nl, uint32_t id) {
  return kh_strmap_name(&nl->nodes, id);
}
static const char *elem(const kh_netlist *nl, size_t i) {
  return kh_strmap_name(&nl->element_names, (uint32_t)i);
}

static kh_status write_models(kh_context *ctx, const kh_netlist *nl, FILE *out) {
  for (size_t k = 0; k < nl->model_count; k++) {
    const kh_model *m = &nl->models[k];
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
    fprintf(out, ".model %s %s(", m->name, m->type);
    if (ideal) fprintf(out, "is=%g n=%g kh_ideal=1", STEEP_IS, STEEP_N);
    for (size_t i = 0; !ideal && i < m->param_count; i++)
      fprintf(out, "%s%s=%.17g", i ? " " : "", m->params[i].name, m->params[i].value);
    fprintf(out, ")\n");
  }
  return KH_OK;
}

/* Feature f drives which element with which sign (0: not an input). */
static int input_of(const kh_netlist *nl, size_t e, size_t *feature) {
  for (size_t f = 0; f < nl->input_count; f++) {
    if (nl->inputs[f].pos == e) return *feature = f, 1;
    if (nl->inputs[f].neg == e) return *feature = f, -1;
  }
  return 0;
}

kh_status kh_netlist_export(kh_context *ctx, const kh_netlist *nl, FILE *out,
                            const kh_export_options *o) {
  fprintf(out, "%s\n", nl->title);
  if (o->header) fprintf(out, "%s", o->header);
  for (size_t i = 0; i < nl->option_count; i++)
    if (nl->options[i].has_value)
      fprintf(out, ".options %s=%.17g\n", nl->options[i].name, nl->options[i].value);
  fprintf(out, ".options reltol=1e-9 abstol=1e-15 vntol=1e-12\n");
  kh_status st = write_models(ctx, nl, out);
  if (st != KH_OK) return st;
  for (size_t f = 0; f < nl->input_count; f++)
    fprintf(out, "%s kh_in%zu=0\n", f % 8 ? "+" : ".param", f);
  for (size_t i = 0; i < nl->element_count; i++) {
    const kh_elem *e = &nl->elements[i];
    double v = o->values ? o->values[i] : e->value;
    const char *a = node(nl, e->synthetic == 2 ? e->ctrl[0] : e->node[0]),
               *b = node(nl, e->node[1]);
    size_t f;
    int sign;
    if (e->synthetic == 1) continue; /* RS: in the model */
    switch ((kh_element_kind)e->kind) {
    case KH_RESISTOR:
    case KH_CAPACITOR: fprintf(out, "%s %s %s %.17g\n", elem(nl, i), a, b, v); break;
    case KH_VSOURCE:
    case KH_ISOURCE:
      if ((sign = input_of(nl, i, &f)))
        fprintf(out, "%s %s %s dc {%.17g*kh_in%zu}\n", elem(nl, i), a, b, sign * nl->input_gain, f);
      else
        fprintf(out, "%s %s %s dc %.17g\n", elem(nl, i), a, b, v);
      break;
    case KH_DIODE:
      fprintf(out, "%s %s %s %s", elem(nl, i), a, b, nl->models[e->model].name);
      if (e->value != 1.0) fprintf(out, " area=%.17g", e->value);
      fputc('\n', out);
      break;
    case KH_VCVS:
      fprintf(out, "%s %s %s %s %s %.17g\n", elem(nl, i), a, b, node(nl, e->ctrl[0]),
              node(nl, e->ctrl[1]), v);
      break;
    case KH_CCCS: fprintf(out, "%s %s %s %s %.17g\n", elem(nl, i), a, b, e->control, v); break;
    }
  }
  kh_netlist_write_cards(nl, out, o->scale_kind, o->scale_count, o->scale_mean, o->scale_inv_std);
  fprintf(out, ".op\n.end\n");
  if (fflush(out) != 0 || ferror(out))
    return kh_fail(ctx, KH_ERR_IO, "writing the exported netlist failed: %s", strerror(errno));
  return KH_OK;
}
