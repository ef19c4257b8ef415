"""GPU figures for the GPU verification issue, side by side with PyTorch CUDA in one process.

    python tools/gpu_bench.py --out OUT/bench.json            # on the GPU machine
    python tools/gpu_bench.py --out /tmp/b.json --size 64 --rehearse   # every code path, on the CPU

Rows: one training step (zero_grad, forward, cross-entropy, backward, SGD) of an MLP with ``--size``-wide
layers at batch ``--size`` in float32 and bfloat16, and the benchmarks' CNN step, each on ember ``cuda``
(CuPy), ember ``jax`` and PyTorch ``cuda``; synchronised timing (the device is drained before the clock
stops), warm-up excluded, best of ``--repeat`` loops. ``host_syncs_per_step`` counts device-to-host
transfers and explicit synchronisations ember's backend performed during one step (the step ends with
``loss.item()``, the one the user asks for), by wrapping the backend's ``to_host`` and ``synchronize``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any


def _ember_available(device: str, allow_cpu_jax: bool = False) -> str | None:
    """Why ember cannot use ``device`` here, or None."""
    import ember

    try:
        ember.zeros(1, device=device).cpu()
    except Exception as e:  # noqa: BLE001 - a missing GPU/library is reported as the row's skip reason
        return f"{type(e).__name__}: {e}"
    if device == "jax" and not allow_cpu_jax:
        import jax

        if jax.default_backend() == "cpu":
            return "JAX runs on the CPU here (no GPU platform)"
    return None


def _torch(device: str) -> Any:
    try:
        import torch
    except ImportError:
        return None
    return torch if device == "cpu" or torch.cuda.is_available() else None


def _mlp(lib: Any, width: int, depth: int = 3) -> Any:
    layers: list[Any] = []
    for _ in range(depth - 1):
        layers += [lib.nn.Linear(width, width), lib.nn.ReLU()]
    return lib.nn.Sequential(*layers, lib.nn.Linear(width, 10))


def _cnn(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def _step_fn(lib: Any, model: Any, x: Any, y: Any) -> Callable[[], float]:
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    crit = lib.nn.CrossEntropyLoss()

    def step() -> float:
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        return float(loss.item())  # the one host synchronisation the user asks for

    return step


def _best(step: Callable[[], float], repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        step()
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        step()  # ends in loss.item(): the device is drained when the clock stops
        best = min(best, time.perf_counter() - t)
    return best


def _count_syncs(device: str, step: Callable[[], float]) -> int:
    """Device-to-host transfers plus explicit synchronisations during one ember step."""
    import ember

    be = ember.device(device)
    backend = ember.plugins.get_backend(be.type)
    count = [0]
    originals = {name: getattr(backend, name) for name in ("to_host", "synchronize")}

    def counting(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*a: Any, **k: Any) -> Any:
            count[0] += 1
            return fn(*a, **k)

        return wrapped

    for name, fn in originals.items():
        setattr(backend, name, counting(fn))
    try:
        step()
    finally:
        for name, fn in originals.items():
            setattr(backend, name, fn)
    return count[0]


def _case(lib: Any, device: str, kind: str, size: int, dtype: str) -> Callable[[], float]:
    lib.manual_seed(0)
    dt = getattr(lib, dtype)
    if kind == "mlp":
        model = _mlp(lib, size).to(device=device, dtype=dt)
        x = lib.randn(size, size).to(device=device, dtype=dt)
        y = lib.randint(0, 10, (size,)).to(device)
    else:
        model = _cnn(lib).to(device=device, dtype=dt)
        x = lib.randn(64, 1, 28, 28).to(device=device, dtype=dt)
        y = lib.randint(0, 10, (64,)).to(device)
    return _step_fn(lib, model, x, y)


def main() -> int:
    """Run every row that this machine can run; write the figures as JSON and print a table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="JSON file for the figures")
    p.add_argument("--size", type=int, default=4096, help="MLP width and batch (default 4096)")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--rehearse", action="store_true",
                   help="run every row on the CPU instead (ember cpu and jax-on-CPU against torch CPU), so the "
                        "one GPU call cannot fail on a code path never run")
    args = p.parse_args()
    import ember

    devices = ("cpu", "jax") if args.rehearse else ("cuda", "jax")
    peer = "cpu" if args.rehearse else "cuda"
    torch = _torch(peer)
    rows: list[dict[str, Any]] = []
    for kind, dtype in (("mlp", "float32"), ("mlp", "bfloat16"), ("cnn", "float32")):
        row: dict[str, Any] = {"workload": f"{kind} {dtype}" + (f" {args.size}x{args.size}" if kind == "mlp" else "")}
        for device in devices:
            why = _ember_available(device, allow_cpu_jax=args.rehearse)
            if why is not None:
                row[f"ember-{device}"] = f"skipped: {why}"
                continue
            try:
                step = _case(ember, device, kind, args.size, dtype)
                row[f"ember-{device}_s"] = _best(step, args.repeat)
                row[f"ember-{device}_host_syncs_per_step"] = _count_syncs(device, step)
            except Exception as e:  # noqa: BLE001 - a failing row is a finding, recorded and reported
                row[f"ember-{device}"] = f"error: {type(e).__name__}: {e}"
        if torch is None:
            row[f"torch-{peer}"] = f"skipped: PyTorch with {peer} is not available here"
        else:
            row[f"torch-{peer}_s"] = _best(_case(torch, peer, kind, args.size, dtype), args.repeat)
            for device in devices:
                if f"ember-{device}_s" in row:
                    row[f"ember-{device}/torch-{peer}"] = row[f"ember-{device}_s"] / row[f"torch-{peer}_s"]
        rows.append(row)
        print(json.dumps(row))
    with open(args.out, "w") as f:
        json.dump({"size": args.size, "repeat": args.repeat, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
