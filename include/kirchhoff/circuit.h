/* Assembled circuits: the numeric form a solver works on. Built once from a netlist; afterwards
 * only conductances and source values change, and each change costs a numeric refactorization
 * (the sparsity pattern and its symbolic analysis are kept). */
#ifndef KIRCHHOFF_CIRCUIT_H
#define KIRCHHOFF_CIRCUIT_H

#include "kirchhoff/netlist.h"
#include "kirchhoff/status.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kh_circuit kh_circuit;

/* Checks and assembles: nodes with no DC path to ground or a voltage source, loops of voltage
 * sources and the like are input errors at the offending element. The netlist must outlive the
 * circuit. */
kh_status kh_circuit_new(kh_context *ctx, kh_circuit **out, const kh_netlist *nl);
void kh_circuit_free(kh_circuit *c);
const kh_netlist *kh_circuit_netlist(const kh_circuit *c);

/* Unknowns of the reduced system (nodes whose voltage no source fixes; nodes tied by floating
 * voltage sources count once). */
size_t kh_circuit_unknowns(const kh_circuit *c);

/* Conductance (siemens) of resistor `element`; must be finite and > 0. */
kh_status kh_circuit_set_conductance(kh_context *ctx, kh_circuit *c, size_t element, double g);
double kh_circuit_conductance(const kh_circuit *c, size_t element);
/* DC value of voltage or current source `element` (volts or amperes). */
kh_status kh_circuit_set_source(kh_context *ctx, kh_circuit *c, size_t element, double value);
double kh_circuit_source(const kh_circuit *c, size_t element);

#ifdef __cplusplus
}
#endif
#endif
