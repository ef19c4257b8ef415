"""Small API pieces real PyTorch programs reach for, checked against PyTorch: ``torch.backends.*`` flags,
``torch.accelerator``, two-scalar ``where``, ``size=`` keywords, ``flip(dims=)``, device predicates."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _devices import device_params

import ember

torch = pytest.importorskip("torch")


def test_backends_flags_are_pytorchs_names_and_defaults() -> None:
    import ember.backends.cudnn as cudnn

    for mod in ("cudnn", "mkldnn"):
        for flag in ("enabled", "deterministic"):
            assert getattr(getattr(ember.backends, mod), flag) == getattr(getattr(torch.backends, mod), flag)
    assert cudnn.benchmark is False and cudnn.allow_tf32 is True
    assert ember.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    cudnn.benchmark = True
    try:
        with cudnn.flags(enabled=False, benchmark=False):
            assert (cudnn.enabled, cudnn.benchmark) == (False, False)
        assert (cudnn.enabled, cudnn.benchmark) == (True, True)
    finally:
        cudnn.benchmark = False
    with pytest.raises(AttributeError, match="Unknown attribute"):
        ember.backends.cuda.matmul.allow_tf33 = True  # a typo is an error, as in PyTorch


def test_backends_queries_are_honest() -> None:
    assert ember.backends.mps.is_available() is False and ember.backends.mps.is_built() is False
    assert ember.backends.cudnn.is_available() is False and ember.backends.cudnn.version() is None
    assert ember.backends.mkldnn.is_available() is False
    assert isinstance(ember.backends.mkl.is_available(), bool)
    assert isinstance(ember.backends.openmp.is_available(), bool)
    assert ember.backends.cpu.get_cpu_capability() in ("AVX512", "AVX2", "NEON", "SVE", "DEFAULT")
    assert ember.backends.cuda.is_built() == (__import__("importlib").util.find_spec("cupy") is not None)


def test_compute_backends_live_in_ember_compute() -> None:
    from ember.compute import ArrayAPIBackend, NumpyBackend

    assert issubclass(NumpyBackend, ArrayAPIBackend)
    assert not hasattr(ember.backends, "NumpyBackend")


def test_accelerator_on_a_cpu_only_machine() -> None:
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    acc = ember.accelerator.current_accelerator()
    assert ember.accelerator.is_available() is (acc is not None)
    assert ember.accelerator.device_count() == (0 if acc is None else ember.accelerator.device_count())
    ember.accelerator.synchronize()  # no accelerator: a no-op, as in PyTorch
    device = acc if ember.accelerator.is_available() else "cpu"
    assert ember.ones(2, device=device).sum().item() == 2.0


def test_float32_matmul_precision_round_trip() -> None:
    ember.set_float32_matmul_precision("high")
    try:
        assert ember.get_float32_matmul_precision() == "high"
    finally:
        ember.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError):
        ember.set_float32_matmul_precision("fastest")


@pytest.mark.parametrize("device", device_params())
@pytest.mark.parametrize("a,b", [(1, 0), (1.5, 0), (True, False), (1, 0.5)])
def test_where_with_two_python_scalars(device: str, a: object, b: object) -> None:
    cond = [True, False, True]
    got = ember.where(ember.tensor(cond, device=device), a, b)
    want = torch.where(torch.tensor(cond), a, b)
    assert got.dtype.name == str(want.dtype).split(".")[1]
    assert str(got.device).startswith(device)
    np.testing.assert_array_equal(got.cpu().numpy(), want.numpy())


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword(fn: str) -> None:
    assert tuple(getattr(ember, fn)(size=(2, 3)).shape) == tuple(getattr(torch, fn)(size=(2, 3)).shape)
    with pytest.raises(TypeError):
        getattr(ember, fn)(2, size=(2, 3))
    with pytest.raises(TypeError, match="unexpected keyword argument 'shape'"):
        getattr(ember, fn)(shape=(2, 3))


def test_randint_with_high_only_and_size_keyword() -> None:
    x = ember.randint(10, size=(1000,))
    assert x.dtype == ember.int64 and tuple(x.shape) == (1000,)
    assert 0 <= int(x.min()) and int(x.max()) < 10
    assert tuple(ember.randint(3, 10, size=(2,)).shape) == (2,)


def test_flip_dims_keyword() -> None:
    x = np.arange(6).reshape(2, 3)
    for call in (lambda m, t: m.flip(t, dims=(0, 1)), lambda m, t: t.flip(dims=[1]), lambda m, t: t.flip(0)):
        np.testing.assert_array_equal(call(ember, ember.tensor(x)).numpy(), call(torch, torch.tensor(x)).numpy())
    with pytest.raises(TypeError):
        ember.flip(ember.tensor(x))


@pytest.mark.parametrize("name", ["is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_ipu", "is_maia", "is_mtia",
                                  "is_vulkan", "is_quantized", "is_mkldnn", "is_nested", "itemsize", "nbytes"])
def test_tensor_predicates_match_pytorch_on_cpu(name: str) -> None:
    assert getattr(ember.zeros(3, 2), name) == getattr(torch.zeros(3, 2), name)


def test_import_torch_onnx_works_and_export_says_it_is_unsupported() -> None:
    code = "import ember.onnx; import ember as t; print(t.onnx.is_in_onnx_export())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    with pytest.raises(RuntimeError, match="no ONNX exporter"):
        ember.onnx.export(ember.nn.Linear(2, 2), (ember.zeros(1, 2),), "m.onnx")
