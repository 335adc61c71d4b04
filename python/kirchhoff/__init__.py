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

__all__ = ["Circuit", "net", "Error", "UsageError", "InputError", "FileError", "NumericError",
           "BackendError", "version", "live_allocations"]


def version():
    """The C library's version, "MAJOR.MINOR.PATCH"."""
    return _native.version()


def live_allocations():
    """Blocks the C library has allocated and not freed in this process (its own, not CHOLMOD's
    or HDF5's): equal before and after a create/free cycle unless something leaked."""
    return _native.live_allocations()


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

    @classmethod
    def from_netlist(cls, path_or_text, name=None):
        """Parses a netlist: a path to a file (``.include`` relative to it), or the text itself
        (a string with a newline in it; ``.include`` relative to the working directory).
        ``name`` is the name messages give the text. Raises :class:`InputError` with
        ``file:line:col:`` for what kirchhoff does not read exactly as ngspice does, and
        :class:`FileError` for a file it cannot read."""
        text = str(path_or_text)
        is_text = "\n" in text
        if not is_text:
            text = _os.fspath(path_or_text)
        return cls(_native.parse(text, is_text, name), name or ("<string>" if is_text else text))

    def solve(self, backend="native"):
        """The DC operating point: a dict node name -> volts, as ``kirchhoff op --csv``.
        ``backend``: "native" (kirchhoff's solver, certified by its KCL residual) or "ngspice"
        (libngspice's .op on the same circuit). The solve's statistics land in ``self.stats``."""
        voltages, self.stats = _native.solve(self._netlist, self._circuit, backend)
        v = _doubles(voltages)
        return dict(zip(self.nodes, v[1:].tolist()))

    def compare(self):
        """Solves with both backends: ``(largest |dV| in volts, node where it is, native
        answer, ngspice answer)``."""
        a, b = self.solve("native"), self.solve("ngspice")
        worst = max(self.nodes, key=lambda n: abs(a[n] - b[n]), default=None)
        return (abs(a[worst] - b[worst]) if worst else 0.0), worst, a, b

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
