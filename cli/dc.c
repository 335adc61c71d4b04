/* kirchhoff dc: the deck's .dc sweep, one operating point per row, each solve warm-started
 * from the last. */
#include "cli.h"
#include "names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_help_dc(void) {
  printf("usage: kirchhoff dc FILE [--quiet]\n\n"
         "Runs the .dc card of the netlist FILE (.dc SRC START STOP STEP [SRC2 START2 STOP2\n"
         "STEP2], SRC a V or I source, the first varying fastest, as in ngspice) and prints CSV:\n"
         "one row per point, the swept values first (v-sweep or i-sweep, then the second\n"
         "source's name), then every node voltage under its name as op --csv gives it, with\n"
         "17 significant digits. Each point is certified as op's answer is.\n\n"
         "  --quiet   no notes about skipped cards on stderr\n");
}

typedef struct {
  size_t element;
  size_t points;
  kh_dc_sweep sweep;
} axis;

/* ngspice's point count: from start, step by step while not past stop (a little slack for
 * rounding, as its loop has). */
static size_t points_of(const kh_dc_sweep *w) {
  double n = (w->stop - w->start) / w->step;
  return (size_t)floor(n + 1e-9 * (1 + fabs(n))) + 1;
}

static int resolve(const kh_netlist *nl, const kh_dc_sweep *w, axis *a, const char *file,
                   unsigned line, unsigned col) {
  a->sweep = *w;
  a->points = points_of(w);
  a->element = kh_netlist_find_element(nl, w->source);
  kh_element_kind kind =
      a->element == (size_t)-1 ? KH_RESISTOR : kh_netlist_element(nl, a->element).kind;
  if (a->element == (size_t)-1 || (kind != KH_VSOURCE && kind != KH_ISOURCE)) {
    fprintf(stderr,
            "kirchhoff: input error: %s:%u:%u: .dc sweeps '%s', which is %s; kirchhoff dc "
            "sweeps voltage and current sources\n",
            file, line, col, w->source,
            a->element == (size_t)-1 ? "no element of the deck" : "not a V or I source");
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
  axis ax[2] = {{0, 1, {0}}, {0, 1, {0}}};
  for (size_t k = 0; k < count; k++) {
    int rc = resolve(nl, &sweeps[k], &ax[k], file, line, col);
    if (rc != KH_EXIT_OK) return rc;
  }
  kh_circuit *c = NULL;
  kh_solver *s = NULL;
  size_t n = kh_netlist_node_count(nl), m = kh_netlist_element_count(nl);
  /* controlled sources without a co-content: general Newton, each point from the last */
  int general = kh_netlist_general_count(nl, NULL) > 0;
  if (general) kh_cli_note_other_operating_points(nl, 0);
  double *v = calloc(n, sizeof *v), failed_at = NAN, *values = calloc(m + 1, sizeof *values);
  for (size_t k = 0; values && k < m; k++) values[k] = kh_netlist_element(nl, k).value;
  kh_status st = !v || !values ? KH_ERR_NOMEM : general ? KH_OK : kh_circuit_new(ctx, &c, nl);
  if (st == KH_OK && !general) kh_cli_warn_floating(c);
  if (st == KH_OK && !general) st = kh_solver_new(ctx, &s, c, "native");
  if (st == KH_OK) {
    printf("%s", kh_netlist_element(nl, ax[0].element).kind == KH_VSOURCE ? "v-sweep" : "i-sweep");
    if (count == 2) printf(",%s", ax[1].sweep.source);
    for (size_t i = 1; i < n; i++) printf(",%s", kh_netlist_node_name(nl, i));
    printf("\n");
  }
  for (size_t j = 0; st == KH_OK && j < ax[1].points; j++) {
    double outer = ax[1].sweep.start + (double)j * ax[1].sweep.step;
    if (count == 2 && !general) st = kh_circuit_set_source(ctx, c, ax[1].element, outer);
    if (count == 2) values[ax[1].element] = outer;
    for (size_t i = 0; st == KH_OK && i < ax[0].points; i++) {
      double value = ax[0].sweep.start + (double)i * ax[0].sweep.step;
      kh_solve_stats stats;
      values[ax[0].element] = value;
      if (general)
        st = kh_general_op(ctx, nl, values, i + j ? v : NULL, v, NULL, &stats);
      else
        st = kh_circuit_set_source(ctx, c, ax[0].element, value);
      if (st == KH_OK && !general) st = kh_solver_solve(ctx, s, v, NULL);
      if (st != KH_OK) {
        failed_at = value;
        break;
      }
      print_row(value, count == 2 ? &outer : NULL, v + 1, n - 1);
    }
  }
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report_in(ctx, st, &path, 1);
  if (!isnan(failed_at))
    fprintf(stderr, "kirchhoff: the sweep stopped at %s = %.17g; the rows printed are complete\n",
            ax[0].sweep.source, failed_at);
  kh_solver_free(s);
  kh_circuit_free(c);
  free(v), free(values);
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
  kh_status st = kh_netlist_parse_file(ctx, &nl, path);
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
