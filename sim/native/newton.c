/* DC operating point of circuits with diodes: minimize the co-content
 *   E(x) = sum_R g/2 (va - vb)^2 + sum_I I (v+ - v-) + sum_D phi_D(vD)
 *          + beta/2 sum_out (v_out - target)^2        (the nudge; 0 outside learning)
 * subject to the ideal diodes' bounds lo <= x <= hi, by projected Newton (Bertsekas 1982).
 * Each iteration: the gradient (KCL imbalance) summed in long double; bounds that are reached
 * with the gradient pushing outward are held (their rows and columns become identity, so the
 * pattern and its symbolic analysis never change); one numeric factorization of the Hessian
 * L + sum_D phi''(vD) a a^T; a Newton step, projected back into the bounds, shortened until the
 * co-content decreases enough (Armijo). E is convex, so this converges from any start; for
 * ideal and PWL diodes it terminates once the active set is right. Exponentials make "any
 * start" slow, though: far up an exponential a Newton step moves about one N Vt (12 V across a
 * diode is 440 steps), and past 700 N Vt it overflows. So Shockley junctions are solved inside a
 * trust region (diode.h): beyond it their current continues as a quadratic, whose minimizer
 * Newton finds in a few steps; a junction that ends up outside has its region moved out to
 * where its exponential carries the current it was found to carry, and Newton continues. A
 * minimizer with every junction inside is the circuit's own (the modified co-content agrees
 * with E around it, and E is convex). */
#include "sparse.h"

#include "core/context.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

enum { MAX_ITERATIONS = 200, STALLS = 4 };

/* grad = A x - b + diode currents, i.e. the current each unknown's node set sends out. */
int kh_newton_gradient(const kh_circuit *c, const double *x, double *grad) {
  return kh_circuit_co_content_gradient(c, x, 1, grad);
}

/* Hessian into the matrix values; held unknowns get identity rows and columns. */
void kh_newton_fill_hessian(const kh_circuit *c, kh_sparse *s, const double *x) {
  kh_circuit_co_content_hessian(c, x, 1, s->A->x);
}

/* Held unknowns get identity rows and columns (the pattern stays). */
static void hold_rows(const kh_circuit *c, kh_sparse *s) {
  double *ax = s->A->x;
  for (size_t j = 0; j < c->unknowns; j++)
    for (int64_t k = c->colptr[j]; k < c->colptr[j + 1]; k++) {
      size_t i = (size_t)c->rowidx[k];
      if (s->fixed[i] || s->fixed[j]) ax[k] = i == j ? 1.0 : 0.0;
    }
}

static int at_upper(double x, double hi) {
  return x >= hi - 1e-12 * (1 + fabs(hi));
}
static int at_lower(double x, double lo) {
  return x <= lo + 1e-12 * (1 + fabs(lo));
}

static double project(double v, double lo, double hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

enum { EPS_CAP_VOLTS = 1 };

/* Bertsekas' (1982) epsilon-active set: an unknown within eps of a bound that the gradient pushes
 * against is held, eps = min(1 V, w), w the largest move of a diagonally scaled projected
 * gradient step. Held unknowns then step along -g / H_uu (their rows are identity) and the
 * projection arc takes them onto the bound, so the active set is reached in a step or two
 * instead of by line-search steps that shrink each time another bound cuts them short (seen:
 * 200 iterations on a digits network). Returns how many are held. */
static size_t hold_bounds(const kh_circuit *c, kh_sparse *s, const double *x) {
  const double *ax = s->A->x;
  double w = 0;
  for (size_t u = 0; u < c->unknowns; u++) {
    double d = ax[c->colptr[u]]; /* the diagonal comes first in each column */
    double t = project(x[u] - s->grad[u] / d, s->lo[u], s->hi[u]);
    if (fabs(t - x[u]) > w) w = fabs(t - x[u]);
  }
  double eps = fmin(w, EPS_CAP_VOLTS);
  size_t held = 0;
  for (size_t u = 0; u < c->unknowns; u++) {
    s->fixed[u] = ((at_upper(x[u], s->hi[u]) || x[u] >= s->hi[u] - eps) && s->grad[u] < 0) ||
                  ((at_lower(x[u], s->lo[u]) || x[u] <= s->lo[u] + eps) && s->grad[u] > 0);
    held += s->fixed[u];
  }
  return held;
}

/* Largest KCL imbalance the bounds do not excuse (the KKT error), each over its node's
 * conductance (the Hessian's diagonal, s->diag): in volts, what Newton's step is about. A node
 * tied by an ohm of RS at 300 V keeps 1e-14 A of round-off that can never halve, while a node
 * held by a 60 kohm leak beside it still has a 1e-10 V error to correct; measured in amperes the
 * first would hide the second and stall the solve (seen on generated RS meshes). */
static double kkt_error(const kh_sparse *s, const double *x, const double *grad, size_t n) {
  double worst = 0;
  for (size_t u = 0; u < n; u++) {
    double g = grad[u];
    if ((at_upper(x[u], s->hi[u]) && g < 0) || (at_lower(x[u], s->lo[u]) && g > 0)) continue;
    double volts = fabs(g) / (s->diag[u] > 0 ? s->diag[u] : 1);
    if (!(volts <= worst)) worst = volts;
  }
  return worst;
}

/* Whether every free node's imbalance is one that moving it by 1e-13 of the voltage scale
 * would make through its own conductance: a step can then be large where a node is tied to the
 * rest only weakly (a common mode held by a 1 Mohm leak: 1e-18 A of round-off asks for 1e-12 V),
 * yet it only chases rounding (the certificate's floor, circuit.c, is 10 times looser). */
static int at_round_off(const kh_sparse *s, const double *x, const double *diag, size_t n,
                        double big_x) {
  for (size_t u = 0; u < n; u++) {
    double g = s->grad[u];
    if ((at_upper(x[u], s->hi[u]) && g < 0) || (at_lower(x[u], s->lo[u]) && g > 0)) continue;
    if (!(fabs(g) <= 1e-13 * (1 + big_x) * diag[u])) return 0;
  }
  return 1;
}

/* Armijo search along the projection arc x(a) = P(x + a step); x becomes the accepted point.
 * Close to the minimum the co-content changes by less than the rounding of its own evaluation
 * (1e-27 against 1e-20, seen on random networks) and stops telling good steps from bad: a full
 * Newton step is then accepted when it at least halves the KKT error, the measure Newton's
 * quadratic convergence is about. *moved says whether x changed at all: a step of a few ulps
 * that rounds back to the same point means the solve is done. */
static kh_status line_search(kh_context *ctx, const kh_circuit *c, kh_sparse *s, double *x,
                             int *moved) {
  size_t n = c->unknowns;
  long double e0 = kh_circuit_co_content_energy(c, x, 1);
  double kkt0 = kkt_error(s, x, s->grad, n);
  for (double a = 1.0; a > 1e-30; a *= 0.5) {
    long double predicted = 0;
    for (size_t u = 0; u < n; u++) {
      s->trial[u] = project(x[u] + a * s->step[u], s->lo[u], s->hi[u]);
      predicted += (long double)s->grad[u] * (s->trial[u] - x[u]);
    }
    long double e1 = kh_circuit_co_content_energy(c, s->trial, 1);
    int decrease = isfinite((double)e1) && e1 <= e0 + 1e-4L * (predicted < 0 ? predicted : 0);
    int kkt_halved = 0;
    if (!decrease && a == 1.0 && isfinite((double)e1)) {
      int bad = kh_newton_gradient(c, s->trial, s->trial_grad);
      if (bad < 0) return kh_fail_nomem(ctx, "computing the gradient");
      kkt_halved = !bad && kkt_error(s, s->trial, s->trial_grad, n) <= 0.5 * kkt0;
    }
    if (decrease || kkt_halved) {
      *moved = memcmp(x, s->trial, n * sizeof *x) != 0;
      memcpy(x, s->trial, n * sizeof *x);
      return KH_OK;
    }
  }
  return kh_fail(ctx, KH_ERR_NUMERIC, "Newton line search found no decrease of the co-content");
}

static kh_status check_bounds(kh_context *ctx, const kh_circuit *c, kh_sparse *s) {
  long bad = kh_circuit_bounds(c, s->lo, s->hi);
  if (bad < 0) return KH_OK;
  kh_element e = kh_netlist_element(c->nl, c->diodes[c->ideal[bad]].element);
  return kh_fail(ctx, KH_ERR_INPUT,
                 "%s:%u:%u: ideal diode '%s' cannot be satisfied: the sources hold it forward "
                 "biased past its threshold, or it conflicts with another clamp on the same node",
                 e.file, e.line, e.col, e.name);
}

/* The trust region on the exponentials (diode.h). It starts where a junction carries 1 mA and
 * only ever widens. */
#define TRUST_START_AMPS 1e-3
#define TRUST_MARGIN 2.0 /* N Vt beyond the voltage that carries the current found */

static double forward_edge(const kh_diode *d, double amps) {
  if (d->ikf > 0) { /* the knee: c / (1 + sqrt(c / ikf)) = amps, a quadratic in sqrt(c / ikf) */
    double k = d->ikf, s = (amps + sqrt(amps * amps + 4 * k * amps)) / (2 * k);
    return d->vte * log1p(k * s * s / d->csat);
  }
  return d->vte * log1p(amps / d->csat);
}
/* The reverse voltage that carries the current, on the breakdown exponential or the tunnelling
 * one, whichever gets there first; -inf without either. */
static double reverse_edge(const kh_diode *d, double amps) {
  double edge = -INFINITY;
  if (isfinite(d->bv))
    edge = fmin(kh_diode_breakdown_start(d), -d->bv - d->vtb * log(amps / d->csat));
  if (d->ctun > 0) edge = fmax(edge, -d->vtetun * log1p(amps / d->ctun));
  return edge;
}
/* The width of a step of the reverse exponentials */
static double reverse_scale(const kh_diode *d) {
  return d->ctun > 0 && d->vtetun > d->vtb ? d->vtetun : d->vtb;
}

/* Junctions the regions apply to: Shockley ones whose voltage Newton moves */
static int trusted(const kh_circuit *c, const kh_diode *d) {
  return d->kind == KH_DIODE_SHOCKLEY && !kh_circuit_junction_fixed(c, d);
}

static void start_trust_regions(kh_circuit *c) {
  for (kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++) {
    if (!trusted(c, d)) continue;
    if (d->vhi == INFINITY) d->vhi = forward_edge(d, TRUST_START_AMPS);
    if (d->vlo == -INFINITY) d->vlo = reverse_edge(d, TRUST_START_AMPS);
  }
}

/* Moves out the region of every junction that x puts beyond it; returns how many moved. A
 * junction across a source (both ends fixed) is left alone: x cannot move it, so it would be
 * widened one N Vt per round, each round a Newton iteration, until its region reached the source's
 * voltage (17 rounds for a diode across 5 V). */
static size_t widen_trust_regions(kh_circuit *c, const double *x) {
  size_t moved = 0;
  for (kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++) {
    if (!trusted(c, d)) continue;
    double v = kh_circuit_diode_voltage(c, d, x), phi, i, g;
    if (v <= d->vhi && v >= d->vlo) continue;
    kh_diode_eval_trusted(d, v, &phi, &i, &g);
    double amps = fabs(i - d->gmin * v);
    if (v > d->vhi)
      d->vhi = fmax(d->vhi + d->vte, forward_edge(d, amps) + TRUST_MARGIN * d->vte);
    else
      d->vlo =
          fmin(d->vlo - reverse_scale(d), reverse_edge(d, amps) - TRUST_MARGIN * reverse_scale(d));
    moved++;
  }
  return moved;
}

/* Projected Newton from x to a KKT point of the co-content within s->lo/hi. Once the KKT error
 * is below settle (volts), each junction's voltage, and so the current its region's edge should
 * carry, is known to within that: junctions outside their region get it moved then, instead of
 * after Newton has converged to a point the move changes (on a grid with 2,500 diodes that
 * saved 5 of 15 iterations and a factorization). Further out it would not be safe: full steps
 * far from the minimizer land junctions volts beyond their edge, and moving the edges there
 * leaves Newton descending an exponential one N Vt per step (seen: 52 iterations on a bridge). */
static kh_status iterate(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *x, double settle,
                         kh_solve_stats *stats) {
  size_t n = c->unknowns;
  kh_status st;
  double last_kkt = INFINITY, last_gnorm = 0;
  int stalls = 0;               /* iterations in a row that did not halve the KKT error */
  int exact_next = 0;           /* the next step from a fresh factorization */
  size_t widened_at = SIZE_MAX; /* the iteration whose regions moved (once each) */
  for (size_t u = 0; u < n; u++) x[u] = project(x[u], s->lo[u], s->hi[u]);
  for (;;) {
    if (stats->iterations >= MAX_ITERATIONS)
      return kh_fail(ctx, KH_ERR_NUMERIC, "Newton did not converge in %d iterations",
                     MAX_ITERATIONS);
    if (n == 0) break;
    int bad = kh_newton_gradient(c, x, s->grad);
    if (bad)
      return bad < 0 ? kh_fail_nomem(ctx, "computing the gradient")
                     : kh_fail(ctx, KH_ERR_NUMERIC, "diode current overflowed during Newton");
    kh_newton_fill_hessian(c, s, x);
    double *diag = s->diag; /* before hold_rows makes held rows identity */
    for (size_t u = 0; u < n; u++) diag[u] = ((const double *)s->A->x)[c->colptr[u]];
    double kkt = kkt_error(s, x, s->grad, n);
    if (kkt <= settle && widened_at != stats->iterations && widen_trust_regions(c, x)) {
      widened_at = stats->iterations, last_kkt = INFINITY, stalls = 0;
      continue; /* the gradient and Hessian of the moved regions */
    }
    if (hold_bounds(c, s, x)) hold_rows(c, s);
    for (size_t u = 0; u < n; u++) s->step[u] = s->fixed[u] ? -s->grad[u] / diag[u] : -s->grad[u];
    /* Inexact Newton (Eisenstat & Walker 1996, choice 2): loose steps while the gradient falls
     * slowly, 1e-10 once Newton converges quadratically */
    double gnorm = 0; /* over the free unknowns: held ones keep their clamp's current */
    for (size_t u = 0; u < n; u++)
      if (!s->fixed[u]) gnorm += s->step[u] * s->step[u];
    gnorm = sqrt(gnorm);
    double ratio = last_gnorm > 0 ? gnorm / last_gnorm : 1;
    double forcing = fmax(1e-10, fmin(0.1, 0.9 * ratio * ratio));
    last_gnorm = gnorm;
    int solved = 0; /* by CG with the last factor (lagged.c), or with a new one */
    if (!exact_next && (st = kh_lagged_solve(ctx, c, s, s->step, forcing, &solved, stats)) != KH_OK)
      return st;
    exact_next = 0;
    if (!solved && ((st = kh_sparse_factorize(ctx, s, stats)) != KH_OK ||
                    (st = kh_sparse_solve(ctx, s, s->step, s->step)) != KH_OK))
      return st;
    stats->iterations++;
    double big_step = 0, big_x = 0;
    for (size_t u = 0; u < n; u++) {
      big_step = fmax(big_step, fabs(project(x[u] + s->step[u], s->lo[u], s->hi[u]) - x[u]));
      big_x = fmax(big_x, fabs(x[u]));
    }
    if (!(big_step > 4e-16 * (1 + big_x))) break; /* the step no longer changes x */
    /* At round-off, steps of a few ulps can cycle between neighbouring points, or creep, without
     * the KKT error at least halving as Newton's would; once they are that small and stop
     * helping, x is as good as double precision makes it. */
    int halved = kkt < 0.5 * last_kkt;
    if ((big_step <= 1e-13 * (1 + big_x) || at_round_off(s, x, diag, n, big_x)) && !halved) break;
    /* Steps that stay tiny and stop halving the error for several iterations in a row are
     * rounding too: a node between two junctions that each carry 1e-6 A keeps 1e-22 A of their
     * difference's rounding, which its 2e-12 S turns into 5e-11 V steps back and forth. The KCL
     * certificate, measured against those currents, judges the point reached. */
    stalls = halved ? 0 : stalls + 1;
    if (stalls >= STALLS && big_step <= 1e-8 * (1 + big_x)) break;
    last_kkt = kkt;
    int moved = 1;
    if ((st = line_search(ctx, c, s, x, &moved)) != KH_OK) return st;
    if (!moved && solved) { /* an inexact step found nothing: judge with an exact one */
      exact_next = 1;
      continue;
    }
    if (!moved) break; /* converged as far as double precision can tell */
  }
  return KH_OK;
}

/* A tenth of the narrowest exponential's step among the trusted junctions (iterate's settle) */
static double settle_volts(const kh_circuit *c) {
  double narrowest = INFINITY;
  for (const kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++)
    if (trusted(c, d)) narrowest = fmin(narrowest, fmin(d->vte, reverse_scale(d)));
  return 0.1 * narrowest;
}

/* iterate() until no junction lies outside its trust region. */
static kh_status minimize(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *x,
                          kh_solve_stats *stats) {
  start_trust_regions(c);
  double settle = settle_volts(c);
  kh_status st;
  do {
    if ((st = iterate(ctx, c, s, x, settle, stats)) != KH_OK) return st;
  } while (widen_trust_regions(c, x));
  return KH_OK;
}

kh_status kh_newton_refresh(kh_context *ctx, const kh_circuit *c, kh_sparse *s) {
  if (!s->stale) return KH_OK;
  kh_newton_fill_hessian(c, s, s->x);
  hold_rows(c, s);
  kh_solve_stats none = {0};
  return kh_sparse_factorize(ctx, s, s->counts ? s->counts : &none);
}

/* Ideal diodes between two free nodes: the augmented Lagrangian method. Each inner solve
 * minimizes E + sum (1 / 2 rho) (max(0, lambda + rho c)^2 - lambda^2), c = v - vth0 (the
 * diodes act as PWL diodes with threshold vth0 - lambda / rho); then lambda <- max(0, lambda +
 * rho c), the diode's current. Returns the largest remaining violation max(0, c). */
static double update_multipliers(kh_circuit *c, const double *x, double *worst_scale) {
  double worst = 0;
  *worst_scale = 1;
  for (size_t k = 0; k < c->diode_count; k++) {
    kh_diode *d = &c->diodes[k];
    if (!d->augmented) continue;
    double v = kh_circuit_diode_voltage(c, d, x), viol = v - d->vth0;
    d->lambda = fmax(0.0, d->lambda + d->rho * viol);
    d->vth = d->vth0 - d->lambda / d->rho;
    if (viol > worst) worst = viol;
    *worst_scale = fmax(*worst_scale, fabs(v));
  }
  return worst;
}

enum { MAX_MULTIPLIER_UPDATES = 30 };
/* Penalty schedule: a first solve at rho = 10 g is as well conditioned as the circuit itself (a
 * cold Newton start crosses the kink without the line search crawling up a 1e7 g wall); each
 * update then raises rho 1000-fold up to 1e7 g, where one update leaves ~1e-7 of the violation
 * and the Hessian's condition has grown by 1e7 at most. */
#define RHO_FIRST 10.0
#define RHO_STEP 1e3
#define RHO_LAST 1e7

/* After kh_solver_forget_history: the trust regions start afresh and no earlier factor serves
 * as a preconditioner, so the solve depends on its start alone (solver.h). */
static void forget(kh_circuit *c, kh_sparse *s) {
  for (kh_diode *d = c->diodes; d < c->diodes + c->diode_count; d++)
    if (d->kind == KH_DIODE_SHOCKLEY) d->vhi = INFINITY, d->vlo = -INFINITY;
  s->has_numeric = 0, s->fresh = 0;
}

kh_status kh_newton_solve(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *voltages,
                          kh_solve_stats *stats) {
  size_t n = c->unknowns;
  kh_status st = check_bounds(ctx, c, s);
  if (st != KH_OK) return st;
  s->factored = 0; /* until this solve succeeds: the adjoint needs the factor at the solution */
  if (s->fresh) forget(c, s);
  double *x = s->x;
  stats->analyses = 1;
  stats->iterations = 0;
  if (!s->have_x) memset(x, 0, n * sizeof *x);
  double rho = s->have_x ? RHO_LAST : RHO_FIRST; /* a warm start is already close */
  if ((st = kh_circuit_augment_rho(ctx, c, rho)) != KH_OK) return st;
  if ((st = minimize(ctx, c, s, x, stats)) != KH_OK) return st;
  for (int k = 0; c->augmented_count; k++) {
    double scale, viol = update_multipliers(c, x, &scale);
    if (viol <= 1e-14 * scale && rho >= RHO_LAST) break;
    if (rho < RHO_LAST) {
      rho = fmin(rho * RHO_STEP, RHO_LAST);
      if ((st = kh_circuit_augment_rho(ctx, c, rho)) != KH_OK) return st;
    }
    if (k == MAX_MULTIPLIER_UPDATES)
      return kh_fail(ctx, KH_ERR_NUMERIC,
                     "ideal diodes between free nodes still %.3g V past their threshold after %d "
                     "multiplier updates",
                     viol, MAX_MULTIPLIER_UPDATES);
    if ((st = minimize(ctx, c, s, x, stats)) != KH_OK) return st;
  }
  s->have_x = 1;
  s->factored = n > 0;
  kh_circuit_expand(c, x, voltages);
  return KH_OK;
}
