"""``ember.backends.cuda``: CUDA flags (``matmul.allow_tf32``, the SDPA kernel switches).

On ember's ``cuda`` device (CuPy) the matmul flags are recorded as PyTorch records them; CuPy's own
defaults decide the math mode. The scaled-dot-product-attention switches are honoured in the sense that
ember has one attention implementation (the math one), so only ``math_sdp_enabled()`` can be ``True``
in effect; the others report what the user set, as PyTorch's do.
"""

from __future__ import annotations

import importlib.util
from contextlib import AbstractContextManager
from typing import Any


class _MatmulFlags:
    """``torch.backends.cuda.matmul``: TF32 and reduced-precision reduction switches."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True
        self.allow_fp16_accumulation = False

    def __setattr__(self, name: str, value: Any) -> None:
        if not hasattr(type(self), "_names") or name not in type(self)._names:
            raise AttributeError(f"Unknown attribute {name}")
        object.__setattr__(self, name, value)

    _names = frozenset({"allow_tf32", "allow_fp16_reduced_precision_reduction",
                        "allow_bf16_reduced_precision_reduction", "allow_fp16_accumulation"})

    def __repr__(self) -> str:
        return "torch.backends.cuda.matmul(" + ", ".join(f"{n}={getattr(self, n)}" for n in sorted(self._names)) + ")"


matmul = _MatmulFlags()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    """Whether ember can drive CUDA here: CuPy is installed (a GPU may still be absent)."""
    return importlib.util.find_spec("cupy") is not None


def flash_sdp_enabled() -> bool:
    """Whether the flash attention kernel is enabled (a setting; ember computes attention one way)."""
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Enable or disable the flash attention kernel setting."""
    _sdp["flash"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention setting is on."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Enable or disable the memory-efficient attention setting."""
    _sdp["mem_efficient"] = bool(enabled)


def math_sdp_enabled() -> bool:
    """Whether the math attention kernel (the one ember has) is enabled."""
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Enable or disable the math attention kernel setting."""
    _sdp["math"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    """Whether the cuDNN attention setting is on."""
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    """Enable or disable the cuDNN attention setting."""
    _sdp["cudnn"] = bool(enabled)


def sdp_kernel(enable_flash: bool = True, enable_math: bool = True, enable_mem_efficient: bool = True,
               enable_cudnn: bool = True) -> AbstractContextManager[None]:
    """Deprecated PyTorch context manager selecting attention kernels; restores the settings on exit."""
    import contextlib

    @contextlib.contextmanager
    def ctx() -> Any:
        saved = dict(_sdp)
        _sdp.update(flash=enable_flash, math=enable_math, mem_efficient=enable_mem_efficient, cudnn=enable_cudnn)
        try:
            yield
        finally:
            _sdp.update(saved)

    return ctx()  # type: ignore[no-any-return]


_linalg_library = ["default"]


def preferred_linalg_library(backend: str | None = None) -> str:
    """Get (or set) the preferred CUDA linear-algebra library name; CuPy picks its own in ember."""
    if backend is not None:
        if backend not in ("default", "cusolver", "magma"):
            raise RuntimeError(f"Unknown input value. Choose from: default, cusolver, magma. Got {backend!r}")
        _linalg_library[0] = backend
    return _linalg_library[0]

