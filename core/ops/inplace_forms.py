"""The top-level in-place forms PyTorch has (``torch.abs_(x)`` is ``x.abs_()``): each calls the Tensor method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from ._formula import _check_tensor


def _top_inplace(method: str) -> Callable[..., Tensor]:
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _check_tensor(input, method)
        return getattr(input, method)(*args, **kwargs)  # type: ignore[no-any-return]

    fn.__name__ = fn.__qualname__ = method
    fn.__doc__ = f"In-place ``{method[:-1]}`` of ``input`` (``input.{method}(...)``)."
    return fn


abs_ = _top_inplace("abs_")
acos_ = _top_inplace("acos_")
acosh_ = _top_inplace("acosh_")
arccos_ = _top_inplace("arccos_")
arccosh_ = _top_inplace("arccosh_")
arcsin_ = _top_inplace("arcsin_")
arcsinh_ = _top_inplace("arcsinh_")
arctan_ = _top_inplace("arctan_")
arctanh_ = _top_inplace("arctanh_")
asin_ = _top_inplace("asin_")
asinh_ = _top_inplace("asinh_")
atan_ = _top_inplace("atan_")
atanh_ = _top_inplace("atanh_")
ceil_ = _top_inplace("ceil_")
clamp_ = _top_inplace("clamp_")
clamp_max_ = _top_inplace("clamp_max_")
clamp_min_ = _top_inplace("clamp_min_")
clip_ = _top_inplace("clip_")
cos_ = _top_inplace("cos_")
cosh_ = _top_inplace("cosh_")
deg2rad_ = _top_inplace("deg2rad_")
erf_ = _top_inplace("erf_")
erfc_ = _top_inplace("erfc_")
exp2_ = _top_inplace("exp2_")
exp_ = _top_inplace("exp_")
expm1_ = _top_inplace("expm1_")
fill_ = _top_inplace("fill_")
fix_ = _top_inplace("fix_")
floor_ = _top_inplace("floor_")
frac_ = _top_inplace("frac_")
gcd_ = _top_inplace("gcd_")
i0_ = _top_inplace("i0_")
lcm_ = _top_inplace("lcm_")
ldexp_ = _top_inplace("ldexp_")
log10_ = _top_inplace("log10_")
log1p_ = _top_inplace("log1p_")
log2_ = _top_inplace("log2_")
log_ = _top_inplace("log_")
logit_ = _top_inplace("logit_")
nan_to_num_ = _top_inplace("nan_to_num_")
neg_ = _top_inplace("neg_")
negative_ = _top_inplace("negative_")
rad2deg_ = _top_inplace("rad2deg_")
reciprocal_ = _top_inplace("reciprocal_")
round_ = _top_inplace("round_")
rsqrt_ = _top_inplace("rsqrt_")
sigmoid_ = _top_inplace("sigmoid_")
sin_ = _top_inplace("sin_")
sinc_ = _top_inplace("sinc_")
sinh_ = _top_inplace("sinh_")
sqrt_ = _top_inplace("sqrt_")
square_ = _top_inplace("square_")
tan_ = _top_inplace("tan_")
tanh_ = _top_inplace("tanh_")
trunc_ = _top_inplace("trunc_")
xlogy_ = _top_inplace("xlogy_")
zero_ = _top_inplace("zero_")
conj_physical_ = _top_inplace("conj_physical_")
addmv_ = _top_inplace("addmv_")
