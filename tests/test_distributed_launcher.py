"""``ember run`` / ``python -m ember.distributed.run``: the ranks' environment, and a failing rank ending the run.

Real launches of tiny scripts that import nothing of ember, so each costs about the launcher's own start.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ember.distributed import run as launcher

# what the launcher sets, and what would change its choices if the test's own environment had it
_CLEARED = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "NODE_RANK", "MASTER_ADDR",
            "MASTER_PORT", "EMBER_DIST_AUTHKEY", "OMP_NUM_THREADS", "EMBER_RUN_NO_MPIEXEC")
_KEYS = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "NODE_RANK", "MASTER_ADDR",
         "MASTER_PORT", "EMBER_DIST_AUTHKEY", "OMP_NUM_THREADS")

ENV_SCRIPT = f"""
import json, os, sys
record = {{k: os.environ.get(k) for k in {_KEYS!r}}}
# Hydra's mpiexec sets PMI_RANK, PMI_FD, PMI_SIZE, HYDI_CONTROL_FD, MPI_LOCALRANKID, ...
record["mpi"] = any(v in os.environ for v in ("PMI_RANK", "PMI_FD", "HYDI_CONTROL_FD"))
record["argv"] = sys.argv[1:]
with open(os.path.join(sys.argv[1], "rank" + os.environ["RANK"] + ".json"), "w") as f:
    json.dump(record, f)
"""

# every rank writes its pid; rank 1 waits until all have, then fails (argv[2]: "raise" or "kill"); the others
# sleep, so only the launcher can end them in time
FAIL_SCRIPT = """
import os, signal, sys, time
out, mode = sys.argv[1], sys.argv[2]
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
with open(os.path.join(out, "pid%d.tmp" % rank), "w") as f:
    f.write(str(os.getpid()))
os.replace(os.path.join(out, "pid%d.tmp" % rank), os.path.join(out, "pid%d" % rank))
if rank == 1 and mode != "sleep":
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and sum(n.startswith("pid") and "." not in n for n in os.listdir(out)) < world:
        time.sleep(0.05)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    raise ValueError("boom from rank 1")
time.sleep(60)
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    return {**env, **extra}


def _launch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ember.distributed.run", *args], env=env or _env(),
                          capture_output=True, text=True, timeout=60)


def _records(out: Path) -> dict[int, dict]:
    return {int(p.stem[4:]): json.loads(p.read_text()) for p in out.glob("rank*.json")}


def _gone(pid: int, within: float = 5.0) -> bool:
    """Whether process ``pid`` has ended (a zombie counts: it runs nothing), waiting up to ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except ProcessLookupError:
            return True
        except OSError:
            state = "?"
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _pids(out: Path, ranks: range) -> list[int]:
    return [int((out / f"pid{r}").read_text()) for r in ranks]


@pytest.fixture(scope="module")
def four_ranks(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path_factory.mktemp("four")
    script = out / "env.py"
    script.write_text(ENV_SCRIPT)
    r = _launch("--nproc-per-node", "4", str(script), str(out), "--flag", "x")
    return r, _records(out)


def test_each_rank_gets_torchruns_environment(four_ranks: tuple[subprocess.CompletedProcess[str], dict]) -> None:
    r, records = four_ranks
    assert r.returncode == 0, r.stderr
    assert sorted(records) == [0, 1, 2, 3]
    for rank, rec in records.items():
        assert rec["RANK"] == rec["LOCAL_RANK"] == str(rank)
        assert (rec["WORLD_SIZE"], rec["LOCAL_WORLD_SIZE"]) == ("4", "4")
        assert (rec["GROUP_RANK"], rec["NODE_RANK"], rec["MASTER_ADDR"]) == ("0", "0", "127.0.0.1")
        assert rec["OMP_NUM_THREADS"] == "1"
        assert rec["argv"][1:] == ["--flag", "x"]
    # one free port and one fresh key for the whole run
    assert len({rec["MASTER_PORT"] for rec in records.values()}) == 1
    assert 0 < int(records[0]["MASTER_PORT"]) < 65536
    assert len({rec["EMBER_DIST_AUTHKEY"] for rec in records.values()}) == 1
    assert re.fullmatch(r"[0-9a-f]{32}", records[0]["EMBER_DIST_AUTHKEY"])


def test_ranks_run_under_mpiexec(four_ranks: tuple[subprocess.CompletedProcess[str], dict]) -> None:
    if importlib.util.find_spec("mpi4py") is None or launcher._mpiexec() is None:
        pytest.skip("mpi4py or mpiexec not installed: ranks start as plain processes")
    r, records = four_ranks
    assert r.returncode == 0, r.stderr
    assert all(rec["mpi"] for rec in records.values())


def test_second_node_ranks_and_no_key_across_nodes(tmp_path: Path) -> None:
    script = tmp_path / "env.py"
    script.write_text(ENV_SCRIPT)
    # the script talks to no other node, so node 1 of 2 can run alone; EMBER_RUN_NO_MPIEXEC: plain processes
    r = _launch("--nnodes", "2", "--node_rank", "1", "--nproc_per_node", "2", str(script), str(tmp_path),
                env=_env(EMBER_RUN_NO_MPIEXEC="1"))
    assert r.returncode == 0, r.stderr
    records = _records(tmp_path)
    assert sorted(records) == [2, 3]
    for rank, rec in records.items():
        assert (rec["LOCAL_RANK"], rec["WORLD_SIZE"], rec["LOCAL_WORLD_SIZE"]) == (str(rank - 2), "4", "2")
        assert (rec["GROUP_RANK"], rec["NODE_RANK"], rec["MASTER_PORT"]) == ("1", "1", "29500")
        assert rec["EMBER_DIST_AUTHKEY"] is None  # several nodes: only the user can give them one secret
        assert not rec["mpi"]


def test_users_key_and_threads_pass_through(tmp_path: Path) -> None:
    script = tmp_path / "env.py"
    script.write_text(ENV_SCRIPT)
    r = _launch("--master-port", "29123", str(script), str(tmp_path),
                env=_env(EMBER_DIST_AUTHKEY="users-secret", OMP_NUM_THREADS="3"))
    assert r.returncode == 0, r.stderr
    rec = _records(tmp_path)[0]
    assert (rec["EMBER_DIST_AUTHKEY"], rec["OMP_NUM_THREADS"], rec["MASTER_PORT"]) == ("users-secret", "3", "29123")


@pytest.mark.parametrize("mode", ["raise", "kill"])
def test_a_failing_rank_ends_the_run(tmp_path: Path, mode: str) -> None:
    script = tmp_path / "fail.py"
    script.write_text(FAIL_SCRIPT)
    start = time.monotonic()
    r = _launch("--nproc-per-node", "3", str(script), str(tmp_path), mode)
    assert time.monotonic() - start < 30
    if mode == "raise":
        assert r.returncode == 1, r.stderr
        assert re.search(r"^ember run: rank 1 \(pid \d+\) failed: exit code 1$", r.stderr, re.M), r.stderr
        # the summary repeats the traceback after the rank's own stderr
        summary = r.stderr[r.stderr.index("ember run: rank 1"):]
        assert "Traceback (most recent call last):" in summary and "ValueError: boom from rank 1" in summary
    else:
        assert r.returncode == 128 + signal.SIGKILL, r.stderr
        assert "ember run: rank 1" in r.stderr and "failed: killed by signal SIGKILL" in r.stderr, r.stderr
        assert "BAD TERMINATION" not in r.stdout.split("signal 9")[-1]  # Hydra's box only for the failed rank
    assert all(_gone(pid) for pid in _pids(tmp_path, range(3)))


def test_ctrl_c_stops_every_rank(tmp_path: Path) -> None:
    script = tmp_path / "sleep.py"
    script.write_text(FAIL_SCRIPT)
    proc = subprocess.Popen([sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", "2", str(script),
                             str(tmp_path), "sleep"], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while not all((tmp_path / f"pid{r}").exists() for r in range(2)):
            assert time.monotonic() < deadline and proc.poll() is None, "the ranks did not start"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGINT, err
    assert "ember run: got SIGINT; stopping the ranks" in err
    assert all(_gone(pid) for pid in _pids(tmp_path, range(2)))


def test_help_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = subprocess.run([sys.executable, "-m", "ember.cli", "run", "--help"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "--nproc-per-node N, --nproc_per_node N" in r.stdout and "--master-port" in r.stdout
    missing = str(tmp_path / "missing.py")
    assert launcher.main(["--nproc-per-node", "2", missing]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ember run: error: can't open file") and missing in err
    from ember import cli

    assert cli.main(["run", missing]) == 2  # no launcher option: the in-process run says the same
    assert capsys.readouterr().err == err
    with pytest.raises(SystemExit) as e:
        launcher.main(["--nproc-per-node", "0", missing])
    assert e.value.code == 2 and "must be a positive integer, got 0" in capsys.readouterr().err


def test_script_options_that_look_like_launcher_options_reach_the_script(tmp_path: Path) -> None:
    script = tmp_path / "args.py"
    script.write_text("import json, os, sys\nprint(json.dumps([os.environ['RANK'], sys.argv[1:]]), flush=True)\n")
    r = _launch("--nproc-per-node", "2", str(script), "--nproc", "3", "--nnodes", "x",
                env=_env(EMBER_RUN_NO_MPIEXEC="1"))
    assert r.returncode == 0, r.stderr
    got = sorted(json.loads(line) for line in r.stdout.splitlines() if line.startswith("["))
    assert got == [["0", ["--nproc", "3", "--nnodes", "x"]], ["1", ["--nproc", "3", "--nnodes", "x"]]]
