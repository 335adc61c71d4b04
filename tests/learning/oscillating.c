/* The oscillating estimator: the Chebyshev combination of odd harmonics converges to the exact
 * gradient as the period grows (the adiabatic limit) and as harmonics are added; the first
 * harmonic alone keeps an O(beta^2) bias, 3/4 of the centered estimator's; ngspice's .tran of
 * the same oscillation gives the same estimate; ideal diodes work while their clamps hold. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Conductances near 1 S in these networks: 1 pF per node gives time constants of picoseconds
 * (the slowest modes, through small conductances, ~3 ps). */
static kh_netlist *shockley(uint64_t seed) {
  return kh_test_drn("5-8-3", seed, 2, 0, "d(is=1u n=1) ");
}

static double estimate_steps(kh_test_gradient_fixture *f, double period, unsigned steps,
                             unsigned harmonics, double beta, const char *backend) {
  kh_oscillation o = KH_OSCILLATION_INIT;
  o.period = period, o.node_capacitance = 1e-12, o.steps = steps, o.settle = 2;
  cr_assert_eq(kh_model_set_oscillation(f->ctx, f->m, &o, harmonics, backend), KH_OK, "%s",
               kh_last_error(f->ctx));
  kh_grad_info info = {0};
  cr_assert_eq(kh_model_gradient(f->ctx, f->m, KH_EST_OSCILLATING, beta, f->target, f->g, &info),
               KH_OK, "%s", kh_last_error(f->ctx));
  cr_assert_gt(info.time_steps, 0);
  return kh_test_relative_error(f->g, f->exact, f->n);
}

static double estimate(kh_test_gradient_fixture *f, double period, unsigned harmonics, double beta,
                       const char *backend) {
  return estimate_steps(f, period, 128, harmonics, beta, backend);
}

/* Away from the adiabatic limit the circuit lags the nudge by a phase ~ w tau and loses
 * amplitude ~ (w tau)^2 / 2: the error falls like 1 / T^2 until the beta^7 floor of three
 * harmonics. */
Test(oscillating, chebyshev_converges_to_the_exact_gradient_as_the_period_grows) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, shockley(11));
  double T[4] = {1e-9, 2e-9, 4e-9, 8e-9}, err[4];
  for (int k = 0; k < 4; k++) err[k] = estimate(&f, T[k], 3, 0.01, NULL);
  double slope = kh_test_loglog_slope(T, err, 4), slow = estimate(&f, 1e-6, 3, 0.01, NULL);
  cr_log_info("relative error at T = 1, 2, 4, 8 ns: %.2e %.2e %.2e %.2e (slope %.2f); 1 us: %.2e",
              err[0], err[1], err[2], err[3], slope, slow);
  cr_expect(slope < -1.9 && slope > -2.1, "slope %.2f", slope);
  cr_expect(slow < 1e-8, "at 1 us: %.2e", slow);
  kh_test_gradient_close(&f);
}

/* Adiabatic (T = 10^5 tau): the bias is the Chebyshev series' truncation, the dropped
 * c_(2H+1) = O(beta^(2H+1)) divided by beta: O(beta^(2H)). */
Test(oscillating, harmonics_remove_the_bias) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, shockley(12));
  double err[4];
  for (unsigned h = 1; h <= 4; h++) err[h - 1] = estimate(&f, 1e-6, h, 0.1, NULL);
  cr_log_info("beta = 0.1, harmonics 1..4: %.2e %.2e %.2e %.2e", err[0], err[1], err[2], err[3]);
  for (int k = 0; k < 3; k++)
    cr_expect(err[k + 1] < err[k] / 5, "%.2e then %.2e", err[k], err[k + 1]);
  kh_test_gradient_close(&f);
}

/* F(b) = dE/dtheta(v_b) = F0 + a1 b + a2 b^2 + a3 b^3 + ..: the centered estimator is
 * a1 + a3 beta^2 + .., the first harmonic (2/pi) int F(beta cos s) cos s ds / beta is
 * a1 + (3/4) a3 beta^2 + .. */
Test(oscillating, first_harmonic_is_biased_like_the_centered_estimator) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, shockley(13));
  double *centered = malloc(f.n * sizeof *centered), beta[3] = {0.1, 0.05, 0.025}, bias[3];
  for (int k = 0; k < 3; k++) {
    double first = estimate(&f, 1e-6, 1, beta[k], NULL);
    cr_assert_eq(kh_model_gradient(f.ctx, f.m, KH_EST_CENTERED, beta[k], f.target, centered, NULL),
                 KH_OK);
    double dot = 0, cc = 0;
    for (size_t i = 0; i < f.n; i++) {
      dot += (f.g[i] - f.exact[i]) * (centered[i] - f.exact[i]);
      cc += (centered[i] - f.exact[i]) * (centered[i] - f.exact[i]);
    }
    bias[k] = first;
    double ratio = dot / cc; /* the first harmonic's bias projected on the centered one's */
    cr_log_info("beta %.3g: first harmonic %.3e, centered %.3e, bias ratio %.4f", beta[k], first,
                kh_test_relative_error(centered, f.exact, f.n), ratio);
    cr_expect(fabs(ratio - 0.75) < 0.03, "ratio %.4f", ratio);
  }
  double slope = kh_test_loglog_slope(beta, bias, 3);
  cr_expect(slope > 1.8 && slope < 2.2, "bias slope %.2f", slope);
  free(centered);
  kh_test_gradient_close(&f);
}

/* Device-level check: the same oscillation through ngspice's .tran (SIN oscillator, B-source
 * multipliers, waveforms interpolated to the same sample times). */
Test(oscillating, ngspice_waveforms_give_the_same_estimate) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, shockley(14));
  estimate_steps(&f, 2e-10, 512, 3, 0.02, NULL);
  double *native = malloc(f.n * sizeof *native);
  memcpy(native, f.g, f.n * sizeof *native);
  double err_native = kh_test_relative_error(native, f.exact, f.n);
  double err_ng = estimate_steps(&f, 2e-10, 128, 3, 0.02, "ngspice");
  double d = kh_test_relative_error(f.g, native, f.n);
  cr_log_info("T = 200 ps: native %.3e, ngspice %.3e from exact; ngspice vs native %.3e",
              err_native, err_ng, d);
  cr_expect(d < 1e-4, "ngspice vs native %.3e", d);
  cr_expect(d < err_native / 10, "the check must resolve the non-adiabatic error");
  free(native);
  kh_test_gradient_close(&f);
}

/* Ideal diodes: the clamps hold their state for small nudges (then the estimate is that of the
 * free phase's active set); a nudge that switches one is an error, not a silent wrong answer. */
Test(oscillating, ideal_diodes_while_the_clamps_hold) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, kh_test_drn("5-8-3", 15, 2, 0, NULL));
  double err = estimate(&f, 1e-6, 3, 0.01, NULL);
  cr_expect(err < 1e-8, "relative error %.3e", err);
  kh_test_gradient_close(&f);
  kh_test_gradient_open(
      &f, kh_test_parse("t\n.model di d(kh_ideal=1)\nv1 in 0 0.1\nr1 in h 1\n"
                        "d1 0 h di\nr2 h o 1\nr3 o 0 1\nc1 h 0 1p\n.input v1\n.output o\n"
                        ".train r1 r2 r3\n"));
  kh_oscillation o = KH_OSCILLATION_INIT;
  cr_assert_eq(kh_model_set_oscillation(f.ctx, f.m, &o, 3, NULL), KH_OK);
  kh_status st = kh_model_gradient(f.ctx, f.m, KH_EST_OSCILLATING, 1.5, f.target, f.g, NULL);
  cr_expect_eq(st, KH_ERR_NUMERIC);
  cr_expect(strstr(kh_last_error(f.ctx), "ideal diode changes state"), "%s", kh_last_error(f.ctx));
  kh_test_gradient_close(&f);
}

Test(oscillating, refuses_bad_settings) {
  kh_test_gradient_fixture f;
  kh_test_gradient_open(&f, shockley(16));
  kh_oscillation o = KH_OSCILLATION_INIT;
  cr_expect_eq(kh_model_set_oscillation(f.ctx, f.m, &o, 0, NULL), KH_ERR_USAGE);
  cr_expect_eq(kh_model_set_oscillation(f.ctx, f.m, &o, 17, NULL), KH_ERR_USAGE); /* 33 > 32 */
  cr_expect_eq(kh_model_set_oscillation(f.ctx, f.m, &o, 3, "spectre"), KH_ERR_USAGE);
  o.period = -1;
  cr_expect_eq(kh_model_set_oscillation(f.ctx, f.m, &o, 3, NULL), KH_ERR_USAGE);
  o = (kh_oscillation)KH_OSCILLATION_INIT;
  o.node_capacitance = NAN;
  cr_expect_eq(kh_model_set_oscillation(f.ctx, f.m, &o, 3, NULL), KH_ERR_USAGE);
  kh_test_gradient_close(&f);
  /* amplifiers */
  kh_test_gradient_open(&f, kh_test_drn("5-8-3", 17, 2, 2, "d(is=1u n=1) "));
  o = (kh_oscillation)KH_OSCILLATION_INIT;
  cr_assert_eq(kh_model_set_oscillation(f.ctx, f.m, &o, 3, NULL), KH_OK);
  cr_expect_eq(kh_model_gradient(f.ctx, f.m, KH_EST_OSCILLATING, 0.01, f.target, f.g, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(f.ctx), "amplifiers"), "%s", kh_last_error(f.ctx));
  kh_test_gradient_close(&f);
}
