"""``ember.optim``: optimizers and learning-rate schedulers, PyTorch's ``torch.optim``.

Every optimizer is ``param_groups`` + per-parameter ``state`` + a functional update made of
in-place Tensor ops under ``no_grad``, so it runs on every backend and matches PyTorch's
update rules numerically.
"""

from __future__ import annotations

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam", "RMSprop", "SGD", "lr_scheduler",
]
