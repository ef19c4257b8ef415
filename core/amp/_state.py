"""Autocast state and the cast applied at the entry of each op on PyTorch's autocast lists.

An op on a list starts with ``if AUTOCAST.on: return autocast_call("name", op, args...)``: one attribute
read when autocast is off. ``autocast_call`` casts the op's floating tensors by the op's policy for the
device type of its inputs, then calls the op again with autocast suspended, as PyTorch's autocast
dispatch key runs the op below itself (so ``dot`` calling ``matmul`` inside is not cast twice).

The policies follow PyTorch 2.13's "Autocast Op Reference": CPU's lists for ``cpu`` tensors and the
CUDA lists (aten/src/ATen/autocast_mode.h) for ``cuda``, ``jax`` and any other device type.
"""

from __future__ import annotations

import threading
from typing import Any

from .. import dtypes as _dt

__all__ = ["AUTOCAST", "autocast_call"]


class _AutocastState(threading.local):
    # NOTE: `on` is the only thing an op reads when autocast is off: True while some device type has
    # autocast enabled and no autocast-wrapped op is running. Per thread, as PyTorch's autocast state
    # (a new thread starts with autocast off); the read costs ~30 ns, paid only by the ops on
    # autocast's lists (matmul, linear, conv, losses), whose kernels cost microseconds.
    def __init__(self) -> None:
        self.on = False
        # what `on` returns to after a wrapped op (a flag, not True: another thread may have left autocast)
        self.want = False
        self.enabled: dict[str, bool] = {}
        self.dtype: dict[str, _dt.dtype] = {"cpu": _dt.bfloat16, "cuda": _dt.float16, "jax": _dt.float16}
        self.cache_enabled = True
        self.nesting = 0
        # id(leaf tensor) -> (leaf, its cast): casts of weights reused within one autocast region
        self.cache: dict[int, tuple[Any, Any]] = {}

    def refresh(self) -> None:
        """Recompute ``on`` after a device type's enabled flag changed."""
        self.on = self.want = any(self.enabled.values())


AUTOCAST = _AutocastState()

LOWER, FP32, FP32_FIRST, PROMOTE, BANNED = "lower", "fp32", "fp32_first", "promote", "banned"

# PyTorch's CPU lists (CPU autocast leaves softmax, layer_norm, exp, sum, ... in the input's dtype)
_CPU: dict[str, str] = dict.fromkeys(
    ("conv1d", "conv2d", "conv3d", "bmm", "mm", "linalg_vecdot", "baddbmm", "addmm", "addbmm", "linear",
     "matmul", "conv_tbc", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu",
     "scaled_dot_product_attention", "multi_head_attention_forward", "einsum"), LOWER)
_CPU.update(dict.fromkeys(
    ("prod", "cdist", "mse_loss", "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss", "poisson_nll_loss",
     "smooth_l1_loss", "cross_entropy", "l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss",
     "triplet_margin_loss", "multi_margin_loss", "kl_div", "multilabel_margin_loss", "binary_cross_entropy",
     "binary_cross_entropy_with_logits"), FP32))

# PyTorch's CUDA lists, used for every device type but cpu
_GPU: dict[str, str] = dict.fromkeys(
    ("conv1d", "conv2d", "conv3d", "conv_tbc", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu",
     "addmm", "addmv", "addr", "matmul", "einsum", "mm", "mv", "linalg_vecdot", "linear", "addbmm", "baddbmm",
     "bmm", "chain_matmul", "linalg_multi_dot", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell",
     "scaled_dot_product_attention", "multi_head_attention_forward"), LOWER)
_GPU.update(dict.fromkeys(
    ("acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p", "reciprocal", "rsqrt",
     "sinh", "tan", "pow", "softplus", "layer_norm", "rms_norm", "group_norm", "norm", "cosine_similarity",
     "poisson_nll_loss", "cosine_embedding_loss", "nll_loss", "hinge_embedding_loss", "kl_div", "l1_loss",
     "smooth_l1_loss", "huber_loss", "mse_loss", "margin_ranking_loss", "multilabel_margin_loss", "soft_margin_loss",
     "triplet_margin_loss", "multi_margin_loss", "binary_cross_entropy_with_logits", "dist", "pdist", "cdist",
     "renorm", "logsumexp", "interpolate", "cross_entropy"), FP32))
# ops with a `dtype=` argument: float32 unless the caller chose a dtype
_GPU.update(dict.fromkeys(("prod", "softmax", "log_softmax", "cumprod", "cumsum", "vector_norm", "matrix_norm",
                           "sum"), FP32_FIRST))
_GPU.update(dict.fromkeys(("addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "vdot", "grid_sample",
                           "index_put", "tensordot", "scatter_add"), PROMOTE))
_GPU["binary_cross_entropy"] = BANNED

_BCE_BANNED = (
    "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
    "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast."
).replace("torch.", "ember.")

_Tensor: Any = None


def _tensor_cls() -> Any:
    global _Tensor
    if _Tensor is None:
        from ..tensor import Tensor

        _Tensor = Tensor
    return _Tensor


def _device_type(args: tuple[Any, ...], T: Any) -> str | None:
    for a in args:
        if isinstance(a, T):
            return str(a._device.type)
        if isinstance(a, (list, tuple)):
            for b in a:
                if isinstance(b, T):
                    return str(b._device.type)
    return None


def _eligible(x: Any, T: Any, dev_type: str) -> bool:
    return (isinstance(x, T) and x.dtype.is_floating_point and x.dtype is not _dt.float64
            and x._device.type == dev_type)


def _cast(x: Any, dt: _dt.dtype, T: Any, dev_type: str) -> Any:
    if isinstance(x, (list, tuple)):
        # only sequences of tensors are rebuilt (shapes, strides and named tuples pass through as they are)
        return type(x)(_cast(v, dt, T, dev_type) for v in x) if any(isinstance(v, T) for v in x) else x
    if not isinstance(x, T) or x.dtype is dt or not _eligible(x, T, dev_type):
        return x
    # NOTE: like PyTorch's cast cache, only leaves that require grad (weights) are cached: they are the
    # tensors cast again and again within one region (an RNN's weights at every step).
    cacheable = AUTOCAST.cache_enabled and x._rg and x.grad_fn is None and AUTOCAST.nesting > 0
    if cacheable:
        hit = AUTOCAST.cache.get(id(x))
        if hit is not None and hit[0] is x and hit[1].dtype is dt:
            return hit[1]
    out = x.to(dt)
    if cacheable:
        AUTOCAST.cache[id(x)] = (x, out)
    return out


def _promote_dtype(args: tuple[Any, ...], T: Any, dev_type: str, low: _dt.dtype) -> _dt.dtype:
    for a in args:
        items = a if isinstance(a, (list, tuple)) else (a,)
        for x in items:
            if isinstance(x, T) and _eligible(x, T, dev_type) and x.dtype is _dt.float32:
                return _dt.float32
    return low


def _cast_args(policy: str, dev_type: str, args: tuple[Any, ...], kwargs: dict[str, Any],
               T: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if policy == FP32_FIRST:
        if kwargs.get("dtype") is None and args and isinstance(args[0], T):
            args = (_cast(args[0], _dt.float32, T, dev_type),) + args[1:]
        return args, kwargs
    if policy == BANNED:
        raise RuntimeError(_BCE_BANNED)
    low = AUTOCAST.dtype.get(dev_type, _dt.float16)
    if policy == LOWER:
        to = low
    elif policy == FP32:
        to = _dt.float32
    else:
        to = _promote_dtype(args + tuple(kwargs.values()), T, dev_type, low)
    return (tuple(_cast(a, to, T, dev_type) for a in args),
            {k: _cast(v, to, T, dev_type) for k, v in kwargs.items()})


def autocast_call(name: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call op ``fn`` (named ``name`` in the cast lists) with its tensors cast by autocast's policy."""
    T = _tensor_cls()
    dev_type = _device_type(args, T)
    if dev_type is not None and AUTOCAST.enabled.get(dev_type) and kwargs.get("out") is None:
        policy = (_CPU if dev_type == "cpu" else _GPU).get(name)
        if policy is not None:
            args, kwargs = _cast_args(policy, dev_type, args, kwargs, T)
    AUTOCAST.on = False
    try:
        return fn(*args, **kwargs)
    finally:
        AUTOCAST.on = AUTOCAST.want
