"""kirchhoff.torch: a resistive network as a PyTorch layer (docs/python.md).

``ResistiveNetwork`` holds the trainable conductances and bias currents as one parameter; its
forward pass is the equilibrium outputs of a batch, its backward pass kirchhoff's vector-
Jacobian product (``kh_model_vjp``) with the estimator of your choice: exact implicit
differentiation, equilibrium propagation (centered, holomorphic, ...), CG, phantom gradients.
The inputs' gradient is always exact. Importing this module imports torch; ``import kirchhoff``
does not.
"""
import numpy as _np
import torch as _torch

from . import Model, UsageError, net


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
    must. Solves run on the CPU in double precision; the outputs come back in x's dtype and
    device."""

    def __init__(self, arch=None, estimator="exact", beta=0.1, *, netlist=None, backend="native",
                 points=4, k=10, beta_relative=False, **net_options):
        super().__init__()
        if backend != "native":
            raise UsageError("ResistiveNetwork solves with the native backend (layered: not yet)")
        if (arch is None) == (netlist is None):
            raise UsageError("give arch or netlist, one of them")
        self.model = Model(net(arch, **net_options) if arch is not None else netlist)
        self.estimator, self.beta = estimator, beta
        self.options = dict(points=points, k=k, beta_relative=beta_relative)
        self.theta = _torch.nn.Parameter(_torch.from_numpy(self.model.params))
        self._conductance = _torch.from_numpy(self.model.is_conductance.copy())
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
        gmin, gmax = self.model.bounds
        g = self.theta[self._conductance.to(self.theta.device)]
        self.theta[self._conductance.to(self.theta.device)] = g.clamp(min=gmin, max=gmax)

    def extra_repr(self):
        return (f"inputs={self.model.inputs}, outputs={self.model.outputs}, "
                f"parameters={len(self.model.param_names)}, estimator={self.estimator!r}")
