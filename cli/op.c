/* kirchhoff op: the DC operating point of a netlist. */
#include "cli.h"
#include "names.h"

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

void kh_help_op(void) {
  printf("usage: kirchhoff op FILE [--backend native|ngspice] [--csv | --timing] [--currents]\n"
         "                    [--quiet]\n"
         "       kirchhoff op --compare FILE [--tol VOLTS]\n\n"
         "Prints the DC node voltages of the netlist FILE, then the KCL residual of the\n"
         "answer (largest current imbalance at a node; not in CSV output).\n\n"
         "  --backend NAME  native (default): kirchhoff's sparse solver (CHOLMOD);\n"
         "                  ngspice: the same circuit through libngspice's .op\n"
         "  --csv           CSV output: header 'node,voltage', one line per node (names as\n"
         "                  ngspice gives them: lower case, subcircuit nodes as x1.n2),\n"
         "                  values with 17 significant digits\n"
         "  --compare       solve with both backends; print the largest |dV| and each time;\n"
         "                  exit 3 when a node's |dV| exceeds --tol (default 1e-6 V)\n"
         "                  times max(1, |V|): volts up to 1 V, relative above\n"
         "  --timing        instead of the voltages: parse, assembly and solve times, peak\n"
         "                  memory and the KCL residual (large circuits; bench/large.sh)\n"
         "  --currents      also each element's current (from its + node through it to its -\n"
         "                  node, as ngspice's i(name): a supplying source is negative) and\n"
         "                  the power it absorbs; with --csv a second block\n"
         "                  'element,current,power'\n"
         "  --quiet         no notes about skipped cards on stderr\n"
         "  --ngspice-limit SECONDS\n"
         "                  stop an ngspice run of --compare (and of --backend ngspice on\n"
         "                  transistor circuits) past this many seconds, with an error\n"
         "                  (default 120; 0: none). ngspice's gmin and source stepping can\n"
         "                  crawl for minutes and cannot be interrupted: those runs go in a\n"
         "                  child process\n");
}

typedef struct {
  const char *file, *backend;
  int csv, compare, quiet, timing, currents;
  double tol, ngspice_limit;
} op_options;

static int parse_options(int argc, char **argv, op_options *o) {
  *o = (op_options){NULL, "native", 0, 0, 0, 0, 0, 1e-6, 120};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (kh_cli_is_help(a)) {
      kh_help_op();
      exit(KH_EXIT_OK);
    } else if (!strcmp(a, "--csv"))
      o->csv = 1;
    else if (!strcmp(a, "--timing"))
      o->timing = 1;
    else if (!strcmp(a, "--currents"))
      o->currents = 1;
    else if (!strcmp(a, "--compare"))
      o->compare = 1;
    else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
      o->quiet = 1;
    else if (!strcmp(a, "--backend") || !strcmp(a, "--tol") || !strcmp(a, "--ngspice-limit")) {
      if (i + 1 >= argc) return kh_cli_usage("op", "%s needs a value", a);
      const char *v = argv[++i];
      char *end;
      if (!strcmp(a, "--backend")) {
        o->backend = v;
      } else if (!strcmp(a, "--tol")) {
        o->tol = strtod(v, &end);
        if (*end || !(o->tol >= 0)) return kh_cli_usage("op", "--tol needs a voltage >= 0");
      } else {
        o->ngspice_limit = strtod(v, &end);
        if (*end || !*v || !(o->ngspice_limit >= 0) || isinf(o->ngspice_limit))
          return kh_cli_usage("op", "--ngspice-limit needs seconds >= 0 (0: none)");
      }
    } else if (a[0] == '-' && a[1]) {
      static const char *const names[] = {"--backend", "--csv",   "--timing", "--currents",
                                          "--compare", "--quiet", "--tol",    "--ngspice-limit"};
      return kh_cli_unknown("op", "option", a, names, sizeof names / sizeof names[0]);
    } else if (o->file)
      return kh_cli_usage("op", "only one FILE, got '%s' and '%s'", o->file, a);
    else
      o->file = a;
  }
  if (!o->file) return kh_cli_usage("op", "missing netlist FILE");
  static const char *const backends[] = {"native", "ngspice"};
  if (kh_cli_choose("op", "--backend", o->backend, backends, 2) < 0) return KH_EXIT_USAGE;
  return KH_EXIT_OK;
}

/* A circuit without a co-content: ngspice's .op on the netlist itself, or general Newton. */
static kh_status solve_general(kh_context *ctx, const kh_netlist *nl, const char *backend,
                               double *voltages, kh_solve_stats *stats, double *currents) {
  memset(stats, 0, sizeof *stats);
  if (strcmp(backend, "ngspice")) {
    kh_status st = kh_general_op(ctx, nl, NULL, NULL, voltages, currents, stats);
    if (st == KH_OK) {
      kh_cli_note_other_operating_points(nl, (int)stats->nodesets_dropped);
      kh_cli_note_hot_devices(nl, voltages);
    }
    return st;
  }
  stats->residual = NAN; /* the general path certifies its own answers only */
  kh_status st = kh_ngspice_op(ctx, nl, voltages);
  if (st == KH_OK) kh_cli_note_hot_devices(nl, voltages);
  if (st == KH_OK && currents)
    st = kh_set_error(ctx, KH_ERR_USAGE, "--currents comes from the native backend only here");
  return st;
}

/* Assembles and solves with one backend; *seconds covers both. */
/* seconds[0]: assembly and symbolic analysis; seconds[1]: the solve (factorization, solve,
 * refinement and the KCL certificate). currents (or NULL): each element's, from the answer. */
static kh_status solve_once(kh_context *ctx, const kh_netlist *nl, const char *backend,
                            double *voltages, double seconds[2], kh_solve_stats *stats,
                            double *currents) {
  double t0 = kh_cli_now();
  kh_status st;
  if (kh_netlist_general_count(nl, NULL)) { /* controlled sources without a co-content */
    st = solve_general(ctx, nl, backend, voltages, stats, currents);
    seconds[0] = 0, seconds[1] = kh_cli_now() - t0;
    return st;
  }
  kh_circuit *c = NULL;
  kh_solver *s = NULL;
  st = kh_circuit_new(ctx, &c, nl);
  if (st == KH_ERR_INPUT && kh_netlist_amplifier_count(nl)) {
    /* amplifier pairs whose loop gains leave no energy: the general path takes them; if native
     * general Newton cannot either, the co-content solver's reason stands */
    char reason[1024];
    int native = strcmp(backend, "ngspice") != 0;
    snprintf(reason, sizeof reason, "%s", kh_last_error(ctx));
    st = solve_general(ctx, nl, backend, voltages, stats, currents);
    if (st == KH_OK && native)
      fprintf(stderr, "kirchhoff: note: %s; solved by general Newton instead\n", reason);
    if (st != KH_OK && native) st = kh_set_error(ctx, KH_ERR_INPUT, "%s", reason);
    seconds[0] = 0, seconds[1] = kh_cli_now() - t0;
    return st;
  }
  if (st == KH_OK) kh_cli_warn_floating(c);
  if (st == KH_OK) st = kh_solver_new(ctx, &s, c, backend);
  double t1 = kh_cli_now();
  if (st == KH_OK) st = kh_solver_solve(ctx, s, voltages, stats);
  seconds[0] = t1 - t0, seconds[1] = kh_cli_now() - t1;
  if (st == KH_OK && currents) st = kh_circuit_currents(ctx, c, voltages, currents);
  kh_solver_free(s);
  kh_circuit_free(c);
  return st;
}

/* solve_once; and from the native backend each element's current, which --currents prints and
 * kh_cli_note_huge_currents reads. */
static kh_status solve_with(kh_context *ctx, const kh_netlist *nl, const char *backend,
                            double *voltages, double seconds[2], kh_solve_stats *stats,
                            double *currents) {
  int native = strcmp(backend, "ngspice") != 0;
  double *own = !currents && native ? calloc(kh_netlist_element_count(nl) + 1, sizeof *own) : NULL,
         *i = currents ? currents : own;
  if (!currents && native && !own) return kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  kh_status st = solve_once(ctx, nl, backend, voltages, seconds, stats, i);
  if (st == KH_OK && native) kh_cli_note_huge_currents(nl, i);
  free(own);
  return st;
}

/* "KCL residual R A (Q relative)", or why there is none: ngspice's answer to a circuit with
 * controlled sources, which the general path does not check (solve_with). */
static const char *residual_text(const kh_solve_stats *stats, char *text, size_t size) {
  if (isnan(stats->residual))
    return "KCL residual not computed (ngspice's answer to a circuit with controlled sources; "
           "kirchhoff certifies its own)";
  snprintf(text, size, "KCL residual %.3g A (%.3g relative)", stats->residual,
           stats->relative_residual);
  return text;
}

/* --timing: where the time and memory went, instead of the voltages (large circuits). */
static void print_timing(const kh_netlist *nl, double parse_s, const double seconds[2],
                         const kh_solve_stats *stats) {
  struct rusage use;
  getrusage(RUSAGE_SELF, &use);
  char text[96];
  printf("nodes %zu  elements %zu\nparse %.3f s  assemble+analyze %.3f s  solve %.3f s\n"
         "peak memory %.0f MiB  %s\n"
         "Newton iterations %u  factorizations %u  CG iterations %u\n",
         kh_netlist_node_count(nl), kh_netlist_element_count(nl), parse_s, seconds[0], seconds[1],
         (double)use.ru_maxrss / 1024, residual_text(stats, text, sizeof text), stats->iterations,
         stats->factorizations, stats->krylov_iterations);
}

/* "name,value[,value]": tens of thousands of rows for a large deck, formatted without printf's
 * slow exact path (a tenth of a 30,000-node op's whole run). */
static void csv_row(const char *name, const double *values, int count) {
  char text[32];
  fputs(name, stdout);
  for (int k = 0; k < count; k++) {
    kh_format_double(text, values[k]);
    putchar(','), fputs(text, stdout);
  }
  putchar('\n');
}

static void print_voltages(const kh_netlist *nl, const double *v, int csv,
                           const kh_solve_stats *stats) {
  size_t n = kh_netlist_node_count(nl);
  if (csv) printf("node,voltage\n");
  for (size_t i = 1; i < n; i++) {
    if (csv)
      csv_row(kh_netlist_node_name(nl, i), v + i, 1);
    else
      printf("%-24s %.10g\n", kh_netlist_node_name(nl, i), v[i]);
  }
  char text[96];
  if (!csv) printf("# %s\n", residual_text(stats, text, sizeof text));
  if (!csv && stats->iterations)
    printf("# Newton iterations %u (factorizations %u)\n", stats->iterations,
           stats->factorizations);
}

/* --currents: every element's current and the power it absorbs. A transistor's current is its
 * drain's; its power would need its gate's and bulk's currents too (a gate junction forward, a
 * bulk junction), which this does not have, so none is printed rather than id vds. */
static void print_currents(const kh_netlist *nl, const double *v, const double *i, int csv) {
  printf(csv ? "\nelement,current,power\n" : "# element currents (A) and absorbed power (W)\n");
  for (size_t k = 0; k < kh_netlist_element_count(nl); k++) {
    kh_element e = kh_netlist_element(nl, k);
    double p = (v[e.node_pos] - v[e.node_neg]) * i[k] + 0.0; /* + 0.0: no "-0" */
    if (e.kind == KH_JFET || e.kind == KH_MOSFET || e.kind == KH_BJT) {
      if (csv) {
        char text[32];
        kh_format_double(text, i[k]);
        printf("%s,%s,\n", e.name, text);
      } else {
        printf("%-24s %-18.10g (%s)\n", e.name, i[k],
               e.kind == KH_BJT ? "collector; no power: base and substrate currents not reported"
                                : "drain; no power: gate and bulk currents not reported");
      }
      continue;
    }
    if (csv)
      csv_row(e.name, (double[]){i[k], p}, 2);
    else
      printf("%-24s %-18.10g %.10g\n", e.name, i[k], p);
  }
}

/* The reading check: ngspice's .op of the file itself (its own reading of includes, parameters
 * and models) against ngspice's .op of kirchhoff's rewrite `b`, node by node. They differ only
 * where kirchhoff read the deck otherwise, or where the deck has several operating points and
 * ngspice's run of the file found another; either way the answers above are not ngspice's
 * answer to the file. Skipped (with the reason printed) for a deck with .control blocks, which
 * ngspice would run, and where ngspice gives the file no answer. 1 when they differ. */
static int reading_check(kh_context *ctx, const kh_netlist *nl, const op_options *o,
                         const double *b) {
  size_t n = kh_netlist_node_count(nl), worst = 0, compared = 0;
  double *v = calloc(n, sizeof *v), excess = 0;
  unsigned char *found = calloc(n, 1);
  kh_status st = v && found ? kh_ngspice_op_file(ctx, o->file, nl, v, found) : KH_ERR_NOMEM;
  if (st != KH_OK) { /* the first line of the reason; ngspice's output after it is noise here */
    const char *why = st == KH_ERR_NOMEM ? "out of memory" : kh_last_error(ctx);
    printf("ngspice on the file itself: %s (%.*s)\n", st == KH_ERR_USAGE ? "not run" : "no answer",
           (int)strcspn(why, ";\n"), why);
    free(v), free(found);
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if (!found[i] || strchr(kh_netlist_node_name(nl, i), '#')) continue;
    compared++;
    double r = fabs(v[i] - b[i]) / fmax(1, fabs(v[i]));
    if (!(r <= excess)) excess = r, worst = i;
  }
  printf("ngspice on the file itself: %zu nodes compared, max |dV| / max(1, |V|) %.3e%s%s\n",
         compared, excess, worst ? " at node " : "", worst ? kh_netlist_node_name(nl, worst) : "");
  int differs = !(excess <= o->tol);
  if (differs)
    fprintf(stderr,
            "kirchhoff: ngspice reading %s itself gives %.9g V at node %s, where on kirchhoff's "
            "reading it gives %.9g V: kirchhoff read the deck otherwise than ngspice, or the "
            "deck has several operating points and ngspice found another from the file\n",
            o->file, v[worst], kh_netlist_node_name(nl, worst), b[worst]);
  free(v), free(found);
  return differs;
}

/* Both backends on the deck at the reltol the ngspice backend runs with: ngspice stops its search
 * for a diode's breakdown knee at reltol, so at the deck's (1e-3 by default) kirchhoff would
 * hold a zener up to ~1e-5 V away from the knee ngspice holds at 1e-9 (seen: 2.8e-5 V). */
static int compare(kh_context *ctx, kh_netlist *nl, const op_options *o, double parse_s) {
  size_t n = kh_netlist_node_count(nl);
  double *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
  if (!a || !b || kh_netlist_set_option(ctx, nl, "reltol", KH_NGSPICE_RELTOL) != KH_OK) {
    free(a), free(b);
    fprintf(stderr, "kirchhoff: out of memory\n");
    return 4;
  }
  double ta[2], tb[2];
  kh_solve_stats sa, sb;
  kh_status st = solve_with(ctx, nl, "native", a, ta, &sa, NULL);
  if (st == KH_OK) st = solve_with(ctx, nl, "ngspice", b, tb, &sb, NULL);
  if (st != KH_OK) {
    free(a), free(b);
    return kh_cli_report_in(ctx, st, &o->file, 1);
  }
  /* --tol is volts up to 1 V and relative above: both backends stop at reltol 1e-9, so two right
   * answers at a kilovolt node differ by microvolts */
  size_t worst = 0, over = 0;
  double dv = 0, excess = 0; /* the largest |dV|, and of |dV| / max(1, |V|) */
  for (size_t i = 1; i < n; i++) {
    double d = fabs(a[i] - b[i]), r = d / fmax(1, fabs(b[i]));
    if (!(d <= dv)) dv = d, worst = i;
    if (!(r <= excess)) excess = r, over = i;
  }
  /* Without a co-content there may be several operating points: ngspice's answer is another one
   * when Newton started from it stays there and certifies it. */
  int another = 0;
  if (!(excess <= o->tol) && kh_netlist_general_count(nl, NULL)) {
    /* a Newton that fails from there says nothing for it (until 2026-12-07 a failure counted
     * as staying: a 6.7e-5 V disagreement passed as "another operating point", exit 0) */
    double *c = calloc(n, sizeof *c), moved = INFINITY;
    kh_solve_stats sc;
    if (c && kh_general_op(ctx, nl, NULL, b, c, NULL, &sc) == KH_OK) {
      moved = 0;
      for (size_t i = 1; i < n; i++) moved = fmax(moved, fabs(c[i] - b[i]) / fmax(1, fabs(b[i])));
    }
    another = moved <= o->tol;
    free(c);
  }
  printf("nodes: %zu\n", n - 1);
  printf("max |dV|: %.3e V%s%s\n", dv, worst ? " at node " : "",
         worst ? kh_netlist_node_name(nl, worst) : "");
  if (isnan(sb.residual)) /* the general path certifies its own answer only */
    printf("KCL residual: native %.3g A\n", sa.residual);
  else
    printf("KCL residual: native %.3g A, ngspice %.3g A\n", sa.residual, sb.residual);
  if (sa.iterations)
    printf("native Newton iterations: %u (factorizations %u)\n", sa.iterations, sa.factorizations);
  printf("parse: %.6f s\nnative: %.6f s\nngspice: %.6f s\n", parse_s, ta[0] + ta[1], tb[0] + tb[1]);
  double off = over ? fabs(a[over] - b[over]) : 0, at = over ? b[over] : 0;
  int misread = reading_check(ctx, nl, o, b);
  free(a), free(b);
  if (another) {
    printf("another operating point: ngspice's answer is one too (Newton started there stays "
           "and certifies it); circuits without a co-content can have several\n");
    return KH_EXIT_OK;
  }
  if (!(excess <= o->tol)) {
    fprintf(stderr,
            "kirchhoff: backends disagree by %.3e V at node %s (%.6g V), over --tol %.3g V "
            "times max(1, |V|)\n",
            off, kh_netlist_node_name(nl, over), at, o->tol);
    return KH_EXIT_NUMERIC;
  }
  return misread ? KH_EXIT_NUMERIC : KH_EXIT_OK;
}

int kh_cmd_op(int argc, char **argv) {
  op_options o;
  int rc = parse_options(argc, argv, &o);
  if (rc != KH_EXIT_OK) return rc;
  kh_cli_prefer_huge_pages(o.file);
  kh_ngspice_set_time_limit(o.ngspice_limit);
  kh_context *ctx = NULL;
  if (kh_context_new(&ctx) != KH_OK) return fprintf(stderr, "kirchhoff: out of memory\n"), 4;
  kh_netlist *nl = NULL;
  double t0 = kh_cli_now();
  kh_status st = kh_netlist_parse_file_compat(ctx, &nl, o.file, NULL, kh_cli_compat_mode());
  double parse_s = kh_cli_now() - t0;
  if (st != KH_OK) {
    rc = kh_cli_report(ctx, st);
  } else {
    kh_cli_print_notes(nl, o.quiet);
    if (o.compare) {
      rc = compare(ctx, nl, &o, parse_s);
    } else {
      double *v = calloc(kh_netlist_node_count(nl), sizeof *v), secs[2];
      double *i = o.currents ? calloc(kh_netlist_element_count(nl) + 1, sizeof *i) : NULL;
      kh_solve_stats stats;
      st = v && (i || !o.currents) ? solve_with(ctx, nl, o.backend, v, secs, &stats, i)
                                   : KH_ERR_NOMEM;
      if (st == KH_OK && o.timing)
        print_timing(nl, parse_s, secs, &stats);
      else if (st == KH_OK)
        print_voltages(nl, v, o.csv, &stats);
      else
        rc = kh_cli_report_in(ctx, st, &o.file, 1);
      if (st == KH_OK && i) print_currents(nl, v, i, o.csv);
      free(v), free(i);
    }
  }
  kh_netlist_free(nl);
  kh_context_free(ctx);
  return rc;
}
