"""The pod terminal over a WebSocket, on the main port and on its own port (API port + 1).

Routes: ``/api/kubernetes/pods/{name}/terminal?namespace=&container=&command=&cols=&rows=``
(``command`` repeated = one argument each; none = a shell; ``cols``/``rows`` the first size),
the seed's ``/ws/kubernetes/exec?pod=&namespace=[&container=]`` (what GET /exec-ws-url names),
and on the terminal port ``/?pod=NAME&…``, the path an ingress with the spec's
``rewrite-target: /`` forwards.

Two dialects on every path (docs/terminal.md describes both):

* **typed** (``podbay.terminal.v1``, when the client offers that subprotocol): binary frames
  are stdin and output bytes; text frames are JSON control envelopes only (resize, close,
  ping, stdin; exit and error from the server);
* **text** (no subprotocol: the seed system's browser client): text frames in are
  keystrokes, except one that is exactly ``{"type":"resize","cols":N,"rows":N}``; output
  goes out as text frames (UTF-8, decoded incrementally) that never parse as JSON, because
  that client drops any output frame that does (a typed ``1`` or ``true``).

Host, Origin and the token are checked before the handshake by the server's guard
(guard.py), the same rule as for HTTP.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from tui.core.errors import PodbayError
from tui.core.terminal import TerminalExit, TerminalSession
from tui.core.workbench import Workbench
from tui.server.guard import TOKEN_PREFIX, GuardRules, RequestGuard

log = logging.getLogger("podbay.terminal")

PATH = "/api/kubernetes/pods/{name}/terminal"
SEED_PATH = "/ws/kubernetes/exec"
SUBPROTOCOL = "podbay.terminal.v1"
MAX_CONTROL = 64 * 1024  # a text frame larger than this is not a control message
NUL = "\x00"  # terminals ignore it; it keeps an output frame from parsing as JSON


class _Refused(PodbayError):
    def __init__(self, status: int, what: str, fix: str = "") -> None:
        super().__init__(what, fix)
        self.status = status


def _status_of(exc: PodbayError) -> int:
    status = getattr(exc, "status", 503)
    return status if isinstance(status, int) and 400 <= status <= 599 else 503


def _offered(ws: WebSocket) -> list[str]:
    return [str(p) for p in ws.scope.get("subprotocols") or []]


def _size(raw: Any, what: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if isinstance(raw, bool) or not 1 <= value <= 65535 or str(raw).strip() != str(value):
        raise _Refused(422, f"{what} must be an integer from 1 to 65535, not {raw!r}", "fix it")
    return value


def seed_resize(text: str) -> tuple[int, int] | None:
    """``(cols, rows)`` when ``text`` is exactly the seed client's resize object (the keys
    type, cols and rows, sizes 1..65535); None for anything else, which is a keystroke."""
    if not text.startswith("{") or len(text) > 200:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or set(doc) != {"type", "cols", "rows"}:
        return None
    cols, rows = doc["cols"], doc["rows"]
    sizes_ok = all(type(v) is int and 1 <= v <= 65535 for v in (cols, rows))
    return (cols, rows) if doc["type"] == "resize" and sizes_ok else None


def never_json(text: str) -> str:
    """``text`` unchanged unless it would parse as JSON, then with a leading NUL (which a
    terminal ignores): the seed's client draws only frames that fail ``JSON.parse``.
    Python's parser accepts a superset of JavaScript's (NaN, Infinity), so this is safe."""
    try:
        json.loads(text)
    except ValueError:
        return text
    return NUL + text


class _Bridge:
    """One connected client and its session: two tasks, one send lock. This class speaks
    the typed dialect; :class:`_TextBridge` the seed's."""

    def __init__(self, ws: WebSocket, session: TerminalSession, ready: asyncio.Event) -> None:
        self.ws = ws
        self.session = session
        self.ready = ready
        self.lock = asyncio.Lock()

    async def send(self, message: bytes | str | dict[str, Any]) -> None:
        async with self.lock:
            if isinstance(message, bytes):
                await self.ws.send_bytes(message)
            elif isinstance(message, str):
                await self.ws.send_text(message)
            else:
                await self.ws.send_text(json.dumps(message))

    async def send_output(self, data: bytes) -> None:
        await self.send(data)

    async def send_exit(self, ended: TerminalExit) -> None:
        await self.send(
            {
                "type": "exit",
                "exitCode": ended.exit_code,
                "reason": ended.reason,
                "message": ended.message,
            }
        )

    async def output(self) -> TerminalExit:
        """Output until the session ends; the exit notice; then the close."""
        while True:
            await self.ready.wait()
            self.ready.clear()
            while True:
                ended = self.session.exit  # read before the data: then the data is complete
                data = self.session.read_nowait()
                if data:
                    await self.send_output(data)
                if ended is not None:
                    await self.send_exit(ended)
                    async with self.lock:
                        await self.ws.close(1000, ended.reason)
                    return ended
                if not data:
                    break

    async def input(self) -> None:
        """Frames from the client until it disconnects."""
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                self.session.write(message["bytes"])
            elif message.get("text") is not None:
                await self.on_text(message["text"])

    async def on_text(self, text: str) -> None:
        try:
            if len(text) > MAX_CONTROL:
                raise ValueError(f"over {MAX_CONTROL} characters")
            doc = json.loads(text)
            if not isinstance(doc, dict):
                raise ValueError("not a JSON object")
            kind = doc.get("type")
            if kind == "resize":
                cols: Any = doc.get("cols")
                rows: Any = doc.get("rows")
                self.session.resize(cols, rows)
            elif kind == "stdin" and isinstance(doc.get("data"), str):
                self.session.write(doc["data"].encode())
            elif kind == "ping":
                await self.send({"type": "pong"})
            elif kind == "close":
                self.session.close()  # the output task sends the exit envelope and closes
            else:
                raise ValueError(f"unknown control message type {kind!r}")
        except ValueError as exc:  # JSONDecodeError is a ValueError
            await self.send(
                {
                    "type": "error",
                    "error": f"ignored a text frame: {exc}",
                    "fix": "send keystrokes as binary frames (or {'type':'stdin','data':…}); "
                    "text frames are JSON control messages: resize, close, ping, stdin",
                    "status": 400,
                }
            )


class _TextBridge(_Bridge):
    """The seed's dialect: keystrokes and output as text frames."""

    def __init__(self, ws: WebSocket, session: TerminalSession, ready: asyncio.Event) -> None:
        super().__init__(ws, session, ready)
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    async def send_output(self, data: bytes) -> None:
        text = self.decoder.decode(data)
        if text:
            await self.send(never_json(text))

    async def send_exit(self, ended: TerminalExit) -> None:
        rest = self.decoder.decode(b"", final=True)
        if rest:
            await self.send(never_json(rest))
        await self.send(never_json(f"\r\n\x1b[32mSession closed: {_describe(ended)}\x1b[0m\r\n"))

    async def on_text(self, text: str) -> None:
        size = seed_resize(text)
        if size is None:
            self.session.write(text.encode())
        else:
            self.session.resize(*size)


def _describe(ended: TerminalExit) -> str:
    if ended.reason == "exited":
        return f"exit code {ended.exit_code}"
    return f"{ended.reason}{': ' + ended.message if ended.message else ''}"


def _error_frame(typed: bool, status: int, what: str, fix: str) -> str:
    """The typed envelope; for the text dialect the object the seed's client shows
    (``{"type":"error","message"}``), keeping the typed keys beside it."""
    doc: dict[str, Any] = {"type": "error", "error": what, "fix": fix, "status": status}
    if not typed:
        doc["message"] = f"{what}. {fix}" if fix else what
    return json.dumps(doc)


def endpoint(workbench: Workbench) -> Callable[[WebSocket], Any]:
    """The WebSocket handler for one workbench (shared by both ports and all paths)."""
    wb = workbench

    async def terminal(ws: WebSocket) -> None:
        offered = _offered(ws)
        typed = SUBPROTOCOL in offered
        # A browser fails a handshake that selects none of the protocols it offered.
        chosen = (
            SUBPROTOCOL
            if typed
            else next((p for p in offered if not p.startswith(TOKEN_PREFIX)), None)
        )
        await ws.accept(subprotocol=chosen)
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
                loop.call_soon_threadsafe(ready.set)

        query = ws.query_params
        try:
            name = ws.path_params.get("name") or query.get("pod") or ""
            if not name:
                raise _Refused(422, "which pod? no pod name given", "add ?pod=NAME")
            cols = _size(query.get("cols", "80"), "cols")
            rows = _size(query.get("rows", "24"), "rows")

            def open_session() -> TerminalSession:
                namespace = wb.pods.namespace(query.get("namespace"))  # the allow-list
                return TerminalSession.open(
                    wb.api,
                    namespace,
                    name,
                    query.getlist("command") or None,
                    container=query.get("container") or None,
                    cols=cols,
                    rows=rows,
                    on_ready=wake,
                )

            session = await run_in_threadpool(open_session)
        except (PodbayError, ValueError) as exc:
            status = _status_of(exc) if isinstance(exc, PodbayError) else 422
            what = exc.what if isinstance(exc, PodbayError) else str(exc)
            fix = exc.fix if isinstance(exc, PodbayError) else "fix the query parameters"
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await ws.send_text(_error_frame(typed, status, what, fix))
                await ws.close(4000 + status, what[:120])
            return
        bridge = (_Bridge if typed else _TextBridge)(ws, session, ready)
        tasks = [asyncio.create_task(bridge.output()), asyncio.create_task(bridge.input())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            session.close()
            for task in tasks:
                task.cancel()
            for task in tasks:
                try:
                    await task
                except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                    pass  # the client went away (uvicorn's ClientDisconnected is an OSError)
                except Exception:
                    log.exception("terminal %s: bridge failed", session.description)
            if ws.application_state == WebSocketState.CONNECTED:
                # WebSocketDisconnect: the client went while the bridge ended
                with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                    await ws.close(1011, "terminal bridge ended")

    return terminal


def routes(workbench: Workbench, *, root_alias: bool = False) -> list[BaseRoute]:
    handler = endpoint(workbench)
    out: list[BaseRoute] = [
        WebSocketRoute(PATH, handler, name="pod_terminal"),
        WebSocketRoute(SEED_PATH, handler, name="pod_terminal_seed"),
    ]
    if root_alias:
        out.append(WebSocketRoute("/", handler, name="pod_terminal_root"))
    return out


def install(app: Starlette, workbench: Workbench) -> None:
    """Add the terminal routes to the main app (one call from ``make_app``)."""
    app.router.routes.extend(routes(workbench))


def terminal_app(workbench: Workbench, rules: GuardRules) -> Starlette:
    """The small app on the terminal port (API port + 1): the routes, plus ``/?pod=``,
    behind the same guard as the main port."""
    return Starlette(
        routes=routes(workbench, root_alias=True),
        middleware=[Middleware(RequestGuard, rules=rules)],
    )
