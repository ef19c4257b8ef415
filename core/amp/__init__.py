"""``ember.amp``: automatic mixed precision, PyTorch's ``torch.amp`` (autocast and gradient scaling).

``ember.cuda.amp`` and ``ember.cpu.amp`` are the deprecated spellings, kept as PyTorch keeps them.
"""

from __future__ import annotations

import sys

from . import _compat
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]

# NOTE: `ember.cuda` and `ember.cpu` are modules, not packages: registering their `amp` namespaces makes
# `import ember.cuda.amp` and `from ember.cpu.amp import autocast` work as with torch.
sys.modules.setdefault(f"{__name__.rpartition('.')[0]}.cuda.amp", _compat.cuda_amp)
sys.modules.setdefault(f"{__name__.rpartition('.')[0]}.cpu.amp", _compat.cpu_amp)
