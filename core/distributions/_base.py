"""Shared plumbing: distributions whose parameters broadcast together elementwise, and the binary probs/logits pair."""

from __future__ import annotations

from typing import Any

from ..tensor import Size, Tensor
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits


def _one_of(probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class _Elementwise(Distribution):
    """A distribution with scalar events whose parameters (``_params``) broadcast to its batch shape."""

    _params: tuple[str, ...] = ()

    def _setup(self, values: tuple[Any, ...], validate_args: bool | None) -> None:
        tensors = broadcast_all(*values)
        for name, t in zip(self._params, tensors):
            setattr(self, name, t)
        Distribution.__init__(self, tensors[0].size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A new distribution with every parameter expanded to ``batch_shape``."""
        new = self._get_checked_instance(type(self), _instance)
        batch_shape = Size(batch_shape)
        for name in self._params:
            setattr(new, name, getattr(self, name).expand(batch_shape))
        return self._finish_expand(new, batch_shape, self._event_shape)  # type: ignore[no-any-return]


class _BinaryParams(Distribution):
    """Binary probs/logits parameterization; one given, the other computed lazily."""

    def _set(self, probs: Any, logits: Any, *extra: Any) -> tuple[Tensor, ...]:
        _one_of(probs, logits)
        given = probs if probs is not None else logits
        vals = broadcast_all(*extra, given)
        setattr(self, "probs" if probs is not None else "logits", vals[-1])
        self._param = vals[-1]
        return vals

    @lazy_property
    def logits(self) -> Tensor:
        """Log-odds."""
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        """Success probability."""
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> Size:
        """Shape of the given parameter."""
        return self._param.size()


class _ProbsLogits(_BinaryParams):
    """Binary probs/logits distributions whose tensors (the given one and ``_extra``) expand together."""

    _extra: tuple[str, ...] = ()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """Expanded copy."""
        new = self._get_checked_instance(type(self), _instance)
        batch_shape = Size(batch_shape)
        for name in (*self._extra, "probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape))
        new._param = getattr(new, "probs" if "probs" in self.__dict__ else "logits")
        return self._finish_expand(new, batch_shape)  # type: ignore[no-any-return]
