"""DataLoader workers as PyTorch's on Linux: ``fork`` by default, so scripts without a ``__main__`` guard,
lambdas and closures (datasets, transforms, collate_fn, worker_init_fn) work; a safe start method once JAX
(or CUDA) has been initialised, with a clear error when the dataset then cannot be pickled; and
``multiprocessing_context`` honoured. Each case is a real script run by ``python script.py`` in ``tmp_path``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

# Python 3.14 makes forkserver Linux's default (and PyTorch follows the platform default); macOS/Windows spawn.
pytestmark = pytest.mark.skipif(sys.platform != "linux" or sys.version_info >= (3, 14),
                                reason="fork is not this platform's default start method")

_ROOT = Path(__file__).resolve().parents[1]


def run_script(tmp_path: Path, body: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    env = dict(os.environ, JAX_PLATFORMS="cpu", PYTHONPATH=str(_ROOT))
    env.pop("EMBER_BACKEND", None)
    return subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=timeout)


# No `if __name__ == "__main__":` guard, and every user callable is a lambda or a closure.
_NO_GUARD = """
import ember
from ember.data import DataLoader, Dataset, IterableDataset, get_worker_info

scale = 3.0
transform = lambda x: x * scale + 1

def make_dataset(n):
    class Squares(Dataset):  # a class local to a function: not picklable
        def __len__(self):
            return n
        def __getitem__(self, i):
            return transform(ember.tensor([float(i), float(i * i)])), i
    return Squares()

seen = []
def init(worker_id):  # a closure over `seen` is fine: the worker has its own copy
    seen.append(worker_id)
    assert get_worker_info().id == worker_id

collate = lambda batch: (ember.stack([x for x, _ in batch]), [i for _, i in batch])

def load(num_workers, **kw):
    loader = DataLoader(make_dataset(10), batch_size=3, shuffle=True, collate_fn=collate,
                        generator=ember.Generator().manual_seed(7), num_workers=num_workers, **kw)
    return [(x.tolist(), i) for x, i in loader]

serial = load(0)
parallel = load(2, worker_init_fn=lambda w: init(w))
persistent = DataLoader(make_dataset(10), batch_size=3, shuffle=True, collate_fn=collate, num_workers=2,
                        generator=ember.Generator().manual_seed(7), persistent_workers=True)
epochs = [[(x.tolist(), i) for x, i in persistent] for _ in range(2)]
assert parallel == serial, (parallel, serial)
assert epochs[0] == serial, epochs[0]
assert sorted(i for _, idx in epochs[1] for i in idx) == list(range(10))

class Stream(IterableDataset):
    def __iter__(self):
        info = get_worker_info()
        return iter(range(info.id, 8, info.num_workers))

streamed = sorted(int(v) for b in DataLoader(Stream(), batch_size=2, num_workers=2) for v in b)
assert streamed == list(range(8)), streamed
print("ok", len(serial))
"""


def test_script_without_main_guard_lambdas_and_closures(tmp_path: Path) -> None:
    out = run_script(tmp_path, _NO_GUARD)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "ok 4"


_AFTER_JAX = """
import ember
from ember.data import DataLoader, Dataset

ember.ones(2, device="jax").sum().item()  # JAX is now initialised: forking would be unsafe

class Rows(Dataset):  # module level in a guarded script: picklable
    def __len__(self):
        return 6
    def __getitem__(self, i):
        return ember.tensor([float(i)])

if __name__ == "__main__":
    from ember.data._multiprocessing import _default_context
    ctx, why = _default_context()
    assert ctx.get_start_method() != "fork" and "JAX" in why, (ctx.get_start_method(), why)
    got = [b.tolist() for b in DataLoader(Rows(), batch_size=2, num_workers=2)]
    assert got == [b.tolist() for b in DataLoader(Rows(), batch_size=2)], got
    try:
        list(DataLoader([1, 2, 3], batch_size=2, num_workers=2, collate_fn=lambda b: b))
    except RuntimeError as e:
        print(e)
    else:
        raise AssertionError("a lambda collate_fn cannot reach a forkserver worker; expected an error")
"""


def test_after_jax_starts_workers_use_a_safe_method_and_explain_unpicklable_datasets(tmp_path: Path) -> None:
    pytest.importorskip("jax", reason="jax is not installed")
    out = run_script(tmp_path, _AFTER_JAX)
    assert out.returncode == 0, out.stdout + out.stderr
    msg = out.stdout
    assert "JAX has been initialised in this process" in msg, msg
    assert "instead of 'fork'" in msg and "pickling failed" in msg, msg
    assert 'if __name__ == "__main__":' in msg and 'multiprocessing_context="fork"' in msg, msg


_CONTEXT = """
import multiprocessing, os
import ember
from ember.data import DataLoader

def main_module_name(_):
    # a spawned worker imports the script as __mp_main__; a forked one keeps the parent's __main__
    import sys
    return sys.modules["__main__"].__name__

if __name__ == "__main__":
    from ember.data._multiprocessing import _default_context
    assert _default_context() == (multiprocessing.get_context(), None)
    assert _default_context()[0].get_start_method() == "fork"
    forked = list(DataLoader([0], num_workers=1, collate_fn=main_module_name))
    spawned = list(DataLoader([0], num_workers=1, collate_fn=main_module_name, multiprocessing_context="spawn"))
    ctx = multiprocessing.get_context("spawn")
    again = list(DataLoader([0], num_workers=1, collate_fn=main_module_name, multiprocessing_context=ctx))
    print(forked, spawned, again)
    try:
        list(DataLoader([0], num_workers=1, collate_fn=lambda b: b, multiprocessing_context="spawn"))
    except Exception as e:
        print(type(e).__name__)
"""


def test_multiprocessing_context_is_honoured(tmp_path: Path) -> None:
    out = run_script(tmp_path, _CONTEXT)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "['__main__'] ['__mp_main__'] ['__mp_main__']", lines
    # PyTorch raises the pickling error itself (AttributeError: Can't pickle local object / PicklingError)
    assert lines[1] in ("AttributeError", "PicklingError"), lines


_UNGUARDED_AFTER_JAX = """
import ember
from ember.data import DataLoader, Dataset

ember.ones(2, device="jax").sum().item()

class Rows(Dataset):
    def __len__(self):
        return 4
    def __getitem__(self, i):
        return ember.tensor([float(i)])

list(DataLoader(Rows(), batch_size=2, num_workers=1))
"""


def test_unguarded_script_after_jax_says_to_add_the_guard(tmp_path: Path) -> None:
    pytest.importorskip("jax", reason="jax is not installed")
    out = run_script(tmp_path, _UNGUARDED_AFTER_JAX)
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: DataLoader worker (pid "), out.stderr
    assert "because JAX has been initialised in this process" in last
    assert 'without an `if __name__ == "__main__":` guard runs again in it' in last
    assert "bootstrapping phase" in out.stderr  # the worker's own error, from Python


def test_cuda_makes_fork_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    # No GPU here: CuPy / torch.cuda are stood in for by modules that look initialised.
    from ember.data import _multiprocessing as mp

    monkeypatch.delitem(sys.modules, "jax._src.xla_bridge", raising=False)
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    fake_cuda = types.ModuleType("torch.cuda")
    fake_cuda.is_initialized = lambda: False  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch.cuda", fake_cuda)
    assert mp._fork_unsafe_reason() is None
    fake_cuda.is_initialized = lambda: True  # type: ignore[attr-defined]
    assert "CUDA has been initialised" in (mp._fork_unsafe_reason() or "")
    monkeypatch.setitem(sys.modules, "cupy", types.ModuleType("cupy"))
    reason = mp._fork_unsafe_reason() or ""
    assert "CuPy (CUDA)" in reason
    ctx, why = mp._default_context()
    assert ctx.get_start_method() in ("forkserver", "spawn") and why == reason
