"""Every assumption tui/core/libcompat.py makes about a library, checked against the installed
version: when an upgrade breaks one, the failure names the library, its version and what
podbay relies on."""

from __future__ import annotations

import gzip
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kubernetes
import urllib3
import websocket
from kubernetes.client import Configuration
from kubernetes.client.rest import RESTClientObject
from kubernetes.config import exec_provider
from kubernetes.config.kube_config import ConfigNode
from kubernetes.stream.ws_client import WSClient
from websockets.sync.server import ServerConnection, serve

from tui.core import libcompat

URLLIB3 = f"urllib3 {urllib3.__version__}"
KUBERNETES = f"kubernetes {kubernetes.__version__}"
WEBSOCKET = f"websocket-client {websocket.__version__}"
PLUGIN_API = "client.authentication.k8s.io/v1"


@contextmanager
def _http_server(respond: Any) -> Iterator[str]:
    """A one-connection-at-a-time HTTP server on loopback; ``respond(conn)`` answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def loop() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                respond(conn)

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    finally:
        server.close()


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def test_the_kubernetes_client_answers_with_urllib3_responses() -> None:
    rest = RESTClientObject(Configuration())
    assert isinstance(rest.pool_manager, urllib3.PoolManager), (
        f"{KUBERNETES} no longer talks HTTP through a urllib3 PoolManager: "
        "libcompat.read1_of (followed logs) expects urllib3 responses"
    )


def test_read1_returns_a_followed_body_as_it_arrives() -> None:
    """What a followed log needs: each read returns what has arrived (never waits to fill
    its size), undecoded, and b"" at the end."""
    more = threading.Event()

    def respond(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        conn.sendall(_chunk(b"one\n") + _chunk(b"two\n"))
        more.wait(10)
        conn.sendall(_chunk(b"three\n") + b"0\r\n\r\n")

    with _http_server(respond) as url, urllib3.PoolManager() as pool:
        resp = pool.request("GET", url, preload_content=False)
        read1 = libcompat.read1_of(resp)
        assert read1 is not None, (
            f"{URLLIB3}: HTTPResponse has no read1 (public since urllib3 2.0); followed logs "
            "fall back to stream(), about three times slower per chunk"
        )
        started = time.monotonic()
        first = b""
        while first != b"one\ntwo\n" and time.monotonic() - started < 3:
            first += read1(65536)
        assert first == b"one\ntwo\n", (
            f"{URLLIB3}: HTTPResponse.read1 waited for more than had arrived ({first!r}): "
            "a followed log would show its lines late"
        )
        more.set()
        rest = b""
        while chunk := read1(65536):
            rest += chunk
        assert rest == b"three\n", f"{URLLIB3}: read1 after the first lines gave {rest!r}"
        resp.release_conn()


def test_an_encoded_body_is_left_to_stream() -> None:
    body = gzip.compress(b"zipped\n")

    def respond(conn: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n"
        conn.sendall(head.encode() + body)

    with _http_server(respond) as url, urllib3.PoolManager() as pool:
        resp = pool.request("GET", url, preload_content=False)
        assert libcompat.read1_of(resp) is None
        assert b"".join(resp.stream(65536)) == b"zipped\n"
        resp.release_conn()


def test_a_shut_websocket_client_closes_at_once_and_says_so() -> None:
    """The terminal ends its session by shutting the socket down; the kubernetes client must
    then report itself closed, and closing it must not try a handshake on the dead socket."""
    done = threading.Event()

    def handler(conn: ServerConnection) -> None:
        done.wait(10)

    with serve(handler, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        ws = WSClient(Configuration(), f"ws://127.0.0.1:{port}/", None, False, binary=True)
        assert ws.is_open()
        started = time.monotonic()
        libcompat.close_websocket_now(ws)
        took = time.monotonic() - started
        done.set()
    assert not ws.is_open(), f"{KUBERNETES}: WSClient.close() no longer marks it closed"
    assert not ws.sock.connected
    assert took < 0.5, (
        f"{KUBERNETES} / {WEBSOCKET}: closing a WSClient whose socket is shut down took "
        f"{took:.2f} s (a close handshake on a dead socket?)"
    )


def test_exec_plugins_run_with_stdin_on_dev_null(tmp_path: Path) -> None:
    """kubernetes has no hook for a credential plugin's stdin: libcompat replaces the exec
    provider module's ``subprocess`` and ``sys``, which works only while ``run`` looks them
    up there."""
    run = exec_provider.ExecProvider.run
    used = set(run.__code__.co_names)
    assert run.__globals__ is vars(exec_provider) and {"subprocess", "sys"} <= used, (
        f"{KUBERNETES}: ExecProvider.run no longer uses the module globals subprocess and sys "
        f"(it uses {sorted(used)}); libcompat.detach_exec_plugins no longer keeps credential "
        "plugins off the terminal"
    )
    plugin = tmp_path / "plugin.sh"
    plugin.write_text(
        "#!/bin/sh\n"
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
        '"status":{"token":"%s"}}\' "$(readlink /proc/self/fd/0)"\n'
    )
    plugin.chmod(0o755)
    node = ConfigNode("exec", {"command": str(plugin), "apiVersion": PLUGIN_API})
    libcompat.detach_exec_plugins()
    read, write = os.pipe()  # our stdin becomes a pipe: a plugin that inherits it shows it
    saved = os.dup(0)
    os.dup2(read, 0)
    try:
        status = exec_provider.ExecProvider(node, None).run()
    finally:
        os.dup2(saved, 0)
        for fd in (saved, read, write):
            os.close(fd)
    assert status["token"] == "/dev/null", (
        f"{KUBERNETES}: an exec plugin got stdin {status['token']!r}, not /dev/null, after "
        "libcompat.detach_exec_plugins"
    )


def test_an_exec_websocket_handshake_times_out_when_asked() -> None:
    """kubernetes connects the exec WebSocket with no timeout (create_websocket has no
    parameter): libcompat replaces ws_client's ``WebSocket`` with one that takes the calling
    thread's timeout, which works only while create_websocket looks it up there."""
    from kubernetes.stream import ws_client

    create = ws_client.create_websocket
    assert "WebSocket" in create.__code__.co_names and create.__globals__ is vars(ws_client), (
        f"{KUBERNETES}: create_websocket no longer builds ws_client.WebSocket; "
        "libcompat.websocket_handshake_timeout no longer bounds the exec handshake"
    )
    silent = socket.create_server(("127.0.0.1", 0))  # accepts (the backlog), never answers
    url = f"ws://127.0.0.1:{silent.getsockname()[1]}/"
    raised: list[BaseException] = []

    def handshake() -> None:
        with libcompat.websocket_handshake_timeout(0.5):
            try:
                WSClient(Configuration(), url, None, False, binary=True)
            except Exception as exc:
                raised.append(exc)

    thread = threading.Thread(target=handshake, daemon=True)
    thread.start()
    thread.join(10)
    silent.close()
    assert raised, (
        f"{KUBERNETES} / {WEBSOCKET}: the handshake with a silent server still waits after "
        "10 s despite libcompat.websocket_handshake_timeout(0.5)"
    )
    assert isinstance(raised[0], websocket.WebSocketTimeoutException | TimeoutError), raised
