"""A short tour of ember (``ember demo``): tensors, broadcasting, a view, a matmul, and the devices.

Each step is shown as an interactive session would show it: the statement, then its result. The
statements use PyTorch's API only, so they run unchanged with ``torch`` in place of ``ember``.
"""

from __future__ import annotations

from typing import Any

# (what the step shows, statements, expression printed after them)
_TOUR = (
    ("a tensor on the device", "x = ember.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=dev)", "x"),
    ("broadcasting, with int64 promoted to float32", "b = ember.arange(3, device=dev)", "x + b"),
    ("a view shares memory: writing through it changes x", "v = x.view(3, 2)\nv[0, 0] = 100.0", "x"),
    ("a matmul on a tensor that requires grad",
     "w = ember.tensor([[1.0], [0.5], [0.25]], device=dev, requires_grad=True)\ny = (x @ w).sum()", "y"),
    ("autograd", "y.backward()", "w.grad"),
)


def main(device: Any = None) -> None:
    """Print the tour on ``device`` (default: ``ember.get_default_device()``)."""
    import ember
    from ember import plugins

    dev = ember.device(device) if device is not None else ember.get_default_device()
    print(f"ember {ember.__version__}, running on {dev}")
    scope: dict[str, Any] = {"ember": ember, "dev": dev}
    for title, statements, expression in _TOUR:
        print(f"\n# {title}")
        for line in statements.splitlines():
            print(f">>> {line}")
        exec(statements, scope)
        print(f">>> {expression}")
        print(eval(expression, scope))

    print("\n# devices (ember info shows more)")
    for dt, be in plugins.registered_backends().items():
        reason = plugins.unavailable_reason(be)
        print(f"{dt:<6} {be.name:<8} " + ("available" if reason is None else f"not available: {reason}"))


if __name__ == "__main__":
    main()
