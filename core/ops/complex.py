"""Complex numbers: real/imag parts, conjugation, polar form, real views of complex tensors, with their backward.

Gradients follow PyTorch's convention: the gradient of a real loss ``L`` with respect to a complex ``z = x + iy``
is ``dL/dx + i dL/dy`` (the conjugate Wirtinger derivative, times two), so a holomorphic ``f`` passes back
``g * conj(f'(z))``. ember has no lazy conjugate bit: ``conj()`` computes the conjugate at once (it is a new
tensor, not a view), so ``is_conj()`` is always False and ``resolve_conj()`` returns its input.
"""

from __future__ import annotations

import builtins
from typing import Any

from .. import dtypes as _dt
from ..autograd.grad_mode import GRAD
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap
from ._dispatch import record, type_name


def refuse_complex(t: Tensor, message: str) -> None:
    """Raise PyTorch's NotImplementedError (a RuntimeError) for an op PyTorch does not define on complex
    tensors; ``message`` may hold ``{}`` for the dtype's scalar-type name (``ComplexFloat``)."""
    if t.dtype.is_complex:
        raise NotImplementedError(message.format(type_name(t.dtype)))


def _conj_value(v: Any) -> Any:
    """The conjugate of a tensor or Python number (real ones unchanged, without a copy)."""
    if isinstance(v, Tensor):
        return conj_physical(v) if v.dtype.is_complex else v
    return v.conjugate() if isinstance(v, builtins.complex) else v


# ---------------------------------------------------------------------------------------------
# real / imag


def _part_view(x: Tensor, prim: str) -> Tensor:
    be = x._device._be
    dt = x.dtype.to_real()
    if be.mutable and getattr(be, "complex_views", False):
        # NOTE: NumPy's a.real / a.imag of a complex array are views, so writes reach the complex tensor
        from .shape import make_view

        r = make_view(x, getattr(be, prim + "_view")(x._data), lambda b: getattr(b, prim), None)
        r.dtype = dt
    else:
        r = _wrap(getattr(be, prim)(x._data), dt, x._device)
    if x._rg and GRAD.enabled:
        record(r, RealBackward0() if prim == "real" else ImagBackward0(), x)
    return r


class RealBackward0(Node):
    def backward(self, g: Tensor) -> Tensor:
        return complex(g, g * 0)


class ImagBackward0(Node):
    def backward(self, g: Tensor) -> Tensor:
        return complex(g * 0, g)


def real(input: Tensor) -> Tensor:
    """The real part of a complex tensor (a view on NumPy/CuPy); a real tensor is returned as it is."""
    if not input.dtype.is_complex:
        return input
    return _part_view(input, "real")


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor (a view on NumPy/CuPy); raises for real tensors, as PyTorch."""
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _part_view(input, "imag")


# ---------------------------------------------------------------------------------------------
# conj


class ConjPhysicalBackward0(Node):
    def backward(self, g: Tensor) -> Tensor:
        return conj_physical(g)


def conj_physical(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise complex conjugate, computed now (a copy); real tensors are returned as they are."""
    if not input.dtype.is_complex:
        r = input
    else:
        r = _wrap(input._device._be.conj(input._data), input.dtype, input._device)
        if input._rg and GRAD.enabled:
            record(r, ConjPhysicalBackward0(), input)
    if out is not None:
        from ._dispatch import handle_out

        return handle_out(r, out)
    return r


def conj_physical_(input: Tensor) -> Tensor:
    """In-place ``conj_physical``; a real tensor is left untouched (nothing is written, so an expanded one is
    fine, as in PyTorch)."""
    if not input.dtype.is_complex:
        return input
    from .elementwise import inplace

    return inplace(conj_physical, input)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate; ember has no lazy conjugate bit, so this is ``conj_physical`` (a new tensor)."""
    return conj_physical(input)


def resolve_conj(input: Tensor) -> Tensor:
    """``input`` itself: ember never sets a lazy conjugate bit, so there is nothing to resolve."""
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """``input`` itself: ember has no lazy negation bit."""
    return input


def is_conj(input: Tensor) -> builtins.bool:
    """Always False: ember computes conjugates eagerly and has no conjugate bit."""
    return False


# ---------------------------------------------------------------------------------------------
# abs / angle / sgn


class AbsBackward0(Node):
    def __init__(self, x: Tensor, y: Tensor):
        self.save(x, y)

    def backward(self, g: Tensor) -> Tensor:
        x, y = self.saved_tensors
        assert x is not None and y is not None
        return g * _sgn_from(x, y)


def _sgn_from(x: Tensor, r: Tensor) -> Tensor:
    """``x / |x|`` with 0 where ``x == 0`` (``r`` is ``|x|``)."""
    from .elementwise import where

    zero = r == 0
    return where(zero, 0.0, x / where(zero, 1.0, r))


def complex_abs(input: Tensor) -> Tensor:
    """``|z|`` of a complex tensor, as a real tensor; its gradient is ``g * z / |z|`` (0 at 0)."""
    dt = input.dtype.to_real()
    be = input._device._be
    r = _wrap(be.astype(be.abs(input._data), dt), dt, input._device)
    if input._rg and GRAD.enabled:
        record(r, AbsBackward0(input.detach(), r.detach()), input)
    return r


def sgn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``z / |z|`` for complex tensors (0 at 0), ``sign`` for real ones."""
    from ._dispatch import handle_out

    if not input.dtype.is_complex:
        return handle_out(input.sign(), out)  # type: ignore[attr-defined]
    return handle_out(_sgn_from(input, input.abs()), out)  # type: ignore[attr-defined]


class AngleBackward0(Node):
    def __init__(self, x: Tensor):
        self.save(x)

    def backward(self, g: Tensor) -> Tensor:
        (x,) = self.saved_tensors
        assert x is not None
        from .elementwise import where

        if not x.dtype.is_complex:
            from .creation import zeros_like

            return zeros_like(x)  # 0 or pi: locally constant
        r2 = real(x) ** 2 + imag(x) ** 2
        return where(r2 == 0, 0.0, g * x * 1j / where(r2 == 0, 1.0, r2))


def angle(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The argument (phase) of each element in radians; for real tensors 0 or pi (NaN stays NaN)."""
    from ._dispatch import handle_out

    if input.dtype.is_complex:
        x, y = real(input).detach(), imag(input).detach()
        from .elementwise import atan2

        r = atan2(y, x)
        if input._rg and GRAD.enabled:
            record(r, AngleBackward0(input.detach()), input)
        return handle_out(r, out) if out is not None else r
    from .creation import zeros_like
    from .elementwise import where

    x = input if input.dtype._category >= 2 else input.to(_dt.get_default_dtype())
    with _no_grad():
        r = where(x < 0, 3.141592653589793, zeros_like(x))  # zeros_like, not x * 0: inf * 0 is NaN
        r = where(x.isnan(), x, r)  # type: ignore[attr-defined]
    if input._rg and GRAD.enabled:
        # piecewise constant: an output of input with a zero gradient, as PyTorch's AngleBackward0 gives
        record(r, AngleBackward0(input.detach()), input)
    return handle_out(r, out) if out is not None else r


class _no_grad:
    def __enter__(self) -> None:
        self.prev = GRAD.enabled
        GRAD.enabled = False

    def __exit__(self, *exc: object) -> None:
        GRAD.enabled = self.prev


# ---------------------------------------------------------------------------------------------
# building complex tensors


class ComplexBackward0(Node):
    def __init__(self, real_shape: tuple[int, ...], imag_shape: tuple[int, ...]):
        self.shapes = real_shape, imag_shape

    def backward(self, g: Tensor) -> tuple[Any, Any]:
        from ._dispatch import sum_to

        # the parts broadcast in the forward: sum their gradients back to each part's shape
        gr = sum_to(real(g), self.shapes[0]) if self.needs_input_grad(0) else None
        gi = sum_to(imag(g), self.shapes[1]) if len(self.next_functions) > 1 and self.needs_input_grad(1) else None
        return gr, gi


_REAL_NAMES = "Half, Float or Double"


def complex(real: Tensor, imag: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A001
    """The complex tensor ``real + i * imag`` (both float16, float32 or float64 of the same dtype)."""
    from ._dispatch import common_device, handle_out, to_device_data

    for t in (real, imag):
        if not isinstance(t, Tensor):
            raise TypeError(f"complex(): argument 'real' and 'imag' must be Tensor, not {type(t).__name__}")
    if not (real.dtype.is_floating_point and imag.dtype.is_floating_point) or _dt.bfloat16 in (real.dtype, imag.dtype):
        raise RuntimeError(f"Expected both inputs to be {_REAL_NAMES} tensors but got {type_name(real.dtype)} and "
                           f"{type_name(imag.dtype)}")
    if real.dtype is not imag.dtype:
        raise RuntimeError(f"Expected object of scalar type {type_name(real.dtype)} but got scalar type "
                           f"{type_name(imag.dtype)} for second argument")
    dev = common_device(real, imag)
    be = dev._be
    dt = real.dtype.to_complex()
    a, b = to_device_data(real, dev), to_device_data(imag, dev)
    shape = _broadcast_shape(a.shape, b.shape)
    a, b = be.broadcast_to(a, shape), be.broadcast_to(b, shape)
    k = getattr(be, "make_complex", None)
    if k is not None:
        data = k(a, b, dt)
    else:
        # the standard has no constructor from parts, and real + 1j * imag turns an infinite imag into a NaN real
        # part (inf * 0): set the parts on the host instead (a copy each way)
        import numpy as np

        host = np.empty(shape, dtype=np.complex64 if dt is _dt.complex64 else np.complex128)
        host.real, host.imag = be.to_host(a), be.to_host(b)
        data = be.from_host(host, dev.index)
    r = _wrap(data, dt, dev)
    if (real._rg or imag._rg) and GRAD.enabled:
        record(r, ComplexBackward0(real._data.shape, imag._data.shape), real, imag)
    return handle_out(r, out) if out is not None else r


def _broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton "
                               f"dimension {i}")
        out.append(x if y == 1 else y)
    return tuple(out)


def polar(abs: Tensor, angle: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The complex tensor ``abs * (cos(angle) + i sin(angle))`` (both float32 or float64 of the same dtype)."""
    from ._dispatch import handle_out

    for t in (abs, angle):
        if not isinstance(t, Tensor):
            raise TypeError(f"polar(): argument 'abs' and 'angle' must be Tensor, not {type(t).__name__}")
    if not (abs.dtype.is_floating_point and angle.dtype.is_floating_point) or _dt.bfloat16 in (abs.dtype, angle.dtype):
        raise RuntimeError(f"Expected both inputs to be {_REAL_NAMES} tensors but got {type_name(abs.dtype)} and "
                           f"{type_name(angle.dtype)}")
    if abs.dtype is not angle.dtype:
        raise RuntimeError(f"Expected object of scalar type {type_name(abs.dtype)} but got scalar type "
                           f"{type_name(angle.dtype)} for second argument")
    if abs.dtype is _dt.float16:
        raise NotImplementedError('"polar_cpu" not implemented for \'Half\'')
    r = complex(abs * angle.cos(), abs * angle.sin())  # type: ignore[attr-defined]
    return handle_out(r, out) if out is not None else r


# ---------------------------------------------------------------------------------------------
# real views of complex tensors


class ViewAsRealBackward0(Node):
    def backward(self, g: Tensor) -> Tensor:
        return complex(g[..., 0], g[..., 1])


class ViewAsComplexBackward0(Node):
    def backward(self, g: Tensor) -> Tensor:
        return view_as_real(g)


def view_as_real(input: Tensor) -> Tensor:
    """A real tensor of shape ``(*input.shape, 2)`` holding the real and imaginary parts: a view on
    NumPy/CuPy (writes reach ``input``), a copy on backends with immutable arrays (JAX)."""
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    be = input._device._be
    dt = input.dtype.to_real()
    if be.mutable and getattr(be, "complex_views", False):
        from ._dispatch import materialize
        from .shape import make_view

        r = make_view(input, be.view_as_real(materialize(input)), view_as_real, None)
        r.dtype = dt
    else:
        r = _wrap(be.stack([be.real(input._data), be.imag(input._data)], axis=-1), dt, input._device)
    if input._rg and GRAD.enabled:
        record(r, ViewAsRealBackward0(), input)
    return r


def view_as_complex(input: Tensor) -> Tensor:
    """A complex tensor of shape ``input.shape[:-1]`` from a float tensor whose last dimension (size 2, stride 1)
    holds real and imaginary parts: a view on NumPy/CuPy, a copy on backends with immutable arrays (JAX)."""
    dt = input.dtype
    if not dt.is_floating_point or dt is _dt.bfloat16:
        raise RuntimeError(f"view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {type_name(dt)}")
    shape = input._data.shape
    if not shape:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    st = input.stride()  # type: ignore[attr-defined]
    if st[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in st[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    be = input._device._be
    cdt = dt.to_complex()
    if be.mutable and getattr(be, "complex_views", False):
        from ._dispatch import materialize
        from .shape import make_view

        r = make_view(input, be.view_as_complex(materialize(input)), view_as_complex, None)
        r.dtype = cdt
    else:
        r = complex(input[..., 0].detach(), input[..., 1].detach())
    if input._rg and GRAD.enabled:
        record(r, ViewAsComplexBackward0(), input)
    return r


def _set_part(self: Tensor, value: Any, part: str) -> None:
    """``x.real = v`` / ``x.imag = v``: through the part's view where the backend has one, else by rewriting
    ``x`` whole (so immutable backends, whose parts are copies, still see the write)."""
    if not self.dtype.is_complex:
        if part == "imag":
            imag(self)  # raises PyTorch's error
        self.copy_(value)  # type: ignore[attr-defined]
        return
    be = self._device._be
    if be.mutable and getattr(be, "complex_views", False):
        (real(self) if part == "real" else imag(self)).copy_(value)  # type: ignore[attr-defined]
        return
    from .creation import full

    rdt = self.dtype.to_real()
    if not isinstance(value, Tensor):
        value = full(self.shape, value, dtype=rdt, device=self.device)  # type: ignore[attr-defined]
    value = value.to(rdt).expand(self.shape)  # type: ignore[attr-defined]
    re_, im = (value, imag(self)) if part == "real" else (real(self), value)
    self.copy_(complex(re_, im))  # type: ignore[attr-defined]


def _set_real(self: Tensor, value: Any) -> None:
    _set_part(self, value, "real")


def _set_imag(self: Tensor, value: Any) -> None:
    _set_part(self, value, "imag")


def bind_methods() -> None:
    """Attach the complex ops to Tensor (``x.real``, ``x.conj()``, ...)."""
    T: Any = Tensor
    T.real = property(real, _set_real, doc="The real part (a view on NumPy/CuPy); a real tensor itself.")
    T.imag = property(imag, _set_imag, doc="The imaginary part (a view on NumPy/CuPy); complex tensors only.")
    for fn in (conj, conj_physical, resolve_conj, resolve_neg, is_conj, angle, sgn):
        setattr(T, fn.__name__, fn)
    # the adjoints conjugate complex tensors (for real ones conj is the identity, so these stay views)
    T.H = property(lambda x: conj(x.T), doc="The conjugate transpose of a matrix.")
    T.mH = property(lambda x: conj(x.mT), doc="The conjugate transpose of the last two dims.")
    T.adjoint = lambda x: conj(x.mT)
