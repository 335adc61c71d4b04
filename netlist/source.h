/* Reading netlist text into logical lines: files and .include, comments, '+' continuations,
 * `*kh ` learning cards and .control blocks. Every byte of a logical line maps back to its
 * file:line:col through segments, so later stages can report exact locations. */
#ifndef KH_NETLIST_SOURCE_H
#define KH_NETLIST_SOURCE_H

#include "pspice.h"

#include "core/arena.h"
#include "core/context.h"
#include "kirchhoff/status.h"

#include <stddef.h>
#include <stdint.h>

/* Largest single input file, read whole into memory: a 10^7-node circuit's netlist is 1-2 GB
 * (bench/large.sh), so the cap only catches mistakes such as a disk image given as a netlist.
 * /dev/zero and other non-regular files are refused outright. */
#define KH_MAX_FILE_BYTES ((size_t)8 << 30)
#define KH_MAX_INCLUDE_DEPTH 32

typedef struct {
  uint32_t file, line, col; /* file index, 1-based line and column */
} kh_loc;

typedef struct {
  uint32_t offset;    /* first byte of this piece within the logical line */
  uint32_t line, col; /* where that byte sits in its file */
} kh_segment;

typedef struct {
  size_t text;   /* offset of the NUL-terminated, lower-cased line in kh_source.text */
  uint32_t len;  /* bytes, without the NUL */
  uint32_t file; /* file index */
  size_t seg;    /* first segment */
  uint32_t nseg; /* segments (one per physical line joined by '+') */
} kh_line;

typedef struct {
  char *message; /* "file:line:col: note: ..." */
} kh_note;

typedef struct {
  kh_arena *arena; /* owner of file names, title and notes */
  char *text;
  size_t text_len, text_cap;
  kh_line *lines;
  size_t line_count, line_cap;
  kh_segment *segs;
  size_t seg_count, seg_cap;
  const char **files; /* display names, by file index */
  size_t file_count, file_cap;
  char *title;
  kh_note *notes;
  size_t note_count, note_cap;
  /* Called with each logical line once it is complete (no '+' line can extend it any more),
   * every line exactly once and in order, the last one before reading returns. It may remove
   * lines near the end with kh_source_remove_lines (parse.c flattens element lines as they
   * stream in, so a large netlist's text is never held whole). */
  kh_status (*on_line)(void *user, uint32_t line);
  void *on_line_user;
  uint32_t offered;        /* lines handed to on_line so far */
  uint32_t control_blocks; /* .control blocks skipped (ngspice would run their commands) */
  size_t line_estimate;    /* lines the input read so far is expected to hold in all */
  /* reader state */
  char *include_stack[KH_MAX_INCLUDE_DEPTH + 1]; /* canonical paths being read: cycles */
  size_t include_depth;
  /* ngspice's compatibility modes (kh_compat's flags: set before reading): lines rewritten as
   * they rewrite them (ltspice.c, pspice.c), with what the rewrites carry from line to line */
  int compat;
  /* the directory of the deck read from a file ("" for the working directory; NULL for a deck
   * read from a string), where ngspice 39 looks for an XSPICE table's file first */
  const char *deck_dir;
  kh_pspice_state pspice;
  /* PSpice mode's AKO cards whose base comes after them, held (as read) to their scope's end:
   * the .ends of their .subckt, or their file's end (source_pspice.c) */
  struct kh_held_line {
    char *text;
    kh_segment *segs;
    uint32_t len, nseg, file, scope;
  } * held;
  size_t held_count, held_cap;
} kh_source;

void kh_source_init(kh_source *src, kh_arena *arena);
void kh_source_release(kh_source *src);
kh_status kh_source_read_file(kh_context *ctx, kh_source *src, const char *path);
kh_status kh_source_read_string(kh_context *ctx, kh_source *src, const char *text, size_t len,
                                const char *name);

/* Whether logical line `line` is one ngspice's compatibility modes rewrite (of an included file,
 * of any with KH_COMPAT_WHOLE). */
int kh_source_pspice_line(const kh_source *src, uint32_t line);
/* Hands line `offered` to on_line (counts it where there is none). */
kh_status kh_source_hand_on(kh_source *src);
/* PSpice mode (source_pspice.c): the next line rewritten and handed on, with the lines that mode
 * puts after it (or dropped); a complete synthetic line (lower case ASCII) of file `file` at
 * line:col, appended and handed on at once (the parser takes each line as the last one read). */
kh_status kh_source_offer_pspice_line(kh_context *ctx, kh_source *src);
kh_status kh_source_take_synthetic_line(kh_context *ctx, kh_source *src, uint32_t file,
                                        uint32_t line, uint32_t col, const char *text);
/* PSpice mode's AKO cards whose base comes after them (source_pspice.c): line i (the last) held,
 * out of the store, in scope `scope`; the held cards of scope `scope` (of file `file` unless
 * `any_file`) put back as the last lines and read again, where the base now is or is refused. */
kh_status kh_source_hold_line(kh_context *ctx, kh_source *src, uint32_t i, uint32_t scope);
kh_status kh_source_release_held(kh_context *ctx, kh_source *src, uint32_t file, int any_file,
                                 uint32_t scope);
/* Before the line to offer, where it is the .ends closing a .subckt with held cards: those cards,
 * put back and read again. */
kh_status kh_source_release_before_ends(kh_context *ctx, kh_source *src);
/* Removes logical lines [from, to); later lines move down (only cheap near the end). */
void kh_source_remove_lines(kh_source *src, uint32_t from, uint32_t to);

static inline const char *kh_line_text(const kh_source *src, const kh_line *l) {
  return src->text + l->text;
}
/* Location of byte `offset` of logical line l. */
kh_loc kh_source_loc(const kh_source *src, const kh_line *l, size_t offset);
/* Records "file:line:col: message" as the context's error and returns status. */
kh_status kh_source_fail(kh_context *ctx, const kh_source *src, kh_status status, kh_loc loc,
                         const char *fmt, ...) KH_PRINTF(5, 6);
kh_status kh_source_note(kh_context *ctx, kh_source *src, kh_loc loc, const char *fmt, ...)
    KH_PRINTF(4, 5);

#endif
