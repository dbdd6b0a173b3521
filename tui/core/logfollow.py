"""Following one container's log on a thread, for a viewer to show.

The engine half of the TUI's log viewer (Toolong's split: no Textual here). The reader
thread queues whole lines; the viewer takes what is new (``take``) when told that there is
some (``on_new``, called at most once until the viewer takes), so a fast log costs one UI
message per batch, not one per line. The queue is bounded: a viewer that falls behind loses
the oldest lines, never memory, or with ``backpressure`` (a REST client, which must get every
line) the reader waits for the taker instead. ``stop`` closes the HTTP stream, so a reader
blocked on a quiet log ends at once. A container that has not started yet is told apart
from a failure (:attr:`FollowState.WAITING`) by its pod's container state, so a viewer may
ask again.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from tui.core.containerend import log_not_started
from tui.core.errors import ApiError, PodbayError
from tui.core.logs import LogQuery, open_follow, texts

MAX_LINES = 200_000  # the oldest lines go first beyond this (and the viewer says so)


class FollowState(Enum):
    """What a log stream is doing."""

    CONNECTING = "connecting"
    FOLLOWING = "following"
    WAITING = "waiting"  # the container has not started yet: open the stream again later
    ENDED = "ended"  # the container ended (or the server closed the stream)
    FAILED = "failed"  # ``error`` says why


@dataclass(frozen=True)
class Progress:
    """What the stream is doing, and the error that ended it (failed, or waiting)."""

    state: FollowState
    error: PodbayError | None = None


class _Stream:
    """A follow's HTTP response as ``texts`` reads it, except that once the follower was
    stopped, giving the connection back closes it: a stream shut down mid-body is no use to
    the pool, and pooled it would hold its socket open until the pool reached for it."""

    def __init__(self, resp: Any, stopped: threading.Event) -> None:
        self._resp = resp
        self._stopped = stopped

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resp, name)

    def release_conn(self) -> None:
        if self._stopped.is_set():
            with contextlib.suppress(OSError, HTTPError):
                self._resp.close()
        self._resp.release_conn()


class LogFollower:
    def __init__(
        self,
        api: Any,
        query: LogQuery,
        *,
        on_new: Callable[[], None] | None = None,
        max_lines: int = MAX_LINES,
        backpressure: bool = False,
    ) -> None:
        self.api = api
        self.query = replace(query)
        self.on_new = on_new
        self.max_lines = max_lines
        self.backpressure = backpressure
        self._fresh: deque[str] = deque(maxlen=None if backpressure else max_lines)
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)  # backpressure: the taker made room
        self._notified = False
        self._stop = threading.Event()
        self._settled = threading.Event()  # no longer CONNECTING
        self._response: Any = None
        self.progress = Progress(FollowState.CONNECTING)
        self.received = 0  # lines read in all
        self.unterminated = False  # the stream ended on a line without its newline
        self._thread = threading.Thread(target=self._run, name=f"logs-{query.pod}", daemon=True)

    # ---- the viewer's side -------------------------------------------------------------
    def start(self) -> LogFollower:
        self._thread.start()
        return self

    def take(self) -> list[str]:
        """The lines that arrived since the last take (oldest first; at most ``max_lines``)."""
        with self._lock:
            fresh = list(self._fresh)
            self._fresh.clear()
            self._notified = False
            self._room.notify_all()
        return fresh

    def wait_opened(self, timeout: float) -> Progress:
        """The progress once the stream opened or was refused (CONNECTING after
        ``timeout``)."""
        self._settled.wait(timeout)
        return self.progress

    def stop(self) -> None:
        """End the stream now, even while the log is quiet (closes the connection)."""
        self._stop.set()
        with self._lock:
            self._room.notify_all()
        resp = self._response
        if resp is not None:
            # RuntimeError: the stream already ended and gave its connection back;
            # ValueError: the response was closed already
            with contextlib.suppress(OSError, HTTPError, RuntimeError, ValueError):
                resp.shutdown()

    def wait(self, timeout: float) -> bool:
        """Whether the reader thread ended within ``timeout``."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ---- the reader thread -------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._response = open_follow(self.api, self.query)
        except ApiError as exc:
            self._finish(Progress(self._refused(exc), exc))
            return
        if self._stop.is_set():
            self._response.release_conn()
            self._settled.set()
            return
        self.progress = Progress(FollowState.FOLLOWING)
        self._settled.set()
        self._notify()
        for text in texts(_Stream(self._response, self._stop)):
            lines = text.split("\n")
            ended_line = not lines[-1]
            if ended_line:  # the piece ended with a newline
                lines.pop()
            self._append(lines, unterminated=not ended_line)  # only a stream's last piece
            if self._stop.is_set():
                return
        if not self._stop.is_set():
            self._finish(Progress(FollowState.ENDED))

    def _refused(self, exc: ApiError) -> FollowState:
        """WAITING when the stream was refused only because the container has not started.
        The cluster's answer is then a plain BadRequest whose one detail is a sentence, so
        the pod's container state decides (as it does for the kubelet); FAILED otherwise,
        and when the pod cannot be read."""
        if exc.reason != "BadRequest":
            return FollowState.FAILED
        q = self.query
        core: Any = client.CoreV1Api(self.api)
        try:
            pod = json.loads(
                core.read_namespaced_pod(q.pod, q.namespace, _preload_content=False).data
            )
        except (ApiException, HTTPError, OSError, ValueError):
            return FollowState.FAILED
        waiting = log_not_started(pod, q.container, previous=q.previous)
        return FollowState.WAITING if waiting else FollowState.FAILED

    def _append(self, lines: list[str], *, unterminated: bool = False) -> None:
        with self._lock:
            while (
                self.backpressure and len(self._fresh) >= self.max_lines and not self._stop.is_set()
            ):
                self._room.wait()
            self._fresh.extend(lines)
            # under the lock: a take that gets the last line sees the flag with it
            self.unterminated = unterminated
            self.received += len(lines)
        self._notify()

    def _finish(self, progress: Progress) -> None:
        self.progress = progress
        self._settled.set()
        self._notify(always=True)

    def _notify(self, *, always: bool = False) -> None:
        with self._lock:
            if self._notified and not always:
                return
            self._notified = True
        if self.on_new is not None and not self._stop.is_set():
            self.on_new()
