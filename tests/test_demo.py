"""``ember demo`` (core/demo.py): trains on Digits, reports accuracy, saves a checkpoint and a plot, on any backend."""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ember
from ember import demo, plugins

pytest.importorskip("sklearn", reason="the demo trains on Digits, which needs scikit-learn "
                                      "(pip install 'ember[examples]')")

ACCURACY = re.compile(r"test accuracy: (\d+\.\d\d)% \((\d+)/(\d+)\)")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    return parser.parse_args(argv)


def accuracy_of(text: str) -> float:
    m = ACCURACY.search(text)
    assert m is not None, text
    assert int(m[3]) == 359 and abs(int(m[2]) / 359 * 100 - float(m[1])) < 0.006
    return float(m[1])


def test_options_and_defaults() -> None:
    args = parse([])
    assert (args.device, args.model, args.epochs, args.batch_size, args.out) == (None, "cnn", 8, 64, "ember-demo")
    args = parse(["--device", "jax", "--model", "mlp", "--epochs", "3", "--batch-size", "32", "--out", "o"])
    assert (args.device, args.model, args.epochs, args.batch_size, args.out) == ("jax", "mlp", 3, 32, "o")
    for bad in (["--model", "resnet"], ["--epochs", "0"], ["--batch-size", "-1"]):
        with pytest.raises(SystemExit):
            parse(bad)


def test_cnn_trains_and_its_checkpoint_reloads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ember.data import DataLoader
    from ember.data.datasets import Digits

    assert demo.run(parse(["--device", "cpu", "--model", "cnn", "--epochs", "2", "--out", str(tmp_path)])) == 0
    out, err = capsys.readouterr()
    acc = accuracy_of(out)
    assert acc >= 90.0, out  # about 94% after two epochs; chance is 10%
    if importlib.util.find_spec("tqdm") is not None:
        assert "epoch 1/2" in err and "epoch 2/2" in err and "loss=" in err and "test_acc=" in err, err

    ckpt = ember.load(tmp_path / "digits_cnn.pt", map_location="cpu")
    assert ckpt["model"] == "cnn" and ckpt["epochs"] == 2 and ckpt["device"] == "cpu"
    history = ckpt["history"]
    assert all(len(v) == 2 for v in history.values())
    assert history["train_loss"][1] < history["train_loss"][0] and history["test_acc"][1] > 0.5
    assert round(100 * ckpt["test_accuracy"], 2) == acc

    model = demo.build_model("cnn")
    model.load_state_dict(ckpt["model_state_dict"])
    optimizer = ember.optim.Adam(model.parameters())
    optimizer.load_state_dict(ckpt["optimizer_state_dict"])  # resumable: Adam's moments and step count
    assert optimizer.state[model[0].weight]["step"] == 2 * 23  # 1438 images in batches of 64
    _, reloaded_acc = demo.evaluate(model, DataLoader(Digits(train=False), batch_size=512), ember.device("cpu"))
    assert reloaded_acc == ckpt["test_accuracy"]

    png = tmp_path / "digits_cnn_curves.png"
    if importlib.util.find_spec("matplotlib") is not None:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"saved plot: {png}" in out
    else:
        assert not png.exists() and "matplotlib is not installed" in out


def test_without_tqdm_and_matplotlib(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("tqdm", "tqdm.auto", "matplotlib", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import name` raise ImportError
    assert demo.main(["--device", "cpu", "--model", "mlp", "--epochs", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "tqdm is not installed" in out and "matplotlib is not installed" in out
    lines = re.findall(r"epoch (\d)/2  loss (\d+\.\d+)  acc (\d\.\d+)  test_acc (\d\.\d+)", out)
    assert [line[0] for line in lines] == ["1", "2"] and float(lines[1][1]) < float(lines[0][1])
    assert accuracy_of(out) > 60.0
    assert (tmp_path / "digits_mlp.pt").exists() and not (tmp_path / "digits_mlp_curves.png").exists()


def test_without_scikit_learn_says_what_to_install(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert demo.main(["--device", "cpu", "--epochs", "1", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "scikit-learn" in err and "pip install" in err
    assert not (tmp_path / "digits_cnn.pt").exists()


def test_unavailable_device_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--device", "nosuchdevice", "--out", str(tmp_path)]) == 1
    assert "ember demo: error:" in capsys.readouterr().err
    missing = [dt for dt, be in plugins.registered_backends().items() if plugins.unavailable_reason(be) is not None]
    if not missing:
        pytest.skip("every registered backend is available here")
    assert demo.main(["--device", missing[0], "--epochs", "1", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{missing[0]} is not available" in err, err
    assert not os.listdir(tmp_path)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed (pip install 'ember[jax]')")
def test_jax_matches_numpy(tmp_path: Path) -> None:
    """``python -m ember.demo --device jax`` is the same computation as on the CPU: the same accuracy and losses.

    The CNN (conv, batch norm, max pooling) takes JAX about 20 s to compile; the MLP would test much less.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMBER_")}
    results = {}
    for device in ("cpu", "jax"):
        r = subprocess.run([sys.executable, "-m", "ember.demo", "--device", device, "--model", "cnn", "--epochs", "2",
                            "--out", str(tmp_path / device)], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert f"on {device}" in r.stdout
        results[device] = accuracy_of(r.stdout)
    assert abs(results["jax"] - results["cpu"]) < 0.6 and results["cpu"] > 90.0, results  # 0.6: 2 of 359 images

    on_jax = ember.load(tmp_path / "jax" / "digits_cnn.pt")
    on_cpu = ember.load(tmp_path / "cpu" / "digits_cnn.pt")
    assert on_jax["device"] == "jax"
    assert all(t.device.type == "jax" for t in on_jax["model_state_dict"].values())
    # Float rounding differs between the backends' kernels, so the runs drift apart slowly (Adam magnifies
    # it where a gradient is near zero): the losses agree closely, the weights loosely.
    for a, b in zip(on_jax["history"]["train_loss"], on_cpu["history"]["train_loss"]):
        assert a == pytest.approx(b, rel=2e-3)
    for name, value in on_jax["model_state_dict"].items():
        expected = on_cpu["model_state_dict"][name].double()
        assert ember.allclose(value.cpu().double(), expected, rtol=0.1, atol=0.05), name
