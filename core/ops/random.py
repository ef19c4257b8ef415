"""Randomness: ``Generator``, ``manual_seed`` and the sampling functions.

Each ``Generator`` owns one backend generator per device it has drawn on, created lazily from
its seed; ``ember.manual_seed(s)`` reseeds the default generator of every device.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from .. import dtypes as _dt
from ..tensor import Tensor, _wrap
from ._dispatch import canon_device, check_dtype, check_inplace, handle_out, type_name, write
from .creation import _CTYPE, _finish, _nbytes, _resolve, _size, _size_kw, alloc_error, check_alloc, with_out

_DEFAULT_SEED = 67280421310721  # PyTorch's default CPU seed


class Generator:
    """A random number generator: ``Generator(device='cpu').manual_seed(0)``."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = canon_device(device)
        self._seed = _DEFAULT_SEED
        self._gen: Any = None

    def manual_seed(self, seed: int) -> Generator:
        """Reseed and return ``self``."""
        seed = builtins.int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        self._gen = None
        return self

    def seed(self) -> int:
        """Seed from a non-deterministic source and return the seed."""
        import random as _r

        s = _r.getrandbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self) -> Any:
        """An opaque copy of the generator's state."""
        import copy

        return (self._seed, copy.deepcopy(self._backend_gen()))

    def set_state(self, state: Any) -> Generator:
        """Restore a state from ``get_state``."""
        import copy

        self._seed, gen = state
        self._gen = copy.deepcopy(gen)
        return self

    def _backend_gen(self) -> Any:
        g = self._gen
        if g is None:
            dev = self.device
            g = self._gen = dev._be.generator(self._seed % (1 << 63), dev.index)
        return g


_defaults: dict[Any, Generator] = {}


def default_generator_for(dev: Any) -> Generator:
    """The default generator of a device."""
    g = _defaults.get(dev)
    if g is None:
        g = _defaults[dev] = Generator(dev)
        g.manual_seed(_global_seed[0])
    return g


_global_seed = [_DEFAULT_SEED]


def manual_seed(seed: int) -> Generator:
    """Seed the default generator of every device (so results are reproducible on every backend)."""
    _global_seed[0] = builtins.int(seed)
    for g in _defaults.values():
        g.manual_seed(seed)
    return default_generator_for(canon_device("cpu"))


def seed() -> int:
    """Seed every default generator non-deterministically and return the seed."""
    import random as _r

    s = _r.getrandbits(63)
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The initial seed of the default CPU generator."""
    return default_generator_for(canon_device("cpu")).initial_seed()


def get_rng_state() -> Any:
    """The default CPU generator's state."""
    return default_generator_for(canon_device("cpu")).get_state()


def set_rng_state(state: Any) -> None:
    """Restore the default CPU generator's state."""
    default_generator_for(canon_device("cpu")).set_state(state)


def _factory_gen(generator: Generator | None, dev: Any) -> tuple[Any, Any]:
    """(backend, generator) a factory function draws with: with no explicit generator every device draws from
    the CPU default generator and receives the values, so ``manual_seed(s)`` then ``randn(3, device=d)`` gives
    the same numbers on every backend (PyTorch CPU's numbers)."""
    if generator is None and dev.type != "cpu":
        cpu = canon_device("cpu")
        return cpu._be, default_generator_for(cpu)._backend_gen()
    return dev._be, _gen(generator, dev)


def _draw(dev: Any, shape: tuple[int, ...], dt: _dt.dtype, sample: Any, *args: Any) -> Any:
    """``sample(*args)`` (a backend draw of ``shape`` and ``dt``) moved to ``dev``, its size checked first."""
    check_alloc(shape, dt, dev)
    if dev.type != "cpu":
        check_alloc(shape, dt, canon_device("cpu"))  # factory draws are made on the host, then moved
    try:
        return _to_dev(sample(*args), dev)
    except MemoryError as e:
        raise alloc_error(_nbytes(shape, dt), dev, e) from None


def _to_dev(data: Any, dev: Any) -> Any:
    """``data`` drawn on the CPU backend moved to ``dev`` (a no-op for cpu)."""
    if dev.type == "cpu":
        return data
    return dev._be.from_host(canon_device("cpu")._be.to_host(data), dev.index)


def _gen(generator: Generator | None, dev: Any) -> Any:
    if generator is None:
        return default_generator_for(dev)._backend_gen()
    if generator.device != dev:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found '{generator.device.type}'")
    return generator._backend_gen()


def rand(*size: Any, generator: Generator | None = None, out: Tensor | None = None, dtype: _dt.dtype | None = None,
         layout: Any = None, device: Any = None, requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """Uniform samples on ``[0, 1)``."""
    shape = _size(_size_kw("rand", size, kwargs), "rand")
    dt, dev = _resolve(*with_out(out, dtype, device))
    if dt.is_complex:
        return _complex_draw(rand, shape, generator, dt, device, requires_grad, 1.0)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{type_name(dt)}'")
    be, g = _factory_gen(generator, dev)
    return handle_out(_finish(_draw(dev, shape, dt, be.uniform, g, shape, 0.0, 1.0, dt), dt, dev, requires_grad), out)


def randn(*size: Any, generator: Generator | None = None, out: Tensor | None = None, dtype: _dt.dtype | None = None,
          layout: Any = None, device: Any = None, requires_grad: bool = False, **kwargs: Any) -> Tensor:
    """Standard normal samples."""
    shape = _size(_size_kw("randn", size, kwargs), "randn")
    dt, dev = _resolve(*with_out(out, dtype, device))
    if dt.is_complex:
        # PyTorch draws the (real, imag) pairs with std 1/sqrt(2), so E|z|^2 = 1
        return _complex_draw(randn, shape, generator, dt, device, requires_grad, 0.5 ** 0.5)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{type_name(dt)}'")
    be, g = _factory_gen(generator, dev)
    return handle_out(_finish(_draw(dev, shape, dt, be.normal, g, shape, 0.0, 1.0, dt), dt, dev, requires_grad), out)


def _complex_draw(fn: Any, shape: tuple[int, ...], generator: Generator | None, dt: _dt.dtype, device: Any,
                  requires_grad: bool, scale: float) -> Tensor:
    """A complex sample as PyTorch draws one: the real view ``(*shape, 2)`` filled by the real sampler."""
    from .complex import view_as_complex

    parts = fn(shape + (2,), generator=generator, dtype=dt.to_real(), device=device)
    if scale != 1.0:
        parts = parts * scale
    r = view_as_complex(parts)
    if requires_grad:
        r.requires_grad_(True)
    return r


def randint(low: int = 0, high: Any = None, size: Any = None, *, generator: Generator | None = None,
            out: Tensor | None = None, dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform on ``[low, high)``; ``randint(high, size)`` also works."""
    if size is None:
        if high is None:
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:  # randint(10, size=(3,)): the one bound given is the high one, as in PyTorch
        low, high = 0, low
    shape = _size((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "randint")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dtype, device = with_out(out, dtype, device)
    dt, dev = _resolve(dtype or _dt.int64, device)
    _check_bounds(low, high, dt)
    be, g = _factory_gen(generator, dev)
    return handle_out(_finish(_draw(dev, shape, dt, be.integers, g, low, high, shape, dt), dt, dev, requires_grad),
                      out)


#: PyTorch's C++ names of the integer dtypes in random_'s bound errors
_CNAME = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
          "int64": "long"}


def _check_bounds(low: int, high: int, dt: _dt.dtype) -> None:
    """PyTorch's check that ``[low, high)`` lies within an integer dtype (floats take any bounds)."""
    if dt.is_floating_point or dt.is_complex:
        return
    lo, hi = (0, 1) if dt is _dt.bool else (-(1 << (dt.bits - 1)), (1 << (dt.bits - 1)) - 1) if dt.is_signed \
        else (0, (1 << dt.bits) - 1)
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {_CNAME[dt.name]}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {_CNAME[dt.name]}")


def randperm(n: int, *, generator: Generator | None = None, out: Tensor | None = None, dtype: _dt.dtype | None = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0..n-1``."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype, device = with_out(out, dtype, device)
    dt, dev = _resolve(dtype or _dt.int64, device)
    if dt is _dt.bool:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dt is _dt.float16 and n > 2049:  # float16 holds every integer up to 2048 exactly
        raise RuntimeError("n cannot be greater than 2049 for Half type.")
    if not dt.is_floating_point and n and n - 1 > (1 << (dt.bits - (1 if dt.is_signed else 0))) - 1:
        raise RuntimeError(f"value cannot be converted to type {_CTYPE[dt.name]} without overflow")
    be, g = _factory_gen(generator, dev)
    return handle_out(_finish(_draw(dev, (n,), dt, be.permutation, g, n, dt), dt, dev, requires_grad), out)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *, generator: Generator | None = None,
           out: Tensor | None = None, dtype: _dt.dtype | None = None, layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples with the given mean and std (scalars with ``size``, or tensors broadcast)."""
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        if not ref.dtype.is_floating_point:
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{type_name(ref.dtype)}'")
        if isinstance(std, Tensor) and std.numel() and builtins.bool((std < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        from .shape import broadcast_shapes

        shape = broadcast_shapes(getattr(mean, "shape", ()), getattr(std, "shape", ()))
        if out is not None and not isinstance(std, Tensor) and tuple(out.shape) != tuple(mean.shape):
            # NOTE: PyTorch's (Tensor mean, float std) out= kernel adds mean into out without resizing it first
            from .elementwise import broadcast_error

            raise broadcast_error(mean._data, out._data)
        from ._formula import _attach
        from .creation import zeros_like
        from .elementwise import _no_grad

        with _no_grad():
            r = randn(shape, generator=generator, dtype=ref.dtype, device=ref.device) * std + mean
        # PyTorch's derivative of a sample with respect to mean and std is zero (no reparametrization)
        params = tuple(t for t in (mean, std) if isinstance(t, Tensor))
        r = _attach(r, "NormalBackward", params, lambda g: tuple(zeros_like(t) for t in params))
        return handle_out(r, out)
    if size is None:
        raise TypeError("normal() missing required argument 'size'")
    shape = _size((tuple(size),), "normal")
    dt, dev = _resolve(*with_out(out, dtype, device))
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{type_name(dt)}'")
    be, g = _factory_gen(generator, dev)
    r = _finish(_draw(dev, shape, dt, be.normal, g, shape, builtins.float(mean), builtins.float(std), dt), dt, dev,
                requires_grad)
    return handle_out(r, out)


def bernoulli(input: Tensor, p: Any = None, *, generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """0/1 samples with probabilities ``input`` (or the scalar ``p``), in ``input``'s dtype."""
    dev = input._device
    be = dev._be
    if p is None and not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{type_name(input.dtype)}'")
    if p is not None and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    # NOTE: a Python p is a double probability, as in PyTorch (its scalar path draws double uniforms)
    probs = input._data if p is None else be.full(input._data.shape, builtins.float(p), _dt.float64, dev.index)
    if p is None and input.numel() and (builtins.bool((input < 0).any()) or builtins.bool((input > 1).any())):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    # the samples are written in out's dtype when one is given (0 and 1 fit every dtype)
    dt = out.dtype if isinstance(out, Tensor) else input.dtype
    data = be.astype(be.bernoulli(_gen(generator, dev), probs), dt)
    return handle_out(_wrap(data, dt, dev), out)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """Indices sampled from the rows of ``input`` (unnormalized probabilities)."""
    from .creation import tensor

    _check_multinomial(input, num_samples, replacement)
    np_in = input.detach().double().numpy(force=True)
    single = np_in.ndim == 1
    rows = np_in.reshape(1, -1) if single else np_in
    import numpy as np

    if rows.size and (not np.isfinite(rows).all() or (rows < 0).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if rows.size and (rows.sum(1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    u = rand(rows.shape[0], num_samples if replacement else rows.shape[1], generator=generator,
             dtype=_dt.float64).numpy()
    picks = np.empty((rows.shape[0], num_samples), dtype="int64")
    for r in range(rows.shape[0]):
        w = rows[r] / rows[r].sum()
        if replacement:
            picks[r] = np.searchsorted(np.cumsum(w), u[r] * w.sum(), side="right").clip(0, len(w) - 1)
        else:
            # Gumbel-top-k equivalent: exponential races, smallest -log(u)/w win
            keys = -np.log(np.maximum(u[r], 1e-300)) / np.maximum(w, 1e-300)
            picks[r] = np.argsort(keys, kind="stable")[:num_samples]
    res = picks[0] if single else picks
    return handle_out(tensor(res, device=input.device), out)


def _check_multinomial(input: Tensor, num_samples: int, replacement: bool) -> None:
    """PyTorch's checks of multinomial's arguments, in its order."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {type_name(input.dtype)}")
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              generator: Generator | None = None) -> Tensor:
    """``rand`` with ``input``'s shape, dtype and device."""
    return rand(input._data.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
               generator: Generator | None = None) -> Tensor:
    """``randn`` with ``input``'s shape, dtype and device."""
    return randn(input._data.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input: Tensor, low: int = 0, high: Any = None, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
    """``randint`` with ``input``'s shape, dtype and device."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype, device=device or input.device)


# -- in-place samplers (used by nn.init) ----------------------------------------------------------

def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with uniform samples on ``[a, b)``."""
    check_inplace(self)
    dev = self._device
    check_dtype(dev._be, self.dtype)
    write(self, dev._be.uniform(_gen(generator, dev), self._data.shape, builtins.float(a), builtins.float(b),
                                self.dtype))
    return self


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with normal samples."""
    check_inplace(self)
    dev = self._device
    write(self, dev._be.normal(_gen(generator, dev), self._data.shape, builtins.float(mean), builtins.float(std),
                               self.dtype))
    return self


def bernoulli_(self: Tensor, p: float = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with 0/1 samples of probability ``p``."""
    check_inplace(self)
    write(self, bernoulli(self, p if not isinstance(p, Tensor) else None, generator=generator)._data
          if not isinstance(p, Tensor) else bernoulli(p, generator=generator)._data)
    return self


def random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with integers uniform on ``[from, to)``."""
    check_inplace(self)
    if to is None:
        from_, to = 0, from_ if from_ else 2 ** 24
    dev = self._device
    data = dev._be.integers(_gen(generator, dev), from_, to, self._data.shape, _dt.int64)
    write(self, dev._be.astype(data, self.dtype))
    return self


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill ``self`` with exponential samples of rate ``lambd``."""
    u = rand(self._data.shape, generator=generator, dtype=self.dtype, device=self.device)
    write(self, (-(1 - u).log() / lambd)._data)
    return self
