"""``nn.SyncBatchNorm``: batch norm whose statistics are synchronized across processes.

In training, with an initialized ``ember.distributed`` process group of more than one rank, the batch
statistics are those of the whole global batch, as PyTorch's: every rank gathers each rank's per-channel
count, mean and variance (one ``all_gather_into_tensor``) and combines them, and backward all-reduces the two
per-channel sums the input gradient needs. The weight and bias gradients stay local (DDP averages them).
Outside a process group, in eval mode, or on one rank, it is ``BatchNorm`` over any input of 2 or more dims.
"""

from __future__ import annotations

from typing import Any

from ...autograd.function import Function
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """SyncBatchNorm(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
    process_group=None, device=None, dtype=None, *, bias=True): batch norm over N-D input; behaves as
    ``BatchNorm`` (see the module docstring)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group: Any | None = None, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        """Batch norm over every dim but 1, with the global batch's statistics under a process group."""
        self._check_input_dim(input)
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        group = self._group()
        if group is None:
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        out, mean, var, count = _SyncBatchNorm.apply(input, self.weight, self.bias, self.eps, group)
        if self.track_running_stats and self.running_mean is not None and self.running_var is not None:
            with no_grad():
                unbiased = var * (count / max(count - 1, 1))
                self.running_mean.mul_(1 - factor).add_(mean.to(self.running_mean.dtype), alpha=factor)
                self.running_var.mul_(1 - factor).add_(unbiased.to(self.running_var.dtype), alpha=factor)
        return out

    def _group(self) -> Any:
        """The process group to synchronize over, or None when there is nothing to synchronize."""
        if not self.training:
            return None
        import ember.distributed as dist

        if not dist.is_initialized():
            return None
        group = self.process_group if self.process_group is not None else dist.group.WORLD
        return group if dist.get_world_size(group) > 1 else None

    @classmethod
    def convert_sync_batchnorm(cls, module: Any, process_group: Any = None) -> Any:
        """``module`` with every ``BatchNorm*d`` replaced by a ``SyncBatchNorm`` sharing its parameters and
        buffers (a new module if ``module`` itself is one)."""
        out = module
        if isinstance(module, _BatchNorm):
            out = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                module.track_running_stats, process_group, bias=module.bias is not None)
            if module.affine:
                with no_grad():
                    out.weight = module.weight
                    out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out


class _SyncBatchNorm(Function):
    """Batch norm with statistics over every rank's batch; returns (output, mean, biased var, count)."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float,
                group: Any) -> Any:
        import ember.distributed as dist

        from ...ops.arrange import stack
        from ...ops.creation import zeros

        dims = [0, *range(2, x.ndim)]
        n = x.numel() // x.shape[1]
        work = x.float() if x.dtype.itemsize < 4 else x
        mean = work.mean(dims)
        var = work.var(dims, unbiased=False) if n else zeros(x.shape[1], dtype=work.dtype, device=x.device)
        local = stack([mean * n, var * n, mean.new_full(mean.shape, float(n))])
        world = dist.get_world_size(group)
        every = local.new_zeros((world, *local.shape))
        dist.all_gather_into_tensor(every, local, group=group)
        counts = every[:, 2]
        total = counts.sum(0)
        if float(total[0]) == 0:
            raise ValueError("SyncBatchNorm: every rank's batch is empty")
        g_mean = every[:, 0].sum(0) / total
        rank_means = every[:, 0] / counts.clamp(min=1)
        # Chan's combination: each rank's sum of squares about its mean plus its mean's offset from the global one
        g_var = (every[:, 1] + counts * (rank_means - g_mean) ** 2).sum(0) / total
        shape = [1, x.shape[1]] + [1] * (x.ndim - 2)
        invstd = (g_var + eps).rsqrt()
        xhat = (work - g_mean.reshape(shape)) * invstd.reshape(shape)
        out = xhat
        if weight is not None:
            out = out * weight.reshape(shape)
        if bias is not None:
            out = out + bias.reshape(shape)
        ctx.save_for_backward(xhat, invstd, weight)
        ctx.group, ctx.total, ctx.dims, ctx.shape, ctx.dtype = group, total, dims, shape, x.dtype
        ctx.mark_non_differentiable(g_mean, g_var)
        return out.to(x.dtype), g_mean, g_var, float(total[0])

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor, *_: Any) -> Any:
        import ember.distributed as dist

        from ...ops.arrange import stack

        xhat, invstd, weight = ctx.saved_tensors
        g = grad_out.to(xhat.dtype)
        sum_dy = g.sum(ctx.dims)
        sum_dy_xhat = (g * xhat).sum(ctx.dims)
        grad_weight = sum_dy_xhat if weight is not None else None
        grad_bias = sum_dy if ctx.needs_input_grad[2] else None
        grad_x = None
        if ctx.needs_input_grad[0]:
            sums = stack([sum_dy, sum_dy_xhat])
            dist.all_reduce(sums, group=ctx.group)
            scale = invstd if weight is None else invstd * weight
            shape, total = ctx.shape, ctx.total
            grad_x = (g - (sums[0] / total).reshape(shape) - xhat * (sums[1] / total).reshape(shape))
            grad_x = (grad_x * scale.reshape(shape)).to(ctx.dtype)
        return grad_x, grad_weight, grad_bias, None, None

