/* ngspice's compatibility mode (`set ngbehavior=ps`, `lt`, `hs`, ...) lives in its start-up file,
 * not in the deck: the same deck reads as PSpice or LTspice would read it there, and as ngspice's
 * own mode otherwise. kirchhoff reads ngspice's own mode only, so where the ngspice on this
 * machine would start in another one, the commands that read a deck say so (a note, since most
 * decks read the same in every mode; --compare runs that ngspice and shows where they differ). */
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The start-up file ngspice 39 reads (main.c): the first of .spiceinit and spice.rc in
 * $SPICE_USERINIT_DIR, the current directory, $HOME and $USERPROFILE that exists. */
static FILE *open_startup_file(char *path, size_t size) {
  const char *dirs[] = {getenv("SPICE_USERINIT_DIR"), "", getenv("HOME"), getenv("USERPROFILE")};
  const char *names[] = {".spiceinit", "spice.rc"};
  for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++)
    for (size_t n = 0; dirs[d] && n < 2; n++) {
      snprintf(path, size, "%s%s%s", dirs[d], *dirs[d] ? "/" : "", names[n]);
      FILE *f = fopen(path, "r");
      if (f) return f;
    }
  return NULL;
}

/* The mode a `set ngbehavior = MODE` line sets (MODE, NUL-terminated, into mode), or 0. */
static int ngbehavior_line(const char *line, char *mode, size_t size) {
  while (isspace((unsigned char)*line)) line++;
  if (strncasecmp(line, "set", 3) || !isspace((unsigned char)line[3])) return 0;
  for (line += 3; isspace((unsigned char)*line);) line++;
  if (strncasecmp(line, "ngbehavior", 10)) return 0;
  for (line += 10; isspace((unsigned char)*line) || *line == '=';) line++;
  size_t n = 0;
  while (n + 1 < size && line[n] && !isspace((unsigned char)line[n])) mode[n] = line[n], n++;
  mode[n] = '\0';
  return n > 0;
}

/* The mode the start-up file sets (its last `set ngbehavior`), where it sets one: 1 and its path,
 * line and mode; else 0. */
static int startup_mode(char path[4096], unsigned *at, char found[64]) {
  char line[1024], mode[64];
  FILE *f = open_startup_file(path, 4096);
  if (!f) return 0;
  unsigned lineno = 0;
  *at = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (ngbehavior_line(line, mode, sizeof mode)) /* the last one set wins */
      memcpy(found, mode, 64), *at = lineno;
  }
  fclose(f);
  return *at != 0;
}

kh_compat kh_cli_compat_mode(void) {
  char path[4096], mode[64];
  unsigned at;
  if (!startup_mode(path, &at, mode)) return KH_COMPAT_NGSPICE;
  /* ngspice 39 tests the value's letters as typed (inpcom.c's set_compat_mode: `PS` is not ps) */
  return !strcmp(mode, "ps")    ? KH_COMPAT_PS
         : !strcmp(mode, "psa") ? KH_COMPAT_PSA
                                : KH_COMPAT_NGSPICE;
}

void kh_cli_note_compat_mode(void) {
  char path[4096], found[64];
  unsigned at;
  if (!startup_mode(path, &at, found)) return;
  kh_compat mode = kh_cli_compat_mode();
  if (mode != KH_COMPAT_NGSPICE)
    fprintf(stderr,
            "kirchhoff: note: %s:%u sets ngbehavior=%s: kirchhoff reads %s as ngspice's PSpice "
            "mode rewrites them (docs/netlist.md, \"PSpice mode\")\n",
            path, at, found, mode == KH_COMPAT_PS ? "included files" : "the whole deck");
  else
    fprintf(stderr,
            "kirchhoff: note: %s:%u sets ngbehavior=%s: ngspice on this machine reads decks in "
            "that compatibility mode, kirchhoff in ngspice's own mode only (\"No compatibility "
            "mode selected\"; it reads ps and psa); where a deck reads differently in the two, op "
            "--compare shows it\n",
            path, at, found);
}
