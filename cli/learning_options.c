/* The learning options train and grad share: the oscillating estimator, --scale, --contour. */
#include "learning_options.h"

#include "cli.h"
#include "names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_cli_oscillation_init(kh_cli_oscillation *o) {
  kh_oscillation d = KH_OSCILLATION_INIT;
  *o = (kh_cli_oscillation){d.period, d.node_capacitance, d.periods, d.settle, d.steps, 3};
}

size_t kh_cli_oscillation_opts(kh_cli_oscillation *o, kh_opt *opts) {
  const kh_opt add[] = {
      {"--period", KH_OPT_DOUBLE, &o->period, NULL},
      {"--periods", KH_OPT_SIZE, &o->periods, NULL},
      {"--settle", KH_OPT_SIZE, &o->settle, NULL},
      {"--steps", KH_OPT_SIZE, &o->steps, NULL},
      {"--harmonics", KH_OPT_SIZE, &o->harmonics, NULL},
      {"--node-capacitance", KH_OPT_DOUBLE, &o->node_capacitance, NULL},
  };
  memcpy(opts, add, sizeof add);
  return sizeof add / sizeof add[0];
}

int kh_cli_oscillation_apply(const char *cmd, const kh_cli_oscillation *in, kh_oscillation *out,
                             unsigned *harmonics) {
  if (!(in->period > 0)) return kh_cli_usage(cmd, "--period must be > 0 (seconds)");
  if (in->periods < 1 || in->periods > 100000 || in->settle > 100000)
    return kh_cli_usage(cmd, "--periods must be 1..100000 and --settle 0..100000");
  if (in->steps < 8 || in->steps > 1000000) return kh_cli_usage(cmd, "--steps must be 8..1000000");
  if (in->harmonics < 1 || in->harmonics > 64 || 2 * in->harmonics - 1 > in->steps / 2)
    return kh_cli_usage(cmd, "--harmonics must be 1..64 with 2H - 1 <= steps / 2");
  if (!(in->node_capacitance >= 0)) return kh_cli_usage(cmd, "--node-capacitance must be >= 0");
  *out = (kh_oscillation){in->period,          (unsigned)in->periods, (unsigned)in->settle,
                          (unsigned)in->steps, in->node_capacitance,  0};
  *harmonics = (unsigned)in->harmonics;
  return 0;
}

int kh_cli_parse_scaling(const char *cmd, const char *name, kh_scaling *out) {
  const char *names[3];
  for (int k = 0; k < 3; k++) names[k] = kh_scaling_name((kh_scaling)k);
  int k = kh_cli_choose(cmd, "--scale", name, names, 3);
  if (k < 0) return 1;
  *out = (kh_scaling)k;
  return 0;
}

int kh_cli_parse_contour(const char *cmd, const char *name, kh_contour *out) {
  const char *names[] = {kh_contour_name(KH_CONTOUR_CIRCLE), kh_contour_name(KH_CONTOUR_SLIT)};
  int k = kh_cli_choose(cmd, "--contour", name, names, 2);
  if (k < 0) return 1;
  *out = k ? KH_CONTOUR_SLIT : KH_CONTOUR_CIRCLE;
  return 0;
}

int kh_cli_precondition(const char *cmd, const char *precond, kh_estimator *est) {
  if (!precond || !strcmp(precond, "none")) return 0;
  if (strcmp(precond, "jacobi")) {
    const char *names[] = {"none", "jacobi"};
    kh_cli_unknown(cmd, "--precond", precond, names, 2);
    return 1;
  }
  if (*est == KH_EST_CG) *est = KH_EST_CG_JACOBI;
  if (*est != KH_EST_CG_JACOBI) {
    kh_cli_usage(cmd, "--precond jacobi preconditions cg, not %s", kh_estimator_name(*est));
    return 1;
  }
  return 0;
}
