"""Normalization (batch, instance, layer, group, RMS, local response, ``normalize``), linear layers and
embeddings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._core import FLOATS, ErrorCase, OpInfo, Sample, T
from ._common import (
    _I64,
    _SLOW_FD,
    FLT,
    NUM,
    _floating,
    _idx,
    _pos,
    _v,
)

# -- normalization ----------------------------------------------------------------------------------------------------



def _norm_stats(fn_name: str) -> Callable[[Any], Callable[..., Any]]:
    """``F.<fn_name>`` returning its output with the running statistics it updated in place (compared too)."""

    def fn(lib: Any) -> Callable[..., Any]:
        f = getattr(lib.nn.functional, fn_name)

        def call(input: Any, running_mean: Any = None, running_var: Any = None, *args: Any, **kw: Any) -> Any:
            return f(input, running_mean, running_var, *args, **kw), running_mean, running_var

        return call

    return fn


def _batch_norm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """batch_norm in evaluation (running statistics) and training (batch statistics, running ones updated in
    place), with and without affine parameters and running statistics, 2-d to 4-d, NaN and inf, empty batches."""

    def st(c: int) -> tuple[T, T]:
        return T(rng.uniform(-1, 1, c), grad=False), T(_pos(rng, c), grad=False)

    x = T(_v(rng, dtype, 2, 3))
    yield Sample((x, *st(3), T(_pos(rng, 3)), T(rng.uniform(-1, 1, 3))), {}, "evaluation, affine")
    yield Sample((T(_v(rng, dtype, 2, 3, 2)), *st(3)), {"training": True, "momentum": 0.3}, "training, 3-d")
    yield Sample((T(_v(rng, dtype, 2, 2, 2, 2)), None, None, T(_pos(rng, 2))), {"training": True},
                 "training without running statistics, 4-d")
    edge = np.array([[0.0, np.inf, 1.0], [np.nan, 2.0, -1.0], [1e30, -1e30, 3.0]])
    yield Sample((T(edge), *st(3)), {"training": True}, "NaN, inf, huge values", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 3, 5), "strided"), *st(3)), {"eps": 0.1}, "strided view, eps=0.1")
    yield Sample((T(_v(rng, dtype, 0, 3)), *st(3)), {"training": True}, "zero-size batch")
    yield Sample((T(_v(rng, dtype, 1, 3)), *st(3)), {"training": True}, "one value per channel in training: refused")
    yield Sample((T(_v(rng, dtype, 1, 3)), *st(3)), {}, "batch of one in evaluation")
    yield Sample((T(_v(rng, dtype, 4, 2)), *st(2)), {"training": True, "momentum": None},
                 "momentum=None: a cumulative average")


def _instance_norm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """instance_norm over each sample and channel: with and without affine parameters and running statistics
    (updated in place), the running statistics instead (use_input_stats=False), 3-d to 5-d."""
    yield Sample((T(_v(rng, dtype, 2, 3, 4)),), {}, "no statistics")
    yield Sample((T(_v(rng, dtype, 2, 2, 3)), T(np.zeros(2), grad=False), T(np.ones(2), grad=False),
                  T(_pos(rng, 2)), T(rng.uniform(-1, 1, 2))), {"momentum": 0.5}, "running statistics, affine")
    yield Sample((T(_v(rng, dtype, 1, 2, 3)), T(rng.uniform(-1, 1, 2), grad=False), T(_pos(rng, 2), grad=False)),
                 {"use_input_stats": False}, "use_input_stats=False")
    edge = np.array([[[0.0, np.inf, 1.0], [np.nan, 2.0, -1.0]]])
    yield Sample((T(edge),), {}, "NaN and inf", grad=False)
    yield Sample((T(_v(rng, dtype, 1, 2, 2, 3)),), {"eps": 0.1}, "4-d, eps=0.1")
    yield Sample((T(_v(rng, dtype, 2, 3, 5), "strided"),), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 0, 2, 3)),), {}, "zero-size batch")
    yield Sample((T(_v(rng, dtype, 2, 3, 1)),), {}, "one spatial element: refused")


def _layer_norm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """layer_norm over the last one or two dims, affine or not, NaN and inf rows, views, empty batches."""
    yield Sample((T(_v(rng, dtype, 2, 3)), (3,), T(_pos(rng, 3)), T(rng.uniform(-1, 1, 3))), {}, "last dim, affine")
    yield Sample((T(_v(rng, dtype, 2, 2, 3)), [2, 3]), {}, "last two dims, no affine")
    edge = np.array([[0.0, np.inf, 1.0], [np.nan, 2.0, -1.0], [1e30, -1e30, 3.0], [5.0, 5.0, 5.0]])
    yield Sample((T(edge), (3,)), {}, "NaN, inf, huge and constant rows", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 4)), (4,), None, T(rng.uniform(-1, 1, 4))), {"eps": 0.1},
                 "bias only, eps=0.1")
    yield Sample((T(_v(rng, dtype, 2, 5), "strided"), (5,)), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 3)), (3,)), {}, "1-d")
    yield Sample((T(_v(rng, dtype, 0, 3)), (3,)), {}, "zero-size batch")
    yield Sample((T(_v(rng, dtype, 1, 3), "expanded", (2, 3)), (3,)), {}, "expanded view")


def _group_norm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """group_norm with one, some and every channel per group, affine or not, 2-d to 4-d."""
    yield Sample((T(_v(rng, dtype, 2, 4, 2)), 2, T(_pos(rng, 4)), T(rng.uniform(-1, 1, 4))), {}, "2 groups, affine")
    yield Sample((T(_v(rng, dtype, 2, 4)), 4), {}, "2-d, a group per channel")
    yield Sample((T(_v(rng, dtype, 1, 2, 2, 2)), 1), {"eps": 0.1}, "4-d, one group")
    edge = np.array([[[0.0, np.inf], [np.nan, 2.0]], [[1.0, 2.0], [3.0, 4.0]]])
    yield Sample((T(edge), 1), {}, "NaN and inf", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 2, 5), "strided"), 2), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 0, 4, 2)), 2), {}, "zero-size batch")


def _rms_norm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """rms_norm over the last dims, with and without weight, the default eps (the dtype's) and a given one."""
    yield Sample((T(_v(rng, dtype, 2, 3)), (3,), T(_pos(rng, 3))), {}, "last dim, weight")
    yield Sample((T(_v(rng, dtype, 2, 2, 3)), [2, 3]), {"eps": 0.1}, "last two dims, eps=0.1")
    edge = np.array([[0.0, np.inf, 1.0], [np.nan, 2.0, -1.0], [1e30, -1e30, 3.0], [0.0, 0.0, 0.0]])
    yield Sample((T(edge), (3,)), {}, "NaN, inf, huge and zero rows", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 5), "strided"), (5,)), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 3)), (3,)), {}, "1-d")
    yield Sample((T(_v(rng, dtype, 0, 3)), (3,)), {}, "zero-size batch")


def _local_response_norm(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """local_response_norm across channels: even and odd window sizes, 3-d to 5-d, its other constants."""
    yield Sample((T(_v(rng, dtype, 2, 3, 4)), 2), {}, "3-d, size 2")
    yield Sample((T(_v(rng, dtype, 1, 4, 2, 2)), 3), {"alpha": 0.5, "beta": 0.5, "k": 2.0}, "4-d, size 3")
    yield Sample((T(_v(rng, dtype, 1, 3, 2, 2, 2)), 5), {}, "5-d, a window wider than the channels")
    edge = np.array([[[0.0, np.inf], [np.nan, 2.0], [1e30, -1.0]]])
    yield Sample((T(edge), 2), {}, "NaN and inf", grad=False)
    yield Sample((T(_v(rng, dtype, 1, 3, 5), "strided"), 1), {}, "strided view, size 1")
    yield Sample((T(_v(rng, dtype, 0, 3, 4)), 2), {}, "zero-size batch")


def _normalize(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """normalize by the p-norm over a dim: p of 2, 1, inf, 0 and fractional; zero vectors (eps); NaN and inf."""
    yield Sample((T(_v(rng, dtype, 2, 3)),), {}, "p=2, dim=1")
    yield Sample((T(_v(rng, dtype, 2, 3)),), {"p": 1.0, "dim": 0}, "p=1, dim=0")
    edge = np.array([[0.0, 0.0, 0.0], [np.inf, 1.0, 2.0], [np.nan, 1.0, 0.0], [1e30, 1e30, 1.0]])
    yield Sample((T(edge),), {}, "zero, inf, NaN and huge rows", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 3, 2)),), {"p": np.inf, "dim": -1}, "p=inf, dim=-1")
    yield Sample((T(_v(rng, dtype, 3)),), {"dim": 0, "eps": 0.5}, "1-d, eps=0.5")
    yield Sample((T(_v(rng, dtype, 2, 5), "strided"),), {"p": 3.0}, "p=3, strided view")
    yield Sample((T(_v(rng, dtype)),), {"dim": 0}, "0-d")
    yield Sample((T(_v(rng, dtype, 0, 3)),), {}, "zero-size batch")
    yield Sample((T(_v(rng, dtype, 2, 3)),), {"p": 0.5}, "p=0.5")


NORMALIZATION: list[OpInfo] = [
    # NOTE: PyTorch's half kernels round the batch statistics to half: over 300 random (2, 3, 4) inputs its float16
    # results are up to 2e-3 and its bfloat16 ones 1.6e-2 off the float32 result rounded once, which ember gives
    OpInfo("nn.functional.batch_norm", _batch_norm, dtypes=FLT, fn=_norm_stats("batch_norm"),
           tol={"float16": (1e-3, 4e-3), "bfloat16": (1.6e-2, 3.2e-2)},
           errors=(ErrorCase(Sample((T(np.ones((1, 3))), T(np.zeros(3)), T(np.ones(3))), {"training": True}),
                             ValueError, "Expected more than 1 value per channel when training, got input size"),
                   ErrorCase(Sample((T(np.ones((2, 3))), T(np.zeros(2)), T(np.ones(3)))), RuntimeError,
                             "running_mean should contain 3 elements not 2"),
                   ErrorCase(Sample((T(np.ones((2, 3))), None, None)), RuntimeError,
                             "running_mean must be defined in evaluation mode"),
                   ErrorCase(Sample((T(np.ones((2, 3))), T(np.zeros(3)), T(np.ones(3)))), NotImplementedError,
                             "\"batch_norm\" not implemented for 'Long'", dtype=_I64))),
    # NOTE: PyTorch's half kernels round the statistics to half: over 300 random (2, 3, 4) inputs its float16
    # results are up to 4e-3 and its bfloat16 ones 4.1e-2 off the float32 result rounded once, which ember gives
    OpInfo("nn.functional.instance_norm", _instance_norm, dtypes=FLT, fn=_norm_stats("instance_norm"),
           tol={"float16": (1e-3, 4e-3), "bfloat16": (1.6e-2, 4.1e-2)},
           errors=(ErrorCase(Sample((T(np.ones((2, 3, 1))),)), ValueError,
                             "Expected more than 1 spatial element when training, got input size"),
                   ErrorCase(Sample((T(np.ones((2, 3, 2))),)), NotImplementedError,
                             "\"batch_norm\" not implemented for 'Long'", dtype=_I64))),
    OpInfo("nn.functional.layer_norm", _layer_norm, dtypes=FLT,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), (2,))), RuntimeError,
                             "Given normalized_shape=[2], expected input with shape [*, 2], but got input of "
                             "size[2, 3]"),
                   ErrorCase(Sample((T(np.ones((2, 3))), (3,), T(np.ones(2)))), RuntimeError,
                             "Expected weight to be of same shape as normalized_shape, but got weight of shape [2]"),
                   ErrorCase(Sample((T(np.ones((2, 3))), ())), RuntimeError,
                             "Expected normalized_shape to be at least 1-dimensional"),
                   ErrorCase(Sample((T(np.ones((2, 3))), (3,))), NotImplementedError,
                             "\"LayerNormKernelImpl\" not implemented for 'Long'", dtype=_I64))),
    OpInfo("nn.functional.group_norm", _group_norm, dtypes=FLT,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), 2)), RuntimeError,
                             "Expected number of channels in input to be divisible by num_groups, but got input of "
                             "shape [2, 3] and num_groups=2"),
                   ErrorCase(Sample((T(np.ones((2, 4, 2))), 2, T(np.ones(3)))), RuntimeError,
                             "Expected weight to be a vector of size equal to the number of channels in input"),
                   ErrorCase(Sample((T(np.ones((2, 4, 2))), 2)), NotImplementedError,
                             "\"GroupNormKernelImpl\" not implemented for 'Long'", dtype=_I64))),
    OpInfo("nn.functional.rms_norm", _rms_norm, dtypes=FLT,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), (2,))), RuntimeError,
                             "Given normalized_shape=[2], expected input with shape [*2], but got input of size[2, 3]"),
                   ErrorCase(Sample((T(np.ones((2, 3))), (3,), T(np.ones(2)))), RuntimeError,
                             "Expected weight to be of same shape as normalized_shape"),
                   ErrorCase(Sample((T(np.ones((2, 3))), (3,))), NotImplementedError,
                             "\"rms_norm\" not implemented for 'Long'", dtype=_I64))),
    # NOTE: no half precision: PyTorch's CPU kernel takes it for 3-d inputs only (its 4-d path, avg_pool3d, has
    # no half kernel); int64 inputs are averaged in integers, then divide into float32
    OpInfo("nn.functional.local_response_norm", _local_response_norm, dtypes=(*FLOATS, _I64),
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), 2)), ValueError,
                             "Expected 3D or higher dimensionality"),)),
    OpInfo("nn.functional.normalize", _normalize, dtypes=FLT, supports_out=True,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))),), {"dim": 3}), IndexError, "Dimension out of range"),
                   ErrorCase(Sample((T(np.array([[1, 2]])),)), RuntimeError,
                             "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long",
                             dtype=_I64))),
]

# -- linear layers and embeddings -----------------------------------------------------------------------------------


def _linear(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """linear with and without bias; 1-d, 2-d and batched 3-d inputs; a 1-d weight; empty batches and features;
    a transposed (strided) weight; NaN and inf."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(2, 3), v(4, 3), v(4)), {}, "2-d, bias")
    yield Sample((v(2, 2, 3), v(2, 3)), {}, "3-d, no bias")
    yield Sample((v(3), v(2, 3), v(2)), {}, "1-d input")
    yield Sample((v(3), v(3)), {}, "1-d input and weight: a dot product")
    edge = np.array([[0.0, np.inf, 1.0], [np.nan, 2.0, -1.0], [1e30, 1e30, 3.0]])
    yield Sample((T(edge), v(2, 3)), {}, "NaN, inf, huge values", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 5), "strided"), v(2, 3)), {}, "strided input")
    yield Sample((v(0, 3), v(4, 3), v(4)), {}, "zero-size batch")
    yield Sample((v(2, 0), v(4, 0), v(4)), {}, "no input features: the bias")
    yield Sample((v(2, 3), T(_v(rng, dtype, 1, 3), "expanded", (4, 3))), {}, "expanded weight")


def _bilinear(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """bilinear x1^T A x2 + b: with and without bias, batched 3-d and unbatched 1-d inputs, empty batches."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(2, 3), v(2, 2), v(4, 3, 2), v(4)), {}, "2-d, bias")
    yield Sample((v(2, 2, 3), v(2, 2, 2), v(1, 3, 2)), {}, "3-d, no bias")
    yield Sample((v(3), v(2), v(2, 3, 2), v(2)), {}, "1-d inputs")
    edge = np.array([[0.0, np.inf], [np.nan, 2.0]])
    yield Sample((T(edge), v(2, 2), v(1, 2, 2)), {}, "NaN and inf", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 5), "strided"), v(2, 2), v(3, 3, 2)), {}, "strided input")
    yield Sample((v(0, 3), v(0, 2), v(4, 3, 2), v(4)), {}, "zero-size batch")


def _embedding(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """embedding lookups: 1-d, 2-d and 0-d int64/int32 indices, repeats, padding_idx (no gradient for that row,
    negative too), max_norm (renormalizes the rows looked up, in place), scale_grad_by_freq, out-of-range.
    The first two are plain lookups: padding_idx and scale_grad_by_freq define a gradient that is not the
    derivative, so finite differences (run on the first two) would disagree with PyTorch's rule."""
    w = _v(rng, dtype, 5, 3)
    yield Sample((_idx([0, 3, 1, 3]), T(w)), {}, "1-d indices with a repeat")
    yield Sample((_idx(3), T(w)), {}, "0-d index")
    yield Sample((_idx([[0, 4], [2, 2]]), T(w)), {"padding_idx": 2}, "2-d indices, padding_idx")
    yield Sample((T(np.array([4, 0]), dtype="int32"), T(w)), {"padding_idx": -1}, "int32 indices, padding_idx=-1")
    yield Sample((_idx([1, 1, 2]), T(w)), {"scale_grad_by_freq": True}, "scale_grad_by_freq")
    yield Sample((_idx(np.zeros((0,), dtype=np.int64)), T(w)), {}, "no indices")
    yield Sample((_idx([1, 4]), T(_v(rng, dtype, 5, 5), "strided")), {}, "strided weight")
    yield Sample((_idx([0, 3]), T(np.array([[0.1, 0.2], [3.0, 4.0], [1.0, 0.0], [np.inf, 1.0]]))), {},
                 "inf and NaN rows", grad=False)
    yield Sample((_idx([0, 5]), T(w)), {}, "index out of range: refused")
    yield Sample((_idx([-1]), T(w)), {}, "negative index: refused")
    if _floating(dtype):
        yield Sample((_idx([0, 2, 2]), T(_v(rng, dtype, 4, 3))), {"max_norm": 1.0}, "max_norm=1", grad=False)
        yield Sample((_idx([1, 3]), T(_v(rng, dtype, 4, 3))), {"max_norm": 0.5, "norm_type": 1.0}, "L1 max_norm",
                     grad=False)


def _embedding_fn(lib: Any) -> Callable[..., Any]:
    """F.embedding, returning the weight too where max_norm renormalizes its rows in place (compared too)."""
    f = lib.nn.functional.embedding

    def call(input: Any, weight: Any, *args: Any, **kw: Any) -> Any:
        out = f(input, weight, *args, **kw)
        return (out, weight) if kw.get("max_norm") is not None else out

    return call


def _embedding_bag(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """embedding_bag: 2-d fixed-size bags and 1-d indices with offsets, in each mode; empty bags (zeros),
    per_sample_weights (sum), include_last_offset, padding_idx."""
    w = _v(rng, dtype, 5, 3)
    yield Sample((_idx([[0, 1], [2, 4]]), T(w)), {}, "2-d bags, mean")
    yield Sample((_idx([0, 3, 1, 3]), T(w), _idx([0, 1, 1])), {"mode": "sum"}, "offsets, an empty bag, sum")
    yield Sample((_idx([0, 3, 1, 3]), T(w), _idx([0, 2])), {"mode": "max"}, "offsets, max")
    yield Sample((_idx([4, 2, 2]), T(w), _idx([0, 1])), {"mode": "sum", "per_sample_weights": T(rng.uniform(-1, 1, 3))},
                 "per_sample_weights")
    yield Sample((_idx([0, 1, 2, 3]), T(w), _idx([0, 2, 4])), {"include_last_offset": True}, "include_last_offset")
    yield Sample((_idx([0, 2, 2, 1]), T(w), _idx([0, 2])), {"padding_idx": 2}, "padding_idx")
    yield Sample((_idx([[0, 1], [2, 4]]), T(w)), {"mode": "max"}, "2-d bags, max")
    yield Sample((_idx([0, 3]), T(w), _idx([0, 2])), {"mode": "mean"}, "offsets past the end: empty last bag")


def _one_hot(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """one_hot of int64 classes: the inferred class count, a given one, 0-d and 2-d and empty inputs."""
    yield Sample((T(np.array([0, 2, 1, 2])),), {}, "inferred class count")
    yield Sample((T(np.array([[0, 1], [3, 0]])), 5), {}, "2-d, num_classes=5")
    yield Sample((T(np.array(1)), 3), {}, "0-d")
    yield Sample((T(np.zeros((0,))), 3), {}, "empty, num_classes given")
    yield Sample((T(np.array([0, 4, 1])), -1), {}, "num_classes=-1: inferred")
    yield Sample((T(np.array([0, 2])), 2), {}, "a class beyond num_classes: refused")


LINEAR: list[OpInfo] = [
    OpInfo("nn.functional.linear", _linear, dtypes=NUM,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((4, 2))))), RuntimeError,
                             "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x4)"),
                   ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((4, 3)), dtype="float64"))), RuntimeError,
                             "expected m1 and m2 to have the same dtype"))),
    OpInfo("nn.functional.bilinear", _bilinear, dtypes=NUM, gaps=_SLOW_FD,
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((2, 3))), T(np.ones((4, 3, 2))))), RuntimeError,
                             "bilinear(): input2 size does not match weight size: got 3 but expected 2"),
                   ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((1, 3))), T(np.ones((4, 3, 3))))), RuntimeError,
                             "bilinear(): input batch dimensions do not match at dim 0: got 2 and 1"))),
    OpInfo("nn.functional.embedding", _embedding, dtypes=(*NUM, "bool"), fn=_embedding_fn,
           errors=(ErrorCase(Sample((T(np.array([0.0, 1.0])), T(np.ones((3, 2))))), RuntimeError,
                             "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                             "Long, Int"),
                   ErrorCase(Sample((_idx([0, 3]), T(np.ones((3, 2))))), IndexError, "index out of range in self"),
                   ErrorCase(Sample((_idx([0]), T(np.ones((3, 2)))), {"padding_idx": 3}), AssertionError,
                             "Padding_idx must be within num_embeddings"),
                   ErrorCase(Sample((_idx([0]), T(np.ones(3)))), RuntimeError, "'weight' must be 2-D"))),
    OpInfo("nn.functional.embedding_bag", _embedding_bag, dtypes=FLT,
           errors=(ErrorCase(Sample((_idx([0, 1]), T(np.ones((3, 2))), _idx([1, 2]))), RuntimeError,
                             "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                             "position 0. However, got 1"),
                   ErrorCase(Sample((_idx([0, 1]), T(np.ones((3, 2))))), ValueError,
                             "offsets has to be a 1D Tensor but got None"),
                   ErrorCase(Sample((_idx([0, 1]), T(np.ones((3, 2))), _idx([0])), {"mode": "bad"}), ValueError,
                             "mode has to be one of sum, mean or max"),
                   ErrorCase(Sample((_idx([0, 1]), T(np.ones((3, 2))), _idx([0])),
                                    {"per_sample_weights": T(np.ones(2))}), NotImplementedError,
                             "per_sample_weights is only supported for mode='sum' (got mode='mean')"),
                   ErrorCase(Sample((_idx([0, 1]), T(np.ones((3, 2))), _idx([0]))), RuntimeError,
                             "Expected tensor for argument #1 'weight' to have one of the following scalar types",
                             dtype=_I64))),
    OpInfo("nn.functional.one_hot", _one_hot, dtypes=(_I64,), grad=False,
           errors=(ErrorCase(Sample((T(np.array([0, -1])),)), RuntimeError, "Class values must be non-negative.",
                             dtype=_I64),
                   ErrorCase(Sample((T(np.array([0, 2])), 2)), RuntimeError,
                             "Class values must be smaller than num_classes.", dtype=_I64),
                   ErrorCase(Sample((T(np.zeros(0)),)), RuntimeError,
                             "Can not infer total number of classes from empty tensor.", dtype=_I64),
                   ErrorCase(Sample((T(np.array([0.0, 1.0])),)), RuntimeError,
                             "one_hot is only applicable to index tensor of type LongTensor."))),
]
