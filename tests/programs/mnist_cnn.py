"""A convolutional digit classifier in the shape of PyTorch's MNIST example.

Plain PyTorch: run it with ``ember run tests/programs/mnist_cnn.py`` to run it on ember. The data are
scikit-learn's 8x8 digits, upsampled to 16x16 by the dataset's transform.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset


class Digits(Dataset):
    """scikit-learn's handwritten digits as (1, 8, 8) float images in [0, 1] and integer labels."""

    def __init__(self, train=True, transform=None):
        digits = load_digits()
        images = (digits.images / 16.0).astype(np.float32)
        labels = digits.target.astype(np.int64)
        # a fixed shuffle before the split: the file is ordered by writer
        order = np.random.RandomState(0).permutation(len(labels))
        split = int(0.8 * len(labels))
        keep = order[:split] if train else order[split:]
        self.images, self.labels = images[keep], labels[keep]
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = torch.from_numpy(self.images[index]).unsqueeze(0)
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])


class Upsample:
    """Resizes a (C, H, W) image by a scale factor, then normalizes it."""

    def __init__(self, scale, mean, std):
        self.scale, self.mean, self.std = scale, mean, std

    def __call__(self, image):
        image = F.interpolate(image.unsqueeze(0), scale_factor=self.scale, mode="bilinear",
                              align_corners=False).squeeze(0)
        return (image - self.mean) / self.std


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(32 * 6 * 6, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.conv1(x)          # 16 x 14 x 14
        x = F.relu(x)
        x = self.conv2(x)          # 32 x 12 x 12
        x = F.relu(x)
        x = F.max_pool2d(x, 2)     # 32 x 6 x 6
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print("Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
        if args.dry_run:
            break


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    accuracy = correct / len(test_loader.dataset)
    print("Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.4f})".format(
        test_loss, correct, len(test_loader.dataset), accuracy))
    return accuracy


def main():
    parser = argparse.ArgumentParser(description="Digits CNN in the shape of PyTorch's MNIST example")
    parser.add_argument("--batch-size", type=int, default=32, metavar="N",
                        help="input batch size for training (default: 32)")
    parser.add_argument("--test-batch-size", type=int, default=360, metavar="N",
                        help="input batch size for testing (default: 360)")
    parser.add_argument("--epochs", type=int, default=2, metavar="N",
                        help="number of epochs to train (default: 2)")
    parser.add_argument("--lr", type=float, default=1.0, metavar="LR",
                        help="learning rate (default: 1.0)")
    parser.add_argument("--gamma", type=float, default=0.7, metavar="M",
                        help="learning rate step gamma (default: 0.7)")
    parser.add_argument("--device", default="cpu", help="the device to train on (default: cpu)")
    parser.add_argument("--dry-run", action="store_true", help="quickly check a single pass")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=10, metavar="N",
                        help="how many batches to wait before logging training status")
    parser.add_argument("--save-model", action="store_true", help="save the model's state_dict")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)

    train_kwargs = {"batch_size": args.batch_size, "shuffle": True, "num_workers": 1}
    test_kwargs = {"batch_size": args.test_batch_size}

    transform = Upsample(2, mean=0.305, std=0.376)
    dataset1 = Digits(train=True, transform=transform)
    dataset2 = Digits(train=False, transform=transform)
    train_loader = DataLoader(dataset1, **train_kwargs)
    test_loader = DataLoader(dataset2, **test_kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    accuracy = 0.0
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        accuracy = test(model, device, test_loader)
        scheduler.step()
    print(f"final test accuracy: {accuracy:.4f}")

    if args.save_model:
        path = os.path.join(tempfile.mkdtemp(), "digits_cnn.pt")
        torch.save(model.state_dict(), path)
        reloaded = Net()
        reloaded.load_state_dict(torch.load(path))
        print(f"saved to {path}: {len(reloaded.state_dict())} tensors reloaded")


if __name__ == "__main__":
    main()
