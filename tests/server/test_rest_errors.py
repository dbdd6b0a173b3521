"""Errors that say the right thing over REST: each cause its own status and message, a
client mistake never a 500, a lost cluster a 503 with its diagnosis, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.netproxy import CuttableProxy
from tests.server.local_client import rest_client
from tui.core import cleanup as core_cleanup
from tui.core.models import MANAGED_BY, MANAGER
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster
API = "/api/kubernetes"


def _client(kubeconfig: Path, namespace: str, tmp_path: Path) -> tuple[Workbench, TestClient]:
    wb = Workbench(Settings(kubeconfig=str(kubeconfig), namespace=namespace), tmp_path / "s.yaml")
    return wb, rest_client(make_app(wb))


def test_cleanup_that_loses_the_cluster_midway_is_a_503(
    real_node: Namespace, proxy: CuttableProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list succeeds, then the link drops before the deletes: 503 saying what was
    deleted and what to do, with the reachability diagnosis (was: a 500 'podbay bug')."""
    ns = real_node.name
    finished = pod_manifest("done", labels={MANAGED_BY: MANAGER}, container={"command": ["true"]})
    real_node.core.create_namespaced_pod(ns, finished)
    wait_pod(real_node.core, ns, "done", ("Succeeded",))
    real_select = core_cleanup.select

    def select_then_cut(*args: Any, **kwargs: Any) -> Any:
        chosen = real_select(*args, **kwargs)
        proxy.cut()  # the network goes between the list and the deletes
        return chosen

    monkeypatch.setattr(core_cleanup, "select", select_then_cut)
    kubeconfig = proxy.kubeconfig(real_node.sandbox.kubeconfig("admin"), tmp_path / "kc")
    wb, client = _client(kubeconfig, ns, tmp_path)
    try:
        with client:
            r = client.post(f"{API}/cleanup", json={"namespace": ns})
            assert r.status_code == 503, r.text
            body = r.json()
            assert f"cleanup in namespace {ns} did not finish: 0 of 1 pods deleted" in body["error"]
            assert f"cannot delete pod done in namespace {ns}" in body["error"]
            assert body["fix"] and "diagnosis" in body
            assert "Traceback" not in r.text and "podbay bug" not in r.text

            monkeypatch.setattr(core_cleanup, "select", real_select)
            proxy.restore()
            again = client.post(f"{API}/cleanup", json={"namespace": ns})
            assert again.status_code == 200, again.text
            assert again.json()["deletedPods"] == ["done"]
    finally:
        wb.close()
