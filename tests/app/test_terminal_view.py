"""The embedded terminal (`s` on a pod) on the sandbox's real node: a shell inside the TUI,
keys as a terminal sends them, resize, exit status, leaving, refusals; and in a real pty."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from rich.color import Color
from textual import events
from textual.pilot import Pilot

from tests.app.helpers import browser, browser_app, fresh_namespace, names, until
from tests.app.test_pty import _read_until, spawn_podbay
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.terminal_helpers import no_exec_kubeconfig, running_pod
from tui.app.browser import Browser
from tui.app.dialogs import ErrorDialog
from tui.app.terminal_view import PodTerminal, TerminalScreen, _colour, key_bytes


def _key(key: str, character: str | None = None) -> events.Key:
    return events.Key(key, character)


def test_keys_become_the_bytes_a_terminal_sends() -> None:
    assert key_bytes(_key("a", "a")) == b"a"
    assert key_bytes(_key("é", "é")) == "é".encode()
    assert key_bytes(_key("enter", "\r")) == b"\r"
    assert key_bytes(_key("ctrl+c")) == b"\x03"
    assert key_bytes(_key("ctrl+d")) == b"\x04"
    assert key_bytes(_key("escape", "\x1b")) == b"\x1b"
    assert key_bytes(_key("up")) == b"\x1b[A"
    assert key_bytes(_key("backspace")) == b"\x7f"
    assert key_bytes(_key("alt+b")) == b"\x1bb"
    assert key_bytes(_key("f5")) == b"\x1b[15~"
    assert key_bytes(_key("shift+tab")) == b"\x1b[Z"


def test_pyte_colours_become_rich_colours() -> None:
    assert _colour("default") is None
    assert _colour("red") == Color.parse("red")
    assert _colour("brown") == Color.parse("yellow")  # pyte's name for yellow
    assert _colour("brightbrown") == Color.parse("bright_yellow")
    assert _colour("ff00d7") == Color.parse("#ff00d7")
    assert _colour("no-such-colour") is None


def test_queries_from_the_program_are_answered() -> None:
    """A program asking where the cursor is (ESC[6n) or what the terminal is (ESC[c) gets
    the answer on its stdin, as from a real terminal."""
    sent: list[bytes] = []

    class Session:  # only what the widget uses to answer
        exit = None

        def write(self, data: bytes) -> None:
            sent.append(data)

    widget = PodTerminal()
    widget.session = Session()  # type: ignore[assignment]
    widget.stream.feed(b"ab\x1b[6n\x1b[c")
    assert sent == [b"\x1b[1;3R", b"\x1b[?6c"]


def term(app: Any) -> TerminalScreen:
    screen = app.screen
    assert isinstance(screen, TerminalScreen), screen
    return screen


def shown(app: Any) -> str:
    return term(app).terminal.text()


def status(app: Any) -> str:
    return str(term(app).query_one("#term-status").render())


async def _shell(pilot: Pilot[Any], pod: str) -> None:
    app: Any = pilot.app
    await until(pilot, lambda: pod in names(app), f"pod {pod}")
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, TerminalScreen), "the terminal")
    await until(pilot, lambda: "@" in shown(app) and "#" in shown(app), "the shell's prompt")


async def _run(pilot: Pilot[Any], line: str, needle: str, timeout: float = 20) -> None:
    await pilot.press(*line, "enter")
    await until(pilot, lambda: needle in shown(pilot.app), f"{needle!r} on the screen", timeout)


@pytest.mark.cluster
async def test_a_shell_inside_the_tui(real_node: Namespace) -> None:
    pod = running_pod(real_node)
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(100, 30)) as pilot:
        await _shell(pilot, pod)
        assert "● " in status(app) and f"{pod}/runner" in status(app)
        await _run(pilot, "echo sum-$((40+2)); stty size", "sum-42")
        await until(pilot, lambda: "28 100" in shown(app), "the widget's size (30 - 2 rows)")

        await _run(pilot, "sleep 300", "sleep 300")
        await pilot.press("ctrl+c")  # reaches the shell, not the app
        await until(pilot, lambda: "^C" in shown(app), "the interrupt")
        await pilot.press("ctrl+l")  # clear screen: a control key through pyte
        await until(pilot, lambda: "sum-42" not in shown(app), "the screen cleared")
        await pilot.press("ctrl+p")  # readline's previous line, not the command palette
        await until(pilot, lambda: "sleep 300" in shown(app), "the recalled line")
        assert isinstance(app.screen, TerminalScreen)
        await pilot.press("ctrl+u")  # erase the recalled line

        await pilot.resize_terminal(90, 26)
        deadline = time.monotonic() + 20  # the kubelet applies a resize on its own goroutine
        while "24 90" not in shown(app):
            await pilot.press(*"clear; stty size", "enter")
            await pilot.pause(0.5)
            assert time.monotonic() < deadline, shown(app)

        await _run(pilot, "printf '\\033[31mred\\033[0m plain\\n'", "red plain")
        # the shell asks where the cursor is; the widget's answer arrives on its stdin
        await _run(pilot, "printf '\\033[6n'; read -rs -d R pos; echo at=${pos#*[}=", "at=")
        await until(pilot, lambda: re.search(r"at=\d+;1=", shown(app)) is not None, "answer")
        await _run(pilot, "exit 5", "exit 5")
        await until(pilot, lambda: "exited with code 5" in status(app), "the exit status")
        await pilot.press("x")  # any key goes back once the shell is gone
        await until(pilot, lambda: isinstance(app.screen, Browser), "back to the list")


@pytest.mark.cluster
async def test_ctrl_bracket_leaves_and_hangs_up(real_node: Namespace) -> None:
    pod = running_pod(real_node)
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(100, 30)) as pilot:
        await _shell(pilot, pod)
        await _run(pilot, "echo $$ > /tmp/shell.pid; echo saved-$((1+1))", "saved-2")
        session = term(app).session
        assert session is not None
        await pilot.press("ctrl+right_square_bracket")
        assert isinstance(app.screen, Browser)
        ended = session.wait(30)
        assert ended is not None and ended.reason == "closed"
    from tui.core import execution

    probe = "kill -0 $(cat /tmp/shell.pid) 2>/dev/null && echo alive || echo gone"
    deadline = time.monotonic() + 20
    while True:  # the hang-up ends the shell in the pod, as closing a terminal does
        out = execution.run(real_node.admin, real_node.name, pod, ["sh", "-c", probe]).stdout
        if out.strip() == "gone" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert out.strip() == "gone"


@pytest.mark.cluster
async def test_refusals_say_why(real_node: Namespace, tmp_path: Path) -> None:
    ns = real_node.name
    real_node.core.create_namespaced_pod(ns, pod_manifest("done", container={"command": ["true"]}))
    wait_pod(real_node.core, ns, "done", ("Succeeded",))
    app = browser_app(real_node.sandbox.kubeconfig("admin"), ns)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: names(app) == ["done"], "the finished pod")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ErrorDialog), "an error")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert dialog.what == "pod done is Succeeded: a terminal needs a running container"
        assert "their logs remain" in dialog.fix
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, Browser), "back to the list")

    running_pod(real_node, "box")
    app = browser_app(no_exec_kubeconfig(real_node, tmp_path), ns)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: "box" in names(app), "the pod")
        await until(pilot, lambda: "create pods/exec" in browser(app).denied, "access review")
        await pilot.press("s")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "cannot create pods/exec" in dialog.what and "pods/exec" in dialog.fix


@pytest.mark.cluster
def test_a_shell_through_a_real_pty(real_node: Namespace, tmp_path: Path) -> None:
    """podbay as a user runs it: keys typed into the pty reach the pod's shell and its
    output comes back drawn on the screen."""
    pod = running_pod(real_node)
    proc = spawn_podbay(real_node, tmp_path)
    seen = bytearray()
    try:
        _read_until(proc, seen, b"1 pod ")
        proc.write(b"s")
        _read_until(proc, seen, b"ctrl+] back to the list")
        _read_until(proc, seen, f"@{pod}:".encode())
        proc.write(b"echo pty-$((6*7))\r")
        _read_until(proc, seen, b"pty-42")
        proc.write(b"\x1d")  # ctrl+]
        seen.clear()
        _read_until(proc, seen, b"Describe")  # the list's footer again
        proc.write(b"\x11")  # ctrl+q
        proc.wait()
        assert (proc.exitstatus, proc.signalstatus) == (0, None)
    finally:
        if proc.isalive():
            proc.terminate(force=True)
    assert b"Traceback" not in bytes(seen)


TERM_NS = "terminal-snapshot"


@pytest.mark.cluster
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_terminal_snapshot(
    sandbox: Any, admin: Any, snap_compare: Any, size: tuple[int, int]
) -> None:
    from kubernetes import client

    core = client.CoreV1Api(admin)
    fresh_namespace(core, TERM_NS)
    box = pod_manifest("box", container={"command": ["sleep", "600"]})
    core.create_namespaced_pod(TERM_NS, box)
    wait_pod(core, TERM_NS, "box", ("Running",))

    async def run(pilot: Pilot[Any]) -> None:
        await _shell(pilot, "box")
        await _run(pilot, "printf '\\033[1;32mok\\033[0m %s\\n' $((6*7))", "ok 42")
        await pilot.pause(0.3)

    try:
        app = browser_app(sandbox.kubeconfig("admin"), TERM_NS)
        assert snap_compare(app, terminal_size=size, run_before=run)
    finally:
        core.delete_namespace(TERM_NS)
