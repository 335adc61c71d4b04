/* kirchhoff grad: compares EP's gradient estimators with the exact gradient on given samples. */
#include "cli.h"
#include "names.h"
#include "options.h"
#include "learning_options.h"
#include "option_rows.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kh_help_grad(void) {
  printf(
      "usage: kirchhoff grad (--arch A-B-..-Z | NETLIST) [--data PATH] [options]\n\n"
      "Compares gradient estimators with the exact gradient (implicit differentiation) on\n"
      "the same samples: per layer, the cosine similarity and the relative error\n"
      "|estimate - exact| / |exact| of the gradient summed over the samples; then the cost\n"
      "of each estimator relative to a free phase alone.\n\n"
      "  --data PATH          samples from a data set (scaled as 'kirchhoff train' does);\n"
      "                       default: random features uniform in [-1, 1], random classes\n"
      "  --samples N          samples to use (default 16)\n"
      "  --first I            starting at the data set's sample I (default 0), e.g. to take\n"
      "                       one minibatch after another\n"
      "  --beta B1,B2,...     nudges (default 1,0.5,0.25,0.125,0.0625)\n"
      "  --estimators E1,...  default plus,minus,centered,forward2,forward3,forward4,forward5\n"
      "                       (also: exact, which on the native backend is the reference\n"
      "                       itself; holomorphic or holo, oscillating or osc; implicit\n"
      "                       differentiation with an approximate adjoint: first-order,\n"
      "                       rbp or neumann, cg, cg-jacobi, phantom; itd, reverse mode through\n"
      "                       relaxation sweeps; these take no beta); --estimator is the\n"
      "                       same option\n"
      "  --k K1,K2,...        Hessian-vector products of rbp, cg and phantom, sweeps of\n"
      "                       itd from the equilibrium (default 10)\n"
      "  --damping D          the phantom gradient's damping, in (0, 1] (default 1)\n"
      "  --precond P          cg's preconditioner: none (default) or jacobi (cg-jacobi)\n"
      "  --inner T1,T2,...    inexact phases: T relaxation sweeps per phase (0: exact, the\n"
      "                       default); itd then differentiates the free phase's sweeps.\n"
      "                       The reference stays the exact gradient at the equilibrium.\n"
      "                       Layered backend: T block sweeps per phase\n"
      "  --inner-tol D1,...   inexact phases that sweep until their error bound is below D\n"
      "                       volts (rows of their own, beside --inner's)\n"
      "  --inner-start S      inexact nudged phases start from the free state (free,\n"
      "                       default) or from the phase before (previous)\n"
      "  --backend NAME       native (default) or layered: the estimates on the layered\n"
      "                       backend (all samples as one batch, phases to 1e-12 of the\n"
      "                       inputs; exact, first-order, rbp, cg, cg-jacobi, phantom, itd,\n"
      "                       plus, minus, centered), against the native exact gradient\n"
      "  --csv                one CSV row per estimator, setting and layer: estimator, beta,\n"
      "                       k, inner, damping, layer, cosine, relative_error, seconds,\n"
      "                       factorizations, products, sweeps, states, inner_tol (empty: not\n"
      "                       applicable or not measured), and nothing else on stdout\n"
      "  --points N           points of the holomorphic estimator (default "
      "4)\n"
      "  --contour NAME       holomorphic points on the circle (default) or the slit\n"
      "                       contour, whose betas are rho in (0, 1) "
      "(docs/algorithms.md)\n" KH_CLI_OSCILLATION_HELP
      "  --osc-backend B      where the oscillation runs: native (default) or ngspice\n"
      "                       (.tran of the same circuit, for checking)\n"
      "  --beta-relative      each beta is a fraction of each sample's nudge radius G_out\n"
      "  --keep-clamps        an ideal diode that would switch under a holomorphic or\n"
      "                       oscillating nudge keeps the free phase's state instead of\n"
      "                       failing (as 'kirchhoff train' does)\n"
      "  --read-noise S       Gaussian noise of S times the median RMS input voltage on\n"
      "                       every node voltage the estimators measure (the solved-for\n"
      "                       nodes, as 'kirchhoff train'; seeded per sample, the same draws\n"
      "                       for every estimator); --read-noise-volts V, --read-noise-\n"
      "                       reference and --read-samples R as for 'kirchhoff train'\n"
      "  --perturbations K    wp's and spsa's perturbations per sample (default 1); their\n"
      "                       step sigma, coupled learning's eta: the --beta list\n"
      "  --arch, --gain, --scale, --init-scale, --amp-gain, --seed: as for 'kirchhoff train'\n");
}

/* "plus,centered,..." (the exact gradient is the reference, not a choice); an unknown name is
 * reported with the valid ones. */
static int parse_estimators(const char *s, int *out, int max) {
  int n = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    int e = kh_estimator_from_name(tok);
    if (e < 0) {
      const char *names[KH_EST_COUNT];
      for (int k = 0; k < KH_EST_COUNT; k++) names[k] = kh_estimator_name((kh_estimator)k);
      kh_cli_unknown("grad", "--estimators", tok, names, KH_EST_COUNT);
      return 0;
    }
    if (n == max) return -1;
    out[n++] = e;
  }
  return n ? n : -1;
}

typedef struct {
  kh_model *m;
  size_t n, params, outs, count;
  double *x, *target;     /* count samples */
  double noise_volts;     /* read noise, V (0: none) */
  unsigned readings;      /* readings averaged per measurement */
  unsigned perturbations; /* wp's and spsa's per sample */
  uint64_t seed;
  kh_circuit *circuit; /* the layered backend's (--backend layered), else NULL */
  kh_layered *lay;
  unsigned k;         /* the layered estimates' products */
  unsigned points;    /* and holomorphic points, */
  kh_contour contour; /* on this contour */
  unsigned sweeps;    /* and their phases' sweeps (0: to 1e-12 of the inputs) */
  size_t first;       /* the data set's sample the probe starts at */
  double damping;     /* and the phantom gradient's damping */
} probe_set;

static kh_status make_samples(kh_context *ctx, const kh_run_options *s, const kh_dataset *data,
                              double gain, probe_set *p, uint64_t seed) {
  size_t f = kh_model_input_count(p->m);
  p->x = calloc(p->count * f + 1, sizeof *p->x);
  p->target = calloc(p->count * p->outs + 1, sizeof *p->target);
  if (!p->x || !p->target) return kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  kh_dataset *random = NULL; /* without data: uniform random inputs and labels */
  if (!data) {
    kh_status st = kh_dataset_random(ctx, &random, p->count, f, p->outs, seed);
    if (st != KH_OK) return st;
  }
  const kh_dataset *from = data ? data : random;
  /* the read noise in volts over the set the samples come from, as kirchhoff train takes it */
  kh_status st = kh_read_noise_volts(ctx, &s->train, from, gain, &p->noise_volts);
  for (size_t i = 0; i < p->count; i++) {
    size_t k = (p->first + i) % kh_dataset_count(from);
    memcpy(p->x + i * f, kh_dataset_sample(from, k), f * sizeof *p->x);
    unsigned label = kh_dataset_label(from, k);
    for (size_t c = 0; c < p->outs; c++)
      p->target[i * p->outs + c] = c == label ? s->train.target_on : s->train.target_off;
  }
  kh_dataset_free(random);
  return st;
}

/* Sum over the samples of one estimator's gradient; *seconds the time it took. */
/* What an estimator cost over the samples: settled states read (phases), Hessian-vector
 * products, and numeric factorizations (the solver's count, which runs on across solves). */
typedef struct {
  unsigned long states, products, factorizations, sweeps;
} cost;

/* The layered backend's estimate for all samples at once (kh_layered_gradient), its phases
 * solved to 1e-12 of the largest input voltage. */
static kh_status summed_layered(kh_context *ctx, probe_set *p, int est, double beta, double *grad,
                                double *seconds, cost *spent) {
  kh_layered_grad_options o = {.estimator = (kh_estimator)est,
                               .beta = beta,
                               .k = p->k,
                               .damping = p->damping,
                               .sweeps = p->sweeps ? p->sweeps : 1000000,
                               .tol = p->sweeps ? 0 : 1e-12,
                               .sigma = beta, /* spsa's step: the --beta list, as natively */
                               .perturbations = p->perturbations,
                               .seed = p->seed,
                               .points = p->points,
                               .contour = p->contour};
  kh_layered_grad_info info;
  double t0 = kh_cli_now();
  kh_status st = kh_layered_gradient(ctx, p->lay, p->count, p->x, p->target, &o, grad, &info);
  *seconds = kh_cli_now() - t0;
  if (spent) {
    spent->states += (unsigned long)info.phases * p->count;
    spent->products += info.products, spent->sweeps += info.sweeps;
  }
  return st;
}

static kh_status summed(kh_context *ctx, probe_set *p, int est, double beta, double *grad,
                        double *work, double *seconds, cost *spent) {
  size_t f = kh_model_input_count(p->m);
  memset(grad, 0, p->params * sizeof *grad);
  kh_solver_set_warm_start(kh_model_solver(p->m), NULL);
  kh_solve_stats before, after;
  kh_solver_last_stats(kh_model_solver(p->m), &before);
  double t0 = kh_cli_now();
  for (size_t i = 0; i < p->count; i++) {
    kh_grad_info info = {0};
    kh_status st = kh_model_set_input(ctx, p->m, p->x + i * f);
    kh_model_set_read_noise(p->m, p->noise_volts, p->seed + 0x9e3779b97f4a7c15ULL * (i + 1));
    kh_model_set_read_samples(p->m, p->readings);
    kh_model_set_perturbations(p->m, p->perturbations, p->seed + 0x5851f42d4c957f2dULL * (i + 1));
    if (st == KH_OK) {
      if (est < 0)
        st = kh_model_predict(ctx, p->m, work);
      else
        st = kh_model_gradient(ctx, p->m, (kh_estimator)est, beta, p->target + i * p->outs, work,
                               &info);
    }
    if (spent) {
      spent->states += est < 0 ? 1 : info.phases;
      spent->products += info.products, spent->sweeps += info.sweeps;
    }
    if (st != KH_OK) return st;
    if (est >= 0)
      for (size_t k = 0; k < p->params; k++) grad[k] += work[k];
  }
  *seconds = kh_cli_now() - t0;
  kh_solver_last_stats(kh_model_solver(p->m), &after);
  if (spent) spent->factorizations = after.factorizations - before.factorizations;
  return KH_OK;
}

/* What a grad command line asks for, beyond the setup's own fields. */
typedef struct {
  const char *betas, *ests, *amps, *osc_backend, *contour, *scale, *ks, *inners, *inner_start;
  const char *tols, *backend, *precond;
  size_t samples, points, first;
  double k[64]; /* the iterative adjoints' products */
  int nk;
  double inner[64]; /* sweeps per inexact phase (0: exact phases) */
  int ninner;
  double tol[64]; /* error bounds of inexact phases */
  int ntol;
  int layered; /* --backend layered */
  kh_inner_start start;
  double damping; /* the phantom gradient's */
  int beta_relative, keep_clamps, csv;
  const char *noise_reference;
  kh_cli_oscillation osc;
  kh_oscillation oscillation;
  unsigned harmonics;
  double beta[64];
  int nb, est[KH_EST_COUNT], ne, oscillating;
  kh_contour where;
  kh_cli_rows net_rows; /* generated from KH_NETGEN_OPTIONS_TABLE */
} grad_words;

/* --inner's list and --inner-start; 1 after printing the usage error */
static int parse_inner(grad_words *w) {
  w->ninner = kh_parse_number_list(w->inners, w->inner, 64, 0);
  for (int i = 0; i < w->ninner; i++)
    if (w->inner[i] != floor(w->inner[i]) || w->inner[i] > 1000000) w->ninner = -1;
  if (w->ninner <= 0) {
    kh_cli_usage("grad", "--inner needs whole numbers 0..1000000: T1,T2,...");
    return 1;
  }
  w->ntol = w->tols ? kh_parse_number_list(w->tols, w->tol, 64, 1) : 0;
  if (w->ntol < 0) {
    kh_cli_usage("grad", "--inner-tol needs error bounds > 0 (volts): D1,D2,...");
    return 1;
  }
  int start = kh_cli_train_option_choose("grad", "--inner-start", "inner_start", w->inner_start);
  if (start < 0) return 1;
  int backend = kh_cli_train_option_choose("grad", "--backend", "backend", w->backend);
  if (backend < 0) return 1;
  w->start = (kh_inner_start)start;
  w->layered = backend == KH_BACKEND_LAYERED;
  if (w->layered && (w->ntol > 0 || w->start != KH_INNER_FROM_FREE)) {
    kh_cli_usage("grad", "--inner-tol and --inner-start previous are the native backend's (the "
                         "layered one takes --inner T: T block sweeps per phase)");
    return 1;
  }
  return 0;
}

/* --precond jacobi: the list's cg becomes cg-jacobi; 1 after a usage error */
static int precondition(grad_words *w) {
  for (int e = 0; w->precond && e < w->ne; e++)
    if (w->est[e] == KH_EST_CG || w->est[e] == KH_EST_CG_JACOBI) {
      kh_estimator est = (kh_estimator)w->est[e];
      if (kh_cli_precondition("grad", w->precond, &est)) return 1;
      w->est[e] = est;
    }
  return 0;
}

/* --beta, --k and --inner's lists; 1 after a usage error */
static int parse_lists(grad_words *w) {
  w->nb = kh_parse_number_list(w->betas, w->beta, 64, 1);
  w->nk = kh_parse_number_list(w->ks, w->k, 64, 1);
  for (int i = 0; i < w->nk; i++)
    if (w->k[i] != floor(w->k[i]) || w->k[i] > 1000000) w->nk = -1;
  if (w->nk <= 0) return kh_cli_usage("grad", "--k needs whole numbers 1..1000000: K1,K2,...");
  return parse_inner(w);
}

/* The read noise's options, checked as the trainer checks them; 1 after a usage error. */
static int noise_words(kh_run_options *s, const grad_words *w) {
  if (!(s->train.read_noise >= 0) || !(s->train.read_noise_volts >= 0))
    return kh_cli_usage("grad", "--read-noise and --read-noise-volts must be >= 0");
  if (s->train.read_noise > 0 && s->train.read_noise_volts > 0)
    return kh_cli_usage("grad", "give --read-noise or --read-noise-volts, not both");
  if (s->train.read_samples < 1) return kh_cli_usage("grad", "--read-samples must be >= 1");
  int reference = w->noise_reference
                      ? kh_cli_train_option_choose("grad", "--read-noise-reference",
                                                   "read_noise_reference", w->noise_reference)
                      : KH_NOISE_MEDIAN_RMS;
  if (reference < 0) return 1;
  s->train.read_noise_reference = (kh_noise_reference)reference;
  return 0;
}

static int read_grad_words(int argc, char **argv, kh_run_options *s, grad_words *w) {
  *w = (grad_words){.betas = "1,0.5,0.25,0.125,0.0625",
                    .ks = "10",
                    .inners = "0",
                    .inner_start = "free",
                    .backend = "native",
                    .damping = 1,
                    .ests = "plus,minus,centered,forward2,forward3,forward4,forward5",
                    .osc_backend = "native",
                    .contour = "circle",
                    .samples = 16,
                    .points = 4};
  kh_cli_oscillation_init(&w->osc);
  kh_opt opts[64] = {
      {"--arch", KH_OPT_STRING, &s->arch, NULL},
      {"--data", KH_OPT_STRING, &s->data, NULL},
      {"--gain", KH_OPT_DOUBLE, &s->net.input_gain, NULL},
      {"--amp-gain", KH_OPT_STRING, &w->amps, NULL},
      {"--seed", KH_OPT_U64, &s->train.seed, NULL},
      {"--samples", KH_OPT_SIZE, &w->samples, NULL},
      {"--first", KH_OPT_SIZE, &w->first, NULL},
      {"--beta", KH_OPT_STRING, &w->betas, NULL},
      {"--estimators", KH_OPT_STRING, &w->ests, NULL},
      {"--estimator", KH_OPT_STRING, &w->ests, NULL},
      {"--points", KH_OPT_SIZE, &w->points, NULL},
      {"--k", KH_OPT_STRING, &w->ks, NULL},
      {"--inner", KH_OPT_STRING, &w->inners, NULL},
      {"--inner-start", KH_OPT_STRING, &w->inner_start, NULL},
      {"--inner-tol", KH_OPT_STRING, &w->tols, NULL},
      {"--backend", KH_OPT_STRING, &w->backend, NULL},
      {"--precond", KH_OPT_STRING, &w->precond, NULL},
      {"--csv", KH_OPT_FLAG, &w->csv, NULL},
      {"--damping", KH_OPT_DOUBLE, &w->damping, NULL},
      {"--contour", KH_OPT_STRING, &w->contour, NULL},
      {"--osc-backend", KH_OPT_STRING, &w->osc_backend, NULL},
      {"--beta-relative", KH_OPT_FLAG, &w->beta_relative, NULL},
      {"--read-noise", KH_OPT_DOUBLE, &s->train.read_noise, NULL},
      {"--read-noise-volts", KH_OPT_DOUBLE, &s->train.read_noise_volts, NULL},
      {"--read-noise-reference", KH_OPT_STRING, &w->noise_reference, NULL},
      {"--read-samples", KH_OPT_UNSIGNED, &s->train.read_samples, NULL},
      {"--perturbations", KH_OPT_UNSIGNED, &s->train.perturbations, NULL},
      {"--scale", KH_OPT_STRING, &w->scale, NULL},
      {"--keep-clamps", KH_OPT_FLAG, &w->keep_clamps, NULL},
  };
  size_t nopts = 0;
  while (opts[nopts].name) nopts++;
  nopts += kh_cli_oscillation_opts(&w->osc, opts + nopts);
  /* the network's options from their table (its seed is the run's); grad's own rows are lists */
  static const char *const net_own[] = {"seed", NULL};
  kh_cli_rows_add(&w->net_rows, KH_CLI_NET, &s->net, net_own);
  memcpy(opts + nopts, w->net_rows.rows, w->net_rows.count * sizeof opts[0]);
  nopts += w->net_rows.count;
  const char *pos[1];
  size_t npos;
  if (kh_parse_options("grad", argc, argv, opts, nopts, pos, 1, &npos, kh_help_grad) ||
      kh_cli_oscillation_apply("grad", &w->osc, &w->oscillation, &w->harmonics))
    return KH_EXIT_USAGE;
  s->netlist = npos ? pos[0] : NULL;
  if (s->netlist) s->compat = kh_cli_compat_mode(); /* as ngspice on this machine reads it */
  if (parse_lists(w)) return KH_EXIT_USAGE;
  w->ne = parse_estimators(w->ests, w->est, KH_EST_COUNT);
  if (precondition(w)) return KH_EXIT_USAGE;
  if (w->nb <= 0) return kh_cli_usage("grad", "--beta needs numbers > 0: B1,B2,...");
  if (w->ne == 0) return KH_EXIT_USAGE;
  if (w->ne < 0)
    return kh_cli_usage("grad", "--estimators: names from plus, minus, centered, "
                                "forward2..forward5, holomorphic, oscillating, first-order, "
                                "rbp, cg, cg-jacobi, phantom, itd");
  if (!s->arch == !s->netlist) return kh_cli_usage("grad", "give either --arch or a NETLIST");
  if (w->points < 2 || w->points > 64) return kh_cli_usage("grad", "--points must be 2..64");
  if (kh_cli_parse_contour("grad", w->contour, &w->where)) return KH_EXIT_USAGE;
  if (noise_words(s, w)) return KH_EXIT_USAGE;
  if (w->scale && kh_cli_parse_scaling("grad", w->scale, &s->scaling)) return KH_EXIT_USAGE;
  s->scaling_given = w->scale != NULL;
  if (w->samples == 0) return kh_cli_usage("grad", "--samples must be >= 1");
  if (w->amps && kh_parse_number_list(w->amps, s->net.amp_gain, KH_NETGEN_MAX_LAYERS, 0) < 0)
    return kh_cli_usage("grad", "--amp-gain needs gains >= 0: G1,G2,...");
  for (int e = 0; e < w->ne; e++) w->oscillating |= w->est[e] == KH_EST_OSCILLATING;
  return KH_EXIT_OK;
}

/* The model and its probe samples, with read noise as kirchhoff train takes it. */
/* The layered handle, with the rows the estimators need beside the samples': holomorphic
 * EP's points (2 rows each) and node perturbation's probes (2 per node of layers 1..L). */
static kh_status layered_handle(kh_context *ctx, probe_set *p, const grad_words *w) {
  size_t per = w->points, probes = 0;
  for (int e = 0; e < w->ne; e++)
    if (w->est[e] == KH_EST_NODE_PERTURBATION && !probes) {
      kh_status st = kh_layered_new(ctx, &p->lay, p->circuit, KH_PRECISION_DOUBLE, 1);
      for (size_t l = 1; st == KH_OK && l <= kh_layered_depth(p->lay); l++)
        probes += kh_layered_width(p->lay, l);
      kh_layered_free(p->lay);
      p->lay = NULL;
      if (st != KH_OK) return st;
    }
  per = probes > per ? probes : per;
  return kh_layered_new(ctx, &p->lay, p->circuit, KH_PRECISION_DOUBLE, (1 + 2 * per) * w->samples);
}

static kh_status open_probe(kh_context *ctx, const kh_run *run, const kh_run_options *s,
                            const grad_words *w, probe_set *p) {
  kh_status st = kh_model_new(ctx, &p->m, kh_run_netlist(run));
  if (st == KH_OK) st = kh_model_set_holomorphic_points(ctx, p->m, (unsigned)w->points);
  if (st == KH_OK) st = kh_model_set_holomorphic_contour(ctx, p->m, w->where);
  if (st == KH_OK) st = kh_model_set_phantom_damping(ctx, p->m, w->damping);
  if (st == KH_OK) kh_model_set_beta_relative(p->m, w->beta_relative);
  if (st == KH_OK) kh_model_set_holomorphic_strict(p->m, !w->keep_clamps);
  if (st == KH_OK && w->oscillating)
    st = kh_model_set_oscillation(ctx, p->m, &w->oscillation, w->harmonics, w->osc_backend);
  p->damping = w->damping;
  if (st == KH_OK && w->layered) st = kh_circuit_new(ctx, &p->circuit, kh_run_netlist(run));
  if (st == KH_OK && w->layered) st = layered_handle(ctx, p, w);
  p->points = (unsigned)w->points, p->contour = w->where;
  if (st != KH_OK) return st;
  p->params = kh_model_param_count(p->m), p->outs = kh_model_output_count(p->m);
  p->count = w->samples;
  p->first = w->first;
  st = make_samples(ctx, s, kh_run_train_set(run), kh_netlist_input_gain(kh_run_netlist(run)), p,
                    s->train.seed);
  p->seed = s->train.seed, p->readings = s->train.read_samples;
  p->perturbations = s->train.perturbations;
  return st;
}

/* How accurate the phases are: exact (0, 0), `inner` sweeps, or sweeps to an error bound tol. */
typedef struct {
  unsigned inner;
  double tol;
} accuracy;

/* Where a row stands: the estimator, its beta or k (none: NAN), the phases' accuracy. */
typedef struct {
  int est;
  double setting;
  accuracy phases;
} row_at;

/* One estimator's row (the table) or rows (CSV: one per layer). */
static void print_row(const probe_set *p, const grad_words *w, row_at at, const double *cosine,
                      const double *rel, double seconds, const cost *spent) {
  unsigned layers = kh_model_layer_count(p->m);
  int adjoint = at.est >= KH_EST_FIRST_ORDER || at.est == KH_EST_EXACT;
  const char *name = kh_estimator_name((kh_estimator)at.est);
  if (w->csv) { /* empty where the estimator has no such setting */
    char beta[32] = "", k[32] = "", inner[32] = "", damping[32] = "", tol[32] = "";
    if (!adjoint) snprintf(beta, sizeof beta, "%.17g", at.setting);
    if (adjoint && !isnan(at.setting)) snprintf(k, sizeof k, "%.0f", at.setting);
    if (at.phases.tol > 0)
      snprintf(tol, sizeof tol, "%.17g", at.phases.tol);
    else if (at.phases.inner)
      snprintf(inner, sizeof inner, "%u", at.phases.inner);
    if (at.est == KH_EST_PHANTOM) snprintf(damping, sizeof damping, "%.17g", w->damping);
    for (unsigned l = 0; l < layers && l < 64; l++)
      printf("%s,%s,%s,%s,%s,%u,%.17g,%.17g,%.6g,%lu,%lu,%lu,%lu,%s\n", name, beta, k, inner,
             damping, l + 1, cosine[l], rel[l], seconds, spent->factorizations, spent->products,
             spent->sweeps, spent->states, tol);
    return;
  }
  char label[48] = "-";
  if (!isnan(at.setting)) snprintf(label, sizeof label, adjoint ? "k=%.0f" : "%.4g", at.setting);
  if (at.phases.inner || at.phases.tol > 0) {
    size_t used = strcmp(label, "-") ? strlen(label) : 0;
    if (at.phases.tol > 0)
      snprintf(label + used, sizeof label - used, "%sd=%.0e", used ? " " : "", at.phases.tol);
    else
      snprintf(label + used, sizeof label - used, "%sT=%u", used ? " " : "", at.phases.inner);
  }
  printf("%-10s %-13s", name, label);
  for (unsigned l = 0; l < layers && l < 64; l++) printf("  %.10f  %.3e", cosine[l], rel[l]);
  printf("\n");
}

static void print_header(const probe_set *p, const grad_words *w) {
  unsigned layers = kh_model_layer_count(p->m);
  if (w->csv) {
    printf("estimator,beta,k,inner,damping,layer,cosine,relative_error,seconds,factorizations,"
           "products,sweeps,states,inner_tol\n");
    return;
  }
  printf("%zu samples, %zu parameters, %u layer%s\n", p->count, p->params, layers,
         layers > 1 ? "s" : "");
  printf("%-10s %-13s", "estimator", "beta / k / T");
  for (unsigned l = 1; l <= layers && l <= 64; l++) printf("  cos(L%u)      relerr(L%u)  ", l, l);
  printf("\n");
}

/* The settings an estimator's rows run over: its betas, its k's, or one row. */
static int settings_of(const grad_words *w, int est, accuracy phases, const double **values) {
  int adjoint = est >= KH_EST_FIRST_ORDER, inexact = phases.inner || phases.tol > 0;
  if (est == KH_EST_EXACT || est == KH_EST_FIRST_ORDER || (est == KH_EST_ITD && inexact))
    return *values = NULL, 1;
  if (!adjoint) return *values = w->beta, w->nb;
  return *values = w->k, w->nk;
}

/* One estimator at one phase accuracy, every setting, against the exact gradient. */
static kh_status estimator_rows(kh_context *ctx, probe_set *p, const grad_words *w, int est,
                                accuracy phases, const double *exact, double *g, double *t_est,
                                int *runs) {
  double *estimate = g + p->params, *work = g + 2 * p->params, cosine[64], rel[64];
  const double *values;
  int rows = settings_of(w, est, phases, &values);
  int adjoint = est >= KH_EST_FIRST_ORDER || est == KH_EST_EXACT;
  kh_status st = p->lay ? KH_OK : kh_model_set_inner(ctx, p->m, phases.inner, phases.tol, w->start);
  p->sweeps = phases.inner;
  for (int b = 0; st == KH_OK && b < rows; b++) {
    row_at at = {est, values ? values[b] : NAN, phases};
    double secs;
    cost spent = {0};
    if (adjoint && values) st = kh_model_set_adjoint_iterations(ctx, p->m, (unsigned)at.setting);
    p->k = adjoint && values ? (unsigned)at.setting : 1;
    if (st == KH_OK && p->lay)
      st = summed_layered(ctx, p, est, adjoint ? 0 : at.setting, estimate, &secs, &spent);
    else if (st == KH_OK)
      st = summed(ctx, p, est, adjoint ? 0 : at.setting, estimate, work, &secs, &spent);
    if (st == KH_ERR_NUMERIC) { /* e.g. a negative nudge without a minimum: the row is left out */
      if (w->csv)
        fprintf(stderr, "kirchhoff grad: %s at %g failed: %s\n",
                kh_estimator_name((kh_estimator)est), at.setting, kh_last_error(ctx));
      else
        printf("%-10s %-13.4g  failed: %s\n", kh_estimator_name((kh_estimator)est), at.setting,
               kh_last_error(ctx));
      st = KH_OK;
      continue;
    }
    if (st != KH_OK) break;
    t_est[est] += secs, runs[est]++;
    kh_grad_compare(p->m, estimate, exact, cosine, rel);
    print_row(p, w, at, cosine, rel, secs, &spent);
  }
  return st;
}

/* What kh_layered_gradient estimates. */
static int layered_estimator(int est) {
  return est == KH_EST_EXACT || est == KH_EST_SPSA || est == KH_EST_HOLOMORPHIC ||
         est == KH_EST_NODE_PERTURBATION || est == KH_EST_PLUS || est == KH_EST_MINUS ||
         est == KH_EST_CENTERED || (est >= KH_EST_FIRST_ORDER && est <= KH_EST_ITD);
}

/* Each estimator at each beta (the iterative adjoints: at each k) and phase accuracy against the
 * exact gradient at the exact equilibrium; times into t_*. */
static kh_status compare_estimators(kh_context *ctx, probe_set *p, const grad_words *w, double *g,
                                    double *t_free, double *t_exact, double *t_est, int *runs) {
  double *exact = g, *estimate = g + p->params, *work = g + 2 * p->params;
  /* a first pass pays for one-time set-up (allocations, the first factorizations); time the
   * second */
  kh_status st = summed(ctx, p, -1, 0, estimate, work, t_free, NULL);
  if (st == KH_OK) st = summed(ctx, p, -1, 0, estimate, work, t_free, NULL);
  if (st == KH_OK) st = summed(ctx, p, KH_EST_EXACT, 0, exact, work, t_exact, NULL);
  if (st != KH_OK) return st;
  print_header(p, w);
  for (int e = 0; st == KH_OK && e < w->ne; e++)
    for (int i = 0; st == KH_OK && i < w->ninner + w->ntol; i++) {
      int est = w->est[e];
      accuracy phases = i < w->ninner ? (accuracy){(unsigned)w->inner[i], 0}
                                      : (accuracy){0, w->tol[i - w->ninner]};
      /* (the layered backend takes an adjoint at whatever state its sweeps reach) */
      int inexact = !p->lay && (phases.inner || phases.tol > 0);
      const char *why = inexact && !kh_estimator_takes_inexact_phases((kh_estimator)est)
                            ? "needs the exact free phase: no rows on inexact ones"
                        : p->lay && !layered_estimator(est) ? "has no layered version: no rows"
                                                            : NULL;
      if (why) {
        if (!w->csv) printf("%-10s %-13s  %s\n", kh_estimator_name((kh_estimator)est), "-", why);
        continue;
      }
      st = estimator_rows(ctx, p, w, est, phases, exact, g, t_est, runs);
    }
  return st;
}

/* How the estimators ran (the holomorphic path, the oscillation) and what each cost. */
static void print_costs(const probe_set *p, const grad_words *w, double t_free, double t_exact,
                        const double *t_est, const int *runs) {
  for (int e = 0; e < w->ne; e++)
    if (w->est[e] == KH_EST_HOLOMORPHIC) {
      kh_solve_stats stats;
      kh_solver_last_stats(kh_model_solver(p->m), &stats);
      if (stats.complex_factorizations)
        printf("\nholomorphic path: complex Newton, %u complex LU factorizations (KLU)\n",
               stats.complex_factorizations);
      else
        printf("\nholomorphic path: the free phase's real factor (Woodbury), no complex LU\n");
      printf("holomorphic contour: %s\n", kh_contour_name(w->where));
    }
  if (w->oscillating)
    printf("\noscillation (%s): period %g s, %u periods after %u settling, %u steps per "
           "period, %u odd harmonic%s (%s)\n",
           w->osc_backend, w->oscillation.period, w->oscillation.periods, w->oscillation.settle,
           w->oscillation.steps, w->harmonics, w->harmonics > 1 ? "s" : "",
           w->harmonics > 1 ? "Chebyshev combination" : "first harmonic alone");
  printf("\ncost relative to the free phase alone (%.3g ms per sample):\n",
         1e3 * t_free / (double)p->count);
  printf("  %-11s %.2fx\n", "exact", t_exact / t_free);
  for (int e = 0; e < w->ne; e++)
    if (runs[w->est[e]] && w->est[e] != KH_EST_EXACT)
      printf("  %-11s %.3gx%s\n", kh_estimator_name((kh_estimator)w->est[e]),
             t_est[w->est[e]] / runs[w->est[e]] / t_free,
             p->lay ? " (layered, the whole batch at once)" : "");
}

int kh_cmd_grad(int argc, char **argv) {
  kh_run_options s;
  kh_run_options_init(&s);
  s.network_only = 1;
  grad_words w;
  int rc = read_grad_words(argc, argv, &s, &w);
  if (rc != KH_EXIT_OK) return rc;
  if (s.netlist) kh_cli_note_compat_mode();
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) return 4;
  kh_run *run = NULL;
  kh_status st = kh_run_open(ctx, &run, &s);
  if (st == KH_OK && s.data && !w.csv) kh_run_describe_data(run, stdout);
  probe_set p = {0};
  double *g = NULL, t_free = 0, t_exact = 0, t_est[KH_EST_COUNT] = {0};
  int runs[KH_EST_COUNT] = {0}; /* successful betas per estimator: the cost is their mean */
  if (st == KH_OK) st = open_probe(ctx, run, &s, &w, &p);
  if (st == KH_OK && !(g = calloc(3 * p.params + p.outs + 1, sizeof *g)))
    st = kh_set_error(ctx, KH_ERR_NOMEM, "out of memory");
  if (st == KH_OK) st = compare_estimators(ctx, &p, &w, g, &t_free, &t_exact, t_est, runs);
  if (st == KH_OK && !w.csv) print_costs(&p, &w, t_free, t_exact, t_est, runs);
  free(p.x), free(p.target), free(g);
  kh_model_free(p.m);
  kh_layered_free(p.lay);
  kh_circuit_free(p.circuit);
  char generated[256];
  snprintf(generated, sizeof generated, "the network --arch %s generated", s.arch ? s.arch : "");
  const char *inputs[] = {s.netlist ? s.netlist : generated, s.data};
  rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report_in(ctx, st, inputs, 2);
  kh_run_free(run);
  kh_context_free(ctx);
  return rc;
}
