"""The TUI in front of a black-holed apiserver (packets dropped: no connection is refused or
closed, so only timeouts tell): it stays usable (a describe ends in an error that names the
timed-out call), the banner says the connection is lost, and once packets flow again the
rows catch up and the banner goes, without restarting the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import browser, browser_app, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tests.netproxy import CuttableProxy
from tui.app.dialogs import ErrorDialog
from tui.core.watchcache import WATCH_SECONDS, Phase

pytestmark = pytest.mark.cluster

TIMEOUT = 2.0  # request_timeout_seconds


async def test_a_black_hole_shows_a_banner_keeps_the_tui_usable_and_recovers(
    namespace: Namespace, proxy: CuttableProxy, tmp_path: Path
) -> None:
    ns = namespace.name
    namespace.core.create_namespaced_pod(ns, pod_manifest("stays", kwok=True))
    kubeconfig = proxy.kubeconfig(namespace.sandbox.kubeconfig("admin"), tmp_path / "kc")
    app = browser_app(kubeconfig, ns, request_timeout_seconds=TIMEOUT)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["stays"], "the pod")
        live = browser(app).lives["pods"]
        await until(pilot, lambda: live.state.phase is Phase.WATCHING, "watching")
        banner = browser(app).query_one("#banner")
        assert not banner.has_class("shown")

        proxy.black_hole()
        await pilot.press("d")  # describe: a call of its own, which times out
        await until(pilot, lambda: isinstance(app.screen, ErrorDialog), "the describe's error")
        dialog = app.screen
        assert isinstance(dialog, ErrorDialog)
        assert f"describe pod stays in namespace {ns}" in dialog.what, dialog.what
        assert f"did not answer within {TIMEOUT:g} s" in dialog.what, dialog.what
        assert "request_timeout_seconds" in dialog.fix
        await pilot.press("escape")
        # the watch is silent; once it has been for its server-side timeout plus the request
        # timeout, it is known to be dead and the banner says so
        await until(
            pilot, lambda: banner.has_class("shown"), "the banner", WATCH_SECONDS + 10 * TIMEOUT
        )
        assert "reconnecting" in str(banner.render()) and "stale" in str(banner.render())
        namespace.core.create_namespaced_pod(ns, pod_manifest("arrived", kwok=True))
        assert names(app) == ["stays"]

        proxy.restore()
        await until(pilot, lambda: names(app) == ["arrived", "stays"], "rows caught up", 90)
        await until(pilot, lambda: not banner.has_class("shown"), "the banner goes", 30)
        assert live is browser(app).lives["pods"]  # the same list reconnected; no restart
