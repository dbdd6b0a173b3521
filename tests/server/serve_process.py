"""A real ``podbay --serve`` process for tests: two adjacent free ports (API and terminal),
started with an isolated settings file, waited for, and stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port_pair() -> int:
    """A port whose successor is free too (the terminal port is API port + 1)."""
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise AssertionError("no two adjacent free ports")


def wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.2)


def start_serve(
    settings_file: Path, args: Sequence[str], env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """``podbay --serve ARGS --port P`` listening on P and P+1; the process and P."""
    port = free_port_pair()
    full_env = {k: v for k, v in os.environ.items() if k != "PODBAY_TOKEN"}
    full_env.update(PODBAY_CONFIG=str(settings_file), **(env or {}))
    cmd = [sys.executable, "-m", "tui", "--serve", *args, "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=full_env, stderr=subprocess.PIPE)
    wait_listening(port, proc)
    wait_listening(port + 1, proc)
    return proc, port


def stop_serve(proc: subprocess.Popen[bytes], timeout: float = 30) -> str:
    """Ctrl-C, then the process's stderr (killed if it does not stop)."""
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return err.decode()
