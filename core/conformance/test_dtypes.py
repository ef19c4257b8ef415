"""dtypes and devices: names and aliases, promotion rules, the default dtype, ``ember.device``."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import ember

from . import strategies as S
from ._helpers import assert_close, get_torch, supports_dtype


@pytest.fixture
def float64_default() -> Iterator[None]:
    ember.set_default_dtype(ember.float64)
    try:
        yield
    finally:
        ember.set_default_dtype(ember.float32)


def test_dtype_objects() -> None:
    assert ember.float is ember.float32 and ember.double is ember.float64 and ember.half is ember.float16
    assert ember.long is ember.int64 and ember.int is ember.int32 and ember.short is ember.int16
    for name in S.ALL_DTYPES:
        dt = getattr(ember, name)
        assert isinstance(dt, ember.dtype)
        assert repr(dt) == f"ember.{name}"
        assert dt.is_floating_point == (name in S.FLOAT_DTYPES)
        assert dt.itemsize == (1 if name == "bool" else np.dtype(name).itemsize if name != "bfloat16" else 2)
    assert ember.int8.is_signed and not ember.uint8.is_signed
    assert ember.float32 == ember.float32 and ember.float32 != ember.float64
    assert len({ember.float32, ember.float, ember.int64}) == 2


def test_promote_types_vs_torch() -> None:
    torch = get_torch()
    if torch is None:
        pytest.skip("PyTorch is not installed (the hand-written table is in test_elementwise)")
    for a in S.ALL_DTYPES:
        for b in S.ALL_DTYPES:
            want = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
            got = ember.promote_types(getattr(ember, a), getattr(ember, b))
            assert got == getattr(ember, want), f"promote_types({a}, {b}) = {got}, PyTorch: {want}"


def test_can_cast() -> None:
    assert ember.can_cast(ember.int32, ember.float32)
    assert not ember.can_cast(ember.float32, ember.int64)
    assert ember.can_cast(ember.bool, ember.uint8)
    assert not ember.can_cast(ember.int8, ember.bool)


def test_result_type_with_scalars(device: str) -> None:
    i32 = ember.zeros(2, dtype=ember.int32, device=device)
    f16 = ember.zeros(2, dtype=ember.float16, device=device)
    b = ember.zeros(2, dtype=ember.bool, device=device)
    assert ember.result_type(i32, 5) == ember.int32  # Python scalars are weak
    assert ember.result_type(i32, 5.0) == ember.float32  # ... but a higher category wins
    assert ember.result_type(b, 5) == ember.int64
    assert ember.result_type(b, True) == ember.bool
    if supports_dtype(device, "float16"):
        assert ember.result_type(f16, 2.5) == ember.float16
        assert ember.result_type(f16, i32) == ember.float16
    assert ember.result_type(2, 3.0) == ember.float32
    assert ember.result_type(2, 3) == ember.int64


def test_default_dtype(device: str, float64_default: None) -> None:
    assert ember.get_default_dtype() == ember.float64
    assert ember.tensor([1.0], device=device).dtype == ember.float64
    assert ember.tensor(2.5, device=device).dtype == ember.float64
    assert ember.zeros(2, device=device).dtype == ember.float64
    assert ember.ones(2, device=device).dtype == ember.float64
    assert ember.full((2,), 1.5, device=device).dtype == ember.float64
    assert ember.arange(0.0, 1.0, 0.5, device=device).dtype == ember.float64
    assert ember.linspace(0, 1, 3, device=device).dtype == ember.float64
    assert ember.rand(2, device=device).dtype == ember.float64
    assert ember.randn(2, device=device).dtype == ember.float64
    i = ember.tensor([1, 2], device=device)
    assert i.dtype == ember.int64, "the default dtype is for floats only"
    assert (i / i).dtype == ember.float64
    assert (i * 1.5).dtype == ember.float64
    assert i.exp().dtype == ember.float64
    assert ember.tensor([1.0], dtype=ember.float32, device=device).dtype == ember.float32
    # float32 tensors stay float32 with float scalars
    assert (ember.ones(2, dtype=ember.float32, device=device) * 2.5).dtype == ember.float32


def test_default_dtype_restored() -> None:
    assert ember.get_default_dtype() == ember.float32


@pytest.mark.parametrize("bad", ["int64", "int32", "bool"])
def test_set_default_dtype_rejects_non_float(bad: str) -> None:
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        ember.set_default_dtype(getattr(ember, bad))
    assert ember.get_default_dtype() == ember.float32


@pytest.mark.parametrize("dtype", S.ALL_DTYPES)
def test_every_dtype_holds_values(device: str, dtype: str) -> None:
    if not supports_dtype(device, dtype):
        with pytest.raises(TypeError):
            ember.zeros(2, dtype=getattr(ember, dtype), device=device)
        return
    vals = {
        "bool": [True, False],
        "uint8": [0, 255],
        "int8": [-128, 127],
        "int16": [-32768, 32767],
        "int32": [-(2**31), 2**31 - 1],
        "int64": [-(2**63), 2**63 - 1],
        "float16": [65504.0, -0.5],
        "bfloat16": [1.0, -256.0],
        "float32": [2.0**100, -(2.0**-100)],
        "float64": [1e300, -1e-300],
    }[dtype]
    t = ember.tensor(vals, dtype=getattr(ember, dtype), device=device)
    assert t.dtype == getattr(ember, dtype)
    assert t.tolist() == vals
    if dtype != "bfloat16":  # NumPy has no bfloat16 without ml_dtypes
        assert t.cpu().numpy().tolist() == vals


def test_integer_overflow_wraps(device: str) -> None:
    x = ember.tensor([250], dtype=ember.uint8, device=device)
    assert_close(x + 10, [4], dtype="uint8")
    y = ember.tensor([127], dtype=ember.int8, device=device)
    assert_close(y + ember.tensor([1], dtype=ember.int8, device=device), [-128], dtype="int8")


# --- devices -------------------------------------------------------------------------------------


def test_device_objects(device: str) -> None:
    d = ember.device(device)
    assert ember.device(d) == d
    assert ember.device("cpu") == ember.device("cpu") and ember.device("cpu") != ember.device("cuda")
    assert str(ember.device("cpu")) == "cpu" and repr(ember.device("cpu")) == "device(type='cpu')"
    c0 = ember.device("cuda:1")
    assert c0.type == "cuda" and c0.index == 1 and str(c0) == "cuda:1"
    assert repr(ember.device("cuda", 0)) == "device(type='cuda', index=0)"
    assert ember.device("cuda", 1) == c0
    assert hash(ember.device("cpu")) == hash(ember.device("cpu"))
    t = ember.zeros(1, device=device)
    assert isinstance(t.device, ember.device) and t.device.type == d.type
    assert t.is_cuda == (d.type == "cuda")


def test_device_strings_errors() -> None:
    with pytest.raises(RuntimeError, match="Invalid device string|Expected one of"):
        ember.device("nonsense")
    with pytest.raises(RuntimeError):
        ember.device("cpu:x")
    with pytest.raises(RuntimeError, match="Device index must not be negative"):
        ember.device("cuda", -1)


def test_cuda_queries() -> None:
    assert isinstance(ember.cuda.is_available(), bool)
    n = ember.cuda.device_count()
    assert isinstance(n, int) and n >= 0
    assert (n > 0) == ember.cuda.is_available()


def test_set_default_device(device: str) -> None:
    prev = ember.get_default_device()
    try:
        ember.set_default_device(device)
        assert ember.zeros(2).device.type == ember.device(device).type
        assert ember.tensor([1.0]).device.type == ember.device(device).type
        assert ember.arange(3).device.type == ember.device(device).type
    finally:
        ember.set_default_device(prev)
    assert (
        ember.zeros(1).device == ember.device(prev) or ember.zeros(1).device.type == ember.device(prev).type
    )
