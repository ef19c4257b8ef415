"""Creation: ``tensor`` from every kind of data with PyTorch's dtype inference, the legacy
constructors, ``as_tensor``/``from_numpy``, ``zeros/ones/full/empty`` and ``_like``/``new_``
variants, ``eye``, ``arange``, ``linspace``, ``logspace`` and the ``dtype=/device=/requires_grad=``
keywords. (Random creation is in ``test_random.py``.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ember

from . import strategies as S
from ._helpers import assert_close, hyp_settings, supports_dtype


def _on(t: ember.Tensor, device: str) -> bool:
    return t.device.type == ember.device(device).type


INFERENCE = [
    ("int_list", [1, 2, 3], "int64"),
    ("float_list", [1.0, 2.0], "float32"),
    ("mixed_list", [1, 2.5], "float32"),
    ("bool_list", [True, False], "bool"),
    ("bool_int_list", [True, 2], "int64"),
    ("nested", [[1, 2], [3, 4]], "int64"),
    ("tuple", (1.5, 2.5), "float32"),
    ("range", range(4), "int64"),
    ("int_scalar", 7, "int64"),
    ("float_scalar", 3.5, "float32"),
    ("bool_scalar", True, "bool"),
    ("empty", [], "float32"),
    ("nested_empty", [[], []], "float32"),
    ("np_float64", np.array([1.0, 2.0]), "float64"),
    ("np_float32", np.array([1.0, 2.0], dtype=np.float32), "float32"),
    ("np_int32", np.array([1, 2], dtype=np.int32), "int32"),
    ("np_uint8", np.array([1, 2], dtype=np.uint8), "uint8"),
    ("np_bool", np.array([True, False]), "bool"),
    ("np_scalar_list", [np.float64(1.0), np.float64(2.0)], "float64"),
    ("np_0d", np.array(2.5), "float64"),
]


@pytest.mark.parametrize("name, data, dtype", INFERENCE, ids=[c[0] for c in INFERENCE])
def test_tensor_dtype_inference(device: str, name: str, data: Any, dtype: str) -> None:
    t = ember.tensor(data, device=device)
    assert t.dtype == getattr(ember, dtype), f"{name}: got {t.dtype}, expected {dtype}"
    assert _on(t, device)
    expected = np.array(list(data) if isinstance(data, range) else data, dtype=np.float64)
    assert_close(t, expected.reshape(expected.shape))
    assert not t.requires_grad and t.is_leaf and t.grad_fn is None


def test_tensor_from_tensor_copies(device: str) -> None:
    src = ember.tensor([1.0, 2.0], device=device)
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        t = ember.tensor(src)
    t[0] = 9.0
    assert_close(src, [1.0, 2.0])
    assert_close(t, [9.0, 2.0])


def test_tensor_keywords(device: str) -> None:
    t = ember.tensor([1, 2], dtype=ember.float64, device=device, requires_grad=True)
    assert t.dtype == ember.float64 and t.requires_grad and t.is_leaf and _on(t, device)
    t = ember.tensor([1.7, -2.7], dtype=ember.int32, device=device)
    assert_close(t, [1, -2], dtype="int32")  # casting truncates toward zero
    t = ember.tensor([0.0, 2.0], dtype=ember.bool, device=device)
    assert_close(t, [False, True], dtype="bool")
    t = ember.tensor(np.arange(6).reshape(2, 3), dtype=ember.float32, device=device)
    assert_close(t, np.arange(6.0).reshape(2, 3), dtype="float32")


def test_tensor_with_dtype_strings_fails_clearly(device: str) -> None:
    with pytest.raises(TypeError):
        ember.tensor([1.0], dtype="float32", device=device)


@pytest.mark.parametrize("fn, fill", [("zeros", 0.0), ("ones", 1.0)])
def test_zeros_ones(device: str, fn: str, fill: float) -> None:
    f = getattr(ember, fn)
    for args in [(2, 3), ((2, 3),), ([2, 3],), (ember.Size([2, 3]),)]:
        t = f(*args, device=device)
        assert t.dtype == ember.float32 and tuple(t.shape) == (2, 3) and _on(t, device)
        assert_close(t, np.full((2, 3), fill))
    assert tuple(f(0, device=device).shape) == (0,)
    assert tuple(f((), device=device).shape) == ()
    t = f(3, dtype=ember.int64, device=device, requires_grad=False)
    assert_close(t, np.full(3, fill), dtype="int64")
    t = f(2, 2, dtype=ember.float64, device=device, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    like = getattr(ember, f"{fn}_like")(ember.empty(4, 1, dtype=ember.int32, device=device))
    assert like.dtype == ember.int32 and tuple(like.shape) == (4, 1) and _on(like, device)
    assert_close(like, np.full((4, 1), fill))
    like = getattr(ember, f"{fn}_like")(like, dtype=ember.float16 if fill else ember.float64)
    assert like.dtype == (ember.float16 if fill else ember.float64)


def test_full(device: str) -> None:
    t = ember.full((2, 2), 2.5, device=device)
    assert t.dtype == ember.float32 and _on(t, device)
    assert_close(t, np.full((2, 2), 2.5))
    assert ember.full((2,), 3, device=device).dtype == ember.int64
    assert ember.full((2,), True, device=device).dtype == ember.bool
    assert_close(ember.full([3], -1, dtype=ember.float64, device=device), [-1.0, -1.0, -1.0], dtype="float64")
    f = ember.full_like(ember.zeros(2, 3, dtype=ember.int32, device=device), 7)
    assert_close(f, np.full((2, 3), 7), dtype="int32")
    assert _on(f, device)
    f = ember.full_like(ember.zeros(2, device=device), 0.5, dtype=ember.float64)
    assert_close(f, [0.5, 0.5], dtype="float64")


def test_empty(device: str) -> None:
    t = ember.empty(3, 4, device=device)
    assert tuple(t.shape) == (3, 4) and t.dtype == ember.float32 and _on(t, device)
    t = ember.empty((2,), dtype=ember.int64, device=device)
    assert tuple(t.shape) == (2,) and t.dtype == ember.int64
    e = ember.empty_like(t)
    assert tuple(e.shape) == (2,) and e.dtype == ember.int64 and _on(e, device)


def test_new_methods(device: str) -> None:
    base = ember.zeros(2, dtype=ember.float64, device=device)
    for t, shape, val in [
        (base.new_zeros(3), (3,), 0.0),
        (base.new_ones((2, 2)), (2, 2), 1.0),
        (base.new_full((2,), 4.0), (2,), 4.0),
        (base.new_tensor([1.0, 2.0, 3.0]), (3,), None),
        (base.new_empty(5), (5,), None),
    ]:
        assert t.dtype == ember.float64 and tuple(t.shape) == shape and _on(t, device)
        if val is not None:
            assert_close(t, np.full(shape, val))
    assert_close(base.new_tensor([1, 2]), [1.0, 2.0], dtype="float64")
    assert base.new_zeros(2, dtype=ember.int32).dtype == ember.int32


def test_eye(device: str) -> None:
    assert_close(ember.eye(3, device=device), np.eye(3), dtype="float32")
    assert_close(ember.eye(2, 4, device=device), np.eye(2, 4))
    assert_close(ember.eye(3, 2, dtype=ember.int64, device=device), np.eye(3, 2), dtype="int64")
    assert _on(ember.eye(2, device=device), device)


ARANGE = [
    ((5,), {}, np.arange(5), "int64"),
    ((2, 7), {}, np.arange(2, 7), "int64"),
    ((0, 10, 3), {}, np.arange(0, 10, 3), "int64"),
    ((5, 0, -2), {}, np.arange(5, 0, -2), "int64"),
    ((0, 1, 0.25), {}, np.arange(0, 1, 0.25), "float32"),
    ((1.0, 2.5, 0.5), {}, np.arange(1.0, 2.5, 0.5), "float32"),
    ((4.0,), {}, np.arange(4.0), "float32"),
    ((5,), {"dtype": "float64"}, np.arange(5.0), "float64"),
    ((-1, 1, 0.1), {}, np.arange(-1, 1, 0.1), "float32"),
    ((3, 3), {}, np.arange(3, 3), "int64"),
]


@pytest.mark.parametrize("args, kw, expected, dtype", ARANGE, ids=[str(c[0]) for c in ARANGE])
def test_arange(
    device: str, args: tuple[Any, ...], kw: dict[str, Any], expected: np.ndarray, dtype: str
) -> None:
    kw = {k: getattr(ember, v) if k == "dtype" else v for k, v in kw.items()}
    t = ember.arange(*args, device=device, **kw)
    assert _on(t, device)
    assert_close(t, expected, dtype=dtype, rtol=1e-6)
    assert_close(ember.arange(start=0, end=3, step=1, device=device), [0, 1, 2], dtype="int64")


def test_arange_errors(device: str) -> None:
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ember.arange(0, 3, 0, device=device)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
        ember.arange(0, 3, -1, device=device)


def test_linspace_logspace(device: str) -> None:
    assert_close(ember.linspace(0, 1, 5, device=device), np.linspace(0, 1, 5), dtype="float32")
    assert_close(ember.linspace(-2, 2, steps=1, device=device), [-2.0])
    assert tuple(ember.linspace(0, 1, 0, device=device).shape) == (0,)
    assert_close(
        ember.linspace(0, 10, 4, dtype=ember.float64, device=device), np.linspace(0, 10, 4), dtype="float64"
    )
    assert_close(ember.linspace(3, -3, 7, device=device), np.linspace(3, -3, 7))
    assert_close(ember.logspace(0, 2, 3, device=device), [1.0, 10.0, 100.0], dtype="float32", rtol=1e-6)
    assert_close(ember.logspace(0, 3, 4, base=2, device=device), [1.0, 2.0, 4.0, 8.0])
    assert _on(ember.logspace(0, 1, 2, device=device), device)


def test_legacy_constructors(device: str) -> None:
    t = ember.Tensor(2, 3)
    assert tuple(t.shape) == (2, 3) and t.dtype == ember.float32
    t = ember.Tensor([1, 2])
    assert_close(t, [1.0, 2.0], dtype="float32")
    assert_close(ember.FloatTensor([1, 2]), [1.0, 2.0], dtype="float32")
    assert_close(ember.DoubleTensor([1.5]), [1.5], dtype="float64")
    assert_close(ember.LongTensor([1, 2]), [1, 2], dtype="int64")
    assert_close(ember.IntTensor([3]), [3], dtype="int32")
    assert_close(ember.BoolTensor([True, False]), [True, False], dtype="bool")
    assert tuple(ember.LongTensor(4).shape) == (4,)
    assert tuple(ember.FloatTensor(2, 2).shape) == (2, 2)
    assert ember.Tensor().shape == (0,)


def test_as_tensor(device: str) -> None:
    a = np.array([1.0, 2.0])
    t = ember.as_tensor(a, device=device)
    assert t.dtype == ember.float64 and _on(t, device)
    assert_close(t, a)
    src = ember.tensor([1.0, 2.0], device=device)
    assert ember.as_tensor(src) is src
    assert ember.as_tensor(src, dtype=ember.float32) is src
    assert ember.as_tensor(src, dtype=ember.float64).dtype == ember.float64
    assert_close(ember.as_tensor([1, 2], dtype=ember.float32, device=device), [1.0, 2.0], dtype="float32")
    assert_close(ember.asarray([[1, 2]], device=device), [[1, 2]], dtype="int64")


def test_from_numpy_and_as_tensor_share_memory_on_cpu() -> None:
    a = np.array([1.0, 2.0, 3.0])
    t = ember.from_numpy(a)
    assert t.device.type == "cpu" and t.dtype == ember.float64
    a[0] = 10.0
    assert t[0].item() == 10.0
    t[1] = 20.0
    assert a[1] == 20.0
    t.add_(1)
    assert a.tolist() == [11.0, 21.0, 4.0]
    b = np.zeros((2, 2), dtype=np.int32)
    u = ember.as_tensor(b)  # same dtype, on the CPU: no copy, as in PyTorch
    b[1, 1] = 5
    assert u[1, 1].item() == 5
    # from_numpy keeps NumPy's dtype, including ones PyTorch's default would not pick
    assert ember.from_numpy(np.zeros(2, dtype=np.float32)).dtype == ember.float32
    assert ember.from_numpy(np.zeros(2, dtype=np.uint8)).dtype == ember.uint8
    with pytest.raises(TypeError):
        ember.from_numpy([1.0, 2.0])


def test_from_numpy_non_contiguous_and_readonly() -> None:
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    t = ember.from_numpy(a)
    assert_close(t, a)
    a[0, 0] = -1
    assert t[0, 0].item() == -1


@given(data=st.data())
@hyp_settings()
def test_tensor_roundtrip_hypothesis(device: str, data: Any) -> None:
    dtype = data.draw(S.dtypes("bif"), label="dtype")
    if not supports_dtype(device, dtype):
        return
    shape = data.draw(S.shapes(), label="shape")
    a = data.draw(S.arrays(shape, dtype, -100, 100), label="a")
    t = ember.tensor(a, dtype=getattr(ember, dtype), device=device)
    assert tuple(t.shape) == shape and _on(t, device)
    assert_close(t, a, dtype=dtype, rtol=0, atol=0)
    assert_close(ember.tensor(a.tolist(), dtype=getattr(ember, dtype), device=device), a, rtol=0, atol=0)
