/* The ngspice backend: writes the circuit as a SPICE deck, runs `op` in libngspice and reads
 * the node voltages back by name. libngspice is opened with dlopen() on first use (so that
 * kirchhoff starts fast and runs where ngspice is absent) and, being one global, non-reentrant
 * simulator per process, is used under a lock: the only global state kirchhoff has. */
#include "../backend.h"
#include "check_log.h"
#include "child.h"
#include "kirchhoff/general.h"

#include "core/alloc.h"
#include "core/context.h"

#include <dlfcn.h>
#include <stdbool.h> /* sharedspice.h uses bool without including it */
#include <ngspice/sharedspice.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_CAPACITY 8192

static pthread_mutex_t ng_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void *lib;
  int ready, exited;
  int (*init)(SendChar *, SendStat *, ControlledExit *, SendData *, SendInitData *,
              BGThreadRunning *, void *);
  int (*command)(char *);
  int (*circ)(char **);
  char *(*cur_plot)(void);
  char **(*all_vecs)(char *);
  pvector_info (*vec_info)(char *);
  char log[LOG_CAPACITY]; /* ngspice's recent output, for error messages */
  size_t log_len;
  char library[4096], dump[4096]; /* kh_ngspice_configure ("": the default, none) */
  double time_limit;              /* kh_ngspice_set_time_limit (0: none) */
} ng;

void kh_ngspice_configure(const char *library, const char *deck_dump) {
  pthread_mutex_lock(&ng_lock);
  snprintf(ng.library, sizeof ng.library, "%s", library ? library : "");
  snprintf(ng.dump, sizeof ng.dump, "%s", deck_dump ? deck_dump : "");
  pthread_mutex_unlock(&ng_lock);
}

/* Keeps the last LOG_CAPACITY bytes of what ngspice prints instead of letting it reach stdout. */
static int on_output(char *text, int id, void *user) {
  (void)id, (void)user;
  size_t n = strlen(text) + 1;
  if (n >= LOG_CAPACITY) text += n - LOG_CAPACITY / 2, n = LOG_CAPACITY / 2;
  if (ng.log_len + n >= LOG_CAPACITY) {
    size_t drop = ng.log_len + n - LOG_CAPACITY + 1;
    memmove(ng.log, ng.log + drop, ng.log_len - drop);
    ng.log_len -= drop;
  }
  memcpy(ng.log + ng.log_len, text, n - 1);
  ng.log_len += n - 1;
  ng.log[ng.log_len++] = '\n';
  ng.log[ng.log_len] = '\0';
  return 0;
}

static int on_status(char *text, int id, void *user) {
  return (void)text, (void)id, (void)user, 0;
}

static int on_exit_request(int status, NG_BOOL immediate, NG_BOOL quit, int id, void *user) {
  (void)status, (void)immediate, (void)quit, (void)id, (void)user;
  ng.exited = 1; /* ngspice hit a fatal error; it must not be used again in this process */
  return 0;
}

static int on_thread(NG_BOOL running, int id, void *user) {
  return (void)running, (void)id, (void)user, 0;
}

static void *symbol(const char *name, int *missing) {
  void *p = dlsym(ng.lib, name);
  if (!p) *missing = 1;
  return p;
}

static kh_status load(kh_context *ctx) {
  if (ng.ready) return KH_OK;
  const char *candidates[] = {ng.library[0] ? ng.library : NULL, "libngspice.so.0",
                              "libngspice.so"};
  for (size_t i = 0; i < 3 && !ng.lib; i++)
    if (candidates[i]) ng.lib = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
  if (!ng.lib)
    return kh_fail(ctx, KH_ERR_BACKEND,
                   "cannot load libngspice (install libngspice0, or give its path to "
                   "kh_ngspice_configure; the CLI reads KH_NGSPICE_LIBRARY): %s",
                   dlerror());
  int missing = 0;
  *(void **)&ng.init = symbol("ngSpice_Init", &missing);
  *(void **)&ng.command = symbol("ngSpice_Command", &missing);
  *(void **)&ng.circ = symbol("ngSpice_Circ", &missing);
  *(void **)&ng.cur_plot = symbol("ngSpice_CurPlot", &missing);
  *(void **)&ng.all_vecs = symbol("ngSpice_AllVecs", &missing);
  *(void **)&ng.vec_info = symbol("ngGet_Vec_Info", &missing);
  if (missing) return kh_fail(ctx, KH_ERR_BACKEND, "libngspice lacks the shared-library API");
  ng.init(on_output, on_status, on_exit_request, NULL, NULL, on_thread, NULL);
  ng.ready = 1;
  return KH_OK;
}

static kh_status log_failure(kh_context *ctx, const char *what) {
  const char *tail = ng.log_len > 600 ? ng.log + ng.log_len - 600 : ng.log;
  return kh_fail(ctx, KH_ERR_BACKEND, "ngspice %s; its output ends:\n%s", what, tail);
}

static int command(const char *cmd) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s", cmd);
  return ng.command(buf);
}

/* Splits the deck into the NULL-terminated line array ngSpice_Circ takes (in place). */
static char **split_lines(char *text) {
  size_t n = 1;
  for (char *p = text; *p; p++) n += *p == '\n';
  char **lines = kh_malloc((n + 1) * sizeof *lines);
  if (!lines) return NULL;
  size_t k = 0;
  for (char *p = text; *p;) {
    lines[k++] = p;
    char *nl = strchr(p, '\n');
    if (!nl) break;
    *nl = '\0';
    p = nl + 1;
  }
  lines[k] = NULL;
  return lines;
}

/* The node a vector of the op plot names: ngspice calls most node vectors by the node's name,
 * but a name that starts with a digit `V(1)` (it would read as a number); and a name that ends
 * in a ')' of its own loses it, `net-(d1-pad2` or `V(net-(d1-pad2)` (measured, ngspice 39). */
static const char *node_of_vector(const char *vec, char *buf, size_t size) {
  size_t len = strlen(vec), from = 0;
  if (len >= 4 && (vec[0] == 'v' || vec[0] == 'V') && vec[1] == '(' && vec[len - 1] == ')')
    from = 2, len--; /* the wrapper */
  long depth = 0;
  for (size_t k = from; k < len; k++) depth += (vec[k] == '(') - (vec[k] == ')');
  if (len - from + (size_t)(depth > 0 ? depth : 0) >= size) return vec;
  memcpy(buf, vec + from, len - from);
  size_t n = len - from;
  for (; depth > 0; depth--) buf[n++] = ')'; /* the ')' ngspice dropped */
  buf[n] = '\0';
  return buf;
}

/* One internal node ngspice's deck does not have (named with '#': a T line's, which ngspice
 * solves as its own TRA device), fixed by a voltage source or an E to nodes it reported: 1 when
 * it was found so. */
static int derive_one(const kh_netlist *nl, size_t n, double *v, unsigned char *found) {
  for (size_t k = 0; k < kh_netlist_element_count(nl); k++) {
    kh_element e = kh_netlist_element(nl, k);
    size_t pos = 0, neg = 0, source;
    if (e.kind == KH_VSOURCE && e.node_neg == n && found[e.node_pos])
      return v[n] = v[e.node_pos] - e.value, 1;
    if (e.kind == KH_VSOURCE && e.node_pos == n && found[e.node_neg])
      return v[n] = v[e.node_neg] + e.value, 1;
    if (e.kind == KH_VCVS && e.node_pos == n && found[e.node_neg] &&
        kh_netlist_control(nl, k, &pos, &neg, &source) == 0 && found[pos] && found[neg])
      return v[n] = v[e.node_neg] + e.value * (v[pos] - v[neg]), 1;
  }
  return 0;
}

/* The internal nodes derive_one finds, until none more is. */
static void derive_internal(const kh_netlist *nl, double *v, unsigned char *found) {
  found[0] = 1;
  for (int more = 1; more;) {
    more = 0;
    for (size_t n = 1; n < kh_netlist_node_count(nl); n++)
      if (!found[n] && strchr(kh_netlist_node_name(nl, n), '#') && derive_one(nl, n, v, found))
        found[n] = 1, more = 1;
  }
}

static kh_status read_voltages(kh_context *ctx, const kh_netlist *nl, double *voltages) {
  size_t node_count = kh_netlist_node_count(nl);
  char *plot = ng.cur_plot();
  if (!plot || strncmp(plot, "op", 2) != 0) return log_failure(ctx, "did not produce an op plot");
  unsigned char *found = kh_calloc(node_count, 1);
  if (!found) return kh_fail_nomem(ctx, "reading ngspice's answer");
  char **vecs = ng.all_vecs(plot);
  char full[512];
  for (size_t i = 0; vecs && vecs[i]; i++) {
    size_t node = kh_netlist_find_node(nl, node_of_vector(vecs[i], full, sizeof full));
    if (node == (size_t)-1 || node == 0) continue; /* branch currents and the like */
    snprintf(full, sizeof full, "%s.%s", plot, vecs[i]);
    pvector_info info = ng.vec_info(full);
    if (!info || info->v_length < 1 || !info->v_realdata) continue;
    voltages[node] = info->v_realdata[0];
    found[node] = 1;
  }
  voltages[0] = 0;
  size_t any = 0;
  for (size_t n = 1; n < node_count; n++) any += found[n];
  if (!any && node_count > 1) { /* an empty op plot: ngspice gave up (gmin, source stepping) */
    kh_free(found);
    return log_failure(ctx, "found no operating point (it did not converge)");
  }
  derive_internal(nl, voltages, found);
  for (size_t n = 1; n < node_count; n++)
    if (!found[n]) {
      kh_free(found);
      return kh_fail(ctx, KH_ERR_BACKEND, "ngspice reported no voltage for node '%s'",
                     kh_netlist_node_name(nl, n));
    }
  kh_free(found);
  return KH_OK;
}

/* ngspice 39's BSIM4 parameter check (b4check.c, and BSIM4v5's) runs once per model name in a
 * process: it keeps the last name it checked and skips a model that name starts with, so a second
 * deck with a model of the same name (kirchhoff's reading of a file, then the file itself) would go
 * unchecked and uncorrected (A2, PRWG, RDSW). A model named "~" set up in between (its defaults
 * give no warning, and so no bsim4.out; "~v" its BSIM4v5 twin) has the next one checked. Under
 * ng_lock, ngspice loaded. */
static void reset_bsim4_check(const kh_netlist *nl) {
  static char title[] = "kirchhoff: BSIM4 check reset", model[] = ".model ~ nmos level=54",
              fet[] = "m~ 1 1 0 0 ~", model_v5[] = ".model ~v nmos level=54 version=4.5",
              fet_v5[] = "m~v 1 1 0 0 ~v", source[] = "v~ 1 0 1", end[] = ".end";
  char *lines[] = {title, model, fet, model_v5, fet_v5, source, end, NULL};
  if (!ng.ready || !kh_ngspice_has_bsim4(nl)) return;
  command("destroy all");
  command("remcirc");
  if (!ng.circ(lines)) command("op");
}

/* The netlist with element values `values` (NULL: as parsed) as a deck; `extra` goes in before
 * its .end line. */
static kh_status load_netlist(kh_context *ctx, const kh_netlist *nl, const double *values,
                              const char *extra) {
  kh_status st = load(ctx);
  if (st != KH_OK) return st;
  if (ng.exited) return kh_fail(ctx, KH_ERR_BACKEND, "ngspice exited earlier in this process");
  char *deck = NULL;
  st = kh_netlist_write_string_values(ctx, nl, &deck, KH_WRITE_NGSPICE, values);
  if (st != KH_OK) return st;
  size_t len = strlen(deck), more = extra ? strlen(extra) : 0;
  char *full = kh_malloc(len + more + 8);
  if (!full) {
    free(deck);
    return kh_fail_nomem(ctx, "passing the circuit to ngspice");
  }
  memcpy(full, deck, len + 1);
  free(deck);
  if (extra) { /* the writer ends with ".end\n" */
    len -= strlen(".end\n");
    memcpy(full + len, extra, more);
    memcpy(full + len + more, ".end\n", strlen(".end\n") + 1);
  }
  if (ng.dump[0]) { /* for debugging: the deck as ngspice gets it */
    FILE *f = fopen(ng.dump, "w");
    if (f) fputs(full, f), fclose(f);
  }
  char **lines = split_lines(full);
  if (!lines) {
    kh_free(full);
    return kh_fail_nomem(ctx, "passing the circuit to ngspice");
  }
  reset_bsim4_check(nl);
  command("destroy all");
  command("remcirc");
  ng.log_len = 0;
  ng.log[0] = '\0';
  int bad = ng.circ(lines);
  kh_free(lines);
  kh_free(full);
  if (bad || ng.exited) return log_failure(ctx, "rejected the circuit");
  /* No "transient op", ngspice's last resort after gmin and source stepping: a transient from
   * 0 V whose end is taken as the operating point. At this deck's tolerances (reltol 1e-9) and
   * with its sources at their DC values it ran for minutes where `ngspice -b` on the user's file
   * took 0.05 s (bench/random_decks.py --syntax, seed 1352); kirchhoff has no such fallback, so
   * both now fail there, at once. The other arguments keep ngspice's defaults (the first Newton,
   * gmin stepping, source stepping); a step of 0 turns the transient off (optran.c). An ngspice
   * without the command keeps its behaviour. */
  command("optran 1 1 1 0 1u 0");
  return KH_OK;
}

/* The circuit as it stands (trained conductances, driven inputs), not as it was parsed. */
static kh_status load_circuit(kh_context *ctx, const kh_circuit *c, const char *extra) {
  double *values = kh_malloc((c->element_count + 1) * sizeof *values);
  if (!values) return kh_fail_nomem(ctx, "writing the deck");
  kh_circuit_element_values(c, values);
  kh_status st = load_netlist(ctx, c->nl, values, extra);
  kh_free(values);
  return st;
}

static kh_status op_loaded(kh_context *ctx, const kh_netlist *nl, double *voltages) {
  if (command("op") || ng.exited) return log_failure(ctx, "failed to find the operating point");
  return read_voltages(ctx, nl, voltages);
}

static kh_status run_op(kh_context *ctx, const kh_circuit *c, double *voltages) {
  kh_status st = load_circuit(ctx, c, NULL);
  return st == KH_OK ? op_loaded(ctx, c->nl, voltages) : st;
}

/* What a child process's work reads: the `source` command (NULL: none) and the netlist. */
typedef struct {
  char *cmd;
  const kh_netlist *nl;
} op_job;

static kh_status in_child(kh_context *ctx, const kh_netlist *nl, kh_child_work work, void *arg,
                          double *voltages, unsigned char *found, const char *doing);

/* kh_child_work for kh_ngspice_op under a time limit: the netlist as written, its .op, on one
 * thread (op_file_here says why). */
static kh_status op_work(kh_context *ctx, void *arg, double *voltages, unsigned char *found) {
  const kh_netlist *nl = ((const op_job *)arg)->nl;
  pthread_mutex_lock(&ng_lock);
  kh_status st = load(ctx);
  if (st == KH_OK) command("set num_threads=1"), st = load_netlist(ctx, nl, NULL, NULL);
  if (st == KH_OK) st = op_loaded(ctx, nl, voltages);
  pthread_mutex_unlock(&ng_lock);
  memset(found, 1, kh_netlist_node_count(nl));
  return st;
}

void kh_ngspice_set_time_limit(double seconds) {
  pthread_mutex_lock(&ng_lock);
  ng.time_limit = seconds > 0 ? seconds : 0;
  pthread_mutex_unlock(&ng_lock);
}

kh_status kh_ngspice_op(kh_context *ctx, const kh_netlist *nl, double *voltages) {
  int remove_log;
  kh_status st = kh_ngspice_check_log_claim(ctx, nl, &remove_log);
  if (st != KH_OK) return st;
  pthread_mutex_lock(&ng_lock);
  int limited = ng.time_limit > 0;
  if (!limited) {
    st = load_netlist(ctx, nl, NULL, NULL);
    if (st == KH_OK) st = op_loaded(ctx, nl, voltages);
  }
  pthread_mutex_unlock(&ng_lock);
  if (limited) { /* in a child, which can be stopped */
    op_job job = {NULL, nl};
    unsigned char *found = kh_malloc(kh_netlist_node_count(nl));
    st = found ? in_child(ctx, nl, op_work, &job, voltages, found, "finding the operating point")
               : kh_fail_nomem(ctx, "running ngspice");
    kh_free(found);
  }
  kh_ngspice_check_log_release(remove_log);
  return st;
}

/* work in a forked child (child.c), its answer back here by the time limit. Forked under the
 * lock, after resetting BSIM4's check: no other thread of this process is inside ngspice then,
 * whose half-done state (and the lock itself, held) the child would inherit. */
static kh_status in_child(kh_context *ctx, const kh_netlist *nl, kh_child_work work, void *arg,
                          double *voltages, unsigned char *found, const char *doing) {
  size_t n = kh_netlist_node_count(nl);
  memset(found, 0, n);
  int fds[2];
  if (pipe(fds)) return kh_fail(ctx, KH_ERR_BACKEND, "no pipe for ngspice's run");
  fflush(stdout), fflush(stderr); /* else the child would print what is buffered again */
  pthread_mutex_lock(&ng_lock);
  reset_bsim4_check(nl);
  double seconds = ng.time_limit;
  pid_t pid = fork();
  pthread_mutex_unlock(&ng_lock);
  if (pid == 0) close(fds[0]), kh_child_run(fds[1], work, arg, n, voltages, found);
  close(fds[1]);
  return kh_child_collect(ctx, pid, fds[0], n, voltages, found, seconds, doing);
}

/* ngspice's .op of the file at `path` as ngspice itself reads it (`source`: its includes,
 * parameters and models by ngspice's own rules), at the backend's tolerances: the voltages of
 * nl's nodes that ngspice's answer names (found[n] 1), for the check that kirchhoff read the
 * deck as ngspice does. The file must hold no .control block (ngspice would run it). */
/* ngspice's `source cmd` of a user's file, its .op, and the voltages of nl's nodes it names:
 * kh_ngspice_op_file's work, in the process that runs it. */
static kh_status op_file_here(kh_context *ctx, char *cmd, const kh_netlist *nl, double *voltages,
                              unsigned char *found) {
  pthread_mutex_lock(&ng_lock);
  kh_status st = load(ctx);
  if (st == KH_OK && ng.exited) st = kh_fail(ctx, KH_ERR_BACKEND, "ngspice exited earlier");
  if (st == KH_OK) {
    command("destroy all");
    command("remcirc");
    /* one thread: this is a forked child, and ngspice loads BSIM devices in OpenMP parallel
     * loops (cktsetup.c sets the team from num_threads, 2 by default) whose pool threads stayed
     * in the parent: a team of two waits for them forever (seen: BSIM3) */
    command("set num_threads=1");
    ng.log_len = 0, ng.log[0] = '\0';
    if (ng.command(cmd) || ng.exited || !ng.cur_plot()) st = log_failure(ctx, "rejected the file");
  }
  if (st == KH_OK) {
    char options[128];
    snprintf(options, sizeof options, "option reltol=%g abstol=1e-15 vntol=1e-12",
             KH_NGSPICE_RELTOL);
    ng.command(options);
    command("optran 1 1 1 0 1u 0");
    if (command("op") || ng.exited) st = log_failure(ctx, "failed to find the operating point");
  }
  char *plot = st == KH_OK ? ng.cur_plot() : NULL;
  if (st == KH_OK && (!plot || strncmp(plot, "op", 2) != 0))
    st = log_failure(ctx, "did not produce an op plot");
  char **vecs = st == KH_OK ? ng.all_vecs(plot) : NULL, full[512];
  for (size_t i = 0; vecs && vecs[i]; i++) {
    size_t node = kh_netlist_find_node(nl, node_of_vector(vecs[i], full, sizeof full));
    if (node == (size_t)-1 || node == 0) continue;
    snprintf(full, sizeof full, "%s.%s", plot, vecs[i]);
    pvector_info info = ng.vec_info(full);
    if (info && info->v_length >= 1 && info->v_realdata)
      voltages[node] = info->v_realdata[0], found[node] = 1;
  }
  pthread_mutex_unlock(&ng_lock);
  return st;
}

/* kh_child_work for kh_ngspice_op_file: arg is the `source` command. */
static kh_status op_file_work(kh_context *ctx, void *arg, double *voltages, unsigned char *found) {
  const op_job *job = arg;
  return op_file_here(ctx, job->cmd, job->nl, voltages, found);
}

/* A user's file may take ngspice's parser where it crashes the process (seen: a subcircuit
 * given too many parameters, after ngspice's own error), and a failed `source` leaves ngspice
 * unable to go on in its process: the file is read in a child process, which hands back what
 * it found, and a crash there is an error here. */
kh_status kh_ngspice_op_file(kh_context *ctx, const char *path, const kh_netlist *nl,
                             double *voltages, unsigned char *found) {
  size_t n = kh_netlist_node_count(nl);
  memset(found, 0, n);
  if (kh_netlist_control_blocks(nl) || kh_netlist_kirchhoff_words(nl))
    return kh_fail(ctx, KH_ERR_USAGE, "the deck has %s",
                   kh_netlist_control_blocks(nl) ? ".control blocks, which ngspice would run"
                                                 : kh_netlist_kirchhoff_words(nl));
  if (strpbrk(path, " \t\"'")) /* ngspice's `source` takes its file name to the first space */
    return kh_fail(ctx, KH_ERR_BACKEND,
                   "the file's path holds a space or a quote, which "
                   "ngspice's source command cannot take");
  int remove_log;
  kh_status claimed = kh_ngspice_check_log_claim(ctx, nl, &remove_log);
  if (claimed != KH_OK) return claimed;
  char *cmd = kh_malloc(strlen(path) + 16);
  if (!cmd) return kh_fail_nomem(ctx, "passing the file to ngspice");
  sprintf(cmd, "source %s", path);
  op_job job = {cmd, nl};
  kh_status st = in_child(ctx, nl, op_file_work, &job, voltages, found, "reading the file");
  kh_free(cmd);
  kh_ngspice_check_log_release(remove_log);
  return st;
}

/* The oscillating nudge for ngspice: a SIN oscillator at node kh_osc whose voltage is the
 * nudge's conductance b(t) in siemens, and per output a behavioural current source drawing
 * b(t) (v(out+) - v(out-) - target) out of its positive node, as a multiplier would. */
static char *oscillator_cards(const kh_circuit *c, const kh_oscillation *o, double amplitude) {
  size_t cap = 512, len = 0; /* room for every card below, names at their full length */
  for (size_t n = 1; o->node_capacitance > 0 && n < c->node_count; n++)
    cap += strlen(kh_netlist_node_name(c->nl, n)) + 64;
  for (size_t k = 0; k < c->output_count; k++)
    cap += 2 * (strlen(kh_netlist_node_name(c->nl, c->out_ends[k][0])) +
                strlen(kh_netlist_node_name(c->nl, c->out_ends[k][1]))) +
           128;
  char *text = kh_malloc(cap);
  if (!text) return NULL;
  double h = o->period / o->steps;
  len += (size_t)snprintf(text + len, cap - len,
                          "* kirchhoff: the oscillating nudge\n"
                          "vkh_osc kh_osc 0 dc 0 sin(0 %.17g %.17g 0 0 90)\n",
                          amplitude, 1 / o->period);
  for (size_t n = 1; o->node_capacitance > 0 && n < c->node_count; n++)
    if (c->unknown_of[n] >= 0) /* as the native solver: every node the sources do not hold */
      len += (size_t)snprintf(text + len, cap - len, "ckh_node%zu %s 0 %.17g\n", n,
                              kh_netlist_node_name(c->nl, n), o->node_capacitance);
  for (size_t k = 0; k < c->output_count; k++) {
    const char *a = kh_netlist_node_name(c->nl, c->out_ends[k][0]);
    const char *b = kh_netlist_node_name(c->nl, c->out_ends[k][1]);
    len += (size_t)snprintf(text + len, cap - len,
                            "bkh_nudge%zu %s %s i = v(kh_osc) * (v(%s) - v(%s) - %.17g)\n", k, a, b,
                            a, b, c->target[k]);
  }
  /* steps no longer than an eighth of the sample step, for the interpolation below */
  snprintf(text + len, cap - len, ".tran %.17g %.17g 0 %.17g\n", h,
           (o->settle + o->periods) * o->period, h / 8);
  return text;
}

/* Cubic (4-point Lagrange) interpolation of y at t on the increasing grid x[0..n). */
static double interpolate(const double *x, const double *y, size_t n, size_t *hint, double t) {
  size_t i = *hint;
  while (i + 1 < n && x[i + 1] < t) i++;
  *hint = i;
  size_t lo = i >= 1 ? i - 1 : 0;
  if (lo + 4 > n) lo = n >= 4 ? n - 4 : 0;
  size_t count = n < 4 ? n : 4;
  for (size_t a = lo; a + 1 < lo + count; a++)
    if (!(x[a + 1] > x[a])) { /* a repeated time point (a breakpoint): linear, or the value */
      if (i + 1 < n && x[i + 1] > x[i])
        return y[i] + (y[i + 1] - y[i]) * (t - x[i]) / (x[i + 1] - x[i]);
      return y[i];
    }
  double sum = 0;
  for (size_t a = lo; a < lo + count; a++) {
    double w = 1;
    for (size_t b = lo; b < lo + count; b++)
      if (b != a) w *= (t - x[b]) / (x[a] - x[b]);
    sum += w * y[a];
  }
  return sum;
}

static kh_status run_tran(kh_context *ctx, const kh_circuit *c, const kh_oscillation *o,
                          double amplitude, kh_oscillation_sample sample, void *user,
                          kh_oscillation_stats *stats) {
  char *cards = oscillator_cards(c, o, amplitude);
  if (!cards) return kh_fail_nomem(ctx, "writing the oscillation for ngspice");
  kh_status st = load_circuit(ctx, c, cards);
  kh_free(cards);
  if (st != KH_OK) return st;
  if (command("run") || ng.exited) return log_failure(ctx, "failed in the transient analysis");
  char *plot = ng.cur_plot(), full[512];
  if (!plot || strncmp(plot, "tran", 4) != 0)
    return log_failure(ctx, "did not produce a transient plot");
  snprintf(full, sizeof full, "%s.time", plot);
  pvector_info time = ng.vec_info(full);
  if (!time || !time->v_realdata || time->v_length < 4)
    return log_failure(ctx, "produced no time points");
  /* ngGet_Vec_Info answers in one static record that the next call overwrites: keep the data */
  size_t points = (size_t)time->v_length, nodes = c->node_count;
  const double *times = time->v_realdata;
  const double **wave = kh_calloc(nodes, sizeof *wave);
  double *v = kh_calloc(nodes, sizeof *v);
  size_t *hint = kh_calloc(nodes, sizeof *hint);
  if (!wave || !v || !hint) st = kh_fail_nomem(ctx, "reading ngspice's waveforms");
  for (size_t n = 1; st == KH_OK && n < nodes; n++) {
    snprintf(full, sizeof full, "%s.%s", plot, kh_netlist_node_name(c->nl, n));
    pvector_info info = ng.vec_info(full);
    if (!info || !info->v_realdata || (size_t)info->v_length != points)
      st = kh_fail(ctx, KH_ERR_BACKEND, "ngspice reported no waveform for node '%s'",
                   kh_netlist_node_name(c->nl, n));
    else
      wave[n] = info->v_realdata;
  }
  double h = o->period / o->steps, t0 = o->settle * o->period;
  for (unsigned j = 1; st == KH_OK && j <= o->periods * o->steps; j++) {
    for (size_t n = 1; n < nodes; n++)
      v[n] = interpolate(times, wave[n], points, &hint[n], t0 + j * h);
    if (sample(user, j * h, v))
      st = kh_fail(ctx, KH_ERR_USAGE, "the oscillation was stopped by its reader");
  }
  stats->steps = (unsigned)points;
  kh_free(wave), kh_free(v), kh_free(hint);
  return st;
}

/* The oscillating nudge only: ngspice's SIN source is that forcing; others would need their
 * own source cards. */
static kh_status transient(kh_context *ctx, kh_circuit *c, void *impl,
                           const kh_transient_options *t, kh_forcing forcing, void *forcing_user,
                           kh_oscillation_sample sample, void *user, kh_oscillation_stats *stats) {
  (void)impl;
  if (forcing != kh_oscillation_forcing)
    return kh_fail(ctx, KH_ERR_USAGE,
                   "the ngspice backend runs the oscillating nudge only (a SIN source); another "
                   "forcing needs the native backend");
  const kh_oscillation_drive *d = forcing_user;
  kh_oscillation o = {d->period,           (t->steps - t->skip) / d->steps,
                      t->skip / d->steps,  d->steps,
                      t->node_capacitance, t->keep_clamps};
  int remove_log;
  kh_status st = kh_ngspice_check_log_claim(ctx, c->nl, &remove_log);
  if (st != KH_OK) return st;
  pthread_mutex_lock(&ng_lock);
  st = run_tran(ctx, c, &o, d->amplitude, sample, user, stats);
  pthread_mutex_unlock(&ng_lock);
  kh_ngspice_check_log_release(remove_log);
  return st;
}

static kh_status prepare(kh_context *ctx, kh_circuit *c, void **impl) {
  (void)c;
  *impl = NULL;
  pthread_mutex_lock(&ng_lock);
  kh_status st = load(ctx);
  pthread_mutex_unlock(&ng_lock);
  return st;
}

static kh_status solve(kh_context *ctx, kh_circuit *c, void *impl, double *voltages,
                       kh_solve_stats *stats) {
  (void)impl;
  if (c->beta != 0)
    return kh_fail(ctx, KH_ERR_USAGE, "the ngspice backend does not apply nudges (native does)");
  int remove_log;
  kh_status st = kh_ngspice_check_log_claim(ctx, c->nl, &remove_log);
  if (st != KH_OK) return st;
  pthread_mutex_lock(&ng_lock);
  st = run_op(ctx, c, voltages);
  pthread_mutex_unlock(&ng_lock);
  kh_ngspice_check_log_release(remove_log);
  if (st == KH_OK) stats->analyses++, stats->factorizations++;
  return st;
}

static void destroy(void *impl) {
  (void)impl;
}

/* ngspice stops iterating once its reltol/abstol are met, so its KCL residual is larger
 * than round-off; what is checked here is only that it found an operating point. */
const kh_solver_ops kh_solver_ops_ngspice = {.name = "ngspice",
                                             .prepare = prepare,
                                             .solve = solve,
                                             .transient = transient,
                                             .destroy = destroy,
                                             .max_relative_residual = 1e-3,
                                             .absolute_residual = 1e-12,
                                             .ideal_tolerance = 5e-3};
