"""Snapshots of every browser screen at 80x24 and 120x40, rendered from the real sandbox.

Everything that would differ between runs is pinned: a fixed namespace and pod names, pods
bound to named nodes, a context renamed to "sandbox", and the app's clock set two hours
after the newest pod was created (so every AGE reads "120m").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from tests.app.helpers import (
    browser,
    browser_app,
    fresh_namespace,
    renamed_context_kubeconfig,
    until,
)
from tests.kube_helpers import KWOK_PLACEMENT, pod_manifest, wait_pod
from tui.core.models import MANAGED_BY, MANAGER
from tui.core.watchcache import Phase
from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster
NS = "snapshots"
SIZES = [(80, 24), (120, 40)]


@dataclass
class Scene:
    kubeconfig: Path
    clock: float


@pytest.fixture(scope="module")
def scene(
    sandbox: Sandbox, admin: client.ApiClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    core = client.CoreV1Api(admin)
    fresh_namespace(core, NS)
    managed = {MANAGED_BY: MANAGER}
    kwok = {**KWOK_PLACEMENT}
    kwok.pop("nodeSelector", None)
    pods = [
        ("api-7f9c", "kwok-node-0", {"app": "api", **managed}),
        ("db-0", "kwok-node-1", {"app": "db"}),
        ("web-5d8b", "kwok-node-0", {"app": "web", **managed}),
    ]
    for name, node, labels in pods:
        core.create_namespaced_pod(NS, pod_manifest(name, labels=labels, nodeName=node, **kwok))
    for name in ("tests-a1b2c3", "tests-d4e5f6"):  # finished test runs on the real node
        core.create_namespaced_pod(
            NS,
            pod_manifest(name, labels={"app": "tests", **managed}, container={"command": ["true"]}),
        )
    for name in ("tests-a1b2c3", "tests-d4e5f6"):
        wait_pod(core, NS, name, ("Succeeded",))
    for name, _, _ in pods:
        wait_pod(core, NS, name, ("Running",))
    core.create_namespaced_service(
        NS,
        {
            "metadata": {"name": "db"},
            "spec": {
                "selector": {"app": "db"},
                "clusterIP": "10.96.100.10",
                "ports": [{"name": "pg", "port": 5432}],
            },
        },
    )
    client.NetworkingV1Api(admin).create_namespaced_ingress(
        NS,
        {
            "metadata": {"name": "preview"},
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": "preview.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "web", "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ],
            },
        },
    )
    newest = max(
        p.metadata.creation_timestamp for p in core.list_namespaced_pod(NS).items
    ).timestamp()
    kubeconfig = renamed_context_kubeconfig(
        sandbox.kubeconfig("admin"), tmp_path_factory.mktemp("snap") / "kubeconfig"
    )
    yield Scene(kubeconfig, newest + 7230)
    core.delete_namespace(NS)


def _app(scene: Scene) -> Any:
    return browser_app(scene.kubeconfig, NS, clock=lambda: scene.clock)


async def _listed(pilot: Pilot[Any], count: int = 5) -> None:
    app: Any = pilot.app
    await until(pilot, lambda: len(browser(app).table.rows) == count, f"{count} rows")
    await until(
        pilot,
        lambda: (
            "pods" in browser(app).lives
            and browser(app).lives["pods"].state.phase is Phase.WATCHING
        ),
        "live",
    )
    await pilot.pause(0.3)


def _then(
    *keys: str, count: int = 5, wait: Callable[[Pilot[Any]], Awaitable[None]] | None = None
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await _listed(pilot)
        if keys:
            await pilot.press(*keys)
        if wait is not None:
            await wait(pilot)
        await pilot.pause(0.3)

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pod_list(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(scene), terminal_size=size, run_before=_then())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pod_list_filtered_and_marked(
    scene: Scene, snap_compare: Any, size: tuple[int, int]
) -> None:
    keys = ("slash", *"-l app!=db", "enter", "space", "space")
    assert snap_compare(_app(scene), terminal_size=size, run_before=_then(*keys))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_services(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    async def listed(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: len(browser(pilot.app).table.rows) == 1, "the service")  # type: ignore[arg-type]

    keys = ("colon", *"svc", "enter")
    assert snap_compare(_app(scene), terminal_size=size, run_before=_then(*keys, wait=listed))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ingresses(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    async def listed(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: len(browser(pilot.app).table.rows) == 1, "the ingress")  # type: ignore[arg-type]

    assert snap_compare(_app(scene), terminal_size=size, run_before=_then("3", wait=listed))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_delete_confirmation(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(
        _app(scene), terminal_size=size, run_before=_then("space", "space", "ctrl+d")
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cleanup_preview(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(scene), terminal_size=size, run_before=_then("x"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(_app(scene), terminal_size=size, run_before=_then("question_mark"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_error_dialog(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    keys = ("colon", *"ns kube-system", "enter")

    def app() -> Any:
        return browser_app(
            scene.kubeconfig, NS, clock=lambda: scene.clock, namespace_allow_list=[NS]
        )

    assert snap_compare(app(), terminal_size=size, run_before=_then(*keys))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_describe_ingress(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    async def described(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: len(browser(pilot.app).table.rows) == 1, "the ingress")  # type: ignore[arg-type]
        await pilot.press("d")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "TextViewer", "describe")

    assert snap_compare(_app(scene), terminal_size=size, run_before=_then("3", wait=described))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_namespace_picker(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    def app() -> Any:
        allowed = [NS, "team-a", "team-b"]
        return browser_app(
            scene.kubeconfig, NS, clock=lambda: scene.clock, namespace_allow_list=allowed
        )

    async def picked(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "Picker", "the picker")
        pilot.app.screen.query_one(Input).cursor_blink = False  # else the caret may be mid-blink
        await pilot.pause(0.2)

    keys = ("colon", *"ns", "enter")
    assert snap_compare(app(), terminal_size=size, run_before=_then(*keys, wait=picked))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_context_picker(
    scene: Scene, snap_compare: Any, size: tuple[int, int], tmp_path: Path
) -> None:
    doc = yaml.safe_load(scene.kubeconfig.read_text())
    first = doc["contexts"][0]
    doc["contexts"] += [
        {"name": "ci-restricted", "context": first["context"]},
        {"name": "prod-eu", "context": first["context"]},
    ]
    kubeconfig = tmp_path / "contexts.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(doc))

    async def picked(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "Picker", "the picker")
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.pause(0.2)

    app = browser_app(kubeconfig, NS, clock=lambda: scene.clock)
    keys = ("colon", *"ctx", "enter")
    assert snap_compare(app, terminal_size=size, run_before=_then(*keys, wait=picked))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_command_palette(scene: Scene, snap_compare: Any, size: tuple[int, int]) -> None:
    async def opened(pilot: Pilot[Any]) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the palette")
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.press(*"pod")
        await pilot.pause(0.5)  # the palette searches its providers asynchronously

    assert snap_compare(_app(scene), terminal_size=size, run_before=_then("ctrl+p", wait=opened))
