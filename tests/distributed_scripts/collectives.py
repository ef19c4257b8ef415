"""Every collective and ReduceOp of ember.distributed against NumPy, run by each rank of a real launch.

Usage: ``ember run --nproc-per-node N collectives.py BACKEND`` (BACKEND: mpi or jax). Each rank's inputs are
a function of its rank, so every rank computes the expected results itself; the script prints
"collectives ok" and exits 0 only when all agree.
"""

import sys

import numpy as np

import ember
import ember.distributed as dist

backend = sys.argv[1]
dist.init_process_group(backend)
rank, n = dist.get_rank(), dist.get_world_size()
dev = "cpu" if backend == "mpi" else "jax"
ranks = np.arange(n)


def data(r: int, dtype: str, shape=(3, 4)) -> np.ndarray:
    """Rank r's input: distinct small values, exact in every dtype used."""
    v = (np.arange(int(np.prod(shape))).reshape(shape) % 5) + r + 1
    return v.astype(dtype)


def t(a: np.ndarray) -> ember.Tensor:
    return ember.tensor(a, device=dev)


def check(got: ember.Tensor, want: np.ndarray, what: str) -> None:
    g = got.cpu().numpy() if got.dtype != ember.bfloat16 else got.float().cpu().numpy()
    w = want.astype(g.dtype)
    if g.shape != w.shape or not np.allclose(g, w, rtol=1e-6, atol=0):
        raise AssertionError(f"rank {rank}: {what}: got {g.tolist()}, want {w.tolist()}")


REDUCE = {
    "SUM": lambda xs: np.sum(xs, axis=0), "PRODUCT": lambda xs: np.prod(xs, axis=0),
    "MIN": lambda xs: np.min(xs, axis=0), "MAX": lambda xs: np.max(xs, axis=0),
    "AVG": lambda xs: np.mean(xs, axis=0),
}
dtypes = ["float32", "float64", "int32", "int64"] + (["float16", "bfloat16"] if backend == "mpi" else [])
for dtype in dtypes:
    all_in = np.stack([data(r, "float64") for r in ranks])
    for op, fn in REDUCE.items():
        if op == "AVG" and dtype.startswith("int"):
            want = np.trunc(fn(all_in))
        else:
            want = fn(all_in)
        x = t(data(rank, "float64")).to(getattr(ember, dtype))
        dist.all_reduce(x, op=getattr(dist.ReduceOp, op))
        check(x, want, f"all_reduce {op} {dtype}")
        y = t(data(rank, "float64")).to(getattr(ember, dtype))
        dist.reduce(y, dst=n - 1, op=getattr(dist.ReduceOp, op))
        check(y, want if rank == n - 1 else data(rank, "float64"), f"reduce {op} {dtype}")

# non-contiguous tensors (a transposed view and a strided slice) are reduced and written back in place
base = t(data(rank, "float32", (4, 6)))
view = base.t()
dist.all_reduce(view)
check(base, np.sum([data(r, "float32", (4, 6)) for r in ranks], axis=0), "all_reduce of a transposed view")
strided = t(data(rank, "float32", (4, 6)))
dist.all_reduce(strided[:, ::2], op=dist.ReduceOp.MAX)
want = data(rank, "float32", (4, 6))
want[:, ::2] = np.max([data(r, "float32", (4, 6))[:, ::2] for r in ranks], axis=0)
check(strided, want, "all_reduce of a strided slice writes only the slice")

# bool: logical reductions, as PyTorch's
b = t(np.array([rank == 0, True, False]))
dist.all_reduce(b, op=dist.ReduceOp.SUM)
check(b, np.array([True, True, False]), "all_reduce bool")

# async handles: several in flight, waited in reverse order
xs = [t(data(rank, "float32") * (i + 1)) for i in range(3)]
works = [dist.all_reduce(x, async_op=True) for x in xs]
for w in reversed(works):
    assert w.wait() is True and w.is_completed()
for i, x in enumerate(xs):
    check(x, np.sum([data(r, "float32") * (i + 1) for r in ranks], axis=0), f"async all_reduce {i}")

x = t(data(rank, "int64"))
dist.broadcast(x, src=1)
check(x, data(1, "int64"), "broadcast")

out = [t(np.zeros((3, 4), "float32")) for _ in ranks]
dist.all_gather(out, t(data(rank, "float32")))
for r in ranks:
    check(out[r], data(r, "float32"), f"all_gather [{r}]")

flat = t(np.zeros((n * 3, 4), "float32"))
dist.all_gather_into_tensor(flat, t(data(rank, "float32")))
check(flat, np.concatenate([data(r, "float32") for r in ranks]), "all_gather_into_tensor")

rs_out = t(np.zeros((2, 4), "float32"))
rs_in = t(data(rank, "float32", (2 * n, 4)))
dist.reduce_scatter_tensor(rs_out, rs_in)
total = np.sum([data(r, "float32", (2 * n, 4)) for r in ranks], axis=0)
check(rs_out, total[2 * rank:2 * rank + 2], "reduce_scatter_tensor")

gl = [t(np.zeros((3, 4), "float64")) for _ in ranks] if rank == 0 else None
dist.gather(t(data(rank, "float64")), gl, dst=0)
if rank == 0:
    for r in ranks:
        check(gl[r], data(r, "float64"), f"gather [{r}]")

sc = t(np.zeros((3, 4), "int32"))
dist.scatter(sc, [t(data(r, "int32") * 10) for r in ranks] if rank == n - 1 else None, src=n - 1)
check(sc, data(rank, "int32") * 10, "scatter")

# all_to_all_single with uneven splits: rank r sends (j + 1) rows to rank j, each row tagged by (r, j)
in_splits = [j + 1 for j in ranks]
out_splits = [rank + 1] * n
src = np.concatenate([np.full((j + 1, 2), 100 * rank + j, "float32") for j in ranks])
dst = t(np.zeros((sum(out_splits), 2), "float32"))
dist.all_to_all_single(dst, t(src), out_splits, in_splits)
check(dst, np.concatenate([np.full((rank + 1, 2), 100 * r + rank, "float32") for r in ranks]),
      "all_to_all_single uneven")

# point to point: a ring
nxt, prv = (rank + 1) % n, (rank - 1) % n
got = t(np.zeros(5, "float32"))
if rank % 2 == 0:
    dist.send(t(np.full(5, rank, "float32")), dst=nxt)
    src_rank = dist.recv(got, src=prv)
else:
    src_rank = dist.recv(got, src=prv)
    dist.send(t(np.full(5, rank, "float32")), dst=nxt)
assert src_rank == prv, (src_rank, prv)
check(got, np.full(5, prv, "float32"), "send/recv ring")
inbox = t(np.zeros(2, "float32"))
if backend == "mpi" or rank % 2 == 0:
    # every rank sends before it receives: MPI matches messages by source and tag
    req = dist.isend(t(np.full(2, rank, "float32")), dst=nxt)
    dist.irecv(inbox, src=prv).wait()
else:
    # the jax group pairs a send with the receive its peer posts in the same order (docs/distributed.md)
    got_req = dist.irecv(inbox, src=prv)
    req = dist.isend(t(np.full(2, rank, "float32")), dst=nxt)
    got_req.wait()
req.wait()
check(inbox, np.full(2, prv, "float32"), "isend/irecv")

objs = [None] * n
dist.all_gather_object(objs, {"rank": rank, "name": f"r{rank}"})
assert objs == [{"rank": r, "name": f"r{r}"} for r in ranks], objs
lst = [rank, "x"] if rank == 0 else [None, None]
dist.broadcast_object_list(lst, src=0)
assert lst == [0, "x"], lst
try:
    dist.all_gather_object(objs, object())
except TypeError as e:
    assert "JSON" in str(e)
else:
    raise AssertionError("a non-JSON object was accepted")

# a subgroup of the even ranks
evens = list(range(0, n, 2))
g = dist.new_group(evens)
if rank in evens:
    x = t(data(rank, "float32"))
    dist.all_reduce(x, group=g)
    check(x, np.sum([data(r, "float32") for r in evens], axis=0), "all_reduce in a subgroup")
    assert dist.get_rank(g) == evens.index(rank) and dist.get_world_size(g) == len(evens)
else:
    assert g is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(g) == -1

dist.barrier()
dist.destroy_process_group()
print(f"rank {rank}: collectives ok", flush=True)
