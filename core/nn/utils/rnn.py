"""Variable-length sequences for the recurrent layers: ``PackedSequence`` and PyTorch's packing helpers.

A packed batch stores, time step after time step, the rows of the sequences still running at that
step (sorted longest first), so an RNN skips the padding. Every helper here is a composite of
ember Tensor ops (slicing, ``cat``, ``index_select``), so it runs on every backend and is
differentiable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ... import dtypes as _dt
from ...ops.arrange import cat, stack
from ...ops.creation import as_tensor, full
from ...tensor import Tensor

__all__ = [
    "PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
    "unpad_sequence", "pack_sequence", "unpack_sequence",
]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """PackedSequence(data, batch_sizes=None, sorted_indices=None, unsorted_indices=None): a packed batch of
    variable-length sequences (build it with ``pack_padded_sequence`` or ``pack_sequence``)."""

    def __new__(cls, data: Any, batch_sizes: Tensor | None = None, sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should never be created "
                    "manually. They should be instantiated by functions like pack_sequence and "
                    "pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        # PyTorch's legacy form: PackedSequence((data, batch_sizes))
        data, batch_sizes = data[0], data[1]
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with(self, fn: Any) -> PackedSequence:
        return type(self)(fn(self.data), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """A copy with ``data`` (and the index tensors, for a device move) converted as ``Tensor.to``."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        sorted_i = self.sorted_indices.to(dev) if self.sorted_indices is not None else None
        unsorted_i = self.unsorted_indices.to(dev) if self.unsorted_indices is not None else None
        return type(self)(data, self.batch_sizes, sorted_i, unsorted_i)

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``to`` the CUDA device."""
        return self.to("cuda")

    def cpu(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``to`` the CPU."""
        return self.to("cpu")

    def pin_memory(self) -> PackedSequence:
        """This sequence (ember has no pinned host memory)."""
        return self

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(dtype=_dt.float64)

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(dtype=_dt.float32)

    def half(self) -> PackedSequence:
        """``data`` as float16."""
        return self.to(dtype=_dt.float16)

    def long(self) -> PackedSequence:
        """``data`` as int64."""
        return self.to(dtype=_dt.int64)

    def int(self) -> PackedSequence:
        """``data`` as int32."""
        return self.to(dtype=_dt.int32)

    def short(self) -> PackedSequence:
        """``data`` as int16."""
        return self.to(dtype=_dt.int16)

    def char(self) -> PackedSequence:
        """``data`` as int8."""
        return self.to(dtype=_dt.int8)

    def byte(self) -> PackedSequence:
        """``data`` as uint8."""
        return self.to(dtype=_dt.uint8)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a CUDA device."""
        return bool(self.data.is_cuda)

    def is_pinned(self) -> bool:
        """False: ember has no pinned host memory."""
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of the index permutation ``permutation`` (None stays None)."""
    if permutation is None:
        return None
    inv = [0] * permutation.numel()
    for i, p in enumerate(permutation.tolist()):
        inv[p] = i
    return as_tensor(inv, dtype=_dt.int64, device=permutation.device)


def _lengths_list(lengths: Tensor | Iterable[int]) -> list[int]:
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input: Tensor, lengths: Tensor | list[int], batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded ``(T, B, *)`` batch (``(B, T, *)`` if ``batch_first``) of sequences of ``lengths``.

    With ``enforce_sorted=True`` the lengths must be decreasing; otherwise the batch is sorted here and
    the permutation is kept in the result.
    """
    lens = _lengths_list(lengths)
    sorted_indices: Tensor | None = None
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                "requirement if you do not need ONNX exportability.")
    else:
        order = sorted(range(len(lens)), key=lambda i: -lens[i])
        sorted_indices = as_tensor(order, dtype=_dt.int64, device=input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
        lens = [lens[i] for i in order]
    if batch_first:
        input = input.transpose(0, 1)
    batch = input.shape[1]
    if len(lens) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
                           f"(batch_size={batch})")
    if lens and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if lens and lens[0] > input.shape[0]:
        raise RuntimeError(f"Expected the longest length ({lens[0]}) to be at most the padded sequence length "
                           f"({input.shape[0]})")
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(lens[0] if lens else 0)]
    data = cat([input[t, :bs] for t, bs in enumerate(batch_sizes)], 0)
    return PackedSequence(data, as_tensor(batch_sizes, dtype=_dt.int64), sorted_indices,
                          invert_permutation(sorted_indices))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Unpack ``sequence`` into a padded batch; returns ``(padded, lengths)`` in the original batch order."""
    data = sequence.data
    batch_sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    max_len = len(batch_sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {max_len}")
    else:
        total_length = max_len
    batch = batch_sizes[0] if batch_sizes else 0
    feat = tuple(data.shape[1:])
    steps = []
    offset = 0
    for bs in batch_sizes:
        step = data[offset:offset + bs]
        offset += bs
        if bs < batch:
            step = cat([step, full((batch - bs, *feat), padding_value, dtype=data.dtype, device=data.device)], 0)
        steps.append(step)
    steps += [full((batch, *feat), padding_value, dtype=data.dtype, device=data.device)] * (total_length - max_len)
    padded = stack(steps, 0)
    lens = [sum(1 for bs in batch_sizes if bs > b) for b in range(batch)]
    lengths = as_tensor(lens, dtype=_dt.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = as_tensor([lens[i] for i in sequence.unsorted_indices.tolist()], dtype=_dt.int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths


def pad_sequence(sequences: Tensor | list[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack ``sequences`` of shapes ``(L_i, *)`` into ``(max L, B, *)`` (``(B, max L, *)`` if
    ``batch_first``), padding each with ``padding_value`` on ``padding_side``."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    max_len = max(s.shape[0] for s in seqs)
    out = []
    for s in seqs:
        missing = max_len - s.shape[0]
        if missing:
            pad = full((missing, *s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, pad] if padding_side == "right" else [pad, s], 0)
        out.append(s)
    return stack(out, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """The inverse of ``pad_sequence``: the list of sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def pack_sequence(sequences: list[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of shapes ``(L_i, *)`` (``pad_sequence`` then ``pack_padded_sequence``)."""
    lengths = as_tensor([s.shape[0] for s in sequences], dtype=_dt.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of ``pack_sequence``: the list of sequences in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
