"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _Census:
    """Process-wide summary of the per-thread modes: plain slots, so the hot paths read it for free.

    ``grad_all_on`` is True while no thread has grad mode off, and ``anomaly_any`` while some thread
    has anomaly detection on; a hot path reads its own thread's (thread-local, ~30 ns) flag only when
    the summary cannot answer for it: ``x._rg and (CENSUS.grad_all_on or GRAD.enabled)``.
    """

    __slots__ = ("grad_all_on", "anomaly_any", "_grad_off", "_anomaly_on", "_lock")

    def __init__(self) -> None:
        self.grad_all_on = True
        self.anomaly_any = False
        self._grad_off = 0
        self._anomaly_on = 0
        self._lock = threading.Lock()

    def grad_moved(self, on: bool) -> None:
        """Count a thread's grad mode turning on or off."""
        with self._lock:
            self._grad_off += -1 if on else 1
            self.grad_all_on = self._grad_off == 0

    def anomaly_moved(self, on: bool) -> None:
        """Count a thread's anomaly detection turning on or off."""
        with self._lock:
            self._anomaly_on += 1 if on else -1
            self.anomaly_any = self._anomaly_on > 0


CENSUS = _Census()


class _GradState(threading.local):
    # NOTE: per thread, as PyTorch's grad mode: `__init__` runs again in each thread on its first read,
    # so a new thread starts from the defaults. Every write keeps CENSUS up to date (~0.3 us, paid on
    # entering and leaving a mode, not per op). A thread that ends with grad off leaves CENSUS
    # counting it: the hot paths then read the thread-local flag, which is slower but still right.
    enabled: bool
    inference: bool

    def __init__(self) -> None:
        super().__setattr__("enabled", True)
        super().__setattr__("inference", False)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "enabled":
            value = bool(value)
            if value is not self.enabled:
                super().__setattr__(name, value)
                CENSUS.grad_moved(value)
            return
        super().__setattr__(name, value)


GRAD = _GradState()


def is_grad_enabled() -> bool:
    """Return True if gradients are being recorded."""
    return GRAD.enabled


def is_inference_mode_enabled() -> bool:
    """Return True inside ``inference_mode()``."""
    return GRAD.inference


class _Mode:
    """Base of the grad-mode context managers; each also works as a decorator."""

    _target = True

    def __init__(self) -> None:
        self._prev: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._prev.append((GRAD.enabled, GRAD.inference))
        self._apply()

    def _apply(self) -> None:
        GRAD.enabled = self._target

    def __exit__(self, *exc: object) -> None:
        GRAD.enabled, GRAD.inference = self._prev.pop()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def clone(self) -> _Mode:
        """A fresh context manager with the same setting (for use as a decorator)."""
        return type(self)()


class _NoParamMode(_Mode):
    """A mode usable as ``@mode`` as well as ``@mode()`` (PyTorch 2.x)."""

    def __new__(cls, orig_func: Any = None) -> Any:
        if orig_func is not None and callable(orig_func):
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func: Any = None) -> None:
        super().__init__()


class no_grad(_NoParamMode):
    """Context manager and decorator that disables gradient recording."""

    _target = False


class enable_grad(_NoParamMode):
    """Context manager and decorator that enables gradient recording."""

    _target = True


class set_grad_enabled(_Mode):
    """Enable or disable gradient recording; works as a function, a context manager and a decorator."""

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._target = bool(mode)
        # PyTorch applies the mode immediately, so `set_grad_enabled(False)` works as a call
        self._prev.append((GRAD.enabled, GRAD.inference))
        GRAD.enabled = self._target

    def __enter__(self) -> None:
        pass

    def clone(self) -> set_grad_enabled:
        """A fresh context manager with the same setting."""
        prev = GRAD.enabled, GRAD.inference
        new = set_grad_enabled(self._target)
        GRAD.enabled, GRAD.inference = prev
        new._prev = []
        return new

    def __call__(self, fn: F) -> F:  # type: ignore[override]
        target = self._target
        # Used as a decorator, the mode applies inside the function only (as in PyTorch).
        if self._prev:
            GRAD.enabled, GRAD.inference = self._prev.pop()

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = GRAD.enabled
            GRAD.enabled = target
            try:
                return fn(*args, **kwargs)
            finally:
                GRAD.enabled = prev

        return wrapper  # type: ignore[return-value]


class inference_mode(_Mode):
    """Like ``no_grad``, and tensors created inside are marked as inference tensors."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self._mode = bool(mode)

    def _apply(self) -> None:
        if self._mode:
            GRAD.enabled = False
            GRAD.inference = True

    def clone(self) -> inference_mode:
        """A fresh context manager with the same setting."""
        return inference_mode(self._mode)
