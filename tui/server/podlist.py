"""GET /api/kubernetes/pods as bytes: the spec's shape, joined from the rows the watch cache
keeps already serialised, sorted once per change of the cache (not once per request)."""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from tui.core.pods import PodRow, PodSummary
from tui.core.watchcache import WatchCache


def body(namespace: str, rows: Sequence[PodRow], source: str) -> bytes:
    """``{"namespace": .., "pods": [rows as given], "source": ..}`` without re-encoding rows."""
    return b"".join(
        (
            b'{"namespace":',
            json.dumps(namespace).encode(),
            b',"pods":[',
            b",".join(r.json for r in rows),
            b'],"source":',
            json.dumps(source).encode(),
            b"}",
        )
    )


def by_name(rows: Sequence[PodRow]) -> list[PodRow]:
    return sorted(rows, key=lambda r: r.summary.name)


@dataclass(frozen=True)
class _Snapshot:
    version: int
    rows: list[PodRow]  # sorted by name
    body: bytes  # the unfiltered response


class CachedLists:
    """Per-cache memo of the sorted rows and the unfiltered body, keyed on the cache's
    version: while nothing changes, a request costs a dict lookup."""

    def __init__(self) -> None:
        self._memo: weakref.WeakKeyDictionary[WatchCache[PodRow], _Snapshot] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _snapshot(self, cache: WatchCache[PodRow]) -> _Snapshot:
        with self._lock:
            snap = self._memo.get(cache)
        if snap is not None and snap.version == cache.version:
            return snap
        version, rows = cache.derived()
        ordered = by_name(rows)
        snap = _Snapshot(version, ordered, body(cache.namespace, ordered, "cache"))
        with self._lock:
            self._memo[cache] = snap
        return snap

    def render(
        self, cache: WatchCache[PodRow], match: Callable[[dict[str, str]], bool] | None = None
    ) -> bytes:
        """The response for ``cache``'s namespace, only rows whose labels ``match`` if given."""
        snap = self._snapshot(cache)
        if match is None:
            return snap.body
        rows = [r for r in snap.rows if match(r.summary.labels)]
        return body(cache.namespace, rows, "cache")


class PodList(BaseModel):
    """The documented shape of GET /api/kubernetes/pods (rows sorted by name)."""

    namespace: str
    pods: list[PodSummary]
    source: Literal["cache", "apiserver"]
