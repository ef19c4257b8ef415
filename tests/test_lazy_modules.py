"""Lazy modules, ``UninitializedParameter``/``UninitializedBuffer``, ``nn.Buffer``, ``nn.Container``,
``nn.DataParallel`` and ``nn.SyncBatchNorm`` against ``torch.nn``: materialized shapes, state_dict keys,
and outputs/gradients with torch's weights copied in."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402
import ember.nn as enn  # noqa: E402

TOL = {"rtol": 1e-4, "atol": 1e-5}

LAZY_CASES = [
    ("LazyLinear", (3,), (2, 5)),
    ("LazyConv1d", (4, 3), (2, 3, 6)),
    ("LazyConv2d", (4, 3), (2, 3, 5, 5)),
    ("LazyConv3d", (2, 3), (1, 2, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), (2, 3, 6)),
    ("LazyConvTranspose2d", (2, 3), (2, 3, 4, 4)),
    ("LazyConvTranspose3d", (2, 2), (1, 2, 3, 3, 3)),
    ("LazyBatchNorm1d", (), (4, 3)),
    ("LazyBatchNorm2d", (), (2, 3, 4, 4)),
    ("LazyBatchNorm3d", (), (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), (2, 3, 5)),
    ("LazyInstanceNorm2d", (), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), (2, 3, 2, 2, 2)),
]


def _np(t: Any) -> Any:
    return t.detach().cpu().numpy()


def _sd(tm: Any, device: str = "cpu") -> dict[str, Any]:
    return {k: ember.tensor(_np(v), device=device) for k, v in tm.state_dict().items()}


@pytest.mark.parametrize("name,args,shape", LAZY_CASES)
def test_lazy_materializes_like_torch(name: str, args: tuple[int, ...], shape: tuple[int, ...]) -> None:
    tm, em = getattr(torch.nn, name)(*args), getattr(enn, name)(*args)
    assert em.has_uninitialized_params()
    assert isinstance(em.weight, enn.UninitializedParameter)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tm(torch.tensor(x))
    em(ember.tensor(x))
    assert type(em).__name__ == type(tm).__name__ and type(em) is getattr(enn, type(tm).__name__)
    assert not isinstance(em.weight, enn.UninitializedParameter) and isinstance(em.weight, enn.Parameter)
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(esd) == list(tsd)
    assert [tuple(v.shape) for v in esd.values()] == [tuple(v.shape) for v in tsd.values()]
    for attr in ("in_features", "in_channels", "num_features"):
        if hasattr(tm, attr):
            assert getattr(em, attr) == getattr(tm, attr)
    em.load_state_dict(_sd(tm))
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    to, eo = tm(tx), em(ex)
    np.testing.assert_allclose(_np(eo), _np(to), **TOL)
    w = np.random.default_rng(1).standard_normal(tuple(to.shape)).astype(np.float32)
    (to * torch.tensor(w)).sum().backward()
    (eo * ember.tensor(w)).sum().backward()
    np.testing.assert_allclose(_np(ex.grad), _np(tx.grad), **TOL)
    np.testing.assert_allclose(_np(em.weight.grad), _np(tm.weight.grad), **TOL)


def test_lazy_default_init_statistics() -> None:
    em = enn.LazyLinear(400)
    em(ember.zeros(2, 100))
    bound = 1 / np.sqrt(100)
    w = _np(em.weight)
    assert w.shape == (400, 100) and np.abs(w).max() <= bound and w.std() > bound / 3
    assert np.abs(_np(em.bias)).max() <= bound


def test_load_state_dict_materializes_lazy_module() -> None:
    tm = torch.nn.Conv2d(3, 4, 3)
    em = enn.LazyConv2d(4, 3)
    em.load_state_dict(_sd(tm))
    assert not em.has_uninitialized_params()
    x = np.random.default_rng(2).standard_normal((1, 3, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(_np(em(ember.tensor(x))), _np(tm(torch.tensor(x))), **TOL)
    assert type(em) is enn.Conv2d


def test_lazy_errors_and_options() -> None:
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d"):
        enn.LazyConv2d(4, 3)(ember.zeros(3, 4))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        enn.LazyConv1d(4, 3, groups=2)(ember.zeros(1, 3, 5))
    no_bias = enn.LazyLinear(3, bias=False)
    assert no_bias.bias is None
    no_bias(ember.zeros(1, 2))
    assert no_bias.bias is None and tuple(no_bias.weight.shape) == (3, 2)
    bn = enn.LazyBatchNorm1d(affine=False, track_running_stats=False)
    assert not bn.has_uninitialized_params()
    unbatched = enn.LazyConv1d(2, 1)
    unbatched(ember.zeros(5, 7))
    assert unbatched.in_channels == 5
    lazy_copy = copy.deepcopy(enn.LazyLinear(2))
    lazy_copy(ember.zeros(1, 4))
    assert type(lazy_copy) is enn.Linear


def test_uninitialized_parameter_and_buffer() -> None:
    p = enn.UninitializedParameter()
    assert isinstance(p, enn.Parameter) and p.requires_grad
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter or buffer"):
        _ = p.shape
    assert repr(p) == repr(torch.nn.UninitializedParameter()) == "<UninitializedParameter>"
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter in <method 'numel'"):
        p.numel()
    p.materialize((2, 3), dtype=ember.float64)
    assert type(p) is enn.Parameter and tuple(p.shape) == (2, 3) and p.dtype == ember.float64
    b = enn.UninitializedBuffer()
    m = enn.Module()
    m.stat = b
    assert "stat" in m._buffers
    b.materialize(4)
    assert type(b) is ember.Tensor and tuple(b.shape) == (4,) and not b.requires_grad


def test_buffer_registers_on_assignment() -> None:
    m, tm = enn.Module(), torch.nn.Module()
    m.steps = enn.Buffer(ember.zeros(2))
    m.scratch = enn.Buffer(ember.ones(1), persistent=False)
    tm.steps = torch.nn.Buffer(torch.zeros(2))
    tm.scratch = torch.nn.Buffer(torch.ones(1), persistent=False)
    assert list(m.state_dict()) == list(tm.state_dict()) == ["steps"]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert isinstance(m.steps, enn.Buffer) and not isinstance(ember.zeros(1), enn.Buffer)
    assert issubclass(enn.Buffer, ember.Tensor)
    grad_buf = enn.Buffer(ember.ones(2, requires_grad=True))
    assert grad_buf.requires_grad and grad_buf.grad_fn is None


def test_container_is_deprecated() -> None:
    with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
        c = enn.Container(fc=enn.Linear(2, 3))
    assert list(c.state_dict()) == ["fc.weight", "fc.bias"]


def test_data_parallel_wraps_module() -> None:
    torch.manual_seed(0)
    tl = torch.nn.Linear(4, 3)
    el = enn.Linear(4, 3)
    el.load_state_dict(_sd(tl))
    tdp, edp = torch.nn.DataParallel(tl), enn.DataParallel(el)
    assert edp.module is el
    assert list(edp.state_dict()) == list(tdp.state_dict()) == ["module.weight", "module.bias"]
    assert edp.device_ids == tdp.device_ids == []
    x = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(_np(edp(ember.tensor(x))), _np(tdp(torch.tensor(x))), **TOL)
    assert repr(edp).replace("ember", "torch") == repr(tdp)


def test_sync_batchnorm_behaves_as_batchnorm() -> None:
    torch.manual_seed(0)
    tm, em = torch.nn.SyncBatchNorm(3), enn.SyncBatchNorm(3)
    assert em.process_group is None
    x = np.random.default_rng(4).standard_normal((4, 3, 2, 2)).astype(np.float32)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    to, eo = tm(tx), em(ex)
    np.testing.assert_allclose(_np(eo), _np(to), **TOL)
    to.pow(2).sum().backward()
    eo.pow(2).sum().backward()
    np.testing.assert_allclose(_np(ex.grad), _np(tx.grad), **TOL)
    np.testing.assert_allclose(_np(em.running_var), _np(tm.running_var), **TOL)
    with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
        em(ember.zeros(3))


def test_convert_sync_batchnorm() -> None:
    net = enn.Sequential(enn.Conv2d(2, 3, 1), enn.BatchNorm2d(3), enn.Sequential(enn.BatchNorm1d(3)))
    bn = net[1]
    out = enn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert out is net
    assert type(net[1]) is enn.SyncBatchNorm and type(net[2][0]) is enn.SyncBatchNorm
    assert net[1].weight is bn.weight and net[1].running_mean is bn.running_mean
    single = enn.SyncBatchNorm.convert_sync_batchnorm(enn.BatchNorm1d(4, affine=False))
    assert type(single) is enn.SyncBatchNorm and single.weight is None


def test_lazy_linear_on_jax() -> None:
    pytest.importorskip("jax")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = enn.LazyLinear(3, device="jax")
    x = np.random.default_rng(5).standard_normal((2, 4)).astype(np.float32)
    em(ember.tensor(x, device="jax"))
    assert em.weight.device.type == "jax" and tuple(em.weight.shape) == (3, 4)
    tm = torch.nn.Linear(4, 3)
    em.load_state_dict(_sd(tm, "jax"))
    np.testing.assert_allclose(_np(em(ember.tensor(x, device="jax"))), _np(tm(torch.tensor(x))), **TOL)
