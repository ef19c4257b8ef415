"""``ember demo``: train a small network on real handwritten digits, on any backend.

The main job of the README's Quickstart::

    pip install ".[examples]"
    ember demo                       # a CNN on the default device (EMBER_BACKEND, else cpu)
    ember demo --device jax --model mlp --epochs 20 --out runs/mlp
    ember demo --nproc 2             # data-parallel on 2 processes (ember.distributed, DistributedDataParallel)

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
  (initialization and shuffling come from the CPU generator, docs/architecture.md §5), so ``--device jax``
  reproduces the ``cpu`` run's accuracy up to float rounding. The dropout variant is in
  examples/cnn_classifier.py.
- Defaults (CNN, 8 epochs, batch 64, Adam 3e-3 with cosine decay) reach about 98% test accuracy
  in a few seconds on NumPy; JAX spends its first epoch compiling kernels for the batch shapes.
- ``--nproc N`` starts the demo as N ranks with the launcher of ``ember run --nproc-per-node N``
  (:func:`ember.distributed.run.launch`; each rank is ``python -m ember._demo_ddp``). Each rank joins the
  process group of its device (cpu: ``mpi``, jax: ``jax``; no other device yet), wraps the model in
  ``DistributedDataParallel`` and trains on its ``DistributedSampler`` shard, reshuffled each epoch with
  ``set_epoch``. The global batch (``--batch-size``, split ``batch_size // N`` per rank) and the learning
  rate stay those of one process, so a step averages the gradient of as many images and the accuracy
  matches the single-process run's; it is not the same number to the image, because the sampler shuffles
  differently and BatchNorm normalizes over each rank's share of a batch. Rank 0 alone prints, evaluates,
  saves the checkpoint (the unwrapped model's ``state_dict``, so :func:`build_model` loads it) and the
  plot. On one machine's CPU cores the ranks share the cores, so this shows data parallelism rather than
  a speed-up.
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
_DEFAULTS = {"model": "cnn", "epochs": 8, "batch_size": 64, "lr": 3e-3, "seed": 0, "out": "ember-demo", "nproc": 1}
# the process-group engine of each device type a demo rank may train on. NOTE: not cuda's nccl yet: it is
# unverified, and each rank would need a GPU of its own (cuda:LOCAL_RANK)
_ENGINES = {"cpu": "mpi", "jax": "jax"}


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
    parser.add_argument("--nproc", metavar="N", type=_positive_int, default=d["nproc"],
                        help="train data-parallel on N processes of this machine (DistributedDataParallel; the "
                        f"global batch and learning rate stay the same) (default: {d['nproc']})")


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
    Data-parallel, every rank calls it with ``model`` a ``DistributedDataParallel`` and ``train_loader`` over
    a ``DistributedSampler``: the train loss and accuracy are summed over the ranks, and only the rank given a
    ``test_loader`` (None on the others) evaluates the unwrapped model and prints; its history has the test
    columns, the others' only the train ones.
    """
    import ember
    from ember import nn
    from ember.data import DistributedSampler
    from ember.nn.parallel import DistributedDataParallel

    criterion = nn.CrossEntropyLoss()
    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    width = len(str(epochs))
    parallel = isinstance(model, DistributedDataParallel)
    sampler = train_loader.sampler if isinstance(train_loader.sampler, DistributedSampler) else None
    reporting = test_loader is not None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        if sampler is not None:
            sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank (else every epoch repeats)
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        # NOTE: a manual bar (not tqdm(loader)) stays open after the last batch, so the test accuracy joins its line.
        bar = None if tqdm is None or not reporting else tqdm(
            total=len(train_loader), desc=f"epoch {epoch:>{width}}/{epochs}", unit="batch", dynamic_ncols=True)
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
        if parallel:
            from ember import distributed as dist

            # the epoch's figures over every rank's shard, not rank 0's alone (float32 counts are exact below 2**24)
            totals = ember.tensor([total_loss, float(correct), float(count)], device=device)
            dist.all_reduce(totals)
            total_loss, correct, count = totals[0].item(), round(totals[1].item()), round(totals[2].item())
        history["train_loss"].append(total_loss / count)
        history["train_acc"].append(correct / count)
        if not reporting:
            continue
        # NOTE: the unwrapped module: a forward of the DDP wrapper would broadcast buffers, a collective that the
        # ranks which do not evaluate would never join
        test_loss, test_acc = evaluate(model.module if parallel else model, test_loader, device)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
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
    if args.nproc > 1:
        return _launch_ranks(args)
    return _run(args, parallel=False)


def run_rank(args: argparse.Namespace) -> int:
    """Run one rank of ``ember demo --nproc N`` (a process the launcher started); returns the exit status."""
    return _run(args, parallel=True)


def _demo_argv(args: argparse.Namespace) -> list[str]:
    """The command-line options that give ``args`` again, but ``--nproc`` (a rank takes the world size from its
    process group)."""
    argv = ["--model", args.model, "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
            "--lr", repr(args.lr), "--seed", str(args.seed), "--out", args.out]
    return argv if args.device is None else ["--device", args.device, *argv]


def _device(args: argparse.Namespace, parallel: bool) -> Any:
    """The device of ``--device`` (the default device without it); RuntimeError if ranks cannot train on it."""
    import ember

    device = ember.device(args.device) if args.device else ember.get_default_device()
    if parallel and device.type not in _ENGINES:
        raise RuntimeError(f"--nproc trains on {' or '.join(_ENGINES)} devices, not {device.type}")
    return device


def _launch_ranks(args: argparse.Namespace) -> int:
    """Start ``args.nproc`` ranks of the demo with the launcher and wait for them; the launcher's exit status."""
    from ember.distributed import run as launcher

    _device(args, parallel=True)  # a device the ranks cannot use fails here, once, before any rank starts
    if args.batch_size < args.nproc:
        print(f"ember demo: error: --batch-size {args.batch_size} is smaller than --nproc {args.nproc}: every rank "
              "needs at least one image per step", file=sys.stderr)
        return 2
    # NOTE: allow_abbrev=False, or argparse would read a demo option after SCRIPT as an abbreviated launcher one
    parser = argparse.ArgumentParser(prog="ember demo", allow_abbrev=False)
    launcher.add_arguments(parser)
    # NOTE: through the launcher's own options, so the ranks get exactly what `ember run` would give them
    launch_args = parser.parse_args(["--nproc-per-node", str(args.nproc), "-m", "ember._demo_ddp", *_demo_argv(args)])
    start = time.perf_counter()
    status = launcher.launch(launch_args)
    if status == 0:
        print(f"{args.nproc} ranks finished in {time.perf_counter() - start:.1f}s (starting them included)")
    return status


def _run(args: argparse.Namespace, parallel: bool) -> int:
    device = _device(args, parallel)
    if not parallel:
        return _train_and_report(args, device, parallel)
    from ember import distributed as dist

    # NOTE: before the first computation on the device: the jax engine starts JAX's distributed runtime,
    # which JAX allows only before it has run anything
    dist.init_process_group(f"{device.type}:{_ENGINES[device.type]}")
    try:
        return _train_and_report(args, device, parallel)
    finally:
        dist.destroy_process_group()


def _train_and_report(args: argparse.Namespace, device: Any, parallel: bool) -> int:
    import ember
    from ember.data import DataLoader, DistributedSampler
    from ember.data.datasets import Digits

    if parallel:
        from ember import distributed as dist
        from ember.nn.parallel import DistributedDataParallel

        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    reporting = rank == 0
    ember.zeros(1, device=device)  # an unavailable device fails here, with the install hint, not mid-training
    if reporting:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
            print("tqdm is not installed: printing one line per epoch instead of a progress bar "
                  "(pip install tqdm, or pip install 'ember[examples]')")
    else:
        tqdm = None  # the other ranks train silently

    ember.manual_seed(args.seed)
    try:
        train_set, test_set = Digits(train=True), Digits(train=False)
    except ImportError as e:
        print(f"ember demo: {e}", file=sys.stderr)
        return 1
    if parallel:
        # each rank draws its own 1/world of the images; num_replicas and rank come from the process group
        sampler = DistributedSampler(train_set, shuffle=True, seed=args.seed)
        train_loader = DataLoader(train_set, batch_size=args.batch_size // world, sampler=sampler)
    else:
        # NOTE: the generator fixes the shuffling order, so a run is reproducible whatever else draws numbers.
        train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                                  generator=ember.Generator().manual_seed(args.seed))
    test_loader = DataLoader(test_set, batch_size=512) if reporting else None
    model = build_model(args.model).to(device)
    # DDP broadcasts rank 0's initial parameters and buffers, so every rank starts from the same model
    net = DistributedDataParallel(model) if parallel else model
    if reporting:
        n_params = sum(p.numel() for p in model.parameters())
        batch = f"batch {args.batch_size}"
        if parallel:
            per_rank = args.batch_size // world
            batch = f"batch {per_rank * world} ({world} ranks x {per_rank}, {_ENGINES[device.type]} group)"
        print(f"ember {ember.__version__} demo: {args.model.upper()} ({n_params:,} parameters) on 8x8 digits "
              f"({len(train_set)} train / {len(test_set)} test images), device {device}, "
              f"{_plural(args.epochs, 'epoch')} of {batch}", flush=True)
        if parallel and args.batch_size % world:
            print(f"(--batch-size {args.batch_size} is not a multiple of {world} ranks: each rank takes "
                  f"{args.batch_size // world} images per step)", flush=True)
        if device.type == "jax":
            print("(JAX compiles each op for each new shape: the first epoch is the slow one)", flush=True)

    start = time.perf_counter()
    optimizer = ember.optim.Adam(net.parameters(), lr=args.lr)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    history = train(net, optimizer, scheduler, train_loader, test_loader, device, args.epochs, tqdm)
    seconds = time.perf_counter() - start
    if not reporting:
        return 0
    test_acc = history["test_acc"][-1]
    correct = round(test_acc * len(test_set))
    where = f"{device} ({world} ranks)" if parallel else f"{device}"
    print(f"test accuracy: {100 * test_acc:.2f}% ({correct}/{len(test_set)}) after {_plural(args.epochs, 'epoch')} "
          f"in {seconds:.1f}s on {where}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, f"digits_{args.model}.pt")
    ember.save({"model": args.model, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "epochs": args.epochs, "test_accuracy": test_acc,
                "history": history, "device": str(device)}, ckpt_path)
    print(f"saved checkpoint: {ckpt_path}")
    png_path = os.path.join(args.out, f"digits_{args.model}_curves.png")
    if plot_history(history, png_path, f"ember demo: {args.model.upper()} on digits ({where})"):
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
