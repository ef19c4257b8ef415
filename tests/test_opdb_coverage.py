"""The op database covers every public op: each public function of ``ember`` and ``ember.nn.functional``
is an entry, an alias or in-place form of one, or listed in ``NOT_OPS`` with the reason it is not an op.
A new public op without an entry fails here."""

from __future__ import annotations

import inspect
import types

import ember
import ember.nn.functional as F
from ember.conformance.opdb import ENTRIES, NOT_OPS, by_name


def _public_functions(mod: types.ModuleType, prefix: str) -> set[str]:
    out = set()
    for n in dir(mod):
        if n.startswith("_"):
            continue
        v = getattr(mod, n)
        if inspect.isclass(v) or isinstance(v, types.ModuleType) or not callable(v):
            continue
        out.add(prefix + n)
    return out


def test_every_public_op_has_an_entry() -> None:
    names = _public_functions(ember, "") | _public_functions(F, "nn.functional.")
    covered = set(by_name()) | set(NOT_OPS)
    missing = sorted(names - covered)
    assert not missing, (f"{len(missing)} public ops have no op-database entry (add one to "
                         f"core/conformance/opdb/, or list a non-op in opdb/not_ops.py with the reason): {missing}")


def test_no_stale_names() -> None:
    names = _public_functions(ember, "") | _public_functions(F, "nn.functional.")
    stale = sorted(n for n in set(NOT_OPS) if n not in names)
    assert not stale, f"opdb/not_ops.py lists names that are not public functions: {stale}"
    for op in ENTRIES:
        assert op.function(ember) is not None
        assert all(NOT_OPS.get(a) is None for a in (op.name, *op.aliases)), f"{op.name} is both an op and not one"


def test_entries_are_unique() -> None:
    seen: set[str] = set()
    for op in ENTRIES:
        assert op.name not in seen, f"two entries for {op.name}"
        seen.add(op.name)
