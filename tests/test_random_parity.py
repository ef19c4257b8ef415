"""After ``manual_seed(s)`` ember's CPU samplers give PyTorch CPU's exact values (backends/_torch_rng.py), so
tutorials' printed outputs reproduce; factory functions give those same values on every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember

torch = pytest.importorskip("torch")

SEEDS = [0, 1234, 2**40 + 7, -3]

# (name, call with lib) -- the same call on torch and on ember, after the same manual_seed
SAMPLERS: list[tuple[str, Callable[[Any], Any]]] = [
    ("rand", lambda t: t.rand(4, 5)),
    ("rand-float64", lambda t: t.rand(7, dtype=t.float64)),
    ("rand-bfloat16", lambda t: t.rand(9, dtype=t.bfloat16)),
    ("randn-small-cached", lambda t: t.cat([t.randn(3), t.randn(5), t.randn(1)])),
    ("randn-16", lambda t: t.randn(16)),
    ("randn-tail", lambda t: t.randn(3, 13)),
    ("randn-large", lambda t: t.randn(20000)),
    ("randn-float64", lambda t: t.randn(50, dtype=t.float64)),
    ("randint", lambda t: t.randint(3, 10, (40,))),
    ("randint-high-only", lambda t: t.randint(10, size=(40,))),
    ("randint-64bit-range", lambda t: t.randint(0, 2**40, (8,))),
    ("randperm", lambda t: t.randperm(300)),
    ("normal-size", lambda t: t.normal(2.0, 3.0, size=(40,))),
    ("normal_", lambda t: t.empty(40).normal_(-1.0, 0.5)),
    ("uniform_", lambda t: t.empty(1000).uniform_(-0.123456789, 0.7654321)),
    ("uniform_-float64", lambda t: t.empty(100, dtype=t.float64).uniform_(-2, 3)),
    ("bernoulli_-scalar", lambda t: t.empty(500).bernoulli_(0.3)),
    ("bernoulli-tensor", lambda t: t.bernoulli(t.linspace(0, 1, 200))),
    ("dropout", lambda t: t.nn.functional.dropout(t.ones(8, 50), 0.3)),
    ("Dropout-module", lambda t: t.nn.Dropout(0.5)(t.ones(3, 40))),
    ("rand-then-randn", lambda t: t.cat([t.rand(17), t.randn(17), t.rand(3)])),
]


def _np(x: Any) -> np.ndarray:
    return x.detach().float().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name,call", SAMPLERS, ids=[s[0] for s in SAMPLERS])
def test_cpu_samplers_match_pytorch_bit_for_bit(seed: int, name: str, call: Callable[[Any], Any]) -> None:
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    want, got = call(torch), call(ember)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(_np(got), _np(want))


@pytest.mark.parametrize("make", [
    lambda nn: nn.Linear(20, 10), lambda nn: nn.Conv2d(3, 4, 3), lambda nn: nn.LSTM(4, 5, num_layers=2),
    lambda nn: nn.Embedding(10, 4), lambda nn: nn.GRU(3, 6), lambda nn: nn.BatchNorm1d(5),
], ids=["Linear", "Conv2d", "LSTM", "Embedding", "GRU", "BatchNorm1d"])
def test_initial_weights_match_pytorch(make: Callable[[Any], Any]) -> None:
    torch.manual_seed(0)
    ember.manual_seed(0)
    want, got = make(torch.nn).state_dict(), make(ember.nn).state_dict()
    assert list(want) == list(got)
    for k in want:
        np.testing.assert_array_equal(_np(got[k]), _np(want[k]), err_msg=k)


@pytest.mark.parametrize("init", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
                                  "trunc_normal_", "normal_", "uniform_"])
def test_nn_init_matches_pytorch(init: str) -> None:
    torch.manual_seed(5)
    ember.manual_seed(5)
    want = getattr(torch.nn.init, init)(torch.empty(30, 40))
    got = getattr(ember.nn.init, init)(ember.empty(30, 40))
    np.testing.assert_array_equal(_np(got), _np(want))


def test_tutorial_output_reproduces_digit_for_digit() -> None:
    torch.manual_seed(0)
    ember.manual_seed(0)
    assert str(ember.randn(2, 3)) == str(torch.randn(2, 3))
    assert str(ember.rand(3)) == str(torch.rand(3))


def test_generator_objects_and_state_round_trip() -> None:
    tg, eg = torch.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    np.testing.assert_array_equal(_np(ember.randn(20, generator=eg)), _np(torch.randn(20, generator=tg)))
    ember.manual_seed(9)
    ember.randn(5)  # leaves a cached normal in the generator: the state must carry it
    state = ember.get_rng_state()
    a = ember.cat([ember.randn(1), ember.rand(3)])
    ember.set_rng_state(state)
    np.testing.assert_array_equal(_np(ember.cat([ember.randn(1), ember.rand(3)])), _np(a))


@pytest.mark.parametrize("device", device_params())
def test_factory_functions_give_the_same_values_on_every_backend(device: str) -> None:
    for fn in (lambda d: ember.randn(40, device=d), lambda d: ember.rand(3, 4, device=d),
               lambda d: ember.randint(0, 7, (9,), device=d), lambda d: ember.randperm(12, device=d),
               lambda d: ember.normal(1.0, 2.0, size=(5,), device=d)):
        ember.manual_seed(11)
        want = _np(fn("cpu"))
        ember.manual_seed(11)
        got = fn(device)
        assert str(got.device).startswith(device)
        np.testing.assert_array_equal(_np(got), want)
