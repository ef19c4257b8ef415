"""Linear regression the idiomatic way: a custom Dataset, a DataLoader, nn.Linear, MSELoss and SGD.

The same fit as linear_regression_autograd.py, written as a PyTorch training loop: the model,
the loss and the optimizer come from ``ember.nn`` and ``ember.optim``, and the data arrives in
shuffled mini-batches from a ``DataLoader`` over a ``Dataset`` subclass.

    python examples/linear_regression_nn.py --device jax --epochs 10
"""

from __future__ import annotations

import argparse

import ember
from ember import nn
from ember.utils.data import DataLoader, Dataset


class NoisyLine(Dataset):
    """``n`` samples ``(x, y)`` with ``y = x @ weight + bias + noise``, made once on the CPU."""

    def __init__(self, n: int, weight: list[float], bias: float, noise: float = 0.01, seed: int = 0) -> None:
        # NOTE: device="cpu" because the generator is a CPU one, whatever the default device is.
        g = ember.Generator().manual_seed(seed)
        self.x = ember.randn(n, len(weight), generator=g, device="cpu")
        w = ember.tensor(weight, device="cpu").unsqueeze(1)
        self.y = self.x @ w + bias + noise * ember.randn(n, 1, generator=g, device="cpu")

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> tuple[ember.Tensor, ember.Tensor]:
        return self.x[index], self.y[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the data (default: 10)")
    parser.add_argument("--size", type=int, default=1000, help="number of samples (default: 1000)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default: 32)")
    args = parser.parse_args()
    device = ember.device(args.device) if args.device else ember.get_default_device()
    ember.manual_seed(0)

    dataset = NoisyLine(args.size, weight=[2.0, -3.4, 0.5], bias=4.2)
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True)

    model = nn.Linear(3, 1).to(device)
    loss_fn = nn.MSELoss()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05)
    print(model)
    print(f"{len(dataset)} samples in batches of {args.batch_size} on {device}")

    for epoch in range(args.epochs):
        total = 0.0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
        print(f"epoch {epoch + 1:3d}  loss {total / len(dataset):.6f}")

    weight = ", ".join(f"{v:.4f}" for v in model.weight.squeeze(0).tolist())
    print(f"learned weight = [{weight}], bias = {model.bias.item():.4f}  (true weight = [2.0, -3.4, 0.5], bias = 4.2)")


if __name__ == "__main__":
    main()
