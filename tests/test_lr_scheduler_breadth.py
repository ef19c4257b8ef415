"""Every public class of ``torch.optim.lr_scheduler`` and ``torch.optim.swa_utils`` against PyTorch: names and
signatures, CyclicLR's modes over 30 steps, a state_dict save/load half-way through every scheduler's run
(the resumed ember run must follow torch's uninterrupted one), state_dict contents, and SWA/EMA averaging,
``SWALR`` and ``update_bn``. Parity tests skip without torch.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember
from ember.optim import lr_scheduler as sched
from ember.optim import swa_utils

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle extra) is not installed")
STEPS = 30


def make_opt(lib: Any, kind: str = "SGD", lrs: tuple[float, ...] = (0.1, 0.05)) -> Any:
    groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=lrs[0])
    return lib.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def snapshot(opt: Any, scheduler: Any, kind: str) -> tuple[Any, ...]:
    lrs = tuple(g["lr"] for g in opt.param_groups)
    moms = tuple(g["betas"][0] if kind == "Adam" else g["momentum"] for g in opt.param_groups)
    return lrs, moms, tuple(scheduler.get_last_lr())


def run(lib: Any, make: Callable[[Any, Any], Any], kind: str = "SGD", resume_at: int | None = None
        ) -> list[tuple[Any, ...]]:
    """The lrs, momenta and get_last_lr() after construction and after each of STEPS steps. With resume_at,
    the optimizer and scheduler are rebuilt there from their state dicts (as a checkpoint restart does)."""
    opt = make_opt(lib, kind)
    scheduler = make(lib.optim.lr_scheduler, opt)
    out = [snapshot(opt, scheduler, kind)]
    for i in range(STEPS):
        if i == resume_at:
            opt_sd, sched_sd = copy.deepcopy(opt.state_dict()), copy.deepcopy(scheduler.state_dict())
            opt = make_opt(lib, kind)
            scheduler = make(lib.optim.lr_scheduler, opt)
            opt.load_state_dict(opt_sd)
            scheduler.load_state_dict(sched_sd)
        opt.step()
        scheduler.step()
        out.append(snapshot(opt, scheduler, kind))
    return out


def assert_same(ours: list[Any], theirs: list[Any]) -> None:
    assert len(ours) == len(theirs)
    for step, (o, t) in enumerate(zip(ours, theirs)):
        for a, b in zip(o, t):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"step {step}: {o} != {t}"


# -- names and signatures ------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", (list(torch.optim.lr_scheduler.__all__) + ["_LRScheduler"]) if torch else [])
def test_scheduler_names_and_signatures(name: str) -> None:
    theirs, ours = getattr(torch.optim.lr_scheduler, name), getattr(sched, name)

    def sig(cls: Any) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]

    assert sig(ours) == sig(theirs)


@needs_torch
def test_module_contents_as_torch() -> None:
    assert sorted(sched.__all__) == sorted(torch.optim.lr_scheduler.__all__)
    assert sched._LRScheduler is sched.LRScheduler
    assert sched.EPOCH_DEPRECATION_WARNING == torch.optim.lr_scheduler.EPOCH_DEPRECATION_WARNING
    assert sorted(swa_utils.__all__) == sorted(torch.optim.swa_utils.__all__)
    public = {n for n in torch.optim.__all__}
    assert public <= set(dir(ember.optim))


@needs_torch
@pytest.mark.parametrize("name", list(torch.optim.swa_utils.__all__) if torch else [])
def test_swa_utils_signatures(name: str) -> None:
    theirs, ours = getattr(torch.optim.swa_utils, name), getattr(swa_utils, name)
    fn_t, fn_o = (theirs.__init__, ours.__init__) if inspect.isclass(theirs) else (theirs, ours)
    assert list(inspect.signature(fn_o).parameters) == list(inspect.signature(fn_t).parameters)
    for p_o, p_t in zip(inspect.signature(fn_o).parameters.values(), inspect.signature(fn_t).parameters.values()):
        assert (p_o.kind, p_o.default) == (p_t.kind, p_t.default), p_o.name


# -- every scheduler: 30 steps with a checkpoint restart half-way, against torch's uninterrupted run -----------
class _Halve:
    """A callable object (its __dict__ goes into the state dict, unlike a function's)."""

    def __init__(self) -> None:
        self.base = 0.5

    def __call__(self, x: float) -> float:
        return self.base ** x


SCHEDULERS: dict[str, Callable[[Any, Any], Any]] = {
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda e: 0.9 ** e),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, [lambda e: 0.95, lambda e: 0.9 if e % 3 else 1.0]),
    "StepLR": lambda S, o: S.StepLR(o, step_size=4, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.5),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=7),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.1, end_factor=0.8, total_iters=20),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.93),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=25, power=1.5),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=9, eta_min=0.003),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=[0.5, 0.3], total_steps=STEPS + 2, three_phase=True),
    "CyclicLR": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=3,
                                                    step_size_down=5, mode="triangular2"),
    "CyclicLR-exp_range": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=5, mode="exp_range",
                                                  gamma=0.9, base_momentum=[0.7, 0.75], max_momentum=0.95),
    "CyclicLR-scale_fn-cycle": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=_Halve()),
    "CyclicLR-scale_fn-iterations": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                            scale_fn=lambda x: 1 / (1 + 0.1 * x),
                                                            scale_mode="iterations"),
    "CyclicLR-no-momentum": lambda S, o: S.CyclicLR(o, 0.05, 0.5, step_size_up=6, cycle_momentum=False),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.2, total_iters=4), S.StepLR(o, step_size=5, gamma=0.7),
            S.ExponentialLR(o, gamma=0.95)], milestones=[4, 15]),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler(
        [S.ExponentialLR(o, gamma=0.95), S.CyclicLR(o, 0.01, 0.1, step_size_up=3, cycle_momentum=False)]),
    "SWALR": lambda S, o: _swa(S).SWALR(o, swa_lr=0.02, anneal_epochs=7),
    "SWALR-linear-list": lambda S, o: _swa(S).SWALR(o, swa_lr=[0.02, 0.2], anneal_epochs=5,
                                                    anneal_strategy="linear"),
    "SWALR-no-annealing": lambda S, o: _swa(S).SWALR(o, swa_lr=0.03, anneal_epochs=0),
}


def _swa(S: Any) -> Any:
    return torch.optim.swa_utils if S is torch.optim.lr_scheduler else swa_utils


@needs_torch
@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_parity_with_a_restart_half_way(name: str) -> None:
    make = SCHEDULERS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither library may warn in correct use
        theirs = run(torch, make)
        assert_same(run(ember, make), theirs)
        assert_same(run(ember, make, resume_at=13), theirs)


@needs_torch
@pytest.mark.parametrize("name", ["CyclicLR", "CyclicLR-exp_range", "OneCycleLR"])
def test_beta1_cycling_with_adam(name: str) -> None:
    assert_same(run(ember, SCHEDULERS[name], "Adam", resume_at=9), run(torch, SCHEDULERS[name], "Adam"))


def _plain(value: Any) -> Any:
    """A state-dict value as comparable data (the Counter of MultiStepLR as a dict)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@needs_torch
@pytest.mark.parametrize("name", [n for n in SCHEDULERS if "scale_fn-iterations" not in n])
def test_state_dict_contents_as_torch(name: str) -> None:
    """After 12 steps both state dicts hold the same keys and (children included) the same values."""
    states = []
    for lib in (ember, torch):
        opt = make_opt(lib)
        scheduler = SCHEDULERS[name](lib.optim.lr_scheduler, opt)
        for _ in range(12):
            opt.step()
            scheduler.step()
        states.append(_plain(scheduler.state_dict()))
    ours, theirs = states
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        if key == "lr_lambdas":
            assert ours[key] == theirs[key]
            continue
        assert ours[key] == pytest.approx(theirs[key], rel=1e-12) if _numeric(theirs[key]) \
            else ours[key] == theirs[key], key


def _numeric(v: Any) -> bool:
    if isinstance(v, list):
        return all(_numeric(x) for x in v)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@needs_torch
def test_cyclic_lr_errors_as_torch() -> None:
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
            lib.optim.lr_scheduler.CyclicLR(make_opt(lib), 0.01, 0.1, mode="sine")
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            lib.optim.lr_scheduler.CyclicLR(lib.optim.Adagrad([lib.zeros(1, requires_grad=True)]), 0.01, 0.1)
        with pytest.raises(ValueError, match="base_lr must have the same length as optimizer.param_groups"):
            lib.optim.lr_scheduler.CyclicLR(make_opt(lib), [0.01], 0.1)
        with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
            (torch.optim.swa_utils if lib is torch else swa_utils).SWALR(make_opt(lib), 0.1, anneal_strategy="x")
        with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0"):
            (torch.optim.swa_utils if lib is torch else swa_utils).SWALR(make_opt(lib), 0.1, anneal_epochs=-1)


def test_cyclic_lr_hand_computed() -> None:
    """Triangular with step_size_up=2: base, mid, max, mid, base, ... (momentum moves the other way)."""
    opt = make_opt(ember, lrs=(1.0,))
    s = sched.CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2, base_momentum=0.8, max_momentum=0.9)
    lrs, moms = [s.get_last_lr()[0]], [opt.param_groups[0]["momentum"]]
    for _ in range(5):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["momentum"])
    assert lrs == [0.0, 0.5, 1.0, 0.5, 0.0, 0.5]
    assert moms == pytest.approx([0.9, 0.85, 0.8, 0.85, 0.9, 0.85])


# -- swa_utils: averaged models and update_bn ----------------------------------------------------------------
RNG = np.random.default_rng(3)
W1, B1 = RNG.standard_normal((4, 3)), RNG.standard_normal(4)
W2, B2 = RNG.standard_normal((2, 4)), RNG.standard_normal(2)
DATA = [RNG.standard_normal((6, 3)) for _ in range(4)]


def make_model(lib: Any) -> Any:
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    model = model.double()
    with lib.no_grad():
        for p, v in zip(model.parameters(), [W1, B1, np.ones(4), np.zeros(4), W2, B2]):
            p.copy_(lib.tensor(v))
    return model


AVERAGING: dict[str, Callable[[Any], dict[str, Any]]] = {
    "swa": lambda U: {},
    "ema-multi": lambda U: {"multi_avg_fn": U.get_ema_multi_avg_fn(0.8)},
    "ema-single": lambda U: {"avg_fn": U.get_ema_avg_fn(0.7)},
    "swa-single": lambda U: {"avg_fn": U.get_swa_avg_fn()},
    # (not with use_buffers: PyTorch's own list SWA fails on the integer num_batches_tracked buffer)
    "swa-multi": lambda U: {"multi_avg_fn": U.get_swa_multi_avg_fn()},
    "ema-buffers": lambda U: {"multi_avg_fn": U.get_ema_multi_avg_fn(0.9), "use_buffers": True},
}


def _train_and_average(lib: Any, kwargs: Callable[[Any], dict[str, Any]]) -> tuple[Any, Any]:
    U = torch.optim.swa_utils if lib is torch else swa_utils
    model = make_model(lib)
    averaged = U.AveragedModel(model, **kwargs(U))
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    for i, x in enumerate(DATA * 2):
        opt.zero_grad()
        (model(lib.tensor(x)) ** 2).sum().backward()
        opt.step()
        if i % 2:
            averaged.update_parameters(model)
    return averaged, model


@needs_torch
@pytest.mark.parametrize("name", list(AVERAGING))
def test_averaged_model_parity(name: str) -> None:
    (ours, _), (theirs, _) = _train_and_average(ember, AVERAGING[name]), _train_and_average(torch, AVERAGING[name])
    our_sd, their_sd = ours.state_dict(), theirs.state_dict()
    assert list(our_sd) == list(their_sd)
    for key in their_sd:
        np.testing.assert_allclose(our_sd[key].numpy(), their_sd[key].numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=key)
    assert int(ours.n_averaged) == 4
    x = DATA[0]
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(ember.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10)


@needs_torch
@pytest.mark.parametrize("batches", ["tensors", "tuples"])
def test_update_bn_parity(batches: str) -> None:
    results = []
    for lib in (ember, torch):
        averaged, model = _train_and_average(lib, AVERAGING["swa"])
        loader = [lib.tensor(x) if batches == "tensors" else (lib.tensor(x), lib.zeros(6)) for x in DATA]
        averaged.eval()
        lib.optim.swa_utils.update_bn(loader, averaged)
        assert not averaged.training  # the mode is restored
        bn = averaged.module[1]
        assert bn.momentum == 0.1  # and so is the momentum
        results.append([host(bn.running_mean), host(bn.running_var), int(bn.num_batches_tracked)])
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10)
    assert results[0][2] == results[1][2] == len(DATA)


def test_update_bn_without_batchnorm_does_nothing() -> None:
    model = ember.nn.Linear(3, 2)
    calls = []
    swa_utils.update_bn(iter(calls), model)  # the loader is never read


def test_averaged_model_rejects_two_averaging_functions() -> None:
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(ember.nn.Linear(2, 2), avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5 provided. Please provide a value in \[0,1\]"):
        swa_utils.get_ema_multi_avg_fn(1.5)


def host(t: Any) -> np.ndarray:
    return np.array(t.detach().cpu().numpy(), dtype=np.float64)
