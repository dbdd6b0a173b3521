"""The seed system's own clients against a real ``podbay --serve`` on the sandbox.

Every request is sent as ``../shared/reference/seed-client-contract.md`` lists it: the web
frontend's (KubernetesSettings.tsx, "KS"; PodTerminal.tsx, "PT") with the headers a browser
adds on its own page (``Origin`` on POST/DELETE, the JSON type only where it sent a body),
and the agents' curl calls from AGENTS.md. Each field those clients read is checked with
the type they read it as. The terminal part is a WebSocket client that, like PT, sends
keystrokes and the resize object as text frames and draws only text frames that do not
parse as JSON.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import websocket

from tests.conftest import Namespace
from tests.kube_helpers import wait_pod
from tests.server.serve_process import start_serve, stop_serve

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]
WAIT = 30.0


class Browser:
    """The seed's web page, served from the API's own origin (plain ``fetch``)."""

    def __init__(self, port: int) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.origin, timeout=60)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)  # a same-origin GET carries no Origin header

    def post_json(self, path: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Origin": self.origin}
        return self.http.post(path, content=json.dumps(body), headers=headers)

    def delete(self, path: str) -> httpx.Response:
        request = self.http.build_request("DELETE", path, headers={"Origin": self.origin})
        assert "content-type" not in request.headers  # fetch(url, {method: 'DELETE'})
        return self.http.send(request)


class Agent:
    """The AGENTS.md curl examples: ``-H 'Content-Type: application/json' -d '{…}'``."""

    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://localhost:{port}", timeout=60)

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        if body is None:
            return self.http.request(method, path)
        headers = {"Content-Type": "application/json"}
        return self.http.request(method, path, content=json.dumps(body), headers=headers)


@pytest.fixture
def served(real_node: Namespace, tmp_path: Path) -> Iterator[int]:
    kubeconfig = str(real_node.sandbox.kubeconfig("admin"))
    proc, port = start_serve(tmp_path / "settings.yaml", ["--kubeconfig", kubeconfig])
    try:
        yield port
    finally:
        log = stop_serve(proc)
        assert "Traceback" not in log, log[-3000:]


def _is_ms_age(value: Any, at_most_seconds: float = 600) -> bool:
    return type(value) is int and 0 <= value <= at_most_seconds * 1000


def test_the_agents_requests(served: int, real_node: Namespace) -> None:
    ns = real_node.name
    agent = Agent(served)
    api = "/api/kubernetes"

    config = agent.send("GET", f"{api}/config").json()
    assert type(config["config"]["enabled"]) is bool
    assert isinstance(config["config"]["namespace"], str)
    assert isinstance(config["config"]["kubeconfigPath"], str)
    assert config["connection"]["connected"] is True
    assert config["connection"]["namespace"] == "opencode-manager"

    put = agent.send("PUT", f"{api}/config", {"enabled": True, "namespace": ns})
    assert put.status_code == 200, put.text
    assert put.json()["success"] is True
    assert put.json()["config"]["enabled"] is True and put.json()["config"]["namespace"] == ns

    created = agent.send(
        "POST",
        f"{api}/pods",
        {
            "name": "seed-box",
            "namespace": ns,
            "image": "podbay.local/debian:12",
            "command": ["sh", "-c"],
            "args": ["echo started; sleep 600"],
            "env": {"GREETING": "hi"},
            "labels": {"team": "seed"},
        },
    )
    assert created.status_code in (200, 201), created.text
    assert created.json()["success"] is True and created.json()["podName"] == "seed-box"
    wait_pod(real_node.core, ns, "seed-box", ("Running",))

    got = agent.send("GET", f"{api}/pods/seed-box?namespace={ns}").json()
    assert got["pod"]["metadata"]["name"] == "seed-box"
    assert got["pod"]["status"]["phase"] == "Running"
    assert isinstance(got["pod"]["metadata"]["creationTimestamp"], str)

    ran = agent.send(
        "POST",
        f"{api}/pods/seed-box/exec",
        {"namespace": ns, "command": ["sh", "-c", 'echo "$GREETING"; echo oops >&2; exit 3']},
    )
    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert body["success"] is True  # the command ran; its status is exitCode (the seed's was 0)
    assert (body["exitCode"], body["output"], body["errors"]) == (3, "hi\n", "oops\n")
    assert type(body["exitCode"]) is int

    invalid = agent.send("POST", f"{api}/pods/seed-box/exec", {"namespace": ns, "command": []})
    assert invalid.status_code in (400, 422) and isinstance(invalid.json()["error"], str)
    bad_pod = agent.send("POST", f"{api}/pods", {"name": "Bad_Name", "namespace": ns, "image": ""})
    assert bad_pod.status_code in (400, 422) and isinstance(bad_pod.json()["error"], str)
    missing = agent.send("GET", f"{api}/pods/never-was?namespace={ns}")
    assert missing.status_code == 404 and isinstance(missing.json()["error"], str)

    svc = agent.send(
        "POST",
        f"{api}/services",
        {
            "name": "seed-svc",
            "namespace": ns,
            "selector": {"team": "seed"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
            "type": "ClusterIP",
        },
    )
    assert svc.status_code in (200, 201), svc.text
    assert svc.json()["success"] is True and svc.json()["serviceName"] == "seed-svc"
    listed = agent.send("GET", f"{api}/services?namespace={ns}&labelSelector=").json()
    [row] = listed["services"]
    assert (row["name"], row["namespace"], row["type"]) == ("seed-svc", ns, "ClusterIP")
    assert isinstance(row["clusterIP"], str) and row["clusterIP"].count(".") == 3
    assert [(p["port"], p["targetPort"], p["protocol"]) for p in row["ports"]] == [
        (80, 8080, "TCP")
    ]
    assert row["selector"] == {"team": "seed"} and _is_ms_age(row["age"])
    one = agent.send("GET", f"{api}/services/seed-svc?namespace={ns}").json()
    assert one["service"]["metadata"]["name"] == "seed-svc"
    assert one["service"]["spec"]["ports"][0]["port"] == 80
    assert agent.send("DELETE", f"{api}/services/seed-svc?namespace={ns}").json()["success"] is True
    gone = agent.send("GET", f"{api}/services/seed-svc?namespace={ns}")
    assert gone.status_code == 404 and isinstance(gone.json()["error"], str)


def test_the_web_frontend_requests(served: int, real_node: Namespace) -> None:
    ns = real_node.name
    page = Browser(served)
    api = "/api/kubernetes"
    for name, command in (("seed-web", ["sleep", "600"]), ("seed-done", ["true"])):
        created = Agent(served).send(
            "POST",
            f"{api}/pods",
            {"name": name, "namespace": ns, "image": "podbay.local/debian:12", "command": command},
        )
        assert created.status_code in (200, 201), created.text
    wait_pod(real_node.core, ns, "seed-web", ("Running",))
    wait_pod(real_node.core, ns, "seed-done", ("Succeeded",))

    # KS:43-55, then KS:57-62 right after a connected test
    test = page.post_json(f"{api}/test-connection", {"namespace": ns})
    assert test.json()["connected"] is True, test.json()
    test_empty = page.post_json(f"{api}/test-connection", {})
    assert type(test_empty.json()["connected"]) is bool
    listed = page.get(f"{api}/pods?namespace={quote(ns)}")
    assert listed.status_code == 200
    pods = {p["name"]: p for p in listed.json()["pods"]}
    assert set(pods) == {"seed-web", "seed-done"}
    for pod in pods.values():
        assert isinstance(pod["name"], str) and pod["namespace"] == ns
        assert isinstance(pod["phase"], str) and type(pod["ready"]) is bool
        assert _is_ms_age(pod["age"]) and isinstance(pod["image"], str)
    assert (pods["seed-web"]["phase"], pods["seed-web"]["ready"]) == ("Running", True)
    assert (pods["seed-done"]["phase"], pods["seed-done"]["ready"]) == ("Succeeded", False)
    assert pods["seed-web"]["image"] == "podbay.local/debian:12"
    age_then = pods["seed-web"]["age"]
    time.sleep(1.1)  # ages are computed per answer, not frozen in the cache
    again = {p["name"]: p for p in page.get(f"{api}/pods?namespace={quote(ns)}").json()["pods"]}
    assert again["seed-web"]["age"] >= age_then + 1000

    # KS:79-81: the log poll (tailLines=100), read as a string
    logs = page.get(f"{api}/pods/seed-done/logs?namespace={quote(ns)}&tailLines=100")
    assert isinstance(logs.json()["logs"], str)

    # KS:327-339: cleanup without maxAgeMs; `success` truthy, `deleted` a number
    cleaned = page.post_json(f"{api}/cleanup", {"namespace": ns})
    assert cleaned.status_code == 200, cleaned.text
    assert cleaned.json()["success"] is True and type(cleaned.json()["deleted"]) is int
    assert cleaned.json()["deleted"] == 1 and cleaned.json()["deletedPods"] == ["seed-done"]

    # KS:109-121: DELETE with no body and no type; only response.ok is read
    deleted = page.delete(f"{api}/pods/{quote('seed-web')}?namespace={quote(ns)}")
    assert deleted.is_success, deleted.text


def test_the_connection_test_fails_as_json_with_a_string_error(tmp_path: Path) -> None:
    """The client never checks the status: a failed test must still be JSON with
    ``connected: false`` and ``error`` a string."""
    proc, port = start_serve(tmp_path / "s.yaml", ["--kubeconfig", str(tmp_path / "none")])
    try:
        failed = Browser(port).post_json("/api/kubernetes/test-connection", {"namespace": "x"})
        assert failed.status_code == 200
        assert failed.json()["connected"] is False
        assert (
            isinstance(failed.json()["error"], str) and "does not exist" in failed.json()["error"]
        )
    finally:
        stop_serve(proc)


class SeedTerminal:
    """PodTerminal.tsx's message handling (PT:58-72): ``JSON.parse`` every frame; on failure
    ``term.write`` it; on success act on resize/error/close and drop anything else."""

    def __init__(self, ws: websocket.WebSocket) -> None:
        self.ws = ws
        self.screen = ""  # what term.write received, NULs (which a terminal ignores) removed
        self.dropped: list[str] = []
        self.errors: list[str] = []
        self.binary_frames = 0
        self.closed = False

    def type(self, data: str) -> None:
        self.ws.send(data)  # term.onData → ws.send(data): a text frame

    def pump(self) -> None:
        self.ws.settimeout(WAIT)
        opcode, data = self.ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self.closed = True
        elif opcode == websocket.ABNF.OPCODE_BINARY:
            self.binary_frames += 1  # a Blob: PT never draws it
        else:
            text = data.decode()
            try:
                doc = json.loads(text)
            except ValueError:
                self.screen += text.replace("\x00", "")
                return
            if isinstance(doc, dict) and doc.get("type") == "error":
                self.errors.append(str(doc.get("message")))
            elif not (isinstance(doc, dict) and doc.get("type") in ("resize", "close")):
                self.dropped.append(text)

    def until(self, needle: str) -> None:
        deadline = time.monotonic() + WAIT
        while needle not in self.screen:
            assert not self.closed, f"closed before {needle!r}: {self.screen[-500:]!r}"
            assert time.monotonic() < deadline, f"no {needle!r} in {self.screen[-500:]!r}"
            self.pump()


def test_the_pod_terminal_dialect(served: int, real_node: Namespace) -> None:
    ns = real_node.name
    Agent(served).send(
        "POST",
        "/api/kubernetes/pods",
        {"name": "seed-tty", "namespace": ns, "image": "podbay.local/debian:12",
         "command": ["sleep", "600"]},
    )  # fmt: skip
    wait_pod(real_node.core, ns, "seed-tty", ("Running",))
    page = Browser(served)
    # PT:43-46
    answer = page.get(f"/api/kubernetes/exec-ws-url?pod={quote('seed-tty')}&namespace={quote(ns)}")
    ws_url = answer.json()["wsUrl"]
    assert ws_url == f"ws://127.0.0.1:{served}/ws/kubernetes/exec?pod=seed-tty&namespace={ns}"
    ws = websocket.create_connection(ws_url, origin=page.origin, timeout=WAIT)  # no subprotocol
    term = SeedTerminal(ws)
    term.type(json.dumps({"type": "resize", "cols": 101, "rows": 31}))  # PT:49-56, on open
    term.type("stty size; echo ready-$((6*7))\r")  # the echo of the line never says 42
    term.until("ready-42\r\n")
    assert "31 101\r\n" in term.screen
    # Keystrokes that parse as JSON are keystrokes (the seed dropped them), one frame each
    # as xterm.js sends them; their echo comes back as frames that would parse as JSON too.
    for key in ["e", "c", "h", "o", " ", "1", " ", "t", "r", "u", "e", " ", "n", "u", "l", "l"]:
        term.type(key)
    term.type(" '")
    term.type('{"type":"resize","cols":5}')  # not exactly the resize object: typed text
    term.type("'\r")
    term.until('1 true null {"type":"resize","cols":5}\r\n')
    term.type(json.dumps({"type": "resize", "cols": 77, "rows": 22}))  # PT:90-94
    term.type("stty size\r")
    term.until("22 77\r\n")
    term.type("exit 3\r")
    term.until("Session closed: exit code 3")
    while not term.closed:
        term.pump()
    assert (term.dropped, term.errors, term.binary_frames) == ([], [], 0)

    # A pod that is not there: PT shows {type:'error', message}
    ws = websocket.create_connection(
        ws_url.replace("seed-tty", "never-was"), origin=page.origin, timeout=WAIT
    )
    term = SeedTerminal(ws)
    while not term.closed:
        term.pump()
    assert len(term.errors) == 1 and "never-was" in term.errors[0], term.errors
