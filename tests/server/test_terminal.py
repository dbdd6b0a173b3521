"""The terminal WebSocket against the sandbox's real node: on the main app (TestClient) and
on the terminal port of a real ``podbay --serve`` (websocket-client)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import websocket
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse, WebSocketTestSession

from tests.conftest import Namespace
from tests.server.local_client import rest_client
from tests.server.serve_process import free_port_pair, wait_listening
from tests.terminal_helpers import no_exec_kubeconfig, restricted_kubeconfig, running_pod
from tui.core import execution
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app
from tui.server.terminal import SUBPROTOCOL

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]
REPO = Path(__file__).resolve().parents[2]
WAIT = 30.0


class Peer:
    """One client's view: output bytes, JSON envelopes, and the close code."""

    def __init__(self, recv: Callable[[float], tuple[str, Any]]) -> None:
        self._recv = recv
        self.output = b""
        self.events: list[dict[str, Any]] = []
        self.close_code: int | None = None

    def pump(self) -> None:
        assert self.close_code is None, f"closed ({self.close_code}); events {self.events}"
        kind, value = self._recv(WAIT)
        if kind == "bytes":
            self.output += value
        elif kind == "text":
            self.events.append(json.loads(value))
        else:
            self.close_code = value

    def until_output(self, needle: bytes) -> bytes:
        """Output up to ``needle``; consumed, so the next call looks further on."""
        while needle not in self.output:
            self.pump()
        cut = self.output.index(needle) + len(needle)
        seen, self.output = self.output[:cut], self.output[cut:]
        return seen

    def until_event(self, kind: str) -> dict[str, Any]:
        while not any(e["type"] == kind for e in self.events):
            self.pump()
        event = next(e for e in self.events if e["type"] == kind)
        self.events.remove(event)
        return event

    def until_closed(self) -> int:
        while self.close_code is None:
            self.pump()
        return self.close_code


def client_peer(ws: WebSocketTestSession) -> Peer:
    async def receive(rx: Any, wait: float) -> Any:
        with anyio.fail_after(wait):
            return await rx.receive()

    def recv(wait: float) -> tuple[str, Any]:
        msg = ws.portal.call(receive, ws._send_rx, wait)
        if msg["type"] == "websocket.close":
            return "close", msg.get("code", 1000)
        if msg.get("bytes") is not None:
            return "bytes", msg["bytes"]
        return "text", msg["text"]

    return Peer(recv)


def wsc_peer(ws: websocket.WebSocket) -> Peer:
    def recv(wait: float) -> tuple[str, Any]:
        ws.settimeout(wait)
        opcode, data = ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return "close", int.from_bytes(data[:2], "big") if data else 1005
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return "bytes", data
        return "text", data.decode()

    return Peer(recv)


Connect = Callable[..., AbstractContextManager[WebSocketTestSession]]


@pytest.fixture
def serve(real_node: Namespace, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """make_app over a Workbench: ``serve(kubeconfig=…, token=…, **settings)``."""
    clients: list[tuple[TestClient, Workbench]] = []

    def make(kubeconfig: Path | None = None, token: str | None = None, **kw: Any) -> TestClient:
        settings = Settings(
            kubeconfig=str(kubeconfig or real_node.sandbox.kubeconfig("admin")),
            namespace=real_node.name,
            **kw,
        )
        wb = Workbench(settings, tmp_path / "settings.yaml")
        client = rest_client(make_app(wb, token=token), subprotocols=[SUBPROTOCOL])
        client.__enter__()
        clients.append((client, wb))
        return client

    yield make
    for client, wb in clients:
        client.__exit__(None, None, None)
        wb.close()


def url(pod: str, **query: Any) -> str:
    return f"/api/kubernetes/pods/{pod}/terminal" + (
        "?" + httpx.QueryParams(query).__str__() if query else ""
    )


def test_round_trip_json_looking_keystrokes_and_text_frames(
    serve: Callable[..., TestClient], real_node: Namespace
) -> None:
    pod = running_pod(real_node)
    with serve().websocket_connect(url(pod, cols=91, rows=27)) as ws:
        peer = client_peer(ws)
        ws.send_bytes(b"echo round-$((20+3)); stty size\n")
        peer.until_output(b"round-23")
        peer.until_output(b"27 91")  # the first size from the query
        # Wait until cat reads: bash's readline holds the TTY raw until it runs a line, and
        # keys typed before that stay raw (a Ctrl-D among them would be a literal byte).
        ws.send_bytes(b"echo cat-$((2+2)); cat > /tmp/keys\n")
        peer.until_output(b"cat-4")
        for keys in (b"1\n", b"true\n", b'{"type":"close"}\n', b'{"type":"resize","cols":5}\n'):
            ws.send_bytes(keys)  # binary frames are stdin, whatever they look like
        ws.send_text(json.dumps({"type": "stdin", "data": "via envelope ✓\n"}))
        ws.send_text("echo leaked > /tmp/leak\n")  # text that is not an envelope
        assert peer.until_event("error")["status"] == 400
        ws.send_text("1")  # valid JSON, still not a control message
        refused = peer.until_event("error")
        assert refused["status"] == 400 and "binary" in refused["fix"]
        ws.send_bytes(b"\x04")  # Ctrl-D ends cat's input
        ws.send_bytes(b"echo after-$((1+1)); stty size\n")
        peer.until_output(b"after-2")
        peer.until_output(b"27 91")  # the resize-looking keystroke changed nothing
    keys = execution.run(real_node.admin, real_node.name, pod, ["cat", "/tmp/keys"])
    assert keys.stdout == '1\ntrue\n{"type":"close"}\n{"type":"resize","cols":5}\nvia envelope ✓\n'
    leak = execution.run(real_node.admin, real_node.name, pod, ["test", "-e", "/tmp/leak"])
    assert leak.exit_code == 1


def test_resize_exit_status_ping_and_close(
    serve: Callable[..., TestClient], real_node: Namespace
) -> None:
    pod = running_pod(real_node)
    client = serve()
    with client.websocket_connect(url(pod)) as ws:
        peer = client_peer(ws)
        ws.send_text(json.dumps({"type": "ping"}))
        assert peer.until_event("pong") == {"type": "pong"}
        ws.send_text(json.dumps({"type": "resize", "cols": 101, "rows": 33}))
        deadline = time.monotonic() + 20  # the kubelet applies a resize asynchronously
        while True:  # each round consumes exactly its own output, up to "end-2"
            ws.send_bytes(b"stty size; echo end-$((1+1))\n")
            seen = peer.until_output(b"end-2")
            if b"33 101" in seen or time.monotonic() > deadline:
                break
        assert b"33 101" in seen, seen
        ws.send_text(json.dumps({"type": "resize", "cols": 0, "rows": 33}))
        assert "cols must be an integer" in peer.until_event("error")["error"]
        ws.send_bytes(b"exit 7\n")
        assert peer.until_event("exit") == {
            "type": "exit",
            "exitCode": 7,
            "reason": "exited",
            "message": "",
        }
        assert peer.until_closed() == 1000
    with client.websocket_connect(
        url(pod, command=["sh", "-c", "echo $0 $1; read x", "a0", "a1"])
    ) as ws:
        peer = client_peer(ws)
        peer.until_output(b"a0 a1")  # command: repeated query parameters, one argument each
        ws.send_text(json.dumps({"type": "close"}))
        ended = peer.until_event("exit")
        assert (ended["exitCode"], ended["reason"]) == (None, "closed")
        assert peer.until_closed() == 1000


def test_errors_arrive_as_envelopes(
    serve: Callable[..., TestClient], real_node: Namespace, tmp_path: Path
) -> None:
    pod = running_pod(real_node)
    cases: list[tuple[TestClient, str, int, str]] = [
        (serve(), url("missing"), 404, "not found"),
        (serve(), url(pod, container="sidecar"), 404, "container 'sidecar' not found"),
        (serve(namespace_allow_list=["elsewhere"]), url(pod), 403, "allow-list"),
        (serve(kubeconfig=no_exec_kubeconfig(real_node, tmp_path)), url(pod), 403, "pods/exec"),
        (serve(), url(pod, cols="wide"), 422, "cols must be an integer"),
    ]
    for client, path, status, text in cases:
        with client.websocket_connect(path) as ws:
            peer = client_peer(ws)
            error = peer.until_event("error")
            assert error["status"] == status and text in error["error"], error
            assert error["fix"]
            assert peer.until_closed() == 4000 + status


def test_the_specs_restricted_account_can_open_a_terminal(
    serve: Callable[..., TestClient], real_node: Namespace, tmp_path: Path
) -> None:
    pod = running_pod(real_node)
    with serve(kubeconfig=restricted_kubeconfig(real_node, tmp_path)).websocket_connect(
        url(pod)
    ) as ws:
        peer = client_peer(ws)
        ws.send_bytes(b"id -un; exit\n")
        peer.until_output(b"root")
        assert peer.until_event("exit")["exitCode"] == 0


def test_token_header_or_subprotocol_never_query(
    serve: Callable[..., TestClient], namespace: Namespace
) -> None:
    """Auth is decided before the pod is looked up: a 404 envelope means "let in"."""
    client = serve(token="s3cret-token")
    refused: list[dict[str, Any]] = [
        {},
        {"headers": {"Authorization": "Bearer wrong"}},
        {"subprotocols": [SUBPROTOCOL, "bearer.wrong"]},
        {"query": {"token": "s3cret-token"}},
        {"query": {"access_token": "s3cret-token"}},
    ]
    for how in refused:
        target = url("missing", **how.pop("query", {}))
        with pytest.raises(WebSocketDenialResponse) as exc, client.websocket_connect(target, **how):
            pass
        assert exc.value.status_code == 401, how
        assert exc.value.json()["error"] == "missing or wrong bearer token"
    for how in (
        {"headers": {"Authorization": "Bearer s3cret-token"}},
        {"subprotocols": [SUBPROTOCOL, "bearer.s3cret-token"]},
    ):
        with client.websocket_connect(url("missing"), **how) as ws:
            assert client_peer(ws).until_event("error")["status"] == 404
            if "subprotocols" in how:  # the token is never echoed back
                assert ws.accepted_subprotocol == SUBPROTOCOL


def test_browsers_only_from_the_served_names(
    serve: Callable[..., TestClient], namespace: Namespace
) -> None:
    client = serve()
    evil = {"Origin": "https://evil.example"}
    with (
        pytest.raises(WebSocketDenialResponse) as exc,
        client.websocket_connect(url("missing"), headers=evil),
    ):
        pass
    assert exc.value.status_code == 403
    assert "'https://evil.example' are refused" in exc.value.json()["error"]
    for origin in ("http://localhost:8080", "http://127.0.0.1:5003"):
        with client.websocket_connect(url("missing"), headers={"Origin": origin}) as ws:
            assert client_peer(ws).until_event("error")["status"] == 404


def test_podbay_serve_terminal_port_for_real(real_node: Namespace, tmp_path: Path) -> None:
    pod = running_pod(real_node)
    port = free_port_pair()
    token = "tok-" + os.urandom(8).hex()
    env = {**os.environ, "PODBAY_CONFIG": str(tmp_path / "settings.yaml"), "PODBAY_TOKEN": token}
    kubeconfig = real_node.sandbox.kubeconfig("admin")
    cmd = [sys.executable, "-m", "tui", "--serve", "--kubeconfig", str(kubeconfig)]
    cmd += ["-n", real_node.name, "--port", str(port), "--allowed-host", "podbay.example"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stderr=subprocess.PIPE)
    try:
        wait_listening(port, proc)
        wait_listening(port + 1, proc)
        paths = {
            port + 1: f"/api/kubernetes/pods/{pod}/terminal",
            port: f"/api/kubernetes/pods/{pod}/terminal",
        }
        for p, path in paths.items():
            ws = websocket.create_connection(
                f"ws://127.0.0.1:{p}{path}?namespace={real_node.name}",
                header=[f"Authorization: Bearer {token}"],
                subprotocols=[SUBPROTOCOL],
                timeout=WAIT,
            )
            peer = wsc_peer(ws)
            ws.send_binary(b"echo port-$((40+2)); exit 3\n")
            peer.until_output(b"port-42")
            assert peer.until_event("exit")["exitCode"] == 3
            assert peer.until_closed() == 1000
            ws.close()
        # The ingress path of the spec (rewrite-target: /) and the browser way to send the token.
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port + 1}/?pod={pod}&namespace={real_node.name}",
            subprotocols=[SUBPROTOCOL, f"bearer.{token}"],
            origin="https://podbay.example",
            timeout=WAIT,
        )
        assert ws.getsubprotocol() == SUBPROTOCOL
        peer = wsc_peer(ws)
        ws.send(json.dumps({"type": "ping"}))
        assert peer.until_event("pong") == {"type": "pong"}
        ws.send(json.dumps({"type": "close"}))
        assert peer.until_event("exit")["reason"] == "closed"
        ws.close()
        with pytest.raises(websocket.WebSocketBadStatusException) as exc:
            websocket.create_connection(f"ws://127.0.0.1:{port + 1}/?pod={pod}", timeout=WAIT)
        assert exc.value.status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, err.decode()[-2000:]
    log = err.decode()
    assert token not in log
    assert f'"WebSocket /api/kubernetes/pods/{pod}/terminal?namespace=' in log
    assert '"WebSocket /?pod=box" 401' in log
    for p in (port, port + 1):  # one Ctrl-C stopped both servers
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", p), timeout=1).close()
