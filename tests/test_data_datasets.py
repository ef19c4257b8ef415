"""ember.data.datasets (MNIST/FashionMNIST from IDX files the test writes, Digits) and .transforms."""

from __future__ import annotations

import gzip
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ember
from ember.data import DataLoader
from ember.data import transforms as T
from ember.data.datasets import MNIST, Digits, FashionMNIST


def _write_idx(path: Path, arr: np.ndarray, gz: bool = False) -> None:
    code = {np.dtype(np.uint8): 0x08, np.dtype(np.int32): 0x0C}[arr.dtype]
    header = bytes([0, 0, code, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    payload = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


def _fake_split(folder: Path, prefix: str, n: int, gz: bool, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    _write_idx(folder / f"{prefix}-images-idx3-ubyte", images, gz)
    _write_idx(folder / f"{prefix}-labels-idx1-ubyte", labels, gz)
    return images, labels


@pytest.mark.parametrize("layout,gz",
                         [("torchvision", False), ("torchvision", True), ("flat", False), ("flat", True)])
def test_mnist_reads_idx_files(tmp_path: Path, layout: str, gz: bool) -> None:
    folder = tmp_path / "MNIST" / "raw" if layout == "torchvision" else tmp_path
    train_images, train_labels = _fake_split(folder, "train", 7, gz, seed=1)
    test_images, test_labels = _fake_split(folder, "t10k", 3, gz, seed=2)
    train = MNIST(tmp_path, train=True)
    test = MNIST(str(tmp_path), train=False, transform=T.ToTensor(), target_transform=lambda y: y + 100)
    assert len(train) == 7 and len(test) == 3
    img, label = train[4]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    assert np.array_equal(img, train_images[4]) and label == int(train_labels[4]) and type(label) is int
    assert train.data.shape == (7, 28, 28) and train.targets.dtype == ember.int64
    timg, tlabel = test[2]
    assert timg.shape == (1, 28, 28) and timg.dtype == ember.float32
    assert np.allclose(timg.numpy()[0], test_images[2] / 255.0) and tlabel == int(test_labels[2]) + 100
    xb, yb = next(iter(DataLoader(test, batch_size=3)))
    assert xb.shape == (3, 1, 28, 28) and yb.tolist() == [int(v) + 100 for v in test_labels]
    assert "Split: Test" in repr(test) and train.class_to_idx["3 - three"] == 3


def test_fashion_mnist_uses_its_own_folder(tmp_path: Path) -> None:
    _fake_split(tmp_path / "FashionMNIST" / "raw", "train", 2, gz=True)
    ds = FashionMNIST(tmp_path)
    assert len(ds) == 2 and ds.classes[9] == "Ankle boot"
    with pytest.raises(RuntimeError, match="MNIST"):
        MNIST(tmp_path)  # FashionMNIST's files are not MNIST's


@pytest.mark.parametrize("download", [False, True])
def test_missing_files_error_says_what_to_place_where(tmp_path: Path, download: bool) -> None:
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(3, np.uint8))
    with pytest.raises(RuntimeError) as err:
        MNIST(tmp_path, train=True, download=download)
    msg = str(err.value)
    assert "train-images-idx3-ubyte" in msg and "train-labels-idx1-ubyte" in msg and ".gz" in msg
    assert "Missing: train-images-idx3-ubyte." in msg
    assert repr(os.path.join(str(tmp_path), "MNIST", "raw")) in msg and repr(str(tmp_path)) in msg
    assert ("does not download" in msg) == download
    with pytest.raises(RuntimeError, match="t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"):
        MNIST(tmp_path, train=False)


def test_corrupted_idx_files(tmp_path: Path) -> None:
    _fake_split(tmp_path, "train", 4, gz=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="truncated or corrupted"):
        MNIST(tmp_path)
    path.write_bytes(b"\x12\x34\x56\x78")
    with pytest.raises(RuntimeError, match="not an IDX file"):
        MNIST(tmp_path)
    _fake_split(tmp_path, "train", 4, gz=False)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(RuntimeError, match="do not match"):
        MNIST(tmp_path)


def test_digits_split() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn (the examples extra) is not installed")
    train, test = Digits(train=True), Digits(train=False)
    assert len(train) + len(test) == 1797 and len(test) == round(1797 * 0.2)
    img, label = train[0]
    assert img.shape == (1, 8, 8) and img.dtype == ember.float32 and type(label) is int
    assert train.data.min().item() >= 0.0 and train.data.max().item() == 1.0
    assert set(train.targets.tolist()) == set(range(10)) == set(test.targets.tolist())
    again = Digits(train=True)
    assert np.array_equal(again.data.numpy(), train.data.numpy())
    assert again.targets.tolist() == train.targets.tolist()
    other = Digits(train=True, seed=1)
    assert other.targets.tolist() != train.targets.tolist()
    from sklearn.datasets import load_digits

    rows = {r.tobytes() for r in (load_digits().images.astype(np.float32) / 16).reshape(-1, 64)}
    seen = [r.tobytes() for r in np.concatenate([train.data.numpy(), test.data.numpy()]).reshape(-1, 64)]
    assert set(seen) <= rows and len(seen) == 1797
    flipped = Digits(train=False, transform=T.Lambda(lambda x: x * 2), target_transform=str)
    x, y = flipped[3]
    assert np.allclose(x.numpy(), 2 * test[3][0].numpy()) and y == str(test[3][1])
    with pytest.raises(ValueError, match="test_fraction"):
        Digits(test_fraction=1.0)


def test_digits_without_sklearn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'ember\[examples\]'"):
        Digits()


def test_to_tensor() -> None:
    hwc = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    t = T.ToTensor()(hwc)
    assert t.shape == (3, 2, 4) and t.dtype == ember.float32
    assert np.allclose(t.numpy(), hwc.transpose(2, 0, 1) / 255.0)
    gray = T.ToTensor()(np.full((5, 6), 255, np.uint8))
    assert gray.shape == (1, 5, 6) and gray.max().item() == 1.0
    floats = T.ToTensor()(np.ones((2, 2), np.float64) * 3)
    assert floats.dtype == ember.float64 and floats.max().item() == 3.0  # not rescaled, as in torchvision
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        T.ToTensor()([[1, 2]])


def test_normalize_and_compose() -> None:
    x = ember.rand(3, 4, 5)
    norm = T.Normalize((0.5, 0.25, 0.0), (0.5, 2.0, 1.0))
    mean, std = np.array([0.5, 0.25, 0.0])[:, None, None], np.array([0.5, 2.0, 1.0])[:, None, None]
    expected = (x.numpy() - mean) / std
    assert np.allclose(norm(x).numpy(), expected, atol=1e-6)
    assert np.allclose(T.Normalize(0.5, 0.5)(x).numpy(), (x.numpy() - 0.5) / 0.5, atol=1e-6)
    y = x.clone()
    assert T.Normalize((0.5,) * 3, (0.5,) * 3, inplace=True)(y) is y
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        norm(ember.zeros(3, 2, 2, dtype=ember.int64))
    with pytest.raises(ValueError, match="Expected tensor to be a tensor image"):
        norm(ember.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.0,), (0.0,))(ember.zeros(1, 2, 2))
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,)), T.Lambda(lambda t: t * 0)])
    out = pipeline(np.full((2, 2), 255, np.uint8))
    assert out.shape == (1, 2, 2) and out.abs().sum().item() == 0
    assert repr(pipeline).startswith("Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))")
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)  # type: ignore[arg-type]


def _flips(transform: Any, img: Any, n: int = 40) -> list[bool]:
    ref = img.tolist()
    return [transform(img).tolist() != ref for _ in range(n)]


def test_random_horizontal_flip_reproducible() -> None:
    img = ember.arange(6.0).reshape(1, 2, 3)
    assert T.RandomHorizontalFlip(p=1.0)(img).tolist() == [[[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]]
    assert T.RandomHorizontalFlip(p=0.0)(img).tolist() == img.tolist()
    arr = np.arange(6).reshape(2, 3)
    assert T.RandomHorizontalFlip(p=1.0)(arr).tolist() == [[2, 1, 0], [5, 4, 3]]
    ember.manual_seed(0)
    first = _flips(T.RandomHorizontalFlip(), img)
    ember.manual_seed(0)
    assert _flips(T.RandomHorizontalFlip(), img) == first and 0 < sum(first) < 40


def test_random_crop() -> None:
    img = ember.arange(16.0).reshape(1, 4, 4)
    crop = T.RandomCrop(2)
    ember.manual_seed(1)
    outs = [crop(img) for _ in range(30)]
    ember.manual_seed(1)
    assert [o.tolist() for o in outs] == [crop(img).tolist() for _ in range(30)]
    full = img.numpy()[0]
    windows = {tuple(full[i:i + 2, j:j + 2].ravel()) for i in range(3) for j in range(3)}
    assert all(o.shape == (1, 2, 2) and tuple(o.numpy().ravel()) in windows for o in outs)
    assert len({tuple(o.numpy().ravel()) for o in outs}) > 3
    padded = T.RandomCrop(6, padding=1, fill=-1)(img)
    assert padded.shape == (1, 6, 6) and padded[0, 0].tolist() == [-1.0] * 6
    assert padded[0, 1, 1:5].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert T.RandomCrop((4, 4))(img).tolist() == img.tolist()
    grown = T.RandomCrop((5, 6), pad_if_needed=True)(img)
    assert grown.shape == (1, 5, 6)
    edge = T.RandomCrop(6, padding=1, padding_mode="edge")(img)
    assert edge[0, 0].tolist() == [0.0, 0.0, 1.0, 2.0, 3.0, 3.0]
    arr = np.arange(16, dtype=np.uint8).reshape(4, 4)
    assert T.RandomCrop(3, padding=(1, 2))(arr).shape == (3, 3)
    with pytest.raises(ValueError, match=r"Required crop size \(5, 5\) is larger than input image size"):
        T.RandomCrop(5)(img)
