"""Indexing ops: ``gather``, ``scatter*``, ``index_*``, ``masked_*``, ``take``, ``put``, ``nonzero``, ``isin``, ...

Every op takes every dtype on PyTorch's CPU kernels (probed on torch 2.13) but the few noted. The index
arguments are int64 (some samples int32) whatever the dtype under test; the value arguments take the dtype
under test, the float ones with inf, NaN and -0.0 among them. Writes to the same target are only sampled where
PyTorch defines the result (``scatter_add``, ``index_add``, ``put(accumulate=True)``, the reductions): a plain
``scatter``/``index_copy``/``index_put`` with repeated indices keeps an unspecified one of the values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._core import BOOL, FLOATS, HALF, INTS, ErrorCase, OpInfo, Sample, SampleFn, T, values
from .samples import edge_values

#: every dtype PyTorch's CPU indexing kernels take
ALLH = (*FLOATS, *HALF, *INTS, *BOOL)
#: every dtype but bool (isin, the mean reductions)
NUMH = (*FLOATS, *HALF, *INTS)
_I64 = "int64"


def _i(data: Any, dtype: str = _I64) -> T:
    """An index argument (int64 unless told), whatever the dtype under test."""
    return T(np.asarray(data, dtype=np.int64), dtype=dtype)


def _mask(data: Any, layout: str = "contiguous", shape: tuple[int, ...] | None = None) -> T:
    return T(np.asarray(data, dtype=bool), layout, shape, dtype="bool")


def _floating(dtype: str) -> bool:
    return dtype in FLOATS or dtype in HALF


def _gen(fn: Callable[[Callable[..., np.ndarray], str, np.random.Generator], Iterator[Sample]]) -> SampleFn:
    """A sample generator from ``fn(v, dtype, rng)``, where ``v(*shape)`` draws values of the dtype."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> np.ndarray:
            return values(rng, shape, dtype)

        yield from fn(v, dtype, rng)

    return gen


def _perm_index(rng: np.random.Generator, shape: tuple[int, ...], dim: int, size: int) -> np.ndarray:
    """An index of ``shape`` whose entries along ``dim`` are distinct positions in ``[0, size)`` (no two writes
    to one target, so a plain scatter is deterministic)."""
    n = shape[dim]
    moved = (n, *(s for k, s in enumerate(shape) if k != dim))
    cols = int(np.prod(moved[1:]))
    out = np.stack([rng.permutation(size)[:n] for _ in range(cols)], axis=1).reshape(moved)
    return np.moveaxis(out, 0, dim)


# -- gather, take_along_dim ----------------------------------------------------------------------


def _gather(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 5)))), {}, "dim=1, repeated indices")
    yield Sample((T(v(3, 4)), 0, _i(rng.integers(0, 3, (2, 4)))), {}, "dim=0, index smaller than input")
    yield Sample((T(v(2, 3, 4)), -1, _i(rng.integers(0, 4, (2, 2, 3)))), {}, "dim=-1, index smaller off dim")
    yield Sample((T(v()), 0, _i(0)), {}, "0-d input and index")
    yield Sample((T(v(3, 4)), 1, _i(np.zeros((3, 0)))), {}, "zero-size index")
    yield Sample((T(v(3, 5), "strided"), 1, _i(rng.integers(0, 5, (3, 2)))), {}, "strided input")
    yield Sample((T(v(3, 1), "expanded", (3, 4)), 1, _i(rng.integers(0, 4, (3, 4)))), {}, "expanded input")
    yield Sample((T(v(4, 3)), 0, _i(rng.integers(0, 4, (4, 3)), "int32")), {}, "int32 index")
    yield Sample((T(v(0, 3)), 1, _i(np.zeros((0, 2)))), {}, "zero-size input")
    yield Sample((T(edge_values(dtype)), 0, _i(np.arange(len(edge_values(dtype)))[::-1])), {}, "edge values",
                 grad=False)


def _take_along_dim(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), _i(rng.integers(0, 4, (3, 2))), 1), {}, "dim=1")
    yield Sample((T(v(3, 4)), _i(rng.integers(0, 3, (1, 4))), 0), {}, "dim=0, index broadcast")
    yield Sample((T(v(3, 4)), _i(rng.integers(-12, 12, (5,)))), {}, "no dim: the flattened input, negative indices")
    yield Sample((T(v(2, 3, 4)), _i(rng.integers(0, 4, (2, 1, 2))), -1), {}, "dim=-1, index broadcast")
    yield Sample((T(v(3, 1)), _i(rng.integers(0, 1, (3, 4))), 1), {}, "input broadcast to the index")
    yield Sample((T(v()), _i(0), 0), {}, "0-d with a dim: PyTorch refuses")
    yield Sample((T(v()), _i([0, 0])), {}, "0-d, no dim")
    yield Sample((T(v(3, 5), "strided"), _i(rng.integers(0, 5, (3, 2))), 1), {}, "strided input")
    yield Sample((T(v(3, 4)), _i(np.zeros((3, 0))), 1), {}, "zero-size index")
    yield Sample((T(edge_values(dtype)), _i(np.arange(len(edge_values(dtype)))), 0), {}, "edge values", grad=False)


# -- scatter, scatter_add, scatter_reduce --------------------------------------------------------


def _scatter(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), 1, _i(_perm_index(rng, (3, 2), 1, 4)), T(v(3, 2))), {}, "dim=1")
    yield Sample((T(v(4, 3)), 0, _i(_perm_index(rng, (2, 3), 0, 4)), T(v(3, 3))), {}, "dim=0, src larger",
                 grad=False)
    yield Sample((T(v(2, 3, 4)), -1, _i(_perm_index(rng, (2, 2, 3), 2, 4)), T(v(2, 2, 3))), {}, "dim=-1")
    yield Sample((T(v()), 0, _i(0), T(v())), {}, "0-d")
    yield Sample((T(v(3, 4)), 1, _i(np.zeros((3, 0))), T(v(3, 0))), {}, "zero-size index")
    yield Sample((T(v(3, 5), "strided"), 1, _i(_perm_index(rng, (3, 2), 1, 5)), T(v(3, 2), "strided")), {},
                 "strided input and src")
    yield Sample((T(v(3, 4)), 1, _i(_perm_index(rng, (3, 2), 1, 4), "int32"), T(v(3, 2))), {}, "int32 index")
    fill = 1.5 if _floating(dtype) else True if dtype == "bool" else 2
    yield Sample((T(v(3, 4)), 1, _i(_perm_index(rng, (3, 2), 1, 4))), {"value": fill}, "value=")
    yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 3))), T(v(3, 3))), {"reduce": "add"},
                 "reduce='add', repeated indices", grad=False)
    yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 3))), T(v(3, 3))), {"reduce": "multiply"},
                 "reduce='multiply', repeated indices", grad=False)
    if _floating(dtype):
        yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 3)))), {"value": math.inf, "reduce": "add"},
                     "value=inf, reduce='add'", grad=False)
        yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 3)))), {"value": math.nan, "reduce": "multiply"},
                     "value=nan, reduce='multiply'", grad=False)
        e = edge_values(dtype)
        yield Sample((T(np.zeros(len(e))), 0, _i(np.arange(len(e))), T(e)), {}, "edge values", grad=False)


def _scatter_add(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 5))), T(v(3, 5))), {}, "dim=1, repeated indices")
    # PyTorch has no gradient for a src larger than the index ("returned an invalid gradient")
    yield Sample((T(v(4, 3)), 0, _i(rng.integers(0, 4, (2, 3))), T(v(3, 3))), {}, "dim=0, src larger", grad=False)
    yield Sample((T(v(2, 3, 4)), -1, _i(rng.integers(0, 4, (2, 2, 6))), T(v(2, 2, 6))), {}, "dim=-1")
    yield Sample((T(v()), 0, _i(0), T(v())), {}, "0-d")
    yield Sample((T(v(3, 4)), 1, _i(np.zeros((3, 0))), T(v(3, 0))), {}, "zero-size index")
    yield Sample((T(v(3, 5), "strided"), 1, _i(rng.integers(0, 5, (3, 4))), T(v(3, 4), "strided")), {},
                 "strided input and src")
    yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 4)), "int32"), T(v(3, 1), "expanded", (3, 4))), {},
                 "int32 index, expanded src")
    e = edge_values(dtype)
    yield Sample((T(np.zeros(2)), 0, _i(np.arange(len(e)) % 2), T(e)), {}, "edge values summed", grad=False)


def _scatter_reduce(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    reduces = ("sum", "prod", "amax", "amin") + (("mean",) if dtype != "bool" else ())
    for k, red in enumerate(reduces):
        inc = k % 2 == 0
        yield Sample((T(v(3, 4)), 1, _i(rng.integers(0, 4, (3, 5))), T(v(3, 5)), red), {"include_self": inc},
                     f"{red}, include_self={inc}")
    yield Sample((T(v(4, 3)), 0, _i(rng.integers(0, 4, (2, 3))), T(v(3, 3)), "sum"), {"include_self": False},
                 "dim=0, src larger, include_self=False", grad=False)
    yield Sample((T(v()), 0, _i(0), T(v()), "amax"), {}, "0-d")
    yield Sample((T(v(3, 4)), -1, _i(np.zeros((3, 0))), T(v(3, 0)), "prod"), {}, "zero-size index")
    yield Sample((T(v(3, 5), "strided"), 1, _i(rng.integers(0, 5, (3, 4))), T(v(3, 4), "strided"), "amin"),
                 {"include_self": False}, "strided, amin, include_self=False")
    if dtype != "bool":
        yield Sample((T(v(2, 6)), 1, _i(np.array([[0, 0, 2, 2, 2, 5]] * 2)), T(v(2, 6)), "mean"),
                     {"include_self": False}, "mean, untouched targets keep self")
    # ties: PyTorch shares an extremum's gradient evenly among the equal elements
    yield Sample((T(np.array([1.0, 2.0, 3.0])), 0, _i([0, 0, 1, 1]), T(np.array([1.0, 1.0, 2.0, 0.0])), "amax"),
                 {}, "amax with ties")
    if _floating(dtype):
        e = edge_values(dtype)
        for red in ("sum", "prod", "amax", "amin", "mean"):
            yield Sample((T(np.ones(3)), 0, _i(np.arange(len(e)) % 3), T(e), red), {}, f"edge values, {red}",
                         grad=False)


# -- index_add, index_copy, index_fill, index_put, index_reduce, index_select ------------------------


def _index_add(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(5, 3)), 0, _i([0, 4, 2, 0]), T(v(4, 3))), {}, "dim=0, a repeated index")
    yield Sample((T(v(3, 5)), 1, _i([4, 1]), T(v(3, 2))), {}, "dim=1")
    yield Sample((T(v(2, 3, 4)), -1, _i([3, 3, 0], "int32"), T(v(2, 3, 3))), {}, "dim=-1, int32 index")
    yield Sample((T(v()), 0, _i([0]), T(v())), {}, "0-d")
    yield Sample((T(v(3, 4)), 0, _i(np.zeros(0)), T(v(0, 4))), {}, "empty index")
    yield Sample((T(v(3, 5), "strided"), 1, _i([0, 2]), T(v(3, 2))), {}, "strided input")
    yield Sample((T(v(4, 3)), 0, _i(2), T(v(1, 3))), {}, "0-d index")
    if dtype != "bool":
        yield Sample((T(v(4, 3)), 0, _i([1, 3]), T(v(2, 3))), {"alpha": 2}, "alpha=2")
    if _floating(dtype):
        e = edge_values(dtype)
        yield Sample((T(np.zeros(2)), 0, _i(np.arange(len(e)) % 2), T(e)), {}, "edge values", grad=False)


def _index_copy(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(5, 3)), 0, _i([0, 4, 2]), T(v(3, 3))), {}, "dim=0")
    yield Sample((T(v(3, 5)), 1, _i([4, 1]), T(v(3, 2))), {}, "dim=1")
    yield Sample((T(v(2, 3, 4)), -1, _i([3, 0], "int32"), T(v(2, 3, 2))), {}, "dim=-1, int32 index")
    yield Sample((T(v()), 0, _i([0]), T(v())), {}, "0-d")
    yield Sample((T(v(3, 4)), 0, _i(np.zeros(0)), T(v(0, 4))), {}, "empty index")
    yield Sample((T(v(3, 5), "strided"), 1, _i([0, 2]), T(v(3, 2), "strided")), {}, "strided input and source")
    yield Sample((T(v(4, 3)), 0, _i(2), T(v(1, 3))), {}, "0-d index")
    yield Sample((T(v(4)), 0, _i([3, 0]), T(edge_values(dtype)[:2])), {}, "edge values", grad=False)


def _index_fill(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    fill: Any = -1.5 if _floating(dtype) else True if dtype == "bool" else 2
    yield Sample((T(v(5, 3)), 0, _i([0, 4, 0]), fill), {}, "dim=0, a repeated index")
    yield Sample((T(v(3, 5)), 1, _i([-1, 1])), {"value": fill}, "dim=1, a negative index, value=")
    yield Sample((T(v(2, 3, 4)), -1, _i([3, 0])), {"value": T(np.array(fill))}, "dim=-1, 0-d tensor value")
    yield Sample((T(v()), 0, _i([0]), fill), {}, "0-d")
    yield Sample((T(v(3, 4)), 0, _i(np.zeros(0)), fill), {}, "empty index")
    yield Sample((T(v(3, 5), "strided"), 1, _i([0, 2]), fill), {}, "strided input")
    yield Sample((T(v(4, 3)), 0, _i(2), fill), {}, "0-d index")
    if _floating(dtype):
        yield Sample((T(v(4)), 0, _i([3, 0]), math.nan), {}, "NaN value", grad=False)
        yield Sample((T(v(4)), 0, _i([1]), -math.inf), {}, "-inf value", grad=False)
    elif dtype != "bool":
        yield Sample((T(v(4)), 0, _i([1, 2]), 2.7), {}, "float value into integers")


def _index_put(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(5, 3)), (_i([0, 4, 2]),), T(v(3, 3))), {}, "rows")
    yield Sample((T(v(5, 3)), (_i([0, 4, 2]), _i([1, 0, 2])), T(v(3))), {}, "elements")
    yield Sample((T(v(5, 3)), (_i([0, 4, 0]), _i([1, 0, 1])), T(v(3))), {"accumulate": True},
                 "accumulate with a repeated position")
    yield Sample((T(v(5, 3)), (_mask([True, False, True, False, False]),), T(v(1))), {}, "boolean mask, broadcast")
    yield Sample((T(v(5, 3)), (_i([-1, 1]),), T(v(3))), {"accumulate": True}, "negative index, value broadcast")
    yield Sample((T(v(2, 3, 4)), (_i([[1], [0]]), _i([2, 0])), T(v(2, 2, 4))), {}, "indices broadcast together")
    yield Sample((T(v()), (_mask(True),), T(v())), {}, "0-d with a 0-d mask")
    yield Sample((T(v(3, 4)), (_i(np.zeros(0)),), T(v(0, 4))), {}, "empty index")
    yield Sample((T(v(3, 5), "strided"), (_i([0, 2]),), T(v(2, 5))), {}, "strided input")
    yield Sample((T(v(4)), (_i([3, 0]),), T(edge_values(dtype)[:2])), {}, "edge values", grad=False)


def _index_reduce(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    reduces = ("prod", "amax", "amin") + (("mean",) if dtype != "bool" else ())
    for k, red in enumerate(reduces):
        inc = k % 2 == 0
        yield Sample((T(v(5, 3)), 0, _i([0, 4, 0, 2]), T(v(4, 3)), red), {"include_self": inc},
                     f"{red}, include_self={inc}, a repeated index")
    yield Sample((T(v(3, 5)), -1, _i([4, 1, 4], "int32"), T(v(3, 3)), "amax"), {}, "dim=-1, int32 index")
    yield Sample((T(v()), 0, _i([0]), T(v()), "prod"), {}, "0-d")
    yield Sample((T(v(3, 4)), 0, _i(np.zeros(0)), T(v(0, 4)), "amin"), {}, "empty index")
    yield Sample((T(v(3, 5), "strided"), 1, _i([0, 2]), T(v(3, 2)), "prod"), {"include_self": False},
                 "strided, prod, include_self=False")
    if _floating(dtype):
        e = edge_values(dtype)
        for red in ("prod", "amax", "amin", "mean"):
            yield Sample((T(np.ones(3)), 0, _i(np.arange(len(e)) % 3), T(e), red), {}, f"edge values, {red}",
                         grad=False)


def _index_select(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(5, 3)), 0, _i([0, 4, 0, 2])), {}, "dim=0, a repeated index")
    yield Sample((T(v(3, 5)), 1, _i([4, 1], "int32")), {}, "dim=1, int32 index")
    yield Sample((T(v(2, 3, 4)), -1, _i([3, 0])), {}, "dim=-1")
    yield Sample((T(v()), 0, _i([0, 0])), {}, "0-d input")
    yield Sample((T(v(3, 4)), 0, _i(np.zeros(0))), {}, "empty index")
    yield Sample((T(v(3, 5), "strided"), 1, _i([0, 2])), {}, "strided input")
    yield Sample((T(v(4, 1), "expanded", (4, 3)), 1, _i([2, 1])), {}, "expanded input")
    yield Sample((T(v(4, 3)), 0, _i(2)), {}, "0-d index")
    yield Sample((T(v(0, 3)), 1, _i([1])), {}, "zero-size input")
    yield Sample((T(edge_values(dtype)), 0, _i(np.arange(len(edge_values(dtype)))[::-1])), {}, "edge values",
                 grad=False)


# -- masked_fill, masked_scatter, masked_select ----------------------------------------------------


def _masked_fill(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    fill: Any = -1.5 if _floating(dtype) else True if dtype == "bool" else 2
    yield Sample((T(v(3, 4)), _mask(rng.random((3, 4)) < 0.5), fill), {}, "same shape")
    yield Sample((T(v(3, 4)), _mask(rng.random(4) < 0.5)), {"value": fill}, "mask broadcast, value=")
    yield Sample((T(v(3, 4)), _mask(rng.random((3, 1)) < 0.5), T(np.array(fill))), {}, "0-d tensor value")
    yield Sample((T(v()), _mask(True), fill), {}, "0-d")
    yield Sample((T(v(0, 4)), _mask(np.zeros(4)), fill), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"), _mask(rng.random((3, 5)) < 0.5, "strided"), fill), {}, "strided")
    yield Sample((T(v(3, 1), "expanded", (3, 4)), _mask(rng.random((3, 4)) < 0.5), fill), {}, "expanded input")
    if _floating(dtype):
        yield Sample((T(v(4)), _mask([True, False, True, False]), math.nan), {}, "NaN value", grad=False)
        yield Sample((T(edge_values(dtype)), _mask(np.arange(9) % 2), math.inf), {}, "edge values, inf", grad=False)
    elif dtype != "bool":
        yield Sample((T(v(4)), _mask([True, False, True, False]), 2.7), {}, "float value into integers")


def _masked_scatter(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), _mask(rng.random((3, 4)) < 0.5), T(v(3, 4))), {}, "same shape")
    yield Sample((T(v(3, 4)), _mask(rng.random(4) < 0.5), T(v(20))), {}, "mask broadcast, source larger")
    yield Sample((T(v(3, 1)), _mask(rng.random((3, 4)) < 0.5), T(v(2, 6))), {}, "input broadcast to the mask")
    yield Sample((T(v()), _mask(True), T(v(2))), {}, "0-d")
    yield Sample((T(v(0, 4)), _mask(np.zeros(4)), T(v(0))), {}, "zero-size")
    yield Sample((T(v(3, 4)), _mask(np.zeros((3, 4))), T(v(2))), {}, "mask all False")
    yield Sample((T(v(3, 5), "strided"), _mask(rng.random((3, 5)) < 0.5), T(v(3, 5), "strided")), {}, "strided")
    yield Sample((T(v(4)), _mask([True, False, True, True]), T(edge_values(dtype))), {}, "edge values",
                 grad=False)


def _masked_select(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), _mask(rng.random((3, 4)) < 0.5)), {}, "same shape")
    yield Sample((T(v(3, 4)), _mask(rng.random(4) < 0.5)), {}, "mask broadcast")
    yield Sample((T(v(3, 1)), _mask(rng.random((3, 4)) < 0.5)), {}, "input broadcast")
    yield Sample((T(v()), _mask(True)), {}, "0-d")
    yield Sample((T(v(0, 4)), _mask(np.zeros(4))), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"), _mask(rng.random((3, 5)) < 0.5, "strided")), {}, "strided")
    yield Sample((T(v(3, 1), "expanded", (3, 4)), _mask(np.ones((3, 4)))), {}, "expanded input, all True")
    yield Sample((T(edge_values(dtype)), _mask(np.ones(len(edge_values(dtype))))), {}, "edge values", grad=False)


# -- take, put -------------------------------------------------------------------------------------


def _take(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), _i(rng.integers(0, 12, (2, 3)))), {}, "2-d index")
    yield Sample((T(v(3, 4)), _i([-1, -12, 5, 5])), {}, "negative and repeated indices")
    yield Sample((T(v()), _i(0)), {}, "0-d")
    yield Sample((T(v(3, 4)), _i(np.zeros((0, 2)))), {}, "zero-size index")
    yield Sample((T(v(3, 5), "strided"), _i([0, 1, 14])), {}, "strided input")
    yield Sample((T(v(3, 1), "expanded", (3, 4)), _i([0, 5, 11])), {}, "expanded input")
    yield Sample((T(edge_values(dtype)), _i(np.arange(len(edge_values(dtype)))[::-1])), {}, "edge values",
                 grad=False)


def _put(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), _i([[0, 5], [11, 2]]), T(v(2, 2))), {}, "2-d index")
    yield Sample((T(v(3, 4)), _i([-1, 3, 3]), T(v(3))), {"accumulate": True}, "accumulate, negative and repeated")
    yield Sample((T(v(3, 4)), _i([-12, 7]), T(v(2))), {}, "negative indices")
    yield Sample((T(v()), _i(0), T(v())), {}, "0-d")
    yield Sample((T(v(3, 4)), _i(np.zeros(0)), T(v(0))), {}, "empty index")
    yield Sample((T(v(3, 5), "strided"), _i([0, 14]), T(v(2))), {}, "strided input")
    yield Sample((T(v(4)), _i([3, 0]), T(edge_values(dtype)[:2])), {}, "edge values", grad=False)


# -- nonzero, argwhere, unravel_index, isin --------------------------------------------------------


def _nonzero(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)),), {}, "2-d")
    yield Sample((T(v(2, 3, 4)),), {}, "3-d")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(np.zeros(())),), {}, "0-d zero")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((T(np.zeros((2, 3))),), {}, "all zero")
    yield Sample((T(v(3, 5), "strided"),), {}, "strided")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {}, "expanded")
    yield Sample((T(edge_values(dtype)),), {}, "edge values (-0.0 is zero, NaN is not)")


def _nonzero_tuple(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield from _nonzero(v, dtype, rng)
    yield Sample((T(v(3, 4)),), {"as_tuple": True}, "as_tuple")
    yield Sample((T(v()),), {"as_tuple": True}, "0-d, as_tuple")
    yield Sample((T(v(0, 3)),), {"as_tuple": True}, "zero-size, as_tuple")


def _unravel_index(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    hi = 127 if dtype == "int8" else 255 if dtype == "uint8" else 1000
    yield Sample((T(rng.integers(0, 24, (3, 2))), (2, 3, 4)), {}, "2-d indices, 3 dims")
    yield Sample((T(np.array(5)), (3, 2)), {}, "0-d index")
    yield Sample((T(np.array(5)), ()), {}, "empty shape")
    yield Sample((T(rng.integers(0, 6, 4)), 6), {}, "an int shape")
    yield Sample((T(np.zeros(0)), (3, 4)), {}, "no indices")
    yield Sample((T(rng.integers(0, 7, 5), "strided"), (7,)), {}, "strided indices")
    yield Sample((T(np.array([hi, 7, 0])), (5, 7)), {}, "indices past the end wrap around")
    yield Sample((T(np.array([3, 1])), (0, 4)), {}, "a zero-size dim")
    if dtype not in ("uint8",):
        yield Sample((T(np.array([-1, -7, 3])), (3, 4)), {}, "negative indices")


def _isin(v: Callable[..., np.ndarray], dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), T(v(5))), {}, "2-d elements, 1-d test")
    yield Sample((T(v(3, 4)), T(v(2, 2))), {"invert": True}, "2-d test, invert")
    yield Sample((T(v(6)), T(v(3))), {"assume_unique": True}, "assume_unique")
    yield Sample((T(v()), T(v(4))), {}, "0-d elements")
    yield Sample((T(v(4)), T(v())), {}, "0-d test")
    yield Sample((T(v(0, 3)), T(v(4))), {}, "zero-size elements")
    yield Sample((T(v(4)), T(v(0))), {}, "zero-size test")
    yield Sample((T(v(3, 5), "strided"), T(v(2, 3), "strided")), {}, "strided")
    yield Sample((T(v(3, 4)), 1), {}, "a Python number as test_elements")
    yield Sample((2, T(v(3, 4))), {}, "a Python number as elements")
    e = edge_values(dtype)
    yield Sample((T(e), T(e[::2])), {}, "edge values: NaN is in nothing, -0.0 is 0.0")
    yield Sample((T(e), T(e)), {"invert": True}, "edge values, invert")
    # a test set past PyTorch's brute-force threshold (10 * numel ** 0.145): the sorted search
    yield Sample((T(v(3, 4)), T(v(40))), {}, "large test set")
    yield Sample((T(e), T(np.concatenate([e[::2], values(rng, (30,), dtype)]))), {}, "large test set, edge values")


# -- Hypothesis strategies ------------------------------------------------------------------------


def _hyp_tensor(draw: Any, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    from hypothesis import strategies as st

    n = math.prod(shape)
    if dtype == "bool":
        elem: Any = st.booleans()
    elif dtype in INTS:
        info = np.iinfo(dtype)
        elem = st.integers(max(int(info.min), -1000), min(int(info.max), 1000))
    else:
        elem = st.one_of(st.floats(-1e3, 1e3), st.sampled_from((math.inf, -math.inf, math.nan, -0.0)))
    return np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=bool if dtype == "bool" else None)\
        .reshape(shape)


def _hyp_shape(draw: Any, min_dims: int = 0) -> tuple[int, ...]:
    from hypothesis import strategies as st

    return tuple(draw(st.lists(st.integers(0, 5), min_size=min_dims, max_size=4)))


def _hyp_gather(draw: Any, dtype: str) -> Sample:
    """gather along a drawn dim, with an index no larger than the input off that dim."""
    from hypothesis import strategies as st

    shape = _hyp_shape(draw, 1)
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    ishape = tuple(draw(st.integers(0, s)) if k != dim % len(shape) else draw(st.integers(0, 5))
                   for k, s in enumerate(shape))
    size = shape[dim]
    idx = np.array(draw(st.lists(st.integers(0, max(size - 1, 0)), min_size=math.prod(ishape),
                                 max_size=math.prod(ishape)))).reshape(ishape)
    if size == 0 and idx.size:
        ishape = tuple(0 if k == dim % len(shape) else s for k, s in enumerate(ishape))
        idx = np.zeros(ishape)
    return Sample((T(_hyp_tensor(draw, dtype, shape)), dim, _i(idx)))


def _hyp_index_select(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    shape = _hyp_shape(draw, 1)
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    size = shape[dim]
    # PyTorch's index_select takes no negative index (and words the refusal by kernel)
    idx = draw(st.lists(st.integers(0, size - 1), max_size=6)) if size else []
    return Sample((T(_hyp_tensor(draw, dtype, shape)), dim, _i(np.array(idx, dtype=np.int64))))


def _hyp_masked_fill(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    shape = _hyp_shape(draw)
    mshape = shape[len(shape) - draw(st.integers(0, len(shape))):]
    mask = np.array(draw(st.lists(st.booleans(), min_size=math.prod(mshape), max_size=math.prod(mshape))),
                    dtype=bool).reshape(mshape)
    fill = draw(st.booleans()) if dtype == "bool" else draw(st.integers(-100, 100)) if dtype in INTS else \
        draw(st.floats(allow_nan=True, allow_infinity=True, width=16))
    if dtype == "uint8":
        fill = abs(fill)
    return Sample((T(_hyp_tensor(draw, dtype, shape)), _mask(mask), fill))


def _hyp_take(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    shape = _hyp_shape(draw)
    n = math.prod(shape)
    idx = draw(st.lists(st.integers(-n, n - 1), max_size=6)) if n else []
    return Sample((T(_hyp_tensor(draw, dtype, shape)), _i(np.array(idx, dtype=np.int64))))


def _hyp_nonzero(draw: Any, dtype: str) -> Sample:
    return Sample((T(_hyp_tensor(draw, dtype, _hyp_shape(draw))),))


# -- errors ----------------------------------------------------------------------------------------

_X = T(np.ones((3, 2)))


def _err(args: tuple[Any, ...], exc: type[BaseException], match: str, kwargs: dict[str, Any] | None = None,
         dtype: str = "float32") -> ErrorCase:
    return ErrorCase(Sample(args, kwargs or {}), exc, match, dtype)


_GATHER_ERRORS = (
    _err((_X, 1, _i([[0, 5]])), RuntimeError, "index 5 is out of bounds for dimension 1 with size 2"),
    _err((_X, 1, _i([[0, -1]])), RuntimeError, "index -1 is out of bounds for dimension 1 with size 2"),
    _err((_X, 1, T(np.array([[0.0, 1.0]]), dtype="float32")), RuntimeError, "Expected dtype int32/int64 for index"),
    _err((_X, 1, _i([0, 1])), RuntimeError, "Index tensor must have the same number of dimensions as input tensor"),
    _err((_X, 2, _i([[0]])), IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    _err((_X, 1, _i(np.zeros((4, 1)))), RuntimeError, "Size does not match at dimension 0"),
)
_SCATTER_ERRORS = (
    _err((_X, 1, _i([[0, 5]]), _X), RuntimeError, "index 5 is out of bounds for dimension 1 with size 2"),
    _err((_X, 1, _i([[0, 1]]), T(np.ones((3, 2)), dtype="float64")), RuntimeError,
         "scatter(): Expected self.dtype to be equal to src.dtype"),
    _err((_X, 1, _i([[0, 1]]), _X), RuntimeError, "reduce argument must be either add or multiply",
         {"reduce": "max"}),
    _err((_X, 1, _i([0, 1]), _X), RuntimeError, "Index tensor must have the same number of dimensions as self tensor"),
)
_INDEX_ADD_ERRORS = (
    _err((_X, 0, _i([-1]), T(np.ones((1, 2)))), RuntimeError, "index -1 is out of bounds for dimension 0 with size 3"),
    _err((_X, 0, _i([3]), T(np.ones((1, 2)))), RuntimeError, "index 3 is out of bounds for dimension 0 with size 3"),
    _err((_X, 0, _i([0, 1]), T(np.ones((1, 2)))), RuntimeError, "Number of indices (2) should be equal to source.size"),
    _err((_X, 0, _i([0]), T(np.ones((1, 2)), dtype="float64")), RuntimeError,
         "index_add_(): self (Float) and source (Double) must have the same scalar type"),
    _err((_X, 0, T(np.array([0.0])), T(np.ones((1, 2)))), RuntimeError,
         "index_add_(): Expected dtype int32/int64 for index"),
)
_INDEX_COPY_ERRORS = (
    _err((_X, 0, _i([-1]), T(np.ones((1, 2)))), IndexError,
         "index_copy_(): index -1 is out of bounds for dimension 0 with size 3"),
    _err((_X, 0, _i([3]), T(np.ones((1, 2)))), IndexError,
         "index_copy_(): index 3 is out of bounds for dimension 0 with size 3"),
    _err((_X, 0, _i([0, 1]), T(np.ones((1, 2)))), IndexError,
         "index_copy_(): Number of indices (2) should be equal to source.size(dim) (1)"),
)
_INDEX_FILL_ERRORS = (
    _err((_X, 0, _i([3]), 1.0), IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    _err((_X, 0, T(np.array([0.0])), 1.0), IndexError, "index_fill_(): Expected dtype int64 for index"),
    _err((_X, 0, _i([0]), T(np.ones(2))), RuntimeError,
         "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."),
)
_INDEX_PUT_ERRORS = (
    _err((_X, (_i([3]),), T(np.array(1.0))), IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    _err((_X, (_i([0]),), T(np.array(1.0), dtype="float64")), RuntimeError,
         "Index put requires the source and destination dtypes match, got Float for the destination and Double"),
    _err((_X, (_i([0, 1]),), T(np.ones(3))), RuntimeError,
         "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 2]"),
)
_INDEX_REDUCE_ERRORS = (
    _err((_X, 0, _i([3]), T(np.ones((1, 2))), "prod"), IndexError, "index out of range in self"),
    _err((_X, 0, _i([-1]), T(np.ones((1, 2))), "amax"), IndexError, "index out of range in self"),
    _err((_X, 0, _i([0]), T(np.ones((1, 2))), "sum"), RuntimeError,
         "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got sum."),
    _err((_X, 0, _i([0, 1]), T(np.ones((1, 2))), "prod"), RuntimeError,
         "index_reduce_(): Number of indices (2) should be equal to source.size(dim): (1), for dim: 0"),
    _err((_X, 0, _i([0]), T(np.ones((1, 3))), "prod"), RuntimeError,
         "source tensor shape must match self tensor shape, excluding the specified dimension"),
    # PyTorch's bool kernels cover only include_self=True on 2-d and more
    _err((_mask(np.ones((3, 2))), 0, _i([0]), _mask(np.ones((1, 2))), "amax"), NotImplementedError,
         "\"index_reduce_func_exclude_input_init\" not implemented for 'Bool'", {"include_self": False}, "bool"),
    _err((_mask(np.ones(3)), 0, _i([0]), _mask(np.ones(1)), "prod"), NotImplementedError,
         "\"index_func_\" not implemented for 'Bool'", dtype="bool"),
)
_INDEX_SELECT_ERRORS = (
    _err((_X, 0, _i([-1])), IndexError, "index out of range in self"),
    _err((_X, 0, _i([3])), IndexError, "index out of range in self"),
    _err((_X, 0, _i([[0]])), IndexError, "index_select(): Index is supposed to be a vector"),
    _err((_X, 0, T(np.array([0.0]))), RuntimeError, "index_select(): Expected dtype int32 or int64 for index"),
    _err((_X, 2, _i([0])), IndexError, "Dimension out of range"),
)
_MASK = _mask(np.ones((3, 2)))
_MASKED_FILL_ERRORS = (
    _err((_X, T(np.ones((3, 2)), dtype="int32"), 1.0), RuntimeError,
         "masked_fill_ only supports boolean masks, but got mask with dtype int"),
    _err((_X, _MASK, T(np.ones(2))), RuntimeError,
         "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."),
    _err((_X, _mask(np.ones(4)), 1.0), RuntimeError,
         "The size of tensor a (4) must match the size of tensor b (2) at non-singleton dimension 1"),
)
_MASKED_SCATTER_ERRORS = (
    _err((_X, _MASK, T(np.ones(2))), RuntimeError, "Number of elements of source < number of ones in mask"),
    _err((_X, T(np.ones((3, 2)), dtype="int32"), T(np.ones(6))), RuntimeError,
         "masked_scatter_ only supports boolean masks"),
)
_MASKED_SELECT_ERRORS = (
    _err((_X, _mask(np.ones(4))), RuntimeError,
         "The size of tensor a (4) must match the size of tensor b (2) at non-singleton dimension 1"),
    _err((_X, T(np.ones((3, 2)), dtype="int32")), RuntimeError, "masked_select: expected BoolTensor for mask"),
)
_TAKE_ERRORS = (
    _err((_X, _i([6])), IndexError, "out of range: tried to access index 6 on a tensor of 6 elements."),
    _err((_X, _i([-7])), IndexError, "out of range: tried to access index -7 on a tensor of 6 elements."),
    _err((_X, T(np.array([0.0]))), RuntimeError, "take(): Expected a long tensor for index, but got Float"),
)
_TAKE_ALONG_DIM_ERRORS = (
    _err((_X, _i([[0]]), 5), IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    _err((_X, T(np.array([[0.0]])), 1), RuntimeError, "torch.take_along_dim(): dtype of indices should be Long"),
)
_PUT_ERRORS = (
    _err((_X, _i([6]), T(np.ones(1))), IndexError, "out of range: tried to access index 6 on a tensor of 6 elements."),
    _err((_X, _i([0, 1]), T(np.ones(1))), IndexError,
         "put_(): Expected source and index to have the same number of elements, but got source.numel() = 1, "
         "index.numel() = 2"),
)
_UNRAVEL_ERRORS = (
    _err((T(np.array([1.0])), (3, 2)), TypeError, "expected 'indices' to be integer dtype, but got "),
    _err((_i([1]), (3, -2)), ValueError, "'shape' cannot have negative values, but got (3, -2)"),
)
_ISIN_ERRORS = (
    _err((_mask([True]), _mask([False])), RuntimeError, "Unsupported input type encountered for isin(): Bool",
         dtype="bool"),
)
# -- the entries -----------------------------------------------------------------------------------

OPS: list[OpInfo] = [
    OpInfo("gather", _gen(_gather), dtypes=ALLH, method="gather", supports_out=True, errors=_GATHER_ERRORS,
           hypothesis=_hyp_gather),
    OpInfo("take_along_dim", _gen(_take_along_dim), dtypes=ALLH, method="take_along_dim", supports_out=True,
           errors=_TAKE_ALONG_DIM_ERRORS),
    OpInfo("scatter", _gen(_scatter), dtypes=ALLH, method="scatter", inplace="scatter_", supports_out=True,
           errors=_SCATTER_ERRORS),
    OpInfo("scatter_add", _gen(_scatter_add), dtypes=ALLH, method="scatter_add", inplace="scatter_add_",
           supports_out=True, errors=_SCATTER_ERRORS[:2]),
    OpInfo("scatter_reduce", _gen(_scatter_reduce), dtypes=ALLH, method="scatter_reduce", inplace="scatter_reduce_",
           supports_out=True,
           errors=(_err((_X, 1, _i([[0, 5]]), _X, "sum"), RuntimeError,
                        "index 5 is out of bounds for dimension 1 with size 2"),
                   _err((_mask([True]), 0, _i([0]), _mask([True]), "mean"), NotImplementedError,
                        "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'", dtype="bool"))),
    OpInfo("index_add", _gen(_index_add), dtypes=ALLH, method="index_add", inplace="index_add_", supports_out=True,
           errors=_INDEX_ADD_ERRORS),
    OpInfo("index_copy", _gen(_index_copy), dtypes=ALLH, method="index_copy", inplace="index_copy_",
           supports_out=True, errors=_INDEX_COPY_ERRORS),
    OpInfo("index_fill", _gen(_index_fill), dtypes=ALLH, method="index_fill", inplace="index_fill_",
           errors=_INDEX_FILL_ERRORS),
    OpInfo("index_put", _gen(_index_put), dtypes=ALLH, method="index_put", inplace="index_put_",
           aliases=("index_put_",), errors=_INDEX_PUT_ERRORS),
    OpInfo("index_reduce", _gen(_index_reduce), dtypes=ALLH, method="index_reduce", inplace="index_reduce_",
           supports_out=True, errors=_INDEX_REDUCE_ERRORS),
    OpInfo("index_select", _gen(_index_select), dtypes=ALLH, method="index_select", supports_out=True,
           errors=_INDEX_SELECT_ERRORS, hypothesis=_hyp_index_select),
    OpInfo("masked_fill", _gen(_masked_fill), dtypes=ALLH, method="masked_fill", inplace="masked_fill_",
           errors=_MASKED_FILL_ERRORS, hypothesis=_hyp_masked_fill),
    OpInfo("masked_scatter", _gen(_masked_scatter), dtypes=ALLH, method="masked_scatter",
           inplace="masked_scatter_", errors=_MASKED_SCATTER_ERRORS),
    OpInfo("masked_select", _gen(_masked_select), dtypes=ALLH, method="masked_select", supports_out=True,
           errors=_MASKED_SELECT_ERRORS),
    OpInfo("take", _gen(_take), dtypes=ALLH, method="take", supports_out=True, errors=_TAKE_ERRORS,
           hypothesis=_hyp_take),
    OpInfo("put", _gen(_put), dtypes=ALLH, method="put", inplace="put_", errors=_PUT_ERRORS),
    OpInfo("nonzero", _gen(_nonzero_tuple), dtypes=ALLH, method="nonzero", supports_out=True, grad=False,
           hypothesis=_hyp_nonzero),
    OpInfo("argwhere", _gen(_nonzero), dtypes=ALLH, method="argwhere", grad=False),
    OpInfo("unravel_index", _unravel_index, dtypes=INTS, grad=False, errors=_UNRAVEL_ERRORS),
    OpInfo("isin", _gen(_isin), dtypes=NUMH, supports_out=True, grad=False, errors=_ISIN_ERRORS),
]
