"""Sine-wave prediction in the shape of PyTorch's time_sequence_prediction example: two LSTMCells and a
Linear in double precision, trained with L-BFGS, then asked to continue the waves.

Plain PyTorch: run it with ``ember run tests/programs/time_sequence_prediction.py``.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def generate_sine_waves(n, length, period=20, seed=2):
    rng = np.random.RandomState(seed)
    x = np.empty((n, length), np.int64)
    x[:] = np.array(range(length)) + rng.randint(-4 * period, 4 * period, n).reshape(n, 1)
    return np.sin(x / 1.0 / period).astype("float64")


class Sequence(nn.Module):
    def __init__(self, hidden=51):
        super(Sequence, self).__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double, device=input.device)
        c_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double, device=input.device)
        h_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double, device=input.device)
        c_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double, device=input.device)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


def main():
    parser = argparse.ArgumentParser(description="LSTM sine-wave prediction with L-BFGS")
    parser.add_argument("--steps", type=int, default=3, help="steps to run")
    parser.add_argument("--waves", type=int, default=20, help="number of sine waves")
    parser.add_argument("--length", type=int, default=40, help="samples per wave")
    parser.add_argument("--hidden", type=int, default=24, help="LSTM hidden size")
    parser.add_argument("--future", type=int, default=20, help="samples to predict past the input")
    parser.add_argument("--device", default="cpu", help="the device to train on (default: cpu)")
    opt = parser.parse_args()
    # set random seed to 0
    np.random.seed(0)
    torch.manual_seed(0)
    device = torch.device(opt.device)

    data = generate_sine_waves(opt.waves, opt.length)
    input = torch.from_numpy(data[3:, :-1]).to(device)
    target = torch.from_numpy(data[3:, 1:]).to(device)
    test_input = torch.from_numpy(data[:3, :-1]).to(device)
    test_target = torch.from_numpy(data[:3, 1:]).to(device)
    # build the model
    seq = Sequence(opt.hidden)
    seq.double()
    seq.to(device)
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    # begin to train
    for i in range(opt.steps):
        print("STEP: ", i)

        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print("loss:", loss.item())
            loss.backward()
            return loss
        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = opt.future
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print("test loss:", loss.item())
            y = pred.detach().cpu().numpy()
        print("predicted {} future samples for {} waves, first wave ends at {:.4f}".format(
            future, y.shape[0], y[0, -1]))


if __name__ == "__main__":
    main()
