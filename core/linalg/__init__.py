"""``ember.linalg``: PyTorch's ``torch.linalg`` (decompositions, solvers, norms, products) with autograd.

Decompositions run on the backend's optional ``linalg_*`` kernels (see :mod:`ember.backend`); the rest
are composites of them and of Tensor ops, so they batch over leading dims and differentiate.
"""

from __future__ import annotations

from ..ops.linalg import matmul, outer
from ._common import LinAlgError
from ._eig import eig, eigvals
from ._lu import lu, lu_factor, lu_factor_ex, lu_solve
from ._decomp import cholesky, cholesky_ex, det, inv, inv_ex, slogdet, solve, solve_ex, solve_triangular
from ._spectral import eigh, eigvalsh, qr, svd, svdvals
from ._derived import (
    cond, cross, diagonal, householder_product, lstsq, matrix_exp, matrix_norm, matrix_power, matrix_rank,
    multi_dot, norm, pinv, tensorinv, tensorsolve, vander, vecdot, vector_norm,
)

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
    "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq",
    "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm",
    "matrix_power", "matrix_rank", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm",
]

