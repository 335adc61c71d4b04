/* Relaxation sweeps, inexact phases and iterative differentiation (issue 25). The sweeps reach
 * the exact equilibrium; itd through T sweeps equals central finite differences of the loss the
 * T-sweep free phase reaches; itd from the equilibrium equals the phantom gradient at damping 1
 * and reaches the exact gradient as k grows; EP on inexact phases approaches EP on exact ones as
 * T grows, from either start; circuits and estimators relaxation cannot serve are refused. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static kh_netlist *ideal_network(uint64_t seed, double amp) {
  return kh_test_drn("5-8-3", seed, 2, amp, NULL);
}

static double loss_now(kh_test_gradient_fixture *f) {
  double o[8];
  cr_assert_eq(kh_model_predict(f->ctx, f->m, o), KH_OK, "%s", kh_last_error(f->ctx));
  double l = 0;
  for (size_t k = 0; k < kh_model_output_count(f->m); k++)
    l += 0.5 * (o[k] - f->target[k]) * (o[k] - f->target[k]);
  return l;
}

Test(relaxation, sweeps_reach_the_exact_equilibrium) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, ideal_network(3, 0));
  double exact[8], o[8];
  cr_assert_eq(kh_model_predict(f.ctx, f.m, exact), KH_OK);
  double before = INFINITY;
  for (unsigned T = 10; T <= 10000; T *= 10) {
    cr_assert_eq(kh_model_set_inner(f.ctx, f.m, T, 0, KH_INNER_FROM_FREE), KH_OK, "%s",
                 kh_last_error(f.ctx));
    cr_assert_eq(kh_model_predict(f.ctx, f.m, o), KH_OK, "%s", kh_last_error(f.ctx));
    double err = 0;
    for (size_t k = 0; k < 3; k++) err = fmax(err, fabs(o[k] - exact[k]));
    cr_log_info("T = %u sweeps: largest output error %.3e V", T, err);
    cr_expect(err <= before, "T = %u: %.3e after %.3e", T, err, before);
    before = err;
  }
  cr_expect(before <= 1e-10, "10^4 sweeps leave %.3e V", before);
  kh_test_gradient_close(&f);
}

/* Random networks with floating sources (supernodes) and with ideal clamps: the sweeps land on
 * the native solver's answer. */
Test(relaxation, sweeps_solve_random_networks) {
  for (int kind = 0; kind < 2; kind++) {
    char *text =
        kind ? kh_test_random_diode_network(21, 25, 1) : kh_test_random_network(21, 25, 1e-3, 1e-1);
    kh_test_rig r;
    kh_test_rig_open(&r, text, "native");
    size_t nodes = kh_netlist_node_count(r.nl);
    double *exact = calloc(2 * nodes, sizeof *exact), *v = exact + nodes;
    kh_relaxation_stats stats;
    kh_solve_stats solved;
    cr_assert_eq(kh_solver_solve(r.ctx, r.s, exact, &solved), KH_OK, "%s", kh_last_error(r.ctx));
    kh_relaxation *x = NULL;
    cr_assert_eq(kh_relaxation_new(r.ctx, &x, r.c, 50000), KH_OK, "%s", kh_last_error(r.ctx));
    cr_assert_eq(kh_relaxation_run(r.ctx, x, 50000, 0, NULL, v, &stats), KH_OK, "%s",
                 kh_last_error(r.ctx));
    double err = 0;
    for (size_t i = 0; i < nodes; i++) err = fmax(err, fabs(v[i] - exact[i]));
    cr_log_info("%s network: 50000 sweeps land %.2e V from the native solve (last move %.2e V)",
                kind ? "ideal-diode" : "floating-source", err, stats.change);
    cr_expect(err <= 1e-9, "%.2e V", err);
    cr_expect(stats.sweeps == 50000);
    cr_expect(kh_relaxation_bytes(x) == 50001 * kh_circuit_unknowns(r.c) * sizeof(double));
    /* to a tolerance: fewer sweeps, and the bound holds */
    for (double tol = 1e-3; tol >= 1e-12; tol *= 1e-3) {
      cr_assert_eq(kh_relaxation_run(r.ctx, x, 50000, tol, NULL, v, &stats), KH_OK, "%s",
                   kh_last_error(r.ctx));
      err = 0;
      for (size_t i = 0; i < nodes; i++) err = fmax(err, fabs(v[i] - exact[i]));
      cr_log_info("  to %.0e V: %u sweeps, error %.2e V, bound %.2e V", tol, stats.sweeps, err,
                  stats.error_bound);
      cr_expect(err <= tol && stats.error_bound <= tol, "tol %g: error %.2e", tol, err);
    }
    cr_expect_eq(kh_relaxation_run(r.ctx, x, 3, 1e-15, NULL, v, &stats), KH_ERR_NUMERIC);
    kh_relaxation_free(x);
    free(exact), free(text);
    kh_test_rig_close(&r);
  }
}

Test(relaxation, itd_equals_finite_differences_of_the_swept_loss) {
  for (int amp = 0; amp < 2; amp++) {
    kh_test_gradient_fixture f;
    kh_test_gradient_open(&f, ideal_network(7, amp ? 3 : 0));
    unsigned T = 4;
    double *theta = malloc(f.n * sizeof *theta), *fd = malloc(f.n * sizeof *fd);
    /* conductances away from gmin (generated ones sit at 1e-9 S, too close to 0 for a step) */
    uint64_t rng = 11;
    kh_model_get_params(f.m, theta);
    for (size_t i = 0; i < f.n; i++)
      if (kh_model_param_is_conductance(f.m, i)) theta[i] = 0.05 + 0.4 * kh_test_uniform(&rng);
    cr_assert_eq(kh_model_set_params(f.ctx, f.m, theta), KH_OK);
    cr_assert_eq(kh_model_set_inner(f.ctx, f.m, T, 0, KH_INNER_FROM_FREE), KH_OK);
    kh_grad_info info = {0};
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_ITD, 0, f.target, f.g, &info), KH_OK, "%s",
                 kh_last_error(f.ctx));
    cr_expect(info.sweeps == T && info.products == T, "sweeps %u products %u", info.sweeps,
              info.products);
    for (size_t i = 0; i < f.n; i++) {
      double keep = theta[i], h = 1e-6;
      theta[i] = keep + h;
      cr_assert_eq(kh_model_set_params(f.ctx, f.m, theta), KH_OK);
      double up = loss_now(&f);
      theta[i] = keep - h;
      cr_assert_eq(kh_model_set_params(f.ctx, f.m, theta), KH_OK);
      fd[i] = (up - loss_now(&f)) / (2 * h);
      theta[i] = keep;
    }
    cr_assert_eq(kh_model_set_params(f.ctx, f.m, theta), KH_OK);
    double err = kh_test_relative_error(f.g, fd, f.n);
    cr_log_info("itd through %u sweeps (amplifier gain %d) against finite differences: %.2e", T,
                amp ? 3 : 0, err);
    cr_expect(err <= 1e-6, "itd and finite differences differ by %.2e", err);
    /* and it is not the exact gradient at these parameters, which 4 sweeps do not reach */
    cr_assert_eq(kh_model_set_inner(f.ctx, f.m, 0, 0, KH_INNER_FROM_FREE), KH_OK);
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_EXACT, 0, f.target, fd, NULL), KH_OK);
    double off = kh_test_relative_error(f.g, fd, f.n);
    cr_log_info("and the exact gradient: %.2e", off);
    cr_expect(off > 1e-4, "%.2e", off);
    free(theta), free(fd);
    kh_test_gradient_close(&f);
  }
}

Test(relaxation, warm_itd_is_the_phantom_gradient_and_reaches_the_exact_one) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, ideal_network(5, 0));
  double *phantom = malloc(f.n * sizeof *phantom);
  for (unsigned k = 3; k <= 30; k *= 10) {
    cr_assert_eq(kh_model_set_adjoint_iterations(f.ctx, f.m, k), KH_OK);
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_PHANTOM, 0, f.target, phantom, NULL), KH_OK);
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_ITD, 0, f.target, f.g, NULL), KH_OK, "%s",
                 kh_last_error(f.ctx));
    double err = kh_test_relative_error(f.g, phantom, f.n);
    cr_log_info("k = %u: warm itd against phantom (damping 1): %.2e", k, err);
    cr_expect(err <= 1e-9, "k = %u: %.2e", k, err);
  }
  cr_assert_eq(kh_model_set_adjoint_iterations(f.ctx, f.m, 20000), KH_OK);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_ITD, 0, f.target, f.g, NULL), KH_OK);
  double err = kh_test_relative_error(f.g, f.exact, f.n);
  cr_log_info("warm itd, k = 20000, against the exact gradient: %.2e", err);
  cr_expect(err <= 1e-8, "%.2e", err);
  free(phantom);
  kh_test_gradient_close(&f);
}

Test(relaxation, ep_on_inexact_phases_approaches_ep_on_exact_ones) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, ideal_network(9, 0));
  double beta = 0.05, *exact_ep = malloc(f.n * sizeof *exact_ep);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CENTERED, beta, f.target, exact_ep, NULL),
               KH_OK);
  for (int start = 0; start < 2; start++) {
    double before = INFINITY;
    for (unsigned T = 10; T <= 10000; T *= 10) {
      cr_assert_eq(kh_model_set_inner(f.ctx, f.m, T, 0, (kh_inner_start)start), KH_OK);
      kh_grad_info info = {0};
      cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CENTERED, beta, f.target, f.g, &info),
                   KH_OK, "%s", kh_last_error(f.ctx));
      cr_expect(info.sweeps == 3 * T, "%u sweeps for three phases of %u", info.sweeps, T);
      double err = kh_test_relative_error(f.g, exact_ep, f.n);
      cr_log_info("centered EP, %s start, T = %u: %.2e from exact phases",
                  start ? "previous" : "free", T, err);
      cr_expect(err < before || err <= 1e-12, "T = %u: %.2e after %.2e", T, err, before);
      before = err;
    }
    cr_expect(before <= 1e-8, "%.2e", before);
  }
  free(exact_ep);
  kh_test_gradient_close(&f);
}

/* Implicit differentiation at the state T sweeps reach: its Hessian there, no factor. Converged
 * sweeps give the exact-phase gradients; at few sweeps exact is cg run to the end, and every
 * iterative adjoint approaches it as k grows. */
Test(relaxation, adjoints_on_inexact_phases) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, ideal_network(13, 0));
  double *g = malloc(f.n * sizeof *g), *exact_t = malloc(f.n * sizeof *exact_t);
  cr_assert_eq(kh_model_set_inner(f.ctx, f.m, 5000, 0, KH_INNER_FROM_FREE), KH_OK);
  const kh_estimator est[] = {KH_EST_EXACT, KH_EST_CG, KH_EST_CG_JACOBI, KH_EST_PHANTOM};
  cr_assert_eq(kh_model_set_adjoint_iterations(f.ctx, f.m, 200), KH_OK);
  for (int e = 0; e < 4; e++) {
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, est[e], 0, f.target, g, NULL), KH_OK, "%s",
                 kh_last_error(f.ctx));
    double err = kh_test_relative_error(g, f.exact, f.n);
    cr_expect(err <= 1e-9, "%s on converged sweeps: %.2e", kh_estimator_name(est[e]), err);
  }
  /* holomorphic EP: each point of the circle relaxed from the free state */
  double *holo = malloc(f.n * sizeof *holo);
  cr_assert_eq(kh_model_set_inner(f.ctx, f.m, 0, 0, KH_INNER_FROM_FREE), KH_OK);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_HOLOMORPHIC, 0.05, f.target, holo, NULL),
               KH_OK);
  cr_assert_eq(kh_model_set_inner(f.ctx, f.m, 5000, 0, KH_INNER_FROM_FREE), KH_OK);
  kh_grad_info info = {0};
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_HOLOMORPHIC, 0.05, f.target, g, &info), KH_OK,
               "%s", kh_last_error(f.ctx));
  double herr = kh_test_relative_error(g, holo, f.n);
  cr_log_info("holomorphic EP on 5000 sweeps against exact phases: %.2e (%u sweeps)", herr,
              info.sweeps);
  cr_expect(herr <= 1e-9 && info.sweeps == 5000 * 5, "%.2e, %u sweeps", herr, info.sweeps);
  free(holo);
  cr_assert_eq(kh_model_set_inner(f.ctx, f.m, 4, 0, KH_INNER_FROM_FREE), KH_OK);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_EXACT, 0, f.target, exact_t, NULL), KH_OK);
  double off = kh_test_relative_error(exact_t, f.exact, f.n);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CG, 0, f.target, g, NULL), KH_OK);
  double cg = kh_test_relative_error(g, exact_t, f.n);
  cr_assert_eq(kh_model_set_adjoint_iterations(f.ctx, f.m, 2), KH_OK);
  cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CG, 0, f.target, g, NULL), KH_OK);
  double cg2 = kh_test_relative_error(g, exact_t, f.n);
  cr_log_info("4 sweeps: exact there is %.2e from the exact gradient; cg at k = 2, 200: %.2e, %.2e",
              off, cg2, cg);
  cr_expect(off > 1e-4 && cg <= 1e-12 && cg2 > cg, "%.2e %.2e %.2e", off, cg2, cg);
  free(g), free(exact_t);
  kh_test_gradient_close(&f);
}

Test(relaxation, refuses_what_it_cannot_sweep) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, kh_test_drn("5-8-3", 5, 2, 0, "d(is=1u n=1) "));
  cr_expect_eq(kh_model_set_inner(f.ctx, f.m, 10, 0, KH_INNER_FROM_FREE), KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(f.ctx), "ideal diodes with one end fixed") != NULL, "%s",
            kh_last_error(f.ctx));
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_ITD, 0, f.target, f.g, NULL), KH_ERR_USAGE);
  kh_test_gradient_close(&f);
  kh_test_gradient_open(&f, ideal_network(5, 0));
  cr_assert_eq(kh_model_set_inner(f.ctx, f.m, 10, 0, KH_INNER_FROM_FREE), KH_OK);
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_OSCILLATING, 0.1, f.target, f.g, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(f.ctx), "phases are its time steps") != NULL, "%s",
            kh_last_error(f.ctx));
  cr_assert_eq(kh_model_set_holomorphic_contour(f.ctx, f.m, KH_CONTOUR_SLIT), KH_OK);
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_HOLOMORPHIC, 0.1, f.target, f.g, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(f.ctx), "circle contour") != NULL, "%s", kh_last_error(f.ctx));
  cr_expect_eq(kh_model_set_inner(f.ctx, f.m, 10, 0, (kh_inner_start)7), KH_ERR_USAGE);
  kh_test_gradient_close(&f);
}
