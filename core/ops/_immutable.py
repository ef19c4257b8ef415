"""View and in-place emulation for backends whose arrays are immutable (JAX).

docs/architecture.md §5: a view records its root base and how it was taken (``_view_fn``); writing through a
view writes the base functionally and bumps the shared version counter; reading a stale view
re-derives it from the base. Mutable backends (NumPy, CuPy) never reach this module.

The write-through is generic for any chain of view ops: applying the view's ``_view_fn`` to a
tensor of flat positions ``arange(base.numel()).reshape(base.shape)`` yields, for every element
of the view, the position it aliases in the base; one scatter writes the new values there.
"""

from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import GRAD
from ..tensor import Tensor


def identity_view(b: Tensor) -> Tensor:
    """The view function of an alias (``detach()``, ``.data``)."""
    return b


class LazyView(Tensor):
    """A view on an immutable backend: its array is re-derived from the base when stale."""

    _raw: Any = None
    _seen = -1
    _index_map: Any = None

    @property  # type: ignore[override]
    def _data(self) -> Any:
        if self._seen != self._vc[0]:  # type: ignore[index]
            self._raw = _derive(self)
            self._seen = self._vc[0]  # type: ignore[index]
        return self._raw

    @_data.setter
    def _data(self, value: Any) -> None:
        self._raw = value
        self._seen = self._vc[0] if self._vc is not None else 0


def _derive(view: LazyView) -> Any:
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        view_fn, base = view._view_fn, view._base
        # a LazyView is only ever made by new_view, which sets both
        assert view_fn is not None and base is not None
        return view_fn(base)._data
    finally:
        GRAD.enabled = prev


def new_view(x: Tensor, data: Any, base: Tensor, view_fn: Any, vc: list[int]) -> LazyView:
    """A lazily re-derived view of ``base`` whose current array is ``data``."""
    r = object.__new__(LazyView)
    r.dtype = x.dtype
    r._device = x._device
    r._base = base
    r._view_fn = view_fn
    r._vc = vc
    r._raw = data
    r._seen = vc[0]
    return r


def relayout(t: Tensor) -> None:
    """Forget the base positions cached for the view ``t``, whose ``_view_fn`` an in-place view op
    (``t_``, ``squeeze_``, ...) has just replaced."""
    if isinstance(t, LazyView):
        t._index_map = None


def write(t: Tensor, data: Any) -> None:
    """Replace ``t``'s values functionally; through its base when ``t`` is a view."""
    be = t._device._be
    shape = t._data.shape
    if getattr(data, "shape", None) != shape or str(getattr(data, "dtype", "")) != t.dtype.name:
        data = be.astype(be.broadcast_to(data, shape), t.dtype)
    base = t._base
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    if base is None:
        t._data = data
        vc[0] += 1
        return
    if t._view_fn is identity_view:
        base._data = data
    else:
        _scatter(base, _positions(t), data)
    vc[0] += 1
    t._data = data


def write_region(t: Tensor, key: Any, data: Any) -> None:
    """``t[key] = data`` for a view whose elements may share base positions (``expand``): only the positions
    of the written region are scattered, so each base element gets one value, and ``t`` re-derives."""
    be = t._device._be
    base, vc = t._base, t._vc
    assert base is not None and vc is not None  # only views overlap
    region = be.getitem(_positions(t), key)
    if not hasattr(data, "shape"):
        data = be.full((), data, t.dtype, t._device.index)
    _scatter(base, region, be.astype(be.broadcast_to(data, region.shape), t.dtype))
    vc[0] += 1


def _positions(t: Tensor) -> Any:
    """For every element of the view ``t``, the flat position in its base it aliases (cached on the view)."""
    idx = t._index_map if isinstance(t, LazyView) else None
    if idx is None:
        assert t._base is not None
        idx = _index_map(t._base, t._view_fn)
        if isinstance(t, LazyView):
            t._index_map = idx
    return idx


def _scatter(base: Tensor, positions: Any, data: Any) -> None:
    """Write ``data`` at the flat ``positions`` of ``base``'s array (functionally: a new array)."""
    be = base._device._be
    flat = be.reshape(base._data, (-1,))
    new = be.index_put(flat, (be.reshape(positions, (-1,)),), be.reshape(data, (-1,)))
    base._data = be.reshape(new, base._data.shape)


def _index_map(base: Tensor, view_fn: Any) -> Any:
    from .creation import arange

    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        positions = arange(base.numel(), device=base.device).reshape(base._data.shape)
        return view_fn(positions)._data
    finally:
        GRAD.enabled = prev


def view_strides(t: Tensor) -> tuple[int, ...] | None:
    """The strides (in elements) ``t`` would have on a strided backend, or None for a non-view.

    Immutable arrays have no memory layout, yet PyTorch programs observe one: ``stride()``,
    ``is_contiguous()`` and ``view()`` refusing a transposed tensor. Replaying the view's
    ``_view_fn`` on a NumPy probe of the base's shape (one byte per element, never read: view
    ops only compute metadata, and ``np.empty`` leaves untouched pages unallocated) gives exactly
    the strides NumPy, and so the CPU backend, would have.
    """
    base, view_fn = t._base, t._view_fn
    if base is None or view_fn is None or view_fn is identity_view:
        return None
    import numpy as np

    from .. import dtypes as _dt
    from ..tensor import _wrap
    from ._dispatch import canon_device

    probe = _wrap(np.empty(base._data.shape, np.uint8), _dt.uint8, canon_device("cpu"))
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        return tuple(view_fn(probe)._data.strides)
    finally:
        GRAD.enabled = prev
