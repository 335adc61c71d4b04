/* What a reading promises, for the harnesses that read netlists (fuzz_netlist.c, fuzz_table.c):
 * a parsed netlist writes canonical text that parses again in ngspice's own mode, and then
 * passes `more` (assembling, or solving); a failure has a message. */
#ifndef KH_FUZZ_READING_H
#define KH_FUZZ_READING_H

#include "kirchhoff/kirchhoff.h"

#include <stdlib.h>

/* Checks a reading's promises; frees nl and ctx. */
static inline void kh_fuzz_check_reading(kh_context *ctx, kh_status st, kh_netlist *nl,
                                         void (*more)(kh_context *, const kh_netlist *)) {
  if (st == KH_OK) {
    kh_netlist *again = NULL;
    char *canonical = NULL;
    if (kh_netlist_write_string(ctx, nl, &canonical) != KH_OK) abort();
    if (kh_netlist_parse_string(ctx, &again, canonical, "canonical.cir") != KH_OK) abort();
    more(ctx, nl);
    kh_netlist_free(again);
    free(canonical);
  } else if (!kh_last_error(ctx)[0]) {
    abort(); /* a failure without a message */
  }
  kh_netlist_free(nl);
  kh_context_free(ctx);
}

#endif
