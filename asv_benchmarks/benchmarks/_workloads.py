"""The workloads behind every benchmark, written once for ember on each backend and for the peers.

A builder ``make_<workload>(impl, ...)`` returns a zero-argument callable that runs the workload once
(synchronizing device work before it returns), or raises :class:`SkipNotImplemented` when ``impl`` is
not available here. asv's classes, ``python -m asv_benchmarks.compare`` and the CI smoke test all call
the same builders, so what the smoke test runs is what asv times.

Implementations (``impl``):

* ``ember-<backend>``: ember on a backend (``ember-numpy``, ``ember-jax``, ``ember-cupy``, and one per
  installed plugin), the same PyTorch-style code on each;
* ``torch``: PyTorch CPU eager (``torch-cuda`` on a GPU);
* ``numpy-hand``: the same math written by hand in NumPy (the floor for the NumPy backend);
* ``jax.jit``: the same math as one jitted JAX function (the floor for the JAX backend).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # asv is not needed to run the workloads (compare script, smoke test)

    class SkipNotImplemented(NotImplementedError):  # type: ignore[no-redef]
        """This implementation cannot run here (asv shows it as skipped)."""


Fn = Callable[[], Any]

PEERS = ["torch", "torch-cuda", "numpy-hand", "jax.jit", "jax-eager"]


def ember_impls() -> list[str]:
    """``ember-<backend>`` for every registered backend (first-party and plugins), available or not."""
    import ember.plugins

    return [f"ember-{be.name}" for be in ember.plugins.registered_backends().values()]


def all_impls() -> list[str]:
    """Every ember backend, then the peers."""
    return ember_impls() + PEERS


# ---------------------------------------------------------------------------------------------------
# resolving an implementation


def ember_device(impl: str) -> str:
    """The device string of an ``ember-<backend>`` impl; SkipNotImplemented when it can't run here."""
    import ember.plugins

    name = impl.removeprefix("ember-")
    for dt, be in ember.plugins.registered_backends().items():
        if be.name == name:
            reason = ember.plugins.unavailable_reason(be)
            if reason is not None:
                raise SkipNotImplemented(f"{impl}: {reason}")
            return dt
    raise SkipNotImplemented(f"{impl}: no such ember backend is registered")


def _torch(cuda: bool = False) -> Any:
    try:
        import torch
    except ImportError:
        raise SkipNotImplemented("torch is not installed") from None
    torch.set_num_threads(1)
    if cuda and not torch.cuda.is_available():
        raise SkipNotImplemented("torch has no CUDA device here")
    return torch


def _jax() -> Any:
    try:
        import jax
    except ImportError:
        raise SkipNotImplemented("jax is not installed") from None
    jax.config.update("jax_enable_x64", True)  # as ember's jax backend does; every array below is float32
    return jax


def _lib(impl: str) -> tuple[Any, str, Callable[[Any], None]]:
    """``(module, device, sync)`` for the PyTorch-API implementations (ember on a backend, or torch)."""
    if impl.startswith("ember-"):
        import ember

        dev = ember_device(impl)
        be = ember.plugins.get_backend(dev)

        def sync(out: Any) -> None:
            data = getattr(out, "_data", None)
            if hasattr(data, "block_until_ready"):
                data.block_until_ready()
            be.synchronize(0)

        return ember, dev, sync
    if impl in ("torch", "torch-cuda"):
        torch = _torch(cuda=impl == "torch-cuda")
        dev = "cuda" if impl == "torch-cuda" else "cpu"
        sync = (lambda out: torch.cuda.synchronize()) if dev == "cuda" else (lambda out: None)
        return torch, dev, sync
    raise SkipNotImplemented(f"{impl} does not implement this benchmark")


def _to(lib: Any, a: np.ndarray, dev: str, requires_grad: bool = False) -> Any:
    t = lib.from_numpy(np.ascontiguousarray(a)).to(dev)
    return t.requires_grad_(requires_grad) if requires_grad else t


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _block(x: Any) -> Any:
    """Wait for a JAX result (async dispatch) and return it."""
    import jax

    return jax.block_until_ready(x)


# ---------------------------------------------------------------------------------------------------
# per-op overhead


def make_add(impl: str, grad: bool = False, n: int = 16) -> Fn:
    """``a + b`` on ``n``-element float32 vectors (with ``requires_grad`` inputs when ``grad``)."""
    a = np.arange(n, dtype=np.float32)
    b = np.ones(n, dtype=np.float32)
    if impl == "numpy-hand":
        if grad:
            raise SkipNotImplemented("NumPy has no autograd")
        return lambda: np.add(a, b)
    if impl == "jax.jit":
        if grad:
            raise SkipNotImplemented("jax has no recording mode: gradients are a transformation")
        jax = _jax()
        x, y = jax.numpy.asarray(a), jax.numpy.asarray(b)
        f = jax.jit(lambda u, v: u + v)
        return lambda: _block(f(x, y))
    if impl == "jax-eager":
        if grad:
            raise SkipNotImplemented("jax has no recording mode: gradients are a transformation")
        jax = _jax()
        x, y = jax.numpy.asarray(a), jax.numpy.asarray(b)
        add = jax.numpy.add
        return lambda: _block(add(x, y))
    lib, dev, sync = _lib(impl)
    x, y = _to(lib, a, dev, grad), _to(lib, b, dev, grad)
    if dev == "cpu":
        return lambda: x + y

    def run() -> Any:
        out = x + y
        sync(out)
        return out

    return run


# ---------------------------------------------------------------------------------------------------
# matmul


def make_matmul(impl: str, n: int = 512) -> Fn:
    """``a @ b`` of two ``n x n`` float32 matrices."""
    rng = _rng()
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    if impl == "numpy-hand":
        return lambda: a @ b
    if impl == "jax.jit":
        jax = _jax()
        x, y = jax.numpy.asarray(a), jax.numpy.asarray(b)
        f = jax.jit(lambda u, v: u @ v)
        return lambda: _block(f(x, y))
    lib, dev, sync = _lib(impl)
    x, y = _to(lib, a, dev), _to(lib, b, dev)

    def run() -> Any:
        out = x @ y
        sync(out)
        return out

    return run


# ---------------------------------------------------------------------------------------------------
# conv2d forward + backward


def make_conv2d(impl: str, n: int = 32, c: int = 16, o: int = 32, hw: int = 28) -> Fn:
    """``conv2d(x, w, b, padding=1)`` with a 3x3 kernel, forward and backward to x, w and b."""
    rng = _rng()
    xa = rng.standard_normal((n, c, hw, hw), dtype=np.float32)
    wa = rng.standard_normal((o, c, 3, 3), dtype=np.float32) * 0.1
    ba = rng.standard_normal(o, dtype=np.float32)
    if impl == "jax.jit":
        jax = _jax()
        jnp, lax = jax.numpy, jax.lax

        def loss(x: Any, w: Any, b: Any) -> Any:
            y = lax.conv_general_dilated(x, w, (1, 1), ((1, 1), (1, 1)))
            return (y + b[None, :, None, None]).sum()

        f = jax.jit(jax.grad(loss, argnums=(0, 1, 2)))
        args = tuple(jnp.asarray(v) for v in (xa, wa, ba))
        return lambda: _block(f(*args))
    lib, dev, sync = _lib(impl)
    x, w, b = _to(lib, xa, dev, True), _to(lib, wa, dev, True), _to(lib, ba, dev, True)
    conv2d = lib.nn.functional.conv2d

    def run() -> Any:
        x.grad = w.grad = b.grad = None
        conv2d(x, w, b, padding=1).sum().backward()
        sync(x.grad)
        return x.grad

    return run


# ---------------------------------------------------------------------------------------------------
# softmax + cross-entropy forward + backward


def _np_log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def make_cross_entropy(impl: str, n: int = 128, classes: int = 1000) -> Fn:
    """``cross_entropy(logits, target)`` (mean over the batch), forward and backward to the logits."""
    rng = _rng()
    za = rng.standard_normal((n, classes), dtype=np.float32)
    ta = rng.integers(0, classes, n)
    rows = np.arange(n)
    if impl == "numpy-hand":

        def run_np() -> Any:
            logp = _np_log_softmax(za)
            loss = -logp[rows, ta].mean()
            g = np.exp(logp)
            g[rows, ta] -= 1
            g *= 1.0 / n
            return loss, g

        return run_np
    if impl == "jax.jit":
        jax = _jax()
        jnp = jax.numpy

        def loss(z: Any, t: Any) -> Any:
            logp = jax.nn.log_softmax(z, axis=1)
            return -jnp.take_along_axis(logp, t[:, None], axis=1).mean()

        f = jax.jit(jax.value_and_grad(loss))
        z, t = jnp.asarray(za), jnp.asarray(ta)
        return lambda: _block(f(z, t))
    lib, dev, sync = _lib(impl)
    z, t = _to(lib, za, dev, True), _to(lib, ta, dev)
    ce = lib.nn.functional.cross_entropy

    def run() -> Any:
        z.grad = None
        ce(z, t).backward()
        sync(z.grad)
        return z.grad

    return run


# ---------------------------------------------------------------------------------------------------
# MLP training step


MLP_SIZES = (784, 512, 256, 10)


def _np_params(sizes: tuple[int, ...], rng: np.random.Generator) -> list[np.ndarray]:
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def _np_mlp_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float) -> float:
    """One SGD step of a ReLU MLP with mean cross-entropy, by hand (weights laid out as nn.Linear's)."""
    n = len(x)
    acts = [x]
    h = x
    n_layers = len(params) // 2
    for i in range(n_layers):
        h = h @ params[2 * i].T
        h += params[2 * i + 1]
        if i < n_layers - 1:
            np.maximum(h, 0, out=h)
            acts.append(h)
    logp = _np_log_softmax(h)
    rows = np.arange(n)
    loss = -logp[rows, y].mean()
    g = np.exp(logp)
    g[rows, y] -= 1
    g *= 1.0 / n
    for i in reversed(range(n_layers)):
        w = params[2 * i]
        a = acts[i]
        gw = g.T @ a
        gb = g.sum(axis=0)
        if i > 0:
            g = g @ w
            g *= acts[i] > 0
        w -= lr * gw
        params[2 * i + 1] -= lr * gb
    return float(loss)


def _jit_sgd(loss: Callable[[list[Any]], Any], params: list[Any], lr: float) -> Fn:
    """One jitted SGD step of ``loss`` over ``params`` per call (the ``jax.jit`` peers)."""
    jax = _jax()

    @jax.jit
    def step(ps: list[Any]) -> tuple[Any, list[Any]]:
        val, grads = jax.value_and_grad(loss)(ps)
        return val, [p - lr * g for p, g in zip(ps, grads)]

    state = [params]

    def run() -> Any:
        val, state[0] = step(state[0])
        return _block(val)

    return run


def _jax_mlp_data(sizes: tuple[int, ...], batch: int) -> tuple[list[Any], Any, Any]:
    """The MLP benchmark's parameters, inputs and labels as jax arrays (the same numbers as the others')."""
    jnp = _jax().numpy
    rng = _rng()
    params = [jnp.asarray(p) for p in _np_params(sizes, rng)]
    x = jnp.asarray(rng.standard_normal((batch, sizes[0]), dtype=np.float32))
    return params, x, jnp.asarray(rng.integers(0, sizes[-1], batch))


def _jax_mlp(sizes: tuple[int, ...], batch: int, lr: float) -> Fn:
    jax = _jax()
    jnp = jax.numpy
    params, x, y = _jax_mlp_data(sizes, batch)

    def loss(ps: list[Any]) -> Any:
        h = x
        for i in range(len(ps) // 2):
            h = h @ ps[2 * i].T + ps[2 * i + 1]
            if i < len(ps) // 2 - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h, axis=1)
        return -jnp.take_along_axis(logp, y[:, None], axis=1).mean()

    return _jit_sgd(loss, params, lr)


def _jax_eager_mlp(sizes: tuple[int, ...], batch: int, lr: float) -> Fn:
    """The hand-written NumPy step (``_np_mlp_step``) in eager jax.numpy: the floor for ember-jax."""
    jax = _jax()
    jnp = jax.numpy
    params, x, y = _jax_mlp_data(sizes, batch)
    rows = jnp.arange(batch)
    n_layers = len(params) // 2

    def run() -> Any:
        acts, h = [x], x
        for i in range(n_layers):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < n_layers - 1:
                h = jnp.maximum(h, 0)
                acts.append(h)
        logp = jax.nn.log_softmax(h, axis=1)
        loss = -logp[rows, y].mean()
        g = jnp.exp(logp).at[rows, y].add(-1.0) * (1.0 / batch)
        for i in reversed(range(n_layers)):
            w, a = params[2 * i], acts[i]
            gw, gb = g.T @ a, g.sum(axis=0)
            if i > 0:
                g = (g @ w) * (acts[i] > 0)
            params[2 * i] = w - lr * gw
            params[2 * i + 1] = params[2 * i + 1] - lr * gb
        return _block(loss)

    return run


def _torch_like_step(lib: Any, dev: str, sync: Callable[[Any], None], model: Any, x: Any, y: Any, lr: float) -> Fn:
    model.to(dev)
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    crit = lib.nn.CrossEntropyLoss()

    def run() -> Any:
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        sync(loss)
        return loss

    return run


def make_mlp_step(impl: str, batch: int = 64, sizes: tuple[int, ...] = MLP_SIZES, lr: float = 0.01) -> Fn:
    """One training step (zero_grad, forward, cross-entropy, backward, SGD) of a ReLU MLP."""
    if impl == "jax.jit":
        return _jax_mlp(sizes, batch, lr)
    if impl == "jax-eager":
        return _jax_eager_mlp(sizes, batch, lr)
    rng = _rng()
    params = _np_params(sizes, rng)
    xa = rng.standard_normal((batch, sizes[0]), dtype=np.float32)
    ya = rng.integers(0, sizes[-1], batch)
    if impl == "numpy-hand":
        return lambda: _np_mlp_step(params, xa, ya, lr)
    lib, dev, sync = _lib(impl)
    layers: list[Any] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [lib.nn.Linear(fan_in, fan_out), lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1])
    with lib.no_grad():
        for p, v in zip(model.parameters(), params):
            p.copy_(lib.from_numpy(v))
    return _torch_like_step(lib, dev, sync, model, _to(lib, xa, dev), _to(lib, ya, dev), lr)


# ---------------------------------------------------------------------------------------------------
# CNN training step


def make_cnn_step(impl: str, batch: int = 64, hw: int = 28, channels: tuple[int, int] = (16, 32),
                  lr: float = 0.01) -> Fn:
    """One training step of 2 x [Conv2d 3x3 pad 1 -> ReLU -> MaxPool2d 2] -> Flatten -> Linear(10)."""
    rng = _rng()
    xa = rng.standard_normal((batch, 1, hw, hw), dtype=np.float32)
    ya = rng.integers(0, 10, batch)
    c1, c2 = channels
    flat = c2 * (hw // 4) ** 2
    if impl == "jax.jit":
        jax = _jax()
        jnp, lax = jax.numpy, jax.lax
        shapes = [(c1, 1, 3, 3), (c1,), (c2, c1, 3, 3), (c2,), (10, flat), (10,)]
        params = [jnp.asarray(rng.standard_normal(s, dtype=np.float32) * 0.1) for s in shapes]
        x, y = jnp.asarray(xa), jnp.asarray(ya)

        def block(h: Any, w: Any, b: Any) -> Any:
            h = lax.conv_general_dilated(h, w, (1, 1), ((1, 1), (1, 1))) + b[None, :, None, None]
            h = jax.nn.relu(h)
            return lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

        def loss(ps: list[Any]) -> Any:
            h = block(block(x, ps[0], ps[1]), ps[2], ps[3]).reshape(batch, -1)
            logp = jax.nn.log_softmax(h @ ps[4].T + ps[5], axis=1)
            return -jnp.take_along_axis(logp, y[:, None], axis=1).mean()

        return _jit_sgd(loss, params, lr)
    lib, dev, sync = _lib(impl)
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(flat, 10),
    )
    return _torch_like_step(lib, dev, sync, model, _to(lib, xa, dev), _to(lib, ya, dev), lr)


# ---------------------------------------------------------------------------------------------------
# autograd engine: backward through a long graph


def make_graph_backward(impl: str, ops: int = 1000, n: int = 16) -> Fn:
    """Record ``ops`` elementwise ops (alternating ``* 1.001`` and ``+ 0.5``) on ``n`` elements, then
    backward through them: the per-node cost of recording and of the engine."""
    a = np.ones(n, dtype=np.float32)
    if impl == "jax.jit":
        jax = _jax()

        def chain(x: Any) -> Any:
            for _ in range(ops // 2):
                x = x * 1.001 + 0.5
            return x.sum()

        f = jax.jit(jax.grad(chain))
        x = jax.numpy.asarray(a)
        return lambda: _block(f(x))
    lib, dev, sync = _lib(impl)
    x = _to(lib, a, dev, True)

    def run() -> Any:
        x.grad = None
        y = x
        for _ in range(ops // 2):
            y = y * 1.001 + 0.5
        y.sum().backward()
        sync(x.grad)
        return x.grad

    return run


# ---------------------------------------------------------------------------------------------------
# DataLoader


def make_dataloader(impl: str, n: int = 60_000, features: int = 784, batch: int = 64) -> Fn:
    """One shuffled epoch, single process, over an ``n x features`` float32 TensorDataset with int64 labels."""
    rng = _rng()
    xa = rng.random((n, features), dtype=np.float32)
    ya = rng.integers(0, 10, n, dtype=np.int64)
    if impl == "numpy-hand":

        def run_np() -> None:
            perm = rng.permutation(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                xa[idx], ya[idx]

        return run_np
    lib, dev, sync = _lib(impl)
    data = lib.utils.data
    gen = lib.Generator().manual_seed(0)
    ds = data.TensorDataset(_to(lib, xa, dev), _to(lib, ya, dev))
    loader = data.DataLoader(ds, batch_size=batch, shuffle=True, generator=gen)

    def run() -> Any:
        batch = None
        for batch in loader:  # noqa: B007 (the last batch is synchronized on)
            pass
        sync(batch[0] if batch else None)
        return batch

    return run


# ---------------------------------------------------------------------------------------------------
# save / load


def _state_arrays(megabytes: float, tensors: int = 25) -> dict[str, np.ndarray]:
    per = max(1, int(megabytes * 2**20 / 4 / tensors))
    rng = _rng()
    return {f"layer{i}.weight": rng.standard_normal(per, dtype=np.float32) for i in range(tensors)}


def make_save_load(impl: str, op: str = "save", megabytes: float = 100.0) -> tuple[Fn, Fn]:
    """``(run, cleanup)``: save (or load) a state_dict of 25 float32 tensors totalling ``megabytes``."""
    arrays = _state_arrays(megabytes)
    fd, path = tempfile.mkstemp(suffix=".pt")
    os.close(fd)

    def cleanup() -> None:
        if os.path.exists(path):
            os.remove(path)

    if impl == "numpy-hand":
        np_path = path + ".npz"
        save = lambda: np.savez(np_path, **arrays)  # noqa: E731
        load = lambda: dict(np.load(np_path))  # noqa: E731

        def cleanup_np() -> None:
            cleanup()
            if os.path.exists(np_path):
                os.remove(np_path)

        save()
        return (save if op == "save" else load), cleanup_np
    lib, dev, sync = _lib(impl)
    state = {k: _to(lib, v, dev) for k, v in arrays.items()}
    save = lambda: lib.save(state, path)  # noqa: E731

    def load() -> Any:
        out = lib.load(path)
        sync(next(iter(out.values())))
        return out

    save()
    return (save if op == "save" else load), cleanup
