"""``ember.optim.lr_scheduler``: every scheduler's learning rates (and cycled momentum) compared
with ``torch.optim.lr_scheduler`` step by step over 30 steps, state_dict round trips, the closed
form of ``step(epoch)``, warnings and errors. Parity tests skip without torch.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest

import ember
from ember.optim import lr_scheduler as sched

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle extra) is not installed")
STEPS = 30


def make_opt(lib: Any, kind: str = "SGD", lrs: tuple[float, ...] = (0.1, 0.05)) -> Any:
    """An optimizer with one param group per lr (SGD with momentum, or Adam for beta cycling)."""
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=lrs[0])
    return lib.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def run(lib: Any, make: Callable[[Any, Any], Any], kind: str = "SGD", steps: int = STEPS,
        metrics: list[float] | None = None) -> list[tuple[Any, ...]]:
    """The lrs (and momentum/beta1) after construction and after each step."""
    opt = make_opt(lib, kind)
    scheduler = make(lib.optim.lr_scheduler, opt)

    def record() -> tuple[Any, ...]:
        lrs = tuple(g["lr"] for g in opt.param_groups)
        moms = tuple(g["betas"][0] if kind == "Adam" else g["momentum"] for g in opt.param_groups)
        return lrs, moms, tuple(scheduler.get_last_lr())

    out = [record()]
    for i in range(steps):
        opt.step()
        scheduler.step(metrics[i]) if metrics is not None else scheduler.step()
        out.append(record())
    return out


def assert_same(ours: list[Any], theirs: list[Any]) -> None:
    assert len(ours) == len(theirs)
    for step, (o, t) in enumerate(zip(ours, theirs)):
        for a, b in zip(o, t):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"step {step}: {o} != {t}"


def _lambda(epoch: int) -> float:
    return 0.95 ** epoch


SCHEDULERS: dict[str, Callable[[Any, Any], Any]] = {
    "StepLR": lambda S, o: S.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "CosineAnnealingLR-10": lambda S, o: S.CosineAnnealingLR(o, T_max=10),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=5),
    "CosineAnnealingWarmRestarts-mult": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2,
                                                                                   eta_min=0.01),
    "LambdaLR": lambda S, o: S.LambdaLR(o, _lambda),
    "LambdaLR-list": lambda S, o: S.LambdaLR(o, [_lambda, lambda e: 1.0 / (e + 1)]),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 1.0),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.2, total_iters=6),
    "LinearLR-decay": lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=10, power=2.0),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS + 1),
    "OneCycleLR-linear": lambda S, o: S.OneCycleLR(o, max_lr=0.8, total_steps=STEPS, anneal_strategy="linear",
                                                   pct_start=0.25, div_factor=10.0),
    "OneCycleLR-three-phase": lambda S, o: S.OneCycleLR(o, max_lr=0.8, epochs=3, steps_per_epoch=11,
                                                        three_phase=True, base_momentum=[0.8, 0.7]),
    "OneCycleLR-no-momentum": lambda S, o: S.OneCycleLR(o, max_lr=0.8, total_steps=STEPS,
                                                        cycle_momentum=False),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.ExponentialLR(o, gamma=0.9)], milestones=[5]),
    "SequentialLR-three": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.3, total_iters=3), S.LinearLR(o, start_factor=0.5, total_iters=4),
            S.CosineAnnealingLR(o, T_max=12, eta_min=0.002)], milestones=[3, 10]),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=4), S.ExponentialLR(o, gamma=0.9)]),
    "Chained-cosine-step": lambda S, o: S.ChainedScheduler(
        [S.CosineAnnealingLR(o, T_max=8), S.StepLR(o, step_size=4, gamma=0.5)], optimizer=o),
}


@needs_torch
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_parity_thirty_steps(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither library may warn in correct use
        assert_same(run(ember, SCHEDULERS[name]), run(torch, SCHEDULERS[name]))


@needs_torch
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_cycles_adam_beta1(three_phase: bool) -> None:
    def make(S: Any, o: Any) -> Any:
        return S.OneCycleLR(o, max_lr=0.01, total_steps=STEPS, three_phase=three_phase)

    ours, theirs = run(ember, make, "Adam"), run(torch, make, "Adam")
    assert_same(ours, theirs)


PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.71, 0.72, 0.73, 0.74,
                   0.75, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.59, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
PLATEAU = {
    "default": {},
    "patience-1": {"patience": 1, "factor": 0.5},
    "cooldown": {"patience": 1, "factor": 0.5, "cooldown": 2},
    "abs": {"patience": 2, "threshold": 0.05, "threshold_mode": "abs", "factor": 0.5},
    "max": {"mode": "max", "patience": 2, "factor": 0.5},
    "max-abs": {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 0},
    "min_lr": {"patience": 0, "factor": 0.5, "min_lr": [0.02, 0.001]},
    "eps": {"patience": 0, "factor": 0.9, "min_lr": 0.04, "eps": 0.01},
}


@needs_torch
@pytest.mark.parametrize("name", list(PLATEAU))
def test_reduce_on_plateau_parity(name: str) -> None:
    def make(S: Any, o: Any) -> Any:
        return S.ReduceLROnPlateau(o, **PLATEAU[name])

    assert_same(run(ember, make, metrics=PLATEAU_METRICS), run(torch, make, metrics=PLATEAU_METRICS))


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                  "ConstantLR", "PolynomialLR", "CosineAnnealingWarmRestarts-mult"])
def test_step_with_epoch_uses_the_closed_form(name: str) -> None:
    def lrs(lib: Any) -> list[Any]:
        opt = make_opt(lib)
        scheduler = SCHEDULERS[name](lib.optim.lr_scheduler, opt)
        out = []
        for epoch in (3, 1, 7, 7, 12, 2, 25):
            opt.step()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                scheduler.step(epoch)
            # the deprecation warning, except from CosineAnnealingWarmRestarts whose fractional epochs are API
            assert any("The epoch parameter" in str(w.message) for w in caught) != ("WarmRestarts" in name)
            out.append(tuple(scheduler.get_last_lr()))
        return out

    for a, b in zip(lrs(ember), lrs(torch)):
        assert a == pytest.approx(b, rel=1e-12)


@needs_torch
@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR",
                                  "SequentialLR-three", "ChainedScheduler",
                                  "CosineAnnealingWarmRestarts-mult"])
def test_state_dict_keys_as_torch(name: str) -> None:
    ours = SCHEDULERS[name](sched, make_opt(ember)).state_dict()
    theirs = SCHEDULERS[name](torch.optim.lr_scheduler, make_opt(torch)).state_dict()
    assert sorted(ours) == sorted(theirs)


# -- without torch -----------------------------------------------------------------------------------
def test_step_lr_hand_computed() -> None:
    opt = make_opt(ember, lrs=(1.0,))
    s = sched.StepLR(opt, step_size=2, gamma=0.5)
    seen = [s.get_last_lr()[0]]
    for _ in range(6):
        opt.step()
        s.step()
        seen.append(s.get_last_lr()[0])
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    assert opt.param_groups[0]["initial_lr"] == 1.0 and s.base_lrs == [1.0] and s.last_epoch == 6


def test_cosine_recursive_form_matches_closed_form() -> None:
    opt = make_opt(ember, lrs=(0.5,))
    s = sched.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    for t in range(1, 25):
        opt.step()
        s.step()
        expected = 0.01 + (0.5 - 0.01) * (1 + math.cos(math.pi * t / 10)) / 2
        assert s.get_last_lr()[0] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_reduce_on_plateau_hand_computed() -> None:
    opt = make_opt(ember, lrs=(1.0,))
    s = sched.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    lrs = []
    for metric in [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]:
        s.step(metric)
        lrs.append(s.get_last_lr()[0])
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_round_trip(name: str) -> None:
    """A scheduler rebuilt and loaded from a state dict continues the same schedule."""
    make = SCHEDULERS[name]
    opt_a = make_opt(ember)
    a = make(sched, opt_a)
    for _ in range(10):
        opt_a.step()
        a.step()
    opt_b = make_opt(ember)
    b = make(sched, opt_b)
    b.load_state_dict(a.state_dict())
    opt_b.load_state_dict(opt_a.state_dict())
    assert b.get_last_lr() == a.get_last_lr()
    for _ in range(10):
        for o, s in ((opt_a, a), (opt_b, b)):
            o.step()
            s.step()
        assert b.get_last_lr() == a.get_last_lr()
        assert [g["lr"] for g in opt_b.param_groups] == [g["lr"] for g in opt_a.param_groups]


def test_plateau_state_dict_round_trip() -> None:
    opt_a, opt_b = make_opt(ember), make_opt(ember)
    a = sched.ReduceLROnPlateau(opt_a, patience=1, cooldown=1)
    for m in PLATEAU_METRICS[:12]:
        a.step(m)
    b = sched.ReduceLROnPlateau(opt_b)
    b.load_state_dict(a.state_dict())
    opt_b.load_state_dict(opt_a.state_dict())
    for m in PLATEAU_METRICS[12:]:
        a.step(m)
        b.step(m)
        assert b.get_last_lr() == a.get_last_lr()


def test_multistep_milestones_from_a_plain_dict() -> None:
    """A Counter saved through a data-only file comes back as a dict, maybe with string keys."""
    opt = make_opt(ember)
    s = sched.MultiStepLR(opt, milestones=[2, 4])
    state = s.state_dict()
    state["milestones"] = {str(k): v for k, v in state["milestones"].items()}
    s.load_state_dict(state)
    for _ in range(3):
        opt.step()
        s.step()
    assert s.get_last_lr() == pytest.approx([0.01, 0.005])


def test_warns_when_stepped_before_the_optimizer() -> None:
    opt = make_opt(ember)
    s = sched.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`"):
        s.step()


def test_get_lr_outside_step_warns() -> None:
    s = sched.ExponentialLR(make_opt(ember), gamma=0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()


BAD = [
    (lambda S, o: S.LinearLR(o, start_factor=0), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda S, o: S.LinearLR(o, end_factor=1.5), ValueError,
     "Ending multiplicative factor expected to be between 0 and 1."),
    (lambda S, o: S.ConstantLR(o, factor=2.0), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0), ValueError,
     "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError,
     "Expected positive integer total_steps, but got 0"),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1), ValueError,
     "Expected float between 0 and 1 pct_start, but got 1"),
    (lambda S, o: S.OneCycleLR(o, max_lr=[1.0], total_steps=10), ValueError,
     "max_lr must have the same length as optimizer.param_groups. max_lr has 1 values, param_groups has 2."),
    (lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError,
     "Expected integer T_mult >= 1, but got 0"),
    (lambda S, o: S.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda S, o: S.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg is unknown!"),
    (lambda S, o: S.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode x is unknown!"),
    (lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    (lambda S, o: S.LambdaLR(o, [_lambda]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda S, o: S.StepLR(o, 2, last_epoch=3), KeyError, None),
    (lambda S, o: S.StepLR(object(), 2), TypeError, "object is not an Optimizer"),
    (lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[]), ValueError,
     "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
     "milestone points, but got number of schedulers 2 and the number of milestones to be equal to 0"),
    (lambda S, o: S.SequentialLR(o, [S.ReduceLROnPlateau(o)], milestones=[]), ValueError,
     "SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be "
     "specified when calling `step`, but got one at index 0 in the given schedulers sequence."),
]


@pytest.mark.parametrize(("make", "exc", "message"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_errors(make: Callable[[Any, Any], Any], exc: type[Exception], message: str | None) -> None:
    libs = [ember] + ([torch] if torch is not None else [])
    for lib in libs:
        with pytest.raises(exc) as err:
            make(lib.optim.lr_scheduler, make_opt(lib))
        if message is not None:
            assert str(err.value) == message, lib.__name__
