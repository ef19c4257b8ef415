"""Optimizers and LR schedulers on the backend under test: a few steps of every optimizer of ``ember.optim``
(with its main options) on device parameters match the same run on the CPU (NumPy) backend, which tests/
checks against PyTorch; optimizer state lives on the parameter's device; ``state_dict``/``load_state_dict``
resume exactly, across devices too; schedulers drive device optimizers; in-place updates are visible
through every alias of a parameter (``p.data``, ``detach()``, views).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember import optim
from ember.optim import lr_scheduler

from ._reference import check_same, on_device, rand

X = rand(4, 3, seed=20)
Y = rand(4, 2, seed=21)
W0 = rand(3, 2, seed=22)
B0 = rand(2, seed=23)
#: state entries PyTorch (and ember) keep on the CPU whatever the parameter's device
CPU_STATE = ("step", "mu_product")


def _params(device: str, dtype: Any = ember.float64) -> list[nn.Parameter]:
    return [nn.Parameter(ember.tensor(W0, dtype=dtype, device=device)),
            nn.Parameter(ember.tensor(B0, dtype=dtype, device=device))]


def _closure(params: list[nn.Parameter], opt: optim.Optimizer) -> Callable[[], ember.Tensor]:
    w, b = params
    x = ember.tensor(X, dtype=w.dtype, device=w.device)
    y = ember.tensor(Y, dtype=w.dtype, device=w.device)

    def closure() -> ember.Tensor:
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean() + (w**4).sum() * 0.1
        loss.backward()
        return loss

    return closure


def _run(make: Callable[[Any], optim.Optimizer], params: list[nn.Parameter], steps: int,
         opt: optim.Optimizer | None = None) -> optim.Optimizer:
    opt = make(params) if opt is None else opt
    closure = _closure(params, opt)
    for _ in range(steps):
        closure()
        opt.step()
    return opt


def _check_state(opt_d: optim.Optimizer, opt_r: optim.Optimizer, device: str, **tol: Any) -> None:
    assert len(opt_d.state) == len(opt_r.state)
    for (pd, sd), (_, sr) in zip(opt_d.state.items(), opt_r.state.items()):
        assert sorted(sd) == sorted(sr)
        for key, value in sd.items():
            if not isinstance(value, ember.Tensor):
                assert value == sr[key], key
                continue
            # ASGD keeps all its scalars on the parameter's device, as PyTorch's does
            if key in CPU_STATE and not isinstance(opt_d, optim.ASGD):
                assert value.device.type == "cpu", f"state[{key!r}] is bookkeeping kept on the CPU, got {value.device}"
                check_same(value, sr[key], "cpu", what=f"state[{key!r}]", **tol)
            else:
                assert on_device(value, device), f"state[{key!r}] on {value.device}, its parameter on {pd.device}"
                check_same(value, sr[key], device, what=f"state[{key!r}]", **tol)


OPTIMIZERS: list[tuple[str, Callable[[Any], optim.Optimizer]]] = [
    ("SGD", lambda p: optim.SGD(p, lr=0.1)),
    ("SGD-momentum-dampening-wd", lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD-nesterov-maximize", lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("SGD-param-groups", lambda p: optim.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.01}], lr=0.1,
                                             momentum=0.5)),
    ("Adam", lambda p: optim.Adam(p, lr=0.1)),
    ("Adam-amsgrad-wd", lambda p: optim.Adam(p, lr=0.1, betas=(0.8, 0.9), amsgrad=True, weight_decay=0.1)),
    ("AdamW", lambda p: optim.AdamW(p, lr=0.1, weight_decay=0.1)),
    ("AdamW-amsgrad", lambda p: optim.AdamW(p, lr=0.1, amsgrad=True)),
    ("RMSprop", lambda p: optim.RMSprop(p, lr=0.01)),
    ("RMSprop-momentum-centered-wd", lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True,
                                                             weight_decay=0.1)),
    ("Adagrad", lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adamax", lambda p: optim.Adamax(p, lr=0.1, weight_decay=0.1)),
    ("NAdam", lambda p: optim.NAdam(p, lr=0.1)),
    ("NAdam-decoupled-wd", lambda p: optim.NAdam(p, lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", lambda p: optim.RAdam(p, lr=0.1)),
    ("RAdam-decoupled-wd", lambda p: optim.RAdam(p, lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adadelta", lambda p: optim.Adadelta(p, lr=0.5, weight_decay=0.1)),
    ("ASGD", lambda p: optim.ASGD(p, lr=0.05, t0=2, lambd=0.01)),
    ("Rprop", lambda p: optim.Rprop(p, lr=0.05, etas=(0.4, 1.3))),
    ("Adafactor", lambda p: optim.Adafactor(p, lr=0.1, weight_decay=0.1)),
    ("SparseAdam", lambda p: optim.SparseAdam(p, lr=0.1)),
]
#: RAdam's rectification switches on after 5 steps: run past it
STEPS = 6


@pytest.mark.parametrize("make", [pytest.param(make, id=name) for name, make in OPTIMIZERS])
def test_optimizer_matches_cpu(make: Callable[[Any], optim.Optimizer], device: str) -> None:
    ref, dev = _params("cpu"), _params(device)
    opt_r, opt_d = _run(make, ref, STEPS), _run(make, dev, STEPS)
    for k, (r, d) in enumerate(zip(ref, dev)):
        assert on_device(d, device) and isinstance(d, nn.Parameter) and d.is_leaf
        check_same(d, r, device, what=f"param {k} after {STEPS} steps")
        assert not np.allclose(d.detach().cpu().numpy(), (W0, B0)[k]), "the optimizer did not move the parameter"
    _check_state(opt_d, opt_r, device)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_matches_cpu(line_search_fn: str | None, device: str) -> None:
    """LBFGS (closure-driven, with its history and line search) on the device follows the CPU run."""
    runs = []
    for dev in ("cpu", device):
        params = _params(dev)
        opt = optim.LBFGS(params, lr=0.5, max_iter=4, history_size=3, line_search_fn=line_search_fn)
        closure = _closure(params, opt)
        losses = [float(opt.step(closure).detach()) for _ in range(2)]
        runs.append((params, losses, opt))
    (ref, ref_losses, opt_r), (dev_params, dev_losses, opt_d) = runs
    np.testing.assert_allclose(dev_losses, ref_losses, rtol=1e-9)
    for k, (r, d) in enumerate(zip(ref, dev_params)):
        assert on_device(d, device)
        check_same(d, r, device, what=f"param {k}")
    assert opt_d.state[dev_params[0]]["func_evals"] == opt_r.state[ref[0]]["func_evals"]
    assert on_device(opt_d.state[dev_params[0]]["d"], device)


@pytest.mark.parametrize("make", [pytest.param(dict(OPTIMIZERS)["Adam"], id="Adam")])
def test_optimizer_float32(make: Callable[[Any], optim.Optimizer], device: str) -> None:
    ref, dev = _params("cpu", ember.float32), _params(device, ember.float32)
    opt_r, opt_d = _run(make, ref, 3), _run(make, dev, 3)
    for k, (r, d) in enumerate(zip(ref, dev)):
        assert d.dtype == ember.float32
        check_same(d, r, device, what=f"param {k}")
    _check_state(opt_d, opt_r, device)


@pytest.mark.parametrize("make", [pytest.param(dict(OPTIMIZERS)[n], id=n)
                                  for n in ("SGD-momentum-dampening-wd", "Adam-amsgrad-wd", "NAdam", "RMSprop",
                                            "ASGD", "Adafactor")])
def test_optimizer_state_dict_resume(make: Callable[[Any], optim.Optimizer], device: str) -> None:
    straight = _params(device)
    _run(make, straight, 4)
    first = _params(device)
    opt = _run(make, first, 2)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"} and sorted(sd["state"]) == [0, 1]
    resumed = [nn.Parameter(p.detach().clone()) for p in first]
    opt2 = make(resumed)
    opt2.load_state_dict(sd)
    _check_state(opt2, opt, device, rtol=0, atol=0)
    _run(make, resumed, 2, opt2)
    for k, (s, r) in enumerate(zip(straight, resumed)):
        check_same(r, s, device, what=f"param {k}: resumed vs uninterrupted")


def test_optimizer_state_dict_cpu_to_device(device: str) -> None:
    make = dict(OPTIMIZERS)["Adam-amsgrad-wd"]
    ref = _params("cpu")
    opt_r = _run(make, ref, 2)
    dev = [nn.Parameter(p.detach().clone().to(device)) for p in ref]
    opt_d = make(dev)
    opt_d.load_state_dict(opt_r.state_dict())
    _check_state(opt_d, opt_r, device, rtol=0, atol=0)  # state tensors follow their parameter to the device
    _run(make, ref, 2, opt_r)
    _run(make, dev, 2, opt_d)
    for k, (r, d) in enumerate(zip(ref, dev)):
        check_same(d, r, device, what=f"param {k}")
    _check_state(opt_d, opt_r, device)


@pytest.mark.parametrize("make", [pytest.param(dict(OPTIMIZERS)[n], id=n) for n in ("SGD-nesterov-maximize", "Adam")])
def test_step_updates_visible_through_aliases(make: Callable[[Any], optim.Optimizer], device: str) -> None:
    params = _params(device)
    w = params[0]
    data, detached = w.data, w.detach()
    row, flat, col = w.detach()[1], w.detach().view(-1), w.detach().t()[1]
    with ember.no_grad():
        live_view = w[1:]  # a view taken under no_grad
    opt = _run(make, params, 2)
    assert opt.param_groups[0]["params"][0] is w, "the optimizer must update the parameter object in place"
    now = w.detach().cpu().numpy()
    assert not np.allclose(now, W0)
    for name, alias, want in (("p.data", data, now), ("p.detach()", detached, now), ("row view", row, now[1]),
                              ("view(-1)", flat, now.reshape(-1)), ("t() column", col, now[:, 1]),
                              ("w[1:] view", live_view, now[1:])):
        assert on_device(alias, device), f"{name} on {alias.device}"
        np.testing.assert_array_equal(alias.cpu().numpy(), want, err_msg=f"{name} does not see the update")
    with ember.no_grad():
        data.zero_()  # and the other way round: writes through p.data reach the parameter
    np.testing.assert_array_equal(w.detach().cpu().numpy(), np.zeros_like(W0))


def test_zero_grad_and_grads_on_device(device: str) -> None:
    params = _params(device)
    opt = optim.SGD(params, lr=0.1)
    _closure(params, opt)()
    assert all(p.grad is not None and on_device(p.grad, device) for p in params)
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.cpu().numpy().any() for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


SCHEDULERS: list[tuple[str, Callable[[Any], Any]]] = [
    ("StepLR", lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.5)),
    ("MultiStepLR", lambda o: lr_scheduler.MultiStepLR(o, milestones=[1, 3], gamma=0.3)),
    ("CosineAnnealingLR", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.01)),
    ("OneCycleLR", lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=6)),
    ("SequentialLR", lambda o: lr_scheduler.SequentialLR(
        o, [lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=2), lr_scheduler.ExponentialLR(o, 0.7)],
        milestones=[2])),
    ("ReduceLROnPlateau", lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=0, threshold=10.0)),
    ("CyclicLR", lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2)),
]


@pytest.mark.parametrize("make", [pytest.param(make, id=name) for name, make in SCHEDULERS])
def test_lr_scheduler_on_device(make: Callable[[Any], Any], device: str) -> None:
    runs = {}
    for dev in ("cpu", device):
        params = _params(dev)
        opt = optim.SGD(params, lr=0.1, momentum=0.9)
        sched = make(opt)
        closure = _closure(params, opt)
        lrs = []
        for _ in range(5):
            loss = closure()
            opt.step()
            if isinstance(sched, lr_scheduler.ReduceLROnPlateau):
                sched.step(loss.detach())  # a 0-d tensor on the device
            else:
                sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        runs[dev] = (params, lrs, sched.state_dict())
    (ref, lrs_r, sd_r), (dev_params, lrs_d, sd_d) = runs["cpu"], runs[device]
    np.testing.assert_allclose(lrs_d, lrs_r, rtol=1e-12, err_msg="learning rates differ from the CPU run")
    assert len(set(lrs_d)) > 1, "the schedule never changed the learning rate"
    assert all(isinstance(lr, float) for lr in lrs_d), "lr must stay a Python float"
    for k, (r, d) in enumerate(zip(ref, dev_params)):
        check_same(d, r, device, what=f"param {k}")
    assert sd_d.keys() == sd_r.keys()
