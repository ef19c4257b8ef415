"""A first look at ember: tensors, broadcasting, a view that shares memory, a matmul, autograd and the devices.

Each step is shown as an interactive session would show it: the statement, then its result. The
statements use PyTorch's API only, so they run unchanged with ``torch`` in place of ``ember``.

    python examples/tensor_tour.py --device jax
"""

from __future__ import annotations

import argparse
from typing import Any

import ember
from ember import plugins

# (what the step shows, statements, expression printed after them)
TOUR = (
    ("a tensor on the device", "x = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=dev)", "x"),
    ("broadcasting, with int64 promoted to float32", "b = ember.arange(3, device=dev)", "x + b"),
    ("a view shares memory: writing through it changes x", "v = x.view(3, 2)\nv[0, 0] = 100.0", "x"),
    ("a matmul on a tensor that requires grad",
     "w = ember.tensor([[1.0], [0.5], [0.25]], device=dev, requires_grad=True)\ny = (x @ w).sum()", "y"),
    ("autograd", "y.backward()", "w.grad"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    args = parser.parse_args()
    dev = ember.device(args.device) if args.device else ember.get_default_device()

    print(f"ember {ember.__version__}, running on {dev}")
    scope: dict[str, Any] = {"ember": ember, "dev": dev}
    for title, statements, expression in TOUR:
        print(f"\n# {title}")
        for line in statements.splitlines():
            print(f">>> {line}")
        exec(statements, scope)
        print(f">>> {expression}")
        print(eval(expression, scope))

    print("\n# devices (`ember info` shows more)")
    for device_type, backend in plugins.registered_backends().items():
        reason = plugins.unavailable_reason(backend)
        status = "available" if reason is None else f"not available: {reason}"
        print(f"{device_type:<6} {backend.name:<8} {status}")


if __name__ == "__main__":
    main()
