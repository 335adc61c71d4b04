/* Writes a netlist back as SPICE text that ngspice runs and kirchhoff parses to the same
 * circuit: flattened elements under their ngspice names, 17 significant digits, learning
 * cards hidden from SPICE as `*kh ` comments. */
#include "core/text_stream.h"
#include "core/decimal.h"
#include "expression.h"
#include "lexer.h"
#include "netlist_impl.h"
#include "table_grid.h"

#include "core/alloc.h"
#include "core/context.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *node(const kh_netlist *nl, uint32_t id) {
  return kh_strmap_name(&nl->nodes, id);
}

static const char *node_of(const void *nl, size_t id) {
  return node(nl, (uint32_t)id);
}

static const char *elem_name(const kh_netlist *nl, size_t i) {
  return kh_strmap_name(&nl->element_names, (uint32_t)i);
}

/* The steep Shockley diode that stands in for an ideal one in ngspice (see netlist.h). */
#define STEEP_IS 1e-15
#define STEEP_N 0.001

/* An instance's temp= and dtemp=, as given */
static void write_temperature(FILE *out, const kh_inst_temp *t) {
  if (t->has_temp) fprintf(out, " temp=%s", KH_INP(t->temp));
  if (t->dtemp != 0) fprintf(out, " dtemp=%s", KH_INP(t->dtemp));
}

/* A diode's m=, temp=, dtemp=, pj=, w= and l=, as given. */
static void write_diode_instance(const kh_netlist *nl, size_t i, FILE *out) {
  uint32_t k = nl->elements[i].ctrl[1];
  if (!k) return;
  const kh_diode_inst *in = &nl->diode_inst[k - 1];
  if (in->m != 1.0) fprintf(out, " m=%s", KH_INP(in->m));
  write_temperature(out, &in->t);
  if (in->has_pj) fprintf(out, " pj=%s", KH_INP(in->pj));
  if (in->w > 0) fprintf(out, " w=%s", KH_INP(in->w));
  if (in->l > 0) fprintf(out, " l=%s", KH_INP(in->l));
  if (in->thermal) fprintf(out, " thermal");
  if (in->off) fprintf(out, " off");
}

/* A self-heating diode's thermal node, written between its nodes and its model. */
static const kh_diode_inst *heated(const kh_netlist *nl, size_t i) {
  uint32_t k = nl->elements[i].ctrl[1];
  return k && nl->diode_inst[k - 1].has_thermal_node ? &nl->diode_inst[k - 1] : NULL;
}

/* ngspice must see a heated diode's RS inside its model (it heats the junction), while the
 * other diodes of the model carry theirs as kirchhoff's series resistor: a copy of the model
 * under this suffix keeps RS. */
#define HEATED_MODEL_SUFFIX "_kh_heated"

/* A diode as ngspice must see it: ideal ones through a steep model (plus a source for vth),
 * PWL ones as a B source with the same current. */
static void write_diode_for_ngspice(const kh_netlist *nl, size_t i, FILE *out) {
  const kh_elem *e = &nl->elements[i];
  const kh_model *m = &nl->models[e->model];
  const char *name = elem_name(nl, i), *a = node(nl, e->node[0]), *b = node(nl, e->node[1]);
  double vth = kh_model_value(m, "kh_vth", 0), area = e->value;
  if (kh_model_value(m, "kh_pwl", 0) != 0) {
    double gon = kh_model_value(m, "kh_gon", 1.0) * area,
           goff = kh_model_value(m, "kh_goff", 1e-12) * area;
    fprintf(out, "b%s %s %s i = %.17g*v(%s,%s) + %.17g*max(v(%s,%s)-(%.17g),0)\n", name, a, b, goff,
            a, b, gon - goff, a, b, vth);
    return;
  }
  const kh_diode_inst *th = heated(nl, i);
  if (th) {
    fprintf(out, "%s %s %s %s %s" HEATED_MODEL_SUFFIX, name, a, b, node(nl, th->thermal_node),
            m->name);
  } else if (kh_model_value(m, "kh_ideal", 0) != 0 && vth != 0) {
    fprintf(out, "vkh.%s %s kh.%s dc %s\n", name, a, name, KH_INP(vth));
    fprintf(out, "%s kh.%s %s %s", name, name, b, m->name);
  } else {
    fprintf(out, "%s %s %s %s", name, a, b, m->name);
  }
  /* ngspice 39 rejects a positional area after the model ("could not find a valid
   * modelname"); area= is what it reads. The model's own AREA is not written (below). */
  if (area != 1.0) fprintf(out, " area=%s", KH_INP(area));
  write_diode_instance(nl, i, out);
  fputc('\n', out);
}

/* Model parameters that the ngspice deck carries elsewhere: RS and its temperature
 * coefficients are the series resistor kirchhoff added (valued at temperature), AREA is written
 * on each instance, and the kh_ parameters mean nothing to ngspice. */
static int written_elsewhere(const char *param) {
  return strcmp(param, "rs") == 0 || strcmp(param, "trs") == 0 || strcmp(param, "trs2") == 0 ||
         strcmp(param, "area") == 0 || strncmp(param, "kh_", 3) == 0;
}

/* Every parameter, so that a model difference shows in --compare; RS only for heated diodes. */
static void write_model_card(const kh_model *m, int heated_copy, FILE *out) {
  fprintf(out, ".model %s%s d(", m->name, heated_copy ? HEATED_MODEL_SUFFIX : "");
  const char *sep = "";
  for (size_t i = 0; i < m->param_count; i++) {
    const char *p = m->params[i].name;
    int series = !strcmp(p, "rs") || !strcmp(p, "trs") || !strcmp(p, "trs2");
    if (written_elsewhere(p) && !(heated_copy && series)) continue;
    fprintf(out, "%s%s=%s", sep, p, KH_INP(m->params[i].value));
    sep = " ";
  }
  fprintf(out, ")\n");
}

static int model_heats(const kh_netlist *nl, uint32_t model) {
  for (size_t i = 0; i < nl->element_count; i++)
    if (nl->elements[i].kind == KH_DIODE && nl->elements[i].model == model && heated(nl, i))
      return 1;
  return 0;
}

/* A JFET, MOSFET or BJT model for ngspice: RD and RS (a MOSFET's RSH, and BSIM3 ACM's RDC and
 * RSC; a BJT's RB, RC and RE, with their temperature coefficients) are the resistors kirchhoff
 * added (written as such, at their temperature, onto the same internal nodes), so the model
 * leaves them out; VBIC and BSIM4 keep theirs, kirchhoff's device computing them. */
static int written_as_resistor(const kh_model *m, const char *p) {
  static const char *const fet[] = {"rd", "rs", "rsh", "rdc", "rsc"};
  if (!strcmp(m->type, "nmf") && kh_model_value(m, "level", 1) >= 2) /* MESA: RG too */
    return !strcmp(p, "rd") || !strcmp(p, "rs") || !strcmp(p, "rg");
  static const char *const bjt[] = {"rc", "re",  "trc1", "trc2", "tre1", "tre2",
                                    "rb", "rbm", "trb1", "trb2", "trm1", "trm2"};
  int is_bjt = !strcmp(m->type, "npn") || !strcmp(m->type, "pnp");
  if (is_bjt && kh_vbic_model(m)) return 0;   /* VBIC keeps its resistances */
  if (!is_bjt && kh_bsim4_model(m)) return 0; /* BSIM4 keeps its RSH too */
  const char *const *words = is_bjt ? bjt : fet;
  size_t n = !is_bjt ? 5 : kh_bjt_base_modulated(m) ? 6 : 12; /* a modulated RB: the model's */
  for (size_t k = 0; k < n; k++)
    if (!strcmp(p, words[k])) return 1;
  return 0;
}
void kh_write_model_word(FILE *out, const char *sep, const kh_model *m, size_t i) {
  const char *version = (!strcmp(m->type, "nmos") || !strcmp(m->type, "pmos")) &&
                                !strcmp(m->params[i].name, "version")
                            ? (kh_bsim4_model(m) ? kh_bsim4_version_text(m->params[i].value)
                                                 : kh_bsim3_version_text(m->params[i].value))
                            : NULL;
  if (version)
    fprintf(out, "%sversion=%s", sep, version);
  else
    fprintf(out, "%s%s=%s", sep, m->params[i].name, KH_INP(m->params[i].value));
}

static void write_transistor_model(const kh_model *m, FILE *out) {
  fprintf(out, ".model %s %s(", m->name, m->type);
  const char *sep = "";
  for (size_t i = 0; i < m->param_count; i++) {
    const char *p = m->params[i].name;
    if (written_as_resistor(m, p)) continue;
    kh_write_model_word(out, sep, m, i);
    sep = " ";
  }
  fprintf(out, ")\n");
}

/* Whether a later parameter of m has param i's name (aliases were folded into one name when
 * read): that one holds. */
static int overridden(const kh_model *m, size_t i) {
  for (size_t j = i + 1; j < m->param_count; j++)
    if (!strcmp(m->params[j].name, m->params[i].name)) return 1;
  return 0;
}

/* Whether param i of m is one value of a code model's array (summer's and mult's in_gain and
 * in_offset, s_xfer's coefficients and int_ic, held as one parameter per value, in order). */
static int array_word(const kh_model *m, size_t i) {
  return kh_code_model_array(m->type, m->params[i].name);
}

/* An array's values, name=[v0 v1 ...], where its first value is param i. */
static void write_array(const kh_model *m, size_t i, const char *sep, FILE *out) {
  fprintf(out, "%s%s=[", sep, m->params[i].name);
  for (size_t j = i, first = 1; j < m->param_count; j++)
    if (!strcmp(m->params[j].name, m->params[i].name))
      fprintf(out, first ? "%s" : " %s", KH_INP(m->params[j].value)), first = 0;
  fputc(']', out);
}

/* netlist_impl.h; a VDMOS's polarity as the flag both programs read (`pchan`), not as a value */
void kh_write_model_words(const kh_netlist *nl, const kh_model *m, FILE *out) {
  fprintf(out, ".model %s %s(", m->name, m->type);
  const char *sep = "";
  for (size_t i = 0; i < m->param_count; i++) {
    if (array_word(m, i)) {
      int first = 1;
      for (size_t j = 0; j < i; j++) first &= strcmp(m->params[j].name, m->params[i].name) != 0;
      if (first) write_array(m, i, sep, out), sep = " ";
      continue;
    }
    if (overridden(m, i)) continue;
    if (!strcmp(m->type, "vdmos") && !strcmp(m->params[i].name, "pchan"))
      fprintf(out, "%s%s", sep, m->params[i].value != 0 ? "pchan" : "nchan");
    else if (!strcmp(m->type, "ltra") && kh_ltra_flag(m->params[i].name))
      fprintf(out, "%s%s", sep, m->params[i].name); /* a flag stands alone */
    else if (kh_code_model_file(m->type, m->params[i].name))
      fprintf(out, "%sfile=\"%s\"", sep, nl->grids[(size_t)m->params[i].value]->path);
    else if (kh_code_model_boolean(m->type, m->params[i].name)) /* XSPICE's true or false */
      fprintf(out, "%s%s=%s", sep, m->params[i].name, m->params[i].value != 0 ? "true" : "false");
    else
      kh_write_model_word(out, sep, m, i);
    sep = " ";
  }
  fprintf(out, ")\n");
}

/* The models whose series resistances kirchhoff writes as resistors (write_transistor_model). */
static int written_as_transistor(const char *type) {
  static const char *const types[] = {"njf",  "pjf", "nmf", "pmf", "nmos",
                                      "pmos", "npn", "pnp", "sw",  "csw"};
  for (size_t k = 0; k < sizeof types / sizeof *types; k++)
    if (!strcmp(type, types[k])) return 1;
  return 0;
}

static void write_models_for_ngspice(const kh_netlist *nl, FILE *out) {
  for (size_t k = 0; k < nl->model_count; k++) {
    const kh_model *m = &nl->models[k];
    if (m->refusal) continue; /* a card set aside, which no element uses */
    if (written_as_transistor(m->type)) write_transistor_model(m, out);
    if (!strcmp(m->type, "vdmos") || !strcmp(m->type, "ltra") || !strcmp(m->type, "urc"))
      kh_write_model_words(nl, m, out); /* VDMOS: RD, RS, RB stay inside */
    if (!strcmp(m->type, "gain") || (kh_code_model_named(m->type) && strcmp(m->type, "pwl") != 0))
      kh_write_model_words(nl, m, out); /* XSPICE code models' (pwl instances write their own) */
    if (strcmp(m->type, "d") != 0 || kh_model_value(m, "kh_pwl", 0) != 0) continue;
    if (kh_model_value(m, "kh_ideal", 0) != 0) {
      fprintf(out, "* ideal diode model %s as a steep Shockley diode\n.model %s d(is=%g n=%g)\n",
              m->name, m->name, STEEP_IS, STEEP_N);
      continue;
    }
    write_model_card(m, 0, out);
    if (model_heats(nl, (uint32_t)k)) write_model_card(m, 1, out);
  }
}

int kh_format_double(char *out, double x) {
  return kh_format_g17(out, x);
}

/* Feature f drives element e with sign +-1 (0: e is no input). */

/* "<name> <a> <b> <value>", the value as ngspice reads it back (kh_format_inp): the bulk of a
 * large network's text (1.6 million lines for DRN-1H), without printf's parsing of a format. */
static void two_terminal_line(FILE *out, const char *name, const char *a, const char *b,
                              double value) {
  char v[32];
  kh_format_inp(v, value);
  fputs(name, out), fputc(' ', out), fputs(a, out), fputc(' ', out), fputs(b, out);
  fputc(' ', out), fputs(v, out), fputc('\n', out);
}

static int input_of(const kh_netlist *nl, size_t e, size_t *feature) {
  for (size_t f = 0; f < nl->input_count; f++) {
    if (nl->inputs[f].pos == e) return *feature = f, 1;
    if (nl->inputs[f].neg == e) return *feature = f, -1;
  }
  return 0;
}

/* A POLY product term (poly.c) as the POLY card of its own factors, whose one nonzero
 * coefficient sits at its powers' place in SPICE 2G6's order; both programs read it. */
static void write_product(const kh_netlist *nl, const kh_elem *e, const char *name, const char *a,
                          const char *b, FILE *out) {
  const kh_product *m = &nl->products[e->ctrl[0]];
  const kh_factor *f = &nl->factors[m->first];
  fprintf(out, "%s %s %s poly(%u)", name, a, b, m->count);
  for (size_t k = 0; k < m->count; k++)
    fprintf(out, " %s %s", node(nl, f[k].pos), node(nl, f[k].neg));
  unsigned powers[KH_POLY_MAX_DIM] = {0};
  fprintf(out, " 0");
  for (int same = 0; !same;) { /* p0 above; then each term up to the product's */
    kh_poly_next_powers(powers, m->count);
    same = 1;
    for (size_t k = 0; k < m->count; k++) same &= powers[k] == f[k].power;
    if (same)
      fprintf(out, " %s", KH_INP(e->value));
    else
      fprintf(out, " 0");
  }
  fputc('\n', out);
}

/* An XSPICE instance element i, a B source for kirchhoff, as the A card it is in ngspice 39:
 * `aname %vd(a b) %vd(n+ n-) model` (%v(a) for v(a), kind 2: %vnam vname for a source's
 * current; %id for a current out), its inputs in brackets for a vector (summer, mult). */
enum { A_VECTOR = 1, A_CONDUCTANCE = 2 };
/* An A card's input port, " %vnam source", " %vd(a b)" or " %v(a)" (kind 2: a source's current).
 */
static void write_input_port(const kh_netlist *nl, const size_t in[2], int kind, FILE *out) {
  const kh_elem *branch = kind == 2 ? &nl->elements[in[0]] : NULL;
  if (branch && branch->synthetic == KH_SYNTHETIC_XSPICE_INPUT) { /* %i, %id: its own branch */
    if (branch->node[1])
      fprintf(out, " %%id(%s %s)", node(nl, branch->node[0]), node(nl, branch->node[1]));
    else
      fprintf(out, " %%i(%s)", node(nl, branch->node[0]));
  } else if (kind == 2)
    fprintf(out, " %%vnam %s", elem_name(nl, in[0]));
  else if (in[1])
    fprintf(out, " %%vd(%s %s)", node(nl, (uint32_t)in[0]), node(nl, (uint32_t)in[1]));
  else
    fprintf(out, " %%v(%s)", node(nl, (uint32_t)in[0]));
}

/* An ilimit's A card at its output's element i (its supplies' elements after it, NULL where
 * absent): its input, the first its tree reads. */
static void write_ilimit(const kh_netlist *nl, size_t i, const size_t in[2], int kind,
                         const char *model, FILE *out) {
  const char *supply[2] = {"NULL", "NULL"};
  for (size_t k = i + 1; k < nl->element_count && k <= i + 2; k++)
    if (nl->elements[k].synthetic == KH_SYNTHETIC_ILIMIT_POS ||
        nl->elements[k].synthetic == KH_SYNTHETIC_ILIMIT_NEG)
      supply[nl->elements[k].synthetic == KH_SYNTHETIC_ILIMIT_NEG] =
          node(nl, nl->elements[k].node[0]);
  fprintf(out, "%s", elem_name(nl, i));
  write_input_port(nl, in, kind, out);
  fprintf(out, " %s %s %s %s\n", supply[0], supply[1], node(nl, nl->elements[i].node[0]), model);
}

/* the input a vector; the output a %gd port */
static void write_a_card(const kh_netlist *nl, size_t i, const size_t (*in)[2], const int *kinds,
                         size_t count, int form, const char *model, FILE *out) {
  const kh_elem *e = &nl->elements[i];
  int vector = form & A_VECTOR;
  fprintf(out, "%s%s", elem_name(nl, i), vector ? " [" : "");
  for (size_t j = 0; j < count; j++) write_input_port(nl, in[j], kinds[j], out);
  const char *type = form & A_CONDUCTANCE ? "gd" : e->kind == KH_BEHAVIOURAL_I ? "id" : "vd";
  fprintf(out, "%s %%%s(%s %s) %s\n", vector ? " ]" : "", type, node(nl, e->node[0]),
          node(nl, e->node[1]), model);
}

/* Element i as the A card of its code model m (gain, limit, summer, mult, divide, climit, slew,
 * aswitch, sidiode, zener), the model written with the others. aswitch's, sidiode's and zener's
 * trees read their own port's voltage last (aswitch's control is its one input, the diodes have
 * none). */
static int write_coded(const kh_netlist *nl, size_t i, const kh_model *m, FILE *out) {
  const struct kh_expression *x = &nl->expressions[nl->elements[i].ctrl[0]];
  size_t in[KH_CODE_MODEL_PORTS][2];
  int kinds[KH_CODE_MODEL_PORTS];
  size_t n = kh_expression_model_ports(x, in, kinds, KH_CODE_MODEL_PORTS);
  size_t pswitch = !strcmp(m->type, "pswitch"), aswitch = !strcmp(m->type, "aswitch"),
         own = aswitch || !strcmp(m->type, "sidiode") || !strcmp(m->type, "zener");
  if (pswitch) { /* its control: the nodes of its resistor, the element after it */
    const kh_elem *c = &nl->elements[i + 1];
    fprintf(out, "%s %%gd(%s %s) %%gd(%s %s) %s\n", elem_name(nl, i), node(nl, c->node[0]),
            node(nl, c->node[1]), node(nl, nl->elements[i].node[0]),
            node(nl, nl->elements[i].node[1]), m->name);
    return 1;
  }
  int form = (!strcmp(m->type, "summer") || !strcmp(m->type, "mult") ? A_VECTOR : 0) |
             (own ? A_CONDUCTANCE : 0);
  if (!strcmp(m->type, "pwlts")) { /* no input: its output and model */
    write_a_card(nl, i, (const size_t(*)[2])in, kinds, 0, 0, m->name, out);
    return 1;
  }
  if (n <= aswitch) return 0; /* a control that is the port itself: written as a B source */
  if (!strcmp(m->type, "ilimit")) {
    write_ilimit(nl, i, in[0], kinds[0], m->name, out);
    return 1;
  }
  write_a_card(nl, i, (const size_t(*)[2])in, kinds, n - own, form, m->name, out);
  return 1;
}

/* A pwl curve, `aname n+ n- v=curve(v(a) - v(b))` (or i=, or of a source's current) for
 * kirchhoff, as the XSPICE pwl instance it is in ngspice 39 (an A card, or what ngspice makes of
 * an E or G TABLE card): its A card with the model kh_table_<element index>, and that model's
 * card. */
static void write_table(const kh_netlist *nl, size_t i, int kind, const size_t in[2], FILE *out) {
  char model[40];
  snprintf(model, sizeof model, "kh_table_%zu", i);
  write_a_card(nl, i, (const size_t(*)[2])in, &kind, 1, 0, model, out);
  kh_expression_write_table_model(&nl->expressions[nl->elements[i].ctrl[0]], out, model);
}

/* Bname n+ n- v=expr or i=expr, after the .param lines of the constants a
 * number would round (named kh_<element index>_<node>). */
static void write_behavioural(const kh_netlist *nl, size_t i, FILE *out) {
  const kh_elem *e = &nl->elements[i];
  const struct kh_expression *x = &nl->expressions[e->ctrl[0]];
  char prefix[40];
  snprintf(prefix, sizeof prefix, "kh_%zu_", i);
  size_t in[2];
  if (e->ctrl[1] && write_coded(nl, i, &nl->models[e->ctrl[1] - 1], out)) return; /* hyst too */
  int table = kh_expression_table(x, in);
  if (table) {
    write_table(nl, i, table, in, out);
    return;
  }
  kh_expression_write_params(x, out, prefix);
  fprintf(out, "%s %s %s %c=", elem_name(nl, i), node(nl, e->node[0]), node(nl, e->node[1]),
          e->kind == KH_BEHAVIOURAL_V ? 'v' : 'i');
  kh_expression_write(x, out, node_of, nl, prefix);
  kh_expression_write_words(x, out);
  fputc('\n', out);
}

/* A transistor card's m=, temp=, dtemp= and off where given, and its line's end. */
static void write_transistor_tail(FILE *out, double m, const kh_inst_temp *t, int off) {
  if (m != 1) fprintf(out, " m=%s", KH_INP(m));
  write_temperature(out, t);
  if (off) fprintf(out, " off");
  fputc('\n', out);
}

/* Jname nd ng ns model [area=A] [m=M] [temp=T] [dtemp=T]: for kirchhoff the drain and source
 * as written (the model adds RD and RS again), for ngspice the element's own ends (RD and RS are
 * written as the resistors they are). */
static void write_jfet(const kh_netlist *nl, size_t i, const kh_elem *e, FILE *out,
                       kh_write_flavor flavor) {
  const kh_jfet_inst *in = &nl->jfet_inst[e->ctrl[1]];
  int outer = flavor == KH_WRITE_KIRCHHOFF;
  uint32_t d = outer ? in->drain : e->node[0], s = outer ? in->source : e->node[1],
           g = outer && in->mesa ? in->gate : e->ctrl[0];
  fprintf(out, "%s %s %s %s %s", elem_name(nl, i), node(nl, d), node(nl, g), node(nl, s),
          nl->models[e->model].name);
  if (in->mesa) { /* l= w= m= ts= td= dtemp=, resolved (the card's defaults folded in) */
    fprintf(out, " l=%s w=%s", KH_INP(in->l), KH_INP(in->w));
    if (in->m != 1) fprintf(out, " m=%s", KH_INP(in->m));
    if (in->t.has_temp) fprintf(out, " ts=%s", KH_INP(in->t.temp));
    if (!isnan(in->td)) fprintf(out, " td=%s", KH_INP(in->td));
    if (in->t.dtemp != 0) fprintf(out, " dtemp=%s", KH_INP(in->t.dtemp));
    fprintf(out, "%s\n", in->off ? " off" : "");
    return;
  }
  if (e->value != 1) fprintf(out, " area=%s", KH_INP(e->value));
  write_transistor_tail(out, in->m, &in->t, in->off);
}

/* Mname nd ng ns nb model [l= w= ad= as= pd= ps= nrd= nrs= as given] [m=] [temp=] [dtemp=], the
 * drain and source chosen as for a JFET (write_jfet). */
static void write_mosfet(const kh_netlist *nl, size_t i, const kh_elem *e, FILE *out,
                         kh_write_flavor flavor) {
  const kh_mos_inst *in = &nl->mos_inst[e->ctrl[1]];
  if (kh_is_vdmos(nl, e)) { /* Mname d g s [tj tc] model: its resistances are inside it */
    fprintf(out, "%s %s %s %s", elem_name(nl, i), node(nl, in->drain), node(nl, in->gate),
            node(nl, in->source));
    if (in->extra_nodes > 0) fprintf(out, " %s", node(nl, in->tj));
    if (in->extra_nodes > 1) fprintf(out, " %s", node(nl, in->tc));
    fprintf(out, " %s%s", nl->models[e->model].name, in->thermal ? " thermal" : "");
    write_transistor_tail(out, in->m, &in->t, in->off);
    return;
  }
  uint32_t d = flavor == KH_WRITE_KIRCHHOFF ? in->drain : e->node[0],
           s = flavor == KH_WRITE_KIRCHHOFF ? in->source : e->node[1];
  fprintf(out, "%s %s %s %s %s %s", elem_name(nl, i), node(nl, d), node(nl, in->gate), node(nl, s),
          node(nl, in->bulk), nl->models[e->model].name);
  for (int k = 0; k < 8; k++)
    if (in->given & (1u << k)) fprintf(out, " %s=%s", kh_mos_geometry_words[k], KH_INP(in->geo[k]));
  const double bsim3[3] = {in->delvto, in->mulu0, in->acm_geo};
  static const char *const bsim3_words[3] = {"delvto", "mulu0", "geo"};
  for (int k = 0; k < 3; k++)
    if (in->given & 1u << (KH_MOS_DELVTO + k))
      fprintf(out, " %s=%s", bsim3_words[k], KH_INP(bsim3[k]));
  const double bsim4[3] = {in->b4.nf, in->b4.min_sd, in->b4.geomod};
  static const char *const bsim4_words[3] = {"nf", "min", "geomod"};
  for (int k = 0; k < 3; k++)
    if (in->given & 1u << (KH_MOS_NF + k)) fprintf(out, " %s=%s", bsim4_words[k], KH_INP(bsim4[k]));
  static const char *const body_words[5] = {"rbdb", "rbsb", "rbpb", "rbps", "rbpd"};
  int b4 = kh_bsim4_model(&nl->models[e->model]);
  if (b4 && in->b4.sa != 0) fprintf(out, " sa=%s", KH_INP(in->b4.sa));
  if (b4 && in->b4.sb != 0) fprintf(out, " sb=%s", KH_INP(in->b4.sb));
  if (b4 && !isnan(in->b4.sd)) fprintf(out, " sd=%s", KH_INP(in->b4.sd));
  static const char *const well_words[4] = {"sca", "scb", "scc", "sc"};
  for (int k = 0; k < 4; k++)
    if (b4 && !isnan(in->b4.sc[k])) fprintf(out, " %s=%s", well_words[k], KH_INP(in->b4.sc[k]));
  if (b4 && in->b4.rbodymod >= 0) fprintf(out, " rbodymod=%s", KH_INP(in->b4.rbodymod));
  if (b4 && in->b4.rgeomod >= 0) fprintf(out, " rgeomod=%s", KH_INP(in->b4.rgeomod));
  for (int k = 0; k < 5; k++)
    if (b4 && !isnan(in->b4.rbody[k]))
      fprintf(out, " %s=%s", body_words[k], KH_INP(in->b4.rbody[k]));
  write_transistor_tail(out, in->m, &in->t, in->off);
}

/* Qname nc nb ne [ns] model [area=] [areab=] [areac=] [m=] [temp=] [dtemp=], the terminals
 * chosen as for a JFET (write_jfet): for ngspice the inner ones, RB, RC and RE being resistors
 * (a modulated RB stays in the model, ctrl[0] being then the base as written). */
static void write_bjt(const kh_netlist *nl, size_t i, const kh_elem *e, FILE *out,
                      kh_write_flavor flavor) {
  const kh_bjt_inst *in = &nl->bjt_inst[e->ctrl[1]];
  int own = flavor == KH_WRITE_KIRCHHOFF;
  fprintf(out, "%s %s %s %s", elem_name(nl, i), node(nl, own ? in->collector : e->node[0]),
          node(nl, own ? in->base : e->ctrl[0]), node(nl, own ? in->emitter : e->node[1]));
  if (in->substrate || in->thermal) fprintf(out, " %s", node(nl, in->substrate));
  if (in->thermal) fprintf(out, " %s", node(nl, in->thermal));
  fprintf(out, " %s", nl->models[e->model].name);
  if (e->value != 1) fprintf(out, " area=%s", KH_INP(e->value));
  if (in->areab != e->value) fprintf(out, " areab=%s", KH_INP(in->areab));
  if (in->areac != e->value) fprintf(out, " areac=%s", KH_INP(in->areac));
  write_transistor_tail(out, in->m, &in->t, in->off);
}

/* The T or O line whose sensing source is element i, as its card: its ports' nodes as the parts
 * hold them (p1 on the source, n1 on its E, p2 and n2 on its F), an O line's model, its words as
 * given. */
static void write_tline(const kh_netlist *nl, size_t i, FILE *out) {
  const kh_tline *l = kh_tline_at(nl, i);
  if (l && l->rc) { /* a U line: its resistor, its third node, its model and words */
    const kh_elem *r = &nl->elements[i];
    fprintf(out, "%s %s %s %s %s l=%s", elem_name(nl, i), node(nl, r->node[0]),
            node(nl, r->node[1]), node(nl, l->ground), nl->models[l->model].name,
            KH_INP(l->value[0]));
    if (l->given & 2u) fprintf(out, " n=%s", KH_INP(l->value[1]));
    fputc('\n', out);
    return;
  }
  const kh_elem *v = &nl->elements[i], *e = &nl->elements[i + 2], *f = &nl->elements[i + 3];
  uint32_t p1 = v->node[0], n1 = e->node[1], p2 = f->node[1], n2 = f->node[0];
  if (l && l->rg) /* its VCCS: the first on port 1, the third on port 2 */
    p1 = v->node[0], n1 = v->node[1], p2 = nl->elements[i + 2].node[0],
    n2 = nl->elements[i + 2].node[1];
  fprintf(out, "%s %s %s %s %s", elem_name(nl, i), node(nl, p1), node(nl, n1), node(nl, p2),
          node(nl, n2));
  if (l && l->lossy) fprintf(out, " %s", nl->models[l->model].name);
  for (int k = 0; l && k < KH_TLINE_WORDS; k++)
    if (l->given & 1u << k) fprintf(out, " %s=%s", kh_tline_word(k), KH_INP(l->value[k]));
  fputc('\n', out);
}

/* Element i where it is one part of a card both programs read (a T, O or U line, an XSPICE
 * potentiometer or memristor, an ilimit's supplies, a pswitch's control or a current input's
 * branch, whose card its output writes): the card,
 * written at its first part (1), nothing at the others (1), or 0 for an element of its own. */
static int write_card_of_parts(const kh_netlist *nl, size_t i, FILE *out) {
  const kh_elem *e = &nl->elements[i];
  if (e->synthetic == KH_SYNTHETIC_TLINE) write_tline(nl, i, out);
  if (e->synthetic == KH_SYNTHETIC_POT) /* r0, wiper, r1, model */
    fprintf(out, "%s %s %s %s %s\n", elem_name(nl, i) + 3, node(nl, e->node[0]),
            node(nl, e->node[1]), node(nl, nl->elements[i + 1].node[0]),
            nl->models[e->ctrl[0]].name);
  if (e->synthetic == KH_SYNTHETIC_MEMRISTOR)
    fprintf(out, "%s %%gd(%s %s) %s\n", elem_name(nl, i), node(nl, e->node[0]),
            node(nl, e->node[1]), nl->models[e->ctrl[0]].name);
  return e->synthetic == KH_SYNTHETIC_MEMRISTOR || e->synthetic == KH_SYNTHETIC_XSPICE_INPUT ||
         e->synthetic == KH_SYNTHETIC_TLINE || e->synthetic == KH_SYNTHETIC_TLINE_PART ||
         e->synthetic == KH_SYNTHETIC_POT || e->synthetic == KH_SYNTHETIC_POT_PART ||
         e->synthetic == KH_SYNTHETIC_ILIMIT_POS || e->synthetic == KH_SYNTHETIC_ILIMIT_NEG ||
         e->synthetic == KH_SYNTHETIC_PSWITCH_CONTROL;
}

void kh_netlist_write_element(const kh_netlist *nl, size_t i, FILE *out, kh_write_flavor flavor,
                              const double *values, int exporting) {
  kh_elem copy = nl->elements[i];
  if (values) copy.value = values[i];
  const kh_elem *e = &copy;
  const char *a = node(nl, e->node[0]), *b = node(nl, e->node[1]), *name = elem_name(nl, i);
  if (flavor == KH_WRITE_KIRCHHOFF && e->synthetic == 1) return; /* RS: in the model */
  if (e->synthetic == 3) return; /* rshunt: the .options line adds it again, in both programs */
  if (flavor == KH_WRITE_KIRCHHOFF && e->synthetic == KH_SYNTHETIC_SERIES) return;
  if (flavor == KH_WRITE_KIRCHHOFF && e->synthetic == 2) a = node(nl, e->ctrl[0]);
  if (flavor == KH_WRITE_KIRCHHOFF && e->synthetic == 4) return; /* a port's z0: on its source */
  if (write_card_of_parts(nl, i, out)) return;
  if (flavor == KH_WRITE_KIRCHHOFF && e->synthetic == 5) { /* an RF port, as it was given */
    fprintf(out, "%s %s %s dc %s portnum %u z0 %s\n", name, node(nl, e->ctrl[0]), b,
            KH_INP(e->value), e->ctrl[1], KH_INP(nl->elements[i + 1].value));
    return;
  }
  if (flavor == KH_WRITE_NGSPICE && e->kind == KH_DIODE) {
    write_diode_for_ngspice(nl, i, out); /* diode areas are not overridden */
    return;
  }
  size_t f;
  int sign;
  switch ((kh_element_kind)e->kind) {
  case KH_RESISTOR:
  case KH_CAPACITOR:
  case KH_INDUCTOR:
    if (isinf(e->value)) /* an open resistor (w = 2 NARROW): no card a reader would misread */
      fprintf(out, "* %s %s %s open (infinite resistance)\n", name, a, b);
    else
      two_terminal_line(out, name, a, b, e->value);
    break;
  case KH_VSOURCE:
  case KH_ISOURCE:
    if (exporting && (sign = input_of(nl, i, &f))) /* driven by .param kh_in<f> */
      fprintf(out, "%s %s %s dc {%.17g*kh_in%zu}\n", name, a, b, sign * nl->input_gain, f);
    else
      fprintf(out, "%s %s %s dc %s\n", name, a, b, KH_INP(e->value));
    break;
  case KH_DIODE: /* area=: ngspice 39 takes a number after the model for a node (and then
                  * drops the model as unused) */
    fprintf(out, "%s %s %s", name, a, b);
    if (heated(nl, i)) fprintf(out, " %s", node(nl, heated(nl, i)->thermal_node));
    fprintf(out, " %s", nl->models[e->model].name);
    if (e->value != kh_model_value(&nl->models[e->model], "area", 1.0))
      fprintf(out, " area=%s", KH_INP(e->value));
    write_diode_instance(nl, i, out);
    fputc('\n', out);
    break;
  case KH_VCVS:
  case KH_VCCS:
    if (e->synthetic == KH_SYNTHETIC_PRODUCT) {
      write_product(nl, e, name, a, b, out);
      break;
    }
    fprintf(out, "%s %s %s %s %s %s\n", name, a, b, node(nl, e->ctrl[0]), node(nl, e->ctrl[1]),
            KH_INP(e->value));
    break;
  case KH_CCCS:
  case KH_CCVS: fprintf(out, "%s %s %s %s %s\n", name, a, b, e->control, KH_INP(e->value)); break;
  case KH_JFET: write_jfet(nl, i, e, out, flavor); break;
  case KH_MOSFET: write_mosfet(nl, i, e, out, flavor); break;
  case KH_BJT: write_bjt(nl, i, e, out, flavor); break;
  case KH_SWITCH:
    if (kh_elem_current_switch(nl, e))
      fprintf(out, "%s %s %s %s", name, a, b, e->control);
    else
      fprintf(out, "%s %s %s %s %s", name, a, b, node(nl, e->ctrl[0]), node(nl, e->ctrl[1]));
    fprintf(out, " %s%s\n", nl->models[e->model].name, e->value != 0 ? " on" : "");
    break;
  case KH_BEHAVIOURAL_V:
  case KH_BEHAVIOURAL_I: write_behavioural(nl, i, out); break;
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

static void write_inputs(const kh_netlist *nl, FILE *out) {
  fprintf(out, "*kh .input");
  if (nl->input_gain != 1.0) fprintf(out, " gain=%.17g", nl->input_gain);
  for (size_t i = 0; i < nl->input_count; i++) {
    if (i && i % 8 == 0) fprintf(out, "\n*kh +");
    if (nl->inputs[i].neg == KH_NOT_FOUND)
      fprintf(out, " %s", elem_name(nl, nl->inputs[i].pos));
    else
      fprintf(out, " (%s %s)", elem_name(nl, nl->inputs[i].pos), elem_name(nl, nl->inputs[i].neg));
  }
  fputc('\n', out);
}

int kh_netlist_write_cards(const kh_netlist *nl, FILE *out, int scale_kind, size_t scale_count,
                           const double *scale_mean, const double *scale_inv_std) {
  if (!scale_kind) {
    scale_kind = nl->scale_kind, scale_count = nl->scale_count;
    scale_mean = nl->scale_mean, scale_inv_std = nl->scale_inv_std;
  }
  if (nl->input_count) write_inputs(nl, out);
  for (size_t i = 0; i < nl->nodeset_count; i++) /* a card ngspice reads too */
    fprintf(out, ".nodeset v(%s)=%.17g\n", node(nl, (uint32_t)nl->nodesets[i].node),
            nl->nodesets[i].volts);
  const char **words = kh_malloc((nl->trainable_count + 1) * sizeof *words);
  if (!words) return -1;
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
  kh_free(words);
  if (scale_kind == KH_NETLIST_SCALE_NONE) fprintf(out, "*kh .scale none\n");
  if (scale_kind == KH_NETLIST_SCALE_PIXELS) fprintf(out, "*kh .scale pixels\n");
  if (scale_kind == KH_NETLIST_SCALE_STANDARDIZE) {
    fprintf(out, "*kh .scale standardize");
    for (size_t k = 0; k < scale_count; k++) {
      if (k && k % 4 == 0) fprintf(out, "\n*kh +");
      fprintf(out, " (%.17g %.17g)", scale_mean[k], scale_inv_std[k]);
    }
    fputc('\n', out);
  }
  if (nl->has_bounds) {
    fprintf(out, "*kh .bounds gmin=%.17g", nl->gmin);
    if (isfinite(nl->gmax)) fprintf(out, " gmax=%.17g", nl->gmax);
    fputc('\n', out);
  }
  return 0;
}

kh_status kh_netlist_write_as(kh_context *ctx, const kh_netlist *nl, FILE *out,
                              kh_write_flavor flavor) {
  return kh_netlist_write_values(ctx, nl, out, flavor, NULL);
}

kh_status kh_netlist_write_values(kh_context *ctx, const kh_netlist *nl, FILE *out,
                                  kh_write_flavor flavor, const double *values) {
  fprintf(out, "%s\n* written by kirchhoff %s%s\n", nl->title, kh_version(),
          flavor == KH_WRITE_NGSPICE ? " for ngspice" : "");
  for (size_t i = 0; i < nl->option_count; i++) {
    const kh_option *o = &nl->options[i];
    if (!strcmp(o->name, "rseries")) continue; /* its resistors are written as elements */
    if (o->has_value)
      fprintf(out, ".options %s=%.17g\n", o->name, o->value);
    else
      fprintf(out, ".options %s\n", o->name);
  }
  for (size_t m = 0; flavor == KH_WRITE_KIRCHHOFF && m < nl->model_count; m++) {
    const kh_model *md = &nl->models[m];
    if (!strcmp(md->type, "pwl")) continue; /* each pwl instance writes its own (write_table) */
    if (md->refusal) continue;              /* a card set aside, which no element uses */
    kh_write_model_words(nl, md, out);
  }
  if (flavor == KH_WRITE_NGSPICE) {
    write_models_for_ngspice(nl, out);
    fprintf(out, ".options reltol=%g abstol=1e-15 vntol=1e-12\n", KH_NGSPICE_RELTOL);
  }
  for (size_t i = 0; i < nl->element_count; i++)
    kh_netlist_write_element(nl, i, out, flavor, values, 0);
  kh_netlist_write_couplings(nl, out);
  if (kh_netlist_write_cards(nl, out, 0, 0, NULL, NULL))
    return kh_fail_nomem(ctx, "writing the netlist");
  fprintf(out, ".end\n");
  if (fflush(out) != 0 || ferror(out))
    return kh_fail(ctx, KH_ERR_IO, "writing the netlist failed: %s", strerror(errno));
  return KH_OK;
}

kh_status kh_netlist_write(kh_context *ctx, const kh_netlist *nl, FILE *out) {
  return kh_netlist_write_as(ctx, nl, out, KH_WRITE_KIRCHHOFF);
}

kh_status kh_netlist_write_string(kh_context *ctx, const kh_netlist *nl, char **text) {
  return kh_netlist_write_string_as(ctx, nl, text, KH_WRITE_KIRCHHOFF);
}

kh_status kh_netlist_write_string_as(kh_context *ctx, const kh_netlist *nl, char **text,
                                     kh_write_flavor flavor) {
  return kh_netlist_write_string_values(ctx, nl, text, flavor, NULL);
}

kh_status kh_netlist_write_string_values(kh_context *ctx, const kh_netlist *nl, char **text,
                                         kh_write_flavor flavor, const double *values) {
  size_t size = 0;
  *text = NULL;
  FILE *f = kh_text_stream(text, &size);
  if (!f) return kh_fail_nomem(ctx, "writing the netlist");
  kh_status st = kh_netlist_write_values(ctx, nl, f, flavor, values);
  if (fclose(f) != 0 && st == KH_OK) st = kh_fail_nomem(ctx, "writing the netlist");
  if (st != KH_OK) {
    free(*text);
    *text = NULL;
  }
  return st;
}
