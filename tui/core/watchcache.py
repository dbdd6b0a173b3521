"""A list+watch cache of one kind in one namespace: the data both faces read from.

Raw JSON end to end (no model objects), keyed by UID. Bookmarks keep the resourceVersion
fresh, a 410 Gone re-lists, errors reconnect with capped exponential backoff, and an
account without ``watch`` (the spec's Role has none) falls back to periodic listing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from tui.core.errors import ApiError, from_api_exception
from tui.core.resources import Collection

WATCH_SECONDS = 30  # server-side timeout of one watch request; bounds stop() latency
POLL_SECONDS = 2.0
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class Change:
    """One change applied to the cache (``kind`` is ADDED, MODIFIED, DELETED or RESYNC)."""

    kind: str
    obj: dict[str, Any] | None


class WatchCache:
    def __init__(
        self,
        collection: Collection,
        namespace: str | None = None,
        *,
        on_change: Callable[[list[Change]], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.collection = collection
        self.namespace = collection.namespace(namespace)
        self.on_change = on_change
        self.poll_seconds = poll_seconds
        self._items: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.synced = threading.Event()
        self.state = "starting"  # starting | watching | polling | reconnecting: <why>
        self.error: ApiError | None = None
        self.relists = 0
        self._thread: threading.Thread | None = None

    # ---- reading ---------------------------------------------------------------------
    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def get(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            for obj in self._items.values():
                if obj["metadata"]["name"] == name:
                    return obj
        return None

    def upsert(self, obj: dict[str, Any]) -> None:
        """Write-through for our own creates, so a list right after a create shows it."""
        uid = obj.get("metadata", {}).get("uid")
        if uid:
            with self._lock:
                current = self._items.get(uid)
                newer = current is None or int(obj["metadata"].get("resourceVersion") or 0) >= int(
                    current["metadata"].get("resourceVersion") or 0
                )
                if newer:
                    self._items[uid] = obj

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> WatchCache:
        self._thread = threading.Thread(
            target=self._run, name=f"watch-{self.collection.kind.plural}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def wait_synced(self, timeout: float) -> bool:
        return self.synced.wait(timeout)

    # ---- the loop ----------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                rv = self._relist()
                if self.state == "polling":
                    self._stop.wait(self.poll_seconds)
                    continue
                self.state = "watching"
                self.error = None
                backoff = 0.5
                self._watch(rv)
            except ApiError as exc:
                if exc.status == 403 and self.state != "polling" and "watch" in exc.what:
                    self.state = "polling"
                    continue
                self.error = exc
                self.state = f"reconnecting: {exc.what}"
            except (HTTPError, OSError, ValueError) as exc:
                self.state = f"reconnecting: {type(exc).__name__}: {exc}"
            self._stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _relist(self) -> str:
        data = self.collection.list_raw(self.namespace)
        fresh = {o["metadata"]["uid"]: o for o in data.get("items", [])}
        with self._lock:
            self._items = fresh
        self.relists += 1
        self.synced.set()
        self._emit([Change("RESYNC", None)])
        return str(data.get("metadata", {}).get("resourceVersion", ""))

    def _watch(self, rv: str) -> None:
        """Stream events until the server ends the watch; raise to re-list."""
        kind = self.collection.kind
        call = getattr(self.collection.client, kind.method("list"))
        try:
            resp = call(
                self.namespace,
                watch=True,
                resource_version=rv,
                allow_watch_bookmarks=True,
                timeout_seconds=WATCH_SECONDS,
                _preload_content=False,
                _request_timeout=(10, WATCH_SECONDS + 15),
            )
        except ApiException as exc:
            action = f"watch {kind.plural} in namespace {self.namespace}"
            raise from_api_exception(exc, action) from exc
        buffer = b""
        try:
            for chunk in resp.stream(amt=65536):
                buffer += chunk
                lines = buffer.split(b"\n")
                buffer = lines.pop()
                batch = [c for c in (self._apply(line) for line in lines if line.strip()) if c]
                if batch:
                    self._emit(batch)
                if self._stop.is_set():
                    break
        except (ProtocolError, ReadTimeoutError):
            pass  # the server closed the stream; watch again from the last version
        finally:
            resp.release_conn()

    def _apply(self, line: bytes) -> Change | None:
        event = json.loads(line)
        etype, obj = event.get("type"), event.get("object") or {}
        if etype == "ERROR":
            code = obj.get("code")
            raise ApiError(
                int(code or 500),
                f"watch ended: {obj.get('message', '')}",
                reason=str(obj.get("reason", "")),
            )
        if etype == "BOOKMARK":
            return None
        uid = obj["metadata"]["uid"]
        with self._lock:
            if etype == "DELETED":
                self._items.pop(uid, None)
            else:
                self._items[uid] = obj
        return Change(str(etype), obj)

    def _emit(self, changes: list[Change]) -> None:
        if self.on_change is not None:
            self.on_change(changes)
