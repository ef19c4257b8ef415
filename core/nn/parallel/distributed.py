"""``nn.parallel.DistributedDataParallel``: PyTorch's DDP over an ``ember.distributed`` process group.

One process per replica. At construction rank 0's parameters and buffers are broadcast to every rank, so all
start equal; with ``broadcast_buffers`` (the default) the buffers are broadcast again before each forward, so
BatchNorm's running statistics stay equal too.

Gradients are averaged during the backward pass. The parameters that require a gradient are grouped into
buckets of at most ``bucket_cap_mb`` MiB, in reverse registration order (roughly the order in which backward
produces their gradients), one dtype and device per bucket. A post-accumulate-grad hook marks a parameter
ready once its ``.grad`` is final for this backward; once every parameter of a bucket is ready (and every
bucket before it has been launched, so that all ranks issue the reductions in one order), the bucket's
gradients are flattened into one buffer, divided by the world size and ``all_reduce``-d with
``async_op=True`` while backward goes on. When backward finishes (a callback queued with the autograd
engine) every pending reduction is waited for and the averages are written back into each ``.grad``.

Backward passes of forwards run inside ``no_sync()`` only accumulate local gradients; the first backward of a
forward outside it averages everything accumulated. With ``find_unused_parameters=True`` each forward walks
the outputs' autograd graph, and the parameters it does not reach are marked ready at the first hook of the
backward, so their buckets complete; a parameter no rank used keeps its ``.grad`` (None stays None), one that
only some ranks used gets the average (this rank contributing zeros). Without it, a parameter that gets no
gradient leaves the reduction unfinished and the next forward raises PyTorch's RuntimeError ("Expected to have
finished reduction in the prior iteration ...") naming its index.

The reductions are those of the group's engine, so DDP has no per-backend code: ``mpi`` for cpu tensors,
``jax`` for jax tensors. On MPI (MPICH has no progress thread) a non-blocking reduction progresses only
while MPI is called: each parameter that becomes ready tests the oldest pending reduction, and the wait at
the end of backward completes them all, so the overlap with backward is partial on MPI. The ``jax`` engine
launches its collectives from a dispatch thread, so they proceed while backward goes on.

Differences from PyTorch: the buckets keep their construction-time assignment (PyTorch rebuilds them after
the first iteration in the observed gradient order); ``static_graph=True`` finds unused parameters each
iteration as ``find_unused_parameters=True`` does; ``gradient_as_bucket_view``, ``batched_grad_copy`` and
``skip_all_reduce_unused_params`` are accepted but gradients are always copied out of the bucket buffers and
unused parameters reduced as zeros; communication hooks
(``register_comm_hook``), ``join``, ``mixed_precision``, ``device_mesh`` and delayed all-reduce are not
available.
"""

from __future__ import annotations

import contextlib
import os
import warnings
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from ... import distributed as dist
from ...autograd.engine import queue_callback
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...tensor import Tensor
from ..modules.module import Module
from ..modules.parallel import _to

__all__ = ["DistributedDataParallel"]

_MB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25
# PyTorch's bucket for coalesced broadcasts of parameters and buffers
_BROADCAST_BUCKET_BYTES = 250 * _MB

_NOT_FINISHED = ("Expected to have finished reduction in the prior iteration before starting a new one. This error "
                 "indicates that your module has parameters that were not used in producing loss. ")
_NOT_FINISHED_STATIC = ("Expected to have finished reduction in the prior iteration before starting a new one. This "
                        "error indicates that your training graph has changed in this iteration, e.g., one parameter "
                        "is used in first iteration, but then got unused in the second iteration. this is not "
                        "compatible with static_graph set to True.")
_ENABLE_FIND_UNUSED = ("You can enable unused parameter detection by passing the keyword argument "
                       "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n")
_FIND_UNUSED_ON = ("Since `find_unused_parameters=True` is enabled, this likely  means that not all `forward` outputs "
                   "participate in computing loss. You can fix this by ")
_OUTPUTS_IN_LOSS = "making sure all `forward` function outputs participate in calculating loss. "
_DDP_BUG = ("\nIf you already have done the above, then the distributed data parallel module wasn't able to locate "
            "the output tensors in the return value of your module's `forward` function. Please include the loss "
            "function and the structure of the return value of `forward` of your module when reporting this issue "
            "(e.g. list, dict, iterable).")
_DEBUG_HINT = ("\n In addition, you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL "
               "to print out information about which particular parameters did not receive gradient on this rank as "
               "part of this error")
_MARKED_TWICE = ("Expected to mark a variable ready only once. This error is caused by one of the following reasons: "
                 "1) Use of a module parameter outside the `forward` function. Please make sure model parameters are "
                 "not shared across multiple concurrent forward-backward passes. or try to use _set_static_graph() as "
                 "a workaround if this module graph does not change during training loop.2) Reused parameters in "
                 "multiple reentrant backward passes. For example, if you use multiple `checkpoint` functions to wrap "
                 "the same part of your model, it would result in the same set of parameters been used by different "
                 "reentrant backward passes multiple times, and hence marking a variable ready multiple times. DDP "
                 "does not support such use cases in default. You can try to use _set_static_graph() as a workaround "
                 "if your module graph does not change over iterations.\nParameter at index {index} {name}has been "
                 "marked as ready twice. This means that multiple autograd engine  hooks have fired for this "
                 "particular parameter during this iteration.")
_NO_UNUSED_FOUND = ("find_unused_parameters=True was specified in DDP constructor, but did not find any unused "
                    "parameters in the forward pass. This flag results in an extra traversal of the autograd graph "
                    "every iteration,  which can adversely affect performance. If your model indeed never has any "
                    "unused parameters in the forward pass, consider turning this flag off. Note that this warning "
                    "may be a false positive if your model has flow control causing later iterations to have unused "
                    "parameters.")


def _debug_names() -> bool:
    return os.environ.get("TORCH_DISTRIBUTED_DEBUG", "OFF").upper() in ("INFO", "DETAIL")


def _find_tensors(obj: Any) -> list[Tensor]:
    """Every tensor in the structure ``obj`` (lists, tuples, dicts, dataclasses), as PyTorch's ``_find_tensors``."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _find_tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _find_tensors(o)]
    if is_dataclass(obj) and not isinstance(obj, type):
        return [t for f in fields(obj) for t in _find_tensors(getattr(obj, f.name))]
    return []


def _reached_accumulators(outputs: Sequence[Tensor]) -> set[int]:
    """The ids of the leaf accumulators (``AccumulateGrad`` nodes) reachable from ``outputs``' graph."""
    from ...autograd.graph import AccumulateGrad, edge

    seen: set[int] = set()
    found: set[int] = set()
    stack = []
    for t in outputs:
        node, _ = edge(t)
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            stack.append(node)
    while stack:
        node = stack.pop()
        if type(node) is AccumulateGrad:
            found.add(id(node))
            continue
        for nxt, _ in node.next_functions:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return found


def _broadcast_coalesced(tensors: Sequence[Tensor], pg: Any, bucket_bytes: int = _BROADCAST_BUCKET_BYTES) -> None:
    """Overwrite ``tensors`` with group rank 0's, a few flat broadcasts (one per dtype, device and bucket)."""
    from ...ops.arrange import cat

    groups: dict[tuple[Any, Any], list[list[Tensor]]] = {}
    sizes: dict[tuple[Any, Any], int] = {}
    for t in tensors:
        key = (t.dtype, t.device)
        nbytes = t.numel() * t.element_size()
        chunks = groups.setdefault(key, [[]])
        if chunks[-1] and sizes[key] + nbytes > bucket_bytes:
            chunks.append([])
            sizes[key] = 0
        chunks[-1].append(t)
        sizes[key] = sizes.get(key, 0) + nbytes
    with no_grad():
        for chunks in groups.values():
            for chunk in chunks:
                flat = cat([t.detach().reshape(-1) for t in chunk])
                dist.broadcast(flat, group=pg, group_src=0)
                offset = 0
                for t in chunk:
                    n = t.numel()
                    t.copy_(flat[offset:offset + n].reshape(t.shape))
                    offset += n


class _Bucket:
    """Parameters whose gradients are reduced together, and the reduction in flight."""

    __slots__ = ("indices", "flat", "work")

    def __init__(self, indices: list[int]) -> None:
        self.indices = indices
        self.flat: Tensor | None = None
        self.work: Any = None


def _assign_buckets(params: Sequence[Tensor], caps: Sequence[int]) -> list[list[int]]:
    """Parameter indices grouped into buckets in reverse registration order: one dtype and device per bucket,
    bucket k closing once it holds ``caps[k]`` bytes or more (the last cap repeats)."""
    buckets: list[list[int]] = []
    open_: dict[tuple[Any, Any], tuple[int, int]] = {}  # (dtype, device) -> (bucket number, bytes so far)
    for i in reversed(range(len(params))):
        p = params[i]
        key = (p.dtype, p.device)
        if key not in open_:
            buckets.append([])
            open_[key] = (len(buckets) - 1, 0)
        b, size = open_[key]
        buckets[b].append(i)
        size += p.numel() * p.element_size()
        if size >= caps[min(b, len(caps) - 1)]:
            del open_[key]
        else:
            open_[key] = (b, size)
    return buckets


class _Reducer:
    """The gradient averaging of one DistributedDataParallel: bucket state, hooks and the end-of-backward step."""

    def __init__(self, params: list[Tensor], names: list[str], caps: Sequence[int], pg: Any, find_unused: bool,
                 static_graph: bool) -> None:
        self.params = params
        self.names = names
        self.pg = pg
        self.world = dist.get_world_size(pg)
        self.find_unused = find_unused or static_graph
        self.static_graph = static_graph
        self.warn_no_unused = find_unused and not static_graph
        self.buckets = [_Bucket(ix) for ix in _assign_buckets(params, caps)]
        self.bucket_of = [0] * len(params)
        for b, bucket in enumerate(self.buckets):
            for i in bucket.indices:
                self.bucket_of[i] = b
        # per-iteration state (reset by prepare_for_backward)
        self.expect_hooks = False
        self.require_finalize = False
        self.ready = [False] * len(params)
        self.pending = [len(b.indices) for b in self.buckets]
        self.next_bucket = 0
        self.unused: list[int] | None = None
        self.callback_queued = False
        self.works: list[Any] = []
        # parameters whose gradient this rank produced since the last synchronized backward (no_sync included)
        self.local_used = [False] * len(params)
        self.used_map: Tensor | None = None
        self.used_work: Any = None
        self.n_ready = 0
        #: buckets of the last synchronized backward whose reduction started while some parameter was still
        #: waiting for its gradient: the overlap of communication with backward (a diagnostic)
        self.launched_early = 0
        ref = weakref.ref(self)
        handles = [p.register_post_accumulate_grad_hook(_hook(ref, i)) for i, p in enumerate(params)]
        # the hooks hold the reducer weakly; once it is gone they are removed
        weakref.finalize(self, _remove_all, handles)

    # -- forward ------------------------------------------------------------------------------------------
    def ensure_prior_reduction_finished(self) -> None:
        """Raise PyTorch's error when the last synchronized backward left a reduction unfinished."""
        if not self.require_finalize:
            return
        if self.static_graph:
            msg = _NOT_FINISHED_STATIC
        elif not self.find_unused:
            msg = _NOT_FINISHED + _ENABLE_FIND_UNUSED + _OUTPUTS_IN_LOSS + _DDP_BUG
        else:
            msg = _NOT_FINISHED + _FIND_UNUSED_ON + _OUTPUTS_IN_LOSS + _DDP_BUG
        unmarked = [i for i, r in enumerate(self.ready) if not r]
        if _debug_names():
            names = ", ".join(self.names[i] for i in unmarked)
            msg += f"\nParameters which did not receive grad for rank {self.pg.rank()}: {names}"
        else:
            msg += (f"\nParameter indices which did not receive grad for rank {self.pg.rank()}: "
                    + " ".join(map(str, unmarked)) + _DEBUG_HINT)
        raise RuntimeError(msg)

    def prepare_for_backward(self, outputs: Any) -> None:
        """Arm the hooks for the backward of this forward, finding the unused parameters if asked to."""
        self.expect_hooks = True
        self.require_finalize = True
        self.ready = [False] * len(self.params)
        self.pending = [len(b.indices) for b in self.buckets]
        self.next_bucket = 0
        self.callback_queued = False
        self.works = []
        self.n_ready = 0
        self.launched_early = 0
        self.unused = None
        if self.find_unused:
            reached = _reached_accumulators(_find_tensors(outputs))
            self.unused = [i for i, p in enumerate(self.params)
                           if p._accum is None or id(p._accum) not in reached]
            if not self.unused and self.warn_no_unused:
                warnings.warn(_NO_UNUSED_FOUND, UserWarning, stacklevel=4)
                self.warn_no_unused = False

    # -- backward -----------------------------------------------------------------------------------------
    def autograd_hook(self, i: int) -> None:
        """Parameter ``i``'s gradient is final for this backward."""
        self.local_used[i] = True
        if not self.expect_hooks:
            # a backward after a no_sync (or no-grad) forward: gradients accumulate locally
            return
        if self.ready[i]:
            if self.static_graph:
                return
            name = f"with name {self.names[i]} " if _debug_names() else ""
            raise RuntimeError(_MARKED_TWICE.format(index=i, name=name))
        if not self.callback_queued:
            queue_callback(self.finalize)
            self.callback_queued = True
        if self.unused:
            # PyTorch marks the unused parameters at the first hook, not after forward: a reduction started
            # between forward and backward could pair with another collective the program runs there
            unused, self.unused = self.unused, None
            for j in unused:
                self.mark_ready(j)
        self.mark_ready(i)

    def mark_ready(self, i: int) -> None:
        """Count parameter ``i`` as ready and start every bucket that is complete, in bucket order."""
        self.ready[i] = True
        self.n_ready += 1
        b = self.bucket_of[i]
        self.pending[b] -= 1
        if self.pending[b] == 0 and b == self.next_bucket:
            n = len(self.buckets)
            while self.next_bucket < n and self.pending[self.next_bucket] == 0:
                self.launch(self.buckets[self.next_bucket])
                self.next_bucket += 1
            if self.next_bucket == n and self.find_unused:
                self.launch_used_map()
        elif self.works:
            self.progress()

    def launch(self, bucket: _Bucket) -> None:
        """Flatten the bucket's gradients (zeros for a parameter without one), divide and start the sum."""
        from ...ops.arrange import cat
        from ...ops.creation import zeros

        with no_grad():
            parts = []
            for i in bucket.indices:
                p = self.params[i]
                g = p.grad
                parts.append(zeros(p.numel(), dtype=p.dtype, device=p.device) if g is None else g.reshape(-1))
            flat = cat(parts)
            if self.world > 1:
                flat.div_(self.world)
        bucket.flat = flat
        bucket.work = dist.all_reduce(flat, group=self.pg, async_op=True)
        self.works.append(bucket.work)
        if self.n_ready < len(self.params):
            self.launched_early += 1

    def launch_used_map(self) -> None:
        """Start summing which parameters each rank used (a parameter no rank used keeps its ``.grad``)."""
        from ...ops.creation import tensor as _tensor

        first = self.params[0]
        self.used_map = _tensor([int(u) for u in self.local_used], dtype=_int32(), device=first.device)
        self.used_work = dist.all_reduce(self.used_map, group=self.pg, async_op=True)

    def progress(self) -> None:
        """Test the oldest unfinished reduction: MPI progresses non-blocking collectives only when called."""
        for w in self.works:
            if not w.is_completed():
                return

    def finalize(self) -> None:
        """End of backward: wait for every reduction and write the averaged gradients into ``.grad``."""
        self.callback_queued = False
        if self.next_bucket < len(self.buckets):
            # some parameter got no gradient: the reduction stays unfinished and the next forward says so
            return
        for w in self.works:
            w.wait()
        used: list[int] | None = None
        if self.used_work is not None:
            self.used_work.wait()
            assert self.used_map is not None
            used = [int(u) for u in self.used_map.tolist()]
        with no_grad():
            for bucket in self.buckets:
                flat = bucket.flat
                assert flat is not None
                offset = 0
                for i in bucket.indices:
                    p = self.params[i]
                    n = p.numel()
                    # a parameter no rank used keeps its .grad untouched (None stays None), as PyTorch's
                    if used is None or used[i]:
                        g = flat[offset:offset + n].reshape(p.shape)
                        if p.grad is None:
                            p.grad = g.clone()
                        else:
                            p.grad.copy_(g)
                    offset += n
                bucket.flat = bucket.work = None
        self.works = []
        self.used_map = self.used_work = None
        self.local_used = [False] * len(self.params)
        self.expect_hooks = False
        self.require_finalize = False


def _int32() -> Any:
    from ... import dtypes

    return dtypes.int32


def _hook(ref: weakref.ref[_Reducer], i: int) -> Any:
    def hook(param: Tensor) -> None:
        reducer = ref()
        if reducer is not None:
            reducer.autograd_hook(i)

    return hook


def _remove_all(handles: list[Any]) -> None:
    for h in handles:
        h.remove()


class DistributedDataParallel(Module):
    """DistributedDataParallel(module, device_ids=None, output_device=None, dim=0, broadcast_buffers=None,
    init_sync=True, process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
    gradient_as_bucket_view=False, static_graph=False, ...): data parallelism across processes, averaging
    gradients during backward (see the module docstring)."""

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool | None = None, init_sync: bool = True,
                 process_group: Any = None, bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 delay_all_reduce_named_params: Any = None, param_to_hook_all_reduce: Any = None,
                 mixed_precision: Any = None, device_mesh: Any = None, skip_all_reduce_unused_params: bool = False,
                 bucket_cap_mb_list: list[int] | None = None, batched_grad_copy: bool = False,
                 forward_sync_buffers: bool | None = None) -> None:
        super().__init__()
        for name, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("param_to_hook_all_reduce", param_to_hook_all_reduce),
                            ("mixed_precision", mixed_precision), ("device_mesh", device_mesh)):
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel({name}=...) is not available in ember; pass "
                                          "process_group= for the group to use")
        params: list[Tensor] = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        from ..parameter import UninitializedParameter

        if any(isinstance(p, UninitializedParameter) for p in module.parameters()):
            raise RuntimeError("Modules with uninitialized parameters can't be used with `DistributedDataParallel`. "
                               "Run a dummy forward pass to correctly initialize the modules")
        device_types = {p.device.type for p in module.parameters()}
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        self.is_multi_device_module = len({p.device for p in module.parameters()}) > 1
        self.device_type = next(iter(device_types))
        if not device_ids or self.device_type == "cpu" or self.is_multi_device_module:
            if device_ids or output_device is not None:
                raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                                 "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                                 f"{device_ids}, output_device {output_device}, and module parameters "
                                 f"{ {p.device for p in module.parameters()} }.")
            self.device_ids: list[int] | None = None
            self.output_device: int | None = None
        else:
            from ..modules.parallel import _index

            self.device_ids = [_index(d) for d in device_ids]
            self.output_device = _index(device_ids[0] if output_device is None else output_device)
        pg = dist._group(process_group)
        self.process_group = pg
        self.dim = dim
        self.module = module
        self.device = params[0].device
        if broadcast_buffers is not None:
            if forward_sync_buffers is not None:
                warnings.warn("Both `broadcast_buffers` and `forward_sync_buffers` were specified. "
                              "`broadcast_buffers` is deprecated and its value is ignored when "
                              "`forward_sync_buffers` is provided.", FutureWarning, stacklevel=2)
            else:
                warnings.warn("`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. IMPORTANT: "
                              "unlike `broadcast_buffers=False`, `forward_sync_buffers=False` still syncs buffers "
                              "at init. If you rely on buffers NOT being synced at init (e.g. rank-local buffers), "
                              "keep using `broadcast_buffers=False` until `init_sync_buffers` is available.",
                              FutureWarning, stacklevel=2)
        if forward_sync_buffers is not None:
            self.forward_sync_buffers = forward_sync_buffers
            init_sync_buffers = True
        else:
            self.forward_sync_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
            init_sync_buffers = self.forward_sync_buffers
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is deprecated. Please "
                          "avoid using it.", FutureWarning, stacklevel=2)
        self.find_unused_parameters = find_unused_parameters
        self.static_graph = static_graph
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.skip_all_reduce_unused_params = skip_all_reduce_unused_params
        self.batched_grad_copy = batched_grad_copy
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        caps = [int(c * _MB) for c in bucket_cap_mb_list] if bucket_cap_mb_list else [int(cap_mb * _MB)]
        self.bucket_bytes_cap = max(caps)
        self.modules_buffers = list(module.buffers())
        if init_sync:
            _verify_param_shapes(pg, params)
            _broadcast_coalesced(list(module.parameters()) + (self.modules_buffers if init_sync_buffers else []), pg)
        names = {id(p): n for n, p in module.named_parameters()}
        self._reducer = _Reducer(params, [names[id(p)] for p in params], caps, pg, find_unused_parameters,
                                 static_graph)

    @property
    def broadcast_buffers(self) -> bool:
        """Whether buffers are broadcast from rank 0 before each forward (``forward_sync_buffers``)."""
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value: bool) -> None:
        self.forward_sync_buffers = value

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Sync buffers from rank 0, run the module, and arm the gradient reduction for the coming backward."""
        grad = is_grad_enabled()
        if grad:
            self._reducer.ensure_prior_reduction_finished()
        if self.will_sync_module_buffers():
            self._sync_buffers()
        if self.device_ids:
            from ...device import device as _device

            target = _device(self.device_type, self.device_ids[0])
            inputs, kwargs = _to(inputs, target), _to(kwargs, target)
        output = self.module(*inputs, **kwargs)
        if grad and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self._reducer.prepare_for_backward(output)
        else:
            self.require_forward_param_sync = False
        return output

    def will_sync_module_buffers(self) -> bool:
        """Whether the next forward broadcasts the module's buffers from rank 0."""
        return self.require_forward_param_sync and self.forward_sync_buffers and len(self.modules_buffers) > 0

    def _sync_buffers(self) -> None:
        pg = self._reducer.pg
        if dist.get_world_size(pg) > 1:
            _broadcast_coalesced([b for b in self.module.buffers()], pg)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within this context the backward passes accumulate local gradients only; the first synchronized
        backward after it averages the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def _set_static_graph(self) -> None:
        """Declare the graph static (PyTorch's ``_set_static_graph``; prefer ``static_graph=True``)."""
        self.static_graph = True
        self._reducer.static_graph = True
        self._reducer.find_unused = True


def _verify_param_shapes(pg: Any, params: Sequence[Tensor]) -> None:
    """PyTorch's ``_verify_param_shape_across_processes``: every rank must hold the same parameter shapes."""
    mine = [list(p.shape) for p in params]
    everyone: list[Any] = [None] * dist.get_world_size(pg)
    dist.all_gather_object(everyone, mine, group=pg)
    rank = dist.get_rank(pg)
    for other, theirs in enumerate(everyone):
        if len(theirs) != len(mine):
            raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} has {len(mine)} params, "
                               f"while rank {other} has inconsistent {len(theirs)} params.")
        for i, (a, b) in enumerate(zip(mine, theirs)):
            if a != b:
                raise RuntimeError(f"[{rank}]: params[{i}] in this process with sizes {a} appears not to match "
                                   f"sizes of the same param in process {other}.")
