"""Elementwise ops: every unary and binary op against a float64 NumPy reference and PyTorch,
scalar operands, type promotion, broadcasting, in-place variants, ``out=``, ``alpha=`` and
``div(rounding_mode=)``.

Each op gets its own test functions (``test_exp[numpy]``, ``test_exp_hypothesis[numpy]``) so a
backend's skips file can name them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ember

from . import strategies as S
from ._helpers import (
    assert_close,
    get_torch,
    helper_test_op,
    hyp_settings,
    lib_of,
    skip_unsupported,
    supports_dtype,
)

_erf = np.vectorize(math.erf, otypes=[np.float64])

# name -> (NumPy float64 reference, low, high); the domain keeps the op finite and well-conditioned
UNARY: dict[str, tuple[Callable[[np.ndarray], np.ndarray], float, float]] = {
    "neg": (np.negative, -3, 3),
    "abs": (np.abs, -3, 3),
    "exp": (np.exp, -3, 3),
    "log": (np.log, 0.1, 5),
    "log2": (np.log2, 0.1, 5),
    "log10": (np.log10, 0.1, 5),
    "log1p": (np.log1p, -0.5, 5),
    "expm1": (np.expm1, -3, 3),
    "sqrt": (np.sqrt, 0.1, 5),
    "rsqrt": (lambda x: 1 / np.sqrt(x), 0.1, 5),
    "sin": (np.sin, -3, 3),
    "cos": (np.cos, -3, 3),
    "tan": (np.tan, -1.2, 1.2),
    "asin": (np.arcsin, -0.9, 0.9),
    "acos": (np.arccos, -0.9, 0.9),
    "atan": (np.arctan, -3, 3),
    "sinh": (np.sinh, -3, 3),
    "cosh": (np.cosh, -3, 3),
    "tanh": (np.tanh, -3, 3),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), -5, 5),
    "relu": (lambda x: np.maximum(x, 0), -3, 3),
    "erf": (_erf, -2, 2),
    "floor": (np.floor, -5, 5),
    "ceil": (np.ceil, -5, 5),
    "round": (np.round, -5, 5),
    "trunc": (np.trunc, -5, 5),
    "sign": (np.sign, -3, 3),
    "reciprocal": (np.reciprocal, 0.2, 4),
    "square": (np.square, -3, 3),
}
# ops whose float32 results, computed from float32 inputs, are not within PyTorch's float32 rtol of
# the float64 result because the op amplifies the input's rounding or its libm is 1-2 ulp off
_F32_RTOL = {
    "tan": 1e-5,
    "expm1": 5e-6,
    "log1p": 5e-6,
    "cosh": 5e-6,
    "sinh": 5e-6,
    "exp": 5e-6,
    "asin": 5e-6,
    "acos": 5e-6,
    "erf": 5e-6,
    "log": 5e-6,
    "log2": 5e-6,
    "log10": 5e-6,
}

# name -> (NumPy reference, low, high, differentiable)
BINARY: dict[str, tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], float, float, bool]] = {
    "add": (np.add, -3, 3, True),
    "sub": (np.subtract, -3, 3, True),
    "mul": (np.multiply, -3, 3, True),
    "div": (np.divide, 0.5, 3, True),
    "pow": (np.power, 0.5, 2, True),
    "maximum": (np.maximum, -3, 3, True),
    "minimum": (np.minimum, -3, 3, True),
    "atan2": (np.arctan2, 0.5, 3, True),
    "remainder": (np.remainder, 0.5, 5, False),
    "fmod": (np.fmod, 0.5, 5, False),
    "floor_divide": (np.floor_divide, 0.5, 5, False),
    "eq": (np.equal, -2, 2, False),
    "ne": (np.not_equal, -2, 2, False),
    "lt": (np.less, -2, 2, False),
    "le": (np.less_equal, -2, 2, False),
    "gt": (np.greater, -2, 2, False),
    "ge": (np.greater_equal, -2, 2, False),
    "logical_and": (np.logical_and, -1, 1, False),
    "logical_or": (np.logical_or, -1, 1, False),
    "logical_xor": (np.logical_xor, -1, 1, False),
}
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
    "**": lambda a, b: a**b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _t(a: Any, dtype: str, device: str, **kw: Any) -> ember.Tensor:
    return ember.tensor(np.asarray(a), dtype=getattr(ember, dtype), device=device, **kw)


# --- unary ---------------------------------------------------------------------------------------


def _make_unary(name: str) -> tuple[Callable[..., None], Callable[..., None]]:
    ref, low, high = UNARY[name]

    def test_fixed(device: str) -> None:
        f32 = _F32_RTOL.get(name)
        helper_test_op(
            [(3, 4)],
            lambda x: getattr(x, name)(),
            device=device,
            np_fn=ref,
            low=low,
            high=high,
            rtol=f32,
            grad_rtol=1e-5 if f32 else None,
        )
        helper_test_op(
            [(2, 3)],
            lambda x: getattr(x, name)(),
            device=device,
            np_fn=ref,
            low=low,
            high=high,
            dtype="float64",
        )
        # the function form and the method form agree; 0-d inputs keep their shape
        x = _t(np.linspace(low + 0.05, high - 0.05, 7), "float32", device)
        assert_close(getattr(ember, name)(x), getattr(x, name)().numpy(), rtol=0, atol=0)
        assert getattr(ember, name)(_t(np.float64((low + high) / 2), "float32", device)).shape == ()

    @given(data=st.data())
    @hyp_settings()
    def test_hyp(device: str, data: Any) -> None:
        dtype = data.draw(S.dtypes("f"), label="dtype")
        if not supports_dtype(device, dtype):
            return
        x = data.draw(S.arrays(S.shapes(), dtype, low, high), label="x")
        out = getattr(_t(x, dtype, device), name)()
        with np.errstate(all="ignore"):
            expected = ref(x)
        rtol = _F32_RTOL.get(name) if dtype == "float32" else None
        if dtype in ("float16", "bfloat16") and name in ("tan", "expm1", "sinh", "cosh", "exp"):
            rtol = 2e-3 if dtype == "float16" else 2e-2  # half-precision inputs amplified by the op
        if name in ("round", "floor", "ceil", "trunc", "sign"):
            rtol = 0
        assert_close(out, expected, dtype=dtype, rtol=rtol, atol=None if rtol is None else 1e-5 * (rtol > 0))

    test_fixed.__name__ = f"test_{name}"
    test_hyp.__name__ = f"test_{name}_hypothesis"
    return test_fixed, test_hyp


for _name in UNARY:
    # NOTE: one named test per op (test ids `test_exp[numpy]`, as docs/architecture.md §6 asks)
    globals()[f"test_{_name}"], globals()[f"test_{_name}_hypothesis"] = _make_unary(_name)


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "sin", "sigmoid", "tanh", "erf", "reciprocal", "rsqrt"]
)
def test_unary_float_op_on_integers_gives_default_float(device: str, name: str) -> None:
    x = ember.tensor([1, 2, 3], device=device)
    assert x.dtype == ember.int64
    out = getattr(x, name)()
    assert out.dtype == ember.float32
    assert_close(out, UNARY[name][0](np.array([1.0, 2.0, 3.0])), rtol=5e-6)
    ember.set_default_dtype(ember.float64)
    try:
        assert getattr(x, name)().dtype == ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


@pytest.mark.parametrize("name", ["neg", "abs", "square", "sign"])
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_integer_preserving_unary(device: str, name: str, dtype: str) -> None:
    x = np.array([-3, -1, 0, 2, 5])
    out = getattr(_t(x, dtype, device), name)()
    assert_close(out, UNARY[name][0](x), dtype=dtype)


def test_unary_special_values(device: str) -> None:
    x = _t([0.0, -0.0, float("inf"), float("-inf"), float("nan")], "float32", device)
    assert_close(x.exp(), np.exp(np.array([0.0, -0.0, np.inf, -np.inf, np.nan])))
    assert_close(x.abs(), [0.0, 0.0, np.inf, np.inf, np.nan])
    assert_close(x.sigmoid(), [0.5, 0.5, 1.0, 0.0, np.nan])
    assert_close(x.tanh(), [0.0, -0.0, 1.0, -1.0, np.nan])
    assert_close(x.relu(), [0.0, 0.0, np.inf, 0.0, np.nan])
    with np.errstate(all="ignore"):
        assert_close(_t([-1.0, 0.0], "float32", device).log(), [np.nan, -np.inf])
        assert_close(_t([-1.0, 0.0], "float32", device).sqrt(), [np.nan, 0.0])
    # round half to even, as PyTorch and NumPy
    assert_close(_t([0.5, 1.5, 2.5, -0.5, -2.5], "float32", device).round(), [0.0, 2.0, 2.0, -0.0, -2.0])
    assert_close(ember.isnan(x), [False, False, False, False, True])
    assert_close(ember.isinf(x), [False, False, True, True, False])
    assert_close(ember.isfinite(x), [True, True, False, False, False])


def test_round_decimals(device: str) -> None:
    x = _t([1.2345, -2.5678, 0.0149], "float64", device)
    assert_close(ember.round(x, decimals=2), [1.23, -2.57, 0.01])


# --- binary --------------------------------------------------------------------------------------


def _make_binary(name: str) -> tuple[Callable[..., None], Callable[..., None]]:
    ref, low, high, diff = BINARY[name]

    def test_fixed(device: str) -> None:
        fn = lambda a, b: getattr(a, name)(b)  # noqa: E731
        for shapes in ([(3, 4), (3, 4)], [(2, 1, 4), (3, 1)], [(), (2, 3)], [(4,), ()]):
            helper_test_op(
                shapes, fn, device=device, np_fn=ref, low=low, high=high, grad=diff, grad_rtol=1e-5
            )
        helper_test_op(
            [(2, 3), (3,)], fn, device=device, np_fn=ref, low=low, high=high, grad=diff, dtype="float64"
        )
        # the function form agrees with the method
        a, b = _t([[1.5, 2.0, 3.0]], "float32", device), _t([[2.0], [1.0]], "float32", device)
        assert_close(getattr(ember, name)(a, b), getattr(a, name)(b).numpy(), rtol=0, atol=0)

    @given(data=st.data())
    @hyp_settings()
    def test_hyp(device: str, data: Any) -> None:
        dtype = data.draw(S.dtypes("f"), label="dtype")
        if not supports_dtype(device, dtype):
            return
        sa, sb = data.draw(S.broadcast_shapes(), label="shapes")
        a = data.draw(S.arrays(sa, dtype, low, high), label="a")
        b = data.draw(S.arrays(sb, dtype, low, high), label="b")
        out = getattr(_t(a, dtype, device), name)(_t(b, dtype, device))
        with np.errstate(all="ignore"):
            expected = ref(a, b)
        kind = "bool" if expected.dtype == np.bool_ else dtype
        rtol = {"pow": 5e-6, "atan2": 5e-6}.get(name) if dtype == "float32" else None
        if dtype in ("float16", "bfloat16") and name in ("floor_divide", "remainder", "fmod"):
            # NOTE: the quotient of two half-precision values is rounded before the floor, as in
            # PyTorch; compare against a reference that rounds the same way
            return
        assert_close(out, expected, dtype=kind, rtol=rtol)

    test_fixed.__name__ = f"test_{name}"
    test_hyp.__name__ = f"test_{name}_hypothesis"
    return test_fixed, test_hyp


for _name in BINARY:
    globals()[f"test_{_name}"], globals()[f"test_{_name}_hypothesis"] = _make_binary(_name)


@pytest.mark.parametrize("op", list(OPERATORS))
def test_operators(device: str, op: str) -> None:
    fn = OPERATORS[op]
    a = np.array([[1.5, -2.0, 3.25], [0.5, 4.0, -1.0]])
    b = np.array([2.0, 0.5, -1.5])
    if op == "**":
        a = np.abs(a)
    ea, eb = _t(a, "float32", device), _t(b, "float32", device)
    with np.errstate(all="ignore"):
        expected = fn(a, b)
    assert_close(fn(ea, eb), expected, dtype="bool" if expected.dtype == np.bool_ else "float32", rtol=2e-6)
    # reflected forms with Python scalars
    assert_close(fn(ea, 2), fn(a, 2), dtype="bool" if expected.dtype == np.bool_ else "float32", rtol=2e-6)
    assert_close(fn(2, eb) if op != "**" else fn(2, ea), fn(2, b) if op != "**" else fn(2, a), rtol=2e-6)


def test_unary_operators(device: str) -> None:
    x = _t([1.5, -2.0, 0.0], "float32", device)
    assert_close(-x, [-1.5, 2.0, -0.0])
    assert_close(abs(x), [1.5, 2.0, 0.0])
    assert (+x) is x or np.array_equal((+x).numpy(), x.numpy())
    i = ember.tensor([0, 5, -3], device=device)
    assert_close(~i, [-1, -6, 2], dtype="int64")
    assert_close(~ember.tensor([True, False], device=device), [False, True], dtype="bool")


@pytest.mark.parametrize(
    "name, ref",
    [("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or), ("bitwise_xor", np.bitwise_xor)],
)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"])
def test_bitwise(device: str, name: str, ref: Any, dtype: str) -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2 if dtype == "bool" else 100, (3, 4)).astype(dtype)
    b = rng.integers(0, 2 if dtype == "bool" else 100, (4,)).astype(dtype)
    out = getattr(ember, name)(_t(a, dtype, device), _t(b, dtype, device))
    assert_close(out, ref(a, b), dtype=dtype)
    sym = {"bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^"}[name]
    op = {"&": lambda x, y: x & y, "|": lambda x, y: x | y, "^": lambda x, y: x ^ y}[sym]
    assert_close(op(_t(a, dtype, device), _t(b, dtype, device)), ref(a, b), dtype=dtype)
    assert_close(ember.bitwise_not(_t(a, dtype, device)), np.invert(a), dtype=dtype)


def test_logical_not(device: str) -> None:
    x = _t([0.0, 1.5, -2.0, 0.0], "float32", device)
    assert_close(ember.logical_not(x), [True, False, False, True], dtype="bool")
    assert_close(x.logical_not(), [True, False, False, True], dtype="bool")


# --- clamp, where, lerp, addcmul/addcdiv ---------------------------------------------------------


def test_clamp(device: str) -> None:
    helper_test_op(
        [(3, 5)], lambda x: x.clamp(-0.5, 0.7), device=device, np_fn=lambda x: np.clip(x, -0.5, 0.7)
    )
    helper_test_op([(3, 5)], lambda x: x.clamp(min=-0.5), device=device, np_fn=lambda x: np.maximum(x, -0.5))
    helper_test_op([(3, 5)], lambda x: x.clamp(max=0.2), device=device, np_fn=lambda x: np.minimum(x, 0.2))
    helper_test_op([(3, 5)], lambda x: x.clip(-1, 1), device=device, np_fn=lambda x: np.clip(x, -1, 1))
    helper_test_op(
        [(3, 5), (5,), (3, 1)],
        lambda x, lo, hi: x.clamp(lo, hi),
        device=device,
        np_fn=lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
    )
    i = ember.tensor([-5, 0, 5], device=device)
    assert_close(i.clamp(-2, 2), [-2, 0, 2], dtype="int64")
    assert_close(ember.clamp(i, min=-1), [-1, 0, 5], dtype="int64")
    assert_close(ember.clamp_min(i, 1), [1, 1, 5])
    assert_close(ember.clamp_max(i, 1), [-5, 0, 1])
    # a float bound promotes an integer tensor, as in PyTorch
    assert ember.clamp(i, 0.5).dtype == ember.float32


def test_clamp_requires_a_bound(device: str) -> None:
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        ember.clamp(ember.ones(2, device=device))


def test_where(device: str) -> None:
    cond = np.array([[True, False, True], [False, False, True]])
    helper_test_op(
        [(2, 3), (3,)],
        lambda a, b: lib_of(a).where(lib_of(a).tensor(cond, device=a.device), a, b),
        device=device,
        np_fn=lambda a, b: np.where(cond, a, b),
    )
    c = ember.tensor(cond, device=device)
    a = ember.arange(6, device=device).reshape(2, 3)
    assert_close(ember.where(c, a, -1), np.where(cond, np.arange(6).reshape(2, 3), -1), dtype="int64")
    assert_close(ember.where(c, 1.5, a), np.where(cond, 1.5, np.arange(6).reshape(2, 3)), dtype="float32")
    # one-argument form: nonzero indices
    idx = ember.where(c)
    assert len(idx) == 2
    assert_close(idx[0], np.nonzero(cond)[0])
    assert_close(idx[1], np.nonzero(cond)[1])


def test_lerp(device: str) -> None:
    helper_test_op(
        [(3, 4), (3, 4)],
        lambda a, b: a.lerp(b, 0.3),
        device=device,
        np_fn=lambda a, b: a + 0.3 * (b - a),
        rtol=5e-6,
    )
    helper_test_op(
        [(3, 4), (4,), (3, 1)],
        lambda a, b, w: lib_of(a).lerp(a, b, w),
        device=device,
        np_fn=lambda a, b, w: a + w * (b - a),
        rtol=5e-6,
    )


def test_addcmul_addcdiv(device: str) -> None:
    helper_test_op(
        [(2, 3), (2, 3), (3,)],
        lambda a, b, c: a.addcmul(b, c, value=0.5),
        device=device,
        np_fn=lambda a, b, c: a + 0.5 * b * c,
        rtol=5e-6,
    )
    helper_test_op(
        [(2, 3), (2, 3), (3,)],
        lambda a, b, c: a.addcdiv(b, c, value=2),
        device=device,
        np_fn=lambda a, b, c: a + 2 * b / c,
        low=0.5,
        high=2,
        rtol=5e-6,
    )


# --- scalar operands and type promotion ----------------------------------------------------------


def test_scalar_operands(device: str) -> None:
    f = ember.tensor([1.0, 2.0, 3.0], device=device)
    i = ember.tensor([1, 2, 3], device=device)
    b = ember.tensor([True, False, True], device=device)
    h = ember.tensor([1.0, 2.0], dtype=ember.float16, device=device)
    cases = [
        (f + 1, "float32", [2.0, 3.0, 4.0]),
        (1 + f, "float32", [2.0, 3.0, 4.0]),
        (i + 1, "int64", [2, 3, 4]),
        (i + 1.5, "float32", [2.5, 3.5, 4.5]),
        (1.5 * i, "float32", [1.5, 3.0, 4.5]),
        (i / 2, "float32", [0.5, 1.0, 1.5]),
        (i / i, "float32", [1.0, 1.0, 1.0]),
        (2 / i, "float32", [2.0, 1.0, 2 / 3]),
        (i // 2, "int64", [0, 1, 1]),
        (i % 2, "int64", [1, 0, 1]),
        (i**2, "int64", [1, 4, 9]),
        (2**i, "int64", [2, 4, 8]),
        (2.0**i, "float32", [2.0, 4.0, 8.0]),
        (f**2, "float32", [1.0, 4.0, 9.0]),
        (b + 1, "int64", [2, 1, 2]),
        (b * 2.5, "float32", [2.5, 0.0, 2.5]),
        (b + True, "bool", [True, True, True]),
        (i + True, "int64", [2, 3, 4]),
        (h * 2.5, "float16", [2.5, 5.0]),
        (h + 1, "float16", [2.0, 3.0]),
        (i - 1, "int64", [0, 1, 2]),
        (1 - f, "float32", [0.0, -1.0, -2.0]),
        (f > 1, "bool", [False, True, True]),
        (i == 2, "bool", [False, True, False]),
        (i < 2.5, "bool", [True, True, False]),
    ]
    for k, (out, dtype, expected) in enumerate(cases):
        if out.dtype == ember.float16:
            skip_unsupported(device, "float16")
        assert_close(out, np.array(expected), dtype=dtype, msg=f"case {k}: ")


def test_numpy_scalar_operands(device: str) -> None:
    f = ember.tensor([1.0, 2.0], device=device)
    out = f * np.float64(2.0)
    assert isinstance(out, ember.Tensor)
    assert_close(out, [2.0, 4.0], dtype="float32")


def test_zero_dim_tensor_operands(device: str) -> None:
    i = ember.tensor([1, 2], dtype=ember.int32, device=device)
    f = ember.tensor([1.0, 2.0], device=device)
    # a 0-d tensor of a higher category wins; of the same category it does not
    assert (i + ember.tensor(1.5, dtype=ember.float64, device=device)).dtype == ember.float64
    assert (f + ember.tensor(1.5, dtype=ember.float64, device=device)).dtype == ember.float32
    assert (i + ember.tensor(1, dtype=ember.int64, device=device)).dtype == ember.int32
    assert (ember.tensor(1.0, device=device) + ember.tensor(2, device=device)).dtype == ember.float32
    # 0-d CPU tensors join ops on any device, as in PyTorch
    out = f * ember.tensor(3.0)
    assert out.device == ember.device(device) or out.device.type == ember.device(device).type
    assert_close(out, [3.0, 6.0])


def _ref_promote(a: str, b: str) -> str:
    """PyTorch's promote_types, written out independently of ember (used when torch is absent)."""
    if a == b:
        return a
    cat = {
        "bool": 0,
        "uint8": 1,
        "int8": 1,
        "int16": 1,
        "int32": 1,
        "int64": 1,
        "float16": 2,
        "bfloat16": 2,
        "float32": 2,
        "float64": 2,
    }
    if cat[a] != cat[b]:
        return a if cat[a] > cat[b] else b
    if cat[a] == 1:
        if "uint8" in (a, b):
            other = b if a == "uint8" else a
            return "int16" if other == "int8" else other
        return max(a, b, key=lambda n: int(n[3:]))
    if {a, b} == {"float16", "bfloat16"}:
        return "float32"
    order = ["float16", "bfloat16", "float32", "float64"]
    return max(a, b, key=order.index)


@pytest.mark.parametrize("a", S.ALL_DTYPES)
def test_promotion_table(device: str, a: str) -> None:
    torch = get_torch()
    for b in S.ALL_DTYPES:
        if not (supports_dtype(device, a) and supports_dtype(device, b)):
            continue
        want = (
            str(torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[1]
            if torch
            else _ref_promote(a, b)
        )
        assert ember.promote_types(getattr(ember, a), getattr(ember, b)) == getattr(ember, want), (a, b)
        x = ember.ones(2, dtype=getattr(ember, a), device=device)
        y = ember.ones(2, dtype=getattr(ember, b), device=device)
        assert (x + y).dtype == getattr(ember, want), f"{a} + {b}: got {(x + y).dtype}, expected {want}"
        assert ember.result_type(x, y) == getattr(ember, want)


def test_promotion_vs_torch_result_type(device: str) -> None:
    torch = get_torch()
    if torch is None:
        pytest.skip("PyTorch is not installed")
    operands = [
        ("t", "int32"),
        ("t", "float16"),
        ("t", "bool"),
        ("t", "uint8"),
        ("0d", "float64"),
        ("0d", "int64"),
        ("0d", "bool"),
        ("s", 2),
        ("s", 2.5),
        ("s", True),
    ]
    for ka, va in operands:
        for kb, vb in operands:
            if ka == "s" and kb == "s":
                continue
            tx = [_torch_operand(torch, k, v) for k, v in ((ka, va), (kb, vb))]
            ex = [_ember_operand(k, v, device) for k, v in ((ka, va), (kb, vb))]
            want = str(torch.result_type(*tx)).split(".")[1]
            if not supports_dtype(device, want):
                continue
            assert ember.result_type(*ex) == getattr(ember, want), f"{ka}:{va} with {kb}:{vb}"


def _torch_operand(torch: Any, kind: str, v: Any) -> Any:
    if kind == "s":
        return v
    return torch.ones(2 if kind == "t" else (), dtype=getattr(torch, v))


def _ember_operand(kind: str, v: Any, device: str) -> Any:
    if kind == "s":
        return v
    return ember.ones(2 if kind == "t" else (), dtype=getattr(ember, v), device=device)


# --- in-place variants, out=, alpha=, rounding_mode= ---------------------------------------------

INPLACE = [
    "add_",
    "sub_",
    "mul_",
    "div_",
    "pow_",
    "neg_",
    "abs_",
    "exp_",
    "log_",
    "sqrt_",
    "sin_",
    "cos_",
    "tanh_",
    "sigmoid_",
    "relu_",
    "floor_",
    "ceil_",
    "round_",
    "trunc_",
    "clamp_",
    "reciprocal_",
    "square_",
    "remainder_",
    "fmod_",
    "lerp_",
    "addcmul_",
    "addcdiv_",
    "erf_",
    "rsqrt_",
    "expm1_",
    "log1p_",
    "sign_",
    "atan2_",
    "floor_divide_",
]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_variant(device: str, name: str) -> None:
    rng = np.random.default_rng(1)
    x0 = rng.uniform(0.5, 2.0, (2, 3))
    other = rng.uniform(0.5, 2.0, (3,))
    base = name[:-1]
    args: tuple[Any, ...] = ()
    if base in (
        "add",
        "sub",
        "mul",
        "div",
        "pow",
        "maximum",
        "minimum",
        "remainder",
        "fmod",
        "atan2",
        "floor_divide",
    ):
        args = (_t(other, "float32", device),)
    elif base == "clamp":
        args = (0.8, 1.5)
    elif base == "lerp":
        args = (_t(other, "float32", device), 0.25)
    elif base in ("addcmul", "addcdiv"):
        args = (_t(other, "float32", device), _t(other[::-1].copy(), "float32", device))
    x = _t(x0, "float32", device)
    expected = getattr(_t(x0, "float32", device), base)(*args)
    out = getattr(x, name)(*args)
    assert out is x, f"{name} must return self"
    assert_close(x, expected.numpy(), rtol=0, atol=0, dtype="float32")


def test_inplace_visible_through_aliases_and_operators(device: str) -> None:
    x = ember.zeros(2, 3, device=device)
    alias = x
    x += 1
    assert x is alias
    x *= ember.tensor([1.0, 2.0, 3.0], device=device)
    x -= 0.5
    x /= 2
    assert_close(alias, np.tile((np.array([1.0, 2.0, 3.0]) - 0.5) / 2, (2, 1)))
    i = ember.tensor([7, 8], device=device)
    i //= 2
    i %= 3
    i **= 2
    assert_close(i, [0, 1], dtype="int64")


def test_inplace_cannot_change_dtype_or_shape(device: str) -> None:
    i = ember.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        i.div_(2)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        i += 1.5
    x = ember.ones(3, device=device)
    with pytest.raises(RuntimeError):
        x.add_(ember.ones(2, 3, device=device))
    # a float tensor accepts an integer operand in place
    x.add_(ember.tensor([1, 2, 3], device=device))
    assert_close(x, [2.0, 3.0, 4.0], dtype="float32")


def test_out_argument(device: str) -> None:
    a = ember.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    b = ember.tensor([10.0, 20.0], device=device)
    out = ember.empty(2, 2, device=device)
    res = ember.add(a, b, out=out)
    assert res is out
    assert_close(out, [[11.0, 22.0], [13.0, 24.0]])
    res = ember.mul(a, 2, out=out)
    assert res is out
    assert_close(out, [[2.0, 4.0], [6.0, 8.0]])
    res = ember.exp(a, out=out)
    assert res is out
    assert_close(out, np.exp([[1.0, 2.0], [3.0, 4.0]]), rtol=5e-6)
    res = ember.sub(a, b, alpha=0.5, out=out)
    assert_close(out, [[-4.0, -8.0], [-2.0, -6.0]])
    mask = ember.empty(2, 2, dtype=ember.bool, device=device)
    assert ember.gt(a, 2.5, out=mask) is mask
    assert_close(mask, [[False, False], [True, True]], dtype="bool")


def test_alpha(device: str) -> None:
    helper_test_op(
        [(2, 3), (3,)],
        lambda a, b: a.add(b, alpha=2.5),
        device=device,
        np_fn=lambda a, b: a + 2.5 * b,
        rtol=2e-6,
    )
    helper_test_op(
        [(2, 3), (2, 3)],
        lambda a, b: a.sub(b, alpha=-3),
        device=device,
        np_fn=lambda a, b: a + 3 * b,
        rtol=2e-6,
    )
    i = ember.tensor([1, 2], device=device)
    assert_close(ember.add(i, i, alpha=3), [4, 8], dtype="int64")
    x = ember.ones(2, device=device)
    assert x.add_(ember.ones(2, device=device), alpha=2) is x
    assert_close(x, [3.0, 3.0])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_div_rounding_mode(device: str, dtype: str) -> None:
    a = np.array([7, -7, 7, -7, 6, 0, 5])
    b = np.array([2, 2, -2, -2, 3, 3, -4])
    if dtype.startswith("float"):
        a, b = a + 0.5, b.astype(np.float64)
    ea, eb = _t(a, dtype, device), _t(b, dtype, device)
    true_dtype = dtype if dtype.startswith("float") else "float32"
    assert_close(ember.div(ea, eb), a / b, dtype=true_dtype)
    assert_close(ember.div(ea, eb, rounding_mode=None), a / b, dtype=true_dtype)
    assert_close(ember.div(ea, eb, rounding_mode="trunc"), np.trunc(a / b), dtype=dtype)
    assert_close(ember.div(ea, eb, rounding_mode="floor"), np.floor(a / b), dtype=dtype)
    assert_close(ea.div(eb, rounding_mode="floor"), np.floor(a / b), dtype=dtype)
    assert_close(ember.floor_divide(ea, eb), np.floor_divide(a, b), dtype=dtype)
    assert_close(ea // eb, np.floor_divide(a, b), dtype=dtype)
    assert_close(ember.remainder(ea, eb), np.remainder(a, b), dtype=dtype)
    assert_close(ea % eb, np.remainder(a, b), dtype=dtype)
    assert_close(ember.fmod(ea, eb), np.fmod(a, b), dtype=dtype)
    x = _t(a, dtype, device)
    x.div_(eb, rounding_mode="trunc")
    assert_close(x, np.trunc(a / b), dtype=dtype)
    with pytest.raises((RuntimeError, ValueError), match="rounding_mode"):
        ember.div(ea, eb, rounding_mode="ceil")


def test_integer_division_by_zero(device: str) -> None:
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.tensor([1, 2], device=device) // 0
    f = ember.tensor([1.0, -1.0, 0.0], device=device) / 0
    assert_close(f, [np.inf, -np.inf, np.nan])


def test_float_power(device: str) -> None:
    out = ember.float_power(ember.tensor([2, 3], device=device), 2)
    assert_close(out, [4.0, 9.0], dtype="float64")


def test_integer_pow_negative_exponent_raises(device: str) -> None:
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        ember.tensor([2, 3], device=device) ** -1


def test_bitwise_on_floats_raises(device: str) -> None:
    x = ember.ones(2, device=device)
    with pytest.raises((RuntimeError, TypeError)):
        _ = x & x
    with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
        _ = ~x


def test_isclose_allclose_equal(device: str) -> None:
    a = ember.tensor([1.0, 2.0, float("nan")], device=device)
    b = ember.tensor([1.0 + 1e-9, 2.1, float("nan")], device=device)
    assert_close(ember.isclose(a, b), [True, False, False], dtype="bool")
    assert_close(ember.isclose(a, b, equal_nan=True), [True, False, True], dtype="bool")
    assert ember.allclose(a[:1], b[:1]) is True
    assert ember.allclose(a, b) is False
    assert ember.equal(a[:2], a[:2].clone()) is True
    assert ember.equal(a[:2], b[:2]) is False


@given(data=st.data())
@hyp_settings()
def test_broadcasting_hypothesis(device: str, data: Any) -> None:
    sa, sb = data.draw(S.broadcast_shapes(), label="shapes")
    a = data.draw(S.arrays(sa, "float64"), label="a")
    b = data.draw(S.arrays(sb, "float64"), label="b")
    ea, eb = _t(a, "float64", device), _t(b, "float64", device)
    out = ea * eb + eb
    assert tuple(out.shape) == np.broadcast_shapes(sa, sb)
    assert_close(out, a * b + b)
    assert tuple(ember.broadcast_shapes(sa, sb)) == np.broadcast_shapes(sa, sb)
    bx, by = ember.broadcast_tensors(ea, eb)
    assert tuple(bx.shape) == tuple(by.shape) == np.broadcast_shapes(sa, sb)
    assert_close(bx, np.broadcast_to(a, bx.shape))


@given(data=st.data())
@hyp_settings()
def test_mixed_dtype_hypothesis(device: str, data: Any) -> None:
    da = data.draw(S.dtypes("bif"), label="da")
    db = data.draw(S.dtypes("bif"), label="db")
    if not (supports_dtype(device, da) and supports_dtype(device, db)):
        return
    # dimensioned operands only: a 0-d tensor has a lower promotion priority (tested above)
    sa, sb = data.draw(S.broadcast_shapes(min_dims=1), label="shapes")
    a = data.draw(S.arrays(sa, da, -4, 4), label="a")
    b = data.draw(S.arrays(sb, db, -4, 4), label="b")
    out = _t(a, da, device) + _t(b, db, device)
    want = _ref_promote(da, db)
    assert out.dtype == getattr(ember, want)
    expected = a.astype(np.float64) + b.astype(np.float64)
    if want == "bool":
        expected = np.logical_or(a, b)
    elif want in S.INT_DTYPES:
        expected = expected.astype(np.int64).astype(want)  # wraps around as in PyTorch
    assert_close(out, expected, dtype=want, rtol=1e-2 if want in ("float16", "bfloat16") else 1e-6, atol=1e-2)
