/* General Newton (kirchhoff/general.h): SPICE's own method, for the circuits the co-content
 * cannot take. Unknowns: the voltages of nodes 1.. and the branch currents of V, L, E, H and
 * V= B elements. Each iteration linearizes every diode, transistor and B source at its
 * (limited) voltages and solves the whole system with KLU; the pattern is analyzed once.
 * Convergence asks for corrections at round-off, then the KCL certificate is checked on the
 * unlimited equations. */
#include "kirchhoff/general.h"

#include "core/alloc.h"
#include "core/context.h"
#include "general_impl.h"
#include "../circuit/circuit_impl.h"

#include <klu.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

enum { MAX_ITERATIONS = 150 };

/* Diode k between unknowns a and b (branch unknown j for an ideal one), v across it at x. */
static int stamp_diode(kh_general *g, size_t k, long a, long b, long j, double v, const double *x,
                       int linearize) {
  long d = g->diode[k];
  if (g->heat[d].tj >= 0) return kh_heat_stamp(g, k, d, x, linearize);
  const kh_diode *dd = &g->diodes[d];
  double phi, i, gd;
  if (dd->kind == KH_DIODE_IDEAL) { /* the same five entries in either state (the pattern) */
    int on = g->on[d];
    g->rhs[j] = on ? g->scale * dd->vth : 0;
    return kh_general_stamp(g, a, j, 1) | kh_general_stamp(g, b, j, -1) |
           kh_general_stamp(g, j, a, on) | kh_general_stamp(g, j, b, -on) |
           kh_general_stamp(g, j, j, !on);
  }
  if (linearize && g->diode_off[d] && (g->diode_cold[d] || g->holding) &&
      dd->kind == KH_DIODE_SHOCKLEY) /* `off`: at 0 V while held, as dioload.c holds it */
    v = 0, g->limited |= g->diode_cold[d], g->vd[d] = v;
  else if (linearize && g->diode_cold[d] && dd->kind == KH_DIODE_SHOCKLEY) /* MODEINITJCT */
    v = kh_diode_vcrit(dd), g->limited = 1, g->vd[d] = v;
  else if (linearize)
    v = kh_diode_limit(dd, v, g->vd[d], &g->limited), g->vd[d] = v;
  if (linearize) g->diode_cold[d] = 0;
  kh_diode_eval(dd, v, &phi, &i, &gd);
  if (g->gjunction > dd->gmin) /* true gmin stepping raises the junction's own GMIN */
    gd += g->gjunction - dd->gmin, i += (g->gjunction - dd->gmin) * v;
  kh_general_rhs(g, a, -(i - gd * v)), kh_general_rhs(g, b, i - gd * v);
  return kh_general_stamp(g, a, a, gd) | kh_general_stamp(g, b, b, gd) |
         kh_general_stamp(g, a, b, -gd) | kh_general_stamp(g, b, a, -gd);
}

static int stamp_transistor(kh_general *g, size_t k, const double *x, int linearize) {
  if (g->bjt[k] >= 0) return kh_bjt_stamp(g, &g->bjts[g->bjt[k]], x, linearize);
  return g->jfet[k] >= 0 ? kh_jfet_stamp(g, &g->jfets[g->jfet[k]], x, linearize)
                         : kh_mosfet_stamp(g, &g->mosfets[g->mosfet[k]], x, linearize);
}

/* The linear system at x (node voltages and branch currents); linearize = 0 evaluates the
 * diodes where x puts them (the pattern's first pass), 1 limits them first. */
static int assemble(kh_general *g, const double *x, int linearize) {
  const kh_netlist *nl = g->nl;
  g->entries = 0, g->limited = 0, g->expression_failed = 0;
  memset(g->rhs, 0, g->n * sizeof *g->rhs);
  int bad = 0;
  for (size_t k = 0; k < g->elements; k++) {
    kh_element e = kh_netlist_element(nl, k);
    long a = kh_general_at(e.node_pos), b = kh_general_at(e.node_neg), j = g->branch[k];
    double va = a >= 0 ? x[a] : 0, vb = b >= 0 ? x[b] : 0, w = g->values ? g->values[k] : e.value;
    size_t cp, cn, src;
    switch (e.kind) {
    case KH_RESISTOR:
      bad |= kh_general_stamp(g, a, a, 1 / w) | kh_general_stamp(g, b, b, 1 / w) |
             kh_general_stamp(g, a, b, -1 / w) | kh_general_stamp(g, b, a, -1 / w);
      break;
    case KH_ISOURCE: kh_general_rhs(g, a, -g->scale * w), kh_general_rhs(g, b, g->scale * w); break;
    case KH_VSOURCE:
    case KH_INDUCTOR:
      bad |= kh_general_stamp(g, a, j, 1) | kh_general_stamp(g, b, j, -1) |
             kh_general_stamp(g, j, a, 1) | kh_general_stamp(g, j, b, -1);
      g->rhs[j] = e.kind == KH_VSOURCE ? g->scale * w : 0;
      break;
    case KH_DIODE: bad |= stamp_diode(g, k, a, b, j, va - vb, x, linearize); break;
    case KH_VCVS:
    case KH_CCVS:
      if (g->product[k] >= 0) {
        bad |= kh_product_stamp(g, k, a, b, w, x);
        break;
      }
      kh_netlist_control(nl, k, &cp, &cn, &src);
      bad |= kh_general_stamp(g, a, j, 1) | kh_general_stamp(g, b, j, -1) |
             kh_general_stamp(g, j, a, 1) | kh_general_stamp(g, j, b, -1);
      if (e.kind == KH_VCVS)
        bad |= kh_general_stamp(g, j, kh_general_at(cp), -w) |
               kh_general_stamp(g, j, kh_general_at(cn), w);
      else
        bad |= kh_general_stamp(g, j, g->control[k], -w);
      break;
    case KH_VCCS:
      kh_netlist_control(nl, k, &cp, &cn, &src);
      bad |= kh_general_stamp(g, a, kh_general_at(cp), w) |
             kh_general_stamp(g, a, kh_general_at(cn), -w) |
             kh_general_stamp(g, b, kh_general_at(cp), -w) |
             kh_general_stamp(g, b, kh_general_at(cn), w);
      break;
    case KH_SWITCH: {
      kh_switch *s = &g->switches[k];
      if (linearize) kh_switch_decide(g, s, kh_switch_control(g, k, x));
      double c = s->state ? s->gon : s->goff;
      bad |= kh_general_stamp(g, a, a, c) | kh_general_stamp(g, b, b, c) |
             kh_general_stamp(g, a, b, -c) | kh_general_stamp(g, b, a, -c);
      break;
    }
    case KH_CCCS:
      bad |= kh_general_stamp(g, a, g->control[k], w) | kh_general_stamp(g, b, g->control[k], -w);
      break;
    case KH_JFET:
    case KH_MOSFET:
    case KH_BJT: bad |= stamp_transistor(g, k, x, linearize); break;
    case KH_BEHAVIOURAL_V:
    case KH_BEHAVIOURAL_I: bad |= kh_behaviour_stamp(g, k, a, b, x); break;
    case KH_CAPACITOR: break; /* open at DC */
    }
  }
  for (size_t v = 1; v < g->nodes; v++)
    bad |= kh_general_stamp(g, kh_general_at(v), kh_general_at(v), g->gshunt);
  return bad;
}

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

/* While .nodeset holds its nodes, each one's row is replaced as ngspice's cktload.c does
 * (ZeroNoncurRow): its node-voltage entries go; a row without branch currents becomes
 * v = volts (g->pinned 1), and one where branch currents enter (a source or inductor at the node:
 * g->pinned 2) keeps them beside 1e10 v, so that they still balance there, as through a 1e10 S
 * conductance to the nodeset voltage (pinning both ends of a source by rows v = volts alone
 * would leave its current in no equation). Corrections: the right side is that row's residual.
 * The pattern stays; only values change. */
static void pin_rows(kh_general *g) {
  for (size_t u = 0; u < g->n; u++)
    if (g->pinned[u]) g->rhs[u] = (g->pinned[u] == 2 ? 1e10 : 1) * (g->pin_volts[u] - g->x[u]);
  for (size_t j = 0; j < g->n; j++)
    for (long p = g->ap[j]; p < g->ap[j + 1]; p++) {
      long u = g->ai[p];
      if (!g->pinned[u]) continue;
      if (g->is_current[j] && g->pinned[u] == 2)
        g->rhs[u] -= g->ax[p] * g->x[j];
      else
        g->ax[p] = u == (long)j ? (g->pinned[u] == 2 ? 1e10 : 1) : 0;
    }
}

/* Solves the assembled system into g->rhs (the next x). Returns 1 for a singular matrix: a zero
 * pivot, or a reciprocal condition estimate at round-off (a refactorization keeps the first
 * factorization's pivots, so an exact zero can come back as a tiny one). */
static int factor_solve(kh_general *g, kh_solve_stats *stats) {
  memset(g->ax, 0, g->nnz * sizeof *g->ax);
  for (size_t e = 0; e < g->entries; e++) g->ax[g->slot[e]] += g->tx[e];
  if (g->pinning) pin_rows(g);
  int ok = g->num ? klu_l_refactor(g->ap, g->ai, g->ax, g->sym, g->num, &g->common) : 0;
  /* A refactorization keeps the pivots the last factorization chose, at values Newton may since
   * have moved by twenty orders of magnitude (junctions from the cold start to far forward or
   * reverse): the old order can then leave pivots next to nothing and a step of 1e17 V (seen:
   * the 4-bit TTL adder of SPICE's benchmarks diverged, or gave up as singular, where ngspice,
   * whose sparse code reorders after its first iteration and on a bad pivot, converges). KLU's
   * rcond (smallest pivot over largest) a thousand times below the last chosen order's says the
   * order went stale: the pivots are chosen again. */
  ok = ok && g->common.status == KLU_OK && klu_l_rcond(g->sym, g->num, &g->common) &&
       !(g->common.rcond < 1e-3 * g->pivoted_rcond);
  if (!ok) {
    if (g->num) klu_l_free_numeric(&g->num, &g->common);
    g->num = klu_l_factor(g->ap, g->ai, g->ax, g->sym, &g->common);
    ok = g->num && g->common.status == KLU_OK && klu_l_rcond(g->sym, g->num, &g->common);
    if (ok) g->pivoted_rcond = g->common.rcond;
  }
  stats->factorizations++;
  if (!ok) return 1; /* singular, or no rcond */
  /* KLU's rcond, computed above, is its smallest pivot over its largest: a cheap screen that
   * also trips on well-posed systems whose rows are scaled apart (an H of 894 V/A beside a 10
   * Mohm node: rcond 1e-17 where the condition number is 9e8, seen on a deck ngspice solves).
   * Only the estimate of the condition number itself (Hager's, a few solves) calls a matrix
   * singular. */
  g->ill =
      !(g->common.rcond > 1e-15) &&
      (!klu_l_condest(g->ap, g->ax, g->sym, g->num, &g->common) || !(g->common.condest < 1e15));
  klu_l_solve(g->sym, g->num, (long)g->n, 1, g->rhs, &g->common);
  return g->common.status != KLU_OK;
}

/* The certificate's two figures over unknowns 1..n of sum and mag (certify): the largest KCL
 * imbalance, and the worst ratio to what rounding allows among those over 1e-12 A. */
static void node_verdicts(const long double *sum, const double *mag, size_t n, double *worst_out,
                          double *rel_out) {
  double worst = 0, rel = 0;
  for (size_t v = 1; v <= n; v++) {
    double r = fabs((double)sum[v]);
    worst = fmax(worst, r);
    /* each node passes on either test (certified): the relative one counts only where the
     * absolute one fails, else a node of 2e-41 A against a 2e-41 A scale (a cut-off MOSFET's
     * source inside its RS) failed a deck whose every node met one test or the other. Not
     * fmax, which drops a NaN: an overflowed current (inf against an inf scale) must fail the
     * check, not vanish from it (seen: a junction 520 V forward, 'certified') */
    double q = mag[v] > 0 ? r / mag[v] : INFINITY;
    if (!(r <= 1e-12) && !(q <= rel)) rel = q;
    if (!isfinite(r)) worst = rel = INFINITY; /* NaN too, which fmax would drop from worst */
  }
  *worst_out = worst, *rel_out = rel;
}

/* KCL at every node and every branch equation, at x, without limiting: the certificate. */
static void certify(kh_general *g, kh_solve_stats *stats, double *current) {
  const kh_netlist *nl = g->nl;
  /* indexed by unknown + 1: node v at v, then the heated diodes' inner nodes and the inner bases
   * of BJTs whose base resistance is modulated (branch rows stay 0: their equations are linear,
   * solved exactly by each step) */
  long double *sum = kh_calloc(g->n + 1, sizeof *sum);
  double *mag = kh_calloc(g->n + 1, sizeof *mag);
  double worst = 0, rel = 0;
  /* without its sums nothing is checked: no verdict but a failed one (an empty check passed
   * once, and an allocation that failed mid-Newton ended it at a point 0.07 V off: seen by
   * tests/core/alloc_torture.c) */
  int failed = !sum || !mag;
  if (failed) g->out_of_memory = 1;
  for (size_t k = 0; sum && mag && k < g->elements; k++) {
    kh_element e = kh_netlist_element(nl, k);
    double va = e.node_pos ? g->x[kh_general_at(e.node_pos)] : 0,
           vb = e.node_neg ? g->x[kh_general_at(e.node_neg)] : 0;
    double i = 0, phi, gd = 0, w = g->values ? g->values[k] : e.value, cv = 0;
    size_t cp, cn, src;
    switch (e.kind) {
    case KH_RESISTOR: i = (va - vb) / w, gd = 1 / w; break;
    case KH_ISOURCE: i = w; break;
    case KH_DIODE:
      if (g->heat[g->diode[k]].tj >= 0) { /* its KCL terms, inner and thermal nodes included */
        i = kh_heat_certify(g, k, g->diode[k], sum, mag, &failed);
        if (current) current[k] = i;
        continue;
      }
      if (g->diodes[g->diode[k]].kind == KH_DIODE_IDEAL)
        i = g->x[g->branch[k]];
      else
        kh_diode_eval(&g->diodes[g->diode[k]], va - vb, &phi, &i, &gd);
      break;
    case KH_VCCS:
      kh_netlist_control(nl, k, &cp, &cn, &src);
      i = w * ((cp ? g->x[kh_general_at(cp)] : 0) - (cn ? g->x[kh_general_at(cn)] : 0));
      cv = fabs(w) *
           (fabs(cp ? g->x[kh_general_at(cp)] : 0) + fabs(cn ? g->x[kh_general_at(cn)] : 0));
      break;
    case KH_CCCS: i = w * g->x[g->control[k]]; break;
    case KH_SWITCH:
      gd = g->switches[k].state ? g->switches[k].gon : g->switches[k].goff;
      i = gd * (va - vb);
      break;
    case KH_CAPACITOR: i = 0; break;
    case KH_BEHAVIOURAL_V:
    case KH_BEHAVIOURAL_I: i = kh_behaviour_certify(g, k, va, vb, &cv, &failed); break;
    case KH_JFET: /* three or four terminals: their own KCL terms */
    case KH_MOSFET:
    case KH_BJT:
      i = e.kind == KH_JFET     ? kh_jfet_certify(g, &g->jfets[g->jfet[k]], sum, mag)
          : e.kind == KH_MOSFET ? kh_mosfet_certify(g, &g->mosfets[g->mosfet[k]], sum, mag)
                                : kh_bjt_certify(g, &g->bjts[g->bjt[k]], sum, mag);
      if (current) current[k] = i;
      continue;
    case KH_VCVS: /* a product term's equation is not linear: Newton's steps do not solve it */
      i = g->x[g->branch[k]];
      if (g->product[k] >= 0 &&
          !kh_product_holds(g, k, kh_general_at(e.node_pos), kh_general_at(e.node_neg), w))
        failed = 1;
      break;
    default: i = g->x[g->branch[k]]; break; /* V, L, E, H: their branch currents */
    }
    if (current) current[k] = i;
    sum[e.node_pos] += i, sum[e.node_neg] -= i;
    /* what rounding allows in this branch's current: the co-content solver's scale, g (|va| +
     * |vb|) (docs/reliability.md), and the current itself */
    double scale = fmax(fmax(fabs(i), fabs(gd) * (fabs(va) + fabs(vb))), cv);
    mag[e.node_pos] = fmax(mag[e.node_pos], scale), mag[e.node_neg] = fmax(mag[e.node_neg], scale);
  }
  if (sum && mag) node_verdicts(sum, mag, g->n, &worst, &rel);
  if (failed) worst = rel = INFINITY; /* a heated model failed at the temperature reached */
  stats->residual = worst, stats->relative_residual = rel;
  kh_free(sum), kh_free(mag);
}

/* The certificate's verdict on certify's residuals: every node's KCL imbalance at most 1e-12 A
 * (ngspice's ABSTOL) or 1e-9 of what rounding allows there (relative_residual: the worst ratio
 * among the nodes over 1e-12 A). */
static int certified(const kh_solve_stats *stats) {
  return stats->residual <= 1e-12 || stats->relative_residual <= 1e-9;
}

static int passes(kh_general *g, kh_solve_stats *stats) {
  certify(g, stats, NULL);
  return certified(stats);
}

/* The linearized system's residual at x, rhs - A x, summed stamp by stamp in long double: solving
 * for the correction against it makes every Newton step an iterative refinement too, so the
 * answer is exact for the elements as given even where conductances span twelve decades (GMIN
 * beside an ohm of RS), not only backward stable. */
static void residual(kh_general *g, long double *acc) {
  for (size_t i = 0; i < g->n; i++) acc[i] = g->rhs[i];
  for (size_t e = 0; e < g->entries; e++) acc[g->ti[e]] -= (long double)g->tx[e] * g->x[g->tj[e]];
  for (size_t i = 0; i < g->n; i++) g->rhs[i] = (double)acc[i];
}

/* Newton from g->x at the present gshunt and scale; 0 when converged to round-off. */
static int newton(kh_general *g, kh_solve_stats *stats, int *singular) {
  double last = INFINITY;
  int ill_run = 0;
  long double *acc = kh_malloc((g->n + 1) * sizeof *acc);
  if (!acc) return -1;
  int rc = 1;
  kh_switches_begin(g);
  for (int it = 0; it < MAX_ITERATIONS; it++) {
    int bad = assemble(g, g->x, 1);
    if (bad) {
      rc = bad == -2 ? 2 : -1; /* a heated model failed at the temperature this step reached */
      break;
    }
    stats->iterations++;
    if (g->expression_failed) break; /* a B source out of range: this Newton cannot go on */
    residual(g, acc);
    if (factor_solve(g, stats)) { /* with heating, 1/RTH0 - dP/dT can vanish at an iterate */
      *singular = !g->heated;
      break;
    }
    /* a matrix as good as singular: where Newton ends here, the answer is not determined (a
     * node no DC path fixes), and three in a row end it; on the way, a step (a B source
     * dividing by a node still at 0 V, as ngspice's first iteration does too) */
    ill_run = g->ill ? ill_run + 1 : 0;
    *singular = g->ill && !g->heated;
    if (ill_run == 3) break;
    /* corrections against the solution's size, voltages and branch currents apart: a source
     * carrying 5e11 A (a junction it drives far forward) made 2e-4 V look like round-off, and
     * a node sat 17 nA out of balance (seen) */
    double step[2] = {0, 0}, size[2] = {1, 1};
    int finite = 1;
    for (size_t k = 0; k < g->n; k++) {
      int c = g->is_current[k];
      finite &= isfinite(g->rhs[k]);
      step[c] = fmax(step[c], fabs(g->rhs[k]));
      g->x[k] += g->rhs[k];
      size[c] = fmax(size[c], fabs(g->x[k]));
    }
    if (!finite) break;
    /* ngspice's first iteration of a method (MODEINITJCT), then MODEINITFIX until one that no
     * device limited, which does not count as converged: the switches decide from then on */
    if (g->settling == 2 || (g->settling == 1 && !g->limited)) {
      g->settling--, last = INFINITY;
      continue;
    }
    double change = fmax(step[0] / size[0], step[1] / size[1]); /* relative to the solution */
    /* done at round-off: corrections this small, or corrections no longer shrinking at an
     * answer the certificate accepts. Where GMIN (1e-12 S) holds a node beside an ohm of RS,
     * one ulp of the voltage across the RS moves that node by millivolts: the corrections
     * settle into a sign-alternating plateau there that no tolerance on them would tell from
     * divergence, while the KCL certificate, scaled as rounding allows, can. A gmin or source
     * step is only a way to the answer, and the certificate does not describe its equations: a
     * plateau under 1e-9 of the solution ends it. */
    int stepping = g->gshunt > 0 || g->gjunction > 0 || g->scale < 1 || g->pinning || g->holding,
        stalled = change >= 0.5 * last && change <= 2 * last;
    if (!g->limited && !g->ill &&
        (change <= 1e-15 || (stalled && (stepping ? change <= 1e-9 : passes(g, stats))))) {
      if (kh_switches_flip_held(g)) {
        last = INFINITY;
        continue;
      }
      if (g->holding) { /* MODEINITFIX converged: the `off` devices go (MODEINITFLOAT) */
        g->holding = 0, last = INFINITY;
        continue;
      }
      rc = 0;
      break;
    }
    last = g->limited ? INFINITY : change;
  }
  kh_free(acc);
  return rc;
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
    st = kh_mosfet_from_netlist(ctx, g->nl, k, &g->mosfets[count[1]]);
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
  if (!g->branch || !g->control || !g->diode || !g->diodes || !g->vd || !g->diode_cold ||
      !g->diode_off || !g->on || !g->heat || !g->jfet || !g->jfets || !g->mosfet || !g->mosfets ||
      !g->bjt || !g->bjts || !g->switches)
    return kh_fail_nomem(ctx, "general Newton");
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
  if (assemble(g, g->x, 0)) return kh_fail_nomem(ctx, "general Newton");
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
  kh_free(g->switches);
}

/* The junction voltages and rises that limiting compares against, as g->x puts them. */
static void follow_x(kh_general *g) {
  for (size_t k = 0; k < g->elements; k++) {
    if (g->jfet[k] >= 0) kh_jfet_follow(&g->jfets[g->jfet[k]], g->x);
    if (g->mosfet[k] >= 0) kh_mosfet_follow(&g->mosfets[g->mosfet[k]], g->x);
    if (g->bjt[k] >= 0) kh_bjt_follow(&g->bjts[g->bjt[k]], g->x);
    long d = g->diode[k];
    if (d < 0) continue;
    kh_element e = kh_netlist_element(g->nl, k);
    long inner = g->heat[d].inner;
    g->vd[d] = kh_general_value(g->x, inner >= 0 ? inner : kh_general_at(e.node_pos)) -
               kh_general_value(g->x, kh_general_at(e.node_neg));
    if (g->heat[d].tj >= 0) g->heat[d].rise = g->x[g->heat[d].tj];
  }
}

/* Restarts from x. */
static void restart(kh_general *g, const double *x) {
  memcpy(g->x, x, g->n * sizeof *g->x);
  follow_x(g);
}

/* Each of ngspice's .op methods begins with its transistors at their first guess, whatever x
 * says (MODEINITJCT): the next linearization of each is there (its stamp says where), and so
 * does every Shockley diode, at its critical voltage as dioload.c puts it. (A 741 at transistor
 * level took 144 Newton steps from x alone, 13 so; TI's TL071 macromodel at +-1.5 V, whose
 * output clamps' diodes feed a 5e6 gain, cycled between two states for 150 steps with its diodes
 * started where x put them and took 199 in all, 8 so, ngspice 12.) */
static void cold_start(kh_general *g) {
  g->settling = g->switch_count > 0 ? 2 : 0; /* each switch in its card's state again */
  g->holding = g->has_off;
  for (size_t k = 0; k < g->elements; k++) {
    if (g->diode[k] >= 0) g->diode_cold[g->diode[k]] = 1;
    if (g->bjt[k] >= 0) g->bjts[g->bjt[k]].cold = 1;
    if (g->jfet[k] >= 0) g->jfets[g->jfet[k]].cold = 1;
    if (g->mosfet[k] >= 0) g->mosfets[g->mosfet[k]].cold = 1;
  }
}

/* ngspice's gmin stepping (cktop.c), on *gmin: g->gshunt, a conductance from every node to
 * ground (dynamic gmin stepping), or g->gjunction, the GMIN across every junction (true gmin
 * stepping, which ngspice tries next). 1e-3 S first, divided by an adaptive factor after each
 * Newton that converges (by more when it converged fast, less when slowly), multiplied back part
 * of the way after one that fails, from the last answer; down to 1e-12 S, then none. Returns
 * newton's code. */
static int gmin_stepping(kh_general *g, double *gmin, kh_solve_stats *stats, int *singular,
                         double *good) {
  double factor = 10, old = 1e-2, target = 1e-12;
  *gmin = old / factor;
  memcpy(good, g->x, g->n * sizeof *good);
  for (int step = 0; step < 200; step++) {
    unsigned before = stats->iterations;
    *singular = 0;
    int rc = newton(g, stats, singular);
    if (rc < 0) return rc;
    if (rc == 0 && *gmin <= target) break;
    if (rc == 0) {
      unsigned used = stats->iterations - before;
      memcpy(good, g->x, g->n * sizeof *good);
      if (used <= MAX_ITERATIONS / 4) factor = fmin(factor * sqrt(factor), 10);
      if (used > 3 * MAX_ITERATIONS / 4) factor = sqrt(factor);
      old = *gmin;
      if (*gmin < factor * target)
        *gmin = target;
      else
        *gmin /= factor;
      continue;
    }
    if (factor < 1.00005) return *gmin = 0, rc;
    factor = sqrt(sqrt(factor)), *gmin = old / factor;
    restart(g, good);
  }
  *gmin = 0;
  *singular = 0;
  return newton(g, stats, singular);
}

/* Newton; then dynamic and true gmin stepping; then source stepping (every independent source
 * scaled up from 0), as ngspice's .op goes. */
static int ladder(kh_general *g, kh_solve_stats *stats, int *singular, double *start,
                  double *good) {
  memcpy(start, g->x, g->n * sizeof *start);
  int rc = newton(g, stats, singular);
  if (rc > 0) {
    restart(g, start), cold_start(g);
    rc = gmin_stepping(g, &g->gshunt, stats, singular, good);
  }
  if (rc > 0) {
    restart(g, start), cold_start(g);
    rc = gmin_stepping(g, &g->gjunction, stats, singular, good);
  }
  if (rc > 0) {
    restart(g, start), cold_start(g);
    rc = 0, g->gshunt = 0;
    for (int s = 0; rc == 0 && s <= 20; s++) {
      g->scale = s < 20 ? (s + 1) / 20.0 : 1;
      *singular = 0;
      rc = newton(g, stats, singular);
    }
    g->scale = 1;
  }
  g->gshunt = 0;
  return rc;
}

/* The ladder, and where it fails after a pwl curve's limiter (ngspice's) acted, which can walk
 * Newton in a cycle across a corner in a loop that feeds back (ngspice fails there), once more
 * from the same start with the curves' steps free. */
static int solve(kh_general *g, kh_solve_stats *stats, int *singular) {
  double *start = kh_malloc((g->n + 1) * sizeof *start),
         *good = kh_malloc((g->n + 1) * sizeof *good),
         *first = kh_malloc((g->n + 1) * sizeof *first);
  int rc = !start || !good || !first ? -1 : 0;
  if (rc == 0 && g->pinned) { /* .nodeset: Newton with its nodes held, then from there let go */
    memcpy(start, g->x, g->n * sizeof *start);
    g->pinning = 1;
    int held = newton(g, stats, singular);
    g->pinning = 0, *singular = 0;
    if (held < 0) rc = held;
    if (held > 0) { /* it did not converge held: start as without it, and say so */
      restart(g, start), cold_start(g);
      stats->nodesets_dropped = 1;
    }
  }
  if (rc == 0) {
    memcpy(first, g->x, g->n * sizeof *first);
    g->curves_limited = 0;
    rc = ladder(g, stats, singular, start, good);
  }
  if (rc > 0 && g->curves_limited) {
    restart(g, first), cold_start(g);
    g->curves_free = 1;
    rc = ladder(g, stats, singular, start, good);
    g->curves_free = 0;
  }
  kh_free(start), kh_free(good), kh_free(first);
  return rc;
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
  if (st == KH_OK && guess)
    for (size_t v = 1; v < g.nodes; v++) g.x[kh_general_at(v)] = guess[v];
  if (st == KH_OK && !guess) st = hold_nodesets(ctx, &g);
  for (size_t k = 0; st == KH_OK && k < g.elements; k++)
    if (g.diode[k] >= 0 && g.heat[g.diode[k]].tj >= 0 && kh_heat_start(&g, k, g.diode[k]))
      st = KH_ERR_INPUT; /* the message is in ctx */
  if (st == KH_OK) follow_x(&g);
  if (st == KH_OK && !guess) cold_start(&g);
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
  int rc = st == KH_OK ? solve(&g, stats, &singular) : 0;
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
  if (st == KH_OK && rc)
    st = kh_fail(ctx, KH_ERR_NUMERIC,
                 "general Newton found no operating point (Newton, then dynamic and true gmin "
                 "stepping and source stepping, %u iterations)%s",
                 stats->iterations, heat);
  if (st == KH_OK) st = kh_general_ideal_states_hold(ctx, &g);
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
    certify(&g, stats, currents);
    voltages[0] = 0;
    for (size_t v = 1; v < g.nodes; v++) voltages[v] = g.x[kh_general_at(v)];
    if (g.out_of_memory)
      st = kh_fail_nomem(ctx, "general Newton");
    else if (!certified(stats))
      st = kh_fail(ctx, KH_ERR_NUMERIC,
                   "general Newton's answer failed its KCL check: residual %.3g A (%.3g relative)",
                   stats->residual, stats->relative_residual);
  }
  release(&g);
  return st;
}
