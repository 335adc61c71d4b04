/* kirchhoff._native: the CPython bindings, over the public C API only (include/kirchhoff).
 * Written against the CPython C API rather than cffi: cffi is not part of Debian's Python by
 * default (python3-cffi-backend alone cannot build), the C API lets a solve release the GIL
 * around exactly the library call, and the extension has no run-time dependency beyond Python.
 * Arrays cross as bytes of native doubles (numpy.frombuffer on the Python side), so the module
 * compiles without numpy's headers and imports without numpy's C API.
 *
 * Handles are capsules owned by the Python objects in __init__.py; each call gets its own
 * kh_context, so threads that call into the library at once never share one. */
#include "_native.h"

#include <kirchhoff/kirchhoff.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Error, and one subclass per status (kirchhoff/status.h), created at import */
static PyObject *error_class[KH_ERR_BACKEND + 1];

static const char NETLIST[] = "kirchhoff.netlist", CIRCUIT[] = "kirchhoff.circuit";

/* Raises the subclass for status with the library's message ("file:line:col: ..." for
 * netlists); the exception carries .status (its name) and .exit_code (kirchhoff's CLI code). */
static PyObject *raise_status(kh_status status, const char *message) {
  if (status == KH_ERR_NOMEM) return PyErr_NoMemory();
  PyObject *cls = error_class[status <= KH_ERR_BACKEND ? status : KH_ERR_BACKEND];
  PyObject *exc =
      PyObject_CallFunction(cls, "s", message && *message ? message : kh_status_text(status));
  if (!exc) return NULL;
  PyObject *name = PyUnicode_FromString(kh_status_name(status));
  PyObject *code = PyLong_FromLong(kh_status_exit_code(status));
  if (name && code && PyObject_SetAttrString(exc, "status", name) == 0 &&
      PyObject_SetAttrString(exc, "exit_code", code) == 0)
    PyErr_SetObject(cls, exc);
  Py_XDECREF(name), Py_XDECREF(code), Py_DECREF(exc);
  return NULL;
}

PyObject *kh_py_raise(kh_context *ctx, kh_status status) {
  raise_status(status, kh_last_error(ctx));
  kh_context_free(ctx);
  return NULL;
}

PyObject *kh_py_done(kh_context *ctx, kh_status st) {
  if (st != KH_OK) return kh_py_raise(ctx, st);
  kh_context_free(ctx);
  Py_RETURN_NONE;
}

kh_context *kh_py_context(void) {
  kh_context *ctx = NULL;
  if (kh_context_new(&ctx) != KH_OK) PyErr_NoMemory();
  return ctx;
}

static void free_netlist(PyObject *capsule) {
  kh_netlist_free(PyCapsule_GetPointer(capsule, NETLIST));
}
static void free_circuit(PyObject *capsule) {
  kh_circuit_free(PyCapsule_GetPointer(capsule, CIRCUIT));
}

static kh_netlist *netlist_of(PyObject *capsule) {
  return PyCapsule_GetPointer(capsule, NETLIST);
}
static kh_circuit *circuit_of(PyObject *capsule) {
  return PyCapsule_GetPointer(capsule, CIRCUIT);
}

/* parse(source, is_text, name, compat) -> netlist capsule (compat: a kh_compat, for a file) */
static PyObject *parse(PyObject *self, PyObject *args) {
  (void)self;
  const char *source, *name;
  int is_text, compat;
  if (!PyArg_ParseTuple(args, "spzi", &source, &is_text, &name, &compat)) return NULL;
  kh_context *ctx = kh_py_context();
  if (!ctx) return NULL;
  kh_netlist *nl = NULL;
  kh_status st;
  Py_BEGIN_ALLOW_THREADS;
  st = is_text ? kh_netlist_parse_string(ctx, &nl, source, name ? name : "<string>")
               : kh_netlist_parse_file_compat(ctx, &nl, source, NULL, (kh_compat)compat);
  Py_END_ALLOW_THREADS;
  if (st != KH_OK) return kh_py_raise(ctx, st);
  kh_context_free(ctx);
  PyObject *capsule = PyCapsule_New(nl, NETLIST, free_netlist);
  if (!capsule) kh_netlist_free(nl);
  return capsule;
}

/* nodes(netlist) -> [name, ...] without ground, in the netlist's order (kirchhoff op --csv's) */
static PyObject *nodes(PyObject *self, PyObject *capsule) {
  (void)self;
  const kh_netlist *nl = netlist_of(capsule);
  if (!nl) return NULL;
  size_t n = kh_netlist_node_count(nl);
  PyObject *list = PyList_New((Py_ssize_t)(n - 1));
  for (size_t i = 1; list && i < n; i++) {
    PyObject *name = PyUnicode_FromString(kh_netlist_node_name(nl, i));
    if (!name) return Py_DECREF(list), NULL;
    PyList_SET_ITEM(list, (Py_ssize_t)(i - 1), name);
  }
  return list;
}

/* elements(netlist) -> [(name, kind letter, value, node+, node-), ...] */
static PyObject *elements(PyObject *self, PyObject *capsule) {
  (void)self;
  static const char letters[] = "RCVIDEFLGHJMQSBB"; /* kh_element_kind's order */
  const kh_netlist *nl = netlist_of(capsule);
  if (!nl) return NULL;
  size_t n = kh_netlist_element_count(nl);
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t k = 0; list && k < n; k++) {
    kh_element e = kh_netlist_element(nl, k);
    PyObject *row = Py_BuildValue("(sCdnn)", e.name, (int)letters[e.kind], e.value,
                                  (Py_ssize_t)e.node_pos, (Py_ssize_t)e.node_neg);
    if (!row) return Py_DECREF(list), NULL;
    PyList_SET_ITEM(list, (Py_ssize_t)k, row);
  }
  return list;
}

/* circuit(netlist) -> circuit capsule, or None for a circuit without a co-content (controlled
 * sources, ...: solve() takes the general path, as kirchhoff op does) */
static PyObject *circuit(PyObject *self, PyObject *capsule) {
  (void)self;
  const kh_netlist *nl = netlist_of(capsule);
  if (!nl) return NULL;
  if (kh_netlist_general_count(nl, NULL)) Py_RETURN_NONE;
  kh_context *ctx = kh_py_context();
  if (!ctx) return NULL;
  kh_circuit *c = NULL;
  kh_status st = kh_circuit_new(ctx, &c, nl);
  if (st == KH_ERR_INPUT && kh_netlist_amplifier_count(nl)) {
    kh_context_free(ctx);
    Py_RETURN_NONE; /* amplifier loops without an energy: the general path */
  }
  if (st != KH_OK) return kh_py_raise(ctx, st);
  kh_context_free(ctx);
  PyObject *out = PyCapsule_New(c, CIRCUIT, free_circuit);
  if (!out) kh_circuit_free(c);
  return out;
}

/* solve(netlist, circuit or None, backend) -> (bytes of every node's voltage, ground first;
 * dict of the solve's statistics) */
static PyObject *solve(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *nl_capsule, *c_capsule;
  const char *backend;
  if (!PyArg_ParseTuple(args, "OOs", &nl_capsule, &c_capsule, &backend)) return NULL;
  const kh_netlist *nl = netlist_of(nl_capsule);
  kh_circuit *c = c_capsule == Py_None ? NULL : circuit_of(c_capsule);
  if (!nl || (c_capsule != Py_None && !c)) return NULL;
  size_t n = kh_netlist_node_count(nl);
  PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(double)));
  if (!out) return NULL;
  double *v = (double *)PyBytes_AS_STRING(out);
  kh_context *ctx = kh_py_context();
  if (!ctx) return Py_DECREF(out), NULL;
  kh_solve_stats stats = {0};
  kh_status st;
  Py_BEGIN_ALLOW_THREADS;
  if (!c && strcmp(backend, "ngspice") == 0)
    st = kh_ngspice_op(ctx, nl, v);
  else if (!c)
    st = kh_general_op(ctx, nl, NULL, NULL, v, NULL, &stats);
  else {
    kh_solver *s = NULL;
    st = kh_solver_new(ctx, &s, c, backend);
    if (st == KH_OK) st = kh_solver_solve(ctx, s, v, &stats);
    kh_solver_free(s);
  }
  Py_END_ALLOW_THREADS;
  if (st != KH_OK) return Py_DECREF(out), kh_py_raise(ctx, st);
  kh_context_free(ctx);
  return Py_BuildValue("(N{s:d,s:d,s:I,s:I})", out, "residual", stats.residual, "relative_residual",
                       stats.relative_residual, "iterations", stats.iterations, "factorizations",
                       stats.factorizations);
}

/* ngspice_file(netlist, path) -> (bytes of every node's voltage, ground first; bytes, 1 where
 * ngspice's answer names the node): ngspice's .op of the file at path as ngspice itself reads
 * it (kh_ngspice_op_file); netlist is the same file as kirchhoff read it. A UsageError for a deck
 * ngspice would not run as a plain deck (.control blocks, kirchhoff's own cards), as the library
 * says. */
static PyObject *ngspice_file(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  const char *path;
  if (!PyArg_ParseTuple(args, "Os", &capsule, &path)) return NULL;
  const kh_netlist *nl = netlist_of(capsule);
  if (!nl) return NULL;
  size_t n = kh_netlist_node_count(nl);
  PyObject *v = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(double))),
           *found = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
  kh_context *ctx = v && found ? kh_py_context() : NULL;
  if (!ctx) return Py_XDECREF(v), Py_XDECREF(found), NULL;
  double *volts = (double *)PyBytes_AS_STRING(v);
  unsigned char *named = (unsigned char *)PyBytes_AS_STRING(found);
  memset(volts, 0, n * sizeof *volts), memset(named, 0, n);
  kh_status st;
  Py_BEGIN_ALLOW_THREADS;
  st = kh_ngspice_op_file(ctx, path, nl, volts, named);
  Py_END_ALLOW_THREADS;
  if (st != KH_OK) return Py_DECREF(v), Py_DECREF(found), kh_py_raise(ctx, st);
  kh_context_free(ctx);
  return Py_BuildValue("(NN)", v, found);
}

/* values(circuit, kind, bytes of int64 element indices) -> bytes of doubles: kind 'g' the
 * resistors' conductances, 's' the sources' values */
static PyObject *values(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  int kind;
  Py_buffer idx;
  if (!PyArg_ParseTuple(args, "OCy*", &capsule, &kind, &idx)) return NULL;
  kh_circuit *c = circuit_of(capsule);
  size_t n = (size_t)idx.len / sizeof(int64_t);
  PyObject *out = c ? PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(double))) : NULL;
  if (out) {
    const int64_t *e = idx.buf;
    double *v = (double *)PyBytes_AS_STRING(out);
    for (size_t k = 0; k < n; k++)
      v[k] = kind == 'g' ? kh_circuit_conductance(c, (size_t)e[k])
                         : kh_circuit_source(c, (size_t)e[k]);
  }
  PyBuffer_Release(&idx);
  return out;
}

/* set_values(circuit, kind, bytes of int64 indices, bytes of doubles): as values(); the
 * sources all at once (one update of the node offsets), conductances one by one, each checked */
static PyObject *set_values(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  int kind;
  Py_buffer idx, val;
  if (!PyArg_ParseTuple(args, "OCy*y*", &capsule, &kind, &idx, &val)) return NULL;
  kh_circuit *c = circuit_of(capsule);
  kh_context *ctx = c ? kh_py_context() : NULL;
  size_t n = (size_t)idx.len / sizeof(int64_t);
  kh_status st = KH_OK;
  if (ctx && (size_t)val.len != n * sizeof(double))
    st = kh_set_error(ctx, KH_ERR_USAGE, "%zu values for %zu elements", (size_t)val.len / 8, n);
  else if (ctx && kind == 's') {
    size_t *e = malloc((n ? n : 1) * sizeof *e);
    const int64_t *in = idx.buf;
    for (size_t k = 0; e && k < n; k++) e[k] = (size_t)in[k];
    st = e ? kh_circuit_set_sources(ctx, c, n, e, val.buf) : KH_ERR_NOMEM;
    free(e);
  } else if (ctx) { /* every value checked before any is set: nothing changes on an error */
    const int64_t *in = idx.buf;
    const double *g = val.buf;
    for (size_t k = 0; st == KH_OK && k < n; k++)
      if (!(g[k] > 0 && g[k] < INFINITY))
        st = kh_set_error(ctx, KH_ERR_USAGE, "conductance %zu is %g: it must be finite and > 0", k,
                          g[k]);
    for (size_t k = 0; st == KH_OK && k < n; k++)
      st = kh_circuit_set_conductance(ctx, c, (size_t)in[k], g[k]);
  }
  PyBuffer_Release(&idx), PyBuffer_Release(&val);
  return ctx ? kh_py_done(ctx, st) : NULL;
}

/* net(arch, options dict) -> netlist text, as kirchhoff net writes it */
static PyObject *net(PyObject *self, PyObject *args) {
  (void)self;
  const char *arch;
  PyObject *options;
  if (!PyArg_ParseTuple(args, "sO!", &arch, &PyDict_Type, &options)) return NULL;
  kh_netgen_options o;
  kh_netgen_options_init(&o);
  PyObject *key, *value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(options, &pos, &key, &value)) {
    const char *k = PyUnicode_AsUTF8(key);
    int known = k ? kh_py_net_option(&o, k, value) : -1;
    if (known > 0) PyErr_Format(PyExc_TypeError, "net() got an unexpected option '%s'", k);
    if (known) return NULL;
  }
  kh_context *ctx = kh_py_context();
  if (!ctx) return NULL;
  char *text = NULL;
  size_t size = 0;
  kh_status st = kh_netgen_parse_arch(ctx, &o, arch);
  if (st == KH_OK) st = kh_netgen_string(ctx, &o, &text, &size);
  if (st != KH_OK) return free(text), kh_py_raise(ctx, st);
  kh_context_free(ctx);
  PyObject *out = PyUnicode_FromStringAndSize(text, (Py_ssize_t)size);
  free(text);
  return out;
}

static PyObject *version(PyObject *self, PyObject *unused) {
  (void)self, (void)unused;
  return PyUnicode_FromString(kh_version());
}

static PyObject *live_allocations(PyObject *self, PyObject *unused) {
  (void)self, (void)unused;
  return PyLong_FromLong(kh_live_allocations());
}

/* ngspice_time_limit(seconds): kh_ngspice_set_time_limit */
static PyObject *ngspice_time_limit(PyObject *self, PyObject *arg) {
  (void)self;
  double seconds = PyFloat_AsDouble(arg);
  if (seconds == -1.0 && PyErr_Occurred()) return NULL;
  if (!(seconds >= 0) || isinf(seconds))
    return PyErr_Format(PyExc_ValueError, "the time limit must be seconds >= 0 (0: none)");
  kh_ngspice_set_time_limit(seconds);
  Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"parse", parse, METH_VARARGS, "parse(source, is_text, name, compat) -> netlist handle"},
    {"nodes", nodes, METH_O, "nodes(netlist) -> node names without ground"},
    {"elements", elements, METH_O, "elements(netlist) -> (name, kind, value, pos, neg) rows"},
    {"circuit", circuit, METH_O, "circuit(netlist) -> circuit handle, or None (general path)"},
    {"solve", solve, METH_VARARGS, "solve(netlist, circuit, backend) -> (voltages, stats)"},
    {"ngspice_file", ngspice_file, METH_VARARGS, "ngspice_file(netlist, path) -> (volts, named)"},
    {"ngspice_time_limit", ngspice_time_limit, METH_O, "ngspice_time_limit(seconds)"},
    {"values", values, METH_VARARGS, "values(circuit, kind, indices) -> doubles"},
    {"set_values", set_values, METH_VARARGS, "set_values(circuit, kind, indices, doubles)"},
    {"net", net, METH_VARARGS, "net(arch, options) -> netlist text"},
    {"version", version, METH_NOARGS, "the C library's version"},
    {"live_allocations", live_allocations, METH_NOARGS, "kh_live_allocations()"},
    {"run_open", kh_py_run_open, METH_VARARGS,
     "run_open(preset, options, x, y, x_test, y_test, n)"},
    {"run_presets", kh_py_run_presets, METH_NOARGS, "run_presets() -> kh_run_preset's names"},
    {"run_epochs", kh_py_run_epochs, METH_O, "run_epochs(run) -> (next, last)"},
    {"run_epoch", kh_py_run_epoch, METH_O, "run_epoch(run) -> the epoch's report"},
    {"run_params", kh_py_run_params, METH_O, "run_params(run) -> (parameters, names)"},
    {"trace_metrics", kh_py_trace_metrics, METH_VARARGS, "trace_metrics(path) -> curves"},
    {"trace_snapshot", kh_py_trace_snapshot, METH_VARARGS, "trace_snapshot(path, epoch)"},
    {"validate", kh_py_validate, METH_VARARGS, "validate(netlist, path, x, y, n, samples)"},
    {"trace_export", kh_py_trace_export, METH_VARARGS, "trace_export(trace, epoch, path, hw)"},
    {"model_new", kh_py_model_new, METH_O,
     "model_new(netlist) -> (model, learning_cards(netlist))"},
    {"model_params", kh_py_model_params, METH_O, "model_params(model) -> doubles"},
    {"model_set_params", kh_py_model_set_params, METH_VARARGS, "model_set_params(model, b)"},
    {"model_run", kh_py_model_run, METH_VARARGS, "model_run(model, x, rows, c, ...) -> bytes"},
    {"layered_new", kh_py_layered_new, METH_VARARGS, "layered_new(netlist, single, rows, threads)"},
    {"layered_params", kh_py_layered_params, METH_O, "layered_params(handle) -> doubles"},
    {"learning_cards", kh_py_learning_cards, METH_O, "learning_cards(netlist) -> metadata"},
    {"layered_set_params", kh_py_layered_set_params, METH_VARARGS, "layered_set_params(h, b)"},
    {"layered_run", kh_py_layered_run, METH_VARARGS, "layered_run(h, x, rows, c, ...)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT,
                                    "kirchhoff._native",
                                    "kirchhoff's C library (the public API)",
                                    -1,
                                    methods,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL};

/* Error and its subclasses, one per failure status; the second base lets callers catch them as
 * Python's own kinds too (a usage error is a ValueError, a file error an OSError, ...) */
static int add_errors(PyObject *m) {
  static const struct {
    kh_status status;
    const char *name;
    PyObject **base;
  } kinds[] = {{KH_ERR_USAGE, "kirchhoff.UsageError", &PyExc_ValueError},
               {KH_ERR_INPUT, "kirchhoff.InputError", &PyExc_ValueError},
               {KH_ERR_IO, "kirchhoff.FileError", &PyExc_OSError},
               {KH_ERR_NUMERIC, "kirchhoff.NumericError", &PyExc_ArithmeticError},
               {KH_ERR_BACKEND, "kirchhoff.BackendError", &PyExc_RuntimeError}};
  error_class[0] = PyErr_NewExceptionWithDoc(
      "kirchhoff.Error",
      "A failure reported by kirchhoff's library: the message is its own "
      "(file:line:col: for netlists), .status its status name, .exit_code the code kirchhoff's "
      "command line exits with.",
      NULL, NULL);
  if (!error_class[0] || PyModule_AddObjectRef(m, "Error", error_class[0])) return -1;
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    PyObject *bases = PyTuple_Pack(2, error_class[0], *kinds[k].base);
    PyObject *cls = bases ? PyErr_NewException(kinds[k].name, bases, NULL) : NULL;
    Py_XDECREF(bases);
    if (!cls) return -1;
    error_class[kinds[k].status] = cls;
    if (PyModule_AddObjectRef(m, strchr(kinds[k].name, '.') + 1, cls)) return -1;
  }
  error_class[KH_ERR_NOMEM] = error_class[0];
  return 0;
}

PyMODINIT_FUNC PyInit__native(void) {
  /* where libngspice is, as the command reads it (KH_NGSPICE_LIBRARY; unset: the system's) */
  kh_ngspice_configure(getenv("KH_NGSPICE_LIBRARY"), getenv("KH_NGSPICE_DECK"));
  PyObject *m = PyModule_Create(&module);
  if (m && add_errors(m)) Py_CLEAR(m);
  return m;
}
