"""Activations (pointwise, ``glu``, ``prelu``, the softmax family), dropout and the random ops.

Random ops are compared by value where they are deterministic (``p=0``, ``p=1``, ``training=False``) and by shape
and dtype only where they draw: a second entry, named ``<op> (random)``, holds those samples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .._core import FLOAT_EDGES, DType, ErrorCase, OpInfo, Sample, SampleFn, T
from ..samples import edge_values
from ._common import (
    _I64,
    FLT,
    NUM,
    _desc,
    _floating,
    _hyp_pointwise,
    _not_for,
    _v,
)

# -- activations ---------------------------------------------------------------------------------------------------


def _pointwise(low: float = -3.0, high: float = 3.0, *, args: tuple[Any, ...] = (),
               variants: Sequence[dict[str, Any]] = (), inplace_kw: bool = False,
               edges: Callable[[str], np.ndarray] = edge_values, **kw: Any) -> SampleFn:
    """Samples for a pointwise activation: 2-d, the dtype's edge values, the op's other settings
    (``variants``), 0-d, a strided and an expanded view, zero-size tensors, huge and tiny magnitudes and,
    where the op takes it, ``inplace=True``. The first five (what a bounded jax run sees) are the most
    telling."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> np.ndarray:
            return _v(rng, dtype, *shape, low=low, high=high)

        yield Sample((T(v(3, 4)), *args), dict(kw), "2-d")
        yield Sample((T(edges(dtype)), *args), dict(kw), "edge values", grad=False)
        for var in variants[:1]:
            yield Sample((T(v(2, 3)), *args), {**kw, **var}, _desc(var))
        yield Sample((T(v()), *args), dict(kw), "0-d")
        yield Sample((T(v(3, 5), "strided"), *args), dict(kw), "strided view")
        yield Sample((T(v(0)), *args), dict(kw), "zero-size")
        yield Sample((T(v(2, 0, 3)), *args), dict(kw), "zero-size inner dim")
        yield Sample((T(v(3, 1), "expanded", (3, 4)), *args), dict(kw), "expanded view")
        if _floating(dtype):
            big = np.array([1e30, -1e30, 1e-30, -1e-30, 40.0, -40.0, 88.0, -88.0, 700.0, -0.0])
            yield Sample((T(big), *args), dict(kw), "huge and tiny magnitudes", grad=False)
        for var in variants[1:]:
            yield Sample((T(v(2, 3)), *args), {**kw, **var}, _desc(var))
            yield Sample((T(edges(dtype)), *args), {**kw, **var}, f"edge values, {_desc(var)}", grad=False)
        if inplace_kw:
            yield Sample((T(v(2, 3)), *args), {**kw, "inplace": True}, "inplace=True", grad=False)

    return gen



def _act(name: str, low: float = -3.0, high: float = 3.0, *, dtypes: tuple[str, ...] = FLT,
         args: tuple[Any, ...] = (), variants: Sequence[dict[str, Any]] = (), inplace_kw: bool = True,
         aliases: tuple[str, ...] = (), kernel: str | None = None, errors: tuple[ErrorCase, ...] = (),
         edges: Sequence[float] = FLOAT_EDGES, **kw: Any) -> OpInfo:
    """An entry for a pointwise activation; ``kernel``: the CPU kernel named by PyTorch's refusal of int64;
    ``edges``: the float edge values to try."""
    errs = (*errors, _not_for(name, kernel, _I64, *args)) if kernel else errors

    def edge_vals(dtype: str) -> np.ndarray:
        return np.array(edges) if _floating(dtype) else edge_values(dtype)

    return OpInfo(f"nn.functional.{name}", _pointwise(low, high, args=args, variants=variants,
                                                      inplace_kw=inplace_kw, edges=edge_vals, **kw),
                  dtypes=dtypes, aliases=tuple(f"nn.functional.{a}" for a in aliases), errors=errs,
                  hypothesis=_hyp_pointwise(low, high, args=args, kwargs=kw, edges=edges))


def _glu(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """glu halves a dim of even size: the last by default, others by a (negative) dim; odd sizes and 0-d refuse."""
    yield Sample((T(_v(rng, dtype, 3, 4)),), {}, "last dim")
    yield Sample((T(np.array([[0.0, np.inf, -np.inf, np.nan], [1e30, -1e30, -0.0, 50.0]])),), {},
                 "edge values", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 4, 3)),), {"dim": 1}, "dim=1")
    yield Sample((T(_v(rng, dtype, 4, 3)),), {"dim": -2}, "dim=-2")
    yield Sample((T(_v(rng, dtype, 2, 6), "strided"),), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 0, 4)),), {}, "zero-size batch")
    yield Sample((T(_v(rng, dtype, 3, 0)),), {}, "halving an empty dim")
    yield Sample((T(_v(rng, dtype, 1, 4), "expanded", (3, 4)),), {}, "expanded view")
    yield Sample((T(_v(rng, dtype, 3, 3)),), {}, "odd size: refused")
    yield Sample((T(_v(rng, dtype)),), {}, "0-d: refused")


def _prelu(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """prelu's weight: one slope, or one per channel (dim 1; dim 0 of a 1-d input); negative slopes too."""
    yield Sample((T(_v(rng, dtype, 2, 3, 4)), T(np.array([0.25]))), {}, "one slope")
    yield Sample((T(_v(rng, dtype, 2, 3, 4)), T(np.array([0.1, -0.5, 2.0]))), {}, "a slope per channel")
    yield Sample((T(edge_values(dtype)[None, :]), T(np.array([0.5]))), {}, "edge values", grad=False)
    yield Sample((T(_v(rng, dtype, 4)), T(np.array([0.1, 0.2, 0.3, 0.4]))), {}, "1-d: channels in dim 0")
    yield Sample((T(_v(rng, dtype)), T(np.array([0.3]))), {}, "0-d input")
    yield Sample((T(_v(rng, dtype, 2, 3, 5), "strided"), T(np.array([0.1, 0.2, 0.3]))), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 0, 3)), T(np.array([0.1, 0.2, 0.3]))), {}, "zero-size batch")
    yield Sample((T(_v(rng, dtype, 2, 3)), T(np.array(0.25))), {}, "0-d weight")


def _softmaxes(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """softmax/softmin/log_softmax over each dim kind, the implicit dim of each rank, rows of -inf, inf, NaN
    and a ``dtype=`` cast."""

    def v(*shape: int) -> np.ndarray:
        return _v(rng, dtype, *shape)

    yield Sample((T(v(3, 4)),), {"dim": 1}, "dim=1")
    edges = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0],
                      [1e30, -1e30, 0.0], [88.0, 89.0, 90.0]])
    yield Sample((T(edges),), {"dim": 1}, "rows of -inf, inf, NaN, huge values", grad=False)
    yield Sample((T(v(2, 3, 4)),), {"dim": -1}, "dim=-1")
    yield Sample((T(v(2, 3)),), {"dim": 0, "dtype": DType("float64")}, "dtype=float64")
    yield Sample((T(v()),), {"dim": 0}, "0-d")
    for shape in ((3,), (2, 3), (2, 3, 2), (1, 2, 2, 2)):
        yield Sample((T(v(*shape)),), {}, f"implicit dim of a {len(shape)}-d input")
    yield Sample((T(v(3, 5), "strided"),), {"dim": 1}, "strided view")
    yield Sample((T(v(3, 1), "expanded", (3, 4)),), {"dim": -1}, "expanded view")
    yield Sample((T(v(0, 3)),), {"dim": 1}, "zero-size batch")
    yield Sample((T(v(2, 0)),), {"dim": 1}, "over an empty dim")


def _softmax_entry(name: str, tol: dict[str, tuple[float, float]] | None = None) -> OpInfo:
    return OpInfo(f"nn.functional.{name}", _softmaxes, dtypes=FLT, tol=tol or {},
                  hypothesis=_hyp_pointwise(kwargs={"dim": -1}),
                  errors=(ErrorCase(Sample((T(np.ones((2, 3))), 2)), IndexError, "Dimension out of range"),
                          ErrorCase(Sample((T(np.array([[1, 2]])), 1)), NotImplementedError,
                                    "not implemented for 'Long'", dtype=_I64)))


ACTIVATIONS: list[OpInfo] = [
    _act("relu", dtypes=NUM, aliases=("relu_",),
         errors=(ErrorCase(Sample((T(np.array([True])),)), RuntimeError, "Boolean inputs not supported for relu",
                           dtype="bool"),)),
    _act("relu6", dtypes=NUM, errors=(ErrorCase(Sample((T(np.array([True])),)), RuntimeError,
                                                "Bool inputs not supported for hardtanh", dtype="bool"),)),
    # NOTE: uint8 refuses the default limits (-1 is negative) and takes non-negative ones
    _act("hardtanh", dtypes=NUM, aliases=("hardtanh_",),
         variants=({"min_val": -0.5, "max_val": 2.0}, {"min_val": 1.0, "max_val": 1.0}),
         errors=(ErrorCase(Sample((T(np.ones(3)), 2.0, 1.0)), ValueError, "min_val cannot be greater than max_val"),
                 ErrorCase(Sample((T(np.array([1, 2])),)), RuntimeError,
                           "cannot do hardtanh on an unsigned type with negative limits", dtype="uint8"))),
    _act("elu", aliases=("elu_",), variants=({"alpha": 0.5}, {"alpha": 0.0}, {"alpha": -2.0}), kernel="elu_cpu"),
    _act("celu", aliases=("celu_",), variants=({"alpha": 2.0}, {"alpha": 0.25}), kernel="elu_cpu",
         errors=(ErrorCase(Sample((T(np.ones(3)),), {"alpha": 0.0}), RuntimeError, "alpha cannot be 0 for CELU"),)),
    _act("selu", aliases=("selu_",), kernel="elu_cpu"),
    _act("leaky_relu", aliases=("leaky_relu_",), variants=({"negative_slope": 0.2}, {"negative_slope": -1.5}),
         kernel="leaky_relu_cpu"),
    # NOTE: training=False: the slope is (lower + upper) / 2, so the values are deterministic ("rrelu (random)"
    # draws slopes)
    _act("rrelu", aliases=("rrelu_",), variants=({"lower": 0.2, "upper": 0.4}, {"lower": 0.3, "upper": 0.3}),
         kernel="leaky_relu_cpu",
         errors=(ErrorCase(Sample((T(np.ones(3)), 0.5, 0.1)), RuntimeError,
                           "Lower bound should be less than or equal to the upper bound"),)),
    # NOTE: no +inf: PyTorch's vectorized float32 kernel gives NaN there, its scalar path (a 1-element tensor)
    # and float64 give inf, as ember does
    _act("gelu", inplace_kw=False, edges=tuple(v for v in FLOAT_EDGES if v != np.inf),
         variants=({"approximate": "tanh"}, {"approximate": "none"}), kernel="GeluKernelImpl",
         errors=(ErrorCase(Sample((T(np.ones(3)),), {"approximate": "bad"}), RuntimeError,
                           "approximate argument must be either none or tanh."),)),
    _act("silu", kernel="silu_cpu"),
    _act("mish", kernel="mish_cpu"),
    _act("hardsigmoid", kernel="hardsigmoid_cpu"),
    _act("hardswish", kernel="hardswish_cpu"),
    _act("logsigmoid", inplace_kw=False, kernel="log_sigmoid_cpu"),
    _act("softplus", inplace_kw=False, variants=({"beta": 2.0, "threshold": 1.0}, {"beta": -1.0}, {"beta": 0.5}),
         kernel="softplus_cpu"),
    _act("softshrink", inplace_kw=False, variants=({"lambd": 1.0}, {"lambd": 0.0}), kernel="softshrink_check",
         errors=(ErrorCase(Sample((T(np.ones(3)), -1.0)), RuntimeError, "lambda must be in range"),)),
    _act("hardshrink", inplace_kw=False, variants=({"lambd": 1.0}, {"lambd": -1.0}), kernel="hardshrink_cpu"),
    _act("softsign", dtypes=NUM, inplace_kw=False,
         errors=(ErrorCase(Sample((T(np.array([True])),)), NotImplementedError,
                           "\"abs_cpu\" not implemented for 'Bool'", dtype="bool"),)),
    _act("tanhshrink", dtypes=NUM, inplace_kw=False,
         errors=(ErrorCase(Sample((T(np.array([True])),)), RuntimeError,
                           "Subtraction, the `-` operator, with a bool tensor is not supported", dtype="bool"),)),
    _act("sigmoid", dtypes=(*NUM, "bool"), inplace_kw=False),
    _act("tanh", dtypes=(*NUM, "bool"), inplace_kw=False),
    _act("threshold", dtypes=NUM, aliases=("threshold_",), threshold=0.5, value=20.0,
         variants=({"threshold": 1.0, "value": -2.0}, {"threshold": 1.0, "value": np.inf},
                   {"threshold": -np.inf, "value": 0.0}),
         errors=(_not_for("threshold", "threshold_cpu", "bool", 0.5, 1.0),)),
    OpInfo("nn.functional.glu", _glu, dtypes=FLT, hypothesis=None,
           errors=(ErrorCase(Sample((T(np.array(1.0)),)), RuntimeError,
                             "glu does not support scalars because halving size must be even"),
                   ErrorCase(Sample((T(np.ones((2, 3))), 1)), RuntimeError,
                             "Halving dimension must be even, but dimension 1 is size 3"),
                   ErrorCase(Sample((T(np.ones((2, 4))), 2)), IndexError, "Dimension out of range"))),
    OpInfo("nn.functional.prelu", _prelu, dtypes=FLT,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones(2)))), RuntimeError,
                             "Mismatch of parameter numbers and input channel size"),
                   ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((1, 1))))), RuntimeError,
                             "Expected `weight` to be a scalar or 1D tensor"),
                   ErrorCase(Sample((T(np.array([1, 2])), T(np.array([1])))), NotImplementedError,
                             "\"prelu_cpu\" not implemented for 'Long'", dtype=_I64))),
    _softmax_entry("softmax"),
    _softmax_entry("softmin"),
    # NOTE: PyTorch's half kernels round an intermediate to half (float16: 1 ulp of 1.0 off; bfloat16: 2.5 ulps off
    # at -0.127, log_softmax([0, 2])); ember rounds once
    _softmax_entry("log_softmax", tol={"float16": (1e-3, 1e-3), "bfloat16": (1.6e-2, 4e-3)}),
]

# -- dropout --------------------------------------------------------------------------------------------------------


def _dropout(shapes: Sequence[tuple[int, ...]], *, train_default: bool = True) -> SampleFn:
    """Deterministic dropout calls: ``training=False`` (the identity), ``p=0`` and ``p=1`` in training (all kept,
    unscaled; all dropped, ``x * 0`` so NaN and inf give NaN), on each accepted rank, a strided view, NaN and
    inf, an empty batch and ``inplace=True``. ``shapes``: the ranks the op takes, first the usual one."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        shape = shapes[0]
        off = {} if not train_default else {"training": False}
        yield Sample((T(_v(rng, dtype, *shape)),), {"p": 0.5, "training": False}, "training=False: identity")
        yield Sample((T(_v(rng, dtype, *shape)),), {"p": 0.0, "training": True}, "p=0: everything kept")
        edge = edge_values(dtype)
        yield Sample((T(np.resize(edge, shape)),), {"p": 1.0, "training": True}, "p=1 on edge values: x * 0",
                     grad=False)
        yield Sample((T(_v(rng, dtype, *shape[:-1], 5), "strided"),), {"p": 1.0, "training": True},
                     "p=1, strided view")
        for other in shapes[1:]:
            yield Sample((T(_v(rng, dtype, *other)),), {"p": 0.0, "training": True}, f"{len(other)}-d input, p=0")
        yield Sample((T(_v(rng, dtype, 0, *shape[1:])),), {"p": 1.0, "training": True}, "zero-size batch")
        yield Sample((T(_v(rng, dtype, *shape)),), {**off}, "defaults")
        yield Sample((T(_v(rng, dtype, *shape)),), {"p": 1.0, "training": True, "inplace": True}, "inplace, p=1",
                     grad=False)

    return gen


def _dropout_random(shapes: Sequence[tuple[int, ...]]) -> SampleFn:
    """Dropout that draws (shape, dtype and device compared): each rank, p=0.5 and p=0.9, in place."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        for shape in shapes:
            yield Sample((T(_v(rng, dtype, *shape)),), {"p": 0.5, "training": True}, f"{len(shape)}-d, p=0.5")
        yield Sample((T(_v(rng, dtype, *shapes[0][:-1], 5), "strided"),), {"p": 0.9, "training": True},
                     "p=0.9, strided")
        yield Sample((T(_v(rng, dtype, *shapes[0])),), {"p": 0.5, "training": True, "inplace": True}, "in place",
                     grad=False)

    return gen


def _p_error(shape: tuple[int, ...], p: float = 1.5) -> ErrorCase:
    return ErrorCase(Sample((T(np.ones(shape)),), {"p": p, "training": True}), ValueError,
                     f"dropout probability has to be between 0 and 1, but got {p}")


def _dropouts(name: str, shapes: Sequence[tuple[int, ...]], dtypes: tuple[str, ...], train_default: bool,
              errors: tuple[ErrorCase, ...] = ()) -> list[OpInfo]:
    full = f"nn.functional.{name}"

    def fn(lib: Any) -> Callable[..., Any]:
        return getattr(lib.nn.functional, name)  # type: ignore[no-any-return]

    return [OpInfo(full, _dropout(shapes, train_default=train_default), dtypes=dtypes,
                   errors=(_p_error(shapes[0]), _p_error(shapes[0], -0.1), *errors)),
            # NOTE: a second entry for the calls that draw: their values are random, so only shape/dtype compare
            OpInfo(f"{full} (random)", _dropout_random(shapes), dtypes=FLT, fn=fn, compare="shape", grad=False)]


_ALL = (*NUM, "bool")

DROPOUT: list[OpInfo] = [
    *_dropouts("dropout", [(3, 4), (), (2, 3, 2)], _ALL, True),
    *_dropouts("dropout1d", [(2, 3, 4), (3, 4)], _ALL, True,
               (ErrorCase(Sample((T(np.ones((2, 2, 2, 2))),)), RuntimeError,
                          "dropout1d: Expected 2D or 3D input, but received a 4D input"),)),
    *_dropouts("dropout2d", [(2, 3, 2, 2), (2, 3, 4)], _ALL, True),
    *_dropouts("dropout3d", [(1, 2, 2, 2, 2), (2, 2, 2, 2)], _ALL, True),
    *_dropouts("alpha_dropout", [(3, 4), (), (2, 3, 2)], _ALL, False),
    *_dropouts("feature_alpha_dropout", [(2, 3, 4), (2, 3, 2, 2)], _ALL, False),
]

# -- random ops ----------------------------------------------------------------------------------------------------


def _gumbel(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """gumbel_softmax draws: soft and hard (one-hot) samples over the last and a given dim, a temperature."""
    yield Sample((T(_v(rng, dtype, 3, 4)),), {}, "soft")
    yield Sample((T(_v(rng, dtype, 3, 4)),), {"hard": True}, "hard: one-hot")
    yield Sample((T(_v(rng, dtype, 2, 3, 2)),), {"tau": 0.5, "dim": 1}, "tau 0.5, dim 1")
    yield Sample((T(_v(rng, dtype, 0, 3)),), {}, "zero-size batch")


def _rrelu_random(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """rrelu in training: each negative element's slope drawn from U(lower, upper)."""
    yield Sample((T(_v(rng, dtype, 3, 4)),), {"training": True}, "training")
    yield Sample((T(_v(rng, dtype, 3, 4)),), {"lower": 0.2, "upper": 0.5, "training": True, "inplace": True},
                 "training, in place", grad=False)


RANDOM: list[OpInfo] = [
    OpInfo("nn.functional.gumbel_softmax", _gumbel, dtypes=FLT, compare="shape", grad=False,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": 2}), IndexError, "Dimension out of range"),)),
    OpInfo("nn.functional.rrelu (random)", _rrelu_random, dtypes=FLT, compare="shape", grad=False,
           fn=lambda lib: lib.nn.functional.rrelu),
]
