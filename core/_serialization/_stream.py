"""Reading a checkpoint without trusting its length fields, from a path or any binary file object.

Every length a file declares is checked against what the stream can still hold before a buffer of that
size is allocated. A path and a seekable file object tell their size up front (``fstat``, or a seek to the
end and back), so a declared length larger than the rest of the stream is reported as truncation before
anything is read. A stream that cannot tell (a pipe, a socket, an HTTP response) is read in chunks of at
most ``CHUNK`` bytes, so memory grows with the bytes that actually arrive, never with a declared length.
"""

from __future__ import annotations

import os
import stat
from typing import IO, Any

CHUNK = 1 << 20  # NOTE: large enough that chunking costs nothing measurable, small enough to bound memory


def label(f: Any) -> str:
    """How error messages name a file object: its ``.name`` (a path) if it has one, else ``<TypeName>``."""
    name = getattr(f, "name", None)
    if isinstance(name, (str, bytes, os.PathLike)):
        return repr(os.fsdecode(name))
    return f"<{type(f).__name__}>"


class Source:
    """A binary stream being read, knowing how many bytes it can still hold when the stream can tell.

    ``size`` is that number at the start (None when unknown); ``exact`` means the checkpoint must end
    exactly where the stream does (a path holds one checkpoint), and ``done`` counts the bytes read so far.
    """

    def __init__(self, fh: IO[bytes], name: str, size: int | None, exact: bool) -> None:
        self.fh = fh
        self.name = name
        self.size = size
        self.exact = exact
        self.done = 0

    @classmethod
    def of_path(cls, fh: IO[bytes], name: str) -> Source:
        """The source for a file this module opened from a path."""
        st = os.fstat(fh.fileno())
        # A FIFO or a device has no meaningful st_size: it is read like a pipe.
        size = st.st_size if stat.S_ISREG(st.st_mode) else None
        return cls(fh, name, size, exact=size is not None)

    @classmethod
    def of_file(cls, fh: IO[bytes]) -> Source:
        """The source for a caller's file object, read from its current position."""
        return cls(fh, label(fh), _remaining(fh), exact=False)

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; fewer only at the end of the stream."""
        step = n if self.size is not None else CHUNK
        chunks = []
        while n > 0:
            b = self.fh.read(min(n, step))
            if not b:
                break
            chunks.append(b)
            n -= len(b)
        out = b"".join(chunks)
        self.done += len(out)
        return out

    def read_array(self, shape: tuple[int, ...], dtype: Any, nbytes: int) -> tuple[Any, int]:
        """An array of ``shape`` and ``dtype`` filled from the stream, and how many bytes of it arrived."""
        import numpy as np

        if self.size is not None or nbytes <= CHUNK:
            # NOTE: the fast path: the size was checked against the stream, so the array is allocated at
            # once and read straight into, with no second copy in memory.
            arr = np.empty(shape, dtype=dtype)
            got = self._readinto(arr.reshape(-1).view(np.uint8))
        else:
            buf = bytearray()
            while len(buf) < nbytes:
                b = self.fh.read(min(nbytes - len(buf), CHUNK))
                if not b:
                    break
                buf += b
            got = len(buf)
            self.done += got
            if got < nbytes:
                return None, got
            # bytearray: writable, so the loaded tensor can be modified in place
            arr = np.frombuffer(buf, dtype=dtype).reshape(shape)
        return arr, got

    def _readinto(self, buf: Any) -> int:
        view = memoryview(buf)
        n = 0
        readinto = getattr(self.fh, "readinto", None)
        while n < len(view):
            if readinto is not None:
                got = readinto(view[n:])
            else:
                b = self.fh.read(len(view) - n)
                got = len(b)
                view[n:n + got] = b
            if not got:
                break
            n += got
        self.done += n
        return n


def _remaining(fh: IO[bytes]) -> int | None:
    """The bytes left in ``fh`` after its position, or None when it cannot tell without reading."""
    try:
        if not fh.seekable():
            return None
        pos = fh.tell()
        fh.seek(0, os.SEEK_END)
        end = fh.tell()
        fh.seek(pos)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both OSError and ValueError
        return None
    return max(end - pos, 0)
