"""Security defaults of ``podbay --serve`` that need no cluster: where it binds, the token it
requires off loopback (and where it may come from), the body limit (chunked bodies
included), and the guard no web page gets past: Host, Origin and the JSON body type."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import WebSocketDenialResponse

from tests.server.local_client import rest_client
from tests.server.serve_process import free_port_pair
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import MAX_BODY, make_app

REPO = Path(__file__).resolve().parents[2]
API = "/api/kubernetes"


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
    procs: list[subprocess.Popen[str]],
    tmp_path: Path,
    port: int,
    *extra: str,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    env = {**{k: v for k, v in os.environ.items() if k != "PODBAY_TOKEN"}, **(env or {})}
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
    port = free_port_pair()
    _start(serve, tmp_path, port)
    assert _listening(port) == {"0100007F"}  # 127.0.0.1 and nothing else
    assert _listening(port + 1) == {"0100007F"}
    r = httpx.get(f"http://127.0.0.1:{port}{API}/config", timeout=10)
    assert r.status_code == 200  # no token needed on loopback
    assert r.json()["connected"] is False and "does not exist" in r.json()["error"]


def test_any_other_bind_generates_and_requires_a_token(
    serve: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    port = free_port_pair()
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
    port = free_port_pair()
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

    with rest_client(make_app(wb)) as client:
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


def _offline_app(tmp_path: Path, **kw: object) -> tuple[Workbench, object]:
    wb = Workbench(Settings(kubeconfig=str(tmp_path / "none")), tmp_path / "settings.yaml")
    return wb, make_app(wb, **kw)  # type: ignore[arg-type]


def test_a_foreign_host_is_refused_and_the_bind_names_answer(tmp_path: Path) -> None:
    """DNS rebinding: a page whose name now resolves to 127.0.0.1 still sends its name."""
    wb, app = _offline_app(tmp_path)
    with rest_client(app) as client:  # type: ignore[arg-type]
        evil = client.get(f"{API}/config", headers={"Host": "evil.example.com"})
        assert evil.status_code == 421
        assert "'evil.example.com'" in evil.json()["error"]
        assert "--allowed-host" in evil.json()["fix"]
        for host in ("127.0.0.1:5003", "localhost:5003", "[::1]:5003", "LOCALHOST"):
            assert client.get(f"{API}/config", headers={"Host": host}).status_code == 200, host
        for bad in ("", "127.0.0.1:notaport", "127.0.0.1.evil.example"):
            assert client.get(f"{API}/config", headers={"Host": bad}).status_code == 421, bad
    wb.close()


def test_allowed_host_and_a_named_bind_are_served(tmp_path: Path) -> None:
    from tui.server.guard import GuardRules, served_names

    wb = Workbench(Settings(kubeconfig=str(tmp_path / "none")), tmp_path / "settings.yaml")
    rules = GuardRules(served_names("10.1.2.3", ["podbay.internal", "proxy.example:8443"]))
    with rest_client(make_app(wb, rules)) as client:
        for host in ("podbay.internal", "proxy.example:443", "10.1.2.3:5003", "localhost"):
            assert client.get(f"{API}/config", headers={"Host": host}).status_code == 200, host
        origin = {"Origin": "https://proxy.example:8443"}
        assert client.get(f"{API}/config", headers=origin).status_code == 200
        assert client.get(f"{API}/config", headers={"Host": "other.example"}).status_code == 421
    wb.close()


def test_a_cross_site_cleanup_is_refused_before_it_runs(tmp_path: Path) -> None:
    """A 'simple' cross-site POST needs no preflight: the Origin check refuses it, and the
    JSON body type is required even without a body, so a form or text/plain cannot pass."""
    wb, app = _offline_app(tmp_path)
    with rest_client(app) as client:  # type: ignore[arg-type]
        evil = {"Origin": "https://evil.example.com", "Content-Type": "text/plain"}
        refused = client.post(f"{API}/cleanup", headers=evil)
        assert refused.status_code == 403
        assert "'https://evil.example.com'" in refused.json()["error"]
        also_json = client.post(f"{API}/cleanup", json={}, headers={"Origin": "http://evil.test"})
        assert also_json.status_code == 403
        for media in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
            r = client.post(f"{API}/cleanup", headers={"Content-Type": media}, content=b"")
            assert r.status_code == 415, media
            assert "Content-Type: application/json" in r.json()["error"]
        bare = httpx.Request("POST", f"http://127.0.0.1:5003{API}/cleanup")
        bare.headers.pop("content-type", None)
        assert client.send(bare).status_code == 415  # body-less, no type at all
        # The same request from the page podbay serves (or a tool) reaches the route: no
        # cluster here, so the cleanup itself answers 503.
        same = {"Origin": "http://localhost:5003"}
        assert client.post(f"{API}/cleanup", headers=same).status_code == 503
        assert client.post(f"{API}/test-connection").json()["connected"] is False
        # DELETE is never a simple request: without a body it needs no type (the seed's
        # client sends none); with one, the type must be JSON.
        delete = httpx.Request("DELETE", f"http://127.0.0.1:5003{API}/pods/x")
        delete.headers.pop("content-type", None)
        assert client.send(delete).status_code == 503
        typed = client.request(
            "DELETE", f"{API}/pods/x", content=b"x", headers={"Content-Type": "text/plain"}
        )
        assert typed.status_code == 415
    wb.close()


def test_the_terminal_websocket_follows_the_same_rule(tmp_path: Path) -> None:
    wb, app = _offline_app(tmp_path, token="s3cret")
    auth = {"Authorization": "Bearer s3cret"}
    with rest_client(app) as client:  # type: ignore[arg-type]
        cases = [
            ({**auth, "Host": "evil.example.com"}, 421),
            ({**auth, "Origin": "https://evil.example.com"}, 403),  # a token does not help
            ({"Origin": "http://localhost:3000"}, 401),
        ]
        for headers, status in cases:
            for path in (f"{API}/pods/p/terminal", "/ws/kubernetes/exec?pod=p"):
                with (
                    pytest.raises(WebSocketDenialResponse) as exc,
                    client.websocket_connect(path, headers=headers),
                ):
                    pass
                assert exc.value.status_code == status, (headers, path)
        # Let in: the session then fails for want of a cluster, and says so.
        ok = {**auth, "Origin": "http://127.0.0.1:5003"}
        with client.websocket_connect("/ws/kubernetes/exec?pod=p", headers=ok) as ws:
            error = ws.receive_json()
            assert error["type"] == "error" and error["status"] == 503
            assert "does not exist" in error["message"]  # what the seed's client shows
    wb.close()


def test_the_token_can_come_from_a_file_or_the_environment(
    serve: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    """Neither shows in the process list, where --token would."""
    secret = "file-token-" + os.urandom(8).hex()
    (tmp_path / "token").write_text(secret + "\n")
    port = free_port_pair()
    proc = _start(
        serve, tmp_path, port, "--host", "0.0.0.0", "--token-file", str(tmp_path / "token")
    )
    base = f"http://127.0.0.1:{port}{API}/config"
    assert httpx.get(base, timeout=10).status_code == 401
    good = httpx.get(base, headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert good.status_code == 200
    assert secret not in Path(f"/proc/{proc.pid}/cmdline").read_text()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert "Authorization: Bearer" not in err and secret not in err  # nothing generated/logged

    env_secret = "env-token-" + os.urandom(8).hex()
    port = free_port_pair()
    proc = _start(serve, tmp_path, port, "--host", "0.0.0.0", env={"PODBAY_TOKEN": env_secret})
    good = httpx.get(
        f"http://127.0.0.1:{port}{API}/config",
        headers={"Authorization": f"Bearer {env_secret}"},
        timeout=10,
    )
    assert good.status_code == 200
    assert env_secret not in Path(f"/proc/{proc.pid}/cmdline").read_text()


def test_an_unreadable_token_file_is_a_clear_error(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "tui", "--serve", "--token-file", str(tmp_path / "missing")]
    env = {**os.environ, "PODBAY_CONFIG": str(tmp_path / "settings.yaml")}
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"cannot read the token file {tmp_path / 'missing'}" in done.stderr
    assert "Traceback" not in done.stderr
