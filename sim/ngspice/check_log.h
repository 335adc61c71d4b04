/* ngspice 39's BSIM3 and BSIM4 parameter checks write their logs into the working directory
 * (check_log.c). */
#ifndef KH_SIM_NGSPICE_CHECK_LOG_H
#define KH_SIM_NGSPICE_CHECK_LOG_H

#include "kirchhoff/netlist.h"
#include "kirchhoff/status.h"

/* Before ngspice sets up nl: where nl has a BSIM3 model (LEVEL 8 or 49), a file named
 * b3v33check.log (b3v32check.log for VERSION 3.2.x) in the working directory that is not such a
 * log is an error (ngspice would overwrite it); *remove says which were not there, so that the
 * ones ngspice writes go again (kh_ngspice_check_log_release). */
kh_status kh_ngspice_check_log_claim(kh_context *ctx, const kh_netlist *nl, int *remove);
void kh_ngspice_check_log_release(int remove);
/* Whether nl has a BSIM4 model (LEVEL 14 or 54). */
int kh_ngspice_has_bsim4(const kh_netlist *nl);

#endif
