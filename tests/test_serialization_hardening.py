"""Hostile and corrupt checkpoints, and saves that keep what was there (issue 14).

Loading: every crafted length, header and object tree raises ``RuntimeError`` naming the file, through a
path, a ``BytesIO``, a real open file and a pipe (a stream that cannot seek) alike, without allocating what
the stream does not hold; a Hypothesis fuzz test mutates real checkpoints. Saving: an existing file keeps its
permission bits, and the temporary file of a save killed with SIGKILL (a real subprocess) is removed by the
next save to the same path, while that of a save still running is left alone.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember
from ember._serialization._decode import MAX_DEPTH

CHANNELS = ["path", "bytesio", "open file", "pipe"]


# -- helpers ---------------------------------------------------------------------------------------

def _bytes_of(obj: Any, **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    ember.save(obj, buf, **kwargs)
    return buf.getvalue()


def _split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The header (parsed) and the payload of a well-formed checkpoint."""
    hlen, plen = struct.unpack("<QQ", data[12:28])
    return json.loads(data[32:32 + hlen]), data[32 + hlen:32 + hlen + plen]


def _seal(header: Any, payload: bytes, *, hlen: int | None = None, plen: int | None = None,
          version: int = 1) -> bytes:
    """A checkpoint with valid checksums around ``header`` (a dict, or raw bytes) and ``payload``: what a
    crafted file looks like, so the checks that follow the checksums are the ones exercised."""
    hb = header if isinstance(header, bytes) else json.dumps(header).encode()
    pre = struct.pack("<8sIQQ", b"EMBERCKP", version, len(hb) if hlen is None else hlen,
                      len(payload) if plen is None else plen)
    pre += struct.pack("<I", zlib.crc32(pre))
    return pre + hb + payload + hashlib.sha256(pre + hb + payload).digest() + b"EMBEREND"


def _pipe(data: bytes) -> Any:
    """A real OS pipe holding ``data``, read end open: a stream that cannot seek or tell its size."""
    r, w = os.pipe()

    def feed() -> None:
        try:
            with os.fdopen(w, "wb") as fh:
                fh.write(data)
        except BrokenPipeError:
            pass  # the loader stopped reading (an error found early) and closed its end

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return os.fdopen(r, "rb")


@contextmanager
def _opened(channel: str, data: bytes, where: Path) -> Iterator[tuple[Any, str]]:
    """``data`` as ``ember.load`` gets it through ``channel``, and the name its errors must start with."""
    if channel == "bytesio":
        yield io.BytesIO(data), "<BytesIO>"
        return
    if channel == "pipe":
        with _pipe(data) as fh:
            yield fh, "<BufferedReader>"
        return
    path = where / "ckpt.ember"
    path.write_bytes(data)
    if channel == "path":
        yield path, repr(str(path))
        return
    with open(path, "rb") as fh:
        yield fh, repr(str(path))


def _load_via(channel: str, data: bytes, where: Path, **kwargs: Any) -> Any:
    with _opened(channel, data, where) as (f, _):
        return ember.load(f, **kwargs)


def _error_via(channel: str, data: bytes, where: Path, **kwargs: Any) -> str:
    """The message of the RuntimeError loading ``data`` through ``channel`` raises; checks it names the file."""
    with _opened(channel, data, where) as (f, name):
        with pytest.raises(RuntimeError) as info:
            ember.load(f, **kwargs)
    assert type(info.value) is RuntimeError, repr(info.value)  # not a subclass such as RecursionError
    msg = str(info.value)
    assert msg.startswith(name + " is "), msg
    return msg


def _same(a: Any, b: Any) -> bool:
    """Structural equality with exact types; tensors and arrays by dtype, shape and values (NaN == NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, ember.Tensor):
        return (a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
                and np.array_equal(a.numpy(force=True), b.numpy(force=True), equal_nan=True))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _original() -> Any:
    return {"w": ember.arange(12.0).reshape(3, 4), "b": ember.tensor([1, -2], dtype=ember.int64),
            "p": ember.nn.Parameter(ember.ones(2, 2)), "empty": ember.zeros(0, 3),
            "more": [(1, 2.5, "s", None, True), {"k": ember.ones(3, dtype=ember.float16), 7: {1, 2}}],
            "arr": np.arange(5, dtype=np.int32), "nan": float("nan"), "dt": ember.float32}


ORIGINAL = _original()
DATA = _bytes_of(ORIGINAL)


# -- lengths are checked before anything is allocated ---------------------------------------------

def _huge_tensor_file(payload: bytes = b"") -> bytes:
    """A well-sealed header declaring one float32 tensor of 64 GiB, followed by ``payload`` only."""
    header, _ = _split(_bytes_of({"w": ember.ones(1)}))
    header["tensors"][0].update(shape=[2**34], nbytes=2**36)
    hb = json.dumps(header).encode()
    return _seal(hb, payload, plen=2**36)


@pytest.mark.parametrize("channel", CHANNELS)
def test_declared_lengths_are_checked_before_allocating(channel: str, tmp_path: Path) -> None:
    header_bytes = DATA[32:32 + struct.unpack("<Q", DATA[12:20])[0]]
    _, payload = _split(DATA)
    for hlen in [2**64 - 1, 2**63, 2**62, len(header_bytes) + 1, len(header_bytes) * 1000]:
        msg = _error_via(channel, _seal(header_bytes, payload, hlen=hlen), tmp_path)
        assert "truncated ember checkpoint" in msg or "corrupted ember checkpoint" in msg
    for plen in [2**64 - 1, 2**63 - 1, len(payload) + 1]:
        msg = _error_via(channel, _seal(header_bytes, payload, plen=plen), tmp_path)
        assert "truncated ember checkpoint" in msg, msg
    # 64 GiB declared, 3 MiB present: no more memory than what arrives (plus one read chunk) is used
    data = _huge_tensor_file(bytes(3 << 20))
    expected = len(data) - (3 << 20) + 2**36
    tracemalloc.start()
    try:
        msg = _error_via(channel, data, tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert f"is a truncated ember checkpoint: it has {len(data)} bytes but should have {expected}." in msg
    assert peak < 3 * len(data) + (4 << 20), peak


def test_sizes_known_up_front_are_reported_before_reading(tmp_path: Path) -> None:
    data = _huge_tensor_file()
    total = len(data) + 2**36
    msg = f"it has {len(data)} bytes but should have {total}"
    assert msg in _error_via("path", data, tmp_path)
    assert msg in _error_via("bytesio", data, tmp_path)
    buf = io.BytesIO(b"prefix" + data)  # a file object is measured from its position, not its start
    buf.seek(6)
    with pytest.raises(RuntimeError, match=f"<BytesIO> is a truncated ember checkpoint: {msg}"):
        ember.load(buf)


# -- crafted object trees and headers --------------------------------------------------------------

_TREES: list[tuple[Any, str]] = [
    ({"$tensor": -1}, r"\{'\$tensor': -1\} is not one of the 1 arrays in its header"),
    ({"$tensor": 1}, r"\{'\$tensor': 1\} is not one of the 1 arrays"),
    ({"$tensor": True}, r"\{'\$tensor': True\} is not one of"),
    ({"$tensor": "0"}, r"\{'\$tensor': '0'\} is not one of"),
    ({"$ndarray": 0}, r"\{'\$ndarray': 0\} is not one of"),  # index 0 is a tensor, not an array
    ({"$tensor": 0, "$tuple": []}, "an object in its structure has 2 keys instead of one tag"),
    ({}, "has 0 keys instead of one tag"),
    ({"$dict": [["a"]]}, r"an item of a \$dict tag is not a \[key, value\] pair"),
    ({"$dict": {"a": 1}}, r"the body of a \$dict tag is not a list"),
    ({"$dict": [[[1], 2]]}, "a dict key or set element is a list"),
    ({"$odict": [[{"$tensor": 0}, 2]]}, r"a dict key or set element is a \$tensor tag"),
    ({"$set": [{"$dict": []}]}, r"a dict key or set element is a \$dict tag"),
    ({"$dict": [[{"$tuple": [[1]]}, 2]]}, "a dict key or set element is a list"),
    ({"$ref": 0}, r"\{'\$ref': 0\} refers to no module defined before it"),
    ({"$ref": [0]}, r"\{'\$ref': <a list>\} refers to no module"),
    ({"$module": [0, "ember.nn", "Linear"]}, r"a \$module tag is not \[index, module, qualname, state\]"),
    ({"$module": 5}, r"a \$module tag is not"),
    ([{"$module": [0, "m", "C", {"$dict": []}]}, {"$module": [0, "m", "C", {"$dict": []}]}],
     "two modules are numbered 0"),
    ({"$global": ["os"]}, r"a \$global tag is not \[module, qualname\]"),
    ({"$float": "abc"}, r"\{'\$float': 'abc'\} is not a valid tag"),
    ({"$dtype": "float128"}, r"\{'\$dtype': 'float128'\} is not a valid tag"),
    ({"$device": "bogus:0"}, r"\{'\$device': 'bogus:0'\} is not a valid tag"),
    ({"$size": ["a"]}, r"\{'\$size': <a list>\} is not a valid tag"),
    ({"$eval": "__import__('os')"}, r"\{'\$eval': \"__import__\('os'\)\"\} is not a valid tag"),
    ({"$float": 10**200}, r"\{'\$float': <a 665-bit int>\} is not a valid tag"),
]


@pytest.mark.parametrize("tree, why", _TREES, ids=[json.dumps(t)[:40] for t, _ in _TREES])
@pytest.mark.parametrize("channel", ["path", "bytesio"])
def test_crafted_object_trees(tree: Any, why: str, channel: str, tmp_path: Path) -> None:
    header, payload = _split(_bytes_of({"w": ember.ones(2)}))
    header["object"] = {"$dict": [["a", tree]]}
    msg = _error_via(channel, _seal(header, payload), tmp_path)
    assert msg.split(" (", 1)[0].endswith("is a corrupted ember checkpoint")
    assert re.search(why, msg), msg
    assert msg.endswith("restore it from a good copy or save it again.")


@pytest.mark.parametrize("depth", [10_000, MAX_DEPTH + 1])
@pytest.mark.parametrize("channel", CHANNELS)
def test_deep_nesting(depth: int, channel: str, tmp_path: Path) -> None:
    header, payload = _split(_bytes_of([1]))
    hb = json.dumps(header).encode().replace(b'"object": [1]', b'"object": ' + b"[" * depth + b"]" * depth)
    # json's own recursion limit stops the 10,000 levels on Python 3.11; ember's check stops what json parses
    msg = _error_via(channel, _seal(hb, payload), tmp_path)
    assert "nested too deeply to parse" in msg or f"nested more than {MAX_DEPTH} containers deep" in msg


def test_depth_limit_is_the_same_for_save_and_load(tmp_path: Path) -> None:
    def nested(depth: int) -> tuple[Any, Any]:
        """A structure ``depth`` containers deep (lists, tuples, dicts in turn) and its encoded form."""
        obj: Any = 1
        enc: Any = 1
        for i in range(depth):
            if i % 3 == 0:
                obj, enc = [obj], [enc]
            elif i % 3 == 1:
                obj, enc = (obj,), {"$tuple": [enc]}
            else:
                obj, enc = {"k": obj}, {"$dict": [["k", enc]]}
        return obj, enc

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20 * MAX_DEPTH))  # so that json and the encoder get as far as the limit
    try:
        deepest, _ = nested(MAX_DEPTH)
        assert _same(ember.load(io.BytesIO(_bytes_of(deepest))), deepest)
        too_deep, encoded = nested(MAX_DEPTH + 1)
        with pytest.raises(RecursionError, match=rf"ember.save: the object at obj.* is nested more than "
                                                 rf"{MAX_DEPTH} containers \(lists, tuples"):
            _bytes_of(too_deep)
        header, payload = _split(_bytes_of(1))
        header["object"] = encoded
        msg = _error_via("bytesio", _seal(header, payload), tmp_path)
        assert f"nested more than {MAX_DEPTH} containers deep" in msg
    finally:
        sys.setrecursionlimit(old)


def _edit_entry(**fields: Any) -> bytes:
    header, payload = _split(_bytes_of({"w": ember.ones(2, 3), "i": ember.tensor([1, 2])}))
    for k, v in fields.items():
        if v is _DELETE:
            del header["tensors"][0][k]
        else:
            header["tensors"][0][k] = v
    return _seal(header, payload)


_DELETE = object()


@pytest.mark.parametrize("fields, why", [
    ({"device": _DELETE}, "has no device, requires_grad or parameter"),
    ({"requires_grad": 1}, "has no device, requires_grad or parameter"),
    ({"kind": "pickle"}, "has no known kind and dtype"),
    ({"dtype": "object"}, "has no known kind and dtype"),
    ({"shape": [-2, -3]}, "has an invalid shape"),
    ({"shape": [True, 6]}, "has an invalid shape"),
    ({"shape": [1] * 65, "nbytes": 4}, "has an invalid shape"),
    ({"shape": [3, 3]}, "declares 24 bytes for a shape and dtype of 36"),
    ({"shape": [2**62, 2**62, 0], "nbytes": 0}, "has a shape too large for any memory"),
    ({"nbytes": 24.0}, "declares 24.0 bytes"),
    ({"offset": -1}, r"lies at bytes -1\+24, outside"),
    ({"offset": 17}, r"lies at bytes 17\+24, outside"),
    ({"offset": "0"}, "lies at bytes '0'"),
])
def test_crafted_tensor_entries(fields: dict[str, Any], why: str, tmp_path: Path) -> None:
    msg = _error_via("path", _edit_entry(**fields), tmp_path)
    assert "(tensor 0 of its header " in msg and re.search(why, msg), msg


def test_requires_grad_on_an_integer_tensor_is_refused(tmp_path: Path) -> None:
    header, payload = _split(_bytes_of({"i": ember.tensor([1, 2])}))
    header["tensors"][0]["requires_grad"] = True
    msg = _error_via("bytesio", _seal(header, payload), tmp_path)
    assert "tensor 0 of its header requires grad but has dtype int64" in msg


@pytest.mark.parametrize("header", [b"[]", b'{"tensors": {}, "object": 1}', b'{"tensors": []}', b"\xff\xfe",
                                    b'{"tensors": [], "object": 1', b"1" * 5000])
def test_unreadable_headers(header: bytes, tmp_path: Path) -> None:
    msg = _error_via("open file", _seal(header, b""), tmp_path)
    assert "is a corrupted ember checkpoint (its header is" in msg


def test_file_objects_are_named_in_errors(tmp_path: Path) -> None:
    assert "<BytesIO> is a truncated" in _error_via("bytesio", DATA[:100], tmp_path)
    path = tmp_path / "ckpt.ember"
    assert f"'{path}' is a truncated" in _error_via("open file", DATA[:100], tmp_path)
    assert "<BufferedReader> is a truncated" in _error_via("pipe", DATA[:100], tmp_path)


def test_foreign_files_through_a_pipe(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    assert "is a PyTorch checkpoint" in _error_via("pipe", buf.getvalue(), tmp_path)
    # inside a stream after other data, the zip is still recognized
    stream = io.BytesIO(b"x" * 10 + buf.getvalue())
    stream.seek(10)
    with pytest.raises(RuntimeError, match="<BytesIO> is a PyTorch checkpoint"):
        ember.load(stream)


@pytest.mark.parametrize("channel", CHANNELS)
def test_crafted_safetensors(channel: str, tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    data = _bytes_of({"a": ember.ones(2, 3)}, format="safetensors")
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    crafted = [struct.pack("<Q", 2**64 - 1) + data[8:], struct.pack("<Q", n + 1) + data[8:], data[:n + 10]]
    for shape, offsets in [([2**34], [0, 2**36]), ([2, 3], [0, 2**64]), ([2, 3], [24, 0]), ([-1], [0, 24])]:
        header["a"].update(shape=shape, data_offsets=offsets)
        hb = json.dumps(header).encode()
        crafted.append(struct.pack("<Q", len(hb)) + hb + data[8 + n:])
    for blob in crafted:
        msg = _error_via(channel, blob, tmp_path, format="safetensors")
        assert "is not a valid safetensors file" in msg


# -- the fuzz test ---------------------------------------------------------------------------------

_HEADER_LEN = struct.unpack("<Q", DATA[12:20])[0]
_PAYLOAD_LEN = struct.unpack("<Q", DATA[20:28])[0]
_LENGTHS = [0, 1, 7, 2**31, 2**36, 2**62, 2**63 - 1, 2**63, 2**64 - 1]
_JUNK = [None, -1, 0, 1, 1.5, True, "x", "", [], {}, [-1], [2**62], 2**64, -(2**63), {"$tensor": -1},
         {"$tensor": 99}, {"$tensor": 0}, {"$ndarray": 0}, {"$ref": 0}, {"$module": [0, "os"]}, {"$bogus": 1},
         {"$dict": [[[1], 1]]}, {"$set": [[1]]}, {"$float": "x"}, {"$size": [1.5]}, {"a": 1, "b": 2}]


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value (the keys and indices leading to it)."""
    yield at
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*at, i))


_HEADER, _PAYLOAD = _split(DATA)
_PLACES = list(_paths(_HEADER))[1:]


def _edit(at: tuple[Any, ...], how: str, value: Any) -> bytes:
    header = json.loads(json.dumps(_HEADER))
    *up, last = at
    parent = header
    for k in up:
        parent = parent[k]
    old = parent[last]
    if how == "delete":
        del parent[last]
    elif how == "replace":
        parent[last] = value
    elif how == "off by one" and type(old) is int:
        parent[last] = old + value
    elif how == "nest":
        # spliced in as text: json itself cannot dump (or load, on Python 3.11) 10,000 levels
        parent[last] = "NEST-HERE"
        text = json.dumps(header).replace('"NEST-HERE"', "[" * value + json.dumps(old) + "]" * value)
        return _seal(text.encode(), _PAYLOAD)
    else:
        parent[last] = value
    return _seal(header, _PAYLOAD)


def _with_lengths(hlen: int, plen: int) -> bytes:
    pre = struct.pack("<8sIQQ", b"EMBERCKP", 1, hlen, plen)
    return pre + struct.pack("<I", zlib.crc32(pre)) + DATA[32:]  # preamble CRC right, contents' SHA not


def _flip(flips: list[tuple[int, int]]) -> bytes:
    data = bytearray(DATA)
    for i, x in flips:
        data[i] ^= x
    return bytes(data)


_raw = st.one_of(
    st.lists(st.tuples(st.integers(0, len(DATA) - 1), st.integers(1, 255)), min_size=1, max_size=8).map(_flip),
    st.integers(0, len(DATA) - 1).map(lambda n: DATA[:n]),
    st.binary(min_size=1, max_size=64).map(lambda extra: DATA + extra),
    st.tuples(st.sampled_from([*_LENGTHS, _HEADER_LEN - 1, _HEADER_LEN + 1, _HEADER_LEN]),
              st.sampled_from([*_LENGTHS, _PAYLOAD_LEN - 1, _PAYLOAD_LEN + 1, _PAYLOAD_LEN])).map(
        lambda lens: _with_lengths(*lens)),
)
_sealed = st.one_of(
    st.tuples(st.sampled_from(_PLACES), st.sampled_from(["delete", "replace", "off by one", "nest"]),
              st.sampled_from(_JUNK)).map(
        lambda e: _edit(e[0], e[1], {"off by one": 1, "nest": 10_000}.get(e[1], e[2]))),
    st.tuples(st.sampled_from(_PLACES), st.sampled_from([-1, 1, 2**62, -(2**62)])).map(
        lambda e: _edit(e[0], "off by one", e[1])),
    st.sampled_from(_LENGTHS).map(lambda n: _seal(json.dumps(_HEADER).encode(), _PAYLOAD, hlen=n)),
    st.sampled_from(_LENGTHS).map(lambda n: _seal(json.dumps(_HEADER).encode(), _PAYLOAD, plen=n)),
)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=_raw)
def test_fuzz_damaged_files_load_equal_or_raise(data: bytes, fuzz_dir: Path) -> None:
    """Bytes flipped, cut or appended, lengths rewritten: the checksums leave two outcomes, the original or
    RuntimeError naming the file."""
    for channel in CHANNELS:
        try:
            out = _load_via(channel, data, fuzz_dir)
        except RuntimeError:
            _error_via(channel, data, fuzz_dir)  # again, checking the type and that it names the file
        else:
            assert _same(out, ORIGINAL)


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=_sealed)
def test_fuzz_crafted_files_load_or_raise(data: bytes, fuzz_dir: Path) -> None:
    """Headers edited and checksums recomputed, as a crafted file would be: an edit may describe other valid
    data, which then loads; anything else raises RuntimeError naming the file, and nothing else escapes."""
    loaded = []
    for channel in CHANNELS:
        try:
            loaded.append(_load_via(channel, data, fuzz_dir))
        except RuntimeError:
            _error_via(channel, data, fuzz_dir)  # again, checking the type and that it names the file
    # a crafted file loads through every channel, to the same data, or through none
    assert len(loaded) in (0, len(CHANNELS)) and all(_same(x, loaded[0]) for x in loaded), loaded


# -- saving keeps what was there -------------------------------------------------------------------

@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o640, 0o600, 0o604, 0o755])
def test_resaving_keeps_permission_bits(mode: int, tmp_path: Path) -> None:
    path = tmp_path / "model.ember"
    ember.save({"v": 1}, path)
    os.chmod(path, mode)
    with _umask(0o077):  # the umask narrows new files only
        ember.save({"v": 2}, path)
        ember.save({"v": 3}, path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert ember.load(path) == {"v": 3}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_new_files_get_the_mode_open_gives(tmp_path: Path) -> None:
    for mask in (0o022, 0o027, 0o077):
        with _umask(mask):
            ember.save([1], tmp_path / f"new{mask}.ember")
            with open(tmp_path / f"plain{mask}", "wb"):
                pass
        assert (stat.S_IMODE((tmp_path / f"new{mask}.ember").stat().st_mode)
                == stat.S_IMODE((tmp_path / f"plain{mask}").stat().st_mode) == 0o666 & ~mask)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_file_open_could_not_write_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "frozen.ember"
    ember.save({"v": 1}, path)
    os.chmod(path, 0o444)
    try:
        with open(path, "r+b"):
            writable = True  # root, for one, may write any file
    except PermissionError:
        writable = False
    if writable:
        ember.save({"v": 2}, path)
        assert ember.load(path) == {"v": 2} and stat.S_IMODE(path.stat().st_mode) == 0o444
    else:
        with pytest.raises(PermissionError, match="Permission denied"):
            ember.save({"v": 2}, path)
        assert ember.load(path) == {"v": 1}
    assert sorted(os.listdir(tmp_path)) == ["frozen.ember"]


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlinks_are_written_through(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.ember"
    ember.save({"v": 1}, target)
    link = tmp_path / "latest.ember"
    link.symlink_to(target)
    ember.save({"v": 2}, link)
    assert link.is_symlink() and ember.load(target) == {"v": 2}
    assert os.listdir(tmp_path / "real") == ["model.ember"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_saving_to_a_fifo_writes_into_it(tmp_path: Path) -> None:
    # NOTE: a FIFO, not /dev/null: a saver that renames over the target would replace a device node for good
    fifo = tmp_path / "stream.ember"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        ember.save({"w": ember.ones(3)}, fifo)  # as torch.save does: open(path, "wb") and write
    finally:
        if reader.is_alive() and not received:
            with open(fifo, "wb"):  # unblocks the reader if the save never opened the FIFO
                pass
        reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and sorted(os.listdir(tmp_path)) == ["stream.ember"]
    assert _same(ember.load(io.BytesIO(received[0])), {"w": ember.ones(3)})


_CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    import ember
    ember.save({"w": ember.from_numpy(np.ones(int(sys.argv[2]), dtype=np.uint8))}, sys.argv[1])
""")


def _temps(path: Path) -> list[Path]:
    # the saver's naming pattern: .<name>.<12 hex digits>.tmp in the same directory
    return sorted(p for p in path.parent.glob(f".{path.name}.*.tmp") if len(p.name) == len(path.name) + 18)


def _writing(path: Path) -> bool:
    try:
        return any(p.stat().st_size > 0 for p in _temps(path))
    except FileNotFoundError:  # renamed into place between the listing and the stat
        return False


def _caught_mid_save(path: Path, act: Callable[[subprocess.Popen[bytes]], None],
                     before_each: Callable[[], object] = lambda: None) -> subprocess.Popen[bytes]:
    """A real subprocess saving a large tensor to ``path``, on which ``act`` is done (SIGKILL, SIGSTOP) as
    soon as its temporary file has bytes in it; retried with 4 times the size if the save finished first
    (``before_each`` then puts back what the test expects to find)."""
    size = 64 << 20
    for _ in range(4):
        before_each()
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), str(size)])
        deadline = time.monotonic() + 120
        while not _writing(path) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        if child.poll() is None and _writing(path):
            act(child)
            if _temps(path):
                return child
        child.kill()
        child.wait()
        size *= 4
    raise AssertionError("the subprocess never was caught mid-save")


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL, SIGSTOP")
def test_a_killed_save_leaves_a_temp_file_the_next_save_removes(tmp_path: Path) -> None:
    path = tmp_path / "model.ember"
    ember.save({"v": 1}, path)
    before = path.read_bytes()

    child = _caught_mid_save(path, lambda c: c.send_signal(signal.SIGKILL), lambda: path.write_bytes(before))
    assert child.wait() == -signal.SIGKILL
    assert len(_temps(path)) == 1  # it died while writing
    assert path.read_bytes() == before and ember.load(path) == {"v": 1}
    ember.save({"v": 2}, path)
    assert _temps(path) == [] and ember.load(path) == {"v": 2}
    assert sorted(os.listdir(tmp_path)) == ["model.ember"]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL, SIGSTOP")
def test_the_temp_file_of_a_running_save_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "model.ember"
    child = _caught_mid_save(path, lambda c: c.send_signal(signal.SIGSTOP))
    try:
        (running,) = _temps(path)
        stale = tmp_path / f".model.ember.{'0' * 12}.tmp"  # as a killed save of an older ember left it
        stale.write_bytes(b"EMBERCKP")
        ember.save({"v": 1}, path)  # while the child is stopped mid-write
        assert _temps(path) == [running] and ember.load(path) == {"v": 1}
    finally:
        child.send_signal(signal.SIGCONT)
    assert child.wait(timeout=120) == 0
    assert _temps(path) == [] and ember.load(path)["w"].shape[0] >= 64 << 20  # the child's save came last
