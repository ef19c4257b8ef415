"""Unit tests of the first-party backends' primitives, on raw arrays (no Tensors).

Each test runs on NumPy and JAX (and CuPy when a GPU is present; skipped with the backend's own
reason otherwise) and compares with a NumPy float64 reference or PyTorch's documented semantics.
"""

from __future__ import annotations

import copy
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from ember import backend as contract
from ember import dtypes as dt
from ember.compute.cupy_backend import CupyBackend
from ember.compute.jax_backend import JaxBackend
from ember.compute.numpy_backend import NumpyBackend

_CLASSES = {"numpy": NumpyBackend, "jax": JaxBackend, "cupy": CupyBackend}
_LOADED: dict[str, Any] = {}


def _loaded(name: str) -> Any:
    be = _LOADED.get(name)
    if be is None:
        be = _CLASSES[name]()
        if not be.is_available():
            pytest.skip(f"ember backend {name!r} is not available: {be.unavailable_reason()}")
        be.load()
        _LOADED[name] = be
    return be


@pytest.fixture(params=["numpy", "jax", "cupy"])
def be(request: pytest.FixtureRequest) -> Iterator[Any]:
    yield _loaded(request.param)


@pytest.fixture
def npbe() -> Any:
    return _loaded("numpy")


def idx(be: Any) -> int | None:
    """The device index primitives take: None on the CPU, device 0 elsewhere."""
    return None if be.device_type == "cpu" else 0


def put(be: Any, values: Any, dtype: Any = None) -> Any:
    """A native array of ``values`` (a list or NumPy array) on ``be``'s device 0."""
    arr = np.asarray(values, dtype=dtype)
    return be.from_host(arr, idx(be))


def host(be: Any, a: Any) -> np.ndarray:
    """A native array's values as a NumPy array."""
    return np.asarray(be.to_host(a))


def bf16() -> Any:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    return ml_dtypes.bfloat16


# -- the contract ------------------------------------------------------------------------------------


def test_all_required_primitives_are_bound(be: Any) -> None:
    assert contract.missing_primitives(be) == []
    assert be.api_version == contract.API_VERSION


def test_hot_elementwise_primitives_are_the_library_functions(npbe: Any) -> None:
    # NOTE: the per-op overhead budget leaves no room for a Python wrapper on these
    hot = ("add", "subtract", "multiply", "divide", "exp", "log", "maximum", "equal", "where", "matmul")
    for name in hot:
        assert getattr(npbe, name) is getattr(np, name), name


def test_registration_and_cheap_availability() -> None:
    from ember.compute import ember_register_backends

    found: list[Any] = []
    ember_register_backends(found.append)
    assert [b.name for b in found] == ["numpy", "cupy", "jax"]
    assert [b.device_type for b in found] == ["cpu", "cuda", "jax"]
    assert found[2].aliases == ("xla",) and not found[2].mutable and found[0].mutable and found[1].mutable
    cupy = found[1]
    if not cupy.is_available():
        reason = cupy.unavailable_reason()
        assert reason and ("CuPy" in reason or "CUDA" in reason)


# -- elementwise -------------------------------------------------------------------------------------

_UNARY_REF = {
    "negative": np.negative, "abs": np.abs, "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh,
    "erf": np.vectorize(math.erf), "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "square": np.square,
}


@pytest.mark.parametrize("name", sorted(_UNARY_REF))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_against_float64_reference(be: Any, name: str, dtype: str) -> None:
    if name in ("asin", "acos"):
        x = np.linspace(-0.95, 0.95, 25)
    elif name in ("log", "log2", "log10", "log1p", "sqrt", "exp", "tan"):
        x = np.linspace(0.05, 1.5, 25)
    else:
        x = np.linspace(-3.0, 3.0, 25)
    x = x.astype(dtype)
    out = getattr(be, name)(put(be, x))
    got = host(be, out)
    assert got.dtype == np.dtype(dtype), f"{name} changed the dtype to {got.dtype}"
    ref = _UNARY_REF[name](x.astype(np.float64))
    np.testing.assert_allclose(got, ref, rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_erf_and_sigmoid_keep_the_dtype(be: Any, dtype: str) -> None:
    native = bf16() if dtype == "bfloat16" else np.dtype(dtype)
    if getattr(dt, dtype) not in be.dtypes:
        pytest.skip(f"{be.name} does not support {dtype}")
    x = np.linspace(-3, 3, 13).astype(native)
    for name, ref in (("erf", np.vectorize(math.erf)), ("sigmoid", lambda v: 1 / (1 + np.exp(-v)))):
        got = host(be, getattr(be, name)(put(be, x)))
        assert got.dtype == np.dtype(native), f"{name} returned {got.dtype} for {dtype}"
        np.testing.assert_allclose(got.astype(np.float64), ref(x.astype(np.float64)), rtol=1e-2, atol=1e-3)


def test_round_is_half_to_even(be: Any) -> None:
    x = put(be, [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 3.7], np.float32)
    assert host(be, be.round(x)).tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, -2.0, 0.0, 4.0]
    i = put(be, [1, -2, 3], np.int64)
    r = be.round(i)
    assert host(be, r).dtype == np.int64 and host(be, r).tolist() == [1, -2, 3]


def test_sign_follows_pytorch(be: Any) -> None:
    got = host(be, be.sign(put(be, [-2.0, -0.0, 0.0, 3.0, np.nan, -np.inf], np.float32)))
    assert got.dtype == np.float32 and got.tolist() == [-1.0, 0.0, 0.0, 1.0, 0.0, -1.0]
    assert host(be, be.sign(put(be, [-3, 0, 5], np.int32))).tolist() == [-1, 0, 1]
    b = host(be, be.sign(put(be, [True, False])))
    assert b.dtype == np.bool_ and b.tolist() == [True, False]


def test_remainder_has_the_sign_of_the_divisor_and_fmod_of_the_dividend(be: Any) -> None:
    a, b = put(be, [-5, 5, -5, 5], np.int64), put(be, [3, 3, -3, -3], np.int64)
    assert host(be, be.remainder(a, b)).tolist() == [1, 2, -2, -1]
    assert host(be, be.fmod(a, b)).tolist() == [-2, 2, -2, 2]
    fa, fb = put(be, [-5.5, 5.5, -5.5, 5.5]), put(be, [2.0, 2.0, -2.0, -2.0])
    assert host(be, be.remainder(fa, fb)).tolist() == [0.5, 1.5, -1.5, -0.5]
    assert host(be, be.fmod(fa, fb)).tolist() == [-1.5, 1.5, -1.5, 1.5]
    assert host(be, be.remainder(fa, 2)).tolist() == [0.5, 1.5, 0.5, 1.5]


def test_floor_divide_and_true_divide(be: Any) -> None:
    a, b = put(be, [-7, 7, -7, 7], np.int64), put(be, [2, 2, -2, -2], np.int64)
    q = host(be, be.floor_divide(a, b))
    assert q.dtype == np.int64 and q.tolist() == [-4, 3, 3, -4]
    # Python's (and PyTorch's) float floor division: 1.0 // 0.1 == 9.0, not floor(1.0 / 0.1)
    assert host(be, be.floor_divide(put(be, [1.0, -7.5]), put(be, [0.1, 2.0]))).tolist() == [1.0 // 0.1, -4.0]
    d = host(be, be.divide(put(be, [1.0, 3.0], np.float32), 2))
    assert d.dtype == np.float32 and d.tolist() == [0.5, 1.5]


def test_pow_of_integers_to_negative_integers_raises(be: Any) -> None:
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        host(be, be.pow(put(be, [2, 3], np.int64), put(be, [1, -1], np.int64)))
    assert host(be, be.pow(put(be, [2, 3], np.int64), put(be, [3, 0], np.int64))).tolist() == [8, 1]
    assert host(be, be.pow(put(be, [4.0], np.float32), -0.5)).tolist() == [0.5]


def test_python_scalars_are_weak(be: Any) -> None:
    x = put(be, [1.0, 2.0], np.float32)
    assert host(be, be.add(x, 1)).dtype == np.float32
    assert host(be, be.multiply(put(be, [1, 2], np.int32), 3)).dtype == np.int32
    assert host(be, be.where(be.greater(x, 1.5), x, 0.0)).tolist() == [0.0, 2.0]


def test_clip_and_nan_propagation(be: Any) -> None:
    x = put(be, [-2.0, 0.5, 3.0, np.nan], np.float32)
    got = host(be, be.clip(x, -1.0, 1.0))
    assert got[:3].tolist() == [-1.0, 0.5, 1.0] and np.isnan(got[3])
    assert np.isnan(host(be, be.maximum(x, 0.0))[3]) and np.isnan(host(be, be.max(x, None, False)))


# -- reductions --------------------------------------------------------------------------------------


def test_reductions_against_float64_reference(be: Any) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5)).astype(np.float32)
    a = put(be, x)
    refs = (("sum", np.sum), ("prod", np.prod), ("mean", np.mean), ("max", np.max), ("min", np.min))
    for name, ref in refs:
        for axis in (None, 1, (0, 2), -1):
            for keepdims in (False, True):
                got = host(be, getattr(be, name)(a, axis, keepdims))
                want = ref(x.astype(np.float64), axis=axis, keepdims=keepdims)
                assert got.shape == np.shape(want), (name, axis, keepdims)
                assert got.dtype == np.float32, (name, got.dtype)
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    b = put(be, x > 0)
    assert host(be, be.any(b, 0, False)).tolist() == np.any(x > 0, axis=0).tolist()
    assert host(be, be.all(b, (1, 2), True)).tolist() == np.all(x > 0, axis=(1, 2), keepdims=True).tolist()
    assert host(be, be.cumsum(a, 1)).shape == x.shape
    np.testing.assert_allclose(host(be, be.cumprod(a, 2)), np.cumprod(x.astype(np.float64), 2), rtol=1e-5)


def test_reductions_keep_the_dtype(be: Any) -> None:
    i = put(be, [[1, 2], [3, 4]], np.int32)
    for name in ("sum", "prod"):
        assert host(be, getattr(be, name)(i, None, False)).dtype == np.int32
    assert host(be, be.cumsum(i, 0)).dtype == np.int32 and host(be, be.cumprod(i, 1)).dtype == np.int32
    u = put(be, [200, 100], np.uint8)
    assert host(be, be.sum(u, None, False)).dtype == np.uint8


def test_half_precision_sums_accumulate_in_float32(be: Any) -> None:
    if dt.float16 not in be.dtypes:
        pytest.skip("no float16")
    x = put(be, np.full(10000, 0.1, dtype=np.float16))
    s = host(be, be.sum(x, None, False))
    assert s.dtype == np.float16
    assert abs(float(s) - 10000 * float(np.float16(0.1))) < 8  # float16 accumulation stalls at 256
    m = host(be, be.mean(x, None, False))
    assert m.dtype == np.float16 and abs(float(m) - 0.1) < 1e-3
    c = host(be, be.cumsum(x, 0))
    assert c.dtype == np.float16 and abs(float(c[-1]) - 1000) < 8


def test_argmax_takes_the_first_of_ties(be: Any) -> None:
    x = put(be, [[1, 3, 3, 2], [5, 5, 0, 5]], np.int64)
    assert host(be, be.argmax(x, 1, False)).tolist() == [1, 0]
    assert host(be, be.argmin(x, 1, False)).tolist() == [0, 2]
    assert host(be, be.argmax(x, 0, True)).tolist() == [[1, 1, 0, 1]]
    assert int(host(be, be.argmax(x, None, False))) == 4
    f = put(be, [1.0, np.nan, 7.0, np.nan])
    assert int(host(be, be.argmax(f, 0, False))) == 1  # NaN counts as the maximum, as in PyTorch


def test_sort_descending_is_stable(be: Any) -> None:
    x = put(be, [[1, 3, 3, 2, 3, 1], [0, 0, 0, 0, 0, 0]], np.int64)
    assert host(be, be.argsort(x, 1, True, True)).tolist() == [[1, 2, 4, 3, 0, 5], [0, 1, 2, 3, 4, 5]]
    assert host(be, be.argsort(x, 1, False, True)).tolist() == [[0, 5, 3, 1, 2, 4], [0, 1, 2, 3, 4, 5]]
    assert host(be, be.sort(x, 1, True, True)).tolist() == [[3, 3, 3, 2, 1, 1], [0] * 6]
    assert host(be, be.sort(x, 0, False, False)).tolist() == [[0] * 6, [1, 3, 3, 2, 3, 1]]
    f = put(be, [2.0, np.nan, -1.0, 2.0])
    assert host(be, be.argsort(f, 0, True, True)).tolist() == [1, 0, 3, 2]  # NaN first when descending
    assert host(be, be.argsort(f, 0, False, True)).tolist() == [2, 0, 3, 1]
    b = put(be, [False, True, False, True])
    assert host(be, be.argsort(b, 0, True, True)).tolist() == [1, 3, 0, 2]
    u = put(be, [0, 255, 7, 255], np.uint8)
    assert host(be, be.argsort(u, -1, True, False)).tolist() == [1, 3, 2, 0]


def test_unique_with_inverse_and_counts(be: Any) -> None:
    x = np.array([3, 1, 3, 2, 1, 3], dtype=np.int64)
    vals, inv, counts = be.unique(put(be, x), True, True)
    assert host(be, vals).tolist() == [1, 2, 3]
    assert host(be, inv).tolist() == [2, 0, 2, 1, 0, 2]
    assert host(be, counts).tolist() == [2, 1, 3]
    vals, inv, counts = be.unique(put(be, x), False, False)
    assert host(be, vals).tolist() == [1, 2, 3] and inv is None and counts is None
    _, inv, counts = be.unique(put(be, x), False, True)
    assert inv is None and host(be, counts).tolist() == [2, 1, 3]


# -- movement and indexing ---------------------------------------------------------------------------


def test_nonzero_returns_int64_index_arrays(be: Any) -> None:
    parts = be.nonzero(put(be, [[0, 1, 0], [2, 0, 3]], np.int32))
    assert isinstance(parts, tuple) and len(parts) == 2
    assert [host(be, p).tolist() for p in parts] == [[0, 1, 1], [1, 0, 2]]
    assert all(host(be, p).dtype == np.int64 for p in parts)


def test_take_along_axis_and_scatter(be: Any) -> None:
    a = np.arange(12.0).reshape(3, 4)
    i = np.array([[3, 0], [1, 2]])
    got = host(be, be.take_along_axis(put(be, a[:2, :2].copy()), put(be, i % 2), 1))
    assert got.tolist() == np.take_along_axis(a[:2, :2], i % 2, 1).tolist()
    # index smaller than the input along the other axis, as torch.scatter allows
    z = put(be, np.zeros((3, 4)))
    out = host(be, be.scatter(z, put(be, i), put(be, [[1.0, 2.0], [3.0, 4.0]]), 1))
    assert out.tolist() == [[2.0, 0, 0, 1.0], [0, 3.0, 4.0, 0], [0, 0, 0, 0]]
    assert host(be, z).tolist() == np.zeros((3, 4)).tolist(), "scatter must return a new array"
    out0 = host(be, be.scatter(put(be, np.zeros((3, 2))), put(be, [[2, 0]]), put(be, [[5.0, 6.0]]), 0))
    assert out0.tolist() == [[0, 6.0], [0, 0], [5.0, 0]]


def test_index_add_accumulates_repeated_indices(be: Any) -> None:
    a = put(be, np.zeros(5))
    key = (put(be, [0, 2, 0, 0, 4]),)
    out = host(be, be.index_add(a, key, put(be, [1.0, 2.0, 3.0, 4.0, 5.0])))
    assert out.tolist() == [8.0, 0.0, 2.0, 0.0, 5.0]
    assert host(be, a).tolist() == [0.0] * 5, "index_add must return a new array"
    m = put(be, np.zeros((2, 3)))
    out2 = host(be, be.index_add(m, (slice(None), put(be, [1, 1])), 1.0))
    assert out2.tolist() == [[0, 2.0, 0], [0, 2.0, 0]]


def test_index_put_returns_a_new_array(be: Any) -> None:
    a = put(be, np.arange(6.0).reshape(2, 3))
    out = be.index_put(a, (put(be, [1, 0]), put(be, [2, 0])), put(be, [10.0, 20.0]))
    assert host(be, out).tolist() == [[20.0, 1, 2], [3, 4, 10.0]]
    mask = put(be, [[True, False, True], [False, False, False]])
    assert host(be, be.index_put(a, (mask,), -1.0)).tolist() == [[-1.0, 1, -1.0], [3, 4, 5]]
    assert host(be, a).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_getitem_and_movement(be: Any) -> None:
    x = np.arange(24).reshape(2, 3, 4)
    a = put(be, x)
    assert host(be, be.getitem(a, (1, slice(None), slice(None, None, 2)))).tolist() == x[1, :, ::2].tolist()
    assert host(be, be.getitem(a, (Ellipsis, None, 0))).shape == (2, 3, 1)
    assert host(be, be.getitem(a, (put(be, [1, 0]),))).tolist() == x[[1, 0]].tolist()
    assert host(be, be.reshape(a, (4, 6))).tolist() == x.reshape(4, 6).tolist()
    assert host(be, be.permute(a, (2, 0, 1))).tolist() == x.transpose(2, 0, 1).tolist()
    assert host(be, be.broadcast_to(put(be, [1, 2]), (3, 2))).tolist() == [[1, 2]] * 3
    assert host(be, be.concat([a, a], 1)).shape == (2, 6, 4)
    assert host(be, be.stack([a, a], 0)).shape == (2, 2, 3, 4)
    assert host(be, be.flip(a, (0, 2))).tolist() == x[::-1, :, ::-1].tolist()
    assert host(be, be.roll(a, 1, 2)).tolist() == np.roll(x, 1, 2).tolist()
    m = put(be, np.ones((3, 3), dtype=np.int64))
    assert host(be, be.tril(m, 0)).tolist() == np.tril(np.ones((3, 3))).tolist()
    assert host(be, be.triu(m, 1)).tolist() == np.triu(np.ones((3, 3)), 1).tolist()
    assert host(be, be.diagonal(a, 1, 1, 2)).tolist() == np.diagonal(x, 1, 1, 2).tolist()
    assert host(be, be.matmul(put(be, [[1.0, 2.0]]), put(be, [[3.0], [4.0]]))).tolist() == [[11.0]]
    row, col = put(be, [[1.0, 2.0]]), put(be, [[3.0], [4.0]])
    assert host(be, be.einsum("ij,jk->ik", row, col)).tolist() == [[11.0]]


def test_pad_constant_with_negative_widths_cropping(be: Any) -> None:
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = host(be, be.pad(put(be, x), ((1, 0), (0, 2)), -1.0))
    assert got.dtype == np.float32
    assert got.tolist() == np.pad(x, ((1, 0), (0, 2)), constant_values=-1).tolist()
    assert host(be, be.pad(put(be, x), ((0, 0), (-1, 1)), 0)).tolist() == [[1, 2, 0], [4, 5, 0]]


# -- casts, copies, layout ---------------------------------------------------------------------------


def test_astype_returns_the_input_when_the_dtype_matches(be: Any) -> None:
    a = put(be, [1.5, -2.5], np.float32)
    assert be.astype(a, dt.float32) is a
    i = be.astype(a, dt.int64)
    assert host(be, i).dtype == np.int64 and host(be, i).tolist() == [1, -2]
    assert host(be, be.astype(a, dt.bool)).tolist() == [True, True]


def test_bfloat16_astype_roundtrip(be: Any) -> None:
    if dt.bfloat16 not in be.dtypes:
        pytest.skip(f"{be.name} has no bfloat16")
    a = put(be, [1.0, 0.1, 3.140625, -2.0], np.float32)
    b = be.astype(a, dt.bfloat16)
    assert host(be, b).dtype == np.dtype(bf16())
    back = host(be, be.astype(b, dt.float32))
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, [1.0, 0.1, 3.140625, -2.0], rtol=1 / 128)
    assert back[2] == 3.140625  # exactly representable values survive
    s = host(be, be.sum(b, None, False))
    assert s.dtype == np.dtype(bf16())


def test_copy_is_independent(be: Any) -> None:
    a = put(be, [1.0, 2.0])
    c = be.copy(a)
    assert host(be, c).tolist() == [1.0, 2.0]
    if be.mutable:  # an immutable array may be shared instead of copied
        be.setitem(c, (0,), 5.0)
        assert host(be, a).tolist() == [1.0, 2.0]


def test_strides_in_elements(be: Any) -> None:
    a = put(be, np.zeros((2, 3), dtype=np.float32))
    if not be.mutable:
        assert be.strides(a) is None
        return
    assert be.strides(a) == (3, 1)
    assert be.strides(be.permute(a, (1, 0))) == (1, 3)
    assert be.strides(be.broadcast_to(put(be, np.zeros(3)), (4, 3))) == (0, 1)


def test_creation(be: Any) -> None:
    i = idx(be)
    assert host(be, be.zeros((2, 3), dt.float32, i)).tolist() == [[0.0] * 3] * 2
    assert host(be, be.ones((2,), dt.int64, i)).dtype == np.int64
    assert host(be, be.empty((0, 4), dt.float64, i)).shape == (0, 4)
    f = host(be, be.full((2,), 7, dt.float16, i))
    assert f.dtype == np.float16 and f.tolist() == [7.0, 7.0]
    assert host(be, be.full((), True, dt.bool, i)).tolist() is True
    assert host(be, be.arange(2, 11, 3, dt.int64, i)).tolist() == [2, 5, 8]
    assert host(be, be.linspace(0, 1, 5, dt.float64, i)).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert host(be, be.eye(2, 3, dt.int32, i)).tolist() == [[1, 0, 0], [0, 1, 0]]
    for d in (dt.int8, dt.int16, dt.uint8, dt.float64):
        assert host(be, be.zeros((1,), d, i)).dtype == np.dtype(d.name)


def test_host_roundtrip_and_dlpack(be: Any) -> None:
    x = np.arange(6, dtype=np.int16).reshape(2, 3)
    a = be.from_host(x, idx(be))
    assert host(be, a).dtype == np.int16 and host(be, a).tolist() == x.tolist()
    assert be.device_index(a) == 0
    be.synchronize(idx(be))
    if be.device_type != "cuda":
        d = be.from_dlpack(np.arange(3.0), idx(be))
        assert host(be, d).tolist() == [0.0, 1.0, 2.0]


def test_numpy_transfers_and_views_share_memory(npbe: Any) -> None:
    x = np.arange(6.0)
    a = npbe.from_host(x, None)
    assert a is x and npbe.to_host(a) is x
    v = npbe.getitem(npbe.reshape(a, (2, 3)), (slice(None), 1))
    npbe.setitem(v, (0,), 100.0)
    assert x[1] == 100.0
    # an expand that repeats nothing and a diagonal are writable views, as in PyTorch
    e = npbe.broadcast_to(a, (1, 6))
    npbe.copy_into(e, 5.0)
    assert x.tolist() == [5.0] * 6
    m = np.zeros((3, 3))
    npbe.copy_into(npbe.diagonal(m, 0, 0, 1), 1.0)
    assert m.tolist() == np.eye(3).tolist()


def test_numpy_in_place_updates(npbe: Any) -> None:
    a = np.ones((2, 3), dtype=np.float32)
    npbe.add(a, np.arange(3, dtype=np.float32), out=a)
    assert a.tolist() == [[1.0, 2.0, 3.0]] * 2
    npbe.copy_into(a, np.array([7, 8, 9]))  # broadcasts and casts
    assert a.dtype == np.float32 and a.tolist() == [[7.0, 8.0, 9.0]] * 2
    s = np.add(np.float32(1), np.float32(2))  # ufuncs on 0-d give NumPy scalars
    m = npbe.materialize(s)
    assert isinstance(m, np.ndarray) and m.shape == () and float(m) == 3.0


# -- random ------------------------------------------------------------------------------------------


def _draws(be: Any, seed: int) -> list[np.ndarray]:
    g = be.generator(seed, idx(be))
    return [host(be, a) for a in (
        be.uniform(g, (4,), 0.0, 1.0, dt.float32), be.normal(g, (3,), 1.0, 2.0, dt.float64),
        be.integers(g, -5, 5, (6,), dt.int64), be.permutation(g, 7, dt.int64),
        be.bernoulli(g, put(be, np.full((2, 3), 0.5, dtype=np.float32))),
    )]


def test_random_is_reproducible_from_the_seed(be: Any) -> None:
    a, b, c = _draws(be, 1234), _draws(be, 1234), _draws(be, 4321)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    g = be.generator(5, idx(be))
    first = host(be, be.uniform(g, (8,), 0.0, 1.0, dt.float32))
    second = host(be, be.uniform(g, (8,), 0.0, 1.0, dt.float32))
    assert not np.array_equal(first, second), "successive draws must differ"
    # generators are copied for get_rng_state/set_rng_state
    g2 = copy.deepcopy(g)
    assert np.array_equal(host(be, be.normal(g, (5,), 0.0, 1.0, dt.float32)),
                          host(be, be.normal(g2, (5,), 0.0, 1.0, dt.float32)))


def test_random_shapes_dtypes_and_ranges(be: Any) -> None:
    g = be.generator(0, idx(be))
    n = 20000
    u = host(be, be.uniform(g, (n,), -2.0, 3.0, dt.float64))
    assert u.dtype == np.float64 and u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.06
    z = host(be, be.normal(g, (n,), 1.0, 2.0, dt.float32))
    assert z.dtype == np.float32 and abs(z.mean() - 1.0) < 0.1 and abs(z.std() - 2.0) < 0.1
    k = host(be, be.integers(g, 3, 7, (n,), dt.int32))
    assert k.dtype == np.int32 and set(np.unique(k).tolist()) == {3, 4, 5, 6}
    p = host(be, be.permutation(g, 50, dt.int64))
    assert sorted(p.tolist()) == list(range(50))
    probs = np.tile(np.array([0.0, 1.0, 0.3], dtype=np.float32), (n, 1))
    bern = host(be, be.bernoulli(g, put(be, probs)))
    assert bern.dtype == np.bool_ and bern.shape == (n, 3)
    assert not bern[:, 0].any() and bern[:, 1].all() and abs(bern[:, 2].mean() - 0.3) < 0.02


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_uniform_never_reaches_high(be: Any, dtype: str) -> None:
    d = getattr(dt, dtype)
    if d not in be.dtypes:
        pytest.skip(f"{be.name} has no {dtype}")
    g = be.generator(0, idx(be))
    u = host(be, be.uniform(g, (200000,), 0.0, 1.0, d)).astype(np.float64)
    assert host(be, be.uniform(g, (2,), 0.0, 1.0, d)).dtype.itemsize == 2
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01
    n = host(be, be.normal(g, (1000,), 0.0, 1.0, d))
    assert n.dtype.itemsize == 2 and abs(n.astype(np.float64).mean()) < 0.15


# -- fused kernels -----------------------------------------------------------------------------------


def test_softmax_and_log_softmax_are_stable(be: Any) -> None:
    x = np.array([[1000.0, 1001.0, 1002.0], [-1.0, 0.0, 1.0]], dtype=np.float32)
    e = np.exp(x.astype(np.float64) - x.max(1, keepdims=True))
    ref = e / e.sum(1, keepdims=True)
    np.testing.assert_allclose(host(be, be.softmax(put(be, x), 1)), ref, rtol=1e-6)
    np.testing.assert_allclose(host(be, be.log_softmax(put(be, x), 1)), np.log(ref), rtol=1e-6)
    np.testing.assert_allclose(host(be, be.softmax(put(be, x), 0)).sum(0), [1.0, 1.0, 1.0], rtol=1e-6)
    assert host(be, be.softmax(put(be, np.float32(3.0)), 0)).tolist() == 1.0
    assert host(be, be.log_softmax(put(be, np.float32(3.0)), 0)).tolist() == 0.0
    if dt.float16 in be.dtypes:
        h = host(be, be.softmax(put(be, x.astype(np.float16)), 1))
        assert h.dtype == np.float16
        np.testing.assert_allclose(h.astype(np.float64), ref, atol=1e-3)


def test_sigmoid_and_relu(be: Any) -> None:
    x = put(be, [-1000.0, -1.0, 0.0, 2.0, 1000.0], np.float32)
    s = host(be, be.sigmoid(x))
    assert s.dtype == np.float32 and np.all(np.isfinite(s))
    np.testing.assert_allclose(s, [0.0, 1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-2)), 1.0], rtol=1e-6)
    assert host(be, be.relu(put(be, [-1, 0, 3], np.int64))).tolist() == [0, 0, 3]


# (batch, in, out): inside the NumPy backend's transposed-GEMM zone (8-64 rows, both sides >= 128) and around it
_LINEAR_SHAPES = [(64, 784, 512), (8, 128, 128), (1, 300, 200), (65, 256, 256), (16, 100, 300), (0, 130, 140)]


@pytest.mark.parametrize("n,k,m", _LINEAR_SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_kernel_matches_the_float64_product(npbe: Any, n: int, k: int, m: int, bias: bool) -> None:
    rng = np.random.default_rng(n + k + m)
    x = rng.standard_normal((n, k), dtype=np.float32)
    w = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal(m, dtype=np.float32) if bias else None
    out = npbe.linear(x, w, b)
    ref = x.astype(np.float64) @ w.T.astype(np.float64) + (0 if b is None else b)
    assert out.shape == (n, m) and out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4 * np.sqrt(k))
    # a fresh array: writing to it leaves the operands alone
    x0, w0 = x.copy(), w.copy()
    out[...] = 0
    assert np.array_equal(x, x0) and np.array_equal(w, w0)


def test_linear_kernel_takes_views_and_other_dtypes(npbe: Any) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 32), dtype=np.float32).T  # (32, 256), not C-contiguous
    w = rng.standard_normal((128, 256))
    np.testing.assert_allclose(npbe.linear(x, w.astype(np.float32), None), x @ w.T.astype(np.float32), rtol=1e-5)
    out64 = npbe.linear(x.astype(np.float64), w, np.ones(128))
    assert out64.dtype == np.float64
    np.testing.assert_allclose(out64, x.astype(np.float64) @ w.T + 1, rtol=1e-12)


_FAULTS_SCRIPT = """
import resource, sys
import ember
from ember import nn, optim
from ember.compute import _malloc
model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
opt = optim.SGD(model.parameters(), lr=0.01)
x, y = ember.randn(64, 784), ember.randint(0, 10, (64,))
def step():
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(_malloc.MALLOC_TUNED, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning is Linux-only")
def test_training_step_reuses_heap_memory_instead_of_faulting_pages_in() -> None:
    # NOTE: a count of page faults, not a timing: with glibc's default thresholds this step's MiB-sized
    # gradients and optimizer temporaries go back to the kernel every iteration (~780 faults per step)
    proc = subprocess.run([sys.executable, "-c", _FAULTS_SCRIPT], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "EMBER_BACKEND": "cpu"})
    assert proc.returncode == 0, proc.stderr
    tuned, faults = proc.stdout.split()
    if tuned != "True":
        pytest.skip("not glibc: malloc's thresholds are not tunable here")
    assert float(faults) < 50, f"{faults} page faults per training step"


def test_malloc_tuning_can_be_switched_off() -> None:
    code = "import ember; from ember.compute import _malloc; ember.ones(1); print(_malloc.MALLOC_TUNED)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "EMBER_BACKEND": "cpu", "EMBER_MALLOC_TUNING": "0"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_axpy_updates_in_place_like_the_two_ufunc_update(npbe: Any, dtype: str) -> None:
    rng = np.random.default_rng(1)
    y = rng.standard_normal((300, 170)).astype(dtype)
    x = rng.standard_normal((300, 170)).astype(dtype)
    ref = y.astype(np.float64) - 0.01 * x.astype(np.float64)
    before = y.__array_interface__["data"][0]
    npbe.axpy_(y, -0.01, x)
    assert y.__array_interface__["data"][0] == before and y.dtype == np.dtype(dtype)
    tol = {"float16": 1e-3, "float32": 1e-6, "float64": 1e-14}[dtype]
    np.testing.assert_allclose(y.astype(np.float64), ref, rtol=tol, atol=tol)


def test_axpy_takes_strided_operands_through_the_ufunc_path(npbe: Any) -> None:
    rng = np.random.default_rng(2)
    base = rng.standard_normal((200, 300), dtype=np.float32)
    y = base.T  # not C-contiguous: BLAS is not handed it
    x = rng.standard_normal((300, 200), dtype=np.float32)
    expect = y + np.float32(2.0) * x
    npbe.axpy_(y, 2.0, x)
    np.testing.assert_allclose(base.T, expect, rtol=1e-6)
    # overlapping operands: the update reads x before it writes y
    z = np.arange(40000, dtype=np.float32)
    npbe.axpy_(z, 1.0, z)
    np.testing.assert_array_equal(z, 2 * np.arange(40000, dtype=np.float32))


def test_axpy_binds_the_blas_numpy_wheels_ship(npbe: Any) -> None:
    from ember.compute import _blas

    if not sys.platform.startswith("linux") or not _blas._wheel_openblas(np):
        pytest.skip("NumPy here does not come with a vendored OpenBLAS (not a manylinux wheel)")
    # NOTE: the fast path must not silently fall back where the wheel's OpenBLAS is present
    assert set(npbe._axpy) == {np.dtype("float32"), np.dtype("float64")}


def test_conv_columns_kept_for_the_weight_gradient_go_with_their_input(npbe: Any) -> None:
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 2, 3, 3), dtype=np.float32)
    geom = ((1, 1), ((1, 1), (1, 1)), (1, 1), 1)
    kept = npbe.__dict__.setdefault("_kept_cols", {})
    kept.clear()
    x = rng.standard_normal((2, 2, 8, 8), dtype=np.float32)
    y = npbe.conv_nd(x, w, *geom)
    assert id(x) in kept
    # the backward takes the forward's columns (and frees them), with the same result as rebuilding them
    g = rng.standard_normal(y.shape, dtype=np.float32)
    gw = npbe.conv_nd_backward_weight(g, x, w.shape, *geom)
    assert id(x) not in kept
    np.testing.assert_allclose(gw, npbe.conv_nd_backward_weight(g, x, w.shape, *geom), rtol=1e-5)
    # a forward whose input dies (a no_grad forward of an intermediate activation) leaves nothing behind
    npbe.conv_nd(rng.standard_normal((2, 2, 8, 8), dtype=np.float32), w, *geom)
    assert kept == {}
