"""Matrix products: matmul (every rank), mm, bmm, dot, outer, einsum, with their backward."""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from ..amp._state import AUTOCAST, autocast_call
from ..autograd.graph import Node
from ..tensor import Tensor, _wrap
from ._dispatch import handle_out, needs_grad, prep, record, sum_to, type_name
from .elementwise import _quiet


class MmBackward0(Node):
    def __init__(self, a: Tensor, b: Tensor):
        self.save(a, b)

    def backward(self, g: Tensor) -> tuple[Any, Any]:
        a, b = self.saved_tensors
        assert a is not None and b is not None
        if a.dtype.is_complex:  # PyTorch's convention: grad_a = g @ b^H, grad_b = a^H @ g
            a, b = a.conj(), b.conj()  # type: ignore[attr-defined]
        if a._data.ndim == 1 and b._data.ndim == 1:
            return (g * b if self.needs_input_grad(0) else None), (g * a if self.needs_input_grad(1) else None)
        a2 = a.unsqueeze(0) if a._data.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b._data.ndim == 1 else b
        g2 = g
        if a._data.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b._data.ndim == 1:
            g2 = g2.unsqueeze(-1)
        ga = gb = None
        if self.needs_input_grad(0):
            ga = sum_to(matmul(g2, b2.transpose(-1, -2)), a2._data.shape).reshape(a._data.shape)
        if self.needs_input_grad(1):
            gb = sum_to(matmul(a2.transpose(-1, -2), g2), b2._data.shape).reshape(b._data.shape)
        return ga, gb


class DotBackward0(MmBackward0):
    pass


class MvBackward0(MmBackward0):
    pass


class BmmBackward0(MmBackward0):
    pass


class MatmulBackward0(MmBackward0):
    pass


def _node_for(na: int, nb: int) -> type[MmBackward0]:
    if na == 1 and nb == 1:
        return DotBackward0
    if na == 2 and nb == 2:
        return MmBackward0
    if na == 2 and nb == 1:
        return MvBackward0
    if na == 3 and nb == 3:
        return BmmBackward0
    return MatmulBackward0


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with NumPy/PyTorch broadcasting rules for every rank."""
    if AUTOCAST.on:
        return autocast_call("matmul", matmul, input, other, out=out)
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError("matmul(): argument 'other' must be Tensor")
    if (input.__class__ is not Tensor or other.__class__ is not Tensor) and (
            getattr(input, "is_sparse", False) or getattr(other, "is_sparse", False)):
        from ..sparse import mm as sparse_mm

        return sparse_mm(input, other)
    na, nb = input._data.ndim, other._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {na}D and {nb}D")
    be, dev, a, b, dt = prep(input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {type_name(input.dtype)} != "
                           f"{type_name(other.dtype)}")
    ka = input._data.shape[-1]
    kb = other._data.shape[-2] if nb > 1 else other._data.shape[0]
    if ka != kb:
        sa, sb = _mat_shape(input._data.shape), _mat_shape(other._data.shape)
        if na == 2 and nb == 1:
            raise RuntimeError(f"size mismatch, got input ({input._data.shape[0]}), mat ({sa}), vec ({kb})")
        if na == 3 and nb == 3:
            s1, s2 = input._data.shape, other._data.shape
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{s1[0]}, {s1[2]}] "
                               f"but got: [{s2[0]}, {s2[1]}].")
        if na == 1 and nb == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{ka}] and src [{kb}] to have the same "
                               "number of elements, but got " + f"{ka} and {kb} elements respectively")
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb})")
    try:
        data = be.matmul(a, b)
    except ValueError:
        raise RuntimeError(f"matmul: batch dimensions of {list(input._data.shape)} and {list(other._data.shape)} "
                           "cannot be broadcast") from None
    except RuntimeWarning:  # inf * 0, overflow under a caller's "error" filter: PyTorch is silent
        data = _quiet(be.matmul, a, b)
    r = _wrap(data, dt, dev)
    if needs_grad(input, other):
        record(r, _node_for(na, nb)(input, other), input, other)
    return handle_out(r, out) if out is not None else r


def _mat_shape(s: tuple[int, ...]) -> str:
    if len(s) == 1:
        return f"1x{s[0]}"
    rows = 1
    for d in s[:-1]:
        rows *= d
    return f"{rows}x{s[-1]}"


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Product of two 2-d matrices."""
    if AUTOCAST.on:
        return autocast_call("mm", mm, input, mat2, out=out)
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError("self must be a matrix" if input._data.ndim != 2 else "mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched product of two 3-d tensors."""
    if AUTOCAST.on:
        return autocast_call("bmm", bmm, input, mat2, out=out)
    if input._data.ndim != 3 or mat2._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor" if input._data.ndim != 3 else "batch2 must be a 3D tensor")
    if input._data.shape[0] != mat2._data.shape[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input._data.shape[0]}, "
                           f"{input._data.shape[2]}] but got: [{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    return matmul(input, mat2, out=out)


def mv(input: Tensor, vec: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix-vector product."""
    if AUTOCAST.on:
        return autocast_call("mv", mv, input, vec, out=out)
    if input._data.ndim != 2 or vec._data.ndim != 1:
        # PyTorch computes mv as addmv(self, mat, vec): the leading 1 is its (1-d) self
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}")
    return matmul(input, vec, out=out)


def dot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inner product of two 1-d tensors."""
    if AUTOCAST.on:
        return autocast_call("dot", dot, input, other, out=out)
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {type_name(input.dtype)} and "
                           f"{type_name(other.dtype)}")
    return matmul(input, other, out=out)


def vdot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Dot product of two 1-d tensors, conjugating the first when complex."""
    r = dot(input.conj() if input.dtype.is_complex else input, other)  # type: ignore[attr-defined]
    return handle_out(r, out) if out is not None else r


def inner(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Sum of products over the last dims of both tensors."""
    if AUTOCAST.on:
        return autocast_call("inner", inner, input, other, out=out)
    if input._data.ndim == 0 or other._data.ndim == 0:
        r = input * other
        return handle_out(r, out) if out is not None else r
    k = input._data.shape[-1]
    if other._data.shape[-1] != k:
        raise RuntimeError("inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input._data.shape)} and {list(other._data.shape)}")
    if input.dtype is not other.dtype:
        raise RuntimeError("both inputs should have same dtype")
    r = matmul(input.reshape(-1, k), other.reshape(-1, k).t())
    r = r.reshape(input._data.shape[:-1] + other._data.shape[:-1])
    return handle_out(r, out) if out is not None else r


def outer(input: Tensor, vec2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Outer product of two 1-d tensors (their dtypes promote, as for ``*``)."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    r = input.unsqueeze(1) * vec2.unsqueeze(0)
    return handle_out(r, out) if out is not None else r


ger = outer


class EinsumBackward(Node):
    def __init__(self, equation: str, operands: list[Tensor]):
        self.equation = equation
        self.save(*operands)

    def name(self) -> str:
        return "EinsumBackward0"

    def backward(self, g: Tensor) -> tuple[Any, ...]:
        ops = self.saved_tensors
        # complex operands: the product is multilinear, so the gradient uses the conjugates of the others
        ops = tuple(o.conj() if o is not None and o.dtype.is_complex else o for o in ops)  # type: ignore[attr-defined]
        ins, out = self.equation.split("->")
        terms = ins.split(",")
        grads: list[Tensor | None] = []
        for i, t in enumerate(ops):
            if not self.needs_input_grad(i):
                grads.append(None)
                continue
            others = [terms[j] for j in range(len(ops)) if j != i]
            # letters of term i missing from everything else were summed: restore by broadcasting
            present = set(out) | set("".join(others))
            keep = "".join(c for c in terms[i] if c in present)
            eq = ",".join([out, *others]) + "->" + keep
            gi = einsum(eq, g, *[ops[j] for j in range(len(ops)) if j != i])
            if keep != terms[i]:
                assert t is not None
                shape = [t._data.shape[terms[i].index(c)] for c in terms[i]]
                expand_idx = [keep.index(c) if c in keep else None for c in terms[i]]
                view_shape = [shape[j] if k is not None else 1 for j, k in enumerate(expand_idx)]
                gi = _align(gi, keep, terms[i]).reshape(view_shape).expand(*shape)
            else:
                gi = _align(gi, keep, terms[i])
            grads.append(gi)
        return tuple(grads)


def _align(g: Tensor, have: str, want: str) -> Tensor:
    """Permute ``g`` (labelled ``have``) into the order of ``want``'s letters it holds."""
    order = [have.index(c) for c in want if c in have]
    return g.permute(*order) if order != list(range(len(order))) else g


def _expand_ellipsis(eq: str, ndims: list[int]) -> str:
    """Rewrite ``...`` as explicit letters so every term names each of its dims."""
    if "..." not in eq:
        return eq
    ins, arrow, out = eq.partition("->")
    terms = ins.split(",")
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
    n_ell = max(nd - (len(t) - 3) for t, nd in zip(terms, ndims) if "..." in t)
    ell = "".join(free[:n_ell])
    new_terms = []
    for t, nd in zip(terms, ndims):
        if "..." in t:
            k = nd - (len(t) - 3)
            t = t.replace("...", ell[n_ell - k:])
        new_terms.append(t)
    if arrow:
        out = out.replace("...", ell)
    else:
        joined = "".join(new_terms)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    return ",".join(new_terms) + "->" + out


def _split_repeated(eq: str, ts: list[Tensor]) -> str:
    """Rewrite a subscript repeated inside one operand ('ii->i') with a fresh letter tied to the
    first by an identity-matrix operand, so the backward needs no diagonal special case."""
    ins, out = eq.split("->")
    terms = ins.split(",")
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in eq]
    from .creation import eye

    for i, t in enumerate(list(terms)):
        seen: set[str] = set()
        new = ""
        for pos, c in enumerate(t):
            if c in seen:
                f = free.pop(0)
                n = ts[i]._data.shape[pos]
                terms.append(c + f)
                ts.append(eye(n, dtype=ts[i].dtype, device=ts[i].device))
                c = f
            seen.add(c)
            new += c
        terms[i] = new
    return ",".join(terms) + "->" + out


def _check_einsum(eq: str, operands: tuple[Any, ...]) -> None:
    """Refuse a malformed equation with PyTorch's errors (NumPy's would be ValueErrors in other words)."""
    ins, arrow, out = eq.partition("->")
    terms = ins.split(",")
    if len(operands) < len(terms):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(operands) > len(terms):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for i, c in enumerate(eq):
        if not (c.isascii() and c.isalpha()) and c not in ",.->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, subscripts "
                               "must be in [a-zA-Z]")
    sizes: dict[str, int] = {}
    for i, (term, t) in enumerate(zip(terms, operands)):
        nd = t._data.ndim
        letters = term.replace("...", "")
        if "..." not in term and len(letters) != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) does not match "
                               f"the number of dimensions ({nd}) for operand {i} and no ellipsis was given")
        if len(letters) > nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(letters)}) is more than the "
                               f"number of dimensions ({nd}) for operand {i}")
        head = term.split("...")[0]
        dims = list(range(len(head))) + list(range(nd - (len(letters) - len(head)), nd))
        for c, d in zip(letters, dims):
            size, seen = t._data.shape[d], sizes.setdefault(c, t._data.shape[d])
            if size != seen and 1 not in (size, seen):
                raise RuntimeError(f"einsum(): subscript {c} has size {size} for operand {i} which does not broadcast "
                                   f"with previously seen size {seen}")
            sizes[c] = size if seen == 1 else seen
    if arrow:
        for c in out.replace("...", ""):
            if c not in sizes:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input "
                                   "operand")
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")


def _sums_alone(eq: str) -> bool:
    """Whether some subscript of ``eq`` (explicit, ``"ij,jk->ik"``) is in one operand only and not in the output."""
    ins, out = eq.split("->")
    terms = ins.split(",")
    return any(c not in out and not any(c in u for j, u in enumerate(terms) if j != i)
               for i, t in enumerate(terms) for c in t)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation over explicit single-letter subscripts (``'ij,jk->ik'``)."""
    if AUTOCAST.on:
        return autocast_call("einsum", einsum, equation, *operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    _check_einsum(equation.replace(" ", ""), operands)
    eq = _expand_ellipsis(equation.replace(" ", ""), [t._data.ndim for t in operands])
    if "->" not in eq:
        ins = eq.split(",")
        letters = sorted(c for c in set("".join(ins)) if "".join(ins).count(c) == 1)
        eq = eq + "->" + "".join(letters)
    ts = list(operands)
    dt = ts[0].dtype
    for t in ts[1:]:
        dt = _dt.promote_types(dt, t.dtype)
    if not (dt.is_floating_point or dt.is_complex) and _sums_alone(eq):
        # PyTorch first sums away the subscripts only one operand has, with sum()'s promotion to int64
        dt = _dt.int64
    eq = _split_repeated(eq, ts)
    be = ts[0]._device._be
    # NOTE: half-precision products accumulate in float32 and round once, as PyTorch's CPU kernels do
    # (summing in float16 loses several ulps; NumPy's einsum has no bfloat16 loop at all)
    work = _dt.float32 if dt in (_dt.float16, _dt.bfloat16) else dt
    arrays = [t._data if t.dtype is work else be.astype(t._data, work) for t in ts]
    try:
        data = be.einsum(eq, *arrays)
    except RuntimeWarning:  # inf * 0, overflow under a caller's "error" filter: PyTorch is silent
        data = _quiet(be.einsum, eq, *arrays)
    r = _wrap(data if work is dt else be.astype(data, dt), dt, ts[0]._device)
    if needs_grad(*ts):
        record(r, EinsumBackward(eq, ts), *ts)
    return r
