"""Tensor printing: ``repr`` of ember tensors against PyTorch's, character for character."""

from __future__ import annotations

import numpy as np
import pytest

import ember

RNG = np.random.default_rng(0)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _restore_printoptions():
    saved = ember.get_printoptions()
    default = ember.get_default_dtype()
    yield
    ember.set_printoptions(**saved)
    ember.set_default_dtype(default)
    try:
        import torch
    except ImportError:
        return
    torch.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)


def torch_repr(t) -> str:
    return repr(t).replace("torch.", "ember.")


# (name, array) pairs; each is printed by both libraries from the same values and dtype
CASES = {
    "scalar_float": np.array(3.5, np.float32),
    "scalar_int": np.array(3, np.int64),
    "scalar_bool": np.array(True),
    "scalar_nan": np.array(np.nan, np.float32),
    "scalar_neg_zero": np.array(-0.0, np.float32),
    "scalar_tiny": np.array(1e-8, np.float32),
    "vec_float": np.array([5.5, 3.0], np.float32),
    "vec_int_valued_float": np.array([1.0, 2.0, -3.0], np.float32),
    "vec_float64": np.array([1.0, 2.0], np.float64),
    "vec_float64_frac": np.array([0.1, 2.25, -7.0]),
    "vec_float16": np.array([0.1, 0.2, 1000.0], np.float16),
    "vec_bool": np.array([True, False]),
    "mat_bool": np.array([[True, False], [False, True]]),
    "mat_int": np.array([[1, 2], [3, 4]]),
    "uint8": np.arange(12, dtype=np.uint8).reshape(3, 4),
    "int8": np.arange(5, dtype=np.int8) - 2,
    "int16": np.arange(9, dtype=np.int16) * 11111,
    "int32_wide": RNG.integers(-1000, 1000, (5, 40)).astype(np.int32),
    "sci_large": np.array([1e10, 1.0], np.float32),
    "sci_small": np.array([1e-5, 1.0], np.float32),
    "sci_ratio": np.array([1001.0, 1.0], np.float32),
    "no_sci_ratio_1000": np.array([1000.0, 1.0], np.float32),
    "sci_above_1e8": np.array([1.5e8, 1.0], np.float32),
    "sci_float64_extreme": np.array([1e200, -1e-200]),
    "sci_mixed_int_valued": np.array([123456789.0, 1.0]),
    "nonfinite_frac": np.array([np.nan, np.inf, -np.inf, 1.5], np.float32),
    "nonfinite_int_valued": np.array([np.nan, np.inf, -np.inf, 1.0], np.float32),
    "nonfinite_and_zero": np.array([np.nan, 0.0], np.float32),
    "neg_zero": np.array([-0.0, 0.0], np.float32),
    "neg_zero_and_one": np.array([-0.0, 1.0], np.float32),
    "mat_inf": np.array([[np.inf]], np.float32),
    "rank3": RNG.standard_normal((2, 3, 4)).astype(np.float32),
    "rank4": RNG.standard_normal((2, 2, 2, 2)).astype(np.float32),
    "long_row_wraps": np.arange(200).astype(np.float32) / 3,
    "long_row_sci": RNG.standard_normal(50).astype(np.float32) * 1e6,
    "wide_matrix_wraps": RNG.standard_normal((3, 9)),
    "threshold_exact": RNG.standard_normal(1000).astype(np.float32),
    "threshold_plus_one": RNG.standard_normal(1001).astype(np.float32),
    "summarized_2000": RNG.standard_normal(2000).astype(np.float32),
    "summarized_arange": np.arange(2000),
    "summarized_100x100": RNG.standard_normal((100, 100)).astype(np.float32),
    "summarized_3x100x100": RNG.standard_normal((3, 100, 100)).astype(np.float32),
    "summarized_only_edges_count": np.concatenate([np.ones(3), np.full(1994, 1e12), np.ones(3)]),
    "empty_1d": np.zeros(0, np.float32),
    "empty_1d_int": np.zeros(0, np.int64),
    "empty_1d_float64": np.zeros(0, np.float64),
    "empty_0x3": np.zeros((0, 3), np.float32),
    "empty_2x0x3_int": np.zeros((2, 0, 3), np.int32),
    "empty_bool": np.zeros((3, 0), np.bool_),
}


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(torch, name):
    arr = CASES[name]
    assert repr(ember.tensor(arr)) == torch_repr(torch.tensor(arr))


@pytest.mark.parametrize(
    "options",
    [
        {"precision": 2},
        {"precision": 0},
        {"precision": 8},
        {"threshold": 5},
        {"edgeitems": 1},
        {"edgeitems": 0},
        {"threshold": 10, "edgeitems": 0},
        {"linewidth": 40},
        {"linewidth": 200},
        {"sci_mode": True},
        {"sci_mode": False},
        {"profile": "short"},
        {"profile": "full"},
        {"profile": "short", "precision": 6},
    ],
    ids=str,
)
def test_set_printoptions_matches_torch(torch, options):
    ember.set_printoptions(**options)
    torch.set_printoptions(**options)
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()
    for name, arr in CASES.items():
        assert repr(ember.tensor(arr)) == torch_repr(torch.tensor(arr)), name


def test_bfloat16_matches_torch(torch):
    for values in ([0.1, 1.7, 300.0], RNG.standard_normal(3000).tolist(), [1e20, 1.0]):
        ours = ember.tensor(values, dtype=ember.bfloat16)
        theirs = torch.tensor(values, dtype=torch.bfloat16)
        assert repr(ours) == torch_repr(theirs)


def test_float32_shows_dtype_when_default_is_float64(torch):
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    for arr in (np.array([1.0, 2.0], np.float32), np.array([1.5, 2.0]), np.zeros(0, np.float32), np.zeros(0)):
        assert repr(ember.tensor(arr)) == torch_repr(torch.tensor(arr))


def test_autograd_suffixes_match_torch(torch):
    arr = np.array([1.0, 2.0], np.float32)
    x, tx = ember.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    assert repr(x) == torch_repr(tx) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == torch_repr(tx * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    # a long row pushes the suffixes onto their own lines
    arr = np.arange(20, dtype=np.float64) + 0.5
    x, tx = ember.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    assert repr(x * 2) == torch_repr(tx * 2)
    assert repr(x.detach()) == torch_repr(tx.detach())


def test_parameter_matches_torch(torch):
    try:
        from ember.nn.parameter import Parameter as parameter
    except ImportError as exc:
        pytest.skip(f"ember.nn.parameter.Parameter is not available: {exc}")
    arr = np.array([[1.5, -2.0], [0.25, 4.0]], np.float32)
    assert repr(parameter(ember.tensor(arr))) == torch_repr(torch.nn.Parameter(torch.tensor(arr)))
    frozen = parameter(ember.tensor(arr), requires_grad=False)
    assert repr(frozen) == torch_repr(torch.nn.Parameter(torch.tensor(arr), requires_grad=False))


def test_literal_reprs():
    """The documented outputs, checked without PyTorch."""
    assert repr(ember.tensor([5.5, 3.0])) == "tensor([5.5000, 3.0000])"
    assert repr(ember.tensor([[1, 2], [3, 4]])) == "tensor([[1, 2],\n        [3, 4]])"
    assert repr(ember.tensor([1.0, 2.0], dtype=ember.float64)) == "tensor([1., 2.], dtype=ember.float64)"
    assert repr(ember.tensor([True, False])) == "tensor([ True, False])"
    assert repr(ember.tensor([1e10, 1.0])) == "tensor([1.0000e+10, 1.0000e+00])"
    assert repr(ember.tensor([float("nan"), float("inf"), -1.0])) == "tensor([nan, inf, -1.])"
    assert repr(ember.tensor(np.zeros((0, 3), np.float32))) == "tensor([], size=(0, 3))"
    assert repr(ember.tensor(np.zeros(0, np.int64))) == "tensor([], dtype=ember.int64)"
    assert repr(ember.tensor(np.arange(2000))) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    doubled = ember.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(doubled) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_non_cpu_device_suffix():
    try:
        x = ember.tensor(3.5, device="jax")
    except (RuntimeError, ImportError) as exc:
        pytest.skip(f"jax backend unavailable: {exc}")
    assert repr(x) == f"tensor(3.5000, device='{x.device}')"
    assert repr(ember.tensor([1.0, 2.0], dtype=ember.float64, device="jax")) == (
        f"tensor([1., 2.], device='{x.device}', dtype=ember.float64)"
    )


def test_printoptions_profiles_and_reset():
    ember.set_printoptions(profile="short")
    assert ember.get_printoptions() == {
        "precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80, "sci_mode": None,
    }
    ember.set_printoptions(profile="full", sci_mode=True)
    assert ember.get_printoptions()["threshold"] == float("inf")
    assert ember.get_printoptions()["sci_mode"] is True
    # like PyTorch, every call sets sci_mode, so leaving it out resets it
    ember.set_printoptions(precision=3)
    assert ember.get_printoptions()["sci_mode"] is None
    ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.12345])) == "tensor([1.1235])"
    ember.set_printoptions(precision=2)
    assert repr(ember.tensor([1.12345])) == "tensor([1.12])"
    ember.set_printoptions(threshold=5)
    assert repr(ember.arange(10)) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
