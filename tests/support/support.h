/* Helpers shared by the Criterion suites. */
#ifndef KH_TEST_SUPPORT_H
#define KH_TEST_SUPPORT_H

#include "kirchhoff/kirchhoff.h"

#include <stddef.h>
#include <stdint.h>

/* Directory of the test data (tests/data), the examples, and the built CLI (from meson). */
const char *kh_test_data_dir(void);
const char *kh_test_examples_dir(void);
const char *kh_test_cli(void);

/* Whole file as a NUL-terminated string (NULL if unreadable); free() it. */
char *kh_test_read_file(const char *path);
/* This test process's scratch directory (lowercase), removed with everything in it when the
 * process ends. */
const char *kh_test_temp_dir(void);
/* Writes text to a fresh file in that directory; returns its path. */
const char *kh_test_write_temp(const char *name, const char *text);

/* Runs a shell command; returns its exit code and (if out) its stdout, free()d by the caller. */
int kh_test_run(const char *command, char **out);

/* Runs `kirchhoff ARGS` (stderr merged into stdout); returns its exit code and output. */
int kh_test_cli_run(const char *args, char **out);
/* `kirchhoff ARGS` exits with `code` and its output contains `text` (Criterion expectations). */
void kh_test_cli_expect(const char *args, int code, const char *text);

/* The number printed after `label` in a command's output (asserting the label is there). */
double kh_test_number_after(const char *out, const char *label);

/* General Newton's answer (kh_general_op, asserted) from guess (NULL: 0 V): node voltages,
 * free()d by the caller. */
double *kh_test_general(const kh_netlist *nl, const double *guess, kh_solve_stats *stats);
/* One node's voltage in general Newton's answer to deck text (asserts that it solves). */
double kh_test_general_node(const char *text, const char *node);
/* Expects general Newton on deck text to fail with status `want` and a message holding
 * `message`. */
void kh_test_general_fails(const char *text, kh_status want, const char *message);
/* General Newton against ngspice's .op on deck `text`: every node within tolerance max(1, |V|)
 * (Criterion expectations); returns the largest |dV| / max(1, |V|). */
double kh_test_general_vs_ngspice(const char *text, double tolerance);

/* kirchhoff's own text for deck `text` (written, asserted) read back: general Newton's answer
 * the same at every node, bit for bit (Criterion expectations). Returns the text, free()d by
 * the caller, for its cards to be checked. */
char *kh_test_written_back(const char *text);
/* Deck `text` refused by kh_circuit_new (no co-content) with a message containing `message`. */
void kh_test_no_co_content(const char *text, const char *message);

/* Parses text, asserting success; returns the netlist. */
kh_netlist *kh_test_parse(const char *text);
/* The gradient of element `element`'s expression (two inputs: node `a` and another, in nl) at
 * each of `count` points (v(a), the other) against central differences of its value (1e-7
 * relative). */
void kh_test_expect_gradient(const kh_netlist *nl, const char *element, const char *a,
                             const double (*points)[2], size_t count);
/* Parses text expecting failure; returns the error message (static buffer). */
const char *kh_test_parse_error(const char *text);
/* The index of element `name` in nl (the test fails where there is none). */
size_t kh_test_element(const kh_netlist *nl, const char *name);
/* Each case's text parses to an error whose message holds the case's message. */
typedef struct {
  const char *text, *message;
} kh_test_error_case;
void kh_test_parse_errors(const kh_test_error_case *cases, size_t count);
/* Each case's `<element> a 0 <words>` after the deck's head parses to an element of that value
 * (to 1e-9 relative): the value ngspice 39 reports for the same line. */
typedef struct {
  const char *words;
  double value;
} kh_test_value_case;
void kh_test_expect_values(const char *head, const char *element, const kh_test_value_case *cases,
                           size_t count);

/* A parsed netlist with its context, circuit and solver, each step asserted. */
typedef struct {
  kh_context *ctx;
  kh_netlist *nl;
  kh_circuit *c;
  kh_solver *s;
} kh_test_rig;
void kh_test_rig_open(kh_test_rig *r, const char *text, const char *backend);
/* The same for a netlist the caller keeps (not freed by close). */
void kh_test_rig_attach(kh_test_rig *r, const kh_netlist *nl, const char *backend);
void kh_test_rig_close(kh_test_rig *r);

/* Solves a netlist with a backend into a new array of node voltages (free()). */
double *kh_test_solve(const kh_netlist *nl, const char *backend);
/* Voltage of a named node in a solution. */
double kh_test_node(const kh_netlist *nl, const double *v, const char *name);

/* A seeded splitmix64 stream: the next 64 bits, and a double uniform in [0, 1). */
uint64_t kh_test_next(uint64_t *state);
double kh_test_uniform(uint64_t *state);

/* A seeded random connected resistor network: `nodes` nodes, conductances log-uniform in
 * [gmin, gmax], a grounded and a floating voltage source, and current sources. Returns
 * netlist text (free()). */
char *kh_test_random_network(uint64_t seed, size_t nodes, double gmin, double gmax);

/* A seeded random resistor network (100 ohm .. 10 kohm) with diodes: `ideal` = 0 gives Shockley
 * diodes from nodes to ground and between nodes; 1 gives ideal diodes clamping nodes to bias
 * sources. Returns netlist text (free()). */
char *kh_test_random_diode_network(uint64_t seed, size_t nodes, int ideal);
/* A generated deep resistive network (kirchhoff net) with the given arch, seed and input gain,
 * amplifiers of gain `amp` after every hidden layer (0: none), and, unless clamp is NULL, the
 * ideal clamps' model "d(kh_ideal=1)" replaced by `clamp` (e.g. "d(is=1u n=1)"). */
kh_netlist *kh_test_drn(const char *arch, uint64_t seed, double gain, double amp,
                        const char *clamp);
/* The text kirchhoff net writes for o with layers `arch` (free()). */
char *kh_test_netgen(kh_netgen_options *o, const char *arch);
/* A CSV of `samples` noisy blobs (sample i in class i mod classes; feature j is 1.5 plus uniform
 * noise in [-0.5, 0.5) when j mod classes is the class, else the noise alone), written to a
 * temporary file `name`; returns its path (static buffer). */
const char *kh_test_blobs_csv(const char *name, size_t samples, int classes, int features);
/* The CLI tests' data and output folder: 600 samples of 4 blobs in 8 dimensions (epochs of a few
 * tens of milliseconds), and the folder its file lies in, where the tests write. */
const char *kh_test_cli_blobs(void);
const char *kh_test_cli_dir(void);
/* Whether a file exists; a Python script with its arguments, stdout and stderr into *out. */
int kh_test_exists(const char *path);
int kh_test_python(const char *script_and_args, char **out);
/* Least-squares slope of log(y) against log(x): a fitted convergence order. */
double kh_test_loglog_slope(const double *x, const double *y, int n);
/* A model on a netlist (taken over, freed by close) with inputs x_i = cos(1.3 i + 0.4), targets
 * one-hot on output 0, and its exact gradient; g is scratch for estimates. Each step asserted. */
typedef struct {
  kh_context *ctx;
  kh_netlist *nl;
  kh_model *m;
  size_t n;
  double target[8], *exact, *g;
} kh_test_gradient_fixture;
void kh_test_gradient_open(kh_test_gradient_fixture *f, kh_netlist *nl);
void kh_test_gradient_close(kh_test_gradient_fixture *f);
/* |a - b| / |b| (Euclidean). */
double kh_test_relative_error(const double *a, const double *b, size_t n);
/* Generated network text (kirchhoff net) with its input sources driven: the k-th "vx... dc 0"
 * line becomes "dc 0.d", d = first + k mod 5. Returns a new string (free()). */
char *kh_test_drive_inputs(const char *text, int first);

#endif
