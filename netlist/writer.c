/* Writes a netlist back as SPICE text that ngspice runs and kirchhoff parses to the same
 * circuit: flattened elements under their ngspice names, 17 significant digits, learning
 * cards hidden from SPICE as `*kh ` comments. */
#include "netlist_impl.h"

#include "core/context.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *node(const kh_netlist *nl, uint32_t id) {
  return kh_strmap_name(&nl->nodes, id);
}

static const char *elem_name(const kh_netlist *nl, size_t i) {
  return kh_strmap_name(&nl->element_names, (uint32_t)i);
}

static void write_element(const kh_netlist *nl, size_t i, FILE *out) {
  const kh_elem *e = &nl->elements[i];
  const char *a = node(nl, e->node[0]), *b = node(nl, e->node[1]);
  switch ((kh_element_kind)e->kind) {
  case KH_RESISTOR:
  case KH_CAPACITOR: fprintf(out, "%s %s %s %.17g\n", elem_name(nl, i), a, b, e->value); break;
  case KH_VSOURCE:
  case KH_ISOURCE: fprintf(out, "%s %s %s dc %.17g\n", elem_name(nl, i), a, b, e->value); break;
  case KH_DIODE:
    fprintf(out, "%s %s %s %s", elem_name(nl, i), a, b, nl->models[e->model].name);
    if (e->value != 1.0) fprintf(out, " %.17g", e->value);
    fputc('\n', out);
    break;
  }
}

/* Writes a card's words, wrapping long lists onto `*kh + ` continuation lines. */
static void write_card_list(FILE *out, const char *card, const char *const *words, size_t n) {
  fprintf(out, "*kh %s", card);
  for (size_t i = 0; i < n; i++) {
    if (i && i % 8 == 0) fprintf(out, "\n*kh +");
    fprintf(out, " %s", words[i]);
  }
  fputc('\n', out);
}

static int write_cards(const kh_netlist *nl, FILE *out) {
  size_t n = nl->input_count > nl->trainable_count ? nl->input_count : nl->trainable_count;
  const char **words = malloc((n + 1) * sizeof *words);
  if (!words) return -1;
  if (nl->input_count) {
    for (size_t i = 0; i < nl->input_count; i++) words[i] = elem_name(nl, nl->inputs[i]);
    write_card_list(out, ".input", words, nl->input_count);
  }
  if (nl->output_count) {
    fprintf(out, "*kh .output");
    for (size_t i = 0; i < nl->output_count; i++) {
      const kh_output *o = &nl->outputs[i];
      if (i && i % 8 == 0) fprintf(out, "\n*kh +");
      if (o->node_neg)
        fprintf(out, " v(%s,%s)", node(nl, (uint32_t)o->node_pos), node(nl, (uint32_t)o->node_neg));
      else
        fprintf(out, " v(%s)", node(nl, (uint32_t)o->node_pos));
    }
    fputc('\n', out);
  }
  if (nl->trainable_count) {
    for (size_t i = 0; i < nl->trainable_count; i++) words[i] = elem_name(nl, nl->trainable[i]);
    write_card_list(out, ".train", words, nl->trainable_count);
  }
  free(words);
  if (nl->has_bounds) {
    fprintf(out, "*kh .bounds gmin=%.17g", nl->gmin);
    if (isfinite(nl->gmax)) fprintf(out, " gmax=%.17g", nl->gmax);
    fputc('\n', out);
  }
  return 0;
}

kh_status kh_netlist_write(kh_context *ctx, const kh_netlist *nl, FILE *out) {
  fprintf(out, "%s\n* written by kirchhoff %s\n", nl->title, kh_version());
  for (size_t i = 0; i < nl->option_count; i++) {
    const kh_option *o = &nl->options[i];
    if (o->has_value)
      fprintf(out, ".options %s=%.17g\n", o->name, o->value);
    else
      fprintf(out, ".options %s\n", o->name);
  }
  for (size_t m = 0; m < nl->model_count; m++) {
    const kh_model *md = &nl->models[m];
    fprintf(out, ".model %s %s(", md->name, md->type);
    for (size_t i = 0; i < md->param_count; i++)
      fprintf(out, "%s%s=%.17g", i ? " " : "", md->params[i].name, md->params[i].value);
    fprintf(out, ")\n");
  }
  for (size_t i = 0; i < nl->element_count; i++) write_element(nl, i, out);
  if (write_cards(nl, out)) return kh_fail_nomem(ctx, "writing the netlist");
  fprintf(out, ".end\n");
  if (fflush(out) != 0 || ferror(out))
    return kh_fail(ctx, KH_ERR_IO, "writing the netlist failed: %s", strerror(errno));
  return KH_OK;
}

kh_status kh_netlist_write_string(kh_context *ctx, const kh_netlist *nl, char **text) {
  size_t size = 0;
  *text = NULL;
  FILE *f = open_memstream(text, &size);
  if (!f) return kh_fail_nomem(ctx, "writing the netlist");
  kh_status st = kh_netlist_write(ctx, nl, f);
  if (fclose(f) != 0 && st == KH_OK) st = kh_fail_nomem(ctx, "writing the netlist");
  if (st != KH_OK) {
    free(*text);
    *text = NULL;
  }
  return st;
}
