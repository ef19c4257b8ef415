"""Complex dtypes against PyTorch: dtypes and promotion, construction, printing, parts and views, the ops that
take complex and those PyTorch refuses, and gradients of real losses of complex tensors (PyTorch's convention)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember

torch = pytest.importorskip("torch")

DEVICES = device_params()

Z = [[1 + 2j, -0.5 + 1j, 3 - 1j], [0.25 - 2j, 2 + 0.5j, -1 - 1j]]
W = [[0.5 - 1j, 2 + 1j, -1 + 0.25j], [1 + 1j, -2 + 0.5j, 0.5 - 0.5j]]
R = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]


def _np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().resolve_conj().numpy()
    return t.detach().numpy()


def _pair(data: Any, dtype: str, device: str, grad: bool = True) -> tuple[Any, Any]:
    e = ember.tensor(data, dtype=getattr(ember, dtype), device=device, requires_grad=grad)
    t = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=grad)
    return e, t


def _same(e: Any, t: Any, tol: float = 1e-5) -> None:
    assert e.dtype.name == str(t.dtype).split(".")[1], (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_allclose(_np(e), _np(t), rtol=tol, atol=tol)


def test_dtype_objects() -> None:
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    assert ember.complex64.is_complex and not ember.complex64.is_floating_point
    assert not ember.float32.is_complex
    assert ember.complex64.itemsize == 8 and ember.complex128.itemsize == 16
    assert ember.complex64.to_real() is ember.float32 and ember.complex128.to_real() is ember.float64
    assert ember.float64.to_complex() is ember.complex128 and ember.float32.to_complex() is ember.complex64
    assert ember.float32.to_real() is ember.float32
    assert repr(ember.cdouble) == "ember.complex128"


def test_promotion_matches_torch() -> None:
    names = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64", "complex64", "complex128"]
    for a in names:
        for b in names:
            want = str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
            assert ember.promote_types(getattr(ember, a), getattr(ember, b)).name == want, (a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "complex64", "complex128"])
@pytest.mark.parametrize("scalar", [1j, 2.5, 3])
def test_weak_scalars(dtype: str, scalar: Any) -> None:
    e = ember.ones(2, dtype=getattr(ember, dtype)) * scalar
    t = torch.ones(2, dtype=getattr(torch, dtype)) * scalar
    _same(e, t)
    # a 0-d complex tensor with a dimensioned float64 tensor keeps the float's precision
    _same(ember.ones(2, dtype=getattr(ember, dtype)) + ember.tensor(1j),
          torch.ones(2, dtype=getattr(torch, dtype)) + torch.tensor(1j))


def test_inference_and_default_complex() -> None:
    assert ember.tensor([1 + 2j]).dtype is ember.complex64
    assert ember.tensor([1, 2.0, 1j]).dtype is ember.complex64
    assert ember.tensor(np.array([1j])).dtype is ember.complex128
    prev = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1j]).dtype is ember.complex128
        assert (ember.ones(2) * 1j).dtype is ember.complex128
    finally:
        ember.set_default_dtype(prev)
    x = ember.tensor([1 + 2j, 3 - 1j])
    assert x.is_complex() and ember.is_complex(x) and not ember.is_complex(ember.ones(1))
    assert x[0].item() == 1 + 2j and isinstance(x[0].item(), complex)
    assert x.tolist() == [1 + 2j, 3 - 1j]
    assert complex(x[1]) == 3 - 1j
    assert x.type() == "ember.ComplexFloatTensor"
    assert not x.is_conj() and not x.conj().is_conj()  # ember has no lazy conjugate bit
    assert x.resolve_conj() is x


@pytest.mark.parametrize("data, dtype", [
    ([1 + 2j, 3 - 1j], "complex64"),
    ([1.5 + 2j, -3 - 1e-3j], "complex64"),
    ([[0j, 1j], [-1 + 0j, 2.25 - 3j]], "complex64"),
    ([1e10 + 1j, 2j], "complex64"),
    ([1 + 2j], "complex128"),
    (1 + 2j, "complex64"),
    ([complex(float("nan"), float("inf"))], "complex64"),
    ([[1 - 0j, 0.5 + 0.125j]], "complex128"),
])
def test_printing(data: Any, dtype: str) -> None:
    e = repr(ember.tensor(data, dtype=getattr(ember, dtype)))
    t = repr(torch.tensor(data, dtype=getattr(torch, dtype)))
    assert e == t.replace("torch.", "ember.")


def test_printing_wraps_and_empty() -> None:
    e = ember.arange(30).to(ember.complex64) * (1 + 1j)
    t = torch.arange(30).to(torch.complex64) * (1 + 1j)
    assert repr(e) == repr(t)
    assert repr(ember.tensor([], dtype=ember.complex64)) == "tensor([], dtype=ember.complex64)"
    assert repr(ember.tensor([1j], requires_grad=True)) == "tensor([0.+1.j], requires_grad=True)"


@pytest.mark.parametrize("device", DEVICES)
def test_elementwise_values(device: str) -> None:
    ze, zt = _pair(Z, "complex64", device, grad=False)
    we, wt = _pair(W, "complex64", device, grad=False)
    re_, rt = _pair(R, "float32", device, grad=False)
    cases: list[Callable[[Any, Any, Any, Any], Any]] = [
        lambda m, z, w, r: z + w, lambda m, z, w, r: z - r, lambda m, z, w, r: z * w, lambda m, z, w, r: z / w,
        lambda m, z, w, r: r / z, lambda m, z, w, r: z * 2.5, lambda m, z, w, r: r * 1j, lambda m, z, w, r: z.exp(),
        lambda m, z, w, r: z.log(), lambda m, z, w, r: z.sqrt(), lambda m, z, w, r: z.sin(),
        lambda m, z, w, r: z.cos(), lambda m, z, w, r: z.tanh(), lambda m, z, w, r: z ** 2,
        lambda m, z, w, r: z ** 0.5, lambda m, z, w, r: z ** w, lambda m, z, w, r: z.sum(),
        lambda m, z, w, r: z.mean(1), lambda m, z, w, r: z @ w.mT, lambda m, z, w, r: z.abs(),
        lambda m, z, w, r: z.conj(), lambda m, z, w, r: m.where(r > 0, z, w), lambda m, z, w, r: m.cat([z, w]),
        lambda m, z, w, r: z[1, [0, 2]], lambda m, z, w, r: z.sigmoid(), lambda m, z, w, r: z.angle(),
        lambda m, z, w, r: z.real, lambda m, z, w, r: z.imag, lambda m, z, w, r: m.sgn(z),
        lambda m, z, w, r: z.var(), lambda m, z, w, r: z.prod(1), lambda m, z, w, r: z.cumsum(1),
        lambda m, z, w, r: m.view_as_real(z), lambda m, z, w, r: z.mH, lambda m, z, w, r: -z,
        lambda m, z, w, r: z.to(m.complex128), lambda m, z, w, r: r.to(m.complex64), lambda m, z, w, r: z.norm(),
    ]
    for f in cases:
        _same(f(ember, ze, we, re_), f(torch, zt, wt, rt), 1e-4)


@pytest.mark.parametrize("device", DEVICES)
def test_construction(device: str) -> None:
    re_, rt = _pair(R, "float32", device, grad=False)
    _same(ember.complex(re_, re_ * 2), torch.complex(rt, rt * 2))
    _same(ember.polar(re_.abs(), re_), torch.polar(rt.abs(), rt))
    a = ember.tensor([[1.0, 2.0], [3.0, -4.0]], device=device)
    _same(ember.view_as_complex(a), torch.view_as_complex(torch.tensor([[1.0, 2.0], [3.0, -4.0]])))
    c = ember.complex(ember.tensor([0.0]), ember.tensor([float("inf")]))
    assert c.real.item() == 0.0 and c.imag.item() == float("inf")


def test_numpy_views_write_through() -> None:
    x = ember.tensor([1 + 1j, 2j])
    x.real[1] = 7
    x.imag[0] = -1
    assert x.tolist() == [1 - 1j, 7 + 2j]
    v = ember.view_as_real(x)
    v[0, 0] = 3
    assert x.tolist() == [3 - 1j, 7 + 2j]
    # the real view of a transposed tensor follows its strides
    y = ember.tensor([[1 + 1j, 2], [3, 4j]])
    _same(ember.view_as_real(y.t()), torch.view_as_real(torch.tensor([[1 + 1j, 2], [3, 4j]]).t()))
    f = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    c = ember.view_as_complex(f)
    c[1] = 5j
    assert f.tolist() == [[1.0, 2.0], [0.0, 5.0]]
    x.real = ember.tensor([0.0, 0.0])
    assert x.tolist() == [-1j, 2j]


@pytest.mark.parametrize("device", DEVICES)
def test_part_setters(device: str) -> None:
    x = ember.tensor([1 + 1j, 2j], device=device)
    x.real = ember.tensor([5.0, 6.0], device=device)
    x.imag = 0.5
    assert x.tolist() == [5 + 0.5j, 6 + 0.5j]


@pytest.mark.parametrize("device", DEVICES)
def test_refused_ops(device: str) -> None:
    z = ember.tensor([1 + 1j, 2j], device=device)
    tz = torch.tensor([1 + 1j, 2j])
    calls: list[Callable[[Any, Any], Any]] = [
        lambda m, x: x < x, lambda m, x: x >= 1, lambda m, x: x.max(), lambda m, x: x.max(0), lambda m, x: x.amin(),
        lambda m, x: x.argmax(), lambda m, x: x.clamp(0, 1), lambda m, x: m.relu(x), lambda m, x: x.floor(),
        lambda m, x: x.ceil(), lambda m, x: x.round(), lambda m, x: x.trunc(), lambda m, x: x.sign(),
        lambda m, x: m.maximum(x, x), lambda m, x: x.sort(), lambda m, x: x % 2, lambda m, x: m.fmod(x, 2),
        lambda m, x: x // 2, lambda m, x: m.atan2(x, x), lambda m, x: x.erf(), lambda m, x: x.unique(),
        lambda m, x: x.nansum(), lambda m, x: x & x, lambda m, x: m.div(x, x, rounding_mode="trunc"),
        lambda m, x: m.arange(3, dtype=x.dtype),
    ]
    for f in calls:
        with pytest.raises(RuntimeError) as want:
            f(torch, tz)
        with pytest.raises(type(want.value), match=_escape(str(want.value))):
            f(ember, z)


def _escape(msg: str) -> str:
    import re

    return re.escape(msg.strip())


def test_errors() -> None:
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        ember.ones(2).imag  # noqa: B018 - the attribute access is what raises
    assert ember.ones(2).real.dtype is ember.float32
    with pytest.raises(RuntimeError, match="view_as_real is only supported for complex tensors"):
        ember.view_as_real(ember.ones(2))
    with pytest.raises(RuntimeError, match="Tensor must have a last dimension of size 2"):
        ember.view_as_complex(ember.ones(3, 3))
    with pytest.raises(RuntimeError, match="Tensor must have a last dimension with stride 1"):
        ember.view_as_complex(ember.ones(2, 4).t())
    with pytest.raises(RuntimeError, match="scalar type: Long"):
        ember.view_as_complex(ember.ones(3, 2, dtype=ember.long))
    with pytest.raises(RuntimeError, match="Expected object of scalar type Float but got scalar type Double"):
        ember.complex(ember.ones(3), ember.ones(3, dtype=ember.double))
    with pytest.raises(RuntimeError, match="Expected both inputs to be Half, Float or Double tensors but got Long"):
        ember.complex(ember.ones(3, dtype=ember.long), ember.ones(3, dtype=ember.long))
    with pytest.warns(UserWarning, match="Casting complex values to real discards the imaginary part"):
        r = ember.tensor([1 + 2j, -3j]).to(ember.float32)
    assert r.tolist() == [1.0, 0.0]
    with pytest.raises(TypeError, match="is only implemented on integer and Boolean-type tensors"):
        ~ember.tensor([1j])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for real scalar outputs"):
        ember.tensor([1j], requires_grad=True).sum().backward()


# ---------------------------------------------------------------------------------------------
# gradients: real losses of complex tensors give PyTorch's .grad

GRAD_CASES: list[tuple[str, Callable[[Any, Any, Any, Any], Any]]] = [
    ("abs", lambda m, z, w, r: z.abs().sum()),
    ("abs2", lambda m, z, w, r: (z.abs() ** 2).sum()),
    ("real_imag", lambda m, z, w, r: (z.real * 2 - z.imag * 3).sum()),
    ("conj", lambda m, z, w, r: (z.conj() * w).real.sum()),
    ("mul", lambda m, z, w, r: ((z * w).abs() ** 2).sum()),
    ("div", lambda m, z, w, r: (z / w).imag.sum() + (r / z).real.sum()),
    ("exp", lambda m, z, w, r: z.exp().real.sum()),
    ("log_sqrt", lambda m, z, w, r: (z.log() + z.sqrt()).imag.sum()),
    ("trig", lambda m, z, w, r: (z.sin() * z.cos() + z.tanh()).abs().sum()),
    ("pow", lambda m, z, w, r: (z ** 3).real.sum() + (z ** w).abs().sum()),
    ("matmul", lambda m, z, w, r: ((z @ w.mT).abs() ** 2).sum()),
    ("sum_mean", lambda m, z, w, r: (z.sum(0) * w.mean(0)).real.sum()),
    ("view_as_real", lambda m, z, w, r: (m.view_as_real(z) ** 2 * 1.5).sum()),
    ("view_as_complex", lambda m, z, w, r: m.view_as_complex(m.view_as_real(z) * 2).angle().sum()),
    ("complex_polar", lambda m, z, w, r: (m.complex(r, r * r) * z).abs().sum() + m.polar(r.abs(), r).imag.sum()),
    ("real_times_complex", lambda m, z, w, r: ((r * w).abs() ** 2).sum()),
    ("angle_sigmoid", lambda m, z, w, r: z.angle().sum() + z.sigmoid().real.sum()),
    ("var_norm", lambda m, z, w, r: z.var() + z.norm()),
    ("where_cat_index", lambda m, z, w, r: m.cat([m.where(r > 0, z, w), z[:, [0]]], 1).abs().sum()),
    ("prod_cumprod", lambda m, z, w, r: z.prod(1).abs().sum() + (z * 0.5).cumprod(1).real.sum() + w.prod().imag),
    ("einsum", lambda m, z, w, r: m.einsum("ij,kj->ik", z, w.conj()).abs().sum()),
    ("logsumexp", lambda m, z, w, r: m.logsumexp(z, 1).abs().sum()),
    ("more_unary", lambda m, z, w, r: ((z * 0.5).reciprocal() + z.rsqrt() + z.log1p() + z.expm1() + (z * 0.3).tan()
                                       + z.sinh() + z.cosh() + z.square() + (z * 0.3).asin() + z.atan()).abs().sum()),
    ("shape_ops", lambda m, z, w, r: (z.flip(0).roll(1, 1) * w.t().reshape(2, 3) + z[:1].expand(2, 3)).abs().sum()
     + z.gather(1, m.tensor([[0, 0], [2, 1]])).real.sum() + m.nn.functional.pad(z, (1, 1)).imag.sum()),
]


@pytest.mark.parametrize("name, f", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients_cpu(name: str, f: Callable[..., Any]) -> None:
    _check_grad(f, "cpu", "complex128")


@pytest.mark.parametrize("device", DEVICES)
def test_gradients_small(device: str) -> None:
    # one combined loss per device keeps the JAX compile count down
    def f(m: Any, z: Any, w: Any, r: Any) -> Any:
        return ((z * w).abs() ** 2).sum() + (z @ w.mT).real.sum() + m.view_as_real(z.exp()).sum() + (r / z).imag.sum()

    _check_grad(f, device, "complex64")


def _check_grad(f: Callable[..., Any], device: str, dtype: str) -> None:
    rdt = "float64" if dtype == "complex128" else "float32"
    ze, zt = _pair(Z, dtype, device)
    we, wt = _pair(W, dtype, device)
    re_, rt = _pair(R, rdt, device)
    le, lt = f(ember, ze, we, re_), f(torch, zt, wt, rt)
    np.testing.assert_allclose(_np(le), _np(lt), rtol=1e-4, atol=1e-4)
    le.backward()
    lt.backward()
    tol = 1e-9 if dtype == "complex128" else 1e-4
    for e, t in ((ze, zt), (we, wt), (re_, rt)):
        if t.grad is None:
            assert e.grad is None
            continue
        _same(e.grad, t.grad, tol)


@pytest.mark.parametrize("device", DEVICES)
def test_random_complex(device: str) -> None:
    # PyTorch fills the real view (*size, 2); randn with std 1/sqrt(2) per part
    for fn, scale in (("randn", 0.5 ** 0.5), ("rand", 1.0)):
        for dtype in ("complex64", "complex128"):
            cdt = getattr(ember, dtype)
            ember.manual_seed(3)
            e = getattr(ember, fn)(2, 3, dtype=cdt, device=device)
            ember.manual_seed(3)
            parts = getattr(ember, fn)(2, 3, 2, dtype=cdt.to_real(), device=device) * scale
            assert e.dtype is cdt
            np.testing.assert_allclose(_np(ember.view_as_real(e)), _np(parts), rtol=1e-6)
            ember.manual_seed(3)
            torch.manual_seed(3)
            if np.allclose(_np(ember.rand(4)), torch.rand(4).numpy()):  # the CPU generator is PyTorch's
                ember.manual_seed(3)
                torch.manual_seed(3)
                t = getattr(torch, fn)(2, 3, dtype=getattr(torch, dtype))
                _same(getattr(ember, fn)(2, 3, dtype=cdt, device=device), t, 1e-6)


def test_misc_complex_ops() -> None:
    a, b = [1 + 1j, 2j], [1j, 1 + 0j]
    _same(ember.vdot(ember.tensor(a), ember.tensor(b)), torch.vdot(torch.tensor(a), torch.tensor(b)))
    _same(ember.dot(ember.tensor(a), ember.tensor(b)), torch.dot(torch.tensor(a), torch.tensor(b)))
    _same(ember.linspace(0, 1, 5, dtype=ember.cfloat), torch.linspace(0, 1, 5, dtype=torch.cfloat))
    m = ember.nn.Linear(2, 2).to(ember.cfloat)
    assert m.weight.dtype is ember.complex64 and m.weight.requires_grad
    x = ember.tensor([1.0, 2.0])
    _same(x.add_(0) * 1j + ember.ones(2, dtype=ember.cdouble), torch.tensor([1.0, 2.0]) * 1j + torch.ones(
        2, dtype=torch.cdouble))
    z = ember.tensor([1j], requires_grad=True)
    z.exp().backward(ember.tensor([1 + 2j]))
    tz = torch.tensor([1j], requires_grad=True)
    tz.exp().backward(torch.tensor([1 + 2j]))
    _same(z.grad, tz.grad)


def test_gradcheck_complex() -> None:
    z = ember.tensor(Z, dtype=ember.complex128, requires_grad=True)
    r = ember.tensor(R, dtype=ember.float64, requires_grad=True)
    fns = [lambda a, b: a * b, lambda a, b: (a.exp() / (b + 2j)).sum(), lambda a, b: (a * a.conj()).real * b,
           lambda a, b: ember.view_as_real(a.sin()) * 2, lambda a, b: ember.fft.rfft(b) * a[:, :2],
           lambda a, b: ember.fft.irfft(a) + b.sum()]
    for f in fns:
        assert ember.autograd.gradcheck(f, (z, r))
    assert ember.autograd.gradgradcheck(lambda a: (a * a).sum() * a, (ember.tensor([1 + 1j, 2 - 1j],
                                                                                      dtype=ember.complex128,
                                                                                      requires_grad=True),))

    class WrongConj(ember.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: Any) -> Any:
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (a,) = ctx.saved_tensors
            return g * 2 * a  # PyTorch's convention needs conj(2 a)

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        ember.autograd.gradcheck(WrongConj.apply, (z,))
