"""A cleanup in the TUI whose connection drops between the preview and the deletes: the
dialog says what was (not) deleted and what to do, not 'unexpected error … a podbay bug'."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import browser, browser_app, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tests.netproxy import CuttableProxy
from tui.app.dialogs import ConfirmDialog, ErrorDialog
from tui.core.models import MANAGED_BY, MANAGER

pytestmark = pytest.mark.cluster


async def test_a_cleanup_that_loses_the_cluster_says_so(
    real_node: Namespace, proxy: CuttableProxy, tmp_path: Path
) -> None:
    ns = real_node.name
    done = pod_manifest("done", labels={MANAGED_BY: MANAGER}, container={"command": ["true"]})
    real_node.core.create_namespaced_pod(ns, done)
    kubeconfig = proxy.kubeconfig(real_node.sandbox.kubeconfig("admin"), tmp_path / "kc")
    app = browser_app(kubeconfig, ns)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["done"], "the pod")
        live = browser(app).lives["pods"]
        await until(
            pilot,
            lambda: [o["status"].get("phase") for o in live.cache.items()] == ["Succeeded"],
            "the pod Succeeded",
            60,
        )
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        proxy.cut()  # after the preview, before the deletes
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ErrorDialog), "an error dialog", 60)
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert f"cleanup in namespace {ns} did not finish: 0 of 1 pods deleted" in dialog.what
        assert "cannot delete pod done" in dialog.what
        assert "run cleanup again" in dialog.fix
        assert "podbay bug" not in dialog.what + dialog.fix
        assert "unexpected error" not in dialog.what
        proxy.restore()
