"""Soak: terminals and log follows opened and closed for a minute, through REST (a real
uvicorn socket) and through the engine, leave the process as they found it: open file
descriptors, threads and resident memory back within 10 % of where they started.

Marked ``slow`` (about 90 s) but selected by default, so CI (``make test``) runs it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import websocket

from tests.conftest import Namespace
from tests.kube_helpers import pod_manifest, wait_pod
from tests.server.live_server import live_server, open_get
from tui.core.logfollow import LogFollower
from tui.core.logs import LogQuery
from tui.core.settings import Settings
from tui.core.terminal import TerminalSession
from tui.core.workbench import Workbench
from tui.server.app import make_app
from tui.server.terminal import SUBPROTOCOL

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(400)]
API = "/api/kubernetes"
SOAK_SECONDS = 60.0
TERMINALS = 50  # half over REST, half through the engine
FOLLOWS = 100  # likewise
OPEN_AT_ONCE = 4  # each one is closed after the next few have opened, so they overlap
SETTLE_SECONDS = 30.0
# RSS: "within 10 %" of a ~100 MB test process, or 16 MB, whichever is more. A floor is
# needed because freed memory does not all go back to the OS: CPython's allocator keeps an
# arena while any object in it lives, glibc keeps freed heap below its top, and the first
# uses of a path fill caches (SSL sessions, parsed pod JSON of the client, regex and
# import caches) that stay. gc and malloc_trim(0) run first to shed what they can. A real
# leak is far above the floor: every session holds buffers (a terminal up to 1 MiB of
# output, a follower its queue, each a thread stack of 8 MiB of address space and ~100 kB
# resident), so 150 leaked sessions would add tens of MB, and threads and fds would show it.
RSS_FLOOR_MB = 16.0


@dataclass
class Usage:
    fds: int
    threads: int
    rss_mb: float

    def __str__(self) -> str:
        return f"{self.fds} fds, {self.threads} threads, {self.rss_mb:.1f} MB RSS"


def _trim() -> None:
    gc.collect()
    libc = ctypes.util.find_library("c")
    if libc:
        trim = getattr(ctypes.CDLL(libc), "malloc_trim", None)
        if trim is not None:
            trim(0)


def usage() -> Usage:
    _trim()
    fds = len(os.listdir("/proc/self/fd"))
    rss = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    return Usage(fds, threading.active_count(), rss)


def _leftovers() -> list[str]:
    """Threads of log followers and terminals still running."""
    return [t.name for t in threading.enumerate() if t.name.startswith(("logs-", "terminal"))]


def _within(now: Usage, start: Usage) -> bool:
    return (
        now.fds <= start.fds * 1.1
        and now.threads <= start.threads * 1.1
        and now.rss_mb <= max(start.rss_mb * 1.1, start.rss_mb + RSS_FLOOR_MB)
    )


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(f"{record.name}: {record.getMessage()}")


@pytest.fixture
def served(real_node: Namespace, tmp_path: Path) -> Iterator[tuple[int, Workbench]]:
    settings = Settings(
        kubeconfig=str(real_node.sandbox.kubeconfig("admin")), namespace=real_node.name
    )
    wb = Workbench(settings, tmp_path / "settings.yaml")
    with live_server(make_app(wb)) as port:
        yield port, wb
    wb.close()


Close = Callable[[], None]


def rest_terminal(port: int, ns: str) -> Close:
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}{API}/pods/box/terminal?namespace={ns}",
        subprotocols=[SUBPROTOCOL],
        timeout=30,
    )
    ws.send_binary(b"echo up-$((40+2))\n")
    seen = b""
    while b"up-42" not in seen:
        opcode, data = ws.recv_data()
        assert opcode != websocket.ABNF.OPCODE_CLOSE, data
        if opcode == websocket.ABNF.OPCODE_BINARY:
            seen += data
    return ws.close


def engine_terminal(wb: Workbench, ns: str) -> Close:
    session = TerminalSession.open(wb.api, ns, "box")
    session.write(b"echo up-$((40+2))\n")
    seen = b""
    deadline = time.monotonic() + 30
    while b"up-42" not in seen:
        assert time.monotonic() < deadline and session.exit is None, (seen, session.exit)
        seen += session.read(1)
    return session.close


def rest_follow(port: int, ns: str) -> Close:
    sock, got = open_get(port, f"{API}/pods/quiet/logs?follow=true&namespace={ns}", until=b"ready")
    assert b"ready" in got, got[-300:]
    return sock.close


def engine_follow(wb: Workbench, ns: str) -> Close:
    follower = LogFollower(wb.api, LogQuery("quiet", ns)).start()
    got: list[str] = []
    deadline = time.monotonic() + 30
    while "ready" not in got:
        assert time.monotonic() < deadline, follower.progress
        got += follower.take()
        time.sleep(0.02)
    return follower.stop


def test_a_minute_of_terminals_and_follows_leaves_nothing_behind(
    served: tuple[int, Workbench], real_node: Namespace
) -> None:
    port, wb = served
    errors = _Errors()  # what the server logs as failed (uvicorn's does not reach caplog)
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "tui")]
    for logger in loggers:
        logger.addHandler(errors)
    try:
        _soak(port, wb, real_node, errors)
    finally:
        for logger in loggers:
            logger.removeHandler(errors)


def _soak(port: int, wb: Workbench, real_node: Namespace, errors: _Errors) -> None:
    ns = real_node.name
    real_node.core.create_namespaced_pod(
        ns, pod_manifest("box", container={"command": ["sleep", "infinity"]})
    )
    real_node.core.create_namespaced_pod(
        ns,
        pod_manifest(
            "quiet", container={"command": ["sh", "-c", "echo ready; exec sleep infinity"]}
        ),
    )
    wait_pod(real_node.core, ns, "box", ("Running",))
    wait_pod(real_node.core, ns, "quiet", ("Running",))
    ops: list[Callable[[], Close]] = [
        lambda: rest_terminal(port, ns),
        lambda: engine_terminal(wb, ns),
        lambda: rest_follow(port, ns),
        lambda: engine_follow(wb, ns),
    ]
    for op in ops:  # warm: connections, pool threads, lazily imported code
        op()()
    time.sleep(12)  # idle worker threads of the server's pool end after 10 s
    start = usage()

    # 150 openings, spread evenly: each terminal comes with two follows
    plan = [ops[i % 2] for i in range(TERMINALS)]
    plan = [step for t in plan for step in (t, ops[2], ops[3])]
    assert len(plan) == TERMINALS + FOLLOWS
    t0 = time.monotonic()
    open_now: deque[Close] = deque()
    for i, op in enumerate(plan):
        delay = t0 + i * SOAK_SECONDS / len(plan) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        open_now.append(op())
        if len(open_now) > OPEN_AT_ONCE:
            open_now.popleft()()
    while open_now:
        open_now.popleft()()
    took = time.monotonic() - t0

    # A closed terminal's thread still hangs its shell up (one exec), then ends: settle.
    deadline = time.monotonic() + SETTLE_SECONDS
    leftovers, end = _leftovers(), usage()
    while (leftovers or not _within(end, start)) and time.monotonic() < deadline:
        time.sleep(1)
        leftovers, end = _leftovers(), usage()
    print(f"soak: {len(plan)} openings in {took:.0f} s; start {start}; end {end}")
    assert leftovers == [], leftovers
    assert errors.seen == [], errors.seen
    assert _within(end, start), f"start {start}; after the soak {end}"
