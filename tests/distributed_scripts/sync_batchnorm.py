"""SyncBatchNorm on N ranks equals BatchNorm on the concatenated batch: ``sync_batchnorm.py BACKEND``.

Each rank normalizes its own rows of one global batch; outputs, input gradients, running statistics and
the rank-summed weight/bias gradients must equal a BatchNorm2d over the whole batch in this process.
"""

import sys

import numpy as np

import ember
import ember.distributed as dist
from ember import nn

backend = sys.argv[1]
dist.init_process_group(backend)
rank, world = dist.get_rank(), dist.get_world_size()
dev = "cpu" if backend == "mpi" else "jax"
rng = np.random.default_rng(0)
rows = [3, 5, 2, 4][:world]  # uneven batches: the statistics must weigh ranks by their counts
X = rng.standard_normal((sum(rows), 3, 4, 5)).astype(np.float32) * 3 + 1
C = rng.standard_normal(X.shape).astype(np.float32)
W, B = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
start = sum(rows[:rank])
mine = slice(start, start + rows[rank])


def make(cls: type) -> nn.Module:
    m = cls(3).to(dev)
    with ember.no_grad():
        m.weight.copy_(ember.tensor(W, device=dev))
        m.bias.copy_(ember.tensor(B, device=dev))
    return m


sync, full = make(nn.SyncBatchNorm), make(nn.BatchNorm2d)
for step in range(2):
    x = ember.tensor(X[mine] * (step + 1), device=dev, requires_grad=True)
    out = sync(x)
    (out * ember.tensor(C[mine], device=dev)).sum().backward()
    xf = ember.tensor(X * (step + 1), device=dev, requires_grad=True)
    outf = full(xf)
    (outf * ember.tensor(C, device=dev)).sum().backward()
    np.testing.assert_allclose(out.detach().cpu().numpy(), outf.detach().cpu().numpy()[mine], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x.grad.cpu().numpy(), xf.grad.cpu().numpy()[mine], rtol=1e-4, atol=1e-5)
grads = ember.stack([sync.weight.grad, sync.bias.grad])
dist.all_reduce(grads)
np.testing.assert_allclose(grads[0].cpu().numpy(), full.weight.grad.cpu().numpy(), rtol=1e-4, atol=1e-4)
np.testing.assert_allclose(grads[1].cpu().numpy(), full.bias.grad.cpu().numpy(), rtol=1e-4, atol=1e-4)
for name in ("running_mean", "running_var", "num_batches_tracked"):
    np.testing.assert_allclose(getattr(sync, name).cpu().numpy(), getattr(full, name).cpu().numpy(), rtol=1e-5)
sync.eval()
with ember.no_grad():
    np.testing.assert_allclose(sync(ember.tensor(X, device=dev)).cpu().numpy(),
                               full.eval()(ember.tensor(X, device=dev)).cpu().numpy(), rtol=1e-5, atol=1e-6)
dist.destroy_process_group()
print(f"rank {rank}: sync batchnorm ok", flush=True)
