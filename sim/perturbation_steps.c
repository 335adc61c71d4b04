#include "perturbation_steps.h"

#include <math.h>

void kh_perturbation_steps(size_t n, const double *theta, const int *conductance, double sigma,
                           double gmin, double gmax, double *c, double *center) {
  double sum[2] = {0, 0};
  size_t count[2] = {0, 0};
  for (size_t i = 0; i < n; i++)
    sum[conductance[i] != 0] += fabs(theta[i]), count[conductance[i] != 0]++;
  double mean_g = count[1] ? sum[1] / count[1] : 1, mean_i = count[0] ? sum[0] / count[0] : 0;
  if (!(mean_i > 0)) mean_i = mean_g * 1.0; /* amperes: a mean conductance at 1 V */
  for (size_t i = 0; i < n; i++) {
    c[i] = sigma * (conductance[i] ? mean_g : mean_i);
    center[i] = theta[i];
    if (!conductance[i]) continue;
    if (center[i] - c[i] < gmin) center[i] = gmin + c[i];
    if (center[i] + c[i] > gmax) center[i] = fmax(gmax - c[i], 0.5 * (gmin + gmax));
    if (center[i] - c[i] <= 0) c[i] = 0.5 * center[i]; /* a range narrower than the step */
  }
}
