/* ngspice 39's BSIM3 (b3check.c) opens "b3v33check.log" in the working directory for writing
 * each time it sets a BSIM3 model up, whatever the file held, its BSIM3v32 (VERSION 3.2.x)
 * "b3v32check.log" and its BSIM3v1 (VERSION 3.1) "b3v3_1check.log", and its BSIM4 (b4check.c)
 * "bsim4.out" (its BSIM4v5, VERSION 4.0 to 4.5, "bsim4v5.out", its BSIM4v6 and BSIM4v7,
 * VERSION 4.6 and 4.7, "bsim4v6.out" and "bsim4v7.out") where its check has a warning to
 * give: run from a user's directory, the ngspice backend and the reading check of `op --compare`
 * would overwrite a file of theirs of that name, and leave a log behind where there was none. A
 * file there that does not start as ngspice's log does is refused instead, and a log that was not
 * there before is removed. */
#include "check_log.h"

#include "core/context.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Each log, how ngspice 39 starts it (an empty line, then this) and how later versions do (or
 * BSIM3v1's: no empty line), and the VERSIONs that write it (netlist/bsim3.c's codes: 3.3,
 * BSIM3v32's from 3.2 below 3.3, BSIM3v1's 3.1; BSIM4's, its LEVEL 14 or 54: 4.8 and 4.82,
 * BSIM4v7's 4.7, BSIM4v6's 4.6, BSIM4v5's 4.5; the BSIM4 logs last). */
static const struct {
  const char *file, *head39, *head_later;
  double from, below;
} logs[] = {
    {"b3v33check.log", "Checking parameters for BSIM 3.3 model ", "BSIM3v3.3.0 Parameter Checking.",
     3.3, 4},
    {"b3v32check.log", "Checking parameters for BSIM 3.2 model ", "BSIM3 Model (Supports: v3.2",
     3.2, 3.3},
    {"b3v3_1check.log", "BSIM3V3.1 Parameter Check", "BSIM3V3.1 Parameter Check", 3.1, 3.2},
    {"bsim4.out", "Checking parameters for BSIM 4.8 model ",
     "Checking parameters for BSIM 4.8 model ", 4.8, 5},
    {"bsim4v7.out", "Checking parameters for BSIM 4.7 model ",
     "Checking parameters for BSIM 4.7 model ", 4.7, 4.8},
    /* BSIM4v6's says 4.5 (measured) */
    {"bsim4v6.out", "Checking parameters for BSIM 4.5 model ",
     "Checking parameters for BSIM 4.5 model ", 4.6, 4.7},
    {"bsim4v5.out", "Checking parameters for BSIM 4.5 model ",
     "Checking parameters for BSIM 4.5 model ", 4.5, 4.6},
};
#define FIRST_BSIM4_LOG 3

static int has_bsim3(const kh_netlist *nl, size_t log) {
  for (size_t k = 0; k < kh_netlist_element_count(nl); k++) {
    kh_element e = kh_netlist_element(nl, k);
    double level = 1, version = 3.3;
    if (e.kind != KH_MOSFET || !e.model || !kh_netlist_model_param(nl, e.model, "level", &level) ||
        (level != 8 && level != 49 && level != 14 && level != 54))
      continue;
    if (level == 14 || level == 54) version = 4.8; /* BSIM4: its VERSION is 4.8 when given */
    kh_netlist_model_param(nl, e.model, "version", &version);
    if (version >= logs[log].from && version < logs[log].below) return 1;
  }
  return 0;
}

/* Whether the file at path starts as log k does. */
static int is_log(FILE *f, size_t k) {
  char head[96] = "", next[96] = "";
  if (!fgets(head, sizeof head, f)) return 0;
  if (!strncmp(head, logs[k].head_later, strlen(logs[k].head_later))) return 1;
  return !strcmp(head, "\n") && fgets(next, sizeof next, f) &&
         !strncmp(next, logs[k].head39, strlen(logs[k].head39));
}

kh_status kh_ngspice_check_log_claim(kh_context *ctx, const kh_netlist *nl, int *remove) {
  *remove = 0;
  for (size_t k = 0; k < sizeof logs / sizeof *logs; k++) {
    if (!has_bsim3(nl, k)) continue;
    FILE *f = fopen(logs[k].file, "r");
    if (!f && access(logs[k].file, F_OK) != 0) {
      *remove |= 1 << k;
      continue;
    }
    int ours = f && is_log(f, k);
    if (f) fclose(f);
    if (!ours)
      return kh_fail(ctx, KH_ERR_IO,
                     "ngspice 39 writes %s into the working directory when it sets up a BSIM%s "
                     "model, and would overwrite the file of that name here, which is not one of "
                     "its logs: move it, or run from another directory",
                     logs[k].file, logs[k].from >= 4 ? "4" : "3");
  }
  return KH_OK;
}

void kh_ngspice_check_log_release(int remove) {
  for (size_t k = 0; k < sizeof logs / sizeof *logs; k++)
    if (remove & 1 << k) unlink(logs[k].file);
}

int kh_ngspice_has_bsim4(const kh_netlist *nl) {
  for (size_t k = FIRST_BSIM4_LOG; k < sizeof logs / sizeof *logs; k++)
    if (has_bsim3(nl, k)) return 1;
  return 0;
}
