/* libFuzzer harness: reading traces back (--resume, export). libhdf5 itself is not hardened
 * against corrupt files, so the inputs are valid traces (one written once per process by a
 * short training run) whose values and shapes the fuzz bytes mutate through HDF5: numbers
 * overwritten with arbitrary bits (NaN, infinities, negative counts), vectors replaced by ones of
 * another length, attributes and datasets deleted. Reading the result must succeed with
 * finite, fitting values or fail with a message, and resuming must leave the trainer usable. */
#include "fuzz_datasets.h"
#include "fuzz_scratch.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char base[96], work[96], csv[96];
static char *netlist_text;

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f)) abort();
}

/* A 4-6-3 network trained for one epoch on 12 samples, traced. */
static void make_base(void) {
  snprintf(base, sizeof base, "/tmp/kh-fuzz-trace-%d.h5", (int)getpid());
  snprintf(work, sizeof work, "/tmp/kh-fuzz-trace-%d-work.h5", (int)getpid());
  snprintf(csv, sizeof csv, "/tmp/kh-fuzz-trace-%d.csv", (int)getpid());
  kh_fuzz_scratch(base), kh_fuzz_scratch(work), kh_fuzz_scratch(csv);
  char data[2048] = "";
  for (int i = 0; i < 12; i++)
    snprintf(data + strlen(data), sizeof data - strlen(data), "%d,%.2f,%.2f,-1,%d\n", i % 3,
             0.1 * i, 1 - 0.05 * i, i % 3);
  write_text(csv, data);
  kh_context *ctx;
  kh_context_new(&ctx);
  kh_netgen_options o = KH_NETGEN_OPTIONS_INIT;
  if (kh_netgen_parse_arch(ctx, &o, "4-6-3")) abort();
  size_t size = 0;
  FILE *mem = open_memstream(&netlist_text, &size);
  if (!mem || kh_netgen_write(ctx, &o, mem)) abort();
  fclose(mem);
  kh_netlist *nl;
  kh_dataset *d;
  kh_trainer *t;
  kh_trace *tr;
  kh_scaler sc;
  kh_train_options opt = KH_TRAIN_OPTIONS_INIT;
  opt.batch = 4;
  if (kh_netlist_parse_string(ctx, &nl, netlist_text, "fuzz") || kh_dataset_load(ctx, &d, csv, 0) ||
      kh_scaler_fit(ctx, &sc, KH_SCALE_STANDARDIZE, d) || kh_scaler_apply(ctx, &sc, d) ||
      kh_trainer_new(ctx, &t, nl, &opt, d))
    abort();
  kh_trace_config cfg = {.netlist_text = netlist_text,
                         .command = "fuzz",
                         .data = csv,
                         .test = "",
                         .options = &opt,
                         .epochs = 3,
                         .scaler = &sc,
                         .mpi_size = 1};
  kh_epoch_report r;
  if (kh_trace_create(ctx, &tr, base, &cfg, t) || kh_trainer_epoch(ctx, t, &r)) abort();
  kh_trace_epoch e = {&r, 0.1, 0.2, opt.beta, NULL, NULL, 0};
  if (kh_trace_append(ctx, tr, t, &e)) abort();
  kh_trace_free(tr), kh_trainer_free(t), kh_scaler_release(&sc), kh_dataset_free(d);
  kh_netlist_free(nl), kh_context_free(ctx);
}

static void copy_base(void) {
  FILE *in = fopen(base, "rb"), *out = fopen(work, "wb");
  char buf[1 << 16];
  size_t n;
  if (!in || !out) abort();
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  fclose(in), fclose(out);
}

static const char *const targets[] = {"config@beta",
                                      "config@batch",
                                      "config@lr",
                                      "config@epochs",
                                      "config@seed",
                                      "config@threads",
                                      "config@sweeps",
                                      "config@samples",
                                      "config@layered_tol",
                                      "config@estimator",
                                      "config@optimizer",
                                      "config@scaling",
                                      "config@netlist",
                                      "config/scale_mean",
                                      "config/scale_inv_std",
                                      "checkpoint/theta",
                                      "checkpoint/moment1",
                                      "checkpoint/moment2",
                                      "checkpoint@epoch",
                                      "checkpoint@step",
                                      "checkpoint@rng",
                                      "checkpoint@lr_scale",
                                      "params/g",
                                      "params/i_bias",
                                      "metrics/test_error",
                                      "metrics/train_loss",
                                      "checkpoint",
                                      "params",
                                      "config",
                                      "metrics"};
enum { TARGETS = sizeof targets / sizeof targets[0] };

/* One mutation from the fuzz bytes at *p: target, kind, then its payload. */
static void mutate(hid_t file, const uint8_t **p, const uint8_t *end) {
  if (end - *p < 2) {
    *p = end;
    return;
  }
  const char *target = targets[(*p)[0] % TARGETS];
  int kind = (*p)[1] % 3;
  *p += 2;
  char group[64];
  const char *at = strchr(target, '@');
  snprintf(group, sizeof group, "%.*s", at ? (int)(at - target) : (int)strlen(target), target);
  if (kind == 2) { /* delete */
    if (at) {
      hid_t g = H5Oopen(file, group, H5P_DEFAULT);
      if (g >= 0) H5Adelete(g, at + 1), H5Oclose(g);
    } else {
      H5Ldelete(file, target, H5P_DEFAULT);
    }
    return;
  }
  /* replace with n values of raw bits: n from the next byte (0 .. 255), kind 0 doubles, 1 u64 */
  size_t n = *p < end ? **p : 0;
  *p += *p < end;
  hid_t type = kind ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE;
  uint64_t *values = calloc(n + 1, sizeof *values);
  size_t have = (size_t)(end - *p) / 8;
  if (have > n) have = n;
  memcpy(values, *p, have * 8);
  *p += have * 8;
  hsize_t dims = n;
  hid_t space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, NULL);
  if (at) {
    hid_t g = H5Oopen(file, group, H5P_DEFAULT);
    if (g >= 0) {
      H5Adelete(g, at + 1);
      hid_t a = H5Acreate2(g, at + 1, type, space, H5P_DEFAULT, H5P_DEFAULT);
      if (a >= 0) H5Awrite(a, type, values), H5Aclose(a);
      H5Oclose(g);
    }
  } else if (strchr(target, '/')) {
    H5Ldelete(file, target, H5P_DEFAULT);
    hid_t d = H5Dcreate2(file, target, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), H5Dclose(d);
  }
  H5Sclose(space);
  free(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!base[0]) make_base();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  copy_base();
  hid_t file = H5Fopen(work, H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) abort();
  const uint8_t *p = data, *end = data + size;
  for (int k = 0; k < 4 && p < end; k++) mutate(file, &p, end);
  H5Fclose(file);

  kh_context *ctx;
  kh_context_new(&ctx);
  char *text = NULL;
  kh_train_options o = KH_TRAIN_OPTIONS_INIT;
  size_t planned = 0, done = 0;
  if (kh_trace_read_config(ctx, work, &text, &o, &planned, &done) == KH_OK) {
    kh_netlist *nl = NULL;
    kh_dataset *d = NULL;
    kh_trainer *t = NULL;
    kh_trace *tr = NULL;
    o.threads = 1;
    if (kh_netlist_parse_string(ctx, &nl, text, "trace") == KH_OK &&
        kh_dataset_load(ctx, &d, csv, 0) == KH_OK && kh_trainer_new(ctx, &t, nl, &o, d) == KH_OK &&
        kh_trace_resume(ctx, &tr, work, t) == KH_OK) {
      kh_epoch_report r;
      kh_trainer_epoch(ctx, t, &r); /* may fail (bad options survive resume); must not crash */
    }
    kh_trace_free(tr), kh_trainer_free(t), kh_dataset_free(d), kh_netlist_free(nl);
  } else if (!kh_last_error(ctx)[0]) {
    abort();
  }
  free(text);
  kh_trace_snapshot s;
  long epoch = size ? (long)(data[size - 1] % 4) - 1 : -1;
  if (kh_trace_read_snapshot(ctx, work, epoch, &s) == KH_OK) {
    for (size_t i = 0; i < s.n_g; i++)
      if (!(s.g[i] > 0)) abort(); /* conductances come back positive, or not at all */
    kh_trace_snapshot_release(&s);
  } else if (!kh_last_error(ctx)[0]) {
    abort();
  }
  kh_context_free(ctx);
  return 0;
}
