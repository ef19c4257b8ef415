"""Hardening (issue 14): bad input raises PyTorch's exception type in PyTorch's words on every backend, and
inf/NaN/zero-division results come back as PyTorch computes them, with no NumPy RuntimeWarning.

Each case is one lambda over a library (``ember`` or ``torch``) and a device, so the expectation it encodes is
checked against PyTorch too where PyTorch is installed."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ember

from ._helpers import get_torch, require_torch, to_numpy


def _long(lib: Any, dev: str, values: Any) -> Any:
    return lib.tensor(values, dtype=lib.int64, device=dev)


def _hooked(lib: Any, dev: str, result: Callable[[Any], Any], leaf: bool) -> None:
    """Backward through a tensor whose hook returns ``result(lib)`` in place of its gradient."""
    a = lib.ones(3, device=dev, requires_grad=True)
    b = a if leaf else a * 2
    b.register_hook(lambda g: result(lib))
    (b * 2).sum().backward()


def _nll(lib: Any, dev: str, target: Any, shape: tuple[int, ...] = (3, 4), **kw: Any) -> Any:
    return lib.nn.functional.nll_loss(lib.zeros(shape, device=dev), _long(lib, dev, target), **kw)


def _ce(lib: Any, dev: str, target: Any, shape: tuple[int, ...] = (3, 4), **kw: Any) -> Any:
    t = target if not isinstance(target, list) else _long(lib, dev, target)
    return lib.nn.functional.cross_entropy(lib.zeros(shape, device=dev), t, **kw)


def _float_target(lib: Any, dev: str, shape: tuple[int, ...], target: tuple[int, ...], **kw: Any) -> Any:
    return lib.nn.functional.cross_entropy(lib.zeros(shape, device=dev), lib.ones(target, device=dev), **kw)


Case = tuple[str, Callable[[Any, str], Any], type, str]

#: (id, lambda lib, device: ..., PyTorch's exception type, a regex of its message), recorded from torch 2.13
ERRORS: list[Case] = [
    ("zeros-str", lambda lib, d: lib.zeros("a", device=d), TypeError, r"argument 'size'.*tuple of ints"),
    ("ones-int-str", lambda lib, d: lib.ones(2, "a", device=d), TypeError, r"argument 'size'.*tuple of ints"),
    ("empty-none", lambda lib, d: lib.empty(None, device=d), TypeError, r"argument 'size'.*tuple of ints"),
    # class-index targets out of [0, C): the same IndexError on every backend
    ("nll-target-neg", lambda lib, d: _nll(lib, d, [0, -1, 2]), IndexError, r"^Target -1 is out of bounds\.$"),
    ("nll-target-high", lambda lib, d: _nll(lib, d, [0, 4, 2]), IndexError, r"^Target 4 is out of bounds\.$"),
    ("nll-first-bad", lambda lib, d: _nll(lib, d, [0, 5, -1]), IndexError, r"^Target 5 is"),
    ("nll-ignore-in-range", lambda lib, d: _nll(lib, d, [0, 1, -1], ignore_index=1), IndexError, r"Target -1 "),
    ("nll-spatial", lambda lib, d: _nll(lib, d, [[[-1, 0]]], shape=(1, 3, 1, 2)), IndexError, r"Target -1 "),
    ("ce-target-neg", lambda lib, d: _ce(lib, d, [0, -1, 2]), IndexError, r"^Target -1 is out of bounds\.$"),
    ("ce-target-high", lambda lib, d: _ce(lib, d, [0, 4, 2]), IndexError, r"^Target 4 is out of bounds\.$"),
    ("ce-smoothing", lambda lib, d: _ce(lib, d, [0, 5, 2], label_smoothing=0.1), IndexError, r"Target 5 "),
    ("ce-weight", lambda lib, d: _ce(lib, d, [0, 4, 2], weight=lib.ones(4, device=d)), IndexError, r"Target 4 "),
    ("ce-spatial", lambda lib, d: _ce(lib, d, [[[3, 0]]], shape=(1, 3, 1, 2)), IndexError, r"Target 3 "),
    # float targets not shaped as the input are read as class indices, as PyTorch reads them
    ("ce-float-2d", lambda lib, d: _float_target(lib, d, (3, 4), (3, 5)), RuntimeError,
     r"0D or 1D target tensor expected, multi-target not supported"),
    ("ce-float-batch", lambda lib, d: _float_target(lib, d, (3, 4), (4, 4)), ValueError,
     r"Expected input batch_size \(3\) to match target batch_size \(4\)\."),
    ("ce-float-1d", lambda lib, d: _float_target(lib, d, (3, 4), (3,)), RuntimeError,
     r"expected target dtype to be Long or Byte, but got Float"),
    ("ce-float-spatial", lambda lib, d: _float_target(lib, d, (2, 3, 4, 4), (2, 3, 4, 5)), RuntimeError,
     r"only batches of spatial targets supported \(3D tensors\) but got targets of dimension: 4"),
    ("ce-long-probabilities", lambda lib, d: _ce(lib, d, _long(lib, d, [[0] * 4] * 3)), RuntimeError,
     r"Expected floating point type for target with class probabilities, got Long"),
    ("ce-probabilities-ignore", lambda lib, d: _float_target(lib, d, (3, 4), (3, 4), ignore_index=1), RuntimeError,
     r"ignore_index is not supported for floating point target"),
    ("nll-int32-target", lambda lib, d: lib.nn.functional.nll_loss(
        lib.zeros(3, 4, device=d), lib.zeros(3, dtype=lib.int32, device=d)), RuntimeError,
     r"expected target dtype to be Long or Byte, but got Int"),
    # reshape/view with -1 and a 0: ambiguous for an empty tensor
    ("reshape-0-neg1", lambda lib, d: lib.zeros(0, device=d).reshape(0, -1), RuntimeError,
     r"cannot reshape tensor of 0 elements into shape \[0, -1\] because the unspecified dimension size -1 can be "
     r"any value and is ambiguous"),
    ("view-neg1-0", lambda lib, d: lib.zeros(0, 3, device=d).view(-1, 0), RuntimeError,
     r"cannot reshape tensor of 0 elements into shape \[-1, 0\]"),
    ("reshape-0-neg1-nonempty", lambda lib, d: lib.zeros(2, 3, device=d).reshape(0, -1), RuntimeError,
     r"shape '\[0, -1\]' is invalid for input of size 6"),
    ("reshape-neg2", lambda lib, d: lib.zeros(4, device=d).reshape(-2, 2), RuntimeError,
     r"invalid shape dimension -2 at index 0 of shape \[-2, 2\]"),
    # scatter/gather: the dim first, then the index's dtype, shape and bounds
    ("scatter_-dim", lambda lib, d: lib.zeros(3, 4, device=d).scatter_(2, lib.zeros(3, 4, device=d), 1.0),
     IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    ("scatter_-dim-neg", lambda lib, d: lib.zeros(3, device=d).scatter_(-2, _long(lib, d, [0]), 1.0),
     IndexError, r"Dimension out of range \(expected to be in range of \[-1, 0\], but got -2\)"),
    ("scatter_-index-dtype", lambda lib, d: lib.zeros(3, 4, device=d).scatter_(1, lib.zeros(3, 4, device=d), 1.0),
     RuntimeError, r"scatter\(\): Expected dtype int32/int64 for index"),
    ("scatter_-index-ndim", lambda lib, d: lib.zeros(3, 4, device=d).scatter_(1, _long(lib, d, [0, 1, 2]), 1.0),
     RuntimeError, r"Index tensor must have the same number of dimensions as self tensor"),
    ("scatter_-index-neg", lambda lib, d: lib.zeros(3, 4, device=d).scatter_(1, _long(lib, d, [[-1]]), 1.0),
     RuntimeError, r"index -1 is out of bounds for dimension 1 with size 4"),
    ("scatter_-src-small", lambda lib, d: lib.zeros(3, 4, device=d).scatter_(
        1, _long(lib, d, [[0]] * 3), lib.ones(2, 1, device=d)), RuntimeError,
     r"Expected index \[3, 1\] to be no larger than self \[3, 4\] apart from dimension 1 and to be no larger "
     r"size than src \[2, 1\]"),
    ("scatter_-src-dtype", lambda lib, d: lib.zeros(3, 4, device=d).scatter_(
        1, _long(lib, d, [[0]]), lib.ones(1, 1, dtype=lib.float64, device=d)), RuntimeError,
     r"scatter\(\): Expected self.dtype to be equal to src.dtype"),
    ("scatter_add-high", lambda lib, d: lib.zeros(3, 4, device=d).scatter_add(
        1, _long(lib, d, [[4]]), lib.ones(1, 1, device=d)), RuntimeError,
     r"index 4 is out of bounds for dimension 1 with size 4"),
    ("gather-neg", lambda lib, d: lib.zeros(3, 4, device=d).gather(1, _long(lib, d, [[-1]])), RuntimeError,
     r"index -1 is out of bounds for dimension 1 with size 4"),
    ("gather-index-big", lambda lib, d: lib.zeros(3, 4, device=d).gather(1, _long(lib, d, [[0]] * 4)),
     RuntimeError, r"Size does not match at dimension 0 expected index \[4, 1\] to be no larger than self \[3, 4\] "
     r"apart from dimension 1"),
    # index_put: the bounds say "dimension" (NumPy says "axis"), a failed broadcast is a RuntimeError
    ("index_put_-high", lambda lib, d: lib.zeros(5, device=d).index_put_(
        (_long(lib, d, [7]),), lib.tensor(1.0, device=d)), IndexError,
     r"index 7 is out of bounds for dimension 0 with size 5"),
    ("index_put_-accumulate", lambda lib, d: lib.zeros(5, device=d).index_put_(
        (_long(lib, d, [-6]),), lib.tensor(1.0, device=d), accumulate=True), IndexError,
     r"index -6 is out of bounds for dimension 0 with size 5"),
    ("index_put-2d", lambda lib, d: lib.zeros(3, 4, device=d).index_put(
        (_long(lib, d, [1]), _long(lib, d, [9])), lib.tensor(1.0, device=d)), IndexError,
     r"index 9 is out of bounds for dimension 1 with size 4"),
    ("index_put_-too-many", lambda lib, d: lib.zeros(5, device=d).index_put_(
        (_long(lib, d, [1]), _long(lib, d, [1])), lib.tensor(1.0, device=d)), IndexError,
     r"too many indices for tensor of dimension 1 \(got 2\)"),
    ("index_put_-value-shape", lambda lib, d: lib.zeros(5, device=d).index_put_(
        (_long(lib, d, [1, 2]),), lib.ones(3, device=d)), RuntimeError,
     r"shape mismatch: value tensor of shape \[3\] cannot be broadcast to indexing result of shape \[2\]"),
    ("setitem-high", lambda lib, d: lib.zeros(5, device=d).__setitem__(_long(lib, d, [7]), 1.0), IndexError,
     r"index 7 is out of bounds for dimension 0 with size 5"),
    # tensor hooks may replace a gradient only with a tensor of its type and size
    ("hook-leaf-size", lambda lib, d: _hooked(lib, d, lambda m: m.ones(4, device=d), True), RuntimeError,
     r"hook '<lambda>' has changed the size of value"),
    ("hook-leaf-not-tensor", lambda lib, d: _hooked(lib, d, lambda m: 3.0, True), TypeError,
     r"expected Variable, but hook returned 'float'"),
    ("hook-size", lambda lib, d: _hooked(lib, d, lambda m: m.ones(2, 3, device=d), False), RuntimeError,
     r"hook '<lambda>' has changed the size of value"),
    ("hook-not-tensor", lambda lib, d: _hooked(lib, d, lambda m: [1.0, 2.0, 3.0], False), TypeError,
     r"expected Variable, but hook returned 'list'"),
    ("hook-dtype", lambda lib, d: _hooked(lib, d, lambda m: m.ones(3, dtype=m.float64, device=d), False),
     RuntimeError, r"hook '<lambda>' has changed the type of value"),
]


@pytest.mark.parametrize("fn, exc, msg", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_error_words(device: str, fn: Callable[[Any, str], Any], exc: type, msg: str) -> None:
    with pytest.raises(exc, match=msg):
        fn(ember, device)


@pytest.mark.parametrize("fn, exc, msg", [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_error_words_are_pytorchs(fn: Callable[[Any, str], Any], exc: type, msg: str) -> None:
    """The expectation above is what PyTorch raises (its type and a message the regex matches)."""
    torch = require_torch()
    with pytest.raises(exc, match=msg):
        fn(torch, "cpu")


def _backward_log_at_zero(lib: Any, dev: str) -> Any:
    x = lib.zeros(2, device=dev, requires_grad=True)
    x.log().sum().backward()
    return x.grad


_INF, _NAN = math.inf, math.nan

#: (id, lambda lib, device: result, PyTorch's value, or None where only the dtype is PyTorch's: the integer a NaN
#: casts to is the platform's (x86: the most negative), not a value PyTorch documents)
SILENT: list[tuple[str, Callable[[Any, str], Any], Any]] = [
    ("log-0", lambda lib, d: lib.zeros(2, device=d).log(), [-_INF, -_INF]),
    ("log-neg", lambda lib, d: lib.tensor([-1.0], device=d).log(), [_NAN]),
    ("log1p-neg1", lambda lib, d: lib.tensor([-1.0], device=d).log1p(), [-_INF]),
    ("log-backward-0", _backward_log_at_zero, [_INF, _INF]),
    ("scalar-div-0", lambda lib, d: 1 / lib.zeros(2, device=d), [_INF, _INF]),
    ("div-0", lambda lib, d: lib.tensor([1.0, 0.0], device=d) / lib.zeros(2, device=d), [_INF, _NAN]),
    ("reciprocal-0", lambda lib, d: lib.zeros(2, device=d).reciprocal(), [_INF, _INF]),
    ("pow-0-neg1", lambda lib, d: lib.zeros(2, device=d) ** -1, [_INF, _INF]),
    ("sqrt-neg", lambda lib, d: lib.tensor([-1.0], device=d).sqrt(), [_NAN]),
    ("fmod-0", lambda lib, d: lib.fmod(lib.tensor([1.0], device=d), 0.0), [_NAN]),
    ("remainder-0", lambda lib, d: lib.remainder(lib.tensor([1.0], device=d), 0.0), [_NAN]),
    ("softmax-inf", lambda lib, d: lib.tensor([_INF, 1.0], device=d).softmax(0), [_NAN, _NAN]),
    ("log_softmax-inf", lambda lib, d: lib.tensor([_INF, 1.0], device=d).log_softmax(0), [_NAN, _NAN]),
    ("cross_entropy-inf", lambda lib, d: lib.nn.functional.cross_entropy(
        lib.tensor([[_INF, 1.0]], device=d), _long(lib, d, [0])), _NAN),
    ("cross_entropy-neg-inf", lambda lib, d: lib.nn.functional.cross_entropy(
        lib.tensor([[-_INF, 1.0]], device=d), _long(lib, d, [0])), _INF),
    ("nan-to-int32", lambda lib, d: lib.tensor([_NAN, _INF], device=d).to(lib.int32), None),
    ("nan-to-int64", lambda lib, d: lib.tensor([_NAN], device=d).long(), None),
    ("nan-to-uint8", lambda lib, d: lib.tensor([_NAN], device=d).to(lib.uint8), None),
    ("mean-empty", lambda lib, d: lib.zeros(0, device=d).mean(), _NAN),
    ("mean-empty-dim", lambda lib, d: lib.zeros(0, 3, device=d).mean(0), [_NAN, _NAN, _NAN]),
]


@pytest.mark.parametrize("fn, expected", [c[1:] for c in SILENT], ids=[c[0] for c in SILENT])
def test_no_numpy_warnings(device: str, fn: Callable[[Any, str], Any], expected: Any) -> None:
    """PyTorch computes these silently: with every warning an error, the result is PyTorch's."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = fn(ember, device)
    torch = get_torch()
    if expected is None:
        assert torch is None or r.dtype.name == str(fn(torch, "cpu").dtype).removeprefix("torch."), r.dtype
        assert not r.dtype.is_floating_point, r.dtype
        return
    np.testing.assert_array_equal(to_numpy(r), np.asarray(expected, dtype=to_numpy(r).dtype))


@pytest.mark.parametrize("fn, expected", [c[1:] for c in SILENT], ids=[c[0] for c in SILENT])
def test_no_numpy_warnings_pytorch_silent(fn: Callable[[Any, str], Any], expected: Any) -> None:
    """The cases above are silent in PyTorch too, with the values written there."""
    torch = require_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = fn(torch, "cpu")
    if expected is not None:
        np.testing.assert_array_equal(r.detach().numpy(), np.asarray(expected, dtype=r.detach().numpy().dtype))
