"""A followed log as an HTTP response that a client's disconnect ends, even on a quiet pod.

The log is read by a :class:`~tui.core.logfollow.LogFollower` (its own thread, not one of
the server's thread pool); the response waits on the event loop for what the follower
queues and sends it. A blocking generator served by a ``StreamingResponse`` instead holds a
pool thread inside ``read`` until the pod prints again, which for ``sleep infinity`` is never,
whether or not anyone still listens: ~40 such clients exhausted the pool every synchronous
route runs in. Here the client's ``http.disconnect`` (always listened for, whatever ASGI
version the server speaks) stops the follower, which shuts its HTTP stream down, so the
follower's thread ends at once and its connection is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.responses import Response

from tui.core.logfollow import FollowState, LogFollower

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_QUEUED_LINES = 10_000  # beyond this the follower waits for the client (no line is lost)


class Wakeup:
    """The follower's ``on_new`` (called on its thread), setting an event of the loop that
    serves the response once the response has started (before that, nothing to wake)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self) -> asyncio.Event:
        """An event of the running loop, set now (whatever arrived before is due) and
        whenever the follower has something new."""
        event = asyncio.Event()
        event.set()
        with self._lock:
            self._loop, self._event = asyncio.get_running_loop(), event
        return event

    def __call__(self) -> None:
        with self._lock:
            loop, event = self._loop, self._event
        if loop is not None and event is not None:
            # RuntimeError: the loop closed, nobody is waiting any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)


def start_follower(api: Any, query: Any) -> tuple[LogFollower, Wakeup]:
    """A follower of ``query`` with backpressure, started, and its wake-up."""
    wake = Wakeup()
    follower = LogFollower(
        api, query, on_new=wake, max_lines=MAX_QUEUED_LINES, backpressure=True
    ).start()
    return follower, wake


class FollowResponse(Response):
    """``text/plain`` lines as the follower reads them; ends when the log does, or when the
    client goes (then the follower is stopped). The follower has opened its stream already
    (the route waited for it, so a refusal became an error status instead of a 200)."""

    media_type = "text/plain; charset=utf-8"

    def __init__(self, follower: LogFollower, wake: Wakeup) -> None:
        # as StreamingResponse: no body, so no Content-Length
        self.status_code = 200
        self.background = None
        self.init_headers()
        self.follower = follower
        self.wake = wake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async with anyio.create_task_group() as group:

                async def until_disconnect() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    group.cancel_scope.cancel()

                group.start_soon(until_disconnect)
                await self._pump(send)
                group.cancel_scope.cancel()
        except OSError:  # the client went while we were sending (ASGI 2.4 servers)
            pass
        finally:
            self.follower.stop()

    async def _pump(self, send: Send) -> None:
        event = self.wake.bind()
        follower = self.follower
        while True:
            await event.wait()
            event.clear()
            ended = follower.progress.state in (FollowState.ENDED, FollowState.FAILED)
            lines = follower.take()  # after reading the state: an end seen has its lines here
            if lines:
                text = "\n".join(lines) + ("" if follower.unterminated else "\n")
                await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
            if ended:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
