"""Bad input (Foundation issue): each case raises PyTorch's exception type with a message that
says what was wrong. (Autograd's errors are in ``test_autograd.py``.)"""

from __future__ import annotations

import pytest

import ember

from ._helpers import backend_of


def _other_available_device(device: str) -> str | None:
    """A device of another available backend than the one under test, or None."""
    from ember.plugins import registered_backends

    mine = backend_of(device).name
    for be in registered_backends().values():
        if be.name == mine:
            continue
        try:
            if be.is_available():
                return be.device_type
        except Exception:  # noqa: BLE001 - a broken backend is simply not a candidate
            continue
    return None


@pytest.mark.parametrize(
    "a, b, msg",
    [
        (
            (2, 3),
            (2, 4),
            r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1",
        ),
        (
            (5, 1, 3),
            (4, 2),
            r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton dimension 2",
        ),
        (
            (3,),
            (4,),
            r"The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 0",
        ),
    ],
    ids=["2x3+2x4", "5x1x3+4x2", "3+4"],
)
def test_broadcast_shape_mismatch(device: str, a: tuple[int, ...], b: tuple[int, ...], msg: str) -> None:
    x, y = ember.ones(a, device=device), ember.ones(b, device=device)
    with pytest.raises(RuntimeError, match=msg):
        x + y
    with pytest.raises(RuntimeError, match=msg):
        ember.mul(x, y)
    with pytest.raises(RuntimeError, match=msg):
        _ = x < y


def test_broadcast_mismatch_in_place_and_expand(device: str) -> None:
    with pytest.raises(RuntimeError, match=r"doesn't match the broadcast shape"):
        ember.ones(3, device=device).add_(ember.ones(2, 3, device=device))
    with pytest.raises(
        RuntimeError, match=r"The expanded size of the tensor \(4\) must match the existing size \(3\)"
    ):
        ember.ones(3, device=device).expand(2, 4)


@pytest.mark.parametrize(
    "a, b, msg",
    [
        ((2, 3), (4, 5), r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"),
        (
            (3,),
            (4,),
            r"inconsistent tensor size, expected tensor \[3\] and src \[4\] to have the same number of "
            r"elements",
        ),
        ((2, 3), (4,), r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
        (
            (2, 2, 3),
            (2, 4, 5),
            r"Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[2, 4\]",
        ),
    ],
    ids=["mm", "dot", "mv", "bmm"],
)
def test_matmul_shape_mismatch(device: str, a: tuple[int, ...], b: tuple[int, ...], msg: str) -> None:
    x, y = ember.ones(a, device=device), ember.ones(b, device=device)
    with pytest.raises(RuntimeError, match=msg):
        x @ y
    with pytest.raises(RuntimeError, match=msg):
        ember.matmul(x, y)


def test_mm_bmm_mismatch(device: str) -> None:
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"):
        ember.mm(ember.ones(2, 3, device=device), ember.ones(2, 3, device=device))
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        ember.bmm(ember.ones(2, 3, device=device), ember.ones(3, 2, device=device))
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        ember.matmul(ember.ones((), device=device), ember.ones(2, device=device))


def test_index_out_of_range(device: str) -> None:
    x = ember.zeros(3, 4, device=device)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 4"):
        x[0, -5]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[3] = 1.0
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 0 with size 3"):
        x[ember.tensor([0, 7], device=device)]
    with pytest.raises(
        IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"
    ):
        x.sum(2)


def test_unknown_dtype(device: str) -> None:
    with pytest.raises(TypeError):
        ember.zeros(2, dtype="float32", device=device)
    with pytest.raises(TypeError):
        ember.ones(2, dtype=3, device=device)
    with pytest.raises(AttributeError):
        ember.float128  # noqa: B018


@pytest.mark.parametrize("bad", ["gpu", "nonsense", "cuda:x", "cpu:-1", ""])
def test_unknown_device_string(bad: str) -> None:
    with pytest.raises(RuntimeError) as exc:
        ember.device(bad)
    assert bad.split(":")[0] in str(exc.value) or "Invalid device string" in str(exc.value)
    with pytest.raises(RuntimeError):
        ember.zeros(2, device=bad)


def test_unavailable_device_says_what_to_install() -> None:
    from ember.plugins import registered_backends

    missing = [be for be in registered_backends().values() if not be.is_available()]
    if not missing:
        pytest.skip("every registered backend is available here")
    be = missing[0]
    with pytest.raises((RuntimeError, AssertionError)) as exc:
        ember.zeros(2, device=be.device_type)
    text = str(exc.value)
    assert be.device_type in text or be.name in text, text
    hint = getattr(be, "install_hint", "")
    assert "install" in text.lower() or (hint and hint in text) or (be.unavailable_reason() or "") in text, (
        text
    )


def test_view_of_non_contiguous(device: str) -> None:
    x = ember.zeros(3, 4, device=device).t()
    with pytest.raises(
        RuntimeError,
        match=r"view size is not compatible with input tensor's size and stride.*"
        r"Use \.reshape\(\.\.\.\) instead",
    ):
        x.view(12)


def test_mixing_devices(device: str) -> None:
    other = _other_available_device(device)
    if other is None:
        pytest.skip("mixing devices needs a second available backend")
    x = ember.ones(2, device=device)
    y = ember.ones(2, device=other)
    pattern = "Expected all tensors to be on the same device, but found at least two devices"
    with pytest.raises(RuntimeError, match=pattern) as exc:
        x + y
    assert str(x.device) in str(exc.value) and str(y.device) in str(exc.value)
    with pytest.raises(RuntimeError, match=pattern):
        ember.matmul(x, y)
    with pytest.raises(RuntimeError, match=pattern):
        ember.cat([x, y])
    with pytest.raises(RuntimeError, match=pattern):
        ember.where(x > 0, x, y)
    # Python scalars and 0-d CPU tensors are allowed with any device, as in PyTorch
    assert (x + 1).device == x.device
    assert (x * ember.tensor(2.0)).device == x.device


@pytest.mark.parametrize(
    "data, msg",
    [
        ([[1, 2], [3]], r"expected sequence of length 2 at dim 1 \(got 1\)"),
        ([[1.0], [2.0, 3.0]], r"expected sequence of length 1 at dim 1 \(got 2\)"),
        ([[[1], [2]], [[3]]], r"expected sequence of length 2 at dim 1 \(got 1\)"),
    ],
    ids=["int", "float", "nested"],
)
def test_ragged_lists(device: str, data: list, msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        ember.tensor(data, device=device)


def test_bad_data_type(device: str) -> None:
    with pytest.raises((TypeError, ValueError), match="str"):
        ember.tensor(["a", "b"], device=device)
    with pytest.raises((RuntimeError, TypeError), match="Could not infer dtype of object"):
        ember.tensor(object(), device=device)


def test_bad_shapes(device: str) -> None:
    with pytest.raises(RuntimeError, match="negative"):
        ember.zeros(2, -1, device=device)
    with pytest.raises(RuntimeError, match=r"shape '\[4\]' is invalid for input of size 6"):
        ember.zeros(2, 3, device=device).reshape(4)


def test_write_into_expanded_view_raises(device: str) -> None:
    base = ember.zeros(1, 3, device=device)
    e = base.expand(4, 3)
    msg = "more than one element of the written-to tensor refers to a single memory location"
    with pytest.raises(RuntimeError, match=msg):
        e.add_(1)
    with pytest.raises(RuntimeError, match=msg):
        e.copy_(ember.ones(4, 3, device=device))
    with pytest.raises(RuntimeError, match=msg):
        e[:, 0] = 5.0  # the written region e[:, 0] is four views of one element
    with pytest.raises(RuntimeError, match=msg):
        ember.add(ember.ones(4, 3, device=device), 1, out=e)
    assert base.tolist() == [[0.0, 0.0, 0.0]]  # nothing was written
    e.clone().add_(1)  # the fix the message suggests works


def test_writes_into_expanded_view_that_pytorch_allows(device: str) -> None:
    base = ember.zeros(1, 3, device=device)
    e = base.expand(4, 3)
    e[0] = ember.tensor([1.0, 2.0, 3.0], device=device)  # row 0 of the view: three distinct elements
    assert base.tolist() == [[1.0, 2.0, 3.0]] and e.tolist() == [[1.0, 2.0, 3.0]] * 4
    e[1].add_(1.0)
    assert base.tolist() == [[2.0, 3.0, 4.0]]
    e.fill_(7.0)  # one value everywhere: PyTorch fills an expanded view
    assert base.tolist() == [[7.0, 7.0, 7.0]]
    e[:, 1].zero_()
    assert base.tolist() == [[7.0, 0.0, 7.0]]
    with pytest.warns(UserWarning, match="index_put_ on expanded tensors is deprecated"):
        e[ember.tensor([2], device=device)] = 9.0
    assert base.tolist() == [[9.0, 9.0, 9.0]] and e.tolist() == [[9.0, 9.0, 9.0]] * 4
