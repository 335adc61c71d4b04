/* The solver ops table every backend implements (kh_solver_ops; private to sim/ for now: issue
 * 24 makes it public so that a user can add a backend). */
#ifndef KH_SIM_BACKEND_H
#define KH_SIM_BACKEND_H

#include "circuit/circuit_impl.h"
#include "kirchhoff/solver.h"

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
  /* The warm start of the next solve, as reduced unknowns: copy it out (returns 0 when there is
   * none) or replace it (x = NULL: start cold). NULL where the backend keeps no state. */
  /* The Hessian of the last free solve (the adjoint's matrix, held unknowns' rows the identity):
   * out = H v when v is given; its diagonal, a bound on its largest eigenvalue (Gershgorin) and
   * which unknowns are held (1) when diag is given. NULL where the backend keeps no such matrix. */
  kh_status (*hessian)(kh_context *ctx, kh_circuit *c, void *impl, const double *v, double *out,
                       double *diag, double *bound, unsigned char *held);
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
} kh_solver_ops;

/* The oscillating nudge's forcing (solver.c): amplitude cos(2 pi (j mod steps) / steps) at step
 * j, steps per period; a backend that cannot integrate any forcing recognizes this one. */
typedef struct {
  double amplitude, period;
  unsigned steps;
} kh_oscillation_drive;
double kh_oscillation_forcing(void *drive, unsigned step, double t);

/* adjoint.c: kh_solver_adjoint_iterative on the reduced unknowns; rl holds the right-hand side
 * on entry and lambda on return (held unknowns' entries zero). */
kh_status kh_adjoint_iterate(kh_context *ctx, const kh_solver_ops *ops, kh_circuit *c, void *impl,
                             kh_adjoint_method method, unsigned k, double *rl,
                             kh_adjoint_stats *stats);

extern const kh_solver_ops kh_solver_ops_native;
extern const kh_solver_ops kh_solver_ops_ngspice;

#endif
