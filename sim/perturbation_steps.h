/* The perturbation rules' steps (docs/algorithms.md, "Perturbation rules"), one rule for the
 * native rules (learning/perturbation.c) and the layered backend's spsa (layered/spsa.c). */
#ifndef KH_SIM_PERTURBATION_STEPS_H
#define KH_SIM_PERTURBATION_STEPS_H

#include <stddef.h>

/* For n parameters theta (conductance[i]: a conductance, else a current): the step c_i = sigma
 * times the mean |theta| of its kind (currents, all 0: the mean conductance times 1 V), one step
 * for all of a kind since a step of its own per parameter would divide the others' terms by each
 * one's step; and the center each is perturbed about: theta_i, or gmin + c_i (gmax - c_i) for a
 * conductance within c_i of its bound, which cannot go past it (an O(sigma) bias there). */
void kh_perturbation_steps(size_t n, const double *theta, const int *conductance, double sigma,
                           double gmin, double gmax, double *c, double *center);

#endif
