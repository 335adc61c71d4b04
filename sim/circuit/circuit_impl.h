/* The assembled circuit (private to sim/). Voltage sources are eliminated: every node is either
 * fixed (its voltage follows from ground through sources) or tied to an unknown with
 * v(node) = x[unknown_of[node]] + offset[node]; nodes joined by floating sources share one
 * unknown (a supernode). What remains is a symmetric positive definite weighted Laplacian. */
#ifndef KH_SIM_CIRCUIT_IMPL_H
#define KH_SIM_CIRCUIT_IMPL_H

#include "core/context.h"
#include "diode.h"
#include "kirchhoff/circuit.h"

#include <stdint.h>

typedef struct {
  uint32_t node, parent, source; /* v(node) = mult * v(parent) + sign * value(source) */
  int sign;                      /* 0 for an amplifier's step (source unused) */
  double mult;                   /* 1 across a voltage source; A or 1/A across an amplifier */
} kh_tree_step;

struct kh_circuit {
  const kh_netlist *nl;
  size_t node_count, element_count, unknowns;
  int64_t *unknown_of; /* per node: unknown index, or -1 for a fixed node */
  double *offset;      /* per node: see above, or the fixed voltage */
  /* Amplifiers (kh_amplifier) slave their output to their input: v(node) = coef * x[u] + offset,
   * coef = 1 except behind amplifiers. They also make the circuit non-reciprocal; the energy the
   * solver minimizes weighs each element by its domain's weight (1/A^2 per amplifier stage,
   * docs/algorithms.md). kw = weight * coef is the factor by which a current leaving a node
   * enters its unknown's gradient; kf = kw / (weight of the unknown's own node) turns that back
   * into a physical current for the KCL certificate (1/A at an amplifier's output). */
  double *coef, *weight, *kw, *kf;
  double *value;       /* per element: conductance for R, volts/amperes for V/I */
  uint8_t *kind;       /* per element: kh_element_kind (hot loops skip the netlist) */
  uint32_t (*ends)[2]; /* per element: node_pos, node_neg */
  kh_tree_step *tree;  /* spanning forest of the voltage sources, parents first */
  size_t tree_count;
  /* Edges of the reduced system: resistors first, then smooth (Shockley and PWL) diodes, whose
   * conductance enters the Newton Hessian at the same places. Lower triangle of the reduced
   * Laplacian's pattern in compressed columns. */
  uint32_t *edges; /* element indices */
  size_t resistor_count, edge_count;
  int64_t *colptr, *rowidx;
  size_t nnz;
  int64_t *slot_a, *slot_b, *slot_ab; /* per edge: diagonal/off-diagonal slots, or -1 */
  /* Diodes: smooth ones are edges resistor_count.. in order; ideal ones bound one unknown. */
  kh_diode *diodes;
  size_t diode_count, smooth_count;
  uint32_t *ideal;        /* indices into diodes of the ideal ones */
  int64_t *ideal_unknown; /* per ideal diode: the bounded unknown, or -1 (both ends fixed) */
  int8_t *ideal_sign;     /* +1: anode free (upper bound), -1: cathode free (lower bound) */
  size_t ideal_count;
  size_t pinned_count; /* nodes of inert islands held at 0 V (assemble.c) */
  uint32_t first_pinned;
  size_t augmented_count;       /* ideal diodes between two free nodes (diode.h: augmented) */
  unsigned conductance_version; /* bumps when a conductance (or the nudge strength) changes */
  unsigned param_version;       /* bumps when a conductance or a source value changes */
  /* The nudge of equilibrium propagation: E += beta/2 sum_k (v(out_k) - target_k)^2, a
   * conductance beta from each read-out to its target voltage. The outputs' Laplacian slots
   * follow the edges' in slot_a/slot_b/slot_ab (index edge_count + k). */
  size_t output_count;
  uint32_t (*out_ends)[2];
  double beta, *target;
};

/* Voltage of a node at reduced solution x (x may be NULL when the node is fixed). */
static inline double kh_circuit_node_voltage(const kh_circuit *c, uint32_t node, const double *x) {
  int64_t u = c->unknown_of[node];
  return c->offset[node] + (u >= 0 ? c->coef[node] * x[u] : 0.0);
}

/* Domains and energy weights of the amplifiers' stages (after eliminate_sources). */
kh_status kh_circuit_build_weights(kh_context *ctx, kh_circuit *c);

/* The two nodes of pattern entry r: an edge (r < edge_count) or an output. */
static inline const uint32_t *kh_circuit_pattern_ends(const kh_circuit *c, size_t r) {
  return r < c->edge_count ? c->ends[c->edges[r]] : c->out_ends[r - c->edge_count];
}
/* Current the nudge draws out of output k's positive node at node voltages va, vb. */
static inline double kh_circuit_nudge_current(const kh_circuit *c, size_t k, double va, double vb) {
  return c->beta * (va - vb - c->target[k]);
}

/* Builds the diode records (after eliminate_sources: ideal ones need unknown_of). */
kh_status kh_circuit_build_diodes(kh_context *ctx, kh_circuit *c);
/* Sets the penalty of the ideal diodes between free nodes: factor times the largest conductance
 * at their ends. */
kh_status kh_circuit_augment_rho(kh_context *ctx, kh_circuit *c, double factor);
/* Junction voltage of diode d at reduced solution x (x may be NULL when d has no unknown). */
double kh_circuit_diode_voltage(const kh_circuit *c, const kh_diode *d, const double *x);
/* A junction between two fixed nodes: its voltage is a constant of the circuit, its current the
 * sources' to supply. The co-content leaves it out (it can add ~1e68, a diode across a 5 V
 * source) and Newton's trust regions ignore it. */
static inline int kh_circuit_junction_fixed(const kh_circuit *c, const kh_diode *d) {
  return c->unknown_of[c->ends[d->element][0]] < 0 && c->unknown_of[c->ends[d->element][1]] < 0;
}

/* Recomputes offsets of every node from the voltage-source values. */
void kh_circuit_update_offsets(kh_circuit *c);
/* Builds the Laplacian's pattern (colptr, rowidx, slots); called once by kh_circuit_new. */
kh_status kh_circuit_build_pattern(kh_context *ctx, kh_circuit *c);
/* Adds conductance g across pattern entry r (an edge), weighted and scaled by the nodes'
 * coefficients. */
void kh_circuit_add_edge(const kh_circuit *c, double *ax, size_t r, double g);
/* The co-content (weighted, without the constant terms of elements between fixed nodes; inf
 * when a junction overflows), its gradient (A x - b plus the smooth diodes' currents: what each
 * unknown's nodes send out) and Hessian values (pattern order), the junctions evaluated exactly or,
 * with trusted = 1, inside their trust regions as Newton keeps them (diode.h). 0; 1 when a junction
 * overflows; -1 (gradient) out of memory. */
long double kh_circuit_co_content_energy(const kh_circuit *c, const double *x, int trusted);
int kh_circuit_co_content_gradient(const kh_circuit *c, const double *x, int trusted, double *grad);
int kh_circuit_co_content_hessian(const kh_circuit *c, const double *x, int trusted,
                                  double *values);
/* Writes the Laplacian's values into ax (nnz entries, pattern order). */
void kh_circuit_fill_laplacian(const kh_circuit *c, double *ax);
/* Right-hand side of the reduced system (length unknowns). */
void kh_circuit_fill_rhs(const kh_circuit *c, double *b);
/* KCL check of node voltages, diodes included: largest imbalance (A) and, over the largest
 * sum of current magnitudes at a node, the largest imbalance above the node's round-off floor
 * (circuit.c: 1e-12 of (1 V + the largest |v|) through the node's conductances); *violation the
 * largest v - vth of an ideal diode. Ideal diodes within vtol of their threshold may carry any
 * forward current. work: three arrays of `unknowns` doubles. */
void kh_circuit_kcl(const kh_circuit *c, const double *voltages, double vtol, double *work_sum,
                    double *work_scale, double *work_conductance, double *residual,
                    double *relative, double *violation);

/* Fails with "file:line:col: message" at the element's card (assemble.c). */
kh_status kh_fail_at_element(kh_context *ctx, const kh_netlist *nl, size_t element, kh_status st,
                             const char *fmt, ...) KH_PRINTF(5, 6);

/* Every element's value as the circuit stands (trained conductances, driven inputs), in the
 * netlist's units (ohms for resistors): what a netlist writer or general Newton reads. */
void kh_circuit_element_values(const kh_circuit *c, double *values);

#endif
