"""Autograd (issue "Autograd"): gradcheck of every differentiable op in float64 on the backend,
gradgradcheck on a representative set, broadcasting/view/indexing gradients, in-place ops on
non-leaf tensors, ties, matmul of every rank, grad modes, custom Functions, hooks, retain_grad,
accumulation, higher-order gradients, version counters, the error messages, anomaly mode.

Reference: central finite differences (``ember.autograd.gradcheck``) and, for hand-picked cases,
the values PyTorch gives; ``helper_test_op`` adds parity with PyTorch when it is installed.
"""

from __future__ import annotations

import os
import warnings
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember

from ._helpers import assert_close, helper_test_op, lib_of


def gradcheck(fn: Callable[..., Any], inputs: Any, **kw: Any) -> bool:
    return ember.autograd.gradcheck(fn, tuple(inputs), **kw)


def gradgradcheck(fn: Callable[..., Any], inputs: Any, **kw: Any) -> bool:
    return ember.autograd.gradgradcheck(fn, tuple(inputs), **kw)


def _idx(x: ember.Tensor, values: Any) -> ember.Tensor:
    return ember.tensor(values, device=x.device)


# name -> (function of float64 tensors, input shapes, low, high)
GRADCHECK: dict[str, tuple[Callable[..., Any], list[tuple[int, ...]], float, float]] = {
    # unary
    "neg": (lambda x: -x, [(2, 3)], -2, 2),
    "abs": (lambda x: x.abs(), [(2, 3)], 0.2, 2),
    "exp": (lambda x: x.exp(), [(2, 3)], -2, 2),
    "log": (lambda x: x.log(), [(2, 3)], 0.2, 3),
    "log2": (lambda x: x.log2(), [(2, 3)], 0.2, 3),
    "log10": (lambda x: x.log10(), [(2, 3)], 0.2, 3),
    "log1p": (lambda x: x.log1p(), [(2, 3)], -0.5, 2),
    "expm1": (lambda x: x.expm1(), [(2, 3)], -2, 2),
    "sqrt": (lambda x: x.sqrt(), [(2, 3)], 0.2, 3),
    "rsqrt": (lambda x: x.rsqrt(), [(2, 3)], 0.2, 3),
    "sin": (lambda x: x.sin(), [(2, 3)], -3, 3),
    "cos": (lambda x: x.cos(), [(2, 3)], -3, 3),
    "tan": (lambda x: x.tan(), [(2, 3)], -1, 1),
    "asin": (lambda x: x.asin(), [(2, 3)], -0.8, 0.8),
    "acos": (lambda x: x.acos(), [(2, 3)], -0.8, 0.8),
    "atan": (lambda x: x.atan(), [(2, 3)], -2, 2),
    "sinh": (lambda x: x.sinh(), [(2, 3)], -2, 2),
    "cosh": (lambda x: x.cosh(), [(2, 3)], -2, 2),
    "tanh": (lambda x: x.tanh(), [(2, 3)], -2, 2),
    "sigmoid": (lambda x: x.sigmoid(), [(2, 3)], -3, 3),
    "relu": (lambda x: x.relu(), [(2, 3)], -2, 2),
    "erf": (lambda x: x.erf(), [(2, 3)], -2, 2),
    "reciprocal": (lambda x: x.reciprocal(), [(2, 3)], 0.3, 2),
    "square": (lambda x: x.square(), [(2, 3)], -2, 2),
    "sign": (lambda x: x.sign() * x, [(2, 3)], 0.2, 2),
    "floor_ceil_round_trunc": (lambda x: x.floor() + x.ceil() + x.round() + x.trunc() + x, [(2, 3)], -2, 2),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), [(3, 4)], -1, 1),
    "clamp_min_tensor": (lambda x, lo: x.clamp(min=lo), [(3, 4), (4,)], -1, 1),
    "pow_scalar": (lambda x: x**3, [(2, 3)], -2, 2),
    "pow_fractional": (lambda x: x**2.5, [(2, 3)], 0.2, 2),
    "rpow": (lambda x: 2.0**x, [(2, 3)], -2, 2),
    # binary (with broadcasting)
    "add": (lambda x, y: x + y, [(2, 3), (3,)], -2, 2),
    "add_alpha": (lambda x, y: ember.add(x, y, alpha=2.5), [(2, 3), (2, 1)], -2, 2),
    "sub": (lambda x, y: x - y, [(2, 1, 3), (4, 1)], -2, 2),
    "mul": (lambda x, y: x * y, [(2, 3), (2, 3)], -2, 2),
    "div": (lambda x, y: x / y, [(2, 3), (3,)], 0.5, 2),
    "rdiv": (lambda x: 1.5 / x, [(2, 3)], 0.5, 2),
    "pow": (lambda x, y: x**y, [(2, 3), (3,)], 0.5, 2),
    "maximum": (lambda x, y: ember.maximum(x, y), [(2, 3), (2, 3)], -2, 2),
    "minimum": (lambda x, y: ember.minimum(x, y), [(2, 3), (3,)], -2, 2),
    "atan2": (lambda x, y: ember.atan2(x, y), [(2, 3), (2, 3)], 0.5, 2),
    "remainder": (lambda x, y: ember.remainder(x, y), [(2, 3), (2, 3)], 0.5, 3),
    "fmod": (lambda x, y: ember.fmod(x, y), [(2, 3), (2, 3)], 0.5, 3),
    "where": (lambda x, y: ember.where(x > 0, x, y), [(2, 3), (3,)], -2, 2),
    "lerp": (lambda x, y, w: ember.lerp(x, y, w), [(2, 3), (2, 3), (3,)], -2, 2),
    "addcmul": (lambda x, y, z: ember.addcmul(x, y, z, value=0.5), [(2, 3), (2, 3), (3,)], -2, 2),
    "addcdiv": (lambda x, y, z: ember.addcdiv(x, y, z, value=2), [(2, 3), (2, 3), (3,)], 0.5, 2),
    # reductions
    "sum": (lambda x: x.sum(), [(2, 3)], -2, 2),
    "sum_dim": (lambda x: x.sum(1), [(2, 3, 2)], -2, 2),
    "sum_dims_keepdim": (lambda x: x.sum((0, 2), keepdim=True), [(2, 3, 2)], -2, 2),
    "mean": (lambda x: x.mean(), [(2, 3)], -2, 2),
    "mean_dim": (lambda x: x.mean(-1, keepdim=True), [(2, 3)], -2, 2),
    "prod": (lambda x: x.prod(), [(2, 3)], 0.5, 1.5),
    "prod_dim": (lambda x: x.prod(1), [(2, 3)], 0.5, 1.5),
    "amax": (lambda x: x.amax(1), [(3, 4)], -2, 2),
    "amin": (lambda x: x.amin((0, 1)), [(3, 4)], -2, 2),
    "max": (lambda x: x.max(), [(3, 4)], -2, 2),
    "max_dim": (lambda x: x.max(1)[0], [(3, 4)], -2, 2),
    "min_dim": (lambda x: x.min(0, keepdim=True)[0], [(3, 4)], -2, 2),
    "var": (lambda x: x.var(1), [(3, 4)], -2, 2),
    "var_correction0": (lambda x: x.var(correction=0), [(3, 4)], -2, 2),
    "std": (lambda x: x.std(0), [(3, 4)], -2, 2),
    "norm": (lambda x: x.norm(), [(3, 4)], -2, 2),
    "norm_p1_dim": (lambda x: x.norm(1, dim=1), [(3, 4)], 0.2, 2),
    "logsumexp": (lambda x: x.logsumexp(1), [(3, 4)], -2, 2),
    "cumsum": (lambda x: x.cumsum(1), [(3, 4)], -2, 2),
    "cumprod": (lambda x: x.cumprod(0), [(3, 4)], 0.5, 1.5),
    "sort": (lambda x: x.sort(1)[0], [(3, 4)], -2, 2),
    "topk": (lambda x: x.topk(2)[0], [(3, 4)], -2, 2),
    "kthvalue": (lambda x: ember.kthvalue(x, 2, 1)[0], [(3, 4)], -2, 2),
    "median": (lambda x: x.median(1)[0], [(3, 5)], -2, 2),
    # shape and views
    "view": (lambda x: x.view(3, 2) * 2, [(2, 3)], -2, 2),
    "reshape": (lambda x: x.t().reshape(-1), [(2, 3)], -2, 2),
    "flatten_unflatten": (lambda x: x.flatten().unflatten(0, (3, 2)), [(2, 3)], -2, 2),
    "squeeze_unsqueeze": (lambda x: x.unsqueeze(0).squeeze(2), [(2, 1, 3)], -2, 2),
    "transpose_permute": (lambda x: x.transpose(0, 2).permute(1, 0, 2), [(2, 3, 4)], -2, 2),
    "t": (lambda x: x.t() * 1.5, [(2, 3)], -2, 2),
    "expand": (lambda x: x.expand(3, 2, 4), [(2, 1)], -2, 2),
    "repeat": (lambda x: x.repeat(2, 3), [(2, 3)], -2, 2),
    "tile": (lambda x: x.tile((2,)), [(2, 3)], -2, 2),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, dim=0), [(2, 3)], -2, 2),
    "narrow": (lambda x: x.narrow(1, 1, 2), [(2, 4)], -2, 2),
    "select": (lambda x: x.select(1, 2), [(2, 4)], -2, 2),
    "split": (lambda x: x.split(2, 1)[1] * x.split(2, 1)[0], [(2, 4)], -2, 2),
    "chunk": (lambda x: x.chunk(2)[1], [(4, 2)], -2, 2),
    "unbind": (lambda x: x.unbind(1)[0] + 2 * x.unbind(1)[2], [(2, 3)], -2, 2),
    "cat": (lambda x, y: ember.cat([x, y, x], 1), [(2, 3), (2, 1)], -2, 2),
    "stack": (lambda x, y: ember.stack([x, y], -1), [(2, 3), (2, 3)], -2, 2),
    "flip": (lambda x: x.flip(0, 1), [(2, 3)], -2, 2),
    "roll": (lambda x: x.roll(1, 1), [(2, 3)], -2, 2),
    "tril_triu": (lambda x: x.tril() + 2 * x.triu(1), [(3, 3)], -2, 2),
    "diag": (lambda x: ember.diag(x), [(3, 3)], -2, 2),
    "diag_embed": (lambda x: ember.diag(x, 1), [(3,)], -2, 2),
    "diagonal": (lambda x: x.diagonal(0, 0, 1), [(3, 4)], -2, 2),
    "movedim": (lambda x: x.movedim(0, 1), [(2, 3)], -2, 2),
    "contiguous": (lambda x: x.t().contiguous(), [(2, 3)], -2, 2),
    "clone": (lambda x: x.clone() * x, [(2, 3)], -2, 2),
    "broadcast_to": (lambda x: x.broadcast_to((2, 3)), [(3,)], -2, 2),
    # indexing
    "getitem_basic": (lambda x: x[1:, ::2], [(3, 4)], -2, 2),
    "getitem_int_none_ellipsis": (lambda x: x[None, ..., 1], [(3, 4)], -2, 2),
    "getitem_advanced_repeated": (lambda x: x[[0, 2, 0]], [(3, 4)], -2, 2),
    "getitem_two_arrays": (lambda x: x[[0, 1, 1], [2, 2, 0]], [(3, 4)], -2, 2),
    "getitem_bool": (lambda x: x[x > 0], [(3, 4)], -2, 2),
    "gather": (lambda x: x.gather(1, _idx(x, [[0, 0], [3, 1], [2, 2]])), [(3, 4)], -2, 2),
    "scatter": (lambda x, s: x.scatter(1, _idx(x, [[0], [3], [1]]), s), [(3, 4), (3, 1)], -2, 2),
    "scatter_add": (lambda x, s: x.scatter_add(0, _idx(x, [[0, 0, 2, 2]]), s), [(3, 4), (1, 4)], -2, 2),
    "index_select": (lambda x: x.index_select(1, _idx(x, [3, 0, 3])), [(3, 4)], -2, 2),
    "index_add": (lambda x, s: x.index_add(0, _idx(x, [2, 2]), s), [(3, 4), (2, 4)], -2, 2),
    "masked_fill": (lambda x: x.masked_fill(x < 0, 0.5), [(3, 4)], -2, 2),
    "masked_select": (lambda x: x.masked_select(x > 0), [(3, 4)], -2, 2),
    "take_along_dim": (lambda x: ember.take_along_dim(x, _idx(x, [[1], [0], [3]]), 1), [(3, 4)], -2, 2),
    "take": (lambda x: ember.take(x, _idx(x, [0, 5, 5])), [(3, 4)], -2, 2),
    # linear algebra
    "mm": (lambda x, y: ember.mm(x, y), [(2, 3), (3, 4)], -2, 2),
    "bmm": (lambda x, y: ember.bmm(x, y), [(2, 2, 3), (2, 3, 2)], -2, 2),
    "mv": (lambda x, y: ember.mv(x, y), [(2, 3), (3,)], -2, 2),
    "dot": (lambda x, y: ember.dot(x, y), [(3,), (3,)], -2, 2),
    "outer": (lambda x, y: ember.outer(x, y), [(3,), (2,)], -2, 2),
    "einsum": (lambda x, y: ember.einsum("bij,jk->bik", x, y), [(2, 2, 3), (3, 2)], -2, 2),
    # compositions
    "softmax": (lambda x: x.exp() / x.exp().sum(-1, keepdim=True), [(2, 4)], -2, 2),
    "log_softmax": (lambda x: x - x.logsumexp(-1, keepdim=True), [(2, 4)], -2, 2),
    "mse": (lambda x, y: ((x - y) ** 2).mean(), [(3, 2), (3, 2)], -2, 2),
}

MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
    ((2, 2, 3), (2, 3, 4)),
    ((2, 2, 3), (3, 4)),
    ((2, 3), (2, 3, 4)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
    ((2, 1, 2, 3), (3, 3, 2)),
]

GRADGRAD = [
    "exp",
    "sin",
    "tanh",
    "sigmoid",
    "log",
    "div",
    "mul",
    "pow",
    "mm",
    "sum_dim",
    "mean_dim",
    "var",
    "prod",
    "norm",
    "logsumexp",
    "getitem_advanced_repeated",
    "gather",
    "softmax",
    "log_softmax",
    "where",
    "cat",
    "mse",
    "max_dim",
]


def _inputs(
    name: str, shapes: list[tuple[int, ...]], low: float, high: float, device: str
) -> list[ember.Tensor]:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return [
        ember.tensor(rng.uniform(low, high, s), dtype=ember.float64, device=device, requires_grad=True)
        for s in shapes
    ]


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradcheck(device: str, name: str) -> None:
    fn, shapes, low, high = GRADCHECK[name]
    xs = _inputs(name, shapes, low, high, device)
    assert gradcheck(fn, xs) is True


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_every_rank(device: str, shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    xs = _inputs(str(shapes), list(shapes), -2, 2, device)
    assert gradcheck(lambda a, b: a @ b, xs) is True
    a, b = (x.detach().cpu().numpy() for x in xs)
    out = ember.matmul(xs[0], xs[1])
    assert_close(out, np.matmul(a, b))
    helper_test_op(
        list(shapes), lambda x, y: x @ y, device=device, np_fn=np.matmul, rtol=5e-6, grad_rtol=1e-5
    )


@pytest.mark.parametrize("name", GRADGRAD)
def test_gradgradcheck(device: str, name: str) -> None:
    fn, shapes, low, high = GRADCHECK[name]
    xs = _inputs(name, shapes, low, high, device)
    assert gradgradcheck(fn, xs) is True


def test_gradcheck_detects_a_wrong_gradient(device: str) -> None:
    class Wrong(ember.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: ember.Tensor) -> ember.Tensor:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: ember.Tensor) -> ember.Tensor:
            return g * 3

    x = ember.ones(3, dtype=ember.float64, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(Wrong.apply, (x,))
    assert gradcheck(Wrong.apply, (x,), raise_exception=False) is False


# --- specific gradient semantics -----------------------------------------------------------------


def _leaf(values: Any, device: str, dtype: Any = None) -> ember.Tensor:
    return ember.tensor(values, dtype=dtype or ember.float64, device=device, requires_grad=True)


def test_broadcasting_grads_are_reduced(device: str) -> None:
    x = _leaf([[1.0], [2.0], [3.0]], device)  # (3, 1)
    y = _leaf([10.0, 20.0, 30.0, 40.0], device)  # (4,)
    s = _leaf(2.0, device)  # 0-d
    ((x * y + s) * 1.0).sum().backward()
    assert tuple(x.grad.shape) == (3, 1) and tuple(y.grad.shape) == (4,) and tuple(s.grad.shape) == ()
    assert_close(x.grad, [[100.0], [100.0], [100.0]])
    assert_close(y.grad, [6.0, 6.0, 6.0, 6.0])
    assert_close(s.grad, np.asarray(12.0))
    z = _leaf([1.0, 2.0], device)
    (z.expand(3, 2) * _leaf([[1.0, 2.0]] * 3, device)).sum().backward()
    assert_close(z.grad, [3.0, 6.0])


def test_grads_through_views(device: str) -> None:
    x = _leaf(np.arange(6.0).reshape(2, 3), device)
    y = x.t()[1:] * 2  # (2, 2) from x[:, 1:]
    y.sum().backward()
    assert_close(x.grad, [[0.0, 2.0, 2.0], [0.0, 2.0, 2.0]])
    assert x.t().grad_fn is not None and x.view(6).grad_fn.name() == "ViewBackward0"


def test_repeated_indices_accumulate(device: str) -> None:
    x = _leaf([1.0, 2.0, 3.0], device)
    x[ember.tensor([0, 0, 2, 0], device=device)].sum().backward()
    assert_close(x.grad, [3.0, 0.0, 1.0])
    x.grad = None
    x.index_select(0, ember.tensor([1, 1], device=device)).sum().backward()
    assert_close(x.grad, [0.0, 2.0, 0.0])
    x.grad = None
    x.gather(0, ember.tensor([2, 2, 2], device=device)).sum().backward()
    assert_close(x.grad, [0.0, 0.0, 3.0])


def test_setitem_on_non_leaf(device: str) -> None:
    x = _leaf([1.0, 2.0, 3.0], device)
    y = x * 2
    y[1] = 0.0
    assert y.grad_fn is not None
    (y * ember.tensor([1.0, 10.0, 100.0], dtype=ember.float64, device=device)).sum().backward()
    assert_close(x.grad, [2.0, 0.0, 200.0])
    # the assigned value receives the gradient of the positions it fills
    x = _leaf([1.0, 2.0, 3.0], device)
    v = _leaf(5.0, device)
    y = x.clone()
    y[ember.tensor([0, 2], device=device)] = v * 2
    (y * ember.tensor([1.0, 10.0, 100.0], dtype=ember.float64, device=device)).sum().backward()
    assert_close(x.grad, [0.0, 10.0, 0.0])
    assert_close(v.grad, np.asarray(202.0))


def test_inplace_on_non_leaf(device: str) -> None:
    x = _leaf([1.0, 2.0, 3.0], device)
    y = x * 1.0
    y.mul_(x)  # y = x**2
    y.add_(x, alpha=3)  # y = x**2 + 3x
    y.exp_()  # y = exp(x**2 + 3x)
    y.sum().backward()
    a = np.array([1.0, 2.0, 3.0])
    assert_close(x.grad, np.exp(a**2 + 3 * a) * (2 * a + 3), rtol=1e-6)
    assert y.grad_fn is not None and y.grad_fn.name() == "ExpBackward0"


def test_inplace_through_view_of_non_leaf(device: str) -> None:
    x = _leaf([[1.0, 2.0], [3.0, 4.0]], device)
    y = x * 1.0
    row = y[0]
    row.mul_(10)
    assert_close(y, [[10.0, 20.0], [3.0, 4.0]])
    y.sum().backward()
    assert_close(x.grad, [[10.0, 10.0], [1.0, 1.0]])
    x = _leaf([1.0, 2.0, 3.0, 4.0], device)
    y = x.clone()
    y.view(2, 2)[:, 1] += x[:2] * 2
    (y * ember.tensor([1.0, 2.0, 3.0, 4.0], dtype=ember.float64, device=device)).sum().backward()
    # y = [x0, x1 + 2 x0, x2, x3 + 2 x1]
    assert_close(x.grad, [1.0 + 2 * 2.0, 2.0 + 2 * 4.0, 3.0, 4.0])


def test_ties_as_pytorch(device: str) -> None:
    cases: list[tuple[Callable[[ember.Tensor], ember.Tensor], list[float], list[float]]] = [
        (lambda x: x.max(), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
        (lambda x: x.amax(), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
        (lambda x: x.min(), [1.0, 1.0, 3.0], [0.5, 0.5, 0.0]),
        (lambda x: x.max(0)[0], [1.0, 3.0, 3.0], [0.0, 1.0, 0.0]),
        (lambda x: x.min(0)[0], [2.0, 1.0, 1.0], [0.0, 1.0, 0.0]),
        (lambda x: x.clamp(0.0, 1.0).sum(), [-1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 1.0, 0.0]),
        (lambda x: x.relu().sum(), [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]),
        (lambda x: x.abs().sum(), [-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0]),
        (lambda x: x.median(), [2.0, 1.0, 3.0, 3.0], [1.0, 0.0, 0.0, 0.0]),
    ]
    for k, (fn, vals, grad) in enumerate(cases):
        x = _leaf(vals, device)
        fn(x).backward()
        assert_close(x.grad, grad, msg=f"case {k}: ")
    a, b = _leaf([1.0, 2.0], device), _leaf([1.0, 3.0], device)
    ember.maximum(a, b).sum().backward()
    assert_close(a.grad, [0.5, 0.0])
    assert_close(b.grad, [0.5, 1.0])


def test_where_clamp_cat_stack_split_grads(device: str) -> None:
    x = _leaf([-1.0, 2.0, -3.0], device)
    y = _leaf([10.0, 20.0, 30.0], device)
    ember.where(x > 0, x * 2, y * 3).sum().backward()
    assert_close(x.grad, [0.0, 2.0, 0.0])
    assert_close(y.grad, [3.0, 0.0, 3.0])
    a, b = _leaf([1.0, 2.0], device), _leaf([[3.0], [4.0]], device)
    out = ember.cat([a.unsqueeze(1), b], 1)
    (out * ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64, device=device)).sum().backward()
    assert_close(a.grad, [1.0, 3.0])
    assert_close(b.grad, [[2.0], [4.0]])
    a, b = _leaf([1.0, 2.0], device), _leaf([3.0, 4.0], device)
    (
        ember.stack([a, b]) * ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64, device=device)
    ).sum().backward()
    assert_close(a.grad, [1.0, 2.0])
    assert_close(b.grad, [3.0, 4.0])
    x = _leaf([1.0, 2.0, 3.0, 4.0, 5.0], device)
    p1, p2, p3 = x.split(2)
    (p1 * 1 + p2 * 2).sum().backward()  # p3 unused: its gradient is zero
    assert_close(x.grad, [1.0, 1.0, 2.0, 2.0, 0.0])
    _ = p3


def test_to_copy_grads(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    y = x.to(ember.float32)
    assert y.grad_fn is not None and y.grad_fn.name() == "ToCopyBackward0"
    (y * ember.tensor([3.0, 4.0], device=device)).sum().backward()
    assert x.grad.dtype == ember.float64
    assert_close(x.grad, [3.0, 4.0])
    x.grad = None
    c = x.to("cpu")
    (c * 2).sum().backward()
    assert x.grad.device == x.device
    assert_close(x.grad, [2.0, 2.0])
    i = x.to(ember.int64)
    assert not i.requires_grad


# --- grad modes ----------------------------------------------------------------------------------


def test_no_grad_context_and_decorator(device: str) -> None:
    x = _leaf([1.0], device)
    assert ember.is_grad_enabled()
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad and y.grad_fn is None
        with ember.enable_grad():
            assert ember.is_grad_enabled()
            assert (x * 2).requires_grad
    assert ember.is_grad_enabled()

    @ember.no_grad()
    def f(t: ember.Tensor) -> ember.Tensor:
        return t * 2

    assert not f(x).requires_grad

    @ember.no_grad
    def g(t: ember.Tensor) -> ember.Tensor:
        return t * 2

    assert not g(x).requires_grad and ember.is_grad_enabled()

    @ember.enable_grad()
    def h(t: ember.Tensor) -> ember.Tensor:
        return t * 2

    with ember.no_grad():
        assert h(x).requires_grad


def test_set_grad_enabled(device: str) -> None:
    x = _leaf([1.0], device)
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    ember.set_grad_enabled(False)
    try:
        assert not ember.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()

    @ember.set_grad_enabled(False)
    def f(t: ember.Tensor) -> ember.Tensor:
        return t * 2

    assert not f(x).requires_grad and ember.is_grad_enabled()


def test_inference_mode(device: str) -> None:
    x = _leaf([1.0], device)
    with ember.inference_mode():
        assert not ember.is_grad_enabled()
        assert not (x * 2).requires_grad
    with ember.inference_mode(False):
        assert (x * 2).requires_grad

    @ember.inference_mode()
    def f(t: ember.Tensor) -> ember.Tensor:
        return t * 2

    assert not f(x).requires_grad and ember.is_grad_enabled()


def test_grad_mode_restored_after_exception(device: str) -> None:
    with pytest.raises(ValueError):
        with ember.no_grad():
            raise ValueError("boom")
    assert ember.is_grad_enabled()


# --- custom Function -----------------------------------------------------------------------------


class _MulAdd(ember.autograd.Function):
    """out = x * y + 2; also returns an integer index output that is non-differentiable."""

    @staticmethod
    def forward(ctx: Any, x: ember.Tensor, y: ember.Tensor, scale: float) -> Any:
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        idx = (x > 0).long()
        ctx.mark_non_differentiable(idx)
        ctx.flags = tuple(ctx.needs_input_grad)
        return x * y * scale + 2, idx

    @staticmethod
    def backward(ctx: Any, g: ember.Tensor, g_idx: Any) -> Any:
        x, y = ctx.saved_tensors
        gx = g * y * ctx.scale if ctx.needs_input_grad[0] else None
        gy = g * x * ctx.scale if ctx.needs_input_grad[1] else None
        return gx, gy, None


def test_custom_function(device: str) -> None:
    x = _leaf([1.0, -2.0], device)
    y = ember.tensor([3.0, 4.0], dtype=ember.float64, device=device)  # no grad
    out, idx = _MulAdd.apply(x, y, 0.5)
    assert out.requires_grad and not idx.requires_grad
    assert_close(out, [3.5, -2.0])
    assert_close(idx, [1, 0], dtype="int64")
    assert "Backward" in out.grad_fn.name()
    out.sum().backward()
    assert_close(x.grad, [1.5, 2.0])
    assert y.grad is None
    y2 = _leaf([3.0, 4.0], device)
    assert gradcheck(lambda a, b: _MulAdd.apply(a, b, 1.5)[0], (_leaf([1.0, -2.0], device), y2))
    assert gradgradcheck(lambda a, b: _MulAdd.apply(a, b, 1.5)[0], (_leaf([1.0, -2.0], device), y2))


def test_custom_function_needs_input_grad(device: str) -> None:
    seen: dict[str, Any] = {}

    class Probe(ember.autograd.Function):
        @staticmethod
        def forward(ctx: Any, a: ember.Tensor, b: ember.Tensor) -> ember.Tensor:
            return a + b

        @staticmethod
        def backward(ctx: Any, g: ember.Tensor) -> Any:
            seen["needs"] = tuple(ctx.needs_input_grad)
            return g, g

    a = _leaf([1.0], device)
    b = ember.tensor([2.0], dtype=ember.float64, device=device)
    Probe.apply(a, b).sum().backward()
    assert seen["needs"] == (True, False)


# --- hooks, retain_grad, accumulation, higher order ----------------------------------------------


def test_tensor_hooks(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    seen: list[np.ndarray] = []
    h1 = x.register_hook(lambda g: seen.append(g.detach().cpu().numpy().copy()))
    h2 = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert_close(x.grad, [30.0, 30.0])
    assert seen and seen[0].tolist() == [3.0, 3.0]
    h2.remove()
    h1.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert_close(x.grad, [3.0, 3.0])
    assert len(seen) == 1
    # a hook on a non-leaf changes the gradient flowing further back
    x.grad = None
    y = x * 2
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    assert_close(x.grad, [4.0, 4.0])


def test_retain_grad(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    y = x * 3
    z = y * y
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z.sum().backward()
    assert_close(y.grad, [6.0, 12.0])
    assert_close(x.grad, [18.0, 36.0])
    w = x * 2
    w.sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert w.grad is None


def test_grad_accumulates(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert_close(x.grad, [2.0 + 3.0, 4.0 + 3.0])
    x.grad.zero_()
    (x * 1).sum().backward()
    assert_close(x.grad, [1.0, 1.0])
    x.grad = None
    y = x * x
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert_close(x.grad, [4.0, 8.0])


def test_create_graph_higher_order(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    y = (x**3).sum()
    (g1,) = ember.autograd.grad(y, x, create_graph=True)
    assert g1.requires_grad
    assert_close(g1, [3.0, 12.0])
    (g2,) = ember.autograd.grad(g1.sum(), x, create_graph=True)
    assert_close(g2, [6.0, 12.0])
    (g3,) = ember.autograd.grad(g2.sum(), x)
    assert_close(g3, [6.0, 6.0])
    # backward(create_graph=True) leaves a differentiable .grad
    z = _leaf([0.5], device)
    (z.sin() * z).sum().backward(create_graph=True)
    assert z.grad.requires_grad
    gz = z.grad
    z.grad = None
    gz.sum().backward()
    v = 0.5
    assert_close(z.grad, [2 * np.cos(v) - v * np.sin(v)], rtol=1e-7)


def test_backward_options(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    y = _leaf([3.0, 4.0], device)
    out = x * y
    out.backward(ember.tensor([1.0, 10.0], dtype=ember.float64, device=device))
    assert_close(x.grad, [3.0, 40.0])
    assert_close(y.grad, [1.0, 20.0])
    x.grad = y.grad = None
    (x * y).sum().backward(inputs=[x])
    assert_close(x.grad, [3.0, 4.0])
    assert y.grad is None
    x.grad = None
    ember.autograd.backward([(x * y).sum(), (x * 2).sum()])
    assert_close(x.grad, [5.0, 6.0])
    gx, gy = ember.autograd.grad((x * y).sum(), [x, y])
    assert_close(gx, [3.0, 4.0])
    assert_close(gy, [1.0, 2.0])
    (g,) = ember.autograd.grad(x * y, x, grad_outputs=ember.ones(2, dtype=ember.float64, device=device) * 2)
    assert_close(g, [6.0, 8.0])
    unused = _leaf([0.0], device)
    gx, gu = ember.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None
    gx, gu = ember.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    assert_close(gu, [0.0])


def test_grad_fn_graph(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    names = {
        "MulBackward0": x * 2,
        "AddBackward0": x + 1,
        "SubBackward0": x - 1,
        "DivBackward0": x / 2,
        "PowBackward0": x**2,
        "SumBackward0": x.sum(),
        "MeanBackward0": x.mean(),
        "ViewBackward0": x.view(2, 1),
        "ExpBackward0": x.exp(),
        "NegBackward0": -x,
        "TBackward0": x.view(1, 2).t(),
    }
    for name, t in names.items():
        assert not t.is_leaf and t.requires_grad
        assert t.grad_fn.name() == name, f"{t.grad_fn.name()} != {name}"
        assert type(t.grad_fn).__name__ == name
    y = x * 2 + x
    fns = y.grad_fn.next_functions
    assert len(fns) == 2
    assert fns[0][0].name() == "MulBackward0"
    acc = fns[1][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    assert (x * 2).grad_fn.next_functions[0][0].name().endswith("AccumulateGrad")
    c = ember.tensor([1.0], device=device)
    assert not c.requires_grad and c.requires_grad_() is c and c.requires_grad and c.is_leaf
    c.requires_grad_(False)
    assert not c.requires_grad
    d = (x * 2).detach()
    assert d.is_leaf and not d.requires_grad


# --- errors (issue 3, in PyTorch's words) --------------------------------------------------------


def test_backward_twice_without_retain_graph(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(
        RuntimeError, match="Trying to backward through the graph a second time.*Specify retain_graph=True"
    ):
        y.backward()


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
def test_requires_grad_on_integer_tensor(device: str, dtype: str) -> None:
    # NOTE: PyTorch words it two ways depending on the path; the issue quotes the first
    msg = "(?i)only Tensors of floating point (and complex )?dtype can require gradients"
    with pytest.raises(RuntimeError, match=msg):
        ember.tensor([1, 0], dtype=getattr(ember, dtype), device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match=msg):
        ember.zeros(2, dtype=getattr(ember, dtype), device=device).requires_grad_()
    t = ember.zeros(2, dtype=getattr(ember, dtype), device=device)
    with pytest.raises(RuntimeError, match=msg):
        t.requires_grad = True


def test_inplace_on_leaf_requiring_grad(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    msg = "a leaf Variable that requires grad is being used in an in-place operation."
    for op in (
        lambda t: t.add_(1),
        lambda t: t.mul_(2),
        lambda t: t.__setitem__(0, 5.0),
        lambda t: t.zero_(),
        lambda t: t.exp_(),
    ):
        with pytest.raises(RuntimeError, match=msg):
            op(x)
    with pytest.raises(RuntimeError, match=msg):
        x += 1
    with pytest.raises(RuntimeError, match=msg):
        x[0].mul_(2)  # through a view of the leaf
    assert_close(x, [1.0, 2.0])
    with ember.no_grad():
        x.add_(1)
        x[0] = 10.0
    assert_close(x, [10.0, 3.0])
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    x.data.mul_(2)
    assert_close(x, [20.0, 6.0])


def test_backward_on_non_scalar(device: str) -> None:
    x = _leaf([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        ember.autograd.grad(x * 2, x)


def test_backward_without_grad(device: str) -> None:
    x = ember.tensor([1.0], device=device)
    with pytest.raises(
        RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"
    ):
        (x * 2).sum().backward()


@pytest.mark.parametrize("case", ["exp_output", "mul_input", "view_of_saved", "pow_input"])
def test_saved_tensor_modified_inplace(device: str, case: str) -> None:
    x = _leaf([1.0, 2.0], device)
    msg = "one of the variables needed for gradient computation has been modified by an inplace operation"
    if case == "exp_output":
        a = x * 1
        b = a.exp()  # saves its output
        b.add_(1)
        out = b.sum()
    elif case == "mul_input":
        a = x * 1
        out = (a * a).sum()  # saves a
        a.mul_(3)
    elif case == "view_of_saved":
        a = x * 1
        out = (a.sin()).sum()  # saves a
        a[0] = 0.0
    else:
        a = x + 0
        out = (a**2).sum()
        a.sub_(1)
    with pytest.raises(RuntimeError, match=msg):
        out.backward()


def test_version_counter(device: str) -> None:
    x = ember.zeros(3, device=device)
    v0 = x._version
    x.add_(1)
    x[0] = 5.0
    assert x._version >= v0 + 2
    y = x[1:]
    v1 = x._version
    y.mul_(2)
    assert x._version > v1 and y._version == x._version


def test_grad_of_unused_input(device: str) -> None:
    x, z = _leaf([1.0], device), _leaf([2.0], device)
    # PyTorch 2.x names the index ("The differentiated Tensor at index 1 ..."); older ones said "One of"
    with pytest.raises(
        RuntimeError,
        match=r"appears to not have been used in the graph\. "
        r"Set allow_unused=True if this is the desired behavior\.",
    ):
        ember.autograd.grad((x * 2).sum(), [x, z])


# --- anomaly detection ---------------------------------------------------------------------------


def _anomaly_enabled() -> bool:
    fn = getattr(ember.autograd, "is_anomaly_enabled", None) or ember.is_anomaly_enabled
    return fn()


def _nan_in_backward(device: str) -> None:
    x = _leaf([0.0, 1.0], device)
    y = x.sqrt()  # its backward at 0 is inf; times the zero gradient of `* 0` it is nan
    (y * 0).sum().backward()


def test_detect_anomaly_names_forward_op(device: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ember.autograd.detect_anomaly():
            assert _anomaly_enabled()
            with pytest.raises(RuntimeError, match="SqrtBackward0") as exc:
                _nan_in_backward(device)
    assert not _anomaly_enabled()
    text = str(exc.value) + "\n".join(str(w.message) for w in caught)
    assert "nan" in text.lower()
    # the forward traceback points at the line that created the op
    assert os.path.basename(__file__) in text and "_nan_in_backward" in text, text


def test_set_detect_anomaly(device: str) -> None:
    ember.autograd.set_detect_anomaly(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="SqrtBackward0"):
                _nan_in_backward(device)
    finally:
        ember.autograd.set_detect_anomaly(False)
    assert not _anomaly_enabled()
    # without anomaly mode the nan flows silently, as in PyTorch
    x = _leaf([0.0], device)
    (x.sqrt() * 0).sum().backward()
    assert bool(ember.isnan(x.grad).all())


# --- parity with PyTorch on compositions ---------------------------------------------------------


COMPOSITIONS: dict[str, tuple[Callable[..., Any], list[tuple[int, ...]]]] = {
    "mlp": (lambda x, w, b: (x @ w + b).tanh().sum(-1), [(4, 3), (3, 5), (5,)]),
    "softmax": (lambda x: x.exp() / x.exp().sum(1, keepdim=True), [(3, 4)]),
    "layernorm": (
        lambda x: (x - x.mean(-1, keepdim=True)) / (x.var(-1, keepdim=True, unbiased=False) + 1e-5).sqrt(),
        [(3, 4)],
    ),
    "attention_like": (
        lambda q, k: lib_of(q).matmul((q @ k.transpose(-1, -2) / 2.0).sigmoid(), k),
        [(2, 3, 4), (2, 3, 4)],
    ),
    "index_mix": (lambda x: x[[0, 2, 2]].cumsum(0) * x[1:, ::2].sum(), [(3, 4)]),
}


@pytest.mark.parametrize("name", list(COMPOSITIONS))
def test_composition_parity(device: str, name: str) -> None:
    fn, shapes = COMPOSITIONS[name]
    helper_test_op(
        shapes,
        fn,
        device=device,
        dtype="float64",
        np_fn=None if name != "softmax" else (lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    )


def test_norm_gradient_at_zero_is_zero(device: str) -> None:
    # PyTorch's subgradient: d|x|/dx = 0 where the norm is 0 (not 0/0 = nan)
    x = ember.tensor([[3.0, 4.0], [0.0, 0.0]], device=device, requires_grad=True)
    y = x.norm(dim=1)
    assert y.grad_fn.name() == "LinalgVectorNormBackward0"
    y.sum().backward()
    assert_close(x.grad, np.array([[0.6, 0.8], [0.0, 0.0]]))
    z = ember.zeros(3, device=device, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


def test_softmax_methods_match_functional(device: str) -> None:
    x = ember.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], device=device)
    e = np.exp([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    ref = e / e.sum(1, keepdims=True)
    assert_close(x.softmax(1), ref)
    assert_close(ember.softmax(x, dim=-1), ref)
    assert_close(x.log_softmax(dim=1), np.log(ref))
    assert_close(ember.log_softmax(x, 1, dtype=ember.float64), np.log(ref), dtype="float64")
