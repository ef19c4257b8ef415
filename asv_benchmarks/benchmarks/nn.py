"""Layers and training steps: conv2d and softmax + cross-entropy forward and backward, one SGD step of
an MLP (784-512-256-10, batch 64) and of a small CNN (2 x conv-relu-maxpool, batch 64 of 28x28), and
the peak memory of those steps.

Targets (single-threaded, ``python -m asv_benchmarks.compare``): the MLP step at most 1.15x hand-written
NumPy and faster than PyTorch CPU; the CNN step at most 1.5x PyTorch CPU.
"""

from __future__ import annotations

from typing import Any

from . import _workloads as W


class Conv2d:
    """``conv2d`` 3x3, padding 1, 32 x 16 x 28 x 28 -> 32 channels: forward and backward to x, w, b."""

    params = (W.all_impls(),)
    param_names = ["impl"]
    timeout = 300

    def setup(self, impl: str) -> None:
        self.fn = W.make_conv2d(impl)

    def time_conv2d_fwd_bwd(self, impl: str) -> Any:
        return self.fn()


class CrossEntropy:
    """``cross_entropy`` (log-softmax + NLL, mean) of 128 x 1000 logits, forward and backward."""

    params = (W.all_impls(),)
    param_names = ["impl"]

    def setup(self, impl: str) -> None:
        self.fn = W.make_cross_entropy(impl)

    def time_softmax_cross_entropy(self, impl: str) -> Any:
        return self.fn()


class MLPStep:
    """One training step of an MLP 784-512-256-10 (ReLU), batch 64, CrossEntropyLoss, SGD."""

    params = (W.all_impls(),)
    param_names = ["impl"]
    timeout = 300

    def setup(self, impl: str) -> None:
        self.fn = W.make_mlp_step(impl)
        self.fn()  # compile (jax) and first-touch outside the measured region

    def time_mlp_step(self, impl: str) -> Any:
        return self.fn()

    def peakmem_mlp_step(self, impl: str) -> Any:
        return self.fn()


class CNNStep:
    """One training step of 2 x [Conv2d 3x3 pad 1 -> ReLU -> MaxPool2d 2] (16, 32 ch) -> Linear(10),
    batch 64 of 1 x 28 x 28, CrossEntropyLoss, SGD."""

    params = (W.all_impls(),)
    param_names = ["impl"]
    timeout = 300

    def setup(self, impl: str) -> None:
        self.fn = W.make_cnn_step(impl)
        self.fn()

    def time_cnn_step(self, impl: str) -> Any:
        return self.fn()

    def peakmem_cnn_step(self, impl: str) -> Any:
        return self.fn()
