"""The REST face against the sandbox: the spec's endpoints, shapes and honest errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Namespace, require_service_routing
from tests.kube_helpers import wait_pod
from tests.server.local_client import rest_client
from tui.core.settings import Settings, load, override_values, save, with_overrides
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = pytest.mark.cluster
API = "/api/kubernetes"


@pytest.fixture
def rest(real_node: Namespace, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        kubeconfig=str(real_node.sandbox.kubeconfig("admin")), namespace=real_node.name
    )
    wb = Workbench(settings, tmp_path / "settings.yaml")
    # The policy tests here change hostPath settings over REST: the opt-in lets them.
    with rest_client(make_app(wb, rest_policy=True)) as client:
        yield client
    wb.close()


def test_spec_debug_loop_sequence(rest: TestClient, real_node: Namespace) -> None:
    ns = real_node.name
    r = rest.post(
        f"{API}/pods",
        json={
            "name": "test-iteration-1",
            "namespace": ns,
            "image": "podbay.local/debian:12",
            "env": {"COMMIT_SHA": "a1b2c3d4"},
            "command": ["sh"],
            "args": ["-c", "echo testing $COMMIT_SHA; echo done"],
        },
    )
    assert r.status_code == 201, r.json()
    assert r.json()["success"] is True and r.json()["podName"] == "test-iteration-1"
    wait_pod(real_node.core, ns, "test-iteration-1", ("Succeeded",))
    logs = rest.get(f"{API}/pods/test-iteration-1/logs", params={"namespace": ns}).json()
    assert logs["logs"] == "testing a1b2c3d4\ndone\n"
    listed = rest.get(f"{API}/pods", params={"namespace": ns}).json()
    [row] = listed["pods"]
    assert (row["name"], row["status"], row["phase"]) == (
        "test-iteration-1",
        "Completed",
        "Succeeded",
    )
    cleaned = rest.post(f"{API}/cleanup", json={"namespace": ns}).json()
    assert cleaned["success"] and cleaned["deletedPods"] == ["test-iteration-1"]


def test_exec_get_delete_and_errors(rest: TestClient, real_node: Namespace) -> None:
    ns = real_node.name
    assert (
        rest.post(
            f"{API}/pods",
            json={"name": "box", "image": "podbay.local/debian:12", "command": ["sleep", "600"]},
        ).status_code
        == 201
    )
    wait_pod(real_node.core, ns, "box", ("Running",))
    r = rest.post(f"{API}/pods/box/exec", json={"command": ["sh", "-c", "echo hi; exit 3"]})
    body = r.json()
    assert r.status_code == 200
    assert (body["stdout"], body["exitCode"], body["success"]) == ("hi\n", 3, True)
    shell_string = rest.post(f"{API}/pods/box/exec", json={"command": "ls -la"})
    assert shell_string.status_code == 422
    assert shell_string.json()["problems"][0]["field"] == "command"
    got = rest.get(f"{API}/pods/box").json()
    assert got["summary"]["status"] == "Running" and got["pod"]["kind"] == "Pod"
    assert got["pod"]["status"]["phase"] == "Running" and got["object"] == got["pod"]
    assert rest.delete(f"{API}/pods/box").json() == {
        "success": True,
        "podName": "box",
        "namespace": ns,
    }
    missing = rest.get(f"{API}/pods/box-that-never-was")
    assert missing.status_code == 404
    assert "not found" in missing.json()["error"] and "Traceback" not in missing.text


def test_validation_errors_name_the_field(rest: TestClient) -> None:
    r = rest.post(f"{API}/pods", json={"name": "Bad_Name", "image": "node:20"})
    assert r.status_code == 422
    assert r.json()["problems"][0]["field"] == "name"
    r = rest.post(
        f"{API}/services", json={"name": "s", "selector": {"a": "b"}, "ports": [{"port": 70000}]}
    )
    assert r.status_code == 422
    assert r.json()["problems"] == [
        {"field": "ports.0.port", "reason": "port 70000 is out of range: use 1-65535"}
    ]
    r = rest.post(f"{API}/pods", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = rest.post(
        f"{API}/pods", json={"name": "hp", "image": "x", "mountPath": "/w", "hostPath": "/etc"}
    )
    assert r.status_code == 403 and "hostPath mounts are disabled" in r.json()["error"]
    big = rest.post(
        f"{API}/pods",
        content=b"x" * (1024 * 1024 + 1),
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413


def test_services_ingresses_and_follow(rest: TestClient, real_node: Namespace) -> None:
    r = rest.post(
        f"{API}/services",
        json={
            "name": "postgres-service",
            "selector": {"app": "pg"},
            "ports": [{"port": 5432, "targetPort": 5432}],
        },
    )
    assert r.status_code == 201 and r.json()["serviceName"] == "postgres-service"
    assert [s["name"] for s in rest.get(f"{API}/services").json()["services"]] == [
        "postgres-service"
    ]
    ing = rest.post(
        f"{API}/ingresses",
        json={
            "name": "pod-terminal-ingress",
            "websocket": True,
            "rules": [
                {
                    "host": "terminal.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {
                                        "name": "postgres-service",
                                        "port": {"number": 5432},
                                    }
                                },
                            }
                        ]
                    },
                }
            ],
        },
    )
    assert ing.status_code == 201
    got = rest.get(f"{API}/ingresses/pod-terminal-ingress").json()
    assert (
        got["object"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/upgrade-proxy-header"]
        == "websocket"
    )
    assert rest.delete(f"{API}/ingresses/pod-terminal-ingress").json()["success"]
    assert rest.delete(f"{API}/services/postgres-service").json()["success"]

    rest.post(
        f"{API}/pods",
        json={
            "name": "ticker",
            "image": "podbay.local/debian:12",
            "command": ["sh", "-c", "for i in 1 2 3; do echo t$i; sleep 1; done"],
        },
    )
    wait_pod(real_node.core, real_node.name, "ticker", ("Running", "Succeeded"))
    t0 = time.monotonic()
    with rest.stream("GET", f"{API}/pods/ticker/logs", params={"follow": "true"}) as resp:
        assert resp.status_code == 200
        text = "".join(resp.iter_text())
    assert text == "t1\nt2\nt3\n" and time.monotonic() - t0 < 20


def test_config_and_test_connection(rest: TestClient, tmp_path: Path) -> None:
    cfg = rest.get(f"{API}/config").json()
    assert cfg["connected"] is True and cfg["server"].startswith("https://127.0.0.1:")
    diag = rest.post(f"{API}/test-connection").json()
    assert diag["success"] is True
    assert {c["name"] for c in diag["checks"]} >= {"tls", "authentication", "can create pods"}
    bad = rest.put(f"{API}/config", json={"namespace": "Not Valid"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "namespace"
    ok = rest.put(f"{API}/config", json={"allowHostPath": True})
    assert ok.status_code == 200 and ok.json()["allowHostPath"] is True
    assert "allow_host_path: true" in (tmp_path / "settings.yaml").read_text()


def test_restricted_account_gets_403_naming_the_verb(real_node: Namespace, tmp_path: Path) -> None:
    path = tmp_path / "restricted.kubeconfig"
    path.write_text(real_node.sandbox.kubeconfig("restricted").read_text())
    wb = Workbench(Settings(kubeconfig=str(path), namespace="kube-system"))
    with rest_client(make_app(wb)) as client:
        r = client.get(f"{API}/pods")
    assert r.status_code == 403
    assert "cannot list pods in namespace kube-system" in r.json()["error"]


def test_token_is_required_when_configured(real_node: Namespace) -> None:
    wb = Workbench(Settings(kubeconfig=str(real_node.sandbox.kubeconfig("admin"))))
    with rest_client(make_app(wb, token="s3cret")) as client:
        assert client.get(f"{API}/config").status_code == 401
        wrong = client.get(f"{API}/config", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "s3cret" not in wrong.text
        ok = client.get(f"{API}/config", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200


def test_openapi_lists_every_spec_endpoint(real_node: Namespace) -> None:
    wb = Workbench(Settings(kubeconfig=str(real_node.sandbox.kubeconfig("admin"))))
    with rest_client(make_app(wb)) as client:
        paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/api/kubernetes/config": {"get", "put"},
        "/api/kubernetes/test-connection": {"post"},
        "/api/kubernetes/pods": {"get", "post"},
        "/api/kubernetes/pods/{name}": {"get", "delete"},
        "/api/kubernetes/pods/{name}/logs": {"get"},
        "/api/kubernetes/pods/{name}/exec": {"post"},
        "/api/kubernetes/cleanup": {"post"},
        "/api/kubernetes/services": {"get", "post"},
        "/api/kubernetes/services/{name}": {"get", "delete"},
        "/api/kubernetes/ingresses": {"get", "post"},
        "/api/kubernetes/ingresses/{name}": {"get", "delete"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    assert sum(len(m) for m in expected.values()) == 18


def test_pod_list_is_served_from_the_watch_cache(rest: TestClient, real_node: Namespace) -> None:
    for name, app in (("a-one", "a"), ("b-one", "b")):
        r = rest.post(
            f"{API}/pods",
            json={
                "name": name,
                "image": "podbay.local/debian:12",
                "command": ["sleep", "600"],
                "labels": {"app": app},
            },
        )
        assert r.status_code == 201
        listed = rest.get(f"{API}/pods").json()
        assert listed["source"] == "cache"
        assert name in [p["name"] for p in listed["pods"]]  # visible right after the create
    only_a = rest.get(f"{API}/pods", params={"labelSelector": "app in (a)"}).json()
    assert [p["name"] for p in only_a["pods"]] == ["a-one"]
    listed = rest.get(f"{API}/pods").json()
    assert list(listed) == ["namespace", "pods", "source"]
    assert [p["name"] for p in listed["pods"]] == ["a-one", "b-one"]  # sorted by name
    assert set(listed["pods"][0]) == {
        "name", "namespace", "uid", "phase", "status", "ready", "readyContainers", "restarts",
        "created", "age", "node", "ip", "image", "images", "labels",
    }  # fmt: skip
    assert rest.delete(f"{API}/pods/a-one").status_code == 200
    deadline = time.monotonic() + 30  # the watch, not the request, updates the cached rows
    while {p["name"]: p["status"] for p in rest.get(f"{API}/pods").json()["pods"]}.get(
        "a-one", "Terminating"
    ) != "Terminating":
        assert time.monotonic() < deadline, "the cached list never showed the deletion"
        time.sleep(0.1)
    bad = rest.get(f"{API}/pods", params={"labelSelector": "app in (a"})
    assert bad.status_code == 422 and "labelSelector" in bad.json()["error"]


def _wait_phase(rest: TestClient, name: str, phases: tuple[str, ...], timeout: float = 90) -> str:
    """Poll GET /pods/{name} until its phase is one of ``phases``; the phase reached."""
    deadline = time.monotonic() + timeout
    phase = None
    while time.monotonic() < deadline:
        r = rest.get(f"{API}/pods/{name}")
        phase = r.json()["summary"]["phase"] if r.status_code == 200 else None
        if phase in phases:
            return str(phase)
        time.sleep(0.2)
    raise AssertionError(f"pod {name} stayed {phase}, wanted {phases}")


def test_spec_postgres_and_app_sequence(rest: TestClient, real_node: Namespace) -> None:
    """The spec's multi-pod example, created through REST only: postgres, its Service, and an
    app pod that reaches it as postgres-service:5432 through cluster DNS."""
    require_service_routing(real_node)
    ns = real_node.name
    db = rest.post(
        f"{API}/pods",
        json={
            "name": "postgres-db",
            "namespace": ns,
            "image": "podbay.local/postgres:15",
            "labels": {"app": "postgres"},
            "env": {"POSTGRES_PASSWORD": "test123", "POSTGRES_DB": "myapp"},
        },
    )
    assert db.status_code == 201, db.json()
    svc = rest.post(
        f"{API}/services",
        json={
            "name": "postgres-service",
            "namespace": ns,
            "selector": {"app": "postgres"},
            "ports": [{"port": 5432, "targetPort": 5432}],
        },
    )
    assert svc.status_code == 201, svc.json()
    wait = "for i in $(seq 1 120); do pg_isready -q -h postgres-service && break; sleep 0.5; done"
    app = rest.post(
        f"{API}/pods",
        json={
            "name": "app-test",
            "namespace": ns,
            "image": "podbay.local/postgres:15",  # has psql; stands in for the spec's npm test
            "env": {"DATABASE_URL": "postgresql://postgres:test123@postgres-service:5432/myapp"},
            "command": ["sh", "-c", f"{wait}; psql \"$DATABASE_URL\" -tAc 'select 40 + 2'"],
        },
    )
    assert app.status_code == 201, app.json()
    phase = _wait_phase(rest, "app-test", ("Succeeded", "Failed"), timeout=120)
    logs = rest.get(f"{API}/pods/app-test/logs").json()["logs"]
    assert phase == "Succeeded", logs
    assert logs.strip() == "42"
    listed = rest.get(f"{API}/pods").json()["pods"]
    assert {p["name"]: p["status"] for p in listed} == {
        "app-test": "Completed",
        "postgres-db": "Running",
    }
    cleaned = rest.post(f"{API}/cleanup", json={}).json()
    assert cleaned["deletedPods"] == ["app-test"]  # the database keeps running
    assert rest.delete(f"{API}/services/postgres-service").json()["success"]


def test_namespace_allow_list_is_enforced_on_every_endpoint(
    real_node: Namespace, tmp_path: Path
) -> None:
    ns, outside = real_node.name, f"outside-{real_node.name[-6:]}"
    real_node.core.create_namespace({"metadata": {"name": outside}})  # exists: a real target
    settings = Settings(
        kubeconfig=str(real_node.sandbox.kubeconfig("admin")),
        namespace=ns,
        namespace_allow_list=[ns],
    )
    wb = Workbench(settings, tmp_path / "settings.yaml")
    q = {"namespace": outside}
    pod = {"name": "x", "namespace": outside, "image": "podbay.local/debian:12"}
    svc = {"name": "x", "namespace": outside, "selector": {"a": "b"}, "ports": [{"port": 80}]}
    backend = {"service": {"name": "x", "port": {"number": 80}}}
    rules = [{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}]
    ing = {"name": "x", "namespace": outside, "rules": rules}
    try:
        with rest_client(make_app(wb)) as client:
            calls = {
                "list pods": client.get(f"{API}/pods", params=q),
                "create pod": client.post(f"{API}/pods", json=pod),
                "get pod": client.get(f"{API}/pods/x", params=q),
                "delete pod": client.delete(f"{API}/pods/x", params=q),
                "logs": client.get(f"{API}/pods/x/logs", params=q),
                "follow logs": client.get(f"{API}/pods/x/logs", params={**q, "follow": "true"}),
                "exec": client.post(f"{API}/pods/x/exec", params=q, json={"command": ["true"]}),
                "cleanup": client.post(f"{API}/cleanup", json=q),
                "cleanup dry run": client.post(f"{API}/cleanup", json={**q, "dryRun": True}),
                "list services": client.get(f"{API}/services", params=q),
                "create service": client.post(f"{API}/services", json=svc),
                "get service": client.get(f"{API}/services/x", params=q),
                "delete service": client.delete(f"{API}/services/x", params=q),
                "list ingresses": client.get(f"{API}/ingresses", params=q),
                "create ingress": client.post(f"{API}/ingresses", json=ing),
                "get ingress": client.get(f"{API}/ingresses/x", params=q),
                "delete ingress": client.delete(f"{API}/ingresses/x", params=q),
            }
            for what, r in calls.items():
                assert r.status_code == 403, (what, r.status_code, r.text)
                body = r.json()
                assert f"namespace '{outside}'" in body["error"], what
                assert "namespace_allow_list" in body["error"], what
                assert ns in body["fix"], what
            assert client.get(f"{API}/pods").status_code == 200  # the allowed one still works
            assert client.get(f"{API}/services", params={"namespace": ns}).status_code == 200
        nothing = real_node.core.list_namespaced_pod(outside).items
        assert nothing == []
    finally:
        wb.close()
        real_node.core.delete_namespace(outside)


def test_host_path_is_refused_unless_allowed(
    rest: TestClient, real_node: Namespace, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    (shared / "from-host.txt").write_text("hello from the host\n")
    pod = {
        "name": "hp",
        "image": "podbay.local/debian:12",
        "command": ["sh", "-c", "cat /work/from-host.txt"],
        "mountPath": "/work",
        "hostPath": str(shared),
    }
    refused = rest.post(f"{API}/pods", json=pod)
    assert refused.status_code == 403
    assert "hostPath mounts are disabled" in refused.json()["error"]
    assert "allow hostPath" in refused.json()["fix"]
    assert rest.get(f"{API}/pods/hp").status_code == 404  # nothing was created

    assert rest.put(f"{API}/config", json={"allowHostPath": True}).status_code == 200
    outside = rest.post(f"{API}/pods", json=pod)  # allowed, but not under a permitted prefix
    assert outside.status_code == 403
    assert f"hostPath {shared} is outside the permitted" in outside.json()["error"]
    assert "hostPath prefixes" in outside.json()["fix"]
    prefixes = {"hostPathPrefixes": [str(shared)]}
    assert rest.put(f"{API}/config", json=prefixes).status_code == 200
    escape = rest.post(f"{API}/pods", json={**pod, "name": "hp-up", "hostPath": f"{shared}/.."})
    assert escape.status_code == 403 and f"(resolves to {tmp_path})" in escape.json()["error"]
    created = rest.post(f"{API}/pods", json=pod)
    assert created.status_code == 201, created.json()
    assert _wait_phase(rest, "hp", ("Succeeded", "Failed")) == "Succeeded"
    assert rest.get(f"{API}/pods/hp/logs").json()["logs"] == "hello from the host\n"

    assert rest.put(f"{API}/config", json={"allowHostPath": False}).status_code == 200
    again = rest.post(f"{API}/pods", json={**pod, "name": "hp-again"})
    assert again.status_code == 403


def test_put_config_saves_the_body_on_the_file_and_keeps_session_overrides(
    real_node: Namespace, tmp_path: Path
) -> None:
    """As `podbay --serve --kubeconfig K -n NS` runs: the file knows neither K nor NS."""
    path = tmp_path / "settings.yaml"
    save(Settings(namespace="from-file", protect_selector="keep=me"), path)
    cli = {"kubeconfig": str(real_node.sandbox.kubeconfig("admin")), "namespace": real_node.name}
    wb = Workbench(
        with_overrides(load(path), {}, **cli), path, overrides=override_values({}, **cli)
    )
    try:
        with rest_client(make_app(wb, rest_policy=True)) as client:
            cfg = client.get(f"{API}/config").json()
            assert cfg["sessionOverrides"] == ["kubeconfigPath", "namespace"]
            assert (cfg["namespace"], cfg["connected"]) == (real_node.name, True)

            r = client.put(f"{API}/config", json={"allowHostPath": True})
            assert r.status_code == 200, r.json()
            on_file = load(path)
            assert (on_file.allow_host_path, on_file.namespace, on_file.kubeconfig) == (
                True,
                "from-file",
                None,
            )
            assert (r.json()["namespace"], r.json()["connected"]) == (real_node.name, True)
            assert client.get(f"{API}/pods").json()["namespace"] == real_node.name

            r = client.put(f"{API}/config", json={"namespace": "chosen"})
            assert r.json()["namespace"] == "chosen" and r.json()["connected"] is True
            assert r.json()["sessionOverrides"] == ["kubeconfigPath"]
            assert load(path).namespace == "chosen" and load(path).protect_selector == "keep=me"

            path.write_text("namespce: typo\n")
            broken = client.put(f"{API}/config", json={"allowHostPath": False})
            assert broken.status_code == 409
            assert str(path) in broken.json()["error"] and "namespce" in broken.json()["error"]
            assert path.read_text() == "namespce: typo\n"
            assert client.get(f"{API}/config").json()["allowHostPath"] is True
    finally:
        wb.close()


def test_log_parameters(rest: TestClient, real_node: Namespace) -> None:
    """tailLines, timestamps, sinceSeconds, container and previous, as query parameters."""
    r = rest.post(
        f"{API}/pods",
        json={
            "name": "talker",
            "image": "podbay.local/debian:12",
            "command": ["sh", "-c", "echo early-1; echo early-2; sleep 8; echo late; sleep 600"],
        },
    )
    assert r.status_code == 201, r.json()
    deadline = time.monotonic() + 90
    while "late" not in (text := rest.get(f"{API}/pods/talker/logs").json().get("logs", "")):
        assert time.monotonic() < deadline, text
        time.sleep(0.2)
    recent = rest.get(f"{API}/pods/talker/logs", params={"sinceSeconds": 4}).json()["logs"]
    assert recent == "late\n"  # the early lines are 8 s old
    assert text == "early-1\nearly-2\nlate\n"
    tail = rest.get(f"{API}/pods/talker/logs", params={"tailLines": 2}).json()["logs"]
    assert tail == "early-2\nlate\n"
    stamped = rest.get(f"{API}/pods/talker/logs", params={"timestamps": "true"}).json()["logs"]
    lines = stamped.splitlines()
    assert len(lines) == 3
    for line, want in zip(lines, ("early-1", "early-2", "late"), strict=True):
        stamp, _, rest_of_line = line.partition(" ")
        assert rest_of_line == want and stamp[:4].isdigit() and stamp.endswith("Z"), line
    named = rest.get(f"{API}/pods/talker/logs", params={"container": "runner", "tailLines": 1})
    assert named.json()["logs"] == "late\n"
    wrong = rest.get(f"{API}/pods/talker/logs", params={"container": "sidecar"})
    assert wrong.status_code == 422 and "sidecar" in wrong.json()["error"]
    no_previous = rest.get(f"{API}/pods/talker/logs", params={"previous": "true"})
    assert no_previous.status_code == 422 and "previous" in no_previous.json()["error"]

    r = rest.post(
        f"{API}/pods",
        json={
            "name": "retrier",
            "image": "podbay.local/debian:12",
            "restartPolicy": "OnFailure",
            "command": ["sh", "-c", "echo attempt at $(date +%s%N); sleep 5; exit 1"],
        },
    )
    assert r.status_code == 201, r.json()
    deadline = time.monotonic() + 120
    while True:  # restarted and running again: the previous container's log is kept
        got = rest.get(f"{API}/pods/retrier").json()
        [status] = got["object"]["status"].get("containerStatuses") or [{"restartCount": 0}]
        if status["restartCount"] >= 1 and "running" in status.get("state", {}):
            break
        assert time.monotonic() < deadline, "the pod never restarted"
        time.sleep(0.3)
    previous = rest.get(f"{API}/pods/retrier/logs", params={"previous": "true"})
    assert previous.status_code == 200, previous.json()
    assert previous.json()["logs"].startswith("attempt at ")


def test_restricted_account_through_rest(real_node: Namespace, tmp_path: Path) -> None:
    """The spec's Role: everything it grants works (lists by polling: it has no watch),
    and what it lacks is a 403 that names the verb, the resource and the namespace."""
    from tests.terminal_helpers import restricted_kubeconfig

    ns = real_node.name
    settings = Settings(kubeconfig=str(restricted_kubeconfig(real_node, tmp_path)), namespace=ns)
    wb = Workbench(settings, tmp_path / "settings.yaml")
    try:
        with rest_client(make_app(wb)) as client:
            pod = {"name": "box", "image": "podbay.local/debian:12", "command": ["sleep", "600"]}
            assert client.post(f"{API}/pods", json=pod).status_code == 201
            wait_pod(real_node.core, ns, "box", ("Running",))
            listed = client.get(f"{API}/pods").json()
            assert [p["name"] for p in listed["pods"]] == ["box"]
            ran = client.post(f"{API}/pods/box/exec", json={"command": ["id", "-u"]}).json()
            assert (ran["stdout"], ran["exitCode"]) == ("0\n", 0)
            svc = {"name": "web", "selector": {"app": "web"}, "ports": [{"port": 80}]}
            assert client.post(f"{API}/services", json=svc).status_code == 201
            assert [s["name"] for s in client.get(f"{API}/services").json()["services"]] == ["web"]
            refused = {
                "list pods": client.get(f"{API}/pods", params={"namespace": "default"}),
                "create pod": client.post(f"{API}/pods", json={**pod, "namespace": "default"}),
                "exec": client.post(
                    f"{API}/pods/box/exec",
                    params={"namespace": "default"},
                    json={"command": ["true"]},
                ),
                "cleanup": client.post(f"{API}/cleanup", json={"namespace": "default"}),
                "list services": client.get(f"{API}/services", params={"namespace": "default"}),
            }
            expected = {
                "list pods": "cannot list pods in namespace default",
                "create pod": "cannot create pod box in namespace default",
                "exec": "pods/exec",
                "cleanup": "cannot list pods in namespace default",
                "list services": "cannot list services in namespace default",
            }
            for what, r in refused.items():
                assert r.status_code == 403, (what, r.text)
                assert expected[what] in r.json()["error"], (what, r.json())
                assert "grant" in r.json()["fix"]
    finally:
        wb.close()


def test_disabled_refuses_cluster_calls_until_enabled(rest: TestClient) -> None:
    """The spec's "Enable Kubernetes" toggle: off, nothing touches the cluster (409 naming
    the setting); Test connection still runs, so it can be checked before switching on."""
    assert rest.get(f"{API}/pods").status_code == 200
    assert rest.put(f"{API}/config", json={"enabled": False}).json()["enabled"] is False
    for r in (
        rest.get(f"{API}/pods"),
        rest.post(f"{API}/pods", json={"name": "x", "image": "podbay.local/debian:12"}),
        rest.get(f"{API}/services"),
        rest.post(f"{API}/cleanup", json={}),
    ):
        assert r.status_code == 409, r.text
        assert "disabled in the settings" in r.json()["error"]
        assert '{"enabled": true}' in r.json()["fix"]
    cfg = rest.get(f"{API}/config").json()
    assert cfg["connected"] is False and "disabled" in cfg["error"]
    assert rest.post(f"{API}/test-connection").json()["success"] is True
    assert rest.put(f"{API}/config", json={"enabled": True}).json()["connected"] is True
    assert rest.get(f"{API}/pods").status_code == 200


def test_extra_ca_file_serves_rest_and_websocket_alike(
    real_node: Namespace, tmp_path: Path
) -> None:
    """A kubeconfig without CA data: REST says which trust set failed and how to add a CA
    (503 with the TLS step of the diagnosis); with the extra CA file, both the HTTP calls
    and the exec WebSocket trust the cluster."""
    ns = real_node.name
    noca = str(real_node.sandbox.kubeconfig("admin", with_ca=False))
    wb = Workbench(Settings(kubeconfig=noca, namespace=ns), tmp_path / "a.yaml")
    with rest_client(make_app(wb)) as client:
        r = client.get(f"{API}/pods")
        assert r.status_code == 503
        assert "certificate verify failed" in r.json()["error"]
        assert r.json()["fix"].startswith("tls: ") and "extra CA file" in r.json()["fix"]
        checks = {c["name"]: c["status"] for c in r.json()["diagnosis"]["checks"]}
        assert (checks["tcp"], checks["tls"], checks["authentication"]) == ("ok", "fail", "skipped")
    wb.close()

    extra = Settings(kubeconfig=noca, namespace=ns, extra_ca_file=str(real_node.sandbox.ca))
    wb = Workbench(extra, tmp_path / "b.yaml")
    try:
        with rest_client(make_app(wb)) as client:
            pod = {"name": "box", "image": "podbay.local/debian:12", "command": ["sleep", "600"]}
            assert client.post(f"{API}/pods", json=pod).status_code == 201
            wait_pod(real_node.core, ns, "box", ("Running",))
            ran = client.post(f"{API}/pods/box/exec", json={"command": ["echo", "trusted"]})
            assert (ran.json()["stdout"], ran.json()["exitCode"]) == ("trusted\n", 0)
            typed = ["podbay.terminal.v1"]
            with client.websocket_connect(f"{API}/pods/box/terminal", typed) as ws:
                ws.send_bytes(b"echo tty-$((3*3)); exit 4\n")
                out = b""
                while b"tty-9" not in out:
                    msg = ws.receive()
                    out += msg.get("bytes") or b""
    finally:
        wb.close()
