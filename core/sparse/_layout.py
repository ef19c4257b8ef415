"""Memory layouts (``ember.strided``, ``ember.sparse_coo``): PyTorch's ``torch.layout`` objects."""

from __future__ import annotations


class layout:
    """A tensor's memory layout; compare with ``is`` (``x.layout is ember.sparse_coo``)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self) -> str:
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
