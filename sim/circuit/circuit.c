/* Values of an assembled circuit, the reduced right-hand side, and the KCL check that every
 * solve's answer must pass. */
#include "circuit_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

const kh_netlist *kh_circuit_netlist(const kh_circuit *c) {
  return c->nl;
}
size_t kh_circuit_unknowns(const kh_circuit *c) {
  return c->unknowns;
}
int kh_circuit_node_fixed(const kh_circuit *c, size_t node) {
  return c->unknown_of[node] < 0;
}

static kh_status check_element(kh_context *ctx, const kh_circuit *c, size_t element,
                               kh_element_kind a, kh_element_kind b, const char *what) {
  if (element >= c->element_count)
    return kh_fail(ctx, KH_ERR_USAGE, "element index %zu out of range (%zu elements)", element,
                   c->element_count);
  kh_element e = kh_netlist_element(c->nl, element);
  if (e.kind != a && e.kind != b)
    return kh_fail(ctx, KH_ERR_USAGE, "element '%s' is not a %s", e.name, what);
  return KH_OK;
}

kh_status kh_circuit_set_conductance(kh_context *ctx, kh_circuit *c, size_t element, double g) {
  kh_status st = check_element(ctx, c, element, KH_RESISTOR, KH_RESISTOR, "resistor");
  if (st != KH_OK) return st;
  if (!(g > 0) || !isfinite(g))
    return kh_fail(ctx, KH_ERR_INPUT, "conductance of '%s' must be finite and > 0, got %g",
                   kh_netlist_element(c->nl, element).name, g);
  if (c->value[element] != g) c->conductance_version++, c->param_version++;
  c->value[element] = g;
  return KH_OK;
}

double kh_circuit_conductance(const kh_circuit *c, size_t element) {
  return c->value[element];
}

kh_status kh_circuit_set_source(kh_context *ctx, kh_circuit *c, size_t element, double value) {
  kh_status st =
      check_element(ctx, c, element, KH_VSOURCE, KH_ISOURCE, "voltage or current source");
  if (st != KH_OK) return st;
  if (!isfinite(value))
    return kh_fail(ctx, KH_ERR_INPUT, "value of '%s' must be finite",
                   kh_netlist_element(c->nl, element).name);
  c->value[element] = value;
  c->param_version++;
  if (c->kind[element] == KH_VSOURCE) kh_circuit_update_offsets(c);
  return KH_OK;
}

double kh_circuit_source(const kh_circuit *c, size_t element) {
  return c->value[element];
}

kh_status kh_circuit_set_nudge(kh_context *ctx, kh_circuit *c, double beta, const double *targets) {
  if (!isfinite(beta)) return kh_fail(ctx, KH_ERR_USAGE, "the nudge strength must be finite");
  if (beta != 0 && c->output_count == 0)
    return kh_fail(ctx, KH_ERR_USAGE, "cannot nudge a circuit without .output read-outs");
  for (size_t k = 0; targets && k < c->output_count; k++) {
    if (!isfinite(targets[k]))
      return kh_fail(ctx, KH_ERR_INPUT, "target %zu of the nudge is not finite", k);
    c->target[k] = targets[k];
  }
  if (c->beta != beta) c->conductance_version++;
  c->beta = beta;
  return KH_OK;
}

double kh_circuit_nudge(const kh_circuit *c) {
  return c->beta;
}

kh_status kh_circuit_set_sources(kh_context *ctx, kh_circuit *c, size_t count,
                                 const size_t *elements, const double *values) {
  int any_voltage = 0;
  for (size_t k = 0; k < count; k++) {
    kh_status st =
        check_element(ctx, c, elements[k], KH_VSOURCE, KH_ISOURCE, "voltage or current source");
    if (st != KH_OK) return st;
    if (!isfinite(values[k]))
      return kh_fail(ctx, KH_ERR_INPUT, "value of '%s' must be finite",
                     kh_netlist_element(c->nl, elements[k]).name);
  }
  for (size_t k = 0; k < count; k++) {
    c->value[elements[k]] = values[k];
    any_voltage |= c->kind[elements[k]] == KH_VSOURCE;
  }
  c->param_version++;
  if (any_voltage) kh_circuit_update_offsets(c);
  return KH_OK;
}

/* Known part of a node's voltage: its offset inside a supernode, or its fixed voltage. */
void kh_circuit_fill_rhs(const kh_circuit *c, double *b) {
  memset(b, 0, c->unknowns * sizeof *b);
  for (size_t r = 0; r < c->resistor_count; r++) {
    const uint32_t *end = c->ends[c->edges[r]];
    double g = c->value[c->edges[r]];
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    double oa = c->offset[end[0]], ob = c->offset[end[1]];
    if (ua == ub) continue;
    if (ua >= 0) b[ua] += c->kw[end[0]] * g * (ob - oa);
    if (ub >= 0) b[ub] += c->kw[end[1]] * g * (oa - ob);
  }
  for (size_t i = 0; i < c->element_count; i++) {
    if (c->kind[i] != KH_ISOURCE) continue;
    int64_t up = c->unknown_of[c->ends[i][0]], un = c->unknown_of[c->ends[i][1]];
    if (up >= 0) b[up] -= c->kw[c->ends[i][0]] * c->value[i]; /* drawn out of node_pos */
    if (un >= 0) b[un] += c->kw[c->ends[i][1]] * c->value[i];
  }
  for (size_t k = 0; c->beta != 0 && k < c->output_count; k++) {
    const uint32_t *end = c->out_ends[k];
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    if (ua == ub) continue;
    double i = kh_circuit_nudge_current(c, k, c->offset[end[0]], c->offset[end[1]]);
    if (ua >= 0) b[ua] -= c->coef[end[0]] * i; /* the nudge is a term of the energy itself */
    if (ub >= 0) b[ub] += c->coef[end[1]] * i;
  }
}

int kh_circuit_residual(const kh_circuit *c, const double *x, double *r) {
  long double *sum = kh_calloc(c->unknowns, sizeof *sum);
  if (!sum) return -1;
  for (size_t k = 0; k < c->element_count; k++) {
    if (c->kind[k] != KH_RESISTOR && c->kind[k] != KH_ISOURCE) continue;
    uint32_t pos = c->ends[k][0], neg = c->ends[k][1];
    int64_t ua = c->unknown_of[pos], ub = c->unknown_of[neg];
    long double i; /* current leaving node_pos through the element */
    if (c->kind[k] == KH_ISOURCE) {
      i = c->value[k];
    } else {
      if (ua == ub) continue;
      long double va = (long double)c->offset[pos] + (ua >= 0 ? c->coef[pos] * x[ua] : 0.0);
      long double vb = (long double)c->offset[neg] + (ub >= 0 ? c->coef[neg] * x[ub] : 0.0);
      i = (long double)c->value[k] * (va - vb);
    }
    if (ua >= 0) sum[ua] -= c->kw[pos] * i;
    if (ub >= 0) sum[ub] += c->kw[neg] * i;
  }
  for (size_t k = 0; c->beta != 0 && k < c->output_count; k++) {
    const uint32_t *end = c->out_ends[k];
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    if (ua == ub) continue;
    long double va = (long double)c->offset[end[0]] + (ua >= 0 ? c->coef[end[0]] * x[ua] : 0.0);
    long double vb = (long double)c->offset[end[1]] + (ub >= 0 ? c->coef[end[1]] * x[ub] : 0.0);
    long double i = (long double)c->beta * (va - vb - c->target[k]);
    if (ua >= 0) sum[ua] -= c->coef[end[0]] * i;
    if (ub >= 0) sum[ub] += c->coef[end[1]] * i;
  }
  for (size_t u = 0; u < c->unknowns; u++) r[u] = (double)sum[u];
  kh_free(sum);
  return 0;
}

void kh_circuit_expand(const kh_circuit *c, const double *x, double *voltages) {
  for (size_t n = 0; n < c->node_count; n++) {
    int64_t u = c->unknown_of[n];
    voltages[n] = c->offset[n] + (u >= 0 ? c->coef[n] * x[u] : 0.0);
  }
}

/* Ideal diodes balance their node with whatever forward current it needs, but only while
 * they sit at their threshold (within vtol): there a one-signed imbalance is the diode's
 * current, not an error. Returns the largest v - vth (feasibility). */
static double ideal_diode_currents(const kh_circuit *c, const double *v, double vtol, double *sum) {
  double violation = -INFINITY;
  for (size_t k = 0; k < c->ideal_count; k++) {
    const kh_diode *d = &c->diodes[c->ideal[k]];
    double over = v[c->ends[d->element][0]] - v[c->ends[d->element][1]] - d->vth;
    violation = fmax(violation, over);
    int64_t u = c->ideal_unknown[k];
    if (u < 0 || over < -vtol) continue;
    /* anode free: the diode carries -sum[u] >= 0 out of it; cathode free: sum[u] >= 0 in */
    if (c->ideal_sign[k] > 0 ? sum[u] <= 0 : sum[u] >= 0) sum[u] = 0;
  }
  return violation;
}

/* Ideal diodes between two free nodes carry what their anode's node leaves unbalanced, if that
 * is a forward current and they sit at their threshold (within vtol); the cathode's node must
 * then balance with it. Returns the largest v - vth. */
static double between_free_nodes(const kh_circuit *c, const double *v, double vtol, double *sum,
                                 double *scale) {
  double violation = -INFINITY;
  for (size_t k = 0; c->augmented_count && k < c->diode_count; k++) {
    const kh_diode *d = &c->diodes[k];
    if (!d->augmented) continue;
    uint32_t a = c->ends[d->element][0], kn = c->ends[d->element][1];
    double over = v[a] - v[kn] - d->vth0;
    violation = fmax(violation, over);
    int64_t ua = c->unknown_of[a], uk = c->unknown_of[kn];
    double i = -sum[ua] / c->kf[a];
    if (over < -vtol || !(i >= 0)) continue;
    sum[ua] += c->kf[a] * i, scale[ua] += c->kf[a] * i;
    sum[uk] -= c->kf[kn] * i, scale[uk] += c->kf[kn] * i;
  }
  return violation;
}

/* The certificate's round-off floor: an imbalance below what moving the node by this fraction
 * of the circuit's largest voltage (plus 1 V) would cause through its conductances. Newton stops
 * once its steps fall to 4e-16 of that scale, so near a node where every current is tiny (a
 * circuit at zero bias, reverse-biased junctions carrying 1e-16 A) the remaining imbalance is
 * round-off of the voltages, not an error of the answer; measured only against those currents,
 * it would read as a relative failure (2.8e-36 A against 0 A, "1 relative"). */
#define KCL_VOLTAGE_FLOOR 1e-12

void kh_circuit_kcl(const kh_circuit *c, const double *v, double vtol, double *sum, double *scale,
                    double *cond, double *residual, double *relative, double *violation) {
  memset(sum, 0, c->unknowns * sizeof *sum);
  memset(scale, 0, c->unknowns * sizeof *scale);
  memset(cond, 0, c->unknowns * sizeof *cond);
  for (size_t r = 0; r < c->resistor_count; r++) {
    const uint32_t *end = c->ends[c->edges[r]];
    double g = c->value[c->edges[r]];
    double i = g * (v[end[0]] - v[end[1]]);
    double mag = g * (fabs(v[end[0]]) + fabs(v[end[1]]));
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    double fa = c->kf[end[0]], fb = c->kf[end[1]];
    if (ua >= 0) sum[ua] += fa * i, scale[ua] += fa * mag, cond[ua] += fa * g;
    if (ub >= 0) sum[ub] -= fb * i, scale[ub] += fb * mag, cond[ub] += fb * g;
  }
  for (size_t k = 0; k < c->element_count; k++) {
    if (c->kind[k] != KH_ISOURCE) continue;
    int64_t up = c->unknown_of[c->ends[k][0]], un = c->unknown_of[c->ends[k][1]];
    double fp = c->kf[c->ends[k][0]], fn = c->kf[c->ends[k][1]], i = c->value[k];
    if (up >= 0) sum[up] += fp * i, scale[up] += fp * fabs(i);
    if (un >= 0) sum[un] -= fn * i, scale[un] += fn * fabs(i);
  }
  for (size_t k = 0; k < c->diode_count; k++) {
    const kh_diode *d = &c->diodes[k];
    if (d->kind == KH_DIODE_IDEAL || d->augmented) continue;
    double phi, i, g;
    kh_diode_eval(d, v[c->ends[d->element][0]] - v[c->ends[d->element][1]], &phi, &i, &g);
    uint32_t a = c->ends[d->element][0], kn = c->ends[d->element][1];
    int64_t ua = c->unknown_of[a], uk = c->unknown_of[kn];
    if (ua >= 0) sum[ua] += c->kf[a] * i, scale[ua] += c->kf[a] * fabs(i), cond[ua] += c->kf[a] * g;
    if (uk >= 0)
      sum[uk] -= c->kf[kn] * i, scale[uk] += c->kf[kn] * fabs(i), cond[uk] += c->kf[kn] * g;
  }
  for (size_t k = 0; c->beta != 0 && k < c->output_count; k++) {
    const uint32_t *end = c->out_ends[k];
    /* physical current: the energy's nudge term over the node's weight */
    double i = kh_circuit_nudge_current(c, k, v[end[0]], v[end[1]]);
    double fa = c->kf[end[0]] / c->weight[end[0]], fb = c->kf[end[1]] / c->weight[end[1]];
    int64_t ua = c->unknown_of[end[0]], ub = c->unknown_of[end[1]];
    if (ua >= 0) sum[ua] += fa * i, scale[ua] += fa * fabs(i);
    if (ub >= 0) sum[ub] -= fb * i, scale[ub] += fb * fabs(i);
  }
  *violation =
      fmax(ideal_diode_currents(c, v, vtol, sum), between_free_nodes(c, v, vtol, sum, scale));
  double worst = 0, big = 0, vmax = 0, beyond = 0;
  for (size_t n = 0; n < c->node_count; n++) vmax = fmax(vmax, fabs(v[n]));
  for (size_t u = 0; u < c->unknowns; u++) {
    if (!(fabs(sum[u]) <= worst)) worst = fabs(sum[u]); /* NaN propagates as a failure */
    if (scale[u] > big) big = scale[u];
    double floor = KCL_VOLTAGE_FLOOR * (1 + vmax) * cond[u];
    if (!(fabs(sum[u]) <= floor) && !(fabs(sum[u]) <= beyond)) beyond = fabs(sum[u]);
  }
  *residual = worst;
  *relative = big > 0 ? beyond / big : beyond;
}

size_t kh_circuit_floating_nodes(const kh_circuit *c, size_t *first) {
  if (c->pinned_count && first) *first = c->first_pinned;
  return c->pinned_count;
}

void kh_circuit_element_values(const kh_circuit *c, double *values) {
  for (size_t i = 0; i < c->element_count; i++)
    values[i] = c->kind[i] == KH_RESISTOR ? 1.0 / c->value[i] : c->value[i];
}
