"""Detached component processes: start, identify (pid + start time), stop without leftovers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ProcRecord:
    """A started process. ``start`` is /proc's start time, so a reused pid is not ours."""

    pid: int
    start: int
    argv: list[str]
    log: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProcRecord:
        return cls(int(data["pid"]), int(data["start"]), list(data["argv"]), str(data["log"]))


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks) of a pid, or None if it does not exist."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def start(argv: list[str], log: Path, env: dict[str, str] | None = None) -> ProcRecord:
    """Start ``argv`` in its own session (it outlives the CLI), output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n==== {time.strftime('%Y-%m-%dT%H:%M:%S')} start: {argv[0]}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    st = _stat(proc.pid)
    return ProcRecord(proc.pid, st[1] if st else 0, argv, str(log))


def alive(rec: ProcRecord) -> bool:
    st = _stat(rec.pid)
    if st is None or st[1] != rec.start:
        return False
    if st[0] in ("Z", "X"):
        _reap(rec.pid)
        return False
    return True


def stop(rec: ProcRecord, timeout: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``timeout`` seconds."""
    if not alive(rec):
        return
    _signal_group(rec.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(rec):
            break
        time.sleep(0.05)
    _signal_group(rec.pid, signal.SIGKILL)
    for _ in range(100):
        if not alive(rec):
            return
        time.sleep(0.02)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
