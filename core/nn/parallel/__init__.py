"""``ember.nn.parallel``: PyTorch's ``torch.nn.parallel``: ``DistributedDataParallel`` (one process per replica,
over ``ember.distributed``) and ``DataParallel`` with its helpers (one process, several devices)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..modules.parallel import DataParallel, data_parallel, gather, parallel_apply, replicate, scatter
from ..modules.parallel import scatter_kwargs as scatter_kwargs

if TYPE_CHECKING:
    from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel", "gather", "parallel_apply", "replicate",
           "scatter"]


def __getattr__(name: str) -> Any:
    # NOTE: DDP loads ember.distributed on first use, keeping it out of `import ember.nn` (~50 ms)
    if name == "DistributedDataParallel":
        import importlib

        return importlib.import_module(f"{__name__}.distributed").DistributedDataParallel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
