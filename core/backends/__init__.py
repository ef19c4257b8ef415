"""``ember.backends``: PyTorch's flags namespace (``torch.backends.cudnn.benchmark = True``).

The names and defaults are PyTorch's, so programs written for PyTorch set and read them unchanged.
ember computes through NumPy, CuPy and JAX rather than cuDNN, MKL-DNN or MPS, so the ``is_available()``
queries answer honestly for ember (``False`` where ember does not use the library) and the settable flags
are recorded and readable but change no kernel unless their docstring says so (docs/backends.md).

The compute backends themselves are the package ``ember.compute`` (the folder ``backends/``).
"""

from __future__ import annotations

from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
