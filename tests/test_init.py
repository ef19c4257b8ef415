"""``nn.init``: each initialization's bounds and statistics against PyTorch's formulas, fan
computation against ``torch.nn.init._calculate_fan_in_and_fan_out``, deterministic fills against
PyTorch's output, and reproducibility (one seed, one result, on every backend: docs/architecture.md §5).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init

try:
    import torch
except ImportError:  # pragma: no cover - machines without the oracle extra
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle extra) is not installed")

SHAPES = [(2, 3), (64, 32), (4, 3, 5), (8, 4, 3, 3), (2, 3, 1, 1, 2)]


def host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(force=True), dtype=np.float64)


def other_devices() -> list[str]:
    from ember import plugins

    registered = plugins.registered_backends()
    check = getattr(plugins, "unavailable_reason", lambda be: None)
    return [d for d in ("cuda", "jax") if d in registered and check(registered[d]) is None]


def se(n: int) -> float:
    """Six standard errors of a mean of n unit-variance samples: a bound a correct init never breaks."""
    return 6.0 / math.sqrt(n)


# -- gains and fans ----------------------------------------------------------------------------------

@needs_torch
@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None), ("conv_transpose1d", None),
    ("conv_transpose2d", None), ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)),
    ("selu", None),
])
def test_calculate_gain_matches_pytorch(nonlinearity: str, param: Any) -> None:
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors() -> None:
    with pytest.raises(ValueError, match="Unsupported nonlinearity softmax"):
        init.calculate_gain("softmax")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)


@needs_torch
@pytest.mark.parametrize("shape", SHAPES + [(3, 0), (0, 3, 2)])
def test_fan_in_and_fan_out_match_pytorch(shape: tuple[int, ...]) -> None:
    got = init._calculate_fan_in_and_fan_out(ember.empty(shape))
    assert got == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def test_fan_needs_two_dims() -> None:
    msg = "Fan in and fan out can not be computed for tensor with fewer than 2"
    with pytest.raises(ValueError, match=msg):
        init._calculate_fan_in_and_fan_out(ember.empty(5))
    msg = r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"
    with pytest.raises(ValueError, match=msg):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


# -- random initializations --------------------------------------------------------------------------

def _uniform_checks(x: np.ndarray, bound: float) -> None:
    assert np.all(np.abs(x) <= bound * (1 + 1e-6))
    assert np.abs(x).max() > 0.9 * bound  # the whole range is used
    # U(-b, b) has std b / sqrt(3)
    assert abs(x.mean()) < se(x.size) * bound / math.sqrt(3)
    assert abs(x.std() / (bound / math.sqrt(3)) - 1) < 0.05


def _normal_checks(x: np.ndarray, mean: float, std: float) -> None:
    assert abs(x.mean() - mean) < se(x.size) * std
    assert abs(x.std() / std - 1) < 0.05


def test_uniform_and_normal() -> None:
    x = init.uniform_(ember.empty(200, 100), -3.0, 5.0)
    v = host(x)
    assert v.min() >= -3.0 and v.max() < 5.0 and abs(v.mean() - 1.0) < se(v.size) * 8 / math.sqrt(12)
    assert np.all(host(init.uniform_(ember.empty(100))) >= 0)
    _normal_checks(host(init.normal_(ember.empty(200, 100), 2.0, 0.5)), 2.0, 0.5)


@pytest.mark.parametrize("gain", [1.0, init.calculate_gain("relu")])
def test_xavier(gain: float) -> None:
    for shape in [(300, 200), (64, 32, 3, 3)]:
        t = ember.empty(shape)
        fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        _uniform_checks(host(init.xavier_uniform_(t, gain=gain)), math.sqrt(3.0) * std)
        _normal_checks(host(init.xavier_normal_(t, gain=gain)), 0.0, std)


@pytest.mark.parametrize("a,mode,nonlinearity", [
    (0, "fan_in", "leaky_relu"), (math.sqrt(5), "fan_in", "leaky_relu"), (0, "fan_out", "relu"),
    (0.1, "fan_out", "leaky_relu"), (0, "fan_in", "tanh"),
])
def test_kaiming(a: float, mode: str, nonlinearity: str) -> None:
    for shape in [(256, 300), (64, 32, 3, 3)]:
        t = ember.empty(shape)
        fan_in, fan_out = init._calculate_fan_in_and_fan_out(t)
        std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
        _uniform_checks(host(init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity)),
                        math.sqrt(3.0) * std)
        _normal_checks(host(init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)), 0.0, std)


def test_kaiming_on_zero_element_tensor_warns() -> None:
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            fn(ember.empty(0, 3))


@pytest.mark.parametrize("mean,std,a,b", [
    (0.0, 1.0, -2.0, 2.0),    # wide window: rejection from the normal
    (0.0, 1.0, 2.0, 3.0),     # narrow tail window: rejection from the uniform
    (1.0, 0.02, 0.99, 1.0),   # one-sided narrow window
    (0.0, 0.5, -0.1, 0.3),
])
def test_trunc_normal(mean: float, std: float, a: float, b: float) -> None:
    x = host(init.trunc_normal_(ember.empty(300, 100), mean, std, a, b))
    assert x.min() >= a and x.max() <= b
    # moments of the truncated normal
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2
    z = cdf(beta) - cdf(alpha)
    exp_mean = mean + std * (pdf(alpha) - pdf(beta)) / z
    exp_var = std**2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    assert abs(x.mean() - exp_mean) < se(x.size) * math.sqrt(exp_var)
    assert abs(x.std() / math.sqrt(exp_var) - 1) < 0.05


def test_trunc_normal_warns_far_mean() -> None:
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        x = init.trunc_normal_(ember.empty(100), mean=10.0, std=1.0, a=-1.0, b=1.0)
    assert host(x).min() >= -1.0 and host(x).max() <= 1.0


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3, 3), (1, 9)])
def test_orthogonal(shape: tuple[int, ...]) -> None:
    x = host(init.orthogonal_(ember.empty(shape), gain=2.0)).reshape(shape[0], -1)
    rows, cols = x.shape
    gram = x.T @ x if rows >= cols else x @ x.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(ember.empty(3))


def test_sparse() -> None:
    x = host(init.sparse_(ember.empty(20, 7), sparsity=0.3, std=0.5))
    assert all((x[:, j] == 0).sum() == math.ceil(0.3 * 20) for j in range(7))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(ember.empty(2, 2, 2), 0.5)


# -- deterministic fills -----------------------------------------------------------------------------

@needs_torch
def test_constant_ones_zeros_eye_match_pytorch() -> None:
    for fn_name, args in [("constant_", (2.5,)), ("ones_", ()), ("zeros_", ())]:
        got = getattr(init, fn_name)(ember.empty(3, 4), *args)
        want = getattr(torch.nn.init, fn_name)(torch.empty(3, 4), *args)
        np.testing.assert_array_equal(host(got), want.numpy())
    for shape in [(3, 3), (2, 5), (5, 2)]:
        np.testing.assert_array_equal(host(init.eye_(ember.empty(shape))),
                                      torch.nn.init.eye_(torch.empty(shape)).numpy())
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(ember.empty(2, 2, 2))


@needs_torch
@pytest.mark.parametrize("shape,groups", [
    ((4, 4, 3), 1), ((6, 2, 3, 3), 2), ((3, 5, 3, 3, 3), 1), ((4, 2, 5), 2),
])
def test_dirac_matches_pytorch(shape: tuple[int, ...], groups: int) -> None:
    got = init.dirac_(ember.empty(shape), groups=groups)
    want = torch.nn.init.dirac_(torch.empty(shape), groups=groups)
    np.testing.assert_array_equal(host(got), want.numpy())
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(ember.empty(3, 2, 3), groups=2)


# -- grad mode and reproducibility -------------------------------------------------------------------

def test_inits_run_without_recording_and_keep_leaves() -> None:
    p = nn.Parameter(ember.empty(8, 4))
    fns = [
        lambda t: init.uniform_(t), lambda t: init.normal_(t), lambda t: init.trunc_normal_(t),
        lambda t: init.constant_(t, 0.3), lambda t: init.ones_(t), lambda t: init.zeros_(t),
        lambda t: init.eye_(t), lambda t: init.xavier_uniform_(t), lambda t: init.xavier_normal_(t),
        lambda t: init.kaiming_uniform_(t), lambda t: init.kaiming_normal_(t), lambda t: init.orthogonal_(t),
        lambda t: init.sparse_(t, 0.5),
    ]
    for fn in fns:
        assert fn(p) is p
        assert p.is_leaf and p.grad_fn is None and p.requires_grad
    d = nn.Parameter(ember.empty(2, 2, 3))
    assert init.dirac_(d) is d and d.is_leaf


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16])
def test_same_seed_same_values(dtype: Any) -> None:
    def draw() -> list[np.ndarray]:
        ember.manual_seed(1234)
        out = []
        for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_,
                   init.trunc_normal_, init.orthogonal_):
            out.append(host(fn(ember.empty(5, 7, dtype=dtype))))
        return out

    first, second = draw(), draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert all(r.dtype == np.float64 for r in first)
    ember.manual_seed(99)
    assert not np.array_equal(host(init.uniform_(ember.empty(5, 7, dtype=dtype))), first[0])


def test_generator_argument() -> None:
    g = ember.Generator().manual_seed(7)
    a = host(init.kaiming_uniform_(ember.empty(6, 3), generator=g))
    g.manual_seed(7)
    ember.manual_seed(0)  # the default generator plays no part
    b = host(init.kaiming_uniform_(ember.empty(6, 3), generator=g))
    np.testing.assert_array_equal(a, b)
    g.manual_seed(7)
    c = host(init.trunc_normal_(ember.empty(6, 3), generator=g))
    g.manual_seed(7)
    np.testing.assert_array_equal(c, host(init.trunc_normal_(ember.empty(6, 3), generator=g)))


@pytest.mark.parametrize("device", other_devices() or [pytest.param("none", marks=pytest.mark.skip(
    reason="no non-CPU backend available on this machine"))])
def test_same_seed_same_values_on_every_backend(device: str) -> None:
    for fn in (init.uniform_, init.normal_, init.kaiming_uniform_, init.trunc_normal_, init.orthogonal_):
        ember.manual_seed(3)
        on_cpu = host(fn(ember.empty(4, 5)))
        ember.manual_seed(3)
        t = ember.empty(4, 5, device=device)
        out = fn(t)
        assert out is t and t.device.type == device
        np.testing.assert_array_equal(host(t), on_cpu)
    ember.manual_seed(5)
    cpu_model = nn.Linear(4, 3)
    ember.manual_seed(5)
    dev_model = nn.Linear(4, 3, device=device)
    for p, q in zip(cpu_model.parameters(), dev_model.parameters()):
        np.testing.assert_array_equal(host(p), host(q))


def test_no_unexpected_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.kaiming_uniform_(ember.empty(3, 3), a=math.sqrt(5))
        init.trunc_normal_(ember.empty(3, 3), std=0.02)
