/* kirchhoff._native's layered handles (kirchhoff/layered.h): a layered network's whole batch
 * solved at once, and its VJP by the layered backend's estimators (the gradient of
 * 1/2 |o - t|^2 toward t = o_free - c, summed over the rows, as kh_model_vjp does per sample). */
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
  pthread_mutex_t lock;
} layered_handle;

static void release(layered_handle *h) {
  kh_layered_free(h->lay), kh_circuit_free(h->c), free(h->v);
  Py_XDECREF(h->netlist);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

static void free_layered(PyObject *capsule) {
  layered_handle *h = PyCapsule_GetPointer(capsule, LAYERED);
  if (h) release(h);
}

/* layered_new(netlist, single, capacity) -> handle */
PyObject *kh_py_layered_new(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *nl_capsule;
  int single;
  Py_ssize_t capacity;
  if (!PyArg_ParseTuple(args, "Opn", &nl_capsule, &single, &capacity)) return NULL;
  const kh_netlist *nl = PyCapsule_GetPointer(nl_capsule, "kirchhoff.netlist");
  kh_context *ctx = nl ? kh_py_context() : NULL;
  if (!ctx) return NULL;
  layered_handle *h = calloc(1, sizeof *h);
  size_t nodes = kh_netlist_node_count(nl);
  h = h && !pthread_mutex_init(&h->lock, NULL) ? h : (free(h), NULL);
  if (h) h->v = malloc((size_t)capacity * nodes * sizeof *h->v);
  if (!h || !h->v) return free(h ? h->v : NULL), free(h), kh_context_free(ctx), PyErr_NoMemory();
  h->capacity = (size_t)capacity;
  kh_status st = kh_circuit_new(ctx, &h->c, nl);
  if (st == KH_OK)
    st = kh_layered_new(ctx, &h->lay, h->c, single ? KH_PRECISION_SINGLE : KH_PRECISION_DOUBLE,
                        h->capacity);
  if (st != KH_OK) {
    kh_circuit_free(h->c), free(h->v), pthread_mutex_destroy(&h->lock), free(h);
    return kh_py_raise(ctx, st);
  }
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
  else if (ctx)
    st = kh_layered_set_params(ctx, h->lay, b.buf);
  PyBuffer_Release(&b);
  return ctx ? kh_py_done(ctx, st) : NULL;
}

/* The free phase of `rows` rows from 0 V, its outputs into o (rows x outputs) */
static kh_status forward(kh_context *ctx, layered_handle *h, size_t rows, const double *x,
                         const kh_layered_grad_options *g, double *o) {
  kh_status st = kh_layered_solve(ctx, h->lay, rows, x, 0, NULL, g->sweeps, g->tol, 0, h->v, NULL);
  const kh_netlist *nl = kh_circuit_netlist(h->c);
  size_t nodes = kh_netlist_node_count(nl), outs = kh_netlist_output_count(nl);
  for (size_t r = 0; st == KH_OK && r < rows; r++)
    for (size_t k = 0; k < outs; k++) {
      kh_output out = kh_netlist_output(nl, k);
      o[r * outs + k] = h->v[r * nodes + out.node_pos] - h->v[r * nodes + out.node_neg];
    }
  return st;
}

/* layered_run(handle, x, rows, cotangent or None, outputs or None, estimator, beta, points, k,
 * sweeps, tol) -> (outputs, parameter gradient summed over the rows, or None). Outputs given
 * with a cotangent are the forward pass's: the free phase is not solved again for them. */
PyObject *kh_py_layered_run(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *capsule;
  Py_buffer x, c = {0}, known = {0};
  Py_ssize_t rows;
  const char *name;
  kh_layered_grad_options g = {0};
  if (!PyArg_ParseTuple(args, "Oy*nz*z*sdIIId", &capsule, &x, &rows, &c, &known, &name, &g.beta,
                        &g.points, &g.k, &g.sweeps, &g.tol))
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
    else if ((size_t)rows > h->capacity)
      st = kh_set_error(ctx, KH_ERR_USAGE, "%zd rows: this layer takes %zu at once", rows,
                        h->capacity);
    else if ((size_t)x.len != (size_t)rows * ni * sizeof(double) ||
             (c.buf && (size_t)c.len != (size_t)rows * no * sizeof(double)) ||
             (known.buf && (size_t)known.len != (size_t)rows * no * sizeof(double)))
      st = kh_set_error(ctx, KH_ERR_USAGE, "%zd rows need %zu inputs and %zu cotangents each", rows,
                        ni, no);
    out = PyBytes_FromStringAndSize(NULL, rows * (Py_ssize_t)(no * sizeof(double)));
    if (c.buf)
      grad = PyBytes_FromStringAndSize(
          NULL, (Py_ssize_t)(kh_layered_param_count(h->lay) * sizeof(double)));
    if (!out || (c.buf && !grad)) st = kh_set_error(ctx, KH_ERR_NOMEM, "a batch");
    if (st == KH_OK) {
      double *o = (double *)PyBytes_AS_STRING(out), *t = NULL;
      Py_BEGIN_ALLOW_THREADS;
      pthread_mutex_lock(&h->lock);
      if (known.buf && c.buf)
        memcpy(o, known.buf, (size_t)known.len);
      else
        st = forward(ctx, h, (size_t)rows, x.buf, &g, o);
      if (st == KH_OK && c.buf && !(t = malloc((size_t)rows * no * sizeof *t)))
        st = kh_set_error(ctx, KH_ERR_NOMEM, "a batch's targets");
      for (size_t i = 0; st == KH_OK && t && i < (size_t)rows * no; i++)
        t[i] = o[i] - ((const double *)c.buf)[i];
      if (st == KH_OK && t)
        st = kh_layered_gradient(ctx, h->lay, (size_t)rows, x.buf, t, &g,
                                 (double *)PyBytes_AS_STRING(grad), NULL);
      pthread_mutex_unlock(&h->lock);
      Py_END_ALLOW_THREADS;
      free(t);
    }
  }
  PyBuffer_Release(&x), PyBuffer_Release(&c), PyBuffer_Release(&known);
  if (ctx && st == KH_OK) {
    kh_context_free(ctx);
    return Py_BuildValue("(NN)", out, grad ? grad : (Py_INCREF(Py_None), Py_None));
  }
  Py_XDECREF(out), Py_XDECREF(grad);
  return ctx ? kh_py_raise(ctx, st) : NULL;
}
