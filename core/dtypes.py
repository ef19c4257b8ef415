"""dtypes and PyTorch's type promotion.

A dtype is a small immutable object shared by every backend; backends map it to their own
native dtype by ``dtype.name`` (the array-API / NumPy spelling, e.g. "float32", "bfloat16").
"""

from __future__ import annotations

__all__ = [
    "dtype", "float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64",
    "uint8", "bool", "half", "float", "double", "long", "int", "short",
    "complex64", "complex128", "cfloat", "cdouble",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast",
]

import builtins

_builtin_bool = bool


class dtype:
    """A tensor element type, printed as ``ember.float32``."""

    __slots__ = ("name", "itemsize", "is_floating_point", "is_complex", "is_signed", "_category", "_rank")

    def __init__(self, name: str, itemsize: builtins.int, category: builtins.int, rank: builtins.int,
                 signed: _builtin_bool):
        self.name = name
        self.itemsize = itemsize
        # NOTE: category orders bool < integer < floating < complex, as PyTorch's promotion does.
        self._category = category
        self._rank = rank
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = signed

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self) -> str:
        # Pickle as the module attribute so identity (`x.dtype is ember.float32`) survives.
        return self.name

    def to_real(self) -> dtype:
        """The real dtype of a complex one (``complex64 -> float32``); other dtypes are returned as they are."""
        return _TO_REAL.get(self, self)

    def to_complex(self) -> dtype:
        """The complex dtype of a floating one (``float32 -> complex64``); complex dtypes are returned as they
        are. Raises for the dtypes PyTorch has no complex counterpart for here (integers, bool, bfloat16)."""
        if self.is_complex:
            return self
        c = _TO_COMPLEX.get(self)
        if c is None:
            raise RuntimeError(f"Unsupported dtype {_TYPE_NAMES.get(self.name, self.name)}")
        return c

    @property
    def bits(self) -> builtins.int:
        """Width of one element in bits."""
        return self.itemsize * 8


bool = dtype("bool", 1, 0, 0, False)  # noqa: A001 - PyTorch's public name
uint8 = dtype("uint8", 1, 1, 1, False)
int8 = dtype("int8", 1, 1, 1, True)
int16 = dtype("int16", 2, 1, 2, True)
int32 = dtype("int32", 4, 1, 3, True)
int64 = dtype("int64", 8, 1, 4, True)
float16 = dtype("float16", 2, 2, 1, True)
bfloat16 = dtype("bfloat16", 2, 2, 1, True)
float32 = dtype("float32", 4, 2, 2, True)
float64 = dtype("float64", 8, 2, 3, True)
# NOTE: the rank of a complex dtype is the rank of its real part, so float64 + complex64 -> complex128
complex64 = dtype("complex64", 8, 3, 2, True)
complex128 = dtype("complex128", 16, 3, 3, True)

half = float16
float = float32  # noqa: A001
double = float64
short = int16
int = int32  # noqa: A001
long = int64
cfloat = complex64
cdouble = complex128

all_dtypes = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128)
by_name: dict[str, dtype] = {d.name: d for d in all_dtypes}
by_name.update({"half": float16, "float": float32, "double": float64, "short": int16,
                "int": int32, "long": int64})
by_name.update({"cfloat": complex64, "cdouble": complex128})
floating_dtypes = (float16, bfloat16, float32, float64)
complex_dtypes = (complex64, complex128)
_TO_REAL = {complex64: float32, complex128: float64}
# NOTE: PyTorch maps float16 to complex32 (ComplexHalf), which ember does not have; complex64 stands in
_TO_COMPLEX = {float16: complex64, float32: complex64, float64: complex128}
_TYPE_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
               "complex64": "ComplexFloat", "complex128": "ComplexDouble", "bool": "Bool", "uint8": "Byte",
               "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long"}


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a.is_complex or b.is_complex:
        # complex with anything: complex, as wide as the wider real part (float64 + complex64 -> complex128)
        ra = a.to_real() if a._category >= 2 else float32
        rb = b.to_real() if b._category >= 2 else float32
        return complex128 if float64 in (ra, rb) else complex64
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == 2:
        if {a.name, b.name} == {"float16", "bfloat16"}:
            return float32
        return a if a._rank > b._rank else b
    # integers: mixing uint8 with a signed type needs a wider signed type
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a._rank > b._rank else b


_PROMOTE: dict[tuple[dtype, dtype], dtype] = {
    (a, b): _promote_pair(a, b) for a in all_dtypes for b in all_dtypes
}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """Return the smallest dtype both ``type1`` and ``type2`` can be cast to, as PyTorch does."""
    return _PROMOTE[(type1, type2)]


_default_dtype = float32


def get_default_dtype() -> dtype:
    """Return the default floating point dtype (initially ``ember.float32``)."""
    return _default_dtype


def set_default_dtype(d: dtype) -> None:
    """Set the default floating point dtype; only floating dtypes are accepted."""
    global _default_dtype
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d!r}")
    _default_dtype = d


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # Mirrors c10's combine_categories: a lower-priority operand only matters when its
    # category is higher than the higher-priority result's.
    if higher is None:
        return lower
    if lower is None or higher.is_complex:
        return higher
    if lower.is_complex:
        # a weaker complex operand keeps a floating operand's precision (float64 + 1j -> complex128)
        return _TO_COMPLEX[higher] if higher.is_floating_point and higher in _TO_COMPLEX else (
            lower if not higher.is_floating_point else complex64)
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return _PROMOTE[(higher, lower)]
    return higher


def scalar_dtype(value: object) -> dtype:
    """The dtype PyTorch gives a Python scalar when it takes part in promotion."""
    if isinstance(value, _builtin_bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.complex):
        return _TO_COMPLEX[_default_dtype] if _default_dtype in _TO_COMPLEX else complex64
    return _default_dtype


def result_type(*operands: object) -> dtype:
    """PyTorch's result dtype for operands (tensors, Python scalars), with weak scalars.

    Dimensioned tensors win over 0-d tensors, which win over Python scalars, unless a
    lower-priority operand is of a higher category (bool < int < float < complex).
    """
    dim_r: dtype | None = None
    zero_r: dtype | None = None
    wrap_r: dtype | None = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            if op.ndim:  # type: ignore[attr-defined]
                dim_r = d if dim_r is None else _PROMOTE[(dim_r, d)]
            else:
                zero_r = d if zero_r is None else _PROMOTE[(zero_r, d)]
        else:
            s = scalar_dtype(op)
            wrap_r = s if wrap_r is None else _PROMOTE[(wrap_r, s)]
    r = _combine(dim_r, _combine(zero_r, wrap_r))
    assert r is not None
    return r


def is_complex(input: object) -> _builtin_bool:
    """Whether ``input``'s dtype is a complex dtype (``torch.is_complex``)."""
    d = getattr(input, "dtype", None)
    if not isinstance(d, dtype):
        raise TypeError(f"is_complex(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return d.is_complex


def get_default_complex_dtype() -> dtype:
    """The complex dtype matching the default floating dtype (complex64 for float32, complex128 for float64)."""
    return _TO_COMPLEX.get(_default_dtype, complex64)


def can_cast(from_: dtype, to: dtype) -> _builtin_bool:
    """Whether PyTorch allows casting ``from_`` to ``to`` in an in-place op (no category lowering)."""
    return from_._category <= to._category
