"""kirchhoff.torch: a resistive network as a PyTorch layer (docs/python.md).

``ResistiveNetwork`` holds the trainable conductances and bias currents as one parameter; its
forward pass is the equilibrium outputs of a batch, its backward pass kirchhoff's vector-
Jacobian product (``kh_model_vjp``) with the estimator of your choice: exact implicit
differentiation, equilibrium propagation (centered, holomorphic, ...), CG, phantom gradients.
The inputs' gradient is always exact. Importing this module imports torch; ``import kirchhoff``
does not.
"""
import os as _os

import numpy as _np
import torch as _torch

from . import Model, UsageError, _doubles, _native, _parse, net


class _Layered:
    """The layered backend (docs/layered.md) behind Model's interface: whole batches in one
    call, parameters by its estimators; inputs' gradients are not available there. The backward
    pass of the batch the handle solved last starts from that free state (the C side checks
    that it is the same batch at the same parameters)."""

    def __init__(self, netlist, precision, max_rows, rows_per_row, sweeps, tol, threads):
        self._netlist = _parse(netlist)  # names, kinds and bounds from it, no native model
        self.inputs, self.outputs, self.param_names, kinds, gmin, gmax = _native.learning_cards(
            self._netlist)
        self.is_conductance = _np.frombuffer(kinds, dtype=_np.uint8) == ord("g")
        self.bounds = (gmin, gmax)
        self.max_rows = max_rows
        self._handle = _native.layered_new(self._netlist, precision == "single",
                                           max_rows * rows_per_row, threads)
        self._sweeps, self._tol = (sweeps, 0.0) if sweeps else (100000, tol)

    @property
    def params(self):
        return _doubles(_native.layered_params(self._handle))

    @params.setter
    def params(self, theta):
        _native.layered_set_params(self._handle, _np.ascontiguousarray(theta, "f8"))

    def _run(self, x, c, estimator="exact", beta=0.1, points=4, k=10):
        x = _np.ascontiguousarray(x, dtype=_np.float64)
        rows = len(x)
        if rows > self.max_rows:
            raise UsageError(f"a batch of {rows} rows: this layer takes {self.max_rows} "
                             "(max_rows)")
        c = None if c is None else _np.ascontiguousarray(c, dtype=_np.float64)
        # arrays cross as buffers, and come back as writable bytearrays: no copies either way
        out, g = _native.layered_run(self._handle, x, rows, c, str(estimator),
                                     float(beta), int(points), int(k), self._sweeps, self._tol)
        g = None if g is None else _np.frombuffer(g, dtype=_np.float64)
        return _np.frombuffer(out, dtype=_np.float64).reshape(rows, self.outputs), g

    def predict(self, x):
        return self._run(x, None)[0]

    def vjp(self, x, cotangent, estimator="exact", beta=0.1, *, inputs=False, points=4, k=10,
            beta_relative=False):
        if inputs:
            raise UsageError("the layered backend gives no inputs' gradient: put the circuit "
                             "first, or use backend='native'")
        if beta_relative:
            raise UsageError("beta_relative: not on the layered backend (beta in siemens)")
        o, g = self._run(x, cotangent, estimator, beta, points, k)
        return o, g, None


class _Equilibrium(_torch.autograd.Function):
    """outputs = f(x; theta) at the free equilibrium; backward: the model's VJP."""

    @staticmethod
    def forward(ctx, x, theta, layer):
        layer._sync(theta)
        out = layer.model.predict(x.detach().cpu().double().numpy())
        ctx.save_for_backward(x, theta)
        ctx.layer = layer
        return _torch.from_numpy(out).to(dtype=x.dtype, device=x.device)

    @staticmethod
    def backward(ctx, grad_out):
        x, theta = ctx.saved_tensors
        layer = ctx.layer
        layer._sync(theta)
        _, g, gx = layer.model.vjp(x.detach().cpu().double().numpy(),
                                   grad_out.detach().cpu().double().numpy(), layer.estimator,
                                   layer.beta, inputs=ctx.needs_input_grad[0], **layer.options)
        gx = None if gx is None else _torch.from_numpy(gx).to(dtype=x.dtype, device=x.device)
        return gx, _torch.from_numpy(g).to(dtype=theta.dtype, device=theta.device), None


class ResistiveNetwork(_torch.nn.Module):
    """A resistive network as a layer: ``ResistiveNetwork(arch="64-64-10", estimator="exact",
    **net_options)`` builds it as ``kirchhoff net`` does (``net_options``: input_gain, gmin,
    gmax, bias_voltage, seed, ...), ``ResistiveNetwork(netlist=path_or_text)`` from a netlist with
    .input/.output/.train cards. ``estimator`` and ``beta`` choose the backward pass
    (``points``, ``k``, ``beta_relative`` its options); ``theta`` is the parameter (conductances
    in siemens, bias currents in amperes, in the netlist's .train order). Call :meth:`project`
    after each optimizer step to keep the conductances within [gmin, gmax], as the hardware
    must. Solves run on the CPU; the outputs come back in x's dtype and device.

    ``backend="layered"`` solves each batch at once on the layered backend (deep resistive
    networks with ideal clamps, docs/layered.md; ``precision`` "single" or "double", ``sweeps``
    per phase or 0 to converge to ``tol``, batches of at most ``max_rows``, ``threads`` (default:
    the cores this process may use); its backward gives the parameters' gradient only (exact,
    EP, holomorphic, cg, rbp, phantom, itd, spsa) and starts from the forward pass's state."""

    def __init__(self, arch=None, estimator="exact", beta=0.1, *, netlist=None, backend="native",
                 points=4, k=10, beta_relative=False, precision="double", sweeps=0, tol=1e-9,
                 max_rows=64, threads=None, **net_options):
        super().__init__()
        if (arch is None) == (netlist is None):
            raise UsageError("give arch or netlist, one of them")
        source = net(arch, **net_options) if arch is not None else netlist
        if backend == "native":
            self.model = Model(source)
        elif backend == "layered":
            holo = estimator in ("holo", "holomorphic")
            threads = len(_os.sched_getaffinity(0)) if threads is None else int(threads)
            self.model = _Layered(source, precision, max_rows, 1 + 2 * points if holo else 3,
                                  sweeps, tol, threads)
        else:
            raise UsageError(f"backend {backend!r}: native or layered")
        self.estimator, self.beta = estimator, beta
        self.options = dict(points=points, k=k, beta_relative=beta_relative)
        self.theta = _torch.nn.Parameter(_torch.from_numpy(self.model.params))
        self._conductance = _torch.from_numpy(self.model.is_conductance.copy())
        gmin, gmax = self.model.bounds
        inf = float("inf")
        self._lo = _torch.where(self._conductance, _torch.tensor(gmin, dtype=_torch.float64),
                                _torch.tensor(-inf, dtype=_torch.float64))
        self._hi = _torch.where(self._conductance, _torch.tensor(gmax, dtype=_torch.float64),
                                _torch.tensor(inf, dtype=_torch.float64))
        self._synced = None

    def _sync(self, theta):
        values = theta.detach().cpu().double().numpy()
        if self._synced is None or not _np.array_equal(values, self._synced):
            self.model.params = values
            self._synced = values.copy()

    def forward(self, x):
        return _Equilibrium.apply(x, self.theta, self)

    @_torch.no_grad()
    def project(self):
        """Clamps the conductances into [gmin, gmax] (the bias currents are free)."""
        self.theta.clamp_(self._lo.to(self.theta.device, self.theta.dtype),
                          self._hi.to(self.theta.device, self.theta.dtype))

    def extra_repr(self):
        return (f"inputs={self.model.inputs}, outputs={self.model.outputs}, "
                f"parameters={len(self.model.param_names)}, estimator={self.estimator!r}")
