"""Parity with PyTorch for ops/scan.py: scans, diff, searching, histograms, order statistics, cov, renorm, isin."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember

NAN = float("nan")


def _np(t):
    return t.detach().cpu().numpy()


def _same(e, t, rtol=1e-6, atol=1e-8):
    if isinstance(t, tuple):
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            _same(a, b, rtol, atol)
        return
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol, equal_nan=True)


def _pair(data, dtype="float64", grad=False):
    e = ember.tensor(data, dtype=getattr(ember, dtype))
    t = torch.tensor(data, dtype=getattr(torch, dtype))
    if grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _grads(fe, ft, e, t, rtol=1e-10):
    ge, = ember.autograd.grad(fe.sum(), e)
    gt, = torch.autograd.grad(ft.sum(), t)
    _same(ge, gt, rtol=rtol)


X = [[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0], [6.0, 5.0, 3.0, 5.0, 8.0, 9.0, 7.0], [2.0, NAN, 1.0, 8.0, NAN, 2.0, 8.0]]


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cummax_cummin(name, dim):
    e, t = _pair(X)
    re, rt = getattr(ember, name)(e, dim), getattr(torch, name)(t, dim)
    _same(re.values, rt.values)
    _same(re.indices, rt.indices)
    ie, it = _pair([[3, 1, 3, 7, 7, 0]], "int64")
    _same(tuple(getattr(ember, name)(ie, dim if dim != 0 else 1)), tuple(getattr(torch, name)(it, dim if dim else 1)))
    e, t = _pair(X[:2], grad=True)
    _grads(getattr(ember, name)(e, dim).values, getattr(torch, name)(t, dim).values, e, t)
    _same(tuple(getattr(e, name)(dim)), tuple(getattr(t, name)(dim)))


def test_cummax_edge_cases():
    e, t = _pair(5.0)
    _same(tuple(ember.cummax(e, 0)), tuple(torch.cummax(t, 0)))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.cummax(ember.tensor([1.0]), 2)


def test_logcumsumexp():
    e, t = _pair([[-1000.0, 0.0, 1.0, 2.0, 30.0], [-float("inf"), -1.0, 5.0, 700.0, 0.0]], grad=True)
    for d in (0, 1):
        _same(ember.logcumsumexp(e, d), torch.logcumsumexp(t, d), rtol=1e-12)
    e2, t2 = _pair([[0.5, -2.0, 3.0], [1.0, 2.0, -1.0]], grad=True)
    _grads(ember.logcumsumexp(e2, 1), torch.logcumsumexp(t2, 1), e2, t2)
    _same(e2.logcumsumexp(0), t2.logcumsumexp(0), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ember.logcumsumexp(ember.tensor([1, 2]), 0)


def test_diff():
    e, t = _pair([[1.0, 4.0, 9.0, 16.0], [2.0, 3.0, 5.0, 7.0]], grad=True)
    _same(ember.diff(e), torch.diff(t))
    _same(ember.diff(e, n=2, dim=1), torch.diff(t, n=2, dim=1))
    _same(ember.diff(e, dim=0), torch.diff(t, dim=0))
    pe, pt = _pair([[0.0], [1.0]])
    _same(ember.diff(e, prepend=pe, append=pe), torch.diff(t, prepend=pt, append=pt))
    _same(ember.diff(e, n=5), torch.diff(t, n=5))
    _grads(ember.diff(e, n=2) ** 2, torch.diff(t, n=2) ** 2, e, t)
    be, bt = _pair([True, False, False, True], "bool")
    _same(ember.diff(be), torch.diff(bt))
    ie, it = _pair([1, 5, 2], "int64")
    _same(ie.diff(), it.diff())
    with pytest.raises(RuntimeError, match="order must be non-negative"):
        ember.diff(e, n=-1)
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        ember.diff(ember.tensor(1.0))


def test_trapezoid_family():
    e, t = _pair([[1.0, 2.0, 4.0, 7.0], [0.5, 0.0, 1.0, 3.0]], grad=True)
    xe, xt = _pair([0.0, 1.0, 1.5, 3.5])
    for fe, ft in ((ember.trapezoid, torch.trapezoid), (ember.cumulative_trapezoid, torch.cumulative_trapezoid)):
        _same(fe(e), ft(t))
        _same(fe(e, xe), ft(t, xt))
        _same(fe(e, dx=0.5), ft(t, dx=0.5))
        _same(fe(e, dim=0), ft(t, dim=0))
        _grads(fe(e, xe), ft(t, xt), e, t)
    _same(ember.trapz(e, xe), torch.trapz(t, xt))
    _same(ember.trapz(e, dx=2.0), torch.trapz(t, dx=2.0))
    ie, it = _pair([1, 2, 4], "int64")
    _same(ember.trapezoid(ie), torch.trapezoid(it))


def test_gradient():
    e, t = _pair([[1.0, 2.0, 4.0, 8.0, 16.0], [0.0, 1.0, 0.0, 1.0, 3.0], [2.0, 2.0, 3.0, 5.0, 4.0]])
    for kw in ({}, {"spacing": 2.0}, {"dim": 1}, {"dim": 0, "edge_order": 2}, {"spacing": [0.5, 2.0]},
               {"edge_order": 2}):
        _same(ember.gradient(e, **kw), torch.gradient(t, **kw))
    ce, ct = _pair([0.0, 1.0, 1.5, 3.5, 4.0])
    for eo in (1, 2):
        _same(ember.gradient(e, spacing=(ce,), dim=1, edge_order=eo), torch.gradient(t, spacing=(ct,), dim=1,
                                                                                      edge_order=eo))
    ie, it = _pair([1, 4, 9], "int64")
    _same(ember.gradient(ie), torch.gradient(it))
    with pytest.raises(RuntimeError, match="edge_order"):
        ember.gradient(e, edge_order=3)


def test_searchsorted_bucketize():
    se, st = _pair([1.0, 3.0, 5.0, 7.0, 9.0])
    ve, vt = _pair([[0.0, 3.0, 6.0], [9.0, 10.0, 5.0]])
    for kw in ({}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}):
        _same(ember.searchsorted(se, ve, **kw), torch.searchsorted(st, vt, **kw))
    _same(ember.searchsorted(se, 3), torch.searchsorted(st, 3))
    be, bt = _pair([[1.0, 3.0, 5.0], [2.0, 2.0, 8.0]])
    we, wt = _pair([[2.0, 5.0], [2.0, 9.0]])
    _same(ember.searchsorted(be, we), torch.searchsorted(bt, wt))
    _same(ember.searchsorted(be, we, right=True), torch.searchsorted(bt, wt, right=True))
    ue, ut = _pair([5.0, 1.0, 3.0])
    sorter_e, sorter_t = _pair([1, 2, 0], "int64")
    _same(ember.searchsorted(ue, ve, sorter=sorter_e), torch.searchsorted(ut, vt, sorter=sorter_t))
    _same(ember.bucketize(ve, se), torch.bucketize(vt, st))
    _same(ember.bucketize(ve, se, right=True, out_int32=True), torch.bucketize(vt, st, right=True, out_int32=True))
    _same(ember.bucketize(3, se), torch.bucketize(3, st))
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        ember.searchsorted(se, ve, side="left", right=True)
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ember.searchsorted(be, ember.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        ember.bucketize(ve, be)


def test_isin():
    ee, et = _pair([[1, 2, 3], [4, 5, 6]], "int64")
    te, tt = _pair([2, 6, 9, 2], "int64")
    _same(ember.isin(ee, te), torch.isin(et, tt))
    _same(ember.isin(ee, te, invert=True), torch.isin(et, tt, invert=True))
    _same(ember.isin(ee, 2), torch.isin(et, 2))
    _same(ember.isin(3, ee), torch.isin(3, et))
    _same(ember.isin(ee, ember.tensor([], dtype=ember.int64)), torch.isin(et, torch.tensor([], dtype=torch.int64)))
    fe, ft = _pair([1.5, 2.0])
    _same(ember.isin(fe, te), torch.isin(ft, tt))


def test_histc():
    e, t = _pair([1.0, 2.0, 1.0, 2.5, -1.0, 4.0, 3.0], "float32")
    _same(ember.histc(e), torch.histc(t))
    _same(ember.histc(e, bins=4, min=0, max=3), torch.histc(t, bins=4, min=0, max=3))
    _same(ember.histc(ember.tensor([1.0, 1.0]), bins=2), torch.histc(torch.tensor([1.0, 1.0]), bins=2))
    _same(e.histc(5), t.histc(5))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ember.histc(ember.tensor([1, 2]))


def test_histogram():
    e, t = _pair([1.0, 2.0, 1.0, 2.5, -1.0, 4.0, 3.0])
    w_e, w_t = _pair([1.0, 0.5, 2.0, 1.0, 1.0, 3.0, 0.25])
    for kw in ({}, {"density": True}, {"range": (0.0, 3.0)}, {"range": (0.0, 3.0), "density": True}):
        _same(tuple(ember.histogram(e, 4, **kw)), tuple(torch.histogram(t, 4, **kw)))
        _same(tuple(ember.histogram(e, 3, weight=w_e, **kw)), tuple(torch.histogram(t, 3, weight=w_t, **kw)))
    be, bt = _pair([-1.0, 0.0, 2.0, 2.5, 4.0])
    _same(tuple(ember.histogram(e, be)), tuple(torch.histogram(t, bt)))
    _same(tuple(ember.histogram(e, bins=be, density=True)), tuple(torch.histogram(t, bins=bt, density=True)))
    _same(tuple(e.histogram(2)), tuple(t.histogram(2)))
    r = ember.histogram(e, 2)
    assert r.hist is r[0] and r.bin_edges is r[1]


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(interp):
    e, t = _pair([[1.0, 7.0, 3.0, 2.0, 9.0], [4.0, NAN, 0.0, 5.0, 5.5], [2.5, 2.0, 1.0, 8.0, 6.0]])
    qe, qt = _pair([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])
    for fname in ("quantile", "nanquantile"):
        fe, ft = getattr(ember, fname), getattr(torch, fname)
        _same(fe(e, 0.3, interpolation=interp), ft(t, 0.3, interpolation=interp))
        _same(fe(e, qe, interpolation=interp), ft(t, qt, interpolation=interp))
        for dim in (0, 1, -1):
            for keepdim in (False, True):
                _same(fe(e, qe, dim=dim, keepdim=keepdim, interpolation=interp),
                      ft(t, qt, dim=dim, keepdim=keepdim, interpolation=interp))
                _same(fe(e, 0.4, dim, keepdim, interpolation=interp), ft(t, 0.4, dim, keepdim,
                                                                          interpolation=interp))
        _same(fe(e, qe, keepdim=True), ft(t, qt, keepdim=True))
    g_e, g_t = _pair([[1.0, 7.0, 3.0, 2.0], [4.0, 0.5, 0.0, 5.0]], grad=True)
    _grads(ember.quantile(g_e, qe, dim=1, interpolation=interp), torch.quantile(g_t, qt, dim=1,
                                                                                 interpolation=interp), g_e, g_t)


def test_quantile_errors():
    e = ember.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="must be either float or double"):
        ember.quantile(ember.tensor([1, 2]), 0.5)
    with pytest.raises(RuntimeError, match=r"q must be in the range \[0, 1\] but got 1.5"):
        ember.quantile(e, 1.5)
    with pytest.raises(RuntimeError, match="same dtype as the input"):
        ember.quantile(e, ember.tensor([0.5], dtype=ember.float64))
    with pytest.raises(RuntimeError, match="interpolation must be one of"):
        ember.quantile(e, 0.5, interpolation="foo")
    with pytest.raises(RuntimeError, match="non-empty"):
        ember.quantile(ember.tensor([]), 0.5)


def test_nanmedian():
    e, t = _pair([[NAN, NAN, 3.0], [1.0, NAN, 2.0], [5.0, 4.0, 6.0], [NAN, NAN, NAN]], grad=True)
    _same(ember.nanmedian(e), torch.nanmedian(t))
    for dim in (0, 1):
        for keepdim in (False, True):
            re, rt = ember.nanmedian(e, dim, keepdim), torch.nanmedian(t, dim, keepdim)
            _same(tuple(re), tuple(rt))
    _grads(ember.nanmedian(e, 1).values.nan_to_num(), torch.nanmedian(t, 1).values.nan_to_num(), e, t)
    _same(tuple(e.nanmedian(0)), tuple(t.nanmedian(0)))
    ie, it = _pair([[3, 1, 2, 5]], "int64")
    _same(tuple(ember.nanmedian(ie, 1)), tuple(torch.nanmedian(it, 1)))


def test_mode():
    e, t = _pair([[3, 1, 3, 1, 2], [5, 5, 5, 0, 0], [7, 8, 9, 10, 11]], "int64")
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            _same(tuple(ember.mode(e, dim, keepdim)), tuple(torch.mode(t, dim, keepdim)))
    fe, ft = _pair([[0.5, 0.25, 0.5], [1.0, 2.0, 2.0]], grad=True)
    _same(tuple(fe.mode()), tuple(ft.mode()))
    _grads(ember.mode(fe).values, torch.mode(ft).values, fe, ft)
    _same(tuple(ember.mode(ember.tensor(4))), tuple(torch.mode(torch.tensor(4))))


def test_unique_consecutive():
    e, t = _pair([1, 1, 2, 2, 3, 1, 1, 2], "int64")
    _same(ember.unique_consecutive(e), torch.unique_consecutive(t))
    _same(ember.unique_consecutive(e, return_inverse=True, return_counts=True),
          torch.unique_consecutive(t, return_inverse=True, return_counts=True))
    _same(ember.unique_consecutive(e, return_counts=True), torch.unique_consecutive(t, return_counts=True))
    m_e, m_t = _pair([[1, 1, 2, 2], [1, 1, 2, 3], [1, 1, 2, 3]], "int64")
    _same(ember.unique_consecutive(m_e, return_inverse=True, return_counts=True, dim=0),
          torch.unique_consecutive(m_t, return_inverse=True, return_counts=True, dim=0))
    _same(ember.unique_consecutive(m_e, return_inverse=True, dim=1), torch.unique_consecutive(m_t, return_inverse=True,
                                                                                              dim=1))
    _same(ember.unique_consecutive(m_e, return_inverse=True), torch.unique_consecutive(m_t, return_inverse=True))
    _same(m_e.unique_consecutive(), m_t.unique_consecutive())


def test_cov_corrcoef():
    e, t = _pair([[0.0, 1.0, 2.0, 4.0], [2.0, 1.0, 0.5, 0.0], [1.0, 3.0, 2.0, 7.0]], grad=True)
    fw_e, fw_t = _pair([1, 2, 1, 3], "int64")
    aw_e, aw_t = _pair([0.5, 1.0, 2.0, 0.25])
    for kw_e, kw_t in (({}, {}), ({"correction": 0}, {"correction": 0}), ({"fweights": fw_e}, {"fweights": fw_t}),
                       ({"aweights": aw_e}, {"aweights": aw_t}),
                       ({"fweights": fw_e, "aweights": aw_e, "correction": 2},
                        {"fweights": fw_t, "aweights": aw_t, "correction": 2})):
        _same(ember.cov(e, **kw_e), torch.cov(t, **kw_t), rtol=1e-12)
        _grads(ember.cov(e, **kw_e), torch.cov(t, **kw_t), e, t)
    _same(ember.cov(e[0]), torch.cov(t[0]), rtol=1e-12)
    _same(ember.corrcoef(e), torch.corrcoef(t), rtol=1e-12)
    _grads(ember.corrcoef(e), torch.corrcoef(t), e, t)
    _same(e.cov(), t.cov(), rtol=1e-12)
    ie, it = _pair([[1, 2, 4], [3, 1, 0]], "int64")
    _same(ember.cov(ie), torch.cov(it))
    _same(ember.corrcoef(ie), torch.corrcoef(it))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        _same(ember.cov(ember.tensor([1.0, 2.0, 4.0]), correction=3), torch.cov(torch.tensor([1.0, 2.0, 4.0]),
                                                                                  correction=3))
    assert any("degrees of freedom is <= 0" in str(x.message) for x in w)
    with pytest.raises(RuntimeError, match="fweights cannot be negative"):
        ember.cov(e, fweights=ember.tensor([1, -1, 1, 1]))
    with pytest.raises(RuntimeError, match="two or fewer dimensions"):
        ember.cov(ember.zeros(2, 2, 2))


def test_dist_renorm():
    e, t = _pair([[1.0, 2.0, -2.0], [3.0, 4.0, 0.5]], grad=True)
    oe, ot = _pair([0.5, -1.0, 1.0])
    for p in (2, 1, 3.5, float("inf"), 0):
        _same(ember.dist(e, oe, p), torch.dist(t, ot, p), rtol=1e-12)
    _grads(ember.dist(e, oe), torch.dist(t, ot), e, t)
    for p, dim, maxnorm in ((2, 0, 3.0), (1, 1, 2.0), (2, 1, 100.0)):
        _same(ember.renorm(e, p, dim, maxnorm), torch.renorm(t, p, dim, maxnorm), rtol=1e-12)
        _grads(ember.renorm(e, p, dim, maxnorm), torch.renorm(t, p, dim, maxnorm), e, t)
    c_e, c_t = e.detach().clone(), t.detach().clone()
    c_e.renorm_(2, 0, 3.0)
    c_t.renorm_(2, 0, 3.0)
    _same(c_e, c_t)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.renorm(ember.tensor([1.0]), 2, 0, 1.0)


def test_jax_subset():
    pytest.importorskip("jax")
    from ember import plugins

    if plugins.unavailable_reason(plugins.registered_backends()["jax"]):
        pytest.skip("jax backend unavailable")
    x = ember.tensor([[3.0, 1.0, 4.0, 1.0], [5.0, 9.0, 2.0, 6.0]], device="jax", requires_grad=True)
    xt = torch.tensor([[3.0, 1.0, 4.0, 1.0], [5.0, 9.0, 2.0, 6.0]], requires_grad=True)
    ve, vt = ember.cummax(x, 1), torch.cummax(xt, 1)
    assert ve.indices.cpu().tolist() == vt.indices.tolist()
    ve.values.sum().backward()
    vt.values.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), xt.grad.numpy(), rtol=1e-5)
    s = ember.tensor([1.0, 3.0, 5.0], device="jax")
    assert ember.searchsorted(s, ember.tensor([0.0, 3.0, 6.0], device="jax")).cpu().tolist() == [0, 1, 3]


def test_histogramdd():
    pts = [[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.5, 1.5], [3.0, -1.0]]
    e, t = _pair(pts)
    w_e, w_t = _pair([1.0, 2.0, 4.0, 8.0, 0.5, 3.0])
    for kw_e, kw_t in (({"bins": 4}, {"bins": 4}), ({"bins": [3, 2]}, {"bins": [3, 2]}),
                       ({"bins": 2, "range": [0.0, 1.0, 0.0, 2.0], "density": True},
                        {"bins": 2, "range": [0.0, 1.0, 0.0, 2.0], "density": True}),
                       ({"bins": [3, 3], "weight": w_e}, {"bins": [3, 3], "weight": w_t})):
        re, rt = ember.histogramdd(e, **kw_e), torch.histogramdd(t, **kw_t)
        _same(re.hist, rt.hist)
        _same(tuple(re.bin_edges), tuple(rt.bin_edges))
    be = [ember.tensor([0.0, 1.0, 2.0], dtype=ember.float64), ember.tensor([0.0, 2.0], dtype=ember.float64)]
    bt = [torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64), torch.tensor([0.0, 2.0], dtype=torch.float64)]
    _same(ember.histogramdd(e, bins=be).hist, torch.histogramdd(t, bins=bt).hist)
    with pytest.raises(RuntimeError, match="size of bins must be equal to the innermost dimension"):
        ember.histogramdd(e, bins=[2])


def test_trapezoid_2d_x_and_diff_errors():
    ye, yt = _pair([[1.0, 2.0, 4.0], [0.0, 1.0, 5.0]], grad=True)
    xe, xt = _pair([[0.0, 1.0, 3.0], [0.0, 2.0, 3.0]])
    for dim in (0, 1):
        _same(ember.trapezoid(ye, xe, dim=dim), torch.trapezoid(yt, xt, dim=dim))
        _same(ember.cumulative_trapezoid(ye, xe, dim=dim), torch.cumulative_trapezoid(yt, xt, dim=dim))
    _grads(ember.trapezoid(ye, xe), torch.trapezoid(yt, xt), ye, yt)
    with pytest.raises(RuntimeError, match="same dimension as input"):
        ember.diff(ye, prepend=ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="is not finite"):
        ember.histc(ember.tensor([1.0, float("nan")]), bins=2)


def test_cummax_node_name():
    e, t = _pair([[3.0, 1.0, 4.0]], grad=True)
    for name in ("cummax", "cummin"):
        assert type(getattr(ember, name)(e, 1).values.grad_fn).__name__ == \
            type(getattr(torch, name)(t, 1).values.grad_fn).__name__


def test_logcumsumexp_pytorch_gradient():
    data = [[-1000.0, 0.0, 1.0, 2.0, 30.0], [-float("inf"), -1.0, 5.0, 700.0, 0.0]]
    e, t = _pair(data, grad=True)
    we, wt = _pair([1.0, -2.0, 0.5, 3.0, -1.0])
    re, rt = ember.logcumsumexp(e, 1), torch.logcumsumexp(t, 1)
    assert type(re.grad_fn).__name__ == type(rt.grad_fn).__name__ == "LogcumsumexpBackward0"
    ge, = ember.autograd.grad((re * we).sum(), e, create_graph=True)
    gt, = torch.autograd.grad((rt * wt).sum(), t, create_graph=True)
    _same(ge, gt, rtol=1e-12)
    gge, = ember.autograd.grad((ge * we).sum(), e)
    ggt, = torch.autograd.grad((gt * wt).sum(), t)
    _same(gge, ggt, rtol=1e-9, atol=1e-12)
