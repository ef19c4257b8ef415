"""Reductions: dim as int/tuple/None, keepdim, max/min(dim) with indices, sort/argsort/topk/unique,
var/std with correction, norm, logsumexp, cumsum/cumprod, all/any/count_nonzero."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ember

from . import strategies as S
from ._helpers import assert_close, helper_test_op, hyp_settings, lib_of, supports_dtype


def _t(a: Any, dtype: str, device: str, **kw: Any) -> ember.Tensor:
    return ember.tensor(np.asarray(a), dtype=getattr(ember, dtype), device=device, **kw)


def _dims(ndim: int, multi: bool = True) -> Any:
    """A dim argument valid for ``ndim`` dims: None, an int (maybe negative) or a tuple of distinct dims."""
    if ndim == 0:
        return st.sampled_from([None, 0, -1])
    single = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(
        lambda ds: tuple(d - ndim if i % 2 else d for i, d in enumerate(ds))
    )
    return st.one_of(st.none(), single, several) if multi else st.one_of(st.none(), single)


def _np_axis(dim: Any, ndim: int) -> Any:
    if dim is None:
        return None
    if ndim == 0:
        return None  # 0-d tensors accept dim 0/-1 as the whole tensor, as in PyTorch
    return dim if isinstance(dim, int) else tuple(dim)


# name -> (NumPy reference, low, high, rtol for float32)
SUM_LIKE = {
    "sum": (np.sum, -3, 3, 2e-6),
    "mean": (np.mean, -3, 3, 2e-6),
    # NOTE: prod of up to 625 factors: kept near 1 so float32 neither overflows nor underflows, and
    # its rounding error grows with the number of factors, hence the looser float32 rtol
    "prod": (np.prod, 0.9, 1.1, 2e-5),
    "amax": (np.amax, -3, 3, 0.0),
    "amin": (np.amin, -3, 3, 0.0),
    "logsumexp": (
        lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
        -3,
        3,
        5e-6,
    ),
}


@pytest.mark.parametrize("name", list(SUM_LIKE))
def test_reduce_fixed(device: str, name: str) -> None:
    ref, low, high, _ = SUM_LIKE[name]
    for dim, keep in [(None, False), (1, False), (-1, True), ((0, 2), False), ((0, -1), True)]:
        if (dim is None and name == "logsumexp") or (isinstance(dim, tuple) and name == "prod"):
            continue  # logsumexp requires a dim; prod takes a single dim
        if dim is None:
            fn, np_fn = (lambda x: getattr(x, name)()), (lambda x: ref(x, axis=None, keepdims=False))
        else:
            fn = lambda x, d=dim, k=keep: getattr(x, name)(d, keepdim=k)  # noqa: E731
            np_fn = lambda x, d=dim, k=keep: ref(x, axis=d, keepdims=k)  # noqa: E731
        helper_test_op(
            [(2, 3, 4)], fn, device=device, np_fn=np_fn, low=low, high=high, rtol=5e-6, grad_rtol=1e-5
        )
    helper_test_op(
        [(3, 4)],
        lambda x: getattr(x, name)(dim=0),
        device=device,
        dtype="float64",
        np_fn=lambda x: ref(x, axis=0, keepdims=False),
        low=low,
        high=high,
    )


@pytest.mark.parametrize("name", list(SUM_LIKE))
@given(data=st.data())
@hyp_settings()
def test_reduce_hypothesis(device: str, name: str, data: Any) -> None:
    ref, low, high, rtol = SUM_LIKE[name]
    dtype = data.draw(st.sampled_from(["float32", "float64"]), label="dtype")
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape, dtype, low, high), label="x")
    dim = data.draw(_dims(len(shape), multi=name != "prod"), label="dim")
    keep = data.draw(st.booleans(), label="keepdim") and dim is not None
    if name == "logsumexp" and dim is None:
        dim = tuple(range(len(shape))) or 0
    et = _t(x, dtype, device)
    out = getattr(et, name)() if dim is None and not keep else getattr(et, name)(dim, keepdim=keep)
    expected = ref(x, axis=_np_axis(dim, len(shape)), keepdims=keep)
    assert_close(out, np.asarray(expected), dtype=dtype, rtol=rtol if dtype == "float32" else None)


@pytest.mark.parametrize(
    "dtype, want",
    [
        ("int32", "int64"),
        ("int64", "int64"),
        ("bool", "int64"),
        ("uint8", "int64"),
        ("float16", "float16"),
        ("float64", "float64"),
    ],
)
def test_sum_prod_dtype(device: str, dtype: str, want: str) -> None:
    if not supports_dtype(device, dtype):
        pytest.skip(f"{dtype} unsupported")
    x = np.array([[1, 0, 1], [1, 1, 0]]).astype(dtype)
    e = _t(x, dtype, device)
    assert_close(e.sum(), np.sum(x.astype(np.float64)), dtype=want)
    assert_close(e.sum(1), np.sum(x.astype(np.float64), 1), dtype=want)
    assert_close(e.prod(1), np.prod(x.astype(np.float64), 1), dtype=want)
    assert_close(ember.sum(e, 0, dtype=ember.float64), np.sum(x.astype(np.float64), 0), dtype="float64")


def test_mean_of_integers_raises(device: str) -> None:
    with pytest.raises(RuntimeError, match="mean"):
        ember.tensor([1, 2, 3], device=device).mean()
    assert_close(ember.tensor([1, 2], device=device).mean(dtype=ember.float32), np.float64(1.5))


def test_empty_reductions(device: str) -> None:
    z = ember.zeros(0, 3, device=device)
    assert_close(z.sum(), np.float64(0.0))
    assert_close(z.sum(0), np.zeros(3))
    assert_close(z.prod(0), np.ones(3))
    assert bool(ember.isnan(z.mean()))
    with pytest.raises((RuntimeError, IndexError)):
        z.max()


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim_returns_values_and_indices(device: str, name: str) -> None:
    x = np.array([[1.0, 5.0, 5.0, -2.0], [3.0, 3.0, 0.0, 7.0], [-1.0, -1.0, -1.0, -1.0]])
    e = _t(x, "float32", device)
    npf = np.max if name == "max" else np.min
    argf = np.argmax if name == "max" else np.argmin
    res = getattr(e, name)(1)
    values, indices = res
    assert res.values is values and res.indices is indices
    assert_close(values, npf(x, 1), dtype="float32")
    # ties: PyTorch returns the first index on CPU, as NumPy does
    assert_close(indices, argf(x, 1), dtype="int64")
    v2, i2 = getattr(ember, name)(e, dim=0, keepdim=True)
    assert_close(v2, npf(x, 0, keepdims=True))
    assert_close(i2, argf(x, 0)[None, :])
    # without dim: a single 0-d value
    assert_close(getattr(e, name)(), np.asarray(npf(x)), dtype="float32")
    # with another tensor: elementwise, like maximum/minimum
    other = _t(np.full((4,), 2.0), "float32", device)
    assert_close(getattr(e, name)(other), (np.maximum if name == "max" else np.minimum)(x, 2.0))
    # gradient of max(dim) flows to the selected index only
    helper_test_op([(3, 5)], lambda a: getattr(a, name)(1)[0], device=device, np_fn=lambda a: npf(a, 1))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(device: str, name: str) -> None:
    x = np.array([[1.0, 5.0, 5.0], [3.0, 9.0, 0.0]])
    e = _t(x, "float32", device)
    ref = getattr(np, name)
    assert_close(getattr(e, name)(), np.asarray(ref(x)), dtype="int64")
    assert_close(getattr(e, name)(1), ref(x, 1), dtype="int64")
    assert_close(getattr(e, name)(dim=0, keepdim=True), ref(x, 0)[None], dtype="int64")
    assert_close(getattr(ember, name)(e, -1), ref(x, -1), dtype="int64")


def test_aminmax(device: str) -> None:
    x = np.array([[1.0, 5.0, -3.0], [3.0, 9.0, 0.0]])
    mn, mx = ember.aminmax(_t(x, "float32", device), dim=1)
    assert_close(mn, x.min(1))
    assert_close(mx, x.max(1))


@given(data=st.data())
@hyp_settings()
def test_max_dim_hypothesis(device: str, data: Any) -> None:
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dtype = data.draw(st.sampled_from(["float32", "int64", "int32"]), label="dtype")
    x = data.draw(S.arrays(shape, dtype, -3, 3), label="x")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    keep = data.draw(st.booleans(), label="keepdim")
    v, i = _t(x, dtype, device).max(dim, keepdim=keep)
    assert_close(v, np.max(x, dim, keepdims=keep), dtype=dtype)
    assert_close(i, np.expand_dims(np.argmax(x, dim), dim) if keep else np.argmax(x, dim), dtype="int64")


@pytest.mark.parametrize("correction", [0, 1, 2])
def test_var_std_correction(device: str, correction: int) -> None:
    for name, ref in (("var", np.var), ("std", np.std)):
        helper_test_op(
            [(3, 5)],
            lambda x, n=name, c=correction: getattr(x, n)(dim=1, correction=c),
            device=device,
            np_fn=lambda x, r=ref, c=correction: r(x, axis=1, ddof=c),
            rtol=5e-6,
            grad_rtol=1e-5,
        )
        helper_test_op(
            [(3, 5)],
            lambda x, n=name, c=correction: getattr(x, n)(correction=c),
            device=device,
            np_fn=lambda x, r=ref, c=correction: r(x, ddof=c),
            rtol=5e-6,
            grad_rtol=1e-5,
        )
        helper_test_op(
            [(2, 3, 4)],
            lambda x, n=name, c=correction: getattr(x, n)((0, 2), correction=c, keepdim=True),
            device=device,
            np_fn=lambda x, r=ref, c=correction: r(x, axis=(0, 2), ddof=c, keepdims=True),
            rtol=5e-6,
            grad_rtol=1e-5,
        )


def test_var_std_unbiased_and_mean_variants(device: str) -> None:
    x = np.arange(12.0).reshape(3, 4) ** 1.5
    e = _t(x, "float64", device)
    assert_close(e.var(), np.asarray(np.var(x, ddof=1)))
    assert_close(e.var(unbiased=False), np.asarray(np.var(x)))
    assert_close(e.std(1, unbiased=True), np.std(x, 1, ddof=1))
    assert_close(ember.var(e, 0, keepdim=True), np.var(x, 0, ddof=1, keepdims=True))
    v, m = ember.var_mean(e, 1)
    assert_close(v, np.var(x, 1, ddof=1))
    assert_close(m, np.mean(x, 1))
    s, m = ember.std_mean(e, dim=0, correction=0)
    assert_close(s, np.std(x, 0))
    assert_close(m, np.mean(x, 0))
    # a single element with correction 1 gives nan (PyTorch warns, does not raise)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = _t([1.0], "float64", device).var()
    assert bool(ember.isnan(one))


@pytest.mark.parametrize("p", [2, 1, 3, float("inf"), "fro"])
def test_norm(device: str, p: Any) -> None:
    def np_norm(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        if p == "fro" or p == 2:
            return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))
        if p == float("inf"):
            return np.max(np.abs(x), axis=axis, keepdims=keepdims)
        return np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1 / p)

    helper_test_op([(3, 4)], lambda x: x.norm(p), device=device, np_fn=np_norm, rtol=5e-6, grad_rtol=1e-5)
    if p != "fro":
        helper_test_op(
            [(3, 4)],
            lambda x: x.norm(p, dim=1),
            device=device,
            np_fn=lambda x: np_norm(x, axis=1),
            rtol=5e-6,
            grad_rtol=1e-5,
        )
        helper_test_op(
            [(2, 3, 4)],
            lambda x: x.norm(p, dim=(0, 2), keepdim=True),
            device=device,
            np_fn=lambda x: np_norm(x, axis=(0, 2), keepdims=True),
            rtol=5e-6,
            grad_rtol=1e-5,
        )
    assert_close(ember.norm(_t([[3.0, 4.0]], "float32", device)), np.asarray(5.0))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative(device: str, name: str) -> None:
    ref = getattr(np, name)
    for dim in (0, 1, -1):
        helper_test_op(
            [(3, 4)],
            lambda x, d=dim: getattr(x, name)(d),
            device=device,
            np_fn=lambda x, d=dim: ref(x, axis=d),
            low=0.5,
            high=1.5,
            rtol=5e-6,
            grad_rtol=1e-5,
        )
    helper_test_op(
        [(4,)],
        lambda x: getattr(x, name)(dim=0),
        device=device,
        dtype="float64",
        np_fn=lambda x: ref(x),
        low=0.5,
        high=1.5,
    )
    i = ember.tensor([[1, 2, 3], [4, 5, 6]], dtype=ember.int32, device=device)
    out = getattr(ember, name)(i, 1)
    assert_close(out, ref(np.array([[1, 2, 3], [4, 5, 6]]), axis=1), dtype="int64")
    assert getattr(i, name)(1, dtype=ember.float64).dtype == ember.float64
    b = ember.tensor([True, False, True], device=device)
    assert_close(getattr(b, name)(0), ref(np.array([1, 0, 1])), dtype="int64")


@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
def test_all_any(device: str, dtype: str) -> None:
    x = np.array([[0, 1, 2], [3, 0, 0], [1, 1, 1]]).astype(dtype)
    e = _t(x, dtype, device)
    assert_close(e.all(), np.asarray(np.all(x)), dtype="bool")
    assert_close(e.any(), np.asarray(np.any(x)), dtype="bool")
    assert_close(e.all(1), np.all(x, 1), dtype="bool")
    assert_close(e.any(dim=0, keepdim=True), np.any(x, 0, keepdims=True), dtype="bool")
    assert_close(ember.all(e, dim=-1), np.all(x, -1), dtype="bool")
    assert_close(ember.any(e, (0, 1)), np.asarray(np.any(x)), dtype="bool")
    assert ember.zeros(0, device=device).all().item() is True
    assert ember.zeros(0, device=device).any().item() is False


def test_count_nonzero(device: str) -> None:
    x = np.array([[0.0, 1.5, 2.0], [3.0, 0.0, 0.0]])
    e = _t(x, "float32", device)
    assert_close(ember.count_nonzero(e), np.asarray(3), dtype="int64")
    assert_close(e.count_nonzero(dim=1), np.array([2, 1]), dtype="int64")
    assert_close(ember.count_nonzero(e, dim=(0, 1)), np.asarray(3), dtype="int64")


@given(data=st.data())
@hyp_settings()
def test_sort_argsort_hypothesis(device: str, data: Any) -> None:
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dtype = data.draw(st.sampled_from(["float32", "float64", "int64", "int32"]), label="dtype")
    # few distinct values, so ties are common and stability matters
    x = data.draw(S.arrays(shape, dtype, -3, 3), label="x").round()
    if dtype.startswith("int"):
        x = x.astype(dtype)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    desc = data.draw(st.booleans(), label="descending")
    e = _t(x, dtype, device)
    values, indices = e.sort(dim=dim, descending=desc, stable=True)
    key = -x.astype(np.float64) if desc else x
    order = np.argsort(key, axis=dim, kind="stable")
    assert_close(indices, order, dtype="int64")
    assert_close(values, np.take_along_axis(x, order, dim), dtype=dtype)
    assert_close(e.argsort(dim=dim, descending=desc, stable=True), order, dtype="int64")
    v2, _ = ember.sort(e, dim=dim, descending=desc)
    assert_close(v2, np.take_along_axis(x, order, dim), dtype=dtype)


def test_sort_namedtuple_and_grad(device: str) -> None:
    res = ember.sort(_t([3.0, 1.0, 2.0], "float32", device))
    assert_close(res.values, [1.0, 2.0, 3.0])
    assert_close(res.indices, [1, 2, 0])
    helper_test_op([(3, 4)], lambda x: x.sort(1)[0], device=device, np_fn=lambda x: np.sort(x, 1))
    helper_test_op(
        [(3, 4)], lambda x: x.sort(0, descending=True)[0], device=device, np_fn=lambda x: -np.sort(-x, 0)
    )


@given(data=st.data())
@hyp_settings()
def test_topk_hypothesis(device: str, data: Any) -> None:
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    k = data.draw(st.integers(0, shape[dim]), label="k")
    largest = data.draw(st.booleans(), label="largest")
    # distinct values: topk's order among ties is unspecified in PyTorch
    n = int(np.prod(shape))
    x = (
        np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed")).permutation(n).reshape(shape)
        * 0.5
    )
    e = _t(x, "float32", device)
    values, indices = e.topk(k, dim=dim, largest=largest)
    order = np.argsort(-x if largest else x, axis=dim)
    order = np.take(order, np.arange(k), axis=dim)
    assert_close(indices, order, dtype="int64")
    assert_close(values, np.take_along_axis(x, order, dim), dtype="float32")


def test_topk_grad_and_errors(device: str) -> None:
    helper_test_op(
        [(3, 5)], lambda x: x.topk(2, dim=1)[0], device=device, np_fn=lambda x: -np.sort(-x, 1)[:, :2]
    )
    with pytest.raises(RuntimeError, match="out of range|selected index k out of range"):
        ember.ones(3, device=device).topk(4)


def test_kthvalue_median(device: str) -> None:
    x = np.array([[3.0, 1.0, 2.0, 5.0], [9.0, 7.0, 8.0, 6.0]])
    e = _t(x, "float32", device)
    v, i = ember.kthvalue(e, 2, dim=1)
    assert_close(v, [2.0, 7.0])
    assert_close(i, [2, 1])
    # median returns the lower of the two middle values, as in PyTorch
    assert_close(e.median(), np.asarray(5.0))
    mv, mi = e.median(dim=1)
    assert_close(mv, [2.0, 7.0])
    assert_close(mi, [2, 1])


def test_unique(device: str) -> None:
    x = np.array([3, 1, 2, 3, 1, 5, 3])
    e = ember.tensor(x, device=device)
    u = ember.unique(e)
    assert_close(u, np.unique(x), dtype="int64")
    u, inv = e.unique(return_inverse=True)
    assert_close(inv, np.unique(x, return_inverse=True)[1].reshape(x.shape), dtype="int64")
    u, counts = ember.unique(e, return_counts=True)
    assert_close(counts, np.unique(x, return_counts=True)[1], dtype="int64")
    u, inv, counts = ember.unique(e, sorted=True, return_inverse=True, return_counts=True)
    assert_close(u, [1, 2, 3, 5])
    assert_close(counts, [2, 1, 3, 1])
    m = ember.tensor([[1.0, 2.0], [2.0, 1.0]], device=device)
    u, inv = m.unique(return_inverse=True)
    assert_close(u, [1.0, 2.0], dtype="float32")
    assert_close(inv, [[0, 1], [1, 0]])


def test_logsumexp_is_stable(device: str) -> None:
    x = _t([[1000.0, 1000.0], [-1000.0, -1000.0]], "float32", device)
    assert_close(x.logsumexp(1), [1000.0 + np.log(2.0), -1000.0 + np.log(2.0)], rtol=1e-6)
    helper_test_op(
        [(3, 4)],
        lambda a: lib_of(a).logsumexp(a, dim=1),
        device=device,
        np_fn=lambda a: np.log(np.exp(a).sum(1)),
        rtol=5e-6,
    )


def test_nansum_nanmean(device: str) -> None:
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]])
    e = _t(x, "float64", device)
    assert_close(ember.nansum(e), np.asarray(np.nansum(x)))
    assert_close(e.nanmean(1), np.nanmean(x, 1))


def test_reduction_dim_out_of_range(device: str) -> None:
    x = ember.ones(2, 3, device=device)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.max(-3)
    with pytest.raises(RuntimeError, match="dim 1 appears multiple times"):
        x.sum((1, -1))
