"""Orthogonal polynomials of :mod:`ember.special` (Chebyshev, Hermite, Laguerre, Legendre), by their
three-term recurrences up to the largest requested degree."""

from __future__ import annotations

from typing import Any

from .ops._dispatch import handle_out
from .tensor import Tensor


def _poly(x: Any, n: Any, fname: str, p1: Any, step: Any) -> Tensor:
    """P_n(x) for the recurrence P_0 = 1, P_1 = p1(x), P_{k+1} = step(k, x, P_k, P_{k-1})."""
    from .ops.elementwise import where
    from .special import _pair

    xt, nt, dt = _pair(x, n, fname)
    xt, nt = xt.to(dt), nt.to(dt)
    nmax = int(nt.max().item()) if nt.numel() else 0
    prev = xt * 0.0 + 1.0
    r = where(nt == 0.0, prev, 0.0 * prev)
    if nmax >= 1:
        cur = p1(xt)
        r = where(nt == 1.0, cur, r)
        for k in range(1, nmax):
            prev, cur = cur, step(float(k), xt, cur, prev)
            r = where(nt == float(k + 1), cur, r)
    return r


def chebyshev_polynomial_t(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Chebyshev polynomial of the first kind T_n(input)."""
    return handle_out(_poly(input, n, "special_chebyshev_polynomial_t", lambda x: x,
                            lambda k, x, c, p: 2.0 * x * c - p), out)


def chebyshev_polynomial_u(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Chebyshev polynomial of the second kind U_n(input)."""
    return handle_out(_poly(input, n, "special_chebyshev_polynomial_u", lambda x: 2.0 * x,
                            lambda k, x, c, p: 2.0 * x * c - p), out)


def chebyshev_polynomial_v(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Chebyshev polynomial of the third kind V_n(input)."""
    return handle_out(_poly(input, n, "special_chebyshev_polynomial_v", lambda x: 2.0 * x - 1.0,
                            lambda k, x, c, p: 2.0 * x * c - p), out)


def chebyshev_polynomial_w(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Chebyshev polynomial of the fourth kind W_n(input)."""
    return handle_out(_poly(input, n, "special_chebyshev_polynomial_w", lambda x: 2.0 * x + 1.0,
                            lambda k, x, c, p: 2.0 * x * c - p), out)


def _shifted(fn: Any, name: str, doc: str) -> Any:
    def shifted(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(f"{name}(): expected at least one Tensor argument")
        x = input * 2.0 - 1.0 if isinstance(input, Tensor) else 2.0 * input - 1.0
        return fn(x, n, out=out)  # type: ignore[no-any-return]

    shifted.__name__ = name
    shifted.__doc__ = doc
    return shifted


shifted_chebyshev_polynomial_t = _shifted(chebyshev_polynomial_t, "shifted_chebyshev_polynomial_t",
                                          "Shifted Chebyshev polynomial of the first kind T*_n(x) = T_n(2x - 1).")
shifted_chebyshev_polynomial_u = _shifted(chebyshev_polynomial_u, "shifted_chebyshev_polynomial_u",
                                          "Shifted Chebyshev polynomial of the second kind U*_n(x) = U_n(2x - 1).")
shifted_chebyshev_polynomial_v = _shifted(chebyshev_polynomial_v, "shifted_chebyshev_polynomial_v",
                                          "Shifted Chebyshev polynomial of the third kind V*_n(x) = V_n(2x - 1).")
shifted_chebyshev_polynomial_w = _shifted(chebyshev_polynomial_w, "shifted_chebyshev_polynomial_w",
                                          "Shifted Chebyshev polynomial of the fourth kind W*_n(x) = W_n(2x - 1).")


def hermite_polynomial_h(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Physicists' Hermite polynomial H_n(input)."""
    return handle_out(_poly(input, n, "special_hermite_polynomial_h", lambda x: 2.0 * x,
                            lambda k, x, c, p: 2.0 * x * c - 2.0 * k * p), out)


def hermite_polynomial_he(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Probabilists' Hermite polynomial He_n(input)."""
    return handle_out(_poly(input, n, "special_hermite_polynomial_he", lambda x: x,
                            lambda k, x, c, p: x * c - k * p), out)


def laguerre_polynomial_l(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Laguerre polynomial L_n(input)."""
    return handle_out(_poly(input, n, "special_laguerre_polynomial_l", lambda x: 1.0 - x,
                            lambda k, x, c, p: ((2.0 * k + 1.0 - x) * c - k * p) / (k + 1.0)), out)


def legendre_polynomial_p(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """Legendre polynomial P_n(input)."""
    return handle_out(_poly(input, n, "special_legendre_polynomial_p", lambda x: x,
                            lambda k, x, c, p: ((2.0 * k + 1.0) * x * c - k * p) / (k + 1.0)), out)
