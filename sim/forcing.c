/* The oscillating nudge as a transient analysis's forcing (backend.h). Apart from solver.c, which
 * hands it to the backends, because the ngspice backend recognizes it (its SIN source). */
#include "backend.h"

#include <math.h>

double kh_oscillation_forcing(void *drive, unsigned step, double t) {
  const kh_oscillation_drive *d = drive;
  (void)t; /* the phase from the step's index: exact at every period */
  return d->amplitude * cos(2 * M_PI * (double)(step % d->steps) / d->steps);
}
