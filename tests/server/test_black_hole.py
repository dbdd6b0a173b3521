"""The REST face in front of a black-holed apiserver (packets dropped, nothing refused or
closed): every route that needs the cluster answers 504 (or 503) within the request
timeout, saying which call timed out, and all of them work again once packets flow."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.netproxy import CuttableProxy
from tests.server.local_client import rest_client
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster
API = "/api/kubernetes"
TIMEOUT = 4.0  # request_timeout_seconds
# "within the timeout": one timeout plus a margin for a loaded 2-core machine, less than two
# (a route must not wait for a second call after the first timed out)
WITHIN = 1.75 * TIMEOUT


def test_rest_answers_504_within_the_timeout_and_recovers(
    namespace: Namespace, proxy: CuttableProxy, tmp_path: Path
) -> None:
    ns = namespace.name
    manifest = pod_manifest("box", kwok=True, container={"command": ["sleep", "infinity"]})
    namespace.core.create_namespaced_pod(ns, manifest)
    wait_pod(namespace.core, ns, "box", ("Running",))
    kubeconfig = proxy.kubeconfig(namespace.sandbox.kubeconfig("admin"), tmp_path / "kc")
    settings = Settings(kubeconfig=str(kubeconfig), namespace=ns, request_timeout_seconds=TIMEOUT)
    wb = Workbench(settings, tmp_path / "settings.yaml")
    probes: list[tuple[str, str, dict[str, Any], str]] = [
        ("GET", "/pods/box", {}, f"get pod box in namespace {ns}"),
        ("GET", "/pods/box/logs", {}, f"read logs of pod box in namespace {ns}"),
        ("POST", "/pods/box/exec", {"json": {"command": ["true"]}}, "exec in pod box"),
        # a namespace whose cache is cold: its first list times out, and is not asked twice
        ("GET", "/pods?namespace=elsewhere", {}, "list pods in namespace elsewhere"),
        ("GET", "/services", {}, f"list services in namespace {ns}"),
    ]
    with rest_client(make_app(wb)) as rest:
        assert rest.get(f"{API}/pods/box").status_code == 200
        assert rest.get(f"{API}/pods").json()["source"] == "cache"
        proxy.black_hole()
        started = time.monotonic()  # a warm list answers from its cache (until its watch
        assert rest.get(f"{API}/pods").status_code in (200, 504)  # notices the silence)
        assert time.monotonic() - started < WITHIN
        for method, path, kwargs, call in probes:
            started = time.monotonic()
            r = rest.request(method, API + path, **kwargs)
            took = time.monotonic() - started
            body = r.json()
            assert r.status_code in (503, 504), (path, r.status_code, body)
            assert call in body["error"], (path, body)
            if r.status_code == 504:
                assert f"did not answer within {TIMEOUT:g} s" in body["error"], body
                assert "request_timeout_seconds" in body["fix"], body
            assert took < WITHIN, f"{method} {path} answered after {took:.1f} s"
        assert rest.get("/healthz").status_code == 200  # the server itself never stopped

        proxy.restore()
        deadline = time.monotonic() + 60
        for method, path, kwargs, _ in probes:
            while (r := rest.request(method, API + path, **kwargs)).status_code >= 500:
                assert time.monotonic() < deadline, (path, r.status_code, r.json())
                time.sleep(0.5)
            assert r.status_code == 200, (path, r.status_code, r.json())
    wb.close()
