"""Numerical kernels of :mod:`ember.special`, written as composites of ember Tensor ops.

NumPy has no lgamma/digamma/erfinv ufuncs and the backend contract has none either, so these are
built from primitives every backend has: they run (and differentiate) on every backend. Callers pass
float64 tensors where the backend has float64 (float32 results are rounded from them), so the
approximations below aim at double precision:

* lgamma: Lanczos (g=7, 9 terms) with the reflection formula below 0.5;
* digamma: recurrence up to x >= 10, then the asymptotic series; reflection below 0.5;
* Hurwitz zeta (polygamma): Euler-Maclaurin summation as in Cephes;
* erfc/erfcx: the Chebyshev fit of Numerical Recipes (3rd ed., ``Erf``) for x >= 0;
* erfinv: Giles' approximation refined by Halley steps (Newton on log erfc near 1);
* I0/I1: power series below 30, the large-argument expansion above;
* J0/J1: power series below 16, Hankel's expansion above.
"""

from __future__ import annotations

import math

from . import dtypes as _dt
from .autograd.grad_mode import no_grad
from .tensor import Tensor

_LANCZOS = (
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _where(cond: Tensor, a: Tensor | float, b: Tensor | float) -> Tensor:
    from .ops.elementwise import where

    return where(cond, a, b)


def _frac_pi(x: Tensor) -> Tensor:
    """``pi * (x - round(x))``: the argument of sin(pi x)/tan(pi x) reduced exactly to [-pi/2, pi/2]."""
    return (x - x.round()) * math.pi


def _lanczos(x: Tensor) -> Tensor:
    """lgamma for x >= 0.5."""
    z = x - 1.0
    a = z * 0.0 + _LANCZOS[0]
    for i in range(1, len(_LANCZOS)):
        a = a + _LANCZOS[i] / (z + float(i))
    t = z + 7.5
    return _HALF_LOG_2PI + (z + 0.5) * t.log() - t + a.log()


def lgamma(x: Tensor) -> Tensor:
    """log|Gamma(x)|."""
    small = x < 0.5
    pos = _lanczos(_where(small, 1.0 - x, x))
    # NOTE: the unused branch gets safe inputs so its inf/NaN never reaches a gradient through where
    s = _frac_pi(_where(small, x, 0.5)).sin().abs()
    out = _where(small, math.log(math.pi) - s.log() - pos, pos)
    # exact zeros at 1 and 2 and inf at +-inf, as PyTorch returns; out - out.detach() is 0 in value
    # but keeps out's gradient (digamma(1), digamma(2)) where a constant would drop it
    out = _where((x == 1.0) | (x == 2.0), out - out.detach(), out)
    return _where(x.abs() == math.inf, math.inf, out)


def digamma(x: Tensor) -> Tensor:
    """psi(x) = d/dx lgamma(x)."""
    small = x < 0.5
    y = _where(small, 1.0 - x, x)
    acc = y * 0.0
    for _ in range(10):
        lo = y < 10.0
        acc = acc - _where(lo, 1.0 / y, 0.0)
        y = _where(lo, y + 1.0, y)
    r = 1.0 / (y * y)
    # asymptotic series: -sum B_2k / (2k y^2k)
    ser = r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132 - r * (691 / 32760 - r / 12))))))
    pos = acc + y.log() - 0.5 / y - ser
    xs = _where(small, x, 0.5)
    refl = pos - math.pi / _frac_pi(xs).tan()
    out = _where(small, refl, pos)
    # PyTorch: -inf at 0 (either sign), NaN at the negative integers
    # copysign(inf, -x) at zero, as in PyTorch: -inf at +0, +inf at -0
    out = _where(x == 0.0, _where(1.0 / x < 0.0, math.inf, -math.inf), out)
    out = _where(x == math.inf, math.inf, out)
    return _where((x < 0.0) & (x == x.floor()), math.nan, out)


_ZETA_A = (
    12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
    -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15, 1.8152105401943546773e17,
    -7.1661652561756670113e18,
)


def zeta(s: Tensor, q: Tensor) -> Tensor:
    """Hurwitz zeta sum_k (k + q)^-s, Cephes' Euler-Maclaurin scheme."""
    bad_q = (q <= 0.0) & (q == q.floor())
    qs = _where(bad_q, 1.0, q)
    with no_grad():
        # the poles (bad_q) are left out: a q of -1e30 would ask for 1e30 terms
        qmin = float(qs.min().item()) if q.numel() else 0.0
    n = 9 + (max(0, math.ceil(-qmin)) if math.isfinite(qmin) else 0)
    total = qs.pow(-s)
    a = qs
    b = total
    for _ in range(n):
        a = a + 1.0
        b = a.pow(-s)
        total = total + b
    w = a
    total = total + b * w / (s - 1.0) - 0.5 * b
    fac = s * 0.0 + 1.0
    k = 0.0
    for coef in _ZETA_A:
        fac = fac * (s + k)
        b = b / w
        total = total + fac * b / coef
        k += 1.0
        fac = fac * (s + k)
        b = b / w
        k += 1.0
    total = _where(s == 1.0, math.inf, total)
    total = _where(s < 1.0, math.nan, total)
    total = _where(bad_q & (s >= 1.0), math.inf, total)
    return _where((q <= 0.0) & ~bad_q & (s != s.floor()), math.nan, total)


_ERFC_COF = (
    -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
    -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6,
    1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10,
    -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13,
    3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
)


def _erfcx_pos(z: Tensor) -> Tensor:
    """exp(z^2) erfc(z) for z >= 0 (Chebyshev fit in t = 2 / (2 + z))."""
    from .ops.creation import zeros_like

    t = 2.0 / (2.0 + z)
    ty = 4.0 * t - 2.0
    d = zeros_like(z)  # not z * 0.0, which is NaN at z = inf (where erfc is 0)
    dd = d
    for c in _ERFC_COF[:0:-1]:
        d, dd = ty * d - dd + c, d
    return t * (0.5 * (_ERFC_COF[0] + ty * d) - dd).exp()


def erfc(x: Tensor) -> Tensor:
    """1 - erf(x) without cancellation for large x."""
    ax = x.abs()
    big = ax >= 0.5
    tail = _erfcx_pos(_where(big, ax, 1.0)) * (-(ax * ax)).exp()
    tail = _where(x < 0.0, 2.0 - tail, tail)
    return _where(big, tail, 1.0 - _where(big, 0.0, x).erf())


def erfcx(x: Tensor) -> Tensor:
    """exp(x^2) erfc(x)."""
    neg = x < 0.0
    # NOTE: erfcx(x) = 2 exp(x^2) - erfcx(-x) overflows to inf for very negative x, as in PyTorch
    pos = _erfcx_pos(x.abs())
    xn = _where(neg, x, 0.0)
    return _where(neg, 2.0 * (xn * xn).exp() - pos, pos)


def _erfinv_guess(a: Tensor, c: Tensor) -> Tensor:
    """Giles' single-precision erfinv of |y| = a, with c = 1 - a given accurately."""
    w = -(c * (2.0 - c)).log()
    w1 = w - 2.5
    p1 = 2.81022636e-08
    for k in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
              0.246640727, 1.50140941):
        p1 = k + p1 * w1
    w2 = _where(w >= 5.0, w, 5.0).sqrt() - 3.0
    p2 = -0.000200214257
    for k in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
              1.00167406, 2.83297682):
        p2 = k + p2 * w2
    return _where(w < 5.0, p1, p2) * a


_2_SQRTPI = 2.0 / math.sqrt(math.pi)


def erfinv_ac(y: Tensor, c: Tensor) -> Tensor:
    """erfinv(y), with c = 1 - |y| passed separately (so ndtri keeps its precision in the tails)."""
    a = y.abs()
    near = a >= 0.5
    cs = _where(near & (c > 0.0), c, 0.5)
    with no_grad():
        x0 = _erfinv_guess(y, c)
        # NOTE: Giles' fit covers float32's range (c >= ~1e-7); deeper tails start from the asymptote
        # erfc(x) ~ exp(-x^2) / (x sqrt(pi))
        lc = -cs.log()
        tail = (lc - (lc * math.pi).sqrt().log()).sqrt()
        x0 = _where(near, _where(cs < 1e-7, tail, x0.abs()), x0)
    x = _where(near, x0, 0.0)
    # near 1: Newton on log erfc(x) = log c, which converges from afar and never cancels
    for _ in range(5):
        xs = _where(near, x, 1.0)
        ex = erfcx(xs)
        x = xs + (ex.log() - xs * xs - cs.log()) * ex * (math.sqrt(math.pi) / 2.0)
    far = _where(y < 0.0, -x, x)
    # elsewhere: Halley steps on erf(x) = y (erf'' / erf' = -2x), cubic from a float32-accurate guess
    x = _where(near, 0.0, x0)
    for _ in range(3):
        u = (x.erf() - _where(near, 0.0, y)) / (_2_SQRTPI * (-(x * x)).exp())
        x = x - u / (1.0 + x * u)
    x = _where(near, far, x)
    x = _where(c == 0.0, _where(y < 0.0, -math.inf, math.inf), x)
    return _where((a > 1.0) | (c < 0.0), math.nan, x)


def _bessel_i_series(x: Tensor, nu: int) -> Tensor:
    """I_nu(x) by its power series (nu = 0 or 1), accurate for |x| <= 30."""
    q = x * x * 0.25
    term = (x * 0.5) if nu else (x * 0.0 + 1.0)
    total = term
    for k in range(1, 50):
        term = term * q / float(k * (k + nu))
        total = total + term
    return total


def _bessel_ie_asym(ax: Tensor, nu: int) -> Tensor:
    """exp(-x) I_nu(x) for x >= 30 by the large-argument expansion."""
    mu = 4.0 * nu * nu
    inv = 1.0 / (8.0 * ax)
    term = ax * 0.0 + 1.0
    total = term
    for k in range(1, 20):
        term = -term * (mu - (2 * k - 1) ** 2) * inv / k
        total = total + term
    return total / (2.0 * math.pi * ax).sqrt()


def bessel_ie(x: Tensor, nu: int, scaled: bool) -> Tensor:
    """I_nu(x), or exp(-|x|) I_nu(x) when ``scaled``."""
    ax = x.abs()
    big = ax > 30.0
    xs = _where(big, 1.0, x)
    ser = _bessel_i_series(xs, nu)
    if scaled:
        ser = ser * (-xs.abs()).exp()
    axb = _where(big, ax, 31.0)
    asym = _bessel_ie_asym(axb, nu)
    if not scaled:
        asym = asym * axb.exp()
    if nu:
        asym = _where(x < 0.0, -asym, asym)
    return _where(big, asym, ser)


def bessel_j(x: Tensor, nu: int) -> Tensor:
    """J_nu(x) for nu = 0 or 1."""
    ax = x.abs()
    big = ax > 16.0
    xs = _where(big, 1.0, x)
    q = -xs * xs * 0.25
    term = (xs * 0.5) if nu else (xs * 0.0 + 1.0)
    ser = term
    for k in range(1, 50):
        term = term * q / float(k * (k + nu))
        ser = ser + term
    xb = _where(big, ax, 17.0)
    mu = 4.0 * nu * nu
    inv = 1.0 / (8.0 * xb)
    a = xb * 0.0 + 1.0
    p = a
    qq = a * 0.0
    for k in range(1, 64):
        a = a * (mu - (2 * k - 1) ** 2) * inv / k
        sign = -1.0 if (k // 2) % 2 else 1.0
        if k % 2:
            qq = qq + sign * a
        else:
            p = p + sign * a
    chi = xb - (0.5 * nu + 0.25) * math.pi
    asym = (2.0 / (math.pi * xb)).sqrt() * (p * chi.cos() - qq * chi.sin())
    if nu:
        asym = _where(x < 0.0, -asym, asym)
    return _where(big, asym, ser)


def gammainc_pair(a: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
    """Regularized lower and upper incomplete gamma (P, Q), no gradient (series / continued fraction)."""
    with no_grad():
        use_ser = x < a + 1.0
        lgam = lgamma(a)
        xs = _where(use_ser, x, a * 0.0)
        ap = a * 1.0
        term = 1.0 / _where(a > 0.0, a, 1.0)
        total = term
        for i in range(300 if bool(use_ser.any().item()) else 0):
            ap = ap + 1.0
            term = term * xs / ap
            total = total + term
            # NOTE: a host check every 16 terms stops once every element has converged
            if i % 16 == 15 and not bool((term.abs() > 1e-17 * total.abs()).any().item()):
                break
        lx = _where(xs > 0.0, xs, 1.0).log()
        p_ser = total * (-xs + a * lx - lgam).exp()
        p_ser = _where(xs == 0.0, 0.0, p_ser)
        xc = _where(use_ser, a + 1.0, x)
        b = xc + 1.0 - a
        tiny = 1e-300
        c = b * 0.0 + 1.0 / tiny
        d = 1.0 / b
        h = d
        for i in range(1, 300 if not bool(use_ser.all().item()) else 1):
            an = -float(i) * (float(i) - a)
            b = b + 2.0
            d = an * d + b
            d = _where(d.abs() < tiny, tiny, d)
            c = b + an / c
            c = _where(c.abs() < tiny, tiny, c)
            d = 1.0 / d
            delta = d * c
            h = h * delta
            if i % 16 == 0 and not bool(((delta - 1.0).abs() > 4e-16).any().item()):
                break
        q_cf = (-xc + a * xc.log() - lgam).exp() * h
        q_cf = _where(xc == math.inf, 0.0, q_cf)
        p = _where(use_ser, p_ser, 1.0 - q_cf)
        q = _where(use_ser, 1.0 - p_ser, q_cf)
        bad = (a < 0.0) | (x < 0.0)
        zero_a = (a == 0.0) & (x > 0.0)
        p = _where(zero_a, 1.0, p)
        q = _where(zero_a, 0.0, q)
        return _where(bad, math.nan, p), _where(bad, math.nan, q)


def float64_ok(x: Tensor) -> bool:
    """Whether ``x``'s backend computes float64 (the precision the kernels above aim at)."""
    return _dt.float64 in x._device._be.dtypes
