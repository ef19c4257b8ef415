"""glibc malloc tuning for training loops, applied when the NumPy backend loads (docs/design.md)."""

from __future__ import annotations

# glibc's own ceiling for its dynamic mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX), and the trim
# threshold it pairs with it (twice the mmap threshold)
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 2 * _MMAP_THRESHOLD
MALLOC_TUNED = False


def tune_malloc() -> None:
    """Pin glibc malloc's mmap and trim thresholds at the values its dynamic heuristic reaches after the
    process frees one 32 MiB block; ``EMBER_MALLOC_TUNING=0`` leaves malloc alone.

    A training step frees and re-allocates the same few MiB-sized arrays (weight gradients, optimizer
    temporaries) every iteration. With glibc's default thresholds, whether they are served from the heap
    or handed back to the kernel and faulted in again depends on the heap's layout: a plain 784-512-256-10
    MLP step measured 784 page faults and 5.3 ms per step that way, against 0 faults and 2.4 ms pinned
    (docs/performance.md). PyTorch's tuning guide gets the same effect by preloading jemalloc or tcmalloc.
    """
    global MALLOC_TUNED
    import os
    import sys

    if MALLOC_TUNED or not sys.platform.startswith("linux"):
        return
    if os.environ.get("EMBER_MALLOC_TUNING", "").strip().lower() in ("0", "false", "no", "off"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # glibc only: musl and others have no such thresholds  # noqa: B018
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    MALLOC_TUNED = bool(mallopt(m_mmap_threshold, _MMAP_THRESHOLD)) and bool(
        mallopt(m_trim_threshold, _TRIM_THRESHOLD))
