"""Randomness: ``manual_seed`` reproducibility, ``Generator`` objects, and the shapes, dtypes,
ranges and statistics of rand/randn/randint/randperm/normal/bernoulli and their variants.

Statistical checks draw 20,000 values from a seeded generator with tolerances of about six
standard errors, so they are deterministic and fail only when the distribution is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest

import ember

from ._helpers import to_numpy

N = 20_000


def _on(t: ember.Tensor, device: str) -> bool:
    return t.device.type == ember.device(device).type


@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_manual_seed_reproducible(device: str, fn: str) -> None:
    f = getattr(ember, fn)
    ember.manual_seed(1234)
    a = f(3, 4, device=device)
    b = f(3, 4, device=device)
    ember.manual_seed(1234)
    c = f(3, 4, device=device)
    assert np.array_equal(to_numpy(a), to_numpy(c)), "the same seed must give the same numbers"
    assert not np.array_equal(to_numpy(a), to_numpy(b)), "successive draws must differ"
    ember.manual_seed(4321)
    assert not np.array_equal(to_numpy(a), to_numpy(f(3, 4, device=device)))


def test_manual_seed_covers_every_op(device: str) -> None:
    def draw() -> list[np.ndarray]:
        return [
            to_numpy(t)
            for t in (
                ember.randint(0, 100, (5,), device=device),
                ember.randperm(7, device=device),
                ember.normal(0.0, 1.0, size=(3,), device=device),
                ember.bernoulli(ember.full((6,), 0.5, device=device)),
            )
        ]

    ember.manual_seed(7)
    first = draw()
    ember.manual_seed(7)
    for a, b in zip(first, draw()):
        assert np.array_equal(a, b)


def test_generator_objects(device: str) -> None:
    g = ember.Generator(device=device)
    assert g.manual_seed(42) is g
    assert g.initial_seed() == 42
    a = ember.rand(5, generator=g, device=device)
    g.manual_seed(42)
    b = ember.rand(5, generator=g, device=device)
    assert np.array_equal(to_numpy(a), to_numpy(b))
    # a private generator leaves the default stream alone
    ember.manual_seed(3)
    x = ember.rand(5, device=device)
    ember.manual_seed(3)
    ember.randn(10, generator=g, device=device)
    y = ember.rand(5, device=device)
    assert np.array_equal(to_numpy(x), to_numpy(y))
    # two generators with the same seed agree
    g1, g2 = ember.Generator(device=device).manual_seed(9), ember.Generator(device=device).manual_seed(9)
    assert np.array_equal(
        to_numpy(ember.randperm(10, generator=g1, device=device)),
        to_numpy(ember.randperm(10, generator=g2, device=device)),
    )
    assert isinstance(ember.manual_seed(0), ember.Generator)
    assert ember.initial_seed() == 0


def test_rng_state_roundtrip() -> None:
    ember.manual_seed(11)
    state = ember.get_rng_state()
    a = ember.rand(4)
    ember.set_rng_state(state)
    assert np.array_equal(to_numpy(a), to_numpy(ember.rand(4)))


def test_rand(device: str) -> None:
    ember.manual_seed(0)
    x = ember.rand(N, device=device)
    assert x.dtype == ember.float32 and tuple(x.shape) == (N,) and _on(x, device)
    a = to_numpy(x)
    assert a.min() >= 0.0 and a.max() < 1.0
    assert abs(a.mean() - 0.5) < 0.015 and abs(a.var() - 1 / 12) < 0.006
    assert tuple(ember.rand(2, 3, device=device).shape) == (2, 3)
    assert tuple(ember.rand((4, 1), device=device).shape) == (4, 1)
    assert ember.rand(2, dtype=ember.float64, device=device).dtype == ember.float64
    r = ember.rand(3, requires_grad=True, device=device)
    assert r.requires_grad and r.is_leaf
    like = ember.rand_like(ember.zeros(2, 5, dtype=ember.float64, device=device))
    assert like.dtype == ember.float64 and tuple(like.shape) == (2, 5) and _on(like, device)


def test_randn(device: str) -> None:
    ember.manual_seed(0)
    x = ember.randn(N, device=device)
    assert x.dtype == ember.float32 and _on(x, device)
    a = to_numpy(x)
    assert abs(a.mean()) < 0.045 and abs(a.std() - 1.0) < 0.035
    # roughly normal: about 68% within one standard deviation
    assert abs(np.mean(np.abs(a) < 1.0) - 0.6827) < 0.02
    like = ember.randn_like(ember.zeros(3, device=device))
    assert tuple(like.shape) == (3,) and like.dtype == ember.float32


def test_randint(device: str) -> None:
    ember.manual_seed(0)
    x = ember.randint(-3, 5, (N,), device=device)
    assert x.dtype == ember.int64 and _on(x, device)
    a = to_numpy(x)
    assert a.min() == -3 and a.max() == 4
    counts = np.bincount(a + 3, minlength=8)
    assert np.all(np.abs(counts / N - 1 / 8) < 0.015)
    y = ember.randint(10, (2, 3), device=device)
    assert tuple(y.shape) == (2, 3) and 0 <= to_numpy(y).min() and to_numpy(y).max() < 10
    assert ember.randint(0, 2, (4,), dtype=ember.int32, device=device).dtype == ember.int32
    like = ember.randint_like(ember.zeros(3, 2, dtype=ember.float32, device=device), 5)
    assert like.dtype == ember.float32 and tuple(like.shape) == (3, 2)
    assert set(np.unique(to_numpy(like))) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to'"):
        ember.randint(5, 5, (2,), device=device)


def test_randperm(device: str) -> None:
    ember.manual_seed(0)
    p = ember.randperm(50, device=device)
    assert p.dtype == ember.int64 and tuple(p.shape) == (50,) and _on(p, device)
    a = to_numpy(p)
    assert sorted(a.tolist()) == list(range(50))
    assert a.tolist() != list(range(50))
    assert ember.randperm(5, dtype=ember.int32, device=device).dtype == ember.int32
    assert tuple(ember.randperm(0, device=device).shape) == (0,)


def test_normal(device: str) -> None:
    ember.manual_seed(0)
    x = ember.normal(2.0, 3.0, size=(N,), device=device)
    assert x.dtype == ember.float32 and _on(x, device)
    a = to_numpy(x)
    assert abs(a.mean() - 2.0) < 0.13 and abs(a.std() - 3.0) < 0.1
    mean = ember.tensor([0.0, 100.0, -100.0], device=device)
    std = ember.tensor([1e-6, 1e-6, 1e-6], device=device)
    y = ember.normal(mean, std)
    assert np.allclose(to_numpy(y), [0.0, 100.0, -100.0], atol=1e-3)
    z = ember.normal(mean, 0.5)
    assert tuple(z.shape) == (3,)
    w = ember.normal(0.0, ember.ones(4, 2, device=device))
    assert tuple(w.shape) == (4, 2) and _on(w, device)
    t = ember.empty(N, device=device).normal_(-1.0, 0.5)
    assert abs(to_numpy(t).mean() + 1.0) < 0.025 and abs(to_numpy(t).std() - 0.5) < 0.02
    u = ember.empty(N, device=device).uniform_(2.0, 4.0)
    assert to_numpy(u).min() >= 2.0 and to_numpy(u).max() < 4.0 and abs(to_numpy(u).mean() - 3.0) < 0.03


def test_bernoulli(device: str) -> None:
    ember.manual_seed(0)
    p = ember.full((N,), 0.3, device=device)
    x = ember.bernoulli(p)
    assert x.dtype == ember.float32 and tuple(x.shape) == (N,) and _on(x, device)
    a = to_numpy(x)
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert abs(a.mean() - 0.3) < 0.02
    probs = ember.tensor([0.0, 1.0, 0.0, 1.0], dtype=ember.float64, device=device)
    assert to_numpy(probs.bernoulli()).tolist() == [0.0, 1.0, 0.0, 1.0]
    assert probs.bernoulli().dtype == ember.float64
    b = ember.empty(N, device=device).bernoulli_(0.8)
    assert abs(to_numpy(b).mean() - 0.8) < 0.02
    q = ember.bernoulli(ember.full((4,), 0.5, device=device), p=0.0)
    assert to_numpy(q).tolist() == [0.0, 0.0, 0.0, 0.0]
