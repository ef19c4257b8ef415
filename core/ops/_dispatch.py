"""Shared machinery of ops: device resolution, operand preparation, graph recording, in-place writes.

Everything here sits on the per-op path, so it is written for speed: plain attribute reads,
no plugin lookups (backends are cached on the canonical device objects tensors carry).
"""

from __future__ import annotations

import builtins
from typing import Any

from .. import dtypes as _dt
from ..autograd import anomaly as _anomaly
from ..autograd.grad_mode import CENSUS, GRAD
from ..autograd.graph import Node, accumulator, edge
from ..device import device
from ..tensor import Tensor, _wrap

_CANON: dict[Any, device] = {}
_SCALARS = (builtins.int, builtins.float, builtins.bool, builtins.complex)


def canon_device(d: Any = None) -> device:
    """The canonical device object for ``d`` (None = default), with its backend loaded."""
    if d is None:
        from ..plugins import get_default_device

        d = get_default_device()
    dev = _CANON.get(d)
    if dev is not None:
        return dev
    dv = device(d)
    if dv.type != "cpu" and dv.index is None:
        dv = device(dv.type, 0)
    elif dv.type == "cpu" and dv.index is not None:
        dv = device("cpu")
    key = str(dv)
    dev = _CANON.get(key)
    if dev is None:
        from ..plugins import get_backend

        be = get_backend(dv.type)
        if dv.index is not None and dv.index >= be.device_count():
            raise RuntimeError(
                f"Attempting to use {dv.type} device {dv.index} but only {be.device_count()} "
                f"{dv.type} device(s) are available.")
        dv._be = be
        dev = _CANON[key] = dv
    if isinstance(d, (str, device)):
        _CANON[d] = dev
    return dev


def backend_of(dev: device) -> Any:
    """The loaded backend serving ``dev``."""
    be = dev._be
    return be if be is not None else canon_device(dev)._be


def check_dtype(be: Any, dtype: _dt.dtype) -> None:
    """Raise a clear TypeError if the backend cannot hold ``dtype``."""
    if dtype not in be.dtypes:
        raise TypeError(f"dtype {dtype!r} is not supported by the {be.name} backend"
                        + (" (install ml_dtypes for bfloat16 on NumPy)" if dtype is _dt.bfloat16 else ""))


def common_device(x: Tensor, y: Tensor) -> device:
    """The device two tensors share; 0-d CPU tensors go along with any device, as in PyTorch."""
    dx, dy = x._device, y._device
    if dx is dy or dx == dy:
        return dx
    if dy.type == "cpu" and y._data.ndim == 0:
        return dx
    if dx.type == "cpu" and x._data.ndim == 0:
        return dy
    raise RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, {dx} and {dy}!")


def to_device_data(t: Tensor, dev: device) -> Any:
    """``t``'s array moved to ``dev`` (used for 0-d CPU tensors joining another device's op)."""
    if t._device is dev:
        return t._data
    host = t._device._be.to_host(t._data)
    return dev._be.from_host(host, dev.index)


def scalar_result(d: _dt.dtype, s: Any) -> _dt.dtype:
    """Result dtype of ``tensor(d) op python_scalar`` (scalars are weak)."""
    if isinstance(s, builtins.bool):
        return d
    if isinstance(s, builtins.int):
        return d if d._category >= 1 else _dt.int64
    if isinstance(s, builtins.complex):
        if d.is_complex:
            return d
        return d.to_complex() if d in (_dt.float32, _dt.float64) else _dt.get_default_complex_dtype()
    return d if d._category >= 2 else _dt.get_default_dtype()


def prep(x: Any, y: Any) -> tuple[Any, device, Any, Any, _dt.dtype]:
    """Prepare a binary op's operands: (backend, device, array_or_scalar, array_or_scalar, dtype).

    Tensor operands are cast to the promoted dtype; Python scalars pass through (weak typing).
    """
    if isinstance(x, Tensor):
        if isinstance(y, Tensor):
            dev = x._device
            if y._device is not dev:
                dev = common_device(x, y)
            dx, dy = x.dtype, y.dtype
            be = dev._be
            a = x._data if x._device is dev else to_device_data(x, dev)
            b = y._data if y._device is dev else to_device_data(y, dev)
            if dx is dy:
                return be, dev, a, b, dx
            dt = _dt.result_type(x, y)
            if dx is not dt:
                a = be.astype(a, dt)
            if dy is not dt:
                b = be.astype(b, dt)
            return be, dev, a, b, dt
        if not isinstance(y, _SCALARS):
            y = _scalar_or_raise(y)
        dev = x._device
        dt = scalar_result(x.dtype, y)
        a = x._data if x.dtype is dt else dev._be.astype(x._data, dt)
        return dev._be, dev, a, _cast_scalar(y, dt), dt
    if not isinstance(x, _SCALARS):
        x = _scalar_or_raise(x)
    be, dev, b, a, dt = prep(y, x)
    return be, dev, a, b, dt


def _cast_scalar(s: Any, dt: _dt.dtype) -> Any:
    # NOTE: NumPy/JAX treat Python scalars as weak, which matches PyTorch, except that a bool
    # scalar with an int or float tensor must act as a number.
    if isinstance(s, builtins.bool):
        return builtins.int(s) if dt is not _dt.bool else s
    # NOTE: PyTorch converts an int scalar to an integer tensor's dtype by wrapping (int8: 300 acts as 44, in
    # arithmetic and comparisons alike), where NumPy and array-api-strict raise OverflowError and JAX fails on
    # values past int64
    if dt._category == 1 and builtins.type(s) is builtins.int and not 0 <= s <= 127:  # 0..127 fit every int dtype
        return wrap_int(s, dt)
    return s


def wrap_int(s: int, dt: _dt.dtype) -> int:
    """The Python int ``s`` wrapped into integer dtype ``dt``'s range (two's complement), as PyTorch converts it."""
    bits = dt.itemsize * 8
    lo = -(1 << (bits - 1)) if dt.is_signed else 0
    if lo <= s < lo + (1 << bits):
        return s
    if not -(1 << 63) <= s < 1 << 64:  # PyTorch's scalars are int64 or uint64
        raise OverflowError("int too big to convert" if s > 0 else "can't convert negative int to unsigned")
    s &= (1 << bits) - 1
    return s - (1 << bits) if s >= lo + (1 << bits) else s


def _scalar_or_raise(v: Any) -> Any:
    try:
        import numpy as np

        if isinstance(v, np.generic):
            return v.item()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"unsupported operand type: expected a Tensor or a Python number, got {type(v).__name__}")


def needs_grad(*ts: Any) -> bool:
    """Whether an op on ``ts`` must be recorded (grad mode on and some input requires grad)."""
    # the inputs first: the thread-local mode is read only when one of them requires grad and some
    # thread has grad mode off
    for t in ts:
        if isinstance(t, Tensor) and t._rg:
            return CENSUS.grad_all_on or GRAD.enabled
    return False


def record(out: Tensor, node: Node, *inputs: Any) -> Tensor:
    """Attach ``node`` as ``out``'s grad_fn, with edges to ``inputs``."""
    if len(inputs) == 2:
        node.next_functions = (edge(inputs[0]), edge(inputs[1]))
    else:
        node.next_functions = tuple([edge(t) for t in inputs])
    out._rg = True
    out.grad_fn = node
    if CENSUS.anomaly_any and _anomaly.STATE.enabled:
        _anomaly.record_trace(node)
    return out


_new = object.__new__


def fast_record2(out: Tensor, node: Node, x: Tensor, y: Tensor) -> None:
    """``record`` for two tensor inputs, inlined for the per-op overhead budget."""
    if x._rg:
        fn = x.grad_fn
        ex = (fn, x._output_nr) if fn is not None else (x._accum or accumulator(x), 0)
    else:
        ex = _NONE_EDGE
    if y._rg:
        fn = y.grad_fn
        ey = (fn, y._output_nr) if fn is not None else (y._accum or accumulator(y), 0)
    else:
        ey = _NONE_EDGE
    node.next_functions = (ex, ey)
    out._rg = True
    out.grad_fn = node
    if CENSUS.anomaly_any and _anomaly.STATE.enabled:
        _anomaly.record_trace(node)


_NONE_EDGE = (None, 0)


def record_multi(outs: list[Tensor], node: Node, *inputs: Any) -> None:
    """Attach one multi-output ``node`` to several outputs (split, unbind, ...)."""
    node.next_functions = tuple([edge(t) for t in inputs])
    node.n_outputs = len(outs)
    for i, o in enumerate(outs):
        o._rg = True
        o.grad_fn = node
        o._output_nr = i
    if CENSUS.anomaly_any and _anomaly.STATE.enabled:
        _anomaly.record_trace(node)


def sum_to(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Reduce a broadcast gradient back to ``shape`` (the backward of broadcasting)."""
    gs = g._data.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gs[i + lead] != 1:
            axes.append(i + lead)
    if axes:
        g = g.sum(dim=tuple(axes), keepdim=True)  # type: ignore[attr-defined]
    if lead:
        g = g.reshape(shape)  # type: ignore[attr-defined]
    return g


def handle_out(result: Tensor, out: Tensor | None) -> Tensor:
    """Implement ``out=``: write ``result`` into ``out`` (resizing it when empty or of another shape)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be a Tensor, not {type(out).__name__}")
    if out._rg and GRAD.enabled:
        raise RuntimeError("out=... arguments don't support automatic differentiation, but one of the "
                           "arguments requires grad.")
    check_overlap(out)
    if not _dt.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_TYPE[result.dtype.name]} can't be cast to the desired output type "
                           f"{_TYPE[out.dtype.name]}")
    if out._data.shape != result._data.shape:
        if out._base is not None:
            raise RuntimeError(f"cannot resize a view: out has shape {list(out._data.shape)} but the result has "
                               f"shape {list(result._data.shape)}")
        out._data = out._device._be.astype(result._data, out.dtype)
        bump_version(out)
        return out
    write(out, result._data)
    return out


_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
         "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
         "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def type_name(d: _dt.dtype) -> str:
    """PyTorch's short scalar-type name (``Float``, ``Long``) used in error messages."""
    return _TYPE[d.name]


def bump_version(t: Tensor) -> None:
    """Record an in-place modification of ``t`` (shared with its views)."""
    vc = t._vc
    if vc is None:
        t._vc = [1]
    else:
        vc[0] += 1


_OVERLAP_MSG = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.")


def check_inplace(t: Tensor, overlap_ok: bool = False) -> None:
    """Refuse in-place ops on leaves that require grad (allowed under no_grad) and, unless ``overlap_ok`` (ops
    that write one value everywhere, such as ``fill_``), on views in which several elements share one memory
    location (``expand``), as PyTorch does."""
    if not overlap_ok:
        check_overlap(t)
    if GRAD.enabled:
        if t._rg and t.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = t._base
        # t._rg: only autograd views count; `x.data`/`x.detach()` alias the leaf's storage (on
        # immutable backends through a LazyView with a _base) but are outside the graph.
        if t._rg and base is not None and base._rg and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")


def check_overlap(t: Tensor) -> None:
    """Refuse to write into ``t`` when it is a view in which several elements share one memory location."""
    if t._base is not None and _overlapping(t):
        raise RuntimeError(_OVERLAP_MSG)


def _overlapping(t: Tensor) -> bool:
    from .shape import _strides

    st = _strides(t)
    # NOTE: an empty view shares nothing (NumPy reports 0 strides for every empty array)
    return st is not None and 0 not in t._data.shape and any(s == 0 and n > 1 for s, n in zip(st, t._data.shape))


def write(t: Tensor, data: Any) -> None:
    """Overwrite ``t``'s values with ``data`` (broadcast, cast to t's dtype), visible through views."""
    be = t._device._be
    if be.mutable:
        be.copy_into(_materialize(t), data)
        bump_version(t)
    else:
        from ._immutable import write as write_immutable

        write_immutable(t, data)


def _materialize(t: Tensor) -> Any:
    """``t``'s array as a writable array (NumPy returns scalars from 0-d ufuncs)."""
    arr = t._data
    mat = getattr(t._device._be, "materialize", None)
    if mat is not None:
        new = mat(arr)
        if new is not arr:
            t._data = new
        return new
    return arr


def materialize(t: Tensor) -> Any:
    """Public alias of the writable-array helper for view ops."""
    return _materialize(t)


def rebase_inplace(t: Tensor, result: Tensor) -> Tensor:
    """Finish an in-place op on ``t`` whose value (and graph) is ``result``.

    Writes the values into ``t``'s storage and, when ``result`` is recorded, makes it ``t``'s
    history; for a view, the base gets a ``CopySlices`` node so gradients reach the base's history.
    """
    write(t, result._data if result.dtype is t.dtype else t._device._be.astype(result._data, t.dtype))
    if result.grad_fn is not None:
        base = t._base
        if base is not None and t._view_fn is not None:
            from .indexing import copy_slices

            copy_slices(base, t, result)
        else:
            t.grad_fn = result.grad_fn
            t._output_nr = result._output_nr
            t._rg = True
    return t


def inplace_source(t: Tensor) -> Tensor:
    """A stand-in for ``t``'s pre-modification value to feed an in-place op's graph.

    Its data is a copy (the node may save it while ``t``'s storage is overwritten), its graph
    edge is ``t``'s.
    """
    out = _wrap(t._device._be.copy(t._data), t.dtype, t._device)
    out._rg = t._rg
    out.grad_fn = t.grad_fn
    out._output_nr = t._output_nr
    return out
