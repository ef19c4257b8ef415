"""Recurrent layers: ``RNN`` (tanh/relu), ``LSTM`` (incl. proj_size), ``GRU`` and their single-step cells.

Parameters carry PyTorch's names and layouts (``weight_ih_l0``, ``weight_hh_l0_reverse``, gates stacked
as i|f|g|o for LSTM and r|z|n for GRU), so state_dicts load either way. The input projection of a
whole sequence is one matmul per layer and direction; only the recurrence loops over time steps.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from ...ops.arrange import cat, stack
from ...ops.creation import empty, zeros
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cell_step(
    mode: str, xw: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    """One time step given the input projection ``xw = x @ w_ih.T + b_ih``."""
    gh = h @ w_hh.t()
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "LSTM":
        i, f, g, o = (xw + gh).chunk(4, -1)
        assert c is not None
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if w_hr is not None:
            h = h @ w_hr.t()
        return h, c
    if mode == "GRU":
        xr, xz, xn = xw.chunk(3, -1)
        hr, hz, hn = gh.chunk(3, -1)
        r = (xr + hr).sigmoid()
        z = (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return (1 - z) * n + z * h, None
    pre = xw + gh
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


class RNNBase(Module):
    """Shared machinery of ``RNN``, ``LSTM`` and ``GRU``: parameters, initialization, the layer loop."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element "
                "being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                UserWarning,
                stacklevel=3,
            )
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        kw = {"device": device, "dtype": dtype}
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                params: list[tuple[str, tuple[int, ...]]] = [
                    (f"weight_ih_l{layer}{suffix}", (gate_size, layer_input)),
                    (f"weight_hh_l{layer}{suffix}", (gate_size, real_hidden)),
                ]
                if bias:
                    params += [
                        (f"bias_ih_l{layer}{suffix}", (gate_size,)),
                        (f"bias_hh_l{layer}{suffix}", (gate_size,)),
                    ]
                if proj_size > 0:
                    params.append((f"weight_hr_l{layer}{suffix}", (proj_size, hidden_size)))
                for name, shape in params:
                    setattr(self, name, Parameter(empty(shape, **kw)))
                self._all_weights.append([name for name, _ in params])
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters per layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _layer_params(self, layer: int, direction: int) -> tuple[Any, ...]:
        suffix = "_reverse" if direction == 1 else ""
        return (
            getattr(self, f"weight_ih_l{layer}{suffix}"),
            getattr(self, f"weight_hh_l{layer}{suffix}"),
            getattr(self, f"bias_ih_l{layer}{suffix}") if self.bias else None,
            getattr(self, f"bias_hh_l{layer}{suffix}") if self.bias else None,
            getattr(self, f"weight_hr_l{layer}{suffix}") if self.proj_size > 0 else None,
        )

    def _check_hidden(self, h: Tensor, expected: tuple[int, ...], what: str = "hidden") -> None:
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")

    def flatten_parameters(self) -> None:
        """A no-op, as on CPU PyTorch: ember's weights are already used in place (no cuDNN buffer)."""

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        """Run the sequence; returns ``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``).

        ``input`` may be a ``PackedSequence``; then ``output`` is one too, and ``h_n`` holds each
        sequence's state at its own last step.
        """
        from ..utils.rnn import PackedSequence

        is_lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        d = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        if packed:
            data = input.data
            batch_sizes = [int(v) for v in input.batch_sizes.tolist()]
            n = batch_sizes[0]
            batched = True
        else:
            if input.ndim not in (2, 3):
                raise ValueError(
                    f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead"
                )
            batched = input.ndim == 3
            if batched:
                x = input.transpose(0, 1) if self.batch_first else input
            else:
                x = input.unsqueeze(1)
            seq_len, n = x.shape[0], x.shape[1]
            data = x.reshape(seq_len * n, x.shape[2])
            batch_sizes = [n] * seq_len
        if data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {data.shape[-1]}"
            )
        h_shape = (self.num_layers * d, n, real_hidden)
        c_shape = (self.num_layers * d, n, self.hidden_size)
        if hx is None:
            h0 = zeros(h_shape, dtype=data.dtype, device=data.device)
            c0 = zeros(c_shape, dtype=data.dtype, device=data.device) if is_lstm else None
        else:
            h0, c0 = hx if is_lstm else (hx, None)
            if not batched:
                if h0.ndim != 2:
                    raise RuntimeError(
                        f"For unbatched 2-D input, hx should also be 2-D but got {h0.ndim}-D tensor"
                    )
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            elif h0.ndim != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {h0.ndim}-D tensor")
            self._check_hidden(h0, h_shape)
            if c0 is not None:
                self._check_hidden(c0, c_shape, "hidden[1]")
            if packed and input.sorted_indices is not None:
                # hx comes in the caller's batch order; the packed rows are sorted longest first
                h0 = h0.index_select(1, input.sorted_indices)
                c0 = c0.index_select(1, input.sorted_indices) if c0 is not None else None
        layer_input = data
        h_n: list[Tensor] = []
        c_n: list[Tensor] = []
        for layer in range(self.num_layers):
            outs_dir = []
            for direction in range(d):
                k = layer * d + direction
                out, h, c = self._run_direction(layer, direction, layer_input, batch_sizes, h0[k],
                                                c0[k] if c0 is not None else None, real_hidden)
                outs_dir.append(out)
                h_n.append(h)
                if c is not None:
                    c_n.append(c)
            layer_input = cat(outs_dir, -1) if d == 2 else outs_dir[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        hn = stack(h_n, 0)
        cn = stack(c_n, 0) if is_lstm else None
        if packed:
            if input.unsorted_indices is not None:
                hn = hn.index_select(1, input.unsorted_indices)
                cn = cn.index_select(1, input.unsorted_indices) if cn is not None else None
            output: Any = PackedSequence(layer_input, input.batch_sizes, input.sorted_indices,
                                         input.unsorted_indices)
            return (output, (hn, cn)) if is_lstm else (output, hn)
        output = layer_input.reshape(len(batch_sizes), n, real_hidden * d)
        if batched:
            if self.batch_first:
                output = output.transpose(0, 1)
        else:
            output = output.squeeze(1)
            hn = hn.squeeze(1)
            cn = cn.squeeze(1) if cn is not None else None
        return (output, (hn, cn)) if is_lstm else (output, hn)

    def _run_direction(self, layer: int, direction: int, data: Tensor, batch_sizes: list[int], h: Tensor,
                       c: Tensor | None, real_hidden: int) -> tuple[Tensor, Tensor, Tensor | None]:
        """One layer and direction over packed rows ``data``; returns (output rows, h_n, c_n).

        At step t only the first ``batch_sizes[t]`` rows of the state advance: the others have ended
        (forward) or not yet begun (reverse, where they still hold their initial state).
        """
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_params(layer, direction)
        xw = data @ w_ih.t()
        if b_ih is not None:
            xw = xw + b_ih
        n = h.shape[0]
        offsets = [0]
        for bs in batch_sizes:
            offsets.append(offsets[-1] + bs)
        outs: list[Any] = [None] * len(batch_sizes)
        steps = range(len(batch_sizes)) if direction == 0 else range(len(batch_sizes) - 1, -1, -1)
        for t in steps:
            bs = batch_sizes[t]
            xt = xw[offsets[t]:offsets[t + 1]]
            if bs == n:
                h, c = _cell_step(self.mode, xt, h, c, w_hh, b_hh, w_hr)
                outs[t] = h
                continue
            h_new, c_new = _cell_step(self.mode, xt, h[:bs], c[:bs] if c is not None else None, w_hh, b_hh,
                                      w_hr)
            outs[t] = h_new
            h = cat([h_new, h[bs:]], 0)
            c = cat([c_new, c[bs:]], 0) if c is not None and c_new is not None else None
        if not outs:
            return zeros((0, real_hidden), dtype=data.dtype, device=data.device), h, c
        return cat(outs, 0), h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, device=None, dtype=None): Elman RNN, ``h_t = act(W_ih x_t + b_ih +
    W_hh h_(t-1) + b_hh)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None): long short-term memory; returns ``(output,
    (h_n, c_n))``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None): gated recurrent unit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# cells


class RNNCellBase(Module):
    """Shared parameters of the single-step cells."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _step(self, mode: str, input: Tensor, hx: Any) -> Any:
        if input.ndim not in (1, 2):
            raise ValueError(
                f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead"
            )
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        n = x.shape[0]
        if hx is None:
            h = zeros((n, self.hidden_size), dtype=x.dtype, device=x.device)
            c = zeros((n, self.hidden_size), dtype=x.dtype, device=x.device) if mode == "LSTM" else None
        else:
            h, c = hx if mode == "LSTM" else (hx, None)
            if not batched:
                h = h.unsqueeze(0)
                c = c.unsqueeze(0) if c is not None else None
        xw = x @ self.weight_ih.t()
        if self.bias_ih is not None:
            xw = xw + self.bias_ih
        h, c = _cell_step(mode, xw, h, c, self.weight_hh, self.bias_hh, None)
        if not batched:
            h = h.squeeze(0)
            c = c.squeeze(0) if c is not None else None
        return (h, c) if mode == "LSTM" else h


class RNNCell(RNNCellBase):
    """RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx)


class LSTMCell(RNNCellBase):
    """LSTMCell(input_size, hidden_size, bias=True, device=None, dtype=None): one LSTM step; returns ``(h,
    c)``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        return self._step("LSTM", input, hx)


class GRUCell(RNNCellBase):
    """GRUCell(input_size, hidden_size, bias=True, device=None, dtype=None): one GRU step."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step("GRU", input, hx)
