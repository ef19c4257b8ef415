"""``ember demo``: train a small network on real handwritten digits, on any backend.

The main job of the README's Quickstart::

    pip install ".[examples]"
    ember demo                       # a CNN on the default device (EMBER_BACKEND, else cpu)
    ember demo --device jax --model mlp --epochs 20 --out runs/mlp

It trains on ``ember.data.datasets.Digits`` (scikit-learn's 1,797 8x8 images: 1,438 to train on,
359 held out), shows a tqdm progress bar per epoch with the running loss and accuracy, prints the
test accuracy, and saves a checkpoint with ``ember.save`` and a PNG of the loss and accuracy curves.
The training code is plain PyTorch API, so it reads as a PyTorch tutorial does.

The checkpoint ``<out>/digits_<model>.pt`` is a dict: ``model`` ("mlp"/"cnn"), ``model_state_dict``,
``optimizer_state_dict`` (Adam), ``epochs``, ``test_accuracy``, ``history`` (per-epoch ``train_loss``,
``train_acc``, ``test_loss``, ``test_acc``) and ``device``. To use the trained model::

    from ember.demo import build_model

    ckpt = ember.load("ember-demo/digits_cnn.pt", map_location="cpu")
    model = build_model(ckpt["model"])
    model.load_state_dict(ckpt["model_state_dict"])

Decisions:

- The CNN has BatchNorm but no Dropout. Dropout draws its masks from the device's generator,
  which differs between backends; without it a run is the same computation on every backend
  (initialization and shuffling come from the CPU generator, DESIGN §5), so ``--device jax``
  reproduces the ``cpu`` run's accuracy up to float rounding. The dropout variant is in
  examples/cnn_classifier.py.
- Defaults (CNN, 8 epochs, batch 64, Adam 3e-3 with cosine decay) reach about 98% test accuracy
  in a few seconds on NumPy; JAX spends its first epoch compiling kernels for the batch shapes.
- Missing extras degrade, they don't fail: without tqdm the demo prints one line per epoch, and
  without matplotlib it skips the plot; each says so. Without scikit-learn there is no data, so
  the demo stops with the install command.

Also runnable as ``python -m ember.demo``. The ``ember`` CLI builds its ``demo`` subcommand from
:func:`add_arguments` and :func:`run`.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

MODELS = ("mlp", "cnn")
_DEFAULTS = {"model": "cnn", "epochs": 8, "batch_size": 64, "lr": 3e-3, "seed": 0, "out": "ember-demo"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options (``--device``, ``--model``, ``--epochs``, ...) to ``parser``."""
    d = _DEFAULTS
    parser.add_argument("--device", metavar="D", default=None,
                        help="device to train on, e.g. cpu, jax, cuda:0 (default: the default device, EMBER_BACKEND)")
    parser.add_argument("--model", choices=MODELS, default=d["model"],
                        help=f"mlp: 64-128-10 perceptron; cnn: two conv+batchnorm blocks (default: {d['model']})")
    parser.add_argument("--epochs", metavar="N", type=_positive_int, default=d["epochs"],
                        help=f"passes over the training set (default: {d['epochs']})")
    parser.add_argument("--batch-size", metavar="B", type=_positive_int, default=d["batch_size"],
                        help=f"images per training step (default: {d['batch_size']})")
    parser.add_argument("--lr", metavar="LR", type=float, default=d["lr"],
                        help=f"Adam learning rate (default: {d['lr']})")
    parser.add_argument("--seed", metavar="S", type=int, default=d["seed"], help=f"random seed (default: {d['seed']})")
    parser.add_argument("--out", metavar="DIR", default=d["out"],
                        help=f"folder for the checkpoint and the plot (default: ./{d['out']})")


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def build_model(name: str) -> Any:
    """The demo's network ``name`` ("mlp" or "cnn") for 1x8x8 images and 10 classes, on the CPU."""
    from ember import nn

    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "cnn":
        # NOTE: no conv bias: the BatchNorm after it would subtract it again, so its gradient is zero up to
        # rounding, and Adam would turn that rounding noise into full-size steps (different on each backend).
        return nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),  # 16x4x4
            nn.Conv2d(16, 32, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),  # 32x2x2
            nn.Flatten(), nn.Linear(32 * 2 * 2, 10),
        )
    raise ValueError(f"unknown model {name!r}: expected one of {', '.join(MODELS)}")


def evaluate(model: Any, loader: Any, device: Any) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``model`` over ``loader``."""
    import ember
    import ember.nn.functional as F

    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with ember.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            count += labels.shape[0]
    return total_loss / count, correct / count


def train(model: Any, optimizer: Any, scheduler: Any, train_loader: Any, test_loader: Any, device: Any,
          epochs: int, tqdm: Any = None) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs``, testing after each; returns the per-epoch history.

    ``tqdm`` is the ``tqdm.tqdm`` class for a progress bar per epoch, or None for one printed line per epoch.
    """
    from ember import nn

    criterion = nn.CrossEntropyLoss()
    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    width = len(str(epochs))
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        # NOTE: a manual bar (not tqdm(loader)) stays open after the last batch, so the test accuracy joins its line.
        bar = None if tqdm is None else tqdm(total=len(train_loader), desc=f"epoch {epoch:>{width}}/{epochs}",
                                             unit="batch", dynamic_ncols=True)
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            loss = criterion(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            n = labels.shape[0]
            total_loss += loss.item() * n
            correct += (logits.argmax(dim=1) == labels).sum().item()
            count += n
            if bar is not None:
                bar.set_postfix(loss=f"{total_loss / count:.4f}", acc=f"{correct / count:.3f}", refresh=False)
                bar.update()
        scheduler.step()
        test_loss, test_acc = evaluate(model, test_loader, device)
        for key, value in (("train_loss", total_loss / count), ("train_acc", correct / count),
                           ("test_loss", test_loss), ("test_acc", test_acc)):
            history[key].append(value)
        if bar is not None:
            bar.set_postfix(loss=f"{total_loss / count:.4f}", acc=f"{correct / count:.3f}", test_acc=f"{test_acc:.3f}")
            bar.close()
        else:
            print(f"epoch {epoch:>{width}}/{epochs}  loss {total_loss / count:.4f}  acc {correct / count:.3f}  "
                  f"test_acc {test_acc:.3f}  ({time.perf_counter() - start:.1f}s)", flush=True)
    return history


def plot_history(history: dict[str, list[float]], path: str, title: str) -> bool:
    """Save the loss and accuracy curves of ``history`` as a PNG; False (and a note) without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        print("matplotlib is not installed: skipping the plot of the loss and accuracy curves "
              "(pip install matplotlib, or pip install 'ember[examples]')")
        return False
    # NOTE: a bare Figure draws with the Agg canvas and touches no pyplot state, so no display is needed.
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = range(1, len(history["train_loss"]) + 1)
    for ax, key, label in ((ax_loss, "loss", "cross-entropy loss"), (ax_acc, "acc", "accuracy")):
        ax.plot(epochs, history[f"train_{key}"], marker="o", label="train")
        ax.plot(epochs, history[f"test_{key}"], marker="o", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.savefig(path, dpi=100)
    return True


def run(args: argparse.Namespace) -> int:
    """Run the demo with the options of :func:`add_arguments`; returns the exit status."""
    import ember
    from ember.data import DataLoader
    from ember.data.datasets import Digits

    device = ember.device(args.device) if args.device else ember.get_default_device()
    ember.zeros(1, device=device)  # an unavailable device fails here, with the install hint, not mid-training
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
        print("tqdm is not installed: printing one line per epoch instead of a progress bar "
              "(pip install tqdm, or pip install 'ember[examples]')")

    ember.manual_seed(args.seed)
    try:
        train_set, test_set = Digits(train=True), Digits(train=False)
    except ImportError as e:
        print(f"ember demo: {e}", file=sys.stderr)
        return 1
    # NOTE: the generator fixes the shuffling order, so a run is reproducible whatever else draws numbers.
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              generator=ember.Generator().manual_seed(args.seed))
    test_loader = DataLoader(test_set, batch_size=512)
    model = build_model(args.model).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"ember {ember.__version__} demo: {args.model.upper()} ({n_params:,} parameters) on 8x8 digits "
          f"({len(train_set)} train / {len(test_set)} test images), device {device}, {_plural(args.epochs, 'epoch')} "
          f"of batch {args.batch_size}", flush=True)
    if device.type == "jax":
        print("(JAX compiles each op for each new shape: the first epoch is the slow one)", flush=True)

    start = time.perf_counter()
    optimizer = ember.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history = train(model, optimizer, scheduler, train_loader, test_loader, device, args.epochs, tqdm)
    seconds = time.perf_counter() - start
    test_acc = history["test_acc"][-1]
    correct = round(test_acc * len(test_set))
    print(f"test accuracy: {100 * test_acc:.2f}% ({correct}/{len(test_set)}) after {_plural(args.epochs, 'epoch')} "
          f"in {seconds:.1f}s on {device}")

    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, f"digits_{args.model}.pt")
    ember.save({"model": args.model, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "epochs": args.epochs, "test_accuracy": test_acc,
                "history": history, "device": str(device)}, ckpt_path)
    print(f"saved checkpoint: {ckpt_path}")
    png_path = os.path.join(args.out, f"digits_{args.model}_curves.png")
    if plot_history(history, png_path, f"ember demo: {args.model.upper()} on digits ({device})"):
        print(f"saved plot: {png_path}")
    if not all(math.isfinite(v) for v in history["train_loss"]):
        print("ember demo: the training loss is not finite; try a smaller --lr", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m ember.demo [options]``: parse ``argv`` (default ``sys.argv[1:]``) and run the demo."""
    parser = argparse.ArgumentParser(prog="ember demo", description="Train a small network on 8x8 handwritten "
                                     "digits on any ember backend.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except RuntimeError as e:
        print(f"ember demo: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
