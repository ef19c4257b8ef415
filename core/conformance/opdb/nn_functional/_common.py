"""Helpers shared by the ``nn.functional`` entries: dtype groups, value generators, Hypothesis strategies and
the gaps several entries share."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import FLOAT_EDGES, FLOATS, HALF, INTS, ErrorCase, Sample, T, values

#: every floating dtype (the family's usual support)
FLT = (*FLOATS, *HALF)
#: floats and integers, bool excluded
NUM = (*FLT, *INTS)
_I64 = "int64"


def _floating(dtype: str) -> bool:
    return dtype in FLT


def _v(rng: np.random.Generator, dtype: str, *shape: int, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    return values(rng, shape, dtype, low, high)


def _idx(data: Any) -> T:
    """An int64 index/target tensor, whatever the dtype under test."""
    return T(np.asarray(data), dtype=_I64)


def _desc(kw: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kw.items())


def _hyp_pointwise(low: float = -3.0, high: float = 3.0, *, args: tuple[Any, ...] = (),
                   kwargs: dict[str, Any] | None = None,
                   edges: Sequence[float] = FLOAT_EDGES) -> Callable[[Any, str], Sample]:
    """A Hypothesis strategy for a pointwise op: up to 4 dims (up to 5 each), floats in ``[low, high]`` mixed
    with the float ``edges``, integers in ``[-100, 100]`` (clipped to the dtype)."""

    def strategy(draw: Any, dtype: str) -> Sample:
        from hypothesis import strategies as st

        shape = tuple(draw(st.lists(st.integers(0, 5), max_size=4)))
        n = math.prod(shape)
        if dtype in INTS:
            info = np.iinfo(dtype)
            elem: Any = st.integers(max(int(info.min), -100), min(int(info.max), 100))
        else:
            elem = st.one_of(st.floats(low, high), st.sampled_from(edges))
        data = np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=np.float64).reshape(shape)
        return Sample((T(data), *args), dict(kwargs or {}))

    return strategy


def _everywhere(kind: str, reason: str) -> dict[str, str]:
    """A gap of one test kind on every backend (a property of the op, not of a backend)."""
    return {f"{b}:{kind}": reason for b in ("numpy", "jax", "array_api_strict")}


#: a gap of finite differences on jax, for the composite ops where they are slow
_SLOW_FD = {"jax:gradcheck": "finite differences evaluate the op twice per input element, and on jax each evaluation "
                             "dispatches every XLA program of this composite op again (up to ~1 s an op); they run on "
                             "numpy and array_api_strict, and jax's gradient is checked against PyTorch's "
                             "(test_op_grad)"}


def _not_for(name: str, kernel: str, dtype: str = _I64, *args: Any) -> ErrorCase:
    """PyTorch's refusal of a dtype its CPU kernel lacks."""
    tn = {"bool": "Bool", "int64": "Long"}[dtype]
    data = np.array([True, False]) if dtype == "bool" else np.array([1, 2])
    return ErrorCase(Sample((T(data), *args)), NotImplementedError, f'"{kernel}" not implemented for \'{tn}\'',
                     dtype=dtype)


def _pos(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape)


def _pm1(rng: np.random.Generator, *shape: int) -> np.ndarray:
    """A +-1 target (hinge, margin and soft-margin losses)."""
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)
