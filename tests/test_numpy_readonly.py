"""``Tensor.numpy()`` / ``__array__``: a shared writable view on the CPU (as in PyTorch), a read-only
array for device tensors, so that a write raises NumPy's ValueError instead of being silently lost."""

from __future__ import annotations

import numpy as np
import pytest
from _devices import device_params

import ember

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

DEVICES = [p for p in device_params() if p != "cpu"]
if "strict" in ember.plugins.registered_backends():  # the array_api_strict plugin, when installed
    DEVICES.append("strict")


def test_cpu_numpy_is_a_shared_writable_view() -> None:
    t = ember.zeros(3)
    n = t.numpy()
    n[0] = 5.0
    np.asarray(t)[1] = 6.0
    assert t.tolist() == [5.0, 6.0, 0.0]
    if torch is not None:  # the oracle behaves the same
        tt = torch.zeros(3)
        tt.numpy()[0] = 5.0
        np.asarray(tt)[1] = 6.0
        assert tt.tolist() == t.tolist()


@pytest.mark.parametrize("device", DEVICES)
def test_device_numpy_is_read_only(device: str) -> None:
    t = ember.arange(3.0, device=device)
    for arr in (t.numpy(), np.asarray(t), t.__array__(), t.numpy(force=True), t[1:].numpy()):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="assignment destination is read-only"):
            arr[0] = 7.0
    assert t.tolist() == [0.0, 1.0, 2.0]
    # an explicit copy is the caller's own array
    for arr in (np.array(t), np.array(t, copy=True), t.__array__(copy=True), np.asarray(t, dtype=np.float64)):
        arr[0] = 7.0
        assert arr.tolist() == [7.0, 1.0, 2.0]
    assert t.tolist() == [0.0, 1.0, 2.0]
