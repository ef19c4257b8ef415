"""``save`` and ``load`` of a 100 MB state_dict (25 float32 tensors) to a local temporary file."""

from __future__ import annotations

from typing import Any

from . import _workloads as W


class SaveLoad:
    """ember.save/ember.load vs torch.save/torch.load vs np.savez/np.load of the same arrays."""

    params = (W.all_impls(),)
    param_names = ["impl"]
    timeout = 300
    number = 1
    repeat = (2, 5, 30.0)

    def setup(self, impl: str) -> None:
        self.cleanups: list[Any] = []
        self.save, cleanup = W.make_save_load(impl, "save")
        self.cleanups.append(cleanup)
        self.load, cleanup = W.make_save_load(impl, "load")
        self.cleanups.append(cleanup)

    def teardown(self, impl: str) -> None:
        for c in getattr(self, "cleanups", ()):
            c()

    def time_save_100mb(self, impl: str) -> Any:
        return self.save()

    def time_load_100mb(self, impl: str) -> Any:
        return self.load()
