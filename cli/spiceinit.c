/* ngspice's compatibility mode (`set ngbehavior=ps`, `lt`, `hs`, ...) lives in its start-up file,
 * not in the deck: the same deck reads as PSpice or LTspice would read it there, and as ngspice's
 * own mode otherwise. kirchhoff reads ngspice's own mode and its ps, lt and a modes
 * (kh_compat_from_ngbehavior), so the commands that read a deck take the mode from the start-up
 * file ngspice would read, and say so; where it also sets a mode kirchhoff does not read (hs,
 * spe, xs, s3), they say that instead (a note, since most decks read the same in every mode;
 * --compare runs that ngspice and shows where they differ). */
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
  kh_compat read = KH_COMPAT_NGSPICE;
  if (startup_mode(path, &at, mode)) kh_compat_from_ngbehavior(mode, &read);
  return read;
}

/* The modes and their verb, for the note: PSpice's, LTspice's, both or ngspice's own. */
static const char *mode_names(kh_compat mode) {
  int ps = (mode & KH_COMPAT_PS) != 0, lt = (mode & KH_COMPAT_LT) != 0;
  return ps && lt ? "LTspice and PSpice modes read"
         : ps     ? "PSpice mode reads"
         : lt     ? "LTspice mode reads"
                  : "own mode reads";
}

void kh_cli_note_compat_mode(void) {
  char path[4096], found[64];
  unsigned at;
  if (!startup_mode(path, &at, found)) return;
  kh_compat mode;
  int read = kh_compat_from_ngbehavior(found, &mode);
  if (read && mode == KH_COMPAT_NGSPICE) return; /* ki, eg, mc: nothing a DC deck reads changes */
  if (read)
    fprintf(stderr,
            "kirchhoff: note: %s:%u sets ngbehavior=%s: kirchhoff reads the deck as ngspice's %s "
            "it (rewriting %s; docs/netlist.md, \"Compatibility modes\")\n",
            path, at, found, mode_names(mode),
            mode & KH_COMPAT_WHOLE ? "every line" : "the included files' lines");
  else
    fprintf(stderr,
            "kirchhoff: note: %s:%u sets ngbehavior=%s: ngspice on this machine reads decks in "
            "that compatibility mode, kirchhoff only in ngspice's own mode and its ps, lt and a "
            "modes (it reads this deck as ngspice's %s it); where a deck reads differently "
            "in the two, op --compare shows it\n",
            path, at, found, mode_names(mode));
}
