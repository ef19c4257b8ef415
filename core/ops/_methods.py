# mypy: disable-error-code="method-assign"
# (this module assigns methods onto Tensor on purpose: that is how Tensor gets its ops)
"""Bind the ops as ``Tensor`` methods and operators (``x.sum()``, ``x + y``, ``x.add_(y)``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from . import arrange as A
from . import creation
from . import elementwise as E
from . import indexing as I
from . import linalg as L
from . import random as R
from . import reduction as Rd
from . import shape as S
from . import sorting as So
from . import unary as U
from ._dispatch import canon_device, check_inplace, needs_grad, write
from .complex import bind_methods as _bind_complex


def _swap(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def reflected(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    reflected.__name__ = f"r{fn.__name__}"
    return reflected


def _inplace_method(fn: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return E.inplace(fn, self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"In-place version of ``{fn.__name__}``."
    return method


def _binop(fn: Callable[..., Tensor]) -> Callable[..., Any]:
    def op(self: Tensor, other: Any) -> Any:
        if not isinstance(other, (Tensor, int, float, bool, complex)):
            try:
                import numpy as np

                if isinstance(other, np.generic):
                    other = other.item()
                else:
                    return NotImplemented
            except ImportError:  # pragma: no cover
                return NotImplemented
        return fn(self, other)

    op.__name__ = fn.__name__
    return op


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Move and/or cast: ``to(device)``, ``to(dtype)``, ``to(other)``, ``to(device, dtype)``, ``copy=``."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, _dt.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, bool):
            continue
        elif a is not None:
            device = a
    dev = canon_device(device) if device is not None else self._device
    dt = dtype or self.dtype
    if dev is self._device and dt is self.dtype and not copy:
        return self
    return _ToCopy.apply_to(self, dev, dt)


def _real_part(x: Tensor) -> Tensor:
    from .complex import real

    return real(x)


class _ToCopy:
    @staticmethod
    def apply_to(x: Tensor, dev: Any, dt: _dt.dtype) -> Tensor:
        from ..autograd.graph import Node
        from ..tensor import _wrap
        from ._dispatch import check_dtype, needs_grad, record

        check_dtype(dev._be, dt)
        src_be = x._device._be
        if x.dtype.is_complex and not dt.is_complex:
            import warnings

            warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=3)
            x = _real_part(x)
        if dev is x._device:
            data = src_be.astype(x._data, dt) if dt is not x.dtype else src_be.copy(x._data)
            if data is x._data:
                data = src_be.copy(data)
        else:
            host = src_be.to_host(x._data)
            data = dev._be.from_host(host.copy() if dev.type == "cpu" else host, dev.index)
            if dt is not x.dtype:
                data = dev._be.astype(data, dt)
        r = _wrap(data, dt, dev)
        if needs_grad(x) and dt._category >= 2:
            class ToCopyBackward0(Node):
                def backward(self, g: Tensor) -> Tensor:
                    if g.dtype.is_complex and not x_dt.is_complex:
                        g = g.real  # type: ignore[attr-defined]
                    return g.to(x_dev, x_dt)

            x_dev, x_dt = x._device, x.dtype
            record(r, ToCopyBackward0(), x)
        return r


def _cast(dt: _dt.dtype, name: str) -> Callable[..., Tensor]:
    def method(self: Tensor, memory_format: Any = None) -> Tensor:
        return to(self, dt)

    method.__name__ = name
    method.__doc__ = f"``self.to({dt!r})``."
    return method


def cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """A copy on the CPU (``self`` if already there)."""
    return to(self, "cpu")


def cuda(self: Tensor, device: Any = None, non_blocking: bool = False) -> Tensor:
    """A copy on a CUDA device."""
    return to(self, "cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """``self.to(other.dtype)``."""
    return to(self, other.dtype)


def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values (broadcast, cast, moved) into ``self``."""
    if not isinstance(src, Tensor):
        src = creation.tensor(src)
    check_inplace(self)
    if not needs_grad(self, src):
        v = to(src, self.device, self.dtype)
        E._check_inplace_result(self, v)
        write(self, v._data)
        return self

    def copy_fn(x: Tensor, s: Tensor) -> Tensor:
        # where(True, s, x): the value of s, gradient to s and none to x (no inf*0 = nan)
        return E.where(creation.ones(x.shape, dtype=_dt.bool, device=x.device), to(s, x.device, x.dtype), x)

    return E.inplace(copy_fn, self, src)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill ``self`` with ``value``."""
    v = value.item() if isinstance(value, Tensor) else value
    # NOTE: PyTorch fills an expanded view (every shared location gets the same value), unlike other in-place ops
    return E.inplace(_filled, self, v, _overlap_ok=True)


def _filled(x: Tensor, val: Any) -> Tensor:
    full = creation.full_like(x, val)
    if not needs_grad(x):
        return full
    # where(True, full, x) keeps x in the graph with a zero gradient (PyTorch's FillBackward)
    # without `x * 0`, which would turn inf/NaN in x into NaN in the result
    return E.where(creation.ones_like(x, dtype=_dt.bool), full, x)


def zero_(self: Tensor) -> Tensor:
    """Fill ``self`` with zeros."""
    return fill_(self, 0)


def _unsupported_setter(name: str) -> Any:
    raise AttributeError(name)


def _invert(self: Tensor) -> Tensor:
    if self.dtype is _dt.bool:
        return U.logical_not(self)
    if self.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return U.bitwise_not(self)


def _bind() -> None:
    T = Tensor
    # operators
    # NOTE: the arithmetic dunders are the ops themselves (no wrapper call) for per-op speed
    T.__add__ = E.add
    T.__radd__ = _binop(_swap(E.add))
    T.__sub__ = E.sub
    T.__rsub__ = _binop(_swap(E.sub))
    T.__mul__ = E.mul
    T.__rmul__ = _binop(_swap(E.mul))
    T.__truediv__ = E.div
    T.__rtruediv__ = _binop(_swap(E.div))
    T.__floordiv__ = _binop(E.floor_divide)
    T.__rfloordiv__ = _binop(_swap(E.floor_divide))
    T.__mod__ = _binop(E.remainder)
    T.__rmod__ = _binop(_swap(E.remainder))
    T.__pow__ = _binop(E.pow)
    T.__rpow__ = _binop(_swap(E.pow))
    T.__matmul__ = L.matmul
    T.__rmatmul__ = _swap(L.matmul)
    T.__neg__ = U.neg
    T.__pos__ = lambda self: self
    T.__abs__ = U.abs
    T.__invert__ = _invert
    T.__eq__ = _binop(E.eq)
    T.__ne__ = _binop(E.ne)
    T.__lt__ = _binop(E.lt)
    T.__le__ = _binop(E.le)
    T.__gt__ = _binop(E.gt)
    T.__ge__ = _binop(E.ge)
    T.__and__ = _binop(E.bitwise_and)
    T.__rand__ = _binop(_swap(E.bitwise_and))
    T.__or__ = _binop(E.bitwise_or)
    T.__ror__ = _binop(_swap(E.bitwise_or))
    T.__xor__ = _binop(E.bitwise_xor)
    T.__rxor__ = _binop(_swap(E.bitwise_xor))
    T.__getitem__ = I.getitem
    T.__setitem__ = I.setitem
    T.__iadd__ = _inplace_method(E.add, "__iadd__")
    T.__isub__ = _inplace_method(E.sub, "__isub__")
    T.__imul__ = _inplace_method(E.mul, "__imul__")
    T.__itruediv__ = _inplace_method(E.div, "__itruediv__")
    T.__ifloordiv__ = _inplace_method(E.floor_divide, "__ifloordiv__")
    T.__imod__ = _inplace_method(E.remainder, "__imod__")
    T.__ipow__ = _inplace_method(E.pow, "__ipow__")
    T.__iand__ = _inplace_method(E.bitwise_and, "__iand__")
    T.__ior__ = _inplace_method(E.bitwise_or, "__ior__")
    T.__ixor__ = _inplace_method(E.bitwise_xor, "__ixor__")

    methods = {
        # elementwise
        "add": E.add, "sub": E.sub, "subtract": E.sub, "mul": E.mul, "multiply": E.mul, "div": E.div,
        "divide": E.div, "true_divide": E.true_divide, "floor_divide": E.floor_divide, "remainder": E.remainder,
        "fmod": E.fmod, "pow": E.pow, "float_power": E.float_power, "maximum": E.maximum, "minimum": E.minimum,
        "atan2": E.atan2, "arctan2": E.atan2, "eq": E.eq, "ne": E.ne, "lt": E.lt, "le": E.le, "gt": E.gt, "ge": E.ge,
        "greater": E.gt, "greater_equal": E.ge, "less": E.lt, "less_equal": E.le, "not_equal": E.ne,
        "logical_and": E.logical_and, "logical_or": E.logical_or, "logical_xor": E.logical_xor,
        "logical_not": U.logical_not, "bitwise_and": E.bitwise_and, "bitwise_or": E.bitwise_or,
        "bitwise_xor": E.bitwise_xor, "bitwise_not": U.bitwise_not,
        "neg": U.neg, "negative": U.neg, "abs": U.abs, "absolute": U.abs, "exp": U.exp, "log": U.log, "log2": U.log2,
        "log10": U.log10, "log1p": U.log1p, "expm1": U.expm1, "sqrt": U.sqrt, "rsqrt": U.rsqrt, "sin": U.sin,
        "cos": U.cos, "tan": U.tan, "asin": U.asin, "acos": U.acos, "atan": U.atan, "arcsin": U.asin,
        "arccos": U.acos, "arctan": U.atan, "sinh": U.sinh, "cosh": U.cosh, "tanh": U.tanh,
        "sigmoid": U.sigmoid, "relu": U.relu, "erf": U.erf, "floor": U.floor, "ceil": U.ceil, "round": U.round,
        "trunc": U.trunc, "fix": U.trunc, "sign": U.sign, "reciprocal": U.reciprocal, "square": U.square,
        "clamp": E.clamp, "clip": E.clamp, "clamp_min": E.clamp_min, "clamp_max": E.clamp_max, "lerp": E.lerp,
        "addcmul": E.addcmul, "addcdiv": E.addcdiv, "isnan": U.isnan, "isinf": U.isinf, "isfinite": U.isfinite,
        "isclose": E.isclose, "allclose": E.allclose, "equal": E.equal,
        "where": lambda self, condition, other: E.where(condition, self, other),
        # reductions
        "sum": Rd.sum, "nansum": Rd.nansum, "mean": Rd.mean, "nanmean": Rd.nanmean, "prod": Rd.prod, "max": Rd.max,
        "min": Rd.min, "amax": Rd.amax, "amin": Rd.amin, "aminmax": Rd.aminmax, "argmax": Rd.argmax,
        "argmin": Rd.argmin, "var": Rd.var, "std": Rd.std, "norm": Rd.norm, "logsumexp": Rd.logsumexp,
        "cumsum": Rd.cumsum, "cumprod": Rd.cumprod, "all": Rd.all, "any": Rd.any,
        "count_nonzero": Rd.count_nonzero, "sort": So.sort, "argsort": So.argsort, "msort": So.msort,
        "topk": So.topk, "kthvalue": So.kthvalue, "median": So.median, "unique": So.unique, "bincount": So.bincount,
        # shape
        "view": S.view, "view_as": S.view_as, "reshape": S.reshape, "reshape_as": S.reshape_as,
        "flatten": S.flatten, "unflatten": S.unflatten, "squeeze": S.squeeze, "unsqueeze": S.unsqueeze,
        "t": S.t, "transpose": S.transpose, "swapaxes": S.transpose, "swapdims": S.transpose, "permute": S.permute,
        "movedim": S.movedim, "moveaxis": S.movedim, "expand": S.expand, "expand_as": S.expand_as,
        "broadcast_to": S.broadcast_to, "narrow": S.narrow, "select": S.select, "split": S.split, "chunk": S.chunk,
        "tensor_split": S.tensor_split, "unbind": S.unbind, "clone": S.clone, "contiguous": S.contiguous,
        "is_contiguous": S.is_contiguous, "stride": S.stride, "flip": A.flip, "fliplr": A.fliplr,
        "flipud": A.flipud, "roll": A.roll, "tril": A.tril, "triu": A.triu, "diag": A.diag,
        "diagonal": S.diagonal, "diag_embed": A.diag_embed, "repeat": A.repeat, "tile": A.tile,
        "repeat_interleave": A.repeat_interleave,
        # indexing
        "gather": I.gather, "scatter": I.scatter, "scatter_add": I.scatter_add, "index_select": I.index_select,
        "index_add": I.index_add, "masked_fill": I.masked_fill, "masked_select": I.masked_select,
        "nonzero": I.nonzero, "argwhere": I.argwhere, "take": I.take, "take_along_dim": I.take_along_dim,
        # linalg
        "matmul": L.matmul, "mm": L.mm, "bmm": L.bmm, "mv": L.mv, "dot": L.dot, "inner": L.inner, "outer": L.outer,
        "ger": L.outer,
        # conversion / creation
        "to": to, "cpu": cpu, "cuda": cuda, "type_as": type_as, "copy_": copy_, "fill_": fill_, "zero_": zero_,
        "new_tensor": creation.new_tensor, "new_zeros": creation.new_zeros, "new_ones": creation.new_ones,
        "new_empty": creation.new_empty, "new_full": creation.new_full,
        "bernoulli": R.bernoulli, "uniform_": R.uniform_, "normal_": R.normal_, "bernoulli_": R.bernoulli_,
        "random_": R.random_, "exponential_": R.exponential_, "multinomial": R.multinomial,
    }
    casts = {"float": _dt.float32, "double": _dt.float64, "half": _dt.float16, "bfloat16": _dt.bfloat16,
             "long": _dt.int64, "int": _dt.int32, "short": _dt.int16, "char": _dt.int8, "byte": _dt.uint8,
             "bool": _dt.bool}
    for name, dt in casts.items():
        methods[name] = _cast(dt, name)
    for name, fn in methods.items():
        setattr(T, name, fn)
    # in-place variants
    inplace_of: dict[str, Callable[..., Tensor]] = {
        "add_": E.add, "sub_": E.sub, "subtract_": E.sub, "mul_": E.mul, "multiply_": E.mul, "div_": E.div,
        "divide_": E.div, "true_divide_": E.div, "floor_divide_": E.floor_divide, "remainder_": E.remainder,
        "fmod_": E.fmod, "pow_": E.pow, "neg_": U.neg, "negative_": U.neg, "abs_": U.abs, "exp_": U.exp,
        "log_": U.log, "log2_": U.log2, "log10_": U.log10, "log1p_": U.log1p, "expm1_": U.expm1, "sqrt_": U.sqrt,
        "rsqrt_": U.rsqrt, "sin_": U.sin, "cos_": U.cos, "tan_": U.tan, "asin_": U.asin, "acos_": U.acos,
        "atan_": U.atan, "sinh_": U.sinh, "cosh_": U.cosh, "tanh_": U.tanh, "sigmoid_": U.sigmoid,
        "relu_": U.relu, "erf_": U.erf, "floor_": U.floor, "ceil_": U.ceil, "round_": U.round, "trunc_": U.trunc,
        "sign_": U.sign, "reciprocal_": U.reciprocal, "square_": U.square, "clamp_": E.clamp, "clip_": E.clamp,
        "clamp_min_": E.clamp_min, "clamp_max_": E.clamp_max, "lerp_": E.lerp, "addcmul_": E.addcmul,
        "addcdiv_": E.addcdiv, "maximum_": E.maximum, "minimum_": E.minimum, "atan2_": E.atan2,
        "masked_fill_": I.masked_fill, "scatter_": I.scatter, "scatter_add_": I.scatter_add,
        "index_add_": I.index_add, "tril_": A.tril, "triu_": A.triu, "logical_not_": U.logical_not,
        "logical_and_": E.logical_and, "logical_or_": E.logical_or, "eq_": E.eq, "ne_": E.ne, "lt_": E.lt,
        "le_": E.le, "gt_": E.gt, "ge_": E.ge,
    }
    for name, fn in inplace_of.items():
        setattr(T, name, _inplace_method(fn, name))
    T.T = property(S.T, doc="All dims reversed.")  # type: ignore[attr-defined]
    T.mT = property(S.mT, doc="The last two dims swapped.")  # type: ignore[attr-defined]
    T.H = T.T  # type: ignore[attr-defined]
    T.mH = T.mT  # type: ignore[attr-defined]
    T.softmax = softmax  # type: ignore[attr-defined]
    T.log_softmax = log_softmax  # type: ignore[attr-defined]


def softmax(input: Tensor, dim: int, dtype: _dt.dtype | None = None) -> Tensor:
    """``ember.softmax(input, dim, dtype=None)``: softmax over ``dim`` (``nn.functional.softmax``)."""
    from ..nn._functional.activation import softmax as f

    return f(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype: _dt.dtype | None = None) -> Tensor:
    """``ember.log_softmax(input, dim, dtype=None)``: log of softmax over ``dim``, computed stably."""
    from ..nn._functional.activation import log_softmax as f

    return f(input, dim, dtype=dtype)



def _bind_linalg() -> None:
    """Bind the linear-algebra methods (``x.det()``, ``x.svd()``, ``x.addmm(...)``) from ``ember.linalg``."""
    from ..linalg import _derived as LD
    from ..linalg import _torch_api as LT

    T: Any = Tensor
    for name in ("det", "logdet", "slogdet", "inverse", "cholesky", "cholesky_solve", "cholesky_inverse", "svd", "qr",
                 "pinverse", "triangular_solve", "cross", "addmm", "addmv", "addr", "baddbmm", "addbmm", "trace",
                 "kron", "orgqr", "lu"):
        setattr(T, name, getattr(LT, name))
    T.matrix_power = LD.matrix_power
    T.matrix_exp = LD.matrix_exp
    T.lu_solve = lambda self, LU_data, LU_pivots: LT.lu_solve(self, LU_data, LU_pivots)



def _bind_sparse() -> None:
    """Bind the layout queries and conversions (``x.is_sparse``, ``x.layout``, ``x.to_sparse()``)."""
    from ..sparse import _coo
    from ..sparse._layout import strided

    T: Any = Tensor
    T.is_sparse = False
    T.layout = strided
    T.to_sparse = _coo.to_sparse
    T.to_sparse_coo = _coo.to_sparse
    T.to_dense = _coo.to_dense


def _bind_assemble() -> None:
    """Bind the splitting and rotating methods of ``ops/assemble.py`` (``x.hsplit(2)``, ``x.rot90()``)."""
    from . import assemble as As

    T: Any = Tensor
    for name in ("hsplit", "vsplit", "dsplit", "ravel", "rot90", "diagflat", "split_with_sizes"):
        setattr(T, name, getattr(As, name))
    T.unsafe_chunk = T.chunk
    T.unsafe_split = T.split
    T.unsafe_split_with_sizes = As.split_with_sizes


def _bind_pointwise_extra() -> None:
    """Bind ``ops/pointwise_extra.py`` (``x.acosh()``, ``x.copysign_(y)``, ``x << 2``, ``x.fix_()``, ...)."""
    from . import pointwise_extra as P

    T: Any = Tensor
    for name, fn in P.METHODS.items():
        setattr(T, name, fn)
    for name, fn in P.INPLACE.items():
        setattr(T, name, _inplace_method(fn, name))
    T.__lshift__ = _binop(P.bitwise_left_shift)
    T.__rlshift__ = _binop(_swap(P.bitwise_left_shift))
    T.__rshift__ = _binop(P.bitwise_right_shift)
    T.__rrshift__ = _binop(_swap(P.bitwise_right_shift))
    T.__ilshift__ = _inplace_method(P.bitwise_left_shift, "__ilshift__")
    T.__irshift__ = _inplace_method(P.bitwise_right_shift, "__irshift__")
    T.cdouble = _cast(_dt.complex128, "cdouble")
    T.cfloat = _cast(_dt.complex64, "cfloat")


def _bind_scan() -> None:
    """Bind ``ops/scan.py``, ``search.py``, ``stats.py`` (``x.cummax(0)``, ``x.histc()``, ``x.quantile(q)``, ...)."""
    from . import scan as Sc
    from . import search as Se
    from . import stats as St

    T: Any = Tensor
    for mod in (Sc, Se, St):
        for name, fn in mod.METHODS.items():
            setattr(T, name, fn)
    T.renorm_ = _inplace_method(St.renorm, "renorm_")


def _bind_index_extra() -> None:
    """Bind ``ops/index_extra.py`` (``x.index_fill_(...)``, ``x.scatter_reduce(...)``, ``x.unfold(...)``, ...)."""
    from . import index_extra as Ix
    from . import storage_ops as So

    T: Any = Tensor
    for name, fn in {**Ix.METHODS, **So.METHODS}.items():
        setattr(T, name, fn)
    for name, fn in Ix.INPLACE.items():
        setattr(T, name, _inplace_method(fn, name))


def _bind_misc_toplevel() -> None:
    """Bind ``ops/misc_toplevel.py`` (``x.get_device()``, ``x.cauchy_()``, ...) and the ``is_*`` queries."""
    from .. import _runtime as Rt
    from . import misc_toplevel as Mt

    T: Any = Tensor
    for name, fn in Mt.METHODS.items():
        setattr(T, name, fn)
    for name in ("is_inference", "is_nonzero", "is_same_size", "is_signed"):
        setattr(T, name, getattr(Rt, name))
    Mt._bind_extras(T)


_bind()
from . import legacy as _legacy  # noqa: E402 - after _bind: its methods are the dense-tensor fallbacks

_legacy.bind()
from . import spectral as _spectral  # noqa: E402

_spectral.bind()
_bind_assemble()
_bind_complex()
_bind_linalg()
_bind_sparse()
_bind_pointwise_extra()
_bind_scan()
_bind_index_extra()
_bind_misc_toplevel()
