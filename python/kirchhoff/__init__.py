"""kirchhoff: analog resistive networks, their DC equilibria, and learning in them.

The library behind the ``kirchhoff`` command line, on numpy arrays (docs/python.md)::

    import kirchhoff
    c = kirchhoff.Circuit.from_netlist("divider.cir")   # a path, or netlist text
    v = c.solve()                                         # {"in": 1.0, "mid": 0.5, ...}
    c.conductances = 2 * c.conductances                   # one per resistor, siemens
    text = kirchhoff.net("64-16-10", input_gain=4, seed=2)  # what `kirchhoff net` writes

Failures raise :class:`Error` subclasses (:class:`InputError` for netlists, with the library's
``file:line:col:`` message); each carries ``.status`` and ``.exit_code``, the code the command
line exits with.
"""
import os as _os

import numpy as _np

from . import _native
from ._native import BackendError, Error, FileError, InputError, NumericError, UsageError

__all__ = ["Circuit", "Model", "net", "Trainer", "read_metrics", "read_snapshot", "export", "validate", "PRESETS", "Error", "UsageError", "InputError", "FileError", "NumericError",
           "BackendError", "version", "live_allocations", "set_ngspice_time_limit"]


def version():
    """The C library's version, "MAJOR.MINOR.PATCH"."""
    return _native.version()


def set_ngspice_time_limit(seconds):
    """Stops each later ngspice run of ``solve("ngspice")`` on a circuit the general path
    solves, and of ``check_reading``, past ``seconds`` with a :class:`BackendError` (0, the
    default: no limit). Under a limit those runs go in a child process: libngspice cannot
    interrupt a DC operating point, whose gmin and source stepping can crawl for minutes. As
    ``kirchhoff op --ngspice-limit``."""
    _native.ngspice_time_limit(float(seconds))


def live_allocations():
    """Blocks the C library has allocated and not freed in this process (its own, not CHOLMOD's
    or HDF5's): equal before and after a create/free cycle unless something leaked."""
    return _native.live_allocations()


# kh_compat's flags: ps 1, a (the whole deck) 2, lt 4
_COMPAT = {"ngspice": 0, "ps": 1, "psa": 3, "lt": 4, "ltps": 5, "lta": 6, "ltpsa": 7}


def _parse(netlist, name=None, compat="ngspice"):
    """A netlist handle from a path, or from the text itself (a string with a newline in it);
    ``compat``: ngspice's mode for the file ("ngspice", or its compatibility modes: "ps", "lt",
    "ltps" for included files, "psa", "lta", "ltpsa" for the whole deck)."""
    if compat not in _COMPAT:
        raise UsageError(f"compat={compat!r}: one of 'ngspice', 'ps', 'lt', 'ltps' (ngspice's "
                         "PSpice and LTspice modes for included files) and 'psa', 'lta', "
                         "'ltpsa' (for the whole deck)")
    if isinstance(netlist, str) and "\n" in netlist:
        if compat != "ngspice":
            raise UsageError("compat applies to a netlist file (ngspice's compatibility modes "
                             "rewrite its included files); text is read in ngspice's own mode")
        return _native.parse(netlist, True, name, 0)
    return _native.parse(_os.fspath(netlist), False, name, _COMPAT[compat])


def _doubles(data):
    return _np.frombuffer(data, dtype=_np.float64).copy()


def _indices(indices):
    return _np.asarray(indices, dtype=_np.int64).tobytes()


class Circuit:
    """A netlist, assembled for solving.

    Build one with :meth:`from_netlist`. Node names are those ``kirchhoff op --csv`` prints
    (lower case, subcircuit nodes as ``x1.n2``), in the netlist's order, ground left out.
    """

    def __init__(self, handle, name):
        self._netlist = handle
        self.name = name
        self._circuit = _native.circuit(handle)
        self.nodes = _native.nodes(handle)
        rows = _native.elements(handle)
        self.elements = [row[0] for row in rows]
        self._kinds = [row[1] for row in rows]
        self.resistors = [row[0] for row in rows if row[1] == "R"]
        self.sources = [row[0] for row in rows if row[1] in "VI"]
        self._resistor_index = _np.array([k for k, row in enumerate(rows) if row[1] == "R"],
                                         dtype=_np.int64)
        self._source_index = _np.array([k for k, row in enumerate(rows) if row[1] in "VI"],
                                       dtype=_np.int64)
        self.stats = {}
        self._path = None  # the file it was read from (check_reading), None for text

    @classmethod
    def from_netlist(cls, path_or_text, name=None, compat="ngspice"):
        """Parses a netlist: a path to a file (``.include`` relative to it), or the text itself
        (a string with a newline in it; ``.include`` relative to the working directory).
        ``name`` is the name messages give the text. ``compat``: how ngspice's start-up file
        (``set ngbehavior=...``) has ngspice read the file: "ngspice" (its own mode), "ps" (its
        PSpice mode for the included files: vendors' model libraries), "lt" (its LTspice mode:
        4k7 values, LTspice's powers and ideal diodes), "ltps" (both), or with "a" for the whole
        deck ("psa", "lta", "ltpsa"); docs/netlist.md, "Compatibility modes". Raises :class:`InputError` with
        ``file:line:col:`` for what kirchhoff does not read exactly as ngspice does, and
        :class:`FileError` for a file it cannot read."""
        is_text = isinstance(path_or_text, str) and "\n" in path_or_text
        source = path_or_text if is_text else _os.fspath(path_or_text)
        circuit = cls(_parse(source, name, compat), name or ("<string>" if is_text else source))
        circuit._path = None if is_text else _os.path.abspath(source)
        return circuit

    def solve(self, backend="native"):
        """The DC operating point: a dict node name -> volts, as ``kirchhoff op --csv``.
        ``backend``: "native" (kirchhoff's solver, certified by its KCL residual) or "ngspice"
        (libngspice's .op on the same circuit). The solve's statistics land in ``self.stats``."""
        voltages, self.stats = _native.solve(self._netlist, self._circuit, backend)
        v = _doubles(voltages)
        return dict(zip(self.nodes, v[1:].tolist()))

    def compare(self):
        """Solves with both backends: ``(largest |dV| in volts, node where it is, native
        answer, ngspice answer)``. The ngspice backend runs at ``reltol`` 1e-9, where ngspice
        also finds a diode's breakdown knee; this circuit keeps its deck's reltol (1e-3 by
        default), so a zener in breakdown can sit up to ~1e-5 V apart. ``kirchhoff op
        --compare`` solves both at 1e-9; here, put ``.options reltol=1e-9`` in the deck."""
        a, b = self.solve("native"), self.solve("ngspice")
        worst = max(self.nodes, key=lambda n: abs(a[n] - b[n]), default=None)
        return (abs(a[worst] - b[worst]) if worst else 0.0), worst, a, b

    def check_reading(self):
        """Whether kirchhoff read the file as ngspice reads it: ngspice's .op of the file itself
        (its own reading of includes, parameters and models) against ngspice's .op of the
        circuit as kirchhoff read it, as ``kirchhoff op --compare`` checks it. Returns ``(largest
        |dV| / max(1, |V|), node where it is, ngspice's answer to the file)`` over the nodes
        both name (internal ones, with '#', left out). Anything above ~1e-9 means kirchhoff's
        reading differs, or the deck has several operating points and ngspice's run of the
        file found another. Raises :class:`UsageError` for a circuit parsed from text (ngspice
        reads only the file) and for a deck with .control blocks or kirchhoff's own cards, and
        the error of a file ngspice cannot run."""
        if self._path is None:
            raise UsageError("check_reading: this circuit was parsed from text; ngspice reads "
                             "only a file: give from_netlist its path")
        volts, named = _native.ngspice_file(self._netlist, self._path)
        theirs, seen = _doubles(volts), _np.frombuffer(named, dtype=_np.uint8)
        ours = self.solve("ngspice")
        worst, at = 0.0, None
        for i, node in enumerate(self.nodes, start=1):
            if not seen[i] or "#" in node:
                continue
            r = abs(theirs[i] - ours[node]) / max(1.0, abs(theirs[i]))
            if at is None or r > worst:
                worst, at = r, node
        answer = {node: float(theirs[i]) for i, node in enumerate(self.nodes, start=1) if seen[i]}
        return worst, at, answer

    def _need_circuit(self, what):
        if self._circuit is None:
            raise UsageError(f"{what}: this circuit is solved by the general path (controlled "
                             "sources), whose values are the netlist's")

    @property
    def conductances(self):
        """Each resistor's conductance in siemens, in the order of ``self.resistors``. Assign an
        array of the same length to change them (each finite and > 0; nothing changes if one
        is not)."""
        self._need_circuit("conductances")
        return _doubles(_native.values(self._circuit, "g", self._resistor_index.tobytes()))

    @conductances.setter
    def conductances(self, g):
        self._need_circuit("conductances")
        g = _np.ascontiguousarray(g, dtype=_np.float64)
        _native.set_values(self._circuit, "g", self._resistor_index.tobytes(), g.tobytes())

    @property
    def source_values(self):
        """Each independent source's DC value (volts or amperes), in the order of
        ``self.sources``; assign an array of the same length to change them."""
        self._need_circuit("source_values")
        return _doubles(_native.values(self._circuit, "s", self._source_index.tobytes()))

    @source_values.setter
    def source_values(self, values):
        self._need_circuit("source_values")
        values = _np.ascontiguousarray(values, dtype=_np.float64)
        _native.set_values(self._circuit, "s", self._source_index.tobytes(), values.tobytes())

    def __repr__(self):
        return (f"<kirchhoff.Circuit {self.name!r}: {len(self.nodes)} nodes, "
                f"{len(self.elements)} elements>")


def net(arch, *, amp_gain=(), **options):
    """The netlist text ``kirchhoff net --arch ARCH`` writes: a deep resistive network with
    learning cards. Options are the command's, by their field names: input_gain, init_scale,
    init_low, init_high, gmin, gmax, bias_voltage, wire_resistance, clamp_pairs,
    differential_outputs, seed; amp_gain a gain per hidden layer. ``Circuit.from_netlist(net(
    ...))`` solves it."""
    if amp_gain:
        options["amp_gain"] = list(amp_gain)
    return _native.net(str(arch), options)


# `kirchhoff train --preset NAME`'s names (the library's table, kh_run_preset)
PRESETS = _native.run_presets()


def _cores():
    try:
        return len(_os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return _os.cpu_count() or 1


class Trainer:
    """A training run as ``kirchhoff train`` does it (the library's run API): the data policy
    (a seeded 20 % held out unless a test set is given; pixels / 255 for images, standardized
    features otherwise), the network, the trainer, an optional HDF5 trace.

    Data: arrays ``x`` (samples x features) and ``y`` (integer class labels), with ``x_test`` and
    ``y_test`` optionally, or ``data`` (and ``test``) naming files as ``--data`` and ``--test``
    do. Network: ``arch`` ("64-64-10", generated as :func:`net` does, with net's options) or
    ``netlist`` (a path). ``preset``: "drn-xs", "drn-1h" or "drn-2h" (``--preset``, the
    library's table; the other arguments then override it; ``epochs`` defaults to 1 without). Every other keyword is a ``kirchhoff train`` option by its
    field name (docs/training.md): ``estimator="holo"``, ``lr=[0.01]`` (one rate, or one per
    layer), ``batch=8``, ``read_noise=0.04``, ``backend="layered"``, ``precision="single"``,
    ``threads`` (default: the cores this process may use, as the command's), ``trace="run.h5"``;
    the oscillating estimator's by their trace names (``osc_period``, ``osc_periods``,
    ``osc_settle``, ``osc_steps``, ``osc_harmonics``, ``osc_node_capacitance``).
    As on the command line, the holomorphic estimator's nudge defaults to a quarter of the
    outputs' radius, or ρ = 0.5 on the slit contour, which read noise selects.
    """

    def __init__(self, x=None, y=None, *, x_test=None, y_test=None, preset=None, **options):
        settings = dict(options)
        settings.setdefault("threads", _cores())
        if preset is None:
            settings.setdefault("epochs", 1)
        if isinstance(settings.get("lr"), (int, float)):
            settings["lr"] = [settings["lr"]]
        self.progress = settings.pop("progress", None)
        features, arrays = 0, [None] * 4
        if x is not None:
            x = _np.ascontiguousarray(x, dtype=_np.float64)
            if x.ndim != 2:
                raise UsageError(f"x must be samples x features, not of shape {x.shape}")
            features = x.shape[1]
            arrays[0:2] = x.tobytes(), self._labels(y, len(x), "y")
        if x_test is not None:
            x_test = _np.ascontiguousarray(x_test, dtype=_np.float64)
            if x_test.ndim != 2 or x_test.shape[1] != features:
                raise UsageError("x_test must have x's features")
            arrays[2:4] = x_test.tobytes(), self._labels(y_test, len(x_test), "y_test")
        settings["progress"] = bool(self.progress) or (self.progress is None and
                                                       _os.isatty(2))
        self.options = dict(settings)
        self._run = _native.run_open(preset, settings, *arrays, features)
        self.history = []

    @staticmethod
    def _labels(y, count, name):
        y = _np.asarray(y)
        if y.shape != (count,) or (count and (y.min() < 0 or not _np.all(y == _np.round(y)))):
            raise UsageError(f"{name} must hold {count} class labels (integers >= 0)")
        return y.astype(_np.uint32).tobytes()

    def run(self, callback=None, verbose=False):
        """Trains every epoch left; returns the epochs' reports (dicts: epoch, train_loss,
        train_error, test_loss, test_error, seconds, ...), also kept in ``self.history``.
        ``callback(report)`` after each epoch stops the run when it returns True. ``verbose``
        prints a line per epoch as ``kirchhoff train`` does."""
        done = []
        while True:
            next_epoch, last = _native.run_epochs(self._run)
            if next_epoch > last:
                break
            report = _native.run_epoch(self._run)
            done.append(report)
            self.history.append(report)
            if verbose:
                print(f"epoch {report['epoch']:3d}/{last}  train loss {report['train_loss']:.4f}"
                      f" error {100 * report['train_error']:6.2f} %  test loss "
                      f"{report['test_loss']:.4f} error {100 * report['test_error']:6.2f} %  "
                      f"({report['seconds']:.2f} s + test {report['test_seconds']:.2f} s)",
                      flush=True)
            if callback is not None and callback(report):
                break
        return done

    @property
    def params(self):
        """The trainable parameters now (conductances in siemens and bias currents in amperes),
        in the netlist's .train order, as an array; their names in ``param_names``."""
        values, self.param_names = _native.run_params(self._run)
        return _doubles(values)


def read_snapshot(trace, epoch=-1):
    """The state a trace recorded after ``epoch`` (-1: the last; 0: before training), what
    ``kirchhoff export`` reads: a dict with ``g`` (the trained conductances, siemens) and
    ``i_bias`` (the bias currents, amperes) as arrays in .train order, ``epoch``,
    ``test_error`` (NaN for epoch 0), ``scaling`` and ``netlist`` (the network's text as
    trained from, which :class:`Model` and :class:`Circuit` read)."""
    s = _native.trace_snapshot(_os.fspath(trace), int(epoch))
    s["g"], s["i_bias"] = _doubles(s["g"]), _doubles(s["i_bias"])
    return s


def export(trace, path, epoch=-1, *, force=False, **device):
    """``kirchhoff export``: the network of ``trace`` with the parameters of ``epoch`` (-1: the
    last; 0: before training) as a netlist the ngspice program runs unchanged and kirchhoff
    reads back as the same circuit (docs/export.md), written to ``path`` whole or not at all.
    ``device``: the device model whose conductances to write instead (quantize_bits,
    prog_noise, prog_noise_add, stuck_rate, variation, seed: docs/hardware.md). An existing
    ``path`` is replaced only with ``force=True``, and never when it is the trace."""
    trace, path = _os.fspath(trace), _os.fspath(path)
    if _os.path.exists(path):
        if _os.path.exists(trace) and _os.path.samefile(path, trace):
            raise UsageError(f"{path} is the trace: export writes a netlist beside it")
        if not force:
            raise UsageError(f"{path} exists: give force=True to replace it")
    _native.trace_export(trace, int(epoch), path, device)


def validate(netlist, x=None, y=None, *, data=None, samples=500):
    """``kirchhoff validate``: an exported network (``netlist``: a path or text) on the first
    ``samples`` samples, raw features scaled as its .scale card says, through kirchhoff and
    through ngspice. Data: arrays ``x`` (samples x features) and ``y`` (labels), or ``data``, a
    file as ``--data`` reads. Returns a dict: samples, agreement (the fraction whose classes
    agree), kirchhoff_accuracy, ngspice_accuracy, largest_difference (volts)."""
    handle = _parse(netlist)
    xb = yb = None
    features = 0
    if data is None:
        x = _np.ascontiguousarray(x, dtype=_np.float64)
        if x.ndim != 2:
            raise UsageError(f"x must be samples x features, not of shape {x.shape}")
        features = x.shape[1]
        xb, yb = x.tobytes(), Trainer._labels(y, len(x), "y")
    r = _native.validate(handle, None if data is None else _os.fspath(data), xb, yb, features,
                         int(samples))
    n = r["samples"]
    return {"samples": n, "agreement": r["agree"] / n, "kirchhoff_accuracy":
            r["kirchhoff_right"] / n, "ngspice_accuracy": r["ngspice_right"] / n,
            "largest_difference": r["largest_difference"]}


def read_metrics(trace):
    """A trace's learning curves (``kirchhoff train --trace``): a dict of arrays, one value per
    epoch done: train_loss, train_error, test_loss, test_error, seconds, beta."""
    return {k: _doubles(v) for k, v in _native.trace_metrics(_os.fspath(trace)).items()}


class Model:
    """A netlist with learning cards (.input, .output, .train; what :func:`net` writes) as a
    differentiable function: outputs = f(inputs; parameters), evaluated at the free equilibrium.

    ``params`` are the trainable conductances (siemens) and bias currents (amperes) in .train
    order (``param_names``; ``is_conductance`` tells which), within ``bounds`` = (gmin, gmax).
    :meth:`predict` solves a batch; :meth:`vjp` gives the vector-Jacobian product for any output
    cotangent with any of kirchhoff's estimators (``kh_model_vjp``), :meth:`gradient` that of the
    squared error. The GIL is released while a batch is solved; one model solves one batch at a
    time (a lock), so threads should each have their own.
    """

    def __init__(self, netlist):
        self._netlist = _parse(netlist)
        self._model, cards = _native.model_new(self._netlist)
        self.inputs, self.outputs, self.param_names, kinds, gmin, gmax = cards
        self.is_conductance = _np.frombuffer(kinds, dtype=_np.uint8) == ord("g")
        self.bounds = (gmin, gmax)

    @property
    def params(self):
        return _doubles(_native.model_params(self._model))

    @params.setter
    def params(self, theta):
        theta = _np.ascontiguousarray(theta, dtype=_np.float64)
        _native.model_set_params(self._model, theta.tobytes())

    def _batch(self, x):
        x = _np.ascontiguousarray(x, dtype=_np.float64)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.inputs:
            raise UsageError(f"inputs must be rows of {self.inputs} features, not of shape "
                             f"{x.shape}")
        return x

    def predict(self, x):
        """The outputs at the free equilibrium for each row of x: rows x outputs."""
        x = self._batch(x)
        out, _, _ = _native.model_run(self._model, x.tobytes(), len(x), None, False, "exact",
                                      0.0, 4, 10, False)
        return _np.frombuffer(out, dtype=_np.float64).reshape(len(x), self.outputs).copy()

    def vjp(self, x, cotangent, estimator="exact", beta=0.1, *, inputs=False, points=4, k=10,
            beta_relative=False):
        """For each row of x and of ``cotangent`` (rows x outputs): ``(outputs, parameter
        gradient summed over the rows, input gradients rows x inputs or None)``. The parameters'
        is the estimator's (any ``kirchhoff train --estimator``: "exact", "centered", "holo",
        "cg", "phantom", ...; ``beta`` its nudge, ``points`` the holomorphic N, ``k`` the
        adjoint's Hessian-vector products), the inputs' always exact (one adjoint solve; input
        sources must join the network through resistors)."""
        x = self._batch(x)
        c = _np.ascontiguousarray(cotangent, dtype=_np.float64).reshape(len(x), self.outputs)
        out, g, gx = _native.model_run(self._model, x.tobytes(), len(x), c.tobytes(),
                                       bool(inputs), str(estimator), float(beta), int(points),
                                       int(k), bool(beta_relative))
        outputs = _np.frombuffer(out, dtype=_np.float64).reshape(len(x), self.outputs).copy()
        gx = None if gx is None else _np.frombuffer(gx, dtype=_np.float64).reshape(
            len(x), self.inputs).copy()
        return outputs, _doubles(g), gx

    def gradient(self, x, targets, estimator="exact", beta=0.1, **options):
        """The gradient of the batch's mean squared error 1/2 |o - t|^2 with respect to the
        parameters, by the estimator: ``(mean loss, gradient)``."""
        o = self.predict(x)
        targets = _np.asarray(targets, dtype=_np.float64).reshape(o.shape)
        _, g, _ = self.vjp(x, o - targets, estimator, beta, **options)
        return 0.5 * float(_np.mean(_np.sum((o - targets) ** 2, axis=1))), g / len(o)
