/* kirchhoff._native's models (kirchhoff/model.h): a netlist with .input/.output/.train cards as a
 * differentiable function of its inputs and trainable parameters, on batches. Each model has a
 * lock: its solver is one state, and the GIL is released while a batch is solved. */
#include "_native.h"

#include <kirchhoff/kirchhoff.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char MODEL[] = "kirchhoff.model";

typedef struct {
  kh_model *m;
  PyObject *netlist; /* the netlist capsule, which must outlive the model */
  pthread_mutex_t lock;
} model_handle;

static void free_model(PyObject *capsule) {
  model_handle *h = PyCapsule_GetPointer(capsule, MODEL);
  if (!h) return;
  kh_model_free(h->m);
  Py_XDECREF(h->netlist);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

static model_handle *model_of(PyObject *capsule) {
  return PyCapsule_GetPointer(capsule, MODEL);
}

/* model_new(netlist) -> (model, inputs, outputs, parameter names) */
PyObject *kh_py_model_new(PyObject *self, PyObject *nl_capsule) {
  (void)self;
  const kh_netlist *nl = PyCapsule_GetPointer(nl_capsule, "kirchhoff.netlist");
  kh_context *ctx = nl ? kh_py_context() : NULL;
  if (!ctx) return NULL;
  model_handle *h = calloc(1, sizeof *h);
  if (!h || pthread_mutex_init(&h->lock, NULL))
    return free(h), kh_context_free(ctx), PyErr_NoMemory();
  kh_status st = kh_model_new(ctx, &h->m, nl);
  if (st != KH_OK) return pthread_mutex_destroy(&h->lock), free(h), kh_py_raise(ctx, st);
  kh_context_free(ctx);
  /* as the trainer: a clamp that would switch within |beta| continues the free phase's active
   * set instead of failing the holomorphic estimate */
  kh_model_set_holomorphic_strict(h->m, 0);
  h->netlist = nl_capsule, Py_INCREF(nl_capsule);
  PyObject *capsule = PyCapsule_New(h, MODEL, free_model);
  if (!capsule) return kh_model_free(h->m), Py_DECREF(nl_capsule), free(h), NULL;
  PyObject *cards = kh_py_learning_cards(NULL, nl_capsule);
  if (!cards) return Py_DECREF(capsule), NULL;
  return Py_BuildValue("(NN)", capsule, cards);
}

/* learning_cards(netlist) -> (inputs, outputs, parameter names, kinds b'g'/b'i' per parameter,
 * gmin, gmax): what a model of the netlist binds (kh_model_new's rules: .bounds or [0, inf)),
 * read from the netlist alone, for the layered backend, which needs no native model */
PyObject *kh_py_learning_cards(PyObject *self, PyObject *nl_capsule) {
  (void)self;
  const kh_netlist *nl = PyCapsule_GetPointer(nl_capsule, "kirchhoff.netlist");
  if (!nl) return NULL;
  size_t n = kh_netlist_trainable_count(nl);
  PyObject *names = PyList_New((Py_ssize_t)n);
  PyObject *kinds = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
  for (size_t i = 0; names && kinds && i < n; i++) {
    kh_element e = kh_netlist_element(nl, kh_netlist_trainable(nl, i));
    PyObject *s = PyUnicode_FromString(e.name);
    if (!s) break;
    PyList_SET_ITEM(names, (Py_ssize_t)i, s);
    PyBytes_AS_STRING(kinds)[i] = e.kind == KH_RESISTOR ? 'g' : 'i';
  }
  if (!names || !kinds || PyErr_Occurred()) return Py_XDECREF(names), Py_XDECREF(kinds), NULL;
  double gmin, gmax;
  if (!kh_netlist_bounds(nl, &gmin, &gmax)) gmin = 0, gmax = INFINITY;
  return Py_BuildValue("(nnNNdd)", (Py_ssize_t)kh_netlist_input_count(nl),
                       (Py_ssize_t)kh_netlist_output_count(nl), names, kinds, gmin, gmax);
}

/* model_params(model) -> bytes; model_set_params(model, bytes) */
PyObject *kh_py_model_params(PyObject *self, PyObject *capsule) {
  (void)self;
  model_handle *h = model_of(capsule);
  if (!h) return NULL;
  size_t n = kh_model_param_count(h->m);
  PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(double)));
  if (out) kh_model_get_params(h->m, (double *)PyBytes_AS_STRING(out));
  return out;
}

PyObject *kh_py_model_set_params(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  Py_buffer b;
  if (!PyArg_ParseTuple(args, "Oy*", &capsule, &b)) return NULL;
  model_handle *h = model_of(capsule);
  kh_context *ctx = h ? kh_py_context() : NULL;
  kh_status st = KH_OK;
  if (ctx && (size_t)b.len != kh_model_param_count(h->m) * sizeof(double))
    st = kh_set_error(ctx, KH_ERR_USAGE, "%zu parameters, not %zu", kh_model_param_count(h->m),
                      (size_t)b.len / sizeof(double));
  else if (ctx)
    st = kh_model_set_params(ctx, h->m, b.buf);
  PyBuffer_Release(&b);
  return ctx ? kh_py_done(ctx, st) : NULL;
}

/* The estimator's settings a batch runs with */
typedef struct {
  kh_estimator est;
  double beta;
  unsigned points, k;
  int beta_relative;
} estimator_settings;

/* One batch: for each of its rows, the input, then the outputs (and with cotangents the VJP:
 * parameter gradients summed over the rows, input gradients per row) */
static kh_status batch(kh_context *ctx, model_handle *h, const estimator_settings *e, size_t rows,
                       const double *x, const double *c, double *outputs, double *grad,
                       double *input_grad) {
  kh_model *m = h->m;
  size_t ni = kh_model_input_count(m), no = kh_model_output_count(m), np = kh_model_param_count(m);
  double *g = c && grad ? malloc((np ? np : 1) * sizeof *g) : NULL;
  if (c && grad && !g) return kh_set_error(ctx, KH_ERR_NOMEM, "a batch's gradient");
  if (grad) memset(grad, 0, np * sizeof *grad);
  kh_status st = kh_model_set_holomorphic_points(ctx, m, e->points);
  if (st == KH_OK) st = kh_model_set_adjoint_iterations(ctx, m, e->k);
  kh_model_set_beta_relative(m, e->beta_relative);
  kh_solver *s = kh_model_solver(m);
  for (size_t r = 0; st == KH_OK && r < rows; r++) {
    /* each row from a cold start, with no history: a function of (x, theta) alone, bit for
     * bit, whatever was solved before (autograd runs a backward again and expects the same) */
    kh_solver_set_warm_start(s, NULL);
    kh_solver_forget_history(s);
    st = kh_model_set_input(ctx, m, x + r * ni);
    if (st == KH_OK && !c) st = kh_model_predict(ctx, m, outputs + r * no);
    if (st == KH_OK && c)
      st = kh_model_vjp(ctx, m, e->est, e->beta, c + r * no, g,
                        input_grad ? input_grad + r * ni : NULL, outputs + r * no, NULL);
    for (size_t i = 0; st == KH_OK && g && i < np; i++) grad[i] += g[i];
  }
  free(g);
  return st;
}

/* model_run(model, x, rows, cotangents or None, want_input_grads, estimator, beta, points, k,
 * beta_relative) -> (outputs, parameter gradient or None, input gradients or None), as bytes */
PyObject *kh_py_model_run(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  Py_buffer x, c = {0};
  Py_ssize_t rows;
  int want_inputs;
  const char *name;
  estimator_settings e;
  if (!PyArg_ParseTuple(args, "Oy*nz*psdIIp", &capsule, &x, &rows, &c, &want_inputs, &name, &e.beta,
                        &e.points, &e.k, &e.beta_relative))
    return NULL;
  model_handle *h = model_of(capsule);
  PyObject *out[3] = {NULL, NULL, NULL};
  kh_context *ctx = h ? kh_py_context() : NULL;
  kh_status st = KH_OK;
  if (ctx) {
    size_t ni = kh_model_input_count(h->m), no = kh_model_output_count(h->m);
    int est = kh_estimator_from_name(name);
    if (est < 0)
      st = kh_set_error(ctx, KH_ERR_USAGE, "unknown estimator '%s'", name);
    else if ((size_t)x.len != (size_t)rows * ni * sizeof(double) ||
             (c.buf && (size_t)c.len != (size_t)rows * no * sizeof(double)))
      st = kh_set_error(ctx, KH_ERR_USAGE, "%zd rows need %zu inputs and %zu cotangents each", rows,
                        ni, no);
    e.est = (kh_estimator)(est < 0 ? 0 : est);
    out[0] = PyBytes_FromStringAndSize(NULL, rows * (Py_ssize_t)(no * sizeof(double)));
    if (c.buf)
      out[1] = PyBytes_FromStringAndSize(NULL,
                                         (Py_ssize_t)(kh_model_param_count(h->m) * sizeof(double)));
    if (c.buf && want_inputs)
      out[2] = PyBytes_FromStringAndSize(NULL, rows * (Py_ssize_t)(ni * sizeof(double)));
    if (!out[0] || (c.buf && !out[1]) || (c.buf && want_inputs && !out[2])) st = KH_ERR_NOMEM;
    if (st == KH_OK) {
      Py_BEGIN_ALLOW_THREADS;
      pthread_mutex_lock(&h->lock);
      st = batch(ctx, h, &e, (size_t)rows, x.buf, c.buf, (double *)PyBytes_AS_STRING(out[0]),
                 out[1] ? (double *)PyBytes_AS_STRING(out[1]) : NULL,
                 out[2] ? (double *)PyBytes_AS_STRING(out[2]) : NULL);
      pthread_mutex_unlock(&h->lock);
      Py_END_ALLOW_THREADS;
    }
  }
  PyBuffer_Release(&x), PyBuffer_Release(&c);
  if (ctx && st == KH_OK) {
    kh_context_free(ctx);
    return Py_BuildValue("(NNN)", out[0], out[1] ? out[1] : (Py_INCREF(Py_None), Py_None),
                         out[2] ? out[2] : (Py_INCREF(Py_None), Py_None));
  }
  for (int k = 0; k < 3; k++) Py_XDECREF(out[k]);
  if (!ctx) return NULL;
  return st == KH_ERR_NOMEM && !*kh_last_error(ctx) ? (kh_context_free(ctx), PyErr_NoMemory())
                                                    : kh_py_raise(ctx, st);
}
