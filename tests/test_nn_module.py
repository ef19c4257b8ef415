"""``nn.Module``, ``nn.Parameter`` and the containers: registration, iteration order and dedup,
state_dict round trips and PyTorch's error messages, hooks, modes, dtype conversion, ``apply`` and
printing. The same structures are built in PyTorch (when installed) and compared with it.
"""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import ember
import ember.nn as nn

try:
    import torch
except ImportError:  # pragma: no cover - machines without the oracle extra
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the oracle extra) is not installed")


def both(build: Any) -> tuple[Any, Any]:
    """``build(nn_namespace, lib)`` run once with ember and once with torch."""
    return build(nn, ember), build(torch.nn, torch)


def host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy(force=True) if isinstance(t, ember.Tensor) else t.detach().numpy())


class Leaf(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(ember.ones(2, 3))
        self.register_buffer("running", ember.zeros(3))
        self.register_buffer("scratch", ember.zeros(1), persistent=False)

    def forward(self, x: Any) -> Any:
        return x @ self.w.t() if x.shape[-1] == 3 else x


# -- registration ----------------------------------------------------------------------------------

def test_setattr_routes_parameters_buffers_and_modules() -> None:
    m = Leaf()
    m.child = nn.Linear(3, 2)
    m.plain = 5
    assert list(m._parameters) == ["w"]
    assert list(m._buffers) == ["running", "scratch"]
    assert list(m._modules) == ["child"]
    assert m.__dict__["plain"] == 5 and "w" not in m.__dict__
    assert isinstance(m.w, nn.Parameter) and m.w.requires_grad
    # a plain tensor assigned to a buffer name stays a buffer; None is allowed for each kind
    m.running = ember.ones(3)
    assert m._buffers["running"].tolist() == [1.0, 1.0, 1.0]
    m.w = None
    m.child = None
    assert m.w is None and m.child is None and "w" in m._parameters and "child" in m._modules
    # re-assigning a name as another kind moves it
    m.running = nn.Parameter(ember.zeros(3))
    assert "running" in m._parameters and "running" not in m._buffers


def test_registration_errors_match_pytorch() -> None:
    m = Leaf()
    msg = r"cannot assign 'ember.FloatTensor' as parameter 'w' \(ember.nn.Parameter or None expected\)"
    with pytest.raises(TypeError, match=msg):
        m.w = ember.zeros(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'int' as child module"):
        m.sub = nn.Linear(1, 1)
        m.sub = 3
    with pytest.raises(TypeError, match="cannot assign 'str' as buffer 'running'"):
        m.running = "x"
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", ember.zeros(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_parameter("", None)
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.register_buffer("forward", ember.zeros(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot assign 'ember.FloatTensor' object to parameter 'p'"):
        m.register_parameter("p", ember.zeros(1))  # type: ignore[arg-type]

    class Early(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(ember.zeros(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()
    with pytest.raises(AttributeError, match="'Leaf' object has no attribute 'nope'"):
        _ = m.nope


def test_delattr_and_dir() -> None:
    m = Leaf()
    m.child = nn.Linear(1, 1)
    assert {"w", "running", "child", "forward"} <= set(dir(m))
    del m.w, m.running, m.child
    assert not m._parameters and "running" not in m._buffers and not m._modules
    with pytest.raises(AttributeError):
        del m.nothing


def test_parameter_shares_memory_and_is_a_leaf() -> None:
    base = ember.zeros(3)
    p = nn.Parameter(base)
    assert isinstance(p, ember.Tensor) and p.is_leaf and p.requires_grad
    base.add_(1)
    assert p.tolist() == [1.0, 1.0, 1.0]
    assert nn.Parameter(base, requires_grad=False).requires_grad is False
    assert nn.Parameter().shape == (0,)
    q = nn.Parameter(ember.ones(2, requires_grad=True) * 3)
    assert q.is_leaf and q.grad_fn is None
    with pytest.raises(TypeError):
        nn.Parameter([1.0])  # type: ignore[arg-type]


def test_parameter_deepcopy_and_pickle() -> None:
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter and q.requires_grad and q.tolist() == [1.0, 2.0]
        q.data.add_(1)  # type: ignore[attr-defined]
        assert p.tolist() == [1.0, 2.0]
    m = nn.Sequential(nn.Linear(2, 2))
    m2 = copy.deepcopy(m)
    assert isinstance(m2[0].weight, nn.Parameter) and m2[0].weight is not m[0].weight
    np.testing.assert_array_equal(host(m2[0].weight), host(m[0].weight))


@needs_torch
def test_parameter_repr_matches_pytorch() -> None:
    e = nn.Parameter(ember.tensor([[1.0, 2.5], [3.0, 4.0]]))
    t = torch.nn.Parameter(torch.tensor([[1.0, 2.5], [3.0, 4.0]]))
    assert repr(e) == repr(t)
    e = nn.Parameter(ember.tensor([1, 2]), requires_grad=False)
    t = torch.nn.Parameter(torch.tensor([1, 2]), requires_grad=False)
    assert repr(e) == repr(t)


# -- iteration ---------------------------------------------------------------------------------------

def _shared(nn_: Any, lib: Any) -> Any:
    lin = nn_.Linear(2, 2)
    model = nn_.Sequential(lin, nn_.ReLU(), lin, nn_.Sequential(nn_.Linear(2, 3), lin))
    model.extra = nn_.Parameter(lib.zeros(1))
    model.tied = lin.weight  # a parameter registered twice under two names
    model.register_buffer("buf", lib.zeros(1))
    model[3].register_buffer("inner", lib.zeros(2))
    return model


@needs_torch
@pytest.mark.parametrize("remove_duplicate", [True, False])
def test_named_members_order_and_dedup_match_pytorch(remove_duplicate: bool) -> None:
    e, t = both(_shared)
    for fn in ("named_parameters", "named_buffers"):
        got = [n for n, _ in getattr(e, fn)(remove_duplicate=remove_duplicate)]
        want = [n for n, _ in getattr(t, fn)(remove_duplicate=remove_duplicate)]
        assert got == want
        got = [n for n, _ in getattr(e, fn)(prefix="model", recurse=False)]
        assert got == [n for n, _ in getattr(t, fn)(prefix="model", recurse=False)]
    got = [n for n, _ in e.named_modules(remove_duplicate=remove_duplicate)]
    assert got == [n for n, _ in t.named_modules(remove_duplicate=remove_duplicate)]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert len(list(e.modules())) == len(list(t.modules()))
    assert len(list(e.children())) == len(list(t.children()))


def test_shared_parameter_yielded_once() -> None:
    e = _shared(nn, ember)
    params = list(e.parameters())
    assert len(params) == len({id(p) for p in params}) == 5
    assert sum(1 for _ in e.named_parameters(remove_duplicate=False)) == 10


def test_get_submodule_parameter_buffer() -> None:
    e = _shared(nn, ember)
    assert e.get_submodule("3.0") is e[3][0]
    assert e.get_parameter("3.0.bias") is e[3][0].bias
    assert e.get_buffer("3.inner") is e[3].inner
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        e.get_submodule("3.nope")
    with pytest.raises(AttributeError, match="is not a buffer"):
        e.get_buffer("extra")


# -- state_dict --------------------------------------------------------------------------------------

def _net(nn_: Any, lib: Any) -> Any:
    class Net(nn_.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn_.Sequential(nn_.Linear(3, 4), nn_.ReLU(), nn_.Linear(4, 2, bias=False))
            self.heads = nn_.ModuleList([nn_.Linear(2, 1), nn_.Linear(2, 1)])
            self.scale = nn_.Parameter(lib.ones(1))
            self.register_buffer("count", lib.zeros((), dtype=lib.int64))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.register_buffer("absent", None)
            self.register_parameter("nobias", None)

        def forward(self, x: Any) -> Any:
            h = self.body(x) * self.scale
            return sum(head(h) for head in self.heads)

    return Net()


@needs_torch
def test_state_dict_keys_match_pytorch() -> None:
    e, t = both(_net)
    sd = e.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == list(t.state_dict())
    assert "cache" not in sd and "absent" not in sd
    assert list(e.state_dict(prefix="m.")) == ["m." + k for k in sd]


def test_state_dict_detached_views_and_keep_vars() -> None:
    e = _net(nn, ember)
    sd = e.state_dict()
    w = sd["body.0.weight"]
    assert type(w) is ember.Tensor and not w.requires_grad
    w.zero_()  # shares memory with the parameter, as in PyTorch
    assert float(e.body[0].weight.abs().sum()) == 0.0
    kv = e.state_dict(keep_vars=True)
    assert kv["body.0.weight"] is e.body[0].weight
    dest: dict[str, Any] = {}
    assert e.state_dict(destination=dest) is dest and list(dest) == list(sd)


def test_state_dict_round_trip() -> None:
    ember.manual_seed(0)
    a = _net(nn, ember)
    a.count.fill_(7)
    b = _net(nn, ember)
    opt_ref = b.body[0].weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert b.body[0].weight is opt_ref  # copied in place, not replaced
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb
        np.testing.assert_array_equal(host(va), host(vb))
    x = ember.randn(5, 3)
    np.testing.assert_array_equal(host(a(x)), host(b(x)))


@needs_torch
def test_load_state_dict_strict_errors_match_pytorch() -> None:
    e, t = both(_net)
    esd, tsd = e.state_dict(), t.state_dict()
    for sd in (esd, tsd):
        del sd["body.0.bias"]
        sd["body.9.weight"] = sd["scale"]
        sd["bogus"] = sd["scale"]
    with pytest.raises(RuntimeError) as ee:
        e.load_state_dict(esd)
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict(tsd)
    assert str(ee.value) == str(te.value)
    assert str(ee.value).startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s) in "
                                    'state_dict: "body.0.bias". \n\tUnexpected key(s) in state_dict: ')
    got, want = e.load_state_dict(esd, strict=False), t.load_state_dict(tsd, strict=False)
    assert got.missing_keys == want.missing_keys and got.unexpected_keys == want.unexpected_keys
    assert repr(got) == repr(want)


@needs_torch
def test_load_state_dict_size_mismatch_matches_pytorch() -> None:
    e, t = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    with pytest.raises(RuntimeError) as ee:
        e.load_state_dict({"weight": ember.zeros(3, 2).t(), "bias": ember.zeros(3)})
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict({"weight": torch.zeros(3, 2).t(), "bias": torch.zeros(3)})
    assert str(ee.value) == str(te.value).replace("torch.", "ember.")
    want = "Error(s) in loading state_dict for Linear:\n\tsize mismatch for weight: "
    assert str(ee.value).startswith(want)
    # shape errors are reported even with strict=False
    with pytest.raises(RuntimeError, match="size mismatch for bias"):
        e.load_state_dict({"bias": ember.zeros(4)}, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        e.load_state_dict([1, 2])  # type: ignore[arg-type]


def test_load_state_dict_casts_and_checks_types() -> None:
    m = nn.Linear(2, 1)
    w64 = ember.tensor([[1.0, 2.0]], dtype=ember.float64)
    m.load_state_dict({"weight": w64, "bias": ember.tensor([3.0])})
    assert m.weight.dtype == ember.float32 and m.weight.tolist() == [[1.0, 2.0]]
    with pytest.raises(RuntimeError, match='While copying the parameter named "bias", expected ember.Tensor'):
        m.load_state_dict({"weight": ember.zeros(1, 2), "bias": [0.0]})


def test_load_state_dict_assign() -> None:
    m = nn.Linear(2, 1)
    w = ember.ones(1, 2)
    m.load_state_dict({"weight": w, "bias": ember.zeros(1)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    w.add_(1)  # the module adopted the state_dict's storage
    assert m.weight.tolist() == [[2.0, 2.0]]


# -- calling and hooks -------------------------------------------------------------------------------

def test_forward_hooks() -> None:
    m = nn.Identity()
    calls: list[str] = []

    def pre(mod: Any, args: tuple[Any, ...]) -> Any:
        calls.append("pre")
        return args[0] + 1  # a single value is wrapped into a tuple

    def pre_first(mod: Any, args: tuple[Any, ...]) -> None:
        calls.append("pre_first")

    def post(mod: Any, args: tuple[Any, ...], out: Any) -> Any:
        calls.append("post")
        return out * 10

    def post_kw(mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
        calls.append(f"post_kw{sorted(kwargs)}")

    h1 = m.register_forward_pre_hook(pre)
    h0 = m.register_forward_pre_hook(pre_first, prepend=True)
    h2 = m.register_forward_hook(post)
    h3 = m.register_forward_hook(post_kw, with_kwargs=True)
    assert m(ember.tensor(1.0)).item() == 20.0
    assert calls == ["pre_first", "pre", "post", "post_kw[]"]
    for h in (h0, h1, h2, h3):
        h.remove()
    h.remove()  # removing twice is a no-op
    calls.clear()
    assert m(ember.tensor(1.0)).item() == 1.0 and calls == []


def test_pre_hook_with_kwargs_and_always_call() -> None:
    class Add(nn.Module):
        def forward(self, x: Any, *, y: Any = 0) -> Any:
            if y == "boom":
                raise ValueError("boom")
            return x + y

    m = Add()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"y": kwargs.get("y", 0) + 5}),
                                with_kwargs=True)
    assert m(1) == 6 and m(1, y=1) == 7
    seen: list[Any] = []
    with m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True):
        m2 = Add()
        m2.register_forward_hook(lambda mod, args, out: seen.append(("always", out)), always_call=True)
        with pytest.raises(ValueError, match="boom"):
            m2(1, y="boom")
    assert seen == [("always", None)]
    assert not m._forward_hooks  # the handle removed its hook on exit


def test_forward_unimplemented() -> None:
    msg = r'Module \[Module\] is missing the required "forward" function'
    with pytest.raises(NotImplementedError, match=msg):
        nn.Module()(1)


def test_train_eval_propagate() -> None:
    e = _net(nn, ember)
    assert all(m.training for m in e.modules())
    assert e.eval() is e and not any(m.training for m in e.modules())
    e.body.train()
    assert e.body[0].training and not e.training and not e.heads[0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        e.train("yes")  # type: ignore[arg-type]


def test_zero_grad_and_requires_grad_() -> None:
    m = nn.Linear(3, 2)
    m(ember.ones(1, 3)).sum().backward()
    assert m.weight.grad is not None
    g = m.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is g and float(g.abs().sum()) == 0.0
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    assert m.requires_grad_(False) is m and not any(p.requires_grad for p in m.parameters())


# -- conversion --------------------------------------------------------------------------------------

def test_to_dtype_keeps_parameter_objects_and_moves_grads() -> None:
    m = _net(nn, ember)
    m(ember.ones(2, 3)).sum().backward()
    params = list(m.parameters())
    before = [host(p).astype(np.float64) for p in params]
    assert m.to(ember.float64) is m
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]  # optimizers stay valid
    for p, b in zip(params, before):
        assert p.dtype == ember.float64 and p.grad.dtype == ember.float64 and p.requires_grad
        np.testing.assert_array_equal(host(p), b)
    assert m.count.dtype == ember.int64  # integer buffers are never cast
    assert m.cache.dtype == ember.float64
    m(ember.ones(2, 3, dtype=ember.float64)).sum().backward()  # still trains after the cast
    m.float()
    assert m.body[0].weight.dtype == ember.float32
    m.half()
    assert m.body[0].weight.dtype == ember.float16 and m.count.dtype == ember.int64
    m.double()
    assert m.scale.dtype == ember.float64
    m.to(ember.zeros(1, dtype=ember.float32))
    assert m.scale.dtype == ember.float32
    m.to("cpu", ember.float64)
    assert m.scale.dtype == ember.float64 and m.scale.device.type == "cpu"
    m.to(device="cpu", dtype=ember.float32).cpu()
    assert m.scale.dtype == ember.float32
    m.type(ember.float64)
    assert m.count.dtype == ember.float64  # type() casts everything, as in PyTorch


def test_to_integer_dtype_raises_like_pytorch() -> None:
    msg = r"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=ember.int64"
    with pytest.raises(TypeError, match=msg):
        nn.Linear(1, 1).to(ember.int64)


def test_to_other_device_in_place() -> None:
    from ember import plugins

    registered = plugins.registered_backends()
    check = getattr(plugins, "unavailable_reason", lambda be: None)
    others = [d for d in ("cuda", "jax") if d in registered and check(registered[d]) is None]
    if not others:
        pytest.skip("no non-CPU backend available on this machine")
    for dev in others:
        m = nn.Linear(3, 2)
        w = m.weight
        ref = host(w)
        m.to(dev)
        assert m.weight is w and w.device.type == dev
        np.testing.assert_array_equal(host(w), ref)
        m(ember.ones(1, 3, device=dev)).sum().backward()
        assert w.grad.device.type == dev
        m.cpu()
        assert w.device.type == "cpu" and w.grad.device.type == "cpu"
        # state_dicts cross devices: a CPU state_dict loads into a model on the other device
        on_dev = nn.Linear(3, 2).to(dev)
        on_dev.load_state_dict(m.state_dict())
        assert on_dev.weight.device.type == dev
        np.testing.assert_array_equal(host(on_dev.weight), ref)
        m.load_state_dict(on_dev.state_dict())
        assert m.weight.device.type == "cpu"


@needs_torch
def test_apply_order_matches_pytorch() -> None:
    e, t = both(_net)
    seen_e: list[str] = []
    seen_t: list[str] = []
    assert e.apply(lambda m: seen_e.append(type(m).__name__)) is e
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_e == seen_t


# -- containers --------------------------------------------------------------------------------------

def test_sequential_indexing_and_editing() -> None:
    a, b, c = nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    assert isinstance(s[1:], nn.Sequential) and list(s[1:]) == [b, c]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    s[1] = nn.Tanh()
    assert isinstance(s[1], nn.Tanh)
    del s[0]
    assert list(s._modules) == ["0", "1"] and s[0] is not a
    s.append(a).insert(0, b).extend([nn.Identity()])
    assert [type(m).__name__ for m in s] == ["ReLU", "Tanh", "Linear", "Linear", "Identity"]
    assert s.pop(-1).__class__ is nn.Identity and len(s) == 4
    assert len(s + nn.Sequential(a)) == 5 and len(s * 2) == 8
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(named._modules) == ["fc", "act"] and named.fc is named[0]
    out = nn.Sequential(nn.Linear(1, 1), nn.ReLU())(ember.ones(4, 1))
    assert out.shape == (4, 1)


def test_module_list_and_dict() -> None:
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml += [nn.ReLU()]
    ml.append(nn.Tanh()).extend([nn.Identity()])
    ml.insert(0, nn.Sigmoid())
    assert len(ml) == 7 and isinstance(ml[0], nn.Sigmoid) and isinstance(ml[-1], nn.Identity)
    assert len(ml[1:3]) == 2 and len(list(ml.parameters())) == 6
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(6)]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        ml.extend(nn.ReLU())  # type: ignore[arg-type]
    md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 1)})
    md["c"] = nn.Tanh()
    assert list(md) == ["b", "a", "c"] and "a" in md and len(md) == 3
    assert list(md.keys()) == ["b", "a", "c"] and isinstance(md.pop("b"), nn.ReLU)
    md.update([("d", nn.Identity())])
    assert list(md) == ["a", "c", "d"]
    md.clear()
    assert len(md) == 0


def test_parameter_list_and_dict() -> None:
    pl = nn.ParameterList([ember.zeros(2), nn.Parameter(ember.ones(3))])
    pl.append(ember.ones(1))
    assert len(pl) == 3 and all(isinstance(p, nn.Parameter) for p in pl)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert len(pl[1:]) == 2
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        pl()
    pd = nn.ParameterDict({"b": ember.zeros(1), "a": ember.ones(1)})  # a plain dict is sorted, as in PyTorch
    assert list(pd) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    pd["c"] = ember.zeros(2)
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "c"]
    assert pd.pop("b").shape == (1,) and "b" not in pd
    assert pd.get("zz", 3) == 3 and len(pd | nn.ParameterDict({"z": ember.zeros(1)})) == 3
    with pytest.raises(TypeError, match="not a string"):
        pd[1]  # type: ignore[index]


# -- printing ----------------------------------------------------------------------------------------

def _printed(nn_: Any, lib: Any) -> Any:
    class Block(nn_.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn_.Linear(4, 4)
            self.acts = nn_.ModuleList([nn_.ReLU(), nn_.ReLU(), nn_.Tanh(), nn_.ReLU()])

        def extra_repr(self) -> str:
            return "mode=two\nlines=True"

    class Model(nn_.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = nn_.Sequential(nn_.Linear(3, 4), nn_.ReLU())
            self.blocks = nn_.ModuleList([Block() for _ in range(3)])
            self.heads = nn_.ModuleDict({"cls": nn_.Linear(4, 2), "reg": nn_.Linear(4, 1, bias=False)})
            self.empty = nn_.ModuleList()
            self.missing = None
            self.params = nn_.ParameterList([lib.zeros(2, 3), nn_.Parameter(lib.zeros(4))])
            self.pdict = nn_.ParameterDict({"x": lib.zeros(1)})

    return Model()


@needs_torch
def test_repr_of_nested_model_matches_pytorch() -> None:
    e, t = both(_printed)
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential()) == "Sequential()"
    assert repr(nn.Linear(2, 1)) == "Linear(in_features=2, out_features=1, bias=True)"


def test_repr_single_line_extra() -> None:
    class One(nn.Module):
        def extra_repr(self) -> str:
            return "k=1"

    assert repr(One()) == "One(k=1)"
    holder = nn.Module()
    holder.one = One()
    assert repr(holder) == "Module(\n  (one): One(k=1)\n)"
