"""GET /api/kubernetes/pods as bytes: the spec's shape, joined from the rows the watch cache
keeps already serialised, sorted once per change of the cache (not once per request)."""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from tui.core.pods import PodRow, now_ms
from tui.core.watchcache import WatchCache


def body(namespace: str, rows: Sequence[PodRow], source: str) -> bytes:
    """``{"namespace": .., "pods": [rows as given], "source": ..}`` without re-encoding rows
    (each row gets its age in milliseconds as of now)."""
    now = now_ms()
    return b"".join(
        (
            b'{"namespace":',
            json.dumps(namespace).encode(),
            b',"pods":[',
            b",".join(r.json(now) for r in rows),
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


class CachedLists:
    """Per-cache memo of the rows sorted by name, keyed on the cache's version: while
    nothing changes, a request costs one join of ready-made rows (and their ages)."""

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
        snap = _Snapshot(version, by_name(rows))
        with self._lock:
            self._memo[cache] = snap
        return snap

    def render(
        self, cache: WatchCache[PodRow], match: Callable[[dict[str, str]], bool] | None = None
    ) -> bytes:
        """The response for ``cache``'s namespace, only rows whose labels ``match`` if given."""
        rows = self._snapshot(cache).rows
        if match is not None:
            rows = [r for r in rows if match(r.summary.labels)]
        return body(cache.namespace, rows, "cache")


class PodItem(BaseModel):
    """One pod in GET /api/kubernetes/pods. ``ready``, ``age`` and ``image`` have the seed
    system's names and types (its web client reads them)."""

    name: str
    namespace: str
    uid: str
    phase: str = Field(description="Pending, Running, Succeeded, Failed or Unknown")
    status: str = Field(description="kubectl's STATUS column, e.g. CrashLoopBackOff")
    ready: bool = Field(description="every container is ready")
    readyContainers: str = Field(description='ready/total containers, e.g. "1/2"')
    restarts: int
    created: str = Field(description="creation time, RFC 3339")
    age: int = Field(description="milliseconds since creation")
    node: str
    ip: str
    image: str = Field(description="the first container's image")
    images: list[str]
    labels: dict[str, str]


class PodList(BaseModel):
    """The documented shape of GET /api/kubernetes/pods (rows sorted by name)."""

    namespace: str
    pods: list[PodItem]
    source: Literal["cache", "apiserver"]
