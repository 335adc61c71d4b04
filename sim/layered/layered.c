/* The layered backend: detects the layers of a circuit, holds them in the working precision and
 * solves minibatches by exact block-coordinate descent (kernels in layered_kernels.h). */
#include "layered_impl.h"

#include "../circuit/circuit_impl.h"
#include "core/alloc.h"
#include "core/context.h"
#include "core/crew.h"

#include <math.h>
#include <string.h>

static const char *node_name(const kh_circuit *c, size_t node) {
  return kh_netlist_node_name(c->nl, node);
}
static const char *element_name(const kh_circuit *c, size_t e) {
  return kh_netlist_element(c->nl, e).name;
}

void kh_layered_free(kh_layered *lay) {
  if (!lay) return;
  if (lay->gradient) lay->gradient_free(lay->gradient);
  for (size_t l = 0; l <= KH_LAYERED_MAX; l++) {
    kh_free(lay->node[l]), kh_free(lay->leak[l]), kh_free(lay->fixed[l]);
    kh_aligned_free(lay->W[l]), kh_aligned_free(lay->colsum[l]), kh_aligned_free(lay->rowsum[l]);
    kh_aligned_free(lay->diag[l]), kh_aligned_free(lay->cst[l]), kh_aligned_free(lay->lo[l]);
    kh_aligned_free(lay->hi[l]), kh_aligned_free(lay->V[l]);
  }
  kh_free(lay->drive_feature), kh_free(lay->drive_gain), kh_free(lay->out_of);
  kh_free(lay->out_index), kh_free(lay->elements), kh_free(lay->param), kh_free(lay->bias);
  kh_free(lay->theta), kh_free(lay->loose);
  kh_aligned_free(lay->P), kh_aligned_free(lay->work);
  kh_free(lay->beta_row), kh_free(lay->target_row), kh_free(lay->chunk_change);
  kh_crew_free(lay->crew);
  kh_free(lay);
}

void kh_layered_set_threads(kh_layered *lay, int threads) {
  kh_crew_free(lay->crew);
  lay->threads = threads > 1 ? threads : 1;
  lay->crew = kh_crew_new(lay->threads - 1); /* NULL: the caller alone, the same results */
}

/* Row stride for width n (see ld in layered_impl.h). */
static size_t padded(size_t n, size_t real) {
  size_t line = 64 / real, ld = (n + line - 1) / line * line;
  return ld * real % 4096 == 0 ? ld + line : ld;
}

/* Scratch of the detection, per netlist node. */
typedef struct {
  int32_t *layer;  /* 0: input node, 1..L: free, -1: fixed (not an input) or not yet reached */
  int32_t *index;  /* position in its layer */
  int32_t *input;  /* layer-0 index, or -1 */
  size_t *queue;   /* breadth-first order of the free nodes */
  size_t *adj_ptr; /* free-free resistors per node (compressed) */
  size_t *adj;
} scan;

static void scan_free(scan *s) {
  kh_free(s->layer), kh_free(s->index), kh_free(s->input), kh_free(s->queue);
  kh_free(s->adj_ptr), kh_free(s->adj);
}

static int is_free(const kh_circuit *c, size_t node) {
  return c->unknown_of[node] >= 0;
}

/* What breaks the layered structure before any layers are looked at. */
static kh_status check_elements(kh_context *ctx, const kh_circuit *c) {
  if (kh_netlist_amplifier_count(c->nl))
    return kh_fail(ctx, KH_ERR_INPUT, "not layered: the circuit has amplifiers");
  if (c->smooth_count)
    return kh_fail(ctx, KH_ERR_INPUT,
                   "not layered: Shockley or piecewise-linear diodes (the "
                   "layered backend solves resistors and ideal diodes)");
  if (c->augmented_count)
    return kh_fail(ctx, KH_ERR_INPUT, "not layered: an ideal diode joins two free nodes");
  if (!kh_netlist_input_count(c->nl) || !kh_netlist_output_count(c->nl))
    return kh_fail(ctx, KH_ERR_INPUT,
                   "not layered: the layers start at .input sources and end "
                   "at .output nodes, and this netlist lacks one of the cards");
  size_t *seen = kh_calloc(c->unknowns + 1, sizeof *seen);
  if (!seen) return kh_fail_nomem(ctx, "detecting layers");
  kh_status st = KH_OK;
  for (size_t node = 0; st == KH_OK && node < c->node_count; node++) {
    int64_t u = c->unknown_of[node];
    if (u >= 0 && (seen[u]++ || c->coef[node] != 1 || c->offset[node] != 0))
      st = kh_fail(ctx, KH_ERR_INPUT,
                   "not layered: node %s shares its voltage with another through a floating "
                   "voltage source",
                   node_name(c, node));
  }
  kh_free(seen);
  return st;
}

/* Layer 0: the nodes the .input sources drive from ground. */
static kh_status find_inputs(kh_context *ctx, kh_layered *lay, scan *s) {
  const kh_circuit *c = lay->c;
  size_t F = kh_netlist_input_count(c->nl), n0 = 0;
  double gain = kh_netlist_input_gain(c->nl);
  lay->features = F;
  lay->drive_feature = kh_malloc(2 * F * sizeof *lay->drive_feature);
  lay->drive_gain = kh_malloc(2 * F * sizeof *lay->drive_gain);
  lay->node[0] = kh_malloc(2 * F * sizeof *lay->node[0]);
  if (!lay->drive_feature || !lay->drive_gain || !lay->node[0])
    return kh_fail_nomem(ctx, "detecting layers");
  for (size_t i = 0; i < F; i++) {
    kh_input in = kh_netlist_input(c->nl, i);
    size_t sources[2] = {in.source, in.negated};
    for (int k = 0; k < 2 && sources[k] != (size_t)-1; k++) {
      kh_element e = kh_netlist_element(c->nl, sources[k]);
      size_t node = e.node_neg == 0 ? e.node_pos : e.node_neg;
      double sign = e.node_neg == 0 ? 1.0 : -1.0;
      if ((e.node_pos != 0) == (e.node_neg != 0) || s->layer[node] == 0)
        return kh_fail_at_element(
            ctx, c->nl, sources[k], KH_ERR_INPUT,
            "not layered: input source %s must drive its own node from ground", e.name);
      s->layer[node] = 0, s->input[node] = (int32_t)n0;
      lay->node[0][n0] = (uint32_t)node;
      lay->drive_feature[n0] = (uint32_t)i;
      lay->drive_gain[n0++] = sign * (k ? -gain : gain);
    }
  }
  lay->width[0] = n0;
  for (size_t t = 0; t < c->tree_count; t++)
    if (s->layer[c->tree[t].parent] == 0 && c->tree[t].parent != 0)
      return kh_fail(ctx, KH_ERR_INPUT, "not layered: a source sits on input node %s",
                     node_name(c, c->tree[t].parent));
  return KH_OK;
}

/* Breadth-first layers from the inputs over resistors. */
static kh_status assign_layers(kh_context *ctx, kh_layered *lay, scan *s) {
  const kh_circuit *c = lay->c;
  size_t N = c->node_count, head = 0, tail = 0;
  s->adj_ptr = kh_calloc(N + 2, sizeof *s->adj_ptr);
  s->adj = kh_malloc((2 * c->element_count + 1) * sizeof *s->adj);
  if (!s->adj_ptr || !s->adj) return kh_fail_nomem(ctx, "detecting layers");
  for (size_t e = 0; e < c->element_count; e++)
    if (c->kind[e] == KH_RESISTOR)
      for (int k = 0; k < 2; k++) s->adj_ptr[c->ends[e][k] + 2]++;
  for (size_t n = 0; n < N; n++) s->adj_ptr[n + 2] += s->adj_ptr[n + 1];
  for (size_t e = 0; e < c->element_count; e++)
    if (c->kind[e] == KH_RESISTOR)
      for (int k = 0; k < 2; k++) s->adj[s->adj_ptr[c->ends[e][k] + 1]++] = c->ends[e][1 - k];
  for (size_t i = 0; i < lay->width[0]; i++) {
    size_t in = lay->node[0][i];
    for (size_t a = s->adj_ptr[in]; a < s->adj_ptr[in + 1]; a++)
      if (is_free(c, s->adj[a]) && s->layer[s->adj[a]] < 0)
        s->layer[s->adj[a]] = 1, s->queue[tail++] = s->adj[a];
  }
  while (head < tail) {
    size_t node = s->queue[head++];
    for (size_t a = s->adj_ptr[node]; a < s->adj_ptr[node + 1]; a++)
      if (is_free(c, s->adj[a]) && s->layer[s->adj[a]] < 0) {
        if (s->layer[node] + 1 > KH_LAYERED_MAX)
          return kh_fail(ctx, KH_ERR_INPUT, "not layered: more than %d layers", KH_LAYERED_MAX);
        s->layer[s->adj[a]] = s->layer[node] + 1, s->queue[tail++] = s->adj[a];
      }
  }
  for (size_t node = 0; node < N; node++)
    if (is_free(c, node) && s->layer[node] < 0)
      return kh_fail(ctx, KH_ERR_INPUT,
                     "not layered: node %s is not reached from the inputs through resistors",
                     node_name(c, node));
  for (size_t node = 0; node < N; node++)
    if (s->layer[node] > 0)
      lay->depth = (size_t)s->layer[node] > lay->depth ? (size_t)s->layer[node] : lay->depth;
  for (size_t node = 0; node < N; node++) /* node order within a layer */
    if (s->layer[node] > 0) s->index[node] = (int32_t)lay->width[s->layer[node]]++;
  for (size_t l = 0; l <= lay->depth; l++) {
    lay->ld[l] = padded(lay->width[l], lay->real);
    lay->max_ld = lay->ld[l] > lay->max_ld ? lay->ld[l] : lay->max_ld;
  }
  for (size_t l = 1; l <= lay->depth; l++) {
    lay->node[l] = kh_malloc(lay->width[l] * sizeof *lay->node[l]);
    lay->leak[l] = kh_calloc(lay->width[l], sizeof *lay->leak[l]);
    lay->fixed[l] = kh_calloc(lay->width[l], sizeof *lay->fixed[l]);
    if (!lay->node[l] || !lay->leak[l] || !lay->fixed[l])
      return kh_fail_nomem(ctx, "detecting layers");
  }
  for (size_t node = 0; node < N; node++)
    if (s->layer[node] > 0) lay->node[s->layer[node]][s->index[node]] = (uint32_t)node;
  return KH_OK;
}

/* A resistor: a W entry, a leak, or nothing the free nodes feel. */
static kh_status place_resistor(kh_context *ctx, kh_layered *lay, scan *s, size_t e, long param) {
  const kh_circuit *c = lay->c;
  size_t a = c->ends[e][0], b = c->ends[e][1];
  int la = s->layer[a], lb = s->layer[b];
  if (la > lb || (la == lb && a > b)) { /* a: the lower layer */
    size_t t = a;
    a = b, b = t;
    int u = la;
    la = lb, lb = u;
  }
  double g = c->value[e];
  if (lb <= 0) { /* no free end */
    if (param >= 0)
      return kh_fail_at_element(ctx, c->nl, e, KH_ERR_INPUT,
                                "not layered: trainable resistor %s has no free node",
                                element_name(c, e));
    return KH_OK;
  }
  if (la < 0) { /* a fixed node that is not an input: a leak */
    if (param >= 0)
      return kh_fail_at_element(ctx, c->nl, e, KH_ERR_INPUT,
                                "not layered: trainable resistor %s joins node %s to a fixed node",
                                element_name(c, e), node_name(c, b));
    lay->leak[lb][s->index[b]] += g;
    lay->fixed[lb][s->index[b]] += g * c->offset[a];
    return KH_OK;
  }
  if (lb != la + 1)
    return kh_fail_at_element(ctx, c->nl, e, KH_ERR_INPUT,
                              "not layered: resistor %s joins layers %d and %d", element_name(c, e),
                              la, lb);
  size_t i = la ? (size_t)s->index[a] : (size_t)s->input[a], j = (size_t)s->index[b];
  lay->elements[lay->element_count++] = (kh_layered_element){
      {(uint32_t)lb, 0, 0, i * lay->ld[lb] + j, (uint32_t)i, (uint32_t)j}, g, param};
  return KH_OK;
}

static kh_status place_current(kh_context *ctx, kh_layered *lay, scan *s, size_t e, long param) {
  const kh_circuit *c = lay->c;
  size_t pos = c->ends[e][0], neg = c->ends[e][1];
  double I = c->value[e]; /* flows from pos through the source into neg */
  if (is_free(c, pos) && is_free(c, neg) && param >= 0)
    return kh_fail_at_element(ctx, c->nl, e, KH_ERR_INPUT,
                              "not layered: trainable current source %s joins two free nodes",
                              element_name(c, e));
  for (int k = 0; k < 2; k++) {
    size_t node = k ? neg : pos;
    if (!is_free(c, node)) continue;
    int sign = k ? 1 : -1;
    size_t l = (size_t)s->layer[node], j = (size_t)s->index[node];
    if (param >= 0)
      lay->elements[lay->element_count++] =
          (kh_layered_element){{(uint32_t)l, 1, sign, j, 0, 0}, I, param};
    else
      lay->fixed[l][j] += sign * I;
  }
  return KH_OK;
}

static kh_status place_elements(kh_context *ctx, kh_layered *lay, scan *s) {
  const kh_circuit *c = lay->c;
  const kh_netlist *nl = c->nl;
  size_t P = kh_netlist_trainable_count(nl);
  long *param_of = kh_malloc((c->element_count + 1) * sizeof *param_of);
  lay->elements = kh_malloc((2 * c->element_count + 1) * sizeof *lay->elements);
  lay->param = kh_calloc(P + 1, sizeof *lay->param);
  if (!param_of || !lay->elements || !lay->param) {
    kh_free(param_of);
    return kh_fail_nomem(ctx, "detecting layers");
  }
  for (size_t e = 0; e < c->element_count; e++) param_of[e] = -1;
  for (size_t p = 0; p < P; p++) param_of[kh_netlist_trainable(nl, p)] = (long)p;
  lay->params = P;
  kh_status st = KH_OK;
  for (size_t e = 0; st == KH_OK && e < c->element_count; e++) {
    if (c->kind[e] == KH_RESISTOR) st = place_resistor(ctx, lay, s, e, param_of[e]);
    if (c->kind[e] == KH_ISOURCE) st = place_current(ctx, lay, s, e, param_of[e]);
  }
  kh_free(param_of);
  for (size_t k = 0; st == KH_OK && k < c->ideal_count; k++) {
    const kh_diode *d = &c->diodes[c->ideal[k]];
    for (int end = 0; end < 2; end++)
      if (s->layer[c->ends[d->element][end]] == 0 && c->ends[d->element][end] != 0)
        st = kh_fail_at_element(ctx, c->nl, d->element, KH_ERR_INPUT,
                                "not layered: diode %s touches an input node",
                                element_name(c, d->element));
  }
  return st;
}

/* lay->dense and lay->loose (layered_impl.h), once full is known. */
static kh_status find_dense(kh_context *ctx, kh_layered *lay) {
  for (size_t l = 1; l <= lay->depth; l++) {
    lay->dense[l] = -1;
    if (!lay->full[l]) continue;
    size_t n = lay->width[l], first = lay->params;
    for (size_t p = 0; p < lay->params; p++)
      if (!lay->param[p].bias && lay->param[p].layer == l && p < first) first = p;
    size_t m = lay->width[l - 1];
    for (int order = 0; order < 2 && lay->dense[l] < 0; order++) { /* row-major, column-major */
      int dense = first + m * n <= lay->params;
      for (size_t k = 0; dense && k < m * n; k++) {
        const kh_layered_slot *s = &lay->param[first + k];
        size_t i = order ? k % m : k / n, j = order ? k / m : k % n;
        dense = !s->bias && s->layer == l && s->i == i && s->j == j;
      }
      if (dense)
        lay->dense[l] = (long)first, lay->dense_si[l] = order ? 1 : n,
        lay->dense_sj[l] = order ? m : 1;
    }
  }
  if (!(lay->loose = kh_malloc((lay->params + 1) * sizeof *lay->loose)))
    return kh_fail_nomem(ctx, "detecting layers");
  for (size_t p = 0; p < lay->params; p++) {
    const kh_layered_slot *s = &lay->param[p];
    if (s->bias || lay->dense[s->layer] < 0) lay->loose[lay->loose_count++] = p;
  }
  return KH_OK;
}

/* Which entries of W_l are exactly one trainable resistor (the fast training path's
 * assumption), and the parameter slots. */
static kh_status map_params(kh_context *ctx, kh_layered *lay) {
  for (size_t l = 1; l <= lay->depth; l++) lay->full[l] = 1;
  uint8_t *count[KH_LAYERED_MAX + 1] = {0};
  kh_status st = KH_OK;
  for (size_t l = 1; st == KH_OK && l <= lay->depth; l++)
    if (!(count[l] = kh_calloc(lay->width[l - 1] * lay->ld[l] + 1, 1)))
      st = kh_fail_nomem(ctx, "detecting layers");
  for (size_t e = 0; st == KH_OK && e < lay->element_count; e++) {
    const kh_layered_element *el = &lay->elements[e];
    if (el->param >= 0) lay->param[el->param] = el->slot;
    if (el->slot.bias) continue;
    uint8_t *n = &count[el->slot.layer][el->slot.entry];
    if (el->param < 0 || *n) lay->full[el->slot.layer] = 0;
    if (*n < 255) (*n)++;
  }
  for (size_t l = 1; l <= lay->depth; l++) {
    for (size_t i = 0; st == KH_OK && i < lay->width[l - 1]; i++)
      for (size_t j = 0; j < lay->width[l]; j++)
        if (!count[l][i * lay->ld[l] + j]) lay->full[l] = 0;
    kh_free(count[l]);
  }
  if (st == KH_OK && !(lay->bias = kh_malloc((lay->params + 1) * sizeof *lay->bias)))
    st = kh_fail_nomem(ctx, "detecting layers");
  for (size_t l = 1; st == KH_OK && l <= lay->depth; l++)
    for (size_t p = 0; p < lay->params; p++)
      if (lay->param[p].bias && lay->param[p].layer == l) lay->bias[lay->bias_count++] = p;
  return st == KH_OK ? find_dense(ctx, lay) : st;
}

static kh_status find_outputs(kh_context *ctx, kh_layered *lay, const scan *s) {
  const kh_circuit *c = lay->c;
  size_t L = lay->depth, K = kh_netlist_output_count(c->nl);
  lay->outputs = K;
  lay->out_of = kh_malloc((lay->width[L] + 1) * sizeof *lay->out_of);
  lay->out_index = kh_malloc(K * sizeof *lay->out_index);
  if (!lay->out_of || !lay->out_index) return kh_fail_nomem(ctx, "detecting layers");
  for (size_t j = 0; j < lay->width[L]; j++) lay->out_of[j] = -1;
  for (size_t k = 0; k < K; k++) {
    kh_output o = kh_netlist_output(c->nl, k);
    if (o.node_neg != 0 || s->layer[o.node_pos] != (int32_t)L ||
        lay->out_of[s->index[o.node_pos]] >= 0)
      return kh_fail(ctx, KH_ERR_INPUT,
                     "not layered: output %zu must be one node of the last layer, read against "
                     "ground (differential outputs are not layered)",
                     k + 1);
    lay->out_index[k] = (size_t)s->index[o.node_pos];
    lay->out_of[lay->out_index[k]] = (int32_t)k;
  }
  return KH_OK;
}

static kh_status allocate(kh_context *ctx, kh_layered *lay, size_t rows) {
  size_t R = lay->real, L = lay->depth, wmax = 0;
  for (size_t l = 0; l <= L; l++) wmax = lay->width[l] > wmax ? lay->width[l] : wmax;
  lay->max_width = wmax;
  lay->rows_max = rows;
  int ok = 1;
  for (size_t l = 0; l <= L; l++) {
    size_t n = lay->width[l], ld = lay->ld[l];
    ok = ok && (lay->V[l] = kh_aligned_calloc(rows * ld, R));
    if (l == 0) continue;
    size_t m = lay->width[l - 1];
    ok = ok && (lay->W[l] = kh_aligned_calloc(m * ld, R)) &&
         (lay->colsum[l] = kh_aligned_calloc(ld, R)) &&
         (lay->rowsum[l] = kh_aligned_calloc(m, R)) && (lay->diag[l] = kh_aligned_calloc(n, R)) &&
         (lay->cst[l] = kh_aligned_calloc(n, R)) && (lay->lo[l] = kh_aligned_calloc(n, R)) &&
         (lay->hi[l] = kh_aligned_calloc(n, R));
  }
  ok = ok && (lay->P = kh_aligned_calloc(rows * lay->ld[1], R)) &&
       (lay->work = kh_aligned_calloc(rows * lay->max_ld, R)) &&
       (lay->beta_row = kh_calloc(rows, sizeof *lay->beta_row)) &&
       (lay->target_row = kh_calloc(rows * lay->outputs + 1, sizeof *lay->target_row)) &&
       (lay->chunk_change =
            kh_calloc((rows / KH_LAYERED_ROW_CHUNK + 65) * (wmax / KH_LAYERED_COL_CHUNK + 1),
                      sizeof *lay->chunk_change));
  return ok ? KH_OK : kh_fail_nomem(ctx, "allocating the layered solver");
}

static void set_real(const kh_layered *lay, void *array, size_t i, double v) {
  if (lay->precision == KH_PRECISION_SINGLE)
    ((float *)array)[i] = (float)v;
  else
    ((double *)array)[i] = v;
}

static kh_status load_bounds(kh_context *ctx, kh_layered *lay) {
  const kh_circuit *c = lay->c;
  double *lo = kh_malloc((c->unknowns + 1) * sizeof *lo);
  double *hi = kh_malloc((c->unknowns + 1) * sizeof *hi);
  kh_status st = lo && hi ? KH_OK : kh_fail_nomem(ctx, "detecting layers");
  long bad = st == KH_OK ? kh_circuit_bounds(c, lo, hi) : -1;
  if (bad >= 0)
    st = kh_fail_at_element(ctx, c->nl, c->diodes[c->ideal[bad]].element, KH_ERR_INPUT,
                            "diode %s: its bounds leave no voltage",
                            element_name(c, c->diodes[c->ideal[bad]].element));
  for (size_t l = 1; st == KH_OK && l <= lay->depth; l++)
    for (size_t j = 0; j < lay->width[l]; j++) {
      int64_t u = c->unknown_of[lay->node[l][j]];
      set_real(lay, lay->lo[l], j, lo[u]);
      set_real(lay, lay->hi[l], j, hi[u]);
    }
  kh_free(lo), kh_free(hi);
  return st;
}

kh_status kh_layered_new(kh_context *ctx, kh_layered **out, const kh_circuit *c,
                         kh_precision precision, size_t rows) {
  *out = NULL;
  if (rows < 1) return kh_fail(ctx, KH_ERR_USAGE, "the layered solver needs rows >= 1");
  kh_status st = check_elements(ctx, c);
  if (st != KH_OK) return st;
  kh_layered *lay = kh_calloc(1, sizeof *lay);
  scan s = {0};
  size_t N = c->node_count;
  if (!lay || !(s.layer = kh_malloc(N * sizeof *s.layer)) ||
      !(s.index = kh_malloc(N * sizeof *s.index)) || !(s.input = kh_malloc(N * sizeof *s.input)) ||
      !(s.queue = kh_malloc(N * sizeof *s.queue))) {
    kh_free(lay), scan_free(&s);
    return kh_fail_nomem(ctx, "detecting layers");
  }
  for (size_t n = 0; n < N; n++) s.layer[n] = -1, s.index[n] = -1, s.input[n] = -1;
  lay->c = c;
  lay->precision = precision;
  lay->real = precision == KH_PRECISION_SINGLE ? sizeof(float) : sizeof(double);
  st = find_inputs(ctx, lay, &s);
  if (st == KH_OK) st = assign_layers(ctx, lay, &s);
  if (st == KH_OK) st = place_elements(ctx, lay, &s);
  if (st == KH_OK) st = map_params(ctx, lay);
  if (st == KH_OK) st = find_outputs(ctx, lay, &s);
  if (st == KH_OK) st = allocate(ctx, lay, rows);
  if (st == KH_OK) st = load_bounds(ctx, lay);
  scan_free(&s);
  double *theta = st == KH_OK ? kh_malloc((lay->params + 1) * sizeof *theta) : NULL;
  if (st == KH_OK && !theta) st = kh_fail_nomem(ctx, "detecting layers");
  if (st == KH_OK) {
    for (size_t e = 0; e < lay->element_count; e++)
      if (lay->elements[e].param >= 0) theta[lay->elements[e].param] = lay->elements[e].value;
    KH_LAYERED_CALL(lay, load, lay, theta);
  }
  lay->theta = theta;
  if (st != KH_OK) {
    kh_layered_free(lay);
    return st;
  }
  *out = lay;
  return KH_OK;
}

size_t kh_layered_depth(const kh_layered *lay) {
  return lay->depth;
}
size_t kh_layered_width(const kh_layered *lay, size_t layer) {
  return layer <= lay->depth ? lay->width[layer] : 0;
}
kh_precision kh_layered_precision(const kh_layered *lay) {
  return lay->precision;
}
size_t kh_layered_param_count(const kh_layered *lay) {
  return lay->params;
}

/* Whether theta is valid: every value finite, the conductances > 0. Counted on the plain array
 * first (the currents, few, are then forgiven their sign), per slot only to name the culprit. */
static kh_status check_params(kh_context *ctx, const kh_layered *lay, const double *theta) {
  size_t bad = 0;
  for (size_t p = 0; p < lay->params; p++) bad += !(theta[p] > 0 && theta[p] < INFINITY);
  for (size_t b = 0; b < lay->bias_count; b++) {
    double v = theta[lay->bias[b]];
    bad -= isfinite(v) && !(v > 0);
  }
  for (size_t p = 0; bad && p < lay->params; p++)
    if (!isfinite(theta[p]) || (!lay->param[p].bias && !(theta[p] > 0)))
      return kh_fail(ctx, KH_ERR_INPUT,
                     "parameter %zu (%s) is %g: conductances must be finite "
                     "and > 0, currents finite",
                     p + 1, element_name(lay->c, kh_netlist_trainable(lay->c->nl, p)), theta[p]);
  return KH_OK;
}

kh_status kh_layered_set_params(kh_context *ctx, kh_layered *lay, const double *theta) {
  kh_status st = check_params(ctx, lay, theta);
  if (st != KH_OK) return st;
  memcpy(lay->theta, theta, lay->params * sizeof *theta);
  KH_LAYERED_CALL(lay, load, lay, theta);
  return KH_OK;
}

void kh_layered_get_params(const kh_layered *lay, double *theta) {
  memcpy(theta, lay->theta, lay->params * sizeof *theta);
  KH_LAYERED_CALL(lay, store, lay, theta); /* W of fully trainable layers, which training moves */
}

/* A nudge of -|beta| must leave every output node a positive conductance. */
kh_status kh_layered_loss(kh_context *ctx, const kh_layered *lay, size_t rows,
                          const double *targets, double *loss) {
  double out[lay->outputs + 1];
  *loss = 0;
  for (size_t r = 0; r < rows; r++) {
    KH_LAYERED_CALL(lay, outputs, lay, r, out);
    for (size_t k = 0; k < lay->outputs; k++) {
      double e = out[k] - targets[r * lay->outputs + k];
      if (!isfinite(e))
        return kh_fail(ctx, KH_ERR_NUMERIC, "row %zu: output %zu is %g", r + 1, k + 1, out[k]);
      *loss += 0.5 * e * e;
    }
  }
  return KH_OK;
}

kh_status kh_layered_check_nudge(kh_context *ctx, const kh_layered *lay, double beta) {
  size_t L = lay->depth;
  for (size_t k = 0; beta < 0 && k < lay->outputs; k++) {
    size_t j = lay->out_index[k];
    double diag = lay->precision == KH_PRECISION_SINGLE ? ((float *)lay->diag[L])[j]
                                                        : ((double *)lay->diag[L])[j];
    if (!(diag + beta > 0))
      return kh_fail(ctx, KH_ERR_NUMERIC,
                     "nudge beta = %g exceeds output %zu's conductance %g: the nudged co-content "
                     "has no minimum",
                     beta, k + 1, diag);
  }
  return KH_OK;
}

kh_status kh_layered_relax(kh_context *ctx, kh_layered *lay, size_t first, size_t rows,
                           unsigned max_sweeps, double tol, unsigned *sweeps, double *change) {
  double scale = lay->input_scale > 0 ? lay->input_scale : 1.0;
  *sweeps = 0, *change = INFINITY;
  while (*sweeps < max_sweeps && !(tol > 0 && *change <= tol * scale)) {
    *change = lay->holo.points && first == lay->holo.first
                  ? KH_LAYERED_CALL(lay, sweep_complex, lay)
                  : KH_LAYERED_CALL(lay, sweep, lay, first, rows);
    ++*sweeps;
  }
  if (tol > 0 && !(*change <= tol * scale))
    return kh_fail(ctx, KH_ERR_NUMERIC,
                   "the layered solver did not converge in %u sweeps (last change %.3g V, "
                   "tolerance %.3g V)",
                   *sweeps, *change, tol * scale);
  return KH_OK;
}

kh_status kh_layered_phase(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                           double beta, const double *targets, unsigned max_sweeps, double tol,
                           int warm, unsigned *sweeps, double *change) {
  if (rows < 1 || rows > lay->rows_max)
    return kh_fail(ctx, KH_ERR_USAGE, "%zu rows: this layered solver takes 1..%zu", rows,
                   lay->rows_max);
  if (!(tol >= 0) || (tol == 0 && max_sweeps == 0) || !isfinite(beta) || (beta != 0 && !targets))
    return kh_fail(ctx, KH_ERR_USAGE, "layered solve: bad sweeps, tolerance or nudge");
  for (size_t i = 0; x && i < rows * lay->features; i++)
    if (!isfinite(x[i]))
      return kh_fail(ctx, KH_ERR_INPUT, "row %zu: input feature %zu is not finite",
                     i / lay->features + 1, i % lay->features);
  kh_status st = kh_layered_check_nudge(ctx, lay, beta);
  if (st != KH_OK) return st;
  for (size_t r = 0; r < rows; r++) {
    lay->beta_row[r] = beta;
    for (size_t k = 0; k < lay->outputs; k++)
      lay->target_row[r * lay->outputs + k] = beta != 0 ? targets[r * lay->outputs + k] : 0;
  }
  if (x) KH_LAYERED_CALL(lay, drive, lay, rows, x, 1);
  for (size_t l = 1; !warm && l <= lay->depth; l++)
    memset(lay->V[l], 0, rows * lay->ld[l] * lay->real);
  st = kh_layered_relax(ctx, lay, 0, rows, max_sweeps, tol, sweeps, change);
  double *out = st == KH_OK ? kh_malloc((lay->outputs + 1) * sizeof *out) : NULL;
  if (st == KH_OK && !out) return kh_fail_nomem(ctx, "checking the layered solution");
  for (size_t r = 0; st == KH_OK && r < rows; r++) {
    KH_LAYERED_CALL(lay, outputs, lay, r, out);
    for (size_t k = 0; st == KH_OK && k < lay->outputs; k++)
      if (!isfinite(out[k]))
        st = kh_fail(ctx, KH_ERR_NUMERIC, "row %zu: output %zu is %g", r + 1, k + 1, out[k]);
  }
  kh_free(out);
  return st;
}

kh_status kh_layered_solve(kh_context *ctx, kh_layered *lay, size_t rows, const double *x,
                           double beta, const double *targets, unsigned max_sweeps, double tol,
                           int warm, double *voltages, kh_layered_stats *stats) {
  int blas_threads = kh_layered_blas_serial();
  unsigned sweeps = 0;
  double change = INFINITY;
  kh_status st =
      kh_layered_phase(ctx, lay, rows, x, beta, targets, max_sweeps, tol, warm, &sweeps, &change);
  if (stats && (st == KH_OK || st == KH_ERR_NUMERIC)) {
    stats->sweeps = sweeps, stats->change = change;
    stats->relative_residual = KH_LAYERED_CALL(lay, residual, lay, 0, rows);
  }
  for (size_t r = 0; st == KH_OK && voltages && r < rows; r++)
    KH_LAYERED_CALL(lay, export, lay, r, voltages + r * lay->c->node_count);
  kh_layered_blas_restore(blas_threads);
  return st;
}
