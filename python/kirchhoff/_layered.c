/* kirchhoff._native's layered handles (kirchhoff/layered.h): a layered network's whole batch
 * solved at once, and its VJP by the layered backend's estimators (the gradient of
 * 1/2 |o - t|^2 toward t = o_free - c, summed over the rows, as kh_model_vjp does per sample).
 * The handle remembers which batch its free rows hold (the last forward pass's x, sweeps and
 * tolerance, no parameter set since), so that the backward pass of that batch starts from it
 * (free_given) instead of solving it again: the same bits, one phase fewer. */
#include "_native.h"

#include <kirchhoff/kirchhoff.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char LAYERED[] = "kirchhoff.layered";

typedef struct {
  kh_circuit *c; /* the handle reads it: it lives as long */
  kh_layered *lay;
  PyObject *netlist;
  size_t capacity; /* rows the handle takes */
  double *v;       /* capacity x nodes: the free phase's voltages */
  /* the batch whose free phase the handle's rows hold (rows 0: none) */
  double *free_x;
  size_t free_rows;
  unsigned free_sweeps;
  double free_tol;
  pthread_mutex_t lock;
} layered_handle;

static void release(layered_handle *h) {
  kh_layered_free(h->lay), kh_circuit_free(h->c), free(h->v), free(h->free_x);
  Py_XDECREF(h->netlist);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

static void free_layered(PyObject *capsule) {
  layered_handle *h = PyCapsule_GetPointer(capsule, LAYERED);
  if (h) release(h);
}

/* layered_new(netlist, single, capacity, threads) -> handle */
PyObject *kh_py_layered_new(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *nl_capsule;
  int single, threads;
  Py_ssize_t capacity;
  if (!PyArg_ParseTuple(args, "Opni", &nl_capsule, &single, &capacity, &threads)) return NULL;
  const kh_netlist *nl = PyCapsule_GetPointer(nl_capsule, "kirchhoff.netlist");
  kh_context *ctx = nl ? kh_py_context() : NULL;
  if (!ctx) return NULL;
  layered_handle *h = calloc(1, sizeof *h);
  size_t nodes = kh_netlist_node_count(nl);
  h = h && !pthread_mutex_init(&h->lock, NULL) ? h : (free(h), NULL);
  if (h) h->v = malloc((size_t)capacity * nodes * sizeof *h->v);
  if (h) h->free_x = malloc(((size_t)capacity * kh_netlist_input_count(nl) + 1) * sizeof(double));
  if (!h || !h->v || !h->free_x) {
    if (h) free(h->v), free(h->free_x), pthread_mutex_destroy(&h->lock);
    return free(h), kh_context_free(ctx), PyErr_NoMemory();
  }
  h->capacity = (size_t)capacity;
  kh_status st = kh_circuit_new(ctx, &h->c, nl);
  if (st == KH_OK)
    st = kh_layered_new(ctx, &h->lay, h->c, single ? KH_PRECISION_SINGLE : KH_PRECISION_DOUBLE,
                        h->capacity);
  if (st != KH_OK) {
    kh_circuit_free(h->c), free(h->v), free(h->free_x), pthread_mutex_destroy(&h->lock), free(h);
    return kh_py_raise(ctx, st);
  }
  kh_layered_set_threads(h->lay, threads);
  kh_context_free(ctx);
  h->netlist = nl_capsule, Py_INCREF(nl_capsule);
  PyObject *out = PyCapsule_New(h, LAYERED, free_layered);
  if (!out) release(h);
  return out;
}

static layered_handle *layered_of(PyObject *capsule) {
  return PyCapsule_GetPointer(capsule, LAYERED);
}

PyObject *kh_py_layered_params(PyObject *self, PyObject *capsule) {
  (void)self;
  layered_handle *h = layered_of(capsule);
  if (!h) return NULL;
  size_t n = kh_layered_param_count(h->lay);
  PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * sizeof(double)));
  if (out) kh_layered_get_params(h->lay, (double *)PyBytes_AS_STRING(out));
  return out;
}

PyObject *kh_py_layered_set_params(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  Py_buffer b;
  if (!PyArg_ParseTuple(args, "Oy*", &capsule, &b)) return NULL;
  layered_handle *h = layered_of(capsule);
  kh_context *ctx = h ? kh_py_context() : NULL;
  kh_status st = KH_OK;
  if (ctx && (size_t)b.len != kh_layered_param_count(h->lay) * sizeof(double))
    st = kh_set_error(ctx, KH_ERR_USAGE, "%zu parameters, not %zu", kh_layered_param_count(h->lay),
                      (size_t)b.len / sizeof(double));
  else if (ctx) {
    Py_BEGIN_ALLOW_THREADS;
    pthread_mutex_lock(&h->lock);
    st = kh_layered_set_params(ctx, h->lay, b.buf);
    h->free_rows = 0; /* a free phase at other parameters */
    pthread_mutex_unlock(&h->lock);
    Py_END_ALLOW_THREADS;
  }
  PyBuffer_Release(&b);
  return ctx ? kh_py_done(ctx, st) : NULL;
}

/* The outputs of the free rows (rows x outputs) into o */
static void outputs_of(const layered_handle *h, size_t rows, double *o) {
  const kh_netlist *nl = kh_circuit_netlist(h->c);
  size_t nodes = kh_netlist_node_count(nl), outs = kh_netlist_output_count(nl);
  for (size_t r = 0; r < rows; r++)
    for (size_t k = 0; k < outs; k++) {
      kh_output out = kh_netlist_output(nl, k);
      o[r * outs + k] = h->v[r * nodes + out.node_pos] - h->v[r * nodes + out.node_neg];
    }
}

/* Whether the handle's rows hold the free phase of this batch */
static int holds(const layered_handle *h, size_t rows, const double *x,
                 const kh_layered_grad_options *g) {
  size_t ni = kh_netlist_input_count(kh_circuit_netlist(h->c));
  return h->free_rows == rows && h->free_sweeps == g->sweeps && h->free_tol == g->tol &&
         !memcmp(h->free_x, x, rows * ni * sizeof *x);
}

/* The free phase of `rows` rows from 0 V, unless the handle holds it already; then it does
 * (g->free_given) */
static kh_status forward(kh_context *ctx, layered_handle *h, size_t rows, const double *x,
                         kh_layered_grad_options *g) {
  g->free_given = 1;
  if (holds(h, rows, x, g)) return KH_OK;
  h->free_rows = 0;
  kh_status st = kh_layered_solve(ctx, h->lay, rows, x, 0, NULL, g->sweeps, g->tol, 0, h->v, NULL);
  if (st != KH_OK) return st;
  size_t ni = kh_netlist_input_count(kh_circuit_netlist(h->c));
  memcpy(h->free_x, x, rows * ni * sizeof *x);
  h->free_rows = rows, h->free_sweeps = g->sweeps, h->free_tol = g->tol;
  return KH_OK;
}

/* outputs and, with a cotangent c, the parameters' gradient (its phases leave other states in
 * the rows) */
static kh_status run(kh_context *ctx, layered_handle *h, size_t rows, const double *x,
                     const double *c, kh_layered_grad_options *g, double *o, double *grad) {
  kh_status st = forward(ctx, h, rows, x, g);
  if (st == KH_OK) outputs_of(h, rows, o);
  if (st != KH_OK || !c) return st;
  size_t n = rows * kh_netlist_output_count(kh_circuit_netlist(h->c));
  double *t = malloc((n + 1) * sizeof *t);
  if (!t) return kh_set_error(ctx, KH_ERR_NOMEM, "a batch's targets");
  for (size_t i = 0; i < n; i++) t[i] = o[i] - c[i];
  h->free_rows = 0;
  st = kh_layered_gradient(ctx, h->lay, rows, x, t, g, grad, NULL);
  free(t);
  return st;
}

/* layered_run(handle, x, rows, cotangent or None, estimator, beta, points, k, sweeps, tol) ->
 * (outputs, parameter gradient summed over the rows, or None), as bytearrays (writable: numpy
 * wraps them without a copy). A batch whose forward pass was
 * the handle's last solve is not solved again. */
PyObject *kh_py_layered_run(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  Py_buffer x, c = {0};
  Py_ssize_t rows;
  const char *name;
  kh_layered_grad_options g = {0};
  if (!PyArg_ParseTuple(args, "Oy*nz*sdIIId", &capsule, &x, &rows, &c, &name, &g.beta, &g.points,
                        &g.k, &g.sweeps, &g.tol))
    return NULL;
  layered_handle *h = layered_of(capsule);
  kh_context *ctx = h ? kh_py_context() : NULL;
  PyObject *out = NULL, *grad = NULL;
  kh_status st = KH_OK;
  if (ctx) {
    const kh_netlist *nl = kh_circuit_netlist(h->c);
    size_t ni = kh_netlist_input_count(nl), no = kh_netlist_output_count(nl);
    int est = kh_estimator_from_name(name);
    g.estimator = (kh_estimator)(est < 0 ? 0 : est), g.damping = 1;
    if (est < 0)
      st = kh_set_error(ctx, KH_ERR_USAGE, "unknown estimator '%s'", name);
    else if (rows < 1 || (size_t)rows > h->capacity)
      st = kh_set_error(ctx, KH_ERR_USAGE, "%zd rows: this layer takes 1..%zu at once", rows,
                        h->capacity);
    else if ((size_t)x.len != (size_t)rows * ni * sizeof(double) ||
             (c.buf && (size_t)c.len != (size_t)rows * no * sizeof(double)))
      st = kh_set_error(ctx, KH_ERR_USAGE, "%zd rows need %zu inputs and %zu cotangents each", rows,
                        ni, no);
    out = PyByteArray_FromStringAndSize(NULL, rows * (Py_ssize_t)(no * sizeof(double)));
    if (c.buf)
      grad = PyByteArray_FromStringAndSize(
          NULL, (Py_ssize_t)(kh_layered_param_count(h->lay) * sizeof(double)));
    if (!out || (c.buf && !grad)) st = kh_set_error(ctx, KH_ERR_NOMEM, "a batch");
    if (st == KH_OK) {
      double *o = (double *)PyByteArray_AS_STRING(out);
      double *gr = grad ? (double *)PyByteArray_AS_STRING(grad) : NULL;
      Py_BEGIN_ALLOW_THREADS;
      pthread_mutex_lock(&h->lock);
      st = run(ctx, h, (size_t)rows, x.buf, c.buf, &g, o, gr);
      pthread_mutex_unlock(&h->lock);
      Py_END_ALLOW_THREADS;
    }
  }
  PyBuffer_Release(&x), PyBuffer_Release(&c);
  if (ctx && st == KH_OK) {
    kh_context_free(ctx);
    return Py_BuildValue("(NN)", out, grad ? grad : (Py_INCREF(Py_None), Py_None));
  }
  Py_XDECREF(out), Py_XDECREF(grad);
  return ctx ? kh_py_raise(ctx, st) : NULL;
}
