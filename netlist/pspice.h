/* ngspice 39's PSpice compatibility mode: the rewrites of a logical line (pspice.c). */
#ifndef KH_NETLIST_PSPICE_H
#define KH_NETLIST_PSPICE_H

#include <stddef.h>
#include <stdint.h>

/* A line being rewritten: its text (NUL-terminated), and for each byte the offset in the line as
 * read that it stands for (an inserted byte: the one it was inserted before). */
typedef struct {
  char *t;
  uint32_t *from;
  size_t n, cap;
} kh_edit;

/* What the rewrite of one line found: a refusal (why[0] set, at offset why_at of the line as
 * read), and whether the line opened a .subckt (ngspice adds .param temp and vt after it). */
typedef struct {
  char why[320];
  size_t why_at;
  int opens_subckt;
} kh_pspice_result;

/* Rewrites the logical line s[0..n) (lower case) into *out as ngspice 39's PSpice mode rewrites
 * it: `in_library` for a line that pspice_compat rewrites (of an included file; of any file in
 * `psa`), else only what that mode changes in every line. *depth: the .subckt nesting of the
 * rewritten lines so far. Returns -1 when out of memory, 0 otherwise (res->why set where the line
 * is refused). */
int kh_pspice_rewrite(const char *s, size_t n, int in_library, int *depth, kh_edit *out,
                      kh_pspice_result *res);
void kh_edit_release(kh_edit *e);

/* The lines pspice_compat puts before a rewritten file's (or deck's) own, in order; NULL ends. */
extern const char *const kh_pspice_header[];
/* ... and after each .subckt line */
extern const char *const kh_pspice_subckt_params[];

#endif
