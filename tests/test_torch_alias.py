"""``ember run`` / ``ember.torch_alias``: PyTorch programs run unchanged with ``import torch`` resolved to ember."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = '''
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset
import torch.backends.cudnn as cudnn

cudnn.benchmark = True
torch.manual_seed(0)
model = nn.Linear(3, 1)
opt = optim.SGD(model.parameters(), lr=0.1)
sched = StepLR(opt, step_size=1, gamma=0.5)
x = torch.randn(32, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
for xb, yb in DataLoader(TensorDataset(x, y), batch_size=8):
    opt.zero_grad()
    F.mse_loss(model(xb), yb).backward()
    opt.step()
sched.step()
print(torch.__name__, type(model).__module__.split(".")[0], sched.get_last_lr(), sys.argv[1:])
'''


def _run(tmp_path: Path, *cmd: str) -> str:
    script = tmp_path / "train.py"
    script.write_text(PROGRAM)
    r = subprocess.run([sys.executable, *cmd, str(script), "--epochs", "1"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_ember_run_resolves_torch_to_ember(tmp_path: Path) -> None:
    out = _run(tmp_path, "-m", "ember.cli", "run")
    assert out == "ember ember [0.05] ['--epochs', '1']"


def test_python_m_torch_alias_is_the_same(tmp_path: Path) -> None:
    assert _run(tmp_path, "-m", "ember.torch_alias") == "ember ember [0.05] ['--epochs', '1']"


def test_alias_keeps_ember_modules_identity_and_uninstalls() -> None:
    code = ("import ember.torch_alias as a; a.install(); import torch, torch.nn.functional as F, ember, ember.nn; "
            "assert torch is ember and F is ember.nn.functional and ember.__spec__.name == 'ember'; "
            "a.uninstall(); import sys; assert 'torch' not in sys.modules and not a.installed(); print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "ok", r.stderr


def test_refuses_to_alias_over_a_real_torch() -> None:
    code = ("import torch, ember.torch_alias as a\ntry:\n    a.install()\nexcept RuntimeError as e:\n"
            "    print('refused' if 'already imported' in str(e) else e)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "refused", r.stderr


def test_a_name_ember_lacks_fails_as_an_import_error(tmp_path: Path) -> None:
    script = tmp_path / "p.py"
    script.write_text("import torch._dynamo\n")
    r = subprocess.run([sys.executable, "-m", "ember.cli", "run", str(script)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode != 0 and "No module named 'torch._dynamo'" in r.stderr
