/* ngspice 39's BSIM3 (b3check.c) opens "b3v33check.log" in the working directory for writing
 * each time it sets a BSIM3 model up, whatever the file held: run from a user's directory, the
 * ngspice backend and the reading check of `op --compare` would overwrite a file of theirs of
 * that name, and leave a log behind where there was none. A file there that does not start as
 * ngspice's log does is refused instead, and a log that was not there before is removed. */
#include "check_log.h"

#include "core/context.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHECK_LOG "b3v33check.log"
/* how ngspice 39 starts the log (an empty line, then this), and how later versions do */
#define CHECK_LOG_39 "Checking parameters for BSIM 3.3 model "
#define CHECK_LOG_LATER "BSIM3v3.3.0 Parameter Checking."

static int has_bsim3(const kh_netlist *nl) {
  for (size_t k = 0; k < kh_netlist_element_count(nl); k++) {
    kh_element e = kh_netlist_element(nl, k);
    double level = 1;
    if (e.kind == KH_MOSFET && e.model && kh_netlist_model_param(nl, e.model, "level", &level) &&
        (level == 8 || level == 49))
      return 1;
  }
  return 0;
}

kh_status kh_ngspice_check_log_claim(kh_context *ctx, const kh_netlist *nl, int *remove) {
  *remove = 0;
  if (!has_bsim3(nl)) return KH_OK;
  FILE *f = fopen(CHECK_LOG, "r");
  if (!f) {
    *remove = access(CHECK_LOG, F_OK) != 0;
    return *remove ? KH_OK
                   : kh_fail(ctx, KH_ERR_IO,
                             "ngspice 39 writes %s into the working directory when it sets up a "
                             "BSIM3 model, and the file of that name here cannot be read to tell "
                             "whether it is one of its logs: run from another directory",
                             CHECK_LOG);
  }
  char head[64] = "", next[64] = "";
  int ours = fgets(head, sizeof head, f) != NULL;
  ours = ours && (!strncmp(head, CHECK_LOG_LATER, strlen(CHECK_LOG_LATER)) ||
                  (!strcmp(head, "\n") && fgets(next, sizeof next, f) &&
                   !strncmp(next, CHECK_LOG_39, strlen(CHECK_LOG_39))));
  fclose(f);
  if (ours) return KH_OK;
  return kh_fail(ctx, KH_ERR_IO,
                 "ngspice 39 writes %s into the working directory when it sets up a BSIM3 model, "
                 "and would overwrite the file of that name here, which is not one of its logs: "
                 "move it, or run from another directory",
                 CHECK_LOG);
}

void kh_ngspice_check_log_release(int remove) {
  if (remove) unlink(CHECK_LOG);
}
