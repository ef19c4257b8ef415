"""``nn.Container``: PyTorch's deprecated module container (a ``Module`` built from keyword children)."""

from __future__ import annotations

import warnings
from typing import Any

from .module import Module

__all__ = ["Container"]


class Container(Module):
    """Container(**kwargs): deprecated; a ``Module`` with each keyword argument added as a child."""

    def __init__(self, **kwargs: Any) -> None:
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now implemented in `nn.Module`. "
                      "Subclass that instead.", FutureWarning, stacklevel=2)
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)
