"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck`` (PyTorch's defaults)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func: Callable[..., Any], inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    from ..tensor import Tensor

    return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor))


def _real_flat(t: Any) -> Any:
    """``t``'s values as a flat host float64 array; a complex tensor as interleaved (real, imag) pairs, so
    complex Jacobians are compared as the real Jacobians of their real and imaginary parts."""
    arr = t.detach().numpy(force=True)
    if arr.dtype.kind == "c":
        return arr.astype("complex128").reshape(-1).view("float64")
    return arr.astype("float64").reshape(-1)


def _numerical(func: Callable[..., Any], inputs: tuple[Any, ...], idx: int, eps: float) -> list[Any]:
    """Central differences: one Jacobian per output, as host float64 arrays (out_numel, in_numel), with complex
    inputs and outputs counted as two real components each."""
    import numpy as np

    from ..ops.creation import tensor

    x = inputs[idx]
    host = x.detach().numpy(force=True)
    is_c = host.dtype.kind == "c"
    base = host.astype("complex128" if is_c else "float64")
    flat = base.reshape(-1).view("float64") if is_c else base.reshape(-1)
    jac_cols: list[list[Any]] = []
    # NOTE: perturb through `x.data` (no history) but evaluate `func` in the caller's grad mode:
    # gradgradcheck's func itself calls autograd.grad.
    try:
        for i in range(flat.size):
            vals = []
            for sign in (1, -1):
                pert = flat.copy()
                pert[i] += sign * eps
                value = (pert.view("complex128") if is_c else pert).reshape(base.shape)
                x.data.copy_(tensor(value, dtype=x.dtype, device=x.device))
                vals.append([_real_flat(o) for o in _outputs(func, inputs)])
            jac_cols.append([(a - b) / (2 * eps) for a, b in zip(vals[0], vals[1])])
    finally:
        x.data.copy_(tensor(base, dtype=x.dtype, device=x.device))
    n_out = len(jac_cols[0]) if jac_cols else len(_outputs(func, inputs))
    return [np.stack([col[k] for col in jac_cols], axis=1) if jac_cols else np.zeros((0, 0))
            for k in range(n_out)]


def _analytical(func: Callable[..., Any], inputs: tuple[Any, ...], idx: int) -> list[Any]:
    import numpy as np

    from ..ops.creation import zeros_like
    from . import grad as _grad

    x = inputs[idx]
    outs = _outputs(func, inputs)
    jacs = []
    n_in = x.numel() * (2 if x.dtype.is_complex else 1)
    for o in outs:
        rows = []
        # a complex output's real part is the real loss for grad_output 1, its imaginary part for 1j
        units = (1.0, 1j) if o.dtype.is_complex else (1.0,)
        for j in range(o.numel()):
            for unit in units:
                if not o.requires_grad:
                    rows.append(np.zeros(n_in))
                    continue
                go = zeros_like(o)
                go.view(-1)[j] = unit
                (g,) = _grad(o, x, go, retain_graph=True, allow_unused=True)
                rows.append(np.zeros(n_in) if g is None else _real_flat(g))
        jacs.append(np.stack(rows) if rows else np.zeros((0, n_in)))
    return jacs


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: Any = None) -> bool:
    """Compare autograd's gradients of ``func`` at ``inputs`` with central finite differences."""
    import numpy as np

    from ..tensor import Tensor

    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating point "
                          "or complex. ", UserWarning, stacklevel=2)
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        num = _numerical(func, inputs, i, eps)
        ana = _analytical(func, inputs, i)
        for k, (n, a) in enumerate(zip(num, ana)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {k} with respect to input {i},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """gradcheck of the gradients of ``func`` (second derivatives), with random ``grad_outputs``."""
    from ..ops.random import randn
    from . import grad as _grad

    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        grad_outputs = tuple(randn(o.shape, dtype=o.dtype, device=o.device).requires_grad_(True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if getattr(x, "requires_grad", False)]

    def first_grads(*args: Any) -> tuple[Any, ...]:
        ins, gos = args[:n_in], args[n_in:]
        o = _outputs(func, ins)
        gs = _grad(o, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
