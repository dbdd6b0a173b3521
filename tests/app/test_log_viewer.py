"""The log viewer (`l`) on the sandbox's real node: live lines, how the container ended,
filter, timestamps, previous container, container picker, waiting for a container to
start, saving, an account without pods/log, and snapshots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from textual.pilot import Pilot

from tests.accounts import account_kubeconfig
from tests.app.helpers import browser, browser_app, fresh_namespace, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tui.app.dialogs import ErrorDialog, HelpScreen, Picker
from tui.app.logviewer import LogViewer
from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster
SIZES = [(80, 24), (120, 40)]


def _shell_pod(name: str, script: str, **spec: Any) -> dict[str, Any]:
    return pod_manifest(name, container={"command": ["sh", "-c", script]}, **spec)


def viewer(app: Any) -> LogViewer:
    screen = app.screen
    assert isinstance(screen, LogViewer), screen
    return screen


def shown(app: Any) -> list[str]:
    return viewer(app).lines.shown()


def status(app: Any) -> str:
    return str(viewer(app).query_one("#log-status").render())


async def _open(pilot: Pilot[Any], name: str) -> None:
    app: Any = pilot.app
    await until(pilot, lambda: name in names(app), f"pod {name} listed")
    await pilot.press("g")
    for _ in range(len(names(app))):
        current = browser(app).table.current
        if current is not None and current.name == name:
            break
        await pilot.press("j")
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, LogViewer), "the log viewer")


async def test_lines_arrive_live_and_the_end_says_how_it_exited(real_node: Namespace) -> None:
    script = "for i in 1 2 3 4 5; do echo line-$i; sleep 0.4; done; echo done >&2; exit 3"
    real_node.core.create_namespaced_pod(real_node.name, _shell_pod("talker", script))
    wait_pod(real_node.core, real_node.name, "talker", ("Running", "Failed"))
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, "talker")
        seen_partial = False
        deadline = time.monotonic() + 60
        while "exited with code 3" not in status(app):
            count = len(shown(app))
            seen_partial = seen_partial or 0 < count < 6
            assert time.monotonic() < deadline, status(app)
            await pilot.pause(0.05)
        assert shown(app) == ["line-1", "line-2", "line-3", "line-4", "line-5", "done"]
        assert seen_partial, "the lines should arrive while the container runs"
        assert "■ ended: exited with code 3 │ 6 lines" in status(app)

        await pilot.press("slash", *"line-[24]", "enter")
        assert shown(app) == ["line-2", "line-4"]
        assert "2 match" in status(app)
        await pilot.press("slash", *"(unbalanced", "enter")  # not a regex: plain text
        assert shown(app) == []
        await pilot.press("escape")  # clears the filter
        assert len(shown(app)) == 6

        await pilot.press("t")  # timestamps: the stream starts over with them
        await until(pilot, lambda: len(shown(app)) == 6, "the log again, stamped")
        stamp, _, text = shown(app)[0].partition(" ")
        assert text == "line-1" and stamp[:4].isdigit() and stamp.endswith("Z")
        assert "timestamps" in str(viewer(app).query_one("#log-title").render())

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = [k for _, section in app.screen.sections for k, _ in section]
        assert {"/", "s", "t", "p", "c", "ctrl+s"} <= set(keys)
        await pilot.press("escape", "escape")
        assert browser(app) is app.screen  # back to the list


async def test_previous_container_and_the_container_picker(real_node: Namespace) -> None:
    ns = real_node.name
    retry = _shell_pod(
        "retrier", "echo attempt-$(cat /proc/sys/kernel/random/uuid); sleep 4; exit 1"
    )
    retry["spec"]["restartPolicy"] = "OnFailure"
    real_node.core.create_namespaced_pod(ns, retry)
    two = _shell_pod("pair", "echo from runner; sleep 600")
    two["spec"]["containers"].append(
        {"name": "sidecar", "image": "podbay.local/debian:12",
         "command": ["sh", "-c", "echo from sidecar; sleep 600"]}
    )  # fmt: skip
    real_node.core.create_namespaced_pod(ns, two)
    deadline = time.monotonic() + 90
    while True:  # restarted, running again: the previous container's log is there
        pod = real_node.core.read_namespaced_pod("retrier", ns)
        st = (pod.status.container_statuses or [None])[0]
        if st is not None and st.restart_count >= 1 and st.state.running:
            break
        assert time.monotonic() < deadline, "never restarted"
        time.sleep(0.3)
    app = browser_app(real_node.sandbox.kubeconfig("admin"), ns)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, "retrier")
        await until(pilot, lambda: len(shown(app)) == 1, "the current attempt")
        current = shown(app)[0]
        await pilot.press("p")
        await until(pilot, lambda: len(shown(app)) == 1 and shown(app)[0] != current, "previous")
        assert shown(app)[0].startswith("attempt-")
        assert "previous container" in str(viewer(app).query_one("#log-title").render())
        await pilot.press("escape")

        await _open(pilot, "pair")
        await until(pilot, lambda: shown(app) == ["from runner"], "the first container")
        await pilot.press("c")
        picker = app.screen
        assert isinstance(picker, Picker) and picker.choices == ["runner", "sidecar"]
        await pilot.press(*"side", "enter")
        await until(pilot, lambda: shown(app) == ["from sidecar"], "the sidecar's log")
        assert "sidecar" in str(viewer(app).query_one("#log-title").render())
        assert "● following" in status(app)


async def test_waits_for_a_starting_container_and_saves(
    real_node: Namespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    slow = _shell_pod("slow-start", "echo started; sleep 600")
    slow["spec"]["initContainers"] = [
        {"name": "init", "image": "podbay.local/debian:12", "command": ["sleep", "4"]}
    ]
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        real_node.core.create_namespaced_pod(real_node.name, slow)
        await _open(pilot, "slow-start")
        await until(pilot, lambda: "waiting for the container" in status(app), "waiting", 20)
        await until(pilot, lambda: shown(app) == ["started"], "the line once it started", 60)
        await pilot.press("ctrl+s")
        [saved] = (tmp_path / "podbay-logs").glob(f"{real_node.name}-slow-start-runner-*.log")
        assert saved.read_text() == "started\n"


async def test_an_account_without_pods_log_is_told_what_to_add(
    real_node: Namespace, tmp_path: Path
) -> None:
    real_node.core.create_namespaced_pod(real_node.name, pod_manifest("quiet", kwok=True))
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    app = browser_app(account_kubeconfig(real_node, tmp_path, "nolog", rules), real_node.name)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["quiet"], "the pod")
        await until(pilot, lambda: "get pods/log" in browser(app).denied, "access review")
        await pilot.press("l")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "cannot get pods/log" in dialog.what and 'resources: ["pods/log"]' in dialog.fix


# ---- snapshots -------------------------------------------------------------------------
SNAP_NS = "log-snapshot"


@pytest.fixture(scope="module")
def log_scene(sandbox: Sandbox, admin: client.ApiClient) -> Iterator[Path]:
    core = client.CoreV1Api(admin)
    fresh_namespace(core, SNAP_NS)
    script = (
        "printf 'collecting 42 items\\n';"
        " printf '\\033[32mPASSED\\033[0m tests/test_api.py::test_list\\n';"
        " printf '\\033[31mFAILED\\033[0m tests/test_api.py::test_create - AssertionError\\n';"
        ' for i in $(seq 1 30); do echo "log line $i of the run"; done; exit 1'
    )
    core.create_namespaced_pod(SNAP_NS, _shell_pod("tests-run", script))
    wait_pod(core, SNAP_NS, "tests-run", ("Failed",))
    yield sandbox.kubeconfig("admin")
    core.delete_namespace(SNAP_NS)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_log_viewer_snapshot(log_scene: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _open(pilot, "tests-run")
        await until(pilot, lambda: "exited with code 1" in status(pilot.app), "the log's end")
        await pilot.press("slash", *"test_", "enter")
        await pilot.pause(0.3)

    app = browser_app(log_scene, SNAP_NS)
    assert snap_compare(app, terminal_size=size, run_before=run)
