/* The output of ngspice 39's table2d and table3d code models at their inputs (cfunc.mod of each,
 * support/interp.c: findCrossOver, BilinearInterpolation, TrilinearInterpolation), computed in
 * their order so that the value is theirs to the last bit. */
#include "table_grid.h"

/* findCrossOver: the highest index whose value is at most x, or 0 (the axis ascends). */
static uint32_t cross_over(const double *axis, uint32_t n, double x) {
  uint32_t low = 0, high = n;
  while (high - low > 1) {
    uint32_t mid = (low + high) / 2;
    if (axis[mid] > x)
      high = mid;
    else
      low = mid;
  }
  return low;
}

/* The cell of axis d that holds in (held at the axis' ends), the fraction of the way across it,
 * and d(fraction)/d(in): 0 where the input is held. */
static uint32_t locate(const kh_grid *g, uint32_t d, double in, double *fraction, double *rate) {
  const double *axis = g->axis[d];
  uint32_t n = g->n[d];
  int held = in < axis[0] || in > axis[n - 1];
  if (held) in = in < axis[0] ? axis[0] : axis[n - 1];
  uint32_t cell = cross_over(axis, n, in);
  double offset = in - axis[cell];
  if (cell == n - 1) { /* at the last point: the last cell's far edge */
    --cell;
    offset += axis[cell + 1] - axis[cell];
  }
  double width = axis[cell + 1] - axis[cell];
  *fraction = offset / width;
  *rate = held ? 0.0 : 1.0 / width;
  return cell;
}

static double bilinear(const kh_grid *g, const uint32_t *c, const double *f, double *df) {
  const double *v = g->values;
  uint32_t nx = g->n[0];
  double v00 = v[c[0] + nx * c[1]], v10 = v[c[0] + 1 + nx * c[1]];
  double v01 = v[c[0] + nx * (c[1] + 1)], v11 = v[c[0] + 1 + nx * (c[1] + 1)];
  double x = f[0], y = f[1];
  df[0] = (v10 - v00) * (1 - y) + (v11 - v01) * y;
  df[1] = (v01 - v00) * (1 - x) + (v11 - v10) * x;
  return v00 * (1 - x) * (1 - y) + v10 * x * (1 - y) + v01 * (1 - x) * y + v11 * x * y;
}

static double trilinear(const kh_grid *g, const uint32_t *c, const double *f, double *df) {
  const double *v = g->values;
  uint32_t nx = g->n[0], nxy = g->n[0] * g->n[1];
  const double *at = v + c[0] + nx * c[1] + nxy * c[2];
  double v000 = at[0], v100 = at[1], v010 = at[nx], v110 = at[nx + 1];
  double v001 = at[nxy], v101 = at[nxy + 1], v011 = at[nxy + nx], v111 = at[nxy + nx + 1];
  double x = f[0], y = f[1], z = f[2];
  df[0] = ((v100 - v000) * (1 - y) + (v110 - v010) * y) * (1 - z) +
          ((v101 - v001) * (1 - y) + (v111 - v011) * y) * z;
  df[1] = ((v010 - v000) * (1 - x) + (v110 - v100) * x) * (1 - z) +
          ((v011 - v001) * (1 - x) + (v111 - v101) * x) * z;
  df[2] = ((v001 - v000) * (1 - x) + (v101 - v100) * x) * (1 - y) +
          ((v011 - v010) * (1 - x) + (v111 - v110) * x) * y;
  return v000 * (1 - x) * (1 - y) * (1 - z) + v100 * x * (1 - y) * (1 - z) +
         v010 * (1 - x) * y * (1 - z) + v001 * (1 - x) * (1 - y) * z + v101 * x * (1 - y) * z +
         v011 * (1 - x) * y * z + v110 * x * y * (1 - z) + v111 * x * y * z;
}

double kh_grid_value(const kh_grid *g, const double *in, double *slope) {
  uint32_t cell[3];
  double fraction[3], rate[3], df[3];
  for (uint32_t d = 0; d < g->dims; d++) cell[d] = locate(g, d, in[d], &fraction[d], &rate[d]);
  double value = g->dims == 2 ? bilinear(g, cell, fraction, df) : trilinear(g, cell, fraction, df);
  for (uint32_t d = 0; slope && d < g->dims; d++) slope[d] = df[d] * rate[d];
  return value;
}
