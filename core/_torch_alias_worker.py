"""Importing this module installs the ``torch`` alias (ember.torch_alias) in the importing process.

ember.data preloads it into the forkserver its DataLoader workers start from when the parent runs under
the alias (``ember run``): a worker re-imports the program's main module before it unpickles the dataset,
and that module's ``import torch`` must find ember there as in the parent, or the dataset would make real
PyTorch tensors that ember's collate cannot batch.
"""

from __future__ import annotations

from . import torch_alias

torch_alias.install()
