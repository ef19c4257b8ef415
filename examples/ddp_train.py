"""Train a digit classifier data-parallel on several processes: PyTorch's DistributedDataParallel recipe.

Start it through the launcher, which runs one copy of this script per rank (``torchrun``'s environment:
RANK, WORLD_SIZE, MASTER_ADDR, ...)::

    ember run --nproc-per-node 2 examples/ddp_train.py
    ember run --nproc-per-node 2 examples/ddp_train.py --device jax --epochs 5
    python -m ember.distributed.run --nproc-per-node 2 examples/ddp_train.py     # the same launcher

Each rank joins the process group (``gloo`` means ember's CPU engine, MPI: pip install "ember[distributed]";
``jax`` for jax tensors), trains on its own shard of the data (``DistributedSampler``), and
``DistributedDataParallel`` averages the gradients across the ranks during ``backward()``, so every rank
takes the same optimizer step. Each rank's batch is ``--batch-size`` divided by the number of ranks, so a step
sees as many images as one process would. Rank 0 prints the loss of every epoch and the test accuracy.
Data: ``ember.data.datasets.Digits``, scikit-learn's 8x8 handwritten digits (pip install "ember[examples]").
Run without the launcher (``python examples/ddp_train.py``) it trains as a world of one rank.
"""

from __future__ import annotations

import argparse

import ember
import ember.distributed as dist
from ember import nn
from ember.data.datasets import Digits
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, DistributedSampler

# the process-group backend for each device type: as in PyTorch, "gloo" serves CPU tensors (in ember: MPI)
BACKENDS = {"cpu": "gloo", "jax": "jax"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=list(BACKENDS), help="cpu or jax (default: cpu)")
    parser.add_argument("--epochs", type=int, default=10, help="passes over the training set (default: 10)")
    parser.add_argument("--batch-size", type=int, default=64, help="global mini-batch size (default: 64)")
    args = parser.parse_args()
    device = ember.device(args.device)

    # Join the other ranks: RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT come from the launcher. The jax
    # backend needs this before the first jax computation, so it comes first.
    dist.init_process_group(BACKENDS[device.type])
    rank, world_size = dist.get_rank(), dist.get_world_size()

    ember.manual_seed(0)
    train_set = Digits(train=True)
    # num_replicas and rank default to the process group's: this rank gets every world_size-th image
    sampler = DistributedSampler(train_set, shuffle=True, seed=0)
    loader = DataLoader(train_set, batch_size=args.batch_size // world_size, sampler=sampler)

    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)).to(device)
    model = DDP(model)  # copies rank 0's parameters to every rank, then averages gradients in backward()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a different shuffle each epoch, the same one on every rank
        model.train()
        total = ember.zeros(2, device=device)  # this rank's summed loss and image count
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()  # the gradients are averaged over the ranks here
            optimizer.step()
            total += ember.stack([loss.detach() * len(y), ember.tensor(float(len(y)), device=device)])
        dist.all_reduce(total)  # summed over the ranks: the loss over the whole training set
        if rank == 0:
            print(f"epoch {epoch + 1:>2}  loss {(total[0] / total[1]).item():.4f}", flush=True)

    if rank == 0:
        # the wrapped module (model.module) evaluates without DDP: the other ranks take no part in it
        net = model.module
        net.eval()
        test_loader = DataLoader(Digits(train=False), batch_size=512)
        correct = 0
        with ember.no_grad():
            for x, y in test_loader:
                correct += (net(x.to(device)).argmax(1) == y.to(device)).sum().item()
        print(f"world size {world_size}, test accuracy: {100 * correct / len(test_loader.dataset):.1f}%")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
