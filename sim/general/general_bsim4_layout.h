/* BSIM4's terms from an instance's layout (general_bsim4_layout.c), as b4temp.c sets them after
 * binning: the stress effect, the well proximity effect, RGATEMOD=1's gate resistance, the
 * body network's resistances and the diffusions' sheet resistances. Private to sim/general.
 */
#ifndef KH_SIM_GENERAL_BSIM4_LAYOUT_H
#define KH_SIM_GENERAL_BSIM4_LAYOUT_H

#include "general_card.h"
#include "general_impl.h"

/* The stress effect: moves b's saturation velocity, VTH0 and ETA0, and *k2. */
void kh_bsim4_stress(const kh_card *c, const kh_mosfet_instance *in, double tratio, kh_bsim4 *b,
                     double *k2);
/* The well proximity effect (WPEMOD=1): moves b's VTH0 and *k2. */
void kh_bsim4_well_proximity(const kh_card *c, const kh_mosfet_instance *in, kh_bsim4 *b,
                             double *k2);
/* The gate resistance's terms (b->rgate, b->ggate, XRCRG1, XRCRG2), where a gate current flows
 * through it. */
void kh_bsim4_gate_resistance(const kh_card *c, const kh_mosfet_instance *in, kh_bsim4 *b);
/* RBODYMOD=1's and 2's body network (b->rbody and its five conductances). */
void kh_bsim4_body_resistances(const kh_card *c, const kh_mosfet_instance *in, kh_bsim4 *b);
/* The source's and drain's sheet resistances the device holds on inner nodes of its own (RSH
 * NRS, RGEOMOD's from the layout; at RDSMOD=1 with their bias-dependent parts,
 * general_bsim4_eval.c): b->series, b->gsheet_s, b->gsheet_d. */
void kh_bsim4_sheet_conductances(const kh_card *c, const kh_mosfet_instance *in, kh_bsim4 *b);
/* b4geo.c's numbers of the fingers' drain and source diffusions, inside and at the ends: nu[0]
 * inside D, nu[1] end D, nu[2] inside S, nu[3] end S. */
void kh_bsim4_finger_diffusions(double nf, int min_sd, double nu[4]);

#endif
