"""Smoke test of the asv benchmarks: every benchmark class and every workload runs once at a tiny size on
every implementation available here, so the benchmarks never rot. Not a timing test."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import asv_benchmarks.benchmarks as bench_pkg
from asv_benchmarks.benchmarks import _workloads as W

TINY: dict[str, dict[str, Any]] = {
    "make_add": {"n": 4},
    "make_matmul": {"n": 8},
    "make_conv2d": {"n": 2, "c": 3, "o": 4, "hw": 6},
    "make_cross_entropy": {"n": 4, "classes": 5},
    "make_mlp_step": {"batch": 4, "sizes": (12, 8, 6, 3)},
    "make_cnn_step": {"batch": 2, "hw": 8, "channels": (2, 3)},
    "make_graph_backward": {"ops": 10},
    "make_dataloader": {"n": 50, "features": 3, "batch": 8},
    "make_save_load": {"megabytes": 0.01},
}
# JAX compiles every new shape: its implementations run in the class smoke only for the cheap workloads
JAX_SLOW = {"make_conv2d", "make_cross_entropy", "make_cnn_step", "make_mlp_step"}

# the in-process benchmark modules (parametrized by implementation); distributed.py launches 2 ranks itself
MODULES = sorted(
    m.name for m in pkgutil.iter_modules(bench_pkg.__path__) if not m.name.startswith("_") and m.name != "distributed"
)


# NOTE: third-party backends (installed plugins) are benchmarked too, but their correctness is their
# conformance suite's business: this test keeps the benchmarks themselves working on the first-party
# backends and the peers.
FIRST_PARTY = ["ember-numpy", "ember-jax", "ember-cupy"]


def _impls(maker: str) -> list[str]:
    return [i for i in FIRST_PARTY + W.PEERS if not (maker in JAX_SLOW and i == "ember-jax")]


def _run(maker: str, impl: str, **kw: Any) -> Any:
    try:
        built = getattr(W, maker)(impl, **{**TINY[maker], **kw})
    except W.SkipNotImplemented as e:
        pytest.skip(str(e))
    if maker == "make_save_load":
        fn, cleanup = built
        try:
            return fn()
        finally:
            cleanup()
    return built()


@pytest.mark.parametrize("maker", sorted(TINY))
def test_workloads_run(maker: str) -> None:
    ran = []
    for impl in _impls(maker):
        kwargs = [{"op": "save"}, {"op": "load"}] if maker == "make_save_load" else [{}]
        for kw in kwargs:
            try:
                _run(maker, impl, **kw)
            except pytest.skip.Exception:
                continue
            ran.append(impl)
    assert "ember-numpy" in ran


def test_every_workload_has_tiny_sizes() -> None:
    makers = {name for name, _ in inspect.getmembers(W, inspect.isfunction) if name.startswith("make_")}
    assert makers == set(TINY)


@pytest.mark.parametrize("module", MODULES)
def test_benchmark_classes_run(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each asv class: params well-formed, setup + every time_/peakmem_ method runs (tiny sizes)."""
    for maker, kw in TINY.items():
        monkeypatch.setattr(W, maker, functools.partial(getattr(W, maker), **kw))
    mod = importlib.import_module(f"asv_benchmarks.benchmarks.{module}")
    classes = [c for _, c in inspect.getmembers(mod, inspect.isclass) if c.__module__ == mod.__name__]
    assert classes, f"{module} defines no benchmark class"
    for cls in classes:
        methods = [m for m in dir(cls) if m.startswith(("time_", "peakmem_"))]
        assert methods, cls
        assert len(cls.params) == len(cls.param_names)
        assert set(FIRST_PARTY + W.PEERS) <= set(cls.params[0])
        impls = ["ember-numpy", "torch", "numpy-hand", "ember-cupy", "torch-cuda"]
        rest = [v[0] for v in cls.params[1:]]  # the first value of any other parameter
        for impl in impls:
            args = (impl, *rest)
            b = cls()
            try:
                b.setup(*args)
            except W.SkipNotImplemented:
                continue
            try:
                for m in methods:
                    getattr(b, m)(*args)
            finally:
                if hasattr(b, "teardown"):
                    b.teardown(*args)


def test_mlp_step_agrees_with_hand_numpy_and_torch() -> None:
    """The MLP benchmark computes the same training step everywhere: same first loss and same second loss
    (after one SGD step from identical weights), so a ratio compares equal work."""
    losses = {}
    for impl in ("numpy-hand", "ember-numpy", "torch"):
        try:
            fn = W.make_mlp_step(impl, **TINY["make_mlp_step"])
        except W.SkipNotImplemented:
            continue
        losses[impl] = [float(fn().detach()) if impl != "numpy-hand" else fn() for _ in range(2)]
    ref = losses.pop("numpy-hand")
    for impl, got in losses.items():
        np.testing.assert_allclose(got, ref, rtol=1e-5, err_msg=impl)


@pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None, reason="needs mpi4py (the distributed extra)")
def test_distributed_benchmark_runs_on_two_ranks(tmp_path: Path) -> None:
    """asv_benchmarks.distributed launches 2 ranks and measures every row and implementation."""
    from asv_benchmarks.benchmarks import distributed as bench

    out = tmp_path / "d.json"
    r = subprocess.run([sys.executable, "-m", "asv_benchmarks.distributed", "--repeat", "1", "--budget", "0.001",
                        "--json", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    results = json.loads(out.read_text())
    assert set(results) == set(bench.ROWS)
    for row, times in results.items():
        assert set(times) <= set(bench.IMPLS) and "ember-mpi" in times and "torch-gloo" in times, row
        assert all(0 < t < 10 for t in times.values()), times
    assert "ember/mpi4py" in r.stdout

