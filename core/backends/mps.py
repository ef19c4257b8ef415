"""``ember.backends.mps``: Apple's Metal backend, which ember does not have."""

from __future__ import annotations


def is_available() -> bool:
    """Whether an MPS device can be used: ``False`` (ember has no Metal backend)."""
    return False


def is_built() -> bool:
    """Whether ember was built with MPS support: ``False``."""
    return False


def is_macos_or_newer(major: int, minor: int) -> bool:
    """Whether this is macOS ``major.minor`` or newer (``False`` off macOS)."""
    import platform

    ver = platform.mac_ver()[0]
    if not ver:
        return False
    parts = [int(p) for p in ver.split(".")[:2]] + [0]
    return (parts[0], parts[1]) >= (major, minor)
