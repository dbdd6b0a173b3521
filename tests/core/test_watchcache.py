"""Watch caches follow the cluster live, and fall back to polling without `watch`."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.conftest import Namespace
from tests.kube_helpers import KWOK_PLACEMENT, eventually, settle_after_apiserver_restart
from tui.core.pods import PodRow, Pods, pod_row
from tui.core.settings import Settings
from tui.core.watchcache import Change, Phase, WatchCache

pytestmark = pytest.mark.cluster


def _kwok_pod(ns: Namespace, name: str) -> None:
    ns.core.create_namespaced_pod(
        ns.name,
        {
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "runner", "image": "x"}], **KWOK_PLACEMENT},
        },
    )


def _names(cache: WatchCache[Any]) -> set[str]:
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
        assert eventually(lambda: _names(cache) == {"before", "after"})
        assert eventually(
            lambda: (cache.get("after") or {}).get("status", {}).get("phase") == "Running"
        )
        namespace.core.delete_namespaced_pod("before", namespace.name, grace_period_seconds=0)
        assert eventually(lambda: _names(cache) == {"after"})
        assert cache.state.phase is Phase.WATCHING
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
        assert eventually(lambda: cache.state.phase is Phase.POLLING)
        _kwok_pod(namespace, "seen-by-polling")
        assert eventually(lambda: "seen-by-polling" in _names(cache))
    finally:
        cache.stop()


def test_cache_reconnects_after_an_apiserver_restart(namespace: Namespace) -> None:
    cache = WatchCache(Pods(namespace.admin, Settings(namespace=namespace.name))).start()
    try:
        assert cache.wait_synced(10)
        namespace.sandbox.restart("kube-apiserver")
        _kwok_pod(namespace, "after-restart")
        assert eventually(lambda: "after-restart" in _names(cache), timeout=60)
        assert eventually(lambda: cache.state.phase is Phase.WATCHING, timeout=30)
    finally:
        cache.stop()
        settle_after_apiserver_restart(namespace.sandbox, namespace.core)


def test_derived_rows_follow_changes_and_polling_rederives_only_what_changed(
    namespace: Namespace,
) -> None:
    derived_for: list[str] = []

    def row(pod: dict[str, Any]) -> PodRow:
        derived_for.append(pod["metadata"]["name"])
        return pod_row(pod)

    _kwok_pod(namespace, "steady")
    pods = Pods(namespace.restricted(), Settings(namespace=namespace.name))
    cache = WatchCache(pods, derive=row, poll_seconds=0.3).start()
    try:
        assert cache.wait_synced(10)
        assert eventually(lambda: cache.state.phase is Phase.POLLING)
        assert eventually(lambda: _rows(cache).get("steady") == "Running")
        relists = cache.relists
        assert eventually(lambda: cache.relists >= relists + 3)
        steady_rows = derived_for.count("steady")
        assert eventually(lambda: cache.relists >= relists + 6)
        assert derived_for.count("steady") == steady_rows  # unchanged pod: row reused

        _kwok_pod(namespace, "newcomer")
        assert eventually(lambda: _rows(cache).get("newcomer") == "Running")
        version = cache.version
        namespace.core.delete_namespaced_pod("newcomer", namespace.name, grace_period_seconds=0)
        assert eventually(lambda: "newcomer" not in _rows(cache))
        assert cache.version > version
        [only] = cache.derived()[1]
        assert only.created_ms is not None
        row = json.loads(only.json(only.created_ms + 5000))  # the age is the request's
        assert row == {**only.summary.to_json(), "age": 5000}
    finally:
        cache.stop()


def _rows(cache: WatchCache[PodRow]) -> dict[str, str]:
    return {r.summary.name: r.summary.status for r in cache.derived()[1]}


def test_an_ended_watch_resumes_from_its_version_without_a_relist(namespace: Namespace) -> None:
    """Watches end every ``watch_seconds``; re-listing each time would cost a full list
    (and a UI-wide refresh) every 30 s at 10k pods."""
    cache = WatchCache(
        Pods(namespace.admin, Settings(namespace=namespace.name)), watch_seconds=1
    ).start()
    try:
        assert cache.wait_synced(10)
        time.sleep(3.5)  # at least two server-side watch timeouts
        _kwok_pod(namespace, "after-timeouts")
        assert eventually(lambda: "after-timeouts" in _names(cache))
        assert cache.relists == 1
        assert cache.state.phase is Phase.WATCHING
    finally:
        cache.stop()


class _ExpiredOnce(WatchCache[None]):
    """A cache whose first list hands the watch a version the apiserver no longer keeps,
    as after a long disconnect; the server answers 410 Gone."""

    def _relist(self) -> str:
        rv = super()._relist()
        return "1" if self.relists == 1 else rv


def test_an_expired_version_410_relists_and_watches_on(namespace: Namespace) -> None:
    _kwok_pod(namespace, "first")
    cache = _ExpiredOnce(Pods(namespace.admin, Settings(namespace=namespace.name))).start()
    try:
        assert cache.wait_synced(10)
        assert eventually(lambda: cache.relists == 2)  # the 410 made it list again
        _kwok_pod(namespace, "after-410")
        assert eventually(lambda: "after-410" in _names(cache))
        assert _names(cache) == {"first", "after-410"}
        assert cache.state.phase is Phase.WATCHING and cache.error is None and cache.relists == 2
    finally:
        cache.stop()


def test_stop_ends_the_watch_and_its_connection_at_once(namespace: Namespace) -> None:
    """A watch is quiet until something changes; stop() used to leave the thread (and its
    connection) waiting up to watch_seconds + 15 s for the server to end the watch."""
    cache = WatchCache(Pods(namespace.admin, Settings(namespace=namespace.name))).start()
    assert cache.wait_synced(10)
    assert eventually(lambda: cache._response is not None)  # the watch is open, and quiet
    t0 = time.monotonic()
    cache.stop()
    assert cache.wait_stopped(3), "the watch thread still reads its stream"
    assert time.monotonic() - t0 < 3
    assert cache.error is None  # a stop is not a failure


def test_a_failing_derive_is_an_error_state_and_the_cache_restarts(namespace: Namespace) -> None:
    """An exception nobody expected (here from ``derive``) used to end the watch thread
    silently while the cache kept answering with stale rows."""
    broken = {"on": True}

    def row(pod: dict[str, Any]) -> PodRow:
        if broken["on"] and pod["metadata"]["name"] == "poison":
            raise KeyError("a bug in derive")
        return pod_row(pod)

    cache = WatchCache(
        Pods(namespace.admin, Settings(namespace=namespace.name)), derive=row
    ).start()
    try:
        assert cache.wait_synced(10) and cache.healthy
        _kwok_pod(namespace, "poison")
        assert eventually(lambda: cache.state.phase is Phase.ERROR), cache.state
        assert "KeyError" in cache.state.reason and cache.error is not None
        assert not cache.healthy  # readers go to the apiserver meanwhile
        assert cache._thread is not None and cache._thread.is_alive()
        assert eventually(lambda: cache.failures >= 2)  # it keeps trying (with backoff)
        broken["on"] = False
        assert eventually(lambda: "poison" in _rows(cache), timeout=30)
        assert cache.state.phase is Phase.WATCHING and cache.healthy
    finally:
        cache.stop()


def test_a_failing_on_change_is_an_error_state_too(namespace: Namespace) -> None:
    calls: list[int] = []

    def on_change(changes: list[Change]) -> None:
        calls.append(len(changes))
        if len(calls) == 2:  # the first event after the list
            raise RuntimeError("a bug in on_change")

    cache = WatchCache(
        Pods(namespace.admin, Settings(namespace=namespace.name)), on_change=on_change
    ).start()
    try:
        assert cache.wait_synced(10)
        _kwok_pod(namespace, "trigger")
        assert eventually(lambda: cache.failures == 1)
        assert eventually(lambda: cache.healthy and cache.relists >= 2)  # listed afresh
        assert "trigger" in _names(cache)
    finally:
        cache.stop()


def test_the_first_list_arrives_page_by_page_then_the_watch_follows(namespace: Namespace) -> None:
    for i in range(7):
        _kwok_pod(namespace, f"paged-{i}")
    batches: list[list[Change]] = []
    sizes: list[int] = []
    cache: WatchCache[PodRow] = WatchCache(
        Pods(namespace.admin, Settings(namespace=namespace.name)),
        derive=pod_row,
        on_change=lambda changes: (batches.append(changes), sizes.append(len(cache))),
        pages=(3, 2),
    )
    cache.start()
    try:
        assert cache.wait_synced(10)
        # pages of 3, 2, 2: a RESYNC with the first three, then two batches of additions,
        # and the cache says synced only once it holds all seven
        assert [b[0].kind for b in batches[:3]] == ["RESYNC", "ADDED", "ADDED"]
        assert sizes[:3] == [3, 5, 7]
        assert len(cache.derived()[1]) == 7 and cache.relists == 1
        _kwok_pod(namespace, "after")  # watched from the snapshot's version: nothing missed
        assert eventually(lambda: "after" in _names(cache))
        assert cache.state.phase is Phase.WATCHING and cache.relists == 1
    finally:
        cache.stop()
