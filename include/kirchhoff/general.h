/* The DC operating point of circuits that no co-content describes: controlled sources that are
 * not amplifier pairs (G, H, lone E or F), diodes without one (IKR, ISR, self-heating), JFETs,
 * BJTs, MOSFETs (levels 1 and 3), switches and B sources (kh_netlist_general_count). Newton on the
 * full modified nodal equations (node voltages, the currents of V, L, E, H and B with V=, a
 * self-heating diode's inner node, the inner base of a BJT whose base resistance is modulated),
 * factored by KLU, with ngspice's junction and temperature limiting, each method begun at
 * ngspice's first guess for transistors and switches (MODEINITJCT, MODEINITFIX), then ngspice's
 * dynamic and true gmin stepping and source stepping when Newton alone fails; the answer carries
 * the same KCL certificate as the native solver's (thermal nodes: the power balance). Without a
 * co-content a circuit may have several operating points: this finds one. docs/algorithms.md,
 * "General Newton". */
#ifndef KIRCHHOFF_GENERAL_H
#define KIRCHHOFF_GENERAL_H
#include "kirchhoff/netlist.h"
#include "kirchhoff/solver.h"
#ifdef __cplusplus
extern "C" {
#endif
/* Solves nl with element values `values` (per element, as kh_element.value; NULL: the
 * netlist's own: kirchhoff dc sweeps a source this way). guess: node voltages to start from
 * (length kh_netlist_node_count; NULL: all 0). voltages: the answer, ground included. currents (or
 * NULL): every element's current from its + node through it to its - node. stats: Newton
 * iterations, factorizations and the certificate's residuals (residual: the largest KCL
 * imbalance at a node; relative_residual: the largest imbalance over what rounding allows there
 * among the nodes over 1e-12 A; the answer passes when every node meets one or the other: 1e-12
 * A, or 1e-9 relative). Resistors, sources, inductors (shorts), capacitors (open), Shockley and
 * piecewise-linear diodes, JFETs, BJTs, MOSFETs, S and W switches, E, F, G, H and B (without a
 * guess each switch starts in its card's state, as in ngspice; with one, it decides from its
 * control there, keeping its card's state inside its band). Ideal diodes need a guess: each is
 * taken as it stands there (at its threshold: conducting, a source of it; else an open), and an
 * answer that contradicts a state (a blocking diode forward-biased past its threshold, a
 * conducting one carrying current backwards) is a numerical failure, never returned; without a
 * guess they are refused (they need the projected solver). */
KH_API kh_status kh_general_op(kh_context *ctx, const kh_netlist *nl, const double *values,
                               const double *guess, double *voltages, double *currents,
                               kh_solve_stats *stats);
/* ngspice's .op of nl as parsed (libngspice, loaded on first use): the cross-check for circuits
 * kh_circuit_new refuses. voltages: ground included. */
/* The ngspice backend's settings for the process (libngspice is one simulator per process):
 * where libngspice is (NULL: the system's libngspice.so.0), taking effect when ngspice is first
 * loaded, and a file that receives every deck handed to ngspice (NULL: none), for debugging. The
 * CLI sets them from KH_NGSPICE_LIBRARY and KH_NGSPICE_DECK. */
KH_API void kh_ngspice_configure(const char *library, const char *deck_dump);
KH_API kh_status kh_ngspice_op(kh_context *ctx, const kh_netlist *nl, double *voltages);
/* A time limit in seconds on each ngspice run of kh_ngspice_op and kh_ngspice_op_file (0, the
 * default: none). Under one, kh_ngspice_op runs ngspice in a child process as
 * kh_ngspice_op_file always does, and a run that outlasts it is stopped with an error:
 * libngspice cannot interrupt a DC operating point, whose gmin and source stepping can crawl
 * for minutes. */
KH_API void kh_ngspice_set_time_limit(double seconds);
/* ngspice's .op of the file at `path` as ngspice itself reads it (its includes, parameters and
 * models by its own rules), at the tolerances kh_ngspice_op uses: the voltages of nl's nodes
 * that its answer names (found[n] = 1; nl is the same file as kirchhoff read it), for checking
 * that kirchhoff reads the deck as ngspice does. KH_ERR_USAGE, "the deck has ...", for a file
 * ngspice would not run as a plain deck: .control blocks (kh_netlist_control_blocks), whose
 * commands it would run, or kirchhoff's own cards (kh_netlist_kirchhoff_words). */
KH_API kh_status kh_ngspice_op_file(kh_context *ctx, const char *path, const kh_netlist *nl,
                                    double *voltages, unsigned char *found);
#ifdef __cplusplus
}
#endif
#endif
