/* Reading traces back: the configuration (for --resume and export) and the checkpoint. */
#include "core/alloc.h"
#include "core/context.h"
#include "atomic_file.h"
#include "trace_impl.h"

#include "hdf5_errors.h"

#include <hdf5.h>
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

static int lookup(const char *s, const char *const *names, int count) {
  for (int i = 0; s && i < count; i++)
    if (!strcmp(s, names[i])) return i;
  return -1;
}

/* Options added after the first traces: absent ones keep their defaults. */
static int read_later_options(hid_t g, kh_train_options *o) {
  uint64_t sign = 0, soft = 0, sweeps = 0;
  int bad = 0;
  if (H5Aexists(g, "sign_updates") > 0)
    bad |= read_numbers(g, "sign_updates", H5T_NATIVE_UINT64, &sign, 1) |
           read_numbers(g, "soft_bounds", H5T_NATIVE_UINT64, &soft, 1) |
           read_numbers(g, "depression", H5T_NATIVE_DOUBLE, &o->depression, 1) |
           read_numbers(g, "pulse", H5T_NATIVE_DOUBLE, &o->pulse, 1);
  o->sign_updates = (int)sign, o->soft_bounds = (int)soft;
  if (H5Aexists(g, "backend") > 0) {
    char *backend = read_string(g, "backend"), *precision = read_string(g, "precision");
    bad |= !backend || !precision || read_numbers(g, "sweeps", H5T_NATIVE_UINT64, &sweeps, 1) ||
           read_numbers(g, "layered_tol", H5T_NATIVE_DOUBLE, &o->layered_tol, 1) ||
           sweeps > 1000000;
    o->backend = backend && !strcmp(backend, "layered") ? KH_BACKEND_LAYERED : KH_BACKEND_SPARSE;
    o->precision =
        precision && !strcmp(precision, "single") ? KH_PRECISION_SINGLE : KH_PRECISION_DOUBLE;
    o->sweeps = (unsigned)sweeps;
    uint64_t samples = 0;
    bad |= read_numbers(g, "samples", H5T_NATIVE_UINT64, &samples, 1);
    o->samples = (size_t)samples;
    free(backend), free(precision);
  }
  if (H5Aexists(g, "osc_period") > 0) {
    uint64_t v[4] = {0};
    bad |= read_numbers(g, "osc_period", H5T_NATIVE_DOUBLE, &o->oscillation.period, 1) |
           read_numbers(g, "osc_periods", H5T_NATIVE_UINT64, &v[0], 1) |
           read_numbers(g, "osc_settle", H5T_NATIVE_UINT64, &v[1], 1) |
           read_numbers(g, "osc_steps", H5T_NATIVE_UINT64, &v[2], 1) |
           read_numbers(g, "osc_harmonics", H5T_NATIVE_UINT64, &v[3], 1) |
           read_numbers(g, "osc_node_capacitance", H5T_NATIVE_DOUBLE,
                        &o->oscillation.node_capacitance, 1);
    bad |= v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[2] > UINT32_MAX || v[3] > 64;
    o->oscillation.periods = (unsigned)v[0], o->oscillation.settle = (unsigned)v[1];
    o->oscillation.steps = (unsigned)v[2], o->osc_harmonics = (unsigned)v[3];
  }
  o->holomorphic_contour = KH_CONTOUR_CIRCLE; /* traces before the attribute: the circle */
  if (H5Aexists(g, "holomorphic_contour") > 0) {
    char *contour = read_string(g, "holomorphic_contour");
    bad |= !contour || (strcmp(contour, "circle") && strcmp(contour, "slit"));
    if (contour && !strcmp(contour, "slit")) o->holomorphic_contour = KH_CONTOUR_SLIT;
    free(contour);
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
  static const char *const opts[] = {"sgd", "momentum", "adam"};
  uint64_t batch = 0, seed = 0, threads = 0, planned = 0, done = 0;
  char *est = NULL, *opt = NULL;
  if (st == KH_OK) {
    *netlist_text = read_text(g, "netlist");
    est = read_string(g, "estimator"), opt = read_string(g, "optimizer");
    int bad = !*netlist_text || read_numbers(g, "beta", H5T_NATIVE_DOUBLE, &o->beta, 1) ||
              read_numbers(g, "batch", H5T_NATIVE_UINT64, &batch, 1) ||
              read_numbers(g, "momentum", H5T_NATIVE_DOUBLE, &o->momentum, 1) ||
              read_numbers(g, "lr_decay", H5T_NATIVE_DOUBLE, &o->lr_decay, 1) ||
              read_numbers(g, "target_on", H5T_NATIVE_DOUBLE, &o->target_on, 1) ||
              read_numbers(g, "target_off", H5T_NATIVE_DOUBLE, &o->target_off, 1) ||
              read_numbers(g, "seed", H5T_NATIVE_UINT64, &seed, 1) ||
              read_numbers(g, "threads", H5T_NATIVE_UINT64, &threads, 1) ||
              read_numbers(g, "epochs", H5T_NATIVE_UINT64, &planned, 1) ||
              read_numbers(c, "epoch", H5T_NATIVE_UINT64, &done, 1);
    uint64_t points = 4; /* traces before this attribute existed ran with the default */
    if (!bad && H5Aexists(g, "holomorphic_points") > 0)
      bad |= read_numbers(g, "holomorphic_points", H5T_NATIVE_UINT64, &points, 1);
    o->holomorphic_points = (unsigned)points;
    o->read_noise = 0;
    uint64_t relative = 0;
    if (!bad && H5Aexists(g, "beta_relative") > 0)
      bad |= read_numbers(g, "beta_relative", H5T_NATIVE_UINT64, &relative, 1);
    o->beta_relative = (int)relative;
    if (!bad && H5Aexists(g, "read_noise") > 0)
      bad |= read_numbers(g, "read_noise", H5T_NATIVE_DOUBLE, &o->read_noise, 1);
    if (!bad) bad |= read_later_options(g, o);
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
    int e = kh_estimator_from_name(est ? est : ""), k = lookup(opt, opts, 3);
    if (bad || e < 0 || k < 0 || batch == 0 || threads == 0 || threads > 1024)
      st = fail(ctx, path, "/config is incomplete or invalid (not written by kirchhoff train?)");
    else {
      o->estimator = (kh_estimator)e, o->optimizer = (kh_optimizer_kind)k;
      o->batch = (size_t)batch, o->seed = seed, o->threads = (int)threads;
      *epochs_planned = (size_t)planned, *epochs_done = (size_t)done;
    }
  }
  free(est), free(opt);
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
    uint64_t bits = 0, aware = 0;
    kh_hw_options hw = KH_HW_OPTIONS_INIT;
    if (read_numbers(g, "hw_bits", H5T_NATIVE_UINT64, &bits, 1) ||
        read_numbers(g, "hw_prog_noise", H5T_NATIVE_DOUBLE, &hw.prog_noise, 1) ||
        read_numbers(g, "hw_prog_noise_add", H5T_NATIVE_DOUBLE, &hw.prog_noise_add, 1) ||
        read_numbers(g, "hw_variation", H5T_NATIVE_DOUBLE, &hw.variation, 1) ||
        read_numbers(g, "hw_stuck_rate", H5T_NATIVE_DOUBLE, &hw.stuck_rate, 1) ||
        read_numbers(g, "hw_aware", H5T_NATIVE_UINT64, &aware, 1) || bits > 64)
      st = fail(ctx, path, "/config's device model is unreadable");
    hw.bits = (unsigned)bits;
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
  FILE *f = fopen(path, "rb");
  unsigned char magic[8] = {0};
  size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
  if (f) fclose(f);
  /* HDF5's signature, checked first so that HDF5 never opens a file that is not one */
  if (n != 8 || memcmp(magic, "\x89HDF\r\n\x1a\n", 8)) return 0;
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
    static const char *const kinds[] = {"none", "standardize", "pixels"};
    int k = lookup(scaling, kinds, 3);
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
