"""The ``nn.Module`` API on the backend under test: ``.to(device)`` moves parameters, gradients and buffers in
place; ``state_dict``/``load_state_dict`` round trips between the device and the CPU; ``zero_grad``;
``clip_grad_norm_``/``clip_grad_value_``; ``parameters_to_vector``; ``nn.init`` on device parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn import init

from ._reference import check_same, compare, on_device, pair, rand

V = rand(4, 6)


def _net() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3))


def _backward(model: nn.Module, device: str) -> None:
    out = model(ember.tensor(V, dtype=ember.float64, device=device))
    (out * out).sum().backward()


def test_to_moves_parameters_grads_and_buffers_in_place(device: str) -> None:
    model = _net().double()
    _backward(model, "cpu")
    params = dict(model.named_parameters())
    grads = {n: p.grad for n, p in params.items()}
    cpu_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.to(device)
    for name, p in model.named_parameters():
        assert p is params[name], f"{name}: .to must keep the Parameter object"
        assert on_device(p, device) and p.grad is not None and on_device(p.grad, device), f"{name} not moved"
        assert p.grad is grads[name], f"{name}: .to must move the existing .grad in place"
        assert isinstance(p, nn.Parameter) and p.requires_grad and p.is_leaf
    for name, b in model.named_buffers():
        assert on_device(b, device), f"buffer {name} on {b.device}"
    assert model[1].num_batches_tracked.dtype == ember.int64, "non-floating buffers keep their dtype"
    for name, value in model.state_dict().items():
        check_same(value, cpu_state[name], device, rtol=0, atol=0, what=name)
    model.float()
    assert all(on_device(p, device) and p.dtype == ember.float32 for p in model.parameters()), ".float() moved them"
    model.cpu()
    assert all(p.device.type == "cpu" for p in model.parameters())
    assert all(b.device.type == "cpu" for b in model.buffers())


def test_training_forward_backward_on_device(device: str) -> None:
    ref, mod = pair(_net, device)
    compare(lambda m, x: m(x), [V], device, modules=(ref, mod))


def test_state_dict_round_trip(device: str) -> None:
    ref, mod = pair(_net, device)
    _backward(mod, device)  # updates the running stats
    _backward(ref, "cpu")
    sd = mod.state_dict()
    assert list(sd) == list(ref.state_dict())
    for name, value in sd.items():
        assert on_device(value, device), f"state_dict()[{name!r}] on {value.device}"
        check_same(value, ref.state_dict()[name], device, what=name)
    # device -> a fresh CPU model
    ember.manual_seed(123)
    cpu_model = _net().double()
    result = cpu_model.load_state_dict(sd)
    assert not result.missing_keys and not result.unexpected_keys
    for name, value in cpu_model.state_dict().items():
        assert value.device.type == "cpu", f"load_state_dict moved {name} to {value.device}"
        check_same(sd[name], value, device, rtol=0, atol=0, what=name)
    # CPU -> the device model: values are copied into the existing device tensors
    with ember.no_grad():
        for p in cpu_model.parameters():
            p.mul_(2.0)
    params = dict(mod.named_parameters())
    mod.load_state_dict(cpu_model.state_dict())
    for name, p in mod.named_parameters():
        assert p is params[name], f"load_state_dict replaced parameter {name}"
        assert on_device(p, device), f"load_state_dict moved {name} to {p.device}"
        check_same(p, cpu_model.state_dict()[name], device, rtol=0, atol=0, what=name)
    for name, b in mod.named_buffers():
        assert on_device(b, device), f"load_state_dict moved buffer {name} to {b.device}"


def test_load_state_dict_errors_on_device(device: str) -> None:
    mod = nn.Linear(6, 5).to(device)
    with pytest.raises(RuntimeError, match="size mismatch"):
        mod.load_state_dict({"weight": ember.zeros(5, 7, device=device), "bias": ember.zeros(5, device=device)})
    with pytest.raises(RuntimeError, match="Missing key"):
        mod.load_state_dict({"weight": ember.zeros(5, 6, device=device)})


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool, device: str) -> None:
    model = _net().double().to(device)
    _backward(model, device)
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is not None and on_device(g, device) for g in grads.values())
    model.zero_grad(set_to_none=set_to_none)
    for name, p in model.named_parameters():
        if set_to_none:
            assert p.grad is None, f"{name}.grad should be None"
        else:
            assert p.grad is grads[name], f"{name}.grad should be zeroed in place"
            assert on_device(p.grad, device) and not p.grad.cpu().numpy().any()
    _backward(model, device)  # accumulates into fresh or zeroed grads alike
    assert all(on_device(p.grad, device) for p in model.parameters())


@pytest.mark.parametrize(("max_norm", "norm_type"), [(0.5, 2.0), (1e6, 2.0), (0.1, float("inf")), (1.0, 1.0)])
def test_clip_grad_norm(max_norm: float, norm_type: float, device: str) -> None:
    ref, mod = pair(_net, device)
    for m, dev in ((ref, "cpu"), (mod, device)):
        _backward(m, dev)
    total_r = nn.utils.clip_grad_norm_(ref.parameters(), max_norm, norm_type)
    total_d = nn.utils.clip_grad_norm_(mod.parameters(), max_norm, norm_type)
    check_same(total_d, total_r, device, what="total norm")
    for (name, r), (_, d) in zip(ref.named_parameters(), mod.named_parameters()):
        check_same(d.grad, r.grad, device, what=f"clipped grad of {name}")
    after = nn.utils.get_total_norm([p.grad for p in mod.parameters()], norm_type)
    want = min(float(total_d.item()), max_norm)
    assert abs(float(after.item()) - want) <= 1e-5 * want, f"norm after clipping {after.item()}, expected {want}"


def test_clip_grad_norm_nonfinite(device: str) -> None:
    p = nn.Parameter(ember.ones(3, device=device))
    p.grad = ember.tensor([1.0, float("nan"), 2.0], device=device)
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    total = nn.utils.clip_grad_norm_([p], 1.0)
    assert on_device(total, device) and np.isnan(total.item())


def test_tied_weights_stay_tied_on_device(device: str) -> None:
    emb = nn.Embedding(5, 6)
    head = nn.Linear(6, 5, bias=False)
    head.weight = emb.weight
    model = nn.ModuleList([emb, head]).to(device)
    assert model[1].weight is model[0].weight and on_device(model[0].weight, device)
    assert len(list(model.parameters())) == 1, "a shared parameter is listed once"
    out = model[1](model[0](ember.tensor([[1, 2], [3, 1]], device=device)))
    out.sum().backward()
    g = model[0].weight.grad
    assert g is not None and on_device(g, device)
    # loss = sum_n sum_j W[i_n] . W[j]: each looked-up row gets sum_j W[j], every row gets sum_n W[i_n]
    w, rows = model[0].weight.detach().cpu().numpy(), [1, 2, 3, 1]
    want = np.zeros((5, 6)) + w[rows].sum(0)
    for i in rows:
        want[i] += w.sum(0)
    np.testing.assert_allclose(g.cpu().numpy(), want, rtol=1e-5, atol=1e-5)


def test_clip_grad_value_and_parameters_to_vector(device: str) -> None:
    ref, mod = pair(_net, device)
    for m, dev in ((ref, "cpu"), (mod, device)):
        _backward(m, dev)
        nn.utils.clip_grad_value_(m.parameters(), 0.3)
    for (name, r), (_, d) in zip(ref.named_parameters(), mod.named_parameters()):
        check_same(d.grad, r.grad, device, what=f"clipped grad of {name}")
        assert float(d.grad.abs().max().item()) <= 0.3
    vec = nn.utils.parameters_to_vector(mod.parameters())
    check_same(vec, nn.utils.parameters_to_vector(ref.parameters()), device, what="parameters_to_vector")
    nn.utils.vector_to_parameters(vec * 2, mod.parameters())
    for (name, r), (_, d) in zip(ref.named_parameters(), mod.named_parameters()):
        assert on_device(d, device)
        check_same(d, r.detach() * 2, device, what=f"vector_to_parameters {name}")


INITS: list[tuple[str, Callable[[Any], Any]]] = [
    ("uniform_", lambda t: init.uniform_(t, -0.5, 2.0)),
    ("normal_", lambda t: init.normal_(t, 1.0, 0.5)),
    ("trunc_normal_", lambda t: init.trunc_normal_(t, std=0.5, a=-0.6, b=0.6)),
    ("xavier_uniform_", init.xavier_uniform_),
    ("xavier_normal_", init.xavier_normal_),
    ("kaiming_uniform_", lambda t: init.kaiming_uniform_(t, a=0.1)),
    ("kaiming_normal_", lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")),
    ("orthogonal_", init.orthogonal_),
    ("sparse_", lambda t: init.sparse_(t, 0.5)),
    ("constant_", lambda t: init.constant_(t, 0.25)),
    ("eye_", init.eye_),
    ("zeros_ones_", lambda t: init.ones_(init.zeros_(t))),
]


@pytest.mark.parametrize("fn", [pytest.param(fn, id=name) for name, fn in INITS])
def test_init_same_values_on_device(fn: Callable[[Any], Any], device: str) -> None:
    ref = nn.Parameter(ember.empty(6, 5))
    dev = nn.Parameter(ember.empty(6, 5, device=device))
    ember.manual_seed(7)
    with ember.no_grad():
        fn(ref)
    ember.manual_seed(7)
    out = fn(dev)
    assert out is dev, "init functions work in place and return their argument"
    assert on_device(dev, device) and dev.requires_grad and dev.grad_fn is None
    check_same(dev, ref, device, rtol=0, atol=0, what="initialized values (one seed, any backend)")
    assert np.isfinite(dev.detach().cpu().numpy()).all()
