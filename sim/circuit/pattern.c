/* The reduced Laplacian's sparsity pattern (lower triangle, compressed columns, rows sorted,
 * diagonal first), built once per circuit. Each resistor remembers the slots it adds to, so a
 * new conductance vector refills values in O(nnz) without touching the pattern. */
#include "circuit_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t row;
  size_t resistor;
} entry;

static int by_row(const void *a, const void *b) {
  const entry *x = a, *y = b;
  return (x->row > y->row) - (x->row < y->row);
}

/* Edges: every resistor, then every smooth diode (in c->diodes order); the slot arrays also
 * hold the outputs' (for the nudge). */
static kh_status collect_edges(kh_context *ctx, kh_circuit *c) {
  size_t count = c->smooth_count + c->output_count;
  for (size_t i = 0; i < c->element_count; i++)
    if (c->kind[i] == KH_RESISTOR) count++;
  c->edges = kh_malloc((count + 1) * sizeof *c->edges);
  c->slot_a = kh_malloc((count + 1) * sizeof *c->slot_a);
  c->slot_b = kh_malloc((count + 1) * sizeof *c->slot_b);
  c->slot_ab = kh_malloc((count + 1) * sizeof *c->slot_ab);
  if (!c->edges || !c->slot_a || !c->slot_b || !c->slot_ab)
    return kh_fail_nomem(ctx, "building the Laplacian");
  for (size_t i = 0; i < c->element_count; i++)
    if (c->kind[i] == KH_RESISTOR) c->edges[c->resistor_count++] = (uint32_t)i;
  c->edge_count = c->resistor_count;
  for (size_t d = 0; d < c->diode_count; d++)
    if (c->diodes[d].kind != KH_DIODE_IDEAL) c->edges[c->edge_count++] = c->diodes[d].element;
  return KH_OK;
}

kh_status kh_circuit_build_pattern(kh_context *ctx, kh_circuit *c) {
  kh_status st = collect_edges(ctx, c);
  if (st != KH_OK) return st;
  size_t n = c->unknowns, nr = c->edge_count + c->output_count;
  size_t *count = kh_calloc(n + 1, sizeof *count);
  entry *entries = kh_malloc((nr + n + 1) * sizeof *entries);
  c->colptr = kh_malloc((n + 1) * sizeof *c->colptr);
  if (!count || !entries || !c->colptr) {
    kh_free(count), kh_free(entries);
    return kh_fail_nomem(ctx, "building the Laplacian");
  }
  /* Bucket off-diagonal entries by column (the smaller unknown). */
  for (size_t r = 0; r < nr; r++) {
    const uint32_t *end = kh_circuit_pattern_ends(c, r);
    int64_t a = c->unknown_of[end[0]], b = c->unknown_of[end[1]];
    if (a >= 0 && b >= 0 && a != b) count[(a < b ? a : b) + 1]++;
  }
  for (size_t j = 0; j < n; j++) count[j + 1] += count[j] + 1; /* +1: the diagonal */
  size_t total = count[n];
  size_t *next = kh_malloc((n + 1) * sizeof *next);
  if (!next) {
    kh_free(count), kh_free(entries);
    return kh_fail_nomem(ctx, "building the Laplacian");
  }
  for (size_t j = 0; j < n; j++) {
    entries[count[j]] = (entry){(int64_t)j, (size_t)-1};
    next[j] = count[j] + 1;
  }
  for (size_t r = 0; r < nr; r++) {
    const uint32_t *end = kh_circuit_pattern_ends(c, r);
    int64_t a = c->unknown_of[end[0]], b = c->unknown_of[end[1]];
    if (a >= 0 && b >= 0 && a != b) {
      int64_t col = a < b ? a : b, row = a < b ? b : a;
      entries[next[col]++] = (entry){row, r};
    }
  }
  kh_free(next);
  /* Sort each column's rows, merge parallel edges into one slot. */
  c->rowidx = kh_malloc((total + 1) * sizeof *c->rowidx);
  if (!c->rowidx) {
    kh_free(count), kh_free(entries);
    return kh_fail_nomem(ctx, "building the Laplacian");
  }
  size_t nnz = 0;
  for (size_t j = 0; j < n; j++) {
    size_t lo = count[j], hi = count[j + 1];
    qsort(entries + lo + 1, hi - lo - 1, sizeof *entries, by_row);
    c->colptr[j] = (int64_t)nnz;
    c->rowidx[nnz++] = (int64_t)j;
    for (size_t k = lo + 1; k < hi; k++) {
      if (c->rowidx[nnz - 1] != entries[k].row) c->rowidx[nnz++] = entries[k].row;
      c->slot_ab[entries[k].resistor] = (int64_t)nnz - 1;
    }
  }
  c->colptr[n] = (int64_t)nnz;
  c->nnz = nnz;
  kh_free(count), kh_free(entries);
  /* Diagonal slots of each resistor's ends, and -1 where an end is fixed or both ends share
   * an unknown (a resistor across a floating voltage source carries no unknown). */
  for (size_t r = 0; r < nr; r++) {
    const uint32_t *end = kh_circuit_pattern_ends(c, r);
    int64_t a = c->unknown_of[end[0]], b = c->unknown_of[end[1]];
    int coupled = a >= 0 && b >= 0 && a != b;
    if (!coupled) c->slot_ab[r] = -1;
    c->slot_a[r] = a >= 0 && a != b ? c->colptr[a] : -1;
    c->slot_b[r] = b >= 0 && a != b ? c->colptr[b] : -1;
  }
  return KH_OK;
}

/* Adds conductance g (weighted: see circuit_impl.h) of pattern entry r to the matrix values. */
static inline void add_edge(const kh_circuit *c, double *ax, size_t r, double g) {
  const uint32_t *end = kh_circuit_pattern_ends(c, r);
  if (c->slot_a[r] >= 0) ax[c->slot_a[r]] += g * c->kw[end[0]] * c->coef[end[0]];
  if (c->slot_b[r] >= 0) ax[c->slot_b[r]] += g * c->kw[end[1]] * c->coef[end[1]];
  if (c->slot_ab[r] >= 0) ax[c->slot_ab[r]] -= g * c->kw[end[0]] * c->coef[end[1]];
}

void kh_circuit_add_edge(const kh_circuit *c, double *ax, size_t r, double g) {
  add_edge(c, ax, r, g);
}

void kh_circuit_fill_laplacian(const kh_circuit *c, double *ax) {
  memset(ax, 0, c->nnz * sizeof *ax);
  for (size_t r = 0; r < c->resistor_count; r++) add_edge(c, ax, r, c->value[c->edges[r]]);
  if (c->beta == 0) return;
  /* the nudge is unweighted (a term of the energy itself): beta coef_a coef_b */
  for (size_t r = c->edge_count; r < c->edge_count + c->output_count; r++) {
    const uint32_t *end = kh_circuit_pattern_ends(c, r);
    if (c->slot_a[r] >= 0) ax[c->slot_a[r]] += c->beta * c->coef[end[0]] * c->coef[end[0]];
    if (c->slot_b[r] >= 0) ax[c->slot_b[r]] += c->beta * c->coef[end[1]] * c->coef[end[1]];
    if (c->slot_ab[r] >= 0) ax[c->slot_ab[r]] -= c->beta * c->coef[end[0]] * c->coef[end[1]];
  }
}
