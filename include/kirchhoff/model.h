/* A trainable circuit: a netlist's learning cards (.input, .output, .train, .bounds) bound to an
 * assembled circuit and the native solver, and the gradient estimators of equilibrium
 * propagation (docs/learning.md). */
#ifndef KIRCHHOFF_MODEL_H
#define KIRCHHOFF_MODEL_H
#include "kirchhoff/dataset.h"
#include "kirchhoff/netlist.h"
#include "kirchhoff/solver.h"
#include "kirchhoff/status.h"
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct kh_model kh_model;
/* The netlist needs .input, .output and .train cards, and must outlive the model. */
KH_API kh_status kh_model_new(kh_context *ctx, kh_model **out, const kh_netlist *nl);
KH_API void kh_model_free(kh_model *m);
KH_API size_t kh_model_input_count(const kh_model *m);  /* features */
KH_API size_t kh_model_output_count(const kh_model *m); /* read-outs */
KH_API size_t kh_model_param_count(const kh_model *m);  /* trainable parameters, .train order */
KH_API const kh_netlist *kh_model_netlist(const kh_model *m);
KH_API kh_solver *kh_model_solver(kh_model *m);
/* Parameter i: a conductance (siemens) or a current (amperes), its name and its layer (from the
 * generator's names r<l>_... and i<l>_...; 1 for any other name). */
KH_API int kh_model_param_is_conductance(const kh_model *m, size_t i);
KH_API const char *kh_model_param_name(const kh_model *m, size_t i);
KH_API unsigned kh_model_param_layer(const kh_model *m, size_t i);
/* Conductance bounds from .bounds (default 0 < g < inf). */
KH_API void kh_model_bounds(const kh_model *m, double *gmin, double *gmax);
KH_API void kh_model_get_params(const kh_model *m, double *theta);
/* Conductances must lie in (0, inf) and be finite; currents finite. */
KH_API kh_status kh_model_set_params(kh_context *ctx, kh_model *m, const double *theta);
/* Drives the inputs with features x (times the input gain; pairs get +- gain x). */
KH_API kh_status kh_model_set_input(kh_context *ctx, kh_model *m, const double *x);
/* Free phase: solves at beta = 0 and reads the outputs (kh_model_output_count values). */
KH_API kh_status kh_model_predict(kh_context *ctx, kh_model *m, double *outputs);

/* Gradient estimators of the loss L = 1/2 |outputs - target|^2 with respect to the parameters. */
typedef enum {
  KH_EST_EXACT,    /* implicit differentiation: one adjoint solve with the free-phase factor */
  KH_EST_PLUS,     /* one-sided, +beta */
  KH_EST_MINUS,    /* one-sided, -beta */
  KH_EST_CENTERED, /* +-beta, error O(beta^2) */
  KH_EST_FORWARD2, /* p-point forward differences at 0, beta, .., (p-1) beta: O(beta^(p-1)) */
  KH_EST_FORWARD3,
  KH_EST_FORWARD4,
  KH_EST_FORWARD5,
  KH_EST_HOLOMORPHIC, /* N complex nudges |beta| e^(2 pi i k / N): error O(|beta|^N) (below) */
  KH_EST_OSCILLATING, /* a nudge beta cos(2 pi t / T) in time, read through its harmonics (below) */
  /* coupled learning (Stern et al. 2021): the outputs clamped by voltage sources at
   * o + eta (y - o) (eta: the beta argument, in (0, 1]; 1 is hard clamping), and per element
   * (dE/dtheta(clamped) - dE/dtheta(free)) / eta: one-sided EP on the cost
   * 1/2 (o - y)^T G_out (o - y), G_out the network's conductance seen at the outputs, up to
   * O(eta) (docs/algorithms.md, "Coupled learning") */
  KH_EST_COUPLED,
  /* forward-only perturbation baselines, from the measured loss of perturbed free states (beta:
   * the relative step sigma, in (0, 1); kh_model_set_perturbations; docs/algorithms.md): */
  KH_EST_WP,                /* weight perturbation, K parameters at a time, central differences */
  KH_EST_SPSA,              /* K simultaneous +-sigma perturbations of every parameter */
  KH_EST_NODE_PERTURBATION, /* +-delta current at every solved-for node reads dL/dI there */
  /* implicit differentiation with an approximate adjoint (kh_solver_adjoint_iterative), k
   * Hessian-vector products (kh_model_set_adjoint_iterations) in place of a factorization: */
  KH_EST_FIRST_ORDER, /* H taken as I (no product) */
  KH_EST_RBP,         /* recurrent backpropagation: Richardson from 0 ("neumann": the same) */
  KH_EST_CG,          /* conjugate gradients */
  KH_EST_CG_JACOBI,   /* conjugate gradients preconditioned by H's diagonal */
  KH_EST_PHANTOM,     /* the phantom gradient: k damped relaxation steps from the equilibrium,
                       * differentiated (kh_model_set_phantom_damping) */
  /* iterative differentiation: reverse mode through relaxation sweeps (kh_relaxation_vjp):
   * with inexact phases (kh_model_set_inner) through the free phase's own sweeps from 0 V, the
   * exact gradient of the loss that phase reaches; with exact phases through k sweeps from the
   * equilibrium (a warm start, where it equals the phantom gradient at damping 1) */
  KH_EST_ITD,
  KH_EST_COUNT
} kh_estimator;
/* By name: exact, plus, minus, centered, forward2..forward5, holomorphic (or holo), oscillating
 * (or osc). Returns -1 for an unknown name. */
KH_API int kh_estimator_from_name(const char *name);
KH_API const char *kh_estimator_name(kh_estimator e);
typedef struct {
  double loss;         /* L at the free equilibrium */
  double *outputs;     /* free-phase outputs, if not NULL */
  unsigned phases;     /* solves done */
  unsigned iterations; /* Newton iterations over all phases */
  unsigned factorizations;
  unsigned frozen;     /* holomorphic, not strict: 1 when a clamp would switch within |beta| and the
                        * free phase's active set was continued instead */
  unsigned time_steps; /* oscillating: time steps integrated (ngspice: its time points) */
  unsigned products;   /* rbp, cg, phantom, itd: Hessian-vector products (itd: reverse sweeps) */
  unsigned sweeps;     /* relaxation sweeps (inexact phases; itd) */
  double inner_error;  /* inexact phases: the largest error bound of a phase (V) */
  unsigned narrowed;   /* minus, centered: 1 when -beta went past the outputs' conductance (no
                        * minimum) and the sample was nudged at half its radius instead */
} kh_grad_info;
/* One sample: free phase, then the estimator's nudged phases (each warm-started from the free
 * state) or adjoint solve. grad gets dL/dtheta (kh_model_param_count values). The next free
 * phase warm-starts from this sample's free state. */
KH_API kh_status kh_model_gradient(kh_context *ctx, kh_model *m, kh_estimator est, double beta,
                                   const double *target, double *grad, kh_grad_info *info);
/* The vector-Jacobian product of the free-phase outputs for the output cotangent c (one value
 * per output) at the present input (kh_model_set_input): grad gets est's estimate of
 * c^T do/dtheta (kh_model_param_count values; the gradient of L = 1/2 |o - t|^2 toward
 * t = o_free - c, whose derivative at the free state is exactly that), input_grad the exact
 * c^T do/dx per feature (kh_model_input_count values, from one adjoint solve with the free
 * phase's factor: native backend, exact phases, input sources between their node and ground
 * joined to the network by resistors, else KH_ERR_USAGE at the element), outputs o_free
 * (kh_model_output_count values). Any of the three may be NULL. */
KH_API kh_status kh_model_vjp(kh_context *ctx, kh_model *m, kh_estimator est, double beta,
                              const double *cotangent, double *grad, double *input_grad,
                              double *outputs, kh_grad_info *info);
/* `kirchhoff validate`: the first `samples` samples of d (raw features, scaled as the netlist's
 * .scale card says) through kirchhoff's solver and through ngspice on the same netlist (an
 * exported network): how often their classes (the largest output) agree, each one's accuracy
 * and the largest output difference. progress (or NULL) after each sample. */
typedef struct {
  size_t samples, agree, kirchhoff_right, ngspice_right;
  double largest_difference; /* volts */
} kh_validation;
KH_API kh_status kh_validate(kh_context *ctx, const kh_netlist *nl, const kh_dataset *d,
                             size_t samples,
                             void (*progress)(void *user, size_t done, size_t total), void *user,
                             kh_validation *out);
/* Points N >= 2 of the holomorphic estimator (default 4; N = 2 is the centered estimator):
 * Re( 1/(N |beta|) sum_k e^(-2 pi i k/N) dE/dtheta(v_k) ) at the equilibria v_k of the complex
 * nudges beta_k = |beta| e^(2 pi i k/N) (Laborieux & Zenke 2022), computed from the free phase's
 * factorization (kh_solver_nudge_complex: linear and ideal-diode circuits). */
KH_API kh_status kh_model_set_holomorphic_points(kh_context *ctx, kh_model *m, unsigned points);
/* k, the Hessian-vector products of the rbp and cg estimators (default 10; >= 1). */
KH_API kh_status kh_model_set_adjoint_iterations(kh_context *ctx, kh_model *m, unsigned k);
/* Inexact phases (Zucchet & Sacramento 2022): every phase is relaxation sweeps (kh_relaxation:
 * projected Jacobi) instead of the exact equilibrium, the free phase from 0 V and each nudged
 * phase from the free state (KH_INNER_FROM_FREE) or from the phase before it
 * (KH_INNER_FROM_PREVIOUS; Algorithm 2 of their Appendix C); kh_model_predict too. tol = 0:
 * exactly `sweeps` sweeps per phase; tol > 0: until the sweeps' error bound is below tol volts
 * (kh_relaxation_stats), at most `sweeps` (0: 100000), a phase that does not get there failing
 * with KH_ERR_NUMERIC. sweeps = tol = 0 (default): exact phases. Refuses circuits relaxation
 * cannot sweep (Shockley, PWL diodes; ideal diodes between free nodes). Every estimator but
 * the oscillating one (whose phases are its time steps) takes inexact phases: EP contrasts the
 * states the sweeps reach, holomorphic EP relaxes each point of its circle from the free state
 * (kh_relaxation_run_complex; the circle contour and a sweep count only), itd differentiates the
 * sweeps, and the adjoint estimators use the Hessian at the free phase's end state, the unknowns
 * it left at a bound held (kh_relaxation_adjoint; exact is conjugate gradients run past the
 * unknowns' count, there being no factor). beta_relative needs the exact free phase. */
typedef enum { KH_INNER_FROM_FREE, KH_INNER_FROM_PREVIOUS } kh_inner_start;
KH_API kh_status kh_model_set_inner(kh_context *ctx, kh_model *m, unsigned sweeps, double tol,
                                    kh_inner_start start);
/* 1 when estimator e takes inexact phases (all but oscillating). */
KH_API int kh_estimator_takes_inexact_phases(kh_estimator e);
/* The phantom gradient's damping d in (0, 1] (default 1: plain Jacobi sweeps). */
KH_API kh_status kh_model_set_phantom_damping(kh_context *ctx, kh_model *m, double d);
/* Where the holomorphic estimator's N points lie (docs/algorithms.md, "The slit contour").
 * KH_CONTOUR_CIRCLE (default): beta_k = |beta| e^(2 pi i k/N), as above; |beta| must stay below
 * kh_solver_nudge_radius R where the response is rational (kh_solver_nudge_rational), and the
 * error falls like (|beta| / R)^N. KH_CONTOUR_SLIT: beta is rho in (0, 1), and the points are
 * beta_k = 4 R w_k / (1 - w_k)^2 at w_k = rho e^(2 pi i k/N), R the sample's radius: the Koebe
 * map of the unit disk onto the plane slit along (-inf, -R], where a rational response is
 * analytic. The estimate is Re( 1/(4 R rho N) sum_k e^(-2 pi i k/N) dE/dtheta(v_k) ): read
 * noise is divided by 4 R rho instead of |beta| (2 R at rho = 0.5, 8 times the circle's default
 * R/4), the error falls like rho^N times a constant that grows with N (the nearest pole becomes
 * a fourfold one at w = -1). Rational responses only (KH_ERR_USAGE otherwise); beta_relative
 * does not apply (rho is relative already). The check of strict mode solves the real nudges at
 * the contour's ends on the real axis, beta(-rho) = -4 R rho / (1 + rho)^2 and
 * beta(rho) = 4 R rho / (1 - rho)^2 (8 R at rho = 0.5), where an ideal diode will often switch:
 * the slit contour is meant for the continuation of the free phase's active set (not strict). */
typedef enum { KH_CONTOUR_CIRCLE, KH_CONTOUR_SLIT } kh_contour;
KH_API kh_status kh_model_set_holomorphic_contour(kh_context *ctx, kh_model *m, kh_contour contour);
KH_API const char *kh_contour_name(kh_contour contour);
/* Read noise: every node voltage an estimator measures (free and nudged phases; for complex
 * nudges the real and imaginary parts alike) gets independent Gaussian noise of standard
 * deviation sigma_volts. Measured are the nodes the circuit solves for: ground and the nodes
 * sources fix are set, not read, and stay exact. The draws come from a generator seeded with
 * `seed` (set it per sample for results that do not depend on threads). sigma_volts = 0 switches it
 * off. The exact gradient and kh_model_predict stay noise-free. */
KH_API void kh_model_set_read_noise(kh_model *m, double sigma_volts, uint64_t seed);
/* Each measurement is the mean of `readings` independent noisy readings (default 1; 0 counts
 * as 1): the noise's standard deviation falls as 1/sqrt(readings). */
KH_API void kh_model_set_read_samples(kh_model *m, unsigned readings);
/* wp and spsa: K perturbations per gradient (default 1; 0 counts as 1), drawn from a generator
 * seeded with `seed` (set it per sample for results that do not depend on threads). */
KH_API void kh_model_set_perturbations(kh_model *m, unsigned count, uint64_t seed);
/* strict (the default): a clamp that would switch within |beta| (holomorphic) or during the
 * oscillation (oscillating, native) is an error. Not strict: the free phase's active set is
 * continued (the gradient is the derivative at beta = 0, which that continuation gives exactly)
 * and kh_grad_info.frozen says so. */
KH_API void kh_model_set_holomorphic_strict(kh_model *m, int strict);
/* relative = 1: every estimator but the exact one reads beta as a fraction of each sample's
 * kh_solver_nudge_radius (the outputs' smallest effective conductance, G_out), so that the
 * nudge stays as strong relative to the circuit as conductances change in training (the
 * holomorphic error falls like (beta / G_out)^N). */
KH_API void kh_model_set_beta_relative(kh_model *m, int relative);
/* The oscillating estimator: the circuit runs kh_solver_oscillate's dynamics (o: period,
 * periods, settling, steps, node capacitance) with the nudge beta(t) = |beta| cos(2 pi t / T);
 * each parameter's dE/dtheta(v(t)) (1/2 dv^2 for a conductance, as the other estimators) is
 * read at every measured step and its odd Fourier cosine coefficients c_1, c_3, .. c_(2H-1)
 * taken, as lock-in amplifiers would. The estimate is (c_1 - 3 c_3 + 5 c_5 - ..) / |beta|: in
 * the adiabatic limit (T much longer than the circuit's time constants) dE/dtheta follows
 * F(|beta| cos wt), F(b cos s) = sum c_n T_n(cos s) (Chebyshev), and F'(0) = sum n (-1)^((n-1)/2)
 * c_n over odd n; the first dropped coefficient, c_(2H+1), is O(|beta|^(2H+1)) and is divided by
 * |beta|, so H harmonics leave an error O(|beta|^(2H)); H = 1, the first harmonic alone, is
 * biased O(|beta|^2) like the centered estimator. backend: "native" (default) or
 * "ngspice" (the same oscillation in ngspice's .tran, for checking). Read noise applies to every
 * measured step. */
KH_API kh_status kh_model_set_oscillation(kh_context *ctx, kh_model *m, const kh_oscillation *o,
                                          unsigned harmonics, const char *backend);
/* Largest layer number of any parameter (kh_model_param_layer). */
KH_API unsigned kh_model_layer_count(const kh_model *m);
/* Per layer l (index l - 1): cosine similarity of estimate and reference over the layer's
 * parameters, and |estimate - reference| / |reference| (Euclidean norms). */
KH_API void kh_grad_compare(const kh_model *m, const double *estimate, const double *reference,
                            double *cosine, double *relative_error);
#ifdef __cplusplus
}
#endif
#endif
