/* Reading a trace's learning curves back (kh_trace_read_metrics): one value per epoch from each
 * /metrics dataset (docs/traces.md). */
#include "core/context.h"
#include "kirchhoff/trace.h"

#include "hdf5_errors.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

/* The 1-D dataset `name` of `rows` values into a new array; *rows is set by the first one read
 * (rows == 0) and checked against the others. */
static int read_column(hid_t file, const char *name, size_t *rows, double **out) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t space = H5Dget_space(d);
  hssize_t n = H5Sget_simple_extent_npoints(space);
  int bad = n < 0 || H5Sget_simple_extent_ndims(space) != 1 || (*rows && (size_t)n != *rows);
  if (!bad) *rows = (size_t)n;
  *out = bad ? NULL : malloc(((size_t)n + 1) * sizeof **out);
  if (!bad && !*out) bad = 1;
  if (!bad && n > 0) bad = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0;
  H5Sclose(space), H5Dclose(d);
  return bad ? -1 : 0;
}

static kh_status kh_trace_read_metrics_quietly(kh_context *ctx, const char *path,
                                               kh_trace_metrics *m) {
  memset(m, 0, sizeof *m);
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return kh_fail(ctx, KH_ERR_IO, "cannot open trace '%s' as HDF5", path);
  struct {
    const char *name;
    double **column;
  } columns[] = {{"metrics/train_loss", &m->train_loss}, {"metrics/train_error", &m->train_error},
                 {"metrics/test_loss", &m->test_loss},   {"metrics/test_error", &m->test_error},
                 {"metrics/epoch_seconds", &m->seconds}, {"metrics/beta", &m->beta}};
  kh_status st = KH_OK;
  for (size_t k = 0; st == KH_OK && k < sizeof columns / sizeof columns[0]; k++)
    if (read_column(file, columns[k].name, &m->epochs, columns[k].column))
      st = kh_fail(ctx, KH_ERR_INPUT,
                   "trace '%s': /%s is missing or not one value per epoch like the others", path,
                   columns[k].name);
  H5Fclose(file);
  if (st != KH_OK) kh_trace_metrics_release(m);
  return st;
}

kh_status kh_trace_read_metrics(kh_context *ctx, const char *path, kh_trace_metrics *m) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  kh_status result = kh_trace_read_metrics_quietly(ctx, path, m);
  kh_hdf5_errors_restore(saved);
  return result;
}

void kh_trace_metrics_release(kh_trace_metrics *m) {
  free(m->train_loss), free(m->train_error), free(m->test_loss), free(m->test_error);
  free(m->seconds), free(m->beta);
  memset(m, 0, sizeof *m);
}
