"""Top-level odds and ends: scalar_tensor, empty_strided, frombuffer, to_dlpack, detach/detach_, get_device,
binomial/poisson sampling, vmap, and the Tensor methods cauchy_/geometric_/log_normal_.

Sampling draws uniforms from ember's generators (the CPU default generator unless one is given, as the other
factory functions do) and transforms them with Tensor ops, so it works on every backend.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor
from . import elementwise as E
from ._dispatch import check_inplace, type_name, write
from .creation import empty, full, tensor
from .random import Generator, rand


def scalar_tensor(s: Any, *, dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding ``s`` (the default float dtype unless ``dtype`` is given)."""
    if isinstance(s, Tensor):
        s = s.item()
    return full((), s, dtype=dtype or _dt.get_default_dtype(), device=device, requires_grad=requires_grad)


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: _dt.dtype | None = None, layout: Any = None,
                  device: Any = None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """An uninitialized tensor of ``size`` (ember tensors are contiguous; ``stride`` is checked, not kept)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    return empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def frombuffer(buffer: Any, *, dtype: _dt.dtype, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-d CPU tensor sharing memory with an object implementing the buffer protocol."""
    import numpy as np  # host conversion only

    from .creation import _host_np_dtype, from_numpy

    mv = memoryview(buffer)
    nbytes = mv.nbytes
    item = dtype.itemsize
    if nbytes == 0 or offset < 0 or offset >= nbytes:
        raise ValueError(f"both buffer length ({nbytes}) and offset ({offset}) must be positive and offset must be "
                         "less than buffer length" if offset >= nbytes or nbytes == 0 else
                         f"offset ({offset} bytes) must be non-negative and no greater than buffer length ({nbytes} "
                         "bytes) minus 1")
    if count <= 0 and count != -1:
        raise ValueError(f"count ({count}) must be -1 or positive")
    if count == -1:
        if (nbytes - offset) % item:
            raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({item})")
        count = (nbytes - offset) // item
    elif offset + count * item > nbytes:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset ({offset} bytes) must not be "
                         f"greater than actual buffer length ({nbytes} bytes)")
    arr = np.frombuffer(buffer, dtype=_host_np_dtype(dtype), count=count, offset=offset)
    if dtype is _dt.bool:
        arr = arr.view(np.bool_)
    t = from_numpy(arr)
    if t.dtype is not dtype:
        t = t.to(dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule of ``tensor``'s data (shared memory where the backend allows)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack(): argument 'tensor' (position 1) must be Tensor, not {type(tensor).__name__}")
    return tensor.__dlpack__()


def detach(input: Tensor) -> Tensor:
    """``input.detach()``: the same data cut from the graph."""
    return input.detach()


def detach_(input: Tensor) -> Tensor:
    """``input.detach_()``: make ``input`` a leaf in place."""
    return input.detach_()


def get_device(input: Tensor) -> int:
    """The device index of ``input`` (-1 for CPU tensors)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"get_device(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dev = input.device
    return -1 if dev.type == "cpu" else (dev.index or 0)


# ---------------------------------------------------------------------------------------------
# sampling


def _uniform(shape: tuple[int, ...], like: Tensor, generator: Generator | None) -> Tensor:
    dt = like.dtype if like.dtype in (_dt.float64,) else _dt.float64
    return rand(shape, generator=generator, dtype=dt, device=like.device)


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson samples with rates ``input`` (inversion below rate 10, Hörmann's PTRS rejection above)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{type_name(input.dtype)}'")
    with E._no_grad():
        lam = input.detach().to(_dt.float64)  # type: ignore[attr-defined]
        if builtins.bool((lam < 0).any()) or builtins.bool(lam.isnan().any()):  # type: ignore[attr-defined]
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
        small = lam < 10
        out = _poisson_small(E.where(small, lam, 0.0), generator)
        if builtins.bool((~small).any()):  # type: ignore[attr-defined]
            out = E.where(small, out, _poisson_ptrs(E.where(small, 10.0, lam), generator))
    return out.to(input.dtype)


def _poisson_small(lam: Tensor, generator: Generator | None) -> Tensor:
    # inversion: walk the CDF until it passes u (at most a few dozen steps for rates below 10)
    u = _uniform(lam.shape, lam, generator)
    k = lam * 0
    p = (-lam).exp()
    cdf = p
    for i in range(1, 200):
        more = u > cdf
        if not builtins.bool(more.any()):  # type: ignore[attr-defined]
            break
        k = E.where(more, k + 1, k)
        p = p * lam / i
        cdf = cdf + p
    return k


def _poisson_ptrs(lam: Tensor, generator: Generator | None) -> Tensor:
    from ..special import lgamma

    slam, loglam = lam.sqrt(), lam.log()  # type: ignore[attr-defined]
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    result = lam * 0
    done = lam != lam  # all False
    for _ in range(1000):
        uu = _uniform(lam.shape, lam, generator) - 0.5
        v = _uniform(lam.shape, lam, generator)
        us = 0.5 - uu.abs()
        k = ((2 * a / us + b) * uu + lam + 0.43).floor()
        quick = E.logical_and(us >= 0.07, v <= vr)
        bad = E.logical_or(k < 0, E.logical_and(us < 0.013, v > us))
        kk = E.where(k < 0, 0.0, k)
        slow = (v.log() + invalpha.log() - (a / (us * us) + b).log()) <= (-lam + kk * loglam - lgamma(kk + 1))
        accept = E.logical_or(quick, E.logical_and(~bad, slow))  # type: ignore[operator]
        new = E.logical_and(accept, ~done)  # type: ignore[operator]
        result = E.where(new, k, result)
        done = E.logical_or(done, accept)
        if builtins.bool(done.all()):  # type: ignore[attr-defined]
            break
    return result


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial samples with ``count`` trials of success probability ``prob`` (CDF inversion)."""
    if not isinstance(count, Tensor) or not isinstance(prob, Tensor):
        raise TypeError("binomial(): arguments 'count' and 'prob' must be Tensors")
    for name, t in (("count", count), ("prob", prob)):
        if not t.dtype.is_floating_point:
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: {type_name(t.dtype)}")
    if count.dtype in (_dt.float16, _dt.bfloat16):  # PyTorch's CPU kernel has no half instance
        raise NotImplementedError(f"\"binomial_cpu\" not implemented for '{type_name(count.dtype)}'")
    from .shape import broadcast_tensors

    with E._no_grad():
        n, p = broadcast_tensors(count.detach().to(_dt.float64), prob.detach().to(_dt.float64))  # type: ignore[attr-defined]
        if builtins.bool(E.logical_or(p < 0, p > 1).any()):  # type: ignore[attr-defined]
            raise RuntimeError("binomial: probability must be in [0, 1]")
        # sample the count of the rarer outcome, then flip: the CDF walk is then at most ~n*min(p, 1-p) long
        flip = p > 0.5
        q = E.where(flip, 1 - p, p)
        u = _uniform(n.shape, n, generator)
        k = n * 0
        pk = (1 - q) ** n
        cdf = pk
        ratio = q / E.where(q >= 1, 1.0, 1 - q)
        nmax = builtins.int(n.max().item()) if n.numel() else 0  # type: ignore[attr-defined]
        for i in range(nmax):
            more = E.logical_and(u > cdf, k < n)
            if not builtins.bool(more.any()):  # type: ignore[attr-defined]
                break
            k = E.where(more, k + 1, k)
            pk = pk * (n - i) / (i + 1) * ratio
            cdf = cdf + pk
        k = E.where(q == 0, 0.0, k)
        r = E.where(flip, n - k, k)
    return r.to(count.dtype)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with Cauchy samples."""
    check_inplace(self)
    u = rand(tuple(self.shape), generator=generator, dtype=self.dtype, device=self.device)
    write(self, (median + sigma * (math.pi * (u - 0.5)).tan())._data)  # type: ignore[attr-defined]
    return self


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with samples whose logarithm is normal(mean, std)."""
    check_inplace(self)
    self.normal_(mean, std, generator=generator)  # type: ignore[attr-defined]
    write(self, self.exp()._data)  # type: ignore[attr-defined]
    return self


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    check_inplace(self)
    if not 0 < p <= 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1], but got p={p}")
    u = rand(tuple(self.shape), generator=generator, dtype=_dt.float64, device=self.device)
    k = ((1 - u).log() / math.log1p(-p)).ceil() if p < 1 else u * 0 + 1  # type: ignore[attr-defined]
    k = E.where(k < 1, 1.0, k)
    write(self, k.to(self.dtype)._data)
    return self


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], None]) -> Any:
    """Register ``hook(tensor)``, run after the backward pass accumulates into this leaf's ``.grad``."""
    if not self.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    from ..autograd.graph import _RemovableHandle

    hooks = self.__dict__.setdefault("_post_accumulate_hooks", [])
    hooks.append(hook)
    return _RemovableHandle(hooks, hook)


# ---------------------------------------------------------------------------------------------
# vmap


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, (list, tuple)):
        return [leaf for t in tree for leaf in _leaves(t)]
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in _leaves(v)]
    return [tree]


def _map_tree(tree: Any, dims: Any, fn: Callable[[Any, Any], Any]) -> Any:
    """Apply ``fn(leaf, dim)`` over ``tree``, with ``dims`` a prefix tree of it (an int/None covers a subtree)."""
    if isinstance(dims, (list, tuple)) and isinstance(tree, (list, tuple)):
        if len(dims) != len(tree):
            raise ValueError(f"vmap: in_dims has {len(dims)} entries where the input has {len(tree)}")
        return type(tree)(_map_tree(t, d, fn) for t, d in zip(tree, dims))
    if isinstance(dims, dict) and isinstance(tree, dict):
        return {k: _map_tree(v, dims[k], fn) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_map_tree(t, dims, fn) for t in tree)
    if isinstance(tree, dict):
        return {k: _map_tree(v, dims, fn) for k, v in tree.items()}
    return fn(tree, dims)


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """``func`` mapped over a batch dimension of its inputs (``in_dims``), outputs stacked at ``out_dims``.

    Eager: ``func`` runs once per batch element and the results are stacked (so it composes with autograd
    and with itself, at Python-loop speed). Random ops inside draw fresh numbers per element whatever
    ``randomness`` says (PyTorch's "different"; "error" does not raise), and ``chunk_size`` only is validated."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not args:
            raise ValueError(f"vmap({getattr(func, '__name__', 'f')})(<inputs>): got no inputs. Maybe you forgot "
                             "to add inputs, or you are trying to vmap over a function with no inputs. The latter "
                             "is unsupported.")
        dims = in_dims if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if isinstance(in_dims, (tuple, list)) and len(in_dims) != len(args):
            raise ValueError(f"vmap({getattr(func, '__name__', 'f')}, in_dims={in_dims}, ...)(<inputs>): in_dims is "
                             f"not compatible with the structure of `inputs`. in_dims has structure of length "
                             f"{len(in_dims)} but inputs has {len(args)} elements.")
        sizes: list[int] = []

        def probe(leaf: Any, d: Any) -> Any:
            if d is None:
                return leaf
            if not isinstance(d, builtins.int):
                raise ValueError(f"vmap: in_dims must be an int, None or a tree of them, got {d!r}")
            if not isinstance(leaf, Tensor):
                raise ValueError(f"vmap({getattr(func, '__name__', 'f')}, in_dims={in_dims}, ...)(<inputs>): Got "
                                 f"in_dim={d} for an input but the input is of type {type(leaf)}. We cannot vmap "
                                 "over non-Tensor arguments, please use None as the respective in_dim")
            if not -leaf.ndim <= d < builtins.max(leaf.ndim, 1) or leaf.ndim == 0:
                raise ValueError(f"vmap({getattr(func, '__name__', 'f')}, in_dims={in_dims}, ...)(<inputs>): Got "
                                 f"in_dim={d} for some input, but that input is a Tensor of dimensionality "
                                 f"{leaf.ndim} so expected in_dim to satisfy -{leaf.ndim} <= in_dim < {leaf.ndim}.")
            sizes.append(leaf.shape[d])
            return leaf

        _map_tree(list(args), list(dims), probe)
        if not sizes:
            raise ValueError(f"vmap({getattr(func, '__name__', 'f')}, in_dims={in_dims}, ...)(<inputs>): at least "
                             "one input must be batched (in_dims not all None)")
        if len(set(sizes)) != 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        outs = []
        for i in range(sizes[0]):
            def pick(leaf: Any, d: Any, i: int = i) -> Any:
                return leaf if d is None else leaf.select(d, i)

            sliced = _map_tree(list(args), list(dims), pick)
            outs.append(func(*sliced, **kwargs))
        return _stack_outputs(outs, out_dims)

    wrapped.__name__ = getattr(func, "__name__", "vmapped")
    wrapped.__doc__ = func.__doc__
    return wrapped


def _stack_outputs(outs: list[Any], out_dims: Any) -> Any:
    from .arrange import stack

    first = outs[0]
    if isinstance(first, (tuple, list)):
        dims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(first)
        return type(first)(_stack_outputs([o[j] for o in outs], dims[j]) for j in range(len(first)))
    if isinstance(first, dict):
        return {k: _stack_outputs([o[k] for o in outs], out_dims[k] if isinstance(out_dims, dict) else out_dims)
                for k in first}
    if not isinstance(first, Tensor):
        if isinstance(first, (builtins.int, builtins.float, builtins.bool)):
            first_t = [tensor(o) for o in outs]
            return stack(first_t, out_dims if out_dims is not None else 0)
        raise ValueError(f"vmap: `{type(first).__name__}` outputs are not supported: the function must return "
                         "Tensors (or tuples/lists/dicts of them)")
    if out_dims is None:
        return first
    d = out_dims if out_dims >= 0 else out_dims + first.ndim + 1
    return stack(outs, d)


# ---------------------------------------------------------------------------------------------
# Tensor-method odds and ends


def is_inference_mode_enabled() -> bool:
    """Whether ``inference_mode`` is active."""
    from ..autograd.grad_mode import is_inference_mode_enabled as f

    return f()


def _meta_inplace(op: Callable[..., Tensor], name: str) -> Callable[..., Tensor]:
    """The in-place form of a view op (``t_``, ``squeeze_``, ...): ``self`` takes on the view's shape."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        from ._dispatch import bump_version

        check_inplace(self, overlap_ok=True)
        r = op(self, *args, **kwargs)
        self._data = r._data
        if self._base is not None:
            # still a view of the same base: later writes through self must land where the new view reads (and
            # an immutable backend's view re-derives from the base through it)
            self._view_fn = r._view_fn
            from ._immutable import relayout

            relayout(self)
        if r.grad_fn is not None:
            # the view's node (edge to self's previous history) becomes self's history
            self.grad_fn = r.grad_fn
            self._output_nr = r._output_nr
        bump_version(self)
        return self

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{name[:-1]}``: ``self`` takes the new shape."
    return method


def narrow_copy(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``self.narrow(dim, start, length)`` as a new tensor (not a view)."""
    return self.narrow(dim, start, length).clone()  # type: ignore[attr-defined, no-any-return]


def resize(self: Tensor, *sizes: Any) -> Tensor:
    """Deprecated out-of-place ``resize_``: a reshaped (same numel) or resized copy."""
    import warnings

    from .index_extra import _size_args
    from .storage_ops import resize_

    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    shape = _size_args(sizes)
    if math.prod(shape) == self.numel():
        return self.reshape(shape)  # type: ignore[attr-defined, no-any-return]
    return resize_(self.detach().clone(), shape)  # type: ignore[attr-defined]


def resize_as(self: Tensor, tensor: Tensor) -> Tensor:
    """Deprecated out-of-place ``resize_as_``."""
    return resize(self, tuple(tensor.shape))


def hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
    """``nn.functional.hardshrink(self, lambd)``."""
    from ..nn import functional as F

    return F.hardshrink(self, lambd)  # type: ignore[no-any-return]


def prelu(self: Tensor, weight: Tensor) -> Tensor:
    """``nn.functional.prelu(self, weight)``."""
    from ..nn import functional as F

    return F.prelu(self, weight)  # type: ignore[no-any-return]


def xpu(self: Tensor, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> Tensor:
    """A copy on an XPU device (served by a plugin backend); without one this raises as PyTorch without XPU does."""
    from ..plugins import registered_backends, unavailable_reason

    be = registered_backends().get("xpu")
    if be is None or unavailable_reason(be):
        raise AssertionError("ember has no XPU backend (device 'xpu'): install a plugin serving 'xpu' or move "
                             "tensors with .to(device) to a device whose backend is installed")
    target = "xpu" if device is None else (f"xpu:{device}" if isinstance(device, builtins.int) else device)
    return self.to(target)  # type: ignore[attr-defined, no-any-return]


def _bind_extras(T: Any) -> None:
    """Bind the method-only extras: in-place view ops, in-place linalg/cumulative ops, aliases."""
    from ..linalg import _torch_api as LT
    from . import linalg as L
    from . import reduction as Rd
    from . import shape as S
    from ._methods import _inplace_method
    from .complex import conj_physical_

    for name, fn in (("squeeze_", S.squeeze), ("unsqueeze_", S.unsqueeze), ("transpose_", S.transpose),
                     ("swapaxes_", S.transpose), ("swapdims_", S.transpose), ("t_", S.t)):
        setattr(T, name, _meta_inplace(fn, name))
    for name in ("addmm", "addmv", "addr", "baddbmm", "addbmm"):
        setattr(T, name + "_", _inplace_method(getattr(LT, name), name + "_"))
    T.cumsum_ = Rd.cumsum_
    T.cumprod_ = Rd.cumprod_
    T.conj_physical_ = conj_physical_
    T.vdot = L.vdot


METHODS: dict[str, Callable[..., Any]] = {
    "narrow_copy": narrow_copy, "resize": resize, "resize_as": resize_as, "hardshrink": hardshrink,
    "prelu": prelu, "xpu": xpu,
    "register_post_accumulate_grad_hook": register_post_accumulate_grad_hook,
    "get_device": get_device, "cauchy_": cauchy_, "log_normal_": log_normal_, "geometric_": geometric_,
}
