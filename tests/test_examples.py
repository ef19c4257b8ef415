"""Each script in examples/ runs briefly as a real program and does what it teaches."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="the digits examples need scikit-learn (pip install 'ember[examples]')")


def run_example(name: str, *args: str, backend: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    if backend is not None:
        env["EMBER_BACKEND"] = backend
    r = subprocess.run([sys.executable, str(EXAMPLES / name), *args], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, f"{name} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def floats(pattern: str, text: str) -> list[float]:
    found = [float(x) for m in re.findall(pattern, text) for x in (m if isinstance(m, tuple) else (m,))]
    assert found, f"no match for {pattern!r} in:\n{text}"
    return found


def test_every_example_is_tested() -> None:
    tested = {"linear_regression_autograd.py", "linear_regression_nn.py", "mlp_classifier.py",
              "cnn_classifier.py", "save_and_load.py", "tensor_tour.py", "mixed_precision.py",
              "transformer_lm.py",
              "ddp_train.py"}  # run as 2 ranks by tests/test_examples_distributed.py
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_linear_regression_autograd() -> None:
    out = run_example("linear_regression_autograd.py", "--device", "cpu", "--steps", "40")
    first = floats(r"step +1  loss (\d+\.\d+)", out)[0]
    final = floats(r"final loss (\d+\.\d+)", out)[0]
    assert final < first / 1000, out
    w0, w1, b = floats(r"learned w = \[(-?\d+\.\d+), (-?\d+\.\d+)\], b = (-?\d+\.\d+)", out)
    assert [w0, w1, b] == pytest.approx([2.0, -3.4, 4.2], abs=0.02), out


def test_linear_regression_nn() -> None:
    out = run_example("linear_regression_nn.py", "--device", "cpu", "--epochs", "4", "--size", "300")
    assert "Linear(in_features=3, out_features=1, bias=True)" in out
    losses = floats(r"epoch +\d+  loss (\d+\.\d+)", out)
    assert len(losses) == 4 and losses[-1] < losses[0] / 10, out
    learned = floats(r"learned weight = \[(-?\d+\.\d+), (-?\d+\.\d+), (-?\d+\.\d+)\], bias = (-?\d+\.\d+)", out)
    assert learned == pytest.approx([2.0, -3.4, 0.5, 4.2], abs=0.1), out


@needs_sklearn
def test_mlp_classifier() -> None:
    out = run_example("mlp_classifier.py", "--device", "cpu", "--epochs", "2")
    assert "Epoch 2\n" in out and "Linear(in_features=64, out_features=128, bias=True)" in out
    accuracies = floats(r"Test: Accuracy: (\d+\.\d)%", out)
    assert len(accuracies) == 2 and accuracies[-1] > 60.0, out  # about 85% after two epochs; chance is 10%
    assert floats(r"Final test accuracy: (\d+\.\d)%", out) == accuracies[-1:]


@needs_sklearn
def test_cnn_classifier() -> None:
    out = run_example("cnn_classifier.py", "--device", "cpu", "--epochs", "1")
    assert "BatchNorm2d(32" in out and "Dropout(p=0.3" in out, out
    assert floats(r"Final test accuracy: (\d+\.\d\d)%", out)[0] > 80.0, out  # about 93% after one epoch
    per_class = floats(r"\d: (\d+)%", out.split("per-class test accuracy")[1])
    assert len(per_class) == 10


def test_save_and_load(tmp_path: Path) -> None:
    out = run_example("save_and_load.py", "--device", "cpu", "--steps", "20", "--dir", str(tmp_path))
    assert "reloaded model gives identical outputs: True" in out, out
    assert "outputs match: True" in out, out
    assert "resumed training matches uninterrupted training: True" in out, out
    assert {p.name for p in tmp_path.iterdir()} == {"model_weights.pt", "checkpoint.pt"}


def test_tensor_tour() -> None:
    out = run_example("tensor_tour.py", "--device", "cpu")
    assert out.startswith("ember ") and "running on cpu" in out
    assert "100." in out and "104." in out  # the write through the view, and the gradient of the matmul


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed (pip install 'ember[jax]')")
def test_save_and_load_with_jax_as_the_default_device(tmp_path: Path) -> None:
    # no --device: the model, the data and map_location="cpu" must all work when jax is the default device
    out = run_example("save_and_load.py", "--steps", "5", "--dir", str(tmp_path), backend="jax")
    assert "trained 5 steps on jax" in out
    assert "reloaded model gives identical outputs: True" in out and "outputs match: True" in out, out
    assert "resumed training matches uninterrupted training: True" in out, out


def test_mixed_precision() -> None:
    out = run_example("mixed_precision.py", "--device", "cpu", "--steps", "100")
    assert "logits dtype: ember.bfloat16, loss dtype: ember.float32, weight grad dtype: ember.float32" in out, out
    assert "parameters stay ember.float32" in out, out
    losses = floats(r"step +\d+  loss (\d+\.\d+)", out)
    assert losses[-1] < losses[0] / 10, out
    assert floats(r"final training accuracy: (\d+\.\d)%", out)[0] > 90.0, out


def test_transformer_lm() -> None:
    out = run_example("transformer_lm.py", "--device", "cpu", "--steps", "60")
    uniform = floats(r"uniform guessing would score a loss of (\d+\.\d+)", out)[0]
    losses = floats(r"step +\d+  loss (\d+\.\d+)", out)
    assert losses[0] > 0.8 * uniform and losses[-1] < 0.6 * uniform, out  # about 1.2 after 60 steps; log 25 = 3.2
    sample = out.split("sample: ")[1].splitlines()[0]
    assert sample.startswith("'the river ") and len(sample) > 60, out  # the prompt, continued by 60 characters
