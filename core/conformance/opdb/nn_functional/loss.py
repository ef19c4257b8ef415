"""Losses (each reduction, empty batches, targets at their edges) and distances."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .._core import FLOAT_EDGES, FLOATS, ErrorCase, OpInfo, Sample, SampleFn, T
from ._common import (
    _I64,
    FLT,
    NUM,
    _desc,
    _everywhere,
    _idx,
    _not_for,
    _pm1,
    _pos,
    _v,
)

# -- losses ---------------------------------------------------------------------------------------------------------



def _pair_loss(x_range: tuple[float, float] = (-3.0, 3.0), y_range: tuple[float, float] = (-3.0, 3.0), *,
               target: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray] | None = None,
               edges: Sequence[float] = FLOAT_EDGES, variants: Sequence[dict[str, Any]] = (),
               extra: Callable[[str, np.random.Generator], Iterator[Sample]] | None = None) -> SampleFn:
    """Samples for a loss of (input, target) of one shape: each reduction, the op's settings (``variants``), 0-d,
    a strided view, an empty batch ('mean' of nothing is NaN), a target broadcast against the input, edge
    values (``edges``, where the input's domain allows them)."""

    def gen(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
        def x(*shape: int) -> T:
            return T(_v(rng, dtype, *shape, low=x_range[0], high=x_range[1]))

        def y(*shape: int) -> T:
            if target is not None:
                return T(target(rng, shape), grad=False)  # a label, not differentiated (PyTorch refuses to)
            return T(_v(rng, dtype, *shape, low=y_range[0], high=y_range[1]))

        yield Sample((x(3, 4), y(3, 4)), {}, "mean")
        yield Sample((T(np.array(edges)), y(len(edges))), {"reduction": "none"}, "edge values, 'none'", grad=False)
        yield Sample((x(2, 3), y(2, 3)), {"reduction": "sum", **(variants[0] if variants else {})},
                     f"sum{', ' + _desc(variants[0]) if variants else ''}")
        yield Sample((x(), y()), {"reduction": "none"}, "0-d")
        yield Sample((T(_v(rng, dtype, 3, 5, low=x_range[0], high=x_range[1]), "strided"), y(3, 3)), {},
                     "strided view")
        yield Sample((x(0), y(0)), {}, "zero-size, mean: NaN")
        yield Sample((x(0, 2), y(0, 2)), {"reduction": "sum"}, "zero-size, sum: 0")
        yield Sample((x(3, 4), y(4)), {"reduction": "none"}, "target broadcast against the input")
        for var in variants[1:]:
            yield Sample((x(2, 3), y(2, 3)), {"reduction": "none", **var}, _desc(var))
        if extra is not None:
            yield from extra(dtype, rng)

    return gen


def _hyp_pair_loss(target: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray] | None = None,
                   **kwargs: Any) -> Callable[[Any, str], Sample]:
    """A Hypothesis strategy for an (input, target) loss: a shape of up to 3 dims (up to 4 each), floats and the
    float edges for the input, the target drawn alike (or by ``target`` from a drawn seed), each reduction."""

    def strategy(draw: Any, dtype: str) -> Sample:
        from hypothesis import strategies as st

        shape = tuple(draw(st.lists(st.integers(0, 4), max_size=3)))
        n = math.prod(shape)
        elem = st.one_of(st.floats(-5, 5), st.sampled_from(FLOAT_EDGES))
        x = np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=np.float64).reshape(shape)
        if target is None:
            y = np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=np.float64).reshape(shape)
        else:
            y = target(np.random.default_rng(draw(st.integers(0, 2**16))), shape)
        red = draw(st.sampled_from(("none", "mean", "sum")))
        return Sample((T(x), T(y)), {"reduction": red, **kwargs})

    return strategy


def _loss(name: str, gen: SampleFn, dtypes: tuple[str, ...] = FLT, errors: tuple[ErrorCase, ...] = (),
          nargs: int = 2, classes: bool = False, red_msg: str = "bad is not a valid value for reduction",
          **kw: Any) -> OpInfo:
    """An entry for a loss; an unknown reduction is refused, checked on ``nargs`` (2, 3) tensors of ones, or on
    an input and class-index targets (``classes``); ``red_msg``: PyTorch's words for it."""
    args: tuple[T, ...] = ((T(np.ones((2, 3))), _idx([0, 1])) if classes else
                           tuple(T(np.ones((2, 3))) for _ in range(nargs)))
    red = ErrorCase(Sample(args, {"reduction": "bad"}), ValueError, red_msg)
    return OpInfo(f"nn.functional.{name}", gen, dtypes=dtypes, errors=(red, *errors), **kw)


def _bce(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """binary_cross_entropy: probabilities with 0 and 1 (log clamped at -100), weights, each reduction."""
    yield Sample((T(_v(rng, dtype, 3, 4, low=0.05, high=0.95)), T(rng.random((3, 4)))), {}, "mean")
    edge = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30])
    yield Sample((T(edge), T(np.array([0.0, 1.0, 1.0, 0.0, 0.5, 1.0]))), {"reduction": "none"},
                 "probabilities 0 and 1: log clamped at -100", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 3, low=0.05, high=0.95)), T(rng.random((2, 3))), T(rng.random(3))),
                 {"reduction": "sum"}, "weight broadcast, sum")
    yield Sample((T(_v(rng, dtype, low=0.05, high=0.95)), T(rng.random(()))), {"reduction": "none"}, "0-d")
    yield Sample((T(_v(rng, dtype, 3, 5, low=0.05, high=0.95), "strided"), T(rng.random((3, 3)))), {}, "strided")
    yield Sample((T(_v(rng, dtype, 0)), T(np.zeros(0))), {}, "zero-size, mean: NaN")
    yield Sample((T(np.array([1.5, 0.5])), T(np.array([1.0, 0.0]))), {}, "input above 1: refused")


def _bce_logits(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """binary_cross_entropy_with_logits: huge logits (stable), weight and pos_weight broadcast, NaN and inf."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), T(rng.random((3, 4)))), {}, "mean")
    edge = np.array([0.0, np.inf, -np.inf, np.nan, 100.0, -100.0, 1e30, -1e30])
    yield Sample((T(edge), T(np.array([0.0, 1.0, 0.0, 0.5, 1.0, 0.0, 0.5, 1.0]))), {"reduction": "none"},
                 "inf, NaN, huge logits", grad=False)
    yield Sample((v(2, 3), T(rng.random((2, 3)))), {"weight": T(_pos(rng, 3)), "pos_weight": T(_pos(rng, 3)),
                                                  "reduction": "sum"}, "weight and pos_weight, sum")
    yield Sample((v(), T(rng.random(()))), {"reduction": "none"}, "0-d")
    yield Sample((T(_v(rng, dtype, 3, 5), "strided"), T(rng.random((3, 3)))), {"pos_weight": T(np.array([2.0]))},
                 "strided, pos_weight of one element")
    yield Sample((v(0, 2), T(np.zeros((0, 2)))), {}, "zero-size, mean: NaN")


def _kl_div(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """kl_div of log-probabilities: probability and log targets, zero targets (no contribution), batchmean."""
    logp = np.log(rng.dirichlet(np.ones(4), 3))
    q = rng.dirichlet(np.ones(4), 3)
    yield Sample((T(logp), T(q)), {"reduction": "batchmean"}, "batchmean")
    edge_q = np.array([0.0, 1.0, 0.0, 0.5, np.nan, 0.5])
    yield Sample((T(np.array([-1.0, -np.inf, -np.inf, 0.0, -1.0, np.nan])), T(edge_q)), {"reduction": "none"},
                 "zero targets, -inf and NaN", grad=False)
    yield Sample((T(logp), T(np.log(q))), {"log_target": True, "reduction": "sum"}, "log_target, sum")
    yield Sample((T(logp[0, 0]), T(q[0, 0])), {"reduction": "none"}, "0-d")
    yield Sample((T(np.log(rng.dirichlet(np.ones(5), 3)), "strided"), T(q[:, :3])), {"reduction": "mean"},
                 "strided, mean")
    yield Sample((T(np.zeros((0, 3))), T(np.zeros((0, 3)))), {"reduction": "batchmean"}, "zero-size batchmean")


def _poisson_nll(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """poisson_nll_loss: log input or rate input (eps), the Stirling term (full), counts as targets."""
    # NOTE: targets are counts, not differentiated (the Stirling term's derivative is PyTorch's rule, not a
    # derivative, at target 1)
    counts = rng.integers(0, 5, (3, 4)).astype(float)
    yield Sample((T(_v(rng, dtype, 3, 4)), T(counts, grad=False)), {}, "log input")
    yield Sample((T(np.array([0.0, np.inf, -np.inf, 50.0, np.nan])), T(np.array([0.0, 1.0, 2.0, 3.0, 1.0]))),
                 {"reduction": "none"}, "inf, NaN, huge log rates", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 3, low=0.0, high=3.0)), T(counts[:2, :3], grad=False)),
                 {"log_input": False, "full": True, "reduction": "sum"}, "rates, full, sum")
    yield Sample((T(_v(rng, dtype, 2, 3, low=0.1, high=3.0)),
                  T(np.array([[0.0, 1.0, 2.0], [3.0, 1.5, 0.5]]), grad=False)),
                 {"full": True, "reduction": "none"}, "full: the Stirling term only above 1")
    yield Sample((T(np.array([0.0, 0.5, 2.0])), T(np.array([1.0, 0.0, 2.0]))), {"log_input": False, "eps": 0.1},
                 "rates with a zero, eps", grad=False)
    yield Sample((T(_v(rng, dtype, 0)), T(np.zeros(0))), {}, "zero-size, mean: NaN")


def _gaussian_nll(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """gaussian_nll_loss: var of the input's shape, one per batch row (N, 1) or (N,), a float; eps clamp; full."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), v(3, 4), T(_pos(rng, 3, 4))), {}, "var per element")
    yield Sample((v(3, 4), v(3, 4), T(_pos(rng, 3, 1))), {"full": True, "reduction": "sum"}, "var per row, full")
    yield Sample((v(3, 4), v(3, 4), T(_pos(rng, 3))), {"reduction": "none"}, "var (N,): unsqueezed")
    yield Sample((T(np.array([0.0, np.inf, np.nan, 1.0])), v(4), T(np.array([1.0, 1.0, 1.0, 0.0]))),
                 {"reduction": "none", "eps": 1e-3}, "inf, NaN, a zero var clamped to eps", grad=False)
    yield Sample((v(3, 4), v(3, 4), 0.5), {}, "a float var")
    yield Sample((v(0, 2), v(0, 2), T(np.ones((0, 2)))), {}, "zero-size, mean: NaN")


def _hinge(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    yield Sample((T(_v(rng, dtype, 3, 4)), T(_pm1(rng, 3, 4))), {}, "mean")
    yield Sample((T(np.array([0.0, np.inf, -np.inf, np.nan, 2.0, 0.5])),
                  T(np.array([1.0, -1.0, 1.0, -1.0, -1.0, -1.0]))), {"reduction": "none"}, "edge values", grad=False)
    yield Sample((T(_v(rng, dtype, 2, 3)), T(_pm1(rng, 2, 3))), {"margin": 0.5, "reduction": "sum"}, "margin 0.5, sum")
    yield Sample((T(_v(rng, dtype)), T(np.array(-1.0))), {"reduction": "none"}, "0-d")
    yield Sample((T(_v(rng, dtype, 3, 5), "strided"), T(_pm1(rng, 3, 3))), {}, "strided view")
    yield Sample((T(_v(rng, dtype, 0)), T(np.zeros(0))), {}, "zero-size, mean: NaN")


def _margin_ranking(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(5), v(5), T(_pm1(rng, 5))), {}, "mean")
    yield Sample((T(np.array([0.0, np.inf, np.nan, 1.0])), v(4), T(_pm1(rng, 4))), {"reduction": "none"},
                 "edge values", grad=False)
    yield Sample((v(2, 3), v(2, 3), T(_pm1(rng, 2, 3))), {"margin": 0.5, "reduction": "sum"}, "2-d, margin, sum")
    yield Sample((v(), v(), T(np.array(1.0))), {"reduction": "none"}, "0-d")
    yield Sample((T(_v(rng, dtype, 9), "strided"), v(5), T(_pm1(rng, 5))), {}, "strided view")
    yield Sample((v(0), v(0), T(np.zeros(0))), {}, "zero-size, mean: NaN")


def _cosine_embedding(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), v(3, 4), T(_pm1(rng, 3))), {}, "mean")
    yield Sample((v(3, 4), v(3, 4), T(_pm1(rng, 3))), {"margin": 0.3, "reduction": "none"}, "margin, none")
    yield Sample((T(np.array([[0.0, 0.0], [np.inf, 1.0], [np.nan, 1.0]])), v(3, 2), T(np.array([1.0, -1.0, 1.0]))),
                 {"reduction": "none"}, "a zero vector, inf, NaN", grad=False)
    yield Sample((v(4), v(4), T(np.array(-1.0))), {"reduction": "none"}, "1-d: one pair, 0-d target")
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), v(3, 4), T(_pm1(rng, 3))), {"reduction": "sum"},
                 "strided, sum")
    yield Sample((v(0, 4), v(0, 4), T(np.zeros(0))), {}, "zero-size, mean: NaN")


def _multi_margin(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), _idx([0, 3, 1])), {}, "mean")
    yield Sample((v(3, 4), _idx([2, 2, 0])), {"p": 2, "margin": 0.5, "reduction": "none"}, "p=2, margin, none")
    yield Sample((v(3, 4), _idx([1, 0, 3])), {"weight": T(_pos(rng, 4)), "reduction": "sum"}, "weight, sum")
    yield Sample((T(np.array([[0.0, np.inf, np.nan], [1.0, -np.inf, 2.0]])), _idx([0, 1])), {"reduction": "none"},
                 "inf, NaN", grad=False)
    yield Sample((v(4), _idx(2)), {}, "1-d input, 0-d target")
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), _idx([0, 1, 2])), {}, "strided view")
    yield Sample((v(3, 4), _idx([0, 4, 1])), {}, "target out of range: refused")


def _multilabel_margin(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """multilabel_margin_loss: targets list classes, ended by the first -1."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), _idx([[0, 3, -1, 1], [2, -1, 0, 0], [1, 2, 3, 0]])), {}, "mean")
    yield Sample((v(2, 4), _idx([[-1, 0, 1, 2], [3, 3, -1, 0]])), {"reduction": "none"}, "an empty list, a repeat")
    yield Sample((T(np.array([[0.0, np.inf, np.nan], [1.0, -np.inf, 2.0]])), _idx([[0, -1, 0], [1, 2, -1]])),
                 {"reduction": "sum"}, "inf, NaN", grad=False)
    yield Sample((v(4), _idx([1, 0, -1, 2])), {}, "1-d")
    yield Sample((T(_v(rng, dtype, 2, 7), "strided"), _idx([[0, -1, 0, 0], [1, 3, -1, 0]])), {}, "strided view")
    yield Sample((v(3, 4), _idx([[0, 5, -1, 0]] * 3)), {}, "target out of range: refused")


def _multilabel_soft(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), T((rng.random((3, 4)) < 0.5).astype(float))), {}, "mean")
    yield Sample((v(2, 3), T(rng.random((2, 3)))), {"weight": T(_pos(rng, 3)), "reduction": "none"}, "weight, none")
    yield Sample((T(np.array([[0.0, np.inf, np.nan], [100.0, -np.inf, 2.0]])), T(np.array([[0.0, 1.0, 1.0],
                                                                                       [1.0, 0.0, 0.0]]))),
                 {"reduction": "sum"}, "inf, NaN, huge", grad=False)
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), T(rng.random((3, 4)))), {}, "strided view")
    yield Sample((v(0, 3), T(np.zeros((0, 3)))), {}, "zero-size, mean: NaN")


def _triplet(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """triplet_margin_loss: p of 2, 1, 3; swap; margin; 1-d inputs; equal points (eps); NaN."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), v(3, 4), v(3, 4)), {}, "mean")
    yield Sample((v(3, 4), v(3, 4), v(3, 4)), {"p": 1.0, "swap": True, "reduction": "none"}, "p=1, swap")
    yield Sample((v(2, 3), v(2, 3), v(2, 3)), {"p": 3.0, "margin": 0.1, "reduction": "sum"}, "p=3, margin, sum")
    yield Sample((T(np.array([[0.0, 1.0], [np.inf, 1.0], [np.nan, 0.0]])), T(np.array([[0.0, 1.0], [1.0, 1.0],
                                                                                     [0.0, 0.0]])),
                  v(3, 2)), {"reduction": "none"}, "an equal pair, inf, NaN", grad=False)
    yield Sample((v(4), v(4), v(4)), {}, "1-d")
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), v(3, 4), v(3, 4)), {"eps": 0.1}, "strided, eps")
    yield Sample((v(0, 4), v(0, 4), v(0, 4)), {}, "zero-size, mean: NaN")


def _triplet_distance(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """triplet_margin_with_distance_loss: the default distance (pairwise), a cosine distance as a function, swap."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), v(3, 4), v(3, 4)), {}, "default distance")
    yield Sample((v(3, 4), v(3, 4), v(3, 4)), {"distance_function": "cosine", "margin": 0.5, "reduction": "none"},
                 "cosine distance")
    yield Sample((v(3, 4), v(3, 4), v(3, 4)), {"swap": True, "reduction": "sum"}, "swap, sum")
    yield Sample((T(np.array([[0.0, 1.0], [np.inf, 1.0]])), v(2, 2), v(2, 2)), {"reduction": "none"}, "inf",
                 grad=False)
    yield Sample((v(4), v(4), v(4)), {}, "1-d")
    yield Sample((v(0, 4), v(0, 4), v(0, 4)), {}, "zero-size, mean: NaN")


def _triplet_distance_fn(lib: Any) -> Callable[..., Any]:
    """F.triplet_margin_with_distance_loss, with ``distance_function="cosine"`` standing for a Python function
    (1 - cosine similarity) written with the library's own ops."""
    f = lib.nn.functional

    def call(*args: Any, distance_function: Any = None, **kw: Any) -> Any:
        if distance_function == "cosine":
            def distance_function(a: Any, b: Any) -> Any:
                return 1.0 - f.cosine_similarity(a, b, dim=-1)
        return f.triplet_margin_with_distance_loss(*args, distance_function=distance_function, **kw)

    return call


def _cross_entropy(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """cross_entropy: class indices and class probabilities, weights, ignore_index, label_smoothing, K-d inputs,
    unbatched inputs, each reduction, out-of-range targets (refused), huge and non-finite logits."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), _idx([0, 3, 1])), {}, "indices, mean")
    yield Sample((v(3, 4), T(rng.dirichlet(np.ones(4), 3))), {"label_smoothing": 0.2}, "probabilities, smoothing")
    yield Sample((v(3, 4), _idx([0, -100, 2])), {"weight": T(_pos(rng, 4)), "reduction": "none"},
                 "weight, ignore_index -100, none")
    yield Sample((T(np.array([[1e4, -1e4, 0.0], [np.inf, 0.0, 1.0], [np.nan, 0.0, 0.0]])), _idx([1, 0, 2])),
                 {"reduction": "none"}, "huge, inf and NaN logits", grad=False)
    yield Sample((v(2, 3, 2), _idx([[0, 2], [1, 1]])), {"ignore_index": 1, "label_smoothing": 0.1},
                 "K-d, ignore_index 1, smoothing")
    yield Sample((v(4), _idx(2)), {}, "unbatched")
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), _idx([0, 1, 3])), {"reduction": "sum"}, "strided, sum")
    yield Sample((v(0, 4), _idx(np.zeros(0, dtype=np.int64))), {}, "zero-size batch, mean: NaN")
    yield Sample((v(2, 3), _idx([-100, -100])), {}, "every target ignored, mean: NaN")
    yield Sample((v(3, 4), _idx([0, 4, 1])), {}, "target out of range: refused")


def _nll(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """nll_loss: weights, ignore_index, K-d inputs, unbatched inputs, each reduction, out-of-range targets."""
    logp = np.log(rng.dirichlet(np.ones(4), 3))
    yield Sample((T(logp), _idx([0, 3, 1])), {}, "mean")
    yield Sample((T(logp), _idx([0, -100, 2])), {"weight": T(_pos(rng, 4)), "reduction": "none"},
                 "weight, ignore_index, none")
    yield Sample((T(np.array([[-np.inf, 0.0], [np.nan, 0.0]])), _idx([0, 0])), {"reduction": "sum"}, "-inf, NaN",
                 grad=False)
    yield Sample((T(_v(rng, dtype, 2, 3, 2)), _idx([[0, 2], [1, 1]])), {"ignore_index": 1}, "K-d, ignore_index 1")
    yield Sample((T(logp[0]), _idx(2)), {}, "unbatched")
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), _idx([0, 1, 3])), {"weight": T(_pos(rng, 4))},
                 "strided, weighted mean")
    yield Sample((T(np.zeros((0, 4))), _idx(np.zeros(0, dtype=np.int64))), {}, "zero-size batch, mean: NaN")
    yield Sample((T(logp), _idx([0, 4, 1])), {}, "target out of range: refused")


def _ctc(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """ctc_loss: padded (N, S) and concatenated targets, lengths as tensors and tuples, repeated labels (a blank
    between), each reduction, an impossible alignment (inf, or 0 with zero_infinity), another blank."""
    t, n, c = 5, 2, 4
    logp = np.log(rng.dirichlet(np.ones(c), (t, n)))
    yield Sample((T(logp), _idx([[1, 2, 2], [3, 1, 0]]), _idx([5, 4]), _idx([3, 2])), {}, "padded targets, mean")
    yield Sample((T(logp), _idx([1, 2, 3]), (5, 5), (2, 1)), {"reduction": "sum"}, "concatenated targets, sum")
    yield Sample((T(logp), _idx([[1, 1, 1], [2, 3, 2]]), _idx([3, 5]), _idx([3, 3])), {"reduction": "none"},
                 "an impossible alignment: inf", grad=False)
    yield Sample((T(logp), _idx([[1, 1, 1], [2, 3, 2]]), _idx([3, 5]), _idx([3, 3])),
                 {"reduction": "none", "zero_infinity": True}, "zero_infinity")
    yield Sample((T(logp), _idx([[0, 1], [2, 2]]), _idx([5, 5]), _idx([2, 2])), {"blank": 3}, "blank 3")
    yield Sample((T(logp[:, 0]), _idx([1, 2]), _idx(5), _idx(2)), {}, "unbatched")


def _linear_ce(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    """linear_cross_entropy: the projection then cross_entropy: bias, class weights, ignore_index, smoothing."""

    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 2), v(4, 2), _idx([0, 3, 1])), {}, "indices, mean")
    yield Sample((v(3, 2), v(4, 2), _idx([0, -100, 1])), {"linear_bias": v(4), "weight": T(_pos(rng, 4)),
                                                          "reduction": "none"}, "bias, weight, ignored target")
    yield Sample((v(3, 2), v(4, 2), _idx([2, 2, 0])), {"ignore_index": 2, "label_smoothing": 0.2,
                                                       "reduction": "sum"}, "ignore_index 2, smoothing, sum")
    yield Sample((v(3, 2), v(4, 2), T(rng.dirichlet(np.ones(4), 3))), {}, "probability targets")
    yield Sample((v(0, 2), v(4, 2), _idx(np.zeros(0, dtype=np.int64))), {}, "zero-size batch")


def _linear_ce_fn(lib: Any) -> Callable[..., Any]:
    """F.linear_cross_entropy (present in torch 2.13, so compared with it directly)."""
    return lib.nn.functional.linear_cross_entropy  # type: ignore[no-any-return]


def _ctc_errors() -> tuple[ErrorCase, ...]:
    logp = T(np.log(np.full((5, 2, 4), 0.25)))
    return (ErrorCase(Sample((logp, _idx([[1, 2], [1, 2]]), _idx([6, 5]), _idx([2, 2]))), RuntimeError,
                      "Expected input_lengths to have value at most 5, but got value 6"),
            ErrorCase(Sample((logp, _idx([[1, 2], [1, 2]]), _idx([5, 5]), _idx([3, 2]))), RuntimeError,
                      "Expected tensor to have size at least 3 at dimension 1, but got size 2"))


LOSSES: list[OpInfo] = [
    _loss("mse_loss", _pair_loss(), hypothesis=_hyp_pair_loss(),
          errors=(ErrorCase(Sample((T(np.ones((3, 4))), T(np.ones((2, 4))))), RuntimeError,
                            "The size of tensor a (3) must match the size of tensor b (2)"),
                  _not_for("mse_loss", "mse_cpu", _I64, T(np.ones(2), dtype=_I64)))),
    _loss("l1_loss", _pair_loss(), dtypes=NUM, hypothesis=_hyp_pair_loss()),
    _loss("smooth_l1_loss", _pair_loss(variants=({"beta": 0.5}, {"beta": 0.0}, {"beta": 5.0})),
          hypothesis=_hyp_pair_loss(beta=0.5),
          errors=(ErrorCase(Sample((T(np.ones(3)), T(np.ones(3))), {"beta": -1.0}), RuntimeError,
                            "smooth_l1_loss does not support negative values for beta."),)),
    _loss("huber_loss", _pair_loss(variants=({"delta": 0.5}, {"delta": 5.0})), hypothesis=_hyp_pair_loss(delta=2.0),
          errors=(ErrorCase(Sample((T(np.ones(3)), T(np.ones(3))), {"delta": 0.0}), RuntimeError,
                            "huber_loss does not support non-positive values for delta."),)),
    _loss("soft_margin_loss", _pair_loss(target=lambda rng, shape: _pm1(rng, *shape),
                                         edges=(0.0, np.inf, -np.inf, np.nan, 100.0, -100.0)),
          hypothesis=_hyp_pair_loss(target=lambda rng, shape: _pm1(rng, *shape))),
    _loss("binary_cross_entropy", _bce,
          errors=(ErrorCase(Sample((T(np.array([1.5, 0.5])), T(np.array([1.0, 0.0])))), RuntimeError,
                            "all elements of input should be between 0 and 1"),
                  ErrorCase(Sample((T(np.array([np.nan, 0.5])), T(np.array([1.0, 0.0])))), RuntimeError,
                            "all elements of input should be between 0 and 1"),
                  ErrorCase(Sample((T(np.ones((3, 4)) / 2), T(np.ones(4)))), ValueError,
                            "that is different to the input size"))),
    _loss("binary_cross_entropy_with_logits", _bce_logits,
          errors=(ErrorCase(Sample((T(np.ones((3, 4))), T(np.ones(4)))), ValueError,
                            "must be the same as input size"),)),
    _loss("kl_div", _kl_div,
          errors=(ErrorCase(Sample((T(np.array([1, 2])), T(np.array([1, 2])))), RuntimeError,
                            "kl_div: Integral inputs not supported.", dtype=_I64),)),
    _loss("poisson_nll_loss", _poisson_nll, dtypes=NUM),
    _loss("gaussian_nll_loss", _gaussian_nll, nargs=3, red_msg="bad is not valid",
          errors=(ErrorCase(Sample((T(np.ones((3, 4))), T(np.ones((3, 4))), T(-np.ones((3, 4))))), ValueError,
                            "var has negative entry/entries"),
                  ErrorCase(Sample((T(np.ones((3, 4))), T(np.ones((3, 4))), T(np.ones((3, 2))))), ValueError,
                            "var is of incorrect size"))),
    _loss("hinge_embedding_loss", _hinge, dtypes=NUM),
    _loss("margin_ranking_loss", _margin_ranking, dtypes=NUM, nargs=3),
    OpInfo("nn.functional.cosine_embedding_loss", _cosine_embedding, dtypes=(*NUM, "bool"),
           errors=(ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((2, 3))), T(np.ones(2))), {"reduction": "bad"}),
                             ValueError, "bad is not a valid value for reduction"),
                   ErrorCase(Sample((T(np.ones((3, 4))), T(np.ones((3, 4))), T(np.ones(2)))), RuntimeError,
                             "The size of tensor a (2) must match the size of tensor b (3)"))),
    _loss("multi_margin_loss", _multi_margin, dtypes=FLOATS, classes=True,
          errors=(ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 1, 2])), {"p": 3}), ValueError,
                            "only p == 1 and p == 2 supported"),
                  ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 1]))), RuntimeError,
                            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                            "samples"),
                  ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 1, 4]))), RuntimeError, "target out of range"))),
    _loss("multilabel_margin_loss", _multilabel_margin, dtypes=FLOATS,
          errors=(ErrorCase(Sample((T(np.ones((3, 4))), _idx([[0, 1, -1, 0]] * 2))), RuntimeError,
                            "inconsistent target size: [2, 4] for input of size: [3, 4]"),
                  ErrorCase(Sample((T(np.ones((3, 4))), _idx([[0, 5, -1, 0]] * 3))), RuntimeError,
                            "argument #2 'target' is out of range"))),
    _loss("multilabel_soft_margin_loss", _multilabel_soft, red_msg="bad is not valid"),
    _loss("triplet_margin_loss", _triplet, dtypes=NUM, nargs=3),
    OpInfo("nn.functional.triplet_margin_with_distance_loss", _triplet_distance, dtypes=NUM, fn=_triplet_distance_fn,
           errors=(ErrorCase(Sample((T(np.ones((3, 4))), T(np.ones((3, 4))), T(np.ones((3, 2))))), RuntimeError,
                             "The size of tensor a (4) must match the size of tensor b (2)"),)),
    # NOTE: cross_entropy/nll_loss's target checks were hardened in core/nn/_functional/cross_entropy.py; these
    # samples pin that behaviour (out-of-range targets, every target ignored, K-d inputs)
    _loss("cross_entropy", _cross_entropy, classes=True,
          errors=(ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 4, 1]))), IndexError, "Target 4 is out of bounds."),
                  ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 1]))), ValueError,
                            "Expected input batch_size (3) to match target batch_size (2)."))),
    _loss("nll_loss", _nll, classes=True,
          errors=(ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 4, 1]))), IndexError, "Target 4 is out of bounds."),
                  ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 1]))), ValueError,
                            "Expected input batch_size (3) to match target batch_size (2)."),
                  ErrorCase(Sample((T(np.ones((3, 4))), _idx([0, 1, 2]))), NotImplementedError,
                            "\"nll_loss_out_frame\" not implemented for 'Long'", dtype=_I64))),
    OpInfo("nn.functional.ctc_loss", _ctc, dtypes=FLOATS, errors=_ctc_errors(),
           gaps=_everywhere("gradcheck", "PyTorch's CTC gradient assumes normalized log-probabilities (it takes "
                            "exp(log_probs) as the softmax), so it is not the derivative finite differences measure; "
                            "ember's gradient is checked against PyTorch's in test_op_grad")),
    # NOTE: PyTorch's half path rounds the log-probabilities to half before the label-smoothing sum (2 ulps off at
    # 0.65 on the third sample); ember sums in float32
    OpInfo("nn.functional.linear_cross_entropy", _linear_ce, dtypes=FLT, fn=_linear_ce_fn,
           tol={"float16": (2e-3, 1e-3)}),
]

# -- distances --------------------------------------------------------------------------------------------------------


def _cosine_similarity(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), v(3, 4)), {}, "dim 1")
    yield Sample((v(2, 3, 2), v(3, 1)), {"dim": -2, "eps": 0.5}, "broadcast, dim -2, eps")
    yield Sample((T(np.array([[0.0, 0.0], [np.inf, 1.0], [np.nan, 1.0], [1e30, 1e30]])), v(4, 2)), {},
                 "a zero vector, inf, NaN, huge", grad=False)
    yield Sample((v(4), v(4)), {"dim": 0}, "1-d")
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), v(3, 4)), {}, "strided view")
    yield Sample((v(0, 3), v(0, 3)), {}, "zero-size batch")


def _pairwise_distance(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(3, 4), v(3, 4)), {}, "p=2")
    yield Sample((v(3, 4), v(4)), {"p": 1.0, "keepdim": True}, "broadcast, p=1, keepdim")
    yield Sample((T(np.array([[0.0, 0.0], [np.inf, 1.0], [np.nan, 1.0]])), v(3, 2)), {"p": np.inf}, "p=inf, edges",
                 grad=False)
    yield Sample((v(4), v(4)), {"p": 3.0, "eps": 0.1}, "1-d, p=3, eps")
    yield Sample((T(_v(rng, dtype, 3, 7), "strided"), v(3, 4)), {"p": 0.0}, "strided, p=0", grad=False)
    yield Sample((v(0, 3), v(0, 3)), {}, "zero-size batch")


def _pdist(dtype: str, rng: np.random.Generator) -> Iterator[Sample]:
    def v(*shape: int) -> T:
        return T(_v(rng, dtype, *shape))

    yield Sample((v(4, 3),), {}, "p=2")
    yield Sample((v(3, 2),), {"p": 1.0}, "p=1")
    yield Sample((T(np.array([[0.0, 1.0], [np.inf, 1.0], [np.nan, 0.0]])),), {"p": np.inf}, "p=inf, edges",
                 grad=False)
    yield Sample((v(3, 2),), {"p": 0.5}, "p=0.5")
    yield Sample((T(_v(rng, dtype, 3, 5), "strided"),), {}, "strided view")
    yield Sample((v(1, 3),), {}, "one row: no pairs")


DISTANCES: list[OpInfo] = [
    OpInfo("nn.functional.cosine_similarity", _cosine_similarity, dtypes=FLT,
           errors=(ErrorCase(Sample((T(np.array([[1, 2]])), T(np.array([[1, 2]])))), RuntimeError,
                             "expected common dtype to be floating point, yet common dtype is Long", dtype=_I64),
                   ErrorCase(Sample((T(np.ones((3, 4))), T(np.ones((2, 4))))), RuntimeError,
                             "The size of tensor a (3) must match the size of tensor b (2)"))),
    OpInfo("nn.functional.pairwise_distance", _pairwise_distance, dtypes=NUM),
    OpInfo("nn.functional.pdist", _pdist, dtypes=FLOATS,
           errors=(ErrorCase(Sample((T(np.ones(3)),)), RuntimeError, "pdist only supports 2D tensors, got: 1D"),
                   ErrorCase(Sample((T(np.ones((3, 2))),), {"p": -1.0}), RuntimeError,
                             "pdist only supports non-negative p values"),
                   ErrorCase(Sample((T(np.ones((3, 2))),)), RuntimeError,
                             "pdist only supports floating-point dtypes", dtype=_I64))),
]
