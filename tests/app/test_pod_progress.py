"""The progress view on the sandbox's real node: a pod reaching Running, an image no node
has, a crash with its exit code and last log line, an unschedulable pod, the spec's
restricted account (no events), `l` and `s`; snapshots at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from textual.pilot import Pilot
from textual.widgets import Static

from tests.accounts import account_kubeconfig
from tests.app.helpers import browser, browser_app, fresh_namespace, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.terminal_helpers import restricted_kubeconfig
from tui.app.browser import Browser
from tui.app.dialogs import ErrorDialog
from tui.app.logviewer import LogViewer
from tui.app.pod_progress import PodProgress
from tui.app.terminal_view import TerminalScreen
from tui.core.podprogress import NO_EVENTS, Progress
from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster
SIZES = [(80, 24), (120, 40)]


def _pod(name: str, script: str | None = None, **spec: Any) -> dict[str, Any]:
    command = {"command": ["sh", "-c", script]} if script else {"command": ["sleep", "600"]}
    return pod_manifest(name, container=command, **spec)


def screen(app: Any) -> PodProgress:
    current = app.screen
    assert isinstance(current, PodProgress), current
    return current


def progress(app: Any) -> Progress | None:
    current = app.screen
    return current.progress if isinstance(current, PodProgress) else None


def shown(app: Any) -> str:
    """The view's text (every visible part of the body, drawn or scrolled away)."""
    body = screen(app).query_one("#progress-body")
    return "\n".join(
        str(w.render()) for w in body.query(Static) if w.display and w.parent and w.parent.display
    )


def status(app: Any) -> str:
    return str(screen(app).query_one("#progress-status").render())


async def _follow(pilot: Pilot[Any], namespace: str, name: str) -> None:
    """Open the progress view the way the pod form does after a create."""
    app: Any = pilot.app
    await until(pilot, lambda: browser(app).lives.get("pods") is not None, "the list")
    app.push_screen(PodProgress(app.workbench, namespace, name))
    await until(pilot, lambda: progress(app) is not None, "the first picture")


def _state(app: Any) -> str:
    p = progress(app)
    return p.state if p else "?"


async def test_follows_a_pod_to_running_then_l_and_s_open_its_log_and_shell(
    real_node: Namespace,
) -> None:
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "the list")
        # created while the view is already up: it sees the way from Pending to Running
        app.push_screen(PodProgress(app.workbench, real_node.name, "web"))
        await until(pilot, lambda: progress(app) is not None, "a first picture")
        p = progress(app)
        assert p is not None and p.state == "gone"  # not created yet
        assert "✗ Pod web does not exist" in shown(app)
        real_node.core.create_namespaced_pod(
            real_node.name, _pod("web", "echo hello from web; sleep 600")
        )
        await until(pilot, lambda: _state(app) == "running", "Running", 60)
        text = shown(app)
        assert "✓ Running on podbay-node" in text
        for label in ("Created", "Scheduled", "Image pulled", "Started", "Running"):
            assert f"✓ {label}" in text, text
        assert "on podbay-node" in text and "container runner" in text
        assert "● following" in status(app) and "phase Running" in status(app)
        p = progress(app)
        assert p is not None and p.problem is None and p.events_note == ""

        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogViewer), "the log viewer")
        viewer = app.screen
        assert isinstance(viewer, LogViewer)
        assert (viewer.log_query.pod, viewer.log_query.container) == ("web", "runner")
        await until(pilot, lambda: viewer.lines.shown() == ["hello from web"], "its log")
        await pilot.press("escape")
        assert isinstance(app.screen, PodProgress)

        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, TerminalScreen), "the shell")
        term = app.screen
        assert isinstance(term, TerminalScreen) and term.pod == "web"
        await until(pilot, lambda: term.session is not None, "the session")
        await pilot.press("ctrl+right_square_bracket")
        assert isinstance(app.screen, PodProgress)
        await pilot.press("escape")
        assert isinstance(app.screen, Browser)


async def test_an_image_no_node_has_reaches_its_explanation(real_node: Namespace) -> None:
    real_node.core.create_namespaced_pod(
        real_node.name, pod_manifest("nope", image="podbay.local/nope:1")
    )
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(100, 40)) as pilot:
        await _follow(pilot, real_node.name, "nope")

        def explained() -> bool:
            p = progress(app)
            return bool(p and p.problem and p.problem.event and p.problem.reason == "ErrImagePull")

        await until(pilot, explained, "ErrImagePull with its event", 60)
        text = shown(app)
        assert "✗ Image podbay.local/nope:1 cannot be pulled" in text
        assert "✗ Image pulled" in text and "· Started" in text
        assert "Reason" in text and "ErrImagePull" in text
        flat = " ".join(text.split())
        assert 'Warning Failed (kubelet): Failed to pull image "podbay.local/nope:1"' in flat
        p = progress(app)
        assert p is not None and p.problem is not None
        # the admin may list nodes: it is certain that no node has it, and which ones exist
        assert p.problem.fix.startswith("no node has this image")
        assert "podbay.local/debian:12" in p.problem.fix
        assert "What to do" in text


async def test_a_crash_shows_the_exit_code_and_the_last_log_lines(real_node: Namespace) -> None:
    loop = _pod("crashy", "echo boom; exit 3")
    loop["spec"]["restartPolicy"] = "Always"
    real_node.core.create_namespaced_pod(real_node.name, loop)
    real_node.core.create_namespaced_pod(real_node.name, _pod("once", "echo boom; exit 3"))
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(100, 40)) as pilot:
        await _follow(pilot, real_node.name, "crashy")

        def crashed() -> bool:
            p = progress(app)
            return bool(p and p.problem and p.problem.exit_code == 3 and "boom" in p.log_lines)

        await until(pilot, crashed, "the crash with its log", 60)
        text = shown(app)
        assert "✗ Running" in text and "exit code 3" in text
        assert "Last log lines of runner" in text and "  boom" in text
        p = progress(app)
        assert p is not None and not p.final and p.state == "failed"
        await pilot.press("l")  # the log of the crashed container
        await until(pilot, lambda: isinstance(app.screen, LogViewer), "the log viewer")
        viewer = app.screen
        assert isinstance(viewer, LogViewer)
        await until(pilot, lambda: "boom" in viewer.lines.shown(), "boom in the log")
        await pilot.press("escape", "escape")

        await _follow(pilot, real_node.name, "once")  # restartPolicy Never: Failed

        def failed() -> bool:
            p = progress(app)
            return bool(p and p.state == "failed" and p.final and p.log_lines)

        await until(pilot, failed, "Failed with its log", 60)
        text = shown(app)
        assert "✗ Failed: container runner exited with code 3" in text
        assert "✗ Exited" in text and "Error (exit code 3)" in text
        assert "  boom" in text
        assert "■ finished" in status(app) and "took" in status(app)


async def test_an_unschedulable_pod_shows_the_schedulers_reason(real_node: Namespace) -> None:
    real_node.core.create_namespaced_pod(
        real_node.name, _pod("nowhere", nodeSelector={"podbay.dev/nowhere": "true"})
    )
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(100, 40)) as pilot:
        # p on a pod in the list opens the same view a create does
        await until(pilot, lambda: "nowhere" in names(app), "the pod in the list")
        await pilot.press("p")
        await until(pilot, lambda: progress(app) is not None, "the first picture")
        assert screen(app).pod == "nowhere"

        def refused() -> bool:
            p = progress(app)
            return bool(p and p.problem and p.problem.event)

        await until(pilot, refused, "the FailedScheduling event", 60)
        text = shown(app)
        assert "✗ Cannot be scheduled: no node can take it" in text
        assert "✗ Scheduled" in text and "nodes are available" in text
        assert "Warning FailedScheduling (default-scheduler)" in text
        assert "didn't match Pod's node affinity/selector" in " ".join(text.split())
        p = progress(app)
        assert p is not None and p.problem is not None
        assert "nodeSelector (podbay.dev/nowhere=true)" in p.problem.fix


async def test_the_specs_restricted_account_sees_the_status_without_events(
    real_node: Namespace, tmp_path: Path
) -> None:
    real_node.core.create_namespaced_pod(
        real_node.name, pod_manifest("nope", image="podbay.local/nope:1")
    )
    app = browser_app(restricted_kubeconfig(real_node, tmp_path), real_node.name)
    async with app.run_test(size=(100, 40)) as pilot:
        await _follow(pilot, real_node.name, "nope")

        def explained() -> bool:
            p = progress(app)
            return bool(p and p.problem and p.problem.reason == "ErrImagePull")

        await until(pilot, explained, "ErrImagePull from the status", 60)
        p = progress(app)
        assert p is not None and p.problem is not None
        assert p.problem.event is None and p.events_note == NO_EVENTS
        assert "failed to pull and unpack image" in p.problem.message
        # no "list nodes" either: what no node has is not known, only that this node lacks it
        assert p.problem.fix.startswith("the node does not have this image")
        text = shown(app)
        assert "Message" in text and 'may not "list events"' in " ".join(text.split())
        assert "○" not in status(app)  # nothing failed for it


async def test_keys_the_account_may_not_use_name_the_role_rule(
    real_node: Namespace, tmp_path: Path
) -> None:
    real_node.core.create_namespaced_pod(real_node.name, pod_manifest("quiet", kwok=True))
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    app = browser_app(account_kubeconfig(real_node, tmp_path, "nolog", rules), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "get pods/log" in browser(app).denied, "access review")
        await _follow(pilot, real_node.name, "quiet")
        await until(pilot, lambda: _state(app) == "running", "Running on a kwok node", 60)
        for key, rule in (("l", 'resources: ["pods/log"]'), ("s", 'resources: ["pods/exec"]')):
            await pilot.press(key)
            dialog = app.screen
            assert isinstance(dialog, ErrorDialog) and rule in dialog.fix, key
            await pilot.press("escape")
            assert isinstance(app.screen, PodProgress)


# ---- snapshots ---------------------------------------------------------------------------
SNAP_NS = "progress-snapshot"


@pytest.fixture(scope="module")
def progress_scene(sandbox: Sandbox, admin: client.ApiClient) -> Iterator[dict[str, float]]:
    """Two pods in a fixed namespace; their creation times, for a clock pinned after them."""
    core = client.CoreV1Api(admin)
    fresh_namespace(core, SNAP_NS)
    core.create_namespaced_pod(SNAP_NS, _pod("web"))
    core.create_namespaced_pod(SNAP_NS, pod_manifest("nope", image="podbay.local/nope:1"))
    wait_pod(core, SNAP_NS, "web", ("Running",))
    created = {
        p.metadata.name: p.metadata.creation_timestamp.timestamp()
        for p in core.list_namespaced_pod(SNAP_NS).items
    }
    yield created
    core.delete_namespace(SNAP_NS)


def _snapshot_app(sandbox: Sandbox, created: float) -> Any:
    return browser_app(sandbox.kubeconfig("admin"), SNAP_NS, clock=lambda: created + 125)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_running_snapshot(
    sandbox: Sandbox, progress_scene: dict[str, float], snap_compare: Any, size: tuple[int, int]
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _follow(pilot, SNAP_NS, "web")
        await until(pilot, lambda: _state(pilot.app) == "running", "Running", 60)
        await pilot.pause(0.3)

    app = _snapshot_app(sandbox, progress_scene["web"])
    assert snap_compare(app, terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_image_pull_failure_snapshot(
    sandbox: Sandbox, progress_scene: dict[str, float], snap_compare: Any, size: tuple[int, int]
) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await _follow(pilot, SNAP_NS, "nope")

        def explained() -> bool:
            p = progress(pilot.app)
            return bool(
                p and p.problem and p.problem.event and "podbay.local/debian:12" in p.problem.fix
            )

        await until(pilot, explained, "the pull failure explained", 60)
        await pilot.pause(0.3)

    app = _snapshot_app(sandbox, progress_scene["nope"])
    assert snap_compare(app, terminal_size=size, run_before=run)
