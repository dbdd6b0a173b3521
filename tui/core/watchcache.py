"""A list+watch cache of one kind in one namespace: the data both faces read from.

Raw JSON end to end (no model objects), keyed by UID. Bookmarks keep the resourceVersion
fresh, a 410 Gone re-lists, errors reconnect with capped exponential backoff, and an
account without ``watch`` (the spec's Role has none) falls back to periodic listing.

What the cache is doing is a :class:`CacheState`: a :class:`Phase` and, while reconnecting,
the reason (typed, so a face reads the phase instead of parsing a sentence). An unexpected
exception in the watch thread (a ``derive`` or ``on_change`` that fails) does not end it
silently: the cache says :attr:`Phase.ERROR` (``error`` is set, so readers go to the
apiserver instead of serving stale rows), logs the traceback and starts over with a fresh
list after its backoff. ``stop`` shuts the watch's HTTP stream down, so the thread and its
connection end at once, not when the server ends the watch.

:class:`WatchCaches` is the one owner of a workbench's caches, at most ``MAX_CACHES`` of them:
starting one more stops the least recently used (a REST client may name any namespace).

An optional ``derive`` callable keeps one derived value per object (a list row, even its
serialised JSON), recomputed only when that object changes: readers that serve the same
list many times pay for summarising once per change instead of once per read.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar, overload

from urllib3.exceptions import HTTPError, ProtocolError, ReadTimeoutError

from tui.core import rawapi
from tui.core.errors import ApiError, from_api_exception, from_transport_error
from tui.core.resources import Collection

WATCH_SECONDS = 30  # server-side timeout of one watch request
POLL_SECONDS = 2.0
MAX_BACKOFF = 30.0
FIRST_PAGES = (250, 5000)  # a screenful and more at once, then few round trips
MAX_CACHES = 16  # running caches per owner (WatchCaches): one per kind and namespace in use

log = logging.getLogger(__name__)

D = TypeVar("D")
Obj = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One change applied to the cache (``kind`` is ADDED, MODIFIED, DELETED or RESYNC)."""

    kind: str
    obj: dict[str, Any] | None


class Phase(Enum):
    """What a watch cache is doing."""

    STARTING = "starting"  # the first list has not answered yet
    WATCHING = "watching"  # listed, and watching from the last version seen
    POLLING = "polling"  # no watch permission: re-listing every poll_seconds
    RECONNECTING = "reconnecting"  # the last list or watch failed: retrying with backoff
    ERROR = "error"  # the watch thread failed unexpectedly (a podbay bug): restarting with backoff


@dataclass(frozen=True)
class CacheState:
    """The cache's phase and, while reconnecting, why (the error that ended the last try)."""

    phase: Phase
    reason: str = ""


STARTING = CacheState(Phase.STARTING)
WATCHING = CacheState(Phase.WATCHING)
POLLING = CacheState(Phase.POLLING)


def _resource_version(obj: Obj) -> int:
    return int((obj.get("metadata") or {}).get("resourceVersion") or 0)


class WatchCache(Generic[D]):
    @overload
    def __init__(
        self: WatchCache[None],
        collection: Collection,
        namespace: str | None = None,
        *,
        on_change: Callable[[list[Change]], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
        watch_seconds: int = WATCH_SECONDS,
        pages: tuple[int, int] | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: WatchCache[D],
        collection: Collection,
        namespace: str | None = None,
        *,
        derive: Callable[[Obj], D],
        on_change: Callable[[list[Change]], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
        watch_seconds: int = WATCH_SECONDS,
        pages: tuple[int, int] | None = None,
    ) -> None: ...

    def __init__(
        self,
        collection: Collection,
        namespace: str | None = None,
        *,
        derive: Callable[[Obj], D] | None = None,
        on_change: Callable[[list[Change]], None] | None = None,
        poll_seconds: float = POLL_SECONDS,
        watch_seconds: int = WATCH_SECONDS,
        pages: tuple[int, int] | None = None,
    ) -> None:
        self.collection = collection
        # (first, then) page sizes: the first list arrives page by page, each one emitted, so
        # a face draws the first rows of 10,000 pods at once; None lists in one piece (and
        # re-lists always do: they replace the rows as a whole)
        self.pages = pages
        self.namespace = collection.namespace(namespace)
        self.on_change = on_change
        self.poll_seconds = poll_seconds
        self.watch_seconds = watch_seconds
        self._derive = derive
        self._items: dict[str, Obj] = {}
        self._derived: dict[str, D] = {}
        self.version = 0  # bumped on every change; readers may memoise on it
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.synced = threading.Event()
        self._tried = threading.Event()  # the first list answered, or failed
        self.state = STARTING
        self.error: ApiError | None = None
        self.relists = 0
        self.failures = 0  # unexpected exceptions the watch thread survived (Phase.ERROR)
        self._thread: threading.Thread | None = None
        self._response: Any = None  # the open watch stream, for stop() to shut down

    # ---- reading ---------------------------------------------------------------------
    def items(self) -> list[Obj]:
        with self._lock:
            return list(self._items.values())

    def derived(self) -> tuple[int, list[D]]:
        """The version and the derived values of every object (empty without ``derive``)."""
        with self._lock:
            return self.version, list(self._derived.values())

    def derived_of(self, uids: Iterable[str]) -> dict[str, D]:
        """The current derived values of those ``uids`` still in the cache."""
        with self._lock:
            return {u: self._derived[u] for u in uids if u in self._derived}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, name: str) -> Obj | None:
        with self._lock:
            for obj in self._items.values():
                if obj["metadata"]["name"] == name:
                    return obj
        return None

    def upsert(self, obj: Obj) -> None:
        """Write-through for our own creates, so a list right after a create shows it."""
        uid = obj.get("metadata", {}).get("uid")
        if uid:
            derived = self._derive(obj) if self._derive is not None else None
            with self._lock:
                current = self._items.get(uid)
                if current is None or _resource_version(obj) >= _resource_version(current):
                    self._put(uid, obj, derived)

    def forget(self, name: str) -> None:
        """Write-through for our own deletes of kinds that go at once (services, ingresses),
        so a list right after the delete no longer shows it; the watch's DELETED agrees."""
        with self._lock:
            for uid, obj in list(self._items.items()):
                if obj["metadata"]["name"] == name:
                    del self._items[uid]
                    self._derived.pop(uid, None)
                    self.version += 1

    def _put(self, uid: str, obj: Obj, derived: D | None) -> None:
        """Store one object (and its derived value); the caller holds the lock."""
        self._items[uid] = obj
        if derived is not None:
            self._derived[uid] = derived
        self.version += 1

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> WatchCache[D]:
        self._thread = threading.Thread(
            target=self._run, name=f"watch-{self.collection.kind.plural}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """End the cache now: its watch stream is shut down (the thread's read returns and
        the connection is closed), a backoff or poll wait ends at once."""
        self._stop.set()
        resp = self._response
        if resp is not None:
            # RuntimeError: the watch already ended and gave its connection back;
            # ValueError: its response was closed already
            with contextlib.suppress(OSError, HTTPError, RuntimeError, ValueError):
                resp.shutdown()

    def wait_stopped(self, timeout: float) -> bool:
        """Whether the cache's thread ended within ``timeout`` (after ``stop``)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._thread is None or not self._thread.is_alive()

    @property
    def healthy(self) -> bool:
        """Synced, and neither failing to reach the cluster nor broken: rows may be served."""
        return self.synced.is_set() and self.error is None

    def wait_synced(self, timeout: float) -> bool:
        """Whether the cache holds a full list, waiting up to ``timeout`` for the first
        attempt: a failed first list returns False at once (the caller asks the apiserver
        itself and reports that error) while the cache keeps retrying in the background."""
        self._tried.wait(timeout)
        return self.synced.is_set()

    # ---- the loop ----------------------------------------------------------------------
    def _run(self) -> None:
        """List once, then keep watching from the last version seen (bookmarks keep it
        fresh); re-list only when the server says it expired (410) or after an error."""
        backoff = 0.5
        rv: str | None = None
        while not self._stop.is_set():
            watching = False  # whether the request that failed was the watch (not a list)
            try:
                if rv is None:
                    rv = self._relist()
                    if self.state.phase is Phase.POLLING:
                        rv = None
                        self._stop.wait(self.poll_seconds)
                        continue
                self.state = WATCHING
                self.error = None
                backoff = 0.5
                started = time.monotonic()
                watching = True
                rv = self._watch(rv)
                if time.monotonic() - started < 1.0:  # a server ending watches at once
                    self._stop.wait(0.5)
                continue
            except ApiError as exc:
                rv = None
                if exc.status == 410:
                    continue  # our version expired: re-list now
                if exc.status == 403 and watching:  # may list, may not watch: poll
                    self.state = POLLING
                    continue
                self.error = exc
                self.state = CacheState(Phase.RECONNECTING, exc.what)
                self._tried.set()
            except (HTTPError, OSError, ValueError) as exc:
                rv = None
                self.state = CacheState(Phase.RECONNECTING, f"{type(exc).__name__}: {exc}")
                self._tried.set()
            except Exception as exc:  # a bug (derive, on_change): say so, start over
                rv = None
                self._failed(exc)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _failed(self, exc: Exception) -> None:
        """The watch thread caught what it did not expect: the rows may be stale or partly
        applied, so readers are told (``error``) until a fresh list succeeds."""
        if self._stop.is_set():
            return
        kind, ns = self.collection.kind.plural, self.namespace
        log.exception("the %s cache of namespace %s failed; restarting it", kind, ns)
        self.failures += 1
        why = f"{type(exc).__name__}: {exc}"
        self.error = ApiError(
            500,
            f"the {kind} cache of namespace {ns} failed ({why})",
            "this is a podbay bug (the log has the traceback); the cache restarts by itself "
            "and lists are read from the cluster meanwhile",
        )
        self.state = CacheState(Phase.ERROR, why)
        self._tried.set()

    def _relist(self) -> str:
        if self.pages is not None and not self.synced.is_set():
            return self._list_in_pages(*self.pages)
        data = self.collection.list_raw(self.namespace)
        fresh = {o["metadata"]["uid"]: o for o in data.get("items", [])}
        derived: dict[str, D] = {}
        if self._derive is not None:
            with self._lock:
                old_items, old_derived = self._items, self._derived
            for uid, obj in fresh.items():  # polling re-lists: only changed objects re-derive
                old = old_items.get(uid)
                if (
                    old is not None
                    and uid in old_derived
                    and (_resource_version(old) == _resource_version(obj))
                ):
                    derived[uid] = old_derived[uid]
                else:
                    derived[uid] = self._derive(obj)
        with self._lock:
            self._items = fresh
            self._derived = derived
            self.version += 1
        self.relists += 1
        self.synced.set()
        self._tried.set()
        self._emit([Change("RESYNC", None)])
        return str(data.get("metadata", {}).get("resourceVersion", ""))

    def _list_in_pages(self, first_page: int, then: int) -> str:
        """The first list, page by page: the first page replaces whatever was there
        (RESYNC), the next ones arrive as additions; synced only after the last page."""
        rv, first = "", True
        for page in self.collection.list_pages(self.namespace, first=first_page, then=then):
            objs = {o["metadata"]["uid"]: o for o in page.get("items", [])}
            derive = self._derive
            derived = {u: derive(o) for u, o in objs.items()} if derive is not None else {}
            with self._lock:
                if first:
                    self._items, self._derived = objs, derived
                else:
                    self._items.update(objs)
                    self._derived.update(derived)
                self.version += 1
            self._emit(
                [Change("RESYNC", None)] if first else [Change("ADDED", o) for o in objs.values()]
            )
            first = False
            rv = str(page.get("metadata", {}).get("resourceVersion", ""))
            if self._stop.is_set():
                return rv
        self.relists += 1
        self.synced.set()
        self._tried.set()
        return rv

    def _watch(self, rv: str) -> str:
        """Stream events until the server ends the watch; the last version seen (raise to
        re-list)."""
        from kubernetes.client.exceptions import ApiException

        kind = self.collection.kind
        action = f"watch {kind.plural} in namespace {self.namespace}"
        # The server ends the watch after watch_seconds; silence for a request timeout more
        # than that means the stream is dead (packets dropped), not quiet.
        timeout = self.collection.settings.request_timeout_seconds
        try:
            resp = rawapi.get(
                self.collection.api_client,
                kind.path(self.namespace),
                {
                    "watch": True,
                    "resourceVersion": rv,
                    "allowWatchBookmarks": True,
                    "timeoutSeconds": self.watch_seconds,
                },
                timeout=(timeout, self.watch_seconds + timeout),
            )
        except ApiException as exc:
            raise from_api_exception(exc, action) from exc
        self._response = resp
        if self._stop.is_set():  # stopped while the watch opened: stop() saw no stream
            resp.close()
        buffer = b""
        try:
            for chunk in resp.stream(amt=65536):
                buffer += chunk
                lines = buffer.split(b"\n")
                buffer = lines.pop()
                batch = []
                for line in lines:
                    if line.strip():
                        change, rv = self._apply(line, rv)
                        if change is not None:
                            batch.append(change)
                if batch:
                    self._emit(batch)
                if self._stop.is_set():
                    break
        except ReadTimeoutError as exc:  # reconnecting, and the faces say so
            raise from_transport_error(exc, action) from exc
        except ProtocolError:
            pass  # the server closed the stream; watch again from the last version
        except (OSError, HTTPError, ValueError):
            if not self._stop.is_set():  # (stop() shut the stream down: not an error)
                raise
        finally:
            self._response = None
            if self._stop.is_set():
                resp.close()  # a stream cut short: close its connection, do not pool it
            resp.release_conn()
        return rv

    def _apply(self, line: bytes, rv: str) -> tuple[Change | None, str]:
        """Apply one watch event: the change (None for a bookmark) and the version now seen."""
        event = json.loads(line)
        etype, obj = event.get("type"), event.get("object") or {}
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or rv)
        if etype == "ERROR":
            code = obj.get("code")
            raise ApiError(
                int(code or 500),
                f"watch ended: {obj.get('message', '')}",
                reason=str(obj.get("reason", "")),
            )
        if etype == "BOOKMARK":
            return None, rv
        uid = obj["metadata"]["uid"]
        if etype == "DELETED":
            with self._lock:
                self._items.pop(uid, None)
                self._derived.pop(uid, None)
                self.version += 1
        else:
            derived = self._derive(obj) if self._derive is not None else None
            with self._lock:
                self._put(uid, obj, derived)
        return Change(str(etype), obj), rv

    def _emit(self, changes: list[Change]) -> None:
        if self.on_change is not None:
            self.on_change(changes)


class WatchCaches:
    """The running caches of one owner (a workbench), by key (kind and namespace), at most
    ``limit``: getting a new one stops the least recently used. Each use counts, so the
    namespaces a face reads keep their caches while one-off names fall out."""

    def __init__(self, limit: int = MAX_CACHES) -> None:
        self.limit = limit
        self._caches: OrderedDict[Hashable, WatchCache[Any]] = OrderedDict()
        self._lock = threading.Lock()  # held only to look up and insert, never for I/O

    def get(self, key: Hashable) -> WatchCache[Any] | None:
        """The running cache of ``key`` (counted as a use), or None; starts nothing."""
        with self._lock:
            cache = self._caches.get(key)
            if cache is not None:
                self._caches.move_to_end(key)
            return cache

    def get_or_start(self, key: Hashable, make: Callable[[], WatchCache[Any]]) -> WatchCache[Any]:
        """The cache of ``key``, started from ``make()`` if there is none (which may stop the
        least recently used beyond ``limit``)."""
        evicted: list[WatchCache[Any]] = []
        with self._lock:
            cache = self._caches.get(key)
            if cache is not None:
                self._caches.move_to_end(key)
                return cache
            cache = self._caches[key] = make().start()
            while len(self._caches) > self.limit:
                evicted.append(self._caches.popitem(last=False)[1])
        for old in evicted:
            old.stop()
        return cache

    def stop_all(self) -> None:
        with self._lock:
            caches = list(self._caches.values())
            self._caches.clear()
        for cache in caches:
            cache.stop()

    def __len__(self) -> int:
        return len(self._caches)

    def __iter__(self) -> Iterator[WatchCache[Any]]:
        with self._lock:
            return iter(list(self._caches.values()))
