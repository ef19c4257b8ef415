"""The safetensors format for ``ember.save``/``ember.load``, through the ``safetensors`` package.

A safetensors file holds a flat ``{name: tensor}`` dict (a ``state_dict()``) and nothing else, so it moves
between ember, PyTorch (``safetensors.torch``) and Hugging Face tools. Writing follows
``safetensors.torch.save_file``'s rules (tensors only, contiguous, no two sharing memory) and stores the
metadata ``{"format": "pt"}``: ember's state dicts use PyTorch's names and layouts, and Hugging Face loaders
require that marker. ``safetensors.numpy`` cannot read bfloat16, so reading goes through
``safetensors.deserialize`` and maps the dtypes itself (bfloat16 through ml_dtypes).
"""

from __future__ import annotations

import sys
from typing import IO, Any

from ..tensor import Tensor

# safetensors dtype -> NumPy dtype name (little-endian); bfloat16 is special-cased (ml_dtypes)
_DTYPES = {"BOOL": "bool", "U8": "uint8", "I8": "int8", "I16": "int16", "I32": "int32", "I64": "int64",
           "F16": "float16", "F32": "float32", "F64": "float64", "BF16": "bfloat16", "C64": "complex64"}
_SAVABLE = set(_DTYPES.values())
_METADATA = {"format": "pt"}


def _package() -> Any:
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError("ember.save/ember.load with the safetensors format need the safetensors package: "
                          "pip install safetensors (or pip install 'ember[safetensors]')") from None
    return safetensors


def to_bytes(obj: Any) -> bytes:
    """``obj`` (a dict of tensors) in the safetensors format, checked as ``safetensors.torch`` checks it."""
    safetensors = _package()
    arrays = {}
    if not isinstance(obj, dict):
        raise TypeError(f"ember.save: the safetensors format holds a dict of tensors (e.g. model.state_dict()), "
                        f"not an object of type {type(obj).__name__}; save model.state_dict(), or use "
                        "format='ember' to save other objects.")
    roots: dict[int, list[str]] = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f"ember.save: the safetensors format needs str keys, but the dict has the key {k!r} "
                            f"of type {type(k).__name__}")
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected ember.Tensor but received {type(v)}")
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either means you "
                "are trying to save tensors which are reference of each other in which case it's recommended to "
                "save only the full tensors, and reslice at load time, or simply call `.contiguous()` on your "
                "tensor to pack it before saving.")
        if v.dtype.name not in _SAVABLE:
            raise TypeError(f"ember.save: the tensor `{k}` has dtype {v.dtype}, which the safetensors format "
                            f"cannot hold (it has {', '.join(sorted(_SAVABLE))}); convert it with .to() first")
        # NOTE: views of one tensor share its storage (._base); safetensors refuses them, as PyTorch's does
        root = v._base if v._base is not None else v
        roots.setdefault(id(root), []).append(k)
        arr = v.detach().numpy(force=True)
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")  # safetensors.numpy reads the buffer as C-ordered bytes
        arrays[k] = arr
    shared = [set(names) for names in roots.values() if len(names) > 1]
    if shared:
        raise RuntimeError(
            "\n            Some tensors share memory, this will lead to duplicate memory on disk and potential "
            f"differences when loading them again: {shared}.\n            Save each storage once (e.g. "
            "`.clone()` one of them) and tie the tensors again after loading.\n            More information at "
            "https://huggingface.co/docs/safetensors/torch_shared_tensors\n            ")
    return bytes(safetensors.numpy.save(arrays, metadata=_METADATA))


def read(fh: IO[bytes], name: str) -> list[tuple[str, Any]]:
    """The (name, host array) pairs of the safetensors file ``fh``, in the file's order."""
    import numpy as np

    safetensors = _package()
    data = fh.read()
    try:
        items = safetensors.deserialize(data)
    except BaseException as e:  # SafetensorError: the rust reader's own message says what is wrong
        # NOTE: a panic in the rust reader surfaces as pyo3's PanicException, a BaseException
        if not isinstance(e, Exception) and type(e).__name__ != "PanicException":
            raise
        raise RuntimeError(f"{name} is not a valid safetensors file ({e}). It was damaged, cut short, or is "
                           "another kind of file; restore or re-save it.") from None
    del data  # NOTE: references are dropped as soon as possible so peak memory stays near twice the file
    out = []
    for i in range(len(items)):
        (key, info), items[i] = items[i], None
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise RuntimeError(f"{name} holds the tensor `{key}` of safetensors dtype {info['dtype']}, which ember "
                               f"does not have (ember reads {', '.join(_DTYPES)})")
        np_dtype = np.dtype(_bfloat16(name) if dtype == "bfloat16" else dtype).newbyteorder("<")
        # bytearray: a writable buffer, so the loaded tensors can be modified in place
        arr = np.frombuffer(bytearray(info.pop("data")), dtype=np_dtype).reshape(info["shape"])
        if sys.byteorder == "big":
            arr = arr.astype(np_dtype.newbyteorder("="))
        out.append((key, arr))
    return out


def _bfloat16(name: str) -> Any:
    try:
        import ml_dtypes
    except ImportError:
        raise RuntimeError(f"{name} holds bfloat16 tensors; reading them needs the ml_dtypes package: "
                           "pip install ml_dtypes") from None
    return ml_dtypes.bfloat16
