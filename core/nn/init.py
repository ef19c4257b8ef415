"""``ember.nn.init``: PyTorch's parameter initializations.

docs/architecture.md §5: every random draw is made on a CPU tensor (of the target's shape, and dtype where the
CPU backend has it) from the CPU generator (the default one when ``generator`` is None), then
copied into the target; so one seed gives one initial model on every backend. A ``generator``
of another device draws on that device instead.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..ops.creation import empty
from ..ops.random import Generator
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
    "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
    "sparse_", "uniform", "normal", "constant", "eye", "dirac", "xavier_uniform", "xavier_normal",
    "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d")


def _draw_device(generator: Generator | None) -> Any:
    if generator is not None:
        return generator.device
    from ..ops._dispatch import canon_device

    return canon_device("cpu")


def _fresh(tensor: Tensor, generator: Generator | None) -> Tensor:
    """An uninitialized tensor of ``tensor``'s shape on the drawing device (in ``tensor``'s dtype
    when that device has it, else float32)."""
    dev = _draw_device(generator)
    dtype = tensor.dtype if tensor.dtype in dev._be.dtypes else _dt.float32
    return empty(tuple(tensor.shape), dtype=dtype, device=dev)


def _draw_target(tensor: Tensor, generator: Generator | None) -> Tensor:
    """``tensor`` itself when it lives on the drawing device, else a fresh tensor of its shape there."""
    if tensor._device == _draw_device(generator):
        return tensor
    return _fresh(tensor, generator)


def _commit(tensor: Tensor, drawn: Tensor) -> Tensor:
    if drawn is not tensor:
        tensor.copy_(drawn)  # type: ignore[attr-defined]
    return tensor


def calculate_gain(nonlinearity: str, param: int | float | None = None) -> float:
    """The recommended gain for a nonlinearity (e.g. ``sqrt(2)`` for ``"relu"``)."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4  # PyTorch's empirical value (pytorch/pytorch#50664)
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples of ``U(a, b)``."""
    with no_grad():
        t = _draw_target(tensor, generator)
        t.uniform_(a, b, generator=generator)  # type: ignore[attr-defined]
        return _commit(tensor, t)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples of ``N(mean, std**2)``."""
    with no_grad():
        t = _draw_target(tensor, generator)
        t.normal_(mean, std, generator=generator)  # type: ignore[attr-defined]
        return _commit(tensor, t)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples of ``N(mean, std**2)`` truncated to ``[a, b]`` (by redrawing the
    samples that fall outside)."""
    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of "
                      "values may be incorrect.", stacklevel=2)
    with no_grad():
        t = _fresh(tensor, generator)
        p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
        if p > 0.3:
            # Rejection from the normal itself: most samples are accepted.
            t.normal_(mean, std, generator=generator)  # type: ignore[attr-defined]
            while True:
                mask = (t < a) | (t > b)  # type: ignore[operator]
                if not bool(mask.any()):  # type: ignore[attr-defined]
                    break
                redraw = empty(tuple(t.shape), dtype=t.dtype, device=t.device).normal_(  # type: ignore[attr-defined]
                    mean, std, generator=generator)
                t = redraw.where(mask, t)  # type: ignore[attr-defined]
        else:
            # A narrow or far window: rejection from U(a, b) against the normal's peak in the window.
            mode = max(a, min(mean, b))
            log_peak = -0.5 * ((mode - mean) / std) ** 2
            t.uniform_(a, b, generator=generator)  # type: ignore[attr-defined]

            def log_density(x: Tensor) -> Tensor:
                return ((x - mean) / std) ** 2 * -0.5 - log_peak  # type: ignore[operator, return-value]

            def reject(x: Tensor) -> Tensor:
                u = empty(tuple(x.shape), dtype=x.dtype, device=x.device).uniform_(  # type: ignore[attr-defined]
                    generator=generator)
                return u.log() > log_density(x)  # type: ignore[no-any-return]

            pending = reject(t)
            while bool(pending.any()):  # type: ignore[attr-defined]
                cand = empty(tuple(t.shape), dtype=t.dtype, device=t.device).uniform_(  # type: ignore[attr-defined]
                    a, b, generator=generator)
                t = cand.where(pending, t)  # type: ignore[attr-defined]
                pending = reject(cand).where(pending, pending)  # type: ignore[attr-defined]
        tensor.copy_(t)  # type: ignore[attr-defined]
        return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``."""
    from ..ops.creation import full_like

    with no_grad():
        # copy_ of a filled tensor rather than fill_: the target is often fresh `empty` memory, and
        # the result must not depend on what that memory held.
        return tensor.copy_(full_like(tensor, val))  # type: ignore[attr-defined, no-any-return]


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill the 2-d ``tensor`` with the identity matrix."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    from ..ops.creation import eye

    with no_grad():
        tensor.copy_(eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))  # type: ignore[attr-defined]
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill the 3/4/5-d ``tensor`` with the Dirac delta (an identity convolution), per group."""
    import numpy as np

    from ..ops.creation import tensor as _tensor

    dims = tensor.ndim
    if dims not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    arr = np.zeros(tuple(sizes), dtype=np.float64)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(out_per_group, sizes[1])):
            arr[(g * out_per_group + d, d) + centre] = 1
    with no_grad():
        tensor.copy_(_tensor(arr))  # type: ignore[attr-defined]
    return tensor


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    dims = tensor.dim()
    if dims < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He uniform: ``U(-bound, bound)`` with ``bound = gain * sqrt(3 / fan)``."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He normal: ``N(0, std**2)`` with ``std = gain / sqrt(fan)``."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return normal_(tensor, 0.0, gain / math.sqrt(fan), generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill ``tensor`` (viewed as rows x rest) with a (semi-)orthogonal matrix times ``gain``."""
    import numpy as np

    from ..ops.creation import tensor as _tensor

    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    with no_grad():
        flat = _fresh(tensor, generator).reshape(rows, cols).normal_(  # type: ignore[attr-defined]
            0, 1, generator=generator)
        # NOTE: the QR runs on the host in float64; it is a one-off at initialization.
        m = np.asarray(flat.numpy(force=True), dtype=np.float64)
        if rows < cols:
            m = m.T
        q, r = np.linalg.qr(m)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        tensor.copy_(_tensor(q.reshape(tuple(tensor.shape)) * gain))  # type: ignore[attr-defined]
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> Tensor:
    """Fill the 2-d ``tensor`` with ``N(0, std**2)``, zeroing a ``sparsity`` fraction of each column."""
    from ..ops.random import randperm

    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with no_grad():
        t = _fresh(tensor, generator)
        t.normal_(0, std, generator=generator)  # type: ignore[attr-defined]
        for col in range(cols):
            zero_rows = randperm(rows, generator=generator, device=t.device)[:num_zeros]  # type: ignore[index]
            t[zero_rows, col] = 0  # type: ignore[index]
        tensor.copy_(t)  # type: ignore[attr-defined]
    return tensor


def _make_deprecate(meth: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``meth`` under its old name (without the trailing ``_``), warning as PyTorch's aliases do."""
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> Tensor:
        warnings.warn(f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
                      FutureWarning, stacklevel=2)
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"Deprecated alias of ``{new_name}``."
    deprecated_init.__name__ = old_name
    deprecated_init.__qualname__ = old_name
    return deprecated_init


uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
