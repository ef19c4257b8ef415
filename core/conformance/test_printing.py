"""Printing: ``repr``/``str`` of tensors exactly as PyTorch prints them (dtypes read ``ember.*``).

The expected strings were produced by PyTorch 2.x; on a device other than the CPU the
``device='...'`` suffix is inserted where PyTorch puts it (first suffix).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import ember

from ._helpers import require_torch

# name -> (build on a device, PyTorch's repr on the CPU)
CASES: dict[str, tuple[Callable[[str], Any], str]] = {
    "float_list": (lambda d: ember.tensor([1.0, 2.0], device=d), "tensor([1., 2.])"),
    "float_frac": (lambda d: ember.tensor([5.5, 3.0], device=d), "tensor([5.5000, 3.0000])"),
    "int_matrix": (lambda d: ember.tensor([[1, 2], [3, 4]], device=d), "tensor([[1, 2],\n        [3, 4]])"),
    "float64": (
        lambda d: ember.tensor([1.0, 2.0], dtype=ember.float64, device=d),
        "tensor([1., 2.], dtype=ember.float64)",
    ),
    "int32": (
        lambda d: ember.tensor([1, 2], dtype=ember.int32, device=d),
        "tensor([1, 2], dtype=ember.int32)",
    ),
    "uint8": (
        lambda d: ember.tensor([1, 2], dtype=ember.uint8, device=d),
        "tensor([1, 2], dtype=ember.uint8)",
    ),
    "float16": (
        lambda d: ember.tensor([1.5, 2.0], dtype=ember.float16, device=d),
        "tensor([1.5000, 2.0000], dtype=ember.float16)",
    ),
    "bool": (lambda d: ember.tensor([True, False], device=d), "tensor([ True, False])"),
    "scalar": (lambda d: ember.tensor(3.5, device=d), "tensor(3.5000)"),
    "int_scalar": (lambda d: ember.tensor(3, device=d), "tensor(3)"),
    "empty": (lambda d: ember.zeros(0, 3, device=d), "tensor([], size=(0, 3))"),
    "empty1d": (lambda d: ember.tensor([], device=d), "tensor([])"),
    "sci": (lambda d: ember.tensor([1e-5, 1e5], device=d), "tensor([1.0000e-05, 1.0000e+05])"),
    "neg": (lambda d: ember.tensor([-1.5, 2.25, 100.0], device=d), "tensor([ -1.5000,   2.2500, 100.0000])"),
    "large_vals": (lambda d: ember.tensor([123456.789, 1.0], device=d), "tensor([1.2346e+05, 1.0000e+00])"),
    "nan_inf": (
        lambda d: ember.tensor([float("nan"), float("inf"), -float("inf"), 1.0], device=d),
        "tensor([nan, inf, -inf, 1.])",
    ),
    "3d": (
        lambda d: ember.arange(8, device=d).reshape(2, 2, 2),
        "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])",
    ),
    "requires_grad": (
        lambda d: ember.tensor([1.0, 2.0], device=d, requires_grad=True),
        "tensor([1., 2.], requires_grad=True)",
    ),
    "grad_fn": (
        lambda d: ember.tensor([1.0, 2.0], device=d, requires_grad=True) * 2,
        "tensor([2., 4.], grad_fn=<MulBackward0>)",
    ),
    "summarized": (
        lambda d: ember.arange(2000, device=d),
        "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])",
    ),
    "summarized_2d": (
        lambda d: ember.arange(2000.0, device=d).reshape(40, 50),
        "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,\n         4.9000e+01],\n"
        "        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,\n         9.9000e+01],\n"
        "        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,\n         1.4900e+02],\n"
        "        ...,\n"
        "        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,\n         1.8990e+03],\n"
        "        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,\n         1.9490e+03],\n"
        "        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,\n         1.9990e+03]])",
    ),
}


def _with_device(expected: str, dev: str) -> str:
    """PyTorch's repr with the ``device=`` suffix, which comes before every other suffix."""
    m = re.search(r", (size|dtype|requires_grad|grad_fn)=", expected)
    at = m.start() if m else len(expected) - 1
    return f"{expected[:at]}, device='{dev}'{expected[at:]}"


@pytest.mark.parametrize("name", list(CASES))
def test_repr(device: str, name: str) -> None:
    build, expected = CASES[name]
    t = build(device)
    if str(t.device) != "cpu":
        expected = _with_device(expected, str(t.device))
    assert repr(t) == expected
    assert str(t) == expected


def test_repr_with_default_dtype_float64(device: str) -> None:
    ember.set_default_dtype(ember.float64)
    try:
        t = ember.tensor([1.0, 2.0], device=device)
        f32 = ember.tensor([1.0, 2.0], dtype=ember.float32, device=device)
        exp_t, exp_f32 = "tensor([1., 2.])", "tensor([1., 2.], dtype=ember.float32)"
        if str(t.device) != "cpu":
            exp_t, exp_f32 = _with_device(exp_t, str(t.device)), _with_device(exp_f32, str(t.device))
        assert repr(t) == exp_t
        assert repr(f32) == exp_f32
    finally:
        ember.set_default_dtype(ember.float32)


def test_repr_matches_torch_on_random_values() -> None:
    import numpy as np

    torch = require_torch()

    rng = np.random.default_rng(0)
    for shape, scale in [((3,), 1.0), ((2, 3), 1000.0), ((4, 2), 1e-3), ((2, 2, 2), 50.0), ((7,), 1e9)]:
        a = rng.standard_normal(shape) * scale
        for dt in ("float32", "float64"):
            e = ember.tensor(a, dtype=getattr(ember, dt))
            t = torch.tensor(a, dtype=getattr(torch, dt))
            assert repr(e) == repr(t).replace("torch.", "ember."), f"{shape} {dt}"
    ints = rng.integers(-1000, 1000, (3, 4))
    assert repr(ember.tensor(ints)) == repr(torch.tensor(ints))


def test_set_printoptions() -> None:
    ember.set_printoptions(precision=2)
    try:
        assert repr(ember.tensor([1.23456, 2.0])) == "tensor([1.23, 2.00])"
    finally:
        ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.23456, 2.0])) == "tensor([1.2346, 2.0000])"
