"""Image super-resolution in the shape of PyTorch's super_resolution example (an efficient sub-pixel CNN:
convolutions, then nn.PixelShuffle), restoring 8x8 digits from 4x4 copies of them.

Plain PyTorch: run it with ``ember run tests/programs/super_resolution.py``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, Dataset


class DatasetFromDigits(Dataset):
    """(low-resolution input, full-resolution target) pairs: each digit average-pooled by the upscale factor."""

    def __init__(self, images, upscale_factor):
        super(DatasetFromDigits, self).__init__()
        self.targets = images
        self.inputs = F.avg_pool2d(images, upscale_factor)

    def __getitem__(self, index):
        return self.inputs[index], self.targets[index]

    def __len__(self):
        return len(self.targets)


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 32, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(32, 32, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(32, 16, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(16, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv4.weight)


def main():
    parser = argparse.ArgumentParser(description="Sub-pixel CNN super-resolution on digits")
    parser.add_argument("--upscale_factor", type=int, default=2, help="super resolution upscale factor")
    parser.add_argument("--batchSize", type=int, default=64, help="training batch size")
    parser.add_argument("--testBatchSize", type=int, default=128, help="testing batch size")
    parser.add_argument("--nEpochs", type=int, default=4, help="number of epochs to train for")
    parser.add_argument("--lr", type=float, default=0.003, help="Learning Rate. Default=0.003")
    parser.add_argument("--seed", type=int, default=123, help="random seed to use. Default=123")
    parser.add_argument("--device", default="cpu", help="the device to train on (default: cpu)")
    opt = parser.parse_args()

    torch.manual_seed(opt.seed)
    device = torch.device(opt.device)

    print("===> Loading datasets")
    images = torch.from_numpy((load_digits().images / 16.0).astype(np.float32)).unsqueeze(1)
    split = int(0.8 * len(images))
    training_data_loader = DataLoader(dataset=DatasetFromDigits(images[:split], opt.upscale_factor),
                                      batch_size=opt.batchSize, shuffle=True)
    testing_data_loader = DataLoader(dataset=DatasetFromDigits(images[split:], opt.upscale_factor),
                                     batch_size=opt.testBatchSize, shuffle=False)

    print("===> Building model")
    model = Net(upscale_factor=opt.upscale_factor).to(device)
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=opt.lr)

    def train(epoch):
        epoch_loss = 0
        for batch in training_data_loader:
            input, target = batch[0].to(device), batch[1].to(device)

            optimizer.zero_grad()
            loss = criterion(model(input), target)
            epoch_loss += loss.item()
            loss.backward()
            optimizer.step()
        print("===> Epoch {} Complete: Avg. Loss: {:.4f}".format(epoch, epoch_loss / len(training_data_loader)))

    def test():
        avg_psnr = 0
        with torch.no_grad():
            for batch in testing_data_loader:
                input, target = batch[0].to(device), batch[1].to(device)

                prediction = model(input)
                mse = criterion(prediction, target)
                psnr = 10 * math.log10(1 / mse.item())
                avg_psnr += psnr
        avg_psnr = avg_psnr / len(testing_data_loader)
        print("===> Avg. PSNR: {:.4f} dB".format(avg_psnr))
        return avg_psnr

    # the baseline a network has to beat: nearest-neighbour upsampling of the inputs
    baseline = 0
    with torch.no_grad():
        for input, target in testing_data_loader:
            upsampled = F.interpolate(input, scale_factor=opt.upscale_factor, mode="nearest")
            baseline += 10 * math.log10(1 / F.mse_loss(upsampled, target).item())
    print("===> Nearest-neighbour PSNR: {:.4f} dB".format(baseline / len(testing_data_loader)))

    for epoch in range(1, opt.nEpochs + 1):
        train(epoch)
        test()


if __name__ == "__main__":
    main()
