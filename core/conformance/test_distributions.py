"""ember.special and ember.distributions on every backend: a few small cases against closed forms
from Python's ``math`` module (no PyTorch or SciPy needed).

The special functions and distributions are composites of ember's elementwise ops and random
draws, so a backend passing these runs them all; shapes stay tiny to keep compile-per-shape
backends (XLA) fast.
"""

from __future__ import annotations

import math

import numpy as np

import ember
import ember.distributions as D

from ._helpers import skip_unsupported, to_numpy

X = [0.3, 1.0, 2.5, 7.0]


def test_special_gamma_and_error_functions(device: str) -> None:
    skip_unsupported(device, "float32")
    x = ember.tensor(X, device=device)
    np.testing.assert_allclose(to_numpy(ember.special.gammaln(x)), [math.lgamma(v) for v in X], rtol=2e-6,
                               atol=1e-6)
    np.testing.assert_allclose(to_numpy(ember.special.erfc(x)), [math.erfc(v) for v in X], rtol=2e-6, atol=1e-12)
    # digamma is lgamma's derivative: compare with a central difference of math.lgamma
    h = 1e-5
    want = [(math.lgamma(v + h) - math.lgamma(v - h)) / (2 * h) for v in X]
    np.testing.assert_allclose(to_numpy(ember.special.digamma(x)), want, rtol=1e-5, atol=1e-5)
    y = ember.tensor([-0.9, -0.2, 0.4, 0.99], device=device)
    inv = to_numpy(ember.special.erfinv(y))
    np.testing.assert_allclose([math.erf(v) for v in inv], to_numpy(y), rtol=2e-6, atol=1e-6)


def test_special_gradient(device: str) -> None:
    skip_unsupported(device, "float32")
    x = ember.tensor(X, device=device, requires_grad=True)
    ember.special.gammaln(x).sum().backward()
    assert x.grad is not None
    h = 1e-5
    want = [(math.lgamma(v + h) - math.lgamma(v - h)) / (2 * h) for v in X]
    np.testing.assert_allclose(to_numpy(x.grad), want, rtol=1e-4, atol=1e-4)


def test_normal(device: str) -> None:
    skip_unsupported(device, "float32")
    loc = ember.tensor([0.0, 1.0], device=device, requires_grad=True)
    scale = ember.tensor([1.0, 2.0], device=device)
    d = D.Normal(loc, scale)
    v = [0.5, -1.0]
    lp = d.log_prob(ember.tensor(v, device=device))
    want = [-((a - m) ** 2) / (2 * s * s) - math.log(s) - 0.5 * math.log(2 * math.pi)
            for a, m, s in zip(v, [0.0, 1.0], [1.0, 2.0])]
    np.testing.assert_allclose(to_numpy(lp), want, rtol=1e-6)
    lp.sum().backward()
    assert loc.grad is not None
    np.testing.assert_allclose(to_numpy(loc.grad), [0.5, -0.5], rtol=1e-6)
    np.testing.assert_allclose(to_numpy(d.cdf(ember.tensor(v, device=device))),
                               [0.5 * math.erfc(-(a - m) / (s * math.sqrt(2)))
                                for a, m, s in zip(v, [0.0, 1.0], [1.0, 2.0])], rtol=1e-6)
    kl = D.kl_divergence(d, D.Normal(ember.zeros(2, device=device), 1.0))
    np.testing.assert_allclose(to_numpy(kl), [0.0, 0.5 * (4 + 1 - 1 - math.log(4))], rtol=1e-6, atol=1e-7)
    s = d.rsample((3,))
    assert tuple(s.shape) == (3, 2) and s.device.type == ember.device(device).type


def test_sampling_moments(device: str) -> None:
    skip_unsupported(device, "float32")
    ember.manual_seed(0)
    n = 4000
    g = D.Gamma(ember.tensor([2.0], device=device), ember.tensor([1.0], device=device)).sample((n,))
    assert float(g.min()) > 0
    assert abs(float(g.mean()) - 2.0) < 6 * math.sqrt(2.0 / n)
    c = D.Categorical(probs=ember.tensor([0.2, 0.8], device=device)).sample((n,))
    assert c.dtype == ember.int64 and abs(float(c.float().mean()) - 0.8) < 6 * math.sqrt(0.16 / n)
    b = D.Bernoulli(probs=ember.tensor([0.3], device=device))
    np.testing.assert_allclose(to_numpy(b.log_prob(ember.tensor([1.0], device=device))), [math.log(0.3)],
                               rtol=1e-6)
