"""One live list: a watch cache (its own thread) feeding one table (the UI thread).

Changes arrive in batches from the watch thread; they queue here and at most one message is
in flight, so an event storm becomes a few table updates a second rather than one per event.
"""

from __future__ import annotations

import threading
import time

from textual.message import Message
from textual.widget import Widget

from tui.app.resource_table import ResourceTable
from tui.core.kinds import AnyKind
from tui.core.resources import Collection
from tui.core.watchcache import FIRST_PAGES, CacheState, Change, WatchCache

MIN_INTERVAL = 0.1  # seconds between two table rebuilds during a storm


class LiveList:
    class Changed(Message):
        """Posted (from the watch thread) when changes wait to be applied."""

        def __init__(self, live: LiveList) -> None:
            super().__init__()
            self.live = live

    def __init__(
        self, kind: AnyKind, collection: Collection, namespace: str, target: Widget
    ) -> None:
        self.kind = kind
        self.target = target
        # rows are derived in the watch thread, once per change, never on the UI thread
        self.cache = WatchCache(
            collection,
            namespace,
            derive=kind.list_row,
            on_change=self._on_change,
            pages=FIRST_PAGES,
        )
        self.namespace = self.cache.namespace
        self._lock = threading.Lock()
        self._pending: list[Change] = []
        self._posted = False
        self.last_apply = 0.0
        self.stopped = False

    def start(self) -> LiveList:
        self.cache.start()
        return self

    def stop(self) -> None:
        self.stopped = True
        self.cache.stop()

    def _on_change(self, changes: list[Change]) -> None:
        with self._lock:
            self._pending.extend(changes)
            if self._posted:
                return
            self._posted = True
        self.target.post_message(self.Changed(self))

    def apply_to(self, table: ResourceTable) -> bool:
        """Apply every queued change to ``table``; False when nothing was waiting."""
        with self._lock:
            changes, self._pending = self._pending, []
            self._posted = False
        if not changes or self.stopped:
            return False
        self.last_apply = time.monotonic()
        if any(c.kind == "RESYNC" for c in changes):
            table.replace(self.cache.derived()[1])
            return True
        uids = {str(c.obj["metadata"]["uid"]) for c in changes if c.obj is not None}
        current = self.cache.derived_of(uids)  # the latest word on each object
        table.apply(current.values(), [u for u in uids if u not in current])
        return True

    @property
    def state(self) -> CacheState:
        """The watch cache's phase (and why it reconnects)."""
        return self.cache.state
