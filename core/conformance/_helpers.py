"""Helpers for conformance tests: reference comparison in tinygrad's ``helper_test_op`` style.

``helper_test_op`` runs one lambda through ember (on the backend under test, in the dtype under
test) and through a float64 reference: PyTorch when it is importable (parity), and/or a NumPy
function given as ``np_fn``. It compares forward values and the gradients of every input.

Tolerances are PyTorch's ``assert_close`` defaults for the dtype of the ember result.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from . import _config

#: PyTorch's ``assert_close`` defaults: dtype name -> (rtol, atol). Integers and bool are exact.
TOLERANCES: dict[str, tuple[float, float]] = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}
#: Set to 1 to run as if PyTorch were not installed (exercises the NumPy-reference paths).
ENV_NO_TORCH = "EMBER_CONFORMANCE_NO_TORCH"


@functools.cache
def get_torch() -> Any:
    """The ``torch`` module, or None when it is not installed (or disabled by the env switch)."""
    if os.environ.get(ENV_NO_TORCH, "") not in ("", "0"):
        return None
    try:
        import torch
    except ImportError:
        return None
    # NOTE: the oracle computes tensors of a few elements: one thread. With its pool of one thread a core, a
    # reduction over a dim took 18 ms (vs 6 us) on a busy 2-core machine, as the idle threads spin-wait
    torch.set_num_threads(1)
    return torch


def require_torch() -> Any:
    """``torch``, or skip the calling test (parity tests skip, not fail, without it)."""
    torch = get_torch()
    if torch is None:
        pytest.skip("PyTorch is not installed (install ember[oracle] for parity tests)")
    return torch


def lib_of(x: Any) -> Any:
    """``ember`` or ``torch``, whichever ``x`` is a tensor of: lets one lambda call module functions
    (``lambda a, b: lib_of(a).cat([a, b])``) in ``helper_test_op``."""
    ember = _ember()
    return ember if isinstance(x, ember.Tensor) else require_torch()


def hyp_settings(**kwargs: Any) -> Any:
    """Hypothesis settings for the suite: ``--ember-max-examples`` examples, no deadline."""
    from hypothesis import HealthCheck, settings

    kwargs.setdefault("max_examples", _config.MAX_EXAMPLES)
    kwargs.setdefault("deadline", None)
    kwargs.setdefault(
        "suppress_health_check",
        [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    return settings(**kwargs)


def backend_of(device: str) -> Any:
    """The registered backend object serving ``device``."""
    from ember.plugins import registered_backends

    return registered_backends()[device.split(":")[0]]


def supports_dtype(device: str, dtype: Any) -> bool:
    """Whether the backend of ``device`` declares support for ``dtype`` (object or name)."""
    import ember

    dt = getattr(ember, dtype) if isinstance(dtype, str) else dtype
    supported = getattr(backend_of(device), "dtypes", None)
    return supported is None or dt in supported


def skip_unsupported(device: str, *dtypes: Any) -> None:
    """Skip the test when the backend declares any of ``dtypes`` unsupported."""
    for dt in dtypes:
        if not supports_dtype(device, dt):
            pytest.skip(f"dtype {dt} is not supported by the backend of device {device!r}")


def to_numpy(t: Any) -> np.ndarray:
    """An ember tensor's values as a host NumPy array (floats widened to float64)."""
    t = t.detach()
    if t.dtype.is_floating_point:
        t = t.to("cpu", dtype=_ember().float64)
    else:
        t = t.to("cpu")
    return np.asarray(t.numpy())


def _ember() -> Any:
    import ember

    return ember


def tolerances(dtype: Any) -> tuple[float, float]:
    """(rtol, atol) for a dtype (ember, NumPy or torch dtype, or its name); exact for non-floats."""
    name = str(getattr(dtype, "name", dtype)).rsplit(".", 1)[-1]
    return TOLERANCES.get(name, (0.0, 0.0))


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    dtype: Any = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """Assert an ember tensor equals a reference (NumPy array, scalar or nested list).

    Shapes must match exactly (no broadcasting). ``dtype`` (an ember dtype or its name) checks the
    tensor's dtype. Default tolerances are PyTorch's ``assert_close`` ones for the tensor's dtype.
    """
    ember = _ember()
    assert isinstance(actual, ember.Tensor), f"{msg}expected an ember Tensor, got {type(actual).__name__}"
    if dtype is not None:
        want = getattr(ember, dtype) if isinstance(dtype, str) else dtype
        assert actual.dtype == want, f"{msg}dtype mismatch: got {actual.dtype}, expected {want}"
    exp = expected.detach().numpy() if hasattr(expected, "detach") else np.asarray(expected)
    assert tuple(actual.shape) == exp.shape, (
        f"{msg}shape mismatch: got {tuple(actual.shape)}, expected {exp.shape}"
    )
    act = to_numpy(actual)
    if np.iscomplexobj(act) or np.iscomplexobj(exp):
        # complex values: compare the real and imaginary parts (a float cast would drop the imaginary one)
        act, exp = np.stack([act.real, act.imag], -1), np.stack([exp.real, exp.imag], -1)
    d_rtol, d_atol = tolerances(actual.dtype)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    if act.dtype == np.bool_ or exp.dtype == np.bool_:
        bad = act.astype(bool) != exp.astype(bool)
    elif not actual.dtype.is_floating_point and np.issubdtype(exp.dtype, np.integer):
        bad = act.astype(np.int64) != exp.astype(np.int64)
    else:
        a, e = act.astype(np.float64), exp.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            bad = ~(np.abs(a - e) <= atol + rtol * np.abs(e))
            bad &= ~(a == e)  # infinities of the same sign
            if equal_nan:
                bad &= ~(np.isnan(a) & np.isnan(e))
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
        raise AssertionError(
            f"{msg}values differ at {int(np.sum(bad))} of {bad.size} positions (rtol={rtol}, atol={atol}); "
            f"first at index {idx}: got {act[idx]!r}, expected {exp[idx]!r}\nactual:\n{act}\nexpected:\n{exp}"
        )


def _flat_outputs(out: Any) -> list[Any]:
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat_outputs(x)]
    return [out]


def _np_dtype(name: str) -> Any:
    if name == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes", reason="bfloat16 inputs need ml_dtypes")
        return ml_dtypes.bfloat16
    return np.dtype(name)


def make_inputs(
    shapes: Sequence[Sequence[int]] | None,
    dtype: str = "float32",
    *,
    vals: Sequence[Any] | None = None,
    low: float = -2.0,
    high: float = 2.0,
    seed: int = 0,
) -> list[np.ndarray]:
    """Host inputs, already rounded to ``dtype`` and returned as float64 (or int64/bool) arrays."""
    rng = np.random.default_rng(seed)
    if vals is not None:
        raw = [np.asarray(v, dtype=np.float64 if np.asarray(v).dtype.kind == "f" else None) for v in vals]
    else:
        assert shapes is not None, "give shapes or vals"
        if dtype == "bool":
            raw = [rng.random(tuple(s)) < 0.5 for s in shapes]
        elif dtype.startswith(("int", "uint")):
            raw = [rng.integers(int(low), int(high) + 1, tuple(s)) for s in shapes]
        else:
            raw = [rng.uniform(low, high, tuple(s)) for s in shapes]
    out = []
    for r in raw:
        if r.dtype.kind == "f":
            r = r.astype(_np_dtype(dtype)).astype(np.float64) if dtype in TOLERANCES else r.astype(dtype)
        out.append(r)
    return out


def numerical_grad(
    fn: Callable[..., Any], xs: list[np.ndarray], weights: list[np.ndarray | None], eps: float = 1e-6
) -> list[np.ndarray]:
    """Central-difference gradients of ``sum(fn(*xs)[k] * weights[k])`` with respect to each x."""

    def loss(args: list[np.ndarray]) -> float:
        outs = [np.asarray(o, dtype=np.float64) for o in _flat_outputs(fn(*args))]
        return float(sum(np.sum(o * w) for o, w in zip(outs, weights) if w is not None))

    grads = []
    for i, x in enumerate(xs):
        g = np.zeros_like(x, dtype=np.float64)
        for j in range(x.size):
            args = [a.copy() for a in xs]
            args[i].reshape(-1)[j] += eps
            hi = loss(args)
            args[i].reshape(-1)[j] -= 2 * eps
            lo = loss(args)
            g.reshape(-1)[j] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


def helper_test_op(
    shapes: Sequence[Sequence[int]] | None,
    torch_fn: Callable[..., Any] | None,
    ember_fn: Callable[..., Any] | None = None,
    *,
    device: str,
    np_fn: Callable[..., Any] | None = None,
    dtype: str = "float32",
    vals: Sequence[Any] | None = None,
    low: float = -2.0,
    high: float = 2.0,
    grad: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    grad_rtol: float | None = None,
    grad_atol: float | None = None,
    seed: int = 0,
) -> list[Any]:
    """Run one op through ember and a float64 reference; compare values, dtypes and gradients.

    Args:
        shapes: one shape per input (or None with ``vals``); inputs are drawn uniformly from
            ``[low, high)`` (integers for integer dtypes) with a fixed seed.
        torch_fn: the lambda run on float64 torch tensors (skipped when torch is missing).
        ember_fn: the lambda run on ember tensors; defaults to ``torch_fn`` (same API).
        np_fn: optional float64 NumPy reference of the forward; without torch it also gives
            central-difference gradients.
        dtype: the dtype of the ember inputs ("float32", "float64", "int64", ...).
        grad: also compare the gradients of every floating input.
    Returns:
        The ember outputs, flattened.

    Example::

        helper_test_op([(3, 4)], lambda x: x.exp(), device=device, np_fn=np.exp)
    """
    ember = _ember()
    torch = get_torch()
    ember_fn = ember_fn or torch_fn
    assert ember_fn is not None
    if torch is None and np_fn is None:
        pytest.skip("PyTorch is not installed and this op has no NumPy reference")
    skip_unsupported(device, dtype)
    xs = make_inputs(shapes, dtype, vals=vals, low=low, high=high, seed=seed)
    floating = dtype in TOLERANCES
    grad = grad and floating
    e_in = [
        ember.tensor(
            x,
            dtype=getattr(ember, dtype) if x.dtype.kind == "f" else None,
            device=device,
            requires_grad=grad and x.dtype.kind == "f",
        )
        for x in xs
    ]
    e_out = _flat_outputs(ember_fn(*e_in))

    refs: list[tuple[str, list[Any], Callable[[list[np.ndarray]], list[Any]] | None]] = []
    t_in: list[Any] = []
    if torch is not None and torch_fn is not None:
        t_in = [torch.tensor(x, requires_grad=grad and x.dtype.kind == "f") for x in xs]
        refs.append(("torch", _flat_outputs(torch_fn(*t_in)), None))
    if np_fn is not None:
        refs.append(("numpy", _flat_outputs(np_fn(*[x.copy() for x in xs])), None))

    for ref_name, r_out in ((name, outs) for name, outs, _ in refs):
        assert len(e_out) == len(r_out), f"[{ref_name}] {len(e_out)} outputs, reference has {len(r_out)}"
        for k, (e, r) in enumerate(zip(e_out, r_out)):
            where = f"[vs {ref_name}] output {k}: "
            if not isinstance(e, ember.Tensor):
                r_val = r.item() if hasattr(r, "item") else r
                assert e == pytest.approx(r_val, rel=rtol or 1e-6, abs=atol or 1e-6), (
                    f"{where}{e!r} != {r_val!r}"
                )
                continue
            assert e.device.type == ember.device(device).type, (
                f"{where}result on {e.device}, expected {device}"
            )
            r_np = r.detach().numpy() if hasattr(r, "detach") else np.asarray(r)
            want = _expected_dtype(r_np, r, dtype, floating)
            assert_close(e, r_np, rtol=rtol, atol=atol, dtype=want, msg=where)

    if not grad or not any(x.dtype.kind == "f" for x in xs):
        return e_out
    rng = np.random.default_rng(seed + 1)
    weights = [
        rng.standard_normal(tuple(o.shape))
        if isinstance(o, ember.Tensor) and o.dtype.is_floating_point and o.requires_grad
        else None
        for o in e_out
    ]
    if not any(w is not None for w in weights):
        raise AssertionError("no floating output requires grad, although the inputs do")
    loss = None
    for o, w in zip(e_out, weights):
        if w is not None:
            term = (o * ember.tensor(w, dtype=o.dtype, device=o.device)).sum()
            loss = term if loss is None else loss + term
    assert loss is not None  # some weight is not None, checked above
    loss.backward()
    e_grads = [x.grad for x in e_in]

    ref_grads: list[tuple[str, list[Any], float | None, float | None]] = []
    if t_in:
        t_out = refs[0][1]
        t_loss = sum((o * torch.tensor(w)).sum() for o, w in zip(t_out, weights) if w is not None)
        t_loss.backward()
        ref_grads.append(
            ("torch", [None if t.grad is None else t.grad.numpy() for t in t_in], grad_rtol, grad_atol)
        )
    elif np_fn is not None:
        num = numerical_grad(np_fn, [x.copy() for x in xs], weights)
        # NOTE: central differences are good to ~1e-8 absolute, so a float64 result cannot be
        # held to 1e-7; use gradcheck's own spirit (1e-5) against a numerical reference.
        lo_r, lo_a = (1e-5, 1e-6) if dtype == "float64" else (None, None)
        ref_grads.append(("numerical", num, grad_rtol or lo_r, grad_atol or lo_a))
    for ref_name, r_grads, g_rtol, g_atol in ref_grads:
        for i, (eg, rg, x) in enumerate(zip(e_grads, r_grads, xs)):
            if x.dtype.kind != "f":
                continue
            where = f"[grad vs {ref_name}] input {i}: "
            if eg is None:
                assert rg is None or not np.any(rg), f"{where}ember gave no gradient, reference {rg}"
                continue
            assert eg.dtype == e_in[i].dtype, f"{where}grad dtype {eg.dtype}, input {e_in[i].dtype}"
            assert_close(eg, np.zeros(x.shape) if rg is None else rg, rtol=g_rtol, atol=g_atol, msg=where)
    return e_out


def _expected_dtype(r_np: np.ndarray, r: Any, dtype: str, floating: bool) -> str | None:
    """The ember dtype a result should have, given the float64 reference's result dtype."""
    name = str(getattr(r, "dtype", r_np.dtype)).rsplit(".", 1)[-1]
    if name == "float64" and floating:
        return dtype  # computed in float64 only because the reference runs in float64
    if r_np.dtype.kind == "f" and not hasattr(r, "detach"):
        return None  # a NumPy reference does not follow PyTorch's promotion: do not check
    return {"bool_": "bool"}.get(name, name)
