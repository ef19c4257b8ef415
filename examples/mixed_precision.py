"""Mixed-precision training: ``ember.autocast`` for the forward pass, ``ember.amp.GradScaler`` for the backward.

PyTorch's "Automatic Mixed Precision" recipe on a small classification task (three interleaved spirals, made
on the CPU): inside ``autocast`` the linear layers run in the device type's lower precision (bfloat16 on
``cpu``, float16 on ``cuda`` and ``jax``) and the loss in float32; the parameters and their gradients stay
float32. The scaler multiplies the loss so float16 gradients don't underflow, skips a step whose gradients
overflowed and adapts the scale.

    python examples/mixed_precision.py --device jax --steps 300
"""

from __future__ import annotations

import argparse
import math

import ember
from ember import nn


def spirals(n_per_class: int, classes: int = 3, seed: int = 0) -> tuple[ember.Tensor, ember.Tensor]:
    """``classes`` interleaved noisy spirals in the plane: inputs (N, 2) and class labels (N,)."""
    g = ember.Generator().manual_seed(seed)
    r = ember.linspace(0.1, 1.0, n_per_class)
    xs, ys = [], []
    for c in range(classes):
        theta = ember.linspace(c * 2 * math.pi / classes, c * 2 * math.pi / classes + 4.0, n_per_class)
        theta = theta + 0.2 * ember.randn(n_per_class, generator=g)
        xs.append(ember.stack([r * theta.cos(), r * theta.sin()], dim=1))
        ys.append(ember.full((n_per_class,), c, dtype=ember.int64))
    return ember.cat(xs), ember.cat(ys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    parser.add_argument("--steps", type=int, default=400, help="optimizer steps (default: 400)")
    parser.add_argument("--dtype", default=None, choices=["float16", "bfloat16"],
                        help="autocast's lower precision (default: bfloat16 on cpu, float16 elsewhere)")
    args = parser.parse_args()
    device = ember.device(args.device) if args.device else ember.get_default_device()
    dtype = getattr(ember, args.dtype) if args.dtype else ember.get_autocast_dtype(device.type)
    ember.manual_seed(0)

    x, y = spirals(200)
    x, y = x.to(device), y.to(device)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3)).to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = ember.optim.Adam(model.parameters(), lr=0.01)
    scaler = ember.amp.GradScaler(device.type, growth_interval=100)
    print(f"{len(x)} points on {device}; autocast dtype {dtype}")

    for step in range(1, args.steps + 1):
        optimizer.zero_grad()
        with ember.autocast(device_type=device.type, dtype=dtype):
            logits = model(x)  # the Linear layers run in `dtype`
            loss = loss_fn(logits, y)  # cross_entropy runs in float32
        scaler.scale(loss).backward()  # gradients reach the float32 parameters in float32
        scaler.step(optimizer)  # unscales the gradients; skips the step if any is inf/NaN
        scaler.update()
        if step == 1:
            print(f"logits dtype: {logits.dtype}, loss dtype: {loss.dtype}, "
                  f"weight grad dtype: {model[0].weight.grad.dtype}")
        if step == 1 or step % 50 == 0 or step == args.steps:
            print(f"step {step:4d}  loss {loss.item():.4f}  scale {scaler.get_scale():g}")

    with ember.no_grad(), ember.autocast(device_type=device.type, dtype=dtype):
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    print(f"parameters stay {next(model.parameters()).dtype}")
    print(f"final training accuracy: {100 * accuracy:.1f}%")


if __name__ == "__main__":
    main()
