"""Shared plumbing for distributions whose parameters broadcast together elementwise."""

from __future__ import annotations

from numbers import Number
from typing import Any

from ..tensor import Size, Tensor
from .distribution import Distribution
from .utils import broadcast_all


class _Elementwise(Distribution):
    """A distribution with scalar events whose parameters (``_params``) broadcast to its batch shape."""

    _params: tuple[str, ...] = ()

    def _setup(self, values: tuple[Any, ...], validate_args: bool | None) -> None:
        tensors = broadcast_all(*values)
        for name, t in zip(self._params, tensors):
            setattr(self, name, t)
        batch = Size() if all(isinstance(v, Number) for v in values) else tensors[0].size()
        Distribution.__init__(self, batch, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A new distribution with every parameter expanded to ``batch_shape``."""
        new = self._get_checked_instance(type(self), _instance)
        batch_shape = Size(batch_shape)
        for name in self._params:
            setattr(new, name, getattr(self, name).expand(batch_shape))
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new  # type: ignore[no-any-return]

    def _first(self) -> Tensor:
        t = getattr(self, self._params[0])
        assert isinstance(t, Tensor)
        return t

    def _check(self, value: Any) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return value  # type: ignore[no-any-return]
