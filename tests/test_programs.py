"""Real PyTorch programs (tests/programs/, written as PyTorch's examples are: ``import torch`` and nothing
of ember's) run unchanged under ``ember run`` on the NumPy and JAX backends and learn what they teach."""

from __future__ import annotations

import ast
import importlib.util
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).resolve().parent / "programs"
needs_sklearn = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                                   reason="the digits programs need scikit-learn (pip install 'ember[examples]')")
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                               reason="jax is not installed (pip install 'ember[jax]')")
DEVICES = ["cpu", pytest.param("jax", marks=needs_jax)]


def ember_run(name: str, *args: str) -> str:
    """Runs ``ember run tests/programs/<name> <args>`` in a fresh interpreter and returns its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    r = subprocess.run([sys.executable, "-m", "ember.cli", "run", str(PROGRAMS / name), *args], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{name} {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def floats(pattern: str, text: str) -> list[float]:
    found = [float(x) for x in re.findall(pattern, text)]
    assert found, f"no match for {pattern!r} in:\n{text}"
    return found


def test_every_program_is_tested() -> None:
    tested = {"mnist_cnn.py", "word_language_model.py", "dcgan.py", "vae.py", "time_sequence_prediction.py",
              "super_resolution.py", "gcn.py"}
    assert {p.name for p in PROGRAMS.glob("*.py")} == tested


def test_programs_are_plain_pytorch() -> None:
    for path in PROGRAMS.glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
        assert "torch" in imported and "ember" not in imported, f"{path.name} must be a plain PyTorch program"


@needs_jax
def test_dataloader_workers_started_after_jax_see_the_alias(tmp_path: Path) -> None:
    # once JAX runs, workers come from a forkserver and re-import the script: its `import torch` must be ember
    script = tmp_path / "workers.py"
    script.write_text(
        "import torch\n"
        "from torch.utils.data import DataLoader, Dataset\n\n\n"
        "class Squares(Dataset):\n"
        "    def __len__(self):\n"
        "        return 4\n\n"
        "    def __getitem__(self, i):\n"
        "        return torch.tensor([float(i * i)])\n\n\n"
        "if __name__ == '__main__':\n"
        "    print((torch.ones(2, device='jax') + 1).tolist())\n"
        "    for batch in DataLoader(Squares(), batch_size=2, num_workers=1):\n"
        "        print(type(batch).__module__, batch.flatten().tolist())\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    r = subprocess.run([sys.executable, "-m", "ember.cli", "run", str(script)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "[2.0, 2.0]" and lines[1:] == ["ember.tensor [0.0, 1.0]", "ember.tensor [4.0, 9.0]"], r.stdout


@needs_sklearn
@pytest.mark.parametrize("device", DEVICES)
def test_mnist_cnn(device: str) -> None:
    epochs = "2" if device == "cpu" else "1"
    out = ember_run("mnist_cnn.py", "--device", device, "--epochs", epochs, "--save-model")
    accuracy = floats(r"final test accuracy: (\d\.\d+)", out)[0]
    assert accuracy > (0.9 if device == "cpu" else 0.8), out  # chance is 0.1
    assert "8 tensors reloaded" in out, out


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("model", ["LSTM", "Transformer"])
def test_word_language_model(model: str, device: str) -> None:
    args = ["--model", model, "--device", device]
    if model == "LSTM":
        args.append("--tied")
    if device == "jax":
        args += ["--epochs", "2"]
    out = ember_run("word_language_model.py", *args)
    valid = floats(r"valid loss +(\d+\.\d+)", out)
    assert valid[-1] < valid[0] - 0.02, out
    vocabulary = floats(r"vocabulary (\d+) words", out)[0]
    assert floats(r"test loss +(\d+\.\d+)", out)[0] < 0.6 * math.log(vocabulary), out  # uniform guessing: log V


@needs_sklearn
@pytest.mark.parametrize("device", DEVICES)
def test_dcgan(device: str) -> None:
    out = ember_run("dcgan.py", "--device", device, "--niter", "30" if device == "cpu" else "6")
    assert "ConvTranspose2d(16, 64, kernel_size=(4, 4), stride=(1, 1), bias=False)" in out, out
    rows = re.findall(r"Loss_D: (\S+) Loss_G: (\S+) D\(x\): (\S+) D\(G\(z\)\): (\S+) / (\S+)", out)
    assert len(rows) == (30 if device == "cpu" else 6), out
    values = [[float(v) for v in row] for row in rows]
    assert all(math.isfinite(v) for row in values for v in row), out
    d_x = [row[2] for row in values]
    assert max(d_x) - min(d_x) > 0.05, out  # the discriminator learns to tell real digits from fakes
    assert all(0.0 < v < 1.0 for row in values for v in row[2:]), out
    assert "fixed-noise samples: shape (64, 1, 16, 16)" in out, out


@needs_sklearn
@pytest.mark.parametrize("device", DEVICES)
def test_vae(device: str) -> None:
    out = ember_run("vae.py", "--device", device, "--epochs", "5" if device == "cpu" else "2")
    test_losses = floats(r"Test set loss: (\d+\.\d+)", out)
    assert test_losses[-1] < test_losses[0] - 1.0, out
    train_losses = floats(r"Epoch: \d+ Average loss: (\d+\.\d+)", out)
    assert train_losses[-1] < train_losses[0], out
    means = floats(r"sampled 16 digits: mean pixel (\d\.\d+)", out)
    assert all(0.0 < m < 1.0 for m in means), out


@pytest.mark.parametrize("device", DEVICES)
def test_time_sequence_prediction(device: str) -> None:
    args = ["--device", device]
    if device == "jax":
        args += ["--steps", "2", "--length", "20", "--future", "5"]
    out = ember_run("time_sequence_prediction.py", *args)
    test_losses = floats(r"test loss: (\S+)", out)
    assert len(test_losses) == (3 if device == "cpu" else 2), out
    assert test_losses[-1] < test_losses[0], out
    losses = floats(r"(?m)^loss: (\S+)", out)
    assert losses and losses[-1] < losses[0], out  # L-BFGS evaluates the closure several times per step


@needs_sklearn
@pytest.mark.parametrize("device", DEVICES)
def test_super_resolution(device: str) -> None:
    out = ember_run("super_resolution.py", "--device", device, "--nEpochs", "4" if device == "cpu" else "2")
    psnr = floats(r"Avg\. PSNR: (\d+\.\d+) dB", out)
    assert psnr[-1] > psnr[0] + (2.0 if device == "cpu" else 0.5), out
    if device == "cpu":
        assert psnr[-1] > floats(r"Nearest-neighbour PSNR: (\d+\.\d+) dB", out)[0], out


@pytest.mark.parametrize("device", DEVICES)
def test_gcn(device: str) -> None:
    out = ember_run("gcn.py", "--device", device, "--epochs", "100" if device == "cpu" else "30")
    assert floats(r"Test set results: loss= \S+ accuracy= (\d\.\d+)", out)[0] > 0.8, out
    train_losses = floats(r"loss_train: (\d+\.\d+)", out)
    assert train_losses[-1] < train_losses[0], out
