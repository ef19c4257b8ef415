"""Save and reload a model: ``state_dict`` for inference, a full checkpoint to resume training.

The two recipes of PyTorch's "Saving and loading models" tutorial, with ``ember.save``/``ember.load``
(files that hold data only: loading never runs code):

1. ``ember.save(model.state_dict(), path)``, then ``model.load_state_dict(ember.load(path))`` in a fresh
   model: the reloaded model gives identical outputs, BatchNorm's running statistics included.
   ``map_location="cpu"`` loads a checkpoint saved from any device onto the CPU.
2. A general checkpoint (epoch, model and optimizer ``state_dict``s, loss): training resumed from it
   continues exactly as if it had never stopped.

    python examples/save_and_load.py --device jax --steps 50
"""

from __future__ import annotations

import argparse
import os
import tempfile

import ember
from ember import nn


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 3))


def make_batches(steps: int, device: ember.device) -> list[tuple[ember.Tensor, ember.Tensor]]:
    g = ember.Generator().manual_seed(1)
    batches = []
    for _ in range(steps):
        x = ember.randn(16, 10, generator=g, device="cpu")  # the generator is a CPU one
        y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()  # 3 classes
        batches.append((x.to(device), y.to(device)))
    return batches


def train(model: nn.Module, optimizer: ember.optim.Optimizer, batches: list) -> float:
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def run(device: ember.device, steps: int, folder: str) -> None:
    ember.manual_seed(0)
    batches = make_batches(2 * steps, device)
    model = make_model().to(device)
    optimizer = ember.optim.Adam(model.parameters(), lr=3e-3)
    loss = train(model, optimizer, batches[:steps])
    print(f"trained {steps} steps on {device}: loss {loss:.4f}")

    # 1. Save the weights (and buffers) only, reload into a fresh model.
    weights_path = os.path.join(folder, "model_weights.pt")
    ember.save(model.state_dict(), weights_path)
    print(f"saved state_dict ({len(model.state_dict())} entries) to {weights_path}")

    reloaded = make_model().to(device)
    reloaded.load_state_dict(ember.load(weights_path))
    model.eval()
    reloaded.eval()
    x = ember.randn(5, 10, device=device)
    with ember.no_grad():
        same = ember.equal(model(x), reloaded(x))
        on_cpu = make_model().cpu()
        on_cpu.load_state_dict(ember.load(weights_path, map_location="cpu"))
        on_cpu.eval()
        close = ember.allclose(on_cpu(x.cpu()), model(x).cpu(), atol=1e-5)
    print(f"reloaded model gives identical outputs: {same}")
    print(f"loaded onto cpu with map_location='cpu' ({on_cpu[0].weight.device}): outputs match: {close}")

    # 2. A general checkpoint, to resume training later.
    ckpt_path = os.path.join(folder, "checkpoint.pt")
    ember.save({"step": steps, "model_state_dict": model.state_dict(),
                "optimizer_state_dict": optimizer.state_dict(), "loss": loss}, ckpt_path)

    final_uninterrupted = train(model, optimizer, batches[steps:])

    checkpoint = ember.load(ckpt_path)
    resumed = make_model().to(device)
    resumed_optimizer = ember.optim.Adam(resumed.parameters(), lr=3e-3)
    resumed.load_state_dict(checkpoint["model_state_dict"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    print(f"resuming from step {checkpoint['step']} (loss {checkpoint['loss']:.4f}) saved in {ckpt_path}")
    final_resumed = train(resumed, resumed_optimizer, batches[checkpoint["step"]:])

    params_match = all(ember.equal(p, q) for p, q in zip(model.parameters(), resumed.parameters()))
    print(f"loss after {2 * steps} steps: uninterrupted {final_uninterrupted:.6f}, resumed {final_resumed:.6f}")
    print(f"resumed training matches uninterrupted training: {params_match}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, jax, cuda, ... (default: the default device)")
    parser.add_argument("--steps", type=int, default=100, help="training steps before saving (default: 100)")
    parser.add_argument("--dir", default=None, help="where to write the files (default: a temporary folder)")
    args = parser.parse_args()
    device = ember.device(args.device) if args.device else ember.get_default_device()
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
        run(device, args.steps, args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="ember-save-") as folder:
            run(device, args.steps, folder)


if __name__ == "__main__":
    main()
