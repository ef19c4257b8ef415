"""Parity with PyTorch for ops/index_extra.py: index_* family, scatter_reduce, masked_scatter, put, *_scatter,
as_strided, unfold, fill_diagonal_, sum_to_size, resize_, legacy constructors, callables and storage queries."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember


def _np(t):
    return t.detach().cpu().numpy()


def _same(e, t, rtol=1e-7):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=1e-12, equal_nan=True)


def _pair(data, dtype="float64", grad=False):
    e = ember.tensor(data, dtype=getattr(ember, dtype))
    t = torch.tensor(data, dtype=getattr(torch, dtype))
    if grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _grads(fe, ft, es, ts):
    ge = ember.autograd.grad((fe * ember.arange(fe.numel(), dtype=fe.dtype).reshape(fe.shape)).sum(), es,
                             allow_unused=True)
    gt = torch.autograd.grad((ft * torch.arange(ft.numel(), dtype=ft.dtype).reshape(ft.shape)).sum(), ts,
                             allow_unused=True)
    for a, b in zip(ge, gt):
        if b is None:
            assert a is None or not a.abs().sum().item()
        else:
            _same(a, b)


M = [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]


def test_index_fill_copy():
    e, t = _pair(M, grad=True)
    ie, it = _pair([0, 2], "int64")
    for dim in (0, 1):
        _same(ember.index_fill(e, dim, ie, -1.0), torch.index_fill(t, dim, it, -1.0))
        _same(e.index_fill(dim, ie, ember.tensor(5.0, dtype=ember.float64)),
              t.index_fill(dim, it, torch.tensor(5.0, dtype=torch.float64)))
        _grads(ember.index_fill(e, dim, ie, 0.5), torch.index_fill(t, dim, it, 0.5), (e,), (t,))
    se, st = _pair([[0.5, 0.25, 0.125, 1.0], [2.0, 3.0, 4.0, 5.0]], grad=True)
    _same(ember.index_copy(e, 0, ie, se), torch.index_copy(t, 0, it, st))
    _grads(ember.index_copy(e, 0, ie, se), torch.index_copy(t, 0, it, st), (e, se), (t, st))
    c_e, c_t = e.detach().clone(), t.detach().clone()
    c_e.index_fill_(1, ie, 7.0)
    c_t.index_fill_(1, it, 7.0)
    _same(c_e, c_t)
    c_e.index_copy_(0, ie, se.detach())
    c_t.index_copy_(0, it, st.detach())
    _same(c_e, c_t)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        ember.index_fill(e, 0, ie, ember.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.index_copy(e, 0, ie, se.float())


def test_index_put():
    e, t = _pair(M, grad=True)
    rows_e, rows_t = _pair([0, 2, 0], "int64")
    cols_e, cols_t = _pair([1, 3, 1], "int64")
    ve, vt = _pair([10.0, 20.0, 30.0], grad=True)
    for acc in (False, True):
        if not acc:
            re = ember.index_put(e, (rows_e[:2], cols_e[:2]), ve[:2])
            rt = torch.index_put(t, (rows_t[:2], cols_t[:2]), vt[:2])
        else:
            re = ember.index_put(e, (rows_e, cols_e), ve, accumulate=True)
            rt = torch.index_put(t, (rows_t, cols_t), vt, accumulate=True)
        _same(re, rt)
        _grads(re, rt, (e, ve), (t, vt))
    c_e, c_t = e.detach().clone(), t.detach().clone()
    c_e.index_put_((rows_e, cols_e), ve.detach(), accumulate=True)
    c_t.index_put_((rows_t, cols_t), vt.detach(), accumulate=True)
    _same(c_e, c_t)
    ember.index_put_(c_e, (rows_e,), ember.tensor(0.0, dtype=ember.float64))
    torch.index_put_(c_t, (rows_t,), torch.tensor(0.0, dtype=torch.float64))
    _same(c_e, c_t)
    with pytest.raises(RuntimeError, match="dtypes match"):
        ember.index_put(e, (rows_e,), ember.tensor(1.0))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    e, t = _pair(M, grad=True)
    ie, it = _pair([[0, 1, 0, 2], [2, 2, 0, 0], [1, 1, 1, 0]], "int64")
    se, st = _pair([[4.0, 5.0, 6.0, 7.0], [1.0, 5.0, 6.0, 0.5], [2.0, 2.0, 3.0, 7.0]], grad=True)
    for dim in (0, 1):
        # (PyTorch's backward fails when src is larger than index, so src is cut to index's shape)
        re = ember.scatter_reduce(e, dim, ie[:, :3] if dim else ie, se[:, :3] if dim else se, reduce,
                                  include_self=include_self)
        rt = torch.scatter_reduce(t, dim, it[:, :3] if dim else it, st[:, :3] if dim else st, reduce,
                                  include_self=include_self)
        _same(re, rt)
        _grads(re, rt, (e, se), (t, st))
    _same(e.scatter_reduce(0, ie, se, reduce, include_self=include_self),
          t.scatter_reduce(0, it, st, reduce, include_self=include_self))
    c_e, c_t = e.detach().clone(), t.detach().clone()
    c_e.scatter_reduce_(1, ie, se.detach(), reduce, include_self=include_self)
    c_t.scatter_reduce_(1, it, st.detach(), reduce, include_self=include_self)
    _same(c_e, c_t)
    ie2, it2 = _pair([[10, 20, 30]], "int64")
    _same(ember.scatter_reduce(ie2, 1, ember.tensor([[0, 0, 1]]), ember.tensor([[1, 2, 4]]), reduce,
                               include_self=include_self),
          torch.scatter_reduce(it2, 1, torch.tensor([[0, 0, 1]]), torch.tensor([[1, 2, 4]]), reduce,
                               include_self=include_self))


def test_scatter_reduce_ties_and_errors():
    e, t = _pair([1.0, 5.0, 0.0], grad=True)
    se, st = _pair([5.0, 5.0, 2.0, 3.0], grad=True)
    ie, it = _pair([1, 1, 0, 1], "int64")
    _grads(ember.scatter_reduce(e, 0, ie, se, "amax"), torch.scatter_reduce(t, 0, it, st, "amax"), (e, se), (t, st))
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin"):
        ember.scatter_reduce(e, 0, ie, se, "max")


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce(reduce):
    e, t = _pair(M, grad=True)
    ie, it = _pair([0, 2, 0], "int64")
    se, st = _pair([[1.0, 2.0, 3.0, 4.0], [0.5, 9.0, 2.0, 1.0], [2.0, 2.0, 20.0, 0.0]], grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for inc in (True, False):
            re = ember.index_reduce(e, 0, ie, se, reduce, include_self=inc)
            rt = torch.index_reduce(t, 0, it, st, reduce, include_self=inc)
            _same(re, rt)
            _grads(re, rt, (e, se), (t, st))
            _same(e.index_reduce(1, ie, se[:, :3], reduce, include_self=inc),
                  t.index_reduce(1, it, st[:, :3], reduce, include_self=inc))
        c_e, c_t = e.detach().clone(), t.detach().clone()
        c_e.index_reduce_(0, ie, se.detach(), reduce)
        c_t.index_reduce_(0, it, st.detach(), reduce)
        _same(c_e, c_t)
    with pytest.raises(RuntimeError, match="Expected reduce to be one of prod, mean, amax or amin but got sum"):
        ember.index_reduce(e, 0, ie, se, "sum")


def test_masked_scatter_put():
    e, t = _pair(M, grad=True)
    me, mt = _pair([[True, False, True, False], [False, False, False, False], [True, True, False, True]], "bool")
    se, st = _pair([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]], grad=True)
    _same(ember.masked_scatter(e, me, se), torch.masked_scatter(t, mt, st))
    _grads(ember.masked_scatter(e, me, se), torch.masked_scatter(t, mt, st), (e, se), (t, st))
    row_e, row_t = _pair([True, False, True, True], "bool")
    big_e, big_t = _pair([[float(i) for i in range(12)]])
    _same(e.masked_scatter(row_e, big_e), t.masked_scatter(row_t, big_t))
    c_e, c_t = e.detach().clone(), t.detach().clone()
    c_e.masked_scatter_(me, se.detach())
    c_t.masked_scatter_(mt, st.detach())
    _same(c_e, c_t)
    with pytest.raises(RuntimeError, match="Number of elements of source < number of ones in mask"):
        ember.masked_scatter(e, ember.ones(3, 4, dtype=ember.bool), se)
    ie, it = _pair([0, 11, -1, 5], "int64")
    ve, vt = _pair([1.0, 2.0, 3.0, 4.0], grad=True)
    _same(ember.put(e, ie[:2], ve[:2]), torch.put(t, it[:2], vt[:2]))
    _same(e.put(ie, ve, accumulate=True), t.put(it, vt, accumulate=True))
    _grads(e.put(ie[:2], ve[:2]), t.put(it[:2], vt[:2]), (e, ve), (t, vt))
    c_e.put_(ie, ve.detach(), accumulate=True)
    c_t.put_(it, vt.detach(), accumulate=True)
    _same(c_e, c_t)


def test_select_slice_diagonal_scatter():
    e, t = _pair(M, grad=True)
    se, st = _pair([0.5, 0.25, 0.125, 1.0], grad=True)
    _same(ember.select_scatter(e, se, 0, 1), torch.select_scatter(t, st, 0, 1))
    _same(e.select_scatter(se[:3], 1, -1), t.select_scatter(st[:3], 1, -1))
    _grads(ember.select_scatter(e, se, 0, 1), torch.select_scatter(t, st, 0, 1), (e, se), (t, st))
    ze, zt = _pair([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], grad=True)
    _same(ember.slice_scatter(e, ze, 1, 0, 4, 2), torch.slice_scatter(t, zt, 1, 0, 4, 2))
    ye, yt = _pair([[0.5] * 4, [1.5] * 4])
    _same(ember.slice_scatter(e, ye, start=1), torch.slice_scatter(t, yt, start=1))
    _grads(ember.slice_scatter(e, ze, 1, 1, 3), torch.slice_scatter(t, zt, 1, 1, 3), (e, ze), (t, zt))
    de, dt = _pair([7.0, 8.0, 9.0], grad=True)
    _same(ember.diagonal_scatter(e, de), torch.diagonal_scatter(t, dt))
    _same(ember.diagonal_scatter(e, de, 1), torch.diagonal_scatter(t, dt, 1))
    _same(ember.diagonal_scatter(e, de[:2], -1), torch.diagonal_scatter(t, dt[:2], -1))
    _same(e.diagonal_scatter(de, 0, 1, 0), t.diagonal_scatter(dt, 0, 1, 0))
    _grads(ember.diagonal_scatter(e, de, 1), torch.diagonal_scatter(t, dt, 1), (e, de), (t, dt))
    with pytest.raises(RuntimeError, match="src to have a size equal to the slice"):
        ember.select_scatter(e, se[:2], 0, 0)


def test_as_strided_family():
    e, t = _pair([float(i) for i in range(12)], grad=True)
    for size, stride, off in (((3, 3), (3, 1), 0), ((2, 2), (1, 2), 1), ((4,), (3,), 0), ((2, 3), (0, 1), 2)):
        _same(ember.as_strided(e, size, stride, off), torch.as_strided(t, size, stride, off))
        _same(e.as_strided(size, stride, off), t.as_strided(size, stride, off))
        _grads(ember.as_strided(e, size, stride, off), torch.as_strided(t, size, stride, off), (e,), (t,))
    src_e, src_t = _pair([[1.0, 2.0], [3.0, 4.0]])
    _same(ember.as_strided_scatter(e, src_e, (2, 2), (1, 2), 1), torch.as_strided_scatter(t, src_t, (2, 2), (1, 2), 1))
    with pytest.raises(RuntimeError, match="out of bounds for storage"):
        ember.as_strided(e, (5, 5), (5, 1))
    with pytest.raises(RuntimeError, match="as_strided_ is not supported"):
        e.detach().as_strided_((2,), (1,))


def test_unfold():
    e, t = _pair([[float(i + 6 * j) for i in range(6)] for j in range(3)], grad=True)
    for dim, size, step in ((1, 2, 1), (1, 3, 2), (0, 2, 1), (-1, 6, 1), (1, 1, 4)):
        _same(e.unfold(dim, size, step), t.unfold(dim, size, step))
        _grads(e.unfold(dim, size, step), t.unfold(dim, size, step), (e,), (t,))
    s_e, s_t = _pair(5.0)
    _same(s_e.unfold(0, 1, 1), s_t.unfold(0, 1, 1))
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 1 is 6 but size is 7"):
        e.unfold(1, 7, 1)


def test_fill_diagonal_sum_to_size():
    for shape, wrap in (((3, 3), False), ((5, 2), False), ((7, 2), True), ((2, 4), True), ((3, 3, 3), False)):
        a, b = ember.zeros(*shape), torch.zeros(*shape)
        a.fill_diagonal_(2.0, wrap)
        b.fill_diagonal_(2.0, wrap)
        _same(a, b)
    with pytest.raises(RuntimeError, match="all dimensions of input must be of equal length"):
        ember.zeros(2, 3, 3).fill_diagonal_(1.0)
    e, t = _pair([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]], grad=True)
    for size in ((2, 1), (1, 2), (2,), (1, 1, 2), (2, 2, 2)):
        _same(e.sum_to_size(*size), t.sum_to_size(*size))
    _same(e.sum_to_size((2, 1)), t.sum_to_size((2, 1)))
    _grads(e.sum_to_size(1, 2), t.sum_to_size(1, 2), (e,), (t,))
    with pytest.raises(RuntimeError, match="is not expandable to size"):
        e.sum_to_size(3)


def test_resize_new():
    e, t = ember.arange(6.0), torch.arange(6.0)
    e.resize_(2, 2)
    t.resize_(2, 2)
    _same(e, t)
    e.resize_(2, 4)
    assert e.shape == (2, 4) and e.reshape(-1)[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
    e.resize_as_(ember.zeros(3))
    assert e.shape == (3,)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        ember.ones(2, requires_grad=True).resize_(3)
    x = ember.ones(2, dtype=ember.float64)
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype is ember.float64
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new().shape == (0,)
    n = x.new_empty_strided((2, 3), (3, 1))
    assert n.shape == (2, 3) and n.dtype is ember.float64


def test_callables():
    e = ember.tensor([1.0, 2.0, 3.0])
    assert e.apply_(lambda v: v * 10) is e and e.tolist() == [10.0, 20.0, 30.0]
    e.map_(ember.tensor([1.0, 2.0, 3.0]), lambda a, b: a - b)
    assert e.tolist() == [9.0, 18.0, 27.0]
    e.map2_(ember.tensor([1.0]), ember.tensor([2.0, 2.0, 2.0]), lambda a, b, c: a + b * c)
    assert e.tolist() == [11.0, 20.0, 29.0]
    with pytest.raises(RuntimeError, match="Can't call apply_\\(\\) on Variable that requires grad"):
        ember.ones(2, requires_grad=True).apply_(lambda v: v)


def test_storage_queries():
    x = ember.arange(10.0, dtype=ember.float64)
    xt = torch.arange(10.0, dtype=torch.float64)
    assert x.data_ptr() != 0 and x.const_data_ptr() == x.data_ptr()
    assert x[3:].storage_offset() == xt[3:].storage_offset() == 3
    assert x.storage_offset() == 0
    assert x[3:].data_ptr() - x.data_ptr() == 3 * 8
    assert x.is_shared() is False and x.is_pinned() is False
    with pytest.raises(RuntimeError):
        x.share_memory_()
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
        x.pin_memory()


def test_jax_subset():
    pytest.importorskip("jax")
    from ember import plugins

    if plugins.unavailable_reason(plugins.registered_backends()["jax"]):
        pytest.skip("jax backend unavailable")
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], device="jax", requires_grad=True)
    src = ember.tensor([[5.0, 1.0], [2.0, 7.0]], device="jax", requires_grad=True)
    idx = ember.tensor([[1, 1], [1, 0]], device="jax")
    r = ember.scatter_reduce(x, 0, idx, src, "amax")
    xt = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    st = torch.tensor([[5.0, 1.0], [2.0, 7.0]], requires_grad=True)
    rt = torch.scatter_reduce(xt, 0, torch.tensor([[1, 1], [1, 0]]), st, "amax")
    np.testing.assert_allclose(r.detach().cpu().numpy(), rt.detach().numpy())
    (r.sum() + x.unfold(1, 1, 1).sum()).backward()
    (rt.sum() + xt.unfold(1, 1, 1).sum()).backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), xt.grad.numpy())
    np.testing.assert_allclose(src.grad.cpu().numpy(), st.grad.numpy())


def test_set_and_as_subclass():
    x, y = ember.ones(2), ember.zeros(3)
    assert x.set_(y) is x and x.shape == (3,)
    y[0] = 5.0
    assert x[0].item() == 5.0  # shares y's data
    z = ember.arange(6.0)
    x.set_(z, 2, (2, 2))
    assert x.tolist() == [[2.0, 3.0], [4.0, 5.0]]
    assert x.set_().shape == (0,)
    with pytest.raises(RuntimeError, match="Could not set tensor of type float to a tensor of type double"):
        ember.ones(2, dtype=ember.float64).set_(ember.zeros(3))
    with pytest.raises(RuntimeError):
        torch.ones(2, dtype=torch.float64).set_(torch.zeros(3))

    class Sub(ember.Tensor):
        pass

    a = ember.ones(2, requires_grad=True)
    b = (a * 2).as_subclass(Sub)
    assert type(b) is Sub and b.grad_fn is not None
    b.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        a.as_subclass(int)


def test_scatter_family_node_names_and_double_backward():
    for fe in (lambda L, x, s: L.select_scatter(x, s[0], 0, 1),
               lambda L, x, s: L.slice_scatter(x, s[:2], 0, 0, 2),
               lambda L, x, s: L.diagonal_scatter(x, s[0], 0)):
        xe, xt = _pair([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], grad=True)
        se, st = _pair([[0.5, 0.25, 2.0], [1.0, 3.0, 4.0]], grad=True)
        re, rt = fe(ember, xe, se), fe(torch, xt, st)
        assert type(re.grad_fn).__name__ == type(rt.grad_fn).__name__
        ge = ember.autograd.grad((re * re).sum(), (xe, se), create_graph=True)
        gt = torch.autograd.grad((rt * rt).sum(), (xt, st), create_graph=True)
        for a, b in zip(ge, gt):
            _same(a, b)
        gge = ember.autograd.grad(sum(g.sum() for g in ge), (xe, se))
        ggt = torch.autograd.grad(sum(g.sum() for g in gt), (xt, st))
        for a, b in zip(gge, ggt):
            _same(a, b)


def test_node_names():
    import warnings as _w

    names = []
    for L in (ember, torch):
        x = L.zeros(3, 3, dtype=L.float64, requires_grad=True)
        i = L.tensor([0, 2])
        v = L.tensor(1.0, dtype=L.float64, requires_grad=True)
        src = L.ones(2, 3, dtype=L.float64, requires_grad=True)
        with _w.catch_warnings():
            _w.simplefilter("ignore")
            outs = [x.index_fill(0, i, 1.0), x.index_fill(0, i, v), x.masked_scatter(x.detach() == 0, L.ones(
                9, dtype=L.float64)), x.unfold(0, 2, 1), x.index_copy(0, i, src), x.put(i, L.ones(2, dtype=L.float64)),
                x.scatter_reduce(0, L.zeros(1, 3, dtype=L.int64), src[:1], "sum"),
                x.scatter_reduce(0, L.zeros(1, 3, dtype=L.int64), src[:1], "mean", include_self=False),
                x.index_reduce(0, i, src, "mean")]
        names.append([type(o.grad_fn).__name__ for o in outs])
    assert names[0] == names[1]
