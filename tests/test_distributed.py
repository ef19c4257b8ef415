"""ember.distributed with real processes: every collective on 2 and 4 ranks (mpi and jax groups), timeouts,
failing ranks, and the errors a user meets before any process starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ember.distributed as dist

SCRIPTS = Path(__file__).parent / "distributed_scripts"
HAS_MPI = dist.is_mpi_available()
HAS_JAX = dist.is_jax_available()


def launch(nproc: int, *args: str, timeout: float = 240, **extra: str) -> subprocess.CompletedProcess[str]:
    """``python -m ember.distributed.run --nproc-per-node nproc args...`` with the output captured."""
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    env["EMBER_BACKEND"] = "numpy"
    env.update(extra)
    return subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", str(nproc), *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def _engines() -> list[object]:
    return [pytest.param("mpi", marks=pytest.mark.skipif(not HAS_MPI, reason="mpi4py is not installed")),
            pytest.param("jax", marks=pytest.mark.skipif(not HAS_JAX, reason="jax is not installed"))]


@pytest.mark.parametrize("nproc", [2, 4])
@pytest.mark.parametrize("backend", _engines())
def test_every_collective_matches_numpy(backend: str, nproc: int) -> None:
    r = launch(nproc, str(SCRIPTS / "collectives.py"), backend)
    assert r.returncode == 0, r.stdout + r.stderr
    for rank in range(nproc):
        assert f"rank {rank}: collectives ok" in r.stdout, r.stdout + r.stderr


@pytest.mark.parametrize("backend", _engines())
def test_a_collective_past_its_timeout_raises_on_every_rank(backend: str) -> None:
    start = time.monotonic()
    r = launch(2, str(SCRIPTS / "failures.py"), backend, "timeout")
    # on jax the rank that leaves last may be aborted by JAX's coordination service (exit 134) after it raised
    assert r.returncode == 0 or (backend == "jax" and r.returncode == 134), r.stdout + r.stderr
    for rank in (0, 1):
        line = next((ln for ln in r.stdout.splitlines() if ln.startswith(f"rank {rank} raised")), "")
        assert "timed out after 3 s" in line, r.stdout + r.stderr
        assert 2.5 < float(line.split(" after ")[1].split(" s")[0]) < 30
    assert time.monotonic() - start < 120


@pytest.mark.skipif(not HAS_MPI, reason="mpi4py is not installed")
@pytest.mark.parametrize("mode", ["raise", "kill"])
def test_a_failing_rank_ends_the_run(mode: str) -> None:
    start = time.monotonic()
    r = launch(2, str(SCRIPTS / "failures.py"), "mpi", mode, timeout=120)
    elapsed = time.monotonic() - start
    assert r.returncode != 0 and elapsed < 30, (elapsed, r.stdout + r.stderr)
    assert "rank 1" in r.stderr
    if mode == "raise":
        assert "ValueError: rank 1 fails on purpose" in r.stderr
    else:
        assert "SIGKILL" in r.stderr
    assert "finished an all_reduce" not in r.stderr


def _fresh(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**clean, "EMBER_BACKEND": "numpy", **env})


@pytest.mark.skipif(not HAS_MPI, reason="mpi4py is not installed")
def test_a_plain_python_process_is_a_world_of_one() -> None:
    r = _fresh("import ember, ember.distributed as d\n"
               "d.init_process_group()\n"
               "x = ember.arange(4.0)\n"
               "d.all_reduce(x, op=d.ReduceOp.AVG)\n"
               "o = [None]\n"
               "d.all_gather_object(o, {'a': 1})\n"
               "print(d.get_backend(), d.get_rank(), d.get_world_size(), x.tolist(), o, d.is_initialized())\n"
               "d.destroy_process_group()\n"
               "print(d.is_initialized())\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["mpi 0 1 [0.0, 1.0, 2.0, 3.0] [{'a': 1}] True", "False"], r.stdout


@pytest.mark.skipif(not HAS_MPI, reason="mpi4py is not installed")
def test_singletons_without_a_launcher_are_told_how_to_start() -> None:
    r = _fresh("import ember.distributed as d\nd.init_process_group('mpi')\n",
               RANK="1", WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT="1")
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: the mpi group cannot join") and "ember run --nproc-per-node 2" in last


def test_errors_before_any_process_group() -> None:
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="Invalid backend: 'smoke'.*mpi"):
        dist.init_process_group("smoke")
    with pytest.raises(ValueError, match="init_method 'file:///tmp/x' is not supported"):
        dist.init_process_group("mpi", init_method="file:///tmp/x")
    with pytest.raises(ValueError, match="needs rank= and world_size="):
        dist.init_process_group("mpi", init_method="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="does not serve jax tensors"):
        dist.init_process_group("jax:mpi")
    assert not dist.is_initialized()
    assert dist.Backend("MPI") == "mpi" and repr(dist.ReduceOp.SUM) == "<RedOpType.SUM>"


@pytest.mark.skipif(not (HAS_MPI and HAS_JAX), reason="needs mpi4py and jax")
def test_a_tensor_of_a_device_the_group_does_not_serve() -> None:
    r = _fresh("import ember, ember.distributed as d\nd.init_process_group('mpi')\n"
               "d.all_reduce(ember.ones(2, device='jax'))\n")
    last = r.stderr.strip().splitlines()[-1]
    assert "no backend for jax tensors (it has mpi for cpu)" in last and "init_process_group" in last, r.stderr


_PLUGIN_ENGINE = '''
import numpy as np
import ember, ember.distributed as dist
from ember.distributed._engine import Done, Engine, EngineSpec
from ember.plugins import hookimpl, plugin_manager


class SelfOnly(Engine):
    """A world of one: every collective is the identity (what any engine computes with one rank)."""

    name = "selfonly"

    def all_reduce(self, a, op):
        return Done(a)

    def barrier(self):
        return Done(None)

    def all_gather(self, a):
        return Done(np.stack([a]))

    def all_gather_bytes(self, data):
        return Done([data])


class Plugin:
    @hookimpl
    def ember_register_process_group_backends(self, register):
        register(EngineSpec("selfonly", ("cpu",), lambda rank, world, rdzv, timeout: SelfOnly()))


class Broken:
    @hookimpl
    def ember_register_process_group_backends(self, register):
        raise SystemExit("a broken plugin")


plugin_manager().register(Broken(), name="broken")
plugin_manager().register(Plugin(), name="selfonly-plugin")
dist.init_process_group("selfonly")
x = ember.arange(3.0)
dist.all_reduce(x)
out = [ember.zeros(3)]
dist.all_gather(out, x)
dist.barrier()
print(dist.get_backend(), dist.get_world_size(), x.tolist(), out[0].tolist())
'''


def test_a_plugin_adds_a_process_group_backend_and_a_broken_one_is_reported() -> None:
    r = _fresh(_PLUGIN_ENGINE)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "selfonly 1 [0.0, 1.0, 2.0] [0.0, 1.0, 2.0]", r.stdout
    assert "plugin 'broken': ember_register_process_group_backends raised SystemExit: a broken plugin" in r.stderr


@pytest.mark.parametrize(("backend", "nproc"), [
    pytest.param("mpi", 4, marks=pytest.mark.skipif(not HAS_MPI, reason="mpi4py is not installed")),
    pytest.param("jax", 2, marks=pytest.mark.skipif(not HAS_JAX, reason="jax is not installed")),
])
def test_sync_batchnorm_equals_batchnorm_over_the_global_batch(backend: str, nproc: int) -> None:
    r = launch(nproc, str(SCRIPTS / "sync_batchnorm.py"), backend)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("sync batchnorm ok") == nproc, r.stdout + r.stderr


@pytest.mark.skipif(not HAS_MPI, reason="mpi4py is not installed")
def test_a_script_runs_under_a_plain_mpiexec() -> None:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    exe = str(mpiexec) if mpiexec.exists() else "mpiexec"
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    r = subprocess.run([exe, "-n", "2", sys.executable, str(SCRIPTS / "collectives.py"), "mpi"],
                       capture_output=True, text=True, timeout=240, env={**env, "EMBER_BACKEND": "numpy"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "rank 0: collectives ok" in r.stdout and "rank 1: collectives ok" in r.stdout


@pytest.mark.skipif(not HAS_JAX, reason="jax is not installed")
def test_plain_processes_with_torchruns_variables_form_a_jax_group() -> None:
    # EMBER_RUN_NO_MPIEXEC: the ranks are plain `python` processes with RANK, WORLD_SIZE, MASTER_ADDR and
    # MASTER_PORT set, exactly what torchrun starts
    r = launch(2, str(SCRIPTS / "sync_batchnorm.py"), "jax", EMBER_RUN_NO_MPIEXEC="1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("sync batchnorm ok") == 2, r.stdout + r.stderr

