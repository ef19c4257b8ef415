"""Convolutions (N-d, transposed, time-batch-channel), ``unfold``/``fold`` and every pooling op."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._core import FLOATS, HALF, INTS, ErrorCase, OpInfo, Sample, SampleFn, T
from ..samples import edge_values
from ._common import (
    _I64,
    _SLOW_FD,
    FLT,
    NUM,
    _idx,
    _v,
)

# -- convolution --------------------------------------------------------------------------------------------------


def _edge_block(dtype: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """The edge values of ``dtype`` (NaN, inf, huge; integer extremes) tiled to ``shape``; None for half
    precision, where PyTorch's convolution kernels (oneDNN's blocked layouts) turn inf into NaN."""
    if dtype in HALF:
        return None
    base = edge_values(dtype) if dtype in INTS else np.array([0.0, np.inf, 1.0, np.nan, -1.0, 1e30, -np.inf])
    return np.resize(base, shape)

#: a small spatial size per convolution rank (inputs of at most 24 elements, so finite differences run)
_SP = {1: (5,), 2: (3, 3), 3: (2, 3, 2)}


def _conv(nd: int) -> SampleFn:
    """conv{nd}d: bias or not, stride, padding (int, per dim, 'same', 'valid'), dilation, groups, unbatched input,
    NaN and inf, a strided view, an empty batch, a kernel wider than the input (refused)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp, k2, k1 = _SP[nd], (2,) * nd, (1,) * nd

        def v(*shape: int) -> T:
            return T(_v(rng, dtype, *shape))

        yield Sample((v(1, 1, *sp), v(2, 1, *k2), v(2)), {}, "bias")
        yield Sample((v(1, 2, *sp), v(2, 1, *k2)), {"stride": 2, "padding": 1, "groups": 2},
                     "stride 2, padding 1, groups")
        yield Sample((v(1, 1, *sp), v(1, 1, *k2)), {"padding": "same", "dilation": 2}, "padding='same', dilation 2")
        edge = _edge_block(dtype, (1, 1, *sp))
        if edge is not None:
            yield Sample((T(edge), v(1, 1, *k2)), {}, "edge values", grad=False)
        yield Sample((v(2, *sp), v(3, 2, *k1), v(3)), {"padding": "valid"}, "unbatched, 1x1 kernel, 'valid'")
        yield Sample((T(_v(rng, dtype, 1, 2, *sp[:-1], 2 * sp[-1] - 1), "strided"), v(2, 2, *k2)),
                     {"stride": (1,) * (nd - 1) + (2,), "padding": (0,) * (nd - 1) + (1,)}, "strided, per-dim stride")
        yield Sample((v(0, 1, *sp), v(2, 1, *k2), v(2)), {}, "zero-size batch")
        yield Sample((v(1, 1, *sp), T(_v(rng, dtype, 1, 1, *k1), "expanded", (2, 1, *k2))), {"dilation": 1},
                     "expanded weight")
        yield Sample((v(1, 1, *sp), v(1, 1, *(s + 1 for s in sp))), {}, "kernel wider than the input: refused")

    return gen


def _conv_errors(nd: int) -> tuple[ErrorCase, ...]:
    sp = _SP[nd]
    x = T(np.ones((1, 2, *sp)))
    return (ErrorCase(Sample((x, T(np.ones((3, 3, *(2,) * nd))))), RuntimeError,
                      f"Given groups=1, weight of size [3, 3, {', '.join(['2'] * nd)}], expected input[1, 2, "
                      f"{', '.join(map(str, sp))}] to have 3 channels, but got 2 channels instead"),
            ErrorCase(Sample((x, T(np.ones((3, 1, *(2,) * nd)))), {"groups": 2}), RuntimeError,
                      "Given groups=2, expected weight to be divisible by 2 at dimension 0"),
            ErrorCase(Sample((x, T(np.ones((3, 2, *(2,) * nd)))), {"stride": 0}), RuntimeError,
                      "non-positive stride is not supported"),
            ErrorCase(Sample((x, T(np.ones((3, 2, *(2,) * nd)))), {"padding": -1}), RuntimeError,
                      "negative padding is not supported"),
            ErrorCase(Sample((x, T(np.ones((3, 2, *(2,) * nd)))), {"padding": "same", "stride": 2}), RuntimeError,
                      "padding='same' is not supported for strided convolutions"),
            ErrorCase(Sample((x, T(np.ones((3, 2, *(2,) * nd)))), {"padding": "foo"}), RuntimeError,
                      "Invalid padding string: 'foo'"),
            ErrorCase(Sample((x, T(np.ones((3, 2, *(2,) * nd))), T(np.ones(2)))), RuntimeError,
                      "expected bias to be 1-dimensional with 3 elements, but got bias of size [2] instead"),
            ErrorCase(Sample((T(np.ones(sp)), T(np.ones((3, 2, *(2,) * nd))))), RuntimeError,
                      f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to conv{nd}d, but got input of "
                      "size"),
            ErrorCase(Sample((x, T(np.ones((3, 2, *(2,) * nd)), dtype="float64"))), RuntimeError,
                      "expected scalar type Float but found Double"))


def _conv_transpose(nd: int) -> SampleFn:
    """conv_transpose{nd}d: bias, stride with output_padding, padding, dilation, groups, unbatched input, NaN and
    inf, a strided view, an empty batch."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp, k2, k1 = _SP[nd], (2,) * nd, (1,) * nd

        def v(*shape: int) -> T:
            return T(_v(rng, dtype, *shape))

        yield Sample((v(1, 1, *sp), v(1, 2, *k2), v(2)), {}, "bias")
        yield Sample((v(1, 2, *sp), v(2, 1, *k2)), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
                     "stride 2, output_padding 1, groups")
        yield Sample((v(1, 1, *sp), v(1, 1, *k2)), {"dilation": 2, "padding": 1}, "dilation 2")
        edge = _edge_block(dtype, (1, 1, *sp))
        if edge is not None:
            yield Sample((T(edge), v(1, 1, *k2)), {}, "edge values", grad=False)
        yield Sample((v(2, *sp), v(2, 3, *k1), v(3)), {}, "unbatched, 1x1 kernel")
        yield Sample((T(_v(rng, dtype, 1, 2, *sp[:-1], 2 * sp[-1] - 1), "strided"), v(2, 2, *k2)),
                     {"stride": (1,) * (nd - 1) + (3,), "output_padding": (0,) * (nd - 1) + (2,)},
                     "strided, per-dim stride and output_padding")
        yield Sample((v(0, 1, *sp), v(1, 2, *k2), v(2)), {}, "zero-size batch")

    return gen


def _conv_transpose_errors(nd: int) -> tuple[ErrorCase, ...]:
    sp = _SP[nd]
    x = T(np.ones((1, 2, *sp)))
    return (ErrorCase(Sample((x, T(np.ones((3, 3, *(2,) * nd))))), RuntimeError,
                      f"Given transposed=1, weight of size [3, 3, {', '.join(['2'] * nd)}], expected input[1, 2, "
                      f"{', '.join(map(str, sp))}] to have 3 channels, but got 2 channels instead"),
            ErrorCase(Sample((x, T(np.ones((2, 3, *(2,) * nd)))), {"groups": 3}), RuntimeError,
                      "Given groups=3, expected weight to be at least 3 at dimension 0"),
            ErrorCase(Sample((x, T(np.ones((2, 3, *(2,) * nd)))), {"stride": 2, "output_padding": 2}), RuntimeError,
                      "output padding must be smaller than either stride or dilation"),
            ErrorCase(Sample((x, T(np.ones((2, 3, *(2,) * nd)))), {"padding": -1}), RuntimeError,
                      "negative padding is not supported"))


def _conv_tbc(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """conv_tbc on (time, batch, channels): padding 0 and 1, a kernel of the input's length, NaN, empty batches."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(4, 1, 2), v(2, 2, 3), v(3)), {}, "pad 0")
    yield Sample((v(3, 2, 2), v(3, 2, 1), v(1)), {"pad": 1}, "pad 1")
    edge = _edge_block(dtype, (3, 1, 2))
    if edge is not None:
        yield Sample((T(edge), v(1, 2, 2), v(2)), {}, "edge values", grad=False)
    yield Sample((v(2, 1, 2), v(2, 2, 2), v(2)), {}, "kernel as long as the input")
    yield Sample((T(_v(rng, dtype, 3, 2, 3), "strided"), v(2, 2, 2), v(2)), {}, "strided view")
    yield Sample((v(3, 0, 2), v(2, 2, 3), v(3)), {}, "zero-size batch")


def _unfold(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """unfold (im2col): square and rectangular kernels, dilation, padding, stride, unbatched input, NaN."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(1, 1, 3, 4), 2), {}, "2x2 kernel")
    yield Sample((v(1, 2, 3, 3), (2, 1)), {"dilation": (1, 2), "padding": 1, "stride": 2}, "dilation, padding, stride")
    yield Sample((v(2, 3, 2), 2), {}, "unbatched")
    edge = np.resize(np.array([0.0, np.inf, 1.0, np.nan, -1.0, 1e30]), (1, 1, 2, 3))
    yield Sample((T(edge), 2), {}, "NaN and inf", grad=False)
    yield Sample((T(_v(rng, dtype, 1, 1, 3, 5), "strided"), (3, 2)), {"stride": (1, 2)}, "strided view")
    yield Sample((v(0, 1, 3, 3), 2), {}, "zero-size batch")
    yield Sample((v(1, 1, 2, 2), 3), {}, "kernel wider than the input: refused")


def _fold(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """fold (col2im): overlapping windows summed, dilation, padding, stride, unbatched input, NaN."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(1, 4, 4), (3, 3), 2), {}, "overlapping 2x2 windows")
    yield Sample((v(1, 4, 4), (3, 4), (2, 1)), {"dilation": (1, 2), "padding": 1, "stride": 2},
                 "dilation, padding, stride")
    yield Sample((v(4, 2), (2, 3), 2), {}, "unbatched")
    edge = np.resize(np.array([0.0, np.inf, 1.0, np.nan, -1.0, 1e30]), (1, 4, 4))
    yield Sample((T(edge), (3, 3), 2), {}, "NaN and inf", grad=False)
    yield Sample((T(_v(rng, dtype, 1, 2, 7), "strided"), (2, 5), (1, 2)), {"stride": (1, 2)}, "strided view")
    yield Sample((v(0, 4, 4), (3, 3), 2), {}, "zero-size batch")
    yield Sample((v(1, 4, 5), (3, 3), 2), {}, "a block count that does not match: refused")


CONV: list[OpInfo] = [
    # NOTE: int64 the only integer dtype: PyTorch's dilated kernel (slow_conv_dilated) lacks the others
    *(OpInfo(f"nn.functional.conv{n}d", _conv(n), dtypes=(*FLT, _I64), errors=_conv_errors(n), gaps=_SLOW_FD)
      for n in (1, 2, 3)),
    # NOTE: PyTorch's float16 kernel sums overlapping windows in half precision: over 100 random inputs its
    # results are up to 0.86% of |x| + 1 off the float32 result rounded once, which ember gives
    *(OpInfo(f"nn.functional.conv_transpose{n}d", _conv_transpose(n), dtypes=(*FLT, _I64),
             tol={"float16": (1e-2, 1e-2)}, errors=_conv_transpose_errors(n), gaps=_SLOW_FD)
      for n in (1, 2, 3)),
    OpInfo("nn.functional.conv_tbc", _conv_tbc, dtypes=NUM, gaps=_SLOW_FD,
           errors=(ErrorCase(Sample((T(np.ones((4, 1, 2))), T(np.ones((2, 3, 3))), T(np.ones(3)))), RuntimeError,
                             "Input dim 2 (input channels) is not == dim 1 in the weight tensor"),
                   ErrorCase(Sample((T(np.ones((4, 1, 2))), T(np.ones((2, 2, 3))), T(np.ones(2)))), RuntimeError,
                             "Bias size must equal dim 2 in the weight tensor (output channels)."),
                   ErrorCase(Sample((T(np.ones((4, 2))), T(np.ones((2, 2, 3))), T(np.ones(3)))), RuntimeError,
                             "Input must have 3 dims: time, batch, in_channel"))),
    OpInfo("nn.functional.unfold", _unfold, dtypes=(*FLT, "bool"),
           errors=(ErrorCase(Sample((T(np.ones((1, 1, 2, 5))), 6)), RuntimeError,
                             "calculated shape of the array of sliding blocks as (-3, 0), but its components must be "
                             "at least one."),
                   ErrorCase(Sample((T(np.ones((1, 1, 2, 5))), 2), {"stride": 0}), RuntimeError,
                             "stride should be greater than zero, but got stride_height: 0 stride_width: 0"),
                   ErrorCase(Sample((T(np.ones((1, 1, 2, 5))), 2)), NotImplementedError,
                             "\"im2col_out_cpu\" not implemented for 'Long'", dtype=_I64))),
    OpInfo("nn.functional.fold", _fold, dtypes=(*FLT, "bool"),
           errors=(ErrorCase(Sample((T(np.ones((1, 4, 5))), (3, 3), 2)), RuntimeError,
                             "expected size of input's dimension 2 to match the calculated number of sliding blocks "
                             "2 * 2 = 4, but got input.size(2)=5."),
                   ErrorCase(Sample((T(np.ones((1, 3, 4))), (3, 3), 2)), RuntimeError,
                             "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                             "got input.size(1)=3 and kernel_size=(2, 2)."),
                   ErrorCase(Sample((T(np.ones((1, 4, 4))), (3, 3), 2)), NotImplementedError,
                             "\"col2im_out_cpu\" not implemented for 'Long'", dtype=_I64))),
]

# -- pooling ------------------------------------------------------------------------------------------------------

#: a small pooled input per rank (at most 24 elements, so finite differences run)
_PSP = {1: (1, 2, 6), 2: (1, 1, 4, 4), 3: (1, 1, 2, 3, 4)}


def _pool_edges(dtype: str, nd: int) -> np.ndarray:
    """A pooled input of NaN, ties, -inf and inf (integers: their extremes and ties), shaped as ``_PSP[nd]``."""
    if dtype in INTS or dtype == "bool":
        lo, hi = edge_values(dtype)[3:5] if dtype in INTS else (0, 1)
        base: np.ndarray = np.array([lo, lo, 3, 3, hi, 0, lo, 1, 2, 2, lo, lo])
    else:
        base = np.array([1.0, np.nan, 3.0, 3.0, -np.inf, -np.inf, np.inf, 0.0, -0.0, 2.0, np.nan, -1.0])
    return np.resize(base, _PSP[nd])


def _max_pool(nd: int, with_indices: bool = False) -> SampleFn:
    """max_pool{nd}d: kernel 2 (stride = kernel), stride 1 (overlapping windows), padding (padded with -inf,
    never chosen), dilation, ceil_mode (a window past the end), return_indices, NaN (propagates, its index is
    returned), ties (the first), unbatched and empty inputs."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp = _PSP[nd]
        ri = {} if with_indices else {"return_indices": True}
        yield Sample((T(_v(rng, dtype, *sp)), 2), {}, "kernel 2")
        yield Sample((T(_pool_edges(dtype, nd)), 2), dict(ri), "NaN, ties, -inf; indices", grad=False)
        yield Sample((T(_v(rng, dtype, *sp, low=-3.0, high=-0.5)), 2), {"stride": 1, "padding": 1, **ri},
                     "negative values, padding 1 (never chosen), indices")
        yield Sample((T(_v(rng, dtype, *sp)), (1,) * (nd - 1) + (3,)),
                     {"stride": (1,) * (nd - 1) + (2,), "ceil_mode": True}, "ceil_mode: a window past the end")
        yield Sample((T(_v(rng, dtype, *sp[1:])), 2), {"dilation": 2, "stride": 1, **ri}, "unbatched, dilation 2")
        yield Sample((T(_v(rng, dtype, *sp[:-1], 2 * sp[-1] - 1), "strided"), 2), {}, "strided view")
        yield Sample((T(_v(rng, dtype, 0, *sp[1:])), 2), {}, "zero-size batch")
        yield Sample((T(_pool_edges(dtype, nd)), 3), {"padding": 1, "stride": 2, **ri}, "edges, padding 1",
                     grad=False)
        yield Sample((T(_v(rng, dtype, *sp)), 8), {}, "kernel wider than the input: refused")

    return gen


def _pool_errors(name: str, nd: int) -> tuple[ErrorCase, ...]:
    x = T(np.ones(_PSP[nd]))
    return (ErrorCase(Sample((x, 2), {"padding": 2}), RuntimeError, "pad should be at most half of effective "
                      "kernel size, but got pad=2, kernel_size=2") if nd > 1 else
            ErrorCase(Sample((x, 2), {"padding": 2}), RuntimeError,
                      "max_pool1d() padding should be at most half of kernel size, but got padding=2 and "
                      "kernel_size=2"),) if name == "max" else (
            ErrorCase(Sample((x, 2), {"padding": 2}), RuntimeError,
                      "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and "
                      "dilation=1"),)


def _avg_pool(nd: int) -> SampleFn:
    """avg_pool{nd}d: padding counted or not (count_include_pad), ceil_mode, divisor_override, NaN and inf,
    integers (a truncating division), unbatched and empty inputs."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp = _PSP[nd]
        yield Sample((T(_v(rng, dtype, *sp)), 2), {}, "kernel 2")
        yield Sample((T(_v(rng, dtype, *sp)), 3), {"stride": 2, "padding": 1, "count_include_pad": False},
                     "padding not counted")
        yield Sample((T(_pool_edges(dtype, nd)), 2), {"stride": 1}, "edge values", grad=False)
        yield Sample((T(_v(rng, dtype, *sp)), (1,) * (nd - 1) + (3,)),
                     {"stride": (1,) * (nd - 1) + (2,), "ceil_mode": True, "padding": (0,) * (nd - 1) + (1,)},
                     "ceil_mode, padding counted")
        if nd > 1:
            yield Sample((T(_v(rng, dtype, *sp)), 2), {"divisor_override": 3}, "divisor_override")
        yield Sample((T(_v(rng, dtype, *sp[1:])), 2), {"stride": 1}, "unbatched, stride 1")
        yield Sample((T(_v(rng, dtype, *sp[:-1], 2 * sp[-1] - 1), "strided"), 2), {}, "strided view")
        yield Sample((T(_v(rng, dtype, 0, *sp[1:])), 2), {}, "zero-size batch")

    return gen


def _lp_pool(nd: int) -> SampleFn:
    """lp_pool{nd}d: p = 2, 1 (a plain sum: negative sums stay negative), 3 (odd: negative sums give NaN), 0.5,
    inf (the max); stride, ceil_mode, NaN, integers (averaged in integers)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp = _PSP[nd]
        pos = T(_v(rng, dtype, *sp, low=0.5, high=3.0))
        yield Sample((pos, 2.0, 2), {}, "p=2")
        yield Sample((T(_v(rng, dtype, *sp)), 1.0, 2), {}, "p=1: a sum, signs kept")
        yield Sample((T(_v(rng, dtype, *sp)), 3, 2), {"stride": 1}, "p=3: negative sums give NaN", grad=False)
        # NOTE: an int kernel in 1-d: PyTorch's lp_pool1d multiplies by kernel_size, which a tuple breaks
        k3: Any = 3 if nd == 1 else (1,) * (nd - 1) + (3,)
        yield Sample((pos, 0.5, k3), {"stride": (1,) * (nd - 1) + (2,), "ceil_mode": True}, "p=0.5, ceil_mode")
        yield Sample((T(_pool_edges(dtype, nd)), 2.0, 2), {}, "edge values", grad=False)
        yield Sample((T(_v(rng, dtype, *sp)), float("inf"), 2), {}, "p=inf", grad=False)
        yield Sample((T(_v(rng, dtype, *sp[1:], low=0.5)), 2.0, 2), {}, "unbatched")
        yield Sample((T(_v(rng, dtype, 0, *sp[1:])), 2.0, 2), {}, "zero-size batch")

    return gen


def _adaptive(nd: int, kind: str, with_indices: bool = False) -> SampleFn:
    """adaptive_{kind}_pool{nd}d: output sizes that divide the input, that do not (overlapping windows), of 1,
    larger than the input, None (keep that dim), 0; NaN and ties; unbatched and empty batches."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp = _PSP[nd]
        ri = {"return_indices": True} if kind == "max" and not with_indices else {}
        yield Sample((T(_v(rng, dtype, *sp)), 2), {}, "output 2")
        yield Sample((T(_v(rng, dtype, *sp)), (None,) * (nd - 1) + (4,)), dict(ri),
                     "overlapping windows, None keeps a dim")
        yield Sample((T(_pool_edges(dtype, nd)), 3), dict(ri), "edge values", grad=False)
        yield Sample((T(_v(rng, dtype, *sp)), 1), {}, "output 1")
        yield Sample((T(_v(rng, dtype, *sp[1:])), (1,) * (nd - 1) + (5,)), dict(ri), "unbatched, output 5")
        yield Sample((T(_v(rng, dtype, *sp[:-1], 2 * sp[-1] - 1), "strided"), 2), {}, "strided view")
        yield Sample((T(_v(rng, dtype, *sp)), (1,) * (nd - 1) + (8,)), {}, "output larger than the input")
        yield Sample((T(_v(rng, dtype, 0, *sp[1:])), 2), {}, "zero-size batch")
        if kind == "avg":
            # no gradient: PyTorch's backward refuses an empty grad_output
            yield Sample((T(_v(rng, dtype, *sp)), 0), {}, "output 0", grad=False)

    return gen


def _max_unpool(nd: int) -> SampleFn:
    """max_unpool{nd}d: values scattered to unique flat indices (as max_pool gives them), the default and a
    given output_size, padding, an index out of range (refused)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        pooled = (1, 2) + (2,) * (nd - 1) + (3,)
        out_sp = (4,) * (nd - 1) + (6,)
        total = math.prod(out_sp)

        def idx(n: int = total) -> T:
            flat = np.stack([rng.permutation(n)[: math.prod(pooled[2:])] for _ in range(math.prod(pooled[:2]))])
            return _idx(flat.reshape(pooled))

        yield Sample((T(_v(rng, dtype, *pooled)), idx(), 2), {}, "kernel 2")
        yield Sample((T(_v(rng, dtype, *pooled)), idx(total + 0), 2), {"output_size": tuple(s + 1 for s in out_sp)},
                     "output_size one larger")
        yield Sample((T(np.resize(edge_values(dtype), pooled)), idx(), 2), {}, "edge values", grad=False)
        small = math.prod((2,) * (nd - 1) + (4,))
        yield Sample((T(_v(rng, dtype, *pooled)), idx(small), 2), {"padding": 1},
                     "padding 1: a smaller output")
        yield Sample((T(_v(rng, dtype, *pooled[1:])), _idx(np.resize(np.arange(math.prod(pooled[1:])), pooled[1:])),
                      2), {"stride": 2}, "unbatched")
        yield Sample((T(_v(rng, dtype, *pooled)), _idx(np.full(pooled, total)), 2), {}, "index out of range: refused")

    return gen


def _fractional(nd: int, with_indices: bool = False) -> SampleFn:
    """fractional_max_pool{nd}d with given ``_random_samples`` (deterministic): output_size and output_ratio,
    samples at 0 and near 1, NaN, return_indices, unbatched input."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp = (1, 2) + (5,) * nd if nd == 2 else (1, 1, 3, 4, 5)
        ri = {} if with_indices else {"return_indices": True}
        def samples(data: np.ndarray) -> T:
            return T(data, grad=False)  # the window placement: no gradient in PyTorch

        # a first input of at most 24 elements, so finite differences run
        small, k, out = ((1, 1, 4, 4), 2, 2) if nd == 2 else ((1, 1, 2, 4, 3), (1, 2, 2), (1, 2, 1))
        yield Sample((T(_v(rng, dtype, *small)), k),
                     {"output_size": out, "_random_samples": samples(rng.random((1, 1, nd)))}, "small")
        yield Sample((T(_v(rng, dtype, *sp)), 2), {"output_size": 3,
                                                    "_random_samples": samples(rng.random((1, sp[1], nd)))},
                     "output_size 3")
        yield Sample((T(_v(rng, dtype, *sp)), 2), {"output_ratio": (0.5,) * nd,
                                                    "_random_samples": samples(np.zeros((1, sp[1], nd))), **ri},
                     "output_ratio 0.5, samples at 0")
        yield Sample((T(np.resize(_pool_edges(dtype, 1), sp)), 2),
                     {"output_size": 2, "_random_samples": samples(np.full((1, sp[1], nd), 0.99)), **ri},
                     "edge values, samples near 1", grad=False)
        yield Sample((T(_v(rng, dtype, *sp[1:])), 1),
                     {"output_size": 4, "_random_samples": samples(rng.random((1, sp[1], nd)))}, "unbatched, kernel 1")

    return gen


def _fractional_random(nd: int) -> SampleFn:
    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        sp = (1, 2) + (5,) * nd
        yield Sample((T(_v(rng, dtype, *sp)), 2), {"output_size": 3}, "output_size 3")
        yield Sample((T(_v(rng, dtype, *sp)), 2), {"output_ratio": (0.5,) * nd, "return_indices": True},
                     "output_ratio, indices")

    return gen


def _pool_dtypes(ints: bool) -> tuple[str, ...]:
    return (*FLT, *INTS) if ints else FLT


def _pools() -> list[OpInfo]:
    out: list[OpInfo] = []
    for n in (1, 2, 3):
        # NOTE: max_pool1d without indices has no integer kernel in PyTorch (with indices, and in 2-d and 3-d, it
        # has); avg_pool3d has no half one; lp_pool raises integers to a float power (a float result) unless the
        # power is an int
        out += [
            OpInfo(f"nn.functional.max_pool{n}d", _max_pool(n), dtypes=_pool_dtypes(n > 1),
                   errors=(*_pool_errors("max", n),
                           ErrorCase(Sample((T(np.ones(_PSP[n])), 0)), RuntimeError, "kernel_size must be greater "
                                     "than zero") if n == 1 else
                           ErrorCase(Sample((T(np.ones(_PSP[n][1:-1])), 2)), RuntimeError, "tensor expected for "
                                     "input"))),
            OpInfo(f"nn.functional.max_pool{n}d_with_indices", _max_pool(n, True), dtypes=_pool_dtypes(True)),
            OpInfo(f"nn.functional.avg_pool{n}d", _avg_pool(n), dtypes=(*FLOATS, _I64) if n == 3 else (*FLT, _I64),
                   errors=(*_pool_errors("avg", n),
                           *((ErrorCase(Sample((T(np.ones(_PSP[n])), 2), {"divisor_override": 0}), RuntimeError,
                                        "divisor must be not zero"),) if n > 1 else ()),
                           ErrorCase(Sample((T(np.ones(_PSP[n])), 2)), NotImplementedError,
                                     "not implemented for 'Int'", dtype="int32"))),
            OpInfo(f"nn.functional.lp_pool{n}d", _lp_pool(n),
                   dtypes=(*FLOATS, *INTS, "bool") if n == 3 else (*FLT, *INTS, "bool")),
            # NOTE: PyTorch's 3-d half kernel accumulates in half: over 300 random inputs up to 2e-3 (float16) and
            # 1.6e-2 (bfloat16) off the float32 result rounded once, which ember gives
            OpInfo(f"nn.functional.adaptive_avg_pool{n}d", _adaptive(n, "avg"), dtypes=FLT,
                   tol={"float16": (1e-3, 2e-3), "bfloat16": (1.6e-2, 1.6e-2)} if n == 3 else {},
                   errors=(ErrorCase(Sample((T(np.ones(_PSP[n])), -1)), RuntimeError,
                                     "elements of output_size must be greater than or equal to 0"),
                           ErrorCase(Sample((T(np.ones(_PSP[n])), 2)), NotImplementedError,
                                     "not implemented for 'Long'", dtype=_I64))),
            OpInfo(f"nn.functional.adaptive_max_pool{n}d", _adaptive(n, "max"), dtypes=FLT,
                   errors=(ErrorCase(Sample((T(np.ones(_PSP[n])), 2)), NotImplementedError,
                                     "not implemented for 'Long'", dtype=_I64),)),
            OpInfo(f"nn.functional.adaptive_max_pool{n}d_with_indices", _adaptive(n, "max", True), dtypes=FLT),
            OpInfo(f"nn.functional.max_unpool{n}d", _max_unpool(n), dtypes=FLT, gaps=_SLOW_FD,
                   errors=(ErrorCase(Sample((T(np.ones((1, 2, 3))), _idx(np.zeros((1, 2, 2))), 2)), RuntimeError,
                                     "Expected shape of indices to be same as that of the input tensor"),
                           ErrorCase(Sample((T(np.ones((1, 2, 3))), T(np.zeros((1, 2, 3))), 2)), RuntimeError,
                                     "elements in indices should be type int64 but got: Float"),
                           ErrorCase(Sample((T(np.ones((1, 2, 3))), _idx(np.zeros((1, 2, 3))), 2),
                                            {"output_size": (3,)}), ValueError, "invalid output_size"))
                   if n == 1 else ()),
        ]
    for n in (2, 3):
        frac = {"_random_samples": T(np.full((1, 2, n), 0.5))}
        out += [
            OpInfo(f"nn.functional.fractional_max_pool{n}d", _fractional(n), dtypes=FLT,
                   errors=(ErrorCase(Sample((T(np.ones((1, 2) + (4,) * n)), 2)), ValueError,
                                     f"fractional_max_pool{n}d requires specifying either an output_size or an "
                                     "output_ratio"),
                           ErrorCase(Sample((T(np.ones((1, 2) + (4,) * n)), 2), {"output_size": 4, **frac}),
                                     RuntimeError, f"fractional_max_pool{n}d{'' if n == 2 else '_out'}(): pool"))),
            OpInfo(f"nn.functional.fractional_max_pool{n}d_with_indices", _fractional(n, True), dtypes=FLT),
            OpInfo(f"nn.functional.fractional_max_pool{n}d (random)", _fractional_random(n), dtypes=FLT,
                   fn=lambda lib, n=n: getattr(lib.nn.functional, f"fractional_max_pool{n}d"), compare="shape",
                   grad=False),
        ]
    return out


POOLING = _pools()
