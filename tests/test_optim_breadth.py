"""The optimizers added to cover all of ``torch.optim`` (Adadelta, ASGD, Rprop, Adafactor, Muon, SparseAdam,
LBFGS) and the option coverage of every optimizer, checked against PyTorch: the same parameters, the same
loss (each library differentiating it at its own parameters), parameters compared after every step, a
``state_dict()`` save/load in the middle of the run, the final state, signatures, reprs and errors.
A handful also run on the jax backend. Parity tests skip without torch.
"""

from __future__ import annotations

import copy
import importlib
import inspect
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
JAX = [d for d in device_params() if getattr(d, "values", (d,))[0] == "jax"]

RNG = np.random.default_rng(7)
INIT = [RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal((2, 3, 4))]
X = RNG.standard_normal((5, 3))
TARGET = np.sin(np.arange(20.0).reshape(5, 4))


def host(t: Any) -> np.ndarray:
    return np.array(t.detach().cpu().numpy(), dtype=np.float64)


def make_params(lib: Any, dtype: str = "float64", device: str = "cpu", init: list[np.ndarray] = INIT) -> list[Any]:
    kw = {"device": device} if lib is ember else {}
    return [lib.tensor(v, dtype=getattr(lib, dtype), requires_grad=True, **kw) for v in init]


def loss_of(lib: Any, params: list[Any], step: int) -> Any:
    """A non-quadratic, step-dependent loss touching every parameter (the 3-d one through its square)."""
    w, b = params[0], params[1]
    x = lib.tensor(X, dtype=w.dtype, **({"device": w.device} if lib is ember else {}))
    y = lib.tensor(TARGET + step, dtype=w.dtype, **({"device": w.device} if lib is ember else {}))
    loss = ((x @ w + b - y) ** 2).sum() * 0.5 + (w ** 4).sum() * 0.025
    for extra in params[2:]:
        loss = loss + ((extra - 0.5) ** 2 * (extra + 2)).sum()
    return loss


def train(lib: Any, opt: Any, params: list[Any], steps: range, record: list[Any] | None = None) -> None:
    for step in steps:
        opt.zero_grad()
        loss_of(lib, params, step).backward()
        opt.step()
        if record is not None:
            record.append([host(p) for p in params])


def assert_close(ours: list[np.ndarray], theirs: list[np.ndarray], tol: float, what: str = "") -> None:
    for i, (e, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(e, t, rtol=tol, atol=tol, err_msg=f"{what} param {i}")


def assert_states_match(eopt: Any, topt: Any, tol: float = 1e-9) -> None:
    """The two optimizers' state dicts hold the same keys, types, dtypes and values."""
    esd, tsd = eopt.state_dict(), topt.state_dict()
    assert esd["param_groups"] == tsd["param_groups"]
    assert sorted(esd["state"]) == sorted(tsd["state"])
    for pid, tstate in tsd["state"].items():
        estate = esd["state"][pid]
        assert sorted(estate) == sorted(tstate), pid
        for key, tv in tstate.items():
            _assert_same_value(estate[key], tv, tol, f"state[{pid}][{key!r}]")


def _assert_same_value(ev: Any, tv: Any, tol: float, what: str) -> None:
    if isinstance(tv, torch.Tensor):
        assert isinstance(ev, ember.Tensor), what
        assert str(ev.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1], what
        assert tuple(ev.shape) == tuple(tv.shape), what
        np.testing.assert_allclose(host(ev), host(tv), rtol=tol, atol=tol, err_msg=what)
    elif isinstance(tv, list):
        assert isinstance(ev, list) and len(ev) == len(tv), what
        for i, (e, t) in enumerate(zip(ev, tv)):
            _assert_same_value(e, t, tol, f"{what}[{i}]")
    elif isinstance(tv, float):
        assert ev == pytest.approx(tv, rel=tol, abs=tol), what
    else:
        assert ev == tv, what


# -- the new optimizers, step by step against torch, with a state_dict round trip mid-run -------------------
CASES: list[tuple[str, dict[str, Any]]] = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 0.3, "maximize": True, "foreach": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.01, "t0": 4, "lambd": 0.05, "alpha": 0.5}),
    ("ASGD", {"lr": 0.005, "t0": 2, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Rprop", {"lr": 0.02, "maximize": True, "foreach": False}),
    ("Adafactor", {}),
    ("Adafactor", {"lr": 0.05, "beta2_decay": -0.5, "d": 1.5, "weight_decay": 0.1}),
    ("Adafactor", {"lr": 0.02, "eps": (1e-3, 1e-2), "maximize": True}),
    ("Adagrad", {"lr": 0.1, "fused": True}),
    ("Adam", {"lr": 0.05, "fused": True, "amsgrad": True, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "foreach": True, "maximize": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "fused": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.5, "dampening": 0.3, "foreach": True}),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for name, kw in CASES]
STEPS, RESUME_AT = 12, 5


@needs_torch
@pytest.mark.parametrize(("name", "kw"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_parity_with_resume(name: str, kw: dict[str, Any], dtype: str) -> None:
    """Every step matches torch; reloading the state dict into a fresh optimizer at RESUME_AT changes nothing."""
    tol = 1e-9 if dtype == "float64" else 2e-5
    tp = make_params(torch, dtype)
    topt = getattr(torch.optim, name)(tp, **kw)
    theirs: list[Any] = []
    train(torch, topt, tp, range(STEPS), theirs)

    ep = make_params(ember, dtype)
    eopt = getattr(optim, name)(ep, **kw)
    ours: list[Any] = []
    train(ember, eopt, ep, range(RESUME_AT), ours)
    saved = copy.deepcopy(eopt.state_dict())
    eopt = getattr(optim, name)(ep, **kw)
    eopt.load_state_dict(saved)
    train(ember, eopt, ep, range(RESUME_AT, STEPS), ours)

    for step, (o, t) in enumerate(zip(ours, theirs)):
        assert_close(o, t, tol, f"step {step}")
    if dtype == "float64":
        assert_states_match(eopt, topt)


@needs_torch
@pytest.mark.parametrize("name", ["Adadelta", "ASGD", "Rprop", "Adafactor", "Muon", "SparseAdam", "LBFGS"])
def test_repr_and_defaults_as_torch(name: str) -> None:
    tp, ep = make_params(torch)[:1], make_params(ember)[:1]
    topt, eopt = getattr(torch.optim, name)(tp), getattr(optim, name)(ep)
    assert repr(eopt) == repr(topt)
    assert eopt.defaults == topt.defaults


@needs_torch
def test_param_groups_and_missing_grads() -> None:
    """Per-group hyper-parameters, and a parameter without a gradient gets no state and no update."""
    def groups(ps: list[Any]) -> list[dict[str, Any]]:
        return [{"params": [ps[0]], "lr": 0.5, "rho": 0.6}, {"params": ps[1:]}]

    results = []
    for lib in (torch, ember):
        ps = make_params(lib)
        opt = lib.optim.Adadelta(groups(ps), lr=1.0)
        for step in range(6):
            opt.zero_grad()
            loss_of(lib, ps, step).backward()
            if step % 2:
                ps[2].grad = None
            opt.step()
        results.append([host(p) for p in ps])
    assert_close(results[1], results[0], 1e-12)


# -- option coverage -------------------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", [n for n in torch.optim.__all__ if inspect.isclass(getattr(torch.optim, n))]
                         if torch is not None else [])
def test_signature_as_torch(name: str) -> None:
    """Every torch.optim class exists in ember.optim with PyTorch's parameters, kinds and defaults."""
    def sig(cls: Any) -> list[tuple[str, Any, Any]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]

    assert sig(getattr(optim, name)) == sig(getattr(torch.optim, name))


@needs_torch
@pytest.mark.parametrize("name", ["Adadelta", "ASGD", "Rprop", "Adafactor", "SGD", "Adam"])
def test_tensor_lr(name: str) -> None:
    """A one-element tensor lr behaves as the number it holds."""
    results = []
    for lib in (torch, ember):
        ps = make_params(lib)
        opt = getattr(lib.optim, name)(ps, lr=lib.tensor(0.05, dtype=lib.float64))
        record: list[Any] = []
        train(lib, opt, ps, range(5), record)
        results.append(record[-1])
    assert_close(results[1], results[0], 1e-9)


@pytest.mark.parametrize("name", ["Adadelta", "ASGD", "Rprop", "Adam", "SGD"])
def test_differentiable_is_refused(name: str) -> None:
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(optim, name)(make_params(ember), differentiable=True)


INVALID = [
    ("Adadelta", {"lr": -1.0}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"eps": -1.0}),
    ("Adadelta", {"weight_decay": -0.1}), ("ASGD", {"lr": -0.1}), ("ASGD", {"weight_decay": -1.0}),
    ("Rprop", {"lr": -0.1}), ("Rprop", {"etas": (1.5, 1.2)}), ("Rprop", {"etas": (0.5, 0.9)}),
    ("Adafactor", {"lr": -1.0}), ("Adafactor", {"beta2_decay": 0.5}), ("Adafactor", {"eps": (-1.0, 1e-3)}),
    ("Adafactor", {"eps": (None, -1.0)}), ("Adafactor", {"d": 0.5}), ("Adafactor", {"weight_decay": -1.0}),
    ("Muon", {"lr": -1.0}), ("Muon", {"momentum": -1.0}), ("Muon", {"weight_decay": -1.0}),
    ("Muon", {"adjust_lr_fn": "other"}), ("SparseAdam", {"lr": 0.0}), ("SparseAdam", {"eps": 0.0}),
    ("SparseAdam", {"betas": (1.0, 0.9)}), ("SparseAdam", {"betas": (0.9, -0.1)}), ("LBFGS", {"lr": -1.0}),
]


@needs_torch
@pytest.mark.parametrize(("name", "kw"), INVALID, ids=[f"{n}-{kw}" for n, kw in INVALID])
def test_invalid_hyper_parameters_as_torch(name: str, kw: dict[str, Any]) -> None:
    with pytest.raises(Exception) as theirs:
        getattr(torch.optim, name)(make_params(torch)[:1], **kw)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(optim, name)(make_params(ember)[:1], **kw)
    assert str(ours.value) == str(theirs.value)


@needs_torch
def test_structural_errors_as_torch() -> None:
    for lib in (torch, ember):
        ps = make_params(lib)
        with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
            lib.optim.Muon(ps[1:2])
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": ps[:1]}, {"params": ps[1:]}])
        opt = lib.optim.LBFGS(ps[:1], line_search_fn="backtracking")

        def closure(opt: Any = opt, ps: list[Any] = ps, lib: Any = lib) -> Any:
            opt.zero_grad()
            loss = loss_of(lib, ps[:2], 0)
            loss.backward()
            return loss

        with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
            opt.step(closure)


# -- Muon: bfloat16 Newton-Schulz, bit-for-bit as PyTorch's on the CPU ---------------------------------------
MUON_CASES = [{}, {"lr": 0.02, "weight_decay": 0.0}, {"lr": 0.05, "nesterov": False, "adjust_lr_fn": "match_rms_adamw"},
              {"lr": 0.02, "momentum": 0.5, "ns_steps": 3, "ns_coefficients": (2.0, -1.5, 0.5), "eps": 1e-5,
               "adjust_lr_fn": "original"}]


@needs_torch
@pytest.mark.parametrize("kw", MUON_CASES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_muon_parity(kw: dict[str, Any], dtype: str) -> None:
    """A wide and a tall matrix (the tall one is orthogonalized through its transpose)."""
    init = [RNG.standard_normal((3, 4)), np.zeros(4), RNG.standard_normal((4, 3))]

    def run(lib: Any, resume: bool) -> list[Any]:
        ps = make_params(lib, dtype, init=init)
        mats = [ps[0], ps[2]]
        opt = lib.optim.Muon(mats, **kw)
        record: list[Any] = []
        for step in range(8):
            if resume and step == 4:
                saved = copy.deepcopy(opt.state_dict())
                opt = lib.optim.Muon(mats, **kw)
                opt.load_state_dict(saved)
            opt.zero_grad()
            w, v = ps[0], ps[2]
            (loss_of(lib, [w, ps[1]], step) + (v @ w).pow(2).sum() * 0.1).backward()
            opt.step()
            record.append([host(p) for p in mats])
        return record

    tol = 1e-6 if dtype == "float32" else 1e-12
    for step, (o, t) in enumerate(zip(run(ember, True), run(torch, False))):
        assert_close(o, t, tol, f"step {step}")


# -- SparseAdam: ember's Embedding(sparse=True) gives dense gradients ----------------------------------------
@needs_torch
@pytest.mark.parametrize("kw", [{}, {"lr": 0.1, "betas": (0.5, 0.9), "eps": 1e-6}, {"lr": 0.05, "maximize": True}],
                         ids=str)
def test_sparse_adam_with_sparse_embedding(kw: dict[str, Any]) -> None:
    """Rows never looked up keep their values and zero moments; looked-up rows move as in torch."""
    weight = RNG.standard_normal((10, 3))

    def run(lib: Any) -> tuple[list[np.ndarray], Any]:
        emb = lib.nn.Embedding(10, 3, sparse=True, dtype=lib.float64)
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(weight))
        opt = lib.optim.SparseAdam(list(emb.parameters()), **kw)
        record = []
        for step in range(8):
            if step == 4:
                saved = copy.deepcopy(opt.state_dict())
                opt = lib.optim.SparseAdam(list(emb.parameters()), **kw)
                opt.load_state_dict(saved)
            opt.zero_grad()
            idx = lib.tensor([[step % 6, (3 * step) % 6, 2], [1, 1, (step + 5) % 6]])
            out = emb(idx)
            ((out + 0.3) ** 2).sum().backward()
            opt.step()
            record.append(host(emb.weight))
        return record, opt

    ours, eopt = run(ember)
    theirs, topt = run(torch)
    for step, (o, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12, err_msg=f"step {step}")
    np.testing.assert_array_equal(ours[-1][6:], weight[6:])
    assert_states_match(eopt, topt)


# -- LBFGS: iterates on Rosenbrock and a least-squares problem, both line-search modes -----------------------
def rosenbrock(x: Any) -> Any:
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


LS_A = RNG.standard_normal((8, 4))
LS_B = RNG.standard_normal(8)


def least_squares(x: Any) -> Any:
    lib = torch if isinstance(x, torch.Tensor) else ember
    a = lib.tensor(LS_A, dtype=x.dtype)
    b = lib.tensor(LS_B, dtype=x.dtype)
    return ((a @ x - b) ** 2).sum() + 0.01 * (x ** 4).sum()


LBFGS_CASES = [
    ("rosenbrock", {}),
    ("rosenbrock", {"line_search_fn": "strong_wolfe"}),
    ("rosenbrock", {"lr": 0.5, "max_iter": 7, "history_size": 3}),
    ("rosenbrock", {"line_search_fn": "strong_wolfe", "history_size": 2, "max_eval": 9, "tolerance_grad": 1e-5,
                    "tolerance_change": 1e-6}),
    ("least_squares", {"max_iter": 4}),
    ("least_squares", {"line_search_fn": "strong_wolfe", "max_iter": 3, "history_size": 1}),
    ("least_squares", {"line_search_fn": "strong_wolfe", "tolerance_grad": 1e-3}),
]


def _lbfgs_run(lib: Any, problem: str, kw: dict[str, Any], dtype: str = "float64", device: str = "cpu",
               steps: int = 4, resume_at: int | None = None) -> tuple[list[np.ndarray], list[float], Any]:
    fn = rosenbrock if problem == "rosenbrock" else least_squares
    x0 = [-1.5, 2.0, 0.5, -0.3]
    extra = {"device": device} if lib is ember else {}
    x = lib.tensor(x0, dtype=getattr(lib, dtype), requires_grad=True, **extra)
    opt = lib.optim.LBFGS([x], **kw)
    iterates, losses = [], []
    for step in range(steps):
        if step == resume_at:
            saved = copy.deepcopy(opt.state_dict())
            opt = lib.optim.LBFGS([x], **kw)
            opt.load_state_dict(saved)

        def closure(opt: Any = opt) -> Any:
            opt.zero_grad()
            loss = fn(x)
            loss.backward()
            return loss

        losses.append(float(opt.step(closure).detach()))
        iterates.append(host(x))
    return iterates, losses, opt


@needs_torch
@pytest.mark.parametrize(("problem", "kw"), LBFGS_CASES, ids=[f"{p}-{kw}" for p, kw in LBFGS_CASES])
def test_lbfgs_parity(problem: str, kw: dict[str, Any]) -> None:
    """The iterates after each step(closure), the losses it returns, and the final state (history included),
    with the state dict reloaded into a fresh LBFGS half-way."""
    ours, our_losses, eopt = _lbfgs_run(ember, problem, kw, resume_at=2)
    theirs, their_losses, topt = _lbfgs_run(torch, problem, kw)
    for step, (o, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(o, t, rtol=1e-9, atol=1e-10, err_msg=f"step {step}")
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-9)
    assert_states_match(eopt, topt, tol=1e-7)


@needs_torch
@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_float32_least_squares(line_search_fn: str | None) -> None:
    ours, _, _ = _lbfgs_run(ember, "least_squares", {"line_search_fn": line_search_fn}, "float32", steps=2)
    theirs, _, _ = _lbfgs_run(torch, "least_squares", {"line_search_fn": line_search_fn}, "float32", steps=2)
    np.testing.assert_allclose(ours[-1], theirs[-1], rtol=1e-4, atol=1e-5)


def test_lbfgs_needs_a_closure() -> None:
    opt = optim.LBFGS(make_params(ember)[:1])
    with pytest.raises(RuntimeError, match="requires a closure"):
        opt.step(None)  # type: ignore[arg-type]


def test_lbfgs_stops_at_an_optimum() -> None:
    """A zero gradient ends step() after one evaluation (tolerance_grad)."""
    x = ember.tensor([1.0, 1.0, 1.0], dtype=ember.float64, requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def closure() -> Any:
        calls.append(1)
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    assert float(opt.step(closure)) == 0.0
    assert len(calls) == 1 and opt.state[x]["func_evals"] == 1


# -- a subset on the jax backend -------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("device", JAX)
@pytest.mark.parametrize(("name", "kw"), [("Adadelta", {"lr": 0.5}), ("ASGD", {"t0": 2}), ("Rprop", {}),
                                          ("Adafactor", {"lr": 0.05}), ("Muon", {"lr": 0.05})], ids=str)
def test_parity_on_jax(name: str, kw: dict[str, Any], device: str) -> None:
    steps = 3
    tp = make_params(torch)[:2]
    ep = make_params(ember, device=device)[:2]
    if name == "Muon":
        topt, eopt = torch.optim.Muon(tp[:1], **kw), optim.Muon(ep[:1], **kw)
    else:
        topt, eopt = getattr(torch.optim, name)(tp, **kw), getattr(optim, name)(ep, **kw)
    theirs: list[Any] = []
    ours: list[Any] = []
    train(torch, topt, tp, range(steps), theirs)
    train(ember, eopt, ep, range(steps), ours)
    for step, (o, t) in enumerate(zip(ours, theirs)):
        assert_close(o, t, 1e-9, f"step {step}")
    for p in ep:
        assert p.device.type == device


@needs_torch
@pytest.mark.parametrize("device", JAX)
def test_lbfgs_on_jax(device: str) -> None:
    kw = {"line_search_fn": "strong_wolfe", "max_iter": 5}
    ours, _, _ = _lbfgs_run(ember, "rosenbrock", kw, device=device, steps=1)
    theirs, _, _ = _lbfgs_run(torch, "rosenbrock", kw, steps=1)
    np.testing.assert_allclose(ours[-1], theirs[-1], rtol=1e-9)


# -- swap_in_optimizer_params_and_state ------------------------------------------------------------------
def _swap_run(lib: Any) -> tuple[list[np.ndarray], dict[str, Any], Any, list[Any], Any]:
    ps = make_params(lib)[:2]
    opt = lib.optim.Adam(ps, lr=0.05, weight_decay=0.1)
    train(lib, opt, ps, range(2))
    live_values = [host(p) for p in ps]
    live_group = opt.param_groups[0]
    swap_state = copy.deepcopy(opt.state_dict())
    swap_state["param_groups"][0]["lr"] = 0.2
    others = {name: lib.tensor(v * 0.5, dtype=lib.float64, requires_grad=True)
              for name, v in zip(("w", "b"), INIT[:2])}
    with lib.optim.swap_in_optimizer_params_and_state(opt, others, swap_state):
        assert opt.param_groups[0]["lr"] == 0.2
        assert opt.param_groups[0]["params"][0] is others["w"]
        train(lib, opt, list(others.values()), range(2, 4))
    # the live optimizer is back: its parameters, hyper-parameters and state untouched
    assert opt.param_groups[0] is live_group and opt.param_groups[0]["lr"] == 0.05
    assert opt.param_groups[0]["params"][0] is ps[0]
    assert_close([host(p) for p in ps], live_values, 0.0)
    return [host(p) for p in others.values()], swap_state, opt, ps, live_values


@needs_torch
def test_swap_in_optimizer_params_and_state() -> None:
    ours, our_state, eopt, _, _ = _swap_run(ember)
    theirs, their_state, topt, _, _ = _swap_run(torch)
    assert_close(ours, theirs, 1e-12)
    # in-place updates reached the swapped-in state dict's tensors
    for pid in their_state["state"]:
        for key in ("exp_avg", "exp_avg_sq", "step"):
            np.testing.assert_allclose(host(our_state["state"][pid][key]), host(their_state["state"][pid][key]),
                                       rtol=1e-12, err_msg=key)
    assert_states_match(eopt, topt)


@needs_torch
def test_swap_in_errors_as_torch() -> None:
    for lib in (torch, ember):
        ps = make_params(lib)[:2]
        opt = lib.optim.Adam(ps)
        with pytest.raises(RuntimeError, match="requires initialized optimizer state"):
            with lib.optim.swap_in_optimizer_params_and_state(opt, {}, opt.state_dict()):
                pass
        train(lib, opt, ps, range(1))
        bad = copy.deepcopy(opt.state_dict())
        bad["param_groups"][0]["extra"] = 1
        with pytest.raises(RuntimeError, match=r"Keys only in swap-in: \['extra'\]"):
            with lib.optim.swap_in_optimizer_params_and_state(opt, dict(zip("ab", ps)), bad):
                pass
        with pytest.raises(RuntimeError, match="must match|requires the explicit parameter state"):
            with lib.optim.swap_in_optimizer_params_and_state(opt, {"a": ps[0]}, opt.state_dict()):
                pass


# -- complex parameters: optimized as pairs of reals, as PyTorch does -------------------------------------
COMPLEX_INIT = (RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3)))
COMPLEX_CASES = [("Adam", {"amsgrad": True, "weight_decay": 0.1}), ("AdamW", {}), ("SGD", {"momentum": 0.9}),
                 ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {"initial_accumulator_value": 0.1}),
                 ("Adamax", {}), ("NAdam", {}), ("RAdam", {}), ("Adadelta", {"weight_decay": 0.1}),
                 ("ASGD", {"t0": 2}), ("Rprop", {}), ("LBFGS", {"line_search_fn": "strong_wolfe", "max_iter": 3})]


def _complex_loss(p: Any) -> Any:
    return (p * p.conj()).real.sum() + (p * (1 + 1j)).real.sum() * 0.3 + (p ** 3).real.sum() * 0.1


@needs_torch
@pytest.mark.parametrize(("name", "kw"), COMPLEX_CASES, ids=[n for n, _ in COMPLEX_CASES])
def test_complex_parameters(name: str, kw: dict[str, Any]) -> None:
    def run(lib: Any, resume_at: int | None) -> list[np.ndarray]:
        p = lib.tensor(COMPLEX_INIT, dtype=lib.complex128, requires_grad=True)
        opt = getattr(lib.optim, name)([p], lr=0.05, **kw)
        out = []
        for step in range(6):
            if step == resume_at:
                saved = copy.deepcopy(opt.state_dict())
                opt = getattr(lib.optim, name)([p], lr=0.05, **kw)
                opt.load_state_dict(saved)

            def closure(opt: Any = opt) -> Any:
                opt.zero_grad()
                loss = _complex_loss(p)
                loss.backward()
                return loss

            opt.step(closure)
            out.append(np.array(p.detach().numpy()))
        return out

    for step, (o, t) in enumerate(zip(run(ember, 3), run(torch, None))):
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")


@needs_torch
@pytest.mark.parametrize("name", ["Adafactor", "Muon", "SparseAdam"])
def test_complex_parameters_refused_as_torch(name: str) -> None:
    def attempt(lib: Any) -> BaseException:
        p = lib.tensor(COMPLEX_INIT, dtype=lib.complex128, requires_grad=True)
        try:
            opt = getattr(lib.optim, name)([p])
            _complex_loss(p).backward()
            opt.step()
        except (RuntimeError, ValueError) as exc:
            return exc
        raise AssertionError(f"{lib.__name__}.optim.{name} accepted a complex parameter")

    ours, theirs = attempt(ember), attempt(torch)
    assert type(ours) is type(theirs) and str(ours) == str(theirs)


# -- Optimizer hooks -------------------------------------------------------------------------------------
def _hook_trace(lib: Any) -> tuple[list[Any], list[np.ndarray]]:
    """Step, state_dict and load_state_dict hooks (per optimizer, global, prepended, removed, replacing)."""
    mod = importlib.import_module(f"{lib.__name__}.optim.optimizer")
    log: list[Any] = []
    ps = make_params(lib)[:2]
    opt = lib.optim.Adadelta(ps, lr=0.5)
    handles = [
        opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", type(o).__name__, len(a), sorted(k)))),
        opt.register_step_post_hook(lambda o, a, k: log.append(("post",))),
        mod.register_optimizer_step_pre_hook(lambda o, a, k: log.append(("global-pre",))),
        mod.register_optimizer_step_post_hook(lambda o, a, k: log.append(("global-post",))),
        opt.register_state_dict_pre_hook(lambda o: log.append(("sd-pre",))),
        opt.register_state_dict_pre_hook(lambda o: log.append(("sd-pre-first",)), prepend=True),
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1}),
        opt.register_load_state_dict_pre_hook(lambda o, sd: {k: v for k, v in sd.items() if k != "extra"}),
        opt.register_load_state_dict_post_hook(lambda o: log.append(("load-post",))),
    ]
    removed = opt.register_step_post_hook(lambda o, a, k: log.append(("removed",)))
    removed.remove()
    try:
        train(lib, opt, ps, range(2))
        sd = opt.state_dict()
        log.append(("sd-keys", sorted(sd)))
        opt.load_state_dict(sd)
        # a pre hook may replace the arguments: here it supplies a closure
        def closure() -> Any:
            opt.zero_grad()
            loss = loss_of(lib, ps, 2)
            loss.backward()
            log.append(("closure",))
            return loss

        handles.append(opt.register_step_pre_hook(lambda o, a, k: ((a[0],), {"closure": closure})))
        opt.step()
    finally:
        for h in handles:
            h.remove()
    opt.step()  # no hook left, global ones included
    return log, [host(p) for p in ps]


@needs_torch
def test_hooks_as_torch() -> None:
    ours, our_params = _hook_trace(ember)
    theirs, their_params = _hook_trace(torch)
    assert ours == theirs
    assert_close(our_params, their_params, 1e-12)


@needs_torch
def test_step_pre_hook_bad_return_as_torch() -> None:
    for lib in (torch, ember):
        p = make_params(lib)[:1]
        opt = lib.optim.SGD(p, lr=0.1)
        opt.register_step_pre_hook(lambda o, a, k: 3)
        with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got 3"):
            opt.step()


# -- sparse COO gradients ------------------------------------------------------------------------------
SPARSE_STEPS = [([[1, 3, 1]], [[0.5, -1.0], [2.0, 0.0], [1.5, 0.25]]),  # a duplicate index, summed
                ([[0, 3]], [[0.0, 0.0], [-1.0, 0.5]]),  # an explicit zero row: present, so its moments decay
                ([[4]], [[0.3, 0.3]])]


def _sparse_grad(lib: Any, indices: list[list[int]], values: list[list[float]]) -> Any:
    extra = {"check_invariants": True} if lib is torch else {}
    return lib.sparse_coo_tensor(lib.tensor(indices), lib.tensor(values, dtype=lib.float64), (5, 2), **extra)


@needs_torch
@pytest.mark.parametrize("maximize", [False, True])
def test_sparse_adam_with_sparse_coo_gradients(maximize: bool) -> None:
    """Given sparse COO gradients, SparseAdam updates exactly the entries they hold, as PyTorch does."""
    weight = RNG.standard_normal((5, 2))
    results = []
    for lib in (ember, torch):
        p = lib.tensor(weight, dtype=lib.float64, requires_grad=True)
        opt = lib.optim.SparseAdam([p], lr=0.1, maximize=maximize)
        record = []
        for indices, values in SPARSE_STEPS * 2:
            p.grad = _sparse_grad(lib, indices, values)
            opt.step()
            record.append(host(p))
        results.append((record, opt))
    (ours, eopt), (theirs, topt) = results
    for step, (o, t) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12, err_msg=f"step {step}")
    np.testing.assert_array_equal(ours[-1][2], weight[2])  # never in a gradient: untouched
    assert_states_match(eopt, topt)


@needs_torch
@pytest.mark.parametrize("name", ["Adadelta", "ASGD", "Rprop", "Adafactor", "Muon", "Adam", "AdamW", "Adamax",
                                  "NAdam", "RAdam", "RMSprop"])
def test_sparse_gradients_refused_as_torch(name: str) -> None:
    def attempt(lib: Any) -> BaseException:
        p = lib.zeros(5, 2, dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, name)([p])
        p.grad = _sparse_grad(lib, *SPARSE_STEPS[0])
        with pytest.raises(RuntimeError) as info:
            opt.step()
        return info.value

    assert str(attempt(ember)) == str(attempt(torch))


@needs_torch
def test_lbfgs_densifies_sparse_gradients() -> None:
    results = []
    for lib in (ember, torch):
        p = lib.tensor(RNG.standard_normal((5, 2)) * 0 + 1.0, dtype=lib.float64, requires_grad=True)
        opt = lib.optim.LBFGS([p], max_iter=3)

        def closure(p: Any = p, lib: Any = lib, opt: Any = opt) -> Any:
            opt.zero_grad()
            loss = (p ** 2).sum()
            p.grad = _sparse_grad(lib, [[0, 2]], (2 * p.detach()[[0, 2]]).tolist())
            return loss

        opt.step(closure)
        results.append(host(p))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


SPARSE_OK = [("SGD", {}), ("SGD", {"momentum": 0.9, "dampening": 0.2}),
             ("SGD", {"momentum": 0.9, "nesterov": True, "maximize": True}), ("Adagrad", {}),
             ("Adagrad", {"lr_decay": 0.1, "maximize": True, "initial_accumulator_value": 0.2})]


@needs_torch
@pytest.mark.filterwarnings("ignore:Sparse invariant checks")  # raised inside torch's own Adagrad
@pytest.mark.parametrize(("name", "kw"), SPARSE_OK, ids=[f"{n}-{kw}" for n, kw in SPARSE_OK])
def test_sgd_and_adagrad_take_sparse_gradients(name: str, kw: dict[str, Any]) -> None:
    weight = RNG.standard_normal((5, 2))
    results = []
    for lib in (ember, torch):
        p = lib.tensor(weight, dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, name)([p], lr=0.1, **kw)
        record = []
        for indices, values in SPARSE_STEPS * 2:
            p.grad = _sparse_grad(lib, indices, values)
            opt.step()
            record.append(host(p))
        results.append(record)
    for step, (o, t) in enumerate(zip(*results)):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12, err_msg=f"step {step}")


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adagrad"])
def test_sparse_gradients_with_weight_decay_refused_as_torch(name: str) -> None:
    messages = []
    for lib in (ember, torch):
        p = lib.zeros(5, 2, dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, name)([p], lr=0.1, weight_decay=0.1)
        p.grad = _sparse_grad(lib, *SPARSE_STEPS[0])
        with pytest.raises(RuntimeError) as info:
            opt.step()
        messages.append(str(info.value))
    assert messages[0] == messages[1]
