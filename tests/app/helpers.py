"""Driving the real app on the sandbox: build it, wait for what a user would wait for."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from tui.app.app import PodbayApp, make_app
from tui.app.browser import Browser
from tui.core.settings import Settings
from tui.core.workbench import Workbench


def browser_app(
    kubeconfig: Path,
    namespace: str,
    *,
    settings_file: Path | None = None,
    clock: Callable[[], float] | None = None,
    **settings: Any,
) -> PodbayApp:
    s = Settings(kubeconfig=str(kubeconfig), namespace=namespace, **settings)
    wb = Workbench(s, settings_file)
    return make_app(wb, clock=clock) if clock else make_app(wb)


def browser(app: PodbayApp) -> Browser:
    for screen in app.screen_stack:
        if isinstance(screen, Browser):
            return screen
    raise AssertionError(f"no Browser on the screen stack: {app.screen_stack}")


async def until(
    pilot: Pilot[Any], cond: Callable[[], bool], what: str, timeout: float = 30
) -> None:
    """Wait for a condition the UI must reach on its own (a wait, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"gave up after {timeout:g}s waiting for: {what}")


def steady_carets(screen: Screen[Any]) -> None:
    """Stop every field's caret from blinking: a snapshot taken mid-blink would differ."""
    for field in screen.query(Input):
        field.cursor_blink = False


def names(app: PodbayApp) -> list[str]:
    return [r.name for r in browser(app).table.view]


def renamed_context_kubeconfig(source: Path, target: Path, context: str = "sandbox") -> Path:
    """A copy of ``source`` whose context is called ``context`` (stable snapshot text)."""
    doc = yaml.safe_load(source.read_text())
    old = doc["current-context"]
    for ctx in doc["contexts"]:
        if ctx["name"] == old:
            ctx["name"] = context
    doc["current-context"] = context
    target.write_text(yaml.safe_dump(doc))
    return target


def fresh_namespace(core: client.CoreV1Api, name: str) -> None:
    """``name`` as a new, empty namespace (a fixed name keeps snapshot titles the same)."""
    try:
        core.delete_namespace(name, grace_period_seconds=0)
    except ApiException as exc:
        if exc.status != 404:
            raise
    deadline = time.monotonic() + 120
    while True:
        try:
            core.read_namespace(name)
        except ApiException as exc:
            if exc.status == 404:
                break
            raise
        assert time.monotonic() < deadline, f"namespace {name} is never gone"
        time.sleep(0.2)
    core.create_namespace({"metadata": {"name": name}})
    while not any(
        sa.metadata.name == "default" for sa in core.list_namespaced_service_account(name).items
    ):
        time.sleep(0.1)
