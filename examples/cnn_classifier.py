"""Classify handwritten digits with a convolutional network: Conv2d, BatchNorm2d, MaxPool2d and Dropout.

Adds what the MLP example leaves out: input normalization with ``transforms.Normalize``, batch
normalization and dropout (which behave differently under ``model.train()`` and ``model.eval()``),
Adam with a learning-rate schedule, and per-class accuracy at the end.

    python examples/cnn_classifier.py --device jax --epochs 10
"""

from __future__ import annotations

import argparse

import ember
import ember.nn.functional as F
from ember import nn
from ember.data import transforms
from ember.data.datasets import Digits
from ember.utils.data import DataLoader

# Mean and standard deviation of the training images' pixels (computed once from Digits(train=True).data).
MEAN, STD = 0.305, 0.376


class ConvNet(nn.Module):
    def __init__(self, dropout: float = 0.3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(64 * 2 * 2, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x: ember.Tensor) -> ember.Tensor:
        x = self.pool(F.relu(self.bn1(self.conv1(x))))  # 32 x 4 x 4
        x = self.pool(F.relu(self.bn2(self.conv2(x))))  # 64 x 2 x 2
        x = ember.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training set (default: 10)")
    parser.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default: 64)")
    args = parser.parse_args()
    device = ember.device(args.device) if args.device else ember.get_default_device()
    ember.manual_seed(0)

    normalize = transforms.Normalize((MEAN,), (STD,))
    train_set, test_set = Digits(train=True, transform=normalize), Digits(train=False, transform=normalize)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)

    model = ConvNet().to(device)
    print(model)
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters, training on {device}")
    criterion = nn.CrossEntropyLoss()
    optimizer = ember.optim.Adam(model.parameters(), lr=2e-3)
    scheduler = ember.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs // 2), gamma=0.3)

    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()  # dropout on, batch norm uses (and updates) batch statistics
        running = 0.0
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            running += loss.item() * len(labels)
        scheduler.step()

        model.eval()  # dropout off, batch norm uses its running statistics
        correct = ember.zeros(10, dtype=ember.int64, device="cpu")  # per-class counts, on the host
        total = ember.zeros(10, dtype=ember.int64, device="cpu")
        with ember.no_grad():
            for images, labels in test_loader:
                pred = model(images.to(device)).argmax(dim=1).cpu()
                labels = labels.cpu()
                total += ember.bincount(labels, minlength=10)
                correct += ember.bincount(labels[pred == labels], minlength=10)
        accuracy = correct.sum().item() / total.sum().item()
        print(f"epoch {epoch:2d}  train loss {running / len(train_set):.4f}  test accuracy {100 * accuracy:.2f}%  "
              f"lr {scheduler.get_last_lr()[0]:.1e}")

    per_class = "  ".join(f"{c}: {100 * k / n:.0f}%" for c, k, n in zip(train_set.classes, correct.tolist(),
                                                                           total.tolist()))
    print(f"per-class test accuracy  {per_class}")
    print(f"Final test accuracy: {100 * accuracy:.2f}%")


if __name__ == "__main__":
    main()
