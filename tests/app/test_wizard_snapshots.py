"""Snapshots of the creation forms at 80x24 and 120x40, on the sandbox: a fixed namespace
with one pod and one service, and a fixed project directory whose `.nvmrc` asks for 18."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from textual.pilot import Pilot
from textual.widgets import Input, Select

from tests.app.helpers import browser, browser_app, fresh_namespace, steady_carets, until
from tests.kube_helpers import pod_manifest, wait_pod
from tui.app.wizard.form import CreateForm
from tui.app.wizard.pod_form import PodForm
from tui.sandbox.cluster import Sandbox

pytestmark = pytest.mark.cluster
NS = "wizard-snapshots"
SIZES = [(80, 24), (120, 40)]
PROJECT = Path(tempfile.gettempdir()) / "podbay-wizard-snapshots" / "web-app"


@pytest.fixture(scope="module")
def scene(sandbox: Sandbox, admin: client.ApiClient) -> Iterator[Path]:
    core = client.CoreV1Api(admin)
    fresh_namespace(core, NS)
    core.create_namespaced_pod(
        NS, pod_manifest("api-0", kwok=True, labels={"app": "api", "tier": "backend"})
    )
    core.create_namespaced_service(
        NS,
        {
            "metadata": {"name": "api"},
            "spec": {"selector": {"app": "api"}, "ports": [{"name": "http", "port": 80}]},
        },
    )
    wait_pod(core, NS, "api-0", ("Running",))
    shutil.rmtree(PROJECT.parent, ignore_errors=True)
    PROJECT.mkdir(parents=True)
    (PROJECT / ".nvmrc").write_text("18\n")
    yield sandbox.kubeconfig("admin")
    shutil.rmtree(PROJECT.parent, ignore_errors=True)
    core.delete_namespace(NS)


def _app(kubeconfig: Path) -> Any:
    return browser_app(kubeconfig, NS)


async def _listed(pilot: Pilot[Any]) -> None:
    app: Any = pilot.app
    await until(pilot, lambda: len(browser(app).table.rows) == 1, "the pod")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_pod_form(scene: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        app: Any = pilot.app
        await _listed(pilot)
        app.push_screen(PodForm(app.workbench, NS, taken={"api-0"}, project=PROJECT))
        await until(
            pilot,
            lambda: isinstance(app.screen, PodForm) and bool(app.screen.query("#f-suggestion")),
            "the form",
        )
        select = app.screen.query_one("#f-suggestion", Select)
        form = app.screen
        steady_carets(form)
        await until(pilot, lambda: isinstance(select.value, str), "the suggestions")
        await until(pilot, lambda: form.claims_listed, "the claims hint")
        await until(pilot, lambda: bool(form.text("image")), "the suggested image")
        form.query_one("#f-command", Input).value = "sh -c 'npm test"  # unclosed
        await until(pilot, lambda: bool(form.query("#p-command.shown")), "the command's problem")
        await pilot.pause(0.3)

    assert snap_compare(_app(scene), terminal_size=size, run_before=run)


async def _form_with(pilot: Pilot[Any], key: str, pick: str, value: str) -> CreateForm:
    """Open the form of list ``key`` and choose ``value`` in its ``pick`` select once the
    namespace's objects have been listed into it."""
    app: Any = pilot.app
    await _listed(pilot)
    await pilot.press(key, "n")
    await until(
        pilot,
        lambda: isinstance(app.screen, CreateForm) and bool(app.screen.query(f"#{pick}")),
        "the form",
    )
    select = app.screen.query_one(f"#{pick}", Select)
    await until(pilot, lambda: len(select._options) > 1, f"the choices of {pick}")
    select.value = value
    form: CreateForm = app.screen
    steady_carets(form)
    return form


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_service_form(scene: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        form = await _form_with(pilot, "2", "f-pod", "api-0")
        await until(pilot, lambda: bool(form.text("selector")), "the pod's labels as selector")
        form.query_one("#f-ports", Input).value = "http=80:8080"
        await pilot.pause(0.3)

    assert snap_compare(_app(scene), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ingress_form(scene: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        form = await _form_with(pilot, "3", "f-service", "api")
        await until(pilot, lambda: bool(form.text("port")), "the service's first port")
        form.query_one("#f-host", Input).value = "api.example.com"
        await pilot.pause(0.3)

    assert snap_compare(_app(scene), terminal_size=size, run_before=run)
