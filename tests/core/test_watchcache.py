"""Watch caches follow the cluster live, and fall back to polling without `watch`."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import KWOK_PLACEMENT
from tui.core.pods import Pods
from tui.core.settings import Settings
from tui.core.watchcache import Change, WatchCache

pytestmark = pytest.mark.cluster


def _eventually(cond: Callable[[], bool], timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def _kwok_pod(ns: Namespace, name: str) -> None:
    ns.core.create_namespaced_pod(
        ns.name,
        {
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "runner", "image": "x"}], **KWOK_PLACEMENT},
        },
    )


def _names(cache: WatchCache) -> set[str]:
    return {o["metadata"]["name"] for o in cache.items()}


def test_cache_sees_adds_updates_and_deletes_live(namespace: Namespace) -> None:
    _kwok_pod(namespace, "before")
    changes: list[Change] = []
    cache = WatchCache(
        Pods(namespace.admin, Settings(namespace=namespace.name)), on_change=changes.extend
    ).start()
    try:
        assert cache.wait_synced(10)
        assert _names(cache) == {"before"}
        _kwok_pod(namespace, "after")
        assert _eventually(lambda: _names(cache) == {"before", "after"})
        assert _eventually(
            lambda: (cache.get("after") or {}).get("status", {}).get("phase") == "Running"
        )
        namespace.core.delete_namespaced_pod("before", namespace.name, grace_period_seconds=0)
        assert _eventually(lambda: _names(cache) == {"after"})
        assert cache.state == "watching"
        assert cache.relists == 1  # followed by watch alone, no re-list
        kinds = {c.kind for c in changes}
        assert {"RESYNC", "ADDED", "MODIFIED", "DELETED"} <= kinds
    finally:
        cache.stop()


def test_spec_role_without_watch_falls_back_to_polling(namespace: Namespace) -> None:
    pods = Pods(namespace.restricted(), Settings(namespace=namespace.name))
    cache = WatchCache(pods, poll_seconds=0.5).start()
    try:
        assert cache.wait_synced(10)
        assert _eventually(lambda: cache.state == "polling")
        _kwok_pod(namespace, "seen-by-polling")
        assert _eventually(lambda: "seen-by-polling" in _names(cache))
    finally:
        cache.stop()


def test_cache_reconnects_after_an_apiserver_restart(namespace: Namespace) -> None:
    cache = WatchCache(Pods(namespace.admin, Settings(namespace=namespace.name))).start()
    try:
        assert cache.wait_synced(10)
        namespace.sandbox.restart("kube-apiserver")
        _kwok_pod(namespace, "after-restart")
        assert _eventually(lambda: "after-restart" in _names(cache), timeout=60)
        assert _eventually(lambda: cache.state == "watching", timeout=30)
    finally:
        cache.stop()
