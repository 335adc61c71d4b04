/* kirchhoff: simulate analog resistive networks and train them with equilibrium propagation. */
#ifndef KIRCHHOFF_H
#define KIRCHHOFF_H

#include "kirchhoff/atomic_file.h"
#include "kirchhoff/circuit.h"
#include "kirchhoff/dataset.h"
#include "kirchhoff/general.h"
#include "kirchhoff/hw.h"
#include "kirchhoff/layered.h"
#include "kirchhoff/model.h"
#include "kirchhoff/netgen.h"
#include "kirchhoff/netlist.h"
#include "kirchhoff/run.h"
#include "kirchhoff/solver.h"
#include "kirchhoff/status.h"
#include "kirchhoff/trace.h"
#include "kirchhoff/train.h"

#endif
