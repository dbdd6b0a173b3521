"""The pod/service/ingress browser driven by Pilot against the sandbox's real apiserver."""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path

import pytest
import yaml

from tests.accounts import account_kubeconfig
from tests.app.helpers import browser, browser_app, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, settle_after_apiserver_restart
from tests.terminal_helpers import restricted_kubeconfig
from tui.app.dialogs import ConfirmDialog, ErrorDialog, HelpScreen, Picker, TextViewer
from tui.core.models import MANAGED_BY, MANAGER, PodRequest
from tui.core.settings import Settings
from tui.core.watchcache import Phase
from tui.core.workbench import Workbench

pytestmark = pytest.mark.cluster


def _kwok_pods(ns: Namespace, *pods: str, labels: dict[str, str] | None = None) -> None:
    for name in pods:
        manifest = pod_manifest(name, kwok=True, labels=labels or {"app": name})
        ns.core.create_namespaced_pod(ns.name, manifest)


async def test_pods_appear_live_and_filter_and_sort(namespace: Namespace) -> None:
    _kwok_pods(namespace, "alpha", "beta")
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["alpha", "beta"], "the two pods listed")
        time.sleep(1.1)  # creationTimestamp has whole seconds: make gamma the youngest
        _kwok_pods(namespace, "gamma", labels={"tier": "db"})
        await until(pilot, lambda: "gamma" in names(app), "a pod created later appears")
        await until(
            pilot,
            lambda: all(r.cells[2] == "Running" for r in browser(app).table.view),
            "kwok reports them Running",
        )

        await pilot.press("slash", *"^(al|ga)", "enter")
        assert names(app) == ["alpha", "gamma"]  # regex over the columns
        await pilot.press("escape", "slash", *"-l tier=db", "enter")
        assert names(app) == ["gamma"]
        await pilot.press("escape")
        assert names(app) == ["alpha", "beta", "gamma"]

        await pilot.press("N")  # same column again: descending
        assert names(app) == ["gamma", "beta", "alpha"]
        await pilot.press("A")  # by age: youngest first
        assert names(app)[0] == "gamma"


async def test_a_name_that_arrives_live_is_shown_whole_at_80_columns(
    namespace: Namespace,
) -> None:
    """Issue 9: ``arrives-later``, created while the list was open, showed as
    ``arrives-late`` (the room left beside IMAGE) without a mark."""
    _kwok_pods(namespace, "web", "db")
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: names(app) == ["db", "web"], "the two pods listed")
        _kwok_pods(namespace, "arrives-later")
        await until(pilot, lambda: "arrives-later" in names(app), "the new pod listed")
        await pilot.pause()
        table = browser(app).table
        lines = [table.render_line(y).text for y in range(4)]
        assert any(line.startswith("  arrives-later ") for line in lines), lines


async def test_bad_label_selector_and_unknown_command_are_dialogs(namespace: Namespace) -> None:
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        await pilot.press("slash", *"-l a in (", "enter")
        assert isinstance(app.screen, ErrorDialog)
        assert "label selector" in app.screen.what and app.screen.fix
        await pilot.press("escape", "colon", *"bogus", "enter")
        assert isinstance(app.screen, ErrorDialog)
        assert "unknown command ':bogus'" in app.screen.what


async def test_delete_one_and_marked_pods_with_confirmation(namespace: Namespace) -> None:
    _kwok_pods(namespace, "keep", "one", "two", "three")
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(names(app)) == 4, "four pods")
        table = browser(app).table
        table.move_to_key(next(r.key for r in table.view if r.name == "one"))
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog) and app.screen.items == ["one"]
        await pilot.press("escape")  # cancel deletes nothing
        await pilot.pause(0.3)
        assert "one" in names(app)

        await pilot.press("ctrl+d", "y")
        await until(pilot, lambda: "one" not in names(app), "deleted pod leaves the list")

        for name in ("two", "three"):
            table.move_to_key(next(r.key for r in table.view if r.name == name))
            await pilot.press("space")
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog)
        assert sorted(app.screen.items) == ["three", "two"]
        await pilot.press("y")
        await until(pilot, lambda: names(app) == ["keep"], "marked pods deleted")
    left = [p.metadata.name for p in namespace.core.list_namespaced_pod(namespace.name).items]
    assert left == ["keep"]


async def test_namespace_switch_and_services_view(namespace: Namespace) -> None:
    other = f"{namespace.name[:50]}-other"
    namespace.core.create_namespace({"metadata": {"name": other}})
    try:
        namespace.core.create_namespaced_pod(other, pod_manifest("elsewhere", kwok=True))
        namespace.core.create_namespaced_service(
            namespace.name,
            {
                "metadata": {"name": "db"},
                "spec": {"selector": {"app": "db"}, "ports": [{"port": 5432}]},
            },
        )
        _kwok_pods(namespace, "here")
        app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: names(app) == ["here"], "pod in the first namespace")
            await pilot.press("colon", *f"ns {other}", "enter")
            await until(pilot, lambda: names(app) == ["elsewhere"], "pod of the other namespace")
            assert browser(app).namespace == other
            await pilot.press("colon", *f"ns {namespace.name}", "enter", "colon", *"svc", "enter")
            await until(pilot, lambda: names(app) == ["db"], "the service")
            row = browser(app).table.view[0]
            assert row.cells[1] == "ClusterIP" and row.cells[3] == "5432/TCP"
            assert row.cells[4] == "app=db"
            await pilot.press("1")
            assert browser(app).kind.plural == "pods"
    finally:
        namespace.core.delete_namespace(other)


async def test_namespace_outside_the_allow_list_is_refused(namespace: Namespace) -> None:
    app = browser_app(
        namespace.sandbox.kubeconfig("admin"),
        namespace.name,
        namespace_allow_list=[namespace.name],
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        await pilot.press("colon", *"ns kube-system", "enter")
        assert isinstance(app.screen, ErrorDialog)
        assert "allow-list" in app.screen.what
        assert browser(app).namespace == namespace.name


async def test_running_to_completed_appears_without_a_key(real_node: Namespace) -> None:
    wb = Workbench(
        Settings(kubeconfig=str(real_node.sandbox.kubeconfig("admin")), namespace=real_node.name)
    )
    app = browser_app(real_node.sandbox.kubeconfig("admin"), real_node.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        wb.pods.create(
            PodRequest.model_validate(
                {
                    "name": "short",
                    "image": "podbay.local/debian:12",
                    "command": ["sh", "-c", "sleep 3"],
                }
            )
        )

        def status() -> str:
            rows = browser(app).table.view
            return rows[0].cells[2] if rows else ""

        await until(pilot, lambda: status() == "Running", "Running", timeout=60)
        await until(pilot, lambda: status() == "Completed", "Completed", timeout=60)
        assert browser(app).table.view[0].tone == "done"
    wb.close()


async def test_cleanup_previews_exactly_what_it_deletes(real_node: Namespace) -> None:
    ns = real_node
    managed = {MANAGED_BY: MANAGER}
    for name, labels, command in (
        ("done-managed", {**managed, "app": "t"}, ["true"]),
        ("done-protected", {**managed, "app": "opencode-manager"}, ["true"]),
        ("done-unmanaged", {"app": "t"}, ["true"]),
        ("failed-managed", {**managed, "app": "t"}, ["false"]),
    ):
        manifest = pod_manifest(name, labels=labels, container={"command": command})
        ns.core.create_namespaced_pod(ns.name, manifest)
    app = browser_app(ns.sandbox.kubeconfig("admin"), ns.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(names(app)) == 4, "four pods")
        live = browser(app).lives["pods"]

        def phases() -> list[str]:
            by_name = {o["metadata"]["name"]: o["status"].get("phase") for o in live.cache.items()}
            return [str(by_name[n]) for n in sorted(by_name)]

        await until(  # the container may show Completed a moment before the pod's phase does
            pilot,
            lambda: phases() == ["Succeeded"] * 3 + ["Failed"],
            "three Succeeded and one Failed",
            timeout=60,
        )
        await pilot.press("X")  # Failed too: previewed, then cancelled
        assert isinstance(app.screen, ConfirmDialog)
        assert any(i.startswith("delete") and "failed-managed" in i for i in app.screen.items)
        await pilot.press("escape", "x")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        deletes = [i for i in dialog.items if i.startswith("delete")]
        keeps = sorted(i for i in dialog.items if i.startswith("keep"))
        assert len(deletes) == 1 and "done-managed" in deletes[0], dialog.items
        assert "done-protected" in keeps[0] and "protect selector" in keeps[0]
        assert "done-unmanaged" in keeps[1] and "not created by podbay" in keeps[1]
        await pilot.press("y")
        await until(pilot, lambda: "done-managed" not in names(app), "cleaned pod leaves")
        assert names(app) == ["done-protected", "done-unmanaged", "failed-managed"]


async def test_moving_sorting_and_reloading(namespace: Namespace) -> None:
    for i, node in enumerate(("kwok-node-1", "kwok-node-0", "kwok-node-1")):
        manifest = pod_manifest(f"p{i}", kwok=True, nodeName=node)
        namespace.core.create_namespaced_pod(namespace.name, manifest)
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["p0", "p1", "p2"], "three pods")
        table = browser(app).table
        await pilot.press("j", "j")
        assert table.current is not None and table.current.name == "p2"
        await pilot.press("k")
        assert table.current is not None and table.current.name == "p1"
        await pilot.press("G")
        assert table.cursor == 2
        await pilot.press("g")
        assert table.cursor == 0
        await pilot.press("O")  # by node, then name
        assert names(app) == ["p1", "p0", "p2"]
        for key in ("S", "T", "R"):  # equal values everywhere: name breaks the tie
            await pilot.press(key)
            assert names(app) == ["p0", "p1", "p2"]
        before = browser(app).lives["pods"]
        await pilot.press("ctrl+r")
        await until(pilot, lambda: browser(app).lives["pods"] is not before, "a new list")
        await until(pilot, lambda: len(names(app)) == 3, "re-listed")


async def test_yaml_describe_and_help(namespace: Namespace) -> None:
    _kwok_pods(namespace, "web")
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["web"], "the pod")
        await pilot.press("y")
        assert isinstance(app.screen, TextViewer)
        assert "kind: Pod" in str(app.screen.body) and "managedFields" not in str(app.screen.body)
        deadline = time.monotonic() + 30  # the scheduler writes its event asynchronously
        while not namespace.core.list_namespaced_event(
            namespace.name, field_selector="reason=Scheduled,involvedObject.name=web"
        ).items:
            assert time.monotonic() < deadline, "no Scheduled event for the pod"
            time.sleep(0.2)
        await pilot.press("escape", "d")
        await until(pilot, lambda: isinstance(app.screen, TextViewer), "describe output")
        text = str(app.screen.body)
        assert "Name:" in text and "web" in text
        events = text[text.index("Events:") :]
        assert "Scheduled" in events and "default-scheduler" in events, events
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = [k for _, section in app.screen.sections for k, _ in section]
        for key in (":", "/", "d", "y", "ctrl+d", "space", "x", "?", ","):
            assert key in keys


async def test_restricted_account_lists_by_polling_and_shows_what_it_cannot(
    namespace: Namespace, tmp_path: Path
) -> None:
    _kwok_pods(namespace, "p1")
    namespace.restricted()  # grants the spec's Role and writes its kubeconfig
    kubeconfig = tmp_path / "restricted.kubeconfig"
    assert kubeconfig.exists()
    app = browser_app(kubeconfig, namespace.name)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: names(app) == ["p1"], "listed without watch permission")
        live = browser(app).lives["pods"]
        await until(pilot, lambda: live.state.phase is Phase.POLLING, "polling fallback")
        await until(pilot, lambda: "watch pods" in browser(app).denied, "access review")
        _kwok_pods(namespace, "p2")
        await until(pilot, lambda: "p2" in names(app), "a new pod shows up by polling")


def test_delete_options_carry_the_uid_precondition(namespace: Namespace) -> None:
    """The UI deletes with the row's UID: a same-named replacement is never hit."""
    _kwok_pods(namespace, "same")
    core = namespace.core
    old_uid = core.read_namespaced_pod("same", namespace.name).metadata.uid
    core.delete_namespaced_pod("same", namespace.name, grace_period_seconds=0)
    deadline = time.monotonic() + 30
    while core.list_namespaced_pod(namespace.name).items and time.monotonic() < deadline:
        time.sleep(0.1)
    _kwok_pods(namespace, "same")
    wb = Workbench(
        Settings(kubeconfig=str(namespace.sandbox.kubeconfig("admin")), namespace=namespace.name)
    )
    from tui.core.errors import ApiError

    with pytest.raises(ApiError) as exc:
        wb.pods.delete("same", namespace.name, uid=old_uid)
    assert exc.value.status == 409
    assert core.read_namespaced_pod("same", namespace.name).metadata.uid != old_uid
    wb.close()


async def test_apiserver_restart_shows_a_banner_and_reconnects(namespace: Namespace) -> None:
    """The list survives an apiserver restart: a banner while away, then rows re-listed."""
    _kwok_pods(namespace, "before")
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["before"], "the pod")
        live = browser(app).lives["pods"]
        relists = live.cache.relists
        banner = browser(app).query_one("#banner")
        outage = functools.partial(namespace.sandbox.restart, "kube-apiserver", down_seconds=5)
        restart = asyncio.create_task(asyncio.to_thread(outage))
        await until(pilot, lambda: banner.has_class("shown"), "the reconnecting banner", 60)
        await restart
        _kwok_pods(namespace, "during")  # the sandbox's restart waits until it serves again
        await until(pilot, lambda: live.cache.relists > relists, "a re-list", 90)
        await until(pilot, lambda: names(app) == ["before", "during"], "rows re-listed", 60)
        await until(pilot, lambda: not banner.has_class("shown"), "the banner goes away", 30)
        assert live.state.phase is Phase.WATCHING
    settle_after_apiserver_restart(namespace.sandbox, namespace.core)


async def test_an_action_the_account_lacks_is_disabled_and_says_why(
    namespace: Namespace, tmp_path: Path
) -> None:
    _kwok_pods(namespace, "readonly")
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    kubeconfig = account_kubeconfig(namespace, tmp_path, "reader", rules)
    app = browser_app(kubeconfig, namespace.name)
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: names(app) == ["readonly"], "the pod")
        await until(pilot, lambda: "delete pods" in browser(app).denied, "access review")
        assert browser(app).check_action("delete", ()) is None  # shown disabled
        await pilot.press("ctrl+d")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "cannot delete pods" in dialog.what
        assert '"delete"' in dialog.fix and "pods" in dialog.fix  # the Role rule to add
    assert names_in(namespace) == ["readonly"]


def names_in(ns: Namespace) -> list[str]:
    return [p.metadata.name for p in ns.core.list_namespaced_pod(ns.name).items]


async def test_context_switch_with_the_picker_and_the_command_palette(
    namespace: Namespace, tmp_path: Path
) -> None:
    """Two contexts in one kubeconfig: admin and the spec's restricted account."""
    _kwok_pods(namespace, "ctxpod")
    admin = yaml.safe_load(namespace.sandbox.kubeconfig("admin").read_text())
    limited = yaml.safe_load(restricted_kubeconfig(namespace, tmp_path).read_text())
    admin["contexts"][0]["name"] = "admin"
    admin["current-context"] = "admin"
    user = dict(limited["users"][0], name="limited-user")
    admin["users"].append(user)
    admin["contexts"].append(
        {"name": "limited", "context": {**admin["contexts"][0]["context"], "user": "limited-user"}}
    )
    kubeconfig = tmp_path / "two-contexts.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(admin))
    app = browser_app(kubeconfig, namespace.name)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["ctxpod"], "the pod")
        assert browser(app).lives["pods"].state.phase is Phase.WATCHING
        await pilot.press("colon", *"ctx", "enter")
        assert isinstance(app.screen, Picker)
        assert app.screen.choices == ["admin", "limited"]
        await pilot.press(*"lim", "enter")
        await until(pilot, lambda: app.workbench.settings.context == "limited", "switched")
        await until(pilot, lambda: names(app) == ["ctxpod"], "listed again")
        await until(
            pilot, lambda: browser(app).lives["pods"].state.phase is Phase.POLLING, "no watch"
        )
        assert browser(app).connection_context() == "limited"

        await pilot.press("ctrl+p")
        await pilot.press(*"Services")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: browser(app).kind.plural == "services", "the palette's Services")
