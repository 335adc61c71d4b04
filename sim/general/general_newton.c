/* General Newton's iteration (general.c sets it up and reports; general_stepping.c runs it in
 * ngspice's sequence of methods): the assembly of the linearized system, KLU's factorization and
 * solve, the KCL certificate, and Newton itself. */
#include "core/alloc.h"
#include "general_impl.h"
#include "../circuit/circuit_impl.h"

#include <klu.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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
int kh_general_assemble(kh_general *g, const double *x, int linearize) {
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
  /* toward 0 V, or pseudo-transient's last step: every voltage unknown, the transistors' inner
   * nodes too, as ngspice's diagonal GMIN reaches its devices' internal nodes (a VBIC's seven,
   * left unshunted, cycled through limiting at every gmin step in deep avalanche, where
   * ngspice's first step converged) */
  for (size_t u = 0; u < g->n; u++) { /* 0 S too: the entries are the pattern's (g->slot) */
    if (g->is_current[u]) continue;
    bad |= kh_general_stamp(g, (long)u, (long)u, g->gshunt);
    if (g->shunt_to) kh_general_rhs(g, (long)u, g->gshunt * g->shunt_to[u]);
  }
  return bad;
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

/* Whether the assembled matrix is well conditioned (Hager's estimate below 1e15) once its rows
 * are scaled down to a largest entry of 1 and its branch currents' columns scaled either way
 * (three rounds of each): the estimate of the matrix as assembled calls a well-posed system
 * singular where a junction between two nodes that sources fix runs far forward: its
 * conductance (1e18 S: an NMOS's drain 1.4 V below its grounded bulk) sits beside the source's
 * unit entries, and only the source's current, which nothing else reads, depends on it (seen on a
 * random deck that ngspice solves). Currents may be that large; voltages are not rescaled, and
 * rows are not scaled up, so a voltage that rounding leaves undetermined stays so: a node no
 * DC path fixes, or a B source's output 1/(v(a) + 2) at v(a) = -2, whose slope is 1e64. */
static int well_conditioned_scaled(kh_general *g) {
  double *bx = kh_malloc((g->nnz + 1) * sizeof *bx), *row = kh_malloc((g->n + 1) * sizeof *row),
         *col = kh_malloc((g->n + 1) * sizeof *col);
  int well = 0;
  if (!bx || !row || !col) g->out_of_memory = 1;
  for (size_t u = 0; bx && row && col && u < g->n; u++) row[u] = col[u] = 1;
  for (int round = 0; bx && row && col && round < 4; round++) {
    for (size_t u = 0; u < g->n; u++) row[u] = 0; /* each row's largest, columns scaled */
    for (size_t j = 0; j < g->n; j++)
      for (long p = g->ap[j]; p < g->ap[j + 1]; p++)
        row[g->ai[p]] = fmax(row[g->ai[p]], fabs(g->ax[p]) * col[j]);
    for (size_t u = 0; u < g->n; u++) row[u] = row[u] > 1 ? 1 / row[u] : 1;
    for (size_t j = 0; round < 3 && j < g->n; j++) {
      double big = 0;
      for (long p = g->ap[j]; g->is_current[j] && p < g->ap[j + 1]; p++)
        big = fmax(big, fabs(g->ax[p]) * row[g->ai[p]]);
      if (big > 0) col[j] = 1 / big;
    }
  }
  if (bx && row && col) {
    for (size_t j = 0; j < g->n; j++)
      for (long p = g->ap[j]; p < g->ap[j + 1]; p++) bx[p] = g->ax[p] * row[g->ai[p]] * col[j];
    klu_l_numeric *num = klu_l_factor(g->ap, g->ai, bx, g->sym, &g->common);
    well = num && g->common.status == KLU_OK && klu_l_condest(g->ap, bx, g->sym, num, &g->common) &&
           g->common.condest < 1e15;
    if (num) klu_l_free_numeric(&num, &g->common);
  }
  kh_free(bx), kh_free(row), kh_free(col);
  return well;
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
      (!klu_l_condest(g->ap, g->ax, g->sym, g->num, &g->common) || !(g->common.condest < 1e15)) &&
      !well_conditioned_scaled(g);
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
void kh_general_certify(kh_general *g, kh_solve_stats *stats, double *current) {
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
int kh_general_certified(const kh_solve_stats *stats) {
  return stats->residual <= 1e-12 || stats->relative_residual <= 1e-9;
}

static int passes(kh_general *g, kh_solve_stats *stats) {
  kh_general_certify(g, stats, NULL);
  return kh_general_certified(stats);
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

/* Adds the correction (g->rhs) to g->x: the largest correction of each kind (node voltages,
 * branch currents) in step and the size of each kind's solution in size, and in *lead the
 * unknown whose correction is largest against its own size; 0 where one is not finite. */
static int apply_correction(kh_general *g, double step[2], double size[2], size_t *lead) {
  double lead_share = -1;
  int finite = 1;
  *lead = 0;
  for (size_t k = 0; k < g->n; k++) {
    int c = g->is_current[k];
    finite &= isfinite(g->rhs[k]);
    step[c] = fmax(step[c], fabs(g->rhs[k]));
    g->x[k] += g->rhs[k];
    size[c] = fmax(size[c], fabs(g->x[k]));
    double share = fabs(g->rhs[k]) / fmax(1, fabs(g->x[k]));
    if (share > lead_share) lead_share = share, *lead = k;
  }
  return finite;
}

/* Newton from g->x at the present gshunt and scale; 0 when converged to round-off. */
int kh_general_newton(kh_general *g, kh_solve_stats *stats, int *singular) {
  double last = INFINITY, last_lead_step = 0;
  int ill_run = 0, plateau = 0;
  size_t last_lead = (size_t)-1;
  long double *acc = kh_malloc((g->n + 1) * sizeof *acc);
  if (!acc) return -1;
  int rc = 1;
  kh_switches_begin(g);
  for (int it = 0; it < (g->iteration_limit ? g->iteration_limit : KH_GENERAL_ITERATIONS); it++) {
    int bad = kh_general_assemble(g, g->x, 1);
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
    size_t lead;
    if (!apply_correction(g, step, size, &lead)) break;
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
    /* Above 1e-9 of the solution a plateau is one only where it lasts, three corrections in a
     * row within a factor 2 of each other: two passed a VBIC's 0.1 ohm inner base 1.5 nA out
     * of balance (4.6e-4, then 6.4e-4, which the certificate's 1e-9 of its 22 A scale let
     * through; the next step was 5e-6, then round-off). Corrections at 1e-12 of the solution
     * are round-off however they alternate (a VBIC's parasitic base behind RBP's 0.01 ohm
     * floor: 5e-15, 3e-14, 5e-15, ... for 130 steps at an answer the certificate accepts). */
    /* Nor where they keep moving one unknown one way: Newton descending an exponential one N Vt
     * per step (a picoampere inverter, every node within 1e-12 A of balance, ended after three
     * steps of 24.6 mV, 17.7 mV from its answer: seen; docs/algorithms.md) */
    int onward = lead == last_lead && (g->rhs[lead] > 0) == (last_lead_step > 0),
        steady = change >= 0.5 * last && change <= 2 * last && !(onward && change > 1e-9);
    plateau = steady ? plateau + 1 : 0;
    last_lead = lead, last_lead_step = g->rhs[lead];
    int stepping = g->gshunt > 0 || g->gjunction > 0 || g->scale < 1 || g->pinning || g->holding,
        stalled = plateau >= (change <= 1e-9 ? 1 : 2) || (!stepping && change <= 1e-12);
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

/* The junction voltages and rises that limiting compares against, as g->x puts them. */
void kh_general_follow_x(kh_general *g) {
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
void kh_general_restart(kh_general *g, const double *x) {
  memcpy(g->x, x, g->n * sizeof *g->x);
  kh_general_follow_x(g);
}

/* Each of ngspice's .op methods begins with its transistors at their first guess, whatever x
 * says (MODEINITJCT): the next linearization of each is there (its stamp says where), and so
 * does every Shockley diode, at its critical voltage as dioload.c puts it. (A 741 at transistor
 * level took 144 Newton steps from x alone, 13 so; TI's TL071 macromodel at +-1.5 V, whose
 * output clamps' diodes feed a 5e6 gain, cycled between two states for 150 steps with its diodes
 * started where x put them and took 199 in all, 8 so, ngspice 12.) */
void kh_general_cold_start(kh_general *g) {
  g->settling = g->switch_count > 0 ? 2 : 0; /* each switch in its card's state again */
  g->holding = g->has_off;
  for (size_t k = 0; k < g->elements; k++) {
    if (g->diode[k] >= 0) g->diode_cold[g->diode[k]] = 1;
    if (g->bjt[k] >= 0) g->bjts[g->bjt[k]].cold = 1;
    if (g->jfet[k] >= 0) g->jfets[g->jfet[k]].cold = 1;
    if (g->mosfet[k] >= 0) g->mosfets[g->mosfet[k]].cold = 1;
  }
}
