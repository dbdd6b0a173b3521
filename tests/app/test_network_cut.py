"""A network cut between the TUI and the apiserver (the apiserver itself stays up): a
banner while cut, and on reconnect the rows are what the cluster has now — a pod deleted
and one created during the cut — without restarting the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import browser, browser_app, names, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tests.netproxy import CuttableProxy
from tui.core.watchcache import Phase

pytestmark = pytest.mark.cluster


async def test_network_cut_shows_a_banner_and_the_rows_catch_up(
    namespace: Namespace, proxy: CuttableProxy, tmp_path: Path
) -> None:
    ns = namespace.name
    for name in ("stays", "goes"):
        namespace.core.create_namespaced_pod(ns, pod_manifest(name, kwok=True))
    kubeconfig = proxy.kubeconfig(namespace.sandbox.kubeconfig("admin"), tmp_path / "kc")
    app = browser_app(kubeconfig, ns)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: names(app) == ["goes", "stays"], "both pods")
        live = browser(app).lives["pods"]
        await until(pilot, lambda: live.state.phase is Phase.WATCHING, "watching")
        banner = browser(app).query_one("#banner")
        assert not banner.has_class("shown")

        proxy.cut()
        await until(pilot, lambda: banner.has_class("shown"), "the connection-lost banner")
        assert "reconnecting" in str(banner.render()) and "stale" in str(banner.render())
        assert "reconnecting" in str(browser(app).query_one("#status").render())
        namespace.core.delete_namespaced_pod("goes", ns, grace_period_seconds=0)
        namespace.core.create_namespaced_pod(ns, pod_manifest("arrived", kwok=True))
        assert names(app) == ["goes", "stays"]  # stale, and the banner says so

        proxy.restore()
        await until(pilot, lambda: names(app) == ["arrived", "stays"], "rows caught up", 60)
        await until(pilot, lambda: not banner.has_class("shown"), "the banner goes", 30)
        assert live is browser(app).lives["pods"]  # the same list reconnected; no restart
        await until(pilot, lambda: live.state.phase is Phase.WATCHING, "watching again")
    assert live.stopped  # leaving the app ends its watch threads
