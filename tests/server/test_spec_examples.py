"""Every example of the spec, sent through REST as the spec writes it.

Only what the sandbox cannot have is swapped, and each swap is named where it happens:
image names (``podbay.local/...`` instead of Docker Hub), the namespace (one per test), and
commands that need a project the spec does not show (its ``npm run build && npm start``)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Namespace, require_service_routing
from tests.kube_helpers import host_path_claim
from tests.server.local_client import rest_client
from tests.terminal_helpers import restricted_kubeconfig
from tui.core.settings import Settings
from tui.core.workbench import Workbench
from tui.server.app import make_app

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(400)]
API = "/api/kubernetes"
# The spec's node:20-alpine and python:3.12-slim, as the sandbox builds them.
NODE, PYTHON = "podbay.local/node:18", "podbay.local/python:3.11"


@pytest.fixture
def rest_as(real_node: Namespace, tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``rest_as(kubeconfig=None, **settings)``: a REST client over a fresh Workbench."""
    opened: list[tuple[TestClient, Workbench]] = []

    def make(kubeconfig: Path | None = None, **settings: Any) -> TestClient:
        wb = Workbench(
            Settings(
                kubeconfig=str(kubeconfig or real_node.sandbox.kubeconfig("admin")),
                namespace=real_node.name,
                **settings,
            ),
            tmp_path / f"settings-{len(opened)}.yaml",
        )
        client = rest_client(make_app(wb))
        client.__enter__()
        opened.append((client, wb))
        return client

    yield make
    for client, wb in opened:
        client.__exit__(None, None, None)
        wb.close()


def _created(r: Any) -> dict[str, Any]:
    assert r.status_code == 201, r.json()
    body: dict[str, Any] = r.json()
    assert body["success"] is True
    return body


def _phase(
    rest: TestClient, ns: str, name: str, want: tuple[str, ...], timeout: float = 120
) -> str:
    deadline = time.monotonic() + timeout
    phase = None
    while time.monotonic() < deadline:
        r = rest.get(f"{API}/pods/{name}", params={"namespace": ns})
        phase = r.json()["pod"]["status"]["phase"] if r.status_code == 200 else None
        if phase in want:
            return str(phase)
        time.sleep(0.25)
    raise AssertionError(f"pod {name} stayed {phase}, wanted {want}")


def _gone(rest: TestClient, path: str, ns: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while rest.get(path, params={"namespace": ns}).status_code != 404:
        assert time.monotonic() < deadline, f"{path} still there after {timeout}s"
        time.sleep(0.25)


def test_preview_sequence_as_the_specs_restricted_account(
    rest_as: Callable[..., TestClient], real_node: Namespace, tmp_path: Path
) -> None:
    """Staging/Preview Deployments: pod, Service, Ingress, the app reached through the
    Service by name, then the three DELETEs with ``?namespace=`` — all as the spec's Role."""
    require_service_routing(real_node)
    ns = real_node.name
    rest = rest_as(restricted_kubeconfig(real_node, tmp_path))
    # The spec's args build and start a project it does not show; this app serves the same
    # env (COMMIT_SHA on PORT) so the Service and DNS can be checked for real.
    serve = (
        "require('http').createServer((q, r) => r.end('preview ' + process.env.COMMIT_SHA))"
        ".listen(process.env.PORT)"
    )
    pod = _created(
        rest.post(
            f"{API}/pods",
            json={
                "name": "preview-app-abc123",
                "namespace": ns,
                "image": NODE,
                "env": {
                    "COMMIT_SHA": "abc123",
                    "REPO_PATH": "/workspace/repos/myapp",
                    "PORT": "3000",
                },
                "command": ["sh"],
                "args": ["-c", f'cd / && exec node -e "{serve}"'],
                "labels": {"app": "preview-abc123"},
            },
        )
    )
    assert (pod["podName"], pod["namespace"]) == ("preview-app-abc123", ns)
    svc = _created(
        rest.post(
            f"{API}/services",
            json={
                "name": "preview-service-abc123",
                "namespace": ns,
                "selector": {"app": "preview-abc123"},
                "ports": [{"port": 3000, "targetPort": 3000}],
                "type": "ClusterIP",
            },
        )
    )
    assert svc["serviceName"] == "preview-service-abc123"
    assert svc["service"]["type"] == "ClusterIP" and svc["service"]["portsText"] == ["3000/TCP"]
    assert svc["service"]["ports"] == [{"port": 3000, "targetPort": 3000, "protocol": "TCP"}]
    ing = _created(
        rest.post(
            f"{API}/ingresses",
            json={
                "name": "preview-ingress-abc123",
                "namespace": ns,
                "rules": [
                    {
                        "host": "preview-abc123.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {
                                            "name": "preview-service-abc123",
                                            "port": {"number": 3000},
                                        }
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        )
    )
    assert ing["ingressName"] == "preview-ingress-abc123"

    assert _phase(rest, ns, "preview-app-abc123", ("Running",)) == "Running"
    fetch = (
        "require('http').get('http://preview-service-abc123:3000/', r => "
        "r.on('data', d => process.stdout.write(d))).on('error', e => "
        "{ console.error(e.message); process.exit(2) })"
    )
    deadline = time.monotonic() + 60
    while True:  # the app needs a moment to listen; the Service needs its endpoints
        r = rest.post(
            f"{API}/pods/preview-app-abc123/exec",
            params={"namespace": ns},
            json={"command": ["node", "-e", fetch], "timeoutSeconds": 20},
        )
        assert r.status_code == 200, r.json()
        if r.json()["exitCode"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (r.json()["stdout"], r.json()["exitCode"]) == ("preview abc123", 0), r.json()

    got = rest.get(f"{API}/ingresses/preview-ingress-abc123", params={"namespace": ns}).json()
    assert got["summary"]["hosts"] == ["preview-abc123.example.com"]
    [rule] = got["object"]["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"] == {
        "name": "preview-service-abc123",
        "port": {"number": 3000},
    }
    listed = rest.get(f"{API}/ingresses", params={"namespace": ns}).json()
    assert [i["name"] for i in listed["ingresses"]] == ["preview-ingress-abc123"]
    got_svc = rest.get(f"{API}/services/preview-service-abc123", params={"namespace": ns}).json()
    assert got_svc["summary"]["selector"] == {"app": "preview-abc123"}
    assert got_svc["service"]["spec"]["selector"] == {"app": "preview-abc123"}
    assert got_svc["object"]["spec"]["ports"][0]["targetPort"] == 3000

    # Cleanup When Done, in the spec's order and with its query parameter.
    q = {"namespace": ns}
    deleted = rest.delete(f"{API}/ingresses/preview-ingress-abc123", params=q)
    assert deleted.json() == {"success": True, "ingressName": "preview-ingress-abc123"}
    deleted = rest.delete(f"{API}/services/preview-service-abc123", params=q)
    assert deleted.json() == {"success": True, "serviceName": "preview-service-abc123"}
    deleted = rest.delete(f"{API}/pods/preview-app-abc123", params=q)
    assert deleted.json() == {"success": True, "podName": "preview-app-abc123", "namespace": ns}
    assert rest.get(f"{API}/ingresses", params=q).json()["ingresses"] == []  # at once
    assert rest.get(f"{API}/services", params=q).json()["services"] == []
    for path in ("ingresses/preview-ingress-abc123", "services/preview-service-abc123"):
        assert rest.get(f"{API}/{path}", params=q).status_code == 404
    _gone(rest, f"{API}/pods/preview-app-abc123", ns)


TERMINAL_ANNOTATIONS = {
    "nginx.ingress.kubernetes.io/rewrite-target": "/",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
    "nginx.ingress.kubernetes.io/proxy-http-version": "1.1",
    "nginx.ingress.kubernetes.io/proxy-buffering": "off",
    "nginx.ingress.kubernetes.io/connection-proxy-header": "keep-alive",
    "nginx.ingress.kubernetes.io/upgrade-proxy-header": "websocket",
}


def _rule(host: str, service: str, port: int) -> dict[str, Any]:
    backend = {"service": {"name": service, "port": {"number": port}}}
    return {
        "host": host,
        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
    }


def test_service_and_ingress_examples(
    rest_as: Callable[..., TestClient], real_node: Namespace
) -> None:
    """Creating Services / Creating Ingresses / Ingress with WebSocket Support, verbatim, plus
    the other service types, a named targetPort, TLS and an ingress class."""
    ns = real_node.name
    rest = rest_as()
    my_service = {
        "name": "my-service",
        "namespace": ns,
        "selector": {"app": "test-runner"},
        "ports": [{"port": 8080, "targetPort": 8080, "protocol": "TCP"}],
        "type": "ClusterIP",
    }
    assert _created(rest.post(f"{API}/services", json=my_service))["serviceName"] == "my-service"
    terminal_service = {
        **my_service,
        "name": "pod-terminal-service",
        "ports": [{"port": 5004, "targetPort": 5004, "protocol": "TCP"}],
    }
    _created(rest.post(f"{API}/services", json=terminal_service))
    node_port = _created(
        rest.post(
            f"{API}/services",
            json={
                "name": "web-nodeport",
                "selector": {"app": "web"},
                "type": "NodePort",
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080}],
            },
        )
    )
    assert node_port["service"]["portsText"] == ["80:30080/TCP"]
    assert node_port["service"]["ports"] == [
        {"port": 80, "targetPort": "http", "protocol": "TCP", "name": "http", "nodePort": 30080}
    ]
    lb = _created(
        rest.post(
            f"{API}/services",
            json={"name": "web-lb", "selector": {"app": "web"}, "type": "LoadBalancer",
                  "ports": [{"port": 443, "targetPort": 8443}]},
        )
    )  # fmt: skip
    assert lb["service"]["type"] == "LoadBalancer"

    got = rest.get(f"{API}/services/my-service", params={"namespace": ns}).json()
    assert got["summary"]["clusterIP"] == got["service"]["spec"]["clusterIP"]
    assert got["summary"]["portsText"] == ["8080/TCP"]
    assert got["object"]["spec"]["ports"][0]["targetPort"] == 8080
    named = rest.get(f"{API}/services/web-nodeport").json()["object"]["spec"]["ports"][0]
    assert (named["name"], named["targetPort"], named["nodePort"]) == ("http", "http", 30080)
    listed = rest.get(f"{API}/services").json()
    assert [s["name"] for s in listed["services"]] == [
        "my-service", "pod-terminal-service", "web-lb", "web-nodeport",
    ]  # fmt: skip

    my_ingress = {
        "name": "my-app-ingress",
        "namespace": ns,
        "rules": [_rule("myapp.example.com", "my-service", 8080)],
        "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/"},
    }
    _created(rest.post(f"{API}/ingresses", json=my_ingress))
    terminal_ingress = {
        "name": "pod-terminal-ingress",
        "namespace": ns,
        "rules": [_rule("terminal.example.com", "pod-terminal-service", 5004)],
        "annotations": TERMINAL_ANNOTATIONS,
    }
    _created(rest.post(f"{API}/ingresses", json=terminal_ingress))
    tls = _created(
        rest.post(
            f"{API}/ingresses",
            json={
                "name": "secure",
                "ingressClassName": "nginx",
                "rules": [_rule("secure.example.com", "my-service", 8080)],
                "tls": [{"hosts": ["secure.example.com"], "secretName": "secure-tls"}],
            },
        )
    )
    assert tls["ingress"]["tls"] is True and tls["ingress"]["ingressClass"] == "nginx"

    obj = rest.get(f"{API}/ingresses/pod-terminal-ingress").json()["object"]
    assert obj["metadata"]["annotations"] == TERMINAL_ANNOTATIONS
    assert obj["spec"]["rules"] == terminal_ingress["rules"]
    obj = rest.get(f"{API}/ingresses/my-app-ingress").json()["object"]
    assert obj["metadata"]["annotations"] == my_ingress["annotations"]
    assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "podbay"
    obj = rest.get(f"{API}/ingresses/secure").json()["object"]
    assert obj["spec"]["ingressClassName"] == "nginx"
    assert obj["spec"]["tls"] == [{"hosts": ["secure.example.com"], "secretName": "secure-tls"}]
    listed = rest.get(f"{API}/ingresses").json()
    assert listed["source"] == "cache"
    assert [i["name"] for i in listed["ingresses"]] == [
        "my-app-ingress", "pod-terminal-ingress", "secure",
    ]  # fmt: skip

    dup = rest.post(f"{API}/services", json=my_service)
    assert dup.status_code == 409 and "already exists" in dup.json()["error"]
    assert rest.get(f"{API}/services/nope").status_code == 404
    assert rest.get(f"{API}/ingresses/nope").status_code == 404


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return out.stdout.decode().strip()


def _shared_workspace(real_node: Namespace, root: Path) -> tuple[str, str, str]:
    """A git repository on a PersistentVolume (hostPath under ``root``) and its claim
    ``workspace``: a failing commit, then a fixing one. The claim name and both SHAs."""
    repo = root / "repos" / "myapp"
    repo.mkdir(parents=True)
    (repo / "package.json").write_text(
        '{"name": "myapp", "version": "1.0.0", "scripts": {"test": "node test.js"}}\n'
    )
    (repo / "package-lock.json").write_text(
        '{"name": "myapp", "version": "1.0.0", "lockfileVersion": 3, "requires": true,\n'
        ' "packages": {"": {"name": "myapp", "version": "1.0.0"}}}\n'
    )
    (repo / "test.js").write_text("console.log('1 failing'); process.exit(1)\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    ident = ["-c", "user.name=podbay", "-c", "user.email=podbay@example.com"]
    _git(repo, *ident, "commit", "-qm", "wip: a failing test")
    failing = _git(repo, "rev-parse", "HEAD")
    (repo / "test.js").write_text("console.log('1 passing at ' + process.env.COMMIT_SHA)\n")
    _git(repo, *ident, "commit", "-qam", "fix the test")
    fixed = _git(repo, "rev-parse", "HEAD")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    pv = host_path_claim(real_node.core, real_node.name, "workspace", root, "ReadWriteMany")
    return pv, failing, fixed


def test_shared_pvc_git_checkout_at_a_commit(
    rest_as: Callable[..., TestClient], real_node: Namespace, tmp_path: Path
) -> None:
    """Shared PVC with Git-Based State Synchronization, and the debug loop on it: the spec's
    test-runner-abc123 body on a real repository, once at a failing commit, once at the fix."""
    ns = real_node.name
    pv, failing, fixed = _shared_workspace(real_node, tmp_path / "pv")
    rest = rest_as()
    try:
        for name, sha, want in (("test-runner-abc123", failing, "Failed"),
                                ("test-runner-fixed", fixed, "Succeeded")):  # fmt: skip
            body = {
                "name": name,
                "namespace": ns,
                "image": NODE,
                "env": {
                    "COMMIT_SHA": sha,  # the spec's abc123def456 is a placeholder
                    "REPO_PATH": "/workspace/repos/myapp",
                    "npm_config_update_notifier": "false",  # no registry from the sandbox
                },
                "command": ["sh"],
                "args": ["-c", "cd $REPO_PATH && git checkout $COMMIT_SHA && npm ci && npm test"],
                "pvcMounts": [{"claimName": "workspace", "mountPath": "/workspace"}],
            }
            _created(rest.post(f"{API}/pods", json=body))
            phase = _phase(rest, ns, name, ("Succeeded", "Failed"), timeout=180)
            logs = rest.get(f"{API}/pods/{name}/logs", params={"namespace": ns}).json()["logs"]
            assert phase == want, logs
            expected = "1 failing" if want == "Failed" else f"1 passing at {fixed}"
            assert expected in logs, logs
        listed = rest.get(f"{API}/pods", params={"namespace": ns}).json()["pods"]
        assert {p["name"]: p["status"] for p in listed} == {
            "test-runner-abc123": "Error",
            "test-runner-fixed": "Completed",
        }
        # Once tests pass, cleanup old pods: Failed on request, Succeeded by default.
        cleaned = rest.post(
            f"{API}/cleanup", json={"namespace": ns, "phases": ["Succeeded", "Failed"]}
        ).json()
        assert sorted(cleaned["deletedPods"]) == ["test-runner-abc123", "test-runner-fixed"]
    finally:
        real_node.core.delete_persistent_volume(pv)


def test_pod_examples_run_as_written(
    rest_as: Callable[..., TestClient], real_node: Namespace, tmp_path: Path
) -> None:
    """Creating Pods (test-runner with hostPath and labels), Testing with Specific Node
    Version (node20-test) and Python Environment Testing (python-test), as written: the
    last two have no project to test, so they fail, and say why, with the real exit code."""
    ns = real_node.name
    rest = rest_as(allow_host_path=True, host_path_prefixes=[str(tmp_path)])
    workspace = tmp_path / "workspace"
    workspace.mkdir(mode=0o777)
    workspace.chmod(0o777)
    runner = _created(
        rest.post(
            f"{API}/pods",
            json={
                "name": "test-runner",
                "namespace": ns,
                "image": NODE,
                "command": ["sh"],
                "mountPath": "/workspace",
                "hostPath": str(workspace),
                "labels": {"app": "test-runner"},
            },
        )
    )
    assert runner["pod"]["labels"]["app"] == "test-runner"
    obj = rest.get(f"{API}/pods/test-runner").json()["object"]
    [container] = obj["spec"]["containers"]
    assert container["name"] == "runner" and container["command"] == ["sh"]
    [volume] = [v for v in obj["spec"]["volumes"] if "hostPath" in v]
    assert volume["hostPath"]["path"] == str(workspace)
    assert {"name": volume["name"], "mountPath": "/workspace"}.items() <= next(
        m for m in container["volumeMounts"] if m["name"] == volume["name"]
    ).items()
    assert _phase(rest, ns, "test-runner", ("Succeeded", "Failed")) == "Succeeded"  # sh, no stdin

    cases = {
        "node20-test": (NODE, ["npm", "test"], "package.json", 254),  # npm's ENOENT code
        "python-test": (PYTHON, ["python", "-m", "pytest"], "No module named pytest", 1),
    }
    for name, (image, command, _, _) in cases.items():
        _created(
            rest.post(
                f"{API}/pods",
                json={"name": name, "namespace": ns, "image": image, "command": command},
            )
        )
    for name, (_, _, why, code) in cases.items():
        assert _phase(rest, ns, name, ("Succeeded", "Failed")) == "Failed"
        pod = rest.get(f"{API}/pods/{name}").json()
        assert pod["summary"]["status"] == "Error"
        [state] = pod["object"]["status"]["containerStatuses"]
        assert state["state"]["terminated"]["exitCode"] == code
        assert why in rest.get(f"{API}/pods/{name}/logs").json()["logs"]
