"""Pointwise ops of two or more tensors (or a tensor and a Python number), broadcast together: arithmetic
(``add``, ``div``, ``pow``, ...), comparisons, logical and bitwise ops, ``where``, ``clamp``, ``lerp``,
``addcmul``, ``isclose`` and the special functions of two arguments (``xlogy``, ``igamma``, ``polygamma``).

Most entries take the shared ``binary`` samples (broadcasting, 0-d, zero-size, strided and expanded views,
Python numbers, edge values against each other) plus the samples that matter for the op: rounding modes,
integer division by zero, negative integer powers, shifts past the bit width, NaN bounds, ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._core import BOOL, FLOAT_EDGES, FLOATS, HALF, INTS, ErrorCase, OpInfo, Sample, SampleFn, T, values
from .samples import binary, chain, edge_values

_FL = (*FLOATS, *HALF)  # floating dtypes (PyTorch's CPU kernels take the half types too)
_NUM = (*_FL, *INTS)  # every dtype but bool
_ALL = (*_FL, *INTS, *BOOL)
_EDGE = np.array(FLOAT_EDGES)


def _floating(dtype: str) -> bool:
    return dtype in _FL


def _int_division(gen: SampleFn, zeros: bool = False) -> SampleFn:
    """``gen``'s samples made safe for integer division: zeros in the divisor become 1 (integer division by zero
    raises for the whole call in PyTorch, so it gets a sample of its own instead), and the int32/int64 minimum
    in the dividend becomes min + 1 (PyTorch's CPU kernel dies of SIGFPE on ``INT_MIN // -1``); ``zeros``: keep
    the zero divisors (gcd and lcm take them)."""

    def out(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        for s in gen(dtype, rng):
            if dtype in INTS:
                lhs, rhs = s.args[0], s.args[1]
                if not zeros and isinstance(rhs, T):
                    data = np.asarray(rhs.data).copy()
                    data[data == 0] = 1
                    rhs = dataclasses.replace(rhs, data=data)
                elif not zeros and rhs == 0:
                    rhs = 1
                if dtype in ("int32", "int64") and isinstance(lhs, T):
                    data = np.asarray(lhs.data).copy()
                    lo = np.iinfo(dtype).min
                    data[data == lo] = lo + 1
                    lhs = dataclasses.replace(lhs, data=data)
                s = dataclasses.replace(s, args=(lhs, rhs, *s.args[2:]))
            yield s

    return out


# -- Hypothesis strategies ------------------------------------------------------------------------


def _hyp_shapes(draw: Any, n: int) -> list[tuple[int, ...]]:
    """``n`` shapes that broadcast together: a base shape (<= 4 dims, <= 5 per dim) and suffixes of it with
    some dims set to 1."""
    from hypothesis import strategies as st

    base = tuple(draw(st.lists(st.integers(0, 5), max_size=4)))
    shapes = [base]
    for _ in range(n - 1):
        k = draw(st.integers(0, len(base)))
        shapes.append(tuple(1 if draw(st.booleans()) else d for d in base[len(base) - k:]))
    order = draw(st.permutations(range(n)))
    return [shapes[i] for i in order]


def _hyp_array(draw: Any, shape: tuple[int, ...], dtype: str, low: float, high: float, edges: bool) -> np.ndarray:
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    if dtype == "bool":
        return draw(arrays(np.bool_, shape, elements=st.booleans()))  # type: ignore[no-any-return]
    if dtype in INTS:
        lo = max(int(low), 0) if dtype == "uint8" else int(low)
        return draw(arrays(np.int64, shape, elements=st.integers(lo, int(high))))  # type: ignore[no-any-return]
    # NOTE: no subnormals: XLA on the CPU flushes them to zero (a known gap of the jax backend, not of these ops)
    el = st.floats(low, high, allow_nan=False, allow_subnormal=False, width=32)
    if edges:
        el = el | st.sampled_from(FLOAT_EDGES)
    return draw(arrays(np.float64, shape, elements=el))  # type: ignore[no-any-return]


def _hyp(n: int = 2, low: float = -3.0, high: float = 3.0, edges: bool = True, nonzero_rhs: bool = False,
         **kwargs: Any) -> Callable[[Any, str], Sample]:
    """A strategy for a pointwise op of ``n`` broadcast tensors with values in ``[low, high]``."""

    def strat(draw: Any, dtype: str) -> Sample:
        arrs = [_hyp_array(draw, s, dtype, low, high, edges) for s in _hyp_shapes(draw, n)]
        if nonzero_rhs and dtype in INTS:
            arrs[1] = np.where(arrs[1] == 0, 1, arrs[1])
        return Sample(tuple(T(a) for a in arrs), dict(kwargs))

    return strat


def _hyp_where(draw: Any, dtype: str) -> Sample:
    """``where(cond, x, y)`` of three broadcast shapes."""
    from hypothesis import strategies as st

    sc, sx, sy = _hyp_shapes(draw, 3)
    cond = _hyp_array(draw, sc, "bool", 0, 1, False)
    x, y = _hyp_array(draw, sx, dtype, -3, 3, True), _hyp_array(draw, sy, dtype, -3, 3, True)
    return Sample((T(cond, dtype="bool"), T(x), draw(st.sampled_from([T(y), 0, 1.5]))))


def _hyp_clamp(one: str | None = None) -> Callable[[Any, str], Sample]:
    """``clamp`` (``one=None``) or ``clamp_min``/``clamp_max`` with number bounds (either clamp bound may be None)."""

    def strat(draw: Any, dtype: str) -> Sample:
        from hypothesis import strategies as st

        (shape,) = _hyp_shapes(draw, 1)
        x = T(_hyp_array(draw, shape, dtype, -5, 5, True))
        bound = st.integers(0, 3) if dtype in INTS or dtype == "bool" else st.floats(-4, 4, width=32)
        if dtype == "bool":
            bound = st.booleans()
        if one is not None:
            return Sample((x, draw(bound)))
        lo, hi = draw(st.none() | bound), draw(st.none() | bound)
        if lo is None and hi is None:
            lo = draw(bound)
        return Sample((x, lo, hi))

    return strat


def _hyp_polygamma(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    (shape,) = _hyp_shapes(draw, 1)
    return Sample((draw(st.integers(0, 3)), T(_hyp_array(draw, shape, dtype, 1, 6, False))))


def _hyp_mvlgamma(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    (shape,) = _hyp_shapes(draw, 1)
    p = draw(st.integers(1, 3))
    return Sample((T(_hyp_array(draw, shape, dtype, p, p + 5, False)), p))


# -- sample generators of particular ops ------------------------------------------------------------


def _v(rng: np.random.Generator, dtype: str, *shape: int, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    return values(rng, shape, dtype, low, high)


def _alpha(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    if dtype == "bool":
        yield Sample((T(_v(rng, dtype, 2, 3)), T(_v(rng, dtype, 3))), {"alpha": True}, "alpha=True")
        return
    yield Sample((T(_v(rng, dtype, 2, 3)), T(_v(rng, dtype, 3))), {"alpha": 2}, "alpha=2")
    yield Sample((T(_v(rng, dtype, 2, 3)), 3), {"alpha": -1}, "number other, alpha=-1")
    if _floating(dtype):
        yield Sample((T(_v(rng, dtype, 2, 3)), T(_v(rng, dtype, 2, 1))), {"alpha": 0.5}, "alpha=0.5")
        yield Sample((T(_EDGE), T(_EDGE[::-1].copy())), {"alpha": 0}, "alpha=0 with inf and NaN", grad=False)


def _div_modes(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    for mode in ("trunc", "floor"):
        if dtype in INTS:
            a = np.array([-7, 7, -7, 7, 0, 5])
            b = np.array([2, 2, -2, -2, 3, 1])
            if dtype == "uint8":
                a, b = np.abs(a), np.abs(b)
            yield Sample((T(a), T(b)), {"rounding_mode": mode}, f"{mode}: signs")
            yield Sample((T(a), T(np.where(b == 1, 0, b))), {"rounding_mode": mode}, f"{mode}: by zero")
            yield Sample((T(a), 2), {"rounding_mode": mode}, f"{mode}: by a number")
            yield Sample((7, T(b)), {"rounding_mode": mode}, f"{mode}: a number divided")
        elif dtype == "bool":
            yield Sample((T(np.array([True, False])), T(np.array([True, True]))), {"rounding_mode": mode}, mode)
        else:
            yield Sample((T(_v(rng, dtype, 3, 4)), T(_v(rng, dtype, 4, low=0.5))), {"rounding_mode": mode},
                         f"{mode}: broadcast", grad=False)
            yield Sample((T(_EDGE[:, None]), T(_EDGE[None, :])), {"rounding_mode": mode}, f"{mode}: edge grid",
                         grad=False)
            yield Sample((T(_v(rng, dtype, 2, 3)), 0.7), {"rounding_mode": mode}, f"{mode}: by a number", grad=False)
    yield Sample((T(_v(rng, dtype, 2)), T(_v(rng, dtype, 2))), {"rounding_mode": None}, "rounding_mode=None")


def _int_zero_div(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    if dtype in INTS:
        yield Sample((T(_v(rng, dtype, 2, 3)), T(np.array([1, 0, 2]))), {}, "integer division by a zero tensor")
        yield Sample((T(_v(rng, dtype, 2, 3)), 0), {}, "integer division by the number 0")
    elif _floating(dtype):
        yield Sample((T(np.array([1.0, -1.0, 0.0, np.inf])), 0.0), {}, "float division by 0.0", grad=False)
        yield Sample((T(np.array([5.5, -5.5, 5.5, -5.5])), T(np.array([2.0, 2.0, -2.0, -2.0]))), {},
                     "signs of dividend and divisor")
        yield Sample((T(np.array([1e30, -1e30, 3.0])), T(np.array([1e-30, 7.0, 1e30]))), {}, "large and small",
                     grad=False)


def _number_first(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """A Python number as the first argument (``torch.remainder(2, t)``)."""
    if dtype != "bool":
        # PyTorch has no derivative of remainder(number, tensor) for the tensor
        v = _v(rng, dtype, 2, 3)
        yield Sample((2, T(np.where(v == 0, 1, v))), {}, "Python number first", grad=False)


def _pow_extra(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    x = T(_v(rng, dtype, 2, 3, low=0.5 if _floating(dtype) else 0))
    for e in (0, 1, 2, 3, 0.5, -1, -2.5):
        if dtype in INTS and isinstance(e, int) and e < 0:
            continue  # an error case: "Integers to negative integer powers are not allowed."
        yield Sample((x, e), {}, f"exponent {e}")
    if _floating(dtype):
        for e in (0.5, -0.5, 2, 3, -1, -2, 1.5):
            yield Sample((T(_EDGE), e), {}, f"edge values to the power {e}", grad=False)
    yield Sample((2, T(_v(rng, dtype, 2, 3, low=0, high=5))), {}, "number base 2")
    yield Sample((2.5, T(_v(rng, dtype, 2, 3, low=0, high=5))), {}, "number base 2.5")
    if dtype in INTS:
        lo = 0 if dtype == "uint8" else -2
        base = np.array([[0], [1], [lo + 1], [2], [3], [-1 if lo < 0 else 4]])
        yield Sample((T(base), T(np.array([[-3, -2, -1, 0, 1, 2, 7]]) if lo < 0 else np.array([[0, 1, 2, 7]]))),
                     {}, "integer bases to integer exponents (negative ones give 0 or +-1)")
        yield Sample((T(np.array([2, 3, 5])), T(np.array([40, 63, 70]))), {}, "integer overflow wraps")
    elif _floating(dtype):
        yield Sample((T(np.array([0.0, -0.0, 0.0, -2.0, np.inf, -np.inf, np.nan, 1.0, 1.0])),
                      T(np.array([-1.0, -1.0, 0.0, 0.5, -1.0, 3.0, 0.0, np.nan, np.inf]))), {},
                     "zero to negative, negative to fraction, inf, NaN", grad=False)
        yield Sample((T(_v(rng, dtype, 3, 1, low=0.5)), T(_v(rng, dtype, 1, 4))), {}, "positive bases, broadcast")
        yield Sample((T(_v(rng, dtype, 2, 3, low=0.5)), T(np.array(2.0), dtype="float64")), {},
                     "0-d float64 exponent tensor (a weak operand)")


def _shift(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    bits = np.dtype(dtype).itemsize * 8
    a = edge_values(dtype)
    counts = np.array([0, 1, 3, bits - 1, bits, bits + 1, 100])
    yield Sample((T(a[:, None]), T(counts[None, :])), {}, "edge values shifted by 0 to past the bit width")
    if dtype != "uint8":
        yield Sample((T(np.array([5, -5, 8])), T(np.array([-1, -1, -3]))), {}, "negative shift counts")
    yield Sample((T(_v(rng, dtype, 2, 3, low=0)), 2), {}, "shift by a number")
    yield Sample((3, T(np.array([0, 1, 2]))), {}, "number shifted by a tensor")


def _where(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def c(*shape: int) -> T:
        return T(rng.random(shape) < 0.5, dtype="bool")

    def v(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None) -> T:
        return T(_v(rng, dtype, *shape), layout, full)

    yield Sample((c(3, 4), v(3, 4), v(3, 4)), {}, "same shape")
    yield Sample((c(3, 1), v(1, 4), v(4)), {}, "all three broadcast")
    yield Sample((c(), v(2, 3), v(2, 3)), {}, "0-d condition")
    yield Sample((c(2, 3), v(), v()), {}, "0-d branches")
    yield Sample((c(0, 3), v(0, 3), v(1, 3)), {}, "zero-size")
    yield Sample((T(rng.random((3, 5)) < 0.5, "strided", dtype="bool"), v(3, 5, layout="strided"), v(3, 5)), {},
                 "strided views")
    yield Sample((c(3, 4), v(3, 1, layout="expanded", full=(3, 4)), v(3, 4)), {}, "expanded view")
    yield Sample((c(2, 3), v(2, 3), 0), {}, "number other")
    yield Sample((c(2, 3), 1.5, v(2, 3)), {}, "float number input")
    yield Sample((c(2, 3), 1, 0), {}, "two int numbers")
    yield Sample((c(2, 3), 1.5, 0), {}, "float and int numbers")
    yield Sample((c(2, 3), True, False), {}, "two bools")
    e = edge_values(dtype)
    yield Sample((T(np.arange(e.size) % 2 == 0, dtype="bool"), T(e), T(e[::-1].copy())), {}, "edge values",
                 grad=False)
    if dtype != "float64":
        yield Sample((c(2, 3), v(2, 3), T(_v(rng, "float64", 2, 3), dtype="float64")), {}, "promotes to float64")


def _clamp(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None) -> T:
        return T(_v(rng, dtype, *shape, low=-5, high=5), layout, full)

    lo, hi = (0, 2) if dtype == "uint8" else (True, True) if dtype == "bool" else (-1, 2)
    yield Sample((v(3, 4), lo, hi), {}, "both bounds")
    yield Sample((v(3, 4),), {"min": lo}, "min only")
    yield Sample((v(3, 4),), {"max": hi}, "max only")
    yield Sample((v(3, 4), None, hi), {}, "min=None")
    yield Sample((v(), lo, hi), {}, "0-d")
    yield Sample((v(0, 3), lo, hi), {}, "zero-size")
    yield Sample((v(3, 5, layout="strided"), lo, hi), {}, "strided view")
    yield Sample((v(3, 1, layout="expanded", full=(3, 4)), lo, hi), {}, "expanded view")
    yield Sample((v(3, 4), hi, lo), {}, "min > max gives max", grad=False)
    yield Sample((v(3, 4), v(3, 4), v(4)), {}, "tensor bounds, broadcast")
    yield Sample((v(3, 4),), {"min": v(1, 4)}, "tensor min only")
    yield Sample((v(3, 4),), {"max": v()}, "0-d tensor max")
    yield Sample((v(3, 4), v(3, 1), 2), {}, "tensor min, number max")
    e = edge_values(dtype)
    yield Sample((T(e), lo, hi), {}, "edge values", grad=False)
    if dtype != "bool":
        yield Sample((v(2, 3), -0.5, 0.5), {}, "float bounds")
    if _floating(dtype):
        yield Sample((T(e), float("nan"), None), {}, "NaN min", grad=False)
        yield Sample((T(e), -np.inf, np.inf), {}, "infinite bounds", grad=False)
        yield Sample((T(e), T(e[::-1].copy()), None), {}, "edge-value tensor bounds", grad=False)
    if dtype in ("int8", "uint8"):
        yield Sample((v(2, 3), 0, 300), {}, "bound past the dtype's range")
    if dtype != "float64":
        yield Sample((v(2, 3), T(_v(rng, "float64", 2, 3), dtype="float64"), None), {}, "float64 tensor bound")


def _clamp_one() -> SampleFn:
    """Samples for ``clamp_min``/``clamp_max``: one bound, a number or a tensor."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None) -> T:
            return T(_v(rng, dtype, *shape), layout, full)

        b = 1 if dtype != "bool" else True
        yield Sample((v(3, 4), b), {}, "number bound")
        yield Sample((v(), b), {}, "0-d")
        yield Sample((v(0, 3), b), {}, "zero-size")
        yield Sample((v(3, 5, layout="strided"), b), {}, "strided view")
        yield Sample((v(3, 1, layout="expanded", full=(3, 4)), b), {}, "expanded view")
        yield Sample((v(3, 4), v(4)), {}, "tensor bound, broadcast")
        yield Sample((T(edge_values(dtype)), b), {}, "edge values", grad=False)
        if dtype != "bool":
            yield Sample((v(2, 3), 0.5), {}, "float bound")
        if _floating(dtype):
            yield Sample((T(_EDGE), float("nan")), {}, "NaN bound", grad=False)
            yield Sample((T(_EDGE), T(_EDGE[::-1].copy())), {}, "edge-value tensor bound", grad=False)

    return gen


def _lerp(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None) -> T:
        return T(_v(rng, dtype, *shape), layout, full)

    yield Sample((v(3, 4), v(3, 4), 0.3), {}, "number weight")
    yield Sample((v(3, 4), v(3, 4), v(3, 4)), {}, "tensor weight")
    yield Sample((v(3, 1), v(1, 4), v(4)), {}, "all three broadcast")
    yield Sample((v(), v(), v()), {}, "0-d")
    yield Sample((v(0, 3), v(0, 3), 0.5), {}, "zero-size")
    yield Sample((v(3, 5, layout="strided"), v(3, 5, layout="strided"), 0.7), {}, "strided views")
    yield Sample((v(3, 1, layout="expanded", full=(3, 4)), v(3, 4), v(1, 4)), {}, "expanded view")
    yield Sample((v(2, 3), v(2, 3), 2), {}, "int weight (extrapolates)")
    w = np.array([0.0, 1.0, 0.5, 0.25, 0.75, -1.0, 2.0, 0.5, 0.5])
    yield Sample((T(_EDGE), T(_EDGE[::-1].copy()), T(w)), {}, "edge values", grad=False)
    yield Sample((T(np.array([1e30, -1e30, 1.0])), T(np.array([-1e30, 1e30, 1.0 + 1e-7])), 0.5), {},
                 "large magnitudes", grad=False)


def _addc(div: bool) -> SampleFn:
    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None, low: float = -3) -> T:
            return T(_v(rng, dtype, *shape, low=low), layout, full)

        lo = 0.5 if div else -3  # keep divisors away from 0 where the gradient is checked
        yield Sample((v(3, 4), v(3, 4), v(3, 4, low=lo)), {}, "same shape")
        yield Sample((v(3, 4), v(3, 4), v(3, 4, low=lo)), {"value": 2}, "value=2")
        if _floating(dtype):
            yield Sample((v(3, 4), v(3, 4), v(3, 4, low=lo)), {"value": -0.5}, "value=-0.5")
        yield Sample((v(3, 1), v(1, 4), v(4, low=lo)), {}, "all three broadcast")
        yield Sample((v(), v(), v(low=lo)), {}, "0-d")
        yield Sample((v(0, 3), v(1, 3), v(3, low=lo)), {}, "zero-size")
        yield Sample((v(3, 5, layout="strided"), v(3, 5, layout="strided"), v(3, 5, low=lo)), {}, "strided views")
        yield Sample((v(3, 1, layout="expanded", full=(3, 4)), v(3, 4), v(3, 4, low=lo)), {}, "expanded view")
        e = edge_values(dtype)
        if _floating(dtype):
            yield Sample((T(e), T(e[::-1].copy()), T(np.roll(e, 3))), {}, "edge values", grad=False)
        else:
            yield Sample((T(e), T(e[::-1].copy()), T(np.where(e == 0, 1, e))), {}, "edge values")

    return gen


def _isclose(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None) -> T:
        return T(_v(rng, dtype, *shape), layout, full)

    a = _v(rng, dtype, 3, 4)
    yield Sample((T(a), T(a)), {}, "identical")
    yield Sample((v(3, 4), v(3, 4)), {}, "random")
    yield Sample((v(3, 1), v(1, 4)), {}, "broadcast")
    yield Sample((v(), v(2, 3)), {}, "0-d and 2-d")
    yield Sample((v(0, 3), v(3)), {}, "zero-size")
    yield Sample((v(3, 5, layout="strided"), v(3, 5, layout="strided")), {}, "strided views")
    yield Sample((v(3, 1, layout="expanded", full=(3, 4)), v(3, 4)), {}, "expanded view")
    e = edge_values(dtype)
    for kw in ({}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 0.5, "atol": 1.0}):
        yield Sample((T(e[:, None]), T(e[None, :])), kw, f"edge grid {kw}")
    if _floating(dtype):
        near = np.array([1.0, 1.0, 100.0, 0.0, 1e-9])
        yield Sample((T(near), T(near + np.array([1e-6, 1e-4, 1e-3, 1e-8, 0.0]))), {}, "near misses")
        yield Sample((T(near), T(near * 1.01)), {"rtol": 0.02}, "rtol=0.02")


def _equal(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    a = _v(rng, dtype, 3, 4)
    yield Sample((T(a), T(a.copy())), {}, "equal values")
    yield Sample((T(a), T(a[:1].copy())), {}, "same values, another shape")
    e = edge_values(dtype)
    yield Sample((T(e), T(e.copy())), {}, "equal edge values (NaN is not equal)")
    if dtype != "float64":
        yield Sample((T(a), T(a, dtype="float64")), {}, "another dtype")


def _igamma(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None, grad: bool = True) -> T:
        return T(_v(rng, dtype, *shape, low=0.1, high=5), layout, full, grad=grad)

    def a(*shape: int, layout: str = "contiguous", full: tuple[int, ...] | None = None) -> T:
        # PyTorch has no derivative for the first argument (it raises in backward): only `other` is checked
        return v(*shape, layout=layout, full=full, grad=False)

    yield Sample((a(3, 4), v(3, 4)), {}, "same shape")
    yield Sample((a(3, 1), v(1, 4)), {}, "broadcast both")
    yield Sample((a(), v(2, 3)), {}, "0-d and 2-d")
    yield Sample((a(0, 3), v(3)), {}, "zero-size")
    yield Sample((a(3, 5, layout="strided"), v(3, 5, layout="strided")), {}, "strided views")
    yield Sample((a(3, 1, layout="expanded", full=(3, 4)), v(3, 4)), {}, "expanded view")
    yield Sample((T(_EDGE[:, None]), T(_EDGE[None, :])), {}, "edge grid", grad=False)
    yield Sample((T(np.array([0.5, 20.0, 100.0, 1e-3])), T(np.array([30.0, 15.0, 110.0, 1e-4]))), {},
                 "large and small", grad=False)


def _polygamma(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    lo = 0.5 if _floating(dtype) else 1
    for n in (0, 1, 2, 3):
        yield Sample((n, T(_v(rng, dtype, 3, 4, low=lo, high=4))), {}, f"n={n}")
    yield Sample((1, T(_v(rng, dtype, low=lo))), {}, "0-d")
    yield Sample((2, T(_v(rng, dtype, 0, 3))), {}, "zero-size")
    yield Sample((1, T(_v(rng, dtype, 3, 5, low=lo), "strided")), {}, "strided view")
    yield Sample((1, T(_v(rng, dtype, 3, 1, low=lo), "expanded", (3, 4))), {}, "expanded view")
    for n in (0, 1, 4):
        e = edge_values(dtype)
        if n == 1:
            # NOTE: PyTorch's trigamma kernel gives large finite values at its poles (the negative integers, and
            # every float past -2**53): sin(pi * x) is not exactly 0 there; ember gives inf. (int64's maximum is
            # left out too: it reaches the tensor through float64, as INT_MIN.)
            e = e[~((e < 0) & (e == np.floor(e))) & (np.abs(e) < 2.0**53)]
        yield Sample((n, T(e)), {}, f"n={n}, edge values", grad=False)
    if _floating(dtype):
        yield Sample((1, T(np.array([-2.5, -1.5, -0.5, 1e-3, 50.0, 1e4]))), {}, "negative and large", grad=False)


def _polygamma_method(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    for s in _polygamma(dtype, rng):
        yield dataclasses.replace(s, args=(s.args[1], s.args[0]))


def _mvlgamma(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    for p in (1, 2, 3):
        lo = (p - 1) / 2 + 0.1 if _floating(dtype) else p
        yield Sample((T(_v(rng, dtype, 3, 4, low=lo, high=lo + 4)), p), {}, f"p={p}")
    yield Sample((T(_v(rng, dtype, low=3, high=5)), 2), {}, "0-d")
    yield Sample((T(_v(rng, dtype, 0, 3)), 2), {}, "zero-size")
    yield Sample((T(_v(rng, dtype, 3, 5, low=2, high=5), "strided"), 2), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 3, 1, low=2, high=5), "expanded", (3, 4)), 3), {}, "expanded view")
    yield Sample((T(np.array([0.6, 1.0, 3.0])), 2), {}, "at the domain's edge")
    yield Sample((T(np.array([1.0, 0.5, 3.0])), 2), {}, "at and below the domain's edge", grad=False)
    if _floating(dtype):
        yield Sample((T(np.array([np.inf, np.nan, 1e10])), 2), {}, "inf, NaN, large", grad=False)


def _xlogy(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    if _floating(dtype):
        x = np.array([0.0, 0.0, 0.0, -0.0, 1.0, 2.0, np.nan, 0.0, -1.0, np.inf])
        y = np.array([0.0, np.nan, np.inf, 5.0, 0.0, -1.0, 0.0, -1.0, np.inf, 0.0])
        yield Sample((T(x), T(y)), {}, "x = 0 against every y; y = 0, y < 0, NaN", grad=False)
    yield Sample((3, T(_v(rng, dtype, 2, 3, low=0))), {}, "Python number x")
    yield Sample((T(_v(rng, dtype, 2, 3)), 2.5), {}, "Python number y")


def _rsub(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(_v(rng, dtype, 2, 3)), T(_v(rng, dtype, 3))), {"alpha": 2}, "alpha=2")
    yield Sample((T(_v(rng, dtype, 2, 3)), 5), {"alpha": 3}, "number other, alpha=3")


def _heaviside(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    e = edge_values(dtype)
    yield Sample((T(e[:, None]), T(e[None, :])), {}, "edge grid (0 picks values)")
    yield Sample((T(np.array([-1, 0, 0, 2])), T(np.array(0.5 if _floating(dtype) else 1))), {}, "0-d values")


def _float_power(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(_v(rng, dtype, 2, 3, low=0.5)), 2), {}, "int exponent")
    yield Sample((T(_v(rng, dtype, 2, 3, low=0.5)), -1.5), {}, "negative float exponent")
    yield Sample((2, T(_v(rng, dtype, 2, 3))), {}, "number base")
    if dtype != "float64":
        yield Sample((T(_v(rng, dtype, 2, 3, low=0.5)), T(_v(rng, "float64", 3), dtype="float64")), {},
                     "a float64 exponent")


def _ldexp(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(_v(rng, dtype, 2, 3)), T(np.array([1, 0, 3]), dtype="int64")), {}, "int64 exponents")
    # NOTE: no gradient check: PyTorch's derivative is grad * pow(2, other), which an integer `other` makes an
    # integer power, 0 for negative exponents; ember gives the true derivative, grad * 2**other
    yield Sample((T(_v(rng, dtype, 2, 3)), T(np.array([-2, 0, -1]), dtype="int64")), {}, "negative int64 exponents",
                 grad=False)
    if _floating(dtype):
        yield Sample((T(np.array([1.0, -1.0, 3.0, 0.5])), T(np.array([1000, -1100, 127, -149]), dtype="int32")),
                     {}, "exponents past the range", grad=False)


def _logaddexp(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(np.array([1000.0, -1000.0, 50.0, -np.inf])), T(np.array([1000.0, -1000.0, -50.0, -np.inf]))),
                 {}, "huge and equal infinities", grad=False)


def _shift_operator(op: str) -> Callable[[Any], Callable[..., Any]]:
    return {
        "<<": lambda lib: (lambda a, b: a << b), ">>": lambda lib: (lambda a, b: a >> b),
        "<<=": lambda lib: _iop(lambda a, b: a.__ilshift__(b)), ">>=": lambda lib: _iop(lambda a, b: a.__irshift__(b)),
    }[op]


def _iop(f: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def call(a: Any, b: Any) -> Any:
        if not hasattr(a, "shape"):
            raise TypeError("the in-place operator needs a tensor on the left")
        r = f(a, b)
        if r is NotImplemented:
            raise TypeError("unsupported operand types")
        if r is not a:
            raise AssertionError("the in-place operator did not return self")
        return r

    return call


# -- error cases --------------------------------------------------------------------------------


def _err(args: tuple[Any, ...], exc: type[BaseException], match: str, dtype: str = "float32", **kw: Any) -> ErrorCase:
    return ErrorCase(Sample(args, kw), exc, match, dtype)


_MISMATCH = _err((T(np.ones((2, 3))), T(np.ones(4))), RuntimeError,
                 "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1")
_INT_ZERO = _err((T(np.ones(3)), T(np.array([1, 0, 2]))), RuntimeError, "ZeroDivisionError", "int64")
_BOOL_SUB = _err((T(np.array([True])), T(np.array([False]))), RuntimeError,
                 "Subtraction, the `-` operator, with two bool tensors is not supported", "bool")
_INT_NEG_POW = _err((T(np.array([2, 3])), -1), RuntimeError, "Integers to negative integer powers are not allowed.",
                    "int64")


def _not_impl(kernel: str, type_name: str = "Float", dtype: str = "float32") -> ErrorCase:
    """A dtype the op's kernel lacks: PyTorch's NotImplementedError naming the kernel."""
    return _err((T(np.ones(3)), T(np.ones(3))), NotImplementedError, f"\"{kernel}\" not implemented for '{type_name}'",
                dtype)


# -- the entries ---------------------------------------------------------------------------------


def _pointwise(name: str, samples: SampleFn, dtypes: tuple[str, ...], *, method: bool = True, inplace: bool = True,
               out: bool = True, grad: bool = True, hyp: Callable[[Any, str], Sample] | None = _hyp(),
               **kw: Any) -> OpInfo:
    """An entry whose method is ``x.<name>(...)`` and in-place form ``x.<name>_(...)``."""
    return OpInfo(name, samples, dtypes=dtypes, method=name if method else None,
                  inplace=f"{name}_" if inplace else None, supports_out=out, grad=grad,
                  hypothesis=hyp, **kw)


def _compare(name: str, aliases: tuple[str, ...] = ()) -> OpInfo:
    return _pointwise(name, binary(), _ALL, grad=False, aliases=aliases, errors=(_MISMATCH,))


OPS: list[OpInfo] = [
    # -- arithmetic
    _pointwise("add", chain(binary(), _alpha), _ALL, errors=(
        _MISMATCH,
        _err((T(np.ones(3)), T(np.ones(3))), RuntimeError,
             "For integral input tensors, argument alpha must not be a floating point number.", "int64", alpha=0.5),
    )),
    _pointwise("sub", chain(binary(), _alpha), _NUM, aliases=("subtract",), errors=(
        _MISMATCH, _BOOL_SUB,
        _err((T(np.array([True])), 1), RuntimeError, "Subtraction, the `-` operator, with a bool tensor is not "
             "supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
             "bool"),
    )),
    _pointwise("rsub", chain(binary(), _rsub), _NUM, method=False, inplace=False, out=False, errors=(_BOOL_SUB,)),
    _pointwise("mul", binary(), _ALL, aliases=("multiply",), errors=(_MISMATCH,)),
    _pointwise("div", chain(binary(), _int_zero_div, _div_modes), _ALL, aliases=("divide", "true_divide"), errors=(
        _MISMATCH,
        _err((T(np.ones(3)), T(np.ones(3))), RuntimeError,
             "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'",
             rounding_mode="round"),
        _err((T(np.ones(3)), T(np.array([1, 0, 2]))), RuntimeError, "ZeroDivisionError", "int64",
             rounding_mode="trunc"),
    )),
    _pointwise("floor_divide", chain(_int_division(binary()), _int_zero_div), _NUM, grad=False,
               hyp=_hyp(nonzero_rhs=True), errors=(_MISMATCH, _INT_ZERO)),
    _pointwise("remainder", chain(_int_division(binary()), _int_zero_div, _number_first), _NUM,
               hyp=_hyp(nonzero_rhs=True), errors=(_MISMATCH, _INT_ZERO)),
    _pointwise("fmod", chain(_int_division(binary()), _int_zero_div), _NUM, hyp=_hyp(nonzero_rhs=True),
               errors=(_MISMATCH, _INT_ZERO)),
    # positive bases where gradients are checked (a negative base to a fraction is NaN); negative ones in _pow_extra
    _pointwise("pow", chain(binary(low=0.0), _pow_extra), _NUM,
               hyp=_hyp(low=0.0), errors=(
                   _INT_NEG_POW, _MISMATCH,
                   _err((T(np.array([True])), T(np.array([True]))), RuntimeError, "\"pow\" not implemented for 'Bool'",
                        "bool"),
               )),
    # the operator: `t ** x` and, through __rpow__, `2 ** t`
    OpInfo("Tensor.__pow__", _pow_extra, dtypes=_NUM, fn=lambda lib: (lambda a, b: a ** b), errors=(
        _err((T(np.array([2, 3])), -1), RuntimeError, "Integers to negative integer powers are not allowed.",
             "int64"),)),
    _pointwise("float_power", chain(binary(low=0.0), _float_power), _ALL, errors=(_MISMATCH,)),
    _pointwise("atan2", binary(), _ALL, aliases=("arctan2",), errors=(_MISMATCH,)),
    _pointwise("hypot", binary(), _FL, errors=(_MISMATCH, _not_impl("hypot_cpu", "Long", "int64"))),
    _pointwise("logaddexp", chain(binary(), _logaddexp), _FL, inplace=False,
               errors=(_MISMATCH, _not_impl("logaddexp_cpu", "Long", "int64"))),
    _pointwise("logaddexp2", chain(binary(), _logaddexp), _FL, inplace=False,
               errors=(_MISMATCH, _not_impl("logaddexp2_cpu", "Long", "int64"))),
    _pointwise("maximum", binary(), _ALL, inplace=False, errors=(_MISMATCH,)),
    _pointwise("minimum", binary(), _ALL, inplace=False, errors=(_MISMATCH,)),
    _pointwise("fmax", binary(), _ALL, inplace=False, errors=(_MISMATCH,)),
    _pointwise("fmin", binary(), _ALL, inplace=False, errors=(_MISMATCH,)),
    _pointwise("copysign", binary(), _ALL, errors=(_MISMATCH,)),
    _pointwise("nextafter", binary(), _FL,
               errors=(_MISMATCH, _not_impl("nextafter_cpu", "Long", "int64"))),
    _pointwise("ldexp", chain(binary(), _ldexp), _ALL, aliases=("ldexp_",), errors=(_MISMATCH,)),
    _pointwise("heaviside", chain(binary(), _heaviside), _ALL, grad=False, errors=(
        _err((T(np.ones(3)), T(np.ones(3), dtype="int64")), RuntimeError,
             "heaviside is not yet implemented for tensors with different dtypes."),
    )),
    _pointwise("xlogy", chain(binary(rhs_low=0.0), _xlogy), _ALL, aliases=("xlogy_",), errors=(_MISMATCH,)),
    # -- comparisons and logical ops
    _compare("eq"),
    _compare("ne", ("not_equal",)),
    _compare("lt", ("less",)),
    _compare("le", ("less_equal",)),
    _compare("gt", ("greater",)),
    _compare("ge", ("greater_equal",)),
    _compare("logical_and"),
    _compare("logical_or"),
    _compare("logical_xor"),
    # -- bitwise ops
    _pointwise("bitwise_and", binary(), (*INTS, *BOOL), grad=False,
               errors=(_not_impl("bitwise_and_cpu"),)),
    _pointwise("bitwise_or", binary(), (*INTS, *BOOL), grad=False,
               errors=(_not_impl("bitwise_or_cpu"),)),
    _pointwise("bitwise_xor", binary(), (*INTS, *BOOL), grad=False,
               errors=(_not_impl("bitwise_xor_cpu"),)),
    _pointwise("bitwise_left_shift", chain(binary(low=0.0, rhs_low=0.0), _shift), INTS, grad=False,
               hyp=_hyp(low=0.0, high=9.0), errors=(_not_impl("lshift_cpu"),)),
    _pointwise("bitwise_right_shift", chain(binary(low=0.0, rhs_low=0.0), _shift), INTS, grad=False,
               hyp=_hyp(low=0.0, high=9.0), errors=(_not_impl("rshift_cpu"),)),
    OpInfo("Tensor.__lshift__", chain(binary(low=0.0, rhs_low=0.0), _shift), dtypes=INTS, grad=False,
           fn=_shift_operator("<<"), errors=(_not_impl("lshift_cpu"),)),
    OpInfo("Tensor.__rshift__", chain(binary(low=0.0, rhs_low=0.0), _shift), dtypes=INTS, grad=False,
           fn=_shift_operator(">>"), errors=(_not_impl("rshift_cpu"),)),
    OpInfo("Tensor.__ilshift__", chain(binary(low=0.0, rhs_low=0.0), _shift), dtypes=INTS, grad=False,
           fn=_shift_operator("<<=")),
    OpInfo("Tensor.__irshift__", chain(binary(low=0.0, rhs_low=0.0), _shift), dtypes=INTS, grad=False,
           fn=_shift_operator(">>=")),
    # -- integer math
    _pointwise("gcd", _int_division(binary(), zeros=True), INTS, grad=False, aliases=("gcd_",),
               errors=(_not_impl("gcd_cpu"),)),
    _pointwise("lcm", _int_division(binary(), zeros=True), INTS, grad=False, aliases=("lcm_",),
               errors=(_not_impl("lcm_cpu"),)),
    # -- selection and clamping
    OpInfo("where", _where, dtypes=_ALL, supports_out=True, hypothesis=_hyp_where, errors=(
        _err((T(np.ones(3)), T(np.ones(3)), T(np.ones(3))), RuntimeError,
             "where expected condition to be a boolean tensor, but got a tensor with dtype Float"),
        _err((T(np.ones((2, 3)), dtype="bool"), T(np.ones(4)), T(np.ones(3))), RuntimeError,
             "must match the size of tensor"),
    )),
    _pointwise("clamp", _clamp, _ALL, aliases=("clip", "clamp_", "clip_"), hyp=_hyp_clamp(), errors=(
        _err((T(np.ones(3)),), RuntimeError, "torch.clamp: At least one of 'min' or 'max' must not be None"),
    )),
    _pointwise("clamp_min", _clamp_one(), _ALL, aliases=("clamp_min_",), hyp=_hyp_clamp("min")),
    _pointwise("clamp_max", _clamp_one(), _ALL, aliases=("clamp_max_",), hyp=_hyp_clamp("max")),
    _pointwise("lerp", _lerp, _FL, hyp=_hyp(3), errors=(
        _err((T(np.ones(3)), T(np.ones(3), dtype="float64"), 0.5), RuntimeError,
             "expected dtype float for `end` but got dtype double"),
        _err((T(np.ones(3)), T(np.ones(3)), 0.5), NotImplementedError,
             "\"lerp_kernel_scalar\" not implemented for 'Long'", "int64"),
    )),
    _pointwise("addcmul", _addc(False), _NUM, hyp=_hyp(3), errors=(
        _err((T(np.ones(3)), T(np.ones(2)), T(np.ones(3))), RuntimeError, "must match the size of tensor"),
    )),
    _pointwise("addcdiv", _addc(True), _FL, hyp=_hyp(3), errors=(
        _err((T(np.ones(3)), T(np.ones(3)), T(np.ones(3))), RuntimeError,
             "Integer division with addcdiv is no longer supported", "int64"),
    )),
    # -- closeness
    OpInfo("isclose", _isclose, dtypes=_ALL, method="isclose", grad=False, hypothesis=_hyp(), errors=(
        _err((T(np.ones(3)), T(np.ones(3), dtype="float64")), RuntimeError, "Float did not match Double"),
        _err((T(np.ones(3)), T(np.ones(3))), RuntimeError,
             "rtol must be greater than or equal to zero, but got -1", rtol=-1.0),
        _err((T(np.ones(3)), T(np.ones(3))), RuntimeError,
             "atol must be greater than or equal to zero, but got -1", atol=-1.0),
    )),
    OpInfo("allclose", _isclose, dtypes=_ALL, method="allclose", grad=False, errors=(
        _err((T(np.ones(3)), T(np.ones(3), dtype="float64")), RuntimeError, "Float did not match Double"),
        _MISMATCH,
    )),
    OpInfo("equal", chain(binary(), _equal), dtypes=_ALL, method="equal", grad=False),
    # -- special functions of two arguments
    _pointwise("igamma", _igamma, _FL, hyp=_hyp(low=0.0, high=5.0), errors=(
        _not_impl("igamma_cpu", "Long", "int64"),)),
    _pointwise("igammac", _igamma, _FL, hyp=_hyp(low=0.0, high=5.0), errors=(
        _not_impl("igammac_cpu", "Long", "int64"),)),
    OpInfo("polygamma", _polygamma, dtypes=_ALL, supports_out=True, hypothesis=_hyp_polygamma, errors=(
        _err((-1, T(np.ones(3))), RuntimeError, "polygamma(n, x) does not support negative n."),
    )),
    OpInfo("Tensor.polygamma", _polygamma_method, dtypes=_FL, inplace="polygamma_",
           fn=lambda lib: (lambda x, n: x.polygamma(n))),
    _pointwise("mvlgamma", _mvlgamma, _NUM, hyp=_hyp_mvlgamma, errors=(
        _err((T(np.ones(3)), 2), RuntimeError, "The input tensor may not be a boolean tensor.", "bool"),
        _err((T(np.ones(3)), 0), RuntimeError, "p has to be greater than or equal to 1"),
    )),
]
