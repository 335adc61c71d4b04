/* kirchhoff: simulate analog resistive networks and train them with equilibrium propagation. */
#ifndef KIRCHHOFF_H
#define KIRCHHOFF_H

#include "kirchhoff/circuit.h"
#include "kirchhoff/netlist.h"
#include "kirchhoff/solver.h"
#include "kirchhoff/status.h"

#endif
