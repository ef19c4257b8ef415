"""The backend contract: what a compute backend must provide to run ember programs.

A backend is an *instance* of a :class:`Backend` subclass, registered through the plugin hook
(see :mod:`ember.plugins`). Kernels take and return the backend's own arrays, never Tensors.
Dtypes passed to primitives are :class:`ember.dtype` objects; a backend maps them to its native
dtypes by ``dtype.name``.

Core calls :meth:`Backend.load` once, the first time a device of the backend is used; ``load``
imports the array library and binds the primitives as attributes, so that a per-op dispatch is
one attribute lookup (``be.add(a, b)``), never a plugin-hook call.

Required primitives (names and signatures; ``axis`` is an int, a tuple of ints or None):

creation / transfer
    ``empty(shape, dtype, index)``, ``zeros(shape, dtype, index)``, ``ones(shape, dtype, index)``,
    ``full(shape, fill_value, dtype, index)``, ``arange(start, stop, step, dtype, index)``,
    ``linspace(start, stop, num, dtype, index)``, ``eye(n, m, dtype, index)``,
    ``from_host(ndarray, index)`` (a NumPy array to a native array of the same dtype),
    ``to_host(a)`` (a native array to a NumPy array), ``from_dlpack(obj, index)``,
    ``device_index(a)``, ``synchronize(index)``, ``astype(a, dtype)``, ``copy(a)``.
elementwise (NumPy/array-API semantics; Python scalars are weak)
    unary: ``negative abs exp log log2 log10 log1p expm1 sqrt sin cos tan asin acos atan sinh
    cosh tanh erf floor ceil round trunc sign square logical_not bitwise_invert isnan isinf
    isfinite``;
    binary: ``add subtract multiply divide floor_divide remainder fmod pow maximum minimum atan2
    equal not_equal less less_equal greater greater_equal logical_and logical_or logical_xor
    bitwise_and bitwise_or bitwise_xor``; ``where(cond, a, b)``, ``clip(a, lo, hi)``.
    Shapes that do not broadcast raise ``ValueError`` (core turns it into PyTorch's message).
reductions
    ``sum prod max min mean any all`` as ``f(a, axis, keepdims)``;
    ``argmax(a, axis, keepdims)``, ``argmin``; ``cumsum(a, axis)``, ``cumprod(a, axis)``;
    ``sort(a, axis, descending, stable)``, ``argsort(a, axis, descending, stable)``.
linear algebra
    ``matmul(a, b)``, ``einsum(equation, *arrays)``.
movement
    ``reshape(a, shape)``, ``permute(a, axes)``, ``broadcast_to(a, shape)``,
    ``getitem(a, key)`` (key: ints, slices, None, Ellipsis, native int/bool arrays),
    ``concat(arrays, axis)``, ``stack(arrays, axis)``, ``flip(a, axis)``, ``roll(a, shift, axis)``,
    ``pad(a, pad_width, value)``, ``tril(a, k)``, ``triu(a, k)``, ``diagonal(a, offset, axis1, axis2)``,
    ``take_along_axis(a, idx, axis)``, ``scatter(a, idx, src, axis)`` (new array, ``a`` with
    ``src`` written at ``idx`` along ``axis``), ``index_add(a, key, src)`` (new array, ``a`` with
    ``src`` added at ``a[key]``, repeated indices accumulating), ``index_put(a, key, src)``
    (new array, ``a[key] = src``), ``nonzero(a)`` (tuple of index arrays),
    ``unique(a, return_inverse, return_counts)``.
random (``gen`` is a backend generator from ``generator(seed, index)``)
    ``generator(seed, index)``, ``uniform(gen, shape, low, high, dtype)``,
    ``normal(gen, shape, mean, std, dtype)``, ``integers(gen, low, high, shape, dtype)``,
    ``permutation(gen, n, dtype)``, ``bernoulli(gen, p)`` (p: native float array; returns bool).
layout
    ``strides(a)`` (in elements, or None when the backend has no strided memory).

Mutable backends (``mutable = True``) also provide ``setitem(a, key, value)`` (in place) and
``copy_into(dst, src)`` (in place, broadcasting), and their elementwise primitives accept
``out=`` for in-place updates. Immutable backends get views and in-place ops emulated by core.

Optional ``memory_capacity(index) -> int | None``: the bytes one device can hold. Core refuses a creation
request larger than that with PyTorch's "can't allocate memory" RuntimeError before calling the backend (some
allocators, XLA's among them, abort the process instead of raising); without it, or when it returns None, the
bound is the host's physical memory. A backend's ``MemoryError`` from a creation primitive becomes the same
RuntimeError.

Optional fused kernels (core has a reference built from primitives; see ``OPTIONAL``) are looked
up with ``getattr(backend, name, None)``; a backend may set one to None to use core's reference.
Arrays are native arrays; shapes are ``(N, C, *spatial)``; ``padding`` is ``((lo, hi), ...)`` per
spatial dim (``hi`` may exceed ``lo`` for ``ceil_mode``):

    ``relu(a)``, ``sigmoid(a)``, ``relu_backward(g, y)`` (``g`` where ``y > 0``, else 0);
    ``axpy_(y, alpha, x)`` (mutable backends): ``y += alpha * x`` in place, ``x`` of ``y``'s shape;
    ``linear(x, w, b)``: ``x @ w.T + b`` for 2-d ``x`` and ``w`` of one floating dtype, ``b`` 1-d or
    None, as a fresh C-contiguous array (a backend picks the fastest GEMM layout for its BLAS);
    ``softmax(a, axis)``, ``log_softmax(a, axis)`` (stable; half precision computed in float32);
    ``conv_nd(x, w, stride, padding, dilation, groups)`` (cross-correlation, no bias) and its
    gradients ``conv_nd_backward_input(g, w, input_shape, stride, padding, dilation, groups)``,
    ``conv_nd_backward_weight(g, x, weight_shape, stride, padding, dilation, groups)``;
    ``max_pool_nd(x, kernel, stride, padding, dilation, out_size) -> (values, k)`` with ``k`` the
    row-major offset of each window's first maximum (any integer dtype; NaN propagates) and
    ``max_pool_nd_backward(g, k, input_shape, kernel, stride, padding, dilation)``;
    ``cross_entropy(x, target, ignore_index, reduction, need_grad) -> (loss, grad)`` for (N, C)
    logits and class indices: ``grad`` is ``softmax(x) - onehot(target)`` with ignored rows zero,
    divided by the number of counted targets for 'mean' (None without ``need_grad``);
    ``index_reduce(a, key, src, reduce)``: a copy of ``a`` with ``src`` combined into ``a[key]`` by ``reduce``
    ("prod", "amax" or "amin"; repeated positions all combine, NaN propagates; not called for bool "prod").

Optional linear-algebra kernels (``LINALG``; no core reference: a backend lacking one makes the
``ember.linalg`` functions that need it raise a RuntimeError naming it). Inputs are floating arrays of
shape ``(..., m, n)``, batched over the leading dims; singular or non-positive-definite input may raise or
give inf/NaN (core checks and raises ``ember.linalg.LinAlgError``):

    ``linalg_inv(a)``, ``linalg_det(a)``, ``linalg_slogdet(a) -> (sign, logabsdet)``,
    ``linalg_solve(a, b)`` (``b`` of shape ``(..., n, k)``, batch dims broadcast),
    ``linalg_cholesky(a)`` (lower factor), ``linalg_qr(a, mode) -> (Q, R)`` (mode 'reduced'/'complete'),
    ``linalg_eigh(a) -> (w ascending, V)``, ``linalg_svd(a, full_matrices) -> (U, S descending, Vh)``,
    ``linalg_eig(a) -> (w, V)`` (general matrices; complex or real results, core casts to complex).

Complex dtypes (``COMPLEX``): a backend that declares ``complex64``/``complex128`` in ``dtypes`` provides
``real(a)``, ``imag(a)`` (real arrays of the parts) and ``conj(a)``. Optional: ``make_complex(re, im, dtype)``
(exact for inf/NaN parts; core's fallback is ``re + 1j * im``), and on mutable backends ``complex_views = True``
with ``real_view(a)``/``imag_view(a)``/``view_as_real(a)`` (shape ``(*a.shape, 2)``)/``view_as_complex(a)``
returning writable views; without them ``Tensor.real``/``view_as_real`` are copies.

Optional FFT kernels (``FFT``; no core reference: ``ember.fft`` raises NotImplementedError naming the missing
one). ``axes`` is a tuple of distinct non-negative axes, ``norm`` is "backward", "ortho" or "forward" (the
array API's fft extension); core pads/trims inputs itself and casts results to PyTorch's dtypes:

    ``fftn(a, axes, norm)``, ``ifftn(a, axes, norm)`` (complex to complex), ``rfftn(a, axes, norm)`` (real
    to complex, the last axis one-sided: ``n // 2 + 1`` outputs), ``irfftn(a, s, axes, norm)`` (complex to
    real with output sizes ``s``).

Optional special-function kernels (``SPECIAL``; core has a composite of primitives for each, in
``ember._specfun``, so they only make ``ember.special`` faster). Each takes and returns arrays of one
float32/float64 dtype with SciPy's semantics; core adds the gradients and PyTorch's values at +-inf:

    unary ``special_gammaln special_digamma special_erfinv special_erfc special_erfcx special_ndtri
    special_log_ndtr special_i0 special_i0e special_i1 special_i1e``; binary (same shape)
    ``special_gammainc(a, x)``, ``special_gammaincc(a, x)`` (regularized incomplete gamma).
"""

from __future__ import annotations

from typing import Any

from . import dtypes as _dt

API_VERSION = 1

UNARY = (
    "negative", "abs", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "sin", "cos",
    "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "erf", "floor", "ceil", "round",
    "trunc", "sign", "square", "logical_not", "bitwise_invert", "isnan", "isinf", "isfinite",
)
BINARY = (
    "add", "subtract", "multiply", "divide", "floor_divide", "remainder", "fmod", "pow",
    "maximum", "minimum", "atan2", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
    "bitwise_xor",
)
REQUIRED = (
    "empty", "zeros", "ones", "full", "arange", "linspace", "eye", "from_host", "to_host",
    "from_dlpack", "device_index", "synchronize", "astype", "copy",
    *UNARY, *BINARY, "where", "clip",
    "sum", "prod", "max", "min", "mean", "any", "all", "argmax", "argmin", "cumsum", "cumprod",
    "sort", "argsort", "matmul", "einsum",
    "reshape", "permute", "broadcast_to", "getitem", "concat", "stack", "flip", "roll", "pad",
    "tril", "triu", "diagonal", "take_along_axis", "scatter", "index_add", "index_put",
    "nonzero", "unique",
    "generator", "uniform", "normal", "integers", "permutation", "bernoulli",
    "strides",
)
REQUIRED_MUTABLE = ("setitem", "copy_into")
OPTIONAL = (
    "conv_nd", "conv_nd_backward_input", "conv_nd_backward_weight", "max_pool_nd", "max_pool_nd_backward",
    "softmax", "log_softmax", "cross_entropy", "sigmoid", "relu", "relu_backward", "linear", "axpy_",
    "index_reduce",
)
LINALG = (
    "linalg_inv", "linalg_det", "linalg_slogdet", "linalg_solve", "linalg_cholesky", "linalg_qr", "linalg_eigh",
    "linalg_svd", "linalg_eig",
)
COMPLEX = ("real", "imag", "conj")
FFT = ("fftn", "ifftn", "rfftn", "irfftn")
SPECIAL = (
    "special_gammaln", "special_digamma", "special_erfinv", "special_erfc", "special_erfcx", "special_ndtri",
    "special_log_ndtr", "special_i0", "special_i0e", "special_i1", "special_i1e", "special_gammainc",
    "special_gammaincc",
)


class Backend:
    """Base class of a compute backend. Subclass it, set the class attributes, implement
    :meth:`is_available`, :meth:`device_count` and :meth:`load`, and register an instance."""

    #: backend name shown by ``ember info`` ("numpy", "cupy", "jax", ...)
    name: str = ""
    #: the device type it serves ("cpu", "cuda", "jax", ...)
    device_type: str = ""
    #: other spellings of the device type ("xla" for jax)
    aliases: tuple[str, ...] = ()
    #: the contract version this backend was written against; core refuses a mismatch
    api_version: int = API_VERSION
    #: whether arrays can be written in place and alias each other (views)
    mutable: bool = True
    #: whether ``Tensor.numpy()`` may copy to the host without ``.cpu()`` first. False keeps
    #: PyTorch's TypeError for accelerator memory (cuda); JAX sets it because a jax array converts
    #: to NumPy on every platform and ember promises ``.numpy()`` of a jax tensor (docs/architecture.md §1).
    host_numpy: bool = False
    #: whether out-of-range integer-array indices are clamped instead of raising (XLA does this);
    #: core then checks user-given index arrays itself, on the host, to raise PyTorch's IndexError
    clamps_indices: bool = False
    #: first-party backends whose conformance run is part of ember's own CI (numpy, jax on CPU);
    #: ``ember info`` lists them as conformant without a local pass. Honoured only for backends
    #: that ship inside ember: a plugin earns the status by passing ``ember conformance``.
    verified_in_ci: bool = False
    #: dtypes the backend supports; others raise a clear TypeError
    dtypes: frozenset[_dt.dtype] = frozenset(_dt.all_dtypes)
    #: the Python package(s) users must install to use it (for error messages)
    install_hint: str = ""

    def is_available(self) -> bool:
        """Whether this backend can run here (its library imports and a device exists)."""
        raise NotImplementedError

    def unavailable_reason(self) -> str | None:
        """Why the backend is not available, or None when it is."""
        return None

    def device_count(self) -> int:
        """Number of devices of this type."""
        raise NotImplementedError

    def versions(self) -> dict[str, str]:
        """Versions of the libraries the backend runs on, for ``ember info``."""
        return {}

    def device_names(self) -> list[str]:
        """Human-readable names of the devices, for ``ember info``."""
        return [f"{self.device_type}:{i}" for i in range(self.device_count())]

    def load(self) -> None:
        """Import the array library and bind the primitives; called once before first use."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<ember backend {self.name!r} for device type {self.device_type!r}>"


def missing_primitives(backend: Any) -> list[str]:
    """Names of required primitives a loaded backend lacks."""
    names = list(REQUIRED)
    if getattr(backend, "mutable", True):
        names += REQUIRED_MUTABLE
    return [n for n in names if not callable(getattr(backend, n, None))]
