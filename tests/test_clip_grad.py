"""``nn.utils``: gradient clipping and parameter flattening against PyTorch on identical gradients."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.utils import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

try:
    import torch
except ImportError:  # pragma: no cover - machines without the oracle extra
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle extra) is not installed")

SHAPES = [(3, 4), (5,), (2, 2, 3)]


def host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(force=True) if isinstance(t, ember.Tensor) else t.detach().numpy())


def twin_params(dtype: str = "float32", scale: float = 1.0, none_at: int | None = None,
                seed: int = 0) -> tuple[list[Any], list[Any]]:
    """The same parameters and gradients in ember and torch (``none_at``: one without a gradient)."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for i, shape in enumerate(SHAPES):
        value = rng.standard_normal(shape).astype(dtype)
        grad = (rng.standard_normal(shape) * scale).astype(dtype)
        p, q = nn.Parameter(ember.tensor(value)), torch.nn.Parameter(torch.tensor(value))
        if i != none_at:
            p.grad, q.grad = ember.tensor(grad), torch.tensor(grad)
        ours.append(p)
        theirs.append(q)
    return ours, theirs


def assert_grads_match(ours: list[Any], theirs: list[Any], rtol: float) -> None:
    for p, q in zip(ours, theirs):
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            np.testing.assert_allclose(host(p.grad), host(q.grad), rtol=rtol, atol=1e-7)


@needs_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, -math.inf, 0.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_norm_matches_pytorch(norm_type: Any, max_norm: float, dtype: str) -> None:
    ours, theirs = twin_params(dtype, none_at=1)
    got = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    want = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    rtol = 1e-6 if dtype == "float32" else 1e-12
    assert got.shape == () and got.dtype == getattr(ember, dtype)
    np.testing.assert_allclose(got.item(), want.item(), rtol=rtol)
    assert_grads_match(ours, theirs, rtol)


@needs_torch
def test_clip_grad_norm_single_tensor_and_generator() -> None:
    ours, theirs = twin_params(scale=10.0)
    got = clip_grad_norm_(ours[0], 1.0)
    want = torch.nn.utils.clip_grad_norm_(theirs[0], 1.0)
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-6)
    assert_grads_match(ours[:1], theirs[:1], 1e-6)
    model = nn.Linear(3, 2)
    model(ember.ones(4, 3)).sum().backward()
    total = clip_grad_norm_(model.parameters(), 0.1)
    grads = np.concatenate([host(p.grad).ravel() for p in model.parameters()])
    assert total.item() > 0.1 and np.isclose(np.linalg.norm(grads), 0.1, rtol=1e-4)


def test_clip_grad_norm_edge_cases() -> None:
    p = nn.Parameter(ember.ones(3))
    assert clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all: a zero norm
    msg = "`parameters` is an empty generator, no gradient clipping will occur"
    with pytest.warns(UserWarning, match=msg):
        clip_grad_norm_((q for q in []), 1.0)
    with pytest.warns(FutureWarning, match="deprecated"):
        clip_grad_norm([p], 1.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_clip_grad_norm_error_if_nonfinite(bad: float) -> None:
    p = nn.Parameter(ember.ones(3))
    p.grad = ember.tensor([1.0, bad, 2.0])
    with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from `parameters` is "
                                           r"non-finite, so it cannot be clipped"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_([p], 1.0)  # without the flag the gradients are scaled anyway, as in PyTorch
    assert not math.isfinite(total.item())


@needs_torch
@pytest.mark.parametrize("clip_value", [0.3, 1.0, 5])
def test_clip_grad_value_matches_pytorch(clip_value: float) -> None:
    ours, theirs = twin_params(scale=2.0, none_at=2)
    assert clip_grad_value_(ours, clip_value) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    assert_grads_match(ours, theirs, 0)
    clip_grad_value_(ours[0], 0.1)
    assert np.abs(host(ours[0].grad)).max() <= 0.1 + 1e-7


@needs_torch
def test_parameters_to_vector_and_back_match_pytorch() -> None:
    ours, theirs = twin_params()
    vec = parameters_to_vector(ours)
    np.testing.assert_array_equal(host(vec), host(torch.nn.utils.parameters_to_vector(theirs)))
    new = np.arange(vec.numel(), dtype=np.float32)
    vector_to_parameters(ember.tensor(new), ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs)
    for p, q in zip(ours, theirs):
        assert p.shape == tuple(q.shape)
        np.testing.assert_array_equal(host(p), host(q))
    with pytest.raises(TypeError, match="expected ember.Tensor, but got: list"):
        vector_to_parameters([1.0], ours)  # type: ignore[arg-type]


def test_parameters_to_vector_keeps_the_graph() -> None:
    model = nn.Linear(2, 2)
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (6,) and vec.requires_grad
    (vec * 2).sum().backward()
    assert np.all(host(model.weight.grad) == 2.0)
