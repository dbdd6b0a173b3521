"""The real `podbay` in a real pseudo-terminal: 80x24, keyboard only, 16 and 256 colours."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from ptyprocess import PtyProcess

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest

pytestmark = pytest.mark.cluster
ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def _read_until(proc: PtyProcess, seen: bytearray, needle: bytes, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in ANSI.sub(b"", bytes(seen)):
            return
        try:
            seen += proc.read(65536)
        except EOFError:
            break
    text = ANSI.sub(b"", bytes(seen))[-2000:]
    raise AssertionError(f"{needle!r} never appeared on the terminal; last output: {text!r}")


def spawn_podbay(ns: Namespace, tmp_path: Path, term: str = "xterm-256color") -> PtyProcess:
    """``podbay`` on ``ns`` as a user starts it, in a real 80x24 pty (its own settings file;
    no colour hints from the environment but TERM)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "NO_COLOR", "TEXTUAL")}
    env.update(TERM=term, PODBAY_CONFIG=str(tmp_path / "settings.yaml"))
    kubeconfig = str(ns.sandbox.kubeconfig("admin"))
    argv = [sys.executable, "-m", "tui", "--kubeconfig", kubeconfig, "-n", ns.name]
    return PtyProcess.spawn(argv, env=env, dimensions=(24, 80))


@pytest.mark.parametrize("term", ["screen", "xterm-256color"])
def test_podbay_runs_in_a_pty(namespace: Namespace, tmp_path: Path, term: str) -> None:
    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("ptypod", kwok=True))
    proc = spawn_podbay(namespace, tmp_path, term)
    seen = bytearray()
    try:
        _read_until(proc, seen, b"ptypod")
        _read_until(proc, seen, b"1 pod ")
        proc.write(b"?")  # help, then back: keys reach the app through the pty
        _read_until(proc, seen, b"Sort by name")
        proc.write(b"\x1b")
        time.sleep(0.3)
        proc.write(b"\x11")  # ctrl+q
        deadline = time.monotonic() + 15
        while proc.isalive() and time.monotonic() < deadline:
            try:
                seen += proc.read(65536)
            except EOFError:
                break
        proc.wait()
        assert proc.exitstatus == 0
    finally:
        if proc.isalive():
            proc.terminate(force=True)
    raw = bytes(seen)
    assert b"Traceback" not in raw
    assert b"\x1b[38;2;" not in raw  # no truecolor sequences without COLORTERM
    if term == "screen":  # 16 colours: no 256-colour palette either
        assert b"\x1b[38;5;" not in raw and b";38;5;" not in raw
