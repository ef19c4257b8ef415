"""Gamma-family distributions: Gamma, Chi2, Beta, Dirichlet.

Their reparameterized samples differentiate implicitly: for ``x ~ Gamma(alpha, 1)`` with CDF
``P(alpha, x)``, ``dx/dalpha = -(dP/dalpha) / p(x)``; ``dP/dalpha`` is a central difference of the
regularized incomplete gamma in float64. Beta and Dirichlet normalize Gamma samples, so the
gradient flows through the same rule.
"""

from __future__ import annotations

from typing import Any

from .. import _specfun, special
from .. import dtypes as _dt
from ..autograd.function import Function
from ..ops.arrange import stack
from ..tensor import Size, Tensor
from . import constraints
from ._base import _Elementwise
from .distribution import Distribution
from .utils import finfo_tiny, standard_gamma

__all__ = ["Beta", "Chi2", "Dirichlet", "Gamma"]


class _StandardGamma(Function):
    """Gamma(alpha, 1) samples with the implicit reparameterization gradient in ``alpha``."""

    @staticmethod
    def forward(ctx: Any, alpha: Tensor) -> Tensor:
        x = standard_gamma(alpha)
        ctx.save_for_backward(alpha, x)
        return x

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> Any:
        alpha, x = ctx.saved_tensors
        work = _dt.float64 if _specfun.float64_ok(alpha) else alpha.dtype
        a, xx = alpha.detach().to(work), x.detach().to(work)
        h = 1e-5 * a.clamp(min=1.0)
        p_hi = special.gammainc(a + h, xx)
        p_lo = special.gammainc(a - h.clamp(max=a * 0.5), xx)
        dp = (p_hi - p_lo) / (h + h.clamp(max=a * 0.5))
        log_pdf = (a - 1.0) * xx.log() - xx - _specfun.lgamma(a)
        dx = -dp / log_pdf.exp()
        return g * dx.to(alpha.dtype)


def _rsample_gamma(alpha: Tensor) -> Tensor:
    return _StandardGamma.apply(alpha)  # type: ignore[no-any-return]


class Gamma(_Elementwise):
    """Gamma distribution with shape ``concentration`` and inverse scale ``rate``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("concentration", "rate")
    concentration: Tensor
    rate: Tensor

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self._setup((concentration, rate), validate_args)

    @property
    def mean(self) -> Tensor:
        """``concentration / rate``."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        """``max(concentration - 1, 0) / rate``."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        """``concentration / rate^2``."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        """Marsaglia-Tsang sample with implicit reparameterization gradients."""
        shape = tuple(self._extended_shape(sample_shape))
        value = _rsample_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value.clamp(min=finfo_tiny(value.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """Log density."""
        from ..ops.creation import as_tensor

        value = as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        self._check(value)
        return (special.xlogy(self.concentration, self.rate) + special.xlogy(self.concentration - 1, value)
                - self.rate * value - special.gammaln(self.concentration))

    def cdf(self, value: Tensor) -> Tensor:
        """Regularized lower incomplete gamma ``P(concentration, rate * value)``."""
        self._check(value)
        return special.gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """Entropy."""
        c = self.concentration
        return c - self.rate.log() + special.gammaln(c) + (1.0 - c) * special.digamma(c)


class Chi2(Gamma):
    """Chi-squared distribution with ``df`` degrees of freedom (``Gamma(df / 2, 1 / 2)``)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        from .utils import broadcast_all

        (df,) = broadcast_all(df)
        Gamma.__init__(self, 0.5 * df, 0.5 * df.new_ones(()).expand(df.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(Chi2, _instance)
        return Gamma.expand(self, batch_shape, new)

    @property
    def df(self) -> Tensor:
        """Degrees of freedom."""
        return self.concentration * 2


class Dirichlet(Distribution):
    """Dirichlet distribution with ``concentration`` (last dim = categories)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        return self._finish_expand(new, batch_shape, self.event_shape)  # type: ignore[no-any-return]

    def rsample(self, sample_shape: Any = Size()) -> Tensor:
        """Normalized Gamma samples (implicit reparameterization)."""
        shape = tuple(self._extended_shape(sample_shape))
        g = _rsample_gamma(self.concentration.expand(shape))
        tiny = finfo_tiny(g.dtype)
        return (g / g.sum(-1, keepdim=True)).clamp(min=tiny, max=1 - 1e-7 if g.dtype is _dt.float32 else 1.0)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        self._check(value)
        c = self.concentration
        return (special.xlogy(c - 1.0, value).sum(-1) + special.gammaln(c.sum(-1))
                - special.gammaln(c).sum(-1))

    @property
    def mean(self) -> Tensor:
        """``concentration / concentration.sum(-1)``."""
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        """Mode (a vertex where every concentration is below 1)."""
        from ..nn.functional import one_hot
        from ..ops.elementwise import where

        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, True)
        vertex = one_hot(mode.argmax(-1), cm1.shape[-1]).to(mode.dtype)
        return where((self.concentration < 1).all(-1, keepdim=True), vertex, mode)

    @property
    def variance(self) -> Tensor:
        """Per-category variance."""
        c0 = self.concentration.sum(-1, True)
        return self.concentration * (c0 - self.concentration) / (c0.pow(2) * (c0 + 1))

    def entropy(self) -> Tensor:
        """Entropy."""
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return (special.gammaln(c).sum(-1) - special.gammaln(a0) - (k - a0) * special.digamma(a0)
                - ((c - 1.0) * special.digamma(c)).sum(-1))


class Beta(Distribution):
    """Beta distribution with ``concentration1`` (alpha) and ``concentration0`` (beta)."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None) -> None:
        from numbers import Number

        from ..ops.creation import tensor
        from .utils import broadcast_all

        if isinstance(concentration1, Number) and isinstance(concentration0, Number):
            c = tensor([float(concentration1), float(concentration0)])  # type: ignore[arg-type]
        else:
            c1, c0 = broadcast_all(concentration1, concentration0)
            c = stack([c1, c0], -1)
        self._dirichlet = Dirichlet(c, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = Size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return self._finish_expand(new, batch_shape)  # type: ignore[no-any-return]

    @property
    def concentration1(self) -> Tensor:
        """First concentration (alpha)."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """Second concentration (beta)."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        """``alpha / (alpha + beta)``."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        """Mode."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        """Variance."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """First coordinate of a two-category Dirichlet sample."""
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        """Log density."""
        self._check(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        """Entropy."""
        return self._dirichlet.entropy()


