"""DistributedDataParallel against one process training on the whole batch, run by each rank of a real launch.

Usage: ``python -m ember.distributed.run --nproc-per-node 2 ddp_train.py BACKEND STEPS`` (BACKEND: mpi for cpu
tensors, jax for jax tensors). Every rank also trains the single-process reference itself (a separate copy of
the model, seeded as rank 0's, on the concatenated batch), so each checks its own result; the script prints
"ddp ok" and exits 0 only when every check passes on every rank.
"""

import sys
import time

import numpy as np

import ember
import ember.distributed as dist
import ember.nn as nn
from ember.nn.parallel import DistributedDataParallel as DDP

backend, steps = sys.argv[1], int(sys.argv[2])
dist.init_process_group(backend)
rank, world = dist.get_rank(), dist.get_world_size()
dev = "cpu" if backend == "mpi" else "jax"
BATCH = 4 * world  # rows of one global batch; rank r takes rows r::world
started = time.perf_counter()


def mlp(seed: int) -> nn.Module:
    """A small BatchNorm-free MLP, initialized from ``seed``."""
    ember.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).to(dev)


class Skips(nn.Module):
    """An MLP whose middle layer is used only when ``use_mid`` is set (and ``spare`` never)."""

    def __init__(self, seed: int, use_mid: bool) -> None:
        super().__init__()
        ember.manual_seed(seed)
        self.inp = nn.Linear(6, 8)
        self.mid = nn.Linear(8, 8)
        self.spare = nn.Linear(8, 8)
        self.out = nn.Linear(8, 3)
        self.use_mid = use_mid
        self.to(dev)

    def forward(self, x: ember.Tensor) -> ember.Tensor:
        """inp -> (mid) -> out."""
        h = self.inp(x).tanh()
        if self.use_mid:
            h = self.mid(h).tanh()
        return self.out(h)


def batch(step: int) -> tuple[ember.Tensor, ember.Tensor]:
    """The global batch of ``step`` (equal on every rank)."""
    rng = np.random.default_rng(1000 + step)
    x = rng.standard_normal((BATCH, 6)).astype(np.float32)
    y = rng.standard_normal((BATCH, 3)).astype(np.float32)
    return ember.tensor(x, device=dev), ember.tensor(y, device=dev)


def mse(out: ember.Tensor, y: ember.Tensor) -> ember.Tensor:
    """Mean squared error."""
    return ((out - y) ** 2).mean()


def flat(model: nn.Module) -> np.ndarray:
    """All parameters of ``model`` as one NumPy vector."""
    return np.concatenate([p.detach().cpu().numpy().ravel() for p in model.parameters()])


def check_close(got: nn.Module, want: nn.Module, what: str) -> None:
    """Raise unless the two models' parameters agree to float32 rounding."""
    g, w = flat(got), flat(want)
    if not np.allclose(g, w, rtol=1e-5, atol=1e-6):
        raise AssertionError(f"rank {rank}: {what}: differs from the single-process run by up to "
                             f"{np.max(np.abs(g - w)):.3g}")


def check_same_on_all_ranks(model: nn.Module, what: str) -> None:
    """Raise unless every rank holds exactly this rank's parameters."""
    mine = ember.tensor(flat(model), device=dev)
    every = [ember.zeros_like(mine) for _ in range(world)]
    dist.all_gather(every, mine)
    for r, t in enumerate(every):
        if not np.array_equal(t.cpu().numpy(), flat(model)):
            raise AssertionError(f"rank {rank}: {what}: parameters differ from rank {r}'s")


def train_ddp(ddp: DDP, n: int, micro: int = 1) -> None:
    """``n`` SGD steps on this rank's rows, accumulating ``micro`` micro-batches (all but the last in no_sync)."""
    opt = ember.optim.SGD(ddp.parameters(), lr=0.1)
    for step in range(n):
        x, y = batch(step)
        xs, ys = x[rank::world], y[rank::world]
        rows = xs.shape[0] // micro
        for k in range(micro):
            part = slice(k * rows, (k + 1) * rows)
            loss = mse(ddp(xs[part]), ys[part])
            if k < micro - 1:
                with ddp.no_sync():
                    loss.backward()
            else:
                loss.backward()
        opt.step()
        opt.zero_grad()


def train_reference(model: nn.Module, n: int, micro: int = 1) -> None:
    """The same steps in one process: the loss of every rank's micro-batches, averaged over ranks."""
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    for step in range(n):
        x, y = batch(step)
        total = None
        for r in range(world):
            xs, ys = x[r::world], y[r::world]
            rows = xs.shape[0] // micro
            for k in range(micro):
                part = slice(k * rows, (k + 1) * rows)
                term = mse(model(xs[part]), ys[part]) / world
                total = term if total is None else total + term
        assert total is not None
        total.backward()
        opt.step()
        opt.zero_grad()


# 1. construction: rank 0's parameters reach every rank; state_dict keys are prefixed with `module.`
ddp = DDP(mlp(seed=rank))
check_close(ddp.module, mlp(seed=0), "parameters after construction")
keys = list(ddp.state_dict())
assert keys and all(k.startswith("module.") for k in keys), keys
assert keys == ["module." + k for k in mlp(0).state_dict()], keys
assert len(ddp._reducer.buckets) == 1  # 25 MiB holds the whole model

# 2. training on halves of each batch equals training on the whole batch
train_ddp(ddp, steps)
ref = mlp(0)
train_reference(ref, steps)
check_close(ddp.module, ref, f"{steps} steps")
check_same_on_all_ranks(ddp.module, f"{steps} steps")

# 3. tiny buckets: one reduction per layer, started while backward is still running
tiny = DDP(mlp(0), bucket_cap_mb=0.0001)
assert len(tiny._reducer.buckets) == 3, len(tiny._reducer.buckets)  # (bias, weight) of each layer
train_ddp(tiny, steps)
assert tiny._reducer.launched_early >= 1, tiny._reducer.launched_early
check_close(tiny.module, ref, "tiny buckets")
check_same_on_all_ranks(tiny.module, "tiny buckets")

# 4. no_sync: 2 micro-batches accumulated locally, averaged by the second backward
acc = DDP(mlp(0))
train_ddp(acc, steps, micro=2)
ref_acc = mlp(0)
train_reference(ref_acc, steps, micro=2)
check_close(acc.module, ref_acc, "no_sync accumulation")
check_same_on_all_ranks(acc.module, "no_sync accumulation")
# inside no_sync nothing is reduced (the gradients stay this rank's own); the next backward outside averages
x, y = batch(0)
with acc.no_sync():
    mse(acc(x[rank::world]), y[rank::world]).backward()
assert not acc._reducer.works and not acc._reducer.expect_hooks
local = acc.module[0].weight.grad.clone()
locals_ = [ember.zeros_like(local) for _ in range(world)]
dist.all_gather(locals_, local)
assert world == 1 or not np.allclose(locals_[0].cpu().numpy(), locals_[1].cpu().numpy())
mse(acc(x[rank::world]), y[rank::world]).backward()
want = 2 * np.mean([t.cpu().numpy() for t in locals_], axis=0)
assert np.allclose(acc.module[0].weight.grad.cpu().numpy(), want, rtol=1e-5, atol=1e-7)

# 5. find_unused_parameters: `spare` is never used (its .grad stays None, as PyTorch's); `mid` is used by rank 0
# only, so every rank gets the average of rank 0's gradient and nothing
n_unused = max(2, steps // 4)
skip = DDP(Skips(0, use_mid=rank == 0), find_unused_parameters=True, bucket_cap_mb=0.0001)
train_ddp(skip, n_unused)
assert skip.module.spare.weight.grad is None and skip.module.spare.bias.grad is None
ref_skip = Skips(0, use_mid=True)
opt = ember.optim.SGD(ref_skip.parameters(), lr=0.1)
for step in range(n_unused):
    x, y = batch(step)
    total = None
    for r in range(world):
        ref_skip.use_mid = r == 0  # the forward of rank r
        term = mse(ref_skip(x[r::world]), y[r::world]) / world
        total = term if total is None else total + term
    assert total is not None
    total.backward()
    opt.step()
    opt.zero_grad()
check_close(skip.module, ref_skip, "find_unused_parameters")
check_same_on_all_ranks(skip.module, "find_unused_parameters")

# 6. without find_unused_parameters a parameter that got no gradient fails the next forward (every rank skips it)
strict = DDP(Skips(0, use_mid=False))
x, y = batch(0)
mse(strict(x[rank::world]), y[rank::world]).backward()
try:
    strict(x[rank::world])
except RuntimeError as e:
    assert "Expected to have finished reduction in the prior iteration" in str(e), str(e)
    assert "find_unused_parameters=True" in str(e) and "did not receive grad for rank" in str(e), str(e)
else:
    raise AssertionError(f"rank {rank}: a parameter without gradient went unnoticed")

# 7. buffers: broadcast from rank 0 before each forward, so BatchNorm's running statistics stay equal
ember.manual_seed(0)
bn_model = nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4)).to(dev)
bn = DDP(bn_model)
with ember.no_grad():
    bn_model[1].running_mean.fill_(float(rank))  # diverged buffers: rank 0's must win
x, y = batch(1)
bn(x[rank::world]).sum().backward()
# rank 0's zeros reached every rank before the forward, which then added 0.1 * the mean of this rank's batch
want = 0.1 * bn_model[0](x[rank::world]).mean(0).detach().cpu().numpy()
got = bn_model[1].running_mean.cpu().numpy()
assert np.allclose(got, want, atol=1e-6), f"rank {rank}: buffers were not broadcast from rank 0: {got} vs {want}"

# 8. ranks with different models are refused at construction
try:
    DDP(nn.Linear(3 + rank, 2).to(dev))
except RuntimeError as e:
    assert "appears not to match sizes of the same param" in str(e), str(e)
else:
    raise AssertionError(f"rank {rank}: different parameter shapes went unnoticed")

dist.destroy_process_group()
print(f"rank {rank}: ddp ok ({backend}, {time.perf_counter() - started:.1f} s)", flush=True)
