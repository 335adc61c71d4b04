/* ngspice 39's compatibility mode as its start-up file sets it (inpcom.c's set_compat_mode, read
 * there): each mode's letters found anywhere in the value, as typed. */
#include "kirchhoff/netlist.h"

#include <string.h>

int kh_compat_from_ngbehavior(const char *value, kh_compat *mode) {
  int has[10];
  static const char *const modes[10] = {"hs", "ps", "xs", "lt", "ki", "a", "ll", "s3", "eg", "spe"};
  enum { HS, PS, XS, LT, KI, A, LL, S3, EG, SPE };
  for (int k = 0; k < 10; k++) has[k] = strstr(value, modes[k]) != NULL;
  if (has[SPE]) has[PS] = has[LT] = has[KI] = has[EG] = 0;
  if (has[HS] && has[PS]) has[HS] = 0; /* "hs and ps compatibility are mutually exclusive" */
  if (strstr(value, "mc"))             /* `make check`: every mode but s3 off */
    for (int k = 0; k < 10; k++) has[k] &= k == S3;
  /* ki (KiCad: plots) and eg (EAGLE: rawfile names) change nothing a DC deck reads; ll nothing */
  int flags = (has[PS] ? KH_COMPAT_PS : 0) | (has[LT] ? KH_COMPAT_LT : 0);
  *mode = (kh_compat)(flags | (flags && has[A] ? KH_COMPAT_WHOLE : 0));
  /* hs and spe (HSPICE's, Spectre's parameters and powers), xs (XSPICE's source phases), s3
   * (without ngspice's front-end rewrites): not read by kirchhoff */
  return !(has[HS] || has[SPE] || has[XS] || has[S3]);
}
