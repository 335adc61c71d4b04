/* kirchhoff's own backends (the table, kh_solver_ops, is public: kirchhoff/solver.h) and what
 * they share inside sim/. */
#ifndef KH_SIM_BACKEND_H
#define KH_SIM_BACKEND_H

#include "circuit/circuit_impl.h"
#include "kirchhoff/solver.h"

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
                             kh_adjoint_method method, unsigned k, double damping, double *rl,
                             kh_adjoint_stats *stats);

extern const kh_solver_ops kh_solver_ops_native;
extern const kh_solver_ops kh_solver_ops_ngspice;

#endif
