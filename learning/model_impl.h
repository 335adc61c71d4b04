/* The model as learning/ keeps it (private). */
#ifndef KH_LEARNING_MODEL_IMPL_H
#define KH_LEARNING_MODEL_IMPL_H

#include "kirchhoff/circuit.h"
#include "kirchhoff/model.h"

#include "core/rng.h"

/* A copy of the model's circuit with sources added (model_copy.c): coupled learning's clamps,
 * node perturbation's probes. */
typedef struct {
  kh_netlist *nl;
  kh_circuit *circuit;
  kh_solver *solver;
  size_t *added, added_count; /* the added sources' elements, in the order given */
  size_t *param, *input;      /* each parameter's and input source's element in the copy */
  size_t *node;               /* each node of the model: its node in the copy */
  double *v, *v_model;        /* the last solve, by the copy's nodes and by the model's */
} kh_model_copy;

typedef struct {
  size_t element, node_pos, node_neg;
  int conductance; /* resistor (else a current source) */
  unsigned layer;
  double weight; /* the element's weight in the energy (amplifier stages: 1/A^2 each) */
} kh_param;

struct kh_model {
  const kh_netlist *nl;
  kh_circuit *circuit;
  kh_solver *solver;
  size_t inputs, outputs, params, nodes;
  double gain, gmin, gmax;
  size_t *source, source_count; /* input sources in drive order (pairs: positive first) */
  double *source_value;
  kh_output *out;
  kh_param *param;
  double *target;                        /* the current sample's target (outputs) */
  double *v_free, *v_nudged, *node_work; /* node voltages */
  double *warm;                          /* the free state, the nudged phases' warm start */
  double *dedtheta;                      /* dE/dtheta at one phase */
  unsigned holo_points;                  /* N of the holomorphic estimator */
  unsigned adjoint_k;                    /* Hessian-vector products of rbp, cg and phantom */
  double damping;                        /* the phantom gradient's */
  unsigned inner;                        /* sweeps per inexact phase (tol > 0: the most) */
  double inner_tol;                      /* > 0: inexact phases stop at this error bound */
  double inner_error;                    /* the largest error bound of a phase since reset */
  unsigned inner_sweeps;                 /* the last inexact phase's sweeps */
  kh_inner_start inner_start;            /* where the nudged inexact phases start */
  const double *inner_from;              /* the next nudged inexact phase's start */
  kh_relaxation *relax;                  /* inexact phases and itd (relaxed.c) */
  unsigned relax_capacity;
  unsigned long sweeps;    /* relaxation sweeps so far */
  kh_contour holo_contour; /* and where its points lie */
  int holo_strict, beta_relative;
  double noise_sigma;      /* read noise (V), 0: none */
  unsigned noise_readings; /* readings averaged per measurement (kh_model_set_read_samples) */
  kh_rng noise_rng;
  double *v_measured; /* a phase's voltages as measured (with noise) */
  kh_oscillation osc; /* the oscillating estimator's run */
  unsigned osc_harmonics;
  kh_solver *osc_solver;  /* where it runs: NULL for the model's own (native) solver */
  double *osc_sum;        /* params x harmonics: the Fourier sums */
  kh_model_copy *clamp;   /* coupled learning's clamped copy, made at its first use */
  kh_model_copy *probe;   /* node perturbation's: a current source at every solved-for node */
  unsigned perturbations; /* K of wp and spsa (kh_model_set_perturbations) */
  kh_rng perturb_rng;
};

void kh_model_read_outputs(const kh_model *m, const double *v, double *outputs);
/* Parameter i (.train order) set to value in the circuit, as kh_model_set_params sets each. */
kh_status kh_model_set_param(kh_context *ctx, kh_model *m, size_t i, double value);
/* Solves at nudge beta toward m->target into v (all nodes); adds Newton iterations and records
 * the solver's factorization count. */
/* v as a measurement sees it: v itself, or a copy with read noise on the nodes the circuit
 * solves for (values: nodes, or 2 * nodes for complex voltages). Ground and the nodes sources
 * fix are set, not measured: their voltages stay exact. */
const double *kh_model_measure(kh_model *m, const double *v, size_t values);
/* dE/dtheta at node voltages v (measure.c): 1/2 (va - vb)^2 for a conductance, v+ - v- for a
 * current source, times the element's weight in the energy. */
void kh_model_dE_dtheta(const kh_model *m, const double *v, double *out);
/* L = 1/2 |o - y|^2 of the outputs at node voltages v as measured (read noise), y the target. */
double kh_model_measured_loss(kh_model *m, const double *v);
/* Coupled learning (coupled.c), after the free phase (outputs: its read-outs): the clamped phase
 * at o + eta (y - o) and the contrast. */
kh_status kh_model_coupled(kh_context *ctx, kh_model *m, double eta, const double *outputs,
                           double *grad, kh_grad_info *info);
/* The perturbation rules (perturbation.c, node_perturbation.c), after the free phase: wp, spsa
 * and node perturbation at relative step sigma. */
kh_status kh_model_perturbation(kh_context *ctx, kh_model *m, kh_estimator est, double sigma,
                                double *grad, kh_grad_info *info);
kh_status kh_model_node_perturbation(kh_context *ctx, kh_model *m, double sigma, double *grad,
                                     kh_grad_info *info);
/* The copy (model_copy.c): the model's netlist with `cards` added, whose `count` new elements
 * `names` are found in it; kept in step with the model's parameters and inputs by sync (which
 * also makes its next solve start cold: once per sample); solve fills v and v_model and adds its
 * Newton iterations. */
kh_status kh_model_copy_open(kh_context *ctx, const kh_model *m, const char *cards,
                             const char *const *names, size_t count, kh_model_copy **out);
kh_status kh_model_copy_sync(kh_context *ctx, const kh_model *m, kh_model_copy *k);
kh_status kh_model_copy_solve(kh_context *ctx, const kh_model *m, kh_model_copy *k,
                              unsigned *iterations);
void kh_model_copy_free(kh_model_copy *k);
/* An inexact phase (relaxed.c): m->inner sweeps (or to m->inner_tol) at nudge beta, from 0 V
 * (beta = 0) or from m->inner_from, into v. */
kh_status kh_model_relaxed_phase(kh_context *ctx, kh_model *m, double beta, double *v);
/* The itd estimator (relaxed.c), after the free phase; outputs: the free phase's. */
kh_status kh_model_itd(kh_context *ctx, kh_model *m, const double *outputs, double *grad,
                       kh_grad_info *info);
/* KH_ERR_USAGE unless est takes inexact phases (when the model has them). */
kh_status kh_model_check_inner(kh_context *ctx, const kh_model *m, kh_estimator est);
/* The oscillating estimator (oscillating.c), after the free phase. */
kh_status kh_model_oscillating(kh_context *ctx, kh_model *m, double beta, double *grad,
                               kh_grad_info *info);
kh_status kh_model_solve(kh_context *ctx, kh_model *m, double beta, double *v, unsigned *iterations,
                         unsigned *factorizations);
/* KH_ERR_USAGE, saying why, unless the model's nudged response is rational in beta
 * (kh_solver_nudge_rational), as the slit contour needs. */
kh_status kh_model_require_rational(kh_context *ctx, const kh_model *m);

/* The estimators' names, in kh_estimator order (kh_estimator_name, the trace, the CLI). */
extern const char *const kh_estimator_names[KH_EST_COUNT];

#endif
