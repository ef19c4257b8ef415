"""The few matrix routines MultivariateNormal needs: ``ember.linalg``'s when present, else small composites."""

from __future__ import annotations

import math

from ..tensor import Tensor


def _lin() -> object | None:
    try:
        from .. import linalg
    except ImportError:  # pragma: no cover - ember.linalg ships with ember; kept for trimmed builds
        return None
    return linalg if hasattr(linalg, "cholesky") and hasattr(linalg, "solve_triangular") else None


def cholesky(a: Tensor) -> Tensor:
    """Lower Cholesky factor of a batch of symmetric positive-definite matrices."""
    lin = _lin()
    if lin is not None:
        return lin.cholesky(a)  # type: ignore[attr-defined, no-any-return]
    return _cholesky_composite(a)


def _cholesky_composite(a: Tensor) -> Tensor:
    """Cholesky-Banachiewicz by columns from Tensor ops (differentiable on every backend)."""
    from ..ops.arrange import stack

    n = a.shape[-1]
    cols: list[Tensor] = []
    for j in range(n):
        prev = stack(cols, -1) if cols else None  # (..., n, j)
        s = a[..., :, j]
        if prev is not None:
            s = s - (prev * prev[..., j : j + 1, :]).sum(-1)
        d = s[..., j : j + 1].sqrt()
        col = s / d
        mask = (a.new_tensor([float(i >= j) for i in range(n)]))
        col = col * mask
        cols.append(col)
    return stack(cols, -1)


def cholesky_ok(a: Tensor) -> Tensor:
    """Per matrix: whether a Cholesky factor exists (all pivots positive and finite)."""
    from ..autograd.grad_mode import no_grad

    with no_grad():
        lin = _lin()
        if lin is not None and hasattr(lin, "cholesky_ex"):
            return lin.cholesky_ex(a).info.eq(0)  # type: ignore[attr-defined, no-any-return]
        d = _cholesky_composite(a).diagonal(dim1=-2, dim2=-1)
        return (d == d).all(-1) & (d > 0).all(-1)


def solve_lower(tril: Tensor, b: Tensor) -> Tensor:
    """``tril^{-1} b`` for lower-triangular ``tril`` (..., n, n) and ``b`` (..., n, k)."""
    lin = _lin()
    if lin is not None:
        return lin.solve_triangular(tril, b, upper=False)  # type: ignore[attr-defined, no-any-return]
    from ..ops.arrange import stack

    n = tril.shape[-1]
    rows: list[Tensor] = []
    for i in range(n):
        r = b[..., i, :]
        if rows:
            prev = stack(rows, -2)  # (..., i, k)
            r = r - (tril[..., i, :i].unsqueeze(-1) * prev).sum(-2)
        rows.append(r / tril[..., i, i : i + 1])
    return stack(rows, -2)


LOG_2PI = math.log(2 * math.pi)
