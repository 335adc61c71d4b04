/* HDF5 traces (docs/traces.md). Every write opens the file, writes and closes it: between epochs
 * the file is complete and closed, which is what lets h5py open it read-only while a run goes on
 * (HDF5 1.10 refuses files that a writer holds open) and after a crash. */
#include "core/alloc.h"
#include "core/context.h"
#include "atomic_file.h"
#include "trace_impl.h"
#include "train_options.h"

#include "hdf5_errors.h"

#include <hdf5.h>
#include <math.h>
#include <string.h>

struct kh_trace {
  char *path;
  size_t n_g, n_i; /* conductances and currents among the parameters */
  double *row_g, *row_i;
};

/* HDF5 errors come back as negative ids/statuses; its own stack printing is switched off so
 * messages go through the context only. */
static kh_status h5_fail(kh_context *ctx, const char *path, const char *what) {
  return kh_fail(ctx, KH_ERR_IO, "HDF5 trace '%s': %s failed", path, what);
}

static int attr_string(hid_t loc, const char *name, const char *value) {
  hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  if (H5Aexists(loc, name) > 0) H5Adelete(loc, name);
  hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char *v = value ? value : "";
  herr_t st = a < 0 ? -1 : H5Awrite(a, type, &v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(space), H5Tclose(type);
  return st < 0 ? -1 : 0;
}

static int attr_numbers(hid_t loc, const char *name, hid_t type, const void *values, hsize_t n) {
  hid_t space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
  if (H5Aexists(loc, name) > 0) H5Adelete(loc, name);
  hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, type, values);
  if (a >= 0) H5Aclose(a);
  H5Sclose(space);
  return st < 0 ? -1 : 0;
}

static int attr_double(hid_t loc, const char *name, double v) {
  return attr_numbers(loc, name, H5T_NATIVE_DOUBLE, &v, 1);
}
static int attr_u64(hid_t loc, const char *name, uint64_t v) {
  return attr_numbers(loc, name, H5T_NATIVE_UINT64, &v, 1);
}

/* A dataset that grows by rows: 1-D (cols = 0) or rows x cols, chunked, deflated. */
static int create_growing(hid_t file, const char *name, hsize_t cols) {
  int rank = cols ? 2 : 1;
  hsize_t dims[2] = {0, cols}, max[2] = {H5S_UNLIMITED, cols ? cols : 1};
  hsize_t chunk[2] = {cols ? 1 : 256, cols ? cols : 1};
  if (cols == 0) max[1] = 1;
  hid_t space = H5Screate_simple(rank, dims, max), plist = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(plist, rank, chunk);
  if (cols > 16) H5Pset_deflate(plist, 4);
  hid_t d = H5Dcreate2(file, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  H5Pclose(plist), H5Sclose(space);
  if (d < 0) return -1;
  H5Dclose(d);
  return 0;
}

static int append_row(hid_t file, const char *name, const double *row, hsize_t cols) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return -1;
  int rank = cols ? 2 : 1;
  hsize_t dims[2], start[2] = {0, 0}, count[2] = {1, cols};
  hid_t space = H5Dget_space(d);
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  start[0] = dims[0];
  dims[0]++;
  herr_t st = H5Dset_extent(d, dims);
  space = H5Dget_space(d);
  hid_t mem = H5Screate_simple(rank, count, NULL);
  if (st >= 0) st = H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL);
  if (st >= 0 && (cols || rank == 1))
    st = H5Dwrite(d, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, row);
  H5Sclose(mem), H5Sclose(space), H5Dclose(d);
  return st < 0 ? -1 : 0;
}

/* A fixed vector, replaced if present; long ones chunked and deflated (the optimizer moments
 * of SGD are all zeros, and many conductances sit at a bound). */
static int write_vector(hid_t loc, const char *name, hid_t type, const void *data, hsize_t n) {
  if (H5Lexists(loc, name, H5P_DEFAULT) > 0) H5Ldelete(loc, name, H5P_DEFAULT);
  hid_t space = H5Screate_simple(1, &n, NULL), plist = H5Pcreate(H5P_DATASET_CREATE);
  if (n > 4096) {
    hsize_t chunk = n < (1 << 18) ? n : (1 << 18);
    H5Pset_chunk(plist, 1, &chunk);
    H5Pset_deflate(plist, 1);
  }
  hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  herr_t st = d < 0 ? -1 : n ? H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0;
  if (d >= 0) H5Dclose(d);
  H5Pclose(plist), H5Sclose(space);
  return st < 0 ? -1 : 0;
}

/* Names as fixed-length strings (h5py reads bytes): a million variable-length strings would
 * cost HDF5's global heap several times their size. */
static int write_names(hid_t loc, const char *name, const char **names, hsize_t n) {
  size_t width = 1;
  for (hsize_t i = 0; i < n; i++)
    width = strlen(names[i]) + 1 > width ? strlen(names[i]) + 1 : width;
  char *packed = kh_calloc(n ? n : 1, width);
  if (!packed) return -1;
  for (hsize_t i = 0; i < n; i++) memcpy(packed + i * width, names[i], strlen(names[i]));
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, width);
  H5Tset_strpad(type, H5T_STR_NULLTERM);
  int st = write_vector(loc, name, type, packed, n);
  H5Tclose(type);
  kh_free(packed);
  return st;
}

static void split_params(const kh_trace *tr, kh_model *m, const double *theta) {
  size_t a = 0, b = 0;
  for (size_t i = 0; i < kh_model_param_count(m); i++)
    if (kh_model_param_is_conductance(m, i))
      tr->row_g[a++] = theta[i];
    else
      tr->row_i[b++] = theta[i];
}

/* Text too long for an attribute (generated networks run to tens of megabytes): a deflated
 * byte dataset of that name instead. */
static int write_text(hid_t loc, const char *name, const char *text) {
  hsize_t n = strlen(text);
  if (n < 60000) return attr_string(loc, name, text);
  hsize_t chunk = n < (1 << 20) ? n : (1 << 20); /* no larger than the (fixed) extent */
  hid_t space = H5Screate_simple(1, &n, NULL), plist = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(plist, 1, &chunk);
  H5Pset_deflate(plist, 6);
  hid_t d = H5Dcreate2(loc, name, H5T_NATIVE_UCHAR, space, H5P_DEFAULT, plist, H5P_DEFAULT);
  herr_t st = d < 0 ? -1 : H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, text);
  if (d >= 0) H5Dclose(d);
  H5Pclose(plist), H5Sclose(space);
  return st < 0 ? -1 : 0;
}

/* Every option of a table (KH_TRAIN_OPTIONS_TABLE, KH_HW_OPTIONS_TABLE) as the attribute it names.
 */
static int write_fields(hid_t g, const kh_train_field *fields, size_t count, const void *o) {
  int bad = 0;
  for (size_t k = 0; k < count; k++) {
    const kh_train_field *f = &fields[k];
    const char *at = (const char *)o + f->offset;
    double d;
    uint64_t u = 0;
    size_t z;
    unsigned n;
    int i;
    switch (f->kind) {
    case KH_FIELD_DOUBLE:
      memcpy(&d, at, sizeof d), bad |= attr_double(g, f->attribute, d);
      continue;
    case KH_FIELD_SIZE: memcpy(&z, at, sizeof z), u = z; break;
    case KH_FIELD_UNSIGNED: memcpy(&n, at, sizeof n), u = n; break;
    case KH_FIELD_INT: memcpy(&i, at, sizeof i), u = (uint64_t)i; break;
    case KH_FIELD_U64: memcpy(&u, at, sizeof u); break;
    case KH_FIELD_ENUM:
      memcpy(&i, at, sizeof i); /* enums are int-sized */
      bad |= i < 0 || (size_t)i >= f->name_count || attr_string(g, f->attribute, f->names[i]);
      continue;
    }
    bad |= attr_u64(g, f->attribute, u);
  }
  return bad;
}

static int write_config(hid_t file, const kh_trace_config *given) {
  /* what a library caller may leave out: no scaling, empty strings */
  static const kh_scaler unscaled = {KH_SCALE_NONE, 0, NULL, NULL};
  kh_trace_config filled = *given;
  const kh_trace_config *c = &filled;
  if (!filled.scaler) filled.scaler = &unscaled;
  if (!filled.command) filled.command = "";
  if (!filled.data) filled.data = "";
  if (!filled.test) filled.test = "";
  hid_t g = H5Gcreate2(file, "config", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  const kh_train_options *o = c->options;
  int bad = write_text(g, "netlist", c->netlist_text) | attr_string(g, "command", c->command) |
            attr_string(g, "version", kh_version()) | attr_string(g, "data", c->data) |
            attr_string(g, "test", c->test) |
            attr_numbers(g, "lr", H5T_NATIVE_DOUBLE, o->lr, o->lr_count) |
            attr_u64(g, "mpi_size", (uint64_t)(c->mpi_size > 1 ? c->mpi_size : 1)) |
            attr_u64(g, "epochs", c->epochs) |
            attr_string(g, "scaling", kh_scaling_name(c->scaler->kind)) |
            write_fields(g, kh_train_fields, kh_train_field_count, o);
  if (!bad && (c->train_samples || c->test_samples))
    bad = attr_u64(g, "train_fingerprint", c->train_fingerprint) |
          attr_u64(g, "test_fingerprint", c->test_fingerprint) |
          attr_u64(g, "train_samples", c->train_samples) |
          attr_u64(g, "test_samples", c->test_samples);
  if (!bad && c->hw)
    bad = write_fields(g, kh_hw_fields, kh_hw_field_count, c->hw) |
          attr_u64(g, "hw_aware", (uint64_t)c->hw_aware);
  if (!bad && c->scaler->kind == KH_SCALE_STANDARDIZE)
    bad = write_vector(g, "scale_mean", H5T_NATIVE_DOUBLE, c->scaler->mean, c->scaler->features) |
          write_vector(g, "scale_inv_std", H5T_NATIVE_DOUBLE, c->scaler->inv_std,
                       c->scaler->features);
  H5Gclose(g);
  return bad ? -1 : 0;
}

static kh_status new_trace(kh_context *ctx, kh_trace **out, const char *path, kh_model *m) {
  kh_trace *tr = kh_calloc(1, sizeof *tr);
  if (!tr) return kh_fail_nomem(ctx, "creating a trace");
  for (size_t i = 0; i < kh_model_param_count(m); i++)
    kh_model_param_is_conductance(m, i) ? tr->n_g++ : tr->n_i++;
  tr->path = kh_malloc(strlen(path) + 1);
  tr->row_g = kh_malloc((tr->n_g + 1) * sizeof *tr->row_g);
  tr->row_i = kh_malloc((tr->n_i + 1) * sizeof *tr->row_i);
  if (!tr->path || !tr->row_g || !tr->row_i) {
    kh_trace_free(tr);
    return kh_fail_nomem(ctx, "creating a trace");
  }
  strcpy(tr->path, path);
  *out = tr;
  return KH_OK;
}

static int write_checkpoint(hid_t file, kh_trainer *t, size_t n) {
  kh_trainer_state s;
  kh_trainer_get_state(t, &s);
  hid_t g = H5Lexists(file, "checkpoint", H5P_DEFAULT) > 0
                ? H5Gopen2(file, "checkpoint", H5P_DEFAULT)
                : H5Gcreate2(file, "checkpoint", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  int bad = write_vector(g, "theta", H5T_NATIVE_DOUBLE, s.theta, n) |
            write_vector(g, "moment1", H5T_NATIVE_DOUBLE, s.moment1, n) |
            write_vector(g, "moment2", H5T_NATIVE_DOUBLE, s.moment2, n) |
            attr_u64(g, "epoch", s.epoch) | attr_u64(g, "step", s.step) |
            attr_numbers(g, "rng", H5T_NATIVE_UINT64, s.rng, 4) |
            attr_double(g, "lr_scale", s.lr_scale) | attr_u64(g, "device_writes", s.device_writes);
  H5Gclose(g);
  return bad ? -1 : 0;
}

static kh_status kh_trace_create_quietly(kh_context *ctx, kh_trace **out, const char *path,
                                         const kh_trace_config *cfg, kh_trainer *t) {
  *out = NULL;
  kh_model *m = kh_trainer_model(t);
  kh_trace *tr;
  kh_status st = new_trace(ctx, &tr, path, m);
  if (st != KH_OK) return st;
  size_t n = kh_model_param_count(m);
  const char **gn = kh_malloc((n + 1) * sizeof *gn), **in = kh_malloc((n + 1) * sizeof *in);
  char tmp[4200];
  st = kh_atomic_begin(ctx, path, 0, tmp, sizeof tmp);
  if (st != KH_OK) {
    kh_free(gn), kh_free(in);
    kh_trace_free(tr);
    return st;
  }
  hid_t file = gn && in ? H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT) : -1;
  int bad = file < 0;
  if (!bad) {
    size_t a = 0, b = 0;
    for (size_t i = 0; i < n; i++)
      if (kh_model_param_is_conductance(m, i))
        gn[a++] = kh_model_param_name(m, i);
      else
        in[b++] = kh_model_param_name(m, i);
    hid_t g = H5Gcreate2(file, "metrics", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t s = H5Gcreate2(file, "solver", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (int k = 0; g >= 0 && s >= 0 && k < KH_TRACE_SCALARS; k++)
      bad |= create_growing(file, kh_trace_scalars[k], 0);
    if (g >= 0) H5Gclose(g);
    hid_t p = H5Gcreate2(file, "params", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t gr = H5Gcreate2(file, "grad", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= g < 0 || p < 0 || s < 0 || gr < 0;
    if (!bad)
      bad |= create_growing(p, "g", tr->n_g) | create_growing(p, "i_bias", tr->n_i) |
             write_names(p, "g_names", gn, tr->n_g) | write_names(p, "i_names", in, tr->n_i) |
             create_growing(gr, "cosine", kh_model_layer_count(m)) |
             create_growing(gr, "relative_error", kh_model_layer_count(m)) |
             attr_string(gr, "estimator", kh_estimator_name(cfg->options->estimator));
    if (s >= 0) H5Gclose(s);
    if (gr >= 0) H5Gclose(gr);
    if (!bad) {
      kh_trainer_state state;
      kh_trainer_get_state(t, &state);
      split_params(tr, m, state.theta);
      bad |= append_row(p, "g", tr->row_g, tr->n_g) | append_row(p, "i_bias", tr->row_i, tr->n_i);
    }
    if (p >= 0) H5Gclose(p);
    bad |= write_config(file, cfg) | write_checkpoint(file, t, n);
  }
  if (file >= 0 && H5Fclose(file) < 0) bad = 1;
  kh_free(gn), kh_free(in);
  if (!bad && (st = kh_atomic_commit(ctx, tmp, path, 1)) != KH_OK) {
    kh_trace_free(tr);
    return st;
  }
  if (bad) {
    kh_atomic_commit(ctx, tmp, path, 0);
    kh_trace_free(tr);
    return gn && in ? h5_fail(ctx, path, "creating the file") : kh_fail_nomem(ctx, "tracing");
  }
  *out = tr;
  return KH_OK;
}

kh_status kh_trace_create(kh_context *ctx, kh_trace **out, const char *path,
                          const kh_trace_config *cfg, kh_trainer *t) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  kh_status result = kh_trace_create_quietly(ctx, out, path, cfg, t);
  kh_hdf5_errors_restore(saved);
  return result;
}

static kh_status kh_trace_append_quietly(kh_context *ctx, kh_trace *tr, kh_trainer *t,
                                         const kh_trace_epoch *e) {
  char tmp[4200];
  kh_status st = kh_atomic_begin(ctx, tr->path, 1, tmp, sizeof tmp);
  if (st != KH_OK) return st;
  hid_t file = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) {
    kh_atomic_commit(ctx, tmp, tr->path, 0);
    return h5_fail(ctx, tr->path, "reopening");
  }
  const kh_epoch_report *r = e->report;
  double values[KH_TRACE_SCALARS] = {r->train_loss,
                                     e->test_loss,
                                     r->train_error,
                                     e->test_error,
                                     r->seconds,
                                     e->beta,
                                     (double)r->newton_iterations,
                                     (double)r->solves,
                                     r->max_relative_residual};
  int bad = 0;
  for (int k = 0; !bad && k < KH_TRACE_SCALARS; k++)
    bad |= append_row(file, kh_trace_scalars[k], &values[k], 0);
  kh_model *m = kh_trainer_model(t);
  kh_trainer_state s;
  kh_trainer_get_state(t, &s);
  split_params(tr, m, s.theta);
  hid_t p = H5Gopen2(file, "params", H5P_DEFAULT);
  bad |= p < 0;
  if (!bad)
    bad |= append_row(p, "g", tr->row_g, tr->n_g) | append_row(p, "i_bias", tr->row_i, tr->n_i);
  if (p >= 0) H5Gclose(p);
  if (!bad && e->grad_cosine) {
    hid_t gr = H5Gopen2(file, "grad", H5P_DEFAULT);
    bad |= gr < 0 || append_row(gr, "cosine", e->grad_cosine, e->grad_layers) ||
           append_row(gr, "relative_error", e->grad_relative_error, e->grad_layers);
    if (gr >= 0) H5Gclose(gr);
  }
  /* the checkpoint goes last: a crash before it leaves the previous epoch's, which --resume
   * recognizes by its epoch number */
  if (!bad) bad |= write_checkpoint(file, t, kh_model_param_count(m));
  if (H5Fclose(file) < 0) bad = 1;
  st = kh_atomic_commit(ctx, tmp, tr->path, !bad);
  return bad ? h5_fail(ctx, tr->path, "appending an epoch") : st;
}

kh_status kh_trace_append(kh_context *ctx, kh_trace *tr, kh_trainer *t, const kh_trace_epoch *e) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  kh_status result = kh_trace_append_quietly(ctx, tr, t, e);
  kh_hdf5_errors_restore(saved);
  return result;
}

void kh_trace_free(kh_trace *tr) {
  if (!tr) return;
  kh_free(tr->path), kh_free(tr->row_g), kh_free(tr->row_i);
  kh_free(tr);
}

kh_status kh_trace_resume(kh_context *ctx, kh_trace **out, const char *path, kh_trainer *t) {
  *out = NULL;
  kh_model *m = kh_trainer_model(t);
  kh_status st = kh_trace_resume_file(ctx, path, t, kh_model_param_count(m));
  if (st == KH_OK) st = new_trace(ctx, out, path, m);
  return st;
}
