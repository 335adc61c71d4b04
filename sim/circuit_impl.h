/* The assembled circuit (private to sim/). Voltage sources are eliminated: every node is either
 * fixed (its voltage follows from ground through sources) or tied to an unknown with
 * v(node) = x[unknown_of[node]] + offset[node]; nodes joined by floating sources share one
 * unknown (a supernode). What remains is a symmetric positive definite weighted Laplacian. */
#ifndef KH_SIM_CIRCUIT_IMPL_H
#define KH_SIM_CIRCUIT_IMPL_H

#include "kirchhoff/circuit.h"

#include <stdint.h>

typedef struct {
  uint32_t node, parent, source; /* v(node) = v(parent) + sign * value(source) */
  int sign;
} kh_tree_step;

struct kh_circuit {
  const kh_netlist *nl;
  size_t node_count, element_count, unknowns;
  int64_t *unknown_of; /* per node: unknown index, or -1 for a fixed node */
  double *offset;      /* per node: see above, or the fixed voltage */
  double *value;       /* per element: conductance for R, volts/amperes for V/I */
  uint8_t *kind;       /* per element: kh_element_kind (hot loops skip the netlist) */
  uint32_t (*ends)[2]; /* per element: node_pos, node_neg */
  kh_tree_step *tree;  /* spanning forest of the voltage sources, parents first */
  size_t tree_count;
  /* resistors and the lower triangle of the reduced Laplacian (compressed columns) */
  uint32_t *resistors; /* element indices */
  size_t resistor_count;
  int64_t *colptr, *rowidx;
  size_t nnz;
  int64_t *slot_a, *slot_b, *slot_ab; /* per resistor: diagonal/off-diagonal slots, or -1 */
  unsigned conductance_version;       /* bumps when a conductance changes */
};

/* Recomputes offsets of every node from the voltage-source values. */
void kh_circuit_update_offsets(kh_circuit *c);
/* Builds the Laplacian's pattern (colptr, rowidx, slots); called once by kh_circuit_new. */
kh_status kh_circuit_build_pattern(kh_context *ctx, kh_circuit *c);
/* Writes the Laplacian's values into ax (nnz entries, pattern order). */
void kh_circuit_fill_laplacian(const kh_circuit *c, double *ax);
/* Right-hand side of the reduced system (length unknowns). */
void kh_circuit_fill_rhs(const kh_circuit *c, double *b);
/* Residual of the reduced system at x, b - A x, summed element by element in long double (see
 * refine() in sparse.c for why). Returns -1 when out of memory. */
int kh_circuit_residual(const kh_circuit *c, const double *x, double *r);
/* Node voltages from the reduced solution x. */
void kh_circuit_expand(const kh_circuit *c, const double *x, double *voltages);
/* KCL check of node voltages: largest imbalance (A) and that over the largest sum of current
 * magnitudes at a node. work: `unknowns` doubles, two arrays. */
void kh_circuit_kcl(const kh_circuit *c, const double *voltages, double *work_sum,
                    double *work_scale, double *residual, double *relative);

#endif
