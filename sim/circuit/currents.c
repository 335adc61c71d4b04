/* Element currents of a solved circuit (kirchhoff op --currents): each element's current from
 * its positive node through it to its negative node, as ngspice reports i(name). Resistors,
 * current sources and smooth diodes give theirs from their voltage. The others carry whatever
 * KCL leaves: voltage sources and inductors (ties), and ideal diodes that conduct (v at their
 * threshold; one that does not carries nothing). Those form a forest (loops of them are refused
 * when the circuit is built, or have no unique currents), so their currents follow by peeling
 * leaves: a node with one such element left sends its imbalance through it. */
#include "circuit_impl.h"

#include "core/alloc.h"
#include "core/context.h"
#include "kirchhoff/general.h"

#include <math.h>
#include <string.h>

/* An ideal diode conducts when its voltage sits at the threshold (the solver projects it there
 * exactly; round-off is all that separates them). */

typedef struct {
  size_t *first, *edge; /* per node: its incident undetermined elements, CSR */
  size_t *degree, *queue;
  unsigned char *done;
} forest;

static void forest_free(forest *f) {
  kh_free(f->first), kh_free(f->edge), kh_free(f->degree), kh_free(f->queue), kh_free(f->done);
}

/* Determines the currents of the elements flagged in `open` from the imbalance out[]; returns
 * the first that stays undetermined (a loop), or (size_t)-1. */
static size_t peel(const kh_circuit *c, const unsigned char *open, long double *out,
                   double *current, forest *f) {
  size_t n = c->node_count, m = c->element_count, head = 0, tail = 0;
  for (size_t k = 0; k < m; k++)
    if (open[k]) f->degree[c->ends[k][0]]++, f->degree[c->ends[k][1]]++;
  for (size_t v = 0; v < n; v++) f->first[v + 1] = f->first[v] + f->degree[v];
  size_t *fill = f->queue; /* borrowed as a cursor before the queue is used */
  memcpy(fill, f->first, n * sizeof *fill);
  for (size_t k = 0; k < m; k++)
    if (open[k]) f->edge[fill[c->ends[k][0]]++] = k, f->edge[fill[c->ends[k][1]]++] = k;
  for (size_t v = 0; v < n; v++)
    if (f->degree[v] == 1) f->queue[tail++] = v;
  while (head < tail) {
    size_t v = f->queue[head++], k = (size_t)-1;
    if (f->degree[v] != 1) continue;
    for (size_t j = f->first[v]; j < f->first[v + 1]; j++)
      if (!f->done[f->edge[j]]) k = f->edge[j];
    uint32_t a = c->ends[k][0], b = c->ends[k][1];
    long double i = a == v ? -out[v] : out[v]; /* what makes v's currents sum to zero */
    current[k] = (double)i;
    f->done[k] = 1;
    out[a] += i, out[b] -= i;
    size_t other = a == v ? b : a;
    f->degree[v]--;
    if (--f->degree[other] == 1) f->queue[tail++] = other;
  }
  for (size_t k = 0; k < m; k++)
    if (open[k] && !f->done[k]) return k;
  return (size_t)-1;
}

/* Amplifiers' currents depend on each other (F carries a multiple of its sensing source's), so
 * general Newton, started at the answer, gives them with every branch current: one or two
 * iterations, and its own certificate; an ideal diode there is the 0 V offset source or the open
 * it is at the answer. */
static kh_status amplifier_currents(kh_context *ctx, const kh_circuit *c, const double *v,
                                    double *current) {
  double *values = kh_malloc((c->element_count + 1) * sizeof *values),
         *w = kh_malloc((c->node_count + 1) * sizeof *w);
  kh_status st = values && w ? KH_OK : kh_fail_nomem(ctx, "computing element currents");
  if (st == KH_OK) kh_circuit_element_values(c, values); /* as the circuit stands */
  kh_solve_stats stats;
  if (st == KH_OK) st = kh_general_op(ctx, c->nl, values, v, w, current, &stats);
  kh_free(values), kh_free(w);
  return st;
}

kh_status kh_circuit_currents(kh_context *ctx, const kh_circuit *c, const double *v,
                              double *current) {
  if (kh_netlist_amplifier_count(c->nl)) return amplifier_currents(ctx, c, v, current);
  size_t n = c->node_count, m = c->element_count;
  /* out[v]: the current leaving node v through the elements whose current is known */
  long double *out = kh_calloc(n + 1, sizeof *out);
  unsigned char *open = kh_calloc(m + 1, 1);
  forest f = {kh_calloc(n + 2, sizeof(size_t)), kh_malloc((2 * m + 1) * sizeof(size_t)),
              kh_calloc(n + 1, sizeof(size_t)), kh_malloc((n + 1) * sizeof(size_t)),
              kh_calloc(m + 1, 1)};
  kh_status st = out && open && f.first && f.edge && f.degree && f.queue && f.done
                     ? KH_OK
                     : kh_fail_nomem(ctx, "computing element currents");
  const kh_diode *d = c->diodes;
  for (size_t k = 0; st == KH_OK && k < m; k++) {
    uint32_t a = c->ends[k][0], b = c->ends[k][1];
    double i = 0, phi, g;
    switch ((kh_element_kind)c->kind[k]) {
    case KH_RESISTOR: i = c->value[k] * (v[a] - v[b]); break;
    case KH_ISOURCE: i = c->value[k]; break;
    case KH_DIODE:
      if (d->kind != KH_DIODE_IDEAL)
        kh_diode_eval(d, v[a] - v[b], &phi, &i, &g);
      else
        open[k] = kh_diode_ideal_conducting(d, v[a] - v[b]);
      d++;
      break;
    case KH_VSOURCE:
    case KH_INDUCTOR: open[k] = 1; break;
    default: break; /* capacitors: open at DC */
    }
    current[k] = i;
    out[a] += i, out[b] -= i;
  }
  size_t loop = st == KH_OK ? peel(c, open, out, current, &f) : (size_t)-1;
  if (loop != (size_t)-1)
    st = kh_fail(ctx, KH_ERR_USAGE,
                 "the current of '%s' is not determined: it closes a loop of voltage sources, "
                 "inductors and conducting ideal diodes",
                 kh_netlist_element(c->nl, loop).name);
  forest_free(&f);
  kh_free(out), kh_free(open);
  return st;
}
