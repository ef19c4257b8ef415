"""Indexing: basic, advanced and boolean get and set against NumPy, gather/scatter/index_select/
masked_fill/masked_select/nonzero, and IndexError for out-of-range indices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ember

from . import strategies as S
from ._helpers import assert_close, helper_test_op, hyp_settings, lib_of


def _base(
    device: str, shape: tuple[int, ...] = (4, 5, 6), dtype: str = "float32"
) -> tuple[ember.Tensor, np.ndarray]:
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    return ember.tensor(a, dtype=getattr(ember, dtype), device=device), a


BASIC_KEYS = {
    "int": 2,
    "neg_int": -1,
    "slice": slice(1, 3),
    "slice_step": slice(None, None, 2),
    "slice_neg": slice(-3, -1),
    "slice_neg_start_step": slice(-1, None, 2),
    "slice_out_of_range": slice(2, 100),
    "empty_slice": slice(3, 1),
    "tuple": (1, slice(None), 2),
    "ellipsis": (Ellipsis, 1),
    "ellipsis_mid": (0, Ellipsis, slice(1, 4, 2)),
    "none": (None, 1),
    "none_mid": (slice(None), None, 2, None),
    "all_ints": (3, 4, 5),
}


@pytest.mark.parametrize("name", list(BASIC_KEYS))
def test_basic_getitem_is_a_view(device: str, name: str) -> None:
    key = BASIC_KEYS[name]
    x, a = _base(device)
    v = x[key]
    assert_close(v, a[key], dtype="float32")
    if v.numel():
        v.fill_(-1.0)
        a[key] = -1.0
        assert_close(x, a, msg="base after writing the basic-indexing view: ")


ADVANCED_KEYS: dict[str, Any] = {
    "list": [0, 2, 2],
    "neg_list": [-1, 0],
    "int_tensor": np.array([[0, 1], [3, 3]]),
    "two_arrays": (np.array([0, 2, 3]), np.array([1, 1, 4])),
    "broadcast_arrays": (np.array([[0], [2]]), slice(None), np.array([1, 5, 0])),
    "array_and_slice": (slice(1, 3), [0, 4]),
    "separated_arrays": ([0, 1], slice(None), [2, 3]),
    "array_and_int": (1, [0, 2], slice(None)),
    "bool_mask_dim0": np.array([True, False, True, True]),
    "bool_mask_full": "full_mask",
    "bool_mask_2d": "mask_2d",
    "ellipsis_array": (Ellipsis, [0, 5]),
    "none_array": (None, [1, 2]),
}


def _adv_key(name: str, a: np.ndarray, device: str) -> tuple[Any, Any]:
    """(ember key, NumPy key) for an advanced-indexing case; arrays become ember tensors."""
    key = ADVANCED_KEYS[name]
    if isinstance(key, str) and key == "full_mask":
        m = a % 3 == 0
        return ember.tensor(m, device=device), m
    if isinstance(key, str) and key == "mask_2d":
        m = (a[:, :, 0] % 2) == 0
        return ember.tensor(m, device=device), m

    def conv(k: Any) -> Any:
        return ember.tensor(k, device=device) if isinstance(k, np.ndarray) else k

    if isinstance(key, tuple):
        return tuple(conv(k) for k in key), key
    return conv(key), key


@pytest.mark.parametrize("name", list(ADVANCED_KEYS))
def test_advanced_getitem_copies(device: str, name: str) -> None:
    x, a = _base(device)
    ekey, nkey = _adv_key(name, a, device)
    out = x[ekey]
    assert_close(out, a[nkey], dtype="float32")
    if out.numel():
        out.fill_(-7.0)
        assert_close(x, a, msg="advanced indexing must return a copy: ")


@pytest.mark.parametrize("name", list(ADVANCED_KEYS))
def test_advanced_setitem(device: str, name: str) -> None:
    x, a = _base(device)
    ekey, nkey = _adv_key(name, a, device)
    x[ekey] = -3.0
    a[nkey] = -3.0
    assert_close(x, a)
    # a broadcastable tensor value
    x, a = _base(device)
    shape = a[nkey].shape
    val = np.arange(shape[-1] if shape else 1, dtype=np.float64) + 100
    if not shape:
        val = val.reshape(())
    x[ekey] = ember.tensor(val, dtype=ember.float32, device=device)
    a[nkey] = val
    assert_close(x, a)


@pytest.mark.parametrize("name", list(BASIC_KEYS))
def test_basic_setitem(device: str, name: str) -> None:
    key = BASIC_KEYS[name]
    x, a = _base(device)
    x[key] = 5
    a[key] = 5
    assert_close(x, a)
    x, a = _base(device)
    shape = a[key].shape
    val = np.linspace(-1, 1, shape[-1] if shape else 1).reshape(shape[-1:] if shape else ())
    x[key] = ember.tensor(val, dtype=ember.float64, device=device)  # cast on assignment
    a[key] = val.astype(np.float32)
    assert_close(x, a, dtype="float32")


def test_bool_scalar_index(device: str) -> None:
    x, a = _base(device)
    assert tuple(x[True].shape) == (1, 4, 5, 6)
    assert tuple(x[False].shape) == (0, 4, 5, 6)
    assert_close(x[None, True, 1], a[None, True, 1])
    x[True] = 2.0
    assert_close(x, np.full(a.shape, 2.0))


def test_setitem_scalar_types_and_casts(device: str) -> None:
    i = ember.zeros(3, dtype=ember.int64, device=device)
    i[0] = 2.7  # truncates, as in PyTorch
    i[1] = True
    assert_close(i, [2, 1, 0], dtype="int64")
    b = ember.zeros(2, dtype=ember.bool, device=device)
    b[1] = 1
    assert_close(b, [False, True], dtype="bool")
    x = ember.zeros(2, 2, device=device)
    x[0, 1] = ember.tensor(4.0)  # a 0-d CPU tensor may be assigned on any device
    assert_close(x, [[0.0, 4.0], [0.0, 0.0]])


def test_setitem_with_repeated_indices_writes_once(device: str) -> None:
    x = ember.zeros(5, device=device)
    x[ember.tensor([1, 1, 3], device=device)] = ember.tensor([1.0, 1.0, 2.0], device=device)
    assert_close(x, [0.0, 1.0, 0.0, 2.0, 0.0])


def test_index_put_accumulate(device: str) -> None:
    x = ember.zeros(5, device=device)
    idx = ember.tensor([1, 1, 3, 1], device=device)
    # index_add accumulates over repeated indices (index_put_ with accumulate=True is not in the list)
    x.index_add_(0, idx, ember.tensor([1.0, 2.0, 3.0, 4.0], device=device))
    assert_close(x, [0.0, 7.0, 0.0, 3.0, 0.0])
    y = ember.ones(3, 2, device=device).index_add(
        0, ember.tensor([0, 0], device=device), ember.ones(2, 2, device=device), alpha=2
    )
    assert_close(y, [[5.0, 5.0], [1.0, 1.0], [1.0, 1.0]])


def test_indexing_with_tensor_scalars_and_numpy_ints(device: str) -> None:
    x, a = _base(device)
    assert_close(x[ember.tensor(2)], a[2])
    assert_close(x[np.int64(1), np.int32(2)], a[1, 2])
    assert_close(x[ember.tensor(1, device=device), 0], a[1, 0])


@pytest.mark.parametrize("key", [4, -5, (0, 5), (0, 0, 6), (0, 0, -7)])
def test_getitem_out_of_range_raises_indexerror(device: str, key: Any) -> None:
    x, _ = _base(device)
    with pytest.raises(IndexError, match="out of range|out of bounds"):
        x[key]


def test_advanced_index_out_of_range_raises_indexerror(device: str) -> None:
    x, _ = _base(device)
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        x[ember.tensor([0, 4], device=device)]
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        x[[0, -5]]
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        x[ember.tensor([0, 4], device=device)] = 1.0
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 3"):
        x[0, 0, 0, 0]
    with pytest.raises(IndexError, match="The shape of the mask"):
        x[ember.tensor([True, False], device=device)]


def test_index_with_float_raises(device: str) -> None:
    x, _ = _base(device)
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        x[ember.tensor([0.0, 1.0], device=device)]


@given(data=st.data())
@hyp_settings()
def test_getitem_hypothesis(device: str, data: Any) -> None:
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    key = []
    for n in shape[: data.draw(st.integers(1, len(shape)), label="nkeys")]:
        kind = data.draw(st.sampled_from(["int", "slice", "all"]), label="kind")
        if kind == "int":
            key.append(data.draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = data.draw(st.none() | st.integers(-n - 2, n + 2))
            stop = data.draw(st.none() | st.integers(-n - 2, n + 2))
            step = data.draw(st.none() | st.integers(1, 3))
            key.append(slice(start, stop, step))
        else:
            key.append(slice(None))
    x = ember.tensor(a, dtype=ember.float64, device=device)
    assert_close(x[tuple(key)], a[tuple(key)])
    x[tuple(key)] = -1.0
    a[tuple(key)] = -1.0
    assert_close(x, a)


@given(data=st.data())
@hyp_settings()
def test_advanced_getitem_hypothesis(device: str, data: Any) -> None:
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    dim = data.draw(st.integers(0, len(shape) - 1), label="dim")
    idx = data.draw(S.index_arrays(shape[dim], S.shapes(min_dims=1, max_dims=2)), label="idx")
    key = (slice(None),) * dim + (idx,)
    x = ember.tensor(a, dtype=ember.float64, device=device)
    assert_close(x[(slice(None),) * dim + (ember.tensor(idx, device=device),)], a[key])
    mask = data.draw(S.arrays(shape, "bool"), label="mask")
    assert_close(x[ember.tensor(mask, device=device)], a[mask])
    x[ember.tensor(mask, device=device)] = 0.5
    a[mask] = 0.5
    assert_close(x, a)


# --- gather / scatter / index_select / masked ops / nonzero --------------------------------------


def test_gather(device: str) -> None:
    idx = np.array([[0, 0, 2], [1, 2, 1]])
    helper_test_op(
        [(2, 3)],
        lambda x: x.gather(1, lib_of(x).tensor(idx, device=x.device)),
        device=device,
        np_fn=lambda x: np.take_along_axis(x, idx, 1),
    )
    idx0 = np.array([[1, 0, 1]])
    helper_test_op(
        [(2, 3)],
        lambda x: lib_of(x).gather(x, 0, lib_of(x).tensor(idx0, device=x.device)),
        device=device,
        np_fn=lambda x: np.take_along_axis(x, idx0, 0),
    )
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    with pytest.raises(RuntimeError, match="gather"):
        x.gather(1, ember.tensor([[0.0]], device=device))
    with pytest.raises((RuntimeError, IndexError), match="out of bounds|out of range"):
        x.gather(1, ember.tensor([[0, 2]], device=device))


def test_take_along_dim_and_take(device: str) -> None:
    a = np.arange(12.0).reshape(3, 4)
    x = ember.tensor(a, device=device)
    idx = np.array([[3], [0], [1]])
    assert_close(
        ember.take_along_dim(x, ember.tensor(idx, device=device), dim=1), np.take_along_axis(a, idx, 1)
    )
    assert_close(ember.take(x, ember.tensor([0, 5, 11], device=device)), a.reshape(-1)[[0, 5, 11]])


def test_scatter(device: str) -> None:
    base = np.zeros((3, 5))
    idx = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    src = np.arange(1.0, 9.0).reshape(2, 4)
    expected = base.copy()
    for i in range(2):
        for j in range(4):
            expected[idx[i, j], j] = src[i, j]
    x = ember.tensor(base, device=device)
    out = x.scatter(0, ember.tensor(idx, device=device), ember.tensor(src, device=device))
    assert_close(out, expected)
    assert_close(x, base, msg="scatter must not modify its input: ")
    assert x.scatter_(0, ember.tensor(idx, device=device), ember.tensor(src, device=device)) is x
    assert_close(x, expected)
    # scalar value
    out = ember.zeros(2, 3, device=device).scatter(1, ember.tensor([[2], [0]], device=device), 7.0)
    assert_close(out, [[0.0, 0.0, 7.0], [7.0, 0.0, 0.0]])
    # scatter_add accumulates repeated indices
    acc = ember.zeros(3, device=device).scatter_add(
        0, ember.tensor([0, 0, 2, 0], device=device), ember.tensor([1.0, 2.0, 3.0, 4.0], device=device)
    )
    assert_close(acc, [7.0, 0.0, 3.0])
    # gradients: src gets the gathered gradient, the input the gradient where not overwritten
    helper_test_op(
        [(3, 5), (2, 4)],
        lambda x, s: x.scatter(0, lib_of(x).tensor([[0, 1, 2, 0], [1, 2, 0, 1]], device=x.device), s),
        device=device,
        np_fn=lambda x, s: _np_scatter(x, np.array([[0, 1, 2, 0], [1, 2, 0, 1]]), s),
    )
    helper_test_op(
        [(3, 5), (2, 4)],
        lambda x, s: x.scatter_add(0, lib_of(x).tensor(idx, device=x.device), s),
        device=device,
        np_fn=lambda x, s: _np_scatter(x, idx, s, add=True),
    )


def _np_scatter(x: np.ndarray, idx: np.ndarray, src: np.ndarray, add: bool = False) -> np.ndarray:
    out = x.copy()
    for i in range(idx.shape[0]):
        for j in range(idx.shape[1]):
            if add:
                out[idx[i, j], j] += src[i, j]
            else:
                out[idx[i, j], j] = src[i, j]
    return out


def test_index_select(device: str) -> None:
    idx = np.array([2, 0, 2])
    helper_test_op(
        [(3, 4)],
        lambda x: x.index_select(0, lib_of(x).tensor(idx, device=x.device)),
        device=device,
        np_fn=lambda x: x[idx],
    )
    helper_test_op(
        [(3, 4)],
        lambda x: lib_of(x).index_select(x, 1, lib_of(x).tensor(idx, device=x.device)),
        device=device,
        np_fn=lambda x: x[:, idx],
    )
    with pytest.raises(IndexError, match="out of range|out of bounds"):
        ember.zeros(3, device=device).index_select(0, ember.tensor([3], device=device))


def test_masked_fill(device: str) -> None:
    a = np.arange(6.0).reshape(2, 3)
    m = np.array([True, False, True])
    x = ember.tensor(a, device=device)
    em = ember.tensor(m, device=device)
    assert_close(x.masked_fill(em, -1.0), np.where(m, -1.0, a))
    assert_close(ember.masked_fill(x, em, ember.tensor(5.0)), np.where(m, 5.0, a))
    assert_close(x, a, msg="masked_fill must not modify its input: ")
    assert x.masked_fill_(em, 0.0) is x
    assert_close(x, np.where(m, 0.0, a))
    helper_test_op(
        [(2, 3)],
        lambda t: t.masked_fill(lib_of(t).tensor(m, device=t.device), 2.0),
        device=device,
        np_fn=lambda t: np.where(m, 2.0, t),
    )
    with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
        x.masked_fill(ember.tensor([1, 0, 1], device=device), 1.0)


def test_masked_select(device: str) -> None:
    m = np.array([[True, False, True], [False, False, True]])
    helper_test_op(
        [(2, 3)],
        lambda t: t.masked_select(lib_of(t).tensor(m, device=t.device)),
        device=device,
        np_fn=lambda t: t[m],
    )
    # the mask broadcasts
    x = ember.tensor(np.arange(6.0).reshape(2, 3), device=device)
    assert_close(
        ember.masked_select(x, ember.tensor([True, False, True], device=device)), [0.0, 2.0, 3.0, 5.0]
    )


def test_nonzero_argwhere(device: str) -> None:
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    x = ember.tensor(a, device=device)
    assert_close(x.nonzero(), np.argwhere(a), dtype="int64")
    assert_close(ember.nonzero(x), np.argwhere(a), dtype="int64")
    assert_close(ember.argwhere(x), np.argwhere(a), dtype="int64")
    rows, cols = ember.nonzero(x, as_tuple=True)
    assert_close(rows, np.nonzero(a)[0], dtype="int64")
    assert_close(cols, np.nonzero(a)[1], dtype="int64")
    assert tuple(ember.zeros(3, device=device).nonzero().shape) == (0, 1)
    assert tuple(ember.tensor(5.0, device=device).nonzero().shape) == (1, 0)


def test_index_gradients_accumulate(device: str) -> None:
    helper_test_op([(4, 3)], lambda x: x[[0, 2, 0, 0]], device=device, np_fn=lambda x: x[[0, 2, 0, 0]])
    helper_test_op([(4, 3)], lambda x: x[1:, ::2], device=device, np_fn=lambda x: x[1:, ::2])
    m = np.array([True, False, True, True])
    helper_test_op(
        [(4, 3)], lambda x: x[lib_of(x).tensor(m, device=x.device)], device=device, np_fn=lambda x: x[m]
    )
    helper_test_op([(4, 3)], lambda x: x[[1, 1], [2, 2]], device=device, np_fn=lambda x: x[[1, 1], [2, 2]])
