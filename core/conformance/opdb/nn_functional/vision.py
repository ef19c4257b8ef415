"""Padding, resampling (``interpolate``, ``upsample*``, ``grid_sample``, ``affine_grid``), pixel and channel
shuffles, and attention."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._core import FLOATS, HALF, ErrorCase, OpInfo, Sample, SampleFn, T
from ..samples import edge_values
from ._common import (
    _I64,
    _SLOW_FD,
    FLT,
    NUM,
    _everywhere,
    _floating,
    _v,
)

# -- padding, resampling and rearranging -------------------------------------------------------------------------------


def _pad(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """pad in each mode: growing and cropping (negative) pads, mixed, on 2-d to 5-d inputs; constant values
    (inf, a value beyond an integer dtype's range: refused); reflect pads up to the size less one, circular up
    to the size; unbatched inputs; strided views."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(1, 2, 4), (1, 2)), {}, "constant: zeros")
    yield Sample((v(1, 1, 3, 4), (-1, 2, 1, -1)), {"mode": "reflect"}, "reflect, crop and grow")
    yield Sample((v(1, 1, 3, 4), (2, -1, -1, 2)), {"mode": "circular"}, "circular, crop and grow")
    yield Sample((v(1, 1, 2, 2, 3), (1, -2, 0, 1, 2, 1)), {"mode": "replicate"}, "replicate 3-d")
    yield Sample((T(edge_values(dtype)[None, :]), (2, 1)), {"mode": "reflect"}, "reflect the edge values")
    yield Sample((v(2, 3), (1, 1, -1, 2)), {"value": 1.5}, "constant 1.5, 2-d input, crop one side")
    yield Sample((v(1, 2, 4), (3, 3)), {"mode": "reflect"}, "reflect, the most it takes")
    yield Sample((v(1, 2, 3), (3, 2)), {"mode": "circular"}, "circular, a whole period")
    yield Sample((T(_v(rng, dtype, 2, 7), "strided"), (2, 0)), {"mode": "replicate"}, "replicate, unbatched, strided")
    yield Sample((v(3, 4), (-1, -1, -1, -1)), {}, "constant, crop only")
    yield Sample((v(0, 2, 3), (1, 1)), {"mode": "replicate"}, "replicate, empty batch")
    yield Sample((v(1, 2, 3), (1, 0)), {"value": float("inf")}, "constant inf")
    yield Sample((v(1, 1, 2, 3), (1, 1, 1, 1, 1, 1)), {}, "constant, every dim padded")
    yield Sample((v(1, 3, 3), (1, 2, -2, -1)), {"mode": "replicate"}, "replicate, one dim cropped to empty")
    yield Sample((v(1, 3, 4), (-4, 0)), {"mode": "circular"}, "circular, cropped to empty")
    yield Sample((v(1, 2, 3), (4, 4)), {"mode": "reflect"}, "reflect beyond the size: refused")


def _interp(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """interpolate in each mode, up and down, by size and by scale (integer, fractional, per dim), align_corners,
    recompute_scale_factor, antialias; NaN and inf; integer (uint8) inputs where PyTorch takes them."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape, low=0.0, high=9.0) if dtype == "uint8" else _v(rng, dtype, *shape))

    yield Sample((v(1, 2, 3, 4),), {"scale_factor": 2}, "nearest x2")
    yield Sample((v(1, 1, 3, 4),), {"scale_factor": 1.5, "mode": "bilinear"}, "bilinear x1.5")
    yield Sample((v(1, 1, 3, 4),), {"size": (5, 2), "mode": "bilinear", "align_corners": True},
                 "bilinear to (5, 2), align_corners")
    yield Sample((v(1, 1, 4, 4),), {"scale_factor": 0.5, "mode": "bilinear", "antialias": True},
                 "bilinear down, antialias")
    yield Sample((v(1, 1, 3, 4),), {"scale_factor": (1.7, 0.6), "mode": "nearest-exact"}, "nearest-exact, per dim")
    yield Sample((v(1, 1, 3, 4),), {"scale_factor": 1.5, "mode": "bicubic"}, "bicubic x1.5")
    yield Sample((v(1, 2, 5),), {"size": 3, "mode": "linear"}, "linear down to 3")
    yield Sample((v(1, 1, 2, 2, 3),), {"scale_factor": 2, "mode": "trilinear", "align_corners": False}, "trilinear")
    yield Sample((v(1, 1, 5, 4),), {"size": (2, 3), "mode": "area"}, "area")
    yield Sample((v(1, 1, 3, 4),), {"scale_factor": 1.3, "recompute_scale_factor": True}, "recompute_scale_factor")
    yield Sample((v(1, 1, 4, 5),), {"scale_factor": 0.6, "mode": "bicubic", "antialias": True,
                                     "align_corners": True}, "bicubic down, antialias, align_corners")
    yield Sample((v(1, 1, 2, 3),), {"scale_factor": 2, "mode": "nearest"}, "nearest")
    yield Sample((v(1, 1, 2, 2, 2),), {"size": (3, 1, 2)}, "nearest 3-d")
    if _floating(dtype):
        edge = np.array([[[[0.0, np.inf, 1.0], [np.nan, -1.0, 2.0]]]])
        yield Sample((T(edge),), {"scale_factor": 2, "mode": "bilinear"}, "bilinear around NaN and inf", grad=False)
    yield Sample((v(0, 1, 2, 3),), {"scale_factor": 2, "mode": "bilinear"}, "empty batch")
    yield Sample((v(1, 1, 3, 4),), {"scale_factor": 2, "mode": "linear"}, "linear on a 4-d input: refused")


def _upsample(with_mode: bool) -> SampleFn:
    """The deprecated upsample spellings (``upsample_bilinear``: align_corners=True); ``with_mode``: ``upsample``
    takes a mode too."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> T:
            return T(_v(rng, dtype, *shape, low=0.0, high=9.0) if dtype == "uint8" else _v(rng, dtype, *shape))

        yield Sample((v(1, 1, 2, 3),), {"scale_factor": 2}, "x2")
        yield Sample((v(1, 1, 3, 4),), {"size": (2, 5)}, "to (2, 5)")
        yield Sample((v(1, 2, 2, 2),), {"scale_factor": 1.5}, "x1.5")
        if with_mode:
            yield Sample((v(1, 1, 2, 3),), {"scale_factor": 2, "mode": "bilinear", "align_corners": False},
                         "bilinear")
        yield Sample((v(0, 1, 2, 3),), {"scale_factor": 2}, "empty batch")

    return gen


def _grid_sample(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """grid_sample in each mode and padding mode, align_corners both ways, grids inside and beyond [-1, 1], 5-d."""

    def grid(*shape: int, lo: float = -1.2, hi: float = 1.2) -> T:
        return T(rng.uniform(lo, hi, shape))

    x = T(_v(rng, dtype, 1, 1, 3, 4))
    yield Sample((x, grid(1, 2, 3, 2)), {"align_corners": False}, "bilinear, zeros")
    yield Sample((x, grid(1, 2, 2, 2)), {"mode": "nearest", "padding_mode": "border", "align_corners": True},
                 "nearest, border", grad=False)
    yield Sample((x, grid(1, 2, 2, 2, lo=-2.0, hi=2.0)), {"padding_mode": "reflection", "align_corners": False},
                 "bilinear, reflection, far outside")
    yield Sample((x, grid(1, 1, 3, 2)), {"mode": "bicubic", "padding_mode": "border", "align_corners": False},
                 "bicubic, border")
    yield Sample((T(_v(rng, dtype, 1, 1, 2, 2, 3)), grid(1, 1, 2, 2, 3)), {"align_corners": True}, "5-d")
    yield Sample((x, T(np.array([[[[np.nan, 0.0], [np.inf, 0.0], [0.0, -np.inf]]]]))), {"align_corners": False},
                 "NaN and inf coordinates", grad=False)
    yield Sample((T(_v(rng, dtype, 1, 1, 3, 7), "strided"), grid(1, 2, 2, 2)),
                 {"mode": "bicubic", "padding_mode": "reflection", "align_corners": True}, "bicubic, reflection")
    yield Sample((T(_v(rng, dtype, 0, 1, 3, 4)), grid(0, 2, 2, 2)), {"align_corners": False}, "empty batch")


def _affine_grid(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(rng.uniform(-1, 1, (2, 2, 3))), (2, 1, 3, 4)), {"align_corners": False}, "2-d")
    yield Sample((T(rng.uniform(-1, 1, (1, 3, 4))), (1, 2, 2, 3, 2)), {"align_corners": True}, "3-d, align_corners")
    if dtype not in HALF:  # PyTorch's half path has no kernel for a size-1 dim ("tensor_cpu" for 'Half')
        yield Sample((T(rng.uniform(-1, 1, (1, 2, 3))), [1, 1, 1, 4]), {"align_corners": False}, "a size-1 dim")
    yield Sample((T(np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])), (1, 3, 2, 2)), {"align_corners": False},
                 "identity")
    yield Sample((T(rng.uniform(-1, 1, (0, 2, 3))), (0, 1, 2, 2)), {"align_corners": False}, "empty batch")


def _shuffle(kind: str) -> SampleFn:
    """pixel_shuffle/pixel_unshuffle/channel_shuffle: batched, unbatched and extra-batch-dim inputs, factor 1,
    sizes the factor does not divide (refused)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def v(*shape: int) -> T:
            return T(_v(rng, dtype, *shape))

        if kind == "pixel_shuffle":
            yield Sample((v(1, 4, 2, 3), 2), {}, "factor 2")
            yield Sample((v(9, 1, 2), 3), {}, "unbatched, factor 3")
            yield Sample((v(2, 1, 4, 1, 2), 2), {}, "two batch dims")
            yield Sample((v(1, 3, 2, 2), 1), {}, "factor 1")
            yield Sample((T(_v(rng, dtype, 1, 4, 2, 5), "strided"), 2), {}, "strided view")
            # no gradient: PyTorch's backward (pixel_unshuffle) returns an empty gradient in the wrong shape
            yield Sample((v(0, 4, 1, 1), 2), {}, "empty batch", grad=False)
            yield Sample((v(1, 3, 1, 1), 2), {}, "channels not divisible: refused")
        elif kind == "pixel_unshuffle":
            yield Sample((v(1, 1, 4, 6), 2), {}, "factor 2")
            yield Sample((v(2, 3, 3), 3), {}, "unbatched, factor 3")
            yield Sample((v(2, 1, 1, 2, 4), 2), {}, "two batch dims")
            yield Sample((v(1, 2, 2, 3), 1), {}, "factor 1")
            yield Sample((T(_v(rng, dtype, 1, 1, 2, 7), "strided"), 2), {}, "strided view")
            # NOTE: no empty batch: PyTorch's pixel_unshuffle returns an empty input in its own shape, not unshuffled
            yield Sample((v(1, 1, 3, 2), 2), {}, "height not divisible: refused")
        else:
            yield Sample((v(1, 6, 2, 1), 2), {}, "2 groups")
            yield Sample((v(1, 6, 3), 3), {}, "3-d, 3 groups")
            yield Sample((v(2, 4, 1, 2, 1), 4), {}, "5-d, a group per channel")
            yield Sample((v(1, 4, 2, 2), 1), {}, "1 group")
            yield Sample((T(_v(rng, dtype, 1, 4, 1, 5), "strided"), 2), {}, "strided view")
            yield Sample((v(0, 4, 1, 1), 2), {}, "empty batch")
            yield Sample((v(1, 3, 1, 1), 2), {}, "channels not divisible: refused")

    return gen


_ALL_DT = (*NUM, "bool")
#: why grid_sample's half precision differs
_HALF_GRID = ("PyTorch's CPU kernel computes the sampling coordinates in half precision: over 200 random grids "
              "its nearest mode picks another pixel and its bicubic mode is 4e-2 (float16) off the float32 result "
              "rounded once, which ember gives")

VISION: list[OpInfo] = [
    OpInfo("nn.functional.pad", _pad, dtypes=_ALL_DT,
           errors=(ErrorCase(Sample((T(np.ones((1, 3, 4))), (1, 2, 3))), RuntimeError,
                             "Padding length must be divisible by 2"),
                   ErrorCase(Sample((T(np.ones((3, 4))), (1, 1) * 3)), RuntimeError,
                             "Padding length should be less than or equal to two times the input dimension but got "
                             "padding length 6 and input of dimension 2"),
                   ErrorCase(Sample((T(np.ones((1, 3, 4))), (4, 4)), {"mode": "reflect"}), RuntimeError,
                             "Argument #4: Padding size should be less than the corresponding input dimension, but "
                             "got: padding (4, 4) at dimension 2 of input [1, 3, 4]"),
                   ErrorCase(Sample((T(np.ones((1, 3, 4))), (5, 5)), {"mode": "circular"}), RuntimeError,
                             "Padding value causes wrapping around more than once."),
                   ErrorCase(Sample((T(np.ones((1, 3, 4))), (1, 1)), {"mode": "bad"}), NotImplementedError,
                             "Unrecognised padding mode bad"),
                   ErrorCase(Sample((T(np.ones((1, 3, 4))), (1, 1)), {"mode": "reflect", "value": 2.0}),
                             RuntimeError, "Padding mode \"reflect\" doesn't take in value argument"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))), (1, 1)), {"mode": "reflect"}), NotImplementedError,
                             "Padding size 2 is not supported for 4D input tensor"),
                   ErrorCase(Sample((T(np.ones((4, 0, 3))), (0, 2)), {"mode": "reflect"}), RuntimeError,
                             "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero "
                             "dimensions for input, but got: [4, 0, 3]"),
                   ErrorCase(Sample((T(np.ones((1, 3))), (-2, -1)), {"mode": "replicate"}), RuntimeError,
                             "input (W: 3) is too small. Calculated output W: 0"))),
    OpInfo("nn.functional.interpolate", _interp, dtypes=(*FLT, "uint8"), gaps=_SLOW_FD,
           errors=(ErrorCase(Sample((T(np.ones((1, 1, 3, 4))),), {"scale_factor": 2, "mode": "linear"}),
                             NotImplementedError, "Got 4D input, but linear mode needs 3D input"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))),), {"scale_factor": 2, "align_corners": True}),
                             ValueError, "align_corners option can only be set with the interpolating modes"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))),), {"size": 3, "scale_factor": 2}), ValueError,
                             "only one of size or scale_factor should be defined"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))),)), ValueError,
                             "either size or scale_factor should be defined"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))),), {"size": (2,)}), ValueError,
                             "Input and output must have the same number of spatial dimensions"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))),), {"scale_factor": 2}), NotImplementedError,
                             "\"upsample_nearest2d_channels_last\" not implemented for 'Int'", dtype="int32"))),
    OpInfo("nn.functional.upsample", _upsample(True), dtypes=(*FLT, "uint8"), gaps=_SLOW_FD),
    OpInfo("nn.functional.upsample_nearest", _upsample(False), dtypes=(*FLT, "uint8"), gaps=_SLOW_FD),
    OpInfo("nn.functional.upsample_bilinear", _upsample(False), dtypes=(*FLT, "uint8"), gaps=_SLOW_FD),
    OpInfo("nn.functional.grid_sample", _grid_sample, dtypes=FLT,
           gaps={**_everywhere("float16", _HALF_GRID), **_everywhere("bfloat16", _HALF_GRID), **_SLOW_FD},
           errors=(ErrorCase(Sample((T(np.ones((1, 1, 3, 4))), T(np.zeros((1, 2, 2, 3))))), RuntimeError,
                             "grid_sampler(): expected grid to have size 2 in last dimension"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))), T(np.zeros((1, 2, 2, 2)))), {"mode": "bad"}),
                             ValueError, "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
                             "'bicubic', but got: 'bad'"),
                   ErrorCase(Sample((T(np.ones((1, 1, 1, 3, 4))), T(np.zeros((1, 1, 2, 2, 3)))), {"mode": "bicubic"}),
                             RuntimeError, "grid_sampler(): bicubic interpolation only supports 4D input"),
                   ErrorCase(Sample((T(np.ones((1, 1, 3, 4))), T(np.zeros((2, 2, 2, 2))))), RuntimeError,
                             "grid_sampler(): expected grid and input to have same batch size"))),
    OpInfo("nn.functional.affine_grid", _affine_grid, dtypes=FLT,
           errors=(ErrorCase(Sample((T(np.zeros((1, 2, 3))), (1, 1, 2, 2, 2))), ValueError,
                             "Expected a batch of 3D affine matrices of shape Nx3x4 for size (1, 1, 2, 2, 2)."),
                   ErrorCase(Sample((T(np.zeros((1, 3, 3))), (1, 1, 2, 2))), ValueError,
                             "Expected a batch of 2D affine matrices of shape Nx2x3 for size (1, 1, 2, 2)."),
                   ErrorCase(Sample((T(np.zeros((1, 2, 3))), (1, 1, 2, 2))), ValueError,
                             "Expected theta to have floating point type, but got", dtype=_I64))),
    OpInfo("nn.functional.pixel_shuffle", _shuffle("pixel_shuffle"), dtypes=_ALL_DT,
           errors=(ErrorCase(Sample((T(np.ones((1, 3, 1, 1))), 2)), RuntimeError,
                             "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                             "upscale_factor, but input.size(-3)=3 is not divisible by 4"),
                   ErrorCase(Sample((T(np.ones((4, 1))), 2)), RuntimeError,
                             "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 "
                             "dimension(s)"),
                   ErrorCase(Sample((T(np.ones((1, 4, 1, 1))), 0)), RuntimeError,
                             "pixel_shuffle expects a positive upscale_factor, but got 0"))),
    OpInfo("nn.functional.pixel_unshuffle", _shuffle("pixel_unshuffle"), dtypes=_ALL_DT,
           errors=(ErrorCase(Sample((T(np.ones((1, 1, 3, 2))), 2)), RuntimeError,
                             "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=3 "
                             "is not divisible by 2"),)),
    # NOTE: native_channel_shuffle has no derivative in PyTorch
    *(OpInfo(f"nn.functional.{name}", _shuffle("channel_shuffle"), dtypes=_ALL_DT, grad=name == "channel_shuffle",
             errors=(ErrorCase(Sample((T(np.ones((1, 3, 1, 1))), 2)), RuntimeError,
                               "Number of channels must be divisible by groups. Got 3 channels and 2 groups."),
                     ErrorCase(Sample((T(np.ones((1, 4))), 2)), RuntimeError,
                               "channel_shuffle expects input with > 2 dims, but got input with sizes [1, 4]"),
                     ErrorCase(Sample((T(np.ones((1, 4, 1, 1))), 0)), RuntimeError,
                               "Number of groups to divide channels in must be positive. Value of groups:0")))
      for name in ("channel_shuffle", "native_channel_shuffle")),
]

# -- attention ---------------------------------------------------------------------------------------------------------


def _sdpa(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """scaled_dot_product_attention: L != S, causal (top-left aligned), bool and float masks (a fully masked row),
    scale, grouped-query heads, unbatched and empty inputs, NaN."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(2, 3), v(3, 3), v(3, 2)), {}, "unbatched, small")
    yield Sample((v(1, 2, 3, 4), v(1, 2, 5, 4), v(1, 2, 5, 6)), {"is_causal": True}, "L=3, S=5, causal")
    mask = np.array([[True, False, True, True, False], [False] * 5, [True] * 5])
    yield Sample((v(2, 3, 4), v(2, 5, 4), v(2, 5, 3)), {"attn_mask": T(mask, dtype="bool")},
                 "bool mask, a fully masked row", grad=False)
    yield Sample((v(1, 2, 3, 4), v(1, 2, 5, 4), v(1, 2, 5, 6)), {"attn_mask": v(3, 5), "scale": 0.5},
                 "float mask, scale")
    yield Sample((v(1, 4, 3, 2), v(1, 2, 5, 2), v(1, 2, 5, 3)), {"enable_gqa": True}, "grouped-query heads")
    yield Sample((v(1, 2, 3, 4), v(1, 2, 5, 4), v(1, 2, 5, 6)), {}, "L=3, S=5")
    yield Sample((T(np.array([[[1.0, np.nan], [np.inf, 0.0]]])), v(1, 3, 2), v(1, 3, 2)), {}, "NaN and inf queries",
                 grad=False)
    yield Sample((v(1, 0, 4), v(1, 5, 4), v(1, 5, 6)), {}, "no queries")
    yield Sample((T(_v(rng, dtype, 2, 3, 7), "strided"), v(2, 5, 4), v(2, 5, 6)), {"dropout_p": 0.0},
                 "strided query, dropout_p=0")


def _mha(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """multi_head_attention_forward (in evaluation, no dropout): packed and separate projections, biases and
    bias_k/bias_v, add_zero_attn, key padding and attention masks, per-head weights, unbatched input."""
    e, heads = 4, 2

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape, low=-1.0, high=1.0))

    def base(lq: int = 3, s: int = 5, n: int = 2, batched: bool = True) -> tuple[Any, ...]:
        q = v(lq, n, e) if batched else v(lq, e)
        k = v(s, n, e) if batched else v(s, e)
        return (q, k, k, e, heads, v(3 * e, e), v(3 * e), None, None, False, 0.0, v(e, e), v(e))

    small = (v(2, 1, 2), v(2, 1, 2), v(2, 1, 2), 2, 1, v(6, 2), v(6), None, None, False, 0.0, v(2, 2), v(2))
    yield Sample(small, {"training": False, "need_weights": False}, "one head, small")
    yield Sample(base(), {"training": False}, "packed projection, weights averaged")
    yield Sample(base(), {"training": False, "need_weights": False}, "no weights")
    pad = np.array([[False, False, True, False, True], [False] * 5])
    yield Sample(base(), {"training": False, "key_padding_mask": T(pad, dtype="bool"), "attn_mask": v(3, 5),
                          "average_attn_weights": False}, "key padding and float attention masks, per-head weights")
    args = list(base())
    args[7], args[8], args[9] = v(1, 1, e), v(1, 1, e), True
    yield Sample(tuple(args), {"training": False}, "bias_k, bias_v, add_zero_attn")
    args = list(base())
    args[5] = None
    yield Sample(tuple(args), {"training": False, "use_separate_proj_weight": True, "q_proj_weight": v(e, e),
                               "k_proj_weight": v(e, e), "v_proj_weight": v(e, e)}, "separate projections")
    yield Sample(base(batched=False), {"training": False}, "unbatched")
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    yield Sample(base(s=3), {"training": False, "attn_mask": T(causal, dtype="bool"), "is_causal": True},
                 "causal with its mask")


ATTENTION: list[OpInfo] = [
    OpInfo("nn.functional.scaled_dot_product_attention", _sdpa, dtypes=FLT, gaps=_SLOW_FD,
           errors=(ErrorCase(Sample((T(np.ones((1, 2, 3, 4))), T(np.ones((1, 2, 5, 4))), T(np.ones((1, 2, 5, 6)))),
                                    {"attn_mask": T(np.ones((3, 5)), dtype="bool"), "is_causal": True}), RuntimeError,
                             "Explicit attn_mask should not be set when is_causal=True"),
                   ErrorCase(Sample((T(np.ones((1, 3, 3, 4))), T(np.ones((1, 2, 5, 4))), T(np.ones((1, 2, 5, 6)))),
                                    {"enable_gqa": True}), RuntimeError,
                             "Number of heads in key and value must divide the number of heads in"),
                   ErrorCase(Sample((T(np.ones((1, 2, 3, 4))), T(np.ones((1, 2, 5, 4))),
                                     T(np.ones((1, 2, 5, 6)), dtype="float64"))), RuntimeError,
                             "Expected query, key, and value to have the same dtype"))),
    OpInfo("nn.functional.multi_head_attention_forward", _mha, dtypes=FLOATS, gaps=_SLOW_FD),
]
