/* A stand-in for libngspice whose `source` command crashes its process, as libngspice 39's does on
 * some files after its own error (a subcircuit given too many parameters, seen): the reading check
 * runs ngspice on a user's file in a child process, and tests/sim/ngspice_agreement.c checks that
 * such a crash is an error there, not a crashed kirchhoff. And one that never ends, as
 * libngspice's gmin and source stepping can crawl for minutes: `source` of a file whose name
 * holds "hang", and `op` of a circuit whose title does, wait forever (the time limit's test).
 * And one that answers nonsense: an op of a circuit whose title holds "nan" gives node b NaN V
 * (and a 1 V), the op --compare test of an answer kirchhoff's Newton cannot start from.
 * Loaded through kh_ngspice_configure. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int hang;     /* the last circuit's title holds "hang" */
static int nan_plot; /* it holds "nan" */

static void forever(void) {
  for (;;) pause();
}

#define API __attribute__((visibility("default"))) /* the project builds with hidden symbols */

API int ngSpice_Init(void *a, void *b, void *c, void *d, void *e, void *f, void *g);
API int ngSpice_Command(char *command);
API int ngSpice_Circ(char **lines);
API char *ngSpice_CurPlot(void);
API char **ngSpice_AllVecs(char *plot);
API void *ngGet_Vec_Info(char *name);

API int ngSpice_Init(void *a, void *b, void *c, void *d, void *e, void *f, void *g) {
  (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g;
  return 0;
}

API int ngSpice_Command(char *command) {
  if (command && strncmp(command, "source", 6) == 0 && strstr(command, "hang")) forever();
  if (command && strncmp(command, "source", 6) == 0) raise(SIGSEGV);
  if (command && strcmp(command, "op") == 0 && hang) forever();
  return 0;
}

API int ngSpice_Circ(char **lines) {
  hang = lines && lines[0] && strstr(lines[0], "hang");
  nan_plot = lines && lines[0] && strstr(lines[0], "nan");
  return 0;
}

static char plot_name[] = "op1", vector_a[] = "a", vector_b[] = "b";

API char *ngSpice_CurPlot(void) {
  return nan_plot ? plot_name : NULL;
}

API char **ngSpice_AllVecs(char *plot) {
  static char *vectors[] = {vector_a, vector_b, NULL};
  (void)plot;
  return nan_plot ? vectors : NULL;
}

/* sharedspice.h's vector_info, as far as kirchhoff reads it */
struct vector_info {
  char *v_name;
  int v_type;
  short v_flags;
  double *v_realdata;
  void *v_compdata;
  int v_length;
};

API void *ngGet_Vec_Info(char *name) {
  static double one = 1, not_a_number = __builtin_nan("");
  static struct vector_info a = {vector_a, 0, 0, &one, NULL, 1},
                            b = {vector_b, 0, 0, &not_a_number, NULL, 1};
  if (!nan_plot || !name) return NULL;
  return strstr(name, ".a") ? (void *)&a : strstr(name, ".b") ? (void *)&b : NULL;
}
