/* The native solver against ngspice on the same circuits: random networks with conductances
 * spread over nine decades, and every example netlist. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Circuits with controlled sources (no co-content) go through general Newton and ngspice's .op
 * on the netlist, as `kirchhoff op` solves them. */
static double *solve_either(const kh_netlist *nl, const char *backend) {
  if (!kh_netlist_general_count(nl, NULL)) return kh_test_solve(nl, backend);
  double *v = calloc(kh_netlist_node_count(nl), sizeof *v);
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_solve_stats stats;
  kh_status st = strcmp(backend, "native") ? kh_ngspice_op(ctx, nl, v)
                                           : kh_general_op(ctx, nl, NULL, NULL, v, NULL, &stats);
  cr_assert_eq(st, KH_OK, "%s", kh_last_error(ctx));
  kh_context_free(ctx);
  return v;
}

/* Over the deck's own nodes: internal ones ('#') are left out, as tests/netlist/compat.c leaves
 * them out. A POLY chain's partial sums there are branch currents times the coefficients, which
 * ngspice resolves to its abstol only: FB's 1e7 times 1e-15 A is 1e-8 V (examples'
 * opamp_inverting.cir: 2.8e-8 V there, 2.1e-10 V on its own nodes). */
static double max_difference(const kh_netlist *nl) {
  double *a = solve_either(nl, "native"), *b = solve_either(nl, "ngspice");
  double worst = 0;
  for (size_t i = 0; i < kh_netlist_node_count(nl); i++)
    if (!strchr(kh_netlist_node_name(nl, i), '#') && !(fabs(a[i] - b[i]) <= worst))
      worst = fabs(a[i] - b[i]);
  free(a), free(b);
  return worst;
}

/* ngspice's own error, independently of which answer is right: the KCL imbalance rho of its
 * voltages, summed in long double at every node (voltage-source currents excluded, which leaves
 * each supernode's total intact), drives the error e = v_true - v_ngspice through A e = -rho.
 * Returns the netlist of that correction problem: the same resistors, sources at zero, and a
 * current rho_i drawn out of every node. */
static char *correction_netlist(const kh_netlist *nl, const double *v) {
  size_t nodes = kh_netlist_node_count(nl), ne = kh_netlist_element_count(nl);
  long double *rho = calloc(nodes, sizeof *rho);
  size_t cap = 128 + (ne + nodes) * 96, len = 0;
  char *t = malloc(cap);
  len += (size_t)snprintf(t + len, cap - len, "correction\n");
  for (size_t i = 0; i < ne; i++) {
    kh_element e = kh_netlist_element(nl, i);
    const char *a = kh_netlist_node_name(nl, e.node_pos), *b = kh_netlist_node_name(nl, e.node_neg);
    if (e.kind == KH_RESISTOR) {
      /* g = fl(1/R), exactly as both simulators store it: with cond(A) near 1e8 these networks
       * answer a one-ulp change of a conductance with ~1e-8 V, so the data must match bit for
       * bit before voltages can be compared to 1e-9 V. */
      double g = 1.0 / e.value;
      long double cur = (long double)g * ((long double)v[e.node_pos] - v[e.node_neg]);
      rho[e.node_pos] += cur, rho[e.node_neg] -= cur;
      len += (size_t)snprintf(t + len, cap - len, "%s %s %s %.17g\n", e.name, a, b, e.value);
    } else if (e.kind == KH_ISOURCE) {
      rho[e.node_pos] += e.value, rho[e.node_neg] -= e.value;
    } else if (e.kind == KH_VSOURCE) {
      len += (size_t)snprintf(t + len, cap - len, "%s %s %s 0\n", e.name, a, b);
    }
  }
  for (size_t n = 1; n < nodes; n++)
    len += (size_t)snprintf(t + len, cap - len, "irho%zu %s 0 %.17Lg\n", n,
                            kh_netlist_node_name(nl, n), rho[n]);
  free(rho);
  return t;
}

Test(ngspice_agreement, random_networks, .timeout = 300) {
  const size_t sizes[] = {10, 50, 200, 1000, 2000};
  double worst = 0, worst_explained = 0;
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
    for (uint64_t seed = 1; seed <= 3; seed++) {
      char *text = kh_test_random_network(1000 * sizes[k] + seed, sizes[k], 1e-6, 1e3);
      kh_netlist *nl = kh_test_parse(text);
      double *native = kh_test_solve(nl, "native"), *ng = kh_test_solve(nl, "ngspice");
      char *fix_text = correction_netlist(nl, ng);
      kh_netlist *fix = kh_test_parse(fix_text);
      double *e = kh_test_solve(fix, "native");
      double d = 0, ng_error = 0, unexplained = 0;
      for (size_t i = 1; i < kh_netlist_node_count(nl); i++) {
        d = fmax(d, fabs(native[i] - ng[i]));
        size_t j = kh_netlist_find_node(fix, kh_netlist_node_name(nl, i));
        ng_error = fmax(ng_error, fabs(e[j]));
        unexplained = fmax(unexplained, fabs(native[i] - (ng[i] + e[j])));
      }
      /* Where ngspice itself is accurate to 1e-9 V, the two must agree to 1e-9 V; in every case
       * the native answer must be ngspice's corrected by ngspice's own residual. */
      cr_expect(d <= 1e-9 || ng_error > 1e-9, "%zu nodes, seed %llu: |dV| = %.3g V", sizes[k],
                (unsigned long long)seed, d);
      cr_expect_leq(unexplained, 1e-13,
                    "%zu nodes seed %llu: native differs from corrected "
                    "ngspice by %.3g V",
                    sizes[k], (unsigned long long)seed, unexplained);
      if (d > worst) worst = d;
      if (unexplained > worst_explained) worst_explained = unexplained;
      cr_log_info("%zu nodes seed %llu: |dV| %.3g V, ngspice's own error %.3g V, native vs "
                  "corrected ngspice %.3g V",
                  sizes[k], (unsigned long long)seed, d, ng_error, unexplained);
      free(native), free(ng), free(e), free(fix_text), free(text);
      kh_netlist_free(fix);
      kh_netlist_free(nl);
    }
  cr_log_info("largest |dV| %.3g V; largest native-vs-corrected-ngspice %.3g V", worst,
              worst_explained);
}

Test(ngspice_agreement, example_circuits) {
  DIR *d = opendir(kh_test_examples_dir());
  cr_assert_not_null(d);
  struct dirent *e;
  kh_context *ctx;
  kh_context_new(&ctx);
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".cir")) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", kh_test_examples_dir(), e->d_name);
    kh_netlist *nl = NULL;
    cr_assert_eq(kh_netlist_parse_file(ctx, &nl, path), KH_OK, "%s", kh_last_error(ctx));
    cr_expect_leq(max_difference(nl), 1e-9, "%s", e->d_name);
    kh_netlist_free(nl);
  }
  closedir(d);
  kh_context_free(ctx);
}

/* libngspice is one simulator per process, used under kirchhoff's lock: four threads solving
 * different circuits through it at once each get their own circuit's answer (issue 9). */
typedef struct {
  int id;
  double worst;
  int failures;
} ng_job;

static void *ng_worker(void *arg) {
  ng_job *job = arg;
  for (int round = 0; round < 5; round++) {
    char text[512];
    double volts = 1 + job->id + 0.1 * round, r1 = 1e3 * (job->id + 1), r2 = 2.2e3;
    snprintf(text, sizeof text,
             "thread %d\nv1 in 0 %.17g\nr1 in mid %.17g\nr2 mid 0 %.17g\n"
             "r3 mid out 470\nr4 out 0 1k\n",
             job->id, volts, r1, r2);
    kh_context *ctx;
    kh_context_new(&ctx);
    kh_netlist *nl = NULL;
    kh_circuit *c = NULL;
    kh_solver *s = NULL;
    double v[8];
    kh_solve_stats st;
    if (kh_netlist_parse_string(ctx, &nl, text, "t") || kh_circuit_new(ctx, &c, nl) ||
        kh_solver_new(ctx, &s, c, "ngspice") || kh_solver_solve(ctx, s, v, &st)) {
      job->failures++;
    } else {
      /* mid: r1 against r2 || (r3 + r4) */
      double rl = 1 / (1 / r2 + 1 / 1470.0), mid = volts * rl / (r1 + rl);
      size_t m = 0;
      for (size_t n = 0; n < kh_netlist_node_count(nl); n++)
        if (!strcmp(kh_netlist_node_name(nl, n), "mid")) m = n;
      job->worst = fmax(job->worst, fabs(v[m] - mid));
    }
    kh_solver_free(s), kh_circuit_free(c), kh_netlist_free(nl), kh_context_free(ctx);
  }
  return NULL;
}

Test(ngspice_agreement, threads_share_the_simulator_safely) {
  pthread_t threads[4];
  ng_job jobs[4];
  for (int t = 0; t < 4; t++) {
    jobs[t] = (ng_job){t, 0, 0};
    cr_assert_eq(pthread_create(&threads[t], NULL, ng_worker, &jobs[t]), 0);
  }
  for (int t = 0; t < 4; t++) {
    pthread_join(threads[t], NULL);
    cr_expect_eq(jobs[t].failures, 0, "thread %d: %d failed solves", t, jobs[t].failures);
    cr_expect(jobs[t].worst <= 1e-9, "thread %d: |dV| %.3g", t, jobs[t].worst);
  }
}

/* The reading check runs ngspice on a user's file in a child process: where ngspice crashes
 * there (a stand-in library whose `source` does, support/crashing_ngspice.c), the answer is an
 * error that says so, and this process goes on. */
Test(ngspice_agreement, a_crash_reading_a_users_file_is_an_error) {
  const char *fake = getenv("KH_CRASHING_NGSPICE");
  cr_assert(fake, "KH_CRASHING_NGSPICE not set");
  kh_ngspice_configure(fake, NULL); /* before this process first loads ngspice */
  const char *path = kh_test_write_temp("crash.cir", "t\nv1 a 0 1\nr1 a 0 1k\n");
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = NULL;
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, path), KH_OK, "%s", kh_last_error(ctx));
  double v[2] = {0, 0};
  unsigned char found[2] = {0, 0};
  cr_expect_eq(kh_ngspice_op_file(ctx, path, nl, v, found), KH_ERR_BACKEND);
  cr_expect(strstr(kh_last_error(ctx), "ngspice crashed reading the file"), "%s",
            kh_last_error(ctx));
  cr_expect(!found[1], "a node found by a crashed ngspice");
  kh_netlist_free(nl);
  kh_context_free(ctx);
}

/* Under a time limit an ngspice run that never ends (a stand-in library whose `op` and `source`
 * wait forever, support/crashing_ngspice.c, as libngspice's gmin and source stepping can crawl
 * for minutes) is stopped there with an error that says so, kirchhoff's reading of the deck and
 * the file itself both; without one, kh_ngspice_op stays in this process. */
Test(ngspice_agreement, a_run_past_the_time_limit_is_stopped) {
  const char *fake = getenv("KH_CRASHING_NGSPICE");
  cr_assert(fake, "KH_CRASHING_NGSPICE not set");
  kh_ngspice_configure(fake, NULL);
  kh_ngspice_set_time_limit(1);
  const char *path = kh_test_write_temp("hang.cir", "hang\nv1 a 0 1\nr1 a 0 1k\n");
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = NULL;
  cr_assert_eq(kh_netlist_parse_file(ctx, &nl, path), KH_OK, "%s", kh_last_error(ctx));
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  double v[2] = {0, 0};
  cr_expect_eq(kh_ngspice_op(ctx, nl, v), KH_ERR_BACKEND);
  cr_expect(strstr(kh_last_error(ctx), "ngspice took longer than 1 s finding the operating "
                                       "point and was stopped"),
            "%s", kh_last_error(ctx));
  unsigned char found[2] = {1, 1};
  cr_expect_eq(kh_ngspice_op_file(ctx, path, nl, v, found), KH_ERR_BACKEND);
  cr_expect(strstr(kh_last_error(ctx), "ngspice took longer than 1 s reading the file"), "%s",
            kh_last_error(ctx));
  cr_expect(!found[1], "a node found by a stopped ngspice");
  clock_gettime(CLOCK_MONOTONIC, &b);
  double took = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
  cr_expect(took < 10, "the two stopped runs took %.1f s", took);
  kh_netlist_free(nl);
  kh_context_free(ctx);
}
