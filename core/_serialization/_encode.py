"""The structure of a checkpoint as JSON: data, and ``nn.Module`` objects stored by class path and state.

Data uses one-key tag objects for what JSON lacks: ``{"$tensor": i}``, ``{"$ndarray": i}``, ``{"$tuple": [...]}``,
``{"$dict": [[k, v], ...]}``, ``{"$odict": ...}``, ``{"$set": [...]}``, ``{"$frozenset": [...]}``,
``{"$float": "nan"}``, ``{"$dtype": "float32"}``, ``{"$device": "cuda:0"}``, ``{"$size": [...]}``.

A module is ``{"$module": [n, module, qualname, state]}``: the n-th object of the file, its class's import
path, and its state (its ``__getstate__()``, by default its ``__dict__``: parameters, buffers, submodules,
hooks and plain attributes) encoded as data, so no code is stored and nothing is pickled. A module met again
is ``{"$ref": n}``, so shared submodules and tied weights load as one object. A module-level function held
by a module (an activation such as ``F.relu``) is ``{"$global": [module, qualname]}``, a name, as pickle
stores it. Loading (``_decode``) creates the object with ``cls.__new__(cls)`` (no constructor runs) and gives
it the state with ``__setstate__``, as pickle does. Nesting deeper than ``_decode.MAX_DEPTH`` containers is
refused here, as loading would refuse it.
"""

from __future__ import annotations

import math
import sys
import types
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..device import device as _device
from ..tensor import Size, Tensor
from ._decode import MAX_DEPTH

_MODULE_DATA = ("A module is saved as data: its parameters, buffers, submodules and attributes that are tensors, "
                "numbers, strings, bools, None, dtypes, devices, or lists, tuples, sets and dicts of these")


class Encoder:
    """Turns ``obj`` into JSON-able data plus the list of arrays it references."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.arrays: list[Any] = []
        self._memo: dict[int, int] = {}
        self._objects: dict[int, int] = {}
        self._keep: list[Any] = []  # keeps memoized objects alive so their ids stay unique
        self._owner: tuple[str, str] | None = None  # (path, class) of the module whose state is being encoded
        self._depth = 0  # containers around the object being encoded, counted as _decode.check counts them

    @property
    def has_objects(self) -> bool:
        """Whether the structure holds modules (a version-2 file)."""
        return bool(self._objects)

    def encode(self, obj: Any, where: str) -> Any:
        """The JSON-able form of ``obj``, found at ``where`` (a path used in error messages)."""
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
            self._enter(where)
            out: Any = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            self._depth -= 1  # (not in a finally: an error ends the whole save)
            return out
        if isinstance(obj, tuple):
            self._enter(where)
            out = {"$tuple": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
            self._depth -= 1
            return out
        if isinstance(obj, dict):
            return self._dict(obj, where, lambda k: f"{where}[{k!r}]")
        if isinstance(obj, (set, frozenset)):
            if not all(_is_key(v) for v in obj):
                raise TypeError(f"ember.save: the set at {where} holds an element that is not a str, int, float, "
                                "bool, None or tuple of these")
            try:
                elements = sorted(obj)  # a stable file whatever the hash seed
            except TypeError:
                elements = list(obj)
            tag = "$set" if isinstance(obj, set) else "$frozenset"
            self._enter(where)
            out = {tag: [self.encode(v, where) for v in elements]}
            self._depth -= 1
            return out
        if _is_module(obj):
            return self._module(obj, where)
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)) and self._owner is not None:
            # a module-level function held by a module (e.g. an activation): stored by name, like a class
            try:
                return {"$global": list(_class_path(obj, where, "function"))}
            except TypeError:
                raise self._unsupported(obj, where) from None
        raise self._unsupported(obj, where)

    def _dict(self, obj: dict[Any, Any], where: str, path: Callable[[Any], str]) -> Any:
        tag = "$odict" if isinstance(obj, OrderedDict) else "$dict"
        items = []
        self._enter(where)
        for k, v in obj.items():
            if not _is_key(k):
                raise TypeError(f"ember.save: the dict at {where} has a key of type {type(k).__name__}; "
                                "keys must be str, int, float, bool, None or tuples of these")
            items.append([self.encode(k, where), self.encode(v, path(k))])
        self._depth -= 1
        return {tag: items}

    def _enter(self, where: str) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            # RecursionError, as pickling so deep a structure raises in PyTorch; ember.load would refuse it
            raise RecursionError(f"ember.save: the object at {where} is nested more than {MAX_DEPTH} containers "
                                 "(lists, tuples, sets, dicts, modules) deep, which ember.load refuses as a guard "
                                 "against hostile files; flatten the structure (e.g. a dict keyed by path).")

    def _unsupported(self, obj: Any, where: str) -> TypeError:
        kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
        if self._owner is None:
            return TypeError(
                f"ember.save: cannot save an object of type {kind} at {where}. A checkpoint holds data and "
                "nn.Modules only: tensors, NumPy arrays, numbers, strings, bools, None, dtypes, devices, lists, "
                "tuples, sets and dicts of these, and modules (save an optimizer's or other object's "
                "state_dict(), not the object).")
        owner, cls = self._owner
        hint = ("remove the hooks (handle.remove()) before saving" if "hooks" in where[len(owner):] else
                "store such an attribute as data (e.g. a name looked up in forward) or delete it before saving")
        what = f"an object of type {kind}"
        if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
            what = (f"the function {obj.__module__}.{obj.__qualname__}, a lambda or a function defined inside "
                    "another function, which loading could not import (module-level functions are saved by name)")
        return TypeError(
            f"ember.save: cannot save the attribute {where} of the module {owner} ({cls}): it is {what}. "
            f"{_MODULE_DATA}; {hint}, or save the module's state_dict() and build the module in code.")

    def _module(self, obj: Any, where: str) -> Any:
        idx = self._objects.get(id(obj))
        if idx is not None:
            return {"$ref": idx}
        cls = type(obj)
        module, qualname = _class_path(cls, where)
        idx = self._objects[id(obj)] = len(self._objects)
        self._keep.append(obj)
        self._enter(where)
        getstate = getattr(obj, "__getstate__", None)  # object.__getstate__ is Python 3.11+
        state = getstate() if getstate is not None else obj.__dict__
        owner, self._owner = self._owner, (where, f"{module}.{qualname}")
        try:
            if isinstance(state, dict) and all(isinstance(k, str) for k in state):
                self._enter(where)  # the state dict is a container of its own when decoded
                items = []
                for k, v in state.items():
                    if k in ("_parameters", "_buffers", "_modules") and isinstance(v, dict):
                        # paths as the user spells them: model.encoder.layers.0.weight
                        value = self._dict(v, f"{where}.{k}", lambda name: f"{where}.{name}")
                    else:
                        value = self.encode(v, f"{where}.{k}")
                    items.append([k, value])
                body: Any = {"$dict": items}
                self._depth -= 1
            else:
                body = self.encode(state, f"{where}.__getstate__()")
        finally:
            self._owner = owner
        self._depth -= 1
        return {"$module": [idx, module, qualname, body]}

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


def _is_module(obj: Any) -> bool:
    nn = sys.modules.get("ember.nn.modules.module")  # no module can exist before ember.nn is imported
    return nn is not None and isinstance(obj, nn.Module)


def _class_path(cls: Any, where: str, kind: str = "class") -> tuple[str, str]:
    """``cls``'s (module, qualname), checked to import back to ``cls`` as pickle checks it."""
    module, qualname = cls.__module__, cls.__qualname__
    if module is None or "<locals>" in qualname or "<lambda>" in qualname:
        raise TypeError(f"ember.save: cannot save {where}: its {kind} {module}.{qualname} is a lambda or is "
                        "defined inside a function, so loading could not import it. Define it at the top level "
                        "of a module, or save the module's state_dict().")
    if lookup(sys.modules.get(module), qualname) is not cls:
        raise TypeError(f"ember.save: cannot save {where}: its {kind} {cls!r} is not importable as "
                        f"{module}.{qualname} (it was redefined or renamed). Save the module's state_dict().")
    return module, qualname


def lookup(module: Any, qualname: str) -> Any:
    """``module.<qualname>`` (dotted attributes), or None."""
    obj = module
    for part in qualname.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj
