"""``DistributedSampler``'s defaults (num_replicas and rank from the default process group), run by each rank of a
real launch.

Usage: ``python -m ember.distributed.run --nproc-per-node N sampler_defaults.py``. Each rank checks that a
sampler built without ``num_replicas``/``rank`` equals the explicit one and that the ranks' shards, gathered,
are disjoint and cover the dataset (up to the padding or the dropped tail); it prints "sampler defaults ok" and
exits 0 only when every check passes.
"""

import math

import ember
import ember.distributed as dist
from ember.data import DataLoader, DistributedSampler

# before the process group exists the defaults are PyTorch's error
try:
    DistributedSampler(range(4))
except ValueError as e:
    assert "Default process group has not been initialized" in str(e), str(e)
else:
    raise AssertionError("DistributedSampler without a process group did not raise")

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
assert world > 1, world

for n in (12, 11, 3):
    for shuffle in (True, False):
        for drop_last in (False, True):
            for epoch in (0, 5):
                default = DistributedSampler(range(n), shuffle=shuffle, seed=7, drop_last=drop_last)
                explicit = DistributedSampler(range(n), world, rank, shuffle=shuffle, seed=7, drop_last=drop_last)
                default.set_epoch(epoch)
                explicit.set_epoch(epoch)
                what = f"rank {rank}: n={n} shuffle={shuffle} drop_last={drop_last} epoch={epoch}"
                assert (default.num_replicas, default.rank) == (world, rank), what
                mine = list(default)
                assert mine == list(explicit) and len(default) == len(explicit), what
                shards: list = [None] * world
                dist.all_gather_object(shards, mine)
                every = [i for shard in shards for i in shard]
                if drop_last:
                    # the tail that does not fill a round of the ranks is dropped; the rest is split disjointly
                    assert len(every) == len(set(every)) == n // world * world, (what, shards)
                else:
                    # every index is drawn; the few drawn twice pad the shards to equal lengths
                    assert set(every) == set(range(n)) and len(every) == math.ceil(n / world) * world, (what, shards)
                    if n % world == 0:
                        assert len(every) == len(set(every)), (what, shards)

# through a DataLoader, as a training script uses it
data = ember.arange(10)
sampler = DistributedSampler(data, shuffle=False)
got = [b.tolist() for b in DataLoader(data, batch_size=len(sampler), sampler=sampler)]
assert got == [[(rank + world * k) % 10 for k in range(len(sampler))]], got  # every world-th, wrapping to pad

dist.destroy_process_group()
print(f"rank {rank}: sampler defaults ok", flush=True)
