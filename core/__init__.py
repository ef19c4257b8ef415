"""ember: PyTorch's user API over pluggable compute backends (NumPy, CuPy, JAX, plugins).

``import ember as torch`` runs tutorial-style PyTorch programs; the device on each tensor picks
the backend that computes it.
"""

from __future__ import annotations

__version__ = "0.1.0"

import warnings as _warnings  # noqa: E402

# NOTE: PyTorch computes inf/NaN silently (log(0), 0/0, exp overflow); NumPy warns. Ignoring its
# floating-point RuntimeWarnings only where ember's own modules call it keeps ember silent without a
# per-op `np.errstate` (~1 us, the whole per-op budget) and leaves the user's own NumPy calls warning.
_warnings.filterwarnings(
    "ignore", r"(divide by zero|invalid value|overflow|underflow) encountered", RuntimeWarning, r"ember(\.|$)"
)

from . import autograd, cuda, dtypes  # noqa: E402
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from .autograd.anomaly import set_detect_anomaly  # noqa: E402
from .device import device  # noqa: E402
from .dtypes import (  # noqa: E402
    bfloat16, bool, double, dtype, float, float16, float32, float64, get_default_dtype, half, int, int8, int16,
    int32, int64, long, promote_types, result_type, set_default_dtype, can_cast, short, uint8,
)
from .dtypes import cdouble, cfloat, complex64, complex128, is_complex  # noqa: E402

from .tensor import Size, Tensor  # noqa: E402
from . import ops  # noqa: E402,F401  (binds Tensor methods)
from .ops.creation import (  # noqa: E402
    BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
    LongTensor, ShortTensor, arange, as_tensor, asarray, empty, empty_like, eye, from_dlpack, from_numpy, full,
    full_like, linspace, logspace, ones, ones_like, tensor, zeros, zeros_like,
)
from .ops.creation import range_ as range  # noqa: E402,A004
from .ops.elementwise import (  # noqa: E402
    add, addcdiv, addcmul, allclose, arctan2, atan2, bitwise_and, bitwise_or, bitwise_xor, clamp, clamp_max,
    clamp_min, clip, div, divide, eq, equal, float_power, floor_divide, fmod, ge, greater, greater_equal, gt, isclose,
    le, lerp, less, less_equal, logical_and, logical_or, logical_xor, lt, maximum, minimum, mul, multiply, ne,
    not_equal, pow, remainder, sub, true_divide, where,
)
from .ops.unary import (  # noqa: E402
    abs, absolute, acos, arccos, arcsin, arctan, asin, atan, bitwise_not, ceil, cos, cosh, erf, exp, expm1, fix,
    floor, isfinite, isinf, isnan, log, log1p, log2, log10, logical_not, neg, negative, reciprocal, relu, round,
    rsqrt, sigmoid, sign, sin, sinh, sqrt, square, tan, tanh, trunc,
)
from .ops.elementwise import sub as subtract  # noqa: E402
from .ops.indexing import (  # noqa: E402
    argwhere, gather, index_add, index_select, masked_fill, masked_select, nonzero, scatter, scatter_add, take,
    take_along_dim,
)
from .ops.linalg import bmm, dot, einsum, ger, inner, matmul, mm, mv, outer, vdot  # noqa: E402
from .linalg._torch_api import (  # noqa: E402
    addbmm, addmm, addmv, addr, baddbmm, cdist, chain_matmul, cholesky, cholesky_inverse, cholesky_solve, cross, det,
    inverse, kron, logdet, orgqr, pinverse, qr, slogdet, svd, tensordot, trace, triangular_solve,
)
from .linalg._torch_api import lu, lu_solve, lu_unpack  # noqa: E402
from .linalg._derived import matrix_exp, matrix_power  # noqa: E402
from .sparse import layout, sparse_coo, strided  # noqa: E402
from .sparse import mm as spmm  # noqa: E402
from .sparse._coo import sparse_coo_tensor  # noqa: E402
from .ops._methods import log_softmax, softmax  # noqa: E402
from .ops.random import (  # noqa: E402
    Generator, bernoulli, get_rng_state, initial_seed, manual_seed, multinomial, normal, rand, rand_like, randint,
    randint_like, randn, randn_like, randperm, seed, set_rng_state,
)
from .ops.reduction import (  # noqa: E402
    all, amax, amin, aminmax, any, argmax, argmin, count_nonzero, cumprod, cumsum, logsumexp, max, mean, min, nanmean,
    nansum, norm, prod, std, std_mean, sum, var, var_mean,
)
from .ops.sorting import argsort, bincount, kthvalue, median, msort, sort, topk, unique  # noqa: E402
from .ops.arrange import (  # noqa: E402
    cat, concat, concatenate, diag, diag_embed, flip, fliplr, flipud, hstack, repeat_interleave, roll, stack, tile,
    tril, triu, vstack,
)
from .ops.shape import (  # noqa: E402
    broadcast_shapes, broadcast_tensors, broadcast_to, chunk, clone, diagonal, flatten, moveaxis, movedim, narrow,
    permute, reshape, select, split, squeeze, swapaxes, swapdims, t, tensor_split, transpose, unbind, unflatten,
    unsqueeze,
)
from .special import (  # noqa: E402
    digamma, erfc, erfinv, exp2, i0, igamma, igammac, lgamma, logit, mvlgamma, polygamma, sinc, xlogy,
)
from .ops.complex import (  # noqa: E402
    angle, complex, conj, conj_physical, imag, is_conj, polar, real, resolve_conj, resolve_neg, sgn, view_as_complex,
    view_as_real,
)
from .plugins import get_default_device, set_default_device  # noqa: E402
from .ops.assemble import (  # noqa: E402
    atleast_1d, atleast_2d, atleast_3d, bartlett_window, blackman_window, block_diag, cartesian_prod, column_stack,
    combinations, diagflat, dsplit, dstack, hamming_window, hann_window, hsplit, kaiser_window, meshgrid, ravel,
    rot90, row_stack, split_with_sizes, tril_indices, triu_indices, unravel_index, vander, vsplit,
)
from .ops.assemble import split_with_sizes as unsafe_split_with_sizes  # noqa: E402
from .ops.shape import chunk as unsafe_chunk, split as unsafe_split  # noqa: E402
from .amp.grad_scaler import GradScaler  # noqa: E402 - torch.GradScaler, as torch.amp.GradScaler
from .ops.spectral import istft, stft  # noqa: E402
from .ops.legacy import (  # noqa: E402
    adjoint, eig, embedding_renorm_, frobenius_norm, is_neg, lstsq, matrix_rank, nuclear_norm, solve,
)
from ._runtime import (  # noqa: E402
    OutOfMemoryError, are_deterministic_algorithms_enabled, channels_last, channels_last_3d, cond,
    contiguous_format, e, finfo, get_deterministic_debug_mode, get_device_module, get_num_interop_threads,
    get_num_threads, iinfo, inf, is_anomaly_check_nan_enabled, is_anomaly_enabled,
    is_deterministic_algorithms_warn_only_enabled, is_inference, is_nonzero, is_same_size, is_signed,
    is_warn_always_enabled, legacy_contiguous_format, memory_format, nan, newaxis, pi, preserve_format,
    set_anomaly_enabled, set_deterministic_debug_mode, set_num_interop_threads, set_num_threads, set_warn_always,
    typename, use_deterministic_algorithms, while_loop,
)
from . import amp, cpu  # noqa: E402
from .amp.autocast_mode import (  # noqa: E402
    autocast, autocast_decrement_nesting, autocast_increment_nesting, clear_autocast_cache, get_autocast_cpu_dtype,
    get_autocast_dtype, get_autocast_gpu_dtype, is_autocast_cache_enabled, is_autocast_cpu_enabled,
    is_autocast_enabled, set_autocast_cache_enabled, set_autocast_cpu_dtype, set_autocast_cpu_enabled,
    set_autocast_dtype, set_autocast_enabled, set_autocast_gpu_dtype,
)
from ._tensor_str import get_printoptions, set_printoptions  # noqa: E402
from .ops.misc_toplevel import (  # noqa: E402
    binomial, detach, detach_, empty_strided, frombuffer, get_device, is_inference_mode_enabled, poisson,
    scalar_tensor, to_dlpack, vmap,
)
from .ops.storage_ops import resize_as__ as resize_as_  # noqa: E402
from .ops.index_extra import (  # noqa: E402
    as_strided, as_strided_, as_strided_scatter, diagonal_scatter, index_copy, index_fill, index_put, index_put_,
    index_reduce, masked_scatter, put, scatter_reduce, select_scatter, slice_scatter,
)
from .ops.scan import (  # noqa: E402
    cummax, cummin, cumulative_trapezoid, diff, gradient, logcumsumexp, trapezoid, trapz,
)
from .ops.search import bucketize, histc, histogram, histogramdd, isin, searchsorted  # noqa: E402
from .ops.stats import (  # noqa: E402
    corrcoef, cov, dist, mode, nanmedian, nanquantile, quantile, renorm, unique_consecutive,
)
from .ops.pointwise_extra import (  # noqa: E402
    acosh, arccosh, arcsinh, arctanh, asinh, atanh, copysign, deg2rad, fill, fmax, fmin, frac, heaviside, hypot,
    isneginf, isposinf, isreal, logaddexp, logaddexp2, nan_to_num, positive, rad2deg, rsub, signbit,
)
from .ops.pointwise_bits import (  # noqa: E402
    bitwise_left_shift, bitwise_right_shift, frexp, gcd, lcm, ldexp, nextafter,
)
from .ops.inplace_forms import (  # noqa: E402
    abs_, acos_, acosh_, addmv_, arccos_, arccosh_, arcsin_, arcsinh_, arctan_, arctanh_, asin_, asinh_, atan_,
    atanh_, ceil_, clamp_, clamp_max_, clamp_min_, clip_, conj_physical_, cos_, cosh_, deg2rad_, erf_, erfc_, exp2_,
    exp_, expm1_, fill_, fix_, floor_, frac_, gcd_, i0_, lcm_, ldexp_, log10_, log1p_, log2_, log_, logit_,
    nan_to_num_, neg_, negative_, rad2deg_, reciprocal_, round_, rsqrt_, sigmoid_, sin_, sinc_, sinh_, sqrt_,
    square_, tan_, tanh_, trunc_, xlogy_, zero_,
)


def is_tensor(obj: object) -> builtins.bool:
    """Whether ``obj`` is an ember Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> builtins.int:
    """Number of elements of ``input``."""
    return input.numel()


def is_floating_point(input: Tensor) -> builtins.bool:
    """Whether ``input`` has a floating dtype."""
    return input.dtype.is_floating_point


def set_default_tensor_type(t: object) -> None:  # noqa: F811 - PyTorch's parameter name
    """Deprecated: use ``set_default_dtype``."""
    raise RuntimeError("set_default_tensor_type is not supported by ember; use ember.set_default_dtype")


_float32_matmul_precision = ["highest"]


def set_float32_matmul_precision(precision: str) -> None:
    """Set float32 matmul precision ("highest", "high", "medium"); recorded, as ember's kernels stay float32."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision!r}: expected one of 'highest', 'high', 'medium'")
    _float32_matmul_precision[0] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision set by ``set_float32_matmul_precision``."""
    return _float32_matmul_precision[0]


import builtins  # noqa: E402

_LAZY_MODULES = (
    "nn", "optim", "data", "utils", "backends", "accelerator",
    "linalg", "sparse", "onnx", "special", "distributions", "fft", "distributed",
)


def __getattr__(name: str) -> object:
    # NOTE: nn/optim/data load on first use so `import ember` stays cheap.
    if name in _LAZY_MODULES or name == "serialization":
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if name == "default_generator":
        from .ops.random import canon_device, default_generator_for

        return default_generator_for(canon_device("cpu"))
    if name in ("save", "load"):
        try:
            from . import serialization
        except ImportError:
            raise AttributeError(f"module 'ember' has no attribute {name!r}") from None
        return getattr(serialization, name)
    if not name.startswith("_"):
        # the nn ops PyTorch also has at top level (torch.conv2d, torch.dropout, ...): loaded with nn on first use
        from . import _torch_nn_ops

        if name in _torch_nn_ops.NAMES:
            return getattr(_torch_nn_ops, name)
    raise AttributeError(f"module 'ember' has no attribute {name!r}")
