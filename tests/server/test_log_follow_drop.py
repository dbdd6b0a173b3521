"""A REST log follow ends with its client: followers of a quiet pod that clients drop
leave no thread behind and do not starve the routes that run in the thread pool."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.server.live_server import live_server, open_get
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster
API = "/api/kubernetes"


@pytest.fixture
def served(real_node: Namespace, tmp_path: Path) -> Iterator[int]:
    settings = Settings(
        kubeconfig=str(real_node.sandbox.kubeconfig("admin")), namespace=real_node.name
    )
    wb = Workbench(settings, tmp_path / "settings.yaml")
    with live_server(make_app(wb)) as port:
        yield port
    wb.close()


def _config_seconds(port: int, times: int = 5) -> float:
    """The median time of GET /config (a route run in the thread pool)."""
    took = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        for _ in range(times):
            t0 = time.perf_counter()
            assert http.get(f"{API}/config").status_code == 200
            took.append(time.perf_counter() - t0)
    return statistics.median(took)


def _settled_threads(limit: int, timeout: float = 20) -> int:
    """The thread count once it is at most ``limit`` (or what it is after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while threading.active_count() > limit and time.monotonic() < deadline:
        time.sleep(0.1)
    return threading.active_count()


def _follow_and_drop(port: int, namespace: str) -> None:
    sock, got = open_get(
        port, f"{API}/pods/quiet/logs?follow=true&namespace={namespace}", until=b"ready\n"
    )
    sock.close()
    assert b" 200 " in got.split(b"\r\n", 1)[0], got[:300]
    assert b"ready\n" in got, got[-300:]


def test_dropped_follows_of_a_quiet_pod_leave_no_thread(served: int, real_node: Namespace) -> None:
    """100 clients follow a pod that printed one line and then sleeps forever, and go away.
    Each follow's reader used to stay blocked in a pool thread until the pod printed again
    (never); after ~40 of them every synchronous route waited for a free thread."""
    quiet = pod_manifest(
        "quiet", container={"command": ["sh", "-c", "echo ready; exec sleep infinity"]}
    )
    real_node.core.create_namespaced_pod(real_node.name, quiet)
    wait_pod(real_node.core, real_node.name, "quiet", ("Running",))
    _follow_and_drop(served, real_node.name)  # warm: connection, pool threads
    before_seconds = _config_seconds(served)
    before = _settled_threads(0, timeout=0)

    for _ in range(100):
        _follow_and_drop(served, real_node.name)

    after = _settled_threads(before)
    followers = [t.name for t in threading.enumerate() if t.name.startswith("logs-")]
    assert followers == [], f"{len(followers)} log followers still run"
    assert after <= before, f"{after - before} threads more than before the follows"
    after_seconds = _config_seconds(served)
    assert after_seconds < max(0.5, 5 * before_seconds), (before_seconds, after_seconds)
