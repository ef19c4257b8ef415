"""ember.distributions against torch.distributions: values, gradients, sampling moments, KL, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
import torch.distributions as TD
from _devices import device_params

import ember
import ember.distributions as ED

RNG = np.random.default_rng(0)
POS = np.array([0.7, 1.3, 2.5, 4.0])
REAL = np.array([-1.2, 0.3, 0.9, 2.2])
PROB = np.array([0.15, 0.4, 0.5, 0.85])
SIMPLEX = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])


def _e(a: Any, dtype: Any = ember.float64, **kw: Any) -> ember.Tensor:
    return ember.tensor(np.array(a), dtype=dtype, **kw)


def _t(a: Any, dtype: Any = torch.float64, **kw: Any) -> torch.Tensor:
    return torch.tensor(np.array(a), dtype=dtype, **kw)


def _close(got: Any, want: Any, rtol: float = 1e-7, atol: float = 1e-9) -> None:
    g = got.detach().cpu().numpy() if isinstance(got, ember.Tensor) else np.asarray(got)
    w = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert g.shape == w.shape, (g.shape, w.shape)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)


# name -> (params as numpy arrays / numbers, values to score)
CASES: dict[str, tuple[dict[str, Any], Any]] = {
    "Normal": ({"loc": REAL, "scale": POS}, REAL[::-1]),
    "Uniform": ({"low": REAL, "high": REAL + POS}, REAL + 0.3 * POS),
    "Exponential": ({"rate": POS}, POS[::-1]),
    "Laplace": ({"loc": REAL, "scale": POS}, REAL[::-1]),
    "Cauchy": ({"loc": REAL, "scale": POS}, REAL[::-1]),
    "HalfNormal": ({"scale": POS}, POS[::-1]),
    "LogNormal": ({"loc": REAL, "scale": POS}, POS[::-1]),
    "StudentT": ({"df": POS + 2, "loc": REAL, "scale": POS}, REAL[::-1]),
    "Gamma": ({"concentration": POS, "rate": POS[::-1]}, POS),
    "Chi2": ({"df": POS}, POS[::-1]),
    "Beta": ({"concentration1": POS, "concentration0": POS[::-1]}, PROB),
    "Dirichlet": ({"concentration": np.array([[0.5, 1.5, 3.0], [2.0, 2.0, 0.7]])}, SIMPLEX),
    "Bernoulli": ({"probs": PROB}, np.array([0.0, 1.0, 1.0, 0.0])),
    "Geometric": ({"probs": PROB}, np.array([0.0, 3.0, 1.0, 7.0])),
    "Binomial": ({"total_count": 6, "probs": PROB}, np.array([0.0, 3.0, 6.0, 2.0])),
    "Poisson": ({"rate": POS}, np.array([0.0, 1.0, 4.0, 2.0])),
    "Categorical": ({"probs": SIMPLEX}, np.array([2, 0])),
    "OneHotCategorical": ({"probs": SIMPLEX}, np.eye(3)[[2, 0]]),
    "Multinomial": ({"total_count": 5, "probs": SIMPLEX}, np.array([[1.0, 1.0, 3.0], [5.0, 0.0, 0.0]])),
    "Gumbel": ({"loc": REAL, "scale": POS}, REAL[::-1]),
}
LOGITS_CASES = {"Bernoulli": REAL, "Categorical": np.log(SIMPLEX), "Geometric": REAL, "Binomial": REAL}


def _make(name: str, params: dict[str, Any], lib: str, requires_grad: bool = False) -> tuple[Any, dict[str, Any]]:
    mod, conv = (ED, _e) if lib == "ember" else (TD, _t)
    kw: dict[str, Any] = {}
    for k, v in params.items():
        kw[k] = v if isinstance(v, (int, float)) else conv(v, requires_grad=requires_grad)
    return getattr(mod, name)(**kw), kw


@pytest.mark.parametrize("name", sorted(CASES))
def test_values(name: str) -> None:
    params, value = CASES[name]
    de, _ = _make(name, params, "ember")
    dt, _ = _make(name, params, "torch")
    assert tuple(de.batch_shape) == tuple(dt.batch_shape) and tuple(de.event_shape) == tuple(dt.event_shape)
    assert de.has_rsample == dt.has_rsample
    vdt = ember.int64 if name == "Categorical" else ember.float64
    tdt = torch.int64 if name == "Categorical" else torch.float64
    _close(de.log_prob(_e(value, vdt)), dt.log_prob(_t(value, tdt)))
    for attr in ("mean", "variance", "stddev", "mode"):
        try:
            want = getattr(dt, attr)
        except NotImplementedError:
            continue
        _close(getattr(de, attr), want)
    try:
        want = dt.entropy()
    except NotImplementedError:
        want = None
    if want is not None:
        _close(de.entropy(), want)
    if name in ("Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "HalfNormal", "LogNormal", "Gamma",
                "Gumbel"):
        _close(de.cdf(_e(value)), dt.cdf(_t(value)))
    if name in ("Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "HalfNormal", "LogNormal"):
        _close(de.icdf(_e(PROB)), dt.icdf(_t(PROB)))


@pytest.mark.parametrize("name", sorted(LOGITS_CASES))
def test_logits_parameterization(name: str) -> None:
    logits = LOGITS_CASES[name]
    extra = {"total_count": 6} if name == "Binomial" else {}
    de = getattr(ED, name)(logits=_e(logits), **extra)
    dt = getattr(TD, name)(logits=_t(logits), **extra)
    _close(de.probs, dt.probs)
    _close(de.logits, dt.logits)
    value = CASES[name][1]
    vdt = ember.int64 if name == "Categorical" else ember.float64
    tdt = torch.int64 if name == "Categorical" else torch.float64
    _close(de.log_prob(_e(value, vdt)), dt.log_prob(_t(value, tdt)))
    _close(de.entropy(), dt.entropy())


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "StudentT", "Dirichlet", "Laplace", "LogNormal",
                                  "Bernoulli", "Categorical", "Poisson", "Binomial"])
def test_log_prob_gradients(name: str) -> None:
    params, value = CASES[name]
    de, ke = _make(name, params, "ember", requires_grad=True)
    dt, kt = _make(name, params, "torch", requires_grad=True)
    vdt = ember.int64 if name == "Categorical" else ember.float64
    tdt = torch.int64 if name == "Categorical" else torch.float64
    has_entropy = name != "Poisson"  # torch's Poisson has no entropy
    (de.log_prob(_e(value, vdt)).sum() + (de.entropy().sum() if has_entropy else 0)).backward()
    (dt.log_prob(_t(value, tdt)).sum() + (dt.entropy().sum() if has_entropy else 0)).backward()
    for k in ke:
        if isinstance(ke[k], ember.Tensor):
            _close(ke[k].grad, kt[k].grad, rtol=1e-6)


def test_rsample_is_reparameterized() -> None:
    # with fixed noise: Normal.rsample = loc + eps * scale, so d/dloc = 1 and d/dscale = eps
    ember.manual_seed(0)
    loc = _e(REAL, requires_grad=True)
    scale = _e(POS, requires_grad=True)
    d = ED.Normal(loc, scale)
    x = d.rsample()
    x.sum().backward()
    eps = (x.detach() - loc.detach()) / scale.detach()
    _close(loc.grad, np.ones(4))
    _close(scale.grad, eps)
    # the same through an affine TransformedDistribution and an Independent wrapper
    loc.grad = None
    td = ED.Independent(ED.TransformedDistribution(ED.Normal(loc, scale), [ED.AffineTransform(1.0, 3.0)]), 1)
    td.rsample().sum().backward()
    _close(loc.grad, 3 * np.ones(4))


@pytest.mark.parametrize("name,params", [
    ("Normal", {"loc": REAL, "scale": POS}), ("Gamma", {"concentration": POS, "rate": POS[::-1]}),
    ("Beta", {"concentration1": POS, "concentration0": POS[::-1]}), ("Exponential", {"rate": POS}),
    ("Uniform", {"low": REAL, "high": REAL + POS}), ("Laplace", {"loc": REAL, "scale": POS}),
    ("Poisson", {"rate": POS}), ("Binomial", {"total_count": 6, "probs": PROB}), ("Bernoulli", {"probs": PROB}),
    ("Geometric", {"probs": PROB}), ("StudentT", {"df": POS + 4, "loc": REAL, "scale": POS}),
    ("LogNormal", {"loc": REAL / 4, "scale": POS / 4}), ("Chi2", {"df": POS}), ("Gumbel", {"loc": REAL, "scale": POS}),
])
def test_sample_moments(name: str, params: dict[str, Any]) -> None:
    ember.manual_seed(1)
    d, _ = _make(name, params, "ember")
    n = 20000
    s = d.sample((n,))
    assert tuple(s.shape) == (n, *tuple(d.batch_shape))
    assert bool(d.support.check(s).all())
    mean, var = d.mean.numpy(), d.variance.numpy()
    se = np.sqrt(var / n)
    np.testing.assert_array_less(np.abs(s.numpy().mean(0) - mean), 5 * se + 1e-12)
    np.testing.assert_allclose(s.numpy().var(0), var, rtol=0.1)


def test_rsample_gradient_gamma_dirichlet() -> None:
    # E[d x / d alpha] for x ~ Gamma(alpha, rate) is d(alpha / rate)/d alpha = 1 / rate
    ember.manual_seed(2)
    conc = _e([0.5, 2.0, 7.0], requires_grad=True)
    rate = _e([1.0, 2.0, 0.5], requires_grad=True)
    ED.Gamma(conc, rate).rsample((4000,)).mean(0).sum().backward()
    np.testing.assert_allclose(conc.grad.numpy(), 1 / np.array([1.0, 2.0, 0.5]), rtol=0.08)
    np.testing.assert_allclose(rate.grad.numpy(), -np.array([0.5, 2.0, 7.0]) / np.array([1.0, 2.0, 0.5]) ** 2,
                               rtol=0.08)
    # Beta mean a / (a + b): d/da = b / (a + b)^2
    a = _e([2.0], requires_grad=True)
    b = _e([3.0], requires_grad=True)
    ED.Beta(a, b).rsample((4000,)).mean().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0 / 25.0], rtol=0.1)
    np.testing.assert_allclose(b.grad.numpy(), [-2.0 / 25.0], rtol=0.1)


MVN_COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])


@pytest.mark.parametrize("param", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal(param: str) -> None:
    mat = {"covariance_matrix": MVN_COV, "precision_matrix": np.linalg.inv(MVN_COV),
           "scale_tril": np.linalg.cholesky(MVN_COV)}[param]
    loc = np.array([[0.1, -0.4, 1.0], [1.0, 2.0, 3.0]])
    le, me = _e(loc, requires_grad=True), _e(mat, requires_grad=True)
    lt, mt = _t(loc, requires_grad=True), _t(mat, requires_grad=True)
    de = ED.MultivariateNormal(le, **{param: me})
    dt = TD.MultivariateNormal(lt, **{param: mt})
    x = RNG.normal(size=(5, 2, 3))
    _close(de.log_prob(_e(x)), dt.log_prob(_t(x)))
    _close(de.entropy(), dt.entropy())
    _close(de.variance, dt.variance)
    for attr in ("covariance_matrix", "precision_matrix", "scale_tril"):
        _close(getattr(de, attr), getattr(dt, attr), rtol=1e-6, atol=1e-10)
    de.log_prob(_e(x)).sum().backward()
    dt.log_prob(_t(x)).sum().backward()
    _close(le.grad, lt.grad)
    _close(me.grad, mt.grad, rtol=1e-6, atol=1e-10)
    q_e = ED.MultivariateNormal(_e([0.0, 0.5, 0.0]), scale_tril=_e(np.eye(3) * 1.5))
    q_t = TD.MultivariateNormal(_t([0.0, 0.5, 0.0]), scale_tril=_t(np.eye(3) * 1.5))
    _close(ED.kl_divergence(de, q_e), TD.kl_divergence(dt, q_t))
    assert tuple(de.rsample((4,)).shape) == (4, 2, 3)


def test_linalg_fallback(monkeypatch: Any) -> None:
    # the composites MultivariateNormal uses when ember.linalg lacks cholesky/solve_triangular
    from ember.distributions import _linalg

    monkeypatch.setattr(_linalg, "_lin", lambda: None)
    a = _e(np.stack([MVN_COV, MVN_COV * 2 + np.eye(3)]))
    ell = _linalg.cholesky(a)
    _close(ell, np.linalg.cholesky(a.numpy()))
    b = _e(RNG.normal(size=(2, 3, 2)))
    _close(_linalg.solve_lower(ell, b), np.linalg.solve(ell.numpy(), b.numpy()))
    assert bool(_linalg.cholesky_ok(a).all())
    de = ED.MultivariateNormal(_e([0.0, 1.0, 2.0]), precision_matrix=_e(np.linalg.inv(MVN_COV)))
    dt = TD.MultivariateNormal(_t([0.0, 1.0, 2.0]), precision_matrix=_t(np.linalg.inv(MVN_COV)))
    _close(de.log_prob(_e([0.5, 0.5, 0.5])), dt.log_prob(_t([0.5, 0.5, 0.5])))


KL_PAIRS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("Normal", {"loc": REAL, "scale": POS}, {"loc": REAL[::-1], "scale": POS[::-1]}),
    ("Bernoulli", {"probs": PROB}, {"probs": PROB[::-1]}),
    ("Categorical", {"probs": SIMPLEX}, {"probs": SIMPLEX[::-1]}),
    ("OneHotCategorical", {"probs": SIMPLEX}, {"probs": SIMPLEX[::-1]}),
    ("Uniform", {"low": REAL, "high": REAL + 1}, {"low": REAL - 1, "high": REAL + 2}),
    ("Exponential", {"rate": POS}, {"rate": POS[::-1]}),
    ("Gamma", {"concentration": POS, "rate": POS[::-1]}, {"concentration": POS[::-1], "rate": POS}),
    ("Beta", {"concentration1": POS, "concentration0": POS[::-1]}, {"concentration1": POS[::-1],
                                                                     "concentration0": POS}),
    ("Dirichlet", {"concentration": SIMPLEX * 3}, {"concentration": SIMPLEX[::-1] * 2}),
    ("Laplace", {"loc": REAL, "scale": POS}, {"loc": REAL[::-1], "scale": POS[::-1]}),
    ("Poisson", {"rate": POS}, {"rate": POS[::-1]}),
    ("Geometric", {"probs": PROB}, {"probs": PROB[::-1]}),
    ("Cauchy", {"loc": REAL, "scale": POS}, {"loc": REAL[::-1], "scale": POS[::-1]}),
    ("LogNormal", {"loc": REAL, "scale": POS}, {"loc": REAL[::-1], "scale": POS[::-1]}),
    ("HalfNormal", {"scale": POS}, {"scale": POS[::-1]}),
    ("Binomial", {"total_count": 5, "probs": PROB}, {"total_count": 5, "probs": PROB[::-1]}),
]


@pytest.mark.parametrize("name,p,q", KL_PAIRS, ids=[c[0] for c in KL_PAIRS])
def test_kl(name: str, p: dict[str, Any], q: dict[str, Any]) -> None:
    pe, ke = _make(name, p, "ember", requires_grad=True)
    qe, _ = _make(name, q, "ember")
    pt, kt = _make(name, p, "torch", requires_grad=True)
    qt, _ = _make(name, q, "torch")
    kle, klt = ED.kl_divergence(pe, qe), TD.kl_divergence(pt, qt)
    _close(kle, klt)
    if np.isfinite(klt.detach().numpy()).all():
        kle.sum().backward()
        klt.sum().backward()
        for k in ke:
            if isinstance(ke[k], ember.Tensor):
                _close(ke[k].grad, kt[k].grad, rtol=1e-6)


def test_kl_registry_and_independent() -> None:
    pe = ED.Independent(ED.Normal(_e(REAL), _e(POS)), 1)
    qe = ED.Independent(ED.Normal(_e(REAL[::-1]), _e(POS)), 1)
    pt = TD.Independent(TD.Normal(_t(REAL), _t(POS)), 1)
    qt = TD.Independent(TD.Normal(_t(REAL[::-1]), _t(POS)), 1)
    _close(ED.kl_divergence(pe, qe), TD.kl_divergence(pt, qt))
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for Normal x Exponential"):
        ED.kl_divergence(ED.Normal(0.0, 1.0), ED.Exponential(1.0))

    class MyNormal(ED.Normal):
        pass

    @ED.register_kl(MyNormal, ED.Exponential)
    def _kl(p: Any, q: Any) -> Any:
        return p.loc * 0 + 42.0

    assert float(ED.kl_divergence(MyNormal(0.0, 1.0), ED.Exponential(1.0))) == 42.0
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        ED.register_kl(int, ED.Normal)


def test_transforms_and_transformed_distribution() -> None:
    x = _e(REAL)
    xt = _t(REAL)
    for te, tt in [(ED.ExpTransform(), TD.ExpTransform()), (ED.SigmoidTransform(), TD.SigmoidTransform()),
                   (ED.TanhTransform(), TD.TanhTransform()), (ED.AffineTransform(1.0, -2.0),
                                                               TD.AffineTransform(1.0, -2.0)),
                   (ED.SoftplusTransform(), TD.SoftplusTransform())]:
        ye, yt = te(x), tt(xt)
        _close(ye, yt)
        _close(te.inv(ye), tt.inv(yt))
        _close(te.log_abs_det_jacobian(x, ye), tt.log_abs_det_jacobian(xt, yt))
    be, bt = ED.Normal(_e(REAL), _e(POS)), TD.Normal(_t(REAL), _t(POS))
    de = ED.TransformedDistribution(be, [ED.AffineTransform(0.5, 0.3), ED.TanhTransform()])
    dt = TD.TransformedDistribution(bt, [TD.AffineTransform(0.5, 0.3), TD.TanhTransform()])
    v = np.array([-0.5, 0.1, 0.3, 0.8])
    _close(de.log_prob(_e(v)), dt.log_prob(_t(v)))
    _close(de.cdf(_e(v)), dt.cdf(_t(v)))
    assert tuple(de.sample((3,)).shape) == (3, 4)
    ce = ED.ComposeTransform([ED.ExpTransform(), ED.AffineTransform(1.0, 2.0)])
    ct = TD.ComposeTransform([TD.ExpTransform(), TD.AffineTransform(1.0, 2.0)])
    _close(ce.log_abs_det_jacobian(x, ce(x)), ct.log_abs_det_jacobian(xt, ct(xt)))


def test_mixture_same_family() -> None:
    loc, scale = np.tile(REAL[:3], (2, 1)), np.tile(POS[:3], (2, 1))
    le = _e(loc, requires_grad=True)
    lt = _t(loc, requires_grad=True)
    de = ED.MixtureSameFamily(ED.Categorical(_e(SIMPLEX)), ED.Normal(le, _e(scale)))
    dt = TD.MixtureSameFamily(TD.Categorical(_t(SIMPLEX)), TD.Normal(lt, _t(scale)))
    x = np.array([[0.3, 1.0], [2.0, -1.0], [0.0, 0.0]])
    _close(de.log_prob(_e(x)), dt.log_prob(_t(x)))
    _close(de.cdf(_e(x)), dt.cdf(_t(x)))
    _close(de.mean, dt.mean)
    _close(de.variance, dt.variance)
    de.log_prob(_e(x)).sum().backward()
    dt.log_prob(_t(x)).sum().backward()
    _close(le.grad, lt.grad)
    ember.manual_seed(4)
    s = de.sample((20000,))
    assert tuple(s.shape) == (20000, 2)
    np.testing.assert_allclose(s.numpy().mean(0), dt.mean.detach().numpy(), atol=0.05)
    with pytest.raises(ValueError, match="does not equal `component_distribution.batch_shape\\[-1\\]`"):
        ED.MixtureSameFamily(ED.Categorical(_e(SIMPLEX)), ED.Normal(_e(np.zeros((2, 4))), 1.0))


def test_relaxed() -> None:
    t = 0.7
    de = ED.RelaxedBernoulli(_e([t]), probs=_e(PROB))
    dt = TD.RelaxedBernoulli(_t([t]), probs=_t(PROB))
    _close(de.log_prob(_e(PROB[::-1])), dt.log_prob(_t(PROB[::-1])))
    de2 = ED.RelaxedOneHotCategorical(_e([t]), probs=_e(SIMPLEX))
    dt2 = TD.RelaxedOneHotCategorical(_t([t]), probs=_t(SIMPLEX))
    _close(de2.log_prob(_e(SIMPLEX[::-1])), dt2.log_prob(_t(SIMPLEX[::-1])))
    s = de2.rsample((5,))
    assert tuple(s.shape) == (5, 2, 3)
    _close(s.sum(-1), np.ones((5, 2)))


def test_expand_and_shapes() -> None:
    de = ED.Normal(_e([0.0, 1.0]), 1.0).expand((3, 2))
    assert tuple(de.batch_shape) == (3, 2)
    assert tuple(de.sample((4,)).shape) == (4, 3, 2)
    assert tuple(ED.Categorical(_e(SIMPLEX)).expand((5, 2)).sample().shape) == (5, 2)
    assert tuple(ED.Dirichlet(_e(SIMPLEX)).expand((4, 2)).rsample().shape) == (4, 2, 3)
    ind = ED.Independent(ED.Normal(_e(np.zeros((2, 3))), 1.0), 1)
    assert (tuple(ind.batch_shape), tuple(ind.event_shape)) == ((2,), (3,))
    assert tuple(ind.log_prob(_e(np.zeros((2, 3)))).shape) == (2,)
    _close(ED.Bernoulli(_e(PROB)).enumerate_support(), TD.Bernoulli(_t(PROB)).enumerate_support())
    _close(ED.Categorical(_e(SIMPLEX)).enumerate_support(), TD.Categorical(_t(SIMPLEX)).enumerate_support())
    assert repr(ED.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(ED.constraints.positive) == repr(TD.constraints.positive)
    assert repr(ED.constraints.interval(0.0, 1.0)) == repr(TD.constraints.interval(0.0, 1.0))
    assert repr(ED.constraints.real_vector) == repr(TD.constraints.real_vector)


def _msg(fn: Any) -> str:
    with pytest.raises(ValueError) as info:
        fn()
    return str(info.value)


def test_validation_errors() -> None:
    got = _msg(lambda: ED.Normal(_e([0.0]), _e([-1.0])))
    want = _msg(lambda: TD.Normal(_t([0.0]), _t([-1.0])))
    assert got.split("of distribution")[0] == want.split("of distribution")[0]
    assert "to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values" in got
    got = _msg(lambda: ED.Normal(0.0, 1.0).log_prob(1.0))
    assert got == _msg(lambda: TD.Normal(0.0, 1.0).log_prob(1.0))
    got = _msg(lambda: ED.Exponential(_e([1.0])).log_prob(_e([-1.0])))
    assert "to be within the support (GreaterThanEq(lower_bound=0.0))" in got
    assert got.split("of the distribution")[0] == _msg(lambda: TD.Exponential(_t([1.0])).log_prob(
        _t([-1.0]))).split("of the distribution")[0]
    assert _msg(lambda: ED.Bernoulli()) == "Either `probs` or `logits` must be specified, but not both."
    assert _msg(lambda: ED.Categorical(probs=_e(0.3))) == "`probs` parameter must be at least one-dimensional."
    got = _msg(lambda: ED.MultivariateNormal(_e([0.0, 0.0]), _e(np.eye(2)), scale_tril=_e(np.eye(2))))
    assert got == "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified."
    got = _msg(lambda: ED.Dirichlet(_e([1.0, 2.0])).log_prob(_e([[0.3, 0.3, 0.4]])))
    assert got.startswith("The right-most size of value must match event_shape")
    got = _msg(lambda: ED.Normal(_e([0.0, 1.0]), 1.0).log_prob(_e([0.0, 1.0, 2.0])))
    assert got.startswith("Value is not broadcastable with batch_shape+event_shape")
    # validation can be switched off per instance and globally
    ED.Normal(_e([0.0]), _e([-1.0]), validate_args=False)
    ED.Distribution.set_default_validate_args(False)
    try:
        ED.Normal(_e([0.0]), _e([-1.0]))
    finally:
        ED.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        ED.Distribution.set_default_validate_args("yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("device", device_params())
def test_devices(device: str) -> None:
    ember.manual_seed(3)
    loc = ember.tensor([0.5, -1.0], device=device, requires_grad=True)
    scale = ember.tensor([1.0, 2.0], device=device, requires_grad=True)
    d = ED.Normal(loc, scale)
    x = ember.tensor([0.0, 1.0], device=device)
    lp = d.log_prob(x)
    want = TD.Normal(torch.tensor([0.5, -1.0]), torch.tensor([1.0, 2.0])).log_prob(torch.tensor([0.0, 1.0]))
    _close(lp, want, rtol=1e-6)
    lp.sum().backward()
    assert loc.grad is not None and scale.grad is not None
    s = d.rsample((3,))
    assert s.device == loc.device and tuple(s.shape) == (3, 2)
    c = ED.Categorical(logits=ember.tensor([[0.1, 0.2, 0.7]], device=device))
    assert c.sample((5,)).device == loc.device
    g = ED.Gamma(ember.tensor([2.0], device=device), ember.tensor([1.0], device=device))
    assert bool((g.sample((10,)) > 0).all())
    _close(ED.kl_divergence(d, ED.Normal(ember.zeros(2, device=device), 1.0)),
           TD.kl_divergence(TD.Normal(torch.tensor([0.5, -1.0]), torch.tensor([1.0, 2.0])),
                            TD.Normal(torch.zeros(2), 1.0)), rtol=1e-6)
    _ = math.pi
