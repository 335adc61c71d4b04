/* Short names for dual.h's operations, for the model files written in them (general_mos2.c,
 * general_bsim3_eval.c), whose equations read closer to the C they follow so. Include it in a .c
 * file only, after dual.h. */
#ifndef KH_SIM_GENERAL_DUAL_NAMES_H
#define KH_SIM_GENERAL_DUAL_NAMES_H

#include "dual.h"

typedef kh_dual D;
#define K kh_dual_const
#define ADD kh_dual_add
#define SUB kh_dual_sub
#define MUL kh_dual_mul
#define DIV kh_dual_div
#define ADDC kh_dual_addc
#define MULC kh_dual_mulc
#define DIVC kh_dual_divc
#define CSUB kh_dual_csub
#define CDIV kh_dual_cdiv
#define SQRT kh_dual_sqrt

#endif
