"""The REST face's watch caches have one owner that caps them, and a broken cache sends
lists to the apiserver instead of serving stale rows."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Namespace
from tests.kube_helpers import KWOK_PLACEMENT, eventually
from tests.server.local_client import rest_client
from tui.core.kinds import SERVICES
from tui.core.pods import PodRow
from tui.core.settings import Settings
from tui.core.watchcache import MAX_CACHES, Phase
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster
API = "/api/kubernetes"


@pytest.fixture
def served(namespace: Namespace, tmp_path: Path) -> Iterator[tuple[TestClient, Workbench]]:
    settings = Settings(
        kubeconfig=str(namespace.sandbox.kubeconfig("admin")), namespace=namespace.name
    )
    wb = Workbench(settings, tmp_path / "settings.yaml")
    with rest_client(make_app(wb)) as client:
        yield client, wb
    wb.close()


def _watch_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("watch-"))


def test_any_number_of_namespaces_keeps_at_most_max_caches(
    served: tuple[TestClient, Workbench], namespace: Namespace
) -> None:
    """Every ``?namespace=`` used to start a watch thread and connection for good."""
    rest, wb = served
    before = _watch_threads()
    names = [f"{namespace.name}-n{i}" for i in range(MAX_CACHES + 8)]
    for i, ns in enumerate(names):
        plural = "pods" if i % 2 else "services"
        r = rest.get(f"{API}/{plural}", params={"namespace": ns})
        assert r.status_code == 200, r.text
        assert r.json()["source"] == "cache"
    assert eventually(lambda: _watch_threads() - before <= MAX_CACHES), (
        f"{_watch_threads() - before} watch threads for a limit of {MAX_CACHES}"
    )
    assert len(wb._caches) == MAX_CACHES
    # the most recently used are the ones kept; a namespace in use is a hit, not a new cache
    assert wb.ready_pod_cache(names[-1]) is not None
    assert wb.ready_cache(SERVICES, names[0]) is None  # the least recently used: stopped
    wb.close()
    assert eventually(lambda: _watch_threads() == before)


def test_a_broken_cache_is_not_served_and_comes_back(
    served: tuple[TestClient, Workbench], namespace: Namespace
) -> None:
    """A watch thread that fails unexpectedly (here the row ``derive``) says so, the list is
    read from the apiserver meanwhile, and the cache restarts with a fresh list."""
    rest, wb = served
    assert rest.get(f"{API}/pods").json()["source"] == "cache"
    cache = wb.ready_pod_cache(namespace.name)
    assert cache is not None
    healthy_row = cache._derive
    assert healthy_row is not None

    def broken_row(pod: dict[str, Any]) -> PodRow:
        raise TypeError("a bug in the row")

    cache._derive = broken_row
    namespace.core.create_namespaced_pod(
        namespace.name,
        {
            "metadata": {"name": "new"},
            "spec": {"containers": [{"name": "c", "image": "x"}], **KWOK_PLACEMENT},
        },
    )
    assert eventually(lambda: cache.state.phase is Phase.ERROR), cache.state
    listed = rest.get(f"{API}/pods").json()
    assert listed["source"] == "apiserver"
    assert [p["name"] for p in listed["pods"]] == ["new"]

    cache._derive = healthy_row
    assert eventually(lambda: cache.healthy, timeout=30), cache.state
    listed = rest.get(f"{API}/pods").json()
    assert listed["source"] == "cache" and [p["name"] for p in listed["pods"]] == ["new"]
