/* The layered backend's state (private to sim/ and learning/): the detected layers, their
 * conductance matrices and per-node terms in the working precision, and the kernels that sweep
 * them, compiled once per precision from layered_kernels.h. */
#ifndef KH_SIM_LAYERED_IMPL_H
#define KH_SIM_LAYERED_IMPL_H

#include "kirchhoff/layered.h"

#include <stdint.h>

enum { KH_LAYERED_MAX = 16 };
/* Columns per block of the fused update: a block's rows of the gradient factors and of the next
 * input product stay in L1. */
enum { KH_LAYERED_BLOCK = 256 };

typedef struct {
  uint32_t layer; /* l >= 1: conductance entry of W_l; bias: the node's layer */
  int bias;       /* a current source (else a resistor) */
  int sign;       /* bias: +1 when the source pushes its current into the node */
  size_t entry;   /* W_l index (i * width[l] + j), or the node's index in its layer */
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
  size_t params;
  int full[KH_LAYERED_MAX + 1]; /* every entry of W_l is exactly one trainable resistor */
  /* Working precision (float or double): W_l (width[l-1] x width[l], row-major), and per
   * node of layers 1..L: diag (sum of conductances), cst (current in), lo and hi (bounds). */
  void *W[KH_LAYERED_MAX + 1];
  void *colsum[KH_LAYERED_MAX + 1], *rowsum[KH_LAYERED_MAX + 1]; /* of W_l */
  void *rowsum_blocks; /* partial row sums of one update, per column block */
  void *diag[KH_LAYERED_MAX + 1], *cst[KH_LAYERED_MAX + 1];
  void *lo[KH_LAYERED_MAX + 1], *hi[KH_LAYERED_MAX + 1];
  /* State, rows_max rows per layer: V[0] the input voltages, V[l] the node voltages. P holds
   * V[0] W_1 (the inputs are clamped: the same in every sweep). work: one layer's sums. */
  void *V[KH_LAYERED_MAX + 1], *P, *work;
  double *beta_row, *target_row; /* per row: nudge and targets (outputs each) */
  double input_scale;            /* largest input voltage magnitude of the last drive */
};

/* Kernels, one set per precision (suffix _f32, _f64). rows <= rows_max. */
#define KH_LAYERED_KERNELS(S)                                                                      \
  /* V[0] <- input voltages of features x (rows x features); P <- V[0] W_1. */                     \
  void kh_layered_drive_##S(kh_layered *lay, size_t rows, const double *x);                        \
  /* One sweep (odd layers, then even ones) with per-row nudges beta_row / target_row. Returns     \
   * the largest voltage change. */                                                                \
  double kh_layered_sweep_##S(kh_layered *lay, size_t rows);                                       \
  /* KKT residual of the state (kh_layered_stats.relative_residual). */                            \
  double kh_layered_residual_##S(kh_layered *lay, size_t rows);                                    \
  /* diag and cst of every layer from the sums of W (recomputed first when sums = 1), leak,        \
   * fixed and the bias parameters theta. */                                                       \
  void kh_layered_refresh_##S(kh_layered *lay, const double *theta, int sums);                     \
  /* SGD step on W_l, fused: W_l -= step * G clipped to [lo, hi], G_ij = rt_i + ct_j -             \
   * sum_r At[i k + r] C[r w + j] (rt may be NULL); updates colsum[l] and rowsum[l]; and, when     \
   * next_rows > 0 (l = 1), P <- U W_1 for the next inputs U (next_rows rows, given transposed:    \
   * Ut[i next_rows + r]). Columns go to threads in fixed blocks: the result does not depend on    \
   * the number of threads. */                                                                     \
  void kh_layered_update_##S(kh_layered *lay, size_t l, size_t k, const void *At, const void *C,   \
                             const void *rt, const void *ct, double step, double lo, double hi,    \
                             size_t next_rows, const void *Ut, int threads);                       \
  /* W from the elements (parameters from theta); then refresh. */                                 \
  void kh_layered_load_##S(kh_layered *lay, const double *theta);                                  \
  /* Conductance parameters back from W. */                                                        \
  void kh_layered_store_##S(const kh_layered *lay, double *theta);                                 \
  /* Copies the state of rows [from, from + rows) to [to, ..) in every layer. */                   \
  void kh_layered_copy_rows_##S(kh_layered *lay, size_t from, size_t to, size_t rows);             \
  /* Row r's node voltages into voltages (node_count values, fixed nodes from the circuit). */     \
  void kh_layered_export_##S(const kh_layered *lay, size_t r, double *voltages);                   \
  /* Row r's outputs. */                                                                           \
  void kh_layered_outputs_##S(const kh_layered *lay, size_t r, double *outputs);
KH_LAYERED_KERNELS(f32)
KH_LAYERED_KERNELS(f64)

#define KH_LAYERED_CALL(lay, fn, ...)                                                              \
  ((lay)->precision == KH_PRECISION_SINGLE ? kh_layered_##fn##_f32(__VA_ARGS__)                    \
                                           : kh_layered_##fn##_f64(__VA_ARGS__))

#endif
