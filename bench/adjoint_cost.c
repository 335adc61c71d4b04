/* The cost of one conjugate-gradient iteration of the iterative adjoint (issue 25's target: at
 * most 1.5 Laplacian products), on the netlist given (bench/adjoint.sh: a 100 x 100 grid).
 * Prints per-iteration times of cg and of Richardson (one product and one update each) and of
 * kh_solver_hessian_apply (one product plus the node <-> unknown mapping), and their ratios.
 * Asserts nothing. Usage: adjoint_cost NETLIST */
#include <kirchhoff/kirchhoff.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The fastest of 5 runs of k iterations, per iteration. */
static double per_iteration(kh_context *ctx, kh_solver *s, kh_adjoint_method m, unsigned k,
                            const double *rhs, double *lam) {
  double best = INFINITY;
  for (int r = 0; r < 5; r++) {
    double t0 = now();
    if (kh_solver_adjoint_iterative(ctx, s, m, k, 1.0, rhs, lam, NULL) != KH_OK) return NAN;
    best = fmin(best, now() - t0);
  }
  return best / k;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: %s NETLIST\n", argv[0]), 1;
  kh_context *ctx;
  kh_netlist *nl = NULL;
  kh_circuit *c = NULL;
  kh_solver *s = NULL;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_status st = kh_netlist_parse_file(ctx, &nl, argv[1]);
  if (st == KH_OK) st = kh_circuit_new(ctx, &c, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &s, c, "native");
  size_t nodes = nl ? kh_netlist_node_count(nl) : 0;
  double *v = calloc(3 * nodes + 1, sizeof *v), *rhs = v + nodes, *lam = rhs + nodes;
  kh_solve_stats stats;
  if (st == KH_OK) st = kh_solver_solve(ctx, s, v, &stats);
  if (st != KH_OK) return fprintf(stderr, "adjoint_cost: %s\n", kh_last_error(ctx)), 3;
  for (size_t i = 1; i < nodes; i++) rhs[i] = cos(0.37 * (double)i);
  unsigned k = 200;
  double cg = per_iteration(ctx, s, KH_ADJOINT_CG, k, rhs, lam);
  double rich = per_iteration(ctx, s, KH_ADJOINT_RICHARDSON, k + 1, rhs, lam) * (k + 1) / k;
  double apply = INFINITY;
  for (int r = 0; r < 5; r++) {
    double t0 = now();
    for (unsigned i = 0; i < k; i++) kh_solver_hessian_apply(ctx, s, rhs, lam);
    apply = fmin(apply, (now() - t0) / k);
  }
  printf("%zu unknowns: per iteration cg %.2f us, Richardson %.2f us, hessian_apply %.2f us\n",
         kh_circuit_unknowns(c), 1e6 * cg, 1e6 * rich, 1e6 * apply);
  printf("cg iteration / Richardson iteration: %.2f   cg iteration / hessian_apply: %.2f\n",
         cg / rich, cg / apply);
  free(v);
  kh_solver_free(s), kh_circuit_free(c), kh_netlist_free(nl), kh_context_free(ctx);
  return 0;
}
