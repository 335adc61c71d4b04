/* The oscillating estimator (model.h: kh_model_set_oscillation): dE/dtheta read through the
 * odd harmonics of a nudge that oscillates in time, combined as Chebyshev's derivative at 0. */
#include "model_impl.h"

#include "core/alloc.h"
#include "core/context.h"

#include <math.h>
#include <string.h>

kh_status kh_model_set_oscillation(kh_context *ctx, kh_model *m, const kh_oscillation *o,
                                   unsigned harmonics, const char *backend) {
  kh_status checked = kh_oscillation_check(ctx, o);
  if (checked != KH_OK) return checked;
  if (harmonics < 1 || harmonics > 64 || 2 * harmonics - 1 > o->steps / 2)
    return kh_fail(
        ctx, KH_ERR_USAGE,
        "the oscillating estimator takes 1 .. min(64, %u) harmonics at %u steps per period "
        "(the highest, 2H - 1, must stay below half the sampling rate), got %u",
        (o->steps / 2 + 1) / 2, o->steps, harmonics);
  if (backend && strcmp(backend, "native") && strcmp(backend, "ngspice"))
    return kh_fail(ctx, KH_ERR_USAGE, "unknown oscillation backend '%s' (native, ngspice)",
                   backend);
  double *sum = kh_malloc((m->params * harmonics + 1) * sizeof *sum);
  if (!sum) return kh_fail_nomem(ctx, "preparing the oscillating estimator");
  kh_solver *ng = NULL;
  if (backend && strcmp(backend, "ngspice") == 0) {
    kh_status st = kh_solver_new(ctx, &ng, m->circuit, "ngspice");
    if (st != KH_OK) {
      kh_free(sum);
      return st;
    }
  }
  kh_free(m->osc_sum), kh_solver_free(m->osc_solver);
  m->osc_sum = sum, m->osc_solver = ng;
  m->osc = *o;
  m->osc_harmonics = harmonics;
  return KH_OK;
}

typedef struct {
  kh_model *m;
  double omega;
} reader;

/* One measured step: dE/dtheta at v(t), into the cosine sums of the odd harmonics. */
static int read_step(void *user, double t, const double *voltages) {
  reader *r = user;
  kh_model *m = r->m;
  const double *v = kh_model_measure(m, voltages, m->nodes);
  unsigned H = m->osc_harmonics;
  double c[64];
  for (unsigned h = 0; h < H; h++) c[h] = cos((2 * h + 1) * r->omega * t);
  for (size_t i = 0; i < m->params; i++) {
    const kh_param *p = &m->param[i];
    double dv = v[p->node_pos] - v[p->node_neg];
    double f = p->weight * (p->conductance ? 0.5 * dv * dv : dv);
    double *s = m->osc_sum + i * H;
    for (unsigned h = 0; h < H; h++) s[h] += f * c[h];
  }
  return 0;
}

kh_status kh_model_oscillating(kh_context *ctx, kh_model *m, double beta, double *grad,
                               kh_grad_info *info) {
  unsigned H = m->osc_harmonics;
  if (!m->osc_sum) {
    kh_status st = kh_model_set_oscillation(ctx, m, &m->osc, H, NULL);
    if (st != KH_OK) return st;
  }
  memset(m->osc_sum, 0, m->params * H * sizeof *m->osc_sum);
  reader r = {m, 2 * M_PI / m->osc.period};
  kh_oscillation_stats stats;
  kh_solver *s = m->osc_solver ? m->osc_solver : m->solver;
  kh_status st = kh_solver_oscillate(ctx, s, &m->osc, beta, m->target, read_step, &r, &stats);
  if (st == KH_ERR_NUMERIC && !m->holo_strict && !m->osc_solver && !m->osc.keep_clamps) {
    /* as the holomorphic estimator: continue the free phase's active set, and say so (a run
     * that only failed for another reason fails again) */
    kh_oscillation keep = m->osc;
    keep.keep_clamps = 1;
    memset(m->osc_sum, 0, m->params * H * sizeof *m->osc_sum);
    st = kh_solver_oscillate(ctx, s, &keep, beta, m->target, read_step, &r, &stats);
    info->frozen = st == KH_OK;
  }
  info->phases += 1;
  info->time_steps += stats.steps;
  info->iterations += stats.iterations;
  if (st != KH_OK) return st;
  /* c_n = 2 / samples * sum f cos(n w t); the estimate sum_n n (-1)^((n-1)/2) c_n / |beta| */
  double scale = 2.0 / ((double)m->osc.periods * m->osc.steps) / beta;
  for (size_t i = 0; i < m->params; i++) {
    double g = 0;
    for (unsigned h = 0; h < H; h++)
      g += (h % 2 ? -1.0 : 1.0) * (2 * h + 1) * m->osc_sum[i * H + h];
    grad[i] = scale * g;
  }
  return KH_OK;
}
