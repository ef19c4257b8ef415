"""ops/assemble.py against PyTorch: atleast_*d, block_diag, cartesian_prod, combinations, meshgrid, tri indices,
vander, column/row/dstack, h/v/dsplit, split_with_sizes, rot90, diagflat, ravel, unravel_index, windows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember

torch = pytest.importorskip("torch")

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
V = np.array([1.0, 2.0, 3.0], dtype=np.float32)

CASES: dict[str, Callable[[Any, Any, Any], Any]] = {
    "atleast_1d": lambda m, x, v: m.atleast_1d(m.tensor(3.0)),
    "atleast_2d": lambda m, x, v: m.atleast_2d(v),
    "atleast_3d": lambda m, x, v: m.atleast_3d(v, x[0]),
    "block_diag": lambda m, x, v: m.block_diag(x[0], v, m.tensor(7.0)),
    "cartesian_prod": lambda m, x, v: m.cartesian_prod(v, v[:2]),
    "combinations": lambda m, x, v: m.combinations(v, 2),
    "combinations-replacement": lambda m, x, v: m.combinations(v, 2, with_replacement=True),
    "meshgrid-ij": lambda m, x, v: m.meshgrid(v, v[:2], indexing="ij"),
    "meshgrid-xy": lambda m, x, v: m.meshgrid(v, v[:2], v, indexing="xy"),
    "tril_indices": lambda m, x, v: m.tril_indices(3, 4, 1),
    "triu_indices": lambda m, x, v: m.triu_indices(4, 3, -1),
    "vander": lambda m, x, v: m.vander(v, 4),
    "vander-int": lambda m, x, v: m.vander(m.tensor([1, 2, 3])),
    "vander-increasing": lambda m, x, v: m.vander(v, increasing=True),
    "column_stack": lambda m, x, v: m.column_stack([v, v * 2]),
    "row_stack": lambda m, x, v: m.row_stack([v, v]),
    "dstack": lambda m, x, v: m.dstack([x, x]),
    "hsplit": lambda m, x, v: m.hsplit(x, 3),
    "vsplit": lambda m, x, v: m.vsplit(x, [1]),
    "dsplit": lambda m, x, v: m.dsplit(x, 2),
    "split_with_sizes": lambda m, x, v: m.split_with_sizes(x, [1, 3], 2),
    "rot90": lambda m, x, v: m.rot90(x, 1, (1, 2)),
    "rot90-negative": lambda m, x, v: x.rot90(-1),
    "diagflat": lambda m, x, v: m.diagflat(v, 1),
    "ravel": lambda m, x, v: x.ravel(),
    "unravel_index": lambda m, x, v: m.unravel_index(m.tensor([5, 17, -1]), (2, 3, 4)),
    "hann_window": lambda m, x, v: m.hann_window(8),
    "hann_window-symmetric": lambda m, x, v: m.hann_window(7, periodic=False),
    "hamming_window": lambda m, x, v: m.hamming_window(10, dtype=m.float64),
    "blackman_window": lambda m, x, v: m.blackman_window(9),
    "bartlett_window": lambda m, x, v: m.bartlett_window(6),
    "kaiser_window": lambda m, x, v: m.kaiser_window(12),
}


def _tuple(r: Any) -> tuple[Any, ...]:
    return tuple(r) if isinstance(r, (tuple, list)) else (r,)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name: str) -> None:
    fn = CASES[name]
    got = _tuple(fn(ember, ember.tensor(X), ember.tensor(V)))
    want = _tuple(fn(torch, torch.tensor(X), torch.tensor(V)))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("device", device_params())
def test_gradients_flow_on_every_backend(device: str) -> None:
    v = ember.tensor(V, device=device, requires_grad=True)
    x = ember.tensor(X, device=device, requires_grad=True)
    loss = (ember.block_diag(v.reshape(1, 3), x[0]) ** 2).sum() + ember.rot90(x, 1, (1, 2)).sum() \
        + ember.cartesian_prod(v, v).prod(1).sum() + ember.vander(v.detach(), 3).sum()
    loss.backward()
    vt = torch.tensor(V, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    lt = (torch.block_diag(vt.reshape(1, 3), xt[0]) ** 2).sum() + torch.rot90(xt, 1, (1, 2)).sum() \
        + torch.cartesian_prod(vt, vt).prod(1).sum()
    lt.backward()
    np.testing.assert_allclose(v.grad.cpu().numpy(), vt.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(x.grad.cpu().numpy(), xt.grad.numpy(), rtol=1e-5)


@pytest.mark.parametrize("call,exc,match", [
    (lambda m: m.rot90(m.ones(2, 2), 1, (0, 0)), RuntimeError, "expected rotation dims to be different"),
    (lambda m: m.vsplit(m.ones(3), 1), RuntimeError, "at least 2 dimension"),
    (lambda m: m.hsplit(m.ones(2, 3), 2), RuntimeError, "not divisible"),
    (lambda m: m.split_with_sizes(m.ones(4), [1, 2]), RuntimeError, "sum exactly to 4"),
    (lambda m: m.meshgrid(m.ones(2), indexing="yx"), RuntimeError, "indexing must be one of"),
    (lambda m: m.combinations(m.ones(2, 2)), RuntimeError, "Expect a 1D vector"),
    (lambda m: m.block_diag(m.ones(1, 1, 1)), RuntimeError, "must have 2 or fewer dimensions"),
])
def test_errors_match_pytorch(call: Callable[[Any], Any], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        call(torch)
    with pytest.raises(exc, match=match):
        call(ember)
