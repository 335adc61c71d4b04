/* Assembled circuits: the numeric form a solver works on. Built once from a netlist; afterwards
 * only conductances and source values change, and each change costs a numeric refactorization
 * (the sparsity pattern and its symbolic analysis are kept). */
#ifndef KIRCHHOFF_CIRCUIT_H
#define KIRCHHOFF_CIRCUIT_H

#include "kirchhoff/netlist.h"
#include "kirchhoff/status.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_circuit kh_circuit;

/* Checks and assembles: nodes with no DC path to ground or a voltage source, loops of voltage
 * sources and the like are input errors at the offending element. The netlist must outlive the
 * circuit. */
KH_API kh_status kh_circuit_new(kh_context *ctx, kh_circuit **out, const kh_netlist *nl);
KH_API void kh_circuit_free(kh_circuit *c);
KH_API const kh_netlist *kh_circuit_netlist(const kh_circuit *c);

/* Unknowns of the reduced system (nodes whose voltage no source fixes; nodes tied by floating
 * voltage sources count once). */
KH_API size_t kh_circuit_unknowns(const kh_circuit *c);
/* For a backend of a program's own (solver.h: kh_solver_new_with), on the reduced unknowns x:
 * the residual b - A x of the linear part (resistors, current sources, the nudge), summed
 * element by element in long double: the co-content's negative gradient for a circuit without
 * diodes (-1: out of memory, else 0); the ideal diodes' bounds lo <= x <= hi (+-inf where none;
 * returns the first diode whose bounds conflict or that is violated with both ends fixed, else
 * -1); and the node voltages x stands for (every netlist node). */
KH_API int kh_circuit_residual(const kh_circuit *c, const double *x, double *r);
KH_API long kh_circuit_bounds(const kh_circuit *c, double *lo, double *hi);
KH_API void kh_circuit_expand(const kh_circuit *c, const double *x, double *voltages);
/* The whole co-content, for a program's backend that runs Newton itself: at reduced unknowns
 * x, its value (without the constant terms of elements between fixed nodes; inf when a
 * junction overflows), its gradient (A x - b plus each Shockley or PWL diode's current, evaluated
 * as ngspice's model gives it: the current each unknown's nodes send out) and its Hessian's values
 * in the pattern kh_circuit_pattern gives (lower triangle in compressed columns, the diagonal
 * first in each column, colptr[unknowns] entries; int64_t indices). Ideal diodes are not terms
 * but bounds (kh_circuit_bounds). Returns 0; 1 when a junction overflows at x; -1 (gradient)
 * out of memory. */
KH_API double kh_circuit_energy(const kh_circuit *c, const double *x);
KH_API int kh_circuit_gradient(const kh_circuit *c, const double *x, double *grad);
KH_API int kh_circuit_hessian(const kh_circuit *c, const double *x, double *values);
KH_API void kh_circuit_pattern(const kh_circuit *c, const int64_t **colptr, const int64_t **rowidx);
/* Whether sources fix the voltage of node (< the netlist's node count; ground included): it is
 * set, not solved for. */
KH_API int kh_circuit_node_fixed(const kh_circuit *c, size_t node);

/* Relaxation sweeps, the inexact phases and iterative differentiation (ITD) work with
 * (docs/algorithms.md, "Relaxation sweeps and ITD"). One sweep moves every free node at once to
 * the conductance-weighted average of its neighbours (the nudge included), clipped to the bounds
 * its ideal diodes set: the projected Jacobi step x <- clip(x + D^-1 (b - A x)) on the co-content
 * of kh_circuit_residual, D the diagonal of A. For circuits whose diodes are ideal with one end
 * fixed (KH_ERR_USAGE at any other diode). `capacity`: the most sweeps one run takes; the handle
 * keeps a run's trajectory for reverse mode, (sweeps + 1) x unknowns doubles, grown as runs need
 * it (kh_relaxation_bytes: what it holds now). c must outlive it. */
typedef struct kh_relaxation kh_relaxation;
KH_API kh_status kh_relaxation_new(kh_context *ctx, kh_relaxation **out, const kh_circuit *c,
                                   unsigned capacity);
KH_API void kh_relaxation_free(kh_relaxation *r);
KH_API size_t kh_relaxation_bytes(const kh_relaxation *r);
typedef struct {
  unsigned sweeps;    /* sweeps run */
  double change;      /* the last sweep's largest move (V) */
  double error_bound; /* rho / (1 - rho) times it, rho the contraction the moves show (inf while
                       * they do not shrink) */
} kh_relaxation_stats;
/* Sweeps with the circuit's present values and nudge, from start (node voltages, as solvers
 * return them; NULL: every unknown at 0 V, clipped to its bounds), into voltages (every node):
 * tol = 0, exactly max_sweeps; tol > 0, until error_bound <= tol, KH_ERR_NUMERIC if max_sweeps
 * do not get there. stats may be NULL. */
KH_API kh_status kh_relaxation_run(kh_context *ctx, kh_relaxation *r, unsigned max_sweeps,
                                   double tol, const double *start, double *voltages,
                                   kh_relaxation_stats *stats);
/* Complex nudges beta (a point of the holomorphic estimator's contour) toward targets (one per
 * output), relaxed by `sweeps` Jacobi sweeps from the last run's end state (the free phase at
 * beta = 0), the unknowns it left at a bound held there (the free phase's active set continued,
 * as kh_solver_nudge_complex_frozen does); voltages: complex node voltages. */
KH_API kh_status kh_relaxation_run_complex(kh_context *ctx, kh_relaxation *r, unsigned sweeps,
                                           double _Complex beta, const double *targets,
                                           double _Complex *voltages);
/* Reverse mode through the last run (the circuit unchanged since): from node_cotangent, dL/dv
 * at the run's end per node, adds dL/d(value) to element_grad[element] for every resistor (per
 * siemens of its conductance) and current source (per ampere); other elements are untouched. */
KH_API kh_status kh_relaxation_vjp(kh_context *ctx, kh_relaxation *r, const double *node_cotangent,
                                   double *element_grad);

/* Conductance (siemens) of resistor `element`; must be finite and > 0. */
KH_API kh_status kh_circuit_set_conductance(kh_context *ctx, kh_circuit *c, size_t element,
                                            double g);
KH_API double kh_circuit_conductance(const kh_circuit *c, size_t element);
/* DC value of voltage or current source `element` (volts or amperes). */
KH_API kh_status kh_circuit_set_source(kh_context *ctx, kh_circuit *c, size_t element,
                                       double value);
KH_API double kh_circuit_source(const kh_circuit *c, size_t element);
/* Sets several sources at once (input features): one update of the node offsets instead of one
 * per source. Nothing changes when a value is invalid. */
KH_API kh_status kh_circuit_set_sources(kh_context *ctx, kh_circuit *c, size_t count,
                                        const size_t *elements, const double *values);
/* Nudges the read-outs (.output) toward targets: adds beta/2 sum_k (v_k - targets[k])^2 to the
 * co-content, i.e. injects the current -beta (v_k - targets[k]) into each output, as
 * equilibrium propagation's nudged phase does. beta = 0 switches it off (targets may be NULL:
 * keep the last ones). A negative beta subtracts conductance and can make the problem
 * non-convex; the solver then reports a non-positive-definite matrix. */
KH_API kh_status kh_circuit_set_nudge(kh_context *ctx, kh_circuit *c, double beta,
                                      const double *targets);
KH_API double kh_circuit_nudge(const kh_circuit *c);
/* The weight of an element's term in the energy the solver minimizes: 1 without amplifiers;
 * with bidirectional amplifiers, A^2 per amplifier stage between the element and the
 * read-outs (.output), whose weight is 1 (docs/algorithms.md). dE/dtheta of a trainable
 * element carries this factor, and the nudge stays the physical current -beta (v - y). */
KH_API double kh_circuit_element_weight(const kh_circuit *c, size_t element);

/* Nodes with no DC path to ground in islands that no current can enter (only resistors,
 * capacitors, inductors and 0 A current sources touch them): held at 0 V, as ngspice's GMIN
 * holds them. Returns how many, and the first's node index in *first (may be NULL). Any other
 * floating node is an input error of kh_circuit_new. */
KH_API size_t kh_circuit_floating_nodes(const kh_circuit *c, size_t *first);

/* Element currents at node voltages `voltages` (a solve's answer): current[element] for every
 * element, flowing from its positive node through it to its negative node (ngspice's i(name):
 * a source delivering power has a negative current). Voltage sources, inductors and conducting
 * ideal diodes get what their nodes leave unbalanced (a loop of them is refused, KH_ERR_USAGE);
 * capacitors 0. Circuits with amplifiers get theirs from general Newton started at the answer
 * (kirchhoff/general.h; with ideal diodes too, refused). */
KH_API kh_status kh_circuit_currents(kh_context *ctx, const kh_circuit *c, const double *voltages,
                                     double *current);

#ifdef __cplusplus
}
#endif
#endif
