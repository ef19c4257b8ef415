"""Matrix products, ``ember.linalg``-backed top-level ops, complex views, spectral windows and ``stft``.

Matrices that are solved, inverted or factorized are built well conditioned (diagonally dominant, or
``B B^H + n I`` where positive definite is needed), so that LAPACK, NumPy and JAX agree to the dtype's
tolerance. Decompositions that are not unique (``qr``, ``svd``) are compared through what is: the
reconstruction, the singular values, the moduli of the factors' entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._core import ALL, BOOL, FLOATS, HALF, INTS, Device, DType, ErrorCase, OpInfo, Sample, T, values
from .samples import edge_values

COMPLEX = ("complex64", "complex128")
#: what PyTorch's CPU matrix products take: every numeric dtype but bool
NUMERIC = (*FLOATS, *HALF, *INTS, *COMPLEX)
#: what LAPACK-backed ops take
LAPACK = (*FLOATS, *COMPLEX)
Gen = Iterator[Sample]


def _v(rng: np.random.Generator, dtype: str, *shape: int, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    """Random values of ``dtype`` (complex ones with an imaginary part)."""
    if dtype in COMPLEX:
        return rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)
    return values(rng, shape, dtype, low, high)


def _floating(dtype: str) -> bool:
    return dtype in FLOATS or dtype in HALF or dtype in COMPLEX


def _edge_matrix(dtype: str) -> np.ndarray:
    """A 3x3 matrix holding the dtype's edge values (inf, NaN, -0.0, int extremes)."""
    e = edge_values(dtype)
    return np.resize(e, 9).reshape(3, 3)


def _cplx(dtype: str) -> str:
    """The complex dtype of a real one's precision (float32 -> complex64)."""
    return "complex64" if dtype in ("float32", "complex64") else "complex128"


def _wellcond(rng: np.random.Generator, dtype: str, *shape: int) -> np.ndarray:
    """Well-conditioned square matrices: entries in [-1.5, 1.5) plus a dominant diagonal."""
    n = shape[-1]
    return _v(rng, dtype, *shape, low=-1.5, high=1.5) + (2 + 1.5 * n) * np.eye(n)


def _spd(rng: np.random.Generator, dtype: str, *shape: int) -> np.ndarray:
    """A Hermitian positive-definite matrix ``B B^H + n I``."""
    b = _v(rng, dtype, *shape, low=-1, high=1)
    return b @ np.conj(np.swapaxes(b, -1, -2)) + shape[-1] * np.eye(shape[-1])


def _tril(rng: np.random.Generator, dtype: str, *shape: int) -> np.ndarray:
    """A lower-triangular matrix with a real positive diagonal (a Cholesky factor: LAPACK reads only the real
    part of its diagonal)."""
    n = shape[-1]
    a = np.tril(_v(rng, dtype, *shape, low=-1, high=1), -1)
    return a + (1 + rng.uniform(0, 1, shape[:-1])[..., None]) * np.eye(n)


def _host_lu(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Partial-pivoting LU of (batches of) matrices as LAPACK's getrf packs it: ``(LU, 1-based pivots)``."""
    lu = np.array(a, dtype=np.result_type(a, np.float64), copy=True)
    m, n = lu.shape[-2:]
    k = min(m, n)
    piv = np.zeros(lu.shape[:-2] + (k,), dtype=np.int32)
    for idx in np.ndindex(*lu.shape[:-2]):
        x = lu[idx]
        for j in range(k):
            p = j + int(np.argmax(np.abs(x[j:, j])))
            piv[idx + (j,)] = p + 1
            x[[j, p]] = x[[p, j]]
            if x[j, j] != 0:
                x[j + 1:, j] /= x[j, j]
                x[j + 1:, j + 1:] -= np.outer(x[j + 1:, j], x[j, j + 1:])
    return lu, piv


def _seeded(draw: Any) -> np.random.Generator:
    from hypothesis import strategies as st

    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _dim(draw: Any, lo: int = 0, hi: int = 4) -> int:
    from hypothesis import strategies as st

    return int(draw(st.integers(lo, hi)))


# -- matrix products --------------------------------------------------------------------------------


def _matmul_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3, 4), v(4, 5)), desc="2-d @ 2-d")
    yield Sample((v(4), v(4)), desc="1-d @ 1-d: a 0-d result")
    yield Sample((v(2, 1, 3, 4), v(5, 4, 2)), desc="broadcast batch dims")
    yield Sample((v(3, 0), v(0, 2)), desc="zero inner dim: zeros")
    yield Sample((T(_v(rng, dtype, 3, 4), "strided"), T(_v(rng, dtype, 4, 3), "strided")), desc="strided views")
    yield Sample((v(3, 4), v(4)), desc="2-d @ 1-d")
    yield Sample((v(4), v(4, 2)), desc="1-d @ 2-d")
    yield Sample((v(2, 3, 4), v(4)), desc="batched @ 1-d")
    yield Sample((v(4), v(2, 4, 3)), desc="1-d @ batched")
    yield Sample((v(0, 4), v(4, 3)), desc="zero rows")
    yield Sample((v(0, 3, 4), v(0, 4, 2)), desc="zero batch")
    yield Sample((T(_v(rng, dtype, 3, 1), "expanded", (3, 4)), v(4, 2)), desc="expanded view")
    yield Sample((v(), v(3)), desc="0-d operand: refused")
    yield Sample((v(3, 4), v(3, 4)), desc="inner sizes differ: refused")
    if dtype in FLOATS:
        yield Sample((T(_edge_matrix(dtype)), T(_edge_matrix(dtype).T)), desc="inf, NaN, -0.0", grad=False)
        yield Sample((T(np.array([[1e30, 1e-30], [-1e30, 3.0]])), v(2, 2)), desc="huge and tiny", grad=False)


def _mm_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3, 4), v(4, 5)), desc="2-d @ 2-d")
    yield Sample((v(3, 0), v(0, 2)), desc="zero inner dim: zeros")
    yield Sample((T(_v(rng, dtype, 3, 4), "strided"), v(4, 2)), desc="strided view")
    yield Sample((T(_v(rng, dtype, 3, 1), "expanded", (3, 4)), v(4, 2)), desc="expanded view")
    yield Sample((v(0, 4), v(4, 3)), desc="zero rows")
    yield Sample((v(1, 1), v(1, 1)), desc="1x1")
    yield Sample((v(4), v(4, 2)), desc="1-d operand: refused")
    if dtype in FLOATS:
        yield Sample((T(_edge_matrix(dtype)), v(3, 2)), desc="inf, NaN, -0.0", grad=False)


def _bmm_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(2, 3, 4), v(2, 4, 5)), desc="batched")
    yield Sample((v(0, 3, 4), v(0, 4, 2)), desc="zero batch")
    yield Sample((v(2, 3, 0), v(2, 0, 2)), desc="zero inner dim: zeros")
    yield Sample((T(_v(rng, dtype, 2, 3, 4), "strided"), v(2, 4, 2)), desc="strided view")
    yield Sample((T(_v(rng, dtype, 1, 3, 4), "expanded", (2, 3, 4)), v(2, 4, 2)), desc="expanded batch")
    yield Sample((v(2, 3, 4), v(3, 4, 2)), desc="batch sizes differ: refused")


def _mv_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3, 4), v(4)), desc="matrix @ vector")
    yield Sample((v(3, 0), v(0)), desc="zero inner dim: zeros")
    yield Sample((v(0, 4), v(4)), desc="zero rows")
    yield Sample((T(_v(rng, dtype, 3, 4), "strided"), T(_v(rng, dtype, 4), "strided")), desc="strided views")
    yield Sample((v(3, 4), T(_v(rng, dtype, 1), "expanded", (4,))), desc="expanded vector")
    yield Sample((v(3, 4), v(4, 1)), desc="2-d vec: refused")
    if dtype in FLOATS:
        yield Sample((T(_edge_matrix(dtype)), v(3)), desc="inf, NaN, -0.0", grad=False)


def _dot_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(5), v(5)), desc="1-d . 1-d")
    yield Sample((v(0), v(0)), desc="zero-size: 0")
    yield Sample((T(_v(rng, dtype, 5), "strided"), v(5)), desc="strided view")
    yield Sample((T(_v(rng, dtype, 1), "expanded", (5,)), v(5)), desc="expanded view")
    yield Sample((v(1), v(1)), desc="one element")
    yield Sample((v(2, 2), v(2)), desc="2-d: refused")
    if dtype in FLOATS:
        e = edge_values(dtype)
        yield Sample((T(e), T(e[::-1].copy())), desc="inf, NaN, -0.0", grad=False)


def _inner_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(4), v(4)), desc="1-d . 1-d")
    yield Sample((v(2, 3), v(4, 3)), desc="2-d . 2-d")
    yield Sample((v(), v(2, 3)), desc="0-d scales")
    yield Sample((v(2, 3, 4), v(5, 4)), desc="3-d . 2-d")
    yield Sample((v(0, 3), v(2, 3)), desc="zero-size")
    yield Sample((T(_v(rng, dtype, 2, 3), "strided"), v(3)), desc="strided view")
    yield Sample((v(2, 3), v(2, 2)), desc="last dims differ: refused")


def _outer_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3), v(4)), desc="vectors")
    yield Sample((v(0), v(3)), desc="zero-size")
    yield Sample((T(_v(rng, dtype, 3), "strided"), v(2)), desc="strided view")
    yield Sample((T(_v(rng, dtype, 1), "expanded", (3,)), v(2)), desc="expanded view")
    yield Sample((v(2, 3), v(2)), desc="2-d: refused")
    yield Sample((v(), v(2)), desc="0-d: refused")
    if dtype in FLOATS:
        yield Sample((T(edge_values(dtype)), T(edge_values(dtype))), desc="inf, NaN, -0.0", grad=False)


def _hyp_matmul(draw: Any, dtype: str) -> Sample:
    rng = _seeded(draw)
    n, k, m = _dim(draw), _dim(draw), _dim(draw)
    ra, rb = _dim(draw, 1, 4), _dim(draw, 1, 4)
    batch = [_dim(draw, 1, 3) for _ in range(2)]
    a_shape = (*batch[: max(ra - 2, 0)], n, k)[-ra:] if ra > 1 else (k,)
    b_shape = (*batch[: max(rb - 2, 0)], k, m)[-rb:] if rb > 1 else (k,)
    return Sample((T(_v(rng, dtype, *a_shape)), T(_v(rng, dtype, *b_shape))), desc="drawn shapes")


def _hyp_outer(draw: Any, dtype: str) -> Sample:
    rng = _seeded(draw)
    return Sample((T(_v(rng, dtype, _dim(draw))), T(_v(rng, dtype, _dim(draw)))), desc="drawn sizes")


_PRODUCT_ERRORS = (
    ErrorCase(Sample((T(np.ones(2)), T(np.ones(3)))), RuntimeError, "inconsistent tensor size"),
    ErrorCase(Sample((T(np.ones((2, 2))), T(np.ones(2)))), RuntimeError, "1D tensors expected, but got 2D and 1D"),
)


def _product(name: str, gen: Any, dtypes: tuple[str, ...] = NUMERIC, **kw: Any) -> OpInfo:
    return OpInfo(name, gen, dtypes=dtypes, method=kw.pop("method", name), supports_out=True, **kw)


_MATRIX_PRODUCTS = [
    _product("matmul", _matmul_samples, hypothesis=_hyp_matmul, errors=(
        ErrorCase(Sample((T(1.0), T(np.ones(2)))), RuntimeError, "both arguments to matmul need to be at least 1D"),
        ErrorCase(Sample((T(np.ones((1, 2))), T(np.ones((1, 2))))), RuntimeError,
                  "mat1 and mat2 shapes cannot be multiplied (1x2 and 1x2)"),
    )),
    _product("mm", _mm_samples, errors=(
        ErrorCase(Sample((T(np.ones(2)), T(np.ones((2, 2))))), RuntimeError, "self must be a matrix"),
        ErrorCase(Sample((T(np.ones((2, 2))), T(np.ones(2)))), RuntimeError, "mat2 must be a matrix"),
    )),
    _product("bmm", _bmm_samples, errors=(
        ErrorCase(Sample((T(np.ones((2, 2))), T(np.ones((2, 2, 2))))), RuntimeError, "batch1 must be a 3D tensor"),
        ErrorCase(Sample((T(np.ones((2, 2, 3))), T(np.ones((2, 2, 2))))), RuntimeError,
                  "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 2]."),
    )),
    _product("mv", _mv_samples, errors=(
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones(2)))), RuntimeError, "size mismatch, got input (2), mat (2x3)"),
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((3, 1))))), RuntimeError,
                  "vector + matrix @ vector expected, got 1, 2, 2"),
    )),
    _product("dot", _dot_samples, errors=(
        *_PRODUCT_ERRORS,
        ErrorCase(Sample((T(np.ones(2)), T(np.ones(2), dtype="float64"))), RuntimeError,
                  "dot : expected both vectors to have same dtype, but found Float and Double"),
    )),
    _product("vdot", _dot_samples, errors=_PRODUCT_ERRORS),
    _product("inner", _inner_samples, errors=(
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((2, 2))))), RuntimeError,
                  "inner() the last dimension must match on both input tensors but got shapes [2, 3] and [2, 2]"),
    )),
    _product("outer", _outer_samples, dtypes=(*NUMERIC, *BOOL), aliases=("ger",), hypothesis=_hyp_outer, errors=(
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones(2)))), RuntimeError,
                  "outer: Expected 1-D argument self, but got 2-D"),
    )),
]


# -- products with an added term: beta * input + alpha * product ----------------------------------


#: (input, operand 1, operand 2) shapes of each add-product op: the full case, a broadcast input, zero-size
Shapes = dict[str, tuple[tuple[int, ...], ...]]
_ADDMM: Shapes = {"full": ((3, 5), (3, 4), (4, 5)), "bcast": ((5,),), "zero": ((3, 5), (3, 0), (0, 5))}
_ADDBMM: Shapes = {"full": ((3, 5), (2, 3, 4), (2, 4, 5)), "bcast": ((3, 1),), "zero": ((3, 5), (0, 3, 4), (0, 4, 5))}
_BADDBMM: Shapes = {"full": ((2, 3, 5), (2, 3, 4), (2, 4, 5)), "bcast": ((3, 5),),
                    "zero": ((2, 3, 5), (2, 3, 0), (2, 0, 5))}
_ADDMV: Shapes = {"full": ((3,), (3, 4), (4,)), "bcast": ((1,),), "zero": ((3,), (3, 0), (0,))}
_ADDR: Shapes = {"full": ((3, 4), (3,), (4,)), "bcast": ((4,),), "zero": ((0, 4), (0,), (4,))}


def _scales(dtype: str) -> list[tuple[dict[str, Any], str]]:
    """(beta, alpha) keyword sets that suit ``dtype``: ints take ints, floats take floats."""
    if dtype == "bool":
        return [({"beta": False}, "beta=False ignores input")]
    if dtype in INTS:
        return [({"beta": 2, "alpha": 3}, "integer beta and alpha"), ({"beta": 0}, "beta=0 ignores input"),
                ({"beta": 0.5, "alpha": 1.5}, "float beta/alpha on ints: truncated as PyTorch casts them")]
    return [({"beta": 0.5, "alpha": -1.5}, "float beta and alpha"), ({"beta": 0}, "beta=0 ignores input")]


def _add_product_samples(cases: Shapes, bcast: bool = True) -> Any:
    """Samples of ``addmm``-style ops, given per-case shapes (input, operand 1, operand 2). ``bcast=False`` leaves
    out broadcast inputs, which PyTorch's in-place form resizes ``self`` for (``addbmm_``) instead of refusing."""

    def gen(dtype: str, rng: np.random.Generator) -> Gen:
        def v(*s: int) -> T:
            return T(_v(rng, dtype, *s))

        full, o1, o2 = cases["full"]
        yield Sample((v(*full), v(*o1), v(*o2)), desc="same-shape input")
        for kw, desc in _scales(dtype):
            yield Sample((v(*full), v(*o1), v(*o2)), kw, desc=desc)
        if bcast:
            yield Sample((v(*cases["bcast"][0]), v(*o1), v(*o2)), desc="broadcast input")
            yield Sample((v(), v(*o1), v(*o2)), desc="0-d input")
        zi, z1, z2 = cases["zero"]
        yield Sample((v(*zi), v(*z1), v(*z2)), desc="zero-size contraction: beta * input")
        yield Sample((T(_v(rng, dtype, *full), "strided"), T(_v(rng, dtype, *o1), "strided"), v(*o2)),
                     desc="strided views")
        # an expanded operand, not input: PyTorch writes some in-place forms through an expanded self unchecked
        one = tuple(1 if i == len(o1) - 1 else n for i, n in enumerate(o1))
        yield Sample((v(*full), T(_v(rng, dtype, *one), "expanded", o1), v(*o2)), desc="expanded operand")
        if _floating(dtype) and dtype not in COMPLEX:
            nan, inf = np.full(full, np.nan), np.full(o1, np.inf)
            yield Sample((T(nan), v(*o1), v(*o2)), {"beta": 0}, desc="beta=0: NaN input ignored", grad=False)
            yield Sample((T(nan), v(*o1), v(*o2)), desc="NaN input propagates", grad=False)
            yield Sample((v(*full), T(inf), v(*o2)), {"alpha": 0}, desc="alpha=0 with inf operand", grad=False)

    return gen


def _add_product(name: str, cases: Shapes, dtypes: tuple[str, ...] = NUMERIC, bcast: bool = True,
                 **kw: Any) -> OpInfo:
    return OpInfo(name, _add_product_samples(cases, bcast), dtypes=dtypes, method=name, inplace=f"{name}_",
                  supports_out=True, **kw)


def _hyp_addmm(draw: Any, dtype: str) -> Sample:
    rng = _seeded(draw)
    n, k, m = _dim(draw), _dim(draw), _dim(draw)
    inp = [(n, m), (m,), (1, m), (n, 1), ()][_dim(draw, 0, 4)]
    kw = {"beta": 2, "alpha": -1} if dtype in INTS else {"beta": 0.5, "alpha": 2.0}
    return Sample((T(_v(rng, dtype, *inp)), T(_v(rng, dtype, n, k)), T(_v(rng, dtype, k, m))), kw, "drawn shapes")


_ADD_PRODUCTS = [
    _add_product("addmm", _ADDMM, hypothesis=_hyp_addmm, errors=(
        ErrorCase(Sample((T(np.ones((2, 2))), T(np.ones((2, 3))), T(np.ones((2, 2))))), RuntimeError,
                  "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x2)"),
        ErrorCase(Sample((T(np.ones((3, 3))), T(np.ones((2, 3))), T(np.ones((3, 2))))), RuntimeError,
                  "The expanded size of the tensor (2) must match the existing size (3)"),
    )),
    _add_product("addbmm", _ADDBMM, bcast=False, errors=(
        ErrorCase(Sample((T(np.ones((2, 2))), T(np.ones((2, 2, 3))), T(np.ones((2, 2, 2))))), RuntimeError,
                  "Incompatible matrix sizes for bmm (2x3 and 2x2)"),
    )),
    _add_product("baddbmm", _BADDBMM, errors=(
        ErrorCase(Sample((T(np.ones((2, 2, 2))), T(np.ones((2, 2, 3))), T(np.ones((3, 3, 2))))), RuntimeError,
                  "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."),
    )),
    _add_product("addmv", _ADDMV, aliases=("addmv_",), errors=(
        ErrorCase(Sample((T(np.ones(3)), T(np.ones((2, 3))), T(np.ones(3)))), RuntimeError,
                  "size mismatch, got input (3), mat (2x3), vec (3)"),
    )),
    _add_product("addr", _ADDR, dtypes=(*NUMERIC, *BOOL), errors=(
        ErrorCase(Sample((T(np.ones((2, 2))), T(np.ones((2, 2))), T(np.ones(2)))), RuntimeError,
                  "addr: Expected 1-D argument vec1, but got 2-D"),
    )),
]


def _chain_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3, 4), v(4, 2)), desc="two matrices")
    yield Sample((v(2, 3), v(3, 4), v(4, 2)), desc="three matrices")
    yield Sample((v(3, 4),), desc="one matrix: a copy")
    yield Sample((v(2, 3), v(3, 0), v(0, 2), v(2, 5)), desc="zero-size in the chain")
    yield Sample((T(_v(rng, dtype, 3, 4), "strided"), v(4, 2)), desc="strided view")
    yield Sample((v(4), v(4, 2)), desc="1-d: refused")


def _einsum_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample(("ij,jk->ik", v(3, 4), v(4, 2)), desc="matrix product")
    yield Sample(("ii->i", v(3, 3)), desc="diagonal (repeated subscript)")
    yield Sample(("...ij,...jk", v(2, 3, 4), v(4, 2)), desc="ellipsis broadcast, implicit output")
    yield Sample(("i,j->ij", v(3), v(0)), desc="outer product, zero-size")
    yield Sample(("bij,bjk->bik", T(_v(rng, dtype, 2, 3, 4), "strided"), v(2, 4, 2)), desc="strided batch")
    yield Sample(("ij->", v(3, 4)), desc="sum to 0-d")
    yield Sample(("ii", v(3, 3)), desc="trace, implicit output")
    yield Sample(("ij->ji", v(2, 3)), desc="transpose")
    yield Sample(("ij,jk", [v(3, 4), v(4, 2)]), desc="operands as a list")
    yield Sample(("i,i->", T(_v(rng, dtype, 1), "expanded", (4,)), v(4)), desc="expanded view")
    yield Sample(("ij,jk->ik", v(3, 4), v(3, 4)), desc="sizes differ: refused")


def _tensordot_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(2, 3, 4), v(3, 4, 5)), desc="dims=2 default")
    yield Sample((v(2, 3), v(4)), {"dims": 0}, desc="dims=0: outer")
    yield Sample((v(2, 3), v(3, 4)), {"dims": 1}, desc="dims=1")
    yield Sample((v(2, 3, 4), v(4, 3, 5)), {"dims": ([1, 2], [1, 0])}, desc="dims as lists")
    yield Sample((v(2, 0), v(0, 3)), {"dims": 1}, desc="zero-size contraction")
    yield Sample((v(2, 3), v(3, 2)), {"dims": ([-1], [0])}, desc="negative dim")
    yield Sample((T(_v(rng, dtype, 2, 3), "strided"), v(3, 2)), {"dims": 1}, desc="strided view")
    yield Sample((v(2, 3), v(2, 3)), {"dims": 1}, desc="sizes differ: refused")


_EINSUM_ERRORS = (
    ErrorCase(Sample(("ij,jk->ik", T(np.ones((2, 3))))), RuntimeError,
              "einsum(): fewer operands were provided than specified in the equation"),
    ErrorCase(Sample(("ijk->ik", T(np.ones((2, 3))))), RuntimeError,
              "einsum(): the number of subscripts in the equation (3) does not match the number of dimensions (2) "
              "for operand 0 and no ellipsis was given"),
    ErrorCase(Sample(("ij->k", T(np.ones((2, 3))))), RuntimeError,
              "einsum(): output subscript k does not appear in the equation for any input operand"),
    ErrorCase(Sample(("ij,jk->ik", T(np.ones((2, 3))), T(np.ones((2, 3))))), RuntimeError,
              "einsum(): subscript j has size 2 for operand 1 which does not broadcast with previously seen size 3"),
)

_CONTRACTIONS = [
    OpInfo("chain_matmul", _chain_samples, dtypes=NUMERIC, supports_out=True, errors=(
        ErrorCase(Sample(()), RuntimeError, "chain_matmul(): Expected one or more matrices"),
        ErrorCase(Sample((T(np.ones(2)), T(np.ones((2, 2))))), RuntimeError,
                  "Tensor dimension is 1, expected 2 instead."),
    )),
    OpInfo("einsum", _einsum_samples, dtypes=NUMERIC, errors=_EINSUM_ERRORS),
    OpInfo("tensordot", _tensordot_samples, dtypes=NUMERIC, supports_out=True, errors=(
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((2, 3)))), {"dims": 1}), RuntimeError,
                  "contracted dimensions need to match, but first has size 3 in dim -1 and second has size 2"),
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((3, 3)))), {"dims": -1}), RuntimeError,
                  "tensordot expects dims >= 0, but got dims=-1"),
    )),
]


# -- square-matrix functions: det, inverse, factorizations, solves --------------------------------


def _square(make: Callable[..., np.ndarray] = _wellcond, singular: bool = False, neg: bool = False,
            complex_singular: bool = True) -> Any:
    """Samples of an op on batches of square matrices made by ``make``; ``complex_singular=False`` leaves out
    the singular sample of complex dtypes."""

    def gen(dtype: str, rng: np.random.Generator) -> Gen:
        def m(*s: int) -> T:
            return T(make(rng, dtype, *s))

        # NOTE: few distinct shapes among the first five samples (the ones JAX runs): each new shape compiles
        yield Sample((m(3, 3),), desc="3x3")
        yield Sample((m(2, 3, 3),), desc="batch of 3x3")
        yield Sample((m(0, 3, 3),), desc="zero batch")
        yield Sample((T(np.zeros((0, 0))),), desc="0x0")
        yield Sample((T(make(rng, dtype, 3, 3), "strided"),), desc="strided view")
        yield Sample((T(make(rng, dtype, 1, 2, 2), "expanded", (3, 2, 2)),), desc="expanded batch")
        yield Sample((m(1, 1),), desc="1x1")
        if neg:
            a = make(rng, dtype, 3, 3)
            yield Sample((T(a[[1, 0, 2]]),), desc="rows swapped: negative determinant")
        if singular and (complex_singular or dtype not in COMPLEX):
            a = make(rng, dtype, 3, 3)
            a[:, 2] = 0  # exactly singular: a near-singular matrix's results would be rounding noise
            yield Sample((T(a),), desc="singular: a zero column", grad=False)

    return gen


def _sq_err(name: str, fn_name: str | None = None) -> tuple[ErrorCase, ...]:
    who = fn_name or name
    return (ErrorCase(Sample((T(np.ones((2, 3))),)), RuntimeError,
                      f"{who}: A must be batches of square matrices, but they are 2 by 3 matrices"),)


def _slog_unique(lib: Any) -> Callable[..., Any]:
    return lambda a, **kw: tuple(lib.slogdet(a, **kw))


def _hermitian_input(lib: Any) -> Callable[..., Any]:
    """``cholesky`` of the Hermitian part of its input: PyTorch's gradient is the symmetric one, which finite
    differences of the lower triangle (all the forward reads) would not reproduce (PyTorch's own OpInfo wraps
    it the same way)."""

    def f(a: Any, *args: Any, **kw: Any) -> Any:
        square = a.ndim >= 2 and a.shape[-1] == a.shape[-2]
        return lib.cholesky((a + a.mH) / 2 if square else a, *args, **kw)

    return f


def _triangular_input(name: str, at: int) -> Callable[[Any], Callable[..., Any]]:
    """``name`` with its Cholesky factor (argument ``at``) masked to the triangle it reads: PyTorch's gradient
    of the factor is a full matrix, which finite differences of the forward cannot see (as in PyTorch's OpInfo)."""

    def make(lib: Any) -> Callable[..., Any]:
        def f(*args: Any, **kw: Any) -> Any:
            upper = kw.get("upper", args[at + 1] if len(args) > at + 1 else False)
            a = list(args)
            if a[at].ndim >= 2:
                a[at] = a[at].triu() if upper else a[at].tril()
            return getattr(lib, name)(*a, **kw)

        return f

    return make


#: LAPACK, NumPy's and JAX's LU sum in different orders: float32 results differ by a few ulps of the largest term
_LU_TOL = {"float32": (1e-5, 1e-5), "complex64": (1e-5, 1e-5)}


def _cholesky_samples(dtype: str, rng: np.random.Generator) -> Gen:
    yield from _square(_spd)(dtype, rng)
    yield Sample((T(_spd(rng, dtype, 3, 3)),), {"upper": True}, desc="upper")
    yield Sample((T(-np.eye(2)),), desc="not positive definite: refused", grad=False)


def _cholesky_inverse_samples(dtype: str, rng: np.random.Generator) -> Gen:
    yield from _square(_tril)(dtype, rng)
    yield Sample((T(np.swapaxes(_tril(rng, dtype, 3, 3), -1, -2).conj()),), {"upper": True}, desc="upper factor")


def _cholesky_solve_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def b(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((b(3, 2), T(_tril(rng, dtype, 3, 3))), desc="3x3 factor, two right-hand sides")
    yield Sample((b(2, 3, 2), T(_tril(rng, dtype, 3, 3))), desc="batched rhs broadcasts the factor")
    yield Sample((b(3, 2), T(np.swapaxes(_tril(rng, dtype, 3, 3), -1, -2).conj())), {"upper": True}, desc="upper")
    yield Sample((b(3, 0), T(_tril(rng, dtype, 3, 3))), desc="zero right-hand sides")
    yield Sample((b(0, 0), T(np.zeros((0, 0)))), desc="0x0")
    yield Sample((T(_v(rng, dtype, 3, 2), "strided"), T(_tril(rng, dtype, 3, 3))), desc="strided rhs")


def _lu_samples(dtype: str, rng: np.random.Generator) -> Gen:
    yield from _square(_wellcond, singular=True)(dtype, rng)
    yield Sample((T(_v(rng, dtype, 3, 5)),), desc="wide")
    yield Sample((T(_v(rng, dtype, 5, 3)),), {"get_infos": True}, desc="tall, with infos")


def _lu_solve_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def b(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    def factor(*s: int) -> tuple[T, T]:
        lu, piv = _host_lu(_wellcond(rng, dtype, *s))
        return T(lu), T(piv, dtype="int32")

    yield Sample((b(3, 2), *factor(3, 3)), desc="3x3, two right-hand sides")
    yield Sample((b(2, 4, 1), *factor(2, 4, 4)), desc="batched")
    yield Sample((b(3, 0), *factor(3, 3)), desc="zero right-hand sides")
    yield Sample((b(2, 3, 2), *factor(3, 3)), desc="batched rhs broadcasts the factor")
    yield Sample((T(_v(rng, dtype, 3, 2), "strided"), *factor(3, 3)), desc="strided rhs")


def _lu_unpack_samples(dtype: str, rng: np.random.Generator) -> Gen:
    for shape, desc in (((3, 3), "square"), ((2, 4, 4), "batched"), ((3, 5), "wide"), ((5, 3), "tall")):
        lu, piv = _host_lu(_v(rng, dtype, *shape))
        yield Sample((T(lu), T(piv, dtype="int32")), desc=desc)
    lu, piv = _host_lu(_v(rng, dtype, 3, 3))
    # PyTorch's backward fails on the empty factors of unpack_data=False (triu of a 1-d tensor): no gradient
    yield Sample((T(lu), T(piv, dtype="int32")), {"unpack_data": False}, desc="pivots only", grad=False)
    yield Sample((T(lu), T(piv, dtype="int32")), {"unpack_pivots": False}, desc="factors only")


def _triangular_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def b(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    a = T(_wellcond(rng, dtype, 3, 3))
    yield Sample((b(3, 2), a), desc="upper (default)")
    yield Sample((b(3, 2), a), {"upper": False}, desc="lower")
    yield Sample((b(3, 2), a), {"transpose": True}, desc="transposed")
    yield Sample((b(3, 2), a), {"unitriangular": True}, desc="unit diagonal")
    yield Sample((b(2, 3, 2), a), desc="batched rhs broadcasts A")
    yield Sample((b(3, 0), a), desc="zero right-hand sides")
    yield Sample((T(_v(rng, dtype, 3, 2), "strided"), a), desc="strided rhs")


def _orgqr_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s, low=-1, high=1))

    yield Sample((v(4, 3), v(3)), desc="tall, full tau")
    yield Sample((v(4, 3), v(2)), desc="fewer reflectors")
    yield Sample((v(2, 3, 3), v(2, 3)), desc="batched square")
    yield Sample((v(3, 2), v(0)), desc="no reflectors: identity columns")
    yield Sample((T(_v(rng, dtype, 4, 3), "strided"), v(3)), desc="strided view")


def _matrix_power_samples(dtype: str, rng: np.random.Generator) -> Gen:
    make = _wellcond if _floating(dtype) else (lambda r, d, *s: _v(r, d, *s, low=-1, high=1))
    for n in (3, 0, 1, 2):
        yield Sample((T(make(rng, dtype, 3, 3)), n), desc=f"n={n}")
    yield Sample((T(make(rng, dtype, 2, 2, 2)), 5), desc="batched, n=5")
    yield Sample((T(np.zeros((0, 0))), 2), desc="0x0")
    yield Sample((T(make(rng, dtype, 0, 2, 2)), 3), desc="zero batch")
    yield Sample((T(make(rng, dtype, 3, 3), "strided"), 2), desc="strided view")
    if _floating(dtype) and dtype not in HALF:
        yield Sample((T(_wellcond(rng, dtype, 3, 3)), -1), desc="n=-1: inverse")
        yield Sample((T(_wellcond(rng, dtype, 2, 3, 3)), -3), desc="n=-3")
    elif dtype in INTS:
        yield Sample((T(make(rng, dtype, 2, 2)), -1), desc="negative power of ints: refused")


def _matrix_exp_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int, scale: float = 1.0) -> T:
        return T(_v(rng, dtype, *s, low=-scale, high=scale))

    yield Sample((v(3, 3),), desc="3x3")
    yield Sample((v(2, 4, 4, scale=0.3),), desc="batched, small norm")
    yield Sample((v(3, 3, scale=4.0),), desc="large norm: scaling and squaring")
    yield Sample((T(np.zeros((0, 0))),), desc="0x0")
    yield Sample((v(0, 2, 2),), desc="zero batch")
    yield Sample((v(1, 1),), desc="1x1")
    yield Sample((T(np.triu(np.ones((3, 3)), 1)),), desc="nilpotent")
    yield Sample((T(_v(rng, dtype, 3, 3), "strided"),), desc="strided view")


def _hyp_det(draw: Any, dtype: str) -> Sample:
    rng = _seeded(draw)
    n = _dim(draw, 0, 4)
    batch = [_dim(draw, 0, 2) for _ in range(_dim(draw, 0, 2))]
    return Sample((T(_wellcond(rng, dtype, *batch, n, n)),), desc="drawn batch")


def _removed(name: str, arity: int) -> OpInfo:
    """A function PyTorch removed: every call raises its RuntimeError naming the replacement."""

    def gen(dtype: str, rng: np.random.Generator) -> Gen:
        args = tuple(T(_wellcond(rng, dtype, 3, 3)) for _ in range(arity))
        yield Sample(args, desc="removed from PyTorch: refused")

    return OpInfo(name, gen, dtypes=FLOATS, grad=False, errors=(
        ErrorCase(Sample(tuple(T(np.eye(2)) for _ in range(arity))), RuntimeError,
                  "This function was deprecated since version 1.9 and is now removed."),
    ))


_SQUARE = [
    OpInfo("det", _square(singular=True, neg=True), dtypes=LAPACK, method="det", tol=_LU_TOL, hypothesis=_hyp_det,
           errors=(*_sq_err("linalg.det"),
                   ErrorCase(Sample((T(np.ones(3)),)), RuntimeError,
                             "linalg.det: The input tensor A must have at least 2 dimensions."),
                   ErrorCase(Sample((T(np.eye(2), dtype="int64"),)), RuntimeError,
                             "linalg.det: Expected a floating point or complex tensor as input. Got Long"))),
    OpInfo("slogdet", _square(singular=True, neg=True), dtypes=LAPACK, method="slogdet", tol=_LU_TOL,
           errors=_sq_err("linalg.slogdet")),
    # complex singular: PyTorch's log(sign) + logabsdet is -inf+nanj, an artefact of its add kernel multiplying by
    # alpha=1 in complex arithmetic (inf * 0); the value has no meaning to match
    OpInfo("logdet", _square(singular=True, neg=True, complex_singular=False), dtypes=LAPACK, method="logdet",
           tol=_LU_TOL,
           errors=(ErrorCase(Sample((T(np.ones(3)),)), RuntimeError,
                             "logdet: The input tensor A must have at least 2 dimensions."),)),
    OpInfo("inverse", _square(), dtypes=LAPACK, method="inverse", supports_out=True, tol=_LU_TOL, errors=(
        *_sq_err("linalg.inv"),
        ErrorCase(Sample((T(np.ones((2, 2))),)), RuntimeError, "the input matrix is singular"),
    )),
    # through a Hermitian part: PyTorch's gradient is the symmetric one, which finite differences of the lower
    # triangle alone (all the forward reads) would not reproduce
    OpInfo("cholesky", _cholesky_samples, dtypes=LAPACK, method="cholesky", supports_out=True, tol=_LU_TOL,
           fn=_hermitian_input, errors=(
        *_sq_err("cholesky"),
        ErrorCase(Sample((T(-np.eye(2)),)), RuntimeError,
                  "The factorization could not be completed because the input is not positive-definite"),
    )),
    OpInfo("cholesky_inverse", _cholesky_inverse_samples, dtypes=LAPACK, method="cholesky_inverse",
           supports_out=True, tol=_LU_TOL, fn=_triangular_input("cholesky_inverse", 0),
           errors=_sq_err("cholesky_inverse")),
    OpInfo("cholesky_solve", _cholesky_solve_samples, dtypes=LAPACK, method="cholesky_solve", supports_out=True,
           tol=_LU_TOL, fn=_triangular_input("cholesky_solve", 1), errors=(
               ErrorCase(Sample((T(np.ones((3, 1))), T(np.eye(2)))), RuntimeError,
                         "Incompatible matrix sizes for cholesky_solve: each A matrix is 2 by 2 but each b matrix is "
                         "3 by 1"),)),
    OpInfo("lu", _lu_samples, dtypes=LAPACK, method="lu", tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones(3)),)), RuntimeError,
                  "torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: [3] instead"),)),
    OpInfo("lu_solve", _lu_solve_samples, dtypes=LAPACK, method="lu_solve", supports_out=True, tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones((3, 1))), T(np.eye(2)), T([1, 2], dtype="int32"))), RuntimeError,
                  "linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B (2x2 and 3x1)"),)),
    OpInfo("lu_unpack", _lu_unpack_samples, dtypes=LAPACK, errors=(
        ErrorCase(Sample((T(np.eye(2)), T([1, 2], dtype="int64"))), RuntimeError,
                  "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype."),)),
    OpInfo("triangular_solve", _triangular_samples, dtypes=LAPACK, method="triangular_solve", tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones((3, 1))), T(np.eye(2)))), RuntimeError,
                  "Incompatible matrix sizes for triangular_solve: each A matrix is 2 by 2 but each b matrix is "
                  "3 by 1"),
        ErrorCase(Sample((T(np.ones((2, 1))), T(np.ones(2)))), RuntimeError,
                  "torch.triangular_solve: Expected A to have at least 2 dimensions, but it has 1 dimensions instead"),
    )),
    OpInfo("orgqr", _orgqr_samples, dtypes=LAPACK, method="orgqr", tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones(2)))), RuntimeError,
                  "torch.linalg.householder_product: input.shape[-2] must be greater than or equal to input.shape[-1]"),
        ErrorCase(Sample((T(np.ones((3, 2))), T(np.ones(3)))), RuntimeError,
                  "torch.linalg.householder_product: input.shape[-1] must be greater than or equal to tau.shape[-1]"),
    )),
    OpInfo("matrix_power", _matrix_power_samples, dtypes=(*FLOATS, *HALF, *INTS, *COMPLEX), method="matrix_power",
           tol=_LU_TOL, errors=(
               ErrorCase(Sample((T(np.ones((2, 3))), 2)), RuntimeError,
                         "linalg.matrix_power: A must be batches of square matrices, but they are 2 by 3 matrices"),
               ErrorCase(Sample((T(np.eye(2), dtype="int64"), -1)), RuntimeError,
                         "linalg.inv: Expected a floating point or complex tensor as input. Got Long"))),
    # no half precision: PyTorch's CPU matrix_exp returns garbage there (-2.1e4 on the diagonal of exp(0.1 I) in
    # float16, -1.3e30 in bfloat16), so there is no oracle to compare with
    OpInfo("matrix_exp", _matrix_exp_samples, dtypes=(*FLOATS, *COMPLEX), method="matrix_exp",
           tol=_LU_TOL, errors=_sq_err("linalg.matrix_exp")),
    _removed("solve", 2), _removed("lstsq", 2), _removed("eig", 1), _removed("matrix_rank", 1),
]


# -- decompositions that are not unique: compared through what is ---------------------------------


def _qr_unique(lib: Any) -> Callable[..., Any]:
    def f(a: Any, some: bool = True) -> Any:
        q, r = lib.qr(a, some)
        # the reconstruction and |R| are unique; so is |Q| in reduced mode (full mode's extra columns are not)
        return (q @ r, r.abs(), q.abs()) if some or a.shape[-2] <= a.shape[-1] else (q @ r, r.abs())

    return f


def _svd_unique(lib: Any) -> Callable[..., Any]:
    def f(a: Any, some: bool = True, compute_uv: bool = True) -> Any:
        u, s, v = lib.svd(a, some, compute_uv)
        if not compute_uv:
            return u, s, v  # zero-filled U and V: unique
        k = s.shape[-1]
        return (u[..., :k] * s.unsqueeze(-2)) @ v[..., :k].mH, s

    return f


def _rect_samples(full_kw: str, extra: tuple[tuple[dict[str, Any], str], ...] = ()) -> Any:
    """Samples of a decomposition of rectangular matrices; ``full_kw`` turns on its complete mode."""

    def gen(dtype: str, rng: np.random.Generator) -> Gen:
        def v(*s: int) -> T:
            return T(_v(rng, dtype, *s, low=-1, high=1))

        yield Sample((v(4, 3),), desc="tall")
        yield Sample((v(3, 4),), desc="wide")
        yield Sample((v(2, 3, 3),), desc="batched square")
        yield Sample((v(4, 3), False), desc=f"{full_kw}=False: complete mode", grad=False)
        yield Sample((v(0, 3),), desc="zero rows")
        yield Sample((v(0, 2, 2),), desc="zero batch")
        yield Sample((T(_v(rng, dtype, 4, 3), "strided"),), desc="strided view")
        for kw, desc in extra:
            yield Sample((v(3, 2),), kw, desc=desc)

    return gen


def _pinverse_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s, low=-1, high=1))

    yield Sample((v(4, 3),), desc="tall")
    yield Sample((v(3, 4),), desc="wide")
    yield Sample((v(2, 3, 3),), desc="batched square")
    yield Sample((v(0, 3),), desc="zero rows")
    a = _v(rng, dtype, 3, 3)
    a[2] = 0  # exactly rank-deficient (a near-singular value above rcond would make the result rounding noise)
    yield Sample((T(a),), desc="rank-deficient: a zero row", grad=False)
    a = _v(rng, dtype, 3, 3)
    a[2] = a[0] - a[1]
    yield Sample((v(3, 2),), {"rcond": 0.5}, desc="large rcond cuts singular values", grad=False)
    yield Sample((T(a),), {"rcond": 1e-4}, desc="rank-deficient, rcond above the rounding", grad=False)
    yield Sample((T(_v(rng, dtype, 4, 3), "strided"),), desc="strided view")


_DECOMPOSITIONS = [
    OpInfo("qr", _rect_samples("some"), dtypes=LAPACK, fn=_qr_unique, tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones(3)),)), RuntimeError,
                  "linalg.qr: The input tensor A must have at least 2 dimensions."),)),
    OpInfo("svd", _rect_samples("some", (({"compute_uv": False}, "values only: zero U and V"),)),
           dtypes=LAPACK, fn=_svd_unique, tol=_LU_TOL, errors=(
               ErrorCase(Sample((T(np.ones(3)),)), RuntimeError,
                         "linalg.svd: input should have at least 2 dimensions, but has 1 dimensions instead"),)),
    OpInfo("pinverse", _pinverse_samples, dtypes=LAPACK, method="pinverse", tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones(3)),)), RuntimeError, "expected a tensor with 2 or more dimensions"),)),
]


# -- trace and cross ------------------------------------------------------------------------------


def _trace_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3, 3),), desc="square")
    yield Sample((v(3, 5),), desc="wide")
    yield Sample((v(0, 3),), desc="zero-size: 0")
    yield Sample((T(_v(rng, dtype, 4, 3), "strided"),), desc="strided view")
    yield Sample((T(_v(rng, dtype, 3, 1), "expanded", (3, 3)),), desc="expanded view")
    yield Sample((v(3),), desc="1-d: refused")
    if dtype in FLOATS:
        yield Sample((T(_edge_matrix(dtype)),), desc="inf, NaN, -0.0", grad=False)
    elif dtype in INTS:
        yield Sample((T(_edge_matrix(dtype)),), desc="integer extremes: summed in int64", grad=False)


def _cross_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(4, 3), v(4, 3)), {"dim": -1}, desc="dim=-1")
    yield Sample((v(3, 4), v(3, 4)), {"dim": 0}, desc="dim=0")
    yield Sample((v(3), v(3)), {"dim": 0}, desc="vectors")
    yield Sample((v(1, 3), v(4, 3)), {"dim": 1}, desc="broadcast")
    yield Sample((v(0, 3), v(0, 3)), {"dim": 1}, desc="zero-size")
    yield Sample((v(2, 3, 3), v(2, 3, 3)), desc="no dim: the first of size 3")
    yield Sample((T(_v(rng, dtype, 3, 3), "strided"), v(3, 3)), {"dim": 0}, desc="strided view")
    yield Sample((v(2, 2), v(2, 2)), {"dim": 1}, desc="size 2: refused")
    if dtype in FLOATS:
        yield Sample((T(_edge_matrix(dtype)), v(3, 3)), {"dim": 1}, desc="inf, NaN, -0.0", grad=False)


def _hyp_cross(draw: Any, dtype: str) -> Sample:
    rng = _seeded(draw)
    shape = [_dim(draw, 1, 3) for _ in range(_dim(draw, 0, 2))]
    at = _dim(draw, 0, len(shape))
    shape.insert(at, 3)
    return Sample((T(_v(rng, dtype, *shape)), T(_v(rng, dtype, *shape))), {"dim": at - len(shape)}, "drawn shape")


_TRACE_CROSS = [
    OpInfo("trace", _trace_samples, dtypes=(*FLOATS, *HALF, *INTS, *COMPLEX), method="trace", errors=(
        ErrorCase(Sample((T(np.ones(3)),)), RuntimeError, "trace: expected a matrix, but got tensor with dim 1"),)),
    OpInfo("cross", _cross_samples, dtypes=NUMERIC, method="cross", supports_out=True, hypothesis=_hyp_cross,
           errors=(
               ErrorCase(Sample((T(np.ones((2, 2))), T(np.ones((2, 2)))), {"dim": 1}), RuntimeError,
                         "linalg.cross: inputs dimension 1 must have length 3. Got 2 and 2"),
               ErrorCase(Sample((T(np.ones((2, 3))), T(np.ones((2, 3)))), {"dim": 2}), IndexError,
                         "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
           )),
]


# -- complex numbers ------------------------------------------------------------------------------


def _complex_edges() -> np.ndarray:
    re = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e30, 1.0])
    return re + 1j * re[::-1]


def _pointwise_complex(dtype: str, rng: np.random.Generator) -> Gen:
    """Samples of a pointwise op of one tensor of any dtype, complex ones included."""

    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3, 4),), desc="2-d")
    yield Sample((v(),), desc="0-d")
    yield Sample((v(2, 0, 3),), desc="zero-size")
    yield Sample((T(_v(rng, dtype, 3, 4), "strided"),), desc="strided view")
    yield Sample((T(_v(rng, dtype, 3, 1), "expanded", (3, 4)),), desc="expanded view")
    edges = _complex_edges() if dtype in COMPLEX else edge_values(dtype)
    yield Sample((T(edges),), desc="edge values", grad=False)


def _hyp_pointwise(draw: Any, dtype: str) -> Sample:
    rng = _seeded(draw)
    shape = [_dim(draw, 0, 5) for _ in range(_dim(draw, 0, 4))]
    return Sample((T(_v(rng, dtype, *shape)),), desc="drawn shape")


def _parts_samples(polar: bool = False) -> Any:
    """(real, imag) pairs, or (abs, angle) pairs with ``polar`` (abs >= 0 and finite angles: PyTorch leaves
    negative or NaN abs and infinite angles undefined), of a real dtype, broadcasting."""

    def gen(dtype: str, rng: np.random.Generator) -> Gen:
        def v(*s: int) -> T:
            return T(_v(rng, dtype, *s))

        def first(*s: int) -> T:
            return T(_v(rng, dtype, *s, low=0.0 if polar else -3.0))

        yield Sample((first(3, 4), v(3, 4)), desc="same shape")
        yield Sample((first(3, 1), v(4)), desc="broadcast")
        yield Sample((first(), v()), desc="0-d")
        yield Sample((first(0, 2), v(0, 2)), desc="zero-size")
        yield Sample((T(_v(rng, dtype, 3, 4, low=0.0), "strided"), v(3, 4)), desc="strided view")
        if polar:
            a = np.array([0.0, np.inf, 1e-30, 1e30, np.inf, 0.0, 2.0, 1.0])
            t = np.array([0.0, 0.0, 1e30, -0.0, np.pi, 3.0, -0.0, 1e-30])
            yield Sample((T(a), T(t)), desc="inf, huge and tiny abs; -0.0 and huge angles", grad=False)
        else:
            e = edge_values(dtype)
            yield Sample((T(e), T(e[::-1].copy())), desc="inf, NaN, -0.0", grad=False)
        yield Sample((v(2), v(3)), desc="shapes differ: refused")

    return gen


def _view_as_real_samples(dtype: str, rng: np.random.Generator) -> Gen:
    yield from _pointwise_complex(dtype, rng)


def _view_as_complex_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def v(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    yield Sample((v(3, 2),), desc="pairs")
    yield Sample((v(2, 3, 2),), desc="3-d")
    # zero-size through expand: torch.tensor() of an empty NumPy array gets strides (0, 0), which view_as_complex
    # refuses, a quirk of the conversion rather than of the op
    yield Sample((T(_v(rng, dtype, 1, 2), "expanded", (0, 2)),), desc="zero-size")
    yield Sample((v(2),), desc="one pair: 0-d result")
    yield Sample((T(_v(rng, dtype, 1, 2), "expanded", (3, 2)),), desc="expanded rows (stride 0)")
    yield Sample((T(_v(rng, dtype, 3, 2), "strided"),), desc="last dim stride 2: refused")
    yield Sample((v(3, 3),), desc="last dim 3: refused")
    yield Sample((T(edge_values(dtype)[:8].reshape(4, 2)),), desc="inf, NaN, -0.0", grad=False)


def _complex_view(name: str, method: str | None = None) -> OpInfo:
    return OpInfo(name, _pointwise_complex, dtypes=(*ALL, *HALF, *COMPLEX), method=method,
                  hypothesis=_hyp_pointwise)


#: NumPy, JAX and the array API have no half-precision complex dtype, so ember builds complex64 where PyTorch
#: builds complex32 (ComplexHalf)
_NO_COMPLEX32 = {f"{b}:float16": "no complex32 (ComplexHalf) in NumPy, JAX or the array API: ember builds complex64"
                 for b in ("numpy", "jax", "array_api_strict", "cupy")}

_COMPLEX_OPS = [
    _complex_view("real"),
    OpInfo("imag", _pointwise_complex, dtypes=COMPLEX, method=None, hypothesis=_hyp_pointwise, errors=(
        ErrorCase(Sample((T(np.ones(2)),)), RuntimeError,
                  "imag is not implemented for tensors with non-complex dtypes."),
    )),
    _complex_view("conj", "conj"),
    OpInfo("conj_physical", _pointwise_complex, dtypes=(*ALL, *HALF, *COMPLEX), method="conj_physical",
           inplace="conj_physical_", supports_out=True, aliases=("conj_physical_",), hypothesis=_hyp_pointwise),
    _complex_view("resolve_conj", "resolve_conj"),
    _complex_view("resolve_neg", "resolve_neg"),
    OpInfo("angle", _pointwise_complex, dtypes=(*ALL, *HALF, *COMPLEX), method="angle", supports_out=True,
           hypothesis=_hyp_pointwise, errors=(
               ErrorCase(Sample((T(np.ones(2)),), {"out": T(np.ones(0), dtype="int64")}), RuntimeError,
                         "result type Float can't be cast to the desired output type Long"),)),
    OpInfo("is_conj", _pointwise_complex, dtypes=(*ALL, *COMPLEX), method="is_conj", grad=False),
    OpInfo("is_neg", _pointwise_complex, dtypes=(*ALL, *COMPLEX), method="is_neg", grad=False),
    OpInfo("complex", _parts_samples(), dtypes=(*FLOATS, "float16"), supports_out=True, gaps=_NO_COMPLEX32, errors=(
        ErrorCase(Sample((T(np.ones(2), dtype="int64"), T(np.ones(2), dtype="int64"))), RuntimeError,
                  "Expected both inputs to be Half, Float or Double tensors but got Long and Long"),
        ErrorCase(Sample((T(np.ones(2)), T(np.ones(2), dtype="float64"))), RuntimeError,
                  "Expected object of scalar type Float but got scalar type Double for second argument"),
    )),
    OpInfo("polar", _parts_samples(polar=True), dtypes=FLOATS, supports_out=True, errors=(
        ErrorCase(Sample((T(np.ones(2), dtype="int64"), T(np.ones(2), dtype="int64"))), RuntimeError,
                  "Expected both inputs to be Half, Float or Double tensors but got Long and Long"),
        ErrorCase(Sample((T(np.ones(2)), T(np.ones(2), dtype="float64"))), RuntimeError,
                  "Expected object of scalar type Float but got scalar type Double for second argument"),
    )),
    OpInfo("view_as_real", _view_as_real_samples, dtypes=COMPLEX, errors=(
        ErrorCase(Sample((T(np.ones(2)),)), RuntimeError, "view_as_real is only supported for complex tensors"),)),
    OpInfo("view_as_complex", _view_as_complex_samples, dtypes=(*FLOATS, "float16"), gaps=_NO_COMPLEX32, errors=(
        ErrorCase(Sample((T(np.ones((2, 3))),)), RuntimeError, "Tensor must have a last dimension of size 2"),
        ErrorCase(Sample((T(np.ones((2, 2)), dtype="int64"),)), RuntimeError,
                  "view_as_complex is only supported for half, float and double tensors, but got a tensor of scalar "
                  "type: Long"),
        ErrorCase(Sample((T(1.0),)), RuntimeError, "Input tensor must have one or more dimensions"),
    )),
]


# -- windows and the short-time Fourier transform -------------------------------------------------


def _window_samples(*extra: tuple[tuple[Any, ...], str]) -> Any:
    """Samples of a window function: lengths 0, 1, 2 and more, periodic and symmetric."""

    def gen(dtype: str, rng: np.random.Generator) -> Gen:
        kw = {"dtype": DType(dtype), "device": Device()}
        # length 8 first, in both forms, then the trivial lengths: few shapes for JAX to compile
        for n, periodic in ((8, True), (8, False), (0, True), (1, False)):
            yield Sample((n, periodic), kw, desc=f"length {n}, periodic={periodic}")
        yield Sample((8,), {**kw, "requires_grad": True}, desc="requires_grad")
        for n, periodic in ((7, False), (2, True), (2, False)):
            yield Sample((n, periodic), kw, desc=f"length {n}, periodic={periodic}")
        for args, desc in extra:
            yield Sample(args, kw, desc=desc)

    return gen


#: PyTorch evaluates a window step by step in the half dtype itself (arange, scale, cos, each rounded); ember
#: evaluates it in float64 and rounds once, so they differ by a few half ulps (up to 2.5% in bfloat16)
_WINDOW_TOL = {"float16": (1e-2, 1e-3), "bfloat16": (4e-2, 1e-2)}


def _window(name: str, *extra: tuple[tuple[Any, ...], str]) -> OpInfo:
    return OpInfo(name, _window_samples(*extra), dtypes=(*FLOATS, *HALF), grad=False, tol=_WINDOW_TOL, errors=(
        ErrorCase(Sample((-1,)), RuntimeError, f"{name} requires non-negative window_length, got window_length=-1"),
        ErrorCase(Sample((3,), {"dtype": DType("int64")}), RuntimeError, f"{name} expects floating point dtypes"),
        ErrorCase(Sample((3,), {"dtype": DType("complex64")}), NotImplementedError,
                  "not implemented for 'ComplexFloat'"),
    ))


def _hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def _stft_samples(dtype: str, rng: np.random.Generator) -> Gen:
    def sig(*s: int) -> T:
        return T(_v(rng, dtype, *s))

    # NOTE: the first five samples (all JAX runs) share the signal's and the window's shapes where they can: each
    # new shape compiles some thirty kernels there
    rc = {"return_complex": True}
    hann = {**rc, "window": T(_hann(8))}
    yield Sample((sig(20), 8), hann, desc="Hann window, centred, reflect padding")
    yield Sample((sig(20), 8), {**hann, "pad_mode": "constant", "normalized": True},
                 desc="constant padding, normalized")
    yield Sample((sig(20), 8), {**hann, "onesided": False}, desc="two-sided")
    yield Sample((T(_v(rng, _cplx(dtype), 20), dtype=_cplx(dtype)), 8), {"window": T(_hann(8))},
                 desc="complex signal: two-sided by default")
    yield Sample((sig(2, 20), 8), {**rc, "hop_length": 3, "win_length": 6, "window": T(_hann(6))},
                 desc="batch of signals, window shorter than n_fft")
    yield Sample((sig(20), 6), {**rc, "center": False}, desc="not centred, rectangular window")
    yield Sample((T(_v(rng, dtype, 20), "strided"), 8), rc, desc="strided signal")
    yield Sample((sig(16), 8), desc="real signal without return_complex: refused")
    yield Sample((sig(16), 32), rc, desc="n_fft beyond the padded signal: refused")


def _istft_samples(dtype: str, rng: np.random.Generator) -> Gen:
    cd = _cplx(dtype)

    def spec(*s: int) -> T:
        return T(_v(rng, cd, *s), dtype=cd)

    # one spectrogram shape for the first samples (see _stft_samples)
    hann = {"window": T(_hann(8))}
    yield Sample((spec(5, 11), 8), hann, desc="onesided spectrogram, Hann window")
    yield Sample((spec(5, 11), 8), {**hann, "normalized": True}, desc="normalized")
    yield Sample((spec(5, 11), 8), {**hann, "length": 18}, desc="trimmed to length")
    yield Sample((spec(5, 11), 8), {**hann, "length": 40}, desc="length beyond the frames: zero-padded")
    yield Sample((spec(8, 11), 8), {**hann, "onesided": False, "return_complex": True},
                 desc="two-sided, complex output")
    yield Sample((spec(5, 11), 8), {"center": False}, desc="not centred, rectangular window")
    yield Sample((spec(2, 5, 11), 8), {**hann, "hop_length": 4}, desc="batch, hop 4")
    yield Sample((spec(5, 3), 8), {"window": T(np.zeros(8))}, desc="zero window breaks NOLA: refused")
    yield Sample((T(_v(rng, dtype, 5, 3)), 8), desc="real input: refused")


_SPECTRAL = [
    _window("hann_window"),
    _window("hamming_window", ((6, True, 0.5), "alpha=0.5"), ((6, False, 0.6, 0.3), "alpha and beta")),
    _window("blackman_window"),
    _window("bartlett_window"),
    _window("kaiser_window", ((6, False, 5.0), "beta=5"), ((6, True, 0.0), "beta=0: rectangular")),
    OpInfo("stft", _stft_samples, dtypes=FLOATS, method="stft", tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones(16)), 8)), RuntimeError, "stft requires the return_complex parameter be given"),
        ErrorCase(Sample((T(np.ones(16)), 8), {"hop_length": 0, "return_complex": True}), RuntimeError,
                  "expected hop_length > 0, but got hop_length=0"),
        ErrorCase(Sample((T(np.ones(16)), 8), {"win_length": 9, "return_complex": True}), RuntimeError,
                  "expected 0 < win_length <= n_fft, but got win_length=9"),
        ErrorCase(Sample((T(np.ones((2, 2, 16))), 8), {"return_complex": True}), RuntimeError,
                  "expected a 1D or 2D tensor"),
        ErrorCase(Sample((T(np.ones(16)), 8), {"window": T(np.ones(5)), "return_complex": True}), RuntimeError,
                  "expected a 1D window tensor of size equal to win_length=8, but got window with size [5]"),
    )),
    OpInfo("istft", _istft_samples, dtypes=FLOATS, method="istft", tol=_LU_TOL, errors=(
        ErrorCase(Sample((T(np.ones((5, 3))), 8)), RuntimeError,
                  "istft requires a complex-valued input tensor matching the output from stft with "
                  "return_complex=True"),
        ErrorCase(Sample((T(np.ones((5, 3)), dtype="complex64"), 8), {"window": T(np.zeros(8))}), RuntimeError,
                  "window overlap add min"),
        ErrorCase(Sample((T(np.ones((5, 3)), dtype="complex64"), 8), {"hop_length": 0}), RuntimeError,
                  "expected 0 < hop_length <= win_length"),
    )),
]


OPS: list[OpInfo] = [*_MATRIX_PRODUCTS, *_ADD_PRODUCTS, *_CONTRACTIONS, *_SQUARE, *_DECOMPOSITIONS, *_TRACE_CROSS,
                     *_COMPLEX_OPS, *_SPECTRAL]
