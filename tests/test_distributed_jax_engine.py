"""The ``jax`` process-group engine (issue 17) on real processes: every collective of the engine contract,
run by two processes joined through JAX's distributed runtime (gloo on CPU), checked against NumPy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_TIMEOUT = 120

# One process of the world: RANK, WORLD_SIZE and MASTER_PORT come from the environment. Each rank's inputs are
# a function of the rank, so every process knows what the others contributed and the expected results.
_SCRIPT = r"""
import os

import numpy as np

rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
from ember.distributed._engine import Rendezvous
from ember.distributed._jax import create

eng = create(rank, world, Rendezvous("127.0.0.1", int(os.environ["MASTER_PORT"]), b""), 60.0)

import jax

dev = jax.local_devices()[0]
assert eng.rank == rank and eng.size == world and eng.name == "jax"


def wait(req):
    # the way core polls: test() until done, never blocking
    while not req.test():
        pass
    return req.result()


def put(x):
    return jax.device_put(np.asarray(x), dev)


def check(got, want, what):
    got = np.asarray(got)
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    np.testing.assert_array_equal(got, want, err_msg=what)


def local(out):
    assert out.devices() == {dev}, out.devices()  # the result lives on this process's own device
    return out


def x(r, dtype, shape=(4,)):
    # values whose sums, products and averages are exact in every dtype tested
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) % 3 + 1 + r * (np.arange(n).reshape(shape) % 2)).astype(dtype)


REDUCE = {"sum": lambda xs: np.sum(xs, 0), "product": lambda xs: np.prod(xs, 0), "min": lambda xs: np.min(xs, 0),
          "max": lambda xs: np.max(xs, 0)}


def expect(op, xs):
    xs = np.stack(xs)
    if op == "avg":
        s = np.sum(xs, 0)
        return (s / world).astype(xs.dtype) if xs.dtype.kind == "f" else np.trunc(s / world).astype(xs.dtype)
    return REDUCE[op](xs).astype(xs.dtype)


# ember's jax devices are this process's own (backends/jax_backend.py uses jax.local_devices())
import ember

t = ember.ones(3, device="jax")
assert next(iter(t._data.devices())) == dev, (t._data.devices(), dev)
assert jax.process_count() == world and jax.process_index() == rank

for dtype in ("float32", "int32"):
    mine, all_x = x(rank, dtype), [x(r, dtype) for r in range(world)]
    a = put(mine)
    for op in ("sum", "avg", "product", "min", "max"):
        check(local(wait(eng.all_reduce(a, op))), expect(op, all_x), f"all_reduce {op} {dtype}")
        got = wait(eng.reduce(a, 1, op))
        check(got, expect(op, all_x) if rank == 1 else mine, f"reduce {op} {dtype}")
        check(local(wait(eng.reduce_scatter(a, op))), expect(op, all_x)[rank * 2:(rank + 1) * 2],
              f"reduce_scatter {op} {dtype}")
    check(wait(eng.all_reduce(a, "sum")), expect("sum", all_x), "cached all_reduce")
    assert len([k for k in eng._programs if k[:2] == ("all_reduce", "sum") and k[3] == a.dtype]) == 1
    check(local(wait(eng.broadcast(a, 1))), all_x[1], f"broadcast {dtype}")
    check(local(wait(eng.all_gather(a))), np.stack(all_x), f"all_gather {dtype}")
    got = wait(eng.gather(a, 0))
    assert (got is None) == (rank != 0)
    if rank == 0:
        check(got, np.stack(all_x), f"gather {dtype}")
    rows = np.stack([all_x[1] * 10 + r for r in range(world)])  # rank 1 scatters row r to rank r
    got = wait(eng.scatter(put(rows) if rank == 1 else None, 1, put(np.zeros(4, dtype))))
    check(local(got), rows[rank], f"scatter {dtype}")
    # all_to_all, uneven: rank i sends (i + j + 1) rows to rank j, row values naming sender and receiver
    splits = lambda i: [i + j + 1 for j in range(world)]  # noqa: E731
    blocks = lambda i: [np.full((splits(i)[j], 2), 10 * i + j, dtype) for j in range(world)]  # noqa: E731
    out_splits = [splits(j)[rank] for j in range(world)]
    want = np.concatenate([blocks(j)[rank] for j in range(world)])
    got = wait(eng.all_to_all(put(np.concatenate(blocks(rank))), splits(rank), out_splits, put(np.zeros_like(want))))
    check(local(got), want, f"all_to_all uneven {dtype}")
    # all_to_all, even: two rows to each rank
    even = lambda i: np.arange(4 * world).reshape(2 * world, 2).astype(dtype) + 100 * i  # noqa: E731
    want = np.concatenate([even(j)[2 * rank:2 * rank + 2] for j in range(world)])
    got = wait(eng.all_to_all(put(even(rank)), [2] * world, [2] * world, put(np.zeros_like(want))))
    check(local(got), want, f"all_to_all even {dtype}")
    # send/recv both ways
    for src, dst in ((0, 1), (1, 0)):
        if rank == src:
            assert wait(eng.send(put(mine * 3), dst, 0)) is None
        else:
            got, source = wait(eng.recv(put(np.zeros(4, dtype)), src, 0))
            assert source == src
            check(local(got), all_x[src] * 3, f"recv {src}->{dst} {dtype}")

# a 0-d array, bool arrays (logical reductions) and the half-precision floats
s = put(np.float32(rank + 1.5))
check(wait(eng.all_reduce(s, "sum")), np.float32(1.5 * world + world * (world - 1) / 2), "0-d all_reduce")
check(wait(eng.all_gather(s)), np.arange(world, dtype=np.float32) + 1.5, "0-d all_gather")
bools = [np.array([True, False, r == 0, True]) for r in range(world)]
b = put(bools[rank])
check(wait(eng.all_reduce(b, "sum")), np.any(bools, 0), "bool sum")
check(wait(eng.all_reduce(b, "product")), np.all(bools, 0), "bool product")
check(wait(eng.all_reduce(b, "min")), np.all(bools, 0), "bool min")
check(wait(eng.all_reduce(b, "max")), np.any(bools, 0), "bool max")
check(wait(eng.broadcast(b, 0)), bools[0], "bool broadcast")
for dtype in ("float16", "bfloat16"):
    h = put(x(rank, "float32").astype(jax.numpy.dtype(dtype)))
    got = wait(eng.all_reduce(h, "sum"))
    assert got.dtype == h.dtype
    check(np.asarray(got, np.float32), expect("sum", [x(r, "float32") for r in range(world)]), f"sum {dtype}")
# broadcast is bit-exact: -0.0 and a NaN payload survive
special = np.array([-0.0, np.nan, np.inf, 1e-45], np.float32)
got = wait(eng.broadcast(put(special if rank == 0 else np.zeros(4, np.float32)), 0))
assert np.asarray(got).tobytes() == special.tobytes()

# the unsupported
for op in ("band", "bor", "bxor"):
    try:
        eng.all_reduce(put(np.ones(2, np.int32)), op)
    except ValueError as e:
        assert op.upper() in str(e) and "jax" in str(e), e
    else:
        raise AssertionError(f"{op} did not raise")
try:
    eng.recv(put(np.zeros(4, np.float32)), None, 0)
except RuntimeError as e:
    assert "explicit source" in str(e), e
else:
    raise AssertionError("recv(src=None) did not raise")

assert wait(eng.barrier()) is None
msgs = [b"", b"rank one says a little more " * 5]
got = wait(eng.all_gather_bytes(msgs[rank]))
assert got == msgs, got

# split: a group of rank 1 alone, and one of both ranks
solo = eng.split([1])
assert (solo is None) == (rank != 1)
if solo is not None:
    assert (solo.rank, solo.size) == (0, 1)
    check(wait(solo.all_reduce(put(x(rank, "float32")), "sum")), x(rank, "float32"), "split solo")
both = eng.split([0, 1])
assert (both.rank, both.size) == (rank, world)
check(wait(both.all_reduce(put(x(rank, "float32")), "max")), expect("max", [x(r, "float32") for r in range(world)]),
      "split all_reduce")
both.close()
eng.close()
print("OK")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    # CPU only: on a one-GPU machine two processes cannot share the GPU through NCCL; and one CPU device per
    # process whatever the caller's XLA_FLAGS say
    env = dict(os.environ, JAX_PLATFORMS="cpu", **extra)
    env.pop("XLA_FLAGS", None)
    return env


def _run_world(script: Path, world: int = 2) -> list[tuple[int, str]]:
    """Start ``world`` processes of ``script``; each one's exit status and output."""
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=_env(RANK=str(r), WORLD_SIZE=str(world), MASTER_PORT=port))
             for r in range(world)]
    results = []
    try:
        for p in procs:
            out, _ = p.communicate(timeout=_TIMEOUT)
            results.append((p.returncode, out))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    return results


def test_every_collective_on_two_processes(tmp_path: Path) -> None:
    pytest.importorskip("jax", reason="the jax group needs JAX: pip install 'ember[jax]'")
    script = tmp_path / "jax_world.py"
    script.write_text(_SCRIPT)
    for rank, (code, out) in enumerate(_run_world(script)):
        assert code == 0 and out.rstrip().endswith("OK"), f"rank {rank} (exit {code}):\n{out}"


def test_create_after_a_jax_computation_raises(tmp_path: Path) -> None:
    pytest.importorskip("jax", reason="the jax group needs JAX: pip install 'ember[jax]'")
    script = tmp_path / "too_late.py"
    script.write_text(textwrap.dedent(f"""
        import jax.numpy as jnp

        from ember.distributed._engine import Rendezvous
        from ember.distributed._jax import create

        jnp.ones(2).block_until_ready()
        try:
            create(0, 2, Rendezvous("127.0.0.1", {_free_port()}, b""), 5.0)
        except RuntimeError as e:
            assert "must be called before any JAX computation" in str(e), e
            print("OK")
        # a world of one needs no distributed runtime, so it works at any time
        eng = create(0, 1, None, 5.0)
        assert (eng.rank, eng.size) == (0, 1)
    """))
    out = subprocess.run([sys.executable, str(script)], env=_env(), capture_output=True, text=True,
                         timeout=_TIMEOUT)
    assert out.returncode == 0 and out.stdout.strip() == "OK", out.stdout + out.stderr
