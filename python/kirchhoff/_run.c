/* kirchhoff._native's training runs (kirchhoff/run.h): what `kirchhoff train` does, set up from
 * Python dicts whose keys are the options structs' field names (the tables in train.h and
 * netgen.h), on arrays in memory or data files, epoch by epoch with the GIL released. */
#include "_native.h"

#include <kirchhoff/kirchhoff.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char RUN[] = "kirchhoff.run";

/* The run and what its options point into: strings the run reads while it lives */
typedef struct {
  kh_run *run;
  PyObject *keep; /* a list holding the Python strings whose UTF-8 the options point to */
  int progress;   /* a progress line on stderr within epochs (a terminal only) */
} run_handle;

static void free_run(PyObject *capsule) {
  run_handle *h = PyCapsule_GetPointer(capsule, RUN);
  if (!h) return;
  kh_run_free(h->run);
  Py_XDECREF(h->keep);
  free(h);
}

static int set_double(double *f, PyObject *v) {
  double d = PyFloat_AsDouble(v);
  return d == -1.0 && PyErr_Occurred() ? -1 : (*f = d, 0);
}
static int set_size(size_t *f, PyObject *v) {
  size_t s = PyLong_AsSize_t(v);
  return s == (size_t)-1 && PyErr_Occurred() ? -1 : (*f = s, 0);
}
static int set_unsigned(unsigned *f, PyObject *v) {
  unsigned long u = PyLong_AsUnsignedLong(v);
  if (u == (unsigned long)-1 && PyErr_Occurred()) return -1;
  if (u > 0xffffffffUL) return PyErr_SetString(PyExc_OverflowError, "value too large"), -1;
  return *f = (unsigned)u, 0;
}
static int set_int(int *f, PyObject *v) {
  long i = PyLong_Check(v) ? PyLong_AsLong(v) : PyObject_IsTrue(v);
  return i == -1 && PyErr_Occurred() ? -1 : (*f = (int)i, 0);
}
static int set_u64(uint64_t *f, PyObject *v) {
  unsigned long long u = PyLong_AsUnsignedLongLong(v);
  return u == (unsigned long long)-1 && PyErr_Occurred() ? -1 : (*f = u, 0);
}
/* An ENUM option by one of its names (kh_train_option_names: "adam", "layered", ...) */
static int set_enum(const char *field, int *f, PyObject *v) {
  const char *name = PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : NULL;
  int value = name ? kh_train_option_value(field, name) : -1;
  if (value >= 0) return *f = value, 0;
  size_t count = 0;
  const char *const *names = kh_train_option_names(field, &count);
  PyErr_Format(PyExc_ValueError, "%s must be one of %s%s%s%s", field, count ? names[0] : "",
               count > 1 ? ", " : "", count > 1 ? names[1] : "", count > 2 ? ", ..." : "");
  return -1;
}

#define RUN_SETTER_DOUBLE(field, v) set_double(&o->field, v)
#define RUN_SETTER_SIZE(field, v) set_size(&o->field, v)
#define RUN_SETTER_UNSIGNED(field, v) set_unsigned(&o->field, v)
#define RUN_SETTER_INT(field, v) set_int(&o->field, v)
#define RUN_SETTER_U64(field, v) set_u64(&o->field, v)
#define RUN_SETTER_ENUM(field, v) set_enum(#field, (int *)&o->field, v)

/* One kh_train_options field by its name; lr takes a list (one rate per layer, or one) */
static int set_train_option(kh_train_options *o, const char *key, PyObject *v) {
#define RUN_SET(field, name, kind, def, since)                                                     \
  if (strcmp(key, #field) == 0) return RUN_SETTER_##kind(field, v);
  KH_TRAIN_OPTIONS_TABLE(RUN_SET)
#undef RUN_SET
  /* the oscillation's, by their trace names (osc_period, osc_periods, osc_settle, ...) */
#define RUN_SET_NESTED(field, name, kind, def, since)                                              \
  if (strcmp(key, name) == 0) return RUN_SETTER_##kind(field, v);
  KH_TRAIN_OPTIONS_NESTED_TABLE(RUN_SET_NESTED)
#undef RUN_SET_NESTED
  if (strcmp(key, "lr") == 0) {
    PyObject *seq = PySequence_Fast(v, "lr must be a list of rates");
    if (!seq) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    int bad = n < 1 || n > KH_MAX_LAYER_RATES;
    for (Py_ssize_t i = 0; !bad && i < n; i++)
      bad = set_double(&o->lr[i], PySequence_Fast_GET_ITEM(seq, i)) != 0;
    Py_DECREF(seq);
    if (bad && !PyErr_Occurred())
      PyErr_Format(PyExc_ValueError, "lr: 1 to %d rates", (int)KH_MAX_LAYER_RATES);
    return bad ? -1 : (o->lr_count = (size_t)n, 0);
  }
  PyErr_Format(PyExc_TypeError, "Trainer got an unexpected option '%s'", key);
  return -1;
}

int kh_py_net_option(kh_netgen_options *o, const char *key, PyObject *v) {
#define RUN_NET(field, kind, def)                                                                  \
  if (strcmp(key, #field) == 0) return RUN_SETTER_##kind(field, v);
  KH_NETGEN_OPTIONS_TABLE(RUN_NET)
#undef RUN_NET
  if (strcmp(key, "amp_gain")) return 1;
  PyObject *seq = PySequence_Fast(v, "amp_gain must be a sequence of gains");
  if (!seq) return -1;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  int bad = n > KH_NETGEN_MAX_LAYERS;
  if (bad) PyErr_Format(PyExc_ValueError, "amp_gain: at most %d gains", KH_NETGEN_MAX_LAYERS);
  for (Py_ssize_t i = 0; !bad && i < n; i++)
    bad = set_double(&o->amp_gain[i], PySequence_Fast_GET_ITEM(seq, i)) != 0;
  Py_DECREF(seq);
  return bad ? -1 : 0;
}

int kh_py_hw_option(kh_hw_options *o, const char *key, PyObject *v) {
#define RUN_HW(field, name, kind, def, since)                                                      \
  if (strcmp(key, #field) == 0) return RUN_SETTER_##kind(field, v);
  KH_HW_OPTIONS_TABLE(RUN_HW)
#undef RUN_HW
  if (strcmp(key, "seed") == 0) return set_u64(&o->seed, v);
  return 1;
}

/* A string option the run keeps a pointer to: kept alive in h->keep */
static int set_string(run_handle *h, const char **field, PyObject *v) {
  if (v == Py_None) return *field = NULL, 0;
  PyObject *s = PyUnicode_Check(v) ? (Py_INCREF(v), v) : PyObject_Str(v);
  if (!s || PyList_Append(h->keep, s)) return Py_XDECREF(s), -1;
  Py_DECREF(s);
  return (*field = PyUnicode_AsUTF8(s)) ? 0 : -1;
}

/* The run's own keys (kh_run_options), then the netgen table's (net options), then train's */
static int set_run_option(run_handle *h, kh_run_options *r, const char *key, PyObject *v) {
  static const char *const strings[] = {"arch", "netlist", "data", "test", "trace", "command"};
  const char **fields[] = {&r->arch, &r->netlist, &r->data, &r->test, &r->trace, &r->command};
  for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
    if (strcmp(key, strings[k]) == 0) return set_string(h, fields[k], v);
  if (strcmp(key, "epochs") == 0) return set_size(&r->epochs, v);
  /* the run's seed: shuffles, the held-out split and, as --seed does, the network's draws */
  if (strcmp(key, "seed") == 0) return set_u64(&r->train.seed, v);
  if (strcmp(key, "trace_grad") == 0) return set_size(&r->trace_grad, v);
  if (strcmp(key, "progress") == 0) return set_int(&h->progress, v);
  if (strcmp(key, "scaling") == 0) {
    const char *name = PyUnicode_AsUTF8(v);
    int kind = name ? kh_scaling_from_name(name) : -1;
    if (kind < 0)
      return PyErr_SetString(PyExc_ValueError, "scaling: none, standardize or pixels"), -1;
    return r->scaling = (kh_scaling)kind, r->scaling_given = 1, 0;
  }
  if (strcmp(key, "hw_aware") == 0) return set_int(&r->hw_aware, v);
  int known = kh_py_net_option(&r->net, key, v);
  if (known > 0 && strcmp(key, "seed")) known = kh_py_hw_option(&r->hw, key, v);
  return known <= 0 ? known : set_train_option(&r->train, key, v);
}

/* A data set from (bytes of count x features doubles, bytes of count uint32 labels) */
static kh_status arrays(kh_context *ctx, kh_dataset **out, const char *name, Py_buffer *x,
                        Py_buffer *y, size_t features) {
  size_t count = (size_t)y->len / sizeof(unsigned);
  if (!features || (size_t)x->len != count * features * sizeof(double))
    return kh_set_error(ctx, KH_ERR_USAGE, "%s: %zu labels for %zu feature values", name, count,
                        (size_t)x->len / sizeof(double));
  return kh_dataset_from_arrays(ctx, out, name, x->buf, y->buf, count, features);
}

static void progress_line(void *user, size_t done, size_t total) {
  (void)user;
  fprintf(stderr, "\r  %zu / %zu samples", done, total);
  if (done == total) fputs("\r\033[K", stderr);
}

/* run_open(preset or None, options dict, x, y, x_test, y_test, features): bytes or None for
 * the arrays; the preset (kh_run_preset) first, the options over it */
PyObject *kh_py_run_open(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *options;
  const char *preset;
  Py_buffer b[4] = {{0}};
  Py_ssize_t features;
  if (!PyArg_ParseTuple(args, "zO!z*z*z*z*n", &preset, &PyDict_Type, &options, &b[0], &b[1], &b[2],
                        &b[3], &features))
    return NULL;
  run_handle *h = calloc(1, sizeof *h);
  kh_run_options o;
  kh_run_options_init(&o);
  o.command = "python: kirchhoff.Trainer";
  PyObject *key, *value, *out = NULL;
  Py_ssize_t pos = 0;
  int bad = !h || !(h->keep = PyList_New(0));
  if (!bad && preset) {
    kh_context *pctx = kh_py_context();
    kh_status pst = pctx ? kh_run_preset(pctx, &o, preset) : KH_ERR_NOMEM;
    bad = pst != KH_OK;
    if (pctx && bad)
      kh_py_raise(pctx, pst);
    else if (pctx)
      kh_context_free(pctx);
  }
  while (!bad && PyDict_Next(options, &pos, &key, &value)) {
    const char *k = PyUnicode_AsUTF8(key);
    bad = !k || set_run_option(h, &o, k, value);
  }
  if (!bad) /* as the command does, after the preset and the options */
    kh_train_options_holomorphic_defaults(
        &o.train, PyDict_GetItemString(options, "holomorphic_contour") != NULL,
        PyDict_GetItemString(options, "beta") != NULL);
  kh_context *ctx = bad ? NULL : kh_py_context();
  kh_status st = KH_OK;
  if (ctx && b[0].buf) st = arrays(ctx, &o.train_data, "arrays", &b[0], &b[1], (size_t)features);
  if (ctx && st == KH_OK && b[2].buf)
    st = arrays(ctx, &o.test_data, "test arrays", &b[2], &b[3], (size_t)features);
  for (int k = 0; k < 4; k++) PyBuffer_Release(&b[k]);
  if (ctx && st == KH_OK) {
    Py_BEGIN_ALLOW_THREADS;
    st = kh_run_open(ctx, &h->run, &o);
    Py_END_ALLOW_THREADS;
  } else if (ctx)
    kh_dataset_free(o.train_data), kh_dataset_free(o.test_data);
  if (ctx && st != KH_OK) kh_py_raise(ctx, st);
  if (ctx && st == KH_OK) {
    kh_context_free(ctx);
    if (h->progress && isatty(2) && kh_run_trainer(h->run))
      kh_trainer_set_progress(kh_run_trainer(h->run), progress_line, NULL);
    out = PyCapsule_New(h, RUN, free_run);
  }
  if (!out && h) kh_run_free(h->run), Py_XDECREF(h->keep), free(h);
  if (!h) PyErr_NoMemory();
  return out;
}

static run_handle *run_of(PyObject *capsule) {
  return PyCapsule_GetPointer(capsule, RUN);
}

/* run_epochs(run) -> (next epoch, last epoch) */
PyObject *kh_py_run_epochs(PyObject *self, PyObject *capsule) {
  (void)self;
  run_handle *h = run_of(capsule);
  if (!h) return NULL;
  size_t next, last;
  double resumed;
  kh_run_epochs(h->run, &next, &last, &resumed);
  return Py_BuildValue("(nn)", (Py_ssize_t)next, (Py_ssize_t)last);
}

/* run_epoch(run) -> the epoch's report as a dict: trains, tests and traces the next epoch */
PyObject *kh_py_run_epoch(PyObject *self, PyObject *capsule) {
  (void)self;
  run_handle *h = run_of(capsule);
  kh_context *ctx = h ? kh_py_context() : NULL;
  if (!ctx) return NULL;
  kh_run_epoch e = {0};
  kh_status st;
  Py_BEGIN_ALLOW_THREADS;
  st = kh_run_train_epoch(ctx, h->run, &e);
  if (st == KH_OK) st = kh_run_record(ctx, h->run, &e);
  Py_END_ALLOW_THREADS;
  if (st != KH_OK) return kh_py_raise(ctx, st);
  kh_context_free(ctx);
  const kh_epoch_report *r = &e.report;
  return Py_BuildValue("{s:n,s:d,s:d,s:d,s:d,s:d,s:d,s:k,s:k,s:d,s:d,s:d}", "epoch",
                       (Py_ssize_t)e.epoch, "train_loss", r->train_loss, "train_error",
                       r->train_error, "test_loss", e.test_loss, "test_error", e.test_error,
                       "seconds", r->seconds, "test_seconds", e.test_seconds, "solves", r->solves,
                       "newton_iterations", r->newton_iterations, "max_relative_residual",
                       r->max_relative_residual, "phase_seconds", r->phase_seconds,
                       "update_seconds", r->update_seconds);
}

/* run_params(run) -> (bytes of the trainable parameters, their names), in .train order */
PyObject *kh_py_run_params(PyObject *self, PyObject *capsule) {
  (void)self;
  run_handle *h = run_of(capsule);
  if (!h) return NULL;
  kh_trainer *t = kh_run_trainer(h->run);
  if (!t) return PyErr_SetString(PyExc_ValueError, "this run has no trainer"), NULL;
  const kh_model *m = kh_trainer_model(t);
  size_t n = kh_model_param_count(m);
  PyObject *values = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(double)));
  PyObject *names = values ? PyList_New((Py_ssize_t)n) : NULL;
  if (!names) return Py_XDECREF(values), NULL;
  kh_model_get_params(m, (double *)PyBytes_AS_STRING(values));
  for (size_t i = 0; i < n; i++) {
    PyObject *s = PyUnicode_FromString(kh_model_param_name(m, i));
    if (!s) return Py_DECREF(values), Py_DECREF(names), NULL;
    PyList_SET_ITEM(names, (Py_ssize_t)i, s);
  }
  return Py_BuildValue("(NN)", values, names);
}

/* trace_metrics(path) -> dict of bytes (doubles, one per epoch done) */
PyObject *kh_py_trace_metrics(PyObject *self, PyObject *args) {
  (void)self;
  const char *path;
  if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
  kh_context *ctx = kh_py_context();
  if (!ctx) return NULL;
  kh_trace_metrics m = {0};
  kh_status st;
  Py_BEGIN_ALLOW_THREADS;
  st = kh_trace_read_metrics(ctx, path, &m);
  Py_END_ALLOW_THREADS;
  if (st != KH_OK) return kh_py_raise(ctx, st);
  kh_context_free(ctx);
  Py_ssize_t bytes = (Py_ssize_t)(m.epochs * sizeof(double));
  PyObject *out = Py_BuildValue(
      "{s:y#,s:y#,s:y#,s:y#,s:y#,s:y#}", "train_loss", (const char *)m.train_loss, bytes,
      "train_error", (const char *)m.train_error, bytes, "test_loss", (const char *)m.test_loss,
      bytes, "test_error", (const char *)m.test_error, bytes, "seconds", (const char *)m.seconds,
      bytes, "beta", (const char *)m.beta, bytes);
  kh_trace_metrics_release(&m);
  return out;
}

/* trace_snapshot(path, epoch) -> dict: the network text, the epoch, /params/g and i_bias (bytes)
 * and that epoch's test error (epoch < 0: the last) */
PyObject *kh_py_trace_snapshot(PyObject *self, PyObject *args) {
  (void)self;
  const char *path;
  long epoch;
  if (!PyArg_ParseTuple(args, "sl", &path, &epoch)) return NULL;
  kh_context *ctx = kh_py_context();
  if (!ctx) return NULL;
  kh_trace_snapshot s = {0};
  kh_status st;
  Py_BEGIN_ALLOW_THREADS;
  st = kh_trace_read_snapshot(ctx, path, epoch, &s);
  Py_END_ALLOW_THREADS;
  if (st != KH_OK) return kh_py_raise(ctx, st);
  kh_context_free(ctx);
  PyObject *out = Py_BuildValue("{s:s,s:n,s:y#,s:y#,s:d,s:s}", "netlist", s.netlist_text, "epoch",
                                (Py_ssize_t)s.epoch, "g", (const char *)s.g,
                                (Py_ssize_t)(s.n_g * sizeof(double)), "i_bias",
                                (const char *)s.i_bias, (Py_ssize_t)(s.n_i * sizeof(double)),
                                "test_error", s.test_error, "scaling", kh_scaling_name(s.scaling));
  kh_trace_snapshot_release(&s);
  return out;
}

/* run_presets() -> the preset names kh_run_preset knows */
PyObject *kh_py_run_presets(PyObject *self, PyObject *unused) {
  (void)self, (void)unused;
  size_t count = 0;
  const char *const *names = kh_run_preset_names(&count);
  PyObject *out = PyTuple_New((Py_ssize_t)count);
  for (size_t i = 0; out && i < count; i++) {
    PyObject *s = PyUnicode_FromString(names[i]);
    if (!s) return Py_DECREF(out), NULL;
    PyTuple_SET_ITEM(out, (Py_ssize_t)i, s);
  }
  return out;
}

/* trace_export(trace, epoch, path, device options dict) */
PyObject *kh_py_trace_export(PyObject *self, PyObject *args) {
  (void)self;
  const char *trace, *path;
  long epoch;
  PyObject *options, *key, *value;
  if (!PyArg_ParseTuple(args, "slsO!", &trace, &epoch, &path, &PyDict_Type, &options)) return NULL;
  kh_hw_options hw = KH_HW_OPTIONS_INIT;
  Py_ssize_t pos = 0;
  while (PyDict_Next(options, &pos, &key, &value)) {
    const char *k = PyUnicode_AsUTF8(key);
    int known = k ? kh_py_hw_option(&hw, k, value) : -1;
    if (known > 0) PyErr_Format(PyExc_TypeError, "export() got an unexpected option '%s'", k);
    if (known) return NULL;
  }
  kh_context *ctx = kh_py_context();
  if (!ctx) return NULL;
  kh_status st;
  Py_BEGIN_ALLOW_THREADS;
  st = kh_trace_export(ctx, trace, epoch, &hw, path);
  Py_END_ALLOW_THREADS;
  return kh_py_done(ctx, st);
}

/* validate(netlist, data path or None, x, y, features, samples) -> dict (kh_validate) */
PyObject *kh_py_validate(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *nl_capsule;
  const char *path;
  Py_buffer x = {0}, y = {0};
  Py_ssize_t features, samples;
  if (!PyArg_ParseTuple(args, "Ozz*z*nn", &nl_capsule, &path, &x, &y, &features, &samples))
    return NULL;
  const kh_netlist *nl = PyCapsule_GetPointer(nl_capsule, "kirchhoff.netlist");
  kh_context *ctx = nl ? kh_py_context() : NULL;
  kh_dataset *d = NULL;
  kh_validation r = {0};
  kh_status st = KH_OK;
  if (ctx) {
    st = path ? kh_dataset_load(ctx, &d, path, 0)
              : arrays(ctx, &d, "arrays", &x, &y, (size_t)features);
    Py_BEGIN_ALLOW_THREADS;
    if (st == KH_OK) st = kh_validate(ctx, nl, d, (size_t)samples, NULL, NULL, &r);
    Py_END_ALLOW_THREADS;
  }
  PyBuffer_Release(&x), PyBuffer_Release(&y);
  kh_dataset_free(d);
  if (!ctx) return NULL;
  if (st != KH_OK) return kh_py_raise(ctx, st);
  kh_context_free(ctx);
  return Py_BuildValue("{s:n,s:n,s:n,s:n,s:d}", "samples", (Py_ssize_t)r.samples, "agree",
                       (Py_ssize_t)r.agree, "kirchhoff_right", (Py_ssize_t)r.kirchhoff_right,
                       "ngspice_right", (Py_ssize_t)r.ngspice_right, "largest_difference",
                       r.largest_difference);
}
