"""Repository-wide pytest set-up (this file is not shipped with ember).

NOTE: the JAX backend compiles one XLA kernel per op, dtype and shape, which is most of CI's time. JAX's
persistent compilation cache, shared through the environment by the test session, the conformance session
and the programs/examples the tests run in subprocesses, lets each later process load instead of compiling
(a jax program run: 32 s -> 21 s). Only set when the caller has not chosen a cache of their own.
"""

from __future__ import annotations

import os
import tempfile

_CACHE = os.path.join(tempfile.gettempdir(), f"ember-jax-cache-{os.getuid()}")
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", _CACHE)
# cache every kernel: ember's per-op kernels each compile in milliseconds, below JAX's default 1 s threshold
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
