/* kirchhoff sweep: one training run per point of a hyperparameter grid. Under mpirun the points
 * are dealt to the processes round-robin, each trained by its process alone; the first process
 * writes DIR/index.csv listing every point with its values, status, test error and trace. */
#include "cli.h"
#include "files.h"
#include "kirchhoff/atomic_file.h"
#include "processes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_KEYS = 8, MAX_VALUES = 64, MAX_POINTS = 4096 };

void kh_help_sweep(void) {
  printf("usage: kirchhoff sweep --grid 'NAME=V1,V2,..[;NAME=..]' --out DIR [train options]\n\n"
         "Runs 'kirchhoff train' once per point of the grid (every combination of the\n"
         "values), each with --NAME VALUE added for every NAME and its own trace\n"
         "DIR/point-NNNN.h5. NAME is any train option taking one value: beta, lr,\n"
         "gain, prog-noise, estimator, seed, ... Under 'mpirun -np P' the points are dealt\n"
         "to the P processes round-robin and each point trains in one process.\n"
         "DIR/index.csv lists every point: its values, exit code, final test error and\n"
         "trace. Exit code: 0 when every point trained, else the first failed point's.\n"
         "Example:\n"
         "  mpirun -np 4 kirchhoff sweep --grid 'beta=0.05,0.2;lr=0.01,0.03' --out runs \\\n"
         "      --arch 64-64-10 --data data/digits.csv --epochs 5\n");
}

typedef struct {
  char *names[MAX_KEYS];
  char *values[MAX_KEYS][MAX_VALUES];
  size_t counts[MAX_KEYS], keys, points;
} grid;

/* Parses "beta=0.05,0.1;lr=0.01" in place (spec is a copy the grid points into). */
static int parse_grid(char *spec, grid *g) {
  memset(g, 0, sizeof *g);
  g->points = 1;
  for (char *save = NULL, *part = strtok_r(spec, ";", &save); part;
       part = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(part, '=');
    if (!eq || eq == part || g->keys == MAX_KEYS) return -1;
    *eq = '\0';
    size_t k = g->keys++;
    g->names[k] = part;
    if (!strcmp(part, "trace") || !strcmp(part, "resume") || !strcmp(part, "quiet")) return -1;
    for (char *vsave = NULL, *v = strtok_r(eq + 1, ",", &vsave); v;
         v = strtok_r(NULL, ",", &vsave)) {
      if (g->counts[k] == MAX_VALUES) return -1;
      g->values[k][g->counts[k]++] = v;
    }
    if (!g->counts[k] || g->points * g->counts[k] > MAX_POINTS) return -1;
    g->points *= g->counts[k];
  }
  return g->keys ? 0 : -1;
}

/* The value index of key k at point p (the last key varies fastest). */
static size_t value_of(const grid *g, size_t p, size_t k) {
  for (size_t j = g->keys; j-- > k + 1;) p /= g->counts[j];
  return p % g->counts[k];
}

typedef struct {
  const grid *g;
  const double *code, *error, *seconds;
} sweep_results;

static void write_rows(FILE *f, const void *what) {
  const sweep_results *r = what;
  const grid *g = r->g;
  fprintf(f, "point");
  for (size_t k = 0; k < g->keys; k++) fprintf(f, ",%s", g->names[k]);
  fprintf(f, ",exit_code,test_error,seconds,trace\n");
  for (size_t p = 0; p < g->points; p++) {
    fprintf(f, "%zu", p);
    for (size_t k = 0; k < g->keys; k++) fprintf(f, ",%s", g->values[k][value_of(g, p, k)]);
    fprintf(f, ",%d,", (int)r->code[p]);
    if (r->code[p] == 0) fprintf(f, "%.17g", r->error[p]);
    fprintf(f, ",%.3f,", r->seconds[p]);
    if (r->code[p] == 0) fprintf(f, "point-%04zu.h5", p);
    fprintf(f, "\n");
  }
}

/* DIR/index.csv, whole or not at all. */
static kh_status write_index(kh_context *ctx, const char *dir, const sweep_results *r) {
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s/index.csv", dir);
  kh_status st = kh_atomic_write(ctx, path, tmp, sizeof tmp, write_rows, r);
  return st == KH_OK ? kh_atomic_commit(ctx, tmp, path, 1) : st;
}

/* Trains point p of the grid, its trace in dir, and fills its exit code, test error and
 * seconds; train_argv holds the command's own words in [0, rest). */
static void train_point(const grid *g, size_t p, char **train_argv, int rest, const char *dir,
                        int rank, double *code, double *error, double *seconds) {
  char names[MAX_KEYS][128], trace[4096];
  int n = rest;
  for (size_t k = 0; k < g->keys; k++) {
    snprintf(names[k], sizeof names[k], "--%s", g->names[k]);
    train_argv[n++] = names[k];
    train_argv[n++] = g->values[k][value_of(g, p, k)];
  }
  snprintf(trace, sizeof trace, "%s/point-%04zu.h5", dir, p);
  train_argv[n++] = "--trace";
  train_argv[n++] = trace;
  double t0 = kh_cli_now(), test_error = 0;
  kh_cli_progress("sweep: training point %zu/%zu (process %d) ...", p + 1, g->points, rank);
  code[p] = kh_cli_train(n, train_argv, KH_TRAIN_SILENT, &test_error);
  kh_cli_progress_done();
  error[p] = test_error, seconds[p] = kh_cli_now() - t0;
  printf("point %zu/%zu", p + 1, g->points);
  for (size_t k = 0; k < g->keys; k++)
    printf(" %s=%s", g->names[k], g->values[k][value_of(g, p, k)]);
  if (code[p] == 0)
    printf(": test error %.2f %% (%.1f s, process %d)\n", 100 * test_error, seconds[p], rank);
  else
    printf(": failed with exit code %d (process %d)\n", (int)code[p], rank);
  fflush(stdout);
}

int kh_cmd_sweep(int argc, char **argv) {
  const char *spec = NULL, *dir = NULL;
  int rest = 0;
  char **train_argv = calloc((size_t)argc + 4 + 2 * MAX_KEYS, sizeof *train_argv);
  if (!train_argv) return 4;
  train_argv[rest++] = "train";
  for (int i = 1; i < argc; i++) {
    if (kh_cli_is_help(argv[i])) return free(train_argv), kh_help_sweep(), KH_EXIT_OK;
    int valued = i + 1 < argc;
    if (!strcmp(argv[i], "--grid") && valued)
      spec = argv[++i];
    else if (!strcmp(argv[i], "--out") && valued)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--trace") || !strcmp(argv[i], "--resume"))
      return free(train_argv), kh_cli_usage("sweep", "%s: each point has its own trace", argv[i]);
    else
      train_argv[rest++] = argv[i];
  }
  if (!spec || !dir)
    return free(train_argv), kh_cli_usage("sweep", "--grid and --out are required");
  char index[4096];
  snprintf(index, sizeof index, "%s/index.csv", dir);
  int force = 0;
  for (int i = 1; i < rest; i++) force |= !strcmp(train_argv[i], "--force");
  const kh_cli_file files[] = {{"--out's", index, KH_FILE_CSV}};
  if (kh_cli_check_files("sweep", files, 1, force)) return free(train_argv), KH_EXIT_USAGE;
  char *spec_copy = strdup(spec);
  grid g;
  if (!spec_copy || parse_grid(spec_copy, &g)) {
    free(spec_copy), free(train_argv);
    return kh_cli_usage("sweep",
                        "--grid: 'NAME=V1,V2;NAME=..' with at most %d names, %d values "
                        "each, %d points (and no trace, resume or quiet)",
                        MAX_KEYS, MAX_VALUES, MAX_POINTS);
  }
  kh_context *ctx;
  if (kh_context_new(&ctx) != KH_OK) return free(spec_copy), free(train_argv), 4;
  int rank = kh_cli_mpi_rank(), size = kh_cli_mpi_size();
  kh_status st = KH_OK;
  if (rank == 0 && mkdir(dir, 0777) != 0 && errno != EEXIST)
    st = kh_set_error(ctx, KH_ERR_IO, "cannot create '%s': %s", dir, strerror(errno));
  st = kh_cli_mpi_agree(ctx, st);
  /* per point: exit code, test error, seconds; each process fills its own points, zeros
   * elsewhere, and the sums give every process all of them */
  double *results = calloc(3 * g.points + 1, sizeof *results);
  if (!results) {
    free(spec_copy), free(train_argv);
    kh_context_free(ctx);
    return 4;
  }
  double *code = results, *error = results + g.points, *seconds = results + 2 * g.points;
  for (size_t p = (size_t)rank; st == KH_OK && p < g.points; p += (size_t)size)
    train_point(&g, p, train_argv, rest, dir, rank, code, error, seconds);
  if (st == KH_OK) st = kh_cli_mpi_sum(ctx, results, 3 * g.points);
  sweep_results r = {&g, code, error, seconds};
  if (st == KH_OK && rank == 0) st = write_index(ctx, dir, &r);
  int rc = st == KH_OK ? KH_EXIT_OK : kh_cli_report(ctx, st);
  for (size_t p = 0; rc == KH_EXIT_OK && p < g.points; p++)
    if (code[p] != 0) rc = (int)code[p];
  if (st == KH_OK && rank == 0)
    printf("%zu points on %d process%s: index in %s/index.csv\n", g.points, size,
           size == 1 ? "" : "es", dir);
  free(results), free(spec_copy), free(train_argv);
  kh_context_free(ctx);
  return rc;
}
