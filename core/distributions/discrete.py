"""Scalar-event discrete distributions: Bernoulli, Geometric, Binomial (probs/logits) and Poisson (rate)."""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from .. import special
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange
from ..ops.elementwise import where
from ..ops.random import rand
from ..tensor import Size, Tensor
from . import constraints
from ._base import _Elementwise, _ProbsLogits
from .distribution import Distribution
from .utils import _clamp_by_zero, _support_over_batch, broadcast_all, finfo_tiny

__all__ = ["Bernoulli", "Binomial", "Geometric", "Poisson"]


def _bce_logits(logits: Tensor, target: Tensor) -> Tensor:
    """Elementwise binary cross entropy with logits (stable)."""
    return _clamp_by_zero(logits) - logits * target + (-logits.abs()).exp().log1p()


class Bernoulli(_ProbsLogits):
    """Bernoulli distribution parameterized by ``probs`` or ``logits`` (not both)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._set(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        """``probs``."""
        return self.probs

    @property
    def mode(self) -> Tensor:
        """1 where ``probs > 0.5``, 0 below, NaN at 0.5."""
        m = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, math.nan, m)

    @property
    def variance(self) -> Tensor:
        """``p (1 - p)``."""
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """0/1 draws of the parameter's dtype."""
        with no_grad():
            p = self.probs.expand(tuple(self._extended_shape(sample_shape)))
            return (rand(tuple(p.shape), dtype=p.dtype, device=p.device) < p).to(p.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """``value log p + (1 - value) log(1 - p)``."""
        self._check(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_logits(logits, value)

    def entropy(self) -> Tensor:
        """Entropy."""
        return _bce_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``[0, 1]`` over dim 0."""
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        return _support_over_batch(values, self._batch_shape, expand)


class Geometric(_ProbsLogits):
    """Number of failures before the first success, success probability ``probs``."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._set(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)
        if self._validate_args and probs is not None:
            value = self.probs
            valid = value > 0
            if not bool(valid.all().item()):
                raise ValueError(f"Expected parameter probs ({type(value).__name__} of shape {tuple(value.shape)}) "
                                 f"of distribution {self!r} to be positive but found invalid values:\n"
                                 f"{value.detach()[~valid]}")

    @property
    def mean(self) -> Tensor:
        """``1 / p - 1``."""
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        """0."""
        return self.probs * 0

    @property
    def variance(self) -> Tensor:
        """``(1 / p - 1) / p``."""
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """``floor(log u / log(1 - p))``."""
        with no_grad():
            shape = tuple(self._extended_shape(sample_shape))
            tiny = finfo_tiny(self.probs.dtype)
            u = rand(shape, dtype=self.probs.dtype, device=self.probs.device).clamp(min=tiny)
            return (u.log() / (-self.probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        """``value log(1 - p) + log p``."""
        self._check(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        """Entropy."""
        return _bce_logits(self.logits, self.probs) / self.probs


class Binomial(_ProbsLogits):
    """Binomial distribution: successes in ``total_count`` Bernoulli trials."""

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True
    _extra = ("total_count",)

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        tc, _ = self._set(probs, logits, total_count)
        self.total_count = tc.type_as(self._param)
        super().__init__(self._param.size(), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        """``{0, ..., total_count}``."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        """``n p``."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        """``floor((n + 1) p)`` capped at ``n``."""
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        """``n p (1 - p)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """Sum of Bernoulli trials (one round per trial up to the largest ``total_count``)."""
        with no_grad():
            shape = tuple(self._extended_shape(sample_shape))
            n = self.total_count.expand(shape)
            p = self.probs.expand(shape)
            nmax = int(n.max().item()) if n.numel() else 0
            out = p * 0
            for k in range(nmax):
                u = rand(shape, dtype=p.dtype, device=p.device)
                out = out + ((u < p) & (n > k)).to(p.dtype)
            return out

    def log_prob(self, value: Tensor) -> Tensor:
        """Log mass."""
        self._check(value)
        n = self.total_count
        log_fact_n = special.gammaln(n + 1)
        norm = n * _clamp_by_zero(self.logits) + n * (-self.logits.abs()).exp().log1p() - log_fact_n
        return value * self.logits - special.gammaln(value + 1) - special.gammaln(n - value + 1) - norm

    def entropy(self) -> Tensor:
        """Entropy (homogeneous ``total_count`` only)."""
        lp = self.log_prob(self.enumerate_support(False))
        return -(lp.exp() * lp).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``0 .. total_count`` over dim 0."""
        total = int(self.total_count.max().item())
        if not int(self.total_count.min().item()) == total:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = arange(1 + total, dtype=self._param.dtype, device=self._param.device)
        return _support_over_batch(values, self._batch_shape, expand)


class Poisson(_Elementwise):
    """Poisson distribution with mean ``rate``."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    _params = ("rate",)
    rate: Tensor

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self._setup((rate,), validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        return super().expand(batch_shape, self._get_checked_instance(Poisson, _instance))

    @property
    def mean(self) -> Tensor:
        """``rate``."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """``floor(rate)``."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """``rate``."""
        return self.rate

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """Inversion sampling, one round per count up to ``rate + 12 sqrt(rate) + 30``."""
        with no_grad():
            shape = tuple(self._extended_shape(sample_shape))
            lam = self.rate.expand(shape)
            work = lam.to(_dt.float64) if _dt.float64 in lam._device._be.dtypes else lam
            top = float(work.max().item()) if work.numel() else 0.0
            steps = int(top + 12 * math.sqrt(top) + 30)
            u = rand(shape, dtype=work.dtype, device=work.device)
            log_lam = where(work > 0, work, 1.0).log()
            cdf = (-work).exp()
            count = work * 0
            for k in range(1, steps + 1):
                count = count + (u > cdf).to(work.dtype)
                cdf = cdf + (k * log_lam - work - math.lgamma(k + 1)).exp()
            return count.to(lam.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """``value log(rate) - rate - lgamma(value + 1)``."""
        self._check(value)
        rate, value = broadcast_all(self.rate, value)
        return special.xlogy(value, rate) - rate - special.gammaln(value + 1)
