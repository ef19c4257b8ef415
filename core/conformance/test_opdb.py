"""The op database's generic tests, run for every entry on the backend under test.

- ``test_op_forward``: every form (function, method, in-place, ``out=``) of every sample in every
  supported dtype gives PyTorch's values, dtype and shape, or raises PyTorch's exception type; no
  NumPy ``RuntimeWarning`` escapes (PyTorch is silent at inf and NaN).
- ``test_op_grad``: float64 gradients of every differentiable sample match PyTorch's.
- ``test_op_gradcheck``: the first differentiable samples pass central finite differences
  (``ember.autograd.gradcheck``), which needs no PyTorch.
- ``test_op_errors``: each listed bad call raises PyTorch's exception type and message fragment.
- ``test_op_property``: Hypothesis draws shapes and values within the entry's bounds.

PyTorch is the oracle; without it the parity tests skip (the gradcheck still runs). On the jax
backend each test runs a bounded number of samples (``EMBER_OPDB_DEEP=1``
runs them all, and more Hypothesis examples).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from . import _config
from ._helpers import assert_close, get_torch, require_torch, supports_dtype
from .opdb import ENTRIES, OpInfo, Sample, leaves, realize

#: samples per dtype and dtypes per op when the run is bounded: jax compiles each new shape; the
#: array-api-strict plugin wraps every array (numpy, the reference CPU backend, runs the whole table)
_BOUNDED = {"jax": (3, 2), "array_api_strict": (5, 3)}
_DEEP = os.environ.get("EMBER_OPDB_DEEP", "") not in ("", "0")


def _ids(op: OpInfo) -> str:
    return op.name


def _budget(backend_name: str) -> tuple[int | None, int | None]:
    if _DEEP:
        return None, None
    return _BOUNDED.get(backend_name, (None, None))


def _dtypes(op: OpInfo, device: str, backend_name: str) -> list[str]:
    out = [d for d in op.dtypes if supports_dtype(device, d) and f"{backend_name}:{d}" not in op.gaps]
    n = _budget(backend_name)[1]
    if n is not None and len(out) > n:
        # keep the first floating, the first integer and bool (the kinds that take different paths)
        firsts: list[str] = []
        for kind in (("float32", "float64"), ("int64", "int32", "int16", "int8", "uint8"), ("bool",),
                     ("float16", "bfloat16")):
            hit = next((d for d in out if d in kind), None)
            if hit is not None:
                firsts.append(hit)
        out = firsts[:n]
    return out


def _samples(op: OpInfo, dtype: str, backend_name: str, seed: int = 0) -> list[Sample]:
    n = _budget(backend_name)[0]
    rng = np.random.default_rng(seed)
    got = list(op.sample_inputs(dtype, rng))
    return got if n is None else got[:n]


def _skip_gap(op: OpInfo, backend_name: str, kind: str) -> None:
    reason = op.gaps.get(f"{backend_name}:{kind}") or op.gap(backend_name)
    if reason:
        pytest.skip(f"known gap of {op.name} on {backend_name}: {reason}")


# -- calling a form on a library ------------------------------------------------------------------


def _call(op: OpInfo, form: str, lib: Any, sample: Sample, dtype: str, device: Any, out_dtype: Any = None,
          requires_grad: bool = False) -> tuple[Any, Any]:
    """Run one form of ``op`` on ``lib``; return (result, exception)."""
    args = realize(sample.args, lib, dtype, device, requires_grad)
    kwargs = realize(sample.kwargs, lib, dtype, device, requires_grad)
    try:
        with warnings.catch_warnings():
            # PyTorch is silent where NumPy warns (log(0), 0/0, inf - inf): so must ember be
            warnings.simplefilter("error", RuntimeWarning)
            if form == "function":
                res = op.function(lib)(*args, **kwargs)
            elif form.startswith("alias:"):
                res = _resolve(lib, form[6:])(*args, **kwargs)
            elif form == "method":
                assert op.method is not None
                res = getattr(args[0], op.method)(*args[1:], **kwargs)
            elif form == "inplace":
                assert op.inplace is not None
                res = getattr(args[0], op.inplace)(*args[1:], **kwargs)
                if res is not args[0]:
                    raise AssertionError(f"{op.inplace} did not return self")
            else:
                out = lib.empty(0, dtype=out_dtype, **({"device": device} if device is not None else {}))
                res = op.function(lib)(*args, **kwargs, out=out)
                if res is not out:
                    raise AssertionError(f"{op.name}(out=...) did not return out")
    except AssertionError:
        raise
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's outcome
        return None, e
    return (res, args, kwargs), None


def _resolve(lib: Any, name: str) -> Any:
    obj = lib
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _flat(x: Any) -> list[Any]:
    if isinstance(x, (tuple, list)) and not type(x).__name__ == "Size":
        return [o for v in x for o in _flat(v)]
    return [x]


def _builtin_base(exc: BaseException) -> type[BaseException]:
    """The first built-in class in the MRO of ``exc`` (``torch._C._LinAlgError`` -> ``RuntimeError``)."""
    for cls in type(exc).__mro__:
        if cls.__module__ == "builtins":
            return cls
    return Exception


def _torch_dtype_name(t: Any) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def _compare(op: OpInfo, form: str, sample: Sample, dtype: str, device: str) -> None:
    """Run ``form`` on torch and on ember and assert the same outcome."""
    import ember

    torch = require_torch()
    where = f"{op.name} [{form}, {dtype}] {sample!r}: "
    t_res, t_exc = _call(op, form, torch, sample, dtype, None,
                         out_dtype=None if form != "out" else _out_dtype(op, sample, dtype, torch))
    e_res, e_exc = _call(op, form, ember, sample, dtype, device,
                         out_dtype=None if form != "out" else _out_dtype(op, sample, dtype, ember))
    if t_exc is not None:
        if form in ("method", "inplace", "out") and isinstance(t_exc, (AttributeError, TypeError)) and \
                e_exc is None:
            return  # a form torch lacks for this sample (ember may be more lenient about forms)
        want = _builtin_base(t_exc)
        assert e_exc is not None, f"{where}PyTorch raised {type(t_exc).__name__}: {t_exc}; ember returned a result"
        assert isinstance(e_exc, want), (
            f"{where}PyTorch raised {type(t_exc).__name__}: {t_exc}; ember raised "
            f"{type(e_exc).__name__}: {e_exc}")
        return
    if e_exc is not None:
        raise AssertionError(f"{where}ember raised {type(e_exc).__name__}: {e_exc}; PyTorch returned a result") \
            from e_exc
    t_out = t_res[1][0] if form == "inplace" else t_res[0]
    e_out = e_res[1][0] if form == "inplace" else e_res[0]
    _assert_same(op, t_out, e_out, dtype, device, where)


def _out_dtype(op: OpInfo, sample: Sample, dtype: str, lib: Any) -> Any:
    """The dtype of the functional result (so ``out=`` is given the right dtype), default float32."""
    res, exc = _call(op, "function", lib, sample, dtype, None if lib.__name__ == "torch" else _DEVICE[0])
    if exc is not None or not hasattr(res[0], "dtype"):
        return lib.float32
    return res[0].dtype


_DEVICE: list[str] = ["cpu"]


def _assert_same(op: OpInfo, t_out: Any, e_out: Any, dtype: str, device: str, where: str) -> None:
    import ember

    tf, ef = _flat(t_out), _flat(e_out)
    assert len(tf) == len(ef), f"{where}{len(ef)} outputs, PyTorch gives {len(tf)}"
    for k, (t, e) in enumerate(zip(tf, ef)):
        w = f"{where}output {k}: "
        if type(t).__name__ == "Tensor":
            assert isinstance(e, ember.Tensor), f"{w}expected a Tensor, got {type(e).__name__}"
            assert e.device.type == ember.device(device).type, f"{w}result on {e.device}, expected {device}"
            want = _torch_dtype_name(t)
            if op.compare == "shape":
                assert tuple(e.shape) == tuple(t.shape), f"{w}shape {tuple(e.shape)}, PyTorch {tuple(t.shape)}"
                assert e.dtype.name == want, f"{w}dtype {e.dtype.name}, PyTorch {want}"
                continue
            if t.is_complex():
                ref = t.detach().resolve_conj().numpy()
            elif t.dtype.is_floating_point:
                ref = t.detach().double().numpy()  # bfloat16 has no NumPy dtype
            else:
                ref = t.detach().numpy()
            rtol, atol = op.tol.get(want, (None, None))
            assert_close(e, ref, rtol=rtol, atol=atol, dtype=want, msg=w)
        elif isinstance(t, float):
            assert isinstance(e, (float, int)), f"{w}expected a float, got {type(e).__name__}"
            assert e == pytest.approx(t, rel=1e-6, abs=1e-6, nan_ok=True), f"{w}{e!r} != {t!r}"
        else:
            assert e == t or type(t).__name__ == "Size" and tuple(e) == tuple(t), f"{w}{e!r} != {t!r}"


def _forms(op: OpInfo) -> list[str]:
    forms = ["function"]
    if op.method:
        forms.append("method")
    if op.inplace:
        forms.append("inplace")
    if op.supports_out:
        forms.append("out")
    # an alias is called like the function: `absolute` must do what `abs` does
    forms += [f"alias:{a}" for a in op.aliases]
    return forms


# -- the generic tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ENTRIES, ids=_ids)
def test_op_forward(op: OpInfo, device: str, backend_name: str) -> None:
    _skip_gap(op, backend_name, "forward")
    require_torch()
    _DEVICE[0] = device
    ran = 0
    for dtype in _dtypes(op, device, backend_name):
        for sample in _samples(op, dtype, backend_name):
            for form in _forms(op):
                if f"{backend_name}:{form}" in op.gaps:
                    continue
                _compare(op, form, sample, dtype, device)
                ran += 1
    assert ran, f"{op.name}: no sample ran on {backend_name}"


@pytest.mark.parametrize("op", [op for op in ENTRIES if op.grad], ids=_ids)
def test_op_grad(op: OpInfo, device: str, backend_name: str) -> None:
    _skip_gap(op, backend_name, "grad")
    torch = require_torch()
    import ember

    if not supports_dtype(device, "float64") or "float64" not in op.dtypes:
        pytest.skip(f"{op.name}: gradients are checked in float64, which this backend or op lacks")
    checked = 0
    for sample in _samples(op, "float64", backend_name):
        if not sample.grad:
            continue
        t_leaves: list[Any] = []
        t_args = realize(sample.args, torch, "float64", None, True, t_leaves)
        t_kwargs = realize(sample.kwargs, torch, "float64", None, True, t_leaves)
        try:
            t_out = op.function(torch)(*t_args, **t_kwargs)
        except Exception:  # noqa: BLE001 - a sample torch refuses has no gradient to compare
            continue
        t_outs = [o for o in _flat(t_out) if type(o).__name__ == "Tensor" and o.requires_grad]
        # complex outputs are weighted as (real, imag) pairs: the loss must be real
        t_outs = [torch.view_as_real(o.resolve_conj()) if o.is_complex() else o for o in t_outs]
        if not t_leaves or not t_outs or not all(np.isfinite(x.detach().numpy()).all() for x in t_leaves):
            continue
        rng = np.random.default_rng(7)
        weights = [rng.standard_normal(tuple(o.shape)) for o in t_outs]
        t_grads = torch.autograd.grad(sum((o * torch.tensor(w)).sum() for o, w in zip(t_outs, weights)),
                                      t_leaves, allow_unused=True)
        e_leaves: list[Any] = []
        e_args = realize(sample.args, ember, "float64", device, True, e_leaves)
        e_kwargs = realize(sample.kwargs, ember, "float64", device, True, e_leaves)
        e_out = op.function(ember)(*e_args, **e_kwargs)
        e_outs = [o for o in _flat(e_out) if isinstance(o, ember.Tensor) and o.requires_grad]
        e_outs = [ember.view_as_real(o) if o.dtype.is_complex else o for o in e_outs]
        where = f"{op.name} grad {sample!r}: "
        assert len(e_outs) == len(t_outs), f"{where}{len(e_outs)} differentiable outputs, PyTorch {len(t_outs)}"
        loss = None
        for o, w in zip(e_outs, weights):
            term = (o * ember.tensor(w, dtype=o.dtype, device=o.device)).sum()
            loss = term if loss is None else loss + term
        e_grads = ember.autograd.grad(loss, e_leaves, allow_unused=True)
        for i, (eg, tg) in enumerate(zip(e_grads, t_grads)):
            # force: PyTorch returns some zero gradients (sgn's) as a ZeroTensor, which refuses a plain numpy()
            ref = np.zeros(tuple(t_leaves[i].shape)) if tg is None else tg.detach().numpy(force=True)
            if eg is None:
                assert not np.any(ref), f"{where}input {i}: ember gave no gradient, PyTorch {ref}"
                continue
            rtol, atol = op.tol.get("float64", (1e-7, 1e-7))
            assert_close(eg, ref, rtol=max(rtol, 1e-7), atol=max(atol, 1e-7), msg=f"{where}input {i}: ")
        checked += 1
    if not checked:
        pytest.skip(f"{op.name}: no differentiable sample on {backend_name}")


@pytest.mark.parametrize("op", [op for op in ENTRIES if op.grad], ids=_ids)
def test_op_gradcheck(op: OpInfo, device: str, backend_name: str) -> None:
    _skip_gap(op, backend_name, "gradcheck")
    import ember

    if not supports_dtype(device, "float64") or "float64" not in op.dtypes:
        pytest.skip(f"{op.name}: finite differences need float64, which this backend or op lacks")
    done = 0
    # bounded runs (jax: each perturbed call is another dispatch) take finite differences at one sample
    limit = 1 if _budget(backend_name)[0] is not None else 2
    for sample in _samples(op, "float64", backend_name):
        if done == limit:
            break
        if not sample.grad or any(getattr(t, "layout", "") == "expanded" for t in leaves(sample.args)):
            continue
        inputs: list[Any] = []
        args = realize(sample.args, ember, "float64", device, True, inputs)
        kwargs = realize(sample.kwargs, ember, "float64", device, True, inputs)
        if not inputs or any(x.numel() == 0 or x.numel() > 24 for x in inputs):
            continue
        if not all(np.isfinite(x.detach().cpu().numpy()).all() for x in inputs):
            continue
        fn = op.function(ember)

        def f(*_: Any, fn: Callable[..., Any] = fn, args: Any = args, kwargs: Any = kwargs) -> Any:
            out = [o for o in _flat(fn(*args, **kwargs)) if isinstance(o, ember.Tensor) and o.requires_grad]
            return tuple(ember.view_as_real(o) if o.dtype.is_complex else o for o in out)  # real outputs

        try:
            probe = f()
        except Exception:  # noqa: BLE001 - the forward tests check the refusal
            continue
        if not probe:
            continue
        ember.autograd.gradcheck(f, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-3)
        done += 1
    if not done:
        pytest.skip(f"{op.name}: no small finite differentiable sample")


@pytest.mark.parametrize("op", [op for op in ENTRIES if op.errors], ids=_ids)
def test_op_errors(op: OpInfo, device: str, backend_name: str) -> None:
    _skip_gap(op, backend_name, "errors")
    import ember

    for case in op.errors:
        args = realize(case.sample.args, ember, case.dtype, device, False)
        kwargs = realize(case.sample.kwargs, ember, case.dtype, device, False)
        with pytest.raises(case.exc, match=_escape(case.match)):
            op.function(ember)(*args, **kwargs)
        torch = get_torch()
        if torch is not None:  # the table's words are PyTorch's: check them there too
            t_args = realize(case.sample.args, torch, case.dtype, None, False)
            t_kwargs = realize(case.sample.kwargs, torch, case.dtype, None, False)
            with pytest.raises(case.exc, match=_escape(case.match)):
                op.function(torch)(*t_args, **t_kwargs)


def _escape(s: str) -> str:
    import re

    return re.escape(s)


@pytest.mark.parametrize("op", [op for op in ENTRIES if op.hypothesis is not None], ids=_ids)
def test_op_property(op: OpInfo, device: str, backend_name: str) -> None:
    _skip_gap(op, backend_name, "property")
    require_torch()
    from hypothesis import given
    from hypothesis import strategies as st

    from ._helpers import hyp_settings

    _DEVICE[0] = device
    dtypes = _dtypes(op, device, backend_name)
    n = _config.MAX_EXAMPLES if (_DEEP) else min(_config.MAX_EXAMPLES, _HYP.get(backend_name, 8))
    assert op.hypothesis is not None
    strategy = op.hypothesis

    @hyp_settings(max_examples=n, derandomize=True, database=None)
    @given(data=st.data())
    def run(data: Any) -> None:
        dtype = data.draw(st.sampled_from(dtypes))
        sample = strategy(data.draw, dtype)
        _compare(op, "function", sample, dtype, device)

    run()


#: Hypothesis examples per op when the run is bounded
_HYP = {"jax": 1, "array_api_strict": 3, "numpy": 8}
