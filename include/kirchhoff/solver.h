/* DC operating point solvers behind one interface. Backends: "native" (kirchhoff's sparse
 * solver on CHOLMOD) and "ngspice" (the same circuit through libngspice, for validation). */
#ifndef KIRCHHOFF_SOLVER_H
#define KIRCHHOFF_SOLVER_H

#include "kirchhoff/circuit.h"
#include "kirchhoff/status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_solver kh_solver;

typedef struct {
  double residual;          /* largest KCL imbalance over the unknown nodes, amperes */
  double relative_residual; /* residual / largest current magnitude meeting at a node */
  unsigned analyses;        /* symbolic analyses so far (native: 1 per circuit) */
  unsigned factorizations;  /* numeric factorizations so far */
  unsigned iterations;      /* Newton iterations of the last solve (0 for linear circuits) */
  double ideal_violation;   /* largest v - vth over ideal diodes (V); <= 0 when feasible */
  double seconds;           /* wall time of the last solve */
  /* complex sparse LU factorizations of complex nudges so far (kh_solver_nudge_complex: 0 while
   * every complex nudge came from the free phase's real factor) */
  unsigned complex_factorizations;
  /* Newton steps on Shockley circuits first try conjugate gradients preconditioned with the
   * previous factorization: its iterations so far (each a product and a pair of triangular
   * solves; a step that converges saves a factorization) */
  unsigned krylov_iterations;
  /* general Newton (kh_general_op): 1 when the netlist's .nodeset could not be held (Newton
   * with those nodes held did not converge), so that it started without them */
  unsigned nodesets_dropped;
} kh_solve_stats;

/* backend: "native" or "ngspice". The circuit must outlive the solver. */
KH_API kh_status kh_solver_new(kh_context *ctx, kh_solver **out, kh_circuit *c,
                               const char *backend);
KH_API void kh_solver_free(kh_solver *s);
KH_API const char *kh_solver_name(const kh_solver *s);

/* Solves for the DC operating point. voltages[node] for every netlist node (ground = 0).
 * A result whose KCL residual is not small is a numerical failure, never returned silently. */
KH_API kh_status kh_solver_solve(kh_context *ctx, kh_solver *s, double *voltages,
                                 kh_solve_stats *stats);

/* Statistics of the last solve (as kh_solver_solve returned them). */
KH_API void kh_solver_last_stats(const kh_solver *s, kh_solve_stats *stats);
/* The adjoint of the last solve, for exact gradients: solves H lambda = rhs, where H is the
 * Hessian of the co-content at the solution just found (the Laplacian plus the smooth diodes'
 * conductances; nodes held by ideal diodes are fixed and get lambda = 0). rhs and lambda are per
 * netlist node; nodes that sources fix get lambda = 0. Reuses the solve's factorization (native
 * backend only). Call it before anything changes the circuit. */
KH_API kh_status kh_solver_adjoint(kh_context *ctx, kh_solver *s, const double *node_rhs,
                                   double *node_lambda);
/* The adjoint approximately, with k Hessian-vector products and no factorization (Zucchet &
 * Sacramento 2022; Grazzi et al. 2020), from lambda = 0:
 *   KH_ADJOINT_IDENTITY:   H taken as I, lambda = rhs (no product: the first-order estimate);
 *   KH_ADJOINT_RICHARDSON: lambda <- lambda - alpha (H lambda - rhs), alpha = 1 / (a Gershgorin
 *                          bound on H's largest eigenvalue): recurrent backpropagation, and the
 *                          truncated Neumann series alpha sum_i (I - alpha H)^i rhs (the same
 *                          iterates);
 *   KH_ADJOINT_CG, KH_ADJOINT_CG_JACOBI: conjugate gradients, plain or preconditioned by H's
 *                          diagonal (stops early at a zero residual);
 *   KH_ADJOINT_PHANTOM:    the phantom gradient's adjoint (Geng et al. 2021): k damped
 *                          relaxation steps v <- (1 - d) v + d Phi(v) from the equilibrium,
 *                          differentiated, Phi one Jacobi sweep (each free unknown to where its
 *                          own equation balances, x + D^-1 r): lambda = d D^-1 sum_{i<k}
 *                          (I - d H D^-1)^i rhs, d the damping in (0, 1]; its Neumann form is the
 *                          same series.
 * node_rhs and node_lambda as kh_solver_adjoint's; stats (may be NULL) counts the products. */
typedef enum {
  KH_ADJOINT_IDENTITY,
  KH_ADJOINT_RICHARDSON,
  KH_ADJOINT_CG,
  KH_ADJOINT_CG_JACOBI,
  KH_ADJOINT_PHANTOM
} kh_adjoint_method;
typedef struct {
  unsigned products; /* Hessian-vector products */
  double alpha;      /* Richardson's step */
} kh_adjoint_stats;
KH_API kh_status kh_solver_adjoint_iterative(kh_context *ctx, kh_solver *s,
                                             kh_adjoint_method method, unsigned k, double damping,
                                             const double *node_rhs, double *node_lambda,
                                             kh_adjoint_stats *stats);
/* The same iterative adjoints at the end of a relaxation run (kh_relaxation_run: the inexact
 * free phase of kh_model_set_inner), whose state need not be an equilibrium: H is the circuit's
 * Hessian there, the unknowns the run left at a bound held. node_rhs, node_lambda as above. */
KH_API kh_status kh_relaxation_adjoint(kh_context *ctx, kh_relaxation *r, kh_adjoint_method method,
                                       unsigned k, double damping, const double *node_rhs,
                                       double *node_lambda, kh_adjoint_stats *stats);
/* H v for node vectors (as kh_solver_adjoint's: the Hessian of the last solve, held and fixed
 * nodes 0 in and out), for checking an approximate adjoint. */
KH_API kh_status kh_solver_hessian_apply(kh_context *ctx, kh_solver *s, const double *node_v,
                                         double *node_out);
/* Holomorphic EP: the nudged equilibria at complex nudges beta_q (pairs re, im), continued
 * analytically from the last solve, which must be the free phase (beta = 0) with the same
 * parameters, using its factorization (Woodbury on the outputs' rank-m change). voltages gets
 * count x nodes pairs (re, im). Native backend. Linear and ideal-diode circuits: from the free
 * factor (Woodbury), failing with KH_ERR_NUMERIC when an ideal diode would change state at the
 * real nudges lo or hi (the ends of the real segment the caller's contour encloses: -|beta|
 * and |beta| for a circle), where the continuation stops describing the circuit, or when a
 * beta_q lies on the poles' half-line (kh_solver_nudge_rational). Shockley circuits: complex
 * Newton from the free solution, one KLU factorization per step (counted in the stats). PWL
 * diodes, and ideal diodes mixed with Shockley ones: KH_ERR_USAGE. */
KH_API kh_status kh_solver_nudge_complex(kh_context *ctx, kh_solver *s, size_t count,
                                         const double *beta, const double *targets,
                                         double *voltages, double lo, double hi);
/* kh_solver_nudge_complex without the switching check: the continuation of the free phase's active
 * set, which is what dE/dtheta's derivative at beta = 0 (the gradient) is about even where a finite
 * real nudge would switch a clamp. */
KH_API kh_status kh_solver_nudge_complex_frozen(kh_context *ctx, kh_solver *s, size_t count,
                                                const double *beta, const double *targets,
                                                double *voltages);
/* The radius in beta within which the nudged response of the last (free) solve is analytic:
 * 1 / the largest eigenvalue of P^T H^-1 P, the outputs' smallest effective conductance. The
 * holomorphic estimator's error on a circle falls like (|beta| / radius)^N. */
KH_API kh_status kh_solver_nudge_radius(kh_context *ctx, kh_solver *s, double *radius);
/* 1 when complex nudges take the Woodbury path (no Shockley or PWL diodes, native backend): the
 * nudged response, with the free phase's active set held, is then a rational function of beta
 * whose poles (-1 / the eigenvalues of P^T H^-1 P) all lie on (-inf, -radius], so it is
 * analytic off that half-line, and nudges there are refused. 0: complex Newton, whose
 * singularities can lie anywhere beyond the radius. */
KH_API int kh_solver_nudge_rational(const kh_solver *s);
/* The oscillating nudge of equilibrium propagation in time: from the free equilibrium of the last
 * solve, the circuit's dynamics  C dv/dt = -(grad E(v) + beta(t) grad_v 1/2 |outputs - targets|^2)
 * with beta(t) = amplitude cos(2 pi t / period): a conductance to each target that oscillates,
 * as a multiplier driven by a SIN oscillator would make it. C: the netlist's capacitors plus
 * node_capacitance from every free node to ground. `settle` periods are integrated first (the
 * start-up transient), then `periods` more, each in `steps` equal time steps, whose node voltages
 * go to `sample` (times t in (0, periods * period], measured from the first measured step's
 * period start, so that t = period * k / steps). */
typedef struct {
  double period;           /* T, seconds (> 0) */
  unsigned periods;        /* M: periods measured (>= 1) */
  unsigned settle;         /* periods integrated before measuring */
  unsigned steps;          /* time steps per period (>= 8) */
  double node_capacitance; /* farads from every free node to ground, added to the C elements */
  /* 0 (default): an ideal diode that changes state during the run is an error (KH_ERR_NUMERIC);
   * 1: ideal diodes keep the free phase's state throughout (native; the continuation of the
   * free phase's active set that the gradient at beta = 0 is about) */
  int keep_clamps;
} kh_oscillation;
#define KH_OSCILLATION_INIT                                                                        \
  { 1e-6, 4, 1, 64, 0.0, 0 }
/* KH_ERR_USAGE unless period > 0, periods >= 1, steps >= 8 and node_capacitance >= 0, all finite
 * (what every backend and the oscillating estimator need). */
KH_API kh_status kh_oscillation_check(kh_context *ctx, const kh_oscillation *o);
/* Receives one time step's node voltages (all netlist nodes); a non-zero return stops the run
 * with KH_ERR_USAGE. */
typedef int (*kh_oscillation_sample)(void *user, double t, const double *voltages);
typedef struct {
  unsigned steps;          /* time steps integrated (settling included) */
  unsigned iterations;     /* fixed-matrix (chord) iterations over all steps */
  unsigned factorizations; /* of C 3/(2h) + H (native: 1 per run; 0 for ngspice) */
} kh_oscillation_stats;
/* Native: BDF2 with a constant step (L-stable enough for circuits whose nodes have no
 * capacitance), one CHOLMOD factorization of 3 C / (2h) + H at the free state per run, the
 * oscillating nudge through Woodbury (rank = outputs) and Shockley diodes through chord
 * iterations on that factor. The last solve must be the free phase with the same parameters.
 * Circuits with amplifiers are refused (their energy's weights are not the physical dynamics), and
 * so is an ideal diode that changes state during the run. ngspice: the same circuit with a SIN
 * oscillator and one behavioural current source (B) per output, `.tran` at the given step,
 * interpolated to the same sample times. */
KH_API kh_status kh_solver_oscillate(kh_context *ctx, kh_solver *s, const kh_oscillation *o,
                                     double amplitude, const double *targets,
                                     kh_oscillation_sample sample, void *user,
                                     kh_oscillation_stats *stats);
/* A transient analysis of its own: from the free equilibrium of the last solve, the circuit's
 * dynamics  C dv/dt = -(grad E(v) + beta(t) grad_v 1/2 |outputs - targets|^2)  in `steps` equal
 * steps of `step` seconds, with C as for the oscillation (the capacitors plus node_capacitance)
 * and beta(t), a conductance to each target, set by a forcing callback at every step j (time
 * t = j step). The first `skip` steps are not sampled; the others' node voltages go to `sample`
 * at times (j - skip) step. The oscillating nudge is one such forcing (kh_solver_oscillate). The
 * native backend integrates any forcing as it integrates the oscillation (BDF2, one factorization,
 * Woodbury); the ngspice backend runs the oscillation only (a SIN source), and refuses others. */
typedef double (*kh_forcing)(void *user, unsigned step, double t);
typedef struct {
  double step;             /* seconds (> 0) */
  unsigned steps;          /* steps integrated (>= 1) */
  unsigned skip;           /* the first steps, not sampled (< steps) */
  double node_capacitance; /* farads from every free node to ground, added to the C elements */
  int keep_clamps;         /* as kh_oscillation's */
} kh_transient_options;
KH_API kh_status kh_solver_transient(kh_context *ctx, kh_solver *s, const kh_transient_options *o,
                                     const double *targets, kh_forcing forcing, void *forcing_user,
                                     kh_oscillation_sample sample, void *user,
                                     kh_oscillation_stats *stats);
/* The state the next solve starts from (nonlinear circuits), as kh_circuit_unknowns() reduced
 * unknowns: a solve starts where the last one ended unless told otherwise. get returns 0 when
 * there is no such state (linear circuits, the ngspice backend, no solve yet); set with NULL
 * makes the next solve start cold (from 0 V). Earlier solves leave more than it behind (the
 * native backend's junction trust regions and the factor it preconditions with), which can
 * move a solve by round-off: after kh_solver_forget_history the next solve depends on its warm
 * start alone, so saving and restoring it then repeats a solve bit for bit, whatever the solver
 * solved in between (the trainer does so for each sample: threads change no bit). */
KH_API int kh_solver_get_warm_start(const kh_solver *s, double *x);
KH_API void kh_solver_set_warm_start(kh_solver *s, const double *x);
KH_API void kh_solver_forget_history(kh_solver *s);
/* A backend is a table of operations (kirchhoff's: "native", "ngspice"); a program adds its
 * own with kh_solver_new_with. It works on the circuit through its public calls
 * (kirchhoff/circuit.h: the reduced unknowns, the co-content with its gradient and Hessian
 * (kh_circuit_energy, _gradient, _hessian, _pattern; kh_circuit_residual for its linear part),
 * kh_circuit_bounds, kh_circuit_expand); kh_solver_solve checks whatever it returns against KCL
 * like any other backend's, so its answers are certified the same way. Only name, prepare, solve
 * and destroy are required; a NULL operation makes the calls that need it fail with KH_ERR_USAGE.
 */
typedef struct {
  const char *name;
  /* Allocates backend state for circuit c into *impl; on failure *impl may hold what was built
   * so far, which destroy frees. */
  kh_status (*prepare)(kh_context *ctx, kh_circuit *c, void **impl);
  /* Computes node voltages (all netlist nodes) and updates analysis/factorization counts. */
  kh_status (*solve)(kh_context *ctx, kh_circuit *c, void *impl, double *voltages,
                     kh_solve_stats *stats);
  /* Solves H lambda = rhs (length unknowns) with the Hessian of the last solve, held ideal
   * diodes' unknowns fixed (lambda = 0 there). NULL where the backend has no such factor. */
  kh_status (*adjoint)(kh_context *ctx, kh_circuit *c, void *impl, double *rhs_lambda);
  /* The Hessian of the last free solve (the adjoint's matrix, held unknowns' rows the identity):
   * out = H v when v is given; its diagonal, a bound on its largest eigenvalue (Gershgorin) and
   * which unknowns are held (1), each when its pointer is given. NULL where the backend keeps no
   * such matrix. */
  kh_status (*hessian)(kh_context *ctx, kh_circuit *c, void *impl, const double *v, double *out,
                       double *diag, double *bound, unsigned char *held);
  /* The warm start of the next solve, as reduced unknowns: copy it out (returns 0 when there is
   * none) or replace it (x = NULL: start cold). NULL where the backend keeps no state. */
  int (*get_warm)(const kh_circuit *c, const void *impl, double *x);
  void (*set_warm)(const kh_circuit *c, void *impl, const double *x);
  /* Complex nudges from the last (free) solve; NULL where unsupported (solver.h). check: NULL,
   * or the real nudges {lo, hi} at which the free phase's active set must still hold. */
  kh_status (*nudge_complex)(kh_context *ctx, kh_circuit *c, void *impl, size_t count,
                             const double _Complex *beta, double _Complex *voltages,
                             const double *check, unsigned *complex_factorizations);
  kh_status (*nudge_radius)(kh_context *ctx, kh_circuit *c, void *impl, double *radius);
  /* The transient analysis (solver.h: kh_solver_transient; targets already set). */
  kh_status (*transient)(kh_context *ctx, kh_circuit *c, void *impl, const kh_transient_options *o,
                         kh_forcing forcing, void *forcing_user, kh_oscillation_sample sample,
                         void *user, kh_oscillation_stats *stats);
  void (*destroy)(void *impl);
  /* Largest relative KCL residual accepted from this backend (the native solver is held to
   * round-off; ngspice to its own convergence tolerances). */
  double max_relative_residual;
  /* An imbalance accepted at any node whatever the relative test says (amperes): ngspice's
   * ABSTOL, 1e-12 A, where its Newton stops; 0 for the native solver, whose own floor is the
   * round-off of its node voltages (circuit.c). */
  double absolute_residual;
  /* How close to its threshold an ideal diode must be to count as conducting, and how far past
   * it it may be (native: exact by projection; ngspice: the steep exported model's gap). */
  double ideal_tolerance;
  /* Makes the next solve depend on its warm start alone, dropping whatever else earlier solves
   * left (kh_solver_forget_history); NULL where a backend keeps nothing else. */
  void (*forget)(const kh_circuit *c, void *impl);
} kh_solver_ops;
/* A solver on a program's own backend; ops must outlive the solver. */
KH_API kh_status kh_solver_new_with(kh_context *ctx, kh_solver **out, kh_circuit *c,
                                    const kh_solver_ops *ops);
#ifdef __cplusplus
}
#endif
#endif
