/* What the files of kirchhoff._native share: the per-call context and the error mapping
 * (_native.c), the entry points of training runs (_run.c), models (_model.c) and layered
 * handles (_layered.c). */
#ifndef KH_PYTHON_NATIVE_H
#define KH_PYTHON_NATIVE_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <kirchhoff/hw.h>
#include <kirchhoff/netgen.h>
#include <kirchhoff/status.h>

/* A fresh error context for one call; NULL with MemoryError raised. */
kh_context *kh_py_context(void);
/* Raises the kirchhoff.Error subclass for status with ctx's message, frees ctx; NULL. */
PyObject *kh_py_raise(kh_context *ctx, kh_status status);
/* The end of a call that returns nothing: None (st KH_OK) or the error raised; frees ctx. */
PyObject *kh_py_done(kh_context *ctx, kh_status st);

/* One kh_netgen_options field (the table's, and amp_gain) from a Python value: 0 set, -1 error
 * raised, 1 not a netgen option */
int kh_py_net_option(kh_netgen_options *o, const char *key, PyObject *v);
/* One kh_hw_options field (the device model's table, and its seed), the same way */
int kh_py_hw_option(kh_hw_options *o, const char *key, PyObject *v);

PyObject *kh_py_run_open(PyObject *self, PyObject *args);
PyObject *kh_py_run_presets(PyObject *self, PyObject *unused);
PyObject *kh_py_run_epochs(PyObject *self, PyObject *capsule);
PyObject *kh_py_run_epoch(PyObject *self, PyObject *capsule);
PyObject *kh_py_run_params(PyObject *self, PyObject *capsule);
PyObject *kh_py_trace_metrics(PyObject *self, PyObject *args);
PyObject *kh_py_trace_snapshot(PyObject *self, PyObject *args);
PyObject *kh_py_trace_export(PyObject *self, PyObject *args);
PyObject *kh_py_validate(PyObject *self, PyObject *args);

PyObject *kh_py_model_new(PyObject *self, PyObject *nl_capsule);
PyObject *kh_py_model_params(PyObject *self, PyObject *capsule);
PyObject *kh_py_model_set_params(PyObject *self, PyObject *args);
PyObject *kh_py_model_run(PyObject *self, PyObject *args);

PyObject *kh_py_layered_new(PyObject *self, PyObject *args);
PyObject *kh_py_layered_params(PyObject *self, PyObject *capsule);
PyObject *kh_py_learning_cards(PyObject *self, PyObject *nl_capsule);
PyObject *kh_py_layered_set_params(PyObject *self, PyObject *args);
PyObject *kh_py_layered_run(PyObject *self, PyObject *args);
#endif
