"""``ember.save`` / ``ember.load``: checkpoints that hold data (and modules as data), and safetensors files.

A checkpoint never contains code and loading never unpickles (docs/architecture.md §1). It holds tensors,
NumPy arrays, numbers, strings, bools and None, nested in dicts (any hashable keys of those
kinds), OrderedDicts, lists, tuples and sets: so module and optimizer ``state_dict()``s round-trip.
It also holds whole ``nn.Module`` objects: the class's import path and the module's state as data
(see ``ember._serialization._encode``); loading one imports its class, so it needs ``weights_only=False``
or the class allowlisted with ``add_safe_globals``/``safe_globals``, as in PyTorch.

File format (version 1; version 2 when it holds modules), all integers little-endian::

    preamble  32 bytes  b"EMBERCKP", u32 format version, u64 header length, u64 payload length,
                        u32 CRC32 of the preamble's first 28 bytes
    header    JSON (UTF-8): {"format", "version", "ember_version", "tensors": [...], "object": ...}
                        each tensor: dtype, shape, offset and nbytes in the payload, the device it
                        was saved from, requires_grad, and whether it was an nn.Parameter
    payload   the arrays' raw bytes, C order, little-endian, one after another
    trailer   40 bytes  SHA-256 of preamble + header + payload, then b"EMBEREND"

The structure is encoded in JSON with one-key tag objects for what JSON lacks (``{"$tensor": i}``,
``{"$tuple": [...]}``, ``{"$module": [...]}``...; the list is in ``ember._serialization._encode``).

``format="safetensors"`` (the default for a path ending in ``.safetensors``) reads and writes a flat dict of
tensors in the safetensors format instead, through the ``safetensors`` package (see
``ember._serialization._safetensors``).

Decisions:

- Saving to a path is atomic: the bytes go to a temporary file in the same directory, which is
  fsync'ed and renamed over the target, so a crash mid-save leaves the previous file intact; an
  existing file keeps its permission bits, and the next save removes what a killed save left
  (``ember._serialization._atomic``). Saving to a file object writes straight into it, at its position;
  loading from one reads one checkpoint and leaves the position right after it (so several can follow
  one another). A path must hold exactly one checkpoint: extra bytes after it are reported as corruption.
- A file is untrusted input: every length is checked against what the stream holds before it is
  allocated (``ember._serialization._stream``), the structure is checked before anything is read or
  imported (``ember._serialization._decode``), and whatever is wrong raises ``RuntimeError`` naming the
  file, from a path or a file object alike.
- A tensor that appears several times in ``obj`` is stored once and loads as one object; distinct
  tensors that share memory (views) are stored separately and load as independent tensors.
- ``map_location=None`` loads each tensor on the device it was saved from, or on the CPU (with a
  warning) when that device is not available here. A callable ``map_location`` is called as
  ``fn(cpu_tensor, saved_device_str)`` and returns a tensor, a device, or None (the default rule).
- ``weights_only`` (default True, as in PyTorch 2.6+) only matters for files holding modules: data loads
  either way, and a module's class is imported only with ``weights_only=False`` or when allowlisted.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import sys
import zlib
from collections.abc import Callable
from typing import IO, Any

from . import dtypes as _dt
from ._serialization._atomic import atomic_write
from ._serialization._decode import Corrupt, Decoder, check
from ._serialization._encode import Encoder, lookup
from ._serialization._foreign import foreign_message
from ._serialization._globals import (
    add_safe_globals,
    allowed,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
    weights_only_error,
)
from ._serialization._placer import MapLocation, Placer
from ._serialization._stream import Source

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint"]

FORMAT_VERSION = 2  # the newest version read; files without modules are written as version 1
_MAGIC = b"EMBERCKP"
_END = b"EMBEREND"
_PREAMBLE = struct.Struct("<8sIQQ")  # magic, version, header length, payload length
_PREAMBLE_LEN = _PREAMBLE.size + 4  # + CRC32
_TRAILER_LEN = 32 + len(_END)
_FORMATS = ("ember", "safetensors")

FileLike = str | os.PathLike[str] | IO[bytes]


def _format_of(f: Any, format: str | None) -> str:
    if format is None:
        name = f if isinstance(f, (str, os.PathLike)) else getattr(f, "name", None)
        is_st = isinstance(name, (str, os.PathLike)) and os.fspath(name).endswith(".safetensors")
        return "safetensors" if is_st else "ember"
    if format not in _FORMATS:
        raise ValueError(f"format should be one of {_FORMATS} or None (from the file name), but got {format!r}")
    return format


# -- save ---------------------------------------------------------------------------------------------

def save(obj: object, f: FileLike, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False, *,
         format: str | None = None) -> None:
    """Saves an object (data, e.g. a ``state_dict()``, or an ``nn.Module``) to a path or binary file object.

    Example::

        >>> ember.save(model.state_dict(), "model.ember")
        >>> model.load_state_dict(ember.load("model.ember"))
        >>> ember.save(model.state_dict(), "model.safetensors")  # the safetensors format, by the suffix

    ``obj`` holds tensors, NumPy arrays, numbers, strings, bools, None, dtypes, devices, and lists, tuples,
    sets and dicts of these, and ``nn.Module`` objects (stored as their class's import path and their state;
    no code, no pickle). ``format`` is ``"ember"`` or ``"safetensors"`` (a flat dict of tensors); None picks
    ``"safetensors"`` for a name ending in ``.safetensors``. Writing to a path is atomic (a crash mid-save leaves
    the old file). ``pickle_module``, ``pickle_protocol`` and the underscored arguments are accepted for
    PyTorch compatibility and ignored: nothing is pickled.
    """
    if _format_of(f, format) == "safetensors":
        from ._serialization._safetensors import to_bytes

        data = to_bytes(obj)
        _save_with(f, lambda fh: fh.write(data))
        return
    from . import __version__

    enc = Encoder()
    structure = enc.encode(obj, "obj")
    offset = 0
    for entry in enc.entries:
        entry["offset"] = offset
        offset += entry["nbytes"]
    version = 2 if enc.has_objects else 1  # older embers read data-only files
    header = {"format": "ember checkpoint: data only, see ember.serialization",
              "version": version, "ember_version": __version__, "tensors": enc.entries,
              "object": structure}
    header_bytes = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    _save_with(f, lambda fh: _write(fh, version, header_bytes, enc.arrays, offset))


def _save_with(f: FileLike, write: Callable[[IO[bytes]], Any]) -> None:
    if hasattr(f, "write"):
        write(f)  # type: ignore[arg-type]
        return
    atomic_write(os.fspath(f), write)  # type: ignore[arg-type]


def _write(fh: IO[bytes], version: int, header_bytes: bytes, arrays: list[Any], payload_len: int) -> None:
    head = _PREAMBLE.pack(_MAGIC, version, len(header_bytes), payload_len)
    head += struct.pack("<I", zlib.crc32(head))
    hasher = hashlib.sha256()
    for chunk in (head, header_bytes):
        hasher.update(chunk)
        fh.write(chunk)
    for arr in arrays:
        _write_array(fh, arr, hasher)
    fh.write(hasher.digest() + _END)


def _write_array(fh: IO[bytes], arr: Any, hasher: Any) -> None:
    """Write one C-contiguous array's raw bytes, feeding them to ``hasher``."""
    import numpy as np

    buf = arr.reshape(-1).view(np.uint8)
    hasher.update(buf)
    fh.write(memoryview(buf))


# -- load ---------------------------------------------------------------------------------------------

class _Header:
    """What the loader knows once a header is read and checked."""

    __slots__ = ("header", "hasher", "expected", "payload_len", "dtypes", "names")

    def __init__(self, header: dict[str, Any], hasher: Any, expected: int, payload_len: int, dtypes: list[Any],
                 names: list[tuple[str, str]]) -> None:
        self.header = header
        self.hasher = hasher  # SHA-256 fed with the preamble and the header
        self.expected = expected  # the checkpoint's total length in bytes
        self.payload_len = payload_len
        self.dtypes = dtypes  # the NumPy dtype of each entry of header["tensors"]
        self.names = names  # (module, qualname) of each class and function the structure names, in order


def load(f: FileLike, map_location: MapLocation = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, format: str | None = None,
         **pickle_load_args: Any) -> Any:
    """Loads an object saved with ``ember.save`` (or a safetensors file) from a path or binary file object.

    Args:
        map_location: None (each tensor on the device it was saved from, else the CPU), a device
            (``"cpu"``, ``"cuda:1"``, ``ember.device("jax")``), a dict ``{saved_device: device}``, or
            ``fn(cpu_tensor, saved_device_str)`` returning a tensor, a device or None.
        weights_only: None or True (the default, as in PyTorch 2.6+) loads data, and modules only of classes
            allowlisted with ``add_safe_globals``/``safe_globals``; False also imports the classes of the
            modules in the file (only for files from a trusted source). Raises ``pickle.UnpicklingError``
            naming the first class that is not allowed.
        format: ``"ember"``, ``"safetensors"``, or None (``"safetensors"`` for a name ending in
            ``.safetensors``).

    ``pickle_module``, ``mmap`` and ``pickle_load_args`` are accepted for PyTorch compatibility and ignored.
    Raises ``RuntimeError`` naming the file (its path, a file object's ``.name``, else e.g. ``<BytesIO>``) for a
    truncated, corrupted, crafted or foreign (e.g. ``torch.save``) file, whether read from a path or a file
    object; no length the file declares is allocated before the stream is known to hold it.
    """
    fmt = _format_of(f, format)
    if hasattr(f, "read"):
        src = Source.of_file(f)  # type: ignore[arg-type]
        if fmt == "safetensors":
            return _load_safetensors(src, map_location)
        return _load(src, map_location, weights_only is not False)
    path = os.fspath(f)  # type: ignore[arg-type]
    with open(path, "rb") as fh:
        src = Source.of_path(fh, repr(os.fsdecode(path)))
        if fmt == "safetensors":
            return _load_safetensors(src, map_location)
        return _load(src, map_location, weights_only is not False)


def get_unsafe_globals_in_checkpoint(f: FileLike) -> list[str]:
    """Returns a list of strings of classes in an ``ember.save`` file that are not safe for ``weights_only``."""
    if hasattr(f, "read"):
        names = _read_header(Source.of_file(f)).names  # type: ignore[arg-type]
    else:
        path = os.fspath(f)  # type: ignore[arg-type]
        with open(path, "rb") as fh:
            names = _read_header(Source.of_path(fh, repr(os.fsdecode(path)))).names
    ok = allowed()
    return [n for n in dict.fromkeys(f"{m}.{q}" for m, q in names) if n not in ok]


def _load_safetensors(src: Source, map_location: MapLocation) -> dict[str, Any]:
    from ._serialization._safetensors import read

    placer = Placer(map_location)
    entry = {"device": "cpu", "parameter": False, "requires_grad": False}
    return {key: placer.place(arr, entry) for key, arr in read(src.fh, src.name)}


def _corrupt(name: str, why: str) -> RuntimeError:
    return RuntimeError(f"{name} is a corrupted ember checkpoint ({why}). The file was damaged after it "
                        "was written (or crafted); restore it from a good copy or save it again.")


def _truncated(name: str, found: int, expected: int | str) -> RuntimeError:
    return RuntimeError(f"{name} is a truncated ember checkpoint: it has {found} bytes but should have "
                        f"{expected}. It was probably cut short while being written, downloaded or "
                        "copied; copy the complete file again or save it again.")


def _read_header(src: Source) -> _Header:
    """Reads and checks the preamble and the header; nothing is allocated for what the stream cannot hold."""
    name = src.name
    head = src.read(_PREAMBLE_LEN)
    if head and len(head) < len(_MAGIC) and _MAGIC.startswith(head):
        raise _truncated(name, len(head), f"at least {_PREAMBLE_LEN}")
    if head[:len(_MAGIC)] != _MAGIC:
        raise RuntimeError(foreign_message(name, head, src.fh))
    if len(head) < _PREAMBLE_LEN:
        raise _truncated(name, len(head), f"at least {_PREAMBLE_LEN}")
    _, version, header_len, payload_len = _PREAMBLE.unpack(head[:_PREAMBLE.size])
    if struct.unpack("<I", head[_PREAMBLE.size:])[0] != zlib.crc32(head[:_PREAMBLE.size]):
        raise _corrupt(name, "the preamble's checksum does not match")
    if version > FORMAT_VERSION:
        raise RuntimeError(f"{name} is an ember checkpoint of format version {version}, newer than this "
                           f"ember reads (version {FORMAT_VERSION}); upgrade ember to load it.")
    expected = _PREAMBLE_LEN + header_len + payload_len + _TRAILER_LEN
    if src.size is not None and src.size < expected:
        raise _truncated(name, src.size, expected)
    if src.exact and src.size is not None and src.size > expected:
        raise _corrupt(name, f"{src.size - expected} unexpected bytes after the end of the checkpoint")
    hasher = hashlib.sha256(head)
    header_bytes = src.read(header_len)
    hasher.update(header_bytes)
    if len(header_bytes) < header_len:
        raise _truncated(name, src.done, expected)
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except RecursionError:
        raise _corrupt(name, "its header is nested too deeply to parse") from None
    except ValueError as e:  # UnicodeDecodeError and json's errors are ValueErrors
        raise _corrupt(name, f"its header is unreadable: {str(e)[:200]}") from None
    try:
        dtypes = _check_header(header, payload_len, name)
        names = check(header["object"], [e["kind"] for e in header["tensors"]])
    except Corrupt as e:
        raise _corrupt(name, str(e)) from None
    return _Header(header, hasher, expected, payload_len, dtypes, names)


def _check_header(header: Any, payload_len: int, file: str) -> list[Any]:
    """The NumPy dtype of each tensor the header lists, once its entries are checked against the payload."""
    import numpy as np

    if not isinstance(header, dict) or not isinstance(header.get("tensors"), list) or "object" not in header:
        raise Corrupt("its header is not an object with a list of tensors and an object")
    dtypes = []
    pos = 0
    for i, e in enumerate(header["tensors"]):
        if not isinstance(e, dict):
            raise Corrupt(f"tensor {i} of its header is not an object")
        kind, dtype, shape, nbytes, offset = (e.get(k) for k in ("kind", "dtype", "shape", "nbytes", "offset"))
        if kind not in ("tensor", "ndarray") or not isinstance(dtype, str) or dtype not in _dt.by_name:
            raise Corrupt(f"tensor {i} of its header has no known kind and dtype")
        d = np.dtype(_np_dtype(dtype, file))
        if not (isinstance(shape, list) and len(shape) <= 64 and all(type(s) is int and s >= 0 for s in shape)):
            raise Corrupt(f"tensor {i} of its header has an invalid shape")
        if math.prod(s or 1 for s in shape) * d.itemsize >= 2**62:  # NumPy refuses such a shape, even empty
            raise Corrupt(f"tensor {i} of its header has a shape too large for any memory")
        n = math.prod(shape) * d.itemsize
        if type(nbytes) is not int or nbytes != n:
            raise Corrupt(f"tensor {i} of its header declares {nbytes!r} bytes for a shape and dtype of {n}")
        if type(offset) is not int or offset < pos or offset + n > payload_len:
            raise Corrupt(f"tensor {i} of its header lies at bytes {offset!r}+{n}, outside the free part of the "
                          f"{payload_len}-byte payload")
        if kind == "tensor":
            grad, param = e.get("requires_grad"), e.get("parameter")
            if not isinstance(e.get("device"), str) or type(grad) is not bool or type(param) is not bool:
                raise Corrupt(f"tensor {i} of its header has no device, requires_grad or parameter")
            if grad and not (_dt.by_name[dtype].is_floating_point or _dt.by_name[dtype].is_complex):
                raise Corrupt(f"tensor {i} of its header requires grad but has dtype {dtype}")
        dtypes.append(d)
        pos = offset + n
    return dtypes


def _load(src: Source, map_location: MapLocation, weights_only: bool) -> Any:
    import numpy as np

    h = _read_header(src)
    name = src.name
    entries = h.header["tensors"]
    # Before reading the payload and importing anything: a module whose class is not allowed stops the load.
    resolve = _Resolver(h.names, weights_only, name)
    arrays = []
    pos = 0
    for entry, dtype in zip(entries, h.dtypes):
        if entry["offset"] > pos:
            h.hasher.update(src.read(entry["offset"] - pos))
        # NOTE: the payload is read straight into each tensor's own array: no second copy in memory.
        arr, got = src.read_array(tuple(entry["shape"]), dtype, entry["nbytes"])
        if got < entry["nbytes"]:
            raise _truncated(name, src.done, h.expected)
        h.hasher.update(arr.reshape(-1).view(np.uint8).data)
        arrays.append(arr)
        pos = entry["offset"] + entry["nbytes"]
    if h.payload_len > pos:
        h.hasher.update(src.read(h.payload_len - pos))
    trailer = src.read(_TRAILER_LEN)
    if src.done < h.expected:
        raise _truncated(name, src.done, h.expected)
    if trailer[32:] != _END:
        raise _corrupt(name, "its end marker is missing")
    if trailer[:32] != h.hasher.digest():
        raise _corrupt(name, "the SHA-256 checksum of its contents does not match")

    if sys.byteorder == "big":
        arrays = [a.byteswap() for a in arrays]
    placer = Placer(map_location)
    values = [arr if e["kind"] == "ndarray" else placer.place(arr, e) for e, arr in zip(entries, arrays)]
    try:
        return Decoder(values, resolve).decode(h.header["object"])
    except Corrupt as e:
        raise _corrupt(name, str(e)) from e.__cause__


class _Resolver:
    """The classes of the modules in a file (and the functions they hold): allowlisted ones with
    ``weights_only``, else imported."""

    def __init__(self, names: list[tuple[str, str]], weights_only: bool, file: str) -> None:
        self.weights_only = weights_only
        self.file = file
        self.allowed = allowed() if weights_only else {}
        if weights_only:
            for module, qualname in names:
                if f"{module}.{qualname}" not in self.allowed:
                    raise weights_only_error(f"{module}.{qualname}")

    def __call__(self, module: str, qualname: str, is_module_class: bool) -> Any:
        from .nn.modules.module import Module

        name = f"{module}.{qualname}"
        if self.weights_only:
            cls = self.allowed[name]
        else:
            import importlib

            cls = lookup(importlib.import_module(module), qualname)
            if cls is None:
                raise AttributeError(f"ember.load: {self.file} refers to {name}, but the module {module!r} has no "
                                     f"attribute {qualname!r}. Import or define it where ember.load can find it "
                                     "(a class saved from a script's __main__ must be defined in the loading "
                                     "script too).")
        if not is_module_class:
            if not callable(cls) or isinstance(cls, type):
                raise RuntimeError(f"ember.load: {self.file} names {name} as a function, but {cls!r} is not one; "
                                   "the file is damaged or was crafted.")
            return cls
        if not (isinstance(cls, type) and issubclass(cls, Module)):
            raise RuntimeError(f"ember.load: {self.file} names {name} as the class of a module, but {cls!r} is "
                               "not an ember nn.Module subclass; the file is damaged or was crafted.")
        return cls


def _np_dtype(name: str, file: str) -> Any:
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise RuntimeError(f"{file} holds bfloat16 tensors; reading them needs the ml_dtypes package: "
                               "pip install ml_dtypes") from None
        return ml_dtypes.bfloat16
    return _dt.by_name[name].name
