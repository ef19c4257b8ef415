"""Shape ops and views: every shape op against NumPy, and memory sharing of views (a write
through a view is visible in its base and the other way round, on every backend)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ember

from . import strategies as S
from ._helpers import assert_close, helper_test_op, hyp_settings, lib_of


def _arange(shape: tuple[int, ...], device: str, dtype: str = "float32") -> ember.Tensor:
    n = int(np.prod(shape))
    return ember.arange(n, dtype=getattr(ember, dtype), device=device).reshape(shape)


def _np_arange(shape: tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)


# --- sizes ---------------------------------------------------------------------------------------


def test_size_and_shape(device: str) -> None:
    x = ember.zeros(2, 3, 4, device=device)
    assert x.shape == (2, 3, 4)
    assert isinstance(x.shape, ember.Size) and isinstance(x.shape, tuple)
    assert x.size() == ember.Size([2, 3, 4])
    assert x.size(1) == 3 and x.size(-1) == 4
    assert x.dim() == 3 and x.ndim == 3
    assert x.numel() == 24 and ember.numel(x) == 24
    assert repr(x.shape) == "ember.Size([2, 3, 4])"
    assert x.shape[1:] == ember.Size([3, 4]) and isinstance(x.shape[1:], ember.Size)
    assert ember.Size([2, 3]).numel() == 6
    assert ember.zeros((), device=device).shape == () and ember.zeros((), device=device).dim() == 0
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(3)


# --- views share memory --------------------------------------------------------------------------

# name -> (view op, the same op in NumPy); the base is arange((2, 3, 4))
VIEWS: dict[str, tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray]]] = {
    "view": (lambda x: x.view(6, 4), lambda a: a.reshape(6, 4)),
    "view_-1": (lambda x: x.view(-1), lambda a: a.reshape(-1)),
    "reshape": (lambda x: x.reshape(4, 6), lambda a: a.reshape(4, 6)),
    "flatten": (lambda x: x.flatten(1), lambda a: a.reshape(2, 12)),
    "unflatten": (lambda x: x.unflatten(2, (2, 2)), lambda a: a.reshape(2, 3, 2, 2)),
    "basic_index": (lambda x: x[1, :, 1:3], lambda a: a[1, :, 1:3]),
    "step_slice": (lambda x: x[:, ::2, ::3], lambda a: a[:, ::2, ::3]),
    "none_ellipsis": (lambda x: x[None, ..., 0], lambda a: a[None, ..., 0]),
    "transpose": (lambda x: x.transpose(0, 2), lambda a: a.transpose(2, 1, 0)),
    "permute": (lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    "t": (lambda x: x[0].t(), lambda a: a[0].T),
    "T": (lambda x: x[1].T, lambda a: a[1].T),
    "mT": (lambda x: x.mT, lambda a: np.swapaxes(a, -1, -2)),
    "squeeze": (lambda x: x[:, :1].squeeze(1), lambda a: a[:, 0]),
    "unsqueeze": (lambda x: x.unsqueeze(1), lambda a: a[:, None]),
    "expand": (lambda x: x[:, :1].expand(2, 3, 4), lambda a: np.broadcast_to(a[:, :1], (2, 3, 4))),
    "narrow": (lambda x: x.narrow(1, 1, 2), lambda a: a[:, 1:3]),
    "select": (lambda x: x.select(2, 3), lambda a: a[:, :, 3]),
    # NOTE: np.diagonal is read-only; einsum with a repeated index gives the same view, writable
    "diagonal": (lambda x: x.diagonal(0, 1, 2), lambda a: np.einsum("ijj->ij", a[:, :, :3])),
    "movedim": (lambda x: x.movedim(0, 2), lambda a: np.moveaxis(a, 0, 2)),
    "split": (lambda x: x.split(2, dim=2)[1], lambda a: a[:, :, 2:4]),
    "chunk": (lambda x: x.chunk(3, dim=1)[2], lambda a: a[:, 2:3]),
    "unbind": (lambda x: x.unbind(1)[1], lambda a: a[:, 1]),
    "detach": (lambda x: x.detach(), lambda a: a),
    "view_as": (lambda x: x.view_as(ember.zeros(24)), lambda a: a.reshape(24)),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_shares_memory(device: str, name: str) -> None:
    op, np_op = VIEWS[name]
    base = _arange((2, 3, 4), device)
    ref = _np_arange((2, 3, 4))
    v = op(base)
    r = np_op(ref)
    assert_close(v, r, dtype="float32")
    # write through the view: the base sees it (expand views share, so write the base instead)
    if name != "expand":
        v.mul_(-1)
        np_op(ref)[...] = -np_op(ref)
        assert_close(base, ref, msg="base after writing through the view: ")
        assert_close(v, np_op(ref), msg="view after writing through it: ")
    # write the base: the view sees it
    base.add_(100)
    ref += 100
    assert_close(v, np_op(ref), msg="view after writing the base: ")
    base[0] = 7.0
    ref[0] = 7.0
    assert_close(v, np_op(ref), msg="view after setitem on the base: ")


def test_setitem_through_view_of_view(device: str) -> None:
    base = _arange((4, 6), device)
    ref = _np_arange((4, 6))
    v = base[1:].t()[::2]
    v[1, 2] = -5.0
    ref[1:].T[::2][1, 2] = -5.0
    assert_close(base, ref)
    v.fill_(0.5)
    ref[1:].T[::2] = 0.5
    assert_close(base, ref)
    v2 = base.view(2, 12)
    v2[1] += 1
    ref.reshape(2, 12)[1] += 1
    assert_close(base, ref)


def test_view_version_counter_shared(device: str) -> None:
    base = ember.zeros(3, 4, device=device)
    v = base[1]
    before = base._version
    v.add_(1)
    assert base._version > before
    assert v._version == base._version


def test_reshape_copies_when_needed(device: str) -> None:
    x = _arange((3, 4), device)
    y = x.t().reshape(12)  # non-contiguous: reshape copies
    assert_close(y, _np_arange((3, 4)).T.reshape(12))
    y[0] = 99.0
    assert x[0, 0].item() == 0.0


def test_view_of_non_contiguous_raises(device: str) -> None:
    x = _arange((3, 4), device)
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's size and stride"):
        x.t().view(12)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x[:, :2].view(-1)
    # a view that keeps the strides compatible is allowed on a non-contiguous tensor
    assert_close(x[:, ::2].view(-1), _np_arange((3, 4))[:, ::2].reshape(-1))
    assert_close(x.t().view(4, 3), _np_arange((3, 4)).T)
    assert_close(x.t().contiguous().view(12), _np_arange((3, 4)).T.reshape(12))


def test_view_bad_sizes(device: str) -> None:
    x = _arange((3, 4), device)
    with pytest.raises(RuntimeError, match=r"shape '\[5, -1\]' is invalid for input of size 12"):
        x.view(5, -1)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match=r"shape '\[5\]' is invalid for input of size 12"):
        x.reshape(5)


def test_is_contiguous_and_stride(device: str) -> None:
    x = _arange((2, 3, 4), device)
    assert x.is_contiguous()
    assert x.stride() == (12, 4, 1)
    assert x.stride(1) == 4
    t = x.transpose(0, 2)
    assert not t.is_contiguous()
    assert t.stride() == (1, 4, 12)
    c = t.contiguous()
    assert c.is_contiguous()
    assert_close(c, _np_arange((2, 3, 4)).transpose(2, 1, 0))
    assert x.contiguous() is x
    assert x[:, 1].stride() == (12, 1)
    assert x[:, :, ::2].stride() == (12, 4, 2)
    assert x[:, :1].expand(2, 5, 4).stride() == (12, 0, 1)


# --- every shape op against NumPy ----------------------------------------------------------------


SHAPE_OPS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    # name: (ember/torch lambda on x of shape (2, 3, 4), NumPy reference)
    "reshape": (lambda x: x.reshape(3, -1), lambda a: a.reshape(3, -1)),
    "reshape_tuple": (lambda x: x.reshape((4, 6)), lambda a: a.reshape(4, 6)),
    "view": (lambda x: x.view(2, 12), lambda a: a.reshape(2, 12)),
    "flatten": (lambda x: x.flatten(), lambda a: a.reshape(-1)),
    "flatten_range": (lambda x: x.flatten(0, 1), lambda a: a.reshape(6, 4)),
    "unflatten": (lambda x: x.unflatten(-1, (2, -1)), lambda a: a.reshape(2, 3, 2, 2)),
    "squeeze_all": (lambda x: x[:, :1, None].squeeze(), lambda a: a[:, 0]),
    "squeeze_noop": (lambda x: x.squeeze(0), lambda a: a),
    "squeeze_tuple": (lambda x: x[:1, :1].squeeze((0, 1)), lambda a: a[0, 0]),
    "unsqueeze_neg": (lambda x: x.unsqueeze(-1), lambda a: a[..., None]),
    "transpose_neg": (lambda x: x.transpose(-1, -3), lambda a: np.swapaxes(a, -1, -3)),
    "swapaxes": (lambda x: x.swapaxes(0, 1), lambda a: np.swapaxes(a, 0, 1)),
    "permute_tuple": (lambda x: x.permute((1, 2, 0)), lambda a: a.transpose(1, 2, 0)),
    "expand_neg": (lambda x: x[:, :1].expand(-1, 5, -1), lambda a: np.broadcast_to(a[:, :1], (2, 5, 4))),
    "expand_new_dims": (lambda x: x.expand(2, 2, 3, 4), lambda a: np.broadcast_to(a, (2, 2, 3, 4))),
    "expand_as": (lambda x: x[:1].expand_as(x), lambda a: np.broadcast_to(a[:1], a.shape)),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3))),
    "repeat_more_dims": (lambda x: x.repeat(2, 1, 1, 2), lambda a: np.tile(a, (2, 1, 1, 2))),
    "tile": (lambda x: x.tile((2,)), lambda a: np.tile(a, (1, 1, 2))),
    "repeat_interleave": (lambda x: x.repeat_interleave(2, dim=1), lambda a: np.repeat(a, 2, axis=1)),
    "narrow_neg": (lambda x: x.narrow(-1, 1, 3), lambda a: a[..., 1:4]),
    "select_neg": (lambda x: x.select(0, -1), lambda a: a[-1]),
    "flip": (lambda x: x.flip(0, 2), lambda a: np.flip(a, (0, 2))),
    "flip_list": (lambda x: x.flip([1]), lambda a: np.flip(a, 1)),
    "roll": (lambda x: x.roll(1, 2), lambda a: np.roll(a, 1, 2)),
    "roll_multi": (lambda x: x.roll((1, -2), (0, 2)), lambda a: np.roll(a, (1, -2), (0, 2))),
    "roll_flat": (lambda x: x.roll(5), lambda a: np.roll(a, 5)),
    "tril": (lambda x: x.tril(), lambda a: np.tril(a)),
    "tril_k": (lambda x: x.tril(-1), lambda a: np.tril(a, -1)),
    "triu": (lambda x: x.triu(1), lambda a: np.triu(a, 1)),
    "diagonal": (lambda x: x.diagonal(), lambda a: np.diagonal(a, 0, 0, 1)),
    "diagonal_offset": (lambda x: x.diagonal(1, -2, -1), lambda a: np.diagonal(a, 1, -2, -1)),
    "contiguous_t": (lambda x: x.transpose(0, 1).contiguous(), lambda a: np.swapaxes(a, 0, 1)),
    "clone": (lambda x: x.clone(), lambda a: a.copy()),
    "movedim_multi": (lambda x: x.movedim((0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0))),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op(device: str, name: str) -> None:
    fn, ref = SHAPE_OPS[name]
    helper_test_op([(2, 3, 4)], fn, device=device, np_fn=ref)


def test_split_chunk_unbind(device: str) -> None:
    x = _arange((5, 6), device)
    a = _np_arange((5, 6))
    parts = x.split(2)
    assert [tuple(p.shape) for p in parts] == [(2, 6), (2, 6), (1, 6)]
    assert_close(parts[2], a[4:])
    parts = ember.split(x, [1, 4], dim=0)
    assert [tuple(p.shape) for p in parts] == [(1, 6), (4, 6)]
    parts = x.split([2, 3, 1], dim=1)
    assert_close(parts[1], a[:, 2:5])
    assert isinstance(parts, tuple)
    ch = x.chunk(4, dim=1)  # PyTorch: chunks of ceil(6/4)=2, so only 3 chunks
    assert [tuple(c.shape) for c in ch] == [(5, 2), (5, 2), (5, 2)]
    ch = ember.chunk(x, 2)
    assert [tuple(c.shape) for c in ch] == [(3, 6), (2, 6)]
    ub = x.unbind(1)
    assert len(ub) == 6
    assert_close(ub[3], a[:, 3])
    ts = ember.tensor_split(x, 3, dim=1)
    assert [tuple(t.shape) for t in ts] == [(5, 2), (5, 2), (5, 2)]
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly to 5"):
        x.split([1, 2])
    helper_test_op([(5, 6)], lambda t: t.split(2)[1] * 2, device=device, np_fn=lambda t: t[2:4] * 2)
    helper_test_op([(5, 6)], lambda t: t.chunk(3, 1)[2], device=device, np_fn=lambda t: t[:, 4:6])


def test_cat_stack(device: str) -> None:
    a, b = _arange((2, 3), device), _arange((4, 3), device) + 10
    ra, rb = _np_arange((2, 3)), _np_arange((4, 3)) + 10
    assert_close(ember.cat([a, b]), np.concatenate([ra, rb]))
    assert_close(ember.cat((a, b), dim=0), np.concatenate([ra, rb]))
    assert_close(ember.cat([a.t(), b.t()], dim=-1), np.concatenate([ra.T, rb.T], -1))
    assert_close(ember.concat([a, a], 1), np.concatenate([ra, ra], 1))
    assert_close(ember.concatenate([a, a], 1), np.concatenate([ra, ra], 1))
    assert_close(ember.stack([a, a + 1]), np.stack([ra, ra + 1]))
    assert_close(ember.stack([a, a + 1], dim=-1), np.stack([ra, ra + 1], -1))
    assert_close(ember.hstack([a, a]), np.hstack([ra, ra]))
    assert_close(ember.vstack([a, b]), np.vstack([ra, rb]))
    # mixed dtypes promote, as in PyTorch
    i = ember.tensor([[1, 2, 3]], device=device)
    assert ember.cat([a, i]).dtype == ember.float32
    # empty 1-d tensors are skipped by cat (legacy PyTorch behaviour)
    assert_close(ember.cat([a, ember.tensor([], device=device)]), ra)
    helper_test_op(
        [(2, 3), (4, 3)],
        lambda x, y: lib_of(x).cat([x, y]),
        device=device,
        np_fn=lambda x, y: np.concatenate([x, y]),
    )
    helper_test_op(
        [(2, 3), (2, 3)],
        lambda x, y: lib_of(x).stack([x, y], 1),
        device=device,
        np_fn=lambda x, y: np.stack([x, y], 1),
    )


def test_cat_stack_errors(device: str) -> None:
    a, b = ember.zeros(2, 3, device=device), ember.zeros(2, 4, device=device)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
        ember.cat([a, b])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        ember.stack([a, b])
    with pytest.raises((RuntimeError, ValueError), match="expected a non-empty list of Tensors|non-empty"):
        ember.cat([])


def test_diag_and_triangular(device: str) -> None:
    v = ember.tensor([1.0, 2.0, 3.0], device=device)
    assert_close(ember.diag(v), np.diag([1.0, 2.0, 3.0]))
    assert_close(ember.diag(v, 1), np.diag([1.0, 2.0, 3.0], 1))
    m = _arange((3, 4), device)
    assert_close(ember.diag(m), np.diag(_np_arange((3, 4))))
    assert_close(ember.diag(m, -1), np.diag(_np_arange((3, 4)), -1))
    assert_close(ember.tril(m, 1), np.tril(_np_arange((3, 4)), 1))
    assert_close(ember.triu(m, -1), np.triu(_np_arange((3, 4)), -1))
    assert_close(ember.diag_embed(v), np.diag([1.0, 2.0, 3.0]))
    m.tril_()
    assert_close(m, np.tril(_np_arange((3, 4))))
    helper_test_op([(3,)], lambda t: t.diag(), device=device, np_fn=np.diag)
    helper_test_op([(4, 4)], lambda t: t.diag(), device=device, np_fn=np.diag)


def test_flip_roll_helpers(device: str) -> None:
    x = _arange((2, 3), device)
    a = _np_arange((2, 3))
    assert_close(ember.fliplr(x), np.fliplr(a))
    assert_close(ember.flipud(x), np.flipud(a))
    assert_close(ember.roll(x, -1, 1), np.roll(a, -1, 1))


def test_shape_op_errors(device: str) -> None:
    x = ember.zeros(2, 3, device=device)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.transpose(0, 2)
    with pytest.raises(RuntimeError, match="number of dimensions in the tensor input does not match"):
        x.permute(1, 0, 2)
    with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="The expanded size of the tensor"):
        x.expand(4, 3, 5)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller"):
        x.repeat(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.unsqueeze(3)
    with pytest.raises(RuntimeError, match="start .* \\+ length .* exceeds dimension size"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match="index 5 out of range"):
        x.select(1, 5)


@given(data=st.data())
@hyp_settings()
def test_reshape_permute_hypothesis(device: str, data: Any) -> None:
    shape = data.draw(S.shapes(), label="shape")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    x = ember.tensor(a, dtype=ember.float64, device=device)
    perm = data.draw(st.permutations(range(len(shape))), label="perm")
    p = x.permute(perm)
    assert_close(p, a.transpose(perm))
    new = data.draw(st.permutations(list(shape)), label="newshape")
    r = p.reshape(tuple(new))
    assert_close(r, a.transpose(perm).reshape(tuple(new)))
    assert_close(x.flatten(), a.reshape(-1))
    # a write through the permuted view reaches the base
    idx = tuple(data.draw(st.integers(0, n - 1), label="idx") for n in a.transpose(perm).shape)
    p[idx] = -1.0
    expected = a.copy()
    expected.transpose(perm)[idx] = -1.0
    assert_close(x, expected)


@given(data=st.data())
@hyp_settings()
def test_squeeze_unsqueeze_hypothesis(device: str, data: Any) -> None:
    shape = data.draw(S.shapes(min_side=1, max_side=2), label="shape")
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    x = ember.tensor(a, device=device)
    assert_close(x.squeeze(), a.squeeze())
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)), label="dim")
    assert_close(x.unsqueeze(dim), np.expand_dims(a, dim))
    if shape:
        d = data.draw(st.integers(-len(shape), len(shape) - 1), label="sq_dim")
        expected = a.squeeze(d) if shape[d] == 1 else a
        assert_close(x.squeeze(d), expected)
