/* Allocation-failure torture (docs/reliability.md), as CHOLMOD's and SQLite's test suites do it:
 * each scenario runs once to count its allocations (kirchhoff's own and, through the
 * SuiteSparse_config hooks, CHOLMOD's and KLU's), then once per allocation k with the k-th one
 * failing (and once more with every allocation from the k-th on failing). Every run must either
 * fail with a status and a message, or succeed with the reference result (to 1e-9: a recovery
 * such as CHOLMOD's falling back to another ordering may change rounding); either way it
 * must free every block it allocated and leave no output file behind when it failed.
 * Built only with meson -Dalloc_torture=true (the sanitizer build of ./run.sh test), whose
 * ASan leak check backs up the block count for what the hooks do not see. HDF5 allocates
 * through its own allocator and is not tortured; the trace's own buffers are. */
#include "support/support.h"

#include "core/alloc.h"

#include <SuiteSparse_config.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A scenario: runs the whole path on ctx, writes what it computed into result (up to *n values,
 * *n set to the count) and returns the first failing status. It frees everything it made. */
typedef kh_status (*scenario)(kh_context *ctx, double *result, size_t *n);

enum { RESULT_MAX = 4096 };
static char trace_path[512];

static void route_suitesparse(void) {
  SuiteSparse_config.malloc_func = kh_malloc;
  SuiteSparse_config.calloc_func = kh_calloc;
  SuiteSparse_config.realloc_func = kh_realloc;
  SuiteSparse_config.free_func = kh_free;
}

/* parse -> assemble -> solve of a netlist text. */
static kh_status solve_text(kh_context *ctx, const char *text, double *result, size_t *n) {
  kh_netlist *nl = NULL;
  kh_circuit *c = NULL;
  kh_solver *s = NULL;
  kh_status st = kh_netlist_parse_string(ctx, &nl, text, "torture.cir");
  if (st == KH_OK) st = kh_circuit_new(ctx, &c, nl);
  if (st == KH_OK) st = kh_solver_new(ctx, &s, c, "native");
  if (st == KH_OK) {
    *n = kh_netlist_node_count(nl);
    st = kh_solver_solve(ctx, s, result, NULL);
  }
  kh_solver_free(s), kh_circuit_free(c), kh_netlist_free(nl);
  return st;
}

/* A Newton solve: Shockley diodes between random nodes. */
static kh_status solve_shockley(kh_context *ctx, double *result, size_t *n) {
  static char *text;
  if (!text) text = kh_test_random_diode_network(7, 40, 0);
  return solve_text(ctx, text, result, n);
}

/* General Newton on the cards a parse builds parts for: POLY sources with products (F and H
 * over currents too), a diode's RS node, K couplings, .nodeset, in a subcircuit; a multiplied
 * subcircuit (m=); a JFET, a level-1 MOSFET, a level-2 one, a level-3 one with L and W on its
 * card, two VDMOS (their inner nodes; one with quasi-saturation), an XSPICE gain, and a BJT
 * with their series resistors, a BJT with a modulated base resistance, a
 * switch, a B source and an E's value= (their expressions), XSPICE potentiometer, ilimit, int and
 * memristor cards, resistors and capacitors ngspice makes B sources (reading the solution or
 * temper), an F whose gain reads temper, a capacitor and an inductor with their models' geometry,
 * .param lines (and a header default that reads one) read in the order of their dependencies, and a
 * model per subcircuit instance (its expressions of the instance's parameters).
 */
static kh_status solve_general(kh_context *ctx, double *result, size_t *n) {
  const char *text =
      "general\n.model dd d(is=1e-14 rs=2)\nv1 a 0 2\nv2 b 0 -1\nr1 a 0 1\n"
      "r2 b 0 2\nx1 a b o sub\nro o 0 1k\nl1 a m lgx nt=2 tc1=1m\nrm m 0 1k\nl2 b p 1m\n"
      ".model lgx l(length=1e-2 csect=1e-4)\n"
      "rp p 0 1k\nk1 l1 l2 0.5\n.nodeset v(o)=0.1\nj1 a g1 s1 jx 2\n"
      "rg g1 b 10k\nrs1 s1 0 1k\n.model jx njf(vto=-1.5 beta=1m rd=5 rs=3)\n"
      "m1 a b s2 0 mx w=4u\nrs2 s2 0 2k\n.model mx pmos(vto=-0.6 kp=50u rsh=2)\n"
      "m2 b a s3 0 m3x\nrs3 s3 0 2k\n.model m3x nmos(level=3 vto=0.5 kp=60u "
      "nsub=1e16 nfs=1e11 vmax=1e5 kappa=0.5 xj=0.2u l=2u w=10u)\n"
      "xh a hb half r=2k m=3\nrhb hb 0 1k\n"
      "m4 hb b qe vdx\n.model vdx vdmos(pchan vto=-1 kp=1 rd=1 rs=1 rb=1 bv=50)\n"
      "q1 a qb qe qx 2\nrqb qb a 100k\nrqe qe 0 1k\n"
      ".model qx npn(is=1e-15 bf=100 rb=10 rc=2 re=1 trc1=1m vaf=50 ikf=10m)\n"
      "q2 a qb qe2 qm\nrqe2 qe2 0 2k\n.model qm npn(rb=100 rbm=5 irb=1m)\n"
      "s1 a sw qb 0 sm on\nrsw sw 0 1k\n.model sm sw(vt=0.5 vh=0.1 ron=10)\n"
      "bb bo 0 i=-1m*tanh(v(a, b)) + i(v1)*1m\nrbo bo 0 1k\n"
      "eb bv 0 value={2*v(bo) > 1 ? sqrt(v(bo)) : 0.5}\nrbv bv 0 1k\n"
      "gt 0 bt table {v(a, b)} = (0, 1m) (2, 3m)\nrbt bt 0 1k\n"
      "at %vd(a b) %v(ao) ap\nrao ao 0 1k\n"
      ".model ap pwl(x_array=[-1 1 4] y_array=[0 2 1] input_domain=0.1)\n"
      "ag %v(ao) %id(ag 0) gn\nrag ag 0 1k\n.model gn gain(gain=1m out_offset=1m)\n"
      "al %vd(ao a) alo lm\nralo alo 0 1k\n"
      ".model lm limit(out_lower_limit=-1 out_upper_limit=1 limit_range=0.2 fraction=true)\n"
      "as [%v(alo) %vd(a b)] aso ms\nraso aso 0 1k\n.model ms mult(in_gain=[1 0.5])\n"
      "ad a aso ado dm\nrado ado 0 1k\n.model dm divide(den_lower_limit=0.1 den_domain=0.05)\n"
      "ac ado a b aco cm\nraco aco 0 1k\n.model cm climit(limit_range=0.1 fraction=true)\n"
      "aw aco (aw 0) sm2\nraw a aw 1k\n.model sm2 aswitch(r_off=1e5 r_on=10)\n"
      "ai %gd(aw 0) sd\n.model sd sidiode(ron=10 roff=1e6 vfwd=0.4 ilimit=5m epsilon=0.1)\n"
      "az 0 aw zz\n.model zz zener(v_breakdown=3.3 limit_switch=true)\n"
      "tl a 0 tb 0 z0=50 td=1n\nrtb tb 0 1k\n"
      "ol a 0 ob 0 lm2\nrob ob 0 1k\n.model lm2 ltra(r=2 c=1p len=3 nocontrol)\n"
      "ul a ub 0 um2 l=2\nrub ub 0 1k\n.model um2 urc(rperl=10)\n"
      "m5 a a s5 0 m2x l=2u w=5u\nrs5 s5 0 5k\n"
      ".model m2x nmos(level=2 vto=0.6 kp=40u gamma=0.4 nsub=5e15 vmax=5e4 nfs=1e11)\n"
      "m6 a a s6 vq\nrs6 s6 0 50\n.model vq vdmos(vto=1 kp=1 rd=2 rq=1 vq=2)\n"
      "apot a pw 0 pot\n.model pot potentiometer(r=10k position=0.3)\nrpw pw 0 1k\n"
      "ailim a pi ni io il\nvpi pi 0 5\nvni ni 0 -5\nrio io 0 1k\n.model il ilimit(gain=2)\n"
      "aint a io2 in\nrio2 io2 0 1k\n.model in int(out_ic=0.5 out_lower_limit=-1 "
      "out_upper_limit=1)\namem a 0 mr\n.model mr memristor(rinit=50k)\n"
      "rvb a bz rmq r={2k+100*v(a)} tc1=1m m=2\nrbz bz 0 1k\n.param rtt='1k*temper/27'\n"
      "rtp a 0 {rtt} scale=2\ncvx a 0 c={1p*(1+v(a))}\ncvq a b q={1p*v(a, b)}\n"
      "cgm a 0 cgx l=2u dtemp=3\n.model cgx c(cj=1m cjsw=1n tc1=1m)\n"
      "vtt a tt 0\nrtt tt 0 1k\nftt 0 ttf vtt {temper/27}\nrttf ttf 0 1k\n.param "
      "late={early*2}\n.param early=3\n"
      ".subckt pm a b k=2 s=k2\n.param q={k2*2}\n.param k2={k*1}\n"
      ".model pd d(is={1e-15*q*s/k2})\n"
      "d1 a b pd\n.ends\nxp a pb pm k={late}\nrpb pb 0 1k\n"
      ".subckt half a b params: r=1k\nrh a b {r}\ndh b 0 dd\n.ends\n"
      ".param sw=0 mm=agauss(0,1,1)\nrmm a 0 {10k + mm*sw + 1+-sw*sqrt(4)+3}\n"
      ".subckt bn d g l=1 w=2\nm1 d g 0 0 bm l={l*1u} w={w*1u}\n"
      ".model bm.0 nmos level=54 lmin=0.1u lmax=2u wmin=0.5u wmax=50u toxe={2n*l}\n"
      ".model bm.1 nmos level=54 lmin=2u lmax=10u wmin=0.5u wmax=50u toxe={2n*l/2}\n.ends\n"
      "xb a gb bn w='l+1' l=3\nvgb gb 0 1\n"
      ".subckt sub a b y\n"
      "va a sa 0\nrsa sa 0 1k\nvb b sb 0\nrsb sb 0 2k\n"
      "e1 y1 0 poly(2) (a,0) (b,0) 0.1 1 2 0.5 0 0.25\nry1 y1 0 1k\n"
      "f1 0 y poly(2) va vb 0 1 0 0 500 0\ng1 0 y y1 0 1m\n"
      "h1 y2 0 poly(1) va 0 0 3e6\nd1 y2 y dd\nry y 0 1k\nry2 y2 0 1k\n.ends\n";
  kh_netlist *nl = NULL;
  kh_solve_stats stats;
  kh_status st = kh_netlist_parse_string(ctx, &nl, text, "torture.cir");
  if (st == KH_OK) {
    *n = kh_netlist_node_count(nl);
    st = kh_general_op(ctx, nl, NULL, NULL, result, NULL, &stats);
  }
  kh_netlist_free(nl);
  return st;
}

/* The active-set solver: ideal diodes clamping nodes to bias sources. */
static kh_status solve_ideal(kh_context *ctx, double *result, size_t *n) {
  static char *text;
  if (!text) text = kh_test_random_diode_network(8, 40, 1);
  return solve_text(ctx, text, result, n);
}

/* Data file -> scaling -> parse -> trainer -> one epoch of EP steps -> trace -> evaluation ->
 * exported text:
 * what `kirchhoff train` does, on a deep resistive network with the given clamp model. */
static kh_status train_one_epoch(kh_context *ctx, const char *clamp, kh_train_options *o,
                                 double *result, size_t *n) {
  static const char *csv;
  if (!csv) csv = kh_test_blobs_csv("torture.csv", 12, 3, 4);
  static char *texts[2]; /* fixtures, made on the uncounted first run */
  char **text_at = &texts[clamp != NULL];
  if (!*text_at) {
    kh_netgen_options g = KH_NETGEN_OPTIONS_INIT;
    g.seed = 3, g.input_gain = 1.0;
    *text_at = kh_test_netgen(&g, "4-6-3");
    if (clamp) memcpy(strstr(*text_at, "d(kh_ideal=1)"), clamp, 13);
  }
  const char *text = *text_at;
  kh_dataset *train = NULL;
  kh_scaler scaler = {0};
  kh_netlist *nl = NULL;
  kh_trainer *t = NULL;
  kh_trace *tr = NULL;
  char *exported = NULL;
  kh_epoch_report report;
  kh_status st = kh_dataset_load(ctx, &train, csv, 0);
  if (st == KH_OK) st = kh_scaler_fit(ctx, &scaler, KH_SCALE_STANDARDIZE, train);
  if (st == KH_OK) st = kh_scaler_apply(ctx, &scaler, train);
  if (st == KH_OK) st = kh_netlist_parse_string(ctx, &nl, text, "drn.cir");
  if (st == KH_OK) st = kh_trainer_new(ctx, &t, nl, o, train);
  kh_trace_config cfg = {.netlist_text = text,
                         .command = "torture",
                         .data = csv,
                         .options = o,
                         .epochs = 1,
                         .scaler = &scaler,
                         .mpi_size = 1};
  if (st == KH_OK) st = kh_trace_create(ctx, &tr, trace_path, &cfg, t);
  if (st == KH_OK) st = kh_trainer_epoch(ctx, t, &report);
  kh_trace_epoch e = {&report, 0.0, 0.0, o->beta, NULL, NULL, 0};
  if (st == KH_OK) st = kh_trace_append(ctx, tr, t, &e);
  double loss = 0, error = 0;
  if (st == KH_OK) st = kh_trainer_evaluate(ctx, t, train, &loss, &error);
  if (st == KH_OK) {
    kh_model *m = kh_trainer_model(t);
    *n = kh_model_param_count(m) + 2;
    kh_model_get_params(m, result);
    result[*n - 2] = loss, result[*n - 1] = error;
    st = kh_netlist_write_string_values(ctx, nl, &exported, KH_WRITE_KIRCHHOFF, NULL);
  }
  free(exported);
  kh_trace_free(tr), kh_trainer_free(t), kh_netlist_free(nl);
  kh_scaler_release(&scaler), kh_dataset_free(train);
  return st;
}

static kh_status train_centered(kh_context *ctx, double *result, size_t *n) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.batch = 4;
  return train_one_epoch(ctx, NULL, &o, result, n);
}

/* Holomorphic EP through KLU (complex sparse LU): the clamps are Shockley diodes. */
static kh_status train_holomorphic(kh_context *ctx, double *result, size_t *n) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.batch = 4, o.estimator = KH_EST_HOLOMORPHIC, o.holomorphic_points = 4;
  return train_one_epoch(ctx, "d(is=1u n=1) ", &o, result, n);
}

/* The oscillating nudge: BDF2 from one factorization, chord iterations (Shockley clamps); one
 * batch (every step allocates in the residual, and the points multiply). */
static kh_status train_oscillating(kh_context *ctx, double *result, size_t *n) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.batch = 4, o.samples = 4, o.estimator = KH_EST_OSCILLATING, o.osc_harmonics = 2;
  o.oscillation.period = 1e-9, o.oscillation.periods = 1, o.oscillation.settle = 0;
  o.oscillation.steps = 8, o.oscillation.node_capacitance = 1e-12;
  return train_one_epoch(ctx, "d(is=1u n=1) ", &o, result, n);
}

static kh_status train_layered(kh_context *ctx, double *result, size_t *n) {
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  o.batch = 4, o.backend = KH_BACKEND_LAYERED, o.optimizer = KH_OPT_SGD, o.momentum = 0;
  return train_one_epoch(ctx, NULL, &o, result, n);
}

static int exists(const char *path) {
  return access(path, F_OK) == 0;
}

/* Runs a scenario with the k-th allocation failing and checks the contract. */
static void torture_once(scenario run, long k, int persistent, const double *reference,
                         size_t reference_n, long *failures) {
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.kh-tmp", trace_path);
  remove(trace_path);
  kh_context *ctx = NULL;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  long live = kh_alloc_torture_live();
  static double result[RESULT_MAX];
  size_t n = 0;
  kh_alloc_torture_arm(k, persistent);
  kh_status st = run(ctx, result, &n);
  kh_alloc_torture_arm(0, 0);
  char message[1024];
  snprintf(message, sizeof message, "%s", kh_last_error(ctx));
  cr_assert_eq(kh_alloc_torture_live(), live,
               "allocation %ld failing (%s) leaked %ld blocks (status %s: %s)", k,
               persistent ? "and all later" : "alone", kh_alloc_torture_live() - live,
               kh_status_name(st), kh_last_error(ctx));
  if (st != KH_OK) {
    ++*failures;
    cr_assert_neq(message[0], '\0', "allocation %ld: status %s without a message", k,
                  kh_status_name(st));
    /* A trace made before the failure stays, complete: the epochs it holds are whole. */
    cr_assert(!exists(tmp), "allocation %ld: the failed run left its temporary file", k);
    if (exists(trace_path)) {
      char *text = NULL;
      kh_train_options o;
      size_t planned, done;
      cr_assert_eq(kh_trace_read_config(ctx, trace_path, &text, &o, &planned, &done), KH_OK,
                   "allocation %ld: the failed run left a trace that does not read back: %s", k,
                   kh_last_error(ctx));
      free(text);
    }
  } else if (getenv("KH_TORTURE_VERBOSE")) {
    printf("allocation %ld failing (%s): recovered\n", k, persistent ? "and all later" : "alone");
  }
  if (st == KH_OK) {
    /* Recovering is allowed (CHOLMOD tries another ordering when AMD cannot allocate; that
     * changes rounding, nothing more), a different answer is not. */
    cr_assert_eq(n, reference_n);
    for (size_t i = 0; i < n; i++)
      cr_assert(fabs(result[i] - reference[i]) <= 1e-9 * fmax(1.0, fabs(reference[i])),
                "allocation %ld failed, the run succeeded, and value %zu is %.17g, not %.17g", k, i,
                result[i], reference[i]);
  }
  kh_context_free(ctx);
}

static void torture(scenario run, const char *name) {
  route_suitesparse();
  snprintf(trace_path, sizeof trace_path, "%s", kh_test_write_temp("torture.h5", ""));
  remove(trace_path);
  kh_context *ctx = NULL;
  cr_assert_eq(kh_context_new(&ctx), KH_OK);
  static double reference[RESULT_MAX];
  size_t n = 0;
  run(ctx, reference, &n); /* fixtures made once, outside the count */
  long live = kh_alloc_torture_live();
  kh_alloc_torture_arm(0, 0);
  kh_status st = run(ctx, reference, &n);
  long calls = kh_alloc_torture_calls();
  cr_assert_eq(st, KH_OK, "%s: %s", name, kh_last_error(ctx));
  cr_assert_eq(kh_alloc_torture_live(), live, "%s leaks on success", name);
  cr_assert(n > 0 && n <= RESULT_MAX);
  for (size_t i = 0; i < n; i++) cr_assert(isfinite(reference[i]));
  kh_context_free(ctx);
  long failures[2] = {0, 0};
  long only = getenv("KH_TORTURE_ONLY") ? atol(getenv("KH_TORTURE_ONLY")) : 0; /* debugging */
  for (long k = only ? only : 1; k <= (only ? only : calls); k++)
    for (int persistent = 0; persistent < 2; persistent++)
      torture_once(run, k, persistent, reference, n, &failures[persistent]);
  cr_log_info("%s: %ld allocations; failing one alone: %ld runs failed cleanly, %ld recovered; "
              "failing all from one on: %ld failed cleanly",
              name, calls, failures[0], calls - failures[0], failures[1]);
  printf("%s: %ld allocation points, each failed alone and with all later ones: %ld + %ld clean "
         "failures, %ld recovered with the reference result\n",
         name, calls, failures[0], failures[1], 2 * calls - failures[0] - failures[1]);
  remove(trace_path);
}

Test(alloc_torture, newton_solve) {
  torture(solve_shockley, "parse, assemble, Newton solve (Shockley)");
}

Test(alloc_torture, general_newton_solve) {
  torture(solve_general,
          "parse (POLY parts, K, RS, a JFET, MOSFETs at levels 1, 2 and 3 and VDMOS, a "
          "multiplied subcircuit, B sources, TABLE, pwl, gain, limit, mult, divide, climit, "
          "aswitch, "
          "sidiode and zener curves, potentiometer, ilimit, int and memristor cards, T, O and U "
          "lines, .nodeset, .param order, models per instance, BSIM4 bins chosen per instance, "
          "a draw behind a switch), general Newton solve");
}

Test(alloc_torture, active_set_solve) {
  torture(solve_ideal, "parse, assemble, active-set solve (ideal diodes)");
}

Test(alloc_torture, ep_epoch) {
  torture(train_centered, "data, parse, trainer, centered EP epoch, trace, export");
}

Test(alloc_torture, holomorphic_epoch) {
  torture(train_holomorphic, "holomorphic EP epoch through KLU");
}

Test(alloc_torture, oscillating_epoch) {
  torture(train_oscillating, "oscillating EP epoch (BDF2, one factorization per run)");
}

Test(alloc_torture, layered_epoch) {
  torture(train_layered, "layered-backend EP epoch");
}
