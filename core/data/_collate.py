"""Collation: merging a list of samples into a batch (``default_collate``) and ``default_convert``."""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

_NP_STR_OBJ = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"

CollateFnMap = dict[Any, Callable[..., Any]]


def default_convert(data: Any) -> Any:
    """``default_convert(data)``: NumPy arrays/scalars inside ``data`` become tensors; the rest is kept.

    The DataLoader's ``collate_fn`` when automatic batching is off (``batch_size=None``).
    """
    from ..ops.creation import as_tensor

    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ == "ndarray" and _NP_STR_OBJ.search(data.dtype.str) is not None:
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: default_convert(data[k]) for k in data})
                return clone
            return elem_type({k: default_convert(data[k]) for k in data})  # type: ignore[call-arg]
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, as in PyTorch
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                out = copy.copy(data)
                for i, d in enumerate(data):
                    out[i] = default_convert(d)
                return out
            return elem_type([default_convert(d) for d in data])  # type: ignore[call-arg]
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """``collate(batch, *, collate_fn_map=None)``: recurse into mappings and sequences, collating leaves with
    the function registered for their type in ``collate_fn_map``."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for ctype in collate_fn_map:
            if isinstance(elem, ctype):
                return collate_fn_map[ctype](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        items = {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(items)
                return clone
            return elem_type(items)  # type: ignore[call-arg]
        except TypeError:
            return items
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # a list, as in PyTorch
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                seq: Any = copy.copy(elem)
                for i, c in enumerate(columns):
                    seq[i] = c
                return seq
            return elem_type(columns)  # type: ignore[call-arg]
        except TypeError:
            return columns
    raise TypeError(_ERR.format(elem_type))


def _collate_tensor(batch: list[Tensor], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    from ..ops.arrange import stack

    return stack(batch, 0)


def _collate_ndarray(batch: list[np.ndarray], *, collate_fn_map: CollateFnMap | None = None) -> Any:
    from ..ops.creation import as_tensor

    if _NP_STR_OBJ.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _collate_np_scalar(batch: list[Any], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    from ..ops.creation import as_tensor

    return as_tensor(np.asarray(batch))


def _collate_float(batch: list[float], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    from .. import dtypes as _dt
    from ..ops.creation import tensor

    return tensor(batch, dtype=_dt.float64)


def _collate_int(batch: list[int], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    from ..ops.creation import tensor

    return tensor(batch)  # int64, or bool for a batch of bools


def _collate_str(batch: list[Any], *, collate_fn_map: CollateFnMap | None = None) -> list[Any]:
    return batch


default_collate_fn_map: CollateFnMap = {
    Tensor: _collate_tensor,
    np.ndarray: _collate_ndarray,
    (np.bool_, np.number, np.object_): _collate_np_scalar,
    float: _collate_float,
    int: _collate_int,
    str: _collate_str,
    bytes: _collate_str,
}


def default_collate(batch: Any) -> Any:
    """``default_collate(batch)``: stack a list of samples into a batch, keeping the samples' structure.

    Tensors are stacked, NumPy arrays and numbers become tensors (floats as float64, ints as
    int64), strings stay lists; mappings, namedtuples and sequences are collated field by field
    (tuples become lists, as in PyTorch).

    >>> default_collate([(0, 1.0), (2, 3.0)])
    [tensor([0, 2]), tensor([1., 3.], dtype=ember.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
