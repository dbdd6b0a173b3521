"""The pod terminal over a WebSocket, on the main port and on its own port (API port + 1).

Route: ``/api/kubernetes/pods/{name}/terminal?namespace=&container=&command=&cols=&rows=``
(``command`` repeated = one argument each; none = a shell; ``cols``/``rows`` the first size).
The terminal port also answers at ``/?pod=NAME&…``, the path an ingress with the spec's
``rewrite-target: /`` forwards.

Frames (the full description is docs/terminal.md):

* client → server **binary** = stdin bytes, always, whatever they look like;
* client → server **text** = one JSON control envelope: ``{"type":"resize","cols":N,
  "rows":N}``, ``{"type":"close"}``, ``{"type":"ping"}`` (answered ``{"type":"pong"}``) or
  ``{"type":"stdin","data":"…"}`` (for clients that can only send text); anything else is
  answered with an error envelope and never reaches the process;
* server → client **binary** = raw output bytes (the TTY merges stdout and stderr);
* server → client **text** = ``{"type":"exit","exitCode":N|null,"reason":…,"message":…}``
  (always sent before a normal close, code 1000) or ``{"type":"error","error":…,"fix":…,
  "status":N}`` followed by close code 4000 + status (e.g. 4404 for a missing pod).

Auth: with a server token, ``Authorization: Bearer <token>`` or (browsers cannot set
headers) the subprotocol ``bearer.<token>`` offered next to ``podbay.terminal.v1``; never
the query string, which access logs print. Without a token, a browser (``Origin`` header)
must come from a loopback origin, so no web page can open a shell in your pods.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from tui.core.errors import PodbayError
from tui.core.terminal import TerminalExit, TerminalSession
from tui.core.workbench import Workbench
from tui.server.run import is_loopback

log = logging.getLogger("podbay.terminal")

PATH = "/api/kubernetes/pods/{name}/terminal"
SUBPROTOCOL = "podbay.terminal.v1"
TOKEN_PREFIX = "bearer."
MAX_CONTROL = 64 * 1024  # a text frame larger than this is not a control message


class _Refused(PodbayError):
    def __init__(self, status: int, what: str, fix: str = "") -> None:
        super().__init__(what, fix)
        self.status = status


def _status_of(exc: PodbayError) -> int:
    status = getattr(exc, "status", 503)
    return status if isinstance(status, int) and 400 <= status <= 599 else 503


def _offered(ws: WebSocket) -> list[str]:
    return [str(p) for p in ws.scope.get("subprotocols") or []]


def _authorize(ws: WebSocket, token: str | None) -> None:
    """Token via header or subprotocol; without a token, browsers only from loopback."""
    if token is not None:
        given = ""
        header = ws.headers.get("authorization", "")
        if header.startswith("Bearer "):
            given = header[len("Bearer ") :]
        else:
            given = next(
                (p[len(TOKEN_PREFIX) :] for p in _offered(ws) if p.startswith(TOKEN_PREFIX)), ""
            )
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise _Refused(
                401,
                "missing or wrong bearer token",
                "send 'Authorization: Bearer <token>', or from a browser offer the "
                f"subprotocols {SUBPROTOCOL!r} and 'bearer.<token>' (never in the URL)",
            )
        return
    origin = ws.headers.get("origin")
    if origin is not None and not is_loopback(urlsplit(origin).hostname or ""):
        raise _Refused(
            403,
            f"a terminal from the web origin {origin!r} needs a token",
            "start podbay --serve with --token (or $PODBAY_TOKEN) and send it",
        )


def _size(raw: Any, what: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if isinstance(raw, bool) or not 1 <= value <= 65535 or str(raw).strip() != str(value):
        raise _Refused(422, f"{what} must be an integer from 1 to 65535, not {raw!r}", "fix it")
    return value


class _Bridge:
    """One connected client and its session: two tasks, one send lock."""

    def __init__(self, ws: WebSocket, session: TerminalSession, ready: asyncio.Event) -> None:
        self.ws = ws
        self.session = session
        self.ready = ready
        self.lock = asyncio.Lock()

    async def send(self, message: bytes | dict[str, Any]) -> None:
        async with self.lock:
            if isinstance(message, bytes):
                await self.ws.send_bytes(message)
            else:
                await self.ws.send_text(json.dumps(message))

    async def output(self) -> TerminalExit:
        """Output until the session ends; the exit envelope; then the close."""
        while True:
            await self.ready.wait()
            self.ready.clear()
            while True:
                ended = self.session.exit  # read before the data: then the data is complete
                data = self.session.read_nowait()
                if data:
                    await self.send(data)
                if ended is not None:
                    await self.send(
                        {
                            "type": "exit",
                            "exitCode": ended.exit_code,
                            "reason": ended.reason,
                            "message": ended.message,
                        }
                    )
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
                await self.control(message["text"])

    async def control(self, text: str) -> None:
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


def endpoint(workbench: Workbench, token: str | None) -> Callable[[WebSocket], Any]:
    """The WebSocket handler for one workbench (shared by both ports)."""
    wb = workbench

    async def terminal(ws: WebSocket) -> None:
        try:
            _authorize(ws, token)
        except _Refused as exc:
            body = {"success": False, "error": exc.what, "fix": exc.fix, "status": exc.status}
            if "websocket.http.response" in ws.scope.get("extensions", {}):
                await ws.send_denial_response(JSONResponse(body, exc.status))
            else:
                await ws.close(1008, exc.what[:120])
            return
        await ws.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in _offered(ws) else None)
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
                await ws.send_text(
                    json.dumps({"type": "error", "error": what, "fix": fix, "status": status})
                )
                await ws.close(4000 + status, what[:120])
            return
        bridge = _Bridge(ws, session, ready)
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
                with contextlib.suppress(RuntimeError, OSError):
                    await ws.close(1011, "terminal bridge ended")

    return terminal


def routes(workbench: Workbench, token: str | None, *, root_alias: bool = False) -> list[BaseRoute]:
    handler = endpoint(workbench, token)
    out: list[BaseRoute] = [WebSocketRoute(PATH, handler, name="pod_terminal")]
    if root_alias:
        out.append(WebSocketRoute("/", handler, name="pod_terminal_root"))
    return out


def install(app: Starlette, workbench: Workbench, token: str | None) -> None:
    """Add the terminal route to the main app (one call from ``make_app``)."""
    app.router.routes.extend(routes(workbench, token))


def terminal_app(workbench: Workbench, token: str | None) -> Starlette:
    """The small app on the terminal port (API port + 1): the route, plus ``/?pod=``."""
    return Starlette(routes=routes(workbench, token, root_alias=True))
