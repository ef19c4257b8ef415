"""``ember.save``/``ember.load`` in the safetensors format: files written by ``safetensors.torch`` load into
ember models and ember's load into PyTorch models (outputs equal), every dtype both ways (bfloat16 through
ml_dtypes), the ``format`` argument and the ``.safetensors`` suffix, ``safetensors.torch``'s rules and
messages (contiguous, no shared memory, tensors only), atomic writes, and a clear error without the
package. Real files in ``tmp_path``.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn

safetensors = pytest.importorskip("safetensors", reason="the safetensors extra is not installed")
torch = pytest.importorskip("torch", reason="PyTorch (the oracle extra) is not installed")
from safetensors.torch import load_file, save_file  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64", "bfloat16",
          "complex64"]


def host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(force=True))


def _torch_net() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 5)).eval()


def _ember_net() -> Any:
    return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(3 * 4 * 4, 5)).eval()


@pytest.mark.parametrize("device", ["cpu", "jax"])
def test_torch_written_file_loads_into_an_ember_model(device: str, tmp_path: Path) -> None:
    if device == "jax":
        pytest.importorskip("jax", reason="jax is not installed")
    tnet = _torch_net()
    tnet[1].running_mean.uniform_(-1, 1)  # non-trivial buffers travel too
    path = tmp_path / "model.safetensors"
    save_file(tnet.state_dict(), path)
    enet = _ember_net()
    sd = ember.load(path, map_location=device)
    assert all(t.device.type == device for t in sd.values())
    enet.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6)).astype(np.float32)
    want = tnet(torch.from_numpy(x)).detach().numpy()
    got = host(enet.to(device)(ember.tensor(x, device=device)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_ember_written_file_loads_into_a_torch_model(tmp_path: Path) -> None:
    ember.manual_seed(0)
    enet = _ember_net()
    enet.train()
    enet(ember.randn(4, 2, 6, 6))  # running stats and num_batches_tracked (int64) change
    enet.eval()
    path = tmp_path / "model.safetensors"
    ember.save(enet.state_dict(), path)
    tnet = _torch_net()
    tnet.load_state_dict(load_file(path))
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(tnet(torch.from_numpy(x)).detach().numpy(), host(enet(ember.tensor(x))),
                               rtol=1e-5, atol=1e-5)
    with safetensors.safe_open(path, framework="np") as f:
        assert f.metadata() == {"format": "pt"}  # what Hugging Face loaders check


def test_every_dtype_both_ways(tmp_path: Path) -> None:
    pytest.importorskip("ml_dtypes", reason="bfloat16 needs ml_dtypes")
    rng = np.random.default_rng(0)
    src = {name: (rng.standard_normal((2, 3)) * 50).astype(np.float32) for name in DTYPES}
    tensors = {name: torch.from_numpy(v).to(getattr(torch, name)) for name, v in src.items()}
    tensors["scalar"] = torch.tensor(7.5)
    tensors["empty"] = torch.zeros(0, 4)
    save_file(tensors, tmp_path / "t.safetensors")
    got = ember.load(tmp_path / "t.safetensors")
    assert sorted(got) == sorted(tensors)
    for k, t in tensors.items():
        assert got[k].dtype == getattr(ember, str(t.dtype).removeprefix("torch.")), k
        assert tuple(got[k].shape) == tuple(t.shape)
        want = t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()
        np.testing.assert_array_equal(host(got[k]).astype(want.dtype), want)
    got["float32"].add_(1)  # loaded tensors own writable memory
    ember.save(got, tmp_path / "back.safetensors")
    back = load_file(tmp_path / "back.safetensors")
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype
        want = t + 1 if k == "float32" else t
        assert torch.equal(back[k], want), k


def test_format_argument_and_file_objects(tmp_path: Path) -> None:
    sd = {"w": ember.arange(6.0).reshape(2, 3), "b": ember.ones(3)}
    buf = io.BytesIO()
    ember.save(sd, buf, format="safetensors")
    assert load_file_bytes(buf.getvalue())["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    buf.seek(0)
    assert ember.load(buf, format="safetensors")["b"].tolist() == [1.0, 1.0, 1.0]
    # another suffix with an explicit format, and the suffix overridden by format="ember"
    ember.save(sd, tmp_path / "weights.bin", format="safetensors")
    assert sorted(load_file(tmp_path / "weights.bin")) == ["b", "w"]
    with pytest.raises(RuntimeError, match=r"looks like a safetensors file.*format='safetensors'"):
        ember.load(tmp_path / "weights.bin")
    ember.save(sd, tmp_path / "native.safetensors", format="ember")
    assert (tmp_path / "native.safetensors").read_bytes()[:8] == b"EMBERCKP"
    assert ember.load(tmp_path / "native.safetensors", format="ember")["w"].shape == (2, 3)
    with pytest.raises(ValueError, match=r"format should be one of \('ember', 'safetensors'\)"):
        ember.save(sd, tmp_path / "x", format="pickle")


def load_file_bytes(data: bytes) -> dict[str, Any]:
    from safetensors.torch import load

    return load(data)


def test_safetensors_rules_as_in_pytorch(tmp_path: Path) -> None:
    path = tmp_path / "x.safetensors"
    a = ember.arange(6.0).reshape(2, 3)
    ta = torch.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError) as ours:
        ember.save({"a": a.t()}, path)
    with pytest.raises(ValueError) as theirs:
        save_file({"a": ta.t()}, tmp_path / "t.safetensors")
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match=r"Some tensors share memory.*\[\{'a', 'b'\}\]|\[\{'b', 'a'\}\]"):
        ember.save({"a": a, "b": a[0]}, path)
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        ember.save({"a": a, "b": a}, path)
    with pytest.raises(ValueError, match=r"Key `a` is invalid, expected ember.Tensor but received <class 'int'>"):
        ember.save({"a": 3}, path)
    with pytest.raises(TypeError, match=r"holds a dict of tensors .* not an object of type Linear"):
        ember.save(nn.Linear(2, 2), path)
    with pytest.raises(TypeError, match="cannot hold"):
        ember.save({"c": ember.zeros(2, dtype=ember.complex128)}, path)
    assert not path.exists() and sorted(os.listdir(tmp_path)) == []
    ember.save({"a": a.t().contiguous(), "b": a[0].clone()}, path)  # what the message says to do
    assert load_file(path)["a"].shape == (3, 2)


def test_atomic_write_and_damaged_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.safetensors"
    ember.save({"w": ember.ones(2)}, path)
    before = path.read_bytes()

    def fail(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"w": ember.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.safetensors"]
    path.write_bytes(before[:-3])
    with pytest.raises(RuntimeError, match="is not a valid safetensors file"):
        ember.load(path)


def test_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "safetensors", None)
    with pytest.raises(ImportError, match="pip install safetensors"):
        ember.save({"w": ember.ones(1)}, tmp_path / "m.safetensors")
    (tmp_path / "m.safetensors").write_bytes(b"")
    with pytest.raises(ImportError, match="pip install safetensors"):
        ember.load(tmp_path / "m.safetensors")
