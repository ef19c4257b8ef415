"""``ember.distributions``: PyTorch's ``torch.distributions`` (parameterizable distributions, sampling, KL).

Sampling uses ember's random ops on the parameters' device, so every distribution runs on every
backend; log densities, entropies and reparameterized samples differentiate through ember's autograd.
"""

from __future__ import annotations

from . import constraints, transforms
from .continuous import Cauchy, Exponential, Laplace, Normal, StudentT, Uniform
from .discrete import Bernoulli, Binomial, Categorical, Geometric, Multinomial, OneHotCategorical, Poisson
from .distribution import Distribution
from .gamma import Beta, Chi2, Dirichlet, Gamma
from .kl import kl_divergence, register_kl
from .mixture import Gumbel, MixtureSameFamily
from .multivariate_normal import MultivariateNormal
from .transformed import (
    ExpRelaxedCategorical, HalfNormal, Independent, LogitRelaxedBernoulli, LogNormal, RelaxedBernoulli,
    RelaxedOneHotCategorical, TransformedDistribution,
)
from .transforms import (
    AbsTransform, AffineTransform, ComposeTransform, ExpTransform, PowerTransform, SigmoidTransform, SoftplusTransform,
    TanhTransform, Transform, identity_transform,
)

__all__ = [
    "AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2",
    "ComposeTransform", "Dirichlet", "Distribution", "ExpRelaxedCategorical", "ExpTransform", "Exponential", "Gamma",
    "Geometric", "Gumbel", "HalfNormal", "Independent", "Laplace", "LogNormal", "LogitRelaxedBernoulli",
    "MixtureSameFamily", "Multinomial", "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson",
    "PowerTransform", "RelaxedBernoulli", "RelaxedOneHotCategorical", "SigmoidTransform", "SoftplusTransform",
    "StudentT", "TanhTransform", "Transform", "TransformedDistribution", "Uniform", "constraints",
    "identity_transform", "kl_divergence", "register_kl", "transforms",
]
