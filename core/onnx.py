"""``ember.onnx``: present so that ``import torch.onnx`` in a PyTorch program works under ember.

ember does not export ONNX graphs: it records no static graph of a model's forward. :func:`export` says so
with a clear error; weights travel through ``ember.save(state_dict, "w.safetensors")`` instead.
"""

from __future__ import annotations

from typing import Any

__all__ = ["export", "is_in_onnx_export"]


def is_in_onnx_export() -> bool:
    """Whether an ONNX export is running: never in ember."""
    return False


def export(model: Any, args: Any = (), f: Any = None, *pos: Any, **kwargs: Any) -> None:
    """Not supported: ember cannot export ONNX; raises ``RuntimeError`` saying what to use instead."""
    raise RuntimeError("ember.onnx.export is not supported: ember has no ONNX exporter. Save the weights with "
                       "ember.save(model.state_dict(), 'model.safetensors') and export from PyTorch if an ONNX "
                       "file is needed.")
