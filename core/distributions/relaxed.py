"""Concrete / Gumbel-softmax relaxations: LogitRelaxedBernoulli, RelaxedBernoulli, ExpRelaxedCategorical,
RelaxedOneHotCategorical."""

from __future__ import annotations

from typing import Any

from .. import special
from ..ops.creation import full_like
from ..ops.random import rand
from ..tensor import Size, Tensor
from . import constraints
from ._base import _BinaryParams
from .categorical import Categorical, _CategoricalBacked
from .transformed import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform
from .utils import _softplus, broadcast_all, clamp_probs

__all__ = ["ExpRelaxedCategorical", "LogitRelaxedBernoulli", "RelaxedBernoulli", "RelaxedOneHotCategorical"]


def _temperature_like(temperature: Any, like: Tensor) -> Tensor:
    """``temperature`` as a tensor; a number takes ``like``'s dtype and device."""
    return temperature if isinstance(temperature, Tensor) else like.new_tensor(float(temperature))


class LogitRelaxedBernoulli(_BinaryParams):
    """Logit of a RelaxedBernoulli sample (temperature ``temperature``)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self.temperature = temperature
        self._set(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        """``(logits + log u - log(1 - u)) / temperature``."""
        shape = tuple(self._extended_shape(sample_shape))
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(rand(shape, dtype=probs.dtype, device=probs.device))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density of the logistic distribution."""
        self._check(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return _temperature_like(self.temperature, logits).log() + diff - 2 * _softplus(diff)


class ExpRelaxedCategorical(_CategoricalBacked):
    """Log of a RelaxedOneHotCategorical sample."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Any, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        self._init_shapes(validate_args)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        """Gumbel-softmax in log space."""
        shape = tuple(self._extended_shape(sample_shape))
        u = clamp_probs(rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        gumbels = -((-u.log()).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        k = self._categorical._num_events
        self._check(value)
        logits, value = broadcast_all(self.logits, value)
        t = _temperature_like(self.temperature, logits)
        log_scale = special.gammaln(full_like(t, float(k))) - t.log() * (-(k - 1))
        score = logits - value * t
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class _Relaxed(TransformedDistribution):
    """A relaxed distribution: its base's sample pushed through one transform; the base holds every parameter."""

    has_rsample = True
    base_dist: LogitRelaxedBernoulli | ExpRelaxedCategorical

    @property
    def temperature(self) -> Any:
        """Relaxation temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """The base distribution's logits."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """The base distribution's probabilities."""
        return self.base_dist.probs


class RelaxedBernoulli(_Relaxed):
    """Concrete/Gumbel-softmax relaxation of the Bernoulli distribution on (0, 1)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval  # type: ignore[assignment]

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)


class RelaxedOneHotCategorical(_Relaxed):
    """Concrete/Gumbel-softmax relaxation of OneHotCategorical on the simplex."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex  # type: ignore[assignment]

    def __init__(self, temperature: Any, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)
