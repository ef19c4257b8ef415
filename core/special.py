"""``ember.special``: PyTorch's ``torch.special`` (gamma family, error functions, Bessel functions, ...).

Every function is a composite of ember Tensor ops (the kernels live in ``ember._specfun``), so it runs
and differentiates on every backend. float16/bfloat16/float32 inputs are computed in float64 where the
backend has it and rounded back; integer and bool inputs give the default float dtype, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

from . import _specfun as _sf
from . import dtypes as _dt
from ._special_kernels import gammainc_kernel, kernel_call
from ._special_poly import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from .autograd.function import Function
from .backend import SPECIAL as _KERNELS
from .ops._dispatch import handle_out
from .ops.unary import silent
from .tensor import Tensor

__all__ = [
    "bessel_j0", "bessel_j1", "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
    "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "digamma", "entr", "erf",
    "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
    "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
    "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
    "modified_bessel_i1", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax",
    "spherical_bessel_j0", "xlog1py", "xlogy", "zeta",
]

_SQRT1_2 = math.sqrt(0.5)


def _arg(x: Any, fname: str, pos: int = 1, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")
    return x


def _up(x: Tensor) -> tuple[Tensor, _dt.dtype]:
    """``x`` in working precision (float64 where the backend has it) and the result dtype."""
    dt = x.dtype if x.dtype.is_floating_point else _dt.get_default_dtype()
    work = _dt.float64 if _sf.float64_ok(x) else dt
    return (x if x.dtype is work else x.to(work)), dt


@silent
def _unary(kernel: Any, x: Any, fname: str, out: Tensor | None) -> Tensor:
    if fname in _KERNELS:
        r = kernel_call(fname, _arg(x, fname))
        if r is not None:
            return handle_out(r, out)
    t, dt = _up(_arg(x, fname))
    r = kernel(t)
    return handle_out(r if r.dtype is dt else r.to(dt), out)


def _pair(x: Any, y: Any, fname: str) -> tuple[Tensor, Tensor, _dt.dtype]:
    """Two operands (tensors or numbers) promoted together, in working precision."""
    from .ops.creation import tensor as _tensor

    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        raise TypeError(f"{fname}(): expected at least one Tensor argument, got {type(x).__name__} and "
                        f"{type(y).__name__}")
    ref = x if isinstance(x, Tensor) else y
    assert isinstance(ref, Tensor)
    xt = x if isinstance(x, Tensor) else _tensor(x, device=ref.device)
    yt = y if isinstance(y, Tensor) else _tensor(y, device=ref.device)
    if isinstance(x, Tensor) and isinstance(y, Tensor):
        dt = _dt.promote_types(x.dtype, y.dtype)
    else:
        dt = ref.dtype
        other = y if ref is x else x
        if not dt.is_floating_point and isinstance(other, float):
            dt = _dt.get_default_dtype()
    if not dt.is_floating_point:
        dt = _dt.get_default_dtype()
    work = _dt.float64 if _sf.float64_ok(ref) else dt
    return xt.to(work), yt.to(work), dt


def _done(r: Tensor, dt: _dt.dtype, out: Tensor | None) -> Tensor:
    return handle_out(r if r.dtype is dt else r.to(dt), out)


# -- gamma family ------------------------------------------------------------------------------

def gammaln(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Natural log of the absolute value of the gamma function."""
    return _unary(_sf.lgamma, input, "special_gammaln", out)


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Logarithmic derivative of the gamma function, psi(x)."""
    return _unary(_sf.digamma, input, "special_digamma", out)


psi = digamma


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of the digamma function."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n == 0:
        return digamma(_arg(input, "special_polygamma", 2), out=out)
    t, dt = _up(_arg(input, "special_polygamma", 2))
    sign = -1.0 if n % 2 == 0 else 1.0
    from .ops.creation import full_like

    # NOTE: full_like, not t * 0.0 + (n + 1): that is NaN at x = +-inf, where zeta(n + 1, x) has its limit
    r = _sf.zeta(full_like(t, float(n + 1)), t) * (sign * math.factorial(n))
    if n == 1:
        from .ops.elementwise import where

        # PyTorch's trigamma kernel (n = 1) gives the limit 0 at +inf and NaN at -inf
        r = where(t == math.inf, 0.0, where(t == -math.inf, math.nan, r))
    return _done(r, dt, out)


def multigammaln(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """Multivariate log-gamma of dimension ``p``: sum_j lgamma(x - j/2) + p(p-1)/4 log(pi)."""
    from .ops.creation import arange

    x = _arg(input, "special_multigammaln")
    if not isinstance(p, int) or p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if x.dtype is _dt.bool:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    t, dt = _up(x)  # integers give the default float dtype, as in PyTorch
    j = arange(p, device=t.device, dtype=t.dtype) * 0.5
    r = _sf.lgamma(t.unsqueeze(-1) - j).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)
    return _done(r, dt, out)


class _IGamma(Function):
    """Regularized incomplete gamma; differentiable in ``x`` only, as in PyTorch."""

    @staticmethod
    def forward(ctx: Any, a: Tensor, x: Tensor, upper: bool) -> Tensor:
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        r = gammainc_kernel(a, x, upper)
        if r is not None:
            return r
        p, q = _sf.gammainc_pair(a, x)
        return q if upper else p

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{'igammac' if ctx.upper else 'igamma'}: input' is "
                                      "not implemented.")
        d = (-x + (a - 1.0) * x.log() - _sf.lgamma(a)).exp()
        return None, (-g * d if ctx.upper else g * d), None


def gammainc(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Regularized lower incomplete gamma function P(input, other)."""
    _igamma_float(input, other, "igamma_cpu")
    a, x, dt = _pair(input, other, "special_gammainc")
    from .ops.shape import broadcast_tensors

    a, x = broadcast_tensors(a, x)
    return _done(_igamma_edges(a, x, _IGamma.apply(a, x, False), False), dt, out)


def gammaincc(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Regularized upper incomplete gamma function Q(input, other)."""
    _igamma_float(input, other, "igammac_cpu")
    a, x, dt = _pair(input, other, "special_gammaincc")
    from .ops.shape import broadcast_tensors

    a, x = broadcast_tensors(a, x)
    return _done(_igamma_edges(a, x, _IGamma.apply(a, x, True), True), dt, out)


def _igamma_float(x: Any, y: Any, kernel: str) -> None:
    """PyTorch's incomplete gamma kernels take floating dtypes only (no integer promotion)."""
    from .ops._dispatch import type_name

    d = _dt.result_type(x, y)
    if not d.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(d)}'")


def _igamma_edges(a: Tensor, x: Tensor, r: Tensor, upper: bool) -> Tensor:
    """PyTorch's special cases, settled before the series and in this order (the last ``where`` wins): NaN for a
    negative argument; for a = 0, 1 (Q: 0) where x > 0, else NaN; 0 (Q: 1) at x = 0; for a = inf, NaN at x = inf,
    else 0 (Q: 1); 1 (Q: 0) at x = inf. So a NaN in the other argument gives the limit there: P(nan, 0) = 0."""
    from .ops.elementwise import where

    at0, atinf = (1.0, 0.0) if upper else (0.0, 1.0)
    r = where(x == math.inf, atinf, r)
    r = where(a == math.inf, where(x == math.inf, math.nan, at0), r)
    r = where(x == 0.0, at0, r)
    r = where(a == 0.0, where(x > 0.0, atinf, math.nan), r)
    return where((x < 0.0) | (a < 0.0), math.nan, r)


def zeta(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Hurwitz zeta function sum_k (k + other)^-input."""
    s, q, dt = _pair(input, other, "special_zeta")
    return _done(_sf.zeta(s, q), dt, out)


# -- error functions ---------------------------------------------------------------------------

def erf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Error function."""
    from .ops.unary import erf as _erf

    return _erf(_arg(input, "special_erf"), out=out)


def erfc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Complementary error function 1 - erf(x), accurate in the tail."""
    return _unary(_sf.erfc, input, "special_erfc", out)


def erfcx(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Scaled complementary error function exp(x^2) erfc(x)."""
    return _unary(_sf.erfcx, input, "special_erfcx", out)


def _erfinv(t: Tensor) -> Tensor:
    return _sf.erfinv_ac(t, 1.0 - t.abs())


def erfinv(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse error function on (-1, 1)."""
    return _unary(_erfinv, input, "special_erfinv", out)


def ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Standard normal CDF."""
    return _unary(lambda t: 0.5 * _sf.erfc(-t * _SQRT1_2), input, "special_ndtr", out)


def _ndtri(p: Tensor) -> Tensor:
    from .ops.elementwise import where

    lo = p < 0.5
    # NOTE: with c = 2 min(p, 1 - p) formed exactly, deep tails keep full precision (2p - 1 would round)
    c = where(lo, 2.0 * p, 2.0 * (1.0 - p))
    x = _sf.erfinv_ac(1.0 - c, c) * math.sqrt(2.0)
    x = where(lo, -x, x)
    return where((p < 0.0) | (p > 1.0), math.nan, x)


def ndtri(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse of the standard normal CDF."""
    return _unary(_ndtri, input, "special_ndtri", out)


def _log_ndtr(t: Tensor) -> Tensor:
    from .ops.elementwise import where

    lo = t < -1.0
    z = where(lo, -t, 1.0) * _SQRT1_2
    left = (_sf.erfcx(z) * 0.5).log() - z * z
    right = (-0.5 * _sf.erfc(where(lo, 0.0, t) * _SQRT1_2)).log1p()
    return where(lo, left, right)


def log_ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Log of the standard normal CDF, accurate for very negative inputs."""
    return _unary(_log_ndtr, input, "special_log_ndtr", out)


# -- Bessel functions --------------------------------------------------------------------------

def i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Modified Bessel function of the first kind, order 0."""
    return _unary(lambda t: _sf.bessel_ie(t, 0, False), input, "special_i0", out)


def i0e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Exponentially scaled modified Bessel function of order 0: exp(-|x|) I0(x)."""
    return _unary(lambda t: _sf.bessel_ie(t, 0, True), input, "special_i0e", out)


def i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Modified Bessel function of the first kind, order 1."""
    return _unary(lambda t: _sf.bessel_ie(t, 1, False), input, "special_i1", out)


def i1e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Exponentially scaled modified Bessel function of order 1: exp(-|x|) I1(x)."""
    return _unary(lambda t: _sf.bessel_ie(t, 1, True), input, "special_i1e", out)


modified_bessel_i0 = i0
modified_bessel_i1 = i1


def bessel_j0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Bessel function of the first kind, order 0."""
    return _unary(lambda t: _sf.bessel_j(t, 0), input, "special_bessel_j0", out)


def bessel_j1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Bessel function of the first kind, order 1."""
    return _unary(lambda t: _sf.bessel_j(t, 1), input, "special_bessel_j1", out)


def spherical_bessel_j0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Spherical Bessel function of the first kind, order 0: sin(x) / x."""
    from .ops.elementwise import where

    def k(t: Tensor) -> Tensor:
        small = t.abs() < 1e-4
        ts = where(small, 1.0, t)
        return where(small, 1.0 - t * t / 6.0, ts.sin() / ts)

    return _unary(k, input, "special_spherical_bessel_j0", out)


# -- elementary --------------------------------------------------------------------------------

def expit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Logistic sigmoid 1 / (1 + exp(-x))."""
    from .ops.unary import sigmoid

    return sigmoid(_arg(input, "special_expit"), out=out)


@silent
def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """log(p / (1 - p)), with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    x = _arg(input, "special_logit")
    if not x.dtype.is_floating_point:
        x = x.to(_dt.get_default_dtype())
    if eps is not None:
        x = x.clamp(eps, 1.0 - eps)
    return handle_out((x / (1.0 - x)).log(), out)


def _opmath(x: Tensor) -> tuple[Tensor, _dt.dtype]:
    """``x`` in the dtype PyTorch's CPU kernel computes in (float32 for half precision and for integers) and
    the result dtype."""
    dt = x.dtype if x.dtype.is_floating_point else _dt.get_default_dtype()
    work = _dt.float32 if dt.itemsize == 2 else dt
    return (x if x.dtype is work else x.to(work)), dt


@silent
def exp2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """2 ** x."""
    from .ops.elementwise import pow as _pow

    x, dt = _opmath(_arg(input, "special_exp2"))
    # NOTE: pow(2, x), not exp(x * ln 2): the rounding of x * ln 2 costs float16 an ulp and float32 several
    # near the top of its range, and integer x gives exact powers of two as PyTorch's exp2 does
    return _done(_pow(2.0, x), dt, out)


def expm1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """exp(x) - 1, accurate near 0."""
    from .ops.unary import expm1 as f

    return f(_arg(input, "special_expm1"), out=out)


def log1p(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """log(1 + x), accurate near 0."""
    from .ops.unary import log1p as f

    return f(_arg(input, "special_log1p"), out=out)


def round(input: Tensor, *, decimals: int = 0, out: Tensor | None = None) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` decimal places (``torch.round``)."""
    from .ops.unary import round as _round

    return _round(_arg(input, "special_round"), decimals=decimals, out=out)


@silent
def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Normalized sinc sin(pi x) / (pi x), 1 at 0."""
    from .ops.elementwise import where

    x, dt = _opmath(_arg(input, "special_sinc"))
    zero = x == 0.0
    px = where(zero, 1.0, x) * math.pi
    return _done(where(zero, 1.0, px.sin() / px), dt, out)


def entr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise entropy -x log(x): 0 at 0, -inf below 0."""
    from .ops.elementwise import where

    x = _arg(input, "special_entr")
    if not x.dtype.is_floating_point:
        x = x.to(_dt.get_default_dtype())
    pos = x > 0.0
    r = -x * where(pos, x, 1.0).log()
    r = where(x == 0.0, 0.0, r)
    return handle_out(where(x < 0.0, -math.inf, r), out)


def xlogy(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input * log(other), 0 where input is 0 (NaN stays NaN)."""
    from .ops.elementwise import where

    x, y, dt = _pair(input, other, "special_xlogy")
    if dt is not _dt.float64:
        x, y = x.to(dt), y.to(dt)
    zero = (x == 0.0) & ~y.isnan()
    r = where(zero, 0.0, x * where(zero, 1.0, y).log())
    return handle_out(r, out)


def xlog1py(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """input * log1p(other), 0 where input is 0 (NaN stays NaN)."""
    from .ops.elementwise import where

    x, y, dt = _pair(input, other, "special_xlog1py")
    if dt is not _dt.float64:
        x, y = x.to(dt), y.to(dt)
    zero = (x == 0.0) & ~y.isnan()
    r = where(zero, 0.0, x * where(zero, 0.0, y).log1p())
    return handle_out(r, out)


def softmax(input: Tensor, dim: int, *, dtype: _dt.dtype | None = None) -> Tensor:
    """Softmax over ``dim``."""
    from .ops._methods import softmax as f

    return f(_arg(input, "special_softmax"), dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: _dt.dtype | None = None) -> Tensor:
    """Log-softmax over ``dim``."""
    from .ops._methods import log_softmax as f

    return f(_arg(input, "special_log_softmax"), dim, dtype=dtype)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """log(sum(exp(input))) over ``dim``, computed stably."""
    from .ops.reduction import logsumexp as f

    return handle_out(f(_arg(input, "special_logsumexp"), dim, keepdim), out)


# -- top-level torch.* names and Tensor methods -------------------------------------------------

lgamma = gammaln


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """Multivariate log-gamma (``torch.mvlgamma``)."""
    return multigammaln(input, p, out=out)


def igamma(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Regularized lower incomplete gamma (``torch.igamma``)."""
    return gammainc(_arg(input, "igamma"), _arg(other, "igamma", 2, "other"), out=out)


def igammac(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Regularized upper incomplete gamma (``torch.igammac``)."""
    return gammaincc(_arg(input, "igammac"), _arg(other, "igammac", 2, "other"), out=out)


def _bind_methods() -> None:
    """Tensor methods ``x.lgamma()``, ``x.digamma()``, ... and their in-place ``_`` forms."""
    from .ops.elementwise import inplace

    def m_polygamma(self: Tensor, n: int) -> Tensor:
        return polygamma(n, self)

    methods: dict[str, Any] = {
        "lgamma": gammaln, "digamma": digamma, "polygamma": m_polygamma, "erfc": erfc, "erfinv": erfinv,
        "i0": i0, "logit": logit, "xlogy": xlogy, "sinc": sinc, "mvlgamma": mvlgamma, "igamma": igamma,
        "igammac": igammac, "exp2": exp2,
    }
    for name, fn in methods.items():
        setattr(Tensor, name, fn)

    def make_inplace(fn: Any, name: str) -> Any:
        def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
            return inplace(fn, self, *args, **kwargs)

        method.__name__ = name
        method.__doc__ = f"In-place version of ``{name[:-1]}``."
        return method

    def polygamma_self(self: Tensor, n: int) -> Tensor:
        return polygamma(n, self)

    inplace_of = dict(methods, polygamma=polygamma_self)
    for name, fn in inplace_of.items():
        setattr(Tensor, name + "_", make_inplace(fn, name + "_"))


_bind_methods()
