"""The op database's building blocks: ``OpInfo`` (one public op), ``Sample`` (one call), ``T`` (a tensor
argument given as host data plus a layout) and ``ErrorCase`` (a call PyTorch refuses).

A sample is library-neutral: ``T`` holds NumPy data, and ``realize`` turns it into an ember tensor on the
backend under test or into a torch tensor, in the same layout (contiguous, a strided view, an expanded
view) so that both libraries see the same memory shape. The generic tests in ``test_opdb.py`` call each
form of the op (function, method, in-place, ``out=``) on both libraries and compare the outcomes: equal
values, dtypes and shapes, or the same exception type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: dtype groups by name; entries list the dtypes an op supports (PyTorch's CPU support, as tested)
FLOATS = ("float32", "float64")
HALF = ("float16", "bfloat16")
SIGNED = ("int64", "int32", "int16", "int8")
INTS = (*SIGNED, "uint8")
BOOL = ("bool",)
ALL = (*FLOATS, *INTS, *BOOL)
#: values at the edges of float arithmetic, mixed into float samples
FLOAT_EDGES = (0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e30, 0.5, -1.0)


@dataclass(frozen=True)
class T:
    """A tensor argument: host ``data`` (converted to the dtype under test unless ``dtype`` is given),
    in ``layout`` "contiguous", "strided" (a view taking every other element of a wider base, so not
    contiguous) or "expanded" (``data`` has size-1 dims broadcast to ``shape``)."""

    data: Any
    layout: str = "contiguous"
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    grad: bool = True

    def host(self, dtype: str) -> np.ndarray:
        """The values as a NumPy array of the dtype this argument takes."""
        dt = self.dtype or dtype
        a = np.asarray(self.data)
        if dt == "bool":
            return a.astype(bool)
        if dt in INTS:
            if a.dtype.kind in "iub":  # integers convert exactly (int64's extremes would not survive a float)
                return a.astype(dt)
            with np.errstate(invalid="ignore"):
                return np.nan_to_num(a.astype(np.float64), nan=0, posinf=0, neginf=0).astype(dt)
        if dt in HALF:
            return a.astype(np.float64)  # rounded by the library when the tensor is made
        return a.astype(dt)


def realize(arg: Any, lib: Any, dtype: str, device: Any, requires_grad: bool,
            grad_leaves: list[Any] | None = None) -> Any:
    """Turn ``T`` leaves of ``arg`` (nested in lists/tuples/dicts) into tensors of ``lib``; the leaf
    tensors made to require grad are appended to ``grad_leaves``."""
    if isinstance(arg, T):
        return _tensor(arg, lib, dtype, device, requires_grad, grad_leaves)
    if isinstance(arg, list):
        return [realize(a, lib, dtype, device, requires_grad, grad_leaves) for a in arg]
    if isinstance(arg, tuple):
        return tuple(realize(a, lib, dtype, device, requires_grad, grad_leaves) for a in arg)
    if isinstance(arg, dict):
        return {k: realize(v, lib, dtype, device, requires_grad, grad_leaves) for k, v in arg.items()}
    if isinstance(arg, DType):
        return getattr(lib, arg.name)
    if isinstance(arg, Device):
        return device
    return arg


@dataclass(frozen=True)
class DType:
    """A dtype argument (``dtype=DType("float64")``), realized as ``lib.float64``."""

    name: str


@dataclass(frozen=True)
class Device:
    """The device under test as an argument (``device=Device()``): factory functions such as windows
    must build on the backend under test (torch gets None, its default device)."""


def _tensor(t: T, lib: Any, dtype: str, device: Any, requires_grad: bool, grad_leaves: list[Any] | None) -> Any:
    dt_name = t.dtype or dtype
    host = t.host(dtype)
    ldt = getattr(lib, dt_name)
    floating = dt_name in FLOATS or dt_name in HALF
    rg = requires_grad and t.grad and floating
    kw = {"device": device} if device is not None else {}
    if t.layout == "strided":
        # a base twice as wide in the last dim (a 0-d or empty value stays contiguous: nothing to stride)
        if host.ndim == 0 or host.size == 0:
            base = lib.tensor(host, dtype=ldt, **kw)
            out = base.clone()
        else:
            wide = np.repeat(host, 2, axis=-1)
            base = lib.tensor(wide, dtype=ldt, **kw)
            out = base[..., ::2]
        if rg:
            # a non-leaf view would hide the leaf's gradient: make the strided view itself the leaf
            out = out.detach().requires_grad_(True)
            if grad_leaves is not None:
                grad_leaves.append(out)
        return out
    x = lib.tensor(host, dtype=ldt, **kw)
    if rg:
        x.requires_grad_(True)
        if grad_leaves is not None:
            grad_leaves.append(x)
    if t.layout == "expanded":
        assert t.shape is not None, "an expanded T needs a shape"
        return x.expand(*t.shape)
    return x


def leaves(arg: Any) -> Iterator[Any]:
    """The tensors (or ``T``s) nested in ``arg``."""
    if isinstance(arg, (list, tuple)):
        for a in arg:
            yield from leaves(a)
    elif isinstance(arg, dict):
        for a in arg.values():
            yield from leaves(a)
    elif isinstance(arg, T) or type(arg).__name__ == "Tensor":
        yield arg


@dataclass(frozen=True)
class Sample:
    """One call: positional ``args`` and keyword ``kwargs`` (``T`` for tensors), and a description."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    desc: str = ""
    #: False where the point is not differentiable (a kink, inf or NaN inputs): no gradient check
    grad: bool = True

    def __repr__(self) -> str:
        def show(a: Any) -> str:
            if isinstance(a, T):
                arr = np.asarray(a.data)
                tag = "" if a.layout == "contiguous" else f" {a.layout}"
                vals = np.array2string(arr.ravel()[:6], precision=3, separator=",")
                return f"T{list(arr.shape) if a.shape is None else list(a.shape)}{tag} {vals}"
            if isinstance(a, (list, tuple)):
                return "[" + ", ".join(show(x) for x in a) + "]"
            return repr(a)

        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return f"({', '.join(parts)})" + (f"  # {self.desc}" if self.desc else "")


@dataclass(frozen=True)
class ErrorCase:
    """A call that must raise ``exc`` with ``match`` (a substring) in its message, as PyTorch does."""

    sample: Sample
    exc: type[BaseException]
    match: str
    dtype: str = "float32"


SampleFn = Callable[[str, np.random.Generator], Iterator[Sample]]


@dataclass
class OpInfo:
    """One public op and how to test it.

    Args:
        name: the public name: ``"add"`` (``ember.add``) or ``"nn.functional.relu"``.
        sample_inputs: ``fn(dtype, rng)`` yielding ``Sample``s for inputs of that dtype; the edges
            (0-d, zero-size, strided and expanded views, negative dims, broadcasting, inf, NaN, -0.0,
            large and small magnitudes) belong here.
        dtypes: the dtypes the op supports (as PyTorch's CPU kernels do).
        method: the Tensor method's name, when there is one (default: none).
        inplace: the in-place method's name (``"add_"``), when there is one.
        supports_out: whether the function takes ``out=``.
        grad: whether floating tensor inputs are differentiable.
        tol: per-dtype ``(rtol, atol)`` overrides of PyTorch's ``assert_close`` defaults.
        errors: calls that must raise, with PyTorch's exception type and a message fragment.
        gaps: ``{backend name or "*": reason}``; a gap skips that backend with the reason, shown in the
            report (never a silent pass).
        aliases: other public names that are the same op (``absolute`` for ``abs``); they get the
            same tests through this entry.
        fn: how to call the op given the library (default: ``lib.<name>``, with dotted names resolved).
        hypothesis: ``fn(draw, dtype)`` returning a ``Sample`` from Hypothesis draws, for property runs.
        compare: "values" (default), "shape" (random ops: only shape, dtype and device), or "none".
    """

    name: str
    sample_inputs: SampleFn
    dtypes: Sequence[str] = FLOATS
    method: str | None = None
    inplace: str | None = None
    supports_out: bool = False
    grad: bool = True
    tol: dict[str, tuple[float, float]] = field(default_factory=dict)
    errors: Sequence[ErrorCase] = ()
    gaps: dict[str, str] = field(default_factory=dict)
    aliases: Sequence[str] = ()
    fn: Callable[[Any], Callable[..., Any]] | None = None
    hypothesis: Callable[[Any, str], Sample] | None = None
    compare: str = "values"

    def function(self, lib: Any) -> Callable[..., Any]:
        """The op's function in ``lib`` (``ember`` or ``torch``)."""
        if self.fn is not None:
            return self.fn(lib)
        obj = lib
        for part in self.name.split("."):
            obj = getattr(obj, part)
        return obj  # type: ignore[no-any-return]

    def gap(self, backend: str) -> str | None:
        """The reason this op is a known gap on ``backend``, or None."""
        return self.gaps.get(backend) or self.gaps.get("*")


def edge_floats(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random floats of ``shape`` with the edge values of ``FLOAT_EDGES`` scattered in."""
    a = rng.uniform(-3, 3, shape)
    if a.size:
        flat = a.reshape(-1)
        picks = rng.integers(0, a.size, min(a.size, len(FLOAT_EDGES)))
        flat[picks] = np.asarray(FLOAT_EDGES)[: len(picks)]
    return a


def values(rng: np.random.Generator, shape: tuple[int, ...], dtype: str, low: float = -3.0,
           high: float = 3.0) -> np.ndarray:
    """Random values for ``dtype``: bools, integers in ``[low, high]`` or floats in ``[low, high)``."""
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in INTS:
        lo = 0 if dtype == "uint8" else int(low)
        return rng.integers(lo, int(high) + 1, shape)
    return rng.uniform(low, high, shape)
