"""`:ns` without a name: the cluster's namespaces for an account that may list them; for one
that may not, a dialog that says why (not a silent picker holding only the current one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.accounts import account_kubeconfig
from tests.app.helpers import browser, browser_app, until
from tests.conftest import Namespace
from tui.app.dialogs import ErrorDialog, Picker

pytestmark = pytest.mark.cluster


async def test_the_picker_offers_the_cluster_namespaces(namespace: Namespace) -> None:
    app = browser_app(namespace.sandbox.kubeconfig("admin"), namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        await pilot.press("colon", *"ns", "enter")
        await until(pilot, lambda: isinstance(app.screen, Picker), "the picker")
        picker = app.screen
        assert isinstance(picker, Picker)
        assert {namespace.name, "kube-system"} <= set(picker.choices)
        assert picker.choices == sorted(picker.choices)


async def test_an_account_that_cannot_list_namespaces_is_told_why(
    namespace: Namespace, tmp_path: Path
) -> None:
    rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    kubeconfig = account_kubeconfig(namespace, tmp_path, "ns-reader", rules)
    app = browser_app(kubeconfig, namespace.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: browser(app).lives.get("pods") is not None, "live")
        await pilot.press("colon", *"ns", "enter")
        await until(pilot, lambda: isinstance(app.screen, ErrorDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert "cannot list namespaces" in dialog.what and "forbidden" in dialog.what
        assert "ClusterRole" in dialog.fix and ":ns <name>" in dialog.fix
        await pilot.press("escape")
        assert browser(app) is app.screen and browser(app).namespace == namespace.name
