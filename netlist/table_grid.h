/* The tables of ngspice 39's XSPICE table2d and table3d code models (src/xspice/icm/table, read
 * there): values on a grid of two or three ascending axes, read from a file as cfunc.mod's
 * init_local_data reads it (table_file.c) and interpolated as cm_table2D and cm_table3D compute
 * their output (table_interp.c). Private to netlist/. */
#ifndef KH_NETLIST_TABLE_GRID_H
#define KH_NETLIST_TABLE_GRID_H

#include <stddef.h>
#include <stdint.h>

typedef struct kh_grid {
  uint32_t dims;         /* 2 or 3 */
  uint32_t n[3];         /* points on each axis (x, y, z), each 2 or more */
  const double *axis[3]; /* each strictly ascending */
  const double *values;  /* f(x_i, y_j, z_k) at i + n[0] (j + n[1] k) */
  const char *path;      /* the file read, resolved from the root: written back on the card */
} kh_grid;

/* f at in[0..dims-1], as cm_table2D (bilinear) and cm_table3D (trilinear) compute it: an input
 * outside its axis held at the axis' end. slope[d] (where slope is not NULL) gets df/din[d] of
 * that interpolant (0 where the input is held; within a cell's upper edge, the cell's own),
 * which ngspice does not use: its Newton takes ENO estimates, and only the value fixes the
 * operating point. */
double kh_grid_value(const kh_grid *g, const double *in, double *slope);

#endif
