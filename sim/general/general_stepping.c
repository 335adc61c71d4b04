/* The methods general Newton tries in turn where Newton alone fails, as ngspice's .op does
 * (cktop.c): dynamic and true gmin stepping, source stepping, and a pseudo-transient where
 * ngspice has its transient op. */
#include "general_impl.h"

#include "core/alloc.h"

#include <math.h>
#include <string.h>

/* ngspice's gmin stepping (cktop.c), on *gmin: g->gshunt, a conductance from every node to
 * ground (dynamic gmin stepping), or g->gjunction, the GMIN across every junction (true gmin
 * stepping, which ngspice tries next). 1e-3 S first, divided by an adaptive factor after each
 * Newton that converges (by more when it converged fast, less when slowly), multiplied back part
 * of the way after one that fails, from the last answer; down to 1e-12 S, then none. Where a
 * step fails with the factor spent, ngspice still ends with Newton without it, from where that
 * step left x (random deck 488 at 76 mV converges only so). Returns newton's code. */
static int gmin_stepping(kh_general *g, double *gmin, kh_solve_stats *stats, int *singular,
                         double *good) {
  double factor = 10, old = 1e-2, target = 1e-12;
  *gmin = old / factor;
  memcpy(good, g->x, g->n * sizeof *good);
  for (int step = 0; step < 200; step++) {
    unsigned before = stats->iterations;
    *singular = 0;
    int rc = kh_general_newton(g, stats, singular);
    if (rc < 0) return rc;
    if (rc == 0 && *gmin <= target) break;
    if (rc == 0) {
      unsigned used = stats->iterations - before;
      memcpy(good, g->x, g->n * sizeof *good);
      if (used <= KH_GENERAL_ITERATIONS / 4) factor = fmin(factor * sqrt(factor), 10);
      if (used > 3 * KH_GENERAL_ITERATIONS / 4) factor = fmax(sqrt(factor), 1.00005);
      old = *gmin;
      if (*gmin < factor * target)
        factor = *gmin / target, *gmin = target;
      else
        *gmin /= factor;
      continue;
    }
    if (factor < 1.00005) break; /* and Newton without it from where the last step ended */
    factor = sqrt(sqrt(factor)), *gmin = old / factor;
    kh_general_restart(g, good);
  }
  *gmin = 0;
  *singular = 0;
  return kh_general_newton(g, stats, singular);
}

/* ngspice's source stepping (gillespie_src in cktop.c): every independent source scaled by
 * g->scale. At 0, Newton, and where that fails a gshunt from 1e-2 S down by 10 to 1e-12 S, each
 * step of which must converge. Then up from 0 by a raise that starts at 0.001, grows by 1.5
 * after a Newton that took under a quarter of its iterations and halves after one that took more
 * than three quarters; after a failure, back to the last scale that converged with a tenth of the
 * raise (at most 0.01), until the raise falls below 1e-7. (A fixed ramp of 20 steps failed on
 * decks at 62 to 474 V that ngspice solves so, bench/random_decks.py --supply.) Returns newton's
 * code. */
static int source_stepping(kh_general *g, kh_solve_stats *stats, int *singular, double *good) {
  g->scale = 0, g->gshunt = 0, *singular = 0;
  int rc = kh_general_newton(g, stats, singular);
  for (double gmin = 1e-2; rc > 0; gmin /= 10) {
    g->gshunt = gmin, *singular = 0;
    rc = kh_general_newton(g, stats, singular);
    if (rc != 0 || gmin < 1e-12 * 1.01) break;
    rc = 1;
  }
  g->gshunt = 0;
  double reached = 0, raise = 1e-3;
  memcpy(good, g->x, g->n * sizeof *good);
  while (rc == 0 && reached < 1 && raise >= 1e-7) {
    g->scale = fmin(reached + raise, 1);
    unsigned before = stats->iterations;
    *singular = 0;
    rc = kh_general_newton(g, stats, singular);
    if (rc < 0) break;
    if (rc == 0) {
      unsigned used = stats->iterations - before;
      reached = g->scale;
      memcpy(good, g->x, g->n * sizeof *good);
      if (used <= KH_GENERAL_ITERATIONS / 4) raise *= 1.5;
      if (used > 3 * KH_GENERAL_ITERATIONS / 4) raise *= 0.5;
      continue;
    }
    if (g->scale - reached < 1e-8) break;
    raise = fmin(raise / 10, 0.01), rc = 0;
    kh_general_restart(g, good);
  }
  g->scale = 1;
  return rc < 0 ? rc : reached < 1 ? 1 : 0;
}

/* Pseudo-transient continuation, the last rung, where ngspice's is its "transient op" (a
 * transient from 0 V whose end it takes as the operating point): implicit Euler steps on a
 * capacitance C at every node, each a Newton on the circuit plus C/h from every node to where the
 * last step left it (g->gshunt toward g->shunt_to), C/h from 1 S down, by 10 after a step that
 * took few iterations and by 2 after one that took more, and up by 8 after one that failed, from
 * the last step; ngspice's transient takes 10 iterations a step, this 20. Where C/h reaches
 * 1e-12 S, plain Newton from there. It walks past what defeats the rungs above: a current that
 * a limiter holds constant, whose zero derivative sends each Newton step to the opposite rail
 * (an XSPICE ilimit into a resistor, bench/random_decks.py). Returns newton's code. */
static int pseudo_transient(kh_general *g, kh_solve_stats *stats, int *singular, double *good) {
  double *to = kh_malloc((g->n + 1) * sizeof *to);
  if (!to) return -1;
  memcpy(good, g->x, g->n * sizeof *good);
  g->shunt_to = to, g->iteration_limit = 20, g->gshunt = 1;
  int rc = 1;
  for (int step = 0; step < 400 && g->gshunt <= 1e6; step++) {
    memcpy(to, g->x, g->n * sizeof *to);
    unsigned before = stats->iterations;
    *singular = 0;
    rc = kh_general_newton(g, stats, singular);
    if (rc < 0) break;
    if (rc > 0) {
      kh_general_restart(g, good), g->gshunt *= 8;
      continue;
    }
    memcpy(good, g->x, g->n * sizeof *good);
    if (g->gshunt <= 1e-12) break;
    g->gshunt /= stats->iterations - before <= 5 ? 10 : 2;
  }
  g->shunt_to = NULL, g->iteration_limit = 0, g->gshunt = 0;
  kh_free(to);
  if (rc != 0) return rc;
  *singular = 0;
  return kh_general_newton(g, stats, singular);
}

/* Newton; then dynamic and true gmin stepping; then source stepping (every independent source
 * scaled up from 0), as ngspice's .op goes; then pseudo-transient continuation. */
static int ladder(kh_general *g, kh_solve_stats *stats, int *singular, double *start,
                  double *good) {
  memcpy(start, g->x, g->n * sizeof *start);
  int rc = kh_general_newton(g, stats, singular);
  /* where plain Newton ended on a matrix as good as singular and every rung fails too, that is
   * what to tell (a junction two sources hold far forward: its conductance beside the others') */
  int first_singular = rc > 0 && *singular;
  if (rc > 0) {
    kh_general_restart(g, start), kh_general_cold_start(g);
    rc = gmin_stepping(g, &g->gshunt, stats, singular, good);
  }
  if (rc > 0) {
    kh_general_restart(g, start), kh_general_cold_start(g);
    rc = gmin_stepping(g, &g->gjunction, stats, singular, good);
  }
  if (rc > 0) {
    kh_general_restart(g, start), kh_general_cold_start(g);
    rc = source_stepping(g, stats, singular, good);
  }
  if (rc > 0) {
    kh_general_restart(g, start), kh_general_cold_start(g);
    rc = pseudo_transient(g, stats, singular, good);
  }
  if (rc > 0 && first_singular) *singular = 1;
  g->gshunt = 0;
  return rc;
}

/* The ladder, and where it fails after a pwl curve's limiter (ngspice's) acted, which can walk
 * Newton in a cycle across a corner in a loop that feeds back (ngspice fails there), once more
 * from the same start with the curves' steps free. */
int kh_general_solve(kh_general *g, kh_solve_stats *stats, int *singular) {
  double *start = kh_malloc((g->n + 1) * sizeof *start),
         *good = kh_malloc((g->n + 1) * sizeof *good),
         *first = kh_malloc((g->n + 1) * sizeof *first);
  int rc = !start || !good || !first ? -1 : 0;
  if (rc == 0 && g->pinned) { /* .nodeset: Newton with its nodes held, then from there let go */
    memcpy(start, g->x, g->n * sizeof *start);
    g->pinning = 1;
    int held = kh_general_newton(g, stats, singular);
    g->pinning = 0, *singular = 0;
    if (held < 0) rc = held;
    if (held > 0) { /* it did not converge held: start as without it, and say so */
      kh_general_restart(g, start), kh_general_cold_start(g);
      stats->nodesets_dropped = 1;
    }
  }
  if (rc == 0) {
    memcpy(first, g->x, g->n * sizeof *first);
    g->curves_limited = 0;
    rc = ladder(g, stats, singular, start, good);
  }
  if (rc > 0 && g->curves_limited) {
    kh_general_restart(g, first), kh_general_cold_start(g);
    g->curves_free = 1;
    rc = ladder(g, stats, singular, start, good);
    g->curves_free = 0;
  }
  kh_free(start), kh_free(good), kh_free(first);
  return rc;
}
