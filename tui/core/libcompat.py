"""Where podbay leans on how a library works inside, each in one small function here.

tests/unit/test_libcompat.py checks every assumption below against the installed versions
and names the library and its version when one no longer holds, so an upgrade that changes
one fails there, loudly, rather than as a slow log viewer or a plugin that grabs the terminal.

* urllib3: a followed log's body is read with ``HTTPResponse.read1`` (public since urllib3
  2.0), not ``stream()``, which is slower per chunk and the kubelet sends ~180-byte chunks.
* kubernetes (``WSClient``): a terminal's socket is shut down without a close handshake; the
  client is then marked closed through its public ``close()``, which on a socket already shut
  sends nothing and waits for nothing.
* kubernetes (``config.exec_provider``): credential plugins run with the terminal's stdin and
  stderr when stdout is a TTY, and there is no hook to say otherwise; the module's globals
  ``subprocess`` and ``sys`` are replaced (the one private thing podbay relies on).
* kubernetes (``stream.ws_client``): the exec WebSocket is connected with no timeout and no
  parameter to give one; the module's ``WebSocket`` class is replaced by one that takes the
  timeout the calling thread asked for (``websocket_handshake_timeout``).
"""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "close_websocket_now",
    "detach_exec_plugins",
    "read1_of",
    "websocket_handshake_timeout",
]


# ---- urllib3: followed logs ---------------------------------------------------------------
def read1_of(resp: Any) -> Callable[[int], bytes] | None:
    """The fast reader of an HTTP response body: each call returns what has arrived (up to
    the size given, at least one byte, b"" at the end) without decoding. None when the body
    is content-encoded (``stream()`` decodes it) or the response has no ``read1`` (urllib3
    before 2.0): read it with ``stream()`` then."""
    read1 = getattr(resp, "read1", None)
    if read1 is None or resp.headers.get("content-encoding"):
        return None
    return functools.partial(read1, decode_content=False)


# ---- kubernetes: the terminal's WebSocket --------------------------------------------------
def close_websocket_now(ws: Any) -> None:
    """Close kubernetes' ``WSClient`` ``ws`` at once: its websocket shut down (no close
    handshake), then the client marked closed (``is_open()`` False)."""
    ws.sock.shutdown()
    ws.close()  # the websocket is no longer connected: this only marks the client closed


_handshake = threading.local()  # .timeout: what this thread's next exec handshake may take


@contextmanager
def websocket_handshake_timeout(seconds: float) -> Iterator[None]:
    """Inside the block, this thread's exec WebSockets (``kubernetes.stream.stream``) give up
    connecting (TCP, TLS, the upgrade) after ``seconds``: kubernetes' ``create_websocket``
    builds a ``websocket.WebSocket`` and connects it with no timeout. The socket keeps that
    timeout afterwards: callers that wait on it set their own (``ws.sock.settimeout``)."""
    from kubernetes.stream import ws_client

    module: Any = ws_client  # its WebSocket is an import of websocket-client's
    if not getattr(module.WebSocket, "podbay_timed", False):
        module.WebSocket = _timed_websocket(module.WebSocket)
    _handshake.timeout = seconds
    try:
        yield
    finally:
        _handshake.timeout = None


def _timed_websocket(base: Any) -> Any:
    """``base`` (websocket-client's WebSocket) taking the calling thread's handshake timeout."""

    class TimedWebSocket(base):  # type: ignore[misc]
        podbay_timed = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sock_opt.timeout = getattr(_handshake, "timeout", None)

    return TimedWebSocket


# ---- kubernetes: exec-credential plugins ---------------------------------------------------
class _DetachedSubprocess:
    """``subprocess`` as kubernetes' exec-credential provider sees it, with the plugin's
    stdin on /dev/null: inside a TUI a plugin must never read (or grab) the terminal."""

    PIPE = subprocess.PIPE

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
        kwargs["stdin"] = subprocess.DEVNULL
        if kwargs.get("stderr") is not subprocess.PIPE:
            kwargs["stderr"] = subprocess.PIPE
        return subprocess.Popen(*args, **kwargs)


class _NoTTY:
    @staticmethod
    def isatty() -> bool:
        return False


class _SysView:
    """``sys`` for the exec provider: everything real, except stdout is not a terminal."""

    stdout = _NoTTY()
    stdin = None

    def __getattr__(self, name: str) -> Any:
        return getattr(sys, name)


def detach_exec_plugins() -> None:
    """Run kubeconfig exec plugins non-interactively (stdin /dev/null, stderr captured)."""
    from kubernetes.config import exec_provider

    exec_provider.subprocess = _DetachedSubprocess  # type: ignore[assignment,attr-defined]
    exec_provider.sys = _SysView()  # type: ignore[assignment,attr-defined]
