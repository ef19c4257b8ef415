"""``ember.save`` / ``ember.load``: round trips of nested structures and every dtype, atomic writes,
clear errors for truncated, corrupted and foreign files (a real ``torch.save`` file when PyTorch is
installed), ``map_location`` in all its forms, and file objects. Real files in ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import pickle
import struct
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _devices import device_params

import ember
import ember.nn as nn
from ember import serialization

# NOTE: ember.save/ember.load are the public names once core/__init__.py re-exports them.
save = getattr(ember, "save", serialization.save)
load = getattr(ember, "load", serialization.load)

try:
    import torch
except ImportError:  # pragma: no cover - machines without the oracle extra
    torch = None

try:
    import ml_dtypes  # noqa: F401

    HAS_BF16 = True
except ImportError:  # pragma: no cover
    HAS_BF16 = False


DEVICES = device_params()


def host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(force=True))


def roundtrip(obj: Any, **kwargs: Any) -> Any:
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **kwargs)


def assert_same(a: Any, b: Any) -> None:
    """Structural equality with exact types (tuple vs list, OrderedDict vs dict, bool vs int)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, ember.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.device == b.device
        assert a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(host(a), host(b))
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert type(k) is type(next(x for x in b if x == k))
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b
        if isinstance(a, float):
            assert math.copysign(1, a) == math.copysign(1, b)


# -- round trips -----------------------------------------------------------------------------------

def test_nested_structures_round_trip() -> None:
    obj = {
        "model": OrderedDict([("fc.weight", ember.randn(3, 2)), ("fc.bias", ember.zeros(3))]),
        "epoch": 7, "big": 2**70, "neg": -3, "lr": 1e-3, "nan": math.nan, "inf": math.inf, "ninf": -math.inf,
        "negzero": -0.0, "name": "résumé ✓", "empty": "", "flag": True, "off": False, "none": None,
        "nested": [1, [2, (3, "4", None)], {"k": [ember.tensor([1, 2])]}], "tup": (), "lst": [], "d": {},
        1: "int key", 2.5: "float key", (1, "a"): "tuple key", None: "none key", False: "bool key",
        "dtype": ember.float16, "device": ember.device("cpu"), "size": ember.Size([2, 3]),
        "array": np.arange(6, dtype=np.int32).reshape(2, 3), "np_scalar": np.float64(2.5),
    }
    out = roundtrip(obj)
    obj["np_scalar"] = 2.5  # NumPy scalars come back as Python numbers
    assert_same(obj, out)
    assert out["dtype"] is ember.float16 and isinstance(out["size"], ember.Size)


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


@pytest.mark.parametrize("dtype_name", DTYPES)
def test_every_dtype_round_trips_bit_exactly(dtype_name: str, tmp_path: Path) -> None:
    if dtype_name == "bfloat16" and not HAS_BF16:
        pytest.skip("bfloat16 needs ml_dtypes")
    dtype = getattr(ember, dtype_name)
    rng = np.random.default_rng(0)
    if dtype_name == "bool":
        values = rng.random((4, 5)) > 0.5
    elif dtype.is_floating_point:
        values = np.concatenate([rng.standard_normal(14) * 100, [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-3]])
        values = values.reshape(4, 5)
    else:
        info = np.iinfo(dtype_name)
        values = np.concatenate([rng.integers(info.min, info.max, 18), [info.min, info.max]]).reshape(4, 5)
    t = ember.tensor(values).to(dtype)
    tensors = [t, t[1], t.t(), t[:, 1:3], t[0, 0], t[:0]]  # contiguous, views, 0-d, empty
    save(tensors, tmp_path / "t.ember")
    out = load(tmp_path / "t.ember")
    for a, b in zip(tensors, out):
        assert b.dtype == dtype and b.shape == a.shape
        assert host(a).tobytes() == host(b).tobytes()  # bit for bit, NaN payloads and -0.0 included


def test_state_dicts_round_trip_and_training_resumes(tmp_path: Path) -> None:
    import ember.optim as optim

    ember.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)
    x = ember.randn(16, 4)

    def step(m: Any, o: Any) -> None:
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()

    step(model, opt)
    path = tmp_path / "ckpt.ember"
    save({"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 1}, path)
    ckpt = load(path)
    assert all(type(v) is ember.Tensor for v in ckpt["model"].values())  # state_dict tensors stay plain
    assert ckpt["optim"]["state"][0]["step"].shape == ()
    model2 = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt2 = optim.Adam(model2.parameters(), lr=1.0)
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optim"])
    step(model, opt)
    step(model2, opt2)
    for p, q in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(host(p), host(q))


def test_parameters_and_requires_grad_survive() -> None:
    p = nn.Parameter(ember.ones(2))
    frozen = nn.Parameter(ember.ones(2), requires_grad=False)
    leaf = ember.zeros(3, requires_grad=True)
    out = roundtrip({"p": p, "frozen": frozen, "leaf": leaf, "plain": ember.ones(1)})
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert type(out["frozen"]) is nn.Parameter and not out["frozen"].requires_grad
    assert type(out["leaf"]) is ember.Tensor and out["leaf"].requires_grad and out["leaf"].is_leaf
    assert not out["plain"].requires_grad


def test_repeated_tensor_loads_as_one_object() -> None:
    t = ember.arange(4.0)
    out = roundtrip({"a": t, "b": [t, t.view(2, 2)]})
    assert out["a"] is out["b"][0] and out["b"][1] is not out["a"]
    out["a"].add_(1)
    assert host(out["b"][0]).tolist() == [1.0, 2.0, 3.0, 4.0]


def test_large_tensor(tmp_path: Path) -> None:
    t = ember.randn(1000, 1000)
    save({"w": t}, str(tmp_path / "big.ember"))
    np.testing.assert_array_equal(host(load(str(tmp_path / "big.ember"))["w"]), host(t))


def test_file_objects(tmp_path: Path) -> None:
    path = tmp_path / "f.ember"
    with open(path, "wb") as fh:
        save([ember.ones(2)], fh)
        save({"second": 2}, fh)  # a file object is written at its position
    with open(path, "rb") as fh:
        assert host(load(fh)[0]).tolist() == [1.0, 1.0]
        assert load(fh) == {"second": 2}
    assert load(io.BytesIO(_bytes_of([ember.ones(1)])), weights_only=False)[0].shape == (1,)


def _bytes_of(obj: Any) -> bytes:
    buf = io.BytesIO()
    save(obj, buf)
    return buf.getvalue()


def test_unsupported_objects_are_refused() -> None:
    with pytest.raises(TypeError, match=r"cannot save an object of type builtins.object at obj\['a'\]\[1\]"):
        _bytes_of({"a": [1, object()]})
    with pytest.raises(TypeError, match=r"save an optimizer's or other object's state_dict\(\), not the object"):
        _bytes_of(ember.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1))  # modules: test_serialization_modules
    with pytest.raises(TypeError, match="has a key of type frozenset"):
        _bytes_of({frozenset(): 1})
    with pytest.raises(TypeError, match="has dtype uint16"):
        _bytes_of(np.zeros(2, dtype=np.uint16))


def test_file_permissions_follow_umask(tmp_path: Path) -> None:
    path = tmp_path / "perm.ember"
    save(1, path)
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    assert (path.stat().st_mode & 0o777) == (plain.stat().st_mode & 0o777)


# -- atomic writes ---------------------------------------------------------------------------------

def test_crash_mid_save_leaves_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.ember"
    save({"version": 1, "w": ember.ones(100)}, path)
    before = path.read_bytes()
    real = serialization._write_array

    def crash_halfway(fh: Any, arr: Any, hasher: Any) -> None:
        fh.write(arr.reshape(-1).view(np.uint8)[: arr.nbytes // 2].tobytes())
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(serialization, "_write_array", crash_halfway)
    with pytest.raises(OSError, match="simulated"):
        save({"version": 2, "w": ember.zeros(100)}, path)
    assert sorted(os.listdir(tmp_path)) == ["model.ember"]  # no temporary file left behind
    assert path.read_bytes() == before
    assert load(path)["version"] == 1
    monkeypatch.setattr(serialization, "_write_array", real)
    save({"version": 2, "w": ember.zeros(100)}, path)
    assert load(path)["version"] == 2 and sorted(os.listdir(tmp_path)) == ["model.ember"]


def test_interrupt_mid_save_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fh: Any, arr: Any, hasher: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save([ember.ones(3)], tmp_path / "new.ember")
    assert os.listdir(tmp_path) == []


# -- damaged and foreign files ---------------------------------------------------------------------

@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.ember"
    save({"w": ember.arange(12.0).reshape(3, 4), "b": ember.ones(2, dtype=ember.int64), "s": "text"}, path)
    return path


def test_truncated_files(good_file: Path, tmp_path: Path) -> None:
    data = good_file.read_bytes()
    cut = tmp_path / "cut.ember"
    for n in [3, 8, 20, 31, 32, 40, 100, len(data) - 100, len(data) - 40, len(data) - 1]:
        cut.write_bytes(data[:n])
        should = "at least 32" if n < 32 else len(data)
        msg = rf"'{cut}' is a truncated ember checkpoint: it has {n} bytes but should have {should}\. .*copy"
        with pytest.raises(RuntimeError, match=msg):
            load(cut)
        with pytest.raises(RuntimeError, match="is a truncated ember checkpoint"):
            load(io.BytesIO(data[:n]))  # no size known up front: found while reading


def test_every_flipped_byte_is_detected(good_file: Path, tmp_path: Path) -> None:
    data = good_file.read_bytes()
    bad = tmp_path / "bad.ember"
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 0x01
        bad.write_bytes(bytes(flipped))
        expected = "is not an ember checkpoint" if i < 8 else "is a corrupted ember checkpoint"
        with pytest.raises(RuntimeError, match=expected):
            load(bad)
    msg = "SHA-256 checksum of its contents does not match.*restore it from"
    with pytest.raises(RuntimeError, match=msg):
        flipped = bytearray(data)
        flipped[-50] ^= 0xFF  # inside the payload
        load(io.BytesIO(bytes(flipped)))


def test_trailing_bytes(good_file: Path) -> None:
    data = good_file.read_bytes() + b"extra"
    good_file.write_bytes(data)
    with pytest.raises(RuntimeError, match="corrupted ember checkpoint .5 unexpected bytes after the end"):
        load(good_file)
    buf = io.BytesIO(data)  # a stream may hold more after the checkpoint: it is left unread
    assert load(buf)["s"] == "text" and buf.read() == b"extra"


def test_empty_and_random_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ember"
    empty.write_bytes(b"")
    with pytest.raises(RuntimeError, match="is empty, not an ember checkpoint"):
        load(empty)
    rnd = tmp_path / "random.bin"
    rnd.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    msg = r"is not an ember checkpoint \(it does not start with the ember magic"
    with pytest.raises(RuntimeError, match=msg):
        load(rnd)
    text = tmp_path / "notes.txt"
    text.write_text("hello world, this is text")
    with pytest.raises(RuntimeError, match="b'hello wo'"):
        load(text)
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(RuntimeError, match="is a NumPy .npy file"):
        load(npy)


def test_pickles_are_refused_without_being_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> Any:
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"w": Exploit()}, protocol=2))
    with pytest.raises(RuntimeError, match="is a Python pickle .* never unpickles"):
        load(path)
    assert not marker.exists()


@pytest.mark.skipif(torch is None, reason="PyTorch (the oracle extra) is not installed")
def test_torch_save_files_are_recognized(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    msg = (r"is a PyTorch checkpoint \(torch.save's zip format\)\. ember.load never unpickles.*Convert it "
           r"once where PyTorch is installed")
    with pytest.raises(RuntimeError, match=msg):
        load(path)
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    with pytest.raises(RuntimeError, match="is a PyTorch checkpoint"):
        load(io.BytesIO(buf.getvalue()))
    legacy = tmp_path / "legacy.pt"
    torch.save({"w": torch.ones(2)}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy torch.save format"):
        load(legacy)
    # the conversion the message suggests works
    sd = torch.load(path, map_location="cpu", weights_only=True)
    save({k: ember.from_numpy(v.numpy()) for k, v in sd.items()}, tmp_path / "model.ember")
    m = nn.Linear(2, 2)
    m.load_state_dict(load(tmp_path / "model.ember"))
    np.testing.assert_array_equal(host(m.weight), sd["weight"].numpy())


# -- header-level cases, written through the documented format -------------------------------------

def _rewrite(data: bytes, *, version: int | None = None, edit: Any = None) -> bytes:
    """The file with its header edited (or its format version changed), checksums recomputed."""
    magic, ver, hlen, plen = struct.unpack("<8sIQQ", data[:28])
    header = json.loads(data[32:32 + hlen])
    if edit is not None:
        edit(header)
    hb = json.dumps(header).encode()
    payload = data[32 + hlen:32 + hlen + plen]
    pre = struct.pack("<8sIQQ", magic, ver if version is None else version, len(hb), plen)
    pre += struct.pack("<I", zlib.crc32(pre))
    return pre + hb + payload + hashlib.sha256(pre + hb + payload).digest() + b"EMBEREND"


def _saved_on(device: str, dtype: Any = None) -> bytes:
    def edit(header: dict[str, Any]) -> None:
        for entry in header["tensors"]:
            entry["device"] = device

    return _rewrite(_bytes_of({"w": ember.arange(3.0, dtype=dtype), "n": 1}), edit=edit)


def test_newer_format_version(tmp_path: Path) -> None:
    path = tmp_path / "future.ember"
    path.write_bytes(_rewrite(_bytes_of([1]), version=99))
    msg = f"format version 99, newer than this ember reads .version {serialization.FORMAT_VERSION}.; upgrade"
    with pytest.raises(RuntimeError, match=msg):
        load(path)
    assert load(io.BytesIO(_rewrite(_bytes_of([1])))) == [1]  # the rewriter itself is faithful


def test_map_location_forms() -> None:
    data = _saved_on("nosuchdevice:3")
    msg = "saved on nosuchdevice:3, which is not available here; loading them on the CPU"
    with pytest.warns(UserWarning, match=msg):
        out = load(io.BytesIO(data))
    assert out["w"].device.type == "cpu" and out["n"] == 1
    for ml in ("cpu", ember.device("cpu"), {"nosuchdevice:3": "cpu"}, {"nosuchdevice": ember.device("cpu")}):
        out = load(io.BytesIO(data), map_location=ml)
        assert out["w"].device.type == "cpu" and host(out["w"]).tolist() == [0.0, 1.0, 2.0]
    seen: list[Any] = []

    def fn(t: Any, location: str) -> Any:
        seen.append((t.device.type, location))
        return t * 2

    out = load(io.BytesIO(data), map_location=fn)
    assert seen == [("cpu", "nosuchdevice:3")] and host(out["w"]).tolist() == [0.0, 2.0, 4.0]
    assert load(io.BytesIO(data), map_location=lambda t, loc: "cpu")["w"].device.type == "cpu"
    msg = "map_location should be None, a device, a string, a dict or a callable"
    with pytest.raises(TypeError, match=msg):
        load(io.BytesIO(_bytes_of([1])), map_location=3)  # type: ignore[arg-type]
    with pytest.warns(UserWarning, match="not available here"):
        load(io.BytesIO(data), map_location={"other:0": "cpu"})  # unmapped devices follow the default rule


@pytest.mark.skipif(not HAS_BF16, reason="writing the bfloat16 file needs ml_dtypes")
def test_bfloat16_without_ml_dtypes_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    data = _bytes_of({"w": ember.ones(2, dtype=ember.bfloat16)})
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # makes `import ml_dtypes` fail
    msg = "holds bfloat16 tensors; reading them needs the ml_dtypes package"
    with pytest.raises(RuntimeError, match=msg):
        load(io.BytesIO(data))


# -- across backends ---------------------------------------------------------------------------------

@pytest.mark.parametrize("src", DEVICES)
@pytest.mark.parametrize("dst", DEVICES)
def test_saved_on_one_backend_loads_on_every_other(src: str, dst: str, tmp_path: Path) -> None:
    dtypes = [ember.float32, ember.int64, ember.bool, ember.float16]
    tensors = {d.name: ember.tensor([[1, 0], [3, 4]], device=src).to(d) for d in dtypes}
    save(tensors, tmp_path / "x.ember")
    default = load(tmp_path / "x.ember")
    moved = load(tmp_path / "x.ember", map_location=dst)
    for name, t in tensors.items():
        assert default[name].device == t.device
        assert moved[name].device.type == dst and moved[name].dtype == t.dtype
        np.testing.assert_array_equal(host(moved[name]), host(t))
