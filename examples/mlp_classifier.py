"""Classify handwritten digits with a multilayer perceptron (PyTorch's Quickstart loop, on any backend).

Data: ``ember.data.datasets.Digits``, scikit-learn's 1,797 real 8x8 images (pip install "ember[examples]").
The model is an ``nn.Module`` subclass; ``train`` and ``test`` are the loops of PyTorch's Quickstart tutorial.

    python examples/mlp_classifier.py --device jax --epochs 10
"""

from __future__ import annotations

import argparse

import ember
from ember import nn
from ember.data.datasets import Digits
from ember.utils.data import DataLoader


class MLP(nn.Module):
    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(
            nn.Linear(8 * 8, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 10),
        )

    def forward(self, x: ember.Tensor) -> ember.Tensor:
        return self.layers(self.flatten(x))


def train(loader: DataLoader, model: nn.Module, loss_fn: nn.Module, optimizer: ember.optim.Optimizer,
          device: ember.device) -> None:
    size = len(loader.dataset)
    model.train()
    for batch, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 10 == 0:
            print(f"loss: {loss.item():>7f}  [{min((batch + 1) * len(x), size):>5d}/{size:>5d}]")


def test(loader: DataLoader, model: nn.Module, loss_fn: nn.Module, device: ember.device) -> float:
    model.eval()
    test_loss, correct = 0.0, 0
    with ember.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            pred = model(x)
            test_loss += loss_fn(pred, y).item() * len(x)
            correct += (pred.argmax(1) == y).sum().item()
    accuracy = correct / len(loader.dataset)
    print(f"Test: Accuracy: {100 * accuracy:>0.1f}%, Avg loss: {test_loss / len(loader.dataset):>8f}\n")
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training set (default: 10)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    args = parser.parse_args()
    device = ember.device(args.device) if args.device else ember.get_default_device()
    ember.manual_seed(0)

    train_loader = DataLoader(Digits(train=True), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(Digits(train=False), batch_size=256)
    model = MLP().to(device)
    print(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    accuracy = 0.0
    for t in range(args.epochs):
        print(f"Epoch {t + 1}\n-------------------------------")
        train(train_loader, model, loss_fn, optimizer, device)
        accuracy = test(test_loader, model, loss_fn, device)
    print(f"Done! Final test accuracy: {100 * accuracy:.1f}%")


if __name__ == "__main__":
    main()
