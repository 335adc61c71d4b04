/* The native backend's CHOLMOD state, shared by the linear solve (sparse.c) and the projected
 * Newton method for diodes (newton.c). Private to sim/. */
#ifndef KH_SIM_SPARSE_H
#define KH_SIM_SPARSE_H

#include "../backend.h"

#include <cholmod.h>

typedef struct {
  cholmod_common cm;
  cholmod_sparse *A; /* pattern fixed at prepare(); values refilled before each factorization */
  cholmod_factor *L;
  cholmod_dense *b;
  unsigned factored_version; /* linear circuits: refactor only when conductances change */
  int factored;
  /* Newton state, allocated when the circuit has diodes */
  double *x; /* last solution: the warm start of the next solve */
  int have_x;
  double *lo, *hi, *grad, *step, *trial, *trial_grad;
  double *diag; /* the Hessian's diagonal at the last Newton point (newton.c's KKT scale) */
  unsigned char *fixed;
  /* The last free (beta = 0) solution and Z = H^-1 P, for nudged solves without refactoring */
  double *x_free, *z, *nudge_work;
  double _Complex *dense; /* m x m system and its right-hand side */
  int free_valid, z_valid, radius_valid;
  double radius;                  /* kh_nudge_radius's answer for this free solution */
  unsigned free_version;          /* c->param_version at the free solve */
  struct kh_transient *transient; /* transient.c: its matrix pattern and symbolic factor */
  /* lagged.c: L holds some numeric factor (a preconditioner), and it is not the factor of the
   * last Newton iterate's Hessian (a CG step was taken with it); CG's workspace */
  int has_numeric, stale;
  /* kh_solver_forget_history: the next solve forgets what earlier solves left (this factor,
   * the junctions' trust regions), so that it depends on its warm start alone */
  int fresh;
  double *cg;
  unsigned char *fixed_factored; /* the held unknowns when L was factored */
  kh_solve_stats *counts; /* the solver's statistics (set by every solve): refreshes count there */
} kh_sparse;

/* Numeric factorization of s->A as filled by the caller; counts it in stats. */
kh_status kh_sparse_factorize(kh_context *ctx, kh_sparse *s, kh_solve_stats *stats);
/* Solves A out = rhs with the current factor (rhs and out: length n, may alias). */
kh_status kh_sparse_solve(kh_context *ctx, kh_sparse *s, const double *rhs, double *out);
/* Records why CHOLMOD failed (its status) while `during`; out of memory as such. */
kh_status kh_sparse_failure(kh_context *ctx, kh_sparse *s, const char *during);

/* nudge.c: after a successful free solve (beta = 0) at reduced solution x, remember it; a later
 * nudged solve with the same parameters then tries kh_nudge_solve first (*done = 1: voltages
 * hold the certified-to-KKT answer; 0: take the usual path). */
kh_status kh_nudge_remember_free(kh_context *ctx, const kh_circuit *c, kh_sparse *s,
                                 const double *x);
kh_status kh_nudge_solve(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *voltages,
                         kh_solve_stats *stats, int *done);
void kh_nudge_release(kh_sparse *s);
/* Complex nudges beta[0..count) from the free factor: node voltages, count x node_count. Linear
 * and ideal-diode circuits only; any beta off the poles' half-line (-inf, -radius]. */
kh_status kh_nudge_complex(kh_context *ctx, kh_circuit *c, kh_sparse *s, size_t count,
                           const double _Complex *beta, double _Complex *voltages);
/* 1 / the largest eigenvalue of P^T H^-1 P at the free solution: the radius within which the
 * nudged response is analytic in beta (for linear and ideal-diode circuits). */
kh_status kh_nudge_radius(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *radius);
/* complex_newton.c: complex nudges of circuits with Shockley diodes (one KLU factorization per
 * Newton step; *factorizations counts them). */
kh_status kh_complex_newton(kh_context *ctx, kh_circuit *c, kh_sparse *s, size_t count,
                            const double _Complex *beta, double _Complex *voltages,
                            unsigned *factorizations);
/* Checks that the real nudges lo and hi keep the free phase's active set (ideal diodes). */
kh_status kh_nudge_check_active_set(kh_context *ctx, kh_circuit *c, kh_sparse *s, double lo,
                                    double hi);

/* The nudge's P: column k (output k's +1 / -1 at its ends' unknowns, times their coefficients;
 * held unknowns and fixed nodes left out), and P^T v for output k. */
void kh_nudge_output_column(const kh_circuit *c, const kh_sparse *s, size_t k, double *col);
double kh_nudge_project_out(const kh_circuit *c, const kh_sparse *s, size_t k, const double *v);
/* Solves the m x m system a w = w in place (partial pivoting); -1 when a pivot vanishes. */
int kh_dense_solve_complex(double _Complex *a, double _Complex *w, size_t m);

/* newton.c: grad E at x (the current each unknown's node set sends out; 1 when a diode current
 * overflows, -1 out of memory), and the Hessian at x into s->A->x (no held rows). */
int kh_newton_gradient(const kh_circuit *c, const double *x, double *grad);
void kh_newton_fill_hessian(const kh_circuit *c, kh_sparse *s, const double *x);

/* transient.c: the transient analysis from the free solution (solver.h: the oscillating
 * nudge and any other forcing), and its cached state (released with the solver). */
struct kh_transient;
kh_status kh_transient_run(kh_context *ctx, kh_circuit *c, kh_sparse *s,
                           const kh_transient_options *o, kh_forcing forcing, void *forcing_user,
                           kh_oscillation_sample sample, void *user, kh_oscillation_stats *stats);
void kh_transient_release(struct kh_transient *t, cholmod_common *cm);

/* lagged.c: the Newton step A step = step (in place) by CG preconditioned with whatever factor L
 * holds, to a relative residual `tolerance` (circuits with smooth diodes; *solved = 0: factorize
 * instead). */
kh_status kh_lagged_solve(kh_context *ctx, const kh_circuit *c, kh_sparse *s, double *step,
                          double tolerance, int *solved, kh_solve_stats *stats);
void kh_lagged_release(kh_sparse *s);
/* newton.c: makes L the factor of the Hessian at the last solution if a lagged step left it
 * stale (the adjoint and the free-factor nudges need that factor). */
kh_status kh_newton_refresh(kh_context *ctx, const kh_circuit *c, kh_sparse *s);

/* The nonlinear solve (circuits with diodes). */
kh_status kh_newton_solve(kh_context *ctx, kh_circuit *c, kh_sparse *s, double *voltages,
                          kh_solve_stats *stats);

#endif
