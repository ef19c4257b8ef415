"""``nn.parallel.DistributedDataParallel`` on real launches of 2 ranks (the mpi group with cpu tensors, the jax
group with jax tensors), ``nn.DataParallel`` over two JAX CPU devices, and the autograd engine's end-of-backward
callbacks. Each launch runs a script of tests/distributed_scripts/ that checks many things and prints "ok"."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.autograd.engine import queue_callback

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "distributed_scripts"
HAVE_JAX = importlib.util.find_spec("jax") is not None
HAVE_MPI = importlib.util.find_spec("mpi4py") is not None


def _run(args: list[str], timeout: float, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    return out


def _launch(script: str, *args: str, timeout: float) -> str:
    return _run(["-m", "ember.distributed.run", "--nproc-per-node", "2", str(SCRIPTS / script), *args], timeout)


@pytest.mark.skipif(not HAVE_MPI, reason="mpi4py is not installed (pip install 'ember[distributed]')")
def test_ddp_mpi_matches_single_process_training() -> None:
    out = _launch("ddp_train.py", "mpi", "20", timeout=180)
    assert out.count("ddp ok (mpi") == 2, out[-3000:]


@pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed")
def test_ddp_jax_matches_single_process_training() -> None:
    # fewer steps: each new shape compiles once per process, and that dominates the run
    out = _launch("ddp_train.py", "jax", "4", timeout=300)
    assert out.count("ddp ok (jax") == 2, out[-3000:]


@pytest.mark.skipif(not HAVE_JAX, reason="JAX is not installed")
def test_data_parallel_splits_across_jax_devices() -> None:
    out = _run([str(SCRIPTS / "ddp_data_parallel.py")], timeout=240,
               env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
    assert "data parallel ok" in out, out[-3000:]


def test_queue_callback_runs_once_backward_finishes() -> None:
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    order: list[str] = []

    def late() -> None:
        order.append(f"callback sees grad {w.grad.tolist()}")
        queue_callback(lambda: order.append("queued by a callback"))

    def hook(t: ember.Tensor) -> None:
        order.append("hook")
        queue_callback(late)

    w.register_post_accumulate_grad_hook(hook)
    (w * 3).sum().backward()
    assert order == ["hook", "callback sees grad [3.0, 3.0]", "queued by a callback"]
    order.clear()
    (w * 1).sum().backward()  # callbacks belong to one backward: none is left over from the last
    assert order == ["hook", "callback sees grad [4.0, 4.0]", "queued by a callback"]
    with pytest.raises(RuntimeError, match="Final callbacks can only be installed during backward pass"):
        queue_callback(lambda: None)


def test_queue_callback_belongs_to_the_thread_running_backward() -> None:
    errors: list[str] = []

    def elsewhere() -> None:
        try:
            queue_callback(lambda: None)
        except RuntimeError as e:
            errors.append(str(e))

    def hook(t: ember.Tensor) -> None:
        th = threading.Thread(target=elsewhere)
        th.start()
        th.join()

    w = ember.tensor([1.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(hook)
    (w * 2).sum().backward()
    assert errors and "only be installed during backward pass" in errors[0]


def test_queue_callback_is_dropped_when_backward_fails() -> None:
    ran: list[int] = []

    class Boom(ember.autograd.Function):
        @staticmethod
        def forward(ctx: object, x: ember.Tensor) -> ember.Tensor:
            return x * 1

        @staticmethod
        def backward(ctx: object, g: ember.Tensor) -> ember.Tensor:
            queue_callback(lambda: ran.append(1))
            raise ValueError("boom")

    x = ember.tensor(np.ones(2, np.float32), requires_grad=True)
    with pytest.raises(ValueError, match="boom"):
        Boom.apply(x).sum().backward()
    assert ran == []
    with pytest.raises(RuntimeError, match="Final callbacks"):
        queue_callback(lambda: None)


def test_ddp_without_a_process_group_says_so() -> None:
    from ember.nn.parallel import DistributedDataParallel

    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(ember.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DistributedDataParallel(ember.nn.Linear(2, 2).requires_grad_(False))


def test_pytorchs_spelling_of_queue_callback() -> None:
    x = ember.ones(2, requires_grad=True)
    seen: list[str] = []

    def hook(g: ember.Tensor) -> ember.Tensor:
        ember.autograd.Variable._execution_engine.queue_callback(lambda: seen.append("after backward"))
        seen.append("hook")
        return g

    x.register_hook(hook)
    (x * 2).sum().backward()
    assert seen == ["hook", "after backward"]
