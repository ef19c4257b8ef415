"""Issue 6's portability promise: one program, one seed, the same numbers on numpy and on jax."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember import nn

pytest.importorskip("jax", reason="the jax backend needs JAX: pip install 'ember[jax]'")
pytest.importorskip("sklearn", reason="the digits data set ships with scikit-learn")


def _mlp(device: str) -> nn.Module:
    """The digits MLP, built directly on ``device`` (factory functions there) after seeding."""
    ember.manual_seed(0)
    with ember.device(device):
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def _train(device: str, steps: int = 20) -> tuple[dict[str, np.ndarray], list[float]]:
    from ember.data.datasets import Digits

    ds = Digits(train=True)
    model = _mlp(device)
    init = {k: v.detach().numpy(force=True).copy() for k, v in model.state_dict().items()}
    opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x_all, y_all = ds.data.to(device), ds.targets.to(device)
    losses = []
    for step in range(steps):
        idx = slice(step * 64, (step + 1) * 64)
        opt.zero_grad()
        loss = loss_fn(model(x_all[idx]), y_all[idx])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return init, losses


def test_digits_mlp_same_init_and_losses_on_numpy_and_jax() -> None:
    init_np, losses_np = _train("cpu")
    init_jax, losses_jax = _train("jax")
    assert init_np.keys() == init_jax.keys()
    for k in init_np:
        np.testing.assert_array_equal(init_np[k], init_jax[k], err_msg=f"initial {k} differs")
    np.testing.assert_allclose(losses_jax, losses_np, rtol=1e-4)
    assert losses_np[-1] < 0.7 * losses_np[0], "20 SGD steps should cut the digits loss by 30%"


def test_ember_backend_env_runs_a_program_on_jax() -> None:
    code = ("import ember; x = ember.ones(2, 3); y = (x * 2).sum(0); "
            "print(ember.get_default_device(), x.device, y.tolist())")
    env = {**os.environ, "EMBER_BACKEND": "jax"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["jax:0", "jax:0", "[4.0,", "4.0,", "4.0]"]


def test_model_and_optimizer_state_follow_to_jax(tmp_path: os.PathLike[str]) -> None:
    model = _mlp("cpu").to("jax")
    assert {p.device.type for p in model.parameters()} == {"jax"}
    opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    x = ember.randn(8, 1, 8, 8, device="jax")
    model(x).sum().backward()
    opt.step()
    states = [s for s in opt.state.values()]
    assert states and all(v.device.type == "jax" for s in states for v in s.values() if isinstance(v, ember.Tensor)
                          and v.dim() > 0)
    path = os.path.join(tmp_path, "m.pt")
    ember.save(model.state_dict(), path)
    sd = ember.load(path, map_location="jax")
    assert all(v.device.type == "jax" for v in sd.values())
    ref = model.state_dict()
    for k, v in sd.items():
        np.testing.assert_array_equal(v.numpy(), ref[k].detach().numpy())
