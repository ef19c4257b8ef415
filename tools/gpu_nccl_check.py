"""The process-group engines on a GPU, by hand: the ``nccl`` group on ``cuda`` tensors and the ``jax`` group on a
GPU ``jax`` tensor, each a world of one (a lent machine has one GPU, and NCCL puts each rank on its own).

    python tools/gpu_nccl_check.py              # both; prints every result, then "nccl ok" and "jax-gpu ok"
    python tools/gpu_nccl_check.py --only nccl  # or --only jax

Needs CuPy 14 with NCCL (``pip install "ember[cuda12]" nvidia-nccl-cu12``) and JAX with CUDA. Exits 1 on any
mismatch or error, naming it; every collective waits at most ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import numpy as np

# JAX takes 75% of the GPU's memory at its first computation unless told otherwise; CuPy shares the GPU here
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
for _k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
    os.environ.pop(_k, None)  # a world of one, whatever the shell says

_failures: list[str] = []


def check(what: str, got: Any, want: Any) -> None:
    """Print ``got`` and record a failure unless it equals ``want`` (dtype, shape and values)."""
    g, w = np.asarray(got), np.asarray(want)
    ok = g.dtype == w.dtype and g.shape == w.shape and np.array_equal(g, w, equal_nan=g.dtype.kind in "fc")
    print(f"{what}: {g.dtype} {g.shape} {g.ravel()[:8].tolist()}{'' if ok else f' != want {w.ravel()[:8].tolist()}'}")
    if not ok:
        _failures.append(what)


def host(t: Any) -> np.ndarray:
    """A tensor's values on the host."""
    return t.cpu().numpy()


def run_nccl(timeout: float) -> None:
    """The nccl group at world size 1: ember's collectives on cuda tensors give the identity, then the engine's
    own calls (grouped send/recv to itself, the reductions NCCL lacks, bytes, split)."""
    import cupy

    import ember
    import ember.distributed as dist

    print(f"cupy {cupy.__version__}, NCCL {cupy.cuda.nccl.get_version()}, {cupy.cuda.runtime.getDeviceCount()} GPU(s)")
    before = len(_failures)
    dist.init_process_group("nccl", timeout=timedelta(seconds=timeout))
    check("world", [dist.get_rank(), dist.get_world_size()], [0, 1])
    ops = ("SUM", "AVG", "PRODUCT", "MIN", "MAX")
    for dtype in ("float32", "float64", "float16", "int32", "int64", "int16", "uint8", "bool", "complex64"):
        base = (np.arange(6).reshape(2, 3) - 2).astype(dtype)
        x = ember.tensor(base, device="cuda")
        for op in ops if not dtype.startswith("complex") else ("SUM", "AVG"):
            y = x.clone()
            dist.all_reduce(y, op=getattr(dist.ReduceOp, op))
            check(f"all_reduce {op} {dtype}", host(y), base)
            y = x.clone()
            dist.reduce(y, dst=0, op=getattr(dist.ReduceOp, op))
            check(f"reduce {op} {dtype}", host(y), base)
        y = x.clone()
        dist.broadcast(y, src=0)
        check(f"broadcast {dtype}", host(y), base)
        out = ember.zeros_like(x)
        dist.all_gather_into_tensor(out, x)
        check(f"all_gather_into_tensor {dtype}", host(out), base)
        out = ember.zeros_like(x)
        dist.reduce_scatter_tensor(out, x)
        check(f"reduce_scatter_tensor {dtype}", host(out), base)
    x = ember.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), device="cuda")
    y = x.t()  # a non-contiguous tensor is reduced and written back
    dist.all_reduce(y)
    check("all_reduce transposed", host(y), np.arange(12, dtype=np.float32).reshape(3, 4).T)
    work = dist.all_reduce(x, async_op=True)
    assert work is not None
    work.wait()
    check("async all_reduce", [work.is_completed()], [True])
    got = [ember.zeros_like(x)]
    dist.gather(x, got, dst=0)
    check("gather", host(got[0]), host(x))
    out = ember.zeros_like(x)
    dist.scatter(out, [x], src=0)
    check("scatter", host(out), host(x))
    out = ember.zeros_like(x)
    dist.all_to_all_single(out, x)
    check("all_to_all_single", host(out), host(x))
    dist.barrier()
    print("barrier: ok")
    objs: list[Any] = [None]
    dist.all_gather_object(objs, {"rank": 0, "text": "hello"})
    check("all_gather_object", [objs[0] == {"rank": 0, "text": "hello"}], [True])
    sub = dist.new_group([0])
    y = x.clone()
    dist.all_reduce(y, op=dist.ReduceOp.MAX, group=sub)
    check("new_group all_reduce", host(y), host(x))
    for op in ("BAND", "BOR", "BXOR"):
        try:
            dist.all_reduce(ember.tensor(np.ones(2, np.int32), device="cuda"), op=getattr(dist.ReduceOp, op))
        except ValueError as e:
            check(f"{op} refused", ["nccl" in str(e)], [True])
        else:
            check(f"{op} refused", ["no error"], ["ValueError"])

    world = dist.group.WORLD
    assert world is not None
    eng = world.engines["cuda"]
    a = cupy.arange(8, dtype=cupy.float32)
    check("engine all_gather", cupy.asnumpy(_wait(eng.all_gather(a))), np.arange(8, dtype=np.float32)[None])
    check("engine all_to_all uneven", cupy.asnumpy(_wait(eng.all_to_all(a.reshape(4, 2), [4], [4], a.reshape(4, 2)))),
          np.arange(8, dtype=np.float32).reshape(4, 2))
    check("engine gather", cupy.asnumpy(_wait(eng.gather(a, 0))), np.arange(8, dtype=np.float32)[None])
    check("engine scatter", cupy.asnumpy(_wait(eng.scatter(a[None], 0, cupy.empty_like(a)))),
          np.arange(8, dtype=np.float32))
    check("engine all_gather_bytes", [_wait(eng.all_gather_bytes(b"bytes!")) == [b"bytes!"]], [True])
    check("engine all_gather_bytes empty", [_wait(eng.all_gather_bytes(b"")) == [b""]], [True])
    solo = eng.split([0])
    check("engine split", [solo.rank, solo.size], [0, 1])
    check("engine split all_reduce", cupy.asnumpy(_wait(solo.all_reduce(a.copy(), "sum"))), cupy.asnumpy(a))
    solo.close()
    dist.destroy_process_group()
    if len(_failures) == before:
        print("nccl ok")


def run_jax(timeout: float) -> None:
    """The jax group at world size 1 on a GPU jax tensor."""
    import jax

    import ember
    import ember.distributed as dist

    print(f"jax {jax.__version__}, default backend {jax.default_backend()}")
    before = len(_failures)
    dist.init_process_group("jax", timeout=timedelta(seconds=timeout))
    base = np.arange(6, dtype=np.float32).reshape(2, 3) - 2
    x = ember.tensor(base, device="jax")
    platform = next(iter(x._data.devices())).platform
    check("jax tensor platform", [platform], ["gpu"])
    for op in ("SUM", "AVG", "MAX"):
        y = x.clone()
        dist.all_reduce(y, op=getattr(dist.ReduceOp, op))
        check(f"jax all_reduce {op}", host(y), base)
        check(f"jax all_reduce {op} stays on the gpu", [next(iter(y._data.devices())).platform], ["gpu"])
    y = x.clone()
    dist.broadcast(y, src=0)
    check("jax broadcast", host(y), base)
    out = ember.zeros_like(x)
    dist.all_gather_into_tensor(out, x)
    check("jax all_gather_into_tensor", host(out), base)
    dist.barrier()
    dist.destroy_process_group()
    if len(_failures) == before:
        print("jax-gpu ok")


def _wait(req: Any) -> Any:
    while not req.test():
        pass
    return req.result()


def _guard(name: str, fn: Callable[[float], None], timeout: float) -> None:
    try:
        fn(timeout)
    except Exception:  # noqa: BLE001 - reported, and the other part still runs
        traceback.print_exc()
        _failures.append(f"{name}: raised")


def main() -> int:
    """Run the checks; 0 when every result matched."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("nccl", "jax"), help="run one part")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds any collective may wait")
    args = ap.parse_args()
    if args.only in (None, "nccl"):
        _guard("nccl", run_nccl, args.timeout)
    if args.only in (None, "jax"):
        _guard("jax", run_jax, args.timeout)
    if _failures:
        print(f"FAILED ({len(_failures)}): {', '.join(_failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
