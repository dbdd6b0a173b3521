"""A slow connect stalls nothing else: while one request connects through a kubeconfig whose
credential plugin takes 5 s, other routes (the health check, GET and PUT /config) answer at
once instead of waiting for the workbench's lock, and the connecting request still gets its
answer."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Namespace
from tests.server.local_client import rest_client
from tests.slowplugin import slow_plugin_kubeconfig
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster
API = "/api/kubernetes"
PLUGIN_SECONDS = 5
FAST = 2.0  # "at once", with a generous margin on a loaded 2-core machine (< PLUGIN_SECONDS)


def test_a_slow_credential_plugin_stalls_no_other_route(
    namespace: Namespace, tmp_path: Path
) -> None:
    ns = namespace.name
    marker = tmp_path / "plugin-started"
    kubeconfig = slow_plugin_kubeconfig(namespace, tmp_path, marker, PLUGIN_SECONDS)
    settings = Settings(kubeconfig=str(kubeconfig), namespace=ns)
    wb = Workbench(settings, tmp_path / "settings.yaml")
    with rest_client(make_app(wb)) as rest:
        answers: list[httpx.Response] = []
        connecting = threading.Thread(target=lambda: answers.append(rest.get(f"{API}/pods")))
        connecting.start()  # the first call connects: the plugin runs for 5 s
        try:
            deadline = time.monotonic() + 30
            while not marker.exists():
                assert time.monotonic() < deadline, "the credential plugin never started"
                time.sleep(0.02)

            def timed(method: str, path: str, **kwargs: Any) -> httpx.Response:
                started = time.monotonic()
                r = rest.request(method, path, **kwargs)
                took = time.monotonic() - started
                assert took < FAST, f"{method} {path} waited {took:.1f} s for the plugin"
                return r

            assert timed("GET", "/healthz").status_code == 200
            config = timed("GET", f"{API}/config")
            assert config.status_code == 200
            body = config.json()
            assert body["namespace"] == ns
            if not body["connected"]:  # (the connect may just have finished)
                assert "connecting" in body["error"], body
            put = timed("PUT", f"{API}/config", json={"defaultTtlSeconds": 600})
            assert put.status_code == 200, put.json()
        finally:  # (leaving the client while a request runs would hang its portal)
            connecting.join(4 * PLUGIN_SECONDS + 30)
        assert answers and answers[0].status_code == 200, answers and answers[0].json()
        assert answers[0].json()["namespace"] == ns
        assert rest.get(f"{API}/config").json()["connected"] is True
    wb.close()
