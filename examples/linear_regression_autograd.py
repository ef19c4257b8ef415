"""Linear regression by hand: autograd tensors and a hand-written gradient-descent step.

Fits ``y = X @ w + b`` to noisy data from a known line, with no nn or optim: ``loss.backward()``
fills ``w.grad`` and ``b.grad``, and the update runs under ``ember.no_grad()`` so it is not recorded.

    python examples/linear_regression_autograd.py --device jax --steps 100
"""

from __future__ import annotations

import argparse

import ember


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    parser.add_argument("--steps", type=int, default=100, help="gradient-descent steps (default: 100)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default: 0.1)")
    args = parser.parse_args()
    device = ember.device(args.device) if args.device else ember.get_default_device()
    ember.manual_seed(0)

    # Synthetic data: 1000 points from y = 2 x0 - 3.4 x1 + 4.2, plus a little noise.
    true_w = ember.tensor([2.0, -3.4], device=device)
    true_b = 4.2
    X = ember.randn(1000, 2, device=device)
    y = X @ true_w + true_b + 0.01 * ember.randn(1000, device=device)

    # The parameters: leaf tensors that autograd tracks.
    w = ember.zeros(2, device=device, requires_grad=True)
    b = ember.zeros(1, device=device, requires_grad=True)
    print(f"fitting y = X @ w + b on {device}: {args.steps} steps, lr {args.lr}")

    for step in range(args.steps):
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        with ember.no_grad():
            w -= args.lr * w.grad
            b -= args.lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        if step == 0 or (step + 1) % 20 == 0:
            print(f"step {step + 1:4d}  loss {loss.item():.6f}")

    final = ((X @ w + b - y) ** 2).mean().item()
    print(f"final loss {final:.6f}")
    learned = ", ".join(f"{v:.4f}" for v in w.tolist())
    print(f"learned w = [{learned}], b = {b.item():.4f}  (true w = [2.0, -3.4], b = {true_b})")


if __name__ == "__main__":
    main()
