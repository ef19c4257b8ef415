"""Tensor printing: ``repr(tensor)``, ``set_printoptions`` and ``get_printoptions``.

Follows PyTorch's ``torch/_tensor_str.py`` step for step (one formatter per tensor, summarization
with edge items, wrapping at the line width, the suffix rules), so ``repr`` output matches
PyTorch's character for character, with ``torch.`` spelled ``ember.``. Formatting works on the
host copy from ``Tensor.numpy(force=True)``, whatever the tensor's backend.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set options for printing tensors, as ``torch.set_printoptions`` does.

    Args:
        precision: digits after the decimal point for floating point output (default 4).
        threshold: number of elements above which the repr is summarized (default 1000).
        edgeitems: items shown at the start and end of each summarized dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``; the other arguments override it.
        sci_mode: force scientific notation on (True) or off (False); None chooses per tensor.
            Like PyTorch, every call sets it, so omitting it resets it to None.

    Example::

        >>> ember.set_printoptions(precision=2)
        >>> ember.tensor([1.12345])
        tensor([1.12])
        >>> ember.set_printoptions(profile="default")
    """
    # NOTE: an unknown profile is ignored, as in PyTorch.
    for name, value in _PROFILES.get(profile, {}).items() if profile is not None else ():
        setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the print options; accepts :func:`set_printoptions`'s arguments."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses one number format (int / fixed / scientific) and width for a whole tensor."""

    def __init__(self, values: np.ndarray, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = PRINT_OPTS.precision

        # Widths depend only on the distinct values, so format each one once.
        if not floating:
            for value in np.unique(values).tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return

        flat = values.reshape(-1)
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        abs_vals = np.abs(vals)
        vmin, vmax = float(abs_vals.min()), float(abs_vals.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        uniq = np.unique(vals).tolist()
        if self.sci_mode:
            widths = [len(f"{value:.{precision}e}") for value in uniq]
        elif self.int_mode:
            # the trailing "." that marks a float takes one more column
            widths = [len(f"{value:.0f}") + 1 for value in uniq]
        else:
            widths = [len(f"{value:.{precision}f}") for value in uniq]
        self.max_width = max(self.max_width, *widths)

    def format(self, value: Any) -> str:
        if not self.floating:
            out = f"{value}"
        elif self.sci_mode:
            out = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            out = f"{value:.0f}"
            if math.isfinite(value):
                out += "."
        else:
            out = f"{value:.{PRINT_OPTS.precision}f}"
        return " " * (self.max_width - len(out)) + out


class _ComplexFormatter:
    """PyTorch's complex layout: the real parts and the imaginary parts each get their own format,
    joined as ``1.+2.j``; the imaginary part is not padded."""

    def __init__(self, values: np.ndarray):
        self.real = _Formatter(values.real, True)
        self.imag = _Formatter(values.imag, True)
        # the "j" takes one more column
        self.max_width = self.real.max_width + self.imag.max_width + 1

    def format(self, value: Any) -> str:
        value = complex(value)
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        # a sign is already there for negative parts (and -0.0)
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(x: np.ndarray, indent: int, summarize: bool, fmt: Any) -> str:
    # each element takes its width plus ", "
    element_length = fmt.max_width + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        data = ["..."]
    elif summarize and x.shape[0] > 2 * edge:
        data = [fmt.format(v) for v in x[:edge].tolist()] + [" ..."]
        data += [fmt.format(v) for v in x[-edge:].tolist()]
    else:
        data = [fmt.format(v) for v in x.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(x: np.ndarray, indent: int, summarize: bool, fmt: Any) -> str:
    if x.ndim == 0:
        return fmt.format(x.item())
    if x.ndim == 1:
        return _vector_str(x, indent, summarize, fmt)
    edge = PRINT_OPTS.edgeitems
    n = x.shape[0]
    if summarize and n > 2 * edge:
        slices = [_nested_str(x[i], indent + 1, summarize, fmt) for i in range(edge)]
        slices.append("...")
        slices += [_nested_str(x[i], indent + 1, summarize, fmt) for i in range(n - edge, n)]
    else:
        slices = [_nested_str(x[i], indent + 1, summarize, fmt) for i in range(n)]
    # blank lines between blocks grow with the rank: one per dimension below the first
    return "[" + ("," + "\n" * (x.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized(x: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows, for choosing the format from them alone."""
    edge = PRINT_OPTS.edgeitems
    if x.ndim == 0:
        return x
    n = x.shape[0]
    if x.ndim == 1:
        # NOTE: with edge == 0, x[-0:] is all of x, as in PyTorch.
        return np.concatenate((x[:edge], x[-edge:])) if n > 2 * edge else x
    if not edge:
        return x[(slice(0, 0),) * x.ndim]
    rows = [x[i] for i in range(edge)] + [x[i] for i in range(n - edge, n)] if n > 2 * edge else list(x)
    return np.stack([_summarized(r) for r in rows])


def _tensor_str(x: np.ndarray, indent: int, floating: bool) -> str:
    summarize = x.size > PRINT_OPTS.threshold
    shown = _summarized(x) if summarize else x
    fmt = _ComplexFormatter(shown) if x.dtype.kind == "c" else _Formatter(shown, floating)
    return _nested_str(x, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    # NOTE: PyTorch's "+ 1" (not "- 1") overcounts the last line by two; kept so wrapping matches.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _host_values(t: Any) -> np.ndarray:
    arr = np.asarray(t.numpy(force=True))
    # NOTE: bfloat16 (an ml_dtypes array) widens exactly to float32; NumPy float arrays stay as they
    # are, since tolist() already yields Python floats holding the exact values, as in PyTorch.
    if arr.dtype.kind not in "fiubc":
        arr = arr.astype(np.float32)
    return arr


def tensor_repr(t: Any) -> str:
    """PyTorch's ``repr`` of a tensor, e.g. ``tensor([1., 2.], dtype=ember.float64)``.

    Used as ``Tensor.__repr__``; a tensor flagged as a parameter prints as
    ``Parameter containing:`` followed by its tensor repr.
    """
    from .dtypes import get_default_complex_dtype, get_default_dtype

    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")

    shape = tuple(int(s) for s in t.shape)
    dtype_name = t.dtype.name
    default_name = get_default_dtype().name
    complex_name = get_default_complex_dtype().name
    dtype_suffix = f"dtype={t.dtype!r}"
    if math.prod(shape) == 0:
        # NumPy-style: the shape is shown unless it is (0,), and with no elements to tell ints
        # from floats the dtype is shown unless it is the default float dtype.
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        if dtype_name != default_name:
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if dtype_name not in (default_name, complex_name, "int64", "bool"):
            suffixes.append(dtype_suffix)
        body = _tensor_str(_host_values(t), indent, t.dtype.is_floating_point)

    grad_fn = t.grad_fn
    if grad_fn is not None:
        name = grad_fn.name() if hasattr(grad_fn, "name") else type(grad_fn).__name__
        suffixes.append(f"grad_fn=<{name.rsplit('::', 1)[-1]}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    out = _add_suffixes(prefix + body, suffixes, indent)
    if getattr(t, "_is_param", False):
        out = "Parameter containing:\n" + out
    return out
