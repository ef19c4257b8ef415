"""PyTorch's CPU random number generator, reproduced on NumPy so ``manual_seed(s)`` gives PyTorch's numbers.

PyTorch's CPU generator is a 32-bit Mersenne Twister (mt19937) seeded with the low 32 bits of the seed, and
each sampler turns its raw 32- or 64-bit outputs into values with a fixed recipe (ATen's
``DistributionTemplates.h`` and ``TransformationHelper.h``). NumPy's ``MT19937`` bit generator with legacy
seeding is the same engine, so drawing its raw outputs and applying the same recipes gives PyTorch's values:

- uniform (``rand``, ``uniform_``): float32/half/bfloat16 use one 32-bit draw, the low 24/11/8 bits scaled by
  2**-digits; float64 uses one 64-bit draw (two 32-bit draws, the first the high half), the low 53 bits.
- normal (``randn``, ``normal_``): a contiguous tensor of 16 or more elements is filled with uniforms, then
  transformed in blocks of 16 by Box-Muller (``normal_fill``; a tail that is not a multiple of 16 redraws the
  last 16). Fewer elements draw one double pair per two values, caching the second (``normal_distribution``).
- integers (``randint``, ``random_``): ``draw % range + low``, with a 64-bit draw when the range needs it.
- permutation (``randperm``): Fisher-Yates swapping ``i`` with ``i + draw % (n - i)``.
- bernoulli: ``u < p`` with one uniform per element, a double one (64-bit draw) when ``p`` is a Python float
  or a float64 tensor (``bernoulli_(p)``, dropout), a float one (32-bit draw) for other probability tensors.

Float32 ``normal`` of 16 or more elements goes through PyTorch's AVX2 kernel, which computes log, sin and cos
with the Cephes polynomials of ``avx_mathfun.h`` in float32, with the multiply-adds the compiler fuses; that
arithmetic is reproduced step by step below (:func:`_log_ps`, :func:`_sincos_ps`), so the values agree to the
bit on x86 (on ARM, PyTorch's own scalar path differs from its x86 values in the last bit).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_MASK32 = 0xFFFFFFFF
_F32, _F64, _I32 = np.float32, np.float64, np.int32


def _fma(a: Any, b: Any, c: Any) -> Any:
    """float32 fused multiply-add: the float32 product is exact in float64, so one rounding remains."""
    return (np.asarray(a, _F64) * np.asarray(b, _F64) + np.asarray(c, _F64)).astype(_F32)


def _log_ps(x: Any) -> Any:
    """``log256_ps`` of ``avx_mathfun.h`` (Cephes logf) on float32 in (0, 1], as PyTorch's build computes it."""
    bits = x.view(_I32)
    e = ((bits >> 23) - 0x7F).astype(_F32) + _F32(1)
    x = ((bits & ~_I32(0x7F800000)) | _I32(0x3F000000)).view(_F32)  # mantissa in [0.5, 1)
    small = x < _F32(0.707106781186547524)
    x = (x - _F32(1)) + np.where(small, x, _F32(0))
    e = e - np.where(small, _F32(1), _F32(0))
    z = x * x
    y = np.full_like(x, _F32(7.0376836292e-2))
    for c in (-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
              2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1):
        y = _fma(y, x, _F32(c))
    y = y * x
    y = _fma(y, z, e * _F32(-2.12194440e-4))
    y = _fma(z, _F32(-0.5), y)
    return _fma(e, _F32(0.693359375), x + y)


def _sincos_ps(x: Any) -> tuple[Any, Any]:
    """``sincos256_ps`` of ``avx_mathfun.h`` (Cephes sinf/cosf) on non-negative float32."""
    j = ((x * _F32(1.27323954473516)).astype(_I32) + 1) & ~_I32(1)
    y = j.astype(_F32)
    swap_sin = (j & 4) << 29
    sin_poly = (j & 2) == 0
    sign_cos = (~(j - 2) & 4) << 29
    x = _fma(y, _F32(-0.78515625), x)
    x = _fma(y, _F32(-2.4187564849853515625e-4), x)
    x = _fma(y, _F32(-3.77489497744594108e-8), x)
    z = x * x
    yc = _fma(_F32(2.443315711809948e-5), z, _F32(-1.388731625493765e-3))
    yc = _fma(yc, z, _F32(4.166664568298827e-2)) * z
    yc = _fma(yc, z, -(z * _F32(0.5))) + _F32(1)
    ys = _fma(_F32(-1.9515295891e-4), z, _F32(8.3321608736e-3))
    ys = _fma(ys, z, _F32(-1.6666654611e-1)) * z
    ys = _fma(ys, x, x)
    s = np.where(sin_poly, ys, yc).astype(_F32)
    c = np.where(sin_poly, yc, ys).astype(_F32)
    return (s.view(_I32) ^ swap_sin).view(_F32), (c.view(_I32) ^ sign_cos).view(_F32)


class TorchCPUGenerator:
    """mt19937 with PyTorch's samplers; deep-copyable (``Generator.get_state``)."""

    def __init__(self, seed: int) -> None:
        self.bitgen = np.random.MT19937(0)
        self.bitgen._legacy_seeding(seed & _MASK32)
        self.next_double_normal: float | None = None

    # raw draws ---------------------------------------------------------------------------------
    def random32(self, n: int) -> Any:
        """``n`` raw 32-bit outputs (uint64 array)."""
        return self.bitgen.random_raw(n)

    def random64(self, n: int) -> Any:
        """``n`` 64-bit values, each from two draws (the first is the high half)."""
        r = self.random32(2 * n).reshape(n, 2)
        return (r[:, 0] << np.uint64(32)) | r[:, 1]

    def unit(self, n: int, double: bool) -> Any:
        """``n`` uniforms on [0, 1) as float64, as PyTorch's ``uniform_real_distribution`` (53 or 24 bits)."""
        if double:
            return (self.random64(n) & np.uint64((1 << 53) - 1)).astype(_F64) * 2.0 ** -53
        return (self.random32(n) & np.uint64((1 << 24) - 1)).astype(_F64) * 2.0 ** -24

    # samplers ----------------------------------------------------------------------------------
    def uniform(self, shape: tuple[int, ...], low: float, high: float, double: bool) -> Any:
        """PyTorch's ``uniform_``: ``u * (high - low) + low`` as float64 values the caller rounds to the dtype.

        In single precision PyTorch subtracts the bounds in float32 and fuses the multiply-add; the product of
        two 24-bit values is exact in float64, so one float64 multiply-add then the caller's rounding agrees.
        """
        u = self.unit(math.prod(shape), double).reshape(shape)
        if double:
            return u * (high - low) + low
        lo = _F32(low)
        return u * _F64(_F32(_F32(high) - lo)) + _F64(lo)

    def normal(self, shape: tuple[int, ...], mean: float, std: float, kind: str) -> Any:
        """PyTorch's ``normal_`` for dtype kind ``"float64"``, ``"float32"`` or ``"half"`` (float16/bfloat16)."""
        n = math.prod(shape)
        if n < 16:
            out = np.empty(n, _F64)
            for i in range(n):
                out[i] = self._normal_double() * std + mean
            return out.reshape(shape)
        data = self.unit(n, kind == "float64")
        blocks = (n // 16) * 16
        fill = {"float64": self._fill16_double, "float32": self._fill16_avx2}.get(kind, self._fill16_half)
        rows = data[:blocks].reshape(-1, 16)
        # NOTE: chunks of 64K values keep the ~40 temporaries of the float32 emulation in cache (3x faster)
        out = np.concatenate([fill(rows[i:i + 4096], mean, std).reshape(-1) for i in range(0, len(rows), 4096)]
                             or [np.empty(0, _F32)])
        if n % 16:  # PyTorch redraws the last 16 values and overwrites the tail with them
            tail = fill(self.unit(16, kind == "float64").reshape(1, 16), mean, std).reshape(-1)
            out = np.concatenate([out, np.empty(n - blocks, out.dtype)])
            out[n - 16:] = tail
        return out.reshape(shape)

    @staticmethod
    def _fill16_avx2(u: Any, mean: float, std: float) -> Any:
        """``normal_fill_16_AVX2`` on rows of 16 float32 uniforms (Box-Muller over the pairs j, j + 8)."""
        u = u.astype(_F32)
        radius = np.sqrt(_F32(-2) * _log_ps(_F32(1) - u[:, :8]))
        sin, cos = _sincos_ps(_F32(2.0 * math.pi) * u[:, 8:])
        return np.concatenate([_fma(radius * cos, _F32(std), _F32(mean)),
                               _fma(radius * sin, _F32(std), _F32(mean))], axis=1)

    @staticmethod
    def _fill16_double(u: Any, mean: float, std: float) -> Any:
        """``normal_fill_16<double>`` with the C library's log/cos/sin."""
        radius = np.sqrt(-2.0 * np.log(1.0 - u[:, :8]))
        theta = 2.0 * math.pi * u[:, 8:]
        return np.concatenate([radius * np.cos(theta) * std + mean, radius * np.sin(theta) * std + mean], axis=1)

    @staticmethod
    def _fill16_half(u: Any, mean: float, std: float) -> Any:
        """``normal_fill_16`` for half types: float math, each named intermediate rounded to float16."""
        h = np.float16
        u = u.astype(_F32).astype(h)
        u1 = (_F32(1) - u[:, :8].astype(_F32)).astype(h)
        radius = np.sqrt(_F32(-2) * np.log(u1.astype(_F32))).astype(h)
        theta = (2.0 * math.pi * u[:, 8:].astype(_F64)).astype(h).astype(_F32)
        r = radius.astype(_F32)
        return np.concatenate([r * np.cos(theta) * _F32(std) + _F32(mean),
                               r * np.sin(theta) * _F32(std) + _F32(mean)], axis=1)

    def _normal_double(self) -> float:
        """``normal_distribution<double>``: Box-Muller on two double uniforms, the sine half cached."""
        cached = self.next_double_normal
        if cached is not None:
            self.next_double_normal = None
            return cached
        u1, u2 = self.unit(2, True)
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self.next_double_normal = r * math.sin(theta)
        return r * math.cos(theta)

    def integers(self, low: int, high: int, shape: tuple[int, ...]) -> Any:
        """PyTorch's ``random_(low, high)``: ``draw % range + low`` (int64 array)."""
        n, span = math.prod(shape), high - low
        raw = self.random64(n) if span >= (1 << 32) else self.random32(n)
        return ((raw % np.uint64(span)).astype(np.int64) + low).reshape(shape)

    def permutation(self, n: int) -> Any:
        """PyTorch's CPU ``randperm``: Fisher-Yates swapping ``i`` with ``i + draw % (n - i)``."""
        if n < 2:
            return np.arange(n, dtype=np.int64)
        draws = (self.random32(n - 1).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)).tolist()
        out = list(range(n))  # NOTE: the swaps are sequential; a Python list swaps ~10x faster than an ndarray
        for i, d in enumerate(draws):
            z = i + d
            out[i], out[z] = out[z], out[i]
        return np.array(out, dtype=np.int64)

    def bernoulli(self, p: Any) -> Any:
        """``u < p`` per element: double uniforms for float64 ``p`` (PyTorch's scalar-``p`` path), else float."""
        u = self.unit(p.size, p.dtype == _F64).reshape(p.shape)
        return u < p
