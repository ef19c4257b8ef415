"""Differentiable ops: forward on backend arrays, backward with Tensor ops, side by side."""

from . import _methods  # noqa: F401  (binds Tensor methods)
