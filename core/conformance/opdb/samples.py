"""Sample generators shared by many entries: pointwise unary and binary ops and reductions.

Each returns a ``SampleFn``: ``fn(dtype, rng)`` yielding ``Sample``s that cover the edges the op
database asks for (0-d, zero-size dims, strided and expanded views, negative dims, broadcasting, inf,
-inf, NaN, -0.0, integer and bool inputs, large and small magnitudes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._core import FLOAT_EDGES, FLOATS, HALF, INTS, Sample, SampleFn, T, values

#: the extreme values of each integer dtype, mixed into integer samples
_INT_EDGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767),
              "int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _floating(dtype: str) -> bool:
    return dtype in FLOATS or dtype in HALF


def edge_values(dtype: str) -> np.ndarray:
    """The edge values of ``dtype`` as a 1-d array: inf/NaN/-0.0/tiny/huge floats, int extremes, bools."""
    if dtype == "bool":
        return np.array([True, False])
    if dtype in INTS:
        lo, hi = _INT_EDGES[dtype]
        return np.array([0, 1, -1 if lo < 0 else 2, lo, hi], dtype=np.int64 if dtype != "uint8" else np.uint8)
    return np.array(FLOAT_EDGES, dtype=np.float64)


def unary(low: float = -3.0, high: float = 3.0, *, edges: bool = True,
          extra: Callable[[str, np.random.Generator], Iterator[Sample]] | None = None,
          **kwargs: Any) -> SampleFn:
    """Samples for a pointwise op of one tensor, with values in ``[low, high)`` (the op's domain)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> np.ndarray:
            return values(rng, shape, dtype, low, high)

        yield Sample((T(v(3, 4)),), dict(kwargs), "2-d")
        yield Sample((T(v()),), dict(kwargs), "0-d")
        yield Sample((T(v(0)),), dict(kwargs), "zero-size")
        yield Sample((T(v(2, 0, 3)),), dict(kwargs), "zero-size inner dim")
        yield Sample((T(v(3, 5), "strided"),), dict(kwargs), "strided view")
        yield Sample((T(v(3, 1), "expanded", (3, 4)),), dict(kwargs), "expanded view")
        if edges:
            yield Sample((T(edge_values(dtype)),), dict(kwargs), "edge values", grad=False)
            if _floating(dtype):
                big = np.array([1e30, -1e30, 1e-30, -1e-30, 88.0, -88.0, 700.0])
                yield Sample((T(big),), dict(kwargs), "large and small magnitudes", grad=False)
        if extra is not None:
            yield from extra(dtype, rng)

    return gen


def binary(low: float = -3.0, high: float = 3.0, *, scalars: bool = True, rhs_low: float | None = None,
           rhs_high: float | None = None, edges: bool = True, **kwargs: Any) -> SampleFn:
    """Samples for a pointwise op of two tensors (or a tensor and a Python number), broadcasting."""
    r_lo = low if rhs_low is None else rhs_low
    r_hi = high if rhs_high is None else rhs_high

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def a(*shape: int) -> np.ndarray:
            return values(rng, shape, dtype, low, high)

        def b(*shape: int) -> np.ndarray:
            return values(rng, shape, dtype, r_lo, r_hi)

        kw = dict(kwargs)
        yield Sample((T(a(3, 4)), T(b(3, 4))), kw, "same shape")
        yield Sample((T(a(3, 1)), T(b(1, 4))), kw, "broadcast both")
        yield Sample((T(a(2, 3, 4)), T(b(4))), kw, "broadcast lower rank")
        yield Sample((T(a()), T(b(2, 3))), kw, "0-d and 2-d")
        yield Sample((T(a(0, 3)), T(b(1, 3))), kw, "zero-size")
        yield Sample((T(a(3, 5), "strided"), T(b(3, 5), "strided")), kw, "strided views")
        yield Sample((T(a(3, 1), "expanded", (3, 4)), T(b(3, 4))), kw, "expanded view")
        if scalars:
            s = b()
            yield Sample((T(a(2, 3)), s.item()), kw, "tensor and Python number")
            if _floating(dtype):
                yield Sample((T(a(2, 3)), 2), kw, "float tensor and int")
            elif dtype != "bool":
                yield Sample((T(a(2, 3)), 1.5), kw, "int tensor and float", grad=False)
        if edges:
            e = edge_values(dtype)
            yield Sample((T(e[:, None]), T(e[None, :])), kw, "edge values against each other", grad=False)

    return gen


def reduction(low: float = -3.0, high: float = 3.0, *, dims: bool = True, keepdim: bool = True,
              multi_dim: bool = True, empty: bool = True, edges: bool = True, **kwargs: Any) -> SampleFn:
    """Samples for a reduction over ``dim`` (whole tensor, one dim, negative dims, dim tuples, keepdim)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> np.ndarray:
            return values(rng, shape, dtype, low, high)

        kw = dict(kwargs)
        yield Sample((T(v(3, 4)),), kw, "whole tensor")
        yield Sample((T(v()),), kw, "0-d")
        if dims:
            yield Sample((T(v(3, 4)),), {**kw, "dim": 1}, "dim=1")
            yield Sample((T(v(2, 3, 4)),), {**kw, "dim": -1}, "dim=-1")
            yield Sample((T(v()),), {**kw, "dim": 0}, "0-d, dim=0")
            if keepdim:
                yield Sample((T(v(3, 4)),), {**kw, "dim": 0, "keepdim": True}, "keepdim")
            if multi_dim:
                yield Sample((T(v(2, 3, 4)),), {**kw, "dim": (0, -1)}, "dim tuple")
            yield Sample((T(v(3, 5), "strided"),), {**kw, "dim": 0}, "strided view")
            yield Sample((T(v(3, 1), "expanded", (3, 4)),), {**kw, "dim": 1}, "expanded view")
            if empty:
                yield Sample((T(v(0, 3)),), {**kw, "dim": 1}, "zero-size, reduce a non-empty dim")
                yield Sample((T(v(0, 3)),), {**kw, "dim": 0}, "zero-size, reduce the empty dim")
        if empty:
            yield Sample((T(v(0)),), kw, "zero-size, whole tensor")
        if edges:
            yield Sample((T(edge_values(dtype)),), kw, "edge values", grad=False)

    return gen


def fixed(*samples: Sample) -> SampleFn:
    """Samples that do not depend on the dtype or the random generator."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        yield from samples

    return gen


def chain(*fns: SampleFn) -> SampleFn:
    """The samples of several generators, one after another."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        for f in fns:
            yield from f(dtype, rng)

    return gen
