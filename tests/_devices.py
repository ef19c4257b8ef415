"""Device parameters shared by the tests that run on every backend."""

from __future__ import annotations

from typing import Any

import pytest


def device_params() -> list[Any]:
    """cpu, cuda and jax as pytest params; those not usable on this machine skipped with the reason."""
    from ember import plugins

    registered = plugins.registered_backends()
    out = []
    for dev in ("cpu", "cuda", "jax"):
        be = registered.get(dev)
        reason = f"no backend registered for device type {dev!r}" if be is None else plugins.unavailable_reason(be)
        out.append(pytest.param(dev, marks=pytest.mark.skip(reason=reason)) if reason else dev)
    return out
