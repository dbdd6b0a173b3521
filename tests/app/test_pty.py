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


def spawn_podbay(
    ns: Namespace,
    tmp_path: Path,
    term: str = "xterm-256color",
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> PtyProcess:
    """``podbay`` on ``ns`` as a user starts it, in a real 80x24 pty (its own settings file;
    no colour hints from the environment but TERM)."""
    full = {k: v for k, v in os.environ.items() if k not in ("COLORTERM", "NO_COLOR", "TEXTUAL")}
    full.update(TERM=term, PODBAY_CONFIG=str(tmp_path / "settings.yaml"), **(env or {}))
    full["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])  # run from another cwd too
    kubeconfig = str(ns.sandbox.kubeconfig("admin"))
    argv = [sys.executable, "-m", "tui", "--kubeconfig", kubeconfig, "-n", ns.name]
    return PtyProcess.spawn(argv, env=full, dimensions=(24, 80), cwd=str(cwd) if cwd else None)


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


def test_the_editor_gets_the_terminal_and_podbay_comes_back(
    namespace: Namespace, tmp_path: Path
) -> None:
    """ctrl+o in the pod form suspends the TUI and runs $EDITOR on the real terminal (as
    k9s does); what the editor saves is created when the TUI is back. The "editor" here
    checks it owns a TTY and places the pod on a kwok node, which the form cannot do."""
    project = tmp_path / "proj"
    project.mkdir()
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import os, sys, pathlib, yaml\n"
        "assert os.isatty(0) and os.isatty(1), 'the editor has no terminal'\n"
        "print('EDITOR-RUNNING', flush=True)\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "doc = yaml.safe_load(p.read_text())\n"
        "doc['spec']['nodeSelector'] = {'type': 'kwok'}\n"
        "taint = {'key': 'kwok.x-k8s.io/node', 'operator': 'Exists', 'effect': 'NoSchedule'}\n"
        "doc['spec']['tolerations'] = [taint]\n"
        "p.write_text(yaml.safe_dump(doc))\n"
    )
    editor_env = {"EDITOR": f"{sys.executable} {editor}"}
    proc = spawn_podbay(namespace, tmp_path, env=editor_env, cwd=project)
    seen = bytearray()
    try:
        _read_until(proc, seen, b"0 pods")
        proc.write(b"n")
        _read_until(proc, seen, b"New pod")
        _read_until(proc, seen, b"no version files found")  # mounted: focus is on Name
        proc.write(b"\t\t\t")  # name, project, suggestion -> image
        time.sleep(0.5)  # keys typed ahead go to the widget focused when they arrived
        proc.write(b"podbay.local/debian:12")
        time.sleep(0.3)
        proc.write(b"\x0f")  # ctrl+o
        _read_until(proc, seen, b"EDITOR-RUNNING")
        _read_until(proc, seen, b"using the edited YAML")
        proc.write(b"\x13")  # ctrl+s
        _read_until(proc, seen, b"Running", timeout=60)
    finally:
        proc.terminate(force=True)
    [pod] = namespace.core.list_namespaced_pod(namespace.name).items
    assert pod.spec.node_name.startswith("kwok-node-") and pod.metadata.name == "proj-1"
