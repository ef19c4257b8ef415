"""Saving to a path atomically, keeping what was there.

The bytes go to a temporary file ``.<name>.<12 hex digits>.tmp`` in the target's directory, which is
fsync'ed and renamed over the target, so a crash mid-save leaves the previous file intact. Around that:

- An existing file keeps its permission bits (a plain ``open(path, "wb")``, as ``torch.save`` does, would
  keep them too); a new file gets the mode the umask gives, as ``open()`` would. A file that ``open()``
  could not write (no write permission) raises the ``PermissionError`` it would raise.
- A symlink is written through, to the file it points to, as ``open()`` does; a FIFO or a device
  (``/dev/null``) is written to directly, since it cannot be replaced by a rename.
- A save holds an exclusive ``flock`` on its temporary file until the rename, and the next save to the
  same path removes every temporary file of that name that no live save holds: the leftovers of a save
  that was killed (SIGKILL, power loss). Where there is no ``flock`` (Windows), the removal is attempted
  and fails for a file another process has open.
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from collections.abc import Callable
from typing import IO, Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_HEX = frozenset("0123456789abcdef")


def atomic_write(path: str, write: Callable[[IO[bytes]], Any]) -> None:
    """Calls ``write`` on a temporary file that then replaces ``path``, keeping the mode of a file already there."""
    if os.path.islink(path):
        path = os.path.realpath(path)
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        with open(path, "wb") as fh:  # a directory raises IsADirectoryError here, as in torch.save
            write(fh)
        return
    if st is not None and not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    remove_abandoned(directory, base)
    mode = stat.S_IMODE(st.st_mode) if st is not None else None
    fd, tmp = _create(directory, base, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            if fcntl is not None:
                os.replace(tmp, path)  # while still locked, so no other save's cleanup can take it
        if fcntl is None:  # pragma: no cover - Windows cannot rename a file that is open
            os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def temp_names(directory: str, base: str) -> list[str]:
    """The temporary files of saves to ``directory/base`` that are there now (in progress or abandoned)."""
    prefix = f".{base}."
    out = []
    try:
        with os.scandir(directory) as it:
            for entry in it:
                n = entry.name
                if (n.startswith(prefix) and n.endswith(".tmp") and len(n) == len(prefix) + 16
                        and _HEX.issuperset(n[len(prefix):-4])):
                    out.append(entry.path)
    except OSError:
        pass
    return out


def remove_abandoned(directory: str, base: str) -> None:
    """Removes the temporary files of saves to ``directory/base`` that no running save holds."""
    for tmp in temp_names(directory, base):
        if fcntl is None:  # pragma: no cover - Windows refuses to delete a file that a save has open
            try:
                os.unlink(tmp)
            except OSError:
                pass
            continue
        fd = _open_existing(tmp)
        if fd is None:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a save in progress holds it
        try:
            if _same_file(tmp, fd):  # not replaced between our listing and our lock
                os.unlink(tmp)
        except OSError:
            pass
        finally:
            os.close(fd)


def _open_existing(name: str) -> int | None:
    # NOTE: read-write first: NFS emulates flock with fcntl locks, whose exclusive kind needs a writable fd
    for flags in (os.O_RDWR, os.O_RDONLY):
        try:
            return os.open(name, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except PermissionError:
            continue
        except OSError:
            return None
    return None


def _create(directory: str, base: str, mode: int | None) -> tuple[int, str]:
    """A new temporary file, locked (where ``flock`` exists), with ``mode`` (None: what the umask gives)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            # 0o666 lets the umask decide, as a plain open() would; an existing file's bits are never
            # widened by the umask, only narrowed, and set exactly below.
            fd = os.open(tmp, flags, 0o666 if mode is None else mode & 0o777)
        except FileExistsError:
            continue
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                taken = True
            except OSError:
                taken = False  # a file system without flock: the save goes on unlocked
            else:
                taken = not _same_file(tmp, fd)
            if taken:
                # another save's cleanup saw the new, still unlocked file as abandoned and took it
                os.close(fd)
                continue
        if mode is not None and hasattr(os, "fchmod"):
            try:
                os.fchmod(fd, mode)
            except PermissionError:
                pass  # not the file's owner: the new file is ours and keeps what the umask gave
        return fd, tmp
    raise FileExistsError(errno.EEXIST, "could not create a temporary file for an atomic save", directory)


def _same_file(name: str, fd: int) -> bool:
    try:
        a, b = os.stat(name, follow_symlinks=False), os.fstat(fd)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _fsync_dir(directory: str) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)
