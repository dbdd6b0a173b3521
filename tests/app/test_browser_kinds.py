"""More of the browser on the sandbox: services and ingresses live and deletable, `:ctx NAME`,
errors from workers as dialogs, the settings' enable switch, and status reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.accounts import account_kubeconfig
from tests.app.helpers import browser, browser_app, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tests.terminal_helpers import restricted_kubeconfig
from tui.app.dialogs import ConfirmDialog, ErrorDialog, Picker
from tui.core.models import IngressRequest, ServiceRequest
from tui.core.services import Services
from tui.core.settings import Settings
from tui.core.watchcache import Phase

pytestmark = pytest.mark.cluster


def _ingress(name: str, service: str) -> IngressRequest:
    backend = {"service": {"name": service, "port": {"number": 80}}}
    rule = {"host": f"{name}.example.com", "http": {"paths": [{"path": "/", "backend": backend}]}}
    return IngressRequest.model_validate({"name": name, "rules": [rule]})


async def test_services_and_ingresses_live_and_deleted_with_confirmation(
    namespace: Namespace,
) -> None:
    ns = namespace.name
    app = browser_app(namespace.sandbox.kubeconfig("admin"), ns)
    async with app.run_test(size=(120, 40)) as pilot:
        wb = app.workbench
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        await pilot.press("3")
        assert browser(app).kind.plural == "ingresses"
        wb.ingresses.create(_ingress("front", "web"))
        await until(pilot, lambda: names(app) == ["front"], "the first ingress")
        wb.ingresses.create(_ingress("back", "api"))
        await until(pilot, lambda: names(app) == ["back", "front"], "ingresses appear live")
        row = browser(app).table.current  # the cursor stays on its row as others sort in
        assert row is not None and row.name == "front" and "front.example.com" in row.cells
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # cancelled: nothing goes
        await pilot.pause(0.3)
        assert names(app) == ["back", "front"]
        await pilot.press("ctrl+d", "y")
        await until(pilot, lambda: names(app) == ["back"], "the ingress leaves the list")
        assert [i.name for i in wb.ingresses.list(ns)] == ["back"]

        await pilot.press("colon", *"svc", "enter")
        assert browser(app).kind.plural == "services"
        for svc in ("api", "web"):
            wb.services.create(
                ServiceRequest.model_validate(
                    {"name": svc, "selector": {"app": svc}, "ports": [{"port": 80}]}
                )
            )
        await until(pilot, lambda: names(app) == ["api", "web"], "services appear live")
        await pilot.press("space", "down", "space", "ctrl+d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and "Delete 2 services" in dialog.title_text
        assert dialog.items == ["api", "web"]
        await pilot.press("y")
        await until(pilot, lambda: names(app) == [], "both services leave the list")
        assert Services(wb.api, wb.settings).list(ns) == []

        await pilot.press("colon", *"ing", "enter")
        await until(pilot, lambda: names(app) == ["back"], ":ing shows the ingress list")


def _two_context_kubeconfig(namespace: Namespace, tmp_path: Path) -> Path:
    admin = yaml.safe_load(namespace.sandbox.kubeconfig("admin").read_text())
    limited = yaml.safe_load(restricted_kubeconfig(namespace, tmp_path).read_text())
    admin["contexts"][0]["name"] = "admin"
    admin["current-context"] = "admin"
    admin["users"].append(dict(limited["users"][0], name="limited-user"))
    admin["contexts"].append(
        {"name": "limited", "context": {**admin["contexts"][0]["context"], "user": "limited-user"}}
    )
    path = tmp_path / "two-contexts.kubeconfig"
    path.write_text(yaml.safe_dump(admin))
    return path


async def test_ctx_by_name_and_an_unknown_context(namespace: Namespace, tmp_path: Path) -> None:
    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("ctx-pod", kwok=True))
    app = browser_app(_two_context_kubeconfig(namespace, tmp_path), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["ctx-pod"], "the pod")
        await pilot.press("colon", *"ctx nope", "enter")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "no context 'nope'" in dialog.what and "admin, limited" in dialog.fix
        await pilot.press("escape")
        assert browser(app).connected and browser(app).lives["pods"].state.phase is Phase.WATCHING
        await pilot.press("colon", *"ctx limited", "enter")
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "reconnected")
        await until(
            pilot, lambda: browser(app).lives["pods"].state.phase is Phase.POLLING, "as limited"
        )
        assert names(app) == ["ctx-pod"] and browser(app).connection_context() == "limited"
        await pilot.press("colon", *"ctx", "enter")
        assert isinstance(app.screen, Picker) and app.screen.choices == ["admin", "limited"]


async def test_errors_from_background_work_become_dialogs(
    namespace: Namespace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused describe (the account may list but not get) names the verb; a podbay bug
    says where its traceback went instead of showing it."""
    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("secretive", kwok=True))
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list", "watch"]}]
    kubeconfig = account_kubeconfig(namespace, tmp_path, "lister", rules)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = browser_app(kubeconfig, namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["secretive"], "the pod")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ErrorDialog), "an error dialog")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "cannot describe pod secretive" in dialog.what and "grant" in dialog.fix
        assert 'cannot get resource "pods"' in dialog.what
        await pilot.press("escape")

        def broken(*_: object, **__: object) -> str:
            raise RuntimeError("describe broke")

        monkeypatch.setattr("tui.core.describe.describe", broken)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ErrorDialog), "a bug dialog")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        log = tmp_path / "state" / "podbay" / "tui.log"
        assert "RuntimeError: describe broke" in dialog.what and str(log) in dialog.fix
        assert "Traceback" not in dialog.what + dialog.fix
        assert "RuntimeError: describe broke" in log.read_text()


async def test_disabled_in_settings_until_switched_on(namespace: Namespace, tmp_path: Path) -> None:
    from tui.core import settings as settings_mod

    namespace.core.create_namespaced_pod(namespace.name, pod_manifest("waiting", kwok=True))
    path = tmp_path / "settings.yaml"
    settings_mod.save(Settings(enabled=False, namespace=namespace.name), path)
    app = browser_app(
        namespace.sandbox.kubeconfig("admin"), namespace.name, settings_file=path, enabled=False
    )
    async with app.run_test(size=(120, 40)) as pilot:
        banner = browser(app).query_one("#banner")
        await until(pilot, lambda: banner.has_class("shown"), "the banner")
        text = str(banner.render())
        assert "Kubernetes is disabled in the settings" in text and "Enabled" in text
        assert names(app) == [] and browser(app).lives == {}
        await pilot.press("comma")
        await pilot.press("space")  # the first switch, focused: Enabled
        await pilot.press("ctrl+s")
        await until(pilot, lambda: names(app) == ["waiting"], "listed once enabled")
        assert not banner.has_class("shown")
    assert settings_mod.load(path).enabled is True


async def test_a_file_that_is_no_kubeconfig_is_a_banner_and_is_not_saved(
    tmp_path: Path,
) -> None:
    """Found in the settings: the banner names the file and the fix (no crash, no bug
    log). Typed in the settings screen: the save is refused and the file kept."""
    from textual.widgets import Input

    from tui.app.settings_screen import SettingsScreen
    from tui.core import settings as settings_mod

    hostname = tmp_path / "hostname"
    hostname.write_text("buildbox\n")
    path = tmp_path / "settings.yaml"
    settings_mod.save(Settings(kubeconfig=str(hostname)), path)
    app = browser_app(hostname, "default", settings_file=path)
    async with app.run_test(size=(120, 40)) as pilot:
        banner = browser(app).query_one("#banner")
        await until(pilot, lambda: banner.has_class("shown"), "the banner")
        text = str(banner.render())
        assert f"{hostname} is not a kubeconfig" in text and "holds a YAML str" in text
        await pilot.press("comma")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen), "the settings")
        other = tmp_path / "list.yaml"
        other.write_text("- one\n")
        app.screen.query_one("#f-kubeconfig", Input).value = str(other)
        before = path.read_bytes()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ErrorDialog), "the refusal")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "settings not saved" in dialog.what and f"{other} is not a kubeconfig" in dialog.what
        assert path.read_bytes() == before


async def test_crash_loop_is_named_in_the_status_column(real_node: Namespace) -> None:
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        crasher = pod_manifest("crasher", container={"command": ["sh", "-c", "exit 3"]})
        crasher["spec"]["restartPolicy"] = "Always"
        real_node.core.create_namespaced_pod(real_node.name, crasher)
        broken = pod_manifest("no-image", image="podbay.local/missing:1")
        real_node.core.create_namespaced_pod(real_node.name, broken)

        def status_of(name: str) -> str:
            row = next((r for r in browser(app).table.view if r.name == name), None)
            return row.cells[2] if row else ""

        await until(pilot, lambda: status_of("crasher") == "CrashLoopBackOff", "crash loop", 90)
        await until(
            pilot,
            lambda: status_of("no-image") in ("ErrImagePull", "ImagePullBackOff"),
            "image error",
            60,
        )
        restarts = next(r for r in browser(app).table.view if r.name == "crasher").cells[3]
        assert restarts.split()[0].isdigit() and int(restarts.split()[0]) >= 1
