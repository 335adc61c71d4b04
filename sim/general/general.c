/* General Newton (kirchhoff/general.h): SPICE's own method, for the circuits the co-content
 * cannot take. Unknowns: the voltages of nodes 1.. and the branch currents of V, L, E, H and
 * V= B elements. This file sets the system up (the devices, the pattern KLU analyzes once) and
 * reports; general_stepping.c runs ngspice's sequence of methods, general_newton.c the iteration
 * (each linearizes every diode, transistor and B source at its limited voltages and solves with
 * KLU; convergence asks for corrections at round-off, then the KCL certificate is checked on the
 * unlimited equations). */
#include "kirchhoff/general.h"

#include "core/alloc.h"
#include "core/context.h"
#include "general_impl.h"
#include "../circuit/circuit_impl.h"

#include <klu.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Stable counting sort of the entries in `in` by key[e] (0..n-1) into `out`. */
static void sort_by(const long *key, size_t n, const long *in, long *out, size_t m, long *count) {
  memset(count, 0, (n + 1) * sizeof *count);
  for (size_t p = 0; p < m; p++) count[key[in[p]] + 1]++;
  for (size_t k = 0; k < n; k++) count[k + 1] += count[k];
  for (size_t p = 0; p < m; p++) out[count[key[in[p]]]++] = in[p];
}

/* The CSC pattern from the first assembly's entries (columns, rows sorted within, duplicates
 * merged); later assemblies emit the same entries in the same order, and `slot` maps each to
 * its place. */
static kh_status build_pattern(kh_context *ctx, kh_general *g) {
  size_t n = g->n, m = g->entries;
  long *a = kh_malloc((m + 1) * sizeof *a), *b = kh_malloc((m + 1) * sizeof *b),
       *count = kh_malloc((n + 2) * sizeof *count);
  g->ap = kh_calloc(n + 2, sizeof *g->ap);
  g->ai = kh_malloc((m + 1) * sizeof *g->ai);
  g->ax = kh_malloc((m + 1) * sizeof *g->ax);
  g->slot = kh_malloc((m + 1) * sizeof *g->slot);
  if (!a || !b || !count || !g->ap || !g->ai || !g->ax || !g->slot) {
    kh_free(a), kh_free(b), kh_free(count);
    return kh_fail_nomem(ctx, "the general Newton matrix");
  }
  for (size_t e = 0; e < m; e++) a[e] = (long)e;
  sort_by(g->ti, n, a, b, m, count); /* by row, */
  sort_by(g->tj, n, b, a, m, count); /* then stably by column */
  size_t nnz = 0;
  for (size_t p = 0; p < m; p++) {
    long e = a[p];
    int same = p > 0 && g->tj[a[p - 1]] == g->tj[e] && g->ti[a[p - 1]] == g->ti[e];
    if (!same) g->ai[nnz] = g->ti[e], g->ap[g->tj[e] + 1]++, nnz++;
    g->slot[e] = (long)nnz - 1;
  }
  for (size_t c = 0; c < n; c++) g->ap[c + 1] += g->ap[c];
  g->nnz = nnz;
  kh_free(a), kh_free(b), kh_free(count);
  g->sym = klu_l_analyze((long)n, g->ap, g->ai, &g->common);
  return g->sym ? KH_OK
                : kh_fail(ctx, KH_ERR_INPUT,
                          "the nodal equations are structurally singular: a node no DC path "
                          "fixes, or a loop of voltage sources");
}

/* Element k's model if it is a transistor (count: BJTs, MOSFETs and JFETs so far); a BJT whose
 * base resistance is modulated gets its inner base, unknown *n, and a VDMOS the inner ends of its
 * RD, RS and RB, the next ones. */
static kh_status add_transistor(kh_context *ctx, kh_general *g, size_t k, kh_element_kind kind,
                                size_t *n, size_t count[3]) {
  kh_status st = KH_OK;
  if (kind == KH_BJT) {
    kh_bjt *q = &g->bjts[count[0]];
    st = kh_bjt_from_netlist(ctx, g->nl, k, q);
    if (st == KH_OK && q->modulated) { /* its inner base, an unknown of its own */
      if (q->subcon == q->b) q->subcon = (long)*n;
      q->b = (long)(*n)++;
    }
    if (st == KH_OK) kh_bjt_inner_nodes(q, n);
    g->has_off |= q->off;
    g->bjt[k] = (long)count[0]++;
  } else if (kind == KH_MOSFET) {
    st = kh_mosfet_from_netlist(ctx, g->nl, k, &g->mosfets[count[1]], g->sizes[k]);
    if (st == KH_OK) kh_vdmos_inner_nodes(&g->mosfets[count[1]], n);
    g->has_off |= g->mosfets[count[1]].off;
    g->mosfet[k] = (long)count[1]++;
  } else if (kind == KH_JFET) {
    st = kh_jfet_from_netlist(ctx, g->nl, k, &g->jfets[count[2]]);
    g->has_off |= g->jfets[count[2]].off;
    g->jfet[k] = (long)count[2]++;
  }
  return st;
}

static kh_status setup(kh_context *ctx, kh_general *g, const kh_netlist *nl) {
  g->nl = nl, g->nodes = kh_netlist_node_count(nl), g->elements = kh_netlist_element_count(nl);
  kh_status loops = kh_general_voltage_loops(ctx, nl, g->nodes);
  if (loops != KH_OK) return loops;
  g->branch = kh_malloc((g->elements + 1) * sizeof *g->branch);
  g->control = kh_malloc((g->elements + 1) * sizeof *g->control);
  g->diode = kh_malloc((g->elements + 1) * sizeof *g->diode);
  g->diodes = kh_calloc(g->elements + 1, sizeof *g->diodes);
  g->vd = kh_calloc(g->elements + 1, sizeof *g->vd);
  g->diode_cold = kh_calloc(g->elements + 1, 1);
  g->diode_off = kh_calloc(g->elements + 1, 1);
  g->on = kh_calloc(g->elements + 1, 1);
  g->heat = kh_calloc(g->elements + 1, sizeof *g->heat);
  g->jfet = kh_malloc((g->elements + 1) * sizeof *g->jfet);
  g->jfets = kh_calloc(g->elements + 1, sizeof *g->jfets);
  g->mosfet = kh_malloc((g->elements + 1) * sizeof *g->mosfet);
  g->mosfets = kh_calloc(g->elements + 1, sizeof *g->mosfets);
  g->bjt = kh_malloc((g->elements + 1) * sizeof *g->bjt);
  g->bjts = kh_calloc(g->elements + 1, sizeof *g->bjts);
  g->switches = kh_calloc(g->elements + 1, sizeof *g->switches);
  g->sizes = kh_calloc(g->elements + 1, 1);
  if (!g->branch || !g->control || !g->diode || !g->diodes || !g->vd || !g->diode_cold ||
      !g->diode_off || !g->on || !g->heat || !g->jfet || !g->jfets || !g->mosfet || !g->mosfets ||
      !g->bjt || !g->bjts || !g->switches || !g->sizes)
    return kh_fail_nomem(ctx, "general Newton");
  kh_status sized = kh_mosfet_sizes(ctx, nl, g->sizes);
  if (sized != KH_OK) return sized;
  size_t count[3] = {0}, n = g->nodes - 1;
  for (size_t k = 0; k < g->elements; k++) {
    kh_element e = kh_netlist_element(nl, k);
    int has_branch = e.kind == KH_VSOURCE || e.kind == KH_INDUCTOR || e.kind == KH_VCVS ||
                     e.kind == KH_CCVS || e.kind == KH_BEHAVIOURAL_V;
    g->branch[k] = has_branch ? (long)n++ : -1;
    g->diode[k] = -1, g->control[k] = -1, g->jfet[k] = -1, g->mosfet[k] = -1, g->bjt[k] = -1;
    kh_status st = add_transistor(ctx, g, k, e.kind, &n, count);
    if (st != KH_OK) return st;
    if (e.kind == KH_SWITCH && (st = kh_switch_from_netlist(ctx, nl, k, &g->switches[k])) != KH_OK)
      return st;
    g->switch_count += e.kind == KH_SWITCH;
    if (e.kind == KH_DIODE) {
      kh_diode *d = &g->diodes[g->diode_count];
      st = kh_diode_from_netlist(ctx, nl, k, d);
      if (st != KH_OK) return st;
      if (d->kind == KH_DIODE_IDEAL) g->branch[k] = (long)n++;
      kh_heat *h = &g->heat[g->diode_count];
      kh_diode_instance in = kh_netlist_diode_instance(nl, k);
      g->diode_off[g->diode_count] = (unsigned char)in.off, g->has_off |= in.off;
      h->tj = in.thermal_node ? kh_general_at(in.thermal_node) : -1, h->inner = -1;
      if (in.thermal_node) {
        kh_netlist_model_param(nl, e.model, "rth0", &h->rth0);
        h->t0 = in.temperature;
        if (kh_netlist_diode_series_resistance(nl, k, in.temperature) != 0) h->inner = (long)n++;
        g->heated++;
      }
      g->diode[k] = (long)g->diode_count++;
    }
  }
  g->n = n;
  kh_status inherited = kh_vbic_inherit_rises(ctx, g);
  if (inherited != KH_OK) return inherited;
  g->is_current = kh_calloc(n + 1, 1);
  if (!g->is_current || kh_product_setup(g) || kh_behaviour_setup(g))
    return kh_fail_nomem(ctx, "general Newton");
  for (size_t k = 0; k < g->elements; k++) /* not a heated diode's inner node, a voltage */
    if (g->branch[k] >= 0) g->is_current[g->branch[k]] = 1;
  for (size_t k = 0; k < g->elements; k++) {
    size_t cp, cn, src;
    if (kh_netlist_control(nl, k, &cp, &cn, &src) == 0 && src != (size_t)-1)
      g->control[k] = g->branch[src];
  }
  if (n == 0) return kh_fail(ctx, KH_ERR_INPUT, "the circuit has no node besides ground");
  g->rhs = kh_calloc(n + 1, sizeof *g->rhs);
  g->x = kh_calloc(n + 1, sizeof *g->x);
  if (!g->rhs || !g->x) return kh_fail_nomem(ctx, "general Newton");
  klu_l_defaults(&g->common);
  g->scale = 1;
  if (kh_general_assemble(g, g->x, 0)) return kh_fail_nomem(ctx, "general Newton");
  return build_pattern(ctx, g);
}

static void release(kh_general *g) {
  if (g->num) klu_l_free_numeric(&g->num, &g->common);
  if (g->sym) klu_l_free_symbolic(&g->sym, &g->common);
  kh_free(g->branch), kh_free(g->control), kh_free(g->diode), kh_free(g->diodes), kh_free(g->vd);
  kh_free(g->diode_cold), kh_free(g->diode_off);
  kh_free(g->on), kh_free(g->heat);
  kh_free(g->ti), kh_free(g->tj), kh_free(g->tx), kh_free(g->slot);
  kh_free(g->ap), kh_free(g->ai), kh_free(g->ax), kh_free(g->rhs), kh_free(g->x);
  kh_free(g->pinned), kh_free(g->pin_volts), kh_free(g->is_current);
  kh_free(g->product), kh_free(g->expr_in), kh_free(g->expr_grad), kh_free(g->expr_scratch),
      kh_free(g->curve_last), kh_free(g->port_first), kh_free(g->ports), kh_free(g->port_last),
      kh_free(g->factors), kh_free(g->jfet), kh_free(g->jfets);
  kh_free(g->mosfet), kh_free(g->mosfets), kh_free(g->bjt), kh_free(g->bjts);
  kh_free(g->switches), kh_free(g->sizes);
}

/* .nodeset, on a cold start only (a guess is where the caller wants Newton to start) */
static kh_status hold_nodesets(kh_context *ctx, kh_general *g) {
  size_t count = kh_netlist_nodeset_count(g->nl);
  if (!count) return KH_OK;
  g->pinned = kh_calloc(g->n + 1, 1), g->pin_volts = kh_calloc(g->n + 1, sizeof *g->pin_volts);
  if (!g->pinned || !g->pin_volts) return kh_fail_nomem(ctx, "general Newton");
  for (size_t k = 0; k < count; k++) { /* the last one given for a node wins */
    kh_nodeset ns = kh_netlist_nodeset(g->nl, k);
    long u = kh_general_at(ns.node);
    g->pinned[u] = 1, g->pin_volts[u] = ns.volts;
  }
  for (size_t j = 0; j < g->n; j++) /* rows that branch currents enter (pin_rows) */
    for (long p = g->ap[j]; g->is_current[j] && p < g->ap[j + 1]; p++)
      if (g->pinned[g->ai[p]]) g->pinned[g->ai[p]] = 2;
  return KH_OK;
}

kh_status kh_general_op(kh_context *ctx, const kh_netlist *nl, const double *values,
                        const double *guess, double *voltages, double *currents,
                        kh_solve_stats *stats) {
  kh_general g;
  memset(&g, 0, sizeof g);
  g.ctx = ctx, g.values = values;
  memset(stats, 0, sizeof *stats);
  kh_status st = setup(ctx, &g, nl);
  if (st == KH_OK && guess) {
    for (size_t v = 1; v < g.nodes; v++) g.x[kh_general_at(v)] = guess[v];
    for (size_t k = 0; k < g.elements; k++)
      if (g.mosfet[k] >= 0) kh_vdmos_warm_start(&g.mosfets[g.mosfet[k]], g.x);
  }
  if (st == KH_OK && !guess) st = hold_nodesets(ctx, &g);
  for (size_t k = 0; st == KH_OK && k < g.elements; k++)
    if (g.diode[k] >= 0 && g.heat[g.diode[k]].tj >= 0 && kh_heat_start(&g, k, g.diode[k]))
      st = KH_ERR_INPUT; /* the message is in ctx */
  if (st == KH_OK) kh_general_follow_x(&g);
  if (st == KH_OK && !guess) kh_general_cold_start(&g);
  for (size_t k = 0; st == KH_OK && k < g.elements; k++)
    if (g.diode[k] >= 0) {
      kh_element e = kh_netlist_element(nl, k);
      long d = g.diode[k];
      if (g.diodes[d].kind != KH_DIODE_IDEAL) continue;
      if (!guess) /* its state cannot be found by Newton: it comes from a known answer */
        st = kh_fail(ctx, KH_ERR_INPUT,
                     "%s:%u:%u: '%s' is an ideal diode, which the general Newton path of "
                     "circuits with controlled sources cannot take (use a Shockley model)",
                     e.file, e.line, e.col, e.name);
      g.on[d] = (unsigned char)kh_diode_ideal_conducting(&g.diodes[d], g.vd[d]);
    }
  int singular = 0;
  int rc = st == KH_OK ? kh_general_solve(&g, stats, &singular) : 0;
  stats->analyses = 1;
  if (st == KH_OK && (rc < 0 || g.out_of_memory)) st = kh_fail_nomem(ctx, "general Newton");
  if (st == KH_OK && rc && singular) st = kh_general_singular_fail(ctx, &g);
  if (st == KH_OK && rc == 2) { /* the model's own message, from the last step that failed */
    char why[512];
    snprintf(why, sizeof why, "%s", kh_last_error(ctx));
    st = kh_fail(ctx, KH_ERR_NUMERIC,
                 "general Newton found no operating point: at the temperature a self-heating "
                 "diode reached, %s",
                 why);
  }
  char heat[320] = "";
  if (st == KH_OK && rc) kh_general_hottest(&g, heat, sizeof heat);
  if (st == KH_OK && rc && !heat[0]) kh_behaviour_explain(&g, heat, sizeof heat);
  if (st == KH_OK && rc && !heat[0]) kh_vbic_explain(&g, heat, sizeof heat);
  if (st == KH_OK && rc)
    st = kh_fail(ctx, KH_ERR_NUMERIC,
                 "general Newton found no operating point (Newton, then dynamic and true gmin "
                 "stepping, source stepping and pseudo-transient, %u iterations)%s",
                 stats->iterations, heat);
  if (st == KH_OK) st = kh_general_ideal_states_hold(ctx, &g);
  if (st == KH_OK) st = kh_mesa_inverse_verdict(ctx, &g);
  for (size_t k = 0; st == KH_OK && k < g.elements; k++) {
    double amps = g.mosfet[k] >= 0 ? kh_vdmos_quasi_reversed(&g.mosfets[g.mosfet[k]], g.x) : 0;
    kh_element e = amps > 0 ? kh_netlist_element(nl, k) : (kh_element){0};
    if (amps > 0)
      st = kh_fail(ctx, KH_ERR_INPUT,
                   "%s:%u:%u: VDMOS '%s' with quasi-saturation (RQ, VQ) ends with its drain and "
                   "source swapped and %.3g A through RD, where ngspice 39 keeps the drain "
                   "resistance of its last iteration in normal mode, so its answer depends on "
                   "its path",
                   e.file, e.line, e.col, e.name, amps);
  }
  if (st == KH_OK) {
    kh_general_certify(&g, stats, currents);
    voltages[0] = 0;
    for (size_t v = 1; v < g.nodes; v++) voltages[v] = g.x[kh_general_at(v)];
    if (g.out_of_memory)
      st = kh_fail_nomem(ctx, "general Newton");
    else if (!kh_general_certified(stats))
      st = kh_fail(ctx, KH_ERR_NUMERIC,
                   "general Newton's answer failed its KCL check: residual %.3g A (%.3g relative)",
                   stats->residual, stats->relative_residual);
  }
  release(&g);
  return st;
}
