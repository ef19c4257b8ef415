"""Distributions over K categories: Categorical, OneHotCategorical, Multinomial."""

from __future__ import annotations

import math
from typing import Any

from .. import dtypes as _dt
from .. import special
from ..autograd.grad_mode import no_grad
from ..ops.creation import arange
from ..ops.elementwise import where
from ..tensor import Size, Tensor
from . import constraints
from ._base import _one_of
from .discrete import Binomial
from .distribution import Distribution
from .utils import _support_over_batch, broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical", "Multinomial", "OneHotCategorical"]


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
        return self._finish_expand(new, batch_shape)  # type: ignore[no-any-return]

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
        return self._filled(math.nan, self.probs)

    @property
    def mode(self) -> Tensor:
        """Most probable category."""
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        """Undefined: NaN."""
        return self._filled(math.nan, self.probs)

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

        self._check(value)
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
        return _support_over_batch(values, self._batch_shape, expand)


class _CategoricalBacked(Distribution):
    """A distribution with events over the last dim whose ``probs``/``logits`` live in an inner Categorical."""

    _categorical: Categorical

    def _init_shapes(self, validate_args: bool | None) -> None:
        param = self._categorical._param
        Distribution.__init__(self, param.size()[:-1], param.size()[-1:], validate_args=validate_args)

    def _expand_categorical(self, new: Any, batch_shape: Any) -> Any:
        new._categorical = self._categorical.expand(batch_shape)
        return self._finish_expand(new, batch_shape, self.event_shape)

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


class OneHotCategorical(_CategoricalBacked):
    """Categorical distribution whose samples are one-hot vectors."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self._init_shapes(validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(OneHotCategorical, _instance)
        return self._expand_categorical(new, Size(batch_shape))  # type: ignore[no-any-return]

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
        self._check(value)
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


class Multinomial(_CategoricalBacked):
    """Counts of ``total_count`` categorical draws (``probs``/``logits`` over the last dim)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        self._init_shapes(validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(Multinomial, _instance)
        new.total_count = self.total_count
        new._binomial = self._binomial
        return self._expand_categorical(new, Size(batch_shape))  # type: ignore[no-any-return]

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        """Count vectors summing to at most ``total_count``."""
        return constraints.multinomial(self.total_count)

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
        self._check(value)
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
