"""``ember.save``/``ember.load`` on the backend under test: device tensors of every dtype and module and
optimizer state dicts round trip (values, dtype, device, requires_grad, Parameter); ``map_location`` to the
CPU and to the device; views save their own current values (ember stores a view as an independent tensor,
see ember.serialization); a truncated or corrupted file raises a clear ``RuntimeError``, and a failed save
leaves nothing behind.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember import optim

from ._helpers import supports_dtype
from ._reference import check_same, on_device, rand

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8", "bool"]


def _round_trip(obj: Any, **kw: Any) -> Any:
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **kw)


def _device_tensors(device: str) -> dict[str, ember.Tensor]:
    out = {}
    for name in DTYPES:
        if supports_dtype(device, name):
            src = rand(3, 4, seed=40) * 3
            out[name] = ember.tensor(src > 0 if name == "bool" else src, device=device).to(getattr(ember, name))
    return out


def test_tensors_round_trip_every_dtype(device: str, tmp_path: Path) -> None:
    tensors = _device_tensors(device)
    tensors["scalar"] = ember.tensor(2.5, device=device)
    tensors["empty"] = ember.zeros(0, 3, device=device)
    tensors["transposed"] = ember.tensor(rand(3, 4, seed=41), device=device).t()
    path = tmp_path / "t.ember"
    ember.save(tensors, path)
    loaded = ember.load(path)
    assert list(loaded) == list(tensors)
    for name, t in tensors.items():
        got = loaded[name]
        assert on_device(got, device), f"{name}: loaded on {got.device}, saved from {t.device}"
        assert got.dtype == t.dtype and tuple(got.shape) == tuple(t.shape), name
        np.testing.assert_array_equal(got.cpu().numpy(), t.cpu().numpy(), err_msg=name)


@pytest.mark.parametrize("where", ["cpu", "device", "dict", "callable"])
def test_map_location(where: str, device: str) -> None:
    dev_t = ember.tensor(rand(3, 4, seed=42), device=device)
    cpu_t = ember.tensor(rand(2, seed=43))
    target = {"cpu": ("cpu", "cpu"), "device": (device, device)}.get(where)
    if where == "dict":
        ml: Any = {str(dev_t.device): "cpu", "cpu": device}
        target = ("cpu", device)
    elif where == "callable":
        ml = lambda t, saved: ember.device(device)  # noqa: E731
        target = (device, device)
    else:
        ml = "cpu" if where == "cpu" else ember.device(device)
    assert target is not None
    loaded = _round_trip({"dev": dev_t, "cpu": cpu_t}, map_location=ml)
    for key, want in zip(("dev", "cpu"), target):
        assert on_device(loaded[key], want), f"{key}: loaded on {loaded[key].device}, expected {want}"
    np.testing.assert_array_equal(loaded["dev"].cpu().numpy(), dev_t.cpu().numpy())
    np.testing.assert_array_equal(loaded["cpu"].cpu().numpy(), cpu_t.numpy())


def test_module_state_dict_round_trip(device: str, tmp_path: Path) -> None:
    def make() -> nn.Module:
        return nn.Sequential(nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3)).to(device)

    ember.manual_seed(0)
    model = make()
    model(ember.randn(4, 6, device=device))  # running stats move off their initial values
    sd = model.state_dict()
    path = tmp_path / "model.ember"
    ember.save(sd, path)
    for ml, want in ((None, device), ("cpu", "cpu")):
        loaded = ember.load(path, map_location=ml)
        assert list(loaded) == list(sd)
        for name, value in loaded.items():
            assert on_device(value, want), f"{name}: loaded on {value.device}, expected {want}"
            assert value.dtype == sd[name].dtype
            np.testing.assert_array_equal(value.cpu().numpy(), sd[name].cpu().numpy(), err_msg=name)
    ember.manual_seed(1)
    fresh = make()
    fresh.load_state_dict(ember.load(path, map_location="cpu"))  # CPU values copied into device parameters
    x = ember.randn(4, 6, device=device)
    model.eval()
    fresh.eval()
    assert all(on_device(p, device) for p in fresh.parameters())
    check_same(fresh(x), model(x).detach().cpu(), device, what="reloaded model output")


def test_parameters_and_requires_grad_survive(device: str) -> None:
    p = nn.Parameter(ember.tensor(rand(2, 3, seed=44), device=device))
    leaf = ember.ones(2, device=device, requires_grad=True)
    loaded = _round_trip({"p": p, "leaf": leaf, "plain": leaf.detach()})
    assert isinstance(loaded["p"], nn.Parameter) and loaded["p"].requires_grad and on_device(loaded["p"], device)
    assert loaded["leaf"].requires_grad and not isinstance(loaded["leaf"], nn.Parameter)
    assert not loaded["plain"].requires_grad


def test_views_and_shared_tensors(device: str) -> None:
    base = ember.tensor(rand(4, 5, seed=45), device=device)
    row, col = base[1], base[:, 2]
    base.mul_(-1)  # the views must save the current values (a stale view re-derives on immutable backends)
    loaded = _round_trip({"base": base, "row": row, "col": col, "again": base, "nested": [row]})
    np.testing.assert_array_equal(loaded["row"].cpu().numpy(), base.cpu().numpy()[1])
    np.testing.assert_array_equal(loaded["col"].cpu().numpy(), base.cpu().numpy()[:, 2])
    assert tuple(loaded["col"].shape) == (4,) and on_device(loaded["col"], device)
    assert loaded["again"] is loaded["base"], "one tensor saved twice loads as one object"
    assert loaded["nested"][0] is loaded["row"]
    loaded["base"].add_(1)  # views are stored as independent tensors (see ember.serialization)
    np.testing.assert_array_equal(loaded["row"].cpu().numpy(), base.cpu().numpy()[1])


def test_optimizer_state_dict_round_trip(device: str) -> None:
    def make(device: str) -> tuple[list[nn.Parameter], optim.Optimizer]:
        params = [nn.Parameter(ember.tensor(rand(3, 2, seed=46), device=device))]
        return params, optim.Adam(params, lr=0.1, amsgrad=True)

    def step(params: list[nn.Parameter], opt: optim.Optimizer) -> None:
        opt.zero_grad()
        (params[0] ** 3).sum().backward()
        opt.step()

    params, opt = make(device)
    for _ in range(2):
        step(params, opt)
    loaded = _round_trip({"opt": opt.state_dict(), "params": [p.detach() for p in params]})
    for key, value in loaded["opt"]["state"][0].items():
        want = opt.state[params[0]][key]
        assert value.device == want.device and value.dtype == want.dtype, key
        np.testing.assert_array_equal(value.cpu().numpy(), want.cpu().numpy(), err_msg=key)
    assert loaded["opt"]["param_groups"][0]["betas"] == (0.9, 0.999)
    params2, opt2 = make(device)
    with ember.no_grad():
        params2[0].copy_(loaded["params"][0])
    opt2.load_state_dict(loaded["opt"])
    step(params, opt)
    step(params2, opt2)
    check_same(params2[0], params[0].detach().cpu(), device, rtol=0, atol=0, what="resumed from a checkpoint")


def _saved_bytes(device: str) -> bytes:
    buf = io.BytesIO()
    ember.save({"w": ember.tensor(rand(8, 8, seed=47), device=device), "step": 3}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("damage", ["truncated", "flipped-byte", "empty", "garbage"])
def test_damaged_file_raises_clear_error(damage: str, device: str, tmp_path: Path) -> None:
    data = _saved_bytes(device)
    bad = {"truncated": data[: len(data) // 2], "empty": b"", "garbage": b"not a checkpoint at all" * 4,
           "flipped-byte": data[:300] + bytes([data[300] ^ 0xFF]) + data[301:]}[damage]
    path = tmp_path / "bad.ember"
    path.write_bytes(bad)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(RuntimeError, match="truncated|corrupt|not an ember checkpoint"):
        ember.load(path, map_location=device)
    assert sorted(os.listdir(tmp_path)) == before, "a failed load must not create files"


def test_failed_save_leaves_nothing_behind(device: str, tmp_path: Path) -> None:
    good = {"w": ember.ones(3, device=device)}
    path = tmp_path / "ckpt.ember"
    ember.save(good, path)
    with pytest.raises(TypeError, match="cannot save"):
        ember.save({"w": ember.zeros(3, device=device), "bad": object()}, path)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.ember"], "a failed save must leave no temporary file"
    np.testing.assert_array_equal(ember.load(path)["w"].cpu().numpy(), np.ones(3), "the previous file must survive")
    with pytest.raises(TypeError):
        ember.save({"bad": object()}, tmp_path / "new.ember")
    assert not (tmp_path / "new.ember").exists()
