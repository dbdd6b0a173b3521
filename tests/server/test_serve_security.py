"""Security defaults of ``podbay --serve`` that need no cluster: where it binds, the token it
requires off loopback, and the body limit (chunked bodies included)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import MAX_BODY, make_app

REPO = Path(__file__).resolve().parents[2]
API = "/api/kubernetes"


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise AssertionError("no two adjacent free ports")


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(addr)
    return found


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _start(
    procs: list[subprocess.Popen[str]], tmp_path: Path, port: int, *extra: str
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PODBAY_TOKEN"}
    env["PODBAY_CONFIG"] = str(tmp_path / "settings.yaml")
    cmd = [sys.executable, "-m", "tui", "--serve", "--kubeconfig", str(tmp_path / "none")]
    cmd += ["--port", str(port), *extra]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)
    procs.append(proc)
    deadline = time.monotonic() + 30
    while not _listening(port) or not _listening(port + 1):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        assert time.monotonic() < deadline, f"podbay --serve never listened on {port}"
        time.sleep(0.1)
    return proc


def test_binds_loopback_only_by_default(serve: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    port = _free_port_pair()
    _start(serve, tmp_path, port)
    assert _listening(port) == {"0100007F"}  # 127.0.0.1 and nothing else
    assert _listening(port + 1) == {"0100007F"}
    r = httpx.get(f"http://127.0.0.1:{port}{API}/config", timeout=10)
    assert r.status_code == 200  # no token needed on loopback
    assert r.json()["connected"] is False and "does not exist" in r.json()["error"]


def test_any_other_bind_generates_and_requires_a_token(
    serve: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    port = _free_port_pair()
    proc = _start(serve, tmp_path, port, "--host", "0.0.0.0")
    assert _listening(port) == {"00000000"}
    base = f"http://127.0.0.1:{port}{API}/config"
    assert httpx.get(base, timeout=10).status_code == 401
    wrong = httpx.get(base, headers={"Authorization": "Bearer guess"}, timeout=10)
    assert wrong.status_code == 401 and wrong.json()["error"] == "missing or wrong bearer token"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    printed = re.findall(r"Authorization: Bearer (\S+)", err)
    assert len(printed) == 1 and len(printed[0]) >= 32, err  # printed once, long enough
    assert err.count(printed[0]) == 1  # and never logged again


def test_the_generated_token_lets_a_client_in(
    serve: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    port = _free_port_pair()
    proc = _start(serve, tmp_path, port, "--host", "0.0.0.0")
    assert proc.stderr is not None
    token = None
    while token is None:  # the token line comes before uvicorn listens
        line = proc.stderr.readline()
        assert line, "podbay --serve printed no token"
        match = re.search(r"Authorization: Bearer (\S+)", line)
        token = match.group(1) if match else None
    ok = httpx.get(
        f"http://127.0.0.1:{port}{API}/config",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert ok.status_code == 200


def test_body_limit_holds_for_chunked_bodies(tmp_path: Path) -> None:
    wb = Workbench(Settings(kubeconfig=str(tmp_path / "none")), tmp_path / "settings.yaml")

    def chunks(total: int) -> Iterator[bytes]:
        sent = 0
        while sent < total:
            part = min(64 * 1024, total - sent)
            sent += part
            yield b" " * part

    with TestClient(make_app(wb)) as client:
        big = client.post(f"{API}/pods", content=chunks(MAX_BODY + 1))  # no Content-Length
        assert big.status_code == 413
        assert big.json()["error"] == f"request body over {MAX_BODY} bytes"
        small = client.post(
            f"{API}/pods",
            content=iter([b'{"name": "Bad_Name",', b' "image": "debian"}']),
            headers={"content-type": "application/json"},
        )
        assert small.status_code == 422  # a small chunked body reaches validation intact
        assert small.json()["problems"][0]["field"] == "name"
    wb.close()
