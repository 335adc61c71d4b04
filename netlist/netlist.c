/* Read-only accessors of a parsed netlist. */
#include "netlist_impl.h"

#include <ctype.h>
#include <string.h>

const char *kh_netlist_title(const kh_netlist *nl) {
  return nl->title;
}

size_t kh_netlist_node_count(const kh_netlist *nl) {
  return nl->nodes.count;
}

const char *kh_netlist_node_name(const kh_netlist *nl, size_t node) {
  return node < nl->nodes.count ? kh_strmap_name(&nl->nodes, (uint32_t)node) : NULL;
}

/* Names are stored lower case; lookups accept any case. */
static size_t find_lower(const kh_strmap *m, const char *name) {
  char buf[256];
  size_t n = strlen(name);
  if (n >= sizeof buf) return (size_t)-1;
  for (size_t i = 0; i < n; i++) buf[i] = (char)tolower((unsigned char)name[i]);
  uint32_t id = kh_strmap_find(m, buf, n);
  return id == KH_NOT_FOUND ? (size_t)-1 : id;
}

size_t kh_netlist_find_node(const kh_netlist *nl, const char *name) {
  if (strcmp(name, "gnd") == 0 || strcmp(name, "GND") == 0) return 0;
  return find_lower(&nl->nodes, name);
}

size_t kh_netlist_element_count(const kh_netlist *nl) {
  return nl->element_count;
}

double kh_netlist_source_multiplier(const kh_netlist *nl, size_t i) {
  const kh_elem *e = &nl->elements[i];
  return e->kind == KH_ISOURCE && e->multiplier > 0 ? e->multiplier : 1;
}

kh_element kh_netlist_element(const kh_netlist *nl, size_t i) {
  const kh_elem *e = &nl->elements[i];
  kh_element out = {(kh_element_kind)e->kind,
                    kh_strmap_name(&nl->element_names, (uint32_t)i),
                    e->node[0],
                    e->node[1],
                    e->value,
                    e->model == KH_NOT_FOUND ? NULL : nl->models[e->model].name,
                    nl->files[e->loc.file],
                    e->loc.line,
                    e->loc.col};
  return out;
}

size_t kh_netlist_find_element(const kh_netlist *nl, const char *name) {
  return find_lower(&nl->element_names, name);
}

const char *kh_netlist_model_type(const kh_netlist *nl, const char *model) {
  size_t m = find_lower(&nl->model_names, model);
  return m == (size_t)-1 ? NULL : nl->models[m].type;
}

int kh_netlist_model_param(const kh_netlist *nl, const char *model, const char *param,
                           double *value) {
  size_t m = find_lower(&nl->model_names, model);
  if (m == (size_t)-1) return 0;
  const kh_model *md = &nl->models[m];
  /* the first letter first: a BSIM device reads some 1,200 words of a 270-word card as it is
   * set up, and a strcasecmp per word was most of a PDK deck's time */
  int first = tolower((unsigned char)param[0]);
  for (size_t i = md->param_count; i-- > 0;)
    if (tolower((unsigned char)md->params[i].name[0]) == first &&
        strcasecmp(md->params[i].name, param) == 0) {
      *value = md->params[i].value;
      return 1;
    }
  return 0;
}

int kh_netlist_option(const kh_netlist *nl, const char *name, double *value) {
  int found = 0;
  for (size_t i = 0; i < nl->option_count; i++) /* the last one given wins, as in SPICE */
    if (nl->options[i].has_value && strcasecmp(nl->options[i].name, name) == 0) {
      *value = nl->options[i].value;
      found = 1;
    }
  return found;
}

#define DEFAULT_CELSIUS 27.0 /* ngspice's default circuit and nominal temperature */

double kh_netlist_temperature(const kh_netlist *nl) {
  double t = DEFAULT_CELSIUS;
  kh_netlist_option(nl, "temp", &t);
  return t + KH_CELSIUS_TO_KELVIN;
}

int kh_netlist_set_up_again(const kh_netlist *nl) {
  return nl->set_up_again;
}

double kh_netlist_nominal_temperature(const kh_netlist *nl, const char *model) {
  double t = DEFAULT_CELSIUS;
  kh_netlist_option(nl, "tnom", &t);
  if (model) kh_netlist_model_param(nl, model, "tnom", &t);
  return t + KH_CELSIUS_TO_KELVIN;
}

size_t kh_netlist_input_count(const kh_netlist *nl) {
  return nl->input_count;
}
kh_input kh_netlist_input(const kh_netlist *nl, size_t i) {
  kh_input in = {nl->inputs[i].pos, (size_t)-1};
  if (nl->inputs[i].neg != KH_NOT_FOUND) in.negated = nl->inputs[i].neg;
  return in;
}
double kh_netlist_input_gain(const kh_netlist *nl) {
  return nl->input_gain;
}
size_t kh_netlist_nodeset_count(const kh_netlist *nl) {
  return nl->nodeset_count;
}
kh_nodeset kh_netlist_nodeset(const kh_netlist *nl, size_t i) {
  return nl->nodesets[i];
}
size_t kh_netlist_output_count(const kh_netlist *nl) {
  return nl->output_count;
}
kh_output kh_netlist_output(const kh_netlist *nl, size_t i) {
  return nl->outputs[i];
}
size_t kh_netlist_trainable_count(const kh_netlist *nl) {
  return nl->trainable_count;
}
size_t kh_netlist_trainable(const kh_netlist *nl, size_t i) {
  return nl->trainable[i];
}

int kh_netlist_bounds(const kh_netlist *nl, double *gmin, double *gmax) {
  if (!nl->has_bounds) return 0;
  *gmin = nl->gmin;
  *gmax = nl->gmax;
  return 1;
}

size_t kh_netlist_control_blocks(const kh_netlist *nl) {
  return nl->control_blocks;
}

const char *kh_netlist_kirchhoff_words(const kh_netlist *nl) {
  if (kh_netlist_input_count(nl) || kh_netlist_output_count(nl) || kh_netlist_trainable_count(nl))
    return "learning cards (.input, .output, .train)";
  for (size_t k = 0; k < nl->model_count; k++)
    for (size_t i = 0; i < nl->models[k].param_count; i++)
      if (!strncmp(nl->models[k].params[i].name, "kh_", 3))
        return "kirchhoff's own model words (kh_...)";
  return NULL;
}

size_t kh_netlist_note_count(const kh_netlist *nl) {
  return nl->note_count;
}
const char *kh_netlist_note(const kh_netlist *nl, size_t i) {
  return nl->notes[i];
}

size_t kh_netlist_amplifier_count(const kh_netlist *nl) {
  return nl->amplifier_count;
}
kh_amplifier kh_netlist_amplifier(const kh_netlist *nl, size_t i) {
  return nl->amplifiers[i];
}
const char *kh_netlist_diode_general_reason(const kh_netlist *nl, size_t element, int *monotone) {
  const kh_elem *e = &nl->elements[element];
  if (monotone) *monotone = 1;
  if (e->kind != KH_DIODE || e->model == KH_NOT_FOUND) return NULL;
  const kh_model *m = &nl->models[e->model];
#define SET(name) (kh_model_value(m, name, 0) > 0)
  const char *why = NULL;
  int steps = 0;
  if (e->ctrl[1] && nl->diode_inst[e->ctrl[1] - 1].has_thermal_node)
    why = "self-heating: the junction's temperature follows the power it dissipates, through "
          "RTH0 and its thermal node (several operating points are possible: thermal runaway)",
    steps = 1;
  else if (SET("ikr"))
    why = "IKR's reverse knee makes the current step at -3 N Vt", steps = 1;
  else if (SET("isr"))
    why = "ISR's recombination current steps at -3 N Vt, and its generation factor can make the "
          "current fall",
    steps = 1;
  else if (SET("ikf") && ((SET("ns") && SET("jsw")) || SET("jtun") || SET("jtunsw")))
    why = "IKF's knee acts on the sum of the bottom current and the sidewall's own (NS) or the "
          "tunnelling current, whose co-content is not derived yet";
#undef SET
  if (monotone) *monotone = !steps;
  return why;
}

size_t kh_netlist_general_count(const kh_netlist *nl, size_t *first) {
  size_t count = nl->general_count, at = count ? nl->first_general : (size_t)-1;
  for (size_t i = 0; i < nl->element_count; i++) {
    uint8_t kind = nl->elements[i].kind;
    if (kind != KH_JFET && kind != KH_MOSFET && kind != KH_BJT && kind != KH_SWITCH &&
        !kh_netlist_diode_general_reason(nl, i, NULL))
      continue;
    count++;
    if (i < at) at = i;
  }
  if (first) *first = at;
  return count;
}
size_t kh_netlist_product(const kh_netlist *nl, size_t element, kh_product_factor *factors,
                          size_t max) {
  const kh_elem *e = &nl->elements[element];
  if (e->synthetic != KH_SYNTHETIC_PRODUCT) return 0;
  const kh_product *m = &nl->products[e->ctrl[0]];
  for (size_t k = 0; k < m->count && k < max; k++) {
    const kh_factor *f = &nl->factors[m->first + k];
    factors[k] = (kh_product_factor){f->pos, f->neg, f->power};
  }
  return m->count;
}

int kh_elem_current_switch(const kh_netlist *nl, const kh_elem *e) {
  return e->kind == KH_SWITCH && !strcmp(nl->models[e->model].type, "csw");
}

int kh_netlist_control(const kh_netlist *nl, size_t element, size_t *pos, size_t *neg,
                       size_t *source) {
  const kh_elem *e = &nl->elements[element];
  *pos = *neg = 0, *source = (size_t)-1;
  if (e->synthetic == KH_SYNTHETIC_PRODUCT) return -1;
  if (e->kind == KH_VCVS || e->kind == KH_VCCS ||
      (e->kind == KH_SWITCH && !kh_elem_current_switch(nl, e))) {
    *pos = e->ctrl[0], *neg = e->ctrl[1];
    return 0;
  }
  if (e->kind != KH_CCCS && e->kind != KH_CCVS && e->kind != KH_SWITCH) return -1;
  uint32_t v = kh_strmap_find(&nl->element_names, e->control, strlen(e->control));
  *source = v == KH_NOT_FOUND ? (size_t)-1 : v;
  return 0;
}

size_t kh_model_array_size(const kh_model *m, const char *name) {
  size_t n = 0;
  for (size_t k = 0; k < m->param_count; k++) n += !strcmp(m->params[k].name, name);
  return n;
}

double kh_model_value(const kh_model *m, const char *name, double fallback) {
  for (size_t i = m->param_count; i-- > 0;) /* the last one given wins (aliases: is= js=) */
    if (strcmp(m->params[i].name, name) == 0) return m->params[i].value;
  return fallback;
}

kh_netlist_scale_kind kh_netlist_scale(const kh_netlist *nl, size_t *count, const double **mean,
                                       const double **inv_std) {
  *count = nl->scale_count;
  *mean = nl->scale_mean;
  *inv_std = nl->scale_inv_std;
  return (kh_netlist_scale_kind)nl->scale_kind;
}

size_t kh_netlist_dc(const kh_netlist *nl, kh_dc_sweep sweeps[2], const char **file, unsigned *line,
                     unsigned *col) {
  for (size_t k = 0; k < nl->dc_count; k++) sweeps[k] = nl->dc[k];
  if (nl->dc_count) {
    *file = nl->files[nl->dc_loc.file];
    *line = nl->dc_loc.line, *col = nl->dc_loc.col;
  }
  return nl->dc_count;
}
