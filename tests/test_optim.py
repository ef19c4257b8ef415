"""``ember.optim`` optimizers: hand-computed updates, parity with ``torch.optim`` step by step
(identical initial parameters, each library fed the gradient of the same loss at its own
parameters), state_dict round trips, errors and reprs. Parity tests skip without torch.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember
import ember.optim as optim

try:
    import torch
except ImportError:  # pragma: no cover - exercised on machines without the oracle extra
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle extra) is not installed")


DEVICES = device_params()


def host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy(), dtype=np.float64)


# -- a small fixed problem: two parameters, a non-quadratic loss ----------------------------------
RNG = np.random.default_rng(0)
INIT = [RNG.standard_normal((3, 4)), RNG.standard_normal(4)]
X = RNG.standard_normal((5, 3))


def loss_grads(values: list[np.ndarray], step: int) -> list[np.ndarray]:
    """Gradient of a step-dependent loss at ``values``, computed in float64 NumPy (no autograd needed)."""
    w, b = values
    z = X @ w + b  # (5, 4)
    target = np.sin(np.arange(20).reshape(5, 4) + step)
    r = z - target
    # loss = 0.5 * sum(r**2) + 0.1 * sum(w**4) / 4
    return [X.T @ r + 0.1 * w ** 3, r.sum(0)]


OPTIMIZERS: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.01, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.9), "amsgrad": True, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.05, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.3, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "betas": (0.4, 0.99), "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.01, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "betas": (0.9, 0.9), "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.95), "maximize": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for name, kw in OPTIMIZERS]


def make_pair(name: str, kw: dict[str, Any], device: str = "cpu",
              groups: Callable[[list[Any]], Any] | None = None) -> tuple[Any, list[Any], Any, list[Any]]:
    """The same optimizer over the same initial parameters, in torch and in ember."""
    tp = [torch.nn.Parameter(torch.tensor(v)) for v in INIT]
    ep = [ember.tensor(v, dtype=ember.float64, device=device, requires_grad=True) for v in INIT]
    wrap = groups or (lambda ps: ps)
    return getattr(torch.optim, name)(wrap(tp), **kw), tp, getattr(optim, name)(wrap(ep), **kw), ep


def feed(params: list[Any], step: int, lib: Any, device: str = "cpu") -> None:
    grads = loss_grads([host(p) for p in params], step)
    for p, g in zip(params, grads):
        p.grad = lib.tensor(g, dtype=lib.float64) if lib is torch else ember.tensor(g, device=device)


def assert_params(eps: list[Any], tps: list[Any], tol: float = 1e-6) -> None:
    for e, t in zip(eps, tps):
        np.testing.assert_allclose(host(e), t.detach().numpy(), rtol=tol, atol=tol)


def assert_states(eopt: Any, topt: Any, eps: list[Any], tps: list[Any]) -> None:
    for e, t in zip(eps, tps):
        es, ts = eopt.state.get(e, {}), topt.state.get(t, {})
        assert sorted(es) == sorted(ts)
        for key, tv in ts.items():
            ev = es[key]
            if isinstance(tv, torch.Tensor):
                assert isinstance(ev, ember.Tensor), key
                assert str(ev.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1], key
                np.testing.assert_allclose(host(ev), tv.double().numpy(), rtol=1e-6, atol=1e-9, err_msg=key)
            else:
                assert ev == tv, key


# -- parity with torch -----------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS, ids=IDS)
def test_parity_ten_steps(name: str, kw: dict[str, Any]) -> None:
    topt, tp, eopt, ep = make_pair(name, kw)
    for step in range(10):
        for params, opt, lib in ((tp, topt, torch), (ep, eopt, ember)):
            opt.zero_grad()
            feed(params, step, lib)
            opt.step()
        assert_params(ep, tp)
    assert_states(eopt, topt, ep, tp)


@needs_torch
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam"])
def test_parity_on_every_backend(name: str, device: str) -> None:
    kw = {"SGD": {"lr": 0.05, "momentum": 0.9, "nesterov": True}, "Adam": {"lr": 0.05, "amsgrad": True},
          "RMSprop": {"lr": 0.01, "centered": True, "momentum": 0.5}}.get(name, {})
    topt, tp, eopt, ep = make_pair(name, kw, device)
    for step in range(10):
        topt.zero_grad()
        feed(tp, step, torch)
        topt.step()
        eopt.zero_grad()
        feed(ep, step, ember, device)
        eopt.step()
    assert_params(ep, tp)
    for p in ep:
        assert p.device.type == device
        for key, v in eopt.state[p].items():
            assert v.device.type == ("cpu" if key in ("step", "mu_product") else device), key


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam"])
def test_parity_param_groups_and_missing_grads(name: str) -> None:
    """Per-group hyper-parameters, and a parameter without a gradient is left alone (no state)."""
    extra = {"SGD": {"momentum": 0.9}, "RMSprop": {"momentum": 0.5}, "Adam": {"amsgrad": True},
             "NAdam": {"weight_decay": 0.1}}.get(name, {})

    def groups(ps: list[Any]) -> list[dict[str, Any]]:
        return [{"params": [ps[0]], "lr": 0.01, **extra}, {"params": [ps[1]]}]

    topt, tp, eopt, ep = make_pair(name, {"lr": 0.05}, groups=groups)
    for step in range(10):
        for params, opt, lib in ((tp, topt, torch), (ep, eopt, ember)):
            opt.zero_grad()
            feed(params, step, lib)
            if step % 3 == 1:
                params[1].grad = None
            opt.step()
        assert_params(ep, tp)
    assert_states(eopt, topt, ep, tp)


@needs_torch
def test_step_with_closure_returns_loss() -> None:
    w_t = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    w_e = ember.tensor([1.0, -2.0], dtype=ember.float64, requires_grad=True)
    topt, eopt = torch.optim.SGD([w_t], lr=0.1, momentum=0.9), optim.SGD([w_e], lr=0.1, momentum=0.9)

    def closure_for(w: Any, opt: Any) -> Callable[[], Any]:
        def closure() -> Any:
            opt.zero_grad()
            loss = (w * w * w).sum()
            loss.backward()
            return loss
        return closure

    with ember.no_grad():  # the closure still records: step runs it under enable_grad
        for _ in range(5):
            lt, le = topt.step(closure_for(w_t, topt)), eopt.step(closure_for(w_e, eopt))
            assert abs(lt.item() - le.item()) < 1e-9
    np.testing.assert_allclose(host(w_e), w_t.detach().numpy(), rtol=1e-9)


@needs_torch
@pytest.mark.parametrize(("name", "kw"), [(n, kw) for n, kw in OPTIMIZERS if not kw] + [("SGD", {})], ids=str)
def test_repr_and_state_dict_layout_as_torch(name: str, kw: dict[str, Any]) -> None:
    topt, tp, eopt, ep = make_pair(name, {"lr": 0.01, **kw})
    assert repr(eopt) == repr(topt)
    for params, opt, lib in ((tp, topt, torch), (ep, eopt, ember)):
        feed(params, 0, lib)
        opt.step()
    tsd, esd = topt.state_dict(), eopt.state_dict()
    assert esd["param_groups"] == tsd["param_groups"]
    assert {k: sorted(v) for k, v in esd["state"].items()} == {k: sorted(v) for k, v in tsd["state"].items()}


# -- hand-computed updates (run without torch) ----------------------------------------------------
def test_sgd_hand_computed() -> None:
    p = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.5)
    p.grad = ember.tensor([0.5, -1.0], dtype=ember.float64)
    opt.step()  # buf = g; p -= 0.1 * buf
    np.testing.assert_allclose(host(p), [0.95, 2.1])
    opt.step()  # buf = 0.5 * g + g = 1.5 g
    np.testing.assert_allclose(host(p), [0.95 - 0.075, 2.1 + 0.15])
    np.testing.assert_allclose(host(opt.state[p]["momentum_buffer"]), [0.75, -1.5])


def test_adam_hand_computed() -> None:
    p = ember.tensor([1.0, -3.0], dtype=ember.float64, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, weight_decay=0.5)
    p.grad = ember.tensor([0.2, 0.4], dtype=ember.float64)
    opt.step()
    g = np.array([0.2, 0.4]) + 0.5 * np.array([1.0, -3.0])
    m, v = 0.1 * g, 0.001 * g * g
    expected = np.array([1.0, -3.0]) - 0.1 / 0.1 * m / (np.sqrt(v) / np.sqrt(0.001) + 1e-8)
    np.testing.assert_allclose(host(p), expected, rtol=1e-12)
    assert opt.state[p]["step"].item() == 1.0 and opt.state[p]["step"].dtype == ember.float32


def test_update_is_in_place_and_unrecorded() -> None:
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    before = p
    (p * p).sum().backward()
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    assert p is before and p.is_leaf and p.grad_fn is None and p.requires_grad
    for v in opt.state[p].values():
        assert not v.requires_grad and v.grad_fn is None


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam"])
def test_float32_parameters_keep_dtype(name: str) -> None:
    p = ember.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.01)
    for _ in range(3):
        p.grad = ember.tensor([[0.1, -0.2], [0.3, 0.0]])
        opt.step()
    assert p.dtype == ember.float32
    for key, v in opt.state[p].items():
        assert v.dtype == (ember.float32 if key in ("step", "mu_product") else p.dtype)


# -- zero_grad, param groups ------------------------------------------------------------------------
def test_zero_grad() -> None:
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = ember.tensor([3.0, 4.0])
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and host(g).tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_add_param_group_fills_defaults() -> None:
    a = ember.tensor([1.0], requires_grad=True)
    b = ember.tensor([2.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter group$"):
        opt.add_param_group({"params": [a]})


def test_named_parameters() -> None:
    a = ember.tensor([1.0], requires_grad=True)
    opt = optim.Adam([("w", a)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"] and opt.param_groups[0]["params"] == [a]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


# -- errors -----------------------------------------------------------------------------------------
BAD_ARGS = [
    ("SGD", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"lr": 0.1, "weight_decay": -1}, "Invalid weight_decay value: -1"),
    ("SGD", {"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", {"lr": -0.001}, "Invalid learning rate: -0.001"),
    ("Adam", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("AdamW", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("RMSprop", {"alpha": -0.1}, "Invalid alpha value: -0.1"),
    ("RMSprop", {"momentum": -0.1}, "Invalid momentum value: -0.1"),
    ("Adagrad", {"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    ("Adagrad", {"initial_accumulator_value": -1.0}, "Invalid initial_accumulator_value value: -1.0"),
    ("Adamax", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("NAdam", {"momentum_decay": -1.0}, "Invalid momentum_decay value: -1.0"),
    ("RAdam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
]


@pytest.mark.parametrize(("name", "kw", "message"), BAD_ARGS,
                         ids=[f"{n}-{next(iter(k))}" for n, k, _ in BAD_ARGS])
def test_invalid_hyper_parameters(name: str, kw: dict[str, Any], message: str) -> None:
    p = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError) as ember_err:
        getattr(optim, name)([p], **kw)
    assert str(ember_err.value) == message
    if torch is not None:
        with pytest.raises(ValueError) as torch_err:
            getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))], **kw)
        assert str(torch_err.value) == message


def test_invalid_params() -> None:
    p = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got ember.FloatTensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="^optimizer can only optimize Tensors, but one of the params is int"):
        optim.SGD([1], lr=0.1)
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordering of tensors in sets will change"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter group$"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(NotImplementedError, match="differentiable"):
        optim.Adam([p], differentiable=True)


def test_load_mismatched_state_dict() -> None:
    a, b = (ember.tensor([1.0], requires_grad=True) for _ in range(2))
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="^loaded state dict contains a parameter group that doesn't match "
                                         "the size of optimizer's group$"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="^loaded state dict has a different number of parameter groups$"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)


# -- state_dict round trips ----------------------------------------------------------------------------
def _train(opt: Any, params: list[Any], steps: range, device: str = "cpu") -> None:
    for step in steps:
        opt.zero_grad()
        feed(params, step, ember, device)
        opt.step()


def _params(device: str = "cpu", dtype: Any = None) -> list[Any]:
    return [ember.tensor(v, dtype=dtype or ember.float64, device=device, requires_grad=True) for v in INIT]


@pytest.mark.parametrize(("name", "kw"), OPTIMIZERS, ids=IDS)
def test_state_dict_round_trip_continues_identically(name: str, kw: dict[str, Any]) -> None:
    pa = _params()
    opt_a = getattr(optim, name)(pa, **kw)
    _train(opt_a, pa, range(5))
    sd = copy.deepcopy(opt_a.state_dict())
    pb = [ember.tensor(host(p), dtype=ember.float64, requires_grad=True) for p in pa]
    opt_b = getattr(optim, name)(pb, lr=123.0)  # hyper-parameters come back from the state dict
    opt_b.load_state_dict(sd)
    assert opt_b.param_groups[0]["lr"] == opt_a.param_groups[0]["lr"]
    _train(opt_a, pa, range(5, 10))
    _train(opt_b, pb, range(5, 10))
    for a, b in zip(pa, pb):
        np.testing.assert_array_equal(host(a), host(b))


def test_loaded_state_is_a_copy() -> None:
    pa = _params()
    opt_a = optim.Adam(pa, lr=0.1)
    _train(opt_a, pa, range(2))
    pb = _params()
    opt_b = optim.Adam(pb, lr=0.1)
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.state[pb[0]]["exp_avg"] is not opt_a.state[pa[0]]["exp_avg"]
    assert opt_b.state[pb[0]]["step"] is not opt_a.state[pa[0]]["step"]


def test_load_casts_state_to_parameter_dtype() -> None:
    pa = _params()
    opt_a = optim.Adam(pa, lr=0.1)
    _train(opt_a, pa, range(2))
    pb = _params(dtype=ember.float32)
    opt_b = optim.Adam(pb, lr=0.1)
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.state[pb[0]]["exp_avg"].dtype == ember.float32
    assert opt_b.state[pb[0]]["step"].dtype == ember.float32


@pytest.mark.parametrize("device", DEVICES)
def test_state_follows_parameters_across_backends(device: str) -> None:
    pa = _params()
    opt_a = optim.RMSprop(pa, lr=0.01, momentum=0.9, centered=True)
    _train(opt_a, pa, range(3))
    pb = [p.detach().to(device).requires_grad_() for p in pa]
    opt_b = optim.RMSprop(pb, lr=0.01)
    opt_b.load_state_dict(opt_a.state_dict())
    for key in ("square_avg", "momentum_buffer", "grad_avg"):
        assert opt_b.state[pb[0]][key].device.type == device
    _train(opt_a, pa, range(3, 6))
    _train(opt_b, pb, range(3, 6), device)
    for a, b in zip(pa, pb):
        np.testing.assert_allclose(host(b), host(a), rtol=1e-12)


@pytest.mark.skipif(not hasattr(ember, "save"), reason="ember.save/ember.load are not available yet")
def test_state_dict_survives_save_and_load(tmp_path: Any) -> None:
    pa = _params()
    opt_a = optim.NAdam(pa, lr=0.05)
    _train(opt_a, pa, range(3))
    path = tmp_path / "opt.pt"
    ember.save(opt_a.state_dict(), path)
    pb = [ember.tensor(host(p), dtype=ember.float64, requires_grad=True) for p in pa]
    opt_b = optim.NAdam(pb, lr=0.05)
    opt_b.load_state_dict(ember.load(path))
    _train(opt_a, pa, range(3, 6))
    _train(opt_b, pb, range(3, 6))
    for a, b in zip(pa, pb):
        np.testing.assert_array_equal(host(a), host(b))


def test_no_warnings_in_a_plain_step() -> None:
    p = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (p * p).sum().backward()
        opt.step()
