"""nn.DataParallel over two JAX CPU devices against the same module on one device.

Usage: ``XLA_FLAGS=--xla_force_host_platform_device_count=2 python ddp_data_parallel.py`` (the flag must be set
before JAX starts). Prints "data parallel ok" and exits 0 only when every check passes.
"""

import os
import warnings

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=2")

import numpy as np  # noqa: E402

import ember  # noqa: E402
import ember.nn as nn  # noqa: E402
from ember.nn.parallel import data_parallel  # noqa: E402

DEVICES = ["jax:0", "jax:1"]
assert ember.device("jax:1").type == "jax"


def net(seed: int = 0) -> nn.Module:
    """A small MLP on jax:0, initialized from ``seed``."""
    ember.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to("jax:0")


def close(a: ember.Tensor, b: ember.Tensor, what: str) -> None:
    """Raise unless ``a`` and ``b`` agree to float32 rounding."""
    x, y = a.detach().cpu().numpy(), b.detach().cpu().numpy()
    if x.shape != y.shape or not np.allclose(x, y, rtol=1e-5, atol=1e-6):
        raise AssertionError(f"{what}: {x} vs {y}")


rng = np.random.default_rng(0)
for rows in (6, 5):  # an even split, and chunks of 3 and 2 rows
    data = rng.standard_normal((rows, 5)).astype(np.float32)
    model, ref = net(), net()
    seen: list[str] = []
    # forward hooks are shared with the replicas: they record where each one ran
    model[0].register_forward_hook(lambda m, i, o, seen=seen: seen.append(str(i[0].device)))
    dp = nn.DataParallel(model, device_ids=DEVICES)
    assert dp.device_ids == [0, 1] and dp.output_device == 0 and dp.module is model
    assert list(dp.state_dict()) == ["module." + k for k in model.state_dict()]
    x = ember.tensor(data, device="jax:0", requires_grad=True)
    xr = ember.tensor(data, device="jax:0", requires_grad=True)
    out = dp(x)
    want = ref(xr)
    assert seen == DEVICES, seen
    assert out.device == ember.device("jax:0"), out.device
    close(out, want, f"output ({rows} rows)")
    out.pow(2).sum().backward()
    want.pow(2).sum().backward()
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        assert p.grad is not None and p.grad.device == ember.device("jax:0")
        close(p.grad, q.grad, f"gradient of {name} ({rows} rows)")
    close(x.grad, xr.grad, f"gradient of the input ({rows} rows)")


class Pair(nn.Module):
    """Keyword arguments in, a tuple with a dict out."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: ember.Tensor, *, scale: ember.Tensor, tag: str = "") -> tuple:
        """``fc(x) * scale`` and a dict of its row sums."""
        assert tag == "t"  # non-tensor arguments reach every replica as they are
        y = self.fc(x) * scale
        return y, {"sum": y.sum(1), "none": None}


ember.manual_seed(1)
pair = Pair().to("jax:0")
xs = ember.tensor(rng.standard_normal((4, 4)).astype(np.float32), device="jax:0")
scale = ember.tensor(np.full((4, 1), 2.0, np.float32), device="jax:0")
dp = nn.DataParallel(pair, device_ids=DEVICES, output_device="jax:1")
y, extra = dp(xs, scale=scale, tag="t")
wy, wextra = pair(xs, scale=scale, tag="t")
assert y.device == ember.device("jax:1") and extra["sum"].device == ember.device("jax:1")
assert extra["none"] is None
close(y, wy, "tuple output")
close(extra["sum"], wextra["sum"], "dict output")



class Mean(nn.Module):
    """A scalar output."""

    def forward(self, x: ember.Tensor) -> ember.Tensor:
        """The mean of ``x``."""
        return x.mean()


# scalar outputs are gathered into a vector, with PyTorch's warning (here through the functional form)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    loss = data_parallel(Mean(), ember.ones(4, 2, device="jax:0"), device_ids=DEVICES)
assert tuple(loss.shape) == (2,), loss.shape
assert any("all input tensors were scalars" in str(w.message) for w in caught)

# BatchNorm: the first replica updates the module's running statistics (the others' updates are lost, as PyTorch's)
ember.manual_seed(2)
bn = nn.BatchNorm1d(3).to("jax:0")
xb = ember.tensor(rng.standard_normal((6, 3)).astype(np.float32), device="jax:0")
nn.DataParallel(bn, device_ids=DEVICES)(xb)
close(bn.running_mean, 0.1 * xb[:3].mean(0), "running mean after a split batch")

# without grad mode the replicas are detached copies; the output is the same
model = net()
with ember.no_grad():
    out = nn.DataParallel(model, device_ids=DEVICES)(xs.new_ones(6, 5))
close(out, model(xs.new_ones(6, 5)), "no_grad output")

# one device named: the whole batch runs there, as before
one = nn.DataParallel(net(), device_ids=["jax:1"])
assert one.device_ids == [1] and next(one.module.parameters()).device == ember.device("jax:1")
close(one(ember.ones(2, 5, device="jax:0")).to("jax:0"), net()(ember.ones(2, 5, device="jax:0")), "one device")

try:
    nn.DataParallel(net(), device_ids=["jax:0", "cpu"])
except ValueError as e:
    assert "one backend" in str(e)
else:
    raise AssertionError("devices of two backends went unnoticed")

print("data parallel ok", flush=True)
