"""Creation, random sampling, copies and introspection: ``zeros``, ``arange``, ``randn``, ``clone``, ``numel``, ...

Factory functions take sizes, Python numbers and a ``dtype=`` rather than tensors, so their samples pass
``dtype=DType(<dtype under test>)`` and ``device=Device()`` (the backend under test; PyTorch gets its default).
Each covers the edges of its arguments: 0-d and zero-size shapes, a size tuple or ``size=``, negative sizes
(refused), float and negative ``arange`` steps, ``linspace`` with 0 or 1 steps, fill values of every kind.

The samplers whose values PyTorch reproduces under a seed (``rand``, ``randn``, ``randint``, ``randperm``,
``normal``, ``bernoulli`` and the ``*_like`` forms) run right after ``manual_seed`` on both libraries and compare
values: ember's CPU generator reproduces PyTorch CPU's streams (tests/test_random_parity.py), and factory
functions draw from it on every backend. The others (``multinomial`` without replacement, ``poisson``,
``binomial``, the ``empty*`` functions) compare shape, dtype and device only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._core import BOOL, FLOATS, HALF, INTS, Device, DType, ErrorCase, OpInfo, Sample, SampleFn, T, values
from .samples import edge_values, unary

#: every dtype of PyTorch's CPU kernels
ALLH = (*FLOATS, *HALF, *INTS, *BOOL)
#: every dtype but bool (arange, linspace, randperm: no bool kernel)
NUMH = (*FLOATS, *HALF, *INTS)
#: floating dtypes (rand, randn, normal, bernoulli, poisson, multinomial)
FLT = (*FLOATS, *HALF)
#: the seed of the samplers whose values compare
_SEED = 20240
_DEV = Device()


def _floating(dtype: str) -> bool:
    return dtype in FLT


def _fill(dtype: str) -> Any:
    """A fill value of ``dtype``'s kind."""
    return True if dtype == "bool" else -2.5 if _floating(dtype) else 7


def _seeded(name: str) -> Callable[[Any], Callable[..., Any]]:
    """``lib.<name>``, called right after ``lib.manual_seed`` (the CPU generator's state is put back after, so
    the test leaves the random streams as it found them)."""

    def fn(lib: Any) -> Callable[..., Any]:
        op = getattr(lib, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            state = lib.get_rng_state()
            lib.manual_seed(_SEED)
            try:
                return op(*args, **kwargs)
            finally:
                lib.set_rng_state(state)

        return call

    return fn


def _kw(dtype: str | None = None, **kw: Any) -> dict[str, Any]:
    """Keyword arguments of a factory call: the device under test, and a dtype when given."""
    out: dict[str, Any] = {"device": _DEV, **kw}
    if dtype is not None:
        out["dtype"] = DType(dtype)
    return out


# -- zeros, ones, empty, full, eye, empty_strided, scalar_tensor -------------------------------------------------


def _sized(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """zeros/ones/empty/rand/randn: sizes as varargs, a tuple, a list, ``size=``; 0-d and zero-size."""
    yield Sample((3, 4), _kw(dtype), "varargs")
    yield Sample(((2, 3),), _kw(dtype), "a tuple")
    yield Sample(((),), _kw(dtype), "0-d")
    yield Sample((0,), _kw(dtype), "zero-size")
    yield Sample(([2, 0, 3],), _kw(dtype), "a list with a zero")
    yield Sample((), _kw(dtype, size=(1, 2)), "size=")
    yield Sample((np.int64(2), 3), _kw(dtype), "NumPy integers")
    if dtype == "float32":
        yield Sample((2, 3), _kw(), "the default dtype")


def _full(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample(((2, 3), _fill(dtype)), _kw(dtype), "fill of the dtype's kind")
    yield Sample(((), _fill(dtype)), _kw(dtype), "0-d")
    yield Sample(((0, 3), _fill(dtype)), _kw(dtype), "zero-size")
    yield Sample(([2], True), _kw(dtype), "a bool fill")
    yield Sample(((3,), 1), _kw(dtype), "an int fill")
    yield Sample(((3,), 1.75), _kw(dtype), "a float fill (truncated for integers, True for bool)")
    yield Sample(((2,), -1), _kw(dtype), "-1 (wraps for uint8)")
    yield Sample(((2,), T(np.array(3.0))), _kw(dtype), "a 0-d tensor fill")
    if _floating(dtype):
        for v in (math.inf, -math.inf, math.nan, -0.0, 1e-30):
            yield Sample(((2,), v), _kw(dtype), f"fill {v}")
    else:
        yield Sample(((2,), 300), _kw(dtype), "300: overflows the small integer dtypes")
        yield Sample(((2,), math.nan), _kw(dtype), "NaN into integers: refused")
    if dtype == "float32":
        for v in (True, 3, 2.5):
            yield Sample(((2,), v), _kw(), f"the dtype inferred from {type(v).__name__}")
    if dtype == "float16":
        yield Sample(((2,), 1e5), _kw(dtype), "beyond float16's range: refused")


def _eye(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((3,), _kw(dtype), "square")
    yield Sample((2, 4), _kw(dtype), "wide")
    yield Sample((4, 2), _kw(dtype), "tall")
    yield Sample((0,), _kw(dtype), "0 x 0")
    yield Sample((3, 0), _kw(dtype), "3 x 0")
    yield Sample((1,), _kw(dtype), "1 x 1")
    if dtype == "float32":
        yield Sample((2,), _kw(), "the default dtype")


def _empty_strided(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample(((2, 3), (3, 1)), _kw(dtype), "contiguous strides")
    yield Sample(((2, 3), (1, 2)), _kw(dtype), "column-major strides")
    yield Sample(((), ()), _kw(dtype), "0-d")
    yield Sample(((0, 4), (4, 1)), _kw(dtype), "zero-size")
    yield Sample(((3, 2), (0, 1)), _kw(dtype), "a zero stride")


def _scalar_tensor(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((_fill(dtype),), _kw(dtype), "a value of the dtype's kind")
    yield Sample((1,), _kw(dtype), "an int")
    yield Sample((0.5,), _kw(dtype), "a float")
    if _floating(dtype):
        for v in (math.inf, math.nan, -0.0):
            yield Sample((v,), _kw(dtype), f"{v}")
    if dtype == "float32":
        yield Sample((3,), _kw(), "the default dtype: float even for an int")
        yield Sample((True,), _kw(), "the default dtype for a bool")


# -- arange, range, linspace, logspace -----------------------------------------------------------------------------


def _arange(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((5,), _kw(dtype), "end only")
    yield Sample((1, 10, 3), _kw(dtype), "start, end, step")
    yield Sample((10, 0, -3), _kw(dtype), "a negative step")
    yield Sample((0,), _kw(dtype), "empty")
    yield Sample((3, 3), _kw(dtype), "start == end")
    yield Sample((-3, 3), _kw(dtype), "negative start (wraps for uint8)")
    if _floating(dtype):
        yield Sample((0, 1, 0.1), _kw(dtype), "a float step (10 values, not 11)")
        yield Sample((1, 1.3, 0.1), _kw(dtype), "a float step whose end rounds up")
        yield Sample((0, -1, -0.25), _kw(dtype), "a negative float step")
        yield Sample((-3.5, 2), _kw(dtype), "a float start")
    if dtype == "float32":
        yield Sample((5,), _kw(), "ints: int64")
        yield Sample((0, 2.5), _kw(), "a float bound: the default dtype")
        yield Sample((0, 2, 0.5), _kw(), "a float step: the default dtype")
        yield Sample((T(np.array(4), dtype="int64"),), _kw(), "a 0-d tensor end")


def _range(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((0, 4), _kw(dtype), "end included")
    yield Sample((1, 10, 3), _kw(dtype), "a step that misses the end")
    yield Sample((6, 0, -2), _kw(dtype), "a negative step")
    yield Sample((2, 2), _kw(dtype), "one value")
    if _floating(dtype):
        yield Sample((0, 1, 0.25), _kw(dtype), "a float step")
    if dtype == "float32":
        yield Sample((0, 3), _kw(), "the default dtype: float even for ints")


def _linspace(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((0, 10, 5), _kw(dtype), "five steps")
    yield Sample((0, 10, 4), _kw(dtype), "steps that are not integers (truncated for integer dtypes)")
    yield Sample((5, 1, 3), _kw(dtype), "decreasing")
    yield Sample((0, 1, 0), _kw(dtype), "steps=0")
    yield Sample((2, 9, 1), _kw(dtype), "steps=1: start only")
    if dtype != "uint8":
        yield Sample((-5, 5, 7), _kw(dtype), "through zero")
    if _floating(dtype):
        yield Sample((-1.5, 2.25, 6), _kw(dtype), "float bounds")
        yield Sample((0, 1, 33), _kw(dtype), "many steps: the symmetric fill")
    if dtype == "float32":
        yield Sample((0, 1, 4), _kw(), "the default dtype")
        yield Sample((T(np.array(0.0)), T(np.array(2.0)), 5), _kw(), "0-d tensor bounds")


def _logspace(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((0, 2, 3), _kw(dtype), "powers of ten")
    yield Sample((0, 6, 4), _kw(dtype, base=2.0), "base=2")
    yield Sample((2, 0, 3), _kw(dtype), "decreasing")
    yield Sample((0, 1, 0), _kw(dtype), "steps=0")
    yield Sample((1, 5, 1), _kw(dtype), "steps=1")
    if _floating(dtype):
        yield Sample((-2, 1, 4), _kw(dtype), "negative exponents")
        yield Sample((0, 5, 4), _kw(dtype), "past float16's range (inf)")
    if dtype == "float32":
        yield Sample((0, 1, 3), _kw(), "the default dtype")


# -- *_like, tensor, as_tensor, asarray ----------------------------------------------------------------------------


def _like(fill: bool = False, dtype_arg: bool = True) -> SampleFn:
    """``*_like(input, [fill,] dtype=)``: input layouts and shapes, a dtype override."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> np.ndarray:
            return values(rng, shape, dtype)

        head = (_fill(dtype),) if fill else ()
        yield Sample((T(v(3, 4)), *head), {}, "2-d")
        yield Sample((T(v()), *head), {}, "0-d")
        yield Sample((T(v(2, 0)), *head), {}, "zero-size")
        yield Sample((T(v(3, 5), "strided"), *head), {}, "strided input")
        yield Sample((T(v(3, 1), "expanded", (3, 4)), *head), {}, "expanded input")
        if dtype_arg:
            other = "int64" if _floating(dtype) else "float64"
            yield Sample((T(v(2, 3)), *head), {"dtype": DType(other)}, f"dtype={other}")

    return gen


def _tensor(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample(([[1, 2], [3, 4]],), _kw(dtype), "nested lists of ints")
    yield Sample(([1.5, -2.25, 0.0],), _kw(dtype), "floats")
    yield Sample(([True, False],), _kw(dtype), "bools")
    yield Sample(([],), _kw(dtype), "empty")
    yield Sample(([[], []],), _kw(dtype), "2 x 0")
    yield Sample((3,), _kw(dtype), "a scalar: 0-d")
    yield Sample(((1, 2, 3),), _kw(dtype), "a tuple")
    if _floating(dtype):
        yield Sample(([math.inf, -math.inf, math.nan, -0.0, 1e-30],), _kw(dtype), "float edges")
    if dtype == "float32":
        yield Sample(([1, 2],), _kw(), "ints infer int64")
        yield Sample(([1, 2.5],), _kw(), "ints and floats infer the default dtype")
        yield Sample(([True, 2],), _kw(), "bools and ints infer int64")
        yield Sample((2.5,), _kw(), "a float: 0-d, the default dtype")
        yield Sample(([[True]],), _kw(), "bools infer bool")
        yield Sample((np.array([1, 2], dtype=np.int16),), _kw(), "a NumPy array keeps its dtype")


def _as_tensor(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    yield Sample(([[1, 2], [3, 4]],), _kw(dtype), "lists")
    yield Sample((T(v(3, 4)),), {}, "a tensor: itself")
    yield Sample((T(v(3, 5), "strided"),), {}, "a strided tensor")
    yield Sample((T(v(2, 3)),), {"dtype": DType("float64" if dtype != "float64" else "int32")}, "a tensor, converted")
    yield Sample((T(v()),), {}, "0-d tensor")
    yield Sample((2,), _kw(dtype), "a scalar")
    if dtype == "float32":
        yield Sample(([1, 2.5],), _kw(), "inferred dtype")
        yield Sample((np.arange(4, dtype=np.int32),), _kw(), "a NumPy array")


# -- random sampling -------------------------------------------------------------------------------------------


def _randint(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    hi = 2 if dtype == "bool" else 100
    yield Sample((0, hi, (3, 4)), _kw(dtype), "low, high, size")
    yield Sample((hi, (5,)), _kw(dtype), "high, size")
    yield Sample((0, hi, ()), _kw(dtype), "0-d")
    yield Sample((0, hi, (0, 3)), _kw(dtype), "zero-size")
    yield Sample((hi,), _kw(dtype, size=(4,)), "size=")
    if dtype not in ("bool", "uint8"):
        yield Sample((-50, -10, (6,)), _kw(dtype), "negative bounds")
    if dtype == "float32":
        yield Sample((3, 10, (40,)), _kw(), "int64 by default")
        yield Sample((0, 2**40, (8,)), _kw(), "a 64-bit range")


def _randint_like(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    hi = 2 if dtype == "bool" else 50
    for s in _like(dtype_arg=False)(dtype, rng):
        yield Sample((*s.args, hi), {}, f"{s.desc}, high only")
    yield Sample((T(values(rng, (3, 4), dtype)), 1, hi), {}, "low and high")
    if dtype not in ("bool", "uint8"):
        yield Sample((T(values(rng, (5,), dtype)), -9, -2), {}, "negative bounds")


def _randperm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((10,), _kw(dtype), "n=10")
    yield Sample((0,), _kw(dtype), "n=0")
    yield Sample((1,), _kw(dtype), "n=1")
    yield Sample((100 if dtype != "int8" else 120,), _kw(dtype), "n=100")
    if dtype == "float32":
        yield Sample((7,), _kw(), "int64 by default")


def _normal(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int, low: float = -3.0, high: float = 3.0) -> np.ndarray:
        return values(rng, shape, dtype, low, high)

    yield Sample((T(v(3, 4)), T(v(3, 4, low=0.1))), {}, "tensor mean and std")
    yield Sample((T(v(3, 4)), 2.0), {}, "tensor mean, float std")
    yield Sample((0.5, T(v(2, 3, low=0.1))), {}, "float mean, tensor std")
    yield Sample((T(v(3, 1)), T(v(1, 4, low=0.1))), {}, "broadcast")
    yield Sample((2.0, 3.0, (5,)), _kw(dtype), "floats and a size")
    yield Sample((T(v()), T(v(low=0.1))), {}, "0-d")
    yield Sample((T(v(0, 2)), 1.0), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"), 0.0), {}, "strided mean, std 0: the mean", grad=False)
    yield Sample((0.0, 1.0, ()), _kw(dtype), "a 0-d size")


def _bernoulli(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype, 0.0, 1.0)

    yield Sample((T(v(3, 4)),), {}, "probabilities")
    yield Sample((T(np.array([0.0, 1.0, 0.0, 1.0])),), {}, "0 and 1: certain")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"),), {}, "strided")
    yield Sample((T(v(2, 3)), 0.3), {}, "a float p")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {}, "expanded")


def _multinomial(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype, 0.1, 2.0)

    yield Sample((T(v(5)), 3), {}, "1-d, without replacement")
    yield Sample((T(v(2, 4)), 6, True), {}, "2-d, with replacement")
    yield Sample((T(v(5)), 5), {}, "every category")
    yield Sample((T(np.array([0.0, 3.0, 0.0])), 1), {}, "one possible category")
    yield Sample((T(v(3, 5), "strided"), 2), {"replacement": True}, "strided")
    yield Sample((T(v(0, 3)), 2), {}, "no rows")


def _poisson(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(values(rng, (3, 4), dtype, 0.0, 30.0)),), {}, "rates")
    yield Sample((T(np.array([0.0, 0.5, 11.0, 100.0])),), {}, "a zero rate and large ones")
    yield Sample((T(np.array(2.5)),), {}, "0-d")
    yield Sample((T(np.zeros((0, 2))),), {}, "zero-size")
    yield Sample((T(values(rng, (3, 5), dtype, 0.0, 5.0), "strided"),), {}, "strided")


def _binomial(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    count = np.array([[0.0, 1.0, 5.0], [10.0, 50.0, 200.0]])
    yield Sample((T(count), T(rng.uniform(0, 1, (2, 3)))), {}, "counts and probabilities")
    yield Sample((T(count), T(np.array([0.0, 1.0, 0.5]))), {}, "probabilities 0 and 1, broadcast")
    yield Sample((T(np.array(4.0)), T(np.array(0.5))), {}, "0-d")
    yield Sample((T(np.zeros((0, 2))), T(np.zeros((0, 2)))), {}, "zero-size")


# -- copies and in-place fills ---------------------------------------------------------------------------------


def _fill_value(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    yield Sample((T(v(3, 4)), _fill(dtype)), {}, "a value of the dtype's kind")
    yield Sample((T(v()), 2), {}, "0-d, an int")
    yield Sample((T(v(0, 3)), 1.5), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"), True), {}, "strided, a bool")
    yield Sample((T(v(2, 3)), T(np.array(1.0))), {}, "a 0-d tensor value")
    if _floating(dtype):
        yield Sample((T(v(3)), math.nan), {}, "NaN")
        yield Sample((T(v(3)), -math.inf), {}, "-inf")
    else:
        yield Sample((T(v(3)), 2.7), {}, "a float into integers (truncated)")


def _zero(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    yield Sample((T(v(3, 4)),), {}, "2-d")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(0, 3)),), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"),), {}, "strided")
    yield Sample((T(edge_values(dtype)),), {}, "edge values")


# -- introspection ---------------------------------------------------------------------------------------------


def _one_tensor(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    yield Sample((T(v(3, 4)),), {}, "2-d")
    yield Sample((T(v()),), {}, "0-d")
    yield Sample((T(v(2, 0, 3)),), {}, "zero-size")
    yield Sample((T(v(3, 5), "strided"),), {}, "strided")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {}, "expanded")


def _is_tensor(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield from _one_tensor(dtype, rng)
    yield Sample(([1, 2],), {}, "a list")
    yield Sample((3.5,), {}, "a float")
    yield Sample((np.zeros(2),), {}, "a NumPy array")


def _is_nonzero(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    for x in edge_values(dtype):
        yield Sample((T(np.array([x])),), {}, f"[{x}]")
    yield Sample((T(np.array(0)),), {}, "0-d zero")
    yield Sample((T(np.array([[1]])),), {}, "1 x 1")


def _is_same_size(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    yield Sample((T(v(3, 4)), T(v(3, 4))), {}, "same")
    yield Sample((T(v(3, 4)), T(v(4, 3))), {}, "transposed")
    yield Sample((T(v(3, 4)), T(v(12))), {}, "same numel")
    yield Sample((T(v()), T(v(1))), {}, "0-d and (1,)")
    yield Sample((T(v(0)), T(v(0))), {}, "both empty")
    yield Sample((T(v(3, 4)), T(v(3, 4), dtype="int64")), {}, "other dtype")


def _dtype_pairs(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """promote_types/can_cast: the dtype under test against every dtype."""
    for other in ALLH:
        yield Sample((DType(dtype), DType(other)), {}, f"{dtype}, {other}")


def _result_type(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    for other in ("float64", "int32", "uint8", "bool"):
        yield Sample((T(v(2)), T(v(2), dtype=other)), {}, f"tensor of {other}")
        yield Sample((T(v()), T(v(2), dtype=other)), {}, f"0-d against a tensor of {other}")
    for scalar in (True, 2, 2.5):
        yield Sample((T(v(2)), scalar), {}, f"a Python {type(scalar).__name__}")
        yield Sample((scalar, T(v(2))), {}, f"a Python {type(scalar).__name__} first")
    yield Sample((T(v()), T(v(), dtype="float64")), {}, "two 0-d")


# -- Hypothesis strategies ------------------------------------------------------------------------------------


def _hyp_arange(draw: Any, dtype: str) -> Sample:
    """arange over drawn bounds and a drawn step (integers, or floats for floating dtypes; at most ~1000
    values): the count, ceil((end - start) / step) in double, is the edge."""
    from hypothesis import strategies as st

    if _floating(dtype):
        num: Any = st.floats(-50, 50).map(lambda x: round(x, 3))
        step = draw(st.floats(0.05, 5).map(lambda x: round(x, 3)) | st.floats(-5, -0.05).map(lambda x: round(x, 3)))
    else:
        num = st.integers(0 if dtype == "uint8" else -50, 50)
        step = draw(st.integers(1, 7) | st.integers(-7, -1))
    start, end = draw(num), draw(num)
    return Sample((start, end, step), _kw(dtype))


def _hyp_linspace(draw: Any, dtype: str) -> Sample:
    from hypothesis import strategies as st

    lo = 0 if dtype == "uint8" else -100
    if dtype in FLT:
        num = st.floats(lo, 100).map(lambda x: round(x, 2))
        return Sample((draw(num), draw(num), draw(st.integers(0, 40))), _kw(dtype))
    # NOTE: integer results are exact only for a whole step: PyTorch truncates a fractional one differently in its
    # vectorized and scalar loops, by the machine's vector width
    steps, start = draw(st.integers(2, 20)), draw(st.integers(lo, 50))
    end = start + (steps - 1) * draw(st.integers(0 if dtype == "uint8" else -3, 3))
    return Sample((start, end, steps), _kw(dtype))


# -- wrappers where the libraries differ only in names ---------------------------------------------------------


def _dtype_name(name: str) -> Callable[[Any], Callable[..., Any]]:
    """``lib.<name>`` giving a dtype, turned into the dtype's name (``torch.float32`` and ``ember.float32`` are
    objects of two libraries; their names compare)."""

    def fn(lib: Any) -> Callable[..., Any]:
        op = getattr(lib, name)
        return lambda *a, **k: str(op(*a, **k)).rsplit(".", 1)[-1]

    return fn


def _typename(lib: Any) -> Callable[..., Any]:
    """``typename`` with the library's prefix dropped (``torch.FloatTensor`` is ``ember.FloatTensor``)."""
    return lambda x: lib.typename(x).replace(lib.__name__ + ".", "")


# -- errors ----------------------------------------------------------------------------------------------------


def _err(args: tuple[Any, ...], exc: type[BaseException], match: str, kwargs: dict[str, Any] | None = None,
         dtype: str = "float32") -> ErrorCase:
    return ErrorCase(Sample(args, kwargs or {}), exc, match, dtype)


_NEG = "Trying to create tensor with negative dimension -1: [2, -1]"
_SIZE_ERRORS = (
    _err((2, -1), RuntimeError, _NEG),
    _err((2.0,), TypeError, "argument 'size' (position 1) must be tuple of ints, not float"),
    _err(("a",), TypeError, "argument 'size' (position 1) must be tuple of ints, not str"),
    _err(((2.0, 3),), TypeError, "must be tuple of ints, but found element of type float at pos 0"),
)
_OVERFLOW = "value cannot be converted to type"
_BACKENDS = ("numpy", "jax", "array_api_strict", "cupy")
#: why bernoulli's values compare on the CPU backend only
_DEVICE_STREAM = ("bernoulli of a tensor on another device draws from that device's generator, whose stream is not "
                  "PyTorch CPU's (factory functions draw on the host, and match on every backend)")
#: why normal has no finite-difference check (its gradients are checked against PyTorch's zeros)
_NORMAL_GRAD = ("PyTorch defines the derivative of a normal sample with respect to mean and std as zero (no "
                "reparametrization), which finite differences of a seeded sample do not see")

OPS: list[OpInfo] = [
    OpInfo("zeros", _sized, dtypes=ALLH, supports_out=True, grad=False,
           errors=(_err((2, -1), RuntimeError, "zeros: Dimension size must be non-negative."), *_SIZE_ERRORS[1:])),
    OpInfo("ones", _sized, dtypes=ALLH, supports_out=True, grad=False, errors=_SIZE_ERRORS),
    OpInfo("empty", _sized, dtypes=ALLH, supports_out=True, grad=False, compare="shape", errors=_SIZE_ERRORS),
    OpInfo("full", _full, dtypes=ALLH, supports_out=True, grad=False,
           errors=(_err(((2, -1), 1.0), RuntimeError, _NEG),
                   _err(((2.0,), 1.0), TypeError, "must be tuple of ints, but found element of type float at pos 0"),
                   _err(((2,), 300), RuntimeError, f"{_OVERFLOW} uint8_t without overflow", {"dtype": DType("uint8")}),
                   _err(((2,), math.nan), RuntimeError, f"{_OVERFLOW} int64_t without overflow",
                        {"dtype": DType("int64")}),
                   _err(((2,), 1e5), RuntimeError, f"{_OVERFLOW} c10::Half without overflow",
                        {"dtype": DType("float16")}))),
    OpInfo("eye", _eye, dtypes=ALLH, supports_out=True, grad=False,
           errors=(_err((-1,), RuntimeError, "n must be greater or equal to 0, got -1"),
                   _err((2, -1), RuntimeError, "m must be greater or equal to 0, got -1"),
                   _err((2.0,), TypeError, "must be int, not float"))),
    OpInfo("empty_strided", _empty_strided, dtypes=ALLH, grad=False, compare="shape",
           errors=(_err(((-1,), (1,)), RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"),
                   _err(((2, 3), (1,)), RuntimeError,
                        "dimensionality of sizes (2) must match dimensionality of strides (1)"))),
    OpInfo("scalar_tensor", _scalar_tensor, dtypes=ALLH, grad=False,
           errors=(_err((300,), RuntimeError, f"{_OVERFLOW} int8_t without overflow", {"dtype": DType("int8")}),)),
    OpInfo("arange", _arange, dtypes=NUMH, supports_out=True, grad=False, hypothesis=_hyp_arange,
           errors=(_err((0, 10, 0), RuntimeError, "step must be nonzero"),
                   _err((0, 10, -1), RuntimeError, "upper bound and lower bound inconsistent with step sign"),
                   _err((0, math.inf), RuntimeError, "unsupported range: 0 -> inf"),
                   _err((3,), NotImplementedError, "\"arange_cpu\" not implemented for 'Bool'",
                        {"dtype": DType("bool")}))),
    OpInfo("range", _range, dtypes=NUMH, supports_out=True, grad=False,
           errors=(_err((0, 3, -1), RuntimeError, "upper bound and lower bound inconsistent with step sign"),
                   _err((0, 3, 0), RuntimeError, "step must be nonzero"))),
    OpInfo("linspace", _linspace, dtypes=NUMH, supports_out=True, grad=False, hypothesis=_hyp_linspace,
           errors=(_err((0, 1, -1), RuntimeError, "number of steps must be non-negative"),
                   _err((0, 1, 3), NotImplementedError, "\"linspace_cpu\" not implemented for 'Bool'",
                        {"dtype": DType("bool")}))),
    OpInfo("logspace", _logspace, dtypes=NUMH, supports_out=True, grad=False,
           errors=(_err((0, 1, -1), RuntimeError, "number of steps must be non-negative"),
                   _err((0, 1, 3), NotImplementedError, "\"logspace_cpu\" not implemented for 'Bool'",
                        {"dtype": DType("bool")}))),
    OpInfo("zeros_like", _like(), dtypes=ALLH, grad=False),
    OpInfo("ones_like", _like(), dtypes=ALLH, grad=False),
    OpInfo("empty_like", _like(), dtypes=ALLH, grad=False, compare="shape"),
    OpInfo("full_like", _like(fill=True), dtypes=ALLH, grad=False,
           errors=(_err((T(np.ones(2), dtype="uint8"), 300), RuntimeError, f"{_OVERFLOW} uint8_t without overflow",
                        dtype="uint8"),)),
    OpInfo("tensor", _tensor, dtypes=ALLH, grad=False,
           errors=(_err(([[1, 2], [3]],), ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
                   _err(("a",), TypeError, "new(): invalid data type 'str'"),
                   _err(([1, 300],), RuntimeError, f"{_OVERFLOW} uint8 without overflow",
                        {"dtype": DType("uint8")}))),
    OpInfo("as_tensor", _as_tensor, dtypes=ALLH, grad=False,
           errors=(_err(([[1, 2], [3]],), ValueError, "expected sequence of length 2 at dim 1 (got 1)"),)),
    OpInfo("asarray", _as_tensor, dtypes=ALLH, grad=False,
           errors=(_err(([[1, 2], [3]],), ValueError, "expected sequence of length 2 at dim 1 (got 1)"),)),
    # -- samplers: the values compare under a seed -------------------------------------------------------------
    OpInfo("rand", _sized, dtypes=FLT, supports_out=True, grad=False, fn=_seeded("rand"),
           errors=(*_SIZE_ERRORS[:2],
                   _err((2,), NotImplementedError, "\"check_uniform_bounds\" not implemented for 'Long'",
                        {"dtype": DType("int64")}))),
    OpInfo("randn", _sized, dtypes=FLT, supports_out=True, grad=False, fn=_seeded("randn"),
           errors=(*_SIZE_ERRORS[:2],
                   _err((2,), NotImplementedError, "\"normal_kernel_cpu\" not implemented for 'Long'",
                        {"dtype": DType("int64")}))),
    OpInfo("rand_like", _like(dtype_arg=False), dtypes=FLT, grad=False, fn=_seeded("rand_like")),
    OpInfo("randn_like", _like(dtype_arg=False), dtypes=FLT, grad=False, fn=_seeded("randn_like")),
    OpInfo("randint", _randint, dtypes=ALLH, supports_out=True, grad=False, fn=_seeded("randint"),
           errors=(_err((5, 3, (2,)), RuntimeError,
                        "random_ expects 'from' to be less than 'to', but got from=5 >= to=3"),
                   _err((0, 3, (2,)), RuntimeError, "to - 1 is out of bounds for bool", {"dtype": DType("bool")}),
                   _err((-1, 3, (2,)), RuntimeError, "from is out of bounds for unsigned char",
                        {"dtype": DType("uint8")}),
                   _err((3, (-1,)), RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"))),
    OpInfo("randint_like", _randint_like, dtypes=ALLH, grad=False, fn=_seeded("randint_like"),
           errors=(_err((T(np.ones(2)), 3, 1), RuntimeError,
                        "random_ expects 'from' to be less than 'to', but got from=3 >= to=1"),)),
    OpInfo("randperm", _randperm, dtypes=NUMH, supports_out=True, grad=False, fn=_seeded("randperm"),
           errors=(_err((-1,), RuntimeError, "Trying to create tensor with negative dimension -1: [-1]"),
                   _err((3,), NotImplementedError, "\"randperm\" not implemented for 'Bool'", {"dtype": DType("bool")}),
                   _err((3000,), RuntimeError, "n cannot be greater than 2049 for Half type.",
                        {"dtype": DType("float16")}))),
    OpInfo("normal", _normal, dtypes=FLT, supports_out=True, fn=_seeded("normal"),
           gaps={f"{b}:gradcheck": _NORMAL_GRAD for b in _BACKENDS},
           errors=(_err((0.0, -1.0, (2,)), RuntimeError, "normal expects std >= 0.0, but found std -1"),
                   _err((T(np.zeros(2)), -1.0), RuntimeError, "normal expects std >= 0.0, but found std -1"),
                   _err((T(np.zeros(2), dtype="int64"), 1.0), NotImplementedError,
                        "\"normal_kernel_cpu\" not implemented for 'Long'"))),
    OpInfo("bernoulli", _bernoulli, dtypes=FLT, supports_out=True, grad=False, fn=_seeded("bernoulli"),
           gaps={f"{b}:forward": _DEVICE_STREAM for b in _BACKENDS if b != "numpy"},
           errors=(_err((T(np.array([1.5])),), RuntimeError, "Expected p_in >= 0 && p_in <= 1 to be true"),
                   _err((T(np.array([1]), dtype="int64"),), NotImplementedError,
                        "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'"),
                   _err((T(np.zeros(2)), 1.5), RuntimeError, "bernoulli_ expects p to be in [0, 1], but got p=1.5"))),
    OpInfo("multinomial", _multinomial, dtypes=FLT, method="multinomial", supports_out=True, grad=False,
           compare="shape",
           errors=(_err((T(np.array([-1.0, 2.0])), 1), RuntimeError,
                        "probability tensor contains either `inf`, `nan` or element < 0"),
                   _err((T(np.array([0.0, 0.0])), 1), RuntimeError,
                        "invalid multinomial distribution (sum of probabilities <= 0)"),
                   _err((T(np.array([1.0, 2.0])), 3), RuntimeError,
                        "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
                   _err((T(np.ones((2, 2, 2))), 1), RuntimeError, "prob_dist must be 1 or 2 dim"),
                   _err((T(np.array([1, 2]), dtype="int64"), 1), RuntimeError,
                        "multinomial only supports floating-point dtypes for input, got: Long"),
                   _err((T(np.array([1.0, 2.0])), 0), RuntimeError, "cannot sample n_sample <= 0 samples"))),
    OpInfo("poisson", _poisson, dtypes=FLT, grad=False, compare="shape",
           errors=(_err((T(np.array([-1.0])),), RuntimeError, "invalid Poisson rate, expected rate to be non-negative"),
                   _err((T(np.array([1]), dtype="int64"),), NotImplementedError,
                        "\"poisson_cpu\" not implemented for 'Long'"))),
    OpInfo("binomial", _binomial, dtypes=FLOATS, grad=False, compare="shape",
           errors=(_err((T(np.array([1]), dtype="int64"), T(np.array([0.5]))), ValueError,
                        "binomial only supports floating-point dtypes for count, got: Long"),
                   _err((T(np.ones(2)), T(np.ones(3))), RuntimeError,
                        "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
                   )),
    # -- copies and fills ------------------------------------------------------------------------------------
    OpInfo("clone", unary(), dtypes=ALLH, method="clone"),
    OpInfo("detach", unary(), dtypes=ALLH, method="detach", inplace="detach_", aliases=("detach_",), grad=False),
    OpInfo("fill", _fill_value, dtypes=ALLH, inplace="fill_", aliases=("fill_",), grad=False,
           errors=(_err((T(np.ones(2)), T(np.ones(2))), RuntimeError,
                        "fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions."),)),
    OpInfo("zero_", _zero, dtypes=ALLH, method="zero_", grad=False),
    # -- introspection ---------------------------------------------------------------------------------------
    OpInfo("numel", _one_tensor, dtypes=ALLH, method="numel", grad=False),
    OpInfo("is_complex", _one_tensor, dtypes=ALLH, method="is_complex", grad=False),
    OpInfo("is_floating_point", _one_tensor, dtypes=ALLH, method="is_floating_point", grad=False),
    OpInfo("is_signed", _one_tensor, dtypes=ALLH, method="is_signed", grad=False),
    OpInfo("is_inference", _one_tensor, dtypes=ALLH, method="is_inference", grad=False),
    OpInfo("is_tensor", _is_tensor, dtypes=ALLH, grad=False),
    OpInfo("is_nonzero", _is_nonzero, dtypes=ALLH, method="is_nonzero", grad=False,
           errors=(_err((T(np.ones(2)),), RuntimeError,
                        "Boolean value of Tensor with more than one value is ambiguous"),
                   _err((T(np.ones(0)),), RuntimeError, "Boolean value of Tensor with no values is ambiguous"))),
    OpInfo("is_same_size", _is_same_size, dtypes=ALLH, method="is_same_size", grad=False),
    OpInfo("get_device", _one_tensor, dtypes=ALLH, method="get_device", grad=False,
           gaps={b: "a tensor on this device has index 0 where PyTorch's CPU tensor gives -1; PyTorch CPU is the only "
                    "oracle" for b in _BACKENDS if b != "numpy"}),
    OpInfo("typename", _is_tensor, dtypes=ALLH, grad=False, fn=_typename),
    OpInfo("result_type", _result_type, dtypes=ALLH, grad=False, fn=_dtype_name("result_type")),
    OpInfo("promote_types", _dtype_pairs, dtypes=ALLH, grad=False, fn=_dtype_name("promote_types")),
    OpInfo("can_cast", _dtype_pairs, dtypes=ALLH, grad=False),
]
