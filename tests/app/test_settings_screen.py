"""Settings and Test connection, driven by Pilot against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.widgets import Input, Select, Static

from tests.app.helpers import browser, browser_app, names, renamed_context_kubeconfig, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tests.terminal_helpers import restricted_kubeconfig
from tui.app.dialogs import ConfirmDialog, ErrorDialog
from tui.app.settings_screen import SettingsScreen
from tui.core import settings as settings_mod
from tui.core.settings import Settings

pytestmark = pytest.mark.cluster


def _diagnosis_text(app: Any) -> str:
    return str(app.screen.query_one("#diagnosis", Static).render())


async def _type(pilot: Any, field: str, value: str) -> None:
    widget = pilot.app.screen.query_one(f"#{field}", Input)
    widget.value = value
    await pilot.pause()


async def test_test_connection_as_admin_is_all_green(namespace: Namespace) -> None:
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("comma")
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "Connected to https://" in _diagnosis_text(app), "diagnosis")
        text = _diagnosis_text(app)
        assert "✗" not in text and "!" not in text.split("\n", 2)[2]
        for line in ("✓ kubeconfig", "✓ tls", "✓ authentication", "✓ can delete pods"):
            assert line in text


async def test_test_connection_as_the_restricted_account_lists_what_is_missing(
    namespace: Namespace, tmp_path: Path
) -> None:
    kubeconfig = restricted_kubeconfig(namespace, tmp_path)
    app = browser_app(kubeconfig, namespace.name)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("comma", "ctrl+t")
        await until(pilot, lambda: "Connected to" in _diagnosis_text(app), "diagnosis")
        text = _diagnosis_text(app)
        assert "! can watch pods" in text and "! can list events" in text
        assert 'fix: to enable, add to the Role: - apiGroups: [""]  resources: ["events"]' in text


async def test_a_bad_field_is_named_and_nothing_is_saved(
    namespace: Namespace, tmp_path: Path
) -> None:
    path = tmp_path / "settings.yaml"
    settings_mod.save(Settings(namespace=namespace.name), path)
    before = path.read_text()
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name, settings_file=path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("comma")
        await _type(pilot, "f-namespace", "Bad_NS")
        await _type(pilot, "f-resources-memory-request", "lots")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, SettingsScreen)
        problem = str(app.screen.query_one("#p-namespace", Static).render())
        assert "'Bad_NS' is not a valid namespace name" in problem
        memory = str(app.screen.query_one("#p-resources-memory-request", Static).render())
        assert "not a Kubernetes quantity" in memory
    assert path.read_text() == before


async def test_saving_writes_the_file_keeps_a_backup_and_reconnects(
    namespace: Namespace, tmp_path: Path
) -> None:
    other = f"{namespace.name[:50]}-two"
    namespace.core.create_namespace({"metadata": {"name": other}})
    try:
        namespace.core.create_namespaced_pod(other, pod_manifest("over-there", kwok=True))
        path = tmp_path / "settings.yaml"
        settings_mod.save(Settings(namespace=namespace.name, protect_selector="app=keep"), path)
        before = path.read_text()
        app = browser_app(
            namespace.sandbox.kubeconfig("admin"),
            namespace.name,
            settings_file=path,
            protect_selector="app=keep",
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
            await pilot.press("comma")
            await _type(pilot, "f-namespace", other)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: names(app) == ["over-there"], "the other namespace")
            assert browser(app).namespace == other
        saved = yaml.safe_load(path.read_text())
        assert saved["namespace"] == other and saved["protect_selector"] == "app=keep"
        assert path.with_name(path.name + ".bak").read_text() == before
    finally:
        namespace.core.delete_namespace(other)


async def test_escape_with_unsaved_changes_asks_first(namespace: Namespace) -> None:
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("comma", "escape")
        assert not isinstance(app.screen, SettingsScreen)  # nothing changed: straight back
        await pilot.press("comma")
        await _type(pilot, "f-protect-selector", "app=other")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # keep editing
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press("escape", "y")
        assert not isinstance(app.screen, SettingsScreen)
        assert browser(app).wb.settings.protect_selector == "app=opencode-manager"


async def test_a_failed_save_names_the_file_and_keeps_the_form(namespace: Namespace) -> None:
    # /proc takes no new files, even for root: the write fails for real
    path = Path("/proc/podbay-test/settings.yaml")
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name, settings_file=path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("comma")
        await _type(pilot, "f-protect-selector", "app=other")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ErrorDialog)
        assert f"cannot write the settings file {path}" in app.screen.what
        assert "permissions" in app.screen.fix
        await pilot.press("escape")
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#f-protect-selector", Input).value == "app=other"
        assert browser(app).wb.settings.protect_selector == "app=opencode-manager"
    assert not path.parent.exists()


async def test_the_context_picker_follows_the_typed_kubeconfig(
    namespace: Namespace, tmp_path: Path
) -> None:
    renamed = renamed_context_kubeconfig(
        namespace.sandbox.kubeconfig("admin"), tmp_path / "ctx.kubeconfig", "elsewhere"
    )
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name, context=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("comma")
        screen = app.screen
        select = screen.query_one("#f-context", Select)
        problem = screen.query_one("#p-context", Static)
        assert not problem.has_class("shown")
        await _type(pilot, "f-kubeconfig", str(tmp_path / "missing.kubeconfig"))
        assert problem.has_class("shown")
        assert "missing.kubeconfig" in str(problem.render())
        assert "does not exist" in str(problem.render())
        await _type(pilot, "f-kubeconfig", str(renamed))
        assert not problem.has_class("shown")
        assert [value for _, value in select._options if isinstance(value, str)] == ["elsewhere"]
        select.value = "elsewhere"
        await _type(pilot, "f-kubeconfig", f" {renamed} ")  # re-read: the pick stays
        assert select.value == "elsewhere"
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, SettingsScreen)
        assert browser(app).wb.settings.context == "elsewhere"


async def test_a_saved_context_missing_from_the_kubeconfig_is_kept(namespace: Namespace) -> None:
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name, context="gone-away")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("comma")
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.query_one("#f-context", Select).value == "gone-away"
        assert not screen.dirty
        await pilot.press("escape")  # nothing changed: no question
        assert not isinstance(app.screen, SettingsScreen)


async def test_extra_ca_file_turns_a_tls_failure_green(namespace: Namespace) -> None:
    """A kubeconfig without CA data: Test connection names the trust set it tried and how to
    add a CA; with the sandbox's CA typed into Extra CA file, the same check passes."""
    kubeconfig = namespace.sandbox.kubeconfig("admin", with_ca=False)
    app = browser_app(kubeconfig, namespace.name)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("comma", "ctrl+t")
        await until(pilot, lambda: "✗ tls" in _diagnosis_text(app), "the TLS failure")
        text = _diagnosis_text(app)
        assert "system" in text and "extra CA" in text.replace("Extra CA", "extra CA")
        await _type(pilot, "f-extra-ca-file", str(namespace.sandbox.ca))
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "✓ tls" in _diagnosis_text(app), "TLS with the extra CA")
        assert "✓ authentication" in _diagnosis_text(app)
        assert str(namespace.sandbox.ca) in _diagnosis_text(app)
