/* BSIM model cards read for one instance (general_card.h). */
#include "general_card.h"
#include "general_impl.h"

#include <stdio.h>

double kh_card_plain(const kh_card *c, const char *name, double fallback, int *given) {
  return kh_model_number(c->nl, c->m, name, fallback, given);
}

/* b3mpar.c and b4mpar.c take a doping above its limit as given in m^-3: to cm^-3. */
static double per_cm3(double v, double limit) {
  return limit > 0 && v > limit ? v * 1e-6 : v;
}

double kh_card_binned(const kh_card *c, const char *name, double fallback, const char *like,
                      double limit, double term_limit) {
  static const char prefix[3] = {'l', 'w', 'p'};
  double v = per_cm3(kh_card_plain(c, name, fallback, NULL), limit);
  for (int k = 0; k < 3; k++) {
    char key[24], other[24];
    int given;
    snprintf(key, sizeof key, "%c%s", prefix[k], name);
    double term = kh_card_plain(c, key, 0, &given);
    if (!given && like) {
      snprintf(other, sizeof other, "%c%s", prefix[k], like);
      term = kh_card_plain(c, other, 0, NULL);
    }
    v = v + per_cm3(term, term_limit) * c->inv[k];
  }
  return v;
}
