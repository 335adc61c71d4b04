/* The layered solver backend: exact block-coordinate descent on layered circuits (docs/layered.md).
 *
 * A circuit is layered when its free nodes split into layers 1..L such that every resistor
 * between two free nodes joins consecutive layers, the input sources (layer 0) meet only layer
 * 1, and the rest is what one node can carry on its own: ideal diodes to fixed nodes (bounds),
 * resistors to fixed nodes (a leak), current sources. Deep resistive networks (kirchhoff net)
 * are. Restricted to every other layer the co-content is then separable, each node's exact
 * minimizer given its neighbours is a conductance-weighted average clipped to its bounds, and a
 * half-sweep over the odd (or even) layers of a whole minibatch is one matrix product per
 * layer (BLAS). Alternating odd and even half-sweeps descends monotonically to the equilibrium
 * (Scellier 2024). */
#ifndef KIRCHHOFF_LAYERED_H
#define KIRCHHOFF_LAYERED_H

#include "kirchhoff/circuit.h"
#include "kirchhoff/model.h"
#include "kirchhoff/status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_layered kh_layered;
typedef enum { KH_PRECISION_DOUBLE, KH_PRECISION_SINGLE } kh_precision;

/* Detects the layers of c (whose netlist needs .input and .output cards: the inputs are layer 0,
 * the outputs must lie in the last layer). A circuit that is not layered is KH_ERR_INPUT, with
 * the reason (amplifiers, Shockley diodes, a resistor skipping a layer, ...). The circuit's
 * element values are read now; later changes go through kh_layered_set_params. c must outlive
 * the handle. rows: the most samples one solve takes (the handle allocates for that once). */
KH_API kh_status kh_layered_new(kh_context *ctx, kh_layered **out, const kh_circuit *c,
                                kh_precision precision, size_t rows);
KH_API void kh_layered_free(kh_layered *lay);
KH_API size_t kh_layered_depth(const kh_layered *lay);               /* L: node layers are 0..L */
KH_API size_t kh_layered_width(const kh_layered *lay, size_t layer); /* nodes of layer 0..L */
KH_API kh_precision kh_layered_precision(const kh_layered *lay);
/* The threads its sweeps and updates use (1 when made: the caller alone); the results do not
 * depend on them (fixed row chunks and update blocks, whichever thread takes them). */
KH_API void kh_layered_set_threads(kh_layered *lay, int threads);
/* The trainable parameters in .train order (conductances and currents, as kh_model has them). */
KH_API size_t kh_layered_param_count(const kh_layered *lay);
KH_API kh_status kh_layered_set_params(kh_context *ctx, kh_layered *lay, const double *theta);
KH_API void kh_layered_get_params(const kh_layered *lay, double *theta);

typedef struct {
  unsigned sweeps;          /* sweeps done (one sweep: the odd layers, then the even ones) */
  double change;            /* largest voltage change of the last sweep (V) */
  double relative_residual; /* KKT residual of the result: largest net current into a node
                             * that its bounds do not explain, over the largest current
                             * magnitude meeting at a node */
} kh_layered_stats;

/* Solves `rows` independent samples at once: row r has features x[r * F ..] (F = inputs, times
 * the input gain as kh_model_set_input does) and, when beta != 0, the nudge beta toward targets
 * [r * outputs ..]. Starts from `voltages` when warm (as the last call left them) or from 0 V;
 * sweeps until the largest change in a sweep is below tol times the largest input voltage, or,
 * with tol = 0, exactly max_sweeps sweeps; not converging within max_sweeps when tol > 0 is
 * KH_ERR_NUMERIC. voltages: rows x node_count (netlist nodes, ground and fixed nodes
 * included), may be NULL (the handle keeps its own state for warm starts). */
KH_API kh_status kh_layered_solve(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                                  double beta, const double *targets, unsigned max_sweeps,
                                  double tol, int warm, double *voltages, kh_layered_stats *stats);

/* Gradients of L = 1/2 |outputs - targets|^2 on the layered backend, summed over `rows`
 * samples (docs/layered.md): the free phase (and nudged ones) solved to tol or for `sweeps`
 * sweeps as kh_layered_solve does, then
 *   exact:  conjugate gradients on H lambda = dL/dv until every row's residual is round-off
 *           (there is no factorization to reuse);
 *   first-order, rbp, cg, cg-jacobi, phantom: the approximate adjoints of
 *           kh_solver_adjoint_iterative with k Hessian-vector products (phantom: damping), row by
 *           row, each product of the whole batch two GEMMs per layer;
 *   itd:    reverse mode through block sweeps (odd layers, then even ones): with tol = 0 the
 *           free phase is `sweeps` sweeps from 0 V and itd differentiates them (the exact
 *           gradient of the loss they reach); with tol > 0, k sweeps from the equilibrium. It
 *           keeps every half sweep's state: (2T + 1) x rows x the nodes;
 *   plus, minus, centered: equilibrium propagation at nudge beta, the nudged phases started
 *           from the free state;
 *   holomorphic: N points on a contour (kh_contour), each swept from the free state with the
 *           free phase's active set held (the rows' real and imaginary parts: the handle needs
 *           (1 + 2N) rows per row). The nudged response is analytic for |beta| < R, R the
 *           outputs' smallest effective conductance; the layered backend bounds R from below
 *           by 1 / the outputs' largest response to 1 A into each, the bound R_b of the batch:
 *           on the circle, beta must lie below R_b (KH_ERR_NUMERIC otherwise); on the slit
 *           contour, beta is rho in (0, 1) and the points are those of R_b;
 *   spsa:   K = perturbations directions Delta in {-1, 1}^P, each shared by the whole batch
 *           (one write of every matrix): free phases at theta +- c o Delta, and
 *           g += Delta (L+ - L-) / (2 c K) (c: sigma times the mean |theta| of a kind).
 * Nodes at their clamp's bound are held (identity rows of H, zero adjoint). Other estimators:
 * KH_ERR_USAGE. grad: kh_layered_param_count values, overwritten. */
typedef struct {
  kh_estimator estimator;
  double beta;     /* the EP estimators' nudge (S) */
  unsigned k;      /* products of rbp, cg, cg-jacobi and phantom; itd's sweeps when warm */
  double damping;  /* phantom's, in (0, 1] */
  unsigned sweeps; /* the phases' most sweeps */
  double tol;      /* the phases' tolerance (kh_layered_solve) */
  /* spsa: the relative step, the perturbations (each shared by the whole batch) and their seed */
  double sigma;
  unsigned perturbations;
  uint64_t seed;
  unsigned points;    /* holomorphic: N points (0: 4) */
  kh_contour contour; /* on the circle |beta'| = beta, or the slit contour at rho = beta */
  /* Read noise for the rules that measure losses (NULL: none): spsa and node perturbation call
   * measure(user, lay, first, rows, phase) on rows [first, first + rows) of the handle's state
   * (kh_layered_export's rows) before they read them, phase numbering the batch's phases of one
   * gradient from 0 (node perturbation's free phase, whose voltages its step reads) */
  void (*measure)(void *user, kh_layered *lay, size_t first, size_t rows, unsigned phase);
  void *measure_user;
  /* 1: the caller has just solved the free phase of these rows (kh_layered_solve at beta 0 with
   * these x, sweeps and tol, from 0 V, nothing solved and no parameter set since), so the
   * handle's rows [0, rows) hold it and it is not solved again: a forward pass's state reused
   * by its backward pass. The result is the same bit for bit. itd solves its own. */
  int free_given;
} kh_layered_grad_options;
typedef struct {
  unsigned sweeps;   /* over all phases */
  unsigned products; /* Hessian-vector products (each over the whole batch) */
  unsigned phases;   /* phases solved */
  double loss;       /* L summed over the rows, at the free phase */
} kh_layered_grad_info;
KH_API kh_status kh_layered_gradient(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                                     const double *targets, const kh_layered_grad_options *o,
                                     double *grad, kh_layered_grad_info *info);

#ifdef __cplusplus
}
#endif
#endif
