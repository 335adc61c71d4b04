/* A backend of a program's own (kh_solver_new_with): projected Richardson iteration on the
 * reduced unknowns, written with the public circuit calls alone. It lands on the native answer,
 * its answers pass the same KCL certificate, one that stops short is refused by it, and a table
 * without its required operations is refused. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  size_t n;
  double *x, *r, *lo, *hi;
} richardson;

static unsigned iterations = 20000;
static double step = 250; /* ohms: below 2 / (the largest eigenvalue), about 2 / (3 mS) */

static kh_status prepare(kh_context *ctx, kh_circuit *c, void **impl) {
  richardson *s = calloc(1, sizeof *s);
  if (!s) return kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  *impl = s;
  s->n = kh_circuit_unknowns(c);
  s->x = calloc(s->n + 1, sizeof *s->x), s->r = calloc(s->n + 1, sizeof *s->r);
  s->lo = calloc(s->n + 1, sizeof *s->lo), s->hi = calloc(s->n + 1, sizeof *s->hi);
  return s->x && s->r && s->lo && s->hi ? KH_OK : kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
}

static kh_status solve(kh_context *ctx, kh_circuit *c, void *impl, double *voltages,
                       kh_solve_stats *stats) {
  richardson *s = impl;
  if (kh_circuit_bounds(c, s->lo, s->hi) >= 0)
    return kh_set_error(ctx, KH_ERR_INPUT, "conflicting clamps");
  memset(s->x, 0, s->n * sizeof *s->x);
  for (unsigned it = 0; it < iterations; it++) {
    if (kh_circuit_residual(c, s->x, s->r)) return kh_set_error(ctx, KH_ERR_NOMEM, "no memory");
    for (size_t u = 0; u < s->n; u++)
      s->x[u] = fmin(fmax(s->x[u] + step * s->r[u], s->lo[u]), s->hi[u]);
  }
  kh_circuit_expand(c, s->x, voltages);
  stats->analyses++;
  return KH_OK;
}

static void destroy(void *impl) {
  richardson *s = impl;
  free(s->x), free(s->r), free(s->lo), free(s->hi);
  free(s);
}

static const kh_solver_ops ops = {.name = "richardson",
                                  .prepare = prepare,
                                  .solve = solve,
                                  .destroy = destroy,
                                  .max_relative_residual = 1e-10};

/* A ladder with a clamp that conducts (node c held at 0.5 V) and one that does not. */
static const char *const ladder = "ladder\n.model dc d(kh_ideal=1)\nv1 in 0 1\nr1 in a 1k\n"
                                  "r2 a b 2k\nr3 b c 1.5k\nr4 c 0 30k\nr5 a c 4.7k\nr6 b 0 10k\n"
                                  "vb vb 0 0.5\nd1 c vb dc\nd2 b in dc\n";

Test(custom_backend, a_programs_backend_is_certified_like_kirchhoffs) {
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = kh_test_parse(ladder);
  double *want = kh_test_solve(nl, "native");
  kh_circuit *c = NULL;
  kh_solver *s = NULL;
  cr_assert_eq(kh_circuit_new(ctx, &c, nl), KH_OK, "%s", kh_last_error(ctx));
  cr_assert_eq(kh_solver_new_with(ctx, &s, c, &ops), KH_OK, "%s", kh_last_error(ctx));
  cr_expect_str_eq(kh_solver_name(s), "richardson");
  size_t nodes = kh_netlist_node_count(nl);
  double *v = calloc(nodes, sizeof *v);
  kh_solve_stats stats;
  iterations = 20000;
  cr_assert_eq(kh_solver_solve(ctx, s, v, &stats), KH_OK, "%s", kh_last_error(ctx));
  for (size_t i = 0; i < nodes; i++)
    cr_expect(fabs(v[i] - want[i]) <= 1e-9, "node %s: %.15g, native %.15g",
              kh_netlist_node_name(nl, i), v[i], want[i]);
  cr_expect(fabs(kh_test_node(nl, v, "c") - 0.5) <= 1e-12, "the clamp holds c at 0.5 V");
  /* stopped after a few iterations: the certificate refuses the answer */
  iterations = 5;
  cr_expect_eq(kh_solver_solve(ctx, s, v, &stats), KH_ERR_NUMERIC);
  cr_expect(strstr(kh_last_error(ctx), "richardson solve failed its KCL check"), "%s",
            kh_last_error(ctx));
  /* what it lacks is refused by name */
  cr_expect_eq(kh_solver_adjoint(ctx, s, v, v), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(ctx), "the richardson backend has no adjoint"), "%s",
            kh_last_error(ctx));
  kh_solver_free(s);
  kh_solver_ops partial = ops;
  partial.solve = NULL;
  cr_expect_eq(kh_solver_new_with(ctx, &s, c, &partial), KH_ERR_USAGE);
  cr_expect_null(s);
  free(v), free(want);
  kh_circuit_free(c);
  kh_netlist_free(nl);
  kh_context_free(ctx);
}

/* A program's Newton backend on the whole co-content (kh_circuit_energy, _gradient, _hessian,
 * _pattern): the Hessian made dense and factored by Cholesky, each step halved until the
 * co-content decreases. */
typedef struct {
  size_t n;
  double *x, *g, *h, *dense, *step, *trial;
} newton;

static kh_status newton_prepare(kh_context *ctx, kh_circuit *c, void **impl) {
  newton *s = calloc(1, sizeof *s);
  if (!s) return kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  *impl = s;
  const int64_t *colptr, *rowidx;
  kh_circuit_pattern(c, &colptr, &rowidx);
  size_t n = s->n = kh_circuit_unknowns(c), nnz = (size_t)colptr[n];
  s->x = calloc(n + 1, sizeof *s->x), s->g = calloc(n + 1, sizeof *s->g);
  s->h = calloc(nnz + 1, sizeof *s->h), s->dense = calloc(n * n + 1, sizeof *s->dense);
  s->step = calloc(n + 1, sizeof *s->step), s->trial = calloc(n + 1, sizeof *s->trial);
  return s->x && s->g && s->h && s->dense && s->step && s->trial
             ? KH_OK
             : kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
}

/* dense = H (both triangles) from the compressed lower triangle; then H step = -g by Cholesky */
static int newton_step(const kh_circuit *c, newton *s) {
  const int64_t *colptr, *rowidx;
  kh_circuit_pattern(c, &colptr, &rowidx);
  size_t n = s->n;
  double *a = s->dense;
  memset(a, 0, n * n * sizeof *a);
  for (size_t j = 0; j < n; j++)
    for (int64_t p = colptr[j]; p < colptr[j + 1]; p++) {
      size_t i = (size_t)rowidx[p];
      a[i * n + j] = a[j * n + i] = s->h[p];
    }
  for (size_t j = 0; j < n; j++) {
    for (size_t k = 0; k < j; k++) a[j * n + j] -= a[j * n + k] * a[j * n + k];
    if (!(a[j * n + j] > 0)) return 1;
    a[j * n + j] = sqrt(a[j * n + j]);
    for (size_t i = j + 1; i < n; i++) {
      for (size_t k = 0; k < j; k++) a[i * n + j] -= a[i * n + k] * a[j * n + k];
      a[i * n + j] /= a[j * n + j];
    }
  }
  for (size_t i = 0; i < n; i++) { /* L y = -g, then L^T step = y */
    double y = -s->g[i];
    for (size_t k = 0; k < i; k++) y -= a[i * n + k] * s->step[k];
    s->step[i] = y / a[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {
    double y = s->step[i];
    for (size_t k = i + 1; k < n; k++) y -= a[k * n + i] * s->step[k];
    s->step[i] = y / a[i * n + i];
  }
  return 0;
}

static kh_status newton_solve(kh_context *ctx, kh_circuit *c, void *impl, double *voltages,
                              kh_solve_stats *stats) {
  newton *s = impl;
  memset(s->x, 0, s->n * sizeof *s->x);
  for (unsigned it = 0; it < 200; it++) {
    if (kh_circuit_gradient(c, s->x, s->g) || kh_circuit_hessian(c, s->x, s->h) ||
        newton_step(c, s))
      return kh_set_error(ctx, KH_ERR_NUMERIC, "newton: no step");
    double e = kh_circuit_energy(c, s->x), t = 1;
    for (int halvings = 0; halvings < 60; halvings++, t /= 2) {
      for (size_t u = 0; u < s->n; u++) s->trial[u] = s->x[u] + t * s->step[u];
      if (kh_circuit_energy(c, s->trial) <= e) break;
    }
    memcpy(s->x, s->trial, s->n * sizeof *s->x);
    stats->iterations++;
  }
  kh_circuit_expand(c, s->x, voltages);
  stats->analyses++;
  return KH_OK;
}

static void newton_destroy(void *impl) {
  newton *s = impl;
  free(s->x), free(s->g), free(s->h), free(s->dense), free(s->step), free(s->trial);
  free(s);
}

Test(custom_backend, a_programs_newton_solves_shockley_diodes_from_the_public_co_content) {
  static const kh_solver_ops dense_newton = {.name = "dense-newton",
                                             .prepare = newton_prepare,
                                             .solve = newton_solve,
                                             .destroy = newton_destroy,
                                             .max_relative_residual = 1e-10};
  /* a bridge of 1N4148-like junctions (ngspice's card values) with series resistances */
  const char *deck = "bridge\n.model d1n4148 d(is=2.52n n=1.752 rs=0.568)\nv1 in 0 5\n"
                     "r1 in a 1k\nd1 a b d1n4148\nd2 a c d1n4148\nr2 b 0 2.2k\nr3 c 0 4.7k\n"
                     "d3 b c d1n4148\nr4 c out 1k\nd4 out 0 d1n4148\ni1 0 b 1m\n";
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netlist *nl = kh_test_parse(deck);
  double *want = kh_test_solve(nl, "native");
  kh_circuit *c = NULL;
  kh_solver *s = NULL;
  cr_assert_eq(kh_circuit_new(ctx, &c, nl), KH_OK, "%s", kh_last_error(ctx));
  cr_assert_eq(kh_solver_new_with(ctx, &s, c, &dense_newton), KH_OK, "%s", kh_last_error(ctx));
  size_t nodes = kh_netlist_node_count(nl);
  double *v = calloc(nodes, sizeof *v);
  kh_solve_stats stats;
  cr_assert_eq(kh_solver_solve(ctx, s, v, &stats), KH_OK, "%s", kh_last_error(ctx));
  for (size_t i = 0; i < nodes; i++)
    cr_expect(fabs(v[i] - want[i]) <= 1e-9, "node %s: %.15g, native %.15g",
              kh_netlist_node_name(nl, i), v[i], want[i]);
  kh_solver_free(s);
  free(v), free(want);
  kh_circuit_free(c);
  kh_netlist_free(nl);
  kh_context_free(ctx);
}
