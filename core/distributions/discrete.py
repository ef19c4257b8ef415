"""Discrete distributions: Bernoulli, Categorical, OneHotCategorical, Binomial, Multinomial, Poisson, Geometric."""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

from .. import dtypes as _dt
from .. import special
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange, full
from ..ops.elementwise import where
from ..ops.random import rand
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, finfo_tiny, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Bernoulli", "Binomial", "Categorical", "Geometric", "Multinomial", "OneHotCategorical", "Poisson"]


def _bce_logits(logits: Tensor, target: Tensor) -> Tensor:
    """Elementwise binary cross entropy with logits (stable)."""
    return _clamp_by_zero(logits) - logits * target + (-logits.abs()).exp().log1p()


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) whose gradient at 0 is 1/2, as PyTorch's (keeps d/dx softplus(x) = sigmoid(x) at x = 0)."""
    return (x + x.abs()) / 2


def _one_of(probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class _ProbsLogits(Distribution):
    """Binary probs/logits parameterization; one given, the other computed lazily."""

    _extra: tuple[str, ...] = ()

    def _set(self, probs: Any, logits: Any, *extra: Any) -> tuple[Tensor, ...]:
        _one_of(probs, logits)
        given = probs if probs is not None else logits
        vals = broadcast_all(*extra, given)
        setattr(self, "probs" if probs is not None else "logits", vals[-1])
        self._param = vals[-1]
        return vals

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(type(self), _instance)
        batch_shape = Size(batch_shape)
        for name in (*self._extra, "probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
        new._param = getattr(new, "probs" if "probs" in self.__dict__ else "logits")
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @lazy_property
    def logits(self) -> Tensor:
        """Log-odds."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """Success probability."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """Shape of the given parameter."""
        return self._param.size()


class Bernoulli(_ProbsLogits):
    """Bernoulli distribution parameterized by ``probs`` or ``logits`` (not both)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._set(probs, logits)
        scalar = isinstance(probs if probs is not None else logits, Number)
        super().__init__(Size() if scalar else self._param.size(), validate_args=validate_args)

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
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_logits(logits, value)

    def entropy(self) -> Tensor:
        """Entropy."""
        return _bce_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``[0, 1]`` over dim 0."""
        values = arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class Geometric(_ProbsLogits):
    """Number of failures before the first success, success probability ``probs``."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._set(probs, logits)
        scalar = isinstance(probs if probs is not None else logits, Number)
        super().__init__(Size() if scalar else self._param.size(), validate_args=validate_args)
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
        if self._validate_args:
            self._validate_sample(value)
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
        if self._validate_args:
            self._validate_sample(value)
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
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class Poisson(Distribution):
    """Poisson distribution with mean ``rate``."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if isinstance(rate, Number) else self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(Poisson, _instance)
        new.rate = self.rate.expand(tuple(batch_shape))
        Distribution.__init__(new, Size(batch_shape), validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

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
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return special.xlogy(value, rate) - rate - special.gammaln(value + 1)


class Categorical(Distribution):
    """Categorical distribution over ``{0, ..., K-1}`` given ``probs`` or ``logits`` (last dim = K)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            assert logits is not None
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = Size(batch_shape)
        shape = tuple(batch_shape) + (self._num_events,)
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(shape))
        new._param = getattr(new, "probs" if "probs" in self.__dict__ else "logits")
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        """``{0, ..., K-1}``."""
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        """Normalized log-probabilities."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        """Normalized probabilities."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        """Shape of the given parameter."""
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        """Undefined: NaN."""
        return full(tuple(self._extended_shape()), math.nan, dtype=self.probs.dtype, device=self.probs.device)

    @property
    def mode(self) -> Tensor:
        """Most probable category."""
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        """Undefined: NaN."""
        return full(tuple(self._extended_shape()), math.nan, dtype=self.probs.dtype, device=self.probs.device)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """int64 category indices."""
        from ..ops.random import multinomial

        sample_shape = Size(sample_shape)
        n = math.prod(sample_shape)
        with no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            samples_2d = multinomial(probs_2d, n, True).T
            return samples_2d.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        """Log probability of each index."""
        from ..ops.shape import broadcast_tensors

        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        """``-sum p log p``."""
        min_real = -3.4028234663852886e38 if self.logits.dtype is _dt.float32 else -1.7976931348623157e308
        return -(self.logits.clamp(min=min_real) * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """``0 .. K-1`` over dim 0."""
        values = arange(self._num_events, dtype=_dt.int64, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class OneHotCategorical(Distribution):
    """Categorical distribution whose samples are one-hot vectors."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        param = self._categorical._param
        super().__init__(param.size()[:-1], param.size()[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(OneHotCategorical, _instance)
        batch_shape = Size(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @property
    def probs(self) -> Tensor:
        """Normalized probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """Normalized log-probabilities."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        """Shape of the given parameter."""
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        """``probs``."""
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        """One-hot of the most probable category."""
        from ..nn.functional import one_hot

        probs = self._categorical.probs
        return one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self) -> Tensor:
        """``p (1 - p)``."""
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """One-hot vectors of the probabilities' dtype."""
        from ..nn.functional import one_hot

        probs = self._categorical.probs
        idx = self._categorical.sample(sample_shape)
        return one_hot(idx, self._categorical._num_events).to(probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log probability of the hot index."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.max(-1)[1])

    def entropy(self) -> Tensor:
        """Entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """All one-hot vectors over dim 0."""
        from ..ops.creation import eye

        n = self.event_shape[0]
        values = eye(n, dtype=self._categorical._param.dtype, device=self._categorical._param.device)
        values = values.view((n,) + (1,) * len(self.batch_shape) + (n,))
        return values.expand((n,) + tuple(self.batch_shape) + (n,)) if expand else values


class Multinomial(Distribution):
    """Counts of ``total_count`` categorical draws (``probs``/``logits`` over the last dim)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        param = self._categorical._param
        super().__init__(param.size()[:-1], param.size()[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = self._binomial
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        """Count vectors summing to at most ``total_count``."""
        return constraints.multinomial(self.total_count)

    @property
    def probs(self) -> Tensor:
        """Normalized probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """Normalized log-probabilities."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        """Shape of the given parameter."""
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        """``n p``."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """``n p (1 - p)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = Size()) -> Tensor:
        """Counts from ``total_count`` categorical draws."""
        from ..nn.functional import one_hot

        sample_shape = Size(sample_shape)
        with no_grad():
            idx = self._categorical.sample(Size((self.total_count,) + tuple(sample_shape)))
            counts = one_hot(idx, self._categorical._num_events).sum(0)
            return counts.to(self.probs.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log mass."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_factorial_n = special.gammaln(value.sum(-1) + 1)
        log_factorial_xs = special.gammaln(value + 1).sum(-1)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        """Entropy (exact sum over each category's binomial marginal)."""
        n = self.total_count
        k = arange(1, n + 1, dtype=self.logits.dtype, device=self.logits.device)
        k = k.view((-1,) + (1,) * (self.logits.dim()))
        binom = Binomial(n, probs=self.probs, validate_args=False)
        weights = binom.log_prob(k).exp()
        return (-special.gammaln(self.probs.new_tensor(float(n + 1))) - (self.probs * self.logits).sum(-1) * n
                + (weights * special.gammaln(k + 1)).sum([0, -1]))
