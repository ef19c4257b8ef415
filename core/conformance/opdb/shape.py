"""Shape and view ops and assembly: ``reshape``, ``cat``, ``split``, ``flip``, ``tril``, ``*_scatter``, ...

These ops move values without computing on them, so every dtype PyTorch's CPU kernels take is listed (all
of them, probed on torch 2.13) and values are compared exactly. The edges are in the shapes: 0-d inputs,
zero-size dims, negative dims, strided and expanded views (a reshape of which must copy), dims out of range,
sizes that do not fit. Float samples carry NaN, inf and -0.0 through once per op ("edge values"), since a
view must not touch them.

Ops taking a list of tensors (``cat``, ``stack``, ``block_diag``, ...) get ``[T, T]`` arguments; the
``*_scatter`` ops and ``as_strided`` get contiguous inputs only where PyTorch reads the storage rather than
the values (``as_strided`` of a view addresses its base's memory, which ember does not model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._core import BOOL, FLOAT_EDGES, FLOATS, HALF, INTS, Device, DType, ErrorCase, OpInfo, Sample, SampleFn, T, values

#: every dtype: shape ops move values of any dtype (PyTorch's CPU kernels, probed)
ALLH = (*FLOATS, *HALF, *INTS, *BOOL)

V = Callable[..., np.ndarray]


def _floating(dtype: str) -> bool:
    return dtype in FLOATS or dtype in HALF


def _gen(fn: Callable[[V, str], Iterator[Sample]]) -> SampleFn:
    """A sample generator from ``fn(v, dtype)``, where ``v(*shape)`` draws values of the dtype."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> np.ndarray:
            return values(rng, shape, dtype)

        yield from fn(v, dtype)

    return gen


def _edges(dtype: str, shape: tuple[int, ...] = (3, 4)) -> np.ndarray:
    """Values of ``shape`` with the dtype's edges (NaN, inf, -0.0; integer extremes) laid in order."""
    n = int(np.prod(shape))
    if dtype == "bool":
        flat: Any = np.arange(n) % 3 == 0
    elif dtype in INTS:
        info = np.iinfo(dtype)
        flat = np.resize(np.array([info.min, info.max, 0, 1, 7], dtype=np.int64), n)
    else:
        flat = np.resize(np.array(FLOAT_EDGES), n)
    return np.asarray(flat).reshape(shape)


def _err(args: tuple[Any, ...], kwargs: dict[str, Any], exc: type[BaseException], match: str) -> ErrorCase:
    return ErrorCase(Sample(args, kwargs), exc, match)


_M = T(np.ones((2, 3)))  # a 2-d tensor for error cases
_DIM = "Dimension out of range"


def _dim_error(*args: Any, **kwargs: Any) -> ErrorCase:
    return _err((T(np.ones((2, 3))), *args), kwargs, IndexError, _DIM)


# Each generator opens with its five most telling samples, small and of a few shared shapes (2-d (2, 3), a
# strided (2, 3) view, an (2, 1) column expanded to (2, 3), 0-d, zero-size): a bounded run (jax) takes only
# those, JAX compiles once per new shape, and finite differences cost two calls per input element.


def _sv(v: V) -> T:
    """A strided (2, 3) view (every other element of a (2, 6) base)."""
    return T(v(2, 3), "strided")


def _ev(v: V, shape: tuple[int, ...] = (2, 3)) -> T:
    """A (2, 1) column expanded to ``shape``: one element stored per row."""
    return T(v(*shape[:-1], 1), "expanded", shape)


# -- reshape, flatten, unflatten, ravel, squeeze, unsqueeze -----------------------------------------------------


def _reshape(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), (3, 2)), {}, "2-d to 2-d")
    yield Sample((T(v(2, 3)), (-1,)), {}, "flatten with -1")
    yield Sample((T(v()), (1, 1)), {}, "0-d to (1, 1)")
    yield Sample((_sv(v), (3, 2)), {}, "strided view: a copy")
    yield Sample((_ev(v), (6,)), {}, "expanded view: a copy")
    yield Sample((T(v(2, 3, 2)), (2, -1, 3)), {}, "-1 in the middle")
    yield Sample((T(v(1, 1)), ()), {}, "(1, 1) to 0-d")
    yield Sample((T(v(0, 3)), (3, 0, 5)), {}, "zero-size")
    yield Sample((T(v(0, 3)), (-1,)), {}, "zero-size, -1 is 0")
    yield Sample((_ev(v), (2, 3, 1)), {}, "expanded view: a view")
    yield Sample((T(_edges(dtype)), (2, 6)), {}, "edge values", grad=False)


def _flatten(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3, 2)),), {}, "all dims")
    yield Sample((T(v(2, 3, 2)), 1, 2), {}, "last two dims")
    yield Sample((T(v()),), {}, "0-d: one element")
    yield Sample((_sv(v),), {}, "strided view")
    yield Sample((_ev(v),), {}, "expanded view")
    yield Sample((T(v(2, 3, 2)),), {"start_dim": -2}, "negative start_dim")
    yield Sample((T(v(2, 3, 2)), 1, 1), {}, "one dim: unchanged")
    yield Sample((T(v(2, 0, 3)),), {"start_dim": 1}, "zero-size")
    yield Sample((T(_edges(dtype)),), {}, "edge values", grad=False)


def _unflatten(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3, 4)), 1, (2, 2)), {}, "last dim")
    yield Sample((T(v(6, 1)), 0, (3, -1)), {}, "-1 inferred")
    yield Sample((T(v(0, 4)), 0, (0, 5)), {}, "zero-size dim")
    yield Sample((T(v(2, 4), "strided"), 1, (2, 2)), {}, "strided view")
    yield Sample((_ev(v, (2, 4)), -1, (2, 1, 2)), {}, "expanded view, negative dim")
    yield Sample((T(v(2, 3)), 1, (3,)), {}, "one size: unchanged")
    yield Sample((T(v(2, 3)),), {"axis": 1, "sizes": (3, 1)}, "axis= (NumPy's name for dim=)")


def _ravel(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3, 2)),), {}, "3-d")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((_sv(v),), {}, "strided view: a copy")
    yield Sample((_ev(v),), {}, "expanded view: a copy")
    yield Sample((T(_edges(dtype)),), {}, "edge values", grad=False)


def _squeeze(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(1, 3, 1)),), {}, "every size-1 dim")
    yield Sample((T(v(1, 3, 1)), -1), {}, "dim=-1")
    yield Sample((T(v()), 0), {}, "0-d, dim=0")
    yield Sample((T(v(1, 3), "strided"),), {}, "strided view")
    yield Sample((_ev(v, (1, 3)), (0, 1)), {}, "expanded view, a dim tuple with a dim not of size 1")
    yield Sample((T(v(1, 3, 1)), 0), {}, "dim=0")
    yield Sample((T(v(2, 3)), 1), {}, "a dim not of size 1: unchanged")
    yield Sample((T(v(1, 3, 1)), (0, 2)), {}, "dim tuple")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v()), -1), {}, "0-d, dim=-1")
    yield Sample((T(v(1, 0, 1)),), {}, "zero-size")
    yield Sample((T(v(1, 3)), 10), {}, "dim out of range")
    yield Sample((T(v(1, 3, 1)),), {"axis": (0, 2)}, "axis= (NumPy's name for dim=)")
    yield Sample((T(_edges(dtype, (1, 6))),), {}, "edge values", grad=False)


def _unsqueeze(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), 0), {}, "dim=0")
    yield Sample((T(v(2, 3)), -1), {}, "dim=-1")
    yield Sample((T(v()), 0), {}, "0-d")
    yield Sample((_sv(v), 2), {}, "strided view, dim=ndim")
    yield Sample((_ev(v), -3), {}, "expanded view, dim=-ndim-1")
    yield Sample((T(v(0, 3)), 1), {}, "zero-size")
    yield Sample((T(v(2, 3)), 3), {}, "dim out of range")
    yield Sample((T(v(2, 3)),), {"axis": 1}, "axis= (NumPy's name for dim=)")
    yield Sample((T(_edges(dtype)), 0), {}, "edge values", grad=False)


# -- permutations: transpose, permute, movedim, t, adjoint ------------------------------------------------------


def _transpose(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), 0, 1), {}, "2-d")
    yield Sample((T(v(2, 3, 2)), -1, 0), {}, "negative dim")
    yield Sample((T(v()), 0, -1), {}, "0-d")
    yield Sample((_sv(v), 0, 1), {}, "strided view")
    yield Sample((_ev(v), 1, 0), {}, "expanded view")
    yield Sample((T(v(2, 3, 2)), 1, 1), {}, "same dim: unchanged")
    yield Sample((T(v(0, 3)), 0, 1), {}, "zero-size")
    yield Sample((T(v()), 0, 1), {}, "0-d, dim out of range")
    yield Sample((T(_edges(dtype)), 0, 1), {}, "edge values", grad=False)


def _permute(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3, 2)), (2, 0, 1)), {}, "3-d")
    yield Sample((T(v(2, 3)), (-1, 0)), {}, "negative dims")
    yield Sample((T(v()), ()), {}, "0-d")
    yield Sample((_sv(v), (1, 0)), {}, "strided view")
    yield Sample((_ev(v), (1, 0)), {}, "expanded view")
    yield Sample((T(v(2, 3)), (0, 1)), {}, "identity")
    yield Sample((T(v(2, 0, 3)), (1, 2, 0)), {}, "zero-size")
    yield Sample((T(_edges(dtype)), (1, 0)), {}, "edge values", grad=False)


def _movedim(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3, 2)), 0, 2), {}, "one dim")
    yield Sample((T(v(2, 3, 2)), (0, -1), (2, 0)), {}, "two dims, negative")
    yield Sample((T(v()), 0, 0), {}, "0-d")
    yield Sample((_sv(v), 0, 1), {}, "strided view")
    yield Sample((_ev(v), -1, 0), {}, "expanded view")
    yield Sample((T(v(2, 3, 2)), (), ()), {}, "no dims")
    yield Sample((T(v(2, 0, 3)), 1, 0), {}, "zero-size")


def _t(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)),), {}, "2-d")
    yield Sample((T(v(3)),), {}, "1-d: unchanged")
    yield Sample((T(v()),), {}, "0-d: unchanged")
    yield Sample((_sv(v),), {}, "strided view")
    yield Sample((_ev(v),), {}, "expanded view")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((T(v(2, 3, 2)),), {}, "3-d: refused")
    yield Sample((T(_edges(dtype)),), {}, "edge values", grad=False)


def _adjoint(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)),), {}, "2-d")
    yield Sample((T(v(2, 3, 2)),), {}, "batched")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((_sv(v),), {}, "strided view")
    yield Sample((_ev(v),), {}, "expanded view")
    yield Sample((T(v(3)),), {}, "1-d: refused")
    yield Sample((T(_edges(dtype)),), {}, "edge values", grad=False)


# -- narrow, select, diagonal -----------------------------------------------------------------------------------


def _narrow(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), 1, 1, 2), {}, "dim 1")
    yield Sample((T(v(2, 3)), -2, -1, 1), {}, "negative dim and start")
    yield Sample((T(v(0, 3)), 0, 0, 0), {}, "zero-size")
    yield Sample((_sv(v), 1, 0, 2), {}, "strided view")
    yield Sample((_ev(v), 1, 1, 2), {}, "expanded view")
    yield Sample((T(v(2, 3)), 1, 3, 0), {}, "empty at the end")
    yield Sample((T(v(2, 3)), 1, 2, 2), {}, "past the end: refused")
    yield Sample((T(v(2, 3)),), {"axis": 1, "start": 1, "length": 1}, "axis= (NumPy's name for dim=)")
    yield Sample((T(_edges(dtype)), 1, 1, 2), {}, "edge values", grad=False)


def _select(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), 0, 1), {}, "dim 0")
    yield Sample((T(v(2, 3)), -1, -1), {}, "negative dim and index")
    yield Sample((T(v(3)), 0, 2), {}, "1-d to 0-d")
    yield Sample((_sv(v), 1, 2), {}, "strided view")
    yield Sample((_ev(v), 1, 0), {}, "expanded view")
    yield Sample((T(v(2, 3, 2)), 1, 2), {}, "middle dim")
    yield Sample((T(v(0, 3)), 1, 0), {}, "zero-size")
    yield Sample((T(v(2, 3)), 0, 2), {}, "index out of range")
    yield Sample((T(v(2, 3)),), {"axis": 1, "index": 2}, "axis= (NumPy's name for dim=)")
    yield Sample((T(_edges(dtype)), 1, 0), {}, "edge values", grad=False)


def _diagonal(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)),), {}, "main diagonal")
    yield Sample((T(v(2, 3, 2)),), {"offset": -1, "dim1": -1, "dim2": 0}, "below, other dims reversed")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((_sv(v),), {"offset": 1}, "strided view, above")
    yield Sample((_ev(v),), {"offset": 1}, "expanded view")
    yield Sample((T(v(2, 3)),), {"offset": 5}, "offset past the edge: empty")
    yield Sample((T(v(2, 3, 2)), 1, 2, 1), {}, "positional dims")
    yield Sample((T(_edges(dtype)),), {}, "edge values", grad=False)


# -- expand-like: broadcast_to, broadcast_tensors, broadcast_shapes, atleast_*d, meshgrid -------------------------


def _broadcast_to(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 1)), (2, 2, 3)), {}, "new leading dim")
    yield Sample((T(v(2, 1)), (-1, 3)), {}, "-1 keeps a dim")
    yield Sample((T(v()), (2, 3)), {}, "0-d")
    yield Sample((_sv(v), (2, 2, 3)), {}, "strided view")
    yield Sample((_ev(v), (2, 2, 3)), {}, "expanded view")
    yield Sample((T(v(2, 3)), (2, 3)), {}, "same shape")
    yield Sample((T(v(0, 1)), (0, 4)), {}, "zero-size")
    yield Sample((T(v(1, 3)), (0, 3)), {}, "to a zero-size dim")
    yield Sample((T(v(3, 2)), (3, 4)), {}, "a dim not of size 1: refused")
    yield Sample((T(_edges(dtype, (3, 1))), (3, 4)), {}, "edge values", grad=False)


def _broadcast_tensors(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 1)), T(v(1, 3))), {}, "two")
    yield Sample((T(v(2, 3)), T(v(3)), T(v())), {}, "three, with a 0-d")
    yield Sample((T(v(0, 1)), T(v(1, 3))), {}, "zero-size")
    yield Sample((_sv(v), T(v(2, 1, 1))), {}, "strided view")
    yield Sample((_ev(v), T(v(1, 3))), {}, "expanded view")
    yield Sample((T(v(3)),), {}, "one")
    yield Sample((T(v(3)), T(v(4))), {}, "mismatched sizes")


def _broadcast_shapes(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample(((3, 1), (1, 4)), {}, "two")
    yield Sample(((2, 3, 4), (4,), ()), {}, "three, with ()")
    yield Sample(((0, 1), (1, 3)), {}, "zero-size")
    yield Sample((2, [3, 1]), {}, "an int and a list")
    yield Sample(((5,),), {}, "one")
    yield Sample((), {}, "none")
    yield Sample(((3,), (4,)), {}, "mismatched")
    yield Sample(((-1,),), {}, "a negative size")


def _atleast(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(3)),), {}, "1-d")
    yield Sample((T(v()), T(v(3)), T(v(2, 3))), {}, "several")
    yield Sample((_sv(v),), {}, "strided view")
    yield Sample(([_ev(v), T(v(3))],), {}, "a list, an expanded view")
    yield Sample((T(v(2, 3)),), {}, "2-d")
    yield Sample((T(v(2, 3, 2)),), {}, "3-d")
    yield Sample((T(v(0)),), {}, "zero-size")


def _meshgrid(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3)), T(v(2))), {"indexing": "ij"}, "ij")
    yield Sample((T(v(3)), T(v(2)), T(v(2))), {"indexing": "xy"}, "xy, three")
    yield Sample((T(v()), T(v(0))), {"indexing": "ij"}, "0-d and zero-size")
    yield Sample(([T(v(3), "strided"), T(v(2))],), {"indexing": "xy"}, "a list, a strided view")
    yield Sample((T(v(1), "expanded", (2,)), T(v(3))), {"indexing": "ij"}, "expanded view")
    yield Sample((T(v(3)),), {"indexing": "xy"}, "one")
    yield Sample((T(v(2, 2)), T(v(2))), {"indexing": "ij"}, "2-d: refused")


# -- cat, stack and friends ---------------------------------------------------------------------------------------


def _cat(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample(([T(v(1, 3)), T(v(2, 3))],), {}, "dim 0")
    yield Sample(([T(v(2, 1)), T(v(2, 2)), T(v(2, 1))], -1), {}, "three, negative dim")
    yield Sample(([T(v(0, 3)), T(v(2, 3))],), {}, "a zero-size part")
    yield Sample(([_sv(v), _ev(v)], 1), {}, "strided and expanded")
    yield Sample(([T(v(2, 3)), T(v(2, 3), dtype="float64")],), {}, "mixed dtypes promote")
    yield Sample(([T(v(2, 3))],), {"dim": 1}, "one tensor")
    yield Sample(([T(v(0)), T(v(2, 3))],), {"dim": 1}, "a legacy empty (0,) part is skipped")
    yield Sample(([T(v(2, 3)), T(v(2, 3), dtype="bool")],), {}, "with bool")
    yield Sample(([T(v(2, 3)), T(v(2, 4))],), {}, "mismatched sizes")
    yield Sample(([T(v()), T(v())],), {}, "0-d: refused")
    yield Sample(([T(v(2, 3)), T(v(2, 1))],), {"axis": 1}, "axis= (NumPy's name for dim=)")
    yield Sample(([T(_edges(dtype)), T(v(1, 4))],), {}, "edge values", grad=False)


def _stack(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample(([T(v(2, 3)), T(v(2, 3))],), {}, "dim 0")
    yield Sample(([T(v(2, 3)), T(v(2, 3)), T(v(2, 3))], -1), {}, "three, dim -1")
    yield Sample(([T(v()), T(v())],), {}, "0-d")
    yield Sample(([_sv(v), _ev(v)],), {"dim": 2}, "strided and expanded, dim=ndim")
    yield Sample(([T(v(2, 3)), T(v(2, 3), dtype="int64")],), {}, "mixed dtypes promote")
    yield Sample(([T(v(3, 4))], 1), {}, "one tensor")
    yield Sample(([T(v(0, 3)), T(v(0, 3))],), {"dim": 1}, "zero-size")
    yield Sample(([T(v(2, 3)), T(v(3, 2))],), {}, "mismatched shapes")
    yield Sample(([T(v(2, 3)), T(v(2, 3))],), {"axis": 1}, "axis= (NumPy's name for dim=)")
    yield Sample(([T(_edges(dtype)), T(v(3, 4))],), {}, "edge values", grad=False)


def _hstack(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample(([T(v(3)), T(v(2))],), {}, "1-d")
    yield Sample(([T(v(2, 3)), T(v(2, 1))],), {}, "2-d")
    yield Sample(([T(v()), T(v())],), {}, "0-d")
    yield Sample(([_sv(v), _ev(v)],), {}, "strided and expanded")
    yield Sample(([T(v(2, 3)), T(v(2, 3), dtype="float64")],), {}, "mixed dtypes")
    yield Sample(([T(v(2, 3, 2)), T(v(2, 1, 2))],), {}, "3-d")
    yield Sample(([T(v(2, 0)), T(v(2, 3))],), {}, "zero-size")
    yield Sample(([T(_edges(dtype)), T(v(3, 1))],), {}, "edge values", grad=False)


def _vstack(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample(([T(v(3)), T(v(3))],), {}, "1-d rows")
    yield Sample(([T(v(2, 3)), T(v(1, 3))],), {}, "2-d")
    yield Sample(([T(v()), T(v())],), {}, "0-d")
    yield Sample(([_sv(v), _ev(v)],), {}, "strided and expanded")
    yield Sample(([T(v(2, 3)), T(v(3), dtype="int64")],), {}, "mixed dtypes")
    yield Sample(([T(v(2, 3, 2)), T(v(1, 3, 2))],), {}, "3-d")
    yield Sample(([T(v(0, 3)), T(v(3))],), {}, "zero-size")
    yield Sample(([T(_edges(dtype)), T(v(4))],), {}, "edge values", grad=False)


def _dstack(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample(([T(v(3)), T(v(3))],), {}, "1-d")
    yield Sample(([T(v(2, 3)), T(v(2, 3))],), {}, "2-d")
    yield Sample(([T(v()), T(v())],), {}, "0-d")
    yield Sample(([_sv(v), _ev(v)],), {}, "strided and expanded")
    yield Sample(([T(v(2, 3)), T(v(2, 3), dtype="float64")],), {}, "mixed dtypes")
    yield Sample(([T(v(2, 3, 2)), T(v(2, 3, 1))],), {}, "3-d")
    yield Sample(([T(v(0, 3)), T(v(0, 3))],), {}, "zero-size")


def _column_stack(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample(([T(v(3)), T(v(3))],), {}, "1-d columns")
    yield Sample(([T(v(3, 2)), T(v(3))],), {}, "2-d and 1-d")
    yield Sample(([T(v()), T(v())],), {}, "0-d")
    yield Sample(([_sv(v), _ev(v)],), {}, "strided and expanded")
    yield Sample(([T(v(3)), T(v(3), dtype="bool")],), {}, "mixed dtypes")
    yield Sample(([T(v(0)), T(v(0, 2))],), {}, "zero-size")
    yield Sample(([T(v(3)), T(v(2))],), {}, "mismatched lengths")


def _block_diag(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), T(v(1, 2))), {}, "two matrices")
    yield Sample((T(v()), T(v(3)), T(v(2, 2))), {}, "0-d, 1-d and 2-d")
    yield Sample((T(v(0, 2)), T(v(2, 0)), T(v(1, 1))), {}, "zero-size")
    yield Sample((_sv(v), _ev(v)), {}, "strided and expanded")
    yield Sample((T(v(2, 2)), T(v(1, 2), dtype="float64")), {}, "mixed dtypes")
    yield Sample((T(v(3, 4)),), {}, "one")
    # NOTE: no call without tensors: its result is on the default device, not the one under test
    yield Sample((T(v(2, 2, 2)),), {}, "3-d: refused")


def _cartesian_prod(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3)), T(v(2))), {}, "two")
    yield Sample((T(v(2)), T(v(1)), T(v(3))), {}, "three")
    yield Sample((T(v(0)), T(v(3))), {}, "zero-size")
    yield Sample((T(v(3), "strided"), T(v(1), "expanded", (2,))), {}, "strided and expanded")
    yield Sample((T(v(4)),), {}, "one: itself")
    yield Sample((T(v(2, 2)), T(v(2))), {}, "2-d: refused")


def _combinations(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(4)),), {}, "r=2")
    yield Sample((T(v(3)),), {"r": 2, "with_replacement": True}, "with replacement")
    yield Sample((T(v(0)),), {}, "zero-size")
    yield Sample((T(v(4), "strided"),), {"r": 3}, "strided view, r=3")
    yield Sample((T(v(1), "expanded", (3,)),), {}, "expanded view")
    yield Sample((T(v(3)),), {"r": 0}, "r=0")
    yield Sample((T(v(2)),), {"r": 3}, "r past n: no rows")
    yield Sample((T(v(2, 2)),), {}, "2-d: refused")


def _kron(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), T(v(1, 2))), {}, "2-d")
    yield Sample((T(v(3)), T(v(2, 1))), {}, "1-d and 2-d")
    yield Sample((T(v()), T(v(3))), {}, "0-d")
    yield Sample((_sv(v), _ev(v)), {}, "strided and expanded")
    yield Sample((T(v(0, 2)), T(v(2, 3))), {}, "zero-size")
    yield Sample((T(v(2, 1, 2)), T(v(2, 2))), {}, "3-d and 2-d")
    if dtype != "bool":
        yield Sample((T(v(2, 2)), T(v(2), dtype="float64")), {}, "mixed dtypes")
    yield Sample((T(_edges(dtype, (2, 3))), T(v(2))), {}, "edge values", grad=False)


# -- split family -------------------------------------------------------------------------------------------------


def _split(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3, 2)), 2), {}, "uneven chunks of 2")
    yield Sample((T(v(2, 3)), 1, -1), {}, "negative dim")
    yield Sample((T(v(0, 3)), 0), {}, "zero-size dim, split_size 0")
    yield Sample((_sv(v), 2, 1), {}, "strided view")
    yield Sample((_ev(v), 2, 1), {}, "expanded view")
    yield Sample((T(v(3, 4)), 10), {}, "split_size past the size: one piece")
    yield Sample((T(v(0, 3)), 2), {}, "zero-size dim")
    yield Sample((T(v(3, 4)), -1), {}, "negative split_size: refused")
    yield Sample((T(_edges(dtype)), 2, 1), {}, "edge values", grad=False)


def _split_list(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3, 2)), [1, 2]), {}, "sizes")
    yield Sample((T(v(2, 3)), [1, 0, 2], -1), {}, "a zero size, negative dim")
    yield Sample((T(v(0, 3)), [0, 0]), {}, "zero-size")
    yield Sample((_sv(v), [2, 1], 1), {}, "strided view")
    yield Sample((_ev(v), (3,)), {"dim": 1}, "expanded view, one piece")
    yield Sample((T(v(3, 4)), [1, 1]), {}, "sizes not summing to the size: refused")
    yield Sample((T(v(2, 3)), [1, 2]), {"axis": 1}, "axis= (NumPy's name for dim=)")


def _chunk(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3, 2)), 2), {}, "uneven")
    yield Sample((T(v(2, 3)), 3, -1), {}, "even, negative dim")
    yield Sample((T(v(0, 3)), 2), {}, "zero-size dim: chunks empty pieces")
    yield Sample((_sv(v), 2, 1), {}, "strided view")
    yield Sample((_ev(v), 2, 1), {}, "expanded view")
    yield Sample((T(v(6)), 4), {}, "4 chunks of 6: three of 2")
    yield Sample((T(v(2, 3)), 5), {}, "more chunks than elements")
    yield Sample((T(v(2, 3)), 2), {"axis": 1}, "axis= (NumPy's name for dim=)")
    yield Sample((T(v()), 1), {}, "0-d: refused")


def _tensor_split(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(7)), 3), {}, "3 sections of 7")
    yield Sample((T(v(2, 3)), [1, 2]), {"dim": 1}, "at indices")
    yield Sample((T(v(0, 3)), 2), {}, "zero-size")
    yield Sample((_sv(v), [2, 1, 4], 1), {}, "strided view, unsorted and past-the-end indices")
    yield Sample((_ev(v), (-2,), 1), {}, "expanded view, a negative index")
    yield Sample((T(v(2, 5)), 7, -1), {}, "more sections than elements")
    yield Sample((T(v(6)), T(np.array([1, 3]), dtype="int64")), {}, "indices as a tensor")
    yield Sample((T(v(6)), T(np.array(4), dtype="int64")), {}, "sections as a 0-d tensor")
    yield Sample((T(v(6)), 0), {}, "0 sections: refused")
    yield Sample((T(v(2, 3)), 2), {"axis": 1}, "axis= (NumPy's name for dim=)")


def _dir_split(nd: int) -> Callable[[V, str], Iterator[Sample]]:
    def fn(v: V, dtype: str) -> Iterator[Sample]:
        shape = (2, 4, 2)[:nd] if nd > 1 else (4,)
        yield Sample((T(v(*shape)), 2), {}, "2 sections")
        yield Sample((T(v(*shape)), [1, 3]), {}, "at indices")
        yield Sample((T(v(*(2, 4, 2, 2)[:max(nd, 2)])), 2), {}, "a higher rank")
        yield Sample((T(v(*shape), "strided"), 1), {}, "strided view")
        yield Sample((T(v(*shape)), 3), {}, "not divisible: refused")
        yield Sample((T(v(*(3,) * (nd - 1))) if nd > 1 else T(v()), 1), {}, "too few dims: refused")

    return fn


def _unbind(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)),), {}, "dim 0")
    yield Sample((T(v(2, 3, 2)),), {"dim": -1}, "negative dim")
    yield Sample((T(v(0, 3)),), {}, "zero-size dim: no outputs")
    yield Sample((_sv(v), 1), {}, "strided view")
    yield Sample((_ev(v), 1), {}, "expanded view")
    yield Sample((T(v(3, 0)),), {}, "zero-size other dim")
    yield Sample((T(v(2, 3)),), {"axis": 1}, "axis= (NumPy's name for dim=)")
    yield Sample((T(v()),), {}, "0-d: refused")


# -- flip, roll, rot90 --------------------------------------------------------------------------------------------


def _flip(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), (0,)), {}, "dim 0")
    yield Sample((T(v(2, 3, 2)), [0, -1]), {}, "two dims, one negative, a list")
    yield Sample((T(v()), (0,)), {}, "0-d")
    yield Sample((_sv(v), (1,)), {}, "strided view")
    yield Sample((_ev(v), (0, 1)), {}, "expanded view")
    yield Sample((T(v(2, 3)), ()), {}, "no dims: a copy")
    yield Sample((T(v(0, 3)), (0, 1)), {}, "zero-size")
    yield Sample((T(_edges(dtype)), (0, 1)), {}, "edge values", grad=False)


def _flip_lr_ud(nd: int) -> Callable[[V, str], Iterator[Sample]]:
    def fn(v: V, dtype: str) -> Iterator[Sample]:
        yield Sample((T(v(2, 3)),), {}, "2-d")
        yield Sample((T(v(2, 3, 2)),), {}, "3-d")
        yield Sample((T(v(0, 3)),), {}, "zero-size")
        yield Sample((_sv(v),), {}, "strided view")
        yield Sample((_ev(v),), {}, "expanded view")
        if nd == 1:
            yield Sample((T(v(4)),), {}, "1-d")
        yield Sample((T(v(*(3,) * (nd - 1))),), {}, "too few dims: refused")
        yield Sample((T(_edges(dtype)),), {}, "edge values", grad=False)

    return fn


def _roll(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), 1), {}, "flattened")
    yield Sample((T(v(2, 3)), (1, -4), (0, -1)), {}, "two dims, a negative shift past the size")
    yield Sample((T(v()), 1), {}, "0-d")
    yield Sample((_sv(v), 2, 1), {}, "strided view")
    yield Sample((_ev(v), 1), {}, "expanded view, flattened")
    yield Sample((T(v(2, 3)), (1, 1), (0, 0)), {}, "one dim twice")
    yield Sample((T(v()), 1, 0), {}, "0-d with a dim: refused")
    yield Sample((T(v(0, 3)), 1, 0), {}, "zero-size")
    yield Sample((T(v(3, 4)), (1, 2), 0), {}, "mismatched shifts and dims")
    yield Sample((T(v(3, 4)), 1, 2), {}, "dim out of range")
    yield Sample((T(_edges(dtype)), (1, 2), (0, 1)), {}, "edge values", grad=False)


def _rot90(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)),), {}, "k=1")
    yield Sample((T(v(2, 3, 2)), -1, (-1, 0)), {}, "k=-1, negative dims")
    yield Sample((T(v(0, 3)), 2), {}, "zero-size, k=2")
    yield Sample((_sv(v), 3), {}, "strided view, k=3")
    yield Sample((_ev(v), 1), {}, "expanded view")
    yield Sample((T(v(2, 3)), 4), {}, "k=4: a copy")
    yield Sample((T(v(2, 3, 2)), 5, [2, 0]), {}, "other dims, k=5")
    yield Sample((T(_edges(dtype)), 1), {}, "edge values", grad=False)


# -- repetition: tile, repeat_interleave --------------------------------------------------------------------------


def _tile(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), (2, 1)), {}, "2-d")
    yield Sample((T(v(3)), (2, 1, 2)), {}, "more reps than dims")
    yield Sample((T(v()), (3,)), {}, "0-d")
    yield Sample((_sv(v), (2,)), {}, "strided view, fewer reps than dims")
    yield Sample((_ev(v), (1, 2)), {}, "expanded view")
    yield Sample((T(v(2, 3)), (0, 1)), {}, "a zero rep")
    yield Sample((T(v(0, 2)), (2, 2)), {}, "zero-size")
    yield Sample((T(v(3)), (-1,)), {}, "a negative rep: refused")
    yield Sample((T(_edges(dtype)), (2,)), {}, "edge values", grad=False)


def _repeat_interleave(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), 2), {}, "flattened")
    yield Sample((T(v(2, 3)), T(np.array([1, 0, 2]), dtype="int64")), {"dim": 1}, "a count per element")
    yield Sample((T(v()), 3), {}, "0-d")
    yield Sample((_sv(v), 2, 1), {}, "strided view")
    yield Sample((_ev(v), 2, -2), {}, "expanded view, negative dim")
    yield Sample((T(v(2, 3)), T(np.array(2), dtype="int64")), {"dim": 0}, "a 0-d count")
    yield Sample((T(v(2, 3)), 2), {"dim": 0, "output_size": 4}, "output_size given")
    yield Sample((T(v(0, 3)), 2, 0), {}, "zero-size")
    yield Sample((T(v(2, 3)), 0, 1), {}, "zero repeats")
    yield Sample((T(v(2, 3)), 2), {"axis": 1}, "axis= (NumPy's name for dim=)")
    yield Sample((T(v(2, 3)), T(np.array([1, 2]), dtype="int64")), {"dim": 1}, "counts of the wrong length")
    yield Sample((T(_edges(dtype)), 2, 1), {}, "edge values", grad=False)


def _repeat_counts(v: V, dtype: str) -> Iterator[Sample]:
    # the one-argument form: repeat_interleave(counts) gives each index its count of times
    if dtype in ("int64", "int32"):
        yield Sample((T(np.array([1, 0, 3, 2])),), {}, "counts only")
        yield Sample((T(np.array([], dtype=np.int64)),), {}, "counts only, empty")


# -- triangles and diagonals --------------------------------------------------------------------------------------


def _triangle(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3, 3)),), {}, "square")
    yield Sample((T(v(2, 3, 2)), -1), {}, "batched, tall, diagonal=-1")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((_sv(v), 1), {}, "strided view, wide, diagonal=1")
    yield Sample((T(v(1, 3), "strided"),), {"diagonal": 2}, "strided row")
    # NOTE: no expanded view: PyTorch's tril_/triu_ write through its overlapping memory unchecked (an
    # undefined result), where ember refuses as PyTorch's pointwise in-place ops do
    yield Sample((T(v(3, 4)), 10), {}, "diagonal past the corner")
    yield Sample((T(v(3, 4)), -10), {}, "diagonal past the other corner")
    yield Sample((T(v(3)),), {}, "1-d: refused")
    yield Sample((T(_edges(dtype, (4, 4))),), {}, "edge values", grad=False)


def _diag(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3)),), {}, "1-d to a matrix")
    yield Sample((T(v(2, 3)), 1), {}, "2-d to its diagonal, above")
    yield Sample((T(v(0)),), {}, "zero-size 1-d")
    yield Sample((_sv(v),), {"diagonal": -1}, "strided view, below")
    yield Sample((T(v(1), "expanded", (3,)),), {"diagonal": 2}, "expanded view, above")
    yield Sample((T(v(3)), -1), {}, "1-d, below")
    yield Sample((T(v(3, 4)),), {"diagonal": -5}, "2-d, past the corner: empty")
    yield Sample((T(v(0, 3)),), {}, "zero-size 2-d")
    yield Sample((T(v()),), {}, "0-d: refused")
    yield Sample((T(_edges(dtype, (9,))),), {}, "edge values", grad=False)


def _diag_embed(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3)),), {}, "1-d")
    yield Sample((T(v(2, 3)), 1, -1, 0), {}, "batched, above, dims reversed")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((_sv(v),), {"offset": -2}, "strided view, below")
    yield Sample((_ev(v),), {"dim1": 0, "dim2": 2}, "expanded view, other dims")
    yield Sample((T(v(2, 3)),), {"dim1": 1, "dim2": 1}, "same dims: refused")
    yield Sample((T(_edges(dtype, (9,))),), {}, "edge values", grad=False)


def _diagflat(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3)),), {}, "1-d")
    yield Sample((T(v(2, 2)), -1), {}, "2-d is flattened, below")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((_sv(v),), {"offset": 1}, "strided view, above")
    yield Sample((_ev(v),), {}, "expanded view")
    yield Sample((T(v(0)),), {}, "zero-size")
    yield Sample((T(_edges(dtype, (9,))),), {}, "edge values", grad=False)


def _vander(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3)),), {}, "square")
    yield Sample((T(v(3)), 2, True), {}, "increasing")
    yield Sample((T(v(0)),), {"N": 2}, "zero-size")
    yield Sample((T(v(3), "strided"),), {"N": 4}, "strided view, N=4")
    yield Sample((T(v(1), "expanded", (3,)),), {}, "expanded view")
    yield Sample((T(v(3)),), {"N": 0}, "N=0")
    yield Sample((T(v(3)),), {"N": 1}, "N=1")
    yield Sample((T(v(2, 2)),), {}, "2-d: refused")
    if _floating(dtype):
        yield Sample((T(np.array([np.nan, np.inf, -0.0, -1e30])),), {}, "edge values", grad=False)


def _tri_indices(v: V, dtype: str) -> Iterator[Sample]:
    kw = {"dtype": DType(dtype), "device": Device()}
    yield Sample((3, 3), kw, "square")
    yield Sample((3, 5, 1), kw, "wide, offset 1")
    yield Sample((5, 3, -2), kw, "tall, offset -2")
    yield Sample((0, 3), kw, "no rows")
    yield Sample((4, 0), kw, "no columns")
    yield Sample((3, 4, 10), kw, "offset past the corner")
    yield Sample((3, 4, -10), kw, "offset past the other corner")


# -- scatter into a view: diagonal_scatter, select_scatter, slice_scatter, as_strided ---------------------------


def _diagonal_scatter(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), T(v(2))), {}, "main diagonal")
    yield Sample((T(v(2, 3, 2)), T(v(3, 2))), {"offset": 0, "dim1": -1, "dim2": 0}, "3-d, negative dims")
    yield Sample((T(v(2, 3)), T(v(0))), {"offset": 4}, "empty diagonal")
    yield Sample((_sv(v), T(v(2), "strided"), 1), {}, "strided views, above")
    yield Sample((_ev(v), T(v(1), "expanded", (1,))), {"offset": -1}, "expanded views, below")
    yield Sample((T(v(3, 4)), T(v(4))), {}, "src of the wrong size")


def _select_scatter(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), T(v(3)), 0, 1), {}, "a row")
    yield Sample((T(v(2, 3)), T(v(2)), -1, -1), {}, "negative dim and index")
    yield Sample((T(v(3)), T(v()), 0, 2), {}, "1-d: a 0-d src")
    yield Sample((_sv(v), T(v(2), "strided"), 1, 2), {}, "strided views")
    yield Sample((_ev(v), T(v(1), "expanded", (2,)), 1, 0), {}, "expanded views")
    yield Sample((T(v(0, 3)), T(v(0)), 1, 0), {}, "zero-size")
    yield Sample((T(v(3, 4)), T(v(4)), 0, 3), {}, "index out of range")
    yield Sample((T(v(3, 4)), T(v(3)), 0, 0), {}, "src of the wrong size")


def _slice_scatter(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(3, 2)), T(v(1, 2))), {"start": 1, "end": 2}, "row 1")
    yield Sample((T(v(2, 3)), T(v(2, 2))), {"dim": 1, "step": 2}, "every other column")
    yield Sample((T(v(3, 2)), T(v(0, 2)), 0, 5, 9), {}, "past the end: empty")
    yield Sample((_sv(v), T(v(2, 1), "strided")), {"dim": 1, "start": -1}, "strided views, negative start")
    yield Sample((_ev(v), T(v(1, 3), "expanded", (1, 3))), {"start": 1}, "expanded views")
    yield Sample((T(v(4, 3)), T(v(4, 3))), {}, "everything")
    yield Sample((T(v(4, 3)), T(v(1, 3)), 0, None, None, 4), {}, "step past the size")
    yield Sample((T(v(4, 3)), T(v(2, 3))), {}, "src of the wrong size")


def _as_strided(v: V, dtype: str) -> Iterator[Sample]:
    # contiguous inputs only: PyTorch's as_strided addresses storage, ember the row-major values
    yield Sample((T(v(2, 3)), (2, 2), (1, 2)), {}, "overlapping windows")
    yield Sample((T(v(2, 3)), (3, 2), (1, 3)), {}, "a transpose")
    yield Sample((T(v(2, 3)), (), (), 5), {}, "0-d, storage offset")
    yield Sample((T(v(2, 3)), (0, 3), (1, 1)), {}, "zero-size")
    yield Sample((T(v(6)), (3, 2), (0, 1), 1), {}, "a zero stride, storage offset")
    yield Sample((T(v(3, 4)), (4, 4), (4, 1)), {}, "past the storage: refused")


def _as_strided_scatter(v: V, dtype: str) -> Iterator[Sample]:
    yield Sample((T(v(2, 3)), T(v(2, 2))), {"size": (2, 2), "stride": (3, 2)}, "a strided block")
    yield Sample((T(v(2, 3)), T(v(2, 2)), (2, 2), (1, 2), 1), {}, "storage offset")
    yield Sample((T(v(2, 3)), T(v(0, 2)), (0, 2), (1, 1)), {}, "zero-size")
    yield Sample((T(v(6)), T(v(3, 2)), (3, 2), (1, 3)), {}, "a transpose")
    yield Sample((T(v(3, 4)), T(v(2, 2)), (2, 3), (1, 1)), {}, "src of the wrong size")


# -- Hypothesis strategies ----------------------------------------------------------------------------------------


def _hyp_array(draw: Any, dtype: str, min_dims: int = 0, min_side: int = 0, sides: Any = None) -> np.ndarray:
    """A tensor of at most 4 dims of at most 5 elements each (or of ``sides``, a strategy), with the float edges
    mixed in."""
    from hypothesis import strategies as st

    side = st.integers(min_side, 5) if sides is None else sides
    shape = tuple(draw(st.lists(side, min_size=min_dims, max_size=4)))
    n = int(np.prod(shape))
    if dtype == "bool":
        elems: Any = st.booleans()
    elif dtype in INTS:
        elems = st.integers(0 if dtype == "uint8" else -100, 100)
    else:
        elems = st.one_of(st.floats(-10, 10), st.sampled_from(FLOAT_EDGES))
    flat = draw(st.lists(elems, min_size=n, max_size=n))
    kind = bool if dtype == "bool" else (np.int64 if dtype in INTS else np.float64)
    return np.array(flat, dtype=kind).reshape(shape)


def _hyp_dim(draw: Any, nd: int) -> int:
    from hypothesis import strategies as st

    n = max(nd, 1)
    return int(draw(st.integers(-n, n - 1)))


def _hyp_reshape(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype)
    # a new shape of the same size: the sizes in another order, one of them maybe inferred as -1
    new = list(draw(st.permutations(list(x.shape))))
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return Sample((T(x), tuple(new)), {}, "hypothesis")


def _hyp_cat(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype, min_dims=1)
    d = _hyp_dim(draw, x.ndim)
    shape = list(x.shape)
    shape[d] = draw(st.integers(0, 3))
    y = values(np.random.default_rng(draw(st.integers(0, 99))), tuple(shape), dtype)
    return Sample(([T(x), T(y)], d), {}, "hypothesis")


def _hyp_stack(draw: Any, dtype: str) -> Sample:
    x = _hyp_array(draw, dtype)
    return Sample(([T(x), T(x[::-1] if x.ndim else x)], _hyp_dim(draw, x.ndim + 1)), {}, "hypothesis")


def _hyp_flip(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype)
    dims = draw(st.lists(st.integers(0, max(x.ndim - 1, 0)), unique=True, max_size=x.ndim))
    return Sample((T(x), tuple(dims)), {}, "hypothesis")


def _hyp_roll(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype)
    if x.ndim == 0 or draw(st.booleans()):
        return Sample((T(x), draw(st.integers(-7, 7))), {}, "hypothesis, flattened")
    dims = tuple(draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=3)))
    shifts = tuple(draw(st.lists(st.integers(-7, 7), min_size=len(dims), max_size=len(dims))))
    return Sample((T(x), shifts, dims), {}, "hypothesis")


def _hyp_permute(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype)
    return Sample((T(x), tuple(draw(st.permutations(list(range(x.ndim)))))), {}, "hypothesis")


def _hyp_squeeze(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype, sides=st.sampled_from([1, 1, 0, 2, 3]))  # mostly size-1 dims to squeeze
    if draw(st.booleans()):
        return Sample((T(x),), {}, "hypothesis, every dim")
    return Sample((T(x), _hyp_dim(draw, x.ndim)), {}, "hypothesis")


def _hyp_triangle(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype, min_dims=2)
    return Sample((T(x), draw(st.integers(-6, 6))), {}, "hypothesis")


def _hyp_split(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype, min_dims=1)
    d = _hyp_dim(draw, x.ndim)
    return Sample((T(x), draw(st.integers(1 if x.shape[d] else 0, 6)), d), {}, "hypothesis")


def _hyp_tensor_split(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    x = _hyp_array(draw, dtype, min_dims=1)
    d = _hyp_dim(draw, x.ndim)
    if draw(st.booleans()):
        return Sample((T(x), draw(st.integers(1, 6)), d), {}, "hypothesis, sections")
    return Sample((T(x), draw(st.lists(st.integers(-6, 6), max_size=3)), d), {}, "hypothesis, indices")


# -- error cases --------------------------------------------------------------------------------------------------


def _cat_errors(name: str) -> list[ErrorCase]:
    return [
        _err(([T(np.ones((2, 3))), T(np.ones((2, 4)))],), {}, RuntimeError,
             "Sizes of tensors must match except in dimension 0"),
        _err(([T(np.ones((2, 3))), T(np.ones(3))],), {}, RuntimeError, "Tensors must have same number of dimensions"),
        _err(([T(np.ones(())), T(np.ones(()))],), {}, RuntimeError,
             "zero-dimensional tensor (at position 0) cannot be concatenated"),
        _err(([],), {}, ValueError, f"torch.{name}(): expected a non-empty list of Tensors"),
        _err(([T(np.ones((2, 3))), T(np.ones((2, 3)))], 2), {}, IndexError, _DIM),
    ]


_SHAPE_ERRORS = [
    _err((_M, (4, 2)), {}, RuntimeError, "shape '[4, 2]' is invalid for input of size 6"),
    _err((_M, (-1, -1)), {}, RuntimeError, "only one dimension can be inferred"),
    _err((_M, (-2, 3)), {}, RuntimeError, "invalid shape dimension -2"),
    _err((T(np.ones((0, 3))), (-1, 0)), {}, RuntimeError, "because the unspecified dimension size -1 can be any value"),
]

_SPLIT_ERRORS = [
    _err((_M, -1), {}, RuntimeError, "split expects split_size be non-negative, but got split_size=-1"),
    _err((_M, 1, 2), {}, IndexError, _DIM),
]

_DIR_ERRORS = {
    "hsplit": [_err((T(np.ones(6)), 4), {}, RuntimeError, "torch.hsplit attempted to split along dimension 0, but "
                    "the size of the dimension 6 is not divisible by the split_size 4!"),
               _err((T(np.ones(())), 1), {}, RuntimeError, "torch.hsplit requires a tensor with at least 1 dimension")],
    "vsplit": [_err((_M, 4), {}, RuntimeError, "torch.vsplit attempted to split along dimension 0"),
               _err((T(np.ones(3)), 1), {}, RuntimeError, "torch.vsplit requires a tensor with at least 2 dimension")],
    "dsplit": [_err((_M, 1), {}, RuntimeError, "torch.dsplit requires a tensor with at least 3 dimension")],
}


# -- the entries --------------------------------------------------------------------------------------------------


def _op(name: str, fn: Callable[[V, str], Iterator[Sample]], dtypes: tuple[str, ...] = ALLH, *,
        method: bool | str = True, out: bool = False, **kw: Any) -> OpInfo:
    meth = name if method is True else (method or None)
    return OpInfo(name, _gen(fn), dtypes=dtypes, method=meth, supports_out=out, **kw)


def _with(*fns: Callable[[V, str], Iterator[Sample]]) -> Callable[[V, str], Iterator[Sample]]:
    """The samples of several ``fn(v, dtype)`` generators, one after another."""

    def gen(v: V, dtype: str) -> Iterator[Sample]:
        for fn in fns:
            yield from fn(v, dtype)

    return gen


_NO_RESTRIDE = ("ember tensors have no storage to re-stride in place: as_strided_ raises by design "
                "(core/ops/index_extra.py); as_strided, a differentiable gather, is tested")
#: the backends the op database runs on, for gaps that hold on each of them (a fault of PyTorch, the oracle)
_BACKENDS = ("numpy", "jax", "cupy", "array_api_strict")


def _everywhere(kind: str, reason: str) -> dict[str, str]:
    return {f"{b}:{kind}": reason for b in _BACKENDS}


OPS: list[OpInfo] = [
    # reshaping
    _op("reshape", _reshape, hypothesis=_hyp_reshape, errors=_SHAPE_ERRORS),
    _op("flatten", _flatten, errors=[
        _err((T(np.ones((2, 3, 4))), 2, 1), {}, RuntimeError, "flatten() has invalid args: start_dim cannot come "
             "after end_dim"), _dim_error(3)]),
    _op("unflatten", _unflatten, errors=[
        _err((T(np.ones((3, 4))), 1, (3, 2)), {}, RuntimeError, "unflatten: Provided sizes [3, 2] don't multiply up "
             "to the size of dim 1 (4) in the input tensor"),
        _err((T(np.ones((3, 4))), 1, ()), {}, RuntimeError, "unflatten: sizes must be non-empty"),
        _dim_error(2, (1, 3))]),
    _op("ravel", _ravel),
    _op("squeeze", _squeeze, inplace="squeeze_", hypothesis=_hyp_squeeze, errors=[
        _err((T(np.ones((1, 3))), 10), {}, IndexError, "Dimension out of range (expected to be in range of [-2, 1], "
             "but got 10)"),
        _err((T(np.ones((1, 3))), (0, 0)), {}, RuntimeError, "dim 0 appears multiple times in the list of dims")]),
    _op("unsqueeze", _unsqueeze, inplace="unsqueeze_", errors=[
        _dim_error(3), _err((T(np.ones(())), -2), {}, IndexError, _DIM)]),
    # permutations
    _op("transpose", _transpose, inplace="transpose_", aliases=("swapaxes", "swapdims"),
        errors=[_dim_error(0, 2), _dim_error(-3, 0)]),
    _op("permute", _permute, hypothesis=_hyp_permute, errors=[
        _err((_M, (0,)), {}, RuntimeError, "number of dimensions in the tensor input does not match the length of "
             "the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1"),
        _err((_M, (0, 0)), {}, RuntimeError, "permute(): duplicate dims are not allowed."),
        _dim_error((0, 2))]),
    _op("movedim", _movedim, aliases=("moveaxis",), errors=[
        _err((_M, (0, 1), (0,)), {}, RuntimeError, "movedim: Invalid source or destination dims: source ([0, 1] dims) "
             "should contain the same number of dims as destination ([0] dims)"),
        _err((_M, (0, 0), (0, 1)), {}, RuntimeError, "movedim: repeated dim in `source` ([0, 0])"),
        _err((_M, (0, 1), (1, 1)), {}, RuntimeError, "movedim: repeated dim in `destination` ([1, 1])"),
        _dim_error(2, 0)]),
    _op("t", _t, inplace="t_", errors=[
        _err((T(np.ones((2, 3, 4))),), {}, RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D")]),
    _op("adjoint", _adjoint, errors=[
        _err((T(np.ones(3)),), {}, RuntimeError, "tensor.adjoint() is only supported on matrices or batches of "
             "matrices. Got 1-D tensor.")]),
    # slicing views
    _op("narrow", _narrow, errors=[
        _err((_M, 1, 2, 2), {}, RuntimeError, "start (2) + length (2) exceeds dimension size (3)."),
        _err((_M, 1, 0, -1), {}, RuntimeError, "narrow(): length must be non-negative."),
        _err((T(np.ones(())), 0, 0, 1), {}, RuntimeError, "narrow() cannot be applied to a 0-dim tensor."),
        _dim_error(2, 0, 1)]),
    _op("select", _select, errors=[
        _err((_M, 1, 3), {}, IndexError, "select(): index 3 out of range for tensor of size [2, 3] at dimension 1"),
        _err((T(np.ones(())), 0, 0), {}, IndexError, "select() cannot be applied to a 0-dim tensor."),
        _dim_error(2, 0)]),
    _op("diagonal", _diagonal, errors=[
        _err((_M, 0, 0, 0), {}, RuntimeError, "diagonal dimensions cannot be identical 0, 0"),
        _dim_error(0, 0, 2)]),
    # broadcasting
    _op("broadcast_to", _broadcast_to, errors=[
        _err((T(np.ones((3, 2))), (3, 4)), {}, RuntimeError, "The expanded size of the tensor (4) must match the "
             "existing size (2) at non-singleton dimension 1.  Target sizes: [3, 4].  Tensor sizes: [3, 2]"),
        _err((_M, (3,)), {}, RuntimeError, "the number of sizes provided (1) must be greater or equal to the number "
             "of dimensions in the tensor (2)")]),
    _op("broadcast_tensors", _broadcast_tensors, method=False, errors=[
        _err((T(np.ones(3)), T(np.ones(4))), {}, RuntimeError, "The size of tensor a (3) must match the size of "
             "tensor b (4) at non-singleton dimension 0")]),
    _op("broadcast_shapes", _broadcast_shapes, ("float32",), method=False, grad=False, errors=[
        _err(((3,), (4,)), {}, RuntimeError, "Attempting to broadcast a dimension of length 4 at -1! Mismatching "
             "argument at index 1 had (4,); but expected shape should be broadcastable to [3]"),
        _err(((-1,),), {}, ValueError, "Attempting to broadcast a dimension with negative length!")]),
    _op("atleast_1d", _atleast, method=False),
    _op("atleast_2d", _atleast, method=False),
    _op("atleast_3d", _atleast, method=False),
    _op("meshgrid", _meshgrid, method=False, errors=[
        _err((T(np.ones(2)), T(np.ones(2), dtype="int64")), {"indexing": "ij"}, RuntimeError,
             "meshgrid expects all tensors to have the same dtype"),
        _err((T(np.ones(2)),), {"indexing": "yx"}, RuntimeError,
             "torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: yx"),
        _err((T(np.ones((2, 2))),), {"indexing": "ij"}, RuntimeError, "Expected 0D or 1D tensor in the tensor list")]),
    # assembly
    _op("cat", _cat, method=False, out=True, aliases=("concat", "concatenate"), hypothesis=_hyp_cat,
        errors=_cat_errors("cat")),
    _op("stack", _stack, method=False, out=True, hypothesis=_hyp_stack, errors=[
        _err(([T(np.ones((2, 3))), T(np.ones((3, 2)))],), {}, RuntimeError, "stack expects each tensor to be equal "
             "size, but got [2, 3] at entry 0 and [3, 2] at entry 1"),
        _err(([],), {}, RuntimeError, "stack expects a non-empty TensorList"),
        _err(([_M, _M], 3), {}, IndexError, _DIM)]),
    _op("hstack", _hstack, method=False, out=True, errors=[
        _err(([],), {}, RuntimeError, "hstack expects a non-empty TensorList")]),
    _op("vstack", _vstack, method=False, out=True, aliases=("row_stack",), errors=[
        _err(([],), {}, RuntimeError, "vstack expects a non-empty TensorList")]),
    _op("dstack", _dstack, method=False, out=True, errors=[
        _err(([],), {}, RuntimeError, "dstack expects a non-empty TensorList")]),
    _op("column_stack", _column_stack, method=False, out=True, errors=[
        _err(([],), {}, RuntimeError, "column_stack expects a non-empty TensorList")]),
    _op("block_diag", _block_diag, method=False, errors=[
        _err((T(np.ones((2, 2, 2))),), {}, RuntimeError, "torch.block_diag: Input tensors must have 2 or fewer "
             "dimensions. Input 0 has 3 dimensions")]),
    _op("cartesian_prod", _cartesian_prod, method=False, errors=[
        _err((_M, T(np.ones(2))), {}, RuntimeError, "Expect a 1D vector, but got shape [2, 3]")]),
    _op("combinations", _combinations, method=False, errors=[
        _err((T(np.ones(3)),), {"r": -1}, RuntimeError, "Expect a non-negative number, but got -1"),
        _err((_M,), {}, RuntimeError, "Expect a 1D vector, but got shape [2, 3]")]),
    _op("kron", _kron, out=True),
    # splitting
    _op("split", _with(_split, _split_list), hypothesis=_hyp_split, errors=[
        *_SPLIT_ERRORS,
        _err((_M, [1, 2]), {}, RuntimeError, "split_with_sizes expects split_sizes to sum exactly to 2")]),
    _op("unsafe_split", _split, errors=_SPLIT_ERRORS),
    _op("split_with_sizes", _split_list, aliases=("unsafe_split_with_sizes",), errors=[
        _err((_M, [1, 2]), {}, RuntimeError, "split_with_sizes expects split_sizes to sum exactly to 2 (input "
             "tensor's size at dimension 0), but got split_sizes=[1, 2]"),
        _err((_M, [3, -1], 1), {}, RuntimeError, "split_with_sizes expects split_sizes have only non-negative "
             "entries, but got split_sizes=[3, -1]")]),
    _op("chunk", _chunk, aliases=("unsafe_chunk",), errors=[
        _err((_M, 0), {}, RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
        _err((T(np.ones(())), 1), {}, RuntimeError, "chunk expects at least a 1-dimensional tensor"),
        _dim_error(1, 2)]),
    _op("tensor_split", _tensor_split, hypothesis=_hyp_tensor_split, errors=[
        _err((_M, 0), {}, RuntimeError, "number of sections must be larger than 0, got 0"),
        _err((T(np.ones(())), 1), {}, RuntimeError, "tensor_split expected at least a 1-dimensional tensor, but got a "
             "tensor with 0 dims"),
        _dim_error(2, 2)]),
    _op("hsplit", _dir_split(1), errors=_DIR_ERRORS["hsplit"]),
    _op("vsplit", _dir_split(2), errors=_DIR_ERRORS["vsplit"]),
    _op("dsplit", _dir_split(3), errors=_DIR_ERRORS["dsplit"]),
    _op("unbind", _unbind, errors=[
        _err((T(np.ones(())),), {}, IndexError, "Dimension specified as 0 but tensor has no dimensions"),
        _dim_error(2)]),
    # reordering copies
    _op("flip", _flip, hypothesis=_hyp_flip, errors=[
        _err((_M, (0, 0)), {}, RuntimeError, "dim 0 appears multiple times in the list of dims"),
        _dim_error((2,))]),
    _op("fliplr", _flip_lr_ud(2), errors=[
        _err((T(np.ones(3)),), {}, RuntimeError, "Input must be >= 2-d.")]),
    _op("flipud", _flip_lr_ud(1), errors=[
        _err((T(np.ones(())),), {}, RuntimeError, "Input must be >= 1-d.")]),
    _op("roll", _roll, hypothesis=_hyp_roll, errors=[
        _err((_M, (1, 2), 0), {}, RuntimeError, "shifts and dimensions must align. shifts: 2, dims:1"),
        _err((_M, (1, 2)), {}, RuntimeError, "shifts and dimensions must align. shifts: 2, dims:0"),
        _dim_error(1, 2)]),
    _op("rot90", _rot90, errors=[
        _err((_M, 1, (0,)), {}, RuntimeError, "expected total rotation dims == 2, but got dims = 1"),
        _err((T(np.ones(3)),), {}, RuntimeError, "expected total dims >= 2, but got total dims = 1"),
        _err((_M, 1, (0, -2)), {}, RuntimeError, "expected rotation dims to be different, but got dim0 = 0 and "
             "dim1 = -2"),
        _err((_M, 1, (0, 2)), {}, IndexError, _DIM)]),
    _op("tile", _tile, errors=[
        _err((T(np.ones(3)), (-1,)), {}, RuntimeError, "Trying to create tensor with negative dimension -3: [-3]")]),
    _op("repeat_interleave", _with(_repeat_interleave, _repeat_counts), errors=[
        _err((_M, -1), {}, RuntimeError, "Repeats must be non-negative"),
        _err((_M, T(np.array([1, -1, 1]), dtype="int64"), 1), {}, RuntimeError, "repeats can not be negative"),
        _err((_M, T(np.array([[1]]), dtype="int64"), 1), {}, RuntimeError, "repeats must be 0-dim or 1-dim tensor"),
        _err((_M, T(np.array([1, 2]), dtype="int64"), 1), {}, RuntimeError,
             "repeats must have the same size as input along dim, but got repeats.size(0) = 2 and input.size(1) = 3"),
        _dim_error(1, 2)]),
    # triangles and diagonals
    _op("tril", _triangle, inplace="tril_", out=True, hypothesis=_hyp_triangle, errors=[
        _err((T(np.ones(3)),), {}, RuntimeError, "tril: input tensor must have at least 2 dimensions")]),
    _op("triu", _triangle, inplace="triu_", out=True, hypothesis=_hyp_triangle, errors=[
        _err((T(np.ones(3)),), {}, RuntimeError, "triu: input tensor must have at least 2 dimensions")]),
    _op("diag", _diag, out=True, errors=[
        _err((T(np.ones((2, 2, 2))),), {}, RuntimeError, "diag(): Supports 1D or 2D tensors. Got 3D"),
        _err((T(np.ones(())),), {}, RuntimeError, "diag(): Supports 1D or 2D tensors. Got 0D")]),
    _op("diag_embed", _diag_embed, errors=[
        _err((_M,), {"dim1": 1, "dim2": 1}, RuntimeError, "diagonal dimensions cannot be identical 1, 1"),
        _err((_M,), {"dim1": 3}, IndexError, _DIM)]),
    _op("diagflat", _diagflat),
    _op("vander", _vander, method=False, gaps=_everywhere(
        "grad", "PyTorch's own vander backward fails ('modified by an inplace operation': its cumprod writes a view "
        "of the result), so there is no reference gradient; ember's is checked by gradcheck"), errors=[
        _err((_M,), {}, RuntimeError, "x must be a one-dimensional tensor."),
        _err((T(np.ones(3)),), {"N": -1}, RuntimeError, "N must be non-negative.")]),
    _op("tril_indices", _tri_indices, ("int64", "int32"), method=False, grad=False),
    _op("triu_indices", _tri_indices, ("int64", "int32"), method=False, grad=False),
    # scattering into views
    _op("diagonal_scatter", _diagonal_scatter, errors=[
        _err((_M, T(np.ones(3))), {}, RuntimeError, "expected src to have a size equal to the slice of self. src size "
             "= [3], slice size = [2]")]),
    _op("select_scatter", _select_scatter, errors=[
        _err((_M, T(np.ones(2)), 0, 0), {}, RuntimeError, "expected src to have a size equal to the slice of self. "
             "src size = [2], slice size = [3]"),
        _err((_M, T(np.ones(3)), 0, 2), {}, IndexError, "select(): index 2 out of range for tensor of size [2, 3] at "
             "dimension 0")]),
    _op("slice_scatter", _slice_scatter, out=True, errors=[
        _err((_M, T(np.ones((1, 3)))), {}, RuntimeError, "expected src to have a size equal to the slice of self. src "
             "size = [1, 3], slice size = [2, 3]"),
        _err((_M, T(np.ones((2, 3)))), {"step": 0}, RuntimeError, "slice step must be positive")]),
    _op("as_strided", _as_strided, inplace="as_strided_", aliases=("as_strided_",), gaps={
        **_everywhere("inplace", _NO_RESTRIDE), **_everywhere("alias:as_strided_", _NO_RESTRIDE)}, errors=[
        _err((_M, (2, 2), (5, 1)), {}, RuntimeError, "setStorage: sizes [2, 2], strides [5, 1], storage offset 0, "
             "and itemsize 4 requiring a storage size of 28 are out of bounds for storage of size 24"),
        _err((_M, (2, 2), (1,)), {}, RuntimeError, "mismatch in length of strides and shape")]),
    _op("as_strided_scatter", _as_strided_scatter, gaps=_everywhere(
        "grad", "PyTorch's own gradient of input is wrong (torch.autograd.gradcheck fails on torch 2.13: it passes "
        "the gradient at the overwritten positions and drops it elsewhere); ember's is checked by gradcheck"), errors=[
        _err((_M, T(np.ones((2, 2))), (2, 3), (1, 1)), {}, RuntimeError, "expected src to have a size equal to the "
             "slice of self. src size = [2, 2], slice size = [2, 3]")]),
]
