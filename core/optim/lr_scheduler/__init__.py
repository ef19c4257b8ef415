"""Learning-rate schedulers, PyTorch's ``torch.optim.lr_scheduler``.

Each scheduler computes the next learning rate from the current one (PyTorch's chainable,
recursive form), so values match PyTorch's step by step, and several schedulers may act on
one optimizer. ``step(epoch)`` (deprecated in PyTorch) uses the closed form where one exists.
Scheduler state dicts hold only numbers, strings, lists and dicts, so ``ember.save`` stores them.
"""

from __future__ import annotations

from ._base import EPOCH_DEPRECATION_WARNING, LRScheduler, _LRScheduler
from ._composite import ChainedScheduler, SequentialLR
from ._cyclic import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from ._decay import (
    ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR, PolynomialLR, StepLR,
)
from ._plateau import ReduceLROnPlateau

__all__ = [
    "LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
    "ExponentialLR", "SequentialLR", "PolynomialLR", "CosineAnnealingLR", "ChainedScheduler",
    "ReduceLROnPlateau", "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR",
]
