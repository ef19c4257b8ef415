"""``ember.backends.cpu``: what the CPU offers the NumPy backend."""

from __future__ import annotations


def get_cpu_capability() -> str:
    """The widest SIMD level NumPy dispatches to here, in PyTorch's words (``"AVX512"``, ``"AVX2"``, ...)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats  # type: ignore[import-not-found]
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__ as feats  # type: ignore[import-not-found,no-redef]
    for name in ("AVX512F", "AVX2"):
        if feats.get(name):
            return "AVX512" if name == "AVX512F" else "AVX2"
    if feats.get("ASIMD") or feats.get("NEON"):
        return "NEON" if not feats.get("SVE") else "SVE"
    return "DEFAULT"
