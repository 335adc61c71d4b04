/* The transient analysis (kh_solver_transient) and the oscillating nudge it runs
 * (kh_solver_oscillate): BDF2's order, rest without a nudge, a forcing of the caller's,
 * agreement with ngspice's .tran of the same circuit (a SIN oscillator and B multipliers),
 * and what it refuses. */
#include "../support/support.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A capacitor joins a and c, which no resistor does (an entry the Laplacian's pattern lacks);
 * a Shockley diode makes b nonlinear; time constants near 1 ns. */
static const char *const rc_network =
    "rc network\n"
    ".model dj d(is=1e-9 n=1)\n"
    "v1 in 0 0.6\n"
    "r1 in a 1k\nr2 a b 1k\nr3 b 0 2k\nr4 in c 2k\nr5 c 0 2k\nr6 c b 3k\n"
    "c1 a c 1p\nc2 b 0 0.5p\nc3 c 0 2p\n"
    "d1 b 0 dj\n"
    ".output v(b) v(c)\n";

typedef struct {
  size_t nodes, count, cap;
  double *v; /* count x nodes */
} recording;

static int record(void *user, double t, const double *voltages) {
  (void)t;
  recording *r = user;
  if (r->count == r->cap) return 1;
  memcpy(r->v + r->count * r->nodes, voltages, r->nodes * sizeof *voltages);
  r->count++;
  return 0;
}

/* Runs the oscillation on a fresh rig; the recording holds every measured step. */
static recording run(const char *backend, const kh_oscillation *o, double amplitude,
                     kh_oscillation_stats *stats) {
  kh_test_rig rig;
  kh_test_rig_open(&rig, rc_network, "native");
  kh_solver *s = rig.s;
  if (strcmp(backend, "native"))
    cr_assert_eq(kh_solver_new(rig.ctx, &s, rig.c, backend), KH_OK, "%s", kh_last_error(rig.ctx));
  recording r = {kh_netlist_node_count(rig.nl), 0, (size_t)o->periods * o->steps, NULL};
  r.v = malloc(r.cap * r.nodes * sizeof *r.v);
  double *free_v = malloc(r.nodes * sizeof *free_v), targets[2] = {0.1, 0.2};
  cr_assert_eq(kh_solver_solve(rig.ctx, rig.s, free_v, NULL), KH_OK, "%s", kh_last_error(rig.ctx));
  cr_assert_eq(kh_solver_oscillate(rig.ctx, s, o, amplitude, targets, record, &r, stats), KH_OK,
               "%s", kh_last_error(rig.ctx));
  cr_assert_eq(r.count, r.cap);
  if (s != rig.s) kh_solver_free(s);
  free(free_v);
  kh_test_rig_close(&rig);
  return r;
}

/* Largest difference between two recordings at the times they share (b has `ratio` times as
 * many steps per period). */
static double max_difference(const recording *a, const recording *b, size_t ratio) {
  double worst = 0;
  for (size_t j = 0; j < a->count; j++)
    for (size_t n = 0; n < a->nodes; n++)
      worst =
          fmax(worst, fabs(a->v[j * a->nodes + n] - b->v[((j + 1) * ratio - 1) * b->nodes + n]));
  return worst;
}

Test(oscillation, bdf2_converges_at_second_order) {
  kh_oscillation o = KH_OSCILLATION_INIT;
  o.period = 5e-9, o.periods = 2, o.settle = 8; /* the start-up kink, decayed */
  o.steps = 1024;
  recording ref = run("native", &o, 1e-4, NULL);
  double err[3];
  for (int k = 0; k < 3; k++) {
    o.steps = 32u << k;
    recording r = run("native", &o, 1e-4, NULL);
    err[k] = max_difference(&r, &ref, 1024 / o.steps);
    free(r.v);
  }
  cr_log_info("BDF2 against 1024 steps: 32 %.3g V, 64 %.3g V, 128 %.3g V", err[0], err[1], err[2]);
  for (int k = 0; k < 2; k++)
    cr_expect(err[k] / err[k + 1] > 3.2 && err[k] / err[k + 1] < 5, "ratio %.3g",
              err[k] / err[k + 1]);
  free(ref.v);
}

Test(oscillation, without_a_nudge_the_circuit_stays_at_rest) {
  kh_oscillation o = KH_OSCILLATION_INIT;
  o.period = 5e-9, o.periods = 1, o.steps = 16;
  kh_oscillation_stats stats = {0};
  recording r = run("native", &o, 0.0, &stats);
  kh_test_rig rig;
  kh_test_rig_open(&rig, rc_network, "native");
  double *v = malloc(r.nodes * sizeof *v), worst = 0;
  cr_assert_eq(kh_solver_solve(rig.ctx, rig.s, v, NULL), KH_OK);
  for (size_t j = 0; j < r.count; j++)
    for (size_t n = 0; n < r.nodes; n++) worst = fmax(worst, fabs(r.v[j * r.nodes + n] - v[n]));
  cr_expect(worst < 1e-13, "moved %.3g V", worst);
  cr_expect_eq(stats.steps, 32u); /* one settling period and one measured */
  cr_expect_eq(stats.factorizations, 1u);
  free(v), free(r.v);
  kh_test_rig_close(&rig);
}

/* The same circuit in ngspice: the SIN oscillator and the B sources' products against BDF2 at
 * 512 steps per period (its error there: ~1e-8 V, bdf2_converges_at_second_order). */
Test(oscillation, agrees_with_ngspice_tran) {
  kh_oscillation o = KH_OSCILLATION_INIT;
  o.period = 5e-9, o.periods = 2, o.settle = 8, o.steps = 512;
  recording native = run("native", &o, 1e-4, NULL);
  o.steps = 64;
  kh_oscillation_stats stats = {0};
  recording ng = run("ngspice", &o, 1e-4, &stats);
  double worst = max_difference(&ng, &native, 8), swing = 0;
  for (size_t j = 0; j < native.count; j++)
    for (size_t n = 0; n < native.nodes; n++)
      swing = fmax(swing, fabs(native.v[j * native.nodes + n] - native.v[n]));
  cr_log_info("ngspice (%u time points) vs native: largest |dv| %.3g V of a %.3g V swing",
              stats.steps, worst, swing);
  cr_expect(swing > 1e-3, "the nudge hardly moves the circuit: %.3g V", swing);
  cr_expect(worst < 1e-6, "largest |dv| %.3g V", worst);
  free(native.v), free(ng.v);
}

Test(oscillation, refuses_what_it_cannot_run) {
  kh_test_rig rig;
  kh_test_rig_open(&rig, rc_network, "native");
  kh_oscillation o = KH_OSCILLATION_INIT;
  double targets[2] = {0, 0};
  recording r = {kh_netlist_node_count(rig.nl), 0, 0, NULL};
  /* no free phase yet */
  cr_expect_eq(kh_solver_oscillate(rig.ctx, rig.s, &o, 1e-3, targets, record, &r, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(rig.ctx), "free phase"), "%s", kh_last_error(rig.ctx));
  double *v = malloc(r.nodes * sizeof *v);
  cr_assert_eq(kh_solver_solve(rig.ctx, rig.s, v, NULL), KH_OK);
  o.steps = 4;
  cr_expect_eq(kh_solver_oscillate(rig.ctx, rig.s, &o, 1e-3, targets, record, &r, NULL),
               KH_ERR_USAGE);
  o.steps = 16;
  cr_expect_eq(kh_solver_oscillate(rig.ctx, rig.s, &o, NAN, targets, record, &r, NULL),
               KH_ERR_USAGE);
  /* the reader stops it (its buffer holds nothing) */
  cr_expect_eq(kh_solver_oscillate(rig.ctx, rig.s, &o, 1e-3, targets, record, &r, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(rig.ctx), "stopped by its reader"), "%s", kh_last_error(rig.ctx));
  free(v);
  kh_test_rig_close(&rig);
  /* amplifiers: the energy's weights are not the physical dynamics */
  kh_test_rig_open(&rig,
                   "amp\nv1 in 0 1\nr1 in a 1\nr2 a 0 1\ne1 b 0 a 0 2\nf1 a 0 v_s 0.5\n"
                   "v_s b bb 0\nr3 bb 0 1\nc1 a 0 1p\n.output v(bb)\n",
                   "native");
  v = malloc(kh_netlist_node_count(rig.nl) * sizeof *v);
  cr_assert_eq(kh_solver_solve(rig.ctx, rig.s, v, NULL), KH_OK, "%s", kh_last_error(rig.ctx));
  cr_expect_eq(kh_solver_oscillate(rig.ctx, rig.s, &o, 1e-3, targets, record, &r, NULL),
               KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(rig.ctx), "amplifiers"), "%s", kh_last_error(rig.ctx));
  free(v);
  kh_test_rig_close(&rig);
}

/* The transient analysis with a forcing of the caller's: a step of b0 at t = 0+ on an RC node
 * at rest at 1 V, target 0 V, relaxes to G / (G + b0) with time constant C / (G + b0). The
 * forcing jumps where the history (at rest) is smooth, so BDF2 starts half a step late: its error
 * is that lag, first order in the step (halving the step halves it), under 0.6 (1 - v_inf) h /
 * tau. ngspice runs the oscillation only. */
static double step_forcing(void *user, unsigned step, double t) {
  (void)step, (void)t;
  return *(const double *)user;
}

typedef struct {
  double worst, g, b0, tau, skipped; /* skipped: the seconds before the first sample */
} closed_form;

static int compare(void *user, double t, const double *voltages) {
  closed_form *f = user;
  double inf = f->g / (f->g + f->b0), want = inf + (1 - inf) * exp(-(t + f->skipped) / f->tau);
  f->worst = fmax(f->worst, fabs(voltages[2] - want));
  return 0;
}

/* The worst difference from the closed form with `per_tau` steps per time constant. */
static double run_step(kh_test_rig *rig, double per_tau) {
  double b0 = 2e-3, target = 0;
  closed_form f = {0, 1e-3, b0, 1e-6 / (1e-3 + b0), 0};
  kh_transient_options o = {.step = f.tau / per_tau, .steps = (unsigned)(5 * per_tau), .skip = 10};
  f.skipped = o.skip * o.step;
  kh_oscillation_stats os;
  cr_assert_eq(
      kh_solver_transient(rig->ctx, rig->s, &o, &target, step_forcing, &b0, compare, &f, &os),
      KH_OK, "%s", kh_last_error(rig->ctx));
  cr_expect_eq(os.steps, o.steps);
  double inf = f.g / (f.g + b0);
  cr_expect(f.worst <= 0.6 * (1 - inf) / per_tau, "%g steps per tau: worst %.3g V", per_tau,
            f.worst);
  return f.worst;
}

Test(oscillation, a_transient_run_with_its_own_forcing) {
  const char *rc = "rc\nv1 in 0 1\nr1 in out 1k\nc1 out 0 1u\n.output v(out)\n";
  kh_test_rig rig;
  kh_test_rig_open(&rig, rc, "native");
  double v[3], target = 0, b0 = 2e-3;
  kh_solve_stats stats;
  cr_assert_eq(kh_solver_solve(rig.ctx, rig.s, v, &stats), KH_OK, "%s", kh_last_error(rig.ctx));
  double coarse = run_step(&rig, 1000), fine = run_step(&rig, 2000);
  cr_expect(coarse / fine > 1.8 && coarse / fine < 2.2, "errors %.3g and %.3g", coarse, fine);
  kh_test_rig_close(&rig);
  kh_test_rig_open(&rig, rc, "ngspice");
  cr_assert_eq(kh_solver_solve(rig.ctx, rig.s, v, &stats), KH_OK, "%s", kh_last_error(rig.ctx));
  kh_transient_options o = {.step = 1e-7, .steps = 10};
  closed_form f = {0};
  cr_expect_eq(
      kh_solver_transient(rig.ctx, rig.s, &o, &target, step_forcing, &b0, compare, &f, NULL),
      KH_ERR_USAGE);
  cr_expect(strstr(kh_last_error(rig.ctx), "oscillating nudge only"), "%s", kh_last_error(rig.ctx));
  kh_test_rig_close(&rig);
}
