"""The op database: one ``OpInfo`` per public op of ``ember`` and ``ember.nn.functional``, with its forms,
dtypes, sample inputs (edges included), differentiability, tolerances, the errors it must raise and each
backend's known gaps. ``test_opdb.py`` runs generic tests over every entry; ``tests/test_opdb_coverage.py``
fails when a public op has no entry.

How to add an op: find the module of its family below (or start one), write an ``OpInfo`` with a
sample generator (``samples.unary``/``binary``/``reduction`` cover most pointwise ops and reductions),
and list it in that module's ``OPS``. See docs/opdb.md.
"""

from __future__ import annotations

from ._core import ALL, BOOL, FLOATS, HALF, INTS, SIGNED, DType, ErrorCase, OpInfo, Sample, T, leaves, realize
from . import binary, creation, indexing, linalg, nn_functional, reductions, shape, unary
from .not_ops import NOT_OPS

__all__ = ["ALL", "BOOL", "DType", "ENTRIES", "ErrorCase", "FLOATS", "HALF", "INTS", "NOT_OPS", "OpInfo",
           "SIGNED", "Sample", "T", "by_name", "leaves", "realize"]

#: every entry, in a stable order (test ids are the op names)
ENTRIES: list[OpInfo] = [op for m in (unary, binary, reductions, shape, indexing, creation, linalg, nn_functional)
                         for op in m.OPS]


def by_name() -> dict[str, OpInfo]:
    """Every public name the table covers (entry names and aliases, each of them tested) -> entry."""
    out: dict[str, OpInfo] = {}
    for op in ENTRIES:
        for n in (op.name, *op.aliases):
            out.setdefault(n, op)
    return out
