"""Reductions, scans, sorting, searching and statistics: ``sum``, ``cumsum``, ``sort``, ``quantile``, ...

Order statistics whose index output is implementation-defined on ties in PyTorch (``topk``, ``kthvalue``,
``median`` with a dim: "not necessarily the first occurrence") get tie-free samples (``_distinct``); ops whose
tie behaviour PyTorch documents (``sort(stable=True)``, ``mode``'s smallest value, ``max``'s first index) get
ties on purpose.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._core import BOOL, FLOATS, HALF, INTS, SIGNED, DType, ErrorCase, OpInfo, Sample, SampleFn, T, values
from .samples import chain, edge_values, reduction

NAN, INF = math.nan, math.inf
#: dtype groups of this family (PyTorch's CPU kernels, probed)
ALLH = (*FLOATS, *HALF, *INTS, *BOOL)
FLOATH = (*FLOATS, *HALF)
NUMH = (*FLOATS, *HALF, *INTS)  # no bool


def _gen(fn: Any) -> SampleFn:
    """A sample generator from ``fn(v, dtype, rng)``, where ``v(*shape)`` draws values of the dtype."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int, low: float = -3.0, high: float = 3.0) -> np.ndarray:
            return values(rng, shape, dtype, low, high)

        yield from fn(v, dtype, rng)

    return gen


def _floating(dtype: str) -> bool:
    return dtype in FLOATS or dtype in HALF


def _distinct(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Values with no ties (a shuffled range that every dtype but bool holds exactly)."""
    n = int(np.prod(shape))
    lo = 0 if dtype == "uint8" else -(n // 2)
    a = rng.permutation(np.arange(lo, lo + n)).reshape(shape)
    return a / 4 if _floating(dtype) else a  # quarter steps stay exact in float16 and bfloat16


def _float_magnitudes(dtype: str) -> Iterator[Sample]:
    if _floating(dtype):
        yield Sample((T(np.array([1e30, 3e30, 1e-30, -1e-30, 30000.0, -0.0])),), {}, "large and small magnitudes",
                     grad=False)
        yield Sample((T(np.array([[NAN, 1.0, -INF], [INF, -0.0, 2.0]])),), {"dim": 1}, "inf and NaN along a dim",
                     grad=False)


def _axis_alias(v: Any) -> Iterator[Sample]:
    # PyTorch's argument parser takes NumPy's names: axis= for dim= and keepdims= for keepdim=
    yield Sample((T(v(3, 4)),), {"axis": 0}, "axis= (NumPy's name for dim=)")


# -- sum, mean, prod, nansum, nanmean, count_nonzero, all, any, amax, amin ---------------------------------------


def _dtype_arg(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {"dtype": DType("float64")}, "dtype=float64")
    yield Sample((T(v(3, 4), dtype="float32"),), {"dim": 1, "dtype": DType("float64")},
                 "float32 input accumulated as float64 (its backward casts back)")
    yield Sample((T(v(2, 3)),), {"dim": [], "keepdim": True}, "dim=[] reduces every dim")
    yield Sample((T(v(4, 5, 2)),), {"dim": 1}, "middle dim")
    yield from _axis_alias(v)
    yield Sample((T(v(2, 3)),), {"dim": 1, "keepdims": True}, "keepdims= (NumPy's name for keepdim=)")


def _sum_errors() -> list[ErrorCase]:
    return [
        ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": 2}), IndexError, "Dimension out of range"),
        ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": (0, 0)}), RuntimeError, "appears multiple times"),
    ]


_SUM = chain(reduction(), _gen(_dtype_arg), lambda d, r: _float_magnitudes(d))


def _mean_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {"dtype": DType("float64")}, "dtype=float64")
    yield Sample((T(v(4, 5, 2)),), {"dim": (0, 2), "keepdim": True}, "dim tuple, keepdim")
    yield from _axis_alias(v)


def _prod_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {"dim": 1, "dtype": DType("float64")}, "dtype=float64")
    x = v(3, 4)
    x[1, 2] = 0
    yield Sample((T(x),), {"dim": 1}, "a zero in the row (its gradient is the others' product)")
    x = v(2, 5)
    x[0, 1] = x[0, 3] = 0
    yield Sample((T(x),), {"dim": 1}, "two zeros in a row")
    yield Sample((T(v(2, 4)),), {"dim": 0, "keepdim": True}, "dim=0 keepdim")
    yield from _axis_alias(v)


def _nan_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    if _floating(dtype):
        x = v(3, 4)
        x[0, 1] = x[2, :] = NAN
        yield Sample((T(x),), {}, "NaN and an all-NaN row", grad=False)
        yield Sample((T(x),), {"dim": 1}, "NaN and an all-NaN row, dim=1")
        yield Sample((T(x),), {"dim": 0, "keepdim": True}, "NaN, dim=0 keepdim")
    yield Sample((T(v(3, 4)),), {"dim": (0, 1)}, "dim tuple")


def _logical_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(np.zeros((2, 3))),), {"dim": 1}, "all zeros")
    yield Sample((T(np.ones((2, 3))),), {"dim": 0, "keepdim": True}, "all ones")
    yield Sample((T(v(2, 3)),), {"dim": ()}, "dim=() reduces nothing here (where sum's reduces every dim)")
    if _floating(dtype):
        yield Sample((T(np.array([NAN, -0.0, 0.0, INF])),), {"dim": 0}, "NaN and inf are true, -0.0 is false")
    yield from _axis_alias(v)


def _count_nonzero(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "whole tensor")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(3, 4)),), {"dim": 1}, "dim=1")
    yield Sample((T(v(2, 3, 4)),), {"dim": (0, -1)}, "dim tuple")
    yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size")
    yield Sample((T(v(3, 5), "strided"),), {"dim": -1}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"dim": 0}, "expanded view")
    yield Sample((T(edge_values(dtype)),), {}, "edge values")


def _amax_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    x = v(3, 4)
    x[:, 1] = x[:, 2] = x.max(axis=1) if dtype != "bool" else True
    yield Sample((T(x),), {"dim": 1}, "tied extrema share the gradient")
    yield Sample((T(x),), {}, "tied extrema, whole tensor")
    yield Sample((T(v(2, 3)),), {"dim": ()}, "dim=() reduces every dim")
    yield from _axis_alias(v)
    yield from _float_magnitudes(dtype)


# -- std, var, std_mean, var_mean -------------------------------------------------------------------------------


def _moments(with_mean: bool) -> Any:
    def fn(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        yield Sample((T(v(3, 4)),), {}, "whole tensor")
        yield Sample((T(v()),), {}, "0-d: one element, so correction=1 divides by 0", grad=False)
        yield Sample((T(v(3, 4)),), {"dim": 1}, "dim=1")
        yield Sample((T(v(2, 3, 4)),), {"dim": (0, -1), "keepdim": True}, "dim tuple, keepdim")
        yield Sample((T(v(3, 5), "strided"),), {"dim": 0}, "strided view")
        yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"dim": 1}, "expanded view: a zero deviation")
        yield Sample((T(v(0, 3)),), {"dim": 1}, "zero-size, reduce a non-empty dim")
        yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size, reduce the empty dim")
        yield from _moment_extra(v, dtype, rng)
        if with_mean:
            # NOTE: no inf here: PyTorch's *_mean gives the mean from its Welford pass, where inf - inf makes
            # the mean NaN (mean([inf, 0]) is inf, var_mean's is NaN); that rounding artefact is no spec
            yield Sample((T(np.array([[NAN, 1.0, 3e30], [1e-30, -0.0, 2.0]])),), {"dim": 1}, "NaN and huge",
                         grad=False)
        else:
            yield from _float_magnitudes(dtype)

    return fn


def _moment_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {"correction": 0}, "correction=0")
    yield Sample((T(v(3, 4)),), {"dim": 1, "correction": 2}, "correction=2")
    yield Sample((T(v(3, 4)),), {"dim": 1, "correction": 0.5}, "fractional correction")
    yield Sample((T(v(3, 4)), 1, False), {}, "positional unbiased=False")
    yield Sample((T(v(3, 4)), False), {}, "unbiased=False, all dims")
    yield Sample((T(v(3, 4)),), {"dim": 1, "unbiased": True, "keepdim": True}, "unbiased=True keepdim")
    yield Sample((T(v(3, 1)),), {"dim": 1}, "one element per slice: correction=1 divides by 0", grad=False)
    yield Sample((T(np.full((2, 3), 1.5)),), {"dim": 1}, "constant rows: variance 0", grad=False)
    yield Sample((T(np.array([1e4 + 1, 1e4 + 2, 1e4 + 3])),), {}, "large mean, small spread")
    yield from _axis_alias(v)


def _moment_errors(name: str) -> list[ErrorCase]:
    return [
        ErrorCase(Sample((T(np.ones((2, 3)), dtype="int64"),), {}), RuntimeError,
                  f"{'std and var' if name in ('std', 'var') else name} only support floating point and complex "
                  "dtypes"),
        ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": 3}), IndexError, "Dimension out of range"),
        ErrorCase(Sample((T(np.ones((2, 3))), 0, True), {"correction": 1}), TypeError,
                  "received an invalid combination of arguments"),
    ]


# -- max, min, argmax, argmin, aminmax -----------------------------------------------------------------------------


def _maxmin(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "whole tensor")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(3, 4)),), {"dim": 1}, "dim=1: (values, indices)")
    yield Sample((T(v(2, 3, 4)),), {"dim": -2, "keepdim": True}, "dim=-2 keepdim")
    yield Sample((T(v()),), {"dim": 0}, "0-d, dim=0")
    yield Sample((T(v(3, 5), "strided"),), {"dim": 0}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"dim": 1}, "expanded view: all tied, first index")
    yield Sample((T(v(0, 3)),), {"dim": 1}, "zero-size, reduce a non-empty dim")
    yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size, reduce the empty dim")
    yield Sample((T(v(0)),), {}, "zero-size, whole tensor")
    yield Sample((T(v(3, 4)), T(v(3, 4))), {}, "binary: elementwise with another tensor")
    yield Sample((T(v(3, 1)), T(v(1, 4))), {}, "binary: broadcast")
    yield Sample((T(edge_values(dtype)),), {}, "edge values", grad=False)
    yield Sample((T(edge_values(dtype)),), {"dim": 0}, "edge values, dim=0", grad=False)
    x = np.array([[1, 3, 3, 2], [0, 0, 1, 1]])
    yield Sample((T(x),), {"dim": 1}, "ties: the first index", grad=False)
    yield from _axis_alias(v)
    yield from _float_magnitudes(dtype)


def _argmaxmin(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "whole tensor (flattened index)")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(3, 4)),), {"dim": 1}, "dim=1")
    yield Sample((T(v(2, 3, 4)),), {"dim": -2, "keepdim": True}, "dim=-2 keepdim")
    yield Sample((T(v(3, 4)),), {"keepdim": True}, "no dim, keepdim")
    yield Sample((T(v(3, 5), "strided"),), {"dim": 0}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"dim": 1}, "expanded view: all tied")
    yield Sample((T(v(0, 3)),), {"dim": 1}, "zero-size, a non-empty dim")
    yield Sample((T(v(0, 3)),), {}, "zero-size, whole tensor")
    yield Sample((T(edge_values(dtype)),), {}, "edge values")
    yield Sample((T(np.array([[1, 3, 3, 2], [0, 0, 1, 1]])),), {"dim": 1}, "ties: the first index")
    yield from _axis_alias(v)
    yield from _float_magnitudes(dtype)


def _aminmax(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "whole tensor")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(3, 4)),), {"dim": 1}, "dim=1")
    yield Sample((T(v(2, 3, 4)),), {"dim": -1, "keepdim": True}, "dim=-1 keepdim")
    yield Sample((T(v(3, 5), "strided"),), {"dim": 0}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"dim": 1}, "expanded view")
    yield Sample((T(v(0, 3)),), {"dim": 1}, "zero-size, a non-empty dim")
    yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size, the empty dim")
    yield Sample((T(v(0)),), {}, "zero-size, whole tensor")
    yield Sample((T(edge_values(dtype)),), {}, "edge values")
    yield from _float_magnitudes(dtype)


def _maxmin_errors() -> list[ErrorCase]:
    return [
        ErrorCase(Sample((T(np.ones((0, 3))),), {}), RuntimeError, "Expected reduction dim to be specified"),
        ErrorCase(Sample((T(np.ones((0, 3))),), {"dim": 0}), IndexError, "to have non-zero size"),
        ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": 2}), IndexError, "Dimension out of range"),
    ]


# -- norm, logsumexp, dist, renorm, frobenius_norm, nuclear_norm -------------------------------------------------


def _norm(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "Frobenius, whole tensor")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    for p in (1, 2, 3, 0.5, INF, -INF, 0):
        yield Sample((T(v(3, 4)), p), {"dim": 1}, f"p={p}, dim=1", grad=p not in (0,))
    yield Sample((T(v(2, 3, 4)), "fro"), {"dim": (0, 2), "keepdim": True}, "fro over two dims, keepdim")
    yield Sample((T(v(3, 4)), "nuc"), {}, "nuclear norm of a matrix")
    yield Sample((T(v(3, 5), "strided"), 2), {"dim": 0}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"dim": 1}, "expanded view")
    yield Sample((T(np.zeros((2, 3))),), {"dim": 1}, "zero rows: the 2-norm's subgradient is 0")
    yield Sample((T(v(3, 4)),), {"dim": 1, "dtype": DType("float64")}, "dtype=float64")
    yield Sample((T(np.array([1e30, 3e30])),), {}, "no overflow in the squares", grad=False)
    yield from _float_magnitudes(dtype)


def _logsumexp(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), 1), {}, "dim=1")
    yield Sample((T(v(2, 3, 4)), (0, 2)), {"keepdim": True}, "dim tuple, keepdim")
    yield Sample((T(v()), 0), {}, "0-d")
    yield Sample((T(v(0, 3)), 1), {}, "zero-size, the non-empty dim")
    yield Sample((T(v(0, 3)), 0), {}, "zero-size, the empty dim: -inf")
    yield Sample((T(v(3, 5), "strided"), -1), {}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)), 1), {}, "expanded view")
    yield Sample((T(edge_values(dtype)), 0), {}, "edge values", grad=False)
    if _floating(dtype):
        big = np.array([[1000.0, 1000.0, -1000.0], [-INF, -INF, -INF], [INF, 1.0, 2.0]])
        yield Sample((T(big), 1), {}, "large values, all -inf, +inf", grad=False)
    yield Sample((T(v(3, 4)),), {"axis": 1}, "axis= (NumPy's name for dim=)")


def _dist(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), T(v(3, 4))), {}, "same shape, p=2")
    yield Sample((T(v(3, 1)), T(v(1, 4))), {}, "broadcast")
    for p in (0, 1, 3, INF, -INF):
        yield Sample((T(v(3, 4)), T(v(3, 4)), p), {}, f"p={p}", grad=p != 0)
    yield Sample((T(v()), T(v(2, 3))), {}, "0-d and 2-d")
    yield Sample((T(v(0, 3)), T(v(1, 3))), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"), T(v(3, 5), "strided")), {}, "strided views")
    yield Sample((T(v(2, 3)), T(v(2, 3))), {"p": 0.5}, "p=0.5")
    x = v(2, 3)
    yield Sample((T(x), T(x.copy())), {}, "equal inputs: distance 0", grad=False)
    e = edge_values(dtype)
    yield Sample((T(e), T(e[::-1].copy())), {}, "edge values", grad=False)


def _renorm(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), 2, 0, 1.0), {}, "p=2, dim=0")
    yield Sample((T(v(3, 4)), 1, 1, 2.0), {}, "p=1, dim=1")
    yield Sample((T(v(2, 3, 4)), 3, -1, 0.5), {}, "p=3, dim=-1")
    yield Sample((T(v(3, 4)), INF, 0, 1.5), {}, "p=inf", grad=False)
    yield Sample((T(v(3, 4)), 2, 0, 100.0), {}, "maxnorm above every norm: unchanged")
    yield Sample((T(v(3, 4)), 2, 0, 0.0), {}, "maxnorm 0")
    yield Sample((T(v(0, 3)), 2, 0, 1.0), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"), 2, 1, 1.0), {}, "strided view")
    yield Sample((T(np.zeros((2, 3))), 2, 0, 1.0), {}, "zero slices", grad=False)
    yield Sample((T(v(3, 4)),), {"p": 2, "dim": 1, "maxnorm": 1.0}, "keywords")


def _frobenius(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), (0, 1)), {}, "both dims")
    yield Sample((T(v(2, 3, 4)), (1, 2)), {"keepdim": True}, "last two dims, keepdim")
    yield Sample((T(v(3, 4)), (1,)), {}, "one dim")
    yield Sample((T(v(0, 3)), (0, 1)), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"), (0, 1)), {}, "strided view")
    yield Sample((T(np.zeros((2, 3))), (0, 1)), {}, "all zeros", grad=False)
    yield from ((Sample((s.args[0], (0,)), s.kwargs, s.desc, grad=False)) for s in _float_magnitudes(dtype)
                if not s.kwargs)


def _nuclear(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "a matrix")
    yield Sample((T(v(2, 3, 4)),), {"dim": (1, 2)}, "batched over dim 0", grad=False)
    yield Sample((T(v(4, 3)),), {"keepdim": True}, "keepdim")
    yield Sample((T(v(3, 5), "strided"),), {}, "strided view")
    yield Sample((T(np.diag([3.0, 2.0, 1.0])),), {}, "diagonal")


# -- cumsum, cumprod, cummax, cummin, logcumsumexp ----------------------------------------------------------------


def _scan(dtype_kw: bool = True) -> Any:
    def fn(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        yield Sample((T(v(3, 4)), 1), {}, "dim=1")
        yield Sample((T(v(2, 3, 4)), -3), {}, "dim=-3")
        yield Sample((T(v()), 0), {}, "0-d")
        yield Sample((T(v()), -1), {}, "0-d, dim=-1")
        yield Sample((T(v(0, 3)), 0), {}, "zero-size, along the empty dim")
        yield Sample((T(v(0, 3)), 1), {}, "zero-size, along the non-empty dim")
        yield Sample((T(v(3, 5), "strided"), 0), {}, "strided view")
        yield Sample((T(v(3, 1), "expanded", (3, 4)), 1), {}, "expanded view")
        yield Sample((T(edge_values(dtype)), 0), {}, "edge values", grad=False)
        yield Sample((T(v(7)), 0), {}, "1-d")
        if dtype_kw:
            yield Sample((T(v(3, 4)), 1), {"dtype": DType("float64")}, "dtype=float64")
        yield Sample((T(v(3, 4)),), {"dim": 0}, "dim= keyword")
        yield from _axis_scan(v)
        if _floating(dtype):
            yield Sample((T(np.array([[1e30, 1e30, -INF, NAN], [2.0, 0.0, -0.0, INF]])), 1), {},
                         "inf, NaN, huge", grad=False)

    return fn


def _axis_scan(v: Any) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {"axis": 1}, "axis= (NumPy's name for dim=)")


def _cumprod_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    x = v(2, 5)
    x[0, 2] = 0
    x[1, 1] = x[1, 3] = 0
    yield Sample((T(x), 1), {}, "zeros in the scan (the gradient is zero-safe)")


def _cummaxmin_extra(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(np.array([[1, 3, 3, 2, 3], [0, 0, 1, 1, 0]])), 1), {}, "ties: the last index",
                 grad=False)


# -- sort, argsort, msort, topk, kthvalue, median, nanmedian, mode -------------------------------------------------


def _sort(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(_distinct(rng, (3, 4), dtype)),), {}, "last dim")
    yield Sample((T(_distinct(rng, (3, 4), dtype)),), {"dim": 0, "descending": True}, "dim=0, descending")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size")
    yield Sample((T(_distinct(rng, (3, 5), dtype), "strided"),), {"dim": 1}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"stable": True}, "expanded view: all tied, stable")
    yield Sample((T(v(3, 6)),), {"stable": True}, "ties, stable")
    yield Sample((T(v(3, 6)),), {"stable": True, "descending": True}, "ties, stable, descending")
    yield Sample((T(edge_values(dtype)),), {"stable": True}, "edge values (NaN sorts last)", grad=False)
    yield Sample((T(edge_values(dtype)),), {"stable": True, "descending": True}, "edge values, descending",
                 grad=False)
    yield Sample((T(_distinct(rng, (2, 3, 4), dtype)),), {"dim": -2}, "dim=-2")
    yield Sample((T(_distinct(rng, (3, 4), dtype)),), {"axis": 0}, "axis= (NumPy's name for dim=)")
    if _floating(dtype):
        yield Sample((T(np.array([0.0, -0.0, 0.0, -0.0, NAN, -NAN])),), {"stable": True}, "-0.0 ties 0.0",
                     grad=False)


def _msort(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "2-d: along dim 0")
    yield Sample((T(v(5)),), {}, "1-d")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"),), {}, "strided view")
    yield Sample((T(edge_values(dtype)),), {}, "edge values", grad=False)


def _topk(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(_distinct(rng, (3, 5), dtype)), 2), {}, "k=2, last dim")
    yield Sample((T(_distinct(rng, (3, 5), dtype)), 2), {"dim": 0, "largest": False}, "smallest, dim=0")
    yield Sample((T(_distinct(rng, (3, 5), dtype)), 5), {}, "k = the size")
    yield Sample((T(_distinct(rng, (3, 5), dtype)), 0), {}, "k=0")
    yield Sample((T(v()), 1), {}, "0-d, k=1")
    yield Sample((T(v()), 0), {}, "0-d, k=0")
    yield Sample((T(v(0, 3)), 0), {"dim": 0}, "zero-size")
    yield Sample((T(_distinct(rng, (3, 6), dtype), "strided"), 2), {"dim": 1}, "strided view")
    yield Sample((T(_distinct(rng, (2, 3, 4), dtype)), 2), {"dim": -2}, "dim=-2")
    if _floating(dtype):
        yield Sample((T(np.array([1.0, NAN, INF, -INF, 0.5])), 3), {}, "NaN is the largest", grad=False)


def _kthvalue(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(_distinct(rng, (3, 5), dtype)), 2), {}, "k=2, last dim")
    yield Sample((T(_distinct(rng, (3, 5), dtype)), 1), {"dim": 0, "keepdim": True}, "k=1, dim=0 keepdim")
    yield Sample((T(_distinct(rng, (3, 5), dtype)), 5), {}, "k = the size")
    yield Sample((T(v()), 1), {}, "0-d")
    yield Sample((T(_distinct(rng, (3, 6), dtype), "strided"), 3), {"dim": 1}, "strided view")
    yield Sample((T(_distinct(rng, (2, 3, 4), dtype)), 2), {"dim": -2}, "dim=-2")
    if _floating(dtype):
        yield Sample((T(np.array([1.0, INF, -INF, 0.5])), 4), {}, "infinities", grad=False)
        yield Sample((T(np.array([1.0, NAN, 0.5])), 3), {}, "NaN is the largest", grad=False)


def _median(nan: bool) -> Any:
    def fn(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        yield Sample((T(v(3, 5)),), {}, "whole tensor (odd count)")
        yield Sample((T(v(2, 3)),), {}, "whole tensor (even count: the lower median)")
        yield Sample((T(_distinct(rng, (3, 5), dtype)),), {"dim": 1}, "dim=1")
        yield Sample((T(_distinct(rng, (4, 3), dtype)),), {"dim": 0, "keepdim": True}, "dim=0 (even) keepdim")
        yield Sample((T(v()),), {}, "0-d")
        yield Sample((T(v()),), {"dim": 0}, "0-d, dim=0")
        if _floating(dtype):  # an integer dtype gets the value NaN converts to, no spec
            yield Sample((T(v(0)),), {}, "zero-size: NaN")
        yield Sample((T(v(0, 3)),), {"dim": 1}, "zero-size, a non-empty dim")
        yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size, the empty dim: refused")
        yield Sample((T(_distinct(rng, (3, 6), dtype), "strided"),), {"dim": 1}, "strided view")
        yield Sample((T(v(3, 1), "expanded", (3, 3)),), {}, "expanded view")
        if _floating(dtype):
            x = _distinct(rng, (3, 4), dtype)
            x[0, 1] = x[1, 0] = x[1, 2] = NAN
            yield Sample((T(x),), {}, "NaN", grad=False)
            yield Sample((T(x),), {"dim": 1}, "NaN in two rows, dim=1", grad=False)
            # (the index an all-NaN row gets from nanmedian is nth_element's pick in PyTorch: no spec)
            yield Sample((T(np.full((2, 3), NAN)),), {} if nan else {"dim": 1}, "all NaN", grad=False)
            yield Sample((T(np.array([INF, -INF, 1.0, -0.0, 0.0])),), {}, "infinities", grad=False)
        yield from _axis_alias(lambda *s: _distinct(rng, s, dtype))

    return fn


def _mode(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 6)),), {}, "last dim")
    yield Sample((T(v(4, 3)),), {"dim": 0, "keepdim": True}, "dim=0 keepdim")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(2, 0)),), {"dim": 0}, "zero-size, a non-empty dim")
    yield Sample((T(v(3, 6), "strided"),), {"dim": 1}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {}, "expanded view: all tied")
    yield Sample((T(np.array([[1, 2, 2, 1, 3], [0, 1, 1, 0, 0]])),), {}, "tied counts: the smallest value")
    # distinct values: the index PyTorch gives for a tied run (-0.0 and 0.0, or values that round together in
    # half precision) depends on its sort's order of ties, no spec
    e = np.array([INF, -INF, NAN, 0.5, -1.0, 2.0, -0.0]) if _floating(dtype) else edge_values(dtype)
    yield Sample((T(e),), {}, "edge values", grad=False)
    yield from _axis_alias(v)


# -- quantile, nanquantile -------------------------------------------------------------------------------------------


def _quantile(nan: bool) -> Any:
    def fn(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        yield Sample((T(v(3, 5)), 0.3), {}, "scalar q, whole tensor")
        yield Sample((T(v(3, 5)), T(np.array([0.1, 0.3, 0.55, 0.8]))), {"dim": 1}, "q tensor, dim=1 (no q on a kink)")
        yield Sample((T(v(3, 5)), T(np.array([0.0, 1.0]))), {"dim": 1}, "q at 0 and 1 (finite differences leave "
                     "[0, 1])", grad=False)
        yield Sample((T(v(3, 5)), T(np.array([0.1, 0.9]))), {"dim": 0, "keepdim": True}, "q tensor, keepdim")
        yield Sample((T(v(3, 5)), T(np.array(0.7))), {"dim": -1}, "0-d q tensor")
        yield Sample((T(v(3, 4)), 0.5), {"keepdim": True}, "no dim, keepdim")
        for mode in ("lower", "higher", "midpoint", "nearest"):
            yield Sample((T(v(2, 6)), T(np.array([0.2, 0.5, 0.9]))), {"dim": 1, "interpolation": mode},
                         f"interpolation={mode}")
        yield Sample((T(v()), 0.5), {}, "0-d")
        yield Sample((T(v()), 0.5), {"dim": 0}, "0-d, dim=0")
        yield Sample((T(v(0)), 0.5), {}, "zero-size")
        yield Sample((T(v(3, 5), "strided"), 0.4), {"dim": 1}, "strided view")
        yield Sample((T(v(3, 1), "expanded", (3, 4)), 0.4), {"dim": 1}, "expanded view")
        yield Sample((T(v(4, 3)), T(np.array([], dtype=np.float64))), {"dim": 0}, "empty q")
        x = v(3, 5)
        x[0, 1] = NAN
        x[2, :] = NAN
        yield Sample((T(x), T(np.array([0.25, 0.75]))), {"dim": 1}, "NaN and an all-NaN row", grad=False)
        yield Sample((T(x), 0.5), {}, "NaN, whole tensor", grad=False)
        yield Sample((T(np.array([INF, -INF, 1.0, 2.0])), T(np.array([0.0, 0.5, 1.0]))), {},
                     "infinities", grad=False)
        yield Sample((T(v(3, 4)), 0.5), {"axis": 1}, "axis= (NumPy's name for dim=)")

    return fn


def _quantile_errors() -> list[ErrorCase]:
    return [
        ErrorCase(Sample((T(np.ones(3)), 1.5), {}), RuntimeError, "q must be in the range [0, 1]"),
        ErrorCase(Sample((T(np.ones(0)), 0.5), {}), RuntimeError, "input tensor must be non-empty"),
        ErrorCase(Sample((T(np.ones(3), dtype="int64"), 0.5), {}), RuntimeError,
                  "input tensor must be either float or double dtype"),
        ErrorCase(Sample((T(np.ones(3)), T(np.ones((2, 2)) / 2)), {}), RuntimeError,
                  "q must be a scalar or 1D tensor"),
        ErrorCase(Sample((T(np.ones(3)), 0.5), {"interpolation": "cubic"}), RuntimeError,
                  "interpolation must be one of linear, lower, higher, midpoint or nearest"),
    ]


# -- unique, unique_consecutive, bincount ---------------------------------------------------------------------------


def _unique(consecutive: bool) -> Any:
    def fn(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        x = v(3, 5)
        yield Sample((T(x),), {}, "2-d, flattened")
        yield Sample((T(x),), {"return_inverse": True, "return_counts": True}, "inverse and counts")
        yield Sample((T(x),), {"return_counts": True}, "counts only")
        yield Sample((T(v()),), {"return_inverse": True}, "0-d")
        yield Sample((T(v(0)),), {"return_inverse": True, "return_counts": True}, "zero-size")
        yield Sample((T(v(3, 6), "strided"),), {"return_inverse": True}, "strided view")
        yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"return_counts": True}, "expanded view")
        rows = np.array([[1, 2], [1, 2], [0, 1], [1, 2], [0, 1]])
        yield Sample((T(rows),), {"dim": 0, "return_inverse": True, "return_counts": True}, "unique rows, dim=0")
        yield Sample((T(rows.T.copy()),), {"dim": 1, "return_counts": True}, "unique columns, dim=1")
        if not consecutive:
            yield Sample((T(x),), {"sorted": True, "return_inverse": True}, "sorted=True")
        if _floating(dtype):
            e = np.array([NAN, 1.0, NAN, -0.0, 0.0, INF, -INF, 1.0])
            yield Sample((T(e),), {"return_counts": True}, "NaN never equals NaN; -0.0 equals 0.0")
        else:
            yield Sample((T(edge_values(dtype)),), {"return_inverse": True}, "edge values")

    return fn


def _bincount(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(8, low=0, high=5)),), {}, "counts")
    yield Sample((T(v(6, low=0, high=3)),), {"minlength": 7}, "minlength above the largest value")
    yield Sample((T(v(6, low=0, high=3)), T(np.linspace(-1, 2, 6), dtype="float64")), {}, "float64 weights")
    yield Sample((T(v(6, low=0, high=3)), T(np.linspace(-1, 2, 6), dtype="float32")), {"minlength": 2},
                 "float32 weights")
    yield Sample((T(v(6, low=0, high=3)), T(np.arange(6), dtype="int64")), {}, "integer weights")
    yield Sample((T(v(0)),), {}, "zero-size")
    yield Sample((T(v(0)),), {"minlength": 3}, "zero-size, minlength")
    yield Sample((T(v(5, low=0, high=4), "strided"),), {}, "strided view")
    yield Sample((T(np.array([0, 120, 3])),), {}, "a large value")


# -- histc, histogram, histogramdd ----------------------------------------------------------------------------------


def _histc(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(20)),), {"bins": 5}, "range of the data")
    yield Sample((T(v(4, 5)),), {"bins": 4, "min": -1, "max": 2}, "given range: outliers dropped")
    yield Sample((T(v(10)),), {}, "100 bins")
    yield Sample((T(np.full(5, 2.0)),), {"bins": 4}, "constant data: range widened by 1 each side")
    yield Sample((T(v(0)),), {"bins": 3}, "zero-size")
    yield Sample((T(v()),), {"bins": 3}, "0-d")
    yield Sample((T(v(3, 6), "strided"),), {"bins": 6, "min": -3, "max": 3}, "strided view")
    yield Sample((T(np.array([0.0, 1.0, 2.0, 3.0, 3.0])),), {"bins": 3, "min": 0, "max": 3},
                 "the maximum falls in the last bin")
    yield Sample((T(np.array([0.0, INF, -INF, 1.0])),), {"bins": 2, "min": 0, "max": 1},
                 "infinities outside the given range")
    yield Sample((T(np.array([0.0, NAN, 1.0])),), {"bins": 2, "min": 0, "max": 1}, "NaN is not counted")


def _histogram(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(20)),), {"bins": 5}, "range of the data")
    yield Sample((T(v(4, 5)), 4), {"range": (-1.0, 2.0)}, "given range")
    yield Sample((T(v(12)), 3), {"density": True}, "density")
    yield Sample((T(v(12)), 3), {"weight": T(np.linspace(0, 2, 12)), "density": True}, "weights and density")
    yield Sample((T(v(12)), T(np.array([-3.0, -1.0, 0.5, 3.0]))), {}, "bin edges given")
    yield Sample((T(v(12)), T(np.array([-2.0, 0.0, 2.0]))), {"weight": T(v(12))}, "edges and weights")
    yield Sample((T(np.full(5, 2.0)), 4), {}, "constant data: range widened by 0.5 each side")
    yield Sample((T(v(0)), 3), {}, "zero-size")
    yield Sample((T(v()), 3), {}, "0-d")
    yield Sample((T(v(3, 6), "strided"), 6), {"range": (-3.0, 3.0)}, "strided view")
    yield Sample((T(np.array([0.0, INF, -INF, 1.0])), 2), {"range": (0.0, 1.0)}, "infinities outside the range")


def _histogramdd(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(10, 2)), [3, 2]), {}, "2-d points, ranges of the data")
    yield Sample((T(v(10, 2)), 2), {"range": [-1.0, 1.0, -2.0, 2.0]}, "given ranges")
    yield Sample((T(v(8, 3)), [2, 2, 2]), {"density": True}, "density")
    yield Sample((T(v(8, 2)), [2, 3]), {"weight": T(np.linspace(0, 1, 8))}, "weights")
    yield Sample((T(v(8, 2)), [T(np.array([-3.0, 0.0, 3.0])), T(np.array([-3.0, -1.0, 1.0, 3.0]))]), {},
                 "bin edges given")
    yield Sample((T(v(2, 4, 2)), [2, 2]), {}, "batched points")
    yield Sample((T(v(0, 2)), [2, 2]), {}, "no points")
    yield Sample((T(v(6)), [3]), {}, "1-d: one coordinate")


# -- searchsorted, bucketize ----------------------------------------------------------------------------------------


def _sorted_seq(dtype: str, rng: np.random.Generator, *shape: int) -> np.ndarray:
    return np.sort(values(rng, shape, dtype), axis=-1)


def _searchsorted(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    s = _sorted_seq(dtype, rng, 6)
    yield Sample((T(s), T(v(3, 4))), {}, "1-d boundaries")
    yield Sample((T(s), T(v(3, 4))), {"right": True}, "right=True")
    yield Sample((T(s), T(v(5))), {"side": "right"}, "side='right'")
    yield Sample((T(_sorted_seq(dtype, rng, 2, 5)), T(v(2, 3))), {}, "batched boundaries")
    yield Sample((T(s), T(v(4))), {"out_int32": True}, "out_int32")
    yield Sample((T(s), 1), {}, "a Python number")
    yield Sample((T(s), T(v())), {}, "0-d values")
    yield Sample((T(v(0)), T(v(3))), {}, "empty boundaries")
    yield Sample((T(s), T(v(0))), {}, "no values")
    yield Sample((T(np.sort(values(rng, (10,), dtype)), "strided"), T(v(3, 4), "strided")), {}, "strided views")
    p = rng.permutation(6)
    yield Sample((T(s[np.argsort(p)]), T(v(4))), {"sorter": T(np.argsort(s[np.argsort(p)], kind="stable"),
                                                                dtype="int64")}, "sorter")
    if _floating(dtype):
        yield Sample((T(np.array([-INF, -1.0, 0.0, 2.0, INF, NAN])), T(np.array([NAN, INF, -INF, -0.0, 2.0]))),
                     {}, "inf and NaN")


def _bucketize(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    b = _sorted_seq(dtype, rng, 5)
    yield Sample((T(v(3, 4)), T(b)), {}, "2-d input")
    yield Sample((T(v(3, 4)), T(b)), {"right": True}, "right=True")
    yield Sample((T(v(4)), T(b)), {"out_int32": True}, "out_int32")
    yield Sample((1, T(b)), {}, "a Python number")
    yield Sample((T(v()), T(b)), {}, "0-d input")
    yield Sample((T(v(0, 2)), T(b)), {}, "zero-size input")
    yield Sample((T(v(3)), T(v(0))), {}, "no boundaries")
    yield Sample((T(v(3, 5), "strided"), T(b)), {}, "strided view")
    if _floating(dtype):
        yield Sample((T(np.array([NAN, INF, -INF, 0.0])), T(np.array([-1.0, 0.0, 1.0]))), {}, "inf and NaN")


# -- cov, corrcoef, cdist --------------------------------------------------------------------------------------------


def _cov(corr: bool) -> Any:
    def fn(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        yield Sample((T(v(3, 5)),), {}, "3 variables, 5 observations")
        yield Sample((T(v(6)),), {}, "one variable")
        yield Sample((T(v(2, 4), "strided"),), {}, "strided view")
        yield Sample((T(v(3, 1), "expanded", (3, 4)),), {}, "expanded view: constant rows", grad=False)
        yield Sample((T(v()),), {}, "0-d", grad=False)
        if not corr:
            yield Sample((T(v(3, 5)),), {"correction": 0}, "correction=0")
            yield Sample((T(v(2, 4)),), {"fweights": T(np.array([1, 2, 0, 3]), dtype="int64")}, "fweights")
            yield Sample((T(v(2, 4)),), {"aweights": T(np.array([0.5, 1.0, 2.0, 0.25]), dtype="float64")},
                         "aweights")
            yield Sample((T(v(2, 4)),), {"fweights": T(np.array([1, 2, 1, 3]), dtype="int64"),
                                         "aweights": T(np.array([0.5, 1.0, 2.0, 0.25]), dtype="float64"),
                                         "correction": 2}, "both weights, correction=2")
            yield Sample((T(v(2, 1)),), {}, "one observation: degrees of freedom 0", grad=False)
        if _floating(dtype):
            yield Sample((T(np.array([[1.0, NAN, 2.0], [INF, 1.0, 0.0]])),), {}, "inf and NaN", grad=False)

    return fn


def _cov_errors() -> list[ErrorCase]:
    return [ErrorCase(Sample((T(np.ones((2, 2, 2))),), {}), RuntimeError, "expected input to have two or fewer "
                      "dimensions")]


def _cdist(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), T(v(5, 4))), {}, "p=2")
    for p in (0.0, 1.0, 3.0, INF):
        yield Sample((T(v(3, 2)), T(v(4, 2))), {"p": p}, f"p={p}", grad=p != 0)
    yield Sample((T(v(2, 3, 4)), T(v(2, 5, 4))), {}, "batched")
    yield Sample((T(v(2, 3, 4)), T(v(5, 4))), {}, "batch broadcast")
    yield Sample((T(v(0, 4)), T(v(3, 4))), {}, "no rows")
    yield Sample((T(v(3, 0)), T(v(2, 0))), {}, "no features")
    yield Sample((T(v(3, 4), "strided"), T(v(2, 4))), {}, "strided view")
    x = v(3, 2)
    yield Sample((T(x), T(x.copy())), {}, "equal points: distance 0", grad=False)
    yield Sample((T(v(30, 3)), T(v(30, 3))), {"compute_mode": "use_mm_for_euclid_dist"}, "via matmul")


# -- trapezoid, cumulative_trapezoid, diff, gradient -----------------------------------------------------------------


def _trapezoid(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "last dim, dx=1")
    yield Sample((T(v(3, 4)),), {"dx": 0.5, "dim": 0}, "dx=0.5, dim=0")
    yield Sample((T(v(3, 4)), T(np.array([0.0, 1.0, 3.0, 3.5]), dtype="float64")), {}, "sample points x")
    yield Sample((T(v(3, 4)), T(np.sort(values(rng, (3, 4), "float64"), axis=1), dtype="float64")), {},
                 "x of y's shape")
    yield Sample((T(v(3, 4)), 2), {}, "positional spacing")
    yield Sample((T(v(5)),), {}, "1-d")
    yield Sample((T(v(1)),), {}, "one sample: 0")
    yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size")
    yield Sample((T(v(3, 5), "strided"),), {}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {}, "expanded view")
    yield Sample((T(edge_values(dtype)),), {}, "edge values", grad=False)


def _diff(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 5)),), {}, "last dim")
    yield Sample((T(v(3, 5)),), {"n": 2, "dim": 0}, "n=2, dim=0")
    yield Sample((T(v(3, 5)),), {"n": 0}, "n=0")
    yield Sample((T(v(3, 5)),), {"n": 6}, "n past the length: empty")
    yield Sample((T(v(2, 3)),), {"prepend": T(v(2, 1)), "append": T(v(2, 2))}, "prepend and append")
    yield Sample((T(v(4)), 1, -1, T(v(2))), {}, "positional prepend")
    yield Sample((T(v(0, 3)),), {"dim": 0}, "zero-size")
    yield Sample((T(v(3, 5), "strided"),), {"dim": 1}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {}, "expanded view")
    yield Sample((T(edge_values(dtype)),), {}, "edge values (bool: xor)", grad=False)
    yield Sample((T(v()),), {}, "0-d: refused")


def _gradient(v: Any, dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(6)),), {}, "1-d")
    yield Sample((T(v(3, 4)),), {}, "every dim")
    yield Sample((T(v(3, 4)),), {"dim": 1, "edge_order": 2}, "dim=1, edge_order=2")
    yield Sample((T(v(3, 4)),), {"spacing": 2.0}, "scalar spacing")
    yield Sample((T(v(3, 4)),), {"spacing": [0.5, 2.0]}, "a spacing per dim")
    yield Sample((T(v(5)),), {"spacing": (T(np.array([0.0, 1.0, 1.5, 3.0, 4.0])),)}, "coordinates")
    yield Sample((T(v(5)),), {"spacing": (T(np.array([0.0, 1.0, 1.5, 3.0, 4.0])),), "edge_order": 2},
                 "coordinates, edge_order=2")
    yield Sample((T(v(2, 3, 4)),), {"dim": (0, -1)}, "dim tuple")
    yield Sample((T(v(3, 5), "strided"),), {"dim": -1}, "strided view")
    yield Sample((T(v(2)),), {"edge_order": 2}, "too short for edge_order=2")
    if _floating(dtype):
        yield Sample((T(np.array([0.0, INF, 1.0, NAN, 2.0])),), {}, "inf and NaN", grad=False)


# -- Hypothesis strategies -------------------------------------------------------------------------------------------


def _hyp_array(draw: Any, dtype: str, min_dims: int = 0, min_side: int = 0) -> np.ndarray:
    """A tensor of at most 4 dims of at most 5 elements each, with up to 3 edge values (inf, -inf, NaN, -0.0,
    integer extremes) at drawn places. Floats are quarter steps (exact sums: the order of accumulation cannot
    matter); the bulk comes from a drawn seed, as drawing hundreds of elements one by one costs ~0.2 s an example."""
    from hypothesis import strategies as st

    shape = tuple(draw(st.lists(st.integers(min_side, 5), min_size=min_dims, max_size=4)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    a: np.ndarray
    if dtype == "bool":
        a = rng.random(shape) < 0.5
    elif dtype in INTS:
        a = rng.integers(0 if dtype == "uint8" else -20, 21, shape)
    else:
        a = rng.integers(-40, 41, shape) / 4
    if a.size:
        edges = [v.item() for v in edge_values(dtype)] if dtype in INTS else [INF, -INF, NAN, -0.0]
        for at, val in draw(st.lists(st.tuples(st.integers(0, a.size - 1), st.sampled_from(edges)), max_size=3)):
            if dtype != "bool":
                a.reshape(-1)[at] = val
    return a


def _hyp_dim(draw: Any, nd: int, multi: bool, min_dims: int = 0) -> Any:
    from hypothesis import strategies as st

    n = max(nd, 1)
    one = st.integers(-n, n - 1)
    if multi and nd:
        return draw(st.one_of(st.none(), one, st.lists(st.integers(0, nd - 1), unique=True, min_size=min_dims,
                                                       max_size=nd).map(tuple)))
    return draw(st.one_of(st.none(), one))


def _hyp_reduce(multi: bool = True, needs_dim: bool = False, keepdim: bool = True, **fixed: Any) -> Any:
    def strategy(draw: Any, dtype: str) -> Sample:
        from hypothesis import strategies as st

        x = _hyp_array(draw, dtype)
        # (logsumexp over an empty dim list fails inside PyTorch's own kernel: a bug, no spec to test)
        dim = _hyp_dim(draw, x.ndim, multi, 1 if needs_dim else 0)
        if needs_dim and dim is None:
            dim = 0
        kw: dict[str, Any] = dict(fixed)
        if dim is not None:
            kw["dim"] = dim
            if keepdim:
                kw["keepdim"] = draw(st.booleans())
        return Sample((T(x),), kw, "hypothesis")

    return strategy


def _hyp_scan(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype)
    n = max(x.ndim, 1)
    return Sample((T(x), draw(st.integers(-n, n - 1))), {}, "hypothesis")


def _hyp_sort(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype)
    n = max(x.ndim, 1)
    return Sample((T(x),), {"dim": draw(st.integers(-n, n - 1)), "descending": draw(st.booleans()),
                            "stable": True}, "hypothesis")


def _hyp_search(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    seq = np.sort(_hyp_array(draw, dtype, 1, 1)[..., :], axis=-1).reshape(-1)
    return Sample((T(seq), T(_hyp_array(draw, dtype))), {"right": draw(st.booleans())}, "hypothesis")


# -- the entries -----------------------------------------------------------------------------------------------------


def _dim_errors() -> list[ErrorCase]:
    return [ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": 2}), IndexError, "Dimension out of range")]


def _op(name: str, gen: SampleFn, dtypes: tuple[str, ...], *, method: bool = True, out: bool = False,
        **kw: Any) -> OpInfo:
    return OpInfo(name, gen, dtypes=dtypes, method=name if method else None, supports_out=out, **kw)


def _red(extra: Any, **kw: Any) -> SampleFn:
    return chain(reduction(**kw), _gen(extra))


def _maxmin_entry(name: str) -> OpInfo:
    return _op(name, _gen(_maxmin), ALLH, out=True, errors=_maxmin_errors(), hypothesis=_hyp_reduce(False))


def _moment_entry(name: str, method: bool) -> OpInfo:
    return _op(name, _gen(_moments(not method)), FLOATH, method=method, out=method, errors=_moment_errors(name),
               hypothesis=_hyp_reduce() if method else None)


def _scan_entry(name: str, gen: SampleFn, dtypes: tuple[str, ...], inplace: bool = False, out: bool = True,
                **kw: Any) -> OpInfo:
    return _op(name, gen, dtypes, out=out, inplace=f"{name}_" if inplace else None, hypothesis=_hyp_scan,
               errors=[ErrorCase(Sample((T(np.ones((2, 3))), 2), {}), IndexError, "Dimension out of range")], **kw)


#: cov and corrcoef in half precision round at each of ~6 steps (mean, centring, product, sum, sqrt, divide), and
#: where XLA fuses steps it rounds at other places than PyTorch's kernels: a few ulps apart (0.9053 vs 0.9062)
_HALF_CHAIN = {"float16": (4e-3, 1e-3), "bfloat16": (3e-2, 1e-2)}

OPS: list[OpInfo] = [
    _op("sum", _SUM, ALLH, out=True, errors=_sum_errors(), hypothesis=_hyp_reduce()),
    _op("mean", _red(_mean_extra), FLOATH, out=True, hypothesis=_hyp_reduce(), errors=[
        ErrorCase(Sample((T(np.ones(3), dtype="int64"),), {}), RuntimeError, "mean(): could not infer output dtype"),
        *_dim_errors()]),
    _op("prod", _red(_prod_extra, multi_dim=False, low=-2.0, high=2.0), ALLH, out=True,
        hypothesis=_hyp_reduce(False), errors=[
            ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": (0, 1)}), TypeError,
                      "prod() received an invalid combination of arguments"),
            *_dim_errors()]),
    _op("nansum", _red(_nan_extra), ALLH, out=True, hypothesis=_hyp_reduce()),
    _op("nanmean", _red(_nan_extra), FLOATH, out=True, hypothesis=_hyp_reduce()),
    _op("count_nonzero", _gen(_count_nonzero), ALLH, grad=False, hypothesis=_hyp_reduce(keepdim=False)),
    _op("all", _red(_logical_extra), ALLH, out=True, grad=False, hypothesis=_hyp_reduce()),
    _op("any", _red(_logical_extra), ALLH, out=True, grad=False, hypothesis=_hyp_reduce()),
    _op("amax", _red(_amax_extra), ALLH, out=True, hypothesis=_hyp_reduce(), errors=[
        ErrorCase(Sample((T(np.ones((0, 3))),), {"dim": 0}), IndexError, "Expected reduction dim 0 to have non-zero "
                  "size"), *_dim_errors()]),
    _op("amin", _red(_amax_extra), ALLH, out=True, hypothesis=_hyp_reduce(), errors=_dim_errors()),
    _maxmin_entry("max"),
    _maxmin_entry("min"),
    _op("aminmax", _gen(_aminmax), ALLH, hypothesis=_hyp_reduce(False), errors=[
        ErrorCase(Sample((T(np.ones((0, 3))),), {}), RuntimeError, "aminmax(): cannot compute aminmax over an empty "
                  "dimension as the operation has no identity")]),
    _op("argmax", _gen(_argmaxmin), NUMH, out=True, grad=False, hypothesis=_hyp_reduce(False), errors=[
        ErrorCase(Sample((T(np.ones((0, 3))),), {}), IndexError, "Expected reduction dim to be specified for "
                  "input.numel() == 0"),
        ErrorCase(Sample((T(np.ones((2, 3)), dtype="bool"),), {}), RuntimeError, "argmax(): does not support bool "
                  "input")]),
    _op("argmin", _gen(_argmaxmin), NUMH, out=True, grad=False, hypothesis=_hyp_reduce(False)),
    _moment_entry("std", True),
    _moment_entry("var", True),
    _moment_entry("std_mean", False),
    _moment_entry("var_mean", False),
    _op("norm", _gen(_norm), FLOATH, out=True, errors=[
        ErrorCase(Sample((T(np.ones(3), dtype="int64"),), {}), RuntimeError, "Expected a floating point or complex "
                  "tensor as input")]),
    _op("logsumexp", _gen(_logsumexp), ALLH, out=True, hypothesis=_hyp_reduce(needs_dim=True)),
    _op("dist", _gen(_dist), FLOATH, errors=[
        ErrorCase(Sample((T(np.ones(3)), T(np.ones(2))), {}), RuntimeError, "must match the size")]),
    _op("renorm", _gen(_renorm), FLOATH, out=True, inplace="renorm_", errors=[
        ErrorCase(Sample((T(np.ones(3)), 2, 0, 1.0), {}), RuntimeError, "needs at least 2 dimensions"),
        ErrorCase(Sample((T(np.ones((2, 3))), -1, 0, 1.0), {}), RuntimeError, "non-positive-norm not supported")]),
    _op("frobenius_norm", _gen(_frobenius), FLOATH, method=False, out=True),
    _op("nuclear_norm", _gen(_nuclear), FLOATS, method=False, out=True),
    _scan_entry("cumsum", _gen(_scan()), ALLH, inplace=True),
    _scan_entry("cumprod", chain(_gen(_scan()), _gen(_cumprod_extra)), ALLH, inplace=True),
    _scan_entry("cummax", chain(_gen(_scan(False)), _gen(_cummaxmin_extra)), ALLH, out=False),
    _scan_entry("cummin", chain(_gen(_scan(False)), _gen(_cummaxmin_extra)), ALLH, out=False),
    _scan_entry("logcumsumexp", _gen(_scan(False)), FLOATH),
    _op("sort", _gen(_sort), ALLH, hypothesis=_hyp_sort, errors=_dim_errors()),
    _op("argsort", _gen(_sort), ALLH, grad=False, hypothesis=_hyp_sort),
    _op("msort", _gen(_msort), ALLH, out=True),
    _op("topk", _gen(_topk), NUMH, errors=[
        ErrorCase(Sample((T(np.ones((2, 3))), 4), {}), RuntimeError, "selected index k out of range")]),
    _op("kthvalue", _gen(_kthvalue), NUMH, errors=[
        ErrorCase(Sample((T(np.ones((2, 3))), 4), {}), RuntimeError, "kthvalue(): selected number k out of range"),
        ErrorCase(Sample((T(np.ones((2, 3))), 0), {}), RuntimeError, "kthvalue(): selected number k out of range")]),
    _op("median", _gen(_median(False)), NUMH),
    _op("nanmedian", _gen(_median(True)), NUMH),
    _op("mode", _gen(_mode), ALLH, errors=_dim_errors()),
    _op("quantile", _gen(_quantile(False)), FLOATS, out=True, errors=_quantile_errors()),
    _op("nanquantile", _gen(_quantile(True)), FLOATS, out=True, errors=_quantile_errors()),
    _op("unique", _gen(_unique(False)), ALLH, grad=False),
    _op("unique_consecutive", _gen(_unique(True)), ALLH, grad=False),
    _op("bincount", _gen(_bincount), INTS, grad=False, errors=[
        ErrorCase(Sample((T(np.array([1, -1])),), {}, ), RuntimeError, "bincount only supports 1-d non-negative "
                  "integral inputs.", dtype="int64"),
        ErrorCase(Sample((T(np.ones((2, 2))),), {}), RuntimeError, "bincount only supports 1-d non-negative "
                  "integral inputs.", dtype="int64")]),
    _op("histc", _gen(_histc), FLOATH, out=True, grad=False, errors=[
        ErrorCase(Sample((T(np.ones(3)),), {"bins": 0}), RuntimeError, "bins must be > 0"),
        ErrorCase(Sample((T(np.ones(3)),), {"min": 2, "max": 1}), RuntimeError, "max must be larger than min")]),
    _op("histogram", _gen(_histogram), FLOATS, grad=False),
    _op("histogramdd", _gen(_histogramdd), FLOATS, method=False, grad=False),
    _op("searchsorted", _gen(_searchsorted), NUMH, method=False, out=True, grad=False, hypothesis=_hyp_search,
        errors=[ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((3, 3)))), {}), RuntimeError,
                          "boundaries tensor should be 1 dimension or the first N-1 dimensions")]),
    _op("bucketize", _gen(_bucketize), NUMH, method=False, out=True, grad=False, errors=[
        ErrorCase(Sample((T(np.ones(3)), T(np.ones((2, 3)))), {}), RuntimeError, "boundaries tensor must be 1 "
                  "dimension")]),
    _op("cov", _gen(_cov(False)), NUMH, errors=_cov_errors(), tol=_HALF_CHAIN),
    _op("corrcoef", _gen(_cov(True)), NUMH, errors=_cov_errors(), tol=_HALF_CHAIN),
    _op("cdist", _gen(_cdist), FLOATS, method=False, errors=[
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((2, 4)))), {}), RuntimeError,
                  "X1 and X2 must have the same number of columns")]),
    _op("trapezoid", _gen(_trapezoid), NUMH, method=False, aliases=("trapz",)),
    _op("cumulative_trapezoid", _gen(_trapezoid), NUMH, method=False),
    _op("diff", _gen(_diff), ALLH, out=True, errors=[
        ErrorCase(Sample((T(np.ones(3)),), {"n": -1}), RuntimeError, "order must be non-negative")]),
    _op("gradient", _gen(_gradient), (*FLOATH, *SIGNED), method=False, errors=[
        ErrorCase(Sample((T(np.ones(3)),), {"edge_order": 3}), RuntimeError,
                  "torch.gradient only supports edge_order=1 and edge_order=2")]),
]
