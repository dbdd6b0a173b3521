"""The REST app served by uvicorn on a thread of the test process, on a free loopback port:
real sockets (a client that closes its connection is a real disconnect, which the test
client cannot do), while the test still sees the server's threads and descriptors."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


@contextmanager
def live_server(app: FastAPI) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 until the block ends; yields the port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


def open_get(
    port: int, path: str, *, until: bytes, timeout: float = 30
) -> tuple[socket.socket, bytes]:
    """A connection with a GET of ``path`` sent and read until ``until`` arrived: the socket
    (the caller closes it: a disconnect) and what was read."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\n\r\n".encode())
    got = b""
    try:
        while until not in got:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    except BaseException:
        sock.close()
        raise
    return sock, got
