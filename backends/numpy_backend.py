"""The NumPy backend: device type ``cpu``, the default. Arrays are mutable and alias (views)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

from ember import dtypes as _dt

from ._array_api import ArrayAPIBackend, bind_special, vectorized_erf
from ._blas import find_axpy
from ._malloc import tune_malloc


def _writable_view(base: Any, view: Any) -> Any:
    """A writable ndarray over the same memory as the read-only ``view`` of ``base``."""
    import numpy as np

    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return np.ndarray(view.shape, dtype=view.dtype, buffer=base, offset=offset, strides=view.strides) \
        if base.flags.c_contiguous or base.flags.f_contiguous else view


class NumpyBackend(ArrayAPIBackend):
    """CPU backend over NumPy (bfloat16 through ml_dtypes when installed)."""

    name = "numpy"
    device_type = "cpu"
    mutable = True
    verified_in_ci = True
    install_hint = "numpy"

    def __init__(self) -> None:
        try:
            import ml_dtypes  # noqa: F401

            self.dtypes = frozenset(_dt.all_dtypes)
        except ImportError:
            self.dtypes = frozenset(d for d in _dt.all_dtypes if d is not _dt.bfloat16)

    #: ``real_view``/``imag_view``/``view_as_real``/``view_as_complex`` return views sharing memory
    complex_views = True

    def real_view(self, a: Any) -> Any:
        """The real parts of a complex array, as a writable view."""
        return a.real

    def imag_view(self, a: Any) -> Any:
        """The imaginary parts of a complex array, as a writable view."""
        return a.imag

    def view_as_real(self, a: Any) -> Any:
        """A ``(*a.shape, 2)`` real view of a complex array, for any strides."""
        import numpy as np

        half = a.itemsize // 2
        return np.lib.stride_tricks.as_strided(a.real, a.shape + (2,), a.strides + (half,), writeable=True)

    def view_as_complex(self, a: Any) -> Any:
        """A complex view of a real array whose last axis (size 2) is contiguous."""
        import numpy as np

        c = np.complex64 if a.dtype == np.float32 else np.complex128
        return a.view(c)[..., 0]

    def make_complex(self, re: Any, im: Any, dtype: _dt.dtype) -> Any:
        """The complex array ``re + i im`` (exact for inf/NaN parts)."""
        import numpy as np

        out = np.empty(re.shape, dtype=dtype.name)
        out.real = re
        out.imag = im
        return out

    def is_available(self) -> bool:
        """Always available (NumPy is a dependency)."""
        return True

    def device_count(self) -> int:
        """One CPU device."""
        return 1

    def device_names(self) -> list[str]:
        """The CPU device."""
        return ["cpu"]

    def versions(self) -> dict[str, str]:
        """NumPy's version."""
        import numpy as np

        return {"numpy": np.__version__}

    def native_dtype(self, dtype: _dt.dtype) -> Any:
        """NumPy dtype (ml_dtypes.bfloat16 for bfloat16)."""
        import numpy as np

        if dtype is _dt.bfloat16:
            import ml_dtypes

            return np.dtype(ml_dtypes.bfloat16)
        return np.dtype(dtype.name)

    #: fused kernels whose steps meet inf/NaN routinely (softmax of inf: inf - inf), where NumPy warns and PyTorch
    #: computes silently. NOTE: the elementwise primitives stay the bare ufuncs: a per-call switch costs ~0.2 us
    #: (measured), a quarter of `a + b`; core retries those quietly only when a warning filter raised
    _QUIET = ("softmax", "log_softmax", "cross_entropy")

    def load(self) -> None:
        """Bind the primitives over NumPy (and SciPy's special functions when SciPy is installed)."""
        import numpy as np

        self._bind(np)
        quiet = _quiet_wrapper(np)
        for name in self._QUIET:
            setattr(self, name, quiet(getattr(self, name)))
        self._quiet_cast = quiet(_cast)
        self._quiet_sum = quiet(self.sum)
        self.erf = vectorized_erf(np)
        self._blas = frozenset((np.dtype("float32"), np.dtype("float64")))
        self._swap_linear = _openblas(np)
        self._axpy = find_axpy(np)
        tune_malloc()
        bind_special(self)

    # NumPy-specific fast paths and mutability -------------------------------------------
    def astype(self, a: Any, dtype: _dt.dtype) -> Any:
        """``a`` cast to ``dtype``; NaN/inf to an integer as C casts it (PyTorch's value), with no warning."""
        nd = self._native[dtype]
        if a.dtype == nd:
            return a
        if nd in self._ints and a.dtype in self._floats:
            return self._quiet_cast(a, nd)
        try:
            return a.astype(nd)
        except RuntimeWarning:  # a float past a narrower float's range (inf, as PyTorch), under an "error" filter
            return self._quiet_cast(a, nd)

    def mean(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Mean over ``axis``, in ``a``'s dtype; NaN where nothing is averaged (NumPy warns there, PyTorch not)."""
        import numpy as np

        if a.size == 0:
            reduce: Any = np.add.reduce
            return np.full(reduce(a, axis=axis, keepdims=keepdims).shape, np.nan, dtype=a.dtype)
        return super().mean(a, axis, keepdims)

    def from_host(self, a: Any, index: Any) -> Any:
        """The NumPy array itself (no copy)."""
        return a

    def to_host(self, a: Any) -> Any:
        """The array itself as an ndarray (no copy)."""
        import numpy as np

        return np.asarray(a)

    def materialize(self, a: Any) -> Any:
        """A writable ndarray for ``a`` (ufuncs on 0-d arrays return NumPy scalars)."""
        import numpy as np

        return a if type(a) is np.ndarray else np.asarray(a).copy()

    def copy(self, a: Any) -> Any:
        """A C-contiguous copy (PyTorch's clone of a transposed view is contiguous too)."""
        import numpy as np

        return np.array(a, copy=True, order="C")

    def setitem(self, a: Any, key: Any, value: Any) -> None:
        """``a[key] = value`` in place."""
        a[key] = value

    def copy_into(self, dst: Any, src: Any) -> None:
        """Write ``src`` into ``dst`` in place (broadcasting, casting)."""
        import numpy as np

        np.copyto(dst, src, casting="unsafe")

    def index_add(self, a: Any, key: Any, src: Any) -> Any:
        """A copy of ``a`` with ``src`` added at ``a[key]`` (repeated indices accumulate)."""
        import numpy as np

        out = np.array(a, copy=True)
        np.add.at(out, key, src)
        return out

    def index_reduce(self, a: Any, key: Any, src: Any, reduce: str) -> Any:
        """A copy of ``a`` with ``src`` combined into ``a[key]`` by ``reduce`` (prod, amax or amin)."""
        import numpy as np

        out = np.array(a, copy=True)
        with np.errstate(all="ignore"):  # inf * 0 is NaN silently, as in PyTorch
            {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce].at(out, key, src)
        return out

    def index_put(self, a: Any, key: Any, src: Any) -> Any:
        """A copy of ``a`` with ``a[key] = src``."""
        import numpy as np

        out = np.array(a, copy=True)
        out[key] = src
        return out

    def broadcast_to(self, a: Any, shape: tuple[int, ...]) -> Any:
        """``a`` broadcast to ``shape``: a writable view when nothing repeats (np.broadcast_to is
        read-only), as PyTorch's ``expand`` can be written through when no element is shared."""
        import numpy as np

        shape = tuple(shape)
        lead = len(shape) - a.ndim
        if lead >= 0 and shape[lead:] == a.shape and all(s == 1 for s in shape[:lead]):
            return a.reshape(shape) if lead else a[...]
        b = np.broadcast_to(a, shape)
        if not a.flags.writeable:
            return b
        # NOTE: writable like PyTorch's expand: core refuses writes where elements share memory
        # (`check_inplace`), and a region of distinct elements (`e[0]`) may be written through
        from numpy.lib.stride_tricks import as_strided

        return as_strided(a, shape=b.shape, strides=b.strides, writeable=True)

    def diagonal(self, a: Any, offset: int, axis1: int, axis2: int) -> Any:
        """A writable diagonal view (np.diagonal returns a read-only one)."""
        from numpy.lib.stride_tricks import as_strided

        d = a.diagonal(offset, axis1, axis2)
        if not a.flags.writeable:
            return d
        # same memory, shape and strides as `d`, but writable like PyTorch's diagonal view
        return as_strided(a[...], shape=d.shape, strides=d.strides, writeable=True) if d.size == 0 else \
            _writable_view(a, d)

    def sum(self, a: Any, axis: Any, keepdims: bool) -> Any:
        """Sum over ``axis`` in the input dtype (bool: int64; float16/bfloat16 accumulate in float32)."""
        import numpy as np

        reduce: Any = np.add.reduce  # NOTE: a ufunc method skips np.sum's Python layer
        dt = a.dtype
        try:
            if dt in self._low:
                return reduce(a, axis=axis, keepdims=keepdims, dtype=self._f32).astype(dt)
            return reduce(a, axis=axis, keepdims=keepdims, dtype=None if dt == self._bool else dt)
        except RuntimeWarning:
            # NOTE: inf + -inf warns, and a caller's "error" filter raises it here: sum again quietly. A `try` is free
            # where the quiet wrapper of _QUIET costs ~0.5 us a call, and sum runs in every broadcast's backward
            return self._quiet_sum(a, axis, keepdims)

    # random -------------------------------------------------------------------------------
    # NOTE: the CPU generator is PyTorch's (mt19937 and ATen's sampling recipes, backends/_torch_rng.py), so
    # after manual_seed(s) rand/randn/randint/randperm/bernoulli give PyTorch CPU's exact values.
    def generator(self, seed: int, index: Any) -> Any:
        """PyTorch's CPU generator (mt19937) seeded with ``seed``."""
        from ._torch_rng import TorchCPUGenerator

        return TorchCPUGenerator(seed)

    def uniform(self, gen: Any, shape: tuple[int, ...], low: float, high: float, dtype: _dt.dtype) -> Any:
        """Uniform samples on ``[low, high)`` (PyTorch's ``uniform_``)."""
        if dtype is _dt.float64:
            return gen.uniform(shape, low, high, True)
        # PyTorch rounds the bounds to the tensor's dtype before scaling (uniform_kernel's static_cast)
        import numpy as np

        lo, hi = self.astype(np.asarray([low, high]), dtype).astype(np.float64).tolist()
        out = gen.uniform(shape, lo, hi, False)
        return self._below_high(self.astype(out.astype(self._f32), dtype), low, high, dtype)

    def normal(self, gen: Any, shape: tuple[int, ...], mean: float, std: float, dtype: _dt.dtype) -> Any:
        """Normal samples (PyTorch's ``normal_``)."""
        kind = dtype.name if dtype in (_dt.float32, _dt.float64) else "half"
        return self.astype(gen.normal(shape, mean, std, kind), dtype)

    def integers(self, gen: Any, low: int, high: int, shape: tuple[int, ...], dtype: _dt.dtype) -> Any:
        """Integers on ``[low, high)`` (PyTorch's ``random_(low, high)``)."""
        return self.astype(gen.integers(low, high, shape), dtype)

    def permutation(self, gen: Any, n: int, dtype: _dt.dtype) -> Any:
        """A random permutation of ``0..n-1`` (PyTorch's CPU ``randperm``)."""
        return self.astype(gen.permutation(n), dtype)

    def bernoulli(self, gen: Any, p: Any) -> Any:
        """Bool samples with probabilities ``p`` (double uniforms for float64 ``p``, as PyTorch's scalar path)."""
        return gen.bernoulli(p)

    def sigmoid(self, a: Any) -> Any:
        """Logistic sigmoid without overflow (half precision computed in float32 and rounded once, as PyTorch)."""
        import numpy as np

        x = a.astype(np.float32) if a.dtype in self._low else a
        return np.exp(-np.logaddexp(0, -x)).astype(a.dtype, copy=False)

    def relu_backward(self, g: Any, y: Any) -> Any:
        """Gradient of ``y = relu(x)``: ``g`` where ``y > 0``, else 0 (a bool operand multiplies without the
        cast copy, ~20% faster than casting the mask first on large arrays)."""
        import numpy as np

        return np.multiply(g, np.greater(y, 0), dtype=g.dtype)

    def axpy_(self, y: Any, alpha: float, x: Any) -> None:
        """``y += alpha * x`` in place (``x`` broadcast to ``y``'s shape, ``y``'s dtype)."""
        import numpy as np

        # NOTE: small arrays take the ufuncs: below ~32K elements the pass BLAS saves costs less than the
        # ctypes call and its pointer lookups (~3 us)
        blas = self._axpy.get(y.dtype) if y.size >= 32768 else None
        if (blas is not None and x.dtype == y.dtype and x.shape == y.shape and y.flags.c_contiguous
                and x.flags.c_contiguous and y.flags.writeable and not np.may_share_memory(x, y)):
            # one pass over memory instead of a multiply into a temporary and an add
            blas(y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
            return
        np.add(y, np.multiply(x, alpha), out=y)

    def linear(self, x: Any, w: Any, b: Any) -> Any:
        """``x @ w.T + b`` (``b`` may be None) for 2-d ``x`` and ``w``, as a fresh C-contiguous array."""
        import numpy as np

        n, k = x.shape
        m = w.shape[0]
        if (self._swap_linear and x.dtype == self._f32 and w.dtype == self._f32 and 8 <= n <= 64
                and k >= 128 and m >= 128 and x.flags.c_contiguous and w.flags.c_contiguous):
            # NOTE: OpenBLAS's single-precision kernels run `w @ x.T` 1.1-2x faster than the same
            # product as `x @ w.T` when the batch is small (8-64 rows) and both other sides are >= 128
            # (docs/performance.md has the grid). The transposing copy back to row-major is folded
            # into the bias add, which walks the output once anyway, so it costs ~1 pass over it.
            t = np.matmul(w, x.T)
            out = np.empty((n, m), dtype=x.dtype)
            if b is None:
                np.copyto(out, t.T)
            else:
                np.add(t.T, b, out=out)
            return out
        out = np.matmul(x, w.T)
        if b is not None:
            np.add(out, b, out=out)  # the product is a fresh array: the bias goes in in place
        return out

    # fused convolution (docs/architecture.md §4): im2col through a strided view, then one batched GEMM -------
    def _compute(self, a: Any) -> Any:
        """``a`` in a dtype BLAS multiplies (float32/float64; half precision goes through float32); integers
        stay exact in NumPy's integer matmul, which wraps on overflow as PyTorch's integer kernels do."""
        return a if a.dtype in self._blas or a.dtype.kind in "iu" else a.astype(self._f32)

    def _cols(self, x: Any, k: tuple[int, ...], stride: Any, padding: Any, dilation: Any, groups: int,
              out: tuple[int, ...]) -> Any:
        """The im2col matrix of ``x`` (N, C, *in): shape (N, groups, C/groups * prod(k), prod(out)), the
        window offsets of each channel contiguous, as the weight's (O, C/groups, *k) flattens."""
        import numpy as np
        from numpy.lib.stride_tricks import as_strided

        if any(lo or hi for lo, hi in padding):
            xp = np.zeros(x.shape[:2] + tuple(i + lo + hi for i, (lo, hi) in zip(x.shape[2:], padding)), x.dtype)
            xp[(slice(None), slice(None)) + tuple(slice(lo, lo + i) for i, (lo, _) in zip(x.shape[2:], padding))] = x
            x = xp  # NOTE: zeros + one slice assignment is ~3x faster than np.pad's general machinery
        n, c = x.shape[:2]
        sn, sc, *sp = x.strides
        cg = c // groups
        view = as_strided(
            x,
            shape=(n, groups, cg) + tuple(k) + tuple(out),
            strides=(sn, cg * sc, sc) + tuple(s * d for s, d in zip(sp, dilation))
            + tuple(s * st for s, st in zip(sp, stride)),
            writeable=False,
        )
        return view.reshape(n, groups, cg * math.prod(k), math.prod(out))

    def conv_nd(self, x: Any, w: Any, stride: Any, padding: Any, dilation: Any, groups: int) -> Any:
        """N-d cross-correlation (N, C, *in) x (O, C/groups, *k) -> (N, O, *out), C-contiguous, no bias."""
        return self._conv(x, w, stride, padding, dilation, groups, keep=True)

    def _conv(self, x: Any, w: Any, stride: Any, padding: Any, dilation: Any, groups: int, keep: bool) -> Any:
        import numpy as np

        k = w.shape[2:]
        out = _out_size(x.shape[2:], k, stride, padding, dilation)
        xc, wc = self._compute(x), self._compute(w)
        cols = self._cols(xc, k, stride, padding, dilation, groups, out)
        if keep:
            self._keep_cols(x, (k, stride, padding, dilation, groups), cols)
        wm = wc.reshape(groups, w.shape[0] // groups, -1)
        y = np.matmul(wm, cols)  # (N, G, O/G, L): each batch element one GEMM, written in place
        return y.reshape((x.shape[0], w.shape[0]) + out).astype(x.dtype, copy=False)

    # NOTE: the weight gradient needs the forward's im2col columns again. Rebuilding them is a strided
    # copy as large as the columns (~1/3 of a conv's forward time); instead the last few forwards keep
    # theirs, keyed by the input array object, and the backward takes them (and so frees them). A saved
    # input modified in place fails autograd's version check before the backward can read stale columns.
    # An entry holds its input weakly and goes when the input does: after a no_grad forward nothing saves
    # the input for backward, so an intermediate activation's columns are freed with the activation.
    _KEEP = 4

    def _keep_cols(self, x: Any, geom: tuple[Any, ...], cols: Any) -> None:
        import weakref

        kept = self.__dict__.setdefault("_kept_cols", {})
        key = id(x)
        kept.pop(key, None)
        while len(kept) >= self._KEEP:
            kept.pop(next(iter(kept)))

        def forget(ref: Any, kept: dict[int, Any] = kept, key: int = key) -> None:
            entry = kept.get(key)
            if entry is not None and entry[0] is ref:
                del kept[key]

        kept[key] = (weakref.ref(x, forget), geom, cols)

    def _take_cols(self, x: Any, geom: tuple[Any, ...]) -> Any:
        entry = self.__dict__.get("_kept_cols", {}).pop(id(x), None)
        if entry is not None and entry[0]() is x and entry[1] == geom:
            return entry[2]
        return None

    def conv_nd_backward_weight(self, g: Any, x: Any, weight_shape: Any, stride: Any, padding: Any,
                                dilation: Any, groups: int) -> Any:
        """Gradient of ``conv_nd`` with respect to the weight: sum over the batch of ``g[n] @ cols[n].T``."""
        import numpy as np

        k = tuple(weight_shape[2:])
        out = tuple(g.shape[2:])
        cols = self._take_cols(x, (k, stride, padding, dilation, groups))
        if cols is None:
            cols = self._cols(self._compute(x), k, stride, padding, dilation, groups, out)
        o = weight_shape[0]
        gm = self._compute(g).reshape(g.shape[0], groups, o // groups, -1)
        # NOTE: N GEMMs against the transposed columns (BLAS reads them in place) and a sum over the
        # batch: folding the batch into one GEMM needs transposed copies of g and the columns, which cost
        # more than the GEMM saves (measured 3x slower on a 32x16x28x28 input).
        gw = np.matmul(gm, cols.swapaxes(-1, -2)).sum(axis=0)
        return gw.reshape(weight_shape).astype(x.dtype, copy=False)

    def conv_nd_backward_input(self, g: Any, w: Any, input_shape: Any, stride: Any, padding: Any,
                               dilation: Any, groups: int) -> Any:
        """Gradient of ``conv_nd`` with respect to the input: ``W.T @ g`` scattered back (col2im), one
        strided add per kernel offset."""
        import numpy as np

        n, c = input_shape[:2]
        k = tuple(w.shape[2:])
        out = tuple(g.shape[2:])
        o = w.shape[0]
        gc, wc = self._compute(g), self._compute(w)
        if all(s == 1 for s in stride) and o < c:
            # stride 1: the input gradient is the "full" convolution of g with the flipped, transposed
            # weight, one im2col and one GEMM instead of a col2im of one strided add per kernel offset
            full = tuple((d * (ki - 1) - lo, d * (ki - 1) - hi) for ki, d, (lo, hi) in zip(k, dilation, padding))
            if all(a >= 0 and b >= 0 for a, b in full):
                cg, og = c // groups, o // groups
                wt = wc.reshape((groups, og, cg) + k).swapaxes(1, 2).reshape((c, og) + k)
                wt = wt[(slice(None), slice(None)) + (slice(None, None, -1),) * len(k)]
                return self._conv(gc, wt, stride, full, dilation, groups, keep=False).astype(g.dtype, copy=False)
        wm = wc.reshape(groups, o // groups, -1)
        gcols = np.matmul(wm.swapaxes(-1, -2), gc.reshape(n, groups, o // groups, -1))
        gcols = gcols.reshape((n, c) + k + out)
        # col2im straight into the unpadded gradient: each kernel offset adds the windows that land inside
        gx = np.zeros((n, c) + tuple(input_shape[2:]), dtype=gcols.dtype)
        lead = (slice(None), slice(None))
        for offs in itertools.product(*(range(ki) for ki in k)):
            dst, src = [], []
            for f, d, s, m, (lo, _), i in zip(offs, dilation, stride, out, padding, input_shape[2:]):
                first = max(0, -(-(lo - f * d) // s))  # first window whose element is inside
                last = min(m - 1, (i - 1 + lo - f * d) // s)
                if last < first:
                    break
                dst.append(slice(first * s + f * d - lo, last * s + f * d - lo + 1, s))
                src.append(slice(first, last + 1))
            else:
                gx[lead + tuple(dst)] += gcols[lead + offs + tuple(src)]
        return gx.astype(g.dtype, copy=False)


    # fused max pooling (core hook proposed in docs/performance.md) ---------------------------------
    def max_pool_nd(self, x: Any, kernel: Any, stride: Any, padding: Any, dilation: Any,
                    out_size: Any) -> tuple[Any, Any]:
        """Max over the sliding windows of ``x`` (N, C, *in): ``(values, k)`` shaped (N, C, *out), ``k`` the
        offset of the first maximum inside its window (row-major over the kernel) in the smallest integer dtype
        that holds it (int8 up to 127 offsets); NaN propagates.
        ``padding`` is ``((lo, hi), ...)`` per spatial dim (hi may exceed lo for ceil_mode)."""
        import numpy as np

        lead = (slice(None), slice(None))
        # NOTE: ml_dtypes' bfloat16 is of kind "V", not "f"
        floating = x.dtype.kind == "f" or x.dtype.name == "bfloat16"
        valid = None
        if any(lo or hi for lo, hi in padding):
            low = -np.inf if floating else (np.iinfo(x.dtype).min if x.dtype.kind in "iu" else 0)
            xp = np.full(x.shape[:2] + tuple(i + lo + hi for i, (lo, hi) in zip(x.shape[2:], padding)), low,
                         dtype=x.dtype)
            inside = tuple(slice(lo, lo + i) for (lo, _), i in zip(padding, x.shape[2:]))
            xp[lead + inside] = x
            # PyTorch's windows start at their first element inside the input: a padded slot is never chosen,
            # even where the input holds the lowest value too
            valid = np.zeros(xp.shape[2:], dtype=bool)
            valid[inside] = True
        else:
            xp = x
        keys = _window_keys(kernel, stride, dilation, out_size)
        best = xp[lead + keys[0]].copy()
        small = np.int8 if len(keys) <= 127 else np.int32
        idx = np.zeros(best.shape, dtype=small)
        seen = None if valid is None else np.broadcast_to(valid[keys[0]], best.shape).copy()
        for k, key in enumerate(keys[1:], 1):
            piece = xp[lead + key]
            # `>`: the first maximum wins, as PyTorch's; a NaN wins too (PyTorch's `val > max || isnan(val)`:
            # the index of the last NaN). NOTE: k exceeds every index set so far, so a maximum with mask*k
            # updates the index; measured 50x faster than copyto(where=) or where().
            take = (piece > best) | np.isnan(piece) if floating else piece > best
            if valid is not None and seen is not None:
                inner = valid[key]
                take = (take | ~seen) & inner
                seen |= inner
            np.maximum(idx, take * small(k), out=idx)
            np.maximum(best, piece, out=best)  # propagates NaN
        return best, idx

    def max_pool_nd_backward(self, g: Any, idx: Any, input_shape: Any, kernel: Any, stride: Any, padding: Any,
                             dilation: Any) -> Any:
        """Gradient of ``max_pool_nd``: ``g`` routed to each window's chosen offset ``idx``."""
        import numpy as np

        lead = (slice(None), slice(None))
        padded = tuple(i + lo + hi for i, (lo, hi) in zip(input_shape[2:], padding))
        keys = _window_keys(kernel, stride, dilation, g.shape[2:])
        disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        tiles = disjoint and all(s == k and d == 1 and m * s == p
                                 for k, s, d, m, p in zip(kernel, stride, dilation, g.shape[2:], padded))
        gx = (np.empty if tiles else np.zeros)(tuple(input_shape[:2]) + padded, dtype=g.dtype)
        # NOTE: g * mask is the fast way to route g (where() and copyto(where=) are ~20x slower), but
        # inf * 0 is NaN: non-finite gradients take the exact path
        exact = not np.isfinite(g).all()
        for k, key in enumerate(keys):
            mask = idx == k
            if exact:
                part = np.where(mask, g, g.dtype.type(0))
                if disjoint:
                    gx[lead + key] = part
                else:
                    gx[lead + key] += part
            elif disjoint:  # no two windows share an element: write, don't accumulate
                np.multiply(g, mask, out=gx[lead + key])
            else:
                gx[lead + key] += g * mask
        if any(lo or hi for lo, hi in padding):
            inside = tuple(slice(lo, lo + i) for (lo, _), i in zip(padding, input_shape[2:]))
            gx = np.ascontiguousarray(gx[lead + inside])
        return gx

    # fused cross entropy (the optional ``cross_entropy`` kernel) ------------------------------------
    def cross_entropy(self, x: Any, target: Any, ignore_index: int, reduction: str,
                      need_grad: bool) -> tuple[Any, Any]:
        """Cross entropy of logits ``x`` (N, C) and class indices ``target`` (N,): ``(loss, grad)``. ``loss`` as
        ``reduction`` asks ('mean' over the targets that are not ``ignore_index``); ``grad`` (or None without
        ``need_grad``) is ``(softmax(x) - onehot(target))`` with ignored rows zero, divided by the count for
        'mean': the gradient of the 'mean'/'sum' loss, and of each row's loss for 'none'."""
        import numpy as np

        n, c = x.shape
        xc = x if x.dtype in self._blas else x.astype(self._f32)
        rows = np.arange(n)
        s = xc - np.maximum.reduce(xc, axis=1, keepdims=True)
        valid = picked = None
        if n and not 0 <= ignore_index < c and np.minimum.reduce(target) >= 0:
            try:  # the fancy index checks the upper bound; ignore_index and errors take the slow path
                picked = s[rows, target]
            except IndexError:
                pass
        safe = target
        if picked is None:
            valid = target != ignore_index
            safe = np.where(valid, target, 0)
            bad = (safe < 0) | (safe >= c)
            if bad.any():
                raise IndexError(f"Target {safe[bad][0]} is out of bounds.") from None
            picked = s[rows, safe]
        e = np.exp(s)
        total = np.add.reduce(e, axis=1, keepdims=True)
        losses = np.log(total[:, 0]) - picked  # -log_softmax at the target
        count = n
        if valid is not None:
            losses = np.where(valid, losses, losses.dtype.type(0))
            count = int(np.count_nonzero(valid))
        if reduction == "none":
            loss = losses
        elif reduction == "sum":
            loss = np.add.reduce(losses)
        elif count:
            loss = np.add.reduce(losses) / losses.dtype.type(count)
        else:
            loss = np.nan  # every target ignored (or no rows): 0/0, as in PyTorch
        loss = np.asarray(loss, dtype=x.dtype)
        if not need_grad:
            return loss, None
        e /= total  # softmax, in place
        e[rows, safe] -= 1
        if valid is not None:
            e *= valid[:, None]
        if reduction == "mean" and count:  # every target ignored: a zero gradient, as PyTorch's
            e *= e.dtype.type(1.0 / count)
        return loss, e.astype(x.dtype, copy=False)


def _cast(a: Any, dtype: Any) -> Any:
    return a.astype(dtype)


def _quiet_wrapper(np: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator running a function with NumPy's floating-point warnings off (as ``np.errstate(all="ignore")``)
    for that call only, leaving the caller's own NumPy settings as they were."""
    try:
        from numpy._core.umath import _extobj_contextvar, _make_extobj
    except ImportError:  # pragma: no cover - NumPy < 2 or a future NumPy without these names
        return _errstate_wrapper(np)
    # NOTE: NumPy keeps its error state in a context variable; setting and resetting it directly costs ~0.2 us
    # per call, where `with np.errstate(...)` costs ~1 us (its Python-level __enter__/__exit__), the whole budget
    # of a small op. A process-wide np.seterr would silence the user's own NumPy code too.
    ignore = _make_extobj(all="ignore")
    set_state, reset_state = _extobj_contextvar.set, _extobj_contextvar.reset

    def quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            token = set_state(ignore)
            try:
                return fn(*args)
            finally:
                reset_state(token)
        return call
    return quiet


def _errstate_wrapper(np: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``_quiet_wrapper`` through the public ``np.errstate`` (slower)."""

    def quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            with np.errstate(all="ignore"):
                return fn(*args)
        return call
    return quiet


def _openblas(np: Any) -> bool:
    """Whether NumPy multiplies through OpenBLAS (the layout choice in ``linear`` was measured on it)."""
    try:
        return "openblas" in str(np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]).lower()
    except (AttributeError, KeyError, TypeError):
        return False


def _window_keys(kernel: Any, stride: Any, dilation: Any, out_size: Any) -> list[tuple[slice, ...]]:
    """One tuple of strided slices (over the padded spatial dims) per kernel offset, row-major."""
    return [tuple(slice(f * d, f * d + s * (m - 1) + 1, s) for f, d, s, m in zip(offs, dilation, stride, out_size))
            for offs in itertools.product(*(range(k) for k in kernel))]


def _out_size(in_size: Any, k: Any, stride: Any, padding: Any, dilation: Any) -> tuple[int, ...]:
    return tuple((i + lo + hi - d * (kk - 1) - 1) // s + 1
                 for i, kk, s, (lo, hi), d in zip(in_size, k, stride, padding, dilation))
