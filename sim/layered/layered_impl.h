/* The layered backend's state (private to sim/ and learning/): the detected layers, their
 * conductance matrices and per-node terms in the working precision, and the kernels that sweep
 * them, compiled once per precision from layered_kernels.h. */
#ifndef KH_SIM_LAYERED_IMPL_H
#define KH_SIM_LAYERED_IMPL_H

#include "kirchhoff/layered.h"
#include "kirchhoff/model.h"

#include <stdint.h>

enum { KH_LAYERED_MAX = 16 };
/* Rows per block of the fused update (kh_layered_update); rows and nodes per chunk of a sweep
 * (layered_kernels.h), which also size the handle's chunk_change. */
enum { KH_LAYERED_BLOCK = 128, KH_LAYERED_ROW_CHUNK = 32, KH_LAYERED_COL_CHUNK = 128 };

typedef struct {
  uint32_t layer; /* l >= 1: conductance entry of W_l; bias: the node's layer */
  int8_t bias;    /* a current source (else a resistor) */
  int8_t sign;    /* bias: +1 when the source pushes its current into the node */
  size_t entry;   /* W_l index (i * ld[l] + j), or the node's index in its layer */
  uint32_t i, j;  /* a conductance's row and column in W_l (entry's, without a division) */
} kh_layered_slot;

typedef struct {
  kh_layered_slot slot;
  double value; /* conductance (S) or current (A) from the netlist */
  long param;   /* index in .train order, or -1 */
} kh_layered_element;

struct kh_layered {
  const kh_circuit *c;
  kh_precision precision;
  size_t real; /* sizeof the working type */
  size_t depth, width[KH_LAYERED_MAX + 1], features, outputs, rows_max, max_width;
  /* Row stride of every array whose rows run over a layer's nodes (W_l, V[l], P, work, the
   * gradient factors): the width rounded up to whole cache lines, and not a multiple of 4 KiB,
   * so that the rows a kernel walks at once do not contend for the same cache sets. The
   * arrays start on a cache line: threads given different column blocks share no line. */
  size_t ld[KH_LAYERED_MAX + 1], max_ld;
  uint32_t *node[KH_LAYERED_MAX + 1]; /* netlist node of each layer node (layers 0..L) */
  uint32_t *drive_feature;            /* per input node: its feature and signed gain */
  double *drive_gain;
  int32_t *out_of; /* per node of layer L: its output index, or -1 */
  size_t *out_index;
  double *leak[KH_LAYERED_MAX + 1];  /* conductance from a node to fixed non-input nodes */
  double *fixed[KH_LAYERED_MAX + 1]; /* current into a node that no parameter sets (A) */
  kh_layered_element *elements;      /* every resistor between layers and every current */
  size_t element_count;
  kh_layered_slot *param; /* per parameter */
  double *theta;          /* the parameters as last set (the W of full layers may move since) */
  size_t params;
  size_t *bias, bias_count;     /* the parameters that are currents, by layer */
  int full[KH_LAYERED_MAX + 1]; /* every entry of W_l is exactly one trainable resistor */
  /* A full layer whose parameters are consecutive, in W_l's row-major or column-major order
   * (kirchhoff net writes the latter: each upper node's resistors in turn): entry (i, j) is
   * parameter dense[l] + i dense_si[l] + j dense_sj[l], so that loads and gradients need no
   * slot per parameter; dense -1 otherwise. loose: the other parameters (biases, other layers'
   * conductances). */
  long dense[KH_LAYERED_MAX + 1];
  size_t dense_si[KH_LAYERED_MAX + 1], dense_sj[KH_LAYERED_MAX + 1];
  size_t *loose, loose_count;
  /* Working precision (float or double): W_l (width[l-1] x width[l], row-major), and per
   * node of layers 1..L: diag (sum of conductances), cst (current in), lo and hi (bounds). */
  void *W[KH_LAYERED_MAX + 1];
  void *colsum[KH_LAYERED_MAX + 1], *rowsum[KH_LAYERED_MAX + 1]; /* of W_l */
  void *diag[KH_LAYERED_MAX + 1], *cst[KH_LAYERED_MAX + 1];
  void *lo[KH_LAYERED_MAX + 1], *hi[KH_LAYERED_MAX + 1];
  /* State, rows_max rows per layer: V[0] the input voltages, V[l] the node voltages. P holds
   * V[0] W_1 (the inputs are clamped: the same in every sweep). work: one layer's sums. */
  void *V[KH_LAYERED_MAX + 1], *P, *work;
  double *beta_row, *target_row; /* per row: nudge and targets (outputs each); INFINITY: the
                                  * outputs clamped at the targets */
  /* holomorphic EP's complex phases (layered_complex.h): N = count points (re, im pairs), the
   * rows of a batch of `batch` from row `first`; points NULL outside them; unit: point 0's rows
   * are the response to 1 A into each output instead */
  struct {
    const double *points;
    size_t first, batch;
    unsigned count;
    int unit;
  } holo;
  /* node perturbation's probes (node_perturbation.c): probe p's rows, +delta[p] into its node,
   * at first + 2 p batch and its -delta[p] rows after them; delta NULL outside them */
  struct {
    const double *delta;
    size_t first, batch;
  } probe;
  double input_scale;   /* largest input voltage magnitude of the last drive */
  int threads;          /* kh_layered_set_threads: the caller and threads - 1 helpers, */
  struct kh_crew *crew; /* which claim row chunks and update blocks (NULL: the caller alone) */
  double *chunk_change; /* a sweep's largest change per chunk */
  /* kh_layered_gradient's buffers, made on first use, and what frees them (gradient.c; the
   * handle owns them without knowing their layout) */
  void *gradient;
  void (*gradient_free)(void *gradient);
};

/* kh_layered_solve without its residual and voltages: the checks, the drive and the sweeps of
 * rows [0, rows), the outputs checked finite; *sweeps and *change as kh_layered_relax's. x NULL:
 * the rows are driven already (the inputs, and their product with W_1, as the last phase of
 * these rows left them at the same parameters). */
kh_status kh_layered_phase(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                           double beta, const double *targets, unsigned max_sweeps, double tol,
                           int warm, unsigned *sweeps, double *change);

/* OpenBLAS single-threaded (blas.c; it returns the thread count kh_layered_blas_restore gives
 * back): the layered backend's products are a minibatch's rows, where
 * OpenBLAS's threads only add overhead (and spin beside the crew's), and a fixed count keeps
 * the results independent of OPENBLAS_NUM_THREADS. The public calls and the trainer run so. */
int kh_layered_blas_serial(void);
void kh_layered_blas_restore(int threads);

/* kh_layered_gradient's adjoint estimators as an SGD step (gradient.c; the layered trainer):
 * the batch's phases and adjoint as kh_layered_gradient computes them, then W_l -= step[l]
 * dL/dW_l projected onto [lo, hi] and each bias theta[p] -= bias_step[p] dL/dI_p, in one pass
 * per matrix; every layer trainable one to one (lay->full). info as kh_layered_gradient's. */
kh_status kh_layered_descend(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                             const double *targets, const kh_layered_grad_options *o,
                             const double *step, const double *bias_step, double *theta, double lo,
                             double hi, kh_layered_grad_info *info);
/* spsa (spsa.c), after the free phase: rows [0, rows) keep the free state (off, keep: the
 * gradient buffers' layout and a copy of the rows); grad gets the estimate added. */
kh_status kh_layered_spsa(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                          const double *targets, const kh_layered_grad_options *o,
                          const size_t *off, void *keep, double *grad, kh_layered_grad_info *info);
/* L = 1/2 |o - y|^2 summed over rows [0, rows) as V holds them; a non-finite output is a
 * numerical failure. */
kh_status kh_layered_loss(kh_context *ctx, const kh_layered *lay, size_t rows,
                          const double *targets, double *loss);
/* A nudge of beta < 0 must leave every output node a positive conductance (KH_ERR_NUMERIC). */
kh_status kh_layered_check_nudge(kh_context *ctx, const kh_layered *lay, double beta);

/* The nodes of layers 1..L (node perturbation's probes). */
size_t kh_layered_free_nodes(const kh_layered *lay);
/* Node perturbation after the free phase of rows [0, n): each node p of layers 1..L probed by
 * currents +-delta_p = +-sigma (the conductance meeting it) from the free state, lambda_p =
 * (L+ - L-) / (2 delta_p) per row into the batch vector lambda (layered_adjoint.h's layout,
 * off); the handle needs (1 + 2 probes) n rows. */
kh_status kh_layered_node_lambda(kh_context *ctx, kh_layered *lay, size_t n, const double *targets,
                                 const kh_layered_grad_options *o, const size_t *off, void *lambda,
                                 kh_layered_grad_info *info);

/* Holomorphic EP's bound for the free state of rows [0, n): the nudged response is analytic
 * for |beta| < 1 / lambda_max(P^T A^-1 P) (A the network with the free phase's held nodes held,
 * as kh_nudge_radius on the native backend), and lambda_max of that nonnegative matrix is at
 * most its largest row sum, max_k u_k with u = P^T A^-1 P 1: radius = the smallest 1 / max_k u_k
 * over the rows (INFINITY when no output responds). Uses the rows after [0, n). */
kh_status kh_layered_holo_radius(kh_context *ctx, kh_layered *lay, size_t n, unsigned max_sweeps,
                                 unsigned *sweeps, double *radius);

/* Holomorphic EP's N points (2N values: re, im) on the circle |beta'| = beta or, on the slit
 * contour, at rho = beta for the radius (bound) R (kirchhoff/model.h); returns the estimate's
 * scale, 1 / beta or 1 / (4 R rho). */
double kh_layered_holo_points(kh_contour contour, unsigned N, double beta, double R,
                              double *points);
/* The phases at those points (kept during the sweeps), each from the free state of rows [0, n)
 * toward their targets (n x outputs), swept as kh_layered_relax does with a check that the
 * sweeps do not diverge (KH_ERR_NUMERIC). *sweeps: sweeps of all N points. */
kh_status kh_layered_holo_phases(kh_context *ctx, kh_layered *lay, size_t n, unsigned N,
                                 const double *points, const double *targets, unsigned max_sweeps,
                                 double tol, unsigned *sweeps);
/* kh_layered_gradient's holomorphic estimate after the free phase of rows [0, n). */
kh_status kh_layered_holo_gradient(kh_context *ctx, kh_layered *lay, size_t n,
                                   const double *targets, const kh_layered_grad_options *o,
                                   double *grad, kh_layered_grad_info *info);

/* Sweeps rows [first, first + rows): until the largest change of a sweep is below tol times the
 * largest input voltage (KH_ERR_NUMERIC when max_sweeps do not get there), or, with tol = 0,
 * exactly max_sweeps. With lay->holo.points set and first = lay->holo.first, the rows are
 * holomorphic EP's points, swept by kh_layered_sweep_complex. */
kh_status kh_layered_relax(kh_context *ctx, kh_layered *lay, size_t first, size_t rows,
                           unsigned max_sweeps, double tol, unsigned *sweeps, double *change);

/* Heavy-ball momentum for kh_layered_update, as PyTorch's SGD and the native optimizer take it:
 * velocity V <- mu V + gain G (gain: the estimate's scale), W -= rate V. velocity is laid out
 * like W_l. */
typedef struct {
  void *velocity;
  double mu, gain, rate;
} kh_layered_momentum;

/* Kernels, one set per precision (suffix _f32, _f64). rows <= rows_max. */
#define KH_LAYERED_KERNELS(S)                                                                      \
  /* V[0] <- input voltages of features x (rows x features); P <- V[0] W_1 when product. */        \
  void kh_layered_drive_##S(kh_layered *lay, size_t rows, const double *x, int product);           \
  /* The same input voltages, transposed (Ut[i rows + r]), for kh_layered_update. */               \
  void kh_layered_inputs_t_##S(const kh_layered *lay, size_t rows, const double *x, void *Ut);     \
  /* The factors of kh_layered_update for layer l from phase rows [a, a + count) and [b, ..):      \
   * l = 1: At = the inputs of rows [0, count) transposed, C = V_1(a) - V_1(b); l >= 2:            \
   * At = [V_l-1(a), V_l-1(b)] transposed, C = [V_l(a); -V_l(b)], rt_i = 1/2 sum (a^2 - b^2).      \
   * ct_j = 1/2 sum_r (V_l(a)^2 - V_l(b)^2), dsum_j = sum_r V_l(a) - V_l(b). */                    \
  void kh_layered_factors_##S(const kh_layered *lay, size_t l, size_t a, size_t b, size_t count,   \
                              void *At, void *C, void *rt, void *ct, double *dsum);                \
  /* One sweep (odd layers, then even ones) of rows [first, first + rows), per-row nudges beta_row \
   * / target_row. Returns the largest voltage change. */                                          \
  double kh_layered_sweep_##S(kh_layered *lay, size_t first, size_t rows);                         \
  /* Holomorphic EP (layered_complex.h): the points' rows from the free rows; one sweep of them,   \
   * returning the largest change; the update's factors from them (returns the rank). */           \
  void kh_layered_complex_start_##S(kh_layered *lay);                                              \
  double kh_layered_sweep_complex_##S(kh_layered *lay);                                            \
  size_t kh_layered_holo_factors_##S(const kh_layered *lay, size_t l, size_t count, void *At,      \
                                     void *C, void *rt, void *ct, double *dsum);                   \
  /* KKT residual of those rows (kh_layered_stats.relative_residual). */                           \
  double kh_layered_residual_##S(kh_layered *lay, size_t first, size_t rows);                      \
  /* diag and cst of every layer from the sums of W (recomputed first when sums = 1), leak,        \
   * fixed and the bias parameters theta. */                                                       \
  void kh_layered_refresh_##S(kh_layered *lay, const double *theta, int sums);                     \
  /* SGD step on W_l, fused: W_l -= step * G clipped to [lo, hi], G_ij = rt_i + ct_j -             \
   * sum_r At[i k + r] C[r ld + j] (rt may be NULL), or with momentum (not NULL) V <- mu V +       \
   * gain G, W_l -= rate V; updates colsum[l] and rowsum[l]; and, when next_rows > 0 (l = 1),      \
   * P <- U W_1 for the next inputs U (next_rows rows, given transposed: Ut[i next_rows + r]).     \
   * workspace: update_workspace(next_rows, threads) bytes, aligned. */                            \
  void kh_layered_update_##S(kh_layered *lay, size_t l, size_t k, const void *At, const void *C,   \
                             const void *rt, const void *ct, double step,                          \
                             const kh_layered_momentum *momentum, double lo, double hi,            \
                             size_t next_rows, const void *Ut, void *workspace, int threads);      \
  size_t kh_layered_update_workspace_##S(const kh_layered *lay, size_t next_rows, int threads);    \
  /* W from the elements (parameters from theta); then refresh. */                                 \
  void kh_layered_load_##S(kh_layered *lay, const double *theta);                                  \
  /* Conductance parameters of fully trainable layers back from W. */                              \
  void kh_layered_store_##S(const kh_layered *lay, double *theta);                                 \
  /* The same for arrays laid out like W (arrays[l] for layer l): values (.train order) from       \
   * them, and into them. */                                                                       \
  void kh_layered_from_layout_##S(const kh_layered *lay, void *const *arrays, double *values);     \
  void kh_layered_to_layout_##S(const kh_layered *lay, const double *values, void *const *arrays); \
  /* Copies rows [from, from + rows) to [to, ..) in every layer and in P. */                       \
  void kh_layered_copy_rows_##S(kh_layered *lay, size_t from, size_t to, size_t rows);             \
  /* Row r's node voltages into voltages (node_count values, fixed nodes from the circuit). */     \
  void kh_layered_export_##S(const kh_layered *lay, size_t r, double *voltages);                   \
  /* Row r's outputs. */                                                                           \
  void kh_layered_outputs_##S(const kh_layered *lay, size_t r, double *outputs);                   \
  /* Gradients (layered_adjoint.h): on batch vectors of layers 1..L (layer l at rows * off[l]). */ \
  void kh_layered_adjoint_setup_##S(const kh_layered *lay, size_t rows, const size_t *off,         \
                                    const double *targets, void *g, unsigned char *held,           \
                                    void *inv_diag, double *bound);                                \
  void kh_layered_adjoint_##S(const kh_layered *lay, size_t rows, const size_t *off, size_t total, \
                              const unsigned char *held, int method, unsigned k, double damping,   \
                              const void *g, void *lambda, void *work, const void *inv_diag,       \
                              double *scalars, unsigned *products);                                \
  void kh_layered_theta_gather_##S(const kh_layered *lay, size_t rows, const size_t *off,          \
                                   const void *lambda, double weight, int first, void *M,          \
                                   double *sums);                                                  \
  void kh_layered_theta_scatter_##S(const kh_layered *lay, int adjoint, double scale,              \
                                    double *grad, void *M, double *sums);                          \
  void kh_layered_keep_rows_##S(kh_layered *lay, size_t rows, const size_t *off, void *keep,       \
                                int back);                                                         \
  void kh_layered_itd_##S(kh_layered *lay, size_t rows, const size_t *off, unsigned T,             \
                          const double *targets, void *X, void *xbar, void *a, void *G,            \
                          double *grad);                                                           \
  void kh_layered_adjoint_step_##S(                                                                \
      kh_layered *lay, size_t rows, const size_t *off, const void *lambda, const double *step,     \
      const double *bias_step, double *theta, double lo, double hi, void *M, double *sums);
KH_LAYERED_KERNELS(f32)
KH_LAYERED_KERNELS(f64)

#define KH_LAYERED_CALL(lay, fn, ...)                                                              \
  ((lay)->precision == KH_PRECISION_SINGLE ? kh_layered_##fn##_f32(__VA_ARGS__)                    \
                                           : kh_layered_##fn##_f64(__VA_ARGS__))

#endif
