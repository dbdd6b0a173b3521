"""What every request must show before a route sees it, on both ports, HTTP and WebSocket
alike: a ``Host`` that names this server, no foreign ``Origin``, a JSON body type on
anything that changes something, and the bearer token when the server has one.

Why each rule (docs/rest.md has the table):

* ``Host``: a web page whose domain re-resolves to 127.0.0.1 (DNS rebinding) is
  same-origin with the server; its requests still carry its own domain as ``Host``.
* ``Origin``: browsers send it on every cross-site request (and on same-origin POST,
  PUT, DELETE); a page on another site must not drive the API or open a shell.
* ``Content-Type: application/json`` on POST/PUT/PATCH: a "simple" cross-site request
  (a form, ``text/plain``) needs no CORS preflight; a JSON one always does, and podbay
  never approves a preflight. A body-less DELETE is exempt: DELETE is never simple, so
  a browser preflights it and the preflight is refused (the seed's own client sends its
  DELETE without a body or a type).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_PREFIX = "bearer."  # a browser's WebSocket cannot set headers: token as a subprotocol


def hostname_of(value: str) -> str | None:
    """The host name in a ``Host`` header or an origin URL, lower-cased, without port or
    IPv6 brackets; None when it cannot be read (then it names nothing we serve)."""
    value = value.strip()
    if not value:
        return None
    try:
        parts = urlsplit(value if "//" in value else f"//{value}")
        name = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return None
    return name or None


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only (then no token is required)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def served_names(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names a request may use for this server: loopback, the bind address, the
    ``--allowed-host`` values, and for a wildcard bind this machine's own names."""
    names = {*LOOPBACK_NAMES, *(h for h in (hostname_of(x) for x in extra) if h)}
    if bind in WILDCARDS:
        names.update(n.lower() for n in (socket.gethostname(), socket.getfqdn()) if n)
    else:
        names.add(hostname_of(bind) or bind.lower())
    return frozenset(names)


@dataclass(frozen=True)
class Refusal:
    status: int
    error: str
    fix: str


@dataclass(frozen=True)
class GuardRules:
    """The rules for one server (both of its ports)."""

    names: frozenset[str] = field(default_factory=lambda: served_names("127.0.0.1"))
    token: str | None = None

    def check(self, scope: Scope) -> Refusal | None:
        headers = _headers(scope)
        allowed = ", ".join(sorted(self.names))
        host = headers.get("host", "")
        if hostname_of(host) not in self.names:
            return Refusal(
                421,
                f"this server does not answer for the Host {host!r}",
                f"use one of the names it serves ({allowed}); to serve another name (a "
                "proxy, a DNS name), start podbay --serve with --allowed-host NAME",
            )
        origin = headers.get("origin")
        if origin is not None and hostname_of(origin) not in self.names:
            return Refusal(
                403,
                f"requests from the web origin {origin!r} are refused",
                f"podbay answers pages served from {allowed} only; to allow another site "
                "add --allowed-host with its host name",
            )
        if scope["type"] == "http":
            refused = _body_type(scope["method"], headers)
            if refused is not None:
                return refused
        if self.token is not None and not self._token_ok(scope, headers):
            return Refusal(
                401,
                "missing or wrong bearer token",
                "send 'Authorization: Bearer <token>' (printed when podbay --serve started, or "
                "the one given with --token-file / $PODBAY_TOKEN); a browser's WebSocket offers "
                "it as the subprotocol 'bearer.<token>' (never in the URL)",
            )
        return None

    def _token_ok(self, scope: Scope, headers: dict[str, str]) -> bool:
        assert self.token is not None
        given = ""
        header = headers.get("authorization", "")
        if header.startswith("Bearer "):
            given = header[len("Bearer ") :]
        elif scope["type"] == "websocket":
            offered = [str(p) for p in scope.get("subprotocols") or []]
            tokens = [p[len(TOKEN_PREFIX) :] for p in offered if p.startswith(TOKEN_PREFIX)]
            given = tokens[0] if tokens else ""
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _body_type(method: str, headers: dict[str, str]) -> Refusal | None:
    if method not in CHANGING:
        return None
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
    if method == "DELETE" and not has_body and not media:
        return None
    if media == "application/json" or media.endswith("+json"):
        return None
    shown = repr(media) if media else "none"
    return Refusal(
        415,
        f"{method} needs 'Content-Type: application/json' (got {shown}), even without a body",
        "send the header (curl: -H 'Content-Type: application/json'); it is what keeps a web "
        "page from sending this request on your behalf",
    )


class RequestGuard:
    """ASGI middleware applying :class:`GuardRules` to HTTP requests and WebSocket
    handshakes; a refusal is the API's JSON error shape (a WebSocket gets it as the
    handshake's HTTP response when the server supports that, else close code 1008)."""

    def __init__(self, app: ASGIApp, rules: GuardRules) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.rules.check(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "http":
            await _send_json(send, "http.response", refusal)
        else:
            await receive()  # websocket.connect
            if "websocket.http.response" in scope.get("extensions", {}):
                await _send_json(send, "websocket.http.response", refusal)
            else:
                await send({"type": "websocket.close", "code": 1008, "reason": refusal.error[:120]})


async def _send_json(send: Send, prefix: str, refusal: Refusal) -> None:
    body = json.dumps(
        {
            "success": False,
            "error": refusal.error,
            "fix": refusal.fix,
            "status": refusal.status,
        }
    ).encode()
    await send(
        {
            "type": f"{prefix}.start",
            "status": refusal.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": f"{prefix}.body", "body": body})
