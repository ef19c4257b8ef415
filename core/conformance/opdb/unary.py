"""Pointwise ops of one tensor: ``exp``, ``sin``, ``floor``, predicates such as ``isnan``, the special
functions (``lgamma``, ``erfinv``, ``i0``, ...), ``softmax``/``log_softmax`` over a dim, and the odd ones
with op-specific arguments (``round(decimals=)``, ``logit(eps=)``, ``nan_to_num``, ``frexp``,
``embedding_renorm_``, ``resize_as_``).

The dtypes are those PyTorch's CPU kernels take (probed on torch 2.13): float-valued ops such as ``sin``
take every real dtype and compute integers and bools in float32; ``floor``/``abs``/``neg`` refuse bool;
``frac``/``frexp`` take floats only. Each entry adds, to the shared samples, the points where its
function is singular or leaves its domain (``log(0)``, ``acos(±1)``, ``lgamma`` at the poles).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._core import BOOL, FLOAT_EDGES, FLOATS, HALF, INTS, DType, ErrorCase, OpInfo, Sample, SampleFn, T, values
from .samples import chain, edge_values, unary

#: floating dtypes only (frac, frexp, softmax)
FLT = (*FLOATS, *HALF)
#: every real dtype but bool (abs, neg, floor, ...)
NUM = (*FLT, *INTS)
#: every real dtype; float-valued ops compute integers and bools in float32
REAL = (*NUM, *BOOL)

_I64 = "int64"


def _floating(dtype: str) -> bool:
    return dtype in FLT


def _at(*points: float) -> SampleFn:
    """A float sample of the points where the op is singular or leaves its domain (no gradient there)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        if _floating(dtype):
            yield Sample((T(np.array(points, dtype=np.float64)),), {}, "domain edges", grad=False)

    return gen


def _negzero_nan(signed_nan: bool = True) -> SampleFn:
    """-0.0 and a NaN with its sign bit set, the values whose sign only the bits show."""
    vals = [-0.0, 0.0, np.nan, -np.inf] + ([-np.nan] if signed_nan else [])

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        if _floating(dtype):
            yield Sample((T(np.array(vals)),), {}, "signed zero and NaN", grad=False)

    return gen


def _hyp(low: float = -3.0, high: float = 3.0, **kwargs: Any) -> Callable[[Any, str], Sample]:
    """A Hypothesis strategy: a tensor of up to 4 dims (up to 5 each) with floats in ``[low, high]``
    and the float edges, or integers anywhere in ``[-1000, 1000]`` (PyTorch and ember must agree
    outside the op's domain too)."""

    def strategy(draw: Any, dtype: str) -> Sample:
        from hypothesis import strategies as st

        shape = tuple(draw(st.lists(st.integers(0, 5), max_size=4)))
        n = math.prod(shape)
        if dtype == "bool":
            elem: Any = st.booleans()
        elif dtype in INTS:
            info = np.iinfo(dtype)
            elem = st.integers(max(int(info.min), -1000), min(int(info.max), 1000))
        else:
            elem = st.one_of(st.floats(low, high), st.sampled_from(FLOAT_EDGES))
        data = np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=bool if dtype == "bool" else None)
        return Sample((T(data.reshape(shape)),), dict(kwargs))

    return strategy


def _out_of_kind() -> ErrorCase:
    """A float result written to an integer ``out=``: PyTorch refuses the downcast."""
    return ErrorCase(Sample((T(np.array([1, 2])),), {"out": T(np.zeros(2), dtype=_I64)}), RuntimeError,
                     "result type Float can't be cast to the desired output type Long", dtype=_I64)


def _op(name: str, low: float = -3.0, high: float = 3.0, *, dtypes: tuple[str, ...] = REAL,
        aliases: tuple[str, ...] = (), points: tuple[float, ...] = (), grad: bool = True, inplace: bool = True,
        out: bool = True, extra: SampleFn | None = None, errors: tuple[ErrorCase, ...] = (),
        to_float: bool = False, **kw: Any) -> OpInfo:
    """An entry for a pointwise op with a method, usually an in-place method and ``out=``; the shared unary
    samples in ``[low, high)`` (the domain), plus the op's singular ``points``. ``to_float``: integer and
    bool inputs give float32 (``sin``), so an integer ``out=`` is refused."""
    more = [f for f in (_at(*points) if points else None, extra) if f is not None]
    gen = unary(low, high, extra=chain(*more) if more else None)
    errs = (*errors, _out_of_kind()) if to_float and out else errors
    return OpInfo(name, gen, dtypes=dtypes, method=name, inplace=f"{name}_" if inplace else None, supports_out=out,
                  grad=grad, aliases=aliases, errors=errs, hypothesis=_hyp(low, high), **kw)


def _not_for(kernel: str, dtype: str) -> ErrorCase:
    """PyTorch's refusal of a dtype its CPU kernel lacks (a NotImplementedError naming the kernel)."""
    tn = {"bool": "Bool", "int64": "Long", "float32": "Float"}[dtype]
    data = np.array([True, False]) if dtype == "bool" else np.array([1, 2])
    return ErrorCase(Sample((T(data),)), NotImplementedError, f'"{kernel}" not implemented for \'{tn}\'', dtype=dtype)


# -- op-specific samples ---------------------------------------------------------------------------------------


def _round_decimals(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """round(decimals=): positive, negative and large decimals; halves (ties to even); integer inputs refuse."""
    v = values(rng, (3, 4), dtype, -50, 50)
    yield Sample((T(v),), {"decimals": 1}, "decimals=1")
    yield Sample((T(v),), {"decimals": -1}, "decimals=-1")
    if _floating(dtype):
        yield Sample((T(np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.375])),), {}, "ties to even", grad=False)
        yield Sample((T(np.array([0.25, 1.35, -2.45, 12345.678, np.inf, np.nan, -0.0])),), {"decimals": 2},
                     "decimals=2 at edges", grad=False)
        yield Sample((T(np.array([1e30, 1e-30, 123.456])),), {"decimals": 20}, "decimals=20", grad=False)


def _logit_eps(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """logit(eps=): inputs clamped to [eps, 1 - eps] first, so 0 and 1 give finite values."""
    v = values(rng, (3, 4), dtype, 0.05, 0.95)
    yield Sample((T(v),), {"eps": 1e-6}, "eps=1e-6")
    edges = np.array([0.0, 1.0, -0.5, 1.5, 0.5, np.nan])
    yield Sample((T(edges),), {"eps": 0.1}, "eps=0.1 at the edges", grad=False)
    yield Sample((T(edges),), {"eps": 0.5}, "eps=0.5: everything is 0", grad=False)


def _nan_to_num_kw(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """nan_to_num with explicit replacements, some None (the dtype's extremes) and some out of range."""
    e = edge_values(dtype)
    yield Sample((T(e),), {"nan": 1.5}, "nan=1.5")
    yield Sample((T(e),), {"nan": 0.0, "posinf": 100.0, "neginf": -100.0}, "all three")
    yield Sample((T(e),), {"posinf": 1e30, "neginf": None}, "posinf beyond float16's range")
    yield Sample((T(values(rng, (2, 3), dtype)),), {"nan": 2.0, "posinf": 3.0, "neginf": -3.0}, "finite input")
    yield Sample((T(np.array([[np.nan, 1.0], [np.inf, -np.inf]]), "strided"),), {"nan": -1.0}, "strided, nan=-1",
                 grad=False)


def _frexp_extra(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """frexp at the smallest values, powers of two and the largest finite values (exponent dtype int32):
    subnormals in float64 and float16; in float32 and bfloat16 the smallest normal value, as a float32
    subnormal is the float64 case again once ember's frexp has widened it (and XLA flushes it to zero)."""
    tiny = {"float32": 1.2e-38, "float64": 1e-310, "float16": 1e-7, "bfloat16": 1.2e-38}[dtype]
    big = {"float32": 3e38, "float64": 1e308, "float16": 65504.0, "bfloat16": 3e38}[dtype]
    yield Sample((T(np.array([tiny, -tiny, 1.0, 2.0, 0.5, -4.0, big, -big])),), {}, "tiny, huge, powers of two",
                 grad=False)


def _softmax(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """softmax/log_softmax over each dim kind; rows of -inf (NaN), inf and NaN; a dtype= cast."""

    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    yield Sample((T(v(3, 4)), 1), {}, "dim=1")
    yield Sample((T(v(2, 3, 4)), -1), {}, "dim=-1")
    yield Sample((T(v(2, 3, 4)), 0), {}, "dim=0")
    yield Sample((T(v()), 0), {}, "0-d, dim=0")
    yield Sample((T(v(3, 5), "strided"), 1), {}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)), -1), {}, "expanded view, along the broadcast dim")
    yield Sample((T(v(0, 3)), 1), {}, "zero-size, reduce a non-empty dim")
    yield Sample((T(v(2, 0)), 1), {}, "zero-size, reduce the empty dim")
    yield Sample((T(v()), -1), {}, "0-d, dim=-1")
    yield Sample((T(v(2, 3)), 1), {"dtype": DType("float64")}, "dtype=float64")
    edges = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0],
                      [1e30, -1e30, 0.0], [88.0, 89.0, 90.0]])
    yield Sample((T(edges), 1), {}, "rows of -inf, inf, NaN, huge values", grad=False)
    yield Sample((T(np.array([[1, 2, 3], [0, 0, 0]]), dtype=_I64), 1), {"dtype": DType("float32")},
                 "integer input, dtype=float32")


def _embedding_renorm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """embedding_renorm_(weight, indices, max_norm, norm_type): rows named (repeats once) above max_norm scaled.
    The first samples all name three distinct rows of a (5, 3) weight: JAX compiles each new shape."""
    w = rng.uniform(-3, 3, (5, 3))
    idx = np.array([0, 2, 2, 4])
    yield Sample((T(w), T(idx, dtype=_I64), 1.0, 2.0), {}, "L2, a repeated index")
    yield Sample((T(w), T(idx, dtype="int32"), 2.5, 1.0), {}, "L1, int32 indices")
    yield Sample((T(w), T(np.array([[1, 3], [3, 0]]), dtype=_I64), 0.5, 3.0), {}, "2-d indices, p=3")
    yield Sample((T(w), T(np.array([4, -1, 1]), dtype=_I64), 100.0, 2.0), {}, "max_norm above every norm, index -1")
    yield Sample((T(w), T(np.array([], dtype=np.int64), dtype=_I64), 1.0, 2.0), {}, "no indices")
    yield Sample((T(np.zeros((3, 4))), T(np.array([0, 1]), dtype=_I64), 1.0, 2.0), {}, "zero rows")


def _resize_as(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """resize_as_ to the same or fewer elements, whose values are kept (growing leaves them uninitialized)."""

    def v(*shape: int) -> np.ndarray:
        return values(rng, shape, dtype)

    yield Sample((T(v(3, 4)), T(v(2, 3))), {}, "shrink to 2-d")
    yield Sample((T(v(3, 4)), T(v(4, 3))), {}, "same size, another shape")
    yield Sample((T(v(3, 4)), T(v())), {}, "to 0-d")
    yield Sample((T(v(3, 4)), T(v(0, 2))), {}, "to zero-size")
    yield Sample((T(v(2, 3)), T(v(6), dtype="float64")), {}, "other of another dtype: only its shape counts")


def _f(name: str, low: float = -3.0, high: float = 3.0, **kw: Any) -> OpInfo:
    """A float-valued pointwise op over every real dtype (integers and bools compute in float32)."""
    return _op(name, low, high, to_float=True, **kw)


# -- the entries -------------------------------------------------------------------------------------------------

OPS: list[OpInfo] = [
    _op("abs", dtypes=NUM, aliases=("absolute", "abs_"), extra=_negzero_nan(),
        errors=(_not_for("abs_cpu", "bool"),)),
    _op("neg", dtypes=NUM, aliases=("negative", "neg_", "negative_"),
        errors=(ErrorCase(Sample((T(np.array([True])),)), RuntimeError,
                          "Negation, the `-` operator, on a bool tensor is not supported", dtype="bool"),)),
    _op("positive", dtypes=NUM, inplace=False, out=False,
        errors=(ErrorCase(Sample((T(np.array([True])),)), RuntimeError,
                          "The `+` operator, on a bool tensor is not supported.", dtype="bool"),)),
    _op("sign", dtypes=REAL, extra=_negzero_nan(),
        errors=(ErrorCase(Sample((T(np.array([1 + 1j])),)), RuntimeError,
                          "Unlike NumPy, torch.sign is not intended to support complex numbers", dtype="complex64"),)),
    _op("sgn", dtypes=REAL, extra=_negzero_nan()),
    # NOTE: no NaN with its sign bit set: ember's backend contract has no bit view or copysign to read it by
    _op("signbit", dtypes=REAL, inplace=False, grad=False, extra=_negzero_nan(signed_nan=False),
        errors=(ErrorCase(Sample((T(np.array([1 + 1j])),)), NotImplementedError,
                          "signbit is not implemented for complex tensors.", dtype="complex64"),)),
    _op("square", dtypes=REAL, aliases=("square_",)),
    _f("reciprocal", aliases=("reciprocal_",), points=(0.0, -0.0, 1e-30, -1e-30, 1e30)),
    _f("rsqrt", 0.1, 5.0, aliases=("rsqrt_",), points=(0.0, -0.0, -1.0, 1e-30, 1e30)),
    _f("sqrt", 0.01, 5.0, aliases=("sqrt_",), points=(0.0, -0.0, -1.0, -1e-30)),
    _f("exp", aliases=("exp_",), points=(88.7, 89.0, -104.0, 709.0, 710.0, -745.0)),
    _f("exp2", aliases=("exp2_",), points=(127.0, 128.0, -149.0, 1023.0, 1024.0, -1075.0)),
    _f("expm1", aliases=("expm1_",), points=(1e-10, -1e-10, 88.8, 710.0, -40.0)),
    _f("log", 0.01, 5.0, aliases=("log_",), points=(0.0, -0.0, -1.0, 2e-38, 1e-310),
       gaps={"jax:float64": "XLA flushes float64 subnormals to zero on the CPU: log(1e-310) is -inf"}),
    _f("log2", 0.01, 5.0, aliases=("log2_",), points=(0.0, -0.0, -1.0, 0.5, 1024.0)),
    _f("log10", 0.01, 5.0, aliases=("log10_",), points=(0.0, -0.0, -1.0, 1000.0, 1e-5)),
    _f("log1p", -0.9, 5.0, aliases=("log1p_",), points=(-1.0, -1.5, 1e-10, -1e-10, 1e30)),
    _f("sin", aliases=("sin_",), points=(1e10, -1e10, math.pi)),
    _f("cos", aliases=("cos_",), points=(1e10, -1e10, math.pi / 2)),
    _f("tan", -1.4, 1.4, aliases=("tan_",), points=(math.pi / 2, -math.pi / 2, 1e10)),
    _f("asin", -0.95, 0.95, aliases=("arcsin", "asin_", "arcsin_"), points=(1.0, -1.0, 1.5, -1.5)),
    _f("acos", -0.95, 0.95, aliases=("arccos", "acos_", "arccos_"), points=(1.0, -1.0, 1.5, -1.5)),
    _f("atan", aliases=("arctan", "atan_", "arctan_"), points=(1e30, -1e30)),
    # NOTE: XLA's float32 sinh/cosh are 1.4e-6 off at |x| = 88 (JAX), just past float32's default rtol
    _f("sinh", aliases=("sinh_",), points=(89.5, -89.5, 710.5, 1e-10), tol={"float32": (3e-6, 1e-5)}),
    _f("cosh", aliases=("cosh_",), points=(89.5, -89.5, 710.5), tol={"float32": (3e-6, 1e-5)}),
    _f("tanh", aliases=("tanh_",), points=(20.0, -20.0, 1e-10)),
    _f("asinh", aliases=("arcsinh", "asinh_", "arcsinh_"), points=(1e30, -1e30, 1e-10)),
    _f("acosh", 1.05, 5.0, aliases=("arccosh", "acosh_", "arccosh_"), points=(1.0, 0.5, -1.0, 1e30)),
    _f("atanh", -0.95, 0.95, aliases=("arctanh", "atanh_", "arctanh_"), points=(1.0, -1.0, 1.5, -1.5, 1e-10)),
    _f("deg2rad", aliases=("deg2rad_",), points=(180.0, -90.0, 1e30)),
    _f("rad2deg", aliases=("rad2deg_",), points=(math.pi, -math.pi / 2, 1e30)),
    _f("sigmoid", aliases=("sigmoid_",), points=(100.0, -100.0, 1e30, -1e30, 40.0, -40.0)),
    _f("logit", 0.05, 0.95, aliases=("logit_",), points=(0.0, 1.0, -0.5, 1.5, 0.5), extra=_logit_eps),
    _f("erf", aliases=("erf_",), points=(6.0, -6.0, 1e-10)),
    _f("erfc", aliases=("erfc_",), points=(10.0, 27.0, -6.0, 1e-10)),
    _f("erfinv", -0.95, 0.95, points=(1.0, -1.0, 1.5, 1e-10, 0.999999)),
    _f("sinc", aliases=("sinc_",), points=(0.0, -0.0, 1.0, -2.0, 1e-10, 1e30)),
    _f("lgamma", 0.1, 5.0, points=(0.0, -0.0, -1.0, -2.0, -2.5, 1e-30, 1e30, 171.7)),
    _f("digamma", 0.1, 5.0, points=(0.0, -0.0, -1.0, -2.0, -2.5, 1e-30, 1e30)),
    _f("i0", aliases=("i0_",), points=(50.0, -50.0, 700.0, 1e-10)),
    _op("floor", dtypes=NUM, aliases=("floor_",), extra=_negzero_nan(),
        errors=(_not_for("floor_vml_cpu", "bool"),)),
    _op("ceil", dtypes=NUM, aliases=("ceil_",), extra=_negzero_nan(),
        errors=(_not_for("ceil_vml_cpu", "bool"),)),
    _op("trunc", dtypes=NUM, aliases=("fix", "trunc_", "fix_"), extra=_negzero_nan(),
        errors=(_not_for("trunc_vml_cpu", "bool"),)),
    _op("round", -50.0, 50.0, dtypes=NUM, aliases=("round_",), extra=_round_decimals,
        errors=(ErrorCase(Sample((T(np.array([15, 25])),), {"decimals": 1}), NotImplementedError,
                          "\"round_cpu\" not implemented for 'Long'", dtype=_I64),
                _not_for("round_vml_cpu", "bool"))),
    _op("frac", dtypes=FLT, aliases=("frac_",), extra=_negzero_nan(),
        errors=(_not_for("frac_cpu", "int64"),)),
    _op("relu", dtypes=NUM, out=False, points=(0.0, -0.0, -1e-30),
        errors=(ErrorCase(Sample((T(np.array([True])),)), RuntimeError, "Boolean inputs not supported for relu",
                          dtype="bool"),)),
    _op("nan_to_num", dtypes=REAL, aliases=("nan_to_num_",), extra=_nan_to_num_kw),
    _op("isnan", grad=False, inplace=False, out=False, extra=_negzero_nan()),
    _op("isinf", grad=False, inplace=False, out=False, extra=_negzero_nan()),
    _op("isfinite", grad=False, inplace=False, out=False, extra=_negzero_nan()),
    _op("isposinf", grad=False, inplace=False, extra=_negzero_nan(),
        errors=(ErrorCase(Sample((T(np.array([1 + 1j])),)), RuntimeError,
                          "isposinf does not support complex inputs.", dtype="complex64"),)),
    _op("isneginf", grad=False, inplace=False, extra=_negzero_nan(),
        errors=(ErrorCase(Sample((T(np.array([1 + 1j])),)), RuntimeError,
                          "isneginf does not support complex inputs.", dtype="complex64"),)),
    _op("isreal", grad=False, inplace=False, out=False, extra=_negzero_nan()),
    _op("logical_not", grad=False, extra=_negzero_nan()),
    _op("bitwise_not", dtypes=(*INTS, *BOOL), grad=False,
        errors=(_not_for("bitwise_not_cpu", "float32"),)),
    OpInfo("frexp", unary(extra=chain(_negzero_nan(), _frexp_extra)), dtypes=FLT, method="frexp",
           hypothesis=_hyp(), gaps={"jax:float64": "XLA flushes float64 subnormals to zero on the CPU: "
                                                   "frexp(1e-310) gives (1e-310, 0)"},
           errors=(ErrorCase(Sample((T(np.array([1, 2])),)), RuntimeError,
                             "torch.frexp() only supports floating-point dtypes", dtype=_I64),)),
    OpInfo("softmax", _softmax, dtypes=FLT, method="softmax", hypothesis=_hyp(dim=-1),
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), 2)), IndexError, "Dimension out of range"),
                   ErrorCase(Sample((T(np.array([1, 2])), 0)), NotImplementedError, "not implemented for 'Long'",
                             dtype=_I64))),
    # NOTE: PyTorch's half-precision CPU kernel rounds the sum of exponentials to the input's dtype before its
    # log (up to 4.8e-4 off in float16, 3.8e-3 in bfloat16 beyond the default rtol, over 1000 random rows);
    # ember rounds its float32 result once. The atol is twice that.
    OpInfo("log_softmax", _softmax, dtypes=FLT, method="log_softmax", hypothesis=_hyp(dim=-1),
           tol={"float16": (1e-3, 1e-3), "bfloat16": (1.6e-2, 8e-3)},
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), -3)), IndexError, "Dimension out of range"),
                   ErrorCase(Sample((T(np.array([1, 2])), 0)), NotImplementedError, "not implemented for 'Long'",
                             dtype=_I64))),
    # NOTE: in place and under no_grad in PyTorch too (F.embedding's max_norm), so there is no gradient
    OpInfo("embedding_renorm_", _embedding_renorm, dtypes=FLT, grad=False,
           errors=(ErrorCase(Sample((T(np.ones((4, 3))), T(np.array([0.0, 2.0])), 1.0, 2.0)), RuntimeError,
                             "Expected tensor for argument #2 'indices' to have one of the following scalar types"),
                   ErrorCase(Sample((T(np.ones((4, 3, 2))), T(np.array([0, 2]), dtype=_I64), 1.0, 2.0)), RuntimeError,
                             "Expected 2-dimensional tensor, but got 3-dimensional tensor for argument #1 'self'"),
                   # PyTorch: "index 7 out of range"; ember: "index 7 is out of bounds", NumPy's words
                   ErrorCase(Sample((T(np.ones((4, 3))), T(np.array([0, 7]), dtype=_I64), 1.0, 2.0)), IndexError,
                             "index 7"),
                   ErrorCase(Sample((T(np.ones((4, 3)), dtype=_I64), T(np.array([0, 2]), dtype=_I64), 1.0, 2.0)),
                             RuntimeError, "Got Long"))),
    # NOTE: only contiguous tensors: PyTorch resizes a view over its base's storage (a strided view shrinks
    # to the base's first elements), which ember's views, not backed by a shared storage, do not model
    OpInfo("resize_as_", _resize_as, dtypes=REAL, inplace="resize_as_", grad=False),
]
