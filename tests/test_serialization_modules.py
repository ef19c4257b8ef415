"""``ember.save(model)`` / ``ember.load(path, weights_only=False)``: whole modules round-trip without pickle
(class path + state), ``weights_only=True`` refuses them with PyTorch's ``UnpicklingError`` unless the classes
are allowlisted (``add_safe_globals``/``safe_globals``, compared with torch's), nothing is imported before
that check, and attributes that are not data are refused at save time by name. Real files in ``tmp_path``.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember import serialization

try:
    import torch
except ImportError:  # pragma: no cover - machines without the oracle extra
    torch = None


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Dropout(0.2))
        self.head = nn.Linear(4, 2)
        self.tied = self.head  # one submodule under two names
        self.act = F.gelu  # a module-level function: saved by name
        self.scale = 2.5
        self.names = ("a", "b")
        self.sizes = [1, (2, 3)]
        self.table = {"k": [1.0, float("inf")], 3: None}
        self.kind = ember.float32
        self.where = ember.device("cpu")
        self.register_buffer("steps", ember.zeros(1))
        self.register_buffer("cache", ember.ones(2), persistent=False)

    def forward(self, x: Any) -> Any:
        return self.act(self.tied(self.body(x))) * self.scale + self.steps


class Cached(nn.Module):
    """Drops a derived attribute in __getstate__ and rebuilds it in __setstate__ (as pickle would call them)."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.derived = 0

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("derived")
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.derived = 42


CLASSES = [Block, nn.Sequential, nn.Linear, nn.ReLU, nn.BatchNorm1d, nn.Dropout]


def host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(force=True))


def trained_block() -> Block:
    ember.manual_seed(0)
    m = Block()
    m(ember.randn(8, 3))  # updates the batch-norm running stats
    m.steps.add_(3)
    m.eval()
    return m


def test_module_round_trips_without_pickle(tmp_path: Path) -> None:
    m = trained_block()
    path = tmp_path / "model.ember"
    ember.save(m, path)
    raw = path.read_bytes()
    assert b"\x80\x02" not in raw[:64] and b"EMBERCKP" == raw[:8]  # ember's format, not a pickle
    m2 = ember.load(path, weights_only=False)
    assert type(m2) is Block and m2 is not m
    assert not m2.training and not m2.body[2].training
    x = ember.randn(5, 3)
    np.testing.assert_array_equal(host(m2(x)), host(m(x)))
    assert m2.tied is m2.head and m2.act is F.gelu
    assert m2.scale == 2.5 and m2.names == ("a", "b") and m2.sizes == [1, (2, 3)]
    assert m2.table == {"k": [1.0, float("inf")], 3: None} and m2.kind is ember.float32
    assert m2.where == ember.device("cpu") and m2._non_persistent_buffers_set == {"cache"}
    assert list(m2.state_dict()) == list(m.state_dict())  # "cache" stays non-persistent
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(host(m2.state_dict()[k]), host(v))
    assert isinstance(m2.head.weight, nn.Parameter) and m2.head.weight.requires_grad
    assert m2.head.weight is m2.tied.weight
    # the loaded module trains
    m2.train()
    opt = ember.optim.SGD(m2.parameters(), lr=0.1)
    m2(x).sum().backward()
    opt.step()
    assert not np.array_equal(host(m2.head.weight), host(m.head.weight))


def test_dict_with_modules_and_optimizer_state(tmp_path: Path) -> None:
    m = trained_block()
    opt = ember.optim.Adam(m.parameters(), lr=1e-3)
    m(ember.randn(4, 3)).sum().backward()
    opt.step()
    ckpt = {"model": m, "same": m, "opt": opt.state_dict(), "epoch": 3, "parts": OrderedDict(h=m.head)}
    ember.save(ckpt, tmp_path / "ckpt.ember")
    got = ember.load(tmp_path / "ckpt.ember", weights_only=False)
    assert got["same"] is got["model"] and got["parts"]["h"] is got["model"].head and got["epoch"] == 3
    opt2 = ember.optim.Adam(got["model"].parameters(), lr=1e-3)
    opt2.load_state_dict(got["opt"])
    assert opt2.state_dict()["state"].keys() == opt.state_dict()["state"].keys()


def test_custom_getstate_and_setstate_are_honoured() -> None:
    buf = io.BytesIO()
    m = Cached()
    ember.save(m, buf)
    buf.seek(0)
    m2 = ember.load(buf, weights_only=False)
    assert m2.derived == 42 and isinstance(m2.lin, nn.Linear)


def test_every_builtin_layer_of_a_transformer_round_trips() -> None:
    m = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    m.eval()
    buf = io.BytesIO()
    ember.save(m, buf)
    buf.seek(0)
    m2 = ember.load(buf, weights_only=False)
    x = ember.randn(3, 1, 4)
    np.testing.assert_allclose(host(m2(x)), host(m(x)), rtol=0, atol=0)


def test_map_location_moves_module_parameters() -> None:
    pytest.importorskip("jax", reason="jax is not installed")
    m = trained_block()
    buf = io.BytesIO()
    ember.save(m, buf)
    buf.seek(0)
    m2 = ember.load(buf, map_location="jax", weights_only=False)
    assert m2.head.weight.device.type == "jax" and m2.steps.device.type == "jax"
    x = ember.randn(5, 3)
    np.testing.assert_allclose(host(m2(x.to("jax"))), host(m(x)), rtol=1e-5, atol=1e-6)


# -- weights_only and the allowlist -----------------------------------------------------------------

def _file_of(obj: Any) -> io.BytesIO:
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return buf


def test_weights_only_refuses_modules_with_pytorchs_error(tmp_path: Path) -> None:
    buf = _file_of(trained_block())
    with pytest.raises(pickle.UnpicklingError) as info:
        ember.load(buf)  # weights_only defaults to True, as in PyTorch 2.6+
    msg = str(info.value)
    name = f"{Block.__module__}.Block"
    assert msg.startswith("Weights only load failed.")
    assert f"Unsupported global: GLOBAL {name} was not an allowed global by default" in msg
    assert f"`ember.serialization.add_safe_globals([{name}])`" in msg
    if torch is not None:
        torch_path = tmp_path / "torch_model.pt"
        torch.save(torch.nn.Linear(2, 2), torch_path)
        with pytest.raises(pickle.UnpicklingError) as tinfo:
            torch.load(torch_path)
        theirs = str(tinfo.value).replace("torch.nn.modules.linear.Linear", "X").replace("torch.", "ember.")
        ours = msg.replace(name, "X")
        start = "Re-running `ember.load` with `weights_only` set to `False` will likely succeed"
        end = "if you trust this class/function."
        assert ours[ours.index(start):ours.index(end)] == theirs[theirs.index(start):theirs.index(end)]
        assert ours[:ours.index("(1)")] == theirs[:theirs.index("(1)")]
    # data-only files load under weights_only=True as before
    assert ember.load(_file_of({"w": ember.ones(2)}))["w"].tolist() == [1.0, 1.0]


def test_safe_globals_allowlist_like_pytorch() -> None:
    buf = _file_of(trained_block())
    assert serialization.get_safe_globals() == []
    with serialization.safe_globals([Block]):
        assert serialization.get_safe_globals() == [Block]
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL ember.nn.modules.container.Sequential was not"):
            ember.load(buf)  # the next class in the file is not allowed yet
    assert serialization.get_safe_globals() == []
    buf.seek(0)
    names = [f"{c.__module__}.{c.__qualname__}" for c in [*CLASSES, F.gelu]]
    assert serialization.get_unsafe_globals_in_checkpoint(buf) == names
    serialization.add_safe_globals([*CLASSES, F.gelu])
    try:
        buf.seek(0)
        assert serialization.get_unsafe_globals_in_checkpoint(buf) == []
        buf.seek(0)
        m2 = ember.load(buf)
        assert type(m2) is Block
    finally:
        serialization.clear_safe_globals()
    assert serialization.get_safe_globals() == []
    # (object, "module.qualname"): the object is used for that name, and nothing is imported
    renamed = _file_of(nn.ReLU())
    with serialization.safe_globals([(nn.ReLU, "ember.nn.modules.activation.ReLU")]):
        assert type(ember.load(renamed)) is nn.ReLU
    if torch is not None:  # the same API shape as PyTorch's
        with torch.serialization.safe_globals([torch.nn.ReLU]):
            assert torch.nn.ReLU in torch.serialization.get_safe_globals()
        assert torch.nn.ReLU not in torch.serialization.get_safe_globals()


def _crafted(module: str, qualname: str) -> io.BytesIO:
    """A valid file whose module object names ``module.qualname`` (written through the documented format)."""
    import hashlib
    import struct
    import zlib

    data = _file_of(nn.ReLU()).getvalue()
    _, ver, hlen, plen = struct.unpack("<8sIQQ", data[:28])
    header = json.loads(data[32:32 + hlen])
    header["object"]["$module"][1:3] = [module, qualname]
    hb = json.dumps(header).encode()
    payload = data[32 + hlen:32 + hlen + plen]
    pre = struct.pack("<8sIQQ", b"EMBERCKP", ver, len(hb), plen)
    pre += struct.pack("<I", zlib.crc32(pre))
    return io.BytesIO(pre + hb + payload + hashlib.sha256(pre + hb + payload).digest() + b"EMBEREND")


def test_weights_only_never_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "ember_evil_mod.py").write_text(f"open({str(marker)!r}, 'w').close()\nclass Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    f = _crafted("ember_evil_mod", "Thing")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL ember_evil_mod.Thing was not an allowed global"):
        ember.load(f)
    assert not marker.exists() and "ember_evil_mod" not in sys.modules
    f.seek(0)
    try:
        with pytest.raises(RuntimeError, match="is not an ember nn.Module subclass"):
            ember.load(f, weights_only=False)  # imports (the caller trusted the file), but makes no Thing
    finally:
        sys.modules.pop("ember_evil_mod", None)
    assert marker.exists()
    with pytest.raises(AttributeError, match="has no attribute 'Missing'"):
        ember.load(_crafted("ember.nn", "Missing"), weights_only=False)


def test_file_versions(tmp_path: Path) -> None:
    data_only = _file_of({"w": ember.ones(1)}).getvalue()
    with_module = _file_of(nn.ReLU()).getvalue()
    assert int.from_bytes(data_only[8:12], "little") == 1  # older embers still read data-only files
    assert int.from_bytes(with_module[8:12], "little") == 2
    bad = bytearray(with_module)
    bad[40] ^= 1
    (tmp_path / "bad.ember").write_bytes(bytes(bad))
    with pytest.raises(RuntimeError, match="corrupted ember checkpoint"):
        ember.load(tmp_path / "bad.ember", weights_only=False)
    (tmp_path / "short.ember").write_bytes(with_module[:-10])
    with pytest.raises(RuntimeError, match="truncated ember checkpoint"):
        ember.load(tmp_path / "short.ember", weights_only=False)


# -- what cannot be saved ---------------------------------------------------------------------------

def test_attributes_that_are_not_data_are_refused_at_save_time(tmp_path: Path) -> None:
    m = nn.Sequential(nn.Linear(2, 2))
    m[0].fn = lambda x: x
    with pytest.raises(TypeError, match=r"cannot save the attribute obj\.0\.fn of the module obj\.0 "
                                        r"\(ember\.nn\.modules\.linear\.Linear\): it is the function "
                                        r"test_serialization_modules\..*<lambda>, a lambda"):
        ember.save(m, tmp_path / "m.ember")
    assert not (tmp_path / "m.ember").exists() and os.listdir(tmp_path) == []
    m2 = nn.Linear(2, 2)
    m2.lock = object()
    with pytest.raises(TypeError, match=r"attribute obj\['net'\]\.lock .* an object of type builtins\.object"):
        ember.save({"net": m2}, io.BytesIO())
    m3 = nn.Linear(2, 2)
    m3.register_forward_hook(lambda *a: None)
    with pytest.raises(TypeError, match=r"obj\._forward_hooks\[\d+\].*remove the hooks \(handle\.remove\(\)\)"):
        ember.save(m3, io.BytesIO())

    class Local(nn.Module):
        pass

    with pytest.raises(TypeError, match="is a lambda or is defined inside a function"):
        ember.save(Local(), io.BytesIO())


def test_module_saved_from_a_script_main(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import ember
        assert ember.serialization.get_safe_globals() == []  # reachable after `import ember`, as in torch
        import ember.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 1)

        ember.save(Net(), "net.ember")
    """))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL __main__.Net was not an allowed global"):
        ember.load(tmp_path / "net.ember")
    # as with pickle, the class must exist where the file is loaded: this test's __main__ has no Net
    with pytest.raises(AttributeError, match="the module '__main__' has no attribute 'Net'"):
        ember.load(tmp_path / "net.ember", weights_only=False)
