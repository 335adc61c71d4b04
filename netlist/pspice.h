/* ngspice 39's compatibility modes: the rewrites of a logical line (PSpice's: pspice.c;
 * LTspice's: ltspice.c). */
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

enum { KH_PSPICE_AFTER = 8 };
/* What the rewrite of one line found: a refusal (why[0] set, at offset why_at of the line as
 * read), whether the line opened a .subckt (ngspice adds .param temp and vt after it), and
 * whether it is dropped. */
typedef struct {
  char why[320];
  size_t why_at;
  int opens_subckt;
  int drop; /* a card ngspice makes a comment */
  int hold; /* an AKO card whose base is not read yet: held to its scope's end (source_pspice.c) */
  /* LTspice mode: the line is an ideal diode's card rewritten as sidiode, its name at this
   * offset of the line as read (SIZE_MAX: none) */
  size_t ideal_at;
  /* lines ngspice puts after this one, in that order (kh_malloc'd; kh_pspice_result_release) */
  char *after[KH_PSPICE_AFTER];
  size_t after_count;
} kh_pspice_result;
void kh_pspice_result_release(kh_pspice_result *res);

/* What the rewrites carry from line to line: the .subckt nesting, and the .model cards read so
 * far as written (name, type, the text after the type; their file and scope: 0 at the top
 * level, else the .subckt they stand in directly, UINT32_MAX deeper), which an AKO card copies
 * (pspice_ako.c). */
typedef struct {
  int depth;
  uint32_t scope, scopes;
  unsigned tables; /* TABLE( functions rewritten so far: their nodes are table_new_<n> */
  int releasing;   /* held AKO cards are read again: a base still missing is refused */
  struct kh_pspice_model {
    char *name, *type, *rest;
    uint32_t file, scope;
  } * models;
  size_t model_count, model_cap;
  /* LTspice mode: where the names of the ideal diodes' cards rewritten as sidiode are (file,
   * line, column), which their D lines are read against (kh_ltspice_diode) */
  struct kh_ideal_diode {
    uint32_t file, line, col;
  } * ideal;
  size_t ideal_count, ideal_cap;
} kh_pspice_state;
void kh_pspice_state_release(kh_pspice_state *st);

/* Rewrites the logical line s[0..n) (lower case) of file `file` into *out as ngspice 39's
 * compatibility modes `mode` (kh_compat's flags) rewrite it: `in_library` for a line that
 * ltspice_compat and pspice_compat rewrite (of an included file; of any file with
 * KH_COMPAT_WHOLE), else only what those modes change in every line. Returns -1 when out of
 * memory, 0 otherwise (res->why set where the line is refused). */
int kh_pspice_rewrite(const char *s, size_t n, int in_library, uint32_t file, int mode,
                      kh_pspice_state *st, kh_edit *out, kh_pspice_result *res);
/* ltspice_compat's rewrites of one line (ltspice.c): .backanno dropped, a resistor's
 * `noiseless`, an ideal diode's card. Returns -1 when out of memory. */
int kh_ltspice_line(kh_edit *e, kh_edit *tmp, kh_pspice_result *res);
/* An AKO card (`.model new ako:base type (params)`) as pspice_compat's ako_model writes it: the
 * base's card (in the card's .subckt, else at the top level, of its file where not `whole`)
 * with the new name and the card's parameters after the base's; the other .model cards recorded
 * (pspice_ako.c). Returns -1 when out of memory. */
int kh_pspice_ako(kh_pspice_state *st, uint32_t file, int whole, kh_edit *e, kh_edit *tmp,
                  kh_pspice_result *res);
/* e = s[0, n), each byte standing for itself (pspice_edit.c); -1 when out of memory. */
int kh_edit_from_text(kh_edit *e, const char *s, size_t n);
/* e = e[0, at) + insert + e[at + cut, n), through tmp; -1 when out of memory. */
int kh_edit_splice(kh_edit *e, kh_edit *tmp, size_t at, size_t cut, const char *insert);
/* res->why and res->why_at (from `at` in e), for a refusal; returns 0. */
int kh_pspice_refuse(kh_pspice_result *res, const kh_edit *e, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void kh_edit_release(kh_edit *e);
/* The first `word` in s standing alone, as inpcom.c's search_plain_identifier finds it (no
 * letter, digit or '_' on either side); NULL where none. */
char *kh_plain_word(char *s, const char *word);

/* The lines pspice_compat puts before a rewritten file's (or deck's) own, in order; NULL ends. */
extern const char *const kh_pspice_header[];
/* ... and after each .subckt line */
extern const char *const kh_pspice_subckt_params[];
/* The functions ltspice_compat puts before a rewritten file's (or deck's) lines; NULL ends. */
extern const char *const kh_ltspice_header[];

#endif
