"""The interactive exec session engine (no server) against a real kubelet + containerd node."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kubernetes import config

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.terminal_helpers import no_exec_kubeconfig, running_pod
from tui.core import execution
from tui.core.errors import ApiError
from tui.core.terminal import TerminalExit, TerminalSession

pytestmark = pytest.mark.cluster


class Screen:
    """Output read so far; ``until`` consumes up to and including a needle."""

    def __init__(self, session: TerminalSession) -> None:
        self.session = session
        self.pending = b""

    def until(self, needle: bytes, wait: float = 30.0) -> bytes:
        deadline = time.monotonic() + wait
        while needle not in self.pending and time.monotonic() < deadline:
            ended = self.session.exit
            self.pending += self.session.read(0.5)
            if ended is not None and needle not in self.pending:
                break
        seen = self.pending
        assert needle in seen, f"{needle!r} never came; got {seen[-400:]!r}; {self.session.exit}"
        cut = seen.index(needle) + len(needle)
        self.pending = seen[cut:]
        return seen[:cut]


def _read_to_exit(term: TerminalSession) -> tuple[bytes, TerminalExit]:
    """Every byte the session printed, and how it ended (reads once more after the exit)."""
    got = bytearray()
    while True:
        ended = term.exit
        got += term.read(1.0)
        if ended is not None:
            return bytes(got), ended


def _until_size(term: TerminalSession, screen: Screen, size: bytes) -> None:
    """Ask ``stty size`` until the TTY has ``size``: the kubelet applies a resize on its own
    goroutine, so a command sent right after it may still see the old size."""
    deadline = time.monotonic() + 20
    while True:
        term.write(b"stty size\n")
        try:
            screen.until(size, wait=1.0)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def test_shell_round_trip_resize_and_exit_code(real_node: Namespace) -> None:
    pod = running_pod(real_node)
    with TerminalSession.open(real_node.admin, real_node.name, pod, cols=100, rows=30) as term:
        screen = Screen(term)
        term.write(b"echo sum=$((6*7)) shell=$0; stty size\n")
        screen.until(b"sum=42 shell=bash")  # the default shell prefers bash
        screen.until(b"30 100")  # the size given at open
        term.resize(120, 40)
        _until_size(term, screen, b"40 120")
        term.write(b"exit 7\n")
        assert term.wait(30) == TerminalExit(7, "exited")
        assert term.exit_code == 7
        term.write(b"ignored after the end\n")  # no error, no effect


def test_output_arrives_complete_through_a_small_buffer(real_node: Namespace) -> None:
    """200,000 lines through a 4 KiB buffer (the reader pauses and resumes) and multi-byte
    characters split across frames arrive byte for byte."""
    pod = running_pod(real_node)
    term = TerminalSession.open(
        real_node.admin, real_node.name, pod, ["seq", "1", "200000"], max_buffered=4096
    )
    got, ended = _read_to_exit(term)
    assert got == b"".join(b"%d\r\n" % i for i in range(1, 200001))
    assert ended == TerminalExit(0, "exited")
    script = "i=0; while [ $i -lt 3000 ]; do printf 'héllo wörld ✓ '; i=$((i+1)); done"
    term = TerminalSession.open(real_node.admin, real_node.name, pod, ["sh", "-c", script])
    text, ended = _read_to_exit(term)
    assert text.decode("utf-8") == "héllo wörld ✓ " * 3000


def test_close_hangs_up_the_process(real_node: Namespace) -> None:
    pod = running_pod(real_node)
    term = TerminalSession.open(real_node.admin, real_node.name, pod)
    term.write(b"sleep 4242; echo slept\n")
    Screen(term).until(b"sleep 4242")  # echoed: the shell has the line
    term.close()
    ended = term.wait(30)
    assert ended is not None and ended.reason == "closed" and ended.exit_code is None
    listing = ["sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"]
    deadline = time.monotonic() + 30
    while "sleep 4242" in execution.run(real_node.admin, real_node.name, pod, listing).stdout:
        assert time.monotonic() < deadline, "the shell's child outlived the closed terminal"
        time.sleep(0.5)


def test_open_errors_say_what_and_how_to_fix(real_node: Namespace, tmp_path: Path) -> None:
    ns = real_node
    pod = running_pod(ns)
    ns.core.create_namespaced_pod(ns.name, pod_manifest("done", container={"command": ["true"]}))
    wait_pod(ns.core, ns.name, "done", ("Succeeded",))
    cases = {
        "missing": (404, "not found", {}),
        "done": (409, "is Succeeded", {}),
        pod: (404, "container 'sidecar' not found", {"container": "sidecar"}),
    }
    for name, (status, text, kwargs) in cases.items():
        with pytest.raises(ApiError) as exc:
            TerminalSession.open(ns.admin, ns.name, name, **kwargs)
        assert exc.value.status == status and text in exc.value.what, exc.value
        assert exc.value.fix
    assert "runner" in exc.value.fix  # names the containers there are

    no_exec = config.new_client_from_config(config_file=str(no_exec_kubeconfig(ns, tmp_path)))
    try:
        with pytest.raises(ApiError) as exc:
            TerminalSession.open(no_exec, ns.name, pod)
    finally:
        no_exec.close()
    assert exc.value.status == 403
    # Kubernetes 1.34 checks "get", 1.35+ also "create": the message names the one refused.
    assert 'resource "pods/exec"' in exc.value.what and "forbidden" in exc.value.what
    assert "grant" in exc.value.fix

    # A command the image lacks: the shell that starts every command says so, exit 127.
    term = TerminalSession.open(ns.admin, ns.name, pod, ["no-such-command"])
    said = Screen(term).until(b"not found")
    assert b"no-such-command" in said
    assert term.wait(30) == TerminalExit(127, "exited")
