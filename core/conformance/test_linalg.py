"""Linear algebra: matmul of every rank, mm/bmm/mv/dot/outer/inner/einsum, values and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ember

from ._helpers import assert_close, helper_test_op, hyp_settings, lib_of, to_numpy

# float32 products of a few terms: slightly looser than PyTorch's rtol against a float64 reference
F32 = {"rtol": 5e-6, "grad_rtol": 1e-5}


@pytest.mark.parametrize(
    "a, b",
    [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 2)),
        ((2, 3), (3, 4)),
        ((2, 2, 3), (2, 3, 4)),
        ((2, 2, 3), (3, 4)),
        ((2, 3), (2, 3, 4)),
        ((2, 1, 2, 3), (3, 3, 2)),
        ((1, 3), (3, 1)),
    ],
    ids=lambda s: "x".join(map(str, s)),
)
def test_matmul(device: str, a: tuple[int, ...], b: tuple[int, ...]) -> None:
    helper_test_op([a, b], lambda x, y: x @ y, device=device, np_fn=np.matmul, **F32)
    helper_test_op(
        [a, b], lambda x, y: lib_of(x).matmul(x, y), device=device, np_fn=np.matmul, dtype="float64"
    )


def test_mm_bmm_mv(device: str) -> None:
    helper_test_op([(2, 3), (3, 4)], lambda x, y: lib_of(x).mm(x, y), device=device, np_fn=np.matmul, **F32)
    helper_test_op(
        [(2, 2, 3), (2, 3, 4)], lambda x, y: lib_of(x).bmm(x, y), device=device, np_fn=np.matmul, **F32
    )
    helper_test_op([(2, 3), (3,)], lambda x, y: lib_of(x).mv(x, y), device=device, np_fn=np.matmul, **F32)
    helper_test_op([(2, 3), (3, 4)], lambda x, y: x.mm(y), device=device, np_fn=np.matmul, **F32)


def test_dot_outer_inner(device: str) -> None:
    helper_test_op([(4,), (4,)], lambda x, y: lib_of(x).dot(x, y), device=device, np_fn=np.dot, **F32)
    helper_test_op([(3,), (4,)], lambda x, y: lib_of(x).outer(x, y), device=device, np_fn=np.outer, **F32)
    helper_test_op([(2, 3), (4, 3)], lambda x, y: lib_of(x).inner(x, y), device=device, np_fn=np.inner, **F32)
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 2D tensors"):
        ember.dot(ember.ones(2, 2, device=device), ember.ones(2, 2, device=device))


@pytest.mark.parametrize(
    "eq, shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
        ("ii->i", [(3, 3)]),
        ("ij->ji", [(2, 3)]),
        ("i,j->ij", [(2,), (3,)]),
        ("ij,ij->", [(2, 3), (2, 3)]),
        ("...ij,...jk", [(2, 2, 3), (3, 2)]),
    ],
)
def test_einsum(device: str, eq: str, shapes: list[tuple[int, ...]]) -> None:
    helper_test_op(
        shapes,
        lambda *xs: lib_of(xs[0]).einsum(eq, *xs),
        device=device,
        np_fn=lambda *xs: np.einsum(eq, *xs),
        **F32,
    )


def test_matmul_integer_and_dtype(device: str) -> None:
    a = ember.tensor([[1, 2], [3, 4]], device=device)
    assert_close(a @ a, np.array([[7, 10], [15, 22]]), dtype="int64")
    f = ember.ones(2, 2, dtype=ember.float64, device=device)
    assert (f @ f).dtype == ember.float64


@given(data=st.data())
@hyp_settings()
def test_matmul_hypothesis(device: str, data: Any) -> None:
    n, k, m = (data.draw(st.integers(1, 5)) for _ in range(3))
    batch = data.draw(st.lists(st.integers(1, 3), max_size=2), label="batch")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    a = rng.uniform(-2, 2, (*batch, n, k))
    b = rng.uniform(-2, 2, (k, m))
    out = ember.tensor(a, dtype=ember.float64, device=device) @ ember.tensor(
        b, dtype=ember.float64, device=device
    )
    assert_close(out, a @ b)


def _well(x: Any) -> Any:
    """``x`` shifted to be well conditioned (inputs are uniform in [-2, 2))."""
    return x + 5 * lib_of(x).eye(x.shape[-1], dtype=x.dtype, device=x.device)


def test_linalg_inv_det_solve(device: str) -> None:
    tol = {"dtype": "float64"}
    helper_test_op([(2, 3, 3)], lambda x: lib_of(x).linalg.inv(_well(x)), device=device, **tol)
    helper_test_op([(3, 3)], lambda x: lib_of(x).linalg.det(_well(x)), device=device, **tol)
    helper_test_op([(3, 3), (3, 2)], lambda x, y: lib_of(x).linalg.solve(_well(x), y), device=device, **tol)


def test_linalg_decompositions(device: str) -> None:
    helper_test_op([(3, 3)], lambda x: lib_of(x).linalg.cholesky(x @ x.mT + _well(x) - x), device=device,
                   dtype="float64")
    helper_test_op([(4, 3)], lambda x: lib_of(x).linalg.svdvals(x), device=device, dtype="float64")
    helper_test_op([(3, 3)], lambda x: lib_of(x).linalg.eigvalsh(x + x.mT), device=device, dtype="float64")
    x = ember.tensor(np.random.default_rng(0).uniform(-2, 2, (4, 3)), dtype=ember.float64, device=device)
    q, r = ember.linalg.qr(x)
    assert_close(q @ r, to_numpy(x))


def test_linalg_singular_raises(device: str) -> None:
    with pytest.raises(ember.linalg.LinAlgError, match="singular"):
        ember.linalg.inv(ember.ones(2, 2, device=device))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        ember.linalg.inv(ember.ones(2, 2, dtype=ember.int64, device=device))
