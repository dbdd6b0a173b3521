"""A slow connect never freezes the TUI: while the connect worker waits for a credential
plugin that takes 10 s, switching context (which drops the connection being made) is handled
at once, and the new connection is made and listed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from tests.app.helpers import browser, browser_app, until
from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest
from tests.slowplugin import slow_plugin_kubeconfig

pytestmark = pytest.mark.cluster
PLUGIN_SECONDS = 10  # time enough to type the command while it runs
FAST = 2.0  # "at once", with a generous margin on a loaded 2-core machine (< PLUGIN_SECONDS)


async def test_a_slow_credential_plugin_never_freezes_the_tui(
    namespace: Namespace, tmp_path: Path
) -> None:
    ns = namespace.name
    namespace.core.create_namespaced_pod(ns, pod_manifest("web", kwok=True))
    marker = tmp_path / "plugin-started"
    kubeconfig = slow_plugin_kubeconfig(namespace, tmp_path, marker, PLUGIN_SECONDS)
    context = yaml.safe_load(kubeconfig.read_text())["current-context"]
    app = browser_app(kubeconfig, ns)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, marker.exists, "the credential plugin started")
        assert not browser(app).connected
        await pilot.press("colon", *f"ctx {context}")
        assert browser(app).wb.connecting, "typing took longer than the plugin"
        started = time.monotonic()
        await pilot.press("enter")
        took = time.monotonic() - started
        assert took < FAST, f"the UI waited {took:.1f} s for the connect"
        await until(pilot, lambda: browser(app).connected, "connected", 4 * PLUGIN_SECONDS + 30)
        await until(pilot, lambda: [r.name for r in browser(app).table.view] == ["web"], "the pod")
