"""Anomaly detection: ``set_detect_anomaly`` / ``detect_anomaly``.

While enabled, every recorded node keeps the stack of the forward call that created it, and
each backward output is checked for NaN; a NaN raises naming the forward op, with its traceback.
"""

from __future__ import annotations

import threading
import traceback
import warnings
from typing import TYPE_CHECKING, Any

from .grad_mode import CENSUS

if TYPE_CHECKING:
    from .graph import Node

__all__ = ["set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled"]


class _State(threading.local):
    # NOTE: per thread, as PyTorch's anomaly mode; a new thread starts disabled. Writes keep
    # grad_mode.CENSUS.anomaly_any up to date, which is what the recording hot path reads first.
    enabled: bool
    check_nan: bool

    def __init__(self) -> None:
        super().__setattr__("enabled", False)
        super().__setattr__("check_nan", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "enabled":
            value = bool(value)
            if value is not self.enabled:
                super().__setattr__(name, value)
                CENSUS.anomaly_moved(value)
            return
        super().__setattr__(name, value)


STATE = _State()


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on."""
    return STATE.enabled


class set_detect_anomaly:
    """Turn anomaly detection on or off; also a context manager restoring the previous state."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled = bool(mode)
        STATE.check_nan = check_nan

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        STATE.enabled, STATE.check_nan = self.prev


class detect_anomaly:
    """Context manager and decorator enabling anomaly detection inside its block."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev = (STATE.enabled, STATE.check_nan)
        STATE.enabled, STATE.check_nan = True, self.check_nan

    def __exit__(self, *exc: object) -> None:
        STATE.enabled, STATE.check_nan = self.prev

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


def record_trace(node: Node) -> None:
    """Remember the forward stack on ``node`` (called when a node is recorded in anomaly mode)."""
    node._trace = traceback.format_stack()[:-3]


def checked_apply(node: Node, grads: tuple[Any, ...]) -> tuple[Any, ...]:
    """Run ``node`` and raise if it produced NaN, naming the forward op that created it."""
    try:
        out = node.apply(grads)
    except Exception:
        _print_trace(node)
        raise
    if STATE.check_nan:
        for i, g in enumerate(out):
            if g is not None and bool(g.isnan().any()):
                _print_trace(node)
                trace = "".join(node._trace or [])
                raise RuntimeError(
                    f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                    f"Traceback of forward call that caused the error:\n{trace}")
    return out


def _print_trace(node: Node) -> None:
    if node._trace:
        warnings.warn(
            f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
            + "".join(node._trace), RuntimeWarning, stacklevel=3)
