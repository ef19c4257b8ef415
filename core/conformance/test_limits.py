"""Limits (Hardening issue): sizes a device cannot hold, fill values a dtype cannot represent, NaN clamp
bounds and integer scalars past a dtype's range behave as in PyTorch: a RuntimeError (never a crash or a
silently wrong tensor), NaN, or two's-complement wrapping.

The allocation cases ask for petabytes: every backend must refuse them before allocating, since some
(XLA) abort the whole process instead of raising. ``tests/test_allocation_guards.py`` runs them in a
subprocess to prove no signal is raised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember

from ._helpers import assert_close, get_torch, skip_unsupported, supports_dtype, to_numpy

#: bytes no test machine has: 2**40 float64 elements (8 TiB)
HUGE = 2**40
HUGE_BYTES = HUGE * 8

OVERFLOW_CASES: list[tuple[str, Callable[[str], Any], str]] = [
    ("empty_2e62", lambda d: ember.empty(2**62, device=d), "[4611686018427387904]"),
    ("zeros_2d", lambda d: ember.zeros(2**32, 2**32, dtype=ember.uint8, device=d), "[4294967296, 4294967296]"),
    ("prefix_then_0", lambda d: ember.ones(2**32, 2**32, 0, device=d), "[4294967296, 4294967296, 0]"),
    ("eye", lambda d: ember.eye(2**31, device=d), "[2147483648, 2147483648]"),
    ("arange", lambda d: ember.arange(2**62, device=d), "[4611686018427387904]"),
    ("randperm", lambda d: ember.randperm(2**62, device=d), "[4611686018427387904]"),
    ("randint", lambda d: ember.randint(10, (2**62,), device=d), "[4611686018427387904]"),
]


@pytest.mark.parametrize("case, make, sizes", OVERFLOW_CASES, ids=[c[0] for c in OVERFLOW_CASES])
def test_size_overflow_raises(device: str, case: str, make: Callable[[str], Any], sizes: str) -> None:
    with pytest.raises(RuntimeError, match=f"^Storage size calculation overflowed with sizes={re.escape(sizes)}$"):
        make(device)


ALLOC_CASES: list[tuple[str, Callable[[str], Any], int]] = [
    ("empty", lambda d: ember.empty(HUGE, dtype=ember.float64, device=d), HUGE_BYTES),
    ("zeros", lambda d: ember.zeros(HUGE, dtype=ember.float64, device=d), HUGE_BYTES),
    ("ones_2d", lambda d: ember.ones(2**20, 2**20, dtype=ember.float64, device=d), HUGE_BYTES),
    ("full", lambda d: ember.full((HUGE,), 1.5, dtype=ember.float64, device=d), HUGE_BYTES),
    ("size_kw", lambda d: ember.zeros(size=(HUGE,), dtype=ember.float64, device=d), HUGE_BYTES),
    ("rand", lambda d: ember.rand(HUGE, dtype=ember.float64, device=d), HUGE_BYTES),
    ("randn", lambda d: ember.randn(HUGE, device=d), HUGE * 4),
    ("normal", lambda d: ember.normal(0.0, 1.0, size=(HUGE,), dtype=ember.float64, device=d), HUGE_BYTES),
    ("randint", lambda d: ember.randint(0, 5, (HUGE,), device=d), HUGE_BYTES),
    ("randperm", lambda d: ember.randperm(HUGE, device=d), HUGE_BYTES),
    ("arange_int", lambda d: ember.arange(HUGE, device=d), HUGE_BYTES),
    ("arange_float", lambda d: ember.arange(0.0, float(HUGE), dtype=ember.float64, device=d), HUGE_BYTES),
    ("linspace", lambda d: ember.linspace(0, 1, HUGE, dtype=ember.float64, device=d), HUGE_BYTES),
    ("logspace", lambda d: ember.logspace(0, 1, HUGE, dtype=ember.float64, device=d), HUGE_BYTES),
    ("eye", lambda d: ember.eye(2**20, dtype=ember.float64, device=d), HUGE_BYTES),
    ("eye_offset", lambda d: ember.eye(2**20, k=1, dtype=ember.float64, device=d), HUGE_BYTES),
    ("new_empty", lambda d: ember.zeros(1, dtype=ember.float64, device=d).new_empty(HUGE), HUGE_BYTES),
    ("new_zeros", lambda d: ember.zeros(1, dtype=ember.float64, device=d).new_zeros(HUGE), HUGE_BYTES),
    ("new_ones", lambda d: ember.zeros(1, dtype=ember.float64, device=d).new_ones((HUGE,)), HUGE_BYTES),
    ("new_full", lambda d: ember.zeros(1, dtype=ember.float64, device=d).new_full((HUGE,), 2.0), HUGE_BYTES),
]


@pytest.mark.parametrize("case, make, nbytes", ALLOC_CASES, ids=[c[0] for c in ALLOC_CASES])
def test_allocation_beyond_device_raises(device: str, case: str, make: Callable[[str], Any], nbytes: int) -> None:
    with pytest.raises(RuntimeError, match=f"can't allocate memory: you tried to allocate {nbytes} bytes"):
        make(device)


def test_allocation_error_matches_torch(device: str) -> None:
    torch = get_torch()
    if torch is None:
        pytest.skip("PyTorch is not installed (install ember[oracle] for parity tests)")
    with pytest.raises(RuntimeError) as want:
        torch.zeros(HUGE, dtype=torch.float64)
    with pytest.raises(RuntimeError) as got:
        ember.zeros(HUGE, dtype=ember.float64, device=device)
    phrase = f"can't allocate memory: you tried to allocate {HUGE_BYTES} bytes"
    assert phrase in str(want.value) and phrase in str(got.value)
    with pytest.raises(RuntimeError) as want:
        torch.empty(2**62)
    with pytest.raises(RuntimeError) as got:
        ember.empty(2**62, device=device)
    assert str(got.value) == str(want.value)


def test_empty_tensor_with_large_sizes(device: str) -> None:
    # holds no element, so it is created, as in PyTorch, while its sizes' bytes fit in int64
    x = ember.zeros(2**62, 0, dtype=ember.uint8, device=device)
    assert tuple(x.shape) == (2**62, 0) and x.numel() == 0
    assert tuple(ember.ones_like(x).shape) == (2**62, 0)


def test_negative_and_too_large_sizes(device: str) -> None:
    with pytest.raises(RuntimeError, match=re.escape("Trying to create tensor with negative dimension -1: [-1]")):
        ember.empty(-1, device=device)
    with pytest.raises(RuntimeError, match=re.escape("zeros: Dimension size must be non-negative.")):  # PyTorch 2.13's
        ember.zeros(3, -1, device=device)
    with pytest.raises(RuntimeError, match=re.escape("Trying to create tensor with negative dimension -2: [-2]")):
        ember.randn(-2, device=device)
    # PyTorch's sizes are int64: a larger Python int fails to convert
    with pytest.raises(TypeError, match="Overflow when unpacking long long"):
        ember.empty(2**63, device=device)


def test_small_creations_still_work(device: str) -> None:
    assert tuple(ember.empty(0, device=device).shape) == (0,)
    assert tuple(ember.zeros(2**20, 0, device=device).shape) == (2**20, 0)
    assert_close(ember.eye(2, 3, device=device), np.eye(2, 3, dtype=np.float32))
    assert_close(ember.arange(3, device=device), [0, 1, 2], dtype="int64")


# -- fill values -------------------------------------------------------------------------------------

#: (dtype, value, PyTorch's C++ type in its overflow message), each verified against torch 2.13
FILL_OVERFLOW = [
    ("int32", 2**40, "int"),
    ("int32", 2**31, "int"),
    ("int32", 2.5e10, "int"),
    ("int32", float("nan"), "int"),
    ("int32", float("inf"), "int"),
    ("int32", 1 + 2j, "int"),
    ("int8", 128, "int8_t"),
    ("int8", -255, "int8_t"),
    ("uint8", 300, "uint8_t"),
    ("uint8", -256, "uint8_t"),
    ("uint8", -0.5, "uint8_t"),
    ("int16", 2**15, "int16_t"),
    ("int64", 2**63, "int64_t"),
    ("float32", 1e39, "float"),
    ("float32", 1 + 2j, "float"),
    ("float16", 1e10, "c10::Half"),
    ("bfloat16", 1e300, "c10::BFloat16"),
    ("complex64", complex(1, 1e39), "c10::complex<float>"),
]


@pytest.mark.parametrize("dtype, value, ctype", FILL_OVERFLOW, ids=[f"{d}-{v}" for d, v, _ in FILL_OVERFLOW])
def test_fill_value_overflow_raises(device: str, dtype: str, value: Any, ctype: str) -> None:
    skip_unsupported(device, dtype)
    dt = getattr(ember, dtype)
    msg = f"^value cannot be converted to type {re.escape(ctype)} without overflow$"
    with pytest.raises(RuntimeError, match=msg):
        ember.full((2,), value, dtype=dt, device=device)
    x = ember.zeros(2, dtype=dt, device=device)
    with pytest.raises(RuntimeError, match=msg):
        ember.full_like(x, value)
    with pytest.raises(RuntimeError, match=msg):
        x.new_full((2,), value)
    with pytest.raises(RuntimeError, match=msg):
        x.fill_(value)
    assert x.tolist() == [0, 0]  # a failed fill_ leaves the tensor as it was


#: (dtype, value, PyTorch's stored value): accepted, with negative ints wrapped into unsigned types
FILL_OK = [
    ("int32", -(2**31), -(2**31)),
    ("int32", 2**31 - 1, 2**31 - 1),
    ("int32", 1.5, 1),
    ("int32", 1 + 0j, 1),
    ("uint8", -1, 255),
    ("uint8", -255, 1),
    ("int8", True, 1),
    ("int64", 2**63 - 1, 2**63 - 1),
    ("bool", 2**40, True),
    ("float32", float("inf"), math.inf),
    ("float32", 2**63, 2.0**63),
    ("float64", 1e300, 1e300),
]


@pytest.mark.parametrize("dtype, value, stored", FILL_OK, ids=[f"{d}-{v}" for d, v, _ in FILL_OK])
def test_fill_value_in_range(device: str, dtype: str, value: Any, stored: Any) -> None:
    skip_unsupported(device, dtype)
    t = ember.full((2,), value, dtype=getattr(ember, dtype), device=device)
    assert t.dtype == getattr(ember, dtype)
    assert t.tolist() == [stored, stored]


def test_fill_value_beyond_uint64_is_overflow_error(device: str) -> None:
    with pytest.raises(OverflowError, match="int too big to convert"):
        ember.full((1,), 2**64, dtype=ember.int64, device=device)
    with pytest.raises(OverflowError):
        ember.full((1,), -(2**63) - 1, dtype=ember.int64, device=device)


def test_fill_values_match_torch(device: str) -> None:
    torch = get_torch()
    if torch is None:
        pytest.skip("PyTorch is not installed (install ember[oracle] for parity tests)")
    values = [0, -1, 127, 128, 255, 256, -129, 2**31, -(2**31) - 1, 2**62, 1.5, -0.5, 255.5, 3.5e38, 1e39, 7e4, 70000,
              float("inf"), float("nan"), True, 2 + 0j, 2 + 1j]
    for name in ("uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "bool", "complex64"):
        if not supports_dtype(device, name):
            continue
        for v in values:
            # NOTE: two elements, since PyTorch's one-element fill skips the overflow check (70000 gives inf
            # as float16 there, and raises for any larger tensor)
            try:
                want: Any = torch.full((2,), v, dtype=getattr(torch, name)).tolist()
            except RuntimeError as e:
                want = str(e)
            try:
                got: Any = ember.full((2,), v, dtype=getattr(ember, name), device=device).tolist()
            except RuntimeError as e:
                got = str(e)
            assert _same(got, want), f"full((2,), {v!r}, dtype={name}): ember {got!r}, torch {want!r}"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return all(x == y or (x != x and y != y) for x, y in zip(a, b))
    return bool(a == b)


# -- clamp with NaN bounds --------------------------------------------------------------------------


@pytest.mark.parametrize("bounds", [{"min": math.nan}, {"max": math.nan}, {"min": 0.0, "max": math.nan},
                                    {"min": math.nan, "max": 2.0}], ids=["min", "max", "max_only_nan", "min_only_nan"])
def test_clamp_nan_scalar_bound_is_nan(device: str, bounds: dict[str, float]) -> None:
    x = ember.tensor([1.0, -2.0, 3.0], device=device, requires_grad=True)
    y = ember.clamp(x, **bounds)
    assert np.isnan(to_numpy(y)).all()
    y.sum().backward()
    assert x.grad is not None
    assert_close(x.grad, [0.0, 0.0, 0.0])  # PyTorch: no element is inside a NaN range
    assert np.isnan(to_numpy(x.detach().clone().clamp_(**bounds))).all()
    assert np.isnan(to_numpy(ember.clip(x.detach(), **bounds))).all()


def test_clamp_nan_on_integer_input_is_float_nan(device: str) -> None:
    y = ember.clamp(ember.tensor([1, 2, 3], device=device), min=math.nan)
    assert y.dtype == ember.get_default_dtype()
    assert np.isnan(to_numpy(y)).all()


def test_clamp_nan_tensor_bound_is_elementwise(device: str) -> None:
    x = ember.tensor([1.0, 2.0, 3.0], device=device)
    assert_close(ember.clamp(x, min=ember.tensor([math.nan, 0.0, 5.0], device=device)), [math.nan, 2.0, 5.0])
    assert_close(ember.clamp(x, max=ember.tensor([math.nan, 0.0, 5.0], device=device)), [math.nan, 0.0, 3.0])


def test_clamp_bound_outside_dtype(device: str) -> None:
    x = ember.tensor([1, 100], dtype=ember.int8, device=device)
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        ember.clamp(x, min=300)
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        ember.clamp(x, max=-200)
    # a float bound promotes the result instead, so it does not overflow
    assert_close(ember.clamp(x, min=2.5e10), [2.5e10, 2.5e10], dtype=ember.get_default_dtype())
    # PyTorch lets -1 into uint8 as 255
    assert_close(ember.clamp(ember.tensor([5, 200], dtype=ember.uint8, device=device), min=-1), [255, 255],
                 dtype="uint8")


# -- integer arithmetic wraps ------------------------------------------------------------------------

#: (dtype, start, op, PyTorch's result), each verified against torch 2.13
WRAP_CASES: list[tuple[str, int, Callable[[Any], Any], int | bool]] = [
    ("int8", 100, lambda a: a + 100, -56),
    ("int8", 100, lambda a: a * 3, 44),
    ("int8", 100, lambda a: a - 200, -100),
    ("int8", 100, lambda a: a + 1000, 76),
    ("int8", 100, lambda a: a + 2**40, 100),
    ("int8", 100, lambda a: a + 2**63, 100),
    ("int8", 100, lambda a: a + a, -56),
    ("int8", 100, lambda a: a * a, 16),
    ("int8", 100, lambda a: 200 - a, 100),
    ("int8", 100, lambda a: a % 300, 12),
    ("int8", 100, lambda a: a & 300, 36),
    ("int8", 100, lambda a: a ** 3, 64),
    ("int8", 100, lambda a: a.add(300), -112),
    ("int8", 100, lambda a: a.clone().add_(300), -112),
    ("int8", 100, lambda a: a.clone().mul_(3), 44),
    ("int8", 100, lambda a: a == 356, True),
    ("int8", 100, lambda a: a < 300, False),
    ("int8", -128, lambda a: -a, -128),
    ("uint8", 200, lambda a: a + 100, 44),
    ("uint8", 200, lambda a: a + (-1), 199),
    ("uint8", 200, lambda a: a - 201, 255),
    ("uint8", 200, lambda a: a - 300, 156),
    ("uint8", 200, lambda a: a * 2, 144),
    ("int16", 30000, lambda a: a + 30000, -5536),
    ("int16", 30000, lambda a: a + 70000, -31072),
    ("int32", 2**31 - 1, lambda a: a + 1, -(2**31)),
    ("int32", 2**31 - 1, lambda a: a + 2**40, 2**31 - 1),
    ("int64", 2**63 - 1, lambda a: a + 1, -(2**63)),
    ("int64", 2**63 - 1, lambda a: a + 2**63, -1),
]


@pytest.mark.parametrize("dtype, start, op, want", WRAP_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(WRAP_CASES)])
def test_integer_overflow_wraps(device: str, dtype: str, start: int, op: Callable[[Any], Any],
                                want: int | bool) -> None:
    a = ember.tensor([start], dtype=getattr(ember, dtype), device=device)
    r = op(a)
    assert r.tolist() == [want]
    if not isinstance(want, bool):
        assert r.dtype == a.dtype
    torch = get_torch()
    if torch is not None:
        assert op(torch.tensor([start], dtype=getattr(torch, dtype))).tolist() == [want]


def test_integer_scalar_beyond_uint64_is_overflow_error(device: str) -> None:
    a = ember.tensor([1], dtype=ember.int8, device=device)
    with pytest.raises(OverflowError, match="int too big to convert"):
        a + 2**64
