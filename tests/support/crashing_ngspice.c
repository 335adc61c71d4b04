/* A stand-in for libngspice whose `source` command crashes its process, as libngspice 39's does on
 * some files after its own error (a subcircuit given too many parameters, seen): the reading check
 * runs ngspice on a user's file in a child process, and tests/sim/ngspice_agreement.c checks that
 * such a crash is an error there, not a crashed kirchhoff. And one that never ends, as
 * libngspice's gmin and source stepping can crawl for minutes: `source` of a file whose name
 * holds "hang", and `op` of a circuit whose title does, wait forever (the time limit's test).
 * Loaded through kh_ngspice_configure. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int hang; /* the last circuit's title holds "hang" */

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
  return 0;
}

API char *ngSpice_CurPlot(void) {
  return NULL;
}

API char **ngSpice_AllVecs(char *plot) {
  (void)plot;
  return NULL;
}

API void *ngGet_Vec_Info(char *name) {
  (void)name;
  return NULL;
}
