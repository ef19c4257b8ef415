"""Modes are per thread, as in PyTorch: grad mode, inference mode, anomaly detection, autocast and the
default device set by ``with ember.device(...)`` / ``set_default_device`` belong to the thread that set
them, and a new thread starts from the defaults. Two threads training two models get exactly the
results each gets alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

import ember
import ember.nn as nn
from ember import optim

from ._reference import rand


def _in_thread(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` in a fresh thread and return its result (re-raising its exception here)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test's thread
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _lockstep(a: Callable[[Callable[[], None]], Any], b: Callable[[], Any]) -> tuple[Any, Any]:
    """Run ``b`` in a second thread while thread ``a`` is paused inside its block (``a`` gets a callable
    that waits for ``b`` to finish); return both results."""
    b_done = threading.Event()
    a_inside = threading.Event()
    results: dict[str, Any] = {}

    def pause() -> None:
        a_inside.set()
        assert b_done.wait(30), "the other thread did not finish"

    def run_a() -> None:
        try:
            results["a"] = a(pause)
        except BaseException as e:  # noqa: BLE001
            results["a_error"] = e
            a_inside.set()

    def run_b() -> None:
        try:
            assert a_inside.wait(30), "the first thread did not start"
            results["b"] = b()
        except BaseException as e:  # noqa: BLE001
            results["b_error"] = e
        finally:
            b_done.set()

    ta, tb = threading.Thread(target=run_a), threading.Thread(target=run_b)
    ta.start()
    tb.start()
    ta.join()
    tb.join()
    for key in ("a_error", "b_error"):
        if key in results:
            raise results[key]
    return results["a"], results["b"]


def test_no_grad_in_one_thread_leaves_another_recording(device: str) -> None:
    x = ember.ones(3, device=device, requires_grad=True)

    def a(pause: Callable[[], None]) -> bool:
        with ember.no_grad():
            pause()
            return (x * 2).requires_grad

    def b() -> tuple[bool, bool]:
        return ember.is_grad_enabled(), (x * 2).requires_grad

    inside, other = _lockstep(a, b)
    assert inside is False
    assert other == (True, True)
    assert ember.is_grad_enabled()


def test_new_thread_starts_from_the_defaults(device: str) -> None:
    x = ember.ones(2, device=device, requires_grad=True)
    with ember.no_grad(), ember.autograd.set_detect_anomaly(True):
        seen = _in_thread(lambda: (ember.is_grad_enabled(), ember.autograd.is_anomaly_enabled(),
                                   (x + x).requires_grad))
        assert not ember.is_grad_enabled()
    assert seen == (True, False, True)
    with ember.inference_mode():
        assert _in_thread(ember.is_inference_mode_enabled) is False
        assert ember.is_inference_mode_enabled()
    with ember.autocast(device_type="cpu"):
        assert _in_thread(lambda: ember.is_autocast_enabled("cpu")) is False
        assert ember.is_autocast_enabled("cpu")


def test_default_device_is_per_thread(device: str) -> None:
    before = ember.get_default_device()
    with ember.device(device):
        here = ember.zeros(1).device
        there = _in_thread(lambda: ember.zeros(1).device)
    assert str(here.type) == ember.device(device).type
    assert there == ember.zeros(1).device == before


def test_many_toggles_in_two_threads_leave_the_mode_as_it_was(device: str) -> None:
    x = ember.ones(2, device=device, requires_grad=True)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def toggle() -> None:
        try:
            barrier.wait(30)
            for i in range(10_000):
                if i % 2:
                    with ember.no_grad():
                        assert not ember.is_grad_enabled()
                else:
                    with ember.enable_grad(), ember.inference_mode():
                        assert ember.is_inference_mode_enabled()
                assert ember.is_grad_enabled()
            assert (x * 2).requires_grad
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=toggle) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert ember.is_grad_enabled() and not ember.is_inference_mode_enabled()
    assert (x * 2).requires_grad


def _train(model: nn.Module, x: ember.Tensor, y: ember.Tensor, steps: int) -> list[float]:
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        with ember.no_grad():  # an evaluation in between, as real loops do
            losses.append(float(nn.functional.mse_loss(model(x), y)))
    return losses


def _model(device: str, seed: int) -> nn.Module:
    ember.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 1)).to(device).double()


def test_two_threads_training_two_models_match_single_thread(device: str) -> None:
    data = [(ember.tensor(rand(32, 5, seed=s), device=device), ember.tensor(rand(32, 1, seed=s + 1), device=device))
            for s in (1, 3)]
    alone = []
    for i, (x, y) in enumerate(data):
        m = _model(device, 10 + i)
        alone.append((_train(m, x, y, 15), [p.detach().cpu().numpy() for p in m.parameters()]))

    # the models are built before the threads start: the random generator is process-wide, as in PyTorch
    models = [_model(device, 10 + i) for i in range(2)]
    results: list[Any] = [None, None]
    barrier = threading.Barrier(2)

    def work(i: int) -> None:
        try:
            barrier.wait(30)
            results[i] = _train(models[i], *data[i], 15)
        except BaseException as e:  # noqa: BLE001
            results[i] = e

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        assert not isinstance(results[i], BaseException), results[i]
        assert results[i] == alone[i][0]
        for p, ref in zip(models[i].parameters(), alone[i][1]):
            np.testing.assert_array_equal(p.detach().cpu().numpy(), ref)
