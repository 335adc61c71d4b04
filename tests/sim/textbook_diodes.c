/* Textbook diode circuits from a seeded generator: series chains (resistor anywhere in the
 * loop), full-wave bridges with a grounded or a floating source, clamps to bias rails, LED
 * drivers (IS = 1e-20, N = 2), zener regulators, DC multiplier ladders (capacitors open) and
 * diodes with series resistance, at supplies from 0.1 to 1000 V of either sign, IS from 1e-18 to
 * 1e-6 A, N from 0.5 to 3, and a third of the models with a forward knee IKF (1e-4 to 10 A). Every
 * seed must converge within 50 Newton iterations with its KCL certificate, and the first ones must
 * match ngspice on the same deck. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double log_uniform(uint64_t *s, double lo, double hi) {
  return lo * pow(hi / lo, kh_test_uniform(s));
}

typedef struct {
  char *text;
  size_t len, cap;
} buffer;

static void put(buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buffer *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  cr_assert(n >= 0 && (size_t)n < b->cap - b->len, "generator buffer too small");
  b->len += (size_t)n;
}

static const char *const topology_names[] = {
    "chain", "bridge", "floating bridge", "clamp", "LED driver", "zener", "ladder", "RS network"};
enum { TOPOLOGIES = 8 };

/* One circuit: the deck's text (static buffer) and its topology's name. */
static const char *textbook_circuit(uint64_t seed, const char **topology) {
  static char text[8192];
  buffer b = {text, 0, sizeof text};
  uint64_t s = seed * 7919 + 17;
  int kind = (int)(seed % TOPOLOGIES);
  *topology = topology_names[kind];
  double supply = log_uniform(&s, 0.1, 1000) * (kh_test_next(&s) % 4 == 0 ? -1 : 1);
  double is = log_uniform(&s, 1e-18, 1e-6), n = 0.5 + 2.5 * kh_test_uniform(&s);
  double r = log_uniform(&s, 10, 1e5);
  put(&b, "%s seed %llu\n", *topology, (unsigned long long)seed);
  double ikf = log_uniform(&s, 1e-4, 10); /* a forward knee on a third of the models */
  if (kh_test_next(&s) % 3 == 0)
    put(&b, ".model dm d(is=%.6g n=%.6g ikf=%.6g)\n", is, n, ikf);
  else
    put(&b, ".model dm d(is=%.6g n=%.6g)\n", is, n);
  switch (kind) {
  case 0: { /* 1-4 diodes and a resistor in one loop, the resistor at any position */
    int diodes = 1 + (int)(kh_test_next(&s) % 4), at = (int)(kh_test_next(&s) % (diodes + 1));
    put(&b, "vs n0 0 %.9g\n", supply);
    int node = 0;
    for (int k = 0; k <= diodes; k++) {
      char to[16];
      if (k == diodes)
        snprintf(to, sizeof to, "0");
      else
        snprintf(to, sizeof to, "n%d", node + 1);
      if (k == at)
        put(&b, "rl n%d %s %.6g\n", node, to, r);
      else
        put(&b, "d%d n%d %s dm\n", k, node, to);
      node++;
    }
    break;
  }
  case 1:
  case 2: /* full-wave bridge; the floating one has the source between two free nodes */
    if (kind == 1)
      put(&b, "vs a 0 %.9g\n", supply);
    else
      put(&b, "vs a b %.9g\nrb b 0 %.6g\n", supply, log_uniform(&s, 1e3, 1e7));
    put(&b, "d1 a p dm\nd2 %s p dm\nd3 m a dm\nd4 m %s dm\n", kind == 1 ? "0" : "b",
        kind == 1 ? "0" : "b");
    put(&b, "rl p m %.6g\nrm m 0 %.6g\n", r, log_uniform(&s, 1, 1e4));
    break;
  case 3: { /* a signal clamped between two rails */
    double rail = log_uniform(&s, 0.1, 0.5 * fabs(supply) + 0.2);
    put(&b, "vs in 0 %.9g\nrs in x %.6g\nvhi hi 0 %.6g\nvlo lo 0 %.6g\n", supply, r, rail, -rail);
    put(&b, "d1 x hi dm\nd2 lo x dm\nrl x 0 %.6g\n", log_uniform(&s, 100, 1e6));
    break;
  }
  case 4: { /* LEDs in series from a supply through a resistor */
    int leds = 1 + (int)(kh_test_next(&s) % 3);
    b.len = 0;
    put(&b, "%s seed %llu\n.model dm d(is=1e-20 n=2 rs=%.4g)\n", *topology,
        (unsigned long long)seed, log_uniform(&s, 0.1, 10));
    put(&b, "vs s 0 %.9g\nrl s l0 %.6g\n", supply, r);
    for (int k = 0; k < leds; k++) {
      char to[16];
      if (k == leds - 1)
        snprintf(to, sizeof to, "0");
      else
        snprintf(to, sizeof to, "l%d", k + 1);
      put(&b, "d%d l%d %s dm\n", k, k, to);
    }
    break;
  }
  case 5: { /* zener regulator */
    /* BV above the forward drop at IBV: the breakdown knee (ngspice's BV - N Vt ln(IBV / IS))
     * at 1 to 200 V, as in real zener models */
    double ibv = log_uniform(&s, 1e-6, 1e-2);
    double bv = n * 0.025865 * log1p(ibv / is) + log_uniform(&s, 1, 200);
    /* reltol as in the deck kirchhoff writes for ngspice: ngspice's breakdown voltage depends
     * on it (diotemp.c stops matching IBV at reltol), so both must read the same one */
    put(&b, ".options reltol=1e-9\n.model dz d(is=%.6g n=%.6g bv=%.6g ibv=%.6g rs=%.4g)\n", is, n,
        bv, ibv, log_uniform(&s, 0.01, 20));
    put(&b, "vs in 0 %.9g\nrs in k %.6g\ndz 0 k dz\nrl k 0 %.6g\n", supply, r,
        log_uniform(&s, 100, 1e6));
    break;
  }
  case 6: { /* a voltage multiplier at DC: the capacitors are open, diodes chain to the load */
    int stages = 2 + (int)(kh_test_next(&s) % 4);
    put(&b, "vs in 0 %.9g\nrs in c0 %.6g\n", supply, log_uniform(&s, 1, 1e3));
    for (int k = 0; k < stages; k++) {
      put(&b, "d%d c%d c%d dm\n", k, k, k + 1);
      put(&b, "c%d c%d %s 1u\n", k, k + 1, k ? "c0" : "0");
    }
    put(&b, "rl c%d 0 %.6g\n", stages, r);
    break;
  }
  default: { /* a small mesh of resistors and diodes with RS */
    b.len = 0;
    put(&b, "%s seed %llu\n.model dm d(is=%.6g n=%.6g rs=%.4g)\n", *topology,
        (unsigned long long)seed, is, n, log_uniform(&s, 0.01, 100));
    put(&b, "vs n1 0 %.9g\n", supply);
    for (int k = 2; k <= 6; k++) {
      int to = (int)(kh_test_next(&s) % (unsigned)k); /* 0 is ground */
      char peer[16];
      snprintf(peer, sizeof peer, to ? "n%d" : "0", to);
      if (kh_test_next(&s) % 2)
        put(&b, "r%d n%d %s %.6g\n", k, k, peer, log_uniform(&s, 10, 1e5));
      else
        put(&b, "d%d %s n%d dm\nrp%d n%d 0 %.6g\n", k, peer, k, k, k, log_uniform(&s, 1e3, 1e6));
    }
    break;
  }
  }
  put(&b, ".end\n");
  return text;
}

typedef struct {
  int ok;
  unsigned iterations;
  double relative_residual; /* the KCL certificate's measure (kh_solve_stats) */
  double seconds;           /* the solve's wall time */
  char error[512];
} outcome;

static outcome solve(const char *text, const char *backend, double **v, size_t *nodes) {
  outcome o = {0};
  kh_context *ctx = NULL;
  kh_netlist *nl = NULL;
  kh_circuit *c = NULL;
  kh_solver *sv = NULL;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  kh_status st = kh_netlist_parse_string(ctx, &nl, text, "gen.cir");
  if (st == KH_OK) st = kh_circuit_new(ctx, &c, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &sv, c, backend);
  kh_solve_stats stats = {0};
  if (st == KH_OK) {
    *nodes = kh_netlist_node_count(nl);
    *v = calloc(*nodes, sizeof **v);
    st = kh_solver_solve(ctx, sv, *v, &stats);
  }
  o.ok = st == KH_OK;
  o.iterations = stats.iterations;
  o.relative_residual = stats.relative_residual;
  o.seconds = stats.seconds;
  snprintf(o.error, sizeof o.error, "%s", st == KH_OK ? "" : kh_last_error(ctx));
  kh_solver_free(sv);
  kh_circuit_free(c);
  kh_netlist_free(nl);
  kh_context_free(ctx);
  return o;
}

enum { SEEDS = 10000, MAX_NEWTON = 50, NGSPICE_SEEDS = 400 };

Test(textbook_diodes, ten_thousand_seeds_converge_within_50_iterations, .timeout = 600) {
  unsigned worst = 0, histogram[6] = {0};
  uint64_t worst_seed = 0;
  for (uint64_t seed = 1; seed <= SEEDS; seed++) {
    const char *topology;
    const char *text = textbook_circuit(seed, &topology);
    double *v = NULL;
    size_t nodes = 0;
    outcome o = solve(text, "native", &v, &nodes);
    free(v);
    cr_assert(o.ok, "seed %llu (%s) failed: %s\n%s", (unsigned long long)seed, topology, o.error,
              text);
    cr_assert_leq(o.iterations, MAX_NEWTON, "seed %llu (%s): %u Newton iterations\n%s",
                  (unsigned long long)seed, topology, o.iterations, text);
    histogram[o.iterations / 10 < 5 ? o.iterations / 10 : 5]++;
    if (o.iterations > worst) worst = o.iterations, worst_seed = seed;
  }
  cr_log_info("%d seeds: Newton iterations 0-9: %u, 10-19: %u, 20-29: %u, 30-39: %u, 40-49: %u; "
              "most %u (seed %llu)",
              SEEDS, histogram[0], histogram[1], histogram[2], histogram[3], histogram[4], worst,
              (unsigned long long)worst_seed);
}

/* ngspice on the same deck (tight tolerances, in the deck kirchhoff writes for it): within
 * 1e-6 max(1, |V|) V, or else both answers pass the native solver's own KCL certificate (1e-10
 * of the currents' magnitudes): then double precision cannot tell them apart, and the circuit,
 * not either program, sets the difference. That happens where a node is held only by GMIN
 * (1e-12 S) beside an ohm of RS: one ulp of a 250 V node is 1e-13 A through the RS, which GMIN
 * turns into 0.06 V (a reverse-biased LED string at -500 V: kirchhoff -250.000 V, the exact
 * answer by symmetry; ngspice -249.978 V). A deck ngspice cannot solve is counted, not
 * compared. */
Test(textbook_diodes, first_seeds_match_ngspice, .timeout = 600) {
  int compared = 0, matched = 0, conditioned = 0, ngspice_failed = 0;
  double worst = 0, native_seconds = 0, ngspice_seconds = 0;
  for (uint64_t seed = 1; seed <= NGSPICE_SEEDS; seed++) {
    const char *topology;
    const char *text = textbook_circuit(seed, &topology);
    double *a = NULL, *b = NULL;
    size_t nodes = 0;
    outcome oa = solve(text, "native", &a, &nodes), ob = solve(text, "ngspice", &b, &nodes);
    cr_assert(oa.ok, "seed %llu: %s", (unsigned long long)seed, oa.error);
    if (!ob.ok) {
      ngspice_failed++;
      cr_log_info("seed %llu (%s): ngspice failed: %s\n%s", (unsigned long long)seed, topology,
                  ob.error, text);
      free(a), free(b);
      continue;
    }
    compared++;
    native_seconds += oa.seconds, ngspice_seconds += ob.seconds;
    double d = 0;
    size_t at = 0;
    for (size_t i = 1; i < nodes; i++) {
      double di = fabs(a[i] - b[i]) / fmax(1, fabs(b[i]));
      if (di > d) d = di, at = i;
    }
    if (d <= 1e-6) {
      matched++;
      worst = fmax(worst, d);
    } else {
      cr_expect_leq(ob.relative_residual, 1e-10,
                    "seed %llu (%s) node %zu: kirchhoff %.12g, ngspice %.12g, and ngspice's answer "
                    "fails the KCL certificate (%.3g relative)\n%s",
                    (unsigned long long)seed, topology, at, a[at], b[at], ob.relative_residual,
                    text);
      conditioned++;
      cr_log_info("seed %llu (%s): node %zu kirchhoff %.12g, ngspice %.12g, both certified",
                  (unsigned long long)seed, topology, at, a[at], b[at]);
    }
    free(a), free(b);
  }
  cr_log_info("%d seeds compared with ngspice: %d within 1e-6 max(1, |V|) V (largest %.3g), %d "
              "further apart with both answers certified; ngspice failed on %d; solves %.4f s "
              "native, %.4f s ngspice (in process, %.0fx)",
              compared, matched, worst, conditioned, ngspice_failed, native_seconds,
              ngspice_seconds, ngspice_seconds / native_seconds);
  cr_expect_geq(compared, NGSPICE_SEEDS * 9 / 10);
}

/* General Newton (kirchhoff/general.h, what op uses when a circuit has no co-content) on the same
 * textbook circuits: it converges and certifies its answer on every seed, and lands where the
 * co-content solver does to 1e-6 max(1, |V|) V except at GMIN-held nodes (above), which are
 * counted. */
Test(textbook_diodes, general_newton_agrees_on_every_seed, .timeout = 600) {
  unsigned most = 0, conditioned = 0;
  for (uint64_t seed = 1; seed <= SEEDS; seed++) {
    const char *topology;
    const char *text = textbook_circuit(seed, &topology);
    double *a = NULL;
    size_t nodes = 0;
    outcome oa = solve(text, "native", &a, &nodes);
    cr_assert(oa.ok, "seed %llu: %s", (unsigned long long)seed, oa.error);
    kh_context *ctx;
    kh_context_new(&ctx);
    kh_netlist *nl = NULL;
    cr_assert_eq(kh_netlist_parse_string(ctx, &nl, text, "gen.cir"), KH_OK);
    double *b = calloc(nodes, sizeof *b);
    kh_solve_stats stats;
    kh_status st = kh_general_op(ctx, nl, NULL, NULL, b, NULL, &stats);
    cr_assert_eq(st, KH_OK, "seed %llu (%s): %s\n%s", (unsigned long long)seed, topology,
                 kh_last_error(ctx), text);
    most = stats.iterations > most ? stats.iterations : most;
    double d = 0;
    for (size_t i = 1; i < nodes; i++) d = fmax(d, fabs(a[i] - b[i]) / fmax(1, fabs(a[i])));
    if (d > 1e-6) { /* GMIN-held nodes: both certified (general Newton's answer was) */
      conditioned++;
      cr_log_info("seed %llu (%s): general Newton differs by %.3g, both certified",
                  (unsigned long long)seed, topology, d);
    }
    free(a), free(b);
    kh_netlist_free(nl);
    kh_context_free(ctx);
  }
  cr_log_info("general Newton on %d textbook seeds: all converged and certified (at most %u "
              "iterations), %u differ from the co-content solver by more than 1e-6 max(1, |V|)",
              SEEDS, most, conditioned);
}
