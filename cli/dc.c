/* kirchhoff dc: the deck's .dc sweep, one operating point per row, each solve warm-started
 * from the last. */
#include "cli.h"
#include "names.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_help_dc(void) {
  printf("usage: kirchhoff dc FILE [--quiet]\n\n"
         "Runs the .dc card of the netlist FILE (.dc SRC START STOP STEP [SRC2 START2 STOP2\n"
         "STEP2], SRC a V or I source, a resistor, or TEMP, the circuit's temperature in degrees\n"
         "Celsius, the first varying fastest, as in ngspice) and prints CSV: one row per\n"
         "point, the swept values first (v-sweep, i-sweep, res-sweep or temp-sweep, then the\n"
         "second sweep's name), then every node voltage under its name as op --csv gives it,\n"
         "with 17 significant digits. Each point is certified as op's answer is; at each\n"
         "temperature or resistance the deck is read again with it, as ngspice's sweep sets\n"
         "them.\n\n"
         "  --quiet   no notes about skipped cards on stderr\n");
}

typedef struct {
  size_t element; /* the swept source or resistor, or TEMPERATURE */
  size_t points;
  kh_dc_sweep sweep;
  int resistor; /* a resistor's resistance, as written */
} axis;

#define TEMPERATURE ((size_t)-2) /* .dc TEMP: the circuit's temperature, degrees Celsius */
#define CELSIUS_TO_KELVIN 273.15 /* ngspice's CONSTCtoK */

/* ngspice 39's sweep (dctrcurv.c): the value starts at START and each point adds STEP to the
 * last (not START + i STEP: its 0.6 of `.dc v1 0 1 0.1` is 0.59999999999999998, and a B source's
 * v(a) <= 0.6 holds there), while sign(STEP) (value - STOP) stays within 1e3 DBL_EPSILON; a
 * temperature is summed in kelvin, read back in degrees Celsius. */
static double sweep_first(const axis *a) {
  return a->element == TEMPERATURE ? a->sweep.start + CELSIUS_TO_KELVIN : a->sweep.start;
}
static double sweep_next(const axis *a, double at) {
  return at + a->sweep.step;
}
static double sweep_value(const axis *a, double at) { /* the value the point is solved at */
  return a->element == TEMPERATURE ? at - CELSIUS_TO_KELVIN : at;
}
static int sweep_within(const axis *a, double at) {
  return (a->sweep.step > 0 ? 1 : -1) * (sweep_value(a, at) - a->sweep.stop) <= DBL_EPSILON * 1e3;
}

static size_t points_of(const axis *a) {
  size_t n = 0;
  for (double at = sweep_first(a); sweep_within(a, at); at = sweep_next(a, at)) n++;
  return n;
}

static int resolve(const kh_netlist *nl, const kh_dc_sweep *w, axis *a, const char *file,
                   unsigned line, unsigned col) {
  a->sweep = *w;
  a->element = !strcmp(w->source, "temp") ? TEMPERATURE : kh_netlist_find_element(nl, w->source);
  a->points = points_of(a);
  if (a->element == TEMPERATURE) return KH_EXIT_OK;
  kh_element_kind kind =
      a->element == (size_t)-1 ? KH_CAPACITOR : kh_netlist_element(nl, a->element).kind;
  a->resistor = kind == KH_RESISTOR;
  if (a->element == (size_t)-1 || (kind != KH_VSOURCE && kind != KH_ISOURCE && !a->resistor)) {
    fprintf(stderr,
            "kirchhoff: input error: %s:%u:%u: .dc sweeps '%s', which is %s; kirchhoff dc "
            "sweeps voltage and current sources, resistors and the temperature (TEMP)\n",
            file, line, col, w->source,
            a->element == (size_t)-1 ? "no element of the deck" : "not a V or I source");
    return KH_EXIT_INPUT;
  }
  double at = sweep_first(a); /* ngspice sets RESresist to each */
  for (size_t i = 0; a->resistor && i < a->points; i++, at = sweep_next(a, at))
    if (!(at > 0)) {
      fprintf(stderr,
              "kirchhoff: input error: %s:%u:%u: .dc sweeps resistor '%s' to %g ohms; a "
              "resistance must be positive\n",
              file, line, col, w->source, at);
      return KH_EXIT_INPUT;
    }
  return KH_EXIT_OK;
}

/* One CSV row: the swept value, the outer one if any, then every node's voltage, each as "%.17g"
 * writes it (kh_format_double: thousands of values a row on a large deck). */
static void print_row(double value, const double *outer, const double *v, size_t n) {
  char text[32];
  kh_format_double(text, value), fputs(text, stdout);
  if (outer) kh_format_double(text, *outer), putchar(','), fputs(text, stdout);
  for (size_t k = 0; k < n; k++) kh_format_double(text, v[k]), putchar(','), fputs(text, stdout);
  putchar('\n');
}

/* A switch: ngspice's .dc carries its state from point to point (inside a hysteresis band, and
 * at VT exactly, where its state machine reads the last point's: measured, sweeping down, VH =
 * 0.5 keeps it on to 1.5 V and VH = 0 turns it off at VT), where kirchhoff solves each point
 * afresh from the card's state: such a sweep is refused rather than answered otherwise. */
static int switched(const kh_netlist *nl) {
  for (size_t k = 0; k < kh_netlist_element_count(nl); k++) {
    kh_element e = kh_netlist_element(nl, k);
    if (e.kind != KH_SWITCH) continue;
    fprintf(stderr,
            "kirchhoff: input error: %s:%u:%u: switch '%s': ngspice's .dc carries a switch's "
            "state from point to point (in its hysteresis band and at its threshold), which "
            "kirchhoff's sweep does not; run the points as op\n",
            e.file, e.line, e.col, e.name);
    return 1;
  }
  return 0;
}

/* The circuit a point solves: the deck as parsed, or where a sweep sets the temperature or a
 * resistor, the deck parsed again with it (kh_netlist_parse_file_with: ngspice's TEMP sweep gives
 * its .op at .temp T at each point, measured on diodes, BJTs, JFETs, MOSFETs of levels 1 and 49
 * at v3.3, v3.2.4 and v3.1, VDMOS, resistors with temperature coefficients, instances with temp=
 * and dtemp=, and `temper` in .param, R and B; its resistor sweep sets the resistance as written,
 * then applies m, scale and the temperature coefficients, measured), with its solver; each
 * point starts from the last one's answer. */
typedef struct {
  kh_context *ctx;
  const char *path;
  const kh_netlist *deck;
  kh_netlist *at; /* the deck with `o`, where a sweep sets the temperature or a resistor */
  kh_parse_overrides o;
  double *values;
  kh_circuit *c;
  kh_solver *s;
  int general, ready;
} point_circuit;

static void release(point_circuit *pc) {
  kh_solver_free(pc->s), kh_circuit_free(pc->c), kh_netlist_free(pc->at);
  pc->s = NULL, pc->c = NULL, pc->at = NULL, pc->ready = 0;
}

static const kh_netlist *current(const point_circuit *pc) {
  return pc->at ? pc->at : pc->deck;
}

static int same_double(double a, double b) {
  return a == b || (isnan(a) && isnan(b));
}

/* Whether two points' overrides read the deck alike. */
static int same_overrides(const kh_parse_overrides *a, const kh_parse_overrides *b) {
  int same = same_double(a->celsius, b->celsius);
  for (size_t k = 0; k < 2; k++)
    same &= a->resistor[k] == b->resistor[k] && same_double(a->ohms[k], b->ohms[k]);
  return same;
}

/* Sets up the circuit with o (o.celsius NAN and no o.resistor: the deck as read), once per
 * temperature and resistances. */
static kh_status circuit_at(point_circuit *pc, kh_parse_overrides o) {
  if (pc->ready && same_overrides(&o, &pc->o)) return KH_OK;
  release(pc);
  pc->o = o;
  kh_status st =
      isnan(o.celsius) && !o.resistor[0] && !o.resistor[1]
          ? KH_OK
          : kh_netlist_parse_file_compat(pc->ctx, &pc->at, pc->path, &o, kh_cli_compat_mode());
  const kh_netlist *nl = current(pc);
  if (st == KH_OK && (kh_netlist_node_count(nl) != kh_netlist_node_count(pc->deck) ||
                      kh_netlist_element_count(nl) != kh_netlist_element_count(pc->deck)))
    st = kh_set_error(pc->ctx, KH_ERR_INPUT, "%s changed while the sweep read it again", pc->path);
  for (size_t k = 0; st == KH_OK && k < kh_netlist_element_count(nl); k++)
    pc->values[k] = kh_netlist_element(nl, k).value;
  if (st == KH_OK && !pc->general) st = kh_circuit_new(pc->ctx, &pc->c, nl);
  if (st == KH_OK && !pc->general) st = kh_solver_new(pc->ctx, &pc->s, pc->c, "native");
  pc->ready = st == KH_OK;
  return st;
}

/* A point of general Newton, from the last point's answer; where that fails, from scratch, as
 * ngspice's sweep falls back from Newton at the last point (NIiter) to its whole operating-point
 * search (CKTop from MODEINITJCT, dctrcurv.c): seen on a VBIC stage whose Newton from the last
 * point stepped where the base charge is NaN, while both programs' op solve the point. The first
 * failure is the one reported where the fresh start fails too (or cannot be made: ideal diodes
 * need a start). */
static kh_status general_point(point_circuit *pc, int first, double *v) {
  kh_solve_stats stats;
  kh_status st = kh_general_op(pc->ctx, current(pc), pc->values, first ? NULL : v, v, NULL, &stats);
  if (st != KH_ERR_NUMERIC || first) return st;
  char *why = strdup(kh_last_error(pc->ctx));
  if (!why) return st;
  kh_clear_error(pc->ctx);
  if (kh_general_op(pc->ctx, current(pc), pc->values, NULL, v, NULL, &stats) == KH_OK) {
    free(why);
    return KH_OK;
  }
  kh_clear_error(pc->ctx);
  kh_set_error(pc->ctx, st, "%s", why);
  free(why);
  return st;
}

/* Solves one point: sources[k] at value[k] (the axes that are sources) into v. */
static kh_status solve_point(point_circuit *pc, const axis *ax, const double *value, size_t count,
                             int first, double *v) {
  for (size_t k = 0; k < count; k++) {
    if (ax[k].element == TEMPERATURE || ax[k].resistor) continue;
    /* the DC value as written, times a current source's m, as isrcload.c loads it */
    double source = value[k] * kh_netlist_source_multiplier(current(pc), ax[k].element);
    pc->values[ax[k].element] = source;
    kh_status st =
        pc->general ? KH_OK : kh_circuit_set_source(pc->ctx, pc->c, ax[k].element, source);
    if (st != KH_OK) return st;
  }
  if (pc->general) return general_point(pc, first, v);
  return kh_solver_solve(pc->ctx, pc->s, v, NULL);
}

/* What the point's sweeps set other than sources: the temperature, a resistor. */
static kh_parse_overrides overrides_at(const axis *ax, size_t count, const double *value) {
  kh_parse_overrides o = {NAN, {NULL, NULL}, {NAN, NAN}};
  for (size_t k = 0; k < count; k++)
    if (ax[k].element == TEMPERATURE)
      o.celsius = value[k];
    else if (ax[k].resistor)
      o.resistor[k] = ax[k].sweep.source, o.ohms[k] = value[k]; /* both, where both are */
  return o;
}

static void print_header(const kh_netlist *nl, const axis *ax, size_t count) {
  printf("%s", ax[0].element == TEMPERATURE                               ? "temp-sweep"
               : ax[0].resistor                                           ? "res-sweep"
               : kh_netlist_element(nl, ax[0].element).kind == KH_VSOURCE ? "v-sweep"
                                                                          : "i-sweep");
  if (count == 2) printf(",%s", ax[1].sweep.source);
  for (size_t i = 1; i < kh_netlist_node_count(nl); i++) printf(",%s", kh_netlist_node_name(nl, i));
  printf("\n");
}

static int run(kh_context *ctx, const kh_netlist *nl, const char *path) {
  kh_dc_sweep sweeps[2];
  const char *file = NULL;
  unsigned line = 0, col = 0;
  size_t count = kh_netlist_dc(nl, sweeps, &file, &line, &col);
  if (!count) {
    fprintf(stderr, "kirchhoff: input error: the deck has no .dc card\n");
    return KH_EXIT_INPUT;
  }
  if (switched(nl)) return KH_EXIT_INPUT;
  axis ax[2] = {{0, 1, {0}, 0}, {0, 1, {0}, 0}};
  for (size_t k = 0; k < count; k++) {
    int rc = resolve(nl, &sweeps[k], &ax[k], file, line, col);
    if (rc != KH_EXIT_OK) return rc;
  }
  if (count == 2 && ax[0].element == ax[1].element) { /* measured: 10 s, no point, not ended */
    fprintf(stderr,
            "kirchhoff: input error: %s:%u:%u: .dc sweeps '%s' in both of its sweeps, where "
            "ngspice 39 steps it in each and never ends; sweep two different things\n",
            file, line, col, ax[0].sweep.source);
    return KH_EXIT_INPUT;
  }
  size_t n = kh_netlist_node_count(nl);
  /* controlled sources without a co-content: general Newton, each point from the last */
  point_circuit pc = {.ctx = ctx, .path = path, .deck = nl, .o = {NAN, {NULL, NULL}, {NAN, NAN}}};
  pc.general = kh_netlist_general_count(nl, NULL) > 0;
  if (pc.general) kh_cli_note_other_operating_points(nl, 0);
  double *v = calloc(n, sizeof *v), failed_at = NAN;
  pc.values = calloc(kh_netlist_element_count(nl) + 1, sizeof *pc.values);
  /* the first point's circuit before the header, so that a sweep no point of which can be read
   * (a resistor inside a subcircuit) prints nothing */
  double first[2] = {ax[0].sweep.start, ax[1].sweep.start};
  kh_status st = !v || !pc.values ? KH_ERR_NOMEM : circuit_at(&pc, overrides_at(ax, count, first));
  if (st != KH_OK) {
    free(v), free(pc.values), release(&pc);
    return kh_cli_report_in(ctx, st, &path, 1);
  }
  if (!pc.general) kh_cli_warn_floating(pc.c);
  print_header(nl, ax, count);
  double outer = sweep_first(&ax[1]);
  for (size_t j = 0; st == KH_OK && j < ax[1].points; j++, outer = sweep_next(&ax[1], outer)) {
    double inner = sweep_first(&ax[0]); /* the inner sweep starts again, as in ngspice */
    for (size_t i = 0; st == KH_OK && i < ax[0].points; i++, inner = sweep_next(&ax[0], inner)) {
      double value[2] = {sweep_value(&ax[0], inner), sweep_value(&ax[1], outer)};
      st = circuit_at(&pc, overrides_at(ax, count, value));
      if (st == KH_OK) st = solve_point(&pc, ax, value, count, i + j == 0, v);
      if (st != KH_OK) failed_at = value[0];
      if (st == KH_OK) print_row(value[0], count == 2 ? &value[1] : NULL, v + 1, n - 1);
    }
  }
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report_in(ctx, st, &path, 1);
  if (!isnan(failed_at))
    fprintf(stderr, "kirchhoff: the sweep stopped at %s = %.17g; the rows printed are complete\n",
            ax[0].sweep.source, failed_at);
  release(&pc);
  free(v), free(pc.values);
  return rc;
}

int kh_cmd_dc(int argc, char **argv) {
  const char *path = NULL;
  int quiet = 0;
  for (int i = 1; i < argc; i++) {
    if (kh_cli_is_help(argv[i])) {
      kh_help_dc();
      return KH_EXIT_OK;
    }
    if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
      quiet = 1;
    else if (argv[i][0] == '-' && argv[i][1])
      return kh_cli_unknown("dc", "option", argv[i], (const char *const[]){"--quiet"}, 1);
    else if (path)
      return kh_cli_usage("dc", "only one FILE, got '%s' and '%s'", path, argv[i]);
    else
      path = argv[i];
  }
  if (!path) return kh_cli_usage("dc", "missing netlist FILE");
  kh_context *ctx = NULL;
  if (kh_context_new(&ctx) != KH_OK) return fprintf(stderr, "kirchhoff: out of memory\n"), 4;
  kh_netlist *nl = NULL;
  kh_status st = kh_netlist_parse_file_compat(ctx, &nl, path, NULL, kh_cli_compat_mode());
  int rc;
  if (st != KH_OK) {
    rc = kh_cli_report(ctx, st);
  } else {
    kh_cli_print_notes(nl, quiet);
    rc = run(ctx, nl, path);
  }
  kh_netlist_free(nl);
  kh_context_free(ctx);
  return rc;
}
