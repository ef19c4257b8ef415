"""``python -m ember.distributed.run`` (and ``ember run --nproc-per-node N``): start a script as N ranks, as
``torchrun`` does.

    python -m ember.distributed.run --nproc-per-node 4 train.py --epochs 1
    ember run --nproc-per-node 4 train.py --epochs 1      # the same, with `import torch` resolved to ember

Each rank gets PyTorch's environment (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``,
``GROUP_RANK``/``NODE_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``) plus ``EMBER_DIST_AUTHKEY``, the key of the
rendezvous. When one rank fails (a non-zero exit or a signal) the launcher names it, prints its last
traceback, stops the other ranks and exits non-zero, so a rank that dies mid-collective never leaves the
others waiting. docs/distributed.md, "Launching", has the details.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any

__all__ = ["add_arguments", "launch", "main", "script_error", "wants_launcher"]

_POLL_S = 0.05  # how often the launcher looks at its ranks
_GRACE_S = 5.0  # how long a stopped rank has between SIGTERM and SIGKILL
_TAIL_LINES = 200  # the stderr lines kept per rank, to show its last traceback
_HOLD_S = 0.1  # how long the end of a line is awaited before the part already read is shown
_TRACEBACK = "Traceback (most recent call last):"
# NOTE: Hydra's mpiexec exits with the signal's number, not 128 + it, when its process is killed, and says
# which on its stdout ("... EXIT STRING: Killed (signal 9)"); without it a SIGKILL reads as exit code 9
_HYDRA_SIGNAL = re.compile(rb"EXIT STRING: [^\n]*\(signal (\d+)\)")
# the lines of Hydra's "BAD TERMINATION" box, dropped from a rank the launcher stopped itself: that news it has
_HYDRA_BOX = re.compile(rb"(|=+|=   .*|YOUR APPLICATION TERMINATED WITH THE EXIT STRING: .*|This typically refers to a "
                        rb"problem with your application\.|Please see the FAQ page for debugging suggestions)\r?")
# `python -m MODULE` with the torch alias installed first (ember.torch_alias runs files only)
_ALIAS_MODULE = ("import runpy, sys\nimport ember.torch_alias\nember.torch_alias.install()\n"
                 "sys.argv = sys.argv[1:]\nrunpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n")
_LAUNCHER_OPTIONS = ("nproc_per_node", "nnodes", "node_rank", "master_addr", "master_port")
_output_lock = threading.Lock()


def _positive_int(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {n}")
    return n


def _nonnegative_int(text: str) -> int:
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {n}")
    return n


def _port(text: str) -> int:
    n = int(text)
    if not 0 < n < 65536:
        raise argparse.ArgumentTypeError(f"must be a TCP port (1 to 65535), got {n}")
    return n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the launcher's options (torchrun's names, both spellings) and ``script [args...]`` to ``parser``."""
    # NOTE: defaults are None so that `ember run` can tell a launch (any option given) from a plain run
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=_positive_int, default=None, metavar="N",
                        help="processes (ranks) to start on this node (default 1)")
    parser.add_argument("--nnodes", type=_positive_int, default=None, metavar="M",
                        help="nodes taking part; start the launcher once on each (default 1)")
    parser.add_argument("--node-rank", "--node_rank", type=_nonnegative_int, default=None, metavar="K",
                        help="this node's index, 0 to M-1 (default 0); its ranks are K*N to K*N+N-1")
    parser.add_argument("--master-addr", "--master_addr", default=None, metavar="ADDR",
                        help="address of node 0, where rank 0 listens for the rendezvous (default 127.0.0.1)")
    parser.add_argument("--master-port", "--master_port", type=_port, default=None, metavar="PORT",
                        help="port of the rendezvous on node 0 (default: a free port on one node, 29500 on several)")
    parser.add_argument("--standalone", action="store_true",
                        help="one node on a free port (the default; accepted for torchrun's command lines)")
    parser.add_argument("-m", "--module", action="store_true",
                        help="SCRIPT is a module name, run as `python -m SCRIPT`")
    parser.add_argument("script", metavar="SCRIPT", help="the Python file to run (with -m: the module)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")


def wants_launcher(args: argparse.Namespace) -> bool:
    """Whether ``args`` (parsed by :func:`add_arguments`) gave any launcher option, ``-m`` included."""
    return args.module or args.standalone or any(getattr(args, k) is not None for k in _LAUNCHER_OPTIONS)


def script_error(args: argparse.Namespace) -> str | None:
    """Why ``args.script`` cannot be run (a file that does not exist), or None."""
    if args.module or Path(args.script).is_file():
        return None
    return f"can't open file {args.script!r}: no such file (give a Python file, or -m and a module name)"


def _free_port() -> int:
    # NOTE: port 0 makes the kernel pick an unused port; closed again at once, so rank 0 can bind it. Two runs
    # on one machine thus get different ports (a fixed 29500 would make the second one's rendezvous fail).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("", 0))
        return int(s.getsockname()[1])


def _mpiexec() -> str | None:
    # NOTE: ranks started as plain singletons cannot join one MPI communicator under MPICH (MPI_Comm_connect
    # fails with "Local and remote groups ... not disjoint"), while each under its own `mpiexec -n 1` can: the
    # mpi group joins them with MPI_Comm_accept/connect. So ranks run under mpiexec wherever mpi4py could use it.
    if os.environ.get("EMBER_RUN_NO_MPIEXEC", "") not in ("", "0"):
        return None
    if importlib.util.find_spec("mpi4py") is None:
        return None
    beside = Path(sys.executable).parent / "mpiexec"  # the one of this venv (the mpich wheel's) comes first
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("mpiexec")


def _command(args: argparse.Namespace, alias_torch: bool, mpiexec: str | None) -> list[str]:
    if args.module:
        target = ["-c", _ALIAS_MODULE, args.script] if alias_torch else ["-m", args.script]
    else:
        target = ["-m", "ember.torch_alias", args.script] if alias_torch else [args.script]
    prefix = [mpiexec, "-n", "1"] if mpiexec else []
    return [*prefix, sys.executable, *target, *args.args]


def _write(stream: IO[str], data: bytes) -> None:
    """Write ``data`` to the launcher's stdout or stderr whole, without interleaving another rank's write."""
    with _output_lock:
        try:
            buffer = getattr(stream, "buffer", None)
            if buffer is None:
                stream.write(data.decode(errors="replace"))
            else:
                stream.flush()
                buffer.write(data)
                buffer.flush()
            stream.flush()
        except (OSError, ValueError):
            pass  # the reader of our output went away (`| head`): the ranks run on, their output is dropped


def _say(text: str) -> None:
    _write(sys.stderr, (text.rstrip("\n") + "\n").encode())


def _pump(pipe: IO[bytes], stream: IO[str], keep: Callable[[bytes], None], edit: Callable[[bytes], bytes]) -> None:
    """Copy ``pipe`` to ``stream`` until it closes, whole lines at a time so that ranks' lines never mix; each
    chunk read also goes to ``keep``, and the lines pass through ``edit`` on their way."""
    fd, held = pipe.fileno(), b""
    while True:
        if held and not select.select([fd], [], [], _HOLD_S)[0]:
            # NOTE: a line not ended yet (a prompt, a progress bar's \r) is shown after a short wait
            _write(stream, held)
            held = b""
            continue
        data = os.read(fd, 65536)
        if not data:
            break
        keep(data)
        held += data
        cut = held.rfind(b"\n") + 1 if len(held) < 65536 else len(held)
        if cut:
            _write(stream, edit(held[:cut]))
            held = held[cut:]
    if held:
        _write(stream, held)
    pipe.close()


class _Rank:
    """One started rank: its process, the tail of its stderr, and what Hydra said about how it ended."""

    def __init__(self, rank: int, proc: subprocess.Popen[bytes]) -> None:
        self.rank = rank
        self.proc = proc
        self.tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self.hydra_signal: int | None = None
        self.stopping = False  # set when the launcher stops this rank
        self.readers = [threading.Thread(target=self._pump_stderr, daemon=True)]
        if proc.stdout is not None:
            self.readers.append(threading.Thread(target=self._pump_stdout, daemon=True))
        for t in self.readers:
            t.start()

    def _pump_stderr(self) -> None:
        assert self.proc.stderr is not None
        partial = b""

        def keep(data: bytes) -> None:
            nonlocal partial
            *lines, partial = (partial + data).split(b"\n")
            partial = partial[-4096:]  # a line that never ends (a progress bar) must not grow without bound
            self.tail.extend(line.decode(errors="replace") for line in lines)

        _pump(self.proc.stderr, sys.stderr, keep, lambda lines: lines)
        if partial:
            self.tail.append(partial.decode(errors="replace"))

    def _pump_stdout(self) -> None:
        assert self.proc.stdout is not None
        last = b""

        def keep(data: bytes) -> None:
            nonlocal last
            last = (last + data)[-4096:]

        def drop_box(data: bytes) -> bytes:
            if not self.stopping:
                return data
            *lines, rest = data.split(b"\n")
            return b"".join(line + b"\n" for line in lines if not _HYDRA_BOX.fullmatch(line)) + rest

        _pump(self.proc.stdout, sys.stdout, keep, drop_box)
        found = _HYDRA_SIGNAL.findall(last)
        self.hydra_signal = int(found[-1]) if found else None

    def join(self, timeout: float) -> None:
        """Wait (up to ``timeout`` seconds) until the rank's output is forwarded to its end."""
        deadline = time.monotonic() + timeout
        for t in self.readers:
            t.join(max(0.0, deadline - time.monotonic()))

    def killed_by(self) -> int | None:
        """The signal that ended the rank (its own, or under mpiexec its script's), or None."""
        code = self.proc.returncode
        if code is not None and code < 0:
            return -code
        return self.hydra_signal if code else None


def _last_traceback(lines: Iterable[str]) -> str | None:
    lines = list(lines)
    starts = [i for i, line in enumerate(lines) if line.startswith(_TRACEBACK)]
    if not starts:
        return None
    return "\n".join(lines[starts[-1]:]).rstrip()


def _descendants(roots: Sequence[int]) -> set[int]:
    """``roots`` and every process below them (from /proc; just ``roots`` where there is none)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set(roots)
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_bytes()
        except OSError:
            continue  # exited since the listing
        children[int(stat[stat.rfind(b")") + 2:].split()[1])].append(int(entry))
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _process_groups(ranks: Sequence[_Rank]) -> set[int]:
    # NOTE: each rank leads its own group (start_new_session), but Hydra's proxy puts the script in a session
    # of its own too: killing mpiexec's group alone could leave the script running, so take every group below
    groups = {r.proc.pid for r in ranks}
    for pid in _descendants([r.proc.pid for r in ranks]):
        try:
            groups.add(os.getpgid(pid))
        except OSError:
            pass
    return groups - {0, 1, os.getpgrp()}


def _signal_groups(groups: Iterable[int], signum: int) -> None:
    for group in groups:
        try:
            os.killpg(group, signum)
        except (ProcessLookupError, PermissionError):
            pass


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Launch:
    """The ranks of one run, and the signals the launcher received while they ran."""

    def __init__(self) -> None:
        self.ranks: list[_Rank] = []
        self.signals: list[int] = []

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: note the signal; the polling loop forwards it to the ranks."""
        self.signals.append(signum)

    def stop(self, signum: int) -> None:
        """Send ``signum`` to every rank's processes, then SIGKILL what is left after the grace period."""
        for r in self.ranks:
            r.stopping = True
        groups = _process_groups(self.ranks)
        _signal_groups(groups, signum)
        seen = len(self.signals)
        deadline = time.monotonic() + _GRACE_S
        while time.monotonic() < deadline and len(self.signals) <= seen:  # a second Ctrl-C: kill at once
            for r in self.ranks:
                r.proc.poll()  # reaps the ranks that ended, so their groups can go away
            if not any(_group_alive(g) for g in groups):
                break
            time.sleep(_POLL_S)
        _signal_groups([g for g in groups if _group_alive(g)], signal.SIGKILL)
        for r in self.ranks:
            try:
                r.proc.wait(_GRACE_S)
            except subprocess.TimeoutExpired:
                pass  # unkillable (in the kernel); we exit regardless
        for r in self.ranks:
            r.join(1.0)

    def watch(self) -> int:
        """Poll the ranks until all succeed (0), one fails or the launcher is signalled; the exit status."""
        while True:
            if self.signals:
                signum = self.signals[0]
                _say(f"ember run: got {signal.Signals(signum).name}; stopping the ranks")
                self.stop(signum)
                return 128 + signum
            codes = [r.proc.poll() for r in self.ranks]
            failed = [r for r, code in zip(self.ranks, codes) if code not in (None, 0)]
            if failed:
                return self.fail(failed[0])
            if all(code == 0 for code in codes):
                for r in self.ranks:
                    r.join(1.0)
                return 0
            time.sleep(_POLL_S)

    def fail(self, rank: _Rank) -> int:
        """Report ``rank``'s failure and its last traceback, stop the others; the exit status."""
        # NOTE: a bounded wait: the pipe stays open while a child the rank left behind holds it
        rank.join(2.0)
        signum = rank.killed_by()
        code = rank.proc.returncode
        if signum is not None:
            try:
                name = signal.Signals(signum).name
            except ValueError:
                name = str(signum)
            how = f"killed by signal {name}"
        else:
            how = f"exit code {code}"
        _say(f"ember run: rank {rank.rank} (pid {rank.proc.pid}) failed: {how}")
        _say(_last_traceback(rank.tail) or f"ember run: rank {rank.rank} printed no Python traceback")
        self.stop(signal.SIGTERM)
        return 128 + signum if signum is not None else int(code or 1)


def launch(args: argparse.Namespace, *, alias_torch: bool = False) -> int:
    """Start ``args.script`` as the ranks of this node (``args`` parsed by :func:`add_arguments`) and watch them;
    the exit status (0 when every rank exited 0). ``alias_torch``: run it with ``import torch`` as ember."""
    nproc, nnodes = args.nproc_per_node or 1, args.nnodes or 1
    node_rank = args.node_rank or 0
    if node_rank >= nnodes:
        _say(f"ember run: error: --node-rank {node_rank} is out of range for --nnodes {nnodes} (0 to {nnodes - 1})")
        return 2
    if args.standalone and nnodes > 1:
        _say("ember run: error: --standalone is one node; leave it out to run on several (--nnodes)")
        return 2
    error = script_error(args)
    if error:
        _say(f"ember run: error: {error}")
        return 2
    addr = args.master_addr or "127.0.0.1"
    port = args.master_port or (29500 if nnodes > 1 else _free_port())
    env = dict(os.environ, MASTER_ADDR=addr, MASTER_PORT=str(port), WORLD_SIZE=str(nnodes * nproc),
               LOCAL_WORLD_SIZE=str(nproc), GROUP_RANK=str(node_rank), NODE_RANK=str(node_rank))
    if nnodes == 1 and "EMBER_DIST_AUTHKEY" not in env:
        # NOTE: a fresh secret per run: only this run's ranks can answer its rendezvous. Several nodes must
        # share one, which only the user can hand out (ember's fixed default key applies when none is set).
        env["EMBER_DIST_AUTHKEY"] = secrets.token_hex(16)
    if nproc > 1 and "OMP_NUM_THREADS" not in env:
        env["OMP_NUM_THREADS"] = "1"  # as torchrun: N ranks each using every core would oversubscribe them
    mpiexec = _mpiexec()
    command = _command(args, alias_torch, mpiexec)

    run = _Launch()
    handled = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    previous: dict[int, Any] = {}
    try:
        for s in handled:
            previous[s] = signal.signal(s, run.on_signal)
    except ValueError:
        pass  # not the main thread: signals stay as they are
    try:
        for local_rank in range(nproc):
            rank = node_rank * nproc + local_rank
            rank_env = dict(env, RANK=str(rank), LOCAL_RANK=str(local_rank))
            try:
                # NOTE: a session of its own, so os.killpg stops the rank with every process it started; stdin
                # is /dev/null because N ranks (and Hydra, which forwards it) reading one terminal would fight;
                # stdout is piped through the launcher even without Hydra, so two ranks' lines never mix
                proc = subprocess.Popen(command, env=rank_env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            except OSError as e:
                _say(f"ember run: error: cannot start rank {rank} ({command[0]}): {e}")
                run.stop(signal.SIGTERM)
                return 1
            run.ranks.append(_Rank(rank, proc))
        return run.watch()
    finally:
        if any(r.proc.poll() is None for r in run.ranks):
            run.stop(signal.SIGTERM)  # an error of the launcher itself must not leave ranks behind
        for s, handler in previous.items():
            signal.signal(s, handler)


def main(argv: list[str] | None = None) -> int:
    """Run the launcher with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    # NOTE: allow_abbrev=False: a script option such as --nproc must not be taken for --nproc-per-node
    parser = argparse.ArgumentParser(
        prog="python -m ember.distributed.run", allow_abbrev=False,
        description="Start SCRIPT as --nproc-per-node processes (ranks) on this node, as torchrun does, with RANK, "
        "LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT and EMBER_DIST_AUTHKEY set. If a rank "
        "fails, its traceback is printed, the other ranks are stopped and the exit status is non-zero. Arguments "
        "after SCRIPT are the script's own. `ember run` takes the same options and also resolves `import torch` "
        "to ember.")
    add_arguments(parser)
    return launch(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
