"""Helpers for the nn, optim, data and save/load areas: run one computation on the CPU (NumPy) backend,
which tests/ verifies against PyTorch, and on the backend under test; compare outputs, input gradients,
parameter gradients and buffers.

Modules are built twice from the same seed (parameter initialization draws from the CPU generator, so
the two start equal, docs/architecture.md §5) and one copy is moved with ``module.to(device)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import ember

from ._helpers import assert_close, to_numpy

#: tolerances of a backend-vs-CPU comparison, by dtype: float64 is held to PyTorch's defaults; float32
#: allows for a different summation order (reductions, matmul, convolution) on the device.
TOL: dict[str, tuple[float, float]] = {"float64": (1e-7, 1e-7), "float32": (1e-4, 1e-5)}


def rand(*shape: int, seed: int = 0, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Seeded uniform float64 host data in ``[low, high)``."""
    return np.random.default_rng(seed).uniform(low, high, shape)


def ints(*shape: int, high: int, seed: int = 0, low: int = 0) -> np.ndarray:
    """Seeded int64 host data in ``[low, high)``."""
    return np.random.default_rng(seed).integers(low, high, shape).astype(np.int64)


def flat(out: Any) -> list[Any]:
    """The tensors of a (nested) module output, in order, Nones dropped."""
    if isinstance(out, (tuple, list)):
        return [y for x in out for y in flat(x)]
    return [] if out is None else [out]


def on_device(t: ember.Tensor, device: str) -> bool:
    """Whether ``t`` lives on ``device`` (an index-less device matches any index of its type)."""
    return t.device == ember.device(device) or (
        ember.device(device).index is None and t.device.type == ember.device(device).type
    )


def check_same(actual: Any, expected: Any, device: str, *, rtol: float | None = None, atol: float | None = None,
               what: str = "") -> None:
    """``actual`` (on ``device``) equals the CPU result ``expected``: device, dtype, shape and values."""
    if not isinstance(expected, ember.Tensor):
        assert actual == expected, f"{what}: {actual!r} != {expected!r}"
        return
    assert isinstance(actual, ember.Tensor), f"{what}: expected a Tensor, got {type(actual).__name__}"
    assert on_device(actual, device), f"{what}: result on {actual.device}, expected {device}"
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype}, CPU reference {expected.dtype}"
    d_rtol, d_atol = TOL.get(expected.dtype.name, (0.0, 0.0))
    assert_close(actual, to_numpy(expected), rtol=d_rtol if rtol is None else rtol,
                 atol=d_atol if atol is None else atol, msg=f"{what}: ")


def make_tensor(a: np.ndarray, device: str, dtype: Any, grad: bool) -> ember.Tensor:
    """A tensor of host data on ``device``: floats as ``dtype`` (requiring grad if asked), integers as they are."""
    if a.dtype.kind == "f":
        return ember.tensor(a, dtype=dtype, device=device, requires_grad=grad)
    return ember.tensor(a, device=device)


def pair(make: Callable[[], Any], device: str, dtype: Any = ember.float64, seed: int = 0) -> tuple[Any, Any]:
    """The same module twice, from one seed: on the CPU, and moved to ``device`` with ``.to``."""
    ember.manual_seed(seed)
    ref = make().to(dtype=dtype)
    ember.manual_seed(seed)
    mod = make()
    params = {n: p for n, p in mod.named_parameters()}
    assert mod.to(device, dtype) is mod, "Module.to must return the module itself"
    for name, p in mod.named_parameters():
        assert p is params[name], f"Module.to replaced parameter {name}; it must move it in place"
        assert on_device(p, device), f"parameter {name} on {p.device} after .to({device!r})"
        assert p.dtype == dtype, f"parameter {name} has dtype {p.dtype} after .to({dtype})"
    for name, b in mod.named_buffers():
        assert on_device(b, device), f"buffer {name} on {b.device} after .to({device!r})"
    for (name, r), (_, d) in zip(ref.state_dict().items(), mod.state_dict().items()):
        check_same(d, r, device, rtol=0, atol=0, what=f"initial {name} (same seed)")
    return ref, mod


def compare(
    call: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    device: str,
    *,
    modules: tuple[Any, Any] | None = None,
    dtype: Any = ember.float64,
    grad: bool | Sequence[bool] = True,
    rtol: float | None = None,
    atol: float | None = None,
    seed: int = 1234,
) -> tuple[list[Any], list[Any]]:
    """Run ``call(module, *inputs)`` on the CPU and on ``device``; compare outputs and gradients.

    Floating host arrays become ``dtype`` tensors requiring grad (``grad`` per input or for all), other
    arrays integer/bool tensors. The backward pass weights each floating output by a fixed random
    tensor, then the input gradients, the parameter gradients and the state dicts are compared.
    Returns the (CPU, device) outputs.
    """
    ref_mod: Any = modules[0] if modules is not None else None
    dev_mod: Any = modules[1] if modules is not None else None
    grads = [grad] * len(arrays) if isinstance(grad, bool) else list(grad)
    xr = [make_tensor(a, "cpu", dtype, g) for a, g in zip(arrays, grads)]
    xd = [make_tensor(a, device, dtype, g) for a, g in zip(arrays, grads)]
    out_r, out_d = flat(call(ref_mod, *xr)), flat(call(dev_mod, *xd))
    assert len(out_r) == len(out_d), f"{len(out_d)} outputs on {device}, {len(out_r)} on the CPU"
    for k, (r, d) in enumerate(zip(out_r, out_d)):
        check_same(d, r, device, rtol=rtol, atol=atol, what=f"output {k}")
    if ref_mod is not None:  # buffers, and parameters a forward may renormalize in place (max_norm)
        for (name, r), (_, d) in zip(ref_mod.state_dict().items(), dev_mod.state_dict().items()):
            check_same(d, r, device, rtol=rtol, atol=atol, what=f"{name} after the forward")
    terms = [k for k, r in enumerate(out_r) if isinstance(r, ember.Tensor) and r.requires_grad]
    if not any(x.requires_grad for x in xr):
        return out_r, out_d
    assert terms, "no output requires grad although inputs do"
    rng = np.random.default_rng(seed)
    loss_r: Any = 0
    loss_d: Any = 0
    for k in terms:
        w = rng.standard_normal(tuple(out_r[k].shape))
        loss_r = loss_r + (out_r[k] * ember.tensor(w, dtype=out_r[k].dtype)).sum()
        loss_d = loss_d + (out_d[k] * ember.tensor(w, dtype=out_d[k].dtype, device=device)).sum()
    loss_r.backward()
    loss_d.backward()
    for i, (r, d) in enumerate(zip(xr, xd)):
        if r.requires_grad:
            assert (r.grad is None) == (d.grad is None), f"input {i}: grad {d.grad} on device, {r.grad} on CPU"
            if r.grad is not None:
                check_same(d.grad, r.grad, device, rtol=rtol, atol=atol, what=f"grad of input {i}")
    if ref_mod is not None:
        for (name, r), (_, d) in zip(ref_mod.named_parameters(), dev_mod.named_parameters()):
            assert (r.grad is None) == (d.grad is None), f"{name}: grad {d.grad} on device, {r.grad} on CPU"
            if r.grad is not None:
                check_same(d.grad, r.grad, device, rtol=rtol, atol=atol, what=f"grad of {name}")
    return out_r, out_d


def compare_module(
    make: Callable[[], Any],
    arrays: Sequence[np.ndarray],
    device: str,
    *,
    call: Callable[..., Any] | None = None,
    dtype: Any = ember.float64,
    train: bool = True,
    **kw: Any,
) -> tuple[Any, Any]:
    """Build ``make()`` on the CPU and on ``device`` and :func:`compare` ``call(module, *inputs)``."""
    ref, mod = pair(make, device, dtype)
    ref.train(train)
    mod.train(train)
    compare(call or (lambda m, *xs: m(*xs)), arrays, device, modules=(ref, mod), dtype=dtype, **kw)
    return ref, mod
