"""``ember.save`` / ``ember.load``: checkpoints that hold data only and load on any backend.

A checkpoint never contains code and loading never unpickles (DESIGN §1.5). It holds tensors,
NumPy arrays, numbers, strings, bools and None, nested in dicts (any hashable keys of those
kinds), OrderedDicts, lists and tuples: so module and optimizer ``state_dict()``s round-trip.

File format (version 1), all integers little-endian::

    preamble  32 bytes  b"EMBERCKP", u32 format version, u64 header length, u64 payload length,
                        u32 CRC32 of the preamble's first 28 bytes
    header    JSON (UTF-8): {"format", "version", "ember_version", "tensors": [...], "object": ...}
                        each tensor: dtype, shape, offset and nbytes in the payload, the device it
                        was saved from, requires_grad, and whether it was an nn.Parameter
    payload   the arrays' raw bytes, C order, little-endian, one after another
    trailer   40 bytes  SHA-256 of preamble + header + payload, then b"EMBEREND"

The structure is encoded in JSON with one-key tag objects for what JSON lacks: ``{"$tensor": i}``,
``{"$ndarray": i}``, ``{"$tuple": [...]}``, ``{"$dict": [[k, v], ...]}``, ``{"$odict": ...}``,
``{"$float": "nan"}``, ``{"$dtype": "float32"}``, ``{"$device": "cuda:0"}``, ``{"$size": [...]}``.

Decisions:

- Saving to a path is atomic: the bytes go to a temporary file in the same directory, which is
  fsync'ed and renamed over the target, so a crash mid-save leaves the previous file intact.
  Saving to a file object writes straight into it, at its position; loading from one reads one
  checkpoint and leaves the position right after it (so several can follow one another). A path
  must hold exactly one checkpoint: extra bytes after it are reported as corruption.
- A tensor that appears several times in ``obj`` is stored once and loads as one object; distinct
  tensors that share memory (views) are stored separately and load as independent tensors.
- ``map_location=None`` loads each tensor on the device it was saved from, or on the CPU (with a
  warning) when that device is not available here. A callable ``map_location`` is called as
  ``fn(cpu_tensor, saved_device_str)`` and returns a tensor, a device, or None (the default rule).
- ``weights_only`` is accepted for PyTorch compatibility; ember's loader is always data-only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
import sys
import uuid
import warnings
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any

from . import dtypes as _dt
from .device import device as _device
from .tensor import Size, Tensor

__all__ = ["save", "load"]

FORMAT_VERSION = 1
_MAGIC = b"EMBERCKP"
_END = b"EMBEREND"
_PREAMBLE = struct.Struct("<8sIQQ")  # magic, version, header length, payload length
_PREAMBLE_LEN = _PREAMBLE.size + 4  # + CRC32
_TRAILER_LEN = 32 + len(_END)

FileLike = str | os.PathLike[str] | IO[bytes]
MapLocation = str | _device | dict[Any, Any] | Callable[[Tensor, str], Any] | None


# -- encoding the structure -------------------------------------------------------------------------

class _Encoder:
    """Turns ``obj`` into JSON-able data plus the list of arrays it references."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.arrays: list[Any] = []
        self._memo: dict[int, int] = {}
        self._keep: list[Any] = []  # keeps memoized objects alive so their ids stay unique

    def encode(self, obj: Any, where: str) -> Any:
        import numpy as np

        if obj is None or isinstance(obj, (bool, str, int)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"$float": repr(obj)}
        if isinstance(obj, Tensor):
            return {"$tensor": self._array(obj, where)}
        if isinstance(obj, np.ndarray):
            return {"$ndarray": self._array(obj, where)}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item(), where)
        if isinstance(obj, _dt.dtype):
            return {"$dtype": obj.name}
        if isinstance(obj, _device):
            return {"$device": str(obj)}
        if isinstance(obj, Size):
            return {"$size": list(obj)}
        if isinstance(obj, list):
            return [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        if isinstance(obj, tuple):
            return {"$tuple": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            tag = "$odict" if isinstance(obj, OrderedDict) else "$dict"
            items = []
            for k, v in obj.items():
                if not _is_key(k):
                    raise TypeError(f"ember.save: the dict at {where} has a key of type {type(k).__name__}; "
                                    "keys must be str, int, float, bool, None or tuples of these")
                items.append([self.encode(k, where), self.encode(v, f"{where}[{k!r}]")])
            return {tag: items}
        raise TypeError(
            f"ember.save: cannot save an object of type {type(obj).__module__}.{type(obj).__qualname__} at "
            f"{where}. A checkpoint holds data only: tensors, NumPy arrays, numbers, strings, bools, None, "
            "and lists, tuples and dicts of these (save a module's or optimizer's state_dict(), not the "
            "object).")

    def _array(self, obj: Any, where: str) -> int:
        idx = self._memo.get(id(obj))
        if idx is not None:
            return idx

        if isinstance(obj, Tensor):
            arr = obj.numpy(force=True)
            entry: dict[str, Any] = {"kind": "tensor", "dtype": obj.dtype.name, "device": str(obj.device),
                                     "requires_grad": bool(obj.requires_grad),
                                     "parameter": bool(getattr(obj, "_is_param", False))}
        else:
            arr = obj
            if arr.dtype.name not in _dt.by_name or arr.dtype.name in ("half", "float", "double"):
                raise TypeError(f"ember.save: the NumPy array at {where} has dtype {arr.dtype}, which a "
                                "checkpoint cannot hold (bool, uint8, int8/16/32/64, float16/32/64 and "
                                "bfloat16 are supported)")
            entry = {"kind": "ndarray", "dtype": arr.dtype.name}
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")  # (np.ascontiguousarray would turn a 0-d array into 1-d)
        if sys.byteorder == "big":
            arr = arr.byteswap()
        entry["shape"] = list(arr.shape)
        entry["nbytes"] = int(arr.nbytes)
        idx = len(self.entries)
        self.entries.append(entry)
        self.arrays.append(arr)
        self._memo[id(obj)] = idx
        self._keep.append(obj)
        return idx


def _is_key(k: Any) -> bool:
    if k is None or isinstance(k, (bool, str, int, float)):
        return True
    return isinstance(k, tuple) and all(_is_key(x) for x in k)


def _decode(node: Any, values: list[Any]) -> Any:
    if isinstance(node, list):
        return [_decode(v, values) for v in node]
    if not isinstance(node, dict):
        return node
    ((tag, body),) = node.items()
    if tag == "$tensor" or tag == "$ndarray":
        return values[body]
    if tag == "$tuple":
        return tuple(_decode(v, values) for v in body)
    if tag == "$dict":
        return {_decode(k, values): _decode(v, values) for k, v in body}
    if tag == "$odict":
        return OrderedDict((_decode(k, values), _decode(v, values)) for k, v in body)
    if tag == "$float":
        return float(body)
    if tag == "$dtype":
        return _dt.by_name[body]
    if tag == "$device":
        return _device(body)
    if tag == "$size":
        return Size(body)
    raise ValueError(f"unknown tag {tag!r}")


# -- save ---------------------------------------------------------------------------------------------

def save(obj: Any, f: FileLike) -> None:
    """Save ``obj`` (tensors, NumPy arrays, numbers, strings, bools, None, nested in dicts, lists and
    tuples: e.g. a ``state_dict()``) to the path or binary file object ``f``.

    The file holds data only; writing to a path is atomic (a crash mid-save leaves the old file).

    Example::

        >>> ember.save(model.state_dict(), "model.ember")
        >>> model.load_state_dict(ember.load("model.ember"))
    """
    from . import __version__

    enc = _Encoder()
    structure = enc.encode(obj, "obj")
    offset = 0
    for entry in enc.entries:
        entry["offset"] = offset
        offset += entry["nbytes"]
    header = {"format": "ember checkpoint: data only, see ember.serialization",
              "version": FORMAT_VERSION, "ember_version": __version__, "tensors": enc.entries,
              "object": structure}
    header_bytes = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if hasattr(f, "write"):
        _write(f, header_bytes, enc.arrays, offset)  # type: ignore[arg-type]
        return
    _atomic_write(os.fspath(f), header_bytes, enc.arrays, offset)  # type: ignore[arg-type]


def _atomic_write(path: str, header_bytes: bytes, arrays: list[Any], payload_len: int) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as a plain open() would.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write(fh, header_bytes, arrays, payload_len)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


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


def _write(fh: IO[bytes], header_bytes: bytes, arrays: list[Any], payload_len: int) -> None:
    head = _PREAMBLE.pack(_MAGIC, FORMAT_VERSION, len(header_bytes), payload_len)
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

class _Corrupt(Exception):
    pass


def load(f: FileLike, map_location: MapLocation = None, weights_only: bool = True) -> Any:
    """Load an object saved with ``ember.save`` from a path or binary file object.

    Args:
        map_location: None (each tensor on the device it was saved from, else the CPU), a device
            (``"cpu"``, ``"cuda:1"``, ``ember.device("jax")``), a dict ``{saved_device: device}``, or
            ``fn(cpu_tensor, saved_device_str)`` returning a tensor, a device or None.
        weights_only: accepted for PyTorch compatibility; loading is always data-only.

    Raises ``RuntimeError`` for a truncated, corrupted or foreign (e.g. ``torch.save``) file.
    """
    if hasattr(f, "read"):
        name = getattr(f, "name", None)
        return _load(f, repr(name) if isinstance(name, str) else "the file object", None, map_location)  # type: ignore[arg-type]
    path = os.fspath(f)  # type: ignore[arg-type]
    with open(path, "rb") as fh:
        return _load(fh, repr(path), os.fstat(fh.fileno()).st_size, map_location)


def _load(fh: IO[bytes], name: str, size: int | None, map_location: MapLocation) -> Any:
    import numpy as np

    def corrupt(why: str) -> RuntimeError:
        return RuntimeError(f"{name} is a corrupted ember checkpoint ({why}). The file was damaged after it "
                            "was written; restore it from a good copy or save it again.")

    def truncated(found: int, expected: int | str) -> RuntimeError:
        return RuntimeError(f"{name} is a truncated ember checkpoint: it has {found} bytes but should have "
                            f"{expected}. It was probably cut short while being written, downloaded or "
                            "copied; copy the complete file again or save it again.")

    head = _read(fh, _PREAMBLE_LEN)
    if head and len(head) < len(_MAGIC) and _MAGIC.startswith(head):
        raise truncated(len(head), f"at least {_PREAMBLE_LEN}")
    if head[:len(_MAGIC)] != _MAGIC:
        raise RuntimeError(_foreign_message(name, head, fh))
    if len(head) < _PREAMBLE_LEN:
        raise truncated(len(head), f"at least {_PREAMBLE_LEN}")
    _, version, header_len, payload_len = _PREAMBLE.unpack(head[:_PREAMBLE.size])
    if struct.unpack("<I", head[_PREAMBLE.size:])[0] != zlib.crc32(head[:_PREAMBLE.size]):
        raise corrupt("the preamble's checksum does not match")
    if version > FORMAT_VERSION:
        raise RuntimeError(f"{name} is an ember checkpoint of format version {version}, newer than this "
                           f"ember reads (version {FORMAT_VERSION}); upgrade ember to load it.")
    expected = _PREAMBLE_LEN + header_len + payload_len + _TRAILER_LEN
    if size is not None and size < expected:
        raise truncated(size, expected)
    if size is not None and size > expected:
        raise corrupt(f"{size - expected} unexpected bytes after the end of the checkpoint")
    hasher = hashlib.sha256(head)
    header_bytes = _read(fh, header_len)
    hasher.update(header_bytes)
    if len(header_bytes) < header_len:
        raise truncated(_PREAMBLE_LEN + len(header_bytes), expected)
    try:
        header = json.loads(header_bytes.decode("utf-8"))
        entries = header["tensors"]
        dtypes = [np.dtype(_np_dtype(e["dtype"], name)) for e in entries]
        # Checked before allocating, so a damaged header cannot ask for more memory than the file holds.
        _check_layout(entries, dtypes, payload_len)
        arrays = [np.empty(tuple(e["shape"]), dtype=d) for e, d in zip(entries, dtypes)]
    except (ValueError, KeyError, TypeError, _Corrupt) as e:
        raise corrupt("its header is unreadable") from e
    pos = 0
    done = _PREAMBLE_LEN + header_len
    for entry, arr in zip(entries, arrays):
        # NOTE: the payload is read straight into each tensor's own array: no second copy in memory.
        if entry["offset"] > pos:
            gap = _read(fh, entry["offset"] - pos)
            hasher.update(gap)
            done += len(gap)
        buf = arr.reshape(-1).view(np.uint8)
        got = _readinto(fh, buf)
        hasher.update(buf[:got].data)
        done += got
        if got < buf.nbytes:
            raise truncated(done, expected)
        pos = entry["offset"] + entry["nbytes"]
    if payload_len > pos:
        rest = _read(fh, payload_len - pos)
        hasher.update(rest)
        done += len(rest)
    trailer = _read(fh, _TRAILER_LEN)
    if len(trailer) < _TRAILER_LEN or done < _PREAMBLE_LEN + header_len + payload_len:
        raise truncated(done + len(trailer), expected)
    if trailer[32:] != _END:
        raise corrupt("its end marker is missing")
    if trailer[:32] != hasher.digest():
        raise corrupt("the SHA-256 checksum of its contents does not match")

    if sys.byteorder == "big":
        arrays = [a.byteswap() for a in arrays]
    placer = _Placer(map_location)
    values = [arr if e["kind"] == "ndarray" else placer.place(arr, e) for e, arr in zip(entries, arrays)]
    return _decode(header["object"], values)


def _check_layout(entries: list[dict[str, Any]], dtypes: list[Any], payload_len: int) -> None:
    pos = 0
    for e, d in zip(entries, dtypes):
        n = math.prod(e["shape"]) * d.itemsize
        if (e["kind"] not in ("tensor", "ndarray") or any(not isinstance(s, int) or s < 0 for s in e["shape"])
                or e["nbytes"] != n or e["offset"] < pos):
            raise _Corrupt
        pos = e["offset"] + n
    if pos > payload_len:
        raise _Corrupt


def _np_dtype(name: str, file: str) -> Any:
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError:
            raise RuntimeError(f"{file} holds bfloat16 tensors; reading them needs the ml_dtypes package: "
                               "pip install ml_dtypes") from None
        return ml_dtypes.bfloat16
    if name not in _dt.by_name:
        raise _Corrupt(name)
    return _dt.by_name[name].name


def _read(fh: IO[bytes], n: int) -> bytes:
    """Up to ``n`` bytes; fewer only at the end of the file."""
    chunks = []
    while n > 0:
        b = fh.read(n)
        if not b:
            break
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def _readinto(fh: IO[bytes], buf: Any) -> int:
    """Fill ``buf`` from ``fh``; returns how many bytes were read (fewer only at the end of the file)."""
    view = memoryview(buf)
    n = 0
    readinto = getattr(fh, "readinto", None)
    while n < len(view):
        if readinto is not None:
            got = readinto(view[n:])
        else:
            b = fh.read(len(view) - n)
            got = len(b)
            view[n:n + got] = b
        if not got:
            break
        n += got
    return n


def _foreign_message(name: str, head: bytes, fh: IO[bytes]) -> str:
    """What a file that is not an ember checkpoint is, and what to do about it."""
    convert = ("Convert it once where PyTorch is installed: sd = torch.load(path, map_location='cpu', "
               "weights_only=True); ember.save({k: ember.from_numpy(v.float().numpy() if v.dtype == "
               "torch.bfloat16 else v.numpy()) for k, v in sd.items()}, new_path); then "
               "ember.load(new_path).")
    if not head:
        return f"{name} is empty, not an ember checkpoint (a save was probably interrupted before it began)."
    if head.startswith(b"PK\x03\x04"):
        if _is_torch_zip(head, fh):
            return (f"{name} is a PyTorch checkpoint (torch.save's zip format). ember.load never unpickles, "
                    f"because unpickling can run arbitrary code. {convert}")
        return f"{name} is a zip archive, not an ember checkpoint."
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return (f"{name} is a Python pickle (PyTorch's legacy torch.save format, or pickle.dump), not an "
                "ember checkpoint. ember.load never unpickles, because unpickling can run arbitrary code. "
                + convert)
    if head.startswith(b"\x93NUMPY"):
        return (f"{name} is a NumPy .npy file, not an ember checkpoint: load it with numpy.load and "
                "ember.from_numpy.")
    if len(head) >= 10 and head[8:10] == b'{"':
        return (f"{name} looks like a safetensors file, not an ember checkpoint: load it with "
                "safetensors.numpy.load_file and convert the arrays with ember.from_numpy.")
    return (f"{name} is not an ember checkpoint (it does not start with the ember magic bytes; found "
            f"{head[:8]!r}). It is another kind of file, or its beginning was overwritten.")


def _is_torch_zip(head: bytes, fh: IO[bytes]) -> bool:
    import zipfile

    try:
        fh.seek(0)
        with zipfile.ZipFile(fh) as z:
            names = z.namelist()
    except Exception:
        # NOTE: a truncated zip has no central directory; fall back on the first entry's name.
        return b"data.pkl" in head + _read(fh, 256)
    return any(n.endswith("data.pkl") for n in names)


class _Placer:
    """Puts loaded host arrays on the device ``map_location`` chooses."""

    def __init__(self, map_location: MapLocation) -> None:
        ml = map_location
        if not (ml is None or isinstance(ml, (str, _device, dict)) or callable(ml)):
            raise TypeError(f"map_location should be None, a device, a string, a dict or a callable, but got "
                            f"{type(ml).__name__}")
        self.map_location = ml
        # dict keys in canonical spelling; a key without an index ("cuda") maps every index of its type
        self._mapping = {str(_safe_device(k) or k): v for k, v in ml.items()} if isinstance(ml, dict) else {}
        self._cache: dict[str, Any] = {}
        self._warned = False

    def place(self, arr: Any, entry: dict[str, Any]) -> Tensor:
        from .ops.creation import as_tensor

        saved = entry["device"]
        ml = self.map_location
        t: Tensor | None = None
        target: Any = None
        if ml is None:
            target = self._default(saved)
        elif isinstance(ml, (str, _device)):
            target = ml
        elif isinstance(ml, dict):
            target = self._mapping.get(saved, self._mapping.get(saved.partition(":")[0]))
            if target is None:
                target = self._default(saved)
        else:
            out = ml(as_tensor(arr, device="cpu"), saved)
            if isinstance(out, Tensor):
                t = out
            else:
                target = out if out is not None else self._default(saved)
        if t is None:
            t = as_tensor(arr, device=target)
        if entry["parameter"]:
            from .nn.parameter import Parameter

            return Parameter(t, entry["requires_grad"])
        if entry["requires_grad"]:
            t.requires_grad_(True)
        return t

    def _default(self, saved: str) -> str:
        ok = self._cache.get(saved)
        if ok is None:
            ok = self._cache[saved] = _available(saved)
        if ok:
            return saved
        if not self._warned:
            self._warned = True
            warnings.warn(f"ember.load: tensors were saved on {saved}, which is not available here; loading "
                          "them on the CPU. Pass map_location to choose the device.", UserWarning,
                          stacklevel=4)
        return "cpu"


def _safe_device(d: Any) -> _device | None:
    try:
        return _device(d)
    except Exception:
        return None


def _available(saved: str) -> bool:
    from .ops._dispatch import canon_device

    try:
        canon_device(saved)
    except Exception:
        return False
    return True
