"""Checking and decoding a checkpoint's structure (its JSON ``object``), which a hostile file may have crafted.

``check`` walks the structure once, before any array is read or any class imported, and raises ``Corrupt``
for anything ``Encoder`` could not have written: an unknown tag, a body of the wrong type, a ``$tensor``
index that is not one of the file's tensors, a ``$ref`` to a module not defined before it, a dict key that
would not be hashable, or nesting deeper than ``MAX_DEPTH``. ``Decoder`` then rebuilds the objects from
a checked structure with an explicit stack instead of recursion, so no depth of nesting can exhaust
Python's stack.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import dtypes as _dt
from ..device import device as _device
from ..tensor import Size

# Containers (lists, tuples, sets, dicts, modules) nested in one another; Encoder refuses to write deeper.
MAX_DEPTH = 1000

def _pairs(build: Callable[[Any], Any]) -> Callable[[list[Any]], Any]:
    # a dict's frame holds its keys and values flattened (k0, v0, k1, v1...): no frame per pair
    return lambda flat: build(zip(flat[::2], flat[1::2]))


_BUILD: dict[str, Callable[[list[Any]], Any]] = {
    "$tuple": tuple, "$set": set, "$frozenset": frozenset, "$dict": _pairs(dict), "$odict": _pairs(OrderedDict)}
_MISSING = object()


class Corrupt(Exception):
    """What is wrong with a checkpoint, in words; the loader adds the file's name."""


def _index(body: Any) -> bool:
    return type(body) is int and body >= 0


def check(root: Any, kinds: list[str]) -> list[tuple[str, str]]:
    """Checks a structure whose ``$tensor``/``$ndarray`` tags index arrays of ``kinds`` (``"tensor"`` or
    ``"ndarray"`` each); returns the (module, qualname) of every class and function it names, in order."""
    names: list[tuple[str, str]] = []
    modules: set[int] = set()
    # (node, depth of its parent container, whether it is a dict key or set element: those must hash)
    stack: list[tuple[Any, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, key = stack.pop()
        if isinstance(node, list):
            if key:
                raise Corrupt("a dict key or set element is a list")
            depth += 1
            if depth > MAX_DEPTH:
                raise Corrupt(f"its object structure is nested more than {MAX_DEPTH} containers deep")
            # reversed, so the walk is in file order, as Decoder goes: a $ref must follow its $module
            stack.extend((v, depth, False) for v in reversed(node))
            continue
        if not isinstance(node, dict):
            continue  # str, int, float, bool or None: JSON has nothing else
        if len(node) != 1:
            raise Corrupt(f"an object in its structure has {len(node)} keys instead of one tag")
        ((tag, body),) = node.items()
        if key and tag not in ("$tuple", "$float"):
            raise Corrupt(f"a dict key or set element is a {tag} tag")
        if tag == "$tensor" or tag == "$ndarray":
            if not (_index(body) and body < len(kinds) and kinds[body] == tag[1:]):
                raise Corrupt(f"{{{tag!r}: {_show(body)}}} is not one of the {len(kinds)} arrays in its header")
        elif tag in _BUILD:
            if not isinstance(body, list):
                raise Corrupt(f"the body of a {tag} tag is not a list")
            depth += 1
            if depth > MAX_DEPTH:
                raise Corrupt(f"its object structure is nested more than {MAX_DEPTH} containers deep")
            if tag == "$dict" or tag == "$odict":
                for pair in reversed(body):
                    if not (isinstance(pair, list) and len(pair) == 2):
                        raise Corrupt(f"an item of a {tag} tag is not a [key, value] pair")
                    stack.append((pair[1], depth, False))
                    stack.append((pair[0], depth, True))
            else:
                member = key or tag != "$tuple"  # a set's elements must hash, as must a key tuple's items
                stack.extend((v, depth, member) for v in reversed(body))
        elif tag == "$module":
            if not (isinstance(body, list) and len(body) == 4 and _index(body[0]) and _name(body[1])
                    and _name(body[2])):
                raise Corrupt("a $module tag is not [index, module, qualname, state]")
            if body[0] in modules:
                raise Corrupt(f"two modules are numbered {body[0]}")
            modules.add(body[0])
            names.append((body[1], body[2]))
            depth += 1
            if depth > MAX_DEPTH:
                raise Corrupt(f"its object structure is nested more than {MAX_DEPTH} containers deep")
            stack.append((body[3], depth, False))
        elif tag == "$ref":
            if not _index(body) or body not in modules:
                raise Corrupt(f"{{'$ref': {_show(body)}}} refers to no module defined before it")
        elif tag == "$global":
            if not (isinstance(body, list) and len(body) == 2 and _name(body[0]) and _name(body[1])):
                raise Corrupt("a $global tag is not [module, qualname]")
            names.append((body[0], body[1]))
        elif not _leaf_ok(tag, body):
            raise Corrupt(f"{{{_show(tag)}: {_show(body)}}} is not a valid tag")
    return names


def _show(x: Any) -> str:
    """A short repr: a hostile body may be huge, or nested too deeply for ``repr``."""
    if x is None or isinstance(x, (str, int, float)):
        text = repr(x) if not isinstance(x, int) or abs(x) < 2**100 else f"<a {x.bit_length()}-bit int>"
        return text if len(text) <= 60 else text[:57] + "..."
    return f"<a {type(x).__name__}>"


def _name(s: Any) -> bool:
    return isinstance(s, str) and s != ""


def _leaf_ok(tag: str, body: Any) -> bool:
    if tag == "$size":
        return isinstance(body, list) and all(type(d) is int for d in body)
    if not isinstance(body, str):
        return False
    if tag == "$dtype":
        return body in _dt.by_name
    try:
        if tag == "$float":
            float(body)
        elif tag == "$device":
            _device(body)
        else:
            return False
    except Exception:  # whatever a device string's parser raises for a bad one
        return False
    return True


class _Frame:
    __slots__ = ("build", "children", "pos", "out", "obj")

    def __init__(self, build: Any, children: list[Any], obj: Any = None) -> None:
        self.build = build  # None for a list, else a constructor from _BUILD, or "$module"
        self.children = children
        self.pos = 0
        self.out: list[Any] = []
        self.obj = obj


class Decoder:
    """Rebuilds a structure that ``check`` accepted; ``resolve(module, qualname, is_module_class)`` gives
    each module's class and each function a module holds."""

    def __init__(self, values: list[Any], resolve: Callable[[str, str, bool], Any]) -> None:
        self.values = values
        self.resolve = resolve
        self.objects: dict[int, Any] = {}

    def decode(self, node: Any) -> Any:
        """The object ``node`` encodes."""
        stack: list[_Frame] = []
        value: Any = None
        while True:
            # open `node`: a container pushes a frame, anything else is a value at once
            opened = True
            if isinstance(node, list):
                stack.append(_Frame(None, node))
            elif isinstance(node, dict):
                ((tag, body),) = node.items()
                build = _BUILD.get(tag)
                if build is not None:
                    if tag == "$dict" or tag == "$odict":
                        body = [x for pair in body for x in pair]
                    stack.append(_Frame(build, body))
                elif tag == "$module":
                    stack.append(self._open_module(*body))
                else:
                    value, opened = self._leaf(tag, body), False
            else:
                value, opened = node, False
            # hand finished values to their containers until a child container needs opening
            while True:
                if not opened:
                    if not stack:
                        return value
                    stack[-1].out.append(value)
                opened = False
                top = stack[-1]
                children, out, i = top.children, top.out, top.pos
                nxt = None
                while i < len(children):
                    child = children[i]
                    i += 1
                    if isinstance(child, dict):
                        index = child.get("$tensor", _MISSING)  # NOTE: the commonest node, taken in line
                        if index is not _MISSING:
                            out.append(self.values[index])
                            continue
                    elif not isinstance(child, list):
                        out.append(child)
                        continue
                    nxt = child
                    break
                top.pos = i
                if nxt is not None:
                    node = nxt
                    break
                stack.pop()
                value = self._finish(top)

    def _leaf(self, tag: str, body: Any) -> Any:
        if tag == "$tensor" or tag == "$ndarray":
            return self.values[body]
        if tag == "$float":
            return float(body)
        if tag == "$dtype":
            return _dt.by_name[body]
        if tag == "$device":
            return _device(body)
        if tag == "$size":
            return Size(body)
        if tag == "$ref":
            return self.objects[body]
        return self.resolve(body[0], body[1], False)  # $global

    def _open_module(self, idx: int, module: str, qualname: str, state: Any) -> _Frame:
        cls = self.resolve(module, qualname, True)
        obj = cls.__new__(cls)
        self.objects[idx] = obj  # before its state: a submodule may refer back to it
        return _Frame("$module", [state], obj)

    def _finish(self, frame: _Frame) -> Any:
        if frame.build is None:
            return frame.out
        if frame.build != "$module":
            return frame.build(frame.out)
        obj, state = frame.obj, frame.out[0]
        try:
            setstate = getattr(obj, "__setstate__", None)
            if setstate is not None:
                setstate(state)
            else:
                obj.__dict__.update(state)
        except Exception as e:
            cls = type(obj)
            raise Corrupt(f"restoring a {cls.__module__}.{cls.__qualname__} module from the state it holds "
                          f"failed with {type(e).__name__}: {e}; the class changed since the file was saved, "
                          "or the file was crafted") from e
        return obj
