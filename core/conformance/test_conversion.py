"""Conversion: item/tolist/numpy/to/cpu/casts/type_as/clone/detach, len/iter/bool/float/int,
``__array__`` and DLPack round trips."""

from __future__ import annotations

import numpy as np
import pytest

import ember

from ._helpers import assert_close, get_torch, to_numpy

CASTS = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "bfloat16": "bfloat16",
    "long": "int64",
    "int": "int32",
    "short": "int16",
    "char": "int8",
    "byte": "uint8",
    "bool": "bool",
}


def test_item(device: str) -> None:
    f = ember.tensor(2.5, device=device).item()
    assert type(f) is float and f == 2.5
    i = ember.tensor([7], device=device).item()
    assert type(i) is int and i == 7
    b = ember.tensor([[True]], device=device).item()
    assert type(b) is bool and b is True
    assert ember.tensor(3, dtype=ember.int8, device=device).item() == 3
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        ember.tensor([1.0, 2.0], device=device).item()
    with pytest.raises(RuntimeError, match="a Tensor with 0 elements cannot be converted to Scalar"):
        ember.zeros(0, device=device).item()


def test_tolist(device: str) -> None:
    assert ember.tensor([[1, 2], [3, 4]], device=device).tolist() == [[1, 2], [3, 4]]
    lst = ember.tensor([1.5, -2.0], device=device).tolist()
    assert lst == [1.5, -2.0] and all(type(v) is float for v in lst)
    assert ember.tensor([True, False], device=device).tolist() == [True, False]
    assert ember.tensor(3.0, device=device).tolist() == 3.0
    assert ember.zeros(2, 0, device=device).tolist() == [[], []]
    assert type(ember.tensor([1], dtype=ember.uint8, device=device).tolist()[0]) is int


def test_numpy(device: str) -> None:
    x = ember.tensor([[1.0, 2.0]], dtype=ember.float64, device=device)
    a = x.numpy(force=True)
    assert isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (1, 2)
    assert a.tolist() == [[1.0, 2.0]]
    assert x.cpu().numpy().dtype == np.float64
    for dt, np_dt in [("int32", np.int32), ("bool", np.bool_), ("uint8", np.uint8), ("float16", np.float16)]:
        assert ember.zeros(2, dtype=getattr(ember, dt), device=device).cpu().numpy().dtype == np_dt
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        ember.ones(2, requires_grad=True, device=device).numpy()
    assert ember.ones(2, requires_grad=True, device=device).detach().cpu().numpy().tolist() == [1.0, 1.0]


def test_numpy_shares_memory_on_cpu() -> None:
    x = ember.zeros(3)
    a = x.numpy()
    a[0] = 5.0
    assert x[0].item() == 5.0
    x[1] = 7.0
    assert a[1] == 7.0
    v = x[1:]
    assert v.numpy()[0] == 7.0


def test_to_dtype_device_other(device: str) -> None:
    x = ember.tensor([1.7, -2.2], device=device)
    assert x.to(ember.float32) is x
    assert x.to(device) is x
    assert x.to(x.device, ember.float32) is x
    y = x.to(ember.float32, copy=True)
    assert y is not x
    y[0] = 0.0
    assert x[0].item() != 0.0
    assert_close(x.to(ember.int64), [1, -2], dtype="int64")
    assert_close(x.to(dtype=ember.float64), [1.7, -2.2], dtype="float64", rtol=1e-6)
    other = ember.zeros(1, dtype=ember.float64)  # on the CPU
    z = x.to(other)
    assert z.dtype == ember.float64 and z.device.type == "cpu"
    c = x.to("cpu")
    assert c.device.type == "cpu"
    assert_close(c, [1.7, -2.2])
    back = c.to(device)
    assert back.device.type == ember.device(device).type
    assert_close(back, [1.7, -2.2])
    d = x.to(ember.device("cpu"), dtype=ember.float16)
    assert d.device.type == "cpu" and d.dtype == ember.float16
    with pytest.raises(TypeError):
        x.to(bogus=1)


def test_cpu(device: str) -> None:
    x = ember.arange(3, device=device)
    c = x.cpu()
    assert c.device == ember.device("cpu") and str(c.device) == "cpu"
    assert_close(c, [0, 1, 2], dtype="int64")
    assert c.cpu() is c
    assert x.is_cpu == (ember.device(device).type == "cpu")


@pytest.mark.parametrize("method", list(CASTS))
def test_cast_methods(device: str, method: str) -> None:
    dtype = CASTS[method]
    x = ember.tensor([0.0, 1.9, -2.5], device=device)
    try:
        y = getattr(x, method)()
    except TypeError as e:
        if dtype == "bfloat16":
            pytest.skip(f"bfloat16 unsupported here: {e}")
        raise
    assert y.dtype == getattr(ember, dtype) and y.device == x.device
    vals = np.array([0.0, 1.9, -2.5])
    if dtype == "bool":
        expected = vals != 0
    elif dtype == "uint8":
        # a negative float cast to uint8 is undefined behaviour in PyTorch: check the rest
        assert y[:2].tolist() == [0, 1]
        return
    elif dtype.startswith("int"):
        expected = np.trunc(vals)
    else:
        expected = vals
    assert_close(y, expected, dtype=dtype)
    assert getattr(y, method)() is y


def test_type_as(device: str) -> None:
    x = ember.tensor([1, 2], device=device)
    assert x.type_as(ember.zeros(1, dtype=ember.float64, device=device)).dtype == ember.float64


def test_clone_and_detach(device: str) -> None:
    x = ember.tensor([1.0, 2.0], device=device, requires_grad=True)
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None and c.grad_fn.name() == "CloneBackward0"
    with ember.no_grad():
        c[0] = 5.0
    assert x[0].item() == 1.0
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[1] = 9.0
    assert x[1].item() == 9.0, "detach() shares memory with its source"
    e = ember.tensor([3.0, 4.0], device=device, requires_grad=True) * 2
    e.detach_()
    assert not e.requires_grad and e.grad_fn is None


def test_len_iter(device: str) -> None:
    x = ember.arange(6, device=device).reshape(3, 2)
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, ember.Tensor) for r in rows)
    assert_close(rows[2], [4, 5])
    assert [int(v) for v in ember.tensor([3, 1], device=device)] == [3, 1]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1.0, device=device))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0, device=device))


def test_python_scalar_conversions(device: str) -> None:
    assert bool(ember.tensor([1.0], device=device)) is True
    assert bool(ember.tensor(0, device=device)) is False
    assert float(ember.tensor([[2.5]], device=device)) == 2.5
    assert int(ember.tensor(2.7, device=device)) == 2
    assert int(ember.tensor(-2.7, device=device)) == -2
    assert [10, 20, 30][ember.tensor(1, device=device)] == 20  # __index__
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(ember.tensor([1, 2], device=device))
    with pytest.raises(
        (RuntimeError, ValueError, TypeError), match="only one element tensors|cannot be converted"
    ):
        float(ember.tensor([1.0, 2.0], device=device))
    with pytest.raises(TypeError):
        [1, 2][ember.tensor(1.0, device=device)]


def test_array_protocol() -> None:
    x = ember.tensor([[1.0, 2.0]])
    a = np.asarray(x)
    assert a.dtype == np.float32 and a.tolist() == [[1.0, 2.0]]
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.array(ember.tensor([1, 2])).dtype == np.int64


def test_array_protocol_device(device: str) -> None:
    x = ember.tensor([1.0, 2.0], device=device)
    try:
        x.numpy()
    except TypeError:
        # accelerator memory (cuda): PyTorch refuses an implicit device-to-host copy, in
        # numpy() and in the array protocol alike; numpy(force=True) is the explicit way
        with pytest.raises(TypeError):
            np.asarray(x)
    else:  # host-readable backends (cpu, jax) convert, as .numpy() does
        assert np.asarray(x).tolist() == [1.0, 2.0]


def test_dlpack_roundtrip(device: str) -> None:
    x = ember.arange(6, dtype=ember.float32, device=device).reshape(2, 3)
    y = ember.from_dlpack(x)
    assert y.device == x.device and y.dtype == x.dtype and tuple(y.shape) == (2, 3)
    assert_close(y, np.arange(6.0).reshape(2, 3))
    if ember.device(device).type == "cpu":
        y[0, 0] = -1.0
        assert x[0, 0].item() == -1.0, "from_dlpack shares memory"
    dev = x.__dlpack_device__()
    assert isinstance(dev, tuple) and len(dev) == 2


def test_dlpack_with_numpy() -> None:
    a = np.arange(4.0)
    t = ember.from_dlpack(a)
    assert t.dtype == ember.float64 and t.device.type == "cpu"
    a[0] = 9.0
    assert t[0].item() == 9.0
    x = ember.tensor([[1, 2], [3, 4]], dtype=ember.int32)
    b = np.from_dlpack(x)
    assert b.dtype == np.int32 and b.tolist() == [[1, 2], [3, 4]]
    x[0, 0] = 7
    assert b[0, 0] == 7


def test_dlpack_with_torch() -> None:
    torch = get_torch()
    if torch is None:
        pytest.skip("PyTorch is not installed")
    t = torch.arange(4, dtype=torch.float64)
    e = ember.from_dlpack(t)
    assert e.dtype == ember.float64
    assert_close(e, np.arange(4.0))
    back = torch.from_dlpack(ember.tensor([1.5, 2.5]))
    assert back.dtype == torch.float32 and back.tolist() == [1.5, 2.5]


def test_data_and_misc_attributes(device: str) -> None:
    x = ember.ones(2, 3, device=device, requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d[0, 0] = 4.0
    assert x[0, 0].item() == 4.0
    assert x.element_size() == 4 and ember.zeros(1, dtype=ember.float64, device=device).element_size() == 8
    assert x.is_floating_point() and not ember.zeros(1, dtype=ember.int64, device=device).is_floating_point()
    assert ember.is_tensor(x) and not ember.is_tensor([1])
    assert ember.is_floating_point(x)
    assert ember.numel(x) == 6
    assert to_numpy(x).tolist() == [[4.0, 1, 1], [1, 1, 1]]
