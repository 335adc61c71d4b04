/* A BSIM model card as read for one instance (general_card.c): plain words, and binned ones as
 * value + l/Leff + w/Weff + p/(Leff Weff) (per micron with BINUNIT=1) in b3temp.c's and b4temp.c's
 * order of additions, a doping given in m^-3 read in cm^-3 above its limit as their mpar.c files
 * read it. Shared by BSIM3 (general_bsim3.c) and BSIM4 (general_bsim4.c). Private to
 * sim/general. */
#ifndef KH_SIM_GENERAL_CARD_H
#define KH_SIM_GENERAL_CARD_H

#include "kirchhoff/netlist.h"

typedef struct {
  const kh_netlist *nl;
  const char *m;
  double inv[3]; /* 1/Leff, 1/Weff, 1/(Leff Weff) in the bin unit */
} kh_card;

/* The card's word `name`, else fallback; *given (or NULL) whether the card gives it. */
double kh_card_plain(const kh_card *c, const char *name, double fallback, int *given);
/* The binned value: the word (fallback where not given) plus its l, w and p terms; a term not
 * given is the same term of `like` (NULL: none; BSIM4's GISL terms default to GIDL's), else 0.
 * A value above `limit` and a term above `term_limit` are taken as m^-3 (0: no limit). */
double kh_card_binned(const kh_card *c, const char *name, double fallback, const char *like,
                      double limit, double term_limit);

#endif
