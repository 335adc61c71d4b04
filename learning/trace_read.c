/* Reading traces back: the configuration (for --resume and export) and the checkpoint. */
#include "core/file_head.h"
#include "core/alloc.h"
#include "core/context.h"
#include "atomic_file.h"
#include "trace_impl.h"
#include "train_options.h"

#include "hdf5_errors.h"

#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kh_status fail(kh_context *ctx, const char *path, const char *what) {
  return kh_fail(ctx, KH_ERR_INPUT, "trace '%s': %s", path, what);
}

/* Reads a scalar or vector numeric attribute of exactly n values. */
static int read_numbers(hid_t loc, const char *name, hid_t type, void *out, size_t n) {
  if (H5Aexists(loc, name) <= 0) return -1;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t space = H5Aget_space(a);
  hssize_t count = H5Sget_simple_extent_npoints(space);
  herr_t st = count == (hssize_t)n ? H5Aread(a, type, out) : -1;
  H5Sclose(space), H5Aclose(a);
  return st < 0 ? -1 : 0;
}

/* A variable-length string attribute, copied with malloc (the caller frees). */
static char *read_string(hid_t loc, const char *name) {
  if (H5Aexists(loc, name) <= 0) return NULL;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT), type = H5Aget_type(a);
  char *value = NULL, *copy = NULL;
  if (H5Tis_variable_str(type) > 0 && H5Aread(a, type, &value) >= 0 && value) {
    copy = malloc(strlen(value) + 1);
    if (copy) strcpy(copy, value);
    H5free_memory(value);
  }
  H5Tclose(type), H5Aclose(a);
  return copy;
}

/* Text written by write_text: an attribute, or a byte dataset when long (malloc'ed copy). */
static char *read_text(hid_t loc, const char *name) {
  char *text = read_string(loc, name);
  if (text || H5Lexists(loc, name, H5P_DEFAULT) <= 0) return text;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT), space = d >= 0 ? H5Dget_space(d) : -1;
  hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  text = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (text && H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, text) >= 0) {
    text[n] = '\0';
    if (strlen(text) != (size_t)n) free(text), text = NULL; /* a NUL inside: not our text */
  } else {
    free(text), text = NULL;
  }
  if (space >= 0) H5Sclose(space);
  if (d >= 0) H5Dclose(d);
  return text;
}

static int read_vector(hid_t loc, const char *name, double *out, size_t n) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t space = H5Dget_space(d);
  herr_t st = H5Sget_simple_extent_npoints(space) == (hssize_t)n
                  ? H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out)
                  : -1;
  H5Sclose(space), H5Dclose(d);
  return st < 0 ? -1 : 0;
}

/* Every option of a table (KH_TRAIN_OPTIONS_TABLE, KH_HW_OPTIONS_TABLE) from the attribute it
 * names; one missing keeps its default unless the table says it was always traced. */
static int read_fields(hid_t g, const kh_train_field *fields, size_t count, void *o) {
  int bad = 0;
  for (size_t k = 0; !bad && k < count; k++) {
    const kh_train_field *f = &fields[k];
    char *at = (char *)o + f->offset;
    if (H5Aexists(g, f->attribute) <= 0) {
      bad = f->required;
      continue;
    }
    double d = 0;
    uint64_t u = 0;
    size_t z;
    unsigned n;
    int i;
    switch (f->kind) {
    case KH_FIELD_DOUBLE:
      bad = read_numbers(g, f->attribute, H5T_NATIVE_DOUBLE, &d, 1);
      memcpy(at, &d, sizeof d);
      continue;
    case KH_FIELD_ENUM: {
      char *name = read_string(g, f->attribute);
      i = name ? kh_train_option_value(f->field, name) : -1; /* earlier names too */
      free(name);
      bad = i < 0;
      memcpy(at, &i, sizeof i); /* enums are int-sized (train_options.c) */
      continue;
    }
    default: bad = read_numbers(g, f->attribute, H5T_NATIVE_UINT64, &u, 1);
    }
    switch (f->kind) {
    case KH_FIELD_SIZE: z = (size_t)u, memcpy(at, &z, sizeof z); break;
    case KH_FIELD_UNSIGNED: bad |= u > UINT_MAX, n = (unsigned)u, memcpy(at, &n, sizeof n); break;
    case KH_FIELD_INT: bad |= u > INT_MAX, i = (int)u, memcpy(at, &i, sizeof i); break;
    default: memcpy(at, &u, sizeof u);
    }
  }
  return bad;
}

static kh_status kh_trace_read_config_quietly(kh_context *ctx, const char *path,
                                              char **netlist_text, kh_train_options *o,
                                              size_t *epochs_planned, size_t *epochs_done) {
  *netlist_text = NULL;
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return kh_fail(ctx, KH_ERR_IO, "cannot open trace '%s' as HDF5", path);
  hid_t g = H5Gopen2(file, "config", H5P_DEFAULT), c = H5Gopen2(file, "checkpoint", H5P_DEFAULT);
  kh_status st = g < 0 || c < 0 ? fail(ctx, path, "no /config or /checkpoint group") : KH_OK;
  uint64_t planned = 0, done = 0;
  if (st == KH_OK) {
    kh_train_options_init(o);                   /* what a trace that predates an option ran with */
    o->read_noise_reference = KH_NOISE_LARGEST; /* read noise before the median RMS reference */
    *netlist_text = read_text(g, "netlist");
    int bad = !*netlist_text || read_fields(g, kh_train_fields, kh_train_field_count, o) ||
              read_numbers(g, "epochs", H5T_NATIVE_UINT64, &planned, 1) ||
              read_numbers(c, "epoch", H5T_NATIVE_UINT64, &done, 1);
    hid_t a = bad ? -1 : H5Aopen(g, "lr", H5P_DEFAULT);
    if (a >= 0) {
      hid_t space = H5Aget_space(a);
      hssize_t n = H5Sget_simple_extent_npoints(space);
      H5Sclose(space), H5Aclose(a);
      if (n < 1 || n > KH_MAX_LAYER_RATES)
        bad = 1;
      else
        o->lr_count = (size_t)n,
        bad |= read_numbers(g, "lr", H5T_NATIVE_DOUBLE, o->lr, o->lr_count);
    } else {
      bad = 1;
    }
    if (bad || o->batch == 0 || o->threads <= 0 || o->threads > 1024 || o->sweeps > 1000000 ||
        o->osc_harmonics > 64)
      st = fail(ctx, path, "/config is incomplete or invalid (not written by kirchhoff train?)");
    else
      *epochs_planned = (size_t)planned, *epochs_done = (size_t)done;
  }
  if (g >= 0) H5Gclose(g);
  if (c >= 0) H5Gclose(c);
  H5Fclose(file);
  if (st != KH_OK) free(*netlist_text), *netlist_text = NULL;
  return st;
}

kh_status kh_trace_read_config(kh_context *ctx, const char *path, char **netlist_text,
                               kh_train_options *o, size_t *epochs_planned, size_t *epochs_done) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  kh_status result =
      kh_trace_read_config_quietly(ctx, path, netlist_text, o, epochs_planned, epochs_done);
  kh_hdf5_errors_restore(saved);
  return result;
}

static kh_status kh_trace_read_run_quietly(kh_context *ctx, const char *path, kh_trace_run *r) {
  memset(r, 0, sizeof *r);
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return kh_fail(ctx, KH_ERR_IO, "cannot open trace '%s' as HDF5", path);
  hid_t g = H5Gopen2(file, "config", H5P_DEFAULT);
  kh_status st = g < 0 ? fail(ctx, path, "no /config group") : KH_OK;
  if (st == KH_OK) {
    r->command = H5Aexists(g, "command") > 0 ? read_string(g, "command") : calloc(1, 1);
    if (!r->command) st = fail(ctx, path, "/config/command is unreadable");
  }
  if (st == KH_OK && H5Aexists(g, "train_fingerprint") > 0) {
    uint64_t n[2] = {0};
    if (read_numbers(g, "train_fingerprint", H5T_NATIVE_UINT64, &r->train_fingerprint, 1) ||
        read_numbers(g, "test_fingerprint", H5T_NATIVE_UINT64, &r->test_fingerprint, 1) ||
        read_numbers(g, "train_samples", H5T_NATIVE_UINT64, &n[0], 1) ||
        read_numbers(g, "test_samples", H5T_NATIVE_UINT64, &n[1], 1))
      st = fail(ctx, path, "/config's data fingerprints are unreadable");
    r->train_samples = (size_t)n[0], r->test_samples = (size_t)n[1];
    r->has_fingerprints = st == KH_OK;
  }
  if (st == KH_OK && H5Aexists(g, "hw_prog_noise") > 0) {
    uint64_t aware = 0;
    kh_hw_options hw = KH_HW_OPTIONS_INIT;
    if (read_fields(g, kh_hw_fields, kh_hw_field_count, &hw) ||
        read_numbers(g, "hw_aware", H5T_NATIVE_UINT64, &aware, 1) || hw.quantize_bits > 64)
      st = fail(ctx, path, "/config's device model is unreadable");
    r->hw = hw, r->hw_aware = aware != 0, r->has_hw = st == KH_OK;
  }
  if (g >= 0) H5Gclose(g);
  H5Fclose(file);
  if (st != KH_OK) kh_trace_run_release(r);
  return st;
}

kh_status kh_trace_read_run(kh_context *ctx, const char *path, kh_trace_run *r) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  kh_status result = kh_trace_read_run_quietly(ctx, path, r);
  kh_hdf5_errors_restore(saved);
  return result;
}

void kh_trace_run_release(kh_trace_run *r) {
  free(r->command);
  r->command = NULL;
}

static int kh_trace_recognize_quietly(const char *path) {
  unsigned char magic[8] = {0};
  /* HDF5's signature, checked first so that HDF5 never opens a file that is not one */
  if (kh_file_head(path, magic, 8) != 8 || memcmp(magic, "\x89HDF\r\n\x1a\n", 8)) return 0;
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return 0;
  hid_t g = H5Lexists(file, "config", H5P_DEFAULT) > 0 ? H5Gopen2(file, "config", H5P_DEFAULT) : -1;
  int ok = g >= 0 && H5Aexists(g, "version") > 0;
  if (g >= 0) H5Gclose(g);
  H5Fclose(file);
  return ok;
}

int kh_trace_recognize(const char *path) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  int result = kh_trace_recognize_quietly(path);
  kh_hdf5_errors_restore(saved);
  return result;
}

/* Cuts a growing dataset back to `rows` rows (an epoch appended after the last checkpoint). */
static int truncate_rows(hid_t loc, const char *name, hsize_t rows) {
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hsize_t dims[2];
  hid_t space = H5Dget_space(d);
  int rank = H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  herr_t st = 0;
  if (rank >= 1 && dims[0] > rows) dims[0] = rows, st = H5Dset_extent(d, dims);
  H5Dclose(d);
  return st < 0 || rank < 1 ? -1 : 0;
}

static kh_status kh_trace_resume_file_quietly(kh_context *ctx, const char *path, kh_trainer *t,
                                              size_t n) {
  char tmp[4200];
  kh_status copied = kh_atomic_begin(ctx, path, 1, tmp, sizeof tmp);
  if (copied != KH_OK) return copied;
  hid_t file = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) {
    kh_atomic_commit(ctx, tmp, path, 0);
    return kh_fail(ctx, KH_ERR_INPUT, "cannot open trace '%s' as HDF5", path);
  }
  kh_trainer_state s = {0};
  double *buf = kh_malloc((3 * n + 1) * sizeof *buf);
  kh_status st = buf ? KH_OK : kh_fail_nomem(ctx, "resuming");
  hid_t c = H5Gopen2(file, "checkpoint", H5P_DEFAULT);
  uint64_t epoch = 0, step = 0;
  if (st == KH_OK) {
    s.theta = buf, s.moment1 = buf + n, s.moment2 = buf + 2 * n;
    if (c < 0 || read_vector(c, "theta", s.theta, n) || read_vector(c, "moment1", s.moment1, n) ||
        read_vector(c, "moment2", s.moment2, n) ||
        read_numbers(c, "epoch", H5T_NATIVE_UINT64, &epoch, 1) ||
        read_numbers(c, "step", H5T_NATIVE_UINT64, &step, 1) ||
        read_numbers(c, "rng", H5T_NATIVE_UINT64, s.rng, 4) ||
        read_numbers(c, "lr_scale", H5T_NATIVE_DOUBLE, &s.lr_scale, 1))
      st = fail(ctx, path, "/checkpoint is incomplete or does not fit this network");
  }
  if (st == KH_OK && H5Aexists(c, "device_writes") > 0 && /* absent before device models resumed */
      read_numbers(c, "device_writes", H5T_NATIVE_UINT64, &s.device_writes, 1))
    st = fail(ctx, path, "/checkpoint/device_writes is unreadable");
  if (st == KH_OK) {
    s.epoch = (size_t)epoch, s.step = (size_t)step;
    st = kh_trainer_set_state(ctx, t, &s);
  }
  if (st == KH_OK) {
    int bad = truncate_rows(file, "params/g", epoch + 1) |
              truncate_rows(file, "params/i_bias", epoch + 1) |
              truncate_rows(file, "grad/cosine", epoch) |
              truncate_rows(file, "grad/relative_error", epoch);
    for (size_t k = 0; k < KH_TRACE_SCALARS; k++)
      bad |= truncate_rows(file, kh_trace_scalars[k], epoch);
    if (bad) st = fail(ctx, path, "its datasets do not have the layout kirchhoff writes");
  }
  if (c >= 0) H5Gclose(c);
  if (H5Fclose(file) < 0 && st == KH_OK) st = kh_fail(ctx, KH_ERR_IO, "closing '%s'", path);
  kh_status done = kh_atomic_commit(ctx, tmp, path, st == KH_OK);
  if (st == KH_OK) st = done;
  kh_free(buf);
  return st;
}

kh_status kh_trace_resume_file(kh_context *ctx, const char *path, kh_trainer *t, size_t n) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  kh_status result = kh_trace_resume_file_quietly(ctx, path, t, n);
  kh_hdf5_errors_restore(saved);
  return result;
}

/* One row of a growing 2-D dataset (row < 0: the last), into a new array. */
static int read_row(hid_t file, const char *name, long row, double **out, size_t *cols,
                    size_t *rows) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hsize_t dims[2] = {0, 0};
  hid_t space = H5Dget_space(d);
  int rank = H5Sget_simple_extent_dims(space, dims, NULL);
  int bad = rank != 2 || dims[0] == 0;
  *rows = (size_t)dims[0], *cols = (size_t)dims[1];
  hsize_t r = row < 0 ? dims[0] - 1 : (hsize_t)row;
  if (!bad && r >= dims[0]) bad = 2;
  *out = bad ? NULL : malloc((dims[1] + 1) * sizeof **out);
  if (!bad && !*out) bad = 1;
  if (!bad && dims[1]) {
    hsize_t start[2] = {r, 0}, count[2] = {1, dims[1]};
    hid_t mem = H5Screate_simple(1, &dims[1], NULL);
    bad = H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
          H5Dread(d, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, *out) < 0;
    H5Sclose(mem);
  }
  H5Sclose(space), H5Dclose(d);
  return bad;
}

static kh_status kh_trace_read_snapshot_quietly(kh_context *ctx, const char *path, long epoch,
                                                kh_trace_snapshot *s) {
  memset(s, 0, sizeof *s);
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return kh_fail(ctx, KH_ERR_IO, "cannot open trace '%s' as HDF5", path);
  hid_t g = H5Gopen2(file, "config", H5P_DEFAULT);
  kh_status st = g < 0 ? fail(ctx, path, "no /config group") : KH_OK;
  size_t rows = 0, rows_i = 0;
  if (st == KH_OK) {
    s->netlist_text = read_text(g, "netlist");
    char *scaling = read_string(g, "scaling");
    int k = kh_scaling_from_name(scaling);
    free(scaling);
    if (!s->netlist_text || k < 0) st = fail(ctx, path, "/config lacks the netlist or scaling");
    s->scaling = (kh_scaling)(k < 0 ? 0 : k);
  }
  if (st == KH_OK) {
    int bad = read_row(file, "params/g", epoch, &s->g, &s->n_g, &rows);
    if (!bad) bad = read_row(file, "params/i_bias", epoch, &s->i_bias, &s->n_i, &rows_i);
    if (bad == 2 || (!bad && rows != rows_i))
      st = kh_fail(ctx, KH_ERR_USAGE, "trace '%s' holds epochs 0..%zu, not %ld", path,
                   rows ? rows - 1 : 0, epoch);
    else if (bad)
      st = fail(ctx, path, "its /params datasets do not have the layout kirchhoff writes");
    s->epoch = epoch < 0 ? rows - 1 : (size_t)epoch;
    for (size_t i = 0; st == KH_OK && i < s->n_g; i++)
      if (!(s->g[i] > 0) || !isfinite(s->g[i]))
        st = fail(ctx, path, "a conductance in /params/g is not finite and positive");
    for (size_t i = 0; st == KH_OK && i < s->n_i; i++)
      if (!isfinite(s->i_bias[i]))
        st = fail(ctx, path, "a current in /params/i_bias is not finite");
  }
  if (st == KH_OK && s->scaling == KH_SCALE_STANDARDIZE) {
    hid_t d = H5Dopen2(g, "scale_mean", H5P_DEFAULT);
    hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    if (d >= 0) H5Dclose(d);
    s->features = n > 0 ? (size_t)n : 0;
    s->mean = malloc((s->features + 1) * sizeof *s->mean);
    s->inv_std = malloc((s->features + 1) * sizeof *s->inv_std);
    if (n <= 0 || !s->mean || !s->inv_std || read_vector(g, "scale_mean", s->mean, s->features) ||
        read_vector(g, "scale_inv_std", s->inv_std, s->features))
      st = fail(ctx, path, "/config lacks its standardization statistics");
  }
  s->test_error = NAN;
  if (st == KH_OK && s->epoch > 0) {
    hid_t d = H5Dopen2(file, "metrics/test_error", H5P_DEFAULT);
    if (d >= 0) {
      hsize_t at = s->epoch - 1, one = 1;
      hid_t space = H5Dget_space(d), mem = H5Screate_simple(1, &one, NULL);
      if (H5Sselect_hyperslab(space, H5S_SELECT_SET, &at, NULL, &one, NULL) < 0 ||
          H5Dread(d, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, &s->test_error) < 0)
        s->test_error = NAN;
      H5Sclose(mem), H5Sclose(space), H5Dclose(d);
    }
  }
  if (g >= 0) H5Gclose(g);
  H5Fclose(file);
  if (st != KH_OK) kh_trace_snapshot_release(s);
  return st;
}

kh_status kh_trace_read_snapshot(kh_context *ctx, const char *path, long epoch,
                                 kh_trace_snapshot *s) {
  kh_hdf5_errors saved = kh_hdf5_errors_off();
  kh_status result = kh_trace_read_snapshot_quietly(ctx, path, epoch, s);
  kh_hdf5_errors_restore(saved);
  return result;
}

void kh_trace_snapshot_release(kh_trace_snapshot *s) {
  free(s->netlist_text), free(s->g), free(s->i_bias), free(s->mean), free(s->inv_std);
  memset(s, 0, sizeof *s);
}
