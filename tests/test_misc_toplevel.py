"""ops/misc_toplevel.py against PyTorch: scalar_tensor, empty_strided, frombuffer, to_dlpack, detach, get_device,
default_generator, poisson/binomial (distribution checks), cauchy_/log_normal_/geometric_, vmap."""

from __future__ import annotations

import array

import numpy as np
import pytest
import torch

import ember


def test_scalar_tensor_empty_strided():
    for s, kw in ((1, {}), (2.5, {}), (3, {"dtype": ember.int64}), (True, {"dtype": ember.bool})):
        e = ember.scalar_tensor(s, **kw)
        t = torch.scalar_tensor(s, **{k: getattr(torch, str(v).split(".")[-1]) for k, v in kw.items()})
        assert e.shape == t.shape == () and str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        assert e.item() == t.item()
    x = ember.empty_strided((2, 3), (3, 1), dtype=ember.float64)
    assert x.shape == (2, 3) and x.dtype is ember.float64
    with pytest.raises(RuntimeError, match=r"dimensionality of sizes \(2\) must match dimensionality of strides \(1\)"):
        ember.empty_strided((2, 3), (1,))


def test_frombuffer():
    buf = array.array("i", [1, 2, 3, 4])
    e = ember.frombuffer(buf, dtype=ember.int32)
    t = torch.frombuffer(buf, dtype=torch.int32)
    assert e.tolist() == t.tolist()
    assert ember.frombuffer(buf, dtype=ember.int32, count=2, offset=4).tolist() == torch.frombuffer(
        buf, dtype=torch.int32, count=2, offset=4).tolist()
    # shares memory with the buffer, as PyTorch
    buf[0] = 10
    assert e[0].item() == 10
    assert ember.frombuffer(bytearray(b"\x01\x00"), dtype=ember.uint8).tolist() == [1, 0]
    with pytest.raises(ValueError, match="multiple of element size"):
        ember.frombuffer(bytearray(b"\x01\x00\x00"), dtype=ember.int16)
    with pytest.raises(ValueError):
        torch.frombuffer(bytearray(b"\x01\x00\x00"), dtype=torch.int16)


def test_to_dlpack_detach_get_device():
    x = ember.tensor([1.0, 2.0])
    cap = ember.to_dlpack(x)
    assert type(cap).__name__ == "PyCapsule"
    assert torch.from_dlpack(cap).tolist() == [1.0, 2.0]  # a capsule PyTorch reads
    a = ember.ones(2, requires_grad=True) * 2
    d = ember.detach(a)
    assert not d.requires_grad and d.tolist() == [2.0, 2.0]
    ember.detach_(a)
    assert a.grad_fn is None and not a.requires_grad
    assert ember.get_device(x) == x.get_device() == torch.ones(1).get_device() == -1


def test_default_generator():
    g = ember.default_generator
    assert isinstance(g, ember.Generator) and g is ember.default_generator
    g.manual_seed(0)
    a = ember.rand(4)
    ember.default_generator.manual_seed(0)
    assert ember.rand(4).tolist() == a.tolist()
    torch.default_generator.manual_seed(0)
    np.testing.assert_allclose(a.numpy(), torch.rand(4).numpy())
    assert g.initial_seed() == 0


def test_poisson():
    ember.manual_seed(0)
    rates = ember.tensor([0.0, 0.5, 3.0, 9.5, 10.0, 40.0, 1000.0], dtype=ember.float64)
    draws = ember.poisson(rates.expand(4000, 7))
    assert draws.dtype is ember.float64 and draws.shape == (4000, 7)
    m = draws.mean(0).numpy()
    v = draws.var(0).numpy()
    r = rates.numpy()
    np.testing.assert_allclose(m, r, rtol=0.06, atol=0.05)
    np.testing.assert_allclose(v, r, rtol=0.12, atol=0.05)
    assert (draws.numpy() == np.round(draws.numpy())).all() and (draws.numpy() >= 0).all()
    ember.manual_seed(3)
    a = ember.poisson(rates)
    ember.manual_seed(3)
    assert ember.poisson(rates).tolist() == a.tolist()
    gen = ember.Generator().manual_seed(5)
    b = ember.poisson(rates, generator=gen)
    assert b.shape == rates.shape
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):
        ember.poisson(ember.tensor([-1.0]))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        ember.poisson(ember.tensor([1]))


def test_binomial():
    ember.manual_seed(0)
    n = ember.tensor([0.0, 1.0, 10.0, 50.0, 200.0, 30.0], dtype=ember.float64)
    p = ember.tensor([0.3, 0.5, 0.2, 0.9, 0.5, 1.0], dtype=ember.float64)
    draws = ember.binomial(n.expand(3000, 6), p.expand(3000, 6))
    m, v = draws.mean(0).numpy(), draws.var(0).numpy()
    np.testing.assert_allclose(m, (n * p).numpy(), rtol=0.05, atol=0.02)
    np.testing.assert_allclose(v, (n * p * (1 - p)).numpy(), rtol=0.15, atol=0.02)
    assert (draws.numpy() <= n.numpy()).all() and draws.dtype is ember.float64
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for count"):
        ember.binomial(ember.tensor([1]), ember.tensor([0.5]))


def test_random_fill_methods():
    ember.manual_seed(0)
    x = ember.empty(20000, dtype=ember.float64)
    x.log_normal_(0.0, 0.5)
    np.testing.assert_allclose(np.log(x.numpy()).mean(), 0.0, atol=0.02)
    np.testing.assert_allclose(np.log(x.numpy()).std(), 0.5, atol=0.02)
    x.geometric_(0.25)
    np.testing.assert_allclose(x.numpy().mean(), 4.0, rtol=0.05)
    assert x.numpy().min() >= 1
    x.cauchy_(1.0, 2.0)
    np.testing.assert_allclose(np.median(x.numpy()), 1.0, atol=0.1)
    with pytest.raises(RuntimeError, match="geometric_ expects p"):
        x.geometric_(0.0)


def test_vmap():
    xe = ember.arange(24.0).reshape(4, 2, 3)
    xt = torch.arange(24.0).reshape(4, 2, 3)
    we, wt = ember.ones(3) * 0.5, torch.ones(3) * 0.5
    re = ember.vmap(lambda a, w: a @ w, in_dims=(0, None))(xe, we)
    rt = torch.vmap(lambda a, w: a @ w, in_dims=(0, None))(xt, wt)
    np.testing.assert_allclose(re.numpy(), rt.numpy())
    re = ember.vmap(lambda a: a.sum(0), in_dims=2, out_dims=1)(xe)
    rt = torch.vmap(lambda a: a.sum(0), in_dims=2, out_dims=1)(xt)
    np.testing.assert_allclose(re.numpy(), rt.numpy())
    # nested: per-element of a batch of matrices
    re = ember.vmap(ember.vmap(lambda a: a * a.sum()))(xe)
    rt = torch.vmap(torch.vmap(lambda a: a * a.sum()))(xt)
    np.testing.assert_allclose(re.numpy(), rt.numpy())
    # tuple outputs with per-output out_dims, tuple inputs
    fe = ember.vmap(lambda p: (p[0] + p[1], p[0].max()), in_dims=((0, 1),), out_dims=(0, 0))
    ft = torch.vmap(lambda p: (p[0] + p[1], p[0].max()), in_dims=((0, 1),), out_dims=(0, 0))
    a_e, b_e = fe((ember.ones(5, 2), ember.ones(2, 5)))
    a_t, b_t = ft((torch.ones(5, 2), torch.ones(2, 5)))
    assert a_e.shape == a_t.shape and b_e.shape == b_t.shape
    # autograd through vmap
    w = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ember.vmap(lambda a: (a * w).sum())(ember.ones(4, 3)).sum().backward()
    assert w.grad.tolist() == [4.0, 4.0, 4.0]
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        ember.vmap(lambda a, b: a + b)(ember.ones(2), ember.ones(3))
    with pytest.raises(ValueError, match="in_dims is not compatible"):
        ember.vmap(lambda a: a, in_dims=(0, 0))(ember.ones(2))
    with pytest.raises(ValueError, match="non-Tensor"):
        ember.vmap(lambda a, b: a, in_dims=(0, 0))(ember.ones(2), 3.0)


def test_tensor_is_queries():
    x = ember.tensor([1.0])
    assert x.is_nonzero() and x.is_signed() and x.is_same_size(ember.ones(1)) and not x.is_inference()


def test_post_accumulate_grad_hook():
    seen = []
    w = ember.ones(2, requires_grad=True)
    h = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (w * 3).sum().backward()
    (w * 2).sum().backward()
    h.remove()
    (w * 2).sum().backward()
    assert seen == [[3.0, 3.0], [5.0, 5.0]]
    wt = torch.ones(2, requires_grad=True)
    seen_t = []
    wt.register_post_accumulate_grad_hook(lambda t: seen_t.append(t.grad.tolist()))
    (wt * 3).sum().backward()
    (wt * 2).sum().backward()
    assert seen_t == seen
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_inplace_view_ops():
    for name, args in (("t_", ()), ("transpose_", (0, 1)), ("swapaxes_", (1, 0)), ("swapdims_", (0, 1)),
                       ("unsqueeze_", (1,)), ("squeeze_", ())):
        e = ember.arange(6.0).reshape(2, 3) if name != "squeeze_" else ember.arange(6.0).reshape(2, 1, 3)
        t = torch.arange(6.0).reshape(2, 3) if name != "squeeze_" else torch.arange(6.0).reshape(2, 1, 3)
        assert getattr(e, name)(*args) is e
        getattr(t, name)(*args)
        assert e.tolist() == t.tolist()
    x = (ember.ones(2, 3, requires_grad=True) * ember.tensor([1.0, 2.0, 3.0]))
    x.t_()
    assert type(x.grad_fn).__name__ == "TBackward0" and x.shape == (3, 2)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ember.ones(2, 3, requires_grad=True).t_()
    base = ember.zeros(2, 3)
    v = base[0:2, 0:2]
    v.t_()
    v[0, 1] = 5.0
    assert base[1, 0].item() == 5.0


def test_method_extras():
    e, t = ember.ones(2, 2), torch.ones(2, 2)
    e.cumsum_(0)
    t.cumsum_(0)
    assert e.tolist() == t.tolist()
    e.cumprod_(1)
    t.cumprod_(1)
    assert e.tolist() == t.tolist()
    for name, args in (("addmm_", (ember.ones(2, 2), ember.ones(2, 2))), ("addr_", (ember.ones(2), ember.ones(2))),
                       ("addmv_", None)):
        m, mt = ember.eye(2), torch.eye(2)
        if name == "addmv_":
            v, vt = ember.ones(2), torch.ones(2)
            v.addmv_(ember.eye(2), ember.ones(2), beta=2.0)
            vt.addmv_(torch.eye(2), torch.ones(2), beta=2.0)
            assert v.tolist() == vt.tolist()
            continue
        getattr(m, name)(*args)
        getattr(mt, name)(*[torch.tensor(a.tolist()) for a in args])
        assert m.tolist() == mt.tolist()
    b, bt = ember.zeros(2, 2), torch.zeros(2, 2)
    b.addbmm_(ember.ones(3, 2, 2), ember.ones(3, 2, 2))
    bt.addbmm_(torch.ones(3, 2, 2), torch.ones(3, 2, 2))
    assert b.tolist() == bt.tolist()
    c3, c3t = ember.zeros(3, 2, 2), torch.zeros(3, 2, 2)
    c3.baddbmm_(ember.ones(3, 2, 2), ember.ones(3, 2, 2), alpha=0.5)
    c3t.baddbmm_(torch.ones(3, 2, 2), torch.ones(3, 2, 2), alpha=0.5)
    assert c3.tolist() == c3t.tolist()
    assert ember.ones(3).vdot(ember.ones(3)).item() == 3.0
    assert ember.tensor([0.2, 1.0]).hardshrink(0.5).tolist() == torch.tensor([0.2, 1.0]).hardshrink(0.5).tolist()
    assert ember.tensor([-1.0, 1.0]).prelu(ember.tensor([0.25])).tolist() == [-0.25, 1.0]
    assert ember.arange(6).reshape(2, 3).narrow_copy(1, 1, 2).tolist() == [[1, 2], [4, 5]]
    with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
        assert ember.ones(2, 3).resize(6).shape == (6,)
    with pytest.warns(UserWarning):
        assert ember.ones(2, 3).resize_as(ember.ones(3, 2)).shape == (3, 2)
    with pytest.raises(AssertionError, match="XPU"):
        ember.ones(1).xpu()
    z = ember.ones(3)
    ember.resize_as_(z, ember.ones(2))
    assert z.shape == (2,)
    assert ember.is_inference_mode_enabled() is False
    with ember.inference_mode():
        assert ember.is_inference_mode_enabled() is True
    c = ember.tensor([1 + 2j])
    c.conj_physical_()
    assert c.tolist() == [1 - 2j]


def test_jax_subset():
    pytest.importorskip("jax")
    from ember import plugins

    if plugins.unavailable_reason(plugins.registered_backends()["jax"]):
        pytest.skip("jax backend unavailable")
    ember.manual_seed(0)
    on_jax = ember.poisson(ember.tensor([1.0, 20.0], device="jax"))
    ember.manual_seed(0)
    on_cpu = ember.poisson(ember.tensor([1.0, 20.0]))
    # the draws come from the CPU default generator, so every device gets the same numbers
    assert on_jax.device.type == "jax" and on_jax.cpu().tolist() == on_cpu.tolist()
    a = ember.tensor([[3.0, 1.0], [2.0, 5.0]], device="jax", requires_grad=True)
    ember.vmap(lambda r: (r * r).sum())(a).sum().backward()
    assert a.grad.cpu().tolist() == [[6.0, 2.0], [4.0, 10.0]]
    assert ember.get_device(a) == 0
