"""Mixed precision: ``ember.autocast`` and ``ember.amp.GradScaler`` against PyTorch's CPU autocast and scaler."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember
from ember.amp._state import AUTOCAST

torch = pytest.importorskip("torch")

# (name, fn(lib, F, make)): `make(*shape)` builds an input in the dtype under test; the same lambda runs
# in ember and in PyTorch
CASES: list[tuple[str, Callable[..., Any]]] = [
    ("matmul", lambda L, F, m: L.matmul(m(3, 4), m(4, 2))),
    ("mm", lambda L, F, m: L.mm(m(3, 4), m(4, 2))),
    ("bmm", lambda L, F, m: L.bmm(m(2, 3, 4), m(2, 4, 2))),
    ("@", lambda L, F, m: m(3, 4) @ m(4, 2)),
    ("mv", lambda L, F, m: L.mv(m(3, 4), m(4))),
    ("dot", lambda L, F, m: L.dot(m(4), m(4))),
    ("inner", lambda L, F, m: L.inner(m(4), m(4))),
    ("linear", lambda L, F, m: F.linear(m(2, 4), m(3, 4), m(3))),
    ("addmm", lambda L, F, m: L.addmm(m(3, 2), m(3, 4), m(4, 2))),
    ("baddbmm", lambda L, F, m: L.baddbmm(m(2, 3, 2), m(2, 3, 4), m(2, 4, 2))),
    ("conv1d", lambda L, F, m: F.conv1d(m(1, 2, 5), m(3, 2, 2))),
    ("conv2d", lambda L, F, m: F.conv2d(m(1, 2, 5, 5), m(3, 2, 2, 2), m(3))),
    ("conv_transpose2d", lambda L, F, m: F.conv_transpose2d(m(1, 2, 4, 4), m(2, 3, 2, 2))),
    ("prelu", lambda L, F, m: F.prelu(m(2, 3), m(1))),
    ("sdpa", lambda L, F, m: F.scaled_dot_product_attention(m(1, 2, 3, 4), m(1, 2, 3, 4), m(1, 2, 3, 4))),
    ("softmax", lambda L, F, m: F.softmax(m(2, 3), -1)),
    ("log_softmax", lambda L, F, m: F.log_softmax(m(2, 3), -1)),
    ("cross_entropy", lambda L, F, m: F.cross_entropy(m(2, 3), L.tensor([0, 2]))),
    ("nll_loss", lambda L, F, m: F.nll_loss(m(2, 3), L.tensor([0, 2]))),
    ("mse_loss", lambda L, F, m: F.mse_loss(m(2, 3), m(2, 3))),
    ("l1_loss", lambda L, F, m: F.l1_loss(m(2, 3), m(2, 3))),
    ("smooth_l1_loss", lambda L, F, m: F.smooth_l1_loss(m(2, 3), m(2, 3))),
    ("bce", lambda L, F, m: F.binary_cross_entropy(m(2, 3) * 0.5, m(2, 3) * 0.5)),
    ("bce_with_logits", lambda L, F, m: F.binary_cross_entropy_with_logits(m(2, 3), m(2, 3) * 0.5)),
    ("kl_div", lambda L, F, m: F.kl_div(m(2, 3), m(2, 3), reduction="batchmean")),
    ("layer_norm", lambda L, F, m: F.layer_norm(m(2, 3), (3,))),
    ("group_norm", lambda L, F, m: F.group_norm(m(2, 4, 3), 2)),
    ("sum", lambda L, F, m: m(2, 3).sum()),
    ("prod", lambda L, F, m: L.prod(m(2, 3))),
    ("cumsum", lambda L, F, m: L.cumsum(m(2, 3), 0)),
    ("exp", lambda L, F, m: L.exp(m(2, 3))),
    ("log", lambda L, F, m: m(2, 3).log()),
    ("pow", lambda L, F, m: m(2, 3) ** 2),
    ("norm", lambda L, F, m: L.norm(m(2, 3))),
    ("cdist", lambda L, F, m: L.cdist(m(2, 3), m(2, 3))),
    ("relu", lambda L, F, m: F.relu(m(3))),
    ("addcmul", lambda L, F, m: L.addcmul(m(3), m(3), m(3))),
    ("cat", lambda L, F, m: L.cat([m(2), m(2)])),
]


def _maker(lib: Any, dtype_name: str, seed: int = 0) -> Callable[..., Any]:
    rng = np.random.default_rng(seed)

    def make(*shape: int) -> Any:
        a = (rng.random(shape) + 0.5).astype(np.float32)
        return lib.tensor(a).to(getattr(lib, dtype_name))

    return make


def _dtype_name(dt: Any) -> str:
    return str(dt).split(".")[-1]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("in_dtype", ["float32", "bfloat16"])
def test_cpu_output_dtypes_match_torch(name: str, fn: Callable[..., Any], in_dtype: str) -> None:
    import torch.nn.functional as TF

    import ember.nn.functional as EF

    with torch.autocast("cpu"):
        want = fn(torch, TF, _maker(torch, in_dtype))
    with ember.autocast("cpu"):
        got = fn(ember, EF, _maker(ember, in_dtype))
    assert _dtype_name(got.dtype) == _dtype_name(want.dtype), f"{name}: ember {got.dtype}, torch {want.dtype}"
    np.testing.assert_allclose(got.float().detach().numpy(), want.float().detach().numpy(), rtol=2e-2, atol=2e-2)


def test_float64_and_integer_inputs_are_not_cast() -> None:
    a = ember.ones(2, 2, dtype=ember.float64)
    i = ember.ones(2, 2, dtype=ember.int64)
    with ember.autocast("cpu"):
        assert (a @ a).dtype is ember.float64
        assert (i @ i).dtype is ember.int64
        assert ember.nn.functional.linear(ember.ones(2, 2), ember.ones(2, 2)).dtype is ember.bfloat16


def test_state_functions_and_defaults() -> None:
    assert ember.autocast is ember.amp.autocast
    assert ember.get_autocast_dtype("cpu") is ember.bfloat16
    assert ember.get_autocast_dtype("cuda") is ember.float16
    assert ember.get_autocast_dtype("jax") is ember.float16
    assert ember.get_autocast_cpu_dtype() is ember.bfloat16 and ember.get_autocast_gpu_dtype() is ember.float16
    assert not ember.is_autocast_enabled("cpu") and not ember.is_autocast_enabled()
    with ember.autocast("cpu") as ac:
        assert isinstance(ac, ember.autocast)
        assert ember.is_autocast_enabled("cpu") and ember.is_autocast_cpu_enabled()
        assert not ember.is_autocast_enabled("jax")
        with ember.autocast("cpu", enabled=False):
            assert not ember.is_autocast_enabled("cpu")
            assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.float32
        assert ember.is_autocast_enabled("cpu")
        with ember.autocast("cpu", dtype=ember.float16):
            assert ember.get_autocast_dtype("cpu") is ember.float16
            assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.float16
        assert ember.get_autocast_dtype("cpu") is ember.bfloat16
    assert not ember.is_autocast_enabled("cpu") and not AUTOCAST.on
    ember.set_autocast_enabled("cpu", True)
    try:
        assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.bfloat16
    finally:
        ember.set_autocast_enabled("cpu", False)
    assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.float32


def test_state_restored_after_exception_and_cache_cleared() -> None:
    w = ember.ones(3, 3, requires_grad=True)
    with pytest.raises(ValueError):
        with ember.autocast("cpu"):
            ember.nn.functional.linear(ember.ones(2, 3), w)
            assert AUTOCAST.cache  # the weight's cast is cached within the region
            raise ValueError("boom")
    assert not ember.is_autocast_enabled("cpu") and not AUTOCAST.cache and not AUTOCAST.on
    with pytest.raises(RuntimeError):
        with ember.autocast("cpu"):
            ember.ones(2, 3) @ ember.ones(2, 3)  # shape error inside a wrapped op
    assert not AUTOCAST.on


def test_decorator_form() -> None:
    @ember.autocast("cpu")
    def f(a: ember.Tensor) -> ember.Tensor:
        assert ember.is_autocast_enabled("cpu")
        return a @ a

    @torch.autocast("cpu")
    def g(a: Any) -> Any:
        return a @ a

    assert f(ember.ones(2, 2)).dtype is ember.bfloat16
    assert str(g(torch.ones(2, 2)).dtype) == "torch.bfloat16"
    assert not ember.is_autocast_enabled("cpu")
    with pytest.raises(TypeError, match="requires a callable"):
        ember.autocast("cpu")(3)  # type: ignore[arg-type]


def test_bad_arguments_like_torch() -> None:
    with pytest.raises(ValueError, match="device_type"):
        ember.autocast(0)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError):
        ember.autocast("nosuchdevice")
    with pytest.raises(RuntimeError):
        torch.autocast("nosuchdevice")
    with pytest.warns(UserWarning, match="CPU Autocast only supports dtypes of"):
        ac = ember.autocast("cpu", dtype=ember.float32)
    with ac:
        assert not ember.is_autocast_enabled("cpu")
    if not ember.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            ember.autocast("cuda")
        assert ember.cuda.is_bf16_supported() is False


def test_deprecated_aliases_warn() -> None:
    with pytest.warns(FutureWarning, match=r"ember\.amp\.autocast\('cuda'"):
        ember.cuda.amp.autocast(enabled=False)
    with pytest.warns(FutureWarning, match=r"ember\.amp\.autocast\('cpu'"):
        ac = ember.cpu.amp.autocast()
    with ac:
        assert ember.get_autocast_dtype("cpu") is ember.bfloat16 and ember.is_autocast_enabled("cpu")
    with pytest.warns(FutureWarning):
        ember.cuda.amp.GradScaler(enabled=False)
    from ember.cpu.amp import autocast as cpu_autocast
    from ember.cuda.amp import GradScaler as CudaScaler

    assert issubclass(cpu_autocast, ember.amp.autocast) and issubclass(CudaScaler, ember.amp.GradScaler)


def test_gradients_in_original_dtype_match_torch() -> None:
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((4, 5), (3, 5), (3,)))
    t = np.array([0, 2, 1, 0])
    grads = []
    for lib in (ember, torch):
        wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)
        xt = lib.tensor(x, requires_grad=True)
        with lib.autocast("cpu"):
            y = lib.nn.functional.linear(xt, wt, bt)
            loss = lib.nn.functional.cross_entropy(y, lib.tensor(t))
        assert _dtype_name(y.dtype) == "bfloat16" and _dtype_name(loss.dtype) == "float32"
        loss.backward()
        assert all(_dtype_name(p.grad.dtype) == "float32" for p in (wt, bt, xt))
        grads.append([p.grad.numpy() for p in (wt, bt, xt)])
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=3e-2, atol=3e-2)


def test_custom_fwd_bwd() -> None:
    seen = {}

    class Sq(ember.autograd.Function):
        @staticmethod
        @ember.amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
        def forward(ctx: Any, a: ember.Tensor) -> ember.Tensor:
            seen["fwd"] = (a.dtype, ember.is_autocast_enabled("cpu"))
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        @ember.amp.custom_bwd(device_type="cpu")
        def backward(ctx: Any, g: ember.Tensor) -> ember.Tensor:
            seen["bwd"] = ember.is_autocast_enabled("cpu")
            (a,) = ctx.saved_tensors
            return 2 * a * g

    x = ember.ones(3, dtype=ember.bfloat16, requires_grad=True)
    with ember.autocast("cpu"):
        y = Sq.apply(x)
    assert seen["fwd"] == (ember.float32, False) and y.dtype is ember.float32
    y.sum().backward()
    assert seen["bwd"] is False and x.grad is not None and x.grad.dtype is ember.bfloat16
    with pytest.raises(ValueError, match="device_type"):
        ember.amp.custom_fwd(device_type=1)  # type: ignore[arg-type]


# --- GradScaler ---------------------------------------------------------------------------------------------

def _run_scaler(lib: Any, infs: list[bool], **kw: Any) -> tuple[list[tuple[float, int]], np.ndarray]:
    w0 = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    w = lib.tensor(w0, requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler("cpu", **kw)
    trace = []
    for bad in infs:
        opt.zero_grad()
        loss = (w * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum()
        scaler.scale(loss).backward()
        if bad:
            with lib.no_grad():
                w.grad[0, 1] = float("inf") if len(trace) % 2 else float("nan")
        scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), scaler._get_growth_tracker()))
    return trace, w.detach().numpy()


@pytest.mark.parametrize("kw", [{"growth_interval": 2}, {"init_scale": 8.0, "growth_factor": 4.0,
                                                          "backoff_factor": 0.25, "growth_interval": 3}])
def test_grad_scaler_sequence_matches_torch(kw: dict[str, Any]) -> None:
    infs = [False, True, False, False, False, True, True, False, False, False]
    got, w_got = _run_scaler(ember, infs, **kw)
    want, w_want = _run_scaler(torch, infs, **kw)
    assert got == want
    np.testing.assert_allclose(w_got, w_want, rtol=1e-6)


def test_grad_scaler_api_and_state_dict() -> None:
    s = ember.amp.GradScaler("cpu", init_scale=4.0, growth_interval=7)
    t = torch.amp.GradScaler("cpu", init_scale=4.0, growth_interval=7)
    assert s.state_dict() == t.state_dict() and s.get_scale() == 4.0 and s.is_enabled()
    assert (s.get_growth_factor(), s.get_backoff_factor(), s.get_growth_interval()) == (2.0, 0.5, 7)
    out = s.scale(ember.tensor(3.0))
    assert out.item() == 12.0 and out.dtype is ember.float32
    assert [o.item() for o in s.scale([ember.tensor(1.0), (ember.tensor(2.0),)])[:1]] == [4.0]
    s2 = ember.amp.GradScaler("cpu")
    s2.load_state_dict(s.state_dict())
    assert s2.state_dict() == s.state_dict()
    s.update(16.0)
    assert s.get_scale() == 16.0
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        s2.load_state_dict({})
    with pytest.raises(AssertionError, match="growth factor"):
        ember.amp.GradScaler("cpu", growth_factor=1.0)
    off = ember.amp.GradScaler("cpu", enabled=False)
    x = ember.tensor(2.0)
    assert off.scale(x) is x and off.get_scale() == 1.0 and off.state_dict() == {} and not off.is_enabled()


def test_grad_scaler_misuse_errors() -> None:
    w = ember.ones(2, requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)
    s = ember.amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match="did not use scaler.scale"):
        s.step(opt)
    s.scale(w.sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    s.update()
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s.step(opt, closure=lambda: 0)
    h = ember.ones(2, dtype=ember.float16, requires_grad=True)
    opt16 = ember.optim.SGD([h], lr=0.1)
    s = ember.amp.GradScaler("cpu", init_scale=2.0)
    s.scale(h.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients"):
        s.unscale_(opt16)


def test_grad_scaler_syncs_once_per_step(monkeypatch: pytest.MonkeyPatch) -> None:
    params = [ember.ones(4, 4, requires_grad=True) for _ in range(6)]
    opt = ember.optim.SGD(params, lr=0.1)
    s = ember.amp.GradScaler("cpu")
    s.scale(sum((p * p).sum() for p in params)).backward()  # type: ignore[union-attr]
    calls = []
    orig = ember.Tensor.item

    def counted(self: ember.Tensor) -> Any:
        calls.append(1)
        return orig(self)

    monkeypatch.setattr(ember.Tensor, "item", counted)
    s.step(opt)
    s.update()
    assert len(calls) == 1


@pytest.mark.parametrize("device", device_params())
def test_mixed_precision_training_converges(device: str) -> None:
    ember.manual_seed(0)
    dev_type = ember.device(device).type
    x = ember.randn(64, 4)
    y = (x @ ember.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1).to(device)
    x = x.to(device)
    model = ember.nn.Sequential(ember.nn.Linear(4, 16), ember.nn.ReLU(), ember.nn.Linear(16, 1)).to(device)
    opt = ember.optim.Adam(model.parameters(), lr=0.03)
    scaler = ember.amp.GradScaler(dev_type, init_scale=2.0**10, growth_interval=5)
    first = last = math.inf
    for step in range(60):
        opt.zero_grad()
        with ember.autocast(dev_type):
            out = model(x)
            loss = ember.nn.functional.mse_loss(out, y)
        assert out.dtype is ember.get_autocast_dtype(dev_type) and loss.dtype is ember.float32
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        if step == 0:
            first = loss.item()
        last = loss.item()
    assert all(p.dtype is ember.float32 for p in model.parameters())
    assert last < 0.1 * first, (first, last)


def test_gpu_policy_lists_on_jax() -> None:
    """jax uses PyTorch's CUDA lists: float16 matmuls, float32 softmax/sum/exp, promotion for dot."""
    if not any(p == "jax" for p in device_params()):
        pytest.skip("jax backend not available")
    h = ember.ones(2, 2, dtype=ember.float16, device="jax")
    f = ember.ones(2, 2, device="jax")
    with ember.autocast("jax"):
        assert (f @ f).dtype is ember.float16
        assert ember.softmax(h, -1).dtype is ember.float32
        assert h.sum().dtype is ember.float32 and h.sum(dtype=ember.float16).dtype is ember.float16
        assert ember.exp(h).dtype is ember.float32
        assert ember.dot(h[0], f[0]).dtype is ember.float32 and ember.dot(h[0], h[1]).dtype is ember.float16
        with pytest.raises(RuntimeError, match="unsafe to autocast"):
            ember.nn.functional.binary_cross_entropy(f * 0.5, f * 0.5)
        # cpu tensors are untouched by jax autocast
        assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.float32
    with ember.autocast("jax", dtype=ember.bfloat16):
        assert (f @ f).dtype is ember.bfloat16


def test_no_warnings_on_the_plain_path() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ember.autocast("cpu"):
            ember.ones(2, 2) @ ember.ones(2, 2)
